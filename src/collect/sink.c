#include "sink.h"

#include "crisk/ingest.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Batches hold serialised operations: one op byte, then fixed-width integers and
 * length-prefixed byte strings. A producer fills its batch and hands it over at a resume point
 * (cr__sink_commit); the writer applies batches in the order handed over and commits between
 * them, so every commit ends on a resume point of each producer. */
#define BATCH_BYTES (4u << 20)
/* Every open output holds a batch from its open on (the ingest's own, and one per parser
 * thread, all opened before any parser starts), so an open must find one or it waits forever:
 * SPARE_BATCHES more than the outputs open are in use, the spares letting producers fill while
 * the writer applies. A batch is allocated when first written (take_batch takes the lowest free
 * one), so the unused ones cost nothing. */
#define SPARE_BATCHES 7
#define BATCH_CAP (BATCH_BYTES + (64u << 10)) /* a batch's first allocation */
#define N_BATCHES (1 + CR_INGEST_MAX_THREADS + SPARE_BATCHES)

enum op {
    OP_EVENT = 1,
    OP_ENTERPRISE,
    OP_PERSON,
    OP_ROLE,
    OP_QUARANTINE,
    OP_QRESOLVE,
    OP_QUPDATE,
    OP_FILE,
    OP_EVENT_DROPPED, /* an OP_EVENT found to be a duplicate after it was queued */
};

struct batch {
    unsigned char *p;
    size_t len, cap;
    int oom;
};

/* Consecutive events are inserted together; pointers refer into the batch being applied. */
#define PENDING_EVENTS 256

/* A subject created by some producer, written before any batch handed over after it. */
struct new_subject {
    int64_t id;
    char *key;
    size_t len;
};

struct cr_sink {
    cr_store *s;
    struct cr_event_row pending[PENDING_EVENTS];
    size_t n_pending;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct batch b[N_BATCHES];
    int busy[N_BATCHES];  /* held by a producer or queued */
    int queue[N_BATCHES]; /* ring of batch indexes waiting for the writer */
    int qhead, qlen;
    int n_open; /* outputs open: take_batch uses the first n_open + SPARE_BATCHES batches */
    struct new_subject *subjects; /* under mu */
    size_t n_subjects, cap_subjects;
    int subjects_oom;
    size_t since_commit; /* bytes applied since the last commit (writer only) */
    int stop;
    int done;   /* writer has exited */
    cr_err err; /* sticky */
    char errmsg[256];
};

struct cr_sink_out {
    cr_sink *k;
    int cur; /* the batch this producer fills */
};

/* ---- producer side: serialisation ---- */

static void put(struct batch *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        /* a batch is allocated when first written, so that outputs that write nothing (a
         * parser thread with no topic left) cost nothing */
        size_t cap = b->cap ? (b->len + n) * 2 : BATCH_CAP;
        if (cap < b->len + n)
            cap = b->len + n;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_i64(struct batch *b, int64_t v)
{
    put(b, &v, sizeof v);
}

static void put_bytes(struct batch *b, const void *p, size_t n, int present)
{
    int64_t len = present ? (int64_t)n : -1;
    put_i64(b, len);
    if (present)
        put(b, p, n);
}

static void put_str(struct batch *b, const char *s)
{
    put_bytes(b, s, s ? strlen(s) : 0, s != NULL);
}

static void put_op(struct batch *b, enum op op)
{
    unsigned char c = (unsigned char)op;
    put(b, &c, 1);
}

/* Takes a free batch; waits while all are busy. Called with k->mu held. Returns -1 when the
 * writer is gone (after an error). */
static int take_batch(cr_sink *k)
{
    for (;;) {
        int n = k->n_open + SPARE_BATCHES < N_BATCHES ? k->n_open + SPARE_BATCHES : N_BATCHES;
        for (int i = 0; i < n; i++)
            if (!k->busy[i]) {
                k->busy[i] = 1;
                k->b[i].len = 0;
                k->b[i].oom = 0;
                return i;
            }
        if (k->done)
            return -1;
        pthread_cond_wait(&k->cv, &k->mu);
    }
}

/* Queues the producer's batch for the writer and takes a fresh one. */
static void hand_over(cr_sink_out *o, int take)
{
    cr_sink *k = o->k;
    pthread_mutex_lock(&k->mu);
    if (o->cur >= 0) {
        if (k->b[o->cur].oom && !k->err)
            k->err = CR_ENOMEM;
        if (k->done) {
            k->busy[o->cur] = 0; /* the writer stopped on an error: drop it */
        } else {
            k->queue[(k->qhead + k->qlen) % N_BATCHES] = o->cur;
            k->qlen++;
        }
        pthread_cond_broadcast(&k->cv);
    }
    o->cur = take ? take_batch(k) : -1;
    pthread_mutex_unlock(&k->mu);
}

/* A batch that swallows everything once the writer is gone, so producers need no checks: put()
 * writes nothing into a batch marked out of memory. */
static struct batch *cur(cr_sink_out *o)
{
    static _Thread_local struct batch sinkhole = {.oom = 1};
    return o->cur < 0 ? &sinkhole : &o->k->b[o->cur];
}

cr_sink_out *cr__sink_open(cr_sink *k)
{
    cr_sink_out *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->k = k;
    pthread_mutex_lock(&k->mu);
    k->n_open++;
    o->cur = take_batch(k);
    pthread_mutex_unlock(&k->mu);
    return o;
}

void cr__sink_commit(cr_sink_out *o)
{
    hand_over(o, 1);
}

int cr__sink_batch_full(const cr_sink_out *o)
{
    return o->cur >= 0 && o->k->b[o->cur].len >= BATCH_BYTES;
}

void cr__sink_close(cr_sink_out *o, int ok)
{
    if (!o)
        return;
    if (ok && o->cur >= 0 && o->k->b[o->cur].len)
        hand_over(o, 0);
    pthread_mutex_lock(&o->k->mu);
    if (o->cur >= 0 && ok && o->k->b[o->cur].oom && !o->k->err)
        o->k->err = CR_ENOMEM; /* rows were lost in a batch that could not be allocated */
    if (o->cur >= 0)
        o->k->busy[o->cur] = 0;
    o->k->n_open--;
    pthread_cond_broadcast(&o->k->cv);
    pthread_mutex_unlock(&o->k->mu);
    free(o);
}

void cr__sink_subject(cr_sink *k, int64_t id, const char *key, size_t len)
{
    char *copy = malloc(len + 1);
    pthread_mutex_lock(&k->mu);
    if (copy && k->n_subjects == k->cap_subjects) {
        size_t cap = k->cap_subjects ? k->cap_subjects * 2 : 256;
        struct new_subject *p = realloc(k->subjects, cap * sizeof *p);
        if (p) {
            k->subjects = p;
            k->cap_subjects = cap;
        }
    }
    if (!copy || k->n_subjects == k->cap_subjects) {
        free(copy);
        k->subjects_oom = 1;
    } else {
        memcpy(copy, key, len);
        copy[len] = 0;
        k->subjects[k->n_subjects++] = (struct new_subject){id, copy, len};
    }
    pthread_mutex_unlock(&k->mu);
}

size_t cr__sink_event(cr_sink_out *k, int64_t subject, int64_t topic, int32_t day,
                      const int64_t *amount_fen, const char *attrs, size_t attrs_len, int64_t h)
{
    struct batch *b = cur(k);
    size_t mark = b->len;
    put_op(b, OP_EVENT);
    int64_t v[5] = {subject, topic, day, amount_fen ? *amount_fen : 0, h};
    put(b, v, sizeof v);
    unsigned char has = amount_fen != NULL;
    put(b, &has, 1);
    put_bytes(b, attrs, attrs_len, attrs != NULL);
    return mark;
}

void cr__sink_event_drop(cr_sink_out *k, size_t mark)
{
    struct batch *b = cur(k);
    if (!b->oom && mark < b->len && b->p[mark] == OP_EVENT)
        b->p[mark] = OP_EVENT_DROPPED;
}

void cr__sink_enterprise(cr_sink_out *k, const struct cr_enterprise_rec *r)
{
    struct batch *b = cur(k);
    put_op(b, OP_ENTERPRISE);
    put(b, r, sizeof *r);
    const char *strs[] = {r->uscc,     r->name,     r->type,   r->industry, r->status, r->address,
                          r->addr_key, r->district, r->street, r->grid,     r->attrs};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        put_str(b, strs[i]);
}

void cr__sink_person(cr_sink_out *k, int64_t id, const unsigned char idhash[16], const char *name)
{
    struct batch *b = cur(k);
    put_op(b, OP_PERSON);
    put_i64(b, id);
    put(b, idhash, 16);
    put_str(b, name);
}

void cr__sink_role(cr_sink_out *k, int64_t subject, int64_t person, const char *role,
                   const int32_t *start_day, int64_t topic, int64_t h)
{
    struct batch *b = cur(k);
    put_op(b, OP_ROLE);
    int64_t v[5] = {subject, person, start_day ? *start_day : 0, topic, h};
    put(b, v, sizeof v);
    unsigned char has = start_day != NULL;
    put(b, &has, 1);
    put_str(b, role);
}

void cr__sink_quarantine(cr_sink_out *k, int64_t file, int64_t topic, int64_t line,
                         const char *reason, const char *detail, const void *raw, size_t raw_len)
{
    struct batch *b = cur(k);
    put_op(b, OP_QUARANTINE);
    int64_t v[3] = {file, topic, line};
    put(b, v, sizeof v);
    put_str(b, reason);
    put_str(b, detail);
    put_bytes(b, raw, raw_len, 1);
}

void cr__sink_quarantine_resolve(cr_sink_out *k, int64_t id)
{
    struct batch *b = cur(k);
    put_op(b, OP_QRESOLVE);
    put_i64(b, id);
}

void cr__sink_quarantine_update(cr_sink_out *k, int64_t id, const char *reason, const char *detail,
                                const void *raw, size_t raw_len)
{
    struct batch *b = cur(k);
    put_op(b, OP_QUPDATE);
    put_i64(b, id);
    put_str(b, reason);
    put_str(b, detail);
    put_bytes(b, raw, raw_len, 1);
}

void cr__sink_file(cr_sink_out *k, const char *path, const struct cr_file_rec *rec)
{
    struct batch *b = cur(k);
    put_op(b, OP_FILE);
    put(b, rec, sizeof *rec);
    put_str(b, path);
}

cr_err cr__sink_error(cr_sink *k)
{
    pthread_mutex_lock(&k->mu);
    cr_err rc = k->err;
    pthread_mutex_unlock(&k->mu);
    return rc;
}

/* ---- writer side ---- */

struct reader {
    const unsigned char *p, *end;
    int oom; /* a string could not be copied out: what was written with it is rolled back */
};

static int64_t get_i64(struct reader *r)
{
    int64_t v;
    memcpy(&v, r->p, sizeof v);
    r->p += sizeof v;
    return v;
}

/* Returns a pointer to len bytes (NUL-terminated copies are not needed: SQLite takes lengths),
 * or NULL for an absent string. Strings are stored without NUL, so text is bound by length. */
static const char *get_bytes(struct reader *r, int64_t *len)
{
    *len = get_i64(r);
    if (*len < 0)
        return NULL;
    const char *s = (const char *)r->p;
    r->p += *len;
    return s;
}

/* Copies a string out of the batch with a terminating NUL into buf (or heap when long). */
static const char *get_cstr(struct reader *r, char *buf, size_t cap, char **heap)
{
    int64_t len;
    const char *s = get_bytes(r, &len);
    if (!s)
        return NULL;
    char *dst = buf;
    if ((size_t)len + 1 > cap) {
        dst = malloc((size_t)len + 1);
        if (!dst) {
            r->oom = 1; /* NULL would be stored as an absent value: apply() fails instead */
            return NULL;
        }
        free(*heap);
        *heap = dst;
    }
    memcpy(dst, s, (size_t)len);
    dst[len] = 0;
    return dst;
}

static cr_err flush_events(cr_sink *k)
{
    cr_err rc = k->n_pending ? cr_store_events_add(k->s, k->pending, k->n_pending) : CR_OK;
    k->n_pending = 0;
    return rc;
}

static cr_err apply(cr_sink *k, struct reader *r)
{
    enum op op = (enum op)r->p[0];
    /* Other operations (a commit above all) must see every event queued before them. */
    if (op != OP_EVENT && op != OP_EVENT_DROPPED && k->n_pending && flush_events(k)) {
        snprintf(k->errmsg, sizeof k->errmsg, "cannot write events to the store: %s",
                 cr_store_errmsg(k->s));
        return CR_ESTORE;
    }
    r->p++;
    char sbuf[12][512];
    char *heap[12] = {0};
    cr_err rc = CR_OK;
    switch (op) {
    case OP_EVENT_DROPPED:
    case OP_EVENT: {
        int64_t v[5], len;
        memcpy(v, r->p, sizeof v);
        r->p += sizeof v;
        int has = *r->p++;
        const char *attrs = get_bytes(r, &len);
        if (op == OP_EVENT_DROPPED)
            break;
        k->pending[k->n_pending++] = (struct cr_event_row){.subject = v[0],
                                                           .topic = v[1],
                                                           .day = (int32_t)v[2],
                                                           .amount_fen = v[3],
                                                           .has_amount = has,
                                                           .h = v[4],
                                                           .attrs = attrs,
                                                           .attrs_len = attrs ? (size_t)len : 0};
        if (k->n_pending == PENDING_EVENTS)
            rc = flush_events(k);
        break;
    }
    case OP_ENTERPRISE: {
        struct cr_enterprise_rec e;
        memcpy(&e, r->p, sizeof e);
        r->p += sizeof e;
        const char **strs[] = {&e.uscc,   &e.name,    &e.type,     &e.industry,
                               &e.status, &e.address, &e.addr_key, &e.district,
                               &e.street, &e.grid,    &e.attrs};
        for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
            *strs[i] = get_cstr(r, sbuf[i], sizeof sbuf[i], &heap[i]);
        rc = cr_store_enterprise_put(k->s, &e);
        break;
    }
    case OP_PERSON: {
        int64_t id = get_i64(r);
        unsigned char idhash[16];
        memcpy(idhash, r->p, 16);
        r->p += 16;
        const char *name = get_cstr(r, sbuf[0], sizeof sbuf[0], &heap[0]);
        rc = cr_store_person_add(k->s, id, idhash, name);
        break;
    }
    case OP_ROLE: {
        int64_t v[5];
        memcpy(v, r->p, sizeof v);
        r->p += sizeof v;
        int has = *r->p++;
        int32_t day = (int32_t)v[2];
        const char *role = get_cstr(r, sbuf[0], sizeof sbuf[0], &heap[0]);
        rc = cr_store_role_add(k->s, v[0], v[1], role, has ? &day : NULL, v[3], v[4]);
        break;
    }
    case OP_QUARANTINE: {
        int64_t v[3], len;
        memcpy(v, r->p, sizeof v);
        r->p += sizeof v;
        const char *reason = get_cstr(r, sbuf[0], sizeof sbuf[0], &heap[0]);
        const char *detail = get_cstr(r, sbuf[1], sizeof sbuf[1], &heap[1]);
        const char *raw = get_bytes(r, &len);
        rc = cr_store_quarantine_add(k->s, v[0], v[1], v[2], reason, detail, raw, (size_t)len);
        break;
    }
    case OP_QRESOLVE:
        rc = cr_store_quarantine_resolve(k->s, get_i64(r));
        break;
    case OP_QUPDATE: {
        int64_t id = get_i64(r), len;
        const char *reason = get_cstr(r, sbuf[0], sizeof sbuf[0], &heap[0]);
        const char *detail = get_cstr(r, sbuf[1], sizeof sbuf[1], &heap[1]);
        const char *raw = get_bytes(r, &len);
        rc = cr_store_quarantine_update(k->s, id, reason, detail, raw, (size_t)len);
        break;
    }
    case OP_FILE: {
        struct cr_file_rec rec;
        memcpy(&rec, r->p, sizeof rec);
        r->p += sizeof rec;
        const char *path = get_cstr(r, sbuf[0], sizeof sbuf[0], &heap[0]);
        rc = cr_store_file_put(k->s, path, &rec);
        break;
    }
    default:
        rc = CR_EINVAL;
    }
    for (int i = 0; i < 12; i++)
        free(heap[i]);
    if (r->oom) {
        snprintf(k->errmsg, sizeof k->errmsg,
                 "out of memory for a long value on its way to the store");
        return CR_ENOMEM;
    }
    if (rc) {
        static const char *const what[] = {
            [OP_EVENT] = "an event",
            [OP_ENTERPRISE] = "an enterprise",
            [OP_PERSON] = "a person",
            [OP_ROLE] = "a role",
            [OP_QUARANTINE] = "a quarantined row",
            [OP_QRESOLVE] = "a quarantine row's resolution",
            [OP_QUPDATE] = "a quarantine row's update",
            [OP_FILE] = "a feed file's resume point",
            [OP_EVENT_DROPPED] = "a dropped event",
        };
        const char *w = (size_t)op < sizeof what / sizeof *what && what[op] ? what[op] : NULL;
        if (w)
            snprintf(k->errmsg, sizeof k->errmsg, "cannot write %s to the store: %s", w,
                     cr_store_errmsg(k->s));
        else
            snprintf(k->errmsg, sizeof k->errmsg, "cannot write to the store (record type %d): %s",
                     (int)op, cr_store_errmsg(k->s));
        return rc == CR_EINVAL ? CR_EINVAL : CR_ESTORE;
    }
    return CR_OK;
}

/* Writes the subjects created since the last call (before the batch that may use them). */
static cr_err write_subjects(cr_sink *k)
{
    pthread_mutex_lock(&k->mu);
    struct new_subject *v = k->subjects;
    size_t n = k->n_subjects;
    int oom = k->subjects_oom;
    k->subjects = NULL;
    k->n_subjects = k->cap_subjects = 0;
    pthread_mutex_unlock(&k->mu);
    cr_err rc = oom ? CR_ENOMEM : CR_OK;
    for (size_t i = 0; i < n; i++) {
        if (!rc && cr_store_subject_add(k->s, v[i].id, v[i].key, v[i].len)) {
            snprintf(k->errmsg, sizeof k->errmsg, "cannot write subject %s to the store: %s",
                     v[i].key, cr_store_errmsg(k->s));
            rc = CR_ESTORE;
        }
        free(v[i].key);
    }
    free(v);
    return rc;
}

static void *writer(void *arg)
{
    cr_sink *k = arg;
    pthread_mutex_lock(&k->mu);
    for (;;) {
        while (!k->qlen && !k->stop)
            pthread_cond_wait(&k->cv, &k->mu);
        if (!k->qlen && k->stop)
            break;
        int bi = k->queue[k->qhead];
        cr_err err = k->err;
        pthread_mutex_unlock(&k->mu);
        cr_err rc = err ? CR_OK : write_subjects(k);
        unsigned char *bp = k->b[bi].p; /* NULL for a batch never written */
        struct reader r = {bp, bp ? bp + k->b[bi].len : bp, 0};
        while (!err && !rc && r.p < r.end)
            rc = apply(k, &r);
        if (!err && !rc && flush_events(k)) { /* pending rows point into this batch */
            snprintf(k->errmsg, sizeof k->errmsg, "cannot write events to the store: %s",
                     cr_store_errmsg(k->s));
            rc = CR_ESTORE;
        }
        /* Every batch ends on a resume point of its producer, so any batch boundary may be a
         * commit: once a batch's worth is applied, or when no other batch waits. */
        k->since_commit += k->b[bi].len;
        pthread_mutex_lock(&k->mu);
        int idle = k->qlen == 1;
        pthread_mutex_unlock(&k->mu);
        int commit = k->since_commit >= BATCH_BYTES || idle;
        if (commit)
            k->since_commit = 0;
        if (!err && !rc && commit &&
            (cr_store_bump_generation(k->s) || cr_store_commit(k->s) || cr_store_begin(k->s))) {
            snprintf(k->errmsg, sizeof k->errmsg, "store commit failed: %s", cr_store_errmsg(k->s));
            rc = CR_ESTORE;
        }
        pthread_mutex_lock(&k->mu);
        if (rc && !k->err)
            k->err = rc;
        k->busy[bi] = 0;
        k->qhead = (k->qhead + 1) % N_BATCHES;
        k->qlen--;
        pthread_cond_broadcast(&k->cv);
    }
    k->done = 1;
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

cr_err cr__sink_start(cr_store *s, cr_sink **out)
{
    cr_sink *k = calloc(1, sizeof *k);
    if (!k)
        return CR_ENOMEM;
    k->s = s;
    /* the batches are allocated by put(), when first written */
    /* the writer's page cache (docs/store.md "The writer's page cache"); given back by
     * cr__sink_finish */
    if (cr_store_write_cache(s, 1) || cr_store_begin(s)) {
        cr_err cache_rc = cr_store_write_cache(s, 0); /* as below: only speed hangs on it */
        (void)cache_rc;
        for (int i = 0; i < N_BATCHES; i++)
            free(k->b[i].p);
        free(k);
        return CR_ESTORE;
    }
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    int perr = pthread_create(&k->thread, NULL, writer, k);
    if (perr) {
        cr_store_rollback(s);
        cr_err cache_rc = cr_store_write_cache(s, 0); /* as in cr__sink_finish: speed only */
        (void)cache_rc;
        pthread_mutex_destroy(&k->mu);
        pthread_cond_destroy(&k->cv);
        for (int i = 0; i < N_BATCHES; i++)
            free(k->b[i].p);
        free(k);
        /* EAGAIN: no memory for its stack, or the limit of threads (the caller says both) */
        return perr == EAGAIN ? CR_ENOMEM : CR_EIO;
    }
    *out = k;
    return CR_OK;
}

cr_err cr__sink_finish(cr_sink *k, int ok, cr_diag *d)
{
    pthread_mutex_lock(&k->mu);
    k->stop = 1;
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL);
    cr_err rc = k->err;
    if (!rc && ok)
        rc = write_subjects(k);
    if (!rc && ok && (cr_store_bump_generation(k->s) || cr_store_commit(k->s))) {
        snprintf(k->errmsg, sizeof k->errmsg, "store commit failed: %s", cr_store_errmsg(k->s));
        rc = CR_ESTORE;
    }
    if (rc || !ok)
        cr_store_rollback(k->s);
    /* The connection's own cache size back. Ignored when it fails: what is stored does not
     * hang on it, only the speed of what the connection does next. */
    cr_err cache_rc = cr_store_write_cache(k->s, 0);
    (void)cache_rc;
    if (rc)
        cr_diag_set(d, rc, NULL, 0, 0, "%s",
                    k->errmsg[0]      ? k->errmsg
                    : rc == CR_ENOMEM ? "out of memory for a batch of rows on its way to the store"
                                      : cr_strerror(rc));
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cv);
    for (int i = 0; i < N_BATCHES; i++)
        free(k->b[i].p);
    for (size_t i = 0; i < k->n_subjects; i++)
        free(k->subjects[i].key);
    free(k->subjects);
    free(k);
    return rc;
}
