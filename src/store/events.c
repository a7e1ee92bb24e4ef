/* Events in blocks: the bulk of the store (docs/store.md "Event blocks").
 *
 * Events are written as rows of event_block, each holding up to BLOCK_EVENTS events of one
 * topic in columns, so that SQLite pays its per-row cost once per block rather than once per
 * event. event_posting lists, per subject, the blocks holding its events; it is brought up to
 * date at the end of every ingest (cr_store_ensure_indexes) and covers the blocks up to
 * meta.posting_upto; readers scan any block after that as well, so a stale posting is slower,
 * never wrong.
 *
 * A block's data, little-endian:
 *   u32 version (1), u32 n,
 *   u32 subject[n], i32 day[n], i64 amount[n] (INT64_MIN = none), i64 h[n],
 *   u32 attrs_end[n] (end offset of attrs i in the bytes that follow; empty = none),
 *   then, in version 2, the block's attribute names: u32 count, each u16 length + bytes,
 *   then the attrs bytes.
 * In version 1 an event's attrs bytes are its JSON object. In version 2 an object of string
 * values whose names are the block's names in order is stored as u32 mask (which names it
 * has) + each value as varint length + its JSON-escaped text; anything else as 0xFFFFFFFF +
 * the JSON. The names, repeated in every event, were half of the bytes of a block. Readers
 * give back the JSON, byte for byte.
 * The subject column comes first so a reader that needs only subjects reads the head. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BLOCK_VERSION 2u
#define MAX_NAMES 32
#define RAW_ATTRS 0xFFFFFFFFu
#define BLOCK_EVENTS 512
/* Blocks stay within one 16 KiB page (no overflow chain), so one block is one page read, and
 * fill it: a table leaf cell keeps up to 16,349 payload bytes in the page (page size - 35), of
 * which the record header and the topic, n and day columns take at most 20. */
#define BLOCK_BYTES 16320u
#define NO_AMOUNT INT64_MIN

struct cr_evblock {
    int64_t topic;
    uint32_t n;
    int32_t day_min, day_max;
    uint32_t subject[BLOCK_EVENTS];
    int32_t day[BLOCK_EVENTS];
    int64_t amount[BLOCK_EVENTS];
    int64_t h[BLOCK_EVENTS];
    uint32_t attrs_end[BLOCK_EVENTS];
    char *attrs;
    size_t attrs_cap;
    char *names[MAX_NAMES]; /* the block's attribute names, JSON-escaped */
    size_t name_len[MAX_NAMES], n_names, names_bytes;
    unsigned char *enc;
    size_t enc_cap;
};

static size_t head_bytes(uint32_t n)
{
    return 8 + (size_t)n * 28;
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
            while (p < end && *p != '"')
                p += *p == '\\' ? 2 : 1;
            if (p >= end)
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

static size_t varint_put(unsigned char *p, uint64_t v);

/* Reads a varint (LEB128) at *p before end into *v and moves *p past it; -1 when malformed. */
static int varint_get(const unsigned char **p, const unsigned char *end, uint64_t *v)
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
    pk->len += varint_put(pk->out + pk->len, vl);
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

/* The (subject, block) pairs of the blocks this connection wrote, for the postings: kept while
 * the blocks are written so that bringing the postings up to date needs no second read of
 * them. Runs of one subject within a block count once (feeds list a firm's rows together);
 * a repeat further on is dropped when the postings are written. A rollback forgets them all
 * (their blocks are gone), and the postings then read the blocks instead. */
struct cr_evpairs {
    uint32_t *subject, *block;
    size_t n, cap;
    int64_t first, last; /* block ids covered */
    int broken;          /* a block was not recorded */
};

static void pairs_forget(cr_store *s)
{
    if (!s->evp)
        return;
    free(s->evp->subject);
    free(s->evp->block);
    free(s->evp);
    s->evp = NULL;
}

static void note_pairs(cr_store *s, int64_t block, const uint32_t *subject, uint32_t n)
{
    if (!s->evp && !(s->evp = calloc(1, sizeof *s->evp)))
        return; /* then the postings read the blocks */
    struct cr_evpairs *p = s->evp;
    if (p->broken)
        return;
    if (block > UINT32_MAX || (p->last && block != p->last + 1)) {
        p->broken = 1;
        return;
    }
    if (p->n + n > p->cap) {
        size_t cap = (p->n + n) * 2;
        uint32_t *a = realloc(p->subject, cap * sizeof *a);
        if (a)
            p->subject = a;
        uint32_t *b = a ? realloc(p->block, cap * sizeof *b) : NULL;
        if (!b) {
            p->broken = 1;
            return;
        }
        p->block = b;
        p->cap = cap;
    }
    for (uint32_t i = 0; i < n; i++)
        if (!i || subject[i] != subject[i - 1]) {
            p->subject[p->n] = subject[i];
            p->block[p->n++] = (uint32_t)block;
        }
    if (!p->first)
        p->first = block;
    p->last = block;
}

/* Writes the open block, if any, as one row. */
cr_err cr__events_flush(cr_store *s)
{
    struct cr_evblock *b = s->evb;
    if (!b || !b->n)
        return CR_OK;
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
    if (!s->evb_insert &&
        sqlite3_prepare_v3(s->db,
                           "INSERT INTO event_block(topic, n, day_min, day_max, data) "
                           "VALUES(?1, ?2, ?3, ?4, ?5)",
                           -1, SQLITE_PREPARE_PERSISTENT, &s->evb_insert, NULL))
        return cr__store_fail(s);
    sqlite3_stmt *st = s->evb_insert;
    sqlite3_bind_int64(st, 1, b->topic);
    sqlite3_bind_int64(st, 2, n);
    sqlite3_bind_int(st, 3, b->day_min);
    sqlite3_bind_int(st, 4, b->day_max);
    sqlite3_bind_blob(st, 5, b->enc, (int)total, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    b->n = 0;
    names_reset(b);
    if (rc != SQLITE_DONE)
        return cr__store_fail(s);
    /* The event count, kept in meta so that counting never scans the blocks. */
    if (!s->evb_count && sqlite3_prepare_v3(s->db, "UPDATE meta SET v = v + ?1 WHERE k = 'events'",
                                            -1, SQLITE_PREPARE_PERSISTENT, &s->evb_count, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(s->evb_count, 1, n);
    rc = sqlite3_step(s->evb_count);
    sqlite3_reset(s->evb_count);
    if (rc != SQLITE_DONE)
        return cr__store_fail(s);
    note_pairs(s, sqlite3_last_insert_rowid(s->db), b->subject, n);
    return CR_OK;
}

void cr__events_discard(cr_store *s)
{
    if (s->evb) {
        s->evb->n = 0;
        names_reset(s->evb);
    }
    pairs_forget(s);
}

void cr__events_free(cr_store *s)
{
    pairs_forget(s);
    if (!s->evb)
        return;
    names_reset(s->evb);
    free(s->evb->attrs);
    free(s->evb->enc);
    free(s->evb);
    s->evb = NULL;
}

cr_err cr_store_events_add(cr_store *s, const struct cr_event_row *rows, size_t n)
{
    if (!s->evb && !(s->evb = calloc(1, sizeof *s->evb)))
        return CR_ENOMEM;
    struct cr_evblock *b = s->evb;
    if (!b->names_bytes)
        b->names_bytes = 4;
    for (size_t i = 0; i < n; i++) {
        const struct cr_event_row *e = &rows[i];
        if (e->subject < 0 || e->subject > (int64_t)UINT32_MAX)
            return CR_EINVAL;
        size_t alen = e->attrs && e->attrs_len ? e->attrs_len + 5 : 0; /* at most, packed */
        size_t used = b->n ? b->attrs_end[b->n - 1] : 0;
        cr_err rc;
        if (b->n && (b->topic != e->topic || b->n == BLOCK_EVENTS ||
                     head_bytes(b->n + 1) + b->names_bytes + 2 * alen + used > BLOCK_BYTES)) {
            if ((rc = cr__events_flush(s)))
                return rc;
            used = 0;
        }
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
        size_t w =
            alen ? pack_attrs(b, e->attrs, e->attrs_len, (unsigned char *)b->attrs + used) : 0;
        b->attrs_end[k] = (uint32_t)(used + w);
    }
    return CR_OK;
}

/* ---- reading ---- */

/* A decoded view of one block's data; pointers into the blob. */
struct view {
    uint32_t version, n;
    const unsigned char *subject, *day, *amount, *h, *attrs_end, *attrs;
    size_t attrs_len;
    const unsigned char *name[MAX_NAMES];
    uint16_t name_len[MAX_NAMES];
    uint32_t n_names;
};

static int view_of(const unsigned char *p, size_t len, struct view *v)
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

/* Where an event's JSON is rebuilt from its packed form. */
struct jbuf {
    char *p;
    size_t cap;
};

static int jbuf_room(struct jbuf *j, size_t n)
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
static const char *unpack_attrs(const struct view *v, const unsigned char *a, size_t len,
                                struct jbuf *j, size_t *out_len)
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
        if (k >= v->n_names || varint_get(&q, end, &vl) || vl > (uint64_t)(end - q))
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
static int row_at(const struct view *v, int64_t topic, uint32_t i, struct cr_event_row *e,
                  struct jbuf *j)
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

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int member(const int64_t *sorted, size_t n, int64_t v)
{
    return n && bsearch(&v, sorted, n, sizeof *sorted, cmp_i64) != NULL;
}

/* Calls fn for the events of one block row (topic, data) whose subject is wanted (all when
 * subjects is NULL). */
/* Keeps the store's message for a failure of a helper that has no store handle. */
static cr_err kept(cr_store *s, cr_err err)
{
    return err == CR_ESTORE ? cr__store_fail(s) : err;
}

static cr_err block_each(sqlite3_stmt *st, const int64_t *subjects, size_t n_subjects,
                         cr_event_fn fn, void *ctx, int *stop, struct jbuf *j,
                         const uint8_t *attrs_of, size_t n_topics)
{
    struct view v;
    int64_t topic = sqlite3_column_int64(st, 0);
    int attrs = !attrs_of || (topic >= 0 && (size_t)topic < n_topics && attrs_of[topic]);
    const unsigned char *p = sqlite3_column_blob(st, 1);
    if (view_of(p, (size_t)sqlite3_column_bytes(st, 1), &v))
        return CR_ESTORE;
    for (uint32_t i = 0; i < v.n && !*stop; i++) {
        if (subjects && !member(subjects, n_subjects, get32(v.subject + (size_t)i * 4)))
            continue;
        struct cr_event_row e;
        if (row_at(&v, topic, i, &e, attrs ? j : NULL))
            return CR_ESTORE;
        *stop = fn(ctx, &e);
    }
    return CR_OK;
}

static cr_err meta_int(sqlite3 *db, const char *key, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    *out = 0;
    if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k = ?1", -1, &st, NULL))
        return CR_ESTORE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CR_OK : CR_ESTORE;
}

/* Varint (LEB128) of the gaps between ascending block ids. */
static size_t varint_put(unsigned char *p, uint64_t v)
{
    size_t k = 0;
    while (v >= 0x80) {
        p[k++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[k++] = (unsigned char)v;
    return k;
}

/* Appends the block ids of a posting blob to *ids; returns -1 on a malformed blob or OOM. */
static int posting_decode(const unsigned char *p, size_t len, int64_t **ids, size_t *n, size_t *cap)
{
    if (!len)
        return 0; /* SQLite gives an empty blob as NULL, which takes no offset */
    const unsigned char *end = p + len;
    uint64_t prev = 0, gap;
    while (p < end) {
        if (varint_get(&p, end, &gap))
            return -1;
        prev += gap;
        if (*n == *cap) {
            size_t c = *cap ? *cap * 2 : 64;
            int64_t *q = realloc(*ids, c * sizeof *q);
            if (!q)
                return -1;
            *ids = q;
            *cap = c;
        }
        (*ids)[(*n)++] = (int64_t)prev;
    }
    return 0;
}

/* Events of the given subjects: the blocks their postings name, and every block after
 * posting_upto. */
static cr_err events_of(cr_store *s, const int64_t *subjects, size_t n_subjects, cr_event_fn fn,
                        void *ctx)
{
    int64_t upto;
    if (meta_int(s->db, "posting_upto", &upto))
        return cr__store_fail(s);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *st = NULL;
    cr_err err = CR_OK;
    if (sqlite3_prepare_v2(s->db, "SELECT blocks FROM event_posting WHERE subject = ?1", -1, &st,
                           NULL))
        return cr__store_fail(s);
    for (size_t i = 0; i < n_subjects && !err; i++) {
        sqlite3_bind_int64(st, 1, subjects[i]);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && posting_decode(sqlite3_column_blob(st, 0),
                                               (size_t)sqlite3_column_bytes(st, 0), &ids, &n, &cap))
            err = cr__store_fail(s);
        else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            err = cr__store_fail(s);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (err) {
        free(ids);
        return err;
    }
    if (n) /* ids is NULL when no subject has a posting */
        qsort(ids, n, sizeof *ids, cmp_i64);
    int stop = 0;
    struct jbuf jb = {0};
    if (sqlite3_prepare_v2(s->db, "SELECT topic, data FROM event_block WHERE id = ?1", -1, &st,
                           NULL)) {
        free(ids);
        return cr__store_fail(s);
    }
    for (size_t i = 0; i < n && !err && !stop; i++) {
        if (i && ids[i] == ids[i - 1])
            continue;
        sqlite3_bind_int64(st, 1, ids[i]);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            err = kept(s, block_each(st, subjects, n_subjects, fn, ctx, &stop, &jb, NULL, 0));
        else if (rc != SQLITE_DONE)
            err = cr__store_fail(s);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    free(ids);
    if (!err && !stop &&
        sqlite3_prepare_v2(s->db, "SELECT topic, data FROM event_block WHERE id > ?1", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, upto);
        int rc;
        while (!err && !stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
            err = kept(s, block_each(st, subjects, n_subjects, fn, ctx, &stop, &jb, NULL, 0));
        if (!err && !stop && rc != SQLITE_DONE)
            err = cr__store_fail(s);
        sqlite3_finalize(st);
    } else if (!err && !stop) {
        err = cr__store_fail(s);
    }
    free(jb.p);
    return err;
}

cr_err cr_store_events_each(cr_store *s, const int64_t *subjects, size_t n_subjects, cr_event_fn fn,
                            void *ctx)
{
    cr_err err = cr__events_flush(s);
    if (err)
        return err;
    if (subjects) {
        int64_t *sorted = malloc((n_subjects + 1) * sizeof *sorted);
        if (!sorted)
            return CR_ENOMEM;
        memcpy(sorted, subjects, n_subjects * sizeof *sorted);
        qsort(sorted, n_subjects, sizeof *sorted, cmp_i64);
        err = events_of(s, sorted, n_subjects, fn, ctx);
        free(sorted);
        return err;
    }
    return cr_store_events_range(s, 0, INT64_MAX, NULL, 0, fn, ctx);
}

cr_err cr_store_events_range(cr_store *s, int64_t from, int64_t to, const uint8_t *attrs_of,
                             size_t n_topics, cr_event_fn fn, void *ctx)
{
    cr_err err = cr__events_flush(s);
    sqlite3_stmt *st = NULL;
    if (err)
        return err;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT topic, data FROM event_block WHERE id >= ?1 AND id < ?2 "
                           "ORDER BY id",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    int rc, stop = 0;
    struct jbuf jb = {0};
    while (!err && !stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        err = kept(s, block_each(st, NULL, 0, fn, ctx, &stop, &jb, attrs_of, n_topics));
    if (!err && !stop && rc != SQLITE_DONE)
        err = cr__store_fail(s);
    sqlite3_finalize(st);
    free(jb.p);
    return err;
}

cr_err cr__events_hashes(cr_store *s, void (*fn)(void *ctx, int64_t topic, int64_t h), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT topic, data FROM event_block", -1, &st, NULL))
        return cr__store_fail(s);
    int rc;
    cr_err err = CR_OK;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct view v;
        int64_t topic = sqlite3_column_int64(st, 0);
        if (view_of(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), &v)) {
            err = cr__store_fail(s);
            break;
        }
        for (uint32_t i = 0; i < v.n; i++)
            fn(ctx, topic, get64(v.h + (size_t)i * 8));
    }
    if (!err && rc != SQLITE_DONE)
        err = cr__store_fail(s);
    sqlite3_finalize(st);
    return err;
}

/* ---- postings ---- */

/* Runs fn(ctx, block, subject) once per distinct subject of every block after upto. */
static cr_err subjects_of_blocks(sqlite3 *db, int64_t upto, int64_t max_subject,
                                 void (*fn)(void *ctx, int64_t block, uint32_t subject), void *ctx,
                                 int64_t *last_seen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT id, data FROM event_block WHERE id > ?1 ORDER BY id", -1,
                           &st, NULL))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, upto);
    int rc;
    cr_err err = CR_OK;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        struct view v;
        if (view_of(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), &v)) {
            err = CR_ESTORE;
            break;
        }
        for (uint32_t i = 0; i < v.n; i++) {
            uint32_t sj = get32(v.subject + (size_t)i * 4);
            if ((int64_t)sj > max_subject) {
                err = CR_ESTORE; /* an event of a subject that does not exist */
                break;
            }
            if (last_seen[sj] != id) {
                last_seen[sj] = id;
                fn(ctx, id, sj);
            }
        }
    }
    if (!err && rc != SQLITE_DONE)
        err = CR_ESTORE;
    sqlite3_finalize(st);
    return err;
}

struct postings {
    uint64_t *off; /* by subject: start of its new block ids in ids */
    int64_t *ids;
};

static void count_posting(void *ctx, int64_t block, uint32_t subject)
{
    (void)block;
    ((struct postings *)ctx)->off[subject + 1]++;
}

static void place_posting(void *ctx, int64_t block, uint32_t subject)
{
    struct postings *p = ctx;
    p->ids[p->off[subject]++] = block;
}

/* Appends the blocks written since the last call to the postings of their subjects. Runs in
 * one transaction of its own. */
static cr_err postings_update(cr_store *s)
{
    int64_t upto, top, max_subject;
    if (meta_int(s->db, "posting_upto", &upto) ||
        cr_store_scalar(s, "SELECT coalesce(max(id), 0) FROM event_block", &top) ||
        cr_store_scalar(s, "SELECT coalesce(max(id), 0) FROM subject", &max_subject))
        return cr__store_fail(s);
    if (top <= upto)
        return CR_OK;
    size_t ns = (size_t)max_subject + 1;
    struct postings p = {calloc(ns + 1, sizeof *p.off), NULL};
    int64_t *last = malloc(ns * sizeof *last);
    unsigned char *enc = NULL;
    int64_t *old = NULL;
    size_t enc_cap = 0, old_cap = 0;
    sqlite3_stmt *get = NULL, *put = NULL;
    cr_err err = CR_OK;
    if (!p.off || !last) {
        err = CR_ENOMEM;
        goto out;
    }
    const struct cr_evpairs *pr = s->evp;
    int from_pairs = pr && !pr->broken && pr->first == upto + 1 && pr->last == top;
    for (size_t i = 0; from_pairs && i < pr->n; i++)
        if ((int64_t)pr->subject[i] > max_subject)
            from_pairs = 0;
    if (from_pairs) {
        for (size_t i = 0; i < pr->n; i++)
            p.off[pr->subject[i] + 1]++;
    } else {
        memset(last, 0xff, ns * sizeof *last);
        if ((err = kept(s, subjects_of_blocks(s->db, upto, max_subject, count_posting, &p, last))))
            goto out;
    }
    for (size_t i = 0; i < ns; i++)
        p.off[i + 1] += p.off[i];
    if (!(p.ids = malloc((p.off[ns] + 1) * sizeof *p.ids))) {
        err = CR_ENOMEM;
        goto out;
    }
    if (from_pairs) {
        for (size_t i = 0; i < pr->n; i++)
            place_posting(&p, pr->block[i], pr->subject[i]);
    } else {
        memset(last, 0xff, ns * sizeof *last);
        if ((err = kept(s, subjects_of_blocks(s->db, upto, max_subject, place_posting, &p, last))))
            goto out;
    }
    /* place_posting advanced off[s] to the end of s's ids: off[s - 1] is now its start. */
    if (sqlite3_prepare_v2(s->db, "SELECT blocks FROM event_posting WHERE subject = ?1", -1, &get,
                           NULL) ||
        sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO event_posting(subject, blocks) VALUES(?1, ?2)",
                           -1, &put, NULL)) {
        err = cr__store_fail(s);
        goto out;
    }
    for (size_t sj = 0; sj < ns && !err; sj++) {
        uint64_t start = sj ? p.off[sj - 1] : 0, end = p.off[sj];
        if (start == end)
            continue;
        size_t n_old = 0;
        if (upto) {
            sqlite3_bind_int64(get, 1, (int64_t)sj);
            int rc = sqlite3_step(get);
            if (rc == SQLITE_ROW &&
                posting_decode(sqlite3_column_blob(get, 0), (size_t)sqlite3_column_bytes(get, 0),
                               &old, &n_old, &old_cap))
                err = cr__store_fail(s);
            else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                err = cr__store_fail(s);
            sqlite3_reset(get);
        }
        size_t need = (n_old + (size_t)(end - start)) * 10;
        if (!err && need > enc_cap) {
            unsigned char *q = realloc(enc, need);
            if (!q) {
                err = CR_ENOMEM;
                break;
            }
            enc = q;
            enc_cap = need;
        }
        size_t len = 0;
        int64_t prev = 0;
        for (size_t i = 0; !err && i < n_old; i++) {
            len += varint_put(enc + len, (uint64_t)(old[i] - prev));
            prev = old[i];
        }
        for (uint64_t i = start; !err && i < end; i++) {
            if (p.ids[i] == prev)
                continue; /* a subject met twice in one block */
            len += varint_put(enc + len, (uint64_t)(p.ids[i] - prev));
            prev = p.ids[i];
        }
        if (err)
            break;
        sqlite3_bind_int64(put, 1, (int64_t)sj);
        sqlite3_bind_blob(put, 2, enc, (int)len, SQLITE_STATIC);
        if (sqlite3_step(put) != SQLITE_DONE)
            err = cr__store_fail(s);
        sqlite3_reset(put);
    }
    if (!err) {
        sqlite3_stmt *m = NULL;
        if (sqlite3_prepare_v2(s->db,
                               "INSERT INTO meta(k, v) VALUES('posting_upto', ?1) "
                               "ON CONFLICT(k) DO UPDATE SET v = ?1",
                               -1, &m, NULL))
            err = cr__store_fail(s);
        else {
            sqlite3_bind_int64(m, 1, top);
            if (sqlite3_step(m) != SQLITE_DONE)
                err = cr__store_fail(s);
            sqlite3_finalize(m);
        }
    }
out:
    sqlite3_finalize(get);
    sqlite3_finalize(put);
    free(p.off);
    free(p.ids);
    free(last);
    free(enc);
    free(old);
    return err;
}

cr_err cr__events_postings(cr_store *s)
{
    cr_err err = cr__events_flush(s);
    if (!err)
        err = postings_update(s);
    pairs_forget(s);
    return err;
}
