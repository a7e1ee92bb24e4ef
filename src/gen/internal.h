/* Internals of the synthetic city generator (include/crisk/gen.h is its public face). One
 * struct gen holds the city while it is written; each file does one job on it:
 *   city.c     the city model: departments and topics, enterprises, persons, addresses, propensity
 *   writer.c   the feed writers, value formats and the dirt they inject
 *   registry.c the registry and roles feeds
 *   events.c   the event feeds, one pass per kind (kinds and their attributes: gen_tables.h)
 *   catalog.c  catalog.yaml and truth.csv
 *   roster.c   roster.csv, the city's supervision staff
 *   gen.c      cr_gen_city: folders, the order of the passes, the report
 * Every pass draws from its own random stream seeded from the options, so the bytes written
 * depend only on the options; a change that draws one number more or less changes the city. */
#ifndef CRISK_GEN_INTERNAL_H
#define CRISK_GEN_INTERNAL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "crisk/gen.h"
#include "crisk/hash.h"
#include "crisk/ref.h"
#include "crisk/uscc.h"

#define N_DISTRICTS 11
#define MAX_COLS 16

/* ---- the city in memory ---- */

/* F_TOWER and F_DIRECTOR mark the hard negatives (truth.csv's hard_negative): firms that look
 * like a cluster or a shell ring to a careless rule but behave normally. */
enum {
    F_CLUSTER = 1,
    F_RING = 2,
    F_HIGHTECH = 4,
    F_DIRECT = 8,
    F_REG_DIRTY = 16,
    F_TOWER = 32,    /* in a large office tower, a room of its own */
    F_DIRECTOR = 64, /* a group director holds a shareholder or manager role */
    F_DIR_REP = 128  /* ... and is its legal representative (a subsidiary) */
};
enum { ST_ACTIVE, ST_REVOKED, ST_CANCELLED };

struct ent {
    char uscc[CR_USCC_LEN + 1];
    uint8_t district, status, type, flags;
    int32_t grid;     /* index into the ref's grids */
    int32_t industry; /* index into the ref's industries (a class) */
    int32_t est_day, end_day;
    int32_t cluster;  /* cluster address, -1 none */
    int32_t ring;     /* shell ring, -1 none */
    int32_t tower;    /* office tower, -1 none */
    int32_t room;     /* the tower room's slot (distinct per tower) */
    int32_t director; /* group director (index into the gen's directors), -1 none */
    int64_t capital_fen;
    float z; /* hidden propensity to violate */
    float h; /* the second hidden factor (docs/synthetic-city.md "A second hidden factor"): its
              * weight in the risk kinds grows year by year (gen_drift) */
    uint8_t violation_next;
};

/* One address: a virtual office (room 1201 for every firm) or an office tower (a room per firm).
 * Its firms share the address's grid, as the firms of one building do. */
struct cluster {
    int district, road, number, building;
    int32_t grid;
};

struct tower {
    struct cluster at;
    int capacity, occupants;
    int offset; /* rotates the room permutation, so towers fill different floors */
};

/* A group director: shareholder or manager of `group` firms, legal representative of the first
 * `reps` of them (subsidiaries, each at its own address). */
struct director {
    int group, reps, taken;
};

struct dept {
    char name[160];
    int district; /* -1 city-level */
    int gb18030, crlf, bom, jsonl, date_fmt, amount_fmt, key_hdr;
    char delim;
};

struct topic {
    char code[16];
    char name[200];
    int dept;
    int kind; /* enum gen_kind, or -1 registry, -2 roles */
};

typedef struct gen {
    const struct cr_gen_opts *o;
    const cr_ref *ref;
    struct cr_gen_report *rep;
    cr_diag *d;
    struct ent *ents;
    int64_t n;
    struct cluster *clusters;
    int n_clusters;
    int64_t *ring_rep; /* person index of each ring's legal representative */
    int n_rings;
    struct tower *towers;
    int n_towers;
    int64_t tower_capacity; /* rooms of all towers */
    struct director *directors;
    int n_directors;
    int64_t group_firms; /* firms of all directors' groups */
    int64_t tail_base; /* first person the heavy tail may pick: below are ring reps and directors */
    int64_t n_persons;
    struct dept depts[160];
    int n_depts;
    struct topic *topics;
    int n_topics;
    int32_t *class_idx; /* industry classes (level 4) per section, flattened */
    int32_t sec_start[26], sec_len[26];
    int32_t street_grids[200][2];     /* per street: first grid, count */
    int32_t period_start, period_end; /* days, inclusive */
    double dirt;
    double centroid[N_DISTRICTS][2]; /* district centroids (lon, lat) from the GeoJSON */
} gen;

/* ---- output writers ---- */

struct writer {
    FILE *fp;
    char *buf;
    size_t len, cap;
    const struct dept *dp;
    const char *cols[MAX_COLS];
    int ncol;
    char path[600];
};

/* Dirt a row can get (docs/synthetic-city.md). */
enum dirt {
    D_NONE,
    D_DUP,
    D_FULLWIDTH,
    D_ALTDATE,
    D_BADCHECK,
    D_UNKNOWN,
    D_TRUNCATE,
    D_EMPTY,
    D_BADDATE,
    D_SPACES,
    D__N
};

/* The second hidden factor's weight in a year's risk events and findings: it drifts up. */
static inline double gen_drift(int year, int start_year)
{
    return 0.5 + 0.2 * (year - start_year);
}

static inline double sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

#define COUNT(a) ((int)(sizeof(a) / sizeof *(a)))
#define PICK(r, a) ((a)[cr_rng_below((r), (uint64_t)COUNT(a))])

/* ---- the city model (city.c) ---- */

/* Builds the departments and their topics (registry and roles first) from gen_tables.h,
 * drawing each department's file conventions. CR_ENOMEM. */
cr_err cr__gen_departments(gen *g) CR_MUST_USE;
/* Indexes the reference data the city draws from: industry classes per section, grids per
 * street. CR_ENOMEM, or CR_EINVAL when the reference has more streets than the index holds. */
cr_err cr__gen_index_reference(gen *g) CR_MUST_USE;
/* Reads district centroids from the shipped GeoJSON; districts it lacks stay at (0, 0) and their
 * registry rows get no coordinates. */
void cr__gen_load_centroids(gen *g);
/* Draws every enterprise, its clusters and shell rings, and its hidden propensity z.
 * CR_ENOMEM; CR_EINVAL when a USCC cannot be made. */
cr_err cr__gen_enterprises(gen *g) CR_MUST_USE;
/* Writes the address of e, in one of its spelling variants, into out (cap bytes). */
void cr__gen_address(gen *g, const struct ent *e, cr_rng *r, char *out, size_t cap);
/* The person index of group director k. */
int64_t cr__gen_director_person(const gen *g, int k);
/* The resident ID number of person idx (unique per index, valid check digit). */
void cr__gen_person_id(int64_t idx, char out[19]);
/* The name of person idx, a pure function of idx. */
void cr__gen_person_name(int64_t idx, char *out, size_t cap);
/* An existing person (heavy-tailed: a few hold many roles) with chance p_existing, else a new one.
 */
int64_t cr__gen_pick_person(gen *g, cr_rng *r, double p_existing);

/* ---- feed writers and dirt (writer.c) ---- */

/* Creates out_dir/rel and writes its header (and BOM) in dept dp's conventions. The writer
 * borrows cols (ncol <= MAX_COLS) and dp until cr__gen_writer_close. CR_EIO naming the path. */
cr_err cr__gen_writer_open(gen *g, struct writer *w, const char *rel, const struct dept *dp,
                           const char *const *cols, int ncol) CR_MUST_USE;
/* Flushes, closes and frees w; safe on a writer that failed to open. CR_EIO. */
cr_err cr__gen_writer_close(gen *g, struct writer *w) CR_MUST_USE;
/* Writes a row whose value-level dirt is already in vals; row-level dirt (duplicate,
 * truncation) is applied here. Counts the row as dirty either way. CR_EIO. */
cr_err cr__gen_writer_row(gen *g, struct writer *w, const char *const *vals, enum dirt dirt,
                          cr_rng *r) CR_MUST_USE;
/* Formats day in date form 0..5 (5 adds a time of day drawn from r). */
void cr__gen_fmt_date(char *out, size_t cap, int32_t day, int form, cr_rng *r);
/* Formats an amount in form 0..3 (3: bare 万元 with six decimals). */
void cr__gen_fmt_amount(char *out, size_t cap, int64_t fen, int form);
/* Maps ASCII digits and letters to full-width forms. */
void cr__gen_fullwidth(const char *in, char *out, size_t cap);
/* D_NONE, or with chance g->dirt one of the n allowed kinds of dirt. */
enum dirt cr__gen_pick_dirt(gen *g, cr_rng *r, const enum dirt *allowed, int n);
/* Applies key-level dirt to a USCC (into out). */
void cr__gen_dirty_key(gen *g, const char *uscc, enum dirt dirt, cr_rng *r, char *out, size_t cap);
/* The path of topic t's file below out_dir (year 0: not split by year); returns out. */
const char *cr__gen_topic_rel(gen *g, const struct topic *t, int year, char *out, size_t cap);

/* ---- the passes (registry.c, events.c, catalog.c) ---- */

/* Each writes its feeds or file; CR_EIO naming the path, CR_ENOMEM. */
cr_err cr__gen_registry(gen *g) CR_MUST_USE;
cr_err cr__gen_roles(gen *g) CR_MUST_USE;
cr_err cr__gen_events(gen *g) CR_MUST_USE;
cr_err cr__gen_catalog(gen *g) CR_MUST_USE;
/* Also sets the report's violation rate. */
cr_err cr__gen_truth(gen *g) CR_MUST_USE;
cr_err cr__gen_roster(gen *g) CR_MUST_USE;
/* plans/annual.yaml, plans/check_items.csv, plans/no_penalty.csv (plans.c). */
cr_err cr__gen_plans(gen *g) CR_MUST_USE;
/* Writes out_dir/name with body. CR_EIO naming the path. */
cr_err cr__gen_write_file(gen *g, const char *name, void (*body)(gen *g, FILE *fp)) CR_MUST_USE;
cr_err cr__gen_labels(gen *g) CR_MUST_USE; /* labels.c */

#endif
