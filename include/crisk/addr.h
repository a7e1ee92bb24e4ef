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

/* The version of the address-key rules below (docs/collect.md "Address keys"): raised whenever a
 * change of the rules changes keys. 1: the rules before session 5's numeral fix; 2: numerals read
 * by value, optional room suffix, district without 区, the registry's district for keys without
 * one. Ingest records it in the store (cr_store_addr_key_rules_note) and the monitor writes it
 * into the evidence of every warning identified by an address key, so a change of the rules is
 * visible there. */
#define CR_ADDR_KEY_RULES 2

/* Normalises the UTF-8 address s: NFKC (full-width to half-width), upper-case Latin letters, drops
 * spaces and punctuation (keeping '-'), strips 中国/广东(省)/广州(市) and the longest matching
 * district (with or without 区) and street (with 街道 or 镇) names of ref, turns Chinese
 * numerals into digits (一百零五 → 105, everywhere alike: 五山路 → 5山路), unifies 号楼/栋/座/幢,
 * 楼/层/F, 号/# and 之 (→ '-') after a number, drops a final room suffix 室/房/单元 and a floor
 * the room number repeats (12楼1201 → 1201). A named street also fixes the district. The rules
 * and their version are in docs/collect.md; a change of them changes stored keys. ref may be NULL
 * (no division matching). Returns CR_EENCODING for invalid UTF-8, CR_EINVAL for an address that is
 * empty after normalisation or too long for key. */
cr_err cr_addr_normalize(const cr_ref *ref, const char *s, size_t len,
                         struct cr_addr *out) CR_MUST_USE;

/* Gives the key of a, normalised from text that names no district, the district the caller knows
 * from elsewhere (the registry row's own district code): "|天河路100号" becomes
 * "440106|天河路100号", the key of the same address written with 天河区. Does nothing when a
 * already has a district (the text's own district wins) or district is not a 6-digit code (NULL
 * included). Returns CR_EINVAL, a unchanged, when the key would grow too long. */
cr_err cr_addr_default_district(struct cr_addr *a, const char *district) CR_MUST_USE;

#endif
