/* A fast non-cryptographic 64-bit hash for interning. */
#ifndef RT_COMMON_HASH_H
#define RT_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t rt_hash_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static inline uint64_t rt_hash_load8(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t rt_hash_load4(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t rt_hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)len;
    size_t n = len;
    while (n > 8) {
        h = (h ^ (rt_hash_load8(p) * 0xff51afd7ed558ccdull)) * 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    /* The last 1..8 bytes with fixed-size loads (no memcpy call): an
     * overlapping word when the key is long enough, else two halves. */
    uint64_t v;
    if (len >= 8)
        v = rt_hash_load8(p + n - 8);
    else if (n >= 4)
        v = rt_hash_load4(p) | rt_hash_load4(p + n - 4) << 32;
    else if (n)
        v = (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16;
    else
        v = 0;
    h = (h ^ (v * 0xff51afd7ed558ccdull)) * 0xc4ceb9fe1a85ec53ull;
    return rt_hash_mix(h);
}

#endif
