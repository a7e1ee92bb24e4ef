/* Recording a classification run: the model's ids and text and the scores handed to the store
 * as the plain data it takes (store.h, struct cr_run_rec); the store knows no model. */
#include <stdlib.h>

#include "crisk/progress.h"
#include "internal.h"

cr_err cr_city_run_save(cr_store *s, const cr_model *m, int32_t as_of, const struct cr_city *c,
                        const struct cr_scores *sc, int64_t *run_id, int64_t *n_changes)
{
    const char **ind = malloc((m->n_indicators + 1) * sizeof *ind);
    const char **veto = malloc((m->n_vetoes + 1) * sizeof *veto);
    if (!ind || !veto) {
        free(ind);
        free(veto);
        return CR_ENOMEM;
    }
    size_t k = 0;
    for (size_t a = 0; a < m->n_aspects; a++)
        for (size_t g = 0; g < m->aspects[a].n_categories; g++) {
            const struct cr_category *cat = &m->aspects[a].categories[g];
            for (size_t i = 0; i < cat->n_indicators && k < m->n_indicators; i++)
                ind[k++] = cat->indicators[i].id;
        }
    for (size_t v = 0; v < m->n_vetoes; v++)
        veto[v] = m->vetoes[v].id;
    /* a tree model's top contributions index its features (src/learn/xgb.c) */
    int trees = m->method == CR_METHOD_XGBOOST;
    struct cr_run_rec r = {
        .model_id = m->id,
        .model_hash = m->hash,
        .model_version = m->version,
        .model_text = m->text,
        .model_text_len = m->text_len,
        .indicator_ids = trees ? (const char *const *)m->features : ind,
        .n_indicators = trees ? m->n_features : k,
        .veto_ids = veto,
        .n_vetoes = m->n_vetoes,
        .as_of = as_of,
        .n = c->n,
        .n_events = c->n_events,
        .seconds = sc->seconds,
        .subject = c->subject,
        .score = sc->score,
        .level = sc->level,
        .veto = sc->veto,
        .n_aspects = sc->n_aspects,
        .aspects = sc->aspects,
        .n_top = CR_TOP,
        .top_stride = sizeof *sc->top,
        .top_indicator = sc->top ? &sc->top[0].indicator : NULL,
        .top_points = sc->top ? &sc->top[0].points : NULL,
        .top_share = sc->top ? &sc->top[0].share : NULL,
    };
    for (int l = 0; l < 4; l++)
        r.levels[l] = sc->levels[l];
    cr_progress("run_save", 0);
    cr_err err = cr_store_run_save(s, &r, run_id, n_changes);
    if (!err)
        cr_progress("run_save", 1);
    free(ind);
    free(veto);
    return err;
}
