/* common/base64: the BigInt.b text of JSON and CBOR. Round trips of every
 * length and byte value, and the non-canonical forms both readers refuse. */
#include "testutil.h"

#include <string.h>

#include "common/base64.h"

static void test_round_trip(void **state)
{
    (void)state;
    uint8_t in[300], out[300];
    char text[400];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 167 + 13); /* every byte value */
    for (size_t n = 0; n <= sizeof in; n++) {
        char *end = rt_base64_encode(text, in, n);
        assert_int_equal((size_t)(end - text), rt_base64_len(n));
        size_t got = 0;
        assert_true(rt_base64_decode(text, (size_t)(end - text), out, &got));
        assert_int_equal(got, n);
        assert_memory_equal(in, out, n);
    }
}

static void test_known_text(void **state)
{
    (void)state;
    static const struct {
        const char *bytes, *text;
    } cases[] = {{"", ""},       {"f", "Zg=="},         {"fo", "Zm8="},
                 {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"\xff\xfe\xfd", "//79"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[16];
        size_t n = strlen(cases[i].bytes);
        char *end = rt_base64_encode(text, (const uint8_t *)cases[i].bytes, n);
        assert_int_equal((size_t)(end - text), strlen(cases[i].text));
        assert_memory_equal(text, cases[i].text, strlen(cases[i].text));
    }
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Zg",       /* no padding */
        "Zg=",      /* length not a multiple of 4 */
        "Zh==",     /* unused bits set */
        "Zm9=",     /* unused bits set */
        "Z===",     /* padding too early */
        "=Zg=",     /* padding first */
        "Zg=A",     /* data after padding */
        "Zg==Zg==", /* padding before the last group */
        "Zm9v\n",   /* whitespace */
        "Zm-_",     /* the URL alphabet */
    };
    uint8_t out[16];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t got;
        if (rt_base64_decode(bad[i], strlen(bad[i]), out, &got))
            fail_msg("accepted \"%s\"", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_known_text),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
