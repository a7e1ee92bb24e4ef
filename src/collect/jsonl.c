#include "crisk/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed_internal.h"

/* ---- JSON Lines: one flat object per line ----
 * A small strict parser (RFC 8259) for what a record may hold, about ten times faster than a
 * general JSON library that builds a tree per line. String and number values fill the mapped
 * slots and null leaves a slot empty; objects, arrays and booleans are accepted only under keys
 * the topic does not map. Duplicate keys, a NUL character and bytes after the object are
 * refused. Unescaped strings and number texts go to the record's scratch, which begin_record
 * sized for the whole line, so no pointer into it moves while the record is read. */

struct jp {
    const char *s, *p, *end;
    const char *err; /* where the record stopped being JSON */
    const char *why; /* why, when it is more than "not JSON" (a limit of this reader) */
};

/* The deepest nesting of objects and arrays read under a key the topic does not map. */
#define JSON_MAX_DEPTH 64

static void jws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
        j->p++;
}

static int jfail(struct jp *j)
{
    if (!j->err)
        j->err = j->p < j->end ? j->p : j->end;
    return -1;
}

/* jfail with the reason the record is refused, when it is valid JSON this reader refuses. */
static int jrefuse(struct jp *j, const char *why)
{
    if (!j->err)
        j->why = why;
    return jfail(j);
}

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t utf8_put(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string at j->p (its opening quote): the text itself when it has no escapes, else its
 * unescaped copy in the scratch (never longer than the escaped form). */
static int jstring(cr_feed *f, struct jp *j, const char **out, size_t *olen)
{
    const char *q = ++j->p;
    int esc = 0;
    while (j->p < j->end && *j->p != '"') {
        if ((unsigned char)*j->p < 0x20)
            return jfail(j);
        if (*j->p == '\\') {
            esc = 1;
            if (++j->p == j->end)
                return jfail(j);
        }
        j->p++;
    }
    if (j->p == j->end)
        return jfail(j);
    size_t n = (size_t)(j->p - q);
    const char *close = j->p++;
    if (!esc) {
        *out = q;
        *olen = n;
        return 0;
    }
    char *d = f->scratch + f->sused;
    size_t k = 0;
    for (const char *r = q; r < close; r++) {
        if (*r != '\\') {
            d[k++] = *r;
            continue;
        }
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *m = *++r ? strchr(from, *r) : NULL;
        if (m) {
            d[k++] = to[m - from];
            continue;
        }
        uint32_t cp, lo;
        if (*r != 'u' || close - r < 5 || hex4(r + 1, &cp)) {
            j->p = r;
            return jfail(j);
        }
        r += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (close - r < 7 || r[1] != '\\' || r[2] != 'u' || hex4(r + 3, &lo) || lo < 0xDC00 ||
                lo > 0xDFFF) {
                j->p = r;
                return jfail(j);
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            r += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            j->p = r;
            return jfail(j);
        } else if (cp == 0) {
            j->p = r - 5; /* its backslash */
            return jrefuse(j, "a NUL character (\\u0000) in a string is not allowed");
        }
        k += utf8_put(d + k, cp);
    }
    d[k] = 0;
    f->sused += k + 1;
    *out = d;
    *olen = k;
    return 0;
}

/* A number: its value is its text as written, as a CSV cell's is. Converting through a double
 * merged ids past 2^53 (9007199254740993.0 read as 9.00719925474099e+15) and rounded amounts
 * past the fen (0.30000000000000004 became 30 fen): the field's own parser (key, amount, date,
 * code) now reads the digits and refuses what it cannot hold. out = NULL only checks the syntax
 * (a value under a key the topic does not map). */
static int jnumber(cr_feed *f, struct jp *j, const char **out, size_t *olen)
{
    const char *b = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    else
        return jfail(j);
    if (j->p < j->end && *j->p == '.') {
        if (++j->p == j->end || *j->p < '0' || *j->p > '9')
            return jfail(j);
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (j->p == j->end || *j->p < '0' || *j->p > '9')
            return jfail(j);
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    if (!out)
        return 0;
    /* The scratch holds the whole line, so the number's text fits. */
    size_t n = (size_t)(j->p - b);
    char *d = f->scratch + f->sused;
    memcpy(d, b, n);
    d[n] = 0;
    f->sused += n + 1;
    *out = d;
    *olen = n;
    return 0;
}

static int jliteral(struct jp *j, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return jfail(j);
    j->p += n;
    return 0;
}

/* Skips a value under a key the topic does not map (any JSON value). */
static int jskip(cr_feed *f, struct jp *j, int depth)
{
    const char *v;
    size_t l;
    jws(j);
    if (depth > JSON_MAX_DEPTH)
        return jrefuse(j, "objects and arrays nested deeper than 64");
    if (j->p == j->end)
        return jfail(j);
    char c = *j->p;
    if (c == '"') {
        size_t mark = f->sused;
        int rc = jstring(f, j, &v, &l);
        f->sused = mark;
        return rc;
    }
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        j->p++;
        jws(j);
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return 0;
        }
        for (;;) {
            if (c == '{') {
                jws(j);
                if (j->p == j->end || *j->p != '"' || jskip(f, j, depth + 1))
                    return jfail(j);
                jws(j);
                if (j->p == j->end || *j->p != ':')
                    return jfail(j);
                j->p++;
            }
            if (jskip(f, j, depth + 1))
                return -1;
            jws(j);
            if (j->p == j->end)
                return jfail(j);
            if (*j->p == close) {
                j->p++;
                return 0;
            }
            if (*j->p != ',')
                return jfail(j);
            j->p++;
        }
    }
    if (c == 't')
        return jliteral(j, "true");
    if (c == 'f')
        return jliteral(j, "false");
    if (c == 'n')
        return jliteral(j, "null");
    return jnumber(f, j, NULL, NULL);
}

/* The column (in characters, 1-based) of a place in the line, for the quarantine detail. */
static long jcolumn(const struct jp *j)
{
    long col = 0;
    for (const char *p = j->s; p < j->err && p < j->end; p++)
        col += ((unsigned char)*p & 0xC0) != 0x80;
    return col + (j->err < j->end);
}

/* Reads one JSON Lines record (the text of one line). */
cr_err cr__feed_parse_json(cr_feed *f, const char *text, size_t len, struct cr_feed_rec *rec)
{
    struct jp j = {text, text, text + len, NULL, NULL};
    const char *keys[64];
    size_t klens[64], n_keys = 0;
    jws(&j);
    if (j.p == j.end || *j.p != '{') {
        jfail(&j);
        goto bad;
    }
    j.p++;
    jws(&j);
    if (j.p < j.end && *j.p == '}') {
        j.p++;
        goto done;
    }
    for (;;) {
        const char *key, *val;
        size_t klen, vlen;
        jws(&j);
        if (j.p == j.end || *j.p != '"' || jstring(f, &j, &key, &klen)) {
            jfail(&j);
            goto bad;
        }
        for (size_t k = 0; k < n_keys; k++)
            if (klens[k] == klen && memcmp(keys[k], key, klen) == 0) {
                cr__feed_set_reason(rec, "bad_json", "duplicate key \"%.*s\"",
                                    (int)(klen < 60 ? klen : 60), key);
                return CR_OK;
            }
        if (n_keys < sizeof keys / sizeof *keys) {
            keys[n_keys] = key;
            klens[n_keys++] = klen;
        }
        jws(&j);
        if (j.p == j.end || *j.p != ':') {
            jfail(&j);
            goto bad;
        }
        j.p++;
        jws(&j);
        int slot = -1;
        for (int s = 0; s < f->n_slots && slot < 0; s++)
            if (f->label[s] && f->col[s] >= 0 && strlen(f->label[s]) == klen &&
                memcmp(f->label[s], key, klen) == 0)
                slot = s;
        if (slot < 0) {
            if (jskip(f, &j, 0))
                goto bad;
        } else if (j.p < j.end && *j.p == '"') {
            if (jstring(f, &j, &val, &vlen))
                goto bad;
            cr__feed_trim(&val, &vlen);
            f->val[slot] = val;
            f->vlen[slot] = vlen;
        } else if (j.p < j.end && (*j.p == '-' || (*j.p >= '0' && *j.p <= '9'))) {
            if (jnumber(f, &j, &val, &vlen))
                goto bad;
            f->val[slot] = val;
            f->vlen[slot] = vlen;
        } else if (j.p < j.end && *j.p == 'n') {
            if (jliteral(&j, "null"))
                goto bad;
        } else {
            if (jskip(f, &j, 0))
                goto bad;
            cr__feed_set_reason(rec, "bad_json",
                                "a mapped key holds an object, array or boolean (%s)",
                                f->label[slot]);
            return CR_OK;
        }
        jws(&j);
        if (j.p == j.end) {
            jfail(&j);
            goto bad;
        }
        if (*j.p == '}') {
            j.p++;
            break;
        }
        if (*j.p != ',') {
            jfail(&j);
            goto bad;
        }
        j.p++;
    }
done:
    jws(&j);
    if (j.p == j.end)
        return CR_OK;
    jfail(&j);
bad:
    for (int s = 0; s < f->n_slots; s++)
        f->vlen[s] = 0, f->val[s] = "";
    if (j.why)
        cr__feed_set_reason(rec, "bad_json", "%s (column %ld)", j.why, jcolumn(&j));
    else
        cr__feed_set_reason(rec, "bad_json", "not a JSON object (column %ld)", jcolumn(&j));
    return CR_OK;
}
