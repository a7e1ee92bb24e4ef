/* Internal to src/collect/: the state of an ingest (or a retry) shared by its files: ingest.c
 * (the run, files and topics), rows.c (row validation), dedupe.c (delayed de-duplication),
 * parallel.c (the events pass in threads) and retry.c (quarantine retry). */
#ifndef CRISK_COLLECT_INGEST_INTERNAL_H
#define CRISK_COLLECT_INGEST_INTERNAL_H

#include <pthread.h>
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "crisk/feed.h"
#include "crisk/ingest.h"
#include "sink.h"
#include "base/buf.h"
#include "base/tables.h"

#define DEFAULT_BATCH_ROWS 200000
/* A subject key (namespace:local key) with its NUL; longer keys are quarantined (bad_key). */
#define KEY_CAP 256

/* One set per topic: de-duplication is within a topic, and a file's rows all probe the same,
 * much smaller table, which stays in the caches far better than one city-wide table. */
struct hsets {
    struct hset *t; /* by topic id */
    size_t n;
    int oom;
};

/* File records of earlier runs, to skip or resume. */
struct known_file {
    char *path;
    struct cr_file_rec rec;
};
struct known_files {
    struct known_file *v;
    size_t n, cap;
    int oom;
};

/* Shared by the parser threads of the events pass (see cr_ingest_run). */
struct par {
    pthread_mutex_t mu;
    struct smap late; /* keys first seen in this pass; the registry's map is read-only then */
    int64_t next_subject, next_file;
    const size_t *tasks; /* catalog indexes of the roles topics, then of the event topics */
    const size_t *order; /* the tasks in the order they are handed out */
    size_t n_roles, n_tasks, next_task;
    size_t *first, *count; /* by task: its file reports in the owning worker's report */
    int *owner;            /* by task: the worker that ingested it */
    cr_err err;            /* the first worker error; the others stop at their next topic */
};

/* The de-duplication probes of an ingest_file's last event rows. A set of a big topic spans
 * hundreds of MiB, so a probe misses every cache: each row is queued as loaded at once, its
 * slot is prefetched, and the probe is made PROBE_LAG rows later, when the slot has arrived. A
 * duplicate is then taken back from the batch (cr__sink_event_drop) and recounted; every probe is
 * made before the batch is handed over, so no commit holds a duplicate. */
#define PROBE_LAG 8

struct probe {
    struct hset *set;
    struct hkey h;
    size_t mark;      /* cr__sink_event's */
    uint8_t unlinked; /* counted in the report's unlinked */
};

struct probes {
    int on; /* set by ingest_file: event rows probe late */
    struct probe v[PROBE_LAG];
    size_t head, n;
};

typedef struct ingest {
    cr_store *s;
    const char *db_path; /* the store's path (borrowed): its files are never feeds */
    cr_sink *k;
    cr_sink_out *out;
    struct par *par; /* NULL while one thread parses */
    int64_t last_id; /* cache of subject_id in the parallel pass */
    int last_registered;
    struct pmap persons;
    struct known_files files;
    int64_t next_subject, next_person, next_file;
    struct subj *last_subj; /* cache of subject_of */
    char last_key[64];
    size_t last_len;
    const cr_catalog *cat;
    const int64_t *topic_ids; /* by catalog index */
    size_t *topic_bytes;      /* by catalog index: the bytes of its files still to ingest */
    size_t *topic_rows;       /* by catalog index: the rows guessed in them */
    const cr_ref *ref;
    int64_t batch_rows;
    /* Test hooks, by the N-th row of a parser thread: CRISK_FAULT_ROW fails with an I/O error
     * there; CRISK_PAUSE_ROW creates the file CRISK_PAUSE_FILE there and waits until it is
     * removed (another process can act on the store or the feeds meanwhile). */
    int64_t fault_row, pause_row, rows_seen;
    const char *pause_file;
    char *fail; /* FAIL_CAP bytes shared by the run's threads: the first failure's message */
    struct hsets seen;
    struct set_pool *pool; /* memory of the sets of topics done (dedupe.c), or NULL */
    struct hsets qseen;    /* by topic: the raw lines open in its quarantine (cr__ingest_qseen) */
    struct probes probes;
    struct smap subj;
    struct buf canon, attrs, norm;
    struct buf crlf;  /* the canonical content with line breaks as CRLF (cr__ingest_canon_start) */
    int crlf_twin;    /* the row's fields hold a line break: crlf is built too */
    int crlf_differs; /* a hashed part held one: crlf differs from canon */
    unsigned char salt[32];
    unsigned char rowkey[crypto_shorthash_siphashx24_KEYBYTES]; /* from salt (content_hash) */
    int keyed;                                                  /* cr_store_row_hash_keyed */
    struct cr_ingest_report *rep;
    const char *row_nulled[CR__NFIELD]; /* reasons of the fields this row left out (on_error) */
    int n_row_nulled;
    int row_unverified; /* division codes of this row kept unchecked (unverified_division) */
    cr_diag *d;
    int spares_kept; /* cr_feed_spares_keep(1) was called: cr__ingest_free ends it */
} ingest;

enum outcome { LOADED, DUPLICATE, QUARANTINED };

/* Why a row is quarantined: a reason code and a sentence naming the column and value. val holds
 * the offending values as shown in the sentence (see shown()). */
struct verdict {
    const char *reason;
    char detail[512];
    char val[2][80];
};

#define FAIL_CAP 512

/* The memory of de-duplication sets whose topics are done, for the sets of the topics to come
 * (a big set's fresh pages take seconds to map and zero; zeroing mapped ones, a fraction). */
struct set_pool;
/* An empty pool, or NULL when out of memory (then no set memory is reused). */
struct set_pool *cr__ingest_pool_new(void);
/* Frees the pool and every piece in it (NULL is nothing). */
void cr__ingest_pool_free(struct set_pool *p);
/* A topic's files are all read and their probes settled: its set is emptied and its memory
 * kept in ig->pool for the topics to come (kept by the set when there is no pool). Safe from
 * the run's threads at once, each for its own topics. */
void cr__ingest_set_done(ingest *ig, int64_t topic);
/* Grows set to hold rows entries: in the smallest piece of ig->pool that holds it, else in
 * fresh memory (cr__hset_reserve), the pool freed first if that fails once. CR_ENOMEM when
 * neither. */
cr_err cr__ingest_set_reserve(ingest *ig, struct hset *set, size_t rows) CR_MUST_USE;

/* Grows, on a thread of its own while this thread reads the registry (the other core is mostly
 * idle then), the de-duplication sets the events pass starts with: the roles topics' and those
 * of the `parsers` largest event topics (docs/collect.md). Best effort: NULL when the thread
 * cannot start, parsers is 1 or the machine has one core, and a set it cannot grow is left as
 * it is; cr__ingest_topic grows each set anyway. The sets are the grower's until the join. */
struct set_grower;
struct set_grower *cr__ingest_sets_grow(ingest *ig, size_t parsers);
/* Stops the grower between two sets and waits for it (nothing when g is NULL). */
void cr__ingest_sets_join(struct set_grower *g);

/* ---- the run: the store's indexes, files, topics, preparing and freeing (ingest.c) ---- */

cr_err cr__ingest_topic(ingest *ig, const struct cr_topic *t, int64_t topic_id) CR_MUST_USE;
size_t cr__ingest_topic_bytes(const ingest *ig, const struct cr_topic *t, int64_t topic_id,
                              size_t *rows);
cr_err cr__ingest_prepare(ingest *ig, int64_t *topic_ids) CR_MUST_USE;
void cr__ingest_free(ingest *ig);
/* Starts the store writer thread on s and opens its batch in ig (cr_ingest_run, the retry); the
 * caller hands s over (ig->s = NULL) whatever the outcome. */
cr_err cr__ingest_writer_start(ingest *ig, cr_store *s, cr_diag *d) CR_MUST_USE;

/* ---- rows: checking, cleaning and storing one record (rows.c) ---- */

/* Adds by to reason's count in v (n of them), appending the reason when new; -1 when out of
 * memory. count_reason counts one quarantined row, count_nulled by fields left out. */
int cr__ingest_reason_add(struct cr_ingest_reason **v, size_t *n, const char *reason, int64_t by);
int cr__ingest_count_reason(struct cr_ingest_report *r, const char *reason);
int cr__ingest_count_nulled(struct cr_ingest_report *r, const char *reason, int64_t by);
char *cr__ingest_masked_raw(const struct cr_topic *t, cr_feed *f, const struct cr_feed_rec *rec);
cr_err cr__ingest_evaluate(ingest *ig, const struct cr_topic *t, int64_t topic_id, cr_feed *f,
                           const struct cr_feed_rec *rec, enum outcome *o,
                           struct verdict *v) CR_MUST_USE;
cr_err cr__ingest_process_record(ingest *ig, const struct cr_topic *t, int64_t topic_id, cr_feed *f,
                                 const struct cr_feed_rec *rec, int64_t file_id,
                                 struct cr_file_rec *fr) CR_MUST_USE;

/* ---- delayed de-duplication: a row's content hash and the probes (dedupe.c) ---- */

/* A row's canonical content, in ig->canon: started, then its parts in order. crlf_twin (the
 * record's fields hold a line break, cr_feed_line_breaks) builds the old CRLF form beside it
 * (dedupe.c). A field's bytes as they are; text, whose line breaks the twin writes as CRLF; a
 * JSON object of cr__buf_json strings, likewise for its \u000a escapes; an integer. */
void cr__ingest_canon_start(ingest *ig, int crlf_twin);
void cr__ingest_canon_field(ingest *ig, const void *p, size_t len);
void cr__ingest_canon_text(ingest *ig, const char *p, size_t len);
void cr__ingest_canon_json(ingest *ig, const char *p, size_t len);
void cr__ingest_canon_i64(ingest *ig, int64_t v, int has);
/* 1 when the row's CRLF form differs from its content (a hashed part held a line break) and is
 * known to its topic's set: a duplicate of a row stored from a CRLF file before line breaks
 * were read as LF. Adds nothing. cr__ingest_dedupe asks it first. */
int cr__ingest_crlf_seen(ingest *ig, int64_t topic);
struct hset *cr__ingest_topic_set(ingest *ig, int64_t topic);
struct hkey cr__ingest_content_hash(const ingest *ig);
enum outcome cr__ingest_dedupe(ingest *ig, int64_t topic, int64_t *h, int *oom);
/* The keyed hash of a quarantined raw line, as cr__ingest_qseen keeps it. */
struct hkey cr__ingest_raw_hash(const ingest *ig, const void *raw, size_t len);
/* 1 when the raw line is new to the topic's open quarantine (it is remembered now), 0 when it is
 * open there already (from an earlier run or file, or this one: not quarantined twice), -1 when
 * out of memory. */
int cr__ingest_qseen(ingest *ig, int64_t topic, const void *raw, size_t len);
cr_err cr__ingest_probes_settle(ingest *ig, struct cr_file_rec *fr, size_t keep) CR_MUST_USE;

/* ---- the events pass, in parallel (parallel.c) ---- */

cr_err cr__ingest_events_pass(ingest *ig, const struct cr_ingest_opts *opts) CR_MUST_USE;
/* The parser threads of the events pass: --threads (1 to CR_INGEST_MAX_THREADS), else one per
 * core up to CR_INGEST_DEFAULT_THREADS. */
size_t cr__ingest_parser_threads(const struct cr_ingest_opts *opts);

#endif
