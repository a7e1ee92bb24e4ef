/* The content-hash sets of src/base/tables.c when one set takes another's memory
 * (cr__hset_release, cr__hset_adopt: src/collect/dedupe.c reuses a topic's set for the next
 * topic's): the taking set holds exactly its own entries, none of the other's, and keeps them
 * through a later growth; sizes are the ones the memory was allocated with (ASan and the big
 * mappings' munmap would say otherwise). Sizes from small (calloc) to past 4 MiB (a mapping of
 * its own, src/base/bigmem.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "base/tables.h"

static struct hkey key(uint64_t set, uint64_t i)
{
    return (struct hkey){(set << 40) + i + 1, 0x9E3779B97F4A7C15ull * (i + 1)};
}

static void fill(struct hset *s, uint64_t set, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(cr__hset_add(s, key(set, i)), 1);
}

static void adopt_keeps_own_entries_only(void **state)
{
    (void)state;
    static const uint64_t sizes[][2] = {{100, 40}, {3000, 500}, {400000, 20000}};
    for (size_t c = 0; c < sizeof sizes / sizeof *sizes; c++) {
        uint64_t big = sizes[c][0], small = sizes[c][1];
        struct hset a = {0}, b = {0};
        assert_int_equal(cr__hset_reserve(&a, big), CR_OK);
        fill(&a, 1, big); /* every slot a could probe is dirty now */
        fill(&b, 2, small);
        size_t cap = 0;
        struct hkey *mem = cr__hset_release(&a, &cap);
        assert_non_null(mem);
        assert_true(cap >= cr__hset_cap_for(big));
        assert_null(a.slot);
        assert_int_equal(a.cap, 0);
        assert_int_equal(cr__hset_has(&a, key(1, 0)), 0);
        cr__hset_adopt(&b, mem, cap, small * 2);
        assert_ptr_equal(b.slot, mem);
        assert_int_equal(b.n, small);
        assert_int_equal(b.cap, cr__hset_cap_for(small * 2));
        for (uint64_t i = 0; i < big; i++)
            assert_int_equal(cr__hset_has(&b, key(1, i)), 0); /* nothing of a's */
        for (uint64_t i = 0; i < small; i++)
            assert_int_equal(cr__hset_add(&b, key(2, i)), 0); /* all of b's */
        /* grows past its piece (fresh memory, the piece freed with its own size) */
        fill(&b, 3, big * 2);
        assert_int_equal(b.n, small + big * 2);
        for (uint64_t i = 0; i < small; i++)
            assert_int_equal(cr__hset_has(&b, key(2, i)), 1);
        assert_int_equal(cr__hset_has(&b, key(1, 0)), 0);
        cr__hset_free(&b);
        assert_null(b.slot);
    }
}

/* A piece larger than needed: the set uses its first part, and frees it whole. */
static void adopt_uses_part_of_a_bigger_piece(void **state)
{
    (void)state;
    struct hset a = {0}, b = {0};
    assert_int_equal(cr__hset_reserve(&a, 1u << 20), CR_OK); /* 32 MiB: a mapping */
    fill(&a, 1, 1000);
    size_t cap = 0;
    struct hkey *mem = cr__hset_release(&a, &cap);
    cr__hset_adopt(&b, mem, cap, 10);
    assert_int_equal(b.cap, cr__hset_cap_for(10));
    assert_int_equal(b.mem, cap);
    fill(&b, 2, 100);
    for (uint64_t i = 0; i < 1000; i++)
        assert_int_equal(cr__hset_has(&b, key(1, i)), 0);
    size_t cap2 = 0;
    struct hkey *again = cr__hset_release(&b, &cap2);
    assert_ptr_equal(again, mem);
    assert_int_equal(cap2, cap); /* the whole piece goes on */
    cr__hset_mem_free(again, cap2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adopt_keeps_own_entries_only),
        cmocka_unit_test(adopt_uses_part_of_a_bigger_piece),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
