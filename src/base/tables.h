/* The library's in-memory hash tables (internal to src/): the sets and maps of an ingest run
 * (src/collect) and the string dictionary of a city load (src/city). Open-addressing tables
 * sized in powers of two; every function that allocates reports failure instead of aborting. */
#ifndef CRISK_BASE_TABLES_H
#define CRISK_BASE_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"

/* A row's 128-bit content hash: lo is stored with the row, hi only lives in this run's sets
 * (0 = unknown: a row loaded from the store). */
struct hkey {
    uint64_t lo, hi;
};

/* Open-addressing set of content hashes, probed by lo. Two entries are the same row when their
 * lo are equal and so are their hi, or one hi is unknown. */
struct hset {
    struct hkey *slot;
    size_t cap, n;
    size_t mem; /* slots of the memory at slot when more than cap (cr__hset_adopt), else 0 */
};

/* Subject keys (USCC or namespace:local key) → store id, with "has a registry row". */
struct subj {
    uint64_t h;
    int64_t id;
    size_t off;
    uint32_t len;
    uint8_t registered;
};

struct smap {
    struct subj *slot;
    size_t cap, n;
    char *keys;
    size_t klen, kcap;
    cr_err err;
};

/* Persons by keyed ID hash → id. */
struct pent {
    unsigned char h[16];
    int64_t id; /* 0 = empty slot */
};

struct pmap {
    struct pent *slot;
    size_t cap, n;
    int oom;
};

/* Adds h to the set (a lo of 0 is stored as 1). Returns 1 when added, 0 when the same row is
 * already present, -1 when out of memory. */
int cr__hset_add(struct hset *s, struct hkey h);
/* 1 when the same row as h is in the set, as cr__hset_add would find it; adds nothing. */
int cr__hset_has(const struct hset *s, struct hkey h);
/* The capacity cr__hset_reserve gives a set of n entries. */
size_t cr__hset_cap_for(size_t n);
/* Makes s hold n entries in mem (mem_cap slots, from cr__hset_release of another set, at least
 * cr__hset_cap_for(n); n at least s->n): zeroes the part it uses, moves s's entries there and
 * frees s's own memory. */
void cr__hset_adopt(struct hset *s, struct hkey *mem, size_t mem_cap, size_t n);
/* Empties s and gives up its memory to the caller: returns it (NULL when none) and its slots in
 * *mem_cap. */
struct hkey *cr__hset_release(struct hset *s, size_t *mem_cap);
/* Frees memory of cr__hset_release (mem_cap slots). */
void cr__hset_mem_free(struct hkey *mem, size_t mem_cap);
/* Frees s's memory and empties it. */
void cr__hset_free(struct hset *s);
/* Grows the set once to hold n entries without rehashing on the way, its pages mapped. */
cr_err cr__hset_reserve(struct hset *s, size_t n) CR_MUST_USE;
/* Starts fetching the slot where lo would be probed first; a hint, with no effect on the set. */
void cr__hset_prefetch(const struct hset *s, uint64_t lo);

/* A non-zero 64-bit hash of a subject key. */
uint64_t cr__key_hash(const char *key, size_t len);
/* Starts fetching the slot where key hash h is looked for first; a hint only. */
void cr__smap_prefetch(const struct smap *m, uint64_t h);
/* Finds key (with hash h) or NULL. Entries move when the map grows: a pointer is valid until the
 * next cr__smap_put. */
struct subj *cr__smap_find(struct smap *m, const char *key, size_t len, uint64_t h);
/* Adds key → id; NULL when out of memory. */
struct subj *cr__smap_put(struct smap *m, const char *key, size_t len, uint64_t h, int64_t id,
                          int registered);

/* Frees the map's table and keys (the map is empty afterwards). */
void cr__smap_free(struct smap *m);
/* Frees the map's table (the map is empty afterwards). */
void cr__pmap_free(struct pmap *m);

/* The slot of idhash: the entry, or the empty slot where it belongs (id 0); NULL when out of
 * memory. The caller fills an empty slot and counts it in m->n. */
struct pent *cr__pmap_slot(struct pmap *m, const unsigned char h[16]);

/* A string → dense id dictionary on the subject map: ids 0, 1, … in order of first sight;
 * keys[id] is the key, NUL-terminated. */
struct cr__dict {
    struct smap map;
    char **keys;
    size_t n, kcap;
};

/* The id of key (len bytes), added when new; -2 when out of memory. */
int32_t cr__dict_id(struct cr__dict *d, const char *key, size_t len);
/* Frees the dictionary; with keep_keys, keys and its strings stay (the caller took them). */
void cr__dict_free(struct cr__dict *d, int keep_keys);

#endif
