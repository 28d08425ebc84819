/* SHA-256 (src/common/sha256.c) against the FIPS 180-4 / NIST example
 * vectors, fed whole and in pieces of every size. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"

static void expect_hex(const char *msg, size_t len, const char *hex)
{
    char got[RT_SHA256_HEX_SIZE];
    rt_sha256_hex(msg, len, got);
    assert_string_equal(got, hex);
    /* the same bytes in pieces of 1..130 bytes */
    for (size_t piece = 1; piece <= 130 && len; piece += 7) {
        rt_sha256 s;
        unsigned char d[RT_SHA256_SIZE];
        rt_sha256_init(&s);
        for (size_t off = 0; off < len; off += piece)
            rt_sha256_update(&s, msg + off, len - off < piece ? len - off : piece);
        rt_sha256_final(&s, d);
        char h[RT_SHA256_HEX_SIZE];
        for (int i = 0; i < RT_SHA256_SIZE; i++)
            snprintf(h + 2 * i, 3, "%02x", d[i]);
        assert_string_equal(h, hex);
    }
}

static void test_fips_vectors(void **state)
{
    (void)state;
    expect_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect_hex(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                       "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    expect_hex(four, strlen(four), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* Lengths around the 55/56/64-byte padding boundaries. */
static void test_padding_boundaries(void **state)
{
    (void)state;
    char a[130];
    memset(a, 'a', sizeof a);
    /* sha256sum of 'a' repeated 55, 56, 63, 64 and 65 times */
    expect_hex(a, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    expect_hex(a, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    expect_hex(a, 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
    expect_hex(a, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    expect_hex(a, 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0");
}

static void test_million_a(void **state)
{
    (void)state;
    size_t n = 1000000;
    char *m = malloc(n);
    assert_non_null(m);
    memset(m, 'a', n);
    char got[RT_SHA256_HEX_SIZE];
    rt_sha256_hex(m, n, got);
    assert_string_equal(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* streamed in blocks of 1000 bytes */
    rt_sha256 s;
    unsigned char d[RT_SHA256_SIZE];
    rt_sha256_init(&s);
    for (size_t i = 0; i < n; i += 1000)
        rt_sha256_update(&s, m + i, 1000);
    rt_sha256_final(&s, d);
    assert_int_equal(d[0], 0xcd);
    assert_int_equal(d[31], 0xd0);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_vectors),
        cmocka_unit_test(test_padding_boundaries),
        cmocka_unit_test(test_million_a),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
