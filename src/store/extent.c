/* Small typed reads of the store's extent for the stages above it: the largest role row, the
 * latest event day, the quarantine's totals. Callers above the store never write SQL. */
#include "internal.h"

cr_err cr_store_role_top(cr_store *s, int64_t *top)
{
    return cr_store_scalar(s, "SELECT coalesce(max(rowid), 0) FROM role", top);
}

cr_err cr_store_events_last_day(cr_store *s, int64_t *day)
{
    /* The workflow's own events (department crisk, cr_store_events_append) carry the day a
     * user gave; they never move the default as-of of the whole city. */
    /* Read backwards along event_block_by_day (a store without the index: a scan). */
    return cr_store_scalar(s,
                           "SELECT coalesce((SELECT day_max FROM event_block WHERE topic NOT IN"
                           " (SELECT id FROM topic WHERE department = 'crisk')"
                           " ORDER BY day_max DESC LIMIT 1), 0)",
                           day);
}

cr_err cr_store_quarantine_totals(cr_store *s, int64_t *open, int64_t *resolved)
{
    if (cr_store_scalar(s, "SELECT count(*) FROM quarantine WHERE state='open'", open))
        return CR_ESTORE;
    return cr_store_scalar(s, "SELECT count(*) FROM quarantine WHERE state='resolved'", resolved);
}
