/* UTF-8 validation (RFC 3629: no overlongs, no surrogates, max U+10FFFF). */
#ifndef RT_COMMON_UTF8_H
#define RT_COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

bool rt_utf8_valid_slow(const unsigned char *s, size_t len);

/* A Unicode scalar value: at most U+10FFFF and not a surrogate. */
static inline bool rt_utf8_scalar_valid(uint32_t ch)
{
    return ch <= 0x10FFFF && (ch < 0xD800 || ch > 0xDFFF);
}

/* Writes the UTF-8 of a scalar value (rt_utf8_scalar_valid) into out and
 * returns its length, 1 to 4. */
size_t rt_utf8_encode(uint32_t ch, char out[4]);

/* True when s (len bytes) is valid UTF-8 of exactly one scalar value, which
 * goes to *ch (Char values in JSON and CBOR). */
bool rt_utf8_decode_one(const char *s, size_t len, uint32_t *ch);

static inline bool rt_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    /* ASCII fast path, 8 bytes at a time. */
    while (i + 8 <= len) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        if (v & 0x8080808080808080ull)
            return rt_utf8_valid_slow(s + i, len - i);
        i += 8;
    }
    for (; i < len; i++)
        if (s[i] & 0x80)
            return rt_utf8_valid_slow(s + i, len - i);
    return true;
}

#endif
