/* The in-memory hash tables (tables.h): content-hash sets, the subject map and the person map of
 * an ingest run, rebuilt from the store at its start, and the string dictionary of a city
 * load. */
#include "tables.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/bigmem.h"
#include "crisk/hash.h"

/* Places h in an empty slot of slot[cap] (h not present, a free slot exists). */
static void hset_place(struct hkey *slot, size_t cap, struct hkey h)
{
    size_t j = (size_t)cr_mix64(h.lo) & (cap - 1);
    while (slot[j].lo)
        j = (j + 1) & (cap - 1);
    slot[j] = h;
}

/* The slots of s's memory: more than its capacity when it took a bigger set's (cr__hset_adopt). */
static size_t hset_mem(const struct hset *s)
{
    return s->mem > s->cap ? s->mem : s->cap;
}

void cr__hset_mem_free(struct hkey *mem, size_t mem_cap)
{
    cr_bigfree(mem, mem_cap * sizeof *mem);
}

void cr__hset_free(struct hset *s)
{
    cr__hset_mem_free(s->slot, hset_mem(s));
    *s = (struct hset){0};
}

static int hset_grow(struct hset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 256;
    struct hkey *slot = cr_bigalloc(cap * sizeof *slot);
    if (!slot)
        return -1;
    cr_bigprefault(slot, cap * sizeof *slot); /* as in cr__hset_reserve */
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i].lo)
            hset_place(slot, cap, s->slot[i]);
    cr__hset_mem_free(s->slot, hset_mem(s));
    s->slot = slot;
    s->cap = cap;
    s->mem = 0;
    return 0;
}

/* The slot of the same row as h in s (cap > 0, h.lo != 0), or of the first empty slot where it
 * would go: *found says which. Entries with h's lo and another known hi are other rows: the
 * probe goes on past them (they lie before the first empty slot, as h would). */
static size_t hset_find(const struct hset *s, struct hkey h, int *found)
{
    size_t j = (size_t)cr_mix64(h.lo) & (s->cap - 1);
    while (s->slot[j].lo) {
        const struct hkey *e = &s->slot[j];
        if (e->lo == h.lo && (e->hi == h.hi || !e->hi || !h.hi)) {
            *found = 1;
            return j;
        }
        j = (j + 1) & (s->cap - 1);
    }
    *found = 0;
    return j;
}

/* Returns 1 when h was added, 0 when the same row is present, -1 when out of memory. */
int cr__hset_add(struct hset *s, struct hkey h)
{
    if (!h.lo)
        h.lo = 1;
    if ((s->n + 1) * 4 > s->cap * 3 && hset_grow(s))
        return -1;
    int found;
    size_t j = hset_find(s, h, &found);
    if (found)
        return 0;
    s->slot[j] = h;
    s->n++;
    return 1;
}

int cr__hset_has(const struct hset *s, struct hkey h)
{
    if (!h.lo)
        h.lo = 1;
    int found = 0;
    if (s->cap)
        hset_find(s, h, &found);
    return found;
}

size_t cr__hset_cap_for(size_t n)
{
    size_t cap = 256;
    while (cap * 3 < n * 4)
        cap *= 2;
    return cap;
}

void cr__hset_adopt(struct hset *s, struct hkey *mem, size_t mem_cap, size_t n)
{
    size_t cap = cr__hset_cap_for(n);
    assert(n >= s->n && cap <= mem_cap && mem != s->slot);
    memset(mem, 0, cap * sizeof *mem);
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i].lo)
            hset_place(mem, cap, s->slot[i]);
    size_t kept = s->n;
    cr__hset_free(s);
    *s = (struct hset){mem, cap, kept, mem_cap > cap ? mem_cap : 0};
}

struct hkey *cr__hset_release(struct hset *s, size_t *mem_cap)
{
    struct hkey *mem = s->slot;
    *mem_cap = mem ? hset_mem(s) : 0;
    *s = (struct hset){0};
    return mem;
}

cr_err cr__hset_reserve(struct hset *s, size_t n)
{
    size_t cap = cr__hset_cap_for(n);
    if (cap <= s->cap)
        return CR_OK;
    struct hset bigger = {cr_bigalloc(cap * sizeof(struct hkey)), cap, 0, 0};
    if (!bigger.slot)
        return CR_ENOMEM;
    /* A probe reads before it writes, and a page first read maps the shared zero page, so each
     * page would fault twice, the second time with a TLB flush on every core. The kernel zeroes
     * the pages here, on the thread reserving the set (mostly ingest's set grower, while the
     * registry is read: src/collect/dedupe.c). */
    cr_bigprefault(bigger.slot, cap * sizeof(struct hkey));
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i].lo)
            hset_place(bigger.slot, cap, s->slot[i]);
    bigger.n = s->n;
    cr__hset_mem_free(s->slot, hset_mem(s));
    *s = bigger;
    return CR_OK;
}

void cr__hset_prefetch(const struct hset *s, uint64_t lo)
{
    if (s->cap)
        __builtin_prefetch(&s->slot[(size_t)cr_mix64(lo ? lo : 1) & (s->cap - 1)], 1);
}

/* Whether a table slot holds an entry, and if so its home (the hash its probe starts from). */
typedef int (*home_fn)(const void *entry, uint64_t *home);

/* Doubles an open-addressing table (linear probing, a power-of-two capacity, 1 << 14 at first)
 * of entries of size bytes: returns a new table holding the old one's entries and frees the old
 * one, or NULL when out of memory (the old one is then kept). *cap is the old capacity on entry,
 * the new one on success.
 * Shared by the subject and the person maps, which differ only in where an entry's home is. */
static void *table_grow(void *old, size_t *cap, size_t size, home_fn home)
{
    size_t ncap = *cap ? *cap * 2 : 1 << 14;
    if (ncap > SIZE_MAX / size)
        return NULL;
    unsigned char *t = cr_bigalloc(ncap * size); /* probed at random: huge pages, mapped now */
    if (!t)
        return NULL;
    cr_bigprefault(t, ncap * size);
    for (size_t i = 0; i < *cap; i++) {
        const unsigned char *e = (const unsigned char *)old + i * size;
        uint64_t h, taken;
        if (!home(e, &h))
            continue;
        size_t j = (size_t)h & (ncap - 1);
        while (home(t + j * size, &taken))
            j = (j + 1) & (ncap - 1);
        memcpy(t + j * size, e, size);
    }
    cr_bigfree(old, *cap * size);
    *cap = ncap;
    return t;
}

static int subj_home(const void *e, uint64_t *home)
{
    *home = ((const struct subj *)e)->h;
    return *home != 0; /* an empty slot has no hash */
}

static int smap_grow(struct smap *m)
{
    struct subj *slot = table_grow(m->slot, &m->cap, sizeof *slot, subj_home);
    m->slot = slot ? slot : m->slot;
    return slot ? 0 : -1;
}

struct subj *cr__smap_find(struct smap *m, const char *key, size_t len, uint64_t h)
{
    if (!m->cap)
        return NULL;
    size_t j = (size_t)h & (m->cap - 1);
    while (m->slot[j].h) {
        struct subj *e = &m->slot[j];
        if (e->h == h && e->len == len && memcmp(m->keys + e->off, key, len) == 0)
            return e;
        j = (j + 1) & (m->cap - 1);
    }
    return NULL;
}

void cr__smap_prefetch(const struct smap *m, uint64_t h)
{
    if (m->cap)
        __builtin_prefetch(&m->slot[(size_t)h & (m->cap - 1)]);
}

struct subj *cr__smap_put(struct smap *m, const char *key, size_t len, uint64_t h, int64_t id,
                          int registered)
{
    if ((m->n + 1) * 2 > m->cap && smap_grow(m))
        return NULL;
    if (m->klen + len > m->kcap) {
        size_t cap = (m->kcap + len) * 2;
        char *k = realloc(m->keys, cap);
        if (!k)
            return NULL;
        m->keys = k;
        m->kcap = cap;
    }
    if (len) /* a NULL key of length 0 (a damaged row) is the empty key */
        memcpy(m->keys + m->klen, key, len);
    size_t j = (size_t)h & (m->cap - 1);
    while (m->slot[j].h)
        j = (j + 1) & (m->cap - 1);
    m->slot[j] = (struct subj){h, id, m->klen, (uint32_t)len, (uint8_t)registered};
    m->klen += len;
    m->n++;
    return &m->slot[j];
}

void cr__smap_free(struct smap *m)
{
    cr_bigfree(m->slot, m->cap * sizeof *m->slot);
    free(m->keys);
    *m = (struct smap){0};
}

uint64_t cr__key_hash(const char *key, size_t len)
{
    uint64_t h = cr_hash64(key, len, 0x5u);
    return h ? h : 1;
}

static uint64_t pkey(const unsigned char h[16])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)h[i] << (8 * i);
    return v;
}

static int pent_home(const void *e, uint64_t *home)
{
    const struct pent *p = e;
    *home = pkey(p->h);
    return p->id != 0; /* an empty slot has no id */
}

static int pmap_grow(struct pmap *m)
{
    struct pent *slot = table_grow(m->slot, &m->cap, sizeof *slot, pent_home);
    m->slot = slot ? slot : m->slot;
    return slot ? 0 : -1;
}

/* Returns the slot for h: an existing entry, or the empty slot where it belongs (id 0). */
struct pent *cr__pmap_slot(struct pmap *m, const unsigned char h[16])
{
    if ((m->n + 1) * 2 > m->cap && pmap_grow(m))
        return NULL;
    size_t j = (size_t)pkey(h) & (m->cap - 1);
    while (m->slot[j].id && memcmp(m->slot[j].h, h, 16) != 0)
        j = (j + 1) & (m->cap - 1);
    return &m->slot[j];
}

void cr__pmap_free(struct pmap *m)
{
    cr_bigfree(m->slot, m->cap * sizeof *m->slot);
    *m = (struct pmap){0};
}

/* ---- the string → dense id dictionary (a city load's kinds, roles, addresses) ---- */

/* Keys are found through the subject map (an id per key, the keys' bytes in its buffer); keys[]
 * keeps a NUL-terminated copy of each, by id, for the caller to take. */
int32_t cr__dict_id(struct cr__dict *d, const char *key, size_t len)
{
    uint64_t h = cr__key_hash(key, len);
    const struct subj *e = cr__smap_find(&d->map, key, len, h);
    if (e)
        return (int32_t)e->id;
    if (d->n == d->kcap) {
        size_t kc = d->kcap ? d->kcap * 2 : 1024;
        char **k2 = realloc(d->keys, kc * sizeof *k2);
        if (!k2)
            return -2;
        d->keys = k2;
        d->kcap = kc;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -2;
    if (len) /* a NULL key of length 0 (a damaged row) is the empty key */
        memcpy(copy, key, len);
    copy[len] = 0;
    if (!cr__smap_put(&d->map, key, len, h, (int64_t)d->n, 0)) {
        free(copy);
        return -2;
    }
    d->keys[d->n] = copy;
    return (int32_t)d->n++;
}

void cr__dict_free(struct cr__dict *d, int keep_keys)
{
    if (!keep_keys) {
        for (size_t i = 0; i < d->n; i++)
            free(d->keys[i]);
        free(d->keys);
    }
    cr__smap_free(&d->map);
}
