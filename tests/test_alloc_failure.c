/* Allocation failure: fail the k-th allocation, for every k, along a full
 * record-and-write and a full read. Each run must report an error (never
 * crash), leak nothing, and keep what was recorded before the failure. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "reader/tracedir_read.h"
#include "zstd/v1_inspect.h"

typedef struct counting_alloc {
    long calls;     /* allocations so far */
    long fail_at;   /* fail this allocation (1-based); 0: never */
    long live;      /* blocks not freed */
    long failures;
} counting_alloc;

static void *ca_alloc(void *ctx, size_t n)
{
    counting_alloc *c = ctx;
    if (++c->calls == c->fail_at) {
        c->failures++;
        return NULL;
    }
    void *p = malloc(n);
    if (p)
        c->live++;
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
    if (q && !p)
        c->live++;
    return q;
}

static void ca_free(void *ctx, void *p, size_t n)
{
    counting_alloc *c = ctx;
    (void)n;
    if (p) {
        c->live--;
        free(p);
    }
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_ != RT_OK)                                                                          \
            return rc_;                                                                            \
    } while (0)

/* Every helper of the API, once or more; stops at the first error. */
static int record_everything(rt_tracer *t)
{
    const char *p = "/alloc/main.c";
    TRY(rt_start(t, p, 1));
    TRY(rt_register_step(t, p, 2));
    const char *lines[] = {"mov a, b", "ret"};
    TRY(rt_register_asm(t, lines, 2));
    TRY(rt_register_special_event(t, RT_LOG_WRITE, "hello\n"));
    rt_function_id f;
    TRY(rt_ensure_function_id(t, "callee", "/alloc/other.c", 10, &f));
    rt_type_id it, st, seqt;
    TRY(rt_ensure_type_id(t, RT_TYPE_INT, "int", &it));
    TRY(rt_ensure_type_id(t, RT_TYPE_STRING, "char *", &st));
    TRY(rt_ensure_type_id(t, RT_TYPE_SEQ, "int[]", &seqt));
    rt_field_type fields[2] = {{rt_str_c("x"), it}, {rt_str_c("y"), st}};
    rt_type_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = RT_TYPE_STRUCT;
    rec.lang_type = rt_str_c("struct point");
    rec.info_kind = RT_INFO_STRUCT;
    rec.info.fields.items = fields;
    rec.info.fields.len = 2;
    rt_type_id pt;
    TRY(rt_ensure_raw_type_id(t, &rec, &pt));
    for (int i = 0; i < 300; i++) {
        rt_full_value args[2];
        TRY(rt_arg(t, "a", rt_value_int(i, it), &args[0]));
        TRY(rt_arg(t, "s", rt_value_string("text value", st), &args[1]));
        TRY(rt_register_call(t, f, args, 2));
        rt_value items[3] = {rt_value_int(1, it), rt_value_int(2, it), rt_value_int(3, it)};
        TRY(rt_register_variable_with_full_value(t, "seq", rt_value_sequence(items, 3, false, seqt)));
        /* the same value again: a repeat, or the value when it misses */
        rt_variable_id seqv;
        TRY(rt_ensure_variable_id(t, "seq", &seqv));
        int rc = rt_register_repeat_value(t, seqv);
        if (rc == RT_REPEAT_MISS)
            rc = rt_register_full_value(t, seqv, rt_value_sequence(items, 3, false, seqt));
        TRY(rc);
        rt_value pf[2] = {rt_value_int(i, it), rt_value_string("y", st)};
        rt_value point = rt_value_struct(pf, 2, pt);
        TRY(rt_register_variable_with_full_value(t, "ref", rt_value_reference(&point, 0x1000, true, pt)));
        uint8_t big[3] = {1, 2, 255};
        TRY(rt_register_return(t, rt_value_bigint(big, 3, true, it)));
        char path[32];
        snprintf(path, sizeof path, "/alloc/file%d.c", i % 40);
        TRY(rt_register_step(t, path, i));
    }
    TRY(rt_register_cell_value(t, 1, rt_value_int(1, it)));
    TRY(rt_assign_cell(t, 1, rt_value_int(2, it)));
    TRY(rt_bind_variable(t, "a", 1));
    rt_rvalue rv;
    TRY(rt_simple_rvalue(t, "s", &rv));
    TRY(rt_assign(t, "a", rv, RT_PASS_BY_REFERENCE));
    const char *drops[] = {"a", "s", "seq"};
    TRY(rt_drop_variables(t, drops, 3));
    TRY(rt_drop_last_step(t));
    return RT_OK;
}

/* A ct writer applies the DropLastStep at the end of record_everything:
 * it and the Step it cancels are not written. */
static uint64_t written_events(const rt_tracer *t, rt_format format, uint64_t recorded)
{
    const rt_event *last = recorded ? rt_tracer_event_at(t, recorded - 1) : NULL;
    bool cancelled = format == RT_FORMAT_CT && last && last->kind == RT_EVENT_DROP_LAST_STEP;
    return recorded - (cancelled ? 2 : 0);
}

static void check_written(const char *dir, rt_format format, uint64_t expected_events)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, rt_format_events_file(format));
    rt_event_list *l;
    char err[256];
    int rc = rt_event_list_load(&l, path, NULL, err, sizeof err);
    if (rc == RT_EUNSUPPORTED)
        return; /* that format's reader has not landed */
    if (rc != RT_OK)
        fail_msg("%s: %s", path, err);
    assert_int_equal(rt_event_list_len(l), expected_events);
    rt_event_list_free(l);
}

static void record_and_write_loop(rt_format format, rt_mode mode)
{
    counting_alloc c = {0, 0, 0, 0};
    rt_allocator a = {ca_alloc, ca_realloc, ca_free, &c};
    const char *dir = tu_tmpdir();
    char out[256];
    snprintf(out, sizeof out, "%s", dir);
    long k;
    for (k = 1;; k++) {
        c.calls = 0;
        c.fail_at = k;
        c.failures = 0;
        rt_tracer_options o;
        rt_tracer_options_init(&o);
        o.format = format;
        o.mode = mode;
        o.allocator = &a;
        rt_tracer *t = NULL;
        int rc = rt_tracer_new(&t, "alloc", NULL, 0, &o);
        if (rc != RT_OK) {
            assert_int_equal(rc, RT_ENOMEM);
            assert_null(t);
            assert_int_equal(c.live, 0);
            continue;
        }
        if (mode == RT_MODE_STREAMING) {
            char ev[300];
            snprintf(ev, sizeof ev, "%s/%s", out, rt_format_events_file(format));
            rc = rt_begin_writing_trace_events(t, ev, format);
        }
        if (rc == RT_OK)
            rc = record_everything(t);
        uint64_t recorded = rt_tracer_event_count(t);
        if (rc == RT_OK)
            rc = rt_tracer_write_trace_dir(t, out, RT_FORMAT_DEFAULT);
        if (rc != RT_OK) {
            assert_int_equal(c.failures, 1);
            if (rc != RT_ENOMEM)
                fail_msg("k=%ld: expected RT_ENOMEM, got %s (%s)", k, rt_status_name(rc),
                         rt_tracer_errmsg(t));
            assert_true(strlen(rt_tracer_errmsg(t)) > 0);
            /* What was recorded before the failure is kept and writes out. */
            c.fail_at = 0;
            if (mode == RT_MODE_BUFFERED) {
                assert_int_equal(rt_tracer_write_trace_dir(t, out, RT_FORMAT_DEFAULT), RT_OK);
                check_written(out, format, written_events(t, format, recorded));
            }
        }
        rt_tracer_free(t);
        if (c.live != 0)
            fail_msg("k=%ld: %ld blocks leaked", k, c.live);
        if (c.failures == 0)
            break; /* k is past the last allocation: every point was covered */
    }
    fprintf(stderr, "%s %s: %ld allocation points failed one by one\n", rt_format_name(format),
            mode == RT_MODE_BUFFERED ? "buffered" : "streaming", k - 1);
    assert_true(k > 20);
    tu_rmtree(out);
}

static void test_record_json_buffered(void **state)
{
    (void)state;
    record_and_write_loop(RT_FORMAT_JSON, RT_MODE_BUFFERED);
}

static void test_record_json_streaming(void **state)
{
    (void)state;
    record_and_write_loop(RT_FORMAT_JSON, RT_MODE_STREAMING);
}

static void test_record_binary(void **state)
{
    (void)state;
    for (rt_format f = RT_FORMAT_V0; f <= RT_FORMAT_CT; f++) {
        rt_writer *w;
        rt_writer_options wo;
        rt_writer_options_init(&wo, f);
        const char *dir = tu_tmpdir();
        int rc = rt_writer_open(&w, tu_join(dir, "probe"), &wo);
        rt_writer_free(w);
        tu_rmtree(dir);
        if (rc == RT_EUNSUPPORTED)
            continue; /* that format's writer has not landed */
        record_and_write_loop(f, RT_MODE_BUFFERED);
        record_and_write_loop(f, RT_MODE_STREAMING);
    }
}

/* A full read of one file, the k-th allocation failing for every k: the
 * events file through rt_event_list_load with the reader's allocator; the
 * small-file readers and rt_v1_inspect, which the public API runs on the
 * default allocator, through their allocator-taking internal forms. */
typedef enum read_kind { READ_EVENTS, READ_METADATA, READ_PATHS, READ_V1_INSPECT } read_kind;

static int read_once(read_kind kind, const char *path, const rt_allocator *a, size_t *items,
                     char *err, size_t err_len)
{
    int rc;
    *items = 0;
    if (kind == READ_EVENTS) {
        rt_reader_options ro = {a, false, NULL, 0};
        rt_event_list *l = NULL;
        rc = rt_event_list_load(&l, path, &ro, err, err_len);
        if (rc == RT_OK)
            *items = (size_t)rt_event_list_len(l);
        rt_event_list_free(l);
    } else if (kind == READ_METADATA) {
        rt_metadata m;
        rc = rt_metadata_read_with(path, &m, a, err, err_len);
        if (rc == RT_OK) {
            assert_non_null(m.workdir);
            assert_non_null(m.program);
            *items = m.nargs + 2;
        } else {
            assert_null(m.workdir); /* left empty on error */
        }
        rt_metadata_clear_with(&m, a);
    } else if (kind == READ_PATHS) {
        rt_path_list p;
        rc = rt_paths_read_with(path, &p, a, err, err_len);
        if (rc == RT_OK)
            *items = p.len;
        else
            assert_int_equal(p.len, 0);
        rt_path_list_clear_with(&p, a);
    } else {
        rt_v1_info info;
        rc = rt_v1_inspect_with(path, &info, a, err, err_len);
        if (rc == RT_OK)
            *items = (size_t)info.frames;
    }
    return rc;
}

static void read_loop(read_kind kind, const char *path)
{
    counting_alloc c = {0, 0, 0, 0};
    rt_allocator a = {ca_alloc, ca_realloc, ca_free, &c};
    size_t full = 0;
    long k;
    for (k = 0;; k++) {
        c.calls = 0;
        c.fail_at = k;
        c.failures = 0;
        char err[256] = "";
        size_t items;
        int rc = read_once(kind, path, &a, &items, err, sizeof err);
        if (k == 0) {
            if (rc != RT_OK)
                fail_msg("%s: %s", path, err);
            full = items;
            assert_true(full > 0);
        } else if (rc == RT_OK) {
            assert_int_equal(c.failures, 0);
            assert_int_equal(items, full);
        } else {
            if (rc != RT_ENOMEM)
                fail_msg("%s k=%ld: expected RT_ENOMEM, got %s (%s)", path, k,
                         rt_status_name(rc), err);
            if (err[0] == '\0')
                fail_msg("%s k=%ld: RT_ENOMEM without a message", path, k);
        }
        if (c.live != 0)
            fail_msg("%s k=%ld: %ld blocks leaked", path, k, c.live);
        if (k > 0 && c.failures == 0)
            break;
    }
    fprintf(stderr, "%s: %ld allocation points failed one by one\n", path, k - 1);
    assert_true(k > 2);
}

static void test_read_fixtures(void **state)
{
    (void)state;
    read_loop(READ_EVENTS, tu_fixture("values/values.json"));
    read_loop(READ_EVENTS, tu_fixture("simple/trace.json"));
    read_loop(READ_EVENTS, tu_fixture("values/values.v0.bin"));
    read_loop(READ_EVENTS, tu_fixture("values/values.v1.bin"));
    read_loop(READ_EVENTS, tu_fixture("v0.19/values-specialfloat/values-specialfloat.ct"));
    /* the 0.19 dialect: float texts, Char, thread events, every RValue */
    read_loop(READ_EVENTS, tu_fixture("v0.19/threads/json/trace.json"));
    read_loop(READ_EVENTS, tu_fixture("v0.19/threads/v0/trace.bin"));
    read_loop(READ_EVENTS, tu_fixture("v0.19/threads/v1/trace.bin"));
}

static void test_read_small_files(void **state)
{
    (void)state;
    read_loop(READ_METADATA, tu_fixture("simple/trace_metadata.json"));
    read_loop(READ_METADATA, tu_fixture("v0.19/threads/json/trace_metadata.json"));
    read_loop(READ_PATHS, tu_fixture("simple/trace_paths.json"));
    read_loop(READ_V1_INSPECT, tu_fixture("values/values.v1.bin"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_json_buffered),
        cmocka_unit_test(test_record_json_streaming),
        cmocka_unit_test(test_record_binary),
        cmocka_unit_test(test_read_fixtures),
        cmocka_unit_test(test_read_small_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
