/* The store: the system of record (DESIGN.md "Data"). The embedded backend is SQLite in WAL
 * mode; every write happens inside a transaction opened with cr_store_begin, so a process killed
 * at any point leaves the last committed state. Schema: docs/store.md.
 * A cr_store is used by one thread at a time. */
#ifndef CRISK_STORE_H
#define CRISK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crisk/classify.h"
#include "crisk/err.h"
#include "crisk/model.h"

typedef struct cr_store cr_store;

/* Opens (creating when absent) the store at path and brings its schema up to date.
 * Freed with cr_store_close(). */
cr_err cr_store_open(const char *path, cr_store **out, cr_diag *d);
/* Opens the existing store at path for reading only (SQLite's SQLITE_OPEN_READONLY), for the
 * verbs that only read: it never creates a store behind a mistyped path, never migrates one and
 * cannot change one, and a reader needs no writer's permissions. CR_ENOTFOUND (d names path)
 * when there is no file at path; CR_ESTORE (with SQLite's message) when the file is not a
 * store or its schema version is not this crisk's: an older store is upgraded by opening it
 * with cr_store_open. Every writing function fails on the handle with CR_ESTORE ("attempt to
 * write a readonly database"). Freed with cr_store_close(). */
cr_err cr_store_open_readonly(const char *path, cr_store **out, cr_diag *d);
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
cr_err cr_store_lock(cr_store *s, const char *verb, cr_diag *d);
/* SQLite's message of the last failure of a function on s that returned CR_ESTORE ("database
 * is locked", "file is not a database", "disk I/O error", "attempt to write a readonly
 * database"), kept at the failing call, so that a later rollback cannot turn it into "not an
 * error"; a fixed text when the store held data crisk did not expect. Never NULL, never empty;
 * "no store" for s = NULL. Valid until the next call on s. The store functions without a
 * cr_diag leave it here for the caller's message. */
const char *cr_store_errmsg(const cr_store *s);

cr_err cr_store_begin(cr_store *s);
cr_err cr_store_commit(cr_store *s);
/* Rolls back the open transaction, if any. Safe to call when none is open. */
void cr_store_rollback(cr_store *s);

/* The store's secret salt (32 bytes), created with the store, used to key person-ID hashes so
 * raw ID numbers are never stored. */
cr_err cr_store_salt(cr_store *s, unsigned char salt[32]);

cr_err cr_store_department_put(cr_store *s, const char *code, const char *name);
/* Calls fn for every topic, by id. */
cr_err cr_store_topics_each(cr_store *s,
                            void (*fn)(void *ctx, int64_t id, const char *code, const char *kind),
                            void *ctx);
/* The stored kind and department of the topic with this code, each copied into its buffer
 * (cut to fit, NUL-terminated). *found = 0 when there is no such topic; *has_rows = 1 when a
 * file was ingested for it (its rows carry its identity, so a catalog must not change it).
 * The buffers are written only when *found. */
cr_err cr_store_topic_identity(cr_store *s, const char *code, char *kind, size_t kind_cap,
                               char *department, size_t department_cap, int *found, int *has_rows);
/* Inserts or updates a topic by code; writes its id. */
cr_err cr_store_topic_put(cr_store *s, const char *code, const char *name, const char *department,
                          const char *kind, int64_t *id);

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
                           void *ctx);
/* Inserts or updates the record with id rec->id (> 0; the caller assigns ids, see
 * cr_store_max_id). */
cr_err cr_store_file_put(cr_store *s, const char *path, const struct cr_file_rec *rec);

/* The largest id in table ("subject", "person" or "feed_file"), 0 when empty. Writers that
 * assign ids themselves (the ingest pipeline) continue from it. */
cr_err cr_store_max_id(cr_store *s, const char *table, int64_t *out);

/* The store's generation: a counter raised by every commit that changes collected rows
 * (ingest, quarantine retry). Derived caches record the generation they were built from. */
cr_err cr_store_generation(cr_store *s, int64_t *out);
cr_err cr_store_bump_generation(cr_store *s);

/* Calls fn for every subject (key → id) so callers can keep an in-memory index. */
cr_err cr_store_subjects_each(cr_store *s,
                              void (*fn)(void *ctx, const char *key, size_t len, int64_t id,
                                         int registered),
                              void *ctx);
/* Adds a subject with a caller-assigned id. */
cr_err cr_store_subject_add(cr_store *s, int64_t id, const char *key, size_t len);

/* Calls fn with the topic and content hash of every stored row (events, registry, roles). */
cr_err cr_store_hashes_each(cr_store *s, void (*fn)(void *ctx, int64_t topic, int64_t h),
                            void *ctx);

/* How this store's row content hashes (the h stored with every row) are made: *keyed = 1 when
 * they are keyed by the store's salt (SipHash, so no one without the salt can write down two
 * rows that collide), 0 for a store that held rows hashed with the unkeyed cr_hash64 before
 * keyed hashes existed (its rows keep their hashes, which cannot be remade). Decided once: a
 * store without rows is made keyed here, inside the caller's write transaction. */
cr_err cr_store_row_hash_keyed(cr_store *s, int *keyed);

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
cr_err cr_store_events_add(cr_store *s, const struct cr_event_row *rows, size_t n);

/* Called for each event; attrs points into the store's buffer and is valid during the call.
 * Returns nonzero to stop the scan. */
typedef int (*cr_event_fn)(void *ctx, const struct cr_event_row *e);
/* Every event in the order written (subjects NULL), or the events of the n given subjects
 * (through event_posting; order by block, then within the block). */
cr_err cr_store_events_each(cr_store *s, const int64_t *subjects, size_t n, cr_event_fn fn,
                            void *ctx);
/* The events of the blocks with ids in [from, to), in order (a share of a parallel scan).
 * attrs_of (by topic id, n_topics long; NULL = every topic) says for which topics the caller
 * reads attrs: the others come with attrs NULL, which saves rebuilding them. */
cr_err cr_store_events_range(cr_store *s, int64_t from, int64_t to, const uint8_t *attrs_of,
                             size_t n_topics, cr_event_fn fn, void *ctx);

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
cr_err cr_store_enterprise_put(cr_store *s, const struct cr_enterprise_rec *rec);

/* Calls fn for every person (keyed ID hash → id). */
cr_err cr_store_persons_each(cr_store *s,
                             void (*fn)(void *ctx, const unsigned char idhash[16], int64_t id),
                             void *ctx);
/* Adds a person with a caller-assigned id; name may be NULL. */
cr_err cr_store_person_add(cr_store *s, int64_t id, const unsigned char idhash[16],
                           const char *name);
cr_err cr_store_role_add(cr_store *s, int64_t subject, int64_t person, const char *role,
                         const int32_t *start_day, int64_t topic, int64_t h);

cr_err cr_store_quarantine_add(cr_store *s, int64_t file, int64_t topic, int64_t line,
                               const char *reason, const char *detail, const void *raw,
                               size_t raw_len);

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
                                int (*fn)(void *ctx, const struct cr_quarantine_row *r), void *ctx);
/* Calls fn with each reason of open quarantined rows and its count (uses the reason index). */
cr_err cr_store_quarantine_counts(cr_store *s, void (*fn)(void *ctx, const char *reason, int64_t n),
                                  void *ctx);
cr_err cr_store_quarantine_resolve(cr_store *s, int64_t id);
cr_err cr_store_quarantine_update(cr_store *s, int64_t id, const char *reason, const char *detail,
                                  const void *raw, size_t raw_len);

/* Whole-store counts for reports. */
struct cr_store_counts {
    int64_t subjects, enterprises, persons, roles, events, quarantined_open, files;
    int64_t subjects_unregistered; /* subjects with rows but no registry row yet */
};
cr_err cr_store_counts(cr_store *s, struct cr_store_counts *c);

/* Builds the columns a classification needs (classify.h) from the store: every enterprise
 * with a registry row, its events (with the model's event flags evaluated on their
 * attributes), persons and roles. Rows of keys without a registry row are left out. Free the
 * city with cr_city_free().
 * The event columns are kept in a cache file beside the store (STORE.cols), rebuilt when the
 * store's generation or the model's flags differ from those it was built from, and then mapped
 * instead of read from SQLite. $CRISK_COLUMN_CACHE=0 turns it off. */
cr_err cr_store_load_city(cr_store *s, const cr_model *m, struct cr_city *city, cr_diag *d);

/* The same columns for one enterprise and its neighbourhood only: the firms its persons hold
 * roles in and the firms at its address, so that graph features come out exactly as in a
 * whole-city load. *e0 receives the enterprise's dense id in the small city. CR_ENOTFOUND when
 * the subject has no registry row. */
cr_err cr_store_load_city_around(cr_store *s, const cr_model *m, int64_t subject,
                                 struct cr_city *city, size_t *e0, cr_diag *d);

/* Builds the lookup indexes (subjects by key, unique; roles by enterprise and by person;
 * enterprises by address) when they do not exist, and brings the
 * event postings up to date. Ingest calls it at its end; between ingests SQLite maintains
 * the indexes. */
cr_err cr_store_ensure_indexes(cr_store *s);
/* Drops those indexes, for a bulk load: building them once afterwards is far cheaper than
 * inserting millions of random keys into them. Until cr_store_ensure_indexes runs, lookups by
 * key scan. */
cr_err cr_store_drop_indexes(cr_store *s);

/* Finds the subject id of a key (USCC or namespace:key); CR_ENOTFOUND when unknown. */
cr_err cr_store_subject_find(cr_store *s, const char *key, int64_t *subject);

/* Stored facts about one enterprise as a JSON object (jansson; the caller owns it):
 * "registry", "history" (level per run), "events" (the latest `recent`, with department and
 * topic), "persons" (masked names, roles, how many other firms each holds a role in) and
 * "linked" (other firms sharing a person or the address). */
cr_err cr_store_portrait(cr_store *s, int64_t subject, int recent, json_t **out);

/* Records a classification run: the run (model id, version and content hash, as-of date,
 * input counts, timing), the model's text (once per hash), every enterprise's score, level, aspect
 * scores and top contributions, and the level changes against the previous run. Writes the new run
 * id and the number of changes. */
cr_err cr_store_run_save(cr_store *s, const cr_model *m, int32_t as_of, const struct cr_city *c,
                         const struct cr_scores *sc, int64_t *run_id, int64_t *n_changes);

/* The as-of day of a run and each city enterprise's level in it (levels[e] = 0 when the
 * enterprise was not in the run). */
cr_err cr_store_run_levels(cr_store *s, int64_t run, const struct cr_city *c, int32_t *as_of,
                           char *levels);

/* Replaces the tags of a run: bit r of bits[e] set = rule r of the tag set holds for e. */
cr_err cr_store_tags_save(cr_store *s, int64_t run, const struct cr_city *c, const char *const *ids,
                          const char *const *names, size_t n_tags, const uint64_t *bits);

/* Level counts of a run per district code ("" for enterprises without one). */
cr_err cr_store_run_by_district(cr_store *s, int64_t run,
                                void (*fn)(void *ctx, const char *district, const int64_t n[4]),
                                void *ctx);

/* The model a run used: its content hash (hex, NUL-terminated) and its text as recorded with
 * the run (malloc'd, the caller frees it; *text NULL when the run was recorded before the store
 * kept model texts, schema 4). CR_ENOTFOUND when the run does not exist. */
cr_err cr_store_run_model(cr_store *s, int64_t run, char hash[17], char **text, size_t *len);

/* The latest run id, CR_ENOTFOUND when there is none. */
cr_err cr_store_run_latest(cr_store *s, int64_t *run_id);

/* Whether every enterprise of a run is keyed by its USCC (1), or some by a department's own key
 * (namespace:local, 0). */
cr_err cr_store_run_all_uscc(cr_store *s, int64_t run, int *all_uscc);

/* Calls fn for each enterprise of a run in subject order. key is the USCC (or local key). */
cr_err cr_store_scores_each(cr_store *s, int64_t run,
                            void (*fn)(void *ctx, const char *key, double score, char level),
                            void *ctx);

/* Runs a read-only SQL query and returns the first column of the first row as int64
 * (for tests and reports). */
cr_err cr_store_scalar(cr_store *s, const char *sql, int64_t *out);

#endif
