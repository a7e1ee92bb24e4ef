/* Large memory: zeroed tables (hash sets of tens of millions of entries) that are probed at
 * random, and buffers filled whole at once (a file read into memory). From 4 MiB on Linux they
 * are backed by transparent huge pages where the kernel allows, which removes most TLB misses of
 * random probing and the page fault per 4 KiB of a buffer filled; elsewhere, below 4 MiB and
 * under AddressSanitizer they are plain calloc/malloc memory. */
#ifndef CRISK_BIGMEM_H
#define CRISK_BIGMEM_H

#include <stddef.h>

/* Returns size zeroed bytes, or NULL. Free with cr_bigfree(p, size). */
void *cr_bigalloc(size_t size);
void cr_bigfree(void *p, size_t size);
/* Maps every page of p (of cr_bigalloc) writable now, keeping its contents, so that random probes
 * later take no page faults; other threads' mmap and malloc go on meanwhile. */
void cr_bigprefault(void *p, size_t size);
/* A buffer about to be filled whole (a file read into memory): size bytes, or NULL. Large ones
 * are mapped at once on huge pages where the kernel allows (cr_bigalloc, cr_bigprefault: a page
 * fault per 2 MiB instead of per 4 KiB written; their bytes start zero), small ones are
 * malloc's (bytes undefined). Free with cr_bigfree(p, size). */
void *cr_bigbuf(size_t size);

#endif
