/* Scoring with a tree model (method: xgboost): its attribute features come from the store.
 * The library's cr_learn_classify is the one path (crisk learn scores its champion with it). */
#include "cli.h"
#include "crisk/booster.h"

cr_err cli_classify_any(cr_store *s, const cr_model *m, const struct cr_city *city, int32_t as_of,
                        int threads, struct cr_scores *out, cr_diag *d)
{
    return cr_learn_classify(s, m, city, as_of, threads, out, d);
}

cr_err cli_tree_attrs(cr_store *s, const cr_model *m, const struct cr_city *city, char ***out,
                      cr_diag *d)
{
    return cr_learn_tree_attrs(s, m, city, out, d);
}

void cli_tree_attrs_free(char **attrs, size_t n)
{
    cr_learn_attrs_free(attrs, n);
}
