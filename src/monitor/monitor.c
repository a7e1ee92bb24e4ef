/* A monitor run (docs/monitor.md): load the city, run the detectors, turn findings into warnings
 * with evidence and stable identities, and bring the stored warnings up to date in one
 * transaction. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "crisk/hash.h"
#include "crisk/progress.h"
#include "crisk/text.h"
#include "internal.h"

/* ---- briefs of the firms and persons the findings name ---- */

struct brief {
    int64_t subject;
    char *uscc, *name, *address, *addr_key, *district, *street, *grid;
};

struct pbrief {
    int64_t person;
    char *name;    /* masked */
    char hash[17]; /* hex of the first 8 bytes of the keyed ID hash */
};

struct briefs {
    struct brief *b;
    size_t n;
    struct pbrief *p;
    size_t np;
    int oom;
};

static char *sdup(const char *s)
{
    return strdup(s ? s : "");
}

static int firm_row(void *ctx, const struct cr_firm_brief *fb)
{
    struct briefs *B = ctx;
    struct brief *b = &B->b[B->n++];
    *b = (struct brief){fb->subject,        sdup(fb->uscc),     sdup(fb->name),   sdup(fb->address),
                        sdup(fb->addr_key), sdup(fb->district), sdup(fb->street), sdup(fb->grid)};
    if (!b->uscc || !b->name || !b->address || !b->addr_key || !b->district || !b->street ||
        !b->grid)
        B->oom = 1;
    return 0;
}

static int person_row(void *ctx, int64_t person, const char *name, const unsigned char h[16])
{
    struct briefs *B = ctx;
    struct pbrief *p = &B->p[B->np++];
    char masked[128];
    cr_mask_name(name, masked, sizeof masked);
    p->person = person;
    p->name = strdup(masked);
    for (int i = 0; i < 8; i++)
        snprintf(p->hash + 2 * i, 3, "%02x", h[i]);
    if (!p->name)
        B->oom = 1;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static size_t uniq(int64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_i64);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (!w || v[i] != v[w - 1])
            v[w++] = v[i];
    return w;
}

static cr_err load_briefs(struct mon *M, struct briefs *B)
{
    size_t nf = 0, np = 0;
    for (size_t i = 0; i < M->n_found; i++) {
        nf += M->found[i].n_firms;
        np += M->found[i].person >= 0;
    }
    int64_t *sv = malloc((nf ? nf : 1) * sizeof *sv), *pv = malloc((np ? np : 1) * sizeof *pv);
    if (!sv || !pv) {
        free(sv);
        free(pv);
        return CR_ENOMEM;
    }
    nf = np = 0;
    for (size_t i = 0; i < M->n_found; i++) {
        for (size_t k = 0; k < M->found[i].n_firms; k++)
            sv[nf++] = M->c->subject[M->found[i].firms[k]];
        if (M->found[i].person >= 0)
            pv[np++] = M->found[i].person;
    }
    nf = uniq(sv, nf);
    np = uniq(pv, np);
    B->b = calloc(nf ? nf : 1, sizeof *B->b);
    B->p = calloc(np ? np : 1, sizeof *B->p);
    cr_err rc = B->b && B->p ? CR_OK : CR_ENOMEM;
    if (!rc && (cr_store_firm_briefs(M->s, sv, nf, firm_row, B) ||
                cr_store_person_briefs(M->s, pv, np, person_row, B)))
        rc = CR_ESTORE;
    if (!rc && B->oom)
        rc = CR_ENOMEM;
    free(sv);
    free(pv);
    return rc;
}

static const struct brief *brief_of(const struct briefs *B, int64_t subject)
{
    size_t lo = 0, hi = B->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (B->b[mid].subject < subject)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < B->n && B->b[lo].subject == subject ? &B->b[lo] : NULL;
}

static const struct pbrief *pbrief_of(const struct briefs *B, int64_t person)
{
    size_t lo = 0, hi = B->np;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (B->p[mid].person < person)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < B->np && B->p[lo].person == person ? &B->p[lo] : NULL;
}

static void briefs_free(struct briefs *B)
{
    for (size_t i = 0; i < B->n; i++) {
        struct brief *b = &B->b[i];
        free(b->uscc), free(b->name), free(b->address), free(b->addr_key);
        free(b->district), free(b->street), free(b->grid);
    }
    for (size_t i = 0; i < B->np; i++)
        free(B->p[i].name);
    free(B->b);
    free(B->p);
}

/* ---- the stored warnings, by detector and key ---- */

struct old {
    int64_t id;
    char *dk; /* detector \x1f key */
    int open, seen;
    char *evidence;
};

struct olds {
    struct old *v;
    size_t n, cap;
    size_t *slot; /* open addressing: index + 1, 0 empty */
    size_t n_slot;
    int oom;
};

static int old_row(void *ctx, const struct cr_warning_state *w)
{
    struct olds *O = ctx;
    if (O->n == O->cap) {
        size_t cap = O->cap ? 2 * O->cap : 256;
        struct old *v = realloc(O->v, cap * sizeof *v);
        if (!v) {
            O->oom = 1;
            return 1;
        }
        O->v = v;
        O->cap = cap;
    }
    size_t dl = strlen(w->detector), kl = strlen(w->key);
    char *dk = malloc(dl + kl + 2);
    char *ev = strdup(w->evidence);
    if (!dk || !ev) {
        free(dk);
        free(ev);
        O->oom = 1;
        return 1;
    }
    memcpy(dk, w->detector, dl);
    dk[dl] = '\x1f';
    memcpy(dk + dl + 1, w->key, kl + 1);
    O->v[O->n++] = (struct old){w->id, dk, strcmp(w->status, "open") == 0, 0, ev};
    return 0;
}

static size_t *old_slot(struct olds *O, const char *dk)
{
    size_t h = (size_t)cr_hash64(dk, strlen(dk), 0) & (O->n_slot - 1);
    while (O->slot[h] && strcmp(O->v[O->slot[h] - 1].dk, dk) != 0)
        h = (h + 1) & (O->n_slot - 1);
    return &O->slot[h];
}

static cr_err olds_index(struct olds *O)
{
    O->n_slot = 64;
    while (O->n_slot < 2 * O->n + 2)
        O->n_slot *= 2;
    O->slot = calloc(O->n_slot, sizeof *O->slot);
    if (!O->slot)
        return CR_ENOMEM;
    for (size_t i = 0; i < O->n; i++)
        *old_slot(O, O->v[i].dk) = i + 1;
    return CR_OK;
}

static void olds_free(struct olds *O)
{
    for (size_t i = 0; i < O->n; i++) {
        free(O->v[i].dk);
        free(O->v[i].evidence);
    }
    free(O->v);
    free(O->slot);
}

/* ---- a finding as a warning ---- */

static int cmp_brief_ptr(const void *a, const void *b)
{
    const struct brief *x = *(const struct brief *const *)a, *y = *(const struct brief *const *)b;
    int c = strcmp(x->uscc, y->uscc);
    return c ? c : (x->subject > y->subject) - (x->subject < y->subject);
}

/* The common prefix value of a field over the firms: the value when all agree, else NULL. */
static const char *common(const struct brief *const *fb, size_t n, size_t off)
{
    if (!n)
        return NULL;
    const char *v = *(char *const *)(const void *)((const char *)fb[0] + off);
    for (size_t i = 1; i < n; i++)
        if (strcmp(v, *(char *const *)(const void *)((const char *)fb[i] + off)) != 0)
            return NULL;
    return *v ? v : NULL;
}

struct built {
    struct buf key; /* any length: an identity is never cut */
    const char *district, *street, *grid, *address;
    char *evidence;
    struct buf summary;
    int64_t *subjects;
    size_t n;
};

/* The warning's identity (docs/monitor.md, Identity): any length, never cut. */
static cr_err build_key(const struct finding *f, const struct brief *const *fb,
                        const struct pbrief *pb, struct buf *key)
{
    const char *ak = fb[0]->addr_key;
    switch (f->det) {
    case CR_DET_ADDRESS_CLUSTER:
        cr__buf_printf(key, "%s", ak);
        break;
    case CR_DET_PERSON_CLUSTER:
        if (f->by_addr)
            cr__buf_printf(key, "%s:%s|%s", f->check, pb ? pb->hash : "?", ak);
        else
            cr__buf_printf(key, "%s:%s", f->check, pb ? pb->hash : "?");
        break;
    default:
        cr__buf_printf(key, "%s", fb[0]->uscc);
        break;
    }
    return key->oom ? CR_ENOMEM : CR_OK;
}

/* The version of the rules the store's address keys were made with; null when unknown. */
static json_t *key_rules_json(const struct mon *M)
{
    return M->key_rules ? json_integer(M->key_rules) : json_null();
}

/* A shell ring of a legal_rep finding as evidence: its address (the first firm's by USCC), key,
 * count, threshold and firms' USCCs; NULL when out of memory. */
static json_t *ring_json(const struct mon *M, const struct briefs *B, const struct ring *r)
{
    const struct brief **fb = malloc((r->n ? r->n : 1) * sizeof *fb);
    if (!fb)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct brief *b = brief_of(B, M->c->subject[r->firms[i]]);
        if (b)
            fb[n++] = b;
    }
    if (!n) {
        free(fb);
        return json_null();
    }
    qsort(fb, n, sizeof *fb, cmp_brief_ptr);
    json_t *o = json_object(), *u = json_array();
    json_object_set_new(o, "address", json_string(fb[0]->address));
    json_object_set_new(o, "address_key", json_string(fb[0]->addr_key));
    json_object_set_new(o, "firms_sharing_person_and_address", json_integer((json_int_t)n));
    json_object_set_new(o, "address_key_rules", key_rules_json(M));
    json_object_set_new(o, "ring_min_firms", json_integer(M->r->person_cluster.ring_min_firms));
    for (size_t i = 0; i < n; i++)
        json_array_append_new(u, json_string(fb[i]->uscc));
    json_object_set_new(o, "uscc", u);
    free(fb);
    return o;
}

static int cmp_ring_key(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return strcmp(json_string_value(json_object_get(x, "address_key")),
                  json_string_value(json_object_get(y, "address_key")));
}

/* The rings of a legal_rep finding, ordered by address key (stable across runs). */
static json_t *rings_json(const struct mon *M, const struct briefs *B, const struct finding *f)
{
    json_t **v = calloc(f->n_rings ? f->n_rings : 1, sizeof *v);
    if (!v)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < f->n_rings; i++) {
        json_t *o = ring_json(M, B, &f->rings[i]);
        if (json_is_object(o))
            v[n++] = o;
        else
            json_decref(o);
    }
    qsort(v, n, sizeof *v, cmp_ring_key);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, v[i]);
    free(v);
    return a;
}

/* The evidence JSON (docs/monitor.md, Evidence), compact, in w->evidence. */
static cr_err build_evidence(const struct mon *M, const struct briefs *B, const struct finding *f,
                             const struct brief *const *fb, size_t n, const struct pbrief *pb,
                             struct built *w)
{
    const char *ak = fb[0]->addr_key;
    json_t *ev = json_object();
    json_object_set_new(ev, "rule", json_string(M->r->id));
    json_object_set_new(ev, "rule_version", json_integer(M->r->version));
    json_object_set_new(ev, "detector", json_string(cr_detector_name(f->det)));
    json_object_set_new(ev, "check", json_string(f->check));
    if (w->address)
        json_object_set_new(ev, "address", json_string(w->address));
    if (f->by_addr) {
        json_object_set_new(ev, "address_key", json_string(ak));
        json_object_set_new(ev, "address_key_rules", key_rules_json(M));
    }
    json_object_update(ev, f->facts);
    if (f->n_rings)
        json_object_set_new(ev, "shell_rings", rings_json(M, B, f));
    if (pb) {
        json_t *ps = json_array(), *p = json_object();
        json_object_set_new(p, "name", json_string(pb->name));
        json_object_set_new(p, "role",
                            json_string(strcmp(f->check, "shareholder") == 0
                                            ? M->r->person_cluster.shareholder_role
                                            : M->r->person_cluster.rep_role));
        json_object_set_new(p, "person_key", json_string(pb->hash));
        json_array_append_new(ps, p);
        json_object_set_new(ev, "persons", ps);
    }
    json_t *firms = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "uscc", json_string(fb[i]->uscc));
        json_object_set_new(o, "name", json_string(fb[i]->name));
        json_object_set_new(o, "address", json_string(fb[i]->address));
        json_array_append_new(firms, o);
    }
    json_object_set_new(ev, "firms", firms);
    w->evidence = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    return w->evidence ? CR_OK : CR_ENOMEM;
}

/* The one Chinese line of the warning, in w->summary. */
static cr_err build_summary(const struct mon *M, const struct finding *f,
                            const struct brief *const *fb, const struct pbrief *pb, struct built *w)
{
    const char *ak = fb[0]->addr_key;
    struct buf *t = &w->summary;
    const char *firm = fb[0]->name[0] ? fb[0]->name : fb[0]->uscc;
    const char *who = pb ? pb->name : "*";
    char d1[11];
    switch (f->det) {
    case CR_DET_ADDRESS_CLUSTER:
        cr__buf_printf(t, "一址多照：%s 登记企业 %zu 户", w->address ? w->address : ak, f->n_count);
        if (f->n_count >= (size_t)M->r->address_cluster.min_firms)
            cr__buf_printf(t, "（阈值 %d 户）", M->r->address_cluster.min_firms);
        if (f->n_burst)
            cr__buf_printf(t, "，%d 天内集中新设 %zu 户", f->burst_days, f->n_burst);
        break;
    case CR_DET_PERSON_CLUSTER:
        if (strcmp(f->check, "shell_ring") == 0)
            cr__buf_printf(t, "疑似空壳团伙：%s 在同一地址 %s 担任 %zu 户企业%s", who,
                           w->address ? w->address : ak, f->n_count, M->r->person_cluster.rep_role);
        else if (strcmp(f->check, "shareholder") == 0)
            cr__buf_printf(t, "一人多企：%s 为 %zu 户企业%s（阈值 %d 户）", who, f->n_count,
                           M->r->person_cluster.shareholder_role,
                           M->r->person_cluster.shareholder_min_firms);
        else {
            cr__buf_printf(t, "一人多企：%s 担任 %zu 户企业%s", who, f->n_count,
                           M->r->person_cluster.rep_role);
            if (M->r->person_cluster.rep_min_firms > 0 &&
                f->n_count >= (size_t)M->r->person_cluster.rep_min_firms)
                cr__buf_printf(t, "（阈值 %d 户）", M->r->person_cluster.rep_min_firms);
            if (f->n_burst)
                cr__buf_printf(t, "，%d 天内集中新设 %zu 户", f->burst_days, f->n_burst);
            if (f->n_rings == 1)
                cr__buf_printf(t, "，其中 %zu 户同一地址（疑似空壳团伙）", f->rings[0].n);
            else if (f->n_rings > 1)
                cr__buf_printf(t, "，其中 %zu 处地址各有 %d 户以上（疑似空壳团伙）", f->n_rings,
                               M->r->person_cluster.ring_min_firms);
        }
        break;
    case CR_DET_LEVEL_JUMP:
        cr__buf_printf(t, "等级跃升：%s（%s）风险等级由 %c 升至 %c", firm, fb[0]->uscc,
                       f->level_before, f->level_after);
        break;
    case CR_DET_ZOMBIE:
        cr__buf_printf(t, "疑似僵尸企业：%s（%s）连续 %d 年无年报且无纳税申报", firm, fb[0]->uscc,
                       M->r->zombie.years);
        break;
    case CR_DET_UNREACHABLE:
        cr__monitor_date(f->day, d1);
        cr__buf_printf(t, "住所失联：%s（%s）%s 因“%s”列入经营异常名录，%d 天内无纳税申报", firm,
                       fb[0]->uscc, d1, f->text ? f->text : "", M->r->unreachable.no_tax_days);
        break;
    case CR_DET_LEGAL_REP_CHURN:
        cr__buf_printf(t, "频繁变更法定代表人：%s（%s）%d 天内变更 %zu 次（阈值 %d 次）", firm,
                       fb[0]->uscc, M->r->legal_rep_churn.window_days, f->n_count,
                       M->r->legal_rep_churn.min_changes);
        break;
    case CR_DET_CAPITAL_MISMATCH:
        cr__buf_printf(t, "注册资本与经营不符：%s（%s）注册资本 %.0f 万元，%s%s%s", firm,
                       fb[0]->uscc, f->capital_wan, f->zero_tax ? "近期零纳税" : "",
                       f->zero_tax && f->zero_emp ? "、" : "",
                       f->zero_emp ? "年报从业人数为 0" : "");
        break;
    default:
        break;
    }
    return t->oom ? CR_ENOMEM : CR_OK;
}

static cr_err build(struct mon *M, const struct briefs *B, struct finding *f, struct built *w)
{
    memset(w, 0, sizeof *w);
    const struct brief **fb = malloc((f->n_firms ? f->n_firms : 1) * sizeof *fb);
    w->subjects = malloc((f->n_firms ? f->n_firms : 1) * sizeof *w->subjects);
    if (!fb || !w->subjects) {
        free(fb);
        return CR_ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < f->n_firms; i++) {
        const struct brief *b = brief_of(B, M->c->subject[f->firms[i]]);
        if (b)
            fb[n++] = b;
    }
    qsort(fb, n, sizeof *fb, cmp_brief_ptr);
    for (size_t i = 0; i < n; i++)
        w->subjects[i] = fb[i]->subject;
    w->n = n;
    if (!n) {
        free(fb);
        return CR_ENOTFOUND; /* no registry row left: nothing to warn about */
    }
    const struct pbrief *pb = f->person >= 0 ? pbrief_of(B, f->person) : NULL;
    cr_err rc = build_key(f, fb, pb, &w->key);
    /* place */
    w->district = common(fb, n, offsetof(struct brief, district));
    w->street = common(fb, n, offsetof(struct brief, street));
    w->grid = common(fb, n, offsetof(struct brief, grid));
    w->address = f->by_addr || n == 1 ? fb[0]->address : NULL;
    if (w->address && !*w->address)
        w->address = NULL;
    if (!rc)
        rc = build_evidence(M, B, f, fb, n, pb, w);
    if (!rc)
        rc = build_summary(M, f, fb, pb, w);
    free(fb);
    return rc;
}

static void built_free(struct built *w)
{
    free(w->key.p);
    free(w->evidence);
    free(w->summary.p);
    free(w->subjects);
}

/* The detector of a stored identity dk ("detector\x1fkey"), or -1 for one this version does not
 * know. */
static int detector_of(const char *dk)
{
    size_t len = strcspn(dk, "\x1f");
    for (int k = 0; k < CR_DET__N; k++) {
        const char *nm = cr_detector_name((enum cr_detector)k);
        if (strlen(nm) == len && memcmp(nm, dk, len) == 0)
            return k;
    }
    return -1;
}

/* Whether the detector named in dk ran in this run. */
static int ran_for(const struct mon *M, const char *dk)
{
    int k = detector_of(dk);
    return k >= 0 ? M->ran[k] : 0; /* a detector this version does not know: left alone */
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Adds the new identity dk to the index of stored warnings (copied). Olds are indexed once; new
 * identities are added as they come, growing the slots when they fill. */
static cr_err remember_new(struct olds *O, const char *dk)
{
    if (O->n == O->cap) {
        size_t cap = O->cap ? 2 * O->cap : 256;
        struct old *v = realloc(O->v, cap * sizeof *v);
        if (!v)
            return CR_ENOMEM;
        O->v = v;
        O->cap = cap;
    }
    if (2 * (O->n + 1) + 2 > O->n_slot) {
        size_t *slot = calloc(2 * O->n_slot, sizeof *slot);
        if (!slot)
            return CR_ENOMEM;
        free(O->slot);
        O->slot = slot;
        O->n_slot *= 2;
        for (size_t k = 0; k < O->n; k++)
            *old_slot(O, O->v[k].dk) = k + 1;
    }
    char *dkc = strdup(dk);
    if (!dkc)
        return CR_ENOMEM;
    O->v[O->n++] = (struct old){-1, dkc, 1, 1, NULL};
    *old_slot(O, dkc) = O->n;
    return CR_OK;
}

/* Closes the open warnings of the detectors that ran and did not find them again. Those of a
 * detector that did not run (disabled, skipped) stay open and are counted with the run's open
 * warnings, as the store holds them. */
static cr_err close_unseen(struct mon *M, struct olds *O, int64_t run,
                           struct cr_monitor_result *res)
{
    for (size_t i = 0; i < O->n; i++) {
        if (!O->v[i].open || O->v[i].seen || O->v[i].id <= 0)
            continue;
        if (ran_for(M, O->v[i].dk)) {
            if (cr_store_warning_close(M->s, run, O->v[i].id, M->as_of))
                return CR_ESTORE;
            res->n_closed++;
            continue;
        }
        int k = detector_of(O->v[i].dk);
        res->open++;
        if (k >= 0)
            res->by_detector[k]++;
    }
    return CR_OK;
}

/* Records the run's counts in its monitor_run row. */
static cr_err finish_run(struct mon *M, int64_t run, struct cr_monitor_result *res, double t0)
{
    json_t *bd = json_object();
    for (int k = 0; bd && k < CR_DET__N; k++)
        if (json_object_set_new(bd, cr_detector_name((enum cr_detector)k),
                                json_integer((json_int_t)res->by_detector[k])))
            break;
    char *bds = bd ? json_dumps(bd, JSON_COMPACT) : NULL;
    json_decref(bd);
    if (!bds)
        return CR_ENOMEM;
    res->seconds = now_s() - t0;
    res->t_write = res->seconds - res->t_load - res->t_detect;
    cr_err rc = cr_store_monitor_run_finish(
                    M->s, run, res->seconds, (int64_t)res->open, (int64_t)res->n_new,
                    (int64_t)(res->n_updated + res->n_reopened), (int64_t)res->n_closed, bds)
                    ? CR_ESTORE
                    : CR_OK;
    free(bds);
    return rc;
}

static cr_err write_all(struct mon *M, const struct briefs *B, struct olds *O,
                        struct cr_monitor_result *res, double t0)
{
    int64_t run = 0;
    if (cr_store_monitor_run_begin(M->s, M->r->hash, M->r->version, M->as_of, &run))
        return CR_ESTORE;
    res->run = run;
    cr_err rc = CR_OK;
    for (size_t i = 0; !rc && i < M->n_found; i++) {
        struct finding *f = &M->found[i];
        struct built w;
        rc = build(M, B, f, &w);
        if (rc == CR_ENOTFOUND) {
            built_free(&w);
            rc = CR_OK;
            continue;
        }
        const char *det = cr_detector_name(f->det);
        struct buf dkt = {0};
        if (!rc)
            cr__buf_printf(&dkt, "%s\x1f%s", det, w.key.p);
        if (!rc && dkt.oom)
            rc = CR_ENOMEM;
        const char *dk = dkt.p;
        size_t *slot = rc ? NULL : old_slot(O, dk);
        struct old *o = slot && *slot ? &O->v[*slot - 1] : NULL;
        if (!rc && o && o->seen) { /* the same identity twice in one run: the first stands */
            free(dkt.p);
            built_free(&w);
            continue;
        }
        struct cr_warning_rec rec = {det,         w.key.p,    M->r->version, M->as_of,
                                     w.district,  w.street,   w.grid,        w.address,
                                     w.summary.p, w.evidence, w.subjects,    w.n};
        const char *change = NULL;
        if (!rc && o) {
            change = !o->open                               ? "reopened"
                     : strcmp(o->evidence, w.evidence) != 0 ? "updated"
                                                            : NULL;
            o->seen = 1;
        }
        if (!rc && (!o || change) &&
            cr_store_warning_write(M->s, run, o ? o->id : 0, &rec, change, NULL))
            rc = CR_ESTORE; /* unchanged ones: cr_store_warnings_touch below */
        if (!rc) {
            res->found[f->det]++;
            res->by_detector[f->det]++;
            res->open++;
            if (!o)
                res->n_new++;
            else if (change && strcmp(change, "updated") == 0)
                res->n_updated++;
            else if (change)
                res->n_reopened++;
        }
        if (!rc && !o) /* a new identity: remember it, so a second finding of it is skipped */
            rc = remember_new(O, dk);
        free(dkt.p);
        built_free(&w);
    }
    /* Only a detector that ran can say its warning no longer holds: a disabled or skipped
     * detector's open warnings stay as they are. */
    if (!rc)
        rc = close_unseen(M, O, run, res);
    if (!rc && cr_store_warnings_touch(M->s, run))
        rc = CR_ESTORE;
    if (!rc)
        rc = finish_run(M, run, res, t0);
    return rc;
}

/* Refuses an as-of day earlier than a previous run's: warnings would close (the later facts not
 * yet there) and reopen on the next run, and their history would say so. And one after today
 * (a mistyped year): the detectors would count filings not yet due as missing, and every later
 * run with a real date would be refused as earlier. */
static cr_err check_as_of(cr_store *s, int32_t as_of, cr_diag *d)
{
    int32_t today = cr_day_today();
    if (as_of > today) {
        char a[11], t[11];
        cr__monitor_date(as_of, a);
        cr__monitor_date(today, t);
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "as-of %s is after today (%s): the detectors would count filings not "
                           "yet due as missing, and every later run with a real date would be "
                           "refused; give a date up to today",
                           a, t);
    }
    int32_t last = 0;
    int64_t run = 0;
    if (cr_store_monitor_last_as_of(s, &last, &run))
        return cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "reading the monitor runs: %s",
                           cr_store_errmsg(s));
    if (run && as_of < last) {
        char a[11], b[11];
        cr__monitor_date(as_of, a);
        cr__monitor_date(last, b);
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "as-of %s is earlier than monitor run %lld's as-of %s: the warnings "
                           "move forward in time only",
                           a, (long long)run, b);
    }
    return CR_OK;
}

cr_err cr_monitor_run(cr_store *s, const struct cr_monitor_rules *r, const cr_model *m,
                      int32_t as_of, struct cr_monitor_result *result, cr_diag *d)
{
    double t0 = now_s();
    struct cr_monitor_result res;
    memset(&res, 0, sizeof res);
    struct cr_monitor_result *out = &res;
    cr_err rc = check_as_of(s, as_of, d);
    if (rc)
        return rc;
    struct cr_city city = {0};
    rc = cr_city_load(s, m, &city, d);
    if (rc)
        return rc;
    out->t_load = now_s() - t0;
    struct mon M;
    memset(&M, 0, sizeof M);
    M.s = s;
    M.r = r;
    M.model = m;
    M.c = &city;
    M.as_of = as_of;
    struct briefs B = {0};
    struct olds O = {0};
    if (cr_store_addr_key_rules(s, &M.key_rules))
        rc = cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "reading the address-key rules: %s",
                         cr_store_errmsg(s));
    out->key_rules = M.key_rules;
    cr_progress("monitor", 0);
    if (!rc)
        rc = cr__monitor_detect(&M);
    out->t_detect = now_s() - t0 - out->t_load;
    if (!rc)
        cr_progress("monitor", 0.7);
    memcpy(out->skipped, M.skipped, sizeof out->skipped);
    if (rc == CR_ESTORE)
        cr_diag_set(d, rc, NULL, 0, 0, "reading the store: %s", cr_store_errmsg(s));
    if (!rc) {
        rc = load_briefs(&M, &B);
        if (rc == CR_ESTORE)
            cr_diag_set(d, rc, NULL, 0, 0, "reading firms and persons: %s", cr_store_errmsg(s));
    }
    if (!rc && cr_store_begin(s))
        rc = cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot begin: %s", cr_store_errmsg(s));
    else if (!rc) {
        if (cr_store_warnings_each(s, old_row, &O))
            rc = cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "reading the warnings: %s",
                             cr_store_errmsg(s));
        else if (O.oom || olds_index(&O))
            rc = CR_ENOMEM;
        if (!rc) {
            rc = write_all(&M, &B, &O, out, t0);
            if (rc == CR_ESTORE)
                cr_diag_set(d, rc, NULL, 0, 0, "writing the warnings: %s", cr_store_errmsg(s));
        }
        if (!rc && cr_store_commit(s))
            rc = cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot commit: %s", cr_store_errmsg(s));
        if (rc)
            cr_store_rollback(s);
        else
            cr_progress("monitor", 1);
    }
    if (rc == CR_ENOMEM)
        cr_diag_set(d, rc, NULL, 0, 0, "out of memory");
    olds_free(&O);
    briefs_free(&B);
    for (size_t i = 0; i < M.n_found; i++) {
        for (size_t k = 0; k < M.found[i].n_rings; k++)
            free(M.found[i].rings[k].firms);
        free(M.found[i].rings);
        free(M.found[i].firms);
        free(M.found[i].text);
        json_decref(M.found[i].facts);
    }
    free(M.found);
    for (size_t e = 0; M.f && e < city.n; e++) {
        free(M.f[e].listed_reason);
        free(M.f[e].churn_days);
    }
    free(M.f);
    free(M.act);
    cr_city_free(&city);
    if (!rc)
        *result = res;
    return rc;
}
