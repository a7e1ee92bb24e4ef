/* Background jobs of crisk serve (docs/serve.md "Jobs"): a classification, monitor or learn
 * run started from the UI runs in a thread of its own, on a store connection of its own, and
 * reports its progress through the library's progress hook (crisk/progress.h) into the job
 * resource the UI polls. One job runs at a time; a classification or monitor run holds the
 * store's writer lock from its start to its end (a second job is 409 job_running, a lock held
 * by a crisk verb 503 store_busy). A learn run only reads (it measures the champion against a
 * label); it takes no lock. Jobs live in the server's memory: a restart forgets them. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crisk/city.h"
#include "crisk/classify.h"
#include "crisk/learn.h"
#include "crisk/model.h"
#include "crisk/monitor.h"
#include "crisk/progress.h"
#include "crisk/text.h"
#include "server.h"

#ifndef CRISK_MONITOR_DEFAULT
#define CRISK_MONITOR_DEFAULT "models/monitor.yaml"
#endif

enum job_kind { JOB_CLASSIFY, JOB_MONITOR, JOB_LEARN };
static const char *const kind_name[] = {"classify", "monitor", "learn"};
enum job_state { JOB_RUNNING, JOB_DONE, JOB_FAILED };
static const char *const state_name[] = {"running", "done", "failed"};

struct job {
    int64_t id;
    enum job_kind kind;
    enum job_state state;
    double progress;
    char message[160];
    char user[128];
    time_t started, finished;
    struct timespec t0;
    double seconds;
    json_t *result;
    char err_code[32], err_msg[512];
    /* the run's input */
    int32_t as_of; /* INT32_MIN: the verb's default */
    char *label;   /* learn: the label file's text */
    cr_store *db;  /* the job's own connection (holding the lock for classify and monitor) */
    struct srv *s;
    struct srv_jobs *owner;
    struct job *next; /* newer first */
};

struct srv_jobs {
    pthread_mutex_t mu;
    struct job *head;
    int64_t next_id;
    int running; /* a job thread is running */
    pthread_t thread;
    int joinable;
};

cr_err srv_jobs_new(struct srv_jobs **out)
{
    struct srv_jobs *j = calloc(1, sizeof *j);
    if (!j)
        return CR_ENOMEM;
    pthread_mutex_init(&j->mu, NULL);
    j->next_id = 1;
    *out = j;
    return CR_OK;
}

static void job_free(struct job *x)
{
    json_decref(x->result);
    free(x->label);
    cr_store_close(x->db);
    free(x);
}

void srv_jobs_free(struct srv_jobs *j)
{
    if (!j)
        return;
    /* A running job is waited for: its run ends in its own transaction (a classification of
     * the whole city takes minutes; killing the server instead leaves the last committed
     * state, as killing any verb does). */
    if (j->joinable)
        pthread_join(j->thread, NULL);
    for (struct job *x = j->head, *n; x; x = n) {
        n = x->next;
        job_free(x);
    }
    pthread_mutex_destroy(&j->mu);
    free(j);
}

/* ---- progress: the library's steps as a fraction of the whole run and a message ---- */
struct step {
    const char *what;
    double from, to;
    const char *message;
};
static const struct step classify_steps[] = {
    {"city_load", 0.00, 0.35, "载入企业与事件 loading the city"},
    {"classify", 0.35, 0.80, "计算指标与等级 classifying"},
    {"run_save", 0.80, 1.00, "保存本次分类 saving the run"},
};
static const struct step monitor_steps[] = {
    {"city_load", 0.00, 0.40, "载入企业与事件 loading the city"},
    {"monitor", 0.40, 1.00, "运行监测规则 running the detectors"},
};
static const struct step learn_steps[] = {
    {"city_load", 0.00, 0.30, "载入企业与事件 loading the city"},
    {"classify", 0.30, 0.60, "计算冠军模型得分 scoring the champion"},
    {"learn_data", 0.60, 0.95, "构建学习矩阵 building the matrix"},
};

static void set_progress(struct job *x, double p, const char *message)
{
    pthread_mutex_lock(&x->owner->mu);
    if (p > x->progress)
        x->progress = p;
    if (message)
        snprintf(x->message, sizeof x->message, "%s", message);
    pthread_mutex_unlock(&x->owner->mu);
}

static void on_progress(void *ctx, const char *what, double done)
{
    struct job *x = ctx;
    const struct step *st = x->kind == JOB_CLASSIFY  ? classify_steps
                            : x->kind == JOB_MONITOR ? monitor_steps
                                                     : learn_steps;
    size_t n = x->kind == JOB_CLASSIFY  ? sizeof classify_steps / sizeof *classify_steps
               : x->kind == JOB_MONITOR ? sizeof monitor_steps / sizeof *monitor_steps
                                        : sizeof learn_steps / sizeof *learn_steps;
    for (size_t i = 0; i < n; i++)
        if (strcmp(st[i].what, what) == 0) {
            set_progress(x, st[i].from + (st[i].to - st[i].from) * done, st[i].message);
            return;
        }
}

/* ---- the runs ---- */
/* The model a run uses: the promoted champion of the store, else the server's default. */
static int promoted_row(void *ctx, const struct cr_promotion *p)
{
    cr_model **m = ctx;
    if (cr_model_load_text("the promoted model", p->text, p->text_len, m, NULL))
        *m = NULL;
    return 0;
}

static cr_err champion(struct job *x, cr_model **m, cr_diag *d)
{
    *m = NULL;
    cr_err rc = cr_store_promotions_each(x->db, 1, promoted_row, m);
    if (rc && rc != CR_ENOTFOUND)
        return cr_diag_set(d, rc, NULL, 0, 0, "cannot read the promoted model: %s",
                           cr_store_errmsg(x->db));
    if (!*m && (rc = cr_model_load(srv_default_model(x->s), m, d)))
        return rc;
    if ((*m)->method == CR_METHOD_XGBOOST) {
        cr_model_free(*m);
        *m = NULL;
        return cr_diag_set(d, CR_EINVAL, NULL, 0, 0,
                           "the champion is a tree model: classify it with crisk classify");
    }
    return CR_OK;
}

static cr_err default_as_of(struct job *x, cr_diag *d)
{
    if (x->as_of != INT32_MIN)
        return CR_OK;
    int64_t last = 0;
    if (cr_store_events_last_day(x->db, &last))
        return cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot read the latest event date: %s",
                           cr_store_errmsg(x->db));
    if (!last)
        return cr_diag_set(d, CR_ENOTFOUND, NULL, 0, 0,
                           "the store has no events: ingest first, or give as_of");
    x->as_of = (int32_t)last;
    return CR_OK;
}

static json_t *day_str(int32_t day)
{
    char b[11];
    cr_day_format(day, b);
    return json_string(b);
}

static cr_err run_classify(struct job *x, json_t **res, cr_diag *d)
{
    cr_model *m = NULL;
    struct cr_city city = {0};
    struct cr_scores sc = {0};
    int64_t run = 0, changes = 0;
    cr_err rc = champion(x, &m, d);
    if (!rc)
        rc = default_as_of(x, d);
    if (!rc)
        rc = cr_city_load(x->db, m, &city, d);
    if (!rc && city.n == 0)
        rc = cr_diag_set(d, CR_ENOTFOUND, NULL, 0, 0, "the store has no enterprises");
    if (!rc)
        rc = cr_classify_as_of_city_check(&city, x->as_of, d);
    if (!rc)
        rc = cr_classify(m, &city, x->as_of, 0, &sc, d);
    if (!rc && cr_city_run_save(x->db, m, x->as_of, &city, &sc, &run, &changes))
        rc = cr_diag_set(d, CR_ESTORE, NULL, 0, 0, "cannot record the run: %s",
                         cr_store_errmsg(x->db));
    if (!rc)
        *res =
            json_pack("{s:I,s:o,s:{s:s,s:i,s:s},s:{s:I,s:I,s:I,s:I},s:I,s:I,s:I}", "run",
                      (json_int_t)run, "as_of", day_str(x->as_of), "model", "id", m->id, "version",
                      m->version, "hash", m->hash, "levels", "A", (json_int_t)sc.levels[0], "B",
                      (json_int_t)sc.levels[1], "C", (json_int_t)sc.levels[2], "D",
                      (json_int_t)sc.levels[3], "enterprises", (json_int_t)city.n, "events",
                      (json_int_t)city.n_events, "level_changes", (json_int_t)changes);
    cr_scores_free(&sc);
    cr_city_free(&city);
    cr_model_free(m);
    return rc;
}

static cr_err run_monitor(struct job *x, json_t **res, cr_diag *d)
{
    const char *env = getenv("CRISK_MONITOR_RULES");
    struct cr_monitor_rules *rules = NULL;
    cr_model *m = NULL;
    struct cr_monitor_result mr;
    /* crisk serve refuses to start with it set but empty (cli/cmd_serve.c). */
    cr_err rc = cr_monitor_rules_load(env ? env : CRISK_MONITOR_DEFAULT, &rules, d);
    if (!rc)
        rc = default_as_of(x, d);
    if (!rc) {
        /* The latest classification's model (its column cache is reused), else the default. */
        int64_t run = 0;
        char hash[17];
        char *text = NULL;
        size_t len = 0;
        if (cr_store_run_latest(x->db, &run) || run <= 0 ||
            cr_store_run_model(x->db, run, hash, &text, &len) ||
            cr_model_load_text("the run's model", text, len, &m, NULL))
            m = NULL;
        free(text);
        if (!m)
            rc = cr_model_load(srv_default_model(x->s), &m, d);
    }
    if (!rc)
        rc = cr_monitor_run(x->db, rules, m, x->as_of, &mr, d);
    if (!rc) {
        json_t *by = json_object(), *skipped = json_object();
        for (int i = 0; i < CR_DET__N; i++) {
            json_object_set_new(by, cr_detector_name((enum cr_detector)i),
                                json_integer((json_int_t)mr.by_detector[i]));
            if (mr.skipped[i][0])
                json_object_set_new(skipped, cr_detector_name((enum cr_detector)i),
                                    json_string(mr.skipped[i]));
        }
        *res = json_pack("{s:I,s:o,s:{s:s,s:i},s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "run",
                         (json_int_t)mr.run, "as_of", day_str(x->as_of), "rules", "id", rules->id,
                         "version", rules->version, "total", (json_int_t)mr.open, "new",
                         (json_int_t)mr.n_new, "updated", (json_int_t)mr.n_updated, "reopened",
                         (json_int_t)mr.n_reopened, "closed", (json_int_t)mr.n_closed,
                         "by_detector", by, "skipped", skipped);
    }
    cr_model_free(m);
    cr_monitor_rules_free(rules);
    return rc;
}

static json_t *num_or_null(double v)
{
    return v == v ? json_real(v) : json_null();
}

static cr_err run_learn(struct job *x, json_t **res, cr_diag *d)
{
    /* The label file's text goes to a private directory (cr_learn_label_load reads a file). */
    const char *tmpdir = getenv("TMPDIR");
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/crisk-label-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir))
        return cr_diag_set(d, CR_EIO, NULL, 0, 0, "cannot stage the label: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/label.yaml", dir);
    FILE *fp = fopen(path, "wb");
    int ok = fp && fputs(x->label, fp) != EOF;
    if (fp && fclose(fp))
        ok = 0;
    struct cr_learn_label *l = NULL;
    cr_model *m = NULL;
    struct cr_learn_data data = {0};
    struct cr_learn_info info;
    memset(&info, 0, sizeof info);
    cr_err rc = ok ? cr_learn_label_load(path, &l, d)
                   : cr_diag_set(d, CR_EIO, NULL, 0, 0, "cannot stage the label");
    unlink(path);
    rmdir(dir);
    if (rc && d->line) /* the message without the staging directory */
        snprintf(d->file, sizeof d->file, "label");
    int built = 0;
    if (!rc)
        rc = champion(x, &m, d);
    struct cr_learn_opts o;
    cr_learn_opts_default(&o);
    if (x->as_of != INT32_MIN)
        o.as_of = x->as_of;
    if (!rc) {
        cr_progress("learn_data", 0);
        rc = cr_learn_data_build(x->db, m, l, &o, &data, &info, d);
        built = !rc;
    }
    if (!rc) {
        /* The champion on the test rows: out of time, the rows after the train date. */
        double *score = malloc((data.n + 1) * sizeof *score);
        int8_t *y = malloc(data.n + 1);
        char *level = malloc(data.n + 1);
        size_t k = 0;
        if (!score || !y || !level)
            rc = CR_ENOMEM;
        for (size_t i = 0; !rc && i < data.n; i++)
            if ((!data.out_of_time || data.fold[i] == 1) && data.expert_level[i]) {
                score[k] = data.expert_score[i];
                level[k] = data.expert_level[i];
                y[k++] = data.y[i];
            }
        double auc = NAN, ks = NAN; /* NAN: not defined (one class only): null below */
        if (!rc)
            rc = cr_learn_auc_ks(score, y, k, &auc, &ks); /* CR_ENOMEM: the job fails, saying so */
        if (!rc) {
            struct cr_learn_level_stat ls[4];
            cr_learn_level_stats(level, y, k, ls);
            json_t *levels = json_object();
            for (int i = 0; i < 4; i++) {
                char lv[2] = {(char)('A' + i), 0};
                json_object_set_new(levels, lv,
                                    json_pack("{s:I,s:I,s:o,s:o}", "n", (json_int_t)ls[i].n,
                                              "positives", (json_int_t)ls[i].pos, "hit",
                                              num_or_null(ls[i].hit), "lift",
                                              num_or_null(ls[i].lift)));
            }
            *res = json_pack(
                "{s:s,s:o,s:s,s:I,s:I,s:I,s:I,s:I,s:{s:s,s:i,s:s,s:o,s:o,s:o}}", "label", l->id,
                "as_of", day_str(info.as_of), "validation",
                data.out_of_time ? "out_of_time" : "kfold", "rows", (json_int_t)data.n, "positives",
                (json_int_t)info.positives, "negatives", (json_int_t)info.negatives,
                "test_positives", (json_int_t)info.test_positives, "test_negatives",
                (json_int_t)info.test_negatives, "champion", "id", m->id, "version", m->version,
                "hash", m->hash, "auc", num_or_null(auc), "ks", num_or_null(ks), "levels", levels);
        }
        free(score);
        free(y);
        free(level);
    }
    if (built)
        cr_learn_data_free(&data);
    cr_learn_info_free(&info);
    cr_learn_label_free(l);
    cr_model_free(m);
    return rc;
}

static void *job_main(void *arg)
{
    struct job *x = arg;
    cr_progress_set(on_progress, x);
    /* For tests: a job waits while the file CRISK_JOB_PAUSE_FILE names exists (as ingest's
     * CRISK_PAUSE_FILE), so that a test sees it running without depending on its speed. */
    const char *pause = getenv("CRISK_JOB_PAUSE_FILE");
    while (pause && *pause && access(pause, F_OK) == 0) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    cr_diag d = {{0}, {0}, 0, 0};
    json_t *res = NULL;
    cr_err rc = x->kind == JOB_CLASSIFY  ? run_classify(x, &res, &d)
                : x->kind == JOB_MONITOR ? run_monitor(x, &res, &d)
                                         : run_learn(x, &res, &d);
    cr_progress_set(NULL, NULL);
    /* The lock goes with the connection, before the job reads as finished. */
    cr_store_close(x->db);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_mutex_lock(&x->owner->mu);
    x->db = NULL;
    x->seconds = (double)(t1.tv_sec - x->t0.tv_sec) + (double)(t1.tv_nsec - x->t0.tv_nsec) / 1e9;
    x->finished = time(NULL);
    if (rc) {
        x->state = JOB_FAILED;
        snprintf(x->err_code, sizeof x->err_code, "%s",
                 rc == CR_EPARSE || rc == CR_EINVAL || rc == CR_ENOTFOUND || rc == CR_ERANGE
                     ? "bad_input"
                     : "failed");
        /* the file by its name only: a client is never told where the server keeps its files */
        const char *slash = strrchr(d.file, '/');
        if (d.line)
            snprintf(x->err_msg, sizeof x->err_msg, "%s:%ld: %s",
                     d.file[0] ? (slash ? slash + 1 : d.file) : "input", (long)d.line, d.msg);
        else
            snprintf(x->err_msg, sizeof x->err_msg, "%s", d.msg[0] ? d.msg : cr_strerror(rc));
        snprintf(x->message, sizeof x->message, "失败 failed");
        json_decref(res);
    } else {
        x->state = JOB_DONE;
        x->progress = 1;
        x->result = res;
        snprintf(x->message, sizeof x->message, "完成 done");
    }
    x->owner->running = 0;
    pthread_mutex_unlock(&x->owner->mu);
    if (rc)
        fprintf(stderr, "crisk serve: job %lld (%s) failed: %s\n", (long long)x->id,
                kind_name[x->kind], x->err_msg);
    return NULL;
}

/* ---- the routes ---- */
static json_t *job_json(const struct job *x)
{
    char started[SRV_TIME_ISO_CAP], finished[SRV_TIME_ISO_CAP] = "";
    srv_time_iso(x->started, started);
    if (x->finished)
        srv_time_iso(x->finished, finished);
    double secs = x->seconds;
    if (x->state == JOB_RUNNING) {
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        secs = (double)(t1.tv_sec - x->t0.tv_sec) + (double)(t1.tv_nsec - x->t0.tv_nsec) / 1e9;
    }
    return json_pack("{s:I,s:s,s:s,s:f,s:s,s:s,s:s,s:o,s:f,s:O?,s:o}", "id", (json_int_t)x->id,
                     "kind", kind_name[x->kind], "state", state_name[x->state], "progress",
                     x->progress, "message", x->message, "user", x->user, "started", started,
                     "finished", finished[0] ? json_string(finished) : json_null(), "seconds", secs,
                     "result", x->result ? x->result : json_null(), "error",
                     x->state == JOB_FAILED
                         ? json_pack("{s:s,s:s}", "code", x->err_code, "message", x->err_msg)
                         : json_null());
}

static void get_jobs(struct srv_req *r, struct srv_reply *out)
{
    struct srv_jobs *j = srv_jobs_of(r->srv);
    json_t *arr = json_array();
    pthread_mutex_lock(&j->mu);
    for (struct job *x = j->head; x; x = x->next)
        json_array_append_new(arr, job_json(x));
    pthread_mutex_unlock(&j->mu);
    out->status = 200;
    out->json = json_pack("{s:o}", "jobs", arr);
}

static void get_job(struct srv_req *r, struct srv_reply *out)
{
    struct srv_jobs *j = srv_jobs_of(r->srv);
    int64_t id = srv_param_id(r, 0);
    pthread_mutex_lock(&j->mu);
    struct job *x = j->head;
    while (x && x->id != id)
        x = x->next;
    if (x)
        out->json = job_json(x);
    pthread_mutex_unlock(&j->mu);
    if (!x)
        srv_error(out, 404, "not_found", "no such job");
    else
        out->status = 200;
}

/* Forgets the oldest finished jobs beyond keep (under the lock). */
static void jobs_trim(struct srv_jobs *j, long keep)
{
    long n = 0;
    for (struct job **p = &j->head; *p;) {
        if ((*p)->state != JOB_RUNNING && ++n > keep) {
            struct job *dead = *p;
            *p = dead->next;
            job_free(dead);
        } else {
            p = &(*p)->next;
        }
    }
}

static void post_job(struct srv_req *r, struct srv_reply *out)
{
    struct srv_jobs *j = srv_jobs_of(r->srv);
    const char *kind = json_string_value(json_object_get(r->body, "kind"));
    const char *as_of_s = json_string_value(json_object_get(r->body, "as_of"));
    const char *label = json_string_value(json_object_get(r->body, "label"));
    const char *method = json_string_value(json_object_get(r->body, "method"));
    snprintf(r->audit_object, sizeof r->audit_object, "job:%s", kind ? kind : "?");
    if (srv_body_keys(r, out, "kind,as_of,label,method"))
        return;
    int k = !kind                           ? -1
            : strcmp(kind, "classify") == 0 ? JOB_CLASSIFY
            : strcmp(kind, "monitor") == 0  ? JOB_MONITOR
            : strcmp(kind, "learn") == 0    ? JOB_LEARN
                                            : -1;
    int32_t as_of = INT32_MIN;
    if (k < 0 ||
        (json_object_get(r->body, "as_of") && (!as_of_s || srv_day_arg(as_of_s, 0, &as_of))) ||
        (k == JOB_LEARN && (!label || !*label)) || (k != JOB_LEARN && label) ||
        (method && (k != JOB_LEARN || strcmp(method, "scorecard") != 0))) {
        srv_error(out, 400, "bad_request",
                  "a job needs kind (classify, monitor or learn), may take as_of (YYYY-MM-DD); "
                  "learn needs label (the label file's text)");
        return;
    }
    struct job *x = calloc(1, sizeof *x);
    if (!x || (label && !(x->label = strdup(label)))) {
        free(x);
        srv_error(out, 500, "internal", "out of memory");
        return;
    }
    x->kind = (enum job_kind)k;
    x->as_of = as_of;
    x->s = r->srv;
    x->owner = j;
    snprintf(x->user, sizeof x->user, "%s", r->user->name);
    pthread_mutex_lock(&j->mu);
    int busy = j->running;
    if (!busy)
        j->running = 1; /* the slot is this request's from here */
    pthread_mutex_unlock(&j->mu);
    if (busy) {
        job_free(x);
        srv_error(out, 409, "job_running", "a job is running: wait for it to finish");
        return;
    }
    /* The job's own connection: a writing run takes the writer lock now, so that a verb
     * holding it is told at once (503) rather than by a failed job. */
    cr_diag d = {{0}, {0}, 0, 0};
    cr_err rc = cr_store_open_existing(srv_db_path(r->srv), &x->db, &d);
    if (!rc && k != JOB_LEARN)
        rc = cr_store_lock(x->db, kind, &d);
    if (rc) {
        fprintf(stderr, "crisk serve: cannot start a %s job: %s\n", kind, d.msg);
        job_free(x);
        pthread_mutex_lock(&j->mu);
        j->running = 0;
        pthread_mutex_unlock(&j->mu);
        srv_error(out, 503, "store_busy",
                  "the store is busy: another verb holds its writer lock (try again later)");
        return;
    }
    pthread_mutex_lock(&j->mu);
    if (j->joinable) { /* the previous job's thread has ended (running was 0) */
        pthread_join(j->thread, NULL);
        j->joinable = 0;
    }
    x->id = j->next_id++;
    x->state = JOB_RUNNING;
    x->started = time(NULL);
    clock_gettime(CLOCK_MONOTONIC, &x->t0);
    snprintf(x->message, sizeof x->message, "开始 starting");
    x->next = j->head;
    j->head = x;
    jobs_trim(j, srv_cfg(r->srv)->jobs_kept);
    /* Decided here, under the lock: the thread may fail and mark the job failed before this
     * request answers (a bad rules file fails at once), and that job was started all the same. */
    int no_thread = pthread_create(&j->thread, NULL, job_main, x) != 0;
    if (no_thread) {
        j->running = 0;
        x->state = JOB_FAILED;
        x->finished = time(NULL);
        cr_store_close(x->db);
        x->db = NULL;
        snprintf(x->err_code, sizeof x->err_code, "failed");
        snprintf(x->err_msg, sizeof x->err_msg, "cannot start a thread");
    } else {
        j->joinable = 1;
    }
    snprintf(r->audit_object, sizeof r->audit_object, "job:%lld:%s", (long long)x->id, kind);
    out->json = job_json(x);
    pthread_mutex_unlock(&j->mu);
    out->status = 202;
    if (no_thread)
        srv_error(out, 500, "internal", "the job cannot be started");
}

#define CITY (SRV_ROLE(SRV_CITY_ADMIN) | SRV_ROLE(SRV_CITY_ANALYST))

static const struct srv_route routes[] = {
    {"GET", "/api/v1/jobs", get_jobs, CITY, 0, "jobs"},
    {"POST", "/api/v1/jobs", post_job, CITY, SRV_WRITE, "job.start"},
    {"GET", "/api/v1/jobs/{id}", get_job, CITY, 0, "job"},
};

const struct srv_route_table srv_routes_jobs = {"jobs", routes, sizeof routes / sizeof *routes};
