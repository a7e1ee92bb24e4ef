/* Large zeroed tables (hash sets of tens of millions of entries) that are probed at random.
 * On Linux they are backed by transparent huge pages where the kernel allows, which removes most
 * TLB misses of random probing; elsewhere they are plain calloc memory. */
#ifndef CRISK_BIGMEM_H
#define CRISK_BIGMEM_H

#include <stddef.h>

/* Returns size zeroed bytes, or NULL. Free with cr_bigfree(p, size). */
void *cr_bigalloc(size_t size);
void cr_bigfree(void *p, size_t size);
/* Maps every page of p writable now, keeping its contents (MADV_POPULATE_WRITE; advice only), so
 * that random probes later take no page faults. */
void cr_bigprefault(void *p, size_t size);

#endif
