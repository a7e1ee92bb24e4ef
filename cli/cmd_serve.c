/* crisk serve: the HTTP API (server/, docs/serve.md). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "crisk/respond.h"
#include "server.h"

static const char help[] =
    "usage: crisk serve [--db FILE] [--listen IPV4:PORT] [--config FILE] [--model FILE] "
    "[--routes]\n"
    "\n"
    "Serves the JSON API under /api/v1/ (docs/serve.md) on --listen (default 127.0.0.1:8080;\n"
    "port 0 takes a free port) until SIGINT or SIGTERM, and prints the address it listens on.\n"
    "Users come from 'crisk user add'. --config FILE holds the policy numbers (threads,\n"
    "timeouts, request size, session expiry, login limits; docs/serve.md lists them and their\n"
    "defaults). --model names the model shown before the first classification run. Task steps\n"
    "follow the respond policy ($CRISK_RESPOND or models/respond.yaml, as crisk task).\n"
    "--routes prints the route table (METHOD PATH) and exits.\n";

int cmd_serve(int argc, char **argv)
{
    const char *db = NULL, *listen = NULL, *config = NULL, *model = NULL, *routes = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db},
                                   {"listen", 1, &listen},
                                   {"config", 1, &config},
                                   {"model", 1, &model},
                                   {"routes", 0, &routes}};
    size_t n_pos;
    int prc = cli_parse("serve", argc, argv, opts, 5, NULL, 0, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (routes) {
        srv_routes_print();
        return CLI_OK;
    }
    /* The monitor jobs' rules (docs/serve.md "Jobs") and the respond policy of task steps
     * (note_max_bytes, roster_max_bytes.id): set but empty is a mistake said at the start, as
     * crisk monitor and crisk task say it, not the shipped file taken silently. */
    static const char *const files[][2] = {{"CRISK_MONITOR_RULES", "the monitor's rules file"},
                                           {"CRISK_RESPOND", "the respond policy file"}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const char *v = getenv(files[i][0]);
        if (v && !*v) {
            fprintf(stderr, "crisk serve: $%s is set but empty: set it to %s or unset it\n",
                    files[i][0], files[i][1]);
            return CLI_USAGE;
        }
    }
    struct cr_respond_config respond;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_err rc = cli_respond_policy(NULL, &respond, &d);
    if (rc) /* "crisk serve: the respond policy ($CRISK_RESPOND …): FILE:LINE: …" */
        return cli_report_diag("serve: the respond policy ($CRISK_RESPOND or models/respond.yaml)",
                               rc, &d);
    struct srv_options o = {.db = cli_db_path(db),
                            .listen = listen ? listen : "127.0.0.1:8080",
                            .config = config,
                            .model = model ? model : cli_default_model(),
                            .respond = &respond};
    return srv_run(&o);
}
