/* crisk push: the monthly push of warnings to districts and streets (docs/push.md); and the
 * files of crisk warnings --xlsx / --geojson. */
/* nftw and mkdtemp are XSI / POSIX.1-2008 extensions hidden by _POSIX_C_SOURCE alone. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "crisk/push.h"
#include "crisk/ref.h"
#include "crisk/store.h"

static const char push_help[] =
    "usage: crisk push [--db FILE] --out DIR [--status open|closed|all] [--today YYYY-MM-DD]\n"
    "                  [--json]\n"
    "\n"
    "Writes the monthly push of the warnings (default: the open ones) into DIR, a new or empty\n"
    "folder, all at once (a failed push leaves no DIR behind):\n"
    "  DIR/warnings.xlsx, warnings.csv, map.geojson                    the whole city\n"
    "  DIR/<district code>_<name>/warnings.xlsx, warnings.csv, map.geojson\n"
    "  DIR/<district code>_<name>/<street code>_<name>/ the same, for each street with warnings\n"
    "  DIR/未分区/ the same, for warnings whose firms have no division\n"
    "A row is filed under its firm's own district and street (the warning's place when the\n"
    "firm has none). The XLSX has one sheet per detector with Chinese headers; the CSV the same\n"
    "columns (UTF-8 with a byte-order mark, for Excel); the GeoJSON the district polygons with\n"
    "open warnings and firms (and the respond stage's open and overdue tasks, overdue as of\n"
    "--today, default today in Asia/Shanghai), a point per firm with coordinates and one per\n"
    "open task at its firms' mean. Prints what was written;\n"
    "--json: {\"out\":…,\"rows\":…,\"warnings\":…,\"files\":[…],\"districts\":[…]}.\n";

/* ---- the files of one set of rows ---- */

struct ctx {
    const char *verb, *db;
    const cr_ref *ref;
    const cr_push_map *map;
    size_t cut, files;
    json_t *names; /* files written, relative to the push's folder */
    const struct tasks *tasks;
};

/* ---- the respond stage's tasks not closed, for the maps ---- */

struct task_copy {
    struct cr_push_task t;
    char division[16], kind[16], status[16];
};

struct tasks {
    struct task_copy *c;
    struct cr_push_task *t; /* c[i].t with its strings pointed, once read */
    size_t n, cap;
    int oom;
    int32_t today;
};

static int keep_task(void *ctx, const struct cr_task *t)
{
    struct tasks *ts = ctx;
    if (strcmp(t->status, "closed") == 0)
        return 0;
    if (ts->n == ts->cap) {
        size_t nc = ts->cap ? ts->cap * 2 : 256;
        struct task_copy *p = realloc(ts->c, nc * sizeof *p);
        if (!p)
            return ts->oom = 1;
        ts->c = p;
        ts->cap = nc;
    }
    struct task_copy *c = &ts->c[ts->n++];
    c->t = (struct cr_push_task){t->id, t->warning, t->level,   NULL,
                                 NULL,  NULL,       t->due_day, ts->today > t->due_day};
    snprintf(c->division, sizeof c->division, "%s", t->division);
    snprintf(c->kind, sizeof c->kind, "%s", t->kind);
    snprintf(c->status, sizeof c->status, "%s", t->status);
    return 0;
}

/* Reads the tasks not closed into ts (today set), as cr_push_task rows in ts->t. */
static cr_err read_tasks(cr_store *s, struct tasks *ts)
{
    cr_err rc = cr_store_tasks_each(s, NULL, keep_task, ts);
    if (!rc && ts->oom)
        rc = CR_ENOMEM;
    if (!rc) {
        ts->t = malloc((ts->n ? ts->n : 1) * sizeof *ts->t);
        if (!ts->t)
            rc = CR_ENOMEM;
    }
    for (size_t i = 0; !rc && i < ts->n; i++) {
        ts->t[i] = ts->c[i].t;
        ts->t[i].division = ts->c[i].division;
        ts->t[i].kind = ts->c[i].kind;
        ts->t[i].status = ts->c[i].status;
    }
    return rc;
}

static void free_tasks(struct tasks *ts)
{
    free(ts->c);
    free(ts->t);
}

static int report(const char *verb, cr_err rc, cr_diag *d)
{
    return cli_report_diag(verb, rc, d);
}

/* Writes dir/{warnings.xlsx,warnings.csv,map.geojson} (dir a new folder of the staging tree:
 * the files are created, never replaced). rel names dir in the summary. */
static int write_set(struct ctx *c, const char *dir, const char *rel,
                     const struct cr_warning_row *rows, size_t n, const char *district,
                     const char *scope)
{
    static const char *const file[] = {"warnings.xlsx", "warnings.csv", "map.geojson"};
    for (int k = 0; k < 3; k++) {
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", dir, file[k]) >= (int)sizeof path) {
            fprintf(stderr, "crisk %s: the path %s/%s is too long\n", c->verb, dir, file[k]);
            return CLI_FAIL;
        }
        cr_diag d = {{0}, {0}, 0, 0};
        struct cr_push_stats st = {0, 0};
        cr_err rc;
        if (k == 0) {
            rc = cr_push_write_xlsx(path, rows, n, c->ref, &st, &d);
        } else {
            FILE *fp = fopen(path, "wbx");
            if (!fp) {
                fprintf(stderr, "crisk %s: cannot create %s: %s\n", c->verb, path, strerror(errno));
                return CLI_FAIL;
            }
            /* the respond stage's tasks not closed, of the folder's district or street */
            struct cr_push_geo_opts go = {district,    NULL,        NULL,
                                          c->tasks->t, c->tasks->n, scope ? scope : ""};
            rc = k == 1 ? cr_push_write_csv(fp, rows, n, c->ref, 1, &st, &d)
                        : cr_push_write_geojson(fp, c->map, rows, n, &go, &st, &d);
            if (fclose(fp) != 0 && !rc)
                rc = cr_diag_set(&d, CR_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
        }
        if (rc)
            return report(c->verb, rc, &d);
        c->cut += st.cut;
        c->files++;
        char name[PATH_MAX];
        snprintf(name, sizeof name, "%s%s%s", rel, *rel ? "/" : "", file[k]);
        json_array_append_new(c->names, json_string(name));
    }
    return CLI_OK;
}

/* ---- crisk warnings --xlsx / --geojson ---- */

static cr_err load_refs(cr_ref **ref, cr_push_map **map, cr_diag *d)
{
    cr_err rc = cr_ref_load(cr_ref_default_dir(), ref, d);
    if (!rc && map)
        rc = cr_push_map_load(NULL, *ref, map, d);
    return rc;
}

int cli_push_files(const char *verb, const char *db, const struct cr_warning_filter *f,
                   const char *xlsx, const char *geojson, int32_t today)
{
    struct tasks ts = {0};
    ts.today = today;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    cr_ref *ref = NULL;
    cr_push_map *map = NULL;
    struct cr_push_rows rows = {0};
    struct cli_out ox, og;
    int prc = cli_outputs_distinct(verb, "xlsx", xlsx, "geojson", geojson);
    if (!prc && xlsx)
        prc = cli_out_begin(verb, "xlsx", xlsx, db, &ox);
    if (prc)
        return prc;
    prc = geojson ? cli_out_begin(verb, "geojson", geojson, db, &og) : CLI_OK;
    if (prc) {
        if (xlsx)
            cli_out_abort(&ox);
        return prc;
    }
    cr_err rc = load_refs(&ref, geojson ? &map : NULL, &d);
    if (!rc)
        rc = cr_store_open_readonly(db, &s, &d);
    if (!rc && cr_push_rows_read(s, f, &rows))
        rc = cli_store_fail(&d, CR_ESTORE, s, "cannot read warnings");
    cr_err trc = !rc && geojson ? read_tasks(s, &ts) : CR_OK;
    if (trc)
        rc = trc == CR_ENOMEM ? trc : cli_store_fail(&d, trc, s, "cannot read the tasks");
    struct cr_push_stats st = {0, 0};
    if (!rc && xlsx)
        rc = cr_push_write_xlsx(ox.tmp, rows.row, rows.n, ref, &st, &d);
    if (!rc && geojson) {
        char dist[7] = "";
        if (f->division)
            snprintf(dist, sizeof dist, "%s", f->division);
        /* the tasks of the listed warnings; with --district those inside it */
        struct cr_push_geo_opts go = {dist, NULL, NULL, ts.t, ts.n, f->division};
        rc = cr_push_write_geojson(og.fp, map, rows.row, rows.n, &go, NULL, &d);
    }
    prc = rc ? report(verb, rc, &d) : CLI_OK;
    if (!prc && xlsx)
        prc = cli_out_commit(verb, "xlsx", &ox, db);
    else if (xlsx)
        cli_out_abort(&ox);
    if (!prc && geojson)
        prc = cli_out_commit(verb, "geojson", &og, db);
    else if (geojson)
        cli_out_abort(&og);
    if (!prc && st.cut)
        fprintf(stderr,
                "crisk %s: %zu cells longer than Excel's 32,767 characters were cut in %s (the "
                "cell says so; --csv and --json hold them whole)\n",
                verb, st.cut, xlsx);
    cr_push_rows_free(&rows);
    free_tasks(&ts);
    cr_store_close(s);
    cr_push_map_free(map);
    cr_ref_free(ref);
    return prc;
}

/* ---- crisk push ---- */

/* A name fit for a folder: '/' and control characters replaced, never "." or "..". */
static void folder_part(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 1 < cap; s++)
        out[o++] = *s == '/' || (unsigned char)*s < 0x20 ? '_' : *s;
    out[o] = 0;
    if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0 || !*out)
        snprintf(out, cap, "_");
}

static const char *place_name(const cr_ref *ref, const char *code)
{
    const struct cr_division *dv = cr_ref_division_find(ref, code);
    return dv ? dv->name : "未知区划";
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct values of key over rows, sorted (pointers into the rows; malloc'd). */
static const char **distinct(const struct cr_warning_row *rows, size_t n, int street, size_t *out_n)
{
    const char **v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *dist, *str, *grid;
        cr_push_row_place(&rows[i], &dist, &str, &grid);
        v[i] = street ? str : dist;
    }
    qsort(v, n, sizeof *v, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
            v[k++] = v[i];
    *out_n = k;
    return v;
}

/* The rows filed under one district (street NULL) or one of its streets, in the store's order. */
static size_t select_rows(const struct cr_warning_row *rows, size_t n, const char *district,
                          const char *street, struct cr_warning_row *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *dist, *str, *grid;
        cr_push_row_place(&rows[i], &dist, &str, &grid);
        if (strcmp(dist, district) == 0 && (!street || strcmp(str, street) == 0))
            out[k++] = rows[i];
    }
    return k;
}

static size_t count_warnings(const struct cr_warning_row *rows, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += i == 0 || rows[i].warning != rows[i - 1].warning;
    return k;
}

static int make_dir(const char *verb, const char *path)
{
    if (mkdir(path, 0755) == 0)
        return CLI_OK;
    fprintf(stderr, "crisk %s: cannot create the folder %s: %s\n", verb, path, strerror(errno));
    return CLI_FAIL;
}

/* One district's folder and its streets' folders. */
static int push_district(struct ctx *c, const char *stage, const struct cr_warning_row *rows,
                         size_t n, const char *code, struct cr_warning_row *sel,
                         struct cr_warning_row *sel2, json_t *districts)
{
    size_t k = select_rows(rows, n, code, NULL, sel);
    char part[256], rel[PATH_MAX], dir[PATH_MAX];
    const char *name = *code ? place_name(c->ref, code) : "未分区";
    char cpart[64];
    folder_part(code, cpart, sizeof cpart);
    if (*code)
        snprintf(part, sizeof part, "%s_%s", cpart, name);
    else
        snprintf(part, sizeof part, "%s", name);
    folder_part(part, rel, sizeof rel);
    snprintf(dir, sizeof dir, "%s/%s", stage, rel);
    int prc = make_dir(c->verb, dir);
    if (!prc)
        prc = write_set(c, dir, rel, sel, k, *code ? code : "-", *code ? code : "-");
    size_t n_streets = 0;
    const char **streets = prc ? NULL : distinct(sel, k, 1, &n_streets);
    if (!prc && !streets)
        prc = CLI_FAIL;
    json_t *sj = json_array();
    for (size_t i = 0; i < n_streets && !prc; i++) {
        if (!*streets[i])
            continue; /* rows without a street are in the district's files only */
        size_t k2 = select_rows(sel, k, code, streets[i], sel2);
        char spart[256], srel[PATH_MAX], sdir[PATH_MAX], scode[64];
        folder_part(streets[i], scode, sizeof scode);
        snprintf(spart, sizeof spart, "%s_%s", scode, place_name(c->ref, streets[i]));
        folder_part(spart, part, sizeof part);
        snprintf(srel, sizeof srel, "%s/%s", rel, part);
        snprintf(sdir, sizeof sdir, "%s/%s", stage, srel);
        prc = make_dir(c->verb, sdir);
        if (!prc)
            prc = write_set(c, sdir, srel, sel2, k2, *code ? code : "-", streets[i]);
        json_array_append_new(sj, json_pack("{s:s,s:s,s:I,s:I}", "code", streets[i], "name",
                                            place_name(c->ref, streets[i]), "warnings",
                                            (json_int_t)count_warnings(sel2, k2), "rows",
                                            (json_int_t)k2));
    }
    free(streets);
    json_array_append_new(districts,
                          json_pack("{s:s,s:s,s:s,s:I,s:I,s:o}", "code", code, "name", name,
                                    "folder", rel, "warnings", (json_int_t)count_warnings(sel, k),
                                    "rows", (json_int_t)k, "streets", sj));
    return prc;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* DIR must be new or an empty folder: a push never mixes with an earlier one's files. */
static int check_out_dir(const char *out)
{
    struct stat st;
    if (lstat(out, &st) != 0) {
        if (errno == ENOENT)
            return CLI_OK;
        fprintf(stderr, "crisk push: --out %s: %s\n", out, strerror(errno));
        return CLI_FAIL;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "crisk push: --out %s exists and is not a folder\n", out);
        return CLI_USAGE;
    }
    DIR *dh = opendir(out);
    struct dirent *e;
    int empty = dh != NULL;
    while (dh && (e = readdir(dh)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = 0;
    if (dh)
        closedir(dh);
    if (!empty) {
        fprintf(stderr,
                "crisk push: --out %s is not empty: give a new folder (a push never mixes with "
                "an earlier one's files)\n",
                out);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int push_all(struct ctx *c, const char *stage, const struct cr_push_rows *rows,
                    json_t *districts)
{
    int prc = write_set(c, stage, "", rows->row, rows->n, NULL, NULL);
    size_t n_d = 0;
    const char **codes = prc ? NULL : distinct(rows->row, rows->n, 0, &n_d);
    struct cr_warning_row *sel = malloc((rows->n ? rows->n : 1) * sizeof *sel);
    struct cr_warning_row *sel2 = malloc((rows->n ? rows->n : 1) * sizeof *sel2);
    if (!prc && (!codes || !sel || !sel2)) {
        fprintf(stderr, "crisk push: out of memory\n");
        prc = CLI_FAIL;
    }
    for (size_t i = 0; i < n_d && !prc; i++)
        prc = push_district(c, stage, rows->row, rows->n, codes[i], sel, sel2, districts);
    free(codes);
    free(sel);
    free(sel2);
    return prc;
}

int cmd_push(int argc, char **argv)
{
    const char *db = NULL, *out = NULL, *status = NULL, *json = NULL, *today_s = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db},
                                   {"out", 1, &out},
                                   {"status", 1, &status},
                                   {"json", 0, &json},
                                   {"today", 1, &today_s}};
    size_t n_pos;
    int prc = cli_parse("push", argc, argv, opts, 5, NULL, 0, &n_pos, push_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    struct tasks ts = {0};
    prc = cli_today_opt("push", today_s, &ts.today);
    if (prc)
        return prc;
    if (!out) {
        fprintf(stderr, "crisk push: give --out DIR\n");
        return CLI_USAGE;
    }
    if (!status)
        status = "open";
    if (strcmp(status, "open") && strcmp(status, "closed") && strcmp(status, "all")) {
        fprintf(stderr, "crisk push: --status is open, closed or all, not '%s'\n", status);
        return CLI_USAGE;
    }
    char dirname[PATH_MAX];
    size_t ol = strlen(out);
    while (ol > 1 && out[ol - 1] == '/')
        ol--;
    if (ol >= sizeof dirname) {
        fprintf(stderr, "crisk push: --out %s: the name is too long\n", out);
        return CLI_USAGE;
    }
    memcpy(dirname, out, ol);
    dirname[ol] = 0;
    db = cli_db_path(db);
    prc = cli_check_output("push", "out", dirname, db);
    if (!prc)
        prc = check_out_dir(dirname);
    if (prc)
        return prc;

    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    cr_ref *ref = NULL;
    cr_push_map *map = NULL;
    struct cr_push_rows rows = {0};
    cr_err rc = cr_store_open_readonly(db, &s, &d);
    if (!rc)
        rc = load_refs(&ref, &map, &d);
    struct cr_warning_filter f = {NULL, NULL, strcmp(status, "all") ? status : NULL};
    if (!rc && cr_push_rows_read(s, &f, &rows))
        rc = cli_store_fail(&d, CR_ESTORE, s, "cannot read warnings");
    cr_err trc = rc ? CR_OK : read_tasks(s, &ts);
    if (trc)
        rc = trc == CR_ENOMEM ? trc : cli_store_fail(&d, trc, s, "cannot read the tasks");
    if (rc) {
        prc = report("push", rc, &d);
        goto out;
    }
    /* Everything is written into a staging folder beside DIR, renamed to DIR at the end. */
    char stage[PATH_MAX];
    const char *slash = strrchr(dirname, '/');
    int sl = slash ? snprintf(stage, sizeof stage, "%.*s/.%s.push-XXXXXX", (int)(slash - dirname),
                              dirname, slash + 1)
                   : snprintf(stage, sizeof stage, ".%s.push-XXXXXX", dirname);
    if (sl < 0 || (size_t)sl >= sizeof stage || !mkdtemp(stage)) {
        fprintf(stderr, "crisk push: cannot create a folder beside %s: %s\n", dirname,
                sl < 0 || (size_t)sl >= sizeof stage ? "the name is too long" : strerror(errno));
        prc = CLI_FAIL;
        goto out;
    }
    chmod(stage, 0755);
    struct ctx c = {"push", db, ref, map, 0, 0, json_array(), &ts};
    json_t *districts = json_array();
    prc = push_all(&c, stage, &rows, districts);
    /* Checked again: another push may have filled DIR meanwhile (rename would fail on a
     * non-empty folder anyway; this says why). */
    if (!prc)
        prc = check_out_dir(dirname);
    if (!prc && rename(stage, dirname) != 0) {
        fprintf(stderr, "crisk push: cannot create %s: %s\n", dirname, strerror(errno));
        prc = CLI_FAIL;
    }
    if (prc)
        nftw(stage, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    else if (c.cut)
        fprintf(stderr,
                "crisk push: %zu cells longer than Excel's 32,767 characters were cut in the "
                "workbooks (the cell says so; the CSV files hold them whole)\n",
                c.cut);
    size_t n_w = count_warnings(rows.row, rows.n);
    int pushed = !prc, lost = 0;
    if (!prc && json) {
        lost = cli_json_print(json_pack("{s:s,s:s,s:I,s:I,s:I,s:O,s:O}", "out", dirname, "status",
                                        status, "rows", (json_int_t)rows.n, "warnings",
                                        (json_int_t)n_w, "cut", (json_int_t)c.cut, "files", c.names,
                                        "districts", districts));
    } else if (!prc) {
        lost |= printf("push: %zu warnings (%zu firm rows, status %s) → %s: %zu files\n", n_w,
                       rows.n, status, dirname, c.files) < 0;
        size_t i;
        json_t *v;
        json_array_foreach(districts, i, v)
        {
            lost |= printf("  %-30s %5lld warnings %6lld rows %3zu streets\n",
                           json_string_value(json_object_get(v, "folder")),
                           (long long)json_integer_value(json_object_get(v, "warnings")),
                           (long long)json_integer_value(json_object_get(v, "rows")),
                           json_array_size(json_object_get(v, "streets"))) < 0;
        }
    }
    /* The folder is complete and in place: a lost report must not make a script push again
     * (the folder is then no longer empty) without knowing it exists. */
    if (pushed)
        prc = cli_done_report_checked("push", lost, "the push WAS written: %s holds its %zu files",
                                      dirname, c.files);
    json_decref(districts);
    json_decref(c.names);
out:
    cr_push_rows_free(&rows);
    free_tasks(&ts);
    cr_store_close(s);
    cr_push_map_free(map);
    cr_ref_free(ref);
    return prc;
}
