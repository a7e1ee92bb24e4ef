/* crisk monitor: run the detectors (docs/monitor.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crisk/addr.h"
#include "crisk/model.h"
#include "crisk/monitor.h"
#include "crisk/store.h"
#include "crisk/text.h"

static const char monitor_help[] =
    "usage: crisk monitor [--db FILE] [--rules FILE] [--as-of YYYY-MM-DD] [--json]\n"
    "\n"
    "Runs the detectors of the rules file (default models/monitor.yaml, or $CRISK_MONITOR_RULES)\n"
    "over the store as of the date (default: the latest event date): address_cluster (一址多照),\n"
    "person_cluster (一人多企, shell rings), level_jump, zombie, unreachable, legal_rep_churn,\n"
    "capital_mismatch. Each finding is a warning with evidence; a warning found again keeps its\n"
    "id (updated when its evidence changed), one no longer found is closed. Prints the run's\n"
    "counts; --json, one object:\n"
    "  run          the monitor_run id\n"
    "  as_of        the as-of date (YYYY-MM-DD)\n"
    "  rules        {id, version} of the rules file\n"
    "  warnings     {total, by_detector:{detector: n}}: warnings open after the run\n"
    "  new, updated, reopened, closed   this run's changes\n"
    "  seconds      the run's wall time\n"
    "  skipped      {detector: reason} for enabled detectors that did not run (their warnings are\n"
    "               left as they were), {} when all ran\n"
    "  timings      {load, detect, write} in seconds\n"
    "An --as-of earlier than a previous monitor run's, or after today, is refused (exit 3).\n";

static const char *default_rules(void)
{
    const char *e = getenv("CRISK_MONITOR_RULES");
    return e && *e ? e : CRISK_MONITOR_DEFAULT;
}

/* The run as one JSON object (the fields --help lists). */
static int print_json(const struct cr_monitor_rules *r, int32_t as_of,
                      const struct cr_monitor_result *rs)
{
    json_t *bd = json_object();
    for (int k = 0; k < CR_DET__N; k++)
        json_object_set_new(bd, cr_detector_name((enum cr_detector)k),
                            json_integer((json_int_t)rs->by_detector[k]));
    char day[11];
    cr_day_format(as_of, day);
    json_t *o = json_pack("{s:I,s:s,s:{s:s,s:i},s:{s:I,s:o},s:I,s:I,s:I,s:I,s:f}", "run",
                          (json_int_t)rs->run, "as_of", day, "rules", "id", r->id, "version",
                          r->version, "warnings", "total", (json_int_t)rs->open, "by_detector", bd,
                          "new", (json_int_t)rs->n_new, "updated", (json_int_t)rs->n_updated,
                          "reopened", (json_int_t)rs->n_reopened, "closed",
                          (json_int_t)rs->n_closed, "seconds", rs->seconds);
    if (!o) {
        fprintf(stderr, "crisk monitor: out of memory\n");
        return CLI_FAIL;
    }
    json_t *sk = json_object();
    for (int k = 0; k < CR_DET__N; k++)
        if (rs->skipped[k][0])
            json_object_set_new(sk, cr_detector_name((enum cr_detector)k),
                                json_string(rs->skipped[k]));
    json_object_set_new(o, "skipped", sk);
    json_object_set_new(o, "address_key_rules",
                        json_pack("{s:o,s:i}", "store",
                                  rs->key_rules ? json_integer(rs->key_rules) : json_null(),
                                  "crisk", CR_ADDR_KEY_RULES));
    json_object_set_new(o, "timings",
                        json_pack("{s:f,s:f,s:f}", "load", rs->t_load, "detect", rs->t_detect,
                                  "write", rs->t_write));
    return cli_json_print(o);
}

/* The run as text: one line, then one per detector. */
static void print_text(const struct cr_monitor_rules *r, int32_t as_of,
                       const struct cr_monitor_result *rs)
{
    char day[11];
    cr_day_format(as_of, day);
    printf("monitor run %lld: rules %s v%d as of %s; %zu open warnings (%zu new, %zu updated, "
           "%zu reopened, %zu closed) in %.2f s\n",
           (long long)rs->run, r->id, r->version, day, rs->open, rs->n_new, rs->n_updated,
           rs->n_reopened, rs->n_closed, rs->seconds);
    for (int k = 0; k < CR_DET__N; k++) {
        if (rs->skipped[k][0])
            printf("  %-17s %zu (skipped: %s; its warnings left as they were)\n",
                   cr_detector_name((enum cr_detector)k), rs->by_detector[k], rs->skipped[k]);
        else
            printf("  %-17s %zu%s\n", cr_detector_name((enum cr_detector)k), rs->by_detector[k],
                   r->enabled[k] ? "" : " (disabled)");
    }
}

/* The city is loaded with the event flags of the latest classification's model, so that the
 * column cache classify built is the one mapped here (docs/monitor.md); the default model when
 * there is no run. */
static cr_err pick_model(cr_store *s, cr_model **m, cr_diag *d)
{
    cr_err rc = CR_OK;
    int64_t run = 0;
    cr_err lr = cr_store_run_latest(s, &run);
    if (lr == CR_OK && cli_run_model(s, run, NULL, m, d) == CR_OK)
        ;
    else if (lr == CR_OK || lr == CR_ENOTFOUND)
        rc = cr_model_load(cli_default_model(), m, d);
    else
        rc = cli_store_fail(d, lr, s, "cannot read the latest run");
    return rc;
}

int cmd_monitor(int argc, char **argv)
{
    const char *db = NULL, *rules = NULL, *as_of_s = NULL, *json = NULL;
    const struct cli_opt opts[] = {
        {"db", 1, &db}, {"rules", 1, &rules}, {"as-of", 1, &as_of_s}, {"json", 0, &json}};
    size_t n_pos;
    int prc = cli_parse("monitor", argc, argv, opts, 4, NULL, 0, &n_pos, monitor_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    const char *env = getenv("CRISK_MONITOR_RULES");
    if (!rules && env && !*env) { /* as cli_parse refuses an empty $CRISK_DB */
        fprintf(stderr,
                "crisk monitor: $CRISK_MONITOR_RULES is set but empty: give --rules FILE or unset "
                "it\n");
        return CLI_USAGE;
    }
    int32_t as_of = 0;
    cr_err drc = as_of_s ? cr_date_parse(as_of_s, strlen(as_of_s), &as_of) : CR_OK;
    if (drc) {
        fprintf(stderr, "crisk monitor: --as-of needs a date (YYYY-MM-DD), not '%s'\n", as_of_s);
        return CLI_USAGE;
    }
    cr_diag d = {{0}, {0}, 0, 0};
    struct cr_monitor_rules *r = NULL;
    cr_store *s = NULL;
    cr_model *m = NULL;
    struct cr_monitor_result res;
    cr_err rc = cr_monitor_rules_load(rules ? rules : default_rules(), &r, &d);
    if (rc) /* a rules file that cannot be read or is wrong is bad input */
        return cli_report_diag("monitor", rc == CR_ENOMEM ? rc : CR_EPARSE, &d);
    rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "monitor", &d);
    if (!rc && !as_of_s) {
        int64_t last = 0;
        if (cr_store_events_last_day(s, &last))
            rc = cli_store_fail(&d, CR_ESTORE, s, "cannot read the latest event date");
        else if (!last)
            rc = cr_diag_set(&d, CR_ENOTFOUND, NULL, 0, 0,
                             "the store has no events: ingest first, or give --as-of");
        as_of = (int32_t)last;
    }
    if (!rc)
        rc = pick_model(s, &m, &d);
    if (!rc)
        rc = cr_monitor_run(s, r, m, as_of, &res, &d);
    int exit_code = CLI_OK;
    if (!rc && res.key_rules != CR_ADDR_KEY_RULES) {
        char v[16] = "unknown";
        if (res.key_rules)
            snprintf(v, sizeof v, "%d", res.key_rules);
        fprintf(stderr,
                "crisk monitor: warning: the store's address keys were made by key rules version "
                "%s, this crisk's are version %d: address clusters and shell rings may split one "
                "address in two; ingest the registry into a fresh store (docs/collect.md "
                "\"Address keys\")\n",
                v, CR_ADDR_KEY_RULES);
    }
    if (rc) {
        exit_code = cli_report_diag("monitor", rc, &d);
    } else if (json) {
        exit_code = print_json(r, as_of, &res);
    } else {
        print_text(r, as_of, &res);
    }
    cr_model_free(m);
    cr_store_close(s);
    cr_monitor_rules_free(r);
    return exit_code;
}
