/* The monthly push (issue 10, docs/push.md): warning lists as XLSX (one sheet per detector,
 * Chinese headers) and CSV, and a GeoJSON map of district polygons and firm points, written from
 * rows of struct cr_warning_row (cr_store_warning_rows). The writers do not name or rename
 * files: callers write to a temporary file and rename it, so that nothing is ever half-written.
 * Not thread-safe per object; different objects may be used from different threads. */
#ifndef CRISK_PUSH_H
#define CRISK_PUSH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crisk/err.h"
#include "crisk/ref.h"
#include "crisk/store.h"

/* Excel's limit on the characters of one cell, counted as Excel counts them: UTF-16 code units
 * (a character outside the BMP is 2). A longer value is cut at a character boundary to this
 * many units, CR_PUSH_CUT_NOTE included at its end. */
#define CR_PUSH_CELL_MAX 32767
#define CR_PUSH_CUT_NOTE "…（已截断：超出Excel单元格32767字符上限，全文见 crisk warnings --json）"

/* Rows copied out of cr_store_warning_rows, whose strings live only during its callback.
 * row[0..n) in the store's order; their strings live until cr_push_rows_free. */
struct cr_push_rows {
    struct cr_warning_row *row;
    size_t n, cap;
    void *blocks; /* the strings' storage (private) */
};

/* Reads the rows that pass f (NULL = all) into *out, which must be zeroed ({0}) or freed
 * before. CR_ESTORE (cr_store_errmsg has SQLite's message) or CR_ENOMEM; on error *out holds
 * nothing (freed). */
cr_err cr_push_rows_read(cr_store *s, const struct cr_warning_filter *f,
                         struct cr_push_rows *out) CR_MUST_USE;
/* Frees what rows hold and zeroes it; NULL and a zeroed struct are fine. */
void cr_push_rows_free(struct cr_push_rows *rows);

/* The place a row is filed under: the firm's own district, street and grid when the firm has
 * a district, else the warning's place ("" where neither has one). */
void cr_push_row_place(const struct cr_warning_row *r, const char **district, const char **street,
                       const char **grid);

/* The Chinese label of a detector id ("address_cluster" → "一址多照"), or NULL when unknown. */
const char *cr_push_detector_label(const char *detector);

/* What a writer did: rows written, and cells cut to CR_PUSH_CELL_MAX (XLSX only). */
struct cr_push_stats {
    size_t rows, cut;
};

/* Writes rows[0..n) as an XLSX workbook at path (created or replaced by libxlsxwriter: give a
 * temporary name and rename it). One sheet per known detector, in the order of
 * cr_push_detector_label's table, each present even when empty so every month's workbook has
 * the same tabs, then one per unknown detector in order of appearance (its id, made a valid
 * sheet name). Columns: docs/push.md. ref (may be NULL: codes only) names the divisions.
 * Every text is written as a string cell (a USCC never becomes a number); the date as an
 * Excel date. CR_EIO (with libxlsxwriter's reason in d) or CR_ENOMEM. */
cr_err cr_push_write_xlsx(const char *path, const struct cr_warning_row *rows, size_t n,
                          const cr_ref *ref, struct cr_push_stats *st, cr_diag *d) CR_MUST_USE;

/* Writes rows[0..n) as CSV (UTF-8, RFC 4180 quoting as the crisk command writes CSV: a field
 * holding a comma, quote, CR or LF is quoted, quotes doubled), the same columns as the XLSX
 * and a header line; with bom set, a UTF-8 byte-order mark first (Excel reads UTF-8 CSV only
 * with one). Nothing is cut. CR_EIO when a write fails. */
cr_err cr_push_write_csv(FILE *fp, const struct cr_warning_row *rows, size_t n, const cr_ref *ref,
                         int bom, struct cr_push_stats *st, cr_diag *d) CR_MUST_USE;

/* Guangzhou's district polygons (data/geo/guangzhou_districts.geojson), keyed by district code,
 * named from ref's divisions (data/divisions). Free with cr_push_map_free. */
typedef struct cr_push_map cr_push_map;

/* Loads path (NULL: geo/guangzhou_districts.geojson under cr_ref_default_dir()). A file that
 * is not a FeatureCollection of features with an adcode and a Polygon or MultiPolygon is
 * CR_EPARSE naming the file and the feature; CR_EIO / CR_ENOTFOUND when it cannot be read. */
cr_err cr_push_map_load(const char *path, const cr_ref *ref, cr_push_map **out,
                        cr_diag *d) CR_MUST_USE;
void cr_push_map_free(cr_push_map *m);

/* One of the respond stage's tasks not yet closed, for the map (docs/push.md "The map"). */
struct cr_push_task {
    int64_t id, warning;
    int level; /* of its division: 0 city, 1 district, 2 street, 3 grid */
    const char *division, *kind, *status; /* status open, accepted or visited */
    int32_t due_day;                      /* days since 1970-01-01 */
    int overdue;                          /* due_day before the push's today */
};

struct cr_push_geo_opts {
    /* Only the district polygons whose code begins with this (a district's code for its own
     * push; NULL or "" = every district). */
    const char *districts;
    /* The respond stage's open tasks in a district (its 6-digit code); when set, each polygon
     * gains an open_tasks property. A negative return leaves it out for that district. */
    int64_t (*open_tasks)(void *ctx, const char *district);
    void *ctx;
    /* The tasks not closed (tasks[0..n_tasks), NULL = none given). Those whose division begins
     * with tasks_within (NULL or "" = all) and whose warning is among the rows, open, are the
     * file's: each polygon gains open_tasks and overdue_tasks, the file's tasks whose division lies
     * in the district (this replaces the open_tasks hook), and each of the file's tasks with firms
     * of coordinates among rows (the warning's open rows whose firm's own grid, else street, else
     * district lies in the task's division; every firm of the warning for a city task) gets one
     * Point at their mean. */
    const struct cr_push_task *tasks;
    size_t n_tasks;
    const char *tasks_within;
};

/* Writes a GeoJSON FeatureCollection: one feature per district polygon (properties code, name,
 * open_warnings: open warnings with a firm filed there, firms: their distinct firms there, and
 * open_tasks when the hook is set, open_tasks and overdue_tasks when tasks are given), then one
 * Point per row of an open warning whose firm has coordinates (properties warning, detector,
 * uscc, name, district, street, grid), then one Point per task (o->tasks: properties task,
 * warning, detector, kind, level, division, status, due, overdue, firms). o may be NULL.
 * st->rows counts the points. CR_EIO when a write fails, CR_ENOMEM. */
cr_err cr_push_write_geojson(FILE *fp, const cr_push_map *m, const struct cr_warning_row *rows,
                             size_t n, const struct cr_push_geo_opts *o, struct cr_push_stats *st,
                             cr_diag *d) CR_MUST_USE;

#endif
