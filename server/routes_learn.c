/* The routes of the learn stage (docs/serve.md "Models"): the promoted models with the metrics
 * recorded at promotion (crisk model promote). A learn run itself is a background job
 * (jobs.c). Nothing here names a firm. */
#include <string.h>

#include "server.h"

static int promotion_row(void *ctx, const struct cr_promotion *p)
{
    json_t *metrics = p->metrics ? json_loads(p->metrics, 0, NULL) : NULL;
    json_array_append_new(
        ctx, json_pack("{s:I,s:s,s:I,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)p->id,
                       "model_id", p->model_id, "version", (json_int_t)p->version, "hash", p->hash,
                       "method", srv_str_or_null(p->method), "path", srv_str_or_null(p->path), "by",
                       srv_str_or_null(p->by), "note", srv_str_or_null(p->note), "created",
                       srv_str_or_null(p->created), "metrics", metrics ? metrics : json_null()));
    return 0;
}

static void get_promotions(struct srv_req *r, struct srv_reply *out)
{
    json_t *rows = json_array();
    cr_err rc = cr_store_promotions_each(r->db, 0, promotion_row, rows);
    if (rc && rc != CR_ENOTFOUND) {
        json_decref(rows);
        srv_store_error(out, r->db);
        return;
    }
    out->status = 200;
    out->json = json_pack("{s:o}", "promotions", rows);
}

static const struct srv_route routes[] = {
    {"GET", "/api/v1/promotions", get_promotions, SRV_EVERYONE, 0, "promotions"},
};

const struct srv_route_table srv_routes_learn = {"learn", routes, sizeof routes / sizeof *routes};
