#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/escape.h"
#include "crisk/text.h"

static void escapes_as_mode(const char *in, size_t len, int ascii, const char *want)
{
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(cr_escape(in, len, ascii, &out, &n), CR_OK);
    if (strcmp(out, want) != 0 || n != strlen(want))
        fail_msg("escaped '%s', want '%s'", out, want);
    char back[256];
    size_t bl = 0;
    assert_int_equal(cr_unescape(out, n, back, &bl, NULL), CR_OK);
    assert_int_equal(bl, len);
    assert_memory_equal(back, in, len);
    free(out);
}

static void escapes_as(const char *in, size_t len, const char *want)
{
    escapes_as_mode(in, len, 0, want);
}

/* Issue 8: an export showed invalid UTF-8 as its GB18030 reading (C0 AF as 蜡) and cut values at
 * a NUL; every byte must be named and come back. */
static void names_every_byte(void **state)
{
    (void)state;
    escapes_as("广州,1,ok", strlen("广州,1,ok"), "广州,1,ok");
    escapes_as("a\xC0\xAF"
               "b",
               4, "a\\xC0\\xAFb");
    escapes_as("a\0b", 3, "a\\x00b");
    escapes_as("\t1\r\n\x1B\x7F", 6, "\\x091\\x0D\\x0A\\x1B\\x7F");
    escapes_as("C:\\x41", 6, "C:\\\\x41"); /* literal text that looks like an escape */
    escapes_as("\xC2\x85|\xC2\xA0", 5, "\\xC2\\x85|\xC2\xA0"); /* C1 control; NBSP stays */
    escapes_as("  a b  ", 7, "\\x20 a b \\x20");
    escapes_as(" ", 1, "\\x20");
    escapes_as("\xE4\xB8", 2, "\\xE4\\xB8");               /* a cut character */
    escapes_as("\xED\xA0\x80", 3, "\\xED\\xA0\\x80");      /* a surrogate */
    escapes_as("\xF0\x9F\x98\x80", 4, "\xF0\x9F\x98\x80"); /* outside the BMP stays */
    escapes_as("", 0, "");
    /* Bytes that are not UTF-8 text (a GB18030 line) are never shown as characters. */
    escapes_as_mode("a,\xE4\xB8\xAD,\\ \x01", 9, 1, "a,\\xE4\\xB8\\xAD,\\\\ \\x01");
}

static void rejects_unknown_escapes(void **state)
{
    (void)state;
    const char *bad[] = {"\\n", "a\\", "\\x4", "\\xZZ", "ok\\t", "\\X41", "\\u0041"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char out[16];
        size_t n = 0, at = 99;
        if (cr_unescape(bad[i], strlen(bad[i]), out, &n, &at) != CR_EINVAL)
            fail_msg("'%s' should be rejected", bad[i]);
        assert_int_equal(at, strchr(bad[i], '\\') - bad[i]);
    }
    char out[8];
    size_t n = 0;
    assert_int_equal(cr_unescape("\\x4a\\x4A", 8, out, &n, NULL), CR_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "JJ", 2);
}

/* Any bytes at all come back exactly, and the escaped form is valid UTF-8 without controls. */
static void round_trips_any_bytes(void **state)
{
    (void)state;
    static const unsigned char pick[] = {0x00, 0x09, 0x0A, 0x0D, 0x1F, ' ',  '\\', 'x',  'A',
                                         0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xE4, 0xED, 0xF0, 0xFF};
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int round = 0; round < 40000; round++) {
        unsigned char in[24];
        size_t len = (size_t)(round % 24);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
            in[i] = x & 1 ? pick[(x >> 8) % sizeof pick] : (unsigned char)(x >> 16);
        }
        char *out = NULL;
        size_t n = 0;
        assert_int_equal(cr_escape((const char *)in, len, round & 1, &out, &n), CR_OK);
        assert_int_equal(cr_utf8_valid_prefix(out, n), n);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)out[i] < 0x20 || out[i] == 0x7F)
                fail_msg("a control byte is left in '%s'", out);
        assert_true(n == 0 || (out[0] != ' ' && out[n - 1] != ' '));
        char back[24];
        size_t bl = 0;
        assert_int_equal(cr_unescape(out, n, back, &bl, NULL), CR_OK);
        assert_int_equal(bl, len);
        assert_memory_equal(back, in, len);
        assert_int_equal(cr_unescape(out, n, out, &bl, NULL), CR_OK); /* in place */
        assert_int_equal(bl, len);
        assert_memory_equal(out, in, len);
        free(out);
    }
}

/* A length whose escaped size (len * 4 + 1) does not fit a size_t is refused before anything
 * is read: 2^62 wrapped to a one-byte buffer that the loop then overran. */
static void refuses_unescapable_length(void **state)
{
    (void)state;
    char text[8] = "abc";
    char *out = NULL;
    assert_int_equal(cr_escape(text, (size_t)1 << 62, 0, &out, NULL), CR_ENOMEM);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_every_byte),
        cmocka_unit_test(rejects_unknown_escapes),
        cmocka_unit_test(round_trips_any_bytes),
        cmocka_unit_test(refuses_unescapable_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
