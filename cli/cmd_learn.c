/* crisk learn: measure the champion against outcomes, train challengers and write the
 * champion/challenger report (docs/learn.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "crisk/booster.h"
#include "crisk/learn.h"
#include "crisk/model.h"
#include "crisk/progress.h"
#include "crisk/text.h"
#include "learn.h"

static const char help[] =
    "usage: crisk learn --label FILE [--db FILE] [--as-of YYYY-MM-DD] [--method "
    "scorecard|xgboost|both]\n"
    "                   [--out DIR] [--json] [--model FILE] [--validation auto|kfold] [--folds K]\n"
    "                   [--seed N] [--min-class N] [--binning model|monotone] [--penalty l2|l1]\n"
    "                   [--c X] [--min-bin-share X] [--eta X] [--export-matrix FILE] [--config "
    "FILE]\n"
    "       crisk learn --psi RUN_A RUN_B [--db FILE] [--bins N] [--json] [--config FILE]\n"
    "\n"
    "Builds the label (a file: docs/learn.md \"Label files\") and the features (the champion's\n"
    "indicators and the registry attributes) of every enterprise, measures the champion model,\n"
    "the naive baseline (the count of past events of the label's kinds, or of past positive\n"
    "outcomes) and the challengers on\n"
    "the same folds (out of time when the store's history allows it, else stratified k-fold),\n"
    "and writes to the folder DIR (default learn): the challengers' model files, report.json,\n"
    "report.html and scores.csv (subject,fold,y and every model's score per row), whole or not\n"
    "at all (a temporary folder beside DIR, moved in on success). A challenger is never used\n"
    "by itself: `crisk model promote FILE` makes it the champion.\n"
    "\n"
    "  --model FILE       the champion (default: the promoted model of the store, else the shipped "
    "one)\n"
    "  --config FILE      the policy: label windows, task outcomes, PSI readings (default\n"
    "                     $CRISK_LEARN, else models/learn.yaml; docs/learn.md)\n"
    "  --as-of DATE       the date the test rows are scored (default: the last event day minus\n"
    "                     the label window; for a column label, the last event day)\n"
    "  --export-matrix F  also write the matrix as CSV: subject,y,fold,<features>, then a line\n"
    "                     direction,,,<+1|-1|0>, then one row per firm (empty = missing)\n"
    "\n"
    "  --psi A B          the population stability of stored classification run B against\n"
    "                     run A: PSI of the scores in N bins (default 10) cut at run A's\n"
    "                     quantiles, and of the levels (<0.1 stable, 0.1-0.25 watch, >0.25\n"
    "                     rebuild)\n"
    "\n"
    "Exit 3 when the label yields fewer positives or negatives than its min_class, or a run\n"
    "does not exist.\n";

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int cmd_learn(int argc, char **argv)
{
    const char *db = NULL, *label_s = NULL, *as_of_s = NULL, *method = NULL, *out_s = NULL,
               *json = NULL, *model_s = NULL, *validation = NULL, *folds_s = NULL, *seed_s = NULL,
               *min_class_s = NULL, *binning = NULL, *penalty = NULL, *c_s = NULL, *matrix = NULL,
               *psi = NULL, *bins_s = NULL, *mbs_s = NULL, *eta_s = NULL, *config = NULL,
               *pos[1] = {NULL};
    const struct cli_opt opts[] = {{"db", 1, &db},
                                   {"label", 1, &label_s},
                                   {"as-of", 1, &as_of_s},
                                   {"method", 1, &method},
                                   {"out", 1, &out_s},
                                   {"json", 0, &json},
                                   {"model", 1, &model_s},
                                   {"validation", 1, &validation},
                                   {"folds", 1, &folds_s},
                                   {"seed", 1, &seed_s},
                                   {"min-class", 1, &min_class_s},
                                   {"binning", 1, &binning},
                                   {"penalty", 1, &penalty},
                                   {"c", 1, &c_s},
                                   {"export-matrix", 1, &matrix},
                                   {"psi", 1, &psi},
                                   {"min-bin-share", 1, &mbs_s},
                                   {"eta", 1, &eta_s},
                                   {"bins", 1, &bins_s},
                                   {"config", 1, &config}};
    size_t n_pos;
    int prc =
        cli_parse("learn", argc, argv, opts, sizeof opts / sizeof *opts, pos, 1, &n_pos, help);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    /* the policy (models/learn.yaml): label windows, task outcomes, PSI readings */
    struct cr_learn_policy policy;
    {
        cr_diag pd = {{0}, {0}, 0, 0};
        const char *env = getenv("CRISK_LEARN");
        const char *path = config ? config : env && *env ? env : CRISK_LEARN_DEFAULT;
        cr_err rc = cr_learn_policy_load(path, &policy, &pd);
        if (rc) {
            int code = cli_report_diag("learn", rc, &pd);
            return code == CLI_FAIL && rc == CR_EIO ? CLI_BADINPUT : code;
        }
    }
    if (psi) {
        if (n_pos != 1 || label_s) {
            fprintf(stderr, "crisk learn: --psi RUN_A RUN_B compares two runs (and takes no "
                            "--label)\n");
            return CLI_USAGE;
        }
        return cli_learn_psi(db, psi, pos[0], bins_s, json != NULL, &policy);
    }
    if (n_pos || bins_s) {
        fprintf(stderr, "crisk learn: %s\n",
                n_pos ? "unexpected argument (a second run goes with --psi RUN_A RUN_B)"
                      : "--bins goes with --psi RUN_A RUN_B");
        return CLI_USAGE;
    }
    if (!label_s) {
        fprintf(stderr, "crisk learn: --label FILE is required (docs/learn.md \"Label files\")\n");
        return CLI_USAGE;
    }
    struct cr_learn_opts lo;
    cr_learn_opts_default(&lo);
    struct cr_scorecard_opts so;
    cr_scorecard_opts_default(&so);
    long long folds = lo.k, seed = (long long)lo.seed, min_class = 0;
    double cval = so.c, eta = 0;
    if ((prc = cli_int_opt("learn", "folds", folds_s, 2, 100, &folds)) ||
        (prc = cli_int_opt("learn", "seed", seed_s, 0, LLONG_MAX, &seed)) ||
        (prc = cli_int_opt("learn", "min-class", min_class_s, 1, 1000000000, &min_class)) ||
        (prc = cli_real_opt("learn", "c", c_s, 1e-9, 1e9, &cval)) ||
        (prc = cli_real_opt("learn", "min-bin-share", mbs_s, 0, 0.5, &so.min_bin_share)) ||
        (prc = cli_real_opt("learn", "eta", eta_s, 1e-6, 1, &eta)))
        return prc;
    lo.k = (int)folds;
    lo.seed = (uint64_t)seed;
    lo.min_class = (int)min_class;
    so.c = cval;
    int do_sc = 1, do_xgb = 0;
    if (method) {
        if (!strcmp(method, "scorecard"))
            do_sc = 1;
        else if (!strcmp(method, "xgboost"))
            do_sc = 0, do_xgb = 1;
        else if (!strcmp(method, "both"))
            do_xgb = 1;
        else {
            fprintf(stderr, "crisk learn: --method is scorecard, xgboost or both, not '%s'\n",
                    method);
            return CLI_USAGE;
        }
    }
    if (validation && strcmp(validation, "auto") && strcmp(validation, "kfold")) {
        fprintf(stderr, "crisk learn: --validation is auto or kfold, not '%s'\n", validation);
        return CLI_USAGE;
    }
    lo.validation = validation && !strcmp(validation, "kfold");
    if (binning && strcmp(binning, "model") && strcmp(binning, "monotone")) {
        fprintf(stderr, "crisk learn: --binning is model or monotone, not '%s'\n", binning);
        return CLI_USAGE;
    }
    so.monotone = binning && !strcmp(binning, "monotone");
    if (penalty && strcmp(penalty, "l1") && strcmp(penalty, "l2")) {
        fprintf(stderr, "crisk learn: --penalty is l2 or l1, not '%s'\n", penalty);
        return CLI_USAGE;
    }
    so.l1 = penalty && !strcmp(penalty, "l1");
    if (as_of_s) {
        cr_err drc = cr_date_parse(as_of_s, strlen(as_of_s), &lo.as_of);
        if (drc) {
            fprintf(stderr, "crisk learn: --as-of needs a date (YYYY-MM-DD), not '%s'\n", as_of_s);
            return CLI_USAGE;
        }
    }
    const char *out_dir = out_s ? out_s : "learn";
    const char *dbp = cli_db_path(db);
    if (matrix && (prc = cli_check_output("learn", "export-matrix", matrix, dbp)))
        return prc;
    struct stat mst; /* a usage error like --out's: the matrix is never written through a link */
    if (matrix && lstat(matrix, &mst) == 0 && S_ISLNK(mst.st_mode)) {
        fprintf(stderr,
                "crisk learn: --export-matrix %s is a symbolic link, and the matrix is never "
                "written through one (give the file itself)\n",
                matrix);
        return CLI_USAGE;
    }
    /* the matrix never replaces the run's own inputs, nor goes into --out (written whole) */
    if (matrix &&
        ((prc = cli_outputs_distinct("learn", "export-matrix", matrix, "label", label_s)) ||
         (prc = cli_outputs_distinct("learn", "export-matrix", matrix, "model", model_s)) ||
         (prc = cli_outputs_distinct("learn", "export-matrix", matrix, "config", config))))
        return prc;
    if (matrix) {
        char *dir = strdup(matrix);
        if (!dir)
            return CLI_FAIL;
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        struct stat sd, sout;
        int inside = stat(slash ? (*dir ? dir : "/") : ".", &sd) == 0 &&
                     stat(out_dir, &sout) == 0 && sd.st_dev == sout.st_dev &&
                     sd.st_ino == sout.st_ino;
        free(dir);
        if (inside) {
            fprintf(stderr,
                    "crisk learn: --export-matrix %s is inside --out %s, which the run writes "
                    "whole: give a file outside it\n",
                    matrix, out_dir);
            return CLI_USAGE;
        }
    }

    cr_diag d = {{0}, {0}, 0, 0};
    struct cli_learn_out outd = {out_dir, "", {{0}}, 0, ""};
    struct cli_out mout = {NULL, "", NULL};
    struct cr_learn_label *label = NULL;
    cr_model *m = NULL;
    cr_store *s = NULL;
    struct cr_learn_data data = {0};
    struct cr_learn_info info = {0};
    struct cr_scorecard sc = {0};
    double *sc_pred = NULL, *sc_final = NULL;
    char *sc_level = NULL, *sc_text = NULL, *naive_level = NULL;
    double *xgb_pred = NULL, *xgb_final = NULL;
    char *xgb_level = NULL, *xgb_text = NULL;
    struct cr_xgb_fit xfit = {0};
    uint8_t *test = NULL, *arm = NULL;
    json_t *rep = NULL, *rocs = NULL, *lifts = NULL, *binning_j = NULL;
    int exit_code = CLI_OK;
    double t_start = now_s();
    cr_err rc = cr_learn_label_load_policy(label_s, &policy, &label, &d);
    /* A label file that cannot be read is bad input (exit 3) like one that is wrong. */
    int label_unread = rc == CR_EIO;
    if (!rc)
        rc = cr_store_open_readonly(dbp, &s, &d);
    if (!rc)
        rc = cli_champion_model(s, model_s, &m, &d);
    if (!rc) { /* the report's names, checked before any work */
        if (do_sc)
            snprintf(outd.names[outd.n++], sizeof outd.names[0], "%s-scorecard.yaml", m->id);
        if (do_xgb)
            snprintf(outd.names[outd.n++], sizeof outd.names[0], "%s-xgboost.yaml", m->id);
        snprintf(outd.names[outd.n++], sizeof outd.names[0], "scores.csv");
        snprintf(outd.names[outd.n++], sizeof outd.names[0], "report.json");
        snprintf(outd.names[outd.n++], sizeof outd.names[0], "report.html");
        exit_code = cli_learn_out_check(&outd, dbp);
        if (exit_code)
            goto out;
    }
    if (!rc) {
        cli_progress_start("learn");
        cr_progress("learn_data", 0);
        rc = cr_learn_data_build(s, m, label, &lo, &data, &info, &d);
        cli_progress_end();
    }
    double t_matrix = now_s() - t_start, t_sc = NAN, t_xgb = NAN;
    if (rc) {
        exit_code = label_unread ? (cli_report_diag("learn", rc, &d), CLI_BADINPUT)
                                 : cli_report_diag("learn", rc, &d);
        goto out;
    }
    exit_code = cli_learn_out_begin(&outd);
    if (exit_code)
        goto out;
    /* --export-matrix: its name checked and its temporary file made now (a symbolic link or a
     * folder is refused before the fits); written after them */
    if (matrix && (exit_code = cli_out_begin("learn", "export-matrix", matrix, dbp, &mout)))
        goto out;
    size_t n = data.n;
    test = malloc(n + 1);
    sc_level = calloc(n + 1, 1);
    naive_level = calloc(n + 1, 1);
    if (!test || !sc_level || !naive_level) {
        fprintf(stderr, "crisk learn: out of memory\n");
        exit_code = CLI_FAIL;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        test[i] = !data.out_of_time || data.fold[i] == 1;
    double shares[4] = {0.40, 0.40, 0.15, 0.05};
    if (m->level_method == CR_LEVELS_SHARE)
        memcpy(shares, m->level_share, sizeof shares);

    struct cli_learn_entry ent[5];
    size_t n_ent = 0;
    char champ_name[300];
    snprintf(champ_name, sizeof champ_name, "%s v%d", m->id, m->version);
    /* the champion by its own method: data.expert_score is its scores as classify gives them
     * (a promoted tree or scorecard model included) */
    const char *champ_method = m->method == CR_METHOD_XGBOOST     ? "xgboost"
                               : m->method == CR_METHOD_SCORECARD ? "scorecard"
                                                                  : "expert";
    ent[n_ent++] = (struct cli_learn_entry){
        champ_name, champ_method, data.expert_score, data.expert_level, data.expert_score,
        "",         NULL};
    if (info.naive) {
        double *tmp = malloc((n + 1) * sizeof *tmp);
        if (tmp) { /* levels only on the test rows, each period alone */
            for (size_t i = 0; i < n; i++)
                tmp[i] = test[i] ? info.naive[i] : NAN;
            if (cr_learn_levels_by_share(tmp, n, shares, naive_level))
                memset(naive_level, 0, n);
        }
        free(tmp);
        ent[n_ent++] = (struct cli_learn_entry){
            "naive baseline", "baseline", info.naive, naive_level, info.naive, "", NULL};
    }
    cli_progress_start("learn"); /* the fits (errors below clear the line first) */
    if (do_sc) {
        cr_progress("scorecard", 0);
        sc_pred = malloc((n + 1) * sizeof *sc_pred);
        sc_final = malloc((n + 1) * sizeof *sc_final);
        if (!sc_pred || !sc_final) {
            rc = cr_diag_set(&d, CR_ENOMEM, NULL, 0, 0, "out of memory");
        } else {
            double t0 = now_s();
            rc = cr_scorecard_cv(m, &data, &so, sc_pred, &sc, &d);
            t_sc = now_s() - t0;
        }
        if (!rc && cr_learn_levels_by_share(sc_pred, n, shares, sc_level))
            rc = CR_ENOMEM;
        if (rc) {
            exit_code = cli_report_diag("learn", rc, &d);
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            sc_final[i] = cr_scorecard_score(&sc, data.x + i * data.p);
        char id[300], name[600], comment[1024], day[11];
        snprintf(id, sizeof id, "%s-scorecard", m->id);
        snprintf(name, sizeof name, "%s（评分卡，%s）", m->name, label->id);
        cr_day_format(info.as_of, day);
        snprintf(
            comment, sizeof comment,
            "# A scorecard trained by crisk learn on label %s as of %s (%s validation) over\n"
            "# the indicators of model %s v%d (%s): bins %s, WOE, logistic regression (%s,\n"
            "# C %g) on %zu rows with %zu positives. A challenger: `crisk model promote` makes\n"
            "# it the champion. docs/learn.md.\n",
            label->id, day, data.out_of_time ? "out-of-time" : "k-fold", m->id, m->version, m->hash,
            so.monotone ? "monotone" : "of the model", so.l1 ? "L1" : "L2", so.c, sc.n_train,
            sc.n_bad);
        if (cr_scorecard_model_text(m, &sc, id, name, comment, &sc_text)) {
            fprintf(stderr, "crisk learn: out of memory\n");
            exit_code = CLI_FAIL;
            goto out;
        }
        struct cli_learn_entry e = {"scorecard", "scorecard", sc_pred, sc_level,
                                    sc_final,    "",          NULL};
        snprintf(e.file, sizeof e.file, "%s/%s.yaml", out_dir, id);
        char tpath[PATH_MAX + 300], name_yaml[320];
        snprintf(name_yaml, sizeof name_yaml, "%s.yaml", id);
        cli_learn_out_path(&outd, name_yaml, tpath, sizeof tpath);
        FILE *fp = cli_open_output("learn", "out", tpath, dbp, &prc);
        if (!fp) {
            exit_code = prc;
            goto out;
        }
        fputs(sc_text, fp);
        if ((exit_code = cli_learn_close(fp, tpath)))
            goto out;
        /* the file must load as a model: else it is a bug, not a challenger */
        cr_model *chk = NULL;
        if ((rc = cr_model_load(tpath, &chk, &d))) {
            exit_code = cli_report_diag("learn", rc, &d);
            goto out;
        }
        e.extra = json_pack("{s:s,s:s}", "model_id", chk->id, "hash", chk->hash);
        cr_model_free(chk);
        ent[n_ent++] = e;
        binning_j = cli_learn_binning_json(&sc);
    }

    if (do_xgb) {
        cr_progress("xgboost", 0);
        struct cr_xgb_params xp;
        cr_xgb_params_default(&xp);
        xp.seed = lo.seed;
        if (eta_s)
            xp.eta = eta;
        xgb_pred = malloc((n + 1) * sizeof *xgb_pred);
        xgb_level = calloc(n + 1, 1);
        if (!xgb_pred || !xgb_level)
            rc = cr_diag_set(&d, CR_ENOMEM, NULL, 0, 0, "out of memory");
        if (!rc) {
            double t0 = now_s();
            rc = cr_learn_xgb_fit(&data, &xp, &xfit, &d);
            t_xgb = now_s() - t0;
        }
        char id[300], name[600];
        snprintf(id, sizeof id, "%s-xgboost", m->id);
        snprintf(name, sizeof name, "%s（梯度提升树，%s）", m->name, label->id);
        if (!rc)
            rc = cr_learn_xgb_model_text(m, id, name, &data, &xfit, &xgb_text, &d);
        for (size_t i = 0; !rc && i < n; i++)
            xgb_pred[i] = 100 * xfit.pred[i];
        if (!rc && cr_learn_levels_by_share(xgb_pred, n, shares, xgb_level))
            rc = cr_diag_set(&d, CR_ENOMEM, NULL, 0, 0, "out of memory");
        /* out of time: the kept model's scores of every row, train period too, for the PSI of
         * its scores from train to test (as the scorecard's final model gives) */
        if (!rc && data.out_of_time) {
            if (!(xgb_final = malloc((n + 1) * sizeof *xgb_final)))
                rc = cr_diag_set(&d, CR_ENOMEM, NULL, 0, 0, "out of memory");
            else
                rc = cr_learn_xgb_predict(xfit.booster_b64, data.x, n, data.p, xp.nthread,
                                          xgb_final, NULL, &d);
            for (size_t i = 0; !rc && i < n; i++)
                xgb_final[i] *= 100;
        }
        if (rc) {
            exit_code = cli_report_diag("learn", rc, &d);
            goto out;
        }
        struct cli_learn_entry e = {"xgboost", "xgboost", xgb_pred, xgb_level, xgb_final, "", NULL};
        snprintf(e.file, sizeof e.file, "%s/%s.yaml", out_dir, id);
        char tpath[PATH_MAX + 300], name_yaml[320];
        snprintf(name_yaml, sizeof name_yaml, "%s.yaml", id);
        cli_learn_out_path(&outd, name_yaml, tpath, sizeof tpath);
        FILE *fp = cli_open_output("learn", "out", tpath, dbp, &prc);
        if (!fp) {
            exit_code = prc;
            goto out;
        }
        fputs(xgb_text, fp);
        if ((exit_code = cli_learn_close(fp, tpath)))
            goto out;
        cr_model *chk = NULL;
        if ((rc = cr_model_load(tpath, &chk, &d))) {
            exit_code = cli_report_diag("learn", rc, &d);
            goto out;
        }
        e.extra = json_pack("{s:s,s:s,s:i}", "model_id", chk->id, "hash", chk->hash, "trees",
                            xfit.rounds);
        cr_model_free(chk);
        ent[n_ent++] = e;
    }

    cli_progress_end();
    /* ---- the report ---- */
    char day[11], tday[11];
    cr_day_format(info.as_of, day);
    cr_day_format(info.train_as_of, tday);
    rep = json_pack("{s:s,s:I,s:I,s:s,s:s}", "label", label->id, "positives",
                    (json_int_t)info.test_positives, "negatives", (json_int_t)info.test_negatives,
                    "validation", data.out_of_time ? "out_of_time" : "kfold", "as_of", day);
    if (data.out_of_time)
        json_object_set_new(rep, "train",
                            json_pack("{s:s,s:I,s:I}", "as_of", tday, "positives",
                                      (json_int_t)(info.positives - info.test_positives),
                                      "negatives",
                                      (json_int_t)(info.negatives - info.test_negatives)));
    else
        json_object_set_new(rep, "folds", json_integer(data.k));
    json_object_set_new(rep, "features",
                        json_pack("{s:I,s:I}", "indicators", (json_int_t)info.n_indicator_features,
                                  "attributes", (json_int_t)info.n_attr_features));
    json_object_set_new(rep, "left_out", json_integer((json_int_t)info.left_out));
    /* Wall seconds of the stages (bench/learn_full.sh): the matrix (store read, indicators,
     * champion), the scorecard's folds and final fit, the trees' folds and final fit. */
    json_object_set_new(rep, "seconds",
                        json_pack("{s:o,s:o,s:o}", "matrix", cli_learn_num(t_matrix), "scorecard",
                                  cli_learn_num(t_sc), "xgboost", cli_learn_num(t_xgb)));
    json_object_set_new(
        rep, "champion",
        json_pack("{s:s,s:i,s:s}", "id", m->id, "version", m->version, "hash", m->hash));
    /* Every model's metrics, and on the random arm's rows each model's again: a model that
     * cannot be measured (out of memory) fails the run, never drops out of the report. */
    json_t *models = json_array(), *arm_models = json_array();
    rocs = json_array();
    lifts = json_array();
    size_t arm_rows = 0;
    int oom = !models || !arm_models || !rocs || !lifts;
    if (data.y_random && !oom) {
        arm = calloc(n + 1, 1);
        oom = !arm;
        for (size_t i = 0; arm && i < n; i++) {
            arm[i] = test[i] && data.y_random[i] >= 0;
            arm_rows += arm[i];
        }
    }
    for (size_t k = 0; k < n_ent; k++) {
        json_t *roc = NULL, *lift = NULL, *o = NULL, *ra = NULL;
        if (!oom)
            o = cli_learn_evaluate(&data, test, NULL, 0, &ent[k], k ? data.expert_level : NULL,
                                   &roc, &lift);
        if (o && arm_rows)
            ra = cli_learn_evaluate(&data, arm, data.y_random, 1, &ent[k], NULL, NULL, NULL);
        json_decref(ent[k].extra);
        if (oom || !o || (arm_rows && !ra)) {
            json_decref(o);
            json_decref(ra);
            json_decref(roc);
            json_decref(lift);
            oom = 1;
            continue;
        }
        oom |= json_array_append_new(models, o) != 0;
        oom |= json_array_append_new(rocs, roc) != 0;
        oom |= json_array_append_new(lifts, lift) != 0;
        oom |= ra && json_array_append_new(arm_models, ra) != 0;
    }
    if (oom) {
        fprintf(stderr, "crisk learn: out of memory measuring the models\n");
        exit_code = CLI_FAIL;
        json_decref(models);
        json_decref(arm_models);
        goto out;
    }
    json_object_set_new(rep, "models", models);
    /* Inspections labels: the same metrics on the random-arm inspections alone (the targeted
     * and triggered arms are a selected sample; DOMAIN.md §12). */
    if (data.y_random)
        json_object_set_new(rep, "random_arm",
                            json_pack("{s:I,s:I,s:o}", "positives",
                                      (json_int_t)info.random_positives, "negatives",
                                      (json_int_t)info.random_negatives, "models", arm_models));
    else
        json_decref(arm_models);
    arm_models = NULL;
    {
        char path[PATH_MAX + 300];
        cli_learn_out_path(&outd, "scores.csv", path, sizeof path);
        FILE *fp = cli_open_output("learn", "out", path, dbp, &prc);
        if (!fp) {
            exit_code = prc;
            goto out;
        }
        fputs("subject,fold,y", fp);
        /* a promoted challenger's column is "champion" (a challenger of its method may follow) */
        for (size_t k = 0; k < n_ent; k++)
            fprintf(fp, ",%s",
                    k == 0 && m->method != CR_METHOD_EXPERT ? "champion" : ent[k].method);
        fputc('\n', fp);
        for (size_t i = 0; i < n; i++) {
            fprintf(fp, "%lld,%d,%d", (long long)data.subject[i], data.fold[i], data.y[i]);
            for (size_t k = 0; k < n_ent; k++)
                if (isnan(ent[k].score[i]))
                    fputc(',', fp);
                else
                    fprintf(fp, ",%.17g", ent[k].score[i]);
            fputc('\n', fp);
        }
        if ((exit_code = cli_learn_close(fp, path)))
            goto out;
        cli_learn_out_path(&outd, "report.json", path, sizeof path);
        if (!(fp = cli_open_output("learn", "out", path, dbp, &prc))) {
            exit_code = prc;
            goto out;
        }
        json_t *full = json_deep_copy(rep);
        if (binning_j)
            json_object_set(full, "scorecard_binning", binning_j);
        json_dumpf(full, fp, JSON_INDENT(1));
        fputc('\n', fp);
        json_decref(full);
        if ((exit_code = cli_learn_close(fp, path)))
            goto out;
        cli_learn_out_path(&outd, "report.html", path, sizeof path);
        if (!(fp = cli_open_output("learn", "out", path, dbp, &prc))) {
            exit_code = prc;
            goto out;
        }
        cli_learn_write_html(fp, rep, rocs, lifts, binning_j);
        if ((exit_code = cli_learn_close(fp, path)))
            goto out;
        /* The matrix after the fits (a failed fit leaves none), into its temporary file, renamed
         * in after --out: a run that fails leaves neither. */
        if (matrix) {
            if (cli_learn_write_matrix(mout.fp, &data)) {
                fprintf(stderr, "crisk learn: cannot write --export-matrix %s: %s\n", matrix,
                        strerror(errno));
                exit_code = CLI_FAIL;
                goto out;
            }
        }
        exit_code = cli_learn_out_commit(&outd, dbp);
        if (exit_code)
            goto out;
        if (matrix && (exit_code = cli_out_commit("learn", "export-matrix", &mout, dbp)))
            goto out;
    }
    if (json) {
        exit_code = cli_json_print(rep);
        rep = NULL;
    } else {
        printf("label %s as of %s: %zu positives, %zu negatives (%s", label->id, day,
               info.test_positives, info.test_negatives,
               data.out_of_time ? "out of time: trained as of " : "k-fold");
        if (data.out_of_time)
            printf("%s", tday);
        printf(")\n");
        size_t k;
        json_t *o;
        json_array_foreach(json_object_get(rep, "models"), k, o)
        {
            json_t *auc = json_object_get(o, "auc"), *ks = json_object_get(o, "ks");
            printf("  %-28s %-9s AUC %.4f  KS %.4f\n",
                   json_string_value(json_object_get(o, "name")),
                   json_string_value(json_object_get(o, "method")),
                   json_is_number(auc) ? json_number_value(auc) : NAN,
                   json_is_number(ks) ? json_number_value(ks) : NAN);
        }
        json_t *ra = json_object_get(rep, "random_arm");
        if (ra) {
            printf("random-arm inspections alone: %lld positives, %lld negatives\n",
                   (long long)json_integer_value(json_object_get(ra, "positives")),
                   (long long)json_integer_value(json_object_get(ra, "negatives")));
            json_array_foreach(json_object_get(ra, "models"), k, o)
            {
                json_t *auc = json_object_get(o, "auc");
                printf("  %-28s %-9s AUC %.4f\n", json_string_value(json_object_get(o, "name")),
                       json_string_value(json_object_get(o, "method")),
                       json_is_number(auc) ? json_number_value(auc) : NAN);
            }
        }
        printf("report: %s/report.html, %s/report.json\n", out_dir, out_dir);
    }
out:
    cli_learn_out_abort(&outd);
    cli_out_abort(&mout);
    json_decref(rep);
    json_decref(rocs);
    json_decref(lifts);
    json_decref(binning_j);
    free(test);
    free(arm);
    free(sc_pred);
    free(sc_final);
    free(sc_level);
    free(naive_level);
    free(sc_text);
    free(xgb_pred);
    free(xgb_final);
    free(xgb_level);
    free(xgb_text);
    cr_xgb_fit_free(&xfit);
    cr_scorecard_free(&sc);
    cr_learn_info_free(&info);
    cr_learn_data_free(&data);
    cr_learn_label_free(label);
    cr_model_free(m);
    cr_store_close(s);
    return exit_code;
}
