/* cr_store_events_append: events of a built-in topic land in blocks, postings and the event
 * count, raise the generation, and are refused for unknown subjects or a foreign topic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crisk/store.h"
#include "store/internal.h"

struct seen {
    int n;
    int64_t subject[8];
    int32_t day[8];
    char attrs[8][64];
    int64_t topic[8];
    int has_amount[8];
};

static int collect(void *ctx, const struct cr_event_row *e)
{
    struct seen *s = ctx;
    if (s->n < 8) {
        s->subject[s->n] = e->subject;
        s->day[s->n] = e->day;
        s->topic[s->n] = e->topic;
        s->has_amount[s->n] = e->has_amount;
        snprintf(s->attrs[s->n], sizeof s->attrs[0], "%.*s", (int)e->attrs_len,
                 e->attrs ? e->attrs : "");
    }
    s->n++;
    return 0;
}

static int64_t scalar(cr_store *s, const char *sql)
{
    int64_t v = -1;
    assert_int_equal(cr_store_scalar(s, sql, &v), CR_OK);
    return v;
}

static void append_and_read(void **state)
{
    (void)state;
    char path[] = "/tmp/crisk_append_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    cr_store *s = NULL;
    cr_diag d = {0};
    assert_int_equal(cr_store_open(path, &s, &d), CR_OK);
    assert_int_equal(sqlite3_exec(cr__store_db(s),
                                  "INSERT INTO subject(id, key) VALUES(1, 'A'), (2, 'B'), (3, 'C')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    int64_t gen0 = scalar(s, "SELECT v FROM meta WHERE k = 'generation'");
    struct cr_event_new ev[2] = {{2, 20000, INT64_MIN, "{\"结果\":\"confirmed\"}"},
                                 {3, 20001, 500, NULL}};
    assert_int_equal(
        cr_store_events_append(s, "crisk/task_outcome", "任务结果", "task_outcome", ev, 2), CR_OK);
    assert_int_equal(scalar(s, "SELECT v FROM meta WHERE k = 'generation'"), gen0 + 1);
    assert_int_equal(scalar(s, "SELECT v FROM meta WHERE k = 'events'"), 2);
    assert_int_equal(scalar(s, "SELECT count(*) FROM topic WHERE code = 'crisk/task_outcome'"
                               " AND department = 'crisk' AND kind = 'task_outcome'"),
                     1);
    /* postings up to date: subject 2's posting names the block */
    assert_int_equal(scalar(s, "SELECT count(*) FROM event_posting WHERE subject IN (2, 3)"), 2);
    struct seen seen = {0};
    int64_t two = 2;
    assert_int_equal(cr_store_events_each(s, &two, 1, collect, &seen), CR_OK);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.day[0], 20000);
    assert_int_equal(seen.has_amount[0], 0);
    assert_string_equal(seen.attrs[0], "{\"结果\":\"confirmed\"}");
    /* a second append in the caller's transaction, to the same topic */
    assert_int_equal(cr_store_begin(s), CR_OK);
    struct cr_event_new one = {1, 20002, INT64_MIN, "{\"结果\":\"false_alarm\"}"};
    assert_int_equal(
        cr_store_events_append(s, "crisk/task_outcome", "任务结果", "task_outcome", &one, 1),
        CR_OK);
    assert_int_equal(cr_store_commit(s), CR_OK);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(cr_store_events_each(s, NULL, 0, collect, &seen), CR_OK);
    assert_int_equal(seen.n, 3);
    assert_int_equal(seen.topic[0], seen.topic[2]);
    /* refusals: an unknown subject, a topic of that code with another kind; nothing written */
    struct cr_event_new ghost = {99, 20000, INT64_MIN, NULL};
    assert_int_equal(
        cr_store_events_append(s, "crisk/task_outcome", "任务结果", "task_outcome", &ghost, 1),
        CR_EINVAL);
    assert_non_null(strstr(cr_store_errmsg(s), "no subject 99"));
    assert_int_equal(
        cr_store_events_append(s, "crisk/task_outcome", "任务结果", "inspection", &one, 1),
        CR_EINVAL);
    assert_non_null(strstr(cr_store_errmsg(s), "topic crisk/task_outcome"));
    assert_non_null(
        strstr(cr_store_errmsg(s), "kind task_outcome, not crisk's of kind inspection"));
    assert_int_equal(scalar(s, "SELECT v FROM meta WHERE k = 'events'"), 3);
    cr_store_close(s);
    unlink(path);
    char side[64];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(append_and_read)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
