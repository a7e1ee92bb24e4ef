/* The city model: departments and their topics, enterprises with their clusters, shell rings
 * and hidden propensity, persons, addresses. */
#include "internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/hash.h"
#include "crisk/text.h"
#include "crisk/uscc.h"
#include "gen_tables.h"

static int pick_weighted(cr_rng *r, const double *w, int n)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    double u = cr_rng_unit(r) * total;
    for (int i = 0; i < n; i++) {
        if (u < w[i])
            return i;
        u -= w[i];
    }
    return n - 1;
}

/* ---- departments and topics ---- */

static void dept_props(struct dept *dp, cr_rng *r, int index)
{
    dp->gb18030 = cr_rng_unit(r) < 0.10;
    dp->crlf = cr_rng_unit(r) < 0.20;
    dp->bom = cr_rng_unit(r) < 0.15;
    dp->jsonl = index > 0 && cr_rng_unit(r) < 0.05;
    dp->date_fmt = (int)cr_rng_below(r, 6);
    dp->amount_fmt = (int)cr_rng_below(r, 4);
    dp->key_hdr = index == 0 ? 0 : (int)cr_rng_below(r, (uint64_t)COUNT(gen_key_headers));
    double u = cr_rng_unit(r);
    dp->delim = u < 0.85 ? ',' : u < 0.95 ? '|' : '\t';
}

static cr_err add_topic(gen *g, int dept, int kind, const char *name)
{
    if (g->n_topics % 256 == 0) {
        void *p = realloc(g->topics, (size_t)(g->n_topics + 256) * sizeof *g->topics);
        if (!p)
            return CR_ENOMEM;
        g->topics = p;
    }
    struct topic *t = &g->topics[g->n_topics];
    snprintf(t->code, sizeof t->code, "T%04d", g->n_topics + 1);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->dept = dept;
    t->kind = kind;
    g->n_topics++;
    return CR_OK;
}

/* Writes template tmpl with its "%s" (if any) replaced by district, bounded by cap. The table's
 * names are data, not formats: they never reach printf. */
static void dept_name(char *out, size_t cap, const char *tmpl, const char *district)
{
    const char *at = strstr(tmpl, "%s");
    if (!at)
        snprintf(out, cap, "%s", tmpl);
    else
        snprintf(out, cap, "%.*s%s%s", (int)(at - tmpl), tmpl, district, at + 2);
}

cr_err cr__gen_departments(gen *g)
{
    cr_rng stream, *r = &stream;
    cr_rng_seed(r, g->o->seed ^ 0x444550ULL);
    for (int i = 0; i < COUNT(gen_depts); i++) {
        const struct gen_dept_def *dd = &gen_depts[i];
        for (int k = 0; k < (dd->per_district ? N_DISTRICTS : 1); k++) {
            struct dept *dp = &g->depts[g->n_depts];
            const char *dname = cr_ref_division(g->ref, CR_DIV_DISTRICT, (size_t)k)->name;
            dept_name(dp->name, sizeof dp->name, dd->name, dname);
            dp->district = dd->per_district ? k : -1;
            dept_props(dp, r, g->n_depts);
            int dept = g->n_depts++;
            int before = g->n_topics;
            cr_err rc = CR_OK;
            if (dept == 0) {
                rc = add_topic(g, dept, -1, "企业登记基本信息");
                if (!rc)
                    rc = add_topic(g, dept, -2, "企业主要人员及股东信息");
            }
            for (int j = 0; !rc && j < 10 && dd->kinds[j] >= 0; j++) {
                const struct gen_kind_def *kd = &gen_kinds[dd->kinds[j]];
                /* One topic per name stem (monthly and rare kinds have one). */
                for (int s = 0; !rc && s < 3 && kd->topics[s]; s++)
                    rc = add_topic(g, dept, dd->kinds[j], kd->topics[s]);
            }
            for (int f = 0; !rc && g->n_topics - before < GEN_TOPICS_PER_DEPT; f++)
                rc = add_topic(g, dept, gen_filler_kinds[f % COUNT(gen_filler_kinds)],
                               gen_filler_names[f % COUNT(gen_filler_names)]);
            if (rc)
                return rc;
        }
    }
    return CR_OK;
}

/* ---- enterprises, clusters, rings ---- */

static int industry_class(gen *g, cr_rng *r, int *section_risk_i)
{
    double w[COUNT(gen_sections)];
    for (int i = 0; i < COUNT(gen_sections); i++)
        w[i] = gen_sections[i].share;
    int s = pick_weighted(r, w, COUNT(gen_sections));
    *section_risk_i = s;
    int sec = gen_sections[s].section - 'A';
    return g->class_idx[g->sec_start[sec] + (int32_t)cr_rng_below(r, (uint64_t)g->sec_len[sec])];
}

cr_err cr__gen_index_reference(gen *g)
{
    size_t ni = cr_ref_industry_count(g->ref);
    g->class_idx = malloc(ni * sizeof *g->class_idx);
    if (!g->class_idx)
        return CR_ENOMEM;
    int32_t k = 0;
    for (int sec = 0; sec < 26; sec++) {
        g->sec_start[sec] = k;
        for (size_t i = 0; i < ni; i++) {
            const struct cr_industry *in = cr_ref_industry(g->ref, i);
            if (in->level == 4 && in->section - 'A' == sec)
                g->class_idx[k++] = (int32_t)i;
        }
        g->sec_len[sec] = k - g->sec_start[sec];
    }
    size_t ns = cr_ref_count(g->ref, CR_DIV_STREET), ng = cr_ref_count(g->ref, CR_DIV_GRID);
    if (ns > 200)
        return CR_EINVAL;
    for (size_t s = 0; s < ns; s++)
        g->street_grids[s][0] = -1, g->street_grids[s][1] = 0;
    for (size_t i = 0; i < ng; i++) {
        int p = cr_ref_division(g->ref, CR_DIV_GRID, i)->parent;
        if (g->street_grids[p][0] < 0)
            g->street_grids[p][0] = (int32_t)i;
        g->street_grids[p][1]++;
    }
    return CR_OK;
}

/* Picks a grid (and so street) in district di, uniformly over streets that have grids. */
static int32_t pick_grid(gen *g, cr_rng *r, int di)
{
    size_t ns = cr_ref_count(g->ref, CR_DIV_STREET);
    for (;;) {
        size_t s = (size_t)cr_rng_below(r, ns);
        if (cr_ref_division(g->ref, CR_DIV_STREET, s)->parent != di || !g->street_grids[s][1])
            continue;
        return g->street_grids[s][0] + (int32_t)cr_rng_below(r, (uint64_t)g->street_grids[s][1]);
    }
}

/* A place for one address in district di: road, number, building and grid. */
static struct cluster draw_place(gen *g, cr_rng *r, int di)
{
    return (struct cluster){di, (int)cr_rng_below(r, 6), 1 + (int)cr_rng_below(r, 400),
                            (int)cr_rng_below(r, 4), pick_grid(g, r, di)};
}

/* Planted shares (docs/synthetic-city.md): shell-ring firms, then cluster-address firms, of all
 * firms; towers and directors' groups are sized in rooms and seats, their shares follow. */
#define P_RING 0.012
#define P_CLUSTER 0.030

/* Allocates the enterprises and draws the address clusters, the office towers, the shell rings
 * (whose legal representatives are persons 0..n_rings-1) and the group directors (persons
 * n_rings..tail_base-1). Cities under 1,000 firms get no towers or directors: one tower would
 * be a large share of them. CR_ENOMEM. */
static cr_err clusters_and_rings(gen *g, cr_rng *r)
{
    int64_t n = g->n;
    g->ents = calloc((size_t)n, sizeof *g->ents);
    g->n_clusters = (int)(n / 5000 > 3 ? n / 5000 : 3);
    g->n_rings = (int)(n / 2000 > 1 ? n / 2000 : 1);
    g->n_towers = (int)(n < 1000 ? 0 : n / 3000 > 1 ? n / 3000 : 1);
    g->n_directors = (int)(n < 1000 ? 0 : n / 5000 > 1 ? n / 5000 : 1);
    g->clusters = calloc((size_t)g->n_clusters, sizeof *g->clusters);
    g->ring_rep = calloc((size_t)g->n_rings, sizeof *g->ring_rep);
    g->towers = calloc((size_t)g->n_towers + 1, sizeof *g->towers);
    g->directors = calloc((size_t)g->n_directors + 1, sizeof *g->directors);
    if (!g->ents || !g->clusters || !g->ring_rep || !g->towers || !g->directors)
        return CR_ENOMEM;
    for (int c = 0; c < g->n_clusters; c++)
        g->clusters[c] = draw_place(g, r, pick_weighted(r, gen_district_weights, N_DISTRICTS));
    /* A few towers per district, round the districts in turn; always a named building. */
    for (int t = 0; t < g->n_towers; t++) {
        struct tower *tw = &g->towers[t];
        tw->at = draw_place(g, r, t % N_DISTRICTS);
        tw->at.number = 1 + (int)cr_rng_below(r, 800);
        tw->at.building = 1 + (int)cr_rng_below(r, 3);
        tw->capacity = 30 + (int)cr_rng_below(r, 71);
        if (tw->capacity > n / 50) /* small cities: a tower stays a small share of them */
            tw->capacity = (int)(n / 50);
        tw->offset = (int)cr_rng_below(r, 1200);
        g->tower_capacity += tw->capacity;
    }
    for (int k = 0; k < g->n_directors; k++) {
        struct director *dr = &g->directors[k];
        dr->group = 12 + (int)cr_rng_below(r, 29);
        dr->reps = 2 + (int)cr_rng_below(r, 4);
        g->group_firms += dr->group;
    }
    g->n_persons = g->tail_base = g->n_rings + g->n_directors;
    for (int k = 0; k < g->n_rings; k++)
        g->ring_rep[k] = k;
    return CR_OK;
}

int64_t cr__gen_director_person(const gen *g, int k)
{
    return g->n_rings + k;
}

/* Picks a tower with a free room (weighted by size) for e; 0 when the chosen one is full. */
static int take_tower(gen *g, struct ent *e, cr_rng *r)
{
    int64_t u = (int64_t)cr_rng_below(r, (uint64_t)g->tower_capacity);
    int t = 0;
    while (u >= g->towers[t].capacity)
        u -= g->towers[t++].capacity;
    struct tower *tw = &g->towers[t];
    if (tw->occupants >= tw->capacity)
        return 0;
    e->tower = t;
    e->room = tw->occupants++;
    e->flags |= F_TOWER;
    return 1;
}

/* Picks a director with a free seat (weighted by group size) for e; 0 when the group is full.
 * The first firms of a group are the subsidiaries the director represents. */
static int take_director(gen *g, struct ent *e, cr_rng *r)
{
    int64_t u = (int64_t)cr_rng_below(r, (uint64_t)g->group_firms);
    int k = 0;
    while (u >= g->directors[k].group)
        u -= g->directors[k++].group;
    struct director *dr = &g->directors[k];
    if (dr->taken >= dr->group)
        return 0;
    e->director = k;
    e->flags |= F_DIRECTOR | (dr->taken++ < dr->reps ? F_DIR_REP : 0);
    return 1;
}

/* Draws e's shell ring, address cluster (a ring's firms share one), office tower or director's
 * group, district and grid. Cluster and tower firms take their address's grid. */
static void place(gen *g, struct ent *e, cr_rng *r)
{
    e->cluster = e->ring = e->tower = e->director = -1;
    /* A quarter more draws than rooms and seats, so that towers and groups mostly fill up; a
     * firm drawn for a full one stays an ordinary firm. */
    double p_tower = 1.25 * (double)g->tower_capacity / (double)g->n,
           p_group = 1.25 * (double)g->group_firms / (double)g->n;
    double u = cr_rng_unit(r);
    if (u < P_RING) {
        e->ring = (int32_t)cr_rng_below(r, (uint64_t)g->n_rings);
        e->cluster = e->ring % g->n_clusters;
        e->flags |= F_RING | F_CLUSTER;
    } else if (u < P_RING + P_CLUSTER) {
        e->cluster = (int32_t)cr_rng_below(r, (uint64_t)g->n_clusters);
        e->flags |= F_CLUSTER;
    } else if (u < P_RING + P_CLUSTER + p_tower) {
        take_tower(g, e, r);
    } else if (u < P_RING + P_CLUSTER + p_tower + p_group) {
        take_director(g, e, r);
    }
    if (e->cluster >= 0) {
        e->district = (uint8_t)g->clusters[e->cluster].district;
        e->grid = g->clusters[e->cluster].grid;
    } else if (e->tower >= 0) {
        e->district = (uint8_t)g->towers[e->tower].at.district;
        e->grid = g->towers[e->tower].at.grid;
    } else {
        e->district = (uint8_t)pick_weighted(r, gen_district_weights, N_DISTRICTS);
        e->grid = pick_grid(g, r, e->district);
    }
}

/* Draws e's industry, type, age (span: days from 1995 to the period end) and capital, and the
 * flags the industry allows; returns the index of its section in gen_sections. */
static int profile(gen *g, struct ent *e, int32_t span, cr_rng *r)
{
    int sec_i;
    e->industry = industry_class(g, r, &sec_i);
    e->type = (uint8_t)pick_weighted(r, gen_type_weights, COUNT(gen_type_weights));
    /* Young firms dominate: ages drawn with a quadratic skew toward the period end. */
    double a = cr_rng_unit(r);
    e->est_day = g->period_end - 30 - (int32_t)(a * a * span);
    e->capital_fen = (int64_t)(1e6 * 100 * exp(1.4 * cr_rng_normal(r))) / 100 * 100;
    const struct cr_industry *in = cr_ref_industry(g->ref, (size_t)e->industry);
    int tech_industry = in->section == 'I' || in->section == 'M' ||
                        (in->section == 'C' && strtol(in->code, NULL, 10) >= 2600);
    if (tech_industry && cr_rng_unit(r) < 0.10)
        e->flags |= F_HIGHTECH;
    if ((in->section == 'F' || strncmp(in->code, "1492", 4) == 0) && cr_rng_unit(r) < 0.004)
        e->flags |= F_DIRECT;
    return sec_i;
}

/* Draws e's hidden propensity z from what the data will show (section, age, cluster, ring, high
 * tech, small capital) plus noise, and what follows from it: next year's inspection finding, and
 * whether the firm is revoked or cancelled within the period. */
static void propensity(gen *g, struct ent *e, int sec_i, cr_rng *r)
{
    double age_years = (g->period_end - e->est_day) / 365.25;
    double z = 0.9 * cr_rng_normal(r) + gen_sections[sec_i].risk + (age_years < 2 ? 0.3 : 0) +
               ((e->flags & F_CLUSTER) ? 0.7 : 0) + ((e->flags & F_RING) ? 1.3 : 0) +
               ((e->flags & F_HIGHTECH) ? -0.5 : 0) + (e->capital_fen < 100000000 ? 0.15 : 0);
    /* An interaction no additive model holds: young trading, real-estate and business-service
     * firms (sections F, K, L under 3 years) are riskier than their age and trade each say. */
    char sec = cr_ref_industry(g->ref, (size_t)e->industry)->section;
    if (age_years < 3 && (sec == 'F' || sec == 'K' || sec == 'L'))
        z += 1.2;
    e->z = (float)z;
    /* The second hidden factor, from a stream of its own (the other draws stay as they were). */
    cr_rng hr;
    cr_rng_seed(&hr, g->o->seed ^ 0x48494444454EULL ^ cr_mix64((uint64_t)(e - g->ents)));
    e->h = (float)(0.8 * cr_rng_normal(&hr));
    /* What next year's inspection would find: the same propensity (the second factor at next
     * year's weight) plus what no data shows. */
    double zn = z + gen_drift(g->o->start_year + g->o->years, g->o->start_year) * e->h;
    e->violation_next = cr_rng_unit(r) < sigmoid(-2.8 + 2.2 * (zn + 0.2 * cr_rng_normal(r)));
    e->end_day = INT32_MAX;
    if (cr_rng_unit(r) < sigmoid(-4.2 + 1.2 * z)) {
        e->status = ST_REVOKED;
    } else if (cr_rng_unit(r) < 0.03) {
        e->status = ST_CANCELLED;
    }
    if (e->status != ST_ACTIVE) {
        int32_t from = e->est_day > g->period_start ? e->est_day : g->period_start;
        if (from >= g->period_end)
            e->status = ST_ACTIVE;
        else
            e->end_day = from + (int32_t)cr_rng_below(r, (uint64_t)(g->period_end - from));
    }
    if (e->status == ST_CANCELLED)
        e->violation_next = 0; /* a deregistered firm is not inspected next year; a revoked
                                  one still is, and is usually found unreachable */
}

cr_err cr__gen_enterprises(gen *g)
{
    cr_rng r;
    cr_rng_seed(&r, g->o->seed ^ 0x454E54ULL);
    cr_err rc = clusters_and_rings(g, &r);
    if (rc)
        return rc;
    uint64_t serial_base = cr_rng_below(&r, 1000000);
    int32_t span = g->period_end - cr_days_from_civil(1995, 1, 1);
    for (int64_t i = 0; i < g->n; i++) {
        struct ent *e = &g->ents[i];
        place(g, e, &r);
        propensity(g, e, profile(g, e, span, &r), &r);
        char div6[7];
        memcpy(div6, cr_ref_division(g->ref, CR_DIV_DISTRICT, e->district)->code, 6);
        div6[6] = 0;
        if (cr_uscc_make('9', '1', div6, serial_base + (uint64_t)i, e->uscc))
            return CR_EINVAL;
    }
    return CR_OK;
}

/* ---- persons ---- */

/* A resident ID number that is unique per person index and has a valid check digit. */
void cr__gen_person_id(int64_t idx, char out[19])
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int64_t seq = idx % 1000, rest = idx / 1000;
    int32_t birth = cr_days_from_civil(1955, 1, 1) + (int32_t)(rest % 16000);
    const char *area = gen_id_areas[(rest / 16000) % COUNT(gen_id_areas)];
    int y, m, d;
    cr_civil_from_days(birth, &y, &m, &d);
    char s[19];
    snprintf(s, sizeof s, "%s%04d%02d%02d%03d", area, y, m, d, (int)seq);
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (s[i] - '0') * w[i];
    s[17] = "10X98765432"[sum % 11];
    s[18] = 0;
    memcpy(out, s, 19);
}

void cr__gen_person_name(int64_t idx, char *out, size_t cap)
{
    uint64_t h = cr_mix64((uint64_t)idx * 0x9E37ULL + 17);
    const char *s = gen_surnames[h % COUNT(gen_surnames)];
    const char *a = gen_given[(h >> 16) % COUNT(gen_given)];
    const char *b = (h >> 32) % 3 ? gen_given[(h >> 40) % COUNT(gen_given)] : "";
    snprintf(out, cap, "%s%s%s", s, a, b);
}

/* Picks an existing person with a heavy tail (a few hold many roles), or a new one.
 * The cube puts the most weight on the lowest indexes, and those below tail_base are reserved:
 * the shell rings' representatives and the group directors. A pick that lands there becomes a
 * new person instead. Were it kept, a ring's representative would also represent a hundred or
 * more random firms across the city (truth calls them unplanted, so a detector that finds the
 * ring would seem to flag them wrongly), and a director would gain roles beyond the planted
 * group; were it drawn again, the first persons above tail_base would collect those hundreds
 * instead, an unplanted 一人多企. A new person keeps the natural tail as it was: at most a few
 * dozen roles, fewer than ten as legal representative. */
int64_t cr__gen_pick_person(gen *g, cr_rng *r, double p_existing)
{
    if (g->n_persons > g->tail_base + 10 && cr_rng_unit(r) < p_existing) {
        double u = cr_rng_unit(r);
        int64_t idx = (int64_t)((double)g->n_persons * u * u * u);
        if (idx >= g->tail_base)
            return idx;
    }
    return g->n_persons++;
}

void cr__gen_load_centroids(gen *g)
{
    char path[600];
    snprintf(path, sizeof path, "%s/geo/guangzhou_districts.geojson", cr_ref_default_dir());
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    json_t *features = json_object_get(root, "features");
    for (size_t i = 0; i < json_array_size(features); i++) {
        json_t *props = json_object_get(json_array_get(features, i), "properties");
        json_t *c = json_object_get(props, "centroid");
        char code[16];
        snprintf(code, sizeof code, "%lld",
                 (long long)json_integer_value(json_object_get(props, "adcode")));
        for (int k = 0; k < N_DISTRICTS; k++)
            if (strcmp(cr_ref_division(g->ref, CR_DIV_DISTRICT, (size_t)k)->code, code) == 0) {
                g->centroid[k][0] = json_real_value(json_array_get(c, 0));
                g->centroid[k][1] = json_real_value(json_array_get(c, 1));
            }
    }
    json_decref(root);
}

void cr__gen_address(gen *g, const struct ent *e, cr_rng *r, char *out, size_t cap)
{
    const char *dname = cr_ref_division(g->ref, CR_DIV_DISTRICT, e->district)->name;
    const struct cr_division *grid = cr_ref_division(g->ref, CR_DIV_GRID, (size_t)e->grid);
    const struct cr_division *street = cr_ref_division(g->ref, CR_DIV_STREET, (size_t)grid->parent);
    int road, number, building, room;
    if (e->cluster >= 0) {
        const struct cluster *c = &g->clusters[e->cluster];
        road = c->road, number = c->number, building = c->building, room = 1201;
    } else if (e->tower >= 0) {
        /* The k-th occupant takes slot (k * 1097 + offset) mod 1200 of 40 floors (3..42) with
         * 30 units (02..31) each: distinct rooms for up to 1,200 firms, never a cluster's 1201. */
        const struct tower *t = &g->towers[e->tower];
        road = t->at.road, number = t->at.number, building = t->at.building;
        int slot = (int)(((int64_t)e->room * 1097 + t->offset) % 1200);
        room = (3 + slot / 30) * 100 + 2 + slot % 30;
    } else {
        road = (int)cr_rng_below(r, 6);
        number = 1 + (int)cr_rng_below(r, 800);
        building = (int)cr_rng_below(r, 4);
        room = (int)(101 + cr_rng_below(r, 20) * 100 + cr_rng_below(r, 30));
    }
    const char *prefix = cr_rng_unit(r) < 0.5   ? "广州市"
                         : cr_rng_unit(r) < 0.2 ? "广东省广州市"
                                                : "";
    char num[64], bld[32] = "", rm[64];
    snprintf(num, sizeof num, "%d号", number);
    if (building)
        snprintf(bld, sizeof bld, "%s%c%s", cr_rng_unit(r) < 0.5 ? "" : " ", 'A' + building - 1,
                 cr_rng_unit(r) < 0.5 ? "栋" : "座");
    snprintf(rm, sizeof rm, "%d%s", room, cr_rng_unit(r) < 0.5 ? "房" : "室");
    /* Spelling variants of one place: full-width digits, a street name, spaces. */
    char variant[128];
    snprintf(variant, sizeof variant, "%s%s%s", num, bld, rm);
    if (cr_rng_unit(r) < 0.15) {
        char fw[256];
        cr__gen_fullwidth(variant, fw, sizeof fw);
        snprintf(variant, sizeof variant, "%s", fw);
    }
    snprintf(out, cap, "%s%s%s%s%s", prefix, dname, cr_rng_unit(r) < 0.2 ? street->name : "",
             gen_roads[e->district][road], variant);
}
