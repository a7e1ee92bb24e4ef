/* Non-cryptographic 64-bit hashing for de-duplication and file fingerprints, and a seedable
 * random stream for the generator. Same input, same output on every machine (little-endian
 * reads are assembled byte by byte). */
#ifndef CRISK_HASH_H
#define CRISK_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/err.h"

/* Hashes len bytes of p with a seed. Good avalanche; not for adversarial input (see docs:
 * content hashes de-duplicate rows, a collision would count a new row as a duplicate). */
uint64_t cr_hash64(const void *p, size_t len, uint64_t seed);

/* Hashes a whole file's bytes with cr_hash64 and writes 16 hex digits and a NUL: the content
 * stamp recorded with runs (models, tag rules). Returns CR_EIO when it cannot be read. */
cr_err cr_hash_file(const char *path, char out[17]) CR_MUST_USE;

/* Mixes a 64-bit value (the splitmix64 finaliser). */
uint64_t cr_mix64(uint64_t x);

/* xoshiro256** random stream. State is four words; seed it with cr_rng_seed. */
typedef struct cr_rng {
    uint64_t s[4];
} cr_rng;

void cr_rng_seed(cr_rng *r, uint64_t seed);
uint64_t cr_rng_next(cr_rng *r);
/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t cr_rng_below(cr_rng *r, uint64_t n);
/* Uniform double in [0, 1). */
double cr_rng_unit(cr_rng *r);
/* Standard normal deviate (Box-Muller, one value per call). */
double cr_rng_normal(cr_rng *r);
/* Poisson deviate with mean lambda >= 0 (inversion for small means, normal approximation
 * above 60). */
uint32_t cr_rng_poisson(cr_rng *r, double lambda);

#endif
