/* The dashboard's routes beyond the level counts (docs/serve.md "Hit rate"): the hit rate per
 * level of a run where outcomes exist (inspection results and closed tasks), and the firm
 * argument that the warning and task lists share (srv_firm_arg). */
#include <stdlib.h>
#include <string.h>

#include "crisk/inspect.h"
#include "crisk/respond.h"
#include "crisk/uscc.h"
#include "server.h"

int srv_firm_arg(struct srv_req *r, int64_t *subject)
{
    const char *given = srv_query(r, "firm");
    *subject = 0;
    if (!given)
        return 0;
    char key[CR_USCC_LEN + 1];
    const char *lookup = given;
    if (cr_uscc_normalize(given, strlen(given), key) == CR_OK)
        lookup = key;
    else if (!strchr(given, ':') || strlen(given) > 200)
        return -1;
    char district[16], street[16], grid[16];
    cr_err rc = cr_store_subject_find(r->db, lookup, subject);
    if (!rc)
        rc = cr_store_enterprise_place(r->db, *subject, district, street, grid);
    if (rc == CR_ENOTFOUND || (!rc && !srv_in_scope(r->user, district, street, grid))) {
        *subject = -1; /* outside reads as unknown: nothing to list */
        return 0;
    }
    return rc ? -2 : 0;
}

/* The run of the path's {run}: an id or "latest"; 0 when there is none, -1 when bad. */
static int64_t run_param(struct srv_req *r)
{
    if (strcmp(r->param[0], "latest") == 0) {
        int64_t run = 0;
        return cr_store_run_latest(r->db, &run) || run <= 0 ? 0 : run;
    }
    char *end = NULL;
    long long run = strtoll(r->param[0], &end, 10);
    return !*r->param[0] || *end || run <= 0 ? -1 : run;
}

struct hits {
    const struct srv_config *c;
    json_t *detail;    /* [{source, level, code, label, n, hit}] */
    int64_t n[2][4];   /* [inspection, task][level] */
    int64_t hit[2][4]; /* of those, hits */
};

static int hit_row(void *ctx, const struct cr_hit_rec *h)
{
    struct hits *x = ctx;
    int task = strcmp(h->source, "task") == 0;
    int level = h->level - 'A';
    if (level < 0 || level > 3 || !h->code)
        return 0;
    const struct cr_result_code *rc = task ? NULL : cr_result_find(h->code);
    int hit = task ? srv_hit_outcome(x->c, h->code) : rc && rc->problem;
    const char *label = task ? cr_outcome_label(h->code) : rc ? rc->label : NULL;
    x->n[task][level] += h->n;
    x->hit[task][level] += hit ? h->n : 0;
    json_array_append_new(x->detail,
                          json_pack("{s:s,s:s#,s:s,s:o,s:I,s:b}", "source", h->source, "level",
                                    &h->level, 1, "code", h->code, "label", srv_str_or_null(label),
                                    "n", (json_int_t)h->n, "hit", hit));
    return 0;
}

static json_t *rate_json(int64_t n, int64_t hit)
{
    return json_pack("{s:I,s:I,s:o}", "n", (json_int_t)n, "hits", (json_int_t)hit, "rate",
                     n ? json_real((double)hit / (double)n) : json_null());
}

static void get_hits(struct srv_req *r, struct srv_reply *out)
{
    int64_t run = run_param(r);
    if (run == 0) {
        srv_error(out, 404, "not_found", "no classification run yet");
        return;
    }
    if (run < 0) {
        srv_error(out, 400, "bad_request", "hits needs a run id (or latest)");
        return;
    }
    if (srv_run_exists(r, run, out) != 1)
        return; /* an unknown run is 404, not zeros */
    struct hits x = {srv_cfg(r->srv), json_array(), {{0}}, {{0}}};
    if (cr_store_hits_by_level(r->db, run, srv_scope(r->user), hit_row, &x)) {
        json_decref(x.detail);
        srv_store_error(out, r->db);
        return;
    }
    json_t *levels = json_array(), *outcomes = json_array();
    for (int l = 0; l < 4; l++) {
        char level = (char)('A' + l);
        json_array_append_new(levels, json_pack("{s:s#,s:o,s:o}", "level", &level, 1, "inspections",
                                                rate_json(x.n[0][l], x.hit[0][l]), "tasks",
                                                rate_json(x.n[1][l], x.hit[1][l])));
    }
    for (size_t i = 0; cr_outcome_code(i); i++)
        if (srv_hit_outcome(x.c, cr_outcome_code(i)))
            json_array_append_new(outcomes, json_string(cr_outcome_code(i)));
    out->status = 200;
    out->json =
        json_pack("{s:I,s:s,s:o,s:o,s:o}", "run", (json_int_t)run, "scope", srv_scope(r->user),
                  "hit_outcomes", outcomes, "levels", levels, "detail", x.detail);
}

int srv_run_exists(struct srv_req *r, int64_t run, struct srv_reply *out)
{
    char hash[17];
    char *text = NULL;
    size_t len = 0;
    cr_err rc = cr_store_run_model(r->db, run, hash, &text, &len);
    free(text);
    if (rc == CR_ENOTFOUND) {
        srv_error(out, 404, "not_found", "no such classification run");
        return 0;
    }
    if (rc) {
        srv_store_error(out, r->db);
        return -1;
    }
    return 1;
}

static const struct srv_route routes[] = {
    {"GET", "/api/v1/runs/{run}/hits", get_hits, SRV_READERS, 0, "hits"},
};

const struct srv_route_table srv_routes_dash = {"dash", routes, sizeof routes / sizeof *routes};
