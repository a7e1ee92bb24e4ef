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

#endif
