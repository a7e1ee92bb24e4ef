/* Events the workflow writes itself (a closed task's outcome, an inspection's result): appended
 * to built-in topics of the department "crisk" as event blocks, so the next classification
 * reads them like any collected event (docs/respond.md "Feedback"). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "crisk/hash.h"
#include "internal.h"

#define CRISK_DEPARTMENT "crisk"
#define CRISK_DEPARTMENT_NAME "crisk 工作流"

/* The built-in topic's id: created on first use; an existing topic of that code must be the
 * department crisk's with this kind (a catalog's topic of the same code is not ours to feed). */
static cr_err builtin_topic(cr_store *s, const char *code, const char *name, const char *kind,
                            int64_t *id)
{
    char k[64], dept[64];
    int found = 0, has_rows = 0;
    cr_err rc = cr_store_topic_identity(s, code, k, sizeof k, dept, sizeof dept, &found, &has_rows);
    if (rc)
        return rc;
    if (found && (strcmp(dept, CRISK_DEPARTMENT) != 0 || strcmp(k, kind) != 0)) {
        snprintf(s->err, sizeof s->err,
                 "topic %s exists as department %s's of kind %s, not crisk's of kind %s", code,
                 dept, k, kind);
        return CR_EINVAL;
    }
    if ((rc = cr_store_department_put(s, CRISK_DEPARTMENT, CRISK_DEPARTMENT_NAME)))
        return rc;
    return cr_store_topic_put(s, code, name, CRISK_DEPARTMENT, kind, id);
}

static cr_err subjects_exist(cr_store *s, const struct cr_event_new *ev, size_t n)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(cr__store_db(s), "SELECT 1 FROM subject WHERE id = ?1", -1, &st, NULL))
        return cr__store_fail(s);
    cr_err err = CR_OK;
    for (size_t i = 0; i < n && !err; i++) {
        sqlite3_bind_int64(st, 1, ev[i].subject);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            snprintf(s->err, sizeof s->err, "no subject %lld in the store",
                     (long long)ev[i].subject);
            err = CR_EINVAL;
        } else if (rc != SQLITE_ROW)
            err = cr__store_fail(s);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return err;
}

static cr_err append(cr_store *s, const char *topic_code, const char *topic_name, const char *kind,
                     const struct cr_event_new *ev, size_t n)
{
    int64_t topic;
    cr_err rc = builtin_topic(s, topic_code, topic_name, kind, &topic);
    if (!rc)
        rc = subjects_exist(s, ev, n);
    for (size_t i = 0; i < n && !rc; i++) {
        struct cr_event_row r = {0};
        r.subject = ev[i].subject;
        r.topic = topic;
        r.day = ev[i].day;
        r.has_amount = ev[i].amount_fen != INT64_MIN;
        r.amount_fen = r.has_amount ? ev[i].amount_fen : 0;
        r.attrs = ev[i].attrs_json;
        r.attrs_len = ev[i].attrs_json ? strlen(ev[i].attrs_json) : 0;
        /* the row's content hash, as ingest keeps one per row: nothing dedupes these events
         * (each append is a new fact), so an unkeyed hash of the content serves */
        uint64_t h = cr_hash64(&r.subject, sizeof r.subject, (uint64_t)topic);
        h = cr_hash64(&r.day, sizeof r.day, h);
        h = cr_hash64(&r.amount_fen, sizeof r.amount_fen, h);
        r.h = (int64_t)cr_hash64(r.attrs ? r.attrs : "", r.attrs_len, h);
        rc = cr_store_events_add(s, &r, 1);
    }
    /* blocks written and postings brought up to date now, and the generation raised, so the
     * column cache (stamped with the generation) is rebuilt by the next classify */
    if (!rc)
        rc = cr__events_postings(s);
    if (!rc)
        rc = cr_store_bump_generation(s);
    return rc;
}

cr_err cr_store_events_append(cr_store *s, const char *topic_code, const char *topic_name,
                              const char *kind, const struct cr_event_new *ev, size_t n)
{
    if (!topic_code || !kind || (n && !ev))
        return CR_EINVAL;
    if (s->in_tx)
        return append(s, topic_code, topic_name ? topic_name : topic_code, kind, ev, n);
    cr_err rc = cr_store_begin(s);
    if (rc)
        return rc;
    rc = append(s, topic_code, topic_name ? topic_name : topic_code, kind, ev, n);
    if (!rc)
        rc = cr_store_commit(s);
    if (rc)
        cr_store_rollback(s);
    return rc;
}
