/* Gradient-boosted trees (issue 12): training with XGBoost's C API on a learn matrix, the model
 * file that carries the booster, and scoring and explaining with it (docs/learn-trees.md). */
#ifndef CRISK_BOOSTER_H
#define CRISK_BOOSTER_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/classify.h"
#include "crisk/err.h"
#include "crisk/learn.h"
#include "crisk/model.h"

/* Training settings; cr_xgb_params_default gives the documented defaults (docs/learn-trees.md). */
struct cr_xgb_params {
    double eta;              /* learning rate (0.05) */
    int max_depth;           /* tree depth (3) */
    double min_child_weight; /* least hessian in a leaf (1) */
    double lambda;           /* L2 penalty on leaf weights (1) */
    int max_rounds;          /* most trees (1000) */
    int early_stop;          /* stop after this many rounds without a better validation loss (50) */
    double valid_share;      /* share of the training rows held out for early stopping (0.2) */
    int monotone;            /* 1: monotone constraints from d->direction (1) */
    int nthread;             /* XGBoost threads, 0 = one per processor (0) */
    uint64_t seed;           /* the validation split and XGBoost's seed (20240612) */
};
void cr_xgb_params_default(struct cr_xgb_params *p);

struct cr_xgb_fit {
    size_t n;
    double *pred;     /* n: probability of each row from the model that did not train on it
                       * (k-fold: its fold's model; out of time: the train model on test rows,
                       * NAN on train rows) */
    int *fold_rounds; /* k: trees kept per fold (early stopping) */
    int k;
    int rounds;        /* trees of the final model (trained on every row, k-fold; on the train
                        * rows, out of time) */
    char *booster_b64; /* the final model: base64 of its UBJSON bytes */
};
void cr_xgb_fit_free(struct cr_xgb_fit *f);

/* Trains per fold and a final model. Deterministic: the same data and params give the same
 * bytes. CR_EINVAL (with a message) when a training fold lacks a class. */
cr_err cr_learn_xgb_fit(const struct cr_learn_data *d, const struct cr_xgb_params *p,
                        struct cr_xgb_fit *out, cr_diag *diag) CR_MUST_USE;

/* Writes the model file of a fit: base's text (its indicators define the indicator features; its
 * levels, vetoes and flags are kept) with model id, name, version 1, `method: xgboost` and the
 * booster (features in d->name order). *out is malloc'd NUL-terminated YAML. */
cr_err cr_learn_xgb_model_text(const cr_model *base, const char *id, const char *name,
                               const struct cr_learn_data *d, const struct cr_xgb_fit *fit,
                               char **out, cr_diag *diag) CR_MUST_USE;

/* Predicts with a booster (base64, as in a model file) on n rows of p features (row-major, NAN
 * missing): prob[i] the probability; when contrib is not NULL, n*(p+1) SHAP contributions in
 * margin space (log-odds), the last of each row the bias, each row summing to its margin. */
cr_err cr_learn_xgb_predict(const char *booster_b64, const float *x, size_t n, size_t p,
                            int nthread, double *prob, float *contrib, cr_diag *diag) CR_MUST_USE;

/* Points from margin contributions, so that they add up to the score. contrib is one row of
 * cr_learn_xgb_predict (p features, then the bias); score = 100 × the booster's probability
 * (= 100 σ(margin)); base = 100 σ(bias), the score of a firm about which nothing is known;
 * share_j = φ_j (score − base) / Σφ (all 0, and base = score, when Σφ = 0). So
 * base + Σ share_j = score, and each share has its φ's sign and proportion. Returns score. */
double cr_xgb_shares(const float *contrib, size_t p, double score, double *shares,
                     double *base_out);

/* The feature matrix of model m (method xgboost) for every enterprise of city as of as_of:
 * indicator features as cr_classify_explain_each computes them; attribute features from attrs
 * (one JSON object per enterprise, NULL = none; a number, else NAN). x is n*p, malloc'd. */
cr_err cr_xgb_features(const cr_model *m, const struct cr_city *city, int32_t as_of,
                       const char *const *attrs, float **x, cr_diag *diag) CR_MUST_USE;

/* Scores every enterprise with m's booster: out like cr_classify's (score = 100 × probability,
 * levels by the model's levels and vetoes; top contributions index m->features, points the
 * margin contribution φ, share as cr_xgb_shares; aspects sum the shares of their indicators). */
cr_err cr_xgb_classify(const cr_model *m, const struct cr_city *city, int32_t as_of,
                       const char *const *attrs, int threads, struct cr_scores *out,
                       cr_diag *diag) CR_MUST_USE;

/* Scores every enterprise of city with m as `crisk classify --model` does: the engine for an
 * expert or scorecard model, the booster for a tree model, its attribute features read from s
 * (cr_store_enterprise_attrs; s may be NULL only when m is not a tree model or names no
 * attribute). One path for classify and for learn's champion (docs/learn.md "Promotion"). */
cr_err cr_learn_classify(cr_store *s, const cr_model *m, const struct cr_city *city, int32_t as_of,
                         int threads, struct cr_scores *out, cr_diag *diag) CR_MUST_USE;

/* The registry attributes (JSON text per enterprise, NULL = none) of the enterprises of city,
 * when tree model m names an attribute feature; *out NULL otherwise. Freed with
 * cr_learn_attrs_free(*out, city->n). */
cr_err cr_learn_tree_attrs(cr_store *s, const cr_model *m, const struct cr_city *city, char ***out,
                           cr_diag *diag) CR_MUST_USE;
void cr_learn_attrs_free(char **attrs, size_t n);

#endif
