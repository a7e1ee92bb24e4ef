/* The event-block codec: a block in memory, its encoding and a view of its decoding (format in
 * evblock.h and docs/store.md "Event blocks"). Pure: no SQL. */
#include "evblock.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_VERSION 2u
#define MAX_NAMES CR__EVBLOCK_NAMES
#define RAW_ATTRS 0xFFFFFFFFu
#define BLOCK_EVENTS CR__EVBLOCK_EVENTS
/* Blocks stay within one 16 KiB page (no overflow chain), so one block is one page read, and
 * fill it: a table leaf cell keeps up to 16,349 payload bytes in the page (page size - 35), of
 * which the record header and the topic, n and day columns take at most 20. */
#define BLOCK_BYTES 16320u
#define NO_AMOUNT INT64_MIN

static size_t head_bytes(uint32_t n)
{
    return 8 + (size_t)n * 28;
}

/* The closing quote of the JSON string whose text starts at q (after its opening quote), or
 * NULL: the first '"' not escaped, i.e. after an even run of backslashes. memchr: a value's text
 * is scanned at memory speed, escapes being rare. */
static const char *string_end(const char *q, const char *end)
{
    for (const char *p = q; (p = memchr(p, '"', (size_t)(end - p))) != NULL; p++) {
        size_t slashes = 0;
        while (p - slashes > q && p[-1 - (ptrdiff_t)slashes] == '\\')
            slashes++;
        if (slashes % 2 == 0)
            return p;
    }
    return NULL;
}

/* Splits a JSON object of string values, {"k":"v",...}, as ingest writes it: calls back with
 * each name and value as escaped text. Returns -1 for anything else. */
static int json_pairs(const char *p, size_t len,
                      int (*fn)(void *ctx, const char *k, size_t kl, const char *v, size_t vl),
                      void *ctx)
{
    const char *end = p + len;
    if (len < 2 || *p != '{' || end[-1] != '}')
        return -1;
    p++;
    if (p == end - 1)
        return -1; /* {} is kept as it is */
    for (;;) {
        const char *str[2];
        size_t sl[2];
        for (int k = 0; k < 2; k++) {
            if (p == end || *p != '"')
                return -1;
            const char *q = ++p;
            if (!(p = string_end(q, end)))
                return -1;
            str[k] = q;
            sl[k] = (size_t)(p - q);
            p++;
            if (k == 0) {
                if (p == end || *p != ':')
                    return -1;
                p++;
            }
        }
        if (fn(ctx, str[0], sl[0], str[1], sl[1]))
            return -1;
        if (p == end - 1 && *p == '}')
            return 0;
        if (*p != ',')
            return -1;
        p++;
    }
}

struct packing {
    struct cr_evblock *b;
    unsigned char *out; /* room for the JSON's length + 5 */
    size_t len;
    uint32_t mask;
    int last; /* index of the previous name */
};

/* Reads a varint (LEB128) at *p before end into *v and moves *p past it; -1 when malformed. */
int cr__varint_get(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; *p < end && shift <= 63; shift += 7) {
        unsigned char c = *(*p)++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return 0;
    }
    return -1;
}

static int pack_pair(void *ctx, const char *k, size_t kl, const char *v, size_t vl)
{
    struct packing *pk = ctx;
    struct cr_evblock *b = pk->b;
    size_t i = 0;
    while (i < b->n_names && !(b->name_len[i] == kl && memcmp(b->names[i], k, kl) == 0))
        i++;
    if (i == b->n_names) {
        /* a name is stored with a u16 length: a longer one keeps the event's JSON as it is */
        if (i == MAX_NAMES || kl > UINT16_MAX || !(b->names[i] = malloc(kl + 1)))
            return -1;
        memcpy(b->names[i], k, kl);
        b->name_len[i] = kl;
        b->n_names++;
        b->names_bytes += 2 + kl;
    }
    if ((int)i <= pk->last)
        return -1; /* names out of the block's order: kept as JSON */
    pk->last = (int)i;
    pk->mask |= 1u << i;
    pk->len += cr__varint_put(pk->out + pk->len, vl);
    memcpy(pk->out + pk->len, v, vl);
    pk->len += vl;
    return 0;
}

/* Encodes one event's attrs at out (capacity len + 5); returns the bytes written. */
static size_t pack_attrs(struct cr_evblock *b, const char *json, size_t len, unsigned char *out)
{
    if (!len)
        return 0;
    size_t names_before = b->n_names;
    struct packing pk = {b, out + 4, 0, 0, -1};
    if (json_pairs(json, len, pack_pair, &pk) == 0 && pk.len + 4 <= len + 5) {
        memcpy(out, &pk.mask, 4);
        return 4 + pk.len;
    }
    while (b->n_names > names_before) { /* names added by the failed attempt */
        b->n_names--;
        b->names_bytes -= 2 + b->name_len[b->n_names];
        free(b->names[b->n_names]);
    }
    uint32_t raw = RAW_ATTRS;
    memcpy(out, &raw, 4);
    memcpy(out + 4, json, len);
    return 4 + len;
}

static void names_reset(struct cr_evblock *b)
{
    for (size_t i = 0; i < b->n_names; i++)
        free(b->names[i]);
    b->n_names = 0;
    b->names_bytes = 4;
}

static void put32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static int64_t get64(const unsigned char *p)
{
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

struct cr_evblock *cr__evblock_new(void)
{
    struct cr_evblock *b = calloc(1, sizeof *b);
    if (b)
        b->names_bytes = 4;
    return b;
}

void cr__evblock_free(struct cr_evblock *b)
{
    if (!b)
        return;
    names_reset(b);
    free(b->attrs);
    free(b->enc);
    free(b);
}

void cr__evblock_clear(struct cr_evblock *b)
{
    b->n = 0;
    names_reset(b);
}

/* The most e's attrs take, packed. */
static size_t attrs_room(const struct cr_event_row *e)
{
    return e->attrs && e->attrs_len ? e->attrs_len + 5 : 0;
}

int cr__evblock_full(const struct cr_evblock *b, const struct cr_event_row *e)
{
    size_t alen = attrs_room(e);
    size_t used = b->n ? b->attrs_end[b->n - 1] : 0;
    return b->n && (b->topic != e->topic || b->n == BLOCK_EVENTS ||
                    head_bytes(b->n + 1) + b->names_bytes + 2 * alen + used > BLOCK_BYTES);
}

cr_err cr__evblock_add(struct cr_evblock *b, const struct cr_event_row *e)
{
    size_t alen = attrs_room(e);
    size_t used = b->n ? b->attrs_end[b->n - 1] : 0;
    if (used + alen > UINT32_MAX)
        return CR_EINVAL;
    if (used + alen > b->attrs_cap) {
        size_t cap = (used + alen) * 2 + 1024;
        char *p = realloc(b->attrs, cap);
        if (!p)
            return CR_ENOMEM;
        b->attrs = p;
        b->attrs_cap = cap;
    }
    if (!b->n) {
        b->topic = e->topic;
        b->day_min = b->day_max = e->day;
    }
    uint32_t k = b->n++;
    b->subject[k] = (uint32_t)e->subject;
    b->day[k] = e->day;
    b->day_min = e->day < b->day_min ? e->day : b->day_min;
    b->day_max = e->day > b->day_max ? e->day : b->day_max;
    b->amount[k] = e->has_amount ? e->amount_fen : NO_AMOUNT;
    b->h[k] = e->h;
    size_t w = alen ? pack_attrs(b, e->attrs, e->attrs_len, (unsigned char *)b->attrs + used) : 0;
    b->attrs_end[k] = (uint32_t)(used + w);
    return CR_OK;
}

cr_err cr__evblock_encode(struct cr_evblock *b, const unsigned char **out, size_t *len)
{
    uint32_t n = b->n;
    size_t abytes = n ? b->attrs_end[n - 1] : 0;
    size_t total = head_bytes(n) + b->names_bytes + abytes;
    if (total > b->enc_cap) {
        unsigned char *p = realloc(b->enc, total);
        if (!p)
            return CR_ENOMEM;
        b->enc = p;
        b->enc_cap = total;
    }
    unsigned char *p = b->enc;
    put32(p, BLOCK_VERSION);
    put32(p + 4, n);
    p += 8;
    memcpy(p, b->subject, (size_t)n * 4);
    p += (size_t)n * 4;
    memcpy(p, b->day, (size_t)n * 4);
    p += (size_t)n * 4;
    memcpy(p, b->amount, (size_t)n * 8);
    p += (size_t)n * 8;
    memcpy(p, b->h, (size_t)n * 8);
    p += (size_t)n * 8;
    memcpy(p, b->attrs_end, (size_t)n * 4);
    p += (size_t)n * 4;
    uint32_t nn = (uint32_t)b->n_names;
    memcpy(p, &nn, 4);
    p += 4;
    for (size_t i = 0; i < b->n_names; i++) {
        uint16_t l = (uint16_t)b->name_len[i];
        memcpy(p, &l, 2);
        memcpy(p + 2, b->names[i], l);
        p += 2 + l;
    }
    if (abytes)
        memcpy(p, b->attrs, abytes);
    *out = b->enc;
    *len = total;
    return CR_OK;
}

int cr__evview_of(const unsigned char *p, size_t len, struct cr_evview *v)
{
    if (len < 8 || (get32(p) != 1 && get32(p) != BLOCK_VERSION))
        return -1;
    v->version = get32(p);
    v->n = get32(p + 4);
    if (v->n > (1u << 24) || len < head_bytes(v->n))
        return -1;
    v->subject = p + 8;
    v->day = v->subject + (size_t)v->n * 4;
    v->amount = v->day + (size_t)v->n * 4;
    v->h = v->amount + (size_t)v->n * 8;
    v->attrs_end = v->h + (size_t)v->n * 8;
    v->attrs = v->attrs_end + (size_t)v->n * 4;
    v->n_names = 0;
    const unsigned char *end = p + len;
    if (v->version >= 2) {
        if (end - v->attrs < 4 || (v->n_names = get32(v->attrs)) > MAX_NAMES)
            return -1;
        const unsigned char *q = v->attrs + 4;
        for (uint32_t k = 0; k < v->n_names; k++) {
            if (end - q < 2)
                return -1;
            memcpy(&v->name_len[k], q, 2);
            if (end - q - 2 < v->name_len[k])
                return -1;
            v->name[k] = q + 2;
            q += 2 + v->name_len[k];
        }
        v->attrs = q;
    }
    v->attrs_len = (size_t)(end - v->attrs);
    if (v->n && get32(v->attrs_end + ((size_t)v->n - 1) * 4) > v->attrs_len)
        return -1;
    return 0;
}

static int jbuf_room(struct cr_jbuf *j, size_t n)
{
    if (n <= j->cap)
        return 0;
    char *p = realloc(j->p, n * 2);
    if (!p)
        return -1;
    j->p = p;
    j->cap = n * 2;
    return 0;
}

/* The JSON of packed attrs a[0..len); NULL when malformed or out of memory. */
static const char *unpack_attrs(const struct cr_evview *v, const unsigned char *a, size_t len,
                                struct cr_jbuf *j, size_t *out_len)
{
    if (len < 4)
        return NULL;
    uint32_t mask = get32(a);
    if (mask == RAW_ATTRS) {
        *out_len = len - 4;
        return (const char *)a + 4;
    }
    size_t need = 2;
    for (uint32_t k = 0; k < v->n_names; k++)
        if (mask >> k & 1)
            need += v->name_len[k] + 6;
    if (jbuf_room(j, need + len))
        return NULL;
    char *o = j->p;
    const unsigned char *q = a + 4, *end = a + len;
    *o++ = '{';
    for (uint32_t k = 0; k < MAX_NAMES; k++) {
        if (!(mask >> k & 1))
            continue;
        uint64_t vl;
        if (k >= v->n_names || cr__varint_get(&q, end, &vl) || vl > (uint64_t)(end - q))
            return NULL;
        if (o > j->p + 1)
            *o++ = ',';
        *o++ = '"';
        memcpy(o, v->name[k], v->name_len[k]);
        o += v->name_len[k];
        memcpy(o, "\":\"", 3);
        o += 3;
        memcpy(o, q, vl);
        o += vl;
        q += vl;
        *o++ = '"';
    }
    *o++ = '}';
    *out_len = (size_t)(o - j->p);
    return j->p;
}

/* Event i of the block; its attrs (rebuilt in j when packed) are valid until the next call.
 * j NULL: without attrs. */
int cr__evview_row(const struct cr_evview *v, int64_t topic, uint32_t i, struct cr_event_row *e,
                   struct cr_jbuf *j)
{
    uint32_t start = i ? get32(v->attrs_end + ((size_t)i - 1) * 4) : 0;
    uint32_t end = get32(v->attrs_end + (size_t)i * 4);
    if (end > v->attrs_len)
        return -1; /* a damaged block: view_of checked only the last end */
    int64_t amount = get64(v->amount + (size_t)i * 8);
    int32_t day;
    memcpy(&day, v->day + (size_t)i * 4, 4);
    const char *attrs = NULL;
    size_t attrs_len = 0;
    if (!j) {
        /* the caller reads no attrs of this topic */
    } else if (end > start && v->version == 1) {
        attrs = (const char *)v->attrs + start;
        attrs_len = end - start;
    } else if (end > start &&
               !(attrs = unpack_attrs(v, v->attrs + start, end - start, j, &attrs_len))) {
        return -1;
    }
    *e = (struct cr_event_row){.subject = get32(v->subject + (size_t)i * 4),
                               .topic = topic,
                               .day = day,
                               .amount_fen = amount == NO_AMOUNT ? 0 : amount,
                               .has_amount = amount != NO_AMOUNT,
                               .h = get64(v->h + (size_t)i * 8),
                               .attrs = attrs,
                               .attrs_len = attrs_len};
    return 0;
}

uint32_t cr__evview_subject(const struct cr_evview *v, uint32_t i)
{
    return get32(v->subject + (size_t)i * 4);
}

int64_t cr__evview_h(const struct cr_evview *v, uint32_t i)
{
    return get64(v->h + (size_t)i * 8);
}

/* Varint (LEB128): posting lists and packed attribute values. */
size_t cr__varint_put(unsigned char *p, uint64_t v)
{
    size_t k = 0;
    while (v >= 0x80) {
        p[k++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[k++] = (unsigned char)v;
    return k;
}
