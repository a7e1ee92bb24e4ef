/* The prefix-state SHA-256 of the draw (src/inspect/sha256_prefix.c) against libsodium's
 * crypto_hash_sha256, an independent implementation: prefixes and suffixes around the 64-byte
 * block and the 55/56-byte padding boundaries, several messages from one prefix (the state must
 * not be consumed by a digest), and the draw's own message shape. test_sha256_prefix_evp.c runs
 * the same cases against the EVP version (an OpenSSL without the deprecated API). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/internal.h"

/* text of n bytes, varied (not a repeated byte: a shifted part would then hash the same) */
static char *text_of(size_t n, unsigned seed)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('!' + (i * 7 + seed * 13 + i / 5) % 94);
    s[n] = 0;
    return s;
}

/* SHA-256(head ‖ parts…) by libsodium */
static void sodium_digest(const char *head, const char *const *parts, size_t n,
                          unsigned char out[32])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)head, strlen(head));
    for (size_t i = 0; i < n; i++)
        crypto_hash_sha256_update(&st, (const unsigned char *)parts[i], strlen(parts[i]));
    crypto_hash_sha256_final(&st, out);
}

static void matches_sodium(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    const size_t head_lens[] = {0, 1, 55, 56, 63, 64, 65, 119, 128, 200};
    const size_t part_lens[] = {0, 1, 8, 55, 56, 64, 100, 1000};
    size_t checked = 0;
    for (size_t h = 0; h < sizeof head_lens / sizeof *head_lens; h++) {
        char *head = text_of(head_lens[h], (unsigned)h);
        struct cr__sha256_prefix p;
        /* the head in two updates, as the draw's prefix is built */
        size_t cut = head_lens[h] / 3;
        assert_true(cr__sha256_prefix_init(&p, head, cut));
        assert_true(cr__sha256_prefix_update(&p, head + cut, head_lens[h] - cut));
        for (size_t a = 0; a < sizeof part_lens / sizeof *part_lens; a++)
            for (size_t b = 0; b < sizeof part_lens / sizeof *part_lens; b += 3) {
                char *pa = text_of(part_lens[a], 100 + (unsigned)a);
                char *pb = text_of(part_lens[b], 200 + (unsigned)b);
                const char *parts[] = {pa, "\n", pb};
                unsigned char got[32], want[32];
                for (size_t n = 1; n <= 3; n++) {
                    assert_true(cr__sha256_prefix_digest(&p, parts, n, got));
                    sodium_digest(head, parts, n, want);
                    if (memcmp(got, want, 32))
                        fail_msg("head %zu bytes, parts %zu/%zu bytes, %zu parts: differs",
                                 head_lens[h], part_lens[a], part_lens[b], n);
                    checked++;
                }
                free(pa);
                free(pb);
            }
        /* no parts: the prefix alone, still the same after all those digests */
        unsigned char got[32], want[32];
        assert_true(cr__sha256_prefix_digest(&p, NULL, 0, got));
        sodium_digest(head, NULL, 0, want);
        assert_memory_equal(got, want, 32);
        cr__sha256_prefix_fini(&p);
        free(head);
    }
    assert_int_equal(checked, 10 * 8 * 3 * 3);
}

/* The draw's message (docs/draw.md): "crisk-draw-1\n<plan>\n<plan hash>\n<seed>\n" then
 * "<arm>\n<key>" or "inspector\n<key>\n<staff id>". One known digest pins the shape as well. */
static void draw_message(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    const char *head = "crisk-draw-1\n7\n"
                       "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n";
    const char *seeds[] = {"2026-03-01 上证 3215.67", "x", ""};
    for (size_t i = 0; i < 3; i++) {
        struct cr__sha256_prefix p;
        assert_true(cr__sha256_prefix_init(&p, head, strlen(head)));
        assert_true(cr__sha256_prefix_update(&p, seeds[i], strlen(seeds[i])));
        assert_true(cr__sha256_prefix_update(&p, "\n", 1));
        char full[256];
        snprintf(full, sizeof full, "%s%s\n", head, seeds[i]);
        const char *parts[] = {"inspector", "\n", "91440101MA5CXXXX0X", "\n", "GZ-0042"};
        unsigned char got[32], want[32];
        assert_true(cr__sha256_prefix_digest(&p, parts, 5, got));
        sodium_digest(full, parts, 5, want);
        assert_memory_equal(got, want, 32);
        cr__sha256_prefix_fini(&p);
    }
    /* "abc" from an empty prefix: FIPS 180-2's example */
    struct cr__sha256_prefix p;
    assert_true(cr__sha256_prefix_init(&p, "", 0));
    const char *abc[] = {"abc"};
    unsigned char got[32];
    assert_true(cr__sha256_prefix_digest(&p, abc, 1, got));
    cr__sha256_prefix_fini(&p);
    static const unsigned char fips[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                           0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                           0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                           0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    assert_memory_equal(got, fips, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_sodium),
        cmocka_unit_test(draw_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
