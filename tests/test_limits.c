/* Hostile input limits (docs/reliability.md): each documented limit turns
 * into an error, never a stack overflow or an allocation sized by a claim in
 * the input. Every input here is small; the reader's peak memory, measured
 * through its allocator, must stay small too. Limits already checked
 * elsewhere: v1 value depth and item size (test_v1), v0 value depth and
 * traversal (test_v0), JSON element size (test_json_reader). */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "model/model.h"

/* An allocator that tracks the bytes held and their peak. */
typedef struct peak_alloc {
    size_t live, peak;
} peak_alloc;

static void note(peak_alloc *p, size_t add, size_t sub)
{
    p->live = p->live + add - sub;
    if (p->live > p->peak)
        p->peak = p->live;
}

static void *pa_alloc(void *ctx, size_t n)
{
    void *q = malloc(n);
    if (q)
        note(ctx, n, 0);
    return q;
}

static void *pa_realloc(void *ctx, void *p, size_t old_n, size_t n)
{
    void *q = realloc(p, n);
    if (q)
        note(ctx, n, p ? old_n : 0);
    return q;
}

static void pa_free(void *ctx, void *p, size_t n)
{
    if (p) {
        note(ctx, 0, n);
        free(p);
    }
}

/* Reads every event of data; returns the first error (or RT_OK) and the
 * reader's peak memory. */
static int read_all(const void *data, size_t len, size_t *peak, uint64_t *events)
{
    peak_alloc pa = {0, 0};
    rt_allocator a = {pa_alloc, pa_realloc, pa_free, &pa};
    rt_reader_options o;
    rt_reader_options_init(&o);
    o.allocator = &a;
    rt_reader *r;
    int rc = rt_reader_open_memory(&r, data, len, &o);
    uint64_t n = 0;
    if (rc == RT_OK) {
        const rt_event *e;
        while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
            n++;
        rt_reader_free(r);
    }
    assert_int_equal(pa.live, 0);
    *peak = pa.peak;
    if (events)
        *events = n;
    return rc;
}

#define MIB ((size_t)1 << 20)

static void expect_limit(const char *what, const void *data, size_t len, int want, size_t max_peak)
{
    size_t peak;
    int rc = read_all(data, len, &peak, NULL);
    fprintf(stderr, "%-48s %zu bytes -> %s, peak %zu KiB\n", what, len, rt_status_name(rc),
            peak >> 10);
    if (rc != want)
        fail_msg("%s: expected %s, got %s", what, rt_status_name(want), rt_status_name(rc));
    if (peak > max_peak)
        fail_msg("%s: reader peaked at %zu bytes (limit %zu)", what, peak, max_peak);
}

/* ---- JSON -------------------------------------------------------------- */

/* A Value event whose value nests depth Sequences. */
static char *json_nested_value(int depth, size_t *len)
{
    size_t cap = (size_t)depth * 64 + 256;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t n = (size_t)sprintf(s, "[{\"Value\":{\"variable_id\":0,\"value\":");
    for (int i = 0; i < depth; i++)
        n += (size_t)sprintf(s + n, "{\"kind\":\"Sequence\",\"is_slice\":false,\"type_id\":0,\"elements\":[");
    n += (size_t)sprintf(s + n, "{\"kind\":\"None\",\"type_id\":0}");
    for (int i = 0; i < depth; i++)
        n += (size_t)sprintf(s + n, "]}");
    n += (size_t)sprintf(s + n, "}}]");
    *len = n;
    return s;
}

static void test_json_value_depth(void **state)
{
    (void)state;
    size_t len, peak;
    char *ok = json_nested_value(RT_MAX_DEPTH, &len);
    uint64_t n;
    assert_int_equal(read_all(ok, len, &peak, &n), RT_READ_END);
    assert_int_equal(n, 1);
    free(ok);
    char *deep = json_nested_value(RT_MAX_DEPTH + 1, &len);
    expect_limit("JSON value nested RT_MAX_DEPTH+1", deep, len, RT_ELIMIT, 4 * MIB);
    free(deep);
}

/* Plain JSON nesting inside a field the reader skips, and an unclosed
 * run of brackets: no recursion without a bound. */
static void test_json_bracket_bombs(void **state)
{
    (void)state;
    size_t n = 100000;
    char *s = malloc(n + 64);
    assert_non_null(s);
    int k = sprintf(s, "[{\"Step\":{\"path_id\":0,\"line\":1,\"x\":");
    memset(s + k, '[', n);
    strcpy(s + k + n, "]");
    expect_limit("JSON 100000 '[' in an unknown field", s, strlen(s), RT_ETRUNCATED, 4 * MIB);
    /* Closed nesting deeper than RT_MAX_DEPTH in a field that is skipped. */
    k = sprintf(s, "[{\"Step\":{\"path_id\":0,\"line\":1,\"x\":");
    memset(s + k, '[', 300);
    memset(s + k + 300, ']', 300);
    strcpy(s + k + 600, "}}]");
    expect_limit("JSON 300 nested arrays in an unknown field", s, strlen(s), RT_ELIMIT, 4 * MIB);
    memset(s, '[', n);
    expect_limit("JSON 100000 '['", s, n, RT_ETRUNCATED, 4 * MIB);
    memset(s, '{', n);
    s[0] = '[';
    expect_limit("JSON '[' then 100000 '{'", s, n, RT_ETRUNCATED, 4 * MIB);
    free(s);
}

/* ---- v0 ----------------------------------------------------------------- */

/* The v0 header then packed words: a tag byte 0xFF takes 8 literal bytes and
 * a count of raw words that follow (0 here). */
static size_t v0_file(uint8_t *out, const uint8_t *words, size_t nwords)
{
    static const uint8_t hdr[8] = {0xC0, 0xDE, 0x72, 0xAC, 0xE2, 0x00, 0x00, 0x00};
    memcpy(out, hdr, 8);
    size_t n = 8;
    for (size_t i = 0; i < nwords; i++) {
        out[n++] = 0xFF;
        memcpy(out + n, words + 8 * i, 8);
        n += 8;
        out[n++] = 0;
    }
    return n;
}

static void test_v0_segment_claims(void **state)
{
    (void)state;
    uint8_t file[256];
    /* 2^32 segments claimed. */
    uint8_t w1[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};
    expect_limit("v0 segment table: 2^32 segments", file, v0_file(file, w1, 1), RT_ELIMIT, MIB);
    /* One segment of 2^32-1 words (32 GiB), 20 bytes of data. */
    uint8_t w2[8] = {0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF};
    expect_limit("v0 one segment of 2^32-1 words", file, v0_file(file, w2, 1), RT_ETRUNCATED,
                 20 * MIB);
    /* 65536 segments of 2^32-1 words each: the table itself is cut short. */
    uint8_t w3[16] = {0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                      0xFF, 0xFF, 0xFF, 0xFF};
    expect_limit("v0 65536 segments of 2^32-1 words", file, v0_file(file, w3, 2), RT_ETRUNCATED,
                 MIB);
}

/* ---- v1 ----------------------------------------------------------------- */

/* The v1 header then one zstd frame of cbor. */
static uint8_t *v1_file(const void *cbor, size_t len, size_t *out_len)
{
    size_t cap = 8 + ZSTD_compressBound(len);
    uint8_t *f = malloc(cap);
    assert_non_null(f);
    memcpy(f, "\xC0\xDE\x72\xAC\xE2\x01\x00\x00", 8);
    size_t z = ZSTD_compress(f + 8, cap - 8, cbor, len, 3);
    assert_false(ZSTD_isError(z));
    *out_len = 8 + z;
    return f;
}

static void test_v1_length_claims(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        const char *cbor;
        size_t len;
    } cases[] = {
        /* An event map whose Path string claims 2^40 bytes. */
        {"v1 string of 2^40 bytes claimed", "\xA1\x64Path\x7B\x00\x00\x01\x00\x00\x00\x00\x00", 14},
        /* An array claiming 2^40 elements. */
        {"v1 array of 2^40 elements claimed", "\x9B\x00\x00\x01\x00\x00\x00\x00\x00", 9},
        /* A map claiming 2^32 entries. */
        {"v1 map of 2^32 entries claimed", "\xBB\x00\x00\x00\x01\x00\x00\x00\x00", 9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        uint8_t *f = v1_file(cases[i].cbor, cases[i].len, &len);
        size_t peak;
        int rc = read_all(f, len, &peak, NULL);
        fprintf(stderr, "%-48s %zu bytes -> %s, peak %zu KiB\n", cases[i].what, len,
                rt_status_name(rc), peak >> 10);
        /* Refused as over the limit, or as cut short: never allocated. */
        assert_true(rc == RT_ELIMIT || rc == RT_ETRUNCATED || rc == RT_EFORMAT);
        assert_true(peak < 8 * MIB);
        free(f);
    }
}

/* A zstd frame header may claim any window size: the reader accepts at most
 * 2^RT_ZSTD_MAX_WINDOW_LOG (24) and refuses more before allocating it. */
static void test_v1_window_claim(void **state)
{
    (void)state;
    for (unsigned wlog = 24; wlog <= 31; wlog++) {
        uint8_t f[32];
        memcpy(f, "\xC0\xDE\x72\xAC\xE2\x01\x00\x00", 8);
        /* magic, FHD 0 (no single segment, no size), window descriptor,
         * then one last raw block of one byte (CBOR null). */
        uint8_t frame[] = {0x28, 0xB5, 0x2F, 0xFD, 0x00, (uint8_t)((wlog - 10) << 3),
                           0x09, 0x00, 0x00, 0xF6};
        memcpy(f + 8, frame, sizeof frame);
        size_t peak;
        int rc = read_all(f, 8 + sizeof frame, &peak, NULL);
        fprintf(stderr, "v1 frame claiming a 2^%u window                 %zu bytes -> %s, peak %zu KiB\n",
                wlog, 8 + sizeof frame, rt_status_name(rc), peak >> 10);
        assert_true(rc < 0);
        if (wlog <= 24) {
            /* Accepted (then refused as bad CBOR): the window is 16 MiB. */
            assert_true(peak <= 20 * MIB);
        } else {
            /* Refused as over the limit before allocating the window. */
            assert_int_equal(rc, RT_ELIMIT);
            assert_true(peak <= 4 * MIB);
        }
    }
}

/* ---- small files and the writers -------------------------------------- */

static void test_small_file_limit(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "trace_metadata.json");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    /* Sparse: 1 GiB + 1 byte on paper, nothing on disk. */
    assert_int_equal(ftruncate(fd, (off_t)(1024u * 1024u * 1024u) + 1), 0);
    close(fd);
    rt_metadata m;
    char err[256];
    assert_int_equal(rt_metadata_read(path, &m, err, sizeof err), RT_ELIMIT);
    rt_path_list p;
    assert_int_equal(rt_paths_read(path, &p, err, sizeof err), RT_ELIMIT);
    tu_rmtree(dir);
}

static void test_writer_depth(void **state)
{
    (void)state;
    rt_tracer *t;
    assert_int_equal(rt_tracer_new(&t, "limits", NULL, 0, NULL), RT_OK);
    rt_value *chain = calloc(RT_MAX_DEPTH + 2, sizeof *chain);
    assert_non_null(chain);
    chain[RT_MAX_DEPTH + 1] = rt_value_none(0);
    for (int i = RT_MAX_DEPTH; i >= 0; i--)
        chain[i] = rt_value_sequence(&chain[i + 1], 1, false, 0);
    /* chain[1] nests RT_MAX_DEPTH levels below the root: accepted. */
    assert_int_equal(rt_register_return(t, chain[1]), RT_OK);
    assert_int_equal(rt_register_return(t, chain[0]), RT_ELIMIT);
    assert_int_equal(rt_tracer_event_count(t), 1);
    free(chain);
    rt_tracer_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_value_depth),   cmocka_unit_test(test_json_bracket_bombs),
        cmocka_unit_test(test_v0_segment_claims),  cmocka_unit_test(test_v1_length_claims),
        cmocka_unit_test(test_v1_window_claim),
        cmocka_unit_test(test_small_file_limit),   cmocka_unit_test(test_writer_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
