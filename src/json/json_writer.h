/* The JSON encoder (trace.json) and the JSON text primitives it is built of,
 * shared with the metadata and paths files. */
#ifndef RT_JSON_WRITER_H
#define RT_JSON_WRITER_H

#include <string.h>

#include "common/encoder.h"

int rt_json_encoder_new(const rt_encoder_env *env, rt_encoder **out);

/* Worst-case bytes of a JSON string literal of n bytes. */
#define RT_JSON_STR_BOUND(n) ((n) * 6 + 2)
/* Writes s as a JSON string literal at p (room for RT_JSON_STR_BOUND);
 * returns the end. */
char *rt_json_put_str(char *p, const char *s, size_t n);
/* A double as serde writes it (shortest round trip, null for NaN/inf); at
 * most 32 bytes. */
char *rt_json_put_f64(char *p, double v);
/* The shortest decimal digits that read back to v (finite, > 0): writes
 * them to digits (17 bytes) and returns their count; v = 0.D x 10^*k. */
int rt_json_shortest(double v, char *digits, int *k);

/* "00" "01" ... "99" */
extern const char rt_json_digit_pairs[200];

/* Decimal integers, written in place without a temporary; at most 20 bytes.
 * Inline: the encoder writes two or three per event. */
static inline unsigned rt_json_u64_len(uint64_t v)
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
static inline char *rt_json_put_u64(char *p, uint64_t v)
{
    if (v < 10) {
        *p = (char)('0' + v);
        return p + 1;
    }
    if (v < 100) {
        memcpy(p, rt_json_digit_pairs + 2 * v, 2);
        return p + 2;
    }
    char *end = p + rt_json_u64_len(v);
    char *s = end;
    while (v >= 100) {
        uint64_t q = v / 100;
        unsigned d = (unsigned)(v - q * 100);
        v = q;
        s -= 2;
        memcpy(s, rt_json_digit_pairs + 2 * d, 2);
    }
    if (v >= 10) {
        s -= 2;
        memcpy(s, rt_json_digit_pairs + 2 * v, 2);
    } else {
        *--s = (char)('0' + v);
    }
    return end;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

static inline char *rt_json_put_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return rt_json_put_u64(p, (uint64_t)0 - (uint64_t)v);
    }
    return rt_json_put_u64(p, (uint64_t)v);
}

#endif
