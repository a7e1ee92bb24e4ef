/* The label files of the synthetic city for crisk learn (docs/learn.md "Label files"):
 * DIR/labels/violation-12m.yaml, a violation (penalty, abnormal-list or serious-violation
 * listing) within the 12 months after the as-of date. The city's events cover the years
 * start_year .. start_year + years - 1, so crisk learn's default as-of date (the last event
 * day minus the window) leaves a full year of outcomes after it, and one before it to train on
 * out of time. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

cr_err cr__gen_labels(gen *g)
{
    char path[700];
    snprintf(path, sizeof path, "%s/labels", g->o->out_dir);
    if (mkdir(path, 0777) && errno != EEXIST)
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot create folder: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/labels/violation-12m.yaml", g->o->out_dir);
    FILE *fp = fopen(path, "w");
    if (!fp)
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    fputs("# The synthetic city's label for crisk learn (docs/learn.md): a violation within\n"
          "# the 12 months after the as-of date, as the city's feeds record it (penalties,\n"
          "# abnormal-operation listings, serious-violation listings). Written by crisk gen.\n"
          "label: violation-12m\n"
          "events: {kinds: [penalty, abnormal_list, serious_violation], within_days: 365}\n",
          fp);
    if (fclose(fp))
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    return CR_OK;
}
