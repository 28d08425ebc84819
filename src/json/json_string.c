/* Table-driven JSON string escaping, as serde_json does it. Text that needs
 * no escape (nearly all of it) is scanned and copied 8 bytes at a time. */
#include <stdint.h>
#include <string.h>

#include "json/json_writer.h"

/* 0: copy as is; 'u': \u00XX; other: backslash + that character. */
static const unsigned char escape_table[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0,
};

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Nonzero when one of the 8 bytes of w is below 0x20, '"' or '\\'. */
static inline uint64_t any_escape(uint64_t w)
{
    uint64_t ctl = (w - ONES * 0x20) & ~w;
    uint64_t q = w ^ (ONES * '"');
    uint64_t b = w ^ (ONES * '\\');
    return (ctl | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
}

char *rt_json_put_str(char *p, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    *p++ = '"';
    size_t i = 0;
    for (;;) {
        /* Plain runs: 8 bytes per step (p has room for 6n + 2 bytes). */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            if (any_escape(w))
                break;
            memcpy(p, &w, 8);
            p += 8;
            i += 8;
        }
        /* Up to the next word boundary, or the end, one byte at a time. */
        size_t stop = i + 8 <= n ? i + 8 : n;
        for (; i < stop; i++) {
            unsigned char c = u[i];
            unsigned char esc = escape_table[c];
            if (!esc) {
                *p++ = (char)c;
                continue;
            }
            *p++ = '\\';
            if (esc == 'u') {
                memcpy(p, "u00", 3);
                p[3] = hex[c >> 4];
                p[4] = hex[c & 15];
                p += 5;
            } else {
                *p++ = (char)esc;
            }
        }
        if (i >= n)
            break;
    }
    *p++ = '"';
    return p;
}
