/* The store: the system of record (DESIGN.md "Data"). The embedded backend is SQLite in WAL
 * mode; every write happens inside a transaction opened with cr_store_begin, so a process killed
 * at any point leaves the last committed state. Schema: docs/store.md.
 * A cr_store is used by one thread at a time. */
#ifndef CRISK_STORE_H
#define CRISK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crisk/err.h"

typedef struct cr_store cr_store;

/* Opens (creating when absent) the store at path and brings its schema up to date.
 * Freed with cr_store_close(). */
cr_err cr_store_open(const char *path, cr_store **out, cr_diag *d) CR_MUST_USE;
/* Opens the existing store at path for reading and writing (SQLite's SQLITE_OPEN_READWRITE
 * without SQLITE_OPEN_CREATE) and brings its schema up to date, for the verbs that change a
 * store but must not make one (classify, tag, quarantine --retry): a mistyped path leaves no
 * empty store behind. CR_ENOTFOUND (d names path) when there is no file at path; otherwise as
 * cr_store_open. Freed with cr_store_close(). */
cr_err cr_store_open_existing(const char *path, cr_store **out, cr_diag *d) CR_MUST_USE;
/* Opens the existing store at path for reading only (SQLite's SQLITE_OPEN_READONLY), for the
 * verbs that only read: it never creates a store behind a mistyped path, never migrates one and
 * cannot change one, and a reader needs no writer's permissions. CR_ENOTFOUND (d names path)
 * when there is no file at path; CR_ESTORE (with SQLite's message) when the file is not a
 * store or its schema version is not this crisk's: an older store is upgraded by opening it
 * with cr_store_open. Every writing function fails on the handle with CR_ESTORE ("attempt to
 * write a readonly database"). Freed with cr_store_close(). */
cr_err cr_store_open_readonly(const char *path, cr_store **out, cr_diag *d) CR_MUST_USE;
void cr_store_close(cr_store *s);

/* Makes this handle the store's one writer until cr_store_close. Two writers at once would
 * interleave their work (an ingest reads the files, counts and row hashes the store holds when
 * it starts and writes batches that assume them: a second ingest duplicated quarantine rows and
 * overwrote file counts), so every verb that writes (ingest, quarantine --retry, classify, tag)
 * takes the lock before its first write, and verbs that only read never do (WAL gives them a
 * consistent snapshot beside a writer).
 * The lock is an exclusive flock on the file PATH.lock beside the store, which names the
 * holder: "crisk VERB, pid N on HOST, since TIME UTC". The kernel drops it when the handle is
 * closed or its process dies, kill -9 included, so a crash never leaves the store locked; the
 * file itself stays (removing it would let two processes lock two different files). It needs a
 * local filesystem (flock on NFS is emulated and not to be trusted). A store without a file
 * (":memory:", "") has no other writer and is always granted.
 * verb names the caller in the holder's description (e.g. "ingest"). Taking it again on the
 * same handle is a no-op. Never waits. Returns CR_OK; CR_ESTORE with d naming the holder when
 * another handle, in this process or another, holds it; CR_EIO when the lock file cannot be
 * opened or locked; CR_ENOMEM. */
cr_err cr_store_lock(cr_store *s, const char *verb, cr_diag *d) CR_MUST_USE;
/* SQLite's message of the last failure of a function on s that returned CR_ESTORE ("database
 * is locked", "file is not a database", "disk I/O error", "attempt to write a readonly
 * database"), kept at the failing call, so that a later rollback cannot turn it into "not an
 * error"; a fixed text when the store held data crisk did not expect. Never NULL, never empty;
 * "no store" for s = NULL. Valid until the next call on s. The store functions without a
 * cr_diag leave it here for the caller's message. */
const char *cr_store_errmsg(const cr_store *s);

cr_err cr_store_begin(cr_store *s) CR_MUST_USE;
cr_err cr_store_commit(cr_store *s) CR_MUST_USE;
/* Rolls back the open transaction, if any. Safe to call when none is open. */
void cr_store_rollback(cr_store *s); /* s may be NULL (a store not opened): nothing */
/* How long a statement waits for another connection's lock before it fails with "database is
 * locked" (CR_ESTORE): ms milliseconds (10,000 when opened; 0: not at all). */
void cr_store_busy_ms(cr_store *s, int ms);

/* The store's secret salt (32 bytes), created with the store, used to key person-ID hashes so
 * raw ID numbers are never stored. */
cr_err cr_store_salt(cr_store *s, unsigned char salt[32]) CR_MUST_USE;

cr_err cr_store_department_put(cr_store *s, const char *code, const char *name) CR_MUST_USE;
/* Calls fn for every topic, by id. */
cr_err cr_store_topics_each(cr_store *s,
                            void (*fn)(void *ctx, int64_t id, const char *code, const char *kind),
                            void *ctx) CR_MUST_USE;
/* The stored kind and department of the topic with this code, each copied into its buffer
 * (cut to fit, NUL-terminated). *found = 0 when there is no such topic; *has_rows = 1 when a
 * file was ingested for it (its rows carry its identity, so a catalog must not change it).
 * The buffers are written only when *found. */
cr_err cr_store_topic_identity(cr_store *s, const char *code, char *kind, size_t kind_cap,
                               char *department, size_t department_cap, int *found,
                               int *has_rows) CR_MUST_USE;
/* Inserts or updates a topic by code; writes its id. */
cr_err cr_store_topic_put(cr_store *s, const char *code, const char *name, const char *department,
                          const char *kind, int64_t *id) CR_MUST_USE;

/* A feed file's ingest record. A file is identified by topic, path and content hash (a table
 * two topics read has a record for each); state "partial" carries the resume point of an
 * interrupted ingest. */
struct cr_file_rec {
    int64_t id;
    int64_t topic;
    int64_t size;
    int64_t hash;
    int done;
    int64_t next_offset; /* byte offset of the first unprocessed record (decoded text) */
    int64_t next_line;   /* its 1-based physical line */
    int64_t n_read, n_loaded, n_duplicate, n_quarantined;
};

/* Calls fn for every file record. */
cr_err cr_store_files_each(cr_store *s,
                           void (*fn)(void *ctx, const char *path, const struct cr_file_rec *rec),
                           void *ctx) CR_MUST_USE;
/* Inserts or updates the record with id rec->id (> 0; the caller assigns ids, see
 * cr_store_max_id). */
cr_err cr_store_file_put(cr_store *s, const char *path, const struct cr_file_rec *rec) CR_MUST_USE;

/* The largest id in table ("subject", "person" or "feed_file"), 0 when empty. Writers that
 * assign ids themselves (the ingest pipeline) continue from it. */
cr_err cr_store_max_id(cr_store *s, const char *table, int64_t *out) CR_MUST_USE;

/* The store's generation: a counter raised by every commit that changes collected rows
 * (ingest, quarantine retry). Derived caches record the generation they were built from. */
cr_err cr_store_generation(cr_store *s, int64_t *out) CR_MUST_USE;
cr_err cr_store_bump_generation(cr_store *s) CR_MUST_USE;

/* Calls fn for every subject (key → id) so callers can keep an in-memory index. */
cr_err cr_store_subjects_each(cr_store *s,
                              void (*fn)(void *ctx, const char *key, size_t len, int64_t id,
                                         int registered),
                              void *ctx) CR_MUST_USE;
/* Adds a subject with a caller-assigned id. */
cr_err cr_store_subject_add(cr_store *s, int64_t id, const char *key, size_t len) CR_MUST_USE;

/* Calls fn with the topic and content hash of every stored row (events, registry, roles). */
cr_err cr_store_hashes_each(cr_store *s, void (*fn)(void *ctx, int64_t topic, int64_t h),
                            void *ctx) CR_MUST_USE;

/* How this store's row content hashes (the h stored with every row) are made: *keyed = 1 when
 * they are keyed by the store's salt (SipHash, so no one without the salt can write down two
 * rows that collide), 0 for a store that held rows hashed with the unkeyed cr_hash64 before
 * keyed hashes existed (its rows keep their hashes, which cannot be remade). Decided once: a
 * store without rows is made keyed here, inside the caller's write transaction. */
cr_err cr_store_row_hash_keyed(cr_store *s, int *keyed) CR_MUST_USE;

/* One event for cr_store_events_add; attrs (may be NULL) is attrs_len bytes of JSON, not
 * necessarily NUL-terminated. */
struct cr_event_row {
    int64_t subject, topic, amount_fen, h;
    int32_t day;
    int has_amount;
    const char *attrs;
    size_t attrs_len;
};
/* Adds n events. They are gathered into blocks of one topic (docs/store.md) and written when a
 * block fills and at commit; a rollback drops the unwritten ones with the rest. Subjects must
 * lie in 0..2^32-1 (CR_EINVAL otherwise). */
cr_err cr_store_events_add(cr_store *s, const struct cr_event_row *rows, size_t n) CR_MUST_USE;

/* Called for each event; attrs points into the store's buffer and is valid during the call.
 * Returns nonzero to stop the scan. */
typedef int (*cr_event_fn)(void *ctx, const struct cr_event_row *e);
/* Every event in the order written (subjects NULL), or the events of the n given subjects
 * (through event_posting; order by block, then within the block). */
cr_err cr_store_events_each(cr_store *s, const int64_t *subjects, size_t n, cr_event_fn fn,
                            void *ctx) CR_MUST_USE;
/* The events of the blocks with ids in [from, to), in order (a share of a parallel scan).
 * attrs_of (by topic id, n_topics long; NULL = every topic) says for which topics the caller
 * reads attrs: the others come with attrs NULL, which saves rebuilding them. */
cr_err cr_store_events_range(cr_store *s, int64_t from, int64_t to, const uint8_t *attrs_of,
                             size_t n_topics, cr_event_fn fn, void *ctx) CR_MUST_USE;

/* Registry values; NULL strings and has_* = 0 store SQL NULL. */
struct cr_enterprise_rec {
    int64_t subject;
    int64_t topic;
    const char *uscc, *name, *type, *industry, *status, *address, *addr_key, *district, *street,
        *grid;
    const char *attrs; /* the row's kept columns as a JSON object, or NULL */
    int has_capital, has_established, has_coords;
    int64_t capital_fen;
    int32_t established;
    double lon, lat;
    int64_t h;
};
/* Inserts or replaces the registry row of rec->subject (a later row is a registry update). */
cr_err cr_store_enterprise_put(cr_store *s, const struct cr_enterprise_rec *rec) CR_MUST_USE;
/* The kept registry columns (enterprise.attrs, JSON) of the n enterprises subjects (ascending,
 * as a city's): attrs[i] a malloc'd copy, NULL when the enterprise has none. For the features
 * of a tree model (src/learn/xgb.c). */
cr_err cr_store_enterprise_attrs(cr_store *s, const int64_t *subjects, size_t n,
                                 char **attrs) CR_MUST_USE;

/* Calls fn for every person (keyed ID hash → id). */
cr_err cr_store_persons_each(cr_store *s,
                             void (*fn)(void *ctx, const unsigned char idhash[16], int64_t id),
                             void *ctx) CR_MUST_USE;
/* Adds a person with a caller-assigned id; name may be NULL. */
cr_err cr_store_person_add(cr_store *s, int64_t id, const unsigned char idhash[16],
                           const char *name) CR_MUST_USE;
cr_err cr_store_role_add(cr_store *s, int64_t subject, int64_t person, const char *role,
                         const int32_t *start_day, int64_t topic, int64_t h) CR_MUST_USE;

cr_err cr_store_quarantine_add(cr_store *s, int64_t file, int64_t topic, int64_t line,
                               const char *reason, const char *detail, const void *raw,
                               size_t raw_len) CR_MUST_USE;

/* Quarantined rows, for listing and retry. state is "open" or "resolved". */
struct cr_quarantine_row {
    int64_t id, file, topic, line;
    const char *path, *topic_code, *reason, *detail, *state;
    const void *raw;
    size_t raw_len;
};
/* Calls fn for each row (state filter and reason filter may be NULL for all), ordered by id.
 * Pointers in the row are valid only during the call. fn returning non-zero stops early. */
cr_err cr_store_quarantine_each(cr_store *s, const char *state, const char *reason,
                                int (*fn)(void *ctx, const struct cr_quarantine_row *r),
                                void *ctx) CR_MUST_USE;
/* Calls fn with the topic and raw bytes of every open quarantined row, and again with the line
 * as delivered of a row whose raw a retry replaced by an edit, in no order (one scan of the
 * table: ingest hashes them at its start). */
cr_err cr_store_quarantine_open_raws(cr_store *s,
                                     int (*fn)(void *ctx, int64_t topic, const void *raw,
                                               size_t len),
                                     void *ctx) CR_MUST_USE;
/* Calls fn with each reason of open quarantined rows and its count (uses the reason index). */
cr_err cr_store_quarantine_counts(cr_store *s, void (*fn)(void *ctx, const char *reason, int64_t n),
                                  void *ctx) CR_MUST_USE;
cr_err cr_store_quarantine_resolve(cr_store *s, int64_t id) CR_MUST_USE;
cr_err cr_store_quarantine_update(cr_store *s, int64_t id, const char *reason, const char *detail,
                                  const void *raw, size_t raw_len) CR_MUST_USE;

/* Whole-store counts for reports. */
struct cr_store_counts {
    int64_t subjects, enterprises, persons, roles, events, quarantined_open, files;
    int64_t subjects_unregistered; /* subjects with rows but no registry row yet */
};
cr_err cr_store_counts(cr_store *s, struct cr_store_counts *c) CR_MUST_USE;

/* Builds the lookup indexes (subjects by key, unique; roles by enterprise and by person;
 * enterprises by address) when they do not exist, and brings the
 * event postings up to date. Ingest calls it at its end; between ingests SQLite maintains
 * the indexes. */
cr_err cr_store_ensure_indexes(cr_store *s) CR_MUST_USE;
/* Drops those indexes, for a bulk load: building them once afterwards is far cheaper than
 * inserting millions of random keys into them. Until cr_store_ensure_indexes runs, lookups by
 * key scan. */
cr_err cr_store_drop_indexes(cr_store *s) CR_MUST_USE;
/* The page cache of ingest's writer (docs/store.md "The writer's page cache"): on (1), the
 * connection's cache becomes CR_STORE_WRITE_CACHE_KIB (src/store/internal.h) until off (0)
 * gives back the size it had. Only speed hangs on it, never what is stored. */
cr_err cr_store_write_cache(cr_store *s, int on) CR_MUST_USE;

/* Finds the subject id of a key (USCC or namespace:key); CR_ENOTFOUND when unknown. */
cr_err cr_store_subject_find(cr_store *s, const char *key, int64_t *subject) CR_MUST_USE;

/* Stored facts about one enterprise as a JSON object (jansson; the caller owns it):
 * "registry", "history" (level per run), "events" (the latest `recent`, with department and
 * topic), "persons" (masked names, roles, how many other firms each holds a role in) and
 * "linked" (other firms sharing a person or the address). */
cr_err cr_store_portrait(cr_store *s, int64_t subject, int recent, json_t **out) CR_MUST_USE;
/* The "tags" of that portrait alone (appended to the array tags): the rules of the latest run
 * tagged. Tags are saved again for a run without a new run or generation (crisk tag), so a
 * cached portrait reads them afresh (server/routes_core.c). CR_ESTORE on failure. */
cr_err cr_store_portrait_tags(cr_store *s, int64_t subject, json_t *tags) CR_MUST_USE;

/* What a run records (plain data, prepared by the caller: cr_city_run_save in city.h). The
 * enterprises are subject[0..n-1] in ascending order; per enterprise e its score, level ('A'..'D'),
 * veto (an index into veto_ids, -1 none), n_aspects aspect scores at aspects[e * n_aspects] and
 * up to n_top contributions, the k-th of e at index e * n_top + k of three strided arrays: the
 * indicator (an index into indicator_ids; -1 ends the list), its points and its share, each
 * top_stride bytes after the one before (so the caller's array of structs is read in place). */
struct cr_run_rec {
    const char *model_id, *model_hash; /* hash: hex */
    int model_version;
    const char *model_text; /* the model file's text (NULL: none), model_text_len bytes */
    size_t model_text_len;
    const char *const *indicator_ids; /* in model order, n_indicators */
    size_t n_indicators;
    const char *const *veto_ids; /* n_vetoes; a veto[e] outside it: CR_EINVAL */
    size_t n_vetoes;
    int32_t as_of;
    size_t n, n_events, levels[4];
    double seconds;
    const int64_t *subject;
    const double *score;
    const char *level;
    const int16_t *veto;
    size_t n_aspects;
    const float *aspects;
    size_t n_top, top_stride;
    const int32_t *top_indicator;
    const float *top_points, *top_share;
};

/* Records a classification run: the run (model id, version and content hash, as-of date,
 * input counts, timing), the model's text (once per hash), every enterprise's score, level, aspect
 * scores and top contributions, and the level changes against the previous run. Writes the new run
 * id and the number of changes. */
cr_err cr_store_run_save(cr_store *s, const struct cr_run_rec *r, int64_t *run_id,
                         int64_t *n_changes) CR_MUST_USE;

/* The as-of day of a run and the level in it of each of the n enterprises subject[0..n-1]
 * (ascending; levels[e] = 0 when the enterprise was not in the run). */
cr_err cr_store_run_levels(cr_store *s, int64_t run, const int64_t *subject, size_t n,
                           int32_t *as_of, char *levels) CR_MUST_USE;

/* Replaces the tags of a run: bit r of bits[e] set = rule r of the tag set holds for the
 * enterprise subject[e] (e < n). */
cr_err cr_store_tags_save(cr_store *s, int64_t run, const int64_t *subject, size_t n,
                          const char *const *ids, const char *const *names, size_t n_tags,
                          const uint64_t *bits) CR_MUST_USE;

/* Level counts of a run per district code ("" for enterprises without one). */
cr_err cr_store_run_by_district(cr_store *s, int64_t run,
                                void (*fn)(void *ctx, const char *district, const int64_t n[4]),
                                void *ctx) CR_MUST_USE;

/* The model a run used: its content hash (hex, NUL-terminated) and its text as recorded with
 * the run (malloc'd, the caller frees it; *text NULL when the run was recorded before the store
 * kept model texts, schema 4). CR_ENOTFOUND when the run does not exist. */
cr_err cr_store_run_model(cr_store *s, int64_t run, char hash[17], char **text,
                          size_t *len) CR_MUST_USE;

/* The latest run id, CR_ENOTFOUND when there is none. */
cr_err cr_store_run_latest(cr_store *s, int64_t *run_id) CR_MUST_USE;

/* Whether every enterprise of a run is keyed by its USCC (1), or some by a department's own key
 * (namespace:local, 0). CR_ENOTFOUND when there is no such run, so that a caller can say so
 * before it prints anything. */
cr_err cr_store_run_all_uscc(cr_store *s, int64_t run, int *all_uscc) CR_MUST_USE;

/* Calls fn for each enterprise of a run in subject order. key is the USCC (or local key). */
cr_err cr_store_scores_each(cr_store *s, int64_t run,
                            void (*fn)(void *ctx, const char *key, double score, char level),
                            void *ctx) CR_MUST_USE;

/* ---- typed readers for the city layer (readers.c; city.h) ---- */

/* The path the store was opened with (its cache files live beside it). */
const char *cr_store_path(cr_store *s);
/* SQLite's message of the last call on s, or NULL when it succeeded. */
const char *cr_store_db_error(cr_store *s);
/* Begins a read transaction when none is open (*began = 1), so that every read until
 * cr_store_read_end sees one committed state; *began = 0 inside the caller's transaction. */
cr_err cr_store_read_begin(cr_store *s, int *began) CR_MUST_USE;
/* Ends the transaction cr_store_read_begin began: COMMIT when commit, else ROLLBACK. */
cr_err cr_store_read_end(cr_store *s, int commit) CR_MUST_USE;
/* The largest event block id (0 when none): blocks 1..top are a scan's ranges. */
cr_err cr_store_event_blocks_top(cr_store *s, int64_t *top) CR_MUST_USE;
/* The largest topic id, 0 when none. */
cr_err cr_store_topic_top(cr_store *s, int64_t *top) CR_MUST_USE;
/* The largest role row id, 0 when none (ingest sizes a bulk load against it). */
cr_err cr_store_role_top(cr_store *s, int64_t *top) CR_MUST_USE;
/* The latest day of the collected (department) events (days since 1970-01-01), 0 when there
 * are none: the default as-of of classify, monitor and learn. Events of the built-in topics of
 * department "crisk" (task outcomes, inspection results appended with a day a user gave) are
 * left out, so closing a task never moves the whole city's as-of. */
cr_err cr_store_events_last_day(cr_store *s, int64_t *day) CR_MUST_USE;
/* The quarantined rows still open and those resolved (by a retry). */
cr_err cr_store_quarantine_totals(cr_store *s, int64_t *open, int64_t *resolved) CR_MUST_USE;

/* The readers below read the whole store (around = 0) or the neighbourhood marked by the last
 * cr_store_around_mark on s (around = 1). Their callbacks return nonzero to stop. *why names
 * the query when it did not fit its buffer (a programming error), else NULL. */

/* The number of enterprises and the largest subject id (of enterprises or subjects). */
cr_err cr_store_enterprise_extent(cr_store *s, int around, int64_t *n, int64_t *max_subject,
                                  const char **why) CR_MUST_USE;
/* Each enterprise's columns a classification reads (subject, uscc, established, capital_fen,
 * industry, type, status; the others unset), by subject. Strings are valid during the call. */
cr_err cr_store_enterprises_read(cr_store *s, int around,
                                 int (*fn)(void *ctx, const struct cr_enterprise_rec *r), void *ctx,
                                 const char **why) CR_MUST_USE;
/* Whether s was opened read-only (cr_store_open_readonly): a second connection for a parallel
 * read opens the same way. */
int cr_store_is_readonly(cr_store *s);
/* Each enterprise's normalised address key (enterprises without one are left out), in the
 * order of the keys, so that one key's enterprises come one after another (read from the
 * index on addr_key: no sort, no hashing). The key is valid during the call. */
cr_err cr_store_addr_keys_read(cr_store *s, int around,
                               int (*fn)(void *ctx, int64_t subject, const char *key, size_t len),
                               void *ctx, const char **why) CR_MUST_USE;
/* Each topic's id and kind. */
cr_err cr_store_topic_kinds(cr_store *s,
                            int (*fn)(void *ctx, int64_t id, const char *kind, size_t len),
                            void *ctx) CR_MUST_USE;
/* The number of roles and the largest person id. */
cr_err cr_store_role_extent(cr_store *s, int around, int64_t *n, int64_t *max_person,
                            const char **why) CR_MUST_USE;
/* Each role: its enterprise's subject, person and role name. */
cr_err cr_store_roles_read(cr_store *s, int around,
                           int (*fn)(void *ctx, int64_t subject, int64_t person, const char *role,
                                     size_t len),
                           void *ctx, const char **why) CR_MUST_USE;
/* Marks the neighbourhood of subject (it, the firms its persons hold roles in, the firms at its
 * address) for the readers' around = 1. CR_ENOTFOUND when subject has no registry row. */
cr_err cr_store_around_mark(cr_store *s, int64_t subject, cr_diag *d) CR_MUST_USE;
/* The subjects marked, ascending (malloc'd; the caller frees *out). */
cr_err cr_store_around_subjects(cr_store *s, int64_t **out, size_t *n) CR_MUST_USE;

/* ---- monitor: detector runs and warnings (src/store/warnings.c) ---- */

/* Tables: monitor_run, warning, warning_firm, warning_history (docs/monitor.md). A warning is
 * identified by (detector, key) across runs; warning_firm holds its CURRENT firms. */

/* One warning and one of its firms, as cr_store_warning_rows reads them. Strings are valid
 * during the call; "" where the store holds none. */
struct cr_warning_row {
    int64_t warning;
    const char *detector, *status, *summary, *evidence;
    int64_t rule_version;
    int32_t opened_day, closed_day;                         /* closed_day -1 while open */
    const char *w_district, *w_street, *w_grid, *w_address; /* the warning's place ("" if none) */
    int64_t subject;
    const char *uscc, *name, *address, *district, *street, *grid;
    int has_geo;
    double lon, lat;
};
/* NULL = any. division is a code prefix matched against the firm's district, street or grid. */
struct cr_warning_filter {
    const char *detector, *division, *status;
};
/* Calls fn for each warning and firm that pass f (NULL = all), in warning id order, then firm
 * USCC order (the subject's key for a firm without a USCC). fn returning nonzero stops. */
cr_err cr_store_warning_rows(cr_store *s, const struct cr_warning_filter *f,
                             int (*fn)(void *ctx, const struct cr_warning_row *r),
                             void *ctx) CR_MUST_USE;

/* A stored warning's identity and state, for a monitor run to compare its findings with. */
struct cr_warning_state {
    int64_t id;
    const char *detector, *key, *status, *evidence;
    int64_t rule_version;
    int32_t opened_day;
};
/* Calls fn for every warning, open and closed, by id. Strings valid during the call. */
cr_err cr_store_warnings_each(cr_store *s, int (*fn)(void *ctx, const struct cr_warning_state *w),
                              void *ctx) CR_MUST_USE;

/* A finding to store as a warning. subjects: its current firms (any order, no duplicates). */
struct cr_warning_rec {
    const char *detector, *key;
    int64_t rule_version;
    int32_t day; /* the run's as-of day: opened_day of a new or reopened warning */
    const char *district, *street, *grid, *address; /* NULL = none */
    const char *summary, *evidence;
    const int64_t *subjects;
    size_t n_subjects;
};
/* Starts a monitor run inside the caller's transaction: inserts its row with zero counts and
 * writes its id. rules_hash: the rules file's content hash (hex). */
cr_err cr_store_monitor_run_begin(cr_store *s, const char *rules_hash, int64_t rules_version,
                                  int32_t as_of, int64_t *run) CR_MUST_USE;
/* Records a run's totals: seconds, open warnings after it, changes, and by_detector (a JSON
 * object of open warnings per detector). */
cr_err cr_store_monitor_run_finish(cr_store *s, int64_t run, double seconds, int64_t n_open,
                                   int64_t n_new, int64_t n_updated, int64_t n_closed,
                                   const char *by_detector) CR_MUST_USE;
/* Writes a finding of run. id = 0: a new warning (change "new"; *out its id). id > 0: the
 * stored warning of the same detector and key, rewritten with w's facts and firms and opened
 * again when closed; change is "updated" or "reopened" ("reopened" sets opened_day = w->day
 * and clears closed_day), or NULL when nothing changed (only last_run moves, no history row). */
cr_err cr_store_warning_write(cr_store *s, int64_t run, int64_t id, const struct cr_warning_rec *w,
                              const char *change, int64_t *out) CR_MUST_USE;
/* Sets last_run = run on every open warning: a run that found a warning unchanged writes
 * nothing else for it (after a run, the open warnings are exactly its findings). */
cr_err cr_store_warnings_touch(cr_store *s, int64_t run) CR_MUST_USE;
/* Closes warning id in run on day (a history row "closed"); its firms stay as they were. */
cr_err cr_store_warning_close(cr_store *s, int64_t run, int64_t id, int32_t day) CR_MUST_USE;
/* The latest monitor run id, CR_ENOTFOUND when there is none. */
cr_err cr_store_monitor_run_latest(cr_store *s, int64_t *run) CR_MUST_USE;

/* What a warning shows of a firm: its registry row's identity and place (strings "" when the
 * store holds none; valid during the call). */
struct cr_firm_brief {
    int64_t subject;
    const char *uscc, *name, *address, *addr_key, *district, *street, *grid;
};
/* Calls fn for each of the n subjects that has a registry row, in the order given. */
cr_err cr_store_firm_briefs(cr_store *s, const int64_t *subjects, size_t n,
                            int (*fn)(void *ctx, const struct cr_firm_brief *b),
                            void *ctx) CR_MUST_USE;
/* Calls fn for each of the n person ids that exists, in the order given: the name as stored
 * (callers mask it before showing it; may be "") and the keyed ID hash (never an ID number). */
cr_err cr_store_person_briefs(cr_store *s, const int64_t *persons, size_t n,
                              int (*fn)(void *ctx, int64_t person, const char *name,
                                        const unsigned char idhash[16]),
                              void *ctx) CR_MUST_USE;
/* A level change between two classification runs of one model. top_*: run_score.top (JSON). */
struct cr_level_pair {
    int64_t run_before, run_after, subject;
    char before, after;
    const char *top_before, *top_after;
    const char *model_id;
    const char *hash_before, *hash_after; /* the two runs' model hashes (hex) */
    int32_t as_of_before, as_of_after;
};
/* The latest run as of as_of (run.as_of <= as_of) and the latest earlier run of the same model
 * id as of as_of: calls fn for each enterprise in both whose level differs, by subject. *found
 * (written on success only) = 0 (fn never called) when there are not two such runs. */
cr_err cr_store_level_pairs(cr_store *s, int32_t as_of,
                            int (*fn)(void *ctx, const struct cr_level_pair *p), void *ctx,
                            int *found) CR_MUST_USE;
/* The latest as-of day of the monitor runs and the run that used it (*day INT32_MIN, *run 0
 * when there is none): a monitor run earlier than it would reopen and close warnings by going
 * back in time. */
cr_err cr_store_monitor_last_as_of(cr_store *s, int32_t *day, int64_t *run) CR_MUST_USE;

/* The event blocks of the n topics (ids) as runs of consecutive block ids [from, to), in id
 * order, for cr_store_events_range: a detector that needs the attributes of a few rare kinds
 * reads their blocks only. */
cr_err cr_store_event_blocks_of(cr_store *s, const int64_t *topics, size_t n,
                                int (*fn)(void *ctx, int64_t from, int64_t to),
                                void *ctx) CR_MUST_USE;

/* ---- end of monitor ---- */

/* ---- respond: tasks and their history (src/store/tasks.c) ---- */

/* One member of the supervision staff (the roster, docs/respond.md). */
struct cr_staff {
    const char *id, *name, *role, *division, *qualifications;
};
/* Replaces the whole roster (table staff) by rows[0..n) in one transaction of its own. */
cr_err cr_store_staff_replace(cr_store *s, const struct cr_staff *rows, size_t n) CR_MUST_USE;
/* Calls fn for every staff member whose division starts with division_prefix (NULL = all), by
 * id; strings are valid during the call. fn returning nonzero stops the walk (CR_OK). */
cr_err cr_store_staff_read(cr_store *s, const char *division_prefix,
                           int (*fn)(void *ctx, const struct cr_staff *st), void *ctx) CR_MUST_USE;
/* The staff member with this id into fn; *found = 0 when none. */
cr_err cr_store_staff_get(cr_store *s, const char *id,
                          int (*fn)(void *ctx, const struct cr_staff *st), void *ctx,
                          int *found) CR_MUST_USE;

/* A task (docs/respond.md): a warning's errand for one division. Strings are valid during a
 * reader's call. level: 0 city, 1 district, 2 street, 3 grid. kind: "grid" (the division
 * owning firms of the warning), "coordinate" (the level above a warning spanning several
 * grids), "escalation" (an overdue task's successor one level up; parent is that task). */
struct cr_task {
    int64_t id, warning, parent /* 0 none */, escalated_to /* 0 none */;
    int level;
    const char *division, *kind, *status, *outcome /* "" none */;
    int32_t created_day, due_day;
    /* the warning's, for listings */
    const char *detector, *warning_status, *summary;
    /* for cr_store_task_insert only (listings leave it 0): how many times the warning had been
     * reopened when the task was made (docs/respond.md "A reopened warning") */
    int64_t opening;
};
struct cr_task_filter {
    const char *division; /* code prefix of the task's division; NULL = any */
    const char *status;   /* NULL = any */
    int64_t warning;      /* 0 = any */
    int64_t subject;      /* tasks of warnings naming this firm; 0 = any */
    int64_t id;           /* 0 = any */
};
/* Calls fn for every task matching f (NULL = all), by id. fn nonzero stops (CR_OK). */
cr_err cr_store_tasks_each(cr_store *s, const struct cr_task_filter *f,
                           int (*fn)(void *ctx, const struct cr_task *t), void *ctx) CR_MUST_USE;
/* Inserts a task (t->id ignored), writes its id. *created = 0 (and *id the existing task's)
 * when a task of the same warning, division, kind and parent exists. In the caller's
 * transaction. */
cr_err cr_store_task_insert(cr_store *s, const struct cr_task *t, int64_t *id,
                            int *created) CR_MUST_USE;
/* The version of the address-key rules (CR_ADDR_KEY_RULES, include/crisk/addr.h) the store's
 * enterprise.addr_key values were made with: the oldest when ingests of several versions wrote
 * them; *v = 0 when unknown (a store whose registry was ingested before crisk recorded it). */
cr_err cr_store_addr_key_rules(cr_store *s, int *v) CR_MUST_USE;
/* Records, before an ingest writes registry rows, that their keys are made with rules version v:
 * a store without enterprise rows takes v; one with rows keeps the older of its version and v
 * (its older keys stay until re-ingested), and an unknown version stays unknown. */
cr_err cr_store_addr_key_rules_note(cr_store *s, int v) CR_MUST_USE;
/* The latest task (greatest id) of warning at exactly division of kind, whatever its parent:
 * *found 0 when there is none. opening as cr_task.opening (0 for tasks of stores made before
 * the column; see cr_store_tasks_upgrade). */
struct cr_task_latest {
    int64_t id, opening;
    char status[16];
};
cr_err cr_store_task_latest(cr_store *s, int64_t warning, const char *division, const char *kind,
                            struct cr_task_latest *out, int *found) CR_MUST_USE;
/* Gives a version-5 store made before the column task.opening existed that column (default 0),
 * once; a no-op otherwise. Writers of tasks call it in their transaction before reading or
 * inserting tasks with cr_store_task_latest / cr_store_task_insert. */
cr_err cr_store_tasks_upgrade(cr_store *s) CR_MUST_USE;
/* Sets a task's status, outcome (NULL keeps it) and escalated_to (0 keeps it). */
cr_err cr_store_task_update(cr_store *s, int64_t id, const char *status, const char *outcome,
                            int64_t escalated_to) CR_MUST_USE;
/* One line of a task's history. */
struct cr_task_event {
    int64_t task;
    int32_t at; /* day */
    const char *by, *action, *from_status /* "" none */, *to_status, *note /* "" none */;
    const char *created; /* read: the wall clock (UTC) the line was written; ignored on add */
};
cr_err cr_store_task_history_add(cr_store *s, const struct cr_task_event *e) CR_MUST_USE;
/* A task's history in order (task = 0: every task's, by task then order). */
cr_err cr_store_task_history_each(cr_store *s, int64_t task,
                                  int (*fn)(void *ctx, const struct cr_task_event *e),
                                  void *ctx) CR_MUST_USE;
/* The open warnings (warning = 0) or the one warning with this id (any status), with each
 * current firm's divisions, in warning id then subject order, for dispatch. */
struct cr_dispatch_row {
    int64_t warning, subject;
    const char *status, *district, *street, *grid; /* the firm's ("" none) */
    int64_t reopens; /* how many times the warning was reopened (warning_history) */
};
cr_err cr_store_dispatch_rows(cr_store *s, int64_t warning,
                              int (*fn)(void *ctx, const struct cr_dispatch_row *r),
                              void *ctx) CR_MUST_USE;

/* The warnings naming a firm (warning_firm: its current firms), by id; strings valid during the
 * call. closed_day -1 while open. */
struct cr_firm_warning {
    int64_t id;
    const char *detector, *status, *summary;
    int32_t opened_day, closed_day;
};
cr_err cr_store_firm_warnings(cr_store *s, int64_t subject,
                              int (*fn)(void *ctx, const struct cr_firm_warning *w),
                              void *ctx) CR_MUST_USE;

/* Appends events to a built-in topic (department "crisk", created on first use with the given
 * kind; topic_code e.g. "crisk/task_outcome"), in the caller's transaction or its own (when
 * none is open); writes event blocks and brings postings and the store's generation up to
 * date, so the next classify reads them. attrs_json NULL = no attributes. CR_EINVAL for an
 * unknown subject or a topic of that code that is not the department crisk's or has another
 * kind; cr_store_errmsg then names the subject or the topic. */
struct cr_event_new {
    int64_t subject;
    int32_t day;
    int64_t amount_fen; /* INT64_MIN none */
    const char *attrs_json;
};
cr_err cr_store_events_append(cr_store *s, const char *topic_code, const char *topic_name,
                              const char *kind, const struct cr_event_new *ev,
                              size_t n) CR_MUST_USE;

/* ---- end of respond ---- */

/* ---- inspect: plans, draws, inspections (src/store/inspect.c) ---- */

/* A firm a plan may cover: each enterprise of a run with its level and registry columns
 * (strings valid during the call; NULL when absent). */
struct cr_plan_cand {
    int64_t subject;
    const char *key, *type, *industry, *status, *district, *street;
    int has_established;
    int32_t established;
    char level;
};
cr_err cr_store_plan_candidates(cr_store *s, int64_t run,
                                int (*fn)(void *ctx, const struct cr_plan_cand *c),
                                void *ctx) CR_MUST_USE;
/* The subjects a run's tags give tag (matched by tag id or by name). */
cr_err cr_store_run_tag_subjects(cr_store *s, int64_t run, const char *tag,
                                 int (*fn)(void *ctx, int64_t subject), void *ctx) CR_MUST_USE;
/* The subjects drawn (any arm) by a standing (not void) draw of a routine plan dated in
 * [since_day, before_day): only draws before the plan's day count (docs/inspect.md). */
cr_err cr_store_recently_drawn(cr_store *s, int32_t since_day, int32_t before_day,
                               int (*fn)(void *ctx, int64_t subject), void *ctx) CR_MUST_USE;
/* The subjects of open warnings (monitor stage); none when the store has no warning table. */
cr_err cr_store_open_warning_subjects(cr_store *s, int (*fn)(void *ctx, int64_t subject),
                                      void *ctx) CR_MUST_USE;

/* A plan as recorded: its file's text and SHA-256, its resolved settings (JSON), the run its
 * eligible list was frozen from, the list's size and SHA-256, and its counts (JSON). */
struct cr_plan_rec {
    int64_t id, run, eligible;
    const char *name, *batch, *text, *hash, *settings, *eligible_hash, *counts, *created;
    int year, routine;
    int32_t day;
};
/* One firm of a plan's frozen eligible list; cls is a class code of docs/draw.md (an index of
 * cr_store_elig_class). */
struct cr_plan_firm {
    int64_t subject;
    const char *key, *street;
    uint8_t cls;
    char level;
};
/* The classes of the eligible list by code: "pool", "triggered", "exempt_recent",
 * "exempt_status", "exempt_tolerance" (the order of docs/store.md "plan_list"). */
#define CR_STORE_N_ELIG_CLASSES 5
extern const char *const cr_store_elig_class[CR_STORE_N_ELIG_CLASSES];
/* Records a plan and its frozen list (in its own transaction): the list as one block of table
 * plan_list (docs/store.md "plan_list", format 1), in the order given (ascending byte order of
 * key); writes the new id. */
cr_err cr_store_plan_save(cr_store *s, const struct cr_plan_rec *p, const struct cr_plan_firm *f,
                          size_t n, int64_t *id) CR_MUST_USE;
/* Calls fn with plan id (CR_ENOTFOUND when there is none), or with every plan (id 0). */
cr_err cr_store_plans_each(cr_store *s, int64_t id,
                           int (*fn)(void *ctx, const struct cr_plan_rec *p),
                           void *ctx) CR_MUST_USE;
/* A plan's frozen list as read back: f[0..n) in the recorded order, its strings in memory the
 * list owns (free with cr_store_plan_list_free, also after a failure). */
struct cr_plan_list {
    struct cr_plan_firm *f;
    size_t n;
    void *mem;            /* the block the strings point into */
    const char **streets; /* the block's street codes (pointers into mem) */
    char **own;           /* a list of an older store (rows of plan_firm): its strings */
    size_t n_own;
};
/* The plan's frozen list: its plan_list block, or for a plan recorded by an older crisk its
 * plan_firm rows in key order. CR_EPARSE when the block is not of a known format or is cut
 * (*why says how). */
cr_err cr_store_plan_list(cr_store *s, int64_t plan, struct cr_plan_list *l,
                          const char **why) CR_MUST_USE;
void cr_store_plan_list_free(struct cr_plan_list *l);

/* A draw as recorded, and one firm of it (with the inspection made for it). */
struct cr_draw_rec {
    int64_t id, plan, sampled;
    const char *seed, *report, *created;
    int32_t day;
    double seconds;
    /* A void draw (replaced by a redraw, docs/draw.md "One draw per plan"): who voided it,
     * why, on which day and when; void_by NULL while the draw stands. */
    const char *void_by, *void_reason, *voided;
    int32_t void_day;
};
struct cr_draw_firm {
    int64_t draw, subject, inspection;
    const char *key, *arm, *inspectors, *unstaffed; /* unstaffed NULL when staffed */
    char level;
    /* read back only: the inspection row's own inspectors (inspection.inspectors, completed by
     * crisk inspect --inspectors; NULL without a row) and whether it has a result */
    const char *recorded;
    int has_result;
};
/* A redraw's voiding of the standing draw it replaces. */
struct cr_draw_void {
    int64_t draw;
    const char *by, *reason;
    int32_t day;
};
/* Records a draw in one transaction: the draw, one open inspection per firm (holding the firm's
 * level, arm, drawn inspectors and unstaffed reason, docs/store.md "Draws"), the roster's
 * inspectors it was staffed from (roster[0..n_roster): id, division, qualifications) and the
 * recusals by last inspection in force for its firms. With replace, the same transaction first
 * marks the standing draw replace->draw void (by, reason, day, the time now) and cancels its
 * inspections without a result; CR_ENOTFOUND when that draw is not standing. */
cr_err cr_store_draw_save(cr_store *s, const struct cr_draw_rec *r, const struct cr_draw_firm *f,
                          size_t n, const struct cr_staff *roster, size_t n_roster,
                          const struct cr_draw_void *replace, int64_t *id) CR_MUST_USE;
/* The redraw that voided draw (the next draw of its plan) in *redraw; CR_ENOTFOUND when none. */
cr_err cr_store_draw_redraw(cr_store *s, int64_t draw, int64_t *redraw) CR_MUST_USE;
/* The plan's standing (not void) draw in *draw; CR_ENOTFOUND when it has none. */
cr_err cr_store_plan_live_draw(cr_store *s, int64_t plan, int64_t *draw) CR_MUST_USE;
/* Calls fn with draw id; CR_ENOTFOUND when there is none. */
cr_err cr_store_draw_get(cr_store *s, int64_t id, int (*fn)(void *ctx, const struct cr_draw_rec *r),
                         void *ctx) CR_MUST_USE;
/* The draw's firms in key order. */
cr_err cr_store_draw_firms(cr_store *s, int64_t draw,
                           int (*fn)(void *ctx, const struct cr_draw_firm *f),
                           void *ctx) CR_MUST_USE;
/* For each subject its latest inspection with a result (the latest result day; of equal days
 * the highest inspection id): the inspectors who made it. */
cr_err cr_store_last_inspectors(cr_store *s,
                                int (*fn)(void *ctx, int64_t subject, const char *inspectors),
                                void *ctx) CR_MUST_USE;

/* An inspection: its firm, draw, plan and arm, and its result once recorded (result NULL). */
struct cr_inspection_row {
    int64_t id, draw, plan, subject;
    const char *key, *level, *arm, *inspectors, *result, *label, *items, *by, *recorded;
    int32_t day; /* -1 without a result */
    int penalty_exempt, problem;
    int cancelled; /* 1: its draw was voided before it had a result (closed to results) */
};
/* Calls fn for inspection id (CR_ENOTFOUND when none), or for every inspection (id 0) of plan
 * (0 = any) with a result when with_result, by id. */
cr_err cr_store_inspections_each(cr_store *s, int64_t id, int64_t plan, int with_result,
                                 int (*fn)(void *ctx, const struct cr_inspection_row *r),
                                 void *ctx) CR_MUST_USE;
/* Records the result of an inspection (inside the caller's transaction). */
cr_err cr_store_inspection_result(cr_store *s, const struct cr_inspection_row *r) CR_MUST_USE;
/* The subject's inspections with a result, by result day, then id. */
cr_err cr_store_subject_results(cr_store *s, int64_t subject,
                                int (*fn)(void *ctx, const struct cr_inspection_row *r),
                                void *ctx) CR_MUST_USE;
/* Sets an inspection's 免罚 decision (inside the caller's transaction). */
cr_err cr_store_inspection_penalty(cr_store *s, int64_t id, int penalty_exempt) CR_MUST_USE;
/* The recorded roster of draw by id (*recorded = 0 and fn never called when none was). */
cr_err cr_store_draw_roster(cr_store *s, int64_t draw,
                            int (*fn)(void *ctx, const struct cr_staff *st), void *ctx,
                            int *recorded) CR_MUST_USE;
/* The recusals by last inspection recorded with draw: subject and ';'-joined staff ids. */
cr_err cr_store_draw_recusals(cr_store *s, int64_t draw,
                              int (*fn)(void *ctx, int64_t subject, const char *inspectors),
                              void *ctx) CR_MUST_USE;

/* ---- end of inspect ---- */

/* ---- learn: the registry columns of the feature matrix, promotions (src/store/learn.c) ---- */

/* Each enterprise's subject, district ("" when none) and kept registry attributes (JSON object
 * text, NULL when none), by subject. Strings are valid during the call; fn returns nonzero to
 * stop (the result is then CR_EIO). */
cr_err cr_store_learn_firms(cr_store *s,
                            int (*fn)(void *ctx, int64_t subject, const char *district,
                                      const char *attrs),
                            void *ctx) CR_MUST_USE;

/* Sets the page cache of s to kib KiB (the store opens with 256 MiB, for writers): the learn
 * matrix reads each table once, and a full cache would only add to its peak memory. */
cr_err cr_store_learn_cache(cr_store *s, int kib) CR_MUST_USE;

/* The events of the topic with code topic_code (e.g. "crisk/task_outcome", the respond stage's
 * outcomes), with their attrs, block by block. None when the topic does not exist. */
cr_err cr_store_learn_topic_events(cr_store *s, const char *topic_code, cr_event_fn fn,
                                   void *ctx) CR_MUST_USE;

/* A promoted model (crisk model promote): the file's whole text, who and why. */
struct cr_promotion {
    int64_t id, version;
    const char *model_id, *hash, *method, *text, *path, *by, *note, *created, *metrics;
    size_t text_len;
};
/* Records a promotion (in the caller's transaction or its own); writes its id. */
cr_err cr_store_promotion_add(cr_store *s, const struct cr_promotion *p, int64_t *id) CR_MUST_USE;
/* Calls fn for every promotion, oldest first, or for the latest only (CR_ENOTFOUND when there is
 * none). Strings are valid during the call. */
cr_err cr_store_promotions_each(cr_store *s, int latest_only,
                                int (*fn)(void *ctx, const struct cr_promotion *p),
                                void *ctx) CR_MUST_USE;

/* ---- end of learn ---- */

/* ---- the HTTP API's stage routes (src/store/api.c) ---- */

/* The rows of warning id (every current firm, as cr_store_warning_rows reads them), in firm
 * USCC order; none when there is no such warning. */
cr_err cr_store_warning_rows_of(cr_store *s, int64_t id,
                                int (*fn)(void *ctx, const struct cr_warning_row *r),
                                void *ctx) CR_MUST_USE;
/* The number of current firms of warning id (0 when there is none). */
cr_err cr_store_warning_firm_count(cr_store *s, int64_t id, int64_t *n) CR_MUST_USE;

/* ---- serve: users, sessions, audit, and the API's readers (src/store/serve.c) ---- */

/* Creates the serve tables, and the columns later sessions added, when missing (a version 5
 * store made before they existed); a store created fresh has them. Needs a writable handle;
 * its own transaction (BEGIN IMMEDIATE), or a savepoint in the caller's. */
cr_err cr_store_serve_ensure(cr_store *s) CR_MUST_USE;

/* *present: whether s has the serve tables (a store made before the serve stage, to which no
 * user was added, has none: it has no users). */
cr_err cr_store_serve_present(cr_store *s, int *present) CR_MUST_USE;

/* Releases the writer lock cr_store_lock took on s (nothing when s does not hold it), for a
 * process that lives long and writes seldom (crisk serve): it takes the lock around each write
 * of the workflow and lets the monthly verbs run between them. */
void cr_store_unlock(cr_store *s);

/* A user of the HTTP API (docs/serve.md). role is one of the roles of server/; scope the
 * division code of the user's jurisdiction ("" for the whole city); pwhash libsodium's
 * crypto_pwhash_str text (argon2id), never a password. */
struct cr_user_rec {
    int64_t id;
    char name[128], role[32], scope[16], pwhash[160];
    int disabled;
};
/* Adds the user u (id ignored) created at now (Unix seconds). *id is the new id, or 0 when a
 * user of that name exists (nothing is changed then). */
cr_err cr_store_user_add(cr_store *s, const struct cr_user_rec *u, int64_t now,
                         int64_t *id) CR_MUST_USE;
/* The user named name, or with id id, into *out. CR_ENOTFOUND when there is none. */
cr_err cr_store_user_by_name(cr_store *s, const char *name, struct cr_user_rec *out) CR_MUST_USE;
cr_err cr_store_user_by_id(cr_store *s, int64_t id, struct cr_user_rec *out) CR_MUST_USE;
/* Sets the user named name disabled (disabled 1) or enabled (0; -1 leaves it) and its password
 * hash (NULL leaves it). Disabling or a new password deletes the user's sessions. *found is 0
 * when there is no such user (nothing is changed). In the caller's write transaction. */
cr_err cr_store_user_set(cr_store *s, const char *name, int disabled, const char *pwhash,
                         int *found) CR_MUST_USE;
/* Deletes every session of the user with id user. */
cr_err cr_store_user_sessions_delete(cr_store *s, int64_t user) CR_MUST_USE;
/* A user as listed (never the password hash): created and last_seen in Unix seconds
 * (last_seen 0: no session stored), sessions the number of its sessions not ended by their own
 * limits (one made before sessions kept limits counts while stored). Strings are valid during
 * the callback. */
struct cr_user_info {
    int64_t id, created, sessions, last_seen;
    const char *name, *role, *scope;
    int disabled;
};
/* Calls fn for every user by name, sessions counted at now (Unix seconds); fn returning
 * nonzero stops (CR_OK: the caller knows why it stopped). */
cr_err cr_store_users_each(cr_store *s, int64_t now,
                           int (*fn)(void *ctx, const struct cr_user_info *u),
                           void *ctx) CR_MUST_USE;

/* Login rate limits shared by every process on the store: failures per key (a user name, a
 * client address) in a window that opens at a key's first failure. cr_store_login_reserve
 * counts an attempt of both keys before its password is checked, so that parallel attempts
 * cannot pass the limit together: *limited is 1, and nothing is counted, when either key has
 * limits[i] failures in its window; else both are counted, each key's window lasting at least
 * window seconds from its first failure (the longest window of the servers that counted it
 * wins); *retry_s is then the seconds until the limiting window ends. Rows of ended windows
 * are deleted. cr_store_login_release undoes it after a good
 * password: the name's failures are forgotten and the address's reserved attempt taken back.
 * Times in Unix seconds; both in the caller's write transaction. */
cr_err cr_store_login_reserve(cr_store *s, const char *const keys[2], const int64_t limits[2],
                              int64_t now, int64_t window, int *limited,
                              int64_t *retry_s) CR_MUST_USE;
cr_err cr_store_login_release(cr_store *s, const char *const keys[2], int64_t now) CR_MUST_USE;

/* Sessions, kept by a hash of their id (the id itself, a bearer secret, is never stored), with
 * the hash of their CSRF token; times in Unix seconds. */
struct cr_session_rec {
    int64_t user, created, last_seen;
    int64_t idle_s, max_s; /* the limits it was made with; 0: made before sessions kept them */
    unsigned char csrf_hash[32];
};
/* Stores a session of user made at now that ends idle_s seconds after its last use or max_s
 * after now (Unix seconds) — only while the user is enabled and its password hash is still
 * pwhash (the one the login checked): *made is 0, and nothing is stored, when the user was
 * disabled or given a new password meanwhile. */
cr_err cr_store_session_put(cr_store *s, const unsigned char idhash[32], int64_t user,
                            const char *pwhash, const unsigned char csrf_hash[32], int64_t now,
                            int64_t idle_s, int64_t max_s, int *made) CR_MUST_USE;
/* CR_ENOTFOUND when no session has this hash. */
cr_err cr_store_session_get(cr_store *s, const unsigned char idhash[32],
                            struct cr_session_rec *out) CR_MUST_USE;
cr_err cr_store_session_touch(cr_store *s, const unsigned char idhash[32], int64_t now) CR_MUST_USE;
cr_err cr_store_session_delete(cr_store *s, const unsigned char idhash[32]) CR_MUST_USE;
/* Deletes the sessions ended at now by their own limits (a session without them: by idle_max
 * and max_max, the longest limits any server may set). */
cr_err cr_store_sessions_expire(cr_store *s, int64_t now, int64_t idle_max,
                                int64_t max_max) CR_MUST_USE;

/* One row of the audit log: who (user name and role), when (Unix seconds), what (action, e.g.
 * "portrait", "login", "user.add"), on which object (a USCC, a user name) with which HTTP
 * status, from which client address. Strings are valid during a callback. */
struct cr_audit_rec {
    int64_t id, at;
    const char *user, *role, *action, *object, *client;
    int status;
};
cr_err cr_store_audit_add(cr_store *s, const struct cr_audit_rec *a) CR_MUST_USE;
/* Calls fn for up to limit rows with ids below before_id (<= 0: from the newest), newest
 * first; fn returning nonzero stops. */
cr_err cr_store_audit_each(cr_store *s, int64_t before_id, int limit,
                           int (*fn)(void *ctx, const struct cr_audit_rec *a),
                           void *ctx) CR_MUST_USE;

/* The 6-digit code of the city the store's enterprises lie in (the first 4 digits of a
 * district, then 00: 440100), "" when no enterprise has a district. */
cr_err cr_store_city_of(cr_store *s, char city[16]) CR_MUST_USE;

/* An enterprise and its place (division codes; NULL when unknown). Strings valid during the
 * callback. */
struct cr_place {
    int64_t subject;
    const char *key, *name, *address, *district, *street, *grid;
};
/* Enterprises whose key starts with q or whose name or address contains q (bytes, as instr),
 * within scope ("" or NULL: the whole city; a 6-, 9- or 12-digit code: that district, street or
 * grid), by key, at most limit. fn returning nonzero stops. Names and addresses are looked up in
 * the search index when it is as new as the store (cr_store_search_refresh), else scanned; the
 * answer is the same (src/store/search.c). */
cr_err cr_store_enterprise_search(cr_store *s, const char *q, const char *scope, int limit,
                                  int (*fn)(void *ctx, const struct cr_place *p),
                                  void *ctx) CR_MUST_USE;
/* Brings the search index (an FTS5 trigram index of names and addresses in key order) up to
 * the store's generation when it is missing or was built from another generation (after an
 * ingest). The new index is built beside the one in use, in steps of `step` firms (0: 20,000),
 * each a short write transaction, and swapped in with one more; meanwhile the index in use is
 * marked stale, so searches read the rows. A build belongs to the connection that began it (an
 * owner token in meta): a second one begun meanwhile, by another server on the same store,
 * takes it over and the first gives up at its next step. stop(ctx) (stop may be NULL) returning
 * nonzero ends the build between steps. Returns CR_OK with *rebuilt 1 when it swapped in a new
 * index; with *rebuilt 0 and *why NULL when the index was up to date; with *why saying why it
 * ended without one ("stopped", "another server took the build over", "the store changed
 * during the build (an ingest)"). s is used by the calling thread alone. About 1.5 s of CPU
 * per 100,000 firms. */
cr_err cr_store_search_refresh(cr_store *s, int step, int (*stop)(void *ctx), void *ctx,
                               int *rebuilt, const char **why) CR_MUST_USE;
/* The division codes of an enterprise ("" where unknown); CR_ENOTFOUND without a registry row. */
cr_err cr_store_enterprise_place(cr_store *s, int64_t subject, char district[16], char street[16],
                                 char grid[16]) CR_MUST_USE;

/* One enterprise's row of a run: score, level ('A'..'D'), veto id (NULL: none), and the stored
 * aspect scores and top contributions as JSON text (docs/store.md run_score). */
struct cr_score_rec {
    double score;
    char level;
    const char *veto, *aspects, *top;
};
/* Calls fn once with the row of subject in run; CR_ENOTFOUND when the run did not score it. */
cr_err cr_store_run_score(cr_store *s, int64_t run, int64_t subject,
                          int (*fn)(void *ctx, const struct cr_score_rec *r),
                          void *ctx) CR_MUST_USE;

/* A classification run's record. */
struct cr_run_info {
    int64_t id, enterprises, events;
    const char *model_id, *model_hash, *created;
    int model_version;
    int32_t as_of;
    double seconds;
};
/* Every run, oldest first; fn returning nonzero stops. */
cr_err cr_store_runs_each(cr_store *s, int (*fn)(void *ctx, const struct cr_run_info *r),
                          void *ctx) CR_MUST_USE;
/* Level counts of a run per district (digits 6), street (9) or grid (12) code ("" for firms
 * without one), of the enterprises within scope (as cr_store_enterprise_search), by code.
 * CR_EINVAL for other digits. */
cr_err cr_store_run_by_division(cr_store *s, int64_t run, int digits, const char *scope,
                                int (*fn)(void *ctx, const char *code, const int64_t n[4]),
                                void *ctx) CR_MUST_USE;

/* What a stored portrait depends on besides its tags: the store's generation (every ingest
 * and quarantine retry raises it: registry, persons, events) and the latest run's id (runs are
 * only added, each with all its scores in one transaction). A portrait built after reading
 * these is valid as long as both are unchanged. */
cr_err cr_store_serve_stamp(cr_store *s, int64_t *generation, int64_t *run) CR_MUST_USE;

/* Outcomes by level, for the hit rate per level (docs/serve.md "Hit rate"): inspections with a
 * result (source "inspection", code the result code) and closed tasks with an outcome (source
 * "task", code the outcome; once per firm of the task's warning in the task's division), each
 * under the level run gave the firm; only firms within scope (as cr_store_enterprise_search)
 * and tasks whose division lies in it. Strings valid during the call; fn nonzero stops. */
struct cr_hit_rec {
    const char *source;
    char level;
    const char *code;
    int64_t n;
};
cr_err cr_store_hits_by_level(cr_store *s, int64_t run, const char *scope,
                              int (*fn)(void *ctx, const struct cr_hit_rec *h),
                              void *ctx) CR_MUST_USE;

/* Sets a read-only handle's page cache (KiB) and how much of the store it maps into memory
 * (bytes; 0: none, reads by read(2)), for a long-lived reader (crisk serve's workers). SQLite
 * caps the map at its compile-time limit. */
cr_err cr_store_read_tune(cr_store *s, int64_t cache_kib, int64_t mmap_bytes) CR_MUST_USE;

/* The open quarantined rows by the department that sent them (its code and name; "" when the
 * row's topic is unknown) and reason, with their count, by department and reason. fn nonzero
 * stops. */
cr_err cr_store_quarantine_by_department(cr_store *s,
                                         int (*fn)(void *ctx, const char *department,
                                                   const char *name, const char *reason, int64_t n),
                                         void *ctx) CR_MUST_USE;

/* ---- end of serve ---- */

#endif
