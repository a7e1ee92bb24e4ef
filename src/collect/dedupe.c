#include "crisk/ingest.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crisk/hash.h"
#include "ingest_internal.h"
#include "sink.h"
#include "base/buf.h"
#include "base/tables.h"

/* A record with a line break inside a quoted CSV field has its canonical content built twice:
 * in ig->canon as read (breaks as LF, cr_feed_line_breaks) and in ig->crlf with every break
 * as CRLF, the form crisk before 2026-12 stored and hashed for a CRLF file. When a hashed part
 * held a break (the twin differs), the row is a duplicate when either hash is known
 * (cr__ingest_crlf_seen), so a store holding the old form does not take the row again from
 * either copy of the file. */
void cr__ingest_canon_start(ingest *ig, int crlf_twin)
{
    ig->canon.len = 0;
    ig->crlf.len = 0;
    ig->crlf_twin = crlf_twin;
    ig->crlf_differs = 0;
}

void cr__ingest_canon_field(ingest *ig, const void *p, size_t len)
{
    cr__buf_add(&ig->canon, p, len);
    cr__buf_add(&ig->canon, "\x1f", 1);
    if (ig->crlf_twin) {
        cr__buf_add(&ig->crlf, p, len);
        cr__buf_add(&ig->crlf, "\x1f", 1);
    }
}

void cr__ingest_canon_text(ingest *ig, const char *p, size_t len)
{
    cr__buf_add(&ig->canon, p, len);
    cr__buf_add(&ig->canon, "\x1f", 1);
    if (!ig->crlf_twin)
        return;
    const char *end = p + len;
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        cr__buf_add(&ig->crlf, p, (size_t)(nl - p));
        cr__buf_add(&ig->crlf, "\r\n", 2);
        ig->crlf_differs = 1;
        p = nl + 1;
    }
    cr__buf_add(&ig->crlf, p, (size_t)(end - p));
    cr__buf_add(&ig->crlf, "\x1f", 1);
}

void cr__ingest_canon_json(ingest *ig, const char *p, size_t len)
{
    cr__buf_add(&ig->canon, p, len);
    cr__buf_add(&ig->canon, "\x1f", 1);
    if (!ig->crlf_twin)
        return;
    /* cr__buf_json writes a line feed as \u000a and a carriage return as \u000d; every other
     * escape (\\ among them) is copied as it stands. */
    static const char lf[] = "\\u000a", crlf[] = "\\u000d\\u000a";
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] != '\\')
            continue;
        if (len - i >= 6 && memcmp(p + i, lf, 6) == 0) {
            cr__buf_add(&ig->crlf, p + run, i - run);
            cr__buf_add(&ig->crlf, crlf, 12);
            ig->crlf_differs = 1;
            run = i + 6;
            i += 5;
        } else {
            i++; /* the escaped character: never the start of an escape */
        }
    }
    cr__buf_add(&ig->crlf, p + run, len - run);
    cr__buf_add(&ig->crlf, "\x1f", 1);
}

void cr__ingest_canon_i64(ingest *ig, int64_t v, int has)
{
    /* Fixed-width binary: cheaper than text and unambiguous; "absent" is its own marker. */
    unsigned char b[9];
    b[0] = (unsigned char)has;
    uint64_t u = has ? (uint64_t)v : 0;
    for (int i = 0; i < 8; i++)
        b[1 + i] = (unsigned char)(u >> (8 * i));
    cr__buf_add(&ig->canon, b, sizeof b);
    if (ig->crlf_twin)
        cr__buf_add(&ig->crlf, b, sizeof b);
}

struct hset *cr__ingest_topic_set(ingest *ig, int64_t topic)
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
static struct hkey hash_of(const ingest *ig, const struct buf *canon)
{
    unsigned char out[crypto_shorthash_siphashx24_BYTES];
    crypto_shorthash_siphashx24(out, (const unsigned char *)canon->p, canon->len, ig->rowkey);
    struct hkey k = {le64(out), le64(out + 8)};
    if (!ig->keyed)
        k.lo = cr_hash64(canon->p, canon->len, 0x64656475u);
    k.hi += !k.hi;
    return k;
}

struct hkey cr__ingest_content_hash(const ingest *ig)
{
    return hash_of(ig, &ig->canon);
}

int cr__ingest_crlf_seen(ingest *ig, int64_t topic)
{
    if (!ig->crlf_differs || ig->crlf.oom) /* out of memory: the caller's check says so */
        return 0;
    struct hset *set = cr__ingest_topic_set(ig, topic);
    return set && cr__hset_has(set, hash_of(ig, &ig->crlf));
}

/* Keyed as the content hash is (a crafted line cannot pose as another), with a key of its own
 * context so that a raw line and a row's canonical content never share a hash by design. */
struct hkey cr__ingest_raw_hash(const ingest *ig, const void *raw, size_t len)
{
    unsigned char key[crypto_shorthash_siphashx24_KEYBYTES], out[crypto_shorthash_siphashx24_BYTES];
    memcpy(key, ig->rowkey, sizeof key);
    key[0] ^= 0x51; /* 'Q': the quarantine's */
    crypto_shorthash_siphashx24(out, raw, len, key);
    struct hkey k = {le64(out), le64(out + 8)};
    k.hi += !k.hi;
    return k;
}

int cr__ingest_qseen(ingest *ig, int64_t topic, const void *raw, size_t len)
{
    if (topic < 0 || (size_t)topic >= ig->qseen.n)
        return 1;
    return cr__hset_add(&ig->qseen.t[topic], cr__ingest_raw_hash(ig, raw, len));
}

/* Returns LOADED or DUPLICATE for the canonical content in ig->canon, and its hash. */
enum outcome cr__ingest_dedupe(ingest *ig, int64_t topic, int64_t *h, int *oom)
{
    struct hkey hv = cr__ingest_content_hash(ig);
    struct hset *set = cr__ingest_topic_set(ig, topic);
    /* the old form first: a row found so adds nothing */
    int r = !set ? -1 : cr__ingest_crlf_seen(ig, topic) ? 0 : cr__hset_add(set, hv);
    *h = (int64_t)hv.lo;
    *oom = r < 0 || ig->canon.oom || ig->crlf.oom;
    return r == 0 ? DUPLICATE : LOADED;
}

/* Makes the oldest probes until at most keep are left; a duplicate found is taken back from
 * the batch and moved from loaded to duplicates in fr. */
cr_err cr__ingest_probes_settle(ingest *ig, struct cr_file_rec *fr, size_t keep)
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

/* ---- the memory of the sets: fresh for the first topics, then reused ---- */

/* Set memory of topics done, for the sets of topics to come: at most POOL_BLOCKS pieces. Far
 * more than the sets in use at once (one per parser thread); when a city's thousands of small
 * topics fill it, the smallest piece goes, as the big ones are the dear ones to map again.
 * Shared by the run's threads. */
#define POOL_BLOCKS 64

struct set_pool {
    pthread_mutex_t mu;
    struct {
        struct hkey *mem;
        size_t cap; /* slots */
    } v[POOL_BLOCKS];
    size_t n;
};

struct set_pool *cr__ingest_pool_new(void)
{
    struct set_pool *p = calloc(1, sizeof *p);
    if (p && pthread_mutex_init(&p->mu, NULL)) {
        free(p);
        p = NULL;
    }
    return p;
}

/* Frees every piece of the pool (when fresh memory runs out). */
static void pool_drain(struct set_pool *p)
{
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->n; i++)
        cr__hset_mem_free(p->v[i].mem, p->v[i].cap);
    p->n = 0;
    pthread_mutex_unlock(&p->mu);
}

void cr__ingest_pool_free(struct set_pool *p)
{
    if (!p)
        return;
    pool_drain(p);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void cr__ingest_set_done(ingest *ig, int64_t topic)
{
    struct hset *set = cr__ingest_topic_set(ig, topic);
    struct set_pool *p = ig->pool;
    if (!set || !p)
        return;
    size_t cap;
    struct hkey *mem = cr__hset_release(set, &cap);
    if (!mem)
        return;
    pthread_mutex_lock(&p->mu);
    size_t at = p->n;
    if (p->n == POOL_BLOCKS) { /* the smallest of the pool's and this one goes */
        at = 0;
        for (size_t i = 1; i < p->n; i++)
            if (p->v[i].cap < p->v[at].cap)
                at = i;
        if (p->v[at].cap >= cap)
            at = POOL_BLOCKS;
        else
            cr__hset_mem_free(p->v[at].mem, p->v[at].cap);
    } else {
        p->n++;
    }
    if (at < POOL_BLOCKS) {
        p->v[at].mem = mem;
        p->v[at].cap = cap;
        mem = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    cr__hset_mem_free(mem, cap); /* NULL when kept */
}

cr_err cr__ingest_set_reserve(ingest *ig, struct hset *set, size_t rows)
{
    size_t need = cr__hset_cap_for(rows);
    struct set_pool *p = ig->pool;
    if (need <= set->cap)
        return CR_OK;
    if (!p)
        return cr__hset_reserve(set, rows);
    struct hkey *mem = NULL;
    size_t cap = 0;
    pthread_mutex_lock(&p->mu);
    size_t at = p->n;
    for (size_t i = 0; i < p->n; i++) /* the smallest piece that holds it */
        if (p->v[i].cap >= need && (at == p->n || p->v[i].cap < p->v[at].cap))
            at = i;
    if (at < p->n) {
        mem = p->v[at].mem;
        cap = p->v[at].cap;
        p->v[at] = p->v[--p->n];
    }
    pthread_mutex_unlock(&p->mu);
    if (mem) {
        cr__hset_adopt(set, mem, cap, rows);
        return CR_OK;
    }
    if (cr__hset_reserve(set, rows) == CR_OK)
        return CR_OK;
    pool_drain(p); /* pieces too small for this set: memory for it, maybe */
    return cr__hset_reserve(set, rows);
}

/* A set to grow before its topic starts: to rows entries; bytes (its topic's files) orders it. */
struct set_goal {
    struct hset *set;
    size_t rows;
    size_t bytes;
    size_t topic; /* catalog order: ties as parallel.c orders them */
    cr_topic_role role;
};

/* The goals are the grower's alone until cr__ingest_sets_join: it touches nothing else. */
struct set_grower {
    pthread_t thread;
    struct set_goal *goals; /* largest topic first */
    size_t n;
    atomic_int stop;
};

static int cmp_goal(const void *a, const void *b)
{
    const struct set_goal *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return x->topic < y->topic ? -1 : x->topic > y->topic;
}

static void *grow_sets(void *arg)
{
    struct set_grower *g = arg;
    /* Best effort: a set that cannot grow here is grown when its topic starts, which says so. */
    for (size_t i = 0; i < g->n && !atomic_load(&g->stop); i++)
        if (cr__hset_reserve(g->goals[i].set, g->goals[i].rows))
            break;
    return NULL;
}

struct set_grower *cr__ingest_sets_grow(ingest *ig, size_t parsers)
{
    const cr_catalog *cat = ig->cat;
    if (parsers == 1 || sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return NULL; /* no idle core to do it on */
    struct set_grower *g = calloc(1, sizeof *g);
    if (!g || !(g->goals = malloc((cat->n_topics + 1) * sizeof *g->goals))) {
        free(g);
        return NULL;
    }
    /* The sets the events pass starts with: the roles topics' (one thread reads them all
     * first) and those of the largest event topics, one per parser thread (parallel.c hands
     * them out largest first). Later topics take the memory of the sets of topics done
     * (cr__ingest_set_reserve): fresh memory is dear, and zeroing what was mapped is not. */
    size_t events = 0;
    for (size_t i = 0; i < cat->n_topics; i++) {
        struct hset *set = cr__ingest_topic_set(ig, ig->topic_ids[i]);
        if (set && cat->topics[i].role != CR_TOPIC_REGISTRY)
            g->goals[g->n++] = (struct set_goal){set, set->n + ig->topic_rows[i],
                                                 ig->topic_bytes[i], i, cat->topics[i].role};
    }
    qsort(g->goals, g->n, sizeof *g->goals, cmp_goal);
    size_t kept = 0;
    for (size_t i = 0; i < g->n; i++)
        if (g->goals[i].role != CR_TOPIC_EVENTS || events++ < parsers)
            g->goals[kept++] = g->goals[i];
    g->n = kept;
    atomic_init(&g->stop, 0);
    if (pthread_create(&g->thread, NULL, grow_sets, g)) {
        free(g->goals);
        free(g);
        return NULL;
    }
    return g;
}

void cr__ingest_sets_join(struct set_grower *g)
{
    if (!g)
        return;
    atomic_store(&g->stop, 1);
    pthread_join(g->thread, NULL);
    free(g->goals);
    free(g);
}
