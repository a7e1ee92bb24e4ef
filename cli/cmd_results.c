/* crisk inspect, inspections: results of inspections and their publication (docs/inspect.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "crisk/calendar.h"
#include "crisk/inspect.h"
#include "crisk/store.h"
#include "crisk/text.h"

/* The publication deadline: 20 working days after the result (DOMAIN.md §2 [M]). */
#define PUBLISH_WORKDAYS 20

/* A date option: --today is how the command is run (a bad one is usage, 2, as every verb's
 * --today); --date is the inspection's date, data like the date column of an --import file, so
 * a bad one is bad input (3), as it is there. */
static int day_opt(const char *verb, const char *name, const char *s, int32_t *day)
{
    if (!s) {
        *day = cr_day_today();
        return CLI_OK;
    }
    if (cr_date_parse(s, strlen(s), day) != CR_OK) {
        fprintf(stderr, "crisk %s: --%s needs a date such as 2026-03-01, not '%s'\n", verb, name,
                s);
        return strcmp(name, "date") == 0 ? CLI_BADINPUT : CLI_USAGE;
    }
    return CLI_OK;
}

static int plan_seen(void *ctx, const struct cr_plan_rec *p)
{
    (void)ctx;
    (void)p;
    return 0;
}

static const char inspect_help[] =
    "usage: crisk inspect [--db FILE] --inspection ID --result CODE [--items A;B] --by USER\n"
    "                     [--date YYYY-MM-DD] [--today YYYY-MM-DD] [--inspectors ID;ID] [--json]\n"
    "       crisk inspect [--db FILE] --import FILE.csv [--date YYYY-MM-DD] [--today YYYY-MM-DD]\n"
    "                     [--json]\n"
    "\n"
    "Records the result of an inspection in the official vocabulary (docs/inspect.md: 1 "
    "未发现问题,\n"
    "B, C, 6, D, 3, 4, 5, G, 7, 8, 9-12, A 发现问题待后续处理, E 发现问题经责令已改正, F; the code "
    "or\n"
    "the Chinese label), applies the plan's 免罚清单 and adds the firm's event (topic\n"
    "crisk/inspection) for the next classification. --import reads "
    "inspection,result,items,by,date\n"
    "rows (by: who records each; date empty: --date, default today), all or none. A result's date "
    "lies between its draw's day and\n"
    "--today (default today); --items are codes of the plan's check items or 免罚清单.\n"
    "--inspectors: inspectors of the roster (crisk roster); the drawn ones for an inspection\n"
    "its draw staffed, the drawn ones completed to the plan's number for one it could not -\n"
    "which takes a result only so.\n";

int cmd_inspect(int argc, char **argv)
{
    const char *db = NULL, *id_s = NULL, *result = NULL, *items = NULL, *by = NULL, *date_s = NULL,
               *insp = NULL, *import = NULL, *json = NULL, *today_s = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db},           {"inspection", 1, &id_s},
                                   {"result", 1, &result},   {"items", 1, &items},
                                   {"by", 1, &by},           {"date", 1, &date_s},
                                   {"inspectors", 1, &insp}, {"import", 1, &import},
                                   {"json", 0, &json},       {"today", 1, &today_s}};
    size_t n_pos;
    int prc = cli_parse("inspect", argc, argv, opts, 10, NULL, 0, &n_pos, inspect_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    long long id = 0;
    if ((prc = cli_int_opt("inspect", "inspection", id_s, 1, LLONG_MAX, &id)))
        return prc;
    int32_t day, today;
    if ((prc = day_opt("inspect", "date", date_s, &day)) ||
        (prc = day_opt("inspect", "today", today_s, &today)))
        return prc;
    if (import ? (id_s || result || items || by || insp) : (!id_s || !result || !by)) {
        fprintf(stderr, "crisk inspect: give --inspection ID --result CODE --by USER, or "
                        "--import FILE.csv alone\n");
        return CLI_USAGE;
    }
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    size_t done = 0, exempt = 0;
    int ex = 0;
    struct cr_inspect_withdrawn w = {0};
    cr_err rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "inspect", &d);
    if (!rc)
        rc = cr_store_begin(s);
    if (!rc && import)
        rc = cr_inspect_import(s, import, date_s ? day : today, today, &done, &exempt, &w, &d);
    else if (!rc) {
        struct cr_inspect_result r = {id, result, items, by, day, insp, today, &w};
        rc = cr_inspect_record(s, &r, &ex, &d);
        done = 1;
        exempt = (size_t)ex;
    }
    if (!rc)
        rc = cr_store_commit(s);
    if (rc) {
        cr_store_rollback(s);
        if (!d.msg[0])
            cli_store_fail(&d, rc, s, "cannot record the result");
        int code = cli_report_diag("inspect", rc, &d);
        cr_store_close(s);
        return code;
    }
    cr_store_close(s);
    /* an earlier-dated violation recorded now makes later exempt results repeats */
    json_t *wd = json_array();
    char list[256] = "";
    for (size_t i = 0; i < w.n && i < sizeof w.id / sizeof *w.id; i++) {
        json_array_append_new(wd, json_integer(w.id[i]));
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%lld", i ? ", " : "",
                 (long long)w.id[i]);
    }
    if (w.n)
        fprintf(stderr,
                "crisk inspect: warning: %zu later result%s on the same 免罚清单 items (inspection "
                "%s%s) %s a repeat now and lost %s no-penalty decision\n",
                w.n, w.n == 1 ? "" : "s", list, w.n > sizeof w.id / sizeof *w.id ? ", …" : "",
                w.n == 1 ? "is" : "are", w.n == 1 ? "its" : "their");
    if (json)
        return cli_json_print(json_pack("{s:I,s:I,s:I,s:o}", "recorded", (json_int_t)done,
                                        "penalty_exempt", (json_int_t)exempt, "penalty_withdrawn",
                                        (json_int_t)w.n, "withdrawn_from", wd));
    json_decref(wd);
    printf("recorded %zu result%s (%zu 免罚清单: no penalty)\n", done, done == 1 ? "" : "s",
           exempt);
    return CLI_OK;
}

/* ---- inspections ---- */

struct list_ctx {
    FILE *fp;
    const cr_calendar *cal;
    int32_t today;
    int due;
    int bad;
    int64_t uncovered;
};

static int list_row(void *ctx, const struct cr_inspection_row *r)
{
    struct list_ctx *c = ctx;
    if (c->due && !r->result)
        return 0;
    char id[24], draw[24], plan[24], day[11] = "", pub[11] = "", late[2] = "";
    snprintf(id, sizeof id, "%lld", (long long)r->id);
    snprintf(draw, sizeof draw, "%lld", (long long)r->draw);
    snprintf(plan, sizeof plan, "%lld", (long long)r->plan);
    if (r->result) {
        cr_day_format(r->day, day);
        /* past the calendar's years the weekend rule alone counts: an estimate (as a task's
         * deadline), said on stderr */
        int32_t by = cr_calendar_add_workdays(c->cal, r->day, PUBLISH_WORKDAYS);
        cr_day_format(by, pub);
        late[0] = c->today > by ? '1' : '0';
        if (!cr_calendar_covers(c->cal, r->day) || !cr_calendar_covers(c->cal, by))
            c->uncovered++;
    }
    const char *f[] = {id,
                       draw,
                       plan,
                       r->key,
                       r->level,
                       r->arm,
                       r->inspectors,
                       r->result ? r->result : "",
                       r->label ? r->label : "",
                       r->items ? r->items : "",
                       day,
                       r->by ? r->by : "",
                       r->result ? (r->problem ? "1" : "0") : "",
                       r->result ? (r->penalty_exempt ? "1" : "0") : "",
                       pub,
                       late,
                       r->result      ? "done"
                       : r->cancelled ? "cancelled"
                                      : "open"};
    int bad = 0;
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) /* 3 uscc, 6 inspectors, 9 items, 11 by */
        bad |=
            (i ? fputc(',', c->fp) == EOF : 0) ||
            (i == 3 || i == 6 || i == 9 || i == 11 ? cli_csv_text(c->fp, f[i], strlen(f[i]))
                                                   : cli_csv_field(c->fp, f[i], strlen(f[i]), 0));
    c->bad |= bad | (fputc('\n', c->fp) == EOF);
    return c->bad;
}

static const char inspections_help[] =
    "usage: crisk inspections [--db FILE] [--plan ID] [--due] [--today YYYY-MM-DD] --csv\n"
    "                         [--calendar FILE]\n"
    "\n"
    "Lists the inspections (all, or of one plan) as CSV: id,draw,plan,uscc,level,arm,inspectors,\n"
    "result,label,items,day,by,problem,penalty_exempt,publish_by,late,state. --due lists the\n"
    "recorded results only, each with the day it must be published by (20 working days after the\n"
    "result, by the working-day calendar) and late=1 when today is past it. state is open (no\n"
    "result yet), done (a result) or cancelled (its draw was voided before a result).\n";

int cmd_inspections(int argc, char **argv)
{
    const char *db = NULL, *plan_s = NULL, *due = NULL, *today_s = NULL, *csv = NULL,
               *calendar = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db},   {"plan", 1, &plan_s},
                                   {"due", 0, &due}, {"today", 1, &today_s},
                                   {"csv", 0, &csv}, {"calendar", 1, &calendar}};
    size_t n_pos;
    int prc = cli_parse("inspections", argc, argv, opts, 6, NULL, 0, &n_pos, inspections_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    long long plan = 0;
    if ((prc = cli_int_opt("inspections", "plan", plan_s, 1, LLONG_MAX, &plan)))
        return prc;
    int32_t today;
    if ((prc = day_opt("inspections", "today", today_s, &today)))
        return prc;
    if (!csv) {
        fprintf(stderr, "crisk inspections: --csv is required (the only output form)\n");
        return CLI_USAGE;
    }
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    cr_calendar *cal = NULL;
    cr_err rc = cr_calendar_load(calendar, &cal, &d);
    if (!rc)
        rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
    struct list_ctx c = {stdout, cal, today, due != NULL, 0, 0};
    if (!rc && plan && (rc = cr_store_plans_each(s, plan, plan_seen, NULL))) {
        if (rc == CR_ENOTFOUND)
            cr_diag_set(&d, rc, NULL, 0, 0, "there is no plan %lld (crisk plans lists them)", plan);
        else
            cli_store_fail(&d, rc, s, "cannot read the plans");
    }
    if (!rc && fputs("id,draw,plan,uscc,level,arm,inspectors,result,label,items,day,by,problem,"
                     "penalty_exempt,publish_by,late,state\n",
                     stdout) == EOF)
        rc = CR_EIO;
    if (!rc && (rc = cr_store_inspections_each(s, 0, plan, 0, list_row, &c)) && !d.msg[0])
        cli_store_fail(&d, rc, s, "cannot list the inspections");
    int code = rc ? cli_report_diag("inspections", rc, &d) : CLI_OK;
    if (!rc && (c.bad || fflush(stdout) || ferror(stdout)))
        code = CLI_FAIL;
    if (!rc && c.uncovered)
        fprintf(stderr,
                "crisk inspections: warning: %lld result days lie outside the working-day "
                "calendar's years: their publish_by counts weekends alone (no holidays): an "
                "estimate\n",
                (long long)c.uncovered);
    cr_store_close(s);
    cr_calendar_free(cal);
    return code;
}
