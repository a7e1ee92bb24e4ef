/* The level_jump detector (docs/monitor.md): firms whose level rose between the latest
 * classification run and the latest earlier run of the same model, with the indicators that
 * moved. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/classify.h"
#include "internal.h"

struct jump_ctx {
    struct mon *M;
    cr_err rc;
    /* the jumps found, for the recomputation of their indicators (all of one pair of runs) */
    size_t *finding, *firm;
    char **top_after; /* the later run's stored top contributions, to check the recomputation */
    size_t n, cap;
    int32_t as_of_before, as_of_after;
    int one_model; /* every pair of the same two runs, of the model the monitor loaded */
};

static const char *indicator_name(const cr_model *m, const char *id)
{
    for (size_t a = 0; m && a < m->n_aspects; a++)
        for (size_t k = 0; k < m->aspects[a].n_categories; k++)
            for (size_t i = 0; i < m->aspects[a].categories[k].n_indicators; i++)
                if (strcmp(m->aspects[a].categories[k].indicators[i].id, id) == 0)
                    return m->aspects[a].categories[k].indicators[i].name;
    return NULL;
}

struct rise {
    const char *id;
    double before, after;
    size_t order;
};

/* Largest rise first; ties in the later run's order. */
static int cmp_rise(const void *a, const void *b)
{
    const struct rise *x = a, *y = b;
    double dx = x->after - x->before, dy = y->after - y->before;
    if (dx != dy)
        return dx < dy ? 1 : -1;
    return (x->order > y->order) - (x->order < y->order);
}

/* The points of indicator id in a run's top contributions (JSON [[id, points, …], …]), 0 when
 * it is not among them. */
static double points_in(json_t *top, const char *id)
{
    size_t j;
    json_t *bt;
    json_array_foreach(top, j, bt)
    {
        const char *b = json_string_value(json_array_get(bt, 0));
        if (b && strcmp(b, id) == 0)
            return json_number_value(json_array_get(bt, 1));
    }
    return 0;
}

static int jump_pair(void *ctx, const struct cr_level_pair *p)
{
    struct jump_ctx *J = ctx;
    struct mon *M = J->M;
    const struct cr_monitor_rules *r = M->r;
    if (!strchr(r->level_jump.from, p->before) || !strchr(r->level_jump.to, p->after) ||
        !p->before || !p->after)
        return 0;
    size_t e = cr__monitor_dense(M->c, p->subject);
    if (e == (size_t)-1 || !cr__monitor_active(M, e))
        return 0;
    struct finding *f = cr__monitor_finding_add(M, CR_DET_LEVEL_JUMP, "level_jump");
    if (!f || cr__monitor_finding_firms(f, &e, 1)) {
        J->rc = CR_ENOMEM;
        return 1;
    }
    f->level_before = p->before;
    f->level_after = p->after;
    json_object_set_new(f->facts, "model", json_string(p->model_id));
    json_object_set_new(f->facts, "run_before", json_integer(p->run_before));
    json_object_set_new(f->facts, "run_after", json_integer(p->run_after));
    json_object_set_new(f->facts, "as_of_before", cr__monitor_date_json(p->as_of_before));
    json_object_set_new(f->facts, "as_of_after", cr__monitor_date_json(p->as_of_after));
    char lv[2] = {p->before, 0};
    json_object_set_new(f->facts, "level_before", json_string(lv));
    lv[0] = p->after;
    json_object_set_new(f->facts, "level_after", json_string(lv));
    /* The indicators that moved: the later run's top contributions, each with its points in the
     * earlier run's top (0 when it was not among them), largest rise first. */
    json_t *after = json_loads(p->top_after, 0, NULL), *before = json_loads(p->top_before, 0, NULL);
    json_t *moved = json_array();
    struct rise rs[16];
    size_t n_rs = 0, i;
    json_t *it;
    json_array_foreach(after, i, it)
    {
        const char *id = json_string_value(json_array_get(it, 0));
        double pa = json_number_value(json_array_get(it, 1));
        double pb = id ? points_in(before, id) : 0;
        if (id && pa > pb && n_rs < sizeof rs / sizeof *rs)
            rs[n_rs++] = (struct rise){id, pb, pa, n_rs};
    }
    qsort(rs, n_rs, sizeof *rs, cmp_rise);
    for (size_t k = 0; k < n_rs && k < (size_t)r->level_jump.max_indicators; k++) {
        json_t *o = json_object();
        json_object_set_new(o, "indicator", json_string(rs[k].id));
        const char *nm = indicator_name(M->model, rs[k].id);
        if (nm)
            json_object_set_new(o, "name", json_string(nm));
        json_object_set_new(o, "points_before", json_real(rs[k].before));
        json_object_set_new(o, "points_after", json_real(rs[k].after));
        json_array_append_new(moved, o);
    }
    json_decref(after);
    json_decref(before);
    json_object_set_new(f->facts, "indicators_moved", moved);
    json_object_set_new(f->facts, "indicators_from", json_string("top_contributions"));
    /* kept for the recomputation of every indicator (level_jump below) */
    if (J->n == J->cap) {
        size_t cap = J->cap ? 2 * J->cap : 64;
        size_t *fi = realloc(J->finding, cap * sizeof *fi);
        if (fi)
            J->finding = fi;
        size_t *fe = fi ? realloc(J->firm, cap * sizeof *fe) : NULL;
        if (fe)
            J->firm = fe;
        char **ft = fe ? realloc(J->top_after, cap * sizeof *ft) : NULL;
        if (!ft) {
            J->rc = CR_ENOMEM;
            return 1;
        }
        J->top_after = ft;
        J->cap = cap;
    }
    /* The loaded model must be the very one (its hash) both runs used. */
    int same = M->model && p->hash_before && p->hash_after &&
               strcmp(M->model->hash, p->hash_before) == 0 &&
               strcmp(M->model->hash, p->hash_after) == 0;
    if (J->n == 0) {
        J->as_of_before = p->as_of_before;
        J->as_of_after = p->as_of_after;
        J->one_model = same;
    }
    if (p->as_of_before != J->as_of_before || p->as_of_after != J->as_of_after || !same)
        J->one_model = 0;
    if (!(J->top_after[J->n] = strdup(p->top_after ? p->top_after : "[]"))) {
        J->rc = CR_ENOMEM;
        return 1;
    }
    J->finding[J->n] = (size_t)(f - M->found);
    J->firm[J->n++] = e;
    return 0;
}

/* Each jump's points of every indicator as of one of the two runs' days. */
struct jump_points {
    const struct jump_ctx *J;
    size_t n_ind, at;
    double *pts; /* [jump][n_ind] */
};

static int jump_points_row(void *ctx, size_t e, const double *values, const double *points,
                           const double *shares)
{
    (void)e;
    (void)values;
    (void)shares;
    struct jump_points *P = ctx;
    memcpy(P->pts + P->at++ * P->n_ind, points, P->n_ind * sizeof *points);
    return 0;
}

/* Whether the points recomputed as of the later run's day agree with those the run stored in
 * its top contributions (JSON [[id, points, share], …], points rounded): else the store's
 * events changed since the run and the recomputation explains another score. */
static int agrees(const char *top, const char *const *ids, const double *points, size_t ni)
{
    json_t *t = json_loads(top, 0, NULL), *it;
    size_t i;
    int ok = json_is_array(t);
    json_array_foreach(t, i, it)
    {
        const char *id = json_string_value(json_array_get(it, 0));
        double stored = json_number_value(json_array_get(it, 1));
        size_t k = 0;
        while (id && k < ni && strcmp(ids[k], id) != 0)
            k++;
        if (!id || k == ni || !(fabs(points[k] - stored) <= 1e-3 * fmax(1, fabs(stored))))
            ok = 0;
    }
    json_decref(t);
    return ok;
}

/* The indicators that moved, recomputed: both runs' days scored again with the loaded model
 * (the latest run's, when its hash is both runs' model hash) over the events as the store holds
 * them now, every indicator compared instead of the runs' top contributions only (a level can move
 * through indicators outside either top); a jump whose points rose nowhere keeps the top
 * contributions. Not for an xgboost model (no points per indicator): the top contributions stay. */
static cr_err jumps_recompute(struct mon *M, const struct jump_ctx *J)
{
    const cr_model *m = M->model;
    if (!J->n || !J->one_model || !m || m->method == CR_METHOD_XGBOOST || !m->n_indicators)
        return CR_OK;
    size_t ni = m->n_indicators;
    const char **ids = malloc(ni * sizeof *ids), **names = malloc(ni * sizeof *names);
    double *before = malloc(J->n * ni * sizeof *before), *after = malloc(J->n * ni * sizeof *after);
    struct rise *rs = malloc(ni * sizeof *rs);
    cr_err rc = ids && names && before && after && rs ? CR_OK : CR_ENOMEM;
    size_t k = 0;
    for (size_t a = 0; !rc && a < m->n_aspects; a++)
        for (size_t c = 0; c < m->aspects[a].n_categories; c++)
            for (size_t i = 0; i < m->aspects[a].categories[c].n_indicators && k < ni; i++) {
                ids[k] = m->aspects[a].categories[c].indicators[i].id;
                names[k++] = m->aspects[a].categories[c].indicators[i].name;
            }
    struct jump_points P = {J, ni, 0, before};
    if (!rc)
        rc = cr_classify_explain_some(m, M->c, J->as_of_before, J->firm, J->n, jump_points_row, &P);
    P = (struct jump_points){J, ni, 0, after};
    if (!rc)
        rc = cr_classify_explain_some(m, M->c, J->as_of_after, J->firm, J->n, jump_points_row, &P);
    for (size_t j = 0; !rc && j < J->n; j++) {
        size_t n_rs = 0;
        for (size_t i = 0; i < k; i++) {
            double b = before[j * ni + i], x = after[j * ni + i];
            if (x > b) /* NaN compares false: a missing value moves nothing */
                rs[n_rs++] = (struct rise){ids[i], b, x, i};
        }
        if (!n_rs) /* its own points did not rise (a level by shares moves with the others'
                    * scores): the top contributions are all there is to show */
            continue;
        if (!agrees(J->top_after[j], ids, after + j * ni, k))
            continue; /* the events changed since the run (late rows): the run's own tops */
        qsort(rs, n_rs, sizeof *rs, cmp_rise);
        json_t *moved = json_array();
        for (size_t q = 0; moved && q < n_rs && q < (size_t)M->r->level_jump.max_indicators; q++) {
            json_t *o = json_pack("{s:s, s:f, s:f}", "indicator", rs[q].id, "points_before",
                                  rs[q].before, "points_after", rs[q].after);
            if (o && names[rs[q].order])
                json_object_set_new(o, "name", json_string(names[rs[q].order]));
            if (!o || json_array_append_new(moved, o)) {
                json_decref(moved);
                moved = NULL;
            }
        }
        json_t *facts = M->found[J->finding[j]].facts;
        if (!moved || json_object_set_new(facts, "indicators_moved", moved) ||
            json_object_set_new(facts, "indicators_from", json_string("recomputed")))
            rc = CR_ENOMEM;
    }
    free(ids);
    free(names);
    free(before);
    free(after);
    free(rs);
    /* an engine failure (a model the engine cannot plan) leaves the top contributions */
    return rc == CR_ENOMEM ? rc : CR_OK;
}

cr_err cr__monitor_level_jump(struct mon *M)
{
    struct jump_ctx J = {.M = M, .rc = CR_OK};
    int found = 0;
    cr_err rc = cr_store_level_pairs(M->s, M->as_of, jump_pair, &J, &found);
    if (!J.rc && !rc)
        rc = jumps_recompute(M, &J);
    else if (!J.rc)
        rc = CR_ESTORE;
    for (size_t i = 0; i < J.n; i++)
        free(J.top_after[i]);
    free(J.top_after);
    free(J.finding);
    free(J.firm);
    return J.rc ? J.rc : rc;
}
