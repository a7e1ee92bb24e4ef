/* Classify: an indicator model over a city's columns → scores, levels and explanations.
 * The engine does no I/O; cr_city_load (city.h) builds its input from the store.
 * Results depend only on the model, the city and the as-of date: the same inputs give the
 * same scores bit for bit whatever the number of threads. */
#ifndef CRISK_CLASSIFY_H
#define CRISK_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"
#include "crisk/model.h"

#define CR_NO_AMOUNT INT64_MIN
#define CR_NO_DAY INT32_MIN

/* The columns of a city. Enterprises have dense ids 0..n-1 in ascending store subject id. */
struct cr_city {
    size_t n;
    int64_t *subject;
    char (*uscc)[19];                  /* "" when the key is not a USCC */
    int32_t *established;              /* day or CR_NO_DAY */
    double *capital_wan;               /* NAN when unknown */
    char **industry, **type, **status; /* NULL when unknown */
    /* the model's attribute columns (cr_model.attr_columns): attr_text[e * n_attr + k] the text
     * of enterprise e's value of column k (numbers as the learn matrix writes them), NULL when
     * missing (absent, null or "") */
    char **attr_text;
    size_t n_attr;
    int32_t *addr; /* dense address key id, -1 when none */
    size_t n_addr;
    char **kinds; /* kind dictionary */
    size_t n_kinds;
    int32_t *topic_kind; /* by dense topic id */
    size_t n_topics;
    /* events, grouped by enterprise: those of e are [ev_off[e], ev_end[e]), or
     * [ev_off[e], ev_off[e+1]) when ev_end is NULL; use cr_city_events */
    size_t n_events;
    size_t *ev_off;
    size_t *ev_end;
    int32_t *ev_day;
    uint16_t *ev_topic;
    int64_t *ev_amount; /* fen or CR_NO_AMOUNT */
    uint32_t *ev_flags; /* bit f set when model flag f holds for the event */
    /* roles, grouped by enterprise */
    size_t n_roles;
    size_t *ro_off;
    int32_t *ro_person; /* dense person id */
    uint8_t *ro_role;   /* index into role_names */
    char **role_names;
    size_t n_role_names;
    size_t n_persons;
    /* When the event columns (day, topic, amount, flags) live in a mapped cache file (city.h),
     * the mapping: they are then unmapped together by cr_city_free (city.h), not freed one by
     * one. The engine never reads these two. */
    void *ev_map;
    size_t ev_map_len;
};

/* The events of enterprise e are the indexes [*lo, *hi). */
static inline void cr_city_events(const struct cr_city *c, size_t e, size_t *lo, size_t *hi)
{
    *lo = c->ev_off[e];
    *hi = c->ev_end ? c->ev_end[e] : c->ev_off[e + 1];
}

#define CR_TOP 5 /* contributions kept per enterprise */

struct cr_contribution {
    int32_t indicator; /* index in model order */
    float points;      /* of the indicator, 0..100 */
    float share;       /* its contribution to the total score */
};

struct cr_scores {
    size_t n, n_aspects;
    double *score;               /* 0..100 */
    char *level;                 /* 'A'..'D' */
    int16_t *veto;               /* index of the veto that forced the level, -1 none */
    float *aspects;              /* n * n_aspects */
    struct cr_contribution *top; /* n * CR_TOP, largest first */
    size_t levels[4];
    double seconds;
};

void cr_scores_free(struct cr_scores *s);

/* The number an attribute's text stands for, as the learn matrix holds it (a float): the whole
 * text must be one finite number; NAN otherwise (and for NULL). */
double cr_attr_number(const char *text);

/* CR_EINVAL (with a message naming both days) when as_of lies more than m->as_of_ahead_days
 * after today (cr_day_today): a mistyped year would become the latest run, and every level
 * with it. cr_classify checks it first; callers may check before loading the city. */
cr_err cr_classify_as_of_check(const cr_model *m, int32_t as_of, cr_diag *d) CR_MUST_USE;
/* CR_EINVAL (with d saying why) when as_of is before every enterprise of the whole city was
 * established (a mistyped century): a run made at it would score a city that did not exist
 * and become the latest run. For the callers that record a run (crisk classify, the API's
 * classify job); a neighbourhood's small city (cr_city_load_around) is not the city. */
cr_err cr_classify_as_of_city_check(const struct cr_city *city, int32_t as_of,
                                    cr_diag *d) CR_MUST_USE;

/* Classifies every enterprise of city as of the day as_of with threads workers (0 = number of
 * processors); refuses an as_of cr_classify_as_of_check refuses. A kind the model names that no
 * topic provides simply counts nothing: callers warn about it with cr_classify_kind_gaps. */
cr_err cr_classify(const cr_model *m, const struct cr_city *city, int32_t as_of, int threads,
                   struct cr_scores *out, cr_diag *d) CR_MUST_USE;

/* How the model's kinds and the city's differ, for warnings (a catalog that says `tax` where the
 * model counts `tax_filing` would silently score every firm as having none): fn is called with
 * unprovided = 1 for each kind the model reads (indicators, ratio denominators, graph kinds,
 * vetoes, flags) that no topic of the city has, in model order, each once; then with
 * unprovided = 0 for each event kind of the city's topics the model reads nowhere (the kinds
 * "registry" and "roles" are read through registry and graph inputs). CR_ENOMEM or CR_OK. */
cr_err cr_classify_kind_gaps(const cr_model *m, const struct cr_city *city,
                             void (*fn)(void *ctx, const char *kind, int unprovided),
                             void *ctx) CR_MUST_USE;

/* Assigns out->level (and out->levels) from out->score and out->veto by m's levels and vetoes,
 * as cr_classify does: for a scorer other than the engine (src/learn/xgb.c). */
cr_err cr_classify_levels(const cr_model *m, const struct cr_city *city,
                          struct cr_scores *out) CR_MUST_USE;

/* Explains one enterprise: each indicator's raw value (NAN when missing), points and share of
 * the total score, in model order (arrays of m->n_indicators). The shares sum to the score. */
cr_err cr_classify_explain(const cr_model *m, const struct cr_city *city, int32_t as_of, size_t e,
                           double *values, double *points, double *shares) CR_MUST_USE;
/* The same for every enterprise in turn, planning once: fn gets the dense id and the arrays
 * (valid during the call) and returns nonzero to stop, which makes the result CR_EIO. */
cr_err cr_classify_explain_each(const cr_model *m, const struct cr_city *city, int32_t as_of,
                                int (*fn)(void *ctx, size_t e, const double *values,
                                          const double *points, const double *shares),
                                void *ctx) CR_MUST_USE;
/* The same for the n_es enterprises es (dense ids, in that order; es NULL: every one). */
cr_err cr_classify_explain_some(const cr_model *m, const struct cr_city *city, int32_t as_of,
                                const size_t *es, size_t n_es,
                                int (*fn)(void *ctx, size_t e, const double *values,
                                          const double *points, const double *shares),
                                void *ctx) CR_MUST_USE;

#endif
