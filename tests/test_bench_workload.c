/* The benchmark records exactly the workload of BENCH.md: the test records
 * that workload itself through the ordinary API (BENCH.md: the first 1,000
 * API calls give 1,378 events) and rt-bench must write the same bytes, in
 * every mode and API form. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALLS 1000

static const char *const paths[3] = {"/home/user/project/src/main.rs",
                                     "/home/user/project/src/lib.rs",
                                     "/home/user/project/src/util.rs"};

/* BENCH.md, written out as plainly as possible. */
static void record_workload(rt_tracer *t, unsigned calls)
{
    rt_type_id tint, tstr;
    assert_int_equal(rt_start(t, paths[0], 1), RT_OK);
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_INT, "i64", &tint), RT_OK);
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_STRING, "String", &tstr), RT_OK);
    for (uint64_t g = 0; 10 * g < calls; g++) {
        const char *p = paths[g % 3];
        rt_line line[6];
        for (int k = 0; k < 6; k++)
            line[k] = (rt_line)((7 * g + (uint64_t)k) % 400 + 1);
        char name[64], name2[64], text[64];
        assert_int_equal(rt_register_step(t, p, line[0]), RT_OK);
        assert_int_equal(rt_register_step(t, p, line[1]), RT_OK);
        unsigned f = (unsigned)(13 * g % 50);
        const char *fp = paths[f % 3];
        snprintf(name, sizeof name, "module::function_%u", f);
        rt_function_id fid;
        assert_int_equal(rt_ensure_function_id(t, name, fp, (rt_line)(10 * f + 1), &fid), RT_OK);
        rt_full_value args[2];
        snprintf(name, sizeof name, "variable_%u", (unsigned)(g % 20));
        snprintf(name2, sizeof name2, "variable_%u", (unsigned)((g + 1) % 20));
        assert_int_equal(rt_arg(t, name, rt_value_int((int64_t)g, tint), &args[0]), RT_OK);
        assert_int_equal(rt_arg(t, name2, rt_value_int(-3 * (int64_t)g, tint), &args[1]), RT_OK);
        assert_int_equal(rt_register_call(t, fid, args, 2), RT_OK);
        assert_int_equal(rt_register_step(t, fp, line[2]), RT_OK);
        assert_int_equal(rt_register_step(t, fp, line[3]), RT_OK);
        snprintf(name, sizeof name, "variable_%u", (unsigned)((3 * g + 2) % 20));
        int64_t wrapped = (int64_t)(g * UINT64_C(2654435761));
        assert_int_equal(rt_register_variable_with_full_value(t, name, rt_value_int(wrapped, tint)),
                         RT_OK);
        snprintf(name, sizeof name, "variable_%u", (unsigned)((7 * g + 5) % 20));
        snprintf(text, sizeof text, "string value #%u", (unsigned)(g % 1000));
        assert_int_equal(rt_register_variable_with_full_value(t, name, rt_value_string(text, tstr)),
                         RT_OK);
        assert_int_equal(rt_register_step(t, fp, line[4]), RT_OK);
        assert_int_equal(rt_register_step(t, p, line[5]), RT_OK);
        assert_int_equal(rt_register_return(t, rt_value_int(2 * (int64_t)g, tint)), RT_OK);
    }
}

/* Records the workload into dir/expected.<ext> through the API; the path
 * goes to out (tu_join's buffers rotate). */
static const char *record_expected(const char *dir, rt_format format, char *out, size_t cap)
{
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    o.format = format;
    const char *args[] = {"--bench"};
    rt_tracer *t = NULL;
    assert_int_equal(rt_tracer_new(&t, "bench_program", args, 1, &o), RT_OK);
    snprintf(out, cap, "%s/%s", dir, format == RT_FORMAT_JSON ? "expected.json" : "expected.bin");
    int rc = rt_begin_writing_trace_events(t, out, RT_FORMAT_DEFAULT);
    assert_int_equal(rc, RT_OK);
    record_workload(t, CALLS);
    assert_int_equal(rt_tracer_event_count(t), 1378);
    rc = rt_finish_writing_trace_events(t);
    rt_tracer_free(t);
    if (rc == RT_EUNSUPPORTED)
        return NULL;
    assert_int_equal(rc, RT_OK);
    return out;
}

static void check_bench(const char *dir, const char *expected, const char *format,
                        const char *flags)
{
    const char *out = tu_join(dir, "bench.out");
    const char *log = tu_join(dir, "bench.log");
    int st = tu_run("'%s/rt-bench' --calls %d --format %s %s --out '%s' > '%s'", RT_BIN_DIR, CALLS,
                    format, flags, out, log);
    assert_int_equal(st, 0);
    tu_assert_same_file(out, expected);
    /* Its last line reports the same counts. */
    size_t n;
    char *text = tu_read_file(log, &n);
    assert_non_null(text);
    char want[128];
    snprintf(want, sizeof want, "format=%s mode=%s calls=%d events=1378 ", format,
             strstr(flags, "--streaming") ? "streaming" : "buffered", CALLS);
    char *last = strstr(text, "RESULT ");
    assert_non_null(last);
    assert_non_null(strstr(last, want));
    free(text);
}

static void test_event_count(void **state)
{
    (void)state;
    rt_tracer *t = NULL;
    assert_int_equal(rt_tracer_new(&t, "bench_program", NULL, 0, NULL), RT_OK);
    record_workload(t, CALLS);
    assert_int_equal(rt_tracer_event_count(t), 1378);
    /* 10 calls more are one more iteration: 13 events, every name known. */
    rt_tracer_free(t);
    assert_int_equal(rt_tracer_new(&t, "bench_program", NULL, 0, NULL), RT_OK);
    record_workload(t, CALLS + 10);
    assert_int_equal(rt_tracer_event_count(t), 1378 + 13);
    rt_tracer_free(t);
}

static void check_format(rt_format format)
{
    const char *dir = tu_tmpdir();
    char path[4096];
    const char *expected = record_expected(dir, format, path, sizeof path);
    if (!expected) {
        /* This build has no encoder for the format yet. */
        tu_rmtree(dir);
        skip();
    }
    const char *name = rt_format_name(format);
    check_bench(dir, expected, name, "");
    check_bench(dir, expected, name, "--streaming");
    check_bench(dir, expected, name, "--ids");
    check_bench(dir, expected, name, "--streaming --ids");
    check_bench(dir, expected, name, "--phase");
    tu_rmtree(dir);
}

static void test_json(void **state)
{
    (void)state;
    check_format(RT_FORMAT_JSON);
}

static void test_v0(void **state)
{
    (void)state;
    check_format(RT_FORMAT_V0);
}

static void test_v1(void **state)
{
    (void)state;
    check_format(RT_FORMAT_V1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_count),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_v0),
        cmocka_unit_test(test_v1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
