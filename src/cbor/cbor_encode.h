/* CBOR (RFC 8949) primitives for the v1 writer: each writes at p, which has
 * room (the caller reserved it), and returns the end. Shortest heads,
 * definite lengths, floats always as 8 bytes (FORMAT.md section 7). */
#ifndef RT_CBOR_CBOR_ENCODE_H
#define RT_CBOR_CBOR_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/copy.h"

#define CBOR_UINT 0
#define CBOR_NEGINT 1
#define CBOR_BYTES 2
#define CBOR_TEXT 3
#define CBOR_ARRAY 4
#define CBOR_MAP 5
#define CBOR_FALSE 0xF4
#define CBOR_TRUE 0xF5
#define CBOR_F64 0xFB
#define CBOR_HEAD_MAX 9 /* bytes of the longest head */

/* Big-endian stores spelled out: gcc merges them into one bswap and store
 * (a loop it left as a loop, the hottest lines of an integer Value). */
static inline unsigned char *cbor_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return p + 4;
}

static inline unsigned char *cbor_be64(unsigned char *p, uint64_t v)
{
    p[0] = (unsigned char)(v >> 56);
    p[1] = (unsigned char)(v >> 48);
    p[2] = (unsigned char)(v >> 40);
    p[3] = (unsigned char)(v >> 32);
    p[4] = (unsigned char)(v >> 24);
    p[5] = (unsigned char)(v >> 16);
    p[6] = (unsigned char)(v >> 8);
    p[7] = (unsigned char)v;
    return p + 8;
}

static inline unsigned char *cbor_head(unsigned char *p, unsigned major, uint64_t v)
{
    unsigned char m = (unsigned char)(major << 5);
    if (v < 24) {
        *p++ = (unsigned char)(m | v);
    } else if (v <= 0xFF) {
        *p++ = m | 24;
        *p++ = (unsigned char)v;
    } else if (v <= 0xFFFF) {
        *p++ = m | 25;
        *p++ = (unsigned char)(v >> 8);
        *p++ = (unsigned char)v;
    } else if (v <= 0xFFFFFFFFu) {
        *p++ = m | 26;
        p = cbor_be32(p, (uint32_t)v);
    } else {
        *p++ = m | 27;
        p = cbor_be64(p, v);
    }
    return p;
}

static inline unsigned char *cbor_uint(unsigned char *p, uint64_t v)
{
    return cbor_head(p, CBOR_UINT, v);
}

static inline unsigned char *cbor_int(unsigned char *p, int64_t v)
{
    /* -1 - v cannot overflow for negative v */
    return v >= 0 ? cbor_head(p, CBOR_UINT, (uint64_t)v) : cbor_head(p, CBOR_NEGINT, (uint64_t)(-1 - v));
}

static inline unsigned char *cbor_f64(unsigned char *p, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    *p++ = CBOR_F64;
    return cbor_be64(p, bits);
}

static inline unsigned char *cbor_bool(unsigned char *p, bool b)
{
    *p++ = b ? CBOR_TRUE : CBOR_FALSE;
    return p;
}

static inline unsigned char *cbor_text(unsigned char *p, const char *s, size_t n)
{
    p = cbor_head(p, CBOR_TEXT, n);
    rt_copy(p, s, n);
    return p + n;
}

/* A text string known at compile time (shorter than 24 bytes): one byte of
 * head and the bytes, no length test at run time. */
#define CBOR_LIT(p, s)                                                                             \
    ((void)sizeof(char[sizeof(s) <= 24 ? 1 : -1]), (p)[0] = (unsigned char)(0x60 + sizeof(s) - 1), \
     memcpy((p) + 1, (s), sizeof(s) - 1), (p) + sizeof(s))

#endif
