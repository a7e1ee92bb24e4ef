/* Shared by the verbs of the crisk command. */
#ifndef CRISK_CLI_H
#define CRISK_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2, CLI_BADINPUT = 3 };

int cmd_gen(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_scores(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_tag(int argc, char **argv);

/* The model used when --model is not given: $CRISK_MODEL, else the shipped gz-2021. */
const char *cli_default_model(void);

/* The model run used: its text recorded with the run, or for a run recorded before stores kept
 * them, file (or the default model) when its hash is the run's (CR_ENOTFOUND otherwise, with
 * the reason in d). A file given for a run whose model is recorded must be that model. */
struct cr_store;
struct cr_model;
cr_err cli_run_model(struct cr_store *s, int64_t run, const char *file, struct cr_model **out,
                     cr_diag *d);

/* Returns the store path: the --db value when given, else $CRISK_DB, else "crisk.db". */
const char *cli_db_path(const char *flag);

/* Prints "crisk VERB: file:line:col: message" to stderr and returns the exit code for rc
 * (3 for bad input, 1 otherwise). */
int cli_report_diag(const char *verb, cr_err rc, const cr_diag *d);

/* Prints obj as one line of JSON on stdout and releases it. */
int cli_json_print(json_t *obj);

/* Formats v with thousands separators ("1,234,567"). */
void cli_group(char *out, size_t cap, long long v);

/* A command-line option: "--name VALUE", "--name=VALUE", or a flag without value. */
struct cli_opt {
    const char *name; /* without the dashes */
    int takes_value;
    const char **value; /* set to the value, or to "" for a flag that is present */
};

/* Parses argv[1..] against opts; positional arguments go to pos (up to max_pos). Prints the
 * problem and returns CLI_USAGE on an unknown option or a missing value, CLI_OK otherwise.
 * "--help" prints help (when not NULL) and returns -1. */
int cli_parse(const char *verb, int argc, char **argv, const struct cli_opt *opts, size_t n_opts,
              const char **pos, size_t max_pos, size_t *n_pos, const char *help);

/* Parses a non-negative integer option value; returns -1 when it is not one. */
long long cli_count(const char *s);

#endif
