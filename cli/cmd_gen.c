/* crisk gen: write a synthetic city. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "crisk/gen.h"
#include "crisk/ref.h"

static const char help[] =
    "usage: crisk gen --out DIR [--enterprises N] [--seed S] [--dirt SHARE] [--start-year Y]\n"
    "                 [--years N] [--json] [--data DIR]\n"
    "\n"
    "Writes a synthetic Guangzhou: DIR/feeds (151 departments, 3,000+ topics), DIR/catalog.yaml\n"
    "describing every feed, and DIR/truth.csv with the hidden truth (never ingest it).\n"
    "Same options, same bytes.\n"
    "\n"
    "  --enterprises N  number of enterprises (default 10000; the full city is 1600000)\n"
    "  --seed S         random seed (default 1)\n"
    "  --dirt SHARE     share of rows given real-world dirt (default 0.02)\n"
    "  --start-year Y   first year of events (default 2023)\n"
    "  --years N        years of events (default 3)\n";

int cmd_gen(int argc, char **argv)
{
    const char *out = NULL, *n = NULL, *seed = NULL, *dirt = NULL, *json = NULL, *data = NULL,
               *start = NULL, *years = NULL;
    const struct cli_opt opts[] = {{"out", 1, &out},          {"enterprises", 1, &n},
                                   {"seed", 1, &seed},        {"dirt", 1, &dirt},
                                   {"json", 0, &json},        {"data", 1, &data},
                                   {"start-year", 1, &start}, {"years", 1, &years}};
    size_t n_pos;
    int prc = cli_parse("gen", argc, argv, opts, 8, NULL, 0, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (!out) {
        fprintf(stderr, "crisk gen: needs --out DIR\n");
        return CLI_USAGE;
    }
    long long ne = 10000, sd = 1, sy = 2023, ny = 3;
    double dt = 0.02;
    if ((prc = cli_int_opt("gen", "enterprises", n, 1, CLI_MAX_ENTERPRISES, &ne)) ||
        (prc = cli_int_opt("gen", "seed", seed, 0, LLONG_MAX, &sd)) ||
        (prc = cli_real_opt("gen", "dirt", dirt, 0, 1, &dt)) ||
        (prc = cli_int_opt("gen", "start-year", start, 1990, 2090, &sy)) ||
        (prc = cli_int_opt("gen", "years", years, 1, 10, &ny)))
        return prc;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_ref *ref = NULL;
    cr_err rc = cr_ref_load(data ? data : cr_ref_default_dir(), &ref, &d);
    struct cr_gen_opts o = {.out_dir = out,
                            .enterprises = ne,
                            .seed = (uint64_t)sd,
                            .dirt = dt,
                            .start_year = (int)sy,
                            .years = (int)ny};
    struct cr_gen_report rep;
    if (!rc) {
        cli_progress_start("gen");
        rc = cr_gen_city(&o, ref, &rep, &d);
        cli_progress_end();
    }
    cr_ref_free(ref);
    if (rc)
        return cli_report_diag("gen", rc, &d);
    if (json)
        return cli_json_print(json_pack(
            "{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f}", "out", out, "enterprises",
            (json_int_t)rep.enterprises, "persons", (json_int_t)rep.persons, "roles",
            (json_int_t)rep.roles, "departments", (json_int_t)rep.departments, "topics",
            (json_int_t)rep.topics, "files", (json_int_t)rep.files, "event_rows",
            (json_int_t)rep.event_rows, "dirty_rows", (json_int_t)rep.dirty_rows, "bytes",
            (json_int_t)rep.bytes, "violation_rate", rep.violation_rate, "seconds", rep.seconds));
    char a[32], b[32], c[32];
    cli_group(a, sizeof a, rep.enterprises);
    cli_group(b, sizeof b, rep.event_rows);
    cli_group(c, sizeof c, rep.bytes);
    printf("gen: %s enterprises, %lld departments, %lld topics, %lld files, %s event rows, "
           "%s bytes in %.1f s -> %s\n",
           a, (long long)rep.departments, (long long)rep.topics, (long long)rep.files, b, c,
           rep.seconds, out);
    return CLI_OK;
}
