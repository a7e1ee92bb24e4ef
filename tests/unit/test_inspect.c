#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/inspect.h"

/* A plan needing quals {food}, 2 inspectors per inspection, a workload cap of cap. */
static void plan_init(struct cr_plan *p, int cap, char **quals, size_t n_quals)
{
    memset(p, 0, sizeof *p);
    p->inspectors = 2;
    p->workload_cap = cap;
    p->quals = quals;
    p->n_quals = n_quals;
    for (int l = 0; l < 4; l++)
        p->ratio_bp[l] = 10000;
}

static struct cr_elig firm(const char *key, const char *street, int64_t subject)
{
    struct cr_elig e = {0};
    e.subject = subject;
    e.key = key;
    e.street = street;
    e.level = 'B';
    return e;
}

static const struct cr_inspector roster[] = {
    {"S1", "440103001", "general;food"}, {"S2", "440103001", "general;food"},
    {"S3", "440103001", "general;food"}, {"S4", "440103001", "general"}, /* not food */
    {"S5", "440103002", "general;food"},                                 /* other street */
};

static void run(const struct cr_plan *p, const struct cr_elig *e, size_t n,
                const struct cr_recusal *rec, size_t n_rec, char **out, char **why)
{
    struct cr_drawn dr[8];
    for (size_t i = 0; i < n; i++)
        dr[i] = (struct cr_drawn){i, CR_ARM_TARGETED};
    assert_int_equal(
        cr_draw_inspectors(p, 1, "h", "seed", e, dr, n, roster, 5, rec, n_rec, out, why), CR_OK);
}

static int has(const char *list, const char *id)
{
    size_t l = strlen(id);
    for (const char *s = list; *s;) {
        size_t k = strcspn(s, ";");
        if (k == l && memcmp(s, id, l) == 0)
            return 1;
        s += k + (s[k] != 0);
    }
    return 0;
}

/* Only qualified inspectors of the firm's own station are drawn; two different ones. */
static void station_and_qualifications(void **state)
{
    (void)state;
    char *q[] = {"food"};
    struct cr_plan p;
    plan_init(&p, 100, q, 1);
    struct cr_elig e[1] = {firm("F1", "440103001", 1)};
    char *out[1], *why[1];
    run(&p, e, 1, NULL, 0, out, why);
    assert_null(why[0]);
    assert_int_equal(strlen(out[0]), 5); /* "Sx;Sy" */
    assert_false(has(out[0], "S4"));
    assert_false(has(out[0], "S5"));
    free(out[0]);
}

/* A declared conflict and the last inspector are recused: with S1 and S2 recused only S3 is
 * left, and the report says the station could not staff it and why. */
static void recusal(void **state)
{
    (void)state;
    char *q[] = {"food"};
    struct cr_plan p;
    plan_init(&p, 100, q, 1);
    char *cs[] = {"S1"}, *cw[] = {"F1"};
    p.conflict_staff = cs;
    p.conflict_with = cw;
    p.n_conflicts = 1;
    struct cr_recusal rec[] = {{1, "S2"}};
    struct cr_elig e[1] = {firm("F1", "440103001", 1)};
    char *out[1], *why[1];
    run(&p, e, 1, rec, 1, out, why);
    assert_string_equal(out[0], "S3");
    assert_non_null(why[0]);
    assert_non_null(strstr(why[0], "440103001"));
    assert_non_null(strstr(why[0], "recused 2"));
    free(out[0]);
    free(why[0]);
    /* near miss: the conflict is with another firm, the recusal of another subject */
    struct cr_recusal rec2[] = {{2, "S2"}};
    struct cr_elig e2[1] = {firm("F9", "440103001", 1)};
    run(&p, e2, 1, rec2, 1, out, why);
    assert_null(why[0]);
    free(out[0]);
}

/* The workload cap: 3 qualified inspectors with a cap of 2 staff 3 inspections (6 slots); the
 * 4th cannot be staffed, and no inspector is given more than 2. */
static void workload_cap(void **state)
{
    (void)state;
    char *q[] = {"food"};
    struct cr_plan p;
    plan_init(&p, 2, q, 1);
    struct cr_elig e[4] = {firm("F1", "440103001", 1), firm("F2", "440103001", 2),
                           firm("F3", "440103001", 3), firm("F4", "440103001", 4)};
    char *out[4], *why[4];
    run(&p, e, 4, NULL, 0, out, why);
    int load[3] = {0};
    for (int i = 0; i < 4; i++)
        for (int s = 0; s < 3; s++)
            load[s] += has(out[i], roster[s].id);
    for (int s = 0; s < 3; s++)
        assert_int_equal(load[s], 2);
    assert_null(why[0]);
    assert_null(why[1]);
    assert_null(why[2]);
    assert_non_null(why[3]);
    assert_non_null(strstr(why[3], "workload cap"));
    for (int i = 0; i < 4; i++) {
        free(out[i]);
        free(why[i]);
    }
}

/* Deterministic from the seed: the same inputs give the same inspectors. */
static void deterministic(void **state)
{
    (void)state;
    struct cr_plan p;
    plan_init(&p, 100, NULL, 0);
    struct cr_elig e[1] = {firm("F1", "440103001", 1)};
    char *a[1], *b[1], *why[1];
    run(&p, e, 1, NULL, 0, a, why);
    run(&p, e, 1, NULL, 0, b, why);
    assert_string_equal(a[0], b[0]);
    free(a[0]);
    free(b[0]);
}

/* The draw's sizes: round half up of the ratios, the random arm the rest. */
static void sizes(void **state)
{
    (void)state;
    struct cr_plan p;
    plan_init(&p, 100, NULL, 0);
    p.ratio_bp[0] = 500;
    p.ratio_bp[1] = 1500;
    p.ratio_bp[2] = 3000;
    p.ratio_bp[3] = 5000;
    p.random_bp = 1000;
    enum { N = 300 };
    struct cr_elig *e = calloc(N, sizeof *e);
    static char keys[N][8];
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "K%04d", i);
        e[i].key = keys[i];
        e[i].level = "ABCD"[i % 4]; /* 75 per level */
        e[i].subject = i + 1;
    }
    struct cr_drawn *dr;
    size_t n;
    assert_int_equal(cr_draw_compute(&p, 1, "h", e, N, "s", &dr, &n), CR_OK);
    /* targets 3.75->4, 11.25->11, 22.5->23, 37.5->38: 76; targeted 3.375->3, 10.125->10,
     * 20.25->20, 33.75->34: 67; random arm 9 */
    int targeted[4] = {0}, random = 0;
    for (size_t i = 0; i < n; i++) {
        if (dr[i].arm == CR_ARM_TARGETED)
            targeted[e[dr[i].elig].level - 'A']++;
        else
            random++;
        if (i)
            assert_true(strcmp(e[dr[i - 1].elig].key, e[dr[i].elig].key) < 0);
    }
    assert_int_equal(n, 76);
    assert_int_equal(targeted[0], 3);
    assert_int_equal(targeted[1], 10);
    assert_int_equal(targeted[2], 20);
    assert_int_equal(targeted[3], 34);
    assert_int_equal(random, 9);
    free(dr);
    free(e);
}

static void result_codes(void **state)
{
    (void)state;
    assert_string_equal(cr_result_find("E")->label, "发现问题经责令已改正");
    assert_string_equal(cr_result_find("未发现问题")->code, "1");
    assert_int_equal(cr_result_find("1")->problem, 0);
    assert_int_equal(cr_result_find("A")->problem, 1);
    assert_null(cr_result_find("Z"));
}

/* The store's class codes of a frozen list (docs/store.md "plan_list") are the draw's classes. */
static void class_codes(void **state)
{
    (void)state;
    assert_int_equal(CR_STORE_N_ELIG_CLASSES, CR_EL__N);
    for (int k = 0; k < CR_EL__N; k++)
        assert_string_equal(cr_store_elig_class[k], cr_elig_class_name[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(station_and_qualifications),
        cmocka_unit_test(recusal),
        cmocka_unit_test(workload_cap),
        cmocka_unit_test(deterministic),
        cmocka_unit_test(sizes),
        cmocka_unit_test(result_codes),
        cmocka_unit_test(class_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
