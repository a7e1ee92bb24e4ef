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
    /* inspections labels: per row, whether its random-arm inspections in the window found a
     * problem (0/1), -1 when it had none; the unbiased sample (DOMAIN.md §12). NULL otherwise */
    int8_t *y_random;
};
void cr_learn_data_free(struct cr_learn_data *d);

/* ---- crisk learn's policy (models/learn.yaml, docs/learn.md "The policy file") ---- */

#define CR_LEARN_MAX_OUTCOMES 16
struct cr_learn_policy {
    int max_within_days; /* the longest label window a label file may give (36500) */
    /* the respond stage's task outcomes an outcomes label may name (confirmed, false_alarm,
     * case_filed, police, other_department, not_found), and the default positive and negative
     * ones as bit sets over them (confirmed, case_filed, police; false_alarm) */
    char task_outcomes[CR_LEARN_MAX_OUTCOMES][32];
    size_t n_task_outcomes;
    unsigned default_positive, default_negative;
    char outcome_attr[64]; /* the task_outcome event's attribute holding the name (结果) */
    double psi_watch, psi_rebuild; /* PSI reading: below watch stable, up to rebuild watch,
                                    * above rebuild rebuild (0.1, 0.25; DOMAIN.md §12) */
};
/* The documented defaults (the values models/learn.yaml ships). */
void cr_learn_policy_default(struct cr_learn_policy *p);
/* Reads a policy file: every key required (the shipped file is where the defaults are read
 * from), unknown keys refused; errors name the file, line and column. *out written on success. */
cr_err cr_learn_policy_load(const char *path, struct cr_learn_policy *out, cr_diag *d) CR_MUST_USE;

/* ---- label definitions (a YAML file, docs/learn.md "Label files") ---- */

/* The kind of a label: the one key of events:, column:, inspections: and outcomes: its file
 * has (in that order, the values of the enum). */
enum cr_label_kind {
    CR_LABEL_EVENTS = 0,
    CR_LABEL_COLUMN,
    CR_LABEL_INSPECTIONS,
    CR_LABEL_OUTCOMES
};

struct cr_learn_label {
    char *path;
    char *id; /* label: */
    enum cr_label_kind kind;
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
    /* inspections: {within_days: N} — the firms with an inspection result of the inspect stage
     * in (as_of, as_of + within_days]: positive when one found a problem, negative otherwise;
     * firms without one are left out. outcomes: {within_days: N, positive: [...], negative:
     * [...]} — the same over the task outcomes of the respond stage (topic crisk/task_outcome),
     * with positive/negative above holding the outcome names; a firm with both is positive. */
    char outcome_attr[64]; /* outcomes: the event attribute holding the name (the policy's) */
    char **exclude;        /* registry attributes never used as features */
    size_t n_exclude;
    int min_class; /* least positives and negatives (min_class:, default CR_LEARN_MIN_CLASS) */
};
#define CR_LEARN_MIN_CLASS 30

/* Reads a label file under policy (NULL: cr_learn_policy_default): its window at most the
 * policy's max_within_days, an outcomes label's names among its task_outcomes. */
cr_err cr_learn_label_load_policy(const char *path, const struct cr_learn_policy *policy,
                                  struct cr_learn_label **out, cr_diag *d) CR_MUST_USE;
/* The same with the default policy. */
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
    size_t random_positives, random_negatives; /* the test rows' y_random (inspections) */
    size_t left_out; /* firms without the label (column labels; inspections and outcomes labels:
                      * without one in the window) or not yet established */
    double *naive;   /* per row: events of the label's kinds up to the row's as-of date (the
                      * naive baseline); NULL for a column label. Freed by cr_learn_info_free */
};
void cr_learn_info_free(struct cr_learn_info *info);

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
/* Both in one sort, CR_ENOMEM when out of memory (the report fails then: a metric left out
 * would read as "not defined"); cr_learn_auc and cr_learn_ks give NAN then, for callers that
 * show null. Either pointer may be NULL. */
cr_err cr_learn_auc_ks(const double *score, const int8_t *y, size_t n, double *auc,
                       double *ks) CR_MUST_USE;

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

/* Lift at the top shares q[k] of rows by score (hit rate there / overall hit rate) into out[k],
 * sorting the rows once; a lift without rows or positives is NAN. CR_ENOMEM (out untouched)
 * when the rows cannot be sorted: never a NAN that reads as "no lift". */
cr_err cr_learn_lifts(const double *score, const int8_t *y, size_t n, const double *q, size_t nq,
                      double *out) CR_MUST_USE;

/* PSI = sum (A - E) ln(A / E) over bins: of scores, with bins cut at the deciles of the expected
 * scores (bins 10); of levels, the four levels. An empty bin counts as CR_PSI_FLOOR of its side.
 * *psi is NAN when a side has no score; CR_ENOMEM, CR_EINVAL (bins < 1). */
#define CR_PSI_FLOOR 1e-4
cr_err cr_learn_psi_scores(const double *expected, size_t ne, const double *actual, size_t na,
                           int bins, double *psi) CR_MUST_USE;
/* The score PSI bin by bin: bin b holds [lo, hi) (the first from -inf, the last to +inf; the
 * cuts are the expected scores' quantiles b/bins, so equal scores share a bin and a tie-made
 * empty bin adds 0), with its counts, shares and term. out (bins entries) may be NULL. Errors
 * as cr_learn_psi_scores; *psi and out are written only on success. */
struct cr_learn_psi_bin {
    double lo, hi;
    size_t ne, na;
    double e, a, psi; /* shares of each side, (a - e) ln(a / e) with the floor */
};
cr_err cr_learn_psi_table(const double *expected, size_t ne, const double *actual, size_t na,
                          int bins, struct cr_learn_psi_bin *out, double *psi) CR_MUST_USE;
/* The level PSI over A..D (rows without a level left out; no allocation): the sum, NAN when a
 * side has no level; out (4 entries, may be NULL) level by level, lo/hi NAN. The one place the
 * level PSI is computed (the report's psi_levels_vs_champion and learn --psi). */
double cr_learn_psi_levels_table(const char *expected, size_t ne, const char *actual, size_t na,
                                 struct cr_learn_psi_bin *out);
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

/* ---- the scorecard challenger (docs/learn.md "The scorecard") ---- */

struct cr_scorecard_opts {
    int monotone;         /* 0: the model's bins; 1: monotone binning from quantile pre-bins (0) */
    int prebins;          /* quantile pre-bins of monotone binning (20) */
    double min_bin_share; /* monotone binning: least share of the training rows per bin (0.01) */
    int keep_cuts;        /* monotone binning: the model's cut points are candidates beside the
                           * quantiles (1) */
    int l1;               /* 1: L1-penalised (selects indicators), else L2 (0) */
    double c;             /* liblinear's C, the inverse penalty (1) */
    double eps;           /* liblinear's stopping tolerance (1e-3) */
    double pdo, points0, odds0; /* points scaling (50, 600, 1/19; DOMAIN.md §12) */
};
void cr_scorecard_opts_default(struct cr_scorecard_opts *o);

struct cr_sc_bin {
    double lo, hi;     /* lo <= value < hi (bins indicators) */
    double old_points; /* map indicators: the model's points this bin stands for */
    size_t n, bad;     /* training rows */
    double woe;        /* ln(%bad / %good), 0.5 added to each count; 0 for an empty bin */
    double points;     /* the model file's risk points 0..100 */
    double pdo_points; /* the bin's credit points on the PDO scale (higher = safer) */
};
struct cr_sc_feature {
    size_t j; /* feature index in the matrix (= indicator index in model order) */
    const struct cr_indicator *ind; /* NULL for a registry attribute */
    const char *id, *name;          /* the indicator's, or the attribute's */
    /* a registry attribute (`input: {attr: C}` in the model file): numeric (the matrix column
     * "attr:C" at j, binned) or categorical (the one-hot columns cols[k] = "attr:C=levels[k]";
     * bins: each level, then any other value, then missing) */
    char *attr; /* "attr:C" (id; name C), NULL for an indicator */
    size_t *cols;
    char **levels;
    size_t n_levels;
    struct cr_sc_bin *bins; /* last bin: missing (bins indicators) */
    size_t n_bins;
    int has_missing_bin;
    double iv, coef, lo, range; /* contribution coef*woe spans [lo, lo + range] */
};
struct cr_scorecard {
    struct cr_sc_feature *f;
    size_t n_feat;
    double intercept;
    double c0, r; /* logit = c0 + r * score / 100 (score: the model file's 0..100) */
    double a, b;  /* PDO: credit points = a - b * logit */
    size_t n_train, n_bad;
};
void cr_scorecard_free(struct cr_scorecard *sc);

/* Fits a scorecard of model m's indicators (the first m->n_indicators features of d) and of
 * d's registry attributes (the features after them) on the rows with train[i] != 0. */
cr_err cr_scorecard_fit(const cr_model *m, const struct cr_learn_data *d, const uint8_t *train,
                        const struct cr_scorecard_opts *o, struct cr_scorecard *out,
                        cr_diag *diag) CR_MUST_USE;
/* The log-odds and the model file's score (0..100) of one row of features. */
double cr_scorecard_logit(const struct cr_scorecard *sc, const float *x);
double cr_scorecard_score(const struct cr_scorecard *sc, const float *x);
/* Out-of-fold predictions on d's folds (k-fold: each fold by the model of the others; out of
 * time: the test rows by the model of the train rows, NAN on train rows) as model-file scores,
 * and the final scorecard (on every row, k-fold; on the train rows, out of time). */
cr_err cr_scorecard_cv(const cr_model *m, const struct cr_learn_data *d,
                       const struct cr_scorecard_opts *o, double *pred, struct cr_scorecard *final,
                       cr_diag *diag) CR_MUST_USE;
/* The model file of a scorecard: base's aspects, categories, indicators, flags, vetoes and
 * levels, with re-fitted bins (or map points), missing points and weights. *out malloc'd. */
cr_err cr_scorecard_model_text(const cr_model *base, const struct cr_scorecard *sc, const char *id,
                               const char *name, const char *comment, char **out) CR_MUST_USE;

#endif
