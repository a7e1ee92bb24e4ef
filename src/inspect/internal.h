/* Internals shared by the files of the inspect stage. */
#ifndef CRISK_INSPECT_INTERNAL_H
#define CRISK_INSPECT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"

/* A small CSV file (UTF-8, at most CR_PLAN_LIST_MAX_BYTES, a header, RFC 4180 quotes within one
 * line) read whole; fields are cut in place. */
struct cr__csv {
    char *text;
    size_t len, pos;
    long line; /* the 1-based line of the row last read */
    const char *path;
};
/* Reads path (CR_EENCODING for NUL bytes or text that is not UTF-8). Free c->text. */
cr_err cr__csv_open(struct cr__csv *c, const char *path, cr_diag *d) CR_MUST_USE;
/* The next non-empty line's fields (at most max stored, *nf counts all): 1, 0 at the end, -1 on
 * a bad quote. */
int cr__csv_next(struct cr__csv *c, char **f, int max, int *nf);
/* Reads the header and checks it is exactly want[0..n). */
cr_err cr__csv_header(struct cr__csv *c, const char *const *want, int n, cr_diag *d) CR_MUST_USE;

/* CR_EINVAL "<what cr_file_read said> (N MiB) for a <what> (docs/inspect.md "Sizes")": a file
 * longer than limit, after cr_file_read's CR_ERANGE (what: "plan file", "list file"). */
cr_err cr__too_long(const char *path, size_t limit, const char *what, cr_diag *d) CR_MUST_USE;

/* Strings copied into chunks that never move: the keys of an eligible list (struct cr_elig
 * points into it). */
struct cr__strpool {
    char **chunk;
    size_t n_chunks, used, cap; /* used and cap of the last chunk */
};
/* A copy of s in the pool, or NULL when memory ran out. */
const char *cr__strpool_dup(struct cr__strpool *p, const char *s);
void cr__strpool_free(struct cr__strpool *p);

/* SHA-256 of messages that share a prefix (src/inspect/sha256_prefix.c): the state after the
 * prefix, copied for each message. Filled by init, read-only afterwards (threads may share it),
 * released by fini (also after a failed init). The functions return 1 on success, 0 on a failure
 * of the library (memory). */
struct cr__sha256_prefix {
    union {
        unsigned char raw[128]; /* a SHA256_CTX, or an EVP_MD_CTX pointer (sha256_prefix.c) */
        uint64_t align_u64;
        void *align_ptr;
    } state;
};
int cr__sha256_prefix_init(struct cr__sha256_prefix *p, const void *head, size_t len);
int cr__sha256_prefix_update(struct cr__sha256_prefix *p, const void *data, size_t len);
/* out = SHA-256(prefix ‖ parts[0] ‖ … ‖ parts[n-1]), each part a NUL-terminated string. */
int cr__sha256_prefix_digest(const struct cr__sha256_prefix *p, const char *const *parts, size_t n,
                             unsigned char out[32]);
void cr__sha256_prefix_fini(struct cr__sha256_prefix *p);

#endif
