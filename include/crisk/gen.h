/* The synthetic city (DESIGN.md "Synthetic city"): a Guangzhou of N enterprises on the real
 * division codes and GB/T 4754-2017 classes, with a registry, persons and roles, and feeds of
 * 151 departments over more than 3,000 topics, some real-world dirt, a catalog describing every
 * feed, and the hidden truth in truth.csv. Same options, same bytes. */
#ifndef CRISK_GEN_H
#define CRISK_GEN_H

#include <stdint.h>

#include "crisk/err.h"
#include "crisk/ref.h"

struct cr_gen_opts {
    const char *out_dir; /* created when missing; existing feed files are overwritten */
    int64_t enterprises; /* > 0 */
    uint64_t seed;
    double dirt;    /* share of rows given one kind of dirt; default 0.02 */
    int start_year; /* first year of events (default 2023) */
    int years;      /* years of events (default 3); truth is for the year after */
};

struct cr_gen_report {
    int64_t enterprises, persons, roles, departments, topics, files;
    int64_t event_rows; /* rows written to event feeds, dirt included */
    int64_t dirty_rows; /* rows given dirt (duplicates, bad codes, truncation, ...) */
    int64_t bytes;
    double violation_rate; /* share of violation_next = 1 in the truth */
    double seconds;
};

/* Generates the city. Returns CR_EIO (with d naming the path) when a file cannot be written,
 * CR_EINVAL for bad options. */
cr_err cr_gen_city(const struct cr_gen_opts *opts, const cr_ref *ref, struct cr_gen_report *rep,
                   cr_diag *d) CR_MUST_USE;

#endif
