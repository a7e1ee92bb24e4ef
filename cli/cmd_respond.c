/* crisk dispatch, tasks, task: the respond stage (docs/respond.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "crisk/calendar.h"
#include "crisk/respond.h"
#include "crisk/store.h"
#include "crisk/text.h"

static void day_str(int32_t day, char out[11])
{
    int y, m, d;
    cr_civil_from_days(day, &y, &m, &d);
    snprintf(out, 11, "%04d-%02d-%02d", y % 10000, m, d);
}

static const char dispatch_help[] =
    "usage: crisk dispatch [--db DB] [--today YYYY-MM-DD] [--config FILE] [--calendar FILE]\n"
    "                      [--json]\n"
    "\n"
    "Turns open warnings into tasks for the grid (community) of each firm, else its street,\n"
    "else its district, plus one coordinating task at the level above for a warning spanning\n"
    "several divisions; escalates tasks past their deadline one level up; notes in their\n"
    "history the tasks whose warning closed. Idempotent. Deadlines in working days per level\n"
    "(--config, default models/respond.yaml) on China's working-day calendar\n"
    "(data/calendar/cn_workdays.csv). --today defaults to today in Asia/Shanghai.\n";

static const char *config_path(const char *flag)
{
    if (flag)
        return flag;
    const char *e = getenv("CRISK_RESPOND");
    return e && *e ? e : CRISK_RESPOND_DEFAULT;
}

int cmd_dispatch(int argc, char **argv)
{
    const char *db = NULL, *today_s = NULL, *json = NULL, *config = NULL, *calf = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db},
                                   {"today", 1, &today_s},
                                   {"json", 0, &json},
                                   {"config", 1, &config},
                                   {"calendar", 1, &calf}};
    size_t n_pos;
    int prc = cli_parse("dispatch", argc, argv, opts, 5, NULL, 0, &n_pos, dispatch_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    int32_t today;
    prc = cli_today_opt("dispatch", today_s, &today);
    if (prc)
        return prc;
    cr_diag d = {{0}, {0}, 0, 0};
    struct cr_respond_config cfg;
    cr_calendar *cal = NULL;
    cr_store *s = NULL;
    struct cr_dispatch_stats st = {0};
    cr_err rc = cr_respond_config_load(config_path(config), &cfg, &d);
    if (!rc)
        rc = cr_calendar_load(calf, &cal, &d);
    if (!rc)
        rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "dispatch", &d);
    if (!rc) {
        rc = cr_dispatch(s, cal, &cfg, today, &st, &d);
        if (rc && !d.msg[0])
            cli_store_fail(&d, rc, s, "cannot dispatch");
    }
    int exit_code = CLI_OK;
    if (!rc && st.estimated)
        fprintf(stderr,
                "crisk dispatch: warning: the working-day calendar does not cover %d: %lld "
                "deadline(s) counted by weekends only (estimated; add the year's holiday notice "
                "to data/calendar/cn_workdays.csv)\n",
                st.estimated_year, (long long)st.estimated);
    if (rc)
        exit_code = cli_report_diag("dispatch", rc, &d);
    else if (json)
        exit_code = cli_json_print(
            json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "warnings", (json_int_t)st.warnings, "created",
                      (json_int_t)st.created, "coordinating", (json_int_t)st.coordinating,
                      "escalated", (json_int_t)st.escalated, "warning_closed",
                      (json_int_t)st.warning_closed, "estimated", (json_int_t)st.estimated));
    else
        printf("  open warnings %lld\n  tasks created %lld (+%lld coordinating)\n"
               "  escalated %lld\n  warning closed (noted) %lld\n",
               (long long)st.warnings, (long long)st.created, (long long)st.coordinating,
               (long long)st.escalated, (long long)st.warning_closed);
    cr_store_close(s);
    cr_calendar_free(cal);
    return exit_code;
}

static const char tasks_help[] =
    "usage: crisk tasks [--db DB] [--grid|--street|--district CODE] [--status S] [--overdue]\n"
    "                   [--today YYYY-MM-DD] --csv|--json\n"
    "\n"
    "Lists tasks (of divisions inside CODE; of status open, accepted, visited or closed; past\n"
    "their deadline on --today and not closed). CSV columns: id,warning,detector,level,\n"
    "division,kind,status,outcome,outcome_label,created,due,overdue,parent,escalated_to,summary.\n";

struct list {
    FILE *fp;
    json_t *arr;
    int overdue_only, err;
    int32_t today;
};

static const char *const level_names[] = {"city", "district", "street", "grid"};

static int list_row(void *ctx, const struct cr_task *t)
{
    struct list *l = ctx;
    int overdue = strcmp(t->status, "closed") != 0 && l->today > t->due_day;
    if (l->overdue_only && !overdue)
        return 0;
    char created[11], due[11];
    day_str(t->created_day, created);
    day_str(t->due_day, due);
    const char *label = cr_outcome_label(t->outcome);
    const char *lv = t->level >= 0 && t->level <= 3 ? level_names[t->level] : "";
    if (l->arr) {
        json_array_append_new(
            l->arr,
            json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s?,s:s?,s:s,s:s,s:b,s:I,s:I,s:s}", "id",
                      (json_int_t)t->id, "warning", (json_int_t)t->warning, "detector", t->detector,
                      "level", lv, "division", t->division, "kind", t->kind, "status", t->status,
                      "outcome", *t->outcome ? t->outcome : NULL, "outcome_label", label, "created",
                      created, "due", due, "overdue", overdue, "parent", (json_int_t)t->parent,
                      "escalated_to", (json_int_t)t->escalated_to, "summary", t->summary));
        return 0;
    }
    int e = fprintf(l->fp, "%lld,%lld,", (long long)t->id, (long long)t->warning) < 0;
    e |= cli_csv_field(l->fp, t->detector, strlen(t->detector), 0);
    e |= fprintf(l->fp, ",%s,%s,%s,%s,", lv, t->division, t->kind, t->status) < 0;
    e |= cli_csv_field(l->fp, t->outcome, strlen(t->outcome), 0);
    e |= fputc(',', l->fp) == EOF;
    e |= cli_csv_field(l->fp, label ? label : "", label ? strlen(label) : 0, 0);
    e |= fprintf(l->fp, ",%s,%s,%d,%lld,%lld,", created, due, overdue, (long long)t->parent,
                 (long long)t->escalated_to) < 0;
    e |= cli_csv_field(l->fp, t->summary, strlen(t->summary), 0);
    e |= fputc('\n', l->fp) == EOF;
    l->err |= e;
    return e;
}

int cmd_tasks(int argc, char **argv)
{
    const char *db = NULL, *grid = NULL, *street = NULL, *district = NULL, *status = NULL,
               *overdue = NULL, *today_s = NULL, *csv = NULL, *json = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db},         {"grid", 1, &grid},
                                   {"street", 1, &street}, {"district", 1, &district},
                                   {"status", 1, &status}, {"overdue", 0, &overdue},
                                   {"today", 1, &today_s}, {"csv", 0, &csv},
                                   {"json", 0, &json}};
    size_t n_pos;
    int prc = cli_parse("tasks", argc, argv, opts, 9, NULL, 0, &n_pos, tasks_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (!csv == !json) {
        fprintf(stderr, "crisk tasks: give one of --csv or --json\n");
        return CLI_USAGE;
    }
    if (!!grid + !!street + !!district > 1) {
        fprintf(stderr, "crisk tasks: give at most one of --grid, --street, --district\n");
        return CLI_USAGE;
    }
    if (status && strcmp(status, "open") && strcmp(status, "accepted") &&
        strcmp(status, "visited") && strcmp(status, "closed")) {
        fprintf(stderr, "crisk tasks: --status is open, accepted, visited or closed, not '%s'\n",
                status);
        return CLI_USAGE;
    }
    const char *div = grid ? grid : street ? street : district;
    int want = grid ? 3 : street ? 2 : 1;
    if (div && cr_division_level(div) != want) {
        fprintf(stderr, "crisk tasks: '%s' is not a %s code\n", div,
                grid     ? "12-digit grid"
                : street ? "9-digit street"
                         : "6-digit district");
        return CLI_USAGE;
    }
    int32_t today;
    prc = cli_today_opt("tasks", today_s, &today);
    if (prc)
        return prc;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    struct list l = {stdout, json ? json_array() : NULL, !!overdue, 0, today};
    cr_err rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
    if (!rc && csv)
        fputs("id,warning,detector,level,division,kind,status,outcome,outcome_label,created,due,"
              "overdue,parent,escalated_to,summary\n",
              stdout);
    struct cr_task_filter f = {div, status, 0, 0, 0};
    if (!rc) {
        rc = cr_store_tasks_each(s, &f, list_row, &l);
        if (rc)
            cli_store_fail(&d, rc, s, "cannot read the tasks");
    }
    int exit_code = CLI_OK;
    if (rc)
        exit_code = cli_report_diag("tasks", rc, &d);
    else if (l.err || fflush(stdout)) {
        fprintf(stderr, "crisk tasks: write error\n");
        exit_code = CLI_FAIL;
    } else if (json) {
        exit_code = cli_json_print(json_pack("{s:o}", "tasks", l.arr));
        l.arr = NULL;
    }
    json_decref(l.arr);
    cr_store_close(s);
    return exit_code;
}

static const char task_help[] =
    "usage: crisk task [--db DB] ID --accept|--visit|--close OUTCOME [--note TEXT] --by USER\n"
    "                  [--today YYYY-MM-DD]\n"
    "\n"
    "Moves a task one step: open → accepted → visited → closed (closing an accepted task\n"
    "without a visit is allowed). USER is a staff id of the roster whose division covers the\n"
    "task's. Outcomes, by code or Chinese label: confirmed 属实, false_alarm 不属实/误报,\n"
    "case_filed 立案查处, police 移送公安, other_department 移送其他部门, not_found\n"
    "查无此企/无法联系 (also 不属实, 误报, 立案, 查无此企业, 无法联系). Closing records a\n"
    "task_outcome event for each firm of the warning in the task's division. A step dated\n"
    "(--today) before the task's previous step is refused.\n";

int cmd_task(int argc, char **argv)
{
    const char *db = NULL, *accept = NULL, *visit = NULL, *close_o = NULL, *note = NULL, *by = NULL,
               *today_s = NULL, *pos[1];
    const struct cli_opt opts[] = {
        {"db", 1, &db},     {"accept", 0, &accept}, {"visit", 0, &visit},  {"close", 1, &close_o},
        {"note", 1, &note}, {"by", 1, &by},         {"today", 1, &today_s}};
    size_t n_pos;
    int prc = cli_parse("task", argc, argv, opts, 7, pos, 1, &n_pos, task_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (n_pos != 1 || !!accept + !!visit + !!close_o != 1 || !by) {
        fprintf(stderr, "crisk task: give a task ID, one of --accept, --visit, --close OUTCOME, "
                        "and --by USER\n");
        return CLI_USAGE;
    }
    long long id = cli_count(pos[0]);
    if (id <= 0) {
        fprintf(stderr, "crisk task: '%s' is not a task id\n", pos[0]);
        return CLI_USAGE;
    }
    int32_t today;
    prc = cli_today_opt("task", today_s, &today);
    if (prc)
        return prc;
    enum cr_task_action a = accept ? CR_TASK_ACCEPT : visit ? CR_TASK_VISIT : CR_TASK_CLOSE;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    cr_err rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "task", &d);
    if (!rc) {
        rc = cr_task_act(s, id, a, close_o, note, by, today, &d);
        if (rc && !d.msg[0])
            cli_store_fail(&d, rc, s, "cannot change the task");
    }
    int exit_code = CLI_OK;
    if (rc)
        exit_code = cli_report_diag("task", rc, &d);
    else
        printf("task %lld %s\n", id,
               a == CR_TASK_ACCEPT  ? "accepted"
               : a == CR_TASK_VISIT ? "visited"
                                    : "closed");
    cr_store_close(s);
    return exit_code;
}
