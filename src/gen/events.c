/* The event feeds: one pass per kind over all enterprises, writing every topic of the kind. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/hash.h"
#include "crisk/text.h"
#include "gen_tables.h"

/* ---- event feeds, one pass per kind ---- */

struct kind_pass {
    int kind;
    int n_topics;
    int *topic;       /* topic indexes of this kind */
    struct writer *w; /* per topic (per topic and year for monthly kinds) */
    int years;
    int *cand[N_DISTRICTS]; /* candidate positions in topic[] per district */
    int n_cand[N_DISTRICTS];
};

static int kind_columns(const gen *g, const struct topic *t, const char **cols)
{
    const struct gen_kind_def *kd = &gen_kinds[t->kind];
    int n = 0;
    cols[n++] = gen_key_headers[g->depts[t->dept].key_hdr];
    cols[n++] = kd->date_col;
    if (kd->amount_col)
        cols[n++] = kd->amount_col;
    for (int a = 0; a < 3 && kd->attrs[a].col; a++)
        cols[n++] = kd->attrs[a].col;
    return n;
}

static const char *year_rel(gen *g, const struct kind_pass *kp, int ti, int y, char *out,
                            size_t cap)
{
    return cr__gen_topic_rel(g, &g->topics[kp->topic[ti]], kp->years ? g->o->start_year + y : 0,
                             out, cap);
}

static cr_err open_kind(gen *g, struct kind_pass *kp)
{
    for (int i = 0; i < g->n_topics; i++)
        if (g->topics[i].kind == kp->kind)
            kp->n_topics++;
    kp->years = gen_kinds[kp->kind].schedule == S_MONTHLY ? g->o->years : 0;
    int per = kp->years ? kp->years : 1;
    kp->topic = calloc((size_t)kp->n_topics + 1, sizeof *kp->topic);
    kp->w = calloc((size_t)(kp->n_topics * per) + 1, sizeof *kp->w);
    if (!kp->topic || !kp->w)
        return CR_ENOMEM;
    int k = 0;
    for (int i = 0; i < g->n_topics; i++)
        if (g->topics[i].kind == kp->kind)
            kp->topic[k++] = i;
    for (int d = 0; d < N_DISTRICTS; d++) {
        kp->cand[d] = calloc((size_t)kp->n_topics + 1, sizeof *kp->cand[d]);
        if (!kp->cand[d])
            return CR_ENOMEM;
        for (int ti = 0; ti < kp->n_topics; ti++) {
            int td = g->depts[g->topics[kp->topic[ti]].dept].district;
            if (td < 0 || td == d)
                kp->cand[d][kp->n_cand[d]++] = ti;
        }
    }
    for (int ti = 0; ti < kp->n_topics; ti++) {
        const struct topic *t = &g->topics[kp->topic[ti]];
        const char *cols[MAX_COLS];
        int nc = kind_columns(g, t, cols);
        for (int y = 0; y < per; y++) {
            char rel[300];
            struct writer *w = &kp->w[ti * per + y];
            cr_err rc = cr__gen_writer_open(g, w, year_rel(g, kp, ti, y, rel, sizeof rel),
                                            &g->depts[t->dept], cols, nc);
            if (rc)
                return rc;
            /* Hundreds of topics are open at once: small buffers. */
            w->cap = 1 << 16;
        }
    }
    return CR_OK;
}

static cr_err close_kind(gen *g, struct kind_pass *kp)
{
    cr_err rc = CR_OK;
    int per = kp->years ? kp->years : 1;
    for (int i = 0; kp->w && i < kp->n_topics * per; i++) {
        cr_err r2 = kp->w[i].buf ? cr__gen_writer_close(g, &kp->w[i]) : CR_OK;
        if (!rc)
            rc = r2;
    }
    free(kp->w);
    free(kp->topic);
    for (int d = 0; d < N_DISTRICTS; d++)
        free(kp->cand[d]);
    return rc;
}

/* Picks from an attribute's list or texts as its op says (gen_tables.h). */
static const char *attr_pick(const struct ent *e, const struct gen_attr_def *ad, cr_rng *r)
{
    switch (ad->op) {
    case A_PICK:
        return ad->list[cr_rng_below(r, (uint64_t)ad->n)];
    case A_PICK_MOSTLY:
        return ad
            ->list[cr_rng_unit(r) < ad->p ? (uint64_t)ad->k : cr_rng_below(r, (uint64_t)ad->n)];
    case A_CHOICE:
        return ad->text[cr_rng_unit(r) < ad->p ? 0 : 1];
    case A_RISK_CHOICE:
        return ad->text[cr_rng_unit(r) < sigmoid(ad->a + ad->b * e->z) ? 0 : 1];
    case A_FINDING: {
        int bad = cr_rng_unit(r) < sigmoid(ad->a + ad->b * e->z);
        return bad ? ad->list[1 + cr_rng_below(r, (uint64_t)ad->n - 2)]
                   : ad->list[cr_rng_unit(r) < ad->p ? 0 : ad->n - 1];
    }
    default:
        return ad->text[0];
    }
}

/* Writes one attribute value of an event on day (year y, month m) into out (128 bytes). */
static void event_attr(gen *g, const struct ent *e, const struct topic *t, int y, int m,
                       const struct gen_attr_def *ad, cr_rng *r, char *out)
{
    const struct cr_division *district = cr_ref_division(g->ref, CR_DIV_DISTRICT, e->district);
    switch (ad->op) {
    case A_DEPT:
        snprintf(out, 128, "%s", g->depts[t->dept].name);
        break;
    case A_TOPIC:
        snprintf(out, 128, "%s", t->name);
        break;
    case A_PRODUCT:
        snprintf(out, 128, "%s", cr_ref_industry(g->ref, (size_t)e->industry)->name);
        break;
    case A_PENALTY_NO:
        snprintf(out, 128, "穗%.6s罚〔%d〕%d号", district->name, y,
                 (int)cr_rng_below(r, 9000) + 100);
        break;
    case A_CASE_NO:
        snprintf(out, 128, "（%d）粤%.4s民初%d号", y, district->code + 2,
                 (int)cr_rng_below(r, 40000) + 1);
        break;
    case A_LICENCE_NO:
        snprintf(out, 128, "XK%s%08llu", e->uscc + 2,
                 (unsigned long long)cr_rng_below(r, 100000000));
        break;
    case A_YEAR_SERIAL: {
        uint64_t bound = 1;
        for (int i = 0; i < ad->k; i++)
            bound *= 10;
        snprintf(out, 128, "%s%d%s%0*d", ad->text[0], y, ad->text[1], ad->k,
                 (int)cr_rng_below(r, bound));
        break;
    }
    case A_PRIOR_YEAR:
        snprintf(out, 128, "%d", y - 1);
        break;
    case A_PRIOR_MONTH:
        snprintf(out, 128, "%04d-%02d", m == 1 ? y - 1 : y, m == 1 ? 12 : m - 1);
        break;
    case A_SKEWED:
        snprintf(out, 128, "%d", (int)(ad->a + ad->b * cr_rng_unit(r) * cr_rng_unit(r)));
        break;
    default:
        snprintf(out, 128, "%s", attr_pick(e, ad, r));
    }
}

/* Fills the attribute values of one event (into buffers of 128 bytes each), as its kind's row
 * in gen_kinds says. */
static void event_attrs(gen *g, const struct ent *e, int kind, const struct topic *t, int32_t day,
                        cr_rng *r, char vals[3][128])
{
    int y, m, d;
    cr_civil_from_days(day, &y, &m, &d);
    for (int a = 0; a < 3 && gen_kinds[kind].attrs[a].col; a++)
        event_attr(g, e, t, y, m, &gen_kinds[kind].attrs[a], r, vals[a]);
}

static cr_err write_event(gen *g, struct kind_pass *kp, const struct ent *e, int32_t day, cr_rng *r)
{
    int kind = kp->kind;
    if (!kp->n_cand[e->district])
        return CR_OK;
    int ti = kp->cand[e->district][cr_rng_below(r, (uint64_t)kp->n_cand[e->district])];
    int y = 0;
    if (kp->years) {
        int yy, mm, dd;
        cr_civil_from_days(day, &yy, &mm, &dd);
        y = yy - g->o->start_year;
        if (y < 0 || y >= kp->years)
            return CR_OK;
    }
    struct writer *w = &kp->w[ti * (kp->years ? kp->years : 1) + y];
    const struct topic *t = &g->topics[kp->topic[ti]];
    const struct dept *dp = &g->depts[t->dept];
    static const enum dirt allowed[] = {D_DUP,      D_FULLWIDTH, D_ALTDATE, D_BADCHECK, D_UNKNOWN,
                                        D_TRUNCATE, D_EMPTY,     D_BADDATE, D_SPACES};
    enum dirt dirt = cr__gen_pick_dirt(g, r, allowed, COUNT(allowed));
    char key[80], date[48], amount[48], attrs[3][128] = {"", "", ""};
    cr__gen_dirty_key(g, e->uscc, dirt == D_EMPTY && cr_rng_unit(r) < 0.5 ? D_EMPTY : dirt, r, key,
                      sizeof key);
    cr__gen_fmt_date(
        date, sizeof date, day,
        dirt == D_ALTDATE ? (dp->date_fmt + 1 + (int)cr_rng_below(r, 5)) % 6 : dp->date_fmt, r);
    if (dirt == D_EMPTY && key[0])
        date[0] = 0;
    if (dirt == D_BADDATE) {
        int yy, mm, dd;
        cr_civil_from_days(day, &yy, &mm, &dd);
        snprintf(date, sizeof date, "%04d-%02d-%02d", yy, cr_rng_unit(r) < 0.5 ? 13 : 2, 30);
    }
    const struct gen_kind_def *kd = &gen_kinds[kind];
    int64_t fen = 0;
    if (kd->amount_col) {
        fen = (int64_t)(kd->amount_median * 100 * exp(0.9 * cr_rng_normal(r)));
        if (kd->red_share > 0 && cr_rng_unit(r) < kd->red_share)
            fen = -fen / 10; /* a red-letter correction */
        cr__gen_fmt_amount(amount, sizeof amount, fen, dp->amount_fmt);
    }
    event_attrs(g, e, kind, t, day, r, attrs);
    const char *vals[MAX_COLS];
    int n = 0;
    vals[n++] = key;
    vals[n++] = date;
    if (kd->amount_col)
        vals[n++] = amount;
    for (int a = 0; a < 3 && kd->attrs[a].col; a++)
        vals[n++] = attrs[a];
    g->rep->event_rows += dirt == D_DUP ? 2 : 1;
    return cr__gen_writer_row(g, w, vals, dirt, r);
}

/* The schedules of gen_tables.h: each writes one enterprise's events of the pass's kind, active
 * from day from to day to (inclusive, within the period). */
typedef cr_err schedule_fn(gen *g, struct kind_pass *kp, const struct ent *e, int32_t from,
                           int32_t to, cr_rng *r);

static cr_err monthly_events(gen *g, struct kind_pass *kp, const struct ent *e, int32_t from,
                             int32_t to, cr_rng *r)
{
    const struct gen_kind_def *kd = &gen_kinds[kp->kind];
    double z = e->z;
    /* Coverage is a property of the firm: it files every month or is not in this feed.
     * Risky firms are less often covered (no staff on social insurance, no meter of their
     * own), drawn from a hash so that the firm's choice is the same in every pass. */
    double u =
        (double)(cr_mix64((uint64_t)(e - g->ents) * 31 + (uint64_t)kp->kind) % 1000000) / 1e6;
    if (u >= sigmoid(log(kd->rate / (1 - kd->rate)) - 0.8 * z))
        return CR_OK;
    int y0, m0, d0, y1, m1, d1;
    cr_civil_from_days(from, &y0, &m0, &d0);
    cr_civil_from_days(to, &y1, &m1, &d1);
    double miss = sigmoid(-3.2 + 1.6 * z + 2.0 * e->h); /* the second factor shows here */
    cr_err rc = CR_OK;
    for (int ym = y0 * 12 + m0 - 1; !rc && ym < y1 * 12 + m1 - 1; ym++) {
        if (cr_rng_unit(r) < miss)
            continue;
        int ny = (ym + 1) / 12, nm = (ym + 1) % 12 + 1;
        int32_t day = cr_days_from_civil(ny, nm, 1 + (int)cr_rng_below(r, 15));
        if (day <= g->period_end)
            rc = write_event(g, kp, e, day, r);
    }
    return rc;
}

static cr_err annual_events(gen *g, struct kind_pass *kp, const struct ent *e, int32_t from,
                            int32_t to, cr_rng *r)
{
    const struct gen_kind_def *kd = &gen_kinds[kp->kind];
    double z = e->z;
    cr_err rc = CR_OK;
    for (int y = g->o->start_year; !rc && y < g->o->start_year + g->o->years; y++) {
        int32_t jun30 = cr_days_from_civil(y, 6, 30);
        if (e->est_day >= cr_days_from_civil(y, 1, 1) || e->end_day < jun30)
            continue;
        double logit = log(kd->rate / (1 - kd->rate));
        if (cr_rng_unit(r) >= sigmoid(logit + kd->beta * z))
            continue;
        int late = cr_rng_unit(r) < sigmoid(-2.5 + 0.8 * z + 1.0 * e->h);
        int32_t day = late ? jun30 + 1 + (int32_t)cr_rng_below(r, 150)
                           : cr_days_from_civil(y, 1, 1) + (int32_t)cr_rng_below(r, 180);
        rc = write_event(g, kp, e, day, r);
    }
    (void)from, (void)to;
    return rc;
}

static cr_err flagged_events(gen *g, struct kind_pass *kp, const struct ent *e, int32_t from,
                             int32_t to, cr_rng *r)
{
    if (!(e->flags & gen_kinds[kp->kind].flag))
        return CR_OK;
    return write_event(g, kp, e, from + (int32_t)cr_rng_below(r, (uint64_t)(to - from + 1)), r);
}

static cr_err poisson_events(gen *g, struct kind_pass *kp, const struct ent *e, int32_t from,
                             int32_t to, cr_rng *r)
{
    const struct gen_kind_def *kd = &gen_kinds[kp->kind];
    double z = e->z;
    cr_err rc = CR_OK;
    if (kd->beta <= 0) {
        double years = (to - from + 1) / 365.25;
        double lambda = kd->rate * years * exp(kd->beta * z - 0.5 * kd->beta * kd->beta);
        uint32_t k = cr_rng_poisson(r, lambda);
        for (uint32_t i = 0; !rc && i < k; i++)
            rc = write_event(g, kp, e, from + (int32_t)cr_rng_below(r, (uint64_t)(to - from + 1)),
                             r);
        return rc;
    }
    /* risk kinds: the rate year by year, the second hidden factor weighing more each year
     * (drift); one Poisson draw for the whole span, each event then placed in a year by its
     * share of the rate and on a uniform day of it */
    int y0, y1, mm, dd;
    cr_civil_from_days(from, &y0, &mm, &dd);
    cr_civil_from_days(to, &y1, &mm, &dd);
    enum { MAX_Y = 64 };
    double lam[MAX_Y], total = 0;
    int32_t lo[MAX_Y], hi[MAX_Y];
    int ny = y1 - y0 + 1 < MAX_Y ? y1 - y0 + 1 : MAX_Y;
    for (int t = 0; t < ny; t++) {
        int y = y0 + t;
        int32_t a = cr_days_from_civil(y, 1, 1), b = cr_days_from_civil(y + 1, 1, 1) - 1;
        lo[t] = a > from ? a : from;
        hi[t] = t == ny - 1 || b > to ? to : b;
        double zy = z + gen_drift(y, g->o->start_year) * e->h;
        lam[t] = kd->rate * ((hi[t] - lo[t] + 1) / 365.25) *
                 exp(kd->beta * zy - 0.5 * kd->beta * kd->beta);
        total += lam[t];
    }
    uint32_t k = cr_rng_poisson(r, total);
    for (uint32_t i = 0; !rc && i < k; i++) {
        double u = cr_rng_unit(r) * total;
        int t = 0;
        while (t < ny - 1 && u >= lam[t])
            u -= lam[t++];
        rc = write_event(g, kp, e, lo[t] + (int32_t)cr_rng_below(r, (uint64_t)(hi[t] - lo[t] + 1)),
                         r);
    }
    return rc;
}

static schedule_fn *const schedules[] = {[S_POISSON] = poisson_events,
                                         [S_MONTHLY] = monthly_events,
                                         [S_ANNUAL] = annual_events,
                                         [S_FLAGGED] = flagged_events};

/* Generates one enterprise's events of the pass's kind, by the kind's schedule. */
static cr_err events_of(gen *g, struct kind_pass *kp, const struct ent *e, cr_rng *r)
{
    int32_t from = e->est_day > g->period_start ? e->est_day : g->period_start;
    int32_t to = e->end_day < g->period_end ? e->end_day : g->period_end;
    if (from > to)
        return CR_OK;
    return schedules[gen_kinds[kp->kind].schedule](g, kp, e, from, to, r);
}

cr_err cr__gen_events(gen *g)
{
    for (int kind = 0; kind < K__N; kind++) {
        struct kind_pass kp = {.kind = kind};
        cr_rng r;
        cr_rng_seed(&r, g->o->seed ^ (0x4B494E44ULL + (uint64_t)kind * 0x100000001ULL));
        cr_err rc = open_kind(g, &kp);
        for (int64_t i = 0; !rc && i < g->n; i++)
            rc = events_of(g, &kp, &g->ents[i], &r);
        cr_err rc2 = close_kind(g, &kp);
        if (rc || rc2)
            return rc ? rc : rc2;
    }
    return CR_OK;
}
