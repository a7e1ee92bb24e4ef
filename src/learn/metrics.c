/* Metrics of the learn stage (docs/learn.md "Metrics", DOMAIN.md §12). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/learn.h"

struct sy {
    double s;
    int8_t y;
};

static int by_score(const void *a, const void *b)
{
    double x = ((const struct sy *)a)->s, y = ((const struct sy *)b)->s;
    return x < y ? -1 : x > y;
}

/* The rows with a score, sorted ascending; NULL when out of memory. */
static struct sy *sorted(const double *score, const int8_t *y, size_t n, size_t *m)
{
    *m = 0;
    if (n >= SIZE_MAX / sizeof(struct sy))
        return NULL;
    struct sy *v = malloc((n + 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!isnan(score[i]))
            v[(*m)++] = (struct sy){score[i], y[i]};
    qsort(v, *m, sizeof *v, by_score);
    return v;
}

/* AUC of the sorted rows v (ties share their average rank); NAN when a class is empty. */
static double auc_sorted(const struct sy *v, size_t m)
{
    double pos = 0, neg = 0, rank_sum = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j + 1 < m && v[j + 1].s == v[i].s)
            j++;
        double r = (double)(i + j) / 2 + 1; /* the group's average rank, from 1 */
        for (size_t k = i; k <= j; k++)
            if (v[k].y)
                rank_sum += r;
        i = j + 1;
    }
    for (size_t i = 0; i < m; i++)
        v[i].y ? pos++ : neg++;
    if (pos == 0 || neg == 0)
        return NAN;
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

/* KS of the sorted rows v; NAN when a class is empty. */
static double ks_sorted(const struct sy *v, size_t m)
{
    double pos = 0, neg = 0, tp = 0, fp = 0, ks = 0;
    for (size_t i = 0; i < m; i++)
        v[i].y ? pos++ : neg++;
    for (size_t k = m; k-- > 0;) {
        v[k].y ? tp++ : fp++;
        if (k == 0 || v[k - 1].s != v[k].s) {
            double dd = tp / pos - fp / neg;
            if (dd > ks)
                ks = dd;
        }
    }
    return pos > 0 && neg > 0 ? ks : NAN;
}

cr_err cr_learn_auc_ks(const double *score, const int8_t *y, size_t n, double *auc, double *ks)
{
    size_t m;
    struct sy *v = sorted(score, y, n, &m);
    if (!v)
        return CR_ENOMEM;
    if (auc)
        *auc = auc_sorted(v, m);
    if (ks)
        *ks = ks_sorted(v, m);
    free(v);
    return CR_OK;
}

double cr_learn_auc(const double *score, const int8_t *y, size_t n)
{
    double a = NAN;
    return cr_learn_auc_ks(score, y, n, &a, NULL) ? NAN : a;
}

double cr_learn_ks(const double *score, const int8_t *y, size_t n)
{
    double k = NAN;
    return cr_learn_auc_ks(score, y, n, NULL, &k) ? NAN : k;
}

size_t cr_learn_roc(const double *score, const int8_t *y, size_t n, double *fpr, double *tpr,
                    size_t max_points)
{
    size_t m;
    struct sy *v = sorted(score, y, n, &m);
    if (!v || max_points < 2) {
        free(v);
        return 0;
    }
    double pos = 0, neg = 0, tp = 0, fp = 0;
    for (size_t i = 0; i < m; i++)
        v[i].y ? pos++ : neg++;
    size_t k = 0, step = m / (max_points - 2) + 1, since = 0;
    fpr[k] = 0, tpr[k++] = 0;
    for (size_t i = m; i-- > 0;) {
        v[i].y ? tp++ : fp++;
        since++;
        if ((i == 0 || v[i - 1].s != v[i].s) && since >= step && k < max_points - 1) {
            fpr[k] = neg ? fp / neg : 0, tpr[k++] = pos ? tp / pos : 0;
            since = 0;
        }
    }
    fpr[k] = 1, tpr[k++] = 1;
    free(v);
    return k;
}

void cr_learn_level_stats(const char *level, const int8_t *y, size_t n,
                          struct cr_learn_level_stat out[4])
{
    memset(out, 0, 4 * sizeof *out);
    size_t all = 0, all_pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (level[i] < 'A' || level[i] > 'D')
            continue;
        out[level[i] - 'A'].n++;
        out[level[i] - 'A'].pos += y[i] == 1;
        all++;
        all_pos += y[i] == 1;
    }
    double overall = all ? (double)all_pos / (double)all : NAN;
    for (int l = 0; l < 4; l++) {
        out[l].hit = out[l].n ? (double)out[l].pos / (double)out[l].n : NAN;
        out[l].lift = overall > 0 ? out[l].hit / overall : NAN;
    }
}

struct si {
    double s;
    size_t i;
};

static int by_s(const void *a, const void *b)
{
    const struct si *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

cr_err cr_learn_levels_by_share(const double *score, size_t n, const double share[4], char *level)
{
    struct si *v = malloc((n + 1) * sizeof *v);
    if (!v)
        return CR_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        level[i] = 0;
        if (!isnan(score[i]))
            v[m++] = (struct si){score[i], i};
    }
    qsort(v, m, sizeof *v, by_s);
    /* Walk from the riskiest: the top share[3] get D, then C, B; a group of equal scores that
     * would straddle a cut goes wholly to the less risky side. */
    double cum = 0;
    size_t quota[4];
    for (int l = 3; l >= 0; l--) {
        cum += share[l];
        quota[l] = (size_t)floor(cum * (double)m + 1e-9);
    }
    size_t done = 0; /* rows assigned from the top */
    int l = 3;
    for (size_t hi = m; hi > 0;) {
        size_t lo = hi - 1;
        while (lo > 0 && v[lo - 1].s == v[hi - 1].s)
            lo--;
        size_t g = hi - lo;
        while (l > 0 && done + g > quota[l])
            l--;
        for (size_t k = lo; k < hi; k++)
            level[v[k].i] = (char)('A' + l);
        done += g;
        hi = lo;
    }
    free(v);
    return CR_OK;
}

cr_err cr_learn_calibration(const double *score, const int8_t *y, size_t n, int bins,
                            struct cr_learn_calib *out)
{
    size_t m;
    struct sy *v = sorted(score, y, n, &m);
    if (!v)
        return CR_ENOMEM;
    memset(out, 0, (size_t)bins * sizeof *out);
    for (size_t i = 0; i < m; i++) {
        size_t b = i * (size_t)bins / (m ? m : 1);
        out[b].n++;
        out[b].pos += v[i].y == 1;
        out[b].mean_score += v[i].s;
    }
    for (int b = 0; b < bins; b++) {
        out[b].hit = out[b].n ? (double)out[b].pos / (double)out[b].n : NAN;
        out[b].mean_score = out[b].n ? out[b].mean_score / (double)out[b].n : NAN;
    }
    free(v);
    return CR_OK;
}

cr_err cr_learn_lifts(const double *score, const int8_t *y, size_t n, const double *q, size_t nq,
                      double *out)
{
    size_t m;
    struct sy *v = sorted(score, y, n, &m);
    if (!v)
        return CR_ENOMEM;
    size_t pos = 0;
    for (size_t i = 0; i < m; i++)
        pos += v[i].y == 1;
    for (size_t k = 0; k < nq; k++) {
        size_t top = (size_t)ceil(q[k] * (double)m), tpos = 0;
        if (top > m)
            top = m;
        for (size_t i = m - top; i < m; i++)
            tpos += v[i].y == 1;
        out[k] =
            !m || !pos || !top ? NAN : ((double)tpos / (double)top) / ((double)pos / (double)m);
    }
    free(v);
    return CR_OK;
}

static double psi_term(double e, double a)
{
    if (e < CR_PSI_FLOOR)
        e = CR_PSI_FLOOR;
    if (a < CR_PSI_FLOOR)
        a = CR_PSI_FLOOR;
    return (a - e) * log(a / e);
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

cr_err cr_learn_psi_table(const double *expected, size_t ne, const double *actual, size_t na,
                          int bins, struct cr_learn_psi_bin *out, double *psi_out)
{
    if (bins < 1)
        return CR_EINVAL;
    if (ne >= SIZE_MAX / sizeof(double))
        return CR_ENOMEM;
    double *e = malloc((ne + 1) * sizeof *e);
    double *cut = malloc(((size_t)bins + 1) * sizeof *cut);
    size_t *ce = calloc((size_t)bins + 1, sizeof *ce), *ca = calloc((size_t)bins + 1, sizeof *ca);
    cr_err rc = e && cut && ce && ca ? CR_OK : CR_ENOMEM;
    double psi = NAN;
    size_t me = 0, ma = 0;
    for (size_t i = 0; !rc && i < ne; i++)
        if (!isnan(expected[i]))
            e[me++] = expected[i];
    if (rc || !me)
        goto out;
    qsort(e, me, sizeof *e, dcmp);
    for (int b = 1; b < bins; b++) /* bin b holds values in [cut[b-1], cut[b]) */
        cut[b - 1] = e[(size_t)b * me / (size_t)bins];
    for (int side = 0; side < 2; side++) {
        const double *v = side ? actual : expected;
        size_t nv = side ? na : ne;
        size_t *c = side ? ca : ce;
        for (size_t i = 0; i < nv; i++) {
            if (isnan(v[i]))
                continue;
            /* the first bin whose upper cut is above the value (binary search) */
            int lo = 0, hi = bins - 1;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (v[i] >= cut[mid])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            c[lo]++;
            if (side)
                ma++;
        }
    }
    if (!ma)
        goto out;
    psi = 0;
    for (int b = 0; b < bins; b++) {
        double fe = (double)ce[b] / (double)me, fa = (double)ca[b] / (double)ma;
        double t = psi_term(fe, fa);
        psi += t;
        if (out)
            out[b] = (struct cr_learn_psi_bin){b ? cut[b - 1] : -INFINITY,
                                               b < bins - 1 ? cut[b] : INFINITY,
                                               ce[b],
                                               ca[b],
                                               fe,
                                               fa,
                                               t};
    }
out:
    free(e);
    free(cut);
    free(ce);
    free(ca);
    if (!rc)
        *psi_out = psi;
    return rc;
}

cr_err cr_learn_psi_scores(const double *expected, size_t ne, const double *actual, size_t na,
                           int bins, double *psi)
{
    return cr_learn_psi_table(expected, ne, actual, na, bins, NULL, psi);
}

double cr_learn_psi_levels_table(const char *expected, size_t ne, const char *actual, size_t na,
                                 struct cr_learn_psi_bin *out)
{
    size_t ce[4] = {0}, ca[4] = {0}, te = 0, ta = 0;
    for (size_t i = 0; i < ne; i++)
        if (expected[i] >= 'A' && expected[i] <= 'D') {
            ce[expected[i] - 'A']++;
            te++;
        }
    for (size_t i = 0; i < na; i++)
        if (actual[i] >= 'A' && actual[i] <= 'D') {
            ca[actual[i] - 'A']++;
            ta++;
        }
    double psi = te && ta ? 0 : NAN;
    for (int l = 0; l < 4; l++) {
        double fe = te ? (double)ce[l] / (double)te : NAN;
        double fa = ta ? (double)ca[l] / (double)ta : NAN;
        double t = te && ta ? psi_term(fe, fa) : NAN;
        if (te && ta)
            psi += t;
        if (out)
            out[l] = (struct cr_learn_psi_bin){NAN, NAN, ce[l], ca[l], fe, fa, t};
    }
    return psi;
}

double cr_learn_psi_levels(const char *expected, size_t ne, const char *actual, size_t na)
{
    return cr_learn_psi_levels_table(expected, ne, actual, na, NULL);
}

void cr_learn_district_stats(const struct cr_learn_data *d, const char *level, const uint8_t *mask,
                             const char *flag_levels, size_t min_rows,
                             struct cr_learn_district *out, double *hit_ratio, double *fpr_ratio)
{
    memset(out, 0, d->n_districts * sizeof *out);
    for (size_t i = 0; i < d->n; i++) {
        if ((mask && !mask[i]) || d->district[i] < 0 || !level[i])
            continue;
        struct cr_learn_district *o = &out[d->district[i]];
        int flagged = strchr(flag_levels, level[i]) != NULL;
        o->n++;
        o->pos += d->y[i] == 1;
        o->flagged += flagged;
        o->flagged_pos += flagged && d->y[i] == 1;
    }
    double best_hit = -1, worst_hit = INFINITY, best_fpr = INFINITY, worst_fpr = -1;
    for (size_t k = 0; k < d->n_districts; k++) {
        struct cr_learn_district *o = &out[k];
        size_t neg = o->n - o->pos;
        o->hit = o->flagged ? (double)o->flagged_pos / (double)o->flagged : NAN;
        o->fpr = neg ? (double)(o->flagged - o->flagged_pos) / (double)neg : NAN;
        if (o->n < min_rows || !o->flagged)
            continue;
        if (o->hit > best_hit)
            best_hit = o->hit;
        if (o->hit < worst_hit)
            worst_hit = o->hit;
        if (!isnan(o->fpr)) {
            if (o->fpr < best_fpr)
                best_fpr = o->fpr;
            if (o->fpr > worst_fpr)
                worst_fpr = o->fpr;
        }
    }
    *hit_ratio = best_hit >= 0 && worst_hit > 0 ? best_hit / worst_hit : NAN;
    *fpr_ratio = worst_fpr >= 0 && best_fpr > 0 && isfinite(best_fpr) ? worst_fpr / best_fpr : NAN;
}
