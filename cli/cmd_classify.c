/* crisk classify and crisk scores: run the model over the store; print a run's scores. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "crisk/classify.h"
#include "crisk/model.h"
#include "crisk/ref.h"
#include "crisk/store.h"
#include "crisk/text.h"

static const char help[] =
    "usage: crisk classify [--db FILE] [--model FILE] [--as-of YYYY-MM-DD] [--threads N] [--json]\n"
    "                      [--indicators FILE]\n"
    "\n"
    "Computes every indicator of the model for every enterprise in the store as of the date\n"
    "(events after it never count; default: the latest date of the collected events, the\n"
    "workflow's own crisk/* events left out), then category, aspect and total scores, vetoes and\n"
    "levels A 低 / B 中 / C 较高 / D 高, and records the run with each enterprise's score, level,\n"
    "aspect scores and top contributions.\n"
    "A tree model (method: xgboost, docs/learn-trees.md) scores with its booster instead: score =\n"
    "100 x its probability over the indicators and registry attributes it names.\n"
    "\n"
    "  --indicators FILE  also write every enterprise's indicators as CSV, for tuning the model:\n"
    "                     uscc,score,level (key,… when some keys are no USCCs), then ID.value\n"
    "                     (empty when missing) and ID.points for each indicator in model order\n"
    "\n"
    "Warns (text and --json \"warnings\") about each kind the model reads that no topic provides\n"
    "and each loaded kind the model reads nowhere.\n";

/* Every enterprise's indicator values and points (cr_classify_explain_each) as CSV. */
struct ind_out {
    FILE *fp;
    char **keys; /* by dense id: the run's keys, in subject order as the city */
    size_t n_keys;
    int oom;
    const struct cr_scores *sc;
    size_t n;
};

static void collect_key(void *ctx, const char *key, double score, char level)
{
    (void)score;
    (void)level;
    struct ind_out *o = ctx;
    char *k = strdup(key);
    if (!k)
        o->oom = 1;
    else
        o->keys[o->n_keys++] = k;
}

static int indicator_row(void *ctx, size_t e, const double *v, const double *pts,
                         const double *shares)
{
    (void)shares;
    const struct ind_out *o = ctx;
    const char *key = e < o->n_keys ? o->keys[e] : "";
    cli_csv_field(o->fp, key, strlen(key), 0);
    fprintf(o->fp, ",%.4f,%c", o->sc->score[e], o->sc->level[e]);
    for (size_t i = 0; i < o->n; i++) {
        if (v[i] == v[i])
            fprintf(o->fp, ",%.6g,%.4g", v[i], pts[i]);
        else
            fprintf(o->fp, ",,%.4g", pts[i]);
    }
    return fputc('\n', o->fp) == EOF;
}

static cr_err write_indicators(FILE *fp, const char *path, cr_store *s, int64_t run,
                               const cr_model *m, const struct cr_city *city, int32_t as_of,
                               const struct cr_scores *sc, cr_diag *d)
{
    struct ind_out o = {fp, calloc(city->n + 1, sizeof(char *)), 0, 0, sc, m->n_indicators};
    int all_uscc = 1;
    cr_err rc = o.keys ? cr_store_scores_each(s, run, collect_key, &o) : CR_ENOMEM;
    if (!rc && (o.oom || o.n_keys != city->n))
        rc = o.oom ? CR_ENOMEM : CR_ESTORE;
    if (!rc)
        rc = cr_store_run_all_uscc(s, run, &all_uscc);
    if (!rc) {
        fputs(all_uscc ? "uscc,score,level" : "key,score,level", o.fp);
        for (size_t a = 0; a < m->n_aspects; a++)
            for (size_t c = 0; c < m->aspects[a].n_categories; c++)
                for (size_t i = 0; i < m->aspects[a].categories[c].n_indicators; i++) {
                    const char *id = m->aspects[a].categories[c].indicators[i].id;
                    fprintf(o.fp, ",%s.value,%s.points", id, id);
                }
        fputc('\n', o.fp);
        rc = cr_classify_explain_each(m, city, as_of, indicator_row, &o);
    }
    if (o.fp && fclose(o.fp) && !rc)
        rc = CR_EIO;
    for (size_t i = 0; i < o.n_keys; i++)
        free(o.keys[i]);
    free(o.keys);
    return rc ? cr_diag_set(d, rc, path, 0, 0, "cannot write the indicators file: %s",
                            cr_strerror(rc))
              : CR_OK;
}

/* Kinds the model reads that no topic provides, and loaded kinds the model ignores. */
struct kind_gaps {
    json_t *unprovided, *ignored, *warnings;
};

static void kind_gap(void *ctx, const char *kind, int unprovided)
{
    struct kind_gaps *g = ctx;
    char msg[512];
    if (unprovided)
        snprintf(msg, sizeof msg,
                 "the model reads kind '%s', which no topic of the store provides: its "
                 "indicators and vetoes count nothing",
                 kind);
    else
        snprintf(msg, sizeof msg,
                 "topics of kind '%s' are loaded, but the model reads no events of that kind",
                 kind);
    json_array_append_new(unprovided ? g->unprovided : g->ignored, json_string(kind));
    json_array_append_new(g->warnings, json_string(msg));
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void district_row(void *ctx, const char *district, const int64_t n[4])
{
    const struct cr_division *dv = ctx && *district ? cr_ref_division_find(ctx, district) : NULL;
    int64_t total = n[0] + n[1] + n[2] + n[3];
    printf("  %-8s %-6s %8lld %8lld %8lld %8lld   %5.1f%%\n", district, dv ? dv->name : "—",
           (long long)n[0], (long long)n[1], (long long)n[2], (long long)n[3],
           total ? 100.0 * (double)n[3] / (double)total : 0.0);
}

int cmd_classify(int argc, char **argv)
{
    const char *db = NULL, *model = NULL, *as_of_s = NULL, *threads_s = NULL, *json = NULL,
               *indicators = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db},         {"model", 1, &model},
                                   {"as-of", 1, &as_of_s}, {"threads", 1, &threads_s},
                                   {"json", 0, &json},     {"indicators", 1, &indicators}};
    size_t n_pos;
    int prc = cli_parse("classify", argc, argv, opts, 6, NULL, 0, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    long long threads = 0; /* 0: one per processor */
    if ((prc = cli_int_opt("classify", "threads", threads_s, 1, CLI_MAX_THREADS, &threads)))
        return prc;
    int32_t as_of = 0;
    cr_err drc = as_of_s ? cr_date_parse(as_of_s, strlen(as_of_s), &as_of) : CR_OK;
    if (drc == CR_ERANGE) { /* the form of a date, but no day of the calendar (2025-02-30) */
        fprintf(stderr, "crisk classify: --as-of %s: no such date (or a year outside 1900-2100)\n",
                as_of_s);
        return CLI_USAGE;
    } else if (drc) {
        fprintf(stderr, "crisk classify: --as-of needs a date (YYYY-MM-DD)\n");
        return CLI_USAGE;
    }
    if (indicators &&
        (prc = cli_check_output("classify", "indicators", indicators, cli_db_path(db))))
        return prc;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_model *m = NULL;
    cr_store *s = NULL;
    struct cr_city city = {0};
    struct cr_scores sc = {0};
    int exit_code = CLI_OK;
    double t0 = now_s();
    /* --model, else $CRISK_MODEL, else the promoted champion, else the shipped one. The file
     * (or the shipped default) is read before the store is opened, as its errors come first. */
    const char *env = getenv("CRISK_MODEL");
    cr_err rc = cli_champion_model(NULL, model, &m, &d);
    if (!rc)
        rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "classify", &d);
    if (!rc && !model && !(env && *env)) {
        cr_model *promoted = NULL;
        cr_err prc2 = cli_promoted_model(s, &promoted, &d);
        if (!prc2) {
            cr_model_free(m);
            m = promoted;
        } else if (prc2 != CR_ENOTFOUND)
            rc = prc2;
    }
    if (!rc && !as_of_s) {
        int64_t last = 0;
        if (cr_store_events_last_day(s, &last))
            rc = cli_store_fail(&d, CR_ESTORE, s, "cannot read the latest event date");
        else if (!last)
            rc = cr_diag_set(&d, CR_ENOTFOUND, NULL, 0, 0,
                             "the store has no events: ingest first, or give --as-of");
        as_of = (int32_t)last;
    }
    if (!rc) /* before the load: cr_classify checks it again (the API's job calls it) */
        rc = cr_classify_as_of_check(m, as_of, &d);
    cli_progress_start("classify");
    if (!rc)
        rc = cr_city_load(s, m, &city, &d);
    double t_load = now_s();
    if (!rc && city.n == 0)
        rc = cr_diag_set(&d, CR_ENOTFOUND, NULL, 0, 0, "the store has no enterprises");
    if (!rc)
        rc = cr_classify_as_of_city_check(&city, as_of, &d);
    struct kind_gaps gaps = {json_array(), json_array(), json_array()};
    if (!rc && cr_classify_kind_gaps(m, &city, kind_gap, &gaps))
        rc = cr_diag_set(&d, CR_ENOMEM, NULL, 0, 0, "out of memory");
    if (!rc)
        rc = cli_classify_any(s, m, &city, as_of, (int)threads, &sc, &d);
    double t_run = now_s();
    int64_t run = 0, changes = 0;
    if (!rc && cr_city_run_save(s, m, as_of, &city, &sc, &run, &changes))
        rc = cli_store_fail(&d, CR_ESTORE, s, "cannot record the run");
    double t_save = now_s();
    cli_progress_end();
    if (!rc && indicators) {
        FILE *fp = cli_open_output("classify", "indicators", indicators, cli_db_path(db), &prc);
        if (!fp) {
            exit_code = prc;
            goto out;
        }
        rc = write_indicators(fp, indicators, s, run, m, &city, as_of, &sc, &d);
    }
    if (rc) {
        exit_code = cli_report_diag("classify", rc, &d);
        goto out;
    }
    char day[11];
    cr_day_format(as_of, day);
    if (json) {
        json_t *o = json_pack(
            "{s:I,s:s,s:{s:s,s:i,s:s},s:{s:I,s:I,s:I,s:I},s:I,s:I,s:I,s:f,s:{s:f,s:f,s:f}}", "run",
            (json_int_t)run, "as_of", day, "model", "id", m->id, "version", m->version, "hash",
            m->hash, "levels", "A", (json_int_t)sc.levels[0], "B", (json_int_t)sc.levels[1], "C",
            (json_int_t)sc.levels[2], "D", (json_int_t)sc.levels[3], "enterprises",
            (json_int_t)city.n, "events", (json_int_t)city.n_events, "level_changes",
            (json_int_t)changes, "seconds", t_save - t0, "timings", "load", t_load - t0, "classify",
            t_run - t_load, "save", t_save - t_run);
        json_object_set(o, "warnings", gaps.warnings);
        json_object_set_new(
            o, "kinds",
            json_pack("{s:O,s:O}", "unprovided", gaps.unprovided, "ignored", gaps.ignored));
        exit_code = cli_json_print(o);
    } else {
        printf("run %lld: model %s v%d (%s) as of %s; %zu enterprises, %zu events\n",
               (long long)run, m->id, m->version, m->hash, day, city.n, city.n_events);
        printf("levels: A 低 %zu, B 中 %zu, C 较高 %zu, D 高 %zu; %lld level changes\n",
               sc.levels[0], sc.levels[1], sc.levels[2], sc.levels[3], (long long)changes);
        printf("time: load %.2f s, classify %.2f s, save %.2f s\n", t_load - t0, t_run - t_load,
               t_save - t_run);
        cr_ref *ref = NULL;
        if (cr_ref_load(cr_ref_default_dir(), &ref, NULL))
            ref = NULL; /* district names are then shown as "—" */
        printf("by district:         A 低     B 中   C 较高     D 高   D share\n");
        if (cr_store_run_by_district(s, run, district_row, ref)) {
            fprintf(stderr, "crisk classify: cannot count levels by district: %s\n",
                    cr_store_errmsg(s));
            exit_code = CLI_FAIL;
        }
        cr_ref_free(ref);
        size_t i;
        json_t *w;
        json_array_foreach(gaps.warnings, i, w) printf("warning: %s\n", json_string_value(w));
    }
out:
    json_decref(gaps.unprovided);
    json_decref(gaps.ignored);
    json_decref(gaps.warnings);
    cr_scores_free(&sc);
    cr_city_free(&city);
    cr_store_close(s);
    cr_model_free(m);
    return exit_code;
}

static const char scores_help[] = "usage: crisk scores [--db FILE] [--run N] --csv\n"
                                  "\n"
                                  "Prints uscc,score,level for every enterprise of a run "
                                  "(default: the latest);\n"
                                  "the first column is named key when some enterprises are "
                                  "keyed by a department's own key.\n";

static void print_score(void *ctx, const char *key, double score, char level)
{
    (void)ctx;
    cli_csv_field(stdout, key, strlen(key), 0);
    printf(",%.4f,%c\n", score, level);
}

int cmd_scores(int argc, char **argv)
{
    const char *db = NULL, *run_s = NULL, *csv = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db}, {"run", 1, &run_s}, {"csv", 0, &csv}};
    size_t n_pos;
    int prc = cli_parse("scores", argc, argv, opts, 3, NULL, 0, &n_pos, scores_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    long long run = 0; /* 0: the latest */
    if ((prc = cli_int_opt("scores", "run", run_s, 1, LLONG_MAX, &run)))
        return prc;
    if (!csv) {
        fprintf(stderr, "crisk scores: --csv is required (the only format)\n");
        return CLI_USAGE;
    }
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    cr_err rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
    int64_t r = run;
    if (!rc && !run && (rc = cr_store_run_latest(s, &r)))
        cli_store_fail(&d, rc, s,
                       rc == CR_ENOTFOUND ? "the store has no runs: classify first"
                                          : "cannot find the latest run");
    int all_uscc = 1;
    if (!rc && (rc = cr_store_run_all_uscc(s, r, &all_uscc)) == CR_ESTORE)
        cli_store_fail(&d, rc, s, "cannot read the run");
    else if (rc == CR_ENOTFOUND && run) /* before the header: no CSV of a run that is not */
        cr_diag_set(&d, rc, NULL, 0, 0, "run %lld does not exist", (long long)r);
    if (!rc) {
        /* Keys of a department's own (type: local) are no USCCs: the column says key then. */
        printf("%s,score,level\n", all_uscc ? "uscc" : "key");
        rc = cr_store_scores_each(s, r, print_score, NULL);
        if (rc == CR_ENOTFOUND)
            cr_diag_set(&d, rc, NULL, 0, 0, "run %lld does not exist", (long long)r);
        else if (rc)
            cli_store_fail(&d, rc, s, "cannot read the scores");
    }
    cr_store_close(s);
    return rc ? cli_report_diag("scores", rc, &d) : CLI_OK;
}
