/* SHA-256 (FIPS 180-4): the digest of a trace filter file's bytes, recorded
 * in the trace's provenance (TRACE-FILTER.md section 3). */
#ifndef RT_COMMON_SHA256_H
#define RT_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define RT_SHA256_SIZE 32
/* Lowercase hex and its NUL. */
#define RT_SHA256_HEX_SIZE 65

typedef struct rt_sha256 {
    uint32_t state[8];
    uint64_t bytes;          /* message length so far */
    unsigned char block[64]; /* a partial block */
    size_t used;             /* bytes in block */
} rt_sha256;

void rt_sha256_init(rt_sha256 *s);
void rt_sha256_update(rt_sha256 *s, const void *data, size_t len);
void rt_sha256_final(rt_sha256 *s, unsigned char digest[RT_SHA256_SIZE]);
/* The digest of data as 64 lowercase hex digits and a NUL. */
void rt_sha256_hex(const void *data, size_t len, char hex[RT_SHA256_HEX_SIZE]);

#endif
