/* The Cap'n Proto packed encoding (a word's zero bytes dropped behind a tag
 * byte, runs of zero words and of dense words counted), both ways, in
 * pieces: neither side ever needs the whole message in memory. */
#ifndef RT_CAPNP_PACK_H
#define RT_CAPNP_PACK_H

#include <stddef.h>
#include <stdint.h>

/* Most bytes rt_capnp_pack writes for n words (a dense word opening a run
 * costs tag + 8 bytes + count). */
#define RT_CAPNP_PACK_BOUND(n) ((n) * 10u)

/* Packs n words (wire byte order) into out, which has room for
 * RT_CAPNP_PACK_BOUND(n) bytes; returns the bytes written. Runs end at the
 * end of the input, so consecutive calls make one valid packed stream. */
size_t rt_capnp_pack(const uint64_t *in, size_t n, unsigned char *out);
/* The same without SIMD (what rt_capnp_pack uses where SSSE3 is missing);
 * the bytes are identical. */
size_t rt_capnp_pack_portable(const uint64_t *in, size_t n, unsigned char *out);

/* Resumable unpacking state: start zeroed. */
typedef struct rt_capnp_unpacker {
    size_t raw_left;  /* words of an uncompressed run still to copy */
    size_t zero_left; /* zero words of a run the caller has to emit */
} rt_capnp_unpacker;

/*
 * Unpacks complete units from in[0..n) into out (room for cap words).
 * Returns the bytes consumed and sets *produced. Stops when out is full, the
 * rest of the input is not a complete unit (the caller keeps it and adds
 * more), or a run of zero words starts: then u->zero_left says how many
 * zero words follow the ones produced, and the caller emits them and clears
 * it before the next call. At the end of the input, leftover bytes or a
 * nonzero raw_left mean the stream was cut inside a word.
 */
size_t rt_capnp_unpack(rt_capnp_unpacker *u, const unsigned char *in, size_t n, uint64_t *out,
                       size_t cap, size_t *produced);
/* The same without SIMD; the words are identical. */
size_t rt_capnp_unpack_portable(rt_capnp_unpacker *u, const unsigned char *in, size_t n,
                                uint64_t *out, size_t cap, size_t *produced);

#endif
