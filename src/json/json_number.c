/* Integer and float formatting for JSON, without printf on the integer path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json_writer.h"

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

char *rt_json_put_u64(char *p, uint64_t v)
{
    char tmp[24];
    char *e = tmp + sizeof tmp;
    char *s = e;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--s = digit_pairs[d + 1];
        *--s = digit_pairs[d];
    }
    if (v >= 10) {
        unsigned d = (unsigned)v * 2;
        *--s = digit_pairs[d + 1];
        *--s = digit_pairs[d];
    } else {
        *--s = (char)('0' + v);
    }
    size_t n = (size_t)(e - s);
    memcpy(p, s, n);
    return p + n;
}

char *rt_json_put_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return rt_json_put_u64(p, (uint64_t)0 - (uint64_t)v);
    }
    return rt_json_put_u64(p, (uint64_t)v);
}

/* Shortest digits that read back to v: tries 1..17 significant digits.
 * Returns the digit count; *exp10 is the decimal exponent of the first
 * digit (v = d.ddd x 10^exp10). */
static int shortest_digits(double v, char *digits, int *exp10)
{
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
        if (prec == 17 || strtod(buf, NULL) == v) {
            /* buf is "d.ddde[+-]XX" */
            int n = 0;
            const char *s = buf;
            for (; *s && *s != 'e'; s++)
                if (*s >= '0' && *s <= '9')
                    digits[n++] = *s;
            *exp10 = atoi(s + 1);
            while (n > 1 && digits[n - 1] == '0')
                n--;
            return n;
        }
    }
    return 0; /* not reached */
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
    char d[20];
    int e10;
    int n = shortest_digits(v, d, &e10);
    int k = e10 + 1; /* v = 0.D x 10^k */
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
