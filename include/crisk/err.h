/* crisk error currency: every fallible call returns a cr_err (CR_OK = 0) and may fill an
 * optional cr_diag with a message and the place (file, line, column) the problem was found. */
#ifndef CRISK_ERR_H
#define CRISK_ERR_H

#include <stddef.h>

/* Marks a printf-like function so format strings are checked (fmt is argument f, values from a;
 * a = 0 for functions that take a fixed argument list instead of ...). */
#if defined(__GNUC__)
#define CR_FORMAT(f, a) __attribute__((format(printf, f, a)))
#else
#define CR_FORMAT(f, a)
#endif

/* Marks a function whose result must be looked at: every function returning cr_err carries it,
 * so a failure is handled or passed on, never dropped (GCC ignores a (void) cast here: a result
 * that truly does not matter is tested and the reason written beside it). The exceptions are
 * cr_diag_set and the like, whose result is the rc they were given. */
#if defined(__GNUC__)
#define CR_MUST_USE __attribute__((warn_unused_result))
#else
#define CR_MUST_USE
#endif

typedef enum cr_err {
    CR_OK = 0,
    CR_ENOMEM,    /* allocation failed */
    CR_EINVAL,    /* bad argument or bad input value */
    CR_EIO,       /* file or OS error */
    CR_EPARSE,    /* malformed document (catalog, model, feed structure) */
    CR_ESTORE,    /* the store refused or failed */
    CR_ENOTFOUND, /* a named thing does not exist */
    CR_ERANGE,    /* value out of range (overflow, date out of bounds) */
    CR_ECHECK,    /* a check character or checksum does not match */
    CR_EENCODING, /* text is not valid in its declared encoding */
    CR__NERR
} cr_err;

/* Details of a failure. Every field is optional for the producer; consumers print what is set. */
typedef struct cr_diag {
    char msg[512];
    char file[256];
    long line; /* 1-based, 0 when unknown */
    long col;  /* 1-based, 0 when unknown */
} cr_diag;

/* Returns a static English name for rc ("out of memory", ...). Never NULL. Thread-safe. */
const char *cr_strerror(cr_err rc);

/* Fills d (if not NULL) and returns rc, so callers can write `return cr_diag_set(d, ...)`.
 * file may be NULL. The message is formatted like printf and truncated to fit. */
cr_err cr_diag_set(cr_diag *d, cr_err rc, const char *file, long line, long col, const char *fmt,
                   ...) CR_FORMAT(6, 7);

/* Formats d as "file:line:col: msg" into out (capacity cap). Returns out. */
const char *cr_diag_format(const cr_diag *d, char *out, size_t cap);

#endif
