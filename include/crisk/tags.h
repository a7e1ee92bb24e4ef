/* The theme library (企业主题库): tags defined by rules in a file, not code (format:
 * docs/model.md, "Tags"). A rule holds when all of its conditions hold. */
#ifndef CRISK_TAGS_H
#define CRISK_TAGS_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/classify.h"
#include "crisk/err.h"

#define CR_MAX_TAGS 64

struct cr_tag_rule {
    char *id, *name;
    char **industry; /* GB/T 4754 code prefixes (C13 …); empty = any */
    size_t n_industry;
    char **type_has; /* substrings of the enterprise type; empty = any */
    size_t n_type_has;
    char **kinds; /* has an event of one of these kinds in the window; empty = no condition */
    size_t n_kinds;
    int window_days; /* 0 = all history */
    char levels[5];  /* latest-run levels that qualify ("AB"); "" = no condition */
    char **any_tags; /* carries at least one of these earlier tags; empty = no condition */
    size_t n_any_tags;
    long line;
};

typedef struct cr_tagset {
    char *path;
    char hash[17];
    struct cr_tag_rule *rules;
    size_t n;
} cr_tagset;

/* Reads a rules file; errors name the file, line and field. At most CR_MAX_TAGS rules; a rule
 * may only refer to tags defined before it. Freed with cr_tags_free(). */
cr_err cr_tags_load(const char *path, cr_tagset **out, cr_diag *d) CR_MUST_USE;
void cr_tags_free(cr_tagset *t);

/* Evaluates every rule for every enterprise of city as of the day as_of. levels (one char per
 * enterprise, may be NULL when there is no run) feeds level conditions; bit r of out[e] is set
 * when rule r holds for enterprise e. No I/O. */
void cr_tags_apply(const cr_tagset *t, const struct cr_city *city, const char *levels,
                   int32_t as_of, uint64_t *out);

#endif
