/* Fuzz target: a whole ingest of one feed file into a fresh in-memory store, through the public
 * API (catalog file, cr_ingest_run, quarantine retry). The first byte chooses the topic:
 *   bits 0-1  role: 0 events, 1 registry, 2 roles, 3 events keyed by a local key
 *   bit 2     JSON Lines (else CSV)      bit 3  GB18030 (else UTF-8)
 *   bits 4-5  delimiter , | \t ;         bit 6  CSV without a header (columns by position)
 *   bit 7     then ingest again (the file must be skipped) and retry the quarantine
 * the rest is the file. Every row must be accounted for: read = loaded + duplicates +
 * quarantined, and the store's open quarantine holds exactly the quarantined rows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/catalog.h"
#include "crisk/ingest.h"
#include "crisk/ref.h"
#include "crisk/store.h"
#include "fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Registry coordinates are mapped (1). They were left unmapped (0) while coordinates that are
 * not coordinates crashed ingest (a message with three %s and two arguments); that fix is in
 * and corpus/ingest/crash-registry-coords-na is replayed. Set 0 only to fuzz without them. */
#define MAP_COORDS 1

/* Columns of each role, in file order: by name with a header, by position without. */
static const char *const cols_events[] = {"k", "d", "a", "x", "y", NULL};
static const char *const map_events[] = {"key", "date", "amount", "+x", "+y", NULL};
static const char *const cols_registry[] = {"k",  "n",  "t",  "i", "c",  "e",  "s",
                                            "ad", "di", "st", "g", "lo", "la", NULL};
static const char *const map_registry[] = {
    "key",     "name",     "type",   "industry", "capital", "established", "status",
    "address", "district", "street", "grid",     "lon",     "lat",         NULL};
static const char *const cols_roles[] = {"k", "p", "pn", "r", "d", NULL};
static const char *const map_roles[] = {"key", "person_id", "person_name", "role", "date", NULL};

/* Appends printf-formatted text to buf (capacity cap, length *len); aborts when it is full. */
static void add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *len)
        abort();
    *len += (size_t)n;
}

/* How the catalog names column i: its header name, or its 1-based position. */
static void colref(const char *const *cols, int i, int positional, char *out, size_t cap)
{
    if (positional)
        snprintf(out, cap, "%d", i + 1);
    else
        snprintf(out, cap, "%s", cols[i]);
}

/* The catalog text of a variant (the low 7 bits of the first byte). */
static size_t catalog_text(unsigned v, char *buf, size_t cap)
{
    static const char *const delims[4] = {",", "|", "\\t", ";"};
    int role = v & 3, jsonl = (v >> 2) & 1, positional = !jsonl && ((v >> 6) & 1);
    const char *const *cols = role == 1 ? cols_registry : role == 2 ? cols_roles : cols_events;
    const char *const *map = role == 1 ? map_registry : role == 2 ? map_roles : map_events;
    const char *kind = role == 1 ? "registry" : role == 2 ? "roles" : "penalty";
    size_t len = 0;
    add(buf, cap, &len,
        "catalog: fuzz\ndepartments:\n  - {code: D, name: d}\ntopics:\n  - code: T\n"
        "    name: t\n    department: D\n    kind: %s\n    files: [feed.dat]\n"
        "    format: %s\n    encoding: %s\n",
        kind, jsonl ? "jsonl" : "csv", (v >> 3) & 1 ? "gb18030" : "utf-8");
    if (!jsonl)
        add(buf, cap, &len, "    delimiter: \"%s\"\n    header: %s\n", delims[(v >> 4) & 3],
            positional ? "false" : "true");
    char col[16];
    colref(cols, 0, positional, col, sizeof col);
    if (role == 3)
        add(buf, cap, &len, "    key: {column: %s, type: local, namespace: fz}\n", col);
    else
        add(buf, cap, &len, "    key: %s\n", col);
    add(buf, cap, &len, "    fields:\n");
    for (int i = 1; map[i]; i++)
        if (map[i][0] != '+' &&
            (MAP_COORDS || (strcmp(map[i], "lon") != 0 && strcmp(map[i], "lat") != 0))) {
            colref(cols, i, positional, col, sizeof col);
            add(buf, cap, &len, "      %s: %s\n", map[i], col);
        }
    add(buf, cap, &len, "    attrs: [");
    for (int i = 1, first = 1; map[i]; i++)
        if (map[i][0] == '+') {
            colref(cols, i, positional, col, sizeof col);
            add(buf, cap, &len, "%s%s", first ? "" : ", ", col);
            first = 0;
        }
    add(buf, cap, &len, "]\n");
    return len;
}

static cr_catalog *catalog_of(unsigned v)
{
    static cr_catalog *cats[128];
    if (cats[v])
        return cats[v];
    char text[2048], name[32], path[600];
    size_t len = catalog_text(v, text, sizeof text);
    snprintf(name, sizeof name, "catalog-%u.yaml", v);
    fuzz_tmp_write(name, text, len, path, sizeof path);
    cr_diag d = {{0}, {0}, 0, 0};
    if (cr_catalog_load(path, &cats[v], &d) != CR_OK) {
        fprintf(stderr, "fuzz_ingest: catalog %u: %s\n%s", v, d.msg, text);
        abort();
    }
    return cats[v];
}

/* Checks the accounting of one ingest report against the store. */
static void check(cr_store *s, const struct cr_ingest_report *r)
{
    if (r->n_files != 1)
        __builtin_trap();
    const struct cr_ingest_file *f = &r->files[0];
    if (f->read != f->loaded + f->duplicates + f->quarantined)
        __builtin_trap();
    if (r->read != r->loaded + r->duplicates + r->quarantined)
        __builtin_trap();
    struct cr_store_counts c;
    if (cr_store_counts(s, &c) != CR_OK)
        __builtin_trap();
    if (!f->skipped && c.quarantined_open != f->quarantined)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cr_ref *ref;
    if (!ref && cr_ref_load(cr_ref_default_dir(), &ref, NULL) != CR_OK)
        abort();
    if (size < 1)
        return 0;
    cr_catalog *cat = catalog_of(data[0] & 127);
    char path[600];
    fuzz_tmp_write("feed.dat", data + 1, size - 1, path, sizeof path);
    cr_store *s = NULL;
    if (cr_store_open(":memory:", &s, NULL) != CR_OK)
        abort();
    struct cr_ingest_opts opts = {.ref = ref, .threads = 1};
    struct cr_ingest_report r;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_err rc = cr_ingest_run(s, cat, &opts, &r, &d);
    if (rc != CR_OK) {
        fprintf(stderr, "fuzz_ingest: %s: %s\n", cr_strerror(rc), d.msg);
        __builtin_trap(); /* an in-memory store does not fail */
    }
    check(s, &r);
    int64_t quarantined = r.files[0].quarantined;
    int file_error = r.files[0].error != NULL;
    cr_ingest_report_free(&r);
    if (data[0] & 128) {
        if (cr_ingest_run(s, cat, &opts, &r, &d) != CR_OK)
            __builtin_trap();
        check(s, &r);
        if (!file_error && (!r.files[0].skipped || r.read != 0))
            __builtin_trap(); /* the same content again adds nothing */
        cr_ingest_report_free(&r);
        struct cr_retry_report rr;
        if (cr_ingest_retry(s, cat, &opts, NULL, 0, &rr, &d) != CR_OK)
            __builtin_trap();
        if (rr.retried + rr.skipped != quarantined ||
            rr.retried != rr.loaded + rr.duplicates + rr.quarantined)
            __builtin_trap();
        if (getenv("CRISK_FUZZ_SHOW"))
            for (size_t i = 0; i < rr.n_skips; i++)
                fprintf(stderr, "skipped #%lld: %s\n", (long long)rr.skips[i].id, rr.skips[i].why);
        if (rr.loaded || rr.duplicates)
            __builtin_trap(); /* nothing changed: what failed still fails */
        cr_retry_report_free(&rr);
    }
    cr_store_close(s);
    return 0;
}
