/* crisk model: check a model file and print its tree. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "crisk/model.h"

static const char help[] =
    "usage: crisk model [--model FILE] [--json]\n"
    "\n"
    "Checks an indicator model (default: models/gz-2021.yaml of the build) and prints its\n"
    "aspects, categories and indicators. A wrong model gets an error with file, line, field.\n";

const char *cli_default_model(void)
{
    const char *e = getenv("CRISK_MODEL");
    return e && *e ? e : CRISK_MODEL_DEFAULT;
}

static json_t *indicator_json(const struct cr_indicator *ind)
{
    static const char *const inputs[] = {"events", "registry", "graph"};
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:f,s:i,s:f,s:s}", "id", ind->id, "name", ind->name,
                          "input", inputs[ind->input], "aggregation", cr_agg_name(ind->agg),
                          "weight", ind->weight, "window_days", ind->window_days, "missing",
                          ind->missing_points, "rationale", ind->rationale);
    json_t *kinds = json_array(), *src = json_array();
    for (size_t i = 0; i < ind->n_kinds; i++)
        json_array_append_new(kinds, json_string(ind->kinds[i]));
    for (size_t i = 0; i < ind->n_sources; i++)
        json_array_append_new(src, json_string(ind->sources[i]));
    json_object_set_new(o, "kinds", kinds);
    json_object_set_new(o, "sources", src);
    return o;
}

int cmd_model(int argc, char **argv)
{
    const char *model = NULL, *json = NULL;
    const struct cli_opt opts[] = {{"model", 1, &model}, {"json", 0, &json}};
    size_t n_pos;
    int prc = cli_parse("model", argc, argv, opts, 2, NULL, 0, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    cr_model *m = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_err rc = cr_model_load(model ? model : cli_default_model(), &m, &d);
    if (rc)
        return cli_report_diag("model", rc, &d);
    size_t n_cat = 0;
    json_t *aspects = json_array();
    for (size_t a = 0; a < m->n_aspects; a++) {
        const struct cr_aspect *as = &m->aspects[a];
        json_t *cats = json_array();
        for (size_t c = 0; c < as->n_categories; c++) {
            const struct cr_category *cat = &as->categories[c];
            json_t *inds = json_array();
            for (size_t i = 0; i < cat->n_indicators; i++)
                json_array_append_new(inds, indicator_json(&cat->indicators[i]));
            json_array_append_new(cats,
                                  json_pack("{s:s,s:s,s:f,s:o}", "id", cat->id, "name", cat->name,
                                            "weight", cat->weight, "indicators", inds));
            n_cat++;
        }
        json_array_append_new(aspects,
                              json_pack("{s:s,s:s,s:f,s:o}", "id", as->id, "name", as->name,
                                        "weight", as->weight, "categories", cats));
    }
    int exit_code = CLI_OK;
    if (json) {
        exit_code =
            cli_json_print(json_pack("{s:s,s:i,s:s,s:s,s:o}", "id", m->id, "version", m->version,
                                     "hash", m->hash, "name", m->name, "aspects", aspects));
    } else {
        printf("%s v%d (%s) %s: %zu aspects, %zu categories, %zu indicators, %zu vetoes\n", m->id,
               m->version, m->hash, m->name, m->n_aspects, n_cat, m->n_indicators, m->n_vetoes);
        for (size_t a = 0; a < m->n_aspects; a++) {
            const struct cr_aspect *as = &m->aspects[a];
            printf("  %s %s (%.2f)\n", as->id, as->name, as->weight);
            for (size_t c = 0; c < as->n_categories; c++)
                printf("    %-14s %s: %zu indicators\n", as->categories[c].id,
                       as->categories[c].name, as->categories[c].n_indicators);
        }
        json_decref(aspects);
    }
    cr_model_free(m);
    return exit_code;
}
