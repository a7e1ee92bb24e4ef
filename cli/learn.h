/* crisk learn's pieces (cli/cmd_learn.c, learn_report.c, learn_psi.c): the verb, its report and
 * its PSI between two runs. Internal to the command line. */
#ifndef CRISK_CLI_LEARN_H
#define CRISK_CLI_LEARN_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "crisk/learn.h"

/* One model's scores over the matrix rows. */
struct cli_learn_entry {
    const char *name, *method;
    double *score;       /* per row, NAN when not scored */
    char *level;         /* per row, 0 none */
    double *final_score; /* per row, the final model's (stability over time), or NULL */
    char file[1024];
    json_t *extra;
};

/* A finite number, else JSON null. */
json_t *cli_learn_num(double v);

/* The metrics of model e on the rows with test[i] (and a score), against the label ylab (NULL:
 * d->y). brief: only the ranking, level and calibration metrics (the random arm's). roc_out and
 * lift_out (may be NULL) receive the curves. NULL when out of memory. */
json_t *cli_learn_evaluate(const struct cr_learn_data *d, const uint8_t *test, const int8_t *ylab,
                           int brief, const struct cli_learn_entry *e, const char *champion_level,
                           json_t **roc_out, json_t **lift_out);

/* The self-contained HTML page of report rep; nonzero when a write failed. */
int cli_learn_write_html(FILE *fp, json_t *rep, json_t *rocs, json_t *lifts, json_t *binning);

/* The scorecard's bins, WOE, IV and points per feature, by IV (report.json's scorecard_binning). */
json_t *cli_learn_binning_json(const struct cr_scorecard *sc);

/* --export-matrix: subject,y,fold,<features>, the directions, then a row per firm. */
int cli_learn_write_matrix(FILE *fp, const struct cr_learn_data *d);

/* Closes an output file; prints why and returns CLI_FAIL when the write failed. */
int cli_learn_close(FILE *fp, const char *path);

/* crisk learn --psi A B [--bins N] [--json]. Returns the exit code. */
int cli_learn_psi(const char *db, const char *a_s, const char *b_s, const char *bins_s, int json);

#endif
