#include "crisk/ingest.h"

#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crisk/addr.h"
#include "crisk/bigmem.h"
#include "crisk/feed.h"
#include "crisk/hash.h"
#include "crisk/text.h"
#include "crisk/uscc.h"
#include "sink.h"
#include "base/buf.h"
#include "base/tables.h"

#define DEFAULT_BATCH_ROWS 200000
/* A subject key (namespace:local key) with its NUL; longer keys are quarantined (bad_key). */
#define KEY_CAP 256

/* ---- loading the in-memory indexes (tables.h) from the store ---- */

static void load_subject(void *ctx, const char *key, size_t len, int64_t id, int registered)
{
    struct smap *m = ctx;
    if (!m->err && !cr__smap_put(m, key, len, cr__key_hash(key, len), id, registered))
        m->err = CR_ENOMEM;
}

/* One set per topic: de-duplication is within a topic, and a file's rows all probe the same,
 * much smaller table, which stays in the caches far better than one city-wide table. */
struct hsets {
    struct hset *t; /* by topic id */
    size_t n;
    int oom;
};

static void load_hash(void *ctx, int64_t topic, int64_t h)
{
    struct hsets *s = ctx;
    struct hkey k = {(uint64_t)h, 0}; /* only lo is stored: hi unknown */
    if (topic < 0 || (size_t)topic >= s->n || cr__hset_add(&s->t[topic], k) < 0)
        s->oom = 1; /* checked after the scan */
}

/* ---- the run ---- */

static void load_person(void *ctx, const unsigned char h[16], int64_t id)
{
    struct pmap *m = ctx;
    struct pent *e = cr__pmap_slot(m, h);
    if (!e) {
        m->oom = 1;
        return;
    }
    memcpy(e->h, h, 16);
    e->id = id;
    m->n++;
}

/* File records of earlier runs, to skip or resume. */
struct known_file {
    char *path;
    struct cr_file_rec rec;
};
struct known_files {
    struct known_file *v;
    size_t n, cap;
    int oom;
};

static void load_file(void *ctx, const char *path, const struct cr_file_rec *rec)
{
    struct known_files *k = ctx;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 256;
        void *p = realloc(k->v, cap * sizeof *k->v);
        if (!p) {
            k->oom = 1;
            return;
        }
        k->v = p;
        k->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy) {
        k->oom = 1;
        return;
    }
    k->v[k->n++] = (struct known_file){copy, *rec};
}

/* Shared by the parser threads of the events pass (see cr_ingest_run). */
struct par {
    pthread_mutex_t mu;
    struct smap late; /* keys first seen in this pass; the registry's map is read-only then */
    int64_t next_subject, next_file;
    const size_t *tasks; /* catalog indexes of the roles topics, then of the event topics */
    const size_t *order; /* the tasks in the order they are handed out */
    size_t n_roles, n_tasks, next_task;
    size_t *first, *count; /* by task: its file reports in the owning worker's report */
    int *owner;            /* by task: the worker that ingested it */
    cr_err err;            /* the first worker error; the others stop at their next topic */
};

/* The de-duplication probes of an ingest_file's last event rows. A set of a big topic spans
 * hundreds of MiB, so a probe misses every cache: each row is queued as loaded at once, its
 * slot is prefetched, and the probe is made PROBE_LAG rows later, when the slot has arrived. A
 * duplicate is then taken back from the batch (cr__sink_event_drop) and recounted; every probe is
 * made before the batch is handed over, so no commit holds a duplicate. */
#define PROBE_LAG 8

struct probe {
    struct hset *set;
    struct hkey h;
    size_t mark;      /* cr__sink_event's */
    uint8_t unlinked; /* counted in the report's unlinked */
};

struct probes {
    int on; /* set by ingest_file: event rows probe late */
    struct probe v[PROBE_LAG];
    size_t head, n;
};

typedef struct ingest {
    cr_store *s;
    cr_sink *k;
    cr_sink_out *out;
    struct par *par; /* NULL while one thread parses */
    int64_t last_id; /* cache of subject_id in the parallel pass */
    int last_registered;
    struct pmap persons;
    struct known_files files;
    int64_t next_subject, next_person, next_file;
    struct subj *last_subj; /* cache of subject_of */
    char last_key[64];
    size_t last_len;
    const cr_catalog *cat;
    const int64_t *topic_ids; /* by catalog index */
    size_t *topic_bytes;      /* by catalog index: the bytes of its files still to ingest */
    size_t *topic_rows;       /* by catalog index: the rows guessed in them */
    const cr_ref *ref;
    int64_t batch_rows;
    /* Test hooks, by the N-th row of a parser thread: CRISK_FAULT_ROW fails with an I/O error
     * there; CRISK_PAUSE_ROW creates the file CRISK_PAUSE_FILE there and waits until it is
     * removed (another process can act on the store or the feeds meanwhile). */
    int64_t fault_row, pause_row, rows_seen;
    const char *pause_file;
    char *fail; /* FAIL_CAP bytes shared by the run's threads: the first failure's message */
    struct hsets seen;
    struct probes probes;
    struct smap subj;
    struct buf canon, attrs, norm;
    unsigned char salt[32];
    unsigned char rowkey[crypto_shorthash_siphashx24_KEYBYTES]; /* from salt (content_hash) */
    int keyed;                                                  /* cr_store_row_hash_keyed */
    struct cr_ingest_report *rep;
    const char *row_nulled[CR__NFIELD]; /* reasons of the fields this row left out (on_error) */
    int n_row_nulled;
    int row_unverified; /* division codes of this row kept unchecked (unverified_division) */
    cr_diag *d;
} ingest;

enum outcome { LOADED, DUPLICATE, QUARANTINED };

/* Why a row is quarantined: a reason code and a sentence naming the column and value. val holds
 * the offending values as shown in the sentence (see shown()). */
struct verdict {
    const char *reason;
    char detail[512];
    char val[2][80];
};

/* The value b as a quarantine sentence shows it: cut to 60 bytes on a character boundary, with
 * "..." when cut. Written to v->val[i] (bounded by it) and returned, for a reject() argument. */
static const char *shown_at(struct verdict *v, int i, const char *b, size_t blen)
{
    size_t n = b ? blen : 0;
    if (n > 60) {
        n = 60;
        while (n > 0 && ((unsigned char)b[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(v->val[i], sizeof v->val[i], "%.*s%s", (int)n, b ? b : "", b && n < blen ? "..." : "");
    return v->val[i];
}

static const char *shown(struct verdict *v, const char *b, size_t blen)
{
    return shown_at(v, 0, b, blen);
}

/* Fills v with reason and the sentence fmt formats (a literal, checked by the compiler against
 * its arguments); returns QUARANTINED. */
CR_FORMAT(3, 4)
static enum outcome reject(struct verdict *v, const char *reason, const char *fmt, ...)
{
    v->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->detail, sizeof v->detail, fmt, ap);
    va_end(ap);
    return QUARANTINED;
}

static int count_reason(struct cr_ingest_report *r, const char *reason)
{
    for (size_t i = 0; i < r->n_reasons; i++)
        if (strcmp(r->reasons[i].reason, reason) == 0) {
            r->reasons[i].count++;
            return 0;
        }
    void *p = realloc(r->reasons, (r->n_reasons + 1) * sizeof *r->reasons);
    if (!p)
        return -1;
    r->reasons = p;
    char *copy = strdup(reason);
    if (!copy)
        return -1;
    r->reasons[r->n_reasons++] = (struct cr_ingest_reason){copy, 1};
    return 0;
}

/* A bad value of an optional field, whose reason is in v: with on_error: null for the field it
 * is left out and the row goes on (returns 1; counted in the report's nulled unless the row is
 * quarantined for something else), else 0 and the row is quarantined with v. */
static int drop_bad(ingest *ig, const struct cr_topic *t, int field, const struct verdict *v)
{
    if (!t->opt[field].on_error_null || ig->n_row_nulled >= CR__NFIELD)
        return 0;
    ig->row_nulled[ig->n_row_nulled++] = v->reason;
    return 1;
}

static int count_nulled(struct cr_ingest_report *r, const char *reason, int64_t by)
{
    for (size_t i = 0; i < r->n_nulled; i++)
        if (strcmp(r->nulled[i].reason, reason) == 0) {
            r->nulled[i].count += by;
            return 0;
        }
    void *p = realloc(r->nulled, (r->n_nulled + 1) * sizeof *r->nulled);
    if (!p)
        return -1;
    r->nulled = p;
    char *copy = strdup(reason);
    if (!copy)
        return -1;
    r->nulled[r->n_nulled++] = (struct cr_ingest_reason){copy, by};
    return 0;
}

/* NFKC of a value into ig->norm (when needed); returns the normalised text and length. */
static const char *normalize(ingest *ig, const char *v, size_t len, size_t *out_len)
{
    if (cr_nfkc_stable(v, len)) {
        *out_len = len;
        return v;
    }
    char *n = NULL;
    size_t nl = 0;
    if (cr_nfkc(v, len, &n, &nl)) {
        *out_len = len; /* invalid UTF-8 cannot reach here: records are validated first */
        return v;
    }
    ig->norm.len = 0;
    cr__buf_add(&ig->norm, n, nl);
    free(n);
    *out_len = nl;
    return ig->norm.p ? ig->norm.p : "";
}

static int check_required(const struct cr_topic *t, cr_feed *f, struct verdict *v)
{
    for (int fl = 0; fl < CR__NFIELD; fl++) {
        if (!t->required[fl] || !cr_topic_has(t, (cr_field)fl))
            continue;
        const char *val;
        size_t len;
        cr_feed_value(f, fl, &val, &len);
        if (len == 0) {
            char what[160];
            snprintf(what, sizeof what, "%s (column %s)", cr_field_name((cr_field)fl),
                     cr_feed_slot_label(f, fl));
            size_t tl = 0;
            const char *tok = cr_feed_null_token(f, fl, &tl);
            if (tok)
                reject(v, "missing_field", "mandatory field %s holds the null token '%s'", what,
                       shown(v, tok, tl));
            else
                reject(v, "missing_field", "mandatory field %s is empty", what);
            return 0;
        }
    }
    return 1;
}

/* Resolves the row's enterprise key into key (KEY_CAP bytes) and klen. */
static enum outcome resolve_key(const struct cr_topic *t, cr_feed *f, char key[KEY_CAP],
                                size_t *klen, struct verdict *v)
{
    const char *val;
    size_t len;
    cr_feed_value(f, CR_F_KEY, &val, &len);
    const char *col = cr_feed_slot_label(f, CR_F_KEY);
    if (t->key_type == CR_KEY_USCC) {
        char u[CR_USCC_LEN + 1];
        cr_err rc = cr_uscc_normalize(val, len, u);
        if (rc == CR_ECHECK)
            return reject(v, "bad_uscc_check", "column %s: '%s' has a wrong check character", col,
                          shown(v, val, len));
        if (rc) {
            reject(v, "bad_uscc", "column %s: '%s' is not an 18-character USCC", col,
                   shown(v, val, len));
            size_t dl = strlen(v->detail); /* and why, when it fits */
            if (dl + 3 < sizeof v->detail) {
                memcpy(v->detail + dl, ": ", 2);
                cr_uscc_explain(val, len, v->detail + dl + 2, sizeof v->detail - dl - 2);
            }
            return QUARANTINED;
        }
        memcpy(key, u, CR_USCC_LEN + 1);
        *klen = CR_USCC_LEN;
        return LOADED;
    }
    /* cr_halfwidth never lengthens: a value that fits tmp is converted whole. */
    char tmp[KEY_CAP];
    size_t ns = strlen(t->key_namespace);
    size_t n = len < sizeof tmp ? cr_halfwidth(val, len, tmp) : 0;
    n = cr_zero_fraction_len(tmp, n); /* a numeric key written 1001.0 is 1001 */
    if (len >= sizeof tmp || ns + 1 + n >= KEY_CAP)
        return reject(v, "bad_key", "column %s: '%s' is too long for a key", col,
                      shown(v, val, len));
    memcpy(key, t->key_namespace, ns);
    key[ns] = ':';
    memcpy(key + ns + 1, tmp, n);
    key[ns + 1 + n] = 0;
    *klen = ns + 1 + n;
    return LOADED;
}

/* The subject of a key, created when new. One thread only (registry, roles, retry). */
static cr_err subject_of(ingest *ig, const char *key, size_t klen, struct subj **out)
{
    /* Feeds list an enterprise's rows together: remember the last one. */
    if (ig->last_subj && ig->last_len == klen && memcmp(ig->last_key, key, klen) == 0) {
        *out = ig->last_subj;
        return CR_OK;
    }
    uint64_t h = cr__key_hash(key, klen);
    struct subj *e = cr__smap_find(&ig->subj, key, klen, h);
    if (!e) {
        int64_t id = ++ig->next_subject;
        cr__sink_subject(ig->k, id, key, klen);
        e = cr__smap_put(&ig->subj, key, klen, h, id, 0);
        if (!e)
            return CR_ENOMEM;
    }
    /* smap_put may have moved every entry: only the entry just returned is valid now. */
    ig->last_subj = klen <= sizeof ig->last_key ? e : NULL;
    if (ig->last_subj) {
        memcpy(ig->last_key, key, klen);
        ig->last_len = klen;
    }
    *out = e;
    return CR_OK;
}

/* The subject id of an event's key. In the parallel events pass the registry's map is only
 * read, and keys new to it are looked up and created in par->late under par->mu. */
static cr_err subject_id(ingest *ig, const char *key, size_t klen, int64_t *id, int *registered)
{
    if (!ig->par) {
        struct subj *e;
        cr_err rc = subject_of(ig, key, klen, &e);
        if (!rc) {
            *id = e->id;
            *registered = e->registered;
        }
        return rc;
    }
    if (ig->last_id && ig->last_len == klen && memcmp(ig->last_key, key, klen) == 0) {
        *id = ig->last_id;
        *registered = ig->last_registered;
        return CR_OK;
    }
    uint64_t h = cr__key_hash(key, klen);
    const struct subj *e = cr__smap_find(&ig->subj, key, klen, h);
    if (e) {
        *id = e->id;
        *registered = e->registered;
    } else {
        struct par *p = ig->par;
        pthread_mutex_lock(&p->mu);
        struct subj *n = cr__smap_find(&p->late, key, klen, h);
        if (!n) {
            int64_t nid = ++p->next_subject;
            cr__sink_subject(ig->k, nid, key, klen);
            n = cr__smap_put(&p->late, key, klen, h, nid, 0);
        }
        if (n) {
            *id = n->id;
            *registered = n->registered;
        }
        pthread_mutex_unlock(&p->mu);
        if (!n)
            return CR_ENOMEM;
    }
    ig->last_id = klen <= sizeof ig->last_key ? *id : 0;
    if (ig->last_id) {
        memcpy(ig->last_key, key, klen);
        ig->last_len = klen;
        ig->last_registered = *registered;
    }
    return CR_OK;
}

/* A date field: its day and, for a period (2017, 2017-06), the period as text in period (else
 * ""), to be kept beside the day (docs/catalog.md "Dates"). */
static enum outcome parse_day(const struct cr_topic *t, cr_feed *f, int slot, int32_t *day,
                              int *has, char period[8], struct verdict *v)
{
    const char *val;
    size_t len;
    cr_feed_value(f, slot, &val, &len);
    *has = 0;
    period[0] = 0;
    if (len == 0)
        return LOADED;
    struct cr_date dt;
    cr_err rc =
        cr_date_read(val, len, t->opt[slot].format, t->opt[slot].period_start, t->zone_min, &dt);
    if (rc && cr_date_relative(val, len))
        return reject(v, "relative_date", "column %s: '%s' is a relative date, with no day",
                      cr_feed_slot_label(f, slot), shown(v, val, len));
    if (rc == CR_ERANGE)
        return reject(v, "bad_date", "column %s: '%s' is not a possible date",
                      cr_feed_slot_label(f, slot), shown(v, val, len));
    if (rc)
        return reject(v, "bad_date",
                      t->opt[slot].format ? "column %s: '%s' is not a date in the column's format"
                                          : "column %s: '%s' is not a date",
                      cr_feed_slot_label(f, slot), shown(v, val, len));
    if (dt.prec != CR_DATE_DAY)
        cr_date_period_format(&dt, period);
    *day = dt.day;
    *has = 1;
    return LOADED;
}

static enum outcome parse_money(const struct cr_topic *t, cr_feed *f, int slot, int64_t *fen,
                                int *has, struct verdict *v)
{
    const char *val;
    size_t len;
    cr_feed_value(f, slot, &val, &len);
    *has = 0;
    if (len == 0)
        return LOADED;
    char tmp[100];
    const char *p = val;
    size_t n = len;
    /* A bare number in a 万元 column gets its unit; written units always win. */
    if (t->amount_wan && len + sizeof "万" <= sizeof tmp && !memchr(val, 0xE4, len) &&
        !memchr(val, 0xE5, len)) {
        memcpy(tmp, val, len);
        memcpy(tmp + len, "万", strlen("万"));
        p = tmp;
        n = len + strlen("万");
    }
    cr_err rc = cr_amount_parse(p, n, fen);
    if (rc)
        return reject(v, "bad_amount", "column %s: '%s' is not an amount of money",
                      cr_feed_slot_label(f, slot), shown(v, val, len));
    *has = 1;
    return LOADED;
}

static void canon_field(ingest *ig, const void *p, size_t len)
{
    cr__buf_add(&ig->canon, p, len);
    cr__buf_add(&ig->canon, "\x1f", 1);
}

static void canon_i64(ingest *ig, int64_t v, int has)
{
    /* Fixed-width binary: cheaper than text and unambiguous; "absent" is its own marker. */
    unsigned char b[9];
    b[0] = (unsigned char)has;
    uint64_t u = has ? (uint64_t)v : 0;
    for (int i = 0; i < 8; i++)
        b[1 + i] = (unsigned char)(u >> (8 * i));
    cr__buf_add(&ig->canon, b, sizeof b);
}

static struct hset *topic_set(ingest *ig, int64_t topic)
{
    return topic >= 0 && (size_t)topic < ig->seen.n ? &ig->seen.t[topic] : NULL;
}

static uint64_t le64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

/* The 128-bit hash of the canonical content in ig->canon: SipHash-2-4 with 128-bit output,
 * keyed by the store's salt, so that no one without the salt can write down two rows that
 * collide (the unkeyed cr_hash64 could be inverted by hand). lo is stored with the row; in a
 * store whose rows were hashed with cr_hash64 before (cr_store_row_hash_keyed), lo stays that
 * hash so that rows of earlier runs are still recognised. A hi of 0 marks "unknown": 1 here. */
static struct hkey content_hash(const ingest *ig)
{
    unsigned char out[crypto_shorthash_siphashx24_BYTES];
    crypto_shorthash_siphashx24(out, (const unsigned char *)ig->canon.p, ig->canon.len, ig->rowkey);
    struct hkey k = {le64(out), le64(out + 8)};
    if (!ig->keyed)
        k.lo = cr_hash64(ig->canon.p, ig->canon.len, 0x64656475u);
    k.hi += !k.hi;
    return k;
}

/* Returns LOADED or DUPLICATE for the canonical content in ig->canon, and its hash. */
static enum outcome dedupe(ingest *ig, int64_t topic, int64_t *h, int *oom)
{
    struct hkey hv = content_hash(ig);
    struct hset *set = topic_set(ig, topic);
    int r = set ? cr__hset_add(set, hv) : -1;
    *h = (int64_t)hv.lo;
    *oom = r < 0 || ig->canon.oom;
    return r == 0 ? DUPLICATE : LOADED;
}

/* Makes the oldest probes until at most keep are left; a duplicate found is taken back from
 * the batch and moved from loaded to duplicates in fr. */
static cr_err probes_settle(ingest *ig, struct cr_file_rec *fr, size_t keep)
{
    struct probes *q = &ig->probes;
    while (q->n > keep) {
        struct probe *e = &q->v[q->head];
        q->head = (q->head + 1) % PROBE_LAG;
        q->n--;
        int r = cr__hset_add(e->set, e->h);
        if (r < 0)
            return CR_ENOMEM;
        if (r == 0) {
            cr__sink_event_drop(ig->out, e->mark);
            fr->n_loaded--;
            fr->n_duplicate++;
            ig->rep->unlinked -= e->unlinked;
        }
    }
    return CR_OK;
}

/* The row's kept columns as a JSON object in ig->attrs (empty when none has a value), and a
 * date's period under name when period is not "". */
static void build_attrs(ingest *ig, const struct cr_topic *t, cr_feed *f, const char *name,
                        const char *period)
{
    ig->attrs.len = 0;
    for (size_t i = 0; i < t->n_attrs; i++) {
        const char *val;
        size_t len;
        cr_feed_value(f, CR_FEED_ATTR(i), &val, &len);
        if (!len)
            continue;
        cr__buf_add(&ig->attrs, ig->attrs.len ? "," : "{", 1);
        const char *label = cr_feed_slot_label(f, CR_FEED_ATTR(i));
        cr__buf_json(&ig->attrs, label, strlen(label));
        cr__buf_add(&ig->attrs, ":", 1);
        size_t nl;
        const char *n = normalize(ig, val, len, &nl);
        cr__buf_json(&ig->attrs, n, nl);
    }
    if (period[0]) { /* an annual report for 2017 is not an event of 2017-12-31 */
        cr__buf_add(&ig->attrs, ig->attrs.len ? "," : "{", 1);
        cr__buf_json(&ig->attrs, name, strlen(name));
        cr__buf_add(&ig->attrs, ":", 1);
        cr__buf_json(&ig->attrs, period, strlen(period));
    }
    if (ig->attrs.len)
        cr__buf_add(&ig->attrs, "}", 1);
}

static enum outcome event_row(ingest *ig, const struct cr_topic *t, int64_t topic_id, cr_feed *f,
                              const char *key, size_t klen, struct verdict *v, cr_err *err)
{
    int32_t day = 0;
    int64_t fen = 0;
    int has_day, has_amount;
    char period[8];
    /* The subject is looked up at the end of the row; its slot is fetched meanwhile. */
    if (ig->par && !(ig->last_id && ig->last_len == klen && memcmp(ig->last_key, key, klen) == 0))
        cr__smap_prefetch(&ig->subj, cr__key_hash(key, klen));
    if (parse_day(t, f, CR_F_DATE, &day, &has_day, period, v) == QUARANTINED ||
        (parse_money(t, f, CR_F_AMOUNT, &fen, &has_amount, v) == QUARANTINED &&
         !drop_bad(ig, t, CR_F_AMOUNT, v)))
        return QUARANTINED;
    if (!has_day) /* only a topic with as_of lets a row without a date through */
        day = t->as_of_day;
    build_attrs(ig, t, f, CR_PERIOD_ATTR, period);
    ig->canon.len = 0;
    canon_i64(ig, topic_id, 1);
    canon_field(ig, key, klen);
    canon_i64(ig, day, 1);
    canon_i64(ig, fen, has_amount);
    canon_field(ig, ig->attrs.p, ig->attrs.len);
    struct probes *q = &ig->probes;
    int oom = 0;
    int64_t h;
    struct hkey hk = {0, 0};
    enum outcome o = LOADED;
    if (q->on) {
        /* Probed PROBE_LAG rows later (probes_settle); a duplicate's key is known, so looking
         * it up below creates nothing. */
        hk = content_hash(ig);
        h = (int64_t)hk.lo;
        oom = !topic_set(ig, topic_id) || ig->canon.oom;
        if (!oom)
            cr__hset_prefetch(topic_set(ig, topic_id), hk.lo);
    } else {
        o = dedupe(ig, topic_id, &h, &oom);
    }
    if (oom || ig->attrs.oom) {
        *err = CR_ENOMEM;
        return o;
    }
    int64_t subject;
    int registered;
    if (o == DUPLICATE || (*err = subject_id(ig, key, klen, &subject, &registered)))
        return o;
    size_t mark = cr__sink_event(ig->out, subject, topic_id, day, has_amount ? &fen : NULL,
                                 ig->attrs.len ? ig->attrs.p : NULL, ig->attrs.len, h);
    if (!registered)
        ig->rep->unlinked++;
    if (q->on)
        q->v[(q->head + q->n++) % PROBE_LAG] =
            (struct probe){topic_set(ig, topic_id), hk, mark, !registered};
    return LOADED;
}

/* A malloc'd, NUL-terminated, NFKC-normalised copy of a slot's value; NULL when empty.
 * Sets *oom on allocation failure. */
static char *value_copy(ingest *ig, cr_feed *f, int slot, int *oom)
{
    const char *val;
    size_t len;
    cr_feed_value(f, slot, &val, &len);
    if (!len)
        return NULL;
    size_t nl;
    const char *n = normalize(ig, val, len, &nl);
    char *c = malloc(nl + 1);
    if (!c) {
        *oom = 1;
        return NULL;
    }
    memcpy(c, n, nl);
    c[nl] = 0;
    return c;
}

/* A street or grid code (len digits) that cannot be checked: it lies in a county the reference
 * knows but holds no streets and grids of (any city but Guangzhou, unless a catalog adds them). */
static int unverified_division(const cr_ref *ref, const char *c, size_t len)
{
    char county[7];
    if (len < 9 || strlen(c) != len || strspn(c, "0123456789") != len)
        return 0;
    memcpy(county, c, 6);
    county[6] = 0;
    return cr_ref_division_find(ref, county) && !cr_ref_division_covered(ref, county);
}

/* Checks the registry row's division codes against the reference data and fills the ones the
 * row leaves out from the finer ones or from the address. */
static enum outcome divisions(ingest *ig, const struct cr_topic *t, cr_feed *f,
                              struct cr_enterprise_rec *r, char **own, const struct cr_addr *addr,
                              char derived[2][16], struct verdict *v)
{
    static const int slots[3] = {CR_F_DISTRICT, CR_F_STREET, CR_F_GRID};
    static const size_t lens[3] = {6, 9, 12};
    const char **codes[3] = {&r->district, &r->street, &r->grid};
    for (int i = 0; i < 3; i++) {
        const char *c = own[i];
        if (!c)
            continue;
        const struct cr_division *dv = cr_ref_division_find(ig->ref, c);
        if (!dv && unverified_division(ig->ref, c, lens[i])) {
            ig->row_unverified++; /* another city's street or grid: kept as given, counted */
            *codes[i] = c;
            continue;
        }
        if (!dv || strlen(c) != lens[i]) {
            reject(v, "bad_division", "column %s: '%s' is not a division code (GB/T 2260)",
                   cr_feed_slot_label(f, slots[i]), shown(v, c, strlen(c)));
            if (!drop_bad(ig, t, slots[i], v))
                return QUARANTINED;
            continue;
        }
        *codes[i] = c;
    }
    /* Finer codes imply coarser ones; given coarser ones must agree. */
    if (r->grid && r->street && strncmp(r->grid, r->street, 9) != 0) {
        reject(v, "bad_division", "grid %s is not in street %s", r->grid, r->street);
        if (!drop_bad(ig, t, CR_F_GRID, v))
            return QUARANTINED;
        r->grid = NULL; /* the finer code is the one left out */
    }
    if (r->grid) {
        memcpy(derived[1], r->grid, 9);
        derived[1][9] = 0;
        r->street = r->street ? r->street : derived[1];
    }
    if (r->street && r->district && strncmp(r->street, r->district, 6) != 0) {
        reject(v, "bad_division", "street %s is not in district %s", r->street, r->district);
        if (!drop_bad(ig, t, r->street == derived[1] ? CR_F_GRID : CR_F_STREET, v))
            return QUARANTINED;
        r->street = r->grid = NULL;
    }
    if (r->street) {
        memcpy(derived[0], r->street, 6);
        derived[0][6] = 0;
        r->district = r->district ? r->district : derived[0];
    }
    if (!r->district && addr && addr->district[0])
        r->district = addr->district;
    if (!r->street && addr && addr->street[0] && strncmp(addr->street, r->district, 6) == 0)
        r->street = addr->street;
    return LOADED;
}

/* Reads a decimal degree in [lo, hi] from s; -1 when it is not one (or too long to be one). */
static int parse_coord(const char *s, size_t len, double lo, double hi, double *out)
{
    char buf[32];
    if (len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    /* Decimal only: strtod would also read hex (0x71), nan and inf. */
    if (strspn(buf, "0123456789.+-eE") != len)
        return -1;
    char *end;
    double x = strtod(buf, &end);
    if (end == buf || *end || !(x >= lo && x <= hi))
        return -1;
    *out = x;
    return 0;
}

static enum outcome registry_row(ingest *ig, const struct cr_topic *t, int64_t topic_id, cr_feed *f,
                                 const char *key, size_t klen, struct verdict *v, cr_err *err)
{
    struct cr_enterprise_rec r = {.topic = topic_id};
    int oom = 0;
    enum outcome o = LOADED;
    char *text[6] = {0}; /* name, type, status, address, industry, and a spare */
    char *own[3] = {0};  /* district, street, grid as given */
    static const int text_slots[4] = {CR_F_NAME, CR_F_TYPE, CR_F_STATUS, CR_F_ADDRESS};
    for (int i = 0; i < 4; i++)
        text[i] = value_copy(ig, f, text_slots[i], &oom);
    static const int div_slots[3] = {CR_F_DISTRICT, CR_F_STREET, CR_F_GRID};
    for (int i = 0; i < 3; i++)
        if ((own[i] = value_copy(ig, f, div_slots[i], &oom)))
            own[i][cr_zero_fraction_len(own[i], strlen(own[i]))] = 0; /* 440106.0 */
    if (oom)
        goto nomem;
    r.uscc = t->key_type == CR_KEY_USCC ? key : NULL;
    r.name = text[0] ? text[0] : ""; /* name is optional (docs/catalog.md) */
    r.type = text[1];
    r.status = text[2];
    r.address = text[3];
    const char *ind;
    size_t ind_len;
    cr_feed_value(f, CR_F_INDUSTRY, &ind, &ind_len);
    char indbuf[16];
    if (ind_len) {
        char code[64];
        /* Text is compared as NFKC keeps it (Ｍ７５１３ is M7513), the section letter in upper
         * case (m7513). */
        size_t n = ind_len < sizeof code ? cr_halfwidth(ind, ind_len, code) : 0;
        n = n < 16 ? cr_zero_fraction_len(code, n) : 0; /* 7513.0 */
        code[n] = 0;
        if (code[0] >= 'a' && code[0] <= 'z')
            code[0] = (char)(code[0] - 'a' + 'A');
        const struct cr_industry *in = n ? cr_ref_industry_find(ig->ref, code) : NULL;
        if (!in) {
            o = reject(v, "bad_industry", "column %s: '%s' is not a GB/T 4754-2017 code",
                       cr_feed_slot_label(f, CR_F_INDUSTRY), shown(v, ind, ind_len));
            if (!drop_bad(ig, t, CR_F_INDUSTRY, v))
                goto out;
            o = LOADED;
        } else {
            snprintf(indbuf, sizeof indbuf, in->level == 1 ? "%c" : "%c%s", in->section, in->code);
            r.industry = indbuf;
        }
    }
    int has;
    char period[8];
    if ((parse_money(t, f, CR_F_CAPITAL, &r.capital_fen, &has, v) == QUARANTINED &&
         !drop_bad(ig, t, CR_F_CAPITAL, v)) ||
        (parse_day(t, f, CR_F_ESTABLISHED, &r.established, &r.has_established, period, v) ==
             QUARANTINED &&
         !drop_bad(ig, t, CR_F_ESTABLISHED, v))) {
        o = QUARANTINED;
        goto out;
    }
    r.has_capital = has;
    struct cr_addr addr;
    int has_addr =
        r.address && cr_addr_normalize(ig->ref, r.address, strlen(r.address), &addr) == CR_OK;
    if (has_addr)
        r.addr_key = addr.key;
    char derived[2][16];
    if ((o = divisions(ig, t, f, &r, own, has_addr ? &addr : NULL, derived, v)) == QUARANTINED)
        goto out;
    const char *lon, *lat;
    size_t lon_len, lat_len;
    cr_feed_value(f, CR_F_LON, &lon, &lon_len);
    cr_feed_value(f, CR_F_LAT, &lat, &lat_len);
    if (lon_len && lat_len) {
        /* Both finite, decimal and inside the topic's bounds (0,0 is no place in a city's
         * registry), or neither is kept. */
        if (parse_coord(lon, lon_len, -180, 180, &r.lon) ||
            parse_coord(lat, lat_len, -90, 90, &r.lat) || !cr_topic_in_bounds(t, r.lon, r.lat)) {
            o = reject(v, "bad_coordinates",
                       "columns %s/%s: '%s', '%s' are not finite coordinates inside the topic's "
                       "bounds",
                       cr_feed_slot_label(f, CR_F_LON), cr_feed_slot_label(f, CR_F_LAT),
                       shown_at(v, 0, lon, lon_len), shown_at(v, 1, lat, lat_len));
            r.lon = r.lat = 0; /* never cast inf to an integer for the row's content */
            if (!drop_bad(ig, t, t->opt[CR_F_LON].on_error_null ? CR_F_LON : CR_F_LAT, v))
                goto out;
            o = LOADED;
        } else {
            r.has_coords = 1;
        }
    }
    ig->canon.len = 0;
    canon_i64(ig, topic_id, 1);
    canon_field(ig, key, klen);
    const char *vals[] = {r.name,    r.type,     r.industry, r.status,
                          r.address, r.district, r.street,   r.grid};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++)
        canon_field(ig, vals[i] ? vals[i] : "", vals[i] ? strlen(vals[i]) : 0);
    canon_i64(ig, r.capital_fen, r.has_capital);
    canon_i64(ig, r.established, r.has_established);
    canon_i64(ig, (int64_t)(r.lon * 1e6), r.has_coords);
    canon_i64(ig, (int64_t)(r.lat * 1e6), r.has_coords);
    build_attrs(ig, t, f, CR_ESTABLISHED_PERIOD_ATTR, period);
    r.attrs = ig->attrs.len ? ig->attrs.p : NULL;
    canon_field(ig, ig->attrs.p, ig->attrs.len);
    o = dedupe(ig, topic_id, &r.h, &oom);
    oom |= ig->attrs.oom;
    if (oom)
        goto nomem;
    struct subj *subject = NULL;
    if (o == LOADED && (*err = subject_of(ig, key, klen, &subject)))
        goto out;
    if (o == LOADED) {
        r.subject = subject->id;
        cr__sink_enterprise(ig->out, &r);
        subject->registered = 1;
    }
    goto out;
nomem:
    *err = CR_ENOMEM;
out:
    for (int i = 0; i < 6; i++)
        free(text[i]);
    for (int i = 0; i < 3; i++)
        free(own[i]);
    return o;
}

static enum outcome roles_row(ingest *ig, const struct cr_topic *t, int64_t topic_id, cr_feed *f,
                              const char *key, size_t klen, struct verdict *v, cr_err *err)
{
    const char *pid;
    size_t pid_len;
    cr_feed_value(f, CR_F_PERSON_ID, &pid, &pid_len);
    /* Room for 18 full-width characters (3 bytes each) and more; cr_halfwidth never
     * lengthens, so a value that fits is converted whole, and a longer one cannot be an ID. The
     * value itself is never shown: it may be a real person's number. */
    char id[64];
    if (pid_len > sizeof id)
        return reject(v, "bad_person_id",
                      "column %s: the value (%zu bytes) is too long for a resident ID number",
                      cr_feed_slot_label(f, CR_F_PERSON_ID), pid_len);
    size_t n = cr_halfwidth(pid, pid_len, id);
    if (n == 18 && id[17] == 'x')
        id[17] = 'X';
    if (n != 18 || !cr_resident_id_valid(id, n))
        return reject(v, "bad_person_id", "column %s: the value is not a valid resident ID number",
                      cr_feed_slot_label(f, CR_F_PERSON_ID));
    unsigned char idhash[16];
    crypto_generichash(idhash, sizeof idhash, (const unsigned char *)id, 18, ig->salt,
                       sizeof ig->salt);
    int32_t day = 0;
    int has_day, oom = 0;
    char period[8]; /* a role's start keeps its day only (docs/catalog.md) */
    if (parse_day(t, f, CR_F_DATE, &day, &has_day, period, v) == QUARANTINED &&
        !drop_bad(ig, t, CR_F_DATE, v))
        return QUARANTINED;
    char *name = value_copy(ig, f, CR_F_PERSON_NAME, &oom);
    char *role = value_copy(ig, f, CR_F_ROLE, &oom);
    enum outcome o = LOADED;
    int64_t h, person;
    if (oom || !role)
        goto nomem;
    ig->canon.len = 0;
    canon_i64(ig, topic_id, 1);
    canon_field(ig, key, klen);
    canon_field(ig, idhash, sizeof idhash);
    canon_field(ig, role, strlen(role));
    canon_i64(ig, day, has_day);
    o = dedupe(ig, topic_id, &h, &oom);
    if (oom)
        goto nomem;
    int64_t subject;
    int registered;
    if (o == LOADED && (*err = subject_id(ig, key, klen, &subject, &registered)))
        goto out;
    if (o == LOADED) {
        struct pent *pe = cr__pmap_slot(&ig->persons, idhash);
        if (!pe)
            goto nomem;
        if (!pe->id) {
            memcpy(pe->h, idhash, 16);
            pe->id = ++ig->next_person;
            ig->persons.n++;
            cr__sink_person(ig->out, pe->id, idhash, name);
        }
        person = pe->id;
        cr__sink_role(ig->out, subject, person, role, has_day ? &day : NULL, topic_id, h);
    }
    goto out;
nomem:
    *err = CR_ENOMEM;
out:
    free(name);
    free(role);
    return o;
}

/* The raw text to keep for a quarantined row. A roles row carries a person's ID number, which
 * is never stored: it is masked in the copy. Returns a malloc'd copy or NULL (use raw as is). */
static char *masked_raw(const struct cr_topic *t, cr_feed *f, const struct cr_feed_rec *rec)
{
    const char *pid;
    size_t len;
    if (t->role != CR_TOPIC_ROLES)
        return NULL;
    cr_feed_value(f, CR_F_PERSON_ID, &pid, &len);
    char *copy = malloc(rec->raw_len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, rec->raw, rec->raw_len);
    copy[rec->raw_len] = 0;
    for (size_t i = 0; len >= 6 && i + len <= rec->raw_len; i++)
        if (memcmp(copy + i, pid, len) == 0)
            memset(copy + i, '*', len);
    /* An unparsed row may hold an ID anywhere: mask every run of 15 or more digits. */
    size_t run = 0;
    for (size_t i = 0; i <= rec->raw_len; i++) {
        int digit = i < rec->raw_len && ((copy[i] >= '0' && copy[i] <= '9') || copy[i] == 'X');
        if (digit) {
            run++;
            continue;
        }
        if (run >= 15)
            memset(copy + i - run, '*', run);
        run = 0;
    }
    return copy;
}

/* Reads one record through the topic's mapping and, when it is good, queues its rows.
 * Returns the outcome in *o and, for a quarantined record, why in *v. */
static cr_err evaluate(ingest *ig, const struct cr_topic *t, int64_t topic_id, cr_feed *f,
                       const struct cr_feed_rec *rec, enum outcome *o, struct verdict *v)
{
    cr_err err = CR_OK;
    char key[KEY_CAP];
    size_t klen = 0;
    *o = QUARANTINED;
    v->reason = NULL;
    v->detail[0] = 0;
    ig->n_row_nulled = 0;
    ig->row_unverified = 0;
    if (rec->reason) {
        v->reason = rec->reason;
        snprintf(v->detail, sizeof v->detail, "%s", rec->detail);
    } else if (check_required(t, f, v) && resolve_key(t, f, key, &klen, v) == LOADED) {
        if (t->role == CR_TOPIC_EVENTS)
            *o = event_row(ig, t, topic_id, f, key, klen, v, &err);
        else if (t->role == CR_TOPIC_REGISTRY)
            *o = registry_row(ig, t, topic_id, f, key, klen, v, &err);
        else
            *o = roles_row(ig, t, topic_id, f, key, klen, v, &err);
    }
    return err;
}

static cr_err process_record(ingest *ig, const struct cr_topic *t, int64_t topic_id, cr_feed *f,
                             const struct cr_feed_rec *rec, int64_t file_id, struct cr_file_rec *fr)
{
    struct verdict v;
    enum outcome o;
    fr->n_read++;
    cr_err err = evaluate(ig, t, topic_id, f, rec, &o, &v);
    if (err)
        return err;
    if (o != QUARANTINED)
        ig->rep->unverified_divisions += ig->row_unverified;
    for (int i = 0; o != QUARANTINED && i < ig->n_row_nulled; i++)
        if (count_nulled(ig->rep, ig->row_nulled[i], 1))
            return CR_ENOMEM;
    if (o == LOADED) {
        fr->n_loaded++;
    } else if (o == DUPLICATE) {
        fr->n_duplicate++;
    } else {
        fr->n_quarantined++;
        char *masked = masked_raw(t, f, rec);
        cr__sink_quarantine(ig->out, file_id, topic_id, rec->line, v.reason, v.detail,
                            masked ? masked : rec->raw, masked ? strlen(masked) : rec->raw_len);
        free(masked);
        if (count_reason(ig->rep, v.reason))
            return CR_ENOMEM;
    }
    return CR_OK;
}

static struct cr_ingest_file *add_file_report(struct cr_ingest_report *r, const char *path,
                                              const char *topic)
{
    void *p = realloc(r->files, (r->n_files + 1) * sizeof *r->files);
    if (!p)
        return NULL;
    r->files = p;
    struct cr_ingest_file *fr = &r->files[r->n_files];
    memset(fr, 0, sizeof *fr);
    fr->path = strdup(path);
    fr->topic = strdup(topic);
    if (!fr->path || !fr->topic) {
        free(fr->path);
        free(fr->topic);
        return NULL;
    }
    r->n_files++;
    return fr;
}

#define FAIL_CAP 512

/* Records why the run fails, unless a thread did so first; returns rc. */
CR_FORMAT(3, 4)
static cr_err fail_note(ingest *ig, cr_err rc, const char *fmt, ...)
{
    if (ig->par)
        pthread_mutex_lock(&ig->par->mu);
    if (ig->fail && !ig->fail[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ig->fail, FAIL_CAP, fmt, ap);
        va_end(ap);
    }
    if (ig->par)
        pthread_mutex_unlock(&ig->par->mu);
    return rc;
}

/* The file's identity when its ingest starts: checked at every resume point, because the rows
 * read come from a copy taken when it was opened (cr_feed_open) and must stay those the
 * file holds. */
struct file_id {
    off_t size;
    ino_t ino;
    struct timespec mtime;
};

static int file_id_get(const char *path, struct file_id *id)
{
    struct stat st;
    if (stat(path, &st))
        return -1;
    *id = (struct file_id){st.st_size, st.st_ino, st.st_mtim};
    return 0;
}

/* CR_EIO with the run's failure noted when the file at full is no longer what was opened. */
static cr_err file_unchanged(ingest *ig, const char *rel, const char *full,
                             const struct file_id *was)
{
    struct file_id now;
    if (file_id_get(full, &now))
        return fail_note(ig, CR_EIO,
                         "%s: removed while it was read; rows after its last resume point were "
                         "not kept (run ingest again)",
                         rel);
    if (now.size == was->size && now.ino == was->ino && now.mtime.tv_sec == was->mtime.tv_sec &&
        now.mtime.tv_nsec == was->mtime.tv_nsec)
        return CR_OK;
    return fail_note(ig, CR_EIO,
                     "%s: changed while it was read (%lld bytes when opened, %lld now); rows "
                     "after its last resume point were not kept (run ingest again)",
                     rel, (long long)was->size, (long long)now.size);
}

/* The test hooks of the row just processed (see struct ingest). */
static cr_err test_hooks(ingest *ig)
{
    ig->rows_seen++;
    if (ig->rows_seen == ig->fault_row) /* as a failing disk or store would give */
        return fail_note(ig, CR_EIO, "fault injected at row %lld (CRISK_FAULT_ROW)",
                         (long long)ig->rows_seen);
    if (ig->rows_seen == ig->pause_row && ig->pause_file) {
        int fd = open(ig->pause_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
        /* At most 10 minutes: a test that died must not leave an ingest behind forever. */
        struct timespec tick = {0, 10 * 1000 * 1000};
        for (int i = 0; fd >= 0 && i < 60000 && access(ig->pause_file, F_OK) == 0; i++)
            nanosleep(&tick, NULL);
    }
    return CR_OK;
}

static cr_err ingest_file(ingest *ig, const struct cr_topic *t, int64_t topic_id, const char *rel,
                          const char *full)
{
    struct cr_ingest_file *out = add_file_report(ig->rep, rel, t->code);
    if (!out)
        return CR_ENOMEM;
    cr_feed *f = NULL;
    cr_diag fd = {{0}, {0}, 0, 0};
    struct file_id fid;
    int have_id = file_id_get(full, &fid) == 0; /* before the copy is taken */
    cr_err rc = cr_feed_open(full, t, &f, &fd);
    if (!rc && !have_id) {
        cr_feed_close(f);
        f = NULL;
        rc = cr_diag_set(&fd, CR_EIO, full, 0, 0, "feed changed while it was opened");
    }
    if (rc == CR_ENOMEM)
        return rc;
    if (rc) {
        char msg[900];
        snprintf(fd.file, sizeof fd.file, "%s", rel);
        out->error = strdup(cr_diag_format(&fd, msg, sizeof msg));
        ig->rep->n_file_errors++;
        return out->error ? CR_OK : CR_ENOMEM;
    }
    struct cr_file_rec fr = {0};
    const struct known_file *known = NULL;
    for (size_t i = 0; i < ig->files.n && !known; i++)
        if (ig->files.v[i].rec.topic == topic_id && ig->files.v[i].rec.hash == cr_feed_hash(f) &&
            strcmp(ig->files.v[i].path, rel) == 0)
            known = &ig->files.v[i];
    if (known && known->rec.done) {
        out->skipped = 1;
        goto out;
    }
    if (known) {
        fr = known->rec;
        out->resumed = 1;
        if ((rc = cr_feed_seek(f, fr.next_offset, (long)fr.next_line)))
            goto out;
    } else {
        int64_t id;
        if (ig->par) {
            pthread_mutex_lock(&ig->par->mu);
            id = ++ig->par->next_file;
            pthread_mutex_unlock(&ig->par->mu);
        } else {
            id = ++ig->next_file;
        }
        fr = (struct cr_file_rec){.id = id,
                                  .topic = topic_id,
                                  .size = cr_feed_size(f),
                                  .hash = cr_feed_hash(f),
                                  .next_line = 1};
        cr__sink_file(ig->out, rel, &fr);
    }
    struct cr_feed_rec rec;
    int64_t since = 0;
    ig->probes.on = t->role == CR_TOPIC_EVENTS;
    while ((rc = cr_feed_next(f, &rec)) == CR_OK) {
        if ((rc = probes_settle(ig, &fr, PROBE_LAG - 1)) ||
            (rc = process_record(ig, t, topic_id, f, &rec, fr.id, &fr)))
            goto out;
        if ((ig->fault_row || ig->pause_row) && (rc = test_hooks(ig)))
            goto out;
        fr.next_offset = rec.next_offset;
        fr.next_line = rec.next_line;
        if (++since >= ig->batch_rows || cr__sink_batch_full(ig->out)) {
            since = 0;
            if ((rc = probes_settle(ig, &fr, 0)) || (rc = file_unchanged(ig, rel, full, &fid)))
                goto out;
            cr__sink_file(ig->out, rel, &fr);
            cr__sink_commit(ig->out);
            if ((rc = cr__sink_error(ig->k)))
                goto out;
        }
    }
    if (rc != CR_ENOTFOUND || (rc = probes_settle(ig, &fr, 0)) ||
        (rc = file_unchanged(ig, rel, full, &fid)))
        goto out;
    fr.done = 1;
    cr__sink_file(ig->out, rel, &fr);
    cr__sink_commit(ig->out);
    rc = cr__sink_error(ig->k);
out:
    if (probes_settle(ig, &fr, 0) && !rc) /* counts stay whole on every path */
        rc = CR_ENOMEM;
    ig->probes = (struct probes){0};
    out->read = fr.n_read;
    out->loaded = fr.n_loaded;
    out->duplicates = fr.n_duplicate;
    out->quarantined = fr.n_quarantined;
    if (out->skipped)
        out->read = out->loaded = out->duplicates = out->quarantined = 0;
    cr_feed_close(f);
    return rc;
}

/* Finds the files of a catalog file pattern (relative to the catalog's folder unless
 * absolute) with glob(3); *prefix is the length of the folder part of each path found. */
static int glob_files(const cr_catalog *cat, const char *file, glob_t *g, size_t *prefix)
{
    char pattern[2048];
    int absolute = file[0] == '/';
    snprintf(pattern, sizeof pattern, "%s%s%s", absolute ? "" : cat->dir, absolute ? "" : "/",
             file);
    *prefix = absolute ? 0 : strlen(cat->dir) + 1;
    return glob(pattern, 0, NULL, g);
}

/* The files a topic's patterns matched so far, by device and inode: a file two patterns
 * match ("*.csv" and "p*.csv", or one listed twice) is read once. */
struct matched {
    struct matched_file {
        dev_t dev;
        ino_t ino;
    } * v;
    size_t n, cap;
};

/* 1 when full was matched before, else remembers it (*oom set when it cannot). A file that
 * cannot be stat'ed is not remembered: its ingest reports why it cannot be read. */
static int matched_before(struct matched *m, const char *full, int *oom)
{
    struct stat st;
    if (stat(full, &st))
        return 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].dev == st.st_dev && m->v[i].ino == st.st_ino)
            return 1;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        void *p = realloc(m->v, cap * sizeof *m->v);
        if (!p) {
            *oom = 1;
            return 1;
        }
        m->v = p;
        m->cap = cap;
    }
    m->v[m->n++] = (struct matched_file){st.st_dev, st.st_ino};
    return 0;
}

static cr_err ingest_pattern(ingest *ig, const struct cr_topic *t, int64_t topic_id,
                             const char *pattern, struct matched *seen)
{
    glob_t g;
    size_t prefix;
    int grc = glob_files(ig->cat, pattern, &g, &prefix);
    if (grc == GLOB_NOMATCH) {
        /* Listed like a file, so that every report names the pattern: a typo in a catalog
         * otherwise loads nothing without a word. */
        struct cr_ingest_file *fr = add_file_report(ig->rep, pattern, t->code);
        if (!fr)
            return CR_ENOMEM;
        fr->unmatched = 1;
        ig->rep->n_unmatched_patterns++;
        return CR_OK;
    }
    if (grc)
        return grc == GLOB_NOSPACE ? CR_ENOMEM : CR_EIO;
    cr_err rc = CR_OK;
    int oom = 0;
    for (size_t k = 0; k < g.gl_pathc && !rc; k++)
        if (!matched_before(seen, g.gl_pathv[k], &oom))
            rc = ingest_file(ig, t, topic_id, g.gl_pathv[k] + prefix, g.gl_pathv[k]);
    globfree(&g);
    return rc ? rc : oom ? CR_ENOMEM : CR_OK;
}

static cr_err ingest_topic(ingest *ig, const struct cr_topic *t, int64_t topic_id)
{
    struct hset *set = topic_set(ig, topic_id);
    if (set && cr__hset_reserve(set, set->n + ig->topic_rows[t - ig->cat->topics]))
        return CR_ENOMEM;
    struct matched seen = {0};
    cr_err rc = CR_OK;
    for (size_t i = 0; i < t->n_files && !rc; i++)
        rc = ingest_pattern(ig, t, topic_id, t->files[i], &seen);
    free(seen.v);
    return rc;
}

static int cmp_reason(const void *a, const void *b)
{
    const struct cr_ingest_reason *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->reason, y->reason);
}

/* Rows are guessed from feed bytes, to size tables before reading them: from the lines in the
 * first SAMPLE_BYTES of a topic's first file, else ROW_BYTES a row. */
#define ROW_BYTES 64
#define SAMPLE_BYTES 16384

static size_t bytes_per_row(const char *path)
{
    char buf[SAMPLE_BYTES];
    /* Non-blocking, regular files only: a FIFO would wait for a writer (cr_feed_open refuses
     * it with a message). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return ROW_BYTES;
    ssize_t got = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, sizeof buf) : -1;
    close(fd);
    size_t n = got > 0 ? (size_t)got : 0, lines = 0;
    for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++)
        lines++;
    return lines >= 8 ? n / lines : n < sizeof buf && lines ? n / lines + 1 : ROW_BYTES;
}

/* The bytes of a topic's files not yet ingested to the end (judged by path and size), and in
 * *rows a guess of the rows they hold. */
static size_t topic_bytes(const ingest *ig, const struct cr_topic *t, int64_t topic_id,
                          size_t *rows)
{
    size_t total = 0, per_row = 0;
    for (size_t k = 0; k < t->n_files; k++) {
        glob_t g;
        size_t prefix;
        if (glob_files(ig->cat, t->files[k], &g, &prefix) == 0)
            for (size_t j = 0; j < g.gl_pathc; j++) {
                struct stat st;
                if (stat(g.gl_pathv[j], &st))
                    continue;
                int done = 0;
                for (size_t n = 0; n < ig->files.n && !done; n++)
                    done = ig->files.v[n].rec.done && ig->files.v[n].rec.topic == topic_id &&
                           ig->files.v[n].rec.size == (int64_t)st.st_size &&
                           strcmp(ig->files.v[n].path, g.gl_pathv[j] + prefix) == 0;
                if (done)
                    continue;
                total += (size_t)st.st_size;
                if (!per_row)
                    per_row = bytes_per_row(g.gl_pathv[j]);
            }
        globfree(&g);
    }
    *rows = per_row ? total / per_row + total / per_row / 16 + 64 : 0; /* and a margin */
    return total;
}

/* A bulk load (more new rows than a quarter of what the store holds) drops the lookup
 * indexes, to build them once at the end. */
static cr_err maybe_bulk(ingest *ig, size_t incoming_rows)
{
    int64_t subjects, persons, roles;
    if (cr_store_max_id(ig->s, "subject", &subjects) ||
        cr_store_max_id(ig->s, "person", &persons) ||
        cr_store_scalar(ig->s, "SELECT coalesce(max(rowid), 0) FROM role", &roles))
        return CR_ESTORE;
    double incoming = (double)incoming_rows;
    double stored = (double)(subjects + persons + roles);
    return incoming >= stored / 4 ? cr_store_drop_indexes(ig->s) : CR_OK;
}

/* One de-duplication set per topic id, filled here with the hashes the store holds; ingest_topic
 * grows each once, to the rows its files are guessed to hold, before reading them. */
static cr_err make_sets(ingest *ig)
{
    int64_t max_id = 0;
    if (cr_store_scalar(ig->s, "SELECT coalesce(max(id), 0) FROM topic", &max_id))
        return CR_ESTORE;
    ig->seen.n = (size_t)max_id + 1;
    ig->seen.t = calloc(ig->seen.n, sizeof *ig->seen.t);
    return ig->seen.t ? CR_OK : CR_ENOMEM;
}

/* A topic's code names its kind and department in every row stored under it: a catalog that
 * changed them would relabel those rows (a penalty of one department read as another's
 * complaint). Only the name may change. CR_ECHECK with the topic, both values and the remedy. */
static cr_err check_identity(ingest *ig)
{
    for (size_t i = 0; i < ig->cat->n_topics; i++) {
        const struct cr_topic *t = &ig->cat->topics[i];
        char kind[128], dept[128];
        int found = 0, has_rows = 0;
        if (cr_store_topic_identity(ig->s, t->code, kind, sizeof kind, dept, sizeof dept, &found,
                                    &has_rows))
            return cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "cannot read the stored topics: %s",
                               cr_store_errmsg(ig->s));
        if (!found || !has_rows)
            continue;
        const char *what = strcmp(kind, t->kind) != 0         ? "kind"
                           : strcmp(dept, t->department) != 0 ? "department"
                                                              : NULL;
        if (!what)
            continue;
        int is_kind = what[0] == 'k';
        return cr_diag_set(ig->d, CR_ECHECK, ig->cat->path, t->line, 0,
                           "topic %s: %s '%s' differs from the stored topic's %s '%s'; rows of %s "
                           "are stored as %s, and a topic's kind and department are fixed once "
                           "rows are stored: give this topic a new code",
                           t->code, what, is_kind ? t->kind : t->department, what,
                           is_kind ? kind : dept, t->code, is_kind ? kind : dept);
    }
    return CR_OK;
}

static cr_err prepare(ingest *ig, int64_t *topic_ids)
{
    if (cr_store_salt(ig->s, ig->salt))
        return cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "store has no salt: %s",
                           cr_store_errmsg(ig->s));
    static const char ctx[] = "crisk row content hash v1";
    crypto_generichash(ig->rowkey, sizeof ig->rowkey, (const unsigned char *)ctx, sizeof ctx - 1,
                       ig->salt, sizeof ig->salt);
    if (cr_store_subjects_each(ig->s, load_subject, &ig->subj) || ig->subj.err)
        return cr_diag_set(ig->d, ig->subj.err ? ig->subj.err : CR_ESTORE, NULL, 0, 0,
                           "cannot load subjects: %s", cr_store_errmsg(ig->s));
    if (cr_store_persons_each(ig->s, load_person, &ig->persons) || ig->persons.oom ||
        cr_store_files_each(ig->s, load_file, &ig->files) || ig->files.oom ||
        cr_store_max_id(ig->s, "subject", &ig->next_subject) ||
        cr_store_max_id(ig->s, "person", &ig->next_person) ||
        cr_store_max_id(ig->s, "feed_file", &ig->next_file))
        return cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "cannot load persons and files: %s",
                           cr_store_errmsg(ig->s));
    cr_err idrc = check_identity(ig);
    if (idrc)
        return idrc;
    if (cr_store_begin(ig->s))
        return cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "cannot begin a transaction: %s",
                           cr_store_errmsg(ig->s));
    if (cr_store_row_hash_keyed(ig->s, &ig->keyed))
        goto fail;
    for (size_t i = 0; i < ig->cat->n_departments; i++)
        if (cr_store_department_put(ig->s, ig->cat->departments[i].code,
                                    ig->cat->departments[i].name))
            goto fail;
    for (size_t i = 0; i < ig->cat->n_topics; i++) {
        const struct cr_topic *t = &ig->cat->topics[i];
        if (cr_store_topic_put(ig->s, t->code, t->name, t->department, t->kind, &topic_ids[i]))
            goto fail;
    }
    if (cr_store_commit(ig->s))
        goto fail;
    ig->topic_bytes = calloc(ig->cat->n_topics + 1, sizeof *ig->topic_bytes);
    ig->topic_rows = calloc(ig->cat->n_topics + 1, sizeof *ig->topic_rows);
    if (!ig->topic_bytes || !ig->topic_rows)
        return cr_diag_set(ig->d, CR_ENOMEM, NULL, 0, 0, "out of memory");
    size_t incoming = 0;
    for (size_t i = 0; i < ig->cat->n_topics; i++) {
        ig->topic_bytes[i] = topic_bytes(ig, &ig->cat->topics[i], topic_ids[i], &ig->topic_rows[i]);
        incoming += ig->topic_rows[i];
    }
    cr_err rc = maybe_bulk(ig, incoming);
    if (!rc)
        rc = make_sets(ig);
    if (rc)
        return cr_diag_set(ig->d, rc, NULL, 0, 0, "%s: %s",
                           rc == CR_ESTORE ? "cannot prepare the store for this ingest"
                                           : "cannot size the de-duplication sets",
                           rc == CR_ESTORE ? cr_store_errmsg(ig->s) : cr_strerror(rc));
    if (cr_store_hashes_each(ig->s, load_hash, &ig->seen) || ig->seen.oom)
        return cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "cannot load row hashes: %s",
                           cr_store_errmsg(ig->s));
    return CR_OK;
fail:
    cr_store_rollback(ig->s);
    return cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "cannot record departments and topics: %s",
                       cr_store_errmsg(ig->s));
}

static void ingest_free(ingest *ig)
{
    for (size_t i = 0; i < ig->seen.n; i++)
        cr_bigfree(ig->seen.t[i].slot, ig->seen.t[i].cap * sizeof *ig->seen.t[i].slot);
    free(ig->seen.t);
    free(ig->subj.slot);
    free(ig->subj.keys);
    free(ig->persons.slot);
    for (size_t i = 0; i < ig->files.n; i++)
        free(ig->files.v[i].path);
    free(ig->files.v);
    free(ig->canon.p);
    free(ig->attrs.p);
    free(ig->norm.p);
    free(ig->topic_bytes);
    free(ig->topic_rows);
}

/* ---- the events pass, in parallel ---- */

struct worker {
    ingest ig;
    struct cr_ingest_report rep;
    struct par *par;
    int index;
    int did_roles; /* its persons map is the run's now */
    cr_err rc;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct par *p = w->par;
    const cr_catalog *cat = w->ig.cat;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t at = p->err || p->next_task == p->n_tasks ? SIZE_MAX : p->next_task++;
        /* The roles topics go to one thread together: it alone numbers the persons. */
        size_t last = at < p->n_roles ? p->n_roles : at + 1;
        if (at < p->n_roles)
            p->next_task = p->n_roles;
        pthread_mutex_unlock(&p->mu);
        if (at == SIZE_MAX)
            break;
        if (at < p->n_roles)
            w->did_roles = 1;
        for (; at < last && !w->rc; at++) {
            size_t task = p->order[at], t = p->tasks[task];
            p->owner[task] = w->index;
            p->first[task] = w->rep.n_files;
            w->rc = ingest_topic(&w->ig, &cat->topics[t], w->ig.topic_ids[t]);
            p->count[task] = w->rep.n_files - p->first[task];
        }
        if (w->rc) {
            pthread_mutex_lock(&p->mu);
            if (!p->err)
                p->err = w->rc;
            pthread_mutex_unlock(&p->mu);
            break;
        }
    }
    return NULL;
}

static int merge_reason(struct cr_ingest_report *r, const char *reason, int64_t count)
{
    for (size_t i = 0; i < r->n_reasons; i++)
        if (strcmp(r->reasons[i].reason, reason) == 0) {
            r->reasons[i].count += count;
            return 0;
        }
    if (count_reason(r, reason))
        return -1;
    r->reasons[r->n_reasons - 1].count = count;
    return 0;
}

/* Moves a worker's file reports, reasons and counters into the run's report; files in catalog
 * order, as one thread would have listed them. */
static cr_err merge_reports(struct cr_ingest_report *into, struct worker *w, size_t n_workers,
                            const struct par *p)
{
    size_t add = 0;
    for (size_t i = 0; i < n_workers; i++)
        add += w[i].rep.n_files;
    void *grown = realloc(into->files, (into->n_files + add + 1) * sizeof *into->files);
    if (!grown)
        return CR_ENOMEM;
    into->files = grown;
    for (size_t task = 0; task < p->n_tasks; task++) /* in catalog order */
        if (p->owner[task] >= 0) {
            const struct cr_ingest_report *r = &w[p->owner[task]].rep;
            memcpy(into->files + into->n_files, r->files + p->first[task],
                   p->count[task] * sizeof *into->files);
            into->n_files += p->count[task];
        }
    cr_err rc = CR_OK;
    for (size_t i = 0; i < n_workers; i++) {
        struct cr_ingest_report *r = &w[i].rep;
        free(r->files); /* their strings now belong to into */
        r->files = NULL;
        r->n_files = 0;
        into->unlinked += r->unlinked;
        into->n_file_errors += r->n_file_errors;
        into->n_unmatched_patterns += r->n_unmatched_patterns;
        into->unverified_divisions += r->unverified_divisions;
        for (size_t k = 0; k < r->n_reasons; k++)
            if (!rc && merge_reason(into, r->reasons[k].reason, r->reasons[k].count))
                rc = CR_ENOMEM;
        for (size_t k = 0; k < r->n_nulled; k++)
            if (!rc && count_nulled(into, r->nulled[k].reason, r->nulled[k].count))
                rc = CR_ENOMEM;
        cr_ingest_report_free(r);
    }
    return rc;
}

/* The threads to parse event feeds with: the option (at most CR_INGEST_MAX_THREADS), else one
 * per online core up to CR_INGEST_DEFAULT_THREADS (crisk/ingest.h). */
static size_t parser_threads(const struct cr_ingest_opts *opts)
{
    long n = opts->threads;
    if (n <= 0) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        n = n < 1 ? 1 : n > CR_INGEST_DEFAULT_THREADS ? CR_INGEST_DEFAULT_THREADS : n;
    }
    return (size_t)(n > CR_INGEST_MAX_THREADS ? CR_INGEST_MAX_THREADS : n);
}

struct sized_task {
    size_t bytes, task;
};

/* Largest first, then in catalog order. */
static int cmp_task(const void *a, const void *b)
{
    const struct sized_task *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return x->task < y->task ? -1 : x->task > y->task;
}

/* Fills order[from..n) with the tasks from..n, largest topic first. */
static cr_err order_tasks(size_t *order, size_t from, size_t n, const size_t *tasks,
                          const size_t *bytes)
{
    struct sized_task *v = malloc((n + 1) * sizeof *v);
    if (!v)
        return CR_ENOMEM;
    for (size_t i = from; i < n; i++)
        v[i - from] = (struct sized_task){bytes[tasks[i]], i};
    qsort(v, n - from, sizeof *v, cmp_task);
    for (size_t i = 0; i < from; i++)
        order[i] = i;
    for (size_t i = from; i < n; i++)
        order[i] = v[i - from].task;
    free(v);
    return CR_OK;
}

/* Every roles and event topic, parsed by n threads that each take whole topics (a topic's
 * de-duplication set then belongs to one thread; the roles topics go to one thread together).
 * Event topics are handed out largest first, so that no thread is left with a big one when the
 * others are done. */
static cr_err events_pass(ingest *ig, const struct cr_ingest_opts *opts)
{
    const cr_catalog *cat = ig->cat;
    size_t n = parser_threads(opts);
    struct par p = {.next_subject = ig->next_subject, .next_file = ig->next_file};
    size_t *tasks = calloc(cat->n_topics + 1, sizeof *tasks);
    size_t *order = calloc(cat->n_topics + 1, sizeof *order);
    p.first = calloc(cat->n_topics + 1, sizeof *p.first);
    p.count = calloc(cat->n_topics + 1, sizeof *p.count);
    p.owner = malloc((cat->n_topics + 1) * sizeof *p.owner);
    struct worker *w = calloc(n, sizeof *w);
    pthread_t *th = calloc(n, sizeof *th);
    cr_err rc = CR_OK;
    if (!tasks || !order || !p.first || !p.count || !p.owner || !w || !th) {
        rc = CR_ENOMEM;
        goto out;
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cat->n_topics; i++)
            if (cat->topics[i].role == (pass ? CR_TOPIC_EVENTS : CR_TOPIC_ROLES)) {
                p.owner[p.n_tasks] = -1;
                tasks[p.n_tasks++] = i;
                p.n_roles += !pass;
            }
    if ((rc = order_tasks(order, p.n_roles, p.n_tasks, tasks, ig->topic_bytes)))
        goto out;
    p.tasks = tasks;
    p.order = order;
    pthread_mutex_init(&p.mu, NULL);
    size_t started = 0;
    for (size_t i = 0; i < n; i++) {
        w[i].ig = *ig; /* shared tables by pointer; buffers and counters of its own below */
        w[i].ig.par = &p;
        w[i].ig.rep = &w[i].rep;
        w[i].ig.canon = w[i].ig.attrs = w[i].ig.norm = (struct buf){0};
        w[i].ig.last_subj = NULL;
        w[i].ig.last_id = 0;
        w[i].par = &p;
        w[i].index = (int)i;
        if (!(w[i].ig.out = cr__sink_open(ig->k))) {
            rc = CR_ENOMEM;
            break;
        }
    }
    /* With one thread (or one that could not start) the work is simply done here. */
    for (size_t i = 1; !rc && i < n; i++)
        if (pthread_create(&th[i], NULL, worker_run, &w[i]) == 0)
            started = i;
        else
            break;
    if (!rc)
        worker_run(&w[0]);
    for (size_t i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    for (size_t i = 0; i < n; i++)
        if (w[i].did_roles) {
            ig->persons = w[i].ig.persons; /* grown by that thread alone */
            ig->next_person = w[i].ig.next_person;
        }
    for (size_t i = 0; i < n; i++) {
        cr__sink_close(w[i].ig.out, !w[i].rc); /* the others stopped between topics */
        free(w[i].ig.canon.p);
        free(w[i].ig.attrs.p);
        free(w[i].ig.norm.p);
    }
    if (!rc)
        rc = p.err;
    cr_err mrc = merge_reports(ig->rep, w, n, &p);
    rc = rc ? rc : mrc;
    free(p.late.slot);
    free(p.late.keys);
    pthread_mutex_destroy(&p.mu);
out:
    free(tasks);
    free(order);
    free(p.first);
    free(p.count);
    free(p.owner);
    free(w);
    free(th);
    return rc;
}

cr_err cr_ingest_run(cr_store *s, const cr_catalog *cat, const struct cr_ingest_opts *opts,
                     struct cr_ingest_report *report, cr_diag *d)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(report, 0, sizeof *report);
    ingest ig = {.s = s,
                 .cat = cat,
                 .ref = opts->ref,
                 .rep = report,
                 .d = d,
                 .batch_rows = opts->batch_rows > 0 ? opts->batch_rows : DEFAULT_BATCH_ROWS};
    const char *fault = getenv("CRISK_FAULT_ROW");
    ig.fault_row = fault ? strtoll(fault, NULL, 10) : 0;
    const char *pause = getenv("CRISK_PAUSE_ROW");
    ig.pause_row = pause ? strtoll(pause, NULL, 10) : 0;
    ig.pause_file = getenv("CRISK_PAUSE_FILE");
    char fail[FAIL_CAP] = "";
    ig.fail = fail;
    int64_t *topic_ids = calloc(cat->n_topics + 1, sizeof *topic_ids);
    ig.topic_ids = topic_ids;
    /* One writer at a time: everything prepare() reads would be stale under a second one. */
    cr_err rc = topic_ids ? cr_store_lock(s, "ingest", d) : CR_ENOMEM;
    if (!rc)
        rc = prepare(&ig, topic_ids);
    if (!rc && (rc = cr__sink_start(s, &ig.k)))
        cr_diag_set(d, rc, NULL, 0, 0, "cannot start the store writer: %s",
                    rc == CR_ESTORE ? cr_store_errmsg(s) : cr_strerror(rc));
    if (!rc && !(ig.out = cr__sink_open(ig.k)))
        rc = CR_ENOMEM;
    ig.s = NULL; /* the writer thread owns the connection from here on */
    /* The registry first, on this thread, so that rows of this run link at once; then roles
     * and events in parallel. */
    for (size_t i = 0; i < cat->n_topics && !rc; i++)
        if (cat->topics[i].role == CR_TOPIC_REGISTRY)
            rc = ingest_topic(&ig, &cat->topics[i], topic_ids[i]);
    cr__sink_close(ig.out, !rc);
    ig.out = NULL;
    if (!rc)
        rc = events_pass(&ig, opts);

    if (ig.k) {
        cr_diag sd = {{0}, {0}, 0, 0};
        cr_err src = cr__sink_finish(ig.k, rc == CR_OK, &sd);
        if (src && (!rc || rc == CR_ESTORE)) {
            rc = src;
            if (d)
                *d = sd;
        }
    }
    if (rc && fail[0])
        cr_diag_set(d, rc, NULL, 0, 0, "%s", fail);
    /* Portraits and neighbourhood loads need lookups by enterprise and person: brought up to
     * date after the bulk load (cheaper than maintaining them row by row during it). */
    struct timespec i0, i1;
    clock_gettime(CLOCK_MONOTONIC, &i0);
    if (!rc && cr_store_ensure_indexes(s))
        rc = cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot build the lookup indexes: %s",
                         cr_store_errmsg(s));
    clock_gettime(CLOCK_MONOTONIC, &i1);
    report->index_seconds =
        (double)(i1.tv_sec - i0.tv_sec) + (double)(i1.tv_nsec - i0.tv_nsec) / 1e9;
    for (size_t i = 0; i < report->n_files; i++) {
        report->read += report->files[i].read;
        report->loaded += report->files[i].loaded;
        report->duplicates += report->files[i].duplicates;
        report->quarantined += report->files[i].quarantined;
    }
    if (report->n_reasons)
        qsort(report->reasons, report->n_reasons, sizeof *report->reasons, cmp_reason);
    if (report->n_nulled)
        qsort(report->nulled, report->n_nulled, sizeof *report->nulled, cmp_reason);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    report->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    free(topic_ids);
    ingest_free(&ig);
    return rc;
}

void cr_ingest_report_free(struct cr_ingest_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_files; i++) {
        free(r->files[i].path);
        free(r->files[i].topic);
        free(r->files[i].error);
    }
    free(r->files);
    for (size_t i = 0; i < r->n_reasons; i++)
        free(r->reasons[i].reason);
    free(r->reasons);
    for (size_t i = 0; i < r->n_nulled; i++)
        free(r->nulled[i].reason);
    free(r->nulled);
    memset(r, 0, sizeof *r);
}

/* ---- retrying quarantined rows ---- */

struct qrow {
    int64_t id, line, file;
    char *path, *topic, *raw;
    size_t raw_len;
    int edited; /* raw comes from the user, not from the store */
    int orig;   /* raw is a bad_encoding row's bytes in its file's encoding */
};

struct qrows {
    struct qrow *v;
    size_t n, cap;
    const struct cr_retry_item *want;
    size_t n_want;
    int oom;
};

static int collect_qrow(void *ctx, const struct cr_quarantine_row *r)
{
    struct qrows *q = ctx;
    const struct cr_retry_item *item = NULL;
    for (size_t i = 0; q->want && i < q->n_want && !item; i++)
        if (q->want[i].id == r->id)
            item = &q->want[i];
    if (q->want && !item)
        return 0;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        void *p = realloc(q->v, cap * sizeof *q->v);
        if (!p)
            return q->oom = 1;
        q->v = p;
        q->cap = cap;
    }
    int edited = item && item->raw;
    const char *raw = edited ? item->raw : r->raw;
    size_t len = edited ? item->raw_len : r->raw_len;
    struct qrow *e = &q->v[q->n];
    e->id = r->id;
    e->line = r->line;
    e->path = strdup(r->path ? r->path : "");
    e->topic = strdup(r->topic_code ? r->topic_code : "");
    e->raw = malloc(len + 1);
    if (!e->path || !e->topic || !e->raw) {
        free(e->path);
        free(e->topic);
        free(e->raw);
        return q->oom = 1;
    }
    memcpy(e->raw, raw ? raw : "", len);
    e->raw[len] = 0;
    e->raw_len = len;
    e->edited = edited;
    /* These keep the line's own bytes: read again in the topic's encoding of today. */
    e->orig =
        !edited && (strcmp(r->reason, "bad_encoding") == 0 || strcmp(r->reason, "bad_utf8") == 0);
    e->file = r->file;
    q->n++;
    return 0;
}

/* Notes a row the retry does not read; CR_ENOMEM when it cannot. */
CR_FORMAT(4, 5)
static cr_err skip(struct cr_retry_report *rep, int64_t id, int refused, const char *fmt, ...)
{
    void *p = realloc(rep->skips, (rep->n_skips + 1) * sizeof *rep->skips);
    if (!p)
        return CR_ENOMEM;
    rep->skips = p;
    struct cr_retry_skip *k = &rep->skips[rep->n_skips++];
    k->id = id;
    k->refused = refused;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->why, sizeof k->why, fmt, ap);
    va_end(ap);
    rep->skipped++;
    return CR_OK;
}

/* The source file a retry reads headers (and masked person IDs) from. */
struct retry_src {
    cr_feed *f;
    const struct cr_topic *t;
    char *path;
};

/* 1 when the person ID of the record just parsed is as the quarantine masked it (all '*'). */
static int pid_masked(const cr_feed *f)
{
    const char *v;
    size_t n;
    cr_feed_value(f, CR_F_PERSON_ID, &v, &n);
    size_t stars = 0;
    while (stars < n && v[stars] == '*')
        stars++;
    return n >= 6 && stars == n;
}

/* Copies into id the person ID of the row's line in its source file, which must be the file
 * content the row was read from. 0 with why written when it cannot. */
static int source_pid(ingest *ig, const struct qrow *q, cr_feed *f, char *id, size_t cap,
                      size_t *len, char *why, size_t wcap)
{
    const struct known_file *k = NULL;
    for (size_t i = 0; i < ig->files.n && !k; i++)
        if (ig->files.v[i].rec.id == q->file)
            k = &ig->files.v[i];
    if (!k || k->rec.hash != cr_feed_hash(f)) {
        snprintf(why, wcap,
                 "its person ID is masked and %s is no longer the file it was read from: write "
                 "the full ID number in the raw column",
                 q->path);
        return 0;
    }
    cr_feed_rewind(f);
    struct cr_feed_rec rec = {0};
    cr_err rc;
    while ((rc = cr_feed_next(f, &rec)) == CR_OK && rec.line < q->line)
        ;
    const char *v = NULL;
    size_t n = 0;
    if (rc == CR_OK && rec.line == q->line)
        cr_feed_value(f, CR_F_PERSON_ID, &v, &n);
    if (!n || n >= cap) {
        snprintf(why, wcap,
                 "its person ID is masked and line %lld of %s does not give one: write the full "
                 "ID number in the raw column",
                 (long long)q->line, q->path);
        return 0;
    }
    memcpy(id, v, n);
    id[n] = 0;
    *len = n;
    return 1;
}

/* The record parsed from q's text, in q's form (original bytes or UTF-8 text). */
static cr_err parse_q(cr_feed *f, const struct qrow *q, struct cr_feed_rec *rec)
{
    return q->orig ? cr_feed_parse_orig(f, q->raw, q->raw_len, rec)
                   : cr_feed_parse_one(f, q->raw, q->raw_len, rec);
}

/* 1 when text holds more after the record that ends at end (past one line end). */
static int more_records(const char *text, size_t len, size_t end)
{
    if (end < len && text[end] == '\r')
        end++;
    if (end < len && text[end] == '\n')
        end++;
    return end < len;
}

static cr_err retry_one(ingest *ig, const struct qrow *q, const int64_t *topic_ids,
                        struct retry_src *src, struct cr_retry_report *rep)
{
    size_t ti = 0;
    while (ti < ig->cat->n_topics && strcmp(ig->cat->topics[ti].code, q->topic) != 0)
        ti++;
    if (ti == ig->cat->n_topics)
        return skip(rep, q->id, 0, "topic %s is no longer in the catalog", q->topic);
    const struct cr_topic *t = &ig->cat->topics[ti];
    if (!src->f || src->t != t || strcmp(src->path, q->path) != 0) {
        cr_feed_close(src->f);
        src->f = NULL;
        free(src->path);
        if (!(src->path = strdup(q->path)))
            return CR_ENOMEM;
        char full[2048];
        snprintf(full, sizeof full, "%s%s%s", q->path[0] == '/' ? "" : ig->cat->dir,
                 q->path[0] == '/' ? "" : "/", q->path);
        cr_diag fd = {{0}, {0}, 0, 0};
        cr_err orc = cr_feed_open(full, t, &src->f, &fd);
        if (orc == CR_ENOMEM)
            return orc;
        if (orc) {
            char msg[300];
            snprintf(fd.file, sizeof fd.file, "%s", q->path);
            return skip(rep, q->id, 0, "its file cannot be read with topic %s's mapping: %s",
                        t->code, cr_diag_format(&fd, msg, sizeof msg));
        }
        src->t = t;
    }
    cr_feed *f = src->f;
    struct cr_feed_rec rec;
    cr_err rc = parse_q(f, q, &rec);
    if (rc)
        return rc;
    if (q->edited && more_records(q->raw, q->raw_len, (size_t)rec.next_offset))
        return skip(rep, q->id, 1,
                    "the text given holds more than one record (a line break at byte %lld): "
                    "give one record per row",
                    (long long)rec.next_offset + 1);
    char pid[72];
    size_t pid_len = 0;
    if (t->role == CR_TOPIC_ROLES && !rec.reason && pid_masked(f)) {
        char why[300];
        if (!source_pid(ig, q, f, pid, sizeof pid, &pid_len, why, sizeof why))
            return skip(rep, q->id, 0, "%s", why);
        if ((rc = parse_q(f, q, &rec))) /* the source line took the record's place */
            return rc;
        cr_feed_set_value(f, CR_F_PERSON_ID, pid, pid_len);
    }
    rec.line = q->line;
    struct verdict v;
    enum outcome o;
    if ((rc = evaluate(ig, t, topic_ids[ti], f, &rec, &o, &v)))
        return rc;
    rep->retried++;
    if (o == QUARANTINED) {
        rep->quarantined++;
        char *masked = masked_raw(t, f, &rec);
        cr__sink_quarantine_update(ig->out, q->id, v.reason, v.detail, masked ? masked : rec.raw,
                                   masked ? strlen(masked) : rec.raw_len);
        free(masked);
    } else {
        if (o == LOADED)
            rep->loaded++;
        else
            rep->duplicates++;
        cr__sink_quarantine_resolve(ig->out, q->id);
    }
    return CR_OK;
}

void cr_retry_report_free(struct cr_retry_report *r)
{
    if (!r)
        return;
    free(r->skips);
    r->skips = NULL;
    r->n_skips = 0;
}

cr_err cr_ingest_retry(cr_store *s, const cr_catalog *cat, const struct cr_ingest_opts *opts,
                       const struct cr_retry_item *items, size_t n_items,
                       struct cr_retry_report *report, cr_diag *d)
{
    memset(report, 0, sizeof *report);
    struct cr_ingest_report scratch = {0};
    ingest ig = {.s = s,
                 .cat = cat,
                 .ref = opts->ref,
                 .rep = &scratch,
                 .d = d,
                 .batch_rows = DEFAULT_BATCH_ROWS};
    struct qrows q = {.want = items, .n_want = n_items};
    int64_t *topic_ids = calloc(cat->n_topics + 1, sizeof *topic_ids);
    cr_err rc = topic_ids ? cr_store_lock(s, "quarantine --retry", d) : CR_ENOMEM;
    if (!rc)
        rc = prepare(&ig, topic_ids);
    if (!rc && (cr_store_quarantine_each(s, "open", NULL, collect_qrow, &q) || q.oom))
        rc = q.oom ? CR_ENOMEM
                   : cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot read quarantine: %s",
                                 cr_store_errmsg(s));
    for (size_t i = 0; items && !rc && i < n_items; i++) {
        int found = 0;
        for (size_t k = 0; k < q.n && !found; k++)
            found = q.v[k].id == items[i].id;
        if (!found)
            rc = skip(report, items[i].id, 0,
                      "no open quarantine row has this id (unknown, or resolved already)");
    }
    if (!rc && (rc = cr__sink_start(s, &ig.k)))
        cr_diag_set(d, rc, NULL, 0, 0, "cannot start the store writer: %s",
                    rc == CR_ESTORE ? cr_store_errmsg(s) : cr_strerror(rc));
    if (!rc && !(ig.out = cr__sink_open(ig.k)))
        rc = CR_ENOMEM;
    ig.s = NULL; /* the writer thread owns the connection from here on */
    struct retry_src from = {0};
    for (size_t i = 0; !rc && i < q.n; i++)
        rc = retry_one(&ig, &q.v[i], topic_ids, &from, report);
    cr_feed_close(from.f);
    free(from.path);
    cr__sink_close(ig.out, !rc); /* one batch: the retry commits as a whole, or not at all */
    if (ig.k) {
        cr_err src = cr__sink_finish(ig.k, rc == CR_OK, d);
        if (!rc)
            rc = src;
    }
    /* Rows released from the quarantine join the postings of their enterprises. */
    if (!rc && cr_store_ensure_indexes(s))
        rc = cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot update the lookup indexes: %s",
                         cr_store_errmsg(s));
    for (size_t i = 0; i < q.n; i++) {
        free(q.v[i].path);
        free(q.v[i].topic);
        free(q.v[i].raw);
    }
    free(q.v);
    free(topic_ids);
    cr_ingest_report_free(&scratch);
    ingest_free(&ig);
    return rc;
}
