/* The routes of the monitor stage (docs/serve.md "Warnings"): the fixed vocabularies, warnings
 * and one warning with its evidence, firms and tasks, and the monthly push workbook of a
 * division. A warning is the caller's when one of its current firms lies in the caller's
 * jurisdiction; its other firms are only counted (firms_outside), and left out of its evidence. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crisk/inspect.h"
#include "crisk/monitor.h"
#include "crisk/push.h"
#include "crisk/respond.h"
#include "crisk/text.h"
#include "server.h"

static json_t *detector_json(const char *id)
{
    const char *label = cr_push_detector_label(id);
    return label ? json_string(label) : json_string(id);
}

/* ---- the vocabularies ---- */
static void get_vocabulary(struct srv_req *r, struct srv_reply *out)
{
    json_t *det = json_array(), *outc = json_array(), *res = json_array();
    for (int i = 0; i < CR_DET__N; i++) {
        const char *id = cr_detector_name((enum cr_detector)i);
        json_array_append_new(det, json_pack("{s:s,s:o}", "id", id, "label", detector_json(id)));
    }
    for (size_t i = 0; cr_outcome_code(i); i++)
        json_array_append_new(outc, json_pack("{s:s,s:s}", "code", cr_outcome_code(i), "label",
                                              cr_outcome_label(cr_outcome_code(i))));
    for (size_t i = 0; i < cr_n_result_codes; i++)
        json_array_append_new(res, json_pack("{s:s,s:s,s:b}", "code", cr_result_codes[i].code,
                                             "label", cr_result_codes[i].label, "problem",
                                             cr_result_codes[i].problem));
    out->status = 200;
    /* the task note's limit of the server's respond policy: the UI counts bytes against it */
    out->json = json_pack("{s:o,s:o,s:o,s:I}", "detectors", det, "outcomes", outc, "results", res,
                          "note_max_bytes", (json_int_t)srv_respond(r->srv)->note_max_bytes);
}

/* A warning's own fields (without firms). */
static json_t *warning_brief(const struct cr_warning_row *w)
{
    return json_pack("{s:I,s:s,s:o,s:s,s:s,s:o,s:o,s:I,s:o,s:o,s:o,s:o}", "id",
                     (json_int_t)w->warning, "detector", w->detector, "detector_label",
                     detector_json(w->detector), "status", w->status, "summary", w->summary,
                     "opened", srv_day_json(w->opened_day), "closed", srv_day_json(w->closed_day),
                     "rule_version", (json_int_t)w->rule_version, "district",
                     srv_str_or_null(w->w_district), "street", srv_str_or_null(w->w_street), "grid",
                     srv_str_or_null(w->w_grid), "address", srv_str_or_null(w->w_address));
}

static json_t *firm_json(const struct cr_warning_row *w)
{
    return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "uscc", w->uscc, "name", w->name,
                     "address", w->address, "district", srv_str_or_null(w->district), "street",
                     srv_str_or_null(w->street), "grid", srv_str_or_null(w->grid), "lon",
                     w->has_geo ? json_real(w->lon) : json_null(), "lat",
                     w->has_geo ? json_real(w->lat) : json_null());
}

/* ---- the list ---- */
struct wlist {
    json_t *all; /* the warnings matched, ascending id */
    json_t *cur;
    int64_t cur_id;
    int64_t firms;
    int64_t firm; /* the firm filter's subject (0: none) */
    int has_firm; /* the current warning names it */
};

static void wlist_close(struct wlist *x)
{
    if (x->cur && x->firm && !x->has_firm) {
        json_decref(x->cur);
    } else if (x->cur) {
        json_object_set_new(x->cur, "firms", json_integer(x->firms));
        json_array_append_new(x->all, x->cur);
    }
    x->cur = NULL;
}

static int wlist_row(void *ctx, const struct cr_warning_row *w)
{
    struct wlist *x = ctx;
    if (!x->cur || x->cur_id != w->warning) {
        wlist_close(x);
        x->cur = warning_brief(w);
        x->cur_id = w->warning;
        x->firms = 0;
        x->has_firm = 0;
    }
    x->firms++;
    x->has_firm |= w->subject == x->firm;
    return 0;
}

static void get_warnings(struct srv_req *r, struct srv_reply *out)
{
    const struct srv_config *c = srv_cfg(r->srv);
    const char *detector = srv_query(r, "detector"), *status = srv_query(r, "status");
    long long limit = srv_query_limit(r, c->list_limit);
    long long offset = srv_query_num(r, "offset", 0, 0, INT32_MAX);
    char div[16];
    int f = srv_division_filter(r->srv, r->user, srv_query(r, "division"), div);
    int64_t firm = 0;
    int fa = srv_firm_arg(r, &firm);
    if (fa == -2) {
        srv_store_error(out, r->db);
        return;
    }
    if (limit < 0 || offset < 0 || f < 0 || fa < 0 ||
        (status && strcmp(status, "open") && strcmp(status, "closed")) ||
        (detector && !cr_push_detector_label(detector))) {
        srv_error(out, 400, "bad_request",
                  "warnings takes detector (a detector id), status (open or closed), division "
                  "(a division code), firm (a USCC), limit (at least 1; more than list_limit gives "
                  "list_limit) and offset");
        return;
    }
    struct wlist x = {json_array(), NULL, 0, 0, firm, 0};
    struct cr_warning_filter wf = {detector, div[0] ? div : NULL, status};
    if (!f && firm >= 0 && cr_store_warning_rows(r->db, &wf, wlist_row, &x)) {
        json_decref(x.cur);
        json_decref(x.all);
        srv_store_error(out, r->db);
        return;
    }
    wlist_close(&x);
    /* Newest first, one page of it, with each warning's firms outside counted. */
    size_t total = json_array_size(x.all);
    json_t *page = json_array();
    for (size_t k = (size_t)offset; k < total && json_array_size(page) < (size_t)limit; k++) {
        json_t *w = json_array_get(x.all, total - 1 - k);
        int64_t n = 0;
        if (cr_store_warning_firm_count(r->db, json_integer_value(json_object_get(w, "id")), &n)) {
            json_decref(page);
            json_decref(x.all);
            srv_store_error(out, r->db);
            return;
        }
        json_object_set_new(w, "firms_outside",
                            json_integer(n - json_integer_value(json_object_get(w, "firms"))));
        json_array_append(page, w);
    }
    json_decref(x.all);
    out->status = 200;
    out->json = json_pack("{s:I,s:I,s:o}", "count", (json_int_t)json_array_size(page), "total",
                          (json_int_t)total, "warnings", page);
}

/* ---- one warning ---- */
struct wone {
    const struct srv_user *u;
    json_t *w, *firms, *usccs; /* usccs: the firms inside, as an object of keys */
    int64_t outside;
};

static int wone_row(void *ctx, const struct cr_warning_row *w)
{
    struct wone *x = ctx;
    if (!x->w) {
        x->w = warning_brief(w);
        json_error_t je;
        json_t *ev = json_loads(w->evidence, 0, &je);
        json_object_set_new(x->w, "evidence", ev ? ev : json_object());
    }
    if (srv_in_scope(x->u, w->district, w->street, w->grid)) {
        json_array_append_new(x->firms, firm_json(w));
        json_object_set_new(x->usccs, w->uscc, json_true());
    } else {
        x->outside++;
    }
    return 0;
}

struct tasks_ctx {
    struct srv *s;
    json_t *arr;
};

static int wone_task(void *ctx, const struct cr_task *t)
{
    struct tasks_ctx *x = ctx;
    json_array_append_new(x->arr, srv_task_json(x->s, t, srv_today()));
    return 0;
}

static int evidence_scrub(json_t *v, const json_t *inside);

static void get_warning(struct srv_req *r, struct srv_reply *out)
{
    int64_t id = srv_param_id(r, 0);
    snprintf(r->audit_object, sizeof r->audit_object, "warning:%s", r->param[0]);
    if (id < 0) {
        srv_error(out, 404, "not_found", "no such warning");
        return;
    }
    struct wone x = {r->user, NULL, json_array(), json_object(), 0};
    cr_err rc = cr_store_warning_rows_of(r->db, id, wone_row, &x);
    if (rc || !x.w || !json_array_size(x.firms)) {
        json_decref(x.w);
        json_decref(x.firms);
        json_decref(x.usccs);
        if (rc)
            srv_store_error(out, r->db);
        else /* none of its firms in the jurisdiction reads as no such warning */
            srv_error(out, 404, "not_found", "no such warning");
        return;
    }
    /* The evidence names the firms of the finding: those outside are left out, wherever in
     * it they are named (evidence_scrub). */
    evidence_scrub(json_object_get(x.w, "evidence"), x.usccs);
    json_decref(x.usccs);
    json_object_set_new(x.w, "firms", json_integer((json_int_t)json_array_size(x.firms)));
    json_object_set_new(x.w, "firms_outside", json_integer(x.outside));
    json_object_set_new(x.w, "firm_list", x.firms);
    struct cr_task_filter tf = {srv_scope(r->user)[0] ? srv_scope(r->user) : NULL, NULL, id, 0, 0};
    struct tasks_ctx tc = {r->srv, json_array()};
    if (cr_store_tasks_each(r->db, &tf, wone_task, &tc)) {
        json_decref(tc.arr);
        json_decref(x.w);
        srv_store_error(out, r->db);
        return;
    }
    json_object_set_new(x.w, "tasks", tc.arr);
    out->status = 200;
    out->json = x.w;
}

/* Whether a string names a firm: 18 characters of a USCC's alphabet. */
static int uscc_like(const char *u)
{
    return u && strlen(u) == 18 && strspn(u, "0123456789ABCDEFGHJKLMNPQRTUWXY") == 18;
}

/* 1 when v names a firm outside `inside` (an object of USCCs) and has nothing else to show:
 * a USCC string, or an object whose "uscc" is such a string or a list left empty. Arrays and
 * objects below v are scrubbed in place: their elements naming firms outside go. */
static int evidence_scrub(json_t *v, const json_t *inside)
{
    if (json_is_string(v))
        return uscc_like(json_string_value(v)) && !json_object_get(inside, json_string_value(v));
    if (json_is_array(v)) {
        for (size_t i = json_array_size(v); i-- > 0;)
            if (evidence_scrub(json_array_get(v, i), inside))
                json_array_remove(v, i);
        return 0;
    }
    if (!json_is_object(v))
        return 0;
    json_t *u = json_object_get(v, "uscc");
    if (json_is_string(u) && evidence_scrub(u, inside))
        return 1;
    int listed = json_is_array(u) && json_array_size(u) > 0;
    const char *k;
    json_t *x;
    void *tmp;
    json_object_foreach_safe(v, tmp, k, x)
    {
        if (evidence_scrub(x, inside))
            json_object_del(v, k);
    }
    /* a group of firms (a ring at an address) none of which is inside: gone, address and all */
    return listed && json_array_size(json_object_get(v, "uscc")) == 0;
}

/* ---- the monthly push workbook ---- */
static void get_push(struct srv_req *r, struct srv_reply *out)
{
    const char *arg = srv_query(r, "division"), *status = srv_query(r, "status");
    char div[16];
    int f = srv_division_filter(r->srv, r->user, arg, div);
    snprintf(r->audit_object, sizeof r->audit_object, "push:%s", arg ? arg : div);
    if (f < 0 || (status && strcmp(status, "open") && strcmp(status, "all"))) {
        srv_error(out, 400, "bad_request",
                  "push.xlsx takes division (a code) and status (open "
                  "or all)");
        return;
    }
    /* A division outside the jurisdiction, or one the jurisdiction only meets (a street of
     * another district's code), is not the caller's; the city's own code is the caller's
     * jurisdiction, as for the lists (docs/serve.md "division"). */
    int city = arg && cr_division_level(arg) == 0;
    if (f || (arg && !city && strcmp(div, arg) != 0)) {
        srv_error(out, 404, "not_found", "no such division in your jurisdiction");
        return;
    }
    struct cr_warning_filter wf = {NULL, div[0] ? div : NULL,
                                   status && strcmp(status, "all") == 0 ? NULL : "open"};
    struct cr_push_rows rows = {0};
    if (cr_push_rows_read(r->db, &wf, &rows)) {
        srv_store_error(out, r->db);
        return;
    }
    /* A warning's raw evidence may name firms of other divisions (a ring across districts):
     * a division's workbook leaves it out; the warning's page shows what the caller may see. */
    for (size_t i = 0; div[0] && i < rows.n; i++)
        rows.row[i].evidence = "";
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/crisk-push-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    cr_diag d = {{0}, {0}, 0, 0};
    struct cr_push_stats st = {0};
    cr_err rc = fd < 0 ? CR_EIO : CR_OK;
    if (fd >= 0)
        close(fd);
    if (!rc)
        rc = cr_push_write_xlsx(path, rows.row, rows.n, srv_ref(r->srv), &st, &d);
    cr_push_rows_free(&rows);
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = rc ? NULL : fopen(path, "rb");
    struct stat sb;
    if (fp && fstat(fileno(fp), &sb) == 0 && (buf = malloc((size_t)sb.st_size + 1)) &&
        fread(buf, 1, (size_t)sb.st_size, fp) == (size_t)sb.st_size)
        len = (size_t)sb.st_size;
    else if (!rc)
        rc = CR_EIO;
    if (fp)
        fclose(fp);
    if (fd >= 0)
        unlink(path);
    if (rc) {
        free(buf);
        fprintf(stderr, "crisk serve: cannot write the push workbook: %s\n",
                d.msg[0] ? d.msg : strerror(errno));
        srv_error(out, 500, "push", "the workbook cannot be written");
        return;
    }
    char month[11];
    cr_day_format(srv_today(), month);
    month[7] = 0;
    out->status = 200;
    out->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    out->body = buf;
    out->body_len = len;
    out->body_free = 1;
    snprintf(out->disposition, sizeof out->disposition,
             "attachment; filename=\"crisk-push-%s-%s.xlsx\"", div[0] ? div : "city", month);
}

static const struct srv_route routes[] = {
    {"GET", "/api/v1/vocabulary", get_vocabulary, SRV_EVERYONE, 0, "vocabulary"},
    {"GET", "/api/v1/warnings", get_warnings, SRV_READERS, 0, "warnings"},
    {"GET", "/api/v1/warnings/{id}", get_warning, SRV_READERS, SRV_AUDIT, "warning"},
    {"GET", "/api/v1/push.xlsx", get_push, SRV_READERS, SRV_AUDIT, "push"},
};

const struct srv_route_table srv_routes_monitor = {"monitor", routes,
                                                   sizeof routes / sizeof *routes};
