#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "crisk/text.h"

static int32_t day_of(const char *s)
{
    int32_t d = -1;
    cr_err rc = cr_date_parse(s, strlen(s), &d);
    return rc ? -100000 - (int32_t)rc : d;
}

static void date_forms(void **state)
{
    (void)state;
    int32_t want = cr_days_from_civil(2021, 11, 4);
    const char *forms[] = {"2021-11-04",           "2021/11/4",           "20211104",
                           "2021年11月4日",        "2021.11.04",          "2021-11-04 08:30:00",
                           "2021-11-04T08:30:00Z", "2021/11/4 8:30",      " 2021-11-04 ",
                           "２０２１－１１－０４", "2021年11月04日 10时", "2021年11月4号"};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        int32_t got = day_of(forms[i]);
        if (got != want)
            fail_msg("'%s' parsed to %d, want %d", forms[i], got, want);
    }
}

static void date_rejects(void **state)
{
    (void)state;
    int32_t d = 7;
    const char *bad[] = {
        "",    "2021",        "2021-11",  "2021-11/04", "21-11-04", "2021-11-04x", "2021年11-04",
        "abc", "2021--11-04", "202111045"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (cr_date_parse(bad[i], strlen(bad[i]), &d) != CR_EINVAL)
            fail_msg("'%s' should be rejected", bad[i]);
    assert_int_equal(cr_date_parse("2021-02-29", 10, &d), CR_ERANGE);
    assert_int_equal(cr_date_parse("2020-02-29", 10, &d), CR_OK);
    assert_int_equal(cr_date_parse("2021-13-01", 10, &d), CR_ERANGE);
    assert_int_equal(cr_date_parse("1899-12-31", 10, &d), CR_ERANGE);
    assert_int_equal(d, cr_days_from_civil(2020, 2, 29)); /* untouched by failures */
}

/* The time after a day is checked, and a time with a zone is moved into the catalog's zone
 * (issue 8: 25:00 and 10:61 loaded, -05:00 was ignored). */
static void date_times(void **state)
{
    (void)state;
    int32_t nov4 = cr_days_from_civil(2021, 11, 4);
    const struct {
        const char *s;
        int32_t day; /* -1: rejected */
    } cases[] = {
        {"2021-11-04 23:59:59", nov4},
        {"2021-11-04 00:00", nov4},
        {"2021-11-04 24:00", -1},
        {"2021-01-01 25:00", -1},
        {"2021-11-04 10:61", -1},
        {"2021-11-04 10:30:60", -1},
        {"2021-11-04 10:3", -1},
        {"2021-11-04 10:30:00.123", nov4},
        {"2021-11-04 9:05 PM", nov4},
        {"2021-11-04 13:05 PM", -1},
        {"2021-11-04 8时30分", nov4},
        {"2021-11-04 8时70分", -1},
        {"2021-11-04 08:30x", -1},
        {"20211104256000", -1},
        {"20211104235960", -1},
        {"2021-11-04T23:30:00-05:00", nov4 + 1}, /* 12:30 next day in Beijing */
        {"2021-11-04T23:30:00-0500", nov4 + 1},  /* 12:30 next day in Beijing */
        {"2021-11-04T15:59:59Z", nov4},          /* 23:59:59 */
        {"2021-11-04T16:00:00Z", nov4 + 1},      /* midnight */
        {"2021-11-04 16:00 UTC", nov4 + 1},      /* midnight */
        {"2021-11-04T08:00:00+08:00", nov4},     /* the catalog's own zone */
        {"2021-11-04T01:00:00+14:00", nov4 - 1}, /* 19:00 the day before */
        {"2021-11-04T01:00:00+15:00", -1},       /* no such zone */
        {"2021-11-04T10:00:00+08:61", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int32_t d = -1;
        cr_err rc = cr_date_parse(cases[i].s, strlen(cases[i].s), &d);
        if (cases[i].day < 0 ? rc == CR_OK : rc || d != cases[i].day)
            fail_msg("'%s': rc %d day %d, want %d", cases[i].s, rc, d, cases[i].day);
    }
    /* Another catalog zone (UTC-5): the same instant is another day. */
    struct cr_date r;
    assert_int_equal(cr_date_read("2021-11-04T02:00:00+08:00", 25, NULL, 0, -300, &r), CR_OK);
    assert_int_equal(r.day, nov4 - 1);
    assert_int_equal(cr_date_read("2021-11-04T02:00:00", 19, NULL, 0, -300, &r), CR_OK);
    assert_int_equal(r.day, nov4); /* a time without a zone is the catalog's own */
    /* A pattern's own time is checked and zoned alike. */
    assert_int_equal(cr_date_read("11/04/2021 11:30 PM -05:00", 26, "%m/%d/%Y %H:%M %p", 0,
                                  CR_ZONE_DEFAULT_MIN, &r),
                     CR_OK);
    assert_int_equal(r.day, nov4 + 1);
    assert_int_equal(
        cr_date_read("11/04/2021 0:30 PM", 18, "%m/%d/%Y %H:%M %p", 0, CR_ZONE_DEFAULT_MIN, &r),
        CR_EINVAL);
    /* %b takes a month's full name or exactly its first three letters. */
    assert_int_equal(cr_date_read("04-Sept-2021", 12, "%d-%b-%Y", 0, CR_ZONE_DEFAULT_MIN, &r),
                     CR_EINVAL);
    assert_int_equal(cr_date_read("04-Sep-2021", 11, "%d-%b-%Y", 0, CR_ZONE_DEFAULT_MIN, &r),
                     CR_OK);
    assert_int_equal(cr_date_read("04-Septem-2021", 14, "%d-%b-%Y", 0, CR_ZONE_DEFAULT_MIN, &r),
                     CR_EINVAL);
}

/* Periods: the day is the period's last (or first) day and the period is told apart. */
static void date_periods(void **state)
{
    (void)state;
    const struct {
        const char *s;
        cr_date_prec prec;
        int y, m, d; /* the last day */
    } cases[] = {
        {"2017", CR_DATE_YEAR, 2017, 12, 31},        {"2017.0", CR_DATE_YEAR, 2017, 12, 31},
        {"2017年", CR_DATE_YEAR, 2017, 12, 31},      {"201712", CR_DATE_MONTH, 2017, 12, 31},
        {"201702.0", CR_DATE_MONTH, 2017, 2, 28},    {"2016-02", CR_DATE_MONTH, 2016, 2, 29},
        {"2017/6", CR_DATE_MONTH, 2017, 6, 30},      {"2017.6", CR_DATE_MONTH, 2017, 6, 30},
        {"2019年7月", CR_DATE_MONTH, 2019, 7, 31},   {"２０１９年７月", CR_DATE_MONTH, 2019, 7, 31},
        {"2017-06-05", CR_DATE_DAY, 2017, 6, 5},     {"20170605.0", CR_DATE_DAY, 2017, 6, 5},
        {"20170117095523", CR_DATE_DAY, 2017, 1, 17}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct cr_date end, start;
        const char *s = cases[i].s;
        if (cr_date_read(s, strlen(s), NULL, 0, CR_ZONE_DEFAULT_MIN, &end) ||
            cr_date_read(s, strlen(s), NULL, 1, CR_ZONE_DEFAULT_MIN, &start))
            fail_msg("'%s' was not read", s);
        if (end.prec != cases[i].prec ||
            end.day != cr_days_from_civil(cases[i].y, cases[i].m, cases[i].d))
            fail_msg("'%s': precision %d day %d", s, end.prec, end.day);
        int first = cr_days_from_civil(cases[i].y, cases[i].prec == CR_DATE_YEAR ? 1 : cases[i].m,
                                       cases[i].prec == CR_DATE_DAY ? cases[i].d : 1);
        if (start.day != first)
            fail_msg("'%s': first day %d, want %d", s, start.day, first);
    }
    struct cr_date r;
    char text[8];
    assert_int_equal(cr_date_read("2017-06", 7, NULL, 0, CR_ZONE_DEFAULT_MIN, &r), CR_OK);
    cr_date_period_format(&r, text);
    assert_string_equal(text, "2017-06");
    assert_int_equal(cr_date_read("2017.0", 6, NULL, 0, CR_ZONE_DEFAULT_MIN, &r), CR_OK);
    cr_date_period_format(&r, text);
    assert_string_equal(text, "2017");
    const char *bad[] = {"201713",         "2017-13", "1899",   "2017.5.0",
                         "20170117256000", "2017年7", "2017-6-"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (cr_date_read(bad[i], strlen(bad[i]), NULL, 0, CR_ZONE_DEFAULT_MIN, &r) == CR_OK)
            fail_msg("'%s' should be rejected", bad[i]);
    /* A day parser never takes a period for a day. */
    int32_t d;
    assert_int_equal(cr_date_parse("2017", 4, &d), CR_EINVAL);
    assert_int_equal(cr_date_parse("201712", 6, &d), CR_EINVAL);
}

static void date_patterns(void **state)
{
    (void)state;
    const struct {
        const char *pat, *s;
        int y, m, d; /* y 0: rejected */
    } cases[] = {{"%m/%d/%Y", "01/15/2019", 2019, 1, 15},
                 {"%m/%d/%Y", "1/5/2019 12:00:00 AM", 2019, 1, 5},
                 {"%m/%d/%Y", "2019-01-15", 0, 0, 0},
                 {"%m/%d/%Y", "13/01/2019", -1, 0, 0},
                 {"%d.%m.%Y", "04.11.2021", 2021, 11, 4},
                 {"%d-%b-%Y", "15-JAN-2019", 2019, 1, 15},
                 {"%b %d, %Y", "September 3, 2020", 2020, 9, 3},
                 {"%Y年%m月%d日", "2021年3月4日", 2021, 3, 4},
                 {"%m/%d/%Y %H:%M %p", "03/04/2021 11:30 PM", 2021, 3, 4},
                 {"%m/%d/%Y %H:%M", "03/04/2021 25:30", 0, 0, 0},
                 {"%Y%%%m", "2021%03", 2021, 3, 31},
                 {"%Y", "2021.0", 2021, 12, 31},
                 {"%m/%Y", "02/2020", 2020, 2, 29}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *why = NULL;
        struct cr_date r;
        assert_int_equal(cr_date_pattern_check(cases[i].pat, &why), CR_OK);
        cr_err rc =
            cr_date_read(cases[i].s, strlen(cases[i].s), cases[i].pat, 0, CR_ZONE_DEFAULT_MIN, &r);
        if (cases[i].y == 0 ? rc != CR_EINVAL
            : cases[i].y < 0
                ? rc != CR_ERANGE
                : rc || r.day != cr_days_from_civil(cases[i].y, cases[i].m, cases[i].d))
            fail_msg("'%s' with '%s': rc %d", cases[i].s, cases[i].pat, rc);
    }
    const char *bad[] = {"%m/%d", "%Y-%q", "%Y-%m-%m", "%Y %d", "%Y %H", "%Y-%m-%b", "%Y%"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *why = NULL;
        if (cr_date_pattern_check(bad[i], &why) != CR_EINVAL || !why)
            fail_msg("pattern '%s' should be rejected", bad[i]);
    }
}

static void date_relative(void **state)
{
    (void)state;
    const char *rel[] = {"4小时前", "昨天",        "前天 10:20", "3天前",
                         "刚刚",    "2 hours ago", "Yesterday"};
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++)
        if (!cr_date_relative(rel[i], strlen(rel[i])))
            fail_msg("'%s' is relative", rel[i]);
    const char *abs_[] = {"2019-07-25", "2019年7月", "前进路1号", ""};
    for (size_t i = 0; i < sizeof abs_ / sizeof *abs_; i++)
        if (cr_date_relative(abs_[i], strlen(abs_[i])))
            fail_msg("'%s' is not relative", abs_[i]);
}

static void zero_fraction(void **state)
{
    (void)state;
    const struct {
        const char *s;
        size_t want;
    } cases[] = {{"7513.0", 4}, {"7513.000", 4}, {"7513", 4},    {"7513.5", 6}, {"7513.", 5},
                 {".0", 2},     {"75a3.0", 6},   {"7513.01", 7}, {"", 0},       {"0.0", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (cr_zero_fraction_len(cases[i].s, strlen(cases[i].s)) != cases[i].want)
            fail_msg("'%s' should keep %zu bytes", cases[i].s, cases[i].want);
}

static void civil_roundtrip(void **state)
{
    (void)state;
    assert_int_equal(cr_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(cr_days_from_civil(2000, 3, 1), 11017);
    for (int32_t day = -30000; day < 60000; day += 13) {
        int y, m, d;
        cr_civil_from_days(day, &y, &m, &d);
        assert_int_equal(cr_days_from_civil(y, m, d), day);
    }
    char buf[11];
    cr_day_format(cr_days_from_civil(2021, 1, 9), buf);
    assert_string_equal(buf, "2021-01-09");
}

static int64_t fen_of(const char *s)
{
    int64_t f = 0;
    cr_err rc = cr_amount_parse(s, strlen(s), &f);
    return rc ? INT64_MIN + rc : f;
}

static void amounts(void **state)
{
    (void)state;
    assert_int_equal(fen_of("1234.56"), 123456);
    assert_int_equal(fen_of("1,234.56"), 123456);
    assert_int_equal(fen_of("1,234.56元"), 123456);
    assert_int_equal(fen_of("¥1,234.5"), 123450);
    assert_int_equal(fen_of("12.5万元"), 12500000);
    assert_int_equal(fen_of("12.345678万"), 12345678);
    assert_int_equal(fen_of("-943.4"), -94340);
    assert_int_equal(fen_of("(943.40)"), -94340);
    assert_int_equal(fen_of("-¥5"), -500);
    assert_int_equal(fen_of("０.０５"), 5);
    assert_int_equal(fen_of("1.0050"), INT64_MIN + CR_EINVAL); /* past the fen: refused */
    assert_int_equal(fen_of("1.0000"), 100);                   /* zeros past it are exact */
    assert_int_equal(fen_of("5 万元"), 5000000);
    assert_int_equal(fen_of("5 万"), 5000000);
    assert_int_equal(fen_of("5.00元整"), 500);
    assert_int_equal(fen_of("5万元整"), 5000000);
    assert_int_equal(fen_of(" 7 "), 700);
    assert_int_equal(fen_of("0"), 0);
    assert_int_equal(fen_of("92233720368547758.07"), INT64_MAX);
    assert_int_equal(fen_of("1,234,567.89"), 123456789);
    assert_int_equal(fen_of("12,345"), 1234500);
    assert_int_equal(fen_of("123,456元"), 12345600);
    assert_int_equal(fen_of("(1,234)"), -123400);
    assert_int_equal(fen_of("1，234，567.8"), 123456780); /* full-width comma */
    assert_int_equal(fen_of("1,234.5678万"), 1234567800);
}

/* Issue 8: a European decimal comma after 0 read as thousands (0,123 as 123 元), amounts past
 * the fen were rounded (1.005 as 101 分), and a space before the unit or 整 after it refused. */
static void amount_values(void **state)
{
    (void)state;
    int64_t f = 42;
    const char *bad[] = {"0,123",  "00,123", "0,123,456", "-0,123",      "¥0,123.00", "1.005",
                         "-1.005", "1.0049", "0.001",     "1.2345678万", "5整",       "5 整",
                         "整",     "5元 整", "5 5元",     "5元整整"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (cr_amount_parse(bad[i], strlen(bad[i]), &f) != CR_EINVAL)
            fail_msg("'%s' should be rejected", bad[i]);
    assert_int_equal(f, 42);
    const struct {
        const char *s;
        int64_t fen;
    } ok[] = {{"0.12", 12},         {"1,023", 102300},        {"10,123", 1012300},
              {"5 万元", 5000000},  {"5  元", 500},           {"5.00元整", 500},
              {"5万元整", 5000000}, {"1.010", 101},           {"1.2345670000万", 1234567},
              {"(5 元)", -500},     {"０，１２３", INT64_MIN}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        cr_err rc = cr_amount_parse(ok[i].s, strlen(ok[i].s), &f);
        if (ok[i].fen == INT64_MIN ? rc != CR_EINVAL : rc || f != ok[i].fen)
            fail_msg("'%s': rc %d, %lld fen", ok[i].s, rc, (long long)f);
    }
}

/* Issue 8: a comma outside a group of three digits was skipped, so 1,5 read as 15 元. */
static void amount_thousands_groups(void **state)
{
    (void)state;
    int64_t f = 42;
    const char *bad[] = {"1,5",       "12,,3",   "1,2,3",  "1234,567", "1,23",     "1,2345",
                         "1,234,56",  "123,",    "1,234,", "1,5.0",    "1，5",     "1,234,5678",
                         "1,234.5,6", "0,5万元", "(1,5)",  "¥1,23",    "1,2345.00"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (cr_amount_parse(bad[i], strlen(bad[i]), &f) != CR_EINVAL)
            fail_msg("'%s' should be rejected", bad[i]);
    assert_int_equal(f, 42);
}

static void amount_rejects(void **state)
{
    (void)state;
    int64_t f = 42;
    const char *bad[] = {"", "元", "abc", "1.2.3", "12元5", "(12", "1,2a", ",12", "--5", "5万万"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (cr_amount_parse(bad[i], strlen(bad[i]), &f) != CR_EINVAL)
            fail_msg("'%s' should be rejected", bad[i]);
    assert_int_equal(cr_amount_parse("92233720368547758.08", 20, &f), CR_ERANGE);
    assert_int_equal(cr_amount_parse("99999999999999999999", 20, &f), CR_ERANGE);
    assert_int_equal(f, 42);
}

static void utf8(void **state)
{
    (void)state;
    const char *ok = "广州市天河区";
    assert_int_equal(cr_utf8_valid_prefix(ok, strlen(ok)), strlen(ok));
    assert_int_equal(cr_utf8_valid_prefix("ab\xC0\xAF", 4), 2);       /* overlong '/' */
    assert_int_equal(cr_utf8_valid_prefix("\xED\xA0\x80", 3), 0);     /* surrogate */
    assert_int_equal(cr_utf8_valid_prefix("\xF4\x90\x80\x80", 4), 0); /* > U+10FFFF */
    assert_int_equal(cr_utf8_valid_prefix("x\xE5\xB9", 3), 1);        /* truncated */
}

static void nfkc(void **state)
{
    (void)state;
    char *out = NULL;
    size_t n = 0;
    const char *s = "ＡＢＣ１２３　广州";
    assert_int_equal(cr_nfkc(s, strlen(s), &out, &n), CR_OK);
    assert_string_equal(out, "ABC123 广州");
    assert_int_equal(n, strlen("ABC123 广州"));
    free(out);
    assert_int_equal(cr_nfkc("\xff", 1, &out, &n), CR_EENCODING);
}

static size_t put_utf8(uint32_t c, char *out)
{
    return (size_t)utf8proc_encode_char((utf8proc_int32_t)c, (utf8proc_uint8_t *)out);
}

/* cr_nfkc handles ASCII, CJK ideographs, full-width forms and the ideographic space itself:
 * it must agree with utf8proc on each of them, next to each other and next to characters it
 * leaves to utf8proc (compatibility ideographs, circled digits, other CJK punctuation). */
static void nfkc_fast_path_agrees(void **state)
{
    (void)state;
    static const uint32_t ranges[][2] = {
        {0x20, 0x7E},     {0x3000, 0x3003}, {0x3036, 0x303A}, {0x4DFE, 0x4E01},
        {0x9FFE, 0xA000}, {0xF900, 0xF902}, {0xFF00, 0xFF66}, {0x2460, 0x2462},
        {0x00A0, 0x00A0}, {0x00C5, 0x00C5}, {0x0301, 0x0301},
    };
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
        for (uint32_t c = ranges[r][0]; c <= ranges[r][1]; c++)
            for (int ctx = 0; ctx < 3; ctx++) {
                /* alone, between ideographs, after 'A' (which U+0301 composes with) */
                char s[32];
                size_t len = 0;
                if (ctx == 1)
                    len += put_utf8(0x5E7F, s + len);
                if (ctx == 2)
                    s[len++] = 'A';
                len += put_utf8(c, s + len);
                if (ctx == 1)
                    len += put_utf8(0xFF11, s + len);
                s[len] = 0;
                char *out = NULL;
                size_t n = 0;
                assert_int_equal(cr_nfkc(s, len, &out, &n), CR_OK);
                utf8proc_uint8_t *want = utf8proc_NFKC((const utf8proc_uint8_t *)s);
                assert_non_null(want);
                assert_string_equal(out, (const char *)want);
                assert_int_equal(n, strlen((const char *)want));
                free(out);
                free(want);
            }
}

static void gb18030(void **state)
{
    (void)state;
    /* "广州市" in GB18030 (same bytes as GBK). */
    const char gb[] = "\xB9\xE3\xD6\xDD\xCA\xD0";
    char *out = NULL, *back = NULL;
    size_t n = 0, m = 0, bad = 0;
    assert_int_equal(cr_gb18030_to_utf8(gb, 6, &out, &n, &bad), CR_OK);
    assert_string_equal(out, "广州市");
    assert_int_equal(cr_utf8_to_gb18030(out, n, &back, &m), CR_OK);
    assert_int_equal(m, 6);
    assert_memory_equal(back, gb, 6);
    free(out);
    free(back);
    /* 0xB9 followed by a control byte is not a GB18030 sequence. */
    assert_int_equal(cr_gb18030_to_utf8("ab\xB9\x01", 4, &out, &n, &bad), CR_EENCODING);
    assert_int_equal(bad, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(date_forms),
        cmocka_unit_test(date_rejects),
        cmocka_unit_test(date_times),
        cmocka_unit_test(civil_roundtrip),
        cmocka_unit_test(zero_fraction),
        cmocka_unit_test(date_periods),
        cmocka_unit_test(date_patterns),
        cmocka_unit_test(date_relative),
        cmocka_unit_test(amounts),
        cmocka_unit_test(amount_rejects),
        cmocka_unit_test(amount_thousands_groups),
        cmocka_unit_test(amount_values),
        cmocka_unit_test(utf8),
        cmocka_unit_test(nfkc),
        cmocka_unit_test(nfkc_fast_path_agrees),
        cmocka_unit_test(gb18030),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
