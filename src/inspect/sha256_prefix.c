/* SHA-256 of messages sharing a prefix: the digest state after the prefix is kept and copied for
 * every message (a draw over the full city takes millions of digests, each starting with the
 * draw's own prefix: docs/draw.md).
 *
 * OpenSSL 3 deprecates the low-level SHA256_Init/Update/Final in favour of EVP, but EVP copies a
 * digest context with EVP_MD_CTX_copy_ex (an allocation and a provider call each time) where a
 * SHA256_CTX is a plain struct copied in place: about 2.5 times as fast for a draw. Both run the
 * same SHA instructions. The deprecated API is confined to this file; an OpenSSL built without it
 * (OPENSSL_NO_DEPRECATED_3_0: configured no-deprecated, or OPENSSL_NO_DEPRECATED with
 * OPENSSL_API_COMPAT 3.0) gets the EVP version, same digests
 * (tests/unit/test_sha256_prefix*.c pin both against libsodium's SHA-256). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>

#include "internal.h"

#if defined(OPENSSL_NO_DEPRECATED_3_0)

/* The EVP version: the state holds an EVP_MD_CTX pointer, owned by the prefix. */
static EVP_MD_CTX **evp(struct cr__sha256_prefix *p)
{
    return (EVP_MD_CTX **)(void *)p->state.raw;
}

int cr__sha256_prefix_init(struct cr__sha256_prefix *p, const void *head, size_t len)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    *evp(p) = c;
    return c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, head, len);
}

int cr__sha256_prefix_update(struct cr__sha256_prefix *p, const void *data, size_t len)
{
    return *evp(p) && EVP_DigestUpdate(*evp(p), data, len);
}

int cr__sha256_prefix_digest(const struct cr__sha256_prefix *p, const char *const *parts, size_t n,
                             unsigned char out[32])
{
    EVP_MD_CTX *const *pc = (EVP_MD_CTX *const *)(const void *)p->state.raw;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int hl = 0;
    int ok = c && *pc && EVP_MD_CTX_copy_ex(c, *pc);
    for (size_t i = 0; i < n && ok; i++)
        ok = EVP_DigestUpdate(c, parts[i], strlen(parts[i]));
    ok = ok && EVP_DigestFinal_ex(c, out, &hl) && hl == 32;
    EVP_MD_CTX_free(c);
    return ok;
}

void cr__sha256_prefix_fini(struct cr__sha256_prefix *p)
{
    EVP_MD_CTX_free(*evp(p));
    *evp(p) = NULL;
}

#else

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((struct cr__sha256_prefix *)0)->state.raw),
               "struct cr__sha256_prefix holds a SHA256_CTX");

/* The state holds the SHA256_CTX itself: a copy of the prefix is a struct copy. */
int cr__sha256_prefix_init(struct cr__sha256_prefix *p, const void *head, size_t len)
{
    SHA256_CTX *c = (SHA256_CTX *)(void *)p->state.raw;
    return SHA256_Init(c) && SHA256_Update(c, head, len);
}

int cr__sha256_prefix_update(struct cr__sha256_prefix *p, const void *data, size_t len)
{
    return SHA256_Update((SHA256_CTX *)(void *)p->state.raw, data, len);
}

int cr__sha256_prefix_digest(const struct cr__sha256_prefix *p, const char *const *parts, size_t n,
                             unsigned char out[32])
{
    SHA256_CTX c;
    memcpy(&c, p->state.raw, sizeof c);
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++)
        ok = SHA256_Update(&c, parts[i], strlen(parts[i]));
    return ok && SHA256_Final(out, &c); /* nothing here is secret (a seed is published) */
}

void cr__sha256_prefix_fini(struct cr__sha256_prefix *p)
{
    (void)p; /* a plain struct: nothing to free */
}

#endif
