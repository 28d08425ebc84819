/* Floats as serde_json writes them (the 0.14 dialect): the shortest round
 * trip digits of common/float_text.h, in Ryu's layout (1.0, 1e21, null for
 * NaN and infinities). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "common/float_text.h"
#include "json/json_writer.h"

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
    int n = rt_f64_shortest(v, d, &k);
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
    return rt_dec_put_i64(p, k - 1);
}
