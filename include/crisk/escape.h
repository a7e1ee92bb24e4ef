/* One exact, reversible text form of arbitrary bytes, for showing and exporting quarantined rows
 * (docs/collect.md, "Quarantine"): a row may hold invalid UTF-8, GB18030 bytes, NUL and control
 * characters, and what is exported must come back byte for byte when it is retried unedited. */
#ifndef CRISK_ESCAPE_H
#define CRISK_ESCAPE_H

#include <stddef.h>

#include "crisk/err.h"

/* Writes s[0..len) as printable UTF-8 that names every byte: each valid UTF-8 character stays as
 * it is, except that a backslash is written \\ and every byte of a control character (U+0000..
 * U+001F, U+007F, U+0080..U+009F), of a space at the very start or end, or of an invalid UTF-8
 * sequence is written \xNN (two upper-case hex digits). With ascii set, every byte above 0x7F is
 * written \xNN too: for bytes that are not UTF-8 text (a GB18030 line that does not decode), so
 * that they are not shown as characters they do not mean. The result has no line break, tab or
 * NUL, does not begin or end with a space, and is never cut. *out is malloc'd and NUL-terminated
 * (free with free()); *out_len (if not NULL) is its length. Returns CR_ENOMEM on failure. */
cr_err cr_escape(const char *s, size_t len, int ascii, char **out, size_t *out_len) CR_MUST_USE;

/* Reverses cr_escape exactly: \\ is a backslash and \xNN (hex, either case) the byte NN; every
 * other character is itself. Writes at most len bytes to out, which may be s itself (the output
 * never overtakes the input). A backslash followed by anything else returns CR_EINVAL and sets
 * *bad_offset (if not NULL) to its offset in s; out is then undefined. */
cr_err cr_unescape(const char *s, size_t len, char *out, size_t *out_len,
                   size_t *bad_offset) CR_MUST_USE;

#endif
