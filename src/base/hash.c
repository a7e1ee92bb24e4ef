#include "crisk/hash.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The 8 bytes at p as a little-endian number, one load. The byte-by-byte form gave the same
 * value, but GCC judged it too large to inline and called it twice per 16 bytes hashed (5 % of
 * a full-city ingest; bench/README.md, Session 10). */
static inline uint64_t read64(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
#else /* big-endian or unknown: the definition itself */
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
#endif
}

uint64_t cr_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
}

uint64_t cr_hash64(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    const uint64_t k1 = 0x9E3779B97F4A7C15ULL, k2 = 0xC2B2AE3D27D4EB4FULL;
    uint64_t a = seed ^ k1, b = (seed + (uint64_t)len) ^ k2;
    size_t i = 0;
    for (; i + 16 <= len; i += 16) {
        a = (a ^ read64(p + i)) * k1;
        a = (a << 31) | (a >> 33);
        b = (b ^ read64(p + i + 8)) * k2;
        b = (b << 29) | (b >> 35);
    }
    unsigned char tail[16] = {0};
    for (size_t t = 0; i + t < len; t++)
        tail[t] = p[i + t];
    a = (a ^ read64(tail)) * k1;
    b = (b ^ read64(tail + 8)) * k2;
    return cr_mix64(a ^ cr_mix64(b + (uint64_t)len));
}

void cr_rng_seed(cr_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) {
        x += 0x9E3779B97F4A7C15ULL;
        r->s[i] = cr_mix64(x);
    }
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t cr_rng_next(cr_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t cr_rng_below(cr_rng *r, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = cr_rng_next(r);
    } while (x >= limit);
    return x % n;
}

double cr_rng_unit(cr_rng *r)
{
    return (double)(cr_rng_next(r) >> 11) * 0x1.0p-53;
}

double cr_rng_normal(cr_rng *r)
{
    double u = 1.0 - cr_rng_unit(r), v = cr_rng_unit(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

uint32_t cr_rng_poisson(cr_rng *r, double lambda)
{
    if (lambda <= 0)
        return 0;
    if (lambda > 60) {
        double x = lambda + sqrt(lambda) * cr_rng_normal(r) + 0.5;
        return x < 0 ? 0 : (uint32_t)x;
    }
    double l = exp(-lambda), p = 1.0;
    uint32_t k = 0;
    do {
        k++;
        p *= cr_rng_unit(r);
    } while (p > l);
    return k - 1;
}

cr_err cr_hash_file(const char *path, char out[17])
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return CR_EIO;
    uint64_t h = 0;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        h = cr_hash64(buf, n, h);
    int bad = ferror(fp);
    fclose(fp);
    if (bad)
        return CR_EIO;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
    return CR_OK;
}
