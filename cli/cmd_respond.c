/* crisk dispatch, tasks, task: the respond stage (docs/respond.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "crisk/calendar.h"
#include "crisk/ref.h"
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
    "(data/calendar/cn_workdays.csv). --today defaults to today in Asia/Shanghai and may lie\n"
    "at most today_ahead_days (policy file) after it.\n";

static const char *config_path(const char *flag)
{
    if (flag)
        return flag;
    const char *e = getenv("CRISK_RESPOND");
    return e && *e ? e : CRISK_RESPOND_DEFAULT;
}

int cli_done_report_checked(const char *verb, int failed, const char *fmt, ...)
{
    errno = 0;
    if (!failed && fflush(stdout) == 0 && !ferror(stdout))
        return CLI_OK;
    int err = errno;
    char done[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(done, sizeof done, fmt, ap);
    va_end(ap);
    fprintf(stderr,
            "crisk %s: %s; only this report could not be written to the standard output%s%s: do "
            "not repeat it\n",
            verb, done, err ? ": " : "", err ? strerror(err) : "");
    /* what is left unwritten is dropped, so main's check of stdout does not report it again */
    __fpurge(stdout);
    clearerr(stdout);
    return CLI_FAIL;
}

/* The library's messages name the step's date "the day D" (the API's field is day); here it is
 * --today, so the CLI says so. */
static cr_err today_hint(cr_err rc, cr_diag *d)
{
    char *p = rc ? strstr(d->msg, "the day ") : NULL;
    if (p && (p == d->msg || (p - d->msg >= 2 && p[-2] == ':' && p[-1] == ' '))) {
        const char *flag = "--today ";
        size_t fl = strlen(flag), ol = strlen("the day ");
        memmove(p + fl, p + ol, strlen(p + ol) + 1); /* fl < ol: it fits */
        memcpy(p, flag, fl);
    }
    return rc;
}

int cli_respond_env_check(const char *verb, const char *flag)
{
    const char *e = getenv("CRISK_RESPOND");
    if (flag || !e || *e)
        return CLI_OK;
    /* as cli_parse refuses an empty $CRISK_DB: an empty value is no file, not the default */
    fprintf(stderr, "crisk %s: $CRISK_RESPOND is set but empty: give --config FILE or unset it\n",
            verb);
    return CLI_USAGE;
}

cr_err cli_respond_policy(const char *flag, struct cr_respond_config *out, cr_diag *d)
{
    cr_ref *ref = NULL;
    cr_err rc = cr_ref_load(cr_ref_default_dir(), &ref, d);
    if (!rc)
        rc = cr_respond_config_load(config_path(flag), ref, out, d);
    cr_ref_free(ref);
    return rc;
}

/* The machine's date in Asia/Shanghai (UTC+8), as --today defaults to. */
static int32_t machine_day(void)
{
    return (int32_t)((time(NULL) + 8 * 3600) / 86400);
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
    if ((prc = cli_respond_env_check("dispatch", config)))
        return prc;
    int32_t today;
    prc = cli_today_opt("dispatch", today_s, &today);
    if (prc)
        return prc;
    cr_diag d = {{0}, {0}, 0, 0};
    struct cr_respond_config cfg;
    cr_calendar *cal = NULL;
    cr_store *s = NULL;
    struct cr_dispatch_stats st = {0};
    cr_err rc = cli_respond_policy(config, &cfg, &d);
    if (!rc)
        rc = today_hint(cr_respond_today_check(&cfg, today, machine_day(), &d), &d);
    if (!rc)
        rc = cr_calendar_load(calf, &cal, &d);
    if (!rc)
        rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "dispatch", &d);
    if (!rc) {
        rc = today_hint(cr_dispatch(s, cal, &cfg, today, &st, &d), &d);
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
    "Lists tasks (of divisions inside CODE; of status open, accepted, visited or closed;\n"
    "overdue: not closed, its warning open, and past its deadline on --today). CSV columns:\n"
    "id,warning,detector,level,division,kind,status,outcome,outcome_label,created,due,overdue,\n"
    "parent,escalated_to,summary. One task with its history: crisk task ID.\n";

struct list {
    FILE *fp;
    json_t *arr;
    int overdue_only, err;
    int32_t today;
};

static const char *const level_names[] = {"city", "district", "street", "grid"};

/* One task as the JSON of crisk tasks --json and crisk task ID --json. */
static json_t *task_json(const struct cr_task *t, int32_t today)
{
    char created[11], due[11];
    day_str(t->created_day, created);
    day_str(t->due_day, due);
    const char *lv = t->level >= 0 && t->level <= 3 ? level_names[t->level] : "";
    return json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s?,s:s?,s:s,s:s,s:b,s:I,s:I,s:s,s:s}", "id",
                     (json_int_t)t->id, "warning", (json_int_t)t->warning, "detector", t->detector,
                     "level", lv, "division", t->division, "kind", t->kind, "status", t->status,
                     "outcome", *t->outcome ? t->outcome : NULL, "outcome_label",
                     cr_outcome_label(t->outcome), "created", created, "due", due, "overdue",
                     cr_task_overdue(t, today), "parent", (json_int_t)t->parent, "escalated_to",
                     (json_int_t)t->escalated_to, "summary", t->summary, "warning_status",
                     t->warning_status);
}

static int list_row(void *ctx, const struct cr_task *t)
{
    struct list *l = ctx;
    int overdue = cr_task_overdue(t, l->today);
    if (l->overdue_only && !overdue)
        return 0;
    if (l->arr) {
        json_array_append_new(l->arr, task_json(t, l->today));
        return 0;
    }
    char created[11], due[11];
    day_str(t->created_day, created);
    day_str(t->due_day, due);
    const char *label = cr_outcome_label(t->outcome);
    const char *lv = t->level >= 0 && t->level <= 3 ? level_names[t->level] : "";
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
    "                  [--today YYYY-MM-DD] [--config FILE]\n"
    "       crisk task [--db DB] ID [--today YYYY-MM-DD] [--json]\n"
    "\n"
    "Moves a task one step: open → accepted → visited → closed (closing an accepted task\n"
    "without a visit is allowed). USER is a staff id of the roster whose division covers the\n"
    "task's. Outcomes, by code or Chinese label: confirmed 属实, false_alarm 不属实/误报,\n"
    "case_filed 立案查处, police 移送公安, other_department 移送其他部门, not_found\n"
    "查无此企/无法联系 (also 不属实, 误报, 立案, 查无此企业, 无法联系). Closing records a\n"
    "task_outcome event for each firm of the warning in the task's division; closing a\n"
    "coordinating or escalation task also closes the warning's open tasks below it. A step\n"
    "dated (--today) before the task's previous step, or more than today_ahead_days after the\n"
    "machine's date, is refused; a note must be UTF-8 of at most note_max_bytes (policy file,\n"
    "--config, default models/respond.yaml).\n"
    "\n"
    "Without a step: shows the task and its history, every step with who and when (--json:\n"
    "{\"task\":{…},\"history\":[{\"at\",\"by\",\"action\",\"from\",\"to\",\"note\",\"created\"}]})."
    "\n";

/* Text as a JSON string; bytes that are not UTF-8 (a note stored before notes were checked)
 * become U+FFFD, so the line is shown rather than lost. */
static json_t *text_json(const char *s)
{
    if (!s || !*s)
        return json_null();
    size_t n = strlen(s), ok = cr_utf8_valid_prefix(s, n);
    if (ok == n)
        return json_string(s);
    char *b = malloc(n * 3 + 1);
    if (!b)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t v = cr_utf8_valid_prefix(s + i, n - i);
        memcpy(b + k, s + i, v);
        k += v;
        i += v;
        if (i < n) {
            memcpy(b + k, "\xEF\xBF\xBD", 3);
            k += 3;
            i++;
        }
    }
    b[k] = 0;
    json_t *j = json_string(b);
    free(b);
    return j;
}

struct show {
    int found, err;
    json_t *task, *history;
    int32_t today;
};

static int show_task(void *ctx, const struct cr_task *t)
{
    struct show *x = ctx;
    x->found = 1;
    if (x->history) {
        x->task = task_json(t, x->today);
        return 1;
    }
    char created[11], due[11];
    day_str(t->created_day, created);
    day_str(t->due_day, due);
    const char *label = cr_outcome_label(t->outcome);
    const char *lv = t->level >= 0 && t->level <= 3 ? level_names[t->level] : "";
    int e = printf("task %lld  %s task of %s %s\n", (long long)t->id, t->kind, lv, t->division) < 0;
    e |= printf("  warning   %lld %s (%s): %s\n", (long long)t->warning, t->detector,
                t->warning_status, t->summary) < 0;
    e |= printf("  status    %s%s%s%s%s\n", t->status, *t->outcome ? ", outcome " : "", t->outcome,
                label ? " " : "", label ? label : "") < 0;
    e |= printf("  created   %s  due %s%s\n", created, due,
                cr_task_overdue(t, x->today) ? "  (overdue)" : "") < 0;
    if (t->parent || t->escalated_to)
        e |= printf("  parent    %lld  escalated to %lld\n", (long long)t->parent,
                    (long long)t->escalated_to) < 0;
    e |= printf("history (day, by, step, from -> to, note):\n") < 0;
    x->err |= e;
    return 1;
}

static int show_step(void *ctx, const struct cr_task_event *e)
{
    struct show *x = ctx;
    char at[11];
    day_str(e->at, at);
    if (x->history) {
        json_t *j = json_pack("{s:s,s:s,s:s,s:o,s:s,s:o,s:s}", "at", at, "by", e->by, "action",
                              e->action, "from", text_json(e->from_status), "to", e->to_status,
                              "note", text_json(e->note), "created", e->created);
        x->err |= !j || json_array_append_new(x->history, j);
        return x->err;
    }
    x->err |= printf("  %s  %s  %s  %s -> %s%s%s\n", at, e->by, e->action,
                     *e->from_status ? e->from_status : "-", e->to_status, *e->note ? "  " : "",
                     e->note) < 0;
    return x->err;
}

/* crisk task ID without a step: the task and its history. */
static int task_show(const char *db, long long id, int32_t today, int json)
{
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    struct show x = {0, 0, NULL, json ? json_array() : NULL, today};
    cr_err rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
    if (!rc &&
        cr_store_tasks_each(s, &(struct cr_task_filter){NULL, NULL, 0, 0, id}, show_task, &x))
        rc = cli_store_fail(&d, CR_ESTORE, s, "cannot read the task");
    if (!rc && !x.found)
        rc = cr_diag_set(&d, CR_ENOTFOUND, NULL, 0, 0, "no task %lld", id);
    if (!rc && cr_store_task_history_each(s, id, show_step, &x))
        rc = cli_store_fail(&d, CR_ESTORE, s, "cannot read the task's history");
    int exit_code = CLI_OK;
    if (rc)
        exit_code = cli_report_diag("task", rc, &d);
    else if (json && (!x.task || x.err)) {
        fprintf(stderr, "crisk task: cannot build the JSON of task %lld\n", id);
        exit_code = CLI_FAIL;
    } else if (json) {
        exit_code = cli_json_print(json_pack("{s:O,s:O}", "task", x.task, "history", x.history));
    } else if (x.err || fflush(stdout)) {
        fprintf(stderr, "crisk task: write error\n");
        exit_code = CLI_FAIL;
    }
    json_decref(x.task);
    json_decref(x.history);
    cr_store_close(s);
    return exit_code;
}

int cmd_task(int argc, char **argv)
{
    const char *db = NULL, *accept = NULL, *visit = NULL, *close_o = NULL, *note = NULL, *by = NULL,
               *today_s = NULL, *config = NULL, *json = NULL, *pos[1];
    const struct cli_opt opts[] = {
        {"db", 1, &db},         {"accept", 0, &accept}, {"visit", 0, &visit},
        {"close", 1, &close_o}, {"note", 1, &note},     {"by", 1, &by},
        {"today", 1, &today_s}, {"config", 1, &config}, {"json", 0, &json}};
    size_t n_pos;
    int prc = cli_parse("task", argc, argv, opts, 9, pos, 1, &n_pos, task_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    int steps = !!accept + !!visit + !!close_o;
    if (n_pos != 1 || steps > 1 || (steps && (!by || json)) || (!steps && (by || note || config))) {
        fprintf(stderr, "crisk task: give a task ID, and to move it one of --accept, --visit, "
                        "--close OUTCOME with --by USER (without a step it is shown; --json "
                        "only then)\n");
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
    if (!steps)
        return task_show(db, id, today, !!json);
    if ((prc = cli_respond_env_check("task", config)))
        return prc;
    enum cr_task_action a = accept ? CR_TASK_ACCEPT : visit ? CR_TASK_VISIT : CR_TASK_CLOSE;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    struct cr_respond_config cfg;
    int64_t below = 0;
    cr_err rc = cli_respond_policy(config, &cfg, &d);
    if (!rc)
        rc = today_hint(cr_respond_today_check(&cfg, today, machine_day(), &d), &d);
    if (!rc)
        rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "task", &d);
    if (!rc) {
        rc = today_hint(cr_task_step(s, &cfg, id, a, close_o, note, by, today, &below, &d), &d);
        if (rc && !d.msg[0])
            cli_store_fail(&d, rc, s, "cannot change the task");
    }
    int exit_code = CLI_OK;
    const char *done = a == CR_TASK_ACCEPT ? "accepted" : a == CR_TASK_VISIT ? "visited" : "closed";
    if (rc)
        exit_code = cli_report_diag("task", rc, &d);
    else {
        int e = below ? printf("task %lld closed, and %lld open task(s) of its warning below it\n",
                               id, (long long)below) < 0
                      : printf("task %lld %s\n", id, done) < 0;
        exit_code =
            cli_done_report_checked("task", e, "task %lld WAS %s (recorded in the store%s)", id,
                                    done, below ? ", with the open tasks below it closed" : "");
    }
    cr_store_close(s);
    return exit_code;
}
