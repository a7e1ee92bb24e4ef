#include "crisk/text.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

int32_t cr_days_from_civil(int y, int m, int d)
{
    /* Howard Hinnant's days_from_civil, valid for the proleptic Gregorian calendar. */
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

void cr_civil_from_days(int32_t day, int *y, int *m, int *d)
{
    int z = day + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)yoe + era * 400 + (mm <= 2);
    *m = (int)mm;
    *d = (int)dd;
}

void cr_day_format(int32_t day, char out[11])
{
    int y, m, d;
    cr_civil_from_days(day, &y, &m, &d);
    out[0] = (char)('0' + y / 1000 % 10);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = 0;
}

size_t cr_halfwidth(const char *s, size_t len, char *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        if (i + 2 < len && p[i] == 0xEF && (p[i + 1] == 0xBC || p[i + 1] == 0xBD)) {
            unsigned cp = ((unsigned)(p[i] & 0x0F) << 12) | ((unsigned)(p[i + 1] & 0x3F) << 6) |
                          (unsigned)(p[i + 2] & 0x3F);
            if (cp >= 0xFF01 && cp <= 0xFF5E) {
                out[n++] = (char)(cp - 0xFF01 + 0x21);
                i += 3;
                continue;
            }
        }
        if (i + 2 < len && p[i] == 0xE3 && p[i + 1] == 0x80 && p[i + 2] == 0x80) {
            out[n++] = ' ';
            i += 3;
            continue;
        }
        out[n++] = (char)p[i++];
    }
    return n;
}

static void trim(const char **s, size_t *len)
{
    while (*len && ((*s)[0] == ' ' || (*s)[0] == '\t'))
        (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' || (*s)[*len - 1] == '\r'))
        (*len)--;
}

/* Reads up to max digits at *i; returns the count read and the value in *v. */
static int digits(const char *s, size_t len, size_t *i, int max, int *v)
{
    int n = 0;
    *v = 0;
    while (*i < len && n < max && s[*i] >= '0' && s[*i] <= '9') {
        *v = *v * 10 + (s[*i] - '0');
        (*i)++;
        n++;
    }
    return n;
}

static int starts(const char *s, size_t len, size_t i, const char *lit)
{
    size_t k = strlen(lit);
    return i + k <= len && memcmp(s + i, lit, k) == 0;
}

/* Accepts the separator at *i: one ASCII char among "-/." or the given CJK literal. Returns the
 * separator's identity (the ASCII char, or 'Y'/'M' for 年/月) or 0. */
static char separator(const char *s, size_t len, size_t *i, const char *cjk, char cjk_id)
{
    if (*i < len && (s[*i] == '-' || s[*i] == '/' || s[*i] == '.'))
        return s[(*i)++];
    if (starts(s, len, *i, cjk)) {
        *i += strlen(cjk);
        return cjk_id;
    }
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return dm[m - 1] + (m == 2 && leap);
}

/* The length of the run of ASCII digits at i. */
static size_t digit_run(const char *s, size_t len, size_t i)
{
    size_t n = 0;
    while (i + n < len && s[i + n] >= '0' && s[i + n] <= '9')
        n++;
    return n;
}

/* The clock of a value, read after its day: hh and mi once read (-1 before), and the zone
 * offset the value writes (has_zone). */
struct clock {
    int hh, mi, has_zone, zone_min;
};

/* AM/PM after an hour read as 1..12 (12 AM is midnight). */
static int am_pm(const char *s, size_t len, size_t *i, struct clock *c)
{
    size_t k = *i + (*i < len && s[*i] == ' ');
    if (k + 1 >= len || ((s[k] | 0x20) != 'a' && (s[k] | 0x20) != 'p') || (s[k + 1] | 0x20) != 'm')
        return 1;
    if (c->hh < 1 || c->hh > 12)
        return 0;
    c->hh = c->hh % 12 + ((s[k] | 0x20) == 'p' ? 12 : 0);
    *i = k + 2;
    return 1;
}

/* A time of day at *i: H[H][:MM[:SS[.fff]]] or H时[MM分[SS秒]] (点 for 时), with AM/PM. Hour
 * 0-23 (1-12 before AM/PM), minute and second 0-59. */
static int clock_time(const char *s, size_t len, size_t *i, struct clock *c)
{
    int h, m = 0, sec = 0;
    if (!digits(s, len, i, 2, &h))
        return 0;
    if (*i < len && s[*i] == ':') {
        (*i)++;
        if (digits(s, len, i, 2, &m) != 2)
            return 0;
        if (*i < len && s[*i] == ':') {
            (*i)++;
            if (digits(s, len, i, 2, &sec) != 2)
                return 0;
            if (*i < len && s[*i] == '.' && digit_run(s, len, *i + 1))
                *i += 1 + digit_run(s, len, *i + 1); /* fractions of a second */
        }
    } else if (starts(s, len, *i, "时") || starts(s, len, *i, "点")) {
        *i += strlen("时");
        if (digits(s, len, i, 2, &m)) {
            if (!starts(s, len, *i, "分"))
                return 0;
            *i += strlen("分");
            if (digits(s, len, i, 2, &sec)) {
                if (!starts(s, len, *i, "秒"))
                    return 0;
                *i += strlen("秒");
            }
        }
    }
    c->hh = h;
    c->mi = m;
    return h < 24 && m < 60 && sec < 60 && am_pm(s, len, i, c);
}

/* A zone at *i: Z, UTC or GMT, or an offset +HH, +HHMM, +HH:MM (or -), after at most a space. */
static int zone(const char *s, size_t len, size_t *i, struct clock *c)
{
    size_t k = *i + (*i < len && s[*i] == ' ');
    if (k < len && s[k] == 'Z') {
        *i = k + 1;
    } else if (starts(s, len, k, "UTC") || starts(s, len, k, "GMT")) {
        *i = k + 3;
        if (*i == len)
            c->has_zone = 1, c->zone_min = 0;
        return *i == len || zone(s, len, i, c);
    } else if (k < len && (s[k] == '+' || s[k] == '-')) {
        int sign = s[k] == '-' ? -1 : 1, h, m = 0;
        *i = k + 1;
        if (digits(s, len, i, 2, &h) != 2)
            return 0;
        if (*i < len && s[*i] == ':')
            (*i)++;
        if (*i < len && digits(s, len, i, 2, &m) != 2)
            return 0;
        if (h > 14 || m > 59)
            return 0;
        c->zone_min = sign * (h * 60 + m);
    } else {
        return 1; /* no zone */
    }
    c->has_zone = 1;
    return 1;
}

/* What may follow a day: nothing, or a time (after spaces or T) and then a zone. The time is
 * checked (2021-01-01 25:00 is not a date); its value only matters with a zone. */
static int time_follows(const char *s, size_t len, size_t i, struct clock *c)
{
    if (i == len)
        return 1;
    if (c->hh < 0) {
        if (s[i] != ' ' && s[i] != 'T')
            return 0;
        while (i < len && s[i] == ' ')
            i++;
        if (i < len && s[i] == 'T')
            i++;
        if (!clock_time(s, len, &i, c))
            return 0;
    }
    return zone(s, len, &i, c) && i == len;
}

/* Year, month and day of the forms departments write (cr_date_parse, cr_date_read); m = -1 for
 * a year, d = -1 for a month. */
static cr_err read_forms(const char *s, size_t len, int *y, int *m, int *d, struct clock *c)
{
    size_t i = 0, run = digit_run(s, len, 0);
    int hh, mi, ss;
    *m = *d = -1;
    if (run == 8 || run == 14) {
        digits(s, len, &i, 4, y);
        digits(s, len, &i, 2, m);
        digits(s, len, &i, 2, d);
        if (run == 8)
            return time_follows(s, len, i, c) ? CR_OK : CR_EINVAL;
        /* 20170117095523: a compact time, checked and not kept */
        digits(s, len, &i, 2, &hh);
        digits(s, len, &i, 2, &mi);
        digits(s, len, &i, 2, &ss);
        return i == len && hh < 24 && mi < 60 && ss < 60 ? CR_OK : CR_EINVAL;
    }
    if (run == 6) { /* 201712 */
        digits(s, len, &i, 4, y);
        digits(s, len, &i, 2, m);
        return i == len ? CR_OK : CR_EINVAL;
    }
    if (run != 4)
        return CR_EINVAL;
    digits(s, len, &i, 4, y);
    if (i == len || (starts(s, len, i, "年") && i + strlen("年") == len))
        return CR_OK; /* 2017, 2017年 */
    char s1 = separator(s, len, &i, "年", 'Y');
    if (!s1 || digits(s, len, &i, 2, m) == 0)
        return CR_EINVAL;
    if (s1 != 'Y' && i == len)
        return CR_OK; /* 2017-06, 2017/6, 2017.6 */
    if (s1 == 'Y' && starts(s, len, i, "月") && i + strlen("月") == len)
        return CR_OK; /* 2019年7月 */
    char s2 = separator(s, len, &i, "月", 'M');
    if (!s2 || digits(s, len, &i, 2, d) == 0)
        return CR_EINVAL;
    if (s1 == 'Y' ? s2 != 'M' : s2 != s1)
        return CR_EINVAL; /* mixed separators such as 2021-11/04 are not a date form */
    if (s1 == 'Y' && starts(s, len, i, "日"))
        i += strlen("日");
    else if (s1 == 'Y' && starts(s, len, i, "号"))
        i += strlen("号");
    return time_follows(s, len, i, c) ? CR_OK : CR_EINVAL;
}

static const char *const month_names[12] = {"january",   "february", "march",    "april",
                                            "may",       "june",     "july",     "august",
                                            "september", "october",  "november", "december"};

/* An English month name or its first three letters, any case; 0 when none. */
static int month_name(const char *s, size_t len, size_t *i)
{
    for (int k = 0; k < 12; k++) {
        size_t full = strlen(month_names[k]), n = 0;
        while (n < full && *i + n < len && (s[*i + n] | 0x20) == month_names[k][n])
            n++;
        /* The full name or its first three letters: "Sept" is neither. */
        int letter = *i + n < len && ((s[*i + n] | 0x20) >= 'a' && (s[*i + n] | 0x20) <= 'z');
        if (n == full || (n == 3 && !letter)) {
            *i += n;
            return k + 1;
        }
    }
    return 0;
}

/* Year, month and day of s read with a checked pattern (cr_date_pattern_check). */
static cr_err read_pattern(const char *s, size_t len, const char *pat, int *y, int *m, int *d,
                           struct clock *c)
{
    int pm = -1; /* %p: 0 AM, 1 PM */
    size_t i = 0;
    *m = *d = -1;
    for (const char *p = pat; *p; p++) {
        int v = 0, n = 1;
        if (*p == ' ') { /* one or more spaces */
            n = i < len && s[i] == ' ';
            while (i < len && s[i] == ' ')
                i++;
        } else if (*p != '%' || p[1] == '%') {
            p += *p == '%';
            n = i < len && s[i] == *p;
            i += (size_t)n;
        } else {
            switch (*++p) {
            case 'Y':
                n = digits(s, len, &i, 4, y) == 4;
                break;
            case 'm':
                n = digits(s, len, &i, 2, m);
                break;
            case 'b':
                n = (*m = month_name(s, len, &i)) > 0;
                break;
            case 'd':
                n = digits(s, len, &i, 2, d);
                break;
            case 'H':
                n = digits(s, len, &i, 2, &c->hh) && c->hh < 24;
                break;
            case 'M':
                n = digits(s, len, &i, 2, &c->mi) && c->mi < 60;
                break;
            case 'S':
                n = digits(s, len, &i, 2, &v) && v < 60;
                break;
            case 'p':
                n = i + 1 < len && ((s[i] | 0x20) == 'a' || (s[i] | 0x20) == 'p') &&
                    (s[i + 1] | 0x20) == 'm';
                pm = n && (s[i] | 0x20) == 'p';
                i += n ? 2 : 0;
                break;
            default:
                n = 0;
            }
        }
        if (!n)
            return CR_EINVAL;
    }
    if (pm >= 0) { /* %p: the hour is 1..12 */
        if (c->hh < 1 || c->hh > 12)
            return CR_EINVAL;
        c->hh = c->hh % 12 + 12 * pm;
    }
    if (c->hh >= 0 && c->mi < 0)
        c->mi = 0;
    return time_follows(s, len, i, c) ? CR_OK : CR_EINVAL;
}

cr_err cr_date_pattern_check(const char *pat, const char **why)
{
    int seen[128] = {0};
    for (const char *p = pat; *p; p++) {
        if (*p != '%')
            continue;
        char c = *++p;
        if (!c || !strchr("YmbdHMSp%", c)) {
            *why = "it has a directive other than %Y %m %b %d %H %M %S %p %%";
            return CR_EINVAL;
        }
        if (c != '%' && seen[(unsigned char)c]++) {
            *why = "a directive appears twice";
            return CR_EINVAL;
        }
    }
    const char *w = !seen['Y']                              ? "it has no %Y"
                    : seen['m'] && seen['b']                ? "it has both %m and %b"
                    : seen['d'] && !seen['m'] && !seen['b'] ? "it has %d without a month"
                    : (seen['H'] || seen['M'] || seen['S']) && !seen['d']
                        ? "it has a time but no %d"
                        : NULL;
    if (w) {
        *why = w;
        return CR_EINVAL;
    }
    return CR_OK;
}

cr_err cr_date_read(const char *in, size_t in_len, const char *pattern, int period_start,
                    int zone_min, struct cr_date *out)
{
    char buf[64];
    if (in_len > sizeof buf)
        return CR_EINVAL;
    size_t len = cr_halfwidth(in, in_len, buf);
    const char *s = buf;
    trim(&s, &len);
    len = cr_zero_fraction_len(s, len); /* a year or day written as a float: 2017.0 */
    int y = 0, m, d;
    struct clock c = {-1, -1, 0, 0};
    cr_err rc = pattern ? read_pattern(s, len, pattern, &y, &m, &d, &c)
                        : read_forms(s, len, &y, &m, &d, &c);
    if (rc)
        return rc;
    if (y < 1900 || y > 2100 || (m != -1 && (m < 1 || m > 12)) ||
        (d != -1 && (m == -1 || d < 1 || d > days_in_month(y, m))))
        return CR_ERANGE;
    struct cr_date r = {.year = y, .month = m < 0 ? 0 : m};
    if (d > 0) {
        r.prec = CR_DATE_DAY;
        r.day = cr_days_from_civil(y, m, d);
        /* A time written with its zone is moved into the catalog's: 23:30-05:00 is the next
         * day in Beijing. */
        int local = c.has_zone ? c.hh * 60 + c.mi - c.zone_min + zone_min : 0;
        r.day += local >= 0 ? local / 1440 : -((-local + 1439) / 1440);
    } else if (m > 0) {
        r.prec = CR_DATE_MONTH;
        r.day = cr_days_from_civil(y, m, period_start ? 1 : days_in_month(y, m));
    } else {
        r.prec = CR_DATE_YEAR;
        r.day = period_start ? cr_days_from_civil(y, 1, 1) : cr_days_from_civil(y, 12, 31);
    }
    *out = r;
    return CR_OK;
}

cr_err cr_date_parse(const char *in, size_t in_len, int32_t *day)
{
    struct cr_date r;
    cr_err rc = cr_date_read(in, in_len, NULL, 0, CR_ZONE_DEFAULT_MIN, &r);
    if (rc)
        return rc;
    if (r.prec != CR_DATE_DAY)
        return CR_EINVAL; /* a period is not a day */
    *day = r.day;
    return CR_OK;
}

int cr_date_relative(const char *in, size_t in_len)
{
    /* Relative to a moment the row does not carry (when a page was scraped or printed). */
    static const char *const marks[] = {"秒前", "分钟前", "小时前",    "天前",  "周前",    "星期前",
                                        "月前", "年前",   "刚刚",      "刚才",  "今天",    "昨天",
                                        "前天", "ago",    "yesterday", "today", "just now"};
    char buf[128];
    size_t len = in_len < sizeof buf ? in_len : sizeof buf;
    for (size_t i = 0; i < len; i++)
        buf[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] | 0x20) : in[i];
    for (size_t k = 0; k < sizeof marks / sizeof *marks; k++) {
        size_t ml = strlen(marks[k]);
        for (size_t i = 0; i + ml <= len; i++)
            if (memcmp(buf + i, marks[k], ml) == 0)
                return 1;
    }
    return 0;
}

void cr_date_period_format(const struct cr_date *d, char out[8])
{
    int y = d->year, m = d->prec == CR_DATE_MONTH ? d->month : 0;
    out[0] = (char)('0' + y / 1000 % 10);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = 0;
    if (m) {
        out[4] = '-';
        out[5] = (char)('0' + m / 10);
        out[6] = (char)('0' + m % 10);
        out[7] = 0;
    }
}

cr_err cr_amount_parse(const char *in, size_t in_len, int64_t *fen)
{
    char buf[96];
    if (in_len > sizeof buf)
        return CR_EINVAL;
    size_t len = cr_halfwidth(in, in_len, buf);
    const char *s = buf;
    trim(&s, &len);
    size_t i = 0;
    int neg = 0, paren = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    else if (i < len && s[i] == '(')
        paren = 1, neg = 1, i++;
    if (starts(s, len, i, "¥"))
        i += strlen("¥");
    else if (starts(s, len, i, "￥"))
        i += strlen("￥");
    if (!neg && i < len && s[i] == '-')
        neg = 1, i++;
    /* mantissa: all digits, scale: count of digits after the point. A thousands separator
     * follows one to three leading digits or a group of exactly three, and is followed by exactly
     * three: "1,5" or "1,2,3" is a typo or a decimal comma, not 15 or 123 元. */
    int64_t mant = 0;
    int scale = 0, nd = 0, point = 0, commas = 0, group = 0;
    char lead = i < len ? s[i] : 0;
    for (; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (mant > (INT64_MAX - (c - '0')) / 10)
                return CR_ERANGE;
            mant = mant * 10 + (c - '0');
            nd++;
            scale += point;
            group += !point;
        } else if (c == ',' && !point && group > 0 && (commas ? group == 3 : group <= 3) &&
                   !(commas == 0 && lead == '0')) {
            /* A leading group of 0 or 00 is no thousands group: "0,123" is a European 0.123. */
            commas++;
            group = 0;
        } else if (c == '.' && !point) {
            if (commas && group != 3)
                return CR_EINVAL;
            point = 1;
        } else {
            break;
        }
    }
    if (nd == 0 || (commas && !point && group != 3))
        return CR_EINVAL;
    int unit_exp = 2; /* fen per unit is 10^unit_exp: 元 → 100, 万元 → 1,000,000 */
    size_t u = i;
    while (u < len && s[u] == ' ') /* "5 万元" */
        u++;
    if (starts(s, len, u, "万元"))
        unit_exp = 6, i = u + strlen("万元");
    else if (starts(s, len, u, "万"))
        unit_exp = 6, i = u + strlen("万");
    else if (starts(s, len, u, "元"))
        i = u + strlen("元");
    if (i > u && starts(s, len, i, "整")) /* "5.00元整": and no fraction of it */
        i += strlen("整");
    if (paren) {
        if (i >= len || s[i] != ')')
            return CR_EINVAL;
        i++;
    }
    if (i != len || scale > 18)
        return CR_EINVAL;
    /* fen = mant * 10^(unit_exp - scale), exactly. */
    int64_t q = mant;
    for (int k = scale; k < unit_exp; k++) {
        if (q > INT64_MAX / 10)
            return CR_ERANGE;
        q *= 10;
    }
    /* Digits past the fen must be zeros: 1.005 元 is no amount a ledger holds, and rounding it
     * would load a value nobody wrote. */
    for (int k = unit_exp; k < scale; k++) {
        if (q % 10)
            return CR_EINVAL;
        q /= 10;
    }
    *fen = neg ? -q : q;
    return CR_OK;
}

size_t cr_zero_fraction_len(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == 0 || i + 1 >= len || s[i] != '.')
        return len;
    for (size_t k = i + 1; k < len; k++)
        if (s[k] != '0')
            return len;
    return i;
}

size_t cr_utf8_valid_prefix(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* ASCII runs, eight bytes at a time: most feed text is digits, codes and separators. */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= len)
            break;
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF)
            n = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 4, cp = c & 0x07;
        else
            return i;
        if (i + n > len)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n;
    }
    return i;
}

int cr_nfkc_stable(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (p[i] >= 0x20 && p[i] < 0x7F) {
            i++;
        } else if (i + 2 < len &&
                   ((p[i] == 0xE4 && p[i + 1] >= 0xB8) || (p[i] >= 0xE5 && p[i] <= 0xE9)) &&
                   (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80) {
            i += 3; /* U+4E00..U+9FFF */
        } else {
            return 0;
        }
    }
    return 1;
}

/* NFKC without utf8proc for the characters most department text is made of: ASCII and the CJK
 * unified ideographs U+4E00..U+9FFF are their own NFKC, a full-width form U+FF01..U+FF5E is its
 * ASCII character and the ideographic space U+3000 a space; none of them composes with a
 * neighbour. Writes at most len bytes to out; returns 0 when s holds any other character. */
static int nfkc_fast(const char *s, size_t len, char *out, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (p[i] < 0x80) {
            out[o++] = (char)p[i++];
            continue;
        }
        if (i + 2 >= len || (p[i] & 0xF0) != 0xE0 || (p[i + 1] & 0xC0) != 0x80 ||
            (p[i + 2] & 0xC0) != 0x80)
            return 0;
        uint32_t c =
            (uint32_t)(p[i] & 0x0F) << 12 | (uint32_t)(p[i + 1] & 0x3F) << 6 | (p[i + 2] & 0x3F);
        if (c >= 0x4E00 && c <= 0x9FFF) {
            memcpy(out + o, p + i, 3);
            o += 3;
        } else if (c >= 0xFF01 && c <= 0xFF5E) {
            out[o++] = (char)(c - 0xFEE0);
        } else if (c == 0x3000) {
            out[o++] = ' ';
        } else {
            return 0;
        }
        i += 3;
    }
    *out_len = o;
    return 1;
}

cr_err cr_nfkc(const char *s, size_t len, char **out, size_t *out_len)
{
    char *c = malloc(len + 1);
    if (!c)
        return CR_ENOMEM;
    size_t fast_len;
    if (nfkc_fast(s, len, c, &fast_len)) {
        c[fast_len] = 0;
        *out = c;
        *out_len = fast_len;
        return CR_OK;
    }
    free(c);
    if (cr_utf8_valid_prefix(s, len) != len)
        return CR_EENCODING;
    utf8proc_uint8_t *r = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &r,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
    if (n < 0)
        return n == UTF8PROC_ERROR_NOMEM ? CR_ENOMEM : CR_EENCODING;
    *out = (char *)r;
    *out_len = (size_t)n;
    return CR_OK;
}

static cr_err convert(const char *to, const char *from, const char *s, size_t len, char **out,
                      size_t *out_len, size_t *bad_offset)
{
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1)
        return CR_EINVAL;
    size_t cap = len * 2 + 16;
    char *buf = malloc(cap);
    cr_err rc = CR_OK;
    if (!buf) {
        rc = CR_ENOMEM;
        goto out;
    }
    char *ip = (char *)s, *op = buf;
    size_t il = len, ol = cap - 1;
    while (il > 0) {
        if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
            continue;
        if (errno == E2BIG) {
            size_t used = (size_t)(op - buf);
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                rc = CR_ENOMEM;
                goto out;
            }
            buf = nb;
            op = buf + used;
            ol = cap - used - 1;
            continue;
        }
        if (bad_offset)
            *bad_offset = (size_t)(ip - s);
        rc = CR_EENCODING;
        goto out;
    }
    *op = 0;
    *out = buf;
    *out_len = (size_t)(op - buf);
    buf = NULL;
out:
    free(buf);
    iconv_close(cd);
    return rc;
}

cr_err cr_gb18030_to_utf8(const char *s, size_t len, char **out, size_t *out_len,
                          size_t *bad_offset)
{
    return convert("UTF-8", "GB18030", s, len, out, out_len, bad_offset);
}

cr_err cr_utf8_to_gb18030(const char *s, size_t len, char **out, size_t *out_len)
{
    return convert("GB18030", "UTF-8", s, len, out, out_len, NULL);
}

int32_t cr_day_today(void)
{
    return (int32_t)((time(NULL) + (time_t)CR_ZONE_DEFAULT_MIN * 60) / 86400);
}
