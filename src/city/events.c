/* Grouping a city's events by enterprise, in parallel over ranges of event blocks, each read on
 * a connection of its own that sees the same committed state; the model's event flags are
 * evaluated on the way. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

uint32_t *cr__city_flag_masks(const cr_model *m, const struct cr_city *c)
{
    uint32_t *mask = calloc(c->n_kinds + 1, sizeof *mask);
    for (size_t f = 0; mask && f < m->n_flags && f < CR_MAX_FLAGS; f++)
        for (size_t j = 0; j < m->flags[f].n_kinds; j++)
            for (size_t k = 0; k < c->n_kinds; k++)
                if (strcmp(c->kinds[k], m->flags[f].kinds[j]) == 0)
                    mask[k] |= 1u << f;
    return mask;
}

static uint32_t eval_flags(const cr_model *m, uint32_t candidates, const char *attrs, size_t len)
{
    if (!attrs)
        return 0;
    json_t *o = json_loadb(attrs, len, JSON_ALLOW_NUL, NULL); /* \u0000 is kept by ingest */
    uint32_t out = 0;
    for (uint32_t cm = candidates; cm; cm &= cm - 1) {
        int f = __builtin_ctz(cm);
        const struct cr_flag *fl = &m->flags[f];
        json_t *js = json_object_get(o, fl->attr);
        const char *v = json_string_value(js);
        /* a value holding a NUL byte equals no listed value (they are C strings) */
        int in = 0, whole = v && strlen(v) == json_string_length(js);
        for (size_t i = 0; whole && i < fl->n_values && !in; i++)
            in = strcmp(v, fl->values[i]) == 0;
        if (v && in != fl->negate)
            out |= 1u << f;
    }
    json_decref(o);
    return out;
}

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
                       ? eval_flags(g->m, g->fmask[k], r->attrs, r->attrs_len)
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
    const char *msg = p->rc == CR_ESTORE ? cr_store_db_error(p->s) : NULL;
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
            cr__city_set_why("reading the events", parts[i].why);
            return parts[i].rc;
        }
    return CR_OK;
}

/* What identifies the committed state the events are read from: the generation (raised by
 * every commit of collected rows) and the last block. */
static cr_err read_stamp(cr_store *s, int64_t stamp[2])
{
    return cr_store_generation(s, &stamp[0]) || cr_store_event_blocks_top(s, &stamp[1]) ? CR_ESTORE
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
        int began = 0;
        if (cr_store_is_readonly(s) ? cr_store_open_readonly(cr_store_path(s), &c, NULL)
                                    : cr_store_open_existing(cr_store_path(s), &c, NULL))
            break;
        if (cr_store_read_begin(c, &began) || read_stamp(c, seen) || seen[0] != stamp[0] ||
            seen[1] != stamp[1]) {
            cr_store_close(c);
            break;
        }
        extra[k] = c;
    }
    return k;
}

cr_store *cr__city_twin(cr_store *s)
{
    int64_t stamp[2];
    cr_store *extra[2] = {NULL, NULL};
    return read_stamp(s, stamp) == CR_OK && open_parts(s, stamp, extra, 2) == 2 ? extra[1] : NULL;
}

cr_err cr__city_group(cr_store *s, const int64_t *subjects, size_t n_subjects, struct ev_group *g,
                      uint64_t *n_out)
{
    struct ev_part parts[8];
    cr_store *extra[8] = {NULL};
    size_t n_parts = 1, n_rows = g->n_rows;
    int64_t top = 0;
    memset(parts, 0, sizeof parts);
    *n_out = 0;
    if (!subjects) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        if (cr_store_event_blocks_top(s, &top))
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
    g->fmask = cr__city_flag_masks(g->m, g->c);
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
                cr__city_set_why(
                    "reading the events",
                    "fewer events than counted (the store's rows do not agree: it is damaged)");
            }
        free(parts[i].cnt);
        free(parts[i].pos);
    }
    for (size_t i = 1; i < 8; i++) {
        cr_err ended = extra[i] ? cr_store_read_end(extra[i], 1) : CR_OK;
        (void)ended;              /* a read transaction: nothing to lose */
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

cr_err cr__city_load_events(cr_store *s, int around, const cr_model *m, struct cr_city *c,
                            const int32_t *dense, int64_t max_subj)
{
    int64_t *subjects = NULL;
    size_t n_subjects = 0;
    cr_err err = around ? cr_store_around_subjects(s, &subjects, &n_subjects) : CR_OK;
    struct ev_group g = {.dense = dense, .max_subj = max_subj, .n_rows = c->n, .m = m, .c = c};
    uint64_t n = 0;
    _Static_assert(sizeof(size_t) == sizeof(uint64_t), "offsets double as size_t");
    if (!err && !(around && n_subjects == 0))
        err = cr__city_group(s, around ? subjects : NULL, n_subjects, &g, &n);
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
