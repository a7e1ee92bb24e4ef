/* crisk tag: the theme library, by rules. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "crisk/model.h"
#include "crisk/store.h"
#include "crisk/tags.h"

static const char help[] =
    "usage: crisk tag [--db FILE] [--rules FILE] [--run N] [--json]\n"
    "\n"
    "Evaluates the tag rules (default models/tags.yaml: 食品生产企业, 直销企业, 高新技术企业,\n"
    "包容审慎监管企业, 风险预警企业, …) for every enterprise as of a classification run (default:\n"
    "the latest), stores the tags with the run and prints how many enterprises carry each.\n";

int cmd_tag(int argc, char **argv)
{
    const char *db = NULL, *rules = NULL, *run_s = NULL, *json = NULL;
    const struct cli_opt opts[] = {
        {"db", 1, &db}, {"rules", 1, &rules}, {"run", 1, &run_s}, {"json", 0, &json}};
    size_t n_pos;
    int prc = cli_parse("tag", argc, argv, opts, 4, NULL, 0, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    long long run_arg = 0; /* 0: the latest */
    if ((prc = cli_int_opt("tag", "run", run_s, 1, LLONG_MAX, &run_arg)))
        return prc;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_tagset *t = NULL;
    cr_model *m = NULL;
    cr_store *s = NULL;
    struct cr_city city = {0};
    char *levels = NULL;
    uint64_t *bits = NULL;
    int exit_code = CLI_OK;
    int64_t run = run_arg;
    int32_t as_of = 0;
    cr_err rc = cr_tags_load(rules ? rules : CRISK_TAGS_DEFAULT, &t, &d);
    if (!rc)
        rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "tag", &d);
    if (!rc && !run && (rc = cr_store_run_latest(s, &run)))
        cli_store_fail(&d, rc, s,
                       rc == CR_ENOTFOUND
                           ? "tags are kept per classification run: run crisk classify first"
                           : "cannot find the latest run");
    /* The city as the run saw it: with the run's own model (its event flags). A run recorded
     * before stores kept models falls back to the default, whose flags tags never read. */
    if (!rc && (rc = cli_run_model(s, run, NULL, &m, &d)) == CR_ENOTFOUND)
        rc = cr_model_load(cli_default_model(), &m, &d);
    if (!rc)
        rc = cr_city_load(s, m, &city, &d);
    if (!rc) {
        levels = calloc(city.n + 1, 1);
        bits = calloc(city.n + 1, sizeof *bits);
        if (!levels || !bits)
            rc = CR_ENOMEM;
    }
    if (!rc &&
        (rc = cr_store_run_levels(s, run, city.subject, city.n, &as_of, levels)) == CR_ENOTFOUND)
        cr_diag_set(&d, rc, NULL, 0, 0, "run %lld does not exist", (long long)run);
    else if (rc && !d.msg[0])
        cli_store_fail(&d, rc, s, "cannot read the run's levels");
    if (!rc) {
        cr_tags_apply(t, &city, levels, as_of, bits);
        const char *ids[CR_MAX_TAGS], *names[CR_MAX_TAGS];
        for (size_t r = 0; r < t->n; r++)
            ids[r] = t->rules[r].id, names[r] = t->rules[r].name;
        if (cr_store_tags_save(s, run, city.subject, city.n, ids, names, t->n, bits))
            rc = cli_store_fail(&d, CR_ESTORE, s, "cannot store the tags");
    }
    if (rc) {
        exit_code = cli_report_diag("tag", rc, &d);
        goto out;
    }
    json_t *counts = json_object();
    for (size_t r = 0; r < t->n; r++) {
        int64_t n = 0;
        for (size_t e = 0; e < city.n; e++)
            n += bits[e] >> r & 1;
        json_object_set_new(
            counts, t->rules[r].id,
            json_pack("{s:s,s:I}", "name", t->rules[r].name, "count", (json_int_t)n));
        if (!json)
            printf("  %-22s %-12s %lld\n", t->rules[r].id, t->rules[r].name, (long long)n);
    }
    if (json)
        exit_code =
            cli_json_print(json_pack("{s:I,s:s,s:I,s:o}", "run", (json_int_t)run, "rules_hash",
                                     t->hash, "enterprises", (json_int_t)city.n, "tags", counts));
    else
        json_decref(counts);
out:
    free(levels);
    free(bits);
    cr_city_free(&city);
    cr_store_close(s);
    cr_model_free(m);
    cr_tags_free(t);
    return exit_code;
}
