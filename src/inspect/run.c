/* The inspect stage's work on a store: recording a plan with its frozen eligible list, drawing,
 * verifying a draw (docs/inspect.md, docs/draw.md). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "crisk/inspect.h"
#include "crisk/store.h"
#include "crisk/text.h"
#include "internal.h"

/* ---- a set of subjects as a bitmap over subject ids ---- */

struct bits {
    uint8_t *b;
    int64_t cap;
};

static int bits_add(void *ctx, int64_t subject)
{
    struct bits *s = ctx;
    if (subject < 0)
        return 0;
    if (subject >= s->cap) {
        int64_t cap = s->cap ? s->cap : 1024;
        while (cap <= subject)
            cap *= 2;
        uint8_t *t = realloc(s->b, (size_t)(cap + 7) / 8);
        if (!t)
            return 1;
        memset(t + (s->cap + 7) / 8, 0, (size_t)((cap + 7) / 8 - (s->cap + 7) / 8));
        s->b = t;
        s->cap = cap;
    }
    s->b[subject >> 3] |= (uint8_t)(1u << (subject & 7));
    return 0;
}

static int bits_has(const struct bits *s, int64_t subject)
{
    return subject >= 0 && subject < s->cap && (s->b[subject >> 3] >> (subject & 7) & 1);
}

/* ---- plan ---- */

static int prefix_any(const char *v, char **list, size_t n)
{
    if (!n)
        return 1;
    for (size_t i = 0; v && i < n; i++)
        if (strncmp(v, list[i], strlen(list[i])) == 0)
            return 1;
    return 0;
}

static int32_t add_years(int32_t day, int years)
{
    int y, m, d;
    cr_civil_from_days(day, &y, &m, &d);
    if (m == 2 && d == 29)
        d = 28;
    return cr_days_from_civil(y + years, m, d);
}

struct plan_build {
    const struct cr_plan *p;
    int32_t today;
    struct bits tags, tol_tag, warned, complained, recent;
    struct cr_elig *e;
    size_t n, cap;
    struct cr__strpool keys;
    int64_t counts[CR_EL__N], by_level[4];
    int oom;
    /* a status holding a deregistered text without being one of them: the first, and how many */
    char near_status[64], near_text[64];
    int64_t n_near;
};

static int cand_fn(void *ctx, const struct cr_plan_cand *c)
{
    struct plan_build *b = ctx;
    const struct cr_plan *p = b->p;
    if (c->level < 'A' || c->level > 'D' || !strchr(p->levels, c->level))
        return 0;
    if (!prefix_any(c->district, p->districts, p->n_districts) ||
        !prefix_any(c->street, p->streets, p->n_streets) ||
        !prefix_any(c->industry, p->industry, p->n_industry))
        return 0;
    if (p->n_types) {
        int ok = 0;
        for (size_t i = 0; c->type && i < p->n_types && !ok; i++)
            ok = strstr(c->type, p->types[i]) != NULL;
        if (!ok)
            return 0;
    }
    if (p->n_tags && !bits_has(&b->tags, c->subject))
        return 0;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        struct cr_elig *t = realloc(b->e, cap * sizeof *t);
        if (!t) {
            b->oom = 1;
            return 1;
        }
        b->e = t;
        b->cap = cap;
    }
    struct cr_elig *e = &b->e[b->n++];
    memset(e, 0, sizeof *e);
    e->subject = c->subject;
    if (!(e->key = cr__strpool_dup(&b->keys, c->key))) {
        b->oom = 1;
        return 1;
    }
    if (!(e->street = cr__strpool_dup(&b->keys, c->street ? c->street : ""))) {
        b->oom = 1;
        return 1;
    }
    e->level = c->level;
    int dereg = 0, near = 0; /* whole values of the list (docs/inspect.md) */
    for (size_t i = 0; c->status && i < p->n_dereg_status && !dereg; i++)
        dereg = strcmp(c->status, p->dereg_status[i]) == 0;
    for (size_t i = 0; c->status && !dereg && i < p->n_dereg_status && !near; i++)
        if ((near = strstr(c->status, p->dereg_status[i]) != NULL) && !b->n_near++) {
            snprintf(b->near_status, sizeof b->near_status, "%s", c->status);
            snprintf(b->near_text, sizeof b->near_text, "%s", p->dereg_status[i]);
        }
    int tol = 0;
    if (bits_has(&b->tol_tag, c->subject) && c->has_established &&
        b->today < add_years(c->established, p->tolerance_years))
        tol = 1;
    for (size_t i = 0; i < p->n_tolerance_list && !tol; i++)
        tol = strcmp(p->tolerance_list[i], c->key) == 0 &&
              b->today < add_years(p->tolerance_since[i], p->tolerance_years);
    if (dereg)
        e->cls = CR_EL_EXEMPT_STATUS;
    else if (bits_has(&b->warned, c->subject) || bits_has(&b->complained, c->subject))
        e->cls = CR_EL_TRIGGERED;
    else if (p->routine && bits_has(&b->recent, c->subject))
        e->cls = CR_EL_EXEMPT_RECENT;
    else if (tol)
        e->cls = CR_EL_EXEMPT_TOLERANCE;
    else
        e->cls = CR_EL_POOL;
    b->counts[e->cls]++;
    if (e->cls == CR_EL_POOL)
        b->by_level[c->level - 'A']++;
    return 0;
}

struct kinds_ctx {
    const struct cr_plan *p;
    uint8_t *is_complaint;
    size_t n;
    uint8_t *seen; /* per complaint kind: a topic of the store has it */
};

static int kind_fn(void *ctx, int64_t id, const char *kind, size_t len)
{
    struct kinds_ctx *k = ctx;
    for (size_t i = 0; i < k->p->n_complaint_kinds; i++)
        if (strlen(k->p->complaint_kinds[i]) == len &&
            memcmp(k->p->complaint_kinds[i], kind, len) == 0) {
            k->seen[i] = 1;
            if (id >= 0 && (size_t)id < k->n)
                k->is_complaint[id] = 1;
        }
    return 0;
}

struct ev_ctx {
    const uint8_t *is_complaint;
    size_t n;
    int32_t from, to;
    struct bits *out;
};

static int ev_fn(void *ctx, const struct cr_event_row *e)
{
    struct ev_ctx *c = ctx;
    if (e->topic >= 0 && (size_t)e->topic < c->n && c->is_complaint[e->topic] &&
        e->day >= c->from && e->day <= c->to)
        return bits_add(c->out, e->subject);
    return 0;
}

/* The subjects with a complaint event in [today - days, today]; a warning naming the
 * complaint kinds no topic of the store has (they trigger nothing: a typo, or a feed not
 * loaded). */
static cr_err complaints(cr_store *s, const struct cr_plan *p, int32_t today, struct bits *out,
                         json_t *warnings)
{
    int64_t top = 0, blocks = 0;
    cr_err rc = cr_store_topic_top(s, &top);
    if (rc || !p->n_complaint_kinds)
        return rc;
    struct kinds_ctx k = {p, calloc((size_t)top + 1, 1), (size_t)top + 1,
                          calloc(p->n_complaint_kinds, 1)};
    uint8_t *no_attrs = calloc((size_t)top + 1, 1);
    if (!k.is_complaint || !no_attrs || !k.seen) {
        free(k.is_complaint);
        free(k.seen);
        free(no_attrs);
        return CR_ENOMEM;
    }
    rc = cr_store_topic_kinds(s, kind_fn, &k);
    char unseen[512] = "";
    size_t n_unseen = 0;
    for (size_t i = 0; !rc && i < p->n_complaint_kinds; i++)
        if (!k.seen[i] && strlen(unseen) + strlen(p->complaint_kinds[i]) + 8 < sizeof unseen)
            snprintf(unseen + strlen(unseen), sizeof unseen - strlen(unseen), "%s'%s'",
                     n_unseen++ ? ", " : "", p->complaint_kinds[i]);
    if (n_unseen)
        json_array_append_new(warnings,
                              json_sprintf("triggers.complaint_kinds: %s %s no event kind of the "
                                           "store (no feed has loaded such events): %s nothing",
                                           unseen, n_unseen == 1 ? "is" : "are",
                                           n_unseen == 1 ? "it triggers" : "they trigger"));
    free(k.seen);
    int any = 0;
    for (size_t i = 0; i < k.n; i++)
        any |= k.is_complaint[i];
    if (!rc && any)
        rc = cr_store_event_blocks_top(s, &blocks);
    if (!rc && any && blocks) {
        struct ev_ctx c = {k.is_complaint, k.n, today - p->complaint_days, today, out};
        rc = cr_store_events_range(s, 1, blocks + 1, no_attrs, k.n, ev_fn, &c);
    }
    free(k.is_complaint);
    free(no_attrs);
    return rc;
}

static char *read_text(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 4096, n = 0;
    char *t = malloc(cap + 1);
    for (size_t got; t && (got = fread(t + n, 1, cap - n, fp)) > 0;) {
        n += got;
        if (n == cap) {
            char *u = cap < ((size_t)16 << 20) ? realloc(t, cap * 2 + 1) : NULL;
            if (!u) {
                free(t);
                t = NULL;
                break;
            }
            t = u;
            cap *= 2;
        }
    }
    fclose(fp);
    if (t)
        t[n] = 0;
    *len = n;
    return t;
}

static void sha_hex(const void *text, size_t len, char hex[65])
{
    unsigned char h[32];
    crypto_hash_sha256(h, text, len);
    static const char dig[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = dig[h[i] >> 4];
        hex[2 * i + 1] = dig[h[i] & 15];
    }
    hex[64] = 0;
}

/* Counts the subjects a tag gives while adding them. */
struct tag_count {
    struct bits *b;
    int64_t n;
};

static int tag_fn(void *ctx, int64_t subject)
{
    struct tag_count *t = ctx;
    t->n++;
    return bits_add(t->b, subject);
}

/* The plan's scope in words, for a message. */
static void scope_text(const struct cr_plan *p, char *out, size_t cap)
{
    struct {
        const char *name;
        char **v;
        size_t n;
    } lists[] = {{"districts", p->districts, p->n_districts},
                 {"streets", p->streets, p->n_streets},
                 {"industry", p->industry, p->n_industry},
                 {"tags", p->tags, p->n_tags},
                 {"types", p->types, p->n_types}};
    snprintf(out, cap, "levels %s", p->levels);
    for (size_t l = 0; l < sizeof lists / sizeof *lists; l++) {
        if (!lists[l].n)
            continue;
        snprintf(out + strlen(out), cap - strlen(out), "; %s", lists[l].name);
        for (size_t i = 0; i < lists[l].n; i++)
            snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? ", " : " ", lists[l].v[i]);
    }
}

static int free_bits(struct bits *b)
{
    free(b->b);
    memset(b, 0, sizeof *b);
    return 0;
}

static int staff_seen_fn(void *ctx, const struct cr_staff *st)
{
    (void)ctx;
    (void)st;
    return 0;
}

/* A declared conflict (plan key conflicts) that names staff the store's roster does not hold,
 * or a firm the store does not know, is recorded but said: the roster may be loaded after the
 * plan (or a draw staffed from --roster FILE), and a firm may arrive with the next ingest — but
 * a typo would silently recuse no one. One warning per kind, with the count and the first
 * three. */
static cr_err conflicts_check(cr_store *s, const struct cr_plan *p, json_t *warnings)
{
    char staff[160] = "", firms[160] = "";
    size_t n_staff = 0, n_firms = 0;
    cr_err rc = CR_OK;
    for (size_t i = 0; !rc && i < p->n_conflicts; i++) {
        int found = 0;
        if ((rc = cr_store_staff_get(s, p->conflict_staff[i], staff_seen_fn, NULL, &found)))
            break;
        if (!found && n_staff++ < 3)
            snprintf(staff + strlen(staff), sizeof staff - strlen(staff), "%s'%s'",
                     n_staff > 1 ? ", " : "", p->conflict_staff[i]);
        int64_t subject = 0;
        rc = cr_store_subject_find(s, p->conflict_with[i], &subject);
        if (rc == CR_ENOTFOUND) {
            rc = CR_OK;
            if (n_firms++ < 3)
                snprintf(firms + strlen(firms), sizeof firms - strlen(firms), "%s'%s'",
                         n_firms > 1 ? ", " : "", p->conflict_with[i]);
        }
    }
    if (!rc && n_staff)
        json_array_append_new(warnings,
                              json_sprintf("conflicts: %zu row%s staff the store's roster does "
                                           "not hold (%s%s): recusing no one it staffs",
                                           n_staff, n_staff == 1 ? " names" : "s name", staff,
                                           n_staff > 3 ? ", …" : ""));
    if (!rc && n_firms)
        json_array_append_new(warnings,
                              json_sprintf("conflicts: %zu row%s a firm the store does not know "
                                           "(%s%s)",
                                           n_firms, n_firms == 1 ? " names" : "s name", firms,
                                           n_firms > 3 ? ", …" : ""));
    return rc;
}

struct run_as_of {
    int64_t run;
    int32_t as_of;
    int found;
};

static int run_as_of_fn(void *ctx, const struct cr_run_info *r)
{
    struct run_as_of *a = ctx;
    if (r->id == a->run) {
        a->as_of = r->as_of;
        a->found = 1;
    }
    return 0;
}

/* The plan's day (--today) lies in the plan's year or the year before (a 2026 plan is made from
 * 2025-01-01 to 2026-12-31: --today 1999-12-31 is a slip). A day before the as-of day of the
 * run whose levels the plan freezes is said (a warning in warnings): the plan then knew levels
 * from after its day, as a test or a late recording does, not refused. */
static cr_err plan_day_check(cr_store *s, int64_t run, const struct cr_plan *p, int32_t today,
                             json_t *warnings, cr_diag *d)
{
    char td[11], od[11];
    cr_day_format(today, td);
    int32_t first = cr_days_from_civil(p->year - 1, 1, 1),
            last = cr_days_from_civil(p->year, 12, 31);
    if (today < first || today > last)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "the plan's day %s is %s its year %d: a plan of year %d is made from "
                           "%d-01-01 to %d-12-31 (--today, or the plan's year)",
                           td, today < first ? "more than a year before" : "after", p->year,
                           p->year, p->year - 1, p->year);
    struct run_as_of a = {run, 0, 0};
    cr_err rc = cr_store_runs_each(s, run_as_of_fn, &a);
    if (rc)
        return rc;
    if (a.found && today < a.as_of) {
        cr_day_format(a.as_of, od);
        json_array_append_new(warnings,
                              json_sprintf("the plan's day %s is before %s, the as-of day of "
                                           "classification run %lld whose levels it freezes",
                                           td, od, (long long)run));
    }
    return CR_OK;
}

cr_err cr_inspect_plan(cr_store *s, const char *path, int32_t today, json_t **report, cr_diag *d)
{
    *report = NULL;
    struct cr_plan p;
    cr_err rc = cr_plan_load(path, today, &p, d);
    if (rc) {
        cr_plan_free(&p);
        return rc;
    }
    int64_t run = 0;
    struct plan_build b = {.p = &p, .today = today};
    if ((rc = cr_store_run_latest(s, &run))) {
        cr_plan_free(&p);
        return rc == CR_ENOTFOUND ? cr_diag_set(d, rc, NULL, 0, 0,
                                                "the store has no classification run: run crisk "
                                                "classify first (a plan freezes its levels)")
                                  : rc;
    }
    json_t *warnings = json_array();
    if (!warnings)
        rc = CR_ENOMEM;
    if (!rc)
        rc = plan_day_check(s, run, &p, today, warnings, d);
    if (!rc)
        rc = conflicts_check(s, &p, warnings);
    for (size_t i = 0; !rc && i < p.n_tags; i++) {
        struct tag_count tc = {&b.tags, 0};
        rc = cr_store_run_tag_subjects(s, run, p.tags[i], tag_fn, &tc);
        if (!rc && !tc.n)
            json_array_append_new(warnings,
                                  json_sprintf("scope.tags: no firm of run %lld has the tag '%s'",
                                               (long long)run, p.tags[i]));
    }
    if (!rc && p.tolerance_tag)
        rc = cr_store_run_tag_subjects(s, run, p.tolerance_tag, bits_add, &b.tol_tag);
    if (!rc && p.trigger_warnings)
        rc = cr_store_open_warning_subjects(s, bits_add, &b.warned);
    if (!rc)
        rc = complaints(s, &p, today, &b.complained, warnings);
    if (!rc && p.routine)
        rc = cr_store_recently_drawn(s, today - p.recent_days, today, bits_add, &b.recent);
    if (!rc)
        rc = cr_store_plan_candidates(s, run, cand_fn, &b);
    if (!rc && b.oom)
        rc = CR_ENOMEM;
    if (!rc && !b.n) {
        char sc[512];
        scope_text(&p, sc, sizeof sc);
        rc = cr_diag_set(d, CR_EINVAL, path, 0, 0,
                         "no firm of classification run %lld is in the plan's scope (%s): an "
                         "empty plan is not recorded",
                         (long long)run, sc);
    }
    if (!rc && b.n_near)
        json_array_append_new(
            warnings, json_sprintf("exemptions.deregistered: %lld firms have a status such as "
                                   "'%s' that holds '%s' but is none of the listed values (whole "
                                   "values are matched): they are not exempt",
                                   (long long)b.n_near, b.near_status, b.near_text));
    if (!rc && !b.counts[CR_EL_POOL] && !b.counts[CR_EL_TRIGGERED])
        json_array_append_new(warnings,
                              json_sprintf("all %zu firms in the scope are exempt: a draw samples "
                                           "none",
                                           b.n));
    size_t text_len = 0;
    char *text = rc ? NULL : read_text(path, &text_len);
    if (!rc && !text)
        rc = cr_diag_set(d, CR_EIO, path, 0, 0, "cannot read the plan again");
    char plan_hash[65], elig_hash[65];
    json_t *settings = NULL, *counts = NULL;
    char *settings_s = NULL, *counts_s = NULL;
    struct cr_plan_firm *pf = NULL;
    int64_t id = 0;
    if (!rc) {
        sha_hex(text, text_len, plan_hash);
        cr_elig_sort(b.e, b.n);
        rc = cr_elig_hash(b.e, b.n, elig_hash);
        settings = cr_plan_to_json(&p);
        counts = json_pack("{s:I,s:I,s:I,s:{s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I}}", "eligible",
                           (json_int_t)b.n, "pool", (json_int_t)b.counts[CR_EL_POOL], "triggered",
                           (json_int_t)b.counts[CR_EL_TRIGGERED], "exempt", "recent",
                           (json_int_t)b.counts[CR_EL_EXEMPT_RECENT], "deregistered",
                           (json_int_t)b.counts[CR_EL_EXEMPT_STATUS], "tolerance",
                           (json_int_t)b.counts[CR_EL_EXEMPT_TOLERANCE], "pool_by_level", "A",
                           (json_int_t)b.by_level[0], "B", (json_int_t)b.by_level[1], "C",
                           (json_int_t)b.by_level[2], "D", (json_int_t)b.by_level[3]);
        settings_s = settings ? json_dumps(settings, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
        counts_s = counts ? json_dumps(counts, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
        pf = malloc((b.n ? b.n : 1) * sizeof *pf);
        if (!settings_s || !counts_s || !pf)
            rc = CR_ENOMEM;
    }
    if (!rc) {
        for (size_t i = 0; i < b.n; i++)
            pf[i] = (struct cr_plan_firm){b.e[i].subject, b.e[i].key, b.e[i].street, b.e[i].cls,
                                          b.e[i].level};
        struct cr_plan_rec rec = {.run = run,
                                  .eligible = (int64_t)b.n,
                                  .name = p.name,
                                  .batch = p.batch,
                                  .text = text,
                                  .hash = plan_hash,
                                  .settings = settings_s,
                                  .eligible_hash = elig_hash,
                                  .counts = counts_s,
                                  .year = p.year,
                                  .routine = p.routine,
                                  .day = today};
        rc = cr_store_plan_save(s, &rec, pf, b.n, &id);
    }
    if (!rc) {
        json_t *r =
            json_pack("{s:I,s:s,s:I,s:s,s:s}", "plan", (json_int_t)id, "name", p.name, "run",
                      (json_int_t)run, "hash", plan_hash, "eligible_hash", elig_hash);
        if (r) {
            json_object_update(r, counts);
            json_object_set(r, "warnings", warnings);
        }
        *report = r;
        if (!r)
            rc = CR_ENOMEM;
    }
    json_decref(settings);
    json_decref(counts);
    json_decref(warnings);
    free(settings_s);
    free(counts_s);
    free(pf);
    free(text);
    free(b.e);
    cr__strpool_free(&b.keys);
    free_bits(&b.tags);
    free_bits(&b.tol_tag);
    free_bits(&b.warned);
    free_bits(&b.complained);
    free_bits(&b.recent);
    cr_plan_free(&p);
    return rc;
}

/* ---- draw ---- */

static cr_err settings_check(int64_t plan, const char *text, const char *settings, json_t *problems,
                             int *checked);

struct plan_got {
    int64_t id;
    char hash[65], elig_hash[65];
    char *settings, *text;
    int routine;
    int32_t day;
    int text_intact; /* the stored text hashes to the recorded hash */
};

static int plan_got_fn(void *ctx, const struct cr_plan_rec *r)
{
    struct plan_got *g = ctx;
    char hex[65];
    sha_hex(r->text, strlen(r->text), hex);
    g->text_intact = strcmp(hex, r->hash) == 0;
    free(g->text);
    g->text = strdup(r->text);
    g->id = r->id;
    snprintf(g->hash, sizeof g->hash, "%s", r->hash);
    snprintf(g->elig_hash, sizeof g->elig_hash, "%s", r->eligible_hash);
    free(g->settings);
    g->settings = strdup(r->settings);
    g->routine = r->routine;
    g->day = r->day;
    return 0;
}

/* A plan's frozen list as the draw takes it: e[i] points into the store's list l. */
struct elig_list {
    struct cr_elig *e;
    size_t n;
    struct cr_plan_list l;
};

static void elig_list_free(struct elig_list *l)
{
    free(l->e);
    cr_store_plan_list_free(&l->l);
}

/* Loads plan id, its settings and its frozen list, and checks the list against its hash. */
static cr_err load_plan(cr_store *s, int64_t id, struct plan_got *g, struct cr_plan *p,
                        struct elig_list *l, cr_diag *d)
{
    memset(g, 0, sizeof *g);
    memset(l, 0, sizeof *l);
    memset(p, 0, sizeof *p);
    cr_err rc = cr_store_plans_each(s, id, plan_got_fn, g);
    if (rc == CR_ENOTFOUND)
        return cr_diag_set(d, rc, NULL, 0, 0, "there is no plan %lld", (long long)id);
    if (!rc && !g->settings)
        rc = CR_ENOMEM;
    json_error_t je;
    json_t *j = rc ? NULL : json_loads(g->settings, 0, &je);
    if (!rc && !j)
        rc = cr_diag_set(d, CR_EPARSE, NULL, 0, 0, "plan %lld: its stored settings are not JSON",
                         (long long)id);
    if (!rc)
        rc = cr_plan_from_json(j, p, d);
    json_decref(j);
    const char *why = "";
    if (!rc && (rc = cr_store_plan_list(s, id, &l->l, &why)) == CR_EPARSE)
        rc = cr_diag_set(d, CR_ECHECK, NULL, 0, 0,
                         "plan %lld: its recorded eligible list cannot be read: %s", (long long)id,
                         why);
    if (!rc && !(l->e = malloc((l->l.n ? l->l.n : 1) * sizeof *l->e)))
        rc = CR_ENOMEM;
    for (size_t i = 0; !rc && i < l->l.n; i++) {
        const struct cr_plan_firm *f = &l->l.f[i];
        l->e[i] = (struct cr_elig){f->subject, f->key, f->level, f->cls, f->street};
    }
    if (!rc)
        l->n = l->l.n;
    if (!rc) {
        char hex[65];
        cr_elig_sort(l->e, l->n);
        rc = cr_elig_hash(l->e, l->n, hex);
        if (!rc && strcmp(hex, g->elig_hash) != 0)
            rc = cr_diag_set(d, CR_ECHECK, NULL, 0, 0,
                             "plan %lld: its eligible list no longer has the recorded hash "
                             "(%s, recorded %s): the list was changed after it was frozen",
                             (long long)id, hex, g->elig_hash);
    }
    return rc;
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

struct rec_list {
    struct cr_recusal *r;
    size_t n, cap;
    char *pool; /* strings: one malloc each, kept in a list */
    int bad;
};

static int rec_fn(void *ctx, int64_t subject, const char *inspectors)
{
    struct rec_list *l = ctx;
    for (const char *q = inspectors; *q;) {
        size_t len = strcspn(q, ";");
        if (len) {
            if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 256;
                struct cr_recusal *t = realloc(l->r, cap * sizeof *t);
                if (!t) {
                    l->bad = 1;
                    return 1;
                }
                l->r = t;
                l->cap = cap;
            }
            char *id = strndup(q, len);
            if (!id) {
                l->bad = 1;
                return 1;
            }
            l->r[l->n].subject = subject;
            l->r[l->n++].staff = id;
        }
        q += len;
        if (*q)
            q++;
    }
    return 0;
}

static int text_ok(const char *t)
{
    char why[CR_TEXT_WHY_CAP];
    return t && cr_text_problem(t, strlen(t), CR_DRAW_TEXT_MAX_BYTES, 0, why) == NULL;
}

static int draw_day_fn(void *ctx, const struct cr_draw_rec *r)
{
    *(int32_t *)ctx = r->day;
    return 0;
}

/* One draw per plan: the standing draw to void in *replace, or an error. A redraw is not dated
 * before the draw it voids (the void would precede what it voids). */
static cr_err draw_once(cr_store *s, int64_t plan, int32_t today, const struct cr_redraw *redraw,
                        struct cr_draw_void *replace, int *have, cr_diag *d)
{
    *have = 0;
    int64_t old = 0;
    cr_err rc = cr_store_plan_live_draw(s, plan, &old);
    if (rc == CR_ENOTFOUND)
        return redraw ? cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                                    "plan %lld has no draw to redraw: draw it without --redraw",
                                    (long long)plan)
                      : CR_OK;
    if (rc)
        return rc;
    if (!redraw)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "plan %lld was already drawn (draw %lld); a plan is drawn once - "
                           "redraw only with --redraw --reason TEXT --by USER, which voids draw "
                           "%lld (docs/draw.md)",
                           (long long)plan, (long long)old, (long long)old);
    if (!text_ok(redraw->by) || !text_ok(redraw->reason))
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "a redraw needs --reason and --by: non-empty text without control "
                           "characters");
    int32_t old_day = 0;
    if ((rc = cr_store_draw_get(s, old, draw_day_fn, &old_day)))
        return rc;
    if (today < old_day) {
        char od[11], td[11];
        cr_day_format(old_day, od);
        cr_day_format(today, td);
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "the redraw's day %s is before %s, the day of draw %lld it would void: "
                           "a redraw is dated on or after the draw it replaces",
                           td, od, (long long)old);
    }
    *replace = (struct cr_draw_void){old, redraw->by, redraw->reason, today};
    *have = 1;
    return CR_OK;
}

cr_err cr_inspect_draw(cr_store *s, int64_t plan_id, const char *seed, int32_t today,
                       const struct cr_inspector *staff, size_t n_staff,
                       const struct cr_redraw *redraw, json_t **report, cr_diag *d)
{
    *report = NULL;
    char seed_why[CR_TEXT_WHY_CAP];
    const char *bad = seed ? cr_text_problem(seed, strlen(seed), CR_SEED_MAX_BYTES, 1, seed_why)
                           : "it is missing";
    if (bad)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "the seed: %s (a seed is 1-200 bytes of visible UTF-8 text in NFKC "
                           "form, no space at either end: docs/draw.md \"The seed\")",
                           bad);
    struct cr_draw_void replace = {0};
    int have_replace = 0;
    int64_t t0 = now_ns();
    struct plan_got g = {0};
    struct cr_plan p = {0};
    struct elig_list l = {0};
    struct rec_list rl = {0};
    struct cr_drawn *dr = NULL;
    size_t n = 0;
    char **insp = NULL, **why = NULL;
    struct cr_draw_firm *df = NULL;
    json_t *rep = NULL;
    char *rep_s = NULL;
    cr_err rc = load_plan(s, plan_id, &g, &p, &l, d);
    if (!rc && !g.text_intact)
        rc = cr_diag_set(d, CR_ECHECK, NULL, 0, 0,
                         "plan %lld: its stored text no longer hashes to the recorded %.12s…: the "
                         "plan was changed after it was recorded, so it is not drawn (crisk draw "
                         "verify names what differs)",
                         (long long)g.id, g.hash);
    /* the draw reads the recorded settings: they must still be the ones its text gives */
    json_t *sp = rc ? NULL : json_array();
    int checked = 0;
    if (!rc && !sp)
        rc = CR_ENOMEM;
    if (!rc && !g.text)
        rc = CR_ENOMEM;
    if (!rc)
        rc = settings_check(g.id, g.text, g.settings, sp, &checked);
    if (!rc && json_array_size(sp))
        rc = cr_diag_set(d, CR_ECHECK, NULL, 0, 0,
                         "%s: the recorded settings were changed after the plan was recorded, so "
                         "it is not drawn (crisk draw verify names every difference)",
                         json_string_value(json_array_get(sp, 0)));
    json_decref(sp);
    if (!rc && today < g.day) {
        char pd[11], td[11];
        cr_day_format(g.day, pd);
        cr_day_format(today, td);
        rc = cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                         "the draw's day %s is before plan %lld's day %s: a draw cannot be "
                         "backdated before its plan",
                         td, (long long)g.id, pd);
    }
    if (!rc)
        rc = draw_once(s, g.id, today, redraw, &replace, &have_replace, d);
    int64_t t_list = now_ns();
    if (!rc)
        rc = cr_draw_compute(&p, g.id, g.hash, l.e, l.n, seed, &dr, &n);
    int64_t t_draw = now_ns();
    if (!rc)
        rc = cr_store_last_inspectors(s, rec_fn, &rl);
    if (!rc && rl.bad)
        rc = CR_ENOMEM;
    if (!rc) {
        insp = calloc(n ? n : 1, sizeof *insp);
        why = calloc(n ? n : 1, sizeof *why);
        df = calloc(n ? n : 1, sizeof *df);
        if (!insp || !why || !df)
            rc = CR_ENOMEM;
    }
    if (!rc)
        rc = cr_draw_inspectors(&p, g.id, g.hash, seed, l.e, dr, n, staff, n_staff, rl.r, rl.n,
                                insp, why);
    int64_t t_staff = now_ns();
    int64_t by_level[4] = {0}, arms[3] = {0}, unstaffed = 0;
    json_t *unst = json_array();
    for (size_t i = 0; !rc && i < n; i++) {
        const struct cr_elig *e = &l.e[dr[i].elig];
        df[i] = (struct cr_draw_firm){.subject = e->subject,
                                      .key = e->key,
                                      .arm = cr_arm_name[dr[i].arm],
                                      .inspectors = insp[i],
                                      .unstaffed = why[i],
                                      .level = e->level};
        by_level[e->level - 'A']++;
        arms[dr[i].arm]++;
        if (why[i]) {
            unstaffed++;
            if (json_array_size(unst) < 10)
                json_array_append_new(unst, json_pack("{s:s,s:s}", "uscc", e->key, "why", why[i]));
        }
    }
    json_t *exempt = NULL;
    if (!rc) {
        int64_t cnt[CR_EL__N] = {0};
        for (size_t i = 0; i < l.n; i++)
            cnt[l.e[i].cls]++;
        exempt = json_pack("{s:I,s:I,s:I}", "recent", (json_int_t)cnt[CR_EL_EXEMPT_RECENT],
                           "deregistered", (json_int_t)cnt[CR_EL_EXEMPT_STATUS], "tolerance",
                           (json_int_t)cnt[CR_EL_EXEMPT_TOLERANCE]);
        rep = json_pack("{s:I,s:I,s:s,s:I,s:{s:I,s:I,s:I,s:I},s:I,s:I,s:I,s:o,s:I,s:O}", "plan",
                        (json_int_t)g.id, "eligible", (json_int_t)l.n, "seed", seed, "sampled",
                        (json_int_t)n, "by_level", "A", (json_int_t)by_level[0], "B",
                        (json_int_t)by_level[1], "C", (json_int_t)by_level[2], "D",
                        (json_int_t)by_level[3], "targeted", (json_int_t)arms[CR_ARM_TARGETED],
                        "random_arm", (json_int_t)arms[CR_ARM_RANDOM], "triggered",
                        (json_int_t)arms[CR_ARM_TRIGGERED], "exempt", exempt, "unstaffed",
                        (json_int_t)unstaffed, "unstaffed_examples", unst);
        if (rep && have_replace) /* recorded with the report: which draw this one voided */
            json_object_set_new(rep, "voided_draw", json_integer(replace.draw));
        rep_s = rep ? json_dumps(rep, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
        if (!rep_s)
            rc = CR_ENOMEM;
    }
    int64_t id = 0;
    double secs = (double)(now_ns() - t0) / 1e9;
    /* the roster it was staffed from goes with it, so that draw verify recomputes its
     * inspectors: in the draw's transaction, so no draw is ever without it */
    struct cr_staff *rows = rc ? NULL : calloc(n_staff ? n_staff : 1, sizeof *rows);
    if (!rc && !rows)
        rc = CR_ENOMEM;
    for (size_t i = 0; !rc && i < n_staff; i++)
        rows[i] = (struct cr_staff){staff[i].id, "", "inspector", staff[i].division,
                                    staff[i].qualifications};
    if (!rc) {
        struct cr_draw_rec r = {.plan = g.id,
                                .sampled = (int64_t)n,
                                .seed = seed,
                                .report = rep_s,
                                .day = today,
                                .seconds = secs};
        rc = cr_store_draw_save(s, &r, df, n, rows, n_staff, have_replace ? &replace : NULL, &id);
    }
    free(rows);
    if (!rc) {
        json_object_set_new(rep, "draw", json_integer(id));
        json_object_set_new(rep, "seconds", json_real(secs));
        json_t *tm = json_pack("{s:f,s:f,s:f,s:f}", "list", (double)(t_list - t0) / 1e9, "draw",
                               (double)(t_draw - t_list) / 1e9, "inspectors",
                               (double)(t_staff - t_draw) / 1e9, "record",
                               (double)(now_ns() - t0) / 1e9 - secs);
        json_object_set_new(rep, "timings", tm);
        *report = rep;
        rep = NULL;
    }
    json_decref(rep);
    json_decref(unst);
    free(rep_s);
    for (size_t i = 0; i < n; i++) {
        if (insp)
            free(insp[i]);
        if (why)
            free(why[i]);
    }
    free(insp);
    free(why);
    free(df);
    free(dr);
    for (size_t i = 0; i < rl.n; i++)
        free((char *)rl.r[i].staff);
    free(rl.r);
    elig_list_free(&l);
    free(g.settings);
    free(g.text);
    cr_plan_free(&p);
    return rc;
}

/* ---- verify ---- */

struct got_draw {
    int64_t plan;
    int32_t day, void_day;
    char *seed, *void_by, *void_reason, *voided;
};

static int got_draw_fn(void *ctx, const struct cr_draw_rec *r)
{
    struct got_draw *g = ctx;
    g->plan = r->plan;
    g->day = r->day;
    g->seed = strdup(r->seed);
    g->void_day = r->void_day;
    g->void_by = r->void_by ? strdup(r->void_by) : NULL;
    g->void_reason = r->void_reason ? strdup(r->void_reason) : NULL;
    g->voided = r->voided ? strdup(r->voided) : NULL;
    return 0;
}

/* The plan's text against its recorded hash. */
struct text_check {
    int ok, oom;
    char hex[65], recorded[65];
    char *text, *settings;
};

static int text_check_fn(void *ctx, const struct cr_plan_rec *r)
{
    struct text_check *t = ctx;
    t->text = strdup(r->text);
    t->settings = strdup(r->settings);
    t->oom = !t->text || !t->settings;
    sha_hex(r->text, strlen(r->text), t->hex);
    snprintf(t->recorded, sizeof t->recorded, "%s", r->hash);
    t->ok = strcmp(t->hex, r->hash) == 0;
    return 0;
}

/* The recorded settings that the plan's recorded text determines, re-derived from the text
 * (cr_plan_load_text) and compared: each one that differs is a problem. The list files a plan
 * names are not stored, so what comes from them (the items' names and qualifications, the
 * conflicts, the tolerance list, the 免罚清单) enters through the settings alone; the
 * settings that froze the list (scope, triggers, tolerance tag) are compared when recorded
 * (plans of an older crisk lack them). *checked = 1 when the text could be read. */
static cr_err settings_check(int64_t plan, const char *text, const char *settings, json_t *problems,
                             int *checked)
{
    static const char *const always[] = {"name",
                                         "year",
                                         "batch",
                                         "routine",
                                         "levels",
                                         "ratios_bp",
                                         "mode",
                                         "random_bp",
                                         "inspectors",
                                         "workload_cap",
                                         "recent_days",
                                         "tolerance_years",
                                         "deregistered",
                                         "no_penalty_days",
                                         NULL};
    static const char *const if_recorded[] = {
        "rules", "tolerance_tag", "complaint_kinds", "complaint_days", "open_warnings", "scope",
        NULL};
    *checked = 0;
    struct cr_plan t;
    cr_diag d = {{0}, {0}, 0, 0};
    char name[64];
    snprintf(name, sizeof name, "plan %lld's text", (long long)plan);
    json_t *jt = NULL, *js = json_loads(settings, 0, NULL);
    /* the text is read by the rules the plan was recorded under (absent: 1) */
    int rules = cr_plan_rules_of(js);
    if (!rules) {
        json_array_append_new(problems, json_sprintf("plan %lld: its recorded settings name no "
                                                     "valid plan rules version",
                                                     (long long)plan));
        memset(&t, 0, sizeof t);
        json_decref(js);
        return CR_OK;
    }
    cr_err rc = cr_plan_load_text(name, text, strlen(text), rules, &t, &d);
    if (rc == CR_ENOMEM)
        goto out;
    if (rc) {
        json_array_append_new(problems,
                              json_sprintf("plan %lld: its recorded text no longer reads as a "
                                           "plan, so its settings cannot be re-derived: %s",
                                           (long long)plan, d.msg));
        rc = CR_OK;
        goto out;
    }
    jt = cr_plan_to_json(&t);
    if (!jt) {
        rc = CR_ENOMEM;
        goto out;
    }
    *checked = 1;
    if (!json_is_object(js)) {
        json_array_append_new(problems, json_sprintf("plan %lld: its recorded settings are not "
                                                     "a JSON object",
                                                     (long long)plan));
        goto out;
    }
    for (int pass = 0; pass < 2; pass++)
        for (const char *const *k = pass ? if_recorded : always; *k; k++) {
            json_t *a = json_object_get(js, *k), *b = json_object_get(jt, *k);
            if (pass && !a)
                continue;
            if (a && b && json_equal(a, b))
                continue;
            char *as = a ? json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT) : NULL,
                 *bs = b ? json_dumps(b, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
            json_array_append_new(
                problems,
                json_sprintf("plan %lld: setting %s is %s in the recorded settings but "
                             "%s in the plan's text",
                             (long long)plan, *k, as ? as : "(missing)", bs ? bs : "(missing)"));
            free(as);
            free(bs);
        }
    /* the items: the text gives their codes */
    json_t *ia = json_object_get(js, "items"), *ib = json_object_get(jt, "items");
    int same = json_array_size(ia) == json_array_size(ib);
    for (size_t i = 0; same && i < json_array_size(ia); i++) {
        const char *ca = json_string_value(json_object_get(json_array_get(ia, i), "code")),
                   *cb = json_string_value(json_object_get(json_array_get(ib, i), "code"));
        same = ca && cb && strcmp(ca, cb) == 0;
    }
    if (!same)
        json_array_append_new(problems, json_sprintf("plan %lld: the recorded check items are "
                                                     "not the items of the plan's text",
                                                     (long long)plan));
out:
    json_decref(jt);
    json_decref(js);
    cr_plan_free(&t);
    return rc;
}

struct cmp_ctx {
    const struct cr_elig *e;
    const struct cr_drawn *dr;
    char **insp, **why; /* the recomputed inspectors, NULL when not recomputed */
    size_t n, i;
    int64_t mismatch, insp_mismatch, row_mismatch;
    char first[300], first_insp[300], first_row[400];
};

/* A drawn firm that differs: key, then what (" is recorded but ...", or ": recorded ..."). */
static void firm_diff(struct cmp_ctx *c, const char *key, const char *what)
{
    if (!c->mismatch++)
        snprintf(c->first, sizeof c->first, "%s%s", key, what);
}

/* Whether every id of the ';'-list a is in b. */
static int ids_within(const char *a, const char *b)
{
    for (const char *q = a; *q;) {
        size_t l = strcspn(q, ";");
        int in = 0;
        for (const char *r = b; l && *r && !in;) {
            size_t m = strcspn(r, ";");
            in = m == l && memcmp(q, r, l) == 0;
            r += m + (r[m] != 0);
        }
        if (l && !in)
            return 0;
        q += l + (q[l] != 0);
    }
    return 1;
}

static size_t n_list(const char *a)
{
    size_t n = 0;
    for (const char *q = a; *q;) {
        size_t l = strcspn(q, ";");
        n += l > 0;
        q += l + (q[l] != 0);
    }
    return n;
}

/* The inspection row's own inspectors against the draw's (docs/draw.md "Verifying a draw"): a
 * staffed inspection, or one without a result, holds exactly its drawn inspectors; an unstaffed
 * one with a result holds them and those --inspectors completed it with. */
static void row_check(struct cmp_ctx *c, const struct cr_draw_firm *f)
{
    if (!f->recorded)
        return;
    const char *why = NULL;
    int exact = !f->unstaffed || !f->has_result;
    if (!ids_within(f->inspectors, f->recorded))
        why = "lack some of the drawn";
    else if (exact && n_list(f->recorded) != n_list(f->inspectors))
        why = f->unstaffed ? "add others to the drawn, with no result recorded"
                           : "add others to the drawn (a staffed inspection is made by its drawn "
                             "inspectors)";
    if (!why)
        return;
    if (!c->row_mismatch++)
        snprintf(c->first_row, sizeof c->first_row,
                 "inspection %lld (%s): its recorded inspectors '%s' %s '%s'",
                 (long long)f->inspection, f->key, f->recorded, why, f->inspectors);
}

/* The recorded firms (in key order) against the recomputed ones (in key order), merged by key:
 * a firm missing on either side is one difference, not a shift of every row after it. */
static int cmp_fn(void *ctx, const struct cr_draw_firm *f)
{
    struct cmp_ctx *c = ctx;
    while (c->i < c->n && strcmp(c->e[c->dr[c->i].elig].key, f->key) < 0) {
        firm_diff(c, c->e[c->dr[c->i].elig].key,
                  " is in the recomputed draw but not recorded (no inspection row)");
        c->i++;
    }
    row_check(c, f);
    if (c->i >= c->n || strcmp(c->e[c->dr[c->i].elig].key, f->key) != 0) {
        firm_diff(c, f->key, " is recorded but not in the recomputed draw");
        return 0;
    }
    const struct cr_elig *e = &c->e[c->dr[c->i].elig];
    const char *arm = cr_arm_name[c->dr[c->i].arm];
    if (e->level != f->level || strcmp(arm, f->arm) != 0 || e->subject != f->subject) {
        char more[160];
        snprintf(
            more, sizeof more,
            ": recorded level %c, arm %s, subject %lld; recomputed level %c, arm %s, subject %lld",
            f->level ? f->level : '?', f->arm, (long long)f->subject, e->level, arm,
            (long long)e->subject);
        firm_diff(c, f->key, more);
    } else if (c->insp) {
        const char *want = c->insp[c->i] ? c->insp[c->i] : "", *why = c->why[c->i];
        if (strcmp(want, f->inspectors) != 0 ||
            (why ? !f->unstaffed || strcmp(why, f->unstaffed) != 0 : f->unstaffed != NULL)) {
            if (!c->insp_mismatch)
                snprintf(c->first_insp, sizeof c->first_insp,
                         "%s: recorded inspectors '%s'%s, recomputed '%s'%s", f->key, f->inspectors,
                         f->unstaffed ? " (unstaffed)" : "", want, why ? " (unstaffed)" : "");
            c->insp_mismatch++;
        }
    }
    c->i++;
    return 0;
}

/* Only the inspection rows' own inspectors (when the list cannot be recomputed). */
static int rows_fn(void *ctx, const struct cr_draw_firm *f)
{
    row_check(ctx, f);
    return 0;
}

/* The recorded roster and recusals of a draw, as cr_draw_inspectors takes them. */
struct inputs {
    struct cr_inspector *staff;
    size_t n_staff, cap_staff;
    struct rec_list rec;
    int oom;
};

static int input_staff_fn(void *ctx, const struct cr_staff *st)
{
    struct inputs *in = ctx;
    if (in->n_staff == in->cap_staff) {
        size_t cap = in->cap_staff ? in->cap_staff * 2 : 256;
        struct cr_inspector *t = realloc(in->staff, cap * sizeof *t);
        if (!t)
            return in->oom = 1;
        in->staff = t;
        in->cap_staff = cap;
    }
    char *id = strdup(st->id), *div = strdup(st->division), *q = strdup(st->qualifications);
    if (!id || !div || !q) {
        free(id);
        free(div);
        free(q);
        return in->oom = 1;
    }
    in->staff[in->n_staff++] = (struct cr_inspector){id, div, q};
    return 0;
}

static void inputs_free(struct inputs *in)
{
    for (size_t i = 0; i < in->n_staff; i++) {
        free((char *)in->staff[i].id);
        free((char *)in->staff[i].division);
        free((char *)in->staff[i].qualifications);
    }
    free(in->staff);
    for (size_t i = 0; i < in->rec.n; i++)
        free((char *)in->rec.r[i].staff);
    free(in->rec.r);
}

cr_err cr_inspect_verify(cr_store *s, int64_t draw, int *match, json_t **report, cr_diag *d)
{
    *match = 0;
    *report = NULL;
    struct got_draw gd = {0};
    cr_err rc = cr_store_draw_get(s, draw, got_draw_fn, &gd);
    if (rc == CR_ENOTFOUND)
        return cr_diag_set(d, rc, NULL, 0, 0, "there is no draw %lld", (long long)draw);
    if (!rc && !gd.seed)
        rc = CR_ENOMEM;
    struct plan_got g = {0};
    struct cr_plan p = {0};
    struct elig_list l = {0};
    struct cr_drawn *dr = NULL;
    size_t n = 0;
    int list_ok = 1, recorded = 0;
    cr_diag pd = {0};
    struct text_check tc = {0};
    struct inputs in = {0};
    char **insp = NULL, **why = NULL;
    if (!rc)
        rc = cr_store_plans_each(s, gd.plan, text_check_fn, &tc);
    if (!rc && tc.oom)
        rc = CR_ENOMEM;
    json_t *problems = json_array();
    int settings_ok = 0;
    if (!rc && !problems)
        rc = CR_ENOMEM;
    if (!rc)
        rc = settings_check(gd.plan, tc.text, tc.settings, problems, &settings_ok);
    size_t n_settings = json_array_size(problems);
    if (!rc) {
        rc = load_plan(s, gd.plan, &g, &p, &l, &pd);
        if (rc == CR_ECHECK) { /* a changed list: not an error of verify, a mismatch */
            list_ok = 0;
            rc = CR_OK;
        }
    }
    int day_ok = !rc && gd.day >= g.day;
    struct cmp_ctx c = {0};
    if (!rc && list_ok)
        rc = cr_draw_compute(&p, g.id, g.hash, l.e, l.n, gd.seed, &dr, &n);
    /* the inspectors, from the roster and recusals recorded with the draw */
    if (!rc && list_ok)
        rc = cr_store_draw_roster(s, draw, input_staff_fn, &in, &recorded);
    if (!rc && list_ok && recorded)
        rc = cr_store_draw_recusals(s, draw, rec_fn, &in.rec);
    if (!rc && (in.oom || in.rec.bad))
        rc = CR_ENOMEM;
    if (!rc && list_ok && recorded) {
        insp = calloc(n ? n : 1, sizeof *insp);
        why = calloc(n ? n : 1, sizeof *why);
        rc = insp && why ? cr_draw_inspectors(&p, g.id, g.hash, gd.seed, l.e, dr, n, in.staff,
                                              in.n_staff, in.rec.r, in.rec.n, insp, why)
                         : CR_ENOMEM;
    }
    if (!rc && list_ok) {
        c.e = l.e;
        c.dr = dr;
        c.n = n;
        c.insp = recorded ? insp : NULL;
        c.why = why;
        rc = cr_store_draw_firms(s, draw, cmp_fn, &c);
        for (; !rc && c.i < n; c.i++)
            firm_diff(&c, l.e[dr[c.i].elig].key,
                      " is in the recomputed draw but not recorded (no inspection row)");
    }
    if (!rc && !list_ok) { /* nothing to recompute: the inspection rows against their draw */
        c.n = 0;
        rc = cr_store_draw_firms(s, draw, rows_fn, &c);
    }
    if (!rc) {
        char buf[400];
        if (!tc.ok) {
            snprintf(buf, sizeof buf,
                     "plan %lld: its stored text hashes to %.12s…, not the recorded %.12s…: the "
                     "plan's text was changed after it was recorded",
                     (long long)gd.plan, tc.hex, tc.recorded);
            json_array_append_new(problems, json_string(buf));
        }
        if (!list_ok)
            json_array_append_new(problems, json_string(pd.msg));
        if (!day_ok) {
            char dd[11], pdd[11];
            cr_day_format(gd.day, dd);
            cr_day_format(g.day, pdd);
            snprintf(buf, sizeof buf, "the draw's day %s is before plan %lld's day %s", dd,
                     (long long)gd.plan, pdd);
            json_array_append_new(problems, json_string(buf));
        }
        if (c.mismatch) {
            snprintf(buf, sizeof buf,
                     "%lld drawn firm%s differ%s from the recomputed draw; the "
                     "first: %s",
                     (long long)c.mismatch, c.mismatch == 1 ? "" : "s", c.mismatch == 1 ? "s" : "",
                     c.first);
            json_array_append_new(problems, json_string(buf));
        }
        if (c.row_mismatch) {
            snprintf(buf, sizeof buf,
                     "%lld inspection%s disagree%s with the draw's inspectors; "
                     "the first: %s",
                     (long long)c.row_mismatch, c.row_mismatch == 1 ? "" : "s",
                     c.row_mismatch == 1 ? "s" : "", c.first_row);
            json_array_append_new(problems, json_string(buf));
        }
        if (list_ok && !recorded)
            json_array_append_new(problems,
                                  json_string("the roster the draw was staffed from is not "
                                              "recorded (a draw of an older crisk, or one "
                                              "interrupted): its inspectors cannot be recomputed"));
        if (c.insp_mismatch) {
            snprintf(buf, sizeof buf,
                     "%lld firm%s drawn inspectors differ from those recomputed from the roster "
                     "recorded with the draw; the first: %s",
                     (long long)c.insp_mismatch, c.insp_mismatch == 1 ? "'s" : "s'", c.first_insp);
            json_array_append_new(problems, json_string(buf));
        }
        *match = json_array_size(problems) == 0;
        json_t *first = json_array_get(problems, 0);
        json_t *vd = json_null();
        if (gd.void_by) {
            char day[11];
            cr_day_format(gd.void_day, day);
            vd = json_pack("{s:s,s:s,s:s,s:s}", "by", gd.void_by, "reason",
                           gd.void_reason ? gd.void_reason : "", "day", day, "voided",
                           gd.voided ? gd.voided : "");
            int64_t redraw = 0;
            cr_err r2 = cr_store_draw_redraw(s, draw, &redraw);
            if (!r2 && vd)
                json_object_set_new(vd, "redraw", json_integer(redraw));
            else if (r2 != CR_ENOTFOUND)
                rc = r2;
            if (!vd && !rc)
                rc = CR_ENOMEM;
        }
        if (!rc)
            *report = json_pack(
                "{s:I,s:I,s:s,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:I,s:I,s:I,s:I,s:s,"
                "s:O,s:o}",
                "draw", (json_int_t)draw, "plan", (json_int_t)gd.plan, "seed", gd.seed, "match",
                *match, "plan_text_intact", tc.ok, "settings_intact", settings_ok && !n_settings,
                "eligible_list_intact", list_ok, "day_ok", day_ok, "inspectors_checked",
                list_ok && recorded, "inspections_checked", 1, "differences",
                (json_int_t)(c.mismatch + c.insp_mismatch + c.row_mismatch),
                "inspector_differences", (json_int_t)c.insp_mismatch, "inspection_differences",
                (json_int_t)c.row_mismatch, "settings_differences", (json_int_t)n_settings,
                "first_difference", first ? json_string_value(first) : "", "problems", problems,
                "void", vd);
        else
            json_decref(vd);
        if (!rc && !*report)
            rc = CR_ENOMEM;
    } else if (d && pd.msg[0]) {
        *d = pd;
    }
    for (size_t i = 0; i < n; i++) {
        if (insp)
            free(insp[i]);
        if (why)
            free(why[i]);
    }
    free(insp);
    free(why);
    inputs_free(&in);
    free(dr);
    elig_list_free(&l);
    free(g.settings);
    free(g.text);
    free(gd.seed);
    free(gd.void_by);
    free(gd.void_reason);
    free(gd.voided);
    free(tc.text);
    free(tc.settings);
    json_decref(problems);
    cr_plan_free(&p);
    return rc;
}
