#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static char *rotate(void)
{
    static char bufs[8][4096];
    static int i;
    i = (i + 1) % 8;
    return bufs[i];
}

const char *tu_fixture(const char *rel)
{
    char *b = rotate();
    snprintf(b, 4096, "%s/%s", RT_FIXTURES_DIR, rel);
    return b;
}

const char *tu_join(const char *dir, const char *name)
{
    char *b = rotate();
    snprintf(b, 4096, "%s/%s", dir, name);
    return b;
}

const char *tu_tmpdir(void)
{
    static char dirs[8][64];
    static int i;
    i = (i + 1) % 8;
    char *b = dirs[i];
    snprintf(b, 64, "/tmp/rt-test-XXXXXX");
    if (!mkdtemp(b))
        fail_msg("mkdtemp failed");
    return b;
}

void tu_rmtree(const char *path)
{
    if (strncmp(path, "/tmp/", 5) != 0)
        return;
    tu_run("rm -rf '%s'", path);
}

void tu_assert_file_equals(const char *actual, const void *expected, size_t len)
{
    size_t n = 0;
    char *a = tu_read_file(actual, &n);
    if (!a)
        fail_msg("cannot read %s", actual);
    size_t i = 0;
    const char *e = expected;
    while (i < n && i < len && a[i] == e[i])
        i++;
    if (i != n || n != len) {
        size_t from = i > 40 ? i - 40 : 0;
        fprintf(stderr, "%s differs at byte %zu (sizes %zu vs %zu expected)\n  got:      %.100s\n  expected: %.100s\n",
                actual, i, n, len, a + from, i < len ? e + from : "");
        free(a);
        fail_msg("%s differs from the expected bytes at offset %zu", actual, i);
    }
    free(a);
}

void tu_assert_same_file(const char *actual, const char *expected)
{
    size_t len = 0;
    char *e = tu_read_file(expected, &len);
    if (!e)
        fail_msg("cannot read %s", expected);
    tu_assert_file_equals(actual, e, len);
    free(e);
}

char *tu_read_expected(const char *path, size_t *len)
{
    char *s = tu_read_file(path, len);
    if (!s)
        return NULL;
    static const char *const kinds[] = {"\"Simple\",\"0\":", "\"Compound\",\"0\":",
                                        "\"FunctionReturn\",\"0\":", "\"FieldAccess\",\"0\":"};
    /* "data" is three bytes longer than "0": rebuild into a new buffer. */
    size_t n = *len, cap = n + 1, out = 0;
    for (char *p = s; (p = strstr(p, "\",\"0\":")) != NULL; p++)
        cap += 3;
    char *r = malloc(cap);
    if (!r) {
        free(s);
        return NULL;
    }
    for (size_t i = 0; i < n;) {
        size_t k;
        for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            size_t kl = strlen(kinds[k]);
            if (i + kl <= n && memcmp(s + i, kinds[k], kl) == 0) {
                memcpy(r + out, kinds[k], kl - 4);
                out += kl - 4;
                memcpy(r + out, "\"data\":", 7);
                out += 7;
                i += kl;
                break;
            }
        }
        if (k == sizeof kinds / sizeof kinds[0])
            r[out++] = s[i++];
    }
    r[out] = '\0';
    free(s);
    *len = out;
    return r;
}

void tu_assert_same_as_expected(const char *actual, const char *expected)
{
    size_t len = 0;
    char *e = tu_read_expected(expected, &len);
    if (!e)
        fail_msg("cannot read %s", expected);
    tu_assert_file_equals(actual, e, len);
    free(e);
}

int tu_run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

/* One event of every kind, with values of every kind nested inside. */
size_t tu_sample_events(rt_event *ev)
{
    static const uint8_t big[] = {1, 2, 255, 0, 7};
    static rt_value leaves[12];
    static rt_value seq[3], tuple[2], fields[2], inner, deref;
    static rt_full_value args[3];
    static rt_field_type ftypes[2];
    static rt_str lines[3];
    static rt_variable_id ids[4] = {0, 1, UINT64_MAX, 1u << 31};
    leaves[0] = rt_value_int(INT64_MIN, 3);
    leaves[1] = rt_value_int(INT64_MAX, UINT64_MAX);
    leaves[2] = rt_value_float(-0.0, 4);
    leaves[3] = rt_value_float(NAN, 4);
    leaves[4] = rt_value_float(5e-324, 4);
    leaves[5] = rt_value_bool(true, 5);
    leaves[6] = rt_value_string_n("a\0b\xe2\x80\xa8", 6, 6);
    leaves[7] = rt_value_string("", 6);
    leaves[8] = rt_value_raw("raw", 7);
    leaves[9] = rt_value_error("error", 8);
    leaves[10] = rt_value_none(0);
    leaves[11] = rt_value_cell(-42);
    inner = rt_value_bigint(big, sizeof big, true, 9);
    seq[0] = leaves[0];
    seq[1] = rt_value_variant("Some", &inner, 10);
    seq[2] = rt_value_bigint(NULL, 0, false, 9);
    tuple[0] = rt_value_sequence(seq, 3, true, 11);
    tuple[1] = rt_value_sequence(NULL, 0, false, 11);
    deref = rt_value_tuple(tuple, 2, 12);
    fields[0] = rt_value_reference(&deref, UINT64_MAX, true, 13);
    fields[1] = leaves[6];
    for (int i = 0; i < 3; i++)
        args[i].variable_id = (rt_variable_id)i * 1000000007u;
    args[0].value = leaves[1];
    args[1].value = rt_value_struct(fields, 2, 14);
    args[2].value = leaves[3];
    ftypes[0].name = rt_str_c("x");
    ftypes[0].type_id = 1;
    ftypes[1].name = rt_str_c("long field name");
    ftypes[1].type_id = UINT64_MAX;
    lines[0] = rt_str_c("mov rax, 1");
    lines[1] = rt_str_c("");
    lines[2] = rt_str_c("ret");

    size_t n = 0;
    memset(ev, 0, 64 * sizeof *ev);
    ev[n].kind = RT_EVENT_STEP, ev[n].u.step.path_id = UINT64_MAX, ev[n++].u.step.line = INT64_MIN;
    ev[n].kind = RT_EVENT_STEP, ev[n].u.step.path_id = 0, ev[n++].u.step.line = -1;
    ev[n].kind = RT_EVENT_PATH, ev[n++].u.path = rt_str_c("/a/b.rs");
    ev[n].kind = RT_EVENT_VARIABLE_NAME, ev[n++].u.name = rt_str_c("x");
    ev[n].kind = RT_EVENT_VARIABLE, ev[n++].u.name = rt_str_c("");
    ev[n].kind = RT_EVENT_TYPE, ev[n].u.type.kind = RT_TYPE_SLICE;
    ev[n++].u.type.lang_type = rt_str_c("[T]");
    ev[n].kind = RT_EVENT_TYPE, ev[n].u.type.kind = RT_TYPE_STRUCT;
    ev[n].u.type.lang_type = rt_str_c("Point");
    ev[n].u.type.info_kind = RT_INFO_STRUCT;
    ev[n].u.type.info.fields.items = ftypes;
    ev[n++].u.type.info.fields.len = 2;
    ev[n].kind = RT_EVENT_TYPE, ev[n].u.type.kind = RT_TYPE_POINTER;
    ev[n].u.type.lang_type = rt_str_c("*T");
    ev[n].u.type.info_kind = RT_INFO_POINTER;
    ev[n++].u.type.info.dereference_type_id = 77;
    for (int i = 0; i < 12; i++) {
        ev[n].kind = RT_EVENT_VALUE;
        ev[n].u.value.variable_id = (rt_variable_id)i;
        ev[n++].u.value.value = leaves[i];
    }
    ev[n].kind = RT_EVENT_FUNCTION, ev[n].u.function.path_id = 3;
    ev[n].u.function.line = INT64_MAX, ev[n++].u.function.name = rt_str_c("main");
    ev[n].kind = RT_EVENT_CALL, ev[n].u.call.function_id = 9, ev[n].u.call.args = args;
    ev[n++].u.call.len = 3;
    ev[n].kind = RT_EVENT_CALL, ev[n++].u.call.function_id = 0;
    ev[n].kind = RT_EVENT_RETURN, ev[n++].u.return_value = args[1].value;
    ev[n].kind = RT_EVENT_EVENT, ev[n].u.event.kind = RT_LOG_EVM_EVENT;
    ev[n].u.event.metadata = rt_str_c("meta");
    ev[n++].u.event.content = rt_str_c("content\n");
    ev[n].kind = RT_EVENT_ASM, ev[n].u.asm_lines.items = lines, ev[n++].u.asm_lines.len = 3;
    ev[n].kind = RT_EVENT_BIND_VARIABLE, ev[n].u.bind.variable_id = 4, ev[n++].u.bind.place = -5;
    ev[n].kind = RT_EVENT_VARIABLE_CELL, ev[n].u.bind.variable_id = 6, ev[n++].u.bind.place = 7;
    ev[n].kind = RT_EVENT_ASSIGNMENT, ev[n].u.assignment.to = 1;
    ev[n].u.assignment.pass_by = RT_PASS_BY_REFERENCE;
    ev[n].u.assignment.from.kind = RT_RVALUE_SIMPLE, ev[n++].u.assignment.from.simple = 2;
    ev[n].kind = RT_EVENT_ASSIGNMENT, ev[n].u.assignment.to = 3;
    ev[n].u.assignment.from.kind = RT_RVALUE_COMPOUND, ev[n].u.assignment.from.ids = ids;
    ev[n++].u.assignment.from.len = 4;
    ev[n].kind = RT_EVENT_ASSIGNMENT, ev[n].u.assignment.from.kind = RT_RVALUE_LITERAL, n++;
    ev[n].kind = RT_EVENT_DROP_VARIABLES, ev[n].u.drop_variables.ids = ids;
    ev[n++].u.drop_variables.len = 4;
    ev[n].kind = RT_EVENT_DROP_VARIABLES, n++;
    ev[n].kind = RT_EVENT_COMPOUND_VALUE, ev[n].u.place_value.place = 1;
    ev[n++].u.place_value.value = deref;
    ev[n].kind = RT_EVENT_CELL_VALUE, ev[n].u.place_value.place = 2;
    ev[n++].u.place_value.value = leaves[8];
    ev[n].kind = RT_EVENT_ASSIGN_CELL, ev[n].u.place_value.place = INT64_MIN;
    ev[n++].u.place_value.value = leaves[11];
    ev[n].kind = RT_EVENT_ASSIGN_COMPOUND_ITEM, ev[n].u.assign_item.place = -1;
    ev[n].u.assign_item.index = UINT64_MAX, ev[n++].u.assign_item.item_place = INT64_MAX;
    ev[n].kind = RT_EVENT_DROP_VARIABLE, ev[n++].u.drop_variable = UINT64_MAX;
    ev[n].kind = RT_EVENT_THREAD_START, ev[n++].u.thread_id = 1;
    ev[n].kind = RT_EVENT_THREAD_SWITCH, ev[n++].u.thread_id = UINT64_MAX;
    ev[n].kind = RT_EVENT_THREAD_EXIT, ev[n++].u.thread_id = 0;
    ev[n].kind = RT_EVENT_DROP_LAST_STEP, n++;
    return n;
}


rt_filter *tu_load_filter_text(const char *dir, const char *text)
{
    const char *path = tu_join(dir, "f.toml");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    char err[512] = "";
    rt_filter_options fo = {NULL, err, sizeof err};
    rt_filter *flt = NULL;
    const char *specs[] = {path};
    if (rt_filter_load(&flt, specs, 1, &fo) != RT_OK)
        fail_msg("filter: %s", err);
    return flt;
}
