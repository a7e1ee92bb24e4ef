/* crisk learn --psi RUN_A RUN_B: the stability of two stored classification runs (docs/learn.md
 * "PSI between two runs"). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crisk/learn.h"
#include "crisk/text.h"
#include "learn.h"

struct run_scores {
    double *score;
    char *level;
    size_t n, cap;
    int oom;
};

static void run_score_row(void *ctx, const char *key, double score, char level)
{
    (void)key;
    struct run_scores *r = ctx;
    if (r->oom)
        return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 1024;
        double *s = realloc(r->score, cap * sizeof *s);
        if (s)
            r->score = s;
        char *l = s ? realloc(r->level, cap) : NULL;
        if (!s || !l) {
            r->oom = 1;
            return;
        }
        r->level = l;
        r->cap = cap;
    }
    r->score[r->n] = score;
    r->level[r->n++] = level;
}

static const char *psi_reading(double psi, const struct cr_learn_policy *p)
{
    return !isfinite(psi)          ? "none"
           : psi < p->psi_watch    ? "stable"
           : psi <= p->psi_rebuild ? "watch"
                                   : "rebuild";
}

int cli_learn_psi(const char *db, const char *a_s, const char *b_s, const char *bins_s, int json,
                  const struct cr_learn_policy *policy)
{
    long long run[2], bins = 10;
    int prc;
    if ((prc = cli_int_opt("learn", "psi", a_s, 1, LLONG_MAX, &run[0])) ||
        (prc = cli_int_opt("learn", "psi", b_s, 1, LLONG_MAX, &run[1])) ||
        (prc = cli_int_opt("learn", "bins", bins_s, 2, 100, &bins)))
        return prc;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    struct run_scores r[2] = {{0}};
    int32_t as_of[2] = {0, 0};
    char hash[2][17] = {"", ""};
    struct cr_learn_psi_bin *tab = calloc((size_t)bins, sizeof *tab);
    int exit_code = CLI_OK;
    cr_err rc = tab ? cr_store_open_readonly(cli_db_path(db), &s, &d) : CR_ENOMEM;
    if (rc) {
        exit_code = cli_report_diag("learn", rc, &d);
        goto out;
    }
    for (int k = 0; k < 2; k++) {
        char dummy = 0, *text = NULL;
        size_t len = 0;
        rc = cr_store_run_levels(s, run[k], NULL, 0, &as_of[k], &dummy);
        if (!rc)
            rc = cr_store_run_model(s, run[k], hash[k], &text, &len);
        free(text);
        if (!rc)
            rc = cr_store_scores_each(s, run[k], run_score_row, &r[k]);
        if (rc == CR_ENOTFOUND) {
            fprintf(stderr, "crisk learn: --psi: there is no classification run %lld%s\n", run[k],
                    " (crisk classify records runs)");
            exit_code = CLI_BADINPUT;
            goto out;
        }
        if (rc || r[k].oom) {
            fprintf(stderr, "crisk learn: cannot read run %lld: %s\n", run[k],
                    r[k].oom ? "out of memory" : cr_store_errmsg(s));
            exit_code = CLI_FAIL;
            goto out;
        }
    }
    double psi_s = NAN;
    if (cr_learn_psi_table(r[0].score, r[0].n, r[1].score, r[1].n, (int)bins, tab, &psi_s)) {
        fprintf(stderr, "crisk learn: out of memory\n");
        exit_code = CLI_FAIL;
        goto out;
    }
    struct cr_learn_psi_bin lt[4];
    double psi_l = cr_learn_psi_levels_table(r[0].level, r[0].n, r[1].level, r[1].n, lt);
    char day[2][11];
    cr_day_format(as_of[0], day[0]);
    cr_day_format(as_of[1], day[1]);
    json_t *o = json_pack("{s:[{s:I,s:s,s:s,s:I},{s:I,s:s,s:s,s:I}],s:I,s:o,s:s,s:o,s:s}", "runs",
                          "run", (json_int_t)run[0], "as_of", day[0], "model_hash", hash[0],
                          "firms", (json_int_t)r[0].n, "run", (json_int_t)run[1], "as_of", day[1],
                          "model_hash", hash[1], "firms", (json_int_t)r[1].n, "bins",
                          (json_int_t)bins, "psi_scores", cli_learn_num(psi_s),
                          "psi_scores_reading", psi_reading(psi_s, policy), "psi_levels",
                          cli_learn_num(psi_l), "psi_levels_reading", psi_reading(psi_l, policy));
    json_t *sb = json_array(), *lb = json_array();
    for (long long b = 0; b < bins; b++)
        json_array_append_new(
            sb,
            json_pack("{s:o,s:o,s:I,s:I,s:o,s:o,s:o}", "lo", cli_learn_num(tab[b].lo), "hi",
                      cli_learn_num(tab[b].hi), "expected", (json_int_t)tab[b].ne, "actual",
                      (json_int_t)tab[b].na, "expected_share", cli_learn_num(tab[b].e),
                      "actual_share", cli_learn_num(tab[b].a), "psi", cli_learn_num(tab[b].psi)));
    for (int l = 0; l < 4; l++)
        json_array_append_new(lb,
                              json_pack("{s:s#,s:o,s:o,s:o}", "level", "ABCD" + l, 1,
                                        "expected_share", cli_learn_num(lt[l].e), "actual_share",
                                        cli_learn_num(lt[l].a), "psi", cli_learn_num(lt[l].psi)));
    json_object_set_new(o, "score_bins", sb);
    json_object_set_new(o, "levels", lb);
    if (json) {
        exit_code = cli_json_print(o);
        goto out;
    }
    printf("PSI of run %lld (%s, %zu firms) against run %lld (%s, %zu firms); bins at run %lld's "
           "score %lld-quantiles\n",
           run[1], day[1], r[1].n, run[0], day[0], r[0].n, run[0], bins);
    printf("  scores  %.4f  %s\n  levels  %.4f  %s\n", psi_s, psi_reading(psi_s, policy), psi_l,
           psi_reading(psi_l, policy));
    printf("  %-22s %9s %9s %9s\n", "score bin", "expected", "actual", "psi");
    for (long long b = 0; b < bins; b++)
        printf("  [%8.3f, %8.3f)   %9.4f %9.4f %9.5f\n", tab[b].lo, tab[b].hi, tab[b].e, tab[b].a,
               tab[b].psi);
    for (int l = 0; l < 4; l++)
        printf("  level %c                %9.4f %9.4f %9.5f\n", 'A' + l, lt[l].e, lt[l].a,
               lt[l].psi);
    json_decref(o);
out:
    cr_store_close(s);
    free(tab);
    for (int k = 0; k < 2; k++) {
        free(r[k].score);
        free(r[k].level);
    }
    return exit_code;
}
