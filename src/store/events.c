/* Events in blocks, the bulk of the store (docs/store.md "Event blocks"): the block being
 * filled and written, and the readers of the blocks.
 *
 * Events are written as rows of event_block, each holding up to CR__EVBLOCK_EVENTS events of
 * one topic in columns (the codec: evblock.c), so that SQLite pays its per-row cost once per
 * block rather than once per event. event_posting (postings.c) lists, per subject, the blocks
 * holding its events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evblock.h"
#include "internal.h"
#include "postings.h"

/* The event-block state of one connection. */
struct cr_events {
    struct cr_evblock *b; /* the block being filled */
    sqlite3_stmt *insert; /* prepared on first use */
    sqlite3_stmt *count;
    struct cr_evpairs *pairs; /* (subject, block) pairs of the blocks written (postings.c) */
    int write_cache;          /* cr_store_write_cache is on: saved_cache is the size to restore */
    int64_t saved_cache;
};

cr_err cr__events_init(cr_store *s)
{
    if (!(s->events = calloc(1, sizeof *s->events)))
        return CR_ENOMEM;
    return CR_OK;
}

void cr__events_fini(cr_store *s)
{
    struct cr_events *ev = s->events;
    if (!ev)
        return;
    sqlite3_finalize(ev->insert);
    sqlite3_finalize(ev->count);
    cr__pairs_forget(&ev->pairs);
    cr__evblock_free(ev->b);
    free(ev);
    s->events = NULL;
}

/* Writes the open block, if any, as one row. */
cr_err cr__events_flush(cr_store *s)
{
    struct cr_events *ev = s->events;
    struct cr_evblock *b = ev ? ev->b : NULL;
    if (!b || !b->n)
        return CR_OK;
    uint32_t n = b->n;
    const unsigned char *data;
    size_t total;
    if (cr__evblock_encode(b, &data, &total))
        return CR_ENOMEM;
    if (!ev->insert &&
        sqlite3_prepare_v3(s->db,
                           "INSERT INTO event_block(topic, n, day_min, day_max, data) "
                           "VALUES(?1, ?2, ?3, ?4, ?5)",
                           -1, SQLITE_PREPARE_PERSISTENT, &ev->insert, NULL))
        return cr__store_fail(s);
    sqlite3_stmt *st = ev->insert;
    sqlite3_bind_int64(st, 1, b->topic);
    sqlite3_bind_int64(st, 2, n);
    sqlite3_bind_int(st, 3, b->day_min);
    sqlite3_bind_int(st, 4, b->day_max);
    sqlite3_bind_blob(st, 5, data, (int)total, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    cr__evblock_clear(b);
    if (rc != SQLITE_DONE)
        return cr__store_fail(s);
    /* The event count, kept in meta so that counting never scans the blocks. */
    if (!ev->count && sqlite3_prepare_v3(s->db, "UPDATE meta SET v = v + ?1 WHERE k = 'events'", -1,
                                         SQLITE_PREPARE_PERSISTENT, &ev->count, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(ev->count, 1, n);
    rc = sqlite3_step(ev->count);
    sqlite3_reset(ev->count);
    if (rc != SQLITE_DONE)
        return cr__store_fail(s);
    cr__pairs_note(&ev->pairs, sqlite3_last_insert_rowid(s->db), b->subject, n);
    return CR_OK;
}

void cr__events_discard(cr_store *s)
{
    struct cr_events *ev = s->events;
    if (!ev)
        return;
    if (ev->b)
        cr__evblock_clear(ev->b);
    cr__pairs_forget(&ev->pairs);
}

cr_err cr_store_events_add(cr_store *s, const struct cr_event_row *rows, size_t n)
{
    struct cr_events *ev = s->events;
    if (!ev->b && !(ev->b = cr__evblock_new()))
        return CR_ENOMEM;
    struct cr_evblock *b = ev->b;
    for (size_t i = 0; i < n; i++) {
        const struct cr_event_row *e = &rows[i];
        if (e->subject < 0 || e->subject > (int64_t)UINT32_MAX)
            return CR_EINVAL;
        cr_err rc;
        if (cr__evblock_full(b, e) && (rc = cr__events_flush(s)))
            return rc;
        if ((rc = cr__evblock_add(b, e)))
            return rc;
    }
    return CR_OK;
}

/* A bulk load appends: event blocks at the end of event_block, registry rows by increasing
 * subject id, small indexes (event blocks by topic and by day) aside. It needs few pages
 * cached, and a 256 MiB cache made it slower: on the 100,000 city the writer thread took 13 s
 * against 4.4 s with 8 MiB (and the whole ingest 16.2 s of CPU against 12.7 s; bench/README.md,
 * "Session 9 (P14)"), a cache that keeps growing to its limit costing more than the pages it
 * spares re-reading. 32 MiB keeps a full city's two event-block indexes (about 6 MiB each)
 * whole. */
cr_err cr_store_write_cache(cr_store *s, int on)
{
    struct cr_events *ev = s->events;
    if (!ev || on == ev->write_cache)
        return CR_OK;
    char sql[64];
    if (on) {
        int64_t cache;
        if (cr_store_scalar(s, "PRAGMA cache_size", &cache))
            return CR_ESTORE;
        ev->saved_cache = cache;
        snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", CR_STORE_WRITE_CACHE_KIB);
    } else {
        snprintf(sql, sizeof sql, "PRAGMA cache_size=%lld", (long long)ev->saved_cache);
    }
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL))
        return cr__store_fail(s);
    ev->write_cache = on;
    return CR_OK;
}

/* ---- reading ---- */

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
static cr_err block_each(sqlite3_stmt *st, const int64_t *subjects, size_t n_subjects,
                         cr_event_fn fn, void *ctx, int *stop, struct cr_jbuf *j,
                         const uint8_t *attrs_of, size_t n_topics)
{
    struct cr_evview v;
    int64_t topic = sqlite3_column_int64(st, 0);
    int attrs = !attrs_of || (topic >= 0 && (size_t)topic < n_topics && attrs_of[topic]);
    const unsigned char *p = sqlite3_column_blob(st, 1);
    if (cr__evview_of(p, (size_t)sqlite3_column_bytes(st, 1), &v))
        return CR_ESTORE;
    for (uint32_t i = 0; i < v.n && !*stop; i++) {
        if (subjects && !member(subjects, n_subjects, cr__evview_subject(&v, i)))
            continue;
        struct cr_event_row e;
        if (cr__evview_row(&v, topic, i, &e, attrs ? j : NULL))
            return CR_ESTORE;
        *stop = fn(ctx, &e);
    }
    return CR_OK;
}

/* Events of the given subjects: the blocks their postings name, and every block after
 * posting_upto. */
static cr_err events_of(cr_store *s, const int64_t *subjects, size_t n_subjects, cr_event_fn fn,
                        void *ctx)
{
    int64_t upto;
    if (cr__postings_upto(s->db, &upto))
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
        if (rc == SQLITE_ROW &&
            cr__posting_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                               &ids, &n, &cap))
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
    struct cr_jbuf jb = {0};
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
            err = cr__store_kept(
                s, block_each(st, subjects, n_subjects, fn, ctx, &stop, &jb, NULL, 0));
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
            err = cr__store_kept(
                s, block_each(st, subjects, n_subjects, fn, ctx, &stop, &jb, NULL, 0));
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
    struct cr_jbuf jb = {0};
    while (!err && !stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        err = cr__store_kept(s, block_each(st, NULL, 0, fn, ctx, &stop, &jb, attrs_of, n_topics));
    if (!err && !stop && rc != SQLITE_DONE)
        err = cr__store_fail(s);
    sqlite3_finalize(st);
    free(jb.p);
    return err;
}

static cr_err events_hashes(cr_store *s, void (*fn)(void *ctx, int64_t topic, int64_t h), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT topic, data FROM event_block", -1, &st, NULL))
        return cr__store_fail(s);
    int rc;
    cr_err err = CR_OK;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct cr_evview v;
        int64_t topic = sqlite3_column_int64(st, 0);
        if (cr__evview_of(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), &v)) {
            err = cr__store_fail(s);
            break;
        }
        for (uint32_t i = 0; i < v.n; i++)
            fn(ctx, topic, cr__evview_h(&v, i));
    }
    if (!err && rc != SQLITE_DONE)
        err = cr__store_fail(s);
    sqlite3_finalize(st);
    return err;
}

/* The content hashes of every stored row, events first, then enterprises and roles. */
cr_err cr_store_hashes_each(cr_store *s, void (*fn)(void *ctx, int64_t topic, int64_t h), void *ctx)
{
    if (events_hashes(s, fn, ctx))
        return CR_ESTORE;
    static const char *const q[] = {"SELECT topic, h FROM enterprise", "SELECT topic, h FROM role"};
    for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->db, q[i], -1, &st, NULL))
            return cr__store_fail(s);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return cr__store_fail(s);
    }
    return CR_OK;
}

cr_err cr__events_postings(cr_store *s)
{
    cr_err err = cr__events_flush(s);
    if (!err)
        err = cr__postings_update(s, s->events->pairs);
    cr__pairs_forget(&s->events->pairs);
    return err;
}
