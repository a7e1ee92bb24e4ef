/* Reference data shipped in data/: Guangzhou's divisions (district → street/town → community,
 * used as grids), every county-level division of China, and the GB/T 4754-2017 industry
 * classification. See data/PROVENANCE.md. */
#ifndef CRISK_REF_H
#define CRISK_REF_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"

typedef enum cr_div_level { CR_DIV_DISTRICT = 1, CR_DIV_STREET = 2, CR_DIV_GRID = 3 } cr_div_level;

struct cr_division {
    char code[16];  /* 6 digits (district), 9 (street), 12 (community/grid) */
    char name[96];  /* UTF-8, as published */
    int level;      /* cr_div_level */
    int parent;     /* index into the same level's parent array, -1 for districts */
    uint32_t first; /* the name's first code point, to rule out most names at once */
};

struct cr_industry {
    char code[8]; /* "C", "13", "131", "1311" */
    char name[160];
    char section; /* 'A'..'T' */
    int level;    /* 1 section, 2 division, 3 group, 4 class */
};

typedef struct cr_ref cr_ref;

/* Loads divisions/guangzhou_{districts,streets,communities_2021}.csv, industry/gbt4754_2017.csv and
 * divisions/china_{provinces,cities,areas}.csv from data_dir and checks them: unique codes, each
 * street's code starts with its district's, each community's with its street's, each county's
 * with its city's, which is a known city of a known province. On error returns CR_EIO or CR_EPARSE
 * with the file and line in d. The result is freed with cr_ref_free(). Read-only afterwards, so
 * safe to share between threads.
 */
cr_err cr_ref_load(const char *data_dir, cr_ref **out, cr_diag *d) CR_MUST_USE;
void cr_ref_free(cr_ref *ref);

/* Adds a city's own streets (9 digits) and grids (12) from a CSV file with a header and rows
 * code,name,parent_code (a county, or a street of the same or an earlier file), as a catalog's
 * 'divisions' names them. Their counties then count as covered (cr_ref_division_covered).
 * CR_EIO / CR_EPARSE with the file and line in d; on error nothing of this file is added. Not
 * thread-safe: call before sharing ref. */
cr_err cr_ref_add_divisions(cr_ref *ref, const char *path, cr_diag *d) CR_MUST_USE;

/* Returns the directory of the shipped reference data: $CRISK_DATA if set, else the build's
 * configured default. Never NULL. */
const char *cr_ref_default_dir(void);

size_t cr_ref_count(const cr_ref *ref, cr_div_level level);
/* Returns the i-th division of a level (i < cr_ref_count), in file order. */
const struct cr_division *cr_ref_division(const cr_ref *ref, cr_div_level level, size_t i);
/* All divisions of a level, in file order; *n gets their count. */
const struct cr_division *cr_ref_divisions(const cr_ref *ref, cr_div_level level, size_t *n);
/* Finds a division by code at any level; NULL when unknown. A 6-digit code is looked up among
 * Guangzhou's districts, then among every county-level division of China (GB/T 2260; level
 * CR_DIV_DISTRICT, parent -1, first 0); a 9- or 12-digit one among Guangzhou's, then among those
 * added by cr_ref_add_divisions (parent -1, first 0). */
const struct cr_division *cr_ref_division_find(const cr_ref *ref, const char *code);
/* Returns 1 when the reference holds the streets and grids of the county whose code begins code
 * (Guangzhou's districts, and counties with streets from cr_ref_add_divisions): a finer code
 * there that find does not know is wrong, while one of another county cannot be checked. */
int cr_ref_division_covered(const cr_ref *ref, const char *code);

size_t cr_ref_industry_count(const cr_ref *ref);
const struct cr_industry *cr_ref_industry(const cr_ref *ref, size_t i);
/* Finds an industry by code ("C1311" and "1311" both find class 1311); NULL when unknown. */
const struct cr_industry *cr_ref_industry_find(const cr_ref *ref, const char *code);

#endif
