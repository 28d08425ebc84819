/* Number formatting for JSON without printf: integers (inline, in
 * json_writer.h) and floats by the shortest round trip, as Ryu does for
 * serde. The float digits come from Schubfach (R. Giulietti, "The Schubfach
 * way to render doubles", 2020): one 128x64-bit multiplication per bound
 * with a table of 10^K, no loop over candidate precisions, no bignums. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "json/json_writer.h"
#include "json/json_pow10.h"

const char rt_json_digit_pairs[200] = {
    '0', '0', '0', '1', '0', '2', '0', '3', '0', '4', '0', '5', '0', '6', '0', '7', '0', '8', '0',
    '9', '1', '0', '1', '1', '1', '2', '1', '3', '1', '4', '1', '5', '1', '6', '1', '7', '1', '8',
    '1', '9', '2', '0', '2', '1', '2', '2', '2', '3', '2', '4', '2', '5', '2', '6', '2', '7', '2',
    '8', '2', '9', '3', '0', '3', '1', '3', '2', '3', '3', '3', '4', '3', '5', '3', '6', '3', '7',
    '3', '8', '3', '9', '4', '0', '4', '1', '4', '2', '4', '3', '4', '4', '4', '5', '4', '6', '4',
    '7', '4', '8', '4', '9', '5', '0', '5', '1', '5', '2', '5', '3', '5', '4', '5', '5', '5', '6',
    '5', '7', '5', '8', '5', '9', '6', '0', '6', '1', '6', '2', '6', '3', '6', '4', '6', '5', '6',
    '6', '6', '7', '6', '8', '6', '9', '7', '0', '7', '1', '7', '2', '7', '3', '7', '4', '7', '5',
    '7', '6', '7', '7', '7', '8', '7', '9', '8', '0', '8', '1', '8', '2', '8', '3', '8', '4', '8',
    '5', '8', '6', '8', '7', '8', '8', '8', '9', '9', '0', '9', '1', '9', '2', '9', '3', '9', '4',
    '9', '5', '9', '6', '9', '7', '9', '8', '9', '9'};

__extension__ typedef unsigned __int128 rt_u128;

/* floor(x / 2^s) for negative x too (>> of a negative int is
 * implementation-defined in C). */
static inline int32_t floor_shift(int32_t x, int s)
{
    return x >= 0 ? x >> s : -(int32_t)(((uint32_t)-x + (1u << s) - 1) >> s);
}

/* floor(g * x / 2^128) with the lowest bit set when the dropped part is
 * not (almost) zero: rounding to odd keeps the comparisons below exact. */
static inline uint64_t round_to_odd(const uint64_t g[2], uint64_t x)
{
    rt_u128 lo = (rt_u128)g[1] * x;
    rt_u128 hi = (rt_u128)g[0] * x;
    uint64_t x1 = (uint64_t)(lo >> 64);
    uint64_t y0 = (uint64_t)hi, y1 = (uint64_t)(hi >> 64);
    uint64_t z = y0 + x1;
    uint64_t z1 = y1 + (z < y0);
    return z1 | (z > 1);
}

/* v = c * 2^q (c < 2^53). The shortest decimal d * 10^e inside v's
 * rounding interval, the closest to v when several are (ties: even).
 * d may end in zeros. */
static uint64_t shortest_decimal(uint64_t c, int32_t q, bool lower_closer, int32_t *e)
{
    bool even = (c & 1) == 0;
    uint64_t cbl = 4 * c - 2 + lower_closer, cb = 4 * c, cbr = 4 * c + 2;
    /* k = floor(log10(2^q)), or floor(log10(3/4 2^q)) when the lower
     * neighbour is closer. */
    int32_t k = floor_shift(q * 1262611 - (lower_closer ? 524031 : 0), 22);
    /* h = q + floor(log2(10^-k)) + 1, in [1, 4]. */
    int32_t h = q + floor_shift(-k * 1741647, 19) + 1;
    const uint64_t *g = rt_pow10_g[-k - RT_POW10_K_MIN];
    uint64_t vbl = round_to_odd(g, cbl << h);
    uint64_t vb = round_to_odd(g, cb << h);
    uint64_t vbr = round_to_odd(g, cbr << h);
    uint64_t lower = vbl + !even, upper = vbr - !even;

    uint64_t s = vb / 4;
    if (s >= 10) {
        /* One digit fewer, when exactly one of its two neighbours fits. */
        uint64_t sp = s / 10;
        bool up_in = lower <= 40 * sp, wp_in = 40 * sp + 40 <= upper;
        if (up_in != wp_in) {
            *e = k + 1;
            return sp + wp_in;
        }
    }
    bool u_in = lower <= 4 * s, w_in = 4 * s + 4 <= upper;
    if (u_in != w_in) {
        *e = k;
        return s + w_in;
    }
    uint64_t mid = 4 * s + 2;
    bool up = vb > mid || (vb == mid && (s & 1));
    *e = k;
    return s + up;
}

int rt_json_shortest(double v, char *digits, int *k)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
    int32_t be = (int32_t)((bits >> 52) & 0x7ff);
    uint64_t d;
    int32_t e;
    if (be == 0) {
        d = shortest_decimal(m, 1 - 1075, false, &e);
    } else {
        uint64_t c = m | (UINT64_C(1) << 52);
        int32_t q = be - 1075;
        if (q <= 0 && q > -53 && (c & ((UINT64_C(1) << -q) - 1)) == 0) {
            /* An integer below 2^53: its own digits are the shortest. */
            d = c >> -q;
            e = 0;
        } else {
            d = shortest_decimal(c, q, m == 0 && be > 1, &e);
        }
    }
    while (d % 10 == 0) {
        d /= 10;
        e++;
    }
    int n = (int)rt_json_u64_len(d);
    rt_json_put_u64(digits, d);
    *k = e + n;
    return n;
}

char *rt_json_put_f64(char *p, double v)
{
    if (isnan(v) || isinf(v)) {
        memcpy(p, "null", 4);
        return p + 4;
    }
    if (signbit(v)) {
        *p++ = '-';
        v = -v;
    }
    if (v == 0) {
        memcpy(p, "0.0", 3);
        return p + 3;
    }
    char d[24];
    int k; /* v = 0.D x 10^k */
    int n = rt_json_shortest(v, d, &k);
    if (k > 0 && k <= 16) {
        if (n <= k) {
            memcpy(p, d, (size_t)n);
            p += n;
            memset(p, '0', (size_t)(k - n));
            p += k - n;
            memcpy(p, ".0", 2);
            return p + 2;
        }
        memcpy(p, d, (size_t)k);
        p += k;
        *p++ = '.';
        memcpy(p, d + k, (size_t)(n - k));
        return p + (n - k);
    }
    if (k > -5 && k <= 0) {
        *p++ = '0';
        *p++ = '.';
        memset(p, '0', (size_t)-k);
        p += -k;
        memcpy(p, d, (size_t)n);
        return p + n;
    }
    *p++ = d[0];
    if (n > 1) {
        *p++ = '.';
        memcpy(p, d + 1, (size_t)(n - 1));
        p += n - 1;
    }
    *p++ = 'e';
    return rt_json_put_i64(p, k - 1);
}
