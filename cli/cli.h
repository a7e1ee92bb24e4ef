/* Shared by the verbs of the crisk command. */
#ifndef CRISK_CLI_H
#define CRISK_CLI_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crisk/err.h"
#include "crisk/city.h"
#include "crisk/store.h"

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
int cmd_roster(int argc, char **argv);
int cmd_dispatch(int argc, char **argv);
int cmd_tasks(int argc, char **argv);
int cmd_task(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_warnings(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);

/* crisk warnings --xlsx FILE / --geojson FILE (cmd_push.c): the warnings that pass f written
 * to the files given (NULL: not that one); district limits the map's polygons; today (days
 * since 1970-01-01) says which tasks on the map are overdue. Returns the exit code, after
 * printing why on failure. */
struct cr_warning_filter;
int cli_push_files(const char *verb, const char *db, const struct cr_warning_filter *f,
                   const char *xlsx, const char *geojson, int32_t today);
/* The respond stage's policy (cmd_respond.c): flag (--config), else $CRISK_RESPOND, else the
 * shipped models/respond.yaml, its city_code checked against the division table. */
struct cr_respond_config;
cr_err cli_respond_policy(const char *flag, struct cr_respond_config *out, cr_diag *d) CR_MUST_USE;
/* CLI_USAGE (with a message) when flag (--config) is NULL and $CRISK_RESPOND is set but empty. */
int cli_respond_env_check(const char *verb, const char *flag);
/* After a verb's work is done and its report printed: CLI_OK when the standard output took the
 * report (flushed), else (or when failed) CLI_FAIL with a message saying what WAS done (fmt)
 * and that only the report was lost; the unwritten rest is dropped so main does not report it
 * twice. */
int cli_done_report_checked(const char *verb, int failed, const char *fmt, ...) CR_FORMAT(3, 4);
int cmd_plan(int argc, char **argv);
int cmd_plans(int argc, char **argv);
int cmd_draw(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_inspections(int argc, char **argv);
int cmd_learn(int argc, char **argv);
int cmd_model_promote(int argc, char **argv);
int cmd_model_promotions(int argc, char **argv);

/* The model used when --model is not given: $CRISK_MODEL, else the shipped gz-2021. */
const char *cli_default_model(void);

/* The model run used: its text recorded with the run, or for a run recorded before stores kept
 * them, file (or the default model) when its hash is the run's (CR_ENOTFOUND otherwise, with
 * the reason in d). A file given for a run whose model is recorded must be that model. */
struct cr_store;
struct cr_model;
cr_err cli_run_model(struct cr_store *s, int64_t run, const char *file, struct cr_model **out,
                     cr_diag *d) CR_MUST_USE;

/* The champion model: file when given, else $CRISK_MODEL when set, else the store's latest
 * promotion (crisk model promote), else the shipped default (docs/learn.md "Promotion"). */
cr_err cli_champion_model(struct cr_store *s, const char *file, struct cr_model **out,
                          cr_diag *d) CR_MUST_USE;
/* The store's latest promoted model; CR_ENOTFOUND when none was promoted. (With s NULL,
 * cli_champion_model skips the promotions.) */
cr_err cli_promoted_model(struct cr_store *s, struct cr_model **out, cr_diag *d) CR_MUST_USE;
/* Classifies with m: the engine, or for a tree model (method: xgboost) its booster over its
 * features, attributes read from the store (cli/trees.c). */
struct cr_scores;
struct cr_city;
cr_err cli_classify_any(struct cr_store *s, const struct cr_model *m, const struct cr_city *city,
                        int32_t as_of, int threads, struct cr_scores *out, cr_diag *d) CR_MUST_USE;
/* The registry attributes of city's enterprises when m has attribute features (*out NULL when
 * it has none); freed with cli_tree_attrs_free. */
cr_err cli_tree_attrs(struct cr_store *s, const struct cr_model *m, const struct cr_city *city,
                      char ***out, cr_diag *d) CR_MUST_USE;
void cli_tree_attrs_free(char **attrs, size_t n);

/* Returns the store path: the --db value when given, else $CRISK_DB, else "crisk.db". */
const char *cli_db_path(const char *flag);

/* Prints "crisk VERB: file:line:col: message" to stderr and returns the exit code for rc
 * (3 for bad input, 1 otherwise). */
int cli_report_diag(const char *verb, cr_err rc, const cr_diag *d);

/* Fills d for a store function that failed with rc and has no cr_diag of its own: with
 * "what: SQLite's message" (cr_store_errmsg) for CR_ESTORE, so that the user reads "database is
 * locked" and never a bare "store error"; with what alone for other codes. Returns rc. */
cr_err cli_store_fail(cr_diag *d, cr_err rc, const cr_store *s, const char *what);

/* Refuses an output file out (given to --option) that is the store db or one of the files kept
 * beside it (-wal, -shm, -journal, .lock, .cols), compared by device and inode when both exist
 * and by canonical name otherwise, so that an export can never replace the store. Prints why and
 * returns CLI_USAGE; CLI_OK otherwise. Called before the store is opened or out is created. */
int cli_check_output(const char *verb, const char *option, const char *out, const char *db);

/* Refuses two output options naming one file (by device and inode, canonical name or text):
 * one would overwrite the other. Either may be NULL (not given). Prints why and returns
 * CLI_USAGE; CLI_OK otherwise. */
int cli_outputs_distinct(const char *verb, const char *opt_a, const char *a, const char *opt_b,
                         const char *b);

/* Checks an option that takes a division code or a code prefix (--district): 1 to 12 digits,
 * NULL (not given) allowed. A mistyped code would match nothing and print an empty list as if
 * there were no warnings. Prints why and returns CLI_USAGE; CLI_OK otherwise. */
int cli_division_opt(const char *verb, const char *name, const char *s);

/* Opens the output file out (given to --option) for writing: created if need be, never through a
 * symbolic link, compared by device and inode with the store db's files once open (so a file
 * swapped in after cli_check_output is still caught), and only then emptied. The output is
 * streamed into what is there: an existing FIFO or character device (/dev/null) is written
 * into as a shell redirection would; a block device, a socket or a folder is refused (checked
 * before the open and again on the opened file). Returns the stream, or NULL after printing why
 * with *prc set to the exit code (CLI_USAGE: a store file, or not a regular file, FIFO or
 * character device). */
FILE *cli_open_output(const char *verb, const char *option, const char *out, const char *db,
                      int *prc);
/* An output file written whole or not at all: cli_out_begin checks out as cli_check_output
 * does, refuses a symbolic link or a folder, refuses anything else that is not a regular file
 * (a device or a FIFO: the rename would replace it; CLI_USAGE, "is not a regular file"), and
 * opens a temporary file beside it (o->tmp, o->fp: write there, or have a library write to
 * o->tmp by name); cli_out_commit flushes, syncs and closes it, checks out against the store
 * and its kind again and renames the temporary file to out;
 * cli_out_abort removes it. A folder that does not exist, a failed write or a refused name
 * leave no file behind. Both print why and return the exit code. */
struct cli_out {
    const char *path;
    char tmp[PATH_MAX];
    FILE *fp;
};
int cli_out_begin(const char *verb, const char *option, const char *out, const char *db,
                  struct cli_out *o);
int cli_out_commit(const char *verb, const char *option, struct cli_out *o, const char *db);
void cli_out_abort(struct cli_out *o);

/* Writes s[0..len) to fp as one CSV field (RFC 4180): quoted, with quotes doubled, when it
 * holds a comma, a quote, CR or LF (or always, when always is set); as is otherwise. Every CSV
 * writer of the command goes through it. Returns nonzero when the write failed. */
int cli_csv_field(FILE *fp, const char *s, size_t len, int always);
/* Writes a text cell someone typed (a user name, an id, a code) as cli_csv_field does, except
 * that one beginning with = + - @ (or a tab or CR), which a spreadsheet would take for a formula
 * (--by '=HYPERLINK(…)', OWASP "CSV injection"), is written quoted with a leading apostrophe,
 * shown as text. Returns nonzero when the write failed. */
int cli_csv_text(FILE *fp, const char *s, size_t len);

/* Prints obj as one line of JSON on stdout and releases it. */
int cli_json_print(json_t *obj);

/* Shows the library's progress (crisk/progress.h) as a line on stderr, rewritten in place,
 * when stderr is a terminal (nothing otherwise); cli_progress_end clears it and stops. */
void cli_progress_start(const char *verb);
void cli_progress_end(void);

/* Formats v with thousands separators ("1,234,567"). */
void cli_group(char *out, size_t cap, long long v);

/* A command-line option: "--name VALUE", "--name=VALUE", or a flag without value. */
struct cli_opt {
    const char *name; /* without the dashes */
    int takes_value;
    const char **value; /* set to the value, or to "" for a flag that is present */
};

/* Parses argv[1..] against opts; positional arguments go to pos (up to max_pos). Prints the
 * problem and returns CLI_USAGE on an unknown option, a missing or empty value (no option
 * means anything by "") or an option with a value given twice (the last one silently won: at
 * most 64 options), CLI_OK otherwise.
 * "--help" prints help (when not NULL) and returns -1. */
int cli_parse(const char *verb, int argc, char **argv, const struct cli_opt *opts, size_t n_opts,
              const char **pos, size_t max_pos, size_t *n_pos, const char *help);

/* Parses a non-negative integer (an id read from a file); returns -1 when it is not one. */
long long cli_count(const char *s);
/* --today YYYY-MM-DD into *out (days since 1970-01-01); s NULL: today in Asia/Shanghai (UTC+8,
 * no daylight saving). CLI_USAGE after saying why for a bad date. */
int cli_today_opt(const char *verb, const char *s, int32_t *out);

/* The value s of numeric option --name: a whole number in [min, max] written in plain decimal
 * digits (no spaces, no '+', a '-' only when min < 0), stored in *out. Anything else (zero
 * where min is 1, a fraction, text, a value past max or past long long) prints
 * "crisk VERB: --NAME needs a whole number from MIN to MAX, not 'S'" and returns CLI_USAGE.
 * s == NULL (the option was not given) returns CLI_OK and leaves the default in *out. Every
 * numeric option of every verb goes through it, so all reject bad values alike. */
/* Upper bounds of numeric options: the engines cap workers at 64 (classify, and ingest's
 * CR_INGEST_MAX_THREADS; ingest's default is at most CR_INGEST_DEFAULT_THREADS, 8); the rest
 * are far beyond any real use and keep values inside int. */
#define CLI_MAX_THREADS 64
#define CLI_MAX_ROWS 1000000000LL
#define CLI_MAX_LIST 1000000000LL
#define CLI_MAX_ENTERPRISES 1000000000LL

int cli_int_opt(const char *verb, const char *name, const char *s, long long min, long long max,
                long long *out);
/* The same for a decimal number (strtod syntax, finite) in [min, max]. */
int cli_real_opt(const char *verb, const char *name, const char *s, double min, double max,
                 double *out);

#endif
