/* Learn: the feature matrix challengers are trained on (issue 12; owner L1). PROVISIONAL copy of
 * the brief's contract so the booster builds before L1's branch is merged: on merge, L1's file
 * wins. */
#ifndef CRISK_LEARN_H
#define CRISK_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"

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

#endif
