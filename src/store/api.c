/* Readers of the HTTP API's stage routes (server/routes_monitor.c and others, docs/serve.md)
 * that the stages' own store files do not have: one warning's rows, a warning's firm count. */
#include "internal.h"

/* The columns of cr_store_warning_rows (warnings.c), for one warning. */
cr_err cr_store_warning_rows_of(cr_store *s, int64_t id,
                                int (*fn)(void *ctx, const struct cr_warning_row *r), void *ctx)
{
    static const char sql[] =
        CR__WARNING_ROWS " WHERE w.id = ?1 ORDER BY coalesce(e.uscc, sj.key), wf.subject";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s), sql, -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, id);
    return cr__warning_rows_run(s, st, fn, ctx);
}

cr_err cr_store_warning_firm_count(cr_store *s, int64_t id, int64_t *n)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s), "SELECT count(*) FROM warning_firm WHERE warning = ?1",
                           -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        cr_err e = cr__store_fail(s);
        sqlite3_finalize(st);
        return e;
    }
    *n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return CR_OK;
}
