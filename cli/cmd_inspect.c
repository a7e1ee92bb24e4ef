/* crisk plan, plans, draw, inspect, inspections: the inspect stage (docs/inspect.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>

#include "cli.h"
#include "crisk/inspect.h"
#include "crisk/ref.h"
#include "crisk/respond.h"
#include "crisk/store.h"
#include "crisk/text.h"

/* --today YYYY-MM-DD, default today in Asia/Shanghai (UTC+8). */
static int today_opt(const char *verb, const char *s, int32_t *day)
{
    if (!s) {
        *day = cr_day_today();
        return CLI_OK;
    }
    if (cr_date_parse(s, strlen(s), day) != CR_OK) {
        fprintf(stderr, "crisk %s: --today needs a date such as 2026-03-01, not '%s'\n", verb, s);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* The report of a plan or draw that was recorded could not be written (a full disk,
 * /dev/full): the work is done, so say so with its id, and exit 1 (the report is lost). */
static int report_written(const char *verb, const char *what, long long id, int code)
{
    errno = 0;
    int flushed = fflush(stdout) == 0;
    if (flushed && !ferror(stdout) && !code)
        return CLI_OK;
    int e = errno;
    char hint[64];
    if (strcmp(what, "plan") == 0)
        snprintf(hint, sizeof hint, "crisk plans");
    else
        snprintf(hint, sizeof hint, "crisk draw --draw %lld --csv", id);
    fprintf(stderr,
            "crisk %s: %s %lld was recorded, but its report could not be written%s%s (%s lists "
            "it; do not record it again)\n",
            verb, what, id, !flushed && e ? ": " : "", !flushed && e ? strerror(e) : "", hint);
    clearerr(stdout);
    return CLI_FAIL;
}

static const char plan_help[] =
    "usage: crisk plan [--db FILE] --file PLAN.yaml [--today YYYY-MM-DD] [--json]\n"
    "\n"
    "Records an inspection plan (docs/inspect.md): the file's text and SHA-256 and its frozen\n"
    "eligible list - the latest classification run's firms in the plan's scope, each with its\n"
    "level and class (pool, triggered, exempt_recent, exempt_status, exempt_tolerance) - and\n"
    "the list's SHA-256, before any seed is chosen. Prints the plan id and the counts.\n";

int cmd_plan(int argc, char **argv)
{
    const char *db = NULL, *file = NULL, *today_s = NULL, *json = NULL;
    const struct cli_opt opts[] = {
        {"db", 1, &db}, {"file", 1, &file}, {"today", 1, &today_s}, {"json", 0, &json}};
    size_t n_pos;
    int prc = cli_parse("plan", argc, argv, opts, 4, NULL, 0, &n_pos, plan_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    if (!file) {
        fprintf(stderr, "crisk plan: --file PLAN.yaml is required\n");
        return CLI_USAGE;
    }
    int32_t today;
    if ((prc = today_opt("plan", today_s, &today)))
        return prc;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    json_t *rep = NULL;
    cr_err rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "plan", &d);
    if (!rc && (rc = cr_inspect_plan(s, file, today, &rep, &d)) && !d.msg[0])
        cli_store_fail(&d, rc, s, "cannot record the plan");
    int code = CLI_OK;
    size_t wi;
    json_t *w;
    json_array_foreach(rc ? NULL : json_object_get(rep, "warnings"), wi, w)
    {
        fprintf(stderr, "crisk plan: warning: %s\n", json_string_value(w));
    }
    long long id = rc ? 0 : (long long)json_integer_value(json_object_get(rep, "plan"));
    if (rc)
        code = cli_report_diag("plan", rc, &d);
    else if (json)
        code = cli_json_print(rep), rep = NULL;
    else {
        json_t *ex = json_object_get(rep, "exempt");
        printf("plan %lld: %s\n  eligible %lld (pool %lld, triggered %lld; exempt: recent %lld, "
               "deregistered %lld, tolerance %lld)\n  eligible list sha256 %s\n",
               (long long)json_integer_value(json_object_get(rep, "plan")),
               json_string_value(json_object_get(rep, "name")),
               (long long)json_integer_value(json_object_get(rep, "eligible")),
               (long long)json_integer_value(json_object_get(rep, "pool")),
               (long long)json_integer_value(json_object_get(rep, "triggered")),
               (long long)json_integer_value(json_object_get(ex, "recent")),
               (long long)json_integer_value(json_object_get(ex, "deregistered")),
               (long long)json_integer_value(json_object_get(ex, "tolerance")),
               json_string_value(json_object_get(rep, "eligible_hash")));
    }
    if (!rc)
        code = report_written("plan", "plan", id, code);
    json_decref(rep);
    cr_store_close(s);
    return code;
}

static int plans_row(void *ctx, const struct cr_plan_rec *p)
{
    FILE *fp = ctx;
    char day[11];
    cr_day_format(p->day, day);
    const char *f[] = {NULL, p->name, NULL,    p->batch ? p->batch : "", NULL,
                       day,  NULL,    p->hash, p->eligible_hash,         p->counts};
    char id[24], year[12], run[24], el[24];
    snprintf(id, sizeof id, "%lld", (long long)p->id);
    snprintf(year, sizeof year, "%d", p->year);
    snprintf(run, sizeof run, "%lld", (long long)p->run);
    snprintf(el, sizeof el, "%lld", (long long)p->eligible);
    f[0] = id, f[2] = year, f[4] = p->routine ? "1" : "0", f[6] = run;
    int bad = 0;
    for (int i = 0; i < 10; i++)
        bad |= (i ? fputc(',', fp) == EOF : 0) || cli_csv_field(fp, f[i], strlen(f[i]), 0);
    bad |= fputc(',', fp) == EOF || cli_csv_field(fp, el, strlen(el), 0) || fputc('\n', fp) == EOF;
    return bad;
}

static const char plans_help[] = "usage: crisk plans [--db FILE]\n"
                                 "\n"
                                 "Lists the recorded plans as CSV.\n";

int cmd_plans(int argc, char **argv)
{
    const char *db = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db}};
    size_t n_pos;
    int prc = cli_parse("plans", argc, argv, opts, 1, NULL, 0, &n_pos, plans_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    cr_err rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
    if (!rc) {
        printf("id,name,year,batch,routine,day,run,hash,eligible_hash,counts,eligible\n");
        if ((rc = cr_store_plans_each(s, 0, plans_row, stdout)))
            cli_store_fail(&d, rc, s, "cannot read the plans");
    }
    int code = rc ? cli_report_diag("plans", rc, &d) : CLI_OK;
    if (!rc && (fflush(stdout) || ferror(stdout)))
        code = CLI_FAIL;
    cr_store_close(s);
    return code;
}

/* ---- draw ---- */

static const char draw_help[] =
    "usage: crisk draw [--db FILE] --plan ID --seed SEED [--today YYYY-MM-DD] [--roster FILE]\n"
    "                  [--config FILE] [--redraw --reason TEXT --by USER] [--json]\n"
    "       crisk draw [--db FILE] --draw ID --csv [--out FILE]\n"
    "       crisk draw verify [--db FILE] --draw ID [--json]\n"
    "\n"
    "Draws a recorded plan with a seed (docs/draw.md: a pure function of the plan, its frozen\n"
    "eligible list and the seed), draws the inspectors of each inspection from the firm's\n"
    "station and records it all; --csv lists a recorded draw (uscc,level,arm,inspectors,\n"
    "inspection,unstaffed,draw_state: standing, or void when a redraw replaced it); verify\n"
    "recomputes a recorded draw - the plan's text hash, the eligible list's hash, its day, its\n"
    "firms and their inspectors (from the roster recorded with it) - and exits 0 when it matches, "
    "1 when it does not, saying what differs. A seed\n"
    "is 1-200 bytes of visible UTF-8 in NFKC form without spaces at its ends (docs/draw.md).\n"
    "The inspectors come from the roster loaded with crisk roster, or\n"
    "from --roster FILE (roster.csv: id,name,role,division,qualifications), read and checked\n"
    "as crisk roster reads it (--config: the respond policy's roster_max_bytes; every bad row\n"
    "reported with its line, exit 3, nothing drawn). A plan is drawn\n"
    "once: drawing it again is refused (exit 3) unless --redraw --reason TEXT --by USER, which\n"
    "voids the earlier draw (kept, marked void; its open inspections cancelled).\n";

struct staff_list {
    struct cr_inspector *v;
    char **own;
    size_t n, cap, n_own;
};

/* The draw listed by --draw ID --csv: whether it stands, and where its rows go. */
struct draw_csv {
    FILE *fp;
    int is_void;
    char void_day[11];
};

static int csv_row(void *ctx, const struct cr_draw_firm *f)
{
    struct draw_csv *c = ctx;
    FILE *fp = c->fp;
    char lv[2] = {f->level, 0}, id[24];
    snprintf(id, sizeof id, "%lld", (long long)f->inspection);
    const char *v[] = {f->key,
                       lv,
                       f->arm,
                       f->inspectors,
                       id,
                       f->unstaffed ? f->unstaffed : "",
                       c->is_void ? "void" : "standing"};
    int bad = 0;
    for (int i = 0; i < 7; i++) /* 0 uscc, 3 inspectors: typed by someone */
        bad |= (i ? fputc(',', fp) == EOF : 0) ||
               (i == 0 || i == 3 ? cli_csv_text(fp, v[i], strlen(v[i]))
                                 : cli_csv_field(fp, v[i], strlen(v[i]), 0));
    return bad | (fputc('\n', fp) == EOF);
}

static int draw_verify(int argc, char **argv)
{
    const char *db = NULL, *draw_s = NULL, *json = NULL;
    const struct cli_opt opts[] = {{"db", 1, &db}, {"draw", 1, &draw_s}, {"json", 0, &json}};
    size_t n_pos;
    int prc = cli_parse("draw verify", argc, argv, opts, 3, NULL, 0, &n_pos, draw_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    long long draw = 0;
    if ((prc = cli_int_opt("draw verify", "draw", draw_s, 1, LLONG_MAX, &draw)))
        return prc;
    if (!draw_s) {
        fprintf(stderr, "crisk draw verify: --draw ID is required\n");
        return CLI_USAGE;
    }
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    json_t *rep = NULL;
    int match = 0;
    cr_err rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
    if (!rc && (rc = cr_inspect_verify(s, draw, &match, &rep, &d)) && !d.msg[0])
        cli_store_fail(&d, rc, s, "cannot read the draw");
    int code = CLI_OK;
    if (rc)
        code = cli_report_diag("draw verify", rc, &d);
    else {
        json_t *vd = json_object_get(rep, "void");
        size_t np = json_array_size(json_object_get(rep, "problems"));
        if (json)
            cli_json_print(json_incref(rep));
        else if (match)
            printf("draw %lld: recomputed exactly from plan %lld and seed '%s' (its firms, levels, "
                   "arms and inspectors, and its inspections' inspectors)\n",
                   draw, (long long)json_integer_value(json_object_get(rep, "plan")),
                   json_string_value(json_object_get(rep, "seed")));
        else {
            printf("draw %lld: DOES NOT MATCH its recomputation from plan %lld and seed '%s' (%zu "
                   "problem%s):\n",
                   draw, (long long)json_integer_value(json_object_get(rep, "plan")),
                   json_string_value(json_object_get(rep, "seed")), np, np == 1 ? "" : "s");
            size_t i;
            json_t *p;
            json_array_foreach(json_object_get(rep, "problems"), i, p)
            {
                printf("  %s\n", json_string_value(p));
            }
        }
        if (!json && json_is_object(vd)) {
            json_t *rd = json_object_get(vd, "redraw");
            printf("  this draw is void: voided on %s by %s (reason: %s); ",
                   json_string_value(json_object_get(vd, "day")),
                   json_string_value(json_object_get(vd, "by")),
                   json_string_value(json_object_get(vd, "reason")));
            if (rd)
                printf("its redraw: draw %lld\n", (long long)json_integer_value(rd));
            else
                printf("its redraw is not recorded\n");
        }
        code = match ? CLI_OK : CLI_FAIL;
    }
    json_decref(rep);
    cr_store_close(s);
    return code;
}

static int draw_exists(void *ctx, const struct cr_draw_rec *r)
{
    struct draw_csv *c = ctx;
    c->is_void = r->void_by != NULL;
    if (c->is_void) {
        cr_day_format(r->void_day, c->void_day);
    }
    return 0;
}

struct staff_ctx {
    struct staff_list *l;
    int oom;
};

static int staff_fn(void *ctx, const struct cr_staff *st)
{
    struct staff_ctx *c = ctx;
    struct staff_list *l = c->l;
    if (strcmp(st->role, "inspector") != 0)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        struct cr_inspector *t = realloc(l->v, cap * sizeof *t);
        if (t)
            l->v = t;
        char **o = realloc(l->own, cap * 3 * sizeof *o);
        if (o)
            l->own = o;
        if (!t || !o)
            return c->oom = 1;
        l->cap = cap;
    }
    char *id = strdup(st->id), *div = strdup(st->division ? st->division : ""),
         *q = strdup(st->qualifications ? st->qualifications : "");
    l->own[l->n_own++] = id;
    l->own[l->n_own++] = div;
    l->own[l->n_own++] = q;
    if (!id || !div || !q)
        return c->oom = 1;
    l->v[l->n++] = (struct cr_inspector){id, div, q};
    return 0;
}

/* The roster's inspectors (role inspector), from the staff table of `crisk roster`. */
static cr_err cli_inspectors(cr_store *s, struct staff_list *l, cr_diag *d)
{
    struct staff_ctx c = {l, 0};
    cr_err rc = cr_store_staff_read(s, NULL, staff_fn, &c);
    if (!rc && c.oom)
        rc = CR_ENOMEM;
    if (rc)
        return cli_store_fail(d, rc, s, "cannot read the roster");
    return CR_OK;
}

static void roster_error(void *ctx, const cr_diag *e)
{
    (void)ctx;
    char msg[1200];
    fprintf(stderr, "crisk draw: %s\n", cr_diag_format(e, msg, sizeof msg));
}

/* --roster FILE: read by the reader of crisk roster (cr_roster_read: the same checks, the same
 * messages), its inspectors into l. Returns the exit code after printing why (3: bad input). */
static int roster_file(const char *path, const char *config, struct staff_list *l)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "crisk draw: --roster %s is a folder, not a roster file (roster.csv)\n",
                path);
        return CLI_BADINPUT;
    }
    cr_diag d = {{0}, {0}, 0, 0};
    struct cr_respond_config cfg;
    cr_ref *ref = NULL;
    struct cr_roster r = {0};
    cr_err rc = cli_respond_policy(config, &cfg, &d);
    if (!rc)
        rc = cr_ref_load(cr_ref_default_dir(), &ref, &d);
    if (rc) {
        cr_ref_free(ref);
        return cli_report_diag("draw", rc, &d);
    }
    rc = cr_roster_read(path, ref, &cfg, &r, roster_error, NULL, &d);
    cr_ref_free(ref);
    if (rc == CR_EPARSE) {
        fprintf(stderr,
                "crisk draw: --roster %s: bad rows (as crisk roster reads them), nothing "
                "drawn\n",
                path);
        return CLI_BADINPUT;
    }
    if (rc) { /* missing or unreadable: bad input, as crisk roster says */
        int code = cli_report_diag("draw", rc, &d);
        return rc == CR_EIO || rc == CR_ENOTFOUND ? CLI_BADINPUT : code;
    }
    struct staff_ctx c = {l, 0};
    for (size_t i = 0; i < r.n && !c.oom; i++)
        staff_fn(&c, &r.row[i]);
    cr_roster_free(&r);
    if (c.oom) {
        fprintf(stderr, "crisk draw: out of memory reading --roster %s\n", path);
        return CLI_FAIL;
    }
    return CLI_OK;
}

int cmd_draw(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "verify") == 0)
        return draw_verify(argc - 1, argv + 1);
    const char *db = NULL, *plan_s = NULL, *seed = NULL, *draw_s = NULL, *csv = NULL, *json = NULL,
               *today_s = NULL, *out = NULL, *roster = NULL, *redraw = NULL, *reason = NULL,
               *by = NULL, *config = NULL;
    const struct cli_opt opts[] = {
        {"db", 1, &db},         {"plan", 1, &plan_s},   {"seed", 1, &seed},
        {"draw", 1, &draw_s},   {"csv", 0, &csv},       {"json", 0, &json},
        {"today", 1, &today_s}, {"out", 1, &out},       {"roster", 1, &roster},
        {"redraw", 0, &redraw}, {"reason", 1, &reason}, {"by", 1, &by},
        {"config", 1, &config}};
    size_t n_pos;
    int prc = cli_parse("draw", argc, argv, opts, 13, NULL, 0, &n_pos, draw_help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    long long plan = 0, draw = 0;
    if ((prc = cli_int_opt("draw", "plan", plan_s, 1, LLONG_MAX, &plan)) ||
        (prc = cli_int_opt("draw", "draw", draw_s, 1, LLONG_MAX, &draw)))
        return prc;
    int32_t today;
    if ((prc = today_opt("draw", today_s, &today)))
        return prc;
    cr_diag d = {{0}, {0}, 0, 0};
    cr_store *s = NULL;
    if (draw_s) {
        if (plan_s || seed || !csv) {
            fprintf(stderr, "crisk draw: --draw ID lists a recorded draw and needs --csv "
                            "(and no --plan or --seed)\n");
            return CLI_USAGE;
        }
        if (out && (prc = cli_check_output("draw", "out", out, cli_db_path(db))))
            return prc;
        int code = CLI_OK;
        FILE *fp = stdout;
        cr_err rc = cr_store_open_readonly(cli_db_path(db), &s, &d);
        struct draw_csv dc = {stdout, 0, ""};
        if (!rc && (rc = cr_store_draw_get(s, draw, draw_exists, &dc)) == CR_ENOTFOUND)
            cr_diag_set(&d, rc, NULL, 0, 0, "there is no draw %lld", draw);
        if (!rc && out && !(fp = cli_open_output("draw", "out", out, cli_db_path(db), &code))) {
            cr_store_close(s);
            return code;
        }
        dc.fp = fp;
        if (!rc && fputs("uscc,level,arm,inspectors,inspection,unstaffed,draw_state\n", fp) == EOF)
            rc = CR_EIO;
        if (!rc && (rc = cr_store_draw_firms(s, draw, csv_row, &dc)))
            cli_store_fail(&d, rc, s, "cannot list the draw");
        if (rc && !d.msg[0])
            cli_store_fail(&d, rc, s, "cannot read the draw");
        if (rc)
            code = cli_report_diag("draw", rc, &d);
        else if (dc.is_void)
            fprintf(stderr,
                    "crisk draw: draw %lld is void (voided on %s by a redraw): its inspections "
                    "without a result are cancelled (draw_state void)\n",
                    draw, dc.void_day);
        if (fp != stdout && fclose(fp) && !code) {
            fprintf(stderr, "crisk draw: cannot write %s\n", out);
            code = CLI_FAIL;
        } else if (fp == stdout && (fflush(stdout) || ferror(stdout)) && !code)
            code = CLI_FAIL;
        cr_store_close(s);
        return code;
    }
    if (!plan_s || !seed) {
        fprintf(stderr,
                "crisk draw: --plan ID and --seed SEED are required (or --draw ID --csv)\n");
        return CLI_USAGE;
    }
    if (redraw ? !reason || !by : reason || by) {
        fprintf(stderr, "crisk draw: --redraw needs --reason TEXT and --by USER (and they go only "
                        "with --redraw)\n");
        return CLI_USAGE;
    }
    char whybuf[CR_TEXT_WHY_CAP];
    const char *why = cr_text_problem(seed, strlen(seed), CR_SEED_MAX_BYTES, 1, whybuf);
    if (why) {
        fprintf(stderr,
                "crisk draw: --seed: %s (a seed is 1-200 bytes of visible UTF-8 text in NFKC form, "
                "no space at either end: docs/draw.md \"The seed\")\n",
                why);
        return CLI_BADINPUT;
    }
    const char *const texts[] = {reason, by}, *const names[] = {"reason", "by"};
    for (int i = 0; redraw && i < 2; i++)
        if ((why =
                 cr_text_problem(texts[i], strlen(texts[i]), CR_DRAW_TEXT_MAX_BYTES, 0, whybuf))) {
            fprintf(stderr, "crisk draw: --%s: %s\n", names[i], why);
            return CLI_BADINPUT;
        }
    struct cr_redraw rd = {by, reason};
    if (config && !roster) {
        fprintf(stderr, "crisk draw: --config goes with --roster FILE (it bounds the file's "
                        "fields)\n");
        return CLI_USAGE;
    }
    struct staff_list st = {0};
    json_t *rep = NULL;
    if (roster && (prc = roster_file(roster, config, &st))) {
        for (size_t i = 0; i < st.n_own; i++)
            free(st.own[i]);
        free(st.own);
        free(st.v);
        return prc;
    }
    cr_err rc = cr_store_open_existing(cli_db_path(db), &s, &d);
    if (!rc)
        rc = cr_store_lock(s, "draw", &d);
    if (!rc && !roster && (rc = cli_inspectors(s, &st, &d)) && !d.msg[0])
        cli_store_fail(&d, rc, s, "cannot read the roster");
    if (!rc &&
        (rc = cr_inspect_draw(s, plan, seed, today, st.v, st.n, redraw ? &rd : NULL, &rep, &d)) &&
        !d.msg[0])
        cli_store_fail(&d, rc, s, "cannot record the draw");
    json_t *warn = json_array();
    if (!rc) {
        long long sampled = json_integer_value(json_object_get(rep, "sampled")),
                  unst = json_integer_value(json_object_get(rep, "unstaffed"));
        if (!sampled)
            json_array_append_new(warn, json_string("the draw sampled no firm (the plan's pool "
                                                    "and ratios give none)"));
        else if (unst == sampled)
            json_array_append_new(
                warn, json_sprintf("every one of the %lld inspections is unstaffed: no station "
                                   "could staff any (roster of %zu inspectors; see the reasons)",
                                   sampled, st.n));
        size_t i;
        json_t *w;
        json_array_foreach(warn, i, w)
        {
            fprintf(stderr, "crisk draw: warning: %s\n", json_string_value(w));
        }
        json_object_set(rep, "warnings", warn);
    }
    json_decref(warn);
    int code = CLI_OK;
    long long id = rc ? 0 : (long long)json_integer_value(json_object_get(rep, "draw"));
    if (rc)
        code = cli_report_diag("draw", rc, &d);
    else if (json)
        code = cli_json_print(rep), rep = NULL;
    else {
        json_t *bl = json_object_get(rep, "by_level"), *ex = json_object_get(rep, "exempt");
#define I(o, k) (long long)json_integer_value(json_object_get(o, k))
        printf("draw %lld of plan %lld, seed '%s': %lld of %lld eligible\n"
               "  by level A %lld, B %lld, C %lld, D %lld; targeted %lld, random arm %lld, "
               "triggered %lld\n  exempt: recent %lld, deregistered %lld, tolerance %lld\n"
               "  unstaffed inspections: %lld\n",
               I(rep, "draw"), I(rep, "plan"), seed, I(rep, "sampled"), I(rep, "eligible"),
               I(bl, "A"), I(bl, "B"), I(bl, "C"), I(bl, "D"), I(rep, "targeted"),
               I(rep, "random_arm"), I(rep, "triggered"), I(ex, "recent"), I(ex, "deregistered"),
               I(ex, "tolerance"), I(rep, "unstaffed"));
        size_t i;
        json_t *u;
        json_array_foreach(json_object_get(rep, "unstaffed_examples"), i, u)
        {
            printf("    %s: %s\n", json_string_value(json_object_get(u, "uscc")),
                   json_string_value(json_object_get(u, "why")));
        }
#undef I
    }
    if (!rc)
        code = report_written("draw", "draw", id, code);
    json_decref(rep);
    for (size_t i = 0; i < st.n_own; i++)
        free(st.own[i]);
    free(st.own);
    free(st.v);
    cr_store_close(s);
    return code;
}
