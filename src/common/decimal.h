/* Decimal integers as text, written in place without printf (JSON events,
 * float digits). */
#ifndef RT_COMMON_DECIMAL_H
#define RT_COMMON_DECIMAL_H

#include <stdint.h>
#include <string.h>

/* "00" "01" ... "99" */
extern const char rt_dec_digit_pairs[200];

/* Decimal integers, written in place without a temporary; at most 20 bytes.
 * Inline: the JSON encoder writes two or three per event. */
static inline unsigned rt_dec_u64_len(uint64_t v)
{
    static const uint64_t pow10[20] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};
    /* bits * log10(2) estimates the digit count; one comparison fixes it. */
    unsigned t = ((unsigned)(64 - __builtin_clzll(v | 1)) * 1233u) >> 12;
    return t + 1 - (v < pow10[t]);
}

/* gcc 12 at -O2 cannot follow the digit count through inlining and warns
 * that the backward writes underflow the buffer; they cannot. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
/* The len digits of v (len = rt_dec_u64_len(v), already known) at p. */
static inline char *rt_dec_put_u64_len(char *p, uint64_t v, unsigned len)
{
    char *end = p + len;
    char *s = end;
    while (v >= 100) {
        uint64_t q = v / 100;
        unsigned d = (unsigned)(v - q * 100);
        v = q;
        s -= 2;
        memcpy(s, rt_dec_digit_pairs + 2 * d, 2);
    }
    if (v >= 10) {
        s -= 2;
        memcpy(s, rt_dec_digit_pairs + 2 * v, 2);
    } else {
        *--s = (char)('0' + v);
    }
    return end;
}

static inline char *rt_dec_put_u64(char *p, uint64_t v)
{
    if (v < 10) {
        *p = (char)('0' + v);
        return p + 1;
    }
    if (v < 100) {
        memcpy(p, rt_dec_digit_pairs + 2 * v, 2);
        return p + 2;
    }
    return rt_dec_put_u64_len(p, v, rt_dec_u64_len(v));
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

static inline char *rt_dec_put_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return rt_dec_put_u64(p, (uint64_t)0 - (uint64_t)v);
    }
    return rt_dec_put_u64(p, (uint64_t)v);
}

#endif
