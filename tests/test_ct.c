/* trace.ct (CTFS.md): every event and value variant through split-binary and
 * CBOR; the fixtures converted and checked by ctfs_check.py (the debugger's
 * rules in Python); the 0.19 crates' containers read to their JSON; the
 * container variants the debugger reads (versions 2-4, 1024/2048/4096-byte
 * blocks, raw CBOR) and the ones it refuses; a member past 511 blocks (the
 * multi-level mapping); a file cut at every offset; repair; the tracer and
 * the trace directory. */
#define RT_EXPERIMENTAL_CTFS /* rt_ct_inspect */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_decompressBound */
#include <zstd.h>

#include "model/model.h"

#define CHECKER RT_SOURCE_DIR "/../shared/tools/ctfs_check.py"

/* ---- helpers ------------------------------------------------------------- */

static bool have_checker(void)
{
    static int have = -1;
    if (have < 0)
        have = access(CHECKER, R_OK) == 0 && tu_run("python3 -c 1 >/dev/null 2>&1") == 0 &&
               tu_run("zstd --version >/dev/null 2>&1") == 0;
    if (!have)
        fprintf(stderr, "ctfs_check.py, python3 or zstd missing: the debugger-rule checks are skipped\n");
    return have;
}

/* Runs ctfs_check.py check on file: every one of `events` decoded, no
 * truncation warning; `loads` says whether the post-processor must accept
 * it (exit 0) or refuse it (a DropLastStep, CTFS.md section 2.1.3). */
static void check_with_debugger_rules(const char *file, size_t events, bool loads)
{
    if (!have_checker())
        return;
    const char *dir = tu_tmpdir();
    const char *log = tu_join(dir, "check.txt");
    int rc = tu_run("python3 '%s' check '%s' > '%s' 2>&1", CHECKER, file, log);
    size_t len;
    char *out = tu_read_file(log, &len);
    assert_non_null(out);
    char want[64];
    snprintf(want, sizeof want, "decoded %zu events", events);
    if (!strstr(out, want) || strstr(out, "WARNING") || strstr(out, "unreadable"))
        fail_msg("%s: ctfs_check.py (want \"%s\", no warning):\n%s", file, want, out);
    if (loads && rc != 0)
        fail_msg("%s: the debugger's rules refuse it:\n%s", file, out);
    if (!loads && (rc == 0 || !strstr(out, "the debugger fails to load it")))
        fail_msg("%s: expected the post-processor to refuse it (DropLastStep, ...):\n%s", file, out);
    free(out);
    tu_rmtree(dir);
}

static void assert_same_events(const rt_event_list *a, const rt_event_list *b, const char *what)
{
    if (rt_event_list_len(a) != rt_event_list_len(b))
        fail_msg("%s: %zu events, expected %zu", what, rt_event_list_len(a), rt_event_list_len(b));
    for (size_t i = 0; i < rt_event_list_len(a); i++)
        if (!rt_event_equal(rt_event_list_at(a, i), rt_event_list_at(b, i)))
            fail_msg("%s: event %zu (%s) differs", what, i,
                     rt_event_kind_name(rt_event_list_at(b, i)->kind));
}

static rt_event_list *load(const char *path)
{
    rt_event_list *l;
    char err[600];
    if (rt_event_list_load(&l, path, NULL, err, sizeof err) != RT_OK)
        fail_msg("%s: %s", path, err);
    return l;
}

/* Every event as it is (DropLastStep too: cancel_steps off). */
static void write_ct(const char *path, const rt_event *ev, size_t n, bool cbor)
{
    rt_writer_options o;
    rt_writer_options_init(&o, RT_FORMAT_CT);
    o.ct_cbor = cbor;
    o.cancel_steps = false;
    rt_writer *w;
    char err[512];
    o.errbuf = err;
    o.errbuf_len = sizeof err;
    if (rt_writer_open(&w, path, &o) != RT_OK)
        fail_msg("%s: %s", path, err);
    for (size_t i = 0; i < n; i++)
        if (rt_writer_write(w, &ev[i]) != RT_OK)
            fail_msg("event %zu: %s", i, rt_writer_errmsg(w));
    assert_int_equal(rt_writer_finish(w), RT_OK);
    rt_writer_free(w);
}

/* tu_sample_events written to path (split-binary) and read back as bytes. */
static unsigned char *sample_file(const char *path, rt_event *ev, size_t *n, size_t *len)
{
    *n = tu_sample_events(ev);
    write_ct(path, ev, *n, false);
    unsigned char *f = (unsigned char *)tu_read_file(path, len);
    assert_non_null(f);
    return f;
}

/* ---- round trips ---------------------------------------------------------- */

static void test_every_variant(void **state)
{
    (void)state;
    rt_event ev[64];
    size_t n = tu_sample_events(ev);
    static rt_value ch;
    ch.kind = RT_VALUE_CHAR;
    ch.type_id = 2;
    ch.u.ch = 0x1F600;
    ev[n].kind = RT_EVENT_VALUE, ev[n].u.value.variable_id = 5, ev[n++].u.value.value = ch;
    static const rt_variable_id none[1];
    ev[n].kind = RT_EVENT_ASSIGNMENT, ev[n].u.assignment.to = 2;
    ev[n].u.assignment.from.kind = RT_RVALUE_INDEX_ACCESS, ev[n].u.assignment.from.simple = 1;
    ev[n].u.assignment.from.ids = none;
    ev[n++].u.assignment.from.index = -7;
    const char *dir = tu_tmpdir();
    for (int cbor = 0; cbor < 2; cbor++) {
        const char *path = tu_join(dir, cbor ? "cbor.ct" : "split.ct");
        write_ct(path, ev, n, cbor);
        rt_event_list *l = load(path);
        assert_int_equal(rt_event_list_len(l), n);
        for (size_t i = 0; i < n; i++)
            if (!rt_event_equal(rt_event_list_at(l, i), &ev[i]))
                fail_msg("%s: event %zu (%s) differs", path, i, rt_event_kind_name(ev[i].kind));
        rt_event_list_free(l);
        rt_ct_info ci;
        assert_int_equal(rt_ct_inspect(path, &ci, NULL, 0), RT_OK);
        assert_true(ci.whole_blocks && ci.meta_valid && !ci.truncated && ci.counts_consistent);
        assert_int_equal(ci.version, 4);
        assert_int_equal(ci.block_size, 4096);
        assert_int_equal(ci.max_root_entries, 31);
        assert_int_equal(ci.split_binary, !cbor);
        assert_int_equal(ci.chunk_events, n);
        assert_int_equal(ci.meta_flags, 0);
        assert_int_equal(ci.npaths, 1);
        assert_string_equal(ci.paths[0], "/a/b.rs");
        rt_ct_info_clear(&ci);
        check_with_debugger_rules(path, n, false);
    }
    tu_rmtree(dir);
}

/* The layout CTFS.md section 8 lists, byte by byte where it is fixed. */
static void test_layout(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "t.ct");
    rt_event ev[64];
    size_t n, len;
    unsigned char *f = sample_file(path, ev, &n, &len);
    assert_int_equal(len % 4096, 0);
    static const unsigned char head[16] = {0xC0, 0xDE, 0x72, 0xAC, 0xE2, 4, 0, 0,
                                           0, 0x10, 0, 0, 31, 0, 0, 0};
    assert_memory_equal(f, head, sizeof head);
    /* slots 0..2: meta.dat, events.log, events.fmt by base40 name */
    static const uint64_t names[3] = {0x00000483416FCBEFull, 0x00106D8BDBA032CFull,
                                      0x001C7C2C3FE032CFull};
    for (int i = 0; i < 3; i++) {
        uint64_t nm = 0;
        for (int k = 7; k >= 0; k--)
            nm = nm << 8 | f[16 + 24 * i + 16 + k];
        assert_true(nm == names[i]);
    }
    for (int i = 3; i < 31; i++)
        for (int k = 0; k < 24; k++)
            assert_int_equal(f[16 + 24 * i + k], 0);
    rt_ct_info ci;
    assert_int_equal(rt_ct_inspect(path, &ci, NULL, 0), RT_OK);
    assert_true(ci.has_header);
    assert_int_equal(ci.nchunks, 1);
    assert_int_equal(ci.chunks[0].offset, 8);
    assert_int_equal(ci.chunks[0].events, n);
    assert_int_equal(ci.chunks[0].first_event, 0);
    assert_non_null(strstr(ci.recorder_id, "runtime_tracing"));
    rt_ct_info_clear(&ci);
    free(f);
    tu_rmtree(dir);
}

/* The fixtures, through `convert --to ct`, read back to their events and
 * decode whole under the debugger's rules. */
static void test_fixtures(void **state)
{
    (void)state;
    static const struct {
        const char *rel;
        bool loads; /* simple and values hold a DropLastStep (CTFS.md 2.1.3), and
                       simple an AssignCompoundItem into a cell's place */
    } fx[] = {{"tutorial/trace.json", true},
              {"simple/trace.json", false},
              {"values/values.json", false},
              {"values/values-specialfloat.json", true},
              {"values/values-bigint.json", true}};
    const char *dir = tu_tmpdir();
    for (size_t i = 0; i < sizeof fx / sizeof *fx; i++) {
        const char *out = tu_join(dir, "out.ct");
        /* --force: the events as they are (test_loadable covers the rest) */
        assert_int_equal(tu_run("'%s/runtime-tracing' convert '%s' '%s' --to ct --force",
                                RT_BIN_DIR, tu_fixture(fx[i].rel), out), 0);
        rt_event_list *want = load(tu_fixture(fx[i].rel));
        rt_event_list *got = load(out);
        assert_same_events(got, want, fx[i].rel);
        check_with_debugger_rules(out, rt_event_list_len(want), fx[i].loads);
        /* validate (for the 0.19 debugger, a .ct's reader) agrees with ctfs_check.py */
        assert_int_equal(tu_run("'%s/runtime-tracing' validate '%s' > /dev/null", RT_BIN_DIR, out),
                         fx[i].loads ? 0 : 1);
        rt_event_list_free(want);
        rt_event_list_free(got);
        unlink(out);
    }
    /* meta.dat takes trace_metadata.json beside the input. */
    const char *out = tu_join(dir, "tutorial.ct");
    assert_int_equal(tu_run("'%s/runtime-tracing' convert '%s' '%s'", RT_BIN_DIR,
                            tu_fixture("tutorial/trace.json"), out), 0);
    rt_ct_info ci;
    assert_int_equal(rt_ct_inspect(out, &ci, NULL, 0), RT_OK);
    rt_metadata md;
    assert_int_equal(rt_metadata_read(tu_fixture("tutorial/trace_metadata.json"), &md, NULL, 0), RT_OK);
    assert_string_equal(ci.program, md.program);
    assert_string_equal(ci.workdir, md.workdir);
    assert_int_equal(ci.nargs, md.nargs);
    assert_int_equal(ci.npaths, 1);
    assert_true(ci.paths[0][0] == '/'); /* example.rs, resolved against the workdir */
    rt_metadata_clear(&md);
    rt_ct_info_clear(&ci);
    /* A .ct with nothing beside it gives its own meta.dat to the new one. */
    const char *again = tu_join(dir, "again.ct");
    assert_int_equal(tu_run("'%s/runtime-tracing' convert '%s' '%s' --quiet", RT_BIN_DIR,
                            tu_fixture("v0.19/threads/ct/trace.ct"), again), 0);
    rt_ct_info was, now;
    assert_int_equal(rt_ct_inspect(tu_fixture("v0.19/threads/ct/trace.ct"), &was, NULL, 0), RT_OK);
    assert_int_equal(rt_ct_inspect(again, &now, NULL, 0), RT_OK);
    assert_true(now.meta_valid && was.meta_valid);
    assert_string_equal(now.program, was.program);
    assert_string_equal(now.workdir, was.workdir);
    assert_string_equal(now.recording_id, was.recording_id);
    assert_int_equal(now.nargs, was.nargs);
    assert_true(now.program[0] != '\0');
    rt_ct_info_clear(&was);
    rt_ct_info_clear(&now);
    tu_rmtree(dir);
}

/* The 0.19 crates' containers (21 members, flags 0x1f00) read to their JSON. */
static void test_v019_fixtures(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"v0.19/tutorial/ct/trace.ct", "v0.19/tutorial/json/trace.json"},
        {"v0.19/simple/ct/trace.ct", "v0.19/simple/json/trace.json"},
        {"v0.19/threads/ct/trace.ct", "v0.19/threads/json/trace-short.json"},
        {"v0.19/values-specialfloat/values-specialfloat.ct",
         "v0.19/values-specialfloat/values-specialfloat.json"}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        rt_event_list *got = load(tu_fixture(pairs[i][0]));
        rt_event_list *want = load(tu_fixture(pairs[i][1]));
        assert_same_events(got, want, pairs[i][0]);
        rt_event_list_free(got);
        rt_event_list_free(want);
    }
}

/* ---- containers built by hand: what the debugger reads and refuses ------ */

typedef struct member {
    const char *name;
    const void *data;
    size_t len;
} member;

static uint64_t b40(const char *s)
{
    static const char alpha[] = "0123456789abcdefghijklmnopqrstuvwxyz./-";
    uint64_t v = 0, m = 1;
    for (; *s; s++, m *= 40)
        v += (uint64_t)(strchr(alpha, *s) - alpha + 1) * m;
    return v;
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A container as ctfs_check.py make builds one (level-1 mapping only). */
static unsigned char *build(unsigned bs, unsigned version, const member *m, size_t n, size_t *len)
{
    size_t blocks = 1;
    for (size_t i = 0; i < n; i++)
        blocks += m[i].len ? 1 + (m[i].len + bs - 1) / bs : 0;
    unsigned char *f = calloc(blocks, bs);
    memcpy(f, "\xC0\xDE\x72\xAC\xE2", 5);
    f[5] = (unsigned char)version;
    f[8] = (unsigned char)bs, f[9] = (unsigned char)(bs >> 8);
    f[12] = 31;
    size_t next = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char *e = f + 16 + 24 * i;
        put64(e, m[i].len);
        put64(e + 16, b40(m[i].name));
        if (!m[i].len)
            continue;
        size_t map = next++;
        put64(e + 8, map);
        for (size_t j = 0; j * bs < m[i].len; j++) {
            size_t db = next++;
            put64(f + map * bs + 8 * j, db);
            size_t take = m[i].len - j * bs < bs ? m[i].len - j * bs : bs;
            memcpy(f + db * bs, (const unsigned char *)m[i].data + j * bs, take);
        }
    }
    *len = blocks * bs;
    return f;
}

static const unsigned char meta_ok[] = "CTMD\x03\x00\x00\x00"
                                       "\x24" "01949fcc-7d92-7e9c-aaaa-bbbbbbbbbbbb"
                                       "\x01" "p" "\x00" "\x01" "w" "\x00" "\x00";

static int read_built(const unsigned char *f, size_t len, size_t *events, char *msg, size_t msg_len)
{
    rt_reader *r;
    rt_reader_options ro;
    rt_reader_options_init(&ro);
    ro.errbuf = msg;
    ro.errbuf_len = msg_len;
    int rc = rt_reader_open_memory(&r, f, len, &ro);
    *events = 0;
    if (rc)
        return rc;
    assert_int_equal(rt_reader_format(r), RT_FORMAT_CT);
    const rt_event *e;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
        (*events)++;
    snprintf(msg, msg_len, "%s", rt_reader_errmsg(r));
    rt_reader_free(r);
    return rc;
}

static void test_container_variants(void **state)
{
    (void)state;
    /* The events of a small CBOR-mode file, as raw CBOR and in chunks. */
    const char *dir = tu_tmpdir();
    rt_event ev[64];
    size_t n = tu_sample_events(ev);
    const char *path = tu_join(dir, "c.ct");
    write_ct(path, ev, n, true);
    rt_ct_info ci;
    assert_int_equal(rt_ct_inspect(path, &ci, NULL, 0), RT_OK);
    size_t flen;
    unsigned char *whole = (unsigned char *)tu_read_file(path, &flen);
    /* events.log: find it through the inspect result (slot 1, level-1 map). */
    uint64_t map = ci.members[1].map_block, size = ci.members[1].size;
    unsigned char *log = malloc(size);
    for (uint64_t j = 0; j * 4096 < size; j++) {
        uint64_t db = 0;
        for (int k = 7; k >= 0; k--)
            db = db << 8 | whole[map * 4096 + 8 * j + (uint64_t)k];
        size_t take = size - j * 4096 < 4096 ? size - j * 4096 : 4096;
        memcpy(log + j * 4096, whole + db * 4096, take);
    }
    uint32_t csize = log[8] | log[9] << 8 | log[10] << 16 | (uint32_t)log[11] << 24;
    /* (a chunk's frame need not carry its content size: CTFS.md 2.1.1) */
    size_t cap = (size_t)ZSTD_decompressBound(log + 24, csize);
    unsigned char *raw = malloc(cap);
    size_t rawn = ZSTD_decompress(raw, cap, log + 24, csize);
    assert_false(ZSTD_isError(rawn));
    rt_ct_info_clear(&ci);

    static const unsigned sizes[] = {1024, 2048, 4096};
    char msg[600];
    size_t got, len;
    for (unsigned version = 2; version <= 4; version++)
        for (size_t s = 0; s < 3; s++) {
            member with_header[] = {{"meta.dat", meta_ok, sizeof meta_ok - 1},
                                    {"events.log", log, size}, {"events.fmt", "cbor", 4}};
            unsigned char *f = build(sizes[s], version, with_header, 3, &len);
            assert_int_equal(read_built(f, len, &got, msg, sizeof msg), RT_READ_END);
            assert_int_equal(got, n);
            free(f);
            /* chunks without the 8-byte header; raw CBOR, no zstd, no events.fmt */
            member bare[] = {{"meta.dat", meta_ok, sizeof meta_ok - 1}, {"events.log", log + 8, size - 8}};
            f = build(sizes[s], version, bare, 2, &len);
            assert_int_equal(read_built(f, len, &got, msg, sizeof msg), RT_READ_END);
            assert_int_equal(got, n);
            free(f);
            member rawm[] = {{"meta.dat", meta_ok, sizeof meta_ok - 1}, {"events.log", raw, rawn}};
            f = build(sizes[s], version, rawm, 2, &len);
            assert_int_equal(read_built(f, len, &got, msg, sizeof msg), RT_READ_END);
            assert_int_equal(got, n);
            free(f);
        }

    /* What the debugger refuses, refused with a message saying why. */
    static const struct {
        const char *meta;
        size_t len;
        const char *why;
    } bad_meta[] = {
#define BAD(s, why) {s, sizeof s - 1, why}
#define ID "\x24" "01949fcc-7d92-7e9c-aaaa-bbbbbbbbbbbb"
        BAD("CTMD\x03\x00\x00\x00\x24" "01949FCC-7D92-7E9C-AAAA-BBBBBBBBBBBB" "\x01p\x00\x01w\x00\x00", "UUIDv7"),
        BAD("CTMD\x03\x00\x00\x00" ID "\x01p\x00\x01w\x00\x00\x00", "trailing"),
        BAD("CTMD\x02\x00\x00\x00" ID "\x01p\x00\x01w\x00\x00", "version 2"),
        BAD("CTMD\x03\x00\x01\x00" ID "\x01p\x00\x01w\x00\x00", "MCR"),
        BAD("CTMD\x03\x00\x00\x40" ID "\x01p\x00\x01w\x00\x00", "flag"),
        BAD("CTMD\x03\x00\x00\x00" ID "\x01p\x00\x01w\x00", "truncated"),
        BAD("CTMD\x03\x00\x00\x00" ID "\x02\xff\xfe\x00\x01w\x00\x00", "UTF-8"),
#undef ID
#undef BAD
    };
    for (size_t i = 0; i < sizeof bad_meta / sizeof *bad_meta; i++) {
        member m[] = {{"meta.dat", bad_meta[i].meta, bad_meta[i].len}, {"events.log", log, size}};
        unsigned char *f = build(4096, 4, m, 2, &len);
        assert_int_equal(read_built(f, len, &got, msg, sizeof msg), RT_EFORMAT);
        if (!strstr(msg, bad_meta[i].why))
            fail_msg("bad meta.dat %zu: \"%s\" lacks \"%s\"", i, msg, bad_meta[i].why);
        free(f);
    }
    member nometa[] = {{"events.log", log, size}};
    unsigned char *f = build(4096, 4, nometa, 1, &len);
    assert_int_equal(read_built(f, len, &got, msg, sizeof msg), RT_EFORMAT);
    assert_non_null(strstr(msg, "meta.dat"));
    f[5] = 5; /* version */
    assert_int_equal(read_built(f, len, &got, msg, sizeof msg), RT_EFORMAT);
    assert_non_null(strstr(msg, "version 5"));
    f[5] = 4;
    f[9] = 0x20; /* block size 8192 */
    assert_int_equal(read_built(f, len, &got, msg, sizeof msg), RT_EFORMAT);
    assert_non_null(strstr(msg, "block size"));
    free(f);
    /* what a writer killed before its events.log leaves: cut, not malformed */
    member metaonly[] = {{"meta.dat", meta_ok, sizeof meta_ok - 1}};
    for (size_t k = 0; k < 2; k++) {
        f = build(4096, 4, metaonly, k, &len);
        assert_int_equal(read_built(f, len, &got, msg, sizeof msg), RT_ETRUNCATED);
        const char *cut = tu_join(dir, "killed.ct");
        FILE *o = fopen(cut, "wb");
        assert_non_null(o);
        assert_int_equal(fwrite(f, 1, len, o), len);
        fclose(o);
        rt_repair_result res;
        char err[512];
        assert_int_equal(rt_trace_repair(cut, &res, err, sizeof err), RT_OK);
        assert_true(res.was_truncated);
        assert_int_equal(res.events, 0);
        check_with_debugger_rules(cut, 0, true);
        free(f);
    }
    member stepsonly[] = {{"meta.dat", meta_ok, sizeof meta_ok - 1}, {"steps.dat", "x", 1}};
    f = build(4096, 4, stepsonly, 2, &len);
    assert_int_equal(read_built(f, len, &got, msg, sizeof msg), RT_EFORMAT);
    assert_non_null(strstr(msg, "split-stream"));
    free(f);

    free(raw);
    free(log);
    free(whole);
    tu_rmtree(dir);
}

/* events.log past 511 blocks: the chained level-2 mapping (CTFS.md 3.1). */
static void test_large_member(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "big.ct");
    rt_writer_options o;
    rt_writer_options_init(&o, RT_FORMAT_CT);
    rt_writer *w;
    assert_int_equal(rt_writer_open(&w, path, &o), RT_OK);
    /* incompressible strings (6 bits a byte): about 3 MiB of events.log */
    static const char alpha[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/";
    char text[257];
    uint64_t x = 88172645463325252ull;
    const size_t n = 16000;
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 256; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            text[k] = alpha[x % 64];
        }
        text[256] = '\0';
        rt_event e = {.kind = RT_EVENT_VALUE};
        e.u.value.value = rt_value_string(text, 0);
        assert_int_equal(rt_writer_write(w, &e), RT_OK);
    }
    assert_int_equal(rt_writer_finish(w), RT_OK);
    rt_writer_free(w);
    rt_ct_info ci;
    assert_int_equal(rt_ct_inspect(path, &ci, NULL, 0), RT_OK);
    assert_true(ci.members[1].size > 600 * 4096);
    assert_true(ci.nchunks > 1 && ci.counts_consistent);
    rt_ct_info_clear(&ci);
    rt_event_list *l = load(path);
    assert_int_equal(rt_event_list_len(l), n);
    rt_event_list_free(l);
    check_with_debugger_rules(path, n, true);
    tu_rmtree(dir);
}

/* ---- cut files and repair ------------------------------------------------ */

static void test_cut_everywhere(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "t.ct");
    rt_event ev[64];
    size_t n, len;
    unsigned char *f = sample_file(path, ev, &n, &len);
    const char *cutp = tu_join(dir, "cut.ct");
    for (size_t cut = 0; cut <= len; cut++) {
        rt_reader *r;
        int rc = rt_reader_open_memory(&r, f, cut, NULL);
        size_t got = 0;
        if (rc == RT_OK) {
            const rt_event *e;
            while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
                assert_true(got < n);
                assert_true(rt_event_equal(e, &ev[got]));
                got++;
            }
            rt_reader_free(r);
        }
        if (cut == len) {
            assert_int_equal(rc, RT_READ_END);
            assert_int_equal(got, n);
        } else if (rc != RT_ETRUNCATED) {
            fail_msg("cut at %zu of %zu: %s", cut, len, rt_status_name(rc));
        }
        /* repair: a container the debugger opens, with the events read */
        if (cut % 4096 == 0 || cut % 997 == 0) {
            FILE *o = fopen(cutp, "wb");
            assert_non_null(o);
            assert_int_equal(fwrite(f, 1, cut, o), cut);
            fclose(o);
            rt_repair_result res;
            char err[512];
            rc = rt_trace_repair(cutp, &res, err, sizeof err);
            if (rc == RT_OK) {
                assert_int_equal(res.events, got);
                rt_ct_info ci;
                assert_int_equal(rt_ct_inspect(cutp, &ci, NULL, 0), RT_OK);
                assert_true(ci.whole_blocks && ci.meta_valid && !ci.truncated);
                rt_ct_info_clear(&ci);
            } else if (cut >= 3 * 4096) {
                /* meta.dat (blocks 1-2) is there: repair must succeed */
                fail_msg("repair at cut %zu: %s", cut, err);
            }
        }
    }
    free(f);
    tu_rmtree(dir);
}

/* ---- the tracer and the trace directory ---------------------------------- */

static void record(rt_tracer *t)
{
    assert_int_equal(rt_start(t, "src/main.c", 1), RT_OK);
    rt_type_id int_t;
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_INT, "int", &int_t), RT_OK);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(rt_register_step(t, "src/main.c", 2 + i % 3), RT_OK);
        assert_int_equal(rt_register_variable_with_full_value(t, "x", rt_value_int(i, int_t)), RT_OK);
    }
    assert_int_equal(rt_register_special_event(t, RT_LOG_WRITE, "x=99\n"), RT_OK);
    assert_int_equal(rt_register_return(t, rt_value_none(0)), RT_OK);
}

static void test_tracer(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    for (int mode = 0; mode < 2; mode++) {
        rt_tracer_options o;
        rt_tracer_options_init(&o);
        o.format = RT_FORMAT_CT;
        o.mode = (rt_mode)mode;
        rt_tracer *t;
        const char *args[] = {"--fast", "in.txt"};
        assert_int_equal(rt_tracer_new(&t, "/bin/prog", args, 2, &o), RT_OK);
        assert_int_equal(rt_tracer_set_workdir(t, "/home/u/proj"), RT_OK);
        const char *out = tu_join(dir, mode ? "streamed" : "buffered");
        if (mode) { /* streamed from the start, then the directory completed */
            assert_int_equal(mkdir(out, 0755), 0);
            assert_int_equal(rt_begin_writing_trace_events(t, tu_join(out, "trace.ct"), RT_FORMAT_CT),
                             RT_OK);
        }
        record(t);
        assert_int_equal(rt_tracer_write_trace_dir(t, out, RT_FORMAT_DEFAULT), RT_OK);
        uint64_t count = rt_tracer_event_count(t);
        rt_tracer_free(t);
        const char *ct = tu_join(out, "trace.ct");
        struct stat st;
        assert_int_equal(stat(tu_join(out, "trace.json"), &st), -1);
        assert_int_equal(stat(tu_join(out, "trace.bin"), &st), -1);
        rt_event_list *l = load(ct);
        assert_int_equal(rt_event_list_len(l), count);
        rt_event_list_free(l);
        rt_ct_info ci;
        assert_int_equal(rt_ct_inspect(ct, &ci, NULL, 0), RT_OK);
        assert_true(ci.meta_valid);
        assert_string_equal(ci.program, "/bin/prog");
        assert_int_equal(ci.nargs, 2);
        assert_string_equal(ci.args[1], "in.txt");
        assert_string_equal(ci.workdir, "/home/u/proj");
        assert_int_equal(ci.npaths, 1);
        assert_string_equal(ci.paths[0], "/home/u/proj/src/main.c");
        rt_metadata md;
        assert_int_equal(rt_metadata_read(tu_join(out, "trace_metadata.json"), &md, NULL, 0), RT_OK);
        assert_non_null(md.recording_id); /* the same id in both */
        assert_string_equal(md.recording_id, ci.recording_id);
        rt_metadata_clear(&md);
        rt_ct_info_clear(&ci);
        check_with_debugger_rules(ct, count, true);
    }
    tu_rmtree(dir);
}

/* A current directory whose name is not UTF-8: the tracer's default workdir
 * has U+FFFD for its bad bytes, so meta.dat (and trace_metadata.json) stay
 * UTF-8 and the debugger loads the file. */
static void test_tracer_non_utf8_cwd(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    const char *odd = tu_join(dir, "d\xff\xc3(");
    char here[4096];
    assert_non_null(getcwd(here, sizeof here));
    if (mkdir(odd, 0755) != 0 || chdir(odd) != 0) { /* a file system that refuses the name */
        tu_rmtree(dir);
        skip();
    }
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    o.format = RT_FORMAT_CT;
    rt_tracer *t;
    int rc = rt_tracer_new(&t, "prog", NULL, 0, &o);
    assert_int_equal(chdir(here), 0);
    assert_int_equal(rc, RT_OK);
    char wd[4096 * 3];
    snprintf(wd, sizeof wd, "%s", rt_tracer_workdir(t));
    assert_non_null(strstr(wd, "/d\xEF\xBF\xBD\xEF\xBF\xBD("));
    record(t);
    const char *out = tu_join(dir, "trace");
    assert_int_equal(rt_tracer_write_trace_dir(t, out, RT_FORMAT_DEFAULT), RT_OK);
    uint64_t count = rt_tracer_event_count(t);
    rt_tracer_free(t);
    const char *ct = tu_join(out, "trace.ct");
    rt_ct_info ci;
    assert_int_equal(rt_ct_inspect(ct, &ci, NULL, 0), RT_OK);
    assert_true(ci.meta_valid);
    assert_string_equal(ci.workdir, wd);
    rt_ct_info_clear(&ci);
    rt_event_list *l = load(ct);
    assert_int_equal(rt_event_list_len(l), count);
    rt_event_list_free(l);
    rt_metadata md;
    assert_int_equal(rt_metadata_read(tu_join(out, "trace_metadata.json"), &md, NULL, 0), RT_OK);
    rt_metadata_clear(&md);
    check_with_debugger_rules(ct, count, true);
    tu_rmtree(dir);
}

/* A writer needs a file it can write in place; the recording id is checked. */
static void test_writer_errors(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    rt_writer_options o;
    rt_writer_options_init(&o, RT_FORMAT_CT);
    char err[512] = "";
    o.errbuf = err;
    o.errbuf_len = sizeof err;
    rt_metadata md = {NULL, NULL, NULL, 0, "01949FCC-7D92-7E9C-AAAA-BBBBBBBBBBBB"};
    o.metadata = &md;
    rt_writer *w;
    assert_int_equal(rt_writer_open(&w, tu_join(dir, "a.ct"), &o), RT_EINVAL);
    assert_non_null(strstr(err, "UUIDv7"));
    md.recording_id = "01949fcc-7d92-7e9c-aaaa-bbbbbbbbbbbb";
    /* meta.dat's strings must be UTF-8: the debugger refuses it otherwise */
    md.workdir = "/home/u\xff";
    assert_int_equal(rt_writer_open(&w, tu_join(dir, "a.ct"), &o), RT_EUTF8);
    assert_non_null(strstr(err, "workdir"));
    md.workdir = NULL;
    char *bad_args[] = {"ok", "\xc3("};
    md.args = bad_args;
    md.nargs = 2;
    assert_int_equal(rt_writer_open(&w, tu_join(dir, "a.ct"), &o), RT_EUTF8);
    md.args = NULL;
    md.nargs = 0;
    assert_int_equal(rt_writer_open(&w, tu_join(dir, "a.ct"), &o), RT_OK);
    rt_writer_free(w);
    rt_ct_info ci;
    assert_int_equal(rt_ct_inspect(tu_join(dir, "a.ct"), &ci, NULL, 0), RT_OK);
    assert_string_equal(ci.recording_id, md.recording_id);
    rt_ct_info_clear(&ci);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(rt_writer_open_fd(&w, fds[1], &o), RT_EUNSUPPORTED);
    close(fds[0]);
    close(fds[1]);
    rt_format f;
    assert_int_equal(rt_format_parse("ct", &f), RT_OK);
    assert_int_equal(f, RT_FORMAT_CT);
    assert_string_equal(rt_format_name(RT_FORMAT_CT), "ct");
    assert_string_equal(rt_format_events_file(RT_FORMAT_CT), "trace.ct");
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_variant),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_v019_fixtures),
        cmocka_unit_test(test_container_variants),
        cmocka_unit_test(test_large_member),
        cmocka_unit_test(test_cut_everywhere),
        cmocka_unit_test(test_tracer),
        cmocka_unit_test(test_tracer_non_utf8_cwd),
        cmocka_unit_test(test_writer_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
