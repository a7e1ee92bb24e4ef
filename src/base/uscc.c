#include "crisk/uscc.h"

#include <stdio.h>
#include <string.h>

/* GB 32100-2015 alphabet: index = character value. */
static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int weights18[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
static const int weights9[8] = {3, 7, 9, 10, 5, 8, 4, 2};

/* Character value by byte, -1 outside the alphabet; a table because this runs per feed row. */
static const signed char values[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    ['G'] = 17, ['H'] = 18, ['J'] = 19, ['K'] = 20, ['L'] = 21, ['M'] = 22, ['N'] = 23, ['P'] = 24,
    ['Q'] = 25, ['R'] = 26, ['T'] = 27, ['U'] = 28, ['W'] = 29, ['X'] = 30, ['Y'] = 31};

static int value_of(char c)
{
    return values[(unsigned char)c] - 1; /* stored +1 so that 0 means "not in the alphabet" */
}

char cr_uscc_check_char(const char *s17)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = value_of(s17[i]);
        if (v < 0)
            return 0;
        sum += v * weights18[i];
    }
    int c = 31 - sum % 31;
    return alphabet[c == 31 ? 0 : c];
}

int cr_uscc_valid(const char *s)
{
    if (!s || strlen(s) != CR_USCC_LEN)
        return 0;
    char c = cr_uscc_check_char(s);
    return c != 0 && c == s[17];
}

char cr_orgcode_check_char(const char *s8)
{
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        char ch = s8[i];
        int v;
        if (ch >= '0' && ch <= '9')
            v = ch - '0';
        else if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A' + 10;
        else
            return 0;
        sum += v * weights9[i];
    }
    int c = 11 - sum % 11;
    return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

int cr_orgcode_valid(const char *s9)
{
    if (!s9 || strlen(s9) != 9)
        return 0;
    char c = cr_orgcode_check_char(s9);
    return c != 0 && c == s9[8];
}

/* Decodes one code point of full-width ASCII or the ideographic space; returns its byte length
 * and writes the half-width equivalent, or 0 when p does not start with such a character. */
static size_t fullwidth(const unsigned char *p, size_t left, char *half)
{
    if (left >= 3 && p[0] == 0xEF && (p[1] == 0xBC || p[1] == 0xBD)) {
        unsigned cp = ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) |
                      (unsigned)(p[2] & 0x3F);
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
            *half = (char)(cp - 0xFF01 + 0x21);
            return 3;
        }
    }
    if (left >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) {
        *half = ' ';
        return 3;
    }
    return 0;
}

/* Reads one character of a typed code: a full-width letter or digit as its ASCII form, else one
 * byte. Returns the bytes it took (at least 1; left > 0). */
static size_t next_char(const unsigned char *p, size_t left, char *c)
{
    size_t k = fullwidth(p, left, c);
    if (k == 0) {
        *c = (char)p[0];
        k = 1;
    }
    return k;
}

cr_err cr_uscc_normalize(const char *in, size_t len, char out[CR_USCC_LEN + 1])
{
    /* Nearly every code arrives clean: 18 characters of the alphabet, checked as they are. */
    char check = len == CR_USCC_LEN && value_of(in[17]) >= 0 ? cr_uscc_check_char(in) : 0;
    if (check) {
        memcpy(out, in, CR_USCC_LEN);
        out[CR_USCC_LEN] = 0;
        return check == in[17] ? CR_OK : CR_ECHECK;
    }
    char buf[CR_USCC_LEN + 1];
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)in;
    for (size_t i = 0; i < len;) {
        char c;
        size_t k = next_char(p + i, len - i, &c);
        i += k;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue; /* spaces anywhere are typing noise, never part of a code */
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (n == CR_USCC_LEN || value_of(c) < 0)
            return CR_EINVAL;
        buf[n++] = c;
    }
    if (n != CR_USCC_LEN)
        return CR_EINVAL;
    buf[n] = 0;
    memcpy(out, buf, sizeof buf);
    return cr_uscc_check_char(buf) == buf[17] ? CR_OK : CR_ECHECK;
}

void cr_uscc_explain(const char *in, size_t len, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        char c;
        size_t k = next_char(p + i, len - i, &c);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            i += k;
            continue;
        }
        char up = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
        if (value_of(up) < 0) {
            if (p[i] >= 0x80 && k == 1)
                snprintf(out, cap,
                         "character %zu is not in the USCC alphabet (digits and A-Z "
                         "without I, O, S, V, Z)",
                         n + 1);
            else if (up >= 0x21 && up <= 0x7E)
                snprintf(out, cap,
                         "'%c' (character %zu) is not in the USCC alphabet (digits and "
                         "A-Z without I, O, S, V, Z)",
                         up, n + 1);
            else
                snprintf(out, cap, "character %zu (byte 0x%02X) is not in the USCC alphabet", n + 1,
                         (unsigned)(unsigned char)up);
            return;
        }
        i += k;
        n++;
    }
    snprintf(out, cap, "it has %zu characters, not %d", n, CR_USCC_LEN);
}

cr_err cr_uscc_make(char authority, char kind, const char *division6, uint64_t serial,
                    char out[CR_USCC_LEN + 1])
{
    char s[CR_USCC_LEN + 1];
    s[0] = authority;
    s[1] = kind;
    if (value_of(authority) < 0 || value_of(kind) < 0 || strlen(division6) != 6)
        return CR_EINVAL;
    memcpy(s + 2, division6, 6);
    /* Registration-assigned bodies start with "MA" like 91440101MA5CJQ4N59; the remaining six
     * characters spell the serial in base 31 so codes are unique per serial. */
    s[8] = 'M';
    s[9] = 'A';
    uint64_t v = serial;
    for (int i = 15; i >= 10; i--) {
        s[i] = alphabet[v % 31];
        v /= 31;
    }
    if (v > 0) {
        /* Larger serials spill into position 9 ('A'..), still valid alphabet characters. */
        s[9] = alphabet[10 + v % 21];
    }
    char oc = cr_orgcode_check_char(s + 8);
    if (!oc)
        return CR_EINVAL;
    s[16] = oc;
    s[17] = 0;
    char cc = cr_uscc_check_char(s);
    if (!cc)
        return CR_EINVAL;
    s[17] = cc;
    s[18] = 0;
    memcpy(out, s, sizeof s);
    return CR_OK;
}

int cr_resident_id_valid(const char *s, size_t len)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    if (len != 18)
        return 0;
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        sum += (s[i] - '0') * w[i];
    }
    return "10X98765432"[sum % 11] == s[17];
}
