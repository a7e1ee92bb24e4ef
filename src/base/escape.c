#include "crisk/escape.h"

#include <stdint.h>
#include <stdlib.h>

#include "crisk/text.h"

/* Bytes of the valid UTF-8 character at s[0..len), or 0 when none starts there. */
static size_t char_len(const unsigned char *s, size_t len)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    n = n <= len ? n : len;
    return cr_utf8_valid_prefix((const char *)s, n) == n ? n : 0;
}

static int is_control(const unsigned char *c, size_t n)
{
    return (n == 1 && (c[0] < 0x20 || c[0] == 0x7F)) || (n == 2 && c[0] == 0xC2 && c[1] < 0xA0);
}

cr_err cr_escape(const char *s, size_t len, int ascii, char **out, size_t *out_len)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    if (len > (SIZE_MAX - 1) / 4)
        return CR_ENOMEM;          /* the escaped form would not fit a size_t */
    char *o = malloc(len * 4 + 1); /* every byte at most \xNN */
    if (!o)
        return CR_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        size_t n = ascii && p[i] >= 0x80 ? 0 : char_len(p + i, len - i);
        int space_at_end = p[i] == ' ' && (i == 0 || i + 1 == len);
        if (n == 0 || is_control(p + i, n) || space_at_end) {
            n = n ? n : 1;
            for (size_t j = 0; j < n; j++) {
                o[k++] = '\\';
                o[k++] = 'x';
                o[k++] = hex[p[i + j] >> 4];
                o[k++] = hex[p[i + j] & 15];
            }
        } else if (p[i] == '\\') {
            o[k++] = '\\';
            o[k++] = '\\';
        } else {
            for (size_t j = 0; j < n; j++)
                o[k++] = (char)p[i + j];
        }
        i += n;
    }
    o[k] = 0;
    *out = o;
    if (out_len)
        *out_len = k;
    return CR_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

cr_err cr_unescape(const char *s, size_t len, char *out, size_t *out_len, size_t *bad_offset)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\\') {
            out[k++] = s[i];
        } else if (i + 1 < len && s[i + 1] == '\\') {
            out[k++] = '\\';
            i++;
        } else if (i + 3 < len && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 &&
                   hexval(s[i + 3]) >= 0) {
            out[k++] = (char)(hexval(s[i + 2]) << 4 | hexval(s[i + 3]));
            i += 3;
        } else {
            if (bad_offset)
                *bad_offset = i;
            return CR_EINVAL;
        }
    }
    *out_len = k;
    return CR_OK;
}
