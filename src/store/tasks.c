/* The store's tables of the respond stage: the roster, tasks routed from warnings, their
 * history (docs/respond.md). */
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char cr__schema_v5_respond[] =
    "CREATE TABLE staff(id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
    " division TEXT NOT NULL, qualifications TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX staff_by_division ON staff(division);"
    "CREATE TABLE task(id INTEGER PRIMARY KEY, warning INTEGER NOT NULL,"
    " level INTEGER NOT NULL CHECK(level BETWEEN 0 AND 3), division TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK(kind IN ('grid','coordinate','escalation')),"
    " parent INTEGER NOT NULL DEFAULT 0, escalated_to INTEGER NOT NULL DEFAULT 0,"
    " status TEXT NOT NULL CHECK(status IN ('open','accepted','visited','closed')),"
    " outcome TEXT, created_day INTEGER NOT NULL, due_day INTEGER NOT NULL,"
    " opening INTEGER NOT NULL DEFAULT 0, UNIQUE(warning, division, kind, parent));"
    "CREATE INDEX task_by_division ON task(division);"
    "CREATE TABLE task_history(task INTEGER NOT NULL, at INTEGER NOT NULL, by TEXT NOT NULL,"
    " action TEXT NOT NULL, from_status TEXT, to_status TEXT NOT NULL, note TEXT,"
    " created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX task_history_by_task ON task_history(task);";

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Steps st to its end (finalising it); CR_ESTORE with SQLite's message on failure. */
static cr_err done(cr_store *s, sqlite3_stmt *st, int rc)
{
    if (rc != SQLITE_DONE) {
        cr_err e = cr__store_fail(s);
        sqlite3_finalize(st);
        return e;
    }
    sqlite3_finalize(st);
    return CR_OK;
}

cr_err cr_store_staff_replace(cr_store *s, const struct cr_staff *rows, size_t n)
{
    sqlite3 *db = cr__store_db(s);
    cr_err rc = cr_store_begin(s);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if (sqlite3_exec(db, "DELETE FROM staff", NULL, NULL, NULL) ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO staff(id, name, role, division, qualifications)"
                           " VALUES(?,?,?,?,?)",
                           -1, &st, NULL)) {
        rc = cr__store_fail(s);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, rows[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, rows[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, rows[i].role, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, rows[i].division, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, rows[i].qualifications ? rows[i].qualifications : "", -1,
                          SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = cr__store_fail(s);
            goto out;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    rc = cr_store_commit(s);
out:
    sqlite3_finalize(st);
    if (rc)
        cr_store_rollback(s);
    return rc;
}

static cr_err staff_query(cr_store *s, const char *sql, const char *arg,
                          int (*fn)(void *ctx, const struct cr_staff *st), void *ctx, int *found)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s), sql, -1, &st, NULL))
        return cr__store_fail(s);
    bind_opt(st, 1, arg);
    if (found)
        *found = 0;
    int rc = sqlite3_step(st);
    for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        struct cr_staff r = {cr__store_text(st, 0), cr__store_text(st, 1), cr__store_text(st, 2),
                             cr__store_text(st, 3), cr__store_text(st, 4)};
        if (found)
            *found = 1;
        if (fn(ctx, &r)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    return done(s, st, rc);
}

cr_err cr_store_staff_read(cr_store *s, const char *division_prefix,
                           int (*fn)(void *ctx, const struct cr_staff *st), void *ctx)
{
    return staff_query(s,
                       "SELECT id, name, role, division, qualifications FROM staff"
                       " WHERE ?1 IS NULL OR substr(division, 1, length(?1)) = ?1 ORDER BY id",
                       division_prefix, fn, ctx, NULL);
}

cr_err cr_store_staff_get(cr_store *s, const char *id,
                          int (*fn)(void *ctx, const struct cr_staff *st), void *ctx, int *found)
{
    return staff_query(s,
                       "SELECT id, name, role, division, qualifications FROM staff WHERE id = ?1",
                       id, fn, ctx, found);
}

cr_err cr_store_tasks_each(cr_store *s, const struct cr_task_filter *f,
                           int (*fn)(void *ctx, const struct cr_task *t), void *ctx)
{
    static const char sql[] =
        "SELECT t.id, t.warning, t.parent, t.escalated_to, t.level, t.division, t.kind,"
        " t.status, t.outcome, t.created_day, t.due_day, w.detector, w.status, w.summary"
        " FROM task t LEFT JOIN warning w ON w.id = t.warning"
        " WHERE (?1 IS NULL OR substr(t.division, 1, length(?1)) = ?1)"
        " AND (?2 IS NULL OR t.status = ?2) AND (?3 = 0 OR t.warning = ?3)"
        " AND (?4 = 0 OR t.warning IN (SELECT warning FROM warning_firm WHERE subject = ?4))"
        " AND (?5 = 0 OR t.id = ?5)"
        " ORDER BY t.id";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s), sql, -1, &st, NULL))
        return cr__store_fail(s);
    bind_opt(st, 1, f ? f->division : NULL);
    bind_opt(st, 2, f ? f->status : NULL);
    sqlite3_bind_int64(st, 3, f ? f->warning : 0);
    sqlite3_bind_int64(st, 4, f ? f->subject : 0);
    sqlite3_bind_int64(st, 5, f ? f->id : 0);
    int rc = sqlite3_step(st);
    for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        struct cr_task t;
        t.id = sqlite3_column_int64(st, 0);
        t.warning = sqlite3_column_int64(st, 1);
        t.parent = sqlite3_column_int64(st, 2);
        t.escalated_to = sqlite3_column_int64(st, 3);
        t.level = sqlite3_column_int(st, 4);
        t.division = cr__store_text(st, 5);
        t.kind = cr__store_text(st, 6);
        t.status = cr__store_text(st, 7);
        t.outcome = cr__store_text(st, 8);
        t.created_day = sqlite3_column_int(st, 9);
        t.due_day = sqlite3_column_int(st, 10);
        t.detector = cr__store_text(st, 11);
        t.warning_status = cr__store_text(st, 12);
        t.summary = cr__store_text(st, 13);
        t.opening = 0; /* not read: a store made before the column still lists its tasks */
        if (fn(ctx, &t)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    return done(s, st, rc);
}

cr_err cr_store_task_insert(cr_store *s, const struct cr_task *t, int64_t *id, int *created)
{
    sqlite3 *db = cr__store_db(s);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO task(warning, level, division, kind, parent, escalated_to,"
                           " status, outcome, created_day, due_day, opening)"
                           " VALUES(?,?,?,?,?,0,?,?,?,?,?)"
                           " ON CONFLICT(warning, division, kind, parent) DO NOTHING",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, t->warning);
    sqlite3_bind_int(st, 2, t->level);
    sqlite3_bind_text(st, 3, t->division, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, t->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, t->parent);
    sqlite3_bind_text(st, 6, t->status, -1, SQLITE_STATIC);
    bind_opt(st, 7, t->outcome);
    sqlite3_bind_int(st, 8, t->created_day);
    sqlite3_bind_int(st, 9, t->due_day);
    sqlite3_bind_int64(st, 10, t->opening);
    if (sqlite3_step(st) != SQLITE_DONE)
        return done(s, st, SQLITE_ERROR);
    int ch = sqlite3_changes(db);
    sqlite3_finalize(st);
    if (ch) {
        *id = sqlite3_last_insert_rowid(db);
        *created = 1;
        return CR_OK;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT id FROM task WHERE warning = ? AND division = ? AND kind = ?"
                           " AND parent = ?",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, t->warning);
    sqlite3_bind_text(st, 2, t->division, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, t->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, t->parent);
    if (sqlite3_step(st) != SQLITE_ROW)
        return done(s, st, SQLITE_ERROR);
    *id = sqlite3_column_int64(st, 0);
    *created = 0;
    sqlite3_finalize(st);
    return CR_OK;
}

cr_err cr_store_task_latest(cr_store *s, int64_t warning, const char *division, const char *kind,
                            struct cr_task_latest *out, int *found)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s),
                           "SELECT id, status, opening FROM task WHERE warning = ?1"
                           " AND division = ?2 AND kind = ?3 ORDER BY id DESC LIMIT 1",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, warning);
    sqlite3_bind_text(st, 2, division, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found) {
        out->id = sqlite3_column_int64(st, 0);
        snprintf(out->status, sizeof out->status, "%s", cr__store_text(st, 1));
        out->opening = sqlite3_column_int64(st, 2);
        rc = sqlite3_step(st);
    }
    return done(s, st, rc);
}

cr_err cr_store_tasks_upgrade(cr_store *s)
{
    int64_t has = 0;
    cr_err rc = cr_store_scalar(
        s, "SELECT count(*) FROM pragma_table_info('task') WHERE name = 'opening'", &has);
    if (rc)
        return rc;
    if (has)
        return CR_OK;
    if (sqlite3_exec(cr__store_db(s),
                     "ALTER TABLE task ADD COLUMN opening INTEGER NOT NULL DEFAULT 0", NULL, NULL,
                     NULL))
        return cr__store_fail(s);
    return CR_OK;
}

cr_err cr_store_task_update(cr_store *s, int64_t id, const char *status, const char *outcome,
                            int64_t escalated_to)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s),
                           "UPDATE task SET status = coalesce(?2, status),"
                           " outcome = coalesce(?3, outcome),"
                           " escalated_to = CASE WHEN ?4 = 0 THEN escalated_to ELSE ?4 END"
                           " WHERE id = ?1",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, id);
    bind_opt(st, 2, status);
    bind_opt(st, 3, outcome);
    sqlite3_bind_int64(st, 4, escalated_to);
    return done(s, st, sqlite3_step(st));
}

cr_err cr_store_task_history_add(cr_store *s, const struct cr_task_event *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s),
                           "INSERT INTO task_history(task, at, by, action, from_status, to_status,"
                           " note) VALUES(?,?,?,?,?,?,?)",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, e->task);
    sqlite3_bind_int(st, 2, e->at);
    sqlite3_bind_text(st, 3, e->by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->action, -1, SQLITE_STATIC);
    bind_opt(st, 5, e->from_status);
    sqlite3_bind_text(st, 6, e->to_status, -1, SQLITE_STATIC);
    bind_opt(st, 7, e->note);
    return done(s, st, sqlite3_step(st));
}

cr_err cr_store_task_history_each(cr_store *s, int64_t task,
                                  int (*fn)(void *ctx, const struct cr_task_event *e), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s),
                           "SELECT task, at, by, action, from_status, to_status, note, created"
                           " FROM task_history WHERE ?1 = 0 OR task = ?1 ORDER BY task, rowid",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, task);
    int rc = sqlite3_step(st);
    for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        struct cr_task_event e = {sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
                                  cr__store_text(st, 2),       cr__store_text(st, 3),
                                  cr__store_text(st, 4),       cr__store_text(st, 5),
                                  cr__store_text(st, 6),       cr__store_text(st, 7)};
        if (fn(ctx, &e)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    return done(s, st, rc);
}

cr_err cr_store_dispatch_rows(cr_store *s, int64_t warning,
                              int (*fn)(void *ctx, const struct cr_dispatch_row *r), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s),
                           "SELECT w.id, wf.subject, w.status, e.district, e.street, e.grid,"
                           " coalesce(r.n, 0)"
                           " FROM warning w JOIN warning_firm wf ON wf.warning = w.id"
                           " LEFT JOIN enterprise e ON e.subject = wf.subject"
                           " LEFT JOIN (SELECT warning, count(*) AS n FROM warning_history"
                           " WHERE change = 'reopened' GROUP BY warning) r ON r.warning = w.id"
                           " WHERE (?1 = 0 AND w.status = 'open') OR w.id = ?1"
                           " ORDER BY w.id, wf.subject",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, warning);
    int rc = sqlite3_step(st);
    for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        struct cr_dispatch_row r = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                                    cr__store_text(st, 2),       cr__store_text(st, 3),
                                    cr__store_text(st, 4),       cr__store_text(st, 5),
                                    sqlite3_column_int64(st, 6)};
        if (fn(ctx, &r)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    return done(s, st, rc);
}

cr_err cr_store_firm_warnings(cr_store *s, int64_t subject,
                              int (*fn)(void *ctx, const struct cr_firm_warning *w), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s),
                           "SELECT w.id, w.detector, w.status, w.summary, w.opened_day,"
                           " coalesce(w.closed_day, -1) FROM warning w"
                           " JOIN warning_firm wf ON wf.warning = w.id WHERE wf.subject = ?1"
                           " ORDER BY w.id",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, subject);
    int rc = sqlite3_step(st);
    for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        struct cr_firm_warning w = {sqlite3_column_int64(st, 0), cr__store_text(st, 1),
                                    cr__store_text(st, 2),       cr__store_text(st, 3),
                                    sqlite3_column_int(st, 4),   sqlite3_column_int(st, 5)};
        if (fn(ctx, &w)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    return done(s, st, rc);
}
