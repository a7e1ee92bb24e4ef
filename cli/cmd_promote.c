/* crisk model promote / crisk model promotions: the champion model is chosen by a person, on
 * record (docs/learn.md "Promotion"); crisk classify uses the latest promotion by default. */
/* realpath is an XSI extension, hidden by _POSIX_C_SOURCE alone. */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crisk/text.h"
#include "crisk/booster.h"
#include "crisk/model.h"

static const char promote_help[] =
    "usage: crisk model promote FILE --by USER --note TEXT [--db FILE] [--json]\n"
    "\n"
    "Makes the model FILE (checked first) the store's champion: records who promoted which model\n"
    "(id, version, hash and its whole text) and why. `crisk classify` without --model then uses\n"
    "the latest promotion. A challenger written by `crisk learn` is never used by itself.\n";

static const char promotions_help[] =
    "usage: crisk model promotions [--db FILE] [--json]\n"
    "\n"
    "Lists the store's promotions, oldest first; the last one is the champion.\n";

static int latest_text(void *ctx, const struct cr_promotion *p)
{
    char **out = ctx;
    size_t len = strlen(p->model_id) + p->text_len + 2;
    *out = malloc(len);
    if (!*out)
        return 1;
    memcpy(*out, p->model_id, strlen(p->model_id) + 1);
    memcpy(*out + strlen(p->model_id) + 1, p->text, p->text_len);
    (*out)[len - 1] = 0;
    return 0;
}

cr_err cli_promoted_model(cr_store *s, cr_model **out, cr_diag *d)
{
    *out = NULL;
    char *buf = NULL;
    cr_err rc = cr_store_promotions_each(s, 1, latest_text, &buf);
    if (rc == CR_ENOTFOUND)
        return rc;
    if (rc) {
        free(buf);
        return cli_store_fail(d, rc == CR_EIO ? CR_ENOMEM : rc, s,
                              "cannot read the promoted model");
    }
    char name[300];
    snprintf(name, sizeof name, "promoted model %s", buf);
    const char *text = buf + strlen(buf) + 1;
    rc = cr_model_load_text(name, text, strlen(text), out, d);
    free(buf);
    return rc;
}

cr_err cli_champion_model(cr_store *s, const char *file, cr_model **out, cr_diag *d)
{
    const char *env = getenv("CRISK_MODEL");
    if (file || (env && *env) || !s)
        return cr_model_load(file ? file : cli_default_model(), out, d);
    cr_err rc = cli_promoted_model(s, out, d);
    return rc == CR_ENOTFOUND ? cr_model_load(cli_default_model(), out, d) : rc;
}

int cmd_model_promote(int argc, char **argv)
{
    const char *db = NULL, *by = NULL, *note = NULL, *json = NULL, *pos[1] = {NULL};
    const struct cli_opt opts[] = {
        {"db", 1, &db}, {"by", 1, &by}, {"note", 1, &note}, {"json", 0, &json}};
    size_t n_pos = 0;
    int prc = cli_parse("model promote", argc, argv, opts, 4, pos, 1, &n_pos, promote_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (n_pos != 1 || !by || !note) {
        fprintf(stderr, "crisk model promote: needs the model FILE, --by USER and --note TEXT "
                        "(who promotes it and why)\n");
        return CLI_USAGE;
    }
    /* who and why are read back as JSON (model promotions --json, the API): UTF-8 text only */
    const char *const what[2][2] = {{"--by", by}, {"--note", note}};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(what[i][1]), ok = cr_utf8_valid_prefix(what[i][1], n);
        if (ok != n || !n) {
            fprintf(stderr, "crisk model promote: %s %s (byte %zu); nothing was promoted\n",
                    what[i][0], n ? "is not UTF-8 text" : "is empty", ok + 1);
            return CLI_BADINPUT;
        }
    }
    cr_diag d = {{0}, {0}, 0, 0};
    cr_model *m = NULL;
    cr_store *s = NULL;
    int64_t id = 0;
    cr_err rc = cr_model_load(pos[0], &m, &d);
    if (!rc && m->method == CR_METHOD_XGBOOST) {
        /* The booster must load and take the file's features, or every later classify fails. */
        size_t p = m->n_features;
        float *x = malloc((p ? p : 1) * sizeof *x);
        double prob = 0;
        for (size_t j = 0; x && j < p; j++)
            x[j] = NAN;
        rc = x ? cr_learn_xgb_predict(m->booster, x, 1, p, 1, &prob, NULL, &d) : CR_ENOMEM;
        free(x);
        if (rc && rc != CR_ENOMEM) {
            char why[sizeof d.msg];
            snprintf(why, sizeof why, "%.*s", (int)strcspn(d.msg, "\n"), d.msg);
            rc = cr_diag_set(&d, CR_EINVAL, pos[0], 0, 0,
                             "not promoted: its booster cannot score the file's %zu features (%s)",
                             p, why);
        }
    }
    if (!rc)
        rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "model promote", &d);
    char abs[PATH_MAX];
    if (!rc) {
        /* The file's whole path: "challenger.yaml" says nothing once the shell has moved on. */
        const char *path = realpath(pos[0], abs) ? abs : pos[0];
        const char *method = m->method == CR_METHOD_XGBOOST     ? "xgboost"
                             : m->method == CR_METHOD_SCORECARD ? "scorecard"
                                                                : "expert";
        struct cr_promotion p = {.model_id = m->id,
                                 .version = m->version,
                                 .hash = m->hash,
                                 .method = method,
                                 .text = m->text,
                                 .path = path,
                                 .by = by,
                                 .note = note};
        if ((rc = cr_store_promotion_add(s, &p, &id)))
            cli_store_fail(&d, rc, s, "cannot record the promotion");
    }
    int exit_code = CLI_OK;
    if (rc)
        exit_code = cli_report_diag("model promote", rc, &d);
    else if (json)
        exit_code = cli_json_print(json_pack("{s:I,s:s,s:i,s:s,s:s,s:s}", "promotion",
                                             (json_int_t)id, "model", m->id, "version", m->version,
                                             "hash", m->hash, "by", by, "note", note));
    else
        printf("promotion %lld: %s v%d (%s) is the champion; by %s: %s\n", (long long)id, m->id,
               m->version, m->hash, by, note);
    cr_store_close(s);
    cr_model_free(m);
    return exit_code;
}

static int list_one(void *ctx, const struct cr_promotion *p)
{
    json_t *a = ctx;
    if (a)
        return json_array_append_new(
            a, json_pack("{s:I,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "promotion", (json_int_t)p->id,
                         "model", p->model_id, "version", (json_int_t)p->version, "hash", p->hash,
                         "method", p->method, "path", p->path, "by", p->by, "note", p->note,
                         "created", p->created));
    printf("%lld  %s  %s v%lld (%s, %s)  by %s: %s\n", (long long)p->id, p->created, p->model_id,
           (long long)p->version, p->hash, p->method, p->by, p->note);
    return 0;
}

int cmd_model_promotions(int argc, char **argv)
{
    const char *db = NULL, *json = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db}, {"json", 0, &json}};
    size_t n_pos = 0;
    int prc = cli_parse("model promotions", argc, argv, opts, 2, NULL, 0, &n_pos, promotions_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    json_t *a = json ? json_array() : NULL;
    cr_err rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
    if (!rc && (rc = cr_store_promotions_each(s, 0, list_one, a)))
        cli_store_fail(&d, rc, s, "cannot read the promotions");
    cr_store_close(s);
    if (rc) {
        json_decref(a);
        return cli_report_diag("model promotions", rc, &d);
    }
    return a ? cli_json_print(a) : CLI_OK;
}
