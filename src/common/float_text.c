/* Float text: Schubfach shortest digits (R. Giulietti, "The Schubfach way
 * to render doubles", 2020: one 128x64-bit multiplication per bound with a
 * table of 10^K, no loop over candidate precisions, no bignums), Rust's
 * Display layout, and decimal text back to a double. */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"
#include "common/float_text.h"
#include "common/pow10_table.h"
#include "runtime_tracing.h"

const char rt_dec_digit_pairs[200] = {
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
 * rounding interval, the closest to v when several are. A tie between
 * two (v exactly halfway, e.g. 10672327145.8828125 at 17 digits) goes to
 * the even one as Ryu does (serde_json, the 0.14 dialect), or away from
 * zero when ties_up, as Rust's Display of f64 does (flt2dec, the 0.19
 * dialect: "10672327145.882813"). d may end in zeros. */
static uint64_t shortest_decimal(uint64_t c, int32_t q, bool lower_closer, bool ties_up,
                                 int32_t *e)
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
    /* vb is rounded to odd: vb == mid only when v is exactly halfway. */
    bool up = vb > mid || (vb == mid && (ties_up || (s & 1)));
    *e = k;
    return s + up;
}

/* The shortest digits of v (finite, > 0) as an integer d without trailing
 * zeros, its digit count *n and *k: v = 0.D x 10^k. ties_up: as in
 * shortest_decimal. */
static uint64_t shortest_digits(double v, bool ties_up, int *n, int *k)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
    int32_t be = (int32_t)((bits >> 52) & 0x7ff);
    uint64_t d;
    int32_t e;
    if (be == 0) {
        d = shortest_decimal(m, 1 - 1075, false, ties_up, &e);
    } else {
        uint64_t c = m | (UINT64_C(1) << 52);
        int32_t q = be - 1075;
        if (q <= 0 && q > -53 && (c & ((UINT64_C(1) << -q) - 1)) == 0) {
            /* An integer below 2^53: its own digits are the shortest. */
            d = c >> -q;
            e = 0;
        } else {
            d = shortest_decimal(c, q, m == 0 && be > 1, ties_up, &e);
        }
    }
    /* Trailing zeros off (most d have none): eight at a time, then 4, 2,
     * 1 (d has at most 17 digits), fewer divisions than one at a time. */
    if (d % 10 == 0) {
        while (d % 100000000 == 0) {
            d /= 100000000;
            e += 8;
        }
        if (d % 10000 == 0) {
            d /= 10000;
            e += 4;
        }
        if (d % 100 == 0) {
            d /= 100;
            e += 2;
        }
        if (d % 10 == 0) {
            d /= 10;
            e++;
        }
    }
    *n = (int)rt_dec_u64_len(d);
    *k = e + *n;
    return d;
}

/* The len digits of v < 10^9 at p, right to left, in 32-bit arithmetic
 * (a division by 100 is a shorter multiply than in 64 bits). */
static inline void put_u32_len(char *p, uint32_t v, unsigned len)
{
    char *s = p + len;
    while (v >= 100) {
        uint32_t q = v / 100;
        s -= 2;
        memcpy(s, rt_dec_digit_pairs + 2 * (v - q * 100), 2);
        v = q;
    }
    if (v >= 10)
        memcpy(s - 2, rt_dec_digit_pairs + 2 * v, 2);
    else
        s[-1] = (char)('0' + v);
}

/* The n digits of d (at most 17: n = rt_dec_u64_len(d)) at p; returns the
 * end. Past 8 digits the low 8 are two independent 4-digit halves, so the
 * chain of dependent divisions is at most 4 long instead of 8. */
static inline char *put_digits(char *p, uint64_t d, unsigned n)
{
    if (n <= 8) {
        put_u32_len(p, (uint32_t)d, n);
        return p + n;
    }
    uint64_t hi = d / 100000000;
    uint32_t lo = (uint32_t)(d - hi * 100000000);
    put_u32_len(p, (uint32_t)hi, n - 8);
    char *q = p + n - 8;
    uint32_t a = lo / 10000, b = lo - a * 10000;
    uint32_t a1 = a / 100, b1 = b / 100;
    memcpy(q, rt_dec_digit_pairs + 2 * a1, 2);
    memcpy(q + 2, rt_dec_digit_pairs + 2 * (a - a1 * 100), 2);
    memcpy(q + 4, rt_dec_digit_pairs + 2 * b1, 2);
    memcpy(q + 6, rt_dec_digit_pairs + 2 * (b - b1 * 100), 2);
    return p + n;
}

int rt_f64_shortest(double v, char *digits, int *k)
{
    int n;
    uint64_t d = shortest_digits(v, false, &n, k);
    put_digits(digits, d, (unsigned)n);
    return n;
}

/* Moves p[0..len) to p[1..len], len <= 16 (the fraction, to make room for
 * the '.'): both halves loaded before either is stored, no call. */
static inline void shift_right1(char *p, size_t len)
{
    if (len >= 8) {
        uint64_t a, b;
        memcpy(&a, p, 8);
        memcpy(&b, p + len - 8, 8);
        memcpy(p + 1, &a, 8);
        memcpy(p + len - 7, &b, 8);
    } else if (len >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + len - 4, 4);
        memcpy(p + 1, &a, 4);
        memcpy(p + len - 3, &b, 4);
    } else {
        for (size_t i = len; i > 0; i--)
            p[i] = p[i - 1];
    }
}

/* n zeros at p; up to 16 (most texts) with two fixed stores, which may
 * write up to 16 bytes, within RT_F64_DISPLAY_MAX. */
static void put_zeros(char *p, size_t n)
{
    if (n <= 16)
        memcpy(p, "0000000000000000", 16);
    else
        memset(p, '0', n);
}

size_t rt_f64_display(char *p, double v)
{
    char *start = p;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t mag = bits & ~(UINT64_C(1) << 63);
    const uint64_t inf = UINT64_C(0x7FF0000000000000);
    if (mag > inf) {
        memcpy(p, "NaN", 3);
        return 3;
    }
    if (bits != mag)
        *p++ = '-';
    if (mag == inf) {
        memcpy(p, "inf", 3);
        return (size_t)(p + 3 - start);
    }
    if (mag == 0) {
        *p++ = '0';
        return (size_t)(p - start);
    }
    /* An integer below 2^53 ("42", "1000"): its own digits, as they are. */
    int32_t q = (int32_t)(mag >> 52) - 1075;
    uint64_t c = (mag & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
    if (q <= 0 && q > -53 && (c & ((UINT64_C(1) << -q) - 1)) == 0) {
        uint64_t i = c >> -q;
        unsigned len = rt_dec_u64_len(i);
        return (size_t)(put_digits(p, i, len) - start);
    }
    int n, k; /* |v| = 0.D x 10^k, D of n digits, written in place */
    double a;
    memcpy(&a, &mag, sizeof a);
    uint64_t d = shortest_digits(a, true, &n, &k);
    if (k <= 0) {
        *p++ = '0';
        *p++ = '.';
        put_zeros(p, (size_t)-k);
        p = put_digits(p - k, d, (unsigned)n);
    } else if (k < n) {
        put_digits(p, d, (unsigned)n);
        shift_right1(p + k, (size_t)(n - k));
        p[k] = '.';
        p += n + 1;
    } else {
        p = put_digits(p, d, (unsigned)n);
        put_zeros(p, (size_t)(k - n));
        p += k - n;
    }
    return (size_t)(p - start);
}

/* ---- text to double ----------------------------------------------------- */

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool ieq(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    if (n != k)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch != lit[i])
            return false;
    }
    return true;
}

/* The C locale for strtod_l, made once: strtod alone would follow the
 * process's locale (a decimal comma). Immutable once made. */
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Exact for up to 15 digits and |e10| <= 22 (one correctly rounded
 * operation on exact operands); anything else goes to strtod in the C
 * locale, which glibc rounds correctly. */
int rt_f64_from_decimal(const char *s, size_t len, rt_arena *scratch, double *out)
{
    const char *e = s + len, *q = s;
    bool neg = q < e && *q == '-';
    if (q < e && (*q == '-' || *q == '+'))
        q++;
    uint64_t m = 0;
    int nd = 0;
    long e10 = 0;
    for (; q < e && is_digit(*q); q++) {
        if (m == 0 && *q == '0')
            continue;
        if (nd < 19)
            m = m * 10 + (uint64_t)(*q - '0');
        else
            e10++;
        nd++;
    }
    if (q < e && *q == '.') {
        for (q++; q < e && is_digit(*q); q++) {
            if (m == 0 && *q == '0') {
                e10--;
                continue;
            }
            if (nd < 19) {
                m = m * 10 + (uint64_t)(*q - '0');
                e10--;
            }
            nd++;
        }
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        q++;
        bool eneg = false;
        if (q < e && (*q == '+' || *q == '-'))
            eneg = *q++ == '-';
        long x = 0;
        for (; q < e && is_digit(*q); q++)
            if (x < 100000)
                x = x * 10 + (*q - '0');
        e10 += eneg ? -x : x;
    }
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
        return RT_OK;
    }
    if (nd <= 15 && e10 >= -22 && e10 <= 22) {
        double v = (double)m;
        v = e10 >= 0 ? v * pow10_exact[e10] : v / pow10_exact[-e10];
        *out = neg ? -v : v;
        return RT_OK;
    }
    char small[RT_F64_DISPLAY_MAX + 1];
    char *tmp = small;
    if (len >= sizeof small && !(tmp = rt_arena_alloc(scratch, len + 1)))
        return RT_ENOMEM;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    pthread_once(&c_locale_once, make_c_locale);
    char *endp;
    *out = c_locale ? strtod_l(tmp, &endp, c_locale) : strtod(tmp, &endp);
    return RT_OK;
}

int rt_f64_from_text(const char *s, size_t n, rt_arena *scratch, double *out)
{
    size_t sign = n && (s[0] == '-' || s[0] == '+');
    const char *u = s + sign;
    size_t un = n - sign;
    bool neg = sign && s[0] == '-';
    if (ieq(u, un, "inf") || ieq(u, un, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return RT_OK;
    }
    if (ieq(u, un, "nan")) {
        *out = NAN;
        return RT_OK;
    }
    /* digits [. digits] with a digit somewhere, then [e [sign] digits] */
    size_t i = 0, digits = 0;
    while (i < un && is_digit(u[i]))
        i++, digits++;
    if (i < un && u[i] == '.')
        for (i++; i < un && is_digit(u[i]); i++)
            digits++;
    if (!digits)
        return RT_EFORMAT;
    if (i < un && (u[i] == 'e' || u[i] == 'E')) {
        i++;
        if (i < un && (u[i] == '+' || u[i] == '-'))
            i++;
        size_t d0 = i;
        while (i < un && is_digit(u[i]))
            i++;
        if (i == d0)
            return RT_EFORMAT;
    }
    if (i != un)
        return RT_EFORMAT;
    return rt_f64_from_decimal(s, n, scratch, out);
}
