/* The v0 format (packed Cap'n Proto): every reference fixture reads, writes
 * back to the same JSON and to a v0 file that `capnp decode` prints like the
 * reference's, and reads back equal; multi-segment and double-far messages;
 * bounded memory; truncated, corrupted and hostile input never crashes. */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capnp/capnp_layout.h"
#include "capnp/capnp_pack.h"
#include "capnp/v0.h"
#include "common/output.h"
#include "model/model.h"

/* ---- helpers --------------------------------------------------------------- */

static rt_event_list *load(const char *path)
{
    rt_event_list *l = NULL;
    char err[600];
    int rc = rt_event_list_load(&l, path, NULL, err, sizeof err);
    if (rc != RT_OK)
        fail_msg("%s: %s (%s)", path, err, rt_status_name(rc));
    return l;
}

static void write_events(const rt_event *const *evs, size_t n, const char *path, rt_format f)
{
    rt_writer_options o;
    rt_writer_options_init(&o, f);
    rt_writer *w;
    assert_int_equal(rt_writer_open(&w, path, &o), RT_OK);
    for (size_t i = 0; i < n; i++) {
        int rc = rt_writer_write(w, evs[i]);
        if (rc)
            fail_msg("writing event %zu: %s", i, rt_writer_errmsg(w));
    }
    if (rt_writer_finish(w) != RT_OK)
        fail_msg("finish: %s", rt_writer_errmsg(w));
    rt_writer_free(w);
}

static void write_list(const rt_event_list *l, const char *path, rt_format f)
{
    size_t n = rt_event_list_len(l);
    const rt_event **evs = malloc((n + 1) * sizeof *evs);
    for (size_t i = 0; i < n; i++)
        evs[i] = rt_event_list_at(l, i);
    write_events(evs, n, path, f);
    free(evs);
}

static void assert_same_events(const rt_event_list *a, const rt_event_list *b)
{
    assert_int_equal(rt_event_list_len(a), rt_event_list_len(b));
    for (size_t i = 0; i < rt_event_list_len(a); i++)
        if (!rt_event_equal(rt_event_list_at(a, i), rt_event_list_at(b, i)))
            fail_msg("event %zu differs (%s)", i, rt_event_kind_name(rt_event_list_at(a, i)->kind));
}

/* `capnp decode` of a v0 file (without its 8-byte header) into out. */
static void capnp_decode(const char *v0, const char *out)
{
    int st = tu_run("tail -c +9 '%s' | capnp decode --packed '%s/docs/trace.capnp' Trace > '%s' 2>&1",
                    v0, RT_SOURCE_DIR, out);
    if (st != 0) {
        tu_run("head -c 2000 '%s' >&2", out);
        fail_msg("capnp decode failed on %s (status %d)", v0, st);
    }
}

static void assert_same_decode(const char *ours, const char *reference, const char *dir)
{
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/ours.capnp.txt", dir);
    snprintf(b, sizeof b, "%s/reference.capnp.txt", dir);
    capnp_decode(ours, a);
    capnp_decode(reference, b);
    tu_assert_same_file(a, b);
}

static unsigned char *read_all(const char *path, size_t *n)
{
    unsigned char *p = (unsigned char *)tu_read_file(path, n);
    if (!p)
        fail_msg("cannot read %s", path);
    return p;
}

typedef size_t (*unpack_fn)(rt_capnp_unpacker *, const unsigned char *, size_t, uint64_t *, size_t,
                            size_t *);

/* Unpacks p[0..n) handing the unpacker at most `chunk` bytes at a time
 * (the rest of an incomplete unit is offered again with the next piece). */
static uint64_t *unpack_with(unpack_fn fn, const unsigned char *p, size_t n, size_t chunk,
                             size_t *nwords)
{
    size_t cap = 1024, len = 0, ip = 0;
    uint64_t *w = malloc(cap * 8);
    rt_capnp_unpacker u = {0, 0};
    size_t avail = chunk < n ? chunk : n;
    for (;;) {
        if (len + u.zero_left + 1 > cap) {
            while (len + u.zero_left + 1 > cap)
                cap *= 2;
            w = realloc(w, cap * 8);
        }
        if (u.zero_left) {
            memset(w + len, 0, u.zero_left * 8);
            len += u.zero_left;
            u.zero_left = 0;
            continue;
        }
        size_t produced, used = fn(&u, p + ip, avail - ip, w + len, cap - len, &produced);
        ip += used;
        len += produced;
        if (!used && !produced && !u.zero_left) {
            if (avail == n)
                break;
            avail = n - avail > chunk ? avail + chunk : n;
        }
    }
    assert_int_equal(ip, n);
    assert_int_equal(u.raw_left, 0);
    *nwords = len;
    return w;
}

/* The unpacked message of a v0 file (words in wire order). */
static uint64_t *unpack_all(const unsigned char *p, size_t n, size_t *nwords)
{
    return unpack_with(rt_capnp_unpack, p, n, n, nwords);
}

/* Header + packed words; free(). */
static unsigned char *pack_all(const uint64_t *w, size_t n, size_t *len)
{
    unsigned char *p = malloc(8 + RT_CAPNP_PACK_BOUND(n) + 1);
    memcpy(p, "\xC0\xDE\x72\xAC\xE2\x00\x00\x00", 8);
    *len = 8 + rt_capnp_pack(w, n, p + 8);
    return p;
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* Reads every event of a memory buffer; returns RT_READ_END or the error,
 * with the message in msg. */
static int read_memory(const void *p, size_t n, uint64_t *events, char *msg, size_t msglen,
                       const rt_allocator *alloc)
{
    rt_reader_options ro;
    memset(&ro, 0, sizeof ro); /* every field, whichever the header has */
    ro.allocator = alloc;
    rt_reader *r;
    *events = 0;
    int rc = rt_reader_open_memory(&r, p, n, &ro);
    if (rc) {
        snprintf(msg, msglen, "open: %s", rt_status_name(rc));
        return rc;
    }
    const rt_event *e;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
        (*events)++;
    snprintf(msg, msglen, "%s", rt_reader_errmsg(r));
    rt_reader_free(r);
    return rc;
}

/* Encoder and decoder driven directly, to set their tuning knobs. */
static void write_tuned(const rt_event *const *evs, size_t n, const char *path,
                        const rt_v0_encoder_tuning *tuning, int expect_last)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    rt_err err;
    rt_err_clear(&err);
    rt_output out;
    rt_output_init(&out, fd, true, NULL, NULL, &err, &rt_default_allocator);
    rt_writer_options o;
    rt_writer_options_init(&o, RT_FORMAT_V0);
    rt_encoder_env env = {&out, &err, &rt_default_allocator, &o};
    rt_encoder *enc;
    assert_int_equal(rt_v0_encoder_new_tuned(&env, tuning, &enc), RT_OK);
    for (size_t i = 0; i < n; i++) {
        int rc = enc->ops->write(enc, evs[i]);
        if (i + 1 == n && expect_last != RT_OK) {
            assert_int_equal(rc, expect_last);
            break;
        }
        if (rc)
            fail_msg("event %zu: %s", i, err.msg);
    }
    if (enc->ops->finish(enc))
        fail_msg("finish: %s", err.msg);
    enc->ops->destroy(enc);
    assert_int_equal(rt_output_close(&out), RT_OK);
}

static const rt_event **list_array(const rt_event_list *l)
{
    size_t n = rt_event_list_len(l);
    const rt_event **evs = malloc((n + 1) * sizeof *evs);
    for (size_t i = 0; i < n; i++)
        evs[i] = rt_event_list_at(l, i);
    return evs;
}

static void read_tuned(const char *path, const rt_v0_decoder_tuning *tuning,
                       const rt_event_list *expect)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    rt_source src;
    rt_source_init_fd(&src, fd, path, false);
    rt_err err;
    rt_err_clear(&err);
    unsigned char hdr[8];
    assert_int_equal(rt_source_read_full(&src, hdr, 8, &err), 8);
    rt_arena arena;
    rt_arena_init(&arena, NULL, 0);
    uint64_t index = 0;
    rt_decoder_env env = {&src, &err, &rt_default_allocator, &arena, &index};
    rt_decoder *d;
    assert_int_equal(rt_v0_decoder_new_tuned(&env, tuning, &d), RT_OK);
    rt_event ev;
    int rc;
    for (;;) {
        rt_arena_reset(&arena);
        if ((rc = d->ops->next(d, &ev)) != RT_READ_EVENT)
            break;
        assert_true(index < rt_event_list_len(expect));
        if (!rt_event_equal(&ev, rt_event_list_at(expect, index)))
            fail_msg("event %llu differs", (unsigned long long)index);
        index++;
    }
    if (rc != RT_READ_END)
        fail_msg("%s: %s", path, err.msg);
    assert_int_equal(index, rt_event_list_len(expect));
    d->ops->destroy(d);
    rt_arena_free(&arena);
    close(fd);
}

static uint32_t segment_count(const char *path)
{
    size_t n, nw;
    unsigned char *p = read_all(path, &n);
    uint64_t *w = unpack_all(p + 8, n - 8, &nw);
    uint32_t count = (uint32_t)cp_load(w) + 1;
    free(w);
    free(p);
    return count;
}

/* ---- the reference's fixtures --------------------------------------------- */

static const struct {
    const char *v0, *json;
    size_t events;
} fixtures[] = {
    {"tutorial/trace.v0.bin", "tutorial/trace.json", 9},
    {"testdata/trace.v0.bin", "testdata/trace.json", 5},
    {"simple/trace.v0.bin", "simple/trace.json", 47},
    {"simple/noassign/trace.v0.bin", "simple/noassign/trace.json", 45},
    {"values/values.v0.bin", "values/values.json", 177},
    {"values/values-assign.v0.bin", NULL, 27},
    {"values/values-specialfloat.v0.bin", "values/values-specialfloat.json", 23},
    {"empty/empty.v0.bin", "empty/empty.json", 0},
};

static void test_fixtures_roundtrip(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof fixtures / sizeof fixtures[0]; k++) {
        const char *dir = tu_tmpdir();
        char fixture[600], json[600], bin[600];
        snprintf(fixture, sizeof fixture, "%s", tu_fixture(fixtures[k].v0));
        snprintf(json, sizeof json, "%s/out.json", dir);
        snprintf(bin, sizeof bin, "%s/out.bin", dir);
        rt_event_list *l = load(fixture);
        assert_int_equal(rt_event_list_len(l), fixtures[k].events);
        if (fixtures[k].json) {
            write_list(l, json, RT_FORMAT_JSON);
            tu_assert_same_file(json, tu_fixture(fixtures[k].json));
        }
        write_list(l, bin, RT_FORMAT_V0);
        size_t n;
        unsigned char *p = read_all(bin, &n);
        assert_true(n > 8);
        assert_memory_equal(p, "\xC0\xDE\x72\xAC\xE2\x00\x00\x00", 8);
        free(p);
        assert_same_decode(bin, fixture, dir);
        rt_event_list *back = load(bin);
        assert_same_events(l, back);
        rt_event_list_free(back);
        rt_event_list_free(l);
        tu_rmtree(dir);
    }
}

/* ---- BigInt: the reference crashes on it in v0; we write it ------------------ */

static void test_bigint(void **state)
{
    (void)state;
    /* values-bigint: the first 17 events of values-specialfloat, then
     * big_var and its three BigInt values. */
    rt_event_list *head = load(tu_fixture("values/values-specialfloat.v0.bin"));
    static const uint8_t b1[] = {1, 2, 255};
    uint8_t b3[33];
    for (int i = 0; i < 33; i++)
        b3[i] = (uint8_t)i;
    rt_event tail[5];
    memset(tail, 0, sizeof tail);
    tail[0].kind = RT_EVENT_VARIABLE_NAME;
    tail[0].u.name = rt_str_c("big_var");
    tail[1].kind = tail[2].kind = tail[3].kind = RT_EVENT_VALUE;
    tail[1].u.value.value = rt_value_bigint(b1, sizeof b1, true, 13);
    tail[2].u.value.value = rt_value_bigint(NULL, 0, false, 13);
    tail[3].u.value.value = rt_value_bigint(b3, sizeof b3, false, 13);
    tail[4].kind = RT_EVENT_RETURN;
    tail[4].u.return_value = rt_value_none(0);
    const rt_event *evs[22];
    for (size_t i = 0; i < 17; i++)
        evs[i] = rt_event_list_at(head, i);
    for (size_t i = 0; i < 5; i++)
        evs[17 + i] = &tail[i];

    const char *dir = tu_tmpdir();
    char json[600], bin[600], txt[600];
    snprintf(json, sizeof json, "%s/bigint.json", dir);
    snprintf(bin, sizeof bin, "%s/bigint.bin", dir);
    snprintf(txt, sizeof txt, "%s/bigint.txt", dir);
    write_events(evs, 22, json, RT_FORMAT_JSON);
    tu_assert_same_file(json, tu_fixture("values/values-bigint.json")); /* the events are right */
    write_events(evs, 22, bin, RT_FORMAT_V0);
    rt_event_list *back = load(bin);
    assert_int_equal(rt_event_list_len(back), 22);
    for (size_t i = 0; i < 22; i++)
        assert_true(rt_event_equal(evs[i], rt_event_list_at(back, i)));
    /* capnp reads our BigInt as List(UInt8). */
    capnp_decode(bin, txt);
    assert_int_equal(tu_run("grep -q 'b = \\[1, 2, 255\\],' '%s'", txt), 0);
    assert_int_equal(tu_run("grep -q 'b = \\[\\],' '%s'", txt), 0);
    /* Once the v1 reader is there, its reading of the reference's file agrees. */
    rt_event_list *v1 = NULL;
    char err[600];
    int rc = rt_event_list_load(&v1, tu_fixture("values/values-bigint.v1.bin"), NULL, err, sizeof err);
    if (rc == RT_OK) {
        assert_same_events(v1, back);
        rt_event_list_free(v1);
    }
    rt_event_list_free(back);
    rt_event_list_free(head);
    tu_rmtree(dir);
}

/* ---- many segments, temporary files, far and double-far pointers ------------ */

static void test_multisegment(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    char bin[600];
    snprintf(bin, sizeof bin, "%s/multi.bin", dir);
    const char *fixture = tu_fixture("values/values.v0.bin");
    rt_event_list *l = load(fixture);
    const rt_event **evs = list_array(l);
    /* 230-word segments (the largest event has 222), spools spilled to
     * their temporary files at once. */
    rt_v0_encoder_tuning t = {230, 128, 0};
    write_tuned(evs, rt_event_list_len(l), bin, &t, RT_OK);
    assert_true(segment_count(bin) > 8);
    assert_same_decode(bin, fixture, dir);
    rt_event_list *back = load(bin);
    assert_same_events(l, back);
    rt_event_list_free(back);
    /* The decoder's large-message path: unpacked into a mapped file. */
    rt_v0_decoder_tuning dt = {4096};
    read_tuned(bin, &dt, l);
    read_tuned(fixture, &dt, l);
    free(evs);
    rt_event_list_free(l);
    tu_rmtree(dir);
}

/* Rewrites every event pointer of a message written by us (far pointers to
 * single landing pads) as a double-far pointer through a new segment. */
static void test_double_far(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    char bin[600], dbl[600];
    snprintf(bin, sizeof bin, "%s/multi.bin", dir);
    snprintf(dbl, sizeof dbl, "%s/double.bin", dir);
    const char *fixture = tu_fixture("values/values.v0.bin");
    rt_event_list *l = load(fixture);
    const rt_event **evs = list_array(l);
    rt_v0_encoder_tuning t = {256, 0, 0};
    write_tuned(evs, rt_event_list_len(l), bin, &t, RT_OK);

    size_t n, nw;
    unsigned char *p = read_all(bin, &n);
    uint64_t *w = unpack_all(p + 8, n - 8, &nw);
    uint32_t nseg = (uint32_t)cp_load(w) + 1;
    size_t table = (nseg + 2) / 2, ntable = (nseg + 3) / 2;
    uint64_t *start = malloc(nseg * sizeof *start), *size = malloc(nseg * sizeof *size);
    const uint32_t *sizes = (const uint32_t *)(const void *)w; /* little-endian host */
    uint64_t at = table;
    for (uint32_t i = 0; i < nseg; i++) {
        size[i] = sizes[1 + i];
        start[i] = at;
        at += size[i];
    }
    assert_int_equal(at, nw);
    size_t nev = rt_event_list_len(l);
    size_t out_n = ntable + (nw - table) + 2 * nev;
    uint64_t *o = calloc(out_n, 8);
    uint32_t *osizes = (uint32_t *)(void *)o;
    osizes[0] = nseg; /* nseg + 1 segments */
    for (uint32_t i = 0; i < nseg; i++)
        osizes[1 + i] = (uint32_t)size[i];
    osizes[1 + nseg] = (uint32_t)(2 * nev);
    memcpy(o + ntable, w + table, (nw - table) * 8);
    uint64_t *seg0 = o + ntable, *pads = o + ntable + (nw - table);
    for (size_t i = 0; i < nev; i++) {
        uint64_t far = cp_load(&seg0[3 + 2 * i + 1]);
        if (far == 0)
            continue; /* DropLastStep */
        assert_int_equal(cp_ptr_kind(far), CP_FAR);
        uint32_t s = cp_far_segment(far), off = cp_far_offset(far);
        uint64_t pad = cp_load(&w[start[s] + off]);
        uint64_t target = (uint64_t)((int64_t)off + 1 + cp_ptr_offset(pad));
        pads[2 * i] = cp_le64(cp_far_ptr((uint32_t)target, s));
        pads[2 * i + 1] = cp_le64(pad & 0xFFFFFFFF00000003ull);
        seg0[3 + 2 * i + 1] = cp_le64(cp_far_ptr((uint32_t)(2 * i), nseg) | 4);
    }
    size_t len;
    unsigned char *packed = pack_all(o, out_n, &len);
    write_file(dbl, packed, len);
    rt_event_list *back = load(dbl);
    assert_same_events(l, back);
    rt_event_list_free(back);
    assert_same_decode(dbl, fixture, dir);
    free(packed);
    free(o);
    free(start);
    free(size);
    free(w);
    free(p);
    free(evs);
    rt_event_list_free(l);
    tu_rmtree(dir);
}

/* ---- what v0 cannot hold ---------------------------------------------------- */

static void test_write_errors(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    char bin[600];
    snprintf(bin, sizeof bin, "%s/err.bin", dir);
    rt_writer_options o;
    rt_writer_options_init(&o, RT_FORMAT_V0);
    rt_writer *w;
    assert_int_equal(rt_writer_open(&w, bin, &o), RT_OK);

    rt_event e;
    memset(&e, 0, sizeof e);
    e.kind = RT_EVENT_STEP;
    e.u.step.path_id = (uint64_t)1 << 63;
    assert_int_equal(rt_writer_write(w, &e), RT_ERANGE);
    assert_non_null(strstr(rt_writer_errmsg(w), "2^63-1"));
    assert_non_null(strstr(rt_writer_errmsg(w), "path id"));

    memset(&e, 0, sizeof e);
    e.kind = RT_EVENT_VALUE;
    rt_value items[2] = {rt_value_int(1, 1), rt_value_int(2, UINT64_MAX)};
    e.u.value.value = rt_value_sequence(items, 2, false, 1);
    assert_int_equal(rt_writer_write(w, &e), RT_ERANGE);
    assert_non_null(strstr(rt_writer_errmsg(w), "type id 18446744073709551615"));

    rt_variable_id ids[2] = {1, (uint64_t)INT64_MAX + 1};
    memset(&e, 0, sizeof e);
    e.kind = RT_EVENT_DROP_VARIABLES;
    e.u.drop_variables.ids = ids;
    e.u.drop_variables.len = 2;
    assert_int_equal(rt_writer_write(w, &e), RT_ERANGE);

    memset(&e, 0, sizeof e);
    e.kind = RT_EVENT_ASSIGN_COMPOUND_ITEM;
    e.u.assign_item.index = UINT64_MAX;
    assert_int_equal(rt_writer_write(w, &e), RT_ERANGE);
    assert_non_null(strstr(rt_writer_errmsg(w), "index"));

    memset(&e, 0, sizeof e);
    e.kind = RT_EVENT_ASSIGNMENT;
    e.u.assignment.to = 1;
    e.u.assignment.from.kind = RT_RVALUE_LITERAL;
    assert_int_equal(rt_writer_write(w, &e), RT_EUNSUPPORTED);
    assert_non_null(strstr(rt_writer_errmsg(w), "Literal"));

    /* The writer goes on: nothing of the refused events was kept. */
    rt_event ok;
    memset(&ok, 0, sizeof ok);
    ok.kind = RT_EVENT_STEP;
    ok.u.step.path_id = (uint64_t)INT64_MAX;
    ok.u.step.line = INT64_MIN;
    assert_int_equal(rt_writer_write(w, &ok), RT_OK);
    assert_int_equal(rt_writer_finish(w), RT_OK);
    rt_writer_free(w);
    rt_event_list *l = load(bin);
    assert_int_equal(rt_event_list_len(l), 1);
    assert_true(rt_event_equal(&ok, rt_event_list_at(l, 0)));
    rt_event_list_free(l);

    /* One list holds the events: past its limit, a clear error. */
    const rt_event *evs[3] = {&ok, &ok, &ok};
    rt_v0_encoder_tuning t = {0, 0, 2};
    write_tuned(evs, 3, bin, &t, RT_ELIMIT);
    l = load(bin);
    assert_int_equal(rt_event_list_len(l), 2);
    rt_event_list_free(l);
    tu_rmtree(dir);
}

/* ---- hostile and malformed input ---------------------------------------------- */

typedef struct peak_alloc {
    size_t live, peak;
} peak_alloc;

static void *pa_alloc(void *ctx, size_t n)
{
    peak_alloc *a = ctx;
    a->live += n;
    if (a->live > a->peak)
        a->peak = a->live;
    return malloc(n);
}

static void *pa_realloc(void *ctx, void *p, size_t old_n, size_t n)
{
    peak_alloc *a = ctx;
    a->live += n - old_n;
    if (a->live > a->peak)
        a->peak = a->live;
    return realloc(p, n);
}

static void pa_free(void *ctx, void *p, size_t n)
{
    peak_alloc *a = ctx;
    a->live -= n;
    free(p);
}

#define SP(off, dw, pc) cp_struct_ptr((off), (dw), (pc))
#define LP(off, elem, n) cp_list_ptr((off), (elem), (n))
#define TABLE1(size) ((uint64_t)(size) << 32)

/* Up to 8 bytes as a little-endian word. */
static uint64_t text_word(const char *s, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && i < 8; i++)
        v |= (uint64_t)(unsigned char)s[i] << (8 * i);
    return v;
}

/* Reads a message given as host-order words (segment table included). */
static int read_words(const uint64_t *words, size_t n, uint64_t *events, char *msg, size_t msglen)
{
    uint64_t *w = malloc((n + 1) * 8);
    for (size_t i = 0; i < n; i++)
        w[i] = cp_le64(words[i]);
    size_t len;
    unsigned char *p = pack_all(w, n, &len);
    int rc = read_memory(p, len, events, msg, msglen, NULL);
    free(p);
    free(w);
    return rc;
}

static void expect_words(const uint64_t *words, size_t n, int rc, uint64_t events, const char *needle)
{
    char msg[1024];
    uint64_t got;
    int r = read_words(words, n, &got, msg, sizeof msg);
    if (r != rc)
        fail_msg("expected %s, got %s: %s", rt_status_name(rc), rt_status_name(r), msg);
    assert_int_equal(got, events);
    if (needle && !strstr(msg, needle))
        fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
    if (rc < 0 && !strstr(msg, "<memory>"))
        fail_msg("message \"%s\" does not name the source", msg);
}

static void test_malformed(void **state)
{
    (void)state;
    /* Step{3, 42}: root, Trace, list tag, event, StepRecord, PathId, Line. */
    const uint64_t step[] = {TABLE1(9), SP(0, 0, 1), LP(0, CP_ELEM_COMPOSITE, 2), SP(1, 1, 1), 0,
                             SP(0, 0, 2), SP(1, 1, 0), SP(1, 1, 0), 3, 42};
    const size_t n = sizeof step / sizeof step[0];
    uint64_t a[16];
#define WITH(i, v) (memcpy(a, step, sizeof step), a[(i)] = (v), a)
    expect_words(step, n, RT_READ_END, 1, NULL);
    expect_words(WITH(4, 99), n, RT_EFORMAT, 0, "event 0: v0: unknown TraceLowLevelEvent tag 99");
    expect_words(WITH(6, SP(100, 1, 0)), n, RT_EFORMAT, 0, "out of bounds");
    expect_words(WITH(6, SP(-10, 1, 0)), n, RT_EFORMAT, 0, "before its segment");
    expect_words(WITH(5, LP(0, CP_ELEM_BYTE, 1)), n, RT_EFORMAT, 0, "expected a struct pointer");
    expect_words(WITH(5, 3), n, RT_EFORMAT, 0, "capability");
    expect_words(WITH(2, LP(0, CP_ELEM_COMPOSITE, 100)), n, RT_EFORMAT, 0, "out of bounds");
    expect_words(WITH(3, SP(5, 1, 1)), n, RT_EFORMAT, 0, "overflow");
    expect_words(WITH(3, LP(0, CP_ELEM_BYTE, 1)), n, RT_EFORMAT, 0, "list tag");
    expect_words(WITH(0, TABLE1(10)), n, RT_ETRUNCATED, 0, "cut after 10 of 11 words");
    expect_words(WITH(0, TABLE1(8)), n, RT_EFORMAT, 0, "data after the end");
    expect_words(WITH(0, 0xFFFFFFFFu), n, RT_ELIMIT, 0, "segments");
    expect_words(WITH(8, UINT64_MAX), n, RT_EFORMAT, 0, "path id is negative");
    expect_words(WITH(5, cp_far_ptr(0, 5)), n, RT_EFORMAT, 0, "far pointer to segment 5 of 1");
    expect_words(WITH(5, cp_far_ptr(100, 0)), n, RT_EFORMAT, 0, "landing pad out of bounds");
    expect_words(WITH(5, cp_far_ptr(4, 0)), n, RT_EFORMAT, 0, "landing pad is not");
    expect_words(WITH(5, cp_far_ptr(8, 0) | 4), n, RT_EFORMAT, 0, "double-far landing pad out");
    expect_words(WITH(1, 0), n, RT_READ_END, 0, NULL); /* null root: no events */

    /* Path "abc". */
    const uint64_t path[] = {TABLE1(7), SP(0, 0, 1), LP(0, CP_ELEM_COMPOSITE, 2), SP(1, 1, 1), 1,
                             SP(0, 0, 1), LP(0, CP_ELEM_BYTE, 4), text_word("abc", 4)};
    const size_t pn = sizeof path / sizeof path[0];
#define PWITH(i, v) (memcpy(a, path, sizeof path), a[(i)] = (v), a)
    expect_words(path, pn, RT_READ_END, 1, NULL);
    expect_words(PWITH(7, text_word("abcd", 4)), pn, RT_EFORMAT, 0, "Text without its NUL");
    expect_words(PWITH(7, text_word("\xff\xfe", 3)), pn, RT_EFORMAT, 0, "invalid UTF-8");
    expect_words(PWITH(6, LP(0, CP_ELEM_BYTE, 9)), pn, RT_EFORMAT, 0, "out of bounds");
    expect_words(PWITH(6, LP(0, CP_ELEM_4B, 1)), pn, RT_EFORMAT, 0, "expected a byte list");

    /* Type{kind, "", None} and Event{kind, "", ""}: enums. */
    const uint64_t type[] = {TABLE1(8), SP(0, 0, 1), LP(0, CP_ELEM_COMPOSITE, 2), SP(1, 1, 1), 4,
                             SP(0, 1, 2), 7, 0, 0};
    const size_t tn = sizeof type / sizeof type[0];
#define TWITH(i, v) (memcpy(a, type, sizeof type), a[(i)] = (v), a)
    expect_words(type, tn, RT_READ_END, 1, NULL);
    expect_words(TWITH(6, 34), tn, RT_EFORMAT, 0, "unknown TypeKind 34");
    /* The same words as Event{kind, content "", metadata ""}. */
    expect_words(TWITH(4, 9), tn, RT_READ_END, 1, NULL);
    memcpy(a, type, sizeof type);
    a[4] = 9;
    a[6] = 14;
    expect_words(a, tn, RT_EFORMAT, 0, "unknown EventLogKind 14");

    /* Return{value}: a ValueRecord's tag; a Variant containing itself. */
    const uint64_t ret[] = {TABLE1(12), SP(0, 0, 1), LP(0, CP_ELEM_COMPOSITE, 2), SP(1, 1, 1), 8,
                            SP(0, 0, 1), SP(0, 3, 3), 0, 11, 0, 0, 0, 0};
    const size_t rn = sizeof ret / sizeof ret[0];
#define RWITH(i, v) (memcpy(a, ret, sizeof ret), a[(i)] = (v), a)
    expect_words(ret, rn, RT_READ_END, 1, NULL);
    expect_words(RWITH(8, 14), rn, RT_EFORMAT, 0, "unknown ValueRecord tag 14");
    memcpy(a, ret, sizeof ret);
    a[8] = RT_VALUE_VARIANT;
    a[11] = SP(-5, 3, 3); /* contents (segment word 10) points at the value itself (word 6) */
    expect_words(a, rn, RT_ELIMIT, 0, NULL); /* traversal or depth limit, whichever comes first */
#undef WITH
#undef PWITH
#undef TWITH
#undef RWITH
}

/* The event kinds are renumbered by name between v0 and the model. */
static void test_log_kind_numbers(void **state)
{
    (void)state;
    static const struct {
        unsigned v0;
        rt_event_log_kind kind;
    } map[] = {{0, RT_LOG_WRITE},      {1, RT_LOG_WRITE_FILE},       {2, RT_LOG_READ},
               {3, RT_LOG_READ_FILE},  {4, RT_LOG_READ_DIR},         {5, RT_LOG_OPEN_DIR},
               {6, RT_LOG_CLOSE_DIR},  {7, RT_LOG_SOCKET},           {8, RT_LOG_OPEN},
               {9, RT_LOG_ERROR},      {10, RT_LOG_TRACE_LOG_EVENT}, {11, RT_LOG_WRITE_OTHER},
               {12, RT_LOG_READ_OTHER}, {13, RT_LOG_EVM_EVENT}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const uint64_t ev[] = {TABLE1(8), SP(0, 0, 1), LP(0, CP_ELEM_COMPOSITE, 2), SP(1, 1, 1),
                               9, SP(0, 1, 2), map[i].v0, 0, 0};
        uint64_t w[9];
        for (size_t k = 0; k < 9; k++)
            w[k] = cp_le64(ev[k]);
        size_t len;
        unsigned char *p = pack_all(w, 9, &len);
        rt_reader *r;
        assert_int_equal(rt_reader_open_memory(&r, p, len, NULL), RT_OK);
        const rt_event *e;
        assert_int_equal(rt_reader_next(r, &e), RT_READ_EVENT);
        assert_int_equal(e->kind, RT_EVENT_EVENT);
        assert_int_equal(e->u.event.kind, map[i].kind);
        assert_int_equal(cp_log_kind_to_v0(map[i].kind), map[i].v0);
        assert_int_equal(rt_reader_next(r, &e), RT_READ_END);
        rt_reader_free(r);
        free(p);
    }
}

/* Many pointers to one long Text: each visit counts, so the traversal limit
 * stops a small message from making the reader do quadratic work. */
static void test_amplification(void **state)
{
    (void)state;
    enum { N = 300, TEXT_WORDS = 100 };
    size_t n = 1 + 5 + N + TEXT_WORDS;
    uint64_t *w = calloc(n, 8);
    w[0] = TABLE1(n - 1);
    uint64_t *s = w + 1;
    s[0] = SP(0, 0, 1);
    s[1] = LP(0, CP_ELEM_COMPOSITE, 2);
    s[2] = SP(1, 1, 1);
    s[3] = RT_EVENT_ASM;
    s[4] = LP(0, CP_ELEM_PTR, N);
    for (int i = 0; i < N; i++)
        s[5 + i] = LP(N - 1 - i, CP_ELEM_BYTE, TEXT_WORDS * 8);
    for (int i = 0; i < TEXT_WORDS; i++)
        s[5 + N + i] = i + 1 < TEXT_WORDS ? 0x6161616161616161ull : 0x0061616161616161ull;
    expect_words(w, n, RT_ELIMIT, 0, "traversal limit");
    /* A few such pointers are fine. */
    s[4] = LP(0, CP_ELEM_PTR, 3);
    expect_words(w, n, RT_READ_END, 1, NULL);
    free(w);
}

/* A tiny file claiming a huge message takes memory only for what it holds. */
static void test_hostile_sizes(void **state)
{
    (void)state;
    peak_alloc pa = {0, 0};
    rt_allocator alloc = {pa_alloc, pa_realloc, pa_free, &pa};
    char msg[1024];
    uint64_t events;
    /* One segment of 2^32-1 words, 10 words given. */
    unsigned char small[120];
    memcpy(small, "\xC0\xDE\x72\xAC\xE2\x00\x00\x00", 8);
    size_t len = 8;
    small[len++] = 0xF0; /* table word: 00 00 00 00 FF FF FF FF */
    memset(small + len, 0xFF, 4);
    len += 4;
    for (int i = 0; i < 10; i++) {
        small[len++] = 0x01;
        small[len++] = (unsigned char)(i + 1);
    }
    assert_int_equal(read_memory(small, len, &events, msg, sizeof msg, &alloc), RT_ETRUNCATED);
    assert_non_null(strstr(msg, "of 4294967296 words"));
    assert_true(pa.peak < (2u << 20));
    assert_int_equal(pa.live, 0);
    /* The same with runs of zero words (256 words per 2 bytes): a file the
     * size of one line unpacks to 12 MiB of zeros, as holes of a
     * temporary file. */
    pa.peak = 0;
    len = 13;
    unsigned char *bomb = malloc(13 + 2 * 6000);
    memcpy(bomb, small, 13);
    for (int i = 0; i < 6000; i++) {
        bomb[len++] = 0x00;
        bomb[len++] = 0xFF;
    }
    assert_int_equal(read_memory(bomb, len, &events, msg, sizeof msg, &alloc), RT_ETRUNCATED);
    assert_true(pa.peak < (2u << 20));
    assert_int_equal(pa.live, 0);
    free(bomb);
    /* Nothing after the header, and a segment count beyond the limit. */
    assert_int_equal(read_memory(small, 8, &events, msg, sizeof msg, &alloc), RT_ETRUNCATED);
    assert_non_null(strstr(msg, "no message"));
}

/* ---- truncation and corruption ------------------------------------------------ */

/* Every prefix of a v0 file is an error (nothing is recoverable in v0). */
static void truncate_everywhere(const char *path)
{
    size_t n;
    unsigned char *p = read_all(path, &n);
    char msg[1024];
    uint64_t events;
    for (size_t cut = 0; cut < n; cut++) {
        unsigned char *q = malloc(cut + 1); /* exactly cut bytes readable: ASan sees over-reads */
        memcpy(q, p, cut);
        int rc = read_memory(q, cut, &events, msg, sizeof msg, NULL);
        free(q);
        if (cut >= 8 && rc != RT_ETRUNCATED)
            fail_msg("%s cut at %zu: %s: %s", path, cut, rt_status_name(rc), msg);
        assert_true(rc < 0);
        assert_int_equal(events, 0);
    }
    free(p);
}

static void test_truncated(void **state)
{
    (void)state;
    truncate_everywhere(tu_fixture("values/values.v0.bin"));
    truncate_everywhere(tu_fixture("tutorial/trace.v0.bin"));
    const char *dir = tu_tmpdir();
    char bin[600];
    snprintf(bin, sizeof bin, "%s/multi.bin", dir);
    rt_event_list *l = load(tu_fixture("simple/trace.v0.bin"));
    const rt_event **evs = list_array(l);
    rt_v0_encoder_tuning t = {32, 0, 0};
    write_tuned(evs, rt_event_list_len(l), bin, &t, RT_OK);
    truncate_everywhere(bin);
    free(evs);
    rt_event_list_free(l);
    tu_rmtree(dir);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void check_corrupt(const unsigned char *p, size_t n)
{
    char msg[1024];
    uint64_t events;
    unsigned char *q = malloc(n + 1);
    memcpy(q, p, n);
    int rc = read_memory(q, n, &events, msg, sizeof msg, NULL);
    free(q);
    assert_true(rc == RT_READ_END || rc < 0);
    if (rc < 0 && rc != RT_ENOMEM && !strstr(msg, "<memory>"))
        fail_msg("error without the source's name: %s", msg);
}

/* Random byte flips in the packed file, and random bit flips in the
 * unpacked message (which reach the pointer checks), with a fixed seed. */
static void test_corrupted(void **state)
{
    (void)state;
    const char *files[] = {"values/values.v0.bin", "simple/trace.v0.bin"};
    for (size_t f = 0; f < 2; f++) {
        size_t n, nw;
        unsigned char *p = read_all(tu_fixture(files[f]), &n);
        unsigned char *q = malloc(n);
        for (int iter = 0; iter < 1500; iter++) {
            memcpy(q, p, n);
            int flips = 1 + (int)(rng() % 3);
            for (int k = 0; k < flips; k++)
                q[8 + rng() % (n - 8)] ^= (unsigned char)(1u << (rng() % 8));
            check_corrupt(q, n);
        }
        free(q);
        uint64_t *w = unpack_all(p + 8, n - 8, &nw);
        uint64_t *c = malloc(nw * 8);
        for (int iter = 0; iter < 3000; iter++) {
            memcpy(c, w, nw * 8);
            int flips = 1 + (int)(rng() % 4);
            for (int k = 0; k < flips; k++) {
                size_t at = 1 + rng() % (nw - 1); /* keep the segment table */
                if (rng() % 4 == 0)
                    c[at] = rng(); /* a whole random word */
                else
                    c[at] ^= (uint64_t)1 << (rng() % 64);
            }
            size_t len;
            unsigned char *packed = pack_all(c, nw, &len);
            check_corrupt(packed, len);
            free(packed);
        }
        free(c);
        free(w);
        free(p);
    }
}

/* ---- a long stream: bounded memory both ways ------------------------------------ */

static const char long_text[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* Words of the message in a v0 file, from its segment table. */
static uint64_t message_words(const char *path)
{
    size_t n;
    unsigned char *p = read_all(path, &n);
    uint64_t w[8];
    rt_capnp_unpacker u = {0, 0};
    size_t produced;
    rt_capnp_unpack(&u, p + 8, n - 8 < 64 ? n - 8 : 64, w, 4, &produced);
    uint32_t nseg = (uint32_t)cp_load(w) + 1;
    assert_true(nseg <= 7 && produced >= (nseg + 2) / 2);
    uint64_t total = (nseg + 2) / 2;
    const unsigned char *t = (const unsigned char *)w;
    for (uint32_t i = 0; i < nseg; i++)
        total += (uint64_t)t[4 + 4 * i] | (uint64_t)t[5 + 4 * i] << 8 | (uint64_t)t[6 + 4 * i] << 16 |
                 (uint64_t)t[7 + 4 * i] << 24;
    free(p);
    return total;
}

static void synth_event(uint64_t i, rt_event *e, rt_full_value *arg)
{
    memset(e, 0, sizeof *e);
    switch (i % 4) {
    case 0:
        e->kind = RT_EVENT_STEP;
        e->u.step.path_id = i % 7;
        e->u.step.line = (int64_t)i;
        break;
    case 1:
        e->kind = RT_EVENT_VALUE;
        e->u.value.variable_id = i % 50;
        e->u.value.value = rt_value_int((int64_t)(i * 2654435761u), 1);
        break;
    case 2:
        e->kind = RT_EVENT_CALL;
        e->u.call.function_id = i % 10;
        arg->variable_id = 1;
        /* 480 bytes: the message passes the 64 MiB the reference reads */
        arg->value = rt_value_string_n(long_text, sizeof long_text - 1, 2);
        e->u.call.args = arg;
        e->u.call.len = 1;
        break;
    default:
        e->kind = RT_EVENT_RETURN;
        e->u.return_value = rt_value_none(0);
        break;
    }
}

/* A field of /proc/self/status in KiB, or -1. */
static long status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, strlen(field)))
            v = atol(line + strlen(field));
    fclose(f);
    return v;
}

static void test_long_stream(void **state)
{
    (void)state;
    enum { EVENTS = 400000 };
    const char *dir = tu_tmpdir();
    char bin[600];
    snprintf(bin, sizeof bin, "%s/long.bin", dir);
    peak_alloc pa = {0, 0};
    rt_allocator alloc = {pa_alloc, pa_realloc, pa_free, &pa};
    rt_writer_options o;
    rt_writer_options_init(&o, RT_FORMAT_V0);
    o.allocator = &alloc;
    rt_writer *w;
    assert_int_equal(rt_writer_open(&w, bin, &o), RT_OK);
    rt_event e;
    rt_full_value arg;
    for (uint64_t i = 0; i < EVENTS; i++) {
        synth_event(i, &e, &arg);
        assert_int_equal(rt_writer_write(w, &e), RT_OK);
    }
    assert_int_equal(rt_writer_finish(w), RT_OK);
    rt_writer_free(w);
    fprintf(stderr, "v0 write of %d events: peak heap %zu KiB\n", EVENTS, pa.peak / 1024);
    assert_true(pa.peak < (8u << 20));
    assert_int_equal(pa.live, 0);
    assert_true(message_words(bin) * 8 > ((uint64_t)64 << 20));

    /* Over 64 MiB unpacked: read through a mapped temporary file. */
    pa.peak = 0;
    rt_reader_options ro;
    memset(&ro, 0, sizeof ro);
    ro.allocator = &alloc;
    rt_reader *r;
    assert_int_equal(rt_reader_open(&r, bin, &ro), RT_OK);
    const rt_event *got;
    uint64_t i = 0;
    int rc;
    while ((rc = rt_reader_next(r, &got)) == RT_READ_EVENT) {
        synth_event(i, &e, &arg);
        if (!rt_event_equal(&e, got))
            fail_msg("event %llu differs", (unsigned long long)i);
        i++;
    }
    if (rc != RT_READ_END)
        fail_msg("%s", rt_reader_errmsg(r));
    assert_int_equal(i, EVENTS);
    /* The mapping's pages are released as reading goes: far less of the
     * file is resident than the file's size. */
    long rss_file = status_kib("RssFile:");
    fprintf(stderr, "v0 read: %ld KiB of mapped files resident at the end\n", rss_file);
    if (rss_file >= 0)
        assert_true(rss_file < 48 * 1024);
    rt_reader_free(r);
    fprintf(stderr, "v0 read of %d events: peak heap %zu KiB\n", EVENTS, pa.peak / 1024);
    assert_true(pa.peak < (8u << 20));
    assert_int_equal(pa.live, 0);
    tu_rmtree(dir);
}

/* ---- the packing codec ---------------------------------------------------------- */

/* Both packers give the same bytes, and both unpackers the words back (fed
 * in pieces of any size), on
 * words of every density, runs of zero and of dense words included. */
static void test_packing(void **state)
{
    (void)state;
    enum { N = 20000 };
    uint64_t *w = malloc(N * 8);
    uint64_t seed = 12345;
    for (size_t i = 0; i < N; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t r = seed >> 11, v = 0;
        unsigned mode = (unsigned)(seed >> 60);
        if (mode < 4)
            v = 0; /* zero runs */
        else if (mode < 7)
            v = ~(uint64_t)0 ^ ((r & 1) << (8 * (r % 8))); /* dense, some with one zero byte */
        else
            for (unsigned k = 0; k < 8; k++) /* a random subset of nonzero bytes */
                if ((r >> k) & 1)
                    v |= (uint64_t)(1 + ((r >> (8 + 3 * k)) & 0x7F)) << (8 * k);
        w[i] = v;
    }
    for (size_t i = 1000; i < 1600; i++)
        w[i] = 0; /* a run longer than 256 words */
    for (size_t i = 2000; i < 2600; i++)
        w[i] = 0x0102030405060708ull; /* dense run longer than 255 */
    unsigned char *a = malloc(RT_CAPNP_PACK_BOUND(N)), *b = malloc(RT_CAPNP_PACK_BOUND(N));
    for (size_t len = 0; len <= N; len += len < 50 ? 1 : 997) {
        size_t na = rt_capnp_pack(w, len, a), nb = rt_capnp_pack_portable(w, len, b);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na);
        assert_true(na <= RT_CAPNP_PACK_BOUND(len));
        static const size_t chunks[] = {1, 3, 7, 64, SIZE_MAX};
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
            for (int portable = 0; portable < 2; portable++) {
                size_t nw;
                uint64_t *back = unpack_with(portable ? rt_capnp_unpack_portable : rt_capnp_unpack,
                                             a, na, chunks[c], &nw);
                assert_int_equal(nw, len);
                if (len)
                    assert_memory_equal(back, w, len * 8);
                free(back);
            }
    }
    free(a);
    free(b);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packing),
        cmocka_unit_test(test_fixtures_roundtrip),
        cmocka_unit_test(test_bigint),
        cmocka_unit_test(test_multisegment),
        cmocka_unit_test(test_double_far),
        cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_log_kind_numbers),
        cmocka_unit_test(test_amplification),
        cmocka_unit_test(test_hostile_sizes),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupted),
        cmocka_unit_test(test_long_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
