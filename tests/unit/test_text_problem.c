/* cr_text_problem (crisk/text.h), the check of a visible single-line text: every character that
 * shows as nothing or moves what is seen is refused with its code point and place; visible text
 * (Chinese, emoji without a variation selector, accents, inner ASCII spaces) passes. The code
 * points are listed by hand from the Unicode tables, not computed by the code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "crisk/text.h"

static const char *problem(const char *t, size_t len, int nfkc, char why[CR_TEXT_WHY_CAP])
{
    return cr_text_problem(t, len, 200, nfkc, why);
}

static size_t utf8_put(uint32_t c, char *o)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | c >> 6);
        o[1] = (char)(0x80 | (c & 63));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | c >> 12);
        o[1] = (char)(0x80 | (c >> 6 & 63));
        o[2] = (char)(0x80 | (c & 63));
        return 3;
    }
    o[0] = (char)(0xf0 | c >> 18);
    o[1] = (char)(0x80 | (c >> 12 & 63));
    o[2] = (char)(0x80 | (c >> 6 & 63));
    o[3] = (char)(0x80 | (c & 63));
    return 4;
}

static void visible_passes(void **state)
{
    (void)state;
    const char *ok[] = {"2026-03-01 上证 3215.67",
                        "a",
                        "种子 one two",
                        "😀",
                        "❤",
                        "café",
                        "Ⅻ年", /* not NFKC, but nfkc is off below for this one */
                        "王五",
                        "a b c"};
    char why[CR_TEXT_WHY_CAP];
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        const char *p = problem(ok[i], strlen(ok[i]), 0, why);
        if (p)
            fail_msg("'%s' refused: %s", ok[i], p);
    }
    assert_null(problem("café", strlen("café"), 1, why));
    /* e + U+0301 is not NFKC (NFKC composes it): refused only when nfkc is asked */
    assert_null(problem("cafe\xcc\x81", 6, 0, why));
    assert_non_null(strstr(problem("cafe\xcc\x81", 6, 1, why), "NFKC"));
}

static void invisible_refused(void **state)
{
    (void)state;
    static const struct {
        uint32_t c;
        const char *kind;
    } bad[] = {
        {0x0, "control"},         {0x9, "control"},          {0x1b, "control"},
        {0x7f, "control"},        {0x85, "control"},         {0x9f, "control"},
        {0xad, "format"},         {0x61c, "format"},         {0x180e, "format"},
        {0x200b, "format"},       {0x200d, "format"},        {0x200e, "format"},
        {0x202e, "format"},       {0x2066, "format"},        {0x2069, "format"},
        {0x2060, "format"},       {0x2064, "format"},        {0xfeff, "format"},
        {0xfff9, "format"},       {0x110bd, "format"},       {0x1d173, "format"},
        {0x2028, "separator"},    {0x2029, "separator"},     {0xa0, "space"},
        {0x1680, "space"},        {0x2000, "space"},         {0x200a, "space"},
        {0x202f, "space"},        {0x205f, "space"},         {0x3000, "space"},
        {0xfe00, "variation"},    {0xfe0f, "variation"},     {0xe0100, "variation"},
        {0xe01ef, "variation"},   {0x180b, "variation"},     {0x180f, "variation"},
        {0x34f, "grapheme"},      {0xe0000, "tag"},          {0xe0001, "tag"},
        {0xe0020, "tag"},         {0xe0041, "tag"},          {0xe007f, "tag"},
        {0x115f, "ignorable"},    {0x1160, "ignorable"},     {0x3164, "ignorable"},
        {0xffa0, "ignorable"},    {0x17b4, "ignorable"},     {0xe000, "private-use"},
        {0xf8ff, "private-use"},  {0x10fffd, "private-use"}, {0xffff, "noncharacter"},
        {0xfdd0, "noncharacter"}, {0x2800, "braille"},
    };
    char why[CR_TEXT_WHY_CAP];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        /* "上x" then the character then "y": character 3, byte 5 */
        char t[16] = "\xe4\xb8\x8ax";
        size_t n = 4 + utf8_put(bad[i].c, t + 4);
        t[n++] = 'y';
        const char *p = problem(t, n, 0, why);
        if (!p)
            fail_msg("U+%04X passed", (unsigned)bad[i].c);
        char want[64];
        snprintf(want, sizeof want, "U+%04X, ", (unsigned)bad[i].c);
        if (!strstr(p, want) || !strstr(p, bad[i].kind) || !strstr(p, "at character 3 (byte 5)"))
            fail_msg("U+%04X: '%s'", (unsigned)bad[i].c, p);
    }
}

static void ends_and_sizes(void **state)
{
    (void)state;
    {
        char w[CR_TEXT_WHY_CAP];
        const char *p = problem("\xcc\x81lead", 6, 0, w); /* U+0301 first */
        assert_non_null(p);
        assert_non_null(strstr(p, "begins with U+0301, a combining mark"));
        assert_null(problem("le\xcc\x81"
                            "ad",
                            6, 0, w)); /* inside: an accent on its letter */
    }
    char why[CR_TEXT_WHY_CAP];
    assert_string_equal(problem("", 0, 0, why), "it is empty");
    assert_string_equal(problem(" a", 2, 0, why), "it begins with a space");
    assert_string_equal(problem("a ", 2, 0, why), "it ends with a space");
    assert_null(problem("a b", 3, 0, why));
    /* a NUL inside is a control, not the end (the length is given) */
    const char *p = problem("ab\0cd", 5, 0, why);
    assert_non_null(p);
    assert_non_null(strstr(p, "U+0000, a control character, at character 3 (byte 3)"));
    char big[202];
    memset(big, 'x', sizeof big);
    assert_null(cr_text_problem(big, 200, 200, 1, why));
    p = cr_text_problem(big, 201, 200, 1, why);
    assert_non_null(p);
    assert_non_null(strstr(p, "too long"));
    p = problem("ab\xff", 3, 0, why);
    assert_non_null(p);
    assert_non_null(strstr(p, "not UTF-8 (at byte 3)"));
    /* an overlong NUL (C0 80) is not UTF-8, not a way around the control check */
    assert_non_null(strstr(problem("a\xc0\x80", 3, 0, why), "not UTF-8"));
}

/* A note keeps tabs, line breaks, spaces of any width and an emoji's variation selector, and
 * refuses what hides or reorders text, naming it. */
static void notes(void **state)
{
    (void)state;
    char why[CR_TEXT_WHY_CAP];
    static const char *const fine[] = {"现场核实\n二楼\t无人", "  indented",
                                       "到场\u3000\u2714\ufe0f", "", "x\r\n"};
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++)
        assert_null(cr_note_problem(fine[i], strlen(fine[i]), why));
    static const struct {
        const char *t, *want;
    } bad[] = {
        {"ab\x1b[31m", "U+001B, a control character, at character 3 (byte 3)"},
        {"a\u202eb", "U+202E"},
        {"a\u200bb", "U+200B"},
        {"a\u2028b", "U+2028, a line or paragraph separator"},
        {"a\U000E0041", "U+E0041, a tag character"},
        {"\xff", "not UTF-8 (at byte 1)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *w = cr_note_problem(bad[i].t, strlen(bad[i].t), why);
        assert_non_null(w);
        assert_non_null(strstr(w, bad[i].want));
    }
    /* a NUL inside is a control character, not the end */
    assert_non_null(cr_note_problem("a\0b", 3, why));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(visible_passes),
        cmocka_unit_test(invisible_refused),
        cmocka_unit_test(ends_and_sizes),
        cmocka_unit_test(notes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
