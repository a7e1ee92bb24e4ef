/* Internals shared by the files of the inspect stage. */
#ifndef CRISK_INSPECT_INTERNAL_H
#define CRISK_INSPECT_INTERNAL_H

#include <stddef.h>

#include "crisk/err.h"

/* A small CSV file (UTF-8, at most CR_PLAN_LIST_MAX_BYTES, a header, RFC 4180 quotes within one
 * line) read whole; fields are cut in place. */
struct cr__csv {
    char *text;
    size_t len, pos;
    long line; /* the 1-based line of the row last read */
    const char *path;
};
/* Reads path (CR_EENCODING for NUL bytes or text that is not UTF-8). Free c->text. */
cr_err cr__csv_open(struct cr__csv *c, const char *path, cr_diag *d) CR_MUST_USE;
/* The next non-empty line's fields (at most max stored, *nf counts all): 1, 0 at the end, -1 on
 * a bad quote. */
int cr__csv_next(struct cr__csv *c, char **f, int max, int *nf);
/* Reads the header and checks it is exactly want[0..n). */
cr_err cr__csv_header(struct cr__csv *c, const char *const *want, int n, cr_diag *d) CR_MUST_USE;

/* CR_EINVAL naming the size and limit when path is a regular file longer than limit bytes, or
 * a folder (what: "plan file", "list file"); CR_OK otherwise (also when it cannot be stat'ed:
 * the open says why). */
cr_err cr__file_size_check(const char *path, size_t limit, const char *what,
                           cr_diag *d) CR_MUST_USE;

/* Strings copied into chunks that never move: the keys of an eligible list (struct cr_elig
 * points into it). */
struct cr__strpool {
    char **chunk;
    size_t n_chunks, used, cap; /* used and cap of the last chunk */
};
/* A copy of s in the pool, or NULL when memory ran out. */
const char *cr__strpool_dup(struct cr__strpool *p, const char *s);
void cr__strpool_free(struct cr__strpool *p);

#endif
