/* The tracer with a trace filter (rt_tracer_options.filter): skipped
 * functions, value decisions by kind, struct fields, the markers, source
 * masking, trace_metadata.json's trace_filter, every format and mode; the
 * same events through rt_add_event (what redact does) as through the
 * recording API; allocation failure on the filter's paths. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/model.h"

static const char filter_text[] =
    "[meta]\nname = \"test\"\nversion = 1\n"
    "[scope]\ndefault_exec = \"trace\"\ndefault_value_action = \"allow\"\n"
    "[[scope.rules]]\nselector = 'obj:skipme'\nexec = \"skip\"\n"
    "[[scope.rules]]\nselector = 'pkg:regex:.*'\n"
    "value_patterns = [\n"
    "  { selector = 'local:secret*', action = \"redact\" },\n"
    "  { selector = 'local:noise', action = \"drop\" },\n"
    "  { selector = 'arg:pw', action = \"redact\" },\n"
    "  { selector = 'arg:junk', action = \"drop\" },\n"
    "  { selector = 'global:conf', action = \"redact\" },\n"
    "  { selector = 'ret:get_key', action = \"redact\" },\n"
    "  { selector = 'ret:get_junk', action = \"drop\" },\n"
    "  { selector = 'attr:password', action = \"redact\" },\n"
    "  { selector = 'attr:token', action = \"drop\" },\n"
    "]\n"
    "[[scope.rules]]\nselector = 'obj:allowed'\n"
    "value_patterns = [ { selector = 'local:secret_ok', action = \"allow\" } ]\n";

static rt_filter *load_test_filter(const char *dir)
{
    return tu_load_filter_text(dir, filter_text);
}

typedef struct types {
    rt_type_id i, s, point;
} types;

/* A program: main calls skipme (which calls g), get_key, get_junk,
 * allowed; locals of every decision; a struct with password and token. */
/* globals: conf registered as a global once (a trace read back has no
 * globals: rt_add_event sees a local). */
static void record(rt_tracer *t, const char *src, bool globals)
{
    types ty;
    assert_int_equal(rt_start(t, src, 1), RT_OK);
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_INT, "int", &ty.i), RT_OK);
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_STRING, "string", &ty.s), RT_OK);
    rt_field_type fields[3] = {{rt_str_c("user"), ty.s}, {rt_str_c("password"), ty.s},
                               {rt_str_c("token"), ty.s}};
    rt_type_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = RT_TYPE_STRUCT;
    rec.lang_type = rt_str_c("Login");
    rec.info_kind = RT_INFO_STRUCT;
    rec.info.fields.items = fields;
    rec.info.fields.len = 3;
    assert_int_equal(rt_ensure_raw_type_id(t, &rec, &ty.point), RT_OK);
    rt_function_id fskip, fg, fkey, fjunk, fallowed;
    assert_int_equal(rt_ensure_function_id(t, "skipme", src, 10, &fskip), RT_OK);
    assert_int_equal(rt_ensure_function_id(t, "g", src, 20, &fg), RT_OK);
    assert_int_equal(rt_ensure_function_id(t, "get_key", src, 30, &fkey), RT_OK);
    assert_int_equal(rt_ensure_function_id(t, "get_junk", src, 40, &fjunk), RT_OK);
    assert_int_equal(rt_ensure_function_id(t, "allowed", src, 50, &fallowed), RT_OK);
    assert_int_equal(rt_register_step(t, src, 2), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "x", rt_value_int(1, ty.i)), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "secret_a",
                                                          rt_value_string("s3cr3t-local", ty.s)),
                     RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "noise", rt_value_int(7, ty.i)), RT_OK);
    rt_variable_id conf;
    assert_int_equal(rt_ensure_variable_id(t, "conf", &conf), RT_OK);
    if (globals)
        assert_int_equal(rt_register_global_value(t, conf, rt_value_string("global-conf", ty.s)),
                         RT_OK);
    assert_int_equal(rt_register_full_value(t, conf, rt_value_string("as-local", ty.s)), RT_OK);
    rt_value pf[3] = {rt_value_string("bob", ty.s), rt_value_string("hunter22", ty.s),
                      rt_value_string("tok-123", ty.s)};
    assert_int_equal(rt_register_variable_with_full_value(t, "login", rt_value_struct(pf, 3, ty.point)),
                     RT_OK);
    /* skipme(a, pw, junk): no event of its own; g inside it is traced */
    rt_full_value args[3];
    assert_int_equal(rt_arg(t, "a", rt_value_int(5, ty.i), &args[0]), RT_OK);
    assert_int_equal(rt_arg(t, "pw", rt_value_string("arg-secret", ty.s), &args[1]), RT_OK);
    assert_int_equal(rt_arg(t, "junk", rt_value_int(9, ty.i), &args[2]), RT_OK);
    assert_int_equal(rt_register_call(t, fskip, args, 3), RT_OK);
    assert_int_equal(rt_register_step(t, src, 11), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "inside", rt_value_int(3, ty.i)), RT_OK);
    assert_int_equal(rt_register_special_event(t, RT_LOG_WRITE, "output of skipme\n"), RT_OK);
    assert_int_equal(rt_register_call(t, fg, args, 3), RT_OK);
    assert_int_equal(rt_register_step(t, src, 21), RT_OK);
    assert_int_equal(rt_register_return(t, rt_value_int(0, ty.i)), RT_OK);
    assert_int_equal(rt_register_step(t, src, 12), RT_OK);
    assert_int_equal(rt_register_return(t, rt_value_int(1, ty.i)), RT_OK);
    /* return values */
    assert_int_equal(rt_register_call(t, fkey, NULL, 0), RT_OK);
    assert_int_equal(rt_register_return(t, rt_value_string("ret-secret", ty.s)), RT_OK);
    assert_int_equal(rt_register_call(t, fjunk, NULL, 0), RT_OK);
    assert_int_equal(rt_register_return(t, rt_value_int(99, ty.i)), RT_OK);
    /* the secret seen again, under a name no pattern hides */
    assert_int_equal(rt_register_variable_with_full_value(t, "copy", rt_value_string("ret-secret", ty.s)),
                     RT_OK);
    assert_int_equal(rt_register_call(t, fallowed, NULL, 0), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "secret_ok", rt_value_string("fine", ty.s)),
                     RT_OK);
    assert_int_equal(rt_register_return(t, rt_value_none(0)), RT_OK);
    assert_int_equal(rt_register_return(t, rt_value_none(0)), RT_OK);
}

static const char *var_name(const rt_event_list *l, rt_variable_id id)
{
    rt_variable_id n = 0;
    for (size_t i = 0; i < rt_event_list_len(l); i++) {
        const rt_event *e = rt_event_list_at(l, i);
        if (e->kind == RT_EVENT_VARIABLE_NAME || e->kind == RT_EVENT_VARIABLE) {
            static char buf[64];
            if (n++ == id) {
                snprintf(buf, sizeof buf, "%.*s", (int)e->u.name.len, e->u.name.ptr);
                return buf;
            }
        }
    }
    return "?";
}

static bool is_marker(const rt_value *v, const char *text)
{
    return v->kind == RT_VALUE_ERROR && v->u.text.len == strlen(text) &&
           memcmp(v->u.text.ptr, text, v->u.text.len) == 0;
}

/* What the filter must have made of record()'s events. */
static void check_events(const char *file)
{
    rt_event_list *l;
    char err[512];
    if (rt_event_list_load(&l, file, NULL, err, sizeof err) != RT_OK)
        fail_msg("%s: %s", file, err);
    int calls = 0, returns = 0, writes = 0, structs = 0, args_seen = 0;
    bool redacted_ret = false, dropped_ret = false;
    for (size_t i = 0; i < rt_event_list_len(l); i++) {
        const rt_event *e = rt_event_list_at(l, i);
        switch (e->kind) {
        case RT_EVENT_STEP:
            assert_int_not_equal(e->u.step.line, 11); /* skipme's steps */
            assert_int_not_equal(e->u.step.line, 12);
            assert_int_not_equal(e->u.step.line, 10);
            break;
        case RT_EVENT_CALL:
            calls++;
            assert_int_not_equal(e->u.call.function_id, 1); /* skipme */
            if (e->u.call.function_id == 2) { /* g: pw redacted, junk dropped */
                assert_int_equal(e->u.call.len, 2);
                assert_string_equal(var_name(l, e->u.call.args[0].variable_id), "a");
                assert_true(is_marker(&e->u.call.args[1].value, "<redacted>"));
                args_seen++;
            }
            break;
        case RT_EVENT_RETURN:
            returns++;
            if (is_marker(&e->u.return_value, "<redacted>"))
                redacted_ret = true;
            if (is_marker(&e->u.return_value, "<dropped>"))
                dropped_ret = true;
            break;
        case RT_EVENT_EVENT:
            writes++;
            break;
        case RT_EVENT_VALUE: {
            const char *name = var_name(l, e->u.value.variable_id);
            const rt_value *v = &e->u.value.value;
            assert_string_not_equal(name, "noise");
            assert_string_not_equal(name, "inside");
            assert_string_not_equal(name, "junk");
            if (!strcmp(name, "secret_a") || !strcmp(name, "pw") || !strcmp(name, "copy"))
                assert_true(is_marker(v, "<redacted>"));
            if (!strcmp(name, "x"))
                assert_int_equal(v->u.i, 1);
            if (!strcmp(name, "secret_ok"))
                assert_int_equal(v->kind, RT_VALUE_STRING);
            if (!strcmp(name, "conf")) /* global: redacted; as a local: kept */
                assert_true(is_marker(v, "<redacted>") || v->kind == RT_VALUE_STRING);
            if (!strcmp(name, "login")) {
                structs++;
                assert_int_equal(v->kind, RT_VALUE_STRUCT);
                assert_int_equal(v->u.list.len, 2); /* token dropped */
                assert_int_equal(v->u.list.items[0].kind, RT_VALUE_STRING);
                assert_true(is_marker(&v->u.list.items[1], "<redacted>"));
                assert_true(v->type_id > 3); /* the Login type without token */
            }
            break;
        }
        default:
            break;
        }
    }
    assert_int_equal(calls, 5); /* <toplevel>, g, get_key, get_junk, allowed */
    assert_int_equal(returns, 5);
    assert_int_equal(writes, 1); /* skipme's output stays */
    assert_int_equal(structs, 1);
    assert_int_equal(args_seen, 1);
    assert_true(redacted_ret && dropped_ret);
    rt_event_list_free(l);
}

static rt_tracer *new_tracer(rt_format f, rt_mode mode, const rt_filter *flt)
{
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    o.format = f;
    o.mode = mode;
    o.filter = flt;
    rt_tracer *t;
    assert_int_equal(rt_tracer_new(&t, "prog", NULL, 0, &o), RT_OK);
    return t;
}

static void test_every_format(void **state)
{
    (void)state;
    const char *dir0 = tu_tmpdir();
    char dir[512];
    snprintf(dir, sizeof dir, "%s", dir0);
    rt_filter *flt = load_test_filter(dir);
    char src[600];
    snprintf(src, sizeof src, "%s/prog.src", dir);
    FILE *f = fopen(src, "w");
    assert_non_null(f);
    fputs("x = \"s3cr3t-local\"; return \"ret-secret\" -- hunter22 tok-123\n", f);
    fclose(f);
    for (rt_format fmt = RT_FORMAT_JSON; fmt <= RT_FORMAT_CT; fmt++)
        for (int mode = 0; mode < 2; mode++) {
            rt_tracer *t = new_tracer(fmt, (rt_mode)mode, flt);
            char out[700];
            snprintf(out, sizeof out, "%s/%s-%d", dir, rt_format_name(fmt), mode);
            assert_int_equal(mkdir(out, 0755), 0);
            if (mode == RT_MODE_STREAMING)
                assert_int_equal(rt_begin_writing_trace_events(
                                     t, tu_join(out, rt_format_events_file(fmt)), fmt),
                                 RT_OK);
            record(t, src, true);
            assert_true(rt_function_skipped(t, 1));
            assert_false(rt_function_skipped(t, 2));
            assert_int_equal(rt_tracer_write_trace_dir(t, out, RT_FORMAT_DEFAULT), RT_OK);
            rt_tracer_free(t);
            check_events(tu_join(out, rt_format_events_file(fmt)));
            /* the source copy has the hidden strings masked */
            char copy[1400];
            snprintf(copy, sizeof copy, "%s/files%s", out, src);
            size_t n;
            char *text = tu_read_file(copy, &n);
            assert_non_null(text);
            assert_null(strstr(text, "s3cr3t-local"));
            assert_null(strstr(text, "ret-secret"));
            assert_null(strstr(text, "hunter22"));
            assert_non_null(strstr(text, "************"));
            free(text);
            /* provenance */
            text = tu_read_file(tu_join(out, "trace_metadata.json"), &n);
            assert_non_null(text);
            assert_non_null(strstr(text, "\"trace_filter\":{\"filters\":[{\"name\":\"test\",\"version\":1,"
                                         "\"sha256\":\""));
            assert_non_null(strstr(text, "\"scopes_skipped\":1"));
            assert_non_null(strstr(text, "\"value_redactions\":{\"argument\":1,\"local\":2,"
                                         "\"global\":1,\"return\":1,\"attribute\":1}"));
            assert_non_null(strstr(text, "\"value_drops\":{\"argument\":1,\"local\":1,\"global\":0,"
                                         "\"return\":1,\"attribute\":1}"));
            free(text);
        }
    rt_filter_free(flt);
    tu_rmtree(dir);
}

/* The events of an unfiltered recording through rt_add_event give what the
 * recording with the filter gives. */
static void test_add_event_same(void **state)
{
    (void)state;
    const char *dir0 = tu_tmpdir();
    char dir[512];
    snprintf(dir, sizeof dir, "%s", dir0);
    rt_filter *flt = load_test_filter(dir);
    rt_tracer *plain = new_tracer(RT_FORMAT_JSON, RT_MODE_BUFFERED, NULL);
    record(plain, "/src/p.c", false);
    rt_tracer *direct = new_tracer(RT_FORMAT_JSON, RT_MODE_BUFFERED, flt);
    record(direct, "/src/p.c", false);
    rt_tracer *raw = new_tracer(RT_FORMAT_JSON, RT_MODE_BUFFERED, flt);
    for (uint64_t i = 0; i < rt_tracer_event_count(plain); i++)
        assert_int_equal(rt_add_event(raw, rt_tracer_event_at(plain, i)), RT_OK);
    assert_int_equal(rt_tracer_flush(raw), RT_OK); /* what it held */
    assert_int_equal(rt_tracer_event_count(raw), rt_tracer_event_count(direct));
    for (uint64_t i = 0; i < rt_tracer_event_count(direct); i++)
        if (!rt_event_equal(rt_tracer_event_at(raw, i), rt_tracer_event_at(direct, i)))
        {
            rt_writer *w;
            rt_writer_options wo;
            rt_writer_options_init(&wo, RT_FORMAT_JSON);
            rt_writer_open_fd(&w, 2, &wo);
            rt_writer_write(w, rt_tracer_event_at(raw, i));
            rt_writer_write(w, rt_tracer_event_at(direct, i));
            rt_writer_free(w);
            fail_msg("event %llu (%s) differs", (unsigned long long)i,
                     rt_event_kind_name(rt_tracer_event_at(direct, i)->kind));
        }
    rt_tracer_free(plain);
    rt_tracer_free(direct);
    rt_tracer_free(raw);
    rt_filter_free(flt);
    tu_rmtree(dir);
}

/* Errors of the filter API on the tracer. */
static void test_api_errors(void **state)
{
    (void)state;
    const char *dir0 = tu_tmpdir();
    char dir[512];
    snprintf(dir, sizeof dir, "%s", dir0);
    rt_filter *flt = load_test_filter(dir);
    rt_tracer *t = new_tracer(RT_FORMAT_JSON, RT_MODE_BUFFERED, flt);
    assert_int_equal(rt_start(t, "/a.c", 1), RT_OK);
    rt_function_id f;
    assert_int_equal(rt_ensure_function_id(t, "m.f", "/a.c", 3, &f), RT_OK);
    assert_int_equal(rt_set_function_module(t, f, NULL), RT_EINVAL);
    assert_int_equal(rt_set_function_module(t, 99, "m"), RT_ERANGE);
    assert_int_equal(rt_set_function_module(t, f, "m"), RT_OK);
    assert_int_equal(rt_register_call(t, f, NULL, 0), RT_OK);
    assert_int_equal(rt_set_function_module(t, f, "m"), RT_ESTATE); /* decided */
    assert_false(rt_function_skipped(t, 99));
    assert_false(rt_function_skipped(NULL, 0));
    rt_tracer_free(t);
    t = new_tracer(RT_FORMAT_JSON, RT_MODE_BUFFERED, NULL); /* no filter: nothing to do */
    assert_int_equal(rt_start(t, "/a.c", 1), RT_OK);
    assert_int_equal(rt_set_function_module(t, 0, "m"), RT_OK);
    assert_false(rt_function_skipped(t, 0));
    rt_tracer_free(t);
    rt_filter_free(flt);
    tu_rmtree(dir);
}

/* ---- allocation failure -------------------------------------------------- */

typedef struct counting {
    long calls, fail_at, live, failures;
} counting;

static void *c_alloc(void *ctx, size_t n)
{
    counting *c = ctx;
    if (++c->calls == c->fail_at) {
        c->failures++;
        return NULL;
    }
    void *p = malloc(n);
    if (p)
        c->live++;
    return p;
}

static void *c_realloc(void *ctx, void *p, size_t old_n, size_t n)
{
    (void)old_n;
    counting *c = ctx;
    if (++c->calls == c->fail_at) {
        c->failures++;
        return NULL;
    }
    void *q = realloc(p, n);
    if (q && !p)
        c->live++;
    return q;
}

static void c_free(void *ctx, void *p, size_t n)
{
    (void)n;
    counting *c = ctx;
    if (p)
        c->live--;
    free(p);
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_ != RT_OK)                                                                          \
            return rc_;                                                                            \
    } while (0)

/* record() without asserts: stops at the first error. */
static int record_quietly(rt_tracer *t)
{
    rt_type_id i, s, p;
    TRY(rt_start(t, "/s.c", 1));
    TRY(rt_ensure_type_id(t, RT_TYPE_INT, "int", &i));
    TRY(rt_ensure_type_id(t, RT_TYPE_STRING, "string", &s));
    rt_field_type fields[2] = {{rt_str_c("password"), s}, {rt_str_c("token"), s}};
    rt_type_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = RT_TYPE_STRUCT;
    rec.lang_type = rt_str_c("P");
    rec.info_kind = RT_INFO_STRUCT;
    rec.info.fields.items = fields;
    rec.info.fields.len = 2;
    TRY(rt_ensure_raw_type_id(t, &rec, &p));
    rt_function_id fs, fk;
    TRY(rt_ensure_function_id(t, "skipme", "/s.c", 5, &fs));
    TRY(rt_ensure_function_id(t, "get_key", "/s.c", 9, &fk));
    for (int k = 0; k < 20; k++) {
        TRY(rt_register_step(t, "/s.c", 2 + k));
        TRY(rt_register_variable_with_full_value(t, "secret_x", rt_value_string("hidden-one", s)));
        rt_value pv[2] = {rt_value_string("pw-value", s), rt_value_string("tok", s)};
        TRY(rt_register_variable_with_full_value(t, "p", rt_value_struct(pv, 2, p)));
        rt_full_value a;
        TRY(rt_arg(t, "pw", rt_value_string("arg-value", s), &a));
        TRY(rt_register_call(t, fs, &a, 1));
        TRY(rt_register_step(t, "/s.c", 6));
        TRY(rt_register_return(t, rt_value_int(k, i)));
        TRY(rt_register_call(t, fk, NULL, 0));
        TRY(rt_register_return(t, rt_value_string("key-value", s)));
    }
    return RT_OK;
}

static void test_allocation_failure(void **state)
{
    (void)state;
    const char *dir0 = tu_tmpdir();
    char dir[512];
    snprintf(dir, sizeof dir, "%s", dir0);
    rt_filter *flt = load_test_filter(dir);
    long k;
    for (int mode = 0; mode < 2; mode++) {
        for (k = 1;; k++) {
            counting c = {0, k, 0, 0};
            rt_allocator a = {c_alloc, c_realloc, c_free, &c};
            rt_tracer_options o;
            rt_tracer_options_init(&o);
            o.mode = (rt_mode)mode;
            o.format = RT_FORMAT_V1;
            o.allocator = &a;
            o.filter = flt;
            rt_tracer *t = NULL;
            int rc = rt_tracer_new(&t, "p", NULL, 0, &o);
            if (rc == RT_OK && mode == RT_MODE_STREAMING)
                rc = rt_begin_writing_trace_events(t, tu_join(dir, "trace.bin"), RT_FORMAT_V1);
            if (rc == RT_OK)
                rc = record_quietly(t);
            if (rc == RT_OK)
                rc = rt_tracer_write_trace_dir(t, dir, RT_FORMAT_DEFAULT);
            if (rc != RT_OK && rc != RT_ENOMEM)
                fail_msg("k=%ld: %s", k, rt_status_name(rc));
            rt_tracer_free(t);
            if (c.live != 0)
                fail_msg("k=%ld: %ld blocks leaked", k, c.live);
            if (c.failures == 0)
                break;
        }
        fprintf(stderr, "filter, %s: %ld allocation points failed one by one\n",
                mode ? "streaming" : "buffered", k - 1);
        assert_true(k > 30);
    }
    rt_filter_free(flt);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_format),
        cmocka_unit_test(test_add_event_same),
        cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
