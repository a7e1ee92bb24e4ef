/* Large memory: zeroed tables (hash sets of tens of millions of entries) that are probed at
 * random, and buffers filled whole at once (a file read into memory). From 4 MiB on Linux they
 * are backed by transparent huge pages where the kernel allows, which removes most TLB misses of
 * random probing and the page fault per 4 KiB of a buffer filled; elsewhere, below 4 MiB and
 * under AddressSanitizer they are plain calloc/malloc memory. */
#ifndef CRISK_BIGMEM_H
#define CRISK_BIGMEM_H

#include <stddef.h>

/* Returns size zeroed bytes, or NULL. From 4 MiB (on Linux, not under AddressSanitizer) a mapping
 * of its own, page-aligned, on huge pages where the kernel allows; below, calloc's. */
void *cr_bigalloc(size_t size);
/* Frees p of cr_bigalloc or cr_bigbuf; size is the size it was asked with. NULL is nothing. */
void cr_bigfree(void *p, size_t size);
/* Maps every page of p, fresh from cr_bigalloc(size) and not yet written, so that random probes
 * later take no page faults; its bytes stay zero. Other threads' mmap and malloc go on meanwhile.
 * Does nothing where cr_bigalloc gave calloc's memory. */
void cr_bigprefault(void *p, size_t size);
/* A buffer about to be filled whole (a file read into memory): size bytes, or NULL. Large ones
 * are cr_bigalloc's (on huge pages where the kernel allows: the read then faults once per 2 MiB
 * instead of per 4 KiB; their bytes start zero), small ones are malloc's (bytes undefined).
 * Free with cr_bigfree(p, size). */
void *cr_bigbuf(size_t size);

#endif
