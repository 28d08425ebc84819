/* The tracer helper API: the fixtures' sequences give byte-identical files,
 * ids stay consistent, and every error path reports a code. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static rt_tracer *new_tracer(const char *program, rt_format format, rt_mode mode)
{
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    o.format = format;
    o.mode = mode;
    rt_tracer *t = NULL;
    assert_int_equal(rt_tracer_new(&t, program, NULL, 0, &o), RT_OK);
    assert_int_equal(rt_tracer_set_workdir(t, "/home/user/example"), RT_OK);
    return t;
}

static void record_tutorial(rt_tracer *t)
{
    rt_type_id i32;
    assert_int_equal(rt_start(t, "example.rs", 1), RT_OK);
    assert_int_equal(rt_register_step(t, "example.rs", 1), RT_OK);
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_INT, "i32", &i32), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "answer", rt_value_int(42, i32)), RT_OK);
    assert_int_equal(rt_register_return(t, rt_value_none(0)), RT_OK);
}

static void test_tutorial_dir(void **state)
{
    (void)state;
    rt_tracer *t = new_tracer("example_program", RT_FORMAT_JSON, RT_MODE_BUFFERED);
    record_tutorial(t);
    assert_int_equal(rt_tracer_event_count(t), 9);
    const char *dir = tu_tmpdir();
    assert_int_equal(rt_tracer_write_trace_dir(t, dir, RT_FORMAT_DEFAULT), RT_OK);
    tu_assert_same_file(tu_join(dir, "trace.json"), tu_fixture("tutorial/trace.json"));
    tu_assert_same_file(tu_join(dir, "trace_paths.json"), tu_fixture("tutorial/trace_paths.json"));
    tu_assert_same_file(tu_join(dir, "trace_metadata.json"), tu_fixture("tutorial/trace_metadata.json"));
    /* example.rs does not exist relative to the workdir: skipped, not fatal. */
    assert_int_equal(rt_tracer_skipped_sources(t), 1);
    rt_tracer_free(t);
    tu_rmtree(dir);
}

static void test_tutorial_begin_finish(void **state)
{
    (void)state;
    rt_tracer *t = new_tracer("example_program", RT_FORMAT_JSON, RT_MODE_BUFFERED);
    const char *dir = tu_tmpdir();
    const char *ev = tu_join(dir, "trace.json");
    /* Events recorded before begin are kept. */
    assert_int_equal(rt_start(t, "example.rs", 1), RT_OK);
    assert_int_equal(rt_begin_writing_trace_events(t, ev, RT_FORMAT_DEFAULT), RT_OK);
    assert_int_equal(rt_register_step(t, "example.rs", 1), RT_OK);
    rt_type_id i32;
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_INT, "i32", &i32), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "answer", rt_value_int(42, i32)), RT_OK);
    assert_int_equal(rt_register_return(t, rt_value_none(0)), RT_OK);
    assert_int_equal(rt_finish_writing_trace_events(t), RT_OK);
    assert_int_equal(rt_begin_writing_trace_metadata(t, tu_join(dir, "m.json")), RT_OK);
    assert_int_equal(rt_finish_writing_trace_metadata(t), RT_OK);
    assert_int_equal(rt_begin_writing_trace_paths(t, tu_join(dir, "p.json")), RT_OK);
    assert_int_equal(rt_finish_writing_trace_paths(t), RT_OK);
    tu_assert_same_file(ev, tu_fixture("tutorial/trace.json"));
    tu_assert_same_file(tu_join(dir, "m.json"), tu_fixture("tutorial/trace_metadata.json"));
    tu_assert_same_file(tu_join(dir, "p.json"), tu_fixture("tutorial/trace_paths.json"));
    rt_tracer_free(t);
    tu_rmtree(dir);
}

static void test_tutorial_streaming(void **state)
{
    (void)state;
    rt_tracer *t = new_tracer("example_program", RT_FORMAT_JSON, RT_MODE_STREAMING);
    const char *dir = tu_tmpdir();
    const char *ev = tu_join(dir, "trace.json");
    assert_int_equal(rt_start(t, "example.rs", 1), RT_OK);
    assert_int_equal(rt_begin_writing_trace_events(t, ev, RT_FORMAT_DEFAULT), RT_OK);
    assert_int_equal(rt_register_step(t, "example.rs", 1), RT_OK);
    rt_type_id i32;
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_INT, "i32", &i32), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "answer", rt_value_int(42, i32)), RT_OK);
    assert_int_equal(rt_register_return(t, rt_value_none(0)), RT_OK);
    /* Streaming keeps nothing in memory once the file is open. */
    assert_null(rt_tracer_event_at(t, 0));
    assert_int_equal(rt_tracer_write_trace_dir(t, dir, RT_FORMAT_DEFAULT), RT_OK);
    tu_assert_same_file(ev, tu_fixture("tutorial/trace.json"));
    tu_assert_same_file(tu_join(dir, "trace_paths.json"), tu_fixture("tutorial/trace_paths.json"));
    rt_tracer_free(t);
    tu_rmtree(dir);
}

/* The simple sequence of ../shared/fixtures/README.md. */
static void record_simple(rt_tracer *t, bool with_assign)
{
    const char *p = "/test/path.small";
    assert_int_equal(rt_start(t, p, 1), RT_OK);
    assert_int_equal(rt_register_step(t, p, 1), RT_OK);
    assert_int_equal(rt_register_step(t, p, 2), RT_OK);
    const char *asm_lines[] = {"asm0", "asm1"};
    assert_int_equal(rt_register_asm(t, asm_lines, 2), RT_OK);
    assert_int_equal(rt_register_special_event(t, RT_LOG_WRITE, "test"), RT_OK);
    assert_int_equal(rt_register_special_event(t, RT_LOG_WRITE, "test2"), RT_OK);
    assert_int_equal(rt_register_special_event(t, RT_LOG_ERROR, "testError"), RT_OK);

    rt_path_id pid;
    rt_function_id f;
    assert_int_equal(rt_ensure_path_id(t, p, &pid), RT_OK);
    assert_int_equal(pid, 0);
    assert_int_equal(rt_ensure_function_id(t, "function", p, 3, &f), RT_OK);
    assert_int_equal(f, 1);
    assert_int_equal(rt_register_step(t, p, 3), RT_OK);
    assert_int_equal(rt_drop_last_step(t), RT_OK);

    rt_full_value args[2];
    assert_int_equal(rt_arg(t, "a", rt_value_none(0), &args[0]), RT_OK);
    assert_int_equal(rt_arg(t, "b", rt_value_none(0), &args[1]), RT_OK);
    assert_int_equal(rt_register_call(t, f, args, 2), RT_OK);

    rt_type_id int_t, seq_t;
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_INT, "Int", &int_t), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "test_variable", rt_value_int(1, int_t)), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "test_variable2",
                                                          rt_value_error("not supported", 0)),
                     RT_OK);

    assert_int_equal(rt_register_cell_value(t, 0, rt_value_int(1, int_t)), RT_OK);
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_SEQ, "Vector<Int>", &seq_t), RT_OK);
    rt_value cell = rt_value_cell(0);
    assert_int_equal(rt_register_compound_value(t, 1, rt_value_sequence(&cell, 1, false, seq_t)), RT_OK);
    assert_int_equal(rt_register_variable(t, "test_variable3", 1), RT_OK);
    assert_int_equal(rt_assign_cell(t, 1, rt_value_int(2, int_t)), RT_OK);
    assert_int_equal(rt_register_cell_value(t, 2, rt_value_int(2, int_t)), RT_OK);
    assert_int_equal(rt_assign_compound_item(t, 0, 0, 2), RT_OK);

    assert_int_equal(rt_register_return(t, rt_value_none(0)), RT_OK);
    assert_int_equal(rt_drop_variable(t, "test_variable3"), RT_OK);

    assert_int_equal(rt_bind_variable(t, "variable1", 1), RT_OK);
    assert_int_equal(rt_bind_variable(t, "variable2", 2), RT_OK);
    assert_int_equal(rt_bind_variable(t, "variable3", 3), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "variable1", rt_value_int(1, int_t)), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "variable2", rt_value_int(2, int_t)), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "variable3", rt_value_int(3, int_t)), RT_OK);

    if (with_assign) {
        rt_rvalue r;
        assert_int_equal(rt_simple_rvalue(t, "variable2", &r), RT_OK);
        assert_int_equal(rt_assign(t, "variable1", r, RT_PASS_BY_VALUE), RT_OK);
        const char *names[] = {"variable2", "variable3"};
        rt_variable_id ids[2];
        assert_int_equal(rt_compound_rvalue(t, names, 2, ids, &r), RT_OK);
        assert_int_equal(rt_assign(t, "variable1", r, RT_PASS_BY_VALUE), RT_OK);
    }

    rt_type_record ptr;
    memset(&ptr, 0, sizeof ptr);
    ptr.kind = RT_TYPE_POINTER;
    ptr.lang_type = rt_str_c("MyReference<Int>");
    ptr.info_kind = RT_INFO_POINTER;
    ptr.info.dereference_type_id = int_t;
    rt_type_id ptr_t;
    assert_int_equal(rt_ensure_raw_type_id(t, &ptr, &ptr_t), RT_OK);
    const char *drops[] = {"variable1", "variable2", "variable3"};
    assert_int_equal(rt_drop_variables(t, drops, 3), RT_OK);
}

static void test_simple(void **state)
{
    (void)state;
    rt_tracer *t = new_tracer("path.small", RT_FORMAT_JSON, RT_MODE_BUFFERED);
    record_simple(t, true);
    assert_int_equal(rt_tracer_event_count(t), 47);
    const char *dir = tu_tmpdir();
    assert_int_equal(rt_tracer_write_trace_dir(t, dir, RT_FORMAT_JSON), RT_OK);
    tu_assert_same_file(tu_join(dir, "trace.json"), tu_fixture("simple/trace.json"));
    tu_assert_same_file(tu_join(dir, "trace_paths.json"), tu_fixture("simple/trace_paths.json"));
    tu_assert_same_file(tu_join(dir, "trace_metadata.json"), tu_fixture("simple/trace_metadata.json"));
    rt_tracer_free(t);
    tu_rmtree(dir);
}

static void test_simple_noassign(void **state)
{
    (void)state;
    rt_tracer *t = new_tracer("path.small", RT_FORMAT_JSON, RT_MODE_BUFFERED);
    record_simple(t, false);
    assert_int_equal(rt_tracer_event_count(t), 45);
    const char *dir = tu_tmpdir();
    assert_int_equal(rt_tracer_write_trace_dir(t, dir, RT_FORMAT_JSON), RT_OK);
    tu_assert_same_file(tu_join(dir, "trace.json"), tu_fixture("simple/noassign/trace.json"));
    tu_assert_same_file(tu_join(dir, "trace_paths.json"), tu_fixture("simple/noassign/trace_paths.json"));
    tu_assert_same_file(tu_join(dir, "trace_metadata.json"),
                        tu_fixture("simple/noassign/trace_metadata.json"));
    rt_tracer_free(t);
    tu_rmtree(dir);
}

/* Paths compare by components; register_* and ensure_* agree on ids. */
static void test_ids_consistent(void **state)
{
    (void)state;
    rt_tracer *t = new_tracer("ids", RT_FORMAT_JSON, RT_MODE_BUFFERED);
    rt_path_id a, b, c, d;
    assert_int_equal(rt_ensure_path_id(t, "/a/b/c", &a), RT_OK);
    assert_int_equal(rt_ensure_path_id(t, "/a//b/./c/", &b), RT_OK);
    assert_int_equal(a, 0);
    assert_int_equal(b, 0);
    /* register_path always emits, and takes the next id. */
    assert_int_equal(rt_register_path(t, "/x", &c), RT_OK);
    assert_int_equal(c, 1);
    assert_int_equal(rt_ensure_path_id(t, "/x", &d), RT_OK);
    assert_int_equal(d, 1);
    assert_int_equal(rt_register_path(t, "/x", &d), RT_OK);
    assert_int_equal(d, 2);
    assert_int_equal(rt_ensure_path_id(t, "/y", &d), RT_OK);
    assert_int_equal(d, 3);
    /* ./a and a differ (Rust keeps a leading CurDir component). */
    assert_int_equal(rt_ensure_path_id(t, "./rel", &a), RT_OK);
    assert_int_equal(rt_ensure_path_id(t, "rel", &b), RT_OK);
    assert_int_not_equal(a, b);

    rt_function_id f1, f2;
    assert_int_equal(rt_register_function(t, "main", "/x", 1, &f1), RT_OK);
    assert_int_equal(rt_ensure_function_id(t, "main", "/x", 1, &f2), RT_OK);
    assert_int_equal(f1, f2);
    rt_type_id t1, t2, t3;
    assert_int_equal(rt_register_type(t, RT_TYPE_INT, "int", &t1), RT_OK);
    assert_int_equal(rt_register_type(t, RT_TYPE_INT, "int", &t2), RT_OK);
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_INT, "int", &t3), RT_OK);
    assert_int_equal(t1, 0);
    assert_int_equal(t2, 1);
    assert_int_equal(t3, 0);
    /* Raw defining events advance the counters too. */
    rt_event e;
    memset(&e, 0, sizeof e);
    e.kind = RT_EVENT_VARIABLE_NAME;
    e.u.name = rt_str_c("v0");
    assert_int_equal(rt_add_event(t, &e), RT_OK);
    rt_variable_id v;
    assert_int_equal(rt_ensure_variable_id(t, "v1", &v), RT_OK);
    assert_int_equal(v, 1);
    assert_int_equal(rt_ensure_variable_id(t, "v0", &v), RT_OK);
    assert_int_equal(v, 0);
    /* Every Path event is listed, in order. */
    const char *dir = tu_tmpdir();
    assert_int_equal(rt_tracer_write_trace_dir(t, dir, RT_FORMAT_JSON), RT_OK);
    size_t n;
    char *paths = tu_read_file(tu_join(dir, "trace_paths.json"), &n);
    assert_string_equal(paths, "[\"/a/b/c\",\"/x\",\"/x\",\"/y\",\"./rel\",\"rel\"]");
    free(paths);
    rt_tracer_free(t);
    tu_rmtree(dir);
}

static void test_errors(void **state)
{
    (void)state;
    rt_tracer *t = NULL;
    assert_int_equal(rt_tracer_new(NULL, "p", NULL, 0, NULL), RT_EINVAL);
    assert_int_equal(rt_tracer_new(&t, NULL, NULL, 0, NULL), RT_EINVAL);
    assert_null(t);
    assert_int_equal(rt_tracer_new(&t, "p", NULL, 1, NULL), RT_EINVAL);
    assert_int_equal(rt_tracer_new(&t, "bad\xff", NULL, 0, NULL), RT_EUTF8);
    rt_tracer_free(NULL);

    t = new_tracer("errors", RT_FORMAT_JSON, RT_MODE_BUFFERED);
    rt_path_id pid;
    assert_int_equal(rt_ensure_path_id(t, NULL, &pid), RT_EINVAL);
    assert_non_null(strstr(rt_tracer_errmsg(t), "NULL"));
    assert_int_equal(rt_register_step(t, "/bad/\xc3\x28", 1), RT_EUTF8);
    assert_non_null(strstr(rt_tracer_errmsg(t), "UTF-8"));
    assert_int_equal(rt_register_variable_with_full_value(t, "x", rt_value_string("\xed\xa0\x80", 0)),
                     RT_EUTF8);
    assert_int_equal(rt_register_call(t, 7, NULL, 0), RT_ERANGE);
    assert_int_equal(rt_register_special_event(t, (rt_event_log_kind)99, "x"), RT_EINVAL);
    assert_int_equal(rt_finish_writing_trace_events(t), RT_ESTATE);
    assert_int_equal(rt_start(t, "/src/main.c", 1), RT_OK);
    assert_int_equal(rt_tracer_event_count(t), 4);

    /* An unwritable directory fails, and the events survive for a retry. */
    assert_int_equal(rt_tracer_write_trace_dir(t, "/nonexistent/dir/trace", RT_FORMAT_JSON), RT_ENOENT);
    assert_non_null(strstr(rt_tracer_errmsg(t), "/nonexistent/dir/trace"));
    const char *dir = tu_tmpdir();
    assert_int_equal(rt_tracer_write_trace_dir(t, dir, RT_FORMAT_JSON), RT_OK);
    size_t n;
    char *json = tu_read_file(tu_join(dir, "trace.json"), &n);
    assert_non_null(strstr(json, "\"/src/main.c\""));
    free(json);
    rt_tracer_free(t);
    tu_rmtree(dir);
}

static int warnings;
static void count_warning(void *ctx, const char *msg)
{
    (void)ctx;
    (void)msg;
    warnings++;
}

/* files/ gets the sources that exist; missing and unsafe ones are skipped. */
static void test_files_copy(void **state)
{
    (void)state;
    const char *src = tu_tmpdir();
    char srcdir[4096];
    snprintf(srcdir, sizeof srcdir, "%s", src);
    assert_int_equal(tu_run("mkdir -p %s/sub && printf 'print(1)\\n' > %s/sub/a.lua && printf 'abs' > %s/b.c",
                            srcdir, srcdir, srcdir), 0);
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    o.on_warning = count_warning;
    warnings = 0;
    rt_tracer *t;
    assert_int_equal(rt_tracer_new(&t, "prog", NULL, 0, &o), RT_OK);
    assert_int_equal(rt_tracer_set_workdir(t, srcdir), RT_OK);
    rt_path_id id;
    char abs[4200];
    snprintf(abs, sizeof abs, "%s/b.c", srcdir);
    assert_int_equal(rt_ensure_path_id(t, "sub/a.lua", &id), RT_OK);
    assert_int_equal(rt_ensure_path_id(t, abs, &id), RT_OK);
    assert_int_equal(rt_ensure_path_id(t, "missing.lua", &id), RT_OK);
    assert_int_equal(rt_ensure_path_id(t, "../escape.lua", &id), RT_OK);
    const char *dir = tu_tmpdir();
    char out[4096];
    snprintf(out, sizeof out, "%s", dir);
    assert_int_equal(rt_tracer_write_trace_dir(t, out, RT_FORMAT_JSON), RT_OK);
    assert_int_equal(rt_tracer_skipped_sources(t), 2);
    assert_int_equal(warnings, 2);
    tu_assert_file_equals(tu_join(out, "files/sub/a.lua"), "print(1)\n", 9);
    char copied[8400];
    snprintf(copied, sizeof copied, "%s/files%s", out, abs);
    tu_assert_file_equals(copied, "abs", 3);
    struct stat st;
    assert_int_not_equal(stat(tu_join(out, "escape.lua"), &st), 0);
    rt_tracer_free(t);
    tu_rmtree(out);
    tu_rmtree(srcdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tutorial_dir),
        cmocka_unit_test(test_tutorial_begin_finish),
        cmocka_unit_test(test_tutorial_streaming),
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_simple_noassign),
        cmocka_unit_test(test_ids_consistent),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_files_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
