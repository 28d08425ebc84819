/* The v1 format (CBOR in seekable zstd): byte-exact against the reference's
 * fixtures (decompressed), conversions to JSON, multi-frame files, files
 * cut at every offset or with flipped bytes, follow mode, the strict and
 * tolerant decoding rules, and rt_v1_inspect. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "cbor/cbor_event.h"
#include "common/arena.h"
#include "common/buf.h"
#include "model/model.h"

/* ---- helpers ------------------------------------------------------------- */

typedef struct events {
    rt_event *ev;
    size_t len, cap;
    rt_arena arena;
} events;

static void events_init(events *l)
{
    memset(l, 0, sizeof *l);
    rt_arena_init(&l->arena, NULL, 64 * 1024);
}

static void events_push(events *l, const rt_event *e)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->ev = realloc(l->ev, l->cap * sizeof *l->ev);
        assert_non_null(l->ev);
    }
    assert_int_equal(rt_event_copy(&l->arena, e, &l->ev[l->len]), RT_OK);
    l->len++;
}

static void events_free(events *l)
{
    free(l->ev);
    rt_arena_free(&l->arena);
}

/* Reads every event of a reader into l; returns the final status. */
static int drain(rt_reader *r, events *l, char *msg, size_t msg_len)
{
    const rt_event *e;
    int rc;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
        events_push(l, e);
    if (msg)
        snprintf(msg, msg_len, "%s", rt_reader_errmsg(r));
    return rc;
}

/* Reads a whole v1 buffer; returns the final status (open errors too). */
static int read_memory(const void *data, size_t len, events *l, char *msg, size_t msg_len)
{
    rt_reader *r = NULL;
    int rc = rt_reader_open_memory(&r, data, len, NULL);
    if (rc) {
        if (msg)
            snprintf(msg, msg_len, "open: %s", rt_strerror(rc));
        return rc;
    }
    assert_int_equal(rt_reader_format(r), RT_FORMAT_V1);
    rc = drain(r, l, msg, msg_len);
    rt_reader_free(r);
    return rc;
}

static void read_file_events(const char *path, events *l)
{
    rt_reader *r = NULL;
    assert_int_equal(rt_reader_open(&r, path, NULL), RT_OK);
    char msg[600];
    int rc = drain(r, l, msg, sizeof msg);
    if (rc != RT_READ_END)
        fail_msg("%s: %s", path, msg);
    rt_reader_free(r);
}

static void write_events(const char *path, rt_format format, size_t frame_size, const events *l)
{
    rt_writer_options o;
    rt_writer_options_init(&o, format);
    o.frame_size = frame_size;
    rt_writer *w = NULL;
    assert_int_equal(rt_writer_open(&w, path, &o), RT_OK);
    for (size_t i = 0; i < l->len; i++)
        assert_int_equal(rt_writer_write(w, &l->ev[i]), RT_OK);
    assert_int_equal(rt_writer_finish(w), RT_OK);
    rt_writer_free(w);
}

/* The CBOR stream of a v1 file: every zstd frame after the 8-byte header
 * decompressed with libzstd (which skips the seek table itself). */
static unsigned char *decompress_v1(const unsigned char *file, size_t len, size_t *out_len)
{
    assert_true(len >= 8);
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    size_t cap = 1 << 16, n = 0;
    unsigned char *out = malloc(cap);
    ZSTD_inBuffer in = {file + 8, len - 8, 0};
    while (in.pos < in.size) {
        if (n == cap)
            out = realloc(out, cap *= 2);
        ZSTD_outBuffer o = {out, cap, n};
        size_t r = ZSTD_decompressStream(dc, &o, &in);
        if (ZSTD_isError(r))
            fail_msg("zstd: %s", ZSTD_getErrorName(r));
        n = o.pos;
    }
    /* Flush what libzstd may still hold. */
    for (;;) {
        if (n == cap)
            out = realloc(out, cap *= 2);
        ZSTD_outBuffer o = {out, cap, n};
        size_t r = ZSTD_decompressStream(dc, &o, &in);
        assert_false(ZSTD_isError(r));
        if (o.pos == n)
            break;
        n = o.pos;
    }
    ZSTD_freeDCtx(dc);
    *out_len = n;
    return out;
}

static unsigned char *decompress_file(const char *path, size_t *out_len)
{
    size_t len;
    unsigned char *f = (unsigned char *)tu_read_file(path, &len);
    assert_non_null(f);
    unsigned char *d = decompress_v1(f, len, out_len);
    free(f);
    return d;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Checks the seek table against the frames with libzstd alone; returns the
 * frame count. */
static size_t check_seek_table(const unsigned char *f, size_t len)
{
    assert_true(len >= 8 + 17);
    assert_int_equal(le32(f + len - 4), 0x8F92EAB1u);
    assert_int_equal(f[len - 5], 0);
    size_t n = le32(f + len - 9);
    size_t table = 8 + 8 * n + 9;
    assert_true(table <= len - 8);
    const unsigned char *t = f + len - table;
    assert_int_equal(le32(t), 0x184D2A5Eu);
    assert_int_equal(le32(t + 4), 8 * n + 9);
    const unsigned char *p = f + 8;
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    unsigned char *scratch = malloc(4 << 20);
    for (size_t i = 0; i < n; i++) {
        size_t c = ZSTD_findFrameCompressedSize(p, (size_t)(t - p));
        assert_false(ZSTD_isError(c));
        assert_int_equal(c, le32(t + 8 + 8 * i));
        size_t d = ZSTD_decompressDCtx(dc, scratch, 4 << 20, p, c);
        assert_false(ZSTD_isError(d));
        assert_int_equal(d, le32(t + 12 + 8 * i));
        p += c;
    }
    assert_ptr_equal(p, t); /* the table follows the last frame */
    free(scratch);
    ZSTD_freeDCtx(dc);
    return n;
}

static void assert_bytes_equal(const unsigned char *a, size_t alen, const unsigned char *b,
                               size_t blen, const char *what)
{
    size_t i = 0;
    while (i < alen && i < blen && a[i] == b[i])
        i++;
    if (i != alen || alen != blen)
        fail_msg("%s: differs at byte %zu (lengths %zu and %zu)", what, i, alen, blen);
}

/* CBOR end offset of every event of l, by encoding them again. */
static size_t *event_ends(const events *l)
{
    rt_buf b;
    rt_buf_init(&b, NULL);
    size_t *ends = malloc((l->len + 1) * sizeof *ends);
    for (size_t i = 0; i < l->len; i++) {
        assert_int_equal(rt_cbor_encode_event(&b, &l->ev[i], rt_dialect_get(RT_DIALECT_0_14)), RT_OK);
        ends[i] = b.len;
    }
    rt_buf_free(&b);
    return ends;
}

/* A v1 file from raw CBOR bytes: header, one frame, a valid seek table. */
static unsigned char *make_v1(const void *cbor, size_t n, size_t *len)
{
    size_t bound = ZSTD_compressBound(n);
    unsigned char *f = malloc(8 + bound + 25);
    memcpy(f, "\xC0\xDE\x72\xAC\xE2\x01\x00\x00", 8);
    size_t c = ZSTD_compress(f + 8, bound, cbor, n, 3);
    assert_false(ZSTD_isError(c));
    unsigned char *t = f + 8 + c;
    const uint32_t words[] = {0x184D2A5Eu, 17, (uint32_t)c, (uint32_t)n, 1};
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < 4; k++)
            t[4 * i + k] = (unsigned char)(words[i] >> (8 * k));
    t[20] = 0;
    memcpy(t + 21, "\xB1\xEA\x92\x8F", 4);
    *len = 8 + c + 25;
    return f;
}

/* ---- fixtures ------------------------------------------------------------ */

static const struct {
    const char *v1, *json;
} pairs[] = {
    {"testdata/trace.v1.bin", "testdata/trace.json"},
    {"tutorial/trace.v1.bin", "tutorial/trace.json"},
    {"simple/noassign/trace.v1.bin", "simple/noassign/trace.json"},
    {"values/values.v1.bin", "values/values.json"},
    {"values/values-bigint.v1.bin", "values/values-bigint.json"},
    {"values/values-specialfloat.v1.bin", "values/values-specialfloat.json"},
    {"empty/empty.v1.bin", "empty/empty.json"},
};
#define NPAIRS (sizeof pairs / sizeof pairs[0])

static void test_fixtures_to_json(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    for (size_t i = 0; i < NPAIRS; i++) {
        events l;
        events_init(&l);
        read_file_events(tu_fixture(pairs[i].v1), &l);
        const char *out = tu_join(dir, "trace.json");
        write_events(out, RT_FORMAT_JSON, 0, &l);
        tu_assert_same_file(out, tu_fixture(pairs[i].json));
        events_free(&l);
    }
    tu_rmtree(dir);
}

static void test_fixtures_v1_round_trip(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    for (size_t i = 0; i < NPAIRS; i++) {
        events l;
        events_init(&l);
        const char *fixture = tu_fixture(pairs[i].v1);
        read_file_events(fixture, &l);
        const char *out = tu_join(dir, "trace.bin");
        write_events(out, RT_FORMAT_V1, 0, &l);
        size_t alen, blen, flen;
        unsigned char *a = decompress_file(out, &alen);
        unsigned char *b = decompress_file(fixture, &blen);
        assert_bytes_equal(a, alen, b, blen, pairs[i].v1);
        unsigned char *f = (unsigned char *)tu_read_file(out, &flen);
        assert_int_equal(check_seek_table(f, flen), 1);
        /* Read back: the same events. */
        events back;
        events_init(&back);
        read_file_events(out, &back);
        assert_int_equal(back.len, l.len);
        for (size_t k = 0; k < l.len; k++)
            assert_true(rt_event_equal(&back.ev[k], &l.ev[k]));
        events_free(&back);
        free(a);
        free(b);
        free(f);
        events_free(&l);
    }
    /* The empty stream is the reference's file byte for byte: one empty
     * frame and a one-entry seek table. */
    events none;
    events_init(&none);
    const char *out = tu_join(dir, "empty.bin");
    write_events(out, RT_FORMAT_V1, 0, &none);
    tu_assert_same_file(out, tu_fixture("empty/empty.v1.bin"));
    events_free(&none);
    tu_rmtree(dir);
}

/* The other direction: the reference's JSON read and written as v1 gives
 * the reference's v1 stream (not for values-specialfloat, whose JSON has
 * null where v1 has infinities). */
static void test_json_fixtures_to_v1(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    for (size_t i = 0; i < NPAIRS; i++) {
        if (strstr(pairs[i].json, "specialfloat"))
            continue;
        events l;
        events_init(&l);
        read_file_events(tu_fixture(pairs[i].json), &l);
        const char *out = tu_join(dir, "trace.bin");
        write_events(out, RT_FORMAT_V1, 0, &l);
        size_t alen, blen;
        unsigned char *a = decompress_file(out, &alen);
        unsigned char *b = decompress_file(tu_fixture(pairs[i].v1), &blen);
        assert_bytes_equal(a, alen, b, blen, pairs[i].json);
        free(a);
        free(b);
        events_free(&l);
    }
    tu_rmtree(dir);
}

static void test_tutorial_through_tracer(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        rt_tracer_options o;
        rt_tracer_options_init(&o);
        o.format = RT_FORMAT_V1;
        o.mode = mode ? RT_MODE_STREAMING : RT_MODE_BUFFERED;
        rt_tracer *t = NULL;
        assert_int_equal(rt_tracer_new(&t, "example_program", NULL, 0, &o), RT_OK);
        const char *dir = tu_tmpdir();
        const char *ev = tu_join(dir, "trace.bin");
        assert_int_equal(rt_begin_writing_trace_events(t, ev, RT_FORMAT_DEFAULT), RT_OK);
        rt_type_id i32;
        assert_int_equal(rt_start(t, "example.rs", 1), RT_OK);
        assert_int_equal(rt_register_step(t, "example.rs", 1), RT_OK);
        assert_int_equal(rt_ensure_type_id(t, RT_TYPE_INT, "i32", &i32), RT_OK);
        assert_int_equal(rt_register_variable_with_full_value(t, "answer", rt_value_int(42, i32)),
                         RT_OK);
        assert_int_equal(rt_register_return(t, rt_value_none(0)), RT_OK);
        assert_int_equal(rt_finish_writing_trace_events(t), RT_OK);
        size_t alen, blen;
        unsigned char *a = decompress_file(ev, &alen);
        unsigned char *b = decompress_file(tu_fixture("tutorial/trace.v1.bin"), &blen);
        assert_bytes_equal(a, alen, b, blen, "tutorial through the tracer");
        free(a);
        free(b);
        rt_tracer_free(t);
        tu_rmtree(dir);
    }
}

/* ---- multi-frame files --------------------------------------------------- */

/* values.v1.bin's events written with small frames. */
static unsigned char *multi_frame_file(events *l, size_t frame_size, size_t *len, const char *dir)
{
    read_file_events(tu_fixture("values/values.v1.bin"), l);
    const char *out = tu_join(dir, "multi.bin");
    write_events(out, RT_FORMAT_V1, frame_size, l);
    unsigned char *f = (unsigned char *)tu_read_file(out, len);
    assert_non_null(f);
    return f;
}

static void test_multi_frame(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    events l;
    events_init(&l);
    size_t len;
    unsigned char *f = multi_frame_file(&l, 100, &len, dir);
    const char *path = tu_join(dir, "multi.bin");
    size_t clen, flen;
    unsigned char *cbor = decompress_file(tu_fixture("values/values.v1.bin"), &clen);
    /* Frames of exactly 100 bytes, cut inside events; the last one shorter. */
    assert_int_equal(check_seek_table(f, len), (clen + 99) / 100);
    unsigned char *mine = decompress_v1(f, len, &flen);
    assert_bytes_equal(mine, flen, cbor, clen, "multi-frame stream");
    /* The zstd tool reads it too (after the 8-byte header). */
    const char *plain = tu_join(dir, "plain.cbor");
    assert_int_equal(tu_run("tail -c +9 '%s' | zstd -q -d -c > '%s'", path, plain), 0);
    tu_assert_file_equals(plain, cbor, clen);
    /* Read back event by event. */
    events back;
    events_init(&back);
    char msg[600];
    assert_int_equal(read_memory(f, len, &back, msg, sizeof msg), RT_READ_END);
    assert_int_equal(back.len, l.len);
    for (size_t i = 0; i < l.len; i++)
        assert_true(rt_event_equal(&back.ev[i], &l.ev[i]));
    /* inspect agrees */
    rt_v1_info info;
    char err[600];
    assert_int_equal(rt_v1_inspect(path, &info, err, sizeof err), RT_OK);
    assert_int_equal(info.frames, (clen + 99) / 100);
    assert_int_equal(info.decompressed_bytes, clen);
    assert_true(info.has_seek_table);
    assert_true(info.seek_table_consistent);
    assert_false(info.truncated);
    assert_int_equal(info.file_size, len);
    assert_int_equal(info.complete_end, len - (8 + 8 * info.frames + 9));
    assert_int_equal(info.compressed_bytes, info.complete_end - 8);
    events_free(&back);
    events_free(&l);
    free(f);
    free(mine);
    free(cbor);
    tu_rmtree(dir);
}

/* One event much larger than a frame, and larger than the reader's first
 * buffer: it spans many frames and makes the buffer grow. */
static void test_large_event(void **state)
{
    (void)state;
    size_t n = 3u << 20;
    char *text = malloc(n);
    for (size_t i = 0; i < n; i++)
        text[i] = (char)('a' + (i * 7919) % 26);
    rt_value items[3] = {rt_value_string_n(text, n, 1), rt_value_int(-5, 2),
                         rt_value_string_n(text, 1000, 1)};
    rt_event e[2];
    e[0].kind = RT_EVENT_VALUE;
    e[0].u.value.variable_id = 7;
    e[0].u.value.value = rt_value_tuple(items, 3, 3);
    e[1].kind = RT_EVENT_DROP_LAST_STEP;
    events l;
    events_init(&l);
    events_push(&l, &e[0]);
    events_push(&l, &e[1]);
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "big.bin");
    write_events(path, RT_FORMAT_V1, 100000, &l);
    events back;
    events_init(&back);
    read_file_events(path, &back);
    assert_int_equal(back.len, 2);
    assert_true(rt_event_equal(&back.ev[0], &e[0]));
    assert_true(rt_event_equal(&back.ev[1], &e[1]));
    events_free(&back);
    events_free(&l);
    free(text);
    tu_rmtree(dir);
}

/* ---- truncation and corruption ------------------------------------------- */

/* Cuts f at every offset: every event wholly inside the complete frames
 * comes out, only true events come out, and the read ends in
 * RT_ETRUNCATED (RT_READ_END only for the whole file). rt_v1_inspect is
 * checked on every 7th cut and on every cut near the end. */
static void cut_everywhere(const unsigned char *f, size_t len, const events *truth)
{
    size_t *ends = event_ends(truth);
    unsigned char *copy = malloc(len);
    memcpy(copy, f, len);
    /* Frame ends (file offsets) and the CBOR bytes up to each, from the
     * seek table of the whole file. */
    size_t nframes = check_seek_table(f, len);
    size_t *frame_end = malloc(nframes * sizeof *frame_end);
    size_t *frame_cbor = malloc(nframes * sizeof *frame_cbor);
    const unsigned char *t = f + len - (8 + 8 * nframes + 9) + 8;
    for (size_t i = 0, off = 8, d = 0; i < nframes; i++) {
        off += le32(t + 8 * i);
        d += le32(t + 8 * i + 4);
        frame_end[i] = off;
        frame_cbor[i] = d;
    }
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "cut.bin");
    for (size_t cut = 0; cut <= len; cut++) {
        events got;
        events_init(&got);
        char msg[600];
        int rc = read_memory(copy, cut, &got, msg, sizeof msg);
        if (cut == len) {
            assert_int_equal(rc, RT_READ_END);
            assert_int_equal(got.len, truth->len);
        } else if (rc != RT_ETRUNCATED) {
            fail_msg("cut at %zu of %zu: %s (%s)", cut, len, rt_status_name(rc), msg);
        }
        assert_true(got.len <= truth->len);
        for (size_t i = 0; i < got.len; i++)
            assert_true(rt_event_equal(&got.ev[i], &truth->ev[i]));
        /* Every event within the complete frames before the cut. */
        size_t complete = 0, cbor = 0;
        while (complete < nframes && frame_end[complete] <= cut)
            cbor = frame_cbor[complete++];
        size_t whole = 0;
        while (whole < truth->len && ends[whole] <= cbor)
            whole++;
        if (got.len < whole)
            fail_msg("cut at %zu: %zu events out, %zu wholly in complete frames", cut, got.len, whole);
        if (cut % 7 == 0 || cut + 30 > len) {
            FILE *o = fopen(path, "wb");
            fwrite(copy, 1, cut, o);
            fclose(o);
            rt_v1_info info;
            char err[600];
            if (rt_v1_inspect(path, &info, err, sizeof err) != RT_OK)
                fail_msg("inspect at cut %zu: %s", cut, err);
            assert_int_equal(info.truncated, cut != len);
            assert_int_equal(info.has_seek_table, cut == len);
            assert_int_equal(info.frames, complete);
            assert_int_equal(info.decompressed_bytes, cbor);
            assert_int_equal(info.complete_end, complete ? frame_end[complete - 1] : (cut < 8 ? 0 : 8));
        }
        events_free(&got);
    }
    tu_rmtree(dir);
    free(frame_end);
    free(frame_cbor);
    free(copy);
    free(ends);
}

static void test_cut_values(void **state)
{
    (void)state;
    size_t len;
    unsigned char *f = (unsigned char *)tu_read_file(tu_fixture("values/values.v1.bin"), &len);
    events truth;
    events_init(&truth);
    read_file_events(tu_fixture("values/values.v1.bin"), &truth);
    cut_everywhere(f, len, &truth);
    events_free(&truth);
    free(f);
}

static void test_cut_multi_frame(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    events truth;
    events_init(&truth);
    size_t len;
    unsigned char *f = multi_frame_file(&truth, 700, &len, dir);
    cut_everywhere(f, len, &truth);
    events_free(&truth);
    free(f);
    tu_rmtree(dir);
}

/* Decompressed bytes recoverable from a damaged file, stopping at the first
 * zstd error: the part of the CBOR stream known to be intact. */
static size_t intact_prefix(const unsigned char *f, size_t len, const unsigned char *truth,
                            size_t truth_len)
{
    if (len < 8)
        return 0;
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    unsigned char out[256];
    size_t same = 0;
    ZSTD_inBuffer in = {f + 8, len - 8, 0};
    for (;;) {
        ZSTD_outBuffer o = {out, sizeof out, 0};
        size_t r = ZSTD_decompressStream(dc, &o, &in);
        if (ZSTD_isError(r))
            break;
        size_t k = 0;
        while (k < o.pos && same + k < truth_len && out[k] == truth[same + k])
            k++;
        same += k;
        if (k < o.pos || (o.pos == 0 && in.pos == in.size))
            break;
    }
    ZSTD_freeDCtx(dc);
    return same;
}

static void flip_many(const unsigned char *f, size_t len, const events *truth, unsigned seed,
                      int rounds)
{
    size_t *ends = event_ends(truth);
    size_t clen;
    unsigned char *cbor = decompress_v1(f, len, &clen);
    unsigned char *copy = malloc(len);
    uint64_t x = seed;
    int errors = 0, altered = 0;
    for (int round = 0; round < rounds; round++) {
        memcpy(copy, f, len);
        int flips = 1 + round % 3;
        for (int k = 0; k < flips; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = 8 + (size_t)((x >> 33) % (len - 8)); /* after the header */
            unsigned char mask = (unsigned char)(1u << ((x >> 20) & 7));
            copy[at] ^= mask;
        }
        events got;
        events_init(&got);
        int rc = read_memory(copy, len, &got, NULL, 0);
        assert_true(rc == RT_READ_END || rc < 0);
        assert_true(got.len <= truth->len + clen); /* no endless stream of events */
        if (rc < 0)
            errors++;
        {
            /* Events wholly inside the intact decompressed prefix are the
             * true ones; beyond it, no checksum can tell (the format has
             * none), so only a clean end is checked. */
            size_t same = intact_prefix(copy, len, cbor, clen);
            size_t whole = 0;
            while (whole < truth->len && ends[whole] <= same)
                whole++;
            size_t n = got.len < whole ? got.len : whole;
            for (size_t i = 0; i < n; i++)
                assert_true(rt_event_equal(&got.ev[i], &truth->ev[i]));
            if (rc == RT_READ_END && same == clen) {
                assert_int_equal(got.len, truth->len);
                for (size_t i = 0; i < got.len; i++)
                    assert_true(rt_event_equal(&got.ev[i], &truth->ev[i]));
            }
            if (rc == RT_READ_END && same < clen)
                altered++;
        }
        events_free(&got);
    }
    print_message("flips: %d rounds, %d ended in an error, %d read to the end with altered data\n",
                  rounds, errors, altered);
    free(copy);
    free(cbor);
    free(ends);
}

static void test_flipped_bytes(void **state)
{
    (void)state;
    size_t len;
    unsigned char *f = (unsigned char *)tu_read_file(tu_fixture("values/values.v1.bin"), &len);
    events truth;
    events_init(&truth);
    read_file_events(tu_fixture("values/values.v1.bin"), &truth);
    flip_many(f, len, &truth, 12345, 1500);
    events_free(&truth);
    free(f);
    const char *dir = tu_tmpdir();
    events_init(&truth);
    f = multi_frame_file(&truth, 300, &len, dir);
    flip_many(f, len, &truth, 777, 1500);
    events_free(&truth);
    free(f);
    tu_rmtree(dir);
}

/* ---- follow mode and flush ----------------------------------------------- */

static void test_follow_growing_file(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    events truth;
    events_init(&truth);
    size_t len;
    unsigned char *f = multi_frame_file(&truth, 500, &len, dir);
    const char *path = tu_join(dir, "growing.bin");
    FILE *o = fopen(path, "wb");
    assert_non_null(o);
    rt_reader_options ro = {NULL, true, NULL, 0};
    rt_reader *r = NULL;
    assert_int_equal(rt_reader_open(&r, path, &ro), RT_OK);
    events got;
    events_init(&got);
    size_t written = 0, pendings = 0;
    int rc;
    for (;;) {
        const rt_event *e;
        rc = rt_reader_next(r, &e);
        if (rc == RT_READ_EVENT) {
            events_push(&got, e);
            continue;
        }
        if (rc != RT_READ_PENDING)
            break;
        pendings++;
        assert_true(written < len); /* pending only while the file is incomplete */
        size_t step = 1 + (written * 31 + 17) % 97;
        if (step > len - written)
            step = len - written;
        fwrite(f + written, 1, step, o);
        fflush(o);
        written += step;
    }
    if (rc != RT_READ_END)
        fail_msg("follow: %s", rt_reader_errmsg(r));
    assert_int_equal(written, len);
    assert_true(pendings > 10);
    assert_int_equal(got.len, truth.len);
    for (size_t i = 0; i < got.len; i++)
        assert_true(rt_event_equal(&got.ev[i], &truth.ev[i]));
    fclose(o);
    rt_reader_free(r);
    events_free(&got);
    events_free(&truth);
    free(f);
    tu_rmtree(dir);
}

/* A writer flushed and never finished (a killed process): what was flushed
 * is readable by zstd and by the reader, which then reports truncation. */
static void test_flush_makes_readable(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    events truth;
    events_init(&truth);
    read_file_events(tu_fixture("values/values.v1.bin"), &truth);
    const char *path = tu_join(dir, "live.bin");
    rt_writer_options o;
    rt_writer_options_init(&o, RT_FORMAT_V1);
    rt_writer *w = NULL;
    assert_int_equal(rt_writer_open(&w, path, &o), RT_OK);
    rt_reader_options ro = {NULL, true, NULL, 0};
    rt_reader *r = NULL;
    assert_int_equal(rt_reader_open(&r, path, &ro), RT_OK);
    size_t seen = 0;
    for (size_t i = 0; i < truth.len; i++) {
        assert_int_equal(rt_writer_write(w, &truth.ev[i]), RT_OK);
        if (i % 40 != 39 && i + 1 != truth.len)
            continue;
        assert_int_equal(rt_writer_flush(w), RT_OK);
        /* The follower gets exactly what was flushed, then waits. */
        const rt_event *e;
        int rc;
        while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
            assert_true(rt_event_equal(e, &truth.ev[seen]));
            seen++;
        }
        assert_int_equal(rc, RT_READ_PENDING);
        assert_int_equal(seen, i + 1);
    }
    /* Copy the unfinished file: zstd decompresses it, the reader gives every
     * event then RT_ETRUNCATED. */
    const char *cut = tu_join(dir, "cut.bin");
    assert_int_equal(tu_run("cp '%s' '%s'", path, cut), 0);
    const char *plain = tu_join(dir, "plain.cbor");
    assert_int_equal(tu_run("tail -c +9 '%s' | zstd -q -d -c > '%s'", cut, plain), 0);
    size_t clen;
    unsigned char *cbor = decompress_file(tu_fixture("values/values.v1.bin"), &clen);
    tu_assert_file_equals(plain, cbor, clen);
    rt_reader *c = NULL;
    assert_int_equal(rt_reader_open(&c, cut, NULL), RT_OK);
    events got;
    events_init(&got);
    assert_int_equal(drain(c, &got, NULL, 0), RT_ETRUNCATED);
    assert_int_equal(got.len, truth.len);
    assert_non_null(strstr(rt_reader_errmsg(c), "seek table"));
    rt_reader_free(c);
    rt_v1_info info;
    assert_int_equal(rt_v1_inspect(cut, &info, NULL, 0), RT_OK);
    assert_true(info.truncated);
    assert_false(info.has_seek_table);
    assert_int_equal(info.frames, (truth.len + 39) / 40);
    assert_int_equal(info.complete_end, info.file_size);
    /* Finishing completes the file and the follower sees the end. */
    assert_int_equal(rt_writer_finish(w), RT_OK);
    const rt_event *e;
    assert_int_equal(rt_reader_next(r, &e), RT_READ_END);
    rt_writer_free(w);
    rt_reader_free(r);
    events_free(&got);
    events_free(&truth);
    free(cbor);
    tu_rmtree(dir);
}

/* Events flushed one at a time, big enough that the reader's buffer
 * boundary falls inside some of them: each comes out right after its flush,
 * never held back waiting for more. */
static void test_follow_flush_each_event(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "live.bin");
    rt_writer_options o;
    rt_writer_options_init(&o, RT_FORMAT_V1);
    rt_writer *w = NULL;
    assert_int_equal(rt_writer_open(&w, path, &o), RT_OK);
    rt_reader_options ro = {NULL, true, NULL, 0};
    rt_reader *r = NULL;
    assert_int_equal(rt_reader_open(&r, path, &ro), RT_OK);
    char *text = malloc(20000);
    for (int i = 0; i < 20000; i++)
        text[i] = (char)('a' + i % 23);
    for (int i = 0; i < 200; i++) {
        rt_event e;
        e.kind = RT_EVENT_VALUE;
        e.u.value.variable_id = (uint64_t)i;
        e.u.value.value = rt_value_string_n(text, 3000 + (size_t)i * 71 % 17000, 1);
        assert_int_equal(rt_writer_write(w, &e), RT_OK);
        assert_int_equal(rt_writer_flush(w), RT_OK);
        const rt_event *got;
        int rc = rt_reader_next(r, &got);
        if (rc != RT_READ_EVENT)
            fail_msg("event %d held back: %s %s", i, rt_status_name(rc), rt_reader_errmsg(r));
        assert_true(rt_event_equal(got, &e));
        assert_int_equal(rt_reader_next(r, &got), RT_READ_PENDING);
    }
    assert_int_equal(rt_writer_finish(w), RT_OK);
    const rt_event *got;
    assert_int_equal(rt_reader_next(r, &got), RT_READ_END);
    rt_writer_free(w);
    rt_reader_free(r);
    free(text);
    tu_rmtree(dir);
}

/* ---- the decoding rules -------------------------------------------------- */

/* Decodes one hand-made CBOR stream; returns the status after its events. */
static int decode_cbor(const char *cbor, size_t n, events *l, char *msg, size_t msg_len)
{
    size_t len;
    unsigned char *f = make_v1(cbor, n, &len);
    int rc = read_memory(f, len, l, msg, msg_len);
    free(f);
    return rc;
}

#define CBOR(s) s, sizeof(s) - 1

static void expect_error(const char *cbor, size_t n, int code, const char *needle)
{
    events l;
    events_init(&l);
    char msg[600];
    int rc = decode_cbor(cbor, n, &l, msg, sizeof msg);
    if (rc != code || !strstr(msg, needle) || !strstr(msg, "<memory>") || !strstr(msg, "byte"))
        fail_msg("expected %s with \"%s\", got %s: %s", rt_status_name(code), needle,
                 rt_status_name(rc), msg);
    events_free(&l);
}

/* The spellings the reader notes (rt_reader_event_spelling) in CBOR: one
 * event per case, then a Step with nothing to note. */
static void test_spelling_bits(void **state)
{
    (void)state;
#define VALUE(v) "\xA1\x65Value\xA2\x6Bvariable_id\x00\x65value" v
    static const struct {
        const char *cbor;
        size_t n;
        unsigned want;
    } cases[] = {
        {CBOR(VALUE("\xA3\x64kind\x65" "Float\x61" "f\xF9\x38\x00\x67type_id\x01")),
         RT_SPELLING_FLOAT_NUMBER},
        {CBOR(VALUE("\xA3\x64kind\x65" "Float\x61" "f\xFB\x3F\xE0\0\0\0\0\0\0\x67type_id\x01")),
         RT_SPELLING_FLOAT_NUMBER},
        {CBOR(VALUE("\xA3\x64kind\x65" "Float\x61" "f\xF6\x67type_id\x01")), RT_SPELLING_FLOAT_NUMBER},
        {CBOR(VALUE("\xA3\x64kind\x65" "Float\x61" "f\x63" "0.5\x67type_id\x01")), RT_SPELLING_FLOAT_TEXT},
        {CBOR(VALUE("\xA3\x64kind\x64" "Char\x61" "c\x61x\x67type_id\x01")), RT_SPELLING_CHAR},
        {CBOR(VALUE("\xA3\x64kind\x68Sequence\x68" "elements\x80\x67type_id\x01")),
         RT_SPELLING_NO_IS_SLICE},
        {CBOR(VALUE("\xA4\x64kind\x68Sequence\x68" "elements\x80\x68is_slice\xF4\x67type_id\x01")), 0},
        {CBOR("\xA1\x65" "Event\xA2\x64kind\x00\x67" "content\x61x"), RT_SPELLING_NO_METADATA},
        {CBOR("\xA1\x65" "Event\xA3\x64kind\x00\x68metadata\x60\x67" "content\x61x"), 0},
        {CBOR("\xA1\x6A" "Assignment\xA3\x62to\x01\x67pass_by\x65Value\x64" "from"
              "\xA2\x64kind\x66Simple\x61" "0\x03"),
         RT_SPELLING_RVALUE_0},
        {CBOR("\xA1\x6A" "Assignment\xA3\x62to\x01\x67pass_by\x65Value\x64" "from"
              "\xA2\x64kind\x66Simple\x64" "data\x03"),
         0},
        {CBOR("\xA1\x6A" "Assignment\xA3\x62to\x01\x67pass_by\x65Value\x64" "from"
              "\xA1\x64kind\x67Literal"),
         RT_SPELLING_NEW_RVALUE},
    };
#undef VALUE
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cbor[256];
        static const char step[] = "\xA1\x64Step\xA2\x67path_id\x00\x64line\x01";
        memcpy(cbor, cases[i].cbor, cases[i].n);
        memcpy(cbor + cases[i].n, step, sizeof step - 1);
        size_t len;
        unsigned char *f = make_v1(cbor, cases[i].n + sizeof step - 1, &len);
        rt_reader *r = NULL;
        assert_int_equal(rt_reader_open_memory(&r, f, len, NULL), RT_OK);
        const rt_event *e;
        if (rt_reader_next(r, &e) != RT_READ_EVENT)
            fail_msg("case %zu: %s", i, rt_reader_errmsg(r));
        if (rt_reader_event_spelling(r) != cases[i].want)
            fail_msg("case %zu: spelling %#x, want %#x", i, rt_reader_event_spelling(r),
                     cases[i].want);
        assert_int_equal(rt_reader_next(r, &e), RT_READ_EVENT);
        assert_int_equal(rt_reader_event_spelling(r), 0);
        assert_int_equal(rt_reader_spelling_seen(r), cases[i].want);
        assert_int_equal(rt_reader_next(r, &e), RT_READ_END);
        rt_reader_free(r);
        free(f);
    }
}

static void test_strict_errors(void **state)
{
    (void)state;
    /* A good Step first, so the failing event is event 1. */
#define STEP "\xA1\x64Step\xA2\x67path_id\x00\x64line\x01"
    expect_error(CBOR(STEP "\xA1\x64Stap\xA0"), RT_EFORMAT, "unknown event \"Stap\"");
    expect_error(CBOR(STEP "\xA1\x64Step\xA2\x67path_id\x20\x64line\x01"), RT_EFORMAT,
                 "path_id: expected an unsigned integer");
    expect_error(CBOR(STEP "\xA1\x64Step\xA1\x67path_id\x00"), RT_EFORMAT, "missing \"line\"");
    expect_error(CBOR(STEP "\xA1\x64Step\xA3\x67path_id\x00\x64line\x01\x64line\x02"), RT_EFORMAT,
                 "duplicate key \"line\"");
    expect_error(CBOR(STEP "\xA1\x64Type\xA3\x64kind\x18\x22\x69lang_type\x60\x6dspecific_info"
                           "\xA1\x64kind\x64None"),
                 RT_EFORMAT, "unknown TypeKind 34");
    expect_error(CBOR(STEP "\xA1\x65" "Event\xA3\x64kind\x0E\x68metadata\x60\x67" "content\x60"),
                 RT_EFORMAT, "unknown EventLogKind 14");
    expect_error(CBOR(STEP "\xA1\x65Value\xA2\x6bvariable_id\x00\x65value\xA4\x64kind\x66"
                           "BigInt\x61" "b\x63" "AQL\x68negative\xF4\x67type_id\x00"),
                 RT_EFORMAT, "bad base64");
    expect_error(CBOR(STEP "\xA1\x65Value\xA2\x6bvariable_id\x00\x65value\xA4\x64kind\x66"
                           "BigInt\x61" "b\x64" "AQL=\x68negative\xF4\x67type_id\x00"),
                 RT_EFORMAT, "bad base64"); /* non-zero unused bits */
    expect_error(CBOR(STEP "\xA1\x64Path\x62\xC3\x28"), RT_EUTF8, "invalid UTF-8");
    expect_error(CBOR(STEP "\xA1\x63" "Asm\x9F\x60\xFF"), RT_EUNSUPPORTED, "indefinite");
    expect_error(CBOR(STEP "\xA1\x64Path\xC0\x60"), RT_EFORMAT, "expected a text string");
    expect_error(CBOR(STEP "\xA1\x65Value\xA2\x6bvariable_id\x00\x65value\xA2\x64kind\x63Int"
                           "\x67type_id\x00"),
                 RT_EFORMAT, "missing \"i\"");
    expect_error(CBOR(STEP "\xA1\x65Value\xA2\x6bvariable_id\x00\x65value\xA2\x64kind\x63" "Foo"
                           "\x67type_id\x00"),
                 RT_EFORMAT, "unknown name \"Foo\"");
    expect_error(CBOR(STEP "\xA2\x64Path\x60\x64Path\x60"), RT_EFORMAT, "map of one entry");
    expect_error(CBOR(STEP "\x6cVariableName"), RT_EFORMAT, "without its payload");
    expect_error(CBOR(STEP "\x05"), RT_EFORMAT, "expected a map");
    /* Lengths beyond the limit fail before any allocation. */
    expect_error(CBOR(STEP "\xA1\x64Path\x7B\x00\x00\x01\x00\x00\x00\x00\x00"), RT_ELIMIT,
                 "limit");
    expect_error(CBOR(STEP "\xA1\x6d" "DropVariables\x9B\x00\x00\x10\x00\x00\x00\x00\x00"),
                 RT_ELIMIT, "limit");
    /* A length the data does not hold: the stream ends inside the event. */
    expect_error(CBOR(STEP "\xA1\x64Path\x7A\x00\x10\x00\x00" "abc"), RT_EFORMAT,
                 "ends inside an event");
    expect_error(CBOR(STEP "\xA1\x64Step"), RT_EFORMAT, "ends inside an event");
}

/* Sequence{[Sequence{[ ... Int ...]}]} nested depth deep, as CBOR. */
static char *nested(int depth, size_t *n)
{
    static const char head[] = "\xA1\x65Value\xA2\x6bvariable_id\x00\x65value";
    static const char open[] = "\xA3\x64kind\x68Sequence\x68" "elements\x81";
    static const char leaf[] = "\xA3\x64kind\x63Int\x61i\x01\x67type_id\x00";
    static const char close[] = "\x67type_id\x00";
    size_t cap = sizeof head + (size_t)depth * (sizeof open + sizeof close) + sizeof leaf;
    char *s = malloc(cap), *p = s;
    memcpy(p, head, sizeof head - 1), p += sizeof head - 1;
    for (int i = 0; i < depth; i++)
        memcpy(p, open, sizeof open - 1), p += sizeof open - 1;
    memcpy(p, leaf, sizeof leaf - 1), p += sizeof leaf - 1;
    for (int i = 0; i < depth; i++)
        memcpy(p, close, sizeof close - 1), p += sizeof close - 1;
    *n = (size_t)(p - s);
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    size_t n;
    events l;
    char msg[600];
    /* Root at depth 0: RT_MAX_DEPTH levels of sequences put the leaf at
     * RT_MAX_DEPTH, the deepest the writer accepts. */
    char *ok = nested(RT_MAX_DEPTH, &n);
    events_init(&l);
    assert_int_equal(decode_cbor(ok, n, &l, msg, sizeof msg), RT_READ_END);
    assert_int_equal(l.len, 1);
    rt_err err;
    assert_int_equal(rt_event_check(&l.ev[0], &err), RT_OK);
    events_free(&l);
    free(ok);
    char *deep = nested(RT_MAX_DEPTH + 1, &n);
    events_init(&l);
    assert_int_equal(decode_cbor(deep, n, &l, msg, sizeof msg), RT_ELIMIT);
    assert_non_null(strstr(msg, "deeper"));
    events_free(&l);
    free(deep);
}

static void test_tolerant_forms(void **state)
{
    (void)state;
    static const char cbor[] =
        /* "kind" last, an unknown key, an integer and an f16 where floats go */
        "\xA1\x65Value\xA2\x65value\xA4\x61" "f\x05\x67type_id\x02\x65" "extra\x82\x01\xA1\x61x\xF6"
        "\x64kind\x65" "Float\x6bvariable_id\x03"
        "\xA1\x65Value\xA2\x6bvariable_id\x03\x65value\xA3\x64kind\x65" "Float\x61" "f\xF9\x3E\x00"
        "\x67type_id\x02"
        "\xA1\x65Value\xA2\x6bvariable_id\x03\x65value\xA3\x64kind\x65" "Float\x61" "f\xFA\x40\x20\x00\x00"
        "\x67type_id\x02"
        /* no metadata; no is_slice */
        "\xA1\x65" "Event\xA2\x64kind\x01\x67" "content\x62hi"
        "\xA1\x66Return\xA1\x6creturn_value\xA3\x64kind\x68Sequence\x68" "elements\x80\x67type_id\x01"
        /* Ruby's RValue forms, and Literal */
        "\xA1\x6a" "Assignment\xA3\x62to\x01\x67pass_by\x69Reference\x64" "from\xA2\x64kind\x66Simple"
        "\x64" "data\x03"
        "\xA1\x6a" "Assignment\xA3\x62to\x01\x67pass_by\x65Value\x64" "from\xA2\x64" "data\x82\x02\x03"
        "\x64kind\x68" "Compound"
        "\xA1\x6a" "Assignment\xA3\x62to\x01\x67pass_by\x65Value\x64" "from\xA1\x64kind\x67Literal"
        /* {"DropLastStep": null}; a BigInt as a byte string */
        "\xA1\x6c" "DropLastStep\xF6"
        "\xA1\x66Return\xA1\x6creturn_value\xA4\x64kind\x66" "BigInt\x61" "b\x43\x01\x02\xFF"
        "\x68negative\xF5\x67type_id\x04";
    events l;
    events_init(&l);
    char msg[600];
    int rc = decode_cbor(cbor, sizeof cbor - 1, &l, msg, sizeof msg);
    if (rc != RT_READ_END)
        fail_msg("%s", msg);
    assert_int_equal(l.len, 10);
    assert_int_equal(l.ev[0].kind, RT_EVENT_VALUE);
    assert_int_equal(l.ev[0].u.value.variable_id, 3);
    assert_int_equal(l.ev[0].u.value.value.kind, RT_VALUE_FLOAT);
    assert_true(l.ev[0].u.value.value.u.f == 5.0);
    assert_int_equal(l.ev[0].u.value.value.type_id, 2);
    assert_true(l.ev[1].u.value.value.u.f == 1.5);
    assert_true(l.ev[2].u.value.value.u.f == 2.5);
    assert_int_equal(l.ev[3].kind, RT_EVENT_EVENT);
    assert_int_equal(l.ev[3].u.event.kind, RT_LOG_WRITE_FILE);
    assert_int_equal(l.ev[3].u.event.metadata.len, 0);
    assert_string_equal(l.ev[3].u.event.content.ptr, "hi");
    assert_int_equal(l.ev[4].u.return_value.kind, RT_VALUE_SEQUENCE);
    assert_false(l.ev[4].u.return_value.flag);
    assert_int_equal(l.ev[5].u.assignment.pass_by, RT_PASS_BY_REFERENCE);
    assert_int_equal(l.ev[5].u.assignment.from.kind, RT_RVALUE_SIMPLE);
    assert_int_equal(l.ev[5].u.assignment.from.simple, 3);
    assert_int_equal(l.ev[6].u.assignment.from.kind, RT_RVALUE_COMPOUND);
    assert_int_equal(l.ev[6].u.assignment.from.len, 2);
    assert_int_equal(l.ev[6].u.assignment.from.ids[1], 3);
    assert_int_equal(l.ev[7].u.assignment.from.kind, RT_RVALUE_LITERAL);
    assert_int_equal(l.ev[8].kind, RT_EVENT_DROP_LAST_STEP);
    assert_int_equal(l.ev[9].u.return_value.kind, RT_VALUE_BIGINT);
    assert_int_equal(l.ev[9].u.return_value.u.bigint.len, 3);
    assert_int_equal(l.ev[9].u.return_value.u.bigint.bytes[2], 0xFF);
    assert_true(l.ev[9].u.return_value.flag);
    events_free(&l);
}

/* Assignment (all three rvalues) and every value kind survive v1. */
static void test_assignment_round_trip(void **state)
{
    (void)state;
    rt_variable_id ids[2] = {4, 5};
    rt_event e[3];
    memset(e, 0, sizeof e);
    for (int i = 0; i < 3; i++) {
        e[i].kind = RT_EVENT_ASSIGNMENT;
        e[i].u.assignment.to = 9;
        e[i].u.assignment.pass_by = i == 1 ? RT_PASS_BY_REFERENCE : RT_PASS_BY_VALUE;
        e[i].u.assignment.from.kind = (rt_rvalue_kind)i;
    }
    e[0].u.assignment.from.simple = 6;
    e[1].u.assignment.from.ids = ids;
    e[1].u.assignment.from.len = 2;
    events l;
    events_init(&l);
    for (int i = 0; i < 3; i++)
        events_push(&l, &e[i]);
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "assign.bin");
    write_events(path, RT_FORMAT_V1, 0, &l);
    size_t clen;
    unsigned char *cbor = decompress_file(path, &clen);
    static const char expected[] =
        "\xA1\x6a" "Assignment\xA3\x62to\x09\x67pass_by\x65Value\x64" "from\xA2\x64kind\x66Simple\x64"
        "data\x06"
        "\xA1\x6a" "Assignment\xA3\x62to\x09\x67pass_by\x69Reference\x64" "from\xA2\x64kind\x68"
        "Compound\x64" "data\x82\x04\x05"
        "\xA1\x6a" "Assignment\xA3\x62to\x09\x67pass_by\x65Value\x64" "from\xA1\x64kind\x67Literal";
    assert_bytes_equal(cbor, clen, (const unsigned char *)expected, sizeof expected - 1,
                       "Assignment CBOR");
    events back;
    events_init(&back);
    read_file_events(path, &back);
    assert_int_equal(back.len, 3);
    for (int i = 0; i < 3; i++)
        assert_true(rt_event_equal(&back.ev[i], &e[i]));
    events_free(&back);
    events_free(&l);
    free(cbor);
    tu_rmtree(dir);
}

/* ---- the container ------------------------------------------------------- */

static void test_container_errors(void **state)
{
    (void)state;
    size_t len;
    unsigned char *f = (unsigned char *)tu_read_file(tu_fixture("testdata/trace.v1.bin"), &len);
    events l;
    char msg[600];
    /* Trailing garbage after the seek table. */
    unsigned char *g = malloc(len + 3);
    memcpy(g, f, len);
    memcpy(g + len, "xyz", 3);
    events_init(&l);
    assert_int_equal(read_memory(g, len + 3, &l, msg, sizeof msg), RT_EFORMAT);
    assert_int_equal(l.len, 5);
    assert_non_null(strstr(msg, "after the seek table"));
    events_free(&l);
    /* A seek table that does not match the frames. */
    memcpy(g, f, len);
    g[len - 17 + 4] ^= 1; /* the decompressed size of the entry */
    events_init(&l);
    assert_int_equal(read_memory(g, len, &l, msg, sizeof msg), RT_EFORMAT);
    assert_int_equal(l.len, 5);
    assert_non_null(strstr(msg, "seek table does not match"));
    events_free(&l);
    /* Not a frame at all where one should start. */
    memcpy(g, f, len);
    g[8] = 0x11;
    events_init(&l);
    assert_int_equal(read_memory(g, len, &l, msg, sizeof msg), RT_EFORMAT);
    assert_non_null(strstr(msg, "not a zstd frame"));
    assert_non_null(strstr(msg, "event 0"));
    events_free(&l);
    /* Another skippable frame before the table is skipped. */
    unsigned char *s = malloc(len + 12);
    size_t table = len - 25;
    memcpy(s, f, table);
    memcpy(s + table, "\x50\x2A\x4D\x18\x04\x00\x00\x00" "abcd", 12);
    memcpy(s + table + 12, f + table, 25);
    events_init(&l);
    assert_int_equal(read_memory(s, len + 12, &l, msg, sizeof msg), RT_READ_END);
    assert_int_equal(l.len, 5);
    events_free(&l);
    free(s);
    free(g);
    free(f);
}

static void test_inspect_fixtures(void **state)
{
    (void)state;
    for (size_t i = 0; i < NPAIRS; i++) {
        rt_v1_info info;
        char err[600];
        const char *path = tu_fixture(pairs[i].v1);
        assert_int_equal(rt_v1_inspect(path, &info, err, sizeof err), RT_OK);
        size_t clen;
        unsigned char *cbor = decompress_file(path, &clen);
        assert_int_equal(info.frames, 1);
        assert_int_equal(info.decompressed_bytes, clen);
        assert_true(info.has_seek_table);
        assert_true(info.seek_table_consistent);
        assert_false(info.truncated);
        assert_int_equal(info.complete_end, info.file_size - 25);
        assert_int_equal(info.compressed_bytes, info.file_size - 25 - 8);
        free(cbor);
    }
    rt_v1_info info;
    char err[600];
    assert_int_equal(rt_v1_inspect(tu_fixture("values/values.v0.bin"), &info, err, sizeof err),
                     RT_EFORMAT);
    assert_non_null(strstr(err, "not a v1 trace"));
    assert_int_equal(rt_v1_inspect("/nonexistent/trace.bin", &info, err, sizeof err), RT_ENOENT);
}

static void test_writer_options(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    rt_writer_options o;
    rt_writer_options_init(&o, RT_FORMAT_V1);
    o.zstd_level = 1000;
    char err[200] = "";
    o.errbuf = err;
    o.errbuf_len = sizeof err;
    rt_writer *w = NULL;
    assert_int_equal(rt_writer_open(&w, tu_join(dir, "a.bin"), &o), RT_EINVAL);
    assert_null(w);
    assert_non_null(strstr(err, "zstd level 1000 out of range"));
    err[0] = '\0';
    assert_int_equal(rt_writer_open(&w, tu_join(dir, "no/such/dir.bin"), &o), RT_ENOENT);
    assert_non_null(strstr(err, "cannot create"));
    err[0] = '\0';
    assert_int_equal(rt_writer_open_fd(&w, -1, &o), RT_EINVAL);
    assert_non_null(strstr(err, "negative file descriptor"));
    rt_writer_options_init(&o, RT_FORMAT_V1);
    o.frame_size = (size_t)2 << 30;
    assert_int_equal(rt_writer_open(&w, tu_join(dir, "b.bin"), &o), RT_EINVAL);
    /* Every level gives the same stream, and one the reader accepts: level
     * 20 with 64 MiB frames would use a 2^25 window, so the writer keeps to
     * the reader's 2^24. */
    events l;
    events_init(&l);
    read_file_events(tu_fixture("values/values.v1.bin"), &l);
    size_t clen;
    unsigned char *cbor = decompress_file(tu_fixture("values/values.v1.bin"), &clen);
    const int levels[] = {-5, 1, 19, 20};
    for (int i = 0; i < 4; i++) {
        rt_writer_options_init(&o, RT_FORMAT_V1);
        o.zstd_level = levels[i];
        if (levels[i] == 20)
            o.frame_size = (size_t)64 << 20;
        const char *path = tu_join(dir, "c.bin");
        assert_int_equal(rt_writer_open(&w, path, &o), RT_OK);
        for (size_t k = 0; k < l.len; k++)
            assert_int_equal(rt_writer_write(w, &l.ev[k]), RT_OK);
        assert_int_equal(rt_writer_finish(w), RT_OK);
        rt_writer_free(w);
        size_t n;
        unsigned char *d = decompress_file(path, &n);
        assert_bytes_equal(d, n, cbor, clen, "level");
        free(d);
        events back;
        events_init(&back);
        read_file_events(path, &back);
        assert_int_equal(back.len, l.len);
        events_free(&back);
    }
    free(cbor);
    events_free(&l);
    tu_rmtree(dir);
}

/* ---- the compression thread --------------------------------------------- */

/* Writes l repeated times with flushes here and there; returns the file. */
static unsigned char *write_repeated(const char *path, const events *l, int times, size_t frame_size,
                                     bool thread, size_t *len)
{
    rt_writer_options o;
    rt_writer_options_init(&o, RT_FORMAT_V1);
    o.frame_size = frame_size;
    o.compress_thread = thread;
    rt_writer *w = NULL;
    assert_int_equal(rt_writer_open(&w, path, &o), RT_OK);
    for (int k = 0; k < times; k++) {
        for (size_t i = 0; i < l->len; i++)
            assert_int_equal(rt_writer_write(w, &l->ev[i]), RT_OK);
        if (k % 7 == 3)
            assert_int_equal(rt_writer_flush(w), RT_OK);
        if (k % 7 == 4) /* twice in a row: the second closes nothing */
            assert_int_equal(rt_writer_flush(w), RT_OK);
    }
    assert_int_equal(rt_writer_finish(w), RT_OK);
    rt_writer_free(w);
    unsigned char *f = (unsigned char *)tu_read_file(path, len);
    assert_non_null(f);
    return f;
}

/* With the thread, the file is the same, byte for byte. */
static void test_compress_thread(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    events l;
    events_init(&l);
    read_file_events(tu_fixture("values/values.v1.bin"), &l);
    const size_t frame_sizes[] = {0, 300000, 1000, 100};
    for (size_t fs = 0; fs < 4; fs++) {
        int times = frame_sizes[fs] == 100 ? 20 : 400; /* 4 MiB of CBOR, many jobs */
        size_t alen, blen;
        unsigned char *a = write_repeated(tu_join(dir, "a.bin"), &l, times, frame_sizes[fs], false, &alen);
        unsigned char *b = write_repeated(tu_join(dir, "b.bin"), &l, times, frame_sizes[fs], true, &blen);
        assert_bytes_equal(b, blen, a, alen, "file written with the compression thread");
        check_seek_table(b, blen);
        events back;
        events_init(&back);
        assert_int_equal(read_memory(b, blen, &back, NULL, 0), RT_READ_END);
        assert_int_equal(back.len, l.len * (size_t)times);
        for (size_t i = 0; i < back.len; i++)
            assert_true(rt_event_equal(&back.ev[i], &l.ev[i % l.len]));
        events_free(&back);
        free(a);
        free(b);
    }
    /* The empty stream too. */
    events none;
    events_init(&none);
    size_t n;
    unsigned char *e = write_repeated(tu_join(dir, "e.bin"), &none, 1, 0, true, &n);
    tu_assert_file_equals(tu_fixture("empty/empty.v1.bin"), e, n);
    free(e);
    events_free(&none);
    events_free(&l);
    tu_rmtree(dir);
}

/* ---- allocation failures ------------------------------------------------- */

typedef struct counting_alloc {
    long calls, fail_at, live, failures;
} counting_alloc;

static void *ca_alloc(void *ctx, size_t n)
{
    counting_alloc *c = ctx;
    if (++c->calls == c->fail_at) {
        c->failures++;
        return NULL;
    }
    void *p = malloc(n);
    c->live += p != NULL;
    return p;
}

static void *ca_realloc(void *ctx, void *p, size_t old_n, size_t n)
{
    counting_alloc *c = ctx;
    (void)old_n;
    if (++c->calls == c->fail_at) {
        c->failures++;
        return NULL;
    }
    void *q = realloc(p, n);
    c->live += q && !p;
    return q;
}

static void ca_free(void *ctx, void *p, size_t n)
{
    counting_alloc *c = ctx;
    (void)n;
    c->live -= p != NULL;
    free(p);
}

/* Fails the k-th allocation, for every k, of a v1 write (libzstd's included)
 * and of a v1 read: an error every time, never a crash or a leak. */
static void test_allocation_failures(void **state)
{
    (void)state;
    events truth;
    events_init(&truth);
    read_file_events(tu_fixture("values/values.v1.bin"), &truth);
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "alloc.bin");
    for (int thread = 0; thread < 2; thread++) {
    long runs = 0;
    for (long k = 1;; k++, runs++) {
        counting_alloc c = {0, k, 0, 0};
        rt_allocator a = {ca_alloc, ca_realloc, ca_free, &c};
        rt_writer_options o;
        rt_writer_options_init(&o, RT_FORMAT_V1);
        o.allocator = &a;
        o.frame_size = 1000;
        o.compress_thread = thread;
        rt_writer *w = NULL;
        int rc = rt_writer_open(&w, path, &o);
        for (size_t i = 0; !rc && i < truth.len; i++)
            rc = rt_writer_write(w, &truth.ev[i]);
        if (!rc)
            rc = rt_writer_finish(w);
        rt_writer_free(w);
        assert_int_equal(c.live, 0);
        if (c.failures == 0) {
            assert_int_equal(rc, RT_OK);
            break;
        }
        assert_int_equal(rc, RT_ENOMEM);
    }
    assert_true(runs > 5);
    print_message("v1 write%s: %ld allocation points\n", thread ? " (compression thread)" : "", runs);
    }
    size_t len;
    unsigned char *f = (unsigned char *)tu_read_file(path, &len);
    for (long k = 1;; k++) {
        counting_alloc c = {0, k, 0, 0};
        rt_allocator a = {ca_alloc, ca_realloc, ca_free, &c};
        rt_reader_options ro = {&a, false, NULL, 0};
        rt_reader *r = NULL;
        int rc = rt_reader_open_memory(&r, f, len, &ro);
        events got;
        events_init(&got);
        if (!rc)
            rc = drain(r, &got, NULL, 0);
        rt_reader_free(r);
        assert_int_equal(c.live, 0);
        if (c.failures == 0) {
            assert_int_equal(rc, RT_READ_END);
            assert_int_equal(got.len, truth.len);
            events_free(&got);
            break;
        }
        assert_int_equal(rc, RT_ENOMEM);
        for (size_t i = 0; i < got.len; i++)
            assert_true(rt_event_equal(&got.ev[i], &truth.ev[i]));
        events_free(&got);
    }
    free(f);
    events_free(&truth);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_to_json),
        cmocka_unit_test(test_fixtures_v1_round_trip),
        cmocka_unit_test(test_json_fixtures_to_v1),
        cmocka_unit_test(test_tutorial_through_tracer),
        cmocka_unit_test(test_multi_frame),
        cmocka_unit_test(test_large_event),
        cmocka_unit_test(test_cut_values),
        cmocka_unit_test(test_cut_multi_frame),
        cmocka_unit_test(test_flipped_bytes),
        cmocka_unit_test(test_follow_growing_file),
        cmocka_unit_test(test_flush_makes_readable),
        cmocka_unit_test(test_follow_flush_each_event),
        cmocka_unit_test(test_strict_errors),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_tolerant_forms),
        cmocka_unit_test(test_assignment_round_trip),
        cmocka_unit_test(test_container_errors),
        cmocka_unit_test(test_inspect_fixtures),
        cmocka_unit_test(test_writer_options),
        cmocka_unit_test(test_compress_thread),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_spelling_bits),
    };
    if (getenv("RT_TEST_FILTER")) /* run a subset, e.g. RT_TEST_FILTER='test_cut*' */
        cmocka_set_test_filter(getenv("RT_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
