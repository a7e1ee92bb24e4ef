/* Recording inspection results (docs/inspect.md "Results"): the official result, the 免罚清单
 * decision, the firm's event that the next classification reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>
#include "crisk/inspect.h"
#include "crisk/store.h"
#include "crisk/text.h"
#include "internal.h"

struct one {
    int found;
    struct cr_inspection_row r;
    char key[64], arm[16], inspectors[512], result[8];
};

static int one_fn(void *ctx, const struct cr_inspection_row *r)
{
    struct one *o = ctx;
    o->found = 1;
    o->r = *r;
    snprintf(o->key, sizeof o->key, "%s", r->key);
    snprintf(o->arm, sizeof o->arm, "%s", r->arm);
    snprintf(o->inspectors, sizeof o->inspectors, "%s", r->inspectors);
    snprintf(o->result, sizeof o->result, "%s", r->result ? r->result : "");
    o->r.key = o->key;
    o->r.arm = o->arm;
    o->r.inspectors = o->inspectors;
    o->r.result = o->r.result ? o->result : NULL;
    o->r.label = o->r.items = o->r.by = o->r.recorded = o->r.level = NULL;
    return 1;
}

static int item_in(const char *list, const char *item, size_t len)
{
    for (const char *s = list; s && *s;) {
        size_t l = strcspn(s, ";");
        if (l == len && memcmp(s, item, len) == 0)
            return 1;
        s += l + (s[l] != 0);
    }
    return 0;
}

/* An earlier problem of subject on one of items within [day - window, day]. */
struct repeat_ctx {
    int64_t subject, self;
    const char *items;
    int32_t from, to;
    int found;
};

static int repeat_fn(void *ctx, const struct cr_inspection_row *r)
{
    struct repeat_ctx *c = ctx;
    if (r->subject != c->subject || r->id == c->self || !r->problem || r->day < c->from ||
        r->day > c->to || !r->items)
        return 0;
    for (const char *s = c->items; *s;) {
        size_t l = strcspn(s, ";");
        if (l && item_in(r->items, s, l))
            c->found = 1;
        s += l + (s[l] != 0);
    }
    return c->found;
}

struct draw_state {
    int32_t day;
    int is_void;
};

static int draw_state_fn(void *ctx, const struct cr_draw_rec *r)
{
    struct draw_state *g = ctx;
    g->day = r->day;
    g->is_void = r->void_by != NULL;
    return 0;
}

struct settings_ctx {
    char *settings, *name;
};

static int settings_fn(void *ctx, const struct cr_plan_rec *p)
{
    struct settings_ctx *c = ctx;
    c->settings = strdup(p->settings);
    c->name = strdup(p->name);
    return 0;
}

cr_err cr_inspect_record(cr_store *s, const struct cr_inspect_result *in, int *penalty_exempt,
                         cr_diag *d)
{
    *penalty_exempt = 0;
    const struct cr_result_code *code = cr_result_find(in->code);
    if (!code)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "'%s' is not a result code of DOMAIN.md §2 (1, B, C, 6, D, 3, 4, 5, G, "
                           "7, 8, 9, 10, 11, 12, A, E, F, or its Chinese label)",
                           in->code);
    if (!in->by || !*in->by)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "a result needs the user who records it");
    for (const unsigned char *c = (const unsigned char *)in->by; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                               "by: the user's name holds a control character");
    const char *it = in->items ? in->items : "";
    int empty_item = *it && (*it == ';' || it[strlen(it) - 1] == ';' || strstr(it, ";;"));
    if (empty_item)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "items: '%s' holds an empty item", it);
    if (*it && !code->problem)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "items: result %s (%s) found no problem, so it lists no violated "
                           "items",
                           code->code, code->label);
    struct one o = {0};
    cr_err rc = cr_store_inspections_each(s, in->inspection, 0, 0, one_fn, &o);
    if (rc == CR_ENOTFOUND)
        return cr_diag_set(d, rc, NULL, 0, 0, "there is no inspection %lld",
                           (long long)in->inspection);
    if (rc)
        return rc;
    if (o.r.result)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "inspection %lld already has its result (%s)",
                           (long long)in->inspection, o.result);
    struct draw_state ds = {0};
    if ((rc = cr_store_draw_get(s, o.r.draw, draw_state_fn, &ds)))
        return rc;
    char dd[11], td[11], rd[11];
    cr_day_format(ds.day, dd);
    cr_day_format(in->today, td);
    cr_day_format(in->day, rd);
    if (in->day < ds.day || in->day > in->today)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "date: %s is %s (the result's date lies between draw %lld's day %s and "
                           "today %s)",
                           rd, in->day < ds.day ? "before the draw" : "after today",
                           (long long)o.r.draw, dd, td);
    if (ds.is_void)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "inspection %lld belongs to draw %lld, which was voided by a redraw: "
                           "it was cancelled and takes no result",
                           (long long)in->inspection, (long long)o.r.draw);
    if (!*o.r.inspectors && !(in->inspectors && *in->inspectors))
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "inspection %lld has no inspectors (its station could not staff it): "
                           "it takes no result",
                           (long long)in->inspection);
    struct settings_ctx sc = {0};
    if ((rc = cr_store_plans_each(s, o.r.plan, settings_fn, &sc)))
        return rc;
    struct cr_plan p = {0};
    json_error_t je;
    json_t *j = sc.settings ? json_loads(sc.settings, 0, &je) : NULL;
    rc = j ? cr_plan_from_json(j, &p, d) : CR_ENOMEM;
    json_decref(j);
    /* 免罚清单: result E on listed items only, no earlier problem on them in the window */
    const char *items = in->items ? in->items : "";
    if (!rc && strcmp(code->code, "E") == 0 && *items && p.n_no_penalty) {
        int all_listed = 1;
        for (const char *q = items; *q && all_listed;) {
            size_t l = strcspn(q, ";");
            int listed = 0;
            for (size_t i = 0; i < p.n_no_penalty && !listed; i++)
                listed = strlen(p.no_penalty[i]) == l && memcmp(p.no_penalty[i], q, l) == 0;
            all_listed = listed || !l;
            q += l + (q[l] != 0);
        }
        struct repeat_ctx rp = {o.r.subject, o.r.id, items, in->day - p.no_penalty_days,
                                in->day,     0};
        if (all_listed)
            rc = cr_store_inspections_each(s, 0, 0, 1, repeat_fn, &rp);
        *penalty_exempt = all_listed && !rp.found;
    }
    if (!rc) {
        struct cr_inspection_row r = o.r;
        r.result = code->code;
        r.label = code->label;
        r.items = items;
        r.day = in->day;
        r.by = in->by;
        r.penalty_exempt = *penalty_exempt;
        r.problem = code->problem;
        if (in->inspectors && *in->inspectors)
            r.inspectors = in->inspectors;
        rc = cr_store_inspection_result(s, &r);
    }
    if (!rc) {
        json_t *attrs = json_pack("{s:s,s:s,s:I,s:s,s:s,s:b,s:s}", "检查结果", code->label,
                                  "结果代码", code->code, "抽查计划", (json_int_t)o.r.plan,
                                  "计划名称", sc.name ? sc.name : "", "arm", o.arm, "免罚",
                                  *penalty_exempt, "检查事项", items);
        char *a = attrs ? json_dumps(attrs, JSON_COMPACT) : NULL;
        json_decref(attrs);
        struct cr_event_new ev = {o.r.subject, in->day, INT64_MIN, a};
        rc = a ? cr_store_events_append(s, "crisk/inspection", "抽查检查结果", "inspection", &ev, 1)
               : CR_ENOMEM;
        free(a);
    }
    cr_plan_free(&p);
    free(sc.settings);
    free(sc.name);
    return rc;
}

cr_err cr_inspect_import(cr_store *s, const char *path, int32_t day_default, int32_t today,
                         size_t *n_done, size_t *n_exempt, cr_diag *d)
{
    static const char *const hdr[] = {"inspection", "result", "items", "by", "date"};
    *n_done = *n_exempt = 0;
    struct cr__csv c;
    cr_err rc = cr__csv_open(&c, path, d);
    if (!rc)
        rc = cr__csv_header(&c, hdr, 5, d);
    char *f[8];
    int nf, r;
    while (!rc && (r = cr__csv_next(&c, f, 8, &nf)) != 0) {
        if (r < 0 || nf != 5) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0,
                             r < 0 ? "bad quote" : "%d fields where the header has 5", nf);
            break;
        }
        char *end = NULL;
        long long id = strtoll(f[0], &end, 10);
        if (!*f[0] || *end || id <= 0) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0, "inspection: '%s' is not an id", f[0]);
            break;
        }
        int32_t day = day_default;
        if (*f[4] && cr_date_parse(f[4], strlen(f[4]), &day) != CR_OK) {
            rc = cr_diag_set(d, CR_EPARSE, path, c.line, 0, "date: '%s' is not a date", f[4]);
            break;
        }
        struct cr_inspect_result in = {id, f[1], f[2], f[3], day, NULL, today};
        int ex = 0;
        cr_diag one = {{0}, {0}, 0, 0};
        rc = cr_inspect_record(s, &in, &ex, &one);
        if (rc) {
            if (one.msg[0])
                cr_diag_set(d, rc == CR_ESTORE ? rc : CR_EPARSE, path, c.line, 0, "%s", one.msg);
            else if (rc != CR_ESTORE)
                cr_diag_set(d, rc, path, c.line, 0, "%s", cr_strerror(rc));
            if (rc != CR_ESTORE && rc != CR_ENOMEM)
                rc = CR_EPARSE;
            break;
        }
        (*n_done)++;
        *n_exempt += (size_t)ex;
    }
    free(c.text);
    return rc;
}
