/* The monitor's tables in the store: warnings written, updated, closed and reopened, and the
 * reader cr_store_warning_rows with its filters and order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crisk/store.h"
#include "store/internal.h" /* cr_store_scalar */
#include "store_tmp.h"

/* Three firms: 1 and 2 in grid 440106001001 (street 440106001, district 440106), 3 in
 * district 440104 with coordinates; their USCCs sort 3 < 2 < 1. */
static void add_firms(cr_store *s)
{
    static const char *const uscc[] = {"91440101MA0000003X", "91440101MA0000002X",
                                       "91440101MA0000001X"};
    static const char *const grid[] = {"440106001001", "440106001001", "440104002003"};
    assert_int_equal(cr_store_begin(s), CR_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cr_store_subject_add(s, i + 1, uscc[i], strlen(uscc[i])), CR_OK);
        char district[8], street[10];
        memcpy(district, grid[i], 6);
        district[6] = 0;
        memcpy(street, grid[i], 9);
        street[9] = 0;
        struct cr_enterprise_rec r = {0};
        r.subject = i + 1;
        r.topic = 1;
        r.uscc = uscc[i];
        r.name = i == 0 ? "甲公司" : i == 1 ? "乙公司" : "丙公司";
        r.address = "广州市天河区体育西路1号";
        r.district = district;
        r.street = street;
        r.grid = grid[i];
        r.has_coords = i == 2;
        r.lon = 113.3;
        r.lat = 23.1;
        assert_int_equal(cr_store_enterprise_put(s, &r), CR_OK);
    }
    assert_int_equal(cr_store_commit(s), CR_OK);
}

struct got {
    int n;
    char line[16][160];
};

static int collect(void *ctx, const struct cr_warning_row *r)
{
    struct got *g = ctx;
    if (g->n < 16)
        snprintf(g->line[g->n], sizeof g->line[0], "%lld %s %s %s %s %d %d %s %d",
                 (long long)r->warning, r->detector, r->status, r->uscc, r->grid, r->opened_day,
                 r->closed_day, r->w_address, r->has_geo);
    g->n++;
    return 0;
}

static int64_t scalar(cr_store *s, const char *sql)
{
    int64_t v = -1;
    assert_int_equal(cr_store_scalar(s, sql, &v), CR_OK);
    return v;
}

static void warnings_round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/crisk-test-warn-XXXXXX";
    cr_store *s = tmp_store_open(path);
    add_firms(s);

    int64_t run = 0, id1 = 0, id2 = 0;
    assert_int_equal(cr_store_monitor_run_latest(s, &run), CR_ENOTFOUND);
    assert_int_equal(cr_store_begin(s), CR_OK);
    assert_int_equal(cr_store_monitor_run_begin(s, "abc", 1, 20000, &run), CR_OK);
    assert_int_equal(run, 1);
    int64_t all3[] = {1, 2, 3}, only1[] = {1};
    struct cr_warning_rec w = {"address_cluster", "k1",        1,    20000,
                               "440106",          NULL,        NULL, "体育西路1号",
                               "一址多照",        "{\"n\":3}", all3, 3};
    assert_int_equal(cr_store_warning_write(s, run, 0, &w, NULL, &id1), CR_OK);
    struct cr_warning_rec z = {"zombie", "1",  1,      20000, NULL,  NULL,
                               NULL,     NULL, "僵尸", "{}",  only1, 1};
    assert_int_equal(cr_store_warning_write(s, run, 0, &z, NULL, &id2), CR_OK);
    assert_int_equal(cr_store_monitor_run_finish(s, run, 0.5, 2, 2, 0, 0, "{\"zombie\":1}"), CR_OK);
    assert_int_equal(cr_store_commit(s), CR_OK);

    struct got g = {0};
    assert_int_equal(cr_store_warning_rows(s, NULL, collect, &g), CR_OK);
    assert_int_equal(g.n, 4);
    /* warning id order, then USCC: firm 3 (…1X) first */
    assert_string_equal(
        g.line[0], "1 address_cluster open 91440101MA0000001X 440104002003 20000 -1 体育西路1号 1");
    assert_string_equal(
        g.line[1], "1 address_cluster open 91440101MA0000002X 440106001001 20000 -1 体育西路1号 0");
    assert_string_equal(
        g.line[2], "1 address_cluster open 91440101MA0000003X 440106001001 20000 -1 体育西路1号 0");
    assert_string_equal(g.line[3], "2 zombie open 91440101MA0000003X 440106001001 20000 -1  0");

    /* filters: division prefix against the firm's codes, detector, status */
    struct cr_warning_filter f = {NULL, "440104", NULL};
    memset(&g, 0, sizeof g);
    assert_int_equal(cr_store_warning_rows(s, &f, collect, &g), CR_OK);
    assert_int_equal(g.n, 1);
    f.division = "440106001";
    memset(&g, 0, sizeof g);
    assert_int_equal(cr_store_warning_rows(s, &f, collect, &g), CR_OK);
    assert_int_equal(g.n, 3);
    f.detector = "zombie";
    memset(&g, 0, sizeof g);
    assert_int_equal(cr_store_warning_rows(s, &f, collect, &g), CR_OK);
    assert_int_equal(g.n, 1);
    f.division = "4401060010019"; /* longer than any code: nothing */
    memset(&g, 0, sizeof g);
    assert_int_equal(cr_store_warning_rows(s, &f, collect, &g), CR_OK);
    assert_int_equal(g.n, 0);

    /* run 2: address cluster loses a firm (updated), zombie closes */
    assert_int_equal(cr_store_begin(s), CR_OK);
    assert_int_equal(cr_store_monitor_run_begin(s, "abc", 1, 20030, &run), CR_OK);
    w.subjects = only1;
    w.n_subjects = 1;
    w.evidence = "{\"n\":1}";
    w.day = 20030;
    int64_t got = 0;
    assert_int_equal(cr_store_warning_write(s, run, id1, &w, "updated", &got), CR_OK);
    assert_int_equal(got, id1);
    assert_int_equal(cr_store_warning_close(s, run, id2, 20030), CR_OK);
    assert_int_equal(cr_store_warning_write(s, run, id1, &w, "bogus", &got), CR_EINVAL);
    assert_int_equal(cr_store_commit(s), CR_OK);
    struct cr_warning_filter closed = {NULL, NULL, "closed"};
    memset(&g, 0, sizeof g);
    assert_int_equal(cr_store_warning_rows(s, &closed, collect, &g), CR_OK);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.line[0],
                        "2 zombie closed 91440101MA0000003X 440106001001 20000 20030  0");
    assert_int_equal(scalar(s, "SELECT count(*) FROM warning_firm WHERE warning = 1"), 1);
    assert_int_equal(scalar(s, "SELECT opened_day FROM warning WHERE id = 1"), 20000);

    /* run 3: zombie reopens with a new opened day; unchanged warning 1 only moves last_run */
    assert_int_equal(cr_store_begin(s), CR_OK);
    assert_int_equal(cr_store_monitor_run_begin(s, "abc", 1, 20060, &run), CR_OK);
    z.day = 20060;
    assert_int_equal(cr_store_warning_write(s, run, id2, &z, "reopened", &got), CR_OK);
    assert_int_equal(cr_store_warning_write(s, run, id1, &w, NULL, &got), CR_OK);
    assert_int_equal(cr_store_commit(s), CR_OK);
    assert_int_equal(scalar(s, "SELECT opened_day FROM warning WHERE id = 2"), 20060);
    assert_int_equal(scalar(s, "SELECT closed_day IS NULL FROM warning WHERE id = 2"), 1);
    assert_int_equal(scalar(s, "SELECT last_run FROM warning WHERE id = 1"), 3);
    assert_int_equal(scalar(s, "SELECT count(*) FROM warning_history WHERE warning = 1"), 2);
    assert_int_equal(scalar(s, "SELECT count(*) FROM warning_history WHERE warning = 2 AND "
                               "change IN ('new','closed','reopened')"),
                     3);
    assert_int_equal(cr_store_monitor_run_latest(s, &run), CR_OK);
    assert_int_equal(run, 3);
    cr_store_close(s);
    tmp_store_remove(path);
}

struct ranges {
    cr_store *s;
    int64_t n, bad, last_to;
};

static int count_event(void *ctx, const struct cr_event_row *e)
{
    struct ranges *r = ctx;
    r->n++;
    r->bad += e->topic != 1;
    return 0;
}

static int on_range(void *ctx, int64_t from, int64_t to)
{
    struct ranges *r = ctx;
    r->bad += from < r->last_to || to <= from; /* ascending, disjoint, not empty */
    r->last_to = to;
    assert_int_equal(cr_store_events_range(r->s, from, to, NULL, 0, count_event, r), CR_OK);
    return 0;
}

/* The blocks of one topic, found by cr_store_event_blocks_of as runs of ids, hold exactly its
 * events, whatever other topics' blocks lie between them. */
static void blocks_of_topic(void **state)
{
    (void)state;
    char path[] = "/tmp/crisk-test-warn-XXXXXX";
    cr_store *s = tmp_store_open(path);
    assert_int_equal(cr_store_begin(s), CR_OK);
    int64_t t1 = 0, t2 = 0;
    assert_int_equal(cr_store_department_put(s, "D", "部门"), CR_OK);
    assert_int_equal(cr_store_topic_put(s, "T1", "一", "D", "abnormal_list", &t1), CR_OK);
    assert_int_equal(cr_store_topic_put(s, "T2", "二", "D", "tax_filing", &t2), CR_OK);
    assert_int_equal(t1, 1);
    static struct cr_event_row rows[3000];
    for (int i = 0; i < 3000; i++) {
        rows[i] = (struct cr_event_row){0};
        rows[i].subject = 1 + i % 50;
        rows[i].topic = (i / 700) % 2 ? t2 : t1; /* 700 of T1, 700 of T2, ... */
        rows[i].day = 19000 + i;
        rows[i].h = i;
    }
    assert_int_equal(cr_store_events_add(s, rows, 3000), CR_OK);
    assert_int_equal(cr_store_commit(s), CR_OK);
    int64_t want = 0;
    for (int i = 0; i < 3000; i++)
        want += rows[i].topic == t1;
    struct ranges r = {s, 0, 0, 0};
    assert_int_equal(cr_store_event_blocks_of(s, &t1, 1, on_range, &r), CR_OK);
    assert_int_equal(r.bad, 0);
    assert_int_equal(r.n, want);
    int64_t none = 99;
    r = (struct ranges){s, 0, 0, 0};
    assert_int_equal(cr_store_event_blocks_of(s, &none, 1, on_range, &r), CR_OK);
    assert_int_equal(r.n, 0);
    cr_store_close(s);
    tmp_store_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(warnings_round_trip),
        cmocka_unit_test(blocks_of_topic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
