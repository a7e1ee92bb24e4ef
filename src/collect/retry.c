#include "crisk/ingest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/feed.h"
#include "ingest_internal.h"
#include "sink.h"

/* ---- retrying quarantined rows ---- */

struct qrow {
    int64_t id, line, file;
    char *path, *topic, *raw;
    size_t raw_len;
    int edited; /* raw comes from the user, not from the store */
    int orig;   /* raw is a bad_encoding row's bytes in its file's encoding */
};

struct qrows {
    struct qrow *v;
    size_t n, cap;
    const struct cr_retry_item *items; /* the retry file's lines, NULL to retry every row */
    const struct cr_retry_item **want; /* the same, by id (and line for equal ids) */
    size_t n_want;
    unsigned char *hit; /* by line of the retry file: an open row has its id */
    int oom;
};

static int cmp_item(const void *a, const void *b)
{
    const struct cr_retry_item *x = *(const struct cr_retry_item *const *)a;
    const struct cr_retry_item *y = *(const struct cr_retry_item *const *)b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x < y ? -1 : x > y; /* the earlier line first */
}

/* The first line of the retry file with this id, or NULL: a binary search, so that a retry of
 * many rows does not compare every open row with every line. */
static const struct cr_retry_item *first_item(const struct qrows *q, int64_t id)
{
    size_t lo = 0, hi = q->n_want;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (q->want[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < q->n_want && q->want[lo]->id == id ? q->want[lo] : NULL;
}

static int collect_qrow(void *ctx, const struct cr_quarantine_row *r)
{
    struct qrows *q = ctx;
    const struct cr_retry_item *item = q->items ? first_item(q, r->id) : NULL;
    if (q->items && !item)
        return 0;
    if (item)
        q->hit[item - q->items] = 1;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        void *p = realloc(q->v, cap * sizeof *q->v);
        if (!p)
            return q->oom = 1;
        q->v = p;
        q->cap = cap;
    }
    int edited = item && item->raw;
    const char *raw = edited ? item->raw : r->raw;
    size_t len = edited ? item->raw_len : r->raw_len;
    struct qrow *e = &q->v[q->n];
    e->id = r->id;
    e->line = r->line;
    e->path = strdup(r->path ? r->path : "");
    e->topic = strdup(r->topic_code ? r->topic_code : "");
    e->raw = malloc(len + 1);
    if (!e->path || !e->topic || !e->raw) {
        free(e->path);
        free(e->topic);
        free(e->raw);
        return q->oom = 1;
    }
    memcpy(e->raw, raw ? raw : "", len);
    e->raw[len] = 0;
    e->raw_len = len;
    e->edited = edited;
    /* These keep the line's own bytes: read again in the topic's encoding of today. */
    e->orig =
        !edited && (strcmp(r->reason, "bad_encoding") == 0 || strcmp(r->reason, "bad_utf8") == 0);
    e->file = r->file;
    q->n++;
    return 0;
}

/* Notes a row the retry does not read; CR_ENOMEM when it cannot. */
CR_FORMAT(4, 5)
static cr_err skip(struct cr_retry_report *rep, int64_t id, int refused, const char *fmt, ...)
{
    void *p = realloc(rep->skips, (rep->n_skips + 1) * sizeof *rep->skips);
    if (!p)
        return CR_ENOMEM;
    rep->skips = p;
    struct cr_retry_skip *k = &rep->skips[rep->n_skips++];
    k->id = id;
    k->refused = refused;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->why, sizeof k->why, fmt, ap);
    va_end(ap);
    rep->skipped++;
    return CR_OK;
}

/* The source file a retry reads headers (and masked person IDs) from. */
struct retry_src {
    cr_feed *f;
    const struct cr_topic *t;
    char *path;
};

/* 1 when the person ID of the record just parsed is as the quarantine masked it (all '*'). */
static int pid_masked(const cr_feed *f)
{
    const char *v;
    size_t n;
    cr_feed_value(f, CR_F_PERSON_ID, &v, &n);
    size_t stars = 0;
    while (stars < n && v[stars] == '*')
        stars++;
    return n >= 6 && stars == n;
}

/* Copies into id the person ID of the row's line in its source file, which must be the file
 * content the row was read from. 0 with why written when it cannot. */
static int source_pid(ingest *ig, const struct qrow *q, cr_feed *f, char *id, size_t cap,
                      size_t *len, char *why, size_t wcap)
{
    const struct known_file *k = NULL;
    for (size_t i = 0; i < ig->files.n && !k; i++)
        if (ig->files.v[i].rec.id == q->file)
            k = &ig->files.v[i];
    if (!k || k->rec.hash != cr_feed_hash(f)) {
        snprintf(why, wcap,
                 "its person ID is masked and %s is no longer the file it was read from: write "
                 "the full ID number in the raw column",
                 q->path);
        return 0;
    }
    cr_feed_rewind(f);
    struct cr_feed_rec rec = {0};
    cr_err rc;
    while ((rc = cr_feed_next(f, &rec)) == CR_OK && rec.line < q->line)
        ;
    const char *v = NULL;
    size_t n = 0;
    if (rc == CR_OK && rec.line == q->line)
        cr_feed_value(f, CR_F_PERSON_ID, &v, &n);
    if (!n || n >= cap) {
        snprintf(why, wcap,
                 "its person ID is masked and line %lld of %s does not give one: write the full "
                 "ID number in the raw column",
                 (long long)q->line, q->path);
        return 0;
    }
    memcpy(id, v, n);
    id[n] = 0;
    *len = n;
    return 1;
}

/* The record parsed from q's text, in q's form (original bytes or UTF-8 text). */
static cr_err parse_q(cr_feed *f, const struct qrow *q, struct cr_feed_rec *rec)
{
    return q->orig ? cr_feed_parse_orig(f, q->raw, q->raw_len, rec)
                   : cr_feed_parse_one(f, q->raw, q->raw_len, rec);
}

/* 1 when text holds more after the record that ends at end (past one line end). */
static int more_records(const char *text, size_t len, size_t end)
{
    if (end < len && text[end] == '\r')
        end++;
    if (end < len && text[end] == '\n')
        end++;
    return end < len;
}

static cr_err retry_one(ingest *ig, const struct qrow *q, const int64_t *topic_ids,
                        struct retry_src *src, struct cr_retry_report *rep)
{
    size_t ti = 0;
    while (ti < ig->cat->n_topics && strcmp(ig->cat->topics[ti].code, q->topic) != 0)
        ti++;
    if (ti == ig->cat->n_topics)
        return skip(rep, q->id, 0, "topic %s is no longer in the catalog", q->topic);
    const struct cr_topic *t = &ig->cat->topics[ti];
    if (!src->f || src->t != t || strcmp(src->path, q->path) != 0) {
        cr_feed_close(src->f);
        src->f = NULL;
        free(src->path);
        if (!(src->path = strdup(q->path)))
            return CR_ENOMEM;
        char full[2048];
        snprintf(full, sizeof full, "%s%s%s", q->path[0] == '/' ? "" : ig->cat->dir,
                 q->path[0] == '/' ? "" : "/", q->path);
        cr_diag fd = {{0}, {0}, 0, 0};
        cr_err orc = cr_feed_open(full, t, &src->f, &fd);
        if (orc == CR_ENOMEM)
            return orc;
        if (orc) {
            char msg[300];
            snprintf(fd.file, sizeof fd.file, "%s", q->path);
            return skip(rep, q->id, 0, "its file cannot be read with topic %s's mapping: %s",
                        t->code, cr_diag_format(&fd, msg, sizeof msg));
        }
        src->t = t;
    }
    cr_feed *f = src->f;
    struct cr_feed_rec rec;
    cr_err rc = parse_q(f, q, &rec);
    if (rc)
        return rc;
    if (q->edited && more_records(q->raw, q->raw_len, (size_t)rec.next_offset))
        return skip(rep, q->id, 1,
                    "the text given holds more than one record (a line break at byte %lld): "
                    "give one record per row",
                    (long long)rec.next_offset + 1);
    char pid[72];
    size_t pid_len = 0;
    if (t->role == CR_TOPIC_ROLES && !rec.reason && pid_masked(f)) {
        char why[300];
        if (!source_pid(ig, q, f, pid, sizeof pid, &pid_len, why, sizeof why))
            return skip(rep, q->id, 0, "%s", why);
        if ((rc = parse_q(f, q, &rec))) /* the source line took the record's place */
            return rc;
        cr_feed_set_value(f, CR_F_PERSON_ID, pid, pid_len);
    }
    rec.line = q->line;
    struct verdict v;
    enum outcome o;
    if ((rc = cr__ingest_evaluate(ig, t, topic_ids[ti], f, &rec, &o, &v)))
        return rc;
    rep->retried++;
    if (o == QUARANTINED) {
        rep->quarantined++;
        char *masked = cr__ingest_masked_raw(t, f, &rec);
        cr__sink_quarantine_update(ig->out, q->id, v.reason, v.detail, masked ? masked : rec.raw,
                                   masked ? strlen(masked) : rec.raw_len);
        free(masked);
    } else {
        if (o == LOADED)
            rep->loaded++;
        else
            rep->duplicates++;
        cr__sink_quarantine_resolve(ig->out, q->id);
    }
    return CR_OK;
}

void cr_retry_report_free(struct cr_retry_report *r)
{
    if (!r)
        return;
    free(r->skips);
    r->skips = NULL;
    r->n_skips = 0;
}

cr_err cr_ingest_retry(cr_store *s, const cr_catalog *cat, const struct cr_ingest_opts *opts,
                       const struct cr_retry_item *items, size_t n_items,
                       struct cr_retry_report *report, cr_diag *d)
{
    memset(report, 0, sizeof *report);
    struct cr_ingest_report scratch = {0};
    ingest ig = {.s = s,
                 .db_path = cr_store_path(s),
                 .cat = cat,
                 .ref = opts->ref,
                 .rep = &scratch,
                 .d = d,
                 .batch_rows = DEFAULT_BATCH_ROWS};
    struct qrows q = {.items = items, .n_want = items ? n_items : 0};
    int64_t *topic_ids = calloc(cat->n_topics + 1, sizeof *topic_ids);
    cr_err rc = topic_ids ? CR_OK : CR_ENOMEM;
    if (!rc && q.n_want) {
        q.want = malloc(q.n_want * sizeof *q.want);
        q.hit = calloc(q.n_want, 1);
        rc = q.want && q.hit ? CR_OK : CR_ENOMEM;
        for (size_t i = 0; !rc && i < q.n_want; i++)
            q.want[i] = &items[i];
        if (!rc)
            qsort(q.want, q.n_want, sizeof *q.want, cmp_item);
    }
    if (!rc)
        rc = cr_store_lock(s, "quarantine --retry", d);
    if (!rc)
        rc = cr__ingest_prepare(&ig, topic_ids);
    if (!rc && (cr_store_quarantine_each(s, "open", NULL, collect_qrow, &q) || q.oom))
        rc = q.oom ? CR_ENOMEM
                   : cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot read quarantine: %s",
                                 cr_store_errmsg(s));
    for (size_t i = 0; !rc && i < q.n_want; i++) {
        if (first_item(&q, items[i].id) != &items[i])
            rc = skip(report, items[i].id, 0,
                      "listed again in the retry file: only its first line is retried");
        else if (!q.hit[i])
            rc = skip(report, items[i].id, 0,
                      "no open quarantine row has this id (unknown, or resolved already)");
    }
    if (!rc)
        rc = cr__ingest_writer_start(&ig, s, d);
    ig.s = NULL; /* the writer thread owns the connection from here on */
    struct retry_src from = {0};
    for (size_t i = 0; !rc && i < q.n; i++)
        rc = retry_one(&ig, &q.v[i], topic_ids, &from, report);
    cr_feed_close(from.f);
    free(from.path);
    cr__sink_close(ig.out, !rc); /* one batch: the retry commits as a whole, or not at all */
    if (ig.k) {
        cr_err src = cr__sink_finish(ig.k, rc == CR_OK, d);
        if (!rc)
            rc = src;
    }
    /* Rows released from the quarantine join the postings of their enterprises. */
    if (!rc && cr_store_ensure_indexes(s))
        rc = cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot update the lookup indexes: %s",
                         cr_store_errmsg(s));
    for (size_t i = 0; i < q.n; i++) {
        free(q.v[i].path);
        free(q.v[i].topic);
        free(q.v[i].raw);
    }
    free(q.v);
    free(q.want);
    free(q.hit);
    free(topic_ids);
    cr_ingest_report_free(&scratch);
    cr__ingest_free(&ig);
    return rc;
}
