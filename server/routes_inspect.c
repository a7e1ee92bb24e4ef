/* The routes of the inspect stage (docs/serve.md "Plans, draws and inspections"): plans (read
 * by every reader: they name no firm; recorded by the city), a draw with its firms inside the
 * caller's jurisdiction and their inspectors, its verification, inspections of firms inside
 * the jurisdiction (with crisk inspections --due's publish_by and late), and a result recorded
 * through cr_inspect_record. An inspection is the caller's when its firm is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crisk/calendar.h"
#include "crisk/inspect.h"
#include "server.h"

/* ---- firms' places, by subject ---- */
struct place {
    int64_t subject;
    char uscc[40], district[16], street[16], grid[16];
    char *name;
    int found;
};

struct places {
    struct place *v;
    size_t n, cur;
};

static int place_row(void *ctx, const struct cr_firm_brief *b)
{
    struct places *p = ctx;
    while (p->cur < p->n && p->v[p->cur].subject != b->subject)
        p->cur++;
    if (p->cur == p->n)
        return 0;
    struct place *x = &p->v[p->cur++];
    snprintf(x->uscc, sizeof x->uscc, "%s", b->uscc);
    snprintf(x->district, sizeof x->district, "%s", b->district);
    snprintf(x->street, sizeof x->street, "%s", b->street);
    snprintf(x->grid, sizeof x->grid, "%s", b->grid);
    x->name = strdup(b->name);
    x->found = 1;
    return 0;
}

/* Reads the places of p->v[0..n) (subjects set, in any order). */
static cr_err places_read(cr_store *db, struct places *p)
{
    int64_t *subj = malloc((p->n ? p->n : 1) * sizeof *subj);
    if (!subj)
        return CR_ENOMEM;
    for (size_t i = 0; i < p->n; i++)
        subj[i] = p->v[i].subject;
    p->cur = 0;
    cr_err rc = cr_store_firm_briefs(db, subj, p->n, place_row, p);
    free(subj);
    return rc;
}

static void places_free(struct places *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i].name);
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

static int place_in_scope(const struct srv_user *u, const struct place *p)
{
    return p->found && srv_in_scope(u, p->district, p->street, p->grid);
}

static json_t *split_ids(const char *s)
{
    json_t *a = json_array();
    while (s && *s) {
        const char *e = strchr(s, ';');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n)
            json_array_append_new(a, json_stringn(s, n));
        s = e ? e + 1 : NULL;
    }
    return a;
}

/* ---- plans ---- */
struct plan_ctx {
    cr_store *db;
    json_t *arr;
    int detail;
    cr_err rc;
};

static int plan_row(void *ctx, const struct cr_plan_rec *p)
{
    struct plan_ctx *x = ctx;
    int64_t draw = 0;
    cr_err rc = cr_store_plan_live_draw(x->db, p->id, &draw);
    if (rc && rc != CR_ENOTFOUND) {
        x->rc = rc;
        return 1;
    }
    json_t *counts = p->counts ? json_loads(p->counts, 0, NULL) : NULL;
    json_t *o = json_pack(
        "{s:I,s:s,s:o,s:i,s:b,s:o,s:o,s:I,s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)p->id, "name",
        p->name, "batch", srv_str_or_null(p->batch), "year", p->year, "routine", p->routine, "day",
        srv_day_json(p->day), "created", srv_str_or_null(p->created), "run", (json_int_t)p->run,
        "eligible", (json_int_t)p->eligible, "hash", srv_str_or_null(p->hash), "eligible_hash",
        srv_str_or_null(p->eligible_hash), "counts", counts ? counts : json_object(), "draw",
        draw ? json_integer((json_int_t)draw) : json_null());
    if (x->detail) {
        json_t *settings = p->settings ? json_loads(p->settings, 0, NULL) : NULL;
        json_object_set_new(o, "settings", settings ? settings : json_object());
        json_object_set_new(o, "text", srv_str_or_null(p->text));
    }
    json_array_append_new(x->arr, o);
    return 0;
}

static void get_plans(struct srv_req *r, struct srv_reply *out)
{
    struct plan_ctx x = {r->db, json_array(), 0, CR_OK};
    if (cr_store_plans_each(r->db, 0, plan_row, &x) || x.rc) {
        json_decref(x.arr);
        srv_store_error(out, r->db);
        return;
    }
    /* newest first */
    json_t *rev = json_array();
    for (size_t i = json_array_size(x.arr); i > 0; i--)
        json_array_append(rev, json_array_get(x.arr, i - 1));
    json_decref(x.arr);
    out->status = 200;
    out->json = json_pack("{s:o}", "plans", rev);
}

static void get_plan(struct srv_req *r, struct srv_reply *out)
{
    int64_t id = srv_param_id(r, 0);
    struct plan_ctx x = {r->db, json_array(), 1, CR_OK};
    cr_err rc = id < 0 ? CR_ENOTFOUND : cr_store_plans_each(r->db, id, plan_row, &x);
    if (!rc)
        rc = x.rc;
    if (rc || !json_array_size(x.arr)) {
        json_decref(x.arr);
        if (rc && rc != CR_ENOTFOUND)
            srv_store_error(out, r->db);
        else
            srv_error(out, 404, "not_found", "no such plan");
        return;
    }
    out->status = 200;
    out->json = json_incref(json_array_get(x.arr, 0));
    json_decref(x.arr);
}

struct plan_w {
    const char *path;
    int32_t day;
    json_t *report;
    cr_diag d;
    int ran;
};

static cr_err plan_write(void *ctx, cr_store *w)
{
    struct plan_w *x = ctx;
    x->ran = 1;
    return cr_inspect_plan(w, x->path, x->day, &x->report, &x->d);
}

/* Whether every name of files is a plain file name (not plan.yaml) with a string text. */
static int side_files_ok(json_t *files)
{
    const char *name;
    json_t *v;
    json_object_foreach(files, name, v)
    {
        size_t n = strlen(name);
        if (!n || n > 64 || name[0] == '.' || strcmp(name, "plan.yaml") == 0 ||
            strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
                n ||
            !json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
            return 0;
    }
    return 1;
}

/* Writes a JSON string's text to a new file at path: 1 on success. */
static int put_file(const char *path, const json_t *text)
{
    FILE *fp = fopen(path, "wbx");
    if (!fp)
        return 0;
    int ok = fwrite(json_string_value(text), 1, json_string_length(text), fp) ==
             json_string_length(text);
    return (fclose(fp) == 0) & ok;
}

static void post_plan(struct srv_req *r, struct srv_reply *out)
{
    json_t *text = json_object_get(r->body, "text");
    const char *day_s = json_string_value(json_object_get(r->body, "day"));
    int32_t today = srv_today(), day;
    snprintf(r->audit_object, sizeof r->audit_object, "plan");
    if (srv_body_keys(r, out, "text,files,day"))
        return;
    if (!json_is_string(text) || !json_string_length(text) ||
        strlen(json_string_value(text)) != json_string_length(text) ||
        (json_object_get(r->body, "day") && !day_s) || srv_day_arg(day_s, today, &day) ||
        day > today) {
        srv_error(out, 400, "bad_request",
                  "a plan needs text (the plan file's text) and may take day (YYYY-MM-DD, not "
                  "after today)");
        return;
    }
    /* The library reads a plan file: the text goes into a private directory of its own, so
     * that a file name inside the plan finds nothing of the server's. */
    const char *tmpdir = getenv("TMPDIR");
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/crisk-plan-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    json_t *files = json_object_get(r->body, "files");
    if (files && (!json_is_object(files) || json_object_size(files) > 8 || !side_files_ok(files))) {
        srv_error(out, 400, "bad_request",
                  "files is an object of at most 8 plain file names (letters, digits, '.', '-', "
                  "'_'; not plan.yaml) to their text");
        return;
    }
    int ok = mkdtemp(dir) != NULL;
    snprintf(path, sizeof path, "%s/plan.yaml", dir);
    ok = ok && put_file(path, text);
    const char *fname;
    json_t *ftext;
    json_object_foreach(files, fname, ftext)
    {
        char fpath[4400];
        snprintf(fpath, sizeof fpath, "%s/%s", dir, fname);
        ok = ok && put_file(fpath, ftext);
    }
    struct plan_w x = {path, day, NULL, {{0}, {0}, 0, 0}, 0};
    char why[300] = "";
    cr_err rc = ok ? srv_write_own(r->srv, 1, plan_write, &x, why, sizeof why) : CR_EIO;
    unlink(path);
    json_object_foreach(files, fname, ftext)
    {
        char fpath[4400];
        snprintf(fpath, sizeof fpath, "%s/%s", dir, fname);
        unlink(fpath);
    }
    rmdir(dir);
    if (!ok) {
        srv_error(out, 500, "internal", "the plan cannot be staged");
    } else if (rc && !x.ran) {
        fprintf(stderr, "crisk serve: cannot record a plan: %s\n", why);
        srv_error(out, 503, "store_busy", "the store is busy (another verb holds its lock)");
    } else if (rc == CR_EPARSE || rc == CR_EINVAL || rc == CR_ENOTFOUND || rc == CR_EIO) {
        /* The message without the staging directory: line and reason. */
        char msg[600];
        if (x.d.line)
            snprintf(msg, sizeof msg, "line %ld: %s", (long)x.d.line, x.d.msg);
        else
            snprintf(msg, sizeof msg, "%s", x.d.msg[0] ? x.d.msg : cr_strerror(rc));
        srv_error(out, 400, "bad_plan", msg);
    } else if (rc) {
        fprintf(stderr, "crisk serve: cannot record a plan: %s\n", x.d.msg[0] ? x.d.msg : why);
        srv_error(out, 500, "store", "the plan cannot be recorded");
    } else {
        json_t *id = json_object_get(x.report, "plan");
        snprintf(r->audit_object, sizeof r->audit_object, "plan:%lld",
                 (long long)json_integer_value(id));
        out->status = 201;
        out->json = json_pack("{s:O,s:O,s:O}", "plan", id, "eligible",
                              json_object_get(x.report, "eligible"), "report", x.report);
    }
    json_decref(x.report);
}

/* ---- draws ---- */
static int draw_rec_row(void *ctx, const struct cr_draw_rec *d)
{
    json_t *rep = d->report ? json_loads(d->report, 0, NULL) : NULL;
    json_t *o = json_pack("{s:I,s:I,s:s,s:o,s:o,s:I,s:f,s:o,s:o}", "id", (json_int_t)d->id, "plan",
                          (json_int_t)d->plan, "seed", d->seed, "day", srv_day_json(d->day),
                          "created", srv_str_or_null(d->created), "sampled", (json_int_t)d->sampled,
                          "seconds", d->seconds, "report", rep ? rep : json_object(), "void",
                          d->void_by ? json_pack("{s:s,s:o,s:o,s:o}", "by", d->void_by, "reason",
                                                 srv_str_or_null(d->void_reason), "day",
                                                 srv_day_json(d->void_day), "at",
                                                 srv_str_or_null(d->voided))
                                     : json_null());
    *(json_t **)ctx = o;
    return 0;
}

struct dfirm {
    int64_t subject, inspection;
    char level[2], arm[16];
    char *inspectors, *unstaffed;
};
struct dfirms {
    struct dfirm *v;
    size_t n, cap;
};

static int draw_firm_row(void *ctx, const struct cr_draw_firm *f)
{
    struct dfirms *x = ctx;
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 64;
        struct dfirm *v = realloc(x->v, cap * sizeof *v);
        if (!v)
            return 1;
        x->v = v;
        x->cap = cap;
    }
    struct dfirm *d = &x->v[x->n++];
    d->subject = f->subject;
    d->inspection = f->inspection;
    d->level[0] = f->level;
    d->level[1] = 0;
    snprintf(d->arm, sizeof d->arm, "%s", f->arm ? f->arm : "");
    d->inspectors = strdup(f->inspectors ? f->inspectors : "");
    d->unstaffed = f->unstaffed ? strdup(f->unstaffed) : NULL;
    return 0;
}

static void get_draw(struct srv_req *r, struct srv_reply *out)
{
    int64_t id = srv_param_id(r, 0);
    snprintf(r->audit_object, sizeof r->audit_object, "draw:%s", r->param[0]);
    json_t *o = NULL;
    cr_err rc = id < 0 ? CR_ENOTFOUND : cr_store_draw_get(r->db, id, draw_rec_row, &o);
    if (rc) {
        json_decref(o);
        if (rc == CR_ENOTFOUND)
            srv_error(out, 404, "not_found", "no such draw");
        else
            srv_store_error(out, r->db);
        return;
    }
    struct dfirms f = {0};
    struct places p = {0};
    rc = cr_store_draw_firms(r->db, id, draw_firm_row, &f);
    if (!rc && !(p.v = calloc(f.n ? f.n : 1, sizeof *p.v)))
        rc = CR_ENOMEM;
    if (!rc) {
        p.n = f.n;
        for (size_t i = 0; i < f.n; i++)
            p.v[i].subject = f.v[i].subject;
        rc = places_read(r->db, &p);
    }
    json_t *firms = json_array();
    int64_t outside = 0;
    for (size_t i = 0; !rc && i < f.n; i++) {
        if (!place_in_scope(r->user, &p.v[i])) {
            outside++;
            continue;
        }
        json_array_append_new(firms,
                              json_pack("{s:s,s:s,s:o,s:o,s:o,s:s,s:s,s:o,s:o,s:I}", "uscc",
                                        p.v[i].uscc, "name", p.v[i].name ? p.v[i].name : "",
                                        "district", srv_str_or_null(p.v[i].district), "street",
                                        srv_str_or_null(p.v[i].street), "grid",
                                        srv_str_or_null(p.v[i].grid), "level", f.v[i].level, "arm",
                                        f.v[i].arm, "inspectors", split_ids(f.v[i].inspectors),
                                        "unstaffed", srv_str_or_null(f.v[i].unstaffed),
                                        "inspection", (json_int_t)f.v[i].inspection));
    }
    for (size_t i = 0; i < f.n; i++) {
        free(f.v[i].inspectors);
        free(f.v[i].unstaffed);
    }
    free(f.v);
    places_free(&p);
    if (rc) {
        json_decref(firms);
        json_decref(o);
        srv_store_error(out, r->db);
        return;
    }
    /* The draw's report counts the whole city's sample; its examples of unstaffed firms may
     * lie anywhere: a scoped caller sees the counts only. */
    if (srv_scope(r->user)[0])
        json_object_del(json_object_get(o, "report"), "unstaffed_examples");
    json_object_set_new(o, "firms", firms);
    json_object_set_new(o, "firms_outside", json_integer(outside));
    out->status = 200;
    out->json = o;
}

static void get_verify(struct srv_req *r, struct srv_reply *out)
{
    int64_t id = srv_param_id(r, 0);
    int match = 0;
    json_t *rep = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_err rc = id < 0 ? CR_ENOTFOUND : cr_inspect_verify(r->db, id, &match, &rep, &d);
    if (rc == CR_ENOTFOUND) {
        srv_error(out, 404, "not_found", "no such draw");
        return;
    }
    if (rc) {
        fprintf(stderr, "crisk serve: verify draw %lld: %s\n", (long long)id, d.msg);
        srv_error(out, 500, "verify", "the draw cannot be recomputed");
        json_decref(rep);
        return;
    }
    /* The differences may name firms (and their inspectors) of any district: the city's roles
     * only; a scoped user sees whether the draw matches and how many problems there are. */
    if (srv_scope(r->user)[0]) {
        json_object_del(rep, "first_difference");
        json_object_del(rep, "inspection_differences");
        json_t *pr = json_object_get(rep, "problems");
        json_object_set_new(rep, "problems_count", json_integer((json_int_t)json_array_size(pr)));
        json_object_del(rep, "problems");
    }
    out->status = 200;
    out->json = json_pack("{s:I,s:b,s:o}", "draw", (json_int_t)id, "match", match, "report", rep);
}

/* ---- inspections ---- */
struct irow {
    json_t *o;
    int64_t subject;
};
struct ilist {
    struct irow *v;
    size_t n, cap;
    int64_t draw;
    int state; /* 0 any, 1 open, 2 done, 3 nothing, 4 cancelled */
    int due;
    int32_t today;
    long workdays;
    const cr_calendar *cal;
};

static json_t *inspection_json(const struct cr_inspection_row *r, int due, int32_t today,
                               long workdays, const cr_calendar *cal)
{
    json_t *o =
        json_pack("{s:I,s:I,s:I,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:b}", "id",
                  (json_int_t)r->id, "draw", (json_int_t)r->draw, "plan", (json_int_t)r->plan,
                  "uscc", r->key, "level", srv_str_or_null(r->level), "arm",
                  srv_str_or_null(r->arm), "inspectors", split_ids(r->inspectors), "result",
                  srv_str_or_null(r->result), "label", srv_str_or_null(r->label), "items",
                  srv_str_or_null(r->items), "day", r->result ? srv_day_json(r->day) : json_null(),
                  "by", srv_str_or_null(r->by), "recorded", srv_str_or_null(r->recorded), "problem",
                  r->result && r->problem, "penalty_exempt", r->result && r->penalty_exempt);
    /* as crisk inspections --csv's state: a voided draw's inspection without a result is
     * cancelled (closed to results), not open */
    json_object_set_new(o, "state",
                        json_string(r->result      ? "done"
                                    : r->cancelled ? "cancelled"
                                                   : "open"));
    if (due || r->result) {
        int32_t by = r->result && cal ? cr_calendar_add_workdays(cal, r->day, (int)workdays) : 0;
        /* past the calendar's years the weekend rule alone counts: publish_by_estimated */
        int ok = r->result && cal;
        json_object_set_new(o, "publish_by", ok ? srv_day_json(by) : json_null());
        json_object_set_new(o, "late", ok ? json_boolean(today > by) : json_null());
        json_object_set_new(
            o, "publish_by_estimated",
            json_boolean(ok && (!cr_calendar_covers(cal, r->day) || !cr_calendar_covers(cal, by))));
    }
    return o;
}

static int ilist_row(void *ctx, const struct cr_inspection_row *r)
{
    struct ilist *x = ctx;
    if ((x->draw && r->draw != x->draw) || (x->state == 1 && (r->result || r->cancelled)) ||
        (x->state == 2 && !r->result) || x->state == 3 ||
        (x->state == 4 && (r->result || !r->cancelled)))
        return 0;
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 64;
        struct irow *v = realloc(x->v, cap * sizeof *v);
        if (!v)
            return 1;
        x->v = v;
        x->cap = cap;
    }
    x->v[x->n].o = inspection_json(r, x->due, x->today, x->workdays, x->cal);
    x->v[x->n++].subject = r->subject;
    return 0;
}

static void ilist_free(struct ilist *x)
{
    for (size_t i = 0; i < x->n; i++)
        json_decref(x->v[i].o);
    free(x->v);
}

/* Whether a firm's district, street or grid starts with the division prefix div ("": any). */
static int place_in_division(const struct place *p, const char *div)
{
    size_t n = strlen(div);
    return !n || strncmp(p->district, div, n) == 0 || strncmp(p->street, div, n) == 0 ||
           strncmp(p->grid, div, n) == 0;
}

/* Keeps the rows whose firm lies in the jurisdiction and the division prefix div ("": any),
 * with the firm's name and place. */
static cr_err ilist_scope(cr_store *db, const struct srv_user *u, const char *div, struct ilist *x)
{
    struct places p = {calloc(x->n ? x->n : 1, sizeof *p.v), x->n, 0};
    if (!p.v)
        return CR_ENOMEM;
    for (size_t i = 0; i < x->n; i++)
        p.v[i].subject = x->v[i].subject;
    cr_err rc = places_read(db, &p);
    size_t k = 0;
    for (size_t i = 0; i < x->n; i++) {
        if (rc || !place_in_scope(u, &p.v[i]) || !place_in_division(&p.v[i], div)) {
            json_decref(x->v[i].o);
            continue;
        }
        json_t *o = x->v[i].o;
        json_object_set_new(o, "name", json_string(p.v[i].name ? p.v[i].name : ""));
        json_object_set_new(o, "district", srv_str_or_null(p.v[i].district));
        json_object_set_new(o, "street", srv_str_or_null(p.v[i].street));
        json_object_set_new(o, "grid", srv_str_or_null(p.v[i].grid));
        x->v[k++] = x->v[i];
    }
    x->n = k;
    places_free(&p);
    return rc;
}

static void get_inspections(struct srv_req *r, struct srv_reply *out)
{
    const struct srv_config *c = srv_cfg(r->srv);
    long long limit = srv_query_limit(r, c->list_limit);
    long long offset = srv_query_num(r, "offset", 0, 0, INT32_MAX);
    long long plan = srv_query_num(r, "plan", 0, 1, INT64_MAX);
    long long draw = srv_query_num(r, "draw", 0, 1, INT64_MAX);
    long long due = srv_query_num(r, "due", 0, 0, 1);
    const char *state = srv_query(r, "state");
    int32_t today;
    char div[16];
    int f = srv_division_filter(r->srv, r->user, srv_query(r, "division"), div);
    if (limit < 0 || offset < 0 || plan < 0 || draw < 0 || due < 0 || f < 0 ||
        srv_day_arg(srv_query(r, "today"), srv_today(), &today) ||
        (state && strcmp(state, "open") && strcmp(state, "done") && strcmp(state, "cancelled"))) {
        srv_error(out, 400, "bad_request",
                  "inspections takes plan, draw (ids), division (a division code), state (open, "
                  "done or cancelled), due (0 or 1), today (YYYY-MM-DD), limit and offset");
        return;
    }
    struct ilist x = {NULL,
                      0,
                      0,
                      draw,
                      due                               ? 2
                      : !state                          ? 0
                      : strcmp(state, "open") == 0      ? 1
                      : strcmp(state, "cancelled") == 0 ? 4
                                                        : 2,
                      (int)due,
                      today,
                      c->publish_workdays,
                      srv_calendar(r->srv)};
    if ((due && state && strcmp(state, "done") != 0) || f)
        x.state = 3; /* nothing is both, or the division lies outside the jurisdiction */
    cr_err rc = cr_store_inspections_each(r->db, 0, plan, x.state == 2, ilist_row, &x);
    if (!rc)
        rc = ilist_scope(r->db, r->user, div, &x);
    if (rc) {
        ilist_free(&x);
        srv_store_error(out, r->db);
        return;
    }
    json_t *page = json_array();
    for (size_t k = (size_t)offset; k < x.n && json_array_size(page) < (size_t)limit; k++)
        json_array_append(page, x.v[k].o);
    out->status = 200;
    out->json = json_pack("{s:I,s:I,s:o}", "count", (json_int_t)json_array_size(page), "total",
                          (json_int_t)x.n, "inspections", page);
    ilist_free(&x);
}

/* Inspection id as the API shows it, when its firm lies in the jurisdiction: 0, 404 or 500. */
static int inspection_find(struct srv_req *r, int64_t id, json_t **o, int *has_result)
{
    struct ilist x = {
        NULL, 0, 0, 0, 0, 0, srv_today(), srv_cfg(r->srv)->publish_workdays, srv_calendar(r->srv)};
    *o = NULL;
    cr_err rc = id < 0 ? CR_ENOTFOUND : cr_store_inspections_each(r->db, id, 0, 0, ilist_row, &x);
    if (!rc)
        rc = ilist_scope(r->db, r->user, "", &x);
    if (!rc && x.n) {
        *o = json_incref(x.v[0].o);
        *has_result = !json_is_null(json_object_get(*o, "result"));
    }
    ilist_free(&x);
    return rc == CR_ENOTFOUND || (!rc && !*o) ? 404 : rc ? 500 : 0;
}

struct result_w {
    struct cr_inspect_result res;
    int exempt;
    cr_diag d;
    int ran;
};

static cr_err result_write(void *ctx, cr_store *w)
{
    struct result_w *x = ctx;
    x->ran = 1;
    return cr_inspect_record(w, &x->res, &x->exempt, &x->d);
}

static void post_result(struct srv_req *r, struct srv_reply *out)
{
    int64_t id = srv_param_id(r, 0);
    snprintf(r->audit_object, sizeof r->audit_object, "inspection:%s", r->param[0]);
    if (srv_body_keys(r, out, "result,items,day,inspectors"))
        return;
    json_t *o = NULL;
    int has_result = 0;
    int st = inspection_find(r, id, &o, &has_result);
    json_decref(o);
    if (st) {
        if (st == 404)
            srv_error(out, 404, "not_found", "no such inspection");
        else
            srv_store_error(out, r->db);
        return;
    }
    struct result_w x = {{0}, 0, {{0}, {0}, 0, 0}, 0};
    const json_t *b = r->body;
    const char *day_s = json_string_value(json_object_get(b, "day"));
    x.res.inspection = id;
    x.res.code = json_string_value(json_object_get(b, "result"));
    x.res.items = json_string_value(json_object_get(b, "items"));
    x.res.inspectors = json_string_value(json_object_get(b, "inspectors"));
    x.res.by = r->user->name;
    x.res.today = srv_today();
    if (!x.res.code || (json_object_get(b, "items") && !x.res.items) ||
        (json_object_get(b, "inspectors") && !x.res.inspectors) ||
        (json_object_get(b, "day") && !day_s) || srv_day_arg(day_s, x.res.today, &x.res.day)) {
        srv_error(out, 400, "bad_request",
                  "a result needs result (a code or its label) and may take items, day "
                  "(YYYY-MM-DD) and inspectors");
        return;
    }
    if (has_result) {
        srv_error(out, 409, "has_result", "the inspection has a result already");
        return;
    }
    char why[300] = "";
    cr_err rc = srv_write(r->srv, 1, result_write, &x, why, sizeof why);
    if (rc && !x.ran) {
        fprintf(stderr, "crisk serve: cannot record a result: %s\n", why);
        srv_error(out, 503, "store_busy", "the store is busy (another verb holds its lock)");
        return;
    }
    if (rc == CR_EINVAL || rc == CR_EPARSE || rc == CR_ERANGE) {
        srv_error(out, 400, "bad_request", x.d.msg[0] ? x.d.msg : "the result is refused");
        return;
    }
    if (rc) {
        fprintf(stderr, "crisk serve: inspection %lld: %s\n", (long long)id,
                x.d.msg[0] ? x.d.msg : why);
        srv_error(out, rc == CR_ENOTFOUND ? 404 : 500, rc == CR_ENOTFOUND ? "not_found" : "store",
                  rc == CR_ENOTFOUND ? "no such inspection" : "the result cannot be recorded");
        return;
    }
    if ((st = inspection_find(r, id, &o, &has_result))) {
        srv_store_error(out, r->db);
        return;
    }
    out->status = 200;
    out->json = o;
}

#define CITY (SRV_ROLE(SRV_CITY_ADMIN) | SRV_ROLE(SRV_CITY_ANALYST))
#define ACTORS                                                                                     \
    (SRV_ROLE(SRV_CITY_ADMIN) | SRV_ROLE(SRV_DISTRICT) | SRV_ROLE(SRV_STREET) | SRV_ROLE(SRV_GRID))

static const struct srv_route routes[] = {
    {"GET", "/api/v1/plans", get_plans, SRV_READERS, 0, "plans"},
    {"POST", "/api/v1/plans", post_plan, CITY, SRV_WRITE | SRV_LOCK, "plan.add"},
    {"GET", "/api/v1/plans/{id}", get_plan, SRV_READERS, 0, "plan"},
    {"GET", "/api/v1/draws/{id}", get_draw, SRV_READERS, SRV_AUDIT, "draw"},
    {"GET", "/api/v1/draws/{id}/verify", get_verify, SRV_READERS, 0, "draw.verify"},
    {"GET", "/api/v1/inspections", get_inspections, SRV_READERS, 0, "inspections"},
    {"POST", "/api/v1/inspections/{id}/result", post_result, ACTORS, SRV_WRITE | SRV_LOCK,
     "inspection.result"},
};

const struct srv_route_table srv_routes_inspect = {"inspect", routes,
                                                   sizeof routes / sizeof *routes};
