/* crisk learn's report: the metrics of each model, the HTML page, the binning tables and the
 * matrix export (docs/learn.md). */
/* realpath (--out through a symbolic link) is an XSI extension, hidden by _POSIX_C_SOURCE alone. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "crisk/learn.h"
#include "learn.h"

json_t *cli_learn_num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The metrics of model e on the rows with test[i] (and a score), against the label ylab (NULL:
 * d->y). brief: only the ranking, level and calibration metrics (the random arm's). */
json_t *cli_learn_evaluate(const struct cr_learn_data *d, const uint8_t *test, const int8_t *ylab,
                           int brief, const struct cli_learn_entry *e, const char *champion_level,
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
    double auc = NAN, ks = NAN;
    int oom = cr_learn_auc_ks(s, y, m, &auc, &ks) != CR_OK;
    json_object_set_new(o, "name", json_string(e->name));
    json_object_set_new(o, "method", json_string(e->method));
    json_object_set_new(o, "rows", json_integer((json_int_t)m));
    if (brief) {
        size_t np = 0;
        for (size_t i = 0; i < m; i++)
            np += y[i] == 1;
        json_object_set_new(o, "positives", json_integer((json_int_t)np));
    }
    json_object_set_new(o, "auc", cli_learn_num(auc));
    json_object_set_new(o, "ks", cli_learn_num(ks));
    json_object_set_new(o, "gini", cli_learn_num(2 * auc - 1));
    /* the three lifts, then the curve at 5 %, 10 %, ... 100 % (one sort) */
    double qs[23] = {0.05, 0.10, 0.20}, lifts[23];
    for (int q = 1; q <= 20; q++)
        qs[2 + q] = q / 20.0;
    int lifts_oom = cr_learn_lifts(s, y, m, qs, 23, lifts) != CR_OK;
    oom |= lifts_oom;
    for (int q = 0; lifts_oom && q < 23; q++)
        lifts[q] = NAN;
    json_object_set_new(o, "lift_top5", cli_learn_num(lifts[0]));
    json_object_set_new(o, "lift_top10", cli_learn_num(lifts[1]));
    json_object_set_new(o, "lift_top20", cli_learn_num(lifts[2]));
    if (e->level) {
        struct cr_learn_level_stat st[4];
        cr_learn_level_stats(lv, y, m, st);
        json_t *a = json_array();
        for (int l = 0; l < 4; l++)
            json_array_append_new(
                a, json_pack("{s:s#,s:I,s:I,s:o,s:o}", "level", "ABCD" + l, 1, "n",
                             (json_int_t)st[l].n, "positives", (json_int_t)st[l].pos, "hit_rate",
                             cli_learn_num(st[l].hit), "lift", cli_learn_num(st[l].lift)));
        json_object_set_new(o, "levels", a);
        if (champion_level && !brief)
            json_object_set_new(o, "psi_levels_vs_champion",
                                cli_learn_num(cr_learn_psi_levels(cl, m, lv, m)));
    }
    struct cr_learn_calib cal[10];
    if (cr_learn_calibration(s, y, m, 10, cal))
        oom = 1;
    else {
        json_t *a = json_array();
        for (int b = 0; b < 10; b++)
            json_array_append_new(a, json_pack("{s:I,s:o,s:o}", "n", (json_int_t)cal[b].n,
                                               "mean_score", cli_learn_num(cal[b].mean_score),
                                               "hit_rate", cli_learn_num(cal[b].hit)));
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
        double psi = NAN;
        if (!a || !b || cr_learn_psi_scores(a, na, b, nb, 10, &psi))
            oom = 1;
        else
            json_object_set_new(o, "psi_scores_train_to_test", cli_learn_num(psi));
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
                                     cli_learn_num(ds[k].hit), "false_positive_rate",
                                     cli_learn_num(ds[k].fpr)));
                json_object_set_new(o, "districts",
                                    json_pack("{s:s,s:o,s:o,s:o}", "flagged_levels", "CD",
                                              "hit_rate_best_to_worst", cli_learn_num(hr),
                                              "fpr_worst_to_best", cli_learn_num(fr), "by_district",
                                              a));
            }
            oom |= !full;
            free(full);
        }
        oom |= !ds;
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
            json_array_append_new(a, cli_learn_num(lifts[2 + q]));
        *lift_out = a;
    }
    if (e->file[0] && !brief)
        json_object_set_new(o, "file", json_string(e->file));
    if (e->extra && !brief)
        json_object_update(o, e->extra);
    free(s), free(y), free(lv), free(cl);
    if (oom) { /* a metric left out would read as "not defined": the report fails instead */
        json_decref(o);
        if (roc_out) {
            json_decref(*roc_out);
            *roc_out = NULL;
        }
        if (lift_out) {
            json_decref(*lift_out);
            *lift_out = NULL;
        }
        return NULL;
    }
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

int cli_learn_write_html(FILE *fp, json_t *rep, json_t *rocs, json_t *lifts, json_t *binning)
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

json_t *cli_learn_binning_json(const struct cr_scorecard *sc)
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

int cli_learn_write_matrix(FILE *fp, const struct cr_learn_data *d)
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

int cli_learn_close(FILE *fp, const char *path)
{
    if (fclose(fp)) {
        fprintf(stderr, "crisk learn: cannot write %s: %s\n", path, strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* ---- the report folder (--out DIR), written whole or not at all ---- */

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) || stat(b, &sb))
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cli_learn_out_check(const struct cli_learn_out *o, const char *db)
{
    struct stat st;
    if (stat(o->dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        fprintf(stderr,
                "crisk learn: --out %s is not a folder: the report's files (model files, "
                "report.json, report.html, scores.csv) go into a folder; give a folder's name\n",
                o->dir);
        return CLI_USAGE;
    }
    /* The files SQLite and crisk keep beside a store: writing any of them loses the store. */
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal", ".lock", ".cols"};
    for (size_t i = 0; i < o->n; i++) {
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", o->dir, o->names[i]) >= (int)sizeof path) {
            fprintf(stderr, "crisk learn: --out %s: the folder's name is too long\n", o->dir);
            return CLI_USAGE;
        }
        if (lstat(path, &st) != 0)
            continue; /* a new file */
        if (S_ISLNK(st.st_mode)) {
            fprintf(stderr,
                    "crisk learn: --out %s: %s is a symbolic link, and an output file is never "
                    "written through one (remove it or give another folder)\n",
                    o->dir, path);
            return CLI_USAGE;
        }
        for (size_t k = 0; k < sizeof suffix / sizeof *suffix; k++) {
            char p[PATH_MAX + 16];
            snprintf(p, sizeof p, "%s%s", db, suffix[k]);
            if (same_file(path, p)) {
                fprintf(stderr,
                        "crisk learn: --out %s would write %s, which is the %s%s of the store "
                        "(--db %s): refusing to write over it (give another folder)\n",
                        o->dir, path, *suffix[k] ? suffix[k] : "file", *suffix[k] ? " file" : "",
                        db);
                return CLI_USAGE;
            }
        }
        if (!S_ISREG(st.st_mode)) {
            fprintf(stderr,
                    "crisk learn: --out %s: %s is not a regular file, and the run's file of that "
                    "name would replace it (remove it or give another folder)\n",
                    o->dir, path);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

/* parent and base of path (trailing slashes ignored): "" and -1 when too long */
static int split_path(const char *path, char *parent, char *base, size_t cap)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    if (len >= cap)
        return -1;
    memcpy(parent, path, len);
    parent[len] = 0;
    char *slash = strrchr(parent, '/');
    if (slash) {
        snprintf(base, cap, "%s", slash + 1);
        if (slash == parent)
            slash[1] = 0;
        else
            *slash = 0;
    } else {
        snprintf(base, cap, "%s", parent);
        snprintf(parent, cap, ".");
    }
    return 0;
}

int cli_learn_out_begin(struct cli_learn_out *o)
{
    /* beside DIR (the same file system, so that the folder moves in by rename); when DIR is a
     * symbolic link, beside the folder it names (a rename across file systems fails: EXDEV) */
    struct stat st;
    snprintf(o->real, sizeof o->real, "%s", o->dir);
    if (lstat(o->dir, &st) == 0 && S_ISLNK(st.st_mode) && !realpath(o->dir, o->real)) {
        fprintf(stderr, "crisk learn: --out %s is a symbolic link to no folder: %s\n", o->dir,
                strerror(errno));
        o->real[0] = 0;
        return CLI_USAGE;
    }
    char parent[PATH_MAX], base[PATH_MAX];
    size_t len = strlen(o->real);
    while (len > 1 && o->real[len - 1] == '/')
        len--;
    if (len >= sizeof parent) {
        fprintf(stderr, "crisk learn: --out %s: the folder's name is too long\n", o->dir);
        return CLI_USAGE;
    }
    memcpy(parent, o->real, len);
    parent[len] = 0;
    char *slash = strrchr(parent, '/');
    if (slash) {
        snprintf(base, sizeof base, "%s", slash + 1);
        if (slash == parent)
            slash[1] = 0;
        else
            *slash = 0;
    } else {
        snprintf(base, sizeof base, "%s", parent);
        snprintf(parent, sizeof parent, ".");
    }
    if (snprintf(o->tmp, sizeof o->tmp, "%s/.%s.tmp-XXXXXX", parent, base) >= (int)sizeof o->tmp) {
        o->tmp[0] = 0;
        fprintf(stderr, "crisk learn: --out %s: the folder's name is too long\n", o->dir);
        return CLI_USAGE;
    }
    if (!mkdtemp(o->tmp)) {
        fprintf(stderr, "crisk learn: --out %s: cannot create a temporary folder beside it: %s\n",
                o->dir, strerror(errno));
        o->tmp[0] = 0;
        return CLI_FAIL;
    }
    /* mkdtemp makes it 0700; the folder it becomes is the user's like any other (umask) */
    mode_t um = umask(0);
    umask(um);
    (void)chmod(o->tmp, 0777 & ~um);
    return CLI_OK;
}

void cli_learn_out_path(const struct cli_learn_out *o, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", o->tmp, name);
}

/* Removes the files of folder dir (the run's own temporary folder, or DIR's old copy whose
 * files are the run's old ones or links kept in the new DIR) and the folder. */
static void remove_files(const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[PATH_MAX + 300];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        (void)unlink(p);
    }
    if (dp)
        closedir(dp);
    (void)rmdir(dir);
}

void cli_learn_out_abort(struct cli_learn_out *o)
{
    if (!o->tmp[0])
        return;
    remove_files(o->tmp);
    o->tmp[0] = 0;
}

static int is_run_name(const struct cli_learn_out *o, const char *name)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->names[i], name) == 0)
            return 1;
    return 0;
}

/* DIR exists: its other files are hard-linked into the temporary folder, DIR is moved aside
 * (.DIR.old-XXXXXX), the temporary folder renamed to DIR, the old one removed. Returns CLI_OK,
 * CLI_FAIL (said why; DIR as it was), or -1 when this cannot be done (DIR holds a subfolder or
 * another non-regular entry, a link fails, DIR cannot be moved): then the caller moves the
 * files in one by one. */
static int replace_whole(struct cli_learn_out *o, const struct stat *dst)
{
    struct stat cwd;
    if (stat(".", &cwd) == 0 && cwd.st_dev == dst->st_dev && cwd.st_ino == dst->st_ino)
        return -1; /* the working folder (--out .): relative names must keep meaning it */
    DIR *dp = opendir(o->real);
    if (!dp)
        return -1;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(dp))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            is_run_name(o, e->d_name))
            continue;
        char from[PATH_MAX + 300], to[PATH_MAX + 300];
        struct stat st;
        snprintf(from, sizeof from, "%s/%s", o->real, e->d_name);
        snprintf(to, sizeof to, "%s/%s", o->tmp, e->d_name);
        if (lstat(from, &st) != 0 || !S_ISREG(st.st_mode) || link(from, to) != 0)
            rc = -1;
    }
    closedir(dp);
    char parent[PATH_MAX], base[PATH_MAX], aside[PATH_MAX + 300];
    if (!rc && split_path(o->real, parent, base, sizeof parent))
        rc = -1;
    if (!rc)
        snprintf(aside, sizeof aside, "%s/.%s.old-XXXXXX", parent, base);
    if (!rc && !mkdtemp(aside))
        rc = -1;
    (void)chmod(o->tmp, dst->st_mode & 07777); /* DIR keeps its mode */
    if (!rc && rename(o->real, aside) != 0) {  /* over the empty folder mkdtemp made */
        (void)rmdir(aside);
        rc = -1;
    }
    if (rc) { /* the links leave the temporary folder; the run's files stay in it */
        dp = opendir(o->tmp);
        while (dp && (e = readdir(dp)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !is_run_name(o, e->d_name)) {
                char p[PATH_MAX + 300];
                snprintf(p, sizeof p, "%s/%s", o->tmp, e->d_name);
                (void)unlink(p);
            }
        if (dp)
            closedir(dp);
        return -1;
    }
    if (rename(o->tmp, o->real) != 0) {
        int err = errno;
        if (rename(aside, o->real) != 0)
            fprintf(stderr, "crisk learn: --out %s: its old files are in %s\n", o->dir, aside);
        fprintf(stderr, "crisk learn: --out %s: cannot rename the new folder into place: %s\n",
                o->dir, strerror(err));
        return CLI_FAIL;
    }
    o->tmp[0] = 0;
    /* The old folder holds the run's old files and links to the files now in DIR; anything else
     * (made in DIR during the swap) goes back into DIR, or stays in the old folder, named. */
    dp = opendir(aside);
    int kept = 0;
    while (dp && (e = readdir(dp))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char a[PATH_MAX + 600], n[PATH_MAX + 300];
        struct stat sa, sn;
        snprintf(a, sizeof a, "%s/%s", aside, e->d_name);
        snprintf(n, sizeof n, "%s/%s", o->real, e->d_name);
        if (is_run_name(o, e->d_name) || (lstat(a, &sa) == 0 && lstat(n, &sn) == 0 &&
                                          sa.st_ino == sn.st_ino && sa.st_dev == sn.st_dev))
            (void)unlink(a);
        else if (lstat(n, &sn) != 0 && rename(a, n) == 0)
            ;
        else
            kept = 1;
    }
    if (dp)
        closedir(dp);
    if (kept)
        fprintf(stderr, "crisk learn: --out %s: files made in it during the run are in %s\n",
                o->dir, aside);
    else
        (void)rmdir(aside);
    return CLI_OK;
}

int cli_learn_out_commit(struct cli_learn_out *o, const char *db)
{
    int rc = cli_learn_out_check(o, db); /* again: the folder may have changed during the run */
    struct stat st;
    if (!rc && lstat(o->real, &st) != 0 && errno == ENOENT) {
        if (rename(o->tmp, o->real) == 0) {
            o->tmp[0] = 0;
            return CLI_OK;
        }
        /* another process made it meanwhile: move the files in one by one */
    } else if (!rc && S_ISDIR(st.st_mode)) {
        int w = replace_whole(o, &st);
        if (w >= 0)
            return w;
    }
    for (size_t i = 0; !rc && i < o->n; i++) {
        char from[PATH_MAX + 300], to[PATH_MAX + 300];
        snprintf(from, sizeof from, "%s/%s", o->tmp, o->names[i]);
        snprintf(to, sizeof to, "%s/%s", o->real, o->names[i]);
        if (rename(from, to) != 0) {
            fprintf(stderr, "crisk learn: --out %s: cannot move %s into it: %s\n", o->dir,
                    o->names[i], strerror(errno));
            rc = CLI_FAIL;
        }
    }
    cli_learn_out_abort(o);
    return rc;
}
