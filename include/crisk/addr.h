/* Chinese address normalisation to a key: two spellings of one place get one key, so that
 * "one address, many licences" can be counted. Rules are in docs/collect.md. */
#ifndef CRISK_ADDR_H
#define CRISK_ADDR_H

#include <stddef.h>

#include "crisk/err.h"
#include "crisk/ref.h"

struct cr_addr {
    char key[512];    /* "<district code>|<rest>", or "|<rest>" when no district is named */
    char district[8]; /* 6-digit code or "" */
    char street[12];  /* 9-digit code or "" */
};

/* Normalises the UTF-8 address s: NFKC (full-width to half-width), upper-case Latin letters, drops
 * spaces and punctuation (keeping '-'), strips 中国/广东(省)/广州(市) and the longest matching
 * district (with 区) and street (with 街道 or 镇) names of ref, turns Chinese numerals into
 * digits and unifies 号楼/栋/座/幢, 楼/层/F, 室/房 and 号/# after a number. A named street also
 * fixes the district. ref may be NULL (no division matching). Returns CR_EENCODING for invalid
 * UTF-8, CR_EINVAL for an address that is empty after normalisation or too long for key. */
cr_err cr_addr_normalize(const cr_ref *ref, const char *s, size_t len,
                         struct cr_addr *out) CR_MUST_USE;

#endif
