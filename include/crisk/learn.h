/* Learn (issue 12, docs/learn.md): labels from outcomes, the feature matrix challengers are
 * trained on, the metrics that compare them with the champion, and the scorecard challenger.
 * The library never prints: every function returns a cr_err and fills a cr_diag. */
#ifndef CRISK_LEARN_H
#define CRISK_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"
#include "crisk/model.h"
#include "crisk/store.h"

/* ---- the feature matrix (the contract with the booster, include/crisk/booster.h) ---- */

struct cr_learn_data {
    size_t n, p;      /* rows (firms), features */
    float *x;         /* n*p row-major; NAN = missing */
    int8_t *y;        /* label 0/1 */
    int32_t *fold;    /* k-fold: 0..k-1; out of time: 0 = train (before T), 1 = test (after) */
    int k;            /* folds (2 for out of time) */
    int out_of_time;  /* 1 when fold is train/test by time */
    int64_t *subject; /* store subject per row */
    char **name;      /* p feature ids: indicator ids, or "attr:<column>" for registry attributes */
    int8_t *
        direction; /* p: +1 risk rises with the value, -1 falls, 0 unknown (monotone constraints) */
    double *expert_score; /* the champion's score per row (for comparison), NAN if none */
    char *expert_level;   /* 'A'..'D' per row, 0 if none */
    int16_t *district;    /* index into district_code, -1 none (fairness by district) */
    char (*district_code)[7];
    size_t n_districts;
};
void cr_learn_data_free(struct cr_learn_data *d);

/* ---- label definitions (a YAML file, docs/learn.md "Label files") ---- */

struct cr_learn_label {
    char *path;
    char *id; /* label: */
    /* events: {kinds: [...], within_days: N, flag: F} — positive when an event of the kinds
     * (carrying the model's flag F when given) falls in (as_of, as_of + within_days] */
    char **kinds;
    size_t n_kinds;
    int within_days;
    char *flag;
    /* column: ATTR, positive: [values] — a registry attribute's value (rows without it are left
     * out); negative: [values] optionally restricts the negatives (else every other value) */
    char *column;
    char **positive, **negative;
    size_t n_positive, n_negative;
    char **exclude; /* registry attributes never used as features */
    size_t n_exclude;
    int min_class; /* least positives and negatives (min_class:, default CR_LEARN_MIN_CLASS) */
};
#define CR_LEARN_MIN_CLASS 30

cr_err cr_learn_label_load(const char *path, struct cr_learn_label **out, cr_diag *d) CR_MUST_USE;
void cr_learn_label_free(struct cr_learn_label *l);

/* How the matrix is built. cr_learn_opts_default gives the documented defaults. */
struct cr_learn_opts {
    int32_t as_of;    /* the date scored for the test rows; INT32_MIN = default (docs/learn.md) */
    int k;            /* folds of k-fold validation (5) */
    uint64_t seed;    /* fold assignment (20240612) */
    int validation;   /* 0 = out of time when possible, else k-fold; 1 = k-fold always */
    int max_levels;   /* categorical attributes: one-hot of at most this many values (10) */
    double min_share; /* ... each held by at least this share of the rows (0.01) */
    int min_class;    /* > 0 overrides the label's min_class */
    int min_history_days; /* out of time only when the train as-of date has this much event
                           * history before it (180) */
};
void cr_learn_opts_default(struct cr_learn_opts *o);

/* What a build found, for the report. */
struct cr_learn_info {
    int32_t as_of, train_as_of; /* train_as_of = as_of - within_days when out of time */
    int32_t last_event_day, first_event_day;
    size_t positives, negatives;           /* over all rows */
    size_t test_positives, test_negatives; /* fold 1 when out of time, else = the above */
    size_t n_indicator_features, n_attr_features;
    size_t left_out; /* firms without the label (column labels) or not yet established */
};

/* Builds the matrix of model m's indicators (values as cr_classify_explain_each computes them;
 * the points for a categorical indicator read through a map) and the registry attributes from
 * store s, with the label l and its folds. Too few positives or negatives: CR_EINVAL with the
 * counts in the message. */
cr_err cr_learn_data_build(cr_store *s, const cr_model *m, const struct cr_learn_label *l,
                           const struct cr_learn_opts *o, struct cr_learn_data *out,
                           struct cr_learn_info *info, cr_diag *d) CR_MUST_USE;

/* Assigns stratified folds 0..k-1 to the rows with y (shuffled per class by seed). */
void cr_learn_folds_kfold(const int8_t *y, size_t n, int k, uint64_t seed, int32_t *fold);

/* ---- metrics (docs/learn.md "Metrics"); rows with a NAN score are left out ---- */

/* AUC as the Mann–Whitney statistic: the chance a positive outscores a negative, ties counting
 * one half. NAN when either class is empty. */
double cr_learn_auc(const double *score, const int8_t *y, size_t n);
/* KS = max over thresholds of TPR - FPR (rows at or above the threshold flagged; equal scores
 * cross the threshold together). NAN when either class is empty. */
double cr_learn_ks(const double *score, const int8_t *y, size_t n);

/* Hit rate and lift per level A..D: hit = positives / rows of the level, lift = hit / overall. */
struct cr_learn_level_stat {
    size_t n, pos;
    double hit, lift;
};
void cr_learn_level_stats(const char *level, const int8_t *y, size_t n,
                          struct cr_learn_level_stat out[4]);
/* Levels by target shares A..D of the rows, by score (riskiest share[3] get D, ...), equal
 * scores on the less risky side of a cut, as the engine does. level[i] = 0 for NAN scores. */
cr_err cr_learn_levels_by_share(const double *score, size_t n, const double share[4],
                                char *level) CR_MUST_USE;

/* Calibration: rows in score deciles (lowest first); mean score and observed hit rate each. */
struct cr_learn_calib {
    size_t n, pos;
    double mean_score, hit;
};
cr_err cr_learn_calibration(const double *score, const int8_t *y, size_t n, int bins,
                            struct cr_learn_calib *out) CR_MUST_USE;

/* Lift at the top share q of rows by score (hit rate there / overall hit rate). */
double cr_learn_lift_at(const double *score, const int8_t *y, size_t n, double q);

/* PSI = sum (A - E) ln(A / E) over bins: of scores, with bins cut at the deciles of the expected
 * scores (bins 10); of levels, the four levels. An empty bin counts as CR_PSI_FLOOR of its side. */
#define CR_PSI_FLOOR 1e-4
double cr_learn_psi_scores(const double *expected, size_t ne, const double *actual, size_t na,
                           int bins);
double cr_learn_psi_levels(const char *expected, size_t ne, const char *actual, size_t na);

/* Per district: rows, positives, flagged (level in flag_levels, e.g. "CD"), hit rate among the
 * flagged and false-positive rate (flagged negatives / negatives). */
struct cr_learn_district {
    size_t n, pos, flagged, flagged_pos;
    double hit, fpr;
};
/* out has d->n_districts entries; rows with mask[i] == 0 (mask NULL: all) are left out. The
 * worst-to-best ratios over districts with at least min_rows rows and one flagged row: best hit
 * / worst hit, worst fpr / best fpr (NAN when undefined). */
void cr_learn_district_stats(const struct cr_learn_data *d, const char *level, const uint8_t *mask,
                             const char *flag_levels, size_t min_rows,
                             struct cr_learn_district *out, double *hit_ratio, double *fpr_ratio);

/* The ROC curve at most max_points points (fpr, tpr), from (0,0) to (1,1); returns the count. */
size_t cr_learn_roc(const double *score, const int8_t *y, size_t n, double *fpr, double *tpr,
                    size_t max_points);

#endif
