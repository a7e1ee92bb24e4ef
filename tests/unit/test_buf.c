/* The growing buffer and the one JSON writer (src/base/buf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static void json_is(const char *in, size_t len, const char *want)
{
    struct buf b = {0};
    cr__buf_json(&b, in, len);
    assert_false(b.oom);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.p, want, b.len);
    free(b.p);
}

static void escapes_json(void **state)
{
    (void)state;
    json_is("", 0, "\"\"");
    json_is("ab", 2, "\"ab\"");
    json_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    /* control bytes, NUL included, as \u00xx; DEL and UTF-8 as they are */
    json_is("\x01\n\x1f\x7f", 4, "\"\\u0001\\u000a\\u001f\x7f\"");
    json_is("a\0b", 3, "\"a\\u0000b\"");
    json_is("广州", strlen("广州"), "\"广州\"");
    /* invalid UTF-8 is copied, never dropped or cut */
    json_is("\xC0\xAF\xFF", 3, "\"\xC0\xAF\xFF\"");
}

static void fixed_is(double v, int decimals, const char *want)
{
    struct buf b = {0};
    cr__buf_fixed(&b, v, decimals);
    assert_string_equal(b.p, want);
    free(b.p);
}

static void writes_fixed_as_printf(void **state)
{
    (void)state;
    fixed_is(0, 4, "0.0000");
    fixed_is(12.25, 1, "12.3");
    fixed_is(-0.00001, 4, "0.0000"); /* no minus zero, unlike printf */
    fixed_is(-1.5, 0, "-2");
    fixed_is(0.12345, 4, "0.1235");
    fixed_is(123456.789, 6, "123456.789000");
    fixed_is(2e9, 1, "2000000000.0");
}

static void grows_and_appends(void **state)
{
    (void)state;
    struct buf b = {0};
    for (int i = 0; i < 10000; i++)
        cr__buf_char(&b, (char)('a' + i % 26));
    cr__buf_str(&b, "!");
    assert_false(b.oom);
    assert_int_equal(b.len, 10001);
    assert_int_equal(b.p[10000], '!');
    assert_int_equal(b.p[10001], 0);
    b.len = 0;
    cr__buf_add(&b, "xy", 2);
    assert_string_equal(b.p, "xy");
    free(b.p);
}

/* Formatted appends of any length: an identity key longer than any fixed buffer stays whole. */
static void printf_grows(void **state)
{
    (void)state;
    struct buf b = {0};
    cr__buf_printf(&b, "%s:%d", "k", 7);
    char long_text[3000];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    cr__buf_printf(&b, "|%s|", long_text);
    assert_false(b.oom);
    assert_int_equal(b.len, 3 + 1 + 2999 + 1);
    assert_int_equal(strlen(b.p), b.len);
    assert_memory_equal(b.p, "k:7|x", 5);
    assert_int_equal(b.p[b.len - 1], '|');
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes_json),
        cmocka_unit_test(writes_fixed_as_printf),
        cmocka_unit_test(grows_and_appends),
        cmocka_unit_test(printf_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
