/* Loading a city's columns for classification: whole, or one enterprise's neighbourhood;
 * the event column cache beside the store. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crisk/hash.h"
#include "internal.h"

/* Why the load on this thread failed, when the code alone does not say it (the SQLite message
 * of another connection, rows that do not agree): a load fails with a real message, never
 * SQLite's "not an error". Cleared by every load. */
static _Thread_local char load_why[256];

static void set_why(const char *what, const char *detail)
{
    if (!load_why[0])
        snprintf(load_why, sizeof load_why, "%s%s%s", what, detail ? ": " : "",
                 detail ? detail : "");
}

/* The SQLite message of db's last call, or NULL when it succeeded. */
static const char *db_error(sqlite3 *db)
{
    return sqlite3_errcode(db) != SQLITE_OK ? sqlite3_errmsg(db) : NULL;
}

/* ---- a small string → dense id dictionary ---- */

struct dict {
    char **keys;
    uint64_t *hash;
    int32_t *slot; /* -1 empty, else index into keys */
    size_t n, cap, kcap;
};

static int32_t dict_id(struct dict *d, const char *key, size_t len)
{
    if ((d->n + 1) * 2 > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1024;
        int32_t *slot = malloc(cap * sizeof *slot);
        if (!slot)
            return -2;
        for (size_t i = 0; i < cap; i++)
            slot[i] = -1;
        for (size_t i = 0; i < d->n; i++) {
            size_t j = (size_t)d->hash[i] & (cap - 1);
            while (slot[j] >= 0)
                j = (j + 1) & (cap - 1);
            slot[j] = (int32_t)i;
        }
        free(d->slot);
        d->slot = slot;
        d->cap = cap;
    }
    uint64_t h = cr_hash64(key, len, 7);
    size_t j = (size_t)h & (d->cap - 1);
    while (d->slot[j] >= 0) {
        int32_t k = d->slot[j];
        if (d->hash[k] == h && strlen(d->keys[k]) == len && memcmp(d->keys[k], key, len) == 0)
            return k;
        j = (j + 1) & (d->cap - 1);
    }
    if (d->n == d->kcap) {
        size_t kc = d->kcap ? d->kcap * 2 : 1024;
        char **k2 = realloc(d->keys, kc * sizeof *k2);
        uint64_t *h2 = k2 ? realloc(d->hash, kc * sizeof *h2) : NULL;
        if (k2)
            d->keys = k2;
        if (!h2)
            return -2;
        d->hash = h2;
        d->kcap = kc;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -2;
    memcpy(copy, key, len);
    copy[len] = 0;
    d->keys[d->n] = copy;
    d->hash[d->n] = h;
    d->slot[j] = (int32_t)d->n;
    return (int32_t)d->n++;
}

static void dict_free(struct dict *d, int keep_keys)
{
    if (!keep_keys)
        for (size_t i = 0; i < d->n; i++)
            free(d->keys[i]);
    if (!keep_keys)
        free(d->keys);
    free(d->hash);
    free(d->slot);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

/* ent and role are appended to the queries that read enterprise and role rows: empty for the
 * whole city, or a condition on the temporary table city_filter for a neighbourhood, whose
 * events are then read through their postings (around). */
struct filter {
    const char *ent, *role;
    int around;
};

static cr_err prepare_q(sqlite3 *db, sqlite3_stmt **st, const char *head, const char *tail)
{
    char sql[512];
    int n = snprintf(sql, sizeof sql, "%s%s", head, tail);
    if (n < 0 || (size_t)n >= sizeof sql) {
        set_why("a query longer than its buffer", head); /* a programming error, said so */
        return CR_ESTORE;
    }
    return sqlite3_prepare_v2(db, sql, -1, st, NULL) ? CR_ESTORE : CR_OK;
}

static cr_err load_enterprises(sqlite3 *db, const struct filter *fl, struct cr_city *c,
                               int32_t **dense, int64_t *max_subj)
{
    int64_t n = 0, maxs = 0;
    sqlite3_stmt *st = NULL;
    if (prepare_q(db, &st, "SELECT count(*), coalesce(max(subject),0) FROM enterprise", fl->ent) ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return CR_ESTORE;
    }
    n = sqlite3_column_int64(st, 0);
    maxs = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id),0) FROM subject", -1, &st, NULL) ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return CR_ESTORE;
    }
    if (sqlite3_column_int64(st, 0) > maxs)
        maxs = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
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
    char tail[256];
    snprintf(tail, sizeof tail, "%s ORDER BY subject", fl->ent);
    if (prepare_q(db, &st,
                  "SELECT subject, uscc, established, capital_fen, industry, type, status, "
                  "addr_key FROM enterprise",
                  tail))
        return CR_ESTORE;
    struct dict addrs = {0};
    size_t e = 0;
    int rc;
    cr_err err = CR_OK;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW && e < N) {
        c->subject[e] = sqlite3_column_int64(st, 0);
        if (c->subject[e] < 0 || c->subject[e] > maxs)
            break; /* rows that do not agree: reported below */
        const unsigned char *u = sqlite3_column_text(st, 1);
        snprintf(c->uscc[e], sizeof c->uscc[e], "%s", u ? (const char *)u : "");
        c->established[e] =
            sqlite3_column_type(st, 2) == SQLITE_NULL ? CR_NO_DAY : sqlite3_column_int(st, 2);
        c->capital_wan[e] = sqlite3_column_type(st, 3) == SQLITE_NULL
                                ? (double)NAN
                                : (double)sqlite3_column_int64(st, 3) / 1e6;
        c->industry[e] = col_dup(st, 4);
        c->type[e] = col_dup(st, 5);
        c->status[e] = col_dup(st, 6);
        const unsigned char *ak = sqlite3_column_text(st, 7);
        int32_t id =
            ak ? dict_id(&addrs, (const char *)ak, (size_t)sqlite3_column_bytes(st, 7)) : -1;
        if (id == -2)
            err = CR_ENOMEM;
        c->addr[e] = id;
        (*dense)[c->subject[e]] = (int32_t)e;
        e++;
    }
    sqlite3_finalize(st);
    c->n_addr = addrs.n;
    dict_free(&addrs, 0);
    if (!err && e != N) {
        set_why("reading the enterprises", db_error(db) ? db_error(db)
                                                        : "fewer rows than counted, or a subject "
                                                          "out of range (the store is damaged)");
        err = CR_ESTORE;
    }
    return err;
}

/* Kind dictionary and topic → kind. */
static cr_err load_topics(sqlite3 *db, struct cr_city *c)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id),0) FROM topic", -1, &st, NULL) ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return CR_ESTORE;
    }
    size_t max = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (max > 65535) {
        set_why("more than 65,535 topics", "the engine keeps a topic in 16 bits");
        return CR_ERANGE; /* ev_topic is 16-bit */
    }
    c->n_topics = max + 1;
    c->topic_kind = malloc((max + 1) * sizeof *c->topic_kind);
    if (!c->topic_kind)
        return CR_ENOMEM;
    for (size_t i = 0; i <= max; i++)
        c->topic_kind[i] = -1;
    if (sqlite3_prepare_v2(db, "SELECT id, kind FROM topic", -1, &st, NULL))
        return CR_ESTORE;
    struct dict kinds = {0};
    cr_err err = CR_OK;
    while (!err && sqlite3_step(st) == SQLITE_ROW) {
        int32_t k = dict_id(&kinds, (const char *)sqlite3_column_text(st, 1),
                            (size_t)sqlite3_column_bytes(st, 1));
        if (k < 0)
            err = CR_ENOMEM;
        else
            c->topic_kind[sqlite3_column_int64(st, 0)] = k;
    }
    sqlite3_finalize(st);
    c->kinds = kinds.keys;
    c->n_kinds = kinds.n;
    dict_free(&kinds, 1);
    return err;
}

/* For each kind, the bitmask of model flags defined on it. */
static uint32_t *flag_masks(const cr_model *m, const struct cr_city *c)
{
    uint32_t *mask = calloc(c->n_kinds + 1, sizeof *mask);
    for (size_t f = 0; mask && f < m->n_flags && f < 32; f++)
        for (size_t j = 0; j < m->flags[f].n_kinds; j++)
            for (size_t k = 0; k < c->n_kinds; k++)
                if (strcmp(c->kinds[k], m->flags[f].kinds[j]) == 0)
                    mask[k] |= 1u << f;
    return mask;
}

static uint32_t eval_flags(const cr_model *m, uint32_t candidates, const char *attrs, int len)
{
    if (!attrs)
        return 0;
    json_t *o = json_loadb(attrs, (size_t)len, 0, NULL);
    uint32_t out = 0;
    for (uint32_t cm = candidates; cm; cm &= cm - 1) {
        int f = __builtin_ctz(cm);
        const struct cr_flag *fl = &m->flags[f];
        const char *v = json_string_value(json_object_get(o, fl->attr));
        int in = 0;
        for (size_t i = 0; v && i < fl->n_values && !in; i++)
            in = strcmp(v, fl->values[i]) == 0;
        if (v && in != fl->negate)
            out |= 1u << f;
    }
    json_decref(o);
    return out;
}

/* Groups events by enterprise in two passes over the store (count, then place), so that no
 * temporary copy of 100 M events is ever held: peak memory is the columns themselves. Rows are
 * e = dense[subject], or the subject id itself when dense is NULL. */
/* Groups events by enterprise in two passes over the store (count, then place), so that no
 * temporary copy of 100 M events is ever held: peak memory is the columns themselves. Rows are
 * e = dense[subject], or the subject id itself when dense is NULL. A whole-city load splits the
 * blocks into ranges read by one thread each, on connections of their own; each range's
 * events of an enterprise go after the earlier ranges', so the order is the store's. */
struct ev_group {
    const int32_t *dense;
    int64_t max_subj;
    size_t n_rows;
    uint64_t *off; /* by row: start of its events */
    int32_t *day;
    uint16_t *topic;
    int64_t *amount;
    uint32_t *flags;
    const cr_model *m;
    const uint32_t *fmask;
    const uint8_t *attrs_of; /* by topic: its kind has model flags (attrs are read) */
    const struct cr_city *c;
    /* Provides the columns for n events (zeroed flags); NULL or a failure: the heap. */
    cr_err (*columns)(struct ev_group *g, uint64_t n);
    void *columns_ctx;
};

/* One range of blocks and what its thread counted and placed. */
struct ev_part {
    struct ev_group *g;
    cr_store *s;    /* its connection */
    int64_t lo, hi; /* block ids [lo, hi); hi = 0 for the events of subjects */
    const int64_t *subjects;
    size_t n_subjects;
    int placing;
    uint64_t *cnt; /* by row: events in this range (counted down while placing) */
    uint64_t *pos; /* by row: where the next one goes */
    int bad;       /* a row the counting pass did not see, or of a subject out of range */
    cr_err rc;
    char why[200]; /* what failed, when rc says it */
};

static int ev_group_row(void *ctx, const struct cr_event_row *r)
{
    struct ev_part *p = ctx;
    const struct ev_group *g = p->g;
    if (r->subject > g->max_subj) {
        p->bad = 1; /* the store changed under us */
        return 1;
    }
    int64_t e = g->dense ? g->dense[r->subject] : r->subject;
    if (e < 0)
        return 0; /* no registry row: not classified */
    if (!p->placing) {
        p->cnt[e]++;
        return 0;
    }
    if (!p->cnt[e]) {
        p->bad = 1;
        return 1;
    }
    p->cnt[e]--;
    uint64_t at = p->pos[e]++;
    int64_t t = r->topic;
    int known = t >= 0 && (size_t)t < g->c->n_topics;
    g->topic[at] = (uint16_t)(known ? t : 0);
    g->day[at] = r->day;
    g->amount[at] = r->has_amount ? r->amount_fen : CR_NO_AMOUNT;
    int k = known ? g->c->topic_kind[t] : -1;
    g->flags[at] = k >= 0 && g->fmask[k] && r->attrs
                       ? eval_flags(g->m, g->fmask[k], r->attrs, (int)r->attrs_len)
                       : 0;
    return 0;
}

static void *ev_part_run(void *arg)
{
    struct ev_part *p = arg;
    p->rc = p->hi ? cr_store_events_range(p->s, p->lo, p->hi, p->g->attrs_of, p->g->c->n_topics,
                                          ev_group_row, p)
                  : cr_store_events_each(p->s, p->subjects, p->n_subjects, ev_group_row, p);
    if (!p->rc && p->bad)
        p->rc = CR_ESTORE;
    const char *msg = p->rc == CR_ESTORE ? db_error(cr__store_db(p->s)) : NULL;
    if (p->rc)
        snprintf(p->why, sizeof p->why, "%s",
                 p->bad ? "an event of an enterprise the load did not see (the store's rows do "
                          "not agree: it is damaged)"
                 : msg  ? msg
                 : p->rc == CR_ESTORE ? "an event block that cannot be decoded (the store "
                                        "is damaged)"
                                      : cr_strerror(p->rc));
    return NULL;
}

/* Runs every part, parts 1.. on threads of their own (or here when one cannot start). */
static cr_err ev_parts_run(struct ev_part *parts, size_t n)
{
    pthread_t tid[8];
    int started[8] = {0};
    for (size_t i = 1; i < n; i++)
        started[i] = pthread_create(&tid[i], NULL, ev_part_run, &parts[i]) == 0;
    ev_part_run(&parts[0]);
    for (size_t i = 1; i < n; i++)
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            ev_part_run(&parts[i]);
    for (size_t i = 0; i < n; i++)
        if (parts[i].rc) {
            set_why("reading the events", parts[i].why);
            return parts[i].rc;
        }
    return CR_OK;
}

/* What identifies the committed state the events are read from: the generation (raised by
 * every commit of collected rows) and the last block. */
static cr_err read_stamp(cr_store *s, int64_t stamp[2])
{
    return cr_store_generation(s, &stamp[0]) ||
                   cr_store_scalar(s, "SELECT coalesce(max(id), 0) FROM event_block", &stamp[1])
               ? CR_ESTORE
               : CR_OK;
}

/* Opens up to n - 1 more connections to the store for a parallel scan, each in a read
 * transaction that must see the very state s reads (stamp): one read by a connection that
 * opened after a writer committed would mix two states. Returns how many parts can run (1 +
 * the connections kept). A connection that cannot be opened (no file descriptors left, say)
 * or sees another state only makes the scan use fewer threads. */
static size_t open_parts(cr_store *s, const int64_t stamp[2], cr_store **extra, size_t n)
{
    size_t k = 1;
    for (; k < n; k++) {
        cr_store *c = NULL;
        int64_t seen[2];
        if (cr_store_open_existing(cr__store_path(s), &c, NULL))
            break;
        if (sqlite3_exec(cr__store_db(c), "BEGIN", NULL, NULL, NULL) || read_stamp(c, seen) ||
            seen[0] != stamp[0] || seen[1] != stamp[1]) {
            cr_store_close(c);
            break;
        }
        extra[k] = c;
    }
    return k;
}

/* Fills g's columns for g->n_rows rows from the events of subjects (all when NULL). */
static cr_err ev_group_run(cr_store *s, const int64_t *subjects, size_t n_subjects,
                           struct ev_group *g, uint64_t *n_out)
{
    struct ev_part parts[8];
    cr_store *extra[8] = {NULL};
    size_t n_parts = 1, n_rows = g->n_rows;
    int64_t top = 0;
    memset(parts, 0, sizeof parts);
    *n_out = 0;
    if (!subjects) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        if (cr_store_scalar(s, "SELECT coalesce(max(id), 0) FROM event_block", &top))
            return CR_ESTORE;
        n_parts = cores < 1 ? 1 : cores > 8 ? 8 : (size_t)cores;
        if (top < 64)
            n_parts = 1; /* too small to pay for a second connection */
        int64_t stamp[2];
        if (n_parts > 1 && read_stamp(s, stamp))
            return CR_ESTORE;
        n_parts = n_parts > 1 ? open_parts(s, stamp, extra, n_parts) : 1;
    }
    cr_err err = CR_OK;
    g->off = calloc(n_rows + 1, sizeof *g->off);
    g->fmask = flag_masks(g->m, g->c);
    uint8_t *attrs_of = calloc(g->c->n_topics + 1, 1);
    if (!g->off || !g->fmask || !attrs_of)
        err = CR_ENOMEM;
    for (size_t t = 0; !err && t < g->c->n_topics; t++)
        attrs_of[t] = g->c->topic_kind[t] >= 0 && g->fmask[g->c->topic_kind[t]] != 0;
    g->attrs_of = attrs_of;
    for (size_t i = 0; i < n_parts && !err; i++) {
        struct ev_part *p = &parts[i];
        *p = (struct ev_part){
            .g = g, .s = i ? extra[i] : s, .subjects = subjects, .n_subjects = n_subjects};
        if (!subjects) {
            p->lo = 1 + top * (int64_t)i / (int64_t)n_parts;
            p->hi = 1 + top * (int64_t)(i + 1) / (int64_t)n_parts;
        }
        p->cnt = calloc(n_rows + 1, sizeof *p->cnt);
        p->pos = calloc(n_rows + 1, sizeof *p->pos);
        if (!p->cnt || !p->pos)
            err = CR_ENOMEM;
    }
    if (!err)
        err = ev_parts_run(parts, n_parts);
    uint64_t n = 0;
    for (size_t e = 0; !err && e < n_rows; e++) {
        g->off[e] = n;
        for (size_t i = 0; i < n_parts; i++) {
            parts[i].pos[e] = n;
            n += parts[i].cnt[e];
        }
    }
    if (!err)
        g->off[n_rows] = n;
    /* A cache file that cannot be made (a full disk) leaves the columns to the heap. */
    int placed = !err && g->columns && g->columns(g, n) == CR_OK;
    if (!err && !placed) {
        g->day = malloc((n + 1) * sizeof *g->day);
        g->topic = malloc((n + 1) * sizeof *g->topic);
        g->amount = malloc((n + 1) * sizeof *g->amount);
        g->flags = calloc(n + 1, sizeof *g->flags);
        if (!g->day || !g->topic || !g->amount || !g->flags)
            err = CR_ENOMEM;
    }
    for (size_t i = 0; i < n_parts; i++)
        parts[i].placing = 1;
    if (!err)
        err = ev_parts_run(parts, n_parts);
    for (size_t i = 0; i < n_parts; i++) {
        for (size_t e = 0; !err && e < n_rows; e++)
            if (parts[i].cnt[e]) {
                err = CR_ESTORE;
                set_why("reading the events",
                        "fewer events than counted (the store's rows do not agree: it is damaged)");
            }
        free(parts[i].cnt);
        free(parts[i].pos);
    }
    for (size_t i = 1; i < 8; i++) {
        if (extra[i])
            sqlite3_exec(cr__store_db(extra[i]), "COMMIT", NULL, NULL, NULL); /* read only */
        cr_store_close(extra[i]); /* never the caller's store */
    }
    free(attrs_of);
    g->attrs_of = NULL;
    if (!err)
        *n_out = n;
    return err;
}

static void ev_group_free(struct ev_group *g)
{
    free(g->off);
    free((void *)g->fmask);
    free(g->day);
    free(g->topic);
    free(g->amount);
    free(g->flags);
}

/* The subjects of the temporary table city_filter (a neighbourhood load). */
static cr_err filter_subjects(sqlite3 *db, int64_t **out, size_t *n)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT subject FROM temp.city_filter", -1, &st, NULL))
        return CR_ESTORE;
    int rc;
    size_t cap = 0;
    cr_err err = CR_OK;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *p = realloc(*out, cap * sizeof *p);
            if (!p) {
                err = CR_ENOMEM;
                break;
            }
            *out = p;
        }
        (*out)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (!err && rc != SQLITE_DONE)
        err = CR_ESTORE;
    sqlite3_finalize(st);
    return err;
}

/* Events of the city's enterprises, grouped by dense id. */
static cr_err load_events(cr_store *s, const struct filter *fl, const cr_model *m,
                          struct cr_city *c, const int32_t *dense, int64_t max_subj)
{
    int64_t *subjects = NULL;
    size_t n_subjects = 0;
    cr_err err = fl->around ? filter_subjects(cr__store_db(s), &subjects, &n_subjects) : CR_OK;
    struct ev_group g = {.dense = dense, .max_subj = max_subj, .n_rows = c->n, .m = m, .c = c};
    uint64_t n = 0;
    _Static_assert(sizeof(size_t) == sizeof(uint64_t), "offsets double as size_t");
    if (!err && !(fl->around && n_subjects == 0))
        err = ev_group_run(s, fl->around ? subjects : NULL, n_subjects, &g, &n);
    free(subjects);
    if (!err && !g.off && !(g.off = calloc(c->n + 1, sizeof *g.off)))
        err = CR_ENOMEM;
    if (err) {
        ev_group_free(&g);
        return err;
    }
    c->ev_off = (size_t *)g.off;
    c->n_events = n;
    c->ev_day = g.day;
    c->ev_topic = g.topic;
    c->ev_amount = g.amount;
    c->ev_flags = g.flags;
    g.off = NULL;
    g.day = NULL;
    g.topic = NULL;
    g.amount = NULL;
    g.flags = NULL;
    ev_group_free(&g);
    return CR_OK;
}

/* ---- the event column cache (STORE.cols) ---- */

#define COLS_MAGIC "CRCOLS02"

/* The file: this header, then off[max_subject + 2] (uint64), day[n] (int32), topic[n]
 * (uint16), amount[n] (int64), flags[n] (uint32), each array starting on an 8-byte boundary.
 * Events of subject s are [off[s], off[s + 1]), in store order. */
struct cols_header {
    char magic[8];
    int64_t generation;
    uint64_t flags_hash;
    int64_t max_subject;
    uint64_t n_events;
    uint64_t n_topics;
    uint64_t checksum; /* cr_hash64 of every byte after the header */
    uint64_t reserved;
};

struct cols {
    uint64_t *off;
    int32_t *day;
    uint16_t *topic;
    int64_t *amount;
    uint32_t *flags;
};

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static size_t cols_layout(int64_t max_subject, uint64_t n, size_t at[5])
{
    size_t o = sizeof(struct cols_header);
    const size_t sizes[5] = {((size_t)max_subject + 2) * 8, n * 4, n * 2, n * 8, n * 4};
    for (int i = 0; i < 5; i++) {
        at[i] = o;
        o = align8(o + sizes[i]);
    }
    return o;
}

/* What the cached flags depend on: the model's flag definitions and the topic kinds (the
 * caller mixes in the store's identity). */
static uint64_t flags_hash(const cr_model *m, const struct cr_city *c)
{
    uint64_t h = 0x636f6c73;
    for (size_t f = 0; f < m->n_flags; f++) {
        const struct cr_flag *fl = &m->flags[f];
        h = cr_hash64(fl->attr, strlen(fl->attr), h + (uint64_t)fl->negate);
        for (size_t i = 0; i < fl->n_kinds; i++)
            h = cr_hash64(fl->kinds[i], strlen(fl->kinds[i]), h);
        for (size_t i = 0; i < fl->n_values; i++)
            h = cr_hash64(fl->values[i], strlen(fl->values[i]), h ^ 0x5a);
    }
    for (size_t t = 0; t < c->n_topics; t++)
        h = cr_hash64(&c->topic_kind[t], sizeof c->topic_kind[t], h);
    return h;
}

static void cols_free(struct cols *k)
{
    free(k->off);
    free(k->day);
    free(k->topic);
    free(k->amount);
    free(k->flags);
    memset(k, 0, sizeof *k);
}

/* The cache file being built: its columns are placed straight into a shared mapping of it. */
struct cols_file {
    char *tmp;
    int64_t max_subject;
    void *map;
    size_t len, at[5];
};

/* Maps a new cache file for the columns. Its blocks are allocated first (posix_fallocate): on a
 * full disk that fails here, with ENOSPC, instead of raising SIGBUS at the first store into
 * a page of a hole. Any failure removes the file and leaves g without columns: the caller then
 * keeps them on the heap (docs/store.md). */
static cr_err cols_place(struct ev_group *g, uint64_t n)
{
    struct cols_file *f = g->columns_ctx;
    f->len = cols_layout(f->max_subject, n, f->at);
    int fd = open(f->tmp, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return CR_EIO;
    void *p = MAP_FAILED;
    /* Allocated blocks read as zeros: flags start clear. */
    if (posix_fallocate(fd, 0, (off_t)f->len) == 0)
        p = mmap(NULL, f->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        remove(f->tmp);
        return CR_EIO;
    }
    f->map = p;
    char *b = p;
    g->day = (int32_t *)(void *)(b + f->at[1]);
    g->topic = (uint16_t *)(void *)(b + f->at[2]);
    g->amount = (int64_t *)(void *)(b + f->at[3]);
    g->flags = (uint32_t *)(void *)(b + f->at[4]);
    return CR_OK;
}

/* Removes the temporary cache files (PATH.PID.tmp) of processes that no longer run: a build
 * killed mid-way must not leave its file behind for good. */
static void cols_sweep(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dir_len = slash ? (size_t)(slash - path) : 0, base_len = strlen(base);
    char *dir = malloc(dir_len + 2), *victim = malloc(strlen(path) + 64);
    if (!dir || !victim)
        goto out;
    memcpy(dir, slash ? path : ".", slash ? dir_len : 1);
    dir[slash ? dir_len : 1] = 0;
    if (slash && dir_len == 0)
        memcpy(dir, "/", 2);
    DIR *d = opendir(dir);
    if (!d)
        goto out;
    const struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        size_t len = strlen(nm);
        if (len <= base_len + 5 || strncmp(nm, base, base_len) != 0 || nm[base_len] != '.' ||
            strcmp(nm + len - 4, ".tmp") != 0)
            continue;
        long long pid = 0;
        const char *q = nm + base_len + 1;
        for (; q < nm + len - 4 && *q >= '0' && *q <= '9' && pid < 1000000000; q++)
            pid = pid * 10 + (*q - '0');
        if (q != nm + len - 4 || pid <= 0 || pid == (long long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* its builder still runs (or is not ours to judge) */
        snprintf(victim, strlen(path) + 64, "%s%s%s", slash ? dir : "", slash ? "/" : "", nm);
        remove(victim);
    }
    closedir(d);
out:
    free(dir);
    free(victim);
}

/* Builds the cache at path: the columns go straight into the file (no copy, written back by
 * the kernel while the run goes on), stamped last with the checksum of its bytes, then
 * renamed into place. On success *k points into the mapping (*map, which the caller keeps), or
 * into the heap (*map NULL) when no file could be made: a full disk, a read-only folder,
 * PATH being a folder. No temporary file is left behind either way. */
static cr_err cols_build_file(cr_store *s, const cr_model *m, const struct cr_city *c,
                              const char *path, struct cols_header *h, struct cols *k, void **map,
                              size_t *map_len)
{
    struct cols_file f = {.max_subject = h->max_subject};
    size_t tmp_cap = strlen(path) + 32;
    if (!(f.tmp = malloc(tmp_cap)))
        return CR_ENOMEM;
    snprintf(f.tmp, tmp_cap, "%s.%ld.tmp", path, (long)getpid()); /* one per process */
    cols_sweep(path);
    struct ev_group g = {.max_subj = h->max_subject,
                         .n_rows = (size_t)h->max_subject + 1,
                         .m = m,
                         .c = c,
                         .columns = cols_place,
                         .columns_ctx = &f};
    uint64_t n = 0;
    *map = NULL;
    *map_len = 0;
    cr_err err = ev_group_run(s, NULL, 0, &g, &n);
    if (!err && f.map) {
        char *b = f.map;
        memcpy(b + f.at[0], g.off, ((size_t)h->max_subject + 2) * sizeof *g.off);
        h->n_events = n;
        h->checksum = cr_hash64(b + sizeof *h, f.len - sizeof *h, h->flags_hash);
        memcpy(b, h, sizeof *h);
        if (rename(f.tmp, path) != 0)
            remove(f.tmp); /* PATH is a folder, say: the mapping serves this run all the same */
        *k = (struct cols){(uint64_t *)(void *)(b + f.at[0]), g.day, g.topic, g.amount, g.flags};
        *map = f.map;
        *map_len = f.len;
        free(g.off);
    } else if (!err) {
        *k = (struct cols){g.off, g.day, g.topic, g.amount, g.flags}; /* on the heap */
    } else {
        if (f.map) {
            munmap(f.map, f.len);
            remove(f.tmp);
            g.day = NULL;
            g.topic = NULL;
            g.amount = NULL;
            g.flags = NULL;
        }
        struct cols heap = {g.off, g.day, g.topic, g.amount, g.flags};
        cols_free(&heap);
    }
    free((void *)g.fmask);
    free(f.tmp);
    return err;
}

/* Maps the cache when it was built from this generation and these flags; 0 on success. */
static int cols_map(const char *path, int64_t generation, uint64_t fh, struct cols_header *h,
                    struct cols *k, void **map, size_t *map_len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    struct stat st;
    void *p = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size >= sizeof *h)
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return -1;
    memcpy(h, p, sizeof *h);
    size_t at[5];
    if (memcmp(h->magic, COLS_MAGIC, 8) != 0 || h->generation != generation ||
        h->flags_hash != fh || h->max_subject < 0 ||
        cols_layout(h->max_subject, h->n_events, at) != (size_t)st.st_size ||
        cr_hash64((char *)p + sizeof *h, (size_t)st.st_size - sizeof *h, fh) != h->checksum) {
        munmap(p, (size_t)st.st_size);
        return -1;
    }
    char *b = p;
    k->off = (uint64_t *)(void *)(b + at[0]);
    k->day = (int32_t *)(void *)(b + at[1]);
    k->topic = (uint16_t *)(void *)(b + at[2]);
    k->amount = (int64_t *)(void *)(b + at[3]);
    k->flags = (uint32_t *)(void *)(b + at[4]);
    *map = p;
    *map_len = (size_t)st.st_size;
    return 0;
}

/* Events of the whole city from the cache, built first when missing or stale. */
static cr_err load_events_cached(cr_store *s, const cr_model *m, struct cr_city *c,
                                 int64_t max_subj)
{
    int64_t gen = 0;
    if (cr_store_generation(s, &gen))
        return CR_ESTORE;
    size_t path_cap = strlen(cr__store_path(s)) + 8;
    char *path = malloc(path_cap);
    if (!path)
        return CR_ENOMEM;
    snprintf(path, path_cap, "%s.cols", cr__store_path(s));
    /* The salt is random per store: a cache left by a deleted store that reached the same
     * generation is not taken for this one's. */
    unsigned char salt[32];
    if (cr_store_salt(s, salt)) {
        free(path);
        return CR_ESTORE;
    }
    uint64_t fh = cr_hash64(salt, sizeof salt, flags_hash(m, c));
    struct cols_header h;
    struct cols k = {0};
    void *map = NULL;
    size_t map_len = 0;
    int mapped = cols_map(path, gen, fh, &h, &k, &map, &map_len) == 0 && h.max_subject >= max_subj;
    if (!mapped && map) {
        munmap(map, map_len);
        map = NULL;
    }
    if (!mapped) {
        h = (struct cols_header){
            .generation = gen, .flags_hash = fh, .max_subject = max_subj, .n_topics = c->n_topics};
        memcpy(h.magic, COLS_MAGIC, 8);
        cr_err err = cols_build_file(s, m, c, path, &h, &k, &map, &map_len);
        if (err) {
            free(path);
            return err;
        }
        mapped = map != NULL;
    }
    free(path);
    c->ev_off = malloc((c->n + 1) * sizeof *c->ev_off);
    c->ev_end = malloc((c->n + 1) * sizeof *c->ev_end);
    if (!c->ev_off || !c->ev_end) {
        if (mapped)
            munmap(map, map_len);
        else
            cols_free(&k);
        return CR_ENOMEM;
    }
    c->n_events = 0;
    for (size_t e = 0; e < c->n; e++) {
        int64_t sj = c->subject[e];
        c->ev_off[e] = (size_t)k.off[sj];
        c->ev_end[e] = (size_t)k.off[sj + 1];
        c->n_events += c->ev_end[e] - c->ev_off[e];
    }
    c->ev_day = k.day;
    c->ev_topic = k.topic;
    c->ev_amount = k.amount;
    c->ev_flags = k.flags;
    if (mapped) {
        c->ev_map = map;
        c->ev_map_len = map_len;
    } else {
        free(k.off); /* the columns now belong to the city */
    }
    return CR_OK;
}

static cr_err load_roles(sqlite3 *db, const struct filter *fl, struct cr_city *c,
                         const int32_t *dense, int64_t max_subj)
{
    sqlite3_stmt *st = NULL;
    if (prepare_q(db, &st, "SELECT count(*), (SELECT coalesce(max(id),0) FROM person) FROM role",
                  fl->role) ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return CR_ESTORE;
    }
    size_t cap = (size_t)sqlite3_column_int64(st, 0) + 1;
    c->n_persons = (size_t)sqlite3_column_int64(st, 1) + 1;
    sqlite3_finalize(st);
    int32_t *ent = malloc(cap * sizeof *ent), *person = malloc(cap * sizeof *person);
    uint8_t *role = malloc(cap);
    c->ro_off = calloc(c->n + 2, sizeof *c->ro_off);
    struct dict roles = {0};
    cr_err err = CR_OK;
    size_t n = 0;
    if (!ent || !person || !role || !c->ro_off) {
        err = CR_ENOMEM;
        goto out;
    }
    if (prepare_q(db, &st, "SELECT subject, person, role FROM role", fl->role)) {
        err = CR_ESTORE;
        goto out;
    }
    int step = SQLITE_DONE;
    while (!err && (step = sqlite3_step(st)) == SQLITE_ROW && n < cap) {
        int64_t s = sqlite3_column_int64(st, 0), p = sqlite3_column_int64(st, 1);
        if (s < 0 || s > max_subj || dense[s] < 0 || p < 0 || (size_t)p >= c->n_persons)
            continue;
        int32_t r = dict_id(&roles, (const char *)sqlite3_column_text(st, 2),
                            (size_t)sqlite3_column_bytes(st, 2));
        if (r < 0 || r > 255) {
            err = r == -2 ? CR_ENOMEM : CR_ERANGE;
            if (err == CR_ERANGE)
                set_why("more than 256 role names", "the engine keeps a role in 8 bits");
            break;
        }
        ent[n] = dense[s];
        person[n] = (int32_t)p;
        role[n] = (uint8_t)r;
        c->ro_off[ent[n] + 1]++;
        n++;
    }
    if (sqlite3_finalize(st) != SQLITE_OK && !err && step != SQLITE_ROW && step != SQLITE_DONE)
        err = CR_ESTORE; /* db's message says why */
    if (err)
        goto out;
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
        size_t at = c->ro_off[ent[i]] + fill[ent[i]]++;
        c->ro_person[at] = person[i];
        c->ro_role[at] = role[i];
    }
    free(fill);
out:
    c->role_names = roles.keys;
    c->n_role_names = roles.n;
    dict_free(&roles, 1);
    free(ent);
    free(person);
    free(role);
    return err;
}

/* The whole load reads one committed state of the store: it runs in one read transaction (its
 * extra connections check they see the same, open_parts), so an ingest committing meanwhile
 * is either wholly in the city or not at all. */
static cr_err load(cr_store *s, const struct filter *fl, const cr_model *m, struct cr_city *city,
                   cr_diag *d)
{
    memset(city, 0, sizeof *city);
    load_why[0] = 0;
    sqlite3 *db = cr__store_db(s);
    int own_tx = sqlite3_get_autocommit(db);
    if (own_tx && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL))
        return cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot load the city from the store: %s",
                           sqlite3_errmsg(db));
    int32_t *dense = NULL;
    int64_t max_subj = 0;
    cr_err rc = load_enterprises(db, fl, city, &dense, &max_subj);
    if (!rc)
        rc = load_topics(db, city);
    const char *cache = getenv("CRISK_COLUMN_CACHE");
    int use_cache = !fl->around && !(cache && strcmp(cache, "0") == 0);
    if (!rc)
        rc = use_cache ? load_events_cached(s, m, city, max_subj)
                       : load_events(s, fl, m, city, dense, max_subj);
    if (!rc)
        rc = load_roles(db, fl, city, dense, max_subj);
    free(dense);
    if (rc) {
        /* The message first: ending the transaction clears SQLite's. */
        const char *why = load_why[0]                       ? load_why
                          : rc == CR_ESTORE && db_error(db) ? db_error(db)
                          : rc == CR_ESTORE ? "the store's rows do not agree (it is damaged)"
                                            : cr_strerror(rc);
        cr_diag_set(d, rc, NULL, 0, 0, "cannot load the city from the store: %s", why);
        cr_city_free(city);
    }
    if (own_tx && sqlite3_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) && !rc) {
        rc = cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot load the city from the store: %s",
                         sqlite3_errmsg(db));
        cr_city_free(city);
    }
    return rc;
}

cr_err cr_store_load_city(cr_store *s, const cr_model *m, struct cr_city *city, cr_diag *d)
{
    static const struct filter all = {"", "", 0};
    return load(s, &all, m, city, d);
}

cr_err cr_store_load_city_around(cr_store *s, const cr_model *m, int64_t subject,
                                 struct cr_city *city, size_t *e0, cr_diag *d)
{
    sqlite3 *db = cr__store_db(s);
    sqlite3_stmt *st = NULL;
    int64_t known = 0;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM enterprise WHERE subject=%lld",
             (long long)subject);
    if (cr_store_scalar(s, sql, &known))
        return CR_ESTORE;
    if (!known)
        return cr_diag_set(d, CR_ENOTFOUND, NULL, 0, 0, "no registry row for this enterprise");
    if (sqlite3_exec(db,
                     "CREATE TEMP TABLE IF NOT EXISTS city_filter(subject INTEGER PRIMARY KEY);"
                     "DELETE FROM city_filter;",
                     NULL, NULL, NULL) ||
        sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO city_filter "
                           "SELECT ?1 UNION SELECT r2.subject FROM role r1 JOIN role r2 "
                           "ON r2.person = r1.person WHERE r1.subject = ?1 "
                           "UNION SELECT e2.subject FROM enterprise e1 JOIN enterprise e2 "
                           "ON e2.addr_key = e1.addr_key WHERE e1.subject = ?1",
                           -1, &st, NULL))
        return cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, subject);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "%s", sqlite3_errmsg(db));
    static const struct filter around = {" WHERE subject IN (SELECT subject FROM temp.city_filter)",
                                         " WHERE subject IN (SELECT subject FROM temp.city_filter)",
                                         1};
    cr_err err = load(s, &around, m, city, d);
    if (err)
        return err;
    for (size_t e = 0; e < city->n; e++)
        if (city->subject[e] == subject)
            *e0 = e;
    return CR_OK;
}

cr_err cr_store_drop_indexes(cr_store *s)
{
    return sqlite3_exec(cr__store_db(s),
                        "DROP INDEX IF EXISTS subject_by_key;"
                        "DROP INDEX IF EXISTS role_by_subject; DROP INDEX IF EXISTS role_by_person;"
                        "DROP INDEX IF EXISTS enterprise_by_addr;",
                        NULL, NULL, NULL)
               ? CR_ESTORE
               : CR_OK;
}

cr_err cr_store_ensure_indexes(cr_store *s)
{
    /* CREATE INDEX's sorter hands sorted runs to its worker threads (PRAGMA threads) only when
     * they outgrow the page cache and temporary files are files: with those two settings while
     * the indexes are built, it sorts on every core. The full city's four indexes took 7.5 s
     * this way, against 10–12.8 s with a cache of 256 MiB and temp_store=MEMORY. */
    int64_t cache, temp;
    char restore[96];
    if (cr_store_scalar(s, "PRAGMA cache_size", &cache) ||
        cr_store_scalar(s, "PRAGMA temp_store", &temp))
        return CR_ESTORE;
    snprintf(restore, sizeof restore, "PRAGMA cache_size=%lld; PRAGMA temp_store=%lld",
             (long long)cache, (long long)temp);
    int rc = sqlite3_exec(cr__store_db(s),
                          "PRAGMA cache_size=-4096; PRAGMA temp_store=FILE;"
                          "CREATE UNIQUE INDEX IF NOT EXISTS subject_by_key ON subject(key);"
                          "CREATE INDEX IF NOT EXISTS role_by_subject ON role(subject);"
                          "CREATE INDEX IF NOT EXISTS role_by_person ON role(person);"
                          "CREATE INDEX IF NOT EXISTS enterprise_by_addr ON enterprise(addr_key);",
                          NULL, NULL, NULL);
    if (sqlite3_exec(cr__store_db(s), restore, NULL, NULL, NULL) || rc || cr_store_begin(s))
        return CR_ESTORE;
    cr_err err = cr__events_postings(s);
    if (err || cr_store_commit(s)) {
        cr_store_rollback(s);
        return err ? err : CR_ESTORE;
    }
    return CR_OK;
}
