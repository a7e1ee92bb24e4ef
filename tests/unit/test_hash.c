/* cr_hash64 (crisk/hash.h) keeps its values: stores hold row hashes and content hashes made by
 * it, so a faster form of the same function must give the same numbers. The expected values
 * come from an independent Python re-implementation of the byte-by-byte definition (little-
 * endian 8-byte words, two 64-bit lanes, a zero-padded 16-byte tail, cr_mix64), not from this
 * code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crisk/hash.h"

static void known_values(void **state)
{
    (void)state;
    unsigned char bytes[768];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(i % 256);
    const char *city = "广州市天河区"; /* 18 bytes: one whole word pair and a tail of 2 */
    assert_int_equal(cr_hash64("", 0, 0), 0x73489267aa2d4292ULL);
    assert_int_equal(cr_hash64("a", 1, 1), 0x9746917a4b8df513ULL);
    assert_int_equal(cr_hash64("0123456789abcdef", 16, 0x63726973u), 0xbfeecc83ac62def5ULL);
    assert_int_equal(cr_hash64(bytes, 37, 0x64656475u), 0xa0076969bf30ae34ULL);
    assert_int_equal(cr_hash64(city, strlen(city), 7), 0xfb77ce93e4624380ULL);
    assert_int_equal(cr_hash64(bytes, sizeof bytes, UINT64_MAX), 0xa5a7bf2f41b2b877ULL);
}

/* The words are read at any alignment: the same bytes at every offset hash the same. */
static void any_alignment(void **state)
{
    (void)state;
    unsigned char buf[64 + 8];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 7 + 3);
    unsigned char at[64 + 8];
    uint64_t want = cr_hash64(buf, 64, 9);
    for (size_t off = 1; off < 8; off++) {
        memcpy(at + off, buf, 64);
        assert_int_equal(cr_hash64(at + off, 64, 9), want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_values),
        cmocka_unit_test(any_alignment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
