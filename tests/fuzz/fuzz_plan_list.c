/* Fuzz target: the codec of a plan's frozen eligible list (src/store/plan_list.c, docs/store.md
 * "plan_list"). Bit 0 of the first byte chooses the mode:
 *   0  decode: the rest is a stored block as read from a damaged or hostile store; the decoder
 *      must refuse it (CR_EPARSE, with a reason) or give back firms whose keys and streets lie
 *      inside the block, whose levels are A-D and classes known, and which encode and decode
 *      again to the same firms;
 *   1  round trip: the rest, split at newlines, is one firm a line (its key, a tab, its
 *      street; the line's first byte picks level and class); encoded and decoded, every firm
 *      comes back as it went in, in order. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/store.h"
#include "store/plan_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const char *p, const unsigned char *b, size_t len)
{
    return p >= (const char *)b && p < (const char *)b + len &&
           memchr(p, 0, (size_t)((const char *)b + len - p));
}

static void same(const struct cr_plan_firm *a, size_t n, const struct cr_plan_list *l)
{
    if (l->n != n)
        __builtin_trap();
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].key, l->f[i].key) != 0 || strcmp(a[i].street, l->f[i].street) != 0 ||
            a[i].level != l->f[i].level || a[i].cls != l->f[i].cls ||
            a[i].subject != l->f[i].subject)
            __builtin_trap();
}

/* Encodes f[0..n) and decodes it again: the same firms. */
static void again(const struct cr_plan_firm *f, size_t n)
{
    unsigned char *b = NULL;
    size_t len = 0;
    if (cr__plist_encode(f, n, &b, &len) != CR_OK)
        __builtin_trap();
    struct cr_plan_list l = {0};
    const char *why = "";
    if (cr__plist_decode(b, len, &l, &why) != CR_OK)
        __builtin_trap();
    same(f, n, &l);
    cr_store_plan_list_free(&l);
}

static void decode(const uint8_t *data, size_t size)
{
    unsigned char *b = malloc(size ? size : 1);
    if (!b)
        abort();
    memcpy(b, data, size);
    struct cr_plan_list l = {0};
    const char *why = NULL;
    cr_err rc = cr__plist_decode(b, size, &l, &why);
    if (rc == CR_EPARSE && (!why || !*why))
        __builtin_trap();
    if (rc != CR_OK && rc != CR_EPARSE && rc != CR_ENOMEM)
        __builtin_trap();
    if (rc == CR_OK) {
        for (size_t i = 0; i < l.n; i++)
            if (!inside(l.f[i].key, b, size) || !inside(l.f[i].street, b, size) ||
                l.f[i].level < 'A' || l.f[i].level > 'D' || l.f[i].cls >= CR_STORE_N_ELIG_CLASSES)
                __builtin_trap();
        again(l.f, l.n);
    }
    cr_store_plan_list_free(&l);
}

static void round_trip(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t)
        abort();
    for (size_t i = 0; i < size; i++)
        t[i] = data[i] ? (char)data[i] : '?';
    t[size] = 0;
    size_t n = 0, cap = 0;
    struct cr_plan_firm *f = NULL;
    for (char *p = t; p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        char *tab = strchr(p, '\t');
        if (tab)
            *tab = 0;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct cr_plan_firm *g = realloc(f, cap * sizeof *g);
            if (!g)
                abort();
            f = g;
        }
        unsigned char c = (unsigned char)p[0];
        f[n] = (struct cr_plan_firm){(int64_t)n * 7 - 3, p, tab ? tab + 1 : "",
                                     (uint8_t)(c % CR_STORE_N_ELIG_CLASSES), (char)('A' + c % 4)};
        n++;
        p = nl ? nl + 1 : NULL;
    }
    again(f, n);
    free(f);
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    if (data[0] & 1)
        round_trip(data + 1, size - 1);
    else
        decode(data + 1, size - 1);
    return 0;
}
