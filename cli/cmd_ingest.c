/* crisk ingest: read every feed of a catalog into the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crisk/catalog.h"
#include "crisk/escape.h"
#include "crisk/ingest.h"
#include "crisk/ref.h"
#include "crisk/store.h"

static const char help[] =
    "usage: crisk ingest --catalog FILE [--db FILE] [--json] [--batch-rows N] [--threads N]\n"
    "                    [--data DIR]\n"
    "\n"
    "Reads every feed file the catalog names, cleans, validates, de-duplicates and links each\n"
    "row, and stores it. Rejected rows go to the quarantine with file, line and reason\n"
    "(see crisk quarantine). Files already ingested with the same content are skipped; a file\n"
    "that grew by appended rows is read from its first new line; an interrupted run resumes\n"
    "where its last commit ended.\n"
    "\n"
    "  --catalog FILE   the feed catalog (YAML; format in docs/catalog.md)\n"
    "  --db FILE        the store (default $CRISK_DB, else ./crisk.db)\n"
    "  --json           print one JSON object with per-file and total counts\n"
    "  --batch-rows N   rows per resume point at most; commits fall on them (default 200000)\n"
    "  --threads N      parser threads for the event feeds, 1 to 64 (default: one per core,\n"
    "                   at most 8)\n"
    "  --data DIR       reference data folder (default: the shipped data/)\n"
    "\n"
    "Exit: 0 ok, 1 store failure, 2 usage, 3 bad catalog or unreadable feed file.\n";

/* A file name or message as shown: cr_escape's exact, reversible form (the quarantine's,
 * docs/collect.md), since a name need not be UTF-8 (a GBK name from a Windows share) and may
 * hold line breaks or control bytes. NULL when out of memory. */
static char *shown(const char *s)
{
    char *out = NULL;
    return cr_escape(s, strlen(s), 0, &out, NULL) == CR_OK ? out : NULL;
}

/* What a failed run committed of each file it read (committed_view): the file's counts as the
 * store holds them, and where the same command goes on. */
enum committed { COMMITTED_DONE, COMMITTED_PARTIAL, COMMITTED_NONE };
struct file_state {
    enum committed state;
    int64_t resume_line; /* COMMITTED_PARTIAL: the line the same command resumes at */
};

static const char *const committed_name[] = {"done", "partial", "none"};

/* fs: NULL for a run that ended, else the file's committed state after a failed one. */
static json_t *file_json(const struct cr_ingest_file *f, const struct file_state *fs)
{
    char *path = shown(f->path), *topic = shown(f->topic),
         *error = f->error ? shown(f->error) : NULL;
    json_t *o =
        path && topic && (error || !f->error)
            ? json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "path", path, "topic", topic, "read",
                        (json_int_t)f->read, "loaded", (json_int_t)f->loaded, "duplicates",
                        (json_int_t)f->duplicates, "quarantined", (json_int_t)f->quarantined)
            : NULL;
    if (o && f->skipped)
        json_object_set_new(o, "skipped", json_true());
    if (o && f->resumed)
        json_object_set_new(o, "resumed", json_true());
    if (o && f->appended_from > 0)
        json_object_set_new(o, "appended_from", json_integer((json_int_t)f->appended_from));
    if (o && f->unmatched)
        json_object_set_new(o, "unmatched", json_true());
    if (o && f->utf8_lines && !fs) /* a failed run's count may hold rolled-back rows */
        json_object_set_new(o, "utf8_lines", json_integer((json_int_t)f->utf8_lines));
    if (o && f->utf8_first_line && !fs)
        json_object_set_new(o, "utf8_first_line", json_integer((json_int_t)f->utf8_first_line));
    if (o && f->same_as) {
        char *same = shown(f->same_as);
        if (!same || json_object_set_new(o, "same_as", json_string(same))) {
            json_decref(o);
            o = NULL;
        }
        free(same);
    }
    if (o && error)
        json_object_set_new(o, "error", json_string(error));
    if (o && fs && !f->error && !f->skipped && !f->same_as && !f->unmatched) {
        json_object_set_new(o, "committed", json_string(committed_name[fs->state]));
        if (fs->state == COMMITTED_PARTIAL)
            json_object_set_new(o, "resume_line", json_integer((json_int_t)fs->resume_line));
    }
    free(path);
    free(topic);
    free(error);
    return o;
}

static json_t *report_json(const struct cr_ingest_report *r, const struct cr_store_counts *c,
                           const struct file_state *fs)
{
    json_t *files = json_array();
    for (size_t i = 0; i < r->n_files; i++) {
        json_t *o = file_json(&r->files[i], fs ? &fs[i] : NULL);
        if (!o || json_array_append_new(files, o)) { /* never a report that leaves a file out */
            json_decref(files);
            return NULL;
        }
    }
    json_t *reasons = json_object();
    for (size_t i = 0; !fs && i < r->n_reasons; i++) /* a failed run's counted rolled-back rows */
        json_object_set_new(reasons, r->reasons[i].reason, json_integer(r->reasons[i].count));
    double rate = r->seconds > 0 ? (double)r->read / r->seconds : 0;
    json_t *o = json_pack(
        "{s:o,s:{s:I,s:I,s:I,s:I,s:I},s:o,s:I,s:I,s:f,s:f,s:f,s:{s:I,s:I,s:I,s:I,s:I,s:I}}",
        "files", files, "totals", "read", (json_int_t)r->read, "loaded", (json_int_t)r->loaded,
        "duplicates", (json_int_t)r->duplicates, "quarantined", (json_int_t)r->quarantined,
        "unlinked", (json_int_t)r->unlinked, "reasons", reasons, "file_errors",
        (json_int_t)r->n_file_errors, "unmatched_patterns", (json_int_t)r->n_unmatched_patterns,
        "seconds", r->seconds, "index_seconds", r->index_seconds, "rows_per_s", rate, "store",
        "enterprises", (json_int_t)c->enterprises, "subjects", (json_int_t)c->subjects,
        "unregistered_subjects", (json_int_t)c->subjects_unregistered, "events",
        (json_int_t)c->events, "roles", (json_int_t)c->roles, "quarantined_open",
        (json_int_t)c->quarantined_open);
    if (o && r->n_nulled && !fs) { /* fields left out by on_error: null (docs/catalog.md) */
        json_t *nulled = json_object();
        for (size_t i = 0; i < r->n_nulled; i++)
            json_object_set_new(nulled, r->nulled[i].reason, json_integer(r->nulled[i].count));
        json_object_set_new(o, "nulled", nulled);
    }
    if (o && r->unverified_divisions && !fs) /* another city's streets and grids, kept as given */
        json_object_set_new(o, "unverified_divisions", json_integer(r->unverified_divisions));
    return o;
}

/* ---- after a failed run: what the store holds of the files it read ---- */

struct by_id {
    int64_t id; /* the file's record (cr_ingest_file.file_id) */
    size_t i;   /* in the report */
};

static int cmp_by_id(const void *x, const void *y)
{
    int64_t a = ((const struct by_id *)x)->id, b = ((const struct by_id *)y)->id;
    return a < b ? -1 : a > b;
}

struct view {
    struct cr_ingest_report *r;
    struct file_state *fs;
    struct by_id *k; /* the files the run read rows of, by record id */
    size_t n;
};

/* The store's record of a file the run read: its counts replace the run's. */
static void file_seen(void *ctx, const char *path, const struct cr_file_rec *rec)
{
    (void)path;
    struct view *v = ctx;
    struct by_id key = {rec->id, 0};
    const struct by_id *hit = bsearch(&key, v->k, v->n, sizeof *v->k, cmp_by_id);
    if (!hit)
        return;
    struct cr_ingest_file *f = &v->r->files[hit->i];
    v->fs[hit->i].state = rec->done ? COMMITTED_DONE : COMMITTED_PARTIAL;
    v->fs[hit->i].resume_line = rec->next_line;
    f->read = rec->n_read;
    f->loaded = rec->n_loaded;
    f->duplicates = rec->n_duplicate;
    f->quarantined = rec->n_quarantined;
}

/* Replaces the counts of a failed run's report by what the store holds of each file it read (the
 * rows of the batch on its way when the run stopped were rolled back), and says per file whether
 * it was read to its end, in part, or not at all. NULL when the store cannot say (then only the
 * error is shown). */
static struct file_state *committed_view(cr_store *s, struct cr_ingest_report *r)
{
    struct view v = {.r = r};
    v.fs = calloc(r->n_files + 1, sizeof *v.fs);
    v.k = malloc((r->n_files + 1) * sizeof *v.k);
    if (!v.fs || !v.k) {
        free(v.fs);
        free(v.k);
        return NULL;
    }
    for (size_t i = 0; i < r->n_files; i++) {
        struct cr_ingest_file *f = &r->files[i];
        if (f->error || f->skipped || f->same_as || f->unmatched)
            continue;
        v.fs[i].state = COMMITTED_NONE; /* unless the store has its record */
        f->read = f->loaded = f->duplicates = f->quarantined = 0;
        if (f->file_id)
            v.k[v.n++] = (struct by_id){f->file_id, i};
    }
    qsort(v.k, v.n, sizeof *v.k, cmp_by_id);
    cr_err rc = cr_store_files_each(s, file_seen, &v);
    free(v.k);
    if (rc) {
        free(v.fs);
        return NULL;
    }
    r->read = r->loaded = r->duplicates = r->quarantined = 0;
    for (size_t i = 0; i < r->n_files; i++) {
        r->read += r->files[i].read;
        r->loaded += r->files[i].loaded;
        r->duplicates += r->files[i].duplicates;
        r->quarantined += r->files[i].quarantined;
    }
    return v.fs;
}

static void store_line(const struct cr_store_counts *c)
{
    char a[32], b[32], d[32], e[32];
    cli_group(a, sizeof a, c->enterprises);
    cli_group(b, sizeof b, c->events);
    cli_group(d, sizeof d, c->subjects_unregistered);
    cli_group(e, sizeof e, c->quarantined_open);
    printf("store: %s enterprises, %s events, %s keys without a registry row yet, %s rows in "
           "quarantine\n",
           a, b, d, e);
}

/* fs: NULL for a run that ended, else the files' committed state after a failed one (then
 * neither time nor reasons, which counted rows that were rolled back). */
static void report_text(const struct cr_ingest_report *r, const struct cr_store_counts *c,
                        const struct file_state *fs)
{
    char a[32], b[32], d[32], e[32];
    if (fs)
        printf("committed before the stop (the store's counts of each file this run read):\n");
    for (size_t i = 0; i < r->n_files; i++) {
        const struct cr_ingest_file *f = &r->files[i];
        char *path = shown(f->path), *err = f->error ? shown(f->error) : NULL;
        const char *p = path ? path : "(out of memory)";
        if (f->error) {
            printf("  %-8s %s: ERROR %s\n", f->topic, p, err ? err : "(out of memory)");
        } else if (f->skipped) {
            printf("  %-8s %s: already ingested, skipped\n", f->topic, p);
        } else if (f->same_as) {
            char *same = shown(f->same_as);
            printf("  %-8s %s: same file as %s, read once\n", f->topic, p,
                   same ? same : "(out of memory)");
            free(same);
        } else if (f->unmatched) {
            printf("  %-8s %s: WARNING this pattern matches no file\n", f->topic, p);
        } else {
            cli_group(a, sizeof a, f->read);
            cli_group(b, sizeof b, f->loaded);
            cli_group(d, sizeof d, f->duplicates);
            cli_group(e, sizeof e, f->quarantined);
            char from[64] = "", utf8[160] = "";
            if (f->appended_from > 0)
                snprintf(from, sizeof from, " (rows appended: read from line %lld)",
                         (long long)f->appended_from);
            if (f->utf8_lines)
                snprintf(utf8, sizeof utf8,
                         " (WARNING %lld rows are UTF-8 in a file declared gb18030, the first at "
                         "line %ld: read as UTF-8)",
                         (long long)f->utf8_lines, f->utf8_first_line);
            char state[96] = "";
            if (fs && fs[i].state == COMMITTED_PARTIAL)
                snprintf(state, sizeof state, " (in part: the same command resumes at line %lld)",
                         (long long)fs[i].resume_line);
            else if (fs && fs[i].state == COMMITTED_NONE)
                snprintf(state, sizeof state, " (nothing committed)");
            printf("  %-8s %s: %s read = %s loaded + %s duplicates + %s quarantined%s%s%s%s\n",
                   f->topic, p, a, b, d, e, f->resumed ? " (resumed)" : "", from, fs ? "" : utf8,
                   state);
        }
        free(path);
        free(err);
    }
    cli_group(a, sizeof a, r->read);
    cli_group(b, sizeof b, r->loaded);
    cli_group(d, sizeof d, r->duplicates);
    cli_group(e, sizeof e, r->quarantined);
    printf("total: %zu files, %s read = %s loaded + %s duplicates + %s quarantined\n",
           r->n_files - r->n_unmatched_patterns, a, b, d, e);
    if (fs) {
        store_line(c);
        return;
    }
    cli_group(a, sizeof a, (long long)(r->seconds > 0 ? (double)r->read / r->seconds : 0));
    printf("time: %.2f s, %s rows/s (of which %.2f s building lookup indexes)\n", r->seconds, a,
           r->index_seconds);
    for (size_t i = 0; i < r->n_reasons; i++) {
        cli_group(a, sizeof a, r->reasons[i].count);
        printf("  quarantined %-20s %s\n", r->reasons[i].reason, a);
    }
    for (size_t i = 0; i < r->n_nulled; i++) {
        cli_group(a, sizeof a, r->nulled[i].count);
        printf("  nulled      %-20s %s (field left out, row loaded: on_error: null)\n",
               r->nulled[i].reason, a);
    }
    if (r->unverified_divisions) {
        cli_group(a, sizeof a, r->unverified_divisions);
        printf("  unverified  %s street or grid codes of counties without reference data for them, "
               "kept as given\n",
               a);
    }
    store_line(c);
    if (r->n_file_errors)
        printf("%zu file(s) could not be read: see ERROR lines above\n", r->n_file_errors);
    if (r->n_unmatched_patterns)
        printf("warning: %zu catalog file pattern(s) matched no file: see WARNING lines above\n",
               r->n_unmatched_patterns);
}

/* After a failed run: its report on stdout (text or JSON, the error in it), with the counts the
 * store holds of each file it read. Nothing when the store cannot say. */
static void report_committed(cr_store *s, struct cr_ingest_report *r, const cr_diag *d, int json)
{
    struct cr_store_counts counts = {0};
    struct file_state *fs = committed_view(s, r);
    if (fs && !cr_store_counts(s, &counts)) {
        if (json) {
            char msg[1200];
            cr_diag_format(d, msg, sizeof msg);
            char *error = shown(msg);
            json_t *o = error ? report_json(r, &counts, fs) : NULL;
            if (o && json_object_set_new(o, "error", json_string(error))) {
                json_decref(o);
                o = NULL;
            }
            if (o)
                cli_json_print(o);
            free(error);
        } else {
            report_text(r, &counts, fs);
        }
    }
    free(fs);
}

int cmd_ingest(int argc, char **argv)
{
    const char *db = NULL, *catalog = NULL, *json = NULL, *batch = NULL, *data = NULL,
               *threads_s = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db},
                                   {"catalog", 1, &catalog},
                                   {"json", 0, &json},
                                   {"batch-rows", 1, &batch},
                                   {"threads", 1, &threads_s},
                                   {"data", 1, &data}};
    size_t n_pos;
    int prc = cli_parse("ingest", argc, argv, opts, 6, NULL, 0, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (!catalog) {
        fprintf(stderr, "crisk ingest: --catalog FILE is required\n");
        return CLI_USAGE;
    }
    long long batch_rows = 0, threads = 0; /* 0: the library's defaults */
    if ((prc = cli_int_opt("ingest", "batch-rows", batch, 1, CLI_MAX_ROWS, &batch_rows)) ||
        (prc = cli_int_opt("ingest", "threads", threads_s, 1, CLI_MAX_THREADS, &threads)))
        return prc;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_catalog *cat = NULL;
    cr_ref *ref = NULL;
    cr_store *s = NULL;
    struct cr_ingest_report rep = {0};
    int exit_code = CLI_OK;
    const char *stage = "reading the catalog";
    cr_err rc = cr_catalog_load(catalog, &cat, &d);
    if (!rc) {
        stage = "reading the reference data";
        rc = cr_ref_load(data ? data : cr_ref_default_dir(), &ref, &d);
    }
    if (!rc)
        rc = cr_catalog_add_divisions(cat, ref, &d);
    if (!rc) {
        stage = "opening the store";
        rc = cr_store_open(cli_db_path(db), &s, &d);
    }
    if (rc == CR_ENOMEM && !d.msg[0]) /* nothing read or written yet */
        cr_diag_set(&d, rc, NULL, 0, 0, "out of memory %s", stage);
    if (rc) {
        exit_code = cli_report_diag("ingest", rc, &d);
        goto out;
    }
    struct cr_ingest_opts io = {.ref = ref, .batch_rows = batch_rows, .threads = (int)threads};
    cli_progress_start("ingest");
    rc = cr_ingest_run(s, cat, &io, &rep, &d);
    int run_failed = rc != CR_OK; /* else only the count below: everything was committed */
    cli_progress_end();
    struct cr_store_counts counts = {0};
    if (!rc && cr_store_counts(s, &counts))
        rc = cli_store_fail(&d, CR_ESTORE, s, "cannot count the store");
    if (rc) {
        exit_code = cli_report_diag("ingest", rc, &d);
        if (run_failed && rep.n_files) { /* files were read: some may be committed (collect.md) */
            report_committed(s, &rep, &d, json != NULL);
            fprintf(stderr, "crisk ingest: what was committed before this stays in the store, "
                            "consistent; the same command resumes from there (files read to "
                            "their end are skipped, an interrupted one goes on from its last "
                            "commit)\n");
        }
        goto out;
    }
    if (json)
        exit_code = cli_json_print(report_json(&rep, &counts, NULL));
    else
        report_text(&rep, &counts, NULL);
    if (exit_code == CLI_OK && rep.n_file_errors)
        exit_code = CLI_BADINPUT;
out:
    cr_ingest_report_free(&rep);
    cr_store_close(s);
    cr_ref_free(ref);
    cr_catalog_free(cat);
    return exit_code;
}
