/* crisk roster: load the supervision staff (docs/respond.md "Roster"). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "crisk/ref.h"
#include "crisk/respond.h"
#include "crisk/store.h"

static const char help[] =
    "usage: crisk roster --db DB --file roster.csv [--config FILE] [--json]\n"
    "\n"
    "Replaces the store's roster (table staff) by the file's rows: UTF-8 CSV with the header\n"
    "id,name,role,division,qualifications (roles city, district, station, inspector, grid;\n"
    "division the code where they work; id, name and qualifications at most roster_max_bytes\n"
    "of the policy file, --config, default models/respond.yaml). Every bad row is reported\n"
    "with its line and nothing is loaded (exit 3). Prints the count per role.\n";

static void on_error(void *ctx, const cr_diag *e)
{
    (void)ctx;
    char msg[1200];
    fprintf(stderr, "crisk roster: %s\n", cr_diag_format(e, msg, sizeof msg));
}

int cmd_roster(int argc, char **argv)
{
    const char *db = NULL, *file = NULL, *json = NULL, *config = NULL;
    const struct cli_opt opts[] = {
        {"db", 1, &db}, {"file", 1, &file}, {"json", 0, &json}, {"config", 1, &config}};
    size_t n_pos;
    int prc = cli_parse("roster", argc, argv, opts, 4, NULL, 0, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (!file) {
        fprintf(stderr, "crisk roster: --file roster.csv is required\n");
        return CLI_USAGE;
    }
    if ((prc = cli_respond_env_check("roster", config)))
        return prc;
    cr_diag d = {{0}, {0}, 0, 0};
    struct cr_roster r = {0};
    cr_store *s = NULL;
    cr_ref *ref = NULL;
    struct cr_respond_config cfg;
    cr_err rc = cli_respond_policy(config, &cfg, &d);
    if (!rc)
        rc = cr_ref_load(cr_ref_default_dir(), &ref, &d);
    if (rc) {
        cr_roster_free(&r);
        return cli_report_diag("roster", rc, &d);
    }
    rc = cr_roster_read(file, ref, &cfg, &r, on_error, NULL, &d);
    cr_ref_free(ref);
    if (rc == CR_EPARSE) {
        fprintf(stderr, "crisk roster: %s: bad rows, nothing loaded\n", file);
        return CLI_BADINPUT;
    }
    if (rc) { /* a roster file missing or unreadable is bad input (exit 3), as monitor --rules */
        int code = cli_report_diag("roster", rc, &d);
        return rc == CR_EIO || rc == CR_ENOTFOUND ? CLI_BADINPUT : code;
    }
    if (!rc)
        rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "roster", &d);
    if (!rc) {
        rc = cr_store_staff_replace(s, r.row, r.n);
        if (rc)
            cli_store_fail(&d, rc, s, "cannot store the roster");
    }
    int exit_code = CLI_OK;
    if (rc) {
        exit_code = cli_report_diag("roster", rc, &d);
        goto out;
    }
    static const char *const roles[] = {"city", "district", "station", "inspector", "grid"};
    json_t *by = json_object();
    for (size_t k = 0; k < 5; k++) {
        json_int_t c = 0;
        for (size_t i = 0; i < r.n; i++)
            c += strcmp(r.row[i].role, roles[k]) == 0;
        json_object_set_new(by, roles[k], json_integer(c));
        if (!json)
            printf("  %-10s %lld\n", roles[k], (long long)c);
    }
    if (json)
        exit_code = cli_json_print(json_pack("{s:I,s:o}", "staff", (json_int_t)r.n, "by_role", by));
    else {
        printf("  %-10s %zu\n", "staff", r.n);
        json_decref(by);
    }
out:
    cr_store_close(s);
    cr_roster_free(&r);
    return exit_code;
}
