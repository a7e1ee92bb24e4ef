/* Internals of the SQLite store shared by its files (sqlite.c and the files built on its
 * connection). */
#ifndef CRISK_STORE_INTERNAL_H
#define CRISK_STORE_INTERNAL_H

#include <sqlite3.h>

#include "crisk/store.h"

struct cr_store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *st[32];
    /* Statements of the many-row writers kept prepared between calls (cr__store_prepared),
     * by the address of their SQL text (a string literal of the store's files). */
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } kept[32];
    int in_tx;
    struct cr_events *events; /* the event blocks' own state (events.c) */
    int locked, lock_fd;      /* the writer lock (lock.c); lock_fd is -1 without a file */
    char err[256];            /* SQLite's message of the last failure (cr_store_errmsg) */
};

sqlite3 *cr__store_db(cr_store *s);
/* Keeps SQLite's message of the failure just seen on s for cr_store_errmsg and returns
 * CR_ESTORE: `return cr__store_fail(s);`. Call it at the failing call, before anything else
 * runs on the connection (finalising a statement that succeeded, or a rollback, replaces
 * SQLite's message with "not an error"); where SQLite saw no error (crisk found data it did
 * not expect) it keeps a message that says so. */
cr_err cr__store_fail(cr_store *s); /* no CR_MUST_USE: always CR_ESTORE, as cr_diag_set */
/* Keeps the store's message for a failure of a helper that has no store handle. */
static inline cr_err cr__store_kept(cr_store *s, cr_err err)
{
    return err == CR_ESTORE ? cr__store_fail(s) : err;
}
const char *cr__store_path(cr_store *s);
/* A statement for sql (a string literal: it is known by its address), prepared on the first
 * call and kept by the store until it closes; later calls give it back reset, its bindings
 * cleared. Hand it back with cr__store_done, never sqlite3_finalize. Falls back to a statement
 * of its own (finalised by cr__store_done) when the store already keeps as many as it can, or
 * when the kept one is still stepping (a caller up the stack uses it). */
cr_err cr__store_prepared(cr_store *s, const char *sql, sqlite3_stmt **st) CR_MUST_USE;
/* Ends the use of a statement of cr__store_prepared (or of sqlite3_prepare): a kept one is
 * reset for the next call, another one finalised. */
void cr__store_done(cr_store *s, sqlite3_stmt *st);
/* A text column of the current row, "" for NULL. */
static inline const char *cr__store_text(sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t ? t : "";
}
/* The warnings' rows, one per (warning, firm), as struct cr_warning_row reads them: the query's
 * head, to which a caller appends its WHERE and ORDER BY (warnings.c, api.c). */
#define CR__WARNING_ROWS                                                                           \
    "SELECT w.id, w.detector, w.status, w.summary, w.evidence, w.rule_version,"                    \
    " w.opened_day, coalesce(w.closed_day, -1), w.district, w.street, w.grid, w.address,"          \
    " wf.subject, coalesce(e.uscc, sj.key), e.name, e.address, e.district, e.street, e.grid,"      \
    " e.lon, e.lat"                                                                                \
    " FROM warning w JOIN warning_firm wf ON wf.warning = w.id"                                    \
    " LEFT JOIN enterprise e ON e.subject = wf.subject"                                            \
    " LEFT JOIN subject sj ON sj.id = wf.subject"
/* Steps st (a query of CR__WARNING_ROWS, bound) and calls fn with each row until fn returns
 * nonzero; finalises st. */
cr_err cr__warning_rows_run(cr_store *s, sqlite3_stmt *st,
                            int (*fn)(void *ctx, const struct cr_warning_row *r),
                            void *ctx) CR_MUST_USE;
/* Runs a read-only SQL query and returns the first column of the first row as int64 (inside
 * the store, and for tests; callers above the store use typed functions). */
cr_err cr_store_scalar(cr_store *s, const char *sql, int64_t *out) CR_MUST_USE;
/* Releases the writer lock if s holds it (lock.c); cr_store_close calls it last. */
void cr__store_unlock(cr_store *s);

/* Event blocks (events.c), built on the connection: sqlite.c calls only these, and never
 * touches their state. Init and fini pair with open and close. Flush writes the open block;
 * commit calls it, rollback discards it. Postings brings event_posting up to date inside the
 * caller's transaction. */
cr_err cr__events_init(cr_store *s) CR_MUST_USE;
void cr__events_fini(cr_store *s);
cr_err cr__events_flush(cr_store *s) CR_MUST_USE;
void cr__events_discard(cr_store *s);
cr_err cr__events_postings(cr_store *s) CR_MUST_USE;

/* The schema of version 5, one part per stage, each defined in the stage's file of the store
 * (warnings.c, tasks.c, inspect.c); migrate() runs them in this order. */
extern const char cr__schema_v5_monitor[];
extern const char cr__schema_v5_respond[];
extern const char cr__schema_v5_inspect[];
extern const char cr__schema_v5_learn[];
extern const char cr__schema_v5_serve[];

/* The writer's page cache while ingest writes (cr_store_write_cache): a build may set another
 * (-DCR_STORE_WRITE_CACHE_KIB=8192) to compare sizes (bench/README.md, Session 10). */
#ifndef CR_STORE_WRITE_CACHE_KIB
#define CR_STORE_WRITE_CACHE_KIB 32768
#endif

#endif
