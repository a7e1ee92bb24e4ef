/* The codec of a plan's frozen eligible list (table plan_list, docs/store.md "plan_list") and
 * the string interning it and the draw's reasons share. Internal to the store; the fuzz target
 * tests/fuzz/fuzz_plan_list.c decodes hostile blocks through it. */
#ifndef CRISK_STORE_PLAN_LIST_H
#define CRISK_STORE_PLAN_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/store.h"

/* Distinct strings, each with its index (0, 1, ... in the order first seen): an open-addressing
 * table over borrowed strings (they must outlive it). */
struct cr__intern {
    const char **slot; /* slot -> string, NULL when empty */
    uint32_t *idx;     /* slot -> index */
    size_t cap, n;
    const char **order; /* index -> string */
};
/* The index of t, added when new; UINT32_MAX when out of memory. */
uint32_t cr__intern(struct cr__intern *t, const char *s);
void cr__intern_free(struct cr__intern *t);

/* Encodes f[0..n) as a format-1 block into *out (malloc'd) of *len bytes; CR_EINVAL for a class
 * out of range or more than 2^32 - 1 firms. */
cr_err cr__plist_encode(const struct cr_plan_firm *f, size_t n, unsigned char **out,
                        size_t *len) CR_MUST_USE;
/* Decodes a block of len bytes, which l owns from now on (also on failure: free l with
 * cr_store_plan_list_free); CR_EPARSE with *why (a static phrase) for a block that is not of
 * format 1, is cut, or holds an index or class out of range; CR_ENOMEM. */
cr_err cr__plist_decode(unsigned char *b, size_t len, struct cr_plan_list *l,
                        const char **why) CR_MUST_USE;

#endif
