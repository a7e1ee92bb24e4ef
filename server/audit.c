/* The audit log's writer (docs/serve.md "Audit log"): one thread commits the rows of many
 * requests in one transaction (a group commit) instead of a transaction per request, off the
 * requests' own threads.
 *
 * A request queues its row and, with audit_wait: 1 (the default), waits until the transaction
 * holding it has committed: an answer is never sent before its audit row is in the store, and
 * a failed commit answers 503 as before. The writer takes everything queued when it wakes, so
 * rows that arrive during a commit share the next one. With audit_wait: 0 a read does not wait:
 * its row is committed within audit_flush_ms (a batch of audit_batch rows commits at once); a
 * failed commit keeps the rows and retries; when audit_batch * 4 rows are waiting, audited
 * reads answer 503 until the store takes them. Writes (logins, transitions) always wait. A
 * clean stop (SIGINT, SIGTERM) commits every queued row before the server exits; a crash
 * (kill -9, power) loses the rows not yet committed: with audit_wait: 0, those of at most the
 * last audit_flush_ms (and of a store that was refusing them); with audit_wait: 1, none of an
 * answered request. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

struct waiter {
    int done;
    cr_err rc;
};

struct row {
    int64_t at;
    int status;
    char user[128], role[32], action[48], object[256], client[64];
    struct waiter *w; /* NULL: nobody waits for it */
};

struct srv_auditq {
    struct srv *s;
    pthread_mutex_t mu;
    pthread_cond_t added, done;
    pthread_t thread;
    int started, stop;
    struct row *q; /* queued rows, oldest first */
    size_t n, cap, batch;
    long flush_ms;
    struct row *out; /* the batch being written (writer thread only) */
};

struct batch_w {
    const struct row *rows;
    size_t n;
};

static cr_err batch_write(void *ctx, cr_store *w)
{
    const struct batch_w *b = ctx;
    cr_err rc = CR_OK;
    for (size_t i = 0; i < b->n && !rc; i++) {
        const struct row *r = &b->rows[i];
        struct cr_audit_rec a = {.at = r->at,
                                 .user = r->user,
                                 .role = r->role,
                                 .action = r->action,
                                 .object = r->object,
                                 .status = r->status,
                                 .client = r->client};
        rc = cr_store_audit_add(w, &a);
    }
    return rc;
}

static void deadline_in(struct timespec *t, long ms)
{
    clock_gettime(CLOCK_REALTIME, t);
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

static int any_waiter(const struct srv_auditq *a)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->q[i].w)
            return 1;
    return 0;
}

/* After a batch of k rows (the first k of the queue) was written with rc: its waiters learn
 * rc; the rows leave the queue, but on a failure those nobody waits for stay to be retried. */
static void batch_done(struct srv_auditq *a, size_t k, cr_err rc)
{
    size_t kept = 0;
    for (size_t i = 0; i < k; i++) {
        struct row *r = &a->q[i];
        if (r->w) {
            r->w->rc = rc;
            r->w->done = 1;
        } else if (rc) {
            a->q[kept++] = *r;
        }
    }
    memmove(a->q + kept, a->q + k, (a->n - k) * sizeof *a->q);
    a->n = a->n - k + kept;
    pthread_cond_broadcast(&a->done);
}

static void *writer_main(void *arg)
{
    struct srv_auditq *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        if (!a->n) {
            if (a->stop)
                break;
            pthread_cond_wait(&a->added, &a->mu);
            continue;
        }
        /* Nobody waiting: gather up to a batch for at most flush_ms. */
        if (!a->stop && a->n < a->batch && !any_waiter(a)) {
            struct timespec t;
            deadline_in(&t, a->flush_ms);
            while (!a->stop && a->n < a->batch && !any_waiter(a))
                if (pthread_cond_timedwait(&a->added, &a->mu, &t) == ETIMEDOUT)
                    break;
        }
        size_t k = a->n < a->batch ? a->n : a->batch;
        memcpy(a->out, a->q, k * sizeof *a->q);
        pthread_mutex_unlock(&a->mu);
        struct batch_w b = {a->out, k};
        char why[200];
        cr_err rc = srv_write(a->s, 0, batch_write, &b, why, sizeof why);
        if (rc)
            fprintf(stderr, "crisk serve: cannot write the audit log (%zu rows): %s\n", k, why);
        pthread_mutex_lock(&a->mu);
        batch_done(a, k, rc);
        if (rc && a->stop) {
            /* Stopping and the store refuses: say what is lost rather than spin. */
            if (a->n)
                fprintf(stderr, "crisk serve: %zu audit rows could not be written\n", a->n);
            a->n = 0;
        } else if (rc) {
            struct timespec t;
            deadline_in(&t, a->flush_ms);
            pthread_cond_timedwait(&a->added, &a->mu, &t);
        }
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

cr_err srv_auditq_new(struct srv *s, struct srv_auditq **out)
{
    const struct srv_config *c = srv_cfg(s);
    struct srv_auditq *a = calloc(1, sizeof *a);
    if (!a)
        return CR_ENOMEM;
    a->s = s;
    a->batch = (size_t)c->audit_batch;
    a->cap = a->batch * 4;
    a->flush_ms = c->audit_flush_ms;
    a->q = calloc(a->cap, sizeof *a->q);
    a->out = calloc(a->batch, sizeof *a->out);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->added, NULL);
    pthread_cond_init(&a->done, NULL);
    if (!a->q || !a->out || pthread_create(&a->thread, NULL, writer_main, a)) {
        srv_auditq_free(a);
        return CR_ENOMEM;
    }
    a->started = 1;
    *out = a;
    return CR_OK;
}

void srv_auditq_free(struct srv_auditq *a)
{
    if (!a)
        return;
    if (a->started) {
        pthread_mutex_lock(&a->mu);
        a->stop = 1;
        pthread_cond_broadcast(&a->added);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->thread, NULL);
    }
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->added);
    pthread_cond_destroy(&a->done);
    free(a->q);
    free(a->out);
    free(a);
}

cr_err srv_audit_row(struct srv_auditq *a, const struct cr_audit_rec *rec, int wait)
{
    struct waiter w = {0, CR_OK};
    pthread_mutex_lock(&a->mu);
    /* A write's row (wait) may wait for room; a read's row finds the queue full only when
     * the store has refused rows for a while: the read is then refused (503). */
    while (wait && a->n == a->cap && !a->stop)
        pthread_cond_wait(&a->done, &a->mu);
    if (a->n == a->cap || a->stop) {
        pthread_mutex_unlock(&a->mu);
        return CR_ESTORE;
    }
    struct row *r = &a->q[a->n++];
    memset(r, 0, sizeof *r);
    r->at = rec->at;
    r->status = rec->status;
    snprintf(r->user, sizeof r->user, "%s", rec->user ? rec->user : "");
    snprintf(r->role, sizeof r->role, "%s", rec->role ? rec->role : "");
    snprintf(r->action, sizeof r->action, "%s", rec->action ? rec->action : "");
    snprintf(r->object, sizeof r->object, "%s", rec->object ? rec->object : "");
    snprintf(r->client, sizeof r->client, "%s", rec->client ? rec->client : "");
    r->w = wait ? &w : NULL;
    pthread_cond_signal(&a->added);
    while (wait && !w.done)
        pthread_cond_wait(&a->done, &a->mu);
    pthread_mutex_unlock(&a->mu);
    return w.rc;
}
