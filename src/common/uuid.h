/* UUIDv7 (RFC 9562) recording ids, as trace_metadata.json (0.19 dialect) and
 * CTFS meta.dat carry them: lowercase, hyphenated, 36 characters. */
#ifndef RT_COMMON_UUID_H
#define RT_COMMON_UUID_H

#include <stdbool.h>
#include <stddef.h>

#define RT_UUID_LEN 36 /* characters, without the NUL */

/* Mints a fresh UUIDv7 into out (RT_UUID_LEN + 1 bytes, NUL-terminated):
 * 48 bits of Unix milliseconds, then random bits from getrandom(2) (a
 * clock-and-address mix when the kernel has none to give). Never fails. */
void rt_uuid7_new(char out[RT_UUID_LEN + 1]);

/* True when s (len bytes) is a canonical lowercase UUIDv7: 8-4-4-4-12 hex
 * digits, version nibble 7, variant 8/9/a/b; the check CodeTracer's
 * meta.dat parser makes (CTFS.md section 4.2). */
bool rt_uuid7_is_canonical(const char *s, size_t len);

#endif
