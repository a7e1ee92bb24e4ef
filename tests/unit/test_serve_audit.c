/* The audit writer of crisk serve (server/audit.c), against a stand-in store that commits or
 * refuses on command: a write finding the queue full waits at most audit_room_wait_ms, every
 * request waiting for a row learns of a refusing store at once (also behind rows kept for a
 * retry, and on stop), the rows' fields are cut on a UTF-8 character boundary and stay valid
 * UTF-8. A hang (the failure before these fixes) ends the test by alarm(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../server/audit.c"

/* ---- the stand-in server: its configuration and its writer ---- */
static struct srv_config cfg;
static pthread_mutex_t smu = PTHREAD_MUTEX_INITIALIZER;
static int refuse;            /* 1: every write fails */
static char written[64][256]; /* objects of the rows committed */
static size_t n_written, n_commits;

const struct srv_config *srv_cfg(const struct srv *s)
{
    (void)s;
    return &cfg;
}

cr_err srv_write(struct srv *s, int lock, cr_err (*fn)(void *ctx, cr_store *w), void *ctx,
                 char *why, size_t cap)
{
    (void)s;
    (void)lock;
    (void)fn;
    const struct batch_w *b = ctx;
    pthread_mutex_lock(&smu);
    int no = refuse;
    if (!no) {
        for (size_t i = 0; i < b->n && n_written < 64; i++)
            snprintf(written[n_written++], sizeof written[0], "%s", b->rows[i].object);
        n_commits++;
    }
    pthread_mutex_unlock(&smu);
    snprintf(why, cap, "refused");
    return no ? CR_ESTORE : CR_OK;
}

static void set_refuse(int v)
{
    pthread_mutex_lock(&smu);
    refuse = v;
    pthread_mutex_unlock(&smu);
}

static size_t count_written(void)
{
    pthread_mutex_lock(&smu);
    size_t n = n_written;
    pthread_mutex_unlock(&smu);
    return n;
}

static struct srv_auditq *start(long batch, long flush_ms, long room_wait_ms)
{
    memset(&cfg, 0, sizeof cfg);
    cfg.audit_batch = batch;
    cfg.audit_flush_ms = flush_ms;
    cfg.audit_room_wait_ms = room_wait_ms;
    n_written = n_commits = 0;
    struct srv_auditq *a = NULL;
    assert_int_equal(srv_auditq_new(NULL, &a), CR_OK);
    return a;
}

static cr_err row(struct srv_auditq *a, const char *object, int wait)
{
    struct cr_audit_rec r = {.at = 1,
                             .user = "u",
                             .role = "district",
                             .action = "portrait",
                             .object = object,
                             .status = 200,
                             .client = "127.0.0.1"};
    return srv_audit_row(a, &r, wait);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

struct writer_arg {
    struct srv_auditq *a;
    cr_err rc;
    int done;
};

static void *write_row(void *p)
{
    struct writer_arg *w = p;
    w->rc = row(w->a, "user:x", 1);
    __atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* With audit_wait 0 a refusing store fills the queue (4 × audit_batch); a read is then refused
 * at once and a write waits audit_room_wait_ms, not for ever; the rows kept are all written once
 * the store takes them again. */
static void full_queue_bounds_a_write(void **state)
{
    (void)state;
    alarm(20);
    set_refuse(1);
    struct srv_auditq *a = start(1, 5, 300);
    for (int i = 0; i < 4; i++)
        assert_int_equal(row(a, "read", 0), CR_OK);
    assert_int_equal(row(a, "read-refused", 0), CR_ESTORE);
    double t0 = now_s();
    assert_int_equal(row(a, "write", 1), CR_ESTORE);
    double waited = now_s() - t0;
    assert_true(waited >= 0.25);
    set_refuse(0);
    for (int i = 0; i < 400 && count_written() < 4; i++)
        sleep_ms(10);
    assert_int_equal(count_written(), 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(written[i], "read");
    srv_auditq_free(a);
    alarm(0);
}

/* A write queued behind reads kept for a retry learns of the refusal (503) at once: the store
 * refusing its batch refuses it too. */
static void waiter_behind_kept_rows_answered(void **state)
{
    (void)state;
    alarm(20);
    set_refuse(1);
    struct srv_auditq *a = start(1, 5, 300);
    assert_int_equal(row(a, "read1", 0), CR_OK);
    assert_int_equal(row(a, "read2", 0), CR_OK);
    struct writer_arg w = {a, CR_OK, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, write_row, &w), 0);
    for (int i = 0; i < 500 && !__atomic_load_n(&w.done, __ATOMIC_SEQ_CST); i++)
        sleep_ms(10);
    assert_true(__atomic_load_n(&w.done, __ATOMIC_SEQ_CST));
    pthread_join(t, NULL);
    assert_int_equal(w.rc, CR_ESTORE);
    set_refuse(0);
    srv_auditq_free(a); /* commits the reads kept */
    assert_int_equal(count_written(), 2);
    alarm(0);
}

/* Stopping with a refusing store: every request that waited was answered, the rows nobody
 * waits for are counted as not written, and the stop ends (no retry for ever). */
static void stop_with_refusing_store_ends(void **state)
{
    (void)state;
    alarm(20);
    set_refuse(1);
    struct srv_auditq *a = start(2, 5, 200);
    struct writer_arg w[3] = {{a, CR_OK, 0}, {a, CR_OK, 0}, {a, CR_OK, 0}};
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, write_row, &w[i]), 0);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].rc, CR_ESTORE);
    }
    for (int i = 0; i < 5; i++)
        assert_int_equal(row(a, "read", 0), CR_OK);
    pthread_mutex_lock(&a->mu);
    size_t queued = a->n;
    pthread_mutex_unlock(&a->mu);
    assert_int_equal(queued, 5);
    srv_auditq_free(a);
    assert_int_equal(count_written(), 0);
    set_refuse(0);
    alarm(0);
}

/* Fields are cut on a character boundary and stay valid UTF-8: a Chinese name across the
 * 128-byte user field, a key across the 256-byte object field, bytes that are not UTF-8. */
static void fields_stay_utf8(void **state)
{
    (void)state;
    char src[600], dst[256];
    memset(src, 'a', 126);
    strcpy(src + 126, "汉字");
    size_t n = srv_text_copy(dst, 128, src, 1);
    assert_int_equal(n, 126);
    assert_int_equal(cr_utf8_valid_prefix(dst, n), n);
    memset(src, 'a', 124);
    strcpy(src + 124, "汉字");
    assert_int_equal(srv_text_copy(dst, 128, src, 1), 127); /* 124 + 汉: 127 bytes, 字 left out */
    src[0] = 0;
    for (int i = 0; i < 100; i++)
        strcat(src, "企"); /* 300 bytes */
    n = srv_text_copy(dst, 256, src, 1);
    assert_int_equal(n, 255);
    assert_int_equal(cr_utf8_valid_prefix(dst, n), n);
    /* Bytes that are not UTF-8 are named; a character cut short at the end is left out. */
    srv_text_copy(dst, sizeof dst, "x\xFF\xC0y", 1);
    assert_string_equal(dst, "x\\xFF\\xC0y");
    srv_text_copy(dst, sizeof dst, "ns:\xE6\xB1\x89\xE5\xAD", 1);
    assert_string_equal(dst, "ns:\xE6\xB1\x89");
    srv_text_copy(dst, sizeof dst, "\xE5\xADx", 1);
    assert_string_equal(dst, "\\xE5\\xADx");
    srv_text_copy(dst, 5, "ab\xFF", 1);
    assert_string_equal(dst, "ab"); /* \xFF does not fit: cut before it */
    srv_text_copy(dst, sizeof dst, "ns:\xE6\xB1\x89\xE5\xAD", 0);
    assert_string_equal(dst, "ns:\xE6\xB1\x89\\xE5\\xAD"); /* stored bytes: all named */
    srv_text_copy(dst, sizeof dst, NULL, 1);
    assert_string_equal(dst, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_queue_bounds_a_write),
        cmocka_unit_test(waiter_behind_kept_rows_answered),
        cmocka_unit_test(stop_with_refusing_store_ends),
        cmocka_unit_test(fields_stay_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
