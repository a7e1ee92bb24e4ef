/* Typed readers of the rows a city load needs (src/city): enterprises, topics, roles, the
 * neighbourhood of one enterprise, the read transaction the load runs in. The SQL of the
 * loader, moved here from the city layer: callers above the store never write SQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *cr_store_path(cr_store *s)
{
    return cr__store_path(s);
}

const char *cr_store_db_error(cr_store *s)
{
    sqlite3 *db = cr__store_db(s);
    return sqlite3_errcode(db) != SQLITE_OK ? sqlite3_errmsg(db) : NULL;
}

int cr_store_is_readonly(cr_store *s)
{
    return sqlite3_db_readonly(cr__store_db(s), "main") == 1;
}

cr_err cr_store_read_begin(cr_store *s, int *began)
{
    sqlite3 *db = cr__store_db(s);
    *began = sqlite3_get_autocommit(db);
    if (*began && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL))
        return CR_ESTORE;
    return CR_OK;
}

cr_err cr_store_read_end(cr_store *s, int commit)
{
    return sqlite3_exec(cr__store_db(s), commit ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL)
               ? CR_ESTORE
               : CR_OK;
}

cr_err cr_store_event_blocks_top(cr_store *s, int64_t *top)
{
    return cr_store_scalar(s, "SELECT coalesce(max(id), 0) FROM event_block", top);
}

/* The condition appended to the queries of a neighbourhood read (cr_store_around_mark). */
static const char *scope_where(int around)
{
    return around ? " WHERE subject IN (SELECT subject FROM temp.city_filter)" : "";
}

static cr_err prepare_q(cr_store *s, sqlite3_stmt **st, const char *head, const char *tail,
                        const char **why)
{
    char sql[512];
    int n = snprintf(sql, sizeof sql, "%s%s", head, tail);
    if (n < 0 || (size_t)n >= sizeof sql) {
        *why = head; /* a programming error, said so */
        return CR_ESTORE;
    }
    return sqlite3_prepare_v2(cr__store_db(s), sql, -1, st, NULL) ? CR_ESTORE : CR_OK;
}

cr_err cr_store_enterprise_extent(cr_store *s, int around, int64_t *n, int64_t *max_subject,
                                  const char **why)
{
    sqlite3 *db = cr__store_db(s);
    sqlite3_stmt *st = NULL;
    *why = NULL;
    if (prepare_q(s, &st, "SELECT count(*), coalesce(max(subject),0) FROM enterprise",
                  scope_where(around), why) ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return CR_ESTORE;
    }
    *n = sqlite3_column_int64(st, 0);
    int64_t maxs = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id),0) FROM subject", -1, &st, NULL) ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return CR_ESTORE;
    }
    if (sqlite3_column_int64(st, 0) > maxs)
        maxs = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    *max_subject = maxs;
    return CR_OK;
}

cr_err cr_store_enterprises_read(cr_store *s, int around,
                                 int (*fn)(void *ctx, const struct cr_enterprise_rec *r), void *ctx,
                                 const char **why)
{
    char tail[256];
    sqlite3_stmt *st = NULL;
    *why = NULL;
    snprintf(tail, sizeof tail, "%s ORDER BY subject", scope_where(around));
    if (prepare_q(s, &st,
                  "SELECT subject, uscc, established, capital_fen, industry, type, status "
                  "FROM enterprise",
                  tail, why))
        return CR_ESTORE;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct cr_enterprise_rec r = {0};
        r.subject = sqlite3_column_int64(st, 0);
        r.uscc = (const char *)sqlite3_column_text(st, 1);
        r.has_established = sqlite3_column_type(st, 2) != SQLITE_NULL;
        r.established = r.has_established ? sqlite3_column_int(st, 2) : 0;
        r.has_capital = sqlite3_column_type(st, 3) != SQLITE_NULL;
        r.capital_fen = r.has_capital ? sqlite3_column_int64(st, 3) : 0;
        r.industry = (const char *)sqlite3_column_text(st, 4);
        r.type = (const char *)sqlite3_column_text(st, 5);
        r.status = (const char *)sqlite3_column_text(st, 6);
        if (fn(ctx, &r))
            break;
    }
    sqlite3_finalize(st);
    return CR_OK;
}

cr_err cr_store_addr_keys_read(cr_store *s, int around,
                               int (*fn)(void *ctx, int64_t subject, const char *key, size_t len),
                               void *ctx, const char **why)
{
    sqlite3_stmt *st = NULL;
    *why = NULL;
    /* The covering index enterprise_by_addr gives the rows in key order. */
    if (prepare_q(s, &st, "SELECT subject, addr_key FROM enterprise WHERE addr_key IS NOT NULL",
                  around ? " AND subject IN (SELECT subject FROM temp.city_filter)"
                           " ORDER BY addr_key"
                         : " ORDER BY addr_key",
                  why))
        return CR_ESTORE;
    int step = SQLITE_DONE;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
               (size_t)sqlite3_column_bytes(st, 1)))
            break;
    if (sqlite3_finalize(st) != SQLITE_OK && step != SQLITE_ROW && step != SQLITE_DONE)
        return CR_ESTORE; /* db's message says why */
    return CR_OK;
}

cr_err cr_store_topic_top(cr_store *s, int64_t *top)
{
    return cr_store_scalar(s, "SELECT coalesce(max(id),0) FROM topic", top);
}

cr_err cr_store_topic_kinds(cr_store *s,
                            int (*fn)(void *ctx, int64_t id, const char *kind, size_t len),
                            void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s), "SELECT id, kind FROM topic", -1, &st, NULL))
        return CR_ESTORE;
    while (sqlite3_step(st) == SQLITE_ROW)
        if (fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
               (size_t)sqlite3_column_bytes(st, 1)))
            break;
    sqlite3_finalize(st);
    return CR_OK;
}

cr_err cr_store_role_extent(cr_store *s, int around, int64_t *n, int64_t *max_person,
                            const char **why)
{
    sqlite3_stmt *st = NULL;
    *why = NULL;
    if (prepare_q(s, &st, "SELECT count(*), (SELECT coalesce(max(id),0) FROM person) FROM role",
                  scope_where(around), why) ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return CR_ESTORE;
    }
    *n = sqlite3_column_int64(st, 0);
    *max_person = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    return CR_OK;
}

cr_err cr_store_roles_read(cr_store *s, int around,
                           int (*fn)(void *ctx, int64_t subject, int64_t person, const char *role,
                                     size_t len),
                           void *ctx, const char **why)
{
    sqlite3_stmt *st = NULL;
    *why = NULL;
    if (prepare_q(s, &st, "SELECT subject, person, role FROM role", scope_where(around), why))
        return CR_ESTORE;
    int step = SQLITE_DONE;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
               (const char *)sqlite3_column_text(st, 2), (size_t)sqlite3_column_bytes(st, 2)))
            break;
    if (sqlite3_finalize(st) != SQLITE_OK && step != SQLITE_ROW && step != SQLITE_DONE)
        return CR_ESTORE; /* db's message says why */
    return CR_OK;
}

cr_err cr_store_around_mark(cr_store *s, int64_t subject, cr_diag *d)
{
    sqlite3 *db = cr__store_db(s);
    sqlite3_stmt *st = NULL;
    int64_t known = 0;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM enterprise WHERE subject=%lld",
             (long long)subject);
    if (cr_store_scalar(s, sql, &known))
        return CR_ESTORE;
    if (!known)
        return cr_diag_set(d, CR_ENOTFOUND, NULL, 0, 0, "no registry row for this enterprise");
    if (sqlite3_exec(db,
                     "CREATE TEMP TABLE IF NOT EXISTS city_filter(subject INTEGER PRIMARY KEY);"
                     "DELETE FROM city_filter;",
                     NULL, NULL, NULL) ||
        sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO city_filter "
                           "SELECT ?1 UNION SELECT r2.subject FROM role r1 JOIN role r2 "
                           "ON r2.person = r1.person WHERE r1.subject = ?1 "
                           "UNION SELECT e2.subject FROM enterprise e1 JOIN enterprise e2 "
                           "ON e2.addr_key = e1.addr_key WHERE e1.subject = ?1",
                           -1, &st, NULL))
        return cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, subject);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "%s", sqlite3_errmsg(db));
    return CR_OK;
}

cr_err cr_store_around_subjects(cr_store *s, int64_t **out, size_t *n)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(cr__store_db(s), "SELECT subject FROM temp.city_filter", -1, &st, NULL))
        return CR_ESTORE;
    int rc;
    size_t cap = 0;
    cr_err err = CR_OK;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *p = realloc(*out, cap * sizeof *p);
            if (!p) {
                err = CR_ENOMEM;
                break;
            }
            *out = p;
        }
        (*out)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (!err && rc != SQLITE_DONE)
        err = CR_ESTORE;
    sqlite3_finalize(st);
    return err;
}
