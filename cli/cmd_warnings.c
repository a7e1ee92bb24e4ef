/* crisk warnings: list the warnings and their firms (docs/monitor.md, docs/push.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crisk/monitor.h"
#include "crisk/store.h"
#include "crisk/text.h"

static const char warnings_help[] =
    "usage: crisk warnings [--db FILE] [--detector D] [--district CODE] [--status open|closed]\n"
    "                      (--csv | --json) [--xlsx FILE] [--geojson FILE] [--today DATE]\n"
    "\n"
    "Lists the warnings, one row per warning and firm, in warning id order then USCC:\n"
    "  --csv   warning,detector,uscc,name,district,street,grid,status,opened,summary\n"
    "  --json  one object per warning with its place, summary, evidence and firms\n"
    "  --xlsx FILE     the same rows as a workbook, one sheet per detector (docs/push.md)\n"
    "  --geojson FILE  district polygons with open warnings and the respond stage's open and\n"
    "                  overdue tasks (as of --today), a point per firm with coordinates and\n"
    "                  one per open task\n"
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
               *json = NULL, *xlsx = NULL, *geojson = NULL, *today_s = NULL;
    const struct cli_opt opts[] = {
        {"db", 1, &db},         {"detector", 1, &detector}, {"district", 1, &district},
        {"status", 1, &status}, {"csv", 0, &csv},           {"json", 0, &json},
        {"xlsx", 1, &xlsx},     {"geojson", 1, &geojson},   {"today", 1, &today_s}};
    size_t n_pos;
    int prc = cli_parse("warnings", argc, argv, opts, 9, NULL, 0, &n_pos, warnings_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (!!csv + !!json > 1 || !!csv + !!json + !!xlsx + !!geojson == 0) {
        fprintf(stderr, "crisk warnings: give one of --csv and --json, or --xlsx/--geojson FILE\n");
        return CLI_USAGE;
    }
    prc = cli_division_opt("warnings", "district", district);
    if (prc)
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
    int32_t today;
    prc = cli_today_opt("warnings", today_s, &today);
    if (prc)
        return prc;
    if (xlsx || geojson) { /* the files first: a refused file name writes nothing at all */
        prc = cli_push_files("warnings", cli_db_path(db), &f, xlsx, geojson, today);
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
