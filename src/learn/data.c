/* Labels and the feature matrix of the learn stage (docs/learn.md "Label files", "Features",
 * "Validation"). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/booster.h"
#include "crisk/city.h"
#include "crisk/classify.h"
#include "crisk/learn.h"
#include "crisk/text.h"

/* ---------------------------------------------------------------- folds */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void cr_learn_folds_kfold(const int8_t *y, size_t n, int k, uint64_t seed, int32_t *fold)
{
    size_t *idx = malloc((n + 1) * sizeof *idx);
    if (!idx) { /* never fails for sizes that built the matrix; fall back to round robin */
        for (size_t i = 0; i < n; i++)
            fold[i] = (int32_t)(i % (size_t)k);
        return;
    }
    uint64_t st = seed;
    for (int cls = 0; cls < 2; cls++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (y[i] == cls)
                idx[m++] = i;
        for (size_t i = m; i > 1; i--) { /* Fisher–Yates */
            size_t j = (size_t)(splitmix(&st) % i);
            size_t t = idx[i - 1];
            idx[i - 1] = idx[j];
            idx[j] = t;
        }
        for (size_t i = 0; i < m; i++)
            fold[idx[i]] = (int32_t)(i % (size_t)k);
    }
    free(idx);
}

/* ---------------------------------------------------------------- the matrix */

void cr_learn_opts_default(struct cr_learn_opts *o)
{
    o->as_of = INT32_MIN;
    o->k = 5;
    o->seed = 20240612;
    o->validation = 0;
    o->max_levels = 10;
    o->min_share = 0.01;
    o->min_class = 0;
    o->min_history_days = 180;
}

void cr_learn_data_free(struct cr_learn_data *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->y);
    free(d->fold);
    free(d->subject);
    for (size_t j = 0; d->name && j < d->p; j++)
        free(d->name[j]);
    free(d->name);
    free(d->direction);
    free(d->expert_score);
    free(d->expert_level);
    free(d->district);
    free(d->district_code);
    free(d->y_random);
    memset(d, 0, sizeof *d);
}

/* One registry attribute column: numeric, or categorical with its one-hot values. */
struct attr_col {
    char *key;
    size_t n_num, n_text;
    json_t *counts; /* categorical: value -> count */
    char **levels;  /* the one-hot values */
    size_t n_levels;
};

struct firms {
    const struct cr_city *c;
    size_t i; /* merge position in c->subject */
    json_t **attrs;
    int16_t *district;
    char (*codes)[7];
    size_t n_codes, cap_codes;
    int oom;
};

static int district_index(struct firms *f, const char *dist)
{
    size_t len = strlen(dist);
    if (len < 6)
        return -1;
    for (size_t i = 0; i < 6; i++)
        if (dist[i] < '0' || dist[i] > '9')
            return -1;
    for (size_t i = 0; i < f->n_codes; i++)
        if (memcmp(f->codes[i], dist, 6) == 0)
            return (int)i;
    if (f->n_codes >= 32000)
        return -1;
    if (f->n_codes == f->cap_codes) {
        size_t cap = f->cap_codes ? 2 * f->cap_codes : 16;
        char(*c)[7] = realloc(f->codes, cap * sizeof *c);
        if (!c) {
            f->oom = 1;
            return -1;
        }
        f->codes = c;
        f->cap_codes = cap;
    }
    memcpy(f->codes[f->n_codes], dist, 6);
    f->codes[f->n_codes][6] = 0;
    return (int)f->n_codes++;
}

static int firm_row(void *ctx, int64_t subject, const char *district, const char *attrs)
{
    struct firms *f = ctx;
    while (f->i < f->c->n && f->c->subject[f->i] < subject)
        f->i++;
    if (f->i == f->c->n || f->c->subject[f->i] != subject)
        return 0;
    f->district[f->i] = (int16_t)district_index(f, district);
    if (attrs) {
        json_t *o = json_loads(attrs, 0, NULL);
        if (o && !json_is_object(o)) {
            json_decref(o);
            o = NULL;
        }
        f->attrs[f->i] = o;
    }
    return f->oom;
}

/* The text of an attribute value as a category ("" for null or a nested value). */
static const char *value_text(json_t *v, char *buf, size_t cap)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    if (json_is_real(v)) {
        snprintf(buf, cap, "%.17g", json_real_value(v));
        return buf;
    }
    if (json_is_true(v))
        return "true";
    if (json_is_false(v))
        return "false";
    return "";
}

/* A number from an attribute value: a JSON number, or a string that is one whole (as the
 * booster's reader, cr_xgb_features, takes it). NAN otherwise. */
static double value_number(json_t *v)
{
    if (json_is_number(v))
        return json_number_value(v);
    if (!json_is_string(v))
        return NAN;
    const char *s = json_string_value(v);
    char *end;
    double x = strtod(s, &end);
    return *s && !*end && isfinite(x) ? x : NAN;
}

static int in_list(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

struct level_count {
    const char *v;
    json_int_t n;
};

static int by_count(const void *a, const void *b)
{
    const struct level_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->v, y->v);
}

/* Types the attribute columns over the firms with attributes. */
static cr_err attr_columns(json_t **attrs, size_t n, const struct cr_learn_label *l,
                           const struct cr_learn_opts *o, struct attr_col **out, size_t *n_out)
{
    json_t *cols = json_object(); /* key -> index */
    struct attr_col *c = NULL;
    size_t nc = 0, cap = 0;
    cr_err rc = cols ? CR_OK : CR_ENOMEM;
    char buf[64];
    for (size_t e = 0; !rc && e < n; e++) {
        const char *key;
        json_t *v;
        if (!attrs[e])
            continue;
        json_object_foreach(attrs[e], key, v)
        {
            if (json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
                continue;
            if ((l->column && strcmp(key, l->column) == 0) ||
                in_list(l->exclude, l->n_exclude, key))
                continue;
            json_t *ix = json_object_get(cols, key);
            size_t i;
            if (ix)
                i = (size_t)json_integer_value(ix);
            else {
                if (nc == cap) {
                    cap = cap ? 2 * cap : 16;
                    struct attr_col *t = realloc(c, cap * sizeof *t);
                    if (!t) {
                        rc = CR_ENOMEM;
                        break;
                    }
                    c = t;
                }
                i = nc++;
                memset(&c[i], 0, sizeof c[i]);
                c[i].key = strdup(key);
                c[i].counts = json_object();
                if (!c[i].key || !c[i].counts ||
                    json_object_set_new(cols, key, json_integer((json_int_t)i))) {
                    rc = CR_ENOMEM;
                    break;
                }
            }
            if (!isnan(value_number(v)))
                c[i].n_num++;
            else
                c[i].n_text++;
            const char *t = value_text(v, buf, sizeof buf);
            json_t *cnt = json_object_get(c[i].counts, t);
            if (json_object_set_new(c[i].counts, t,
                                    json_integer(cnt ? json_integer_value(cnt) + 1 : 1))) {
                rc = CR_ENOMEM;
                break;
            }
        }
    }
    /* A column whose every value is a number is numeric; else its most frequent values become
     * one-hot features (target-free: chosen by frequency alone). */
    for (size_t i = 0; !rc && i < nc; i++) {
        if (!c[i].n_text)
            continue;
        size_t k = json_object_size(c[i].counts), m = 0;
        struct level_count *lv = malloc((k + 1) * sizeof *lv);
        if (!lv) {
            rc = CR_ENOMEM;
            break;
        }
        const char *key;
        json_t *v;
        json_object_foreach(c[i].counts, key, v)
        {
            lv[m].v = key;
            lv[m++].n = json_integer_value(v);
        }
        qsort(lv, m, sizeof *lv, by_count);
        c[i].levels = calloc((size_t)o->max_levels + 1, sizeof(char *));
        for (size_t j = 0; c[i].levels && j < m && (int)j < o->max_levels; j++) {
            if ((double)lv[j].n < o->min_share * (double)n || lv[j].n < 2)
                break;
            c[i].levels[c[i].n_levels] = strdup(lv[j].v);
            if (!c[i].levels[c[i].n_levels++])
                rc = CR_ENOMEM;
        }
        if (!c[i].levels)
            rc = CR_ENOMEM;
        free(lv);
    }
    json_decref(cols);
    *out = c;
    *n_out = nc;
    return rc;
}

static void attr_columns_free(struct attr_col *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].key);
        json_decref(c[i].counts);
        for (size_t j = 0; j < c[i].n_levels; j++)
            free(c[i].levels[j]);
        free(c[i].levels);
    }
    free(c);
}

/* The rows of one as-of date. */
struct pass {
    struct cr_learn_data *d;
    const cr_model *m;
    const struct cr_indicator **ind; /* model order */
    const size_t *row_of;            /* firm -> row, SIZE_MAX when not a row */
};

static int explain_row(void *ctx, size_t e, const double *values, const double *points,
                       const double *shares)
{
    (void)shares;
    struct pass *ps = ctx;
    size_t r = ps->row_of[e];
    if (r == SIZE_MAX)
        return 0;
    float *x = ps->d->x + r * ps->d->p;
    for (size_t i = 0; i < ps->m->n_indicators; i++)
        x[i] = (float)(ps->ind[i]->n_map ? points[i] : values[i]);
    return 0;
}

static int8_t bins_direction(const struct cr_indicator *ind)
{
    if (ind->n_map)
        return 1; /* the feature is the map's risk points */
    if (ind->n_bins < 2)
        return 0;
    double a = ind->bins[0].points, b = ind->bins[ind->n_bins - 1].points;
    return b > a ? 1 : b < a ? -1 : 0;
}

/* Positives per firm for an events label over (t, t + w], and the naive baseline: the events
 * of the label's kinds (with its flag) up to t. */
static void events_label(const struct cr_city *c, const uint8_t *want_kind, int flag_bit, int32_t t,
                         int w, int8_t *pos, double *naive)
{
    for (size_t e = 0; e < c->n; e++) {
        size_t lo, hi;
        cr_city_events(c, e, &lo, &hi);
        pos[e] = 0;
        naive[e] = 0;
        for (size_t k = lo; k < hi; k++) {
            int32_t day = c->ev_day[k];
            if (day > t + w)
                continue;
            int32_t kind = c->topic_kind[c->ev_topic[k]];
            if (kind < 0 || !want_kind[kind])
                continue;
            if (flag_bit >= 0 && !(c->ev_flags[k] & (1u << flag_bit)))
                continue;
            if (day <= t)
                naive[e]++;
            else
                pos[e] = 1;
        }
    }
}

void cr_learn_info_free(struct cr_learn_info *info)
{
    free(info->naive);
    info->naive = NULL;
}

static int established_by(const struct cr_city *c, size_t e, int32_t t)
{
    return c->established[e] == CR_NO_DAY || c->established[e] <= t;
}

/* Every kind of an events label is the kind of a topic in the store: a misspelt kind would
 * count no event and read as "0 positives". CR_EINVAL naming it, the file and the kinds. */
static cr_err kinds_known(const struct cr_city *c, const struct cr_learn_label *l, cr_diag *d)
{
    for (size_t i = 0; i < l->n_kinds; i++) {
        size_t k = 0;
        while (k < c->n_kinds && strcmp(c->kinds[k], l->kinds[i]))
            k++;
        if (k < c->n_kinds)
            continue;
        char known[300] = "";
        size_t len = 0;
        for (k = 0; k < c->n_kinds && len < sizeof known; k++)
            len += (size_t)snprintf(known + len, sizeof known - len, "%s%s", k ? ", " : "",
                                    c->kinds[k]);
        return cr_diag_set(d, CR_EINVAL, l->path, 0, 0,
                           "label %s: event kind '%s' is not the kind of any topic in the store "
                           "(its kinds: %s)",
                           l->id, l->kinds[i], c->n_kinds ? known : "none");
    }
    return CR_OK;
}

/* The column of a column label is a registry attribute of some enterprise, and one of its
 * positive values occurs: else every firm is left out or negative, and the run would say only
 * "0 positives". CR_EINVAL naming the column (or values) and the file. */
static cr_err column_known(json_t **attrs, size_t n, const struct cr_learn_label *l, cr_diag *d)
{
    size_t has = 0, pos = 0;
    char buf[64];
    json_t *keys = json_object();
    if (!keys)
        return CR_ENOMEM;
    for (size_t e = 0; e < n; e++) {
        if (!attrs[e])
            continue;
        const char *key;
        json_t *v;
        json_object_foreach(attrs[e], key, v)
        {
            if (json_object_size(keys) < 12)
                json_object_set_new(keys, key, json_true());
        }
        json_t *v2 = json_object_get(attrs[e], l->column);
        if (!v2 || json_is_null(v2))
            continue;
        has++;
        pos += (size_t)in_list(l->positive, l->n_positive, value_text(v2, buf, sizeof buf));
    }
    char known[300] = "";
    size_t len = 0;
    const char *key;
    json_t *v;
    json_object_foreach(keys, key, v)
    {
        if (len < sizeof known)
            len += (size_t)snprintf(known + len, sizeof known - len, "%s%s", len ? ", " : "", key);
    }
    json_decref(keys);
    if (!has)
        return cr_diag_set(d, CR_EINVAL, l->path, 0, 0,
                           "label %s: column '%s' is not a registry attribute of any enterprise "
                           "in the store (attributes: %s)",
                           l->id, l->column, len ? known : "none");
    if (!pos)
        return cr_diag_set(d, CR_EINVAL, l->path, 0, 0,
                           "label %s: no enterprise has a positive value of column '%s' (%s%s): "
                           "check positive:",
                           l->id, l->column, l->positive[0], l->n_positive > 1 ? ", ..." : "");
    return CR_OK;
}

/* Every name under exclude: is a registry attribute of some enterprise: a misspelt name would
 * leave the column it meant (one that leaks the label, say) among the features, silently. */
static cr_err exclude_known(json_t **attrs, size_t n, const struct cr_learn_label *l, cr_diag *d)
{
    for (size_t k = 0; k < l->n_exclude; k++) {
        size_t e = 0;
        while (e < n && !(attrs[e] && json_object_get(attrs[e], l->exclude[k])))
            e++;
        if (e == n)
            return cr_diag_set(d, CR_EINVAL, l->path, 0, 0,
                               "label %s: exclude: '%s' is not a registry attribute of any "
                               "enterprise in the store: a misspelt name excludes nothing",
                               l->id, l->exclude[k]);
    }
    return CR_OK;
}

/* ---------------------------------------------------------------- outcome labels */

/* One recorded outcome of a firm: an inspection result or a task outcome. */
struct outcome {
    size_t e;
    int32_t day;
    int8_t pos;    /* problem found / a positive outcome */
    int8_t random; /* inspections: from the random arm */
};

struct outcomes {
    const struct cr_city *c;
    const struct cr_learn_label *l;
    struct outcome *v;
    size_t n, cap;
    int oom;
};

static size_t firm_of(const struct cr_city *c, int64_t subject)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->subject[mid] < subject)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n && c->subject[lo] == subject ? lo : SIZE_MAX;
}

static int outcome_add(struct outcomes *o, int64_t subject, int32_t day, int pos, int random)
{
    size_t e = firm_of(o->c, subject);
    if (e == SIZE_MAX) /* a key without a registry row is not a row of the matrix either */
        return 0;
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 256;
        struct outcome *t = realloc(o->v, cap * sizeof *t);
        if (!t)
            return o->oom = 1;
        o->v = t;
        o->cap = cap;
    }
    o->v[o->n++] = (struct outcome){e, day, (int8_t)pos, (int8_t)random};
    return 0;
}

static int inspection_row(void *ctx, const struct cr_inspection_row *r)
{
    if (r->day < 0 || !r->result)
        return 0;
    return outcome_add(ctx, r->subject, r->day, r->problem != 0,
                       r->arm && strcmp(r->arm, "random") == 0);
}

static int outcome_event(void *ctx, const struct cr_event_row *ev)
{
    struct outcomes *o = ctx;
    json_t *a = ev->attrs ? json_loadb(ev->attrs, ev->attrs_len, 0, NULL) : NULL;
    const char *res = json_string_value(json_object_get(a, o->l->outcome_attr));
    int r = 0;
    if (res) {
        int p = in_list(o->l->positive, o->l->n_positive, res);
        if (p || in_list(o->l->negative, o->l->n_negative, res))
            r = outcome_add(o, ev->subject, ev->day, p, 0);
    }
    json_decref(a);
    return r;
}

/* The label over (t, t + w] from the outcomes: -1 for a firm without one, 1 when one is
 * positive; the naive baseline counts the positive ones up to t; yr (NULL: none) the random-arm
 * label (-1 without a random-arm outcome in the window). */
static void outcome_label(const struct outcomes *o, size_t n_firms, int32_t t, int w, int8_t *pos,
                          double *naive, int8_t *yr)
{
    for (size_t e = 0; e < n_firms; e++) {
        pos[e] = -1;
        naive[e] = 0;
        if (yr)
            yr[e] = -1;
    }
    for (size_t i = 0; i < o->n; i++) {
        const struct outcome *v = &o->v[i];
        if (v->day <= t)
            naive[v->e] += v->pos;
        else if (v->day <= t + w) {
            if (v->pos > pos[v->e])
                pos[v->e] = v->pos;
            if (yr && v->random && v->pos > yr[v->e])
                yr[v->e] = v->pos;
        }
    }
}

cr_err cr_learn_data_build(cr_store *s, const cr_model *m, const struct cr_learn_label *l,
                           const struct cr_learn_opts *o, struct cr_learn_data *out,
                           struct cr_learn_info *info, cr_diag *d)
{
    struct outcomes oc = {0};
    int8_t *yr = NULL;
    memset(out, 0, sizeof *out);
    memset(info, 0, sizeof *info);
    struct cr_city city = {0};
    struct firms f = {0};
    struct attr_col *ac = NULL;
    size_t n_ac = 0;
    int8_t *pos = NULL;
    size_t *row_of = NULL;
    const struct cr_indicator **ind = NULL;
    uint8_t *want_kind = NULL;
    double *naive = NULL;
    struct cr_scores sc = {0};
    int min_class = o->min_class > 0 ? o->min_class : l->min_class;
    char day1[11], day2[11];

    /* 8 MiB of SQLite page cache: every table is read once (docs/learn.md "Memory") */
    cr_err rc = cr_store_learn_cache(s, 8192);
    if (!rc)
        rc = cr_city_load(s, m, &city, d);
    if (rc)
        return rc;
    if (!city.n) {
        rc = cr_diag_set(d, CR_ENOTFOUND, NULL, 0, 0, "the store has no enterprises");
        goto out;
    }
    int64_t last = 0;
    rc = cr_store_events_last_day(s, &last);
    if (rc) {
        rc = cr_diag_set(d, rc, NULL, 0, 0, "cannot read the latest event date: %s",
                         cr_store_errmsg(s));
        goto out;
    }
    info->last_event_day = (int32_t)last;
    info->first_event_day = INT32_MAX;
    for (size_t k = 0; k < city.n_events; k++)
        if (city.ev_day[k] < info->first_event_day)
            info->first_event_day = city.ev_day[k];
    if (!city.n_events)
        info->first_event_day = info->last_event_day;

    /* ---- the dates ---- */
    int32_t dates[2];
    int n_dates = 1;
    if (l->kind == CR_LABEL_COLUMN) {
        info->as_of = o->as_of != INT32_MIN ? o->as_of : (int32_t)last;
        if (o->as_of == INT32_MIN && !last) { /* no events: the latest establishment day */
            info->as_of = 0;
            for (size_t e = 0; e < city.n; e++)
                if (city.established[e] != CR_NO_DAY && city.established[e] > info->as_of)
                    info->as_of = city.established[e];
        }
        dates[0] = info->as_of;
    } else if (l->kind >= CR_LABEL_INSPECTIONS) {
        oc.c = &city;
        oc.l = l;
        rc = l->kind == CR_LABEL_INSPECTIONS
                 ? cr_store_inspections_each(s, 0, 0, 1, inspection_row, &oc)
                 : cr_store_learn_topic_events(s, "crisk/task_outcome", outcome_event, &oc);
        if (oc.oom)
            rc = CR_ENOMEM;
        if (rc) {
            if (rc != CR_ENOMEM)
                rc = cr_diag_set(d, rc, NULL, 0, 0, "cannot read the %s: %s",
                                 l->kind == CR_LABEL_INSPECTIONS ? "inspection results"
                                                                 : "task outcomes",
                                 cr_store_errmsg(s));
            goto out;
        }
        if (!oc.n) {
            rc = cr_diag_set(d, CR_EINVAL, l->path, 0, 0,
                             l->kind == CR_LABEL_INSPECTIONS
                                 ? "label %s counts inspection results, and the store has none "
                                   "(crisk inspect records them)"
                                 : "label %s counts task outcomes, and the store has none of "
                                   "its outcomes (crisk task ID --close OUTCOME records them)",
                             l->id);
            goto out;
        }
        int32_t last_oc = INT32_MIN;
        for (size_t i = 0; i < oc.n; i++)
            if (oc.v[i].day > last_oc)
                last_oc = oc.v[i].day;
        int w = l->within_days;
        info->as_of = o->as_of != INT32_MIN ? o->as_of : last_oc - w;
        info->train_as_of = info->as_of - w;
        dates[0] = info->as_of;
        /* Out of time when the features have the history and the train period has the
         * outcomes to learn from (the inspect stage may be younger than the label window). */
        if (o->validation == 0 &&
            (int64_t)info->train_as_of - info->first_event_day >= o->min_history_days) {
            int8_t *p0 = malloc(city.n + 1);
            double *n0 = malloc((city.n + 1) * sizeof *n0);
            size_t cnt[2] = {0, 0};
            if (!p0 || !n0) {
                free(p0);
                free(n0);
                rc = CR_ENOMEM;
                goto out;
            }
            outcome_label(&oc, city.n, info->train_as_of, w, p0, n0, NULL);
            for (size_t e = 0; e < city.n; e++)
                if (p0[e] >= 0 && established_by(&city, e, info->train_as_of))
                    cnt[p0[e]]++;
            free(p0);
            free(n0);
            if (cnt[0] >= (size_t)min_class && cnt[1] >= (size_t)min_class) {
                dates[0] = info->train_as_of;
                dates[1] = info->as_of;
                n_dates = 2;
            }
        }
    } else {
        if (!city.n_events) {
            rc = cr_diag_set(d, CR_EINVAL, l->path, 0, 0,
                             "label %s counts events, and the store has none", l->id);
            goto out;
        }
        int w = l->within_days;
        info->as_of = o->as_of != INT32_MIN ? o->as_of : (int32_t)last - w;
        cr_day_format(info->as_of, day1);
        cr_day_format((int32_t)last, day2);
        if ((int64_t)info->as_of + w > last) {
            rc = cr_diag_set(d, CR_EINVAL, l->path, 0, 0,
                             "label %s looks %d days past the as-of date %s, beyond the store's "
                             "last event (%s): its outcomes are not known yet; give an earlier "
                             "--as-of",
                             l->id, w, day1, day2);
            goto out;
        }
        info->train_as_of = info->as_of - w;
        if (o->validation == 0 &&
            (int64_t)info->train_as_of - info->first_event_day >= o->min_history_days) {
            dates[0] = info->train_as_of;
            dates[1] = info->as_of;
            n_dates = 2;
        } else
            dates[0] = info->as_of;
        want_kind = calloc(city.n_kinds + 1, 1);
        if (!want_kind) {
            rc = CR_ENOMEM;
            goto out;
        }
        for (size_t k = 0; k < city.n_kinds; k++)
            want_kind[k] = (uint8_t)in_list(l->kinds, l->n_kinds, city.kinds[k]);
        rc = kinds_known(&city, l, d);
        if (rc)
            goto out;
    }
    out->out_of_time = n_dates == 2;
    out->k = out->out_of_time ? 2 : o->k;
    if (!out->out_of_time)
        info->train_as_of = 0;

    int flag_bit = -1;
    if (l->flag) {
        for (size_t i = 0; i < m->n_flags; i++)
            if (strcmp(m->flags[i].id, l->flag) == 0)
                flag_bit = (int)i;
        if (flag_bit < 0) {
            rc =
                cr_diag_set(d, CR_EINVAL, l->path, 0, 0,
                            "label %s: flag '%s' is not a flag of model %s", l->id, l->flag, m->id);
            goto out;
        }
    }

    /* ---- districts and attributes ---- */
    f.c = &city;
    f.attrs = calloc(city.n, sizeof *f.attrs);
    f.district = malloc(city.n * sizeof *f.district);
    pos = malloc(city.n);
    naive = malloc(city.n * sizeof *naive);
    row_of = malloc(city.n * sizeof *row_of);
    ind = malloc((m->n_indicators + 1) * sizeof *ind);
    if (!f.attrs || !f.district || !pos || !naive || !row_of || !ind) {
        rc = CR_ENOMEM;
        goto out;
    }
    for (size_t e = 0; e < city.n; e++)
        f.district[e] = -1;
    rc = cr_store_learn_firms(s, firm_row, &f);
    if (rc) {
        rc = f.oom ? CR_ENOMEM
                   : cr_diag_set(d, rc, NULL, 0, 0, "cannot read the registry: %s",
                                 cr_store_errmsg(s));
        goto out;
    }
    if (l->kind == CR_LABEL_COLUMN)
        rc = column_known(f.attrs, city.n, l, d);
    if (!rc)
        rc = exclude_known(f.attrs, city.n, l, d);
    if (!rc)
        rc = attr_columns(f.attrs, city.n, l, o, &ac, &n_ac);
    if (rc)
        goto out;
    {
        size_t q = 0;
        for (size_t a = 0; a < m->n_aspects; a++)
            for (size_t c = 0; c < m->aspects[a].n_categories; c++)
                for (size_t i = 0; i < m->aspects[a].categories[c].n_indicators; i++)
                    ind[q++] = &m->aspects[a].categories[c].indicators[i];
    }

    /* ---- features: names and directions ---- */
    size_t p = m->n_indicators;
    for (size_t i = 0; i < n_ac; i++)
        p += ac[i].n_text ? ac[i].n_levels : 1;
    out->p = p;
    info->n_indicator_features = m->n_indicators;
    info->n_attr_features = p - m->n_indicators;
    out->name = calloc(p + 1, sizeof *out->name);
    out->direction = calloc(p + 1, 1);
    if (!out->name || !out->direction) {
        rc = CR_ENOMEM;
        goto out;
    }
    {
        size_t j = 0;
        for (size_t i = 0; i < m->n_indicators; i++, j++) {
            out->name[j] = strdup(ind[i]->id);
            out->direction[j] = bins_direction(ind[i]);
        }
        for (size_t i = 0; i < n_ac; i++) {
            if (!ac[i].n_text) {
                size_t len = strlen(ac[i].key) + 6;
                out->name[j] = malloc(len);
                if (out->name[j])
                    snprintf(out->name[j], len, "attr:%s", ac[i].key);
                j++;
                continue;
            }
            for (size_t v = 0; v < ac[i].n_levels; v++, j++) {
                size_t len = strlen(ac[i].key) + strlen(ac[i].levels[v]) + 7;
                out->name[j] = malloc(len);
                if (out->name[j])
                    snprintf(out->name[j], len, "attr:%s=%s", ac[i].key, ac[i].levels[v]);
            }
        }
        for (size_t k = 0; k < p; k++)
            if (!out->name[k])
                rc = CR_ENOMEM;
        if (rc)
            goto out;
    }

    /* ---- rows ---- */
    size_t n_rows = 0;
    for (int t = 0; t < n_dates; t++)
        for (size_t e = 0; e < city.n; e++)
            n_rows += established_by(&city, e, dates[t]);
    if (!n_rows) {
        rc = cr_diag_set(d, CR_EINVAL, l->path, 0, 0, "no enterprise was established by then");
        goto out;
    }
    out->x = malloc(n_rows * p * sizeof *out->x);
    out->y = malloc(n_rows);
    out->fold = malloc(n_rows * sizeof *out->fold);
    out->subject = malloc(n_rows * sizeof *out->subject);
    out->expert_score = malloc(n_rows * sizeof *out->expert_score);
    out->expert_level = malloc(n_rows);
    out->district = malloc(n_rows * sizeof *out->district);
    if (l->kind == CR_LABEL_INSPECTIONS) {
        out->y_random = malloc(n_rows);
        yr = malloc(city.n + 1);
    }
    if (l->kind != CR_LABEL_COLUMN)
        info->naive = malloc(n_rows * sizeof *info->naive);
    if ((l->kind == CR_LABEL_INSPECTIONS && (!out->y_random || !yr)) ||
        (l->kind != CR_LABEL_COLUMN && !info->naive)) {
        rc = CR_ENOMEM;
        goto out;
    }
    if (!out->x || !out->y || !out->fold || !out->subject || !out->expert_score ||
        !out->expert_level || !out->district) {
        rc = CR_ENOMEM;
        goto out;
    }
    size_t r = 0;
    for (int t = 0; t < n_dates; t++) {
        int32_t day = dates[t];
        if (l->kind == CR_LABEL_COLUMN) {
            char buf[64];
            for (size_t e = 0; e < city.n; e++) {
                json_t *v = f.attrs[e] ? json_object_get(f.attrs[e], l->column) : NULL;
                const char *txt = v ? value_text(v, buf, sizeof buf) : "";
                if (!*txt)
                    pos[e] = -1;
                else if (in_list(l->positive, l->n_positive, txt))
                    pos[e] = 1;
                else if (!l->n_negative || in_list(l->negative, l->n_negative, txt))
                    pos[e] = 0;
                else
                    pos[e] = -1;
            }
        } else if (l->kind >= CR_LABEL_INSPECTIONS)
            outcome_label(&oc, city.n, day, l->within_days, pos, naive, yr);
        else
            events_label(&city, want_kind, flag_bit, day, l->within_days, pos, naive);
        size_t r0 = r;
        for (size_t e = 0; e < city.n; e++) {
            if (!established_by(&city, e, day) || pos[e] < 0) {
                row_of[e] = SIZE_MAX;
                info->left_out += t == n_dates - 1;
                continue;
            }
            row_of[e] = r;
            out->y[r] = pos[e];
            out->fold[r] = out->out_of_time ? t : 0;
            out->subject[r] = city.subject[e];
            out->district[r] = f.district[e];
            if (info->naive)
                info->naive[r] = naive[e];
            if (out->y_random)
                out->y_random[r] = yr[e];
            float *x = out->x + r * p;
            size_t j = m->n_indicators;
            for (size_t i = 0; i < n_ac; i++) {
                json_t *v = f.attrs[e] ? json_object_get(f.attrs[e], ac[i].key) : NULL;
                int missing =
                    !v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v));
                if (!ac[i].n_text) {
                    x[j++] = missing ? NAN : (float)value_number(v);
                    continue;
                }
                char buf[64];
                const char *txt = missing ? NULL : value_text(v, buf, sizeof buf);
                for (size_t k = 0; k < ac[i].n_levels; k++)
                    x[j++] = !txt ? NAN : strcmp(txt, ac[i].levels[k]) == 0 ? 1.0f : 0.0f;
            }
            r++;
        }
        struct pass ps = {out, m, ind, row_of};
        rc = cr_classify_explain_each(m, &city, day, explain_row, &ps);
        if (rc) {
            rc = cr_diag_set(d, rc, NULL, 0, 0, "cannot compute the indicators: %s",
                             cr_strerror(rc));
            goto out;
        }
        /* the champion as classify scores it: a tree model by its booster */
        rc = cr_learn_classify(s, m, &city, day, 0, &sc, d);
        if (rc)
            goto out;
        for (size_t e = 0; e < city.n; e++)
            if (row_of[e] != SIZE_MAX) {
                out->expert_score[row_of[e]] = sc.score[e];
                out->expert_level[row_of[e]] = sc.level[e];
            }
        cr_scores_free(&sc);
        memset(&sc, 0, sizeof sc);
        (void)r0;
    }
    out->n = r;
    for (size_t i = 0; i < r; i++) {
        size_t *c = out->y[i] ? &info->positives : &info->negatives;
        (*c)++;
        if (!out->out_of_time || out->fold[i] == 1) {
            (*(out->y[i] ? &info->test_positives : &info->test_negatives))++;
            if (out->y_random && out->y_random[i] >= 0)
                (*(out->y_random[i] ? &info->random_positives : &info->random_negatives))++;
        }
    }
    size_t tr_pos = info->positives - info->test_positives,
           tr_neg = info->negatives - info->test_negatives;
    cr_day_format(info->as_of, day1);
    if (info->test_positives < (size_t)min_class || info->test_negatives < (size_t)min_class ||
        (out->out_of_time && (tr_pos < (size_t)min_class || tr_neg < (size_t)min_class))) {
        rc = cr_diag_set(d, CR_EINVAL, l->path, 0, 0,
                         "label %s as of %s yields %zu positives and %zu negatives%s: too few "
                         "to learn from (each must be at least %d; min_class: in the label file "
                         "or --min-class)",
                         l->id, day1, info->test_positives, info->test_negatives,
                         out->out_of_time ? " in the test period" : "", min_class);
        goto out;
    }
    if (!out->out_of_time)
        cr_learn_folds_kfold(out->y, out->n, out->k, o->seed, out->fold);
    out->district_code = f.codes;
    out->n_districts = f.n_codes;
    f.codes = NULL;

out:
    if (rc == CR_ENOMEM)
        rc = cr_diag_set(d, rc, NULL, 0, 0, "out of memory building the learn matrix");
    if (rc) {
        cr_learn_data_free(out);
        cr_learn_info_free(info);
    }
    cr_scores_free(&sc);
    for (size_t e = 0; f.attrs && e < city.n; e++)
        json_decref(f.attrs[e]);
    free(f.attrs);
    free(f.district);
    free(f.codes);
    attr_columns_free(ac, n_ac);
    free(pos);
    free(naive);
    free(row_of);
    free(ind);
    free(want_kind);
    free(oc.v);
    free(yr);
    cr_city_free(&city);
    return rc;
}
