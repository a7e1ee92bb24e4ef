/* crisk quarantine: list, export and retry rows that ingest rejected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crisk/catalog.h"
#include "crisk/escape.h"
#include "crisk/feed.h"
#include "crisk/ingest.h"
#include "crisk/ref.h"
#include "crisk/store.h"
#include "crisk/text.h"

static const char help[] =
    "usage: crisk quarantine [--db FILE] [--reason R] [--limit N] [--json]\n"
    "       crisk quarantine [--db FILE] [--reason R] --export FILE.csv\n"
    "       crisk quarantine [--db FILE] --retry [FILE.csv] --catalog FILE\n"
    "\n"
    "Lists rows that ingest rejected, by reason, with file, line, reason and raw text.\n"
    "--export writes open rows as CSV (id,topic,file,line,reason,detail,raw); fix the raw\n"
    "column and give the file to --retry, which reads each row again through its topic's\n"
    "mapping: rows that now pass are loaded and resolved; a row left as exported is retried\n"
    "exactly as stored. --retry without a file retries every open row as stored (after a\n"
    "catalog fix). Texts are shown escaped: \\\\ is a backslash, \\xNN a byte that is a\n"
    "control character or not UTF-8 (\\x00 a NUL). Person ID numbers are masked in raw text;\n"
    "a roles row whose ID is left masked takes it from its line in the unchanged source file.\n"
    "Rows not read again are listed as skipped, each with why (docs/collect.md).\n"
    "\n"
    "Exit: 0 ok, 1 store failure, 2 usage, 3 bad catalog or export (an edited raw holding\n"
    "more than one record is skipped and exits 3).\n";

struct listing {
    json_t *rows;
    FILE *csv;
    long limit, shown;
    int failed; /* out of memory: the listing stopped early */
};

/* Every text of a row as shown, listed or exported: cr_escape's exact form (docs/collect.md),
 * so invalid UTF-8, NUL and control bytes are named, never cut or re-read as another encoding. */
static char *shown(const void *bytes, size_t len, int ascii)
{
    char *out = NULL;
    return cr_escape(bytes ? bytes : "", bytes ? len : 0, ascii, &out, NULL) == CR_OK ? out : NULL;
}

/* A row's raw text as shown. A bad_encoding row keeps its line in the file's own encoding (not
 * UTF-8), so its bytes above 0x7F are shown as bytes: retyping them is an edit. */
static char *shown_raw(const struct cr_quarantine_row *r)
{
    return shown(r->raw, r->raw_len, strcmp(r->reason, "bad_encoding") == 0);
}

static void csv_field(FILE *fp, const char *s, int last)
{
    cli_csv_field(fp, s, strlen(s), 1);
    fputc(last ? '\n' : ',', fp);
}

static int list_row(void *ctx, const struct cr_quarantine_row *r)
{
    struct listing *l = ctx;
    char *raw = shown_raw(r);
    char *detail = shown(r->detail, r->detail ? strlen(r->detail) : 0, 0);
    char *path = shown(r->path, r->path ? strlen(r->path) : 0, 0);
    int failed = !raw || !detail || !path;
    if (!failed && l->csv) {
        char id[24], line[24];
        snprintf(id, sizeof id, "%lld", (long long)r->id);
        snprintf(line, sizeof line, "%lld", (long long)r->line);
        csv_field(l->csv, id, 0);
        csv_field(l->csv, r->topic_code ? r->topic_code : "", 0);
        csv_field(l->csv, path, 0);
        csv_field(l->csv, line, 0);
        csv_field(l->csv, r->reason, 0);
        csv_field(l->csv, detail, 0);
        csv_field(l->csv, raw, 1);
        l->shown++;
    } else if (!failed && l->shown < l->limit) {
        if (l->rows)
            failed = json_array_append_new(
                l->rows,
                json_pack("{s:I,s:s?,s:s,s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)r->id, "topic",
                          r->topic_code, "file", path, "line", (json_int_t)r->line, "reason",
                          r->reason, "detail", detail, "state", r->state, "raw", raw));
        else
            printf("  #%lld %s:%lld %s: %s\n      %s\n", (long long)r->id, path, (long long)r->line,
                   r->reason, detail, raw);
        l->shown++;
    }
    free(raw);
    free(detail);
    free(path);
    l->failed |= failed != 0;
    return failed;
}

static void count_reason(void *ctx, const char *reason, int64_t n)
{
    json_object_set_new(ctx, reason, json_integer(n));
}

static int summary(cr_store *s, const char *reason, long limit, int json)
{
    int64_t open = 0, resolved = 0;
    json_t *by = json_object();
    struct listing l = {.rows = json ? json_array() : NULL, .limit = limit};
    if (cr_store_quarantine_totals(s, &open, &resolved) ||
        cr_store_quarantine_counts(s, count_reason, by)) {
        json_decref(by);
        json_decref(l.rows);
        fprintf(stderr, "crisk quarantine: cannot count the quarantine: %s\n", cr_store_errmsg(s));
        return CLI_FAIL;
    }
    const char *k;
    json_t *v;
    if (!json) {
        printf("quarantine: %lld open, %lld resolved\n", (long long)open, (long long)resolved);
        json_object_foreach(by, k, v) printf("  %-20s %lld\n", k, (long long)json_integer_value(v));
        if (limit > 0)
            printf("rows%s%s (first %ld):\n", reason ? " with reason " : "", reason ? reason : "",
                   limit);
    }
    if (cr_store_quarantine_each(s, "open", reason, list_row, &l) || l.failed) {
        json_decref(by);
        json_decref(l.rows);
        fprintf(stderr, "crisk quarantine: cannot read the quarantine: %s\n", cr_store_errmsg(s));
        return CLI_FAIL;
    }
    if (json)
        return cli_json_print(json_pack("{s:I,s:I,s:o,s:o}", "open", (json_int_t)open, "resolved",
                                        (json_int_t)resolved, "by_reason", by, "rows", l.rows));
    json_decref(by);
    return CLI_OK;
}

/* A row of an export given to --retry: its raw column as written, and its line for messages. */
struct fix {
    int64_t id;
    long line;
    char *text;
    size_t len;
    int same; /* the raw column is exactly what the export wrote for this row */
};

static int fix_cmp(const void *a, const void *b)
{
    const struct fix *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* An export's id: decimal digits only, 1 to 18 of them (ids are positive int64), else -1. Read
 * whole: an id cut to fit a buffer could name another row. */
static long long export_id(const char *s, size_t len)
{
    if (len == 0 || len > 18)
        return -1;
    long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Reads an exported CSV (columns id and raw) with the feed reader itself. */
static int read_fixes(const char *path, struct fix **fixes, size_t *n)
{
    struct cr_topic t = {.code = "retry", .delimiter = ',', .header = 1};
    t.field[CR_F_KEY].name = "id";
    struct cr_column raw = {.name = "raw"};
    t.attrs = &raw;
    t.n_attrs = 1;
    cr_feed *f = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_err rc = cr_feed_open(path, &t, &f, &d);
    if (rc == CR_EPARSE) { /* the feed reader's words are about a catalog the user never wrote */
        fprintf(stderr,
                "crisk quarantine: %s: not an export of crisk quarantine --export: the retry file "
                "needs the export's columns id,topic,file,line,reason,detail,raw (with its "
                "header line); edit only the raw column\n",
                path);
        return CLI_BADINPUT;
    }
    if (rc)
        return cli_report_diag("quarantine", rc, &d);
    struct cr_feed_rec rec;
    size_t cap = 0;
    int exit_code = CLI_OK;
    cr_err next;
    while ((next = cr_feed_next(f, &rec)) == CR_OK) {
        const char *id, *text;
        size_t idl, tl;
        cr_feed_value(f, CR_F_KEY, &id, &idl);
        cr_feed_value(f, CR_FEED_ATTR(0), &text, &tl);
        long long v = export_id(id, idl);
        if (rec.reason || v <= 0) {
            fprintf(stderr, "crisk quarantine: %s:%ld: not a row of an export (%s)\n", path,
                    rec.line, rec.reason ? rec.detail : "bad id");
            exit_code = CLI_BADINPUT;
            break;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            void *p = realloc(*fixes, cap * sizeof **fixes);
            if (!p) {
                exit_code = CLI_FAIL;
                break;
            }
            *fixes = p;
        }
        char *copy = malloc(tl + 1);
        if (!copy) {
            exit_code = CLI_FAIL;
            break;
        }
        memcpy(copy, text, tl);
        copy[tl] = 0;
        (*fixes)[(*n)++] = (struct fix){v, rec.line, copy, tl, 0};
    }
    if (exit_code == CLI_OK && next != CR_ENOTFOUND) { /* not the end: the rest would be lost */
        fprintf(stderr, "crisk quarantine: %s: cannot read the retry file to its end: %s\n", path,
                cr_strerror(next));
        exit_code = CLI_FAIL;
    }
    cr_feed_close(f);
    return exit_code;
}

struct settle {
    struct fix *v;
    size_t n;
    int oom;
};

static int mark_same(void *ctx, const struct cr_quarantine_row *r)
{
    struct settle *st = ctx;
    struct fix key = {.id = r->id};
    struct fix *x = bsearch(&key, st->v, st->n, sizeof *st->v, fix_cmp);
    if (!x)
        return 0;
    char *raw = shown_raw(r);
    if (!raw)
        return st->oom = 1;
    /* Several lines may name one id: each is compared (and, when edited, retried) on its own. */
    for (struct fix *y = x; y > st->v && y[-1].id == r->id;)
        x = --y;
    for (; x < st->v + st->n && x->id == r->id; x++)
        x->same = x->len == strlen(raw) && memcmp(x->text, raw, x->len) == 0; /* NUL in text */
    free(raw);
    return 0;
}

/* Turns an export into retry items. A raw column left as the export wrote it is the stored row
 * itself (retried as stored: the same bytes, the same rejection); an edited one is un-escaped to
 * the bytes it names, to be read as UTF-8. */
static int settle_fixes(cr_store *s, const char *path, struct fix *v, size_t n,
                        struct cr_retry_item **items)
{
    qsort(v, n, sizeof *v, fix_cmp);
    struct settle st = {v, n, 0};
    if (cr_store_quarantine_each(s, "open", NULL, mark_same, &st) || st.oom) {
        fprintf(stderr, "crisk quarantine: cannot read the quarantine\n");
        return CLI_FAIL;
    }
    if (!(*items = calloc(n ? n : 1, sizeof **items)))
        return CLI_FAIL;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0, at = 0;
        if (!v[i].same && cr_unescape(v[i].text, v[i].len, v[i].text, &len, &at) != CR_OK) {
            fprintf(stderr,
                    "crisk quarantine: %s:%ld: the raw column has a backslash that is not \\\\ "
                    "or \\xNN (at byte %ld); write a backslash as \\\\\n",
                    path, v[i].line, (long)at + 1);
            return CLI_BADINPUT;
        }
        (*items)[i] = (struct cr_retry_item){v[i].id, v[i].same ? NULL : v[i].text, len};
    }
    return CLI_OK;
}

static int retry(cr_store *s, const char *catalog, const char *file, const char *data, int json)
{
    cr_diag d = {{0}, {0}, 0, 0};
    cr_catalog *cat = NULL;
    cr_ref *ref = NULL;
    struct cr_retry_item *items = NULL;
    struct fix *fixes = NULL;
    size_t n = 0;
    int exit_code = CLI_OK;
    cr_err rc = cr_catalog_load(catalog, &cat, &d);
    if (!rc)
        rc = cr_ref_load(data ? data : cr_ref_default_dir(), &ref, &d);
    if (!rc)
        rc = cr_catalog_add_divisions(cat, ref, &d);
    if (rc) {
        exit_code = cli_report_diag("quarantine", rc, &d);
        goto out;
    }
    if (file && ((exit_code = read_fixes(file, &fixes, &n)) ||
                 (exit_code = settle_fixes(s, file, fixes, n, &items))))
        goto out;
    struct cr_ingest_opts o = {.ref = ref};
    struct cr_retry_report rep = {0};
    rc = cr_ingest_retry(s, cat, &o, file ? items : NULL, file ? n : 0, &rep, &d);
    if (rc) {
        cr_retry_report_free(&rep);
        exit_code = cli_report_diag("quarantine", rc, &d);
        goto out;
    }
    int refused = 0;
    for (size_t i = 0; i < rep.n_skips; i++)
        refused |= rep.skips[i].refused;
    if (json) {
        json_t *skips = json_array();
        for (size_t i = 0; i < rep.n_skips; i++) {
            char *why = shown(rep.skips[i].why, strlen(rep.skips[i].why),
                              0); /* may name a file that is not UTF-8 */
            json_array_append_new(skips, json_pack("{s:I,s:s}", "id", (json_int_t)rep.skips[i].id,
                                                   "why", why ? why : "(out of memory)"));
            free(why);
        }
        exit_code = cli_json_print(json_pack(
            "{s:I,s:I,s:I,s:I,s:I,s:o}", "retried", (json_int_t)rep.retried, "loaded",
            (json_int_t)rep.loaded, "duplicates", (json_int_t)rep.duplicates, "quarantined",
            (json_int_t)rep.quarantined, "skipped", (json_int_t)rep.skipped, "skips", skips));
    } else {
        printf("retry: %lld retried = %lld loaded + %lld duplicates + %lld still quarantined; "
               "%lld skipped\n",
               (long long)rep.retried, (long long)rep.loaded, (long long)rep.duplicates,
               (long long)rep.quarantined, (long long)rep.skipped);
        for (size_t i = 0; i < rep.n_skips; i++) {
            char *why = shown(rep.skips[i].why, strlen(rep.skips[i].why), 0);
            printf("  skipped #%lld: %s\n", (long long)rep.skips[i].id,
                   why ? why : "(out of memory)");
            free(why);
        }
    }
    if (!exit_code && refused)
        exit_code = CLI_BADINPUT;
    cr_retry_report_free(&rep);
out:
    for (size_t i = 0; i < n; i++)
        free(fixes[i].text);
    free(fixes);
    free(items);
    cr_ref_free(ref);
    cr_catalog_free(cat);
    return exit_code;
}

int cmd_quarantine(int argc, char **argv)
{
    const char *db = NULL, *reason = NULL, *limit = NULL, *json = NULL, *export = NULL,
               *retry_flag = NULL, *catalog = NULL, *data = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db},           {"reason", 1, &reason},
                                   {"limit", 1, &limit},     {"json", 0, &json},
                                   {"export", 1, &export},   {"retry", 0, &retry_flag},
                                   {"catalog", 1, &catalog}, {"data", 1, &data}};
    const char *pos[1];
    size_t n_pos;
    int prc = cli_parse("quarantine", argc, argv, opts, 8, pos, 1, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    long long lim = 20;
    if ((prc = cli_int_opt("quarantine", "limit", limit, 0, CLI_MAX_LIST, &lim)))
        return prc;
    if ((n_pos && !retry_flag) || (retry_flag && !catalog)) {
        fprintf(stderr, "crisk quarantine: --retry needs --catalog; a file is given only to "
                        "--retry\n");
        return CLI_USAGE;
    }
    if (export && (prc = cli_check_output("quarantine", "export", export, cli_db_path(db))))
        return prc;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    /* Listing and export only read: they never create or change a store. */
    cr_err rc = retry_flag ? cr_store_open_existing(cli_db_path(db), &s, &d)
                           : cr_store_open_readonly(cli_db_path(db), &s, &d);
    if (rc)
        return cli_report_diag("quarantine", rc, &d);
    int exit_code;
    if (retry_flag) {
        exit_code = retry(s, catalog, n_pos ? pos[0] : NULL, data, json != NULL);
    } else if (export) {
        FILE *fp = cli_open_output("quarantine", "export", export, cli_db_path(db), &exit_code);
        struct listing l = {.csv = fp};
        if (fp) {
            fputs("id,topic,file,line,reason,detail,raw\n", fp);
            rc = cr_store_quarantine_each(s, "open", reason, list_row, &l);
            if (rc)
                fprintf(stderr, "crisk quarantine: cannot read the quarantine: %s\n",
                        cr_store_errmsg(s));
            exit_code = fclose(fp) || rc || l.failed ? CLI_FAIL : CLI_OK;
            if (!exit_code)
                fprintf(stderr, "exported %ld rows to %s\n", l.shown, export);
        }
    } else {
        exit_code = summary(s, reason, (long)lim, json != NULL);
    }
    cr_store_close(s);
    return exit_code;
}
