/* Tasks: routing warnings to divisions, deadlines, escalation and the lifecycle
 * (docs/respond.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/respond.h"
#include "crisk/text.h"

#define DISPATCHER "crisk"

/* The fixed outcome vocabulary (issue 10): the code stored and written into events, its Chinese
 * label, and the other words a user may type for it — each part of a label written a/b, and the
 * short forms in use (立案, 查无此企业). Codes, labels and aliases are all accepted alike. */
static const struct {
    const char *code, *label, *aliases[4];
} outcomes[] = {
    {"confirmed", "属实", {NULL}},
    {"false_alarm", "不属实/误报", {"不属实", "误报", NULL}},
    {"case_filed", "立案查处", {"立案", NULL}},
    {"police", "移送公安", {NULL}},
    {"other_department", "移送其他部门", {NULL}},
    {"not_found", "查无此企/无法联系", {"查无此企", "查无此企业", "无法联系", NULL}},
};

const char *cr_outcome_label(const char *code)
{
    for (size_t i = 0; code && i < sizeof outcomes / sizeof *outcomes; i++)
        if (strcmp(code, outcomes[i].code) == 0)
            return outcomes[i].label;
    return NULL;
}

const char *cr_outcome_code(size_t i)
{
    return i < sizeof outcomes / sizeof *outcomes ? outcomes[i].code : NULL;
}

const char *cr_outcome_parse(const char *text)
{
    for (size_t i = 0; text && i < sizeof outcomes / sizeof *outcomes; i++) {
        if (strcmp(text, outcomes[i].code) == 0 || strcmp(text, outcomes[i].label) == 0)
            return outcomes[i].code;
        for (const char *const *a = outcomes[i].aliases; *a; a++)
            if (strcmp(text, *a) == 0)
                return outcomes[i].code;
    }
    return NULL;
}

void cr_division_ancestor(const char *code, int level, char *out, size_t cap)
{
    static const int len[] = {0, 6, 9, 12};
    if (level < 0 || level > 3 || strlen(code) < (size_t)(level ? len[level] : 6)) {
        snprintf(out, cap, "%s", "");
        return;
    }
    if (level == 0) /* GB/T 2260: a prefecture-level city is its first four digits and 00 */
        snprintf(out, cap, "%.4s00", code);
    else
        snprintf(out, cap, "%.*s", len[level], code);
}

/* ---- dispatch ---- */

/* The division owning a firm: its grid, else its street, else its district, else the city; a
 * code of another form is routed to the city. Routing (gather) and the outcome events
 * (firm_event) both ask this one function, so a firm has one owner everywhere. */
static const char *owner_of(const struct cr_dispatch_row *r, const char *city)
{
    const char *o = *r->grid ? r->grid : *r->street ? r->street : *r->district ? r->district : city;
    return cr_division_level(o) < 0 ? city : o;
}

/* day as YYYY-MM-DD into out (capacity >= 11) */
static void day_text(int32_t day, char *out, size_t cap)
{
    int y, m, dd;
    cr_civil_from_days(day, &y, &m, &dd);
    snprintf(out, cap, "%04d-%02d-%02d", y, m, dd);
}

struct group {
    int64_t warning, reopens;
    char (*div)[16];
    size_t n, cap;
    int oom;
};

struct walk {
    struct group *g;
    size_t n, cap;
    int oom;
    const char *city;
};

static int gather(void *ctx, const struct cr_dispatch_row *r)
{
    struct walk *w = ctx;
    if (!w->n || w->g[w->n - 1].warning != r->warning) {
        if (w->n == w->cap) {
            size_t nc = w->cap ? w->cap * 2 : 64;
            struct group *p = realloc(w->g, nc * sizeof *p);
            if (!p)
                return w->oom = 1;
            w->g = p;
            w->cap = nc;
        }
        w->g[w->n++] = (struct group){r->warning, r->reopens, NULL, 0, 0, 0};
    }
    struct group *g = &w->g[w->n - 1];
    const char *o = owner_of(r, w->city);
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->div[i], o) == 0)
            return 0;
    if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 4;
        char(*p)[16] = realloc(g->div, nc * sizeof *p);
        if (!p)
            return w->oom = 1;
        g->div = p;
        g->cap = nc;
    }
    snprintf(g->div[g->n++], 16, "%s", o);
    return 0;
}

static int level_of(const char *code)
{
    int l = cr_division_level(code);
    return l < 0 ? 0 : l;
}

/* The coordinating division of several distinct ones: the deepest division common to all, which
 * may be one of them (a street and one of its grids: the street); the city when none is. */
static void common_above(const struct group *g, const char *city, char *out, size_t cap)
{
    int top = 3;
    for (size_t i = 0; i < g->n; i++)
        if (level_of(g->div[i]) < top)
            top = level_of(g->div[i]);
    for (int l = top; l >= 1; l--) {
        char a[16], b[16];
        cr_division_ancestor(g->div[0], l, a, sizeof a);
        size_t i = 1;
        for (; i < g->n; i++) {
            cr_division_ancestor(g->div[i], l, b, sizeof b);
            if (strcmp(a, b) != 0)
                break;
        }
        if (i == g->n) {
            snprintf(out, cap, "%s", a);
            return;
        }
    }
    snprintf(out, cap, "%s", city);
}

/* The deadline: the n-th working day after today. Past the calendar's years the weekend rule
 * alone counts (cr_calendar_add_workdays knows no holidays there): the deadline is an estimate,
 * *uncovered_year is the first year the count crossed that the calendar lacks (0 when none). */
static int32_t due(const cr_calendar *cal, const struct cr_respond_config *cfg, int level,
                   int32_t today, int *uncovered_year)
{
    int32_t dd = cr_calendar_add_workdays(cal, today, cfg->deadline_workdays[level]);
    int y, m, md;
    *uncovered_year = 0;
    if (!cr_calendar_covers(cal, today))
        cr_civil_from_days(today, uncovered_year, &m, &md);
    else if (!cr_calendar_covers(cal, dd)) {
        cr_civil_from_days(dd, &y, &m, &md);
        *uncovered_year = y;
    }
    return dd;
}

static cr_err new_task(cr_store *s, const cr_calendar *cal, const struct cr_respond_config *cfg,
                       int32_t today, int64_t warning, const char *division, const char *kind,
                       int64_t parent, int64_t opening, const char *note, int64_t *id, int *created,
                       struct cr_dispatch_stats *st)
{
    struct cr_task t = {0};
    t.opening = opening;
    t.warning = warning;
    t.parent = parent;
    t.level = level_of(division);
    t.division = division;
    t.kind = kind;
    t.status = "open";
    t.outcome = NULL;
    t.created_day = today;
    int uncovered;
    t.due_day = due(cal, cfg, t.level, today, &uncovered);
    cr_err rc = cr_store_task_insert(s, &t, id, created);
    if (!rc && *created) {
        struct cr_task_event e = {*id, today, DISPATCHER, "dispatch", "", "open", note, NULL};
        rc = cr_store_task_history_add(s, &e);
    }
    if (!rc && *created && uncovered) {
        char line[160], dt[16];
        day_text(t.due_day, dt, sizeof dt);
        snprintf(line, sizeof line,
                 "deadline %s estimated: the working-day calendar does not cover %d (weekends "
                 "only, no holidays)",
                 dt, uncovered);
        struct cr_task_event e = {*id,    today,  DISPATCHER, "deadline_estimated",
                                  "open", "open", line,       NULL};
        rc = cr_store_task_history_add(s, &e);
        st->estimated++;
        if (!st->estimated_year || uncovered < st->estimated_year)
            st->estimated_year = uncovered;
    }
    return rc;
}

/* The warning's task of kind at division, made unless one stands for the warning's current
 * opening: none yet, or the latest there is closed and was made before the warning's latest
 * reopening (opening < reopens) — then the new task's parent is that closed task, which keeps
 * its outcome and history. A task still open stands for the reopened warning too. */
static cr_err place(cr_store *s, const cr_calendar *cal, const struct cr_respond_config *cfg,
                    int32_t today, const struct group *g, const char *division, const char *kind,
                    const char *note, int *created, struct cr_dispatch_stats *st)
{
    struct cr_task_latest l;
    int found = 0;
    *created = 0;
    cr_err rc = cr_store_task_latest(s, g->warning, division, kind, &l, &found);
    if (rc || (found && (strcmp(l.status, "closed") != 0 || l.opening >= g->reopens)))
        return rc;
    char again[160];
    if (found) {
        snprintf(again, sizeof again,
                 "the warning reopened after task %lld closed: a new task (%s)", (long long)l.id,
                 *note ? note : "the earlier one keeps its outcome");
        note = again;
    }
    int64_t id;
    return new_task(s, cal, cfg, today, g->warning, division, kind, found ? l.id : 0, g->reopens,
                    note, &id, created, st);
}

static cr_err route(cr_store *s, const cr_calendar *cal, const struct cr_respond_config *cfg,
                    int32_t today, const struct group *g, struct cr_dispatch_stats *st)
{
    cr_err rc = CR_OK;
    int created;
    for (size_t i = 0; i < g->n && !rc; i++) {
        rc = place(s, cal, cfg, today, g, g->div[i], "grid", "", &created, st);
        st->created += !rc && created;
    }
    if (!rc && g->n > 1) {
        char up[16];
        common_above(g, cfg->city_code, up, sizeof up);
        rc = place(s, cal, cfg, today, g, up, "coordinate",
                   "coordinates the warning's tasks in several divisions", &created, st);
        st->coordinating += !rc && created;
    }
    return rc;
}

/* Tasks to look at after routing: overdue ones and ones whose warning closed. */
struct open_task {
    int64_t id, warning, escalated_to;
    int level, warning_open;
    int32_t due_day;
    char status[16], div[16];
};

struct pending {
    struct open_task *t;
    size_t n, cap;
    int oom;
};

static int collect_open(void *ctx, const struct cr_task *t)
{
    struct pending *p = ctx;
    if (strcmp(t->status, "closed") == 0)
        return 0;
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        struct open_task *a = realloc(p->t, nc * sizeof *a);
        if (!a)
            return p->oom = 1;
        p->t = a;
        p->cap = nc;
    }
    struct open_task *o = &p->t[p->n++];
    o->id = t->id;
    o->warning = t->warning;
    o->escalated_to = t->escalated_to;
    o->level = t->level;
    o->warning_open = strcmp(t->warning_status, "open") == 0;
    o->due_day = t->due_day;
    snprintf(o->status, sizeof o->status, "%s", t->status);
    snprintf(o->div, sizeof o->div, "%s", t->division);
    return 0;
}

struct has_action {
    const char *action;
    int found;
};

static int find_action(void *ctx, const struct cr_task_event *e)
{
    struct has_action *h = ctx;
    if (strcmp(e->action, h->action) == 0)
        h->found = 1;
    return h->found;
}

/* A task whose warning closed stays (someone may be on the way); its history says so, once. */
static cr_err note_closed(cr_store *s, const struct open_task *t, int32_t today,
                          struct cr_dispatch_stats *st)
{
    struct has_action h = {"warning_closed", 0};
    cr_err rc = cr_store_task_history_each(s, t->id, find_action, &h);
    if (rc || h.found)
        return rc;
    struct cr_task_event e = {t->id,
                              today,
                              DISPATCHER,
                              "warning_closed",
                              t->status,
                              t->status,
                              "the warning closed; the task stays until its holder closes it",
                              NULL};
    rc = cr_store_task_history_add(s, &e);
    st->warning_closed += !rc;
    return rc;
}

/* An open task of the warning at exactly division (any kind), the first by id. */
struct open_at {
    const char *div;
    int64_t id;
};

static int find_open_at(void *ctx, const struct cr_task *t)
{
    struct open_at *o = ctx;
    if (strcmp(t->division, o->div) != 0 || strcmp(t->status, "closed") == 0)
        return 0;
    o->id = t->id;
    return 1;
}

/* An overdue task is handed one level up: to the warning's open task at the parent division
 * when there is one (a coordinating task, an earlier escalation), else to a new escalation task
 * there, so a warning never has two open tasks of dispatch's making at one division. The link
 * is escalated_to (and parent for a new task); the overdue task stays as it was for its
 * holder, and its history says where it went. */
static cr_err escalate(cr_store *s, const cr_calendar *cal, const struct cr_respond_config *cfg,
                       int32_t today, const struct open_task *t, struct cr_dispatch_stats *st)
{
    char up[16], note[160], since[16], due_s[16];
    cr_division_ancestor(t->div, t->level - 1, up, sizeof up);
    /* overdue from the day after the due day (a task due on D may be closed on D) */
    day_text(t->due_day + 1, since, sizeof since);
    day_text(t->due_day, due_s, sizeof due_s);
    struct open_at o = {up, 0};
    cr_err rc = cr_store_tasks_each(s, &(struct cr_task_filter){up, NULL, t->warning, 0, 0},
                                    find_open_at, &o);
    int64_t id = o.id;
    int created = 0;
    if (!rc && !id) {
        snprintf(note, sizeof note, "escalated from task %lld (%s), overdue since %s (due %s)",
                 (long long)t->id, t->div, since, due_s);
        /* opening 0: only grid and coordinating tasks are matched against reopenings (place) */
        rc = new_task(s, cal, cfg, today, t->warning, up, "escalation", t->id, 0, note, &id,
                      &created, st);
    }
    if (!rc)
        rc = cr_store_task_update(s, t->id, NULL, NULL, id);
    if (!rc) {
        char n2[160];
        snprintf(n2, sizeof n2, "overdue since %s (due %s): escalated to %s task %lld (%s)", since,
                 due_s, created ? "new" : "open", (long long)id, up);
        struct cr_task_event e = {t->id,     today,     DISPATCHER, "escalate",
                                  t->status, t->status, n2,         NULL};
        rc = cr_store_task_history_add(s, &e);
        st->escalated++;
    }
    return rc;
}

static cr_err escalate_and_note(cr_store *s, const cr_calendar *cal,
                                const struct cr_respond_config *cfg, int32_t today,
                                struct cr_dispatch_stats *st)
{
    struct pending p = {0};
    cr_err rc = cr_store_tasks_each(s, NULL, collect_open, &p);
    if (!rc && p.oom)
        rc = CR_ENOMEM;
    for (size_t i = 0; i < p.n && !rc; i++) {
        const struct open_task *t = &p.t[i];
        if (!t->warning_open)
            rc = note_closed(s, t, today, st);
        else if (!t->escalated_to && today > t->due_day && t->level > 0)
            rc = escalate(s, cal, cfg, today, t, st);
    }
    free(p.t);
    return rc;
}

/* The task's latest step (the greatest day in its history; the later line on a tie). */
struct last_step {
    int32_t at;
    int64_t task;
    char action[24];
};

static int keep_last(void *ctx, const struct cr_task_event *e)
{
    struct last_step *l = ctx;
    if (e->at >= l->at) {
        l->at = e->at;
        l->task = e->task;
        snprintf(l->action, sizeof l->action, "%s", e->action);
    }
    return 0;
}

/* Dispatch writes history too (dispatch, escalate, warning_closed lines): a --today before the
 * latest day of the task history would date them before steps already taken. */
static cr_err check_dispatch_date(cr_store *s, int32_t today, cr_diag *d)
{
    struct last_step l = {INT32_MIN, 0, ""};
    cr_err rc = cr_store_task_history_each(s, 0, keep_last, &l);
    if (rc || l.at == INT32_MIN || today >= l.at)
        return rc;
    char a[16], b[16];
    day_text(today, a, sizeof a);
    day_text(l.at, b, sizeof b);
    return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                       "the day %s is before the latest step of the task history (task %lld: %s "
                       "on %s); the history moves forward in time",
                       a, (long long)l.task, l.action, b);
}

cr_err cr_dispatch(cr_store *s, const cr_calendar *cal, const struct cr_respond_config *cfg,
                   int32_t today, struct cr_dispatch_stats *out, cr_diag *d)
{
    /* store failures are on the handle (cr_store_errmsg); d says why a date is refused */
    struct cr_dispatch_stats st = {0};
    struct walk w = {0};
    w.city = cfg->city_code;
    cr_err rc = cr_store_begin(s);
    if (rc)
        return rc;
    rc = check_dispatch_date(s, today, d);
    if (!rc)
        rc = cr_store_tasks_upgrade(s);
    if (!rc)
        rc = cr_store_dispatch_rows(s, 0, gather, &w);
    if (!rc && w.oom)
        rc = CR_ENOMEM;
    st.warnings = (int64_t)w.n;
    for (size_t i = 0; i < w.n && !rc; i++)
        rc = route(s, cal, cfg, today, &w.g[i], &st);
    if (!rc)
        rc = escalate_and_note(s, cal, cfg, today, &st);
    if (!rc)
        rc = cr_store_commit(s);
    if (rc)
        cr_store_rollback(s);
    for (size_t i = 0; i < w.n; i++)
        free(w.g[i].div);
    free(w.g);
    if (!rc)
        *out = st;
    return rc;
}

/* ---- the lifecycle ---- */

struct one_task {
    int found;
    int64_t warning;
    int level;
    char status[16], div[16], kind[16];
};

static int get_task(void *ctx, const struct cr_task *t)
{
    struct one_task *o = ctx;
    o->found = 1;
    o->warning = t->warning;
    o->level = t->level;
    snprintf(o->status, sizeof o->status, "%s", t->status);
    snprintf(o->div, sizeof o->div, "%s", t->division);
    snprintf(o->kind, sizeof o->kind, "%s", t->kind);
    return 1;
}

struct who {
    char role[16], division[16];
};

static int get_staff(void *ctx, const struct cr_staff *st)
{
    struct who *w = ctx;
    snprintf(w->role, sizeof w->role, "%s", st->role);
    snprintf(w->division, sizeof w->division, "%s", st->division);
    return 1;
}

/* Whether division div lies inside top, a division of level top_level (top itself included): a
 * city holds the divisions of its first four digits, other divisions those beginning with their
 * code. */
static int inside(const char *div, const char *top, int top_level)
{
    return strncmp(div, top, top_level == 0 ? 4 : strlen(top)) == 0;
}

/* The tasks of one warning, by id, as they were before a close above grid level changed any. */
struct wtask {
    int64_t id;
    char div[16], kind[16], status[16];
};

struct wtasks {
    struct wtask *t;
    size_t n, cap;
    int oom;
};

static int collect_wtask(void *ctx, const struct cr_task *t)
{
    struct wtasks *w = ctx;
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 16;
        struct wtask *p = realloc(w->t, nc * sizeof *p);
        if (!p)
            return w->oom = 1;
        w->t = p;
        w->cap = nc;
    }
    struct wtask *o = &w->t[w->n++];
    o->id = t->id;
    snprintf(o->div, sizeof o->div, "%s", t->division);
    snprintf(o->kind, sizeof o->kind, "%s", t->kind);
    snprintf(o->status, sizeof o->status, "%s", t->status);
    return 0;
}

/* Whether the firms owned by division div were answered by their own grid task already: the
 * warning's latest grid task there (the greatest id) was closed before this close. */
static int answered(const struct wtasks *w, const char *div)
{
    const struct wtask *last = NULL;
    for (size_t i = 0; w && i < w->n; i++)
        if (strcmp(w->t[i].kind, "grid") == 0 && strcmp(w->t[i].div, div) == 0)
            last = &w->t[i];
    return last && strcmp(last->status, "closed") == 0;
}

/* The firms a closing task speaks for, as task_outcome events: a grid task's are the firms its
 * division owns; a task above grid level (coordinating, escalation) names the firms owned by
 * divisions inside its own, but for those their own grid task answered before (w). */
struct outcome_events {
    const char *div, *city;
    int level, above;
    const struct wtasks *w;
    struct cr_event_new *ev;
    size_t n, cap;
    int oom;
    int32_t today;
    const char *attrs;
};

static int firm_event(void *ctx, const struct cr_dispatch_row *r)
{
    struct outcome_events *o = ctx;
    const char *own = owner_of(r, o->city);
    if (o->above ? !inside(own, o->div, o->level) || answered(o->w, own) : strcmp(own, o->div) != 0)
        return 0;
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 8;
        struct cr_event_new *p = realloc(o->ev, nc * sizeof *p);
        if (!p)
            return o->oom = 1;
        o->ev = p;
        o->cap = nc;
    }
    o->ev[o->n++] = (struct cr_event_new){r->subject, o->today, INT64_MIN, o->attrs};
    return 0;
}

/* Which of the candidate firms already have an outcome event of this warning and outcome (the
 * attrs outcome_events writes: {"结果":"<outcome>","任务":N,"预警":W,...}). */
struct seen_outcome {
    struct cr_event_new *ev;
    size_t n;
    char *seen;
    char head[96], warn[48];
};

static int mark_seen(void *ctx, const struct cr_event_row *e)
{
    struct seen_outcome *so = ctx;
    char a[256];
    if (!e->attrs || e->attrs_len >= sizeof a)
        return 0; /* longer attrs are not ours */
    memcpy(a, e->attrs, e->attrs_len);
    a[e->attrs_len] = 0;
    if (strncmp(a, so->head, strlen(so->head)) != 0 || !strstr(a, so->warn))
        return 0;
    for (size_t i = 0; i < so->n; i++)
        if (so->ev[i].subject == e->subject)
            so->seen[i] = 1;
    return 0;
}

/* Drops the candidates that already have their event: a firm that moved to another grid after
 * its first grid task closed gets a second grid task, but not a second event. */
static cr_err drop_seen(cr_store *s, struct outcome_events *o, const char *outcome, int64_t warning)
{
    struct seen_outcome so = {o->ev, o->n, calloc(o->n, 1), {0}, {0}};
    int64_t *subj = malloc(o->n * sizeof *subj);
    cr_err rc = so.seen && subj ? CR_OK : CR_ENOMEM;
    snprintf(so.head, sizeof so.head, "{\"结果\":\"%s\",\"任务\":", outcome);
    snprintf(so.warn, sizeof so.warn, ",\"预警\":%lld,", (long long)warning);
    for (size_t i = 0; !rc && i < o->n; i++)
        subj[i] = o->ev[i].subject;
    if (!rc)
        rc = cr_store_events_each(s, subj, o->n, mark_seen, &so);
    size_t k = 0;
    for (size_t i = 0; !rc && i < o->n; i++)
        if (!so.seen[i])
            o->ev[k++] = o->ev[i];
    if (!rc)
        o->n = k;
    free(so.seen);
    free(subj);
    return rc;
}

/* The outcome events of a closing task (firm_event says which firms), a firm that has the event
 * of this warning and outcome already skipped (drop_seen): each (warning, firm) gets one outcome
 * event per outcome. Routing makes one grid task per (warning, division) (UNIQUE(warning,
 * division, kind, parent) with parent 0) and a closed task cannot be closed again; a task above
 * grid level speaks only for the firms no closed grid task answered, and closes the open tasks
 * below it (close_below), so they never speak again. */
static cr_err outcome_events(cr_store *s, int64_t id, const struct one_task *t, const char *outcome,
                             int32_t today, const struct wtasks *w, cr_diag *d)
{
    char attrs[256];
    snprintf(attrs, sizeof attrs, "{\"结果\":\"%s\",\"任务\":%lld,\"预警\":%lld,\"级别\":\"%s\"}",
             outcome, (long long)id, (long long)t->warning, t->kind);
    char city[16]; /* the task's own city: firms with no division are owned by it */
    cr_division_ancestor(t->div, 0, city, sizeof city);
    struct outcome_events o = {t->div, city,  t->level, strcmp(t->kind, "grid") != 0, w, NULL, 0, 0,
                               0,      today, attrs};
    cr_err rc = cr_store_dispatch_rows(s, t->warning, firm_event, &o);
    if (!rc && o.oom)
        rc = CR_ENOMEM;
    if (!rc && o.n)
        rc = drop_seen(s, &o, outcome, t->warning);
    if (!rc && o.n)
        rc = cr_store_events_append(s, "crisk/task_outcome", "任务处置结果", "task_outcome", o.ev,
                                    o.n);
    if (rc == CR_EINVAL)
        rc = cr_diag_set(d, rc, NULL, 0, 0, "cannot record the outcome of task %lld: %s",
                         (long long)id, cr_store_errmsg(s));
    free(o.ev);
    return rc;
}

/* Why action cannot follow status from, as "is …" (NULL when it can). */
static const char *refusal(const char *from, enum cr_task_action action, char *why, size_t cap)
{
    if (strcmp(from, "closed") == 0)
        return "is already closed: a closed task takes no further step (a reopened warning gets "
               "a new task at the next dispatch)";
    if (action == CR_TASK_ACCEPT) {
        if (strcmp(from, "open") == 0)
            return NULL;
        snprintf(why, cap, "is already %s: only an open task can be accepted", from);
        return why;
    }
    if (strcmp(from, "open") == 0)
        return "is open: accept it first";
    if (action == CR_TASK_VISIT && strcmp(from, "accepted") != 0)
        return "is already visited";
    return NULL; /* visiting an accepted task, closing an accepted or visited one */
}

static cr_err check_step(const struct one_task *t, enum cr_task_action action, const char **outcome,
                         const char **to, int64_t id, cr_diag *d)
{
    static const char *const verbs[] = {"", "accepted", "visited", "closed"};
    char buf[96];
    const char *why = refusal(t->status, action, buf, sizeof buf);
    if (why)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "task %lld cannot be %s: it %s", (long long)id,
                           verbs[action], why);
    *to = verbs[action];
    if (action != CR_TASK_CLOSE)
        return CR_OK;
    const char *code = cr_outcome_parse(*outcome);
    if (!code)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "unknown outcome '%s' (confirmed 属实, false_alarm 不属实/误报, "
                           "case_filed 立案查处, police 移送公安, other_department "
                           "移送其他部门, not_found 查无此企/无法联系)",
                           *outcome ? *outcome : "");
    *outcome = code;
    return CR_OK;
}

/* A step dated before the task's previous one would make its history run backwards (an outcome
 * event before the warning it answers): refused, naming that step. */
static cr_err check_date(cr_store *s, int64_t id, int32_t today, cr_diag *d)
{
    struct last_step l = {INT32_MIN, 0, ""};
    cr_err rc = cr_store_task_history_each(s, id, keep_last, &l);
    if (rc || l.at == INT32_MIN || today >= l.at)
        return rc;
    char a[16], b[16];
    day_text(today, a, sizeof a);
    day_text(l.at, b, sizeof b);
    return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                       "task %lld: the day %s is before its previous step (%s on %s); a task's "
                       "steps are dated in order",
                       (long long)id, a, l.action, b);
}

/* Whether task id's open tasks below may be closed on today: none has a step after it. */
static cr_err check_below(cr_store *s, int64_t id, const struct one_task *t, const struct wtasks *w,
                          int32_t today, cr_diag *d)
{
    cr_err rc = CR_OK;
    for (size_t i = 0; !rc && i < w->n; i++) {
        const struct wtask *b = &w->t[i];
        if (b->id != id && strcmp(b->status, "closed") != 0 && inside(b->div, t->div, t->level))
            rc = check_date(s, b->id, today, d);
    }
    return rc;
}

/* Closing a task above grid level closes the open tasks of its warning inside its division (its
 * grid tasks, a street's coordinating task below a district's escalation, …) with its outcome,
 * each with a history line of who and when saying so: the answer above stands for them, and
 * left open they would run overdue and escalate for ever. */
static cr_err close_below(cr_store *s, int64_t id, const struct one_task *t, const struct wtasks *w,
                          const char *outcome, const char *by, int32_t today, int64_t *closed)
{
    cr_err rc = CR_OK;
    for (size_t i = 0; !rc && i < w->n; i++) {
        const struct wtask *b = &w->t[i];
        if (b->id == id || strcmp(b->status, "closed") == 0 || !inside(b->div, t->div, t->level))
            continue;
        char line[200];
        snprintf(line, sizeof line, "closed by task %lld above (%s, %s): %s %s", (long long)id,
                 t->kind, t->div, outcome, cr_outcome_label(outcome));
        rc = cr_store_task_update(s, b->id, "closed", outcome, 0);
        if (!rc) {
            struct cr_task_event e = {b->id, today, by, "close", b->status, "closed", line, NULL};
            rc = cr_store_task_history_add(s, &e);
        }
        *closed += !rc;
    }
    return rc;
}

/* A note is UTF-8 text of at most max bytes (0: no bound) that cr_note_problem takes (the API's
 * rule: a note is printed to terminals and pages): nothing is cut. */
static cr_err check_note(const char *note, const struct cr_respond_config *cfg, int64_t id,
                         cr_diag *d)
{
    if (!note)
        return CR_OK;
    size_t n = strlen(note);
    char buf[CR_TEXT_WHY_CAP];
    const char *why = cr_note_problem(note, n, buf);
    if (why)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "task %lld: the note: %s (a note keeps tabs and line breaks, nothing "
                           "that hides or reorders text); nothing was changed",
                           (long long)id, why);
    size_t max = cfg ? cfg->note_max_bytes : 0;
    if (max && n > max)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "task %lld: the note is %zu bytes, over the limit of %zu "
                           "(note_max_bytes in the respond policy, %s); nothing was changed (a "
                           "note is never cut)",
                           (long long)id, n, max, cr_respond_policy_name(cfg));
    return CR_OK;
}

/* The history line of a step: the outcome and its label before the note when closing. */
static char *step_line(enum cr_task_action action, const char *outcome, const char *note)
{
    const char *nt = note ? note : "";
    size_t cap = strlen(nt) + 128;
    char *line = malloc(cap);
    if (!line)
        return NULL;
    if (action == CR_TASK_CLOSE)
        snprintf(line, cap, "%s %s%s%s", outcome, cr_outcome_label(outcome), *nt ? ": " : "", nt);
    else
        snprintf(line, cap, "%s", nt);
    return line;
}

cr_err cr_task_step(cr_store *s, const struct cr_respond_config *cfg, int64_t id,
                    enum cr_task_action action, const char *outcome, const char *note,
                    const char *by, int32_t today, int64_t *closed_below, cr_diag *d)
{
    struct one_task t = {0};
    struct who w = {{0}, {0}};
    struct wtasks below = {0};
    int found = 0;
    int64_t closed = 0;
    cr_err rc = check_note(note, cfg, id, d);
    if (rc)
        return rc;
    rc = cr_store_begin(s);
    if (rc)
        return rc;
    rc = cr_store_tasks_each(s, &(struct cr_task_filter){NULL, NULL, 0, 0, id}, get_task, &t);
    if (!rc && !t.found)
        rc = cr_diag_set(d, CR_ENOTFOUND, NULL, 0, 0, "no task %lld", (long long)id);
    if (!rc)
        rc = cr_store_staff_get(s, by, get_staff, &w, &found);
    if (!rc && !found)
        rc = cr_diag_set(d, CR_ENOTFOUND, NULL, 0, 0,
                         "no staff member '%s' in the roster (crisk roster loads it)", by);
    /* the city's staff cover every division of their city (the first four digits of their
     * code); others their own and what lies inside it */
    if (!rc && strncmp(t.div, w.division,
                       cr_division_level(w.division) == 0 ? 4 : strlen(w.division)) != 0)
        rc = cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                         "%s (%s of %s) may not act on task %lld of division %s, which %s does "
                         "not cover",
                         by, w.role, w.division, (long long)id, t.div, w.division);
    const char *to = NULL;
    if (!rc)
        rc = check_step(&t, action, &outcome, &to, id, d);
    if (!rc)
        rc = check_date(s, id, today, d);
    int above = action == CR_TASK_CLOSE && strcmp(t.kind, "grid") != 0;
    if (!rc && above) {
        rc = cr_store_tasks_each(s, &(struct cr_task_filter){NULL, NULL, t.warning, 0, 0},
                                 collect_wtask, &below);
        if (!rc && below.oom)
            rc = CR_ENOMEM;
        if (!rc)
            rc = check_below(s, id, &t, &below, today, d);
    }
    if (!rc)
        rc = cr_store_task_update(s, id, to, action == CR_TASK_CLOSE ? outcome : NULL, 0);
    if (!rc) {
        static const char *const names[] = {"", "accept", "visit", "close"};
        char *line = step_line(action, outcome, note);
        struct cr_task_event e = {id, today, by, names[action], t.status, to, line, NULL};
        rc = line ? cr_store_task_history_add(s, &e) : CR_ENOMEM;
        free(line);
    }
    if (!rc && action == CR_TASK_CLOSE)
        rc = outcome_events(s, id, &t, outcome, today, above ? &below : NULL, d);
    if (!rc && above)
        rc = close_below(s, id, &t, &below, outcome, by, today, &closed);
    if (!rc)
        rc = cr_store_commit(s);
    if (rc)
        cr_store_rollback(s);
    free(below.t);
    if (!rc && closed_below)
        *closed_below = closed;
    return rc;
}

int cr_task_overdue(const struct cr_task *t, int32_t today)
{
    return strcmp(t->status, "closed") != 0 && strcmp(t->warning_status, "open") == 0 &&
           today > t->due_day;
}
