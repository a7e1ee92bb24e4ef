/* The routes of what main holds: login, openapi.json, enterprise search and the
 * portrait, runs and level counts by division, the model tree, the quarantine summary, the
 * audit log and users (docs/serve.md). */
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crisk/model.h"
#include "crisk/ref.h"
#include "crisk/text.h"
#include "crisk/uscc.h"
#include "server.h"

static void get_openapi(struct srv_req *r, struct srv_reply *out)
{
    (void)r;
    out->status = 200;
    out->content_type = "application/json; charset=utf-8";
    out->body = (const char *)srv_openapi_json;
    out->body_len = srv_openapi_json_len;
}

static void get_me(struct srv_req *r, struct srv_reply *out)
{
    out->status = 200;
    out->json = json_pack("{s:s,s:s,s:s}", "name", r->user->name, "role",
                          srv_role_name(r->user->role), "scope", r->user->scope);
}

static void store_error(struct srv_reply *out, cr_store *db)
{
    fprintf(stderr, "crisk serve: store: %s\n", cr_store_errmsg(db));
    srv_error(out, 500, "store", "the store failed to answer");
}

/* A whole number query argument in [min, max], def when absent; -1 when it is not one. */
static long long num_arg(const struct srv_req *r, const char *key, long long def, long long min,
                         long long max)
{
    const char *v = srv_query(r, key);
    if (!v)
        return def;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    return *v && !*end && n >= min && n <= max ? n : -1;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* ---- search ---- */
static int search_row(void *ctx, const struct cr_place *p)
{
    json_array_append_new(ctx,
                          json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "key", str_or_null(p->key), "name",
                                    str_or_null(p->name), "address", str_or_null(p->address),
                                    "district", str_or_null(p->district), "street",
                                    str_or_null(p->street), "grid", str_or_null(p->grid)));
    return 0;
}

static void get_search(struct srv_req *r, struct srv_reply *out)
{
    const char *q = srv_query(r, "q");
    const struct srv_config *c = srv_cfg(r->srv);
    long long limit = srv_query_limit(r, c->search_limit);
    /* Stored names and addresses are NFKC (docs/collect.md): a query typed with an input
     * method's full-width digits or brackets is folded the same way, before its length is
     * judged. Not UTF-8 (a cut character would match the characters it begins): refused. */
    char *norm = NULL;
    size_t norm_len = 0;
    cr_err nrc = q ? cr_nfkc(q, strlen(q), &norm, &norm_len) : CR_OK;
    if (nrc) {
        srv_error(out, nrc == CR_ENOMEM ? 500 : 400, nrc == CR_ENOMEM ? "internal" : "bad_request",
                  nrc == CR_ENOMEM ? "out of memory" : "q is not UTF-8");
        return;
    }
    if (q)
        q = norm;
    if (!q || strlen(q) < 2 || strlen(q) > 200 || limit < 0) {
        free(norm);
        srv_error(out, 400, "bad_request",
                  "search needs q (2 to 200 bytes once full-width forms are folded: a USCC or "
                  "its start, or part of a name or an address) and limit of at least 1 (more "
                  "than search_limit gives search_limit)");
        return;
    }
    char key[CR_USCC_LEN + 1];
    if (cr_uscc_normalize(q, strlen(q), key) == CR_OK)
        q = key;
    json_t *rows = json_array();
    if (cr_store_enterprise_search(r->db, q, srv_scope(r->user), (int)limit, search_row, rows)) {
        free(norm);
        json_decref(rows);
        store_error(out, r->db);
        return;
    }
    free(norm);
    out->status = 200;
    out->json = json_pack("{s:I,s:o}", "count", (json_int_t)json_array_size(rows), "results", rows);
}

/* ---- the portrait ---- */
struct score_ctx {
    json_t *level, *aspects, *top;
    const cr_model *m;
};

/* The indicator of id in m, or NULL. */
static const struct cr_indicator *indicator_find(const cr_model *m, const char *id)
{
    for (size_t a = 0; m && a < m->n_aspects; a++)
        for (size_t c = 0; c < m->aspects[a].n_categories; c++)
            for (size_t i = 0; i < m->aspects[a].categories[c].n_indicators; i++)
                if (strcmp(m->aspects[a].categories[c].indicators[i].id, id) == 0)
                    return &m->aspects[a].categories[c].indicators[i];
    return NULL;
}

static int score_row(void *ctx, const struct cr_score_rec *s)
{
    struct score_ctx *x = ctx;
    char lv[2] = {s->level, 0};
    json_object_set_new(x->level, "level", json_string(lv));
    json_object_set_new(x->level, "score", json_real(s->score));
    json_object_set_new(x->level, "veto", str_or_null(s->veto));
    json_t *asp = s->aspects ? json_loads(s->aspects, 0, NULL) : NULL;
    json_t *top = s->top ? json_loads(s->top, 0, NULL) : NULL;
    size_t i;
    json_t *v;
    json_array_foreach(asp, i, v)
    {
        const struct cr_aspect *a = x->m && i < x->m->n_aspects ? &x->m->aspects[i] : NULL;
        json_array_append_new(x->aspects,
                              json_pack("{s:o,s:o,s:o,s:O}", "id", str_or_null(a ? a->id : NULL),
                                        "name", str_or_null(a ? a->name : NULL), "weight",
                                        a ? json_real(a->weight) : json_null(), "score", v));
    }
    json_array_foreach(top, i, v)
    {
        const char *id = json_string_value(json_array_get(v, 0));
        const struct cr_indicator *ind = id ? indicator_find(x->m, id) : NULL;
        json_array_append_new(x->top,
                              json_pack("{s:o,s:o,s:O,s:O}", "id", str_or_null(id), "name",
                                        str_or_null(ind ? ind->name : NULL), "points",
                                        json_array_get(v, 1), "share", json_array_get(v, 2)));
    }
    json_decref(asp);
    json_decref(top);
    return 0;
}

/* Adds level, aspects and top of the latest run to the portrait o (from the run's stored rows:
 * no recomputation). */
static cr_err add_level(struct srv_req *r, int64_t subject, json_t *o)
{
    json_t *hist = json_object_get(o, "history");
    json_t *last = json_array_get(hist, json_array_size(hist) - 1);
    if (!last)
        return CR_OK;
    int64_t run = json_integer_value(json_object_get(last, "run"));
    struct score_ctx x = {json_object(), json_array(), json_array(),
                          srv_run_model(r->srv, r->db, run)};
    json_object_set(x.level, "run", json_object_get(last, "run"));
    json_object_set(x.level, "as_of", json_object_get(last, "as_of"));
    json_object_set(x.level, "model", json_object_get(last, "model"));
    json_object_set(x.level, "model_hash", json_object_get(last, "model_hash"));
    cr_err rc = cr_store_run_score(r->db, run, subject, score_row, &x);
    if (rc == CR_ENOTFOUND)
        rc = CR_OK;
    json_object_set_new(o, "level", x.level);
    json_object_set_new(o, "aspects", x.aspects);
    json_object_set_new(o, "top", x.top);
    return rc;
}

/* Drops the linked firms outside the user's jurisdiction, leaving their number only. */
static void scope_linked(const struct srv_user *u, json_t *o)
{
    json_t *linked = json_object_get(o, "linked"), *kept = json_array(), *v;
    size_t i, outside = 0;
    json_array_foreach(linked, i, v)
    {
        if (srv_in_scope(u, json_string_value(json_object_get(v, "district")),
                         json_string_value(json_object_get(v, "street")),
                         json_string_value(json_object_get(v, "grid"))))
            json_array_append(kept, v);
        else
            outside++;
    }
    json_object_set_new(o, "linked", kept);
    json_object_set_new(o, "linked_outside", json_integer((json_int_t)outside));
}

/* ---- the portrait cache ----
 * A portrait costs a few hundred key lookups (its events' blocks, its persons, the linked
 * firms and their levels) and its text is the same for every caller of one jurisdiction until
 * the store changes. The cache keeps the portrait's text without "tags", keyed by the key asked
 * for and the caller's scope (the linked firms are filtered by scope), stamped with the store's
 * generation and latest run (cr_store_serve_stamp): a portrait answers from the cache only when
 * both are unchanged; the tags, which `crisk tag` saves again without a new run, are read
 * afresh every time. Only portraits of firms inside the caller's scope are kept; a 404 is never
 * cached. Least recently used entries go first when the cache passes its size. */
enum { PCACHE_BUCKETS = 1 << 14 };
/* Bytes of portrait text kept (about 10 kB each on the generated cities: ~6,000 portraits). */

struct pentry {
    struct pentry *hnext, *prev, *next; /* hash chain; LRU list (head: most recent) */
    uint64_t hash;
    int64_t generation, run, subject;
    size_t len;
    char *text;
    char key[]; /* the key asked for, '\n', the scope */
};

static struct {
    pthread_mutex_t mu;
    struct pentry *bucket[PCACHE_BUCKETS];
    struct pentry *head, *tail;
    size_t bytes;
} pcache = {.mu = PTHREAD_MUTEX_INITIALIZER};

static uint64_t fnv1a(const char *k)
{
    uint64_t h = 1469598103934665603u;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h;
}

static void pcache_unlink(struct pentry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        pcache.head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        pcache.tail = e->prev;
    e->prev = e->next = NULL;
}

static void pcache_front(struct pentry *e)
{
    e->next = pcache.head;
    if (pcache.head)
        pcache.head->prev = e;
    pcache.head = e;
    if (!pcache.tail)
        pcache.tail = e;
}

static void pcache_drop(struct pentry *e)
{
    struct pentry **pp = &pcache.bucket[e->hash % PCACHE_BUCKETS];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    pcache_unlink(e);
    pcache.bytes -= e->len;
    free(e->text);
    free(e);
}

static struct pentry *pcache_find(const char *key, uint64_t h)
{
    for (struct pentry *e = pcache.bucket[h % PCACHE_BUCKETS]; e; e = e->hnext)
        if (e->hash == h && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

/* A copy of the cached text of key when its stamp is (generation, run), with its subject;
 * NULL when there is none. */
static char *pcache_get(const char *key, int64_t generation, int64_t run, int64_t *subject)
{
    uint64_t h = fnv1a(key);
    char *text = NULL;
    pthread_mutex_lock(&pcache.mu);
    struct pentry *e = pcache_find(key, h);
    if (e && (e->generation != generation || e->run != run)) {
        pcache_drop(e);
        e = NULL;
    }
    if (e && (text = malloc(e->len + 1))) {
        memcpy(text, e->text, e->len + 1);
        *subject = e->subject;
        pcache_unlink(e);
        pcache_front(e);
    }
    pthread_mutex_unlock(&pcache.mu);
    return text;
}

/* Keeps text (taken over) for key with its stamp. */
static void pcache_put(const char *key, int64_t generation, int64_t run, int64_t subject,
                       char *text, size_t pcache_bytes)
{
    size_t klen = strlen(key), len = strlen(text);
    struct pentry *e = len < pcache_bytes / 4 ? malloc(sizeof *e + klen + 1) : NULL;
    if (!e) {
        free(text);
        return;
    }
    *e = (struct pentry){.hash = fnv1a(key),
                         .generation = generation,
                         .run = run,
                         .subject = subject,
                         .len = len,
                         .text = text};
    memcpy(e->key, key, klen + 1);
    pthread_mutex_lock(&pcache.mu);
    struct pentry *old = pcache_find(key, e->hash);
    if (old)
        pcache_drop(old);
    e->hnext = pcache.bucket[e->hash % PCACHE_BUCKETS];
    pcache.bucket[e->hash % PCACHE_BUCKETS] = e;
    pcache_front(e);
    pcache.bytes += len;
    while (pcache.bytes > pcache_bytes && pcache.tail != e)
        pcache_drop(pcache.tail);
    pthread_mutex_unlock(&pcache.mu);
}

/* The portrait o as cached: its members but "tags", in order. NULL when it cannot be made. */
static char *portrait_text(json_t *o)
{
    json_t *rest = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (strcmp(k, "tags") != 0)
            json_object_set(rest, k, v);
    }
    char *text = json_dumps(rest, JSON_COMPACT);
    json_decref(rest);
    return text;
}

/* The portrait's answer from its cached text and fresh tags (taken): "tags" first, as built,
 * spliced as text (json_dumps of the built object gives the same bytes: compact, members in
 * order), so that a cached answer costs no parse of the portrait. NULL without memory. */
static char *portrait_from(const char *text, json_t *tags, size_t *len)
{
    char *t = json_dumps(tags, JSON_COMPACT);
    json_decref(tags);
    size_t tlen = t ? strlen(t) : 0, rlen = strlen(text);
    char *out = t && rlen >= 2 && text[0] == '{' ? malloc(tlen + rlen + 16) : NULL;
    if (out)
        *len = (size_t)snprintf(out, tlen + rlen + 16, "{\"tags\":%s%s%s", t, rlen > 2 ? "," : "",
                                text + 1);
    free(t);
    return out;
}

static void get_portrait(struct srv_req *r, struct srv_reply *out)
{
    const char *given = r->param[0];
    char key[CR_USCC_LEN + 1];
    const char *lookup = given;
    snprintf(r->audit_object, sizeof r->audit_object, "%s", given);
    if (cr_uscc_normalize(given, strlen(given), key) == CR_OK) {
        lookup = key;
        snprintf(r->audit_object, sizeof r->audit_object, "%s", key);
    } else if (!strchr(given, ':')) {
        srv_error(out, 400, "bad_uscc", "not a USCC (nor a department's key ns:key)");
        return;
    }
    int64_t generation = 0, run = 0, subject = 0;
    char ckey[300];
    int cacheable =
        !cr_store_serve_stamp(r->db, &generation, &run) &&
        (size_t)snprintf(ckey, sizeof ckey, "%s\n%s", lookup, srv_scope(r->user)) < sizeof ckey;
    char *text = cacheable ? pcache_get(ckey, generation, run, &subject) : NULL;
    if (text) {
        json_t *tags = json_array();
        char *body = NULL;
        size_t len = 0;
        if (cr_store_portrait_tags(r->db, subject, tags) == CR_OK)
            body = portrait_from(text, tags, &len);
        else
            json_decref(tags);
        free(text);
        if (!body) {
            store_error(out, r->db);
            return;
        }
        out->status = 200;
        out->content_type = "application/json; charset=utf-8";
        out->body = body;
        out->body_len = len;
        out->body_free = 1;
        return;
    }
    char district[16], street[16], grid[16];
    cr_err rc = cr_store_subject_find(r->db, lookup, &subject);
    if (!rc)
        rc = cr_store_enterprise_place(r->db, subject, district, street, grid);
    /* Outside the jurisdiction reads exactly as not there. */
    if (rc == CR_ENOTFOUND || (!rc && !srv_in_scope(r->user, district, street, grid))) {
        srv_error(out, 404, "not_found", "no such enterprise");
        return;
    }
    json_t *o = NULL;
    if (rc || (rc = cr_store_portrait(r->db, subject, (int)srv_cfg(r->srv)->portrait_events, &o)) ||
        (rc = add_level(r, subject, o))) {
        json_decref(o);
        if (rc == CR_ENOTFOUND)
            srv_error(out, 404, "not_found", "no such enterprise");
        else
            store_error(out, r->db);
        return;
    }
    scope_linked(r->user, o);
    if (cacheable && (text = portrait_text(o)))
        pcache_put(ckey, generation, run, subject, text,
                   (size_t)srv_cfg(r->srv)->portrait_cache_mib << 20);
    out->status = 200;
    out->json = o;
}

/* ---- runs and level counts ---- */
/* A run's created, stored as SQLite's datetime('now') ("YYYY-MM-DD HH:MM:SS", UTC), in ISO 8601
 * as the audit rows give theirs ("YYYY-MM-DDTHH:MM:SSZ"); another form is given as stored. */
static void stored_time_iso(const char *stored, char out[32])
{
    size_t n = strlen(stored);
    if (n == 19 && stored[10] == ' ')
        snprintf(out, 32, "%.10sT%.8sZ", stored, stored + 11);
    else
        snprintf(out, 32, "%s", stored);
}

static int run_row(void *ctx, const struct cr_run_info *x)
{
    char as_of[11], created[32];
    cr_day_format(x->as_of, as_of);
    stored_time_iso(x->created ? x->created : "", created);
    json_array_append_new(ctx,
                          json_pack("{s:I,s:s,s:i,s:s,s:s,s:s,s:I,s:I,s:f}", "id",
                                    (json_int_t)x->id, "model", x->model_id, "model_version",
                                    x->model_version, "model_hash", x->model_hash, "as_of", as_of,
                                    "created", created, "enterprises", (json_int_t)x->enterprises,
                                    "events", (json_int_t)x->events, "seconds", x->seconds));
    return 0;
}

static void get_runs(struct srv_req *r, struct srv_reply *out)
{
    json_t *rows = json_array();
    if (cr_store_runs_each(r->db, run_row, rows)) {
        json_decref(rows);
        store_error(out, r->db);
        return;
    }
    out->status = 200;
    out->json = json_pack("{s:o}", "runs", rows);
}

struct levels_ctx {
    json_t *rows;
    const cr_ref *ref;
};

static int level_row(void *ctx, const char *code, const int64_t n[4])
{
    struct levels_ctx *x = ctx;
    const struct cr_division *dv = x->ref && *code ? cr_ref_division_find(x->ref, code) : NULL;
    json_array_append_new(x->rows, json_pack("{s:s,s:o,s:I,s:I,s:I,s:I}", "code", code, "name",
                                             dv ? json_string(dv->name) : json_null(), "A",
                                             (json_int_t)n[0], "B", (json_int_t)n[1], "C",
                                             (json_int_t)n[2], "D", (json_int_t)n[3]));
    return 0;
}

static void get_levels(struct srv_req *r, struct srv_reply *out)
{
    const char *by = srv_query(r, "by");
    int digits = !by || strcmp(by, "district") == 0 ? 6
                 : strcmp(by, "street") == 0        ? 9
                 : strcmp(by, "grid") == 0          ? 12
                                                    : 0;
    int64_t run = 0;
    char *end = NULL;
    if (strcmp(r->param[0], "latest") == 0) {
        cr_err rc = cr_store_run_latest(r->db, &run);
        if (rc || run <= 0) {
            srv_error(out, 404, "not_found", "no classification run yet");
            return;
        }
    } else {
        run = strtoll(r->param[0], &end, 10);
        if (!*r->param[0] || *end || run <= 0)
            digits = 0;
    }
    if (!digits) {
        srv_error(out, 400, "bad_request",
                  "levels needs a run id (or latest) and by = district, street or grid");
        return;
    }
    if (srv_run_exists(r, run, out) != 1)
        return;
    struct levels_ctx x = {json_array(), srv_ref(r->srv)};
    cr_err rc = cr_store_run_by_division(r->db, run, digits, srv_scope(r->user), level_row, &x);
    if (rc) {
        json_decref(x.rows);
        store_error(out, r->db);
        return;
    }
    out->status = 200;
    out->json = json_pack("{s:I,s:s,s:s,s:o}", "run", (json_int_t)run, "by",
                          digits == 6   ? "district"
                          : digits == 9 ? "street"
                                        : "grid",
                          "scope", srv_scope(r->user), "rows", x.rows);
}

/* ---- the model ---- */
static void get_model(struct srv_req *r, struct srv_reply *out)
{
    int64_t run = 0;
    if (cr_store_run_latest(r->db, &run))
        run = 0;
    const cr_model *m = srv_run_model(r->srv, r->db, run);
    if (!m) {
        srv_error(out, 500, "model", "the model cannot be read");
        return;
    }
    json_t *aspects = json_array();
    for (size_t a = 0; a < m->n_aspects; a++) {
        const struct cr_aspect *as = &m->aspects[a];
        json_t *cats = json_array();
        for (size_t c = 0; c < as->n_categories; c++) {
            const struct cr_category *cat = &as->categories[c];
            json_t *inds = json_array();
            for (size_t i = 0; i < cat->n_indicators; i++) {
                const struct cr_indicator *ind = &cat->indicators[i];
                json_array_append_new(inds, json_pack("{s:s,s:s,s:f,s:s,s:i}", "id", ind->id,
                                                      "name", ind->name, "weight", ind->weight,
                                                      "aggregation", cr_agg_name(ind->agg),
                                                      "window_days", ind->window_days));
            }
            json_array_append_new(cats,
                                  json_pack("{s:s,s:s,s:f,s:o}", "id", cat->id, "name", cat->name,
                                            "weight", cat->weight, "indicators", inds));
        }
        json_array_append_new(aspects,
                              json_pack("{s:s,s:s,s:f,s:o}", "id", as->id, "name", as->name,
                                        "weight", as->weight, "categories", cats));
    }
    out->status = 200;
    out->json = json_pack("{s:s,s:i,s:s,s:s,s:I,s:I,s:o}", "id", m->id, "version", m->version,
                          "hash", m->hash, "name", m->name, "indicators",
                          (json_int_t)m->n_indicators, "run", (json_int_t)run, "aspects", aspects);
}

/* ---- quarantine ---- */
static void reason_row(void *ctx, const char *reason, int64_t n)
{
    json_array_append_new(ctx, json_pack("{s:s,s:I}", "reason", reason, "open", (json_int_t)n));
}

/* by_department: [{department, name, open, by_reason: {reason: n}}], rows come by department. */
static int department_row(void *ctx, const char *department, const char *name, const char *reason,
                          int64_t n)
{
    json_t *all = ctx;
    json_t *last = json_array_get(all, json_array_size(all) - 1);
    if (!last || strcmp(json_string_value(json_object_get(last, "department")), department)) {
        last =
            json_pack("{s:s,s:o,s:I,s:{}}", "department", department, "name",
                      *name ? json_string(name) : json_null(), "open", (json_int_t)0, "by_reason");
        json_array_append_new(all, last);
    }
    json_object_set_new(last, "open",
                        json_integer(json_integer_value(json_object_get(last, "open")) + n));
    json_object_set_new(json_object_get(last, "by_reason"), reason, json_integer(n));
    return 0;
}

static void get_quarantine(struct srv_req *r, struct srv_reply *out)
{
    int64_t open = 0, resolved = 0;
    json_t *rows = json_array(), *deps = json_array();
    if (cr_store_quarantine_totals(r->db, &open, &resolved) ||
        cr_store_quarantine_counts(r->db, reason_row, rows) ||
        cr_store_quarantine_by_department(r->db, department_row, deps)) {
        json_decref(rows);
        json_decref(deps);
        store_error(out, r->db);
        return;
    }
    out->status = 200;
    out->json = json_pack("{s:I,s:I,s:o,s:o}", "open", (json_int_t)open, "resolved",
                          (json_int_t)resolved, "by_reason", rows, "by_department", deps);
}

/* ---- the audit log ---- */
/* A stored text as JSON: as it is when it is UTF-8, else in srv_text_copy's form (\xNN), so
 * that no row is left out of the answer for its bytes. NULL without memory. */
static json_t *audit_text(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (cr_utf8_valid_prefix(s ? s : "", len) == len)
        return json_string(s ? s : "");
    char *b = malloc(len * 4 + 1);
    json_t *j = NULL;
    if (b) {
        srv_text_copy(b, len * 4 + 1, s, 0);
        j = json_string(b);
        free(b);
    }
    return j;
}

struct audit_ctx {
    json_t *rows;
    int failed;
};

static int audit_row(void *ctx, const struct cr_audit_rec *a)
{
    struct audit_ctx *x = ctx;
    char at[SRV_TIME_ISO_CAP];
    srv_time_iso(a->at, at);
    json_t *f[5] = {audit_text(a->user), audit_text(a->role), audit_text(a->action),
                    audit_text(a->object), audit_text(a->client)};
    json_t *row = NULL;
    if (f[0] && f[1] && f[2] && f[3] && f[4])
        row = json_pack("{s:I,s:s,s:O,s:O,s:O,s:O,s:i,s:O}", "id", (json_int_t)a->id, "at", at,
                        "user", f[0], "role", f[1], "action", f[2], "object", f[3], "status",
                        a->status, "client", f[4]);
    for (int i = 0; i < 5; i++)
        json_decref(f[i]);
    /* A row that cannot be encoded stops the answer (500) rather than going missing from it. */
    if (!row || json_array_append_new(x->rows, row)) {
        x->failed = 1;
        return 1;
    }
    return 0;
}

static void get_audit(struct srv_req *r, struct srv_reply *out)
{
    const struct srv_config *c = srv_cfg(r->srv);
    long long limit = srv_query_limit(r, c->audit_page);
    long long before = num_arg(r, "before", 0, 1, INT64_MAX); /* absent: the newest page */
    if (limit < 0 || before < 0) {
        srv_error(
            out, 400, "bad_request",
            "limit (at least 1; more than audit_page gives audit_page) and before (an id of at "
            "least 1) only");
        return;
    }
    struct audit_ctx x = {json_array(), 0};
    if (cr_store_audit_each(r->db, before, (int)limit, audit_row, &x)) {
        json_decref(x.rows);
        store_error(out, r->db);
        return;
    }
    if (x.failed) {
        json_decref(x.rows);
        srv_error(out, 500, "internal", "an audit row could not be encoded (out of memory)");
        return;
    }
    out->status = 200;
    out->json = json_pack("{s:o}", "rows", x.rows);
}

/* ---- users ---- */
struct user_w {
    struct cr_user_rec u;
    int64_t id;
};
static cr_err user_write(void *ctx, cr_store *w)
{
    struct user_w *x = ctx;
    return cr_store_user_add(w, &x->u, (int64_t)time(NULL), &x->id);
}

static void post_user(struct srv_req *r, struct srv_reply *out)
{
    static const char *const fields[] = {"name", "password", "role", "scope"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        json_t *v = json_object_get(r->body, fields[i]);
        if (v && !json_is_string(v)) {
            char msg[80];
            snprintf(msg, sizeof msg, "%s must be text (a JSON string)", fields[i]);
            srv_error(out, 400, "bad_request", msg);
            return;
        }
    }
    const char *name = json_string_value(json_object_get(r->body, "name"));
    const char *role = json_string_value(json_object_get(r->body, "role"));
    const char *scope = json_string_value(json_object_get(r->body, "scope"));
    const char *password = json_string_value(json_object_get(r->body, "password"));
    snprintf(r->audit_object, sizeof r->audit_object, "%s", name ? name : "");
    if (srv_body_keys(r, out, "name,password,role,scope"))
        return;
    struct user_w x = {0};
    cr_diag d = {{0}, {0}, 0, 0};
    if (srv_user_make(name, role, scope, password, srv_cfg(r->srv)->password_min_chars,
                      srv_ref(r->srv), srv_city(r->srv), &x.u, &d)) {
        srv_error(out, 400, "bad_request", d.msg);
        return;
    }
    char why[200];
    if (srv_write(r->srv, 0, user_write, &x, why, sizeof why)) {
        fprintf(stderr, "crisk serve: cannot add a user: %s\n", why);
        srv_error(out, 503, "store_busy", "the store is busy (another verb holds its lock)");
        return;
    }
    if (!x.id) {
        srv_error(out, 409, "exists", "a user of that name exists");
        return;
    }
    out->status = 201;
    out->json = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)x.id, "name", x.u.name, "role",
                          x.u.role, "scope", x.u.scope);
}

static json_t *iso_time(int64_t t)
{
    char b[SRV_TIME_ISO_CAP];
    srv_time_iso(t, b);
    return json_string(b);
}

struct users_ctx {
    json_t *rows;
    int failed;
};

static int user_row(void *ctx, const struct cr_user_info *u)
{
    struct users_ctx *x = ctx;
    json_t *row = json_pack("{s:I,s:s,s:s,s:s,s:b,s:o,s:I,s:o}", "id", (json_int_t)u->id, "name",
                            u->name, "role", u->role, "scope", u->scope, "disabled", u->disabled,
                            "created", iso_time(u->created), "sessions", (json_int_t)u->sessions,
                            "last_seen", u->last_seen ? iso_time(u->last_seen) : json_null());
    /* A row that cannot be encoded stops the answer (500) rather than going missing from it. */
    x->failed = !row || json_array_append_new(x->rows, row);
    return x->failed;
}

static void get_users(struct srv_req *r, struct srv_reply *out)
{
    struct users_ctx x = {json_array(), 0};
    if (cr_store_users_each(r->db, (int64_t)time(NULL), user_row, &x)) {
        json_decref(x.rows);
        store_error(out, r->db);
        return;
    }
    if (x.failed) {
        json_decref(x.rows);
        srv_error(out, 500, "internal", "a user row could not be encoded (out of memory)");
        return;
    }
    out->status = 200;
    out->json = json_pack("{s:o}", "users", x.rows);
}

struct user_set_w {
    const char *name;
    int disabled;
    const char *pwhash;
    int found;
};
static cr_err user_set_write(void *ctx, cr_store *w)
{
    struct user_set_w *x = ctx;
    return cr_store_user_set(w, x->name, x->disabled, x->pwhash, &x->found);
}

/* PATCH /api/v1/users/{name} {"disabled": bool, "password": text}: crisk user disable, enable
 * and passwd. Disabling or a new password ends the user's sessions. */
static void patch_user(struct srv_req *r, struct srv_reply *out)
{
    const char *name = r->param[0];
    snprintf(r->audit_object, sizeof r->audit_object, "%s", name);
    if (srv_body_keys(r, out, "disabled,password,current_password"))
        return;
    json_t *dis = json_object_get(r->body, "disabled");
    json_t *pw = json_object_get(r->body, "password");
    if ((!dis && !pw) || (dis && !json_is_boolean(dis)) || (pw && !json_is_string(pw))) {
        srv_error(out, 400, "bad_request",
                  "give {\"disabled\": true|false} and/or {\"password\": \"…\"}");
        return; /* the audit row's object: the name alone, nothing was asked */
    }
    /* The audit row says what was asked: "wang:disable", "wang:enable+password", … */
    snprintf(r->audit_object, sizeof r->audit_object, "%s:%s%s%s", name,
             !dis                ? ""
             : json_is_true(dis) ? "disable"
                                 : "enable",
             dis && pw ? "+" : "", pw ? "password" : "");
    if (dis && json_is_true(dis) && r->user && strcmp(r->user->name, name) == 0) {
        srv_error(out, 409, "self", "an administrator cannot disable itself");
        return;
    }
    char pwhash[160];
    struct user_set_w x = {.name = name, .disabled = dis ? json_is_true(dis) : -1};
    int self = r->user && strcmp(r->user->name, name) == 0;
    if (json_object_get(r->body, "current_password") && (!self || !pw)) {
        /* never silently ignored: an administrator sets another's password without it, and
         * with no new password it checks nothing (a wrong one must not answer 200) */
        srv_error(out, 400, "bad_request",
                  self ? "current_password goes only with a new password of one's own "
                         "(\"password\")"
                       : "current_password is for one's own password only (another user's is "
                         "set without it)");
        return;
    }
    if (pw && self) {
        /* One's own password only with the current one: a stolen session (cookie and CSRF
         * token) must not become the account for good. Counted by the login limits. */
        const char *cur = json_string_value(json_object_get(r->body, "current_password"));
        struct cr_user_rec me;
        if (!cur) {
            srv_error(out, 400, "bad_request",
                      "your own new password needs your current one (\"current_password\")");
            return;
        }
        if (srv_password_check(r, name, cur, 1, &me, "当前密码错误", out)) {
            if (out->status == 401) /* logged in: a wrong current password is no lost session */
                srv_error(out, 403, "bad_password", "当前密码错误");
            return;
        }
    }
    if (pw) {
        cr_diag d = {{0}, {0}, 0, 0};
        if (srv_password_hash(json_string_value(pw), srv_cfg(r->srv)->password_min_chars, pwhash,
                              &d)) {
            srv_error(out, 400, "bad_request", d.msg);
            return;
        }
        x.pwhash = pwhash;
    }
    char why[200];
    cr_err rc = srv_write(r->srv, 0, user_set_write, &x, why, sizeof why);
    sodium_memzero(pwhash, sizeof pwhash);
    if (rc) {
        fprintf(stderr, "crisk serve: cannot change a user: %s\n", why);
        srv_error(out, 503, "store_busy",
                  "the user cannot be changed now (another verb holds the store, or it failed: "
                  "the server's log says which)");
        return;
    }
    if (!x.found) {
        srv_error(out, 404, "not_found", "no such user");
        return;
    }
    struct cr_user_rec u;
    if (cr_store_user_by_name(r->db, name, &u)) {
        store_error(out, r->db);
        return;
    }
    out->status = 200;
    out->json = json_pack("{s:s,s:s,s:s,s:b}", "name", u.name, "role", u.role, "scope", u.scope,
                          "disabled", u.disabled);
}

#define ADMIN SRV_ROLE(SRV_CITY_ADMIN)
#define CITY (SRV_ROLE(SRV_CITY_ADMIN) | SRV_ROLE(SRV_CITY_ANALYST))
#define AUDITORS (SRV_ROLE(SRV_AUDITOR) | SRV_ROLE(SRV_CITY_ADMIN))

static const struct srv_route core[] = {
    {"GET", "/api/v1/openapi.json", get_openapi, 0, SRV_PUBLIC, "openapi"},
    {"POST", "/api/v1/login", srv_login, 0, SRV_PUBLIC | SRV_WRITE, "login"},
    {"POST", "/api/v1/logout", srv_logout, SRV_EVERYONE, SRV_WRITE, "logout"},
    {"GET", "/api/v1/me", get_me, SRV_EVERYONE, 0, "me"},
    {"GET", "/api/v1/enterprises", get_search, SRV_READERS, 0, "search"},
    {"GET", "/api/v1/enterprises/{uscc}", get_portrait, SRV_READERS, SRV_AUDIT, "portrait"},
    {"GET", "/api/v1/runs", get_runs, SRV_EVERYONE, 0, "runs"},
    {"GET", "/api/v1/runs/{run}/levels", get_levels, SRV_READERS, 0, "levels"},
    {"GET", "/api/v1/model", get_model, SRV_EVERYONE, 0, "model"},
    {"GET", "/api/v1/quarantine", get_quarantine, CITY, 0, "quarantine"},
    {"GET", "/api/v1/audit", get_audit, AUDITORS, 0, "audit"},
    {"GET", "/api/v1/users", get_users, ADMIN, 0, "users"},
    /* users are the server's own rows, as sessions: no crisk lock (an account is shut out
     * during a monthly ingest too) */
    {"POST", "/api/v1/users", post_user, ADMIN, SRV_WRITE, "user.add"},
    {"PATCH", "/api/v1/users/{name}", patch_user, ADMIN, SRV_WRITE, "user.set"},
};

const struct srv_route_table srv_routes_core = {"core", core, sizeof core / sizeof *core};
