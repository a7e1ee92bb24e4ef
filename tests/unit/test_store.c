/* The event blocks of the store: what goes in comes back byte for byte, in order, through a
 * whole scan, a range scan and a lookup by enterprise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crisk/store.h"
#include "store/internal.h" /* cr_store_scalar */
#include "store_tmp.h"

/* Attribute texts the packing must keep exactly: absent, empty object, plain, escaped quotes
 * and backslashes, names missing or in another order, a number, a nested object, and more
 * names than a block packs (33). */
static const char *const attrs[] = {
    NULL,
    "{}",
    "{\"处罚种类\":\"罚款\",\"文号\":\"穗天河罚〔2023〕7103号\"}",
    "{\"文号\":\"A\\\"B\\\\C\\u0041\"}",
    "{\"处罚种类\":\"警告\"}",
    "{\"文号\":\"x\",\"处罚种类\":\"y\"}",
    "{\"金额\":12.5}",
    "{\"a\":{\"b\":\"c\"}}",
    "{\"处罚种类\":\"\",\"文号\":\"\"}",
    NULL, /* filled with 33 names below */
};
#define N_ATTRS (sizeof attrs / sizeof *attrs)
#define N_EVENTS 3000

struct seen {
    size_t n;
    int bad;
    char many[4096];
};

static const char *expected(size_t i, const char *many)
{
    return i % N_ATTRS == N_ATTRS - 1 ? many : attrs[i % N_ATTRS];
}

static int check(void *ctx, const struct cr_event_row *e)
{
    struct seen *s = ctx;
    size_t i = (size_t)e->h; /* each event's h is its number */
    const char *want = expected(i, s->many);
    int same =
        want ? e->attrs && e->attrs_len == strlen(want) && memcmp(e->attrs, want, e->attrs_len) == 0
             : e->attrs == NULL;
    if (!same || e->day != (int32_t)(19000 + i) || e->subject != (int64_t)(1 + i % 7) ||
        e->has_amount != (i % 3 != 0) || (e->has_amount && e->amount_fen != -(int64_t)i)) {
        if (!s->bad)
            fprintf(stderr, "event %zu: got attrs %.*s\n", i, (int)e->attrs_len,
                    e->attrs ? e->attrs : "(none)");
        s->bad = 1;
    }
    s->n++;
    return 0;
}

static void blocks_round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/crisk-test-store-XXXXXX";
    tmp_store_path(path);
    cr_store *s = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_store_open(path, &s, &d), CR_OK);
    struct seen seen = {0};
    size_t o = 0;
    o += (size_t)snprintf(seen.many + o, sizeof seen.many - o, "{");
    for (int k = 0; k < 33; k++)
        o += (size_t)snprintf(seen.many + o, sizeof seen.many - o, "%s\"k%d\":\"v%d\"",
                              k ? "," : "", k, k);
    snprintf(seen.many + o, sizeof seen.many - o, "}");
    /* The typed extent reads on an empty store: all 0. */
    int64_t top = -1, last = -1, open = -1, resolved = -1;
    assert_int_equal(cr_store_role_top(s, &top), CR_OK);
    assert_int_equal(cr_store_events_last_day(s, &last), CR_OK);
    assert_int_equal(cr_store_quarantine_totals(s, &open, &resolved), CR_OK);
    assert_true(top == 0 && last == 0 && open == 0 && resolved == 0);
    assert_int_equal(cr_store_begin(s), CR_OK);
    for (int64_t id = 1; id <= 7; id++) {
        char key[16];
        snprintf(key, sizeof key, "t:%lld", (long long)id);
        assert_int_equal(cr_store_subject_add(s, id, key, strlen(key)), CR_OK);
    }
    for (size_t i = 0; i < N_EVENTS; i++) {
        const char *a = expected(i, seen.many);
        struct cr_event_row e = {.subject = (int64_t)(1 + i % 7),
                                 .topic = 1 + (int64_t)(i / 1000), /* three topics */
                                 .day = (int32_t)(19000 + i),
                                 .amount_fen = -(int64_t)i,
                                 .has_amount = i % 3 != 0,
                                 .h = (int64_t)i,
                                 .attrs = a,
                                 .attrs_len = a ? strlen(a) : 0};
        assert_int_equal(cr_store_events_add(s, &e, 1), CR_OK);
    }
    assert_int_equal(cr_store_commit(s), CR_OK);
    assert_int_equal(cr_store_ensure_indexes(s), CR_OK);
    assert_int_equal(cr_store_events_each(s, NULL, 0, check, &seen), CR_OK);
    assert_int_equal(seen.n, N_EVENTS);
    assert_false(seen.bad);
    /* One enterprise through its posting: every 7th event. */
    seen.n = 0;
    int64_t three = 3;
    assert_int_equal(cr_store_events_each(s, &three, 1, check, &seen), CR_OK);
    assert_int_equal(seen.n, (N_EVENTS + 4) / 7);
    assert_false(seen.bad);
    struct cr_store_counts c;
    assert_int_equal(cr_store_counts(s, &c), CR_OK);
    assert_int_equal(c.events, N_EVENTS);
    assert_int_equal(cr_store_events_last_day(s, &last), CR_OK);
    assert_int_equal(last, 19000 + N_EVENTS - 1);
    /* A workflow event (department crisk) dated 8 days after the collected ones leaves the
     * default as-of where it was: closing one task moved the whole city's levels. */
    struct cr_event_new wf = {3, 19000 + N_EVENTS - 1 + 8, INT64_MIN, "{\"结果\":\"confirmed\"}"};
    assert_int_equal(
        cr_store_events_append(s, "crisk/task_outcome", "任务结果", "task_outcome", &wf, 1), CR_OK);
    assert_int_equal(cr_store_events_last_day(s, &last), CR_OK);
    assert_int_equal(last, 19000 + N_EVENTS - 1);
    assert_int_equal(cr_store_counts(s, &c), CR_OK);
    assert_int_equal(c.events, N_EVENTS + 1); /* near miss: the event itself was written */
    cr_store_close(s);
    tmp_store_remove(path);
}

/* A reader never creates a store, and cannot write through its handle. */
static void readonly_open(void **state)
{
    (void)state;
    char path[] = "/tmp/crisk-test-store-XXXXXX";
    tmp_store_path(path);
    cr_store *s = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_store_open_readonly(path, &s, &d), CR_ENOTFOUND);
    assert_null(s);
    assert_string_equal(d.file, path);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(cr_store_open(path, &s, &d), CR_OK);
    assert_int_equal(cr_store_department_put(s, "D1", "n"), CR_OK);
    cr_store_close(s);
    s = NULL;
    assert_int_equal(cr_store_open_readonly(path, &s, &d), CR_OK);
    int64_t n = 0;
    assert_int_equal(cr_store_scalar(s, "SELECT count(*) FROM department", &n), CR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(cr_store_department_put(s, "D2", "m"), CR_ESTORE);
    /* SQLite's message is kept at the failing call: a rollback after it cannot turn it into
     * "not an error". */
    cr_store_rollback(s);
    assert_non_null(strstr(cr_store_errmsg(s), "readonly database"));
    cr_store_close(s);
    tmp_store_remove(path);
}

/* One writer at a time, also between two handles of one process; the holder is named; closing
 * the holder frees the store; an in-memory store is always granted. */
static void writer_lock(void **state)
{
    (void)state;
    char path[] = "/tmp/crisk-test-lock-XXXXXX";
    tmp_store_path(path);
    cr_store *a = NULL, *b = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_store_open(path, &a, &d), CR_OK);
    assert_int_equal(cr_store_open(path, &b, &d), CR_OK);
    assert_int_equal(cr_store_lock(a, "ingest", &d), CR_OK);
    assert_int_equal(cr_store_lock(a, "ingest", &d), CR_OK); /* again: a no-op */
    assert_int_equal(cr_store_lock(b, "classify", &d), CR_ESTORE);
    char want[64];
    snprintf(want, sizeof want, "crisk ingest, pid %ld on ", (long)getpid());
    assert_non_null(strstr(d.msg, want));
    cr_store_close(a);
    assert_int_equal(cr_store_lock(b, "classify", &d), CR_OK);
    cr_store_close(b);
    cr_store *m = NULL;
    assert_int_equal(cr_store_open(":memory:", &m, &d), CR_OK);
    assert_int_equal(cr_store_lock(m, "ingest", &d), CR_OK);
    cr_store_close(m);
    tmp_store_remove(path);
}

/* Another process upgrades the store between this one's version read and its BEGIN IMMEDIATE:
 * the upgrade reads the version again under the write lock and finds nothing to do (it read
 * the old version outside the transaction and upgraded a second time: "table model already
 * exists"). The other process is a second connection run when BEGIN IMMEDIATE starts. */
static const char *upgrade_path;
static int upgrade_armed;

static int upgrade_on_begin(unsigned type, void *ctx, void *p, void *x)
{
    (void)type, (void)ctx;
    const char *sql = sqlite3_sql(p);
    (void)x;
    if (!upgrade_armed || !sql || strcmp(sql, "BEGIN IMMEDIATE") != 0)
        return 0;
    upgrade_armed = 0;
    sqlite3 *o = NULL;
    if (sqlite3_open(upgrade_path, &o) == SQLITE_OK)
        sqlite3_exec(o,
                     "CREATE TABLE model(hash TEXT PRIMARY KEY, id TEXT NOT NULL, version "
                     "INTEGER NOT NULL, text BLOB NOT NULL) WITHOUT ROWID;"
                     "ALTER TABLE enterprise ADD COLUMN attrs TEXT;"
                     "ALTER TABLE quarantine ADD COLUMN delivered BLOB; PRAGMA user_version=6",
                     NULL, NULL, NULL);
    sqlite3_close(o);
    return 0;
}

static int trace_init(sqlite3 *db, char **err, const struct sqlite3_api_routines *api)
{
    (void)err, (void)api;
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT, upgrade_on_begin, NULL);
    return SQLITE_OK;
}

static void upgrade_raced(void **state)
{
    (void)state;
    char path[] = "/tmp/crisk-test-upgrade-XXXXXX";
    tmp_store_path(path);
    cr_store *s = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_store_open(path, &s, &d), CR_OK);
    cr_store_close(s);
    sqlite3 *o = NULL;
    assert_int_equal(sqlite3_open(path, &o), SQLITE_OK);
    assert_int_equal(sqlite3_exec(o,
                                  "DROP TABLE model; ALTER TABLE enterprise DROP COLUMN attrs; "
                                  "ALTER TABLE quarantine DROP COLUMN delivered; "
                                  "PRAGMA user_version=3",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(o);
    upgrade_path = path;
    upgrade_armed = 1;
    assert_int_equal(sqlite3_auto_extension((void (*)(void))trace_init), SQLITE_OK);
    s = NULL;
    cr_err rc = cr_store_open(path, &s, &d);
    sqlite3_cancel_auto_extension((void (*)(void))trace_init);
    if (rc)
        fprintf(stderr, "%s\n", d.msg);
    assert_int_equal(upgrade_armed, 0);
    assert_int_equal(rc, CR_OK);
    int64_t v = 0;
    assert_int_equal(cr_store_scalar(s, "PRAGMA user_version", &v), CR_OK);
    assert_int_equal(v, 6);
    cr_store_close(s);
    tmp_store_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocks_round_trip), cmocka_unit_test(readonly_open),
        cmocka_unit_test(writer_lock), cmocka_unit_test(upgrade_raced)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
