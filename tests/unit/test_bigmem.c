/* Large memory (src/base/bigmem.c): zeroed, mapped whole by cr_bigprefault, freed by size. */
#define _DEFAULT_SOURCE 1 /* MADV_HUGEPAGE */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crisk/bigmem.h"

/* Where cr_bigalloc maps memory of its own (bigmem.c): Linux, not under AddressSanitizer. */
#if defined(__SANITIZE_ADDRESS__)
#define CALLOC_ONLY 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CALLOC_ONLY 1
#endif
#endif
#if !defined(MADV_HUGEPAGE) || !defined(MAP_ANONYMOUS)
#define CALLOC_ONLY 1
#endif

#define SIZE ((size_t)24 << 20) /* above the 4 MiB from which memory is mapped on its own */

/* KiB of the mapping holding p backed by pages of its own (/proc/self/smaps "Anonymous"): a
 * page only read maps the shared zero page, which does not count; -1 when not found. */
static long own_kib(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    assert_non_null(f);
    char line[512];
    int in = 0;
    long kib = -1;
    while (kib < 0 && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3) {
            in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
            continue;
        }
        if (in && sscanf(line, "Anonymous: %ld kB", &kib) != 1)
            kib = -1;
    }
    fclose(f);
    return kib;
}

static void pages_mapped_and_zero(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), whole = (size + page - 1) / page * page;
    unsigned char *p = cr_bigalloc(size);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % page, 0);
    assert_int_equal(own_kib(p), 0);
    /* Every page is the mapping's own now. A prefault that only read (an atomic add of 0 as
     * clang compiles it) fails here on a kernel that maps the shared zero page for a read (not
     * every one does: this VM's 6.18 gives a page of its own even then). */
    cr_bigprefault(p, size);
    assert_int_equal(own_kib(p), (long)(whole / 1024));
    for (size_t at = 0; at < size; at += 4093)
        assert_int_equal(p[at], 0);
    assert_int_equal(p[size - 1], 0);
    cr_bigfree(p, size);
}

static void prefault_maps_every_page(void **state)
{
    (void)state;
#ifdef CALLOC_ONLY
    skip(); /* calloc's memory: nothing to prefault */
#else
    pages_mapped_and_zero(SIZE);
    pages_mapped_and_zero(SIZE + 100); /* a last page only in part */
#endif
}

/* A file's buffer: every byte written is read back; large ones are zero where not written. */
static void buffer_of_a_file(void **state)
{
    (void)state;
    unsigned char *p = cr_bigbuf(SIZE);
    assert_non_null(p);
    assert_int_equal(p[SIZE / 2], 0);
    memset(p, 'x', SIZE - 1);
    assert_int_equal(p[SIZE - 2], 'x');
    assert_int_equal(p[SIZE - 1], 0);
    cr_bigfree(p, SIZE);
    p = cr_bigbuf(0);
    assert_non_null(p);
    cr_bigfree(p, 0);
}

static void small_and_null(void **state)
{
    (void)state;
    unsigned char *p = cr_bigalloc(100);
    assert_non_null(p);
    cr_bigprefault(p, 100); /* below the mapped size: calloc's, left as it is */
    for (int i = 0; i < 100; i++)
        assert_int_equal(p[i], 0);
    p[99] = 7;
    assert_int_equal(p[99], 7);
    cr_bigfree(p, 100);
    cr_bigprefault(NULL, SIZE);
    cr_bigfree(NULL, SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prefault_maps_every_page),
        cmocka_unit_test(buffer_of_a_file),
        cmocka_unit_test(small_and_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
