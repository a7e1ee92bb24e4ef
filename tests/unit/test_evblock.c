/* The event-block codec (src/store/evblock.c): the bytes of a block as docs/store.md documents
 * them, and a round trip of every kind of attrs, without a store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "store/evblock.h"

/* Little-endian writers for the expected bytes. */
static size_t put(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
    return (size_t)bytes;
}

static size_t put_s(unsigned char *p, const char *s)
{
    memcpy(p, s, strlen(s));
    return strlen(s);
}

static void encodes_as_documented(void **state)
{
    (void)state;
    struct cr_evblock *b = cr__evblock_new();
    assert_non_null(b);
    const struct cr_event_row rows[] = {
        {.subject = 7,
         .topic = 3,
         .day = 19000,
         .amount_fen = 1234,
         .has_amount = 1,
         .h = 11,
         .attrs = "{\"a\":\"x\",\"b\":\"yz\"}",
         .attrs_len = 18},
        {.subject = 9, .topic = 3, .day = 18999, .h = -2},
        {.subject = 9, .topic = 3, .day = 19001, .h = 5, .attrs = "[1]", .attrs_len = 3},
    };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(cr__evblock_full(b, &rows[i]), 0);
        assert_int_equal(cr__evblock_add(b, &rows[i]), CR_OK);
    }
    struct cr_event_row other = {.subject = 1, .topic = 4};
    assert_int_equal(cr__evblock_full(b, &other), 1); /* another topic: write b first */
    assert_int_equal(b->day_min, 18999);
    assert_int_equal(b->day_max, 19001);

    unsigned char want[256];
    size_t n = 0;
    n += put(want + n, 2, 4); /* version */
    n += put(want + n, 3, 4); /* n */
    n += put(want + n, 7, 4) + put(want + n + 4, 9, 4) + put(want + n + 8, 9, 4);
    n += put(want + n, 19000, 4) + put(want + n + 4, 18999, 4) + put(want + n + 8, 19001, 4);
    n += put(want + n, 1234, 8) + put(want + n + 8, (uint64_t)INT64_MIN, 8) +
         put(want + n + 16, (uint64_t)INT64_MIN, 8);
    n += put(want + n, 11, 8) + put(want + n + 8, (uint64_t)-2, 8) + put(want + n + 16, 5, 8);
    /* attrs: event 0 packed = mask 3 + varint 1 "x" + varint 2 "yz" (4 + 2 + 3 = 9 bytes);
     * event 1 none; event 2 raw = 0xFFFFFFFF + "[1]" (7 bytes) */
    n += put(want + n, 9, 4) + put(want + n + 4, 9, 4) + put(want + n + 8, 16, 4);
    n += put(want + n, 2, 4); /* names */
    n += put(want + n, 1, 2);
    n += put_s(want + n, "a");
    n += put(want + n, 1, 2);
    n += put_s(want + n, "b");
    n += put(want + n, 3, 4);
    n += put(want + n, 1, 1);
    n += put_s(want + n, "x");
    n += put(want + n, 2, 1);
    n += put_s(want + n, "yz");
    n += put(want + n, 0xFFFFFFFFu, 4);
    n += put_s(want + n, "[1]");

    const unsigned char *got;
    size_t len;
    assert_int_equal(cr__evblock_encode(b, &got, &len), CR_OK);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);

    /* and back */
    struct cr_evview v;
    struct cr_jbuf j = {0};
    assert_int_equal(cr__evview_of(got, len, &v), 0);
    assert_int_equal(v.n, 3);
    for (uint32_t i = 0; i < 3; i++) {
        struct cr_event_row e;
        assert_int_equal(cr__evview_row(&v, 3, i, &e, &j), 0);
        assert_int_equal(e.subject, rows[i].subject);
        assert_int_equal(cr__evview_subject(&v, i), rows[i].subject);
        assert_int_equal(e.day, rows[i].day);
        assert_int_equal(e.has_amount, rows[i].has_amount);
        assert_int_equal(e.amount_fen, rows[i].amount_fen);
        assert_int_equal(e.h, rows[i].h);
        assert_int_equal(cr__evview_h(&v, i), rows[i].h);
        assert_int_equal(e.attrs_len, rows[i].attrs_len);
        if (e.attrs_len)
            assert_memory_equal(e.attrs, rows[i].attrs, e.attrs_len);
    }
    /* a cut block is rejected */
    assert_int_equal(cr__evview_of(got, len - 1, &v), -1);
    free(j.p);
    cr__evblock_clear(b);
    assert_int_equal(b->n, 0);
    cr__evblock_free(b);
}

/* Values holding escaped quotes and runs of backslashes are split where JSON ends them (a quote
 * after an even run of backslashes), so the event is packed, not kept raw, and comes back byte
 * for byte; a value whose closing quote is escaped away is kept raw. */
static void escapes_split_where_json_ends_strings(void **state)
{
    (void)state;
    struct cr_evblock *b = cr__evblock_new();
    assert_non_null(b);
    const char *attrs[] = {
        "{\"a\":\"x\\\"y\",\"b\":\"\\\\\",\"c\":\"\\\\\\\"q\\\\\"}", /* x\"y, \\, \\\"q\\ */
        "{\"a\":\"\\\"}",                                            /* the value's quote escaped */
    };
    struct cr_event_row rows[2];
    for (int i = 0; i < 2; i++) {
        rows[i] = (struct cr_event_row){.subject = 1, .topic = 1, .day = 1, .h = i + 1};
        rows[i].attrs = attrs[i];
        rows[i].attrs_len = strlen(attrs[i]);
        assert_int_equal(cr__evblock_add(b, &rows[i]), CR_OK);
    }
    uint32_t mask;
    memcpy(&mask, b->attrs, 4);
    assert_int_equal(mask, 7);                                          /* packed: a, b and c */
    assert_int_equal(b->attrs_end[0], 4 + (1 + 4) + (1 + 2) + (1 + 7)); /* the values' text */
    memcpy(&mask, b->attrs + b->attrs_end[0], 4);
    assert_int_equal(mask, 0xFFFFFFFFu); /* raw */
    const unsigned char *got;
    size_t len;
    assert_int_equal(cr__evblock_encode(b, &got, &len), CR_OK);
    struct cr_evview v;
    struct cr_jbuf j = {0};
    assert_int_equal(cr__evview_of(got, len, &v), 0);
    for (uint32_t i = 0; i < 2; i++) {
        struct cr_event_row e;
        assert_int_equal(cr__evview_row(&v, 1, i, &e, &j), 0);
        assert_int_equal(e.attrs_len, rows[i].attrs_len);
        assert_memory_equal(e.attrs, rows[i].attrs, e.attrs_len);
    }
    free(j.p);
    cr__evblock_free(b);
}

static void fills_up_to_its_limit(void **state)
{
    (void)state;
    struct cr_evblock *b = cr__evblock_new();
    assert_non_null(b);
    struct cr_event_row e = {.subject = 1, .topic = 1, .day = 1};
    size_t added = 0;
    while (!cr__evblock_full(b, &e)) {
        assert_int_equal(cr__evblock_add(b, &e), CR_OK);
        added++;
    }
    assert_int_equal(added, CR__EVBLOCK_EVENTS);
    cr__evblock_free(b);
}

static void varints_round_trip(void **state)
{
    (void)state;
    const uint64_t vals[] = {0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        unsigned char p[10];
        size_t k = cr__varint_put(p, vals[i]);
        const unsigned char *q = p;
        uint64_t v;
        assert_int_equal(cr__varint_get(&q, p + k, &v), 0);
        assert_true(v == vals[i]);
        assert_ptr_equal(q, p + k);
        q = p;
        if (k > 1)
            assert_int_equal(cr__varint_get(&q, p + k - 1, &v), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encodes_as_documented),
        cmocka_unit_test(fills_up_to_its_limit),
        cmocka_unit_test(varints_round_trip),
        cmocka_unit_test(escapes_split_where_json_ends_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
