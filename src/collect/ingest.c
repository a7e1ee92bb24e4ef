#include "crisk/ingest.h"

#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crisk/addr.h"
#include "crisk/feed.h"
#include "crisk/hash.h"
#include "crisk/progress.h"
#include "ingest_internal.h"
#include "sink.h"
#include "base/tables.h"

/* ---- loading the in-memory indexes (tables.h) from the store ---- */

static void load_subject(void *ctx, const char *key, size_t len, int64_t id, int registered)
{
    struct smap *m = ctx;
    if (!m->err && !cr__smap_put(m, key, len, cr__key_hash(key, len), id, registered))
        m->err = CR_ENOMEM;
}

static void load_hash(void *ctx, int64_t topic, int64_t h)
{
    struct hsets *s = ctx;
    struct hkey k = {(uint64_t)h, 0}; /* only lo is stored: hi unknown */
    if (topic < 0 || (size_t)topic >= s->n || cr__hset_add(&s->t[topic], k) < 0)
        s->oom = 1; /* checked after the scan */
}

/* An open quarantine row's raw line, so that the same bad line read again (a file delivered
 * again under another name) is not quarantined twice (rows.c). Not for roles topics, whose raw
 * lines are stored with ID numbers masked, so that two rows may look the same there: their sets
 * stay empty and are never asked. */
struct qload {
    ingest *ig;
    const uint8_t *roles; /* by topic id: 1 for a roles topic */
};

static int load_qrow(void *ctx, int64_t topic, const void *raw, size_t len)
{
    struct qload *q = ctx;
    if (topic < 0 || (size_t)topic >= q->ig->qseen.n || q->roles[topic])
        return 0;
    if (cr__ingest_qseen(q->ig, topic, raw, len) < 0)
        q->ig->qseen.oom = 1;
    return q->ig->qseen.oom; /* stops the scan */
}

static cr_err load_quarantine_lines(ingest *ig)
{
    uint8_t *roles = calloc(ig->qseen.n + 1, 1);
    if (!roles)
        return cr_diag_set(ig->d, CR_ENOMEM, NULL, 0, 0,
                           "out of memory for the open quarantine's lines");
    for (size_t i = 0; i < ig->cat->n_topics; i++)
        if (ig->cat->topics[i].role == CR_TOPIC_ROLES && ig->topic_ids[i] >= 0 &&
            (size_t)ig->topic_ids[i] < ig->qseen.n)
            roles[ig->topic_ids[i]] = 1;
    struct qload q = {ig, roles};
    cr_err rc = CR_OK;
    if (cr_store_quarantine_open_raws(ig->s, load_qrow, &q))
        rc = cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "cannot read the open quarantine: %s",
                         cr_store_errmsg(ig->s));
    else if (ig->qseen.oom)
        rc = cr_diag_set(ig->d, CR_ENOMEM, NULL, 0, 0,
                         "out of memory for the open quarantine's lines");
    free(roles);
    return rc;
}

/* ---- the run ---- */

static void load_person(void *ctx, const unsigned char h[16], int64_t id)
{
    struct pmap *m = ctx;
    struct pent *e = cr__pmap_slot(m, h);
    if (!e) {
        m->oom = 1;
        return;
    }
    memcpy(e->h, h, 16);
    e->id = id;
    m->n++;
}

static void load_file(void *ctx, const char *path, const struct cr_file_rec *rec)
{
    struct known_files *k = ctx;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 256;
        void *p = realloc(k->v, cap * sizeof *k->v);
        if (!p) {
            k->oom = 1;
            return;
        }
        k->v = p;
        k->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy) {
        k->oom = 1;
        return;
    }
    k->v[k->n++] = (struct known_file){copy, *rec};
}

static struct cr_ingest_file *add_file_report(struct cr_ingest_report *r, const char *path,
                                              const char *topic)
{
    void *p = realloc(r->files, (r->n_files + 1) * sizeof *r->files);
    if (!p)
        return NULL;
    r->files = p;
    struct cr_ingest_file *fr = &r->files[r->n_files];
    memset(fr, 0, sizeof *fr);
    fr->path = strdup(path);
    fr->topic = strdup(topic);
    if (!fr->path || !fr->topic) {
        free(fr->path);
        free(fr->topic);
        return NULL;
    }
    r->n_files++;
    return fr;
}

/* Records why the run fails, unless a thread did so first; returns rc. */
CR_FORMAT(3, 4)
static cr_err fail_note(ingest *ig, cr_err rc, const char *fmt, ...)
{
    if (ig->par)
        pthread_mutex_lock(&ig->par->mu);
    if (ig->fail && !ig->fail[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ig->fail, FAIL_CAP, fmt, ap);
        va_end(ap);
    }
    if (ig->par)
        pthread_mutex_unlock(&ig->par->mu);
    return rc;
}

/* 1 when rc is this thread's own out of memory, not the writer's (whose message says what it
 * could not keep, cr__sink_finish): a file or topic is named only for its own. */
static int local_oom(ingest *ig, cr_err rc)
{
    return rc == CR_ENOMEM && !(ig->k && cr__sink_error(ig->k) == CR_ENOMEM);
}

/* The file's identity when its ingest starts: checked at every resume point, because the rows
 * read come from a copy taken when it was opened (cr_feed_open) and must stay those the
 * file holds. */
struct file_id {
    off_t size;
    ino_t ino;
    struct timespec mtime;
};

static int file_id_get(const char *path, struct file_id *id)
{
    struct stat st;
    if (stat(path, &st))
        return -1;
    *id = (struct file_id){st.st_size, st.st_ino, st.st_mtim};
    return 0;
}

/* CR_EIO with the run's failure noted when the file at full is no longer what was opened. */
static cr_err file_unchanged(ingest *ig, const char *rel, const char *full,
                             const struct file_id *was)
{
    struct file_id now;
    if (file_id_get(full, &now))
        return fail_note(ig, CR_EIO,
                         "%s: removed while it was read; rows after its last resume point were "
                         "not kept (run ingest again)",
                         rel);
    if (now.size == was->size && now.ino == was->ino && now.mtime.tv_sec == was->mtime.tv_sec &&
        now.mtime.tv_nsec == was->mtime.tv_nsec)
        return CR_OK;
    char what[96];
    if (now.size != was->size)
        snprintf(what, sizeof what, "%lld bytes when opened, %lld now", (long long)was->size,
                 (long long)now.size);
    else if (now.ino != was->ino)
        snprintf(what, sizeof what, "replaced by another file of the same size");
    else
        snprintf(what, sizeof what, "same size, modified since it was opened");
    return fail_note(ig, CR_EIO,
                     "%s: changed while it was read (%s); rows after its last resume point were "
                     "not kept (run ingest again)",
                     rel, what);
}

/* The test hooks of the row just processed (see struct ingest). */
static cr_err test_hooks(ingest *ig)
{
    ig->rows_seen++;
    if (ig->rows_seen == ig->fault_row) /* as a failing disk or store would give */
        return fail_note(ig, CR_EIO, "fault injected at row %lld (CRISK_FAULT_ROW)",
                         (long long)ig->rows_seen);
    if (ig->rows_seen == ig->pause_row && ig->pause_file) {
        int fd = open(ig->pause_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
        /* At most 10 minutes: a test that died must not leave an ingest behind forever. */
        struct timespec tick = {0, 10 * 1000 * 1000};
        for (int i = 0; fd >= 0 && i < 60000 && access(ig->pause_file, F_OK) == 0; i++)
            nanosleep(&tick, NULL);
    }
    return CR_OK;
}

/* The record of an earlier run of this file (same topic, content and path), else NULL. */
static const struct known_file *known_find(const ingest *ig, int64_t topic_id, int64_t hash,
                                           const char *rel)
{
    for (size_t i = 0; i < ig->files.n; i++)
        if (ig->files.v[i].rec.topic == topic_id && ig->files.v[i].rec.hash == hash &&
            strcmp(ig->files.v[i].path, rel) == 0)
            return &ig->files.v[i];
    return NULL;
}

/* The record of the longest earlier content of this file (same topic and path) that was read
 * to its end and that this content extends (rows appended to it), else NULL. */
static const struct known_file *known_prefix(const ingest *ig, int64_t topic_id, const char *rel,
                                             const cr_feed *f)
{
    const struct known_file *best = NULL;
    for (size_t i = 0; i < ig->files.n; i++) {
        const struct known_file *k = &ig->files.v[i];
        if (k->rec.topic == topic_id && k->rec.done && strcmp(k->path, rel) == 0 &&
            (!best || k->rec.size > best->rec.size) && cr_feed_extends(f, k->rec.size, k->rec.hash))
            best = k;
    }
    return best;
}

/* A new file record's id: the next of the run (shared by the parser threads). */
static int64_t next_file_id(ingest *ig)
{
    int64_t id;
    if (ig->par) {
        pthread_mutex_lock(&ig->par->mu);
        id = ++ig->par->next_file;
        pthread_mutex_unlock(&ig->par->mu);
    } else {
        id = ++ig->next_file;
    }
    return id;
}

static cr_err ingest_file(ingest *ig, const struct cr_topic *t, int64_t topic_id, const char *rel,
                          const char *full)
{
    struct cr_ingest_file *out = add_file_report(ig->rep, rel, t->code);
    if (!out)
        return CR_ENOMEM;
    int64_t utf8_before = 0; /* an appended file: its earlier rows read as UTF-8 */
    cr_feed *f = NULL;
    cr_diag fd = {{0}, {0}, 0, 0};
    struct file_id fid;
    int have_id = file_id_get(full, &fid) == 0; /* before the copy is taken */
    cr_err rc = cr_feed_open(full, t, &f, &fd);
    if (!rc && !have_id) {
        cr_feed_close(f);
        f = NULL;
        rc = cr_diag_set(&fd, CR_EIO, full, 0, 0, "feed changed while it was opened");
    }
    if (rc == CR_ENOMEM) /* a feed is read whole into memory */
        return fail_note(
            ig, rc, "%s (topic %s): out of memory to read it (a feed is read whole into memory)",
            rel, t->code);
    if (rc) {
        char msg[900];
        snprintf(fd.file, sizeof fd.file, "%s", rel);
        out->error = strdup(cr_diag_format(&fd, msg, sizeof msg));
        ig->rep->n_file_errors++;
        return out->error ? CR_OK : CR_ENOMEM;
    }
    struct cr_file_rec fr = {0};
    const struct known_file *known = known_find(ig, topic_id, cr_feed_hash(f), rel);
    if (known && known->rec.done) {
        out->skipped = 1;
        goto out;
    }
    if (known) {
        fr = known->rec;
        out->resumed = 1;
        if ((rc = cr_feed_seek(f, fr.next_offset, (long)fr.next_line)))
            goto out;
    } else {
        fr = (struct cr_file_rec){.id = next_file_id(ig),
                                  .topic = topic_id,
                                  .size = cr_feed_size(f),
                                  .hash = cr_feed_hash(f),
                                  .next_line = 1};
        /* Rows appended to a file read before: only the new rows are read (the old ones were
         * loaded or quarantined then; reading them again would quarantine its bad rows twice). */
        const struct known_file *grown = known_prefix(ig, topic_id, rel, f);
        if (grown) {
            if ((rc = cr_feed_seek(f, grown->rec.next_offset, (long)grown->rec.next_line)))
                goto out;
            long line;
            cr_feed_tell(f, &fr.next_offset, &line); /* past the header, whatever was stored */
            fr.next_line = line;
            out->appended_from = fr.next_line;
            utf8_before = cr_feed_utf8_lines(f); /* the counts are of the new rows only */
        }
        cr__sink_file(ig->out, rel, &fr);
    }
    struct cr_feed_rec rec;
    int64_t since = 0;
    ig->probes.on = t->role == CR_TOPIC_EVENTS;
    while ((rc = cr_feed_next(f, &rec)) == CR_OK) {
        if ((rc = cr__ingest_probes_settle(ig, &fr, PROBE_LAG - 1)) ||
            (rc = cr__ingest_process_record(ig, t, topic_id, f, &rec, fr.id, &fr)))
            goto out;
        if ((ig->fault_row || ig->pause_row) && (rc = test_hooks(ig)))
            goto out;
        fr.next_offset = rec.next_offset;
        fr.next_line = rec.next_line;
        if (++since >= ig->batch_rows || cr__sink_batch_full(ig->out)) {
            since = 0;
            if ((rc = cr__ingest_probes_settle(ig, &fr, 0)) ||
                (rc = file_unchanged(ig, rel, full, &fid)))
                goto out;
            cr__sink_file(ig->out, rel, &fr);
            cr__sink_commit(ig->out);
            if ((rc = cr__sink_error(ig->k)))
                goto out;
        }
    }
    if (rc != CR_ENOTFOUND || (rc = cr__ingest_probes_settle(ig, &fr, 0)) ||
        (rc = file_unchanged(ig, rel, full, &fid)))
        goto out;
    fr.done = 1;
    long end_line; /* the end of the text: where rows appended later start */
    cr_feed_tell(f, &fr.next_offset, &end_line);
    fr.next_line = end_line;
    cr__sink_file(ig->out, rel, &fr);
    cr__sink_commit(ig->out);
    rc = cr__sink_error(ig->k);
out:
    if (cr__ingest_probes_settle(ig, &fr, 0) && !rc) /* counts stay whole on every path */
        rc = CR_ENOMEM;
    if (local_oom(ig, rc))
        fail_note(ig, rc, "%s (topic %s): out of memory at line %lld", rel, t->code,
                  (long long)fr.next_line);
    ig->probes = (struct probes){0};
    out->file_id = out->skipped ? 0 : fr.id;
    out->read = fr.n_read;
    out->loaded = fr.n_loaded;
    out->duplicates = fr.n_duplicate;
    out->quarantined = fr.n_quarantined;
    if (out->skipped)
        out->read = out->loaded = out->duplicates = out->quarantined = 0;
    else {
        /* The UTF-8 rows of the file (a resumed one's too, as its counts), or of an appended
         * file's new rows: the first line named is of the same span as the count. */
        out->utf8_lines = cr_feed_utf8_lines(f) - utf8_before;
        if (out->utf8_lines)
            out->utf8_first_line =
                cr_feed_utf8_first(f, out->appended_from > 0 ? (long)out->appended_from : 1);
    }
    cr_feed_close(f);
    return rc;
}

/* Finds the files of a catalog file pattern (relative to the catalog's folder unless
 * absolute) with glob(3); *prefix is the length of the folder part of each path found. */
static int glob_files(const cr_catalog *cat, const char *file, glob_t *g, size_t *prefix)
{
    char pattern[2048];
    int absolute = file[0] == '/';
    snprintf(pattern, sizeof pattern, "%s%s%s", absolute ? "" : cat->dir, absolute ? "" : "/",
             file);
    *prefix = absolute ? 0 : strlen(cat->dir) + 1;
    return glob(pattern, 0, NULL, g);
}

/* The files a topic's patterns matched so far, by device and inode: a file two patterns
 * match ("*.csv" and "p*.csv", or one listed twice, or a link beside its target) is read once,
 * and its other names are listed as the same file (path NULL: the store's own files, never
 * listed). */
struct matched {
    struct matched_file {
        dev_t dev;
        ino_t ino;
        char *path;
    } * v;
    size_t n, cap;
};

/* The earlier match of full (NULL when none: full is remembered, under the name rel) or
 * &MATCHED_OOM when it cannot be remembered. A file that cannot be stat'ed is not remembered:
 * its ingest reports why it cannot be read. */
static const struct matched_file MATCHED_OOM;

static const struct matched_file *matched_before(struct matched *m, const char *full,
                                                 const char *rel)
{
    struct stat st;
    if (stat(full, &st))
        return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].dev == st.st_dev && m->v[i].ino == st.st_ino)
            return &m->v[i];
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        void *p = realloc(m->v, cap * sizeof *m->v);
        if (!p)
            return &MATCHED_OOM;
        m->v = p;
        m->cap = cap;
    }
    char *copy = rel ? strdup(rel) : NULL;
    if (rel && !copy)
        return &MATCHED_OOM;
    m->v[m->n++] = (struct matched_file){st.st_dev, st.st_ino, copy};
    return NULL;
}

static void matched_free(struct matched *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i].path);
    free(m->v);
}

/* The store and the files SQLite and crisk keep beside it are never feeds, whatever a pattern
 * matches (files: ["*"] in the store's folder): counted as seen before, so never read. */
static cr_err skip_store_files(ingest *ig, struct matched *seen)
{
    static const char *const sides[] = {"", "-wal", "-shm", "-journal", ".lock", ".cols"};
    const char *db = ig->db_path;
    for (size_t i = 0; db && i < sizeof sides / sizeof *sides; i++) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s%s", db, sides[i]) < sizeof path &&
            matched_before(seen, path, NULL) == &MATCHED_OOM)
            return CR_ENOMEM;
    }
    return CR_OK;
}

static cr_err same_file_report(ingest *ig, const struct cr_topic *t, const char *rel,
                               const char *earlier)
{
    struct cr_ingest_file *fr = add_file_report(ig->rep, rel, t->code);
    if (!fr)
        return CR_ENOMEM;
    fr->same_as = strdup(earlier);
    return fr->same_as ? CR_OK : CR_ENOMEM;
}

/* 1 when a wildcard of pattern matched a folder (an archive/ beside the feeds): passed over, as
 * no feed. A pattern naming a folder itself is a file error, as any name that is no file. */
static int wildcard_folder(const char *pattern, const char *path)
{
    struct stat st;
    return strpbrk(pattern, "*?[") && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static cr_err ingest_pattern(ingest *ig, const struct cr_topic *t, int64_t topic_id,
                             const char *pattern, struct matched *seen)
{
    glob_t g;
    size_t prefix;
    int grc = glob_files(ig->cat, pattern, &g, &prefix);
    if (grc == GLOB_NOMATCH) {
        /* Listed like a file, so that every report names the pattern: a typo in a catalog
         * otherwise loads nothing without a word. */
        struct cr_ingest_file *fr = add_file_report(ig->rep, pattern, t->code);
        if (!fr)
            return CR_ENOMEM;
        fr->unmatched = 1;
        ig->rep->n_unmatched_patterns++;
        return CR_OK;
    }
    if (grc)
        return grc == GLOB_NOSPACE ? CR_ENOMEM : CR_EIO;
    cr_err rc = CR_OK;
    for (size_t k = 0; k < g.gl_pathc && !rc; k++) {
        const char *rel = g.gl_pathv[k] + prefix;
        if (wildcard_folder(pattern, g.gl_pathv[k]))
            continue;
        const struct matched_file *before = matched_before(seen, g.gl_pathv[k], rel);
        if (before == &MATCHED_OOM)
            rc = CR_ENOMEM;
        else if (!before)
            rc = ingest_file(ig, t, topic_id, rel, g.gl_pathv[k]);
        else if (before->path && strcmp(before->path, rel)) /* every name is in the report */
            rc = same_file_report(ig, t, rel, before->path);
    }
    globfree(&g);
    return rc;
}

cr_err cr__ingest_topic(ingest *ig, const struct cr_topic *t, int64_t topic_id)
{
    struct hset *set = cr__ingest_topic_set(ig, topic_id);
    size_t rows = set ? set->n + ig->topic_rows[t - ig->cat->topics] : 0;
    if (set && cr__ingest_set_reserve(ig, set, rows))
        return fail_note(ig, CR_ENOMEM,
                         "topic %s: out of memory for its de-duplication set of %zu rows (about "
                         "%zu MiB)",
                         t->code, rows, rows * 2 * sizeof(struct hkey) >> 20);
    struct matched seen = {0};
    cr_err rc = skip_store_files(ig, &seen);
    for (size_t i = 0; i < t->n_files && !rc; i++)
        rc = ingest_pattern(ig, t, topic_id, t->files[i], &seen);
    matched_free(&seen);
    if (local_oom(ig, rc)) /* unless a file said where first */
        fail_note(ig, rc, "topic %s: out of memory", t->code);
    if (!rc)
        cr__ingest_set_done(ig, topic_id);
    return rc;
}

static int cmp_reason(const void *a, const void *b)
{
    const struct cr_ingest_reason *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->reason, y->reason);
}

/* Rows are guessed from feed bytes, to size tables before reading them: from the lines in the
 * first SAMPLE_BYTES of a topic's first file, else ROW_BYTES a row. */
#define ROW_BYTES 64
#define SAMPLE_BYTES 16384

static size_t bytes_per_row(const char *path)
{
    char buf[SAMPLE_BYTES];
    /* Non-blocking, regular files only: a FIFO would wait for a writer (cr_feed_open refuses
     * it with a message). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return ROW_BYTES;
    ssize_t got = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, sizeof buf) : -1;
    close(fd);
    size_t n = got > 0 ? (size_t)got : 0, lines = 0;
    for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++)
        lines++;
    return lines >= 8 ? n / lines : n < sizeof buf && lines ? n / lines + 1 : ROW_BYTES;
}

/* The bytes of a topic's files not yet ingested to the end (judged by path and size), and in
 * *rows a guess of the rows they hold. */
size_t cr__ingest_topic_bytes(const ingest *ig, const struct cr_topic *t, int64_t topic_id,
                              size_t *rows)
{
    size_t total = 0, per_row = 0;
    for (size_t k = 0; k < t->n_files; k++) {
        glob_t g;
        size_t prefix;
        if (glob_files(ig->cat, t->files[k], &g, &prefix) == 0)
            for (size_t j = 0; j < g.gl_pathc; j++) {
                struct stat st;
                if (stat(g.gl_pathv[j], &st))
                    continue;
                int done = 0;
                for (size_t n = 0; n < ig->files.n && !done; n++)
                    done = ig->files.v[n].rec.done && ig->files.v[n].rec.topic == topic_id &&
                           ig->files.v[n].rec.size == (int64_t)st.st_size &&
                           strcmp(ig->files.v[n].path, g.gl_pathv[j] + prefix) == 0;
                if (done)
                    continue;
                total += (size_t)st.st_size;
                if (!per_row)
                    per_row = bytes_per_row(g.gl_pathv[j]);
            }
        globfree(&g);
    }
    *rows = per_row ? total / per_row + total / per_row / 16 + 64 : 0; /* and a margin */
    return total;
}

/* A bulk load (more new rows than a quarter of what the store holds) drops the lookup
 * indexes, to build them once at the end. */
static cr_err maybe_bulk(ingest *ig, size_t incoming_rows)
{
    int64_t subjects, persons, roles;
    if (cr_store_max_id(ig->s, "subject", &subjects) ||
        cr_store_max_id(ig->s, "person", &persons) || cr_store_role_top(ig->s, &roles))
        return CR_ESTORE;
    double incoming = (double)incoming_rows;
    double stored = (double)(subjects + persons + roles);
    return incoming >= stored / 4 ? cr_store_drop_indexes(ig->s) : CR_OK;
}

/* One de-duplication set per topic id, filled here with the hashes the store holds; ingest_topic
 * grows each once, to the rows its files are guessed to hold, before reading them. */
static cr_err make_sets(ingest *ig)
{
    int64_t max_id = 0;
    if (cr_store_topic_top(ig->s, &max_id))
        return CR_ESTORE;
    ig->seen.n = ig->qseen.n = (size_t)max_id + 1;
    ig->seen.t = calloc(ig->seen.n, sizeof *ig->seen.t);
    ig->qseen.t = calloc(ig->qseen.n, sizeof *ig->qseen.t);
    ig->pool = cr__ingest_pool_new(); /* NULL: no reuse */
    return ig->seen.t && ig->qseen.t ? CR_OK : CR_ENOMEM;
}

/* A topic's code names its kind and department in every row stored under it: a catalog that
 * changed them would relabel those rows (a penalty of one department read as another's
 * complaint). Only the name may change. CR_ECHECK with the topic, both values and the remedy. */
static cr_err check_identity(ingest *ig)
{
    for (size_t i = 0; i < ig->cat->n_topics; i++) {
        const struct cr_topic *t = &ig->cat->topics[i];
        char kind[128], dept[128];
        int found = 0, has_rows = 0;
        if (cr_store_topic_identity(ig->s, t->code, kind, sizeof kind, dept, sizeof dept, &found,
                                    &has_rows))
            return cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "cannot read the stored topics: %s",
                               cr_store_errmsg(ig->s));
        if (!found || !has_rows)
            continue;
        const char *what = strcmp(kind, t->kind) != 0         ? "kind"
                           : strcmp(dept, t->department) != 0 ? "department"
                                                              : NULL;
        if (!what)
            continue;
        int is_kind = what[0] == 'k';
        return cr_diag_set(ig->d, CR_ECHECK, ig->cat->path, t->line, 0,
                           "topic %s: %s '%s' differs from the stored topic's %s '%s'; rows of %s "
                           "are stored as %s, and a topic's kind and department are fixed once "
                           "rows are stored: give this topic a new code",
                           t->code, what, is_kind ? t->kind : t->department, what,
                           is_kind ? kind : dept, t->code, is_kind ? kind : dept);
    }
    return CR_OK;
}

cr_err cr__ingest_prepare(ingest *ig, int64_t *topic_ids)
{
    cr_feed_spares_keep(1);
    ig->spares_kept = 1;
    if (cr_store_salt(ig->s, ig->salt))
        return cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "store has no salt: %s",
                           cr_store_errmsg(ig->s));
    static const char ctx[] = "crisk row content hash v1";
    crypto_generichash(ig->rowkey, sizeof ig->rowkey, (const unsigned char *)ctx, sizeof ctx - 1,
                       ig->salt, sizeof ig->salt);
    if (cr_store_subjects_each(ig->s, load_subject, &ig->subj) || ig->subj.err)
        return cr_diag_set(ig->d, ig->subj.err ? ig->subj.err : CR_ESTORE, NULL, 0, 0,
                           "cannot load subjects: %s", cr_store_errmsg(ig->s));
    if (cr_store_persons_each(ig->s, load_person, &ig->persons) || ig->persons.oom ||
        cr_store_files_each(ig->s, load_file, &ig->files) || ig->files.oom ||
        cr_store_max_id(ig->s, "subject", &ig->next_subject) ||
        cr_store_max_id(ig->s, "person", &ig->next_person) ||
        cr_store_max_id(ig->s, "feed_file", &ig->next_file))
        return cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "cannot load persons and files: %s",
                           cr_store_errmsg(ig->s));
    cr_err idrc = check_identity(ig);
    if (idrc)
        return idrc;
    if (cr_store_begin(ig->s))
        return cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "cannot begin a transaction: %s",
                           cr_store_errmsg(ig->s));
    if (cr_store_row_hash_keyed(ig->s, &ig->keyed))
        goto fail;
    for (size_t i = 0; i < ig->cat->n_departments; i++)
        if (cr_store_department_put(ig->s, ig->cat->departments[i].code,
                                    ig->cat->departments[i].name))
            goto fail;
    for (size_t i = 0; i < ig->cat->n_topics; i++) {
        const struct cr_topic *t = &ig->cat->topics[i];
        if (cr_store_topic_put(ig->s, t->code, t->name, t->department, t->kind, &topic_ids[i]))
            goto fail;
    }
    if (cr_store_commit(ig->s))
        goto fail;
    ig->topic_bytes = calloc(ig->cat->n_topics + 1, sizeof *ig->topic_bytes);
    ig->topic_rows = calloc(ig->cat->n_topics + 1, sizeof *ig->topic_rows);
    if (!ig->topic_bytes || !ig->topic_rows)
        return cr_diag_set(ig->d, CR_ENOMEM, NULL, 0, 0, "out of memory sizing the topics");
    size_t incoming = 0;
    for (size_t i = 0; i < ig->cat->n_topics; i++) {
        ig->topic_bytes[i] =
            cr__ingest_topic_bytes(ig, &ig->cat->topics[i], topic_ids[i], &ig->topic_rows[i]);
        incoming += ig->topic_rows[i];
    }
    cr_err rc = maybe_bulk(ig, incoming);
    if (!rc)
        rc = make_sets(ig);
    if (rc)
        return cr_diag_set(ig->d, rc, NULL, 0, 0, "%s: %s",
                           rc == CR_ESTORE ? "cannot prepare the store for this ingest"
                                           : "cannot size the de-duplication sets",
                           rc == CR_ESTORE ? cr_store_errmsg(ig->s) : cr_strerror(rc));
    cr_err hrc = cr_store_hashes_each(ig->s, load_hash, &ig->seen);
    if (ig->seen.oom) /* the scan's callback ran out, not the store */
        return cr_diag_set(ig->d, CR_ENOMEM, NULL, 0, 0,
                           "out of memory loading the stored rows' hashes");
    if (hrc)
        return cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "cannot load row hashes: %s",
                           cr_store_errmsg(ig->s));
    return CR_OK;
fail:
    cr_store_rollback(ig->s);
    return cr_diag_set(ig->d, CR_ESTORE, NULL, 0, 0, "cannot record departments and topics: %s",
                       cr_store_errmsg(ig->s));
}

/* The de-duplication sets and their pool: a full city's take ~1 GiB, not needed once every
 * topic is read. */
static void free_sets(ingest *ig)
{
    for (size_t i = 0; i < ig->seen.n; i++)
        cr__hset_free(&ig->seen.t[i]);
    free(ig->seen.t);
    for (size_t i = 0; i < ig->qseen.n; i++)
        cr__hset_free(&ig->qseen.t[i]);
    free(ig->qseen.t);
    cr__ingest_pool_free(ig->pool);
    ig->seen = ig->qseen = (struct hsets){0};
    ig->pool = NULL;
}

void cr__ingest_free(ingest *ig)
{
    if (ig->spares_kept)
        cr_feed_spares_keep(0); /* frees the read buffers kept between files */
    free_sets(ig);
    cr__smap_free(&ig->subj);
    cr__pmap_free(&ig->persons);
    for (size_t i = 0; i < ig->files.n; i++)
        free(ig->files.v[i].path);
    free(ig->files.v);
    free(ig->canon.p);
    free(ig->crlf.p);
    free(ig->attrs.p);
    free(ig->norm.p);
    free(ig->topic_bytes);
    free(ig->topic_rows);
}

cr_err cr_ingest_run(cr_store *s, const cr_catalog *cat, const struct cr_ingest_opts *opts,
                     struct cr_ingest_report *report, cr_diag *d)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(report, 0, sizeof *report);
    ingest ig = {.s = s,
                 .db_path = cr_store_path(s),
                 .cat = cat,
                 .ref = opts->ref,
                 .rep = report,
                 .d = d,
                 .batch_rows = opts->batch_rows > 0 ? opts->batch_rows : DEFAULT_BATCH_ROWS};
    const char *fault = getenv("CRISK_FAULT_ROW");
    ig.fault_row = fault ? strtoll(fault, NULL, 10) : 0;
    const char *pause = getenv("CRISK_PAUSE_ROW");
    ig.pause_row = pause ? strtoll(pause, NULL, 10) : 0;
    ig.pause_file = getenv("CRISK_PAUSE_FILE");
    char fail[FAIL_CAP] = "";
    ig.fail = fail;
    int64_t *topic_ids = calloc(cat->n_topics + 1, sizeof *topic_ids);
    ig.topic_ids = topic_ids;
    /* One writer at a time: everything cr__ingest_prepare() reads would be stale under a second
     * one. */
    cr_err rc = topic_ids ? cr_store_lock(s, "ingest", d) : CR_ENOMEM;
    /* the registry rows' address keys are this crisk's rules (docs/collect.md "Address keys") */
    if (!rc && cr_store_addr_key_rules_note(s, CR_ADDR_KEY_RULES))
        rc = cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot record the address-key rules: %s",
                         cr_store_errmsg(s));
    if (!rc)
        rc = cr__ingest_prepare(&ig, topic_ids);
    if (!rc)
        rc = load_quarantine_lines(&ig);
    if (!rc)
        rc = cr__ingest_writer_start(&ig, s, d);
    ig.s = NULL; /* the writer thread owns the connection from here on */
    /* The registry first, on this thread, so that rows of this run link at once; then roles
     * and events in parallel. */
    cr_progress("ingest", 0);
    struct set_grower *grower =
        rc ? NULL : cr__ingest_sets_grow(&ig, cr__ingest_parser_threads(opts));
    for (size_t i = 0; i < cat->n_topics && !rc; i++)
        if (cat->topics[i].role == CR_TOPIC_REGISTRY)
            rc = cr__ingest_topic(&ig, &cat->topics[i], topic_ids[i]);
    cr__ingest_sets_join(grower);
    cr__sink_close(ig.out, !rc);
    ig.out = NULL;
    if (!rc) {
        cr_progress("ingest", 0.2);
        rc = cr__ingest_events_pass(&ig, opts);
        if (local_oom(&ig, rc)) /* unless a topic or file said where first */
            fail_note(&ig, rc, "out of memory in the roles and events pass (%zu parser threads)",
                      cr__ingest_parser_threads(opts));
    }
    free_sets(&ig); /* before the lookup indexes are built */

    if (ig.k) {
        cr_diag sd = {{0}, {0}, 0, 0};
        cr_err src = cr__sink_finish(ig.k, rc == CR_OK, &sd);
        if (src && (!rc || rc == CR_ESTORE || (rc == CR_ENOMEM && src == CR_ENOMEM))) {
            rc = src;
            if (d)
                *d = sd;
        }
    }
    if (rc && fail[0])
        cr_diag_set(d, rc, NULL, 0, 0, "%s", fail);
    /* Portraits and neighbourhood loads need lookups by enterprise and person: brought up to
     * date after the bulk load (cheaper than maintaining them row by row during it). */
    struct timespec i0, i1;
    clock_gettime(CLOCK_MONOTONIC, &i0);
    if (!rc)
        cr_progress("ingest", 0.9);
    if (!rc && cr_store_ensure_indexes(s))
        rc = cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot build the lookup indexes: %s",
                         cr_store_errmsg(s));
    clock_gettime(CLOCK_MONOTONIC, &i1);
    report->index_seconds =
        (double)(i1.tv_sec - i0.tv_sec) + (double)(i1.tv_nsec - i0.tv_nsec) / 1e9;
    for (size_t i = 0; i < report->n_files; i++) {
        report->read += report->files[i].read;
        report->loaded += report->files[i].loaded;
        report->duplicates += report->files[i].duplicates;
        report->quarantined += report->files[i].quarantined;
    }
    if (report->n_reasons)
        qsort(report->reasons, report->n_reasons, sizeof *report->reasons, cmp_reason);
    if (report->n_nulled)
        qsort(report->nulled, report->n_nulled, sizeof *report->nulled, cmp_reason);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    report->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (!rc)
        cr_progress("ingest", 1);
    free(topic_ids);
    cr__ingest_free(&ig);
    return rc;
}

cr_err cr__ingest_writer_start(ingest *ig, cr_store *s, cr_diag *d)
{
    cr_err rc = cr__sink_start(s, &ig->k);
    if (rc)
        cr_diag_set(d, rc, NULL, 0, 0, "cannot start the store writer: %s",
                    rc == CR_ESTORE   ? cr_store_errmsg(s)
                    : rc == CR_ENOMEM ? "no memory for its thread, or this user's limit of "
                                        "processes and threads reached (ulimit -u)"
                                      : cr_strerror(rc));
    else if (!(ig->out = cr__sink_open(ig->k)))
        rc = CR_ENOMEM;
    return rc;
}

void cr_ingest_report_free(struct cr_ingest_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_files; i++) {
        free(r->files[i].path);
        free(r->files[i].topic);
        free(r->files[i].error);
        free(r->files[i].same_as);
    }
    free(r->files);
    for (size_t i = 0; i < r->n_reasons; i++)
        free(r->reasons[i].reason);
    free(r->reasons);
    for (size_t i = 0; i < r->n_nulled; i++)
        free(r->nulled[i].reason);
    free(r->nulled);
    memset(r, 0, sizeof *r);
}
