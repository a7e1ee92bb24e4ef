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
    "       crisk user list [--db FILE] [--json]\n"
    "       crisk user disable|enable [--db FILE] --name NAME\n"
    "       crisk user passwd [--db FILE] --name NAME [--config FILE]\n"
    "\n"
    "The users of the HTTP API (crisk serve, docs/serve.md).\n"
    "  add      adds a user, reading the password from the first line of stdin (it is hashed\n"
    "           with argon2id; the password itself is kept nowhere). Roles: city_admin,\n"
    "           city_analyst, auditor (the whole city; no --scope), district (--scope: a 6-digit\n"
    "           district code), street (9-digit street code), grid (12-digit grid code). A name\n"
    "           already taken is bad input (exit 3), and so is a name with control, invisible\n"
    "           or full-width characters, or a password of fewer than password_min_chars\n"
    "           characters (default 8; --config: crisk serve's configuration file).\n"
    "  list     the users: name, role, scope, state, created, sessions and last use (never a\n"
    "           password hash); --json: one JSON array.\n"
    "  disable  the user can no longer log in and every session of it ends at once;\n"
    "  enable   lets it log in again (its old sessions stay ended).\n"
    "  passwd   a new password from the first line of stdin; the user's sessions end.\n"
    "An unknown user is bad input (exit 3).\n";

/* The password on the first line of stdin into pw (cap bytes); CLI_OK or the exit code after
 * saying why. */
static int read_password(char *pw, size_t cap)
{
    if (!fgets(pw, (int)cap, stdin)) {
        fprintf(stderr, "crisk user: no password on stdin\n");
        return CLI_BADINPUT;
    }
    size_t len = strcspn(pw, "\r\n");
    if (len == cap - 1) {
        fprintf(stderr, "crisk user: the password is longer than %zu bytes\n", cap - 2);
        sodium_memzero(pw, cap);
        return CLI_BADINPUT;
    }
    pw[len] = 0;
    return CLI_OK;
}

/* Opens the store db under its writer lock, in a transaction with the serve tables. */
static cr_err open_write(const char *db, cr_store **s, cr_diag *d)
{
    cr_err rc = cr_store_open_existing(cli_db_path(db), s, d);
    if (!rc)
        rc = cr_store_lock(*s, "user", d);
    if (!rc && (rc = cr_store_begin(*s)) == CR_OK && (rc = cr_store_serve_ensure(*s)))
        cr_store_rollback(*s);
    return rc;
}

/* Commits (or, after a failure rc, rolls back) and closes s; the exit code after saying why. */
static int close_write(cr_store *s, cr_err rc, cr_diag *d, const char *what)
{
    if (!rc)
        rc = cr_store_commit(s);
    if (rc && s)
        cr_store_rollback(s);
    if (rc && !d->msg[0])
        cli_store_fail(d, rc, s, what);
    cr_store_close(s);
    return rc ? cli_report_diag("user", rc, d) : CLI_OK;
}

static int user_add(const char *db, const char *name, const char *role, const char *scope,
                    const struct srv_config *cfg)
{
    char pw[1024];
    int prc = read_password(pw, sizeof pw);
    if (prc)
        return prc;
    struct cr_user_rec u;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_ref *ref = NULL;
    cr_err rc = cr_ref_load(cr_ref_default_dir(), &ref, &d);
    if (!rc)
        rc = srv_user_make(name, role, scope, pw, cfg->password_min_chars, ref, &u, &d);
    cr_ref_free(ref);
    sodium_memzero(pw, sizeof pw);
    if (rc) {
        fprintf(stderr, "crisk user: %s\n", d.msg);
        return rc == CR_EINVAL ? CLI_BADINPUT : CLI_FAIL;
    }
    cr_store *s = NULL;
    int64_t id = 0;
    rc = open_write(db, &s, &d);
    if (!rc)
        rc = cr_store_user_add(s, &u, (int64_t)time(NULL), &id);
    int code = close_write(s, rc, &d, "cannot add the user");
    if (code)
        return code;
    if (!id) {
        fprintf(stderr, "crisk user: a user named '%s' exists\n", name);
        return CLI_BADINPUT;
    }
    printf("user %s (%s%s%s) added, id %lld\n", u.name, u.role, u.scope[0] ? " " : "", u.scope,
           (long long)id);
    return CLI_OK;
}

/* disable (1), enable (0) or a new password (disabled -1). */
static int user_set(const char *db, const char *name, int disabled, const struct srv_config *cfg)
{
    char pw[1024];
    struct cr_user_rec u;
    cr_diag d = {{0}, {0}, 0, 0};
    const char *pwhash = NULL;
    if (disabled < 0) {
        int prc = read_password(pw, sizeof pw);
        if (prc)
            return prc;
        cr_err rc = srv_password_hash(pw, cfg->password_min_chars, u.pwhash, &d);
        sodium_memzero(pw, sizeof pw);
        if (rc) {
            fprintf(stderr, "crisk user: %s\n", d.msg);
            return rc == CR_EINVAL ? CLI_BADINPUT : CLI_FAIL;
        }
        pwhash = u.pwhash;
    }
    cr_store *s = NULL;
    int found = 0;
    cr_err rc = open_write(db, &s, &d);
    if (!rc)
        rc = cr_store_user_set(s, name, disabled, pwhash, &found);
    int code = close_write(s, rc, &d, "cannot change the user");
    if (code)
        return code;
    if (!found) {
        fprintf(stderr, "crisk user: no user named '%s'\n", name);
        return CLI_BADINPUT;
    }
    printf("user %s %s\n", name,
           disabled == 1   ? "disabled; its sessions ended"
           : disabled == 0 ? "enabled"
                           : "has a new password; its sessions ended");
    return CLI_OK;
}

static void day_time(int64_t t, char out[24])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct list_ctx {
    json_t *rows;
    int json;
};

static int list_row(void *ctx, const struct cr_user_info *u)
{
    struct list_ctx *x = ctx;
    char created[24], seen[24] = "";
    day_time(u->created, created);
    if (u->last_seen)
        day_time(u->last_seen, seen);
    if (x->json)
        return json_array_append_new(
            x->rows, json_pack("{s:I,s:s,s:s,s:s,s:b,s:s,s:I,s:o}", "id", (json_int_t)u->id, "name",
                               u->name, "role", u->role, "scope", u->scope, "disabled", u->disabled,
                               "created", created, "sessions", (json_int_t)u->sessions, "last_seen",
                               u->last_seen ? json_string(seen) : json_null()));
    printf("%-20s %-13s %-13s %-9s %s %3lld %s\n", u->name, u->role, u->scope[0] ? u->scope : "-",
           u->disabled ? "disabled" : "active", created, (long long)u->sessions,
           seen[0] ? seen : "-");
    return 0;
}

static int user_list(const char *db, int json)
{
    cr_store *s = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_err rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
    struct list_ctx x = {json ? json_array() : NULL, json};
    if (!json)
        printf("%-20s %-13s %-13s %-9s %-20s %3s %s\n", "name", "role", "scope", "state", "created",
               "ses", "last_seen");
    if (!rc)
        rc = cr_store_users_each(s, list_row, &x);
    if (rc && !d.msg[0])
        cli_store_fail(&d, rc, s,
                       "cannot list the users (a store no user was ever added to "
                       "has none)");
    cr_store_close(s);
    if (rc) {
        json_decref(x.rows);
        return cli_report_diag("user", rc, &d);
    }
    if (json) {
        json_dumpf(x.rows, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(x.rows);
    }
    return cli_done_report_checked("user", 0, "the users were read");
}

int cmd_user(int argc, char **argv)
{
    const char *db = NULL, *name = NULL, *role = NULL, *scope = NULL, *config = NULL;
    const char *json = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db},         {"name", 1, &name},
                                   {"role", 1, &role},     {"scope", 1, &scope},
                                   {"config", 1, &config}, {"json", 0, &json}};
    const char *pos[1];
    size_t n_pos;
    int prc = cli_parse("user", argc, argv, opts, 6, pos, 1, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    const char *verb = n_pos == 1 ? pos[0] : "";
    int add = strcmp(verb, "add") == 0, list = strcmp(verb, "list") == 0;
    int disable = strcmp(verb, "disable") == 0, enable = strcmp(verb, "enable") == 0;
    int passwd = strcmp(verb, "passwd") == 0;
    if (!(add || list || disable || enable || passwd)) {
        fprintf(stderr, "crisk user: give add, list, disable, enable or passwd (see crisk user "
                        "--help)\n");
        return CLI_USAGE;
    }
    if ((add && (!name || !role)) || ((disable || enable || passwd) && !name)) {
        fprintf(stderr, "crisk user: %s needs --name%s\n", verb, add ? " and --role" : "");
        return CLI_USAGE;
    }
    if ((!add && (role || scope)) || (json && !list) || (list && name) ||
        (config && !(add || passwd))) {
        fprintf(stderr, "crisk user: an option %s does not take (see crisk user --help)\n", verb);
        return CLI_USAGE;
    }
    if (list)
        return user_list(db, json != NULL);
    struct srv_config cfg;
    cr_diag cd = {{0}, {0}, 0, 0};
    if (srv_config_load(config, &cfg, &cd)) {
        fprintf(stderr, "crisk user: %s:%ld: %s\n", cd.file, cd.line, cd.msg);
        return CLI_BADINPUT;
    }
    if (add)
        return user_add(db, name, role, scope, &cfg);
    return user_set(db, name, disable ? 1 : enable ? 0 : -1, &cfg);
}
