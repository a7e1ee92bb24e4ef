/* The routes of the respond stage (docs/serve.md "Tasks"): tasks of the divisions inside the
 * caller's jurisdiction, one task with its history and firms, and its transitions through
 * cr_task_step under the server's respond policy. A task is the caller's when its division lies
 * inside the caller's jurisdiction (a district officer sees the district's, its streets' and grids'
 * tasks; a grid inspector the grid's). Who acts is a staff member of the roster: the user's name,
 * or the staff id given as "by", whose division must lie inside the caller's jurisdiction;
 * cr_task_step then checks that the staff member's division covers the task's (docs/respond.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/push.h"
#include "crisk/ref.h"
#include "crisk/respond.h"
#include "crisk/text.h"
#include "server.h"

json_t *srv_task_json(struct srv *s, const struct cr_task *t, int32_t today)
{
    const cr_ref *ref = srv_ref(s);
    const struct cr_division *dv =
        ref && t->division[0] ? cr_ref_division_find(ref, t->division) : NULL;
    const char *label = cr_push_detector_label(t->detector);
    return json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:i,s:s,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:b,s:o,s:o}",
                     "id", (json_int_t)t->id, "warning", (json_int_t)t->warning, "detector",
                     t->detector, "detector_label", label ? label : t->detector, "warning_status",
                     t->warning_status, "summary", t->summary, "level", t->level, "division",
                     t->division, "division_name", dv ? json_string(dv->name) : json_null(), "kind",
                     t->kind, "status", t->status, "outcome", srv_str_or_null(t->outcome),
                     "outcome_label",
                     srv_str_or_null(t->outcome[0] ? cr_outcome_label(t->outcome) : NULL),
                     "created", srv_day_json(t->created_day), "due", srv_day_json(t->due_day),
                     "overdue", cr_task_overdue(t, today), "parent",
                     t->parent ? json_integer((json_int_t)t->parent) : json_null(), "escalated_to",
                     t->escalated_to ? json_integer((json_int_t)t->escalated_to) : json_null());
}

/* ---- the list ---- */
struct tlist {
    struct srv *s;
    json_t *all;
    const char *detector;
    int active, overdue;
    int32_t today;
};

static int tlist_row(void *ctx, const struct cr_task *t)
{
    struct tlist *x = ctx;
    int closed = strcmp(t->status, "closed") == 0;
    if ((x->detector && strcmp(x->detector, t->detector) != 0) || (x->active && closed) ||
        (x->overdue && !cr_task_overdue(t, x->today)))
        return 0;
    json_array_append_new(x->all, srv_task_json(x->s, t, x->today));
    return 0;
}

static int status_known(const char *s)
{
    return !strcmp(s, "open") || !strcmp(s, "accepted") || !strcmp(s, "visited") ||
           !strcmp(s, "closed");
}

static void get_tasks(struct srv_req *r, struct srv_reply *out)
{
    const struct srv_config *c = srv_cfg(r->srv);
    const char *status = srv_query(r, "status"), *detector = srv_query(r, "detector");
    long long limit = srv_query_limit(r, c->list_limit);
    long long offset = srv_query_num(r, "offset", 0, 0, INT32_MAX);
    long long warning = srv_query_num(r, "warning", 0, 1, INT64_MAX);
    long long overdue = srv_query_num(r, "overdue", 0, 0, 1);
    char div[16];
    int f = srv_division_filter(r->srv, r->user, srv_query(r, "division"), div);
    int active = status && strcmp(status, "active") == 0;
    int64_t firm = 0;
    int fa = srv_firm_arg(r, &firm);
    if (fa == -2) {
        srv_store_error(out, r->db);
        return;
    }
    if (limit < 0 || offset < 0 || warning < 0 || overdue < 0 || f < 0 || fa < 0 ||
        (status && !active && !status_known(status)) ||
        (detector && !cr_push_detector_label(detector))) {
        srv_error(
            out, 400, "bad_request",
            "tasks takes status (open, accepted, visited, closed or active), division (a "
            "division code), detector, warning (an id), firm (a USCC), overdue (0 or 1), limit "
            "and offset");
        return;
    }
    struct tlist x = {r->srv, json_array(), detector, active, (int)overdue, srv_today()};
    struct cr_task_filter tf = {div[0] ? div : NULL, active ? NULL : status, warning, firm, 0};
    if (!f && firm >= 0 && cr_store_tasks_each(r->db, &tf, tlist_row, &x)) {
        json_decref(x.all);
        srv_store_error(out, r->db);
        return;
    }
    size_t total = json_array_size(x.all);
    json_t *page = json_array();
    for (size_t k = (size_t)offset; k < total && json_array_size(page) < (size_t)limit; k++)
        json_array_append(page, json_array_get(x.all, total - 1 - k));
    json_decref(x.all);
    out->status = 200;
    out->json = json_pack("{s:I,s:I,s:o}", "count", (json_int_t)json_array_size(page), "total",
                          (json_int_t)total, "tasks", page);
}

/* ---- one task ---- */
struct tone {
    struct srv *s;
    json_t *t;
    char division[16], status[16];
    int level;
    int64_t warning;
};

static int tone_row(void *ctx, const struct cr_task *t)
{
    struct tone *x = ctx;
    x->t = srv_task_json(x->s, t, srv_today());
    snprintf(x->division, sizeof x->division, "%s", t->division);
    snprintf(x->status, sizeof x->status, "%s", t->status);
    x->level = t->level;
    x->warning = t->warning;
    return 1;
}

/* Task id into x when it lies in the user's jurisdiction: 0, 404 or 500. */
static int task_find(struct srv_req *r, int64_t id, struct tone *x)
{
    memset(x, 0, sizeof *x);
    x->s = r->srv;
    if (id < 0)
        return 404;
    struct cr_task_filter tf = {NULL, NULL, 0, 0, id};
    if (cr_store_tasks_each(r->db, &tf, tone_row, x))
        return 500;
    if (!x->t)
        return 404;
    if (!srv_division_in_scope(r->user, x->division)) {
        json_decref(x->t);
        x->t = NULL;
        return 404;
    }
    return 0;
}

static int history_row(void *ctx, const struct cr_task_event *e)
{
    json_array_append_new(ctx, json_pack("{s:o,s:s,s:s,s:o,s:s,s:o}", "at", srv_day_json(e->at),
                                         "by", e->by, "action", e->action, "from",
                                         srv_str_or_null(e->from_status), "to", e->to_status,
                                         "note", srv_str_or_null(e->note)));
    return 0;
}

struct tfirms {
    const struct srv_user *u;
    const char *division;
    int level;
    json_t *firms;
    int64_t outside;
};

/* Whether a firm lies in the task's division (a city task: the city's firms). */
static int in_division(const char *division, int level, const struct cr_warning_row *w)
{
    const char *code = w->grid[0] ? w->grid : w->street[0] ? w->street : w->district;
    size_t n = level == 0 ? 4 : strlen(division);
    return strncmp(code, division, n) == 0;
}

static int tfirm_row(void *ctx, const struct cr_warning_row *w)
{
    struct tfirms *x = ctx;
    if (!in_division(x->division, x->level, w))
        return 0;
    if (!srv_in_scope(x->u, w->district, w->street, w->grid)) {
        x->outside++;
        return 0;
    }
    json_array_append_new(
        x->firms, json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "uscc", w->uscc, "name", w->name,
                            "address", w->address, "district", srv_str_or_null(w->district),
                            "street", srv_str_or_null(w->street), "grid", srv_str_or_null(w->grid),
                            "lon", w->has_geo ? json_real(w->lon) : json_null(), "lat",
                            w->has_geo ? json_real(w->lat) : json_null()));
    return 0;
}

/* Adds history, firms and next to a task found by task_find: 0 or 500. */
static int task_detail(struct srv_req *r, int64_t id, struct tone *x)
{
    json_t *hist = json_array();
    struct tfirms tf = {r->user, x->division, x->level, json_array(), 0};
    if (cr_store_task_history_each(r->db, id, history_row, hist) ||
        cr_store_warning_rows_of(r->db, x->warning, tfirm_row, &tf)) {
        json_decref(hist);
        json_decref(tf.firms);
        return 500;
    }
    json_object_set_new(x->t, "history", hist);
    json_object_set_new(x->t, "firms", tf.firms);
    json_object_set_new(x->t, "firms_outside", json_integer(tf.outside));
    json_t *next = json_array();
    if (strcmp(x->status, "open") == 0)
        json_array_append_new(next, json_string("accept"));
    if (strcmp(x->status, "accepted") == 0)
        json_array_append_new(next, json_string("visit"));
    if (strcmp(x->status, "accepted") == 0 || strcmp(x->status, "visited") == 0)
        json_array_append_new(next, json_string("close"));
    json_object_set_new(x->t, "next", next);
    return 0;
}

static void get_task(struct srv_req *r, struct srv_reply *out)
{
    int64_t id = srv_param_id(r, 0);
    snprintf(r->audit_object, sizeof r->audit_object, "task:%s", r->param[0]);
    struct tone x;
    int st = task_find(r, id, &x);
    if (!st && (st = task_detail(r, id, &x)))
        json_decref(x.t);
    if (st == 404)
        srv_error(out, 404, "not_found", "no such task");
    else if (st)
        srv_store_error(out, r->db);
    else {
        out->status = 200;
        out->json = x.t;
    }
}

/* ---- transitions ---- */
struct staff_ctx {
    char division[16];
};

static int staff_row(void *ctx, const struct cr_staff *st)
{
    struct staff_ctx *x = ctx;
    snprintf(x->division, sizeof x->division, "%s", st->division);
    return 0;
}

struct act {
    int64_t id;
    enum cr_task_action action;
    const char *outcome, *note, *by;
    int32_t day;
    const struct cr_respond_config *policy;
    cr_diag d;
    int ran;
};

static cr_err act_write(void *ctx, cr_store *w)
{
    struct act *a = ctx;
    a->ran = 1;
    return cr_task_step(w, a->policy, a->id, a->action, a->outcome, a->note, a->by, a->day, NULL,
                        &a->d);
}

/* A text field of the body: *out NULL when absent; -1 when it is not a string or longer than
 * max bytes or holds a control character; a note (note 1) holds what cr_note_problem takes,
 * else -1 with its phrase in why. */
static int body_text(const json_t *body, const char *key, size_t max, int note, const char **out,
                     char why[CR_TEXT_WHY_CAP])
{
    json_t *v = json_object_get(body, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) > max)
        return -1;
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
        return -1;
    if (note) {
        const char *w = cr_note_problem(s, strlen(s), why);
        if (w) {
            if (w != why)
                snprintf(why, CR_TEXT_WHY_CAP, "%s", w);
            return -1;
        }
    } else {
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            if (*p < 0x20 || *p == 0x7f)
                return -1;
    }
    *out = s;
    return 0;
}

static void post_act(struct srv_req *r, struct srv_reply *out, enum cr_task_action action)
{
    int64_t id = srv_param_id(r, 0);
    snprintf(r->audit_object, sizeof r->audit_object, "task:%s", r->param[0]);
    if (srv_body_keys(r, out, "note,outcome,by,day"))
        return;
    struct tone x;
    int st = task_find(r, id, &x);
    if (st) {
        if (st == 404)
            srv_error(out, 404, "not_found", "no such task");
        else
            srv_store_error(out, r->db);
        return;
    }
    json_decref(x.t);
    const struct cr_respond_config *policy = srv_respond(r->srv);
    struct act a = {id, action, NULL, NULL, NULL, 0, policy, {{0}, {0}, 0, 0}, 0};
    const char *day_s = NULL;
    int32_t today = srv_today();
    char twhy[CR_TEXT_WHY_CAP] = "";
    if (body_text(r->body, "note", policy->note_max_bytes, 1, &a.note, twhy)) {
        char msg[CR_TEXT_WHY_CAP + 120];
        if (twhy[0])
            snprintf(msg, sizeof msg, "the note: %s", twhy);
        else
            snprintf(msg, sizeof msg,
                     "the note: text of at most %zu bytes (note_max_bytes of the respond policy)",
                     policy->note_max_bytes);
        srv_error(out, 400, "bad_request", msg);
        return;
    }
    const char *bad = NULL;
    if (body_text(r->body, "by", policy->roster_max_bytes[0], 0, &a.by, twhy))
        bad = "by must be a staff id of the roster (text of at most roster_max_bytes.id bytes "
              "of the respond policy)";
    else if (body_text(r->body, "day", 10, 0, &day_s, twhy) || srv_day_arg(day_s, today, &a.day))
        bad = "day must be a date YYYY-MM-DD";
    else if (a.day > today)
        bad = "day must not be after today";
    else if (body_text(r->body, "outcome", 64, 0, &a.outcome, twhy))
        bad = "outcome must be a code or label of the vocabulary (GET /api/v1/vocabulary)";
    if (bad) {
        srv_error(out, 400, "bad_request", bad);
        return;
    }
    if (action == CR_TASK_CLOSE && (!a.outcome || !cr_outcome_parse(a.outcome))) {
        srv_error(out, 400, "bad_request",
                  "closing needs an outcome of the vocabulary, its code or Chinese label (GET "
                  "/api/v1/vocabulary)");
        return;
    }
    if (action != CR_TASK_CLOSE && a.outcome) {
        srv_error(out, 400, "bad_request", "only closing takes an outcome");
        return;
    }
    if (!a.by)
        a.by = r->user->name;
    struct staff_ctx sc = {""};
    int found = 0;
    if (cr_store_staff_get(r->db, a.by, staff_row, &sc, &found)) {
        srv_store_error(out, r->db);
        return;
    }
    if (!found || !srv_division_in_scope(r->user, sc.division)) {
        srv_error(out, 403, "not_staff",
                  "the one acting must be a staff member of the roster (by default the user's "
                  "name) working inside your jurisdiction");
        return;
    }
    char why[300];
    cr_err rc = srv_write_own(r->srv, 1, act_write, &a, why, sizeof why);
    if (rc && !a.ran) {
        fprintf(stderr, "crisk serve: cannot act on a task: %s\n", why);
        srv_error(out, 503, "store_busy", "the store is busy (another verb holds its lock)");
        return;
    }
    if (rc == CR_EINVAL) {
        srv_error(out, 409, "conflict", a.d.msg[0] ? a.d.msg : "the step is not allowed now");
        return;
    }
    if (rc == CR_ENOTFOUND) {
        srv_error(out, 404, "not_found", a.d.msg[0] ? a.d.msg : "no such task");
        return;
    }
    if (rc) {
        fprintf(stderr, "crisk serve: task %lld: %s\n", (long long)id, a.d.msg[0] ? a.d.msg : why);
        srv_error(out, rc == CR_ERANGE ? 409 : 500, rc == CR_ERANGE ? "conflict" : "store",
                  a.d.msg[0] ? a.d.msg : "the store failed to write");
        return;
    }
    if ((st = task_find(r, id, &x)) || (st = task_detail(r, id, &x))) {
        if (!st)
            json_decref(x.t);
        srv_store_error(out, r->db);
        return;
    }
    out->status = 200;
    out->json = x.t;
}

static void post_accept(struct srv_req *r, struct srv_reply *out)
{
    post_act(r, out, CR_TASK_ACCEPT);
}

static void post_visit(struct srv_req *r, struct srv_reply *out)
{
    post_act(r, out, CR_TASK_VISIT);
}

static void post_close(struct srv_req *r, struct srv_reply *out)
{
    post_act(r, out, CR_TASK_CLOSE);
}

/* Who may act on tasks: everyone with a jurisdiction but the city analyst and the auditor
 * (readers of the city's data, not its officers). */
#define ACTORS                                                                                     \
    (SRV_ROLE(SRV_CITY_ADMIN) | SRV_ROLE(SRV_DISTRICT) | SRV_ROLE(SRV_STREET) | SRV_ROLE(SRV_GRID))

static const struct srv_route routes[] = {
    {"GET", "/api/v1/tasks", get_tasks, SRV_READERS, 0, "tasks"},
    {"GET", "/api/v1/tasks/{id}", get_task, SRV_READERS, SRV_AUDIT, "task"},
    {"POST", "/api/v1/tasks/{id}/accept", post_accept, ACTORS, SRV_WRITE | SRV_LOCK, "task.accept"},
    {"POST", "/api/v1/tasks/{id}/visit", post_visit, ACTORS, SRV_WRITE | SRV_LOCK, "task.visit"},
    {"POST", "/api/v1/tasks/{id}/close", post_close, ACTORS, SRV_WRITE | SRV_LOCK, "task.close"},
};

const struct srv_route_table srv_routes_respond = {"respond", routes,
                                                   sizeof routes / sizeof *routes};
