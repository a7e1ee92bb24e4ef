/* Shared by the push writers (push.c, push_xlsx.c, push_geo.c): the columns of a warning list. */
#ifndef CRISK_RESPOND_PUSH_INTERNAL_H
#define CRISK_RESPOND_PUSH_INTERNAL_H

#include "crisk/push.h"

/* The columns of the XLSX sheets and the CSV (docs/push.md), in order. */
enum {
    PUSH_COL_ID,
    PUSH_COL_TYPE,
    PUSH_COL_USCC,
    PUSH_COL_NAME,
    PUSH_COL_ADDRESS,
    PUSH_COL_DISTRICT,
    PUSH_COL_STREET,
    PUSH_COL_GRID,
    PUSH_COL_STATUS,
    PUSH_COL_OPENED,
    PUSH_COL_SUMMARY,
    PUSH_COL_EVIDENCE,
    PUSH_COL_DISTRICT_CODE,
    PUSH_COL_STREET_CODE,
    PUSH_COL_GRID_CODE,
    PUSH_NCOL
};

struct push_col {
    const char *header; /* Chinese, as the user reads it */
    double width;       /* XLSX column width, in characters */
};
extern const struct push_col cr__push_cols[PUSH_NCOL];

/* One row's cells as text; v[] points into r, ref's names or the buffers here. */
struct push_cells {
    const char *v[PUSH_NCOL];
    char id[24], day[11];
};
void cr__push_cells(const struct cr_warning_row *r, const cr_ref *ref, struct push_cells *c);

/* The detectors with a Chinese label, in sheet order. */
struct push_detector {
    const char *id, *label;
};
extern const struct push_detector cr__push_detectors[];
extern const size_t cr__push_n_detectors;

#endif
