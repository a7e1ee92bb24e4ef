/* The audit log's writer (docs/serve.md "Audit log"): one thread commits the rows of many
 * requests in one transaction (a group commit) instead of a transaction per request, off the
 * requests' own threads.
 *
 * A request queues its row. With audit_wait: 0 (the default) a read does not wait: its row is
 * committed within audit_flush_ms (a batch of audit_batch rows commits at once); a failed
 * commit keeps the rows and retries; when audit_batch * 4 rows are waiting, audited reads
 * answer 503 until the store takes them. Writes (logins, transitions) always wait until the
 * transaction holding their row has committed, and with audit_wait: 1 reads too: an answer is
 * then never sent before its audit row is in the store. A failed commit answers every request
 * waiting for a row 503 at once (the store is refusing rows), and a request that finds the
 * queue full waits at most audit_room_wait_ms for room, then answers 503. The writer takes
 * everything queued when it wakes, so rows that arrive during a commit share the next one. A
 * clean stop (SIGINT, SIGTERM) commits every queued row before the server exits (a store that
 * refuses them then: every waiting request is answered, the rows are counted on stderr); a
 * crash (kill -9, power) loses the rows not yet committed: with audit_wait: 0, the read rows of
 * at most the last audit_flush_ms (and of a store that was refusing them); with audit_wait: 1,
 * none of an answered request.
 *
 * Deadlines are on CLOCK_MONOTONIC (the condition variables' clock): a change of the wall
 * clock neither stretches nor cuts a wait. Fields longer than the row's buffers are cut on a
 * UTF-8 character boundary; bytes that are not UTF-8 are kept as \xNN, so every row stays
 * valid UTF-8 (GET /api/v1/audit encodes it as JSON). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crisk/text.h"
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
    long flush_ms, room_wait_ms;
    struct row *out;              /* the batch being written (writer thread only) */
    long long rows_ok, commits;   /* rows committed, and in how many transactions */
    long long rows_lost, refused; /* rows a stopping server could not write; rows refused */
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

/* Bytes of the valid UTF-8 character at s[0..len), 0 when none starts there. */
static size_t char_len(const char *s, size_t len)
{
    unsigned char c = (unsigned char)s[0];
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    n = n <= len ? n : len;
    return cr_utf8_valid_prefix(s, n) == n ? n : 0;
}

/* Whether s[0..len) is the start of a valid UTF-8 character cut short (the end of a text cut
 * by a fixed buffer). */
static int cut_char(const char *s, size_t len)
{
    unsigned char c = (unsigned char)s[0];
    size_t n = c >= 0xC2 && c <= 0xDF   ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    if (!n || len >= n)
        return 0;
    for (size_t k = 1; k < len; k++)
        if (((unsigned char)s[k] & 0xC0) != 0x80)
            return 0;
    return 1;
}

size_t srv_text_copy(char *dst, size_t cap, const char *src, int cut_end)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = src ? strlen(src) : 0, k = 0;
    if (!cap)
        return 0;
    for (size_t i = 0; i < len;) {
        size_t n = char_len(src + i, len - i);
        if (n) {
            if (k + n >= cap)
                break; /* the next character does not fit: cut before it */
            memcpy(dst + k, src + i, n);
            k += n;
            i += n;
        } else if (cut_end && cut_char(src + i, len - i)) {
            break; /* a character cut by the caller's own buffer: left out, not escaped */
        } else {
            if (k + 4 >= cap)
                break;
            unsigned char b = (unsigned char)src[i++];
            dst[k++] = '\\';
            dst[k++] = 'x';
            dst[k++] = hex[b >> 4];
            dst[k++] = hex[b & 15];
        }
    }
    dst[k] = 0;
    return k;
}

static void deadline_in(struct timespec *t, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, t);
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

/* After a batch of k rows (the first k of the queue) was written with rc: on success its rows
 * leave the queue and their waiters learn it. On a failure the store is refusing rows: every
 * waiter in the queue (not only the batch's: those behind rows kept for a retry would wait for
 * as long as the store refuses) learns rc and its row leaves; the rows nobody waits for stay to
 * be retried. */
static void batch_done(struct srv_auditq *a, size_t k, cr_err rc)
{
    size_t kept = 0, upto = rc ? a->n : k;
    for (size_t i = 0; i < upto; i++) {
        struct row *r = &a->q[i];
        if (r->w) {
            r->w->rc = rc;
            r->w->done = 1;
        } else if (rc) {
            a->q[kept++] = *r;
        }
    }
    memmove(a->q + kept, a->q + upto, (a->n - upto) * sizeof *a->q);
    a->n = a->n - upto + kept;
    if (!rc) {
        a->rows_ok += (long long)k;
        a->commits++;
    }
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
            /* Stopping and the store refuses: say what is lost rather than spin (batch_done
             * answered every waiter; the rows left are those nobody waits for). */
            if (a->n)
                fprintf(stderr, "crisk serve: %zu audit rows could not be written\n", a->n);
            a->rows_lost += (long long)a->n;
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
    a->room_wait_ms = c->audit_room_wait_ms;
    a->q = calloc(a->cap, sizeof *a->q);
    a->out = calloc(a->batch, sizeof *a->out);
    pthread_condattr_t ca;
    pthread_mutex_init(&a->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&a->added, &ca);
    pthread_cond_init(&a->done, &ca);
    pthread_condattr_destroy(&ca);
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
        pthread_cond_broadcast(&a->done); /* a request waiting for room gives up */
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->thread, NULL);
        fprintf(
            stderr,
            "crisk serve: audit log: %lld rows in %lld commits, %lld refused (queue full), %lld "
            "not written\n",
            a->rows_ok, a->commits, a->refused, a->rows_lost);
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
    /* A write's row (wait) waits for room, at most room_wait_ms; a read's row finds the queue
     * full only when the store has refused rows for a while: the read is then refused (503). */
    if (wait && a->n == a->cap && !a->stop) {
        struct timespec t;
        deadline_in(&t, a->room_wait_ms);
        while (a->n == a->cap && !a->stop)
            if (pthread_cond_timedwait(&a->done, &a->mu, &t) == ETIMEDOUT)
                break;
    }
    if (a->n == a->cap || a->stop) {
        a->refused++;
        pthread_mutex_unlock(&a->mu);
        return CR_ESTORE;
    }
    struct row *r = &a->q[a->n++];
    memset(r, 0, sizeof *r);
    r->at = rec->at;
    r->status = rec->status;
    srv_text_copy(r->user, sizeof r->user, rec->user, 1);
    srv_text_copy(r->role, sizeof r->role, rec->role, 1);
    srv_text_copy(r->action, sizeof r->action, rec->action, 1);
    srv_text_copy(r->object, sizeof r->object, rec->object, 1);
    srv_text_copy(r->client, sizeof r->client, rec->client, 1);
    r->w = wait ? &w : NULL;
    pthread_cond_signal(&a->added);
    while (wait && !w.done)
        pthread_cond_wait(&a->done, &a->mu);
    pthread_mutex_unlock(&a->mu);
    return w.rc;
}
