/* The inspect stage's work on a store: recording a plan with its frozen eligible list, drawing,
 * verifying a draw (docs/inspect.md, docs/draw.md). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    snprintf(e->street, sizeof e->street, "%s", c->street ? c->street : "");
    e->level = c->level;
    int dereg = 0;
    for (size_t i = 0; c->status && i < p->n_dereg_status && !dereg; i++)
        dereg = strstr(c->status, p->dereg_status[i]) != NULL;
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
};

static int kind_fn(void *ctx, int64_t id, const char *kind, size_t len)
{
    struct kinds_ctx *k = ctx;
    for (size_t i = 0; i < k->p->n_complaint_kinds; i++)
        if (strlen(k->p->complaint_kinds[i]) == len &&
            memcmp(k->p->complaint_kinds[i], kind, len) == 0 && id >= 0 && (size_t)id < k->n)
            k->is_complaint[id] = 1;
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

/* The subjects with a complaint event in [today - days, today]. */
static cr_err complaints(cr_store *s, const struct cr_plan *p, int32_t today, struct bits *out)
{
    int64_t top = 0, blocks = 0;
    cr_err rc = cr_store_topic_top(s, &top);
    if (rc || !p->n_complaint_kinds)
        return rc;
    struct kinds_ctx k = {p, calloc((size_t)top + 1, 1), (size_t)top + 1};
    uint8_t *no_attrs = calloc((size_t)top + 1, 1);
    if (!k.is_complaint || !no_attrs) {
        free(k.is_complaint);
        free(no_attrs);
        return CR_ENOMEM;
    }
    rc = cr_store_topic_kinds(s, kind_fn, &k);
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

static int free_bits(struct bits *b)
{
    free(b->b);
    memset(b, 0, sizeof *b);
    return 0;
}

cr_err cr_inspect_plan(cr_store *s, const char *path, int32_t today, json_t **report, cr_diag *d)
{
    *report = NULL;
    struct cr_plan p;
    cr_err rc = cr_plan_load(path, &p, d);
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
    if (!rc && p.n_tags)
        for (size_t i = 0; !rc && i < p.n_tags; i++)
            rc = cr_store_run_tag_subjects(s, run, p.tags[i], bits_add, &b.tags);
    if (!rc && p.tolerance_tag)
        rc = cr_store_run_tag_subjects(s, run, p.tolerance_tag, bits_add, &b.tol_tag);
    if (!rc && p.trigger_warnings)
        rc = cr_store_open_warning_subjects(s, bits_add, &b.warned);
    if (!rc)
        rc = complaints(s, &p, today, &b.complained);
    if (!rc && p.routine)
        rc = cr_store_recently_drawn(s, today - p.recent_days, today, bits_add, &b.recent);
    if (!rc)
        rc = cr_store_plan_candidates(s, run, cand_fn, &b);
    if (!rc && b.oom)
        rc = CR_ENOMEM;
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
            pf[i] =
                (struct cr_plan_firm){b.e[i].subject, b.e[i].key, cr_elig_class_name[b.e[i].cls],
                                      b.e[i].street, b.e[i].level};
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
        if (r)
            json_object_update(r, counts);
        *report = r;
        if (!r)
            rc = CR_ENOMEM;
    }
    json_decref(settings);
    json_decref(counts);
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

struct plan_got {
    int64_t id;
    char hash[65], elig_hash[65];
    char *settings;
    int routine;
    int32_t day;
};

static int plan_got_fn(void *ctx, const struct cr_plan_rec *r)
{
    struct plan_got *g = ctx;
    g->id = r->id;
    snprintf(g->hash, sizeof g->hash, "%s", r->hash);
    snprintf(g->elig_hash, sizeof g->elig_hash, "%s", r->eligible_hash);
    g->settings = strdup(r->settings);
    g->routine = r->routine;
    g->day = r->day;
    return 0;
}

struct elig_list {
    struct cr_elig *e;
    size_t n, cap;
    struct cr__strpool keys;
    int bad;
};

static void elig_list_free(struct elig_list *l)
{
    free(l->e);
    cr__strpool_free(&l->keys);
}

static int elig_fn(void *ctx, const struct cr_plan_firm *f)
{
    struct elig_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        struct cr_elig *t = realloc(l->e, cap * sizeof *t);
        if (!t) {
            l->bad = 1;
            return 1;
        }
        l->e = t;
        l->cap = cap;
    }
    struct cr_elig *e = &l->e[l->n++];
    memset(e, 0, sizeof *e);
    e->subject = f->subject;
    if (!(e->key = cr__strpool_dup(&l->keys, f->key))) {
        l->bad = 1;
        return 1;
    }
    snprintf(e->street, sizeof e->street, "%s", f->street);
    e->level = f->level;
    enum cr_elig_class c;
    if (cr_elig_class_parse(f->cls, &c))
        l->bad = 2;
    e->cls = (uint8_t)c;
    return 0;
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
    if (!rc)
        rc = cr_store_plan_firms(s, id, elig_fn, l);
    if (!rc && l->bad)
        rc = l->bad == 1 ? CR_ENOMEM
                         : cr_diag_set(d, CR_EPARSE, NULL, 0, 0,
                                       "plan %lld: its eligible list holds an unknown class",
                                       (long long)id);
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

static int seed_ok(const char *seed)
{
    size_t n = strlen(seed);
    if (!n || n > 200)
        return 0;
    for (const unsigned char *c = (const unsigned char *)seed; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return 0;
    return cr_utf8_valid_prefix(seed, n) == n;
}

static int text_ok(const char *t)
{
    if (!t || !*t)
        return 0;
    for (const unsigned char *c = (const unsigned char *)t; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return 0;
    return cr_utf8_valid_prefix(t, strlen(t)) == strlen(t);
}

/* One draw per plan: the standing draw to void in *replace, or an error. */
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
    *replace = (struct cr_draw_void){old, redraw->by, redraw->reason, today};
    *have = 1;
    return CR_OK;
}

cr_err cr_inspect_draw(cr_store *s, int64_t plan_id, const char *seed, int32_t today,
                       const struct cr_inspector *staff, size_t n_staff,
                       const struct cr_redraw *redraw, json_t **report, cr_diag *d)
{
    *report = NULL;
    if (!seed_ok(seed))
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "the seed must be 1 to 200 bytes of UTF-8 text without control "
                           "characters");
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
        rep_s = rep ? json_dumps(rep, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
        if (!rep_s)
            rc = CR_ENOMEM;
    }
    int64_t id = 0;
    double secs = (double)(now_ns() - t0) / 1e9;
    if (!rc) {
        struct cr_draw_rec r = {.plan = g.id,
                                .sampled = (int64_t)n,
                                .seed = seed,
                                .report = rep_s,
                                .day = today,
                                .seconds = secs};
        rc = cr_store_draw_save(s, &r, df, n, have_replace ? &replace : NULL, &id);
    }
    if (!rc) {
        json_object_set_new(rep, "draw", json_integer(id));
        json_object_set_new(rep, "seconds", json_real(secs));
        json_t *tm = json_pack("{s:f,s:f,s:f,s:f}", "list", (double)(t_list - t0) / 1e9, "draw",
                               (double)(t_draw - t_list) / 1e9, "inspectors",
                               (double)(t_staff - t_draw) / 1e9, "record",
                               (double)(now_ns() - t0) / 1e9 - secs);
        json_object_set_new(rep, "timings", tm);
        if (have_replace)
            json_object_set_new(rep, "voided_draw", json_integer(replace.draw));
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
    cr_plan_free(&p);
    return rc;
}

/* ---- verify ---- */

struct got_draw {
    int64_t plan;
    char *seed;
};

static int got_draw_fn(void *ctx, const struct cr_draw_rec *r)
{
    struct got_draw *g = ctx;
    g->plan = r->plan;
    g->seed = strdup(r->seed);
    return 0;
}

struct cmp_ctx {
    const struct cr_elig *e;
    const struct cr_drawn *dr;
    size_t n, i;
    int64_t mismatch;
    char first[160];
};

static int cmp_fn(void *ctx, const struct cr_draw_firm *f)
{
    struct cmp_ctx *c = ctx;
    int ok = c->i < c->n;
    if (ok) {
        const struct cr_elig *e = &c->e[c->dr[c->i].elig];
        ok = strcmp(e->key, f->key) == 0 && e->level == f->level &&
             strcmp(cr_arm_name[c->dr[c->i].arm], f->arm) == 0 && e->subject == f->subject;
    }
    if (!ok) {
        if (!c->mismatch)
            snprintf(c->first, sizeof c->first, "recorded %s,%c,%s differs from the recomputed %s",
                     f->key, f->level ? f->level : '?', f->arm,
                     c->i < c->n ? c->e[c->dr[c->i].elig].key : "(nothing more)");
        c->mismatch++;
    }
    c->i++;
    return 0;
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
    int list_ok = 1;
    cr_diag pd = {0};
    if (!rc) {
        rc = load_plan(s, gd.plan, &g, &p, &l, &pd);
        if (rc == CR_ECHECK) { /* a changed list: not an error of verify, a mismatch */
            list_ok = 0;
            rc = CR_OK;
        }
    }
    struct cmp_ctx c = {0};
    if (!rc && list_ok)
        rc = cr_draw_compute(&p, g.id, g.hash, l.e, l.n, gd.seed, &dr, &n);
    if (!rc && list_ok) {
        c.e = l.e;
        c.dr = dr;
        c.n = n;
        rc = cr_store_draw_firms(s, draw, cmp_fn, &c);
        if (!rc && c.i < n) {
            if (!c.mismatch)
                snprintf(c.first, sizeof c.first, "%zu recomputed firms are not recorded", n - c.i);
            c.mismatch += (int64_t)(n - c.i);
        }
    }
    if (!rc) {
        *match = list_ok && !c.mismatch;
        *report = json_pack("{s:I,s:I,s:s,s:b,s:b,s:I,s:s}", "draw", (json_int_t)draw, "plan",
                            (json_int_t)gd.plan, "seed", gd.seed, "eligible_list_intact", list_ok,
                            "match", *match, "differences", (json_int_t)c.mismatch,
                            "first_difference", list_ok ? c.first : pd.msg);
        if (!*report)
            rc = CR_ENOMEM;
    } else if (d && pd.msg[0]) {
        *d = pd;
    }
    free(dr);
    elig_list_free(&l);
    free(g.settings);
    free(gd.seed);
    cr_plan_free(&p);
    return rc;
}
