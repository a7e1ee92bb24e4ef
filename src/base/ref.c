#include "crisk/ref.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#ifndef CRISK_DATA_DIR
#define CRISK_DATA_DIR "data"
#endif

struct cr_ref {
    struct cr_division *div[4]; /* indexed by level */
    struct cr_division *county; /* every county-level division of China, by code */
    struct cr_division *extra;  /* streets and grids of other cities, from catalogs' files */
    size_t n_extra;
    size_t n_sorted; /* the first n_sorted rows of extra are in code order */
    size_t n_county;
    char (*province)[8]; /* province codes (2 digits) and city codes (4), to check counties */
    size_t n_province;
    char (*city)[8];
    size_t n_city;
    size_t n_div[4];
    struct cr_industry *ind;
    size_t n_ind;
    const struct cr_industry **ind_sorted;    /* by code, for binary search on the ingest path */
    const struct cr_division **div_sorted[4]; /* by code, likewise */
};

const char *cr_ref_default_dir(void)
{
    const char *e = getenv("CRISK_DATA");
    return e && *e ? e : CRISK_DATA_DIR;
}

/* Reference files are CSV (RFC 4180, one record a line): a field may be quoted ("东城区", as
 * the national division files are, or "南头,街道" with a comma of its own), a quote inside a
 * quoted field written twice. Splits line in place; -1 when it is not such a line (a stray or
 * unclosed quote, more than max fields). */
static int split(char *line, char **f, int max)
{
    int n = 0;
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return -1;
        if (*p == '"') {
            char *w = p, *r = p + 1;
            f[n++] = w;
            for (;; r++) {
                if (!*r)
                    return -1; /* unclosed */
                if (*r == '"') {
                    if (r[1] != '"')
                        break;
                    r++;
                }
                *w++ = *r;
            }
            r++; /* past the closing quote */
            if (*r && *r != ',')
                return -1;
            *w = 0;
            if (!*r)
                break;
            p = r + 1;
            continue;
        }
        char *c = strchr(p, ',');
        if (c)
            *c = 0;
        if (strchr(p, '"'))
            return -1;
        f[n++] = p;
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

typedef cr_err (*row_fn)(cr_ref *ref, char **f, int n, const char *path, long line, cr_diag *d);

static cr_err read_csv_path(cr_ref *ref, const char *path, int ncol, row_fn fn, cr_diag *d)
{
    FILE *fp = fopen(path, "r");
    /* A folder or file that is not there is a wrong --data or catalog, bad input (exit 3). */
    if (!fp)
        return cr_diag_set(d, errno == ENOENT || errno == ENOTDIR ? CR_ENOTFOUND : CR_EIO, path, 0,
                           0, "cannot open reference file: %s", strerror(errno));
    char buf[1024];
    long line = 0;
    cr_err rc = CR_OK;
    while (fgets(buf, sizeof buf, fp)) {
        line++;
        if (line == 1)
            continue; /* header */
        char *f[8];
        int n = split(buf, f, 8);
        if (n != ncol) {
            rc = cr_diag_set(d, CR_EPARSE, path, line, 0, "expected %d columns", ncol);
            break;
        }
        rc = fn(ref, f, n, path, line, d);
        if (rc)
            break;
    }
    if (!rc && ferror(fp))
        rc = cr_diag_set(d, CR_EIO, path, line, 0, "cannot read reference file");
    fclose(fp);
    return rc;
}

static cr_err read_csv(cr_ref *ref, const char *dir, const char *name, int ncol, row_fn fn,
                       cr_diag *d)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return read_csv_path(ref, path, ncol, fn, d);
}

static cr_err push_div(cr_ref *ref, int level, const char *code, const char *name, int parent)
{
    size_t n = ref->n_div[level];
    if ((n & (n - 1)) == 0) {
        void *p = realloc(ref->div[level], (n ? n * 2 : 16) * sizeof *ref->div[level]);
        if (!p)
            return CR_ENOMEM;
        ref->div[level] = p;
    }
    struct cr_division *v = &ref->div[level][n];
    snprintf(v->code, sizeof v->code, "%s", code);
    snprintf(v->name, sizeof v->name, "%s", name);
    utf8proc_int32_t first = -1;
    utf8proc_iterate((const utf8proc_uint8_t *)v->name, -1, &first);
    v->first = first > 0 ? (uint32_t)first : 0; /* 0: an invalid name, which matches nothing */
    v->level = level;
    v->parent = parent;
    ref->n_div[level] = n + 1;
    return CR_OK;
}

static int find_index(const cr_ref *ref, int level, const char *code)
{
    for (size_t i = 0; i < ref->n_div[level]; i++)
        if (strcmp(ref->div[level][i].code, code) == 0)
            return (int)i;
    return -1;
}

static cr_err check_code(const char *code, size_t want, const char *path, long line, cr_diag *d)
{
    if (strlen(code) != want || strspn(code, "0123456789") != want)
        return cr_diag_set(d, CR_EPARSE, path, line, 1, "code '%s' is not %zu digits", code, want);
    return CR_OK;
}

static cr_err district_row(cr_ref *ref, char **f, int n, const char *path, long line, cr_diag *d)
{
    (void)n;
    cr_err rc = check_code(f[0], 6, path, line, d);
    if (rc)
        return rc;
    if (find_index(ref, CR_DIV_DISTRICT, f[0]) >= 0)
        return cr_diag_set(d, CR_EPARSE, path, line, 1, "duplicate code %s", f[0]);
    return push_div(ref, CR_DIV_DISTRICT, f[0], f[1], -1);
}

static cr_err child_row(cr_ref *ref, int level, size_t len, char **f, const char *path, long line,
                        cr_diag *d)
{
    cr_err rc = check_code(f[0], len, path, line, d);
    if (rc)
        return rc;
    int parent = find_index(ref, level - 1, f[2]);
    if (parent < 0)
        return cr_diag_set(d, CR_EPARSE, path, line, 3, "unknown parent code %s", f[2]);
    if (strncmp(f[0], f[2], strlen(f[2])) != 0)
        return cr_diag_set(d, CR_EPARSE, path, line, 1, "code %s does not start with parent %s",
                           f[0], f[2]);
    return push_div(ref, level, f[0], f[1], parent);
}

static cr_err street_row(cr_ref *ref, char **f, int n, const char *path, long line, cr_diag *d)
{
    (void)n;
    if (find_index(ref, CR_DIV_STREET, f[0]) >= 0)
        return cr_diag_set(d, CR_EPARSE, path, line, 1, "duplicate code %s", f[0]);
    return child_row(ref, CR_DIV_STREET, 9, f, path, line, d);
}

static cr_err grid_row(cr_ref *ref, char **f, int n, const char *path, long line, cr_diag *d)
{
    (void)n;
    /* 2,827 rows: a linear duplicate check would be quadratic; codes are sorted in the file, so
     * a duplicate is always the previous row. */
    size_t k = ref->n_div[CR_DIV_GRID];
    if (k && strcmp(ref->div[CR_DIV_GRID][k - 1].code, f[0]) >= 0)
        return cr_diag_set(d, CR_EPARSE, path, line, 1, "code %s out of order or duplicate", f[0]);
    return child_row(ref, CR_DIV_GRID, 12, f, path, line, d);
}

/* Province and city codes, kept to check that every county names known ones. */
static cr_err push_code(char (**v)[8], size_t *n, const char *code)
{
    if ((*n & (*n - 1)) == 0) {
        void *p = realloc(*v, (*n ? *n * 2 : 64) * sizeof **v);
        if (!p)
            return CR_ENOMEM;
        *v = p;
    }
    snprintf((*v)[(*n)++], sizeof **v, "%s", code);
    return CR_OK;
}

static int has_code(char (*v)[8], size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], code) == 0)
            return 1;
    return 0;
}

static cr_err province_row(cr_ref *ref, char **f, int n, const char *path, long line, cr_diag *d)
{
    (void)n;
    cr_err rc = check_code(f[0], 2, path, line, d);
    return rc ? rc : push_code(&ref->province, &ref->n_province, f[0]);
}

static cr_err city_row(cr_ref *ref, char **f, int n, const char *path, long line, cr_diag *d)
{
    (void)n;
    cr_err rc = check_code(f[0], 4, path, line, d);
    if (rc)
        return rc;
    if (!has_code(ref->province, ref->n_province, f[2]) || strncmp(f[0], f[2], 2) != 0)
        return cr_diag_set(d, CR_EPARSE, path, line, 3, "city %s is not in a known province %s",
                           f[0], f[2]);
    return push_code(&ref->city, &ref->n_city, f[0]);
}

static cr_err county_row(cr_ref *ref, char **f, int n, const char *path, long line, cr_diag *d)
{
    (void)n;
    cr_err rc = check_code(f[0], 6, path, line, d);
    if (rc)
        return rc;
    size_t k = ref->n_county;
    if (k && strcmp(ref->county[k - 1].code, f[0]) >= 0)
        return cr_diag_set(d, CR_EPARSE, path, line, 1, "code %s out of order or duplicate", f[0]);
    if (!has_code(ref->city, ref->n_city, f[2]) || strncmp(f[0], f[2], 4) != 0 ||
        strncmp(f[2], f[3], 2) != 0)
        return cr_diag_set(d, CR_EPARSE, path, line, 3, "county %s is not in a known city %s", f[0],
                           f[2]);
    if ((k & (k - 1)) == 0) {
        void *p = realloc(ref->county, (k ? k * 2 : 64) * sizeof *ref->county);
        if (!p)
            return CR_ENOMEM;
        ref->county = p;
    }
    struct cr_division *v = &ref->county[k];
    memset(v, 0, sizeof *v);
    snprintf(v->code, sizeof v->code, "%s", f[0]);
    snprintf(v->name, sizeof v->name, "%s", f[1]);
    v->level = CR_DIV_DISTRICT;
    v->parent = -1;
    ref->n_county = k + 1;
    return CR_OK;
}

static cr_err industry_row(cr_ref *ref, char **f, int n, const char *path, long line, cr_diag *d)
{
    (void)n;
    size_t k = ref->n_ind;
    if ((k & (k - 1)) == 0) {
        void *p = realloc(ref->ind, (k ? k * 2 : 64) * sizeof *ref->ind);
        if (!p)
            return CR_ENOMEM;
        ref->ind = p;
    }
    struct cr_industry *v = &ref->ind[k];
    int level = f[1][0] - '0';
    size_t clen = strlen(f[0]);
    if (level < 1 || level > 4 || f[1][1] || strlen(f[2]) != 1 || f[2][0] < 'A' || f[2][0] > 'T' ||
        clen != (size_t)(level == 1 ? 1 : level))
        return cr_diag_set(d, CR_EPARSE, path, line, 0, "bad industry row '%s'", f[0]);
    memcpy(v->code, f[0], clen + 1); /* clen <= 4 checked above */
    snprintf(v->name, sizeof v->name, "%s", f[3]);
    v->section = f[2][0];
    v->level = level;
    ref->n_ind = k + 1;
    return CR_OK;
}

static int cmp_division(const void *a, const void *b)
{
    const struct cr_division *x = *(const struct cr_division *const *)a;
    const struct cr_division *y = *(const struct cr_division *const *)b;
    return strcmp(x->code, y->code);
}

static int cmp_industry(const void *a, const void *b)
{
    const struct cr_industry *x = *(const struct cr_industry *const *)a;
    const struct cr_industry *y = *(const struct cr_industry *const *)b;
    return strcmp(x->code, y->code);
}

cr_err cr_ref_load(const char *dir, cr_ref **out, cr_diag *d)
{
    cr_ref *ref = calloc(1, sizeof *ref);
    if (!ref)
        return CR_ENOMEM;
    cr_err rc = read_csv(ref, dir, "divisions/guangzhou_districts.csv", 3, district_row, d);
    if (!rc)
        rc = read_csv(ref, dir, "divisions/guangzhou_streets.csv", 3, street_row, d);
    if (!rc)
        rc = read_csv(ref, dir, "divisions/guangzhou_communities_2021.csv", 3, grid_row, d);
    if (!rc)
        rc = read_csv(ref, dir, "industry/gbt4754_2017.csv", 4, industry_row, d);
    if (!rc)
        rc = read_csv(ref, dir, "divisions/china_provinces.csv", 2, province_row, d);
    if (!rc)
        rc = read_csv(ref, dir, "divisions/china_cities.csv", 3, city_row, d);
    if (!rc)
        rc = read_csv(ref, dir, "divisions/china_areas.csv", 4, county_row, d);
    if (!rc && (ref->n_div[CR_DIV_DISTRICT] == 0 || ref->n_div[CR_DIV_STREET] == 0 ||
                ref->n_div[CR_DIV_GRID] == 0 || ref->n_ind == 0 || ref->n_county == 0))
        rc = cr_diag_set(d, CR_EPARSE, dir, 0, 0, "reference data is empty");
    if (!rc && !(ref->ind_sorted = malloc(ref->n_ind * sizeof *ref->ind_sorted)))
        rc = CR_ENOMEM;
    for (int level = CR_DIV_DISTRICT; !rc && level <= CR_DIV_GRID; level++) {
        size_t n = ref->n_div[level];
        if (!(ref->div_sorted[level] = malloc(n * sizeof *ref->div_sorted[level]))) {
            rc = CR_ENOMEM;
            break;
        }
        for (size_t i = 0; i < n; i++)
            ref->div_sorted[level][i] = &ref->div[level][i];
        qsort(ref->div_sorted[level], n, sizeof *ref->div_sorted[level], cmp_division);
    }
    if (rc) {
        cr_ref_free(ref);
        return rc;
    }
    for (size_t i = 0; i < ref->n_ind; i++)
        ref->ind_sorted[i] = &ref->ind[i];
    qsort(ref->ind_sorted, ref->n_ind, sizeof *ref->ind_sorted, cmp_industry);
    *out = ref;
    return CR_OK;
}

void cr_ref_free(cr_ref *ref)
{
    if (!ref)
        return;
    for (int i = 0; i < 4; i++) {
        free(ref->div[i]);
        free(ref->div_sorted[i]);
    }
    free(ref->ind);
    free(ref->ind_sorted);
    free(ref->county);
    free(ref->extra);
    free(ref->province);
    free(ref->city);
    free(ref);
}

size_t cr_ref_count(const cr_ref *ref, cr_div_level level)
{
    return ref->n_div[level];
}

const struct cr_division *cr_ref_division(const cr_ref *ref, cr_div_level level, size_t i)
{
    return i < ref->n_div[level] ? &ref->div[level][i] : NULL;
}

const struct cr_division *cr_ref_divisions(const cr_ref *ref, cr_div_level level, size_t *n)
{
    *n = ref->n_div[level];
    return ref->div[level];
}

/* Binary search of code among n divisions (through pointers when sorted is not NULL). */
static const struct cr_division *search(const struct cr_division *v,
                                        const struct cr_division *const *sorted, size_t n,
                                        const char *code)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct cr_division *e = sorted ? sorted[mid] : &v[mid];
        int c = strcmp(e->code, code);
        if (c == 0)
            return e;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct cr_division *cr_ref_division_find(const cr_ref *ref, const char *code)
{
    size_t len = strlen(code);
    int level = len == 6 ? CR_DIV_DISTRICT : len == 9 ? CR_DIV_STREET : len == 12 ? CR_DIV_GRID : 0;
    if (!level)
        return NULL;
    const struct cr_division *dv = search(NULL, ref->div_sorted[level], ref->n_div[level], code);
    if (!dv && level == CR_DIV_DISTRICT)
        dv = search(ref->county, NULL, ref->n_county, code); /* counties are sorted in the file */
    if (!dv && level != CR_DIV_DISTRICT)
        dv = search(ref->extra, NULL, ref->n_sorted, code);
    return dv;
}

/* A code known before, or earlier in the file being read (not yet in the sorted index, so
 * looked for one by one). */
static const struct cr_division *extra_parent(const cr_ref *ref, const char *code)
{
    const struct cr_division *dv = cr_ref_division_find(ref, code);
    for (size_t i = ref->n_sorted; !dv && i < ref->n_extra; i++)
        if (strcmp(ref->extra[i].code, code) == 0)
            dv = &ref->extra[i];
    return dv;
}

static cr_err extra_row(cr_ref *ref, char **f, int n, const char *path, long line, cr_diag *d)
{
    (void)n;
    size_t len = strlen(f[0]);
    cr_err rc = check_code(f[0], len == 12 ? 12 : 9, path, line, d);
    if (rc)
        return rc;
    if (extra_parent(ref, f[0]))
        return cr_diag_set(d, CR_EPARSE, path, line, 1, "code %s is already known", f[0]);
    const struct cr_division *parent = extra_parent(ref, f[2]);
    if (!parent || strlen(f[2]) != (len == 12 ? 9 : 6) || strncmp(f[0], f[2], strlen(f[2])) != 0)
        return cr_diag_set(d, CR_EPARSE, path, line, 3,
                           "parent %s of %s is not a known %s that begins its code", f[2], f[0],
                           len == 12 ? "street" : "county");
    size_t k = ref->n_extra;
    if ((k & (k - 1)) == 0) {
        void *p = realloc(ref->extra, (k ? k * 2 : 64) * sizeof *ref->extra);
        if (!p)
            return CR_ENOMEM;
        ref->extra = p;
    }
    struct cr_division *v = &ref->extra[k];
    memset(v, 0, sizeof *v);
    snprintf(v->code, sizeof v->code, "%s", f[0]);
    snprintf(v->name, sizeof v->name, "%s", f[1]);
    v->level = len == 12 ? CR_DIV_GRID : CR_DIV_STREET;
    v->parent = -1;
    ref->n_extra = k + 1;
    return CR_OK;
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const struct cr_division *)a)->code, ((const struct cr_division *)b)->code);
}

cr_err cr_ref_add_divisions(cr_ref *ref, const char *path, cr_diag *d)
{
    size_t before = ref->n_extra;
    cr_err rc = read_csv_path(ref, path, 3, extra_row, d);
    /* A file that adds nothing (empty, a header alone) is a mistake, not a city without streets. */
    if (!rc && ref->n_extra == before)
        rc = cr_diag_set(d, CR_EPARSE, path, 0, 0,
                         "no divisions (a header code,name,parent_code, then a row per street "
                         "or grid)");
    if (rc) {
        ref->n_extra = before; /* nothing of a bad file */
        return rc;
    }
    qsort(ref->extra, ref->n_extra, sizeof *ref->extra, cmp_code);
    ref->n_sorted = ref->n_extra;
    return CR_OK;
}

int cr_ref_division_covered(const cr_ref *ref, const char *code)
{
    char county[7];
    if (strlen(code) < 6)
        return 0;
    memcpy(county, code, 6);
    county[6] = 0;
    if (search(NULL, ref->div_sorted[CR_DIV_DISTRICT], ref->n_div[CR_DIV_DISTRICT], county))
        return 1;
    for (size_t i = 0; i < ref->n_extra; i++) /* a catalog's own streets of that county */
        if (memcmp(ref->extra[i].code, county, 6) == 0)
            return 1;
    return 0;
}

size_t cr_ref_industry_count(const cr_ref *ref)
{
    return ref->n_ind;
}

const struct cr_industry *cr_ref_industry(const cr_ref *ref, size_t i)
{
    return i < ref->n_ind ? &ref->ind[i] : NULL;
}

const struct cr_industry *cr_ref_industry_find(const cr_ref *ref, const char *code)
{
    /* "C1311" carries its section letter in front of the digits; the table keys digits only. */
    if (code[0] >= 'A' && code[0] <= 'T' && code[1] >= '0' && code[1] <= '9')
        code++;
    size_t lo = 0, hi = ref->n_ind;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(ref->ind_sorted[mid]->code, code);
        if (c == 0)
            return ref->ind_sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
