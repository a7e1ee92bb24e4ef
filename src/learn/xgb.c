/* Gradient-boosted trees with XGBoost's C API (issue 12; docs/learn-trees.md): training per
 * fold with early stopping on a validation split, the model file that carries the booster as
 * base64 of its UBJSON bytes, and scoring and explaining (SHAP contributions) with it. */
#include "crisk/booster.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

void cr_xgb_params_default(struct cr_xgb_params *p)
{
    *p = (struct cr_xgb_params){.eta = 0.1,
                                .max_depth = 3,
                                .min_child_weight = 1,
                                .lambda = 1,
                                .max_rounds = 1000,
                                .early_stop = 50,
                                .valid_share = 0.2,
                                .monotone = 1,
                                .nthread = 0,
                                .seed = 20240612};
}

void cr_xgb_fit_free(struct cr_xgb_fit *f)
{
    if (!f)
        return;
    free(f->pred);
    free(f->fold_rounds);
    free(f->booster_b64);
    memset(f, 0, sizeof *f);
}

/* ---- base64 (RFC 4648, with padding) ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const unsigned char *in, size_t len)
{
    char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        *o++ = b64[v >> 18 & 63];
        *o++ = b64[v >> 12 & 63];
        *o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
        *o++ = i + 2 < len ? b64[v & 63] : '=';
    }
    *o = 0;
    return out;
}

static int b64_val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

/* NULL when in is not base64 (or out of memory: *bad tells). */
static unsigned char *b64_decode(const char *in, size_t *len, int *bad)
{
    size_t n = strlen(in);
    *bad = 0;
    if (n % 4) {
        *bad = 1;
        return NULL;
    }
    unsigned char *out = malloc(n / 4 * 3 + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int j = 0; j < 4; j++) {
            v[j] = in[i + j] == '=' && i + 4 == n && j >= 2 ? 0 : b64_val(in[i + j]);
            if (v[j] < 0) {
                free(out);
                *bad = 1;
                return NULL;
            }
        }
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[k++] = (unsigned char)(w >> 16);
        if (in[i + 2] != '=')
            out[k++] = (unsigned char)(w >> 8 & 255);
        if (in[i + 3] != '=')
            out[k++] = (unsigned char)(w & 255);
    }
    *len = k;
    return out;
}

/* ---- XGBoost calls ---- */

static cr_err xg_fail(cr_diag *d, const char *what)
{
    return cr_diag_set(d, CR_EIO, NULL, 0, 0, "XGBoost %s: %s", what, XGBGetLastError());
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A DMatrix of the given rows (labels set). */
static cr_err dmatrix(const struct cr_learn_data *d, const size_t *rows, size_t m,
                      DMatrixHandle *out, cr_diag *diag)
{
    float *buf = malloc((m * d->p + 1) * sizeof *buf), *lab = malloc((m + 1) * sizeof *lab);
    cr_err rc = CR_OK;
    if (!buf || !lab)
        rc = CR_ENOMEM;
    for (size_t i = 0; !rc && i < m; i++) {
        memcpy(buf + i * d->p, d->x + rows[i] * d->p, d->p * sizeof *buf);
        lab[i] = d->y[rows[i]] ? 1.0f : 0.0f;
    }
    if (!rc && XGDMatrixCreateFromMat(buf, (bst_ulong)m, (bst_ulong)d->p, NAN, out))
        rc = xg_fail(diag, "matrix");
    else if (!rc && XGDMatrixSetFloatInfo(*out, "label", lab, (bst_ulong)m)) {
        rc = xg_fail(diag, "labels");
        XGDMatrixFree(*out);
    }
    free(buf);
    free(lab);
    return rc;
}

static cr_err set_params(BoosterHandle b, const struct cr_learn_data *d,
                         const struct cr_xgb_params *p, cr_diag *diag)
{
    struct {
        const char *k;
        char v[64];
    } kv[] = {{"objective", "binary:logistic"},
              {"eval_metric", "logloss"},
              {"tree_method", "hist"},
              {"eta", ""},
              {"max_depth", ""},
              {"min_child_weight", ""},
              {"lambda", ""},
              {"seed", ""},
              {"nthread", ""},
              {"verbosity", "0"}};
    snprintf(kv[3].v, sizeof kv[3].v, "%.17g", p->eta);
    snprintf(kv[4].v, sizeof kv[4].v, "%d", p->max_depth);
    snprintf(kv[5].v, sizeof kv[5].v, "%.17g", p->min_child_weight);
    snprintf(kv[6].v, sizeof kv[6].v, "%.17g", p->lambda);
    snprintf(kv[7].v, sizeof kv[7].v, "%llu", (unsigned long long)(p->seed & 0x7fffffff));
    snprintf(kv[8].v, sizeof kv[8].v, "%d", p->nthread);
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (XGBoosterSetParam(b, kv[i].k, kv[i].v))
            return xg_fail(diag, "parameter");
    if (p->monotone && d->direction) {
        size_t cap = d->p * 3 + 3, at = 0;
        char *mc = malloc(cap);
        if (!mc)
            return CR_ENOMEM;
        mc[at++] = '(';
        for (size_t j = 0; j < d->p; j++)
            at += (size_t)snprintf(mc + at, cap - at, "%s%d", j ? "," : "",
                                   d->direction[j] > 0   ? 1
                                   : d->direction[j] < 0 ? -1
                                                         : 0);
        mc[at++] = ')';
        mc[at] = 0;
        int bad = XGBoosterSetParam(b, "monotone_constraints", mc);
        free(mc);
        if (bad)
            return xg_fail(diag, "monotone constraints");
    }
    return CR_OK;
}

struct keyed {
    uint64_t key;
    size_t row;
    int y;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *z = b;
    if (x->y != z->y)
        return x->y - z->y;
    if (x->key != z->key)
        return x->key < z->key ? -1 : 1;
    return (x->row > z->row) - (x->row < z->row);
}

/* The last number of an eval string "[3]\tvalid-logloss:0.51". */
static double eval_value(const char *s)
{
    const char *c = s ? strrchr(s, ':') : NULL;
    return c ? strtod(c + 1, NULL) : NAN;
}

/* Trains on rows tr (split stratified, by a hash of subject and seed, into fitting and
 * validation rows), stops early on the validation loss and keeps the best rounds. */
static cr_err train(const struct cr_learn_data *d, const struct cr_xgb_params *p, const size_t *tr,
                    size_t ntr, BoosterHandle *out, int *rounds, cr_diag *diag)
{
    struct keyed *k = malloc((ntr + 1) * sizeof *k);
    size_t *fit = malloc((ntr + 1) * sizeof *fit), *val = malloc((ntr + 1) * sizeof *val);
    size_t nfit = 0, nval = 0, pos_fit = 0;
    cr_err rc = CR_OK;
    DMatrixHandle dm[2] = {NULL, NULL};
    BoosterHandle b = NULL;
    if (!k || !fit || !val) {
        rc = CR_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < ntr; i++)
        k[i] = (struct keyed){mix64((uint64_t)d->subject[tr[i]] ^ mix64(p->seed)), tr[i],
                              d->y[tr[i]] != 0};
    qsort(k, ntr, sizeof *k, cmp_keyed);
    for (size_t i = 0, c = 0; i < ntr; i++, c++) {
        if (i && k[i].y != k[i - 1].y)
            c = 0; /* each class counted on its own: the split is stratified */
        double a = floor((double)c * p->valid_share), b1 = floor((double)(c + 1) * p->valid_share);
        if (b1 > a)
            val[nval++] = k[i].row;
        else {
            fit[nfit++] = k[i].row;
            pos_fit += (size_t)k[i].y;
        }
    }
    if (!nval || !pos_fit || pos_fit == nfit) {
        rc = cr_diag_set(diag, CR_EINVAL, NULL, 0, 0,
                         "trees: %zu training rows with %zu positives: too few to train and "
                         "validate on",
                         ntr, pos_fit);
        goto out;
    }
    if ((rc = dmatrix(d, fit, nfit, &dm[0], diag)) || (rc = dmatrix(d, val, nval, &dm[1], diag)))
        goto out;
    if (XGBoosterCreate(dm, 2, &b)) {
        rc = xg_fail(diag, "booster");
        goto out;
    }
    if ((rc = set_params(b, d, p, diag)))
        goto out;
    double best = INFINITY;
    int best_it = 0;
    const char *names[1] = {"valid"};
    for (int it = 0; it < p->max_rounds; it++) {
        const char *ev = NULL;
        if (XGBoosterUpdateOneIter(b, it, dm[0]) ||
            XGBoosterEvalOneIter(b, it, &dm[1], names, 1, &ev)) {
            rc = xg_fail(diag, "training");
            goto out;
        }
        double loss = eval_value(ev);
        if (loss < best) {
            best = loss;
            best_it = it;
        } else if (it - best_it >= p->early_stop)
            break;
    }
    *rounds = best_it + 1;
    if (XGBoosterSlice(b, 0, *rounds, 1, out))
        rc = xg_fail(diag, "slice");
out:
    if (b)
        XGBoosterFree(b);
    for (int i = 0; i < 2; i++)
        if (dm[i])
            XGDMatrixFree(dm[i]);
    free(k);
    free(fit);
    free(val);
    return rc;
}

/* Probabilities (type 0) or contributions (type 2) of m rows of x. */
static cr_err predict(BoosterHandle b, const float *x, size_t m, size_t p, int type, float *out,
                      cr_diag *diag)
{
    DMatrixHandle dm;
    if (XGDMatrixCreateFromMat(x, (bst_ulong)m, (bst_ulong)p, NAN, &dm))
        return xg_fail(diag, "matrix");
    char cfg[160];
    snprintf(cfg, sizeof cfg,
             "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
             "\"strict_shape\": false}",
             type);
    bst_ulong const *shape = NULL;
    bst_ulong dim = 0;
    const float *res = NULL;
    cr_err rc = CR_OK;
    if (XGBoosterPredictFromDMatrix(b, dm, cfg, &shape, &dim, &res))
        rc = xg_fail(diag, "predict");
    else {
        size_t want = type == 2 ? m * (p + 1) : m, got = 1;
        for (bst_ulong i = 0; i < dim; i++)
            got *= (size_t)shape[i];
        if (got != want)
            rc = cr_diag_set(diag, CR_EINVAL, NULL, 0, 0,
                             "XGBoost predict: %zu values for %zu rows of %zu features", got, m, p);
        else
            memcpy(out, res, want * sizeof *out);
    }
    XGDMatrixFree(dm);
    return rc;
}

static cr_err predict_rows(BoosterHandle b, const struct cr_learn_data *d, const size_t *rows,
                           size_t m, double *pred, cr_diag *diag)
{
    float *buf = malloc((m * d->p + 1) * sizeof *buf), *pr = malloc((m + 1) * sizeof *pr);
    cr_err rc = buf && pr ? CR_OK : CR_ENOMEM;
    for (size_t i = 0; !rc && i < m; i++)
        memcpy(buf + i * d->p, d->x + rows[i] * d->p, d->p * sizeof *buf);
    if (!rc)
        rc = predict(b, buf, m, d->p, 0, pr, diag);
    for (size_t i = 0; !rc && i < m; i++)
        pred[rows[i]] = pr[i];
    free(buf);
    free(pr);
    return rc;
}

static cr_err save_b64(BoosterHandle b, char **out, cr_diag *diag)
{
    bst_ulong len = 0;
    const char *raw = NULL;
    if (XGBoosterSaveModelToBuffer(b, "{\"format\": \"ubj\"}", &len, &raw))
        return xg_fail(diag, "save");
    *out = b64_encode((const unsigned char *)raw, (size_t)len);
    return *out ? CR_OK : CR_ENOMEM;
}

cr_err cr_learn_xgb_fit(const struct cr_learn_data *d, const struct cr_xgb_params *p,
                        struct cr_xgb_fit *out, cr_diag *diag)
{
    memset(out, 0, sizeof *out);
    if (!d->n || !d->p || d->k < 2)
        return cr_diag_set(diag, CR_EINVAL, NULL, 0, 0, "trees: no rows, no features or no folds");
    if (!(p->eta > 0 && p->eta <= 1) || p->max_depth < 1 || p->max_rounds < 1 ||
        p->early_stop < 1 || !(p->valid_share > 0 && p->valid_share < 1))
        return cr_diag_set(diag, CR_EINVAL, NULL, 0, 0, "trees: parameter out of range");
    out->n = d->n;
    out->k = d->out_of_time ? 1 : d->k;
    out->pred = malloc(d->n * sizeof *out->pred);
    out->fold_rounds = calloc((size_t)out->k, sizeof *out->fold_rounds);
    size_t *tr = malloc(d->n * sizeof *tr), *te = malloc(d->n * sizeof *te);
    cr_err rc = out->pred && out->fold_rounds && tr && te ? CR_OK : CR_ENOMEM;
    for (size_t i = 0; !rc && i < d->n; i++)
        out->pred[i] = NAN;
    BoosterHandle final = NULL;
    for (int f = 0; !rc && f < out->k; f++) {
        int test = d->out_of_time ? 1 : f;
        size_t ntr = 0, nte = 0;
        for (size_t i = 0; i < d->n; i++) {
            if (d->fold[i] == test)
                te[nte++] = i;
            else if (!d->out_of_time || d->fold[i] == 0)
                tr[ntr++] = i;
        }
        BoosterHandle b = NULL;
        if (!(rc = train(d, p, tr, ntr, &b, &out->fold_rounds[f], diag)) && nte)
            rc = predict_rows(b, d, te, nte, out->pred, diag);
        if (b && !rc && d->out_of_time) {
            final = b; /* out of time: the model that was tested is the one kept */
            out->rounds = out->fold_rounds[f];
        } else if (b)
            XGBoosterFree(b);
    }
    if (!rc && !d->out_of_time) {
        for (size_t i = 0; i < d->n; i++)
            tr[i] = i;
        rc = train(d, p, tr, d->n, &final, &out->rounds, diag);
    }
    if (!rc)
        rc = save_b64(final, &out->booster_b64, diag);
    if (final)
        XGBoosterFree(final);
    free(tr);
    free(te);
    if (rc) {
        cr_xgb_fit_free(out);
        if (rc == CR_ENOMEM)
            cr_diag_set(diag, rc, NULL, 0, 0, "trees: out of memory");
    }
    return rc;
}

/* ---- the model file ---- */

struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
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

static void sb_str(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* A YAML double-quoted scalar (JSON escaping is valid YAML). */
static void sb_quoted(struct sbuf *b, const char *s)
{
    sb_str(b, "\"");
    for (; *s; s++) {
        char esc[8];
        if (*s == '"' || *s == '\\') {
            esc[0] = '\\';
            esc[1] = *s;
            sb_add(b, esc, 2);
        } else if ((unsigned char)*s < 0x20) {
            snprintf(esc, sizeof esc, "\\x%02x", (unsigned)(unsigned char)*s);
            sb_str(b, esc);
        } else
            sb_add(b, s, 1);
    }
    sb_str(b, "\"");
}

/* Whether the top-level line at s starts one of the keys the booster model sets itself. */
static int replaced_key(const char *s)
{
    static const char *const keys[] = {"model",  "version", "name", "description",
                                       "method", "booster", NULL};
    for (size_t i = 0; keys[i]; i++) {
        size_t n = strlen(keys[i]);
        if (strncmp(s, keys[i], n) == 0 && (s[n] == ':' || s[n] == ' '))
            return 1;
    }
    return 0;
}

cr_err cr_learn_xgb_model_text(const cr_model *base, const char *id, const char *name,
                               const struct cr_learn_data *d, const struct cr_xgb_fit *fit,
                               char **out, cr_diag *diag)
{
    struct sbuf b = {0};
    char line[256];
    sb_str(&b, "# Gradient-boosted trees trained by crisk learn (docs/learn-trees.md); the\n"
               "# indicators below are those of the base model ");
    sb_str(&b, base->id);
    sb_str(&b, " and define the indicator features.\nmodel: ");
    sb_quoted(&b, id);
    sb_str(&b, "\nversion: 1\nname: ");
    sb_quoted(&b, name);
    snprintf(line, sizeof line, "\ndescription: \"XGBoost, %d trees, over base model v%d (%s)\"\n",
             fit->rounds, base->version, base->hash);
    sb_str(&b, line);
    sb_str(&b, "method: xgboost\nbooster:\n  format: ubj\n  features:\n");
    for (size_t j = 0; j < d->p; j++) {
        sb_str(&b, "    - ");
        sb_quoted(&b, d->name[j]);
        sb_str(&b, "\n");
    }
    sb_str(&b, "  data: \"");
    sb_str(&b, fit->booster_b64);
    sb_str(&b, "\"\n");
    /* the base model's text without the keys set above */
    const char *t = base->text;
    int skipping = 0;
    while (*t) {
        const char *eol = strchr(t, '\n');
        size_t n = eol ? (size_t)(eol - t) + 1 : strlen(t);
        int top = *t != ' ' && *t != '\t' && *t != '#' && *t != '\n' && *t != '\r';
        if (top)
            skipping = replaced_key(t);
        if (!skipping)
            sb_add(&b, t, n);
        t += n;
    }
    if (b.len && b.s[b.len - 1] != '\n')
        sb_str(&b, "\n");
    if (b.oom) {
        free(b.s);
        return cr_diag_set(diag, CR_ENOMEM, NULL, 0, 0, "trees: out of memory");
    }
    *out = b.s;
    return CR_OK;
}

/* ---- scoring ---- */

static cr_err load_booster(const char *booster_b64, int nthread, BoosterHandle *out, cr_diag *diag)
{
    size_t len = 0;
    int bad = 0;
    unsigned char *raw = b64_decode(booster_b64, &len, &bad);
    if (!raw)
        return bad ? cr_diag_set(diag, CR_EPARSE, NULL, 0, 0, "booster.data is not base64")
                   : CR_ENOMEM;
    cr_err rc = CR_OK;
    char nt[16];
    snprintf(nt, sizeof nt, "%d", nthread);
    if (XGBoosterCreate(NULL, 0, out))
        rc = xg_fail(diag, "booster");
    else if (XGBoosterLoadModelFromBuffer(*out, raw, (bst_ulong)len) ||
             XGBoosterSetParam(*out, "nthread", nt)) {
        rc = cr_diag_set(diag, CR_EPARSE, NULL, 0, 0, "booster.data is not an XGBoost model: %s",
                         XGBGetLastError());
        XGBoosterFree(*out);
    }
    free(raw);
    return rc;
}

cr_err cr_learn_xgb_predict(const char *booster_b64, const float *x, size_t n, size_t p,
                            int nthread, double *prob, float *contrib, cr_diag *diag)
{
    BoosterHandle b;
    cr_err rc = load_booster(booster_b64, nthread, &b, diag);
    if (rc)
        return rc;
    bst_ulong nf = 0;
    if (XGBoosterGetNumFeature(b, &nf))
        rc = xg_fail(diag, "features");
    else if ((size_t)nf != p)
        rc = cr_diag_set(diag, CR_EINVAL, NULL, 0, 0,
                         "the booster has %zu features, the model file's booster.features names "
                         "%zu",
                         (size_t)nf, p);
    float *pr = rc ? NULL : malloc((n + 1) * sizeof *pr);
    if (!rc && !pr)
        rc = CR_ENOMEM;
    if (!rc && n)
        rc = predict(b, x, n, p, 0, pr, diag);
    for (size_t i = 0; !rc && i < n; i++)
        prob[i] = pr[i];
    if (!rc && contrib && n)
        rc = predict(b, x, n, p, 2, contrib, diag);
    free(pr);
    XGBoosterFree(b);
    return rc;
}

double cr_xgb_shares(const float *contrib, size_t p, double score, double *shares, double *base_out)
{
    double s = 0;
    for (size_t j = 0; j < p; j++)
        s += contrib[j];
    double bias = contrib[p];
    double base = 100.0 / (1.0 + exp(-bias));
    if (fabs(s) < 1e-12) {
        for (size_t j = 0; j < p; j++)
            shares[j] = 0;
        *base_out = score;
        return score;
    }
    double f = (score - base) / s;
    for (size_t j = 0; j < p; j++)
        shares[j] = contrib[j] * f;
    *base_out = base;
    return score;
}

/* ---- the features of a model, and classification with its booster ---- */

/* Model-order index of each indicator id, and its aspect. */
static int indicator_index(const cr_model *m, const char *id, int *aspect)
{
    int k = 0;
    for (size_t a = 0; a < m->n_aspects; a++)
        for (size_t c = 0; c < m->aspects[a].n_categories; c++)
            for (size_t i = 0; i < m->aspects[a].categories[c].n_indicators; i++, k++)
                if (strcmp(m->aspects[a].categories[c].indicators[i].id, id) == 0) {
                    if (aspect)
                        *aspect = (int)a;
                    return k;
                }
    return -1;
}

struct feat_ctx {
    const cr_model *m;
    const int *ind;           /* per feature: model-order indicator index, -1 for attributes */
    const uint8_t *by_points; /* per feature: a categorical indicator read through a map */
    float *x;
    size_t p;
};

/* An indicator feature is its value, or for a categorical indicator read through a map (whose
 * value explain gives as NAN) its points — as the learn matrix has it (cr_learn_data_build). */
static int feat_row(void *ctx, size_t e, const double *values, const double *points,
                    const double *shares)
{
    struct feat_ctx *f = ctx;
    (void)shares;
    for (size_t j = 0; j < f->p; j++)
        if (f->ind[j] >= 0)
            f->x[e * f->p + j] = (float)(f->by_points[j] ? points[f->ind[j]] : values[f->ind[j]]);
    return 0;
}

static const struct cr_indicator *indicator_at(const cr_model *m, int k)
{
    for (size_t a = 0; a < m->n_aspects; a++)
        for (size_t c = 0; c < m->aspects[a].n_categories; c++) {
            const struct cr_category *cat = &m->aspects[a].categories[c];
            if ((size_t)k < cat->n_indicators)
                return &cat->indicators[k];
            k -= (int)cat->n_indicators;
        }
    return NULL;
}

/* An attribute's value as a feature: "attr:col" a number (a JSON number, or a string that is
 * one whole), else NAN; "attr:col=value" 1 when the attribute equals value, 0 when it differs,
 * NAN when absent. */
static float attr_value(json_t *obj, const char *feature)
{
    const char *col = feature + 5, *eq = strchr(col, '=');
    char key[512];
    size_t kl = eq ? (size_t)(eq - col) : strlen(col);
    if (kl >= sizeof key)
        return NAN;
    memcpy(key, col, kl);
    key[kl] = 0;
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return NAN;
    if (eq)
        return json_is_string(v) && strcmp(json_string_value(v), eq + 1) == 0 ? 1.0f : 0.0f;
    if (json_is_number(v))
        return (float)json_number_value(v);
    if (!json_is_string(v))
        return NAN;
    const char *s = json_string_value(v);
    char *end;
    double d = strtod(s, &end);
    return *s && !*end && isfinite(d) ? (float)d : NAN;
}

cr_err cr_xgb_features(const cr_model *m, const struct cr_city *city, int32_t as_of,
                       const char *const *attrs, float **x, cr_diag *diag)
{
    size_t n = city->n, p = m->n_features;
    *x = NULL;
    if (m->method != CR_METHOD_XGBOOST || !p)
        return cr_diag_set(diag, CR_EINVAL, NULL, 0, 0, "model %s has no booster", m->id);
    int *ind = malloc(p * sizeof *ind), any_ind = 0, any_attr = 0;
    uint8_t *by_points = calloc(p, 1);
    float *v = malloc((n * p + 1) * sizeof *v);
    cr_err rc = ind && by_points && v ? CR_OK : CR_ENOMEM;
    for (size_t j = 0; !rc && j < p; j++) {
        int attr = strncmp(m->features[j], "attr:", 5) == 0;
        ind[j] = attr ? -1 : indicator_index(m, m->features[j], NULL);
        const struct cr_indicator *it = ind[j] >= 0 ? indicator_at(m, ind[j]) : NULL;
        by_points[j] = it && it->n_map > 0;
        any_ind |= ind[j] >= 0;
        any_attr |= attr;
    }
    for (size_t i = 0; !rc && i < n * p; i++)
        v[i] = NAN;
    if (!rc && any_ind) {
        struct feat_ctx f = {m, ind, by_points, v, p};
        rc = cr_classify_explain_each(m, city, as_of, feat_row, &f);
    }
    for (size_t e = 0; !rc && any_attr && attrs && e < n; e++) {
        json_t *o = attrs[e] ? json_loads(attrs[e], 0, NULL) : NULL;
        for (size_t j = 0; j < p; j++)
            if (ind[j] < 0)
                v[e * p + j] = attr_value(o, m->features[j]);
        json_decref(o);
    }
    free(ind);
    free(by_points);
    if (rc) {
        free(v);
        return rc == CR_ENOMEM ? cr_diag_set(diag, rc, NULL, 0, 0, "features: out of memory") : rc;
    }
    *x = v;
    return CR_OK;
}

struct shared_rank {
    double share;
    int32_t j;
};

static int cmp_share(const void *a, const void *b)
{
    const struct shared_rank *x = a, *y = b;
    if (x->share != y->share)
        return x->share < y->share ? 1 : -1;
    return x->j - y->j;
}

cr_err cr_xgb_classify(const cr_model *m, const struct cr_city *city, int32_t as_of,
                       const char *const *attrs, int threads, struct cr_scores *out, cr_diag *diag)
{
    /* the engine gives the vetoes (and the layout of the scores); the booster the rest */
    cr_err rc = cr_classify(m, city, as_of, threads, out, diag);
    if (rc)
        return rc;
    size_t n = city->n, p = m->n_features;
    float *x = NULL, *contrib = NULL;
    double *prob = malloc((n + 1) * sizeof *prob), *shares = malloc((p + 1) * sizeof *shares);
    int *asp = malloc((p + 1) * sizeof *asp);
    struct shared_rank *rank = malloc((p + 1) * sizeof *rank);
    if (!prob || !shares || !asp || !rank)
        rc = cr_diag_set(diag, CR_ENOMEM, NULL, 0, 0, "trees: out of memory");
    if (!rc)
        rc = cr_xgb_features(m, city, as_of, attrs, &x, diag);
    if (!rc && !(contrib = malloc((n * (p + 1) + 1) * sizeof *contrib)))
        rc = cr_diag_set(diag, CR_ENOMEM, NULL, 0, 0, "trees: out of memory");
    if (!rc)
        rc = cr_learn_xgb_predict(m->booster, x, n, p, threads, prob, contrib, diag);
    if (rc && rc != CR_ENOMEM && !diag->file[0] && m->path) /* the booster is the file's */
        snprintf(diag->file, sizeof diag->file, "%s", m->path);
    for (size_t j = 0; !rc && j < p; j++) {
        asp[j] = -1;
        if (strncmp(m->features[j], "attr:", 5) != 0)
            (void)indicator_index(m, m->features[j], &asp[j]);
    }
    for (size_t e = 0; !rc && e < n; e++) {
        double base;
        out->score[e] = cr_xgb_shares(contrib + e * (p + 1), p, 100.0 * prob[e], shares, &base);
        float *as = out->aspects + e * m->n_aspects;
        for (size_t a = 0; a < m->n_aspects; a++)
            as[a] = 0;
        for (size_t j = 0; j < p; j++) {
            if (asp[j] >= 0)
                as[asp[j]] += (float)shares[j];
            rank[j] = (struct shared_rank){shares[j], (int32_t)j};
        }
        qsort(rank, p, sizeof *rank, cmp_share);
        struct cr_contribution *top = out->top + e * CR_TOP;
        for (size_t t = 0; t < CR_TOP; t++)
            top[t] =
                t < p && rank[t].share > 0 /* as the engine: what raised the score */
                    ? (struct cr_contribution){rank[t].j, contrib[e * (p + 1) + (size_t)rank[t].j],
                                               (float)rank[t].share}
                    : (struct cr_contribution){-1, 0, 0};
    }
    if (!rc)
        rc = cr_classify_levels(m, city, out);
    free(x);
    free(contrib);
    free(prob);
    free(shares);
    free(asp);
    free(rank);
    if (rc)
        cr_scores_free(out);
    return rc;
}

cr_err cr_learn_tree_attrs(cr_store *s, const cr_model *m, const struct cr_city *city, char ***out,
                           cr_diag *diag)
{
    *out = NULL;
    int any = 0;
    for (size_t j = 0; j < m->n_features; j++)
        any |= strncmp(m->features[j], "attr:", 5) == 0;
    if (!any)
        return CR_OK;
    char **a = calloc(city->n + 1, sizeof *a);
    if (!a)
        return cr_diag_set(diag, CR_ENOMEM, NULL, 0, 0, "out of memory");
    cr_err rc = s ? cr_store_enterprise_attrs(s, city->subject, city->n, a) : CR_EINVAL;
    if (rc) {
        free(a);
        if (rc != CR_ESTORE)
            return cr_diag_set(diag, rc, NULL, 0, 0, "cannot read the registry attributes");
        return cr_diag_set(diag, rc, NULL, 0, 0, "cannot read the registry attributes: %s",
                           cr_store_errmsg(s));
    }
    *out = a;
    return CR_OK;
}

void cr_learn_attrs_free(char **attrs, size_t n)
{
    for (size_t i = 0; attrs && i < n; i++)
        free(attrs[i]);
    free(attrs);
}

cr_err cr_learn_classify(cr_store *s, const cr_model *m, const struct cr_city *city, int32_t as_of,
                         int threads, struct cr_scores *out, cr_diag *diag)
{
    if (m->method != CR_METHOD_XGBOOST)
        return cr_classify(m, city, as_of, threads, out, diag);
    char **attrs = NULL;
    cr_err rc = cr_learn_tree_attrs(s, m, city, &attrs, diag);
    if (!rc)
        rc = cr_xgb_classify(m, city, as_of, (const char *const *)attrs, threads, out, diag);
    cr_learn_attrs_free(attrs, city->n);
    return rc;
}
