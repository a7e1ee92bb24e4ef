/* The monthly push's map as GeoJSON: district polygons with counts, firm points (docs/push.md).
 * jansson reads the polygons and writes each feature: the file is written once a month. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/text.h"
#include "push_internal.h"

struct district {
    char code[16];
    char *name;
    json_t *geometry;
};

struct cr_push_map {
    struct district *d;
    size_t n;
};

void cr_push_map_free(cr_push_map *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->d[i].name);
        json_decref(m->d[i].geometry);
    }
    free(m->d);
    free(m);
}

/* The feature's district code: adcode as a number (as DataV's files write it) or a string. */
static int feature_code(json_t *props, char out[16])
{
    json_t *a = json_object_get(props, "adcode");
    if (json_is_integer(a) && json_integer_value(a) >= 100000 && json_integer_value(a) <= 999999)
        return snprintf(out, 16, "%lld", (long long)json_integer_value(a)), 0;
    const char *s = json_string_value(a);
    if (s && strlen(s) == 6 && strspn(s, "0123456789") == 6)
        return snprintf(out, 16, "%s", s), 0;
    return -1;
}

static cr_err load_features(const char *path, json_t *fs, const cr_ref *ref, cr_push_map *m,
                            cr_diag *d)
{
    m->d = calloc(json_array_size(fs) ? json_array_size(fs) : 1, sizeof *m->d);
    if (!m->d)
        return CR_ENOMEM;
    for (size_t i = 0; i < json_array_size(fs); i++) {
        json_t *f = json_array_get(fs, i), *g = json_object_get(f, "geometry");
        json_t *props = json_object_get(f, "properties");
        const char *type = json_string_value(json_object_get(g, "type"));
        struct district *dd = &m->d[m->n];
        if (feature_code(props, dd->code))
            return cr_diag_set(d, CR_EPARSE, path, 0, 0,
                               "feature %zu: no adcode (a 6-digit district code)", i + 1);
        if (!type || (strcmp(type, "Polygon") && strcmp(type, "MultiPolygon")) ||
            !json_is_array(json_object_get(g, "coordinates")))
            return cr_diag_set(d, CR_EPARSE, path, 0, 0,
                               "feature %zu (%s): the geometry is not a Polygon or MultiPolygon",
                               i + 1, dd->code);
        const struct cr_division *dv = ref ? cr_ref_division_find(ref, dd->code) : NULL;
        const char *fname = json_string_value(json_object_get(props, "name"));
        dd->name = strdup(dv ? dv->name : fname ? fname : dd->code);
        if (!dd->name)
            return CR_ENOMEM;
        dd->geometry = json_incref(g);
        m->n++;
    }
    return CR_OK;
}

cr_err cr_push_map_load(const char *path, const cr_ref *ref, cr_push_map **out, cr_diag *d)
{
    char def[4096];
    if (!path) {
        snprintf(def, sizeof def, "%s/geo/guangzhou_districts.geojson", cr_ref_default_dir());
        path = def;
    }
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc)
        return cr_diag_set(d, CR_EPARSE, path, je.line, je.column, "%s", je.text);
    json_t *fs = json_object_get(doc, "features");
    const char *type = json_string_value(json_object_get(doc, "type"));
    cr_push_map *m = calloc(1, sizeof *m);
    cr_err rc = !m ? CR_ENOMEM
                : !type || strcmp(type, "FeatureCollection") || !json_is_array(fs)
                    ? cr_diag_set(d, CR_EPARSE, path, 0, 0, "not a GeoJSON FeatureCollection")
                    : load_features(path, fs, ref, m, d);
    json_decref(doc);
    if (rc) {
        cr_push_map_free(m);
        return rc;
    }
    *out = m;
    return CR_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Open warnings and their firms filed in one district, counted over rows (warning id order:
 * a warning's rows are together; a firm counts once however many warnings name it). */
static int district_counts(const struct cr_warning_row *rows, size_t n, const char *code,
                           json_int_t *warnings, json_int_t *firms, int64_t *subj)
{
    size_t n_subj = 0;
    int64_t last = -1;
    *warnings = 0;
    for (size_t i = 0; i < n; i++) {
        const char *dist, *street, *grid;
        cr_push_row_place(&rows[i], &dist, &street, &grid);
        if (strcmp(rows[i].status, "open") || strcmp(dist, code))
            continue;
        if (rows[i].warning != last)
            (*warnings)++, last = rows[i].warning;
        subj[n_subj++] = rows[i].subject;
    }
    qsort(subj, n_subj, sizeof *subj, cmp_i64);
    size_t distinct = 0;
    for (size_t i = 0; i < n_subj; i++)
        distinct += i == 0 || subj[i] != subj[i - 1];
    *firms = (json_int_t)distinct;
    return 0;
}

/* Writes f (consumed) after a separator; 1 when it failed. f NULL: json_pack refused a value
 * (text that is not UTF-8), reported by the caller as bad input. */
static int dump_feature(FILE *fp, json_t *f, int *first)
{
    if (!f)
        return 1;
    int bad = fputs(*first ? "\n" : ",\n", fp) == EOF ||
              json_dumpf(f, fp, JSON_COMPACT | JSON_REAL_PRECISION(10)) != 0;
    *first = 0;
    json_decref(f);
    return bad;
}

static size_t first_row(const struct cr_warning_row *rows, size_t n, int64_t w);

/* Whether task t is among the file's: its division begins with o->tasks_within and its warning
 * is among the rows, open (the map is of open warnings). */
static int task_in_file(const struct cr_push_geo_opts *o, const struct cr_push_task *t,
                        const struct cr_warning_row *rows, size_t n)
{
    const char *w = o->tasks_within ? o->tasks_within : "";
    size_t i = first_row(rows, n, t->warning);
    return strncmp(t->division, w, strlen(w)) == 0 && i < n && rows[i].warning == t->warning &&
           strcmp(rows[i].status, "open") == 0;
}

/* The file's tasks whose division lies in district code: not closed, and overdue. */
static void district_tasks(const struct cr_push_geo_opts *o, const struct cr_warning_row *rows,
                           size_t n, const char *code, json_int_t *open, json_int_t *overdue)
{
    *open = *overdue = 0;
    for (size_t i = 0; i < o->n_tasks; i++) {
        const struct cr_push_task *t = &o->tasks[i];
        if (task_in_file(o, t, rows, n) && strncmp(t->division, code, strlen(code)) == 0)
            (*open)++, *overdue += t->overdue != 0;
    }
}

/* The first row of warning w (rows in warning id order), or n. */
static size_t first_row(const struct cr_warning_row *rows, size_t n, int64_t w)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rows[mid].warning < w)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* One Point for task t at the mean of its firms' coordinates among rows; none without any. */
static int task_point(FILE *fp, const struct cr_push_task *t, const struct cr_warning_row *rows,
                      size_t n, int *first, size_t *points)
{
    double lon = 0, lat = 0;
    size_t k = 0;
    const char *detector = NULL;
    for (size_t i = first_row(rows, n, t->warning); i < n && rows[i].warning == t->warning; i++) {
        const struct cr_warning_row *r = &rows[i];
        const char *own = *r->grid ? r->grid : *r->street ? r->street : r->district;
        if (strcmp(r->status, "open") || !r->has_geo ||
            (t->level > 0 && strncmp(own, t->division, strlen(t->division)) != 0))
            continue;
        lon += r->lon, lat += r->lat, k++;
        detector = r->detector;
    }
    if (!k)
        return 0;
    int y, m, dd;
    cr_civil_from_days(t->due_day, &y, &m, &dd);
    char due[16];
    snprintf(due, sizeof due, "%04d-%02d-%02d", y % 10000, m, dd);
    (*points)++;
    return dump_feature(
        fp,
        json_pack("{s:s,s:{s:I,s:I,s:s,s:s,s:i,s:s,s:s,s:s,s:b,s:I},s:{s:s,s:[f,f]}}", "type",
                  "Feature", "properties", "task", (json_int_t)t->id, "warning",
                  (json_int_t)t->warning, "detector", detector, "kind", t->kind, "level", t->level,
                  "division", t->division, "status", t->status, "due", due, "overdue",
                  t->overdue != 0, "firms", (json_int_t)k, "geometry", "type", "Point",
                  "coordinates", lon / (double)k, lat / (double)k),
        first);
}

cr_err cr_push_write_geojson(FILE *fp, const cr_push_map *m, const struct cr_warning_row *rows,
                             size_t n, const struct cr_push_geo_opts *o, struct cr_push_stats *st,
                             cr_diag *d)
{
    int64_t *subj = malloc((n ? n : 1) * sizeof *subj);
    if (!subj)
        return CR_ENOMEM;
    const char *only = o && o->districts ? o->districts : "";
    int bad = fputs("{\"type\":\"FeatureCollection\",\"features\":[", fp) == EOF, first = 1;
    for (size_t i = 0; i < m->n && !bad; i++) {
        const struct district *dd = &m->d[i];
        if (strncmp(dd->code, only, strlen(only)) != 0)
            continue;
        json_int_t nw, nf;
        district_counts(rows, n, dd->code, &nw, &nf, subj);
        json_t *props = json_pack("{s:s,s:s,s:I,s:I}", "code", dd->code, "name", dd->name,
                                  "open_warnings", nw, "firms", nf);
        int64_t tasks = o && o->open_tasks ? o->open_tasks(o->ctx, dd->code) : -1;
        if (props && o && o->tasks) {
            json_int_t open, overdue;
            district_tasks(o, rows, n, dd->code, &open, &overdue);
            json_object_set_new(props, "open_tasks", json_integer(open));
            json_object_set_new(props, "overdue_tasks", json_integer(overdue));
        } else if (props && tasks >= 0)
            json_object_set_new(props, "open_tasks", json_integer((json_int_t)tasks));
        bad = dump_feature(fp,
                           props ? json_pack("{s:s,s:o,s:O}", "type", "Feature", "properties",
                                             props, "geometry", dd->geometry)
                                 : NULL,
                           &first);
    }
    size_t points = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        const struct cr_warning_row *r = &rows[i];
        if (strcmp(r->status, "open") || !r->has_geo)
            continue;
        const char *dist, *street, *grid;
        cr_push_row_place(r, &dist, &street, &grid);
        json_t *f =
            json_pack("{s:s,s:{s:I,s:s,s:s,s:s,s:s,s:s,s:s},s:{s:s,s:[f,f]}}", "type", "Feature",
                      "properties", "warning", (json_int_t)r->warning, "detector", r->detector,
                      "uscc", r->uscc, "name", r->name, "district", dist, "street", street, "grid",
                      grid, "geometry", "type", "Point", "coordinates", r->lon, r->lat);
        if (!f) {
            free(subj);
            return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                               "warning %lld: firm %s has text that is not UTF-8",
                               (long long)r->warning, r->uscc);
        }
        bad = dump_feature(fp, f, &first);
        points++;
    }
    for (size_t i = 0; o && o->tasks && i < o->n_tasks && !bad; i++)
        if (task_in_file(o, &o->tasks[i], rows, n))
            bad = task_point(fp, &o->tasks[i], rows, n, &first, &points);
    free(subj);
    if (bad || fputs("\n]}\n", fp) == EOF || fflush(fp))
        return cr_diag_set(d, CR_EIO, NULL, 0, 0, "cannot write the GeoJSON");
    if (st)
        *st = (struct cr_push_stats){points, 0};
    return CR_OK;
}
