/* crisk user: the users of crisk serve (docs/serve.md). */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* A store open for a user change, in a transaction (tx) with the serve tables. */
struct wstore {
    cr_store *s;
    int tx;
};

static cr_err open_write(const char *db, struct wstore *w, cr_diag *d)
{
    /* Without the crisk writer lock (as the server's sessions and audit rows): an account can
     * be shut out while an ingest or a classification runs; SQLite's own lock orders the
     * writes. */
    cr_err rc = cr_store_open_existing(cli_db_path(db), &w->s, d);
    if (!rc)
        rc = cr_store_begin(w->s);
    w->tx = !rc;
    if (!rc)
        rc = cr_store_serve_ensure(w->s);
    return rc;
}

/* Writes the change's audit row (action on object with the HTTP status the API would have
 * given, by the operating-system user, as the API's rows are by the API's user) and commits — or,
 * after a failure rc, rolls back — and closes the store; the exit code after saying why. */
static int close_write(struct wstore *w, cr_err rc, cr_diag *d, const char *action,
                       const char *object, int status, const char *what)
{
    if (!rc) {
        const struct passwd *pw = getpwuid(geteuid());
        struct cr_audit_rec a = {.at = (int64_t)time(NULL),
                                 .user = pw && pw->pw_name ? pw->pw_name : "?",
                                 .role = "cli",
                                 .action = action,
                                 .object = object,
                                 .status = status,
                                 .client = "crisk user"};
        rc = cr_store_audit_add(w->s, &a);
    }
    if (!rc)
        rc = cr_store_commit(w->s);
    if (rc && w->tx)
        cr_store_rollback(w->s);
    if (rc && !d->msg[0])
        cli_store_fail(d, rc, w->s, what);
    cr_store_close(w->s);
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
    /* The store's city, so that a scope of another city is refused ("" when the store cannot
     * be read here: opening it to write says why below). */
    char city[16] = "";
    cr_store *rs = NULL;
    cr_diag rd = {{0}, {0}, 0, 0};
    if (!cr_store_open_readonly(cli_db_path(db), &rs, &rd) && cr_store_city_of(rs, city))
        city[0] = 0;
    cr_store_close(rs);
    cr_err rc = cr_ref_load(cr_ref_default_dir(), &ref, &d);
    if (!rc)
        rc = srv_user_make(name, role, scope, pw, cfg->password_min_chars, ref, city, &u, &d);
    cr_ref_free(ref);
    sodium_memzero(pw, sizeof pw);
    if (rc) {
        fprintf(stderr, "crisk user: %s\n", d.msg);
        return rc == CR_EINVAL ? CLI_BADINPUT : CLI_FAIL;
    }
    struct wstore w = {NULL, 0};
    int64_t id = 0;
    rc = open_write(db, &w, &d);
    if (!rc)
        rc = cr_store_user_add(w.s, &u, (int64_t)time(NULL), &id);
    /* the status an API request would have had: 201 added, 409 the name taken */
    int code = close_write(&w, rc, &d, "user.add", name, id ? 201 : 409, "cannot add the user");
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
    struct wstore w = {NULL, 0};
    int found = 0;
    cr_err rc = open_write(db, &w, &d);
    if (!rc)
        rc = cr_store_user_set(w.s, name, disabled, pwhash, &found);
    const char *action = disabled == 1   ? "user.disable"
                         : disabled == 0 ? "user.enable"
                                         : "user.passwd";
    int code = close_write(&w, rc, &d, action, name, found ? 200 : 404, "cannot change the user");
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

struct list_ctx {
    json_t *rows; /* --json; else a text table */
    int failed;
};

static int list_row(void *ctx, const struct cr_user_info *u)
{
    struct list_ctx *x = ctx;
    char created[SRV_TIME_ISO_CAP], seen[SRV_TIME_ISO_CAP] = "";
    srv_time_iso(u->created, created);
    if (u->last_seen)
        srv_time_iso(u->last_seen, seen);
    if (!x->rows) {
        printf("%-20s %-13s %-13s %-9s %s %3lld %s\n", u->name, u->role,
               u->scope[0] ? u->scope : "-", u->disabled ? "disabled" : "active", created,
               (long long)u->sessions, seen[0] ? seen : "-");
        return 0;
    }
    json_t *row = json_pack("{s:I,s:s,s:s,s:s,s:b,s:s,s:I,s:o}", "id", (json_int_t)u->id, "name",
                            u->name, "role", u->role, "scope", u->scope, "disabled", u->disabled,
                            "created", created, "sessions", (json_int_t)u->sessions, "last_seen",
                            u->last_seen ? json_string(seen) : json_null());
    x->failed = !row || json_array_append_new(x->rows, row);
    return x->failed;
}

static int user_list(const char *db, int json)
{
    cr_store *s = NULL;
    cr_diag d = {{0}, {0}, 0, 0};
    struct list_ctx x = {json ? json_array() : NULL, 0};
    cr_err rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
    int has_users = 0;
    if (!rc)
        rc = cr_store_serve_present(s, &has_users);
    if (!rc && !json)
        printf("%-20s %-13s %-13s %-9s %-20s %3s %s\n", "name", "role", "scope", "state", "created",
               "ses", "last_seen");
    /* A store no user was ever added to (made before the serve stage) has no users table:
     * no users. */
    if (!rc && has_users)
        rc = cr_store_users_each(s, (int64_t)time(NULL), list_row, &x);
    if (!rc && x.failed)
        rc = cr_diag_set(&d, CR_ENOMEM, NULL, 0, 0, "out of memory listing the users");
    if (rc && !d.msg[0])
        cli_store_fail(&d, rc, s, "cannot list the users");
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
    /* The options each verb takes beyond --db. */
    const struct {
        const char *opt, *value;
        int ok;
    } extra[] = {{"name", name, !list},
                 {"role", role, add},
                 {"scope", scope, add},
                 {"config", config, add || passwd},
                 {"json", json, list}};
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++)
        if (extra[i].value && !extra[i].ok) {
            fprintf(stderr, "crisk user: %s takes no --%s (see crisk user --help)\n", verb,
                    extra[i].opt);
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
