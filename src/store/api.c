/* Readers of the HTTP API's stage routes (server/routes_monitor.c and others, docs/serve.md)
 * that the stages' own store files do not have: one warning's rows, a warning's firm count. */
#include "internal.h"

/* The columns of cr_store_warning_rows (warnings.c), for one warning. */
cr_err cr_store_warning_rows_of(cr_store *s, int64_t id,
                                int (*fn)(void *ctx, const struct cr_warning_row *r), void *ctx)
{
    static const char sql[] =
        "SELECT w.id, w.detector, w.status, w.summary, w.evidence, w.rule_version,"
        " w.opened_day, coalesce(w.closed_day, -1), w.district, w.street, w.grid, w.address,"
        " wf.subject, coalesce(e.uscc, sj.key), e.name, e.address, e.district, e.street, e.grid,"
        " e.lon, e.lat"
        " FROM warning w JOIN warning_firm wf ON wf.warning = w.id"
        " LEFT JOIN enterprise e ON e.subject = wf.subject"
        " LEFT JOIN subject sj ON sj.id = wf.subject"
        " WHERE w.id = ?1 ORDER BY coalesce(e.uscc, sj.key), wf.subject";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s), sql, -1, &st, NULL))
        return cr__store_fail(s);
    sqlite3_bind_int64(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct cr_warning_row r;
        r.warning = sqlite3_column_int64(st, 0);
        r.detector = cr__store_text(st, 1);
        r.status = cr__store_text(st, 2);
        r.summary = cr__store_text(st, 3);
        r.evidence = cr__store_text(st, 4);
        r.rule_version = sqlite3_column_int64(st, 5);
        r.opened_day = sqlite3_column_int(st, 6);
        r.closed_day = sqlite3_column_int(st, 7);
        r.w_district = cr__store_text(st, 8);
        r.w_street = cr__store_text(st, 9);
        r.w_grid = cr__store_text(st, 10);
        r.w_address = cr__store_text(st, 11);
        r.subject = sqlite3_column_int64(st, 12);
        r.uscc = cr__store_text(st, 13);
        r.name = cr__store_text(st, 14);
        r.address = cr__store_text(st, 15);
        r.district = cr__store_text(st, 16);
        r.street = cr__store_text(st, 17);
        r.grid = cr__store_text(st, 18);
        r.has_geo = sqlite3_column_type(st, 19) != SQLITE_NULL &&
                    sqlite3_column_type(st, 20) != SQLITE_NULL;
        r.lon = r.has_geo ? sqlite3_column_double(st, 19) : 0;
        r.lat = r.has_geo ? sqlite3_column_double(st, 20) : 0;
        if (fn(ctx, &r)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE) {
        cr_err e = cr__store_fail(s);
        sqlite3_finalize(st);
        return e;
    }
    sqlite3_finalize(st);
    return CR_OK;
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
