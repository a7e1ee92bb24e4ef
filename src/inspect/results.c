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

/* Whether the ';'-lists a and b share an item. */
static int items_meet(const char *a, const char *b)
{
    for (const char *s = a ? a : ""; *s;) {
        size_t l = strcspn(s, ";");
        if (l && item_in(b, s, l))
            return 1;
        s += l + (s[l] != 0);
    }
    return 0;
}

/* (day, id) order: which of two results came first (docs/inspect.md "免罚清单"). */
static int before(int32_t day_a, int64_t id_a, int32_t day_b, int64_t id_b)
{
    return day_a < day_b || (day_a == day_b && id_a < id_b);
}

/* The firm's other results, for the 免罚清单 decision by dates. */
struct later {
    int64_t id, plan;
    int32_t day;
    char *items;
};
struct results_ctx {
    int64_t self;
    int32_t day, from; /* this result's day, and the first day of its window */
    const char *items;
    int problem;     /* this result found a problem */
    int earlier;     /* an earlier problem on one of items within the window */
    struct later *l; /* later exempt results on one of items: candidates to withdraw */
    size_t n, cap;
    int oom;
};

static int results_fn(void *ctx, const struct cr_inspection_row *r)
{
    struct results_ctx *c = ctx;
    if (r->id == c->self || !r->problem || !items_meet(r->items, c->items))
        return 0;
    if (before(r->day, r->id, c->day, c->self)) {
        c->earlier |= r->day >= c->from;
        return 0;
    }
    if (!c->problem || !r->penalty_exempt)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        struct later *t = realloc(c->l, cap * sizeof *t);
        if (!t)
            return c->oom = 1;
        c->l = t;
        c->cap = cap;
    }
    char *it = strdup(r->items ? r->items : "");
    if (!it)
        return c->oom = 1;
    c->l[c->n++] = (struct later){r->id, r->plan, r->day, it};
    return 0;
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
    free(c->settings);
    free(c->name);
    c->settings = strdup(p->settings);
    c->name = strdup(p->name);
    return 0;
}

/* A plan's settings as recorded with it: the plan (cr_plan_from_json), its name and the JSON. */
static cr_err plan_settings(cr_store *s, int64_t plan, struct cr_plan *p, char **name, json_t **j,
                            cr_diag *d)
{
    struct settings_ctx sc = {0};
    cr_err rc = cr_store_plans_each(s, plan, settings_fn, &sc);
    if (!rc && (!sc.settings || !sc.name))
        rc = CR_ENOMEM;
    json_error_t je;
    *j = rc ? NULL : json_loads(sc.settings, 0, &je);
    if (!rc && !*j)
        rc = cr_diag_set(d, CR_EPARSE, NULL, 0, 0, "plan %lld: its stored settings are not JSON",
                         (long long)plan);
    if (!rc)
        rc = cr_plan_from_json(*j, p, d);
    free(sc.settings);
    if (!rc)
        *name = sc.name;
    else
        free(sc.name);
    return rc;
}

/* The check-item codes of the plan's settings and its 免罚清单: what --items may name. */
static int item_known(const json_t *settings, const struct cr_plan *p, const char *it, size_t len)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(settings, "items"), i, v)
    {
        const char *code = json_string_value(json_object_get(v, "code"));
        if (code && strlen(code) == len && memcmp(code, it, len) == 0)
            return 1;
    }
    for (i = 0; i < p->n_no_penalty; i++)
        if (strlen(p->no_penalty[i]) == len && memcmp(p->no_penalty[i], it, len) == 0)
            return 1;
    return 0;
}

static int n_ids(const char *list)
{
    int n = 0;
    for (const char *q = list; q && *q;) {
        size_t l = strcspn(q, ";");
        n += l > 0;
        q += l + (q[l] != 0);
    }
    return n;
}

struct staff_found {
    int inspector;
    char qualifications[512];
};

static int staff_found_fn(void *ctx, const struct cr_staff *st)
{
    struct staff_found *f = ctx;
    f->inspector = st->role && strcmp(st->role, "inspector") == 0;
    snprintf(f->qualifications, sizeof f->qualifications, "%s",
             st->qualifications ? st->qualifications : "");
    return 0;
}

/* One id looked up in the roster recorded with a draw (draw_staff: its inspectors). */
struct drawn_staff {
    const char *id;
    int found;
    char quals[512];
};

static int drawn_staff_fn(void *ctx, const struct cr_staff *st)
{
    struct drawn_staff *f = ctx;
    if (strcmp(st->id, f->id) != 0)
        return 0;
    f->found = 1;
    snprintf(f->quals, sizeof f->quals, "%s", st->qualifications ? st->qualifications : "");
    return 1;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --inspectors (docs/inspect.md "Results"): who made the inspection. The ids, sorted and
 * ';'-joined, into out. */
static cr_err check_inspectors(cr_store *s, const struct cr_plan *p, int64_t draw, const char *key,
                               const char *drawn, const char *given, char *out, size_t cap,
                               cr_diag *d)
{
    char *ids[32];
    int n = 0;
    cr_err rc = CR_OK;
    for (const unsigned char *c = (const unsigned char *)given; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                               "inspectors: '%s' holds a control character", given);
    if (!*given || *given == ';' || given[strlen(given) - 1] == ';' || strstr(given, ";;"))
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "inspectors: '%s' holds an empty id", given);
    for (const char *q = given; *q && !rc;) {
        size_t l = strcspn(q, ";");
        if (n == 32)
            rc = cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "inspectors: more than 32 ids");
        else if (!(ids[n++] = strndup(q, l)))
            rc = CR_ENOMEM;
        q += l + (q[l] != 0);
    }
    if (!rc)
        qsort(ids, (size_t)n, sizeof *ids, cmp_cstr);
    for (int i = 1; !rc && i < n; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0)
            rc = cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "inspectors: '%s' is named twice", ids[i]);
    struct staff_found *f = calloc((size_t)(n ? n : 1), sizeof *f);
    if (!rc && !f)
        rc = CR_ENOMEM;
    for (int i = 0; !rc && i < n; i++) {
        /* the drawn ones are recorded for the inspection: valid whatever roster drew them (the
         * store's, or a --roster file the store's roster never held) */
        if (item_in(drawn, ids[i], strlen(ids[i])))
            continue;
        int found = 0;
        if ((rc = cr_store_staff_get(s, ids[i], staff_found_fn, &f[i], &found)))
            break;
        if (!found || !f[i].inspector) { /* else an inspector of the roster the draw used */
            struct drawn_staff ds = {ids[i], 0, ""};
            int recorded = 0;
            if ((rc = cr_store_draw_roster(s, draw, drawn_staff_fn, &ds, &recorded)))
                break;
            if (ds.found) {
                found = f[i].inspector = 1;
                snprintf(f[i].qualifications, sizeof f[i].qualifications, "%s", ds.quals);
            }
        }
        if (!found || !f[i].inspector)
            rc = cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                             "inspectors: '%s' is not %s of the roster (crisk roster) nor of the "
                             "roster draw %lld was staffed from",
                             ids[i], found ? "an inspector" : "a member", (long long)draw);
    }
    int n_drawn = n_ids(drawn), full = n_drawn >= p->inspectors;
    for (const char *q = drawn; !rc && *q;) { /* every drawn inspector is among them */
        size_t l = strcspn(q, ";");
        if (l && !item_in(given, q, l))
            rc = cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                             "inspectors: '%.*s', drawn for this inspection, is missing (the "
                             "drawn inspectors make it; docs/inspect.md)",
                             (int)l, q);
        q += l + (q[l] != 0);
    }
    if (!rc && full && n != n_drawn)
        rc = cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                         "inspectors: the inspection was staffed by its draw (%s): others cannot "
                         "be added or put in their place (a redraw replaces a draw)",
                         drawn);
    if (!rc && n < p->inspectors)
        rc =
            cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                        "inspectors: %d named, the plan needs %d per inspection", n, p->inspectors);
    for (int i = 0; !rc && i < n; i++) { /* the ones added to a drawn few */
        if (item_in(drawn, ids[i], strlen(ids[i])))
            continue;
        for (size_t q = 0; !rc && q < p->n_quals; q++)
            if (!item_in(f[i].qualifications, p->quals[q], strlen(p->quals[q])))
                rc = cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                                 "inspectors: '%s' lacks the qualification '%s' the plan's check "
                                 "items need",
                                 ids[i], p->quals[q]);
        for (size_t c = 0; !rc && c < p->n_conflicts; c++)
            if (strcmp(p->conflict_staff[c], ids[i]) == 0 && strcmp(p->conflict_with[c], key) == 0)
                rc = cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                                 "inspectors: '%s' has a declared conflict with %s", ids[i], key);
    }
    free(f);
    size_t at = 0;
    for (int i = 0; !rc && i < n; i++) {
        int w = snprintf(out + at, cap - at, "%s%s", i ? ";" : "", ids[i]);
        if (w < 0 || (size_t)w >= cap - at)
            rc = cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "inspectors: too long");
        else
            at += (size_t)w;
    }
    for (int i = 0; i < n; i++)
        free(ids[i]);
    return rc;
}

cr_err cr_inspect_record(cr_store *s, const struct cr_inspect_result *in, int *penalty_exempt,
                         cr_diag *d)
{
    *penalty_exempt = 0;
    if (in->withdrawn)
        in->withdrawn->n = 0;
    const struct cr_result_code *code = cr_result_find(in->code);
    char why[CR_TEXT_WHY_CAP];
    const char *bad =
        code || !in->code ? NULL : cr_text_problem(in->code, strlen(in->code), 200, 0, why);
    if (bad) /* not echoed: an ESC or U+202E would act on the terminal that shows the message */
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "the result code: %s", bad);
    if (!code)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "'%s' is not a result code of DOMAIN.md §2 (1, B, C, 6, D, 3, 4, 5, G, "
                           "7, 8, 9, 10, 11, 12, A, E, F, or its Chinese label)",
                           in->code);
    if (!in->by || !*in->by)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "a result needs the user who records it");
    bad = cr_text_problem(in->by, strlen(in->by), CR_RESULT_BY_MAX_BYTES, 0, why);
    if (bad)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "by: the user's name: %s (visible text on one line, at most %d "
                           "bytes)",
                           bad, CR_RESULT_BY_MAX_BYTES);
    const char *it = in->items ? in->items : "";
    if (*it && (bad = cr_text_problem(it, strlen(it), CR_DRAW_TEXT_MAX_BYTES, 0, why)))
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "items: %s", bad);
    int empty_item = *it && (*it == ';' || it[strlen(it) - 1] == ';' || strstr(it, ";;"));
    if (empty_item)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0, "items: '%s' holds an empty item", it);
    for (const char *q = it; *q;) { /* each item once: a second is a slip, not a count */
        size_t l = strcspn(q, ";");
        for (const char *r = q + l + (q[l] != 0); *r;) {
            size_t m = strcspn(r, ";");
            if (m == l && memcmp(q, r, l) == 0)
                return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                                   "items: '%.*s' is listed twice in '%s' (each item once)", (int)l,
                                   q, it);
            r += m + (r[m] != 0);
        }
        q += l + (q[l] != 0);
    }
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
    struct cr_plan p = {0};
    char *plan_name = NULL;
    json_t *settings = NULL;
    rc = plan_settings(s, o.r.plan, &p, &plan_name, &settings, d);
    /* check items: each a code of the plan's check items or of its 免罚清单 */
    for (const char *q = it; !rc && *q;) {
        size_t l = strcspn(q, ";");
        if (!item_known(settings, &p, q, l))
            rc = cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                             "items: '%.*s' is not a check item of plan %lld (%zu items) nor on "
                             "its 免罚清单 (%zu codes)",
                             (int)l, q, (long long)o.r.plan,
                             json_array_size(json_object_get(settings, "items")), p.n_no_penalty);
        q += l + (q[l] != 0);
    }
    char who[512];
    snprintf(who, sizeof who, "%s", o.inspectors);
    if (!rc && in->inspectors)
        rc = check_inspectors(s, &p, o.r.draw, o.key, o.inspectors, in->inspectors, who, sizeof who,
                              d);
    else if (!rc && n_ids(o.inspectors) < p.inspectors)
        rc = cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                         "inspection %lld has %d of the %d inspectors it needs (its station could "
                         "not staff it): it takes a result only with --inspectors naming them",
                         (long long)in->inspection, n_ids(o.inspectors), p.inspectors);
    /* 免罚清单 by the dates of the violations: this result against the firm's earlier ones, and
     * the later exempt ones against this one */
    struct results_ctx rc_ = {.self = o.r.id,
                              .day = in->day,
                              .from = in->day - p.no_penalty_days,
                              .items = it,
                              .problem = code->problem};
    if (!rc && *it)
        rc = cr_store_subject_results(s, o.r.subject, results_fn, &rc_);
    if (!rc && rc_.oom)
        rc = CR_ENOMEM;
    if (!rc && strcmp(code->code, "E") == 0 && *it && p.n_no_penalty) {
        int all_listed = 1;
        for (const char *q = it; *q && all_listed;) {
            size_t l = strcspn(q, ";");
            int listed = 0;
            for (size_t i = 0; i < p.n_no_penalty && !listed; i++)
                listed = strlen(p.no_penalty[i]) == l && memcmp(p.no_penalty[i], q, l) == 0;
            all_listed = listed;
            q += l + (q[l] != 0);
        }
        *penalty_exempt = all_listed && !rc_.earlier;
    }
    for (size_t i = 0; !rc && i < rc_.n; i++) { /* a later one within its window: a repeat now */
        struct cr_plan lp = {0};
        char *lname = NULL;
        json_t *lj = NULL;
        rc = plan_settings(s, rc_.l[i].plan, &lp, &lname, &lj, d);
        if (!rc && in->day >= rc_.l[i].day - lp.no_penalty_days) {
            rc = cr_store_inspection_penalty(s, rc_.l[i].id, 0);
            if (!rc && in->withdrawn) {
                if (in->withdrawn->n < sizeof in->withdrawn->id / sizeof *in->withdrawn->id)
                    in->withdrawn->id[in->withdrawn->n] = rc_.l[i].id;
                in->withdrawn->n++;
            }
        }
        cr_plan_free(&lp);
        free(lname);
        json_decref(lj);
    }
    if (!rc) {
        struct cr_inspection_row r = o.r;
        r.result = code->code;
        r.label = code->label;
        r.items = it;
        r.day = in->day;
        r.by = in->by;
        r.penalty_exempt = *penalty_exempt;
        r.problem = code->problem;
        r.inspectors = who;
        rc = cr_store_inspection_result(s, &r);
    }
    if (!rc) {
        json_t *attrs = json_pack("{s:s,s:s,s:I,s:s,s:s,s:b,s:s}", "检查结果", code->label,
                                  "结果代码", code->code, "抽查计划", (json_int_t)o.r.plan,
                                  "计划名称", plan_name ? plan_name : "", "arm", o.arm, "免罚",
                                  *penalty_exempt, "检查事项", it);
        char *a = attrs ? json_dumps(attrs, JSON_COMPACT) : NULL;
        json_decref(attrs);
        struct cr_event_new ev = {o.r.subject, in->day, INT64_MIN, a};
        rc = a ? cr_store_events_append(s, "crisk/inspection", "抽查检查结果", "inspection", &ev, 1)
               : CR_ENOMEM;
        free(a);
    }
    for (size_t i = 0; i < rc_.n; i++)
        free(rc_.l[i].items);
    free(rc_.l);
    cr_plan_free(&p);
    free(plan_name);
    json_decref(settings);
    if (rc)
        *penalty_exempt = 0;
    return rc;
}

cr_err cr_inspect_import(cr_store *s, const char *path, int32_t day_default, int32_t today,
                         size_t *n_done, size_t *n_exempt, struct cr_inspect_withdrawn *w,
                         cr_diag *d)
{
    if (w)
        w->n = 0;
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
        struct cr_inspect_withdrawn one_w = {0};
        struct cr_inspect_result in = {id, f[1], f[2], f[3], day, NULL, today, &one_w};
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
        for (size_t i = 0; w && i < one_w.n; i++) {
            if (w->n < sizeof w->id / sizeof *w->id && i < sizeof one_w.id / sizeof *one_w.id)
                w->id[w->n] = one_w.id[i];
            w->n++;
        }
    }
    free(c.text);
    return rc;
}
