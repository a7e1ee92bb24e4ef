/* Large memory (src/base/bigmem.c): zeroed at first, mapped whole by cr_bigprefault with its
 * contents kept, freed by size. */
#define _DEFAULT_SOURCE 1 /* mincore */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crisk/bigmem.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define SIZE ((size_t)24 << 20) /* above the 4 MiB from which memory is mapped on its own */

/* Pages of [p, p + size) in memory now. */
static size_t resident_pages(void *p, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), n = (size + page - 1) / page, in = 0;
    unsigned char *v = malloc(n);
    assert_non_null(v);
    assert_int_equal(mincore(p, size, v), 0);
    for (size_t i = 0; i < n; i++)
        in += v[i] & 1;
    free(v);
    return in;
}

static void zeroed_and_kept(void **state)
{
    (void)state;
    unsigned char *p = cr_bigalloc(SIZE);
    assert_non_null(p);
    /* zero throughout, here and there */
    for (size_t at = 0; at < SIZE; at += 4093)
        assert_int_equal(p[at], 0);
    assert_int_equal(p[SIZE - 1], 0);
    /* what is written before the prefault is there after it; the rest stays zero */
    const size_t marks[] = {0, 1, 4095, 4096, (size_t)2 << 20, SIZE / 2 + 7, SIZE - 1};
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        p[marks[i]] = (unsigned char)(0xA0 + i);
    cr_bigprefault(p, SIZE);
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        assert_int_equal(p[marks[i]], 0xA0 + i);
    assert_int_equal(p[2], 0);
    assert_int_equal(p[SIZE - 2], 0);
    cr_bigfree(p, SIZE);
}

/* Every page is in memory after cr_bigprefault (there is no page fault left for random probes
 * to take); none was before. Under AddressSanitizer big memory is calloc's, not prefaulted. */
static void prefault_maps_every_page(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    skip();
#else
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *p = cr_bigalloc(SIZE);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % page, 0);
    assert_int_equal(resident_pages(p, SIZE), 0);
    cr_bigprefault(p, SIZE);
    assert_int_equal(resident_pages(p, SIZE), SIZE / page);
    cr_bigfree(p, SIZE);
    /* a buffer for a file is mapped when handed out */
    p = cr_bigbuf(SIZE);
    assert_non_null(p);
    assert_int_equal(resident_pages(p, SIZE), SIZE / page);
    cr_bigfree(p, SIZE);
#endif
}

static void small_and_null(void **state)
{
    (void)state;
    unsigned char *p = cr_bigalloc(100);
    assert_non_null(p);
    assert_int_equal(p[99], 0);
    cr_bigprefault(p, 100); /* below the mapped size: nothing to do, nothing lost */
    cr_bigfree(p, 100);
    cr_bigprefault(NULL, SIZE);
    cr_bigfree(NULL, SIZE);
    p = cr_bigbuf(0);
    assert_non_null(p);
    cr_bigfree(p, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zeroed_and_kept),
        cmocka_unit_test(prefault_maps_every_page),
        cmocka_unit_test(small_and_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
