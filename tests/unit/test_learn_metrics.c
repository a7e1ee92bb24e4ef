/* Metrics of the learn stage against hand-computed values on tiny tables (docs/learn.md) and
 * against a brute-force pair count on a random table with many ties. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/learn.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void auc_ks_small(void **state)
{
    (void)state;
    /* The textbook table: 3 of 4 positive-negative pairs ordered right. */
    double s1[] = {0.1, 0.4, 0.35, 0.8};
    int8_t y1[] = {0, 0, 1, 1};
    NEAR(cr_learn_auc(s1, y1, 4), 0.75);
    NEAR(cr_learn_ks(s1, y1, 4), 0.5);
    double a = 0, k = 0;
    assert_int_equal(cr_learn_auc_ks(s1, y1, 4, &a, &k), CR_OK);
    NEAR(a, 0.75);
    NEAR(k, 0.5);
    /* Ties count one half: pos {2,3} vs neg {1,2} -> (1 + .5 + 1 + 1) / 4. Breaking the tie by
     * row order would give 0.75 or 1. */
    double s2[] = {1, 2, 2, 3};
    int8_t y2[] = {0, 0, 1, 1};
    NEAR(cr_learn_auc(s2, y2, 4), 0.875);
    NEAR(cr_learn_ks(s2, y2, 4), 0.5);
    /* All tied: AUC 0.5, KS 0 (the tie crosses the threshold together). */
    double s3[] = {1, 1, 2, 2};
    int8_t y3[] = {0, 1, 0, 1};
    NEAR(cr_learn_auc(s3, y3, 4), 0.5);
    NEAR(cr_learn_ks(s3, y3, 4), 0.0);
    /* NAN scores are left out; one class only gives NAN. */
    double s4[] = {0.1, NAN, 0.35, 0.8};
    int8_t y4[] = {0, 1, 1, 1};
    NEAR(cr_learn_auc(s4, y4, 4), 1.0);
    int8_t y5[] = {1, 1, 1, 1};
    assert_true(isnan(cr_learn_auc(s1, y5, 4)));
    assert_true(isnan(cr_learn_ks(s1, y5, 4)));
}

static void auc_ks_random(void **state)
{
    (void)state;
    enum { N = 2000 };
    double *s = malloc(N * sizeof *s);
    int8_t *y = malloc(N);
    unsigned r = 12345;
    for (int i = 0; i < N; i++) {
        r = r * 1103515245u + 12345u;
        s[i] = (double)((r >> 16) % 50); /* many ties */
        r = r * 1103515245u + 12345u;
        y[i] = (int8_t)(((r >> 16) % 100) < 20 + (int)s[i]);
    }
    double num = 0, pos = 0, neg = 0;
    for (int i = 0; i < N; i++) {
        y[i] ? pos++ : neg++;
        if (!y[i])
            continue;
        for (int j = 0; j < N; j++)
            if (!y[j])
                num += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
    }
    NEAR(cr_learn_auc(s, y, N), num / (pos * neg));
    double ks = 0; /* every threshold t: flagged = s >= t */
    for (int t = 0; t <= 50; t++) {
        double tp = 0, fp = 0;
        for (int i = 0; i < N; i++)
            if (s[i] >= t)
                y[i] ? tp++ : fp++;
        if (tp / pos - fp / neg > ks)
            ks = tp / pos - fp / neg;
    }
    NEAR(cr_learn_ks(s, y, N), ks);
    free(s);
    free(y);
}

static void levels_lift_calibration(void **state)
{
    (void)state;
    double s[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const double share[4] = {0.4, 0.4, 0.15, 0.05};
    char lv[10];
    assert_int_equal(cr_learn_levels_by_share(s, 10, share, lv), CR_OK);
    /* D's quota 0.5 firm rounds down to none, C takes 2, B 4, A 4 */
    assert_memory_equal(lv, "AAAABBBBCC", 10);
    double t[4] = {3, 3, 3, 3};
    assert_int_equal(cr_learn_levels_by_share(t, 4, share, lv), CR_OK);
    assert_memory_equal(lv, "AAAA", 4); /* equal scores never straddle a cut */

    int8_t y[10] = {0, 0, 0, 1, 0, 0, 1, 0, 1, 1};
    struct cr_learn_level_stat st[4];
    cr_learn_level_stats("AAAABBBBCC", y, 10, st);
    assert_int_equal(st[0].n, 4);
    assert_int_equal(st[0].pos, 1);
    NEAR(st[0].hit, 0.25);
    NEAR(st[0].lift, 0.25 / 0.4);
    NEAR(st[2].lift, 1.0 / 0.4);
    assert_int_equal(st[3].n, 0);
    assert_true(isnan(st[3].hit));

    double s1[] = {0.1, 0.4, 0.35, 0.8};
    int8_t y1[] = {0, 0, 1, 1};
    /* several shares from one sort: top 25 % {0.8: 1} -> 2; 50 % {0.8, 0.4} -> 1; 75 % adds
     * 0.35 (1) -> (2/3)/0.5; all -> 1 */
    double qs[4] = {0.25, 0.5, 0.75, 1.0}, lf[4];
    assert_int_equal(cr_learn_lifts(s1, y1, 4, qs, 4, lf), CR_OK);
    NEAR(lf[0], 2.0);
    NEAR(lf[1], 1.0);
    NEAR(lf[2], (2.0 / 3) / 0.5);
    NEAR(lf[3], 1.0);
    struct cr_learn_calib c[2];
    assert_int_equal(cr_learn_calibration(s1, y1, 4, 2, c), CR_OK);
    assert_int_equal(c[0].n, 2);
    NEAR(c[0].mean_score, 0.225);
    NEAR(c[0].hit, 0.5);
    NEAR(c[1].mean_score, 0.6);
}

static void psi(void **state)
{
    (void)state;
    /* (0.25-0.5) ln(0.25/0.5) + (0.75-0.5) ln(0.75/0.5) = 0.173287 + 0.101366 */
    NEAR(cr_learn_psi_levels("AABB", 4, "ABBB", 4), -0.25 * log(0.5) + 0.25 * log(1.5));
    NEAR(cr_learn_psi_levels("ABCD", 4, "DCBA", 4), 0.0);
    /* An empty side of a level counts as the floor, never ln(0). */
    double p = cr_learn_psi_levels("AB", 2, "AA", 2);
    NEAR(p, (0.5 - 1) * log(0.5 / 1) + (CR_PSI_FLOOR - 0.5) * log(CR_PSI_FLOOR / 0.5));
    /* Scores: bins at the expected quartiles {1,2 | 3,4 | 5,6 | 7,8}. */
    double e[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    double a[4] = {1, 1, 3, 8}; /* 0.5, 0.25, 0, 0.25 */
    double want = (0.5 - 0.25) * log(2) + 0 + (CR_PSI_FLOOR - 0.25) * log(CR_PSI_FLOOR / 0.25) + 0;
    double got = NAN;
    assert_int_equal(cr_learn_psi_scores(e, 8, a, 4, 4, &got), CR_OK);
    NEAR(got, want);
    assert_int_equal(cr_learn_psi_scores(e, 8, e, 8, 4, &got), CR_OK);
    NEAR(got, 0.0);
    /* level by level: the shares and terms, summing to the PSI */
    struct cr_learn_psi_bin lt[4];
    NEAR(cr_learn_psi_levels_table("AABB", 4, "ABBB", 4, lt), -0.25 * log(0.5) + 0.25 * log(1.5));
    NEAR(lt[0].e, 0.5);
    NEAR(lt[0].a, 0.25);
    NEAR(lt[1].psi, 0.25 * log(1.5));
    assert_int_equal(lt[1].na, 3);
    NEAR(lt[2].psi, 0.0);
}

static void psi_table(void **state)
{
    (void)state;
    /* Bins fixed on the expected side's quintiles {1,2 | 3,4 | 5,6 | 7,8 | 9,10}: cuts 3, 5, 7, 9.
     * Actual {0, 2, 3, 3, 9, 12, 12, 12}: 2, 2, 0, 0, 4 of 8 -> 0.25, 0.25, 0, 0, 0.5. */
    double e[10] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    double a[9] = {0, 2, 3, 3, 9, 12, 12, 12, NAN};
    struct cr_learn_psi_bin t[5];
    double p = NAN;
    assert_int_equal(cr_learn_psi_table(e, 10, a, 9, 5, t, &p), CR_OK);
    double f = CR_PSI_FLOOR;
    double want[5] = {(0.25 - 0.2) * log(0.25 / 0.2), (0.25 - 0.2) * log(0.25 / 0.2),
                      (f - 0.2) * log(f / 0.2), (f - 0.2) * log(f / 0.2),
                      (0.5 - 0.2) * log(0.5 / 0.2)};
    double sum = 0;
    for (int b = 0; b < 5; b++) {
        NEAR(t[b].psi, want[b]);
        NEAR(t[b].e, 0.2);
        sum += want[b];
    }
    NEAR(p, sum); /* 0.0111572 * 2 + 1.5192140 * 2 + 0.2748872 = 3.3360424 */
    assert_true(fabs(p - 3.3360424) < 1e-7);
    assert_true(isinf(t[0].lo) && t[0].lo < 0 && isinf(t[4].hi));
    NEAR(t[1].lo, 3);
    NEAR(t[1].hi, 5);
    assert_int_equal(t[4].na, 4);
    assert_int_equal(t[2].na, 0);
    /* Ties: expected all 5 -> every cut is 5: bins 0..3 empty on both sides (term 0), all in
     * the last; an actual value below 5 falls in bin 0. */
    double e2[4] = {5, 5, 5, 5}, a2[2] = {5, 1};
    double p2 = NAN;
    assert_int_equal(cr_learn_psi_table(e2, 4, a2, 2, 5, t, &p2), CR_OK);
    NEAR(p2, (0.5 - 1) * log(0.5) + (0.5 - f) * log(0.5 / f));
    assert_int_equal(t[0].na, 1);
    assert_int_equal(t[4].ne, 4);
    assert_int_equal(cr_learn_psi_scores(e, 10, a, 9, 5, &p2), CR_OK);
    NEAR(p2, p);
    /* No bins, or an empty side: an error, or NAN on success, never confused. */
    assert_int_equal(cr_learn_psi_table(e, 10, a, 9, 0, t, &p2), CR_EINVAL);
    assert_int_equal(cr_learn_psi_table(e, 10, a, 0, 5, NULL, &p2), CR_OK);
    assert_true(isnan(p2));
}

/* Rows that cannot be held (a count no allocation can take): CR_ENOMEM, and the outputs are
 * left as they were — not a NAN that reads as "undefined". The arrays are never read. */
static void out_of_memory(void **state)
{
    (void)state;
    double s1[1] = {1}, q[2] = {0.1, 0.5}, out[2] = {7, 7}, psi = 7;
    int8_t y1[1] = {1};
    size_t huge = SIZE_MAX / 2;
    assert_int_equal(cr_learn_lifts(s1, y1, huge, q, 2, out), CR_ENOMEM);
    assert_true(out[0] == 7 && out[1] == 7);
    assert_int_equal(cr_learn_psi_table(s1, huge, s1, 1, 10, NULL, &psi), CR_ENOMEM);
    assert_int_equal(cr_learn_psi_scores(s1, huge, s1, 1, 10, &psi), CR_ENOMEM);
    assert_true(psi == 7);
    /* AUC and KS: an error, not a NAN that would read as "not defined" */
    double auc = 7, ks = 7;
    assert_int_equal(cr_learn_auc_ks(s1, y1, huge, &auc, &ks), CR_ENOMEM);
    assert_true(auc == 7 && ks == 7);
    /* the near miss: the same call on its real size, one class only, is defined as NAN */
    assert_int_equal(cr_learn_auc_ks(s1, y1, 1, &auc, &ks), CR_OK);
    assert_true(isnan(auc) && isnan(ks));
}

static void districts(void **state)
{
    (void)state;
    int8_t y[8] = {1, 0, 0, 0, 1, 1, 0, 0};
    int16_t dist[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    char codes[2][7] = {"440103", "440104"};
    struct cr_learn_data d = {
        .n = 8, .y = y, .district = dist, .district_code = codes, .n_districts = 2};
    struct cr_learn_district out[2];
    double hr, fr;
    cr_learn_district_stats(&d, "DDAACDDA", NULL, "CD", 1, out, &hr, &fr);
    assert_int_equal(out[0].flagged, 2);
    NEAR(out[0].hit, 0.5);
    NEAR(out[0].fpr, 1.0 / 3);
    NEAR(out[1].hit, 2.0 / 3);
    NEAR(out[1].fpr, 0.5);
    NEAR(hr, (2.0 / 3) / 0.5);
    NEAR(fr, 0.5 / (1.0 / 3));
    /* a district under min_rows is left out of the ratios */
    cr_learn_district_stats(&d, "DDAACDDA", NULL, "CD", 5, out, &hr, &fr);
    assert_true(isnan(hr));
}

static void folds(void **state)
{
    (void)state;
    enum { N = 103 };
    int8_t y[N];
    int32_t f[N], g[N];
    for (int i = 0; i < N; i++)
        y[i] = (int8_t)(i % 4 == 0); /* 26 positives */
    cr_learn_folds_kfold(y, N, 5, 7, f);
    cr_learn_folds_kfold(y, N, 5, 7, g);
    assert_memory_equal(f, g, sizeof f); /* the seed fixes them */
    int pos[5] = {0}, all[5] = {0};
    for (int i = 0; i < N; i++) {
        assert_true(f[i] >= 0 && f[i] < 5);
        all[f[i]]++;
        pos[f[i]] += y[i];
    }
    for (int k = 0; k < 5; k++) { /* stratified: 26 positives -> 6,5,5,5,5 */
        assert_true(pos[k] == 5 || pos[k] == 6);
        assert_true(all[k] == 20 || all[k] == 21 || all[k] == 22);
    }
    cr_learn_folds_kfold(y, N, 5, 8, g);
    assert_memory_not_equal(f, g, sizeof f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auc_ks_small),
        cmocka_unit_test(auc_ks_random),
        cmocka_unit_test(levels_lift_calibration),
        cmocka_unit_test(psi),
        cmocka_unit_test(psi_table),
        cmocka_unit_test(out_of_memory),
        cmocka_unit_test(districts),
        cmocka_unit_test(folds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
