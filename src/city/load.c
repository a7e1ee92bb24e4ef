/* Loading a city's columns for classification from the store, whole or one enterprise's
 * neighbourhood, in one read transaction: the registry, the topics' kinds and the roles here;
 * the events in events.c (or the cache, cache.c). */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/tables.h"
#include "crisk/escape.h"
#include "crisk/progress.h"
#include "internal.h"

_Thread_local char cr__city_why[256];

void cr__city_set_why(const char *what, const char *detail)
{
    if (!cr__city_why[0])
        snprintf(cr__city_why, sizeof cr__city_why, "%s%s%s", what, detail ? ": " : "",
                 detail ? detail : "");
}

/* SQLite's message of the store's last call ("not an error" when it succeeded). */
static const char *db_msg(cr_store *s)
{
    const char *m = cr_store_db_error(s);
    return m ? m : "not an error";
}

static char *str_dup(const char *t)
{
    return t ? strdup(t) : NULL;
}

/* A failed reader's query that did not fit its buffer (a programming error), said so. */
static cr_err query_too_long(cr_err err, const char *why)
{
    if (err && why)
        cr__city_set_why("a query longer than its buffer", why);
    return err;
}

struct ent_fill {
    struct cr_city *c;
    int32_t *dense;
    int64_t maxs;
    size_t e, N;
    cr_err err;
};

static int ent_row(void *ctx, const struct cr_enterprise_rec *r)
{
    struct ent_fill *f = ctx;
    struct cr_city *c = f->c;
    size_t e = f->e;
    if (e >= f->N)
        return 1;
    c->subject[e] = r->subject;
    if (c->subject[e] < 0 || c->subject[e] > f->maxs)
        return 1; /* rows that do not agree: reported below */
    snprintf(c->uscc[e], sizeof c->uscc[e], "%s", r->uscc ? r->uscc : "");
    c->established[e] = r->has_established ? r->established : CR_NO_DAY;
    c->capital_wan[e] = r->has_capital ? (double)r->capital_fen / 1e6 : (double)NAN;
    c->industry[e] = str_dup(r->industry);
    c->type[e] = str_dup(r->type);
    c->status[e] = str_dup(r->status);
    if ((r->industry && !c->industry[e]) || (r->type && !c->type[e]) ||
        (r->status && !c->status[e]))
        f->err = CR_ENOMEM;
    c->addr[e] = -1;
    f->dense[c->subject[e]] = (int32_t)e;
    f->e++;
    return f->err != CR_OK;
}

/* Address ids: the keys come in order, one key's enterprises together, so a key unlike the one
 * before starts the next id. */
struct addr_fill {
    struct cr_city *c;
    const int32_t *dense;
    int64_t maxs;
    struct buf prev;
    int32_t n;
    int bad;
};

static int addr_row(void *ctx, int64_t subject, const char *key, size_t len)
{
    struct addr_fill *f = ctx;
    if (subject < 0 || subject > f->maxs || f->dense[subject] < 0) {
        f->bad = 1; /* rows that do not agree: reported below */
        return 1;
    }
    /* len 0: a damaged row may give a NULL key, which memcmp must not see */
    if (f->n == 0 || f->prev.len != len || (len && memcmp(f->prev.p, key, len) != 0)) {
        f->prev.len = 0;
        cr__buf_add(&f->prev, key, len);
        if (f->prev.oom)
            return 1;
        f->n++;
    }
    f->c->addr[f->dense[subject]] = f->n - 1;
    return 0;
}

static cr_err load_addrs(cr_store *s, int around, struct cr_city *c, const int32_t *dense,
                         int64_t maxs)
{
    struct addr_fill f = {.c = c, .dense = dense, .maxs = maxs};
    const char *why = NULL;
    cr_err err = query_too_long(cr_store_addr_keys_read(s, around, addr_row, &f, &why), why);
    if (!err && f.prev.oom)
        err = CR_ENOMEM;
    if (!err && f.bad) {
        cr__city_set_why("reading the address keys",
                         "an address key of an enterprise the load did not see (the store is "
                         "damaged)");
        err = CR_ESTORE;
    }
    free(f.prev.p);
    c->n_addr = (size_t)f.n;
    return err;
}

static cr_err load_enterprises(cr_store *s, int around, struct cr_city *c, int32_t **dense,
                               int64_t *max_subj)
{
    int64_t n = 0, maxs = 0;
    const char *why = NULL;
    if (query_too_long(cr_store_enterprise_extent(s, around, &n, &maxs, &why), why))
        return CR_ESTORE;
    /* Subject ids are dense-indexed and kept in 32 bits: a count or id outside that range (a
     * damaged store) would wrap the allocations below. */
    if (n < 0 || n > INT32_MAX || maxs < 0 || maxs > INT32_MAX ||
        (size_t)maxs + 1 > SIZE_MAX / sizeof **dense) {
        cr__city_set_why("reading the enterprises",
                         "a subject id or count outside 0..2147483647 (the store is damaged)");
        return CR_ESTORE;
    }
    size_t N = (size_t)n;
    c->n = N;
    c->subject = calloc(N + 1, sizeof *c->subject);
    c->uscc = calloc(N + 1, sizeof *c->uscc);
    c->established = calloc(N + 1, sizeof *c->established);
    c->capital_wan = calloc(N + 1, sizeof *c->capital_wan);
    c->industry = calloc(N + 1, sizeof *c->industry);
    c->type = calloc(N + 1, sizeof *c->type);
    c->status = calloc(N + 1, sizeof *c->status);
    c->addr = calloc(N + 1, sizeof *c->addr);
    *dense = malloc(((size_t)maxs + 1) * sizeof **dense);
    if (!c->subject || !c->uscc || !c->established || !c->capital_wan || !c->industry || !c->type ||
        !c->status || !c->addr || !*dense)
        return CR_ENOMEM;
    for (int64_t i = 0; i <= maxs; i++)
        (*dense)[i] = -1;
    *max_subj = maxs;
    struct ent_fill f = {.c = c, .dense = *dense, .maxs = maxs, .N = N};
    if (query_too_long(cr_store_enterprises_read(s, around, ent_row, &f, &why), why))
        return CR_ESTORE;
    cr_err err = f.err;
    if (!err && f.e != N) {
        const char *db = cr_store_db_error(s);
        cr__city_set_why("reading the enterprises",
                         db ? db
                            : "fewer rows than counted, or a subject out of range (the store "
                              "is damaged)");
        err = CR_ESTORE;
    }
    return err;
}

struct kind_fill {
    struct cr_city *c;
    struct cr__dict kinds;
    cr_err err;
};

static int kind_row(void *ctx, int64_t id, const char *kind, size_t len)
{
    struct kind_fill *f = ctx;
    int32_t k = cr__dict_id(&f->kinds, kind, len);
    if (k < 0)
        f->err = CR_ENOMEM;
    else
        f->c->topic_kind[id] = k;
    return f->err != CR_OK;
}

/* Kind dictionary and topic → kind. */
static cr_err load_topics(cr_store *s, struct cr_city *c)
{
    int64_t top = 0;
    if (cr_store_topic_top(s, &top))
        return CR_ESTORE;
    size_t max = (size_t)top;
    if (max > 65535) {
        cr__city_set_why("more than 65,535 topics", "the engine keeps a topic in 16 bits");
        return CR_ERANGE; /* ev_topic is 16-bit */
    }
    c->n_topics = max + 1;
    c->topic_kind = malloc((max + 1) * sizeof *c->topic_kind);
    if (!c->topic_kind)
        return CR_ENOMEM;
    for (size_t i = 0; i <= max; i++)
        c->topic_kind[i] = -1;
    struct kind_fill f = {.c = c};
    if (cr_store_topic_kinds(s, kind_row, &f)) {
        cr__dict_free(&f.kinds, 0);
        return CR_ESTORE;
    }
    c->kinds = f.kinds.keys;
    c->n_kinds = f.kinds.n;
    cr__dict_free(&f.kinds, 1);
    return f.err;
}

/* The roles are read in two halves: the rows as they are (on a thread of their own while the
 * enterprises load, when a second connection can be had), then placed by enterprise once the
 * enterprises' dense index is known. */
/* The first role names are found by their lengths and bytes, without hashing (a city has a
 * handful: 法定代表人, 股东, …; 8.4 M rows on the full city). */
#define ROLES_FAST 16

struct role_fill {
    cr_store *s;
    int around;
    int32_t *subj, *person; /* subj: the subject, then the enterprise's dense index; -1: none */
    uint8_t *role;
    size_t n, cap;
    struct cr__dict roles;
    size_t role_len[ROLES_FAST]; /* the first role names' lengths */
    cr_err err;
    char why[256];
};

static int role_row(void *ctx, int64_t s, int64_t p, const char *name, size_t len)
{
    struct role_fill *f = ctx;
    if (f->n >= f->cap) {
        f->err = CR_ESTORE;
        snprintf(f->why, sizeof f->why,
                 "more roles than counted (the store's rows do not agree: it is damaged)");
        return 1;
    }
    int32_t r = -1;
    for (size_t i = 0; i < f->roles.n && i < ROLES_FAST; i++)
        if (f->role_len[i] == len && (!len || memcmp(f->roles.keys[i], name, len) == 0)) {
            r = (int32_t)i;
            break;
        }
    if (r < 0) {
        r = cr__dict_id(&f->roles, name, len);
        if (r >= 0 && r < ROLES_FAST)
            f->role_len[r] = len;
    }
    if (r < 0 || r > 255) {
        f->err = r == -2 ? CR_ENOMEM : CR_ERANGE;
        if (f->err == CR_ERANGE)
            snprintf(f->why, sizeof f->why,
                     "more than 256 role names: the engine keeps a role "
                     "in 8 bits");
        return 1;
    }
    size_t n = f->n++;
    f->subj[n] = s < 0 || s > INT32_MAX ? -1 : (int32_t)s;
    f->person[n] = p < 0 || p > INT32_MAX ? -1 : (int32_t)p;
    f->role[n] = (uint8_t)r;
    return 0;
}

static cr_err roles_begin(cr_store *s, int around, struct cr_city *c, struct role_fill *f)
{
    int64_t n_roles = 0, max_person = 0;
    const char *why = NULL;
    f->s = s;
    f->around = around;
    if (query_too_long(cr_store_role_extent(s, around, &n_roles, &max_person, &why), why))
        return CR_ESTORE;
    if (n_roles < 0 || (uint64_t)n_roles >= SIZE_MAX / sizeof *f->subj || max_person < 0 ||
        max_person >= INT32_MAX) {
        cr__city_set_why("reading the roles",
                         "a count or person id outside 0..2147483647 (the store is damaged)");
        return CR_ESTORE;
    }
    f->cap = (size_t)n_roles + 1;
    c->n_persons = (size_t)max_person + 1;
    f->subj = malloc(f->cap * sizeof *f->subj);
    f->person = malloc(f->cap * sizeof *f->person);
    f->role = malloc(f->cap);
    return f->subj && f->person && f->role ? CR_OK : CR_ENOMEM;
}

static void *roles_read(void *arg)
{
    struct role_fill *f = arg;
    const char *why = NULL;
    cr_err err = query_too_long(cr_store_roles_read(f->s, f->around, role_row, f, &why), why);
    if (err && !f->why[0]) {
        const char *db = why ? why : cr_store_db_error(f->s);
        snprintf(f->why, sizeof f->why, "%s", db ? db : cr_strerror(err));
    }
    if (!f->err)
        f->err = err;
    return NULL;
}

/* Places the rows read by enterprise (c->ro_*); rows of a subject that is no enterprise of the
 * city, or of a person out of range, are left out. */
static cr_err roles_finish(struct cr_city *c, struct role_fill *f, const int32_t *dense,
                           int64_t max_subj)
{
    cr_err err = f->err;
    if (err) {
        cr__city_set_why("reading the roles", f->why[0] ? f->why : NULL);
        goto out;
    }
    c->ro_off = calloc(c->n + 2, sizeof *c->ro_off);
    if (!c->ro_off) {
        err = CR_ENOMEM;
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++) {
        int32_t s = f->subj[i], p = f->person[i];
        if (s < 0 || s > max_subj || dense[s] < 0 || p < 0 || (size_t)p >= c->n_persons)
            continue;
        f->subj[n] = dense[s];
        f->person[n] = p;
        f->role[n] = f->role[i];
        c->ro_off[f->subj[n] + 1]++;
        n++;
    }
    for (size_t e = 0; e < c->n; e++)
        c->ro_off[e + 1] += c->ro_off[e];
    c->n_roles = n;
    c->ro_person = malloc((n + 1) * sizeof *c->ro_person);
    c->ro_role = malloc(n + 1);
    size_t *fill = calloc(c->n + 1, sizeof *fill);
    if (!c->ro_person || !c->ro_role || !fill) {
        free(fill);
        err = CR_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t at = c->ro_off[f->subj[i]] + fill[f->subj[i]]++;
        c->ro_person[at] = f->person[i];
        c->ro_role[at] = f->role[i];
    }
    free(fill);
out:
    c->role_names = f->roles.keys;
    c->n_role_names = f->roles.n;
    cr__dict_free(&f->roles, 1);
    free(f->subj);
    free(f->person);
    free(f->role);
    return err;
}

/* The whole load reads one committed state of the store: it runs in one read transaction (its
 * extra connections check they see the same, events.c), so an ingest committing meanwhile
 * is either wholly in the city or not at all. around: the neighbourhood marked in the store. */
/* The text of an attribute value, as the learn matrix reads it (src/learn/data.c value_text);
 * NULL when missing: absent, null, "" or a nested value. */
static char *attr_text(json_t *v)
{
    char buf[64];
    if (json_is_string(v) && strlen(json_string_value(v)) != json_string_length(v)) {
        /* a NUL byte the department wrote (kept by ingest, docs/collect.md): the text in
         * cr_escape's form (\x00), which no plain text equals, never cut at the NUL */
        char *e = NULL;
        return cr_escape(json_string_value(v), json_string_length(v), 0, &e, NULL) ? NULL : e;
    }
    if (json_is_string(v))
        return *json_string_value(v) ? strdup(json_string_value(v)) : NULL;
    if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, sizeof buf, "%s", json_is_true(v) ? "true" : "false");
    else
        return NULL;
    return strdup(buf);
}

/* The attribute columns the model reads, and only those (none: nothing is read). */
static cr_err load_attrs(cr_store *s, const cr_model *m, struct cr_city *c)
{
    if (!m || !m->n_attr_columns)
        return CR_OK;
    size_t k = m->n_attr_columns;
    if (c->n > SIZE_MAX / sizeof(char *) / k - 1)
        return CR_ENOMEM;
    char **raw = calloc(c->n + 1, sizeof *raw);
    c->attr_text = calloc(c->n * k + 1, sizeof *c->attr_text);
    if (!raw || !c->attr_text) {
        free(raw);
        return CR_ENOMEM;
    }
    c->n_attr = k;
    cr_err rc = cr_store_enterprise_attrs(s, c->subject, c->n, raw);
    for (size_t e = 0; !rc && e < c->n; e++) {
        if (!raw[e])
            continue;
        json_t *o = json_loads(raw[e], JSON_ALLOW_NUL, NULL); /* \u0000 is kept by ingest */
        if (!json_is_object(o)) {
            json_decref(o);
            cr__city_set_why("reading the registry attributes",
                             "a row's attributes are not a JSON object");
            rc = CR_ESTORE;
            break;
        }
        for (size_t j = 0; j < k; j++) {
            json_t *v = json_object_get(o, m->attr_columns[j]);
            char *t = v ? attr_text(v) : NULL;
            if (v && !t && json_is_string(v) == 0 && !json_is_null(v) && !json_is_object(v) &&
                !json_is_array(v))
                rc = CR_ENOMEM;
            c->attr_text[e * k + j] = t;
        }
        json_decref(o);
    }
    for (size_t e = 0; e < c->n; e++)
        free(raw[e]);
    free(raw);
    return rc;
}

static cr_err load(cr_store *s, int around, const cr_model *m, struct cr_city *city, cr_diag *d)
{
    memset(city, 0, sizeof *city);
    cr__city_why[0] = 0;
    int own_tx = 0;
    if (cr_store_read_begin(s, &own_tx))
        return cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot load the city from the store: %s",
                           db_msg(s));
    int32_t *dense = NULL;
    int64_t max_subj = 0;
    cr_progress("city_load", 0);
    /* The roles are read on a second connection meanwhile when the whole city loads (a
     * neighbourhood's filter is a temporary table of this connection only). */
    struct role_fill roles = {0};
    cr_err rc = roles_begin(s, around, city, &roles);
    cr_store *twin = !rc && !around ? cr__city_twin(s) : NULL;
    pthread_t tid;
    int threaded = 0;
    if (twin) {
        roles.s = twin;
        threaded = pthread_create(&tid, NULL, roles_read, &roles) == 0;
        if (!threaded)
            roles.s = s;
    }
    if (!rc)
        rc = load_enterprises(s, around, city, &dense, &max_subj);
    if (!rc)
        rc = load_addrs(s, around, city, dense, max_subj);
    if (!rc) {
        cr_progress("city_load", 0.2);
        rc = load_topics(s, city);
    }
    const char *cache = getenv("CRISK_COLUMN_CACHE");
    int use_cache = !around && !(cache && strcmp(cache, "0") == 0);
    if (!rc)
        rc = use_cache ? cr__city_load_events_cached(s, m, city, max_subj)
                       : cr__city_load_events(s, around, m, city, dense, max_subj);
    if (threaded)
        pthread_join(tid, NULL);
    else if (!rc)
        roles_read(&roles);
    if (twin) {
        if (cr_store_read_end(twin, 1) && !roles.err) {
            roles.err = CR_ESTORE;
            snprintf(roles.why, sizeof roles.why, "%s", db_msg(twin));
        }
        cr_store_close(twin);
    }
    if (!rc) {
        cr_progress("city_load", 0.8);
        rc = roles_finish(city, &roles, dense, max_subj);
    } else {
        cr__dict_free(&roles.roles, 0);
        free(roles.subj);
        free(roles.person);
        free(roles.role);
    }
    if (!rc)
        rc = load_attrs(s, m, city);
    if (!rc)
        cr_progress("city_load", 1);
    free(dense);
    if (rc) {
        /* The message first: ending the transaction clears SQLite's. */
        const char *db = cr_store_db_error(s);
        const char *why = cr__city_why[0]         ? cr__city_why
                          : rc == CR_ESTORE && db ? db
                          : rc == CR_ESTORE       ? "the store's rows do not agree (it is damaged)"
                                                  : cr_strerror(rc);
        cr_diag_set(d, rc, NULL, 0, 0, "cannot load the city from the store: %s", why);
        cr_city_free(city);
    }
    if (own_tx && cr_store_read_end(s, !rc) && !rc) {
        rc = cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot load the city from the store: %s",
                         db_msg(s));
        cr_city_free(city);
    }
    return rc;
}

cr_err cr_city_load(cr_store *s, const cr_model *m, struct cr_city *city, cr_diag *d)
{
    return load(s, 0, m, city, d);
}

cr_err cr_city_load_around(cr_store *s, const cr_model *m, int64_t subject, struct cr_city *city,
                           size_t *e0, cr_diag *d)
{
    cr_err err = cr_store_around_mark(s, subject, d);
    if (err)
        return err;
    err = load(s, 1, m, city, d);
    if (err)
        return err;
    for (size_t e = 0; e < city->n; e++)
        if (city->subject[e] == subject)
            *e0 = e;
    return CR_OK;
}

void cr_city_free(struct cr_city *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        if (c->industry)
            free(c->industry[i]);
        if (c->type)
            free(c->type[i]);
        if (c->status)
            free(c->status[i]);
    }
    for (size_t i = 0; c->attr_text && i < c->n * c->n_attr; i++)
        free(c->attr_text[i]);
    free(c->attr_text);
    for (size_t i = 0; c->kinds && i < c->n_kinds; i++)
        free(c->kinds[i]);
    for (size_t i = 0; c->role_names && i < c->n_role_names; i++)
        free(c->role_names[i]);
    free(c->subject);
    free(c->uscc);
    free(c->established);
    free(c->capital_wan);
    free(c->industry);
    free(c->type);
    free(c->status);
    free(c->addr);
    free(c->kinds);
    free(c->topic_kind);
    free(c->ev_off);
    free(c->ev_end);
    if (c->ev_map) {
        munmap(c->ev_map, c->ev_map_len); /* the event columns live in it */
    } else {
        free(c->ev_day);
        free(c->ev_topic);
        free(c->ev_amount);
        free(c->ev_flags);
    }
    free(c->ro_off);
    free(c->ro_person);
    free(c->ro_role);
    free(c->role_names);
    memset(c, 0, sizeof *c);
}
