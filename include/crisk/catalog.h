/* The feed catalog (information-resource directory): which departments send which topics, in
 * which files, and how their columns map to crisk's fields. Format: docs/catalog.md. */
#ifndef CRISK_CATALOG_H
#define CRISK_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"
#include "crisk/ref.h"

typedef enum cr_topic_role {
    CR_TOPIC_EVENTS = 0, /* dated events of one kind (penalty, arrears, licence, ...) */
    CR_TOPIC_REGISTRY,   /* the enterprise registry: one row per enterprise, later rows update */
    CR_TOPIC_ROLES       /* persons and their roles in enterprises */
} cr_topic_role;

typedef enum cr_feed_format { CR_FMT_CSV = 0, CR_FMT_JSONL } cr_feed_format;
typedef enum cr_key_type { CR_KEY_USCC = 0, CR_KEY_LOCAL } cr_key_type;

/* Named fields a topic can map. Registry and roles topics use their own subsets; every topic
 * maps CR_F_KEY. The order is the storage order of registry attributes. */
typedef enum cr_field {
    CR_F_KEY = 0,
    CR_F_DATE,
    CR_F_AMOUNT,
    /* registry */
    CR_F_NAME,
    CR_F_TYPE,
    CR_F_INDUSTRY,
    CR_F_CAPITAL,
    CR_F_ESTABLISHED,
    CR_F_STATUS,
    CR_F_ADDRESS,
    CR_F_DISTRICT,
    CR_F_STREET,
    CR_F_GRID,
    CR_F_LON,
    CR_F_LAT,
    /* roles */
    CR_F_PERSON_ID,
    CR_F_PERSON_NAME,
    CR_F_ROLE,
    CR__NFIELD
} cr_field;

/* Returns the catalog spelling of a field ("key", "date", "person_id", ...). */
const char *cr_field_name(cr_field f);

/* A column reference: by header name, or by 1-based position when the file has no header. */
struct cr_column {
    char *name; /* NULL when given by position */
    int index;  /* 1-based when name is NULL, else 0 */
    long line;  /* catalog line that named it, for error messages */
};

/* How a mapped field is read, beyond its column (docs/catalog.md). */
struct cr_field_opts {
    char *format;      /* date fields: a pattern such as "%m/%d/%Y"; NULL = the usual forms */
    int period_start;  /* date fields: a period (2017, 2017-06) is dated by its first day, not
                          its last */
    int on_error_null; /* a bad value is left out (and counted) instead of quarantining the row;
                          only for optional fields */
};

struct cr_topic {
    char *code;
    char *name;
    char *department; /* department code */
    char *kind;       /* event kind: penalty, tax_arrears, ...; "registry" or "roles" */
    cr_topic_role role;
    char **files; /* glob patterns, relative to the catalog's folder */
    size_t n_files;
    cr_feed_format format;
    int gb18030; /* 1 when files are GB18030, else UTF-8 */
    char delimiter;
    int header;
    cr_key_type key_type;
    char *key_namespace;                /* for CR_KEY_LOCAL: prefix that makes local keys unique */
    struct cr_column field[CR__NFIELD]; /* unmapped fields have name NULL and index 0 */
    int amount_wan;                     /* 1 when bare amounts are in 万元 rather than 元 */
    struct cr_column *attrs;            /* extra columns kept verbatim (normalised) */
    size_t n_attrs;
    int required[CR__NFIELD]; /* 1 when an empty value quarantines the row */
    struct cr_field_opts opt[CR__NFIELD];
    int has_as_of;     /* event topics: rows without a date of their own are dated as_of_day */
    int32_t as_of_day; /* days since 1970-01-01: the day an extract of counts was taken */
    char **nulls;      /* values read as missing besides the empty one (ASCII case ignored): the
                          topic's 'nulls', else the catalog's, else NA N/A - NULL \N */
    size_t n_nulls;
    size_t nulls_max;              /* the longest token's length: longer values are never null */
    unsigned char nulls_first[32]; /* bit set of the tokens' first bytes (ASCII lower case): a
                                      value starting otherwise (a digit) is never null */
    int zone_min;     /* the catalog's time_zone: UTC offset in minutes that times with a zone
                         of their own are moved into */
    double bounds[4]; /* registry coordinates: lon_min, lat_min, lon_max, lat_max (inclusive):
                         the topic's 'bounds', else the catalog's, else China's extent */
    long line;
};

struct cr_department {
    char *code;
    char *name;
};

typedef struct cr_catalog {
    char *path; /* as given */
    char *dir;  /* folder of path; files are relative to it */
    char *id;
    struct cr_department *departments;
    size_t n_departments;
    struct cr_topic *topics;
    size_t n_topics;
    char **divisions; /* the city's own street and grid files, relative to dir (docs/catalog.md) */
    size_t n_divisions;
    long (*division_at)[2]; /* line and column of each in the catalog, for its errors */
    double bounds[4];       /* the catalog's 'bounds', else CR_BOUNDS_DEFAULT */
    int zone_min;           /* the catalog's 'time_zone', else CR_ZONE_DEFAULT_MIN (UTC+8) */
} cr_catalog;

/* Where registry coordinates may lie when a catalog says nothing (lon_min, lat_min, lon_max,
 * lat_max): China's extent, a configurable default (docs/catalog.md 'bounds'), so that 0,0 or
 * swapped columns are bad_coordinates rather than a firm in the ocean. */
#define CR_BOUNDS_DEFAULT                                                                          \
    {                                                                                              \
        73.0, 3.0, 136.0, 54.0                                                                     \
    }

/* Parses and checks a catalog file. Every error names the file, line and field in d: unknown
 * keys, missing required keys, unknown departments, duplicate codes, fields a topic's role does
 * not allow. The result is freed with cr_catalog_free(). */
cr_err cr_catalog_load(const char *path, cr_catalog **out, cr_diag *d) CR_MUST_USE;
void cr_catalog_free(cr_catalog *cat);

/* Adds the division files the catalog names ('divisions') to ref (cr_ref_add_divisions), so
 * that its city's street and grid codes are checked. A file that is missing, unreadable, a
 * folder, empty or without a row of divisions is CR_EPARSE at the catalog's line and column of
 * its name (d also names the file's own line where there is one). */
cr_err cr_catalog_add_divisions(const cr_catalog *cat, cr_ref *ref, cr_diag *d) CR_MUST_USE;

/* The attribute that keeps an event's period when its date names one (2017, 2017-06): the day
 * alone would make an annual report for 2017 an event of 2017-12-31. No kept column may have
 * this name. */
#define CR_PERIOD_ATTR "_period"
/* Likewise for a registry row's established date. */
#define CR_ESTABLISHED_PERIOD_ATTR "_established_period"

/* Returns 1 when lon and lat are finite and inside t's bounds. */
int cr_topic_in_bounds(const struct cr_topic *t, double lon, double lat);

/* Returns 1 when the field is mapped in t. */
int cr_topic_has(const struct cr_topic *t, cr_field f);

/* Returns 1 when the value s (len bytes, already trimmed) is one of t's null tokens: a missing
 * value, as if the cell were empty. Thread-safe. */
int cr_topic_null(const struct cr_topic *t, const char *s, size_t len);

#endif
