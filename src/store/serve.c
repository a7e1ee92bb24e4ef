/* The store's tables of the serve stage (docs/serve.md): users, sessions and the audit log, and
 * the readers the HTTP API needs beyond those of the other stages (search, a firm's place and
 * score, runs, level counts by division). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* IF NOT EXISTS: a version 5 store made before these tables existed gets them from
 * cr_store_serve_ensure (the schema version stays 5 this session). */
const char cr__schema_v5_serve[] =
    "CREATE TABLE IF NOT EXISTS app_user(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " role TEXT NOT NULL, scope TEXT NOT NULL, pwhash TEXT NOT NULL, created INTEGER NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS app_session(idhash BLOB PRIMARY KEY, user INTEGER NOT NULL,"
    " csrf_hash BLOB NOT NULL, created INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " idle_s INTEGER, max_s INTEGER) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS app_session_by_user ON app_session(user);"
    "CREATE TABLE IF NOT EXISTS login_failure(key TEXT PRIMARY KEY, since INTEGER NOT NULL,"
    " until INTEGER NOT NULL, failures INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS login_failure_by_until ON login_failure(until);"
    "CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
    " user TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL,"
    " status INTEGER NOT NULL, client TEXT NOT NULL);";

static cr_err prep(cr_store *s, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v2(cr__store_db(s), sql, -1, st, NULL) ? cr__store_fail(s) : CR_OK;
}

/* Steps a statement expected to finish (an INSERT, UPDATE or DELETE) and finalises it. */
static cr_err done(cr_store *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    cr_err e = rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
    sqlite3_finalize(st);
    return e;
}

static void copy_col(sqlite3_stmt *st, int i, char *out, size_t cap)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    snprintf(out, cap, "%s", v ? v : "");
}

/* 1 when table has a column named col, 0 when not, -1 on a failure. */
static int has_column(cr_store *s, const char *table, const char *col)
{
    sqlite3_stmt *st = NULL;
    if (prep(s, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", &st))
        return -1;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Adds column col (declared decl) to table when missing. */
static cr_err add_column(cr_store *s, const char *table, const char *col, const char *decl)
{
    int has = has_column(s, table, col);
    if (has < 0)
        return cr__store_fail(s);
    if (has)
        return CR_OK;
    char sql[200];
    snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", table, col, decl);
    return sqlite3_exec(cr__store_db(s), sql, NULL, NULL, NULL) ? cr__store_fail(s) : CR_OK;
}

cr_err cr_store_serve_ensure(cr_store *s)
{
    sqlite3 *db = cr__store_db(s);
    /* One transaction (a savepoint inside the caller's): a store is changed whole or not at
     * all, and two processes converting one store take turns (BEGIN IMMEDIATE waits for the
     * other's lock instead of failing on a stale read). */
    int own = sqlite3_get_autocommit(db);
    if (sqlite3_exec(db, own ? "BEGIN IMMEDIATE" : "SAVEPOINT serve_ensure", NULL, NULL, NULL))
        return cr__store_fail(s);
    cr_err e = sqlite3_exec(db, cr__schema_v5_serve, NULL, NULL, NULL) ? cr__store_fail(s) : CR_OK;
    /* A session made before sessions carried their own limits: NULL limits, which a server
     * reads as its own settings (docs/serve.md "Security"). */
    if (!e)
        e = add_column(s, "app_session", "idle_s", "INTEGER");
    if (!e)
        e = add_column(s, "app_session", "max_s", "INTEGER");
    if (!e && sqlite3_exec(db, own ? "COMMIT" : "RELEASE serve_ensure", NULL, NULL, NULL))
        e = cr__store_fail(s);
    if (e)
        sqlite3_exec(db, own ? "ROLLBACK" : "ROLLBACK TO serve_ensure; RELEASE serve_ensure", NULL,
                     NULL, NULL);
    return e;
}

void cr_store_unlock(cr_store *s)
{
    if (s)
        cr__store_unlock(s);
}

cr_err cr_store_serve_present(cr_store *s, int *present)
{
    sqlite3_stmt *st = NULL;
    if (prep(s, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'app_user'", &st))
        return CR_ESTORE;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cr__store_fail(s);
    *present = rc == SQLITE_ROW;
    return CR_OK;
}

cr_err cr_store_user_add(cr_store *s, const struct cr_user_rec *u, int64_t now, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    if (prep(s,
             "INSERT INTO app_user(name, role, scope, pwhash, created) VALUES(?1,?2,?3,?4,?5) "
             "ON CONFLICT(name) DO NOTHING",
             &st))
        return CR_ESTORE;
    sqlite3_bind_text(st, 1, u->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, u->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, u->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, u->pwhash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    cr_err e = done(s, st);
    if (e)
        return e;
    *id = sqlite3_changes(cr__store_db(s)) ? sqlite3_last_insert_rowid(cr__store_db(s)) : 0;
    return CR_OK;
}

static cr_err user_get(cr_store *s, const char *sql, const char *name, int64_t id,
                       struct cr_user_rec *out)
{
    sqlite3_stmt *st = NULL;
    if (prep(s, sql, &st))
        return CR_ESTORE;
    if (name)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        copy_col(st, 1, out->name, sizeof out->name);
        copy_col(st, 2, out->role, sizeof out->role);
        copy_col(st, 3, out->scope, sizeof out->scope);
        copy_col(st, 4, out->pwhash, sizeof out->pwhash);
        out->disabled = sqlite3_column_int(st, 5);
    }
    cr_err e = rc == SQLITE_ROW ? CR_OK : rc == SQLITE_DONE ? CR_ENOTFOUND : cr__store_fail(s);
    sqlite3_finalize(st);
    return e;
}

cr_err cr_store_user_by_name(cr_store *s, const char *name, struct cr_user_rec *out)
{
    return user_get(s,
                    "SELECT id, name, role, scope, pwhash, disabled FROM app_user WHERE name = ?1",
                    name, 0, out);
}

cr_err cr_store_user_by_id(cr_store *s, int64_t id, struct cr_user_rec *out)
{
    return user_get(s, "SELECT id, name, role, scope, pwhash, disabled FROM app_user WHERE id = ?1",
                    NULL, id, out);
}

cr_err cr_store_session_put(cr_store *s, const unsigned char idhash[32], int64_t user,
                            const char *pwhash, const unsigned char csrf_hash[32], int64_t now,
                            int64_t idle_s, int64_t max_s, int *made)
{
    sqlite3_stmt *st = NULL;
    *made = 0;
    if (prep(s,
             "INSERT INTO app_session(idhash, user, csrf_hash, created, last_seen, idle_s, max_s) "
             "SELECT ?1, id, ?3, ?4, ?4, ?5, ?6 FROM app_user "
             "WHERE id = ?2 AND disabled = 0 AND pwhash = ?7",
             &st))
        return CR_ESTORE;
    sqlite3_bind_blob(st, 1, idhash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user);
    sqlite3_bind_blob(st, 3, csrf_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, idle_s);
    sqlite3_bind_int64(st, 6, max_s);
    sqlite3_bind_text(st, 7, pwhash, -1, SQLITE_STATIC);
    cr_err e = done(s, st);
    if (!e)
        *made = sqlite3_changes(cr__store_db(s)) == 1;
    return e;
}

cr_err cr_store_session_get(cr_store *s, const unsigned char idhash[32], struct cr_session_rec *out)
{
    sqlite3_stmt *st = NULL;
    if (prep(s,
             "SELECT user, csrf_hash, created, last_seen, coalesce(idle_s, 0), coalesce(max_s, 0) "
             "FROM app_session WHERE idhash = ?1",
             &st))
        return CR_ESTORE;
    sqlite3_bind_blob(st, 1, idhash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->user = sqlite3_column_int64(st, 0);
        memset(out->csrf_hash, 0, sizeof out->csrf_hash);
        if (sqlite3_column_bytes(st, 1) == 32)
            memcpy(out->csrf_hash, sqlite3_column_blob(st, 1), 32);
        out->created = sqlite3_column_int64(st, 2);
        out->last_seen = sqlite3_column_int64(st, 3);
        out->idle_s = sqlite3_column_int64(st, 4);
        out->max_s = sqlite3_column_int64(st, 5);
    }
    cr_err e = rc == SQLITE_ROW ? CR_OK : rc == SQLITE_DONE ? CR_ENOTFOUND : cr__store_fail(s);
    sqlite3_finalize(st);
    return e;
}

cr_err cr_store_session_touch(cr_store *s, const unsigned char idhash[32], int64_t now)
{
    sqlite3_stmt *st = NULL;
    if (prep(s, "UPDATE app_session SET last_seen = ?2 WHERE idhash = ?1", &st))
        return CR_ESTORE;
    sqlite3_bind_blob(st, 1, idhash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    return done(s, st);
}

cr_err cr_store_session_delete(cr_store *s, const unsigned char idhash[32])
{
    sqlite3_stmt *st = NULL;
    if (prep(s, "DELETE FROM app_session WHERE idhash = ?1", &st))
        return CR_ESTORE;
    sqlite3_bind_blob(st, 1, idhash, 32, SQLITE_STATIC);
    return done(s, st);
}

cr_err cr_store_sessions_expire(cr_store *s, int64_t now, int64_t idle_max, int64_t max_max)
{
    sqlite3_stmt *st = NULL;
    if (prep(s,
             "DELETE FROM app_session WHERE last_seen + coalesce(idle_s, ?2) <= ?1"
             " OR created + coalesce(max_s, ?3) <= ?1",
             &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, idle_max);
    sqlite3_bind_int64(st, 3, max_max);
    return done(s, st);
}

cr_err cr_store_user_sessions_delete(cr_store *s, int64_t user)
{
    sqlite3_stmt *st = NULL;
    if (prep(s, "DELETE FROM app_session WHERE user = ?1", &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, user);
    return done(s, st);
}

cr_err cr_store_user_set(cr_store *s, const char *name, int disabled, const char *pwhash,
                         int *found)
{
    struct cr_user_rec u;
    *found = 0;
    cr_err e = cr_store_user_by_name(s, name, &u);
    if (e == CR_ENOTFOUND)
        return CR_OK;
    if (e)
        return e;
    sqlite3_stmt *st = NULL;
    if (prep(s,
             "UPDATE app_user SET disabled = coalesce(?2, disabled), pwhash = coalesce(?3, pwhash)"
             " WHERE id = ?1",
             &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, u.id);
    if (disabled >= 0)
        sqlite3_bind_int(st, 2, disabled > 0);
    if (pwhash)
        sqlite3_bind_text(st, 3, pwhash, -1, SQLITE_STATIC);
    e = done(s, st);
    /* A disabled user, or one whose password changed, is logged out everywhere: a cookie of
     * before never comes back to life (not when the user is enabled again either). */
    if (!e && (disabled > 0 || pwhash))
        e = cr_store_user_sessions_delete(s, u.id);
    if (!e)
        *found = 1;
    return e;
}

cr_err cr_store_users_each(cr_store *s, int64_t now,
                           int (*fn)(void *ctx, const struct cr_user_info *u), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prep(s,
             "SELECT u.id, u.name, u.role, u.scope, u.created, u.disabled,"
             " (SELECT count(*) FROM app_session AS x WHERE x.user = u.id"
             "  AND (x.idle_s IS NULL OR x.last_seen + x.idle_s > ?1)"
             "  AND (x.max_s IS NULL OR x.created + x.max_s > ?1)),"
             " (SELECT max(x.last_seen) FROM app_session AS x WHERE x.user = u.id)"
             " FROM app_user AS u ORDER BY u.name",
             &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, now);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct cr_user_info u = {
            .id = sqlite3_column_int64(st, 0),
            .name = (const char *)sqlite3_column_text(st, 1),
            .role = (const char *)sqlite3_column_text(st, 2),
            .scope = (const char *)sqlite3_column_text(st, 3),
            .created = sqlite3_column_int64(st, 4),
            .disabled = sqlite3_column_int(st, 5),
            .sessions = sqlite3_column_int64(st, 6),
            .last_seen =
                sqlite3_column_type(st, 7) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 7),
        };
        if (fn(ctx, &u)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    cr_err e = rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
    sqlite3_finalize(st);
    return e;
}

/* ---- login failures, shared by every server on the store ---- */

/* The live row of key (until after now) into *since, *until and *failures; a new window from
 * now when there is none. */
static cr_err failure_get(cr_store *s, const char *key, int64_t now, int64_t *since, int64_t *until,
                          int64_t *failures)
{
    sqlite3_stmt *st = NULL;
    if (prep(s, "SELECT since, until, failures FROM login_failure WHERE key = ?1 AND until > ?2",
             &st))
        return CR_ESTORE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    int rc = sqlite3_step(st);
    int64_t v[3] = {now, now, 0};
    if (rc == SQLITE_ROW)
        for (int i = 0; i < 3; i++)
            v[i] = sqlite3_column_int64(st, i);
    cr_err e = rc == SQLITE_ROW || rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
    sqlite3_finalize(st);
    if (!e) {
        *since = v[0];
        *until = v[1];
        *failures = v[2];
    }
    return e;
}

/* Stores key's row, or deletes it when failures is 0. */
static cr_err failure_put(cr_store *s, const char *key, int64_t since, int64_t until,
                          int64_t failures)
{
    sqlite3_stmt *st = NULL;
    if (prep(s,
             failures > 0 ? "INSERT OR REPLACE INTO login_failure(key, since, until, failures) "
                            "VALUES(?1,?2,?3,?4)"
                          : "DELETE FROM login_failure WHERE key = ?1",
             &st))
        return CR_ESTORE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (failures > 0) {
        sqlite3_bind_int64(st, 2, since);
        sqlite3_bind_int64(st, 3, until);
        sqlite3_bind_int64(st, 4, failures);
    }
    return done(s, st);
}

cr_err cr_store_login_reserve(cr_store *s, const char *const keys[2], const int64_t limits[2],
                              int64_t now, int64_t window, int *limited, int64_t *retry_s)
{
    sqlite3_stmt *st = NULL;
    if (prep(s, "DELETE FROM login_failure WHERE until <= ?1", &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, now);
    cr_err e = done(s, st);
    int64_t since[2], until[2], failures[2];
    int over = 0;
    int64_t wait = 0;
    for (int i = 0; i < 2 && !e; i++) {
        e = failure_get(s, keys[i], now, &since[i], &until[i], &failures[i]);
        if (!e && failures[i] >= limits[i]) {
            over = 1;
            wait = until[i] - now > wait ? until[i] - now : wait;
        }
    }
    /* A window ends at the latest end any counting server gives it: a server of a shorter
     * window never restarts the count of a longer one. */
    for (int i = 0; i < 2 && !e && !over; i++)
        e = failure_put(s, keys[i], since[i],
                        since[i] + window > until[i] ? since[i] + window : until[i],
                        failures[i] + 1);
    if (!e) {
        *limited = over;
        *retry_s = wait;
    }
    return e;
}

cr_err cr_store_login_release(cr_store *s, const char *const keys[2], int64_t now)
{
    int64_t since, until, failures;
    cr_err e = failure_put(s, keys[0], now, now, 0);
    if (!e)
        e = failure_get(s, keys[1], now, &since, &until, &failures);
    if (!e && failures > 0)
        e = failure_put(s, keys[1], since, until, failures - 1);
    return e;
}

cr_err cr_store_audit_add(cr_store *s, const struct cr_audit_rec *a)
{
    sqlite3_stmt *st = NULL;
    if (prep(s,
             "INSERT INTO audit(at, user, role, action, object, status, client) "
             "VALUES(?1,?2,?3,?4,?5,?6,?7)",
             &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, a->at);
    sqlite3_bind_text(st, 2, a->user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->object, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, a->status);
    sqlite3_bind_text(st, 7, a->client, -1, SQLITE_STATIC);
    return done(s, st);
}

cr_err cr_store_audit_each(cr_store *s, int64_t before_id, int limit,
                           int (*fn)(void *ctx, const struct cr_audit_rec *a), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prep(s,
             "SELECT id, at, user, role, action, object, status, client FROM audit "
             "WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
             &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX);
    sqlite3_bind_int(st, 2, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct cr_audit_rec a = {.id = sqlite3_column_int64(st, 0),
                                 .at = sqlite3_column_int64(st, 1),
                                 .user = (const char *)sqlite3_column_text(st, 2),
                                 .role = (const char *)sqlite3_column_text(st, 3),
                                 .action = (const char *)sqlite3_column_text(st, 4),
                                 .object = (const char *)sqlite3_column_text(st, 5),
                                 .status = sqlite3_column_int(st, 6),
                                 .client = (const char *)sqlite3_column_text(st, 7)};
        if (fn(ctx, &a)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    cr_err e = rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
    sqlite3_finalize(st);
    return e;
}

/* The scope test of a division code column set: the whole city for "", else the district
 * (6 digits), street (9) or grid (12) equal to the scope. */
#define IN_SCOPE                                                                                   \
    "(?2 = '' OR (length(?2) = 6 AND e.district = ?2) OR (length(?2) = 9 AND e.street = ?2) OR "   \
    "(length(?2) = 12 AND e.grid = ?2))"

cr_err cr_store_city_of(cr_store *s, char city[16])
{
    sqlite3_stmt *st = NULL;
    if (prep(s,
             "SELECT substr(district, 1, 4) || '00' FROM enterprise"
             " WHERE length(district) = 6 LIMIT 1",
             &st))
        return CR_ESTORE;
    int rc = sqlite3_step(st);
    city[0] = 0;
    if (rc == SQLITE_ROW)
        copy_col(st, 0, city, 16);
    cr_err e = rc == SQLITE_ROW || rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
    sqlite3_finalize(st);
    return e;
}

cr_err cr_store_enterprise_place(cr_store *s, int64_t subject, char district[16], char street[16],
                                 char grid[16])
{
    sqlite3_stmt *st = NULL;
    if (prep(s, "SELECT district, street, grid FROM enterprise WHERE subject = ?1", &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, subject);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        copy_col(st, 0, district, 16);
        copy_col(st, 1, street, 16);
        copy_col(st, 2, grid, 16);
    }
    cr_err e = rc == SQLITE_ROW ? CR_OK : rc == SQLITE_DONE ? CR_ENOTFOUND : cr__store_fail(s);
    sqlite3_finalize(st);
    return e;
}

cr_err cr_store_run_score(cr_store *s, int64_t run, int64_t subject,
                          int (*fn)(void *ctx, const struct cr_score_rec *r), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prep(s,
             "SELECT score, level, veto, aspects, top FROM run_score WHERE run = ?1 AND "
             "subject = ?2",
             &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, subject);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *level = (const char *)sqlite3_column_text(st, 1);
        struct cr_score_rec r = {.score = sqlite3_column_double(st, 0),
                                 .level = level ? level[0] : 0,
                                 .veto = (const char *)sqlite3_column_text(st, 2),
                                 .aspects = (const char *)sqlite3_column_text(st, 3),
                                 .top = (const char *)sqlite3_column_text(st, 4)};
        fn(ctx, &r);
    }
    cr_err e = rc == SQLITE_ROW ? CR_OK : rc == SQLITE_DONE ? CR_ENOTFOUND : cr__store_fail(s);
    sqlite3_finalize(st);
    return e;
}

cr_err cr_store_runs_each(cr_store *s, int (*fn)(void *ctx, const struct cr_run_info *r), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prep(s,
             "SELECT id, model_id, model_version, model_hash, as_of, created, enterprises, "
             "events, coalesce(seconds, 0) FROM run ORDER BY id",
             &st))
        return CR_ESTORE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct cr_run_info r = {.id = sqlite3_column_int64(st, 0),
                                .model_id = (const char *)sqlite3_column_text(st, 1),
                                .model_version = sqlite3_column_int(st, 2),
                                .model_hash = (const char *)sqlite3_column_text(st, 3),
                                .as_of = sqlite3_column_int(st, 4),
                                .created = (const char *)sqlite3_column_text(st, 5),
                                .enterprises = sqlite3_column_int64(st, 6),
                                .events = sqlite3_column_int64(st, 7),
                                .seconds = sqlite3_column_double(st, 8)};
        if (fn(ctx, &r)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    cr_err e = rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
    sqlite3_finalize(st);
    return e;
}

cr_err cr_store_run_by_division(cr_store *s, int64_t run, int digits, const char *scope,
                                int (*fn)(void *ctx, const char *code, const int64_t n[4]),
                                void *ctx)
{
    static const char *const sql[3] = {
        "SELECT coalesce(e.district, ''), sum(r.level='A'), sum(r.level='B'), sum(r.level='C'), "
        "sum(r.level='D') FROM run_score r JOIN enterprise e ON e.subject = r.subject "
        "WHERE r.run = ?1 AND " IN_SCOPE " GROUP BY 1 ORDER BY 1",
        "SELECT coalesce(e.street, ''), sum(r.level='A'), sum(r.level='B'), sum(r.level='C'), "
        "sum(r.level='D') FROM run_score r JOIN enterprise e ON e.subject = r.subject "
        "WHERE r.run = ?1 AND " IN_SCOPE " GROUP BY 1 ORDER BY 1",
        "SELECT coalesce(e.grid, ''), sum(r.level='A'), sum(r.level='B'), sum(r.level='C'), "
        "sum(r.level='D') FROM run_score r JOIN enterprise e ON e.subject = r.subject "
        "WHERE r.run = ?1 AND " IN_SCOPE " GROUP BY 1 ORDER BY 1"};
    int which = digits == 6 ? 0 : digits == 9 ? 1 : digits == 12 ? 2 : -1;
    if (which < 0)
        return CR_EINVAL;
    sqlite3_stmt *st = NULL;
    if (prep(s, sql[which], &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, scope ? scope : "", -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t n[4];
        for (int i = 0; i < 4; i++)
            n[i] = sqlite3_column_int64(st, 1 + i);
        if (fn(ctx, (const char *)sqlite3_column_text(st, 0), n)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    cr_err e = rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
    sqlite3_finalize(st);
    return e;
}

cr_err cr_store_serve_stamp(cr_store *s, int64_t *generation, int64_t *run)
{
    sqlite3_stmt *st = NULL;
    if (prep(s,
             "SELECT coalesce((SELECT v FROM meta WHERE k = 'generation'), 0), "
             "coalesce((SELECT max(id) FROM run), 0)",
             &st))
        return CR_ESTORE;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *generation = sqlite3_column_int64(st, 0);
        *run = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? CR_OK : cr__store_fail(s);
}

cr_err cr_store_hits_by_level(cr_store *s, int64_t run, const char *scope,
                              int (*fn)(void *ctx, const struct cr_hit_rec *h), void *ctx)
{
    /* Inspections with a result (not cancelled) of firms the run scored; the closed tasks with
     * an outcome, once for each of their warning's firms that lies in the task's division (a
     * city task, 440100: the city's first four digits) and that the run scored. A task counts
     * when its division lies in the scope, as the API's task lists do. */
    static const char *const sql[2] = {
        "SELECT r.level, i.result, count(*) FROM inspection i JOIN run_score r ON r.run = ?1 "
        "AND r.subject = i.subject JOIN enterprise e ON e.subject = i.subject WHERE i.result IS "
        "NOT NULL AND i.cancelled = 0 AND " IN_SCOPE " GROUP BY 1, 2 ORDER BY 1, 2",
        "SELECT r.level, t.outcome, count(*) FROM task t JOIN warning_firm w ON w.warning = "
        "t.warning JOIN enterprise e ON e.subject = w.subject JOIN run_score r ON r.run = ?1 AND "
        "r.subject = w.subject WHERE t.status = 'closed' AND t.outcome IS NOT NULL AND "
        "substr(t.division, 1, length(?2)) = ?2 AND CASE WHEN length(t.division) = 6 AND "
        "substr(t.division, 5) = '00' THEN substr(e.district, 1, 4) = substr(t.division, 1, 4) "
        "ELSE (e.district = t.division OR e.street = t.division OR e.grid = t.division) END "
        "AND " IN_SCOPE " GROUP BY 1, 2 ORDER BY 1, 2"};
    static const char *const source[2] = {"inspection", "task"};
    cr_err e = CR_OK;
    for (int k = 0; k < 2 && !e; k++) {
        sqlite3_stmt *st = NULL;
        if (prep(s, sql[k], &st))
            return CR_ESTORE;
        sqlite3_bind_int64(st, 1, run);
        sqlite3_bind_text(st, 2, scope ? scope : "", -1, SQLITE_STATIC);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *level = (const char *)sqlite3_column_text(st, 0);
            struct cr_hit_rec h = {source[k], level ? level[0] : '?',
                                   (const char *)sqlite3_column_text(st, 1),
                                   sqlite3_column_int64(st, 2)};
            if (fn(ctx, &h)) {
                rc = SQLITE_DONE;
                k = 2;
                break;
            }
        }
        if (rc != SQLITE_DONE)
            e = cr__store_fail(s);
        sqlite3_finalize(st);
    }
    return e;
}

cr_err cr_store_read_tune(cr_store *s, int64_t cache_kib, int64_t mmap_bytes)
{
    /* PRAGMA takes no bound values: both are whole numbers printed here. */
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%lld; PRAGMA mmap_size=%lld;",
             (long long)(cache_kib > 0 ? cache_kib : 1),
             (long long)(mmap_bytes > 0 ? mmap_bytes : 0));
    return sqlite3_exec(cr__store_db(s), sql, NULL, NULL, NULL) ? cr__store_fail(s) : CR_OK;
}

cr_err cr_store_quarantine_by_department(cr_store *s,
                                         int (*fn)(void *ctx, const char *department,
                                                   const char *name, const char *reason, int64_t n),
                                         void *ctx)
{
    /* A row's topic, else its file's: the department that sent it. */
    sqlite3_stmt *st = NULL;
    if (prep(s,
             "SELECT coalesce(t.department, ''), coalesce(d.name, ''), q.reason, count(*) FROM "
             "quarantine q LEFT JOIN feed_file f ON f.id = q.file LEFT JOIN topic t ON t.id = "
             "coalesce(q.topic, f.topic) LEFT JOIN department d ON d.code = t.department WHERE "
             "q.state = 'open' GROUP BY 1, 2, 3 ORDER BY 1, 3",
             &st))
        return CR_ESTORE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, (const char *)sqlite3_column_text(st, 0),
               (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
               sqlite3_column_int64(st, 3))) {
            rc = SQLITE_DONE;
            break;
        }
    cr_err e = rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
    sqlite3_finalize(st);
    return e;
}
