/* Gradient-boosted trees (src/learn/xgb.c): training is deterministic and learns the signal,
 * monotone constraints hold, contributions add up to the margin and shares to the score, and the
 * model file round-trips through the model loader to the same predictions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/booster.h"
#include "crisk/model.h"

static const char base_text[] =
    "# a base model: its indicators define the indicator features\n"
    "model: base\nversion: 2\nname: 基础模型\n"
    "description: >-\n  two lines\n  of description\n"
    "levels: {method: share, shares: {A: 0.4, B: 0.3, C: 0.2, D: 0.1}}\n"
    "aspects:\n"
    "  - id: a1\n    name: 监管\n    categories:\n"
    "      - id: c1\n        name: 处罚\n        indicators:\n"
    "          - {id: up, name: 升, input: {events: {kinds: [penalty]}}, aggregation: count,\n"
    "             bins: [[0, inf, 0]], missing: 0, rationale: r}\n"
    "          - {id: down, name: 降, input: {events: {kinds: [license]}}, aggregation: count,\n"
    "             bins: [[0, inf, 0]], missing: 0, rationale: r}\n"
    "          - {id: noise, name: 噪, input: {events: {kinds: [other]}}, aggregation: count,\n"
    "             bins: [[0, inf, 0]], missing: 0, rationale: r}\n";

#define N 3000
#define P 4

static uint64_t rng = 88172645463325252ULL;
static double unif(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static char *names[P] = {"up", "down", "noise", "attr:sparse"};
static int8_t dirs[P] = {1, -1, 0, 0};

/* y depends on x0 (up), x1 (down) and x3 (sparse, missing in a fifth of the rows). */
static void make(struct cr_learn_data *d, int oot)
{
    memset(d, 0, sizeof *d);
    d->n = N;
    d->p = P;
    d->x = malloc(N * P * sizeof *d->x);
    d->y = malloc(N);
    d->fold = malloc(N * sizeof *d->fold);
    d->subject = malloc(N * sizeof *d->subject);
    d->name = names;
    d->direction = dirs;
    d->k = oot ? 2 : 5;
    d->out_of_time = oot;
    rng = 88172645463325252ULL;
    for (size_t i = 0; i < N; i++) {
        float *x = d->x + i * P;
        for (int j = 0; j < P; j++)
            x[j] = (float)unif();
        if (unif() < 0.2)
            x[3] = NAN;
        double z = 4 * x[0] - 3 * x[1] + (isnan(x[3]) ? 1 : x[3]) - 1.2;
        d->y[i] = unif() < 1 / (1 + exp(-z));
        d->fold[i] = oot ? (i >= N * 7 / 10) : (int32_t)(i % 5);
        d->subject[i] = (int64_t)(1000 + i);
    }
}

static void unmake(struct cr_learn_data *d)
{
    free(d->x);
    free(d->y);
    free(d->fold);
    free(d->subject);
}

/* AUC of scores against labels over rows with a score (ties counted half). */
static double auc(const double *s, const int8_t *y, size_t n)
{
    double num = 0, pos = 0, neg = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(s[i]) || !y[i])
            continue;
        pos++;
        for (size_t j = 0; j < n; j++)
            if (!isnan(s[j]) && !y[j])
                num += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
    }
    for (size_t j = 0; j < n; j++)
        neg += !isnan(s[j]) && !y[j];
    return num / (pos * neg);
}

static struct cr_xgb_params params(void)
{
    struct cr_xgb_params p;
    cr_xgb_params_default(&p);
    p.nthread = 1;
    p.max_rounds = 300;
    return p;
}

static void fit_is_deterministic_and_learns(void **state)
{
    (void)state;
    struct cr_learn_data d;
    make(&d, 0);
    struct cr_xgb_params p = params();
    struct cr_xgb_fit f1, f2;
    cr_diag dg = {{0}, {0}, 0, 0};
    assert_int_equal(cr_learn_xgb_fit(&d, &p, &f1, &dg), CR_OK);
    assert_int_equal(cr_learn_xgb_fit(&d, &p, &f2, &dg), CR_OK);
    assert_string_equal(f1.booster_b64, f2.booster_b64);
    for (size_t i = 0; i < N; i++) {
        assert_true(f1.pred[i] > 0 && f1.pred[i] < 1);
        assert_true(f1.pred[i] == f2.pred[i]);
    }
    assert_int_equal(f1.k, 5);
    for (int k = 0; k < 5; k++)
        assert_true(f1.fold_rounds[k] >= 1 && f1.fold_rounds[k] <= p.max_rounds);
    double a = auc(f1.pred, d.y, N);
    /* the generating logit's own AUC here is about 0.77; trees out of fold come close */
    assert_true(a > 0.72);
    assert_true(f1.rounds < p.max_rounds); /* early stopping stopped */
    cr_xgb_fit_free(&f1);
    cr_xgb_fit_free(&f2);
    unmake(&d);
}

static void out_of_time_predicts_test_rows_only(void **state)
{
    (void)state;
    struct cr_learn_data d;
    make(&d, 1);
    struct cr_xgb_params p = params();
    struct cr_xgb_fit f;
    cr_diag dg = {{0}, {0}, 0, 0};
    assert_int_equal(cr_learn_xgb_fit(&d, &p, &f, &dg), CR_OK);
    assert_int_equal(f.k, 1);
    for (size_t i = 0; i < N; i++)
        assert_true(d.fold[i] == 0 ? isnan(f.pred[i]) : (f.pred[i] > 0 && f.pred[i] < 1));
    assert_int_equal(f.rounds, f.fold_rounds[0]);
    /* the kept model is the tested one: its predictions on the test rows are the fit's */
    size_t nt = 0;
    for (size_t i = 0; i < N; i++)
        nt += d.fold[i] == 1;
    double *pr = malloc(nt * sizeof *pr);
    const float *xt = d.x + (N - nt) * P;
    assert_int_equal(cr_learn_xgb_predict(f.booster_b64, xt, nt, P, 1, pr, NULL, &dg), CR_OK);
    for (size_t i = 0; i < nt; i++)
        assert_true(pr[i] == f.pred[N - nt + i]);
    free(pr);
    cr_xgb_fit_free(&f);
    unmake(&d);
}

static void monotone_and_contributions(void **state)
{
    (void)state;
    struct cr_learn_data d;
    make(&d, 0);
    struct cr_xgb_params p = params();
    struct cr_xgb_fit f;
    cr_diag dg = {{0}, {0}, 0, 0};
    assert_int_equal(cr_learn_xgb_fit(&d, &p, &f, &dg), CR_OK);
    /* a grid over x0 and over x1, the other features fixed */
    enum { G = 101 };
    float *x = malloc(2 * G * P * sizeof *x);
    for (int g = 0; g < G; g++)
        for (int h = 0; h < 2; h++) {
            float *r = x + (h * G + g) * P;
            r[0] = r[1] = 0.5f;
            r[2] = 0.3f;
            r[h] = (float)g / (G - 1);
            r[3] = 0.7f;
        }
    double *pr = malloc(2 * G * sizeof *pr);
    float *c = malloc(2 * G * (P + 1) * sizeof *c);
    assert_int_equal(cr_learn_xgb_predict(f.booster_b64, x, 2 * G, P, 1, pr, c, &dg), CR_OK);
    for (int g = 1; g < G; g++) {
        assert_true(pr[g] >= pr[g - 1]);         /* up: risk never falls */
        assert_true(pr[G + g] <= pr[G + g - 1]); /* down: never rises */
    }
    assert_true(pr[G - 1] > pr[0] + 0.1); /* and the signal is there */
    assert_true(pr[G] > pr[2 * G - 1] + 0.1);
    for (int i = 0; i < 2 * G; i++) {
        double margin = 0;
        for (int j = 0; j <= P; j++)
            margin += c[i * (P + 1) + j];
        assert_true(fabs(margin - log(pr[i] / (1 - pr[i]))) < 1e-4);
        double shares[P], base, sum = 0;
        double score = cr_xgb_shares(c + i * (P + 1), P, 100 * pr[i], shares, &base);
        assert_true(score == 100 * pr[i]);
        for (int j = 0; j < P; j++) {
            sum += shares[j];
            /* each share keeps its contribution's sign */
            assert_true(shares[j] * c[i * (P + 1) + j] >= 0);
        }
        assert_true(fabs(base + sum - score) < 1e-9);
        assert_true(fabs(base - 100 / (1 + exp(-c[i * (P + 1) + P]))) < 1e-9);
    }
    /* Σφ = 0: nothing to share out */
    float zero[P + 1] = {0, 0, 0, 0, 0.4f};
    double sh[P], base;
    cr_xgb_shares(zero, P, 60, sh, &base);
    assert_true(base == 60 && sh[0] == 0 && sh[3] == 0);
    free(x);
    free(pr);
    free(c);
    cr_xgb_fit_free(&f);
    unmake(&d);
}

static void model_file_round_trip(void **state)
{
    (void)state;
    struct cr_learn_data d;
    make(&d, 0);
    struct cr_xgb_params p = params();
    p.max_rounds = 40;
    struct cr_xgb_fit f;
    cr_diag dg = {{0}, {0}, 0, 0};
    assert_int_equal(cr_learn_xgb_fit(&d, &p, &f, &dg), CR_OK);
    cr_model *base = NULL, *m = NULL;
    assert_int_equal(cr_model_load_text("base.yaml", base_text, strlen(base_text), &base, &dg),
                     CR_OK);
    assert_int_equal(base->method, CR_METHOD_EXPERT);
    char *text = NULL;
    assert_int_equal(cr_learn_xgb_model_text(base, "trees-1", "树模型 \"一\"", &d, &f, &text, &dg),
                     CR_OK);
    if (cr_model_load_text("trees.yaml", text, strlen(text), &m, &dg))
        fail_msg("%s\n%.2000s", dg.msg, text);
    assert_int_equal(m->method, CR_METHOD_XGBOOST);
    assert_string_equal(m->id, "trees-1");
    assert_string_equal(m->name, "树模型 \"一\"");
    assert_int_equal(m->version, 1);
    assert_int_equal(m->n_indicators, 3);
    assert_int_equal(m->n_features, P);
    for (int j = 0; j < P; j++)
        assert_string_equal(m->features[j], names[j]);
    assert_string_equal(m->booster, f.booster_b64);
    assert_true(m->level_method == CR_LEVELS_SHARE && m->level_share[3] == 0.1);
    double *pr = malloc(N * sizeof *pr);
    assert_int_equal(cr_learn_xgb_predict(m->booster, d.x, N, P, 1, pr, NULL, &dg), CR_OK);
    double *pr2 = malloc(N * sizeof *pr2);
    assert_int_equal(cr_learn_xgb_predict(f.booster_b64, d.x, N, P, 2, pr2, NULL, &dg), CR_OK);
    for (size_t i = 0; i < N; i++)
        assert_true(pr[i] == pr2[i]);
    free(pr);
    free(pr2);

    /* the loader's checks on a booster */
    struct {
        const char *from, *to, *msg;
    } bad[] = {
        {"method: xgboost", "method: trees", "method must be"},
        {"    - \"noise\"", "    - \"nosuch\"", "neither an indicator"},
        {"    - \"noise\"", "    - \"up\"", "given twice"},
        {"    - \"attr:sparse\"", "    - \"attr:\"", "neither an indicator"},
        {"format: ubj", "format: json", "booster.format"},
        {"  data: \"", "  data: \"*", "base64"},
        {"method: xgboost", "method: expert", "belongs to a model with method: xgboost"},
    };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        const char *at = strstr(text, bad[b].from);
        assert_non_null(at);
        size_t lt = strlen(text), lf = strlen(bad[b].from), lo = strlen(bad[b].to);
        char *t2 = malloc(lt + lo + 1);
        memcpy(t2, text, (size_t)(at - text));
        memcpy(t2 + (at - text), bad[b].to, lo);
        strcpy(t2 + (at - text) + lo, at + lf);
        cr_model *x = NULL;
        cr_diag d2 = {{0}, {0}, 0, 0};
        assert_int_equal(cr_model_load_text("t.yaml", t2, strlen(t2), &x, &d2), CR_EPARSE);
        if (!strstr(d2.msg, bad[b].msg))
            fail_msg("case %zu: '%s' lacks '%s'", b, d2.msg, bad[b].msg);
        assert_true(d2.line > 0);
        free(t2);
    }
    /* a method xgboost model without a booster */
    const char *cut = strstr(text, "booster:");
    const char *after = strstr(cut, "\nlevels:");
    assert_non_null(after);
    char *t3 = malloc(strlen(text) + 1);
    memcpy(t3, text, (size_t)(cut - text));
    strcpy(t3 + (cut - text), after + 1);
    cr_model *x = NULL;
    assert_int_equal(cr_model_load_text("t.yaml", t3, strlen(t3), &x, &dg), CR_EPARSE);
    assert_non_null(strstr(dg.msg, "needs a booster"));
    free(t3);
    /* valid base64 that is no booster: refused when scoring */
    double one;
    float row[P] = {0.1f, 0.2f, 0.3f, 0.4f};
    assert_int_not_equal(cr_learn_xgb_predict("AAAA", row, 1, P, 1, &one, NULL, &dg), CR_OK);
    assert_int_not_equal(cr_learn_xgb_predict("A*==", row, 1, P, 1, &one, NULL, &dg), CR_OK);

    free(text);
    cr_model_free(m);
    cr_model_free(base);
    cr_xgb_fit_free(&f);
    unmake(&d);
}

static void refuses_too_few(void **state)
{
    (void)state;
    struct cr_learn_data d;
    make(&d, 0);
    for (size_t i = 0; i < N; i++)
        d.y[i] = i == 7; /* one positive */
    struct cr_xgb_params p = params();
    struct cr_xgb_fit f;
    cr_diag dg = {{0}, {0}, 0, 0};
    assert_int_equal(cr_learn_xgb_fit(&d, &p, &f, &dg), CR_EINVAL);
    assert_non_null(strstr(dg.msg, "positives"));
    p.eta = 0;
    assert_int_equal(cr_learn_xgb_fit(&d, &p, &f, &dg), CR_EINVAL);
    unmake(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fit_is_deterministic_and_learns),
        cmocka_unit_test(out_of_time_predicts_test_rows_only),
        cmocka_unit_test(monotone_and_contributions),
        cmocka_unit_test(model_file_round_trip),
        cmocka_unit_test(refuses_too_few),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
