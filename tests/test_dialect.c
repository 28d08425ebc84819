/* The 0.19 dialect (DIALECT-0.19.md): float text both ways, the golden files
 * of fixtures/v0.19/ read and written byte for byte, the 0.14 fixtures
 * converted to 0.19, and round trips of the new events and values in every
 * format and both dialects. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "cbor/cbor_decode.h"
#include "cbor/cbor_event_decode.h"
#include "common/float_text.h"
#include "model/model.h"

/* ---- float text --------------------------------------------------------- */

static void assert_display(double v, const char *want)
{
    char buf[RT_F64_DISPLAY_MAX + 1];
    size_t n = rt_f64_display(buf, v);
    assert_true(n <= RT_F64_DISPLAY_MAX);
    buf[n] = '\0';
    assert_string_equal(buf, want);
}

static char *repeat(const char *head, char ch, size_t n, const char *tail)
{
    size_t h = strlen(head), t = strlen(tail);
    char *s = malloc(h + n + t + 1);
    memcpy(s, head, h);
    memset(s + h, ch, n);
    memcpy(s + h + n, tail, t + 1);
    return s;
}

static void display_table(void **state)
{
    (void)state;
    assert_display(2.5, "2.5");
    assert_display(1.0, "1");
    assert_display(100.0, "100");
    assert_display(0.0, "0");
    assert_display(-0.0, "-0");
    assert_display(0.1 + 0.2, "0.30000000000000004");
    assert_display(1e21, "1000000000000000000000");
    assert_display(1e-7, "0.0000001");
    assert_display(-1.5e-3, "-0.0015");
    assert_display(123456.789, "123456.789");
    /* integers below 2^53 (written from their own digits), and around */
    assert_display(42.0, "42");
    assert_display(-7.0, "-7");
    assert_display(12345678.0, "12345678");
    assert_display(123456789.0, "123456789");
    assert_display(1e15, "1000000000000000");
    assert_display(9007199254740991.0, "9007199254740991");
    assert_display(9007199254740992.0, "9007199254740992");
    assert_display(4503599627370495.5, "4503599627370495.5");
    assert_display(0.5, "0.5");
    assert_display(1234567.125, "1234567.125");
    assert_display(12345678.9, "12345678.9");
    assert_display(1.2345678901234567, "1.2345678901234567");
    /* exactly halfway between two shortest candidates: Rust's Display
     * (flt2dec) rounds away from zero, Ryu (serde_json, the 0.14 dialect's
     * JSON number) to even */
    assert_display(84.315582275390625, "84.31558227539063");
    assert_display(-84.315582275390625, "-84.31558227539063");
    assert_display(10672327145.8828125, "10672327145.882813");
    assert_display(913432.69970703125, "913432.6997070313");
    {
        char dg[17];
        int k;
        int n = rt_f64_shortest(84.315582275390625, dg, &k);
        assert_int_equal(n, 16);
        assert_int_equal(k, 2);
        assert_memory_equal(dg, "8431558227539062", 16);
    }
    assert_display(NAN, "NaN");
    assert_display(-NAN, "NaN");
    assert_display(INFINITY, "inf");
    assert_display(-INFINITY, "-inf");
    char *big = repeat("1", '0', 300, "");
    assert_display(1e300, big);
    free(big);
    char *tiny = repeat("0.", '0', 323, "5");
    assert_display(5e-324, tiny);
    free(tiny);
    char *max = repeat("17976931348623157", '0', 292, "");
    assert_display(1.7976931348623157e308, max);
    free(max);
    /* the longest text fits */
    char *low = repeat("-0.", '0', 307, "22250738585072014");
    assert_display(-2.2250738585072014e-308, low);
    assert_true(strlen(low) <= RT_F64_DISPLAY_MAX);
    free(low);
}

static void display_round_trips(void **state)
{
    (void)state;
    rt_arena a;
    rt_arena_init(&a, NULL, 4096);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v, back;
        memcpy(&v, &x, sizeof v);
        if (isnan(v))
            continue;
        char buf[RT_F64_DISPLAY_MAX];
        size_t n = rt_f64_display(buf, v);
        assert_int_equal(rt_f64_from_text(buf, n, &a, &back), RT_OK);
        /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
        assert_memory_equal(&v, &back, sizeof v);
        rt_arena_reset(&a);
    }
    /* Integers, exactly their digits; short decimals, round trips. */
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v = (double)(int64_t)(x >> (11 + (unsigned)(i % 50)));
        if (i & 1)
            v = -v;
        char buf[RT_F64_DISPLAY_MAX + 1], want[64];
        size_t n = rt_f64_display(buf, v);
        buf[n] = '\0';
        snprintf(want, sizeof want, "%.0f", v);
        assert_string_equal(buf, strcmp(want, "-0") == 0 ? "-0" : want);
        double d = (double)(int64_t)(x % 2000001) / 1000 - 1000, back;
        n = rt_f64_display(buf, d);
        assert_int_equal(rt_f64_from_text(buf, n, &a, &back), RT_OK);
        /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
        assert_memory_equal(&d, &back, sizeof d);
        rt_arena_reset(&a);
    }
    rt_arena_free(&a);
}

static void from_text_grammar(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        double v;
    } ok[] = {{"inf", INFINITY},   {"+inf", INFINITY},     {"-inf", -INFINITY},
              {"Infinity", INFINITY}, {"INF", INFINITY},   {"1e5", 1e5},
              {".5", 0.5},         {"+.5", 0.5},           {"5.", 5.0},
              {"-0", -0.0},        {"2.5", 2.5},           {"1E-2", 0.01},
              {"1e400", INFINITY}, {"1e-400", 0.0},        {"00012", 12.0}};
    static const char *const bad[] = {"", " 1", "1 ", "0x10", "1_0", ".", "e5", "1e", "+",
                                      "--1", "in", "nana", "1.2.3", "1e+"};
    rt_arena a;
    rt_arena_init(&a, NULL, 4096);
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        double v = 0;
        assert_int_equal(rt_f64_from_text(ok[i].s, strlen(ok[i].s), &a, &v), RT_OK);
        assert_true(v == ok[i].v && signbit(v) == signbit(ok[i].v));
    }
    double v;
    assert_int_equal(rt_f64_from_text("nan", 3, &a, &v), RT_OK);
    assert_true(isnan(v));
    assert_int_equal(rt_f64_from_text("-NaN", 4, &a, &v), RT_OK);
    assert_true(isnan(v));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rt_f64_from_text(bad[i], strlen(bad[i]), &a, &v), RT_EFORMAT);
    /* a long text: 0.(2000 zeros)1 */
    char *s = repeat("0.", '0', 2000, "1");
    assert_int_equal(rt_f64_from_text(s, strlen(s), &a, &v), RT_OK);
    assert_true(v == 0.0);
    free(s);
    rt_arena_free(&a);
}

/* ---- conversions through the public API --------------------------------- */

/* A writer of path in format and dialect (the test fails when it cannot). */
static rt_writer *open_writer(const char *path, rt_format format, rt_dialect dialect)
{
    rt_writer_options wo;
    rt_writer_options_init(&wo, format);
    wo.dialect = dialect;
    rt_writer *w = NULL;
    assert_int_equal(rt_writer_open(&w, path, &wo), RT_OK);
    return w;
}

/* Reads in (any format) and writes out in format and dialect. */
static void convert(const char *in, const char *out, rt_format format, rt_dialect dialect)
{
    rt_reader *r = NULL;
    char err[512] = "";
    rt_reader_options ro;
    rt_reader_options_init(&ro);
    ro.errbuf = err;
    ro.errbuf_len = sizeof err;
    int rc = rt_reader_open(&r, in, &ro);
    if (rc)
        fail_msg("%s: %s", in, err);
    rt_writer *w = open_writer(out, format, dialect);
    const rt_event *e;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
        if ((rc = rt_writer_write(w, e)))
            fail_msg("%s: %s", in, rt_writer_errmsg(w));
    if (rc != RT_READ_END)
        fail_msg("%s: %s", in, rt_reader_errmsg(r));
    assert_int_equal(rt_writer_finish(w), RT_OK);
    rt_writer_free(w);
    rt_reader_free(r);
}

static const char *v19(const char *rel)
{
    static char buf[4][512];
    static int k;
    char *b = buf[k++ & 3];
    snprintf(b, sizeof buf[0], "v0.19/%s", rel);
    return tu_fixture(b);
}

/* An events file and the JSON of fixtures/v0.19/ that it converts to. */
typedef struct golden {
    const char *in, *want;
} golden;

/* Converts each input (in fixtures/v0.19/ when in_v19, else in fixtures/)
 * to JSON of the 0.19 dialect and compares the bytes. */
static void convert_all(const golden *cases, size_t n, bool in_v19)
{
    const char *dir = tu_tmpdir();
    for (size_t i = 0; i < n; i++) {
        const char *out = tu_join(dir, "out.json");
        convert(in_v19 ? v19(cases[i].in) : tu_fixture(cases[i].in), out, RT_FORMAT_JSON,
                RT_DIALECT_0_19);
        tu_assert_same_file(out, v19(cases[i].want));
    }
    tu_rmtree(dir);
}

/* Every events file of fixtures/v0.19/ reads back to the JSON beside it. */
static void golden_v019_read(void **state)
{
    (void)state;
    static const golden cases[] = {
        {"tutorial/json/trace.json", "tutorial/json/trace.json"},
        {"tutorial/v0/trace.bin", "tutorial/json/trace.json"},
        {"tutorial/v1/trace.bin", "tutorial/json/trace.json"},
        {"simple/json/trace.json", "simple/json/trace.json"},
        {"simple/v0/trace.bin", "simple/json/trace.json"},
        {"simple/v1/trace.bin", "simple/json/trace.json"},
        {"threads/json/trace.json", "threads/json/trace.json"},
        {"threads/json/trace-short.json", "threads/json/trace-short.json"},
        {"threads/v1/trace.bin", "threads/json/trace-short.json"},
        {"values-specialfloat/values-specialfloat.json", "values-specialfloat/values-specialfloat.json"},
        {"values-specialfloat/values-specialfloat.v0.bin", "values-specialfloat/values-specialfloat.json"},
        {"values-specialfloat/values-specialfloat.v1.bin", "values-specialfloat/values-specialfloat.json"},
    };
    convert_all(cases, sizeof cases / sizeof cases[0], true);
}

/* The same through the tool: cat --dialect 0.19 prints the JSON file beside
 * each events file, plus a newline; without the option the output follows
 * the input (all of these need 0.19 but the tutorial). */
static void golden_v019_cat(void **state)
{
    (void)state;
    static const struct {
        const char *in, *json;
        bool auto_0_19;
    } cases[] = {
        {"tutorial/v0/trace.bin", "tutorial/json/trace.json", false},
        {"tutorial/v1/trace.bin", "tutorial/json/trace.json", false},
        {"simple/v0", "simple/json/trace.json", true},
        {"simple/v1/trace.bin", "simple/json/trace.json", true},
        {"threads/json/trace.json", "threads/json/trace.json", true},
        {"threads/v1/trace.bin", "threads/json/trace-short.json", true},
        {"values-specialfloat/values-specialfloat.v0.bin", "values-specialfloat/values-specialfloat.json", false},
        {"values-specialfloat/values-specialfloat.v1.bin", "values-specialfloat/values-specialfloat.json", true},
    };
    const char *dir = tu_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int opt = 0; opt < 2; opt++) {
            if (opt && !cases[i].auto_0_19)
                continue;
            const char *out = tu_join(dir, "out.json");
            assert_int_equal(tu_run("%s/runtime-tracing cat %s '%s' > '%s'", RT_BIN_DIR,
                                    opt ? "" : "--dialect 0.19", v19(cases[i].in), out),
                             0);
            size_t n;
            char *want = tu_read_file(v19(cases[i].json), &n);
            assert_non_null(want);
            want = realloc(want, n + 1);
            want[n] = '\n';
            tu_assert_file_equals(out, want, n + 1);
            free(want);
        }
    }
    tu_rmtree(dir);
}

/* Replaces every `from` in s (NUL-terminated, owned) by `to`, same length
 * or shorter. */
static void replace_all(char *s, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to);
    assert_true(nt <= nf);
    char *r = s, *w = s;
    while (*r) {
        if (!strncmp(r, from, nf)) {
            memcpy(w, to, nt);
            w += nt;
            r += nf;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

/* v0 has no Char: the threads v0 reads back with Raw in its place, and so
 * does the 0.14 dialect write it. */
static void golden_v019_chars_as_raw(void **state)
{
    (void)state;
    size_t n;
    char *want = tu_read_file(v19("threads/json/trace.json"), &n);
    assert_non_null(want);
    replace_all(want, "{\"kind\":\"Char\",\"c\":", "{\"kind\":\"Raw\",\"r\":");
    const char *dir = tu_tmpdir();
    const char *out = tu_join(dir, "out.json");
    convert(v19("threads/v0/trace.bin"), out, RT_FORMAT_JSON, RT_DIALECT_0_19);
    tu_assert_file_equals(out, want, strlen(want));
    tu_rmtree(dir);
    free(want);
}

/* convert --to json --dialect 0.19 of the 0.14 fixtures gives the 0.19
 * crates' bytes. */
static void golden_014_to_019(void **state)
{
    (void)state;
    static const golden cases[] = {
        {"tutorial/trace.json", "tutorial/json/trace.json"},
        {"tutorial/trace.v0.bin", "tutorial/json/trace.json"},
        {"tutorial/trace.v1.bin", "tutorial/json/trace.json"},
        {"simple/trace.json", "simple/json/trace.json"},
        {"simple/trace.v0.bin", "simple/json/trace.json"},
        {"values/values-specialfloat.v0.bin", "values-specialfloat/values-specialfloat.json"},
        {"values/values-specialfloat.v1.bin", "values-specialfloat/values-specialfloat.json"},
    };
    convert_all(cases, sizeof cases / sizeof cases[0], false);
}

/* The 0.19 fixtures written back as v0 and v1 of the 0.19 dialect read back
 * equal (v0: Char as Raw). */
static void v019_binary_round_trip(void **state)
{
    (void)state;
    static const char *const inputs[] = {"threads/json/trace.json", "simple/json/trace.json",
                                         "values-specialfloat/values-specialfloat.json"};
    const char *dir = tu_tmpdir();
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        for (int f = RT_FORMAT_V0; f <= RT_FORMAT_V1; f++) {
            const char *bin = tu_join(dir, "out.bin");
            convert(v19(inputs[i]), bin, (rt_format)f, RT_DIALECT_0_19);
            rt_event_list *a = NULL, *b = NULL;
            assert_int_equal(rt_event_list_load(&a, v19(inputs[i]), NULL, NULL, 0), RT_OK);
            assert_int_equal(rt_event_list_load(&b, bin, NULL, NULL, 0), RT_OK);
            assert_int_equal(rt_event_list_len(a), rt_event_list_len(b));
            for (size_t k = 0; k < rt_event_list_len(a); k++) {
                const rt_event *x = rt_event_list_at(a, k), *y = rt_event_list_at(b, k);
                bool same = f == RT_FORMAT_V0 ? rt_event_equal_raw_chars(x, y) : rt_event_equal(x, y);
                if (!same)
                    fail_msg("%s as %s: event %zu differs", inputs[i], rt_format_name((rt_format)f), k);
            }
            rt_event_list_free(a);
            rt_event_list_free(b);
        }
    }
    tu_rmtree(dir);
}

/* v0 of the 0.19 dialect: `capnp decode` with docs/trace-0.19.capnp prints
 * the same text for what we write and what the 0.19 crates wrote (the
 * 16-byte RValue, thread events, Char as Raw). */
static void v019_v0_capnp_decode(void **state)
{
    (void)state;
    static const char *const sets[] = {"threads", "simple", "tutorial"};
    const char *dir = tu_tmpdir();
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "%s/v0/trace.bin", sets[i]);
        const char *ours = tu_join(dir, "trace.bin");
        convert(v19(rel), ours, RT_FORMAT_V0, RT_DIALECT_0_19);
        const char *a = tu_join(dir, "theirs.txt"), *b = tu_join(dir, "ours.txt");
        const char *cmd = "tail -c +9 '%s' | capnp decode --packed '%s/docs/trace-0.19.capnp' Trace > '%s'";
        assert_int_equal(tu_run(cmd, v19(rel), RT_SOURCE_DIR, a), 0);
        assert_int_equal(tu_run(cmd, ours, RT_SOURCE_DIR, b), 0);
        tu_assert_same_file(b, a);
    }
    tu_rmtree(dir);
}

/* ---- the new events and values, every format, both dialects -------------- */

static size_t new_events(rt_event *ev, rt_value *vals)
{
    static const rt_variable_id ids[2] = {1, 2};
    size_t n = 0;
    memset(ev, 0, 16 * sizeof *ev);
    ev[n].kind = RT_EVENT_THREAD_START, ev[n++].u.thread_id = 1;
    ev[n].kind = RT_EVENT_THREAD_SWITCH, ev[n++].u.thread_id = UINT64_MAX;
    ev[n].kind = RT_EVENT_THREAD_EXIT, ev[n++].u.thread_id = 0;
    vals[0] = rt_value_char('x', 2);
    vals[1] = rt_value_char(0x1F980, 2);
    vals[2] = rt_value_float(1e300, 1);
    vals[3] = rt_value_float(5e-324, 1);
    vals[4] = rt_value_float(-0.0, 1);
    vals[5] = rt_value_sequence(vals, 4, false, 3);
    for (int i = 0; i < 6; i++) {
        ev[n].kind = RT_EVENT_VALUE;
        ev[n].u.value.variable_id = (rt_variable_id)i;
        ev[n++].u.value.value = vals[i];
    }
    ev[n].kind = RT_EVENT_EVENT;
    ev[n].u.event.kind = RT_LOG_WRITE;
    ev[n].u.event.metadata = rt_str_c("meta");
    ev[n++].u.event.content = rt_str_c("out");
    rt_rvalue rv[6];
    memset(rv, 0, sizeof rv);
    rv[0].kind = RT_RVALUE_SIMPLE, rv[0].simple = 3;
    rv[1].kind = RT_RVALUE_COMPOUND, rv[1].ids = ids, rv[1].len = 2;
    rv[2].kind = RT_RVALUE_LITERAL;
    rv[3].kind = RT_RVALUE_FIELD_ACCESS, rv[3].simple = 1, rv[3].field = rt_str_c("len");
    rv[4].kind = RT_RVALUE_INDEX_ACCESS, rv[4].simple = 1, rv[4].index = -3;
    rv[5].kind = RT_RVALUE_FUNCTION_RETURN, rv[5].call_key = 5;
    for (int i = 0; i < 6; i++) {
        ev[n].kind = RT_EVENT_ASSIGNMENT;
        ev[n].u.assignment.to = 4;
        ev[n].u.assignment.pass_by = i == 1 ? RT_PASS_BY_REFERENCE : RT_PASS_BY_VALUE;
        ev[n++].u.assignment.from = rv[i];
    }
    return n;
}

static void new_events_round_trip(void **state)
{
    (void)state;
    rt_event ev[16];
    rt_value vals[6];
    size_t n = new_events(ev, vals);
    const char *dir = tu_tmpdir();
    for (int d = RT_DIALECT_0_14; d <= RT_DIALECT_0_19; d++) {
        for (int f = RT_FORMAT_JSON; f <= RT_FORMAT_V1; f++) {
            const char *path = tu_join(dir, "events");
            rt_writer *w = open_writer(path, (rt_format)f, (rt_dialect)d);
            size_t written = 0;
            for (size_t i = 0; i < n; i++) {
                int rc = rt_writer_write(w, &ev[i]);
                /* 0.14's v0 RValue holds only Simple and Compound. */
                bool narrow = f == RT_FORMAT_V0 && d == RT_DIALECT_0_14 &&
                              ev[i].kind == RT_EVENT_ASSIGNMENT &&
                              ev[i].u.assignment.from.kind > RT_RVALUE_COMPOUND;
                assert_int_equal(rc, narrow ? RT_EUNSUPPORTED : RT_OK);
                if (narrow)
                    assert_non_null(strstr(rt_writer_errmsg(w), "0.19"));
                written += rc == RT_OK;
            }
            assert_int_equal(rt_writer_finish(w), RT_OK);
            rt_writer_free(w);
            rt_event_list *l = NULL;
            assert_int_equal(rt_event_list_load(&l, path, NULL, NULL, 0), RT_OK);
            assert_int_equal(rt_event_list_len(l), written);
            bool raw_chars = f == RT_FORMAT_V0 || d == RT_DIALECT_0_14;
            for (size_t i = 0, k = 0; i < n; i++) {
                if (f == RT_FORMAT_V0 && d == RT_DIALECT_0_14 && ev[i].kind == RT_EVENT_ASSIGNMENT &&
                    ev[i].u.assignment.from.kind > RT_RVALUE_COMPOUND)
                    continue;
                const rt_event *got = rt_event_list_at(l, k++);
                bool same = raw_chars ? rt_event_equal_raw_chars(&ev[i], got)
                                      : rt_event_equal(&ev[i], got);
                /* 0.14 JSON has no NaN/inf and no text: a null or a number */
                if (!same)
                    fail_msg("%s, dialect %s: event %zu (%s) differs", rt_format_name((rt_format)f),
                             rt_dialect_name((rt_dialect)d), i, rt_event_kind_name(ev[i].kind));
            }
            rt_event_list_free(l);
        }
    }
    tu_rmtree(dir);
}

/* A float text over 255 bytes is one definite-length CBOR text, read back. */
static void v1_long_float_text(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "trace.bin");
    rt_writer *w = open_writer(path, RT_FORMAT_V1, RT_DIALECT_0_19);
    static const double fs[] = {1e300, -1e300, 5e-324, -2.2250738585072014e-308,
                                1.7976931348623157e308};
    rt_event e;
    memset(&e, 0, sizeof e);
    e.kind = RT_EVENT_RETURN;
    for (size_t i = 0; i < 5; i++) {
        e.u.return_value = rt_value_float(fs[i], 1);
        assert_int_equal(rt_writer_write(w, &e), RT_OK);
    }
    assert_int_equal(rt_writer_finish(w), RT_OK);
    rt_writer_free(w);
    rt_event_list *l = NULL;
    assert_int_equal(rt_event_list_load(&l, path, NULL, NULL, 0), RT_OK);
    assert_int_equal(rt_event_list_len(l), 5);
    for (size_t i = 0; i < 5; i++) {
        double got = rt_event_list_at(l, i)->u.return_value.u.f;
        assert_memory_equal(&got, &fs[i], sizeof got);
    }
    rt_event_list_free(l);
    tu_rmtree(dir);
}

/* The 0.19 CBOR writer spells a float text over 255 bytes as an
 * indefinite-length text (its own reader refuses it): read it, and ask for
 * more bytes when it is cut. */
static void cbor_indefinite_float_text(void **state)
{
    (void)state;
    static const double fs[] = {1e300, 5e-324};
    for (size_t i = 0; i < 2; i++) {
        char text[RT_F64_DISPLAY_MAX];
        size_t n = rt_f64_display(text, fs[i]);
        assert_true(n > 255);
        unsigned char item[512];
        size_t len = 0;
        static const unsigned char head[] = {0xA1, 0x66, 'R', 'e', 't', 'u', 'r', 'n', 0xA1,
                                             0x6C, 'r', 'e', 't', 'u', 'r', 'n', '_', 'v',
                                             'a', 'l', 'u', 'e', 0xA3, 0x64, 'k', 'i', 'n',
                                             'd', 0x65, 'F', 'l', 'o', 'a', 't', 0x61, 'f', 0x7F};
        memcpy(item, head, sizeof head);
        len = sizeof head;
        for (size_t k = 0; k < n; k += 255) { /* chunks of 255, then the rest */
            size_t m = n - k < 255 ? n - k : 255;
            item[len++] = 0x78;
            item[len++] = (unsigned char)m;
            memcpy(item + len, text + k, m);
            len += m;
        }
        static const unsigned char tail[] = {0xFF, 0x67, 't', 'y', 'p', 'e', '_', 'i', 'd', 0x01};
        memcpy(item + len, tail, sizeof tail);
        len += sizeof tail;
        rt_arena a;
        rt_arena_init(&a, NULL, 4096);
        rt_err err;
        memset(&err, 0, sizeof err);
        for (size_t cut = 1; cut <= len; cut++) {
            cbor_dec d = {item, item, item + cut, 0, &err, "test", 0, 0, 0};
            rt_event e;
            int rc = rt_cbor_decode_event(&d, &a, &e);
            if (cut < len) {
                assert_int_equal(rc, CBOR_NEED);
            } else {
                assert_int_equal(rc, RT_OK);
                assert_ptr_equal(d.p, item + len);
                assert_int_equal(e.kind, RT_EVENT_RETURN);
                assert_int_equal(e.u.return_value.kind, RT_VALUE_FLOAT);
                assert_int_equal(e.u.return_value.type_id, 1);
                assert_memory_equal(&e.u.return_value.u.f, &fs[i], sizeof fs[i]);
                assert_true(d.spelling & RT_SPELLING_FLOAT_TEXT);
            }
            rt_arena_reset(&a);
        }
        rt_arena_free(&a);
    }
}

/* ---- what the reader notes about spellings ------------------------------- */

/* Reads like the CLI's first pass: until the dialect is decided. Returns the
 * events read. */
static uint64_t read_until_decided(rt_reader *r)
{
    const rt_event *e;
    while (!rt_reader_dialect_decided(r) && rt_reader_next(r, &e) == RT_READ_EVENT)
        ;
    return rt_reader_event_index(r);
}

/* A file with a float as its 3rd event and a long float-free tail is
 * decided at that event, in each format that spells floats differently;
 * v0 (Float64 in both) and a float-free file are read to the end. */
static void dialect_decided_early(void **state)
{
    (void)state;
    enum { TAIL = 20000 };
    const char *dir = tu_tmpdir();
    for (int d = RT_DIALECT_0_14; d <= RT_DIALECT_0_19; d++) {
        for (int f = RT_FORMAT_JSON; f <= RT_FORMAT_V1; f++) {
            for (int with_float = 0; with_float <= 1; with_float++) {
                const char *path = tu_join(dir, "events");
                rt_writer *w = open_writer(path, (rt_format)f, (rt_dialect)d);
                rt_event e;
                memset(&e, 0, sizeof e);
                e.kind = RT_EVENT_PATH;
                e.u.path = rt_str_c("/a.lua");
                assert_int_equal(rt_writer_write(w, &e), RT_OK);
                e.kind = RT_EVENT_VALUE;
                e.u.value.value = rt_value_int(7, 0);
                assert_int_equal(rt_writer_write(w, &e), RT_OK);
                e.u.value.value = with_float ? rt_value_float(0.5, 1) : rt_value_bool(true, 1);
                assert_int_equal(rt_writer_write(w, &e), RT_OK);
                memset(&e, 0, sizeof e);
                e.kind = RT_EVENT_STEP;
                for (int i = 0; i < TAIL; i++) {
                    e.u.step.line = i;
                    assert_int_equal(rt_writer_write(w, &e), RT_OK);
                }
                assert_int_equal(rt_writer_finish(w), RT_OK);
                rt_writer_free(w);

                rt_reader *r = NULL;
                assert_int_equal(rt_reader_open(&r, path, NULL), RT_OK);
                uint64_t n = read_until_decided(r);
                bool decides = with_float && f != RT_FORMAT_V0;
                assert_int_equal(rt_reader_dialect_decided(r), decides);
                assert_int_equal(n, decides ? 3 : 3 + TAIL);
                rt_dialect want = decides && d == RT_DIALECT_0_19 ? RT_DIALECT_0_19 : RT_DIALECT_0_14;
                assert_int_equal(rt_reader_dialect(r), want);
                if (decides)
                    assert_int_equal(rt_reader_event_spelling(r),
                                     d == RT_DIALECT_0_19 ? RT_SPELLING_FLOAT_TEXT
                                                          : RT_SPELLING_FLOAT_NUMBER);
                rt_reader_free(r);
            }
        }
    }
    tu_rmtree(dir);
}

static unsigned spelling_of(const char *json, unsigned *seen)
{
    rt_reader *r = NULL;
    assert_int_equal(rt_reader_open_memory(&r, json, strlen(json), NULL), RT_OK);
    const rt_event *e;
    unsigned last = 0;
    int rc;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
        last = rt_reader_event_spelling(r);
    if (rc != RT_READ_END)
        fail_msg("%s: %s", json, rt_reader_errmsg(r));
    *seen = rt_reader_spelling_seen(r);
    rt_reader_free(r);
    return last;
}

/* Each spelling bit, from handmade JSON; one event's bits do not leak into
 * the next event's. */
static void spelling_bits(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        unsigned want;
    } cases[] = {
        {"[{\"Path\":\"/a\"}]", 0},
        {"[{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Float\",\"f\":0.5,\"type_id\":1}}}]",
         RT_SPELLING_FLOAT_NUMBER},
        {"[{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Float\",\"f\":null,\"type_id\":1}}}]",
         RT_SPELLING_FLOAT_NUMBER},
        {"[{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Float\",\"f\":\"0.5\",\"type_id\":1}}}]",
         RT_SPELLING_FLOAT_TEXT},
        {"[{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Char\",\"c\":\"x\",\"type_id\":1}}}]",
         RT_SPELLING_CHAR},
        {"[{\"Event\":{\"kind\":0,\"content\":\"hi\"}}]", RT_SPELLING_NO_METADATA},
        {"[{\"Event\":{\"kind\":0,\"metadata\":\"\",\"content\":\"hi\"}}]", 0},
        {"[{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Sequence\",\"elements\":[],"
         "\"type_id\":1}}}]",
         RT_SPELLING_NO_IS_SLICE},
        {"[{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Sequence\",\"elements\":[],"
         "\"is_slice\":false,\"type_id\":1}}}]",
         0},
        {"[{\"Assignment\":{\"to\":1,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Simple\",\"0\":3}}}]",
         RT_SPELLING_RVALUE_0},
        {"[{\"Assignment\":{\"to\":1,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Compound\",\"0\":[3]}}}]",
         RT_SPELLING_RVALUE_0},
        {"[{\"Assignment\":{\"to\":1,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Simple\",\"data\":3}}}]",
         0},
        {"[{\"Assignment\":{\"to\":1,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Literal\"}}}]",
         RT_SPELLING_NEW_RVALUE},
        {"[{\"Assignment\":{\"to\":1,\"pass_by\":\"Value\",\"from\":{\"kind\":\"FunctionReturn\","
         "\"0\":{\"call_key\":2}}}}]",
         RT_SPELLING_NEW_RVALUE | RT_SPELLING_RVALUE_0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned seen;
        unsigned got = spelling_of(cases[i].json, &seen);
        if (got != cases[i].want || seen != cases[i].want)
            fail_msg("%s: spelling %#x (seen %#x), want %#x", cases[i].json, got, seen,
                     cases[i].want);
        /* The same event followed by one with nothing to note. */
        char two[512];
        size_t len = strlen(cases[i].json);
        snprintf(two, sizeof two, "%.*s,{\"Path\":\"/b\"}]", (int)(len - 1), cases[i].json);
        assert_int_equal(spelling_of(two, &seen), 0);
        assert_int_equal(seen, cases[i].want);
        bool decides = cases[i].want & (RT_SPELLING_0_19 | RT_SPELLING_FLOAT_NUMBER);
        rt_reader *r = NULL;
        assert_int_equal(rt_reader_open_memory(&r, two, strlen(two), NULL), RT_OK);
        assert_int_equal(read_until_decided(r), decides ? 1 : 2);
        rt_reader_free(r);
    }
    assert_int_equal(rt_reader_event_spelling(NULL), 0);
    assert_int_equal(rt_reader_spelling_seen(NULL), 0);
    assert_false(rt_reader_dialect_decided(NULL));
}

/* ---- trace_metadata.json ------------------------------------------------ */

static void metadata_recording_id(void **state)
{
    (void)state;
    rt_metadata m;
    char err[256];
    assert_int_equal(rt_metadata_read(v19("threads/json/trace_metadata.json"), &m, err, sizeof err),
                     RT_OK);
    assert_string_equal(m.recording_id, "01a23ee3-857a-7af3-86f1-49c2f4381316");
    assert_string_equal(m.workdir, "/home/user/example");
    assert_int_equal(m.nargs, 2);
    rt_metadata_clear(&m);

    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "trace_metadata.json");
    FILE *f = fopen(path, "w");
    fputs("{\"program\":\"p\",\"args\":[]}", f);
    fclose(f);
    assert_int_equal(rt_metadata_read(path, &m, err, sizeof err), RT_OK); /* no workdir */
    assert_null(m.workdir);
    assert_null(m.recording_id);
    rt_metadata_clear(&m);

    static const char *const args[] = {"--threads", "2"};
    for (int d = RT_DIALECT_0_14; d <= RT_DIALECT_0_19; d++) {
        rt_tracer_options o;
        rt_tracer_options_init(&o);
        o.dialect = (rt_dialect)d;
        rt_tracer *t = NULL;
        assert_int_equal(rt_tracer_new(&t, "threads_program", args, 2, &o), RT_OK);
        assert_int_equal(rt_tracer_set_workdir(t, "/home/user/example"), RT_OK);
        assert_int_equal(rt_tracer_set_recording_id(t, "01A23EE3-857A-7AF3-86F1-49C2F4381316"),
                         RT_EINVAL);
        assert_int_equal(rt_tracer_set_recording_id(t, "01a23ee3-857a-4af3-86f1-49c2f4381316"),
                         RT_EINVAL); /* a v4 */
        assert_int_equal(rt_tracer_set_recording_id(t, NULL), RT_EINVAL);
        if (d == RT_DIALECT_0_19)
            assert_int_equal(rt_tracer_set_recording_id(t, "01a23ee3-857a-7af3-86f1-49c2f4381316"),
                             RT_OK);
        assert_int_equal(rt_begin_writing_trace_metadata(t, path), RT_OK);
        assert_int_equal(rt_finish_writing_trace_metadata(t), RT_OK);
        const char *want = d == RT_DIALECT_0_19 ? v19("threads/json/trace_metadata.json") : NULL;
        if (want) {
            tu_assert_same_file(path, want);
        } else {
            static const char old[] =
                "{\"workdir\":\"/home/user/example\",\"program\":\"threads_program\","
                "\"args\":[\"--threads\",\"2\"]}";
            tu_assert_file_equals(path, old, sizeof old - 1);
            /* minted on demand, then kept */
            const char *id = rt_tracer_recording_id(t);
            assert_non_null(id);
            assert_int_equal(strlen(id), 36);
            assert_ptr_equal(rt_tracer_recording_id(t), id);
            assert_string_equal(rt_tracer_recording_id(t), id);
        }
        rt_tracer_free(t);
    }
    /* a minted id is what 0.19 metadata carries */
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    o.dialect = RT_DIALECT_0_19;
    rt_tracer *t = NULL;
    assert_int_equal(rt_tracer_new(&t, "p", NULL, 0, &o), RT_OK);
    assert_int_equal(rt_begin_writing_trace_metadata(t, path), RT_OK);
    assert_int_equal(rt_finish_writing_trace_metadata(t), RT_OK);
    assert_int_equal(rt_metadata_read(path, &m, err, sizeof err), RT_OK);
    assert_string_equal(m.recording_id, rt_tracer_recording_id(t));
    rt_metadata_clear(&m);
    rt_tracer_free(t);
    tu_rmtree(dir);
}

/* The tracer's thread and special-event calls, in every format and both
 * dialects; a bad Char or dialect is refused. */
static void tracer_new_calls(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    for (int d = RT_DIALECT_0_14; d <= RT_DIALECT_0_19; d++) {
        for (int f = RT_FORMAT_JSON; f <= RT_FORMAT_V1; f++) {
            rt_tracer_options o;
            rt_tracer_options_init(&o);
            o.dialect = (rt_dialect)d;
            o.format = (rt_format)f;
            rt_tracer *t = NULL;
            assert_int_equal(rt_tracer_new(&t, "p", NULL, 0, &o), RT_OK);
            assert_int_equal(rt_start(t, "/a.rs", 1), RT_OK);
            assert_int_equal(rt_register_thread_start(t, 7), RT_OK);
            assert_int_equal(rt_register_thread_switch(t, 7), RT_OK);
            assert_int_equal(rt_register_special_event_n(t, RT_LOG_WRITE, rt_str_c("m"),
                                                         rt_str_c("c")), RT_OK);
            rt_type_id ch;
            assert_int_equal(rt_ensure_type_id(t, RT_TYPE_CHAR, "char", &ch), RT_OK);
            assert_int_equal(rt_register_variable_with_full_value(t, "c", rt_value_char(0xE9, ch)),
                             RT_OK);
            assert_int_equal(rt_register_variable_with_full_value(t, "c", rt_value_char(0xD800, ch)),
                             RT_EINVAL);
            assert_int_equal(rt_register_variable_with_full_value(t, "c", rt_value_char(0x110000, ch)),
                             RT_EINVAL);
            assert_int_equal(rt_register_thread_exit(t, 7), RT_OK);
            assert_int_equal(rt_register_thread_start(NULL, 1), RT_EINVAL);
            assert_int_equal(rt_tracer_write_trace_dir(t, dir, RT_FORMAT_DEFAULT), RT_OK);
            uint64_t n = rt_tracer_event_count(t);
            rt_event_list *l = NULL;
            assert_int_equal(rt_event_list_load(&l, tu_join(dir, rt_format_events_file((rt_format)f)),
                                                NULL, NULL, 0),
                             RT_OK);
            assert_int_equal(rt_event_list_len(l), n);
            bool raw = f == RT_FORMAT_V0 || d == RT_DIALECT_0_14;
            for (uint64_t i = 0; i < n; i++) {
                const rt_event *want = rt_tracer_event_at(t, i);
                assert_true(raw ? rt_event_equal_raw_chars(want, rt_event_list_at(l, i))
                                : rt_event_equal(want, rt_event_list_at(l, i)));
            }
            const rt_event *last = rt_event_list_at(l, n - 1);
            assert_int_equal(last->kind, RT_EVENT_THREAD_EXIT);
            assert_int_equal(last->u.thread_id, 7);
            rt_event_list_free(l);
            rt_tracer_free(t);
        }
    }
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    o.dialect = (rt_dialect)7;
    rt_tracer *t = NULL;
    assert_int_equal(rt_tracer_new(&t, "p", NULL, 0, &o), RT_EINVAL);
    rt_writer_options wo;
    rt_writer_options_init(&wo, RT_FORMAT_JSON);
    wo.dialect = (rt_dialect)7;
    rt_writer *w = NULL;
    assert_int_equal(rt_writer_open(&w, tu_join(dir, "x.json"), &wo), RT_EINVAL);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(display_table),
        cmocka_unit_test(display_round_trips),
        cmocka_unit_test(from_text_grammar),
        cmocka_unit_test(golden_v019_read),
        cmocka_unit_test(golden_v019_cat),
        cmocka_unit_test(golden_v019_chars_as_raw),
        cmocka_unit_test(golden_014_to_019),
        cmocka_unit_test(v019_binary_round_trip),
        cmocka_unit_test(v019_v0_capnp_decode),
        cmocka_unit_test(new_events_round_trip),
        cmocka_unit_test(v1_long_float_text),
        cmocka_unit_test(cbor_indefinite_float_text),
        cmocka_unit_test(dialect_decided_early),
        cmocka_unit_test(spelling_bits),
        cmocka_unit_test(metadata_recording_id),
        cmocka_unit_test(tracer_new_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
