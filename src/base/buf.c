/* A growing byte buffer and the one JSON writer (buf.h). */
#include "buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cr__buf_add(struct buf *b, const void *data, size_t len)
{
    if (b->oom)
        return;
    if (b->len + len + 1 > b->cap) {
        size_t cap = (b->len + len + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (len)
        memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = 0;
}

void cr__buf_printf(struct buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if (b->p && b->len + (size_t)n < b->cap) {
        b->len += (size_t)n;
        return;
    }
    size_t need = b->len + (size_t)n + 1, cap = need * 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return;
    }
    b->p = p;
    b->cap = cap;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void cr__buf_str(struct buf *b, const char *s)
{
    cr__buf_add(b, s, strlen(s));
}

void cr__buf_char(struct buf *b, char c)
{
    cr__buf_add(b, &c, 1);
}

void cr__buf_json(struct buf *b, const char *s, size_t len)
{
    cr__buf_add(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        cr__buf_add(b, s + run, i - run);
        char esc[8];
        snprintf(esc, sizeof esc, c == '"' ? "\\\"" : c == '\\' ? "\\\\" : "\\u%04x", c);
        cr__buf_str(b, esc);
        run = i + 1;
    }
    cr__buf_add(b, s + run, len - run);
    cr__buf_add(b, "\"", 1);
}

void cr__buf_fixed(struct buf *b, double v, int decimals)
{
    static const double scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    char t[48];
    if (!(v == v) || v > 1e9 || v < -1e9) {
        int n = snprintf(t, sizeof t, "%.*f", decimals, v);
        cr__buf_add(b, t, n > 0 && (size_t)n < sizeof t ? (size_t)n : 0);
        return;
    }
    size_t o = 0;
    if (v < 0) {
        double r = floor(-v * scale[decimals] + 0.5);
        if (r > 0)
            t[o++] = '-';
        v = -v;
    }
    uint64_t r = (uint64_t)floor(v * scale[decimals] + 0.5);
    uint64_t whole = r / (uint64_t)scale[decimals], frac = r % (uint64_t)scale[decimals];
    char digits[24];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole);
    while (nd)
        t[o++] = digits[--nd];
    if (decimals) {
        t[o++] = '.';
        for (int d = decimals - 1; d >= 0; d--) {
            t[o + (size_t)d] = (char)('0' + frac % 10);
            frac /= 10;
        }
        o += (size_t)decimals;
    }
    cr__buf_add(b, t, o);
}
