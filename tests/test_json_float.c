/* The shortest-round-trip float formatting (Schubfach, json_number.c)
 * against the printf/strtod method it replaced, kept here as the
 * reference: on a million random bit patterns and the edge cases, both give
 * the same digits and the text reads back to the same double. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json_writer.h"

/* The old method: the fewest %.*e digits that strtod reads back. Reading
 * back is monotonic in the digit count (p+1 correctly rounded digits are at
 * least as close as p), so a binary search finds the same count as the old
 * loop over 1..17, with 5 tries instead of up to 17. */
static bool reads_back(double v, int prec, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.*e", prec - 1, v);
    return strtod(buf, NULL) == v;
}

static int reference_digits(double v, char *digits, int *exp10)
{
    char buf[40];
    int lo = 1, hi = 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (reads_back(v, mid, buf, sizeof buf))
            hi = mid;
        else
            lo = mid + 1;
    }
    reads_back(v, lo, buf, sizeof buf);
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

/* The old rt_json_put_f64, on the reference digits. */
static char *reference_put_f64(char *p, double v)
{
    if (isnan(v) || isinf(v))
        return memcpy(p, "null", 4), p + 4;
    if (signbit(v)) {
        *p++ = '-';
        v = -v;
    }
    if (v == 0)
        return memcpy(p, "0.0", 3), p + 3;
    char d[20];
    int e10;
    int n = reference_digits(v, d, &e10);
    int k = e10 + 1;
    if (k > 0 && k <= 16) {
        if (n <= k) {
            memcpy(p, d, (size_t)n);
            p += n;
            memset(p, '0', (size_t)(k - n));
            p += k - n;
            return memcpy(p, ".0", 2), p + 2;
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
    return p + sprintf(p, "e%d", k - 1);
}

static uint64_t mismatches, powers_of_two_shorter;

static void check_one(double v)
{
    char got[64], want[64];
    *rt_json_put_f64(got, v) = '\0';
    *reference_put_f64(want, v) = '\0';
    if (isnan(v) || isinf(v)) {
        assert_string_equal(got, "null");
        return;
    }
    /* Reads back to the same double, bit for bit (-0.0 included). */
    double back = strtod(got, NULL);
    if (memcmp(&back, &v, sizeof v) != 0)
        fail_msg("%s (%a) reads back as %a", got, v, back);
    if (strcmp(got, want) == 0)
        return;
    /* The one place the reference is not shortest: at a power of two the
     * interval that rounds to v is narrower below v than above, and the
     * correctly rounded n-digit neighbour can fall outside it below while
     * an n-digit one above is inside. Ryu (serde) and Schubfach take that
     * one; the reference needs a digit more. Python's repr agrees. */
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    bool power_of_two = (bits & ((UINT64_C(1) << 52) - 1)) == 0;
    if (power_of_two && strlen(got) < strlen(want)) {
        powers_of_two_shorter++;
        return;
    }
    if (mismatches++ < 5)
        fprintf(stderr, "%a: got %s, reference %s\n", v, got, want);
}

static uint64_t next_random(uint64_t *s)
{
    /* splitmix64: a fixed seed gives the same million patterns every run. */
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static void test_random_bit_patterns(void **state)
{
    (void)state;
    uint64_t seed = 20240601;
    mismatches = 0;
    for (int i = 0; i < 1000000; i++)
        check_one(from_bits(next_random(&seed)));
    assert_int_equal(mismatches, 0);
}

static void test_edge_cases(void **state)
{
    (void)state;
    mismatches = 0;
    /* Every binade's first, second and last significand (powers of two are
     * where the rounding interval is asymmetric), both signs. */
    for (uint64_t e = 0; e < 2047; e++) {
        for (int s = 0; s < 2; s++) {
            uint64_t sign = (uint64_t)s << 63;
            check_one(from_bits(sign | e << 52));
            check_one(from_bits(sign | e << 52 | 1));
            check_one(from_bits(sign | e << 52 | ((UINT64_C(1) << 52) - 1)));
        }
    }
    /* Subnormals, the smallest and the largest. */
    for (uint64_t m = 1; m < 5000; m++)
        check_one(from_bits(m));
    check_one(from_bits((UINT64_C(1) << 52) - 1));
    /* Powers of ten and their neighbours, integers, decimal fractions. */
    for (int k = -325; k <= 308; k++) {
        char buf[16];
        snprintf(buf, sizeof buf, "1e%d", k);
        double v = strtod(buf, NULL);
        check_one(v);
        check_one(nextafter(v, 0));
        check_one(nextafter(v, INFINITY));
    }
    for (int i = 0; i < 100000; i++) {
        check_one((double)i);
        check_one(i / 1000.0);
        check_one(i * 0.1);
    }
    check_one(9007199254740992.0); /* 2^53 */
    check_one(9007199254740993.0);
    check_one(1.7976931348623157e308);
    check_one(2.2250738585072014e-308);
    check_one(5e-324);
    check_one(0.0);
    check_one(-0.0);
    check_one(NAN);
    check_one(INFINITY);
    check_one(-INFINITY);
    assert_int_equal(mismatches, 0);
    /* 2^-1017 is one such power: 7.120236347223045e-307 (repr), where the
     * reference writes 7.1202363472230444e-307. */
    assert_true(powers_of_two_shorter > 0);
    char buf[64];
    *rt_json_put_f64(buf, ldexp(1.0, -1017)) = '\0';
    assert_string_equal(buf, "7.120236347223045e-307");
}

/* The exact text rules of FORMAT.md section 4. */
static void test_format_rules(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {1.0, "1.0"},        {100.0, "100.0"},       {1e15, "1000000000000000.0"},
        {1e16, "1e16"},      {1.5e16, "1.5e16"},     {12345.678, "12345.678"},
        {0.1, "0.1"},        {0.0001, "0.0001"},     {0.000015, "0.000015"},
        {1e-5, "0.00001"},      {1.5e-6, "1.5e-6"},     {-1e300, "-1e300"},
        {5e-324, "5e-324"},  {-0.0, "-0.0"},         {123456789012345680.0, "1.2345678901234568e17"},
        {0.3, "0.3"},        {2.0 / 3.0, "0.6666666666666666"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        *rt_json_put_f64(buf, cases[i].v) = '\0';
        assert_string_equal(buf, cases[i].text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_rules),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_random_bit_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
