/* The scorecard on a tiny hand-computed table: WOE and IV per bin (0.5 added to each count,
 * DOMAIN.md §12), scores linear in the fitted log-odds, and a model file that loads and gives
 * the same points (docs/learn.md "The scorecard"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crisk/learn.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static const char model_yaml[] =
    "model: tiny\nversion: 1\nname: 小模型\n"
    "levels: {method: share, shares: {A: 0.4, B: 0.4, C: 0.15, D: 0.05}}\n"
    "aspects:\n"
    "  - id: basic\n    name: 基础\n    categories:\n"
    "      - id: capital\n        name: 资本\n        indicators:\n"
    "          - {id: capital_wan, name: 注册资本, input: {registry: capital}, aggregation: "
    "value,\n"
    "             bins: [[0, 10, 60], [10, inf, 10]], missing: 50, rationale: 小}\n"
    "          - {id: type_pts, name: 类型, input: {registry: type}, aggregation: value,\n"
    "             map: {个人独资: 80, 股份: 10, default: 30}, missing: 30, rationale: 类型}\n";

static void woe_iv(void **state)
{
    (void)state;
    cr_model *m = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_model_load_text("tiny", model_yaml, strlen(model_yaml), &m, &d), CR_OK);
    /* capital: bin [0,10): 2 bad 2 good; [10,inf): 1 bad 5 good; missing: 1 bad 1 good.
     * type points: 80: 4 bad; 10: 3 good; 30 (default and missing): 4 good. */
    float x[12][2] = {{5, 80},  {5, 80},  {5, 30},  {5, 10},  {20, 80},  {20, 10},
                      {20, 10}, {20, 30}, {20, 30}, {20, 10}, {NAN, 80}, {NAN, 30}};
    int8_t y[12] = {1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0};
    int32_t fold[12] = {0};
    char *names[2] = {"capital_wan", "type_pts"};
    int8_t dir[2] = {-1, 1};
    struct cr_learn_data data = {.n = 12,
                                 .p = 2,
                                 .x = &x[0][0],
                                 .y = y,
                                 .fold = fold,
                                 .k = 1,
                                 .name = names,
                                 .direction = dir};
    uint8_t train[12];
    memset(train, 1, sizeof train);
    struct cr_scorecard_opts o;
    cr_scorecard_opts_default(&o);
    struct cr_scorecard sc;
    assert_int_equal(cr_scorecard_fit(m, &data, train, &o, &sc, &d), CR_OK);
    assert_int_equal(sc.n_feat, 2);
    const struct cr_sc_feature *f = &sc.f[0];
    assert_int_equal(f->n_bins, 3);
    double tb = 4, tg = 8, k = 3;
    double w0 = log(((2 + .5) / (tb + .5 * k)) / ((2 + .5) / (tg + .5 * k)));
    double w1 = log(((1 + .5) / (tb + .5 * k)) / ((5 + .5) / (tg + .5 * k)));
    double w2 = log(((1 + .5) / (tb + .5 * k)) / ((1 + .5) / (tg + .5 * k)));
    NEAR(f->bins[0].woe, w0);
    NEAR(f->bins[1].woe, w1);
    NEAR(f->bins[2].woe, w2);
    assert_int_equal(f->bins[1].n, 6);
    assert_int_equal(f->bins[1].bad, 1);
    NEAR(f->iv, (2 / tb - 2 / tg) * w0 + (1 / tb - 5 / tg) * w1 + (1 / tb - 1 / tg) * w2);
    /* the map indicator: one bin per distinct points value (80, 10, 30) */
    const struct cr_sc_feature *g = &sc.f[1];
    assert_int_equal(g->n_bins, 3);
    for (size_t b = 0; b < 3; b++) {
        double bad = g->bins[b].old_points == 80 ? 4 : 0;
        NEAR(g->bins[b].woe,
             log(((bad + .5) / (tb + 1.5)) / ((g->bins[b].n - bad + .5) / (tg + 1.5))));
    }
    /* riskier bins get positive coefficients and more points */
    assert_true(f->coef > 0 && g->coef > 0);
    assert_true(f->bins[0].points > f->bins[1].points);
    /* the score is linear in the log-odds: logit = c0 + r * score / 100 */
    for (int i = 0; i < 12; i++)
        NEAR(cr_scorecard_logit(&sc, x[i]), sc.c0 + sc.r * cr_scorecard_score(&sc, x[i]) / 100);
    /* the model file loads, keeps the structure, and carries the points and weights */
    char *text = NULL;
    assert_int_equal(
        cr_scorecard_model_text(m, &sc, "tiny-scorecard", "小模型（评分卡）", NULL, &text), CR_OK);
    cr_model *back = NULL;
    cr_err rc = cr_model_load_text("card", text, strlen(text), &back, &d);
    if (rc)
        fail_msg("%s\n%s", d.msg, text);
    assert_string_equal(back->id, "tiny-scorecard");
    assert_int_equal(back->method, CR_METHOD_SCORECARD);
    const struct cr_indicator *ind = &back->aspects[0].categories[0].indicators[0];
    assert_int_equal(ind->n_bins, 2);
    NEAR(ind->bins[0].points, f->bins[0].points);
    NEAR(ind->missing_points, f->bins[2].points);
    NEAR(ind->weight, f->range);
    const struct cr_indicator *t = &back->aspects[0].categories[0].indicators[1];
    for (size_t e = 0; e < t->n_map; e++) /* 个人独资 had 80 points: the bin of 80 */
        if (!strcmp(t->map[e].match, "个人独资"))
            for (size_t b = 0; b < 3; b++)
                if (g->bins[b].old_points == 80)
                    NEAR(t->map[e].points, g->bins[b].points);
    cr_model_free(back);
    free(text);
    cr_scorecard_free(&sc);
    /* one class only: refused */
    int8_t ones[12];
    memset(ones, 1, sizeof ones);
    data.y = ones;
    assert_int_equal(cr_scorecard_fit(m, &data, train, &o, &sc, &d), CR_EINVAL);
    cr_model_free(m);
}

static void label_files(void **state)
{
    (void)state;
    char path[] = "/tmp/crisk_label_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs("label: v\nevents: {kinds: [penalty, abnormal_list], within_days: 365}\nmin_class: 7\n",
          fp);
    fclose(fp);
    struct cr_learn_label *l = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_learn_label_load(path, &l, &d), CR_OK);
    assert_string_equal(l->id, "v");
    assert_int_equal(l->n_kinds, 2);
    assert_int_equal(l->within_days, 365);
    assert_int_equal(l->min_class, 7);
    cr_learn_label_free(l);
    const char *bad[] = {
        "label: v\n",                                                                 /* neither */
        "label: v\nevents: {kinds: [a], within_days: 3}\ncolumn: c\npositive: [x]\n", /* both */
        "label: v\nevents: {kinds: [a]}\n",                   /* no window */
        "label: v\nevents: {kinds: [a], within_days: 1.5}\n", /* not whole */
        "label: v\ncolumn: c\n",                              /* no positive */
        "label: v\ncolumn: c\npositive: [x]\nlable: w\n",     /* unknown key */
        "label: v\nevents: {kinds: [a], within_days: 3}\npositive: [x]\n",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fp = fopen(path, "w");
        fputs(bad[i], fp);
        fclose(fp);
        memset(&d, 0, sizeof d);
        if (cr_learn_label_load(path, &l, &d) == CR_OK)
            fail_msg("accepted: %s", bad[i]);
        assert_null(l);
    }
    remove(path);
}

/* The shipped models/learn.yaml and the documented defaults in code are the same policy; an
 * outcomes label takes its names and defaults from the policy, and a policy file that leaves a
 * key out or breaks a rule is refused. */
static void policy(void **state)
{
    (void)state;
    const char *data = getenv("CRISK_DATA"); /* the repository's data/: models/ beside it */
    assert_non_null(data);
    char shipped[4096];
    snprintf(shipped, sizeof shipped, "%s/../models/learn.yaml", data);
    struct cr_learn_policy def, got;
    cr_learn_policy_default(&def);
    cr_diag d = {{0}, {0}, 0, 0};
    assert_int_equal(cr_learn_policy_load(shipped, &got, &d), CR_OK);
    assert_int_equal(got.max_within_days, def.max_within_days);
    assert_int_equal(got.n_task_outcomes, def.n_task_outcomes);
    for (size_t k = 0; k < def.n_task_outcomes; k++)
        assert_string_equal(got.task_outcomes[k], def.task_outcomes[k]);
    assert_int_equal(got.default_positive, def.default_positive);
    assert_int_equal(got.default_negative, def.default_negative);
    assert_string_equal(got.outcome_attr, def.outcome_attr);
    assert_true(got.psi_watch == def.psi_watch && got.psi_rebuild == def.psi_rebuild);

    char path[] = "/tmp/crisk_policy_XXXXXX", lpath[] = "/tmp/crisk_label_XXXXXX";
    int fd = mkstemp(path), lfd = mkstemp(lpath);
    assert_true(fd >= 0 && lfd >= 0);
    close(fd);
    close(lfd);
    const char *head = "version: 1\ntask_outcomes: [ok, bad, odd]\noutcome_positive: [bad]\n"
                       "outcome_negative: [ok]\noutcome_attr: res\npsi_watch: 0.2\n";
    FILE *fp = fopen(path, "w");
    fprintf(fp, "%smax_within_days: 100\npsi_rebuild: 0.3\n", head);
    fclose(fp);
    assert_int_equal(cr_learn_policy_load(path, &got, &d), CR_OK);
    assert_int_equal(got.max_within_days, 100);
    struct cr_learn_label *l = NULL;
    fp = fopen(lpath, "w");
    fputs("label: v\noutcomes: {within_days: 90}\n", fp);
    fclose(fp);
    assert_int_equal(cr_learn_label_load_policy(lpath, &got, &l, &d), CR_OK);
    assert_int_equal(l->kind, CR_LABEL_OUTCOMES);
    assert_int_equal(l->n_positive, 1);
    assert_string_equal(l->positive[0], "bad");
    assert_string_equal(l->negative[0], "ok");
    assert_string_equal(l->outcome_attr, "res");
    cr_learn_label_free(l);
    const char *refused[] = {
        "label: v\noutcomes: {within_days: 101}\n",                      /* past max_within_days */
        "label: v\noutcomes: {within_days: 9, positive: [confirmed]}\n", /* not the policy's */
    };
    for (size_t i = 0; i < 2; i++) {
        fp = fopen(lpath, "w");
        fputs(refused[i], fp);
        fclose(fp);
        l = NULL;
        if (cr_learn_label_load_policy(lpath, &got, &l, &d) == CR_OK)
            fail_msg("accepted: %s", refused[i]);
    }
    const char *bad_policy[] = {
        "max_within_days: 100\n",                   /* psi_rebuild missing */
        "max_within_days: 100\npsi_rebuild: 0.1\n", /* below psi_watch */
        "max_within_days: 1e2\npsi_rebuild: 0.3\n", /* not in digits */
        "max_within_days: 100\npsi_rebuild: 0.3\nextra: 1\n",
    };
    for (size_t i = 0; i < sizeof bad_policy / sizeof *bad_policy; i++) {
        fp = fopen(path, "w");
        fprintf(fp, "%s%s", head, bad_policy[i]);
        fclose(fp);
        if (cr_learn_policy_load(path, &got, &d) == CR_OK)
            fail_msg("accepted policy: %s", bad_policy[i]);
    }
    remove(path);
    remove(lpath);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(woe_iv), cmocka_unit_test(label_files),
                                       cmocka_unit_test(policy)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
