/* The detectors over a loaded city (docs/monitor.md): each turns the columns into findings,
 * plain data that monitor.c turns into warnings. One pass over the event columns gathers the
 * per-firm dates the detectors need; attributes are read from the store only for the few
 * candidate firms a detector must check them for. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/classify.h"
#include "crisk/text.h"
#include "internal.h"

static int kind_index(const struct cr_city *c, const char *kind)
{
    for (size_t k = 0; kind && k < c->n_kinds; k++)
        if (strcmp(c->kinds[k], kind) == 0)
            return (int)k;
    return -2; /* no topic provides it: matches no event (-1 is a topic without kind) */
}

static int role_index(const struct cr_city *c, const char *role)
{
    for (size_t k = 0; role && k < c->n_role_names; k++)
        if (strcmp(c->role_names[k], role) == 0)
            return (int)k;
    return -2;
}

void cr__monitor_date(int32_t day, char out[11])
{
    if (day == CR_NO_DAY)
        snprintf(out, 11, "—");
    else
        cr_day_format(day, out);
}

json_t *cr__monitor_date_json(int32_t day)
{
    if (day == CR_NO_DAY)
        return json_null();
    char b[11];
    cr_day_format(day, b);
    return json_string(b);
}

struct finding *cr__monitor_finding_add(struct mon *M, enum cr_detector det, const char *check)
{
    if (M->n_found == M->cap_found) {
        size_t cap = M->cap_found ? 2 * M->cap_found : 256;
        struct finding *f = realloc(M->found, cap * sizeof *f);
        if (!f)
            return NULL;
        M->found = f;
        M->cap_found = cap;
    }
    struct finding *f = &M->found[M->n_found++];
    memset(f, 0, sizeof *f);
    f->det = det;
    f->check = check;
    f->person = -1;
    f->facts = json_object();
    return f->facts ? f : (M->n_found--, NULL);
}

int cr__monitor_finding_firms(struct finding *f, const size_t *e, size_t n)
{
    f->firms = malloc((n ? n : 1) * sizeof *f->firms);
    if (!f->firms)
        return -1;
    memcpy(f->firms, e, n * sizeof *e);
    f->n_firms = n;
    return 0;
}

/* ---- per-firm facts from one pass over the events ---- */

size_t cr__monitor_dense(const struct cr_city *c, int64_t subject)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->subject[mid] < subject)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n && c->subject[lo] == subject ? lo : (size_t)-1;
}

static cr_err scan_events(struct mon *M)
{
    const struct cr_city *c = M->c;
    const struct cr_monitor_rules *r = M->r;
    int32_t as_of = M->as_of;
    int k_zr = kind_index(c, r->zombie.report_kind), k_zt = kind_index(c, r->zombie.tax_kind);
    int k_ut = kind_index(c, r->unreachable.tax_kind), k_ab = kind_index(c, r->unreachable.kind);
    int k_ch = kind_index(c, r->legal_rep_churn.kind);
    int k_ct = kind_index(c, r->capital_mismatch.tax_kind);
    int k_cr = kind_index(c, r->capital_mismatch.report_kind);
    int32_t ab_from = as_of - r->unreachable.within_days;
    int32_t ch_from = as_of - r->legal_rep_churn.window_days;
    size_t n = c->n;
    M->f = calloc(n ? n : 1, sizeof *M->f);
    if (!M->f)
        return CR_ENOMEM;
    for (size_t e = 0; e < n; e++) {
        struct firm *F = &M->f[e];
        F->last_report = F->last_ztax = F->last_utax = F->last_cpos_tax = F->last_creport =
            CR_NO_DAY;
        size_t lo, hi;
        cr_city_events(c, e, &lo, &hi);
        for (size_t i = lo; i < hi; i++) {
            int32_t day = c->ev_day[i];
            if (day > as_of)
                continue;
            int k = c->topic_kind[c->ev_topic[i]];
            if (k == k_zr && day > F->last_report)
                F->last_report = day;
            if (k == k_zt && day > F->last_ztax)
                F->last_ztax = day;
            if (k == k_ut && day > F->last_utax)
                F->last_utax = day;
            if (k == k_ct && c->ev_amount[i] != CR_NO_AMOUNT && c->ev_amount[i] > 0 &&
                day > F->last_cpos_tax)
                F->last_cpos_tax = day;
            if (k == k_cr && day > F->last_creport)
                F->last_creport = day;
            if (k == k_ab && day > ab_from)
                F->n_abnormal++;
            if (k == k_ch && day > ch_from)
                F->n_change++;
        }
    }
    return CR_OK;
}

int cr__monitor_active(const struct mon *M, size_t e)
{
    return M->act[e];
}

/* Which firms operate: a status that is none of the rules' inactive texts (the current
 * registry's status: the store keeps no status history), established on or before the as-of
 * day. Statuses are few distinct texts, so the answer for the last text seen is reused while it
 * repeats. */
static cr_err operating(struct mon *M)
{
    const struct cr_city *c = M->c;
    M->act = malloc(c->n ? c->n : 1);
    if (!M->act)
        return CR_ENOMEM;
    const char *last = NULL;
    uint8_t last_act = 1;
    for (size_t e = 0; e < c->n; e++) {
        const char *st = c->status[e];
        if (!st || !last || strcmp(st, last) != 0) {
            last_act = 1;
            for (size_t i = 0; st && i < M->r->n_inactive; i++)
                if (strcmp(st, M->r->inactive[i]) == 0)
                    last_act = 0;
            last = st;
        }
        /* The registry is today's: a firm established after the as-of day did not exist then. */
        int32_t est = c->established[e];
        M->act[e] = last_act && (est == CR_NO_DAY || est <= M->as_of);
    }
    return CR_OK;
}

/* ---- address_cluster ---- */

/* The largest number of days in sorted days[0..n) within a span of width days whose last day is
 * at or after recent_from; writes the span's first and last day. */
static size_t burst(const int32_t *days, size_t n, int width, int32_t recent_from, int32_t *from,
                    int32_t *to)
{
    size_t best = 0, lo = 0;
    for (size_t hi = 0; hi < n; hi++) {
        if (days[hi] == CR_NO_DAY)
            continue;
        while (days[lo] == CR_NO_DAY || days[hi] - days[lo] >= width)
            lo++;
        if (days[hi] >= recent_from && hi - lo + 1 > best) {
            best = hi - lo + 1;
            *from = days[lo];
            *to = days[hi];
        }
    }
    return best;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static cr_err address_cluster(struct mon *M)
{
    const struct cr_city *c = M->c;
    const struct cr_monitor_rules *r = M->r;
    size_t na = c->n_addr;
    size_t *cnt = calloc(na + 1, sizeof *cnt), *start = calloc(na + 2, sizeof *start);
    size_t *by = malloc((c->n ? c->n : 1) * sizeof *by);
    int32_t *days = malloc((c->n ? c->n : 1) * sizeof *days);
    cr_err rc = cnt && start && by && days ? CR_OK : CR_ENOMEM;
    for (size_t e = 0; !rc && e < c->n; e++)
        if (c->addr[e] >= 0 && cr__monitor_active(M, e))
            cnt[c->addr[e]]++;
    for (size_t a = 0; !rc && a < na; a++)
        start[a + 1] = start[a] + cnt[a];
    for (size_t e = 0; !rc && e < c->n; e++)
        if (c->addr[e] >= 0 && cr__monitor_active(M, e))
            by[start[c->addr[e]]++] = e;
    for (size_t a = na; !rc && a > 0; a--) /* back to the bucket starts */
        start[a] = start[a - 1];
    if (!rc)
        start[0] = 0;
    int min = r->address_cluster.min_firms, bmin = r->address_cluster.burst_firms;
    for (size_t a = 0; !rc && a < na; a++) {
        size_t k = cnt[a];
        if ((int)k < min && (int)k < bmin)
            continue;
        const size_t *fe = by + start[a];
        for (size_t i = 0; i < k; i++)
            days[i] = c->established[fe[i]];
        qsort(days, k, sizeof *days, cmp_i32);
        int32_t bf = CR_NO_DAY, bt = CR_NO_DAY;
        size_t b = burst(days, k, r->address_cluster.burst_days,
                         M->as_of - r->address_cluster.burst_within_days, &bf, &bt);
        int hit_n = (int)k >= min, hit_b = (int)b >= bmin;
        if (!hit_n && !hit_b)
            continue;
        struct finding *f = cr__monitor_finding_add(M, CR_DET_ADDRESS_CLUSTER, "address_cluster");
        if (!f || cr__monitor_finding_firms(f, fe, k)) {
            rc = CR_ENOMEM;
            break;
        }
        f->by_addr = 1;
        json_object_set_new(f->facts, "firms_at_address", json_integer((json_int_t)k));
        json_object_set_new(f->facts, "min_firms", json_integer(min));
        json_object_set_new(f->facts, "count_crossed", json_boolean(hit_n));
        if (hit_b) {
            json_t *bj = json_object();
            json_object_set_new(bj, "firms", json_integer((json_int_t)b));
            json_object_set_new(bj, "from", cr__monitor_date_json(bf));
            json_object_set_new(bj, "to", cr__monitor_date_json(bt));
            json_object_set_new(bj, "burst_firms", json_integer(bmin));
            json_object_set_new(bj, "burst_days", json_integer(r->address_cluster.burst_days));
            json_object_set_new(f->facts, "burst", bj);
        }
        f->n_count = k;
        f->n_burst = hit_b ? b : 0;
        f->burst_days = r->address_cluster.burst_days;
    }
    free(cnt);
    free(start);
    free(by);
    free(days);
    return rc;
}

/* ---- person_cluster ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The (person, firm) pairs of role, deduplicated and sorted by person then firm, as
 * person << 32 | firm. */
static cr_err role_pairs(struct mon *M, int role, uint64_t **out, size_t *n_out)
{
    const struct cr_city *c = M->c;
    uint64_t *p = malloc((c->n_roles ? c->n_roles : 1) * sizeof *p);
    if (!p)
        return CR_ENOMEM;
    size_t n = 0;
    for (size_t e = 0; e < c->n; e++) {
        if (!cr__monitor_active(M, e))
            continue;
        for (size_t i = c->ro_off[e]; i < c->ro_off[e + 1]; i++)
            if (c->ro_role[i] == role && c->ro_person[i] >= 0)
                p[n++] = (uint64_t)c->ro_person[i] << 32 | (uint64_t)e;
    }
    qsort(p, n, sizeof *p, cmp_u64);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (!w || p[i] != p[w - 1])
            p[w++] = p[i];
    *out = p;
    *n_out = w;
    return CR_OK;
}

struct by_addr {
    int32_t addr;
    size_t e;
};

static int cmp_by_addr(const void *a, const void *b)
{
    const struct by_addr *x = a, *y = b;
    if (x->addr != y->addr)
        return (x->addr > y->addr) - (x->addr < y->addr);
    return (x->e > y->e) - (x->e < y->e);
}

/* The count and burst check of one person's k firms fe (days: scratch of k). */
static cr_err person_counts(struct mon *M, int64_t person, const size_t *fe, size_t k,
                            int min_firms, const char *check, int with_burst, int32_t *days)
{
    const struct cr_monitor_rules *r = M->r;
    int bmin = r->person_cluster.burst_firms;
    int hit_n = min_firms > 0 && (int)k >= min_firms;
    size_t b = 0;
    int32_t bf = CR_NO_DAY, bt = CR_NO_DAY;
    if (with_burst && (int)k >= bmin) {
        for (size_t q = 0; q < k; q++)
            days[q] = M->c->established[fe[q]];
        qsort(days, k, sizeof *days, cmp_i32);
        b = burst(days, k, r->person_cluster.burst_days,
                  M->as_of - r->person_cluster.burst_within_days, &bf, &bt);
    }
    int hit_b = with_burst && (int)b >= bmin;
    if (!hit_n && !hit_b)
        return CR_OK;
    struct finding *f = cr__monitor_finding_add(M, CR_DET_PERSON_CLUSTER, check);
    if (!f || cr__monitor_finding_firms(f, fe, k))
        return CR_ENOMEM;
    f->person = person;
    f->n_count = k;
    f->n_burst = hit_b ? b : 0;
    f->burst_days = r->person_cluster.burst_days;
    json_object_set_new(f->facts, "firms_of_person", json_integer((json_int_t)k));
    json_object_set_new(f->facts, "min_firms", json_integer(min_firms));
    json_object_set_new(f->facts, "count_crossed", json_boolean(hit_n));
    if (hit_b) {
        json_t *bj = json_object();
        json_object_set_new(bj, "firms", json_integer((json_int_t)b));
        json_object_set_new(bj, "from", cr__monitor_date_json(bf));
        json_object_set_new(bj, "to", cr__monitor_date_json(bt));
        json_object_set_new(bj, "burst_firms", json_integer(bmin));
        json_object_set_new(bj, "burst_days", json_integer(r->person_cluster.burst_days));
        json_object_set_new(f->facts, "burst", bj);
    }
    return CR_OK;
}

/* Adds a ring of m firms to the person's count finding host (its evidence lists the rings). */
static cr_err host_ring(struct finding *host, const size_t *fe, size_t m)
{
    struct ring *r = realloc(host->rings, (host->n_rings + 1) * sizeof *r);
    if (!r)
        return CR_ENOMEM;
    host->rings = r;
    size_t *firms = malloc(m * sizeof *firms);
    if (!firms)
        return CR_ENOMEM;
    memcpy(firms, fe, m * sizeof *firms);
    host->rings[host->n_rings++] = (struct ring){firms, m};
    return CR_OK;
}

/* Shell rings of one person: ring_min_firms or more of the k firms fe at one address key
 * (ba: scratch of k; fe is overwritten). When the person's count or burst already made a finding
 * (host, else NULL), its rings go into that finding: one warning per person, so the grid of the
 * ring gets one task and one visit for both facts (docs/monitor.md "Shell rings"). Otherwise
 * each ring is a shell_ring finding of its own. */
static cr_err person_rings(struct mon *M, int64_t person, size_t *fe, size_t k, struct by_addr *ba,
                           struct finding *host)
{
    const struct cr_city *c = M->c;
    int ring = M->r->person_cluster.ring_min_firms;
    if ((int)k < ring)
        return CR_OK;
    for (size_t q = 0; q < k; q++)
        ba[q] = (struct by_addr){c->addr[fe[q]], fe[q]};
    qsort(ba, k, sizeof *ba, cmp_by_addr);
    for (size_t a = 0; a < k;) {
        size_t z = a;
        while (z < k && ba[z].addr == ba[a].addr)
            z++;
        size_t m = z - a;
        if (ba[a].addr < 0 || (int)m < ring) {
            a = z;
            continue;
        }
        for (size_t q = 0; q < m; q++)
            fe[q] = ba[a + q].e; /* fe reused: its pairs are in ba */
        a = z;
        if (host) {
            if (host_ring(host, fe, m))
                return CR_ENOMEM;
            continue;
        }
        struct finding *f = cr__monitor_finding_add(M, CR_DET_PERSON_CLUSTER, "shell_ring");
        if (!f || cr__monitor_finding_firms(f, fe, m))
            return CR_ENOMEM;
        f->person = person;
        f->by_addr = 1;
        f->n_count = m;
        json_object_set_new(f->facts, "firms_sharing_person_and_address",
                            json_integer((json_int_t)m));
        json_object_set_new(f->facts, "ring_min_firms", json_integer(ring));
    }
    return CR_OK;
}

static cr_err person_groups(struct mon *M, int role, int min_firms, const char *check,
                            int with_burst_and_ring)
{
    uint64_t *p = NULL;
    size_t n = 0;
    cr_err rc = role_pairs(M, role, &p, &n);
    if (rc)
        return rc;
    size_t *fe = malloc((n ? n : 1) * sizeof *fe);
    int32_t *days = malloc((n ? n : 1) * sizeof *days);
    struct by_addr *ba = malloc((n ? n : 1) * sizeof *ba);
    if (!fe || !days || !ba)
        rc = CR_ENOMEM;
    for (size_t i = 0; !rc && i < n;) {
        size_t j = i;
        int64_t person = (int64_t)(p[i] >> 32);
        while (j < n && (int64_t)(p[j] >> 32) == person)
            j++;
        size_t k = j - i;
        for (size_t q = 0; q < k; q++)
            fe[q] = (size_t)(p[i + q] & 0xffffffffu);
        i = j;
        size_t before = M->n_found;
        rc = person_counts(M, person, fe, k, min_firms, check, with_burst_and_ring, days);
        /* the count finding, if one was made (its place is stable until the next add) */
        struct finding *host = M->n_found > before ? &M->found[M->n_found - 1] : NULL;
        if (!rc && with_burst_and_ring)
            rc = person_rings(M, person, fe, k, ba, host);
    }
    free(p);
    free(fe);
    free(days);
    free(ba);
    return rc;
}

/* ---- zombie ---- */

static cr_err zombie(struct mon *M)
{
    const struct cr_monitor_rules *r = M->r;
    const struct cr_city *c = M->c;
    int32_t from = M->as_of - 365 * r->zombie.years;
    for (size_t e = 0; e < c->n; e++) {
        const struct firm *F = &M->f[e];
        if (!cr__monitor_active(M, e) || c->established[e] == CR_NO_DAY ||
            c->established[e] > M->as_of - r->zombie.min_age_days)
            continue;
        if (F->last_report > from || F->last_ztax > from)
            continue;
        struct finding *f = cr__monitor_finding_add(M, CR_DET_ZOMBIE, "zombie");
        if (!f || cr__monitor_finding_firms(f, &e, 1))
            return CR_ENOMEM;
        json_object_set_new(f->facts, "years_without_report_and_tax",
                            json_integer(r->zombie.years));
        json_object_set_new(f->facts, "last_annual_report", cr__monitor_date_json(F->last_report));
        json_object_set_new(f->facts, "last_tax_filing", cr__monitor_date_json(F->last_ztax));
        json_object_set_new(f->facts, "established", cr__monitor_date_json(c->established[e]));
    }
    return CR_OK;
}

/* ---- the attribute checks: unreachable, legal_rep_churn, capital_mismatch ---- */

struct attr_ctx {
    struct mon *M;
    char **topic_kind; /* by store topic id */
    size_t n_topics;
    int phase; /* 1: the blocks of the listing and change kinds; 2: capital candidates' events */
    uint8_t *attrs_of;
    cr_err rc;
};

static int topic_kind_row(void *ctx, int64_t id, const char *kind, size_t len)
{
    struct attr_ctx *A = ctx;
    if (id < 0 || (size_t)id >= A->n_topics)
        return 0;
    A->topic_kind[id] = strndup(kind, len);
    if (!A->topic_kind[id]) {
        A->rc = CR_ENOMEM;
        return 1;
    }
    return 0;
}

static int topic_max(void *ctx, int64_t id, const char *kind, size_t len)
{
    (void)kind;
    (void)len;
    size_t *n = ctx;
    if (id >= 0 && (size_t)id + 1 > *n)
        *n = (size_t)id + 1;
    return 0;
}

/* The attribute attr of an event's JSON as text (a number printed), in out; 0 when absent. */
static int attr_text(const struct cr_event_row *ev, const char *attr, char *out, size_t cap)
{
    if (!ev->attrs || !ev->attrs_len)
        return 0;
    json_t *o = json_loadb(ev->attrs, ev->attrs_len, 0, NULL); /* NULL: not JSON, absent */
    json_t *v = json_object_get(o, attr);
    int ok = 1;
    if (json_is_string(v))
        snprintf(out, cap, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, cap, "%g", json_real_value(v));
    else
        ok = 0;
    json_decref(o);
    return ok;
}

/* A listing reason matches a reasons entry: an entry of digits only is a reason code and must be
 * the whole reason ("4"); any other entry matches a reason that contains it. */
static int reason_matches(const struct cr_monitor_rules *r, const char *reason)
{
    for (size_t i = 0; i < r->unreachable.n_reasons; i++) {
        const char *want = r->unreachable.reasons[i];
        if (strspn(want, "0123456789") == strlen(want) ? strcmp(reason, want) == 0
                                                       : strstr(reason, want) != NULL)
            return 1;
    }
    return 0;
}

/* An employee count: the whole text a non-negative number (spaces around allowed); -1 (unknown)
 * for anything else, such as 企业选择不公示. */
static double count_of(const char *v)
{
    while (*v == ' ')
        v++;
    if (!*v || !strchr("0123456789.+", *v))
        return -1;
    errno = 0;
    char *end = NULL;
    double x = strtod(v, &end);
    while (end && *end == ' ')
        end++;
    if (errno || !end || *end || !isfinite(x) || x < 0)
        return -1;
    return x;
}

static int attr_event(void *ctx, const struct cr_event_row *ev)
{
    struct attr_ctx *A = ctx;
    struct mon *M = A->M;
    const struct cr_monitor_rules *r = M->r;
    if (ev->day > M->as_of || ev->topic < 0 || (size_t)ev->topic >= A->n_topics ||
        !A->topic_kind[ev->topic])
        return 0;
    size_t e = cr__monitor_dense(M->c, ev->subject);
    if (e == (size_t)-1)
        return 0;
    struct firm *F = &M->f[e];
    const char *kind = A->topic_kind[ev->topic];
    char v[512];
    if (A->phase == 1 && (F->cand & CAND_UNREACHABLE) && strcmp(kind, r->unreachable.kind) == 0 &&
        ev->day > M->as_of - r->unreachable.within_days &&
        ev->day <= M->as_of - r->unreachable.listed_days &&
        attr_text(ev, r->unreachable.reason_attr, v, sizeof v) && ev->day >= F->listed_day &&
        reason_matches(r, v)) {
        char *reason = strdup(v);
        if (!reason) {
            A->rc = CR_ENOMEM;
            return 1;
        }
        F->listed_day = ev->day;
        free(F->listed_reason);
        F->listed_reason = reason;
    }
    if (A->phase == 1 && (F->cand & CAND_CHURN) && strcmp(kind, r->legal_rep_churn.kind) == 0 &&
        ev->day > M->as_of - r->legal_rep_churn.window_days &&
        attr_text(ev, r->legal_rep_churn.item_attr, v, sizeof v)) {
        for (size_t i = 0; i < r->legal_rep_churn.n_items; i++)
            if (strstr(v, r->legal_rep_churn.items[i])) {
                if (F->n_churn == F->cap_churn) {
                    uint32_t cap = F->cap_churn ? 2 * F->cap_churn : 8;
                    int32_t *d = realloc(F->churn_days, cap * sizeof *d);
                    if (!d) {
                        A->rc = CR_ENOMEM;
                        return 1;
                    }
                    F->churn_days = d;
                    F->cap_churn = cap;
                }
                F->churn_days[F->n_churn++] = ev->day;
                break;
            }
    }
    if (A->phase == 2 && (F->cand & CAND_CAPITAL) &&
        strcmp(kind, r->capital_mismatch.report_kind) == 0 && ev->day >= F->report_day) {
        F->report_day = ev->day;
        F->employees =
            attr_text(ev, r->capital_mismatch.employees_attr, v, sizeof v) ? count_of(v) : -1;
    }
    return 0;
}

static int block_range(void *ctx, int64_t from, int64_t to)
{
    struct attr_ctx *A = ctx;
    if (cr_store_events_range(A->M->s, from, to, A->attrs_of, A->n_topics, attr_event, A)) {
        if (!A->rc)
            A->rc = CR_ESTORE;
        return 1;
    }
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Marks the firms a cheap column test leaves for each attribute check; the count. */
static size_t mark_candidates(struct mon *M)
{
    const struct cr_monitor_rules *r = M->r;
    const struct cr_city *c = M->c;
    int32_t no_tax_from = M->as_of - r->unreachable.no_tax_days;
    double min_fen = (double)r->capital_mismatch.min_capital_fen;
    size_t n_cand = 0;
    for (size_t e = 0; e < c->n; e++) {
        struct firm *F = &M->f[e];
        if (!cr__monitor_active(M, e))
            continue;
        if (M->ran[CR_DET_UNREACHABLE] && F->n_abnormal && F->last_utax <= no_tax_from)
            F->cand |= CAND_UNREACHABLE;
        if (M->ran[CR_DET_LEGAL_REP_CHURN] &&
            F->n_change >= (uint32_t)r->legal_rep_churn.min_changes)
            F->cand |= CAND_CHURN;
        /* 1 万元 = 10^6 分; the double holds any registered capital exactly enough to compare */
        if (M->ran[CR_DET_CAPITAL_MISMATCH] && c->capital_wan[e] == c->capital_wan[e] &&
            round(c->capital_wan[e] * 1e6) >= min_fen)
            F->cand |= CAND_CAPITAL;
        F->listed_day = F->report_day = CR_NO_DAY;
        F->employees = -1;
        n_cand += F->cand != 0;
    }
    return n_cand;
}

/* Reads the attributes the candidates' checks need: the listings and changes from the blocks
 * of their kinds, the capital candidates' annual reports through their postings. */
static cr_err read_attrs(struct mon *M, size_t n_cand)
{
    const struct cr_monitor_rules *r = M->r;
    const struct cr_city *c = M->c;
    struct attr_ctx A = {M, NULL, 0, 0, NULL, CR_OK};
    cr_err rc = CR_OK;
    if (n_cand) {
        if (cr_store_topic_kinds(M->s, topic_max, &A.n_topics))
            rc = CR_ESTORE;
        if (!rc) {
            A.topic_kind = calloc(A.n_topics + 1, sizeof *A.topic_kind);
            A.attrs_of = calloc(A.n_topics + 1, 1);
            rc = A.topic_kind && A.attrs_of ? CR_OK : CR_ENOMEM;
        }
        if (!rc && cr_store_topic_kinds(M->s, topic_kind_row, &A))
            rc = A.rc ? A.rc : CR_ESTORE;
    }
    /* Phase 1: the listings and changes, rare kinds, from their own blocks only. */
    int64_t *topics = rc || !n_cand ? NULL : malloc((A.n_topics + 1) * sizeof *topics);
    size_t nt = 0;
    if (n_cand && !rc && !topics)
        rc = CR_ENOMEM;
    for (size_t t = 0; topics && t < A.n_topics; t++) {
        const char *k = A.topic_kind[t];
        if (k && ((M->ran[CR_DET_UNREACHABLE] && strcmp(k, r->unreachable.kind) == 0) ||
                  (M->ran[CR_DET_LEGAL_REP_CHURN] && strcmp(k, r->legal_rep_churn.kind) == 0))) {
            topics[nt++] = (int64_t)t;
            A.attrs_of[t] = 1;
        }
    }
    A.phase = 1;
    if (!rc && nt && cr_store_event_blocks_of(M->s, topics, nt, block_range, &A))
        rc = A.rc ? A.rc : CR_ESTORE;
    if (!rc && A.rc)
        rc = A.rc;
    free(topics);
    /* Phase 2: the few capital candidates' events, through their postings. */
    size_t k = 0;
    int64_t *subj = rc ? NULL : malloc((n_cand ? n_cand : 1) * sizeof *subj);
    if (!rc && !subj)
        rc = CR_ENOMEM;
    for (size_t e = 0; subj && e < c->n; e++)
        if (M->f[e].cand & CAND_CAPITAL)
            subj[k++] = c->subject[e];
    A.phase = 2;
    if (!rc && k) {
        qsort(subj, k, sizeof *subj, cmp_i64);
        if (cr_store_events_each(M->s, subj, k, attr_event, &A))
            rc = A.rc ? A.rc : CR_ESTORE;
        else if (A.rc)
            rc = A.rc;
    }
    for (size_t t = 0; A.topic_kind && t < A.n_topics; t++)
        free(A.topic_kind[t]);
    free(A.topic_kind);
    free(A.attrs_of);
    free(subj);
    return rc;
}

/* The findings of the attribute checks, from what read_attrs gathered. */
static cr_err attr_findings(struct mon *M)
{
    const struct cr_monitor_rules *r = M->r;
    const struct cr_city *c = M->c;
    int32_t tax_from = M->as_of - r->capital_mismatch.tax_window_days;
    for (size_t e = 0; e < c->n; e++) {
        struct firm *F = &M->f[e];
        if (!F->cand)
            continue;
        if ((F->cand & CAND_UNREACHABLE) && F->listed_day != CR_NO_DAY) {
            struct finding *f = cr__monitor_finding_add(M, CR_DET_UNREACHABLE, "unreachable");
            if (!f || cr__monitor_finding_firms(f, &e, 1))
                return CR_ENOMEM;
            json_object_set_new(f->facts, "listed", cr__monitor_date_json(F->listed_day));
            json_object_set_new(f->facts, "reason", json_string(F->listed_reason));
            json_object_set_new(f->facts, "last_tax_filing", cr__monitor_date_json(F->last_utax));
            json_object_set_new(f->facts, "no_tax_days", json_integer(r->unreachable.no_tax_days));
            json_object_set_new(f->facts, "listed_days", json_integer(r->unreachable.listed_days));
            f->day = F->listed_day;
            f->text = F->listed_reason;
            F->listed_reason = NULL;
        }
        if ((F->cand & CAND_CHURN) && (int)F->n_churn >= r->legal_rep_churn.min_changes) {
            struct finding *f =
                cr__monitor_finding_add(M, CR_DET_LEGAL_REP_CHURN, "legal_rep_churn");
            if (!f || cr__monitor_finding_firms(f, &e, 1))
                return CR_ENOMEM;
            qsort(F->churn_days, F->n_churn, sizeof *F->churn_days, cmp_i32);
            json_t *d = json_array();
            for (size_t i = 0; i < F->n_churn; i++)
                json_array_append_new(d, cr__monitor_date_json(F->churn_days[i]));
            json_object_set_new(f->facts, "changes", json_integer((json_int_t)F->n_churn));
            json_object_set_new(f->facts, "dates", d);
            json_object_set_new(f->facts, "min_changes",
                                json_integer(r->legal_rep_churn.min_changes));
            json_object_set_new(f->facts, "window_days",
                                json_integer(r->legal_rep_churn.window_days));
            f->n_count = F->n_churn;
        }
        if (F->cand & CAND_CAPITAL) {
            /* a firm younger than the tax window has not had a year to pay in */
            int zero_tax = r->capital_mismatch.zero_tax && F->last_cpos_tax <= tax_from &&
                           c->established[e] != CR_NO_DAY && c->established[e] <= tax_from;
            int zero_emp = r->capital_mismatch.zero_employees && F->report_day != CR_NO_DAY &&
                           F->employees == 0;
            if (!zero_tax && !zero_emp)
                continue;
            struct finding *f =
                cr__monitor_finding_add(M, CR_DET_CAPITAL_MISMATCH, "capital_mismatch");
            if (!f || cr__monitor_finding_firms(f, &e, 1))
                return CR_ENOMEM;
            json_object_set_new(f->facts, "capital_wan", json_real(c->capital_wan[e]));
            json_object_set_new(f->facts, "min_capital_yuan",
                                json_real((double)r->capital_mismatch.min_capital_fen / 100));
            json_object_set_new(f->facts, "zero_tax", json_boolean(zero_tax));
            json_object_set_new(f->facts, "last_tax_paid", cr__monitor_date_json(F->last_cpos_tax));
            json_object_set_new(f->facts, "tax_window_days",
                                json_integer(r->capital_mismatch.tax_window_days));
            json_object_set_new(f->facts, "zero_employees", json_boolean(zero_emp));
            json_object_set_new(f->facts, "latest_annual_report",
                                cr__monitor_date_json(F->report_day));
            f->zero_tax = zero_tax;
            f->zero_emp = zero_emp;
            f->capital_wan = c->capital_wan[e];
        }
    }
    return CR_OK;
}

static cr_err attr_checks(struct mon *M)
{
    size_t n_cand = mark_candidates(M);
    cr_err rc = n_cand ? read_attrs(M, n_cand) : CR_OK;
    return rc ? rc : attr_findings(M);
}

/* A detector that reads a kind no topic of the store provides would see no events and flag
 * every firm (no report, no tax): it is skipped, with the reason. */
static void need_kind(struct mon *M, enum cr_detector d, const char *kind)
{
    if (M->ran[d] && kind_index(M->c, kind) == -2) {
        M->ran[d] = 0;
        snprintf(M->skipped[d], sizeof M->skipped[d], "no topic of kind %s in the store", kind);
    }
}

static void which_run(struct mon *M)
{
    const struct cr_monitor_rules *r = M->r;
    for (int k = 0; k < CR_DET__N; k++)
        M->ran[k] = r->enabled[k];
    need_kind(M, CR_DET_ZOMBIE, r->zombie.report_kind);
    need_kind(M, CR_DET_ZOMBIE, r->zombie.tax_kind);
    need_kind(M, CR_DET_UNREACHABLE, r->unreachable.kind);
    need_kind(M, CR_DET_UNREACHABLE, r->unreachable.tax_kind);
    need_kind(M, CR_DET_LEGAL_REP_CHURN, r->legal_rep_churn.kind);
    if (M->ran[CR_DET_PERSON_CLUSTER] && role_index(M->c, r->person_cluster.rep_role) == -2) {
        M->ran[CR_DET_PERSON_CLUSTER] = 0;
        snprintf(M->skipped[CR_DET_PERSON_CLUSTER], sizeof M->skipped[CR_DET_PERSON_CLUSTER],
                 "no role %s in the store", r->person_cluster.rep_role);
    }
    if (r->capital_mismatch.zero_tax)
        need_kind(M, CR_DET_CAPITAL_MISMATCH, r->capital_mismatch.tax_kind);
    if (r->capital_mismatch.zero_employees)
        need_kind(M, CR_DET_CAPITAL_MISMATCH, r->capital_mismatch.report_kind);
}

cr_err cr__monitor_detect(struct mon *M)
{
    which_run(M);
    cr_err rc = operating(M);
    if (!rc)
        rc = scan_events(M);
    const struct cr_monitor_rules *r = M->r;
    if (!rc && M->ran[CR_DET_ADDRESS_CLUSTER])
        rc = address_cluster(M);
    if (!rc && M->ran[CR_DET_PERSON_CLUSTER]) {
        rc = person_groups(M, role_index(M->c, r->person_cluster.rep_role),
                           r->person_cluster.rep_min_firms, "legal_rep", 1);
        if (!rc && r->person_cluster.shareholder_min_firms > 0)
            rc = person_groups(M, role_index(M->c, r->person_cluster.shareholder_role),
                               r->person_cluster.shareholder_min_firms, "shareholder", 0);
    }
    if (!rc && M->ran[CR_DET_LEVEL_JUMP])
        rc = cr__monitor_level_jump(M);
    if (!rc && M->ran[CR_DET_ZOMBIE])
        rc = zombie(M);
    if (!rc)
        rc = attr_checks(M);
    return rc;
}
