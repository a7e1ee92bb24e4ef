/* crisk learn: measure the champion against outcomes, train challengers and write the
 * champion/challenger report (docs/learn.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "crisk/booster.h"
#include "crisk/learn.h"
#include "crisk/model.h"
#include "crisk/progress.h"
#include "crisk/text.h"

static const char help[] =
    "usage: crisk learn --label FILE [--db FILE] [--as-of YYYY-MM-DD] [--method "
    "scorecard|xgboost|both]\n"
    "                   [--out DIR] [--json] [--model FILE] [--validation auto|kfold] [--folds K]\n"
    "                   [--seed N] [--min-class N] [--binning model|monotone] [--penalty l2|l1]\n"
    "                   [--c X] [--min-bin-share X] [--eta X] [--export-matrix FILE]\n"
    "       crisk learn --psi RUN_A RUN_B [--db FILE] [--bins N] [--json]\n"
    "\n"
    "Builds the label (a file: docs/learn.md \"Label files\") and the features (the champion's\n"
    "indicators and the registry attributes) of every enterprise, measures the champion model,\n"
    "the naive baseline (the count of past events of the label's kinds, or of past positive\n"
    "outcomes) and the challengers on\n"
    "the same folds (out of time when the store's history allows it, else stratified k-fold),\n"
    "and writes to DIR (default learn): the challengers' model files, report.json, report.html\n"
    "and scores.csv (subject,fold,y and every model's score per row). A challenger is never used\n"
    "by itself: `crisk model promote FILE` makes it the champion.\n"
    "\n"
    "  --model FILE       the champion (default: the promoted model of the store, else the shipped "
    "one)\n"
    "  --as-of DATE       the date the test rows are scored (default: the last event day minus\n"
    "                     the label window; for a column label, the last event day)\n"
    "  --export-matrix F  also write the matrix as CSV: subject,y,fold,<features>, then a line\n"
    "                     direction,,,<+1|-1|0>, then one row per firm (empty = missing)\n"
    "\n"
    "  --psi A B          the population stability of stored classification run B against\n"
    "                     run A: PSI of the scores in N bins (default 10) cut at run A's\n"
    "                     quantiles, and of the levels (<0.1 stable, 0.1-0.25 watch, >0.25\n"
    "                     rebuild)\n"
    "\n"
    "Exit 3 when the label yields fewer positives or negatives than its min_class, or a run\n"
    "does not exist.\n";

/* One model's scores over the matrix rows. */
struct entry {
    const char *name, *method;
    double *score;       /* per row, NAN when not scored */
    char *level;         /* per row, 0 none */
    double *final_score; /* per row, the final model's (stability over time), or NULL */
    char file[1024];
    json_t *extra;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The metrics of model e on the rows with test[i] (and a score), against the label ylab (NULL:
 * d->y). brief: only the ranking, level and calibration metrics (the random arm's). */
static json_t *evaluate(const struct cr_learn_data *d, const uint8_t *test, const int8_t *ylab,
                        int brief, const struct entry *e, const char *champion_level,
                        json_t **roc_out, json_t **lift_out)
{
    if (!ylab)
        ylab = d->y;
    size_t n = d->n, m = 0;
    double *s = malloc((n + 1) * sizeof *s);
    int8_t *y = malloc(n + 1);
    char *lv = malloc(n + 1), *cl = malloc(n + 1);
    json_t *o = json_object();
    if (!s || !y || !lv || !cl || !o) {
        free(s), free(y), free(lv), free(cl);
        json_decref(o);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (test[i] && !isnan(e->score[i])) {
            s[m] = e->score[i];
            y[m] = ylab[i];
            lv[m] = e->level ? e->level[i] : 0;
            cl[m++] = champion_level ? champion_level[i] : 0;
        }
    double auc = cr_learn_auc(s, y, m);
    json_object_set_new(o, "name", json_string(e->name));
    json_object_set_new(o, "method", json_string(e->method));
    json_object_set_new(o, "rows", json_integer((json_int_t)m));
    if (brief) {
        size_t np = 0;
        for (size_t i = 0; i < m; i++)
            np += y[i] == 1;
        json_object_set_new(o, "positives", json_integer((json_int_t)np));
    }
    json_object_set_new(o, "auc", num(auc));
    json_object_set_new(o, "ks", num(cr_learn_ks(s, y, m)));
    json_object_set_new(o, "gini", num(2 * auc - 1));
    /* the three lifts, then the curve at 5 %, 10 %, ... 100 % (one sort) */
    double qs[23] = {0.05, 0.10, 0.20}, lifts[23];
    for (int q = 1; q <= 20; q++)
        qs[2 + q] = q / 20.0;
    cr_learn_lifts(s, y, m, qs, 23, lifts);
    json_object_set_new(o, "lift_top5", num(lifts[0]));
    json_object_set_new(o, "lift_top10", num(lifts[1]));
    json_object_set_new(o, "lift_top20", num(lifts[2]));
    if (e->level) {
        struct cr_learn_level_stat st[4];
        cr_learn_level_stats(lv, y, m, st);
        json_t *a = json_array();
        for (int l = 0; l < 4; l++)
            json_array_append_new(a,
                                  json_pack("{s:s#,s:I,s:I,s:o,s:o}", "level", "ABCD" + l, 1, "n",
                                            (json_int_t)st[l].n, "positives", (json_int_t)st[l].pos,
                                            "hit_rate", num(st[l].hit), "lift", num(st[l].lift)));
        json_object_set_new(o, "levels", a);
        if (champion_level && !brief)
            json_object_set_new(o, "psi_levels_vs_champion",
                                num(cr_learn_psi_levels(cl, m, lv, m)));
    }
    struct cr_learn_calib cal[10];
    if (!cr_learn_calibration(s, y, m, 10, cal)) {
        json_t *a = json_array();
        for (int b = 0; b < 10; b++)
            json_array_append_new(a, json_pack("{s:I,s:o,s:o}", "n", (json_int_t)cal[b].n,
                                               "mean_score", num(cal[b].mean_score), "hit_rate",
                                               num(cal[b].hit)));
        json_object_set_new(o, "calibration", a);
    }
    if (e->final_score && d->out_of_time && !brief) {
        double *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
        size_t na = 0, nb = 0;
        for (size_t i = 0; a && b && i < n; i++) {
            if (d->fold[i] == 0)
                a[na++] = e->final_score[i];
            else
                b[nb++] = e->final_score[i];
        }
        if (a && b)
            json_object_set_new(o, "psi_scores_train_to_test",
                                num(cr_learn_psi_scores(a, na, b, nb, 10)));
        free(a);
        free(b);
    }
    if (e->level && d->n_districts && !brief) {
        struct cr_learn_district *ds = calloc(d->n_districts, sizeof *ds);
        double hr = NAN, fr = NAN;
        if (ds) {
            char *full = calloc(n + 1, 1);
            for (size_t i = 0; full && i < n; i++)
                full[i] = test[i] && !isnan(e->score[i]) ? e->level[i] : 0;
            if (full) {
                cr_learn_district_stats(d, full, NULL, "CD", 100, ds, &hr, &fr);
                json_t *a = json_array();
                for (size_t k = 0; k < d->n_districts; k++)
                    json_array_append_new(
                        a, json_pack("{s:s,s:I,s:I,s:I,s:o,s:o}", "district", d->district_code[k],
                                     "n", (json_int_t)ds[k].n, "positives", (json_int_t)ds[k].pos,
                                     "flagged", (json_int_t)ds[k].flagged, "hit_rate",
                                     num(ds[k].hit), "false_positive_rate", num(ds[k].fpr)));
                json_object_set_new(o, "districts",
                                    json_pack("{s:s,s:o,s:o,s:o}", "flagged_levels", "CD",
                                              "hit_rate_best_to_worst", num(hr),
                                              "fpr_worst_to_best", num(fr), "by_district", a));
            }
            free(full);
        }
        free(ds);
    }
    if (roc_out) {
        double fpr[201], tpr[201];
        size_t k = cr_learn_roc(s, y, m, fpr, tpr, 201);
        json_t *a = json_array();
        for (size_t i = 0; i < k; i++)
            json_array_append_new(a, json_pack("[f,f]", fpr[i], tpr[i]));
        *roc_out = a;
    }
    if (lift_out) {
        json_t *a = json_array();
        for (int q = 1; q <= 20; q++)
            json_array_append_new(a, num(lifts[2 + q]));
        *lift_out = a;
    }
    if (e->file[0] && !brief)
        json_object_set_new(o, "file", json_string(e->file));
    if (e->extra && !brief)
        json_object_update(o, e->extra);
    free(s), free(y), free(lv), free(cl);
    return o;
}

/* ---- the HTML page ---- */

static void html_text(FILE *fp, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '<':
            fputs("&lt;", fp);
            break;
        case '>':
            fputs("&gt;", fp);
            break;
        case '&':
            fputs("&amp;", fp);
            break;
        case '"':
            fputs("&quot;", fp);
            break;
        default:
            fputc(*s, fp);
        }
}

static const char *const colours[] = {"#444", "#999", "#c0392b", "#2471a3", "#1e8449"};

static void html_num(FILE *fp, json_t *v, int decimals)
{
    if (json_is_number(v))
        fprintf(fp, "%.*f", decimals, json_number_value(v));
    else
        fputs("—", fp);
}

static int write_html(FILE *fp, json_t *rep, json_t *rocs, json_t *lifts, json_t *binning)
{
    fputs(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<title>crisk learn 冠军/挑战者报告</title><style>body{font-family:sans-serif;margin:2em;"
        "max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
        "padding:2px 8px;text-align:right}th{background:#f4f4f4}td.l{text-align:left}"
        "svg{border:1px solid #ccc;margin:0 1em 1em 0}</style></head><body>\n",
        fp);
    fputs("<h1>冠军/挑战者报告 (champion / challenger)</h1>\n<p>标签 label: <b>", fp);
    html_text(fp, json_string_value(json_object_get(rep, "label")));
    fprintf(fp,
            "</b>; 正例 positives %lld, 负例 negatives %lld; 验证 validation: %s; as of %s</p>\n",
            (long long)json_integer_value(json_object_get(rep, "positives")),
            (long long)json_integer_value(json_object_get(rep, "negatives")),
            json_string_value(json_object_get(rep, "validation")),
            json_string_value(json_object_get(rep, "as_of")));
    fputs("<table><tr><th>model</th><th>method</th><th>rows</th><th>AUC</th><th>KS</th>"
          "<th>Gini</th><th>lift@10%</th><th>PSI levels vs champion</th><th>PSI scores "
          "train→test</th><th>district hit best/worst</th><th>district FPR worst/best</th></tr>\n",
          fp);
    size_t i;
    json_t *mo;
    json_array_foreach(json_object_get(rep, "models"), i, mo)
    {
        fputs("<tr><td class=l>", fp);
        html_text(fp, json_string_value(json_object_get(mo, "name")));
        fputs("</td><td class=l>", fp);
        html_text(fp, json_string_value(json_object_get(mo, "method")));
        fprintf(fp, "</td><td>%lld</td><td>",
                (long long)json_integer_value(json_object_get(mo, "rows")));
        html_num(fp, json_object_get(mo, "auc"), 4);
        fputs("</td><td>", fp);
        html_num(fp, json_object_get(mo, "ks"), 4);
        fputs("</td><td>", fp);
        html_num(fp, json_object_get(mo, "gini"), 4);
        fputs("</td><td>", fp);
        html_num(fp, json_object_get(mo, "lift_top10"), 2);
        fputs("</td><td>", fp);
        html_num(fp, json_object_get(mo, "psi_levels_vs_champion"), 4);
        fputs("</td><td>", fp);
        html_num(fp, json_object_get(mo, "psi_scores_train_to_test"), 4);
        json_t *ds = json_object_get(mo, "districts");
        fputs("</td><td>", fp);
        html_num(fp, json_object_get(ds, "hit_rate_best_to_worst"), 2);
        fputs("</td><td>", fp);
        html_num(fp, json_object_get(ds, "fpr_worst_to_best"), 2);
        fputs("</td></tr>\n", fp);
    }
    fputs("</table>\n", fp);
    json_t *ra = json_object_get(rep, "random_arm");
    if (ra) {
        fprintf(fp,
                "<h2>随机抽查组 random-arm inspections</h2><p>只看随机抽取的检查（无选择偏差）："
                "正例 positives %lld, 负例 negatives %lld. The targeted and triggered arms are "
                "a selected sample (regulators inspect the risky ones more); these rows are the "
                "unbiased measure.</p>\n<table><tr><th>model</th><th>method</th><th>rows</th>"
                "<th>positives</th><th>AUC</th><th>KS</th><th>Gini</th><th>lift@10%%</th></tr>\n",
                (long long)json_integer_value(json_object_get(ra, "positives")),
                (long long)json_integer_value(json_object_get(ra, "negatives")));
        json_array_foreach(json_object_get(ra, "models"), i, mo)
        {
            fputs("<tr><td class=l>", fp);
            html_text(fp, json_string_value(json_object_get(mo, "name")));
            fputs("</td><td class=l>", fp);
            html_text(fp, json_string_value(json_object_get(mo, "method")));
            fprintf(fp, "</td><td>%lld</td><td>%lld</td><td>",
                    (long long)json_integer_value(json_object_get(mo, "rows")),
                    (long long)json_integer_value(json_object_get(mo, "positives")));
            html_num(fp, json_object_get(mo, "auc"), 4);
            fputs("</td><td>", fp);
            html_num(fp, json_object_get(mo, "ks"), 4);
            fputs("</td><td>", fp);
            html_num(fp, json_object_get(mo, "gini"), 4);
            fputs("</td><td>", fp);
            html_num(fp, json_object_get(mo, "lift_top10"), 2);
            fputs("</td></tr>\n", fp);
        }
        fputs("</table>\n", fp);
    }
    /* ROC */
    fputs("<h2>ROC</h2><svg width=\"360\" height=\"360\" viewBox=\"-30 -10 360 360\">"
          "<line x1=\"0\" y1=\"300\" x2=\"300\" y2=\"0\" stroke=\"#ddd\"/>"
          "<rect x=\"0\" y=\"0\" width=\"300\" height=\"300\" fill=\"none\" stroke=\"#888\"/>"
          "<text x=\"120\" y=\"325\" font-size=\"12\">FPR</text>"
          "<text x=\"-25\" y=\"150\" font-size=\"12\">TPR</text>\n",
          fp);
    json_array_foreach(rocs, i, mo)
    {
        fprintf(fp, "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"%s\" points=\"",
                colours[i % 5]);
        size_t k;
        json_t *pt;
        json_array_foreach(mo, k, pt)
            fprintf(fp, "%.1f,%.1f ", 300 * json_real_value(json_array_get(pt, 0)),
                    300 - 300 * json_real_value(json_array_get(pt, 1)));
        fputs("\"/>\n", fp);
    }
    fputs("</svg>\n", fp);
    /* lift */
    fputs("<svg width=\"420\" height=\"360\" viewBox=\"-40 -10 420 360\">"
          "<rect x=\"0\" y=\"0\" width=\"360\" height=\"300\" fill=\"none\" stroke=\"#888\"/>"
          "<text x=\"100\" y=\"325\" font-size=\"12\">top share of firms (5%…100%)</text>"
          "<text x=\"-38\" y=\"150\" font-size=\"12\">lift</text>\n",
          fp);
    double top = 1;
    json_array_foreach(lifts, i, mo)
    {
        size_t k;
        json_t *v;
        json_array_foreach(mo, k, v) if (json_is_number(v) && json_number_value(v) > top) top =
            json_number_value(v);
    }
    fprintf(fp,
            "<text x=\"-30\" y=\"10\" font-size=\"11\">%.1f</text>"
            "<text x=\"-30\" y=\"300\" font-size=\"11\">0</text>\n",
            top);
    json_array_foreach(lifts, i, mo)
    {
        fprintf(fp, "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"%s\" points=\"",
                colours[i % 5]);
        size_t k;
        json_t *v;
        json_array_foreach(mo, k, v) if (json_is_number(v)) fprintf(
            fp, "%.1f,%.1f ", 18.0 * (double)(k + 1), 300 - 300 * json_number_value(v) / top);
        fputs("\"/>\n", fp);
    }
    fputs("</svg><p>", fp);
    json_array_foreach(json_object_get(rep, "models"), i, mo)
    {
        fprintf(fp, "<span style=\"color:%s\">■</span> ", colours[i % 5]);
        html_text(fp, json_string_value(json_object_get(mo, "name")));
        fputs(" &nbsp; ", fp);
    }
    fputs("</p>\n", fp);
    /* levels */
    fputs("<h2>各等级命中率 hit rate per level</h2><table><tr><th>model</th><th>level</th>"
          "<th>firms</th><th>positives</th><th>hit rate</th><th>lift</th></tr>\n",
          fp);
    json_array_foreach(json_object_get(rep, "models"), i, mo)
    {
        size_t k;
        json_t *l;
        json_array_foreach(json_object_get(mo, "levels"), k, l)
        {
            fputs("<tr><td class=l>", fp);
            html_text(fp, json_string_value(json_object_get(mo, "name")));
            fprintf(fp, "</td><td class=l>%s</td><td>%lld</td><td>%lld</td><td>",
                    json_string_value(json_object_get(l, "level")),
                    (long long)json_integer_value(json_object_get(l, "n")),
                    (long long)json_integer_value(json_object_get(l, "positives")));
            html_num(fp, json_object_get(l, "hit_rate"), 4);
            fputs("</td><td>", fp);
            html_num(fp, json_object_get(l, "lift"), 2);
            fputs("</td></tr>\n", fp);
        }
    }
    fputs("</table>\n", fp);
    /* binning */
    if (json_array_size(binning)) {
        fputs("<h2>评分卡分箱 scorecard binning (by IV)</h2>\n", fp);
        json_array_foreach(binning, i, mo)
        {
            fputs("<h3>", fp);
            html_text(fp, json_string_value(json_object_get(mo, "id")));
            fputs(" ", fp);
            html_text(fp, json_string_value(json_object_get(mo, "name")));
            fprintf(fp,
                    " — IV %.4f, coefficient %.4f</h3><table><tr><th>bin</th><th>rows</th>"
                    "<th>positives</th><th>WOE</th><th>risk points</th><th>PDO points</th></tr>\n",
                    json_real_value(json_object_get(mo, "iv")),
                    json_real_value(json_object_get(mo, "coefficient")));
            size_t k;
            json_t *b;
            json_array_foreach(json_object_get(mo, "bins"), k, b)
            {
                fputs("<tr><td class=l>", fp);
                html_text(fp, json_string_value(json_object_get(b, "bin")));
                fprintf(
                    fp,
                    "</td><td>%lld</td><td>%lld</td><td>%.4f</td><td>%.2f</td><td>%.1f</td></tr>\n",
                    (long long)json_integer_value(json_object_get(b, "n")),
                    (long long)json_integer_value(json_object_get(b, "positives")),
                    json_real_value(json_object_get(b, "woe")),
                    json_real_value(json_object_get(b, "points")),
                    json_real_value(json_object_get(b, "pdo_points")));
            }
            fputs("</table>\n", fp);
        }
    }
    fputs("<p>crisk learn; definitions: docs/learn.md</p></body></html>\n", fp);
    return ferror(fp);
}

static json_t *binning_json(const struct cr_scorecard *sc)
{
    json_t *a = json_array();
    /* by IV, largest first */
    size_t *ord = malloc((sc->n_feat + 1) * sizeof *ord);
    if (!ord)
        return a;
    for (size_t j = 0; j < sc->n_feat; j++)
        ord[j] = j;
    for (size_t i = 1; i < sc->n_feat; i++)
        for (size_t k = i; k > 0 && sc->f[ord[k]].iv > sc->f[ord[k - 1]].iv; k--) {
            size_t t = ord[k];
            ord[k] = ord[k - 1];
            ord[k - 1] = t;
        }
    for (size_t q = 0; q < sc->n_feat; q++) {
        const struct cr_sc_feature *f = &sc->f[ord[q]];
        json_t *bins = json_array();
        for (size_t b = 0; b < f->n_bins; b++) {
            const struct cr_sc_bin *x = &f->bins[b];
            char label[128];
            if (f->n_levels)
                snprintf(label, sizeof label, "%s",
                         b < f->n_levels    ? f->levels[b]
                         : b == f->n_levels ? "other"
                                            : "missing");
            else if (f->ind && f->ind->n_map)
                snprintf(label, sizeof label, "expert points %g", x->old_points);
            else if (f->has_missing_bin && b == f->n_bins - 1)
                snprintf(label, sizeof label, "missing");
            else
                snprintf(label, sizeof label, "[%g, %g)", x->lo, x->hi);
            json_array_append_new(bins, json_pack("{s:s,s:I,s:I,s:f,s:f,s:f}", "bin", label, "n",
                                                  (json_int_t)x->n, "positives", (json_int_t)x->bad,
                                                  "woe", x->woe, "points", x->points, "pdo_points",
                                                  x->pdo_points));
        }
        json_array_append_new(a, json_pack("{s:s,s:s,s:f,s:f,s:f,s:o}", "id", f->id, "name",
                                           f->name, "iv", f->iv, "coefficient", f->coef, "weight",
                                           f->range, "bins", bins));
    }
    free(ord);
    return a;
}

static int write_matrix(FILE *fp, const struct cr_learn_data *d)
{
    fputs("subject,y,fold", fp);
    for (size_t j = 0; j < d->p; j++) {
        fputc(',', fp);
        cli_csv_field(fp, d->name[j], strlen(d->name[j]), 0);
    }
    fputs("\ndirection,,", fp);
    for (size_t j = 0; j < d->p; j++)
        fprintf(fp, ",%+d", d->direction[j]);
    fputc('\n', fp);
    for (size_t i = 0; i < d->n; i++) {
        fprintf(fp, "%lld,%d,%d", (long long)d->subject[i], d->y[i], d->fold[i]);
        for (size_t j = 0; j < d->p; j++) {
            float v = d->x[i * d->p + j];
            if (isnan(v))
                fputc(',', fp);
            else
                fprintf(fp, ",%.9g", (double)v);
        }
        fputc('\n', fp);
    }
    return ferror(fp);
}

static int close_out(FILE *fp, const char *path)
{
    if (fclose(fp)) {
        fprintf(stderr, "crisk learn: cannot write %s: %s\n", path, strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* ---- crisk learn --psi RUN_A RUN_B: the stability of two stored classification runs ---- */

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

static const char *psi_reading(double psi)
{
    return !isfinite(psi) ? "none" : psi < 0.1 ? "stable" : psi <= 0.25 ? "watch" : "rebuild";
}

static int learn_psi(const char *db, const char *a_s, const char *b_s, const char *bins_s, int json)
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
    double psi_s = cr_learn_psi_table(r[0].score, r[0].n, r[1].score, r[1].n, (int)bins, tab);
    double psi_l = cr_learn_psi_levels(r[0].level, r[0].n, r[1].level, r[1].n);
    double lv[2][4] = {{0}};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < r[k].n; i++)
            if (r[k].level[i] >= 'A' && r[k].level[i] <= 'D')
                lv[k][r[k].level[i] - 'A'] += 1.0 / (double)r[k].n;
    char day[2][11];
    cr_day_format(as_of[0], day[0]);
    cr_day_format(as_of[1], day[1]);
    json_t *o =
        json_pack("{s:[{s:I,s:s,s:s,s:I},{s:I,s:s,s:s,s:I}],s:I,s:o,s:s,s:o,s:s}", "runs", "run",
                  (json_int_t)run[0], "as_of", day[0], "model_hash", hash[0], "firms",
                  (json_int_t)r[0].n, "run", (json_int_t)run[1], "as_of", day[1], "model_hash",
                  hash[1], "firms", (json_int_t)r[1].n, "bins", (json_int_t)bins, "psi_scores",
                  num(psi_s), "psi_scores_reading", psi_reading(psi_s), "psi_levels", num(psi_l),
                  "psi_levels_reading", psi_reading(psi_l));
    json_t *sb = json_array(), *lb = json_array();
    for (long long b = 0; b < bins; b++)
        json_array_append_new(sb,
                              json_pack("{s:o,s:o,s:I,s:I,s:o,s:o,s:o}", "lo", num(tab[b].lo), "hi",
                                        num(tab[b].hi), "expected", (json_int_t)tab[b].ne, "actual",
                                        (json_int_t)tab[b].na, "expected_share", num(tab[b].e),
                                        "actual_share", num(tab[b].a), "psi", num(tab[b].psi)));
    for (int l = 0; l < 4; l++) {
        double e = lv[0][l] < CR_PSI_FLOOR ? CR_PSI_FLOOR : lv[0][l];
        double a = lv[1][l] < CR_PSI_FLOOR ? CR_PSI_FLOOR : lv[1][l];
        json_array_append_new(lb, json_pack("{s:s#,s:o,s:o,s:o}", "level", "ABCD" + l, 1,
                                            "expected_share", num(lv[0][l]), "actual_share",
                                            num(lv[1][l]), "psi", num((a - e) * log(a / e))));
    }
    json_object_set_new(o, "score_bins", sb);
    json_object_set_new(o, "levels", lb);
    if (json) {
        exit_code = cli_json_print(o);
        goto out;
    }
    printf("PSI of run %lld (%s, %zu firms) against run %lld (%s, %zu firms); bins at run %lld's "
           "score %lld-quantiles\n",
           run[1], day[1], r[1].n, run[0], day[0], r[0].n, run[0], bins);
    printf("  scores  %.4f  %s\n  levels  %.4f  %s\n", psi_s, psi_reading(psi_s), psi_l,
           psi_reading(psi_l));
    printf("  %-22s %9s %9s %9s\n", "score bin", "expected", "actual", "psi");
    for (long long b = 0; b < bins; b++)
        printf("  [%8.3f, %8.3f)   %9.4f %9.4f %9.5f\n", tab[b].lo, tab[b].hi, tab[b].e, tab[b].a,
               tab[b].psi);
    for (int l = 0; l < 4; l++)
        printf("  level %c                %9.4f %9.4f\n", 'A' + l, lv[0][l], lv[1][l]);
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

int cmd_learn(int argc, char **argv)
{
    const char *db = NULL, *label_s = NULL, *as_of_s = NULL, *method = NULL, *out_s = NULL,
               *json = NULL, *model_s = NULL, *validation = NULL, *folds_s = NULL, *seed_s = NULL,
               *min_class_s = NULL, *binning = NULL, *penalty = NULL, *c_s = NULL, *matrix = NULL,
               *psi = NULL, *bins_s = NULL, *mbs_s = NULL, *eta_s = NULL, *pos[1] = {NULL};
    const struct cli_opt opts[] = {{"db", 1, &db},
                                   {"label", 1, &label_s},
                                   {"as-of", 1, &as_of_s},
                                   {"method", 1, &method},
                                   {"out", 1, &out_s},
                                   {"json", 0, &json},
                                   {"model", 1, &model_s},
                                   {"validation", 1, &validation},
                                   {"folds", 1, &folds_s},
                                   {"seed", 1, &seed_s},
                                   {"min-class", 1, &min_class_s},
                                   {"binning", 1, &binning},
                                   {"penalty", 1, &penalty},
                                   {"c", 1, &c_s},
                                   {"export-matrix", 1, &matrix},
                                   {"psi", 1, &psi},
                                   {"min-bin-share", 1, &mbs_s},
                                   {"eta", 1, &eta_s},
                                   {"bins", 1, &bins_s}};
    size_t n_pos;
    int prc =
        cli_parse("learn", argc, argv, opts, sizeof opts / sizeof *opts, pos, 1, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (psi) {
        if (n_pos != 1 || label_s) {
            fprintf(stderr, "crisk learn: --psi RUN_A RUN_B compares two runs (and takes no "
                            "--label)\n");
            return CLI_USAGE;
        }
        return learn_psi(db, psi, pos[0], bins_s, json != NULL);
    }
    if (n_pos || bins_s) {
        fprintf(stderr, "crisk learn: %s\n",
                n_pos ? "unexpected argument (a second run goes with --psi RUN_A RUN_B)"
                      : "--bins goes with --psi RUN_A RUN_B");
        return CLI_USAGE;
    }
    if (!label_s) {
        fprintf(stderr, "crisk learn: --label FILE is required (docs/learn.md \"Label files\")\n");
        return CLI_USAGE;
    }
    struct cr_learn_opts lo;
    cr_learn_opts_default(&lo);
    struct cr_scorecard_opts so;
    cr_scorecard_opts_default(&so);
    long long folds = lo.k, seed = (long long)lo.seed, min_class = 0;
    double cval = so.c, eta = 0;
    if ((prc = cli_int_opt("learn", "folds", folds_s, 2, 100, &folds)) ||
        (prc = cli_int_opt("learn", "seed", seed_s, 0, LLONG_MAX, &seed)) ||
        (prc = cli_int_opt("learn", "min-class", min_class_s, 1, 1000000000, &min_class)) ||
        (prc = cli_real_opt("learn", "c", c_s, 1e-9, 1e9, &cval)) ||
        (prc = cli_real_opt("learn", "min-bin-share", mbs_s, 0, 0.5, &so.min_bin_share)) ||
        (prc = cli_real_opt("learn", "eta", eta_s, 1e-6, 1, &eta)))
        return prc;
    lo.k = (int)folds;
    lo.seed = (uint64_t)seed;
    lo.min_class = (int)min_class;
    so.c = cval;
    int do_sc = 1, do_xgb = 0;
    if (method) {
        if (!strcmp(method, "scorecard"))
            do_sc = 1;
        else if (!strcmp(method, "xgboost"))
            do_sc = 0, do_xgb = 1;
        else if (!strcmp(method, "both"))
            do_xgb = 1;
        else {
            fprintf(stderr, "crisk learn: --method is scorecard, xgboost or both, not '%s'\n",
                    method);
            return CLI_USAGE;
        }
    }
    if (validation && strcmp(validation, "auto") && strcmp(validation, "kfold")) {
        fprintf(stderr, "crisk learn: --validation is auto or kfold, not '%s'\n", validation);
        return CLI_USAGE;
    }
    lo.validation = validation && !strcmp(validation, "kfold");
    if (binning && strcmp(binning, "model") && strcmp(binning, "monotone")) {
        fprintf(stderr, "crisk learn: --binning is model or monotone, not '%s'\n", binning);
        return CLI_USAGE;
    }
    so.monotone = binning && !strcmp(binning, "monotone");
    if (penalty && strcmp(penalty, "l1") && strcmp(penalty, "l2")) {
        fprintf(stderr, "crisk learn: --penalty is l2 or l1, not '%s'\n", penalty);
        return CLI_USAGE;
    }
    so.l1 = penalty && !strcmp(penalty, "l1");
    if (as_of_s) {
        cr_err drc = cr_date_parse(as_of_s, strlen(as_of_s), &lo.as_of);
        if (drc) {
            fprintf(stderr, "crisk learn: --as-of needs a date (YYYY-MM-DD), not '%s'\n", as_of_s);
            return CLI_USAGE;
        }
    }
    const char *out_dir = out_s ? out_s : "learn";
    const char *dbp = cli_db_path(db);
    if (matrix && (prc = cli_check_output("learn", "export-matrix", matrix, dbp)))
        return prc;

    cr_diag d = {{0}, {0}, 0, 0};
    struct cr_learn_label *label = NULL;
    cr_model *m = NULL;
    cr_store *s = NULL;
    struct cr_learn_data data = {0};
    struct cr_learn_info info = {0};
    struct cr_scorecard sc = {0};
    double *sc_pred = NULL, *sc_final = NULL;
    char *sc_level = NULL, *sc_text = NULL, *naive_level = NULL;
    double *xgb_pred = NULL;
    char *xgb_level = NULL, *xgb_text = NULL;
    struct cr_xgb_fit xfit = {0};
    uint8_t *test = NULL, *arm = NULL;
    json_t *rep = NULL, *rocs = NULL, *lifts = NULL, *binning_j = NULL;
    int exit_code = CLI_OK;
    double t_start = now_s();
    cr_err rc = cr_learn_label_load(label_s, &label, &d);
    /* A label file that cannot be read is bad input (exit 3) like one that is wrong. */
    int label_unread = rc == CR_EIO;
    if (!rc)
        rc = cr_store_open_readonly(dbp, &s, &d);
    if (!rc)
        rc = cli_champion_model(s, model_s, &m, &d);
    if (!rc) {
        cli_progress_start("learn");
        cr_progress("learn_data", 0);
        rc = cr_learn_data_build(s, m, label, &lo, &data, &info, &d);
        cli_progress_end();
    }
    double t_matrix = now_s() - t_start, t_sc = NAN, t_xgb = NAN;
    if (rc) {
        exit_code = label_unread ? (cli_report_diag("learn", rc, &d), CLI_BADINPUT)
                                 : cli_report_diag("learn", rc, &d);
        goto out;
    }
    if (mkdir(out_dir, 0777) && errno != EEXIST) {
        fprintf(stderr, "crisk learn: cannot create %s: %s\n", out_dir, strerror(errno));
        exit_code = CLI_FAIL;
        goto out;
    }
    if (matrix) {
        FILE *fp = cli_open_output("learn", "export-matrix", matrix, dbp, &prc);
        if (!fp) {
            exit_code = prc;
            goto out;
        }
        write_matrix(fp, &data);
        if ((exit_code = close_out(fp, matrix)))
            goto out;
    }
    size_t n = data.n;
    test = malloc(n + 1);
    sc_level = calloc(n + 1, 1);
    naive_level = calloc(n + 1, 1);
    if (!test || !sc_level || !naive_level) {
        fprintf(stderr, "crisk learn: out of memory\n");
        exit_code = CLI_FAIL;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        test[i] = !data.out_of_time || data.fold[i] == 1;
    double shares[4] = {0.40, 0.40, 0.15, 0.05};
    if (m->level_method == CR_LEVELS_SHARE)
        memcpy(shares, m->level_share, sizeof shares);

    struct entry ent[5];
    size_t n_ent = 0;
    char champ_name[300];
    snprintf(champ_name, sizeof champ_name, "%s v%d", m->id, m->version);
    /* the champion by its own method: data.expert_score is its scores as classify gives them
     * (a promoted tree or scorecard model included) */
    const char *champ_method = m->method == CR_METHOD_XGBOOST     ? "xgboost"
                               : m->method == CR_METHOD_SCORECARD ? "scorecard"
                                                                  : "expert";
    ent[n_ent++] = (struct entry){
        champ_name, champ_method, data.expert_score, data.expert_level, data.expert_score,
        "",         NULL};
    if (info.naive) {
        double *tmp = malloc((n + 1) * sizeof *tmp);
        if (tmp) { /* levels only on the test rows, each period alone */
            for (size_t i = 0; i < n; i++)
                tmp[i] = test[i] ? info.naive[i] : NAN;
            if (cr_learn_levels_by_share(tmp, n, shares, naive_level))
                memset(naive_level, 0, n);
        }
        free(tmp);
        ent[n_ent++] = (struct entry){"naive baseline", "baseline", info.naive, naive_level,
                                      info.naive,       "",         NULL};
    }
    cli_progress_start("learn"); /* the fits (errors below clear the line first) */
    if (do_sc) {
        cr_progress("scorecard", 0);
        sc_pred = malloc((n + 1) * sizeof *sc_pred);
        sc_final = malloc((n + 1) * sizeof *sc_final);
        if (!sc_pred || !sc_final) {
            rc = cr_diag_set(&d, CR_ENOMEM, NULL, 0, 0, "out of memory");
        } else {
            double t0 = now_s();
            rc = cr_scorecard_cv(m, &data, &so, sc_pred, &sc, &d);
            t_sc = now_s() - t0;
        }
        if (!rc && cr_learn_levels_by_share(sc_pred, n, shares, sc_level))
            rc = CR_ENOMEM;
        if (rc) {
            exit_code = cli_report_diag("learn", rc, &d);
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            sc_final[i] = cr_scorecard_score(&sc, data.x + i * data.p);
        char id[300], name[600], comment[1024], day[11];
        snprintf(id, sizeof id, "%s-scorecard", m->id);
        snprintf(name, sizeof name, "%s（评分卡，%s）", m->name, label->id);
        cr_day_format(info.as_of, day);
        snprintf(
            comment, sizeof comment,
            "# A scorecard trained by crisk learn on label %s as of %s (%s validation) over\n"
            "# the indicators of model %s v%d (%s): bins %s, WOE, logistic regression (%s,\n"
            "# C %g) on %zu rows with %zu positives. A challenger: `crisk model promote` makes\n"
            "# it the champion. docs/learn.md.\n",
            label->id, day, data.out_of_time ? "out-of-time" : "k-fold", m->id, m->version, m->hash,
            so.monotone ? "monotone" : "of the model", so.l1 ? "L1" : "L2", so.c, sc.n_train,
            sc.n_bad);
        if (cr_scorecard_model_text(m, &sc, id, name, comment, &sc_text)) {
            fprintf(stderr, "crisk learn: out of memory\n");
            exit_code = CLI_FAIL;
            goto out;
        }
        struct entry e = {"scorecard", "scorecard", sc_pred, sc_level, sc_final, "", NULL};
        snprintf(e.file, sizeof e.file, "%s/%s.yaml", out_dir, id);
        FILE *fp = cli_open_output("learn", "out", e.file, dbp, &prc);
        if (!fp) {
            exit_code = prc;
            goto out;
        }
        fputs(sc_text, fp);
        if ((exit_code = close_out(fp, e.file)))
            goto out;
        /* the file must load as a model: else it is a bug, not a challenger */
        cr_model *chk = NULL;
        if ((rc = cr_model_load(e.file, &chk, &d))) {
            exit_code = cli_report_diag("learn", rc, &d);
            goto out;
        }
        e.extra = json_pack("{s:s,s:s}", "model_id", chk->id, "hash", chk->hash);
        cr_model_free(chk);
        ent[n_ent++] = e;
        binning_j = binning_json(&sc);
    }

    if (do_xgb) {
        cr_progress("xgboost", 0);
        struct cr_xgb_params xp;
        cr_xgb_params_default(&xp);
        xp.seed = lo.seed;
        if (eta_s)
            xp.eta = eta;
        xgb_pred = malloc((n + 1) * sizeof *xgb_pred);
        xgb_level = calloc(n + 1, 1);
        if (!xgb_pred || !xgb_level)
            rc = cr_diag_set(&d, CR_ENOMEM, NULL, 0, 0, "out of memory");
        if (!rc) {
            double t0 = now_s();
            rc = cr_learn_xgb_fit(&data, &xp, &xfit, &d);
            t_xgb = now_s() - t0;
        }
        char id[300], name[600];
        snprintf(id, sizeof id, "%s-xgboost", m->id);
        snprintf(name, sizeof name, "%s（梯度提升树，%s）", m->name, label->id);
        if (!rc)
            rc = cr_learn_xgb_model_text(m, id, name, &data, &xfit, &xgb_text, &d);
        for (size_t i = 0; !rc && i < n; i++)
            xgb_pred[i] = 100 * xfit.pred[i];
        if (!rc && cr_learn_levels_by_share(xgb_pred, n, shares, xgb_level))
            rc = cr_diag_set(&d, CR_ENOMEM, NULL, 0, 0, "out of memory");
        if (rc) {
            exit_code = cli_report_diag("learn", rc, &d);
            goto out;
        }
        struct entry e = {"xgboost", "xgboost", xgb_pred, xgb_level, NULL, "", NULL};
        snprintf(e.file, sizeof e.file, "%s/%s.yaml", out_dir, id);
        FILE *fp = cli_open_output("learn", "out", e.file, dbp, &prc);
        if (!fp) {
            exit_code = prc;
            goto out;
        }
        fputs(xgb_text, fp);
        if ((exit_code = close_out(fp, e.file)))
            goto out;
        cr_model *chk = NULL;
        if ((rc = cr_model_load(e.file, &chk, &d))) {
            exit_code = cli_report_diag("learn", rc, &d);
            goto out;
        }
        e.extra = json_pack("{s:s,s:s,s:i}", "model_id", chk->id, "hash", chk->hash, "trees",
                            xfit.rounds);
        cr_model_free(chk);
        ent[n_ent++] = e;
    }

    cli_progress_end();
    /* ---- the report ---- */
    char day[11], tday[11];
    cr_day_format(info.as_of, day);
    cr_day_format(info.train_as_of, tday);
    rep = json_pack("{s:s,s:I,s:I,s:s,s:s}", "label", label->id, "positives",
                    (json_int_t)info.test_positives, "negatives", (json_int_t)info.test_negatives,
                    "validation", data.out_of_time ? "out_of_time" : "kfold", "as_of", day);
    if (data.out_of_time)
        json_object_set_new(rep, "train",
                            json_pack("{s:s,s:I,s:I}", "as_of", tday, "positives",
                                      (json_int_t)(info.positives - info.test_positives),
                                      "negatives",
                                      (json_int_t)(info.negatives - info.test_negatives)));
    else
        json_object_set_new(rep, "folds", json_integer(data.k));
    json_object_set_new(rep, "features",
                        json_pack("{s:I,s:I}", "indicators", (json_int_t)info.n_indicator_features,
                                  "attributes", (json_int_t)info.n_attr_features));
    json_object_set_new(rep, "left_out", json_integer((json_int_t)info.left_out));
    /* Wall seconds of the stages (bench/learn_full.sh): the matrix (store read, indicators,
     * champion), the scorecard's folds and final fit, the trees' folds and final fit. */
    json_object_set_new(rep, "seconds",
                        json_pack("{s:o,s:o,s:o}", "matrix", num(t_matrix), "scorecard", num(t_sc),
                                  "xgboost", num(t_xgb)));
    json_object_set_new(
        rep, "champion",
        json_pack("{s:s,s:i,s:s}", "id", m->id, "version", m->version, "hash", m->hash));
    json_t *models = json_array();
    json_t *arm_models = json_array();
    size_t arm_rows = 0;
    if (data.y_random && (arm = calloc(n + 1, 1)))
        for (size_t i = 0; i < n; i++)
            arm_rows += arm[i] = test[i] && data.y_random[i] >= 0;
    rocs = json_array();
    lifts = json_array();
    for (size_t k = 0; k < n_ent; k++) {
        json_t *roc = NULL, *lift = NULL;
        json_t *o =
            evaluate(&data, test, NULL, 0, &ent[k], k ? data.expert_level : NULL, &roc, &lift);
        if (o && arm_rows)
            json_array_append_new(
                arm_models, evaluate(&data, arm, data.y_random, 1, &ent[k], NULL, NULL, NULL));
        json_decref(ent[k].extra);
        if (!o) {
            fprintf(stderr, "crisk learn: out of memory\n");
            exit_code = CLI_FAIL;
            json_decref(models);
            json_decref(arm_models);
            goto out;
        }
        json_array_append_new(models, o);
        json_array_append_new(rocs, roc);
        json_array_append_new(lifts, lift);
    }
    json_object_set_new(rep, "models", models);
    /* Inspections labels: the same metrics on the random-arm inspections alone (the targeted
     * and triggered arms are a selected sample; DOMAIN.md §12). */
    if (data.y_random)
        json_object_set_new(rep, "random_arm",
                            json_pack("{s:I,s:I,s:o}", "positives",
                                      (json_int_t)info.random_positives, "negatives",
                                      (json_int_t)info.random_negatives, "models", arm_models));
    else
        json_decref(arm_models);
    arm_models = NULL;
    {
        char path[1100];
        snprintf(path, sizeof path, "%s/scores.csv", out_dir);
        FILE *fp = cli_open_output("learn", "out", path, dbp, &prc);
        if (!fp) {
            exit_code = prc;
            goto out;
        }
        fputs("subject,fold,y", fp);
        /* a promoted challenger's column is "champion" (a challenger of its method may follow) */
        for (size_t k = 0; k < n_ent; k++)
            fprintf(fp, ",%s",
                    k == 0 && m->method != CR_METHOD_EXPERT ? "champion" : ent[k].method);
        fputc('\n', fp);
        for (size_t i = 0; i < n; i++) {
            fprintf(fp, "%lld,%d,%d", (long long)data.subject[i], data.fold[i], data.y[i]);
            for (size_t k = 0; k < n_ent; k++)
                if (isnan(ent[k].score[i]))
                    fputc(',', fp);
                else
                    fprintf(fp, ",%.17g", ent[k].score[i]);
            fputc('\n', fp);
        }
        if ((exit_code = close_out(fp, path)))
            goto out;
        snprintf(path, sizeof path, "%s/report.json", out_dir);
        if (!(fp = cli_open_output("learn", "out", path, dbp, &prc))) {
            exit_code = prc;
            goto out;
        }
        json_t *full = json_deep_copy(rep);
        if (binning_j)
            json_object_set(full, "scorecard_binning", binning_j);
        json_dumpf(full, fp, JSON_INDENT(1));
        fputc('\n', fp);
        json_decref(full);
        if ((exit_code = close_out(fp, path)))
            goto out;
        snprintf(path, sizeof path, "%s/report.html", out_dir);
        if (!(fp = cli_open_output("learn", "out", path, dbp, &prc))) {
            exit_code = prc;
            goto out;
        }
        write_html(fp, rep, rocs, lifts, binning_j);
        if ((exit_code = close_out(fp, path)))
            goto out;
    }
    if (json) {
        exit_code = cli_json_print(rep);
        rep = NULL;
    } else {
        printf("label %s as of %s: %zu positives, %zu negatives (%s", label->id, day,
               info.test_positives, info.test_negatives,
               data.out_of_time ? "out of time: trained as of " : "k-fold");
        if (data.out_of_time)
            printf("%s", tday);
        printf(")\n");
        size_t k;
        json_t *o;
        json_array_foreach(json_object_get(rep, "models"), k, o)
        {
            json_t *auc = json_object_get(o, "auc"), *ks = json_object_get(o, "ks");
            printf("  %-28s %-9s AUC %.4f  KS %.4f\n",
                   json_string_value(json_object_get(o, "name")),
                   json_string_value(json_object_get(o, "method")),
                   json_is_number(auc) ? json_number_value(auc) : NAN,
                   json_is_number(ks) ? json_number_value(ks) : NAN);
        }
        json_t *ra = json_object_get(rep, "random_arm");
        if (ra) {
            printf("random-arm inspections alone: %lld positives, %lld negatives\n",
                   (long long)json_integer_value(json_object_get(ra, "positives")),
                   (long long)json_integer_value(json_object_get(ra, "negatives")));
            json_array_foreach(json_object_get(ra, "models"), k, o)
            {
                json_t *auc = json_object_get(o, "auc");
                printf("  %-28s %-9s AUC %.4f\n", json_string_value(json_object_get(o, "name")),
                       json_string_value(json_object_get(o, "method")),
                       json_is_number(auc) ? json_number_value(auc) : NAN);
            }
        }
        printf("report: %s/report.html, %s/report.json\n", out_dir, out_dir);
    }
out:
    json_decref(rep);
    json_decref(rocs);
    json_decref(lifts);
    json_decref(binning_j);
    free(test);
    free(arm);
    free(sc_pred);
    free(sc_final);
    free(sc_level);
    free(naive_level);
    free(sc_text);
    free(xgb_pred);
    free(xgb_level);
    free(xgb_text);
    cr_xgb_fit_free(&xfit);
    cr_scorecard_free(&sc);
    cr_learn_info_free(&info);
    cr_learn_data_free(&data);
    cr_learn_label_free(label);
    cr_model_free(m);
    cr_store_close(s);
    return exit_code;
}
