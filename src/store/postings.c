/* Postings: per subject, the ids of the event blocks holding its events (docs/store.md "Event
 * blocks"). event_posting is brought up to date at the end of every ingest
 * (cr_store_ensure_indexes) and covers the blocks up to meta.posting_upto; readers scan any
 * block after that as well, so a stale posting is slower, never wrong. */
#include "postings.h"

#include <stdlib.h>
#include <string.h>

#include "evblock.h"

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

void cr__pairs_forget(struct cr_evpairs **pp)
{
    if (!*pp)
        return;
    free((*pp)->subject);
    free((*pp)->block);
    free(*pp);
    *pp = NULL;
}

void cr__pairs_note(struct cr_evpairs **pp, int64_t block, const uint32_t *subject, uint32_t n)
{
    if (!*pp && !(*pp = calloc(1, sizeof **pp)))
        return; /* then the postings read the blocks */
    struct cr_evpairs *p = *pp;
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

cr_err cr__postings_upto(sqlite3 *db, int64_t *out)
{
    const char *key = "posting_upto";
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

/* Appends the block ids of a posting blob to *ids; returns -1 on a malformed blob or OOM. */
int cr__posting_decode(const unsigned char *p, size_t len, int64_t **ids, size_t *n, size_t *cap)
{
    if (!len)
        return 0; /* SQLite gives an empty blob as NULL, which takes no offset */
    const unsigned char *end = p + len;
    uint64_t prev = 0, gap;
    while (p < end) {
        if (cr__varint_get(&p, end, &gap))
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
        struct cr_evview v;
        if (cr__evview_of(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), &v)) {
            err = CR_ESTORE;
            break;
        }
        for (uint32_t i = 0; i < v.n; i++) {
            uint32_t sj = cr__evview_subject(&v, i);
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
cr_err cr__postings_update(cr_store *s, const struct cr_evpairs *pr)
{
    int64_t upto, top, max_subject;
    if (cr__postings_upto(s->db, &upto) ||
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
    int from_pairs = pr && !pr->broken && pr->first == upto + 1 && pr->last == top;
    for (size_t i = 0; from_pairs && i < pr->n; i++)
        if ((int64_t)pr->subject[i] > max_subject)
            from_pairs = 0;
    if (from_pairs) {
        for (size_t i = 0; i < pr->n; i++)
            p.off[pr->subject[i] + 1]++;
    } else {
        memset(last, 0xff, ns * sizeof *last);
        if ((err = cr__store_kept(
                 s, subjects_of_blocks(s->db, upto, max_subject, count_posting, &p, last))))
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
        if ((err = cr__store_kept(
                 s, subjects_of_blocks(s->db, upto, max_subject, place_posting, &p, last))))
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
                cr__posting_decode(sqlite3_column_blob(get, 0),
                                   (size_t)sqlite3_column_bytes(get, 0), &old, &n_old, &old_cap))
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
            len += cr__varint_put(enc + len, (uint64_t)(old[i] - prev));
            prev = old[i];
        }
        for (uint64_t i = start; !err && i < end; i++) {
            if (p.ids[i] == prev)
                continue; /* a subject met twice in one block */
            len += cr__varint_put(enc + len, (uint64_t)(p.ids[i] - prev));
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
