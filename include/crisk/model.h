/* An indicator model: aspects → categories → indicators, vetoes and level cut-offs, read from
 * one YAML file (format: docs/model.md). Pure data; computing it is classify.h's job. */
#ifndef CRISK_MODEL_H
#define CRISK_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"

/* What the engine can hold, checked when a model is loaded (a larger model is an error with the
 * file and line, never silently cut): each event carries its flags as bits of a 32-bit word,
 * and each kind names the vetoes counting it as bits of a 64-bit word. */
#define CR_MAX_FLAGS 32
#define CR_MAX_VETOES 64

/* CR_IN_ATTR: a registry attribute, a kept column of a catalogued table (enterprise.attrs) */
typedef enum cr_input { CR_IN_EVENTS = 0, CR_IN_REGISTRY, CR_IN_GRAPH, CR_IN_ATTR } cr_input;

typedef enum cr_agg {
    CR_AGG_COUNT = 0,       /* events in the window */
    CR_AGG_SUM,             /* their amounts, in 元 */
    CR_AGG_MAX,             /* largest amount, in 元 */
    CR_AGG_DAYS_SINCE_LAST, /* days from the last event to the as-of date; missing if none */
    CR_AGG_EXISTS,          /* 1 if any event, else 0 */
    CR_AGG_DISTINCT_TOPICS, /* how many different topics (departments' resources) */
    CR_AGG_RATIO,           /* count of kinds / count of denominator kinds; missing if 0/0 */
    CR_AGG_VALUE,           /* a registry or graph value as is */
    CR__NAGG
} cr_agg;

/* Registry values an indicator can read. */
typedef enum cr_reg_field {
    CR_REG_AGE_DAYS = 0, /* days from establishment to the as-of date */
    CR_REG_CAPITAL,      /* registered capital in 万元 */
    CR_REG_INDUSTRY,     /* GB/T 4754 code such as C1492 (categorical) */
    CR_REG_TYPE,         /* enterprise type text (categorical) */
    CR_REG_STATUS,       /* registration status text (categorical) */
    CR__NREG
} cr_reg_field;

/* Graph values from the enterprise–person–address graph. */
typedef enum cr_graph_feature {
    CR_G_FIRMS_AT_ADDRESS = 0, /* enterprises sharing the normalised address, this one included */
    CR_G_PERSON_FIRMS,         /* most other firms any person in `role` here also holds a role in */
    CR_G_PERSON_FLAGGED_FIRMS, /* of those, how many have an event of `kinds` in the window */
    CR_G_ROLE_COUNT,           /* persons holding `role` in this firm */
    CR__NGRAPH
} cr_graph_feature;

struct cr_bin {
    double lo, hi; /* lo <= value < hi */
    double points;
};

struct cr_map_entry {
    char *match; /* prefix (industry) or substring (type, status) */
    double points;
};

struct cr_indicator {
    char *id, *name, *rationale;
    char **sources;
    size_t n_sources;
    cr_input input;
    char **kinds; /* events (and graph flagged firms): kinds counted */
    size_t n_kinds;
    char **den_kinds; /* ratio denominator */
    size_t n_den_kinds;
    char *flag; /* events: only events carrying this flag (see cr_flag) */
    cr_reg_field field;
    cr_graph_feature feature;
    char *role; /* graph: role name, e.g. 法定代表人 */
    char *attr; /* attr: the column; numeric with bins, or categorical with a map (exact
                 * values); attr_index its place in the model's attr_columns */
    size_t attr_index;
    int window_days; /* 0 = all history up to the as-of date */
    cr_agg agg;
    struct cr_bin *bins;
    size_t n_bins;
    struct cr_map_entry *map;
    size_t n_map;
    double map_default;
    double missing_points; /* points when the value is missing */
    double weight;
    long line;
};

struct cr_category {
    char *id, *name;
    double weight;
    struct cr_indicator *indicators;
    size_t n_indicators;
};

struct cr_aspect {
    char *id, *name;
    double weight;
    struct cr_category *categories;
    size_t n_categories;
};

/* A veto forces a level when an enterprise has at least min_count events of kinds in the
 * window (e.g. on the serious-violation list → D, DOMAIN.md §1). */
struct cr_veto {
    char *id, *name;
    char **kinds;
    size_t n_kinds;
    int window_days;
    int min_count;
    char level; /* 'A'..'D' */
};

/* An event flag marks events of some kinds whose attribute has (or has not) certain values, so
 * indicators can count, for example, inspections that found a problem. */
struct cr_flag {
    char *id;
    char **kinds;
    size_t n_kinds;
    char *attr;
    char **values;
    size_t n_values;
    int negate; /* 1: flag when the value is NOT among values */
};

typedef enum cr_level_method { CR_LEVELS_SHARE = 0, CR_LEVELS_SCORE } cr_level_method;

/* How a model scores (`method:`, default expert): expert and scorecard models score with their
 * indicators' bins and weights (the engine); an xgboost model scores with its booster over the
 * features it names (src/learn/xgb.c, docs/learn-trees.md), its indicators only defining how the
 * indicator features are computed. */
typedef enum cr_method { CR_METHOD_EXPERT = 0, CR_METHOD_SCORECARD, CR_METHOD_XGBOOST } cr_method;

typedef struct cr_model {
    char *path, *id, *name;
    int version;
    char hash[17]; /* 64-bit content hash of the file, hex */
    char *text;    /* the file's bytes (NUL-terminated), recorded with every run */
    size_t text_len;
    struct cr_aspect *aspects;
    size_t n_aspects;
    struct cr_veto *vetoes;
    size_t n_vetoes;
    struct cr_flag *flags;
    size_t n_flags;
    cr_level_method level_method;
    double level_share[4]; /* A..D shares (method share), summing to 1 */
    double level_score[4]; /* lowest score of B, C, D in [1..3] (method score) */
    size_t n_indicators;   /* in all */
    /* the registry attribute columns the indicators read (`input: {attr: C}`), each once, in
     * order of first use: the city loads these and only these */
    char **attr_columns;
    size_t n_attr_columns;
    cr_method method;
    /* method xgboost (`booster:`): the booster's features in its column order — indicator ids of
     * this model or "attr:<column>" for a registry attribute — and the booster itself, base64 of
     * XGBoost's UBJSON model as XGBoosterSaveModelToBuffer writes it */
    char **features;
    size_t n_features;
    char *booster;
    /* how many days an as-of date may lie after today (key as_of_ahead_days, default
     * CR_AS_OF_AHEAD_DAYS_DEFAULT): cr_classify refuses a later one */
    int as_of_ahead_days;
} cr_model;

/* The default of a model's as_of_ahead_days: an as-of after today is refused, as monitor's. */
#define CR_AS_OF_AHEAD_DAYS_DEFAULT 0
/* Its largest value. */
#define CR_AS_OF_AHEAD_DAYS_MAX 366

/* A model file is at most this long: a guard against reading some other large file whole
 * (gz-2021 is 30 KiB). */
#define CR_MODEL_MAX_BYTES (4 * 1024 * 1024)

/* Parses and checks a model file (read once: its text and hash are those of the bytes parsed).
 * Errors name the file, line and field. Freed with cr_model_free(). */
cr_err cr_model_load(const char *path, cr_model **out, cr_diag *d) CR_MUST_USE;
/* The same from the len bytes of a model's text (borrowed; as recorded with a run, see
 * cr_store_run_model). name stands for the path in messages and in m->path. The hash is the one
 * cr_model_load gives the file with these bytes. */
cr_err cr_model_load_text(const char *name, const char *text, size_t len, cr_model **out,
                          cr_diag *d) CR_MUST_USE;
void cr_model_free(cr_model *m);

/* Returns the catalog spelling of an aggregation ("count", ...). */
const char *cr_agg_name(cr_agg a);

#endif
