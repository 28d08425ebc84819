/* Copies of a few bytes without a call: the value bytes of an event (a
 * repeat's, a string's) are mostly 8-64 bytes, where memcpy's call costs
 * as much as the copy. */
#ifndef RT_COMMON_COPY_H
#define RT_COMMON_COPY_H

#include <stddef.h>
#include <string.h>

/* memcpy(dst, src, n) for buffers that do not overlap; fixed-size moves
 * (which compilers inline) for n <= 64, overlapping at the end. */
static inline void rt_copy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n > 64) {
        memcpy(d, s, n);
    } else if (n >= 16) {
        for (size_t i = 0; i + 16 < n; i += 16)
            memcpy(d + i, s + i, 16);
        memcpy(d + n - 16, s + n - 16, 16);
    } else if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else if (n) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

#endif
