/* Internal to src/collect/: the feed reader shared by feed.c (decoding, the reader, records),
 * csv.c (CSV fields) and jsonl.c (JSON Lines objects). */
#ifndef CRISK_COLLECT_FEED_INTERNAL_H
#define CRISK_COLLECT_FEED_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/feed.h"

/* A line of a GB18030 file read as UTF-8 (cr__feed_utf8_line); cont: a line after the first of
 * a record of several lines judged whole. */
struct utf8_line {
    long line;
    int cont;
};

struct bad_line {
    long line;
    size_t off, len; /* in the original bytes */
};

struct cr_feed {
    const struct cr_topic *t;
    char *name;
    char *orig; /* original file bytes, owned, NUL-terminated */
    size_t orig_len;
    size_t orig_cap;  /* bytes allocated at orig (orig_alloc) */
    int orig_lent;    /* orig is a kept buffer (orig_alloc): counted in the kept bytes */
    char *decoded;    /* owned decoded text for GB18030 files, else NULL */
    char *one;        /* decoded text of the last cr_feed_parse_orig, else NULL */
    const char *text; /* UTF-8 text after any BOM */
    size_t len;
    size_t pos;
    long line;
    size_t body_pos; /* the first record after the header, for cr_feed_rewind */
    long body_line;
    int64_t hash;
    struct bad_line *bad;
    size_t n_bad, i_bad;
    struct utf8_line *utf8; /* GB18030 files: lines read as UTF-8, in order */
    size_t n_utf8, i_utf8;  /* i_utf8: the first not yet returned by cr_feed_next */
    int64_t utf8_read;      /* records cr_feed_next returned that start on such a line */
    int n_slots;
    int ncol;         /* expected columns (CSV with header), or 0 */
    int min_cols;     /* CSV without header: the largest mapped position */
    int *col;         /* per slot: 0-based column, -1 unmapped */
    char **label;     /* per slot */
    const char **val; /* per slot, current record */
    size_t *vlen;
    const char **fv; /* all fields of the current CSV record */
    size_t *fl;
    size_t *foff; /* offset in scratch for unescaped fields, SIZE_MAX for fields in text */
    size_t fcap;
    char **head;      /* the header's fields, trimmed (ncol of them): a row equal to it is one */
    size_t *head_len; /* more header, from files joined with their headers */
    char **head_fold; /* the header's fields folded (cr__feed_fold): a row equal to them also */
    size_t *head_fold_len;
    int breaks;    /* the current record has a line break inside a quoted field */
    char *scratch; /* unescaped quoted fields and JSON numbers of the current record */
    size_t scap, sused;
};

size_t cr__feed_line_end(const char *text, size_t len, size_t from);
/* 1 when a line of a GB18030 file is certainly UTF-8 (feed.c says why it is certain). */
int cr__feed_utf8_line(const char *p, size_t n);
cr_err cr__feed_scratch_reserve(cr_feed *f, size_t n, size_t nf) CR_MUST_USE;
cr_err cr__feed_push_field(cr_feed *f, size_t nf, const char *v, size_t len,
                           size_t scratch_off) CR_MUST_USE;
CR_FORMAT(3, 4)
void cr__feed_set_reason(struct cr_feed_rec *rec, const char *reason, const char *fmt, ...);
cr_err cr__feed_split_csv(cr_feed *f, const char *text, size_t len, size_t pos, size_t *end,
                          long *spanned, size_t *nf_out, struct cr_feed_rec *rec) CR_MUST_USE;
/* Where the CSV record that starts at pos ends, as cr__feed_split_csv finds it (its *end: the
 * offset of the terminating newline, or len), without splitting it: a quoted field may span
 * lines. tests/unit/test_feed.c compares the two on random text. */
size_t cr__feed_csv_record_end(const char *text, size_t len, size_t pos, char delim);
void cr__feed_trim(const char **v, size_t *len);
void cr__feed_map_csv_values(cr_feed *f, size_t nf);
int cr__feed_is_header(const cr_feed *f, size_t nf);
/* Folds a header field for comparison: full-width forms to half-width, ASCII to lower case,
 * spaces trimmed. Writes at most CR__FOLD_MAX bytes to out; returns the length, or SIZE_MAX when
 * v is longer than that (then no header field). */
#define CR__FOLD_MAX 256
size_t cr__feed_fold(const char *v, size_t len, char out[CR__FOLD_MAX]);
cr_err cr__feed_parse_json(cr_feed *f, const char *text, size_t len,
                           struct cr_feed_rec *rec) CR_MUST_USE;

/* The bytes of the read buffers kept now (cr_feed_spares_keep), for tests. */
size_t cr__feed_spares_bytes(void);

#endif
