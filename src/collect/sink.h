/* The write side of ingest: rows the parser accepted, quarantined rows and resume points are
 * queued in batches and applied to the store by a writer thread, so parsing and SQLite run on
 * two cores at once. Applied in order; a resume point commits everything before it, so a
 * process killed at any moment leaves the store at the last resume point.
 * Internal to src/collect. One producer thread. */
#ifndef CRISK_COLLECT_SINK_H
#define CRISK_COLLECT_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"
#include "crisk/store.h"

typedef struct sink sink;

/* Starts the writer thread on s (which it uses exclusively until sink_finish) and opens a
 * transaction. */
cr_err sink_start(cr_store *s, sink **out);

/* Queues one operation. Nothing is reported here: a failure of the store is sticky and
 * returned by sink_error() and sink_finish(). Strings are copied. */
void sink_subject(sink *k, int64_t id, const char *key, size_t len);
void sink_event(sink *k, int64_t subject, int64_t topic, int32_t day, const int64_t *amount_fen,
                const char *attrs, size_t attrs_len, int64_t h);
void sink_enterprise(sink *k, const struct cr_enterprise_rec *r);
void sink_person(sink *k, int64_t id, const unsigned char idhash[16], const char *name);
void sink_role(sink *k, int64_t subject, int64_t person, const char *role, const int32_t *start_day,
               int64_t topic, int64_t h);
void sink_quarantine(sink *k, int64_t file, int64_t topic, int64_t line, const char *reason,
                     const char *detail, const void *raw, size_t raw_len);
void sink_quarantine_resolve(sink *k, int64_t id);
void sink_quarantine_update(sink *k, int64_t id, const char *reason, const char *detail,
                            const void *raw, size_t raw_len);
/* Records a file's progress; commit = 1 also commits the transaction (a resume point). */
void sink_file(sink *k, const char *path, const struct cr_file_rec *rec, int commit);

/* Returns the sticky error (CR_OK while all is well) without waiting. */
cr_err sink_error(sink *k);

/* Applies everything queued, commits (ok = 1) or rolls back (ok = 0), stops the thread and
 * frees k. Returns the first error, with d describing it. */
cr_err sink_finish(sink *k, int ok, cr_diag *d);

#endif
