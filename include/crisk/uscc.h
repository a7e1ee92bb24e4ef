/* Unified social credit code (统一社会信用代码, GB 32100-2015) and the organisation code it embeds
 * (组织机构代码, GB 11714). Rules and the worked example are in DOMAIN.md §7. */
#ifndef CRISK_USCC_H
#define CRISK_USCC_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"

#define CR_USCC_LEN 18

/* Normalises a USCC as departments write it: trims ASCII and ideographic spaces, maps full-width
 * ASCII (U+FF01..U+FF5E) to half-width, and upper-cases. in need not be NUL-terminated. On success
 * writes 18 characters and a NUL to out. Returns CR_EINVAL when the result is not 18 characters of
 * the USCC alphabet (I, O, S, V, Z excluded), CR_ECHECK when only the check character is wrong;
 * in that case out still holds the normalised code so it can be reported. */
cr_err cr_uscc_normalize(const char *in, size_t len, char out[CR_USCC_LEN + 1]) CR_MUST_USE;

/* Why cr_uscc_normalize returned CR_EINVAL for in, as a sentence into out (cap bytes, always
 * NUL-terminated): the first character outside the USCC alphabet and its place ("'S'
 * (character 5) is not in the USCC alphabet ..."), else the count of characters. */
void cr_uscc_explain(const char *in, size_t len, char *out, size_t cap);

/* Returns 1 when s (18 characters, already normalised) has a valid check character, else 0. */
int cr_uscc_valid(const char *s);

/* Returns the check character (position 18) for the first 17 characters of s, or 0 when one of
 * them is outside the USCC alphabet. */
char cr_uscc_check_char(const char *s17);

/* Returns the GB 11714 check character for the 8-character body s8 ('0'..'9' or 'X'), or 0 when a
 * body character is not a digit or upper-case letter. */
char cr_orgcode_check_char(const char *s8);

/* Returns 1 when the 9-character organisation code s9 has a valid check character, else 0. */
int cr_orgcode_valid(const char *s9);

/* Builds a valid USCC from a registration authority code (pos 1, e.g. '9'), an entity kind (pos 2,
 * e.g. '1' enterprise), a 6-digit division code and a 64-bit serial that selects the 8-character
 * organisation body. Different serials below 31^6 * 21 (about 1.8e10) give different codes for
 * the same authority, kind and division. Returns CR_EINVAL for characters outside the alphabet. */
cr_err cr_uscc_make(char authority, char kind, const char *division6, uint64_t serial,
                    char out[CR_USCC_LEN + 1]) CR_MUST_USE;

/* Returns 1 when s (len bytes) is an 18-character resident identity number (GB 11643-1999) with
 * a valid check character (digit or upper-case X), else 0. */
int cr_resident_id_valid(const char *s, size_t len);

#endif
