/* MADV_HUGEPAGE is a Linux extension, hidden by _POSIX_C_SOURCE: ask for it here only. */
#define _DEFAULT_SOURCE 1

#include "crisk/bigmem.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Below this, plain calloc. Above, 2 MiB pages: a table probed at random (the de-duplication
 * sets of ingest) then costs one TLB entry per 2 MiB instead of per 4 KiB. Under
 * AddressSanitizer everything is calloc's, so that every big table and feed buffer keeps its
 * redzones and leak check (mapped memory has neither). */
#if defined(__SANITIZE_ADDRESS__)
#define BIG ((size_t)-1)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIG ((size_t)-1)
#endif
#endif
#ifndef BIG
#define BIG ((size_t)4 << 20)
#endif

void *cr_bigalloc(size_t size)
{
#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
    if (size >= BIG) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        madvise(p, size, MADV_HUGEPAGE); /* advice only: failure leaves normal pages */
        return p;
    }
#endif
    return calloc(1, size ? size : 1);
}

/* A volatile store of 0 to each page: a write, so the page is not first mapped to the shared zero
 * page by a read and faulted again by the write (an atomic add of 0 would keep other bytes too,
 * but clang compiles it to a plain load). Not MADV_POPULATE_WRITE: that holds the process's
 * memory map lock until the whole range is mapped — seconds for the GiBs of de-duplication sets
 * on a VM that zeroes fresh memory slowly — and meanwhile every other thread's mmap, mprotect
 * (malloc growing an arena) and brk waits: at the start of a full-city ingest the registry
 * reader and the store writer stood still for ~8 s while the set grower mapped the sets
 * (bench/README.md "Session 14"). Since Linux 6.4 a page fault takes only its own mapping's
 * lock; before, the map's lock for the one fault. With huge pages one store in 512 faults. */
void cr_bigprefault(void *p, size_t size)
{
#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
    if (p && size >= BIG) {
        long ps = sysconf(_SC_PAGESIZE);
        size_t page = ps > 0 ? (size_t)ps : 4096, pages = (size - 1) / page + 1;
        for (size_t i = 0; i < pages; i++)
            ((volatile unsigned char *)p)[i * page] = 0;
    }
#else
    (void)p;
    (void)size;
#endif
}

void cr_bigfree(void *p, size_t size)
{
    if (!p)
        return;
#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
    if (size >= BIG) {
        munmap(p, size);
        return;
    }
#endif
    free(p);
}

void *cr_bigbuf(size_t size)
{
    return size < BIG ? malloc(size ? size : 1) : cr_bigalloc(size);
}
