/* crisk model: check a model file and print its tree. */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crisk/model.h"

static const char help[] =
    "usage: crisk model [--model FILE] [--json]\n"
    "       crisk model promote FILE --by USER --note TEXT [--db FILE]\n"
    "       crisk model promotions [--db FILE] [--json]\n"
    "\n"
    "Checks an indicator model (default: models/gz-2021.yaml of the build) and prints its\n"
    "aspects, categories and indicators. A wrong model gets an error with file, line, field.\n";

const char *cli_default_model(void)
{
    const char *e = getenv("CRISK_MODEL");
    return e && *e ? e : CRISK_MODEL_DEFAULT;
}

static json_t *strings(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* Everything an indicator says, so that another engine (bench/duckdb) can compute it too. */
static json_t *indicator_json(const struct cr_indicator *ind)
{
    static const char *const inputs[] = {"events", "registry", "graph", "attr"};
    static const char *const fields[] = {"age_days", "capital", "industry", "type", "status"};
    static const char *const features[] = {"firms_at_address", "person_firms",
                                           "person_flagged_firms", "role_count"};
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:f,s:i,s:f,s:s}", "id", ind->id, "name", ind->name,
                          "input", inputs[ind->input], "aggregation", cr_agg_name(ind->agg),
                          "weight", ind->weight, "window_days", ind->window_days, "missing",
                          ind->missing_points, "rationale", ind->rationale);
    json_object_set_new(o, "kinds", strings(ind->kinds, ind->n_kinds));
    json_object_set_new(o, "over", strings(ind->den_kinds, ind->n_den_kinds));
    json_object_set_new(o, "sources", strings(ind->sources, ind->n_sources));
    if (ind->flag)
        json_object_set_new(o, "flag", json_string(ind->flag));
    if (ind->input == CR_IN_REGISTRY)
        json_object_set_new(o, "field", json_string(fields[ind->field]));
    if (ind->input == CR_IN_ATTR)
        json_object_set_new(o, "attr", json_string(ind->attr));
    if (ind->input == CR_IN_GRAPH)
        json_object_set_new(o, "feature", json_string(features[ind->feature]));
    if (ind->role)
        json_object_set_new(o, "role", json_string(ind->role));
    json_t *bins = json_array();
    for (size_t i = 0; i < ind->n_bins; i++)
        json_array_append_new(
            bins, json_pack("[f,f,f]", isinf(ind->bins[i].lo) ? -1e300 : ind->bins[i].lo,
                            isinf(ind->bins[i].hi) ? 1e300 : ind->bins[i].hi, ind->bins[i].points));
    json_object_set_new(o, "bins", bins);
    json_t *map = json_array();
    for (size_t i = 0; i < ind->n_map; i++)
        json_array_append_new(map, json_pack("[s,f]", ind->map[i].match, ind->map[i].points));
    json_object_set_new(o, "map", map);
    json_object_set_new(o, "map_default", json_real(ind->map_default));
    return o;
}

int cmd_model(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "promote") == 0)
        return cmd_model_promote(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "promotions") == 0)
        return cmd_model_promotions(argc - 1, argv + 1);
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
        json_t *levels = json_pack("{s:s,s:[f,f,f,f],s:[f,f,f,f]}", "method",
                                   m->level_method == CR_LEVELS_SHARE ? "share" : "score", "shares",
                                   m->level_share[0], m->level_share[1], m->level_share[2],
                                   m->level_share[3], "scores", m->level_score[0],
                                   m->level_score[1], m->level_score[2], m->level_score[3]);
        json_t *flags = json_array(), *vetoes = json_array();
        for (size_t i = 0; i < m->n_flags; i++)
            json_array_append_new(flags,
                                  json_pack("{s:s,s:o,s:s,s:o,s:b}", "id", m->flags[i].id, "kinds",
                                            strings(m->flags[i].kinds, m->flags[i].n_kinds), "attr",
                                            m->flags[i].attr, "values",
                                            strings(m->flags[i].values, m->flags[i].n_values),
                                            "negate", m->flags[i].negate));
        for (size_t i = 0; i < m->n_vetoes; i++)
            json_array_append_new(
                vetoes, json_pack("{s:s,s:o,s:i,s:i,s:s#}", "id", m->vetoes[i].id, "kinds",
                                  strings(m->vetoes[i].kinds, m->vetoes[i].n_kinds), "window_days",
                                  m->vetoes[i].window_days, "min_count", m->vetoes[i].min_count,
                                  "level", &m->vetoes[i].level, (size_t)1));
        json_t *o = json_pack("{s:s,s:i,s:s,s:s,s:o,s:o,s:o,s:o}", "id", m->id, "version",
                              m->version, "hash", m->hash, "name", m->name, "levels", levels,
                              "flags", flags, "vetoes", vetoes, "aspects", aspects);
        if (o && m->method != CR_METHOD_EXPERT)
            json_object_set_new(
                o, "method", json_string(m->method == CR_METHOD_XGBOOST ? "xgboost" : "scorecard"));
        if (o && m->method == CR_METHOD_XGBOOST)
            json_object_set_new(o, "features", strings(m->features, m->n_features));
        exit_code = cli_json_print(o);
    } else {
        printf("%s v%d (%s) %s: %zu aspects, %zu categories, %zu indicators, %zu vetoes\n", m->id,
               m->version, m->hash, m->name, m->n_aspects, n_cat, m->n_indicators, m->n_vetoes);
        if (m->method == CR_METHOD_XGBOOST) /* the indicators below define its indicator features */
            printf("method xgboost: a booster over %zu features (%zu bytes of base64)\n",
                   m->n_features, strlen(m->booster));
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
