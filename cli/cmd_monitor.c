/* crisk monitor and crisk warnings: run the detectors; list the warnings (docs/monitor.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crisk/model.h"
#include "crisk/monitor.h"
#include "crisk/store.h"
#include "crisk/text.h"

static const char monitor_help[] =
    "usage: crisk monitor [--db FILE] [--rules FILE] [--as-of YYYY-MM-DD] [--json]\n"
    "\n"
    "Runs the detectors of the rules file (default models/monitor.yaml, or $CRISK_MONITOR_RULES)\n"
    "over the store as of the date (default: the latest event date): address_cluster (一址多照),\n"
    "person_cluster (一人多企, shell rings), level_jump, zombie, unreachable, legal_rep_churn,\n"
    "capital_mismatch. Each finding is a warning with evidence; a warning found again keeps its\n"
    "id (updated when its evidence changed), one no longer found is closed. Prints the run's\n"
    "counts; --json: {\"run\":N,\"warnings\":{\"total\":…,\"by_detector\":{…}},\"new\":…,\n"
    "\"updated\":…,\"closed\":…,\"seconds\":…}.\n";

static const char *default_rules(void)
{
    const char *e = getenv("CRISK_MONITOR_RULES");
    return e && *e ? e : CRISK_MONITOR_DEFAULT;
}

int cmd_monitor(int argc, char **argv)
{
    const char *db = NULL, *rules = NULL, *as_of_s = NULL, *json = NULL;
    const struct cli_opt opts[] = {
        {"db", 1, &db}, {"rules", 1, &rules}, {"as-of", 1, &as_of_s}, {"json", 0, &json}};
    size_t n_pos;
    int prc = cli_parse("monitor", argc, argv, opts, 4, NULL, 0, &n_pos, monitor_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    int32_t as_of = 0;
    cr_err drc = as_of_s ? cr_date_parse(as_of_s, strlen(as_of_s), &as_of) : CR_OK;
    if (drc) {
        fprintf(stderr, "crisk monitor: --as-of needs a date (YYYY-MM-DD), not '%s'\n", as_of_s);
        return CLI_USAGE;
    }
    cr_diag d = {{0}, {0}, 0, 0};
    struct cr_monitor_rules *r = NULL;
    cr_store *s = NULL;
    cr_model *m = NULL;
    struct cr_monitor_result res;
    cr_err rc = cr_monitor_rules_load(rules ? rules : default_rules(), &r, &d);
    if (rc) /* a rules file that cannot be read or is wrong is bad input */
        return cli_report_diag("monitor", rc == CR_ENOMEM ? rc : CR_EPARSE, &d);
    rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "monitor", &d);
    if (!rc && !as_of_s) {
        int64_t last = 0;
        if (cr_store_events_last_day(s, &last))
            rc = cli_store_fail(&d, CR_ESTORE, s, "cannot read the latest event date");
        else if (!last)
            rc = cr_diag_set(&d, CR_ENOTFOUND, NULL, 0, 0,
                             "the store has no events: ingest first, or give --as-of");
        as_of = (int32_t)last;
    }
    /* The city is loaded with the event flags of the latest classification's model, so that
     * the column cache classify built is the one mapped here (docs/monitor.md). */
    if (!rc) {
        int64_t run = 0;
        cr_err lr = cr_store_run_latest(s, &run);
        if (lr == CR_OK && cli_run_model(s, run, NULL, &m, &d) == CR_OK)
            ;
        else if (lr == CR_OK || lr == CR_ENOTFOUND)
            rc = cr_model_load(cli_default_model(), &m, &d);
        else
            rc = cli_store_fail(&d, lr, s, "cannot read the latest run");
    }
    if (!rc)
        rc = cr_monitor_run(s, r, m, as_of, &res, &d);
    int exit_code = CLI_OK;
    if (rc) {
        exit_code = cli_report_diag("monitor", rc, &d);
    } else if (json) {
        json_t *bd = json_object();
        for (int k = 0; k < CR_DET__N; k++)
            json_object_set_new(bd, cr_detector_name((enum cr_detector)k),
                                json_integer((json_int_t)res.by_detector[k]));
        char day[11];
        cr_day_format(as_of, day);
        json_t *o = json_pack("{s:I,s:s,s:{s:s,s:i},s:{s:I,s:o},s:I,s:I,s:I,s:I,s:f}", "run",
                              (json_int_t)res.run, "as_of", day, "rules", "id", r->id, "version",
                              r->version, "warnings", "total", (json_int_t)res.open, "by_detector",
                              bd, "new", (json_int_t)res.n_new, "updated",
                              (json_int_t)res.n_updated, "reopened", (json_int_t)res.n_reopened,
                              "closed", (json_int_t)res.n_closed, "seconds", res.seconds);
        json_object_set_new(o, "timings",
                            json_pack("{s:f,s:f,s:f}", "load", res.t_load, "detect", res.t_detect,
                                      "write", res.t_write));
        exit_code = cli_json_print(o);
    } else {
        char day[11];
        cr_day_format(as_of, day);
        printf("monitor run %lld: rules %s v%d as of %s; %zu open warnings (%zu new, %zu updated, "
               "%zu reopened, %zu closed) in %.2f s\n",
               (long long)res.run, r->id, r->version, day, res.open, res.n_new, res.n_updated,
               res.n_reopened, res.n_closed, res.seconds);
        for (int k = 0; k < CR_DET__N; k++)
            printf("  %-17s %zu%s\n", cr_detector_name((enum cr_detector)k), res.by_detector[k],
                   r->enabled[k] ? "" : " (disabled)");
    }
    cr_model_free(m);
    cr_store_close(s);
    cr_monitor_rules_free(r);
    return exit_code;
}

static const char warnings_help[] =
    "usage: crisk warnings [--db FILE] [--detector D] [--district CODE] [--status open|closed]\n"
    "                      (--csv | --json) [--xlsx FILE] [--geojson FILE]\n"
    "\n"
    "Lists the warnings, one row per warning and firm, in warning id order then USCC:\n"
    "  --csv   warning,detector,uscc,name,district,street,grid,status,opened,summary\n"
    "  --json  one object per warning with its place, summary, evidence and firms\n"
    "  --xlsx FILE     the same rows as a workbook, one sheet per detector (docs/push.md)\n"
    "  --geojson FILE  district polygons with open warnings, a point per firm with coordinates\n"
    "--district takes any division code prefix (district, street or grid) and matches the\n"
    "firm's own division.\n";

struct wout {
    FILE *fp;
    int json, bad;
    json_t *arr, *cur;
    int64_t cur_id;
};

static int warning_row(void *ctx, const struct cr_warning_row *r)
{
    struct wout *o = ctx;
    char opened[11], closed[11] = "";
    cr_day_format(r->opened_day, opened);
    if (r->closed_day >= 0)
        cr_day_format(r->closed_day, closed);
    if (!o->json) {
        FILE *fp = o->fp;
        fprintf(fp, "%lld,", (long long)r->warning);
        const char *f[] = {r->detector, r->uscc,   r->name, r->district, r->street,
                           r->grid,     r->status, opened,  r->summary};
        for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
            if (cli_csv_field(fp, f[i], strlen(f[i]), 0) ||
                fputc(i + 1 < sizeof f / sizeof *f ? ',' : '\n', fp) == EOF) {
                o->bad = 1;
                return 1;
            }
        }
        return 0;
    }
    if (!o->cur || o->cur_id != r->warning) {
        json_t *ev = json_loads(r->evidence, 0, NULL);
        o->cur = json_pack("{s:I,s:s,s:s,s:I,s:s,s:s?,s:s,s:s,s:s,s:s,s:s,s:o,s:[]}", "warning",
                           (json_int_t)r->warning, "detector", r->detector, "status", r->status,
                           "rule_version", (json_int_t)r->rule_version, "opened", opened, "closed",
                           r->closed_day >= 0 ? closed : NULL, "district", r->w_district, "street",
                           r->w_street, "grid", r->w_grid, "address", r->w_address, "summary",
                           r->summary, "evidence", ev ? ev : json_string(r->evidence), "firms");
        if (!o->cur) {
            o->bad = 1;
            return 1;
        }
        o->cur_id = r->warning;
        json_array_append_new(o->arr, o->cur);
    }
    json_t *firm =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "uscc", r->uscc, "name", r->name, "address",
                  r->address, "district", r->district, "street", r->street, "grid", r->grid);
    if (firm && r->has_geo) {
        json_object_set_new(firm, "lon", json_real(r->lon));
        json_object_set_new(firm, "lat", json_real(r->lat));
    }
    json_array_append_new(json_object_get(o->cur, "firms"), firm);
    return 0;
}

int cmd_warnings(int argc, char **argv)
{
    const char *db = NULL, *detector = NULL, *district = NULL, *status = NULL, *csv = NULL,
               *json = NULL, *xlsx = NULL, *geojson = NULL;
    const struct cli_opt opts[] = {
        {"db", 1, &db},         {"detector", 1, &detector}, {"district", 1, &district},
        {"status", 1, &status}, {"csv", 0, &csv},           {"json", 0, &json},
        {"xlsx", 1, &xlsx},     {"geojson", 1, &geojson}};
    size_t n_pos;
    int prc = cli_parse("warnings", argc, argv, opts, 8, NULL, 0, &n_pos, warnings_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (!!csv + !!json > 1 || !!csv + !!json + !!xlsx + !!geojson == 0) {
        fprintf(stderr, "crisk warnings: give one of --csv and --json, or --xlsx/--geojson FILE\n");
        return CLI_USAGE;
    }
    if ((prc = cli_division_opt("warnings", "district", district)))
        return prc;
    if (status && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0) {
        fprintf(stderr, "crisk warnings: --status is open or closed, not '%s'\n", status);
        return CLI_USAGE;
    }
    if (detector) {
        int known = 0;
        for (int k = 0; k < CR_DET__N; k++)
            known |= strcmp(detector, cr_detector_name((enum cr_detector)k)) == 0;
        if (!known) {
            fprintf(stderr, "crisk warnings: unknown detector '%s'\n", detector);
            return CLI_USAGE;
        }
    }
    struct cr_warning_filter f = {detector, district, status};
    if (xlsx || geojson) { /* the files first: a refused file name writes nothing at all */
        prc = cli_push_files("warnings", cli_db_path(db), &f, xlsx, geojson);
        if (prc || (!csv && !json))
            return prc;
    }
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    cr_err rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
    if (rc)
        return cli_report_diag("warnings", rc, &d);
    struct wout o = {stdout, !!json, 0, json ? json_array() : NULL, NULL, 0};
    if (!json)
        fputs("warning,detector,uscc,name,district,street,grid,status,opened,summary\n", stdout);
    rc = cr_store_warning_rows(s, &f, warning_row, &o);
    int exit_code = CLI_OK;
    if (rc)
        exit_code =
            cli_report_diag("warnings", cli_store_fail(&d, rc, s, "cannot read warnings"), &d);
    else if (o.bad) {
        fprintf(stderr, "crisk warnings: cannot write the output\n");
        exit_code = CLI_FAIL;
    } else if (json)
        exit_code = cli_json_print(o.arr), o.arr = NULL;
    else if (fflush(stdout)) {
        fprintf(stderr, "crisk warnings: cannot write the output\n");
        exit_code = CLI_FAIL;
    }
    json_decref(o.arr);
    cr_store_close(s);
    return exit_code;
}
