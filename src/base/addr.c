#include "crisk/addr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/text.h"

#define MAXCP 400

static size_t decode(const char *s, size_t len, uint32_t *cp, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    for (size_t i = 0; i < len && n < cap;) {
        unsigned c = p[i];
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        uint32_t v = k == 1 ? c : k == 2 ? c & 0x1F : k == 3 ? c & 0x0F : c & 0x07;
        for (size_t j = 1; j < k && i + j < len; j++)
            v = (v << 6) | (p[i + j] & 0x3F);
        cp[n++] = v;
        i += k;
    }
    return n;
}

static size_t encode(const uint32_t *cp, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i];
        char b[4];
        size_t k;
        if (c < 0x80)
            b[0] = (char)c, k = 1;
        else if (c < 0x800)
            b[0] = (char)(0xC0 | (c >> 6)), b[1] = (char)(0x80 | (c & 0x3F)), k = 2;
        else if (c < 0x10000)
            b[0] = (char)(0xE0 | (c >> 12)), b[1] = (char)(0x80 | ((c >> 6) & 0x3F)),
            b[2] = (char)(0x80 | (c & 0x3F)), k = 3;
        else
            b[0] = (char)(0xF0 | (c >> 18)), b[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
            b[2] = (char)(0x80 | ((c >> 6) & 0x3F)), b[3] = (char)(0x80 | (c & 0x3F)), k = 4;
        if (o + k >= cap)
            return (size_t)-1;
        memcpy(out + o, b, k);
        o += k;
    }
    out[o] = 0;
    return o;
}

/* Punctuation, spacing and control characters (C0, DEL and C1 alike) that never distinguish two
 * places. '-' is kept: 12-3 is a number. */
static int is_noise(uint32_t c)
{
    if (c <= 0x20 || (c >= 0x7F && c <= 0x9F))
        return 1;
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 c == '-' || c == '#');
    if (c == 0x3007) /* 〇 is a numeral */
        return 0;
    return (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFF0F) ||
           (c >= 0x2010 && c <= 0x206F) || c == 0xB7 || (c >= 0xFE30 && c <= 0xFE6F);
}

static int digit_of(uint32_t c)
{
    static const uint32_t d[] = {0x96F6, 0x4E00, 0x4E8C, 0x4E09, 0x56DB,
                                 0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D}; /* 零一二三四五六七八九 */
    if (c == 0x3007)
        return 0; /* 〇 */
    if (c == 0x4E24)
        return 2; /* 两 */
    for (int i = 0; i < 10; i++)
        if (d[i] == c)
            return i;
    return -1;
}

static int unit_of(uint32_t c)
{
    return c == 0x5341 ? 10 : c == 0x767E ? 100 : c == 0x5343 ? 1000 : 0; /* 十百千 */
}

/* The value of the numeral run cp[0..n) that holds 十/百/千 (一百零五 → 105, 十三 → 13, 两千 →
 * 2000); -1 when it is too long to be a house number. */
static long run_value(const uint32_t *cp, size_t n)
{
    if (n > 12)
        return -1;
    long total = 0, cur = 0;
    for (size_t t = 0; t < n; t++) {
        int u = unit_of(cp[t]);
        if (u) {
            total += (cur ? cur : 1) * u;
            cur = 0;
        } else {
            cur = digit_of(cp[t]);
        }
    }
    return total + cur;
}

/* Copies in[0..n) to out (capacity cap), each run of Chinese numerals turned into ASCII digits:
 * a run with 十/百/千 is read by value, a run without digit by digit (三〇一 → 301). Numerals in
 * names are converted too (五山路 → 5山路): every spelling of a name converts alike, and 中山五路
 * is also written 中山5路. Returns the output length, or (size_t)-1 when out is too small. */
static size_t numerals(const uint32_t *in, size_t n, uint32_t *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        int has_unit = 0;
        while (j < n && (digit_of(in[j]) >= 0 || unit_of(in[j]))) {
            has_unit |= unit_of(in[j]) != 0;
            j++;
        }
        if (j == i) {
            if (o >= cap)
                return (size_t)-1;
            out[o++] = in[i++];
            continue;
        }
        long v = has_unit ? run_value(in + i, j - i) : -1;
        if (has_unit && v >= 0) {
            char tmp[24];
            size_t tl = 0;
            do {
                tmp[tl++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            if (o + tl > cap)
                return (size_t)-1;
            while (tl)
                out[o++] = (uint32_t)tmp[--tl];
        } else {
            if (o + (j - i) > cap)
                return (size_t)-1;
            for (size_t t = i; t < j; t++)
                out[o++] = unit_of(in[t]) ? in[t] : (uint32_t)('0' + digit_of(in[t]));
        }
        i = j;
    }
    return o;
}

static int is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

/* The number of ASCII digits ending just before cp[o]. */
static size_t digits_before(const uint32_t *cp, size_t o)
{
    size_t k = 0;
    while (k < o && is_digit(cp[o - 1 - k]))
        k++;
    return k;
}

/* Drops a floor that only repeats a room number's leading digits: 3层301 → 301, 12F1201 → 1201
 * (the room number already names the floor). */
static size_t redundant_floors(uint32_t *cp, size_t n)
{
    const uint32_t CENG = 0x5C42;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (cp[i] == CENG && o > 0 && is_digit(cp[o - 1])) { /* cp[..o) is the output so far */
            size_t f = digits_before(cp, o), r = 0;
            while (i + 1 + r < n && is_digit(cp[i + 1 + r]))
                r++;
            if (f <= 3 && r == f + 2 && memcmp(cp + o - f, cp + i + 1, f * sizeof *cp) == 0) {
                o -= f; /* the floor's digits, already copied */
                continue;
            }
        }
        cp[o++] = cp[i];
    }
    return o;
}

/* Unifies the spellings that follow a number: 号楼/栋/座/幢 → 栋, 楼/层/F → 层, # → 号, and 之
 * after a number or 号 and before a number → '-' (之一 → -1). A room's 室/房/单元 at the end is
 * optional and dropped (301室 = 301房 = 301); before more text 房 → 室. 楼/层/F at the end after
 * a number of three or more digits worth 200 or more is a room written 1201F, not a floor, and
 * is dropped too. Buildings are also marked by letters (A栋 = A座). */
static size_t suffixes(uint32_t *cp, size_t n)
{
    const uint32_t HAO = 0x53F7, LOU = 0x697C, DONG = 0x680B, ZUO = 0x5EA7, ZHUANG = 0x5E62,
                   CENG = 0x5C42, SHI = 0x5BA4, FANG = 0x623F, ZHI = 0x4E4B, DAN = 0x5355,
                   YUAN = 0x5143;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i];
        int after_num = o > 0 && is_digit(cp[o - 1]);
        int after_mark = o > 0 && (is_digit(cp[o - 1]) || (cp[o - 1] >= 'A' && cp[o - 1] <= 'Z'));
        int last = i + 1 == n;
        if (after_num && c == HAO && i + 1 < n && cp[i + 1] == LOU) {
            cp[o++] = DONG;
            i++;
        } else if (after_mark && (c == DONG || c == ZUO || c == ZHUANG)) {
            cp[o++] = DONG;
        } else if (after_num && (c == LOU || c == CENG || c == 'F')) {
            size_t k = digits_before(cp, o);
            long v = 0;
            for (size_t t = o - k; t < o && k <= 6; t++)
                v = v * 10 + (long)(cp[t] - '0');
            if (!(last && k >= 3 && v >= 200))
                cp[o++] = CENG;
        } else if (after_num && (c == SHI || c == FANG) && last) {
            continue;
        } else if (after_num && c == DAN && i + 2 == n && cp[i + 1] == YUAN) {
            i++;
        } else if (after_num && c == FANG) {
            cp[o++] = SHI;
        } else if (after_num && c == '#') {
            cp[o++] = HAO;
        } else if ((after_num || (o > 0 && cp[o - 1] == HAO)) && c == ZHI && i + 1 < n &&
                   is_digit(cp[i + 1])) {
            cp[o++] = '-';
        } else {
            cp[o++] = c;
        }
    }
    return redundant_floors(cp, o);
}

static int match(const uint32_t *cp, size_t n, size_t at, const char *lit, size_t *len)
{
    uint32_t w[64];
    /* Nearly every name differs in its first character: check it before decoding the rest. */
    if (at >= n || decode(lit, 4, w, 1) != 1 || w[0] != cp[at])
        return 0;
    size_t k = decode(lit, strlen(lit), w, 64);
    if (at + k > n)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (cp[at + i] != w[i])
            return 0;
    *len = k;
    return 1;
}

/* Strips the first literal of lits[] that starts at *at (lits ordered longest first). */
static void strip_any(const uint32_t *cp, size_t n, size_t *at, const char *const *lits)
{
    for (size_t i = 0; lits[i]; i++) {
        size_t k;
        if (match(cp, n, *at, lits[i], &k)) {
            *at += k;
            return;
        }
    }
}

static int one_of(uint32_t c, const char *set)
{
    uint32_t w[64];
    size_t k = decode(set, strlen(set), w, 64);
    for (size_t i = 0; i < k; i++)
        if (w[i] == c)
            return 1;
    return 0;
}

/* Whether the text at cp[0..n) goes on with a road or place name after a district's short name
 * (天河路, 白云大道, 海珠广场, 天河北路, 天河南二路): the short name there is part of that name,
 * not the district. A direction alone does not (广州天河中山大道 is 天河区's 中山大道). */
static int continues_name(const uint32_t *cp, size_t n)
{
    if (one_of(cp[0], "路街道巷里村城山湖港广场园区大桥涌岛塘湾坊"))
        return 1;
    return n > 1 && one_of(cp[0], "东南西北中") &&
           (one_of(cp[1], "路街大一二三四五六七八九") || (cp[1] >= '0' && cp[1] <= '9'));
}

/* Returns the division of the given level whose name (for districts, the name as published,
 * ending in 区) is the longest match at *at, and advances *at past it. A district is also
 * matched by its name without 区 (广州天河天河路) unless a road or place name goes on there. */
static const struct cr_division *strip_division(const cr_ref *ref, cr_div_level level,
                                                const uint32_t *cp, size_t n, size_t *at)
{
    const struct cr_division *best = NULL;
    size_t best_len = 0, count;
    const struct cr_division *all = cr_ref_divisions(ref, level, &count);
    uint32_t first = *at < n ? cp[*at] : 0;
    for (size_t i = 0; first && i < count; i++) {
        size_t k;
        if (all[i].first == first && match(cp, n, *at, all[i].name, &k) && k > best_len)
            best = &all[i], best_len = k;
    }
    if (!best && level == CR_DIV_DISTRICT)
        for (size_t i = 0; first && i < count; i++) {
            uint32_t w[16];
            size_t k = decode(all[i].name, strlen(all[i].name), w, 16);
            if (all[i].first != first || k < 3 || w[k - 1] != 0x533A) /* 区 */
                continue;
            size_t j = 0;
            while (j < k - 1 && *at + j < n && cp[*at + j] == w[j])
                j++;
            if (j == k - 1 && *at + j < n && !continues_name(cp + *at + j, n - *at - j) &&
                j > best_len)
                best = &all[i], best_len = j;
        }
    *at += best_len;
    return best;
}

cr_err cr_addr_normalize(const cr_ref *ref, const char *s, size_t len, struct cr_addr *out)
{
    char *norm = NULL;
    size_t nlen = 0;
    cr_err rc = cr_nfkc(s, len, &norm, &nlen);
    if (rc)
        return rc;
    uint32_t *cp = malloc(3 * MAXCP * sizeof *cp); /* input, then numerals' output */
    if (!cp) {
        free(norm);
        return CR_ENOMEM;
    }
    size_t n = 0;
    size_t raw = decode(norm, nlen, cp, MAXCP);
    free(norm);
    for (size_t i = 0; i < raw; i++) {
        uint32_t c = cp[i];
        if (is_noise(c))
            continue;
        cp[n++] = c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
    }
    static const char *const country[] = {"中华人民共和国", "中国", NULL};
    static const char *const province[] = {"广东省", "广东", NULL};
    static const char *const city[] = {"广州市", "广州", NULL};
    size_t at = 0;
    strip_any(cp, n, &at, country);
    strip_any(cp, n, &at, province);
    strip_any(cp, n, &at, city);
    struct cr_addr a = {{0}, {0}, {0}};
    if (ref) {
        const struct cr_division *dist = strip_division(ref, CR_DIV_DISTRICT, cp, n, &at);
        const struct cr_division *street = strip_division(ref, CR_DIV_STREET, cp, n, &at);
        if (street) {
            const struct cr_division *sd =
                cr_ref_division(ref, CR_DIV_DISTRICT, (size_t)street->parent);
            if (!dist || dist == sd) {
                dist = sd;
                memcpy(a.street, street->code, sizeof a.street);
            }
        }
        if (dist)
            memcpy(a.district, dist->code, sizeof a.district);
    }
    uint32_t *num = cp + MAXCP;
    size_t m = numerals(cp + at, n - at, num, 2 * MAXCP);
    if (m != (size_t)-1)
        m = suffixes(num, m);
    size_t dl = strlen(a.district);
    memcpy(a.key, a.district, dl);
    a.key[dl] = '|';
    if (m == 0 || m == (size_t)-1 ||
        encode(num, m, a.key + dl + 1, sizeof a.key - dl - 1) == (size_t)-1)
        rc = CR_EINVAL;
    free(cp);
    if (!rc)
        *out = a;
    return rc;
}

cr_err cr_addr_default_district(struct cr_addr *a, const char *district)
{
    size_t dl = district ? strlen(district) : 0;
    if (a->district[0] || dl != 6 || strspn(district, "0123456789") != 6)
        return CR_OK;
    size_t kl = strlen(a->key);
    if (kl + dl >= sizeof a->key)
        return CR_EINVAL;
    memmove(a->key + dl, a->key, kl + 1);
    memcpy(a->key, district, dl);
    memcpy(a->district, district, dl + 1);
    return CR_OK;
}
