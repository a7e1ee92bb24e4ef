/* crisk learn's pieces (cli/cmd_learn.c, learn_report.c, learn_psi.c): the verb, its report and
 * its PSI between two runs. Internal to the command line. */
#ifndef CRISK_CLI_LEARN_H
#define CRISK_CLI_LEARN_H

#include <jansson.h>
#include <limits.h>
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

/* The report folder --out DIR, written whole or not at all (docs/learn.md): the run's files go
 * into a temporary folder beside DIR — beside its target when DIR is a symbolic link, so the
 * renames stay on one file system — (cli_learn_out_begin; cli_learn_out_path names a file
 * there) and replace DIR by rename only when the run succeeded (cli_learn_out_commit: DIR's
 * other files hard-linked into the new folder, the old folder moved aside, the new one renamed
 * in, the old removed; file by file when DIR holds other than regular files);
 * cli_learn_out_abort removes them. cli_learn_out_check refuses, before any work, a DIR that
 * is not a folder and a name in it that is a symbolic link, the store (or a file SQLite keeps
 * beside it) or not a regular file. Each prints why and returns the exit code. */
struct cli_learn_out {
    const char *dir;
    char tmp[PATH_MAX]; /* "" when none */
    char names[5][320]; /* the files of the run (model ids: 300 bytes, as cmd_learn.c) */
    size_t n;
    char real[PATH_MAX]; /* where DIR is: its target when DIR is a symbolic link (begin) */
};
int cli_learn_out_check(const struct cli_learn_out *o, const char *db);
int cli_learn_out_begin(struct cli_learn_out *o);
void cli_learn_out_path(const struct cli_learn_out *o, const char *name, char *buf, size_t cap);
int cli_learn_out_commit(struct cli_learn_out *o, const char *db);
void cli_learn_out_abort(struct cli_learn_out *o);

/* crisk learn --psi A B [--bins N] [--json], read by policy's PSI cut-offs. Returns the exit
 * code. */
int cli_learn_psi(const char *db, const char *a_s, const char *b_s, const char *bins_s, int json,
                  const struct cr_learn_policy *policy);

#endif
