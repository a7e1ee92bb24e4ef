/* The store's tables of the inspect stage: plans, draws and inspections (docs/inspect.md). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "plan_list.h"

const char cr__schema_v5_inspect[] =
    "CREATE TABLE plan(id INTEGER PRIMARY KEY, name TEXT NOT NULL, year INTEGER NOT NULL,"
    " batch TEXT, routine INTEGER NOT NULL, text TEXT NOT NULL, hash TEXT NOT NULL,"
    " settings TEXT NOT NULL, run INTEGER NOT NULL, day INTEGER NOT NULL, created TEXT NOT NULL,"
    " eligible INTEGER NOT NULL, eligible_hash TEXT NOT NULL, counts TEXT NOT NULL);"
    "CREATE TABLE plan_firm(plan INTEGER NOT NULL, key TEXT NOT NULL, subject INTEGER NOT NULL,"
    " level TEXT NOT NULL, class TEXT NOT NULL CHECK(class IN ('pool','triggered',"
    "'exempt_recent','exempt_status','exempt_tolerance')), street TEXT NOT NULL,"
    " PRIMARY KEY(plan, key)) WITHOUT ROWID;"
    "CREATE TABLE draw(id INTEGER PRIMARY KEY, plan INTEGER NOT NULL, seed TEXT NOT NULL,"
    " day INTEGER NOT NULL, created TEXT NOT NULL, seconds REAL NOT NULL,"
    " sampled INTEGER NOT NULL, report TEXT NOT NULL, void_by TEXT, void_reason TEXT,"
    " void_day INTEGER, voided TEXT);"
    "CREATE INDEX draw_by_plan ON draw(plan);"
    "CREATE TABLE draw_firm(draw INTEGER NOT NULL, key TEXT NOT NULL, subject INTEGER NOT NULL,"
    " level TEXT NOT NULL, arm TEXT NOT NULL CHECK(arm IN ('targeted','random','triggered')),"
    " inspectors TEXT NOT NULL, unstaffed TEXT, PRIMARY KEY(draw, key)) WITHOUT ROWID;"
    "CREATE INDEX draw_firm_by_subject ON draw_firm(subject);"
    "CREATE TABLE inspection(id INTEGER PRIMARY KEY, draw INTEGER NOT NULL,"
    " subject INTEGER NOT NULL, inspectors TEXT NOT NULL, result TEXT, label TEXT, items TEXT,"
    " day INTEGER, by TEXT, recorded TEXT, penalty_exempt INTEGER NOT NULL DEFAULT 0,"
    " problem INTEGER, cancelled INTEGER NOT NULL DEFAULT 0, UNIQUE(draw, subject));"
    "CREATE INDEX inspection_by_subject ON inspection(subject);";

/* The tables a draw's inspector inputs go to (docs/draw.md "Verifying a draw"): the roster's
 * inspectors it was staffed from (draw_roster marks that they were recorded) and the recusals
 * by last inspection in force for its firms. Created on first use, so that a version 5 store
 * made before them gains them. */
static const char inputs_schema[] =
    "CREATE TABLE IF NOT EXISTS draw_roster(draw INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS draw_staff(draw INTEGER NOT NULL, id TEXT NOT NULL,"
    " division TEXT NOT NULL, qualifications TEXT NOT NULL, PRIMARY KEY(draw, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS draw_recusal(draw INTEGER NOT NULL, subject INTEGER NOT NULL,"
    " inspectors TEXT NOT NULL, PRIMARY KEY(draw, subject)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS inspection_result ON inspection(subject, day, id)"
    " WHERE result IS NOT NULL;";

/* Each subject's latest inspection with a result: the latest result day, of equal days the
 * highest id (docs/draw.md "Inspectors"). */
#define LATEST_RESULTS                                                                             \
    "SELECT i.subject AS subject, i.inspectors AS inspectors FROM inspection i"                    \
    " WHERE i.result IS NOT NULL AND NOT EXISTS(SELECT 1 FROM inspection j"                        \
    " WHERE j.subject=i.subject AND j.result IS NOT NULL"                                          \
    " AND (j.day>i.day OR (j.day=i.day AND j.id>i.id)))"

static cr_err prep(cr_store *s, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v2(cr__store_db(s), sql, -1, st, NULL) ? cr__store_fail(s) : CR_OK;
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static const char *colz(sqlite3_stmt *st, int i)
{
    const char *v = col(st, i);
    return v ? v : "";
}

/* Steps st to its end, calling row for each row; fn's nonzero stops. */
static cr_err each_row(cr_store *s, sqlite3_stmt *st, int (*row)(sqlite3_stmt *st, void *a),
                       void *a)
{
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        if (row(st, a))
            break;
    cr_err rc = r == SQLITE_ROW || r == SQLITE_DONE ? CR_OK : cr__store_fail(s);
    sqlite3_finalize(st);
    return rc;
}

struct subj_ctx {
    int (*fn)(void *ctx, int64_t subject);
    void *ctx;
};

static int subj_row(sqlite3_stmt *st, void *a)
{
    struct subj_ctx *c = a;
    return c->fn(c->ctx, sqlite3_column_int64(st, 0));
}

struct cand_ctx {
    int (*fn)(void *ctx, const struct cr_plan_cand *c);
    void *ctx;
};

static int cand_row(sqlite3_stmt *st, void *a)
{
    struct cand_ctx *c = a;
    struct cr_plan_cand v = {
        .subject = sqlite3_column_int64(st, 0),
        .key = colz(st, 1),
        .level = colz(st, 2)[0],
        .type = col(st, 3),
        .industry = col(st, 4),
        .status = col(st, 5),
        .district = col(st, 6),
        .street = col(st, 7),
        .has_established = sqlite3_column_type(st, 8) != SQLITE_NULL,
        .established = (int32_t)sqlite3_column_int64(st, 8),
    };
    return c->fn(c->ctx, &v);
}

cr_err cr_store_plan_candidates(cr_store *s, int64_t run,
                                int (*fn)(void *ctx, const struct cr_plan_cand *c), void *ctx)
{
    sqlite3_stmt *st;
    cr_err rc = prep(s,
                     "SELECT r.subject, sj.key, r.level, e.type, e.industry, e.status, e.district,"
                     " e.street, e.established FROM run_score r JOIN subject sj ON sj.id=r.subject"
                     " LEFT JOIN enterprise e ON e.subject=r.subject WHERE r.run=?1"
                     " ORDER BY r.subject",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, run);
    struct cand_ctx c = {fn, ctx};
    return each_row(s, st, cand_row, &c);
}

cr_err cr_store_run_tag_subjects(cr_store *s, int64_t run, const char *tag,
                                 int (*fn)(void *ctx, int64_t subject), void *ctx)
{
    sqlite3_stmt *st;
    cr_err rc = prep(s,
                     "SELECT DISTINCT subject FROM enterprise_tag WHERE run=?1 AND (tag=?2 OR"
                     " name=?2) ORDER BY subject",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, tag, -1, SQLITE_TRANSIENT);
    struct subj_ctx c = {fn, ctx};
    return each_row(s, st, subj_row, &c);
}

cr_err cr_store_recently_drawn(cr_store *s, int32_t since_day, int32_t before_day,
                               int (*fn)(void *ctx, int64_t subject), void *ctx)
{
    sqlite3_stmt *st;
    cr_err rc = prep(s,
                     "SELECT DISTINCT f.subject FROM inspection f JOIN draw d ON d.id=f.draw"
                     " JOIN plan p ON p.id=d.plan WHERE p.routine=1 AND d.day>=?1 AND d.day<?2"
                     " AND d.void_by IS NULL ORDER BY f.subject",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, since_day);
    sqlite3_bind_int64(st, 2, before_day);
    struct subj_ctx c = {fn, ctx};
    return each_row(s, st, subj_row, &c);
}

cr_err cr_store_open_warning_subjects(cr_store *s, int (*fn)(void *ctx, int64_t subject), void *ctx)
{
    int64_t have = 0;
    if (cr_store_scalar(s,
                        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN"
                        " ('warning','warning_firm')",
                        &have))
        return cr__store_fail(s);
    if (have < 2)
        return CR_OK;
    sqlite3_stmt *st;
    cr_err rc = prep(s,
                     "SELECT DISTINCT f.subject FROM warning_firm f JOIN warning w ON"
                     " w.id=f.warning WHERE w.status='open' ORDER BY f.subject",
                     &st);
    if (rc)
        return rc;
    struct subj_ctx c = {fn, ctx};
    return each_row(s, st, subj_row, &c);
}

static cr_err step_done(cr_store *s, sqlite3_stmt *st)
{
    int r = sqlite3_step(st);
    cr_err rc = r == SQLITE_DONE ? CR_OK : cr__store_fail(s);
    sqlite3_reset(st);
    return rc;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

const char *const cr_store_elig_class[CR_STORE_N_ELIG_CLASSES] = {
    "pool", "triggered", "exempt_recent", "exempt_status", "exempt_tolerance"};

static const char plist_schema[] =
    "CREATE TABLE IF NOT EXISTS plan_list(plan INTEGER PRIMARY KEY, format INTEGER NOT NULL,"
    " n INTEGER NOT NULL, list BLOB NOT NULL);";

cr_err cr_store_plan_save(cr_store *s, const struct cr_plan_rec *p, const struct cr_plan_firm *f,
                          size_t n, int64_t *id)
{
    unsigned char *blk = NULL;
    size_t len = 0;
    cr_err rc = cr__plist_encode(f, n, &blk, &len);
    if (rc)
        return rc;
    if ((rc = cr_store_begin(s))) {
        free(blk);
        return rc;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_exec(cr__store_db(s), plist_schema, NULL, NULL, NULL))
        rc = cr__store_fail(s);
    if (!rc)
        rc = prep(s,
                  "INSERT INTO plan(name, year, batch, routine, text, hash, settings, run, day,"
                  " created, eligible, eligible_hash, counts) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,"
                  "strftime('%Y-%m-%dT%H:%M:%SZ','now'),?10,?11,?12)",
                  &st);
    if (!rc) {
        bind_text(st, 1, p->name);
        sqlite3_bind_int(st, 2, p->year);
        bind_text(st, 3, p->batch);
        sqlite3_bind_int(st, 4, p->routine);
        bind_text(st, 5, p->text);
        bind_text(st, 6, p->hash);
        bind_text(st, 7, p->settings);
        sqlite3_bind_int64(st, 8, p->run);
        sqlite3_bind_int64(st, 9, p->day);
        sqlite3_bind_int64(st, 10, p->eligible);
        bind_text(st, 11, p->eligible_hash);
        bind_text(st, 12, p->counts);
        rc = step_done(s, st);
        *id = sqlite3_last_insert_rowid(cr__store_db(s));
        sqlite3_finalize(st);
        st = NULL;
    }
    if (!rc)
        rc = prep(s, "INSERT INTO plan_list(plan, format, n, list) VALUES(?1, 1, ?2, ?3)", &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, (int64_t)n);
        sqlite3_bind_blob64(st, 3, blk, len, SQLITE_STATIC);
        rc = step_done(s, st);
    }
    sqlite3_finalize(st);
    free(blk);
    if (!rc)
        rc = cr_store_commit(s);
    if (rc)
        cr_store_rollback(s);
    return rc;
}

struct plan_ctx {
    int (*fn)(void *ctx, const struct cr_plan_rec *p);
    void *ctx;
    int seen;
};

static int plan_row(sqlite3_stmt *st, void *a)
{
    struct plan_ctx *c = a;
    struct cr_plan_rec p = {
        .id = sqlite3_column_int64(st, 0),
        .name = colz(st, 1),
        .year = sqlite3_column_int(st, 2),
        .batch = col(st, 3),
        .routine = sqlite3_column_int(st, 4),
        .text = colz(st, 5),
        .hash = colz(st, 6),
        .settings = colz(st, 7),
        .run = sqlite3_column_int64(st, 8),
        .day = (int32_t)sqlite3_column_int64(st, 9),
        .created = colz(st, 10),
        .eligible = sqlite3_column_int64(st, 11),
        .eligible_hash = colz(st, 12),
        .counts = colz(st, 13),
    };
    c->seen = 1;
    return c->fn(c->ctx, &p);
}

cr_err cr_store_plans_each(cr_store *s, int64_t id,
                           int (*fn)(void *ctx, const struct cr_plan_rec *p), void *ctx)
{
    sqlite3_stmt *st;
    cr_err rc = prep(s,
                     "SELECT id, name, year, batch, routine, text, hash, settings, run, day,"
                     " created, eligible, eligible_hash, counts FROM plan WHERE ?1=0 OR id=?1"
                     " ORDER BY id",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    struct plan_ctx c = {fn, ctx, 0};
    rc = each_row(s, st, plan_row, &c);
    return !rc && id && !c.seen ? CR_ENOTFOUND : rc;
}

static cr_err has_table(cr_store *s, const char *name, int *have);

void cr_store_plan_list_free(struct cr_plan_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_own; i++)
        free(l->own[i]);
    free(l->own);
    free(l->streets);
    free(l->f);
    free(l->mem);
    memset(l, 0, sizeof *l);
}

/* The list of a plan recorded by an older crisk: its plan_firm rows in key order. */
static cr_err plist_rows(cr_store *s, int64_t plan, struct cr_plan_list *l, const char **why)
{
    sqlite3_stmt *st;
    cr_err rc = prep(s,
                     "SELECT key, subject, level, class, street FROM plan_firm WHERE plan=?1"
                     " ORDER BY key",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, plan);
    size_t cap = 0;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (l->n == cap) {
            cap = cap ? cap * 2 : 1024;
            struct cr_plan_firm *t = realloc(l->f, cap * sizeof *t);
            char **o = realloc(l->own, 2 * cap * sizeof *o);
            if (t)
                l->f = t;
            if (o)
                l->own = o;
            if (!t || !o) {
                rc = CR_ENOMEM;
                break;
            }
        }
        char *key = strdup(colz(st, 0)), *street = strdup(colz(st, 4));
        if (key)
            l->own[l->n_own++] = key;
        if (street)
            l->own[l->n_own++] = street;
        if (!key || !street) {
            rc = CR_ENOMEM;
            break;
        }
        uint8_t c = CR_STORE_N_ELIG_CLASSES;
        for (uint8_t k = 0; k < CR_STORE_N_ELIG_CLASSES; k++)
            if (strcmp(colz(st, 3), cr_store_elig_class[k]) == 0)
                c = k;
        if (c == CR_STORE_N_ELIG_CLASSES) {
            *why = "a firm of its plan_firm rows has an unknown class";
            rc = CR_EPARSE;
            break;
        }
        const char *lv = colz(st, 2);
        if (lv[0] < 'A' || lv[0] > 'D' || lv[1]) {
            *why = "a firm of its plan_firm rows has a level that is not A-D";
            rc = CR_EPARSE;
            break;
        }
        l->f[l->n++] =
            (struct cr_plan_firm){sqlite3_column_int64(st, 1), key, street, c, colz(st, 2)[0]};
    }
    if (!rc && r != SQLITE_DONE)
        rc = cr__store_fail(s);
    sqlite3_finalize(st);
    return rc;
}

cr_err cr_store_plan_list(cr_store *s, int64_t plan, struct cr_plan_list *l, const char **why)
{
    memset(l, 0, sizeof *l);
    *why = "";
    int have = 0;
    cr_err rc = has_table(s, "plan_list", &have);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (have && !(rc = prep(s, "SELECT format, length(list) FROM plan_list WHERE plan=?1", &st))) {
        sqlite3_bind_int64(st, 1, plan);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            found = 1;
            if (sqlite3_column_int64(st, 0) != 1) {
                *why = "its plan_list block is of an unknown format (this crisk reads format 1)";
                rc = CR_EPARSE;
            }
        } else if (r != SQLITE_DONE)
            rc = cr__store_fail(s);
        int64_t len = found ? sqlite3_column_int64(st, 1) : 0;
        sqlite3_finalize(st);
        unsigned char *b = NULL;
        sqlite3_blob *bl = NULL;
        if (!rc && found) {
            /* straight into memory of ours: one copy of a block of tens of megabytes */
            b = len <= INT_MAX ? malloc(len > 0 ? (size_t)len : 1) : NULL;
            if (!b)
                rc = CR_ENOMEM;
            else if (sqlite3_blob_open(cr__store_db(s), "main", "plan_list", "list", plan, 0,
                                       &bl) ||
                     sqlite3_blob_read(bl, b, (int)len, 0))
                rc = cr__store_fail(s);
            sqlite3_blob_close(bl);
            if (rc)
                free(b);
            else
                rc = cr__plist_decode(b, (size_t)len, l, why);
        }
    }
    if (!rc && !found)
        rc = plist_rows(s, plan, l, why);
    return rc;
}

static cr_err draw_void(cr_store *s, int64_t draw, const char *by, const char *reason, int32_t day)
{
    sqlite3_stmt *st = NULL;
    cr_err rc = prep(s,
                     "UPDATE draw SET void_by=?2, void_reason=?3, void_day=?4,"
                     " voided=strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id=?1 AND void_by IS NULL",
                     &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, draw);
        bind_text(st, 2, by);
        bind_text(st, 3, reason);
        sqlite3_bind_int64(st, 4, day);
        rc = step_done(s, st);
        if (!rc && sqlite3_changes(cr__store_db(s)) != 1)
            rc = CR_ENOTFOUND;
        sqlite3_finalize(st);
        st = NULL;
    }
    if (!rc)
        rc = prep(s, "UPDATE inspection SET cancelled=1 WHERE draw=?1 AND result IS NULL", &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, draw);
        rc = step_done(s, st);
        sqlite3_finalize(st);
    }
    return rc;
}

/* The layout of a draw's firms (docs/store.md "Draws"). Since format 2 each firm of a draw is
 * its inspection row, which holds its level, arm, drawn inspectors and unstaffed reason (an id
 * of draw_reason); the rows of table draw_firm of an older crisk are kept as table
 * draw_firm_v1, and draw_firm is a view of both. A store no draw of format 2 was recorded in
 * still has its draw_firm table and an inspection table without those columns. */
static cr_err draw_layout(cr_store *s, int *v2)
{
    int64_t n = 0;
    cr_err rc = cr_store_scalar(
                    s, "SELECT count(*) FROM pragma_table_info('inspection') WHERE name='arm'", &n)
                    ? cr__store_fail(s)
                    : CR_OK;
    *v2 = n > 0;
    return rc;
}

static const char draw_v2_schema[] =
    /* the checks draw_firm had (NULL on the rows of older draws passes them) */
    "ALTER TABLE inspection ADD COLUMN level TEXT CHECK(level IN ('A','B','C','D'));"
    "ALTER TABLE inspection ADD COLUMN arm TEXT CHECK(arm IN ('targeted','random','triggered'));"
    "ALTER TABLE inspection ADD COLUMN drawn TEXT;"
    "ALTER TABLE inspection ADD COLUMN unstaffed INTEGER;"
    "CREATE TABLE IF NOT EXISTS draw_reason(draw INTEGER NOT NULL, id INTEGER NOT NULL,"
    " text TEXT NOT NULL, PRIMARY KEY(draw, id)) WITHOUT ROWID;"
    /* a firm's inspections are looked up by subject only with a result, which the partial
     * index inspection_result (inputs_schema) serves: one index less to grow by every drawn
     * firm */
    "DROP INDEX IF EXISTS inspection_by_subject;";

static const char draw_v1_table[] =
    "CREATE TABLE draw_firm_v1(draw INTEGER NOT NULL, key TEXT NOT NULL,"
    " subject INTEGER NOT NULL, level TEXT NOT NULL, arm TEXT NOT NULL, inspectors TEXT NOT NULL,"
    " unstaffed TEXT, PRIMARY KEY(draw, key)) WITHOUT ROWID;"
    "CREATE INDEX draw_firm_v1_by_subject ON draw_firm_v1(subject);";

static const char draw_firm_view[] =
    "CREATE VIEW draw_firm(draw, key, subject, level, arm, inspectors, unstaffed) AS"
    " SELECT i.draw, s.key, i.subject, i.level, i.arm, i.drawn, r.text FROM inspection i"
    " LEFT JOIN subject s ON s.id=i.subject LEFT JOIN draw_reason r ON r.draw=i.draw AND"
    " r.id=i.unstaffed WHERE i.arm IS NOT NULL UNION ALL SELECT draw, key, subject, level, arm,"
    " inspectors, unstaffed FROM draw_firm_v1;";

/* Brings the store to the layout of format 2, inside the caller's transaction. */
static cr_err draw_layout_upgrade(cr_store *s)
{
    int v2 = 0;
    cr_err rc = draw_layout(s, &v2);
    if (rc || v2)
        return rc;
    sqlite3 *db = cr__store_db(s);
    int64_t table = 0;
    if (cr_store_scalar(s,
                        "SELECT count(*) FROM sqlite_master WHERE type='table' AND"
                        " name='draw_firm'",
                        &table))
        return cr__store_fail(s);
    if (sqlite3_exec(db, draw_v2_schema, NULL, NULL, NULL) ||
        sqlite3_exec(db, table ? "ALTER TABLE draw_firm RENAME TO draw_firm_v1" : draw_v1_table,
                     NULL, NULL, NULL) ||
        sqlite3_exec(db, draw_firm_view, NULL, NULL, NULL))
        return cr__store_fail(s);
    return CR_OK;
}

struct by_subject {
    int64_t subject;
    size_t i;
};

static int cmp_by_subject(const void *a, const void *b)
{
    const struct by_subject *x = a, *y = b;
    return (x->subject > y->subject) - (x->subject < y->subject);
}

/* The draw's roster: rows of draw_roster and draw_staff. */
static cr_err roster_save(cr_store *s, int64_t draw, const struct cr_staff *rows, size_t n)
{
    sqlite3_stmt *st = NULL;
    cr_err rc = prep(s, "INSERT INTO draw_roster(draw, n) VALUES(?1,?2)", &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, draw);
        sqlite3_bind_int64(st, 2, (int64_t)n);
        rc = step_done(s, st);
        sqlite3_finalize(st);
        st = NULL;
    }
    if (!rc)
        rc = prep(s,
                  "INSERT INTO draw_staff(draw, id, division, qualifications) VALUES(?1,?2,?3,?4)",
                  &st);
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_bind_int64(st, 1, draw);
        bind_text(st, 2, rows[i].id);
        bind_text(st, 3, rows[i].division ? rows[i].division : "");
        bind_text(st, 4, rows[i].qualifications ? rows[i].qualifications : "");
        rc = step_done(s, st);
    }
    sqlite3_finalize(st);
    return rc;
}

cr_err cr_store_draw_save(cr_store *s, const struct cr_draw_rec *r, const struct cr_draw_firm *f,
                          size_t n, const struct cr_staff *roster, size_t n_roster,
                          const struct cr_draw_void *replace, int64_t *id)
{
    /* The inspections are inserted by subject, their ids first, first + 1, ... in that order:
     * every index of the table then grows at its end or close to where the last one went. */
    struct by_subject *order = malloc((n ? n : 1) * sizeof *order);
    int64_t *rid = malloc((n ? n : 1) * sizeof *rid);
    struct cr__intern rs = {0}; /* the distinct reasons: id = index + 1, 0 for none */
    cr_err rc = order && rid ? CR_OK : CR_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        order[i] = (struct by_subject){f[i].subject, i};
        uint32_t k = f[i].unstaffed ? cr__intern(&rs, f[i].unstaffed) : 0;
        if (k == UINT32_MAX)
            rc = CR_ENOMEM;
        rid[i] = f[i].unstaffed ? (int64_t)k + 1 : 0;
    }
    if (!rc)
        qsort(order, n, sizeof *order, cmp_by_subject);
    if (!rc)
        rc = cr_store_begin(s);
    if (rc) { /* nothing begun: nothing to roll back */
        free(order);
        free(rid);
        cr__intern_free(&rs);
        return rc;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_exec(cr__store_db(s), inputs_schema, NULL, NULL, NULL))
        rc = cr__store_fail(s);
    if (!rc)
        rc = draw_layout_upgrade(s);
    if (!rc && replace)
        rc = draw_void(s, replace->draw, replace->by, replace->reason, replace->day);
    if (!rc)
        rc = prep(s,
                  "INSERT INTO draw(plan, seed, day, created, seconds, sampled, report)"
                  " VALUES(?1,?2,?3,strftime('%Y-%m-%dT%H:%M:%SZ','now'),?4,?5,?6)",
                  &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, r->plan);
        bind_text(st, 2, r->seed);
        sqlite3_bind_int64(st, 3, r->day);
        sqlite3_bind_double(st, 4, r->seconds);
        sqlite3_bind_int64(st, 5, r->sampled);
        bind_text(st, 6, r->report);
        rc = step_done(s, st);
        *id = sqlite3_last_insert_rowid(cr__store_db(s));
        sqlite3_finalize(st);
        st = NULL;
    }
    if (!rc)
        rc = prep(s, "INSERT INTO draw_reason(draw, id, text) VALUES(?1,?2,?3)", &st);
    for (size_t j = 0; !rc && j < rs.n; j++) {
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, (int64_t)j + 1);
        sqlite3_bind_text(st, 3, rs.order[j], -1, SQLITE_STATIC);
        rc = step_done(s, st);
    }
    sqlite3_finalize(st);
    st = NULL;
    int64_t first = 0;
    if (!rc && cr_store_scalar(s, "SELECT coalesce(max(id), 0) + 1 FROM inspection", &first))
        rc = cr__store_fail(s);
    if (!rc)
        rc = prep(s,
                  "INSERT INTO inspection(id, draw, subject, inspectors, level, arm, drawn,"
                  " unstaffed) VALUES(?1,?2,?3,?4,?5,?6,?4,?7)",
                  &st);
    if (!rc)
        sqlite3_bind_int64(st, 2, *id);
    for (size_t k = 0; !rc && k < n; k++) {
        const struct cr_draw_firm *x = &f[order[k].i];
        char lv[2] = {x->level, 0};
        sqlite3_bind_int64(st, 1, first + (int64_t)k);
        sqlite3_bind_int64(st, 3, x->subject);
        sqlite3_bind_text(st, 4, x->inspectors ? x->inspectors : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, lv, 1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, x->arm, -1, SQLITE_STATIC);
        if (rid[order[k].i])
            sqlite3_bind_int64(st, 7, rid[order[k].i]);
        else
            sqlite3_bind_null(st, 7);
        rc = step_done(s, st);
    }
    sqlite3_finalize(st);
    st = NULL;
    free(order);
    free(rid);
    cr__intern_free(&rs);
    /* the recusals by last inspection in force for the drawn firms, for draw verify */
    if (!rc)
        rc = prep(s,
                  "INSERT INTO draw_recusal(draw, subject, inspectors) SELECT ?1, l.subject,"
                  " l.inspectors FROM (" LATEST_RESULTS ") l WHERE EXISTS(SELECT 1 FROM"
                  " inspection f WHERE f.subject=l.subject AND f.draw=?1)",
                  &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, *id);
        rc = step_done(s, st);
        sqlite3_finalize(st);
    }
    if (!rc)
        rc = roster_save(s, *id, roster, n_roster);
    if (!rc)
        rc = cr_store_commit(s);
    if (rc)
        cr_store_rollback(s);
    return rc;
}

struct draw_ctx {
    int (*fn)(void *ctx, const struct cr_draw_rec *r);
    void *ctx;
    int seen;
};

static int draw_row(sqlite3_stmt *st, void *a)
{
    struct draw_ctx *c = a;
    struct cr_draw_rec r = {
        .id = sqlite3_column_int64(st, 0),
        .plan = sqlite3_column_int64(st, 1),
        .seed = colz(st, 2),
        .day = (int32_t)sqlite3_column_int64(st, 3),
        .created = colz(st, 4),
        .seconds = sqlite3_column_double(st, 5),
        .sampled = sqlite3_column_int64(st, 6),
        .report = colz(st, 7),
        .void_by = col(st, 8),
        .void_reason = col(st, 9),
        .void_day = (int32_t)sqlite3_column_int64(st, 10),
        .voided = col(st, 11),
    };
    c->seen = 1;
    return c->fn(c->ctx, &r);
}

cr_err cr_store_draw_get(cr_store *s, int64_t id, int (*fn)(void *ctx, const struct cr_draw_rec *r),
                         void *ctx)
{
    sqlite3_stmt *st;
    cr_err rc = prep(s,
                     "SELECT id, plan, seed, day, created, seconds, sampled, report, void_by,"
                     " void_reason, void_day, voided FROM draw WHERE id=?1",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    struct draw_ctx c = {fn, ctx, 0};
    rc = each_row(s, st, draw_row, &c);
    return !rc && !c.seen ? CR_ENOTFOUND : rc;
}

struct df_ctx {
    int (*fn)(void *ctx, const struct cr_draw_firm *f);
    void *ctx;
};

static int df_row(sqlite3_stmt *st, void *a)
{
    struct df_ctx *c = a;
    struct cr_draw_firm f = {
        .draw = sqlite3_column_int64(st, 0),
        .key = colz(st, 1),
        .subject = sqlite3_column_int64(st, 2),
        .level = colz(st, 3)[0],
        .arm = colz(st, 4),
        .inspectors = colz(st, 5),
        .unstaffed = col(st, 6),
        .inspection = sqlite3_column_int64(st, 7),
        .recorded = col(st, 8),
        .has_result = sqlite3_column_int(st, 9),
    };
    return c->fn(c->ctx, &f);
}

cr_err cr_store_draw_firms(cr_store *s, int64_t draw,
                           int (*fn)(void *ctx, const struct cr_draw_firm *f), void *ctx)
{
    int v2 = 0;
    cr_err rc = draw_layout(s, &v2);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc =
        prep(s,
             v2 ? "SELECT draw, key, subject, level, arm, inspectors, unstaffed, inspection,"
                  " recorded, has_result FROM"
                  " (SELECT i.draw AS draw, s.key AS key, i.subject AS subject, i.level AS level,"
                  " i.arm AS arm, i.drawn AS inspectors, r.text AS unstaffed, i.id AS inspection,"
                  " i.inspectors AS recorded, i.result IS NOT NULL AS has_result"
                  " FROM inspection i LEFT JOIN subject s ON s.id=i.subject LEFT JOIN draw_reason r"
                  " ON r.draw=i.draw AND r.id=i.unstaffed WHERE i.draw=?1 AND i.arm IS NOT NULL"
                  " UNION ALL SELECT f.draw, f.key, f.subject, f.level, f.arm, f.inspectors,"
                  " f.unstaffed, coalesce(i.id, 0), i.inspectors, coalesce(i.result IS NOT NULL,"
                  " 0) FROM draw_firm_v1 f LEFT JOIN inspection i"
                  " ON i.draw=f.draw AND i.subject=f.subject WHERE f.draw=?1) ORDER BY key"
                : "SELECT f.draw, f.key, f.subject, f.level, f.arm, f.inspectors, f.unstaffed,"
                  " coalesce(i.id, 0), i.inspectors, coalesce(i.result IS NOT NULL, 0) FROM"
                  " draw_firm f LEFT JOIN inspection i ON"
                  " i.draw=f.draw AND i.subject=f.subject WHERE f.draw=?1 ORDER BY f.key",
             &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, draw);
    struct df_ctx c = {fn, ctx};
    return each_row(s, st, df_row, &c);
}

static cr_err has_table(cr_store *s, const char *name, int *have)
{
    sqlite3_stmt *st;
    cr_err rc = prep(s, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    *have = r == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    rc = r == SQLITE_ROW ? CR_OK : cr__store_fail(s);
    sqlite3_finalize(st);
    return rc;
}

struct li_ctx {
    int (*fn)(void *ctx, int64_t subject, const char *inspectors);
    void *ctx;
};

static int li_row(sqlite3_stmt *st, void *a)
{
    struct li_ctx *c = a;
    return c->fn(c->ctx, sqlite3_column_int64(st, 0), colz(st, 1));
}

cr_err cr_store_last_inspectors(cr_store *s,
                                int (*fn)(void *ctx, int64_t subject, const char *inspectors),
                                void *ctx)
{
    sqlite3_stmt *st;
    cr_err rc =
        prep(s, "SELECT subject, inspectors FROM (" LATEST_RESULTS ") ORDER BY subject", &st);
    if (rc)
        return rc;
    struct li_ctx c = {fn, ctx};
    return each_row(s, st, li_row, &c);
}

/* An inspection's columns for in_row, of the layout of format 2 (draw_layout): the level and arm
 * on the inspection row, or for a draw of an older crisk on its draw_firm_v1 row. */
#define INSPECTION_V2_COLS                                                                         \
    "i.id, i.draw, d.plan, i.subject, s.key, coalesce(i.level, f.level),"                          \
    " coalesce(i.arm, f.arm), i.inspectors, i.result, i.label, i.items, i.day, i.by, i.recorded,"  \
    " i.penalty_exempt, coalesce(i.problem, 0), i.cancelled FROM inspection i"                     \
    " JOIN draw d ON d.id=i.draw"                                                                  \
    " LEFT JOIN subject s ON s.id=i.subject LEFT JOIN draw_firm_v1 f ON f.draw=i.draw AND"         \
    " f.subject=i.subject"

struct in_ctx {
    int (*fn)(void *ctx, const struct cr_inspection_row *r);
    void *ctx;
    int seen;
};

static int in_row(sqlite3_stmt *st, void *a)
{
    struct in_ctx *c = a;
    struct cr_inspection_row r = {
        .id = sqlite3_column_int64(st, 0),
        .draw = sqlite3_column_int64(st, 1),
        .plan = sqlite3_column_int64(st, 2),
        .subject = sqlite3_column_int64(st, 3),
        .key = colz(st, 4),
        .level = colz(st, 5),
        .arm = colz(st, 6),
        .inspectors = colz(st, 7),
        .result = col(st, 8),
        .label = col(st, 9),
        .items = col(st, 10),
        .day =
            sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 : (int32_t)sqlite3_column_int64(st, 11),
        .by = col(st, 12),
        .recorded = col(st, 13),
        .penalty_exempt = sqlite3_column_int(st, 14),
        .problem = sqlite3_column_int(st, 15),
        .cancelled = sqlite3_column_int(st, 16),
    };
    c->seen = 1;
    return c->fn(c->ctx, &r);
}

cr_err cr_store_inspections_each(cr_store *s, int64_t id, int64_t plan, int with_result,
                                 int (*fn)(void *ctx, const struct cr_inspection_row *r), void *ctx)
{
    int v2 = 0;
    cr_err rc = draw_layout(s, &v2);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = prep(
        s,
        v2 ? "SELECT " INSPECTION_V2_COLS " WHERE (?1=0 OR i.id=?1) AND (?2=0 OR d.plan=?2)"
             " AND (?3=0 OR i.result IS NOT NULL) ORDER BY i.id"
           : "SELECT i.id, i.draw, d.plan, i.subject, f.key, f.level, f.arm, i.inspectors,"
             " i.result, i.label, i.items, i.day, i.by, i.recorded, i.penalty_exempt,"
             " coalesce(i.problem, 0), i.cancelled FROM inspection i JOIN draw d ON d.id=i.draw"
             " JOIN draw_firm f ON f.draw=i.draw AND f.subject=i.subject"
             " WHERE (?1=0 OR i.id=?1) AND (?2=0 OR d.plan=?2)"
             " AND (?3=0 OR i.result IS NOT NULL) ORDER BY i.id",
        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, plan);
    sqlite3_bind_int(st, 3, with_result);
    struct in_ctx c = {fn, ctx, 0};
    rc = each_row(s, st, in_row, &c);
    return !rc && id && !c.seen ? CR_ENOTFOUND : rc;
}

cr_err cr_store_inspection_result(cr_store *s, const struct cr_inspection_row *r)
{
    sqlite3_stmt *st;
    cr_err rc = prep(s,
                     "UPDATE inspection SET result=?2, label=?3, items=?4, day=?5, by=?6,"
                     " recorded=strftime('%Y-%m-%dT%H:%M:%SZ','now'), penalty_exempt=?7,"
                     " problem=?8, inspectors=?9 WHERE id=?1",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, r->id);
    bind_text(st, 2, r->result);
    bind_text(st, 3, r->label);
    bind_text(st, 4, r->items);
    sqlite3_bind_int64(st, 5, r->day);
    bind_text(st, 6, r->by);
    sqlite3_bind_int(st, 7, r->penalty_exempt);
    sqlite3_bind_int(st, 8, r->problem);
    bind_text(st, 9, r->inspectors);
    rc = step_done(s, st);
    if (!rc && sqlite3_changes(cr__store_db(s)) != 1)
        rc = CR_ENOTFOUND;
    sqlite3_finalize(st);
    return rc;
}

/* The one int64 that sql (one parameter, ?1 = arg) selects: *out, or CR_ENOTFOUND when it is
 * NULL (an aggregate over no row). */
static cr_err one_int64(cr_store *s, const char *sql, int64_t arg, int64_t *out)
{
    sqlite3_stmt *st;
    cr_err rc = prep(s, sql, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, arg);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = r == SQLITE_ROW ? CR_ENOTFOUND : cr__store_fail(s);
    sqlite3_finalize(st);
    return rc;
}

cr_err cr_store_draw_redraw(cr_store *s, int64_t draw, int64_t *redraw)
{
    return one_int64(s,
                     "SELECT min(id) FROM draw WHERE plan=(SELECT plan FROM draw WHERE id=?1)"
                     " AND id>?1",
                     draw, redraw);
}

cr_err cr_store_plan_live_draw(cr_store *s, int64_t plan, int64_t *draw)
{
    return one_int64(s, "SELECT max(id) FROM draw WHERE plan=?1 AND void_by IS NULL", plan, draw);
}

struct staff_row_ctx {
    int (*fn)(void *ctx, const struct cr_staff *st);
    void *ctx;
};

static int staff_row(sqlite3_stmt *st, void *a)
{
    struct staff_row_ctx *c = a;
    struct cr_staff v = {colz(st, 0), "", "inspector", colz(st, 1), colz(st, 2)};
    return c->fn(c->ctx, &v);
}

cr_err cr_store_draw_roster(cr_store *s, int64_t draw,
                            int (*fn)(void *ctx, const struct cr_staff *st), void *ctx,
                            int *recorded)
{
    *recorded = 0;
    int have = 0;
    cr_err rc = has_table(s, "draw_roster", &have);
    if (rc || !have)
        return rc;
    int64_t n = 0;
    sqlite3_stmt *st;
    if ((rc = prep(s, "SELECT n FROM draw_roster WHERE draw=?1", &st)))
        return rc;
    sqlite3_bind_int64(st, 1, draw);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *recorded = 1;
        n = sqlite3_column_int64(st, 0);
    } else if (r != SQLITE_DONE)
        rc = cr__store_fail(s);
    sqlite3_finalize(st);
    (void)n;
    if (rc || !*recorded)
        return rc;
    if ((rc = prep(s,
                   "SELECT id, division, qualifications FROM draw_staff WHERE draw=?1 ORDER BY id",
                   &st)))
        return rc;
    sqlite3_bind_int64(st, 1, draw);
    struct staff_row_ctx c = {fn, ctx};
    return each_row(s, st, staff_row, &c);
}

cr_err cr_store_draw_recusals(cr_store *s, int64_t draw,
                              int (*fn)(void *ctx, int64_t subject, const char *inspectors),
                              void *ctx)
{
    int have = 0;
    cr_err rc = has_table(s, "draw_recusal", &have);
    if (rc || !have)
        return rc;
    sqlite3_stmt *st;
    if ((rc = prep(s, "SELECT subject, inspectors FROM draw_recusal WHERE draw=?1 ORDER BY subject",
                   &st)))
        return rc;
    sqlite3_bind_int64(st, 1, draw);
    struct li_ctx c = {fn, ctx};
    return each_row(s, st, li_row, &c);
}

cr_err cr_store_subject_results(cr_store *s, int64_t subject,
                                int (*fn)(void *ctx, const struct cr_inspection_row *r), void *ctx)
{
    int v2 = 0;
    cr_err rc = draw_layout(s, &v2);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = prep(
        s,
        v2 ? "SELECT " INSPECTION_V2_COLS " WHERE i.subject=?1 AND i.result IS NOT NULL"
             " ORDER BY i.day, i.id"
           : "SELECT i.id, i.draw, d.plan, i.subject, f.key, f.level, f.arm, i.inspectors,"
             " i.result, i.label, i.items, i.day, i.by, i.recorded, i.penalty_exempt,"
             " coalesce(i.problem, 0), i.cancelled FROM inspection i JOIN draw d ON d.id=i.draw"
             " JOIN draw_firm f ON f.draw=i.draw AND f.subject=i.subject"
             " WHERE i.subject=?1 AND i.result IS NOT NULL ORDER BY i.day, i.id",
        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, subject);
    struct in_ctx c = {fn, ctx, 0};
    return each_row(s, st, in_row, &c);
}

cr_err cr_store_inspection_penalty(cr_store *s, int64_t id, int penalty_exempt)
{
    sqlite3_stmt *st;
    cr_err rc = prep(s, "UPDATE inspection SET penalty_exempt=?2 WHERE id=?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, penalty_exempt);
    rc = step_done(s, st);
    if (!rc && sqlite3_changes(cr__store_db(s)) != 1)
        rc = CR_ENOTFOUND;
    sqlite3_finalize(st);
    return rc;
}
