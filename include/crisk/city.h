/* The city layer (docs/architecture.md): loads a store into the engine's columns (struct
 * cr_city, classify.h) and owns the event column cache beside the store; records a run's
 * scores in the store as the plain data the store takes. Above both the store and classify. */
#ifndef CRISK_CITY_H
#define CRISK_CITY_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/classify.h"
#include "crisk/err.h"
#include "crisk/model.h"
#include "crisk/store.h"

/* Builds the columns a classification needs from the store: every enterprise with a registry
 * row, its events (with the model's event flags evaluated on their attributes), persons and
 * roles. Rows of keys without a registry row are left out. Free the city with cr_city_free().
 * The event columns are kept in a cache file beside the store (STORE.cols), rebuilt when the
 * store's generation or the model's flags differ from those it was built from, and then mapped
 * instead of read from SQLite. $CRISK_COLUMN_CACHE=0 turns it off. */
cr_err cr_city_load(cr_store *s, const cr_model *m, struct cr_city *city, cr_diag *d) CR_MUST_USE;

/* The same columns for one enterprise and its neighbourhood only: the firms its persons hold
 * roles in and the firms at its address, so that graph features come out exactly as in a
 * whole-city load. *e0 receives the enterprise's dense id in the small city. CR_ENOTFOUND when
 * the subject has no registry row. */
cr_err cr_city_load_around(cr_store *s, const cr_model *m, int64_t subject, struct cr_city *city,
                           size_t *e0, cr_diag *d) CR_MUST_USE;

/* Frees what a load (or a caller that built the columns by hand with malloc) put in city,
 * unmapping the column cache when the event columns live in it; zeroes city. NULL is allowed. */
void cr_city_free(struct cr_city *c);

/* Records a classification run of m over the city (cr_store_run_save with the model's ids and
 * text and the scores as plain data). Writes the new run id and the number of level changes. */
cr_err cr_city_run_save(cr_store *s, const cr_model *m, int32_t as_of, const struct cr_city *c,
                        const struct cr_scores *sc, int64_t *run_id,
                        int64_t *n_changes) CR_MUST_USE;

#endif
