/* A growing byte buffer and the library's one JSON writer (internal to src/): canonical row
 * content and attribute JSON in ingest, a run's aspects and top contributions in the store.
 * Where speed does not matter (the CLI's --json, portraits) jansson writes JSON instead.
 *
 * Appending never fails: out of memory sets oom, which is sticky, and later appends do
 * nothing; check oom once at the end. A NUL is kept after the bytes, so p is a C string when
 * no NUL was appended. Start from (struct buf){0}; free(b.p) when done; len = 0 reuses it. */
#ifndef CRISK_BASE_BUF_H
#define CRISK_BASE_BUF_H

#include <stddef.h>

#include "crisk/err.h"

struct buf {
    char *p;
    size_t len, cap;
    int oom;
};

/* Appends bytes. */
void cr__buf_add(struct buf *b, const void *data, size_t len);
void cr__buf_str(struct buf *b, const char *s);
void cr__buf_char(struct buf *b, char c);

/* Appends the formatted text (vsnprintf), however long. */
void cr__buf_printf(struct buf *b, const char *fmt, ...) CR_FORMAT(2, 3);

/* Appends s[0..len) as a JSON string literal, quotes included. The only escaping of JSON
 * text in the library, so every writer escapes alike: " and \ get a backslash, bytes below
 * 0x20 become \u00xx (lower-case hex); every other byte, 0x7F and bytes of UTF-8 sequences
 * included, is copied as it is. The writer does not check UTF-8: callers pass valid UTF-8
 * (ingest has validated every value, or quarantined its row; a model's ids are text of a YAML
 * file, which libyaml accepts only as UTF-8), and invalid bytes would come out unchanged,
 * never dropped or cut. */
void cr__buf_json(struct buf *b, const char *s, size_t len);

/* Appends v with the given decimals (0 to 6), as printf's %.Nf writes it but for a negative
 * value that rounds to zero, which has no minus sign, without printf's cost for the values a
 * run holds (finite, |v| <= 1e9; others go through snprintf). */
void cr__buf_fixed(struct buf *b, double v, int decimals);

#endif
