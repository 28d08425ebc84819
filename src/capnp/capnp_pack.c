#include "capnp/capnp_pack.h"

#include <string.h>

#define LOW_BITS 0x0101010101010101ull
#define HIGH_BITS 0x8080808080808080ull

/* 1 in the low bit of each nonzero byte of w (a word in wire order). */
static inline uint64_t nonzero_bytes(uint64_t w)
{
    return ((((w & ~HIGH_BITS) + ~HIGH_BITS) | w) & HIGH_BITS) >> 7;
}

/* Byte k of a word in wire order is bits 8k..8k+7 of its little-endian
 * value; on a big-endian host the bytes are reversed first. */
static inline uint64_t load_le(const uint64_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap64(*p);
#else
    return *p;
#endif
}

/* Each byte k of w moved down by the number of zero bytes before it:
 * `before` holds in byte k the count of nonzero bytes before byte k. Zero
 * bytes add nothing, so the nonzero ones end up side by side. */
static inline uint64_t compact_portable(uint64_t w, uint64_t before)
{
#define MOVE(k) (((w >> (8 * (k))) & 0xFF) << (((before >> (8 * (k))) & 0xFF) * 8))
    return (MOVE(0) | MOVE(1) | MOVE(2) | MOVE(3)) | (MOVE(4) | MOVE(5) | MOVE(6) | MOVE(7));
#undef MOVE
}

/*
 * The packing loop. Per word: the tag (a bit per nonzero byte) and the
 * nonzero bytes, always stored as 8 bytes of which the first `count` stay;
 * COMPACT(w, tag, before) gathers them. After a zero word, the count of
 * zero words that follow; after a word without zero bytes, the count of
 * following words that packing would not shrink (at most one zero byte),
 * copied as they are. Branches are taken only at those two tags.
 */
#define PACK_LOOP(COMPACT)                                                                         \
    unsigned char *o = out;                                                                        \
    size_t i = 0;                                                                                  \
    while (i < n) {                                                                                \
        uint64_t w = load_le(&in[i]);                                                              \
        uint64_t t = nonzero_bytes(w);                                                             \
        uint64_t upto = t * LOW_BITS; /* byte k: nonzero bytes up to byte k */                   \
        unsigned tag = (unsigned)((t * 0x0102040810204080ull) >> 56);                            \
        uint64_t packed = COMPACT(w, tag, upto - t);                                               \
        o[0] = (unsigned char)tag;                                                                 \
        memcpy(o + 1, &packed, 8);                                                                 \
        o += 1 + (upto >> 56);                                                                     \
        i++;                                                                                       \
        if ((unsigned char)(tag + 1) > 1)                                                          \
            continue;                                                                              \
        size_t j = i, lim = n - i > 255 ? i + 255 : n;                                             \
        if (tag == 0) {                                                                            \
            while (j < lim && in[j] == 0)                                                          \
                j++;                                                                               \
            *o++ = (unsigned char)(j - i);                                                         \
        } else {                                                                                   \
            while (j < lim) {                                                                      \
                uint64_t z = nonzero_bytes(load_le(&in[j])) ^ LOW_BITS;                            \
                if (z & (z - 1))                                                                   \
                    break;                                                                         \
                j++;                                                                               \
            }                                                                                      \
            *o++ = (unsigned char)(j - i);                                                         \
            memcpy(o, &in[i], (j - i) * 8);                                                        \
            o += (j - i) * 8;                                                                      \
        }                                                                                          \
        i = j;                                                                                     \
    }                                                                                              \
    return (size_t)(o - out)

/* Packed bytes in wire order, whatever the host's byte order. */
static inline uint64_t to_wire(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap64(v);
#else
    return v;
#endif
}

#define COMPACT_PORTABLE(w, tag, before) to_wire(compact_portable((w), (before)))

size_t rt_capnp_pack_portable(const uint64_t *restrict in, size_t n, unsigned char *restrict out)
{
    PACK_LOOP(COMPACT_PORTABLE);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define RT_PACK_SSSE3 1
#include <tmmintrin.h>

#include "capnp/capnp_pack_table.h"

/* One pshufb gathers the nonzero bytes (the table row of the tag). */
__attribute__((target("ssse3"))) static inline uint64_t compact_ssse3(uint64_t w, unsigned tag)
{
    uint64_t control;
    memcpy(&control, rt_capnp_gather[tag], 8);
    __m128i x = _mm_shuffle_epi8(_mm_cvtsi64_si128((long long)w),
                                 _mm_cvtsi64_si128((long long)control));
    return (uint64_t)_mm_cvtsi128_si64(x);
}

#define COMPACT_SSSE3(w, tag, before) compact_ssse3((w), (tag))

__attribute__((target("ssse3"))) static size_t pack_ssse3(const uint64_t *restrict in, size_t n,
                                                          unsigned char *restrict out)
{
    PACK_LOOP(COMPACT_SSSE3);
}
#endif

size_t rt_capnp_pack(const uint64_t *restrict in, size_t n, unsigned char *restrict out)
{
#ifdef RT_PACK_SSSE3
    if (__builtin_cpu_supports("ssse3"))
        return pack_ssse3(in, n, out);
#endif
    return rt_capnp_pack_portable(in, n, out);
}

/* The inverse of compact: byte k of the word is byte before_k of v (the
 * unit's data bytes) where tag bit k is set (t), else zero. */
static inline uint64_t expand_portable(uint64_t v, uint64_t t, uint64_t before)
{
#define PLACE(k)                                                                                   \
    ((((v >> (((before >> (8 * (k))) & 0xFF) * 8)) & 0xFF) & (0 - ((t >> (8 * (k))) & 1))) << (8 * (k)))
    return (PLACE(0) | PLACE(1) | PLACE(2) | PLACE(3)) | (PLACE(4) | PLACE(5) | PLACE(6) | PLACE(7));
#undef PLACE
}

#define EXPAND_PORTABLE(v, t, before) to_wire(expand_portable((v), (t), (before)))

/*
 * The unpacking loop: one unit (tag, its data bytes, a count after tags 0
 * and 0xFF) per word. The 8 bytes after the tag are read at once, from the
 * input when it has them, else from a zero-padded copy; EXPAND(v, t, before)
 * places them.
 */
#define UNPACK_LOOP(EXPAND)                                                                        \
    size_t ip = 0, op = 0;                                                                         \
    while (op < cap && !u->zero_left) {                                                            \
        if (u->raw_left) {                                                                         \
            size_t k = u->raw_left;                                                                \
            if (k > cap - op)                                                                      \
                k = cap - op;                                                                      \
            if (k > (n - ip) / 8)                                                                  \
                k = (n - ip) / 8;                                                                  \
            if (!k)                                                                                \
                break;                                                                             \
            memcpy(&out[op], in + ip, k * 8);                                                      \
            op += k;                                                                               \
            ip += k * 8;                                                                           \
            u->raw_left -= k;                                                                      \
            continue;                                                                              \
        }                                                                                          \
        if (ip >= n)                                                                               \
            break;                                                                                 \
        unsigned tag = in[ip];                                                                     \
        /* 1 in the low bit of byte k when tag bit k is set */                                     \
        uint64_t t =                                                                               \
            ((((uint64_t)tag * LOW_BITS & 0x8040201008040201ull) + 0x7F7F7F7F7F7F7F7Full) >> 7) &  \
            LOW_BITS;                                                                              \
        uint64_t upto = t * LOW_BITS;                                                              \
        size_t count = (size_t)(upto >> 56);                                                       \
        size_t need = 1 + count + (tag == 0 || tag == 0xFF);                                       \
        if (n - ip < need)                                                                         \
            break;                                                                                 \
        uint64_t v = 0;                                                                            \
        memcpy(&v, in + ip + 1, n - ip >= 9 ? 8 : n - ip - 1);                                     \
        v = load_le(&v);                                                                           \
        uint64_t w = EXPAND(v, t, upto - t);                                                       \
        memcpy(&out[op++], &w, 8);                                                                 \
        ip += 1 + count;                                                                           \
        if (tag == 0)                                                                              \
            u->zero_left = in[ip++];                                                               \
        else if (tag == 0xFF)                                                                      \
            u->raw_left = in[ip++];                                                                \
    }                                                                                              \
    *produced = op;                                                                                \
    return ip

size_t rt_capnp_unpack_portable(rt_capnp_unpacker *u, const unsigned char *restrict in, size_t n,
                                uint64_t *restrict out, size_t cap, size_t *produced)
{
    UNPACK_LOOP(EXPAND_PORTABLE);
}

#ifdef RT_PACK_SSSE3
/* One pshufb: lane k takes byte before_k, or zero (0x80) where absent. */
__attribute__((target("ssse3"))) static inline uint64_t expand_ssse3(uint64_t v, uint64_t t,
                                                                     uint64_t before)
{
    uint64_t control = before | ((t ^ LOW_BITS) * 0x80);
    __m128i x = _mm_shuffle_epi8(_mm_cvtsi64_si128((long long)v),
                                 _mm_cvtsi64_si128((long long)control));
    return (uint64_t)_mm_cvtsi128_si64(x);
}

__attribute__((target("ssse3"))) static size_t unpack_ssse3(rt_capnp_unpacker *u,
                                                            const unsigned char *restrict in,
                                                            size_t n, uint64_t *restrict out,
                                                            size_t cap, size_t *produced)
{
    UNPACK_LOOP(expand_ssse3);
}
#endif

size_t rt_capnp_unpack(rt_capnp_unpacker *u, const unsigned char *in, size_t n, uint64_t *out,
                       size_t cap, size_t *produced)
{
#ifdef RT_PACK_SSSE3
    if (__builtin_cpu_supports("ssse3"))
        return unpack_ssse3(u, in, n, out, cap, produced);
#endif
    return rt_capnp_unpack_portable(u, in, n, out, cap, produced);
}
