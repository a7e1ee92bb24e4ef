/* Scoring with a tree model (method: xgboost): its attribute features come from the store. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crisk/booster.h"

cr_err cli_classify_any(cr_store *s, const cr_model *m, const struct cr_city *city, int32_t as_of,
                        int threads, struct cr_scores *out, cr_diag *d)
{
    if (m->method != CR_METHOD_XGBOOST)
        return cr_classify(m, city, as_of, threads, out, d);
    char **attrs = NULL;
    cr_err rc = cli_tree_attrs(s, m, city, &attrs, d);
    if (!rc)
        rc = cr_xgb_classify(m, city, as_of, (const char *const *)attrs, threads, out, d);
    cli_tree_attrs_free(attrs, city->n);
    return rc;
}

cr_err cli_tree_attrs(cr_store *s, const cr_model *m, const struct cr_city *city, char ***out,
                      cr_diag *d)
{
    *out = NULL;
    int any = 0;
    for (size_t j = 0; j < m->n_features; j++)
        any |= strncmp(m->features[j], "attr:", 5) == 0;
    if (!any)
        return CR_OK;
    char **a = calloc(city->n + 1, sizeof *a);
    if (!a)
        return cr_diag_set(d, CR_ENOMEM, NULL, 0, 0, "out of memory");
    cr_err rc = cr_store_enterprise_attrs(s, city->subject, city->n, a);
    if (rc) {
        free(a);
        return cli_store_fail(d, rc, s, "cannot read the registry attributes");
    }
    *out = a;
    return CR_OK;
}

void cli_tree_attrs_free(char **attrs, size_t n)
{
    for (size_t i = 0; attrs && i < n; i++)
        free(attrs[i]);
    free(attrs);
}
