#include "crisk/progress.h"
#include "crisk/classify.h"
#include "crisk/text.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_TOPICS_SEEN 32 /* distinct_topics counts up to this many */

/* One indicator, resolved against a city. */
struct ind_plan {
    const struct cr_indicator *ind;
    int aspect, category;
    double share;  /* normalised weight: aspect x category x indicator */
    int flag_bit;  /* -1: every event of the kinds counts */
    int role;      /* graph: index into city role names, -1 when the city has none */
    int firm_flag; /* person_flagged_firms: index of its per-firm flag array */
};

struct plan {
    const cr_model *m;
    const struct cr_city *c;
    size_t n_ind;
    struct ind_plan *ind;
    /* kind → indicators that count it: entries [kofs[k], kofs[k+1]) of kind_ind / kind_den */
    size_t *kofs;
    int32_t *kind_ind;
    uint8_t *kind_den;
    /* veto kinds: bit v of veto_kinds[k] set when veto v counts kind k */
    uint64_t *veto_kinds; /* CR_MAX_VETOES bits */
    int32_t *addr_count;
    size_t *pf_off; /* person → firms */
    int32_t *pf_firm;
    size_t n_firm_flags;
    uint8_t **firm_flags;      /* [n_firm_flags][n] */
    uint8_t **firm_flag_kinds; /* [n_firm_flags][n_kinds]: 1 when the firm flag counts the kind */
};

struct acc {
    int64_t count, den;
    double sum, max;
    int32_t last;
    int n_topics;
    uint16_t topics[MAX_TOPICS_SEEN];
};

void cr_scores_free(struct cr_scores *s)
{
    if (!s)
        return;
    free(s->score);
    free(s->level);
    free(s->veto);
    free(s->aspects);
    free(s->top);
    memset(s, 0, sizeof *s);
}

static int kind_index(const struct cr_city *c, const char *kind)
{
    for (size_t k = 0; k < c->n_kinds; k++)
        if (strcmp(c->kinds[k], kind) == 0)
            return (int)k;
    return -1;
}

static int role_index(const struct cr_city *c, const char *role)
{
    for (size_t k = 0; role && k < c->n_role_names; k++)
        if (strcmp(c->role_names[k], role) == 0)
            return (int)k;
    return -1;
}

static void plan_free(struct plan *p)
{
    free(p->ind);
    free(p->kofs);
    free(p->kind_ind);
    free(p->kind_den);
    free(p->veto_kinds);
    free(p->addr_count);
    free(p->pf_off);
    free(p->pf_firm);
    for (size_t i = 0; i < p->n_firm_flags; i++) {
        if (p->firm_flags)
            free(p->firm_flags[i]);
        if (p->firm_flag_kinds)
            free(p->firm_flag_kinds[i]);
    }
    free(p->firm_flags);
    free(p->firm_flag_kinds);
}

static double wsum(double total, double w)
{
    return total > 0 ? w / total : 0;
}

/* Resolves kinds, flags, roles and weights of every indicator. */
static cr_err plan_indicators(struct plan *p)
{
    const cr_model *m = p->m;
    p->ind = calloc(m->n_indicators + 1, sizeof *p->ind);
    if (!p->ind)
        return CR_ENOMEM;
    double wa = 0;
    for (size_t a = 0; a < m->n_aspects; a++)
        wa += m->aspects[a].weight;
    size_t k = 0;
    for (size_t a = 0; a < m->n_aspects; a++) {
        const struct cr_aspect *as = &m->aspects[a];
        double wc = 0;
        for (size_t c = 0; c < as->n_categories; c++)
            wc += as->categories[c].weight;
        for (size_t c = 0; c < as->n_categories; c++) {
            const struct cr_category *cat = &as->categories[c];
            double wi = 0;
            for (size_t i = 0; i < cat->n_indicators; i++)
                wi += cat->indicators[i].weight;
            for (size_t i = 0; i < cat->n_indicators; i++) {
                const struct cr_indicator *ind = &cat->indicators[i];
                struct ind_plan *ip = &p->ind[k++];
                ip->ind = ind;
                ip->aspect = (int)a;
                ip->category = (int)c;
                ip->share = wsum(wa, as->weight) * wsum(wc, cat->weight) * wsum(wi, ind->weight);
                ip->flag_bit = -1;
                for (size_t f = 0; ind->flag && f < m->n_flags; f++)
                    if (strcmp(m->flags[f].id, ind->flag) == 0)
                        ip->flag_bit = (int)f;
                ip->role = role_index(p->c, ind->role);
                ip->firm_flag = -1;
                if (ind->input == CR_IN_GRAPH && ind->feature == CR_G_PERSON_FLAGGED_FIRMS)
                    ip->firm_flag = (int)p->n_firm_flags++;
            }
        }
    }
    p->n_ind = k;
    return CR_OK;
}

/* kind → (indicator, numerator or denominator) lists, and veto kind masks. */
static cr_err plan_kinds(struct plan *p)
{
    const struct cr_city *c = p->c;
    size_t nk = c->n_kinds;
    p->kofs = calloc(nk + 2, sizeof *p->kofs);
    p->veto_kinds = calloc(nk + 1, sizeof *p->veto_kinds);
    if (!p->kofs || !p->veto_kinds)
        return CR_ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        size_t *fill = pass ? calloc(nk + 1, sizeof *fill) : NULL;
        if (pass && !fill)
            return CR_ENOMEM;
        for (size_t i = 0; i < p->n_ind; i++) {
            const struct cr_indicator *ind = p->ind[i].ind;
            if (ind->input != CR_IN_EVENTS)
                continue;
            for (int den = 0; den < 2; den++) {
                char **names = den ? ind->den_kinds : ind->kinds;
                size_t nn = den ? ind->n_den_kinds : ind->n_kinds;
                for (size_t j = 0; j < nn; j++) {
                    int kk = kind_index(c, names[j]);
                    if (kk < 0)
                        continue; /* no topic of this kind: counts nothing */
                    if (!pass) {
                        p->kofs[kk + 1]++;
                    } else {
                        size_t at = p->kofs[kk] + fill[kk]++;
                        p->kind_ind[at] = (int32_t)i;
                        p->kind_den[at] = (uint8_t)den;
                    }
                }
            }
        }
        if (!pass) {
            for (size_t kk = 0; kk < nk; kk++)
                p->kofs[kk + 1] += p->kofs[kk];
            p->kind_ind = calloc(p->kofs[nk] + 1, sizeof *p->kind_ind);
            p->kind_den = calloc(p->kofs[nk] + 1, sizeof *p->kind_den);
            if (!p->kind_ind || !p->kind_den)
                return CR_ENOMEM;
        }
        free(fill);
    }
    for (size_t v = 0; v < p->m->n_vetoes && v < CR_MAX_VETOES; v++)
        for (size_t j = 0; j < p->m->vetoes[v].n_kinds; j++) {
            int kk = kind_index(c, p->m->vetoes[v].kinds[j]);
            if (kk >= 0)
                p->veto_kinds[kk] |= 1ULL << v;
        }
    return CR_OK;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Address counts and person → firms lists (each firm once per person). */
static cr_err plan_graph(struct plan *p)
{
    const struct cr_city *c = p->c;
    p->addr_count = calloc(c->n_addr + 1, sizeof *p->addr_count);
    p->pf_off = calloc(c->n_persons + 2, sizeof *p->pf_off);
    p->pf_firm = calloc(c->n_roles + 1, sizeof *p->pf_firm);
    if (!p->addr_count || !p->pf_off || !p->pf_firm)
        return CR_ENOMEM;
    for (size_t e = 0; e < c->n; e++)
        if (c->addr[e] >= 0)
            p->addr_count[c->addr[e]]++;
    for (size_t r = 0; r < c->n_roles; r++)
        p->pf_off[c->ro_person[r] + 1]++;
    for (size_t q = 0; q < c->n_persons; q++)
        p->pf_off[q + 1] += p->pf_off[q];
    size_t *fill = calloc(c->n_persons + 1, sizeof *fill);
    if (!fill)
        return CR_ENOMEM;
    for (size_t e = 0; e < c->n; e++)
        for (size_t r = c->ro_off[e]; r < c->ro_off[e + 1]; r++) {
            int32_t q = c->ro_person[r];
            p->pf_firm[p->pf_off[q] + fill[q]++] = (int32_t)e;
        }
    /* Sort each person's firms and drop repeats in place; pf_off keeps the old bounds, so the
     * list of q is [pf_off[q], pf_off[q] + fill[q]) after this. */
    for (size_t q = 0; q < c->n_persons; q++) {
        int32_t *v = p->pf_firm + p->pf_off[q];
        size_t n = fill[q], w = 0;
        qsort(v, n, sizeof *v, cmp_i32);
        for (size_t i = 0; i < n; i++)
            if (!w || v[w - 1] != v[i])
                v[w++] = v[i];
        fill[q] = w;
    }
    /* Rebuild compact offsets. */
    size_t out = 0;
    for (size_t q = 0; q < c->n_persons; q++) {
        size_t start = p->pf_off[q], n = fill[q];
        memmove(p->pf_firm + out, p->pf_firm + start, n * sizeof *p->pf_firm);
        p->pf_off[q] = out;
        out += n;
    }
    p->pf_off[c->n_persons] = out;
    free(fill);
    p->firm_flags = calloc(p->n_firm_flags + 1, sizeof *p->firm_flags);
    p->firm_flag_kinds = calloc(p->n_firm_flags + 1, sizeof *p->firm_flag_kinds);
    if (!p->firm_flags || !p->firm_flag_kinds)
        return CR_ENOMEM;
    for (size_t i = 0; i < p->n_ind; i++) {
        int g = p->ind[i].firm_flag;
        if (g < 0)
            continue;
        if (!(p->firm_flags[g] = calloc(c->n + 1, 1)) ||
            !(p->firm_flag_kinds[g] = calloc(c->n_kinds + 1, 1)))
            return CR_ENOMEM;
        for (size_t j = 0; j < p->ind[i].ind->n_kinds; j++) {
            int kk = kind_index(c, p->ind[i].ind->kinds[j]);
            if (kk >= 0)
                p->firm_flag_kinds[g][kk] = 1;
        }
    }
    return CR_OK;
}

static int in_window(int32_t day, int32_t as_of, int window_days)
{
    return day <= as_of && (window_days <= 0 || day > as_of - window_days);
}

/* Per-firm flags for person_flagged_firms: does the firm have an event of the kinds? */
static void firm_flags_of(const struct plan *p, int32_t as_of, size_t e)
{
    const struct cr_city *c = p->c;
    for (size_t i = 0; i < p->n_ind; i++) {
        int g = p->ind[i].firm_flag;
        if (g < 0)
            continue;
        uint8_t hit = 0;
        size_t lo, hi;
        cr_city_events(c, e, &lo, &hi);
        for (size_t j = lo; j < hi && !hit; j++) {
            int kk = c->topic_kind[c->ev_topic[j]];
            hit = kk >= 0 && p->firm_flag_kinds[g][kk] &&
                  in_window(c->ev_day[j], as_of, p->ind[i].ind->window_days);
        }
        p->firm_flags[g][e] = hit;
    }
}

double cr_attr_number(const char *text)
{
    if (!text || !*text)
        return NAN;
    char *end;
    double x = strtod(text, &end);
    return !*end && isfinite(x) ? (double)(float)x : NAN;
}

/* prefix 1: industry code prefixes; 2: substrings; 3: the exact value (attributes) */
static double map_points(const struct cr_indicator *ind, const char *v, int prefix)
{
    for (size_t i = 0; i < ind->n_map; i++) {
        const char *k = ind->map[i].match;
        if (prefix == 1   ? strncmp(v, k, strlen(k)) == 0
            : prefix == 3 ? strcmp(v, k) == 0
                          : strstr(v, k) != NULL)
            return ind->map[i].points;
    }
    return ind->map_default;
}

static double bin_points(const struct cr_indicator *ind, double v)
{
    if (v < ind->bins[0].lo)
        return ind->bins[0].points;
    for (size_t i = 0; i < ind->n_bins; i++)
        if (v >= ind->bins[i].lo && v < ind->bins[i].hi)
            return ind->bins[i].points;
    return ind->bins[ind->n_bins - 1].points;
}

/* A graph value; NAN when the firm has no person in the role (or no address). */
static double graph_value(const struct plan *p, const struct ind_plan *ip, size_t e)
{
    const struct cr_city *c = p->c;
    const struct cr_indicator *ind = ip->ind;
    if (ind->feature == CR_G_FIRMS_AT_ADDRESS)
        return c->addr[e] >= 0 ? (double)p->addr_count[c->addr[e]] : (double)NAN;
    double best = NAN;
    int holders = 0;
    for (size_t r = c->ro_off[e]; r < c->ro_off[e + 1]; r++) {
        if (ip->role < 0 || c->ro_role[r] != ip->role)
            continue;
        holders++;
        int32_t q = c->ro_person[r];
        double v = 0;
        if (ind->feature == CR_G_PERSON_FIRMS) {
            v = (double)(p->pf_off[q + 1] - p->pf_off[q]) - 1;
        } else if (ind->feature == CR_G_PERSON_FLAGGED_FIRMS) {
            for (size_t k = p->pf_off[q]; k < p->pf_off[q + 1]; k++)
                v += p->pf_firm[k] != (int32_t)e && p->firm_flags[ip->firm_flag][p->pf_firm[k]];
        }
        if (isnan(best) || v > best)
            best = v;
    }
    if (ind->feature == CR_G_ROLE_COUNT)
        return holders;
    return best;
}

/* Computes one enterprise. values/points/shares are arrays of p->n_ind; returns the score and
 * the index of the forcing veto in *veto (-1 none). */
static double score_one(const struct plan *p, int32_t as_of, size_t e, struct acc *acc,
                        double *values, double *points, double *shares, int *veto)
{
    const struct cr_city *c = p->c;
    memset(acc, 0, p->n_ind * sizeof *acc);
    for (size_t i = 0; i < p->n_ind; i++)
        acc[i].last = CR_NO_DAY;
    int veto_count[CR_MAX_VETOES] = {0};
    size_t lo, hi;
    cr_city_events(c, e, &lo, &hi);
    for (size_t j = lo; j < hi; j++) {
        int32_t day = c->ev_day[j];
        if (day > as_of)
            continue; /* the future never counts */
        int kk = c->topic_kind[c->ev_topic[j]];
        if (kk < 0)
            continue;
        for (uint64_t vm = p->veto_kinds[kk]; vm; vm &= vm - 1) {
            int v = __builtin_ctzll(vm);
            if (in_window(day, as_of, p->m->vetoes[v].window_days))
                veto_count[v]++;
        }
        for (size_t t = p->kofs[kk]; t < p->kofs[kk + 1]; t++) {
            const struct ind_plan *ip = &p->ind[p->kind_ind[t]];
            struct acc *a = &acc[p->kind_ind[t]];
            if (!in_window(day, as_of, ip->ind->window_days))
                continue;
            if (p->kind_den[t]) {
                a->den++;
                continue;
            }
            if (ip->flag_bit >= 0 && !(c->ev_flags[j] >> ip->flag_bit & 1))
                continue;
            a->count++;
            if (c->ev_amount[j] != CR_NO_AMOUNT) {
                double yuan = (double)c->ev_amount[j] / 100.0;
                a->sum += yuan;
                if (a->count == 1 || yuan > a->max)
                    a->max = yuan;
            }
            if (day > a->last)
                a->last = day;
            int seen = 0;
            for (int q = 0; q < a->n_topics && !seen; q++)
                seen = a->topics[q] == c->ev_topic[j];
            if (!seen && a->n_topics < MAX_TOPICS_SEEN)
                a->topics[a->n_topics++] = c->ev_topic[j];
        }
    }
    *veto = -1;
    for (size_t v = 0; v < p->m->n_vetoes && v < CR_MAX_VETOES && *veto < 0; v++)
        if (veto_count[v] >= p->m->vetoes[v].min_count)
            *veto = (int)v;
    double total = 0;
    for (size_t i = 0; i < p->n_ind; i++) {
        const struct ind_plan *ip = &p->ind[i];
        const struct cr_indicator *ind = ip->ind;
        const struct acc *a = &acc[i];
        double v = NAN, pts;
        int categorical = 0;
        const char *text = NULL;
        if (ind->input == CR_IN_REGISTRY) {
            switch (ind->field) {
            case CR_REG_AGE_DAYS:
                v = c->established[e] != CR_NO_DAY && c->established[e] <= as_of
                        ? (double)(as_of - c->established[e])
                        : NAN;
                break;
            case CR_REG_CAPITAL:
                v = c->capital_wan[e];
                break;
            case CR_REG_INDUSTRY:
                text = c->industry[e], categorical = 1;
                break;
            case CR_REG_TYPE:
                text = c->type[e], categorical = 2;
                break;
            case CR_REG_STATUS:
                text = c->status[e], categorical = 2;
                break;
            default:
                break;
            }
        } else if (ind->input == CR_IN_GRAPH) {
            v = graph_value(p, ip, e);
        } else if (ind->input == CR_IN_ATTR) {
            text =
                ind->attr_index < c->n_attr ? c->attr_text[e * c->n_attr + ind->attr_index] : NULL;
            if (!ind->n_bins) /* a map */
                categorical = 3;
            else
                v = cr_attr_number(text), text = NULL;
        } else {
            switch (ind->agg) {
            case CR_AGG_COUNT:
                v = (double)a->count;
                break;
            case CR_AGG_SUM:
                v = a->sum;
                break;
            case CR_AGG_MAX:
                v = a->count ? a->max : 0;
                break;
            case CR_AGG_DAYS_SINCE_LAST:
                v = a->count ? (double)(as_of - a->last) : NAN;
                break;
            case CR_AGG_EXISTS:
                v = a->count > 0;
                break;
            case CR_AGG_DISTINCT_TOPICS:
                v = a->n_topics;
                break;
            case CR_AGG_RATIO:
                v = a->den ? (double)a->count / (double)a->den : NAN;
                break;
            default:
                break;
            }
        }
        if (categorical)
            pts = text ? map_points(ind, text, categorical) : ind->missing_points;
        else
            pts = isnan(v) ? ind->missing_points : bin_points(ind, v);
        double share = ip->share * pts;
        if (values)
            values[i] = v;
        points[i] = pts;
        shares[i] = share;
        total += share;
    }
    return total;
}

struct job {
    const struct plan *p;
    int32_t as_of;
    size_t lo, hi;
    struct cr_scores *out;
    int phase; /* 0: firm flags, 1: scores */
    cr_err rc;
};

static void keep_top(struct cr_contribution *top, const double *points, const double *shares,
                     size_t n)
{
    for (int k = 0; k < CR_TOP; k++)
        top[k] = (struct cr_contribution){-1, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (shares[i] <= 0)
            continue;
        int at = CR_TOP;
        while (at > 0 && (top[at - 1].indicator < 0 || shares[i] > top[at - 1].share))
            at--;
        if (at >= CR_TOP)
            continue;
        memmove(top + at + 1, top + at, (size_t)(CR_TOP - 1 - at) * sizeof *top);
        top[at] = (struct cr_contribution){(int32_t)i, (float)points[i], (float)shares[i]};
    }
}

static void *worker(void *arg)
{
    struct job *j = arg;
    const struct plan *p = j->p;
    if (j->phase == 0) {
        for (size_t e = j->lo; e < j->hi; e++)
            firm_flags_of(p, j->as_of, e);
        return NULL;
    }
    struct acc *acc = malloc(p->n_ind * sizeof *acc);
    double *points = malloc(p->n_ind * sizeof *points);
    double *shares = malloc(p->n_ind * sizeof *shares);
    if (!acc || !points || !shares) {
        j->rc = CR_ENOMEM;
    } else {
        struct cr_scores *o = j->out;
        for (size_t e = j->lo; e < j->hi; e++) {
            /* Only the calling thread's share reports (the hook is the caller's thread's). */
            if (((e - j->lo) & 4095) == 0)
                cr_progress("classify", (double)(e - j->lo) / (double)(j->hi - j->lo));
            int veto;
            o->score[e] = score_one(p, j->as_of, e, acc, NULL, points, shares, &veto);
            o->veto[e] = (int16_t)veto;
            float *asp = o->aspects + e * o->n_aspects;
            for (size_t a = 0; a < o->n_aspects; a++)
                asp[a] = 0;
            for (size_t i = 0; i < p->n_ind; i++)
                asp[p->ind[i].aspect] += (float)shares[i];
            keep_top(o->top + e * CR_TOP, points, shares, p->n_ind);
        }
    }
    free(acc);
    free(points);
    free(shares);
    return NULL;
}

static cr_err run_jobs(const struct plan *p, int32_t as_of, int threads, struct cr_scores *out,
                       int phase)
{
    struct job jobs[64];
    pthread_t tid[64];
    size_t n = p->c->n;
    for (int t = 0; t < threads; t++)
        jobs[t] = (struct job){p,
                               as_of,
                               n * (size_t)t / (size_t)threads,
                               n * (size_t)(t + 1) / (size_t)threads,
                               out,
                               phase,
                               CR_OK};
    int started = 0;
    for (int t = 1; t < threads; t++, started++)
        if (pthread_create(&tid[t], NULL, worker, &jobs[t]))
            break;
    worker(&jobs[0]);
    cr_err rc = jobs[0].rc;
    for (int t = 1; t <= started; t++) {
        pthread_join(tid[t], NULL);
        if (!rc)
            rc = jobs[t].rc;
    }
    for (int t = started + 1; t < threads; t++) {
        worker(&jobs[t]); /* could not start a thread: do its share here */
        if (!rc)
            rc = jobs[t].rc;
    }
    return rc;
}

/* Scores closer than this are one score when levels are cut by share: a sum of the same shares
 * in another order may differ in the last bits, and firms the printed score cannot tell apart
 * must not be told apart by a cut-off either (docs/model.md, "Scores"). */
#define TIE_SCALE 1e6

struct rank {
    int64_t key; /* the score in millionths */
    int64_t subject;
    size_t e;
};

static int cmp_rank(const void *a, const void *b)
{
    const struct rank *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? 1 : -1; /* riskiest first */
    return (x->subject > y->subject) - (x->subject < y->subject);
}

/* Levels by target share: the riskiest share_D of the ranking get D, the next share_C C, and so
 * on; a group of equal scores that straddles a cut-off goes wholly to the less risky side, so
 * equal scores always get equal levels. */
static cr_err levels_by_share(const cr_model *m, const struct cr_city *c, struct cr_scores *o)
{
    size_t n = o->n;
    struct rank *idx = malloc((n + 1) * sizeof *idx);
    if (!idx)
        return CR_ENOMEM;
    for (size_t e = 0; e < n; e++)
        idx[e] = (struct rank){llround(o->score[e] * TIE_SCALE), c->subject[e], e};
    qsort(idx, n, sizeof *idx, cmp_rank);
    size_t cut[4], acc = 0;
    for (int l = 3; l >= 0; l--) {
        acc += (size_t)llround(m->level_share[l] * (double)n);
        cut[l] = acc > n ? n : acc;
    }
    for (size_t r = 0; r < n;) {
        size_t end = r + 1;
        while (end < n && idx[end].key == idx[r].key)
            end++;
        size_t last = end - 1; /* the group's least risky position decides */
        int l = last < cut[3] ? 3 : last < cut[2] ? 2 : last < cut[1] ? 1 : 0;
        for (; r < end; r++)
            o->level[idx[r].e] = (char)('A' + l);
    }
    free(idx);
    return CR_OK;
}

/* Levels by share or by score cut-offs; vetoes override. */
static cr_err assign_levels(const cr_model *m, const struct cr_city *c, struct cr_scores *o)
{
    size_t n = o->n;
    if (m->level_method == CR_LEVELS_SCORE) {
        for (size_t e = 0; e < n; e++) {
            int l = 0;
            for (int k = 1; k < 4; k++)
                if (o->score[e] >= m->level_score[k])
                    l = k;
            o->level[e] = (char)('A' + l);
        }
    } else {
        cr_err rc = levels_by_share(m, c, o);
        if (rc)
            return rc;
    }
    for (size_t e = 0; e < n; e++)
        if (o->veto[e] >= 0)
            o->level[e] = m->vetoes[o->veto[e]].level;
    memset(o->levels, 0, sizeof o->levels);
    for (size_t e = 0; e < n; e++)
        o->levels[o->level[e] - 'A']++;
    return CR_OK;
}

cr_err cr_classify_levels(const cr_model *m, const struct cr_city *city, struct cr_scores *out)
{
    return assign_levels(m, city, out);
}

static cr_err plan_make(struct plan *p, const cr_model *m, const struct cr_city *c)
{
    memset(p, 0, sizeof *p);
    p->m = m;
    p->c = c;
    cr_err rc = plan_indicators(p);
    if (!rc)
        rc = plan_kinds(p);
    if (!rc)
        rc = plan_graph(p);
    return rc;
}

cr_err cr_classify_as_of_check(const cr_model *m, int32_t as_of, cr_diag *d)
{
    int32_t today = cr_day_today();
    if ((int64_t)as_of <= (int64_t)today + m->as_of_ahead_days)
        return CR_OK;
    char a[11], t[11];
    cr_day_format(as_of, a);
    cr_day_format(today, t);
    return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                       "as-of %s is after today (%s) by more than the %d day(s) model %s allows "
                       "(as_of_ahead_days): the run would become the latest and every later "
                       "run's levels would be compared with it; give a date up to %s%s",
                       a, t, m->as_of_ahead_days, m->id ? m->id : "?", t,
                       m->as_of_ahead_days ? " plus that allowance" : "");
}

cr_err cr_classify_as_of_city_check(const struct cr_city *city, int32_t as_of, cr_diag *d)
{
    int32_t first = INT32_MAX;
    for (size_t e = 0; city->established && e < city->n; e++)
        if (city->established[e] != CR_NO_DAY && city->established[e] < first)
            first = city->established[e];
    if (first == INT32_MAX || as_of >= first)
        return CR_OK;
    char a[11], f[11];
    cr_day_format(as_of, a);
    cr_day_format(first, f);
    return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                       "as-of %s is before every enterprise of the store was established (the "
                       "first on %s): the run would score a city that did not exist yet and "
                       "become the latest run; give a date from %s on",
                       a, f, f);
}

cr_err cr_classify(const cr_model *m, const struct cr_city *city, int32_t as_of, int threads,
                   struct cr_scores *out, cr_diag *d)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(out, 0, sizeof *out);
    cr_err arc = cr_classify_as_of_check(m, as_of, d);
    if (arc)
        return arc;
    if (threads <= 0) {
        long np = sysconf(_SC_NPROCESSORS_ONLN);
        threads = np > 0 ? (int)np : 1;
    }
    if (threads > 64)
        threads = 64;
    struct plan p;
    cr_err rc = plan_make(&p, m, city);
    size_t n = city->n;
    out->n = n;
    out->n_aspects = m->n_aspects;
    if (!rc) {
        out->score = calloc(n + 1, sizeof *out->score);
        out->level = calloc(n + 1, 1);
        out->veto = calloc(n + 1, sizeof *out->veto);
        out->aspects = calloc(n * m->n_aspects + 1, sizeof *out->aspects);
        out->top = calloc(n * CR_TOP + 1, sizeof *out->top);
        if (!out->score || !out->level || !out->veto || !out->aspects || !out->top)
            rc = CR_ENOMEM;
    }
    if (!rc && p.n_firm_flags)
        rc = run_jobs(&p, as_of, threads, out, 0);
    if (!rc)
        rc = run_jobs(&p, as_of, threads, out, 1);
    if (!rc)
        rc = assign_levels(m, city, out);
    if (!rc)
        cr_progress("classify", 1);
    plan_free(&p);
    if (rc) {
        cr_scores_free(out);
        return cr_diag_set(d, rc, NULL, 0, 0, "classification failed: %s", cr_strerror(rc));
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return CR_OK;
}

cr_err cr_classify_explain(const cr_model *m, const struct cr_city *city, int32_t as_of, size_t e,
                           double *values, double *points, double *shares)
{
    if (e >= city->n)
        return CR_EINVAL;
    struct plan p;
    cr_err rc = plan_make(&p, m, city);
    struct acc *acc = rc ? NULL : malloc((p.n_ind + 1) * sizeof *acc);
    if (!rc && !acc)
        rc = CR_ENOMEM;
    if (!rc) {
        for (size_t f = 0; f < city->n; f++)
            firm_flags_of(&p, as_of, f);
        int veto;
        score_one(&p, as_of, e, acc, values, points, shares, &veto);
    }
    free(acc);
    plan_free(&p);
    return rc;
}

cr_err cr_classify_explain_some(const cr_model *m, const struct cr_city *city, int32_t as_of,
                                const size_t *es, size_t n_es,
                                int (*fn)(void *ctx, size_t e, const double *values,
                                          const double *points, const double *shares),
                                void *ctx)
{
    for (size_t i = 0; es && i < n_es; i++)
        if (es[i] >= city->n)
            return CR_EINVAL;
    struct plan p;
    cr_err rc = plan_make(&p, m, city);
    if (rc)
        return rc;
    size_t n = p.n_ind + 1;
    struct acc *acc = malloc(n * sizeof *acc);
    double *values = malloc(n * sizeof *values), *points = malloc(n * sizeof *points),
           *shares = malloc(n * sizeof *shares);
    if (!acc || !values || !points || !shares)
        rc = CR_ENOMEM;
    for (size_t f = 0; !rc && f < city->n; f++)
        firm_flags_of(&p, as_of, f);
    size_t n_score = es ? n_es : city->n;
    for (size_t i = 0; !rc && i < n_score; i++) {
        size_t e = es ? es[i] : i;
        int veto;
        score_one(&p, as_of, e, acc, values, points, shares, &veto);
        if (fn(ctx, e, values, points, shares))
            rc = CR_EIO;
    }
    free(acc);
    free(values);
    free(points);
    free(shares);
    plan_free(&p);
    return rc;
}

cr_err cr_classify_explain_each(const cr_model *m, const struct cr_city *city, int32_t as_of,
                                int (*fn)(void *ctx, size_t e, const double *values,
                                          const double *points, const double *shares),
                                void *ctx)
{
    return cr_classify_explain_some(m, city, as_of, NULL, 0, fn, ctx);
}

/* Calls visit for every kind the model reads, in model order (repeats included). */
static void model_kinds(const cr_model *m, void (*visit)(void *ctx, const char *kind), void *ctx)
{
    for (size_t a = 0; a < m->n_aspects; a++)
        for (size_t c = 0; c < m->aspects[a].n_categories; c++)
            for (size_t i = 0; i < m->aspects[a].categories[c].n_indicators; i++) {
                const struct cr_indicator *ind = &m->aspects[a].categories[c].indicators[i];
                for (size_t k = 0; k < ind->n_kinds; k++)
                    visit(ctx, ind->kinds[k]);
                for (size_t k = 0; k < ind->n_den_kinds; k++)
                    visit(ctx, ind->den_kinds[k]);
            }
    for (size_t v = 0; v < m->n_vetoes; v++)
        for (size_t k = 0; k < m->vetoes[v].n_kinds; k++)
            visit(ctx, m->vetoes[v].kinds[k]);
    for (size_t f = 0; f < m->n_flags; f++)
        for (size_t k = 0; k < m->flags[f].n_kinds; k++)
            visit(ctx, m->flags[f].kinds[k]);
}

struct gaps {
    const struct cr_city *c;
    uint8_t *read;     /* by city kind: the model reads it */
    const char **told; /* unprovided kinds already reported */
    size_t n_told, cap;
    void (*fn)(void *ctx, const char *kind, int unprovided);
    void *ctx;
    int oom;
};

static void gap_visit(void *ctx, const char *kind)
{
    struct gaps *g = ctx;
    int k = kind_index(g->c, kind);
    if (k >= 0) {
        g->read[k] = 1;
        return;
    }
    for (size_t i = 0; i < g->n_told; i++)
        if (strcmp(g->told[i], kind) == 0)
            return;
    if (g->n_told == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        const char **t = realloc(g->told, cap * sizeof *t);
        if (!t) {
            g->oom = 1;
            return;
        }
        g->told = t;
        g->cap = cap;
    }
    g->told[g->n_told++] = kind;
    g->fn(g->ctx, kind, 1);
}

cr_err cr_classify_kind_gaps(const cr_model *m, const struct cr_city *city,
                             void (*fn)(void *ctx, const char *kind, int unprovided), void *ctx)
{
    struct gaps g = {.c = city, .read = calloc(city->n_kinds + 1, 1), .fn = fn, .ctx = ctx};
    if (!g.read)
        return CR_ENOMEM;
    model_kinds(m, gap_visit, &g);
    for (size_t k = 0; k < city->n_kinds && !g.oom; k++)
        if (!g.read[k] && strcmp(city->kinds[k], "registry") != 0 &&
            strcmp(city->kinds[k], "roles") != 0)
            fn(ctx, city->kinds[k], 0);
    free(g.read);
    free(g.told);
    return g.oom ? CR_ENOMEM : CR_OK;
}
