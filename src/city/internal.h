/* Internals of the city layer shared by its files: load.c (registry, topics, roles, the load's
 * transaction), events.c (grouping events by enterprise in parallel), cache.c (the mapped event
 * column cache STORE.cols). */
#ifndef CRISK_CITY_INTERNAL_H
#define CRISK_CITY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/city.h"

/* Why the load on this thread failed, when the code alone does not say it (the SQLite message
 * of another connection, rows that do not agree): a load fails with a real message, never
 * SQLite's "not an error". Cleared by every load. */
extern _Thread_local char cr__city_why[256];
/* Keeps "what: detail" as the reason, unless one is kept already. */
void cr__city_set_why(const char *what, const char *detail);

/* For each kind, the bitmask of model flags defined on it (n_kinds + 1, calloc'd). */
uint32_t *cr__city_flag_masks(const cr_model *m, const struct cr_city *c);

/* Groups events by enterprise in two passes over the store (count, then place), so that no
 * temporary copy of 100 M events is ever held: peak memory is the columns themselves. Rows are
 * e = dense[subject], or the subject id itself when dense is NULL. A whole-city load splits the
 * blocks into ranges read by one thread each, on connections of their own; each range's
 * events of an enterprise go after the earlier ranges', so the order is the store's. */
struct ev_group {
    const int32_t *dense;
    int64_t max_subj;
    size_t n_rows;
    uint64_t *off; /* by row: start of its events */
    int32_t *day;
    uint16_t *topic;
    int64_t *amount;
    uint32_t *flags;
    const cr_model *m;
    const uint32_t *fmask;
    const uint8_t *attrs_of; /* by topic: its kind has model flags (attrs are read) */
    const struct cr_city *c;
    /* Provides the columns for n events (zeroed flags); NULL or a failure: the heap. */
    cr_err (*columns)(struct ev_group *g, uint64_t n);
    void *columns_ctx;
};

/* Fills g's columns for g->n_rows rows from the events of subjects (all when NULL). */
cr_err cr__city_group(cr_store *s, const int64_t *subjects, size_t n_subjects, struct ev_group *g,
                      uint64_t *n_out) CR_MUST_USE;

/* A second connection to s's store, opened as s was (read-only or not), in a read transaction
 * that sees the very state s reads (for a read on another thread), or NULL when none can be
 * opened; close it with cr_store_close. */
cr_store *cr__city_twin(cr_store *s);

/* Events of the city's enterprises, grouped by dense id: of the whole city (around = 0) or of
 * the neighbourhood marked in the store (around = 1). */
cr_err cr__city_load_events(cr_store *s, int around, const cr_model *m, struct cr_city *c,
                            const int32_t *dense, int64_t max_subj) CR_MUST_USE;

/* Events of the whole city from the cache, built first when missing or stale. */
cr_err cr__city_load_events_cached(cr_store *s, const cr_model *m, struct cr_city *c,
                                   int64_t max_subj) CR_MUST_USE;

#endif
