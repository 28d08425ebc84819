/* The JSON reader: golden round trips, the tolerant forms of FORMAT.md
 * section 4, every kind of malformed input with its error code, event index
 * and byte offset, cuts at every byte, follow mode, limits, float
 * exactness, allocation failures, and the metadata/paths readers. */
#include "testutil.h"

#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json/json_reader.h"
#include "json/json_writer.h"
#include "model/model.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct membuf {
    char *data;
    size_t len, cap;
} membuf;

static long mem_write(void *ctx, const void *data, size_t n)
{
    membuf *m = ctx;
    if (m->len + n + 1 > m->cap) {
        size_t cap = (m->len + n + 1) * 2;
        char *d = realloc(m->data, cap);
        if (!d)
            return -1;
        m->data = d;
        m->cap = cap;
    }
    memcpy(m->data + m->len, data, n);
    m->len += n;
    m->data[m->len] = '\0';
    return (long)n;
}

/* Reads JSON text through the public reader and writes its events back
 * as compact JSON into out. Returns the reader's final status (RT_READ_END
 * or an error); the message goes to msg. */
static int reencode(const char *text, size_t len, membuf *out, char msg[512])
{
    memset(out, 0, sizeof *out);
    msg[0] = '\0';
    rt_reader *r;
    int rc = rt_reader_open_memory(&r, text, len, NULL);
    if (rc) {
        snprintf(msg, 512, "open: %s", rt_strerror(rc));
        return rc;
    }
    rt_writer_options wo;
    rt_writer_options_init(&wo, RT_FORMAT_JSON);
    wo.write_fn = mem_write;
    wo.write_ctx = out;
    rt_writer *w;
    assert_int_equal(rt_writer_open_fd(&w, 1, &wo), RT_OK);
    const rt_event *e;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
        int wrc = rt_writer_write(w, e);
        if (wrc)
            fail_msg("writer: %s", rt_writer_errmsg(w));
    }
    if (rc != RT_READ_END)
        snprintf(msg, 512, "%s", rt_reader_errmsg(r));
    assert_int_equal(rt_writer_finish(w), RT_OK);
    rt_writer_free(w);
    rt_reader_free(r);
    return rc;
}

/* Reads path with rt_reader and writes it as JSON to a temporary file. */
static int roundtrip_file(const char *path, const char *tmp, char msg[512])
{
    /* Never write anywhere but a temporary directory (the fixtures are
     * shared). */
    assert_int_equal(strncmp(tmp, "/tmp/", 5), 0);
    rt_reader *r;
    int rc = rt_reader_open(&r, path, NULL);
    if (rc)
        return rc;
    assert_int_equal(rt_reader_format(r), RT_FORMAT_JSON);
    rt_writer_options wo;
    rt_writer_options_init(&wo, RT_FORMAT_JSON);
    rt_writer *w;
    assert_int_equal(rt_writer_open(&w, tmp, &wo), RT_OK);
    const rt_event *e;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
        assert_int_equal(rt_writer_write(w, e), RT_OK);
    snprintf(msg, 512, "%s", rt_reader_errmsg(r));
    assert_int_equal(rt_writer_finish(w), RT_OK);
    rt_writer_free(w);
    rt_reader_free(r);
    return rc;
}

/* ---- golden files ------------------------------------------------------- */

static void test_fixture_roundtrips(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"values/values.json", "values/values.json"},
        {"values/values-bigint.json", "values/values-bigint.json"},
        {"values/values-specialfloat.json", "values/values-specialfloat.json"},
        {"simple/trace.json", "simple/trace.json"},
        {"simple/noassign/trace.json", "simple/noassign/trace.json"},
        {"tutorial/trace.json", "tutorial/trace.json"},
        {"testdata/trace.orig.json", "testdata/trace.json"},
        {"empty/empty.json", "empty/empty.json"},
    };
    char dir[64], tmp[1024];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    snprintf(tmp, sizeof tmp, "%s", tu_join(dir, "out.json"));
    char msg[512];
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char in[1024], expected[1024];
        snprintf(in, sizeof in, "%s", tu_fixture(pairs[i][0]));
        snprintf(expected, sizeof expected, "%s", tu_fixture(pairs[i][1]));
        int rc = roundtrip_file(in, tmp, msg);
        if (rc != RT_READ_END)
            fail_msg("%s: %s", in, msg);
        tu_assert_same_file(tmp, expected);
    }
    tu_rmtree(dir);
}

static void test_real_fixtures(void **state)
{
    (void)state;
    glob_t g;
    char pattern[1024];
    snprintf(pattern, sizeof pattern, "%s", tu_fixture("real/*.json"));
    assert_int_equal(glob(pattern, 0, NULL, &g), 0);
    char dir[64], tmp[1024];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    snprintf(tmp, sizeof tmp, "%s", tu_join(dir, "out.json"));
    size_t checked = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *in = g.gl_pathv[i];
        size_t n = strlen(in);
        if (n > 14 && strcmp(in + n - 14, ".expected.json") == 0)
            continue;
        char expected[1024];
        snprintf(expected, sizeof expected, "%.*s.expected.json", (int)(n - 5), in);
        char msg[512];
        int rc = roundtrip_file(in, tmp, msg);
        if (rc != RT_READ_END)
            fail_msg("%s: %s", in, msg);
        tu_assert_same_as_expected(tmp, expected);
        checked++;
    }
    globfree(&g);
    tu_rmtree(dir);
    assert_int_equal(checked, 25);
}

/* ---- tolerant forms ------------------------------------------------------ */

static void expect_canonical(const char *in, const char *canonical)
{
    membuf out;
    char msg[512];
    int rc = reencode(in, strlen(in), &out, msg);
    if (rc != RT_READ_END)
        fail_msg("input %s: %s", in, msg);
    if (strcmp(out.data, canonical) != 0)
        fail_msg("input    %s\ngot      %s\nexpected %s", in, out.data, canonical);
    free(out.data);
}

static void test_tolerant_forms(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        /* unknown keys with any value, anywhere */
        {"[{\"Step\":{\"x\":[1,{\"y\":\"z\",\"n\":null}],\"path_id\":1,\"line\":2,\"zz\":-1.5e3}}]",
         "[{\"Step\":{\"path_id\":1,\"line\":2}}]"},
        {"[{\"Path\":\"a\"}]", "[{\"Path\":\"a\"}]"},
        /* "kind" last, in the middle */
        {"[{\"Value\":{\"value\":{\"type_id\":1,\"i\":-5,\"kind\":\"Int\"},\"variable_id\":0}}]",
         "[{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Int\",\"i\":-5,\"type_id\":1}}}]"},
        {"[{\"Type\":{\"kind\":6,\"lang_type\":\"P\",\"specific_info\":{\"fields\":[{\"type_id\":1,"
         "\"name\":\"x\"}],\"kind\":\"Struct\"}}}]",
         "[{\"Type\":{\"kind\":6,\"lang_type\":\"P\",\"specific_info\":{\"kind\":\"Struct\","
         "\"fields\":[{\"name\":\"x\",\"type_id\":1}]}}}]"},
        {"[{\"Type\":{\"specific_info\":{\"dereference_type_id\":3,\"kind\":\"Pointer\",\"q\":{}},"
         "\"lang_type\":\"*i\",\"kind\":23}}]",
         "[{\"Type\":{\"kind\":23,\"lang_type\":\"*i\",\"specific_info\":{\"kind\":\"Pointer\","
         "\"dereference_type_id\":3}}}]"},
        /* integers where a float is expected, floats as strings, null */
        {"[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":3,\"type_id\":2}}}]",
         "[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":3.0,\"type_id\":2}}}]"},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":\"2.5\",\"type_id\":2}}}]",
         "[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":2.5,\"type_id\":2}}}]"},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":null,\"type_id\":2}}}]",
         "[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":null,\"type_id\":2}}}]"},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":-0.0,\"type_id\":2}}}]",
         "[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":-0.0,\"type_id\":2}}}]"},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":0.1000000000000000055511151231257827,"
         "\"type_id\":2}}}]",
         "[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":0.1,\"type_id\":2}}}]"},
        /* DropLastStep both ways */
        {"[\"DropLastStep\",{\"DropLastStep\":null}]", "[\"DropLastStep\",\"DropLastStep\"]"},
        /* Assignment: the older "0" form is read, the "data" form written (section 9) */
        {"[{\"Assignment\":{\"to\":1,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Simple\",\"0\":6}}}]",
         "[{\"Assignment\":{\"to\":1,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Simple\",\"data\":6}}}]"},
        {"[{\"Assignment\":{\"to\":1,\"pass_by\":\"Reference\",\"from\":{\"kind\":\"Compound\","
         "\"0\":[6,7]}}}]",
         "[{\"Assignment\":{\"to\":1,\"pass_by\":\"Reference\",\"from\":{\"kind\":\"Compound\","
         "\"data\":[6,7]}}}]"},
        {"[{\"Assignment\":{\"from\":{\"data\":[1,2],\"kind\":\"Compound\"},\"to\":0,\"pass_by\":"
         "\"Value\"}}]",
         "[{\"Assignment\":{\"to\":0,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Compound\","
         "\"data\":[1,2]}}}]"},
        {"[{\"Assignment\":{\"to\":0,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Simple\",\"data\":3}}}]",
         "[{\"Assignment\":{\"to\":0,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Simple\",\"data\":3}}}]"},
        {"[{\"Assignment\":{\"to\":0,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Compound\",\"data\":[]}}}]",
         "[{\"Assignment\":{\"to\":0,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Compound\",\"data\":[]}}}]"},
        {"[{\"Assignment\":{\"to\":4,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Literal\"}}}]",
         "[{\"Assignment\":{\"to\":4,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Literal\"}}}]"},
        /* newer Ruby recorders: FunctionReturn and FieldAccess, "data" or "0" */
        {"[{\"Assignment\":{\"to\":1,\"pass_by\":\"Value\",\"from\":{\"kind\":\"FunctionReturn\","
         "\"data\":{\"call_key\":-1}}}}]",
         "[{\"Assignment\":{\"to\":1,\"pass_by\":\"Value\",\"from\":{\"kind\":\"FunctionReturn\","
         "\"data\":{\"call_key\":-1}}}}]"},
        {"[{\"Assignment\":{\"to\":5,\"pass_by\":\"Value\",\"from\":{\"0\":{\"field\":\"to_s\","
         "\"receiver\":4},\"kind\":\"FieldAccess\"}}}]",
         "[{\"Assignment\":{\"to\":5,\"pass_by\":\"Value\",\"from\":{\"kind\":\"FieldAccess\","
         "\"data\":{\"receiver\":4,\"field\":\"to_s\"}}}}]"},
        /* older writers: no Event.metadata, no Sequence.is_slice */
        {"[{\"Event\":{\"kind\":11,\"content\":\"boom\"}}]",
         "[{\"Event\":{\"kind\":11,\"metadata\":\"\",\"content\":\"boom\"}}]"},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"Sequence\",\"type_id\":3,\"elements\":[]}}}]",
         "[{\"Return\":{\"return_value\":{\"kind\":\"Sequence\",\"elements\":[],\"is_slice\":false,"
         "\"type_id\":3}}}]"},
        /* the legacy Variable event */
        {"[{\"Variable\":\"x\"},{\"VariableName\":\"y\"}]", "[{\"Variable\":\"x\"},{\"VariableName\":\"y\"}]"},
        /* whitespace anywhere */
        {" \n\t[ \r\n{ \"Path\" : \"a\" } ,\n \"DropLastStep\" , { \"Step\" : { \"path_id\" : 0 ,"
         " \"line\" : -3 } } ] \n\n",
         "[{\"Path\":\"a\"},\"DropLastStep\",{\"Step\":{\"path_id\":0,\"line\":-3}}]"},
        {"[ ]", "[]"},
        /* escapes: in keys, NUL, surrogate pairs, \/ */
        {"[{\"P\\u0061th\":\"a\\u0000b\\/\\ud83d\\ude00\\u00e9\\n\"}]",
         "[{\"Path\":\"a\\u0000b/\xf0\x9f\x98\x80\xc3\xa9\\n\"}]"},
        /* the full integer ranges */
        {"[{\"Step\":{\"path_id\":18446744073709551615,\"line\":-9223372036854775808}},"
         "{\"Step\":{\"path_id\":0,\"line\":9223372036854775807}},{\"Step\":{\"path_id\":0,\"line\":-0}}]",
         "[{\"Step\":{\"path_id\":18446744073709551615,\"line\":-9223372036854775808}},"
         "{\"Step\":{\"path_id\":0,\"line\":9223372036854775807}},{\"Step\":{\"path_id\":0,\"line\":0}}]"},
        /* every value kind, fields in another order */
        {"[{\"Return\":{\"return_value\":{\"type_id\":9,\"mutable\":true,\"address\":18446744073709551615,"
         "\"dereferenced\":{\"kind\":\"Variant\",\"contents\":{\"kind\":\"Cell\",\"place\":-7},"
         "\"discriminator\":\"Some\",\"type_id\":4},\"kind\":\"Reference\"}}}]",
         "[{\"Return\":{\"return_value\":{\"kind\":\"Reference\",\"dereferenced\":{\"kind\":\"Variant\","
         "\"discriminator\":\"Some\",\"contents\":{\"kind\":\"Cell\",\"place\":-7},\"type_id\":4},"
         "\"address\":18446744073709551615,\"mutable\":true,\"type_id\":9}}}]"},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"BigInt\",\"b\":\"AQL/\",\"negative\":true,\"type_id\":1}}}]",
         "[{\"Return\":{\"return_value\":{\"kind\":\"BigInt\",\"b\":\"AQL/\",\"negative\":true,\"type_id\":1}}}]"},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"BigInt\",\"b\":\"\",\"negative\":false,\"type_id\":1}}}]",
         "[{\"Return\":{\"return_value\":{\"kind\":\"BigInt\",\"b\":\"\",\"negative\":false,\"type_id\":1}}}]"},
        {"[{\"Call\":{\"args\":[{\"value\":{\"kind\":\"None\",\"type_id\":0},\"variable_id\":2}],"
         "\"function_id\":1}},{\"Asm\":[\"a\",\"\"]},{\"DropVariables\":[1,2]},{\"DropVariable\":3}]",
         "[{\"Call\":{\"function_id\":1,\"args\":[{\"variable_id\":2,\"value\":{\"kind\":\"None\","
         "\"type_id\":0}}]}},{\"Asm\":[\"a\",\"\"]},{\"DropVariables\":[1,2]},{\"DropVariable\":3}]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_canonical(cases[i][0], cases[i][1]);
}

/* Reads the single event of text and hands it to check. */
static void with_one_event(const char *text, void (*check)(const rt_event *))
{
    rt_reader *r;
    assert_int_equal(rt_reader_open_memory(&r, text, strlen(text), NULL), RT_OK);
    const rt_event *e;
    int rc = rt_reader_next(r, &e);
    if (rc != RT_READ_EVENT)
        fail_msg("%s: %s", text, rt_reader_errmsg(r));
    check(e);
    assert_int_equal(rt_reader_next(r, &e), RT_READ_END);
    rt_reader_free(r);
}

static void check_pos_inf(const rt_event *e)
{
    assert_int_equal(e->kind, RT_EVENT_RETURN);
    assert_int_equal(e->u.return_value.kind, RT_VALUE_FLOAT);
    assert_true(isinf(e->u.return_value.u.f) && e->u.return_value.u.f > 0);
}
static void check_neg_inf(const rt_event *e)
{
    assert_true(isinf(e->u.return_value.u.f) && e->u.return_value.u.f < 0);
}
static void check_nan(const rt_event *e)
{
    assert_true(isnan(e->u.return_value.u.f));
}
static void check_nul_string(const rt_event *e)
{
    assert_int_equal(e->kind, RT_EVENT_PATH);
    assert_int_equal(e->u.path.len, 3);
    assert_memory_equal(e->u.path.ptr, "a\0b", 3);
}
static void check_metadata_empty(const rt_event *e)
{
    assert_int_equal(e->kind, RT_EVENT_EVENT);
    assert_int_equal(e->u.event.kind, RT_LOG_EVM_EVENT);
    assert_non_null(e->u.event.metadata.ptr);
    assert_int_equal(e->u.event.metadata.len, 0);
    assert_int_equal(e->u.event.content.len, 1);
}
static void check_literal(const rt_event *e)
{
    assert_int_equal(e->kind, RT_EVENT_ASSIGNMENT);
    assert_int_equal(e->u.assignment.from.kind, RT_RVALUE_LITERAL);
    assert_int_equal(e->u.assignment.pass_by, RT_PASS_BY_REFERENCE);
}
static void check_slice_default(const rt_event *e)
{
    assert_int_equal(e->u.value.value.kind, RT_VALUE_SEQUENCE);
    assert_false(e->u.value.value.flag);
    assert_int_equal(e->u.value.value.u.list.len, 2);
    assert_int_equal(e->u.value.value.u.list.items[1].u.i, INT64_MIN);
}

static void test_tolerant_values(void **state)
{
    (void)state;
    const char *fl = "[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"type_id\":0,\"f\":%s}}}]";
    const char *pos_inf[] = {"\"inf\"", "\"+inf\"", "\"Infinity\""};
    const char *neg_inf[] = {"\"-inf\"", "\"-Infinity\""};
    const char *nan_forms[] = {"\"nan\"", "\"NaN\"", "null"};
    char buf[256];
    for (size_t i = 0; i < 3; i++) {
        snprintf(buf, sizeof buf, fl, pos_inf[i]);
        with_one_event(buf, check_pos_inf);
    }
    for (size_t i = 0; i < 2; i++) {
        snprintf(buf, sizeof buf, fl, neg_inf[i]);
        with_one_event(buf, check_neg_inf);
    }
    for (size_t i = 0; i < 3; i++) {
        snprintf(buf, sizeof buf, fl, nan_forms[i]);
        with_one_event(buf, check_nan);
    }
    with_one_event("[{\"Path\":\"a\\u0000b\"}]", check_nul_string);
    with_one_event("[{\"Event\":{\"content\":\"x\",\"kind\":13}}]", check_metadata_empty);
    with_one_event("[{\"Assignment\":{\"to\":4,\"pass_by\":\"Reference\",\"from\":{\"kind\":\"Literal\","
                   "\"extra\":[1]}}}]",
                   check_literal);
    with_one_event("[{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Sequence\",\"elements\":[{\"kind\":"
                   "\"Int\",\"i\":1,\"type_id\":1},{\"kind\":\"Int\",\"i\":-9223372036854775808,"
                   "\"type_id\":1}],\"type_id\":2}}}]",
                   check_slice_default);
}

/* ---- malformed input ---------------------------------------------------- */

typedef struct bad_case {
    const char *text;
    int code;
    unsigned long long index; /* event index in the message */
    const char *at;           /* the error's offset is where this first occurs; NULL: the end */
} bad_case;

static void expect_error_len(const char *text, size_t len, int code, unsigned long long index,
                             size_t offset)
{
    rt_reader *r;
    int rc = rt_reader_open_memory(&r, text, len, NULL);
    assert_int_equal(rc, RT_OK);
    const rt_event *e;
    unsigned long long n = 0;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
        n++;
    const char *msg = rt_reader_errmsg(r);
    if (rc != code)
        fail_msg("input %.200s: got %s (%s), expected %s", text, rt_status_name(rc), msg,
                 rt_status_name(code));
    assert_int_equal(n, index);
    assert_int_equal(rt_reader_event_index(r), index);
    char want[96];
    snprintf(want, sizeof want, "<memory>: event %llu at byte %zu: ", index, offset);
    if (strncmp(msg, want, strlen(want)) != 0)
        fail_msg("input %.200s: message \"%s\" does not start with \"%s\"", text, msg, want);
    /* The status is sticky. */
    assert_int_equal(rt_reader_next(r, &e), code);
    rt_reader_free(r);
}

static void expect_error(const bad_case *b)
{
    size_t len = strlen(b->text);
    size_t off = len;
    if (b->at) {
        const char *p = strstr(b->text, b->at);
        if (!p)
            fail_msg("bad test: \"%s\" not in %s", b->at, b->text);
        off = (size_t)(p - b->text);
    }
    expect_error_len(b->text, len, b->code, b->index, off);
}

static void test_malformed(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        /* wrong types */
        {"[{\"Step\":{\"path_id\":\"1\",\"line\":1}}]", RT_EFORMAT, 0, "\"1\""},
        {"[{\"Step\":{\"path_id\":1,\"line\":1.0}}]", RT_EFORMAT, 0, "1.0"},
        {"[{\"Step\":{\"path_id\":1,\"line\":01}}]", RT_EFORMAT, 0, "01"},
        {"[{\"Step\":{\"path_id\":1,\"line\":true}}]", RT_EFORMAT, 0, "true"},
        {"[{\"Step\":[1,2]}]", RT_EFORMAT, 0, "[1,2]"},
        {"[{\"Path\":1}]", RT_EFORMAT, 0, "1}"},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"Bool\",\"b\":1,\"type_id\":0}}}]", RT_EFORMAT, 0,
         "1,\"type"},
        {"[{\"Return\":{\"return_value\":{\"kind\":7,\"type_id\":0}}}]", RT_EFORMAT, 0, "7,"},
        {"[{\"Asm\":[\"a\",2]}]", RT_EFORMAT, 0, "2]"},
        {"[{\"DropVariables\":[1,-1]}]", RT_ERANGE, 0, "-1"},
        /* unknown variants */
        {"[{\"Path\":\"a\"},{\"Stop\":{}}]", RT_EFORMAT, 1, "\"Stop\""},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"Int128\",\"i\":1,\"type_id\":0}}}]", RT_EFORMAT, 0,
         "{\"kind\":\"Int128\""},
        {"[{\"Type\":{\"kind\":1,\"lang_type\":\"a\",\"specific_info\":{\"kind\":\"Enum\"}}}]", RT_EFORMAT,
         0, "{\"kind\":\"Enum\""},
        {"[{\"Assignment\":{\"to\":1,\"pass_by\":\"Copy\",\"from\":{\"kind\":\"Literal\"}}}]", RT_EFORMAT,
         0, "\"Copy\""},
        {"[{\"Assignment\":{\"to\":1,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Other\",\"0\":1}}}]",
         RT_EFORMAT, 0, "{\"kind\":\"Other\""},
        {"[\"DropLastStepX\"]", RT_EFORMAT, 0, "\"Drop"},
        {"[{\"DropLastStep\":{}}]", RT_EFORMAT, 0, "{}"},
        /* enum numbers out of range */
        {"[{\"Type\":{\"kind\":34,\"lang_type\":\"a\",\"specific_info\":{\"kind\":\"None\"}}}]", RT_ERANGE,
         0, "34"},
        {"[{\"Event\":{\"kind\":14,\"metadata\":\"\",\"content\":\"\"}}]", RT_ERANGE, 0, "14"},
        /* integers beyond their types */
        {"[{\"Step\":{\"path_id\":18446744073709551616,\"line\":1}}]", RT_ERANGE, 0, "1844"},
        {"[{\"Step\":{\"path_id\":-1,\"line\":1}}]", RT_ERANGE, 0, "-1"},
        {"[{\"Step\":{\"path_id\":1,\"line\":9223372036854775808}}]", RT_ERANGE, 0, "9223"},
        {"[{\"Step\":{\"path_id\":1,\"line\":-9223372036854775809}}]", RT_ERANGE, 0, "-9223"},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":1e400,\"type_id\":0}}}]", RT_ERANGE, 0,
         "1e400"},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":\"2.5x\",\"type_id\":0}}}]", RT_EFORMAT,
         0, "\"2.5x\""},
        /* missing and duplicate fields */
        {"[{\"Step\":{\"path_id\":1}}]", RT_EFORMAT, 0, "{\"path_id\""},
        {"[{\"Function\":{\"path_id\":1,\"line\":2}}]", RT_EFORMAT, 0, "{\"path_id\""},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"Int\",\"i\":1}}}]", RT_EFORMAT, 0, "{\"kind\""},
        {"[{\"Return\":{\"return_value\":{\"i\":1,\"type_id\":0}}}]", RT_EFORMAT, 0, "{\"i\""},
        {"[{\"Step\":{\"path_id\":1,\"path_id\":2,\"line\":1}}]", RT_EFORMAT, 0, "\"path_id\":2"},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"Int\",\"i\":1,\"kind\":\"Int\",\"type_id\":0}}}]",
         RT_EFORMAT, 0, "\"kind\":\"Int\",\"type"},
        {"[{\"Return\":{\"return_value\":{\"i\":1,\"kind\":\"Int\",\"kind\":\"Int\",\"type_id\":0}}}]",
         RT_EFORMAT, 0, "\"kind\":\"Int\",\"type"},
        {"[{\"Assignment\":{\"to\":1,\"pass_by\":\"Value\",\"from\":{\"kind\":\"Simple\",\"0\":1,\"data\":2}}}]",
         RT_EFORMAT, 0, "\"data\""},
        /* bad base64 */
        {"[{\"Return\":{\"return_value\":{\"kind\":\"BigInt\",\"b\":\"AQ=\",\"negative\":false,\"type_id\":0}}}]",
         RT_EFORMAT, 0, "\"AQ=\""},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"BigInt\",\"b\":\"AQ*/\",\"negative\":false,\"type_id\":0}}}]",
         RT_EFORMAT, 0, "\"AQ*/\""},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"BigInt\",\"b\":\"AR==\",\"negative\":false,\"type_id\":0}}}]",
         RT_EFORMAT, 0, "\"AR==\""},
        {"[{\"Return\":{\"return_value\":{\"kind\":\"BigInt\",\"b\":\"A=Q=\",\"negative\":false,\"type_id\":0}}}]",
         RT_EFORMAT, 0, "\"A=Q=\""},
        /* invalid UTF-8, raw or through escapes */
        {"[{\"Path\":\"ok\"},{\"Path\":\"a\xff\"}]", RT_EUTF8, 1, "\"a\xff"},
        {"[{\"Path\":\"\xc0\x80\"}]", RT_EUTF8, 0, "\"\xc0"},
        {"[{\"Path\":\"\xed\xa0\x80\"}]", RT_EUTF8, 0, "\"\xed"},
        {"[{\"Path\":\"a\\ud800\"}]", RT_EUTF8, 0, "\\ud800"},
        {"[{\"Path\":\"a\\udc00b\"}]", RT_EUTF8, 0, "\\udc00"},
        {"[{\"Path\":\"a\\ud800\\u0041\"}]", RT_EUTF8, 0, "\\ud800"},
        {"[{\"Step\":{\"x\":\"\xf8\",\"path_id\":1,\"line\":1}}]", RT_EUTF8, 0, "\"\xf8"},
        {"[{\"P\xe9th\":\"a\"}]", RT_EUTF8, 0, "\"P"},
        /* bad strings */
        {"[{\"Path\":\"a\nb\"}]", RT_EFORMAT, 0, "\nb"},
        {"[{\"Path\":\"a\\xb\"}]", RT_EFORMAT, 0, "\\x"},
        {"[{\"Path\":\"a\\u12g4\"}]", RT_EFORMAT, 0, "\\u12"},
        /* structure */
        {"{\"Path\":\"a\"}", RT_EFORMAT, 0, "{"},
        {"x", RT_EFORMAT, 0, "x"},
        {"[{\"Path\":\"a\"} {\"Path\":\"b\"}]", RT_EFORMAT, 1, "{\"Path\":\"b\""},
        {"[{\"Path\":\"a\"},]", RT_EFORMAT, 1, "]"},
        {"[,{\"Path\":\"a\"}]", RT_EFORMAT, 0, ","},
        {"[{\"Path\":\"a\",\"Step\":{}}]", RT_EFORMAT, 0, ",\"Step\""},
        {"[{}]", RT_EFORMAT, 0, "{}"},
        {"[1]", RT_EFORMAT, 0, "1"},
        {"[null]", RT_EFORMAT, 0, "null"},
        {"[{\"Path\":\"a\"}}]", RT_EFORMAT, 1, "}]"},
        {"[{\"Path\":\"a\"]]", RT_EFORMAT, 0, "]]"},
        {"[{\"Step\":{\"path_id\":1,\"line\":1,}}]", RT_EFORMAT, 0, "}}]"},
        {"[{\"Step\":{\"path_id\" 1,\"line\":1}}]", RT_EFORMAT, 0, "1,\"line\""},
        {"[{\"Path\":\"a\"}] x", RT_EFORMAT, 1, "x"},
        {"[{\"Path\":\"a\"}][]", RT_EFORMAT, 1, "[]"},
        {"[{\"Step\":{\"x\":[tru],\"path_id\":1,\"line\":1}}]", RT_EFORMAT, 0, "tru"},
        {"[{\"Step\":{\"x\":nul,\"path_id\":1,\"line\":1}}]", RT_EFORMAT, 0, "nul"},
        {"[{\"Step\":{\"x\":-,\"path_id\":1,\"line\":1}}]", RT_EFORMAT, 0, "-,"},
        {"[{\"Step\":{\"x\":1.,\"path_id\":1,\"line\":1}}]", RT_EFORMAT, 0, "1.,"},
        {"[{\"Step\":{\"x\":{1:2},\"path_id\":1,\"line\":1}}]", RT_EFORMAT, 0, "1:2"},
        /* cut files */
        {"[{\"Path\":\"a\"},{\"Pa", RT_ETRUNCATED, 1, NULL},
        {"[{\"Path\":\"a\"}", RT_ETRUNCATED, 1, NULL},
        {"[{\"Path\":\"a\"},", RT_ETRUNCATED, 1, NULL},
        {"[", RT_ETRUNCATED, 0, NULL},
        {"   ", RT_ETRUNCATED, 0, NULL},
        {"[{\"Path\":\"a\\", RT_ETRUNCATED, 0, NULL},
        {"[1", RT_ETRUNCATED, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(&cases[i]);
}

/* A Return whose value is n Sequences nested in each other (n >= 1), in
 * the canonical form; *innermost is the offset of the deepest one. */
static char *nested_sequences(size_t n, size_t *innermost)
{
    const char *open = "{\"kind\":\"Sequence\",\"elements\":[";
    const char *close = "],\"is_slice\":false,\"type_id\":0}";
    const char *head = "[{\"Return\":{\"return_value\":";
    size_t len = strlen(head) + n * (strlen(open) + strlen(close)) + 16;
    char *s = malloc(len);
    assert_non_null(s);
    strcpy(s, head);
    char *p = s + strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (i == n - 1)
            *innermost = (size_t)(p - s);
        p = stpcpy(p, open);
    }
    for (size_t i = 0; i < n; i++)
        p = stpcpy(p, close);
    strcpy(p, "}}]");
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    size_t at;
    /* Values nest RT_MAX_DEPTH + 1 levels deep (root at depth 0), as the
     * writer's check allows; one more is RT_ELIMIT at the innermost. */
    char *ok = nested_sequences(RT_MAX_DEPTH + 1, &at);
    membuf out;
    char msg[512];
    assert_int_equal(reencode(ok, strlen(ok), &out, msg), RT_READ_END);
    assert_string_equal(out.data, ok);
    free(out.data);
    free(ok);
    char *bad = nested_sequences(RT_MAX_DEPTH + 2, &at);
    expect_error_len(bad, strlen(bad), RT_ELIMIT, 0, at);
    free(bad);
    /* An unknown key's value is skipped, but not without a limit either. */
    size_t n = 10000;
    char *deep = malloc(2 * n + 64);
    assert_non_null(deep);
    strcpy(deep, "[{\"Step\":{\"x\":");
    size_t h = strlen(deep);
    memset(deep + h, '[', n);
    memset(deep + h + n, ']', n);
    strcpy(deep + h + 2 * n, ",\"path_id\":1,\"line\":1}}]");
    rt_reader *r;
    assert_int_equal(rt_reader_open_memory(&r, deep, strlen(deep), NULL), RT_OK);
    const rt_event *e;
    assert_int_equal(rt_reader_next(r, &e), RT_ELIMIT);
    rt_reader_free(r);
    free(deep);
}

/* ---- cuts at every byte ------------------------------------------------- */

/* The end offsets of the top-level elements, found independently of the
 * reader (values.json is compact, with no whitespace outside strings). */
static size_t element_ends(const char *s, size_t len, size_t *ends, size_t max)
{
    size_t n = 0;
    int depth = 0;
    bool in_str = false, esc = false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (in_str) {
            if (esc)
                esc = false;
            else if (ch == '\\')
                esc = true;
            else if (ch == '"') {
                in_str = false;
                if (depth == 1) {
                    assert_true(n < max);
                    ends[n++] = i + 1;
                }
            }
            continue;
        }
        if (ch == '"')
            in_str = true;
        else if (ch == '{' || ch == '[')
            depth++;
        else if (ch == '}' || ch == ']') {
            depth--;
            if (depth == 1) {
                assert_true(n < max);
                ends[n++] = i + 1;
            }
        }
    }
    return n;
}

static void test_cut_at_every_byte(void **state)
{
    (void)state;
    size_t len;
    char *text = tu_read_file(tu_fixture("values/values.json"), &len);
    assert_non_null(text);
    rt_event_list *all;
    char errbuf[256];
    assert_int_equal(rt_event_list_load(&all, tu_fixture("values/values.json"), NULL, errbuf,
                                        sizeof errbuf),
                     RT_OK);
    size_t ends[1024];
    size_t nends = element_ends(text, len, ends, 1024);
    assert_int_equal(nends, rt_event_list_len(all));
    assert_int_equal(nends, 177);
    for (size_t cut = 0; cut < len; cut++) {
        rt_reader *r;
        int rc = rt_reader_open_memory(&r, text, cut, NULL);
        if (cut == 0) {
            assert_int_equal(rc, RT_ETRUNCATED);
            continue;
        }
        assert_int_equal(rc, RT_OK);
        size_t complete = 0;
        while (complete < nends && ends[complete] <= cut)
            complete++;
        const rt_event *e;
        size_t got = 0;
        while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
            assert_true(got < complete);
            if (!rt_event_equal(e, rt_event_list_at(all, got)))
                fail_msg("cut %zu: event %zu differs", cut, got);
            got++;
        }
        if (rc != RT_ETRUNCATED || got != complete)
            fail_msg("cut %zu: %zu events then %s (%s), expected %zu then RT_ETRUNCATED", cut, got,
                     rt_status_name(rc), rt_reader_errmsg(r), complete);
        rt_reader_free(r);
    }
    rt_event_list_free(all);
    free(text);
}

/* The same cut through a file, where the data comes in pieces. */
static void test_cut_file(void **state)
{
    (void)state;
    size_t len;
    char *text = tu_read_file(tu_fixture("values/values.json"), &len);
    assert_non_null(text);
    char dir[64];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    char path[1024];
    snprintf(path, sizeof path, "%s", tu_join(dir, "cut.json"));
    size_t cut = len / 2 + 7;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, cut, f), cut);
    fclose(f);
    rt_reader *r;
    assert_int_equal(rt_reader_open(&r, path, NULL), RT_OK);
    const rt_event *e;
    int rc;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
        ;
    assert_int_equal(rc, RT_ETRUNCATED);
    assert_non_null(strstr(rt_reader_errmsg(r), path));
    char want[64];
    snprintf(want, sizeof want, "at byte %zu: truncated", cut);
    assert_non_null(strstr(rt_reader_errmsg(r), want));
    rt_reader_free(r);
    tu_rmtree(dir);
    free(text);
}

static void expect_path_event(rt_reader *r, const char *path, size_t len);

/* Long strings full of escapes, cut across read buffers, in a file. */
static void test_escapes_across_buffers(void **state)
{
    (void)state;
    char dir[64], path[1024];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    snprintf(path, sizeof path, "%s", tu_join(dir, "esc.json"));
    size_t n = 3 * RT_JSON_READ_CHUNK + 1001;
    static const char *const pieces[] = {"\\\"", "\\\\", "a", "\\u00e9", "]}[{,", "\\n"};
    static const char *const decoded[] = {"\"", "\\", "a", "\xc3\xa9", "]}[{,", "\n"};
    char *json = malloc(n * 8 + 64), *want = malloc(n * 4);
    assert_non_null(json);
    assert_non_null(want);
    char *p = json + sprintf(json, "[{\"Path\":\"x\"},{\"Path\":\"");
    size_t wn = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = (i * 7 + i / 5) % 6;
        p = stpcpy(p, pieces[k]);
        memcpy(want + wn, decoded[k], strlen(decoded[k]));
        wn += strlen(decoded[k]);
    }
    p = stpcpy(p, "\"},\"DropLastStep\"]");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(json, 1, (size_t)(p - json), f);
    fclose(f);
    rt_reader *r;
    assert_int_equal(rt_reader_open(&r, path, NULL), RT_OK);
    expect_path_event(r, "x", 1);
    expect_path_event(r, want, wn);
    const rt_event *e;
    assert_int_equal(rt_reader_next(r, &e), RT_READ_EVENT);
    assert_int_equal(e->kind, RT_EVENT_DROP_LAST_STEP);
    assert_int_equal(rt_reader_next(r, &e), RT_READ_END);
    rt_reader_free(r);
    free(json);
    free(want);
    tu_rmtree(dir);
}

/* ---- follow mode -------------------------------------------------------- */

static void append(const char *path, const char *s, size_t n)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, s, n), (ssize_t)n);
    close(fd);
}

static void expect_path_event(rt_reader *r, const char *path, size_t len)
{
    const rt_event *e;
    int rc = rt_reader_next(r, &e);
    if (rc != RT_READ_EVENT)
        fail_msg("expected an event, got %s: %s", rt_status_name(rc), rt_reader_errmsg(r));
    assert_int_equal(e->kind, RT_EVENT_PATH);
    assert_int_equal(e->u.path.len, len);
    assert_memory_equal(e->u.path.ptr, path, len);
}

static void test_follow_growing_file(void **state)
{
    (void)state;
    char dir[64];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    char path[1024];
    snprintf(path, sizeof path, "%s", tu_join(dir, "trace.json"));
    append(path, "", 0);
    rt_reader_options ro = {NULL, true, NULL, 0};
    rt_reader *r;
    assert_int_equal(rt_reader_open(&r, path, &ro), RT_OK);
    const rt_event *e;
    assert_int_equal(rt_reader_next(r, &e), RT_READ_PENDING);
    append(path, " [", 2);
    assert_int_equal(rt_reader_next(r, &e), RT_READ_PENDING);
    append(path, "{\"Path\":\"a\"},{\"Pa", 17);
    expect_path_event(r, "a", 1);
    assert_int_equal(rt_reader_next(r, &e), RT_READ_PENDING);
    assert_int_equal(rt_reader_next(r, &e), RT_READ_PENDING);
    append(path, "th\":\"b\"}", 8);
    expect_path_event(r, "b", 1);
    assert_int_equal(rt_reader_next(r, &e), RT_READ_PENDING);
    /* An element larger than the read buffer, arriving in pieces. */
    size_t big = 3 * RT_JSON_READ_CHUNK + 123;
    char *s = malloc(big);
    assert_non_null(s);
    for (size_t i = 0; i < big; i++)
        s[i] = (char)('a' + i % 26);
    append(path, ",{\"Path\":\"", 10);
    for (size_t off = 0; off < big; off += 50000) {
        assert_int_equal(rt_reader_next(r, &e), RT_READ_PENDING);
        append(path, s + off, big - off < 50000 ? big - off : 50000);
    }
    assert_int_equal(rt_reader_next(r, &e), RT_READ_PENDING);
    append(path, "\"}", 2);
    expect_path_event(r, s, big);
    assert_int_equal(rt_reader_next(r, &e), RT_READ_PENDING);
    append(path, "\n", 1);
    assert_int_equal(rt_reader_next(r, &e), RT_READ_PENDING);
    append(path, "]\n", 2);
    assert_int_equal(rt_reader_next(r, &e), RT_READ_END);
    assert_int_equal(rt_reader_next(r, &e), RT_READ_END);
    assert_int_equal(rt_reader_event_index(r), 3);
    rt_reader_free(r);

    /* Without follow mode the same file reads whole. */
    assert_int_equal(rt_reader_open(&r, path, NULL), RT_OK);
    size_t n = 0;
    int rc;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
        n++;
    assert_int_equal(rc, RT_READ_END);
    assert_int_equal(n, 3);
    rt_reader_free(r);
    free(s);
    tu_rmtree(dir);
}

/* ---- the element size limit --------------------------------------------- */

static int decode_with_limit(const char *text, size_t limit, uint64_t *events, rt_err *err)
{
    rt_source src;
    rt_source_init_memory(&src, text, strlen(text));
    rt_arena arena;
    rt_arena_init(&arena, NULL, 4096);
    uint64_t index = 0;
    rt_err_clear(err);
    rt_decoder_env env = {&src, err, &rt_default_allocator, &arena, &index};
    rt_decoder *d;
    assert_int_equal(rt_json_decoder_new_limit(&env, limit, &d), RT_OK);
    rt_event e;
    int rc;
    while ((rc = d->ops->next(d, &e)) == RT_READ_EVENT) {
        index++;
        rt_arena_reset(&arena);
    }
    d->ops->destroy(d);
    rt_arena_free(&arena);
    *events = index;
    return rc;
}

static void test_event_size_limit(void **state)
{
    (void)state;
    char text[4096];
    char name[2001];
    memset(name, 'x', 2000);
    name[2000] = '\0';
    snprintf(text, sizeof text, "[{\"Path\":\"a\"},{\"Path\":\"%s\"}]", name);
    rt_err err;
    uint64_t n;
    assert_int_equal(decode_with_limit(text, 3000, &n, &err), RT_READ_END);
    assert_int_equal(n, 2);
    assert_int_equal(decode_with_limit(text, 1000, &n, &err), RT_ELIMIT);
    assert_int_equal(n, 1);
    assert_non_null(strstr(err.msg, "event 1 at byte 14: "));
    /* A top-level scalar is held to the limit too. */
    memset(text, '1', 3000);
    text[0] = '[';
    text[3000] = '\0';
    assert_int_equal(decode_with_limit(text, 1000, &n, &err), RT_ELIMIT);
}

/* ---- floats ------------------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Reads a list of Return Float events, written by the JSON writer from
 * random doubles, and checks each comes back bit for bit. */
static void test_float_round_trip(void **state)
{
    (void)state;
    enum { N = 100000 };
    double *vals = malloc(N * sizeof *vals);
    char *text = malloc((size_t)N * 96 + 16);
    assert_non_null(vals);
    assert_non_null(text);
    char *p = text;
    *p++ = '[';
    for (int i = 0; i < N; i++) {
        double v;
        do {
            uint64_t bits = rng();
            if (i % 4 == 1)
                bits &= 0x800FFFFFFFFFFFFFull; /* subnormals */
            memcpy(&v, &bits, sizeof v);
        } while (!isfinite(v));
        if (i % 4 == 2) /* short decimals, the fast path */
            v = (double)(int64_t)(rng() % 2000000001 - 1000000000) / 1000.0;
        vals[i] = v;
        if (i)
            *p++ = ',';
        p += sprintf(p, "{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":");
        p = rt_json_put_f64(p, v);
        p += sprintf(p, ",\"type_id\":0}}}");
    }
    *p++ = ']';
    rt_reader *r;
    assert_int_equal(rt_reader_open_memory(&r, text, (size_t)(p - text), NULL), RT_OK);
    const rt_event *e;
    int i = 0, rc;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
        double got = e->u.return_value.u.f;
        if (memcmp(&got, &vals[i], sizeof got) != 0)
            fail_msg("event %d: %.17g read back as %.17g", i, vals[i], got);
        i++;
    }
    assert_int_equal(rc, RT_READ_END);
    assert_int_equal(i, N);
    rt_reader_free(r);
    free(vals);
    free(text);
}

/* Decimal strings of every shape agree with glibc's correctly rounded
 * strtod, the fast path included. */
static void test_float_decimal_strings(void **state)
{
    (void)state;
    static const char *const fixed[] = {
        "9007199254740993", "9007199254740992.5", "1e23", "8.98846567431158e307",
        "2.2250738585072011e-308", "2.2250738585072012e-308", "4.9406564584124654e-324",
        "2.4703282292062327e-324", "2.4703282292062328e-324", "1.7976931348623158e308",
        "0.30000000000000004", "123456789012345678901234567890", "1e-400", "-0", "0e999999999",
        "100000000000000000000000", "3.0e22", "3.0e-22", "123456789012345e-22",
        "0.000000000000000000000000000000000000000000001e45",
    };
    enum { NRANDOM = 50000 };
    char tok[64];
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] + NRANDOM; i++) {
        if (i < sizeof fixed / sizeof fixed[0]) {
            snprintf(tok, sizeof tok, "%s", fixed[i]);
        } else {
            /* [-]I[.F]eX from 1 to 19 random significant digits */
            char d[20];
            int digits = 1 + (int)(rng() % 19);
            for (int k = 0; k < digits; k++)
                d[k] = (char)('0' + (k == 0 ? 1 + rng() % 9 : rng() % 10));
            int point = (int)(rng() % (unsigned)(digits + 1)); /* digits before the point */
            char *q = tok;
            if (rng() % 2)
                *q++ = '-';
            if (point == 0)
                *q++ = '0';
            memcpy(q, d, (size_t)point);
            q += point;
            if (point < digits) {
                *q++ = '.';
                memcpy(q, d + point, (size_t)(digits - point));
                q += digits - point;
            }
            sprintf(q, "e%d", (int)(rng() % 60) - 30);
        }
        char text[160];
        snprintf(text, sizeof text,
                 "[{\"Return\":{\"return_value\":{\"kind\":\"Float\",\"f\":%s,\"type_id\":0}}}]", tok);
        rt_reader *r;
        assert_int_equal(rt_reader_open_memory(&r, text, strlen(text), NULL), RT_OK);
        const rt_event *e;
        int rc = rt_reader_next(r, &e);
        if (rc != RT_READ_EVENT)
            fail_msg("%s: %s", tok, rt_reader_errmsg(r));
        double want = strtod(tok, NULL);
        double got = e->u.return_value.u.f;
        if (memcmp(&got, &want, sizeof got) != 0)
            fail_msg("%s read as %.17g, strtod gives %.17g", tok, got, want);
        rt_reader_free(r);
    }
}

/* ---- allocation failures ------------------------------------------------ */

typedef struct failing_alloc {
    long countdown; /* fail when it reaches 0 */
    long long live_bytes;
    long blocks;
} failing_alloc;

static void *fa_alloc(void *ctx, size_t n)
{
    failing_alloc *f = ctx;
    if (f->countdown-- == 0)
        return NULL;
    void *p = malloc(n);
    if (p) {
        f->live_bytes += (long long)n;
        f->blocks++;
    }
    return p;
}
static void *fa_realloc(void *ctx, void *p, size_t old_n, size_t n)
{
    failing_alloc *f = ctx;
    if (f->countdown-- == 0)
        return NULL;
    void *q = realloc(p, n);
    if (q) {
        f->live_bytes += (long long)n - (long long)(p ? old_n : 0);
        if (!p)
            f->blocks++;
    }
    return q;
}
static void fa_free(void *ctx, void *p, size_t n)
{
    failing_alloc *f = ctx;
    if (p) {
        f->live_bytes -= (long long)n;
        f->blocks--;
    }
    free(p);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    size_t len;
    char *text = tu_read_file(tu_fixture("values/values.json"), &len);
    assert_non_null(text);
    bool succeeded = false;
    for (long k = 0; !succeeded; k++) {
        failing_alloc f = {k, 0, 0};
        rt_allocator a = {fa_alloc, fa_realloc, fa_free, &f};
        rt_reader_options ro = {&a, false, NULL, 0};
        rt_reader *r;
        int rc = rt_reader_open_memory(&r, text, len, &ro);
        if (rc == RT_OK) {
            const rt_event *e;
            size_t n = 0;
            while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
                n++;
            if (rc == RT_READ_END) {
                assert_int_equal(n, 177);
                succeeded = true;
            }
            rt_reader_free(r);
        }
        if (!succeeded)
            assert_int_equal(rc, RT_ENOMEM);
        assert_int_equal(f.live_bytes, 0);
        assert_int_equal(f.blocks, 0);
        assert_true(k < 100000);
    }
    free(text);
}

/* ---- trace_metadata.json, trace_paths.json ------------------------------- */

static const char *write_tmp(const char *dir, const char *name, const char *content)
{
    const char *p = tu_join(dir, name);
    assert_int_equal(strncmp(p, "/tmp/", 5), 0);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fwrite(content, 1, strlen(content), f);
    fclose(f);
    return p;
}

static void test_metadata_and_paths(void **state)
{
    (void)state;
    rt_metadata m;
    char errbuf[512];
    assert_int_equal(rt_metadata_read(tu_fixture("tutorial/trace_metadata.json"), &m, errbuf,
                                      sizeof errbuf),
                     RT_OK);
    assert_string_equal(m.workdir, "/home/user/example");
    assert_string_equal(m.program, "example_program");
    assert_int_equal(m.nargs, 0);
    rt_metadata_clear(&m);
    assert_null(m.workdir);
    rt_metadata_clear(&m);

    rt_path_list pl;
    assert_int_equal(rt_paths_read(tu_fixture("simple/trace_paths.json"), &pl, errbuf, sizeof errbuf),
                     RT_OK);
    assert_int_equal(pl.len, 1);
    assert_string_equal(pl.paths[0], "/test/path.small");
    rt_path_list_clear(&pl);

    char dir[64];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    char path[1024];
    snprintf(path, sizeof path, "%s",
             write_tmp(dir, "m.json",
                       " {\"program\":\"p\\u00e9\",\"x\":{\"y\":[1]},\"args\":[\"-v\",\"a b\"],"
                       "\"workdir\":\"/w\"}\n"));
    assert_int_equal(rt_metadata_read(path, &m, errbuf, sizeof errbuf), RT_OK);
    assert_string_equal(m.program, "p\xc3\xa9");
    assert_string_equal(m.workdir, "/w");
    assert_int_equal(m.nargs, 2);
    assert_string_equal(m.args[1], "a b");
    rt_metadata_clear(&m);

    static const struct {
        const char *content;
        int code;
        const char *msg;
    } bad_meta[] = {
        {"{\"workdir\":\"/w\",\"program\":\"p\"}", RT_EFORMAT, "byte 0: missing field `args`"},
        {"{\"workdir\":\"/w\",\"program\":1,\"args\":[]}", RT_EFORMAT, "byte 26: expected a string"},
        {"{\"workdir\":\"/w\",\"program\":\"a\\u0000\",\"args\":[]}", RT_EFORMAT, "NUL"},
        {"{\"workdir\":\"/w\",\"program\":\"p\",\"args\":[]} x", RT_EFORMAT, "byte 41: unexpected data"},
        {"{\"workdir\":\"/w\",\"program\":\"\xff\",\"args\":[]}", RT_EUTF8, "invalid UTF-8"},
        {"{\"workdir\":\"/w\",\"workdir\":\"/v\",\"program\":\"p\",\"args\":[]}", RT_EFORMAT, "duplicate"},
        {"{\"workdir\":\"/w\",\"program\":\"p\",\"args\":[1]}", RT_EFORMAT, "expected a string"},
        {"{\"workdir\":\"/w\",\"program\":\"p\",\"args\":[", RT_ETRUNCATED, "unexpected end"},
        {"", RT_ETRUNCATED, "unexpected end"},
        {"[]", RT_EFORMAT, "expected an object"},
    };
    for (size_t i = 0; i < sizeof bad_meta / sizeof bad_meta[0]; i++) {
        snprintf(path, sizeof path, "%s", write_tmp(dir, "bad.json", bad_meta[i].content));
        int rc = rt_metadata_read(path, &m, errbuf, sizeof errbuf);
        if (rc != bad_meta[i].code || !strstr(errbuf, bad_meta[i].msg) || !strstr(errbuf, path))
            fail_msg("%s: got %s \"%s\"", bad_meta[i].content, rt_status_name(rc), errbuf);
        assert_null(m.workdir);
        assert_null(m.args);
    }
    assert_int_equal(rt_metadata_read(tu_join(dir, "none.json"), &m, errbuf, sizeof errbuf),
                     RT_ENOENT);
    assert_int_equal(rt_paths_read(tu_join(dir, "none.json"), &pl, errbuf, sizeof errbuf), RT_ENOENT);

    snprintf(path, sizeof path, "%s", write_tmp(dir, "p.json", "[\"a\", \"/b/c\" ,\"\"]"));
    assert_int_equal(rt_paths_read(path, &pl, errbuf, sizeof errbuf), RT_OK);
    assert_int_equal(pl.len, 3);
    assert_string_equal(pl.paths[1], "/b/c");
    assert_string_equal(pl.paths[2], "");
    rt_path_list_clear(&pl);
    snprintf(path, sizeof path, "%s", write_tmp(dir, "p.json", "[]"));
    assert_int_equal(rt_paths_read(path, &pl, errbuf, sizeof errbuf), RT_OK);
    assert_int_equal(pl.len, 0);
    rt_path_list_clear(&pl);
    static const char *const bad_paths[] = {"{}", "[\"a\",]", "[\"a\" \"b\"]", "[\"a\"", "[1]",
                                            "[\"a\"]]", "[\"a\\u0000\"]"};
    for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++) {
        snprintf(path, sizeof path, "%s", write_tmp(dir, "p.json", bad_paths[i]));
        int rc = rt_paths_read(path, &pl, errbuf, sizeof errbuf);
        if (rc >= 0 || !strstr(errbuf, "byte "))
            fail_msg("%s: got %s \"%s\"", bad_paths[i], rt_status_name(rc), errbuf);
        assert_null(pl.paths);
        assert_int_equal(pl.len, 0);
    }
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_roundtrips),
        cmocka_unit_test(test_real_fixtures),
        cmocka_unit_test(test_tolerant_forms),
        cmocka_unit_test(test_tolerant_values),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_cut_at_every_byte),
        cmocka_unit_test(test_cut_file),
        cmocka_unit_test(test_escapes_across_buffers),
        cmocka_unit_test(test_follow_growing_file),
        cmocka_unit_test(test_event_size_limit),
        cmocka_unit_test(test_float_round_trip),
        cmocka_unit_test(test_float_decimal_strings),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_metadata_and_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
