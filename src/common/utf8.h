/* UTF-8 validation (RFC 3629: no overlongs, no surrogates, max U+10FFFF). */
#ifndef RT_COMMON_UTF8_H
#define RT_COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

bool rt_utf8_valid_slow(const unsigned char *s, size_t len);

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
