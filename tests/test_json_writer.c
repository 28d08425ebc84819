/* The JSON text primitives: floats as serde prints them, strings as serde
 * escapes them, integers at their limits. */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "json/json_writer.h"

static void check_f64(double v, const char *expected)
{
    char buf[64];
    char *end = rt_json_put_f64(buf, v);
    *end = '\0';
    assert_string_equal(buf, expected);
}

static void test_floats(void **state)
{
    (void)state;
    check_f64(0.0, "0.0");
    check_f64(-0.0, "-0.0");
    check_f64(1.0, "1.0");
    check_f64(-1.5, "-1.5");
    check_f64(0.5, "0.5");
    check_f64(0.1, "0.1");
    check_f64(100.0, "100.0");
    check_f64(12345.678, "12345.678");
    check_f64(123456789.0, "123456789.0");
    check_f64(1e15, "1000000000000000.0");
    check_f64(1e16, "1e16");
    check_f64(1.5e16, "1.5e16");
    check_f64(1e21, "1e21");
    check_f64(1e22, "1e22");
    check_f64(0.0001, "0.0001");
    check_f64(0.000015, "0.000015");
    check_f64(-0.000025, "-0.000025");
    check_f64(1e-6, "1e-6");
    check_f64(1.5e-6, "1.5e-6");
    check_f64(1e-7, "1e-7");
    check_f64(-1e300, "-1e300");
    check_f64(3.141592653589793, "3.141592653589793");
    check_f64(1.7976931348623157e308, "1.7976931348623157e308");
    check_f64(2.2250738585072014e-308, "2.2250738585072014e-308");
    check_f64(5e-324, "5e-324");
    check_f64(NAN, "null");
    check_f64(INFINITY, "null");
    check_f64(-INFINITY, "null");
}

static void check_str(const char *s, size_t n, const char *expected)
{
    char buf[512];
    char *end = rt_json_put_str(buf, s, n);
    *end = '\0';
    assert_string_equal(buf, expected);
}

static void test_strings(void **state)
{
    (void)state;
    check_str("plain", 5, "\"plain\"");
    check_str("q\"b\\s/", 6, "\"q\\\"b\\\\s/\"");
    check_str("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
    check_str("\x01\x1f\x0b", 3, "\"\\u0001\\u001f\\u000b\"");
    check_str("a\0b", 3, "\"a\\u0000b\"");
    check_str("\x7f", 1, "\"\x7f\"");
    check_str("\xe2\x80\xa8", 3, "\"\xe2\x80\xa8\"");         /* U+2028 raw */
    check_str("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF raw */
    check_str("", 0, "\"\"");
}

static void test_integers(void **state)
{
    (void)state;
    char buf[32];
    *rt_dec_put_u64(buf, UINT64_MAX) = '\0';
    assert_string_equal(buf, "18446744073709551615");
    *rt_dec_put_i64(buf, INT64_MIN) = '\0';
    assert_string_equal(buf, "-9223372036854775808");
    *rt_dec_put_i64(buf, INT64_MAX) = '\0';
    assert_string_equal(buf, "9223372036854775807");
    *rt_dec_put_u64(buf, 0) = '\0';
    assert_string_equal(buf, "0");
    *rt_dec_put_i64(buf, -7) = '\0';
    assert_string_equal(buf, "-7");
    *rt_dec_put_u64(buf, 100) = '\0';
    assert_string_equal(buf, "100");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_integers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
