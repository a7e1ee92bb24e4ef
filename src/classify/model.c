#include "crisk/model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ydoc.h"
#include "crisk/hash.h"
#include "crisk/text.h"

static const char *const agg_names[CR__NAGG] = {
    "count", "sum", "max", "days_since_last", "exists", "distinct_topics", "ratio", "value"};
static const char *const reg_names[CR__NREG] = {"age_days", "capital", "industry", "type",
                                                "status"};
static const char *const graph_names[CR__NGRAPH] = {"firms_at_address", "person_firms",
                                                    "person_flagged_firms", "role_count"};

const char *cr_agg_name(cr_agg a)
{
    return (unsigned)a < CR__NAGG ? agg_names[a] : "?";
}

static int lookup(const char *s, const char *const *names, int n)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static cr_err weight(cr__ydoc *y, yaml_node_t *map, double *w, const char *what)
{
    yaml_node_t *n = cr__yget(y, map, "weight");
    *w = 1;
    if (!n)
        return CR_OK;
    cr_err rc = cr__ynum(y, n, w, "weight");
    if (!rc && !(*w >= 0))
        rc = cr__yfail(y, n, "weight of %s must not be negative", what);
    return rc;
}

static cr_err parse_bins(cr__ydoc *y, yaml_node_t *n, struct cr_indicator *ind)
{
    size_t k = cr__ylen(n);
    if (!k)
        return cr__yfail(y, n, "bins of %s must be a list of [from, to, points]", ind->id);
    ind->bins = calloc(k, sizeof *ind->bins);
    if (!ind->bins)
        return CR_ENOMEM;
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *b = cr__yitem(y, n, i);
        if (cr__ylen(b) != 3)
            return cr__yfail(y, b, "a bin of %s must be [from, to, points]", ind->id);
        struct cr_bin *bin = &ind->bins[i];
        cr_err rc;
        if ((rc = cr__ynum(y, cr__yitem(y, b, 0), &bin->lo, "bin start")) ||
            (rc = cr__ynum(y, cr__yitem(y, b, 1), &bin->hi, "bin end")) ||
            (rc = cr__ynum(y, cr__yitem(y, b, 2), &bin->points, "bin points")))
            return rc;
        if (!(bin->lo < bin->hi) || bin->points < 0 || bin->points > 100)
            return cr__yfail(y, b, "bin of %s needs from < to and points in 0..100", ind->id);
        if (i && bin->lo != ind->bins[i - 1].hi)
            return cr__yfail(y, b, "bins of %s must follow each other without gaps", ind->id);
        ind->n_bins++;
    }
    return CR_OK;
}

static cr_err parse_map(cr__ydoc *y, yaml_node_t *n, struct cr_indicator *ind)
{
    if (!n || n->type != YAML_MAPPING_NODE)
        return cr__yfail(y, n, "map of %s must be a mapping of value: points", ind->id);
    size_t k = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    ind->map = calloc(k ? k : 1, sizeof *ind->map);
    if (!ind->map)
        return CR_ENOMEM;
    for (size_t i = 0; i < k; i++) {
        yaml_node_pair_t *q = &n->data.mapping.pairs.start[i];
        yaml_node_t *kn = yaml_document_get_node(&y->doc, q->key);
        yaml_node_t *vn = yaml_document_get_node(&y->doc, q->value);
        const char *key = cr__yscalar(kn);
        double pts;
        cr_err rc = cr__ynum(y, vn, &pts, "map points");
        if (rc)
            return rc;
        if (!key || pts < 0 || pts > 100)
            return cr__yfail(y, kn, "map of %s needs text keys and points in 0..100", ind->id);
        if (strcmp(key, "default") == 0) {
            ind->map_default = pts;
            continue;
        }
        if (!(ind->map[ind->n_map].match = strdup(key)))
            return CR_ENOMEM;
        ind->map[ind->n_map++].points = pts;
    }
    return CR_OK;
}

static cr_err parse_input(cr__ydoc *y, yaml_node_t *n, struct cr_indicator *ind)
{
    static const char *const keys[] = {"events", "registry", "graph", "attr", NULL};
    cr_err rc = cr__yonly(y, n, keys, "input");
    if (rc)
        return rc;
    yaml_node_t *ev = cr__yget(y, n, "events"), *reg = cr__yget(y, n, "registry"),
                *gr = cr__yget(y, n, "graph"), *at = cr__yget(y, n, "attr");
    if (!!ev + !!reg + !!gr + !!at != 1)
        return cr__yfail(y, n, "input of %s names exactly one of events, registry, graph, attr",
                         ind->id);
    if (at) {
        if ((rc = cr__ystr(y, n, "attr", 1, &ind->attr, ind->id)))
            return rc;
        if (!*ind->attr)
            return cr__yfail(y, at, "attr input of %s needs a column name", ind->id);
        ind->input = CR_IN_ATTR;
        return CR_OK;
    }
    if (reg) {
        int f = lookup(cr__yscalar(reg), reg_names, CR__NREG);
        if (f < 0)
            return cr__yfail(y, reg,
                             "registry field '%s' is not one of age_days, capital, "
                             "industry, type, status",
                             cr__yscalar(reg) ? cr__yscalar(reg) : "?");
        ind->input = CR_IN_REGISTRY;
        ind->field = (cr_reg_field)f;
        return CR_OK;
    }
    static const char *const ev_keys[] = {"kinds", "over", "flag", "feature", "role", NULL};
    yaml_node_t *m = ev ? ev : gr;
    if ((rc = cr__yonly(y, m, ev_keys, ev ? "events" : "graph")))
        return rc;
    if ((rc = cr__ystrs(y, cr__yget(y, m, "kinds"), &ind->kinds, &ind->n_kinds, "kinds")) ||
        (rc = cr__ystrs(y, cr__yget(y, m, "over"), &ind->den_kinds, &ind->n_den_kinds, "over")) ||
        (rc = cr__ystr(y, m, "flag", 0, &ind->flag, ind->id)) ||
        (rc = cr__ystr(y, m, "role", 0, &ind->role, ind->id)))
        return rc;
    if (ev) {
        ind->input = CR_IN_EVENTS;
        if (!ind->n_kinds)
            return cr__yfail(y, m, "events input of %s needs kinds", ind->id);
        return CR_OK;
    }
    ind->input = CR_IN_GRAPH;
    yaml_node_t *fn = cr__yget(y, m, "feature");
    int f = lookup(cr__yscalar(fn), graph_names, CR__NGRAPH);
    if (f < 0)
        return cr__yfail(y, fn ? fn : m,
                         "graph feature of %s must be one of firms_at_address, "
                         "person_firms, person_flagged_firms, role_count",
                         ind->id);
    ind->feature = (cr_graph_feature)f;
    if (f != CR_G_FIRMS_AT_ADDRESS && !ind->role)
        return cr__yfail(y, m, "graph feature of %s needs a role", ind->id);
    if (f == CR_G_PERSON_FLAGGED_FIRMS && !ind->n_kinds)
        return cr__yfail(y, m, "person_flagged_firms of %s needs kinds", ind->id);
    return CR_OK;
}

static cr_err parse_indicator(cr__ydoc *y, yaml_node_t *n, struct cr_indicator *ind)
{
    static const char *const keys[] = {"id",          "name",    "input",     "window_days",
                                       "aggregation", "bins",    "map",       "missing",
                                       "weight",      "sources", "rationale", NULL};
    cr_err rc = cr__yonly(y, n, keys, "an indicator");
    ind->line = cr__yline(n);
    if (!rc)
        rc = cr__ystr(y, n, "id", 1, &ind->id, "an indicator");
    if (!rc)
        rc = cr__ystr(y, n, "name", 1, &ind->name, ind->id);
    if (!rc)
        rc = cr__ystr(y, n, "rationale", 1, &ind->rationale, ind->id);
    if (!rc)
        rc = cr__ystrs(y, cr__yget(y, n, "sources"), &ind->sources, &ind->n_sources, "sources");
    if (!rc && !cr__yget(y, n, "input"))
        rc = cr__yfail(y, n, "indicator %s is missing required key 'input'", ind->id);
    if (!rc)
        rc = parse_input(y, cr__yget(y, n, "input"), ind);
    if (!rc)
        rc = weight(y, n, &ind->weight, ind->id);
    if (rc)
        return rc;
    yaml_node_t *an = cr__yget(y, n, "aggregation");
    int a = an ? lookup(cr__yscalar(an), agg_names, CR__NAGG) : -1;
    if (a < 0)
        return cr__yfail(y, an ? an : n,
                         "indicator %s needs an aggregation: count, sum, max, "
                         "days_since_last, exists, distinct_topics, ratio, value",
                         ind->id);
    ind->agg = (cr_agg)a;
    if ((ind->input == CR_IN_EVENTS) == (ind->agg == CR_AGG_VALUE))
        return cr__yfail(y, an, "aggregation '%s' does not fit the input of %s", agg_names[a],
                         ind->id);
    if (ind->agg == CR_AGG_RATIO && !ind->n_den_kinds)
        return cr__yfail(y, an, "ratio %s needs 'over' kinds", ind->id);
    yaml_node_t *wn = cr__yget(y, n, "window_days");
    if (wn) {
        double w;
        if ((rc = cr__ynum(y, wn, &w, "window_days")))
            return rc;
        if (w < 1 || w > 36500 || w != floor(w))
            return cr__yfail(y, wn, "window_days of %s must be a whole number of days", ind->id);
        ind->window_days = (int)w;
    }
    yaml_node_t *bn = cr__yget(y, n, "bins"), *mn = cr__yget(y, n, "map");
    int categorical = (ind->input == CR_IN_REGISTRY &&
                       (ind->field == CR_REG_INDUSTRY || ind->field == CR_REG_TYPE ||
                        ind->field == CR_REG_STATUS)) ||
                      (ind->input == CR_IN_ATTR && mn);
    if (categorical ? !mn || bn : !bn || mn)
        return cr__yfail(y, n, "indicator %s needs %s", ind->id,
                         categorical ? "a map (and no bins)" : "bins (and no map)");
    if ((rc = categorical ? parse_map(y, mn, ind) : parse_bins(y, bn, ind)))
        return rc;
    yaml_node_t *miss = cr__yget(y, n, "missing");
    if (!miss)
        return cr__yfail(y, n, "indicator %s needs a rule for missing data ('missing: points')",
                         ind->id);
    if ((rc = cr__ynum(y, miss, &ind->missing_points, "missing")))
        return rc;
    if (ind->missing_points < 0 || ind->missing_points > 100)
        return cr__yfail(y, miss, "missing points of %s must be in 0..100", ind->id);
    return CR_OK;
}

static cr_err parse_category(cr__ydoc *y, yaml_node_t *n, struct cr_category *c)
{
    static const char *const keys[] = {"id", "name", "weight", "indicators", NULL};
    cr_err rc = cr__yonly(y, n, keys, "a category");
    if (!rc)
        rc = cr__ystr(y, n, "id", 1, &c->id, "a category");
    if (!rc)
        rc = cr__ystr(y, n, "name", 1, &c->name, c->id);
    if (!rc)
        rc = weight(y, n, &c->weight, c->id);
    if (rc)
        return rc;
    yaml_node_t *inds = cr__yget(y, n, "indicators");
    size_t k = cr__ylen(inds);
    if (!k)
        return cr__yfail(y, inds ? inds : n, "category %s needs a list of indicators", c->id);
    if (!(c->indicators = calloc(k, sizeof *c->indicators)))
        return CR_ENOMEM;
    for (size_t i = 0; i < k; i++) {
        c->n_indicators++;
        if ((rc = parse_indicator(y, cr__yitem(y, inds, i), &c->indicators[i])))
            return rc;
    }
    return CR_OK;
}

static cr_err parse_aspect(cr__ydoc *y, yaml_node_t *n, struct cr_aspect *a)
{
    static const char *const keys[] = {"id", "name", "weight", "categories", NULL};
    cr_err rc = cr__yonly(y, n, keys, "an aspect");
    if (!rc)
        rc = cr__ystr(y, n, "id", 1, &a->id, "an aspect");
    if (!rc)
        rc = cr__ystr(y, n, "name", 1, &a->name, a->id);
    if (!rc)
        rc = weight(y, n, &a->weight, a->id);
    if (rc)
        return rc;
    yaml_node_t *cats = cr__yget(y, n, "categories");
    size_t k = cr__ylen(cats);
    if (!k)
        return cr__yfail(y, cats ? cats : n, "aspect %s needs a list of categories", a->id);
    if (!(a->categories = calloc(k, sizeof *a->categories)))
        return CR_ENOMEM;
    for (size_t i = 0; i < k; i++) {
        a->n_categories++;
        if ((rc = parse_category(y, cr__yitem(y, cats, i), &a->categories[i])))
            return rc;
    }
    return CR_OK;
}

static cr_err parse_levels(cr__ydoc *y, yaml_node_t *n, cr_model *m)
{
    static const char *const keys[] = {"method", "shares", "scores", NULL};
    cr_err rc = cr__yonly(y, n, keys, "levels");
    if (rc)
        return rc;
    const char *method = cr__yscalar(cr__yget(y, n, "method"));
    static const char *const lv[4] = {"A", "B", "C", "D"};
    if (method && strcmp(method, "share") == 0) {
        m->level_method = CR_LEVELS_SHARE;
        yaml_node_t *sh = cr__yget(y, n, "shares");
        double total = 0;
        for (int i = 0; i < 4; i++) {
            yaml_node_t *v = cr__yget(y, sh, lv[i]);
            if (!v)
                return cr__yfail(y, sh ? sh : n, "levels.shares needs A, B, C and D");
            if ((rc = cr__ynum(y, v, &m->level_share[i], "a level share")))
                return rc;
            if (m->level_share[i] < 0)
                return cr__yfail(y, v, "a level share must not be negative");
            total += m->level_share[i];
        }
        if (fabs(total - 1) > 1e-9)
            return cr__yfail(y, sh, "level shares must add up to 1, not %g", total);
        return CR_OK;
    }
    if (method && strcmp(method, "score") == 0) {
        m->level_method = CR_LEVELS_SCORE;
        yaml_node_t *sc = cr__yget(y, n, "scores");
        for (int i = 1; i < 4; i++) {
            yaml_node_t *v = cr__yget(y, sc, lv[i]);
            if (!v)
                return cr__yfail(y, sc ? sc : n, "levels.scores needs the lowest score of B, C, D");
            if ((rc = cr__ynum(y, v, &m->level_score[i], "a level score")))
                return rc;
            if (m->level_score[i] <= m->level_score[i - 1] && i > 1)
                return cr__yfail(y, v, "level scores must rise from B to D");
        }
        return CR_OK;
    }
    return cr__yfail(y, n, "levels.method must be share or score");
}

static cr_err parse_vetoes(cr__ydoc *y, yaml_node_t *n, cr_model *m)
{
    size_t k = cr__ylen(n);
    if (n && !k)
        return cr__yfail(y, n, "vetoes must be a list");
    if (k > CR_MAX_VETOES)
        return cr__yfail(y, cr__yitem(y, n, CR_MAX_VETOES),
                         "a model has at most %d vetoes (the engine keeps one bit per veto)",
                         CR_MAX_VETOES);
    if (!(m->vetoes = calloc(k ? k : 1, sizeof *m->vetoes)))
        return CR_ENOMEM;
    static const char *const keys[] = {"id",        "name",  "kinds", "window_days",
                                       "min_count", "level", NULL};
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *v = cr__yitem(y, n, i);
        struct cr_veto *vt = &m->vetoes[m->n_vetoes++];
        cr_err rc;
        double w = 0, mc = 1;
        if ((rc = cr__yonly(y, v, keys, "a veto")) ||
            (rc = cr__ystr(y, v, "id", 1, &vt->id, "a veto")) ||
            (rc = cr__ystr(y, v, "name", 1, &vt->name, vt->id)) ||
            (rc = cr__ystrs(y, cr__yget(y, v, "kinds"), &vt->kinds, &vt->n_kinds, "kinds")))
            return rc;
        if (cr__yget(y, v, "window_days") &&
            (rc = cr__ynum(y, cr__yget(y, v, "window_days"), &w, "window_days")))
            return rc;
        if (cr__yget(y, v, "min_count") &&
            (rc = cr__ynum(y, cr__yget(y, v, "min_count"), &mc, "min_count")))
            return rc;
        const char *lvl = cr__yscalar(cr__yget(y, v, "level"));
        if (!vt->n_kinds || !lvl || strlen(lvl) != 1 || lvl[0] < 'A' || lvl[0] > 'D' ||
            !(w >= 0 && w <= 36500 && w == floor(w)) || !(mc >= 1 && mc <= 1e9 && mc == floor(mc)))
            return cr__yfail(y, v,
                             "veto %s needs kinds, a level A..D, window_days a whole number in "
                             "0..36500 and min_count a whole number >= 1",
                             vt->id);
        vt->window_days = (int)w;
        vt->min_count = (int)mc;
        vt->level = lvl[0];
    }
    return CR_OK;
}

static cr_err parse_flags(cr__ydoc *y, yaml_node_t *n, cr_model *m)
{
    size_t k = cr__ylen(n);
    if (n && !k)
        return cr__yfail(y, n, "flags must be a list");
    if (k > CR_MAX_FLAGS)
        return cr__yfail(y, cr__yitem(y, n, CR_MAX_FLAGS),
                         "a model has at most %d flags (each event keeps one bit per flag)",
                         CR_MAX_FLAGS);
    if (!(m->flags = calloc(k ? k : 1, sizeof *m->flags)))
        return CR_ENOMEM;
    static const char *const keys[] = {"id", "kinds", "attr", "in", "not_in", NULL};
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *v = cr__yitem(y, n, i);
        struct cr_flag *f = &m->flags[m->n_flags++];
        cr_err rc;
        yaml_node_t *in = cr__yget(y, v, "in"), *not_in = cr__yget(y, v, "not_in");
        if ((rc = cr__yonly(y, v, keys, "a flag")) ||
            (rc = cr__ystr(y, v, "id", 1, &f->id, "a flag")) ||
            (rc = cr__ystr(y, v, "attr", 1, &f->attr, f->id)) ||
            (rc = cr__ystrs(y, cr__yget(y, v, "kinds"), &f->kinds, &f->n_kinds, "kinds")) ||
            (rc = cr__ystrs(y, in ? in : not_in, &f->values, &f->n_values, "values")))
            return rc;
        if (!f->n_kinds || !!in == !!not_in || !f->n_values)
            return cr__yfail(y, v, "flag %s needs kinds, attr and one of in / not_in", f->id);
        f->negate = not_in != NULL;
    }
    return CR_OK;
}

/* The attribute columns the indicators read, each once. */
static cr_err attr_columns(cr_model *m)
{
    if (!(m->attr_columns = calloc(m->n_indicators + 1, sizeof *m->attr_columns)))
        return CR_ENOMEM;
    for (size_t a = 0; a < m->n_aspects; a++)
        for (size_t c = 0; c < m->aspects[a].n_categories; c++)
            for (size_t i = 0; i < m->aspects[a].categories[c].n_indicators; i++) {
                struct cr_indicator *ind = &m->aspects[a].categories[c].indicators[i];
                if (ind->input != CR_IN_ATTR)
                    continue;
                size_t k = 0;
                while (k < m->n_attr_columns && strcmp(m->attr_columns[k], ind->attr) != 0)
                    k++;
                if (k == m->n_attr_columns &&
                    !(m->attr_columns[m->n_attr_columns++] = strdup(ind->attr)))
                    return CR_ENOMEM;
                ind->attr_index = k;
            }
    return CR_OK;
}

/* Ids must be unique across the model; flags named by indicators must exist. */
static cr_err check_names(cr__ydoc *y, cr_model *m)
{
    size_t n = 0;
    for (size_t a = 0; a < m->n_aspects; a++)
        for (size_t c = 0; c < m->aspects[a].n_categories; c++)
            n += m->aspects[a].categories[c].n_indicators;
    m->n_indicators = n;
    const char **ids = calloc(n + 1, sizeof *ids);
    if (!ids)
        return CR_ENOMEM;
    size_t k = 0;
    cr_err rc = CR_OK;
    for (size_t a = 0; a < m->n_aspects && !rc; a++)
        for (size_t c = 0; c < m->aspects[a].n_categories && !rc; c++)
            for (size_t i = 0; i < m->aspects[a].categories[c].n_indicators && !rc; i++) {
                const struct cr_indicator *ind = &m->aspects[a].categories[c].indicators[i];
                for (size_t j = 0; j < k; j++)
                    if (strcmp(ids[j], ind->id) == 0)
                        rc = cr_diag_set(y->d, CR_EPARSE, y->path, ind->line, 0,
                                         "duplicate indicator id '%s'", ind->id);
                int known = !ind->flag;
                for (size_t f = 0; !known && f < m->n_flags; f++)
                    known = strcmp(m->flags[f].id, ind->flag) == 0;
                if (!rc && !known)
                    rc = cr_diag_set(y->d, CR_EPARSE, y->path, ind->line, 0,
                                     "indicator %s names unknown flag '%s'", ind->id, ind->flag);
                ids[k++] = ind->id;
            }
    free(ids);
    return rc;
}

/* Whether id names an indicator of m. */
static int has_indicator(const cr_model *m, const char *id)
{
    for (size_t a = 0; a < m->n_aspects; a++)
        for (size_t c = 0; c < m->aspects[a].n_categories; c++)
            for (size_t i = 0; i < m->aspects[a].categories[c].n_indicators; i++)
                if (strcmp(m->aspects[a].categories[c].indicators[i].id, id) == 0)
                    return 1;
    return 0;
}

/* `method:` and, for xgboost, `booster: {features: [...], format: ubj, data: BASE64}`. The
 * booster's bytes are checked by whoever loads them (the learn layer); here only their form. */
static cr_err parse_method(cr__ydoc *y, yaml_node_t *root, cr_model *m)
{
    yaml_node_t *mn = cr__yget(y, root, "method"), *bn = cr__yget(y, root, "booster");
    const char *method = mn ? cr__yscalar(mn) : "expert";
    if (method && strcmp(method, "expert") == 0)
        m->method = CR_METHOD_EXPERT;
    else if (method && strcmp(method, "scorecard") == 0)
        m->method = CR_METHOD_SCORECARD;
    else if (method && strcmp(method, "xgboost") == 0)
        m->method = CR_METHOD_XGBOOST;
    else
        return cr__yfail(y, mn, "method must be expert, scorecard or xgboost");
    if (m->method != CR_METHOD_XGBOOST) {
        if (bn)
            return cr__yfail(y, bn, "a booster belongs to a model with method: xgboost");
        return CR_OK;
    }
    if (!bn)
        return cr__yfail(y, mn, "a model with method: xgboost needs a booster");
    static const char *const keys[] = {"features", "format", "data", NULL};
    cr_err rc = cr__yonly(y, bn, keys, "booster");
    if (rc)
        return rc;
    const char *format = cr__yscalar(cr__yget(y, bn, "format"));
    if (!format || strcmp(format, "ubj") != 0)
        return cr__yfail(y, cr__yget(y, bn, "format") ? cr__yget(y, bn, "format") : bn,
                         "booster.format must be ubj");
    yaml_node_t *fn = cr__yget(y, bn, "features");
    if (!cr__ylen(fn))
        return cr__yfail(y, fn ? fn : bn, "booster.features must be a list of feature ids");
    if ((rc = cr__ystrs(y, fn, &m->features, &m->n_features, "booster.features")))
        return rc;
    for (size_t i = 0; i < m->n_features; i++) {
        const char *f = m->features[i];
        if (strncmp(f, "attr:", 5) == 0 ? !f[5] : !has_indicator(m, f))
            return cr__yfail(y, cr__yitem(y, fn, i),
                             "booster feature '%s' is neither an indicator of the model nor "
                             "attr:<column>",
                             f);
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->features[j], f) == 0)
                return cr__yfail(y, cr__yitem(y, fn, i), "booster feature '%s' given twice", f);
    }
    if ((rc = cr__ystr(y, bn, "data", 1, &m->booster, "booster")))
        return rc;
    for (const char *c = m->booster; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '+' || *c == '/' || *c == '='))
            return cr__yfail(y, cr__yget(y, bn, "data"), "booster.data must be base64");
    return CR_OK;
}

/* The content hash of a model's bytes, as cr_hash_file computes it for the file (64 KiB at a
 * time), so a model loaded from a run's recorded text keeps the hash of its file. */
static void text_hash(const char *text, size_t len, char out[17])
{
    uint64_t h = 0;
    for (size_t at = 0; at < len; at += 65536)
        h = cr_hash64(text + at, len - at < 65536 ? len - at : 65536, h);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

cr_err cr_model_load(const char *path, cr_model **out, cr_diag *d)
{
    char *text = NULL;
    size_t len = 0;
    cr_err rc = cr_file_read(path, CR_MODEL_MAX_BYTES, 0, &text, &len, d);
    if (rc == CR_ERANGE)
        rc = cr_diag_set(d, CR_EPARSE, path, 0, 0, "a model file has at most %d bytes",
                         CR_MODEL_MAX_BYTES);
    if (!rc)
        rc = cr_model_load_text(path, text, len, out, d);
    free(text);
    return rc;
}

cr_err cr_model_load_text(const char *name, const char *text, size_t len, cr_model **out,
                          cr_diag *d)
{
    const char *path = name;
    cr__ydoc y;
    cr_err rc = cr__ydoc_load_mem(&y, name, text, len, d);
    cr_model *m = rc ? NULL : calloc(1, sizeof *m);
    if (!rc && !m)
        rc = CR_ENOMEM;
    if (rc)
        goto out;
    yaml_node_t *root = cr__yroot(&y);
    static const char *const keys[] = {
        "model", "version", "name",   "description", "levels",           "vetoes",
        "flags", "aspects", "method", "booster",     "as_of_ahead_days", NULL};
    double version = 0;
    m->as_of_ahead_days = CR_AS_OF_AHEAD_DAYS_DEFAULT;
    if ((rc = cr__yonly(&y, root, keys, "the model")) ||
        (rc = cr__ystr(&y, root, "model", 1, &m->id, "the model")) ||
        (rc = cr__ystr(&y, root, "name", 1, &m->name, "the model")))
        goto out;
    if (!cr__yget(&y, root, "version") || !cr__yget(&y, root, "levels")) {
        rc = cr__yfail(&y, root, "the model needs 'version' and 'levels'");
        goto out;
    }
    if ((rc = cr__ynum(&y, cr__yget(&y, root, "version"), &version, "version")) ||
        (rc = parse_levels(&y, cr__yget(&y, root, "levels"), m)) ||
        (rc = parse_vetoes(&y, cr__yget(&y, root, "vetoes"), m)) ||
        (rc = parse_flags(&y, cr__yget(&y, root, "flags"), m)))
        goto out;
    if (!(version >= 0 && version <= 1e9 && version == floor(version))) {
        rc = cr__yfail(&y, cr__yget(&y, root, "version"), "version must be a whole number");
        goto out;
    }
    m->version = (int)version;
    yaml_node_t *ahead = cr__yget(&y, root, "as_of_ahead_days");
    if (ahead) {
        double a = 0;
        if ((rc = cr__ynum(&y, ahead, &a, "as_of_ahead_days")))
            goto out;
        if (!(a >= 0 && a <= CR_AS_OF_AHEAD_DAYS_MAX && a == floor(a))) {
            rc =
                cr__yfail(&y, ahead, "as_of_ahead_days must be a whole number of days from 0 to %d",
                          CR_AS_OF_AHEAD_DAYS_MAX);
            goto out;
        }
        m->as_of_ahead_days = (int)a;
    }
    yaml_node_t *asp = cr__yget(&y, root, "aspects");
    size_t k = cr__ylen(asp);
    if (!k) {
        rc = cr__yfail(&y, asp ? asp : root, "the model needs a list of aspects");
        goto out;
    }
    if (!(m->aspects = calloc(k, sizeof *m->aspects))) {
        rc = CR_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < k && !rc; i++) {
        m->n_aspects++;
        rc = parse_aspect(&y, cr__yitem(&y, asp, i), &m->aspects[i]);
    }
    if (!rc)
        rc = check_names(&y, m);
    if (!rc)
        rc = attr_columns(m);
    if (!rc)
        rc = parse_method(&y, root, m);
    if (!rc && (!(m->path = strdup(path)) || !(m->text = malloc(len + 1))))
        rc = CR_ENOMEM;
    if (!rc) {
        memcpy(m->text, text, len);
        m->text[len] = 0;
        m->text_len = len;
        text_hash(text, len, m->hash);
    }
out:
    cr__ydoc_free(&y);
    if (rc) {
        cr_model_free(m);
        return rc;
    }
    *out = m;
    return CR_OK;
}

static void free_indicator(struct cr_indicator *ind)
{
    free(ind->id);
    free(ind->name);
    free(ind->rationale);
    cr__ystrs_free(ind->sources, ind->n_sources);
    cr__ystrs_free(ind->kinds, ind->n_kinds);
    cr__ystrs_free(ind->den_kinds, ind->n_den_kinds);
    free(ind->flag);
    free(ind->role);
    free(ind->attr);
    free(ind->bins);
    for (size_t i = 0; i < ind->n_map; i++)
        free(ind->map[i].match);
    free(ind->map);
}

void cr_model_free(cr_model *m)
{
    if (!m)
        return;
    for (size_t a = 0; a < m->n_aspects; a++) {
        struct cr_aspect *as = &m->aspects[a];
        for (size_t c = 0; c < as->n_categories; c++) {
            struct cr_category *cat = &as->categories[c];
            for (size_t i = 0; i < cat->n_indicators; i++)
                free_indicator(&cat->indicators[i]);
            free(cat->indicators);
            free(cat->id);
            free(cat->name);
        }
        free(as->categories);
        free(as->id);
        free(as->name);
    }
    free(m->aspects);
    for (size_t i = 0; i < m->n_attr_columns; i++)
        free(m->attr_columns[i]);
    free(m->attr_columns);
    for (size_t i = 0; i < m->n_vetoes; i++) {
        free(m->vetoes[i].id);
        free(m->vetoes[i].name);
        cr__ystrs_free(m->vetoes[i].kinds, m->vetoes[i].n_kinds);
    }
    free(m->vetoes);
    for (size_t i = 0; i < m->n_flags; i++) {
        free(m->flags[i].id);
        free(m->flags[i].attr);
        cr__ystrs_free(m->flags[i].kinds, m->flags[i].n_kinds);
        cr__ystrs_free(m->flags[i].values, m->flags[i].n_values);
    }
    free(m->flags);
    cr__ystrs_free(m->features, m->n_features);
    free(m->booster);
    free(m->path);
    free(m->text);
    free(m->id);
    free(m->name);
    free(m);
}
