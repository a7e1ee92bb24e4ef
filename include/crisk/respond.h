/* The respond stage (docs/respond.md): the supervision roster, tasks routed from warnings to the
 * grid, street or district that owns a firm, their lifecycle, deadlines in working days and
 * escalation. Layer respond: uses base and store. */
#ifndef CRISK_RESPOND_H
#define CRISK_RESPOND_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/calendar.h"
#include "crisk/err.h"
#include "crisk/store.h"

/* ---- roster ---- */

/* A roster read from a file: rows own their strings (freed by cr_roster_free). */
struct cr_roster {
    struct cr_staff *row;
    size_t n;
    char *text; /* the strings the rows point into */
};

/* Reads a roster CSV (UTF-8, header id,name,role,division,qualifications; docs/respond.md).
 * Every bad row (wrong field count, empty or non-ASCII or duplicate id, empty name, invalid
 * UTF-8, unknown role, a division that is not the role's digits: city/district 6, station and
 * inspector 9, grid 12, qualifications on a non-inspector) is reported through on_error (may be
 * NULL) with file and line, and the call then returns CR_EPARSE with the first one in d and
 * nothing in out. CR_EIO when unreadable. */
cr_err cr_roster_read(const char *path, struct cr_roster *out,
                      void (*on_error)(void *ctx, const cr_diag *d), void *ctx,
                      cr_diag *d) CR_MUST_USE;
void cr_roster_free(struct cr_roster *r);

/* The level of a division code by its length: 1 district (6 digits; 440100 is the city, level
 * 0), 2 street (9), 3 grid (12); -1 otherwise. */
int cr_division_level(const char *code);

#endif
