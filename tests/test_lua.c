/* ct-lua, the Lua recorder. Each script of tests/lua/ runs under lua5.4 and
 * under ct-lua in every format, buffered and streaming: the output, errors
 * and exit status must be the same, the trace directory must validate, and
 * its events (read back with rt_event_list_load) must show the call tree,
 * the lines and the values the script has. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define LUA_DIR RT_SOURCE_DIR "/tests/lua"

/* ---- a growable string --------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void buf_add(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_printf(buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    buf_add(b, tmp, n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static const char *buf_str(const buf *b)
{
    return b->p ? b->p : "";
}

/* ---- a recorded trace, summarised --------------------------------------- */

typedef struct trace {
    rt_event_list *list;
    char **functions;
    size_t nfunctions;
    rt_line *function_lines;
    char **variables;
    size_t nvariables;
    const rt_type_record **types;
    size_t ntypes;
    char **paths;
    size_t npaths;
    /* The call tree: name(arg=value,...){...}=return value */
    buf tree;
    /* " line" per Step in the script, " file:line" in other files */
    buf steps;
    buf writes, other_writes, errors;
    /* "name=value\n" per Value event */
    buf values;
    rt_format format; /* a trace.ct is in the 0.19 dialect */
} trace;

static char *dup_str(rt_str s)
{
    char *p = malloc(s.len + 1);
    assert_non_null(p);
    memcpy(p, s.ptr, s.len);
    p[s.len] = '\0';
    return p;
}

static void push_name(char ***list, size_t *n, rt_str s)
{
    *list = realloc(*list, (*n + 1) * sizeof **list);
    assert_non_null(*list);
    (*list)[(*n)++] = dup_str(s);
}

static void render(const trace *tr, buf *b, const rt_value *v)
{
    switch (v->kind) {
    case RT_VALUE_INT:
        buf_printf(b, "%lld", (long long)v->u.i);
        break;
    case RT_VALUE_FLOAT:
        buf_printf(b, "%.14g", v->u.f);
        break;
    case RT_VALUE_BOOL:
        buf_printf(b, "%s", v->flag ? "true" : "false");
        break;
    case RT_VALUE_STRING:
        buf_add(b, "\"", 1);
        buf_add(b, v->u.text.ptr, v->u.text.len);
        buf_add(b, "\"", 1);
        break;
    case RT_VALUE_NONE:
        buf_add(b, "nil", 3);
        break;
    case RT_VALUE_RAW:
        buf_add(b, "<", 1);
        buf_add(b, v->u.text.ptr, v->u.text.len);
        buf_add(b, ">", 1);
        break;
    case RT_VALUE_ERROR:
        buf_add(b, "error(", 6);
        buf_add(b, v->u.text.ptr, v->u.text.len);
        buf_add(b, ")", 1);
        break;
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
        buf_add(b, v->kind == RT_VALUE_TUPLE ? "(" : "[", 1);
        for (size_t i = 0; i < v->u.list.len; i++) {
            if (i)
                buf_add(b, ",", 1);
            render(tr, b, &v->u.list.items[i]);
        }
        buf_add(b, v->kind == RT_VALUE_TUPLE ? ")" : "]", 1);
        break;
    case RT_VALUE_STRUCT: {
        assert_true(v->type_id < tr->ntypes);
        const rt_type_record *t = tr->types[v->type_id];
        assert_int_equal(t->info_kind, RT_INFO_STRUCT);
        assert_int_equal(t->info.fields.len, v->u.list.len);
        buf_add(b, "{", 1);
        for (size_t i = 0; i < v->u.list.len; i++) {
            if (i)
                buf_add(b, ",", 1);
            buf_add(b, t->info.fields.items[i].name.ptr, t->info.fields.items[i].name.len);
            buf_add(b, "=", 1);
            render(tr, b, &v->u.list.items[i]);
        }
        buf_add(b, "}", 1);
        break;
    }
    default:
        buf_printf(b, "?%s", rt_value_kind_name(v->kind));
        break;
    }
}

static void trace_load(trace *tr, const char *dir, rt_format format)
{
    memset(tr, 0, sizeof *tr);
    tr->format = format;
    char errbuf[512] = "";
    const char *path = tu_join(dir, rt_format_events_file(format));
    int rc = rt_event_list_load(&tr->list, path, NULL, errbuf, sizeof errbuf);
    if (rc)
        fail_msg("cannot load %s: %s", path, errbuf);
    for (size_t i = 0; i < rt_event_list_len(tr->list); i++) {
        const rt_event *e = rt_event_list_at(tr->list, i);
        switch (e->kind) {
        case RT_EVENT_PATH:
            push_name(&tr->paths, &tr->npaths, e->u.path);
            break;
        case RT_EVENT_FUNCTION:
            push_name(&tr->functions, &tr->nfunctions, e->u.function.name);
            tr->function_lines = realloc(tr->function_lines, tr->nfunctions * sizeof(rt_line));
            tr->function_lines[tr->nfunctions - 1] = e->u.function.line;
            break;
        case RT_EVENT_VARIABLE_NAME:
            push_name(&tr->variables, &tr->nvariables, e->u.name);
            break;
        case RT_EVENT_TYPE:
            tr->types = realloc(tr->types, (tr->ntypes + 1) * sizeof *tr->types);
            tr->types[tr->ntypes++] = &e->u.type;
            break;
        case RT_EVENT_CALL:
            assert_true(e->u.call.function_id < tr->nfunctions);
            buf_printf(&tr->tree, "%s(", tr->functions[e->u.call.function_id]);
            for (size_t a = 0; a < e->u.call.len; a++) {
                assert_true(e->u.call.args[a].variable_id < tr->nvariables);
                buf_printf(&tr->tree, "%s%s=", a ? "," : "",
                           tr->variables[e->u.call.args[a].variable_id]);
                render(tr, &tr->tree, &e->u.call.args[a].value);
            }
            buf_add(&tr->tree, "){", 2);
            break;
        case RT_EVENT_RETURN:
            buf_add(&tr->tree, "}=", 2);
            render(tr, &tr->tree, &e->u.return_value);
            break;
        case RT_EVENT_STEP:
            assert_true(e->u.step.path_id < tr->npaths);
            if (e->u.step.path_id == 0) {
                buf_printf(&tr->steps, " %lld", (long long)e->u.step.line);
            } else {
                const char *p = tr->paths[e->u.step.path_id];
                const char *base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
                buf_printf(&tr->steps, " %s:%lld", base, (long long)e->u.step.line);
            }
            break;
        case RT_EVENT_VALUE:
            assert_true(e->u.value.variable_id < tr->nvariables);
            buf_printf(&tr->values, "%s=", tr->variables[e->u.value.variable_id]);
            render(tr, &tr->values, &e->u.value.value);
            buf_add(&tr->values, "\n", 1);
            break;
        case RT_EVENT_EVENT: {
            buf *b = e->u.event.kind == RT_LOG_WRITE         ? &tr->writes
                     : e->u.event.kind == RT_LOG_WRITE_OTHER ? &tr->other_writes
                     : e->u.event.kind == RT_LOG_ERROR       ? &tr->errors
                                                             : NULL;
            assert_non_null(b);
            buf_add(b, e->u.event.content.ptr, e->u.event.content.len);
            if (b == &tr->errors)
                buf_add(b, "\n", 1);
            break;
        }
        default:
            break;
        }
    }
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static void trace_free(trace *tr)
{
    rt_event_list_free(tr->list);
    free_names(tr->functions, tr->nfunctions);
    free_names(tr->variables, tr->nvariables);
    free_names(tr->paths, tr->npaths);
    free(tr->function_lines);
    free(tr->types);
    free(tr->tree.p);
    free(tr->steps.p);
    free(tr->writes.p);
    free(tr->other_writes.p);
    free(tr->errors.p);
    free(tr->values.p);
}

/* ---- assertions on a trace ---------------------------------------------- */

static void want_in(const char *what, const buf *b, const char *needle)
{
    if (!strstr(buf_str(b), needle)) {
        fprintf(stderr, "%s:\n%s\n", what, buf_str(b));
        fail_msg("%s lacks %s", what, needle);
    }
}

static void want_tree(const trace *tr, const char *needle)
{
    want_in("call tree", &tr->tree, needle);
}

static void want_steps(const trace *tr, const char *needle)
{
    want_in("steps", &tr->steps, needle);
}

static void want_value(const trace *tr, const char *name, const char *rendered)
{
    char line[1024];
    snprintf(line, sizeof line, "%s=%s\n", name, rendered);
    /* Values are one per line: match a whole line. */
    const char *all = buf_str(&tr->values);
    for (const char *p = all; (p = strstr(p, line)); p++)
        if (p == all || p[-1] == '\n')
            return;
    fprintf(stderr, "values:\n%s\n", all);
    fail_msg("no value %s", line);
}

static void want_function(const trace *tr, const char *name, rt_line line)
{
    for (size_t i = 0; i < tr->nfunctions; i++)
        if (strcmp(tr->functions[i], name) == 0 && tr->function_lines[i] == line)
            return;
    fail_msg("no function %s defined at line %lld", name, (long long)line);
}

/* Calls and returns balance: every Call of the tree is closed. */
static void want_balanced(const trace *tr)
{
    long depth = 0;
    for (size_t i = 0; i < rt_event_list_len(tr->list); i++) {
        const rt_event *e = rt_event_list_at(tr->list, i);
        depth += e->kind == RT_EVENT_CALL;
        depth -= e->kind == RT_EVENT_RETURN;
        assert_true(depth >= 0);
    }
    assert_int_equal(depth, 0);
}

/* ---- running a script both ways ----------------------------------------- */

enum { SAME_STDERR_WRITES = 1, SKIP_TRANSPARENCY = 2 };

typedef void (*trace_check)(const trace *tr);

static bool have_lua(void)
{
    return tu_run("command -v lua5.4 >/dev/null 2>&1") == 0;
}

static char *read_all(const char *path, size_t *len)
{
    char *p = tu_read_file(path, len);
    if (!p)
        fail_msg("cannot read %s", path);
    return p;
}

static void want_same_file(const char *what, const char *actual, const char *expected)
{
    size_t na, ne;
    char *a = read_all(actual, &na), *e = read_all(expected, &ne);
    if (na != ne || memcmp(a, e, na) != 0) {
        fprintf(stderr, "--- lua5.4 %s:\n%.*s\n--- ct-lua %s:\n%.*s\n", what, (int)ne, e, what,
                (int)na, a);
        free(a);
        free(e);
        fail_msg("ct-lua changed the script's %s", what);
    }
    free(a);
    free(e);
}

/* Runs `lua5.4 script args` and ct-lua on it in every format and mode from
 * cwd (NULL: tests/lua), then check() on each trace. */
static void check_script(const char *cwd, const char *script, const char *args, int flags,
                         trace_check check)
{
    if (!have_lua())
        skip();
    if (!cwd)
        cwd = LUA_DIR;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", tu_tmpdir());
    char lua_out[PATH_MAX + 16], lua_err[PATH_MAX + 16], ct_out[PATH_MAX + 16],
        ct_err[PATH_MAX + 16];
    snprintf(lua_out, sizeof lua_out, "%s/lua.out", tmp);
    snprintf(lua_err, sizeof lua_err, "%s/lua.err", tmp);
    snprintf(ct_out, sizeof ct_out, "%s/ct.out", tmp);
    snprintf(ct_err, sizeof ct_err, "%s/ct.err", tmp);
    int lua_status =
        tu_run("cd '%s' && lua5.4 %s %s >'%s' 2>'%s'", cwd, script, args, lua_out, lua_err);
    assert_true(lua_status >= 0);

    /* ct (the default) streaming only; the others both ways */
    static const rt_format formats[] = {RT_FORMAT_CT, RT_FORMAT_JSON, RT_FORMAT_V0, RT_FORMAT_V1};
    for (size_t f = 0; f < 4; f++) {
        for (int streaming = formats[f] == RT_FORMAT_CT; streaming < 2; streaming++) {
            char dir[PATH_MAX + 32];
            snprintf(dir, sizeof dir, "%s/trace-%s%s", tmp, rt_format_name(formats[f]),
                     streaming ? "-streaming" : "");
            int status = tu_run("cd '%s' && '%s/ct-lua' -o '%s' -f %s %s %s %s >'%s' 2>'%s'", cwd,
                                RT_BIN_DIR, dir, rt_format_name(formats[f]),
                                streaming ? "" : "--buffered", script, args, ct_out, ct_err);
            if (!(flags & SKIP_TRANSPARENCY)) {
                want_same_file("stdout", ct_out, lua_out);
                want_same_file("stderr", ct_err, lua_err);
                assert_int_equal(status, lua_status);
            }
            int valid = tu_run("'%s/runtime-tracing' validate '%s' >'%s/validate.txt' 2>&1",
                               RT_BIN_DIR, dir, tmp);
            if (valid != 0) {
                size_t n;
                char *msg = tu_read_file(tu_join(tmp, "validate.txt"), &n);
                fprintf(stderr, "%s\n", msg ? msg : "");
                free(msg);
                fail_msg("the trace in %s does not validate", dir);
            }
            trace tr;
            trace_load(&tr, dir, formats[f]);
            /* print and io.write output is recorded byte for byte. */
            size_t n;
            char *out = read_all(lua_out, &n);
            assert_int_equal(tr.writes.len, n);
            assert_memory_equal(buf_str(&tr.writes), out, n);
            free(out);
            if (flags & SAME_STDERR_WRITES) {
                char *err = read_all(lua_err, &n);
                assert_int_equal(tr.other_writes.len, n);
                assert_memory_equal(buf_str(&tr.other_writes), err, n);
                free(err);
            }
            want_balanced(&tr);
            if (check)
                check(&tr);
            trace_free(&tr);
        }
    }
    tu_rmtree(tmp);
}

/* ---- the scripts --------------------------------------------------------- */

static void check_recursion(const trace *tr)
{
    want_function(tr, "<toplevel>", 1);
    want_function(tr, "fact", 2);
    want_function(tr, "fib", 9);
    want_tree(tr, "fact(n=4){fact(n=3){fact(n=2){fact(n=1){}=1}=2}=6}=24");
    want_tree(tr, "fib(n=2){fib(n=1){}=1fib(n=0){}=0}=1");
    want_tree(tr, "}=8");
    /* fact(1): the test, then the return */
    want_steps(tr, " 2 3 4");
    want_steps(tr, " 14 2 3 6");
    want_value(tr, "f", "24");
    want_value(tr, "n", "4");
}

static void test_recursion(void **state)
{
    (void)state;
    check_script(NULL, "recursion.lua", "", 0, check_recursion);
}

static void check_closures(const trace *tr)
{
    want_tree(tr, "counter(start=10){}=(<function: ");
    want_tree(tr, "inc(by=1){}=11");
    want_tree(tr, "inc(by=2){}=13");
    want_tree(tr, "get(){}=13");
    /* The adders are anonymous: named by the variable they are called through. */
    want_tree(tr, "add(x=0){}=1add(x=1){}=3add(x=3){}=6");
    /* Upvalues are visible: count inside inc and get, i inside the adders. */
    want_value(tr, "count", "13");
    want_value(tr, "i", "3");
    want_value(tr, "total", "6");
    want_function(tr, "add", 21);
}

static void test_closures(void **state)
{
    (void)state;
    check_script(NULL, "closures.lua", "", 0, check_closures);
}

static void check_varargs(const trace *tr)
{
    want_tree(tr, "sum(...=[1,2,3]){}=6");
    want_tree(tr, "describe(label=\"three\",...=[\"a\",nil,\"c\"]){}=\"three:3\"");
    /* forward's `return sum(...)` is a tail call: both return 30. */
    want_tree(tr, "forward(...=[10,20]){sum(...=[10,20]){}=30}=30");
    want_tree(tr, "sum(...=[]){}=0");
    want_value(tr, "s", "6");
}

static void test_varargs(void **state)
{
    (void)state;
    check_script(NULL, "varargs.lua", "", 0, check_varargs);
}

static void check_multret(const trace *tr)
{
    want_tree(tr, "divmod(a=17,b=5){}=(3,2)");
    want_tree(tr, "nothing(){}=nil");
    want_tree(tr, "last(n=3){last(n=2){last(n=1){last(n=0){}=(\"done\",0)}=(\"done\",0)}="
                    "(\"done\",0)}=(\"done\",0)");
    want_value(tr, "q", "3");
    want_value(tr, "r", "2");
}

static void test_multret(void **state)
{
    (void)state;
    check_script(NULL, "multret.lua", "", 0, check_multret);
}

static void check_tables(const trace *tr)
{
    want_value(tr, "array", "[10,20,30]");
    want_value(tr, "record", "{name=\"lua\",stable=true,version=5.4}");
    want_value(tr, "cyclic", "{label=\"me\",self=<<cycle>>}");
    want_value(tr, "p", "{x=1,y=2}");
    want_value(tr, "mixed", "{[1]=1,[2]=2,[true]=false,key=\"v\"}");
    want_value(tr, "bytes", "\"caf\xEF\xBF\xBD\"");
    /* Depth is bounded: the fourth level is shown as a table reference. */
    want_in("values", &tr->values, "nested={inner={deeper={deepest=<table: 0x");
    want_in("values", &tr->values, ",list=[\"a\",\"b\"]}\n");
    /* Size is bounded: 32 items and a marker. */
    want_in("values", &tr->values, "961,1024,<... (100 items)>]\n");
    want_in("values", &tr->values, "long=\"xxxxxxxxxx");
    want_in("values", &tr->values, "xxx...\"\n");
    bool point = false;
    for (size_t i = 0; i < tr->ntypes; i++)
        point |= tr->types[i]->lang_type.len == 10 &&
                 memcmp(tr->types[i]->lang_type.ptr, "Point{x,y}", 10) == 0;
    assert_true(point);
}

static void test_tables(void **state)
{
    (void)state;
    check_script(NULL, "tables.lua", "", 0, check_tables);
}

/* The type of the first Value of variable name. */
static const char *value_type(const trace *tr, const char *name, rt_value_kind *kind)
{
    for (size_t i = 0; i < rt_event_list_len(tr->list); i++) {
        const rt_event *e = rt_event_list_at(tr->list, i);
        if (e->kind == RT_EVENT_VALUE && strcmp(tr->variables[e->u.value.variable_id], name) == 0) {
            assert_true(e->u.value.value.type_id < tr->ntypes);
            *kind = e->u.value.value.kind;
            return tr->types[e->u.value.value.type_id]->lang_type.ptr;
        }
    }
    fail_msg("no value of %s", name);
    return NULL;
}

/* In the 0.14 dialect (the default) NaN and infinities are Raw text of the
 * float type: 0.14 JSON would write null, which no reader loads. */
/* In the 0.14 dialect non-finite numbers are Raw; a .ct (0.19) has Floats. */
static void check_floats(const trace *tr)
{
    bool v019 = tr->format == RT_FORMAT_CT;
    want_value(tr, "half", "0.5");
    want_value(tr, "inf", v019 ? "inf" : "<inf>");
    want_value(tr, "ninf", v019 ? "-inf" : "<-inf>");
    want_value(tr, "nan", v019 ? "nan" : "<nan>");
    want_value(tr, "pair", v019 ? "[inf,nan]" : "[<inf>,<nan>]");
    rt_value_kind kind;
    assert_string_equal(value_type(tr, "inf", &kind), "float");
    assert_int_equal(kind, v019 ? RT_VALUE_FLOAT : RT_VALUE_RAW);
    assert_string_equal(value_type(tr, "half", &kind), "float");
    assert_int_equal(kind, RT_VALUE_FLOAT);
}

static void test_floats(void **state)
{
    (void)state;
    check_script(NULL, "floats.lua", "", 0, check_floats);
    /* --dialect 0.19 records them as Floats (0.19 writes them as text). */
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", tu_tmpdir());
    assert_int_equal(tu_run("cd '%s' && '%s/ct-lua' --dialect 0.19 -f v1 -o '%s/t' floats.lua "
                            ">/dev/null",
                            LUA_DIR, RT_BIN_DIR, tmp),
                     0);
    trace tr;
    trace_load(&tr, tu_join(tmp, "t"), RT_FORMAT_V1);
    want_value(&tr, "half", "0.5");
    want_value(&tr, "inf", "inf");
    want_value(&tr, "ninf", "-inf");
    rt_value_kind kind;
    assert_string_equal(value_type(&tr, "nan", &kind), "float");
    assert_int_equal(kind, RT_VALUE_FLOAT);
    trace_free(&tr);
    /* ct-lua's defaults (a streamed trace.ct) give a directory today's debugger loads whole
     * and validate calls valid for codetracer-0.19. */
    assert_int_equal(tu_run("cd '%s' && '%s/ct-lua' -o '%s/d' floats.lua >/dev/null", LUA_DIR,
                            RT_BIN_DIR, tmp),
                     0);
    const char *checker = RT_SOURCE_DIR "/../shared/tools/ctfs_check.py";
    if (access(checker, R_OK) == 0)
        assert_int_equal(tu_run("python3 '%s' check '%s/d/trace.ct' >/dev/null", checker, tmp), 0);
    assert_int_equal(tu_run("'%s/runtime-tracing' validate '%s/d' >'%s/v' 2>&1 && "
                            "grep -q 'checked for codetracer-0.19' '%s/v' && grep -q ': valid' '%s/v'",
                            RT_BIN_DIR, tmp, tmp, tmp, tmp),
                     0);
    /* An unknown dialect is a usage error. */
    assert_int_equal(tu_run("'%s/ct-lua' --dialect 0.2 x.lua 2>/dev/null", RT_BIN_DIR), 2);
    tu_rmtree(tmp);
}

/* The recorder caches the text of long strings and reads a table's values in
 * its classifying walk: values that change between steps must still be
 * recorded as they are at each step. */
static void check_mutations(const trace *tr)
{
    want_value(tr, "t", "{x=1}");
    want_value(tr, "t", "{x=2}");
    want_value(tr, "t", "{x=2,y={z=3}}");
    want_value(tr, "t", "{x=2,y={z=4}}");
    /* After setmetatable: the class name is the shape's. */
    bool klass = false;
    for (size_t i = 0; i < tr->ntypes; i++)
        klass |= strcmp(tr->types[i]->lang_type.ptr, "Klass{x,y}") == 0;
    assert_true(klass);
    want_in("values", &tr->values, "\narr=[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,"
                                   "21,22,23,24,25,26,27,28,29,30,31,32,<... (70 items)>]\n");
    want_in("values", &tr->values, "\narr=[1,\"two\",3,");
    buf expect = {0};
    /* Cut at 1000 bytes, then "...". */
    buf_add(&expect, "\"", 1);
    for (int i = 0; i < 500; i++)
        buf_add(&expect, "ab", 2);
    buf_add(&expect, "...\"", 4);
    want_value(tr, "long", buf_str(&expect));
    expect.len = 0;
    buf_add(&expect, "\"", 1);
    for (int i = 0; i < 300; i++)
        buf_add(&expect, "\xEF\xBF\xBD", 3);
    buf_add(&expect, "\"", 1);
    want_value(tr, "bytes", buf_str(&expect));
    /* The cut splits an "é": U+FFFD. */
    expect.len = 0;
    buf_add(&expect, "\"x", 2);
    for (int i = 0; i < 499; i++)
        buf_add(&expect, "\xC3\xA9", 2);
    buf_add(&expect, "\xEF\xBF\xBD...\"", 7);
    want_value(tr, "cut", buf_str(&expect));
    /* Strings made and collected in a loop: each step shows its own. */
    for (int i = 1; i <= 40; i++) {
        expect.len = 0;
        buf_add(&expect, "\"", 1);
        for (int k = 0; k < 700; k++)
            buf_add(&expect, &(char){(char)(65 + i % 26)}, 1);
        buf_add(&expect, "\"", 1);
        want_value(tr, "s", buf_str(&expect));
    }
    free(expect.p);
}

static void test_mutations(void **state)
{
    (void)state;
    check_script(NULL, "mutations.lua", "", 0, check_mutations);
}

/* CT_LUA_CHECK_CACHE=N: every Nth local's value, encoded through the
 * caches, is compared with its encoding without them; a difference fails
 * the recording (exit status 125, a message on stderr). */
static void want_cache_agrees(const char *cwd, const char *script, const char *args,
                              const char *every, bool streaming)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", tu_tmpdir());
    tu_run("cd '%s' && CT_LUA_CHECK_CACHE=%s '%s/ct-lua' -f v1 %s -o '%s/t' %s %s >/dev/null "
           "2>'%s/err'",
           cwd, every, RT_BIN_DIR, streaming ? "--streaming" : "", tmp, script, args, tmp);
    int differs = tu_run("grep CT_LUA_CHECK_CACHE '%s/err' >&2", tmp);
    if (differs == 0)
        fail_msg("%s: the cached values differ from the uncached ones", script);
    if (tu_run("'%s/runtime-tracing' validate '%s/t' >'%s/validate.txt' 2>&1", RT_BIN_DIR, tmp,
               tmp) != 0) {
        tu_run("cat '%s/validate.txt' '%s/err' >&2", tmp, tmp);
        fail_msg("%s: the trace does not validate", script);
    }
    tu_rmtree(tmp);
}

static void test_cache_check(void **state)
{
    (void)state;
    if (!have_lua())
        skip();
    static const char *const scripts[] = {
        "args.lua",   "closures.lua",  "coroutines.lua", "errors.lua",    "exit.lua",
        "floats.lua", "modules.lua",   "multret.lua",    "mutations.lua", "recursion.lua",
        "tables.lua", "uncaught.lua",  "varargs.lua",    "realworld_dkjson.lua",
        "realworld_penlight.lua", "realworld_argparse.lua", "realworld_say.lua"};
    for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++)
        for (int streaming = 0; streaming < 2; streaming++)
            want_cache_agrees(LUA_DIR, scripts[i], "a b", "1", streaming);
}

static void check_errors(const trace *tr)
{
    want_in("errors", &tr->errors, "errors.lua:3: boom\n");
    want_in("errors", &tr->errors, "errors.lua:9: attempt to index a nil value (local 't')\n");
    want_tree(tr, "fail(msg=\"boom\"){}=error(errors.lua:3: boom)");
    want_tree(tr, "deep(n=3){deep(n=2){deep(n=1){deep(n=0){}=error(errors.lua:9: attempt to "
                    "index a nil value (local 't'))}=error(");
    /* xpcall's handler runs inside the failing call. */
    want_tree(tr, "fail(msg=\"again\"){<anonymous>(m=\"errors.lua:3: again\"){}=\"handled: "
                    "errors.lua:3: again\"}=error(handled: errors.lua:3: again)");
    want_value(tr, "after", "\"still running\"");
    want_steps(tr, " 22 23");
}

static void test_errors(void **state)
{
    (void)state;
    check_script(NULL, "errors.lua", "", 0, check_errors);
}

static void check_coroutines(const trace *tr)
{
    /* The generator yields three times: each resume calls its frame again. */
    want_tree(tr, "<anonymous>(){}=<<yield>><anonymous>(){}=<<yield>><anonymous>(){}=<<yield>>"
                    "<anonymous>(){}=nil");
    want_tree(tr, "<anonymous>(a=1){}=<<yield>>");
    want_tree(tr, "<anonymous>(){}=111");
    want_tree(tr, "<anonymous>(){}=error(coroutines.lua:28: inside)");
    want_in("errors", &tr->errors, "coroutines.lua:28: inside\n");
    want_value(tr, "sum", "6");
    want_value(tr, "b", "10");
    want_value(tr, "c", "100");
}

static void test_coroutines(void **state)
{
    (void)state;
    check_script(NULL, "coroutines.lua", "", 0, check_coroutines);
}

static void check_args(const trace *tr)
{
    want_value(tr, "n", "2");
    want_value(tr, "first", "\"x\"");
    want_value(tr, "a", "\"y z\"");
}

static void test_args(void **state)
{
    (void)state;
    check_script(NULL, "args.lua", "x 'y z'", SAME_STDERR_WRITES, check_args);
}

static void check_exit(const trace *tr)
{
    /* os.exit leaves from inside finish: the open frames are closed. */
    want_tree(tr, "<toplevel>(){finish(code=3){}=nil}=nil");
    want_steps(tr, " 3 4");
}

static void test_exit(void **state)
{
    (void)state;
    check_script(NULL, "exit.lua", "", 0, check_exit);
}

static void check_uncaught(const trace *tr)
{
    want_in("errors", &tr->errors, "uncaught.lua:4: x is too big: 3\n");
    want_tree(tr, "check(x=3){}=error(uncaught.lua:4: x is too big: 3)}=error(uncaught.lua:4: "
                    "x is too big: 3)");
}

static void test_uncaught(void **state)
{
    (void)state;
    check_script(NULL, "uncaught.lua", "", 0, check_uncaught);
}

static void check_interrupt(const trace *tr)
{
    want_in("errors", &tr->errors, "interrupt.lua:9: interrupted!\n");
    want_tree(tr, "<toplevel>(){}=error(interrupt.lua:9: interrupted!)");
    want_steps(tr, " 3 4 5 4 5 4 5 4 7 8 9");
    want_value(tr, "n", "6");
}

static void test_interrupt(void **state)
{
    (void)state;
    check_script(NULL, "interrupt.lua", "", 0, check_interrupt);
}

static void check_modules(const trace *tr)
{
    assert_int_equal(tr->npaths, 2);
    want_function(tr, "<main chunk helper.lua>", 1);
    want_tree(tr, "<main chunk helper.lua>(...=[\"helper\",\"./helper.lua\"]){}={add=<function: ");
    want_tree(tr, "helper.greet(name=\"trace\"){}=\"hello, trace\"");
    /* The chunk from load() is not stepped into; what it calls is. */
    want_tree(tr, "helper_add(a=2,b=3){helper.add(a=2,b=3){}=5}=5");
    /* A function statement steps on its last line, then its first. */
    want_steps(tr, " helper.lua:1 helper.lua:2 helper.lua:6 helper.lua:4 helper.lua:10 helper.lua:8 "
                   "helper.lua:12 3");
}

static void test_modules(void **state)
{
    (void)state;
    check_script(NULL, "modules.lua", "", 0, check_modules);
}

/* The trace directory: metadata, paths and the sources in files/. */
static void test_trace_dir(void **state)
{
    (void)state;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", tu_tmpdir());
    assert_int_equal(tu_run("cd '%s' && '%s/ct-lua' -o '%s/t' modules.lua >/dev/null 2>&1", LUA_DIR,
                            RT_BIN_DIR, tmp),
                     0);
    rt_metadata m;
    char errbuf[256];
    assert_int_equal(rt_metadata_read(tu_join(tmp, "t/trace_metadata.json"), &m, errbuf, sizeof errbuf),
                     RT_OK);
    assert_string_equal(m.program, "modules.lua");
    assert_string_equal(m.workdir, LUA_DIR);
    assert_int_equal(m.nargs, 0);
    rt_metadata_clear(&m);
    rt_path_list paths;
    assert_int_equal(rt_paths_read(tu_join(tmp, "t/trace_paths.json"), &paths, errbuf, sizeof errbuf),
                     RT_OK);
    assert_int_equal(paths.len, 2);
    assert_string_equal(paths.paths[0], LUA_DIR "/modules.lua");
    assert_string_equal(paths.paths[1], LUA_DIR "/helper.lua");
    rt_path_list_clear(&paths);
    char copy[PATH_MAX * 2];
    snprintf(copy, sizeof copy, "%s/t/files%s", tmp, LUA_DIR "/helper.lua");
    tu_assert_same_file(copy, LUA_DIR "/helper.lua");
    /* Nothing on stdout or stderr from the recorder without -v; its
     * messages with -v. */
    assert_int_equal(tu_run("cd '%s' && '%s/ct-lua' -o '%s/t' exit.lua 2>'%s/err' >/dev/null",
                            LUA_DIR, RT_BIN_DIR, tmp, tmp),
                     3);
    size_t n;
    char *err = tu_read_file(tu_join(tmp, "err"), &n);
    assert_int_equal(n, 0);
    free(err);
    assert_int_equal(tu_run("cd '%s' && '%s/ct-lua' -v -o '%s/t' exit.lua 2>'%s/err' >/dev/null",
                            LUA_DIR, RT_BIN_DIR, tmp, tmp),
                     3);
    err = tu_read_file(tu_join(tmp, "err"), &n);
    assert_non_null(strstr(err, "ct-lua: wrote "));
    free(err);
    tu_rmtree(tmp);
}

/* The default directory is ./ct-traces/<script name>/. */
static void test_default_dir(void **state)
{
    (void)state;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", tu_tmpdir());
    assert_int_equal(tu_run("cp '%s/recursion.lua' '%s/' && cd '%s' && '%s/ct-lua' recursion.lua "
                            ">/dev/null",
                            LUA_DIR, tmp, tmp, RT_BIN_DIR),
                     0);
    struct stat st;
    assert_int_equal(stat(tu_join(tmp, "ct-traces/recursion/trace.ct"), &st), 0);
    assert_int_equal(stat(tu_join(tmp, "ct-traces/recursion/trace.json"), &st), -1);
    assert_int_equal(stat(tu_join(tmp, "ct-traces/recursion/files"), &st), 0);
    tu_rmtree(tmp);
}

static void test_usage_errors(void **state)
{
    (void)state;
    assert_int_equal(tu_run("'%s/ct-lua' >/dev/null 2>&1", RT_BIN_DIR), 2);
    assert_int_equal(tu_run("'%s/ct-lua' -f nope x.lua >/dev/null 2>&1", RT_BIN_DIR), 2);
    assert_int_equal(tu_run("'%s/ct-lua' --bogus x.lua >/dev/null 2>&1", RT_BIN_DIR), 2);
    /* A trace directory that cannot be created: the recorder's failure. */
    assert_int_equal(tu_run("cd '%s' && '%s/ct-lua' -o /proc/nope/t recursion.lua >/dev/null 2>&1",
                            LUA_DIR, RT_BIN_DIR),
                     125);
}

/* ---- real-world code: Debian's pure-Lua packages ------------------------ */

static bool have_module(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void check_dkjson(const trace *tr)
{
    want_tree(tr, "dkjson.encode(value={");
    want_tree(tr, "dkjson.decode(");
    want_steps(tr, " dkjson.lua:");
}

static void test_realworld_dkjson(void **state)
{
    (void)state;
    if (!have_module("/usr/share/lua/5.4/dkjson.lua"))
        skip();
    check_script(NULL, "realworld_dkjson.lua", "", 0, check_dkjson);
}

static void check_penlight(const trace *tr)
{
    want_steps(tr, " List.lua:");
    want_steps(tr, " tablex.lua:");
    want_steps(tr, " stringx.lua:");
    want_tree(tr, "speak(self={name=\"rex\"}){}=\"rex barks\"");
}

static void test_realworld_penlight(void **state)
{
    (void)state;
    if (!have_module("/usr/share/lua/5.4/pl/List.lua") ||
        !have_module("/usr/lib/x86_64-linux-gnu/lua/5.4/lfs.so"))
        skip();
    check_script(NULL, "realworld_penlight.lua", "", 0, check_penlight);
}

static void check_argparse(const trace *tr)
{
    want_steps(tr, " argparse.lua:");
}

static void test_realworld_argparse(void **state)
{
    (void)state;
    if (!have_module("/usr/share/lua/5.4/argparse.lua"))
        skip();
    check_script(NULL, "realworld_argparse.lua", "in.txt -I a -I b -vv", 0, check_argparse);
    /* --help: the library prints and calls os.exit(0); a missing argument:
     * usage on stderr and os.exit(1). */
    check_script(NULL, "realworld_argparse.lua", "--help", 0, check_argparse);
    check_script(NULL, "realworld_argparse.lua", "", SAME_STDERR_WRITES, check_argparse);
}

static void check_say(const trace *tr)
{
    want_steps(tr, " init.lua:");
    want_value(tr, "key", "\"greeting\"");
}

static void test_realworld_say(void **state)
{
    (void)state;
    if (!have_module("/usr/share/lua/5.4/say/init.lua"))
        skip();
    check_script(NULL, "realworld_say.lua", "", 0, check_say);
}

/* dkjson's own test script, from the package's examples: it records tens of
 * millions of events, so it runs only when CT_LUA_SLOW_TESTS is set. */
static void test_realworld_dkjson_jsontest(void **state)
{
    (void)state;
    const char *script = "/usr/share/doc/lua-dkjson/examples/jsontest.lua";
    if (!getenv("CT_LUA_SLOW_TESTS") || !have_module(script) || !have_lua())
        skip();
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", tu_tmpdir());
    int lua_status = tu_run("cd '%s' && lua5.4 %s >lua.out 2>lua.err", tmp, script);
    int status = tu_run("cd '%s' && '%s/ct-lua' -f v1 --streaming -o t %s >ct.out 2>ct.err", tmp,
                        RT_BIN_DIR, script);
    assert_int_equal(status, lua_status);
    /* One line prints a table with pairs(), whose order Lua leaves
     * unspecified and which depends on the state's history. */
    assert_int_equal(tu_run("cd '%s' && grep -v '^mixed table encoded as:' lua.out >lua.cmp && "
                            "grep -v '^mixed table encoded as:' ct.out >ct.cmp",
                            tmp),
                     0);
    char a[PATH_MAX + 16], b[PATH_MAX + 16];
    snprintf(a, sizeof a, "%s/ct.cmp", tmp);
    snprintf(b, sizeof b, "%s/lua.cmp", tmp);
    want_same_file("stdout", a, b);
    assert_int_equal(tu_run("'%s/runtime-tracing' validate '%s/t' >/dev/null", RT_BIN_DIR, tmp), 0);
    tu_rmtree(tmp);
}

/* dkjson's own test script (71 M events) with every 97th value checked
 * against the uncached encoding: streaming always, buffered (7 GB of
 * memory) when CT_LUA_SLOW_TESTS is set. */
static void test_dkjson_suite_cache(void **state)
{
    (void)state;
    const char *script = "/usr/share/doc/lua-dkjson/examples/jsontest.lua";
    if (!have_module(script) || !have_lua())
        skip();
    /* A directory of its own: Lua's package.path starts with ./?.lua, and
     * whatever else sits in /tmp must not shadow dkjson. */
    char cwd[PATH_MAX];
    snprintf(cwd, sizeof cwd, "%s", tu_tmpdir());
    want_cache_agrees(cwd, script, "", "97", true);
    if (getenv("CT_LUA_SLOW_TESTS"))
        want_cache_agrees(cwd, script, "", "97", false);
    tu_rmtree(cwd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recursion),
        cmocka_unit_test(test_closures),
        cmocka_unit_test(test_varargs),
        cmocka_unit_test(test_multret),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_cache_check),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_coroutines),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_exit),
        cmocka_unit_test(test_uncaught),
        cmocka_unit_test(test_interrupt),
        cmocka_unit_test(test_modules),
        cmocka_unit_test(test_trace_dir),
        cmocka_unit_test(test_default_dir),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_realworld_dkjson),
        cmocka_unit_test(test_realworld_penlight),
        cmocka_unit_test(test_realworld_argparse),
        cmocka_unit_test(test_realworld_say),
        cmocka_unit_test(test_realworld_dkjson_jsontest),
        cmocka_unit_test(test_dkjson_suite_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
