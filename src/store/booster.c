/* Registry attributes as features of a tree model (src/learn/xgb.c). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

cr_err cr_store_enterprise_attrs(cr_store *s, const int64_t *subjects, size_t n, char **attrs)
{
    for (size_t i = 0; i < n; i++)
        attrs[i] = NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cr__store_db(s),
                           "SELECT subject, attrs FROM enterprise WHERE attrs IS NOT NULL "
                           "ORDER BY subject",
                           -1, &st, NULL))
        return CR_ESTORE;
    cr_err rc = CR_OK;
    size_t i = 0;
    int r = SQLITE_DONE;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t subject = sqlite3_column_int64(st, 0);
        while (i < n && subjects[i] < subject)
            i++;
        if (i == n)
            break;
        if (subjects[i] != subject)
            continue;
        const char *a = (const char *)sqlite3_column_text(st, 1);
        if (a && !(attrs[i] = strdup(a)))
            rc = CR_ENOMEM;
    }
    if (!rc && r != SQLITE_ROW && r != SQLITE_DONE)
        rc = CR_ESTORE;
    sqlite3_finalize(st);
    if (rc)
        for (size_t k = 0; k < n; k++) {
            free(attrs[k]);
            attrs[k] = NULL;
        }
    return rc;
}
