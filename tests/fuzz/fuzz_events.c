/* Fuzz target: the event-block codec of the store (src/store/events.c, docs/store.md "Event
 * blocks"). Bit 0 of the first byte chooses the mode:
 *   0  decode: the rest is a stored block as read from a damaged or hostile file (the first
 *      byte's other bits give the length of a subject's posting list that precedes it); every
 *      reader must reject it or give back events whose attrs lie inside readable memory;
 *   1  round trip: the rest, split at newlines, is the attrs of one event each (JSON objects
 *      as ingest writes them, or anything else); written and read back, every event's attrs
 *      must come back byte for byte, in order. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crisk/store.h"
#include "store/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct expect {
    const uint8_t *p; /* the attrs of the events still to come, separated by newlines */
    const uint8_t *end;
    size_t seen;
};

static int touch(void *ctx, const struct cr_event_row *e)
{
    size_t *n = ctx;
    if (e->attrs_len && !e->attrs)
        __builtin_trap();
    volatile char sink = e->attrs_len ? e->attrs[0] + e->attrs[e->attrs_len - 1] : 0;
    (void)sink;
    (*n)++;
    return 0;
}

static void hash_seen(void *ctx, int64_t topic, int64_t h)
{
    (void)topic;
    (void)h;
    (*(size_t *)ctx)++;
}

static int compare(void *ctx, const struct cr_event_row *e)
{
    struct expect *x = ctx;
    if (x->p > x->end || e->subject != (int64_t)x->seen)
        __builtin_trap();
    const uint8_t *nl = memchr(x->p, '\n', (size_t)(x->end - x->p));
    size_t len = nl ? (size_t)(nl - x->p) : (size_t)(x->end - x->p);
    if (e->attrs_len != len || (len && memcmp(e->attrs, x->p, len) != 0))
        __builtin_trap();
    x->p += len + 1;
    x->seen++;
    return 0;
}

static void sql(cr_store *s, const char *text)
{
    if (sqlite3_exec(cr__store_db(s), text, NULL, NULL, NULL) != SQLITE_OK)
        abort();
}

static void decode(cr_store *s, const uint8_t *data, size_t size, size_t posting_len)
{
    if (posting_len > size)
        posting_len = size;
    sqlite3 *db = cr__store_db(s);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO event_block(id, topic, n, day_min, day_max, data) "
                           "VALUES(2, 1, 0, 0, 0, ?1)",
                           -1, &st, NULL))
        abort();
    sqlite3_bind_blob(st, 1, data + posting_len, (int)(size - posting_len), SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        abort();
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "INSERT INTO event_posting(subject, blocks) VALUES(7, ?1)", -1, &st,
                           NULL))
        abort();
    sqlite3_bind_blob(st, 1, posting_len ? data : (const void *)"", (int)posting_len,
                      SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        abort();
    sqlite3_finalize(st);
    size_t n = 0;
    static const uint8_t attrs_of[2] = {0, 1};
    cr_err rc = cr_store_events_range(s, 0, INT64_MAX, NULL, 0, touch, &n);
    if (rc != CR_OK && rc != CR_ESTORE)
        __builtin_trap();
    rc = cr_store_events_range(s, 0, INT64_MAX, attrs_of, 2, touch, &n);
    if (rc != CR_OK && rc != CR_ESTORE)
        __builtin_trap();
    static const int64_t subjects[3] = {0, 7, 4294967295};
    rc = cr_store_events_each(s, subjects, 3, touch, &n);
    if (rc != CR_OK && rc != CR_ESTORE)
        __builtin_trap();
    rc = cr_store_hashes_each(s, hash_seen, &n);
    if (rc != CR_OK && rc != CR_ESTORE)
        __builtin_trap();
    sql(s, "DELETE FROM event_block; DELETE FROM event_posting");
}

static void round_trip(cr_store *s, const uint8_t *data, size_t size)
{
    struct cr_event_row row = {.topic = 1};
    if (cr_store_begin(s) != CR_OK)
        abort();
    const uint8_t *p = data, *end = data + size;
    for (int64_t i = 0; p <= end; i++) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        row.subject = i;
        row.day = (int32_t)i;
        row.h = i;
        row.has_amount = (int)(i & 1);
        row.amount_fen = i * 100;
        row.attrs = (const char *)p;
        row.attrs_len = len;
        if (cr_store_events_add(s, &row, 1) != CR_OK)
            __builtin_trap();
        p += len + 1;
    }
    if (cr_store_commit(s) != CR_OK)
        __builtin_trap();
    struct expect x = {data, data + size, 0};
    if (cr_store_events_range(s, 0, INT64_MAX, NULL, 0, compare, &x) != CR_OK)
        __builtin_trap();
    if (x.p <= x.end)
        __builtin_trap(); /* an event went missing */
    sql(s, "DELETE FROM event_block; DELETE FROM event_posting; UPDATE meta SET v = 0 WHERE "
           "k = 'events'");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cr_store *s;
    if (!s) {
        if (cr_store_open(":memory:", &s, NULL) != CR_OK)
            abort();
        sql(s, "UPDATE meta SET v = 1 WHERE k = 'posting_upto'"); /* postings are read */
    }
    if (size < 1)
        return 0;
    if (data[0] & 1)
        round_trip(s, data + 1, size - 1);
    else
        decode(s, data + 1, size - 1, data[0] >> 1);
    return 0;
}
