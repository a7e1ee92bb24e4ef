/* The store's tables of the monitor stage: detector runs and warnings (docs/monitor.md). */
#include <string.h>

#include "internal.h"

const char cr__schema_v5_monitor[] =
    "CREATE TABLE monitor_run(id INTEGER PRIMARY KEY, rules_hash TEXT NOT NULL,"
    " rules_version INTEGER NOT NULL, as_of INTEGER NOT NULL, created TEXT NOT NULL,"
    " seconds REAL NOT NULL, n_open INTEGER NOT NULL, n_new INTEGER NOT NULL,"
    " n_updated INTEGER NOT NULL, n_closed INTEGER NOT NULL, by_detector TEXT NOT NULL);"
    "CREATE TABLE warning(id INTEGER PRIMARY KEY, detector TEXT NOT NULL, key TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK(status IN ('open','closed')), rule_version INTEGER NOT NULL,"
    " first_run INTEGER NOT NULL, last_run INTEGER NOT NULL, opened_day INTEGER NOT NULL,"
    " closed_day INTEGER, district TEXT, street TEXT, grid TEXT, address TEXT,"
    " summary TEXT NOT NULL, evidence TEXT NOT NULL, UNIQUE(detector, key));"
    "CREATE TABLE warning_firm(warning INTEGER NOT NULL, subject INTEGER NOT NULL,"
    " PRIMARY KEY(warning, subject)) WITHOUT ROWID;"
    "CREATE INDEX warning_firm_by_subject ON warning_firm(subject);"
    "CREATE TABLE warning_history(warning INTEGER NOT NULL, run INTEGER NOT NULL,"
    " change TEXT NOT NULL CHECK(change IN ('new','updated','closed','reopened')),"
    " evidence TEXT);"
    /* The detectors read the blocks of a few rare kinds (listings, changes) by topic
     * (cr_store_event_blocks_of): without this index that query reads every block's page. */
    "CREATE INDEX IF NOT EXISTS event_block_by_topic ON event_block(topic, id);"
    /* The latest event day (the default as-of, cr_store_events_last_day) from the end of this
     * index instead of a scan of every block's row (4 GB on the full city, most of a cold
     * classify's reads). A store made before it gains it at its next ingest. */
    "CREATE INDEX IF NOT EXISTS event_block_by_day ON event_block(day_max, topic);";

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

cr_err cr_store_addr_key_rules(cr_store *s, int *v)
{
    int64_t x = 0;
    cr_err rc = cr_store_scalar(
        s, "SELECT coalesce((SELECT v FROM meta WHERE k = 'addr_key_rules'), 0)", &x);
    if (!rc)
        *v = x > 0 && x < 1000000 ? (int)x : 0;
    return rc;
}

cr_err cr_store_addr_key_rules_note(cr_store *s, int v)
{
    sqlite3_stmt *st = NULL;
    sqlite3 *db = cr__store_db(s);
    static const char *const sql[] = {
        /* no registry row yet: every key will be this version's */
        "INSERT INTO meta(k, v) SELECT 'addr_key_rules', ?1"
        " WHERE NOT EXISTS (SELECT 1 FROM enterprise)"
        " ON CONFLICT(k) DO UPDATE SET v = excluded.v",
        /* rows of another version may stay: the older one is recorded */
        "UPDATE meta SET v = min(v, ?1) WHERE k = 'addr_key_rules'"
        " AND EXISTS (SELECT 1 FROM enterprise)"};
    for (size_t i = 0; i < 2; i++) {
        if (sqlite3_prepare_v2(db, sql[i], -1, &st, NULL))
            return cr__store_fail(s);
        sqlite3_bind_int(st, 1, v);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return cr__store_fail(s);
    }
    return CR_OK;
}

cr_err cr__warning_rows_run(cr_store *s, sqlite3_stmt *st,
                            int (*fn)(void *ctx, const struct cr_warning_row *r), void *ctx)
{
    int rc = sqlite3_step(st);
    for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
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
    cr_err e = rc != SQLITE_DONE ? cr__store_fail(s) : CR_OK;
    sqlite3_finalize(st);
    return e;
}

cr_err cr_store_warning_rows(cr_store *s, const struct cr_warning_filter *f,
                             int (*fn)(void *ctx, const struct cr_warning_row *r), void *ctx)
{
    static const char sql[] =
        CR__WARNING_ROWS " WHERE (?1 IS NULL OR w.detector = ?1) AND (?3 IS NULL OR w.status = ?3)"
                         " AND (?2 IS NULL OR substr(coalesce(e.district,''), 1, length(?2)) = ?2"
                         "  OR substr(coalesce(e.street,''), 1, length(?2)) = ?2"
                         "  OR substr(coalesce(e.grid,''), 1, length(?2)) = ?2)"
                         " ORDER BY w.id, coalesce(e.uscc, sj.key), wf.subject";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s), sql, -1, &st, NULL))
        return cr__store_fail(s);
    bind_opt(st, 1, f ? f->detector : NULL);
    bind_opt(st, 2, f ? f->division : NULL);
    bind_opt(st, 3, f ? f->status : NULL);
    return cr__warning_rows_run(s, st, fn, ctx);
}

cr_err cr_store_warnings_each(cr_store *s, int (*fn)(void *ctx, const struct cr_warning_state *w),
                              void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s),
                           "SELECT id, detector, key, status, evidence, rule_version, opened_day"
                           " FROM warning ORDER BY id",
                           -1, &st, NULL))
        return cr__store_fail(s);
    int rc = sqlite3_step(st);
    for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        struct cr_warning_state w;
        w.id = sqlite3_column_int64(st, 0);
        w.detector = cr__store_text(st, 1);
        w.key = cr__store_text(st, 2);
        w.status = cr__store_text(st, 3);
        w.evidence = cr__store_text(st, 4);
        w.rule_version = sqlite3_column_int64(st, 5);
        w.opened_day = sqlite3_column_int(st, 6);
        if (fn(ctx, &w)) {
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

/* Runs st to completion and finalises it; CR_ESTORE (kept) when it failed. */
static cr_err step_done(cr_store *s, sqlite3_stmt *st)
{
    if (sqlite3_step(st) != SQLITE_DONE) {
        cr_err e = cr__store_fail(s);
        sqlite3_finalize(st);
        return e;
    }
    sqlite3_finalize(st);
    return CR_OK;
}

/* step_done for a statement of cr__store_prepared: run to completion, then handed back. */
static cr_err kept_done(cr_store *s, sqlite3_stmt *st)
{
    cr_err e = sqlite3_step(st) != SQLITE_DONE ? cr__store_fail(s) : CR_OK;
    cr__store_done(s, st);
    return e;
}

static cr_err prepare(cr_store *s, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(cr__store_db(s), sql, -1, st, NULL)) {
        *st = NULL;
        return cr__store_fail(s);
    }
    return CR_OK;
}

cr_err cr_store_monitor_run_begin(cr_store *s, const char *rules_hash, int64_t rules_version,
                                  int32_t as_of, int64_t *run)
{
    sqlite3_stmt *st = NULL;
    if (prepare(s,
                "INSERT INTO monitor_run(rules_hash, rules_version, as_of, created, seconds,"
                " n_open, n_new, n_updated, n_closed, by_detector)"
                " VALUES(?1, ?2, ?3, datetime('now'), 0, 0, 0, 0, 0, '{}')",
                &st))
        return CR_ESTORE;
    sqlite3_bind_text(st, 1, rules_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, rules_version);
    sqlite3_bind_int(st, 3, as_of);
    if (step_done(s, st))
        return CR_ESTORE;
    *run = sqlite3_last_insert_rowid(cr__store_db(s));
    return CR_OK;
}

cr_err cr_store_monitor_run_finish(cr_store *s, int64_t run, double seconds, int64_t n_open,
                                   int64_t n_new, int64_t n_updated, int64_t n_closed,
                                   const char *by_detector)
{
    sqlite3_stmt *st = NULL;
    if (prepare(s,
                "UPDATE monitor_run SET seconds = ?2, n_open = ?3, n_new = ?4, n_updated = ?5,"
                " n_closed = ?6, by_detector = ?7 WHERE id = ?1",
                &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_double(st, 2, seconds);
    sqlite3_bind_int64(st, 3, n_open);
    sqlite3_bind_int64(st, 4, n_new);
    sqlite3_bind_int64(st, 5, n_updated);
    sqlite3_bind_int64(st, 6, n_closed);
    sqlite3_bind_text(st, 7, by_detector, -1, SQLITE_STATIC);
    return step_done(s, st);
}

cr_err cr_store_monitor_run_latest(cr_store *s, int64_t *run)
{
    int64_t v = 0;
    if (cr_store_scalar(s, "SELECT coalesce(max(id),0) FROM monitor_run", &v))
        return cr__store_fail(s);
    if (!v)
        return CR_ENOTFOUND;
    *run = v;
    return CR_OK;
}

static cr_err history_add(cr_store *s, int64_t id, int64_t run, const char *change,
                          const char *evidence)
{
    sqlite3_stmt *st = NULL;
    if (cr__store_prepared(
            s, "INSERT INTO warning_history(warning, run, change, evidence) VALUES(?1,?2,?3,?4)",
            &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, run);
    sqlite3_bind_text(st, 3, change, -1, SQLITE_STATIC);
    bind_opt(st, 4, evidence);
    return kept_done(s, st);
}

/* Replaces the firms of warning id with w's. */
static cr_err firms_put(cr_store *s, int64_t id, const struct cr_warning_rec *w, int replace)
{
    sqlite3_stmt *st = NULL;
    if (replace) {
        if (cr__store_prepared(s, "DELETE FROM warning_firm WHERE warning = ?1", &st))
            return CR_ESTORE;
        sqlite3_bind_int64(st, 1, id);
        if (kept_done(s, st))
            return CR_ESTORE;
    }
    if (cr__store_prepared(s, "INSERT OR IGNORE INTO warning_firm(warning, subject) VALUES(?1, ?2)",
                           &st))
        return CR_ESTORE;
    for (size_t i = 0; i < w->n_subjects; i++) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, w->subjects[i]);
        if (sqlite3_step(st) != SQLITE_DONE) {
            cr_err e = cr__store_fail(s);
            cr__store_done(s, st);
            return e;
        }
        sqlite3_reset(st);
    }
    cr__store_done(s, st);
    return CR_OK;
}

cr_err cr_store_warning_write(cr_store *s, int64_t run, int64_t id, const struct cr_warning_rec *w,
                              const char *change, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    if (id == 0) {
        if (cr__store_prepared(
                s,
                "INSERT INTO warning(detector, key, status, rule_version, first_run, last_run,"
                " opened_day, closed_day, district, street, grid, address, summary, evidence)"
                " VALUES(?1, ?2, 'open', ?3, ?4, ?4, ?5, NULL, ?6, ?7, ?8, ?9, ?10, ?11)",
                &st))
            return CR_ESTORE;
        sqlite3_bind_text(st, 1, w->detector, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, w->key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, w->rule_version);
        sqlite3_bind_int64(st, 4, run);
        sqlite3_bind_int(st, 5, w->day);
        bind_opt(st, 6, w->district);
        bind_opt(st, 7, w->street);
        bind_opt(st, 8, w->grid);
        bind_opt(st, 9, w->address);
        sqlite3_bind_text(st, 10, w->summary, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 11, w->evidence, -1, SQLITE_STATIC);
        if (kept_done(s, st))
            return CR_ESTORE;
        id = sqlite3_last_insert_rowid(cr__store_db(s));
        if (out)
            *out = id;
        return firms_put(s, id, w, 0) || history_add(s, id, run, "new", w->evidence) ? CR_ESTORE
                                                                                     : CR_OK;
    }
    if (out)
        *out = id;
    if (!change) {
        if (cr__store_prepared(s, "UPDATE warning SET last_run = ?2 WHERE id = ?1", &st))
            return CR_ESTORE;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, run);
        return kept_done(s, st);
    }
    int reopen = strcmp(change, "reopened") == 0;
    if (!reopen && strcmp(change, "updated") != 0)
        return CR_EINVAL;
    if (cr__store_prepared(
            s,
            reopen ? "UPDATE warning SET status = 'open', rule_version = ?2, last_run = ?3,"
                     " opened_day = ?4, closed_day = NULL, district = ?5, street = ?6,"
                     " grid = ?7, address = ?8, summary = ?9, evidence = ?10 WHERE id = ?1"
                   : "UPDATE warning SET status = 'open', rule_version = ?2, last_run = ?3,"
                     " district = ?5, street = ?6, grid = ?7, address = ?8, summary = ?9,"
                     " evidence = ?10 WHERE id = ?1",
            &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, w->rule_version);
    sqlite3_bind_int64(st, 3, run);
    sqlite3_bind_int(st, 4, w->day);
    bind_opt(st, 5, w->district);
    bind_opt(st, 6, w->street);
    bind_opt(st, 7, w->grid);
    bind_opt(st, 8, w->address);
    sqlite3_bind_text(st, 9, w->summary, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, w->evidence, -1, SQLITE_STATIC);
    if (kept_done(s, st))
        return CR_ESTORE;
    return firms_put(s, id, w, 1) || history_add(s, id, run, change, w->evidence) ? CR_ESTORE
                                                                                  : CR_OK;
}

cr_err cr_store_warnings_touch(cr_store *s, int64_t run)
{
    sqlite3_stmt *st = NULL;
    if (cr__store_prepared(
            s, "UPDATE warning SET last_run = ?1 WHERE status = 'open' AND last_run <> ?1", &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, run);
    return kept_done(s, st);
}

cr_err cr_store_warning_close(cr_store *s, int64_t run, int64_t id, int32_t day)
{
    sqlite3_stmt *st = NULL;
    if (cr__store_prepared(s,
                           "UPDATE warning SET status = 'closed', closed_day = ?3, last_run = ?2"
                           " WHERE id = ?1",
                           &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, run);
    sqlite3_bind_int(st, 3, day);
    if (kept_done(s, st))
        return CR_ESTORE;
    return history_add(s, id, run, "closed", NULL);
}

cr_err cr_store_firm_briefs(cr_store *s, const int64_t *subjects, size_t n,
                            int (*fn)(void *ctx, const struct cr_firm_brief *b), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prepare(s,
                "SELECT coalesce(e.uscc, sj.key), e.name, e.address, e.addr_key, e.district,"
                " e.street, e.grid FROM enterprise e LEFT JOIN subject sj ON sj.id = e.subject"
                " WHERE e.subject = ?1",
                &st))
        return CR_ESTORE;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, subjects[i]);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            struct cr_firm_brief b = {subjects[i],           cr__store_text(st, 0),
                                      cr__store_text(st, 1), cr__store_text(st, 2),
                                      cr__store_text(st, 3), cr__store_text(st, 4),
                                      cr__store_text(st, 5), cr__store_text(st, 6)};
            if (fn(ctx, &b))
                break;
        } else if (rc != SQLITE_DONE) {
            cr_err e = cr__store_fail(s);
            sqlite3_finalize(st);
            return e;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return CR_OK;
}

cr_err cr_store_person_briefs(cr_store *s, const int64_t *persons, size_t n,
                              int (*fn)(void *ctx, int64_t person, const char *name,
                                        const unsigned char idhash[16]),
                              void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prepare(s, "SELECT name, idhash FROM person WHERE id = ?1", &st))
        return CR_ESTORE;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, persons[i]);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            unsigned char h[16] = {0};
            const void *b = sqlite3_column_blob(st, 1);
            int len = sqlite3_column_bytes(st, 1);
            if (b)
                memcpy(h, b, len < 16 ? (size_t)len : 16);
            if (fn(ctx, persons[i], cr__store_text(st, 0), h))
                break;
        } else if (rc != SQLITE_DONE) {
            cr_err e = cr__store_fail(s);
            sqlite3_finalize(st);
            return e;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return CR_OK;
}

cr_err cr_store_level_pairs(cr_store *s, int32_t as_of,
                            int (*fn)(void *ctx, const struct cr_level_pair *p), void *ctx,
                            int *found)
{
    sqlite3_stmt *st = NULL;
    if (prepare(s,
                "SELECT a.id, a.model_id, a.as_of,"
                " (SELECT b.id FROM run b WHERE b.model_id = a.model_id AND b.id < a.id"
                "  AND b.as_of <= ?1 ORDER BY b.id DESC LIMIT 1),"
                " (SELECT max(p.id) FROM run p WHERE p.id < a.id)"
                " FROM run a WHERE a.as_of <= ?1 ORDER BY a.id DESC LIMIT 1",
                &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, as_of);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW || sqlite3_column_type(st, 3) == SQLITE_NULL) {
        cr_err e = rc == SQLITE_ROW || rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
        sqlite3_finalize(st);
        if (!e)
            *found = 0;
        return e;
    }
    int64_t after = sqlite3_column_int64(st, 0), before = sqlite3_column_int64(st, 3);
    /* When the run just before is the same model's, its level changes are in level_change
     * (written by the run against the run before it): only the changed firms are read. */
    int direct = sqlite3_column_int64(st, 4) == before;
    sqlite3_finalize(st);
    if (prepare(s,
                direct ? "SELECT y.subject, x.level, y.level, x.top, y.top, r.model_id, rb.as_of,"
                         " r.as_of, rb.model_hash, r.model_hash FROM level_change lc"
                         " JOIN run_score y ON y.run = ?2 AND y.subject = lc.subject"
                         " JOIN run_score x ON x.run = ?1 AND x.subject = lc.subject"
                         " JOIN run r ON r.id = ?2 JOIN run rb ON rb.id = ?1"
                         " WHERE lc.run = ?2 AND x.level <> y.level ORDER BY lc.subject"
                       : "SELECT y.subject, x.level, y.level, x.top, y.top, r.model_id, rb.as_of,"
                         " r.as_of, rb.model_hash, r.model_hash FROM run_score y"
                         " JOIN run_score x ON x.run = ?1 AND x.subject = y.subject"
                         " JOIN run r ON r.id = ?2 JOIN run rb ON rb.id = ?1"
                         " WHERE y.run = ?2 AND x.level <> y.level ORDER BY y.subject",
                &st))
        return CR_ESTORE;
    sqlite3_bind_int64(st, 1, before);
    sqlite3_bind_int64(st, 2, after);
    for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        struct cr_level_pair p;
        p.run_before = before;
        p.run_after = after;
        p.subject = sqlite3_column_int64(st, 0);
        p.before = cr__store_text(st, 1)[0];
        p.after = cr__store_text(st, 2)[0];
        p.top_before = cr__store_text(st, 3);
        p.top_after = cr__store_text(st, 4);
        p.model_id = cr__store_text(st, 5);
        p.as_of_before = sqlite3_column_int(st, 6);
        p.as_of_after = sqlite3_column_int(st, 7);
        p.hash_before = cr__store_text(st, 8);
        p.hash_after = cr__store_text(st, 9);
        if (fn(ctx, &p)) {
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
    *found = 1;
    return CR_OK;
}

cr_err cr_store_monitor_last_as_of(cr_store *s, int32_t *day, int64_t *run)
{
    sqlite3_stmt *st = NULL;
    if (prepare(s, "SELECT as_of, id FROM monitor_run ORDER BY as_of DESC, id DESC LIMIT 1", &st))
        return CR_ESTORE;
    int rc = sqlite3_step(st);
    int32_t d = INT32_MIN;
    int64_t id = 0;
    if (rc == SQLITE_ROW) {
        d = sqlite3_column_int(st, 0);
        id = sqlite3_column_int64(st, 1);
    }
    cr_err e = rc == SQLITE_ROW || rc == SQLITE_DONE ? CR_OK : cr__store_fail(s);
    sqlite3_finalize(st);
    if (e)
        return e;
    *day = d;
    *run = id;
    return CR_OK;
}

cr_err cr_store_event_blocks_of(cr_store *s, const int64_t *topics, size_t n,
                                int (*fn)(void *ctx, int64_t from, int64_t to), void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prepare(s,
                "SELECT id FROM event_block WHERE topic IN (SELECT value FROM json_each(?1))"
                " ORDER BY id",
                &st))
        return CR_ESTORE;
    /* the topic ids as a JSON array */
    size_t cap = 2 + n * 21;
    char *list = malloc(cap);
    if (!list) {
        sqlite3_finalize(st);
        return CR_ENOMEM;
    }
    size_t o = 0;
    list[o++] = '[';
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(list + o, cap - o, "%s%lld", i ? "," : "", (long long)topics[i]);
    snprintf(list + o, cap - o, "]");
    sqlite3_bind_text(st, 1, list, -1, SQLITE_TRANSIENT);
    free(list);
    int stop = 0;
    int64_t from = -1, to = -1;
    int rc = sqlite3_step(st);
    for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id == to) {
            to++;
            continue;
        }
        if (from >= 0 && fn(ctx, from, to)) {
            stop = 1;
            break;
        }
        from = id;
        to = id + 1;
    }
    if (!stop && rc != SQLITE_DONE) {
        cr_err e = cr__store_fail(s);
        sqlite3_finalize(st);
        return e;
    }
    sqlite3_finalize(st);
    if (!stop && from >= 0)
        fn(ctx, from, to);
    return CR_OK;
}
