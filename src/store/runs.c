/* Classification runs in the SQLite store: saving runs and tags, reading them back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "internal.h"

/* ---- runs ---- */

cr_err cr_store_run_latest(cr_store *s, int64_t *run_id)
{
    int64_t v = 0;
    if (cr_store_scalar(s, "SELECT coalesce(max(id),0) FROM run", &v))
        return CR_ESTORE;
    if (!v)
        return CR_ENOTFOUND;
    *run_id = v;
    return CR_OK;
}

/* Prepares sql on s's connection with run bound to ?1. */
static cr_err prepare_run(cr_store *s, const char *sql, int64_t run, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(cr__store_db(s), sql, -1, st, NULL))
        return CR_ESTORE;
    sqlite3_bind_int64(*st, 1, run);
    return CR_OK;
}

/* Enterprise e's aspects and top contributions as the JSON of run_score's columns, in asp and
 * top (emptied first). */
static void row_json(const struct cr_run_rec *r, size_t e, struct buf *asp, struct buf *top)
{
    asp->len = top->len = 0;
    cr__buf_char(asp, '[');
    for (size_t a = 0; a < r->n_aspects; a++) {
        if (a)
            cr__buf_char(asp, ',');
        cr__buf_fixed(asp, r->aspects[e * r->n_aspects + a], 4);
    }
    cr__buf_char(asp, ']');
    cr__buf_char(top, '[');
    for (size_t k = 0; k < r->n_top; k++) {
        size_t at = (e * r->n_top + k) * r->top_stride;
        int32_t ind = *(const int32_t *)(const void *)((const char *)r->top_indicator + at);
        if (ind < 0)
            break;
        if (k)
            cr__buf_char(top, ',');
        cr__buf_char(top, '[');
        const char *ind_id = (size_t)ind < r->n_indicators ? r->indicator_ids[ind] : "?";
        cr__buf_json(top, ind_id, strlen(ind_id));
        cr__buf_char(top, ',');
        cr__buf_fixed(top, *(const float *)(const void *)((const char *)r->top_points + at), 1);
        cr__buf_char(top, ',');
        cr__buf_fixed(top, *(const float *)(const void *)((const char *)r->top_share + at), 4);
        cr__buf_char(top, ']');
    }
    cr__buf_char(top, ']');
}

cr_err cr_store_run_save(cr_store *s, const struct cr_run_rec *r, int64_t *run_id,
                         int64_t *n_changes)
{
    sqlite3 *db = cr__store_db(s);
    int64_t prev = 0;
    int have_prev = cr_store_run_latest(s, &prev) == CR_OK;
    char *before = calloc(r->n + 1, 1); /* previous level by dense id, 0 when new */
    if (!before)
        return CR_ENOMEM;
    sqlite3_stmt *st = NULL;
    cr_err rc = CR_OK;
    int32_t prev_as_of;
    if (have_prev && cr_store_run_levels(s, prev, r->subject, r->n, &prev_as_of, before)) {
        free(before);
        return CR_ESTORE;
    }
    if (cr_store_begin(s)) {
        free(before);
        return CR_ESTORE;
    }
    char levels[128];
    snprintf(levels, sizeof levels, "{\"A\":%zu,\"B\":%zu,\"C\":%zu,\"D\":%zu}", r->levels[0],
             r->levels[1], r->levels[2], r->levels[3]);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO run(model_id, model_version, model_hash, as_of, created, "
                           "enterprises, events, seconds, levels) "
                           "VALUES(?1,?2,?3,?4,datetime('now'),?5,?6,?7,?8)",
                           -1, &st, NULL))
        goto fail;
    sqlite3_bind_text(st, 1, r->model_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, r->model_version);
    sqlite3_bind_text(st, 3, r->model_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, r->as_of);
    sqlite3_bind_int64(st, 5, (int64_t)r->n);
    sqlite3_bind_int64(st, 6, (int64_t)r->n_events);
    sqlite3_bind_double(st, 7, r->seconds);
    sqlite3_bind_text(st, 8, levels, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(st);
    st = NULL;
    int64_t id = sqlite3_last_insert_rowid(db);
    /* The model's text, once per content hash: readers of the run explain it with this model. */
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO model(hash, id, version, text) "
                           "VALUES(?1,?2,?3,?4)",
                           -1, &st, NULL))
        goto fail;
    sqlite3_bind_text(st, 1, r->model_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->model_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, r->model_version);
    if (r->model_text)
        sqlite3_bind_blob64(st, 4, r->model_text, r->model_text_len, SQLITE_STATIC);
    else
        sqlite3_bind_blob(st, 4, "", 0, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(st);
    st = NULL;
    sqlite3_stmt *ins = NULL, *chg = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO run_score(run, subject, score, level, veto, aspects, top) "
                           "VALUES(?1,?2,?3,?4,?5,?6,?7)",
                           -1, &ins, NULL) ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO level_change(run, subject, before, after) "
                           "VALUES(?1,?2,?3,?4)",
                           -1, &chg, NULL)) {
        sqlite3_finalize(ins);
        goto fail;
    }
    int64_t changes = 0;
    struct buf asp = {0}, top = {0};
    for (size_t e = 0; e < r->n && !rc; e++) {
        row_json(r, e, &asp, &top);
        if (asp.oom || top.oom) {
            rc = CR_ENOMEM;
            break;
        }
        if (r->veto[e] >= 0 && (size_t)r->veto[e] >= r->n_vetoes) {
            rc = CR_EINVAL; /* a veto the model does not have: a caller's bug */
            break;
        }
        char lvl[2] = {r->level[e], 0};
        sqlite3_bind_int64(ins, 1, id);
        sqlite3_bind_int64(ins, 2, r->subject[e]);
        sqlite3_bind_double(ins, 3, r->score[e]);
        sqlite3_bind_text(ins, 4, lvl, 1, SQLITE_TRANSIENT);
        if (r->veto[e] >= 0)
            sqlite3_bind_text(ins, 5, r->veto_ids[r->veto[e]], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 5);
        sqlite3_bind_text64(ins, 6, asp.p, asp.len, SQLITE_TRANSIENT, SQLITE_UTF8);
        sqlite3_bind_text64(ins, 7, top.p, top.len, SQLITE_TRANSIENT, SQLITE_UTF8);
        if (sqlite3_step(ins) != SQLITE_DONE)
            rc = CR_ESTORE;
        sqlite3_reset(ins);
        if (!rc && before[e] && before[e] != r->level[e]) {
            char b[2] = {before[e], 0};
            sqlite3_bind_int64(chg, 1, id);
            sqlite3_bind_int64(chg, 2, r->subject[e]);
            sqlite3_bind_text(chg, 3, b, 1, SQLITE_TRANSIENT);
            sqlite3_bind_text(chg, 4, lvl, 1, SQLITE_TRANSIENT);
            if (sqlite3_step(chg) != SQLITE_DONE)
                rc = CR_ESTORE;
            sqlite3_reset(chg);
            changes++;
        }
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(chg);
    free(asp.p);
    free(top.p);
    if (rc || cr_store_commit(s))
        goto fail;
    free(before);
    *run_id = id;
    *n_changes = changes;
    return CR_OK;
fail:
    cr__store_fail(s); /* before the rollback replaces SQLite's message */
    sqlite3_finalize(st);
    cr_store_rollback(s);
    free(before);
    return rc == CR_ENOMEM ? CR_ENOMEM : CR_ESTORE;
}

cr_err cr_store_run_model(cr_store *s, int64_t run, char hash[17], char **text, size_t *len)
{
    sqlite3_stmt *st = NULL;
    if (prepare_run(s,
                    "SELECT r.model_hash, m.text FROM run r LEFT JOIN model m "
                    "ON m.hash = r.model_hash WHERE r.id = ?1",
                    run, &st))
        return CR_ESTORE;
    int rc = sqlite3_step(st);
    cr_err err = rc == SQLITE_ROW ? CR_OK : rc == SQLITE_DONE ? CR_ENOTFOUND : CR_ESTORE;
    char *t = NULL;
    size_t n = 0;
    if (!err) {
        const unsigned char *h = sqlite3_column_text(st, 0);
        snprintf(hash, 17, "%s", h ? (const char *)h : "");
        if (sqlite3_column_type(st, 1) != SQLITE_NULL && sqlite3_column_bytes(st, 1) > 0) {
            n = (size_t)sqlite3_column_bytes(st, 1);
            if ((t = malloc(n + 1))) {
                memcpy(t, sqlite3_column_blob(st, 1), n);
                t[n] = 0;
            } else {
                err = CR_ENOMEM;
            }
        }
    }
    sqlite3_finalize(st);
    if (!err) {
        *text = t;
        *len = n;
    }
    return err;
}

cr_err cr_store_run_all_uscc(cr_store *s, int64_t run, int *all_uscc)
{
    int64_t v = 0;
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT 1 FROM run WHERE id = %lld)", (long long)run);
    if (cr_store_scalar(s, sql, &v))
        return CR_ESTORE;
    if (!v)
        return CR_ENOTFOUND;
    snprintf(sql, sizeof sql,
             "SELECT NOT EXISTS (SELECT 1 FROM run_score r JOIN subject s ON s.id = r.subject "
             "WHERE r.run = %lld AND instr(s.key, ':') > 0)",
             (long long)run);
    if (cr_store_scalar(s, sql, &v))
        return CR_ESTORE;
    *all_uscc = (int)v;
    return CR_OK;
}

cr_err cr_store_scores_each(cr_store *s, int64_t run,
                            void (*fn)(void *ctx, const char *key, double score, char level),
                            void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prepare_run(s,
                    "SELECT s.key, r.score, r.level FROM run_score r "
                    "JOIN subject s ON s.id = r.subject WHERE r.run = ?1 ORDER BY r.subject",
                    run, &st))
        return CR_ESTORE;
    int rc;
    int64_t n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_double(st, 1),
           (char)sqlite3_column_text(st, 2)[0]);
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return CR_ESTORE;
    return n ? CR_OK : CR_ENOTFOUND;
}

cr_err cr_store_run_levels(cr_store *s, int64_t run, const int64_t *subject, size_t n,
                           int32_t *as_of, char *levels)
{
    sqlite3_stmt *st = NULL;
    if (prepare_run(s, "SELECT as_of FROM run WHERE id=?1", run, &st))
        return CR_ESTORE;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *as_of = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? CR_ENOTFOUND : CR_ESTORE;
    memset(levels, 0, n);
    if (prepare_run(s, "SELECT subject, level FROM run_score WHERE run=?1 ORDER BY subject", run,
                    &st))
        return CR_ESTORE;
    size_t e = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t subj = sqlite3_column_int64(st, 0);
        while (e < n && subject[e] < subj)
            e++;
        if (e < n && subject[e] == subj) {
            const unsigned char *lv = sqlite3_column_text(st, 1); /* NULL in a damaged store */
            levels[e] = lv ? (char)lv[0] : 0;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CR_OK : CR_ESTORE;
}

cr_err cr_store_tags_save(cr_store *s, int64_t run, const int64_t *subject, size_t n,
                          const char *const *ids, const char *const *names, size_t n_tags,
                          const uint64_t *bits)
{
    sqlite3 *db = cr__store_db(s);
    sqlite3_stmt *del = NULL, *ins = NULL;
    cr_err rc = CR_OK;
    if (cr_store_begin(s))
        return CR_ESTORE;
    if (sqlite3_prepare_v2(db, "DELETE FROM enterprise_tag WHERE run=?1", -1, &del, NULL) ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO enterprise_tag(run, subject, tag, name) "
                           "VALUES(?1,?2,?3,?4)",
                           -1, &ins, NULL)) {
        rc = CR_ESTORE;
        goto out;
    }
    sqlite3_bind_int64(del, 1, run);
    if (sqlite3_step(del) != SQLITE_DONE) {
        rc = CR_ESTORE;
        goto out;
    }
    for (size_t e = 0; e < n && !rc; e++)
        for (size_t r = 0; r < n_tags && !rc; r++) {
            if (!(bits[e] >> r & 1))
                continue;
            sqlite3_bind_int64(ins, 1, run);
            sqlite3_bind_int64(ins, 2, subject[e]);
            sqlite3_bind_text(ins, 3, ids[r], -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, names[r], -1, SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE)
                rc = CR_ESTORE;
            sqlite3_reset(ins);
        }
out:
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    if (rc || cr_store_commit(s)) {
        cr_store_rollback(s);
        return CR_ESTORE;
    }
    return CR_OK;
}

cr_err cr_store_run_by_district(cr_store *s, int64_t run,
                                void (*fn)(void *ctx, const char *district, const int64_t n[4]),
                                void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prepare_run(s,
                    "SELECT coalesce(e.district, ''), sum(r.level='A'), sum(r.level='B'), "
                    "sum(r.level='C'), sum(r.level='D') FROM run_score r "
                    "JOIN enterprise e ON e.subject = r.subject WHERE r.run = ?1 "
                    "GROUP BY 1 ORDER BY 1",
                    run, &st))
        return CR_ESTORE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t n[4];
        for (int i = 0; i < 4; i++)
            n[i] = sqlite3_column_int64(st, 1 + i);
        fn(ctx, (const char *)sqlite3_column_text(st, 0), n);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CR_OK : CR_ESTORE;
}
