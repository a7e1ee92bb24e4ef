/* The scorecard challenger (docs/learn.md "The scorecard", DOMAIN.md §12): each indicator
 * binned, WOE and IV per bin, a logistic regression on the WOE values with liblinear, and a
 * model file in crisk's own format whose scores are a linear function of the log-odds. */
#include <jansson.h>
#include <linear.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/learn.h"

void cr_scorecard_opts_default(struct cr_scorecard_opts *o)
{
    o->monotone = 0;
    o->prebins = 20;
    o->min_bin_share = 0.01;
    o->keep_cuts = 1;
    o->l1 = 0;
    o->c = 1.0;
    o->eps = 1e-3;
    o->pdo = 50;
    o->points0 = 600;
    o->odds0 = 1.0 / 19;
}

void cr_scorecard_free(struct cr_scorecard *sc)
{
    for (size_t i = 0; sc->f && i < sc->n_feat; i++) {
        free(sc->f[i].bins);
        free(sc->f[i].attr);
        free(sc->f[i].cols);
        free(sc->f[i].levels); /* the strings belong to the matrix's names */
    }
    free(sc->f);
    memset(sc, 0, sizeof *sc);
}

/* The bin of value x, exactly as the engine places the indicator's value (bin_points in
 * src/classify/engine.c); -1 when none (a map value the model does not give). */
static int bin_of(const struct cr_sc_feature *f, const float *row)
{
    float x = row[f->j];
    if (f->n_levels) { /* a categorical attribute */
        if (isnan(x))
            return (int)f->n_levels + 1;
        for (size_t k = 0; k < f->n_levels; k++)
            if (row[f->cols[k]] == 1.0f)
                return (int)k;
        return (int)f->n_levels;
    }
    if (f->ind && f->ind->n_map) {
        for (size_t b = 0; b < f->n_bins; b++)
            if ((float)f->bins[b].old_points == x)
                return (int)b;
        return -1;
    }
    size_t nb = f->n_bins - (size_t)f->has_missing_bin;
    if (isnan(x))
        return (int)nb; /* the missing bin */
    double v = x;
    if (v < f->bins[0].lo)
        return 0;
    for (size_t b = 0; b < nb; b++)
        if (v >= f->bins[b].lo && v < f->bins[b].hi)
            return (int)b;
    return (int)nb - 1;
}

static double woe_of(size_t bad, size_t good, size_t total_bad, size_t total_good, size_t nb)
{
    if (!bad && !good)
        return 0;
    double pb = ((double)bad + 0.5) / ((double)total_bad + 0.5 * (double)nb);
    double pg = ((double)good + 0.5) / ((double)total_good + 0.5 * (double)nb);
    return log(pb / pg);
}

/* Counts rows per bin and sets WOE and IV. */
static void count_bins(struct cr_sc_feature *f, const struct cr_learn_data *d, const uint8_t *train,
                       size_t tb, size_t tg)
{
    for (size_t b = 0; b < f->n_bins; b++)
        f->bins[b].n = f->bins[b].bad = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (!train[i])
            continue;
        int b = bin_of(f, d->x + i * d->p);
        if (b < 0)
            continue;
        f->bins[b].n++;
        f->bins[b].bad += d->y[i] == 1;
    }
    f->iv = 0;
    for (size_t b = 0; b < f->n_bins; b++) {
        struct cr_sc_bin *x = &f->bins[b];
        x->woe = woe_of(x->bad, x->n - x->bad, tb, tg, f->n_bins);
        double pb = tb ? (double)x->bad / (double)tb : 0,
               pg = tg ? (double)(x->n - x->bad) / (double)tg : 0;
        if (x->n)
            f->iv += (pb - pg) * x->woe;
    }
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Monotone binning: quantile pre-bins of the training values, then adjacent bins merged while
 * the WOE is not monotone in the indicator's direction or a bin holds less than the least share. */
static int cut_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static cr_err monotone_bins(struct cr_sc_feature *f, const struct cr_learn_data *d,
                            const uint8_t *train, int direction, const struct cr_scorecard_opts *o,
                            size_t tb, size_t tg)
{
    /* The candidate cuts: the training values' quantiles, and (o->keep_cuts) the cut points
     * of the bins the feature has now — the model's own, the business cuts a count like
     * "one penalty" needs even when few firms reach it. */
    size_t n_keep = 0;
    size_t n_value = f->n_bins - (size_t)f->has_missing_bin;
    double *keep = malloc((n_value + 1) * sizeof *keep); /* every cut: none dropped */
    if (!keep)
        return CR_ENOMEM;
    for (size_t b = 0; o->keep_cuts && b + 1 < n_value; b++)
        if (isfinite(f->bins[b].hi))
            keep[n_keep++] = f->bins[b].hi;
    size_t m = 0;
    double *v = malloc((d->n + 1) * sizeof *v);
    if (!v) {
        free(keep);
        return CR_ENOMEM;
    }
    for (size_t i = 0; i < d->n; i++) {
        float x = d->x[i * d->p + f->j];
        if (train[i] && !isnan(x))
            v[m++] = x;
    }
    if (m < 2) {
        free(v);
        free(keep);
        return CR_OK; /* keep the model's bins */
    }
    qsort(v, m, sizeof *v, dcmp);
    size_t n_cuts = 0;
    double *cuts = malloc(((size_t)o->prebins + n_keep + 2) * sizeof *cuts);
    struct cr_sc_bin *bins = calloc((size_t)o->prebins + n_keep + 2, sizeof *bins);
    if (!bins || !cuts) {
        free(v);
        free(keep);
        free(cuts);
        free(bins);
        return CR_ENOMEM;
    }
    for (int q = 1; q < o->prebins; q++)
        cuts[n_cuts++] = v[(size_t)q * m / (size_t)o->prebins];
    for (size_t k = 0; k < n_keep; k++)
        cuts[n_cuts++] = keep[k];
    free(keep);
    qsort(cuts, n_cuts, sizeof *cuts, cut_cmp);
    cuts[n_cuts++] = INFINITY;
    size_t nb = 0;
    double lo = -INFINITY;
    for (size_t q = 0; q < n_cuts; q++) {
        double cut = cuts[q];
        /* a cut at or below the least value leaves an empty first bin */
        if (!(cut > lo) || (cut <= v[0] && q + 1 < n_cuts))
            continue;
        bins[nb].lo = lo;
        bins[nb].hi = cut;
        nb++;
        lo = cut;
    }
    free(v);
    free(cuts);
    if (!nb) {
        free(bins);
        return CR_OK;
    }
    bins[nb - 1].hi = INFINITY;
    bins[nb].lo = NAN; /* the missing bin */
    bins[nb].hi = NAN;
    free(f->bins);
    f->bins = bins;
    f->n_bins = nb + 1;
    f->has_missing_bin = 1;
    size_t min_n = (size_t)ceil(o->min_bin_share * (double)(tb + tg));
    for (;;) {
        count_bins(f, d, train, tb, tg);
        size_t k = f->n_bins - 1; /* value bins */
        if (k < 2)
            break;
        int dir = direction;
        if (!dir)
            dir = f->bins[k - 1].woe >= f->bins[0].woe ? 1 : -1;
        /* the first small bin, else the first pair out of order */
        size_t merge = SIZE_MAX;
        for (size_t b = 0; b < k && merge == SIZE_MAX; b++)
            if (f->bins[b].n < min_n)
                merge = b == k - 1 ? b - 1 : b;
        for (size_t b = 0; b + 1 < k && merge == SIZE_MAX; b++)
            if ((f->bins[b + 1].woe - f->bins[b].woe) * dir < 0)
                merge = b;
        if (merge == SIZE_MAX)
            break;
        f->bins[merge].hi = f->bins[merge + 1].hi;
        memmove(&f->bins[merge + 1], &f->bins[merge + 2],
                (f->n_bins - merge - 2) * sizeof *f->bins);
        f->n_bins--;
    }
    return CR_OK;
}

static void quiet(const char *s)
{
    (void)s;
}

/* The registry attributes of d (features p.. named "attr:C" or "attr:C=value"), appended to
 * out->f as features: a numeric one binned monotonically from quantiles, a categorical one
 * (its consecutive one-hot columns) with a bin per value, other and missing. */
static cr_err attr_features(const struct cr_learn_data *d, size_t p, const uint8_t *train,
                            const struct cr_scorecard_opts *o, size_t tb, size_t tg,
                            struct cr_scorecard *out)
{
    for (size_t j = p; j < d->p;) {
        const char *name = d->name[j];
        if (strncmp(name, "attr:", 5) != 0) {
            j++;
            continue;
        }
        const char *col = name + 5, *eq = strchr(col, '=');
        size_t cl = eq ? (size_t)(eq - col) : strlen(col);
        struct cr_sc_feature *f = &out->f[out->n_feat];
        memset(f, 0, sizeof *f);
        f->j = j;
        if (!(f->attr = strndup(name, 5 + cl))) /* "attr:C", the indicator's id */
            return CR_ENOMEM;
        out->n_feat++;
        f->id = f->attr;
        f->name = f->attr + 5;
        if (!eq) { /* numeric */
            if (!(f->bins = calloc(2, sizeof *f->bins)))
                return CR_ENOMEM;
            f->bins[0].lo = -INFINITY;
            f->bins[0].hi = INFINITY;
            f->bins[1].lo = f->bins[1].hi = NAN;
            f->n_bins = 2;
            f->has_missing_bin = 1;
            cr_err rc = monotone_bins(f, d, train, d->direction ? d->direction[j] : 0, o, tb, tg);
            if (rc)
                return rc;
            count_bins(f, d, train, tb, tg);
            j++;
            continue;
        }
        size_t k = 0;
        while (j + k < d->p && strncmp(d->name[j + k], name, 5 + cl + 1) == 0)
            k++;
        f->cols = malloc(k * sizeof *f->cols);
        f->levels = malloc(k * sizeof *f->levels);
        f->bins = calloc(k + 2, sizeof *f->bins);
        if (!f->cols || !f->levels || !f->bins)
            return CR_ENOMEM;
        for (size_t q = 0; q < k; q++) {
            f->cols[q] = j + q;
            f->levels[q] = d->name[j + q] + 5 + cl + 1;
            f->bins[q].lo = f->bins[q].hi = NAN;
        }
        f->n_levels = k;
        f->n_bins = k + 2;
        f->bins[k].lo = f->bins[k].hi = f->bins[k + 1].lo = f->bins[k + 1].hi = NAN;
        count_bins(f, d, train, tb, tg);
        j += k;
    }
    return CR_OK;
}

cr_err cr_scorecard_fit(const cr_model *m, const struct cr_learn_data *d, const uint8_t *rows_in,
                        const struct cr_scorecard_opts *o, struct cr_scorecard *out, cr_diag *diag)
{
    memset(out, 0, sizeof *out);
    size_t tb = 0, tg = 0;
    for (size_t i = 0; i < d->n; i++)
        if (rows_in[i])
            d->y[i] ? tb++ : tg++;
    if (!tb || !tg)
        return cr_diag_set(diag, CR_EINVAL, NULL, 0, 0,
                           "scorecard: the training rows hold %zu positives and %zu negatives", tb,
                           tg);
    out->n_train = tb + tg;
    out->n_bad = tb;
    size_t p = m->n_indicators;
    out->f = calloc(d->p + 1, sizeof *out->f);
    if (!out->f)
        return CR_ENOMEM;
    out->n_feat = p;
    cr_err rc = CR_OK;
    if ((rc = attr_features(d, p, rows_in, o, tb, tg, out)))
        goto fail;
    size_t q = 0;
    for (size_t a = 0; a < m->n_aspects; a++)
        for (size_t c = 0; c < m->aspects[a].n_categories; c++)
            for (size_t i = 0; i < m->aspects[a].categories[c].n_indicators; i++, q++) {
                struct cr_sc_feature *f = &out->f[q];
                const struct cr_indicator *ind = &m->aspects[a].categories[c].indicators[i];
                f->j = q;
                f->ind = ind;
                f->id = ind->id;
                f->name = ind->name;
                if (ind->n_map) { /* one bin per distinct points value of the map */
                    f->bins = calloc(ind->n_map + 2, sizeof *f->bins);
                    if (!f->bins) {
                        rc = CR_ENOMEM;
                        goto fail;
                    }
                    for (size_t k = 0; k <= ind->n_map + 1; k++) {
                        double pts = k < ind->n_map    ? ind->map[k].points
                                     : k == ind->n_map ? ind->map_default
                                                       : ind->missing_points;
                        int seen = 0;
                        for (size_t b = 0; b < f->n_bins; b++)
                            seen |= f->bins[b].old_points == pts;
                        if (!seen)
                            f->bins[f->n_bins++].old_points = pts;
                    }
                } else {
                    f->bins = calloc(ind->n_bins + 1, sizeof *f->bins);
                    if (!f->bins) {
                        rc = CR_ENOMEM;
                        goto fail;
                    }
                    for (size_t b = 0; b < ind->n_bins; b++) {
                        f->bins[b].lo = ind->bins[b].lo;
                        f->bins[b].hi = ind->bins[b].hi;
                    }
                    f->bins[ind->n_bins].lo = f->bins[ind->n_bins].hi = NAN;
                    f->n_bins = ind->n_bins + 1;
                    f->has_missing_bin = 1;
                    if (o->monotone &&
                        (rc = monotone_bins(f, d, rows_in, d->direction[q], o, tb, tg)))
                        goto fail;
                }
                count_bins(f, d, rows_in, tb, tg);
            }

    /* ---- logistic regression on the WOE values ---- */
    {
        size_t l = out->n_train;
        p = out->n_feat; /* indicators and attributes */
        struct feature_node *nodes = malloc((l * (p + 2) + 1) * sizeof *nodes);
        struct feature_node **rows = malloc((l + 1) * sizeof *rows);
        double *yy = malloc((l + 1) * sizeof *yy);
        if (!nodes || !rows || !yy) {
            free(nodes);
            free(rows);
            free(yy);
            rc = CR_ENOMEM;
            goto fail;
        }
        size_t r = 0, k = 0;
        for (size_t i = 0; i < d->n; i++) {
            if (!rows_in[i])
                continue;
            rows[r] = &nodes[k];
            yy[r++] = d->y[i] ? 1 : -1;
            for (size_t j = 0; j < p; j++) {
                int b = bin_of(&out->f[j], d->x + i * d->p);
                double w = b < 0 ? 0 : out->f[j].bins[b].woe;
                if (w != 0)
                    nodes[k++] = (struct feature_node){(int)j + 1, w};
            }
            nodes[k++] = (struct feature_node){(int)p + 1, 1.0}; /* the bias */
            nodes[k++] = (struct feature_node){-1, 0};
        }
        struct problem prob = {(int)l, (int)p + 1, yy, rows, -1};
        struct parameter par = {.solver_type = o->l1 ? L1R_LR : L2R_LR, .eps = o->eps, .C = o->c};
        set_print_string_function(quiet);
        const char *why = check_parameter(&prob, &par);
        struct model *lm = why ? NULL : train(&prob, &par);
        if (lm) {
            double sign = lm->label[0] == 1 ? 1 : -1;
            for (size_t j = 0; j < p; j++)
                out->f[j].coef = sign * lm->w[j];
            out->intercept = sign * lm->w[p];
            free_and_destroy_model(&lm);
        } else
            rc = cr_diag_set(diag, CR_EINVAL, NULL, 0, 0, "scorecard: liblinear: %s",
                             why ? why : "training failed");
        free(nodes);
        free(rows);
        free(yy);
        if (rc)
            goto fail;
    }

    /* ---- points ---- */
    out->b = o->pdo / log(2);
    out->a = o->points0 + out->b * log(o->odds0);
    out->c0 = out->intercept;
    out->r = 0;
    for (size_t j = 0; j < p; j++) {
        struct cr_sc_feature *f = &out->f[j];
        double lo = INFINITY, hi = -INFINITY;
        for (size_t b = 0; b < f->n_bins; b++) { /* over the bins that hold training rows */
            double c = f->coef * f->bins[b].woe;
            if (!f->bins[b].n)
                continue;
            lo = c < lo ? c : lo;
            hi = c > hi ? c : hi;
        }
        if (!(lo <= hi))
            lo = hi = 0;
        f->lo = lo;
        f->range = hi - lo;
        out->c0 += lo;
        out->r += f->range;
        for (size_t b = 0; b < f->n_bins; b++) {
            double c = f->coef * f->bins[b].woe;
            double pts = f->range > 0 ? 100 * (c - lo) / f->range : 0;
            /* within 0..100 (an empty bin's WOE 0 may fall outside; rounding may pass 100) */
            f->bins[b].points = pts < 0 ? 0 : pts > 100 ? 100 : pts;
            f->bins[b].pdo_points = -out->b * c;
        }
    }
    return CR_OK;
fail:
    cr_scorecard_free(out);
    return rc == CR_ENOMEM ? cr_diag_set(diag, rc, NULL, 0, 0, "scorecard: out of memory") : rc;
}

double cr_scorecard_logit(const struct cr_scorecard *sc, const float *x)
{
    double z = sc->intercept;
    for (size_t j = 0; j < sc->n_feat; j++) {
        int b = bin_of(&sc->f[j], x);
        if (b >= 0)
            z += sc->f[j].coef * sc->f[j].bins[b].woe;
    }
    return z;
}

/* The score as the engine computes it from the model file: sum of weight share x points. */
double cr_scorecard_score(const struct cr_scorecard *sc, const float *x)
{
    if (!(sc->r > 0))
        return 0;
    double s = 0;
    for (size_t j = 0; j < sc->n_feat; j++) {
        const struct cr_sc_feature *f = &sc->f[j];
        if (!(f->range > 0))
            continue;
        int b = bin_of(f, x);
        if (b >= 0)
            s += f->range / sc->r * f->bins[b].points;
    }
    return s;
}

cr_err cr_scorecard_cv(const cr_model *m, const struct cr_learn_data *d,
                       const struct cr_scorecard_opts *o, double *pred, struct cr_scorecard *final,
                       cr_diag *diag)
{
    uint8_t *train = malloc(d->n + 1);
    if (!train)
        return cr_diag_set(diag, CR_ENOMEM, NULL, 0, 0, "scorecard: out of memory");
    cr_err rc = CR_OK;
    for (size_t i = 0; i < d->n; i++)
        pred[i] = NAN;
    /* Out of time the model tested on the test rows is the final one (trained on the train
     * rows): fitted once. k-fold: one fit per fold, then the final on every row. */
    int rounds = d->out_of_time ? 0 : d->k;
    for (int k = 0; !rc && k < rounds; k++) {
        int test = d->out_of_time ? 1 : k;
        for (size_t i = 0; i < d->n; i++)
            train[i] = d->fold[i] != test;
        struct cr_scorecard sc;
        if ((rc = cr_scorecard_fit(m, d, train, o, &sc, diag)))
            break;
        for (size_t i = 0; i < d->n; i++)
            if (d->fold[i] == test)
                pred[i] = cr_scorecard_score(&sc, d->x + i * d->p);
        cr_scorecard_free(&sc);
    }
    for (size_t i = 0; !rc && i < d->n; i++)
        train[i] = !d->out_of_time || d->fold[i] == 0;
    if (!rc)
        rc = cr_scorecard_fit(m, d, train, o, final, diag);
    for (size_t i = 0; !rc && d->out_of_time && i < d->n; i++)
        if (d->fold[i] == 1)
            pred[i] = cr_scorecard_score(final, d->x + i * d->p);
    free(train);
    return rc;
}

/* ---------------------------------------------------------------- the model file */

struct sb {
    char *s;
    size_t len, cap;
    int oom;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) {
            b->oom = 1;
            return;
        }
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void sb_str(struct sb *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_fmt(struct sb *b, const char *fmt, ...) CR_FORMAT(2, 3);
static void sb_fmt(struct sb *b, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        sb_add(b, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* A YAML double-quoted scalar (JSON's string syntax is one). */
static void sb_q(struct sb *b, const char *s)
{
    json_t *j = json_string(s);
    char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    if (t)
        sb_str(b, t);
    else
        b->oom = 1;
    free(t);
    json_decref(j);
}

static void sb_num(struct sb *b, double v)
{
    if (isinf(v))
        sb_str(b, v > 0 ? "inf" : "-inf");
    else
        sb_fmt(b, "%.17g", v);
}

static void sb_list(struct sb *b, char **v, size_t n)
{
    sb_str(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_str(b, ", ");
        sb_q(b, v[i]);
    }
    sb_str(b, "]");
}

static const char *const reg_names[] = {"age_days", "capital", "industry", "type", "status"};
static const char *const graph_names[] = {"firms_at_address", "person_firms",
                                          "person_flagged_firms", "role_count"};

static void write_indicator(struct sb *b, const struct cr_indicator *ind,
                            const struct cr_sc_feature *f)
{
    sb_str(b, "          - id: ");
    sb_q(b, ind->id);
    sb_str(b, "\n            name: ");
    sb_q(b, ind->name);
    sb_str(b, "\n            input: ");
    if (ind->input == CR_IN_REGISTRY)
        sb_fmt(b, "{registry: %s}", reg_names[ind->field]);
    else {
        sb_str(b, ind->input == CR_IN_EVENTS ? "{events: {" : "{graph: {");
        int any = 0;
        if (ind->input == CR_IN_GRAPH) {
            sb_fmt(b, "feature: %s", graph_names[ind->feature]);
            any = 1;
        }
        if (ind->n_kinds) {
            sb_str(b, any ? ", kinds: " : "kinds: ");
            sb_list(b, ind->kinds, ind->n_kinds);
            any = 1;
        }
        if (ind->n_den_kinds) {
            sb_str(b, ", over: ");
            sb_list(b, ind->den_kinds, ind->n_den_kinds);
        }
        if (ind->flag) {
            sb_str(b, ", flag: ");
            sb_q(b, ind->flag);
        }
        if (ind->role) {
            sb_str(b, ", role: ");
            sb_q(b, ind->role);
        }
        sb_str(b, "}}");
    }
    if (ind->window_days)
        sb_fmt(b, "\n            window_days: %d", ind->window_days);
    sb_fmt(b, "\n            aggregation: %s", cr_agg_name(ind->agg));
    double missing = ind->missing_points;
    if (ind->n_map) {
        /* each map entry takes the points of the bin of its old points */
        sb_str(b, "\n            map: {");
        for (size_t k = 0; k <= ind->n_map; k++) {
            double old = k < ind->n_map ? ind->map[k].points : ind->map_default;
            double pts = 0;
            for (size_t x = 0; x < f->n_bins; x++)
                if (f->bins[x].old_points == old)
                    pts = f->bins[x].points;
            if (k)
                sb_str(b, ", ");
            if (k < ind->n_map)
                sb_q(b, ind->map[k].match);
            else
                sb_str(b, "default");
            sb_str(b, ": ");
            sb_num(b, pts);
        }
        sb_str(b, "}");
        for (size_t x = 0; x < f->n_bins; x++)
            if (f->bins[x].old_points == ind->missing_points)
                missing = f->bins[x].points;
    } else {
        sb_str(b, "\n            bins: [");
        size_t nb = f->n_bins - (size_t)f->has_missing_bin;
        for (size_t x = 0; x < nb; x++) {
            sb_str(b, x ? ", [" : "[");
            sb_num(b, f->bins[x].lo);
            sb_str(b, ", ");
            sb_num(b, f->bins[x].hi);
            sb_str(b, ", ");
            sb_num(b, f->bins[x].points);
            sb_str(b, "]");
        }
        sb_str(b, "]");
        missing = f->bins[nb].points;
    }
    sb_str(b, "\n            missing: ");
    sb_num(b, missing);
    sb_str(b, "\n            weight: ");
    sb_num(b, f->range > 0 ? f->range : 0);
    if (ind->n_sources) {
        sb_str(b, "\n            sources: ");
        sb_list(b, ind->sources, ind->n_sources);
    }
    sb_str(b, "\n            rationale: ");
    sb_q(b, ind->rationale);
    sb_fmt(b, "   # IV %.4f, coefficient %.6g\n", f->iv, f->coef);
}

/* A registry attribute as an indicator `input: {attr: C}`: bins, or a map of its values. */
static void write_attr(struct sb *b, const struct cr_sc_feature *f)
{
    sb_str(b, "          - id: ");
    sb_q(b, f->id);
    sb_str(b, "\n            name: ");
    sb_q(b, f->name);
    sb_str(b, "\n            input: {attr: ");
    sb_q(b, f->name);
    sb_str(b, "}\n            aggregation: value");
    double missing;
    if (f->n_levels) {
        sb_str(b, "\n            map: {");
        for (size_t k = 0; k < f->n_levels; k++) {
            if (k)
                sb_str(b, ", ");
            sb_q(b, f->levels[k]);
            sb_str(b, ": ");
            sb_num(b, f->bins[k].points);
        }
        sb_str(b, ", default: ");
        sb_num(b, f->bins[f->n_levels].points);
        sb_str(b, "}");
        missing = f->bins[f->n_levels + 1].points;
    } else {
        sb_str(b, "\n            bins: [");
        size_t nb = f->n_bins - 1;
        for (size_t x = 0; x < nb; x++) {
            sb_str(b, x ? ", [" : "[");
            sb_num(b, f->bins[x].lo);
            sb_str(b, ", ");
            sb_num(b, f->bins[x].hi);
            sb_str(b, ", ");
            sb_num(b, f->bins[x].points);
            sb_str(b, "]");
        }
        sb_str(b, "]");
        missing = f->bins[nb].points;
    }
    sb_str(b, "\n            missing: ");
    sb_num(b, missing);
    sb_str(b, "\n            weight: ");
    sb_num(b, f->range > 0 ? f->range : 0);
    sb_str(b, "\n            rationale: ");
    char why[256];
    snprintf(why, sizeof why, "登记属性（学习所得）：%s", f->name);
    sb_q(b, why);
    sb_fmt(b, "   # IV %.4f, coefficient %.6g\n", f->iv, f->coef);
}

cr_err cr_scorecard_model_text(const cr_model *base, const struct cr_scorecard *sc, const char *id,
                               const char *name, const char *comment, char **out)
{
    struct sb b = {0};
    *out = NULL;
    if (comment)
        sb_str(&b, comment);
    sb_fmt(&b,
           "# Scores are linear in the log-odds: logit = %.10g + %.10g * score / 100; credit\n"
           "# points on the PDO scale = %.10g - %.10g * logit.\n",
           sc->c0, sc->r, sc->a, sc->b);
    sb_str(&b, "model: ");
    sb_q(&b, id);
    sb_str(&b, "\nversion: 1\nname: ");
    sb_q(&b, name);
    sb_str(&b, "\nmethod: scorecard\nlevels:\n");
    if (base->level_method == CR_LEVELS_SHARE)
        sb_fmt(&b, "  method: share\n  shares: {A: %.17g, B: %.17g, C: %.17g, D: %.17g}\n",
               base->level_share[0], base->level_share[1], base->level_share[2],
               base->level_share[3]);
    else
        sb_fmt(&b, "  method: score\n  scores: {B: %.17g, C: %.17g, D: %.17g}\n",
               base->level_score[1], base->level_score[2], base->level_score[3]);
    if (base->n_vetoes) {
        sb_str(&b, "vetoes:\n");
        for (size_t v = 0; v < base->n_vetoes; v++) {
            const struct cr_veto *x = &base->vetoes[v];
            sb_str(&b, "  - {id: ");
            sb_q(&b, x->id);
            sb_str(&b, ", name: ");
            sb_q(&b, x->name);
            sb_str(&b, ", kinds: ");
            sb_list(&b, x->kinds, x->n_kinds);
            sb_fmt(&b, ", window_days: %d, min_count: %d, level: %c}\n", x->window_days,
                   x->min_count, x->level);
        }
    }
    if (base->n_flags) {
        sb_str(&b, "flags:\n");
        for (size_t k = 0; k < base->n_flags; k++) {
            const struct cr_flag *x = &base->flags[k];
            sb_str(&b, "  - {id: ");
            sb_q(&b, x->id);
            sb_str(&b, ", kinds: ");
            sb_list(&b, x->kinds, x->n_kinds);
            sb_str(&b, ", attr: ");
            sb_q(&b, x->attr);
            sb_str(&b, x->negate ? ", not_in: " : ", in: ");
            sb_list(&b, x->values, x->n_values);
            sb_str(&b, "}\n");
        }
    }
    sb_str(&b, "aspects:\n");
    size_t q = 0;
    for (size_t a = 0; a < base->n_aspects; a++) {
        const struct cr_aspect *as = &base->aspects[a];
        double wa = 0;
        size_t q0 = q;
        for (size_t c = 0; c < as->n_categories; c++)
            for (size_t i = 0; i < as->categories[c].n_indicators; i++)
                wa += sc->f[q0++].range;
        sb_str(&b, "  - id: ");
        sb_q(&b, as->id);
        sb_str(&b, "\n    name: ");
        sb_q(&b, as->name);
        sb_str(&b, "\n    weight: ");
        sb_num(&b, wa);
        sb_str(&b, "\n    categories:\n");
        for (size_t c = 0; c < as->n_categories; c++) {
            const struct cr_category *cat = &as->categories[c];
            double wc = 0;
            for (size_t i = 0; i < cat->n_indicators; i++)
                wc += sc->f[q + i].range;
            sb_str(&b, "      - id: ");
            sb_q(&b, cat->id);
            sb_str(&b, "\n        name: ");
            sb_q(&b, cat->name);
            sb_str(&b, "\n        weight: ");
            sb_num(&b, wc);
            sb_str(&b, "\n        indicators:\n");
            for (size_t i = 0; i < cat->n_indicators; i++, q++)
                write_indicator(&b, &cat->indicators[i], &sc->f[q]);
        }
    }
    /* the registry attributes: an aspect of their own */
    double wr = 0;
    for (size_t j = q; j < sc->n_feat; j++)
        wr += sc->f[j].range;
    if (q < sc->n_feat && wr > 0) {
        sb_str(&b, "  - id: registry_attrs\n    name: 登记属性\n    weight: ");
        sb_num(&b, wr);
        sb_str(&b, "\n    categories:\n      - id: registry_attrs\n        name: 登记属性\n"
                   "        weight: ");
        sb_num(&b, wr);
        sb_str(&b, "\n        indicators:\n");
        for (size_t j = q; j < sc->n_feat; j++)
            write_attr(&b, &sc->f[j]);
    }
    if (b.oom) {
        free(b.s);
        return CR_ENOMEM;
    }
    *out = b.s;
    return CR_OK;
}
