/* Postings (postings.c): per subject, the event blocks holding its events. Internal to
 * src/store. */
#ifndef CRISK_STORE_POSTINGS_H
#define CRISK_STORE_POSTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* The (subject, block) pairs of the blocks a connection wrote since the postings were last
 * brought up to date; NULL is none. */
struct cr_evpairs;
void cr__pairs_note(struct cr_evpairs **pp, int64_t block, const uint32_t *subject, uint32_t n);
void cr__pairs_forget(struct cr_evpairs **pp);

/* meta.posting_upto: the postings cover the blocks up to this id. */
cr_err cr__postings_upto(sqlite3 *db, int64_t *out) CR_MUST_USE;
/* Appends the block ids of a posting blob to *ids; returns -1 on a malformed blob or OOM. */
int cr__posting_decode(const unsigned char *p, size_t len, int64_t **ids, size_t *n, size_t *cap);
/* Appends the blocks written since the last call (all flushed) to the postings of their
 * subjects, from pairs when they cover them and else by reading the blocks. Runs inside the
 * caller's transaction. */
cr_err cr__postings_update(cr_store *s, const struct cr_evpairs *pairs) CR_MUST_USE;

#endif
