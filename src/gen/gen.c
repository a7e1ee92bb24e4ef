#include "crisk/gen.h"

#include <jansson.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "crisk/hash.h"
#include "crisk/text.h"
#include "crisk/uscc.h"
#include "gen_tables.h"

#define N_DISTRICTS 11
#define MAX_COLS 16

/* ---- the city in memory ---- */

enum { F_CLUSTER = 1, F_RING = 2, F_HIGHTECH = 4, F_DIRECT = 8, F_REG_DIRTY = 16 };
enum { ST_ACTIVE, ST_REVOKED, ST_CANCELLED };

struct ent {
    char uscc[CR_USCC_LEN + 1];
    uint8_t district, status, type, flags;
    int32_t grid;     /* index into the ref's grids */
    int32_t industry; /* index into the ref's industries (a class) */
    int32_t est_day, end_day;
    int32_t cluster; /* cluster address, -1 none */
    int32_t ring;    /* shell ring, -1 none */
    int64_t capital_fen;
    float z; /* hidden propensity to violate */
    uint8_t violation_next;
};

struct cluster {
    int district, road, number, building;
};

struct dept {
    char name[160];
    int district; /* -1 city-level */
    int gb18030, crlf, bom, jsonl, date_fmt, amount_fmt, key_hdr;
    char delim;
};

struct topic {
    char code[16];
    char name[200];
    int dept;
    int kind; /* enum gen_kind, or -1 registry, -2 roles */
};

typedef struct gen {
    const struct cr_gen_opts *o;
    const cr_ref *ref;
    struct cr_gen_report *rep;
    cr_diag *d;
    struct ent *ents;
    int64_t n;
    struct cluster *clusters;
    int n_clusters;
    int64_t *ring_rep; /* person index of each ring's legal representative */
    int n_rings;
    int64_t n_persons;
    struct dept depts[160];
    int n_depts;
    struct topic *topics;
    int n_topics;
    int32_t *class_idx; /* industry classes (level 4) per section, flattened */
    int32_t sec_start[26], sec_len[26];
    int32_t street_grids[200][2];     /* per street: first grid, count */
    int32_t period_start, period_end; /* days, inclusive */
    double dirt;
    double centroid[N_DISTRICTS][2]; /* district centroids (lon, lat) from the GeoJSON */
} gen;

/* ---- output writers ---- */

struct writer {
    FILE *fp;
    char *buf;
    size_t len, cap;
    const struct dept *dp;
    const char *cols[MAX_COLS];
    int ncol;
    char path[600];
};

static cr_err w_flush(gen *g, struct writer *w)
{
    if (!w->len)
        return CR_OK;
    const char *p = w->buf;
    size_t n = w->len;
    char *conv = NULL;
    if (w->dp->gb18030) {
        if (cr_utf8_to_gb18030(w->buf, w->len, &conv, &n))
            return cr_diag_set(g->d, CR_EIO, w->path, 0, 0, "cannot encode GB18030");
        p = conv;
    }
    size_t wrote = fwrite(p, 1, n, w->fp);
    free(conv);
    g->rep->bytes += (int64_t)n;
    w->len = 0;
    if (wrote != n)
        return cr_diag_set(g->d, CR_EIO, w->path, 0, 0, "write failed: %s", strerror(errno));
    return CR_OK;
}

static void w_add(struct writer *w, const char *s, size_t n)
{
    if (w->len + n > w->cap)
        return; /* rows are bounded far below cap; see w_row */
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void w_str(struct writer *w, const char *s)
{
    w_add(w, s, strlen(s));
}

static cr_err w_open(gen *g, struct writer *w, const char *rel, const struct dept *dp,
                     const char *const *cols, int ncol)
{
    memset(w, 0, sizeof *w);
    snprintf(w->path, sizeof w->path, "%s/%s", g->o->out_dir, rel);
    w->fp = fopen(w->path, "wb");
    w->cap = 1 << 20;
    w->buf = malloc(w->cap + 8192);
    if (!w->fp || !w->buf)
        return cr_diag_set(g->d, CR_EIO, w->path, 0, 0, "cannot create: %s", strerror(errno));
    w->dp = dp;
    w->ncol = ncol;
    for (int i = 0; i < ncol; i++)
        w->cols[i] = cols[i];
    g->rep->files++;
    if (dp->bom && !dp->gb18030 && !dp->jsonl)
        w_str(w, "\xEF\xBB\xBF");
    if (!dp->jsonl) {
        for (int i = 0; i < ncol; i++) {
            if (i)
                w_add(w, &dp->delim, 1);
            w_str(w, cols[i]);
        }
        w_str(w, dp->crlf ? "\r\n" : "\n");
    }
    return CR_OK;
}

static cr_err w_close(gen *g, struct writer *w)
{
    cr_err rc = w->fp ? w_flush(g, w) : CR_OK;
    if (w->fp && fclose(w->fp) && !rc)
        rc = cr_diag_set(g->d, CR_EIO, w->path, 0, 0, "close failed");
    free(w->buf);
    w->fp = NULL;
    w->buf = NULL;
    return rc;
}

/* Dirt a row can get (docs/synthetic-city.md). */
enum dirt {
    D_NONE,
    D_DUP,
    D_FULLWIDTH,
    D_ALTDATE,
    D_BADCHECK,
    D_UNKNOWN,
    D_TRUNCATE,
    D_EMPTY,
    D_BADDATE,
    D_SPACES,
    D__N
};

/* Serialises one row of values (NULL = empty) and applies row-level dirt. */
static cr_err w_row(gen *g, struct writer *w, const char *const *vals, enum dirt dirt, cr_rng *r)
{
    char line[4096];
    size_t n = 0;
    const struct dept *dp = w->dp;
    if (dp->jsonl)
        line[n++] = '{';
    for (int i = 0; i < w->ncol; i++) {
        const char *v = vals[i] ? vals[i] : "";
        size_t vl = strlen(v);
        if (vl > 900)
            vl = 900;
        if (dp->jsonl) {
            n += (size_t)snprintf(line + n, sizeof line - n, "%s\"%s\":\"", i ? "," : "",
                                  w->cols[i]);
            for (size_t k = 0; k < vl && n < sizeof line - 8; k++) {
                if (v[k] == '"' || v[k] == '\\')
                    line[n++] = '\\';
                line[n++] = v[k];
            }
            line[n++] = '"';
            continue;
        }
        if (i)
            line[n++] = dp->delim;
        int quote = memchr(v, dp->delim, vl) || memchr(v, '"', vl) || memchr(v, '\n', vl);
        if (quote)
            line[n++] = '"';
        for (size_t k = 0; k < vl && n < sizeof line - 8; k++) {
            if (quote && v[k] == '"')
                line[n++] = '"';
            line[n++] = v[k];
        }
        if (quote)
            line[n++] = '"';
    }
    if (dp->jsonl)
        line[n++] = '}';
    if (dirt == D_TRUNCATE && n > 8) {
        /* A cut in the second half, on a character boundary, like a lost tail. */
        size_t cut = n / 2 + (size_t)cr_rng_below(r, n / 2);
        while (cut > 0 && ((unsigned char)line[cut] & 0xC0) == 0x80)
            cut--;
        n = cut;
    }
    const char *eol = dp->crlf ? "\r\n" : "\n";
    for (int copy = 0; copy < (dirt == D_DUP ? 2 : 1); copy++) {
        if (w->len + n + 2 > w->cap) {
            cr_err rc = w_flush(g, w);
            if (rc)
                return rc;
        }
        w_add(w, line, n);
        w_str(w, eol);
    }
    if (dirt != D_NONE)
        g->rep->dirty_rows++;
    return CR_OK;
}

/* Writes a row whose value-level dirt is already in vals; row-level dirt (duplicate,
 * truncation) is applied here. Counts the row as dirty either way. */
static cr_err w_row_dirt(gen *g, struct writer *w, const char *const *vals, enum dirt dirt,
                         cr_rng *r)
{
    int row_level = dirt == D_DUP || dirt == D_TRUNCATE;
    cr_err rc = w_row(g, w, vals, row_level ? dirt : D_NONE, r);
    if (!rc && dirt != D_NONE && !row_level)
        g->rep->dirty_rows++;
    return rc;
}

/* ---- value formatting ---- */

static void fmt_date(char *out, size_t cap, int32_t day, int form, cr_rng *r)
{
    int y, m, d;
    cr_civil_from_days(day, &y, &m, &d);
    switch (form) {
    case 1:
        snprintf(out, cap, "%d/%d/%d", y, m, d);
        break;
    case 2:
        snprintf(out, cap, "%04d%02d%02d", y, m, d);
        break;
    case 3:
        snprintf(out, cap, "%d年%d月%d日", y, m, d);
        break;
    case 4:
        snprintf(out, cap, "%04d.%02d.%02d", y, m, d);
        break;
    case 5:
        snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, (int)cr_rng_below(r, 10) + 8,
                 (int)cr_rng_below(r, 60), (int)cr_rng_below(r, 60));
        break;
    default:
        snprintf(out, cap, "%04d-%02d-%02d", y, m, d);
    }
}

static void fmt_amount(char *out, size_t cap, int64_t fen, int form)
{
    int64_t a = fen < 0 ? -fen : fen;
    const char *sign = fen < 0 ? "-" : "";
    int64_t yuan = a / 100, cents = a % 100;
    switch (form) {
    case 1: { /* thousands separators */
        char digits[32], grouped[48];
        int nd = snprintf(digits, sizeof digits, "%lld", (long long)yuan);
        size_t o = 0;
        for (int i = 0; i < nd; i++) {
            if (i && (nd - i) % 3 == 0)
                grouped[o++] = ',';
            grouped[o++] = digits[i];
        }
        grouped[o] = 0;
        snprintf(out, cap, "%s%s.%02lld", sign, grouped, (long long)cents);
        break;
    }
    case 2:
        snprintf(out, cap, "%s%lld.%02lld元", sign, (long long)yuan, (long long)cents);
        break;
    case 3: /* bare 万元 with six decimals, exact to the fen; the catalog declares the unit */
        snprintf(out, cap, "%s%lld.%06lld", sign, (long long)(a / 1000000),
                 (long long)(a % 1000000));
        break;
    default:
        snprintf(out, cap, "%s%lld.%02lld", sign, (long long)yuan, (long long)cents);
    }
}

/* Maps ASCII digits and letters to full-width forms. */
static void fullwidth(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 4 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
            unsigned cp = 0xFF01 + c - 0x21;
            out[o++] = (char)(0xE0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = 0;
}

static double sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

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

#define COUNT(a) ((int)(sizeof(a) / sizeof *(a)))
#define PICK(r, a) ((a)[cr_rng_below((r), (uint64_t)COUNT(a))])

/* ---- departments and topics ---- */

static const char *const key_headers[] = {"统一社会信用代码", "社会信用代码", "信用代码", "USCC",
                                          "统一代码"};

static void dept_props(struct dept *dp, cr_rng *r, int index)
{
    dp->gb18030 = cr_rng_unit(r) < 0.10;
    dp->crlf = cr_rng_unit(r) < 0.20;
    dp->bom = cr_rng_unit(r) < 0.15;
    dp->jsonl = index > 0 && cr_rng_unit(r) < 0.05;
    dp->date_fmt = (int)cr_rng_below(r, 6);
    dp->amount_fmt = (int)cr_rng_below(r, 4);
    dp->key_hdr = index == 0 ? 0 : (int)cr_rng_below(r, (uint64_t)COUNT(key_headers));
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

static cr_err build_catalog_tables(gen *g, cr_rng *r)
{
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
                /* Monthly kinds and rare ones get one topic; others one per name stem. */
                for (int s = 0; !rc && s < 3 && kd->topics[s]; s++) {
                    if (s > 0 && (kd->monthly || dd->kinds[j] >= K_CERTIFICATE))
                        break;
                    rc = add_topic(g, dept, dd->kinds[j], kd->topics[s]);
                }
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

static cr_err index_reference(gen *g)
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

static cr_err make_enterprises(gen *g)
{
    cr_rng r;
    cr_rng_seed(&r, g->o->seed ^ 0x454E54ULL);
    int64_t n = g->n;
    g->ents = calloc((size_t)n, sizeof *g->ents);
    g->n_clusters = (int)(n / 5000 > 3 ? n / 5000 : 3);
    g->n_rings = (int)(n / 2000 > 1 ? n / 2000 : 1);
    g->clusters = calloc((size_t)g->n_clusters, sizeof *g->clusters);
    g->ring_rep = calloc((size_t)g->n_rings, sizeof *g->ring_rep);
    if (!g->ents || !g->clusters || !g->ring_rep)
        return CR_ENOMEM;
    for (int c = 0; c < g->n_clusters; c++)
        g->clusters[c] = (struct cluster){pick_weighted(&r, gen_district_weights, N_DISTRICTS),
                                          (int)cr_rng_below(&r, 6), 1 + (int)cr_rng_below(&r, 400),
                                          (int)cr_rng_below(&r, 4)};
    /* Persons 0..n_rings-1 are the rings' legal representatives. */
    g->n_persons = g->n_rings;
    for (int k = 0; k < g->n_rings; k++)
        g->ring_rep[k] = k;
    uint64_t serial_base = cr_rng_below(&r, 1000000);
    int32_t span = g->period_end - cr_days_from_civil(1995, 1, 1);
    for (int64_t i = 0; i < n; i++) {
        struct ent *e = &g->ents[i];
        e->cluster = e->ring = -1;
        double u = cr_rng_unit(&r);
        if (u < 0.012) {
            e->ring = (int32_t)cr_rng_below(&r, (uint64_t)g->n_rings);
            e->cluster = e->ring % g->n_clusters;
            e->flags |= F_RING | F_CLUSTER;
        } else if (u < 0.042) {
            e->cluster = (int32_t)cr_rng_below(&r, (uint64_t)g->n_clusters);
            e->flags |= F_CLUSTER;
        }
        e->district =
            (uint8_t)(e->cluster >= 0 ? g->clusters[e->cluster].district
                                      : pick_weighted(&r, gen_district_weights, N_DISTRICTS));
        e->grid = pick_grid(g, &r, e->district);
        int sec_i;
        e->industry = industry_class(g, &r, &sec_i);
        e->type = (uint8_t)pick_weighted(&r, gen_type_weights, COUNT(gen_type_weights));
        /* Young firms dominate: ages drawn with a quadratic skew toward the period end. */
        double a = cr_rng_unit(&r);
        e->est_day = g->period_end - 30 - (int32_t)(a * a * span);
        e->capital_fen = (int64_t)(1e6 * 100 * exp(1.4 * cr_rng_normal(&r))) / 100 * 100;
        const struct cr_industry *in = cr_ref_industry(g->ref, (size_t)e->industry);
        int tech_industry = in->section == 'I' || in->section == 'M' ||
                            (in->section == 'C' && strtol(in->code, NULL, 10) >= 2600);
        if (tech_industry && cr_rng_unit(&r) < 0.10)
            e->flags |= F_HIGHTECH;
        if ((in->section == 'F' || strncmp(in->code, "1492", 4) == 0) && cr_rng_unit(&r) < 0.004)
            e->flags |= F_DIRECT;
        double age_years = (g->period_end - e->est_day) / 365.25;
        double z = 0.9 * cr_rng_normal(&r) + gen_sections[sec_i].risk + (age_years < 2 ? 0.3 : 0) +
                   ((e->flags & F_CLUSTER) ? 0.7 : 0) + ((e->flags & F_RING) ? 1.3 : 0) +
                   ((e->flags & F_HIGHTECH) ? -0.5 : 0) + (e->capital_fen < 100000000 ? 0.15 : 0);
        e->z = (float)z;
        /* What next year's inspection would find: the same propensity plus what no data shows. */
        e->violation_next = cr_rng_unit(&r) < sigmoid(-2.8 + 2.2 * (z + 0.2 * cr_rng_normal(&r)));
        e->end_day = INT32_MAX;
        if (cr_rng_unit(&r) < sigmoid(-4.2 + 1.2 * z)) {
            e->status = ST_REVOKED;
        } else if (cr_rng_unit(&r) < 0.03) {
            e->status = ST_CANCELLED;
        }
        if (e->status != ST_ACTIVE) {
            int32_t from = e->est_day > g->period_start ? e->est_day : g->period_start;
            if (from >= g->period_end)
                e->status = ST_ACTIVE;
            else
                e->end_day = from + (int32_t)cr_rng_below(&r, (uint64_t)(g->period_end - from));
        }
        if (e->status == ST_CANCELLED)
            e->violation_next = 0; /* a deregistered firm is not inspected next year; a revoked
                                      one still is, and is usually found unreachable */
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
static void person_id(int64_t idx, char out[19])
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

static void person_name(int64_t idx, char *out, size_t cap)
{
    uint64_t h = cr_mix64((uint64_t)idx * 0x9E37ULL + 17);
    const char *s = gen_surnames[h % COUNT(gen_surnames)];
    const char *a = gen_given[(h >> 16) % COUNT(gen_given)];
    const char *b = (h >> 32) % 3 ? gen_given[(h >> 40) % COUNT(gen_given)] : "";
    snprintf(out, cap, "%s%s%s", s, a, b);
}

/* Picks an existing person with a heavy tail (a few hold many roles), or a new one. */
static int64_t pick_person(gen *g, cr_rng *r, double p_existing)
{
    if (g->n_persons > 10 && cr_rng_unit(r) < p_existing) {
        double u = cr_rng_unit(r);
        return (int64_t)((double)g->n_persons * u * u * u);
    }
    return g->n_persons++;
}

/* ---- registry and roles ---- */

static void load_centroids(gen *g)
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

static void address(gen *g, const struct ent *e, cr_rng *r, char *out, size_t cap)
{
    const char *dname = cr_ref_division(g->ref, CR_DIV_DISTRICT, e->district)->name;
    const struct cr_division *grid = cr_ref_division(g->ref, CR_DIV_GRID, (size_t)e->grid);
    const struct cr_division *street = cr_ref_division(g->ref, CR_DIV_STREET, (size_t)grid->parent);
    int road, number, building, room;
    if (e->cluster >= 0) {
        const struct cluster *c = &g->clusters[e->cluster];
        road = c->road, number = c->number, building = c->building, room = 1201;
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
        fullwidth(variant, fw, sizeof fw);
        snprintf(variant, sizeof variant, "%s", fw);
    }
    snprintf(out, cap, "%s%s%s%s%s", prefix, dname, cr_rng_unit(r) < 0.2 ? street->name : "",
             gen_roads[e->district][road], variant);
}

static const char *const registry_cols[] = {
    "统一社会信用代码", "企业名称", "企业类型", "行业代码", "注册资本(万元)",
    "成立日期",         "登记状态", "住所",     "所属区",   "所属街道",
    "所属网格",         "经度",     "纬度"};

static enum dirt pick_dirt(gen *g, cr_rng *r, const enum dirt *allowed, int n)
{
    if (cr_rng_unit(r) >= g->dirt)
        return D_NONE;
    return allowed[cr_rng_below(r, (uint64_t)n)];
}

/* Applies key-level dirt to a USCC (into out). */
static void dirty_key(gen *g, const char *uscc, enum dirt dirt, cr_rng *r, char *out, size_t cap)
{
    switch (dirt) {
    case D_FULLWIDTH:
        fullwidth(uscc, out, cap);
        return;
    case D_BADCHECK: {
        snprintf(out, cap, "%s", uscc);
        out[17] = out[17] == '0' ? '1' : '0';
        return;
    }
    case D_UNKNOWN:
        /* Constant authority, kind and division: cannot fail; an empty key if it ever did. */
        if (cr_uscc_make('9', '1', "440106", 900000000ULL + cr_rng_below(r, 1000000), out))
            out[0] = 0;
        return;
    case D_EMPTY:
        out[0] = 0;
        return;
    case D_SPACES: {
        char low[CR_USCC_LEN + 1];
        for (int i = 0; i <= CR_USCC_LEN; i++)
            low[i] = (char)(uscc[i] >= 'A' && uscc[i] <= 'Z' ? uscc[i] + 32 : uscc[i]);
        snprintf(out, cap, " %s ", low);
        return;
    }
    default:
        snprintf(out, cap, "%s", uscc);
    }
    (void)g;
}

static const char *topic_rel(gen *g, const struct topic *t, int year, char *out, size_t cap)
{
    const struct dept *dp = &g->depts[t->dept];
    if (year)
        snprintf(out, cap, "feeds/D%03d/%s_%d.%s", t->dept + 1, t->code, year,
                 dp->jsonl ? "jsonl" : "csv");
    else
        snprintf(out, cap, "feeds/D%03d/%s.%s", t->dept + 1, t->code, dp->jsonl ? "jsonl" : "csv");
    return out;
}

static cr_err registry_pass(gen *g)
{
    cr_rng r;
    cr_rng_seed(&r, g->o->seed ^ 0x524547ULL);
    const struct topic *t = &g->topics[0];
    const struct dept *dp = &g->depts[t->dept];
    struct writer w;
    char rel[300];
    cr_err rc =
        w_open(g, &w, topic_rel(g, t, 0, rel, sizeof rel), dp, registry_cols, COUNT(registry_cols));
    static const enum dirt allowed[] = {D_DUP,   D_FULLWIDTH, D_BADCHECK,
                                        D_EMPTY, D_TRUNCATE,  D_SPACES};
    static const char *const status[] = {"在营（开业）企业", "吊销，未注销", "注销"};
    for (int64_t i = 0; !rc && i < g->n; i++) {
        struct ent *e = &g->ents[i];
        if (e->est_day > g->period_end)
            continue;
        enum dirt dirt = pick_dirt(g, &r, allowed, COUNT(allowed));
        char key[80], name[200], ind[16], cap_s[48], est[48], addr[300], lon[32], lat[32];
        dirty_key(g, e->uscc, dirt == D_EMPTY ? D_NONE : dirt, &r, key, sizeof key);
        const struct cr_industry *in = cr_ref_industry(g->ref, (size_t)e->industry);
        snprintf(name, sizeof name, "广州%s%s%s有限公司", PICK(&r, gen_trade), PICK(&r, gen_trade),
                 in->name);
        if (dirt == D_EMPTY)
            name[0] = 0;
        snprintf(ind, sizeof ind, "%s%s", cr_rng_unit(&r) < 0.5 ? (char[]){in->section, 0} : "",
                 in->code);
        fmt_amount(cap_s, sizeof cap_s, e->capital_fen, 3);
        fmt_date(est, sizeof est, e->est_day, dp->date_fmt, &r);
        address(g, e, &r, addr, sizeof addr);
        const struct cr_division *grid = cr_ref_division(g->ref, CR_DIV_GRID, (size_t)e->grid);
        const struct cr_division *street =
            cr_ref_division(g->ref, CR_DIV_STREET, (size_t)grid->parent);
        const char *dcode = cr_ref_division(g->ref, CR_DIV_DISTRICT, e->district)->code;
        snprintf(lon, sizeof lon, "%.6f", g->centroid[e->district][0] + 0.05 * cr_rng_normal(&r));
        snprintf(lat, sizeof lat, "%.6f", g->centroid[e->district][1] + 0.04 * cr_rng_normal(&r));
        int has_geo = g->centroid[e->district][0] != 0;
        const char *vals[] = {key,
                              name,
                              gen_types[e->type],
                              ind,
                              cap_s,
                              est,
                              status[e->status],
                              addr,
                              dcode,
                              street->code,
                              grid->code,
                              has_geo ? lon : NULL,
                              has_geo ? lat : NULL};
        if (dirt == D_BADCHECK || dirt == D_EMPTY || dirt == D_TRUNCATE)
            e->flags |= F_REG_DIRTY;
        rc = w_row_dirt(g, &w, vals, dirt, &r);
    }
    cr_err rc2 = w_close(g, &w);
    return rc ? rc : rc2;
}

static const char *const roles_cols[] = {"统一社会信用代码", "证件号码", "姓名", "职务",
                                         "任职日期"};

static cr_err roles_pass(gen *g)
{
    cr_rng r;
    cr_rng_seed(&r, g->o->seed ^ 0x524F4CULL);
    const struct topic *t = &g->topics[1];
    const struct dept *dp = &g->depts[t->dept];
    struct writer w;
    char rel[300];
    cr_err rc =
        w_open(g, &w, topic_rel(g, t, 0, rel, sizeof rel), dp, roles_cols, COUNT(roles_cols));
    int64_t n_agents = g->n / 400 > 2 ? g->n / 400 : 2;
    int64_t agent_base = g->n_persons;
    g->n_persons += n_agents;
    static const enum dirt allowed[] = {D_DUP, D_BADCHECK, D_TRUNCATE, D_FULLWIDTH};
    for (int64_t i = 0; !rc && i < g->n; i++) {
        const struct ent *e = &g->ents[i];
        if (e->est_day > g->period_end)
            continue;
        int64_t people[8]; /* legal rep, up to 3 shareholders, manager, liaison, agent */
        const char *roles[8];
        int np = 0;
        int64_t rep = e->ring >= 0 ? g->ring_rep[e->ring] : pick_person(g, &r, 0.08);
        people[np] = rep, roles[np++] = gen_roles[0];
        int sh = 1 + (int)cr_rng_below(&r, 3);
        for (int k = 0; k < sh; k++) {
            people[np] = k == 0 && cr_rng_unit(&r) < 0.6 ? rep : pick_person(g, &r, 0.15);
            roles[np++] = gen_roles[1];
        }
        people[np] = cr_rng_unit(&r) < 0.5 ? rep : pick_person(g, &r, 0.05);
        roles[np++] = gen_roles[2];
        people[np] = cr_rng_unit(&r) < 0.4 ? rep : pick_person(g, &r, 0.05);
        roles[np++] = gen_roles[3];
        if (cr_rng_unit(&r) < 0.3) {
            double u = cr_rng_unit(&r);
            people[np] = agent_base + (int64_t)((double)n_agents * u * u);
            roles[np++] = gen_roles[4];
        }
        for (int k = 0; !rc && k < np; k++) {
            enum dirt dirt = pick_dirt(g, &r, allowed, COUNT(allowed));
            char id[19], idv[80], nm[40], date[48], key[80];
            person_id(people[k], id);
            snprintf(idv, sizeof idv, "%s", id);
            if (dirt == D_BADCHECK)
                idv[17] = idv[17] == '0' ? '1' : '0';
            else if (dirt == D_FULLWIDTH)
                fullwidth(id, idv, sizeof idv);
            person_name(people[k], nm, sizeof nm);
            fmt_date(date, sizeof date, e->est_day, dp->date_fmt, &r);
            dirty_key(g, e->uscc, D_NONE, &r, key, sizeof key);
            const char *vals[] = {key, idv, nm, roles[k], date};
            rc = w_row_dirt(g, &w, vals, dirt, &r);
            g->rep->roles++;
        }
    }
    cr_err rc2 = w_close(g, &w);
    return rc ? rc : rc2;
}

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
    cols[n++] = key_headers[g->depts[t->dept].key_hdr];
    cols[n++] = kd->date_col;
    if (kd->amount_col)
        cols[n++] = kd->amount_col;
    for (int a = 0; a < 3 && kd->attrs[a]; a++)
        cols[n++] = kd->attrs[a];
    return n;
}

static const char *year_rel(gen *g, const struct kind_pass *kp, int ti, int y, char *out,
                            size_t cap)
{
    return topic_rel(g, &g->topics[kp->topic[ti]], kp->years ? g->o->start_year + y : 0, out, cap);
}

static cr_err open_kind(gen *g, struct kind_pass *kp)
{
    for (int i = 0; i < g->n_topics; i++)
        if (g->topics[i].kind == kp->kind)
            kp->n_topics++;
    kp->years = gen_kinds[kp->kind].monthly ? g->o->years : 0;
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
            cr_err rc =
                w_open(g, w, year_rel(g, kp, ti, y, rel, sizeof rel), &g->depts[t->dept], cols, nc);
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
        cr_err r2 = kp->w[i].buf ? w_close(g, &kp->w[i]) : CR_OK;
        if (!rc)
            rc = r2;
    }
    free(kp->w);
    free(kp->topic);
    for (int d = 0; d < N_DISTRICTS; d++)
        free(kp->cand[d]);
    return rc;
}

/* Fills the attribute values of one event (into buffers of 128 bytes each). */
static void event_attrs(gen *g, const struct ent *e, int kind, const struct topic *t, int32_t day,
                        cr_rng *r, char vals[3][128])
{
    int y, m, d;
    cr_civil_from_days(day, &y, &m, &d);
    const char *dname = cr_ref_division(g->ref, CR_DIV_DISTRICT, e->district)->name;
    switch (kind) {
    case K_PENALTY:
        snprintf(vals[0], 128, "穗%.6s罚〔%d〕%d号", dname, y, (int)cr_rng_below(r, 9000) + 100);
        snprintf(vals[1], 128, "%s",
                 gen_penalty_kinds[cr_rng_unit(r) < 0.6 ? 1 : cr_rng_below(r, 5)]);
        snprintf(vals[2], 128, "%s", PICK(r, gen_violations));
        break;
    case K_INSPECTION: {
        snprintf(vals[0], 128, "%s", cr_rng_unit(r) < 0.6 ? "抽查" : "检查");
        int bad = cr_rng_unit(r) < sigmoid(-1.6 + 1.2 * e->z);
        snprintf(vals[1], 128, "%s",
                 bad ? gen_inspect_results[1 + cr_rng_below(r, 5)]
                     : gen_inspect_results[cr_rng_unit(r) < 0.9 ? 0 : 6]);
        snprintf(vals[2], 128, "%s", g->depts[t->dept].name);
        break;
    }
    case K_LICENCE:
        snprintf(vals[0], 128, "XK%s%08llu", e->uscc + 2,
                 (unsigned long long)cr_rng_below(r, 100000000));
        snprintf(vals[1], 128, "%s", t->name);
        break;
    case K_COMPLAINT:
        snprintf(vals[0], 128, "%s", PICK(r, gen_complaints));
        snprintf(vals[1], 128, "%s", cr_rng_unit(r) < 0.7 ? "已办结" : "调解成功");
        break;
    case K_CREDIT_GOOD: {
        static const char *const h[] = {"纳税信用A级纳税人", "守合同重信用企业", "AEO高级认证企业",
                                        "诚信经营示范单位"};
        snprintf(vals[0], 128, "%s", PICK(r, h));
        break;
    }
    case K_COMMITMENT: {
        static const char *const c[] = {"告知承诺", "主动型承诺", "信用修复承诺"};
        snprintf(vals[0], 128, "%s", PICK(r, c));
        break;
    }
    case K_FILING:
        snprintf(vals[0], 128, "%s", t->name);
        break;
    case K_TAX_ARREARS: {
        static const char *const tx[] = {"增值税", "企业所得税", "城市维护建设税", "印花税"};
        snprintf(vals[0], 128, "%s", PICK(r, tx));
        break;
    }
    case K_SOCIAL_ARREARS: {
        static const char *const ins[] = {"养老保险", "医疗保险", "失业保险", "工伤保险",
                                          "住房公积金"};
        snprintf(vals[0], 128, "%s", PICK(r, ins));
        break;
    }
    case K_JUDGMENT:
    case K_DISHONEST: {
        static const char *const causes[] = {"买卖合同纠纷", "劳动争议", "民间借贷纠纷",
                                             "租赁合同纠纷", "服务合同纠纷"};
        snprintf(vals[0], 128, "（%d）粤%.4s民初%d号", y,
                 cr_ref_division(g->ref, CR_DIV_DISTRICT, e->district)->code + 2,
                 (int)cr_rng_below(r, 40000) + 1);
        if (kind == K_JUDGMENT) {
            snprintf(vals[1], 128, "%s", PICK(r, causes));
            snprintf(vals[2], 128, "%s",
                     cr_rng_unit(r) < sigmoid(0.6 + 0.8 * e->z) ? "被告" : "原告");
        } else {
            snprintf(vals[1], 128, "有履行能力而拒不履行生效法律文书确定义务");
        }
        break;
    }
    case K_SERIOUS: {
        static const char *const why[] = {"列入经营异常名录届满3年仍未履行相关义务",
                                          "因食品安全违法行为受到较重行政处罚",
                                          "因虚假宣传等违法行为受到较重行政处罚"};
        snprintf(vals[0], 128, "%s", PICK(r, why));
        snprintf(vals[1], 128, "%s", g->depts[t->dept].name);
        break;
    }
    case K_ABNORMAL:
        snprintf(vals[0], 128, "%s", PICK(r, gen_abnormal_reasons));
        snprintf(vals[1], 128, "%s", g->depts[t->dept].name);
        break;
    case K_ANNUAL_REPORT:
        snprintf(vals[0], 128, "%d", y - 1);
        snprintf(vals[1], 128, "%d", (int)(3 + 40 * cr_rng_unit(r) * cr_rng_unit(r)));
        break;
    case K_CHANGE:
        snprintf(vals[0], 128, "%s", PICK(r, gen_change_items));
        break;
    case K_QUALITY_FAIL: {
        static const char *const items[] = {"标签标识", "菌落总数", "甲醛含量", "电气强度",
                                            "色牢度"};
        snprintf(vals[0], 128, "%s", cr_ref_industry(g->ref, (size_t)e->industry)->name);
        snprintf(vals[1], 128, "%s", PICK(r, items));
        break;
    }
    case K_CERTIFICATE:
        snprintf(vals[0], 128, "GR%d44%06d", y, (int)cr_rng_below(r, 1000000));
        snprintf(vals[1], 128, "高新技术企业");
        break;
    case K_DIRECT_SELLING: {
        static const char *const cat[] = {"保健食品", "化妆品", "保洁用品", "小型厨具"};
        snprintf(vals[0], 128, "直销%d%04d", y, (int)cr_rng_below(r, 10000));
        snprintf(vals[1], 128, "%s", PICK(r, cat));
        break;
    }
    case K_TAX_FILING:
    case K_SOCIAL_PAYMENT:
    case K_UTILITY: {
        int pm = m == 1 ? 12 : m - 1, py = m == 1 ? y - 1 : y;
        snprintf(vals[0], 128, "%04d-%02d", py, pm);
        if (kind == K_SOCIAL_PAYMENT)
            snprintf(vals[1], 128, "%d", (int)(2 + 30 * cr_rng_unit(r) * cr_rng_unit(r)));
        else if (kind == K_UTILITY)
            snprintf(vals[1], 128, "%d", (int)(200 + 20000 * cr_rng_unit(r) * cr_rng_unit(r)));
        break;
    }
    default:
        break;
    }
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
    enum dirt dirt = pick_dirt(g, r, allowed, COUNT(allowed));
    char key[80], date[48], amount[48], attrs[3][128] = {"", "", ""};
    dirty_key(g, e->uscc, dirt == D_EMPTY && cr_rng_unit(r) < 0.5 ? D_EMPTY : dirt, r, key,
              sizeof key);
    fmt_date(date, sizeof date, day,
             dirt == D_ALTDATE ? (dp->date_fmt + 1 + (int)cr_rng_below(r, 5)) % 6 : dp->date_fmt,
             r);
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
        if (kind == K_TAX_FILING && cr_rng_unit(r) < 0.01)
            fen = -fen / 10; /* a red-letter correction */
        fmt_amount(amount, sizeof amount, fen, dp->amount_fmt);
    }
    event_attrs(g, e, kind, t, day, r, attrs);
    const char *vals[MAX_COLS];
    int n = 0;
    vals[n++] = key;
    vals[n++] = date;
    if (kd->amount_col)
        vals[n++] = amount;
    for (int a = 0; a < 3 && kd->attrs[a]; a++)
        vals[n++] = attrs[a];
    g->rep->event_rows += dirt == D_DUP ? 2 : 1;
    return w_row_dirt(g, w, vals, dirt, r);
}

/* Generates one enterprise's events of the pass's kind. */
static cr_err events_of(gen *g, struct kind_pass *kp, const struct ent *e, cr_rng *r)
{
    const struct gen_kind_def *kd = &gen_kinds[kp->kind];
    int32_t from = e->est_day > g->period_start ? e->est_day : g->period_start;
    int32_t to = e->end_day < g->period_end ? e->end_day : g->period_end;
    if (from > to)
        return CR_OK;
    cr_err rc = CR_OK;
    double z = e->z;
    if (kd->monthly) {
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
        double miss = sigmoid(-3.2 + 1.6 * z);
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
    if (kp->kind == K_ANNUAL_REPORT) {
        for (int y = g->o->start_year; !rc && y < g->o->start_year + g->o->years; y++) {
            int32_t jun30 = cr_days_from_civil(y, 6, 30);
            if (e->est_day >= cr_days_from_civil(y, 1, 1) || e->end_day < jun30)
                continue;
            double logit = log(kd->rate / (1 - kd->rate));
            if (cr_rng_unit(r) >= sigmoid(logit + kd->beta * z))
                continue;
            int late = cr_rng_unit(r) < sigmoid(-2.5 + 0.8 * z);
            int32_t day = late ? jun30 + 1 + (int32_t)cr_rng_below(r, 150)
                               : cr_days_from_civil(y, 1, 1) + (int32_t)cr_rng_below(r, 180);
            rc = write_event(g, kp, e, day, r);
        }
        return rc;
    }
    if (kp->kind == K_CERTIFICATE || kp->kind == K_DIRECT_SELLING) {
        int flag = kp->kind == K_CERTIFICATE ? F_HIGHTECH : F_DIRECT;
        if (e->flags & flag)
            rc = write_event(g, kp, e, from + (int32_t)cr_rng_below(r, (uint64_t)(to - from + 1)),
                             r);
        return rc;
    }
    double years = (to - from + 1) / 365.25;
    double lambda = kd->rate * years * exp(kd->beta * z - 0.5 * kd->beta * kd->beta);
    uint32_t k = cr_rng_poisson(r, lambda);
    for (uint32_t i = 0; !rc && i < k; i++)
        rc = write_event(g, kp, e, from + (int32_t)cr_rng_below(r, (uint64_t)(to - from + 1)), r);
    return rc;
}

static cr_err event_passes(gen *g)
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

/* ---- catalog and truth ---- */

static void yq(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', fp);
        if (*p == '\t')
            fputs("\\t", fp);
        else
            fputc(*p, fp);
    }
    fputc('"', fp);
}

static void topic_format(FILE *fp, const struct dept *dp)
{
    fprintf(fp, "    format: %s\n    encoding: %s\n", dp->jsonl ? "jsonl" : "csv",
            dp->gb18030 ? "gb18030" : "utf-8");
    if (!dp->jsonl) {
        char delim[2] = {dp->delim, 0};
        fputs("    delimiter: ", fp);
        yq(fp, delim);
        fputc('\n', fp);
    }
}

static cr_err write_catalog(gen *g)
{
    char path[600];
    snprintf(path, sizeof path, "%s/catalog.yaml", g->o->out_dir);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot create: %s", strerror(errno));
    fprintf(fp,
            "# Written by crisk gen (seed %llu, %lld enterprises). Describes every feed of the\n"
            "# synthetic city; docs/catalog.md explains the format.\n"
            "catalog: gz-synthetic-%llu\n"
            "description: 合成广州市企业信用数据（%d个部门、%d个信息资源主题）\n"
            "departments:\n",
            (unsigned long long)g->o->seed, (long long)g->n, (unsigned long long)g->o->seed,
            g->n_depts, g->n_topics);
    for (int i = 0; i < g->n_depts; i++) {
        fprintf(fp, "  - code: D%03d\n    name: ", i + 1);
        yq(fp, g->depts[i].name);
        fputc('\n', fp);
    }
    fputs("topics:\n", fp);
    for (int i = 0; i < g->n_topics; i++) {
        const struct topic *t = &g->topics[i];
        const struct dept *dp = &g->depts[t->dept];
        const char *kind = t->kind == -1   ? "registry"
                           : t->kind == -2 ? "roles"
                                           : gen_kinds[t->kind].kind;
        fprintf(fp, "  - code: %s\n    name: ", t->code);
        yq(fp, t->name);
        fprintf(fp, "\n    department: D%03d\n    kind: %s\n", t->dept + 1, kind);
        char rel[300];
        int monthly = t->kind >= 0 && gen_kinds[t->kind].monthly;
        if (monthly) {
            snprintf(rel, sizeof rel, "feeds/D%03d/%s_*.%s", t->dept + 1, t->code,
                     dp->jsonl ? "jsonl" : "csv");
        } else {
            topic_rel(g, t, 0, rel, sizeof rel);
        }
        fputs("    files: [", fp);
        yq(fp, rel);
        fputs("]\n", fp);
        topic_format(fp, dp);
        fputs("    key: {column: ", fp);
        yq(fp, t->kind < 0 ? "统一社会信用代码" : key_headers[dp->key_hdr]);
        fputs(", type: uscc}\n    fields:\n", fp);
        if (t->kind == -1) {
            static const char *const f[] = {"name",        "type",   "industry", NULL,
                                            "established", "status", "address",  "district",
                                            "street",      "grid",   "lon",      "lat"};
            for (int c = 0; c < COUNT(f); c++) {
                if (!f[c]) {
                    fputs("      capital: {column: ", fp);
                    yq(fp, registry_cols[c + 1]);
                    fputs(", unit: 万元}\n", fp);
                    continue;
                }
                fprintf(fp, "      %s: ", f[c]);
                yq(fp, registry_cols[c + 1]);
                fputc('\n', fp);
            }
            fputs("    required: [name]\n", fp);
        } else if (t->kind == -2) {
            static const char *const f[] = {"person_id", "person_name", "role", "date"};
            for (int c = 0; c < 4; c++) {
                fprintf(fp, "      %s: ", f[c]);
                yq(fp, roles_cols[c + 1]);
                fputc('\n', fp);
            }
        } else {
            const struct gen_kind_def *kd = &gen_kinds[t->kind];
            fputs("      date: ", fp);
            yq(fp, kd->date_col);
            fputc('\n', fp);
            if (kd->amount_col) {
                fputs("      amount: {column: ", fp);
                yq(fp, kd->amount_col);
                fprintf(fp, ", unit: %s}\n", dp->amount_fmt == 3 ? "万元" : "元");
            }
            if (kd->attrs[0]) {
                fputs("    attrs: [", fp);
                for (int a = 0; a < 3 && kd->attrs[a]; a++) {
                    if (a)
                        fputs(", ", fp);
                    yq(fp, kd->attrs[a]);
                }
                fputs("]\n", fp);
            }
        }
    }
    if (fclose(fp))
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "write failed");
    return CR_OK;
}

static cr_err write_truth(gen *g)
{
    char path[600];
    snprintf(path, sizeof path, "%s/truth.csv", g->o->out_dir);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot create: %s", strerror(errno));
    fputs("uscc,violation_next,propensity,status,shell_ring,cluster_address,high_tech,"
          "direct_selling,registry_dirty\n",
          fp);
    int64_t viol = 0, counted = 0;
    for (int64_t i = 0; i < g->n; i++) {
        const struct ent *e = &g->ents[i];
        if (e->est_day > g->period_end)
            continue;
        counted++;
        viol += e->violation_next;
        fprintf(fp, "%s,%d,%.4f,%d,%d,%d,%d,%d,%d\n", e->uscc, e->violation_next, (double)e->z,
                e->status, !!(e->flags & F_RING), !!(e->flags & F_CLUSTER),
                !!(e->flags & F_HIGHTECH), !!(e->flags & F_DIRECT), !!(e->flags & F_REG_DIRTY));
    }
    g->rep->violation_rate = counted ? (double)viol / (double)counted : 0;
    if (fclose(fp))
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "write failed");
    return CR_OK;
}

static cr_err make_dirs(gen *g)
{
    char path[600];
    snprintf(path, sizeof path, "%s", g->o->out_dir);
    if (mkdir(path, 0777) && errno != EEXIST)
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot create folder: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/feeds", g->o->out_dir);
    if (mkdir(path, 0777) && errno != EEXIST)
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot create folder: %s", strerror(errno));
    for (int i = 0; i < g->n_depts; i++) {
        snprintf(path, sizeof path, "%s/feeds/D%03d", g->o->out_dir, i + 1);
        if (mkdir(path, 0777) && errno != EEXIST)
            return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot create folder: %s",
                               strerror(errno));
    }
    return CR_OK;
}

cr_err cr_gen_city(const struct cr_gen_opts *opts, const cr_ref *ref, struct cr_gen_report *rep,
                   cr_diag *d)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(rep, 0, sizeof *rep);
    if (!opts->out_dir || opts->enterprises <= 0 || opts->enterprises > 100000000 ||
        opts->dirt < 0 || opts->dirt > 1 || cr_ref_count(ref, CR_DIV_DISTRICT) != N_DISTRICTS)
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "gen needs an output folder, 1..1e8 enterprises and a dirt share 0..1");
    struct cr_gen_opts o = *opts;
    if (!o.start_year)
        o.start_year = 2023;
    if (o.years <= 0)
        o.years = 3;
    gen g = {.o = &o, .ref = ref, .rep = rep, .d = d, .n = o.enterprises, .dirt = o.dirt};
    g.period_start = cr_days_from_civil(o.start_year, 1, 1);
    g.period_end = cr_days_from_civil(o.start_year + o.years, 1, 1) - 1;
    /* Hundreds of topic files of one kind are open at once. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    cr_rng r;
    cr_rng_seed(&r, o.seed ^ 0x444550ULL);
    load_centroids(&g);
    cr_err rc = build_catalog_tables(&g, &r);
    if (!rc)
        rc = index_reference(&g);
    if (!rc)
        rc = make_dirs(&g);
    if (!rc)
        rc = make_enterprises(&g);
    if (!rc)
        rc = registry_pass(&g);
    if (!rc)
        rc = roles_pass(&g);
    if (!rc)
        rc = event_passes(&g);
    if (!rc)
        rc = write_catalog(&g);
    if (!rc)
        rc = write_truth(&g);
    rep->departments = g.n_depts;
    rep->topics = g.n_topics;
    rep->persons = g.n_persons;
    for (int64_t i = 0; i < g.n; i++)
        rep->enterprises += g.ents && g.ents[i].est_day <= g.period_end;
    free(g.ents);
    free(g.clusters);
    free(g.ring_rep);
    free(g.topics);
    free(g.class_idx);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rep->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}
