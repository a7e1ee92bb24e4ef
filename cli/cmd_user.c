/* crisk user: the users of crisk serve (docs/serve.md). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "crisk/ref.h"
#include "server.h"

static const char help[] =
    "usage: crisk user add [--db FILE] --name NAME --role ROLE [--scope CODE] [--config FILE]\n"
    "\n"
    "Adds a user of the HTTP API, reading the password from the first line of stdin (it is\n"
    "hashed with argon2id; the password itself is kept nowhere). Roles: city_admin,\n"
    "city_analyst, auditor (the whole city; no --scope), district (--scope: a 6-digit district\n"
    "code), street (9-digit street code), grid (12-digit grid code). A name already taken is\n"
    "bad input (exit 3), and so is a password of fewer than password_min_chars characters\n"
    "(default 8; --config: crisk serve's configuration file, docs/serve.md).\n";

int cmd_user(int argc, char **argv)
{
    const char *db = NULL, *name = NULL, *role = NULL, *scope = NULL, *config = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db},
                                   {"name", 1, &name},
                                   {"role", 1, &role},
                                   {"scope", 1, &scope},
                                   {"config", 1, &config}};
    const char *pos[1];
    size_t n_pos;
    int prc = cli_parse("user", argc, argv, opts, 5, pos, 1, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (n_pos != 1 || strcmp(pos[0], "add") != 0 || !name || !role) {
        fprintf(stderr, "crisk user: give 'add --name NAME --role ROLE' (see crisk user --help)\n");
        return CLI_USAGE;
    }
    struct srv_config cfg;
    cr_diag cd = {{0}, {0}, 0, 0};
    if (srv_config_load(config, &cfg, &cd)) {
        fprintf(stderr, "crisk user: %s:%ld: %s\n", cd.file, cd.line, cd.msg);
        return CLI_BADINPUT;
    }
    char pw[1024];
    if (!fgets(pw, sizeof pw, stdin)) {
        fprintf(stderr, "crisk user: no password on stdin\n");
        return CLI_BADINPUT;
    }
    size_t len = strcspn(pw, "\r\n");
    if (len == sizeof pw - 1) {
        fprintf(stderr, "crisk user: the password is longer than %zu bytes\n", sizeof pw - 2);
        sodium_memzero(pw, sizeof pw);
        return CLI_BADINPUT;
    }
    pw[len] = 0;
    struct cr_user_rec u;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_ref *ref = NULL;
    cr_err rc = cr_ref_load(cr_ref_default_dir(), &ref, &d);
    if (!rc)
        rc = srv_user_make(name, role, scope, pw, cfg.password_min_chars, ref, &u, &d);
    cr_ref_free(ref);
    sodium_memzero(pw, sizeof pw);
    if (rc) {
        fprintf(stderr, "crisk user: %s\n", d.msg);
        return rc == CR_EINVAL ? CLI_BADINPUT : CLI_FAIL;
    }
    cr_store *s = NULL;
    int64_t id = 0;
    rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "user", &d);
    if (!rc && (rc = cr_store_begin(s)) == CR_OK) {
        rc = cr_store_serve_ensure(s);
        if (!rc)
            rc = cr_store_user_add(s, &u, (int64_t)time(NULL), &id);
        if (!rc)
            rc = cr_store_commit(s);
        if (rc)
            cr_store_rollback(s);
    }
    if (rc && !d.msg[0])
        cli_store_fail(&d, rc, s, "cannot add the user");
    cr_store_close(s);
    if (rc)
        return cli_report_diag("user", rc, &d);
    if (!id) {
        fprintf(stderr, "crisk user: a user named '%s' exists\n", name);
        return CLI_BADINPUT;
    }
    printf("user %s (%s%s%s) added, id %lld\n", u.name, u.role, u.scope[0] ? " " : "", u.scope,
           (long long)id);
    return CLI_OK;
}
