/* The store's part of the learn stage (docs/learn.md): the registry columns the feature matrix
 * reads (district and kept attributes) and the record of promoted models. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Who promoted which model and why; the latest row is the champion classify uses by default.
 * The model's text is kept whole, so the champion never depends on a file that may change. */
const char cr__schema_v5_learn[] =
    "CREATE TABLE IF NOT EXISTS model_promotion(id INTEGER PRIMARY KEY, model_id TEXT NOT NULL,"
    " version INTEGER NOT NULL, hash TEXT NOT NULL, method TEXT NOT NULL, text TEXT NOT NULL,"
    " path TEXT NOT NULL, by_user TEXT NOT NULL, note TEXT NOT NULL, created TEXT NOT NULL,"
    " metrics TEXT);";

cr_err cr_store_learn_firms(cr_store *s,
                            int (*fn)(void *ctx, int64_t subject, const char *district,
                                      const char *attrs),
                            void *ctx)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cr__store_db(s),
                           "SELECT subject, district, attrs FROM enterprise ORDER BY subject", -1,
                           &st, NULL))
        return cr__store_fail(s);
    int r;
    cr_err rc = CR_OK;
    for (r = sqlite3_step(st); r == SQLITE_ROW; r = sqlite3_step(st)) {
        const char *dist = (const char *)sqlite3_column_text(st, 1);
        const char *attrs = (const char *)sqlite3_column_text(st, 2);
        if (fn(ctx, sqlite3_column_int64(st, 0), dist ? dist : "", attrs)) {
            rc = CR_EIO;
            break;
        }
    }
    if (!rc && r != SQLITE_DONE)
        rc = cr__store_fail(s);
    sqlite3_finalize(st);
    return rc;
}

cr_err cr_store_learn_cache(cr_store *s, int kib)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", kib > 0 ? kib : 1);
    return sqlite3_exec(cr__store_db(s), sql, NULL, NULL, NULL) ? cr__store_fail(s) : CR_OK;
}

struct topic_scan {
    cr_event_fn fn;
    void *ctx;
    int stop;
};

static int topic_event(void *ctx, const struct cr_event_row *e)
{
    struct topic_scan *t = ctx;
    return t->stop = t->fn(t->ctx, e);
}

cr_err cr_store_learn_topic_events(cr_store *s, const char *topic_code, cr_event_fn fn, void *ctx)
{
    struct topic_scan ts = {fn, ctx, 0};
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cr__store_db(s),
                           "SELECT b.id FROM event_block b JOIN topic t ON t.id=b.topic"
                           " WHERE t.code=?1 ORDER BY b.id",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_text(st, 1, topic_code, -1, SQLITE_STATIC);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int r;
    cr_err rc = CR_OK;
    for (r = sqlite3_step(st); r == SQLITE_ROW; r = sqlite3_step(st)) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            int64_t *t = realloc(ids, cap * sizeof *t);
            if (!t) {
                rc = CR_ENOMEM;
                break;
            }
            ids = t;
        }
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    if (!rc && r != SQLITE_DONE)
        rc = cr__store_fail(s);
    sqlite3_finalize(st);
    /* The topic's blocks one by one (a few: outcomes are a workflow's, not a feed's). */
    for (size_t i = 0; !rc && !ts.stop && i < n; i++)
        rc = cr_store_events_range(s, ids[i], ids[i] + 1, NULL, 0, topic_event, &ts);
    free(ids);
    return rc;
}

cr_err cr_store_promotion_add(cr_store *s, const struct cr_promotion *p, int64_t *id)
{
    sqlite3 *db = cr__store_db(s);
    /* A store made at version 5 before this part existed gets the table now. */
    if (sqlite3_exec(db, cr__schema_v5_learn, NULL, NULL, NULL))
        return cr__store_fail(s);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO model_promotion(model_id,version,hash,method,text,path,"
                           "by_user,note,created,metrics) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,"
                           "strftime('%Y-%m-%dT%H:%M:%SZ','now'),?9)",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_text(st, 1, p->model_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, p->version);
    sqlite3_bind_text(st, 3, p->hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, p->method, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, p->text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, p->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, p->by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, p->note, -1, SQLITE_STATIC);
    if (p->metrics)
        sqlite3_bind_text(st, 9, p->metrics, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 9);
    cr_err rc = sqlite3_step(st) == SQLITE_DONE ? CR_OK : cr__store_fail(s);
    sqlite3_finalize(st);
    if (!rc && id)
        *id = sqlite3_last_insert_rowid(db);
    return rc;
}

static int has_table(sqlite3 *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM sqlite_master WHERE type='table' AND "
                           "name='model_promotion'",
                           -1, &st, NULL))
        return -1;
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

cr_err cr_store_promotions_each(cr_store *s, int latest_only,
                                int (*fn)(void *ctx, const struct cr_promotion *p), void *ctx)
{
    sqlite3 *db = cr__store_db(s);
    int t = has_table(db);
    if (t < 0)
        return cr__store_fail(s);
    if (!t)
        return latest_only ? CR_ENOTFOUND : CR_OK;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           latest_only
                               ? "SELECT id,model_id,version,hash,method,text,path,by_user,note,"
                                 "created,metrics FROM model_promotion ORDER BY id DESC LIMIT 1"
                               : "SELECT id,model_id,version,hash,method,text,path,by_user,note,"
                                 "created,metrics FROM model_promotion ORDER BY id",
                           -1, &st, NULL))
        return cr__store_fail(s);
    int r, any = 0;
    cr_err rc = CR_OK;
    for (r = sqlite3_step(st); r == SQLITE_ROW; r = sqlite3_step(st)) {
        struct cr_promotion p = {
            .id = sqlite3_column_int64(st, 0),
            .model_id = (const char *)sqlite3_column_text(st, 1),
            .version = sqlite3_column_int64(st, 2),
            .hash = (const char *)sqlite3_column_text(st, 3),
            .method = (const char *)sqlite3_column_text(st, 4),
            .text = (const char *)sqlite3_column_text(st, 5),
            .text_len = (size_t)sqlite3_column_bytes(st, 5),
            .path = (const char *)sqlite3_column_text(st, 6),
            .by = (const char *)sqlite3_column_text(st, 7),
            .note = (const char *)sqlite3_column_text(st, 8),
            .created = (const char *)sqlite3_column_text(st, 9),
            .metrics = (const char *)sqlite3_column_text(st, 10),
        };
        any = 1;
        if (fn(ctx, &p)) {
            rc = CR_EIO;
            break;
        }
    }
    if (!rc && r != SQLITE_DONE)
        rc = cr__store_fail(s);
    sqlite3_finalize(st);
    if (!rc && latest_only && !any)
        rc = CR_ENOTFOUND;
    return rc;
}
