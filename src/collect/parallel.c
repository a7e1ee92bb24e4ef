#include "crisk/ingest.h"

#include <pthread.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_internal.h"
#include "sink.h"

/* ---- the events pass, in parallel ---- */

struct worker {
    ingest ig;
    struct cr_ingest_report rep;
    struct par *par;
    int index;
    int did_roles; /* its persons map is the run's now */
    cr_err rc;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct par *p = w->par;
    const cr_catalog *cat = w->ig.cat;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t at = p->err || p->next_task == p->n_tasks ? SIZE_MAX : p->next_task++;
        /* The roles topics go to one thread together: it alone numbers the persons. */
        size_t last = at < p->n_roles ? p->n_roles : at + 1;
        if (at < p->n_roles)
            p->next_task = p->n_roles;
        pthread_mutex_unlock(&p->mu);
        if (at == SIZE_MAX)
            break;
        if (at < p->n_roles)
            w->did_roles = 1;
        for (; at < last && !w->rc; at++) {
            size_t task = p->order[at], t = p->tasks[task];
            p->owner[task] = w->index;
            p->first[task] = w->rep.n_files;
            w->rc = cr__ingest_topic(&w->ig, &cat->topics[t], w->ig.topic_ids[t]);
            p->count[task] = w->rep.n_files - p->first[task];
        }
        if (w->rc) {
            pthread_mutex_lock(&p->mu);
            if (!p->err)
                p->err = w->rc;
            pthread_mutex_unlock(&p->mu);
            break;
        }
    }
    return NULL;
}

/* Moves a worker's file reports, reasons and counters into the run's report; files in catalog
 * order, as one thread would have listed them. */
static cr_err merge_reports(struct cr_ingest_report *into, struct worker *w, size_t n_workers,
                            const struct par *p)
{
    size_t add = 0;
    for (size_t i = 0; i < n_workers; i++)
        add += w[i].rep.n_files;
    void *grown = realloc(into->files, (into->n_files + add + 1) * sizeof *into->files);
    if (!grown)
        return CR_ENOMEM;
    into->files = grown;
    for (size_t task = 0; task < p->n_tasks; task++) /* in catalog order */
        if (p->owner[task] >= 0) {
            const struct cr_ingest_report *r = &w[p->owner[task]].rep;
            memcpy(into->files + into->n_files, r->files + p->first[task],
                   p->count[task] * sizeof *into->files);
            into->n_files += p->count[task];
        }
    cr_err rc = CR_OK;
    for (size_t i = 0; i < n_workers; i++) {
        struct cr_ingest_report *r = &w[i].rep;
        free(r->files); /* their strings now belong to into */
        r->files = NULL;
        r->n_files = 0;
        into->unlinked += r->unlinked;
        into->n_file_errors += r->n_file_errors;
        into->n_unmatched_patterns += r->n_unmatched_patterns;
        into->unverified_divisions += r->unverified_divisions;
        for (size_t k = 0; k < r->n_reasons; k++)
            if (!rc && cr__ingest_reason_add(&into->reasons, &into->n_reasons, r->reasons[k].reason,
                                             r->reasons[k].count))
                rc = CR_ENOMEM;
        for (size_t k = 0; k < r->n_nulled; k++)
            if (!rc && cr__ingest_count_nulled(into, r->nulled[k].reason, r->nulled[k].count))
                rc = CR_ENOMEM;
        cr_ingest_report_free(r);
    }
    return rc;
}

/* The threads to parse event feeds with: the option (at most CR_INGEST_MAX_THREADS), else one
 * per online core up to CR_INGEST_DEFAULT_THREADS (crisk/ingest.h). */
size_t cr__ingest_parser_threads(const struct cr_ingest_opts *opts)
{
    long n = opts->threads;
    if (n <= 0) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        n = n < 1 ? 1 : n > CR_INGEST_DEFAULT_THREADS ? CR_INGEST_DEFAULT_THREADS : n;
    }
    return (size_t)(n > CR_INGEST_MAX_THREADS ? CR_INGEST_MAX_THREADS : n);
}

struct sized_task {
    size_t bytes, task;
};

/* Largest first, then in catalog order. */
static int cmp_task(const void *a, const void *b)
{
    const struct sized_task *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return x->task < y->task ? -1 : x->task > y->task;
}

/* Fills order[from..n) with the tasks from..n, largest topic first. */
static cr_err order_tasks(size_t *order, size_t from, size_t n, const size_t *tasks,
                          const size_t *bytes)
{
    struct sized_task *v = malloc((n + 1) * sizeof *v);
    if (!v)
        return CR_ENOMEM;
    for (size_t i = from; i < n; i++)
        v[i - from] = (struct sized_task){bytes[tasks[i]], i};
    qsort(v, n - from, sizeof *v, cmp_task);
    for (size_t i = 0; i < from; i++)
        order[i] = i;
    for (size_t i = from; i < n; i++)
        order[i] = v[i - from].task;
    free(v);
    return CR_OK;
}

/* Every roles and event topic, parsed by n threads that each take whole topics (a topic's
 * de-duplication set then belongs to one thread; the roles topics go to one thread together).
 * Event topics are handed out largest first, so that no thread is left with a big one when the
 * others are done. */
cr_err cr__ingest_events_pass(ingest *ig, const struct cr_ingest_opts *opts)
{
    const cr_catalog *cat = ig->cat;
    size_t n = cr__ingest_parser_threads(opts);
    struct par p = {.next_subject = ig->next_subject, .next_file = ig->next_file};
    size_t *tasks = calloc(cat->n_topics + 1, sizeof *tasks);
    size_t *order = calloc(cat->n_topics + 1, sizeof *order);
    p.first = calloc(cat->n_topics + 1, sizeof *p.first);
    p.count = calloc(cat->n_topics + 1, sizeof *p.count);
    p.owner = malloc((cat->n_topics + 1) * sizeof *p.owner);
    struct worker *w = calloc(n, sizeof *w);
    pthread_t *th = calloc(n, sizeof *th);
    cr_err rc = CR_OK;
    if (!tasks || !order || !p.first || !p.count || !p.owner || !w || !th) {
        rc = CR_ENOMEM;
        goto out;
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < cat->n_topics; i++)
            if (cat->topics[i].role == (pass ? CR_TOPIC_EVENTS : CR_TOPIC_ROLES)) {
                p.owner[p.n_tasks] = -1;
                tasks[p.n_tasks++] = i;
                p.n_roles += !pass;
            }
    if ((rc = order_tasks(order, p.n_roles, p.n_tasks, tasks, ig->topic_bytes)))
        goto out;
    p.tasks = tasks;
    p.order = order;
    pthread_mutex_init(&p.mu, NULL);
    size_t started = 0;
    for (size_t i = 0; i < n; i++) {
        w[i].ig = *ig; /* shared tables by pointer; buffers and counters of its own below */
        w[i].ig.par = &p;
        w[i].ig.rep = &w[i].rep;
        w[i].ig.canon = w[i].ig.attrs = w[i].ig.norm = w[i].ig.crlf = (struct buf){0};
        w[i].ig.last_subj = NULL;
        w[i].ig.last_id = 0;
        w[i].par = &p;
        w[i].index = (int)i;
        if (!(w[i].ig.out = cr__sink_open(ig->k))) {
            rc = CR_ENOMEM;
            break;
        }
    }
    /* With one thread (or one that could not start) the work is simply done here. */
    for (size_t i = 1; !rc && i < n; i++)
        if (pthread_create(&th[i], NULL, worker_run, &w[i]) == 0)
            started = i;
        else
            break;
    if (!rc)
        worker_run(&w[0]);
    for (size_t i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    for (size_t i = 0; i < n; i++)
        if (w[i].did_roles) {
            ig->persons = w[i].ig.persons; /* grown by that thread alone */
            ig->next_person = w[i].ig.next_person;
        }
    for (size_t i = 0; i < n; i++) {
        cr__sink_close(w[i].ig.out, !w[i].rc); /* the others stopped between topics */
        free(w[i].ig.canon.p);
        free(w[i].ig.crlf.p);
        free(w[i].ig.attrs.p);
        free(w[i].ig.norm.p);
    }
    if (!rc)
        rc = p.err;
    cr_err mrc = merge_reports(ig->rep, w, n, &p);
    rc = rc ? rc : mrc;
    cr__smap_free(&p.late);
    pthread_mutex_destroy(&p.mu);
out:
    free(tasks);
    free(order);
    free(p.first);
    free(p.count);
    free(p.owner);
    free(w);
    free(th);
    return rc;
}
