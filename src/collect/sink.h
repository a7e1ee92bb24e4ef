/* The write side of ingest: rows the parsers accepted, quarantined rows and resume points are
 * queued in batches and applied to the store by one writer thread, so parsing and SQLite run
 * on separate cores. Each parser thread fills batches through its own cr_sink_out and hands one
 * over at a resume point (cr__sink_commit); the writer applies batches in the order handed over and
 * commits between them (after 4 MiB or when no batch waits), so a process killed at any moment
 * leaves the store at a resume point of every parser. Internal to src/collect. */
#ifndef CRISK_COLLECT_SINK_H
#define CRISK_COLLECT_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"
#include "crisk/store.h"

typedef struct cr_sink cr_sink;
typedef struct cr_sink_out cr_sink_out; /* one producer thread's handle */

/* Starts the writer thread on s (which it uses exclusively until cr__sink_finish) and opens a
 * transaction. */
cr_err cr__sink_start(cr_store *s, cr_sink **out) CR_MUST_USE;

/* A producer's handle (NULL when out of memory). cr__sink_close frees it; with ok it hands over
 * what the producer queued since its last commit, which must then end on a resume point too,
 * and without ok (the producer stopped on an error, anywhere) it drops that. */
cr_sink_out *cr__sink_open(cr_sink *k);
void cr__sink_close(cr_sink_out *o, int ok);
/* Hands the batch to the writer: call at a resume point (after cr__sink_file). The writer commits
 * at this or a later batch boundary. */
void cr__sink_commit(cr_sink_out *o);
/* 1 when the batch has grown to its nominal size: time for a resume point. */
int cr__sink_batch_full(const cr_sink_out *o);

/* A new subject, from any thread: written before every batch handed over after this call, so
 * no batch of any producer can refer to a subject the store does not hold. Strings are
 * copied. */
void cr__sink_subject(cr_sink *k, int64_t id, const char *key, size_t len);

/* Queues one operation. Nothing is reported here: a failure of the store is sticky and
 * returned by cr__sink_error() and cr__sink_finish(). Strings are copied. */
size_t cr__sink_event(cr_sink_out *k, int64_t subject, int64_t topic, int32_t day,
                      const int64_t *amount_fen, const char *attrs, size_t attrs_len, int64_t h);
/* Takes back an event queued since the producer's last commit; mark is what cr__sink_event returned
 * for it. */
void cr__sink_event_drop(cr_sink_out *k, size_t mark);
void cr__sink_enterprise(cr_sink_out *k, const struct cr_enterprise_rec *r);
void cr__sink_person(cr_sink_out *k, int64_t id, const unsigned char idhash[16], const char *name);
void cr__sink_role(cr_sink_out *k, int64_t subject, int64_t person, const char *role,
                   const int32_t *start_day, int64_t topic, int64_t h);
void cr__sink_quarantine(cr_sink_out *k, int64_t file, int64_t topic, int64_t line,
                         const char *reason, const char *detail, const void *raw, size_t raw_len);
void cr__sink_quarantine_resolve(cr_sink_out *k, int64_t id);
void cr__sink_quarantine_update(cr_sink_out *k, int64_t id, const char *reason, const char *detail,
                                const void *raw, size_t raw_len);
/* Records a file's progress: with the rows queued before it, a resume point. */
void cr__sink_file(cr_sink_out *k, const char *path, const struct cr_file_rec *rec);

/* Returns the sticky error (CR_OK while all is well) without waiting. */
cr_err cr__sink_error(cr_sink *k) CR_MUST_USE;

/* After every producer is closed: applies everything queued, commits (ok = 1) or rolls back
 * (ok = 0), stops the thread and frees k. Returns the first error, with d describing it. */
cr_err cr__sink_finish(cr_sink *k, int ok, cr_diag *d) CR_MUST_USE;

#endif
