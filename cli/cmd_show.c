/* crisk show: the portrait of one enterprise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crisk/booster.h"
#include "crisk/classify.h"
#include "crisk/escape.h"
#include "crisk/model.h"
#include "crisk/ref.h"
#include "crisk/respond.h"
#include "crisk/store.h"
#include "crisk/text.h"
#include "crisk/uscc.h"

static const char help[] =
    "usage: crisk show [--db FILE] [--model FILE] [--events N] [--json] USCC\n"
    "\n"
    "The portrait of one enterprise: registry data; level and score of the latest run with the\n"
    "aspect and category breakdown and every indicator's value, points and share (the shares sum\n"
    "to the score); level history; recent events by department; the persons behind the firm\n"
    "(names masked) and the other firms they and its address are linked to; the monitor's\n"
    "warnings that name the firm and their tasks with each step (docs/respond.md).\n"
    "For a tree model's run: each feature's SHAP contribution and share; the base plus the shares\n"
    "is the score (docs/learn-trees.md).\n"
    "The breakdown uses the model the run used, as recorded with the run; --model FILE is only\n"
    "needed for a run recorded before the store kept model texts (it must be that model).\n"
    "A key of a department's own (e.g. cumcm:E1) is accepted as well as a USCC.\n";

cr_err cli_run_model(cr_store *s, int64_t run, const char *file, cr_model **out, cr_diag *d)
{
    char hash[17] = "";
    char *text = NULL;
    size_t len = 0;
    cr_err rc = cr_store_run_model(s, run, hash, &text, &len);
    if (rc)
        return cr_diag_set(d, rc == CR_ENOTFOUND ? CR_EINVAL : rc, NULL, 0, 0,
                           rc == CR_ENOTFOUND ? "run %lld does not exist"
                                              : "cannot read the model of run %lld",
                           (long long)run);
    cr_model *m = NULL;
    if (text) {
        char name[64];
        snprintf(name, sizeof name, "the model of run %lld", (long long)run);
        rc = cr_model_load_text(name, text, len, &m, d);
        free(text);
        if (rc)
            return rc;
        if (file) {
            cr_model *given = NULL;
            rc = cr_model_load(file, &given, d);
            int other = !rc && strcmp(given->hash, m->hash) != 0;
            cr_model_free(given);
            if (rc || other) {
                cr_model_free(m);
                return rc ? rc
                          : cr_diag_set(d, CR_EINVAL, file, 0, 0,
                                        "run %lld used model %s (kept in the store), not this "
                                        "one: leave out --model",
                                        (long long)run, hash);
            }
        }
        *out = m;
        return CR_OK;
    }
    /* A run recorded before stores kept model texts: the file given, or the default, when it
     * is the very model the run used. */
    const char *path = file ? file : cli_default_model();
    if ((rc = cr_model_load(path, &m, d)))
        return rc;
    if (strcmp(m->hash, hash) != 0) {
        cr_model_free(m);
        return cr_diag_set(d, CR_ENOTFOUND, path, 0, 0,
                           "run %lld used model %s, which the store does not keep (recorded "
                           "before schema 4) and this file is not; give it with --model",
                           (long long)run, hash);
    }
    *out = m;
    return CR_OK;
}

/* A booster's refusal names the model file it came from. */
static cr_err named(cr_err rc, const cr_model *m, cr_diag *d)
{
    if (rc && rc != CR_ENOMEM && !d->file[0] && m->path)
        snprintf(d->file, sizeof d->file, "%s", m->path);
    return rc;
}

/* The text an indicator's value is for the portrait: an attribute's own text, or the firm's
 * industry code, type or status for a registry map; NULL for the others (and when absent). */
static const char *registry_text(const struct cr_indicator *ind, const struct cr_city *c, size_t e)
{
    if (ind->input == CR_IN_ATTR)
        return ind->attr_index < c->n_attr ? c->attr_text[e * c->n_attr + ind->attr_index] : NULL;
    if (ind->input != CR_IN_REGISTRY)
        return NULL;
    switch (ind->field) {
    case CR_REG_INDUSTRY:
        return c->industry ? c->industry[e] : NULL;
    case CR_REG_TYPE:
        return c->type ? c->type[e] : NULL;
    case CR_REG_STATUS:
        return c->status ? c->status[e] : NULL;
    default:
        return NULL;
    }
}

/* Explanation of the latest run: each indicator recomputed from the neighbourhood. */
static json_t *explain(cr_store *s, const cr_model *m, int64_t subject, int32_t as_of,
                       double *score_out, cr_diag *d)
{
    struct cr_city c;
    size_t e0 = 0;
    if (cr_city_load_around(s, m, subject, &c, &e0, d))
        return NULL;
    size_t n = m->n_indicators;
    double *v = calloc(n, sizeof *v), *p = calloc(n, sizeof *p), *sh = calloc(n, sizeof *sh);
    json_t *aspects = NULL;
    if (v && p && sh && cr_classify_explain(m, &c, as_of, e0, v, p, sh) == CR_OK) {
        aspects = json_array();
        size_t k = 0;
        double total = 0;
        for (size_t a = 0; a < m->n_aspects; a++) {
            const struct cr_aspect *as = &m->aspects[a];
            json_t *cats = json_array();
            double asum = 0;
            for (size_t ci = 0; ci < as->n_categories; ci++) {
                const struct cr_category *cat = &as->categories[ci];
                json_t *inds = json_array();
                double csum = 0;
                for (size_t i = 0; i < cat->n_indicators; i++, k++) {
                    const struct cr_indicator *ind = &cat->indicators[i];
                    /* an attribute indicator shows the attribute's own value (text), a
                     * registry map (industry, type, status) the firm's text it matched */
                    int textual = ind->input == CR_IN_ATTR ||
                                  (ind->input == CR_IN_REGISTRY &&
                                   (ind->field == CR_REG_INDUSTRY || ind->field == CR_REG_TYPE ||
                                    ind->field == CR_REG_STATUS));
                    const char *at = registry_text(ind, &c, e0);
                    json_t *val = at && *at     ? json_string(at)
                                  : textual     ? json_null()
                                  : isnan(v[k]) ? json_null()
                                                : json_real(v[k]);
                    json_array_append_new(inds, json_pack("{s:s,s:s,s:o,s:f,s:f}", "id", ind->id,
                                                          "name", ind->name, "value", val, "points",
                                                          p[k], "share", sh[k]));
                    csum += sh[k];
                }
                json_array_append_new(cats,
                                      json_pack("{s:s,s:s,s:f,s:o}", "id", cat->id, "name",
                                                cat->name, "share", csum, "indicators", inds));
                asum += csum;
            }
            json_array_append_new(aspects, json_pack("{s:s,s:s,s:f,s:o}", "id", as->id, "name",
                                                     as->name, "share", asum, "categories", cats));
            total += asum;
        }
        *score_out = total;
    }
    free(v);
    free(p);
    free(sh);
    cr_city_free(&c);
    return aspects;
}

/* The same for a tree model (method: xgboost): each feature's value, its SHAP contribution φ
 * (margin space, as "points") and its share of the score (cr_xgb_shares), grouped under the
 * model's aspects and categories; attribute features under 登记属性. The shares and the base
 * (*base_out, the score of a firm about which nothing is known) add up to the score. */
static json_t *explain_trees(cr_store *s, const cr_model *m, int64_t subject, int32_t as_of,
                             double *score_out, double *base_out, cr_diag *d)
{
    struct cr_city c;
    size_t e0 = 0, p = m->n_features;
    if (cr_city_load_around(s, m, subject, &c, &e0, d))
        return NULL;
    char **attrs = NULL;
    float *x = NULL, *contrib = malloc((c.n * (p + 1) + 1) * sizeof *contrib);
    double *prob = malloc((c.n + 1) * sizeof *prob), *sh = malloc((p + 1) * sizeof *sh);
    json_t *aspects = NULL;
    if (contrib && prob && sh && !cli_tree_attrs(s, m, &c, &attrs, d) &&
        !cr_xgb_features(m, &c, as_of, (const char *const *)attrs, &x, d) &&
        !named(cr_learn_xgb_predict(m->booster, x, c.n, p, 1, prob, contrib, d), m, d)) {
        const float *phi = contrib + e0 * (p + 1);
        const float *xv = x + e0 * p;
        *score_out = cr_xgb_shares(phi, p, 100.0 * prob[e0], sh, base_out);
        aspects = json_array();
        int *done = calloc(p + 1, sizeof *done);
        for (size_t a = 0; done && a <= m->n_aspects; a++) {
            const struct cr_aspect *as = a < m->n_aspects ? &m->aspects[a] : NULL;
            json_t *cats = json_array();
            double asum = 0;
            for (size_t ci = 0; ci < (as ? as->n_categories : 1); ci++) {
                const struct cr_category *cat = as ? &as->categories[ci] : NULL;
                json_t *inds = json_array();
                double csum = 0;
                for (size_t j = 0; j < p; j++) {
                    const char *name = NULL;
                    for (size_t i = 0; cat && !name && i < cat->n_indicators; i++)
                        if (strcmp(cat->indicators[i].id, m->features[j]) == 0)
                            name = cat->indicators[i].name;
                    if (!as && !done[j])
                        name = m->features[j] + 5; /* an attribute: its column */
                    if (!name || done[j])
                        continue;
                    done[j] = 1;
                    json_array_append_new(
                        inds, json_pack("{s:s,s:s,s:o,s:f,s:f}", "id", m->features[j], "name", name,
                                        "value", isnan(xv[j]) ? json_null() : json_real(xv[j]),
                                        "points", (double)phi[j], "share", sh[j]));
                    csum += sh[j];
                }
                if (json_array_size(inds))
                    json_array_append_new(cats, json_pack("{s:s,s:s,s:f,s:o}", "id",
                                                          cat ? cat->id : "attributes", "name",
                                                          cat ? cat->name : "登记属性", "share",
                                                          csum, "indicators", inds));
                else
                    json_decref(inds);
                asum += csum;
            }
            if (json_array_size(cats))
                json_array_append_new(aspects, json_pack("{s:s,s:s,s:f,s:o}", "id",
                                                         as ? as->id : "attributes", "name",
                                                         as ? as->name : "登记属性", "share", asum,
                                                         "categories", cats));
            else
                json_decref(cats);
        }
        free(done);
    }
    cli_tree_attrs_free(attrs, c.n);
    free(x);
    free(contrib);
    free(prob);
    free(sh);
    cr_city_free(&c);
    return aspects;
}

static const char *division_name(const cr_ref *ref, json_t *code)
{
    const char *c = json_string_value(code);
    const struct cr_division *dv = c && ref ? cr_ref_division_find(ref, c) : NULL;
    return dv ? dv->name : "";
}

/* The text of a JSON string, or "—" for null and missing values. */
static const char *txt(json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "—";
}

static void print_respond(json_t *o);

/* Every string in o as the text listing shows it: cr_escape's form, so that a line break or
 * another control character a department wrote into a name or address is named (\x0A), never
 * printed raw (docs/collect.md). o must share no child between two places (the portrait does:
 * escape a json_deep_copy of it), or that child is escaped twice. */
static cr_err escape_strings(json_t *o)
{
    if (json_is_string(o)) {
        char *e = NULL;
        if (cr_escape(json_string_value(o), json_string_length(o), 0, &e, NULL))
            return CR_ENOMEM;
        int failed = json_string_set(o, e);
        free(e);
        return failed ? CR_ENOMEM : CR_OK;
    }
    size_t i;
    const char *k;
    json_t *v;
    json_array_foreach(o, i, v) /* nothing when o is no array */
    {
        if (escape_strings(v))
            return CR_ENOMEM;
    }
    json_object_foreach(o, k, v) /* nothing when o is no object */
    {
        if (escape_strings(v))
            return CR_ENOMEM;
    }
    return CR_OK;
}

static void print_text(json_t *o, const cr_ref *ref)
{
    json_t *reg = json_object_get(o, "registry");
    printf("%s  %s\n", txt(json_object_get(reg, "key")), txt(json_object_get(reg, "name")));
    printf("  类型 %s | 行业 %s | 注册资本 %.2f 万元 | 成立 %s | %s\n",
           txt(json_object_get(reg, "type")), txt(json_object_get(reg, "industry")),
           json_real_value(json_object_get(reg, "capital_wan")),
           txt(json_object_get(reg, "established")), txt(json_object_get(reg, "status")));
    printf("  住所 %s（%s %s）\n", txt(json_object_get(reg, "address")),
           division_name(ref, json_object_get(reg, "district")),
           division_name(ref, json_object_get(reg, "street")));
    json_t *lv = json_object_get(o, "level");
    if (lv) {
        printf("  风险等级 %s  分数 %.2f  （运行 %lld，截至 %s，模型 %s %s）\n",
               txt(json_object_get(lv, "level")), json_real_value(json_object_get(lv, "score")),
               (long long)json_integer_value(json_object_get(lv, "run")),
               txt(json_object_get(lv, "as_of")), txt(json_object_get(lv, "model")),
               txt(json_object_get(lv, "model_hash")));
        if (json_object_get(lv, "unexplained"))
            printf("  （无法分解：%s）\n", txt(json_object_get(lv, "unexplained")));
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(o, "aspects"), i, a)
        {
            printf("    %-12s %6.2f\n", txt(json_object_get(a, "name")),
                   json_real_value(json_object_get(a, "share")));
        }
        json_t *base = json_object_get(lv, "base");
        if (base) /* a tree model: the shares start from the base */
            printf(
                "  树模型（XGBoost）：基准分 %.2f 加各特征贡献即得分（“分”为 SHAP 对数几率贡献）\n",
                json_real_value(base));
        printf("  主要贡献指标:\n");
        json_array_foreach(json_object_get(o, "drivers"), i, a)
        {
            json_t *val = json_object_get(a, "value");
            char vbuf[64];
            if (json_is_null(val))
                snprintf(vbuf, sizeof vbuf, "缺失");
            else
                snprintf(vbuf, sizeof vbuf, "%g", json_real_value(val));
            printf("    %-28s 值 %-10s 分 %5.1f  贡献 %5.2f\n", txt(json_object_get(a, "name")),
                   json_is_string(val) ? json_string_value(val) : vbuf, /* text never cut */
                   json_real_value(json_object_get(a, "points")),
                   json_real_value(json_object_get(a, "share")));
        }
    } else {
        printf("  尚未分类（crisk classify）\n");
    }
    size_t i;
    json_t *h;
    printf("  等级历史:");
    json_array_foreach(json_object_get(o, "history"), i, h)
        printf(" %s→%s", txt(json_object_get(h, "as_of")), txt(json_object_get(h, "level")));
    printf("\n  近期记录:\n");
    json_array_foreach(json_object_get(o, "events"), i, h)
        printf("    %s  %s / %s\n", txt(json_object_get(h, "date")),
               txt(json_object_get(h, "department")), txt(json_object_get(h, "topic")));
    printf("  人员:");
    json_array_foreach(json_object_get(o, "persons"), i, h) printf(
        " %s(%s, 另有%lld家)", txt(json_object_get(h, "name")), txt(json_object_get(h, "role")),
        (long long)json_integer_value(json_object_get(h, "other_firms")));
    printf("\n  关联企业: %zu 家\n", json_array_size(json_object_get(o, "linked")));
    print_respond(o);
}

/* ---- the firm's warnings and tasks (docs/respond.md) ---- */

static void day_text(int32_t day, char out[11])
{
    int y, m, dd;
    cr_civil_from_days(day, &y, &m, &dd);
    snprintf(out, 11, "%04d-%02d-%02d", y % 10000, m, dd);
}

static int add_warning(void *ctx, const struct cr_firm_warning *w)
{
    char opened[11], closed[11];
    day_text(w->opened_day, opened);
    day_text(w->closed_day, closed);
    json_array_append_new(ctx, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s?}", "id", (json_int_t)w->id,
                                         "detector", w->detector, "status", w->status, "summary",
                                         w->summary, "opened", opened, "closed",
                                         w->closed_day >= 0 ? closed : NULL));
    return 0;
}

static int add_task(void *ctx, const struct cr_task *t)
{
    static const char *const levels[] = {"city", "district", "street", "grid"};
    char due[11];
    day_text(t->due_day, due);
    json_array_append_new(ctx,
                          json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s?,s:s?,s:s}", "id",
                                    (json_int_t)t->id, "warning", (json_int_t)t->warning, "level",
                                    t->level >= 0 && t->level <= 3 ? levels[t->level] : "",
                                    "division", t->division, "kind", t->kind, "status", t->status,
                                    "outcome", *t->outcome ? t->outcome : NULL, "outcome_label",
                                    cr_outcome_label(t->outcome), "due", due));
    return 0;
}

/* Adds "warnings" and "tasks" to the portrait o. */
static cr_err respond_part(cr_store *s, int64_t subject, json_t *o)
{
    json_t *w = json_array(), *t = json_array();
    json_object_set_new(o, "warnings", w);
    json_object_set_new(o, "tasks", t);
    cr_err rc = cr_store_firm_warnings(s, subject, add_warning, w);
    struct cr_task_filter f = {NULL, NULL, 0, subject, 0};
    if (!rc)
        rc = cr_store_tasks_each(s, &f, add_task, t);
    return rc;
}

static void print_respond(json_t *o)
{
    size_t i;
    json_t *h;
    printf("  预警: %zu 条\n", json_array_size(json_object_get(o, "warnings")));
    json_array_foreach(json_object_get(o, "warnings"), i, h)
        printf("    #%lld %s %s %s\n", (long long)json_integer_value(json_object_get(h, "id")),
               txt(json_object_get(h, "detector")), txt(json_object_get(h, "status")),
               txt(json_object_get(h, "summary")));
    printf("  任务: %zu 件\n", json_array_size(json_object_get(o, "tasks")));
    json_array_foreach(json_object_get(o, "tasks"), i, h) printf(
        "    #%lld %s %s %s %s 期限 %s\n", (long long)json_integer_value(json_object_get(h, "id")),
        txt(json_object_get(h, "level")), txt(json_object_get(h, "division")),
        txt(json_object_get(h, "status")),
        json_object_get(h, "outcome_label") ? txt(json_object_get(h, "outcome_label")) : "-",
        txt(json_object_get(h, "due")));
}

static int by_share_desc(const void *a, const void *b)
{
    double x = json_real_value(json_object_get(*(json_t *const *)a, "share"));
    double y = json_real_value(json_object_get(*(json_t *const *)b, "share"));
    return (x < y) - (x > y);
}

/* The n indicators with the largest shares of the score, largest first. */
static json_t *top_drivers(json_t *aspects, size_t n)
{
    json_t *all = json_array(), *a, *c, *ind;
    size_t i, j, k;
    json_array_foreach(aspects, i, a)
    {
        json_array_foreach(json_object_get(a, "categories"), j, c)
        {
            json_array_foreach(json_object_get(c, "indicators"), k, ind)
            {
                if (json_real_value(json_object_get(ind, "share")) > 0)
                    json_array_append(all, ind);
            }
        }
    }
    size_t nd = json_array_size(all);
    json_t **v = malloc((nd + 1) * sizeof *v);
    json_t *top = json_array();
    for (i = 0; v && i < nd; i++)
        v[i] = json_array_get(all, i);
    if (v)
        qsort(v, nd, sizeof *v, by_share_desc);
    for (i = 0; v && i < nd && i < n; i++)
        json_array_append(top, v[i]);
    free(v);
    json_decref(all);
    return top;
}

int cmd_show(int argc, char **argv)
{
    const char *db = NULL, *model = NULL, *json = NULL, *events = NULL;
    const struct cli_opt opts[] = {
        {"db", 1, &db}, {"model", 1, &model}, {"json", 0, &json}, {"events", 1, &events}};
    const char *pos[1];
    size_t n_pos;
    int prc = cli_parse("show", argc, argv, opts, 4, pos, 1, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    long long recent = 10;
    if ((prc = cli_int_opt("show", "events", events, 0, CLI_MAX_LIST, &recent)))
        return prc;
    if (n_pos != 1) {
        fprintf(stderr, "crisk show: give one USCC (see crisk show --help)\n");
        return CLI_USAGE;
    }
    char key[CR_USCC_LEN + 1];
    const char *lookup = pos[0];
    cr_err rc = cr_uscc_normalize(pos[0], strlen(pos[0]), key);
    if (rc == CR_OK) {
        lookup = key;
    } else if (rc == CR_ECHECK) {
        fprintf(stderr, "crisk show: %s has a wrong check character (expected %c)\n", pos[0],
                cr_uscc_check_char(key));
        return CLI_BADINPUT;
    } else if (!strchr(pos[0], ':')) {
        char why[200];
        cr_uscc_explain(pos[0], strlen(pos[0]), why, sizeof why);
        fprintf(stderr, "crisk show: %s is not a USCC: %s\n", pos[0], why);
        return CLI_BADINPUT;
    }
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    cr_model *m = NULL;
    cr_ref *ref = NULL;
    json_t *o = NULL;
    int64_t subject = 0;
    int exit_code = CLI_OK;
    rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
    if (!rc && (rc = cr_store_subject_find(s, lookup, &subject)) == CR_ENOTFOUND)
        cr_diag_set(&d, rc, NULL, 0, 0, "%s is not in the store", lookup);
    else if (rc && !d.msg[0])
        cli_store_fail(&d, rc, s, "cannot look the key up");
    if (!rc && (rc = cr_store_portrait(s, subject, (int)recent, &o)) == CR_ENOTFOUND)
        cr_diag_set(&d, rc, NULL, 0, 0, "%s has rows but no registry row yet", lookup);
    else if (rc && !d.msg[0])
        cli_store_fail(&d, rc, s, "cannot read the portrait");
    if (rc) {
        exit_code = cli_report_diag("show", rc, &d);
        goto out;
    }
    if ((rc = respond_part(s, subject, o))) {
        cli_store_fail(&d, rc, s, "cannot read the firm's warnings and tasks");
        exit_code = cli_report_diag("show", rc, &d);
        goto out;
    }
    json_t *hist = json_object_get(o, "history");
    json_t *last = json_array_get(hist, json_array_size(hist) - 1);
    if (last) {
        /* The explanation uses the model the latest run used, as recorded with the run. */
        int64_t run = json_integer_value(json_object_get(last, "run"));
        rc = cli_run_model(s, run, model, &m, &d);
        if (rc && rc != CR_ENOTFOUND) {
            exit_code = cli_report_diag("show", rc, &d);
            goto out;
        }
        int32_t as_of = 0;
        const char *as_of_s = json_string_value(json_object_get(last, "as_of"));
        if (!as_of_s || cr_date_parse(as_of_s, strlen(as_of_s), &as_of)) {
            cr_diag_set(&d, CR_ESTORE, NULL, 0, 0, "the latest run has no as-of date");
            exit_code = cli_report_diag("show", CR_ESTORE, &d);
            goto out;
        }
        double score = 0, base = 0;
        int trees = m && m->method == CR_METHOD_XGBOOST;
        json_t *aspects = !m      ? NULL
                          : trees ? explain_trees(s, m, subject, as_of, &score, &base, &d)
                                  : explain(s, m, subject, as_of, &score, &d);
        if (m && !aspects) {
            if (!d.msg[0])
                cli_store_fail(&d, CR_ESTORE, s, "cannot explain the score");
            exit_code = cli_report_diag("show", CR_ESTORE, &d);
            goto out;
        }
        json_t *lv = json_pack(
            "{s:O,s:O,s:O,s:O,s:O,s:O}", "run", json_object_get(last, "run"), "as_of",
            json_object_get(last, "as_of"), "model", json_object_get(last, "model"), "level",
            json_object_get(last, "level"), "score", json_object_get(last, "score"), "model_hash",
            json_object_get(last, "model_hash"));
        if (aspects) {
            json_object_set_new(lv, "explained_score", json_real(score));
            if (trees) { /* the shares and the base add up to the score (docs/learn-trees.md) */
                json_object_set_new(lv, "method", json_string("xgboost"));
                json_object_set_new(lv, "base", json_real(base));
            }
            json_object_set_new(o, "drivers", top_drivers(aspects, 8));
            json_object_set_new(o, "aspects", aspects);
        } else {
            json_object_set_new(lv, "unexplained", json_string(d.msg));
        }
        json_object_set_new(o, "level", lv);
    }
    if (json) {
        exit_code = cli_json_print(o);
        o = NULL;
    } else {
        if (cr_ref_load(cr_ref_default_dir(), &ref, NULL))
            ref = NULL; /* division names are then left out */
        /* a copy: the portrait shares children (drivers are indicators of the aspects) */
        json_t *shown = json_deep_copy(o);
        if (!shown || escape_strings(shown)) {
            json_decref(shown);
            cr_diag_set(&d, CR_ENOMEM, NULL, 0, 0, "out of memory");
            exit_code = cli_report_diag("show", CR_ENOMEM, &d);
            goto out;
        }
        print_text(shown, ref);
        json_decref(shown);
    }
out:
    json_decref(o);
    cr_ref_free(ref);
    cr_model_free(m);
    cr_store_close(s);
    return exit_code;
}
