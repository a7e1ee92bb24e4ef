/* The codec of a plan's frozen eligible list: one block per plan in table plan_list
 * (docs/store.md "plan_list", format 1), and the string interning it shares with the draw's
 * unstaffed reasons (inspect.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan_list.h"

/* The block of a frozen list (docs/store.md "plan_list"), format 1, little-endian:
 * "CRPLIST1", u32 n, u32 n_streets, level[n], class[n], u32 street[n], i64 subject[n], the n
 * keys each ended by a NUL byte, the n_streets streets each ended by a NUL byte. */
static const char plist_magic[8] = {'C', 'R', 'P', 'L', 'I', 'S', 'T', '1'};

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t str_hash(const char *t)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *t; t++)
        h = (h ^ (unsigned char)*t) * 1099511628211ULL;
    return h;
}

uint32_t cr__intern(struct cr__intern *t, const char *s)
{
    if (t->n >= UINT32_MAX - 1)
        return UINT32_MAX;
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        const char **slot = calloc(cap, sizeof *slot);
        uint32_t *idx = calloc(cap, sizeof *idx);
        const char **order = realloc(t->order, cap * sizeof *order);
        if (order)
            t->order = order;
        if (!slot || !idx || !order) {
            free(slot);
            free(idx);
            return UINT32_MAX;
        }
        for (size_t i = 0; i < t->cap; i++)
            if (t->slot[i]) {
                size_t j = str_hash(t->slot[i]) & (cap - 1);
                while (slot[j])
                    j = (j + 1) & (cap - 1);
                slot[j] = t->slot[i];
                idx[j] = t->idx[i];
            }
        free(t->slot);
        free(t->idx);
        t->slot = slot;
        t->idx = idx;
        t->cap = cap;
    }
    size_t j = str_hash(s) & (t->cap - 1);
    while (t->slot[j] && strcmp(t->slot[j], s) != 0)
        j = (j + 1) & (t->cap - 1);
    if (!t->slot[j]) {
        t->slot[j] = s;
        t->idx[j] = (uint32_t)t->n;
        t->order[t->n++] = s;
    }
    return t->idx[j];
}

void cr__intern_free(struct cr__intern *t)
{
    free(t->slot);
    free(t->idx);
    free(t->order);
    memset(t, 0, sizeof *t);
}

/* Encodes f[0..n) as a format-1 block into *out (malloc'd) of *len bytes. */
cr_err cr__plist_encode(const struct cr_plan_firm *f, size_t n, unsigned char **out, size_t *len)
{
    *out = NULL;
    if (n > UINT32_MAX)
        return CR_EINVAL;
    struct cr__intern ss = {0};
    uint32_t *sidx = malloc((n ? n : 1) * sizeof *sidx);
    size_t keys = 0, streets = 0;
    cr_err rc = sidx ? CR_OK : CR_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        if (f[i].cls >= CR_STORE_N_ELIG_CLASSES)
            rc = CR_EINVAL;
        else if ((sidx[i] = cr__intern(&ss, f[i].street ? f[i].street : "")) == UINT32_MAX)
            rc = CR_ENOMEM;
        keys += strlen(f[i].key) + 1;
    }
    for (size_t i = 0; !rc && i < ss.n; i++)
        streets += strlen(ss.order[i]) + 1;
    size_t total = 16 + n * (1 + 1 + 4 + 8) + keys + streets;
    unsigned char *b = rc ? NULL : malloc(total);
    if (!rc && !b)
        rc = CR_ENOMEM;
    if (!rc) {
        memcpy(b, plist_magic, 8);
        put_u32(b + 8, (uint32_t)n);
        put_u32(b + 12, (uint32_t)ss.n);
        unsigned char *lv = b + 16, *cl = lv + n, *st = cl + n, *sj = st + 4 * n;
        char *kp = (char *)(sj + 8 * n);
        for (size_t i = 0; i < n; i++) {
            lv[i] = (unsigned char)f[i].level;
            cl[i] = f[i].cls;
            put_u32(st + 4 * i, sidx[i]);
            uint64_t v = (uint64_t)f[i].subject;
            for (int k = 0; k < 8; k++)
                sj[8 * i + (size_t)k] = (unsigned char)(v >> (8 * k));
            size_t l = strlen(f[i].key) + 1;
            memcpy(kp, f[i].key, l);
            kp += l;
        }
        for (size_t i = 0; i < ss.n; i++) {
            size_t l = strlen(ss.order[i]) + 1;
            memcpy(kp, ss.order[i], l);
            kp += l;
        }
        *out = b;
        *len = total;
    }
    free(sidx);
    cr__intern_free(&ss);
    return rc;
}

/* Decodes a block of len bytes (owned by l from now on) into l; *why on a bad block. */
cr_err cr__plist_decode(unsigned char *b, size_t len, struct cr_plan_list *l, const char **why)
{
    l->mem = b;
    if (len < 16 || memcmp(b, plist_magic, 8) != 0) {
        *why = "it is not a format-1 block (its first bytes are not CRPLIST1)";
        return CR_EPARSE;
    }
    size_t n = get_u32(b + 8), ns = get_u32(b + 12);
    if ((len - 16) / 14 < n) {
        *why = "it is shorter than its firms' arrays";
        return CR_EPARSE;
    }
    /* every key and every street takes at least its NUL byte: a count beyond the bytes left is
     * refused before anything is allocated for it */
    if (len - 16 - 14 * n < n || ns > len - 16 - 14 * n - n) {
        *why = "its counts of keys and streets exceed its bytes";
        return CR_EPARSE;
    }
    const unsigned char *lv = b + 16, *cl = lv + n, *st = cl + n, *sj = st + 4 * n;
    char *p = (char *)(sj + 8 * n), *end = (char *)b + len;
    const char **streets = l->streets = malloc((ns ? ns : 1) * sizeof *streets);
    l->f = malloc((n ? n : 1) * sizeof *l->f);
    if (!streets || !l->f)
        return CR_ENOMEM;
    cr_err rc = CR_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        char *z = memchr(p, 0, (size_t)(end - p));
        if (!z) {
            *why = "its keys are cut";
            rc = CR_EPARSE;
            break;
        }
        l->f[i].key = p;
        p = z + 1;
    }
    for (size_t i = 0; i < ns && !rc; i++) {
        char *z = memchr(p, 0, (size_t)(end - p));
        if (!z) {
            *why = "its streets are cut";
            rc = CR_EPARSE;
            break;
        }
        streets[i] = p;
        p = z + 1;
    }
    if (!rc && p != end) {
        *why = "it has bytes after its last street";
        rc = CR_EPARSE;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        uint32_t si = get_u32(st + 4 * i);
        uint64_t v = 0;
        for (int k = 7; k >= 0; k--)
            v = v << 8 | sj[8 * i + (size_t)k];
        if (si >= ns || cl[i] >= CR_STORE_N_ELIG_CLASSES || lv[i] < 'A' || lv[i] > 'D') {
            *why = si >= ns                           ? "a firm's street index is out of range"
                   : cl[i] >= CR_STORE_N_ELIG_CLASSES ? "a firm's class code is out of range"
                                                      : "a firm's level is not A-D";
            rc = CR_EPARSE;
            break;
        }
        l->f[i].street = streets[si];
        l->f[i].cls = cl[i];
        l->f[i].level = (char)lv[i];
        l->f[i].subject = (int64_t)v;
    }
    l->n = rc ? 0 : n;
    return rc;
}
