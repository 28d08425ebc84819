/* stats, flamegraph and the progress line of runtime-tracing, and the
 * reader's rt_reader_bytes_consumed and rt_reader_event_size: exact counts
 * on a hand-made trace and on a ct-lua recording of fib(15) (1973 calls of
 * fib) in every format, folded stacks that add up to the totals, an SVG
 * that is well-formed XML, and a progress line only on a terminal. */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOOL RT_BIN_DIR "/runtime-tracing"
#define CT_LUA RT_BIN_DIR "/ct-lua"

static char workdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(workdir, sizeof workdir, "%s", tu_tmpdir());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmtree(workdir);
    return 0;
}

static void write_str(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
    assert_int_equal(fclose(f), 0);
}

/* Runs the tool with args (a shell word list) and returns its stdout; its
 * stderr is left in workdir/err. */
static char *tool(int expect_status, const char *args)
{
    int st = tu_run("'%s' %s >'%s/out' 2>'%s/err'", TOOL, args, workdir, workdir);
    if (st != expect_status) {
        char *err = tu_read_file(tu_join(workdir, "err"), NULL);
        fail_msg("runtime-tracing %s: exit %d, expected %d\n%s", args, st, expect_status,
                 err ? err : "");
    }
    char *out = tu_read_file(tu_join(workdir, "out"), NULL);
    assert_non_null(out);
    return out;
}

static char *tool_stderr(void)
{
    char *err = tu_read_file(tu_join(workdir, "err"), NULL);
    assert_non_null(err);
    return err;
}

static cJSON *stats_json(const char *trace)
{
    char args[1024];
    snprintf(args, sizeof args, "stats --json '%s'", trace);
    char *out = tool(0, args);
    cJSON *j = cJSON_Parse(out);
    if (!j)
        fail_msg("stats --json is not JSON:\n%.2000s", out);
    free(out);
    return j;
}

static double num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v))
        fail_msg("no number \"%s\"", key);
    return v->valuedouble;
}

/* The entry of "functions" named name. */
static const cJSON *function(const cJSON *stats, const char *name)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(stats, "functions"))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(f, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return f;
    }
    fail_msg("no function %s in stats", name);
    return NULL;
}

/* Sum of the weights of folded lines ("a;b;c N"); checks their shape. */
static uint64_t folded_sum(const char *trace, const char *weight)
{
    char args[1024];
    snprintf(args, sizeof args, "flamegraph --folded --weight %s '%s'", weight, trace);
    char *out = tool(0, args);
    uint64_t sum = 0;
    for (char *line = out; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        assert_true(sp > line);
        char *end;
        unsigned long long v = strtoull(sp + 1, &end, 10);
        assert_true(*end == '\0' && v > 0);
        sum += v;
        line = nl + 1;
    }
    free(out);
    return sum;
}

/* The count after "label" in the output of info (0 when absent). */
static uint64_t info_count(const char *trace, const char *label)
{
    char args[1024];
    snprintf(args, sizeof args, "info '%s'", trace);
    char *out = tool(0, args);
    const char *p = strstr(out, label);
    uint64_t n = p ? strtoull(p + strlen(label), NULL, 10) : 0;
    free(out);
    return n;
}

/* ---- a well-formedness check of XML, enough for the SVG ------------------ */

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == ':' || c == '.';
}

/* Character data up to '<': entities must be known, no bare '&'. */
static const char *xml_text(const char *p)
{
    static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#10;"};
    while (*p && *p != '<') {
        if (*p == '&') {
            size_t k = 0;
            while (k < 6 && strncmp(p, ents[k], strlen(ents[k])) != 0)
                k++;
            if (k == 6)
                fail_msg("bad entity at: %.40s", p);
            p += strlen(ents[k]);
            continue;
        }
        if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
            fail_msg("control byte in XML text");
        p++;
    }
    return p;
}

/* Checks doc: one root element, every tag closed in order, attributes
 * quoted. Returns the number of elements named count_name. */
static size_t check_xml(const char *doc, const char *root, const char *count_name)
{
    const char *stack[64];
    size_t depth = 0, roots = 0, counted = 0;
    const char *p = doc;
    if (strncmp(p, "<?xml ", 6) == 0) {
        p = strstr(p, "?>");
        assert_non_null(p);
        p += 2;
    }
    for (;;) {
        p = xml_text(p);
        if (!*p)
            break;
        p++; /* '<' */
        if (*p == '/') {
            p++;
            assert_true(depth > 0);
            const char *open = stack[--depth];
            size_t n = 0;
            while (name_char(p[n]))
                n++;
            if (strncmp(open, p, n) != 0 || name_char(open[n]))
                fail_msg("</%.*s> closes <%.20s", (int)n, p, open);
            assert_int_equal(p[n], '>');
            p += n + 1;
            continue;
        }
        const char *name = p;
        size_t n = 0;
        while (name_char(p[n]))
            n++;
        assert_true(n > 0);
        if (depth == 0) {
            roots++;
            assert_int_equal(strncmp(name, root, n), 0);
        }
        if (strlen(count_name) == n && strncmp(name, count_name, n) == 0)
            counted++;
        p += n;
        for (;;) { /* attributes */
            while (*p == ' ' || *p == '\n')
                p++;
            if (*p == '>' || (*p == '/' && p[1] == '>'))
                break;
            size_t a = 0;
            while (name_char(p[a]))
                a++;
            assert_true(a > 0);
            assert_int_equal(p[a], '=');
            assert_int_equal(p[a + 1], '"');
            const char *end = strchr(p + a + 2, '"');
            assert_non_null(end);
            assert_null(memchr(p + a + 2, '<', (size_t)(end - p - a - 2)));
            p = end + 1;
        }
        if (*p == '/') {
            p += 2;
        } else {
            assert_true(depth < 64);
            stack[depth++] = name;
            p++;
        }
    }
    assert_int_equal(depth, 0);
    assert_int_equal(roots, 1);
    return counted;
}

/* ---- a hand-made trace ------------------------------------------------------ */

/* main calls f twice, f calls g once; the last call of f, and main, never
 * return. */
static const char small_trace[] =
    "[{\"Path\":\"/p/a.lua\"},{\"Path\":\"/p/b.lua\"},"
    "{\"Function\":{\"path_id\":0,\"line\":1,\"name\":\"main\"}},"
    "{\"Function\":{\"path_id\":1,\"line\":10,\"name\":\"f\"}},"
    "{\"Function\":{\"path_id\":1,\"line\":20,\"name\":\"g\"}},"
    "{\"VariableName\":\"x\"},"
    "{\"Type\":{\"kind\":7,\"lang_type\":\"int\",\"specific_info\":{\"kind\":\"None\"}}},"
    "{\"Call\":{\"function_id\":0,\"args\":[]}},"
    "{\"Step\":{\"path_id\":0,\"line\":1}},"
    "{\"Call\":{\"function_id\":1,\"args\":[{\"variable_id\":0,\"value\":{\"kind\":\"Int\","
    "\"i\":1,\"type_id\":0}}]}},"
    "{\"Step\":{\"path_id\":1,\"line\":11}},"
    "{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Int\",\"i\":2,\"type_id\":0}}},"
    "{\"Call\":{\"function_id\":2,\"args\":[]}},"
    "{\"Step\":{\"path_id\":1,\"line\":21}},"
    "{\"Step\":{\"path_id\":1,\"line\":22}},"
    "{\"Return\":{\"return_value\":{\"kind\":\"None\",\"type_id\":0}}},"
    "{\"Return\":{\"return_value\":{\"kind\":\"None\",\"type_id\":0}}},"
    "{\"Step\":{\"path_id\":0,\"line\":2}},"
    "{\"Call\":{\"function_id\":1,\"args\":[]}},"
    "{\"Step\":{\"path_id\":1,\"line\":11}}]";

static void test_small_trace_counts(void **state)
{
    (void)state;
    char trace[512];
    snprintf(trace, sizeof trace, "%s/small.json", workdir);
    write_str(trace, small_trace);
    cJSON *j = stats_json(trace);
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(j, "total");
    assert_int_equal(num(total, "events"), 20);
    assert_int_equal(num(total, "steps"), 6);
    assert_int_equal(num(total, "calls"), 4);
    const cJSON *f = function(j, "f");
    assert_int_equal(num(f, "calls"), 2);
    assert_int_equal(num(f, "steps"), 2);
    assert_int_equal(num(f, "steps_total"), 4);
    assert_int_equal(num(f, "line"), 10);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(f, "path")->valuestring, "/p/b.lua");
    /* Call, Step, Value, Return, Call, Step; values: one argument, one Value. */
    assert_int_equal(num(f, "events"), 6);
    assert_int_equal(num(f, "values"), 2);
    const cJSON *g = function(j, "g");
    assert_int_equal(num(g, "calls"), 1);
    assert_int_equal(num(g, "steps"), 2);
    assert_int_equal(num(g, "events"), 4);
    const cJSON *m = function(j, "main");
    assert_int_equal(num(m, "steps"), 2);
    assert_int_equal(num(m, "steps_total"), 6);
    /* Path, Function, VariableName and Type events come before any Call. */
    assert_int_equal(num(function(j, "<no call>"), "events"), 7);
    /* Every event's bytes: its JSON text. */
    size_t len = strlen(small_trace);
    assert_true(num(total, "bytes") > (double)len - 40 && num(total, "bytes") < (double)len);
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(j, "files");
    assert_int_equal(cJSON_GetArraySize(files), 2);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(files, 0), "path")
                            ->valuestring,
                        "/p/b.lua");
    assert_int_equal(num(cJSON_GetArrayItem(files, 0), "steps"), 4);
    const cJSON *x = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "variables"), 0);
    assert_int_equal(num(x, "values"), 2);
    cJSON_Delete(j);
    /* The call that never returns is reported. */
    char *err = tool_stderr();
    assert_non_null(strstr(err, "2 calls never return"));
    free(err);

    char args[1024];
    snprintf(args, sizeof args, "flamegraph --folded '%s'", trace);
    char *out = tool(0, args);
    assert_string_equal(out, "main 2\nmain;f 2\nmain;f;g 2\n");
    free(out);
    assert_int_equal(folded_sum(trace, "events"), 20); /* with "<no call> 7" */

    /* The table names every function. */
    snprintf(args, sizeof args, "stats --top 2 '%s'", trace);
    out = tool(0, args);
    assert_non_null(strstr(out, "f (/p/b.lua:10)"));
    assert_non_null(strstr(out, "Functions by events (2 of 4)"));
    free(out);
}

/* The same path, function (name, path, line) and variable name defined
 * twice (the non-interning rt_register_* forms do that): one row each, and
 * main calling its second definition is main recursing (steps once). */
static const char dup_trace[] =
    "[{\"Path\":\"/p/a.lua\"},{\"Path\":\"/p/a.lua\"},"
    "{\"Function\":{\"path_id\":0,\"line\":1,\"name\":\"main\"}},"
    "{\"Function\":{\"path_id\":1,\"line\":1,\"name\":\"main\"}},"
    "{\"VariableName\":\"x\"},{\"VariableName\":\"x\"},"
    "{\"Type\":{\"kind\":7,\"lang_type\":\"int\",\"specific_info\":{\"kind\":\"None\"}}},"
    "{\"Call\":{\"function_id\":0,\"args\":[]}},"
    "{\"Step\":{\"path_id\":0,\"line\":1}},"
    "{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Int\",\"i\":1,\"type_id\":0}}},"
    "{\"Call\":{\"function_id\":1,\"args\":[]}},"
    "{\"Step\":{\"path_id\":1,\"line\":1}},"
    "{\"Value\":{\"variable_id\":1,\"value\":{\"kind\":\"Int\",\"i\":2,\"type_id\":0}}},"
    "{\"Return\":{\"return_value\":{\"kind\":\"None\",\"type_id\":0}}},"
    "{\"Return\":{\"return_value\":{\"kind\":\"None\",\"type_id\":0}}}]";

static void test_duplicate_definitions(void **state)
{
    (void)state;
    char trace[512];
    snprintf(trace, sizeof trace, "%s/dup.json", workdir);
    write_str(trace, dup_trace);
    cJSON *j = stats_json(trace);
    const cJSON *funcs = cJSON_GetObjectItemCaseSensitive(j, "functions");
    assert_int_equal(cJSON_GetArraySize(funcs), 2); /* main and <no call> */
    const cJSON *m = function(j, "main");
    assert_int_equal(num(m, "calls"), 2);
    assert_int_equal(num(m, "steps"), 2);
    assert_int_equal(num(m, "steps_total"), 2);
    assert_int_equal(num(m, "values"), 2);
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(j, "files");
    assert_int_equal(cJSON_GetArraySize(files), 1);
    assert_int_equal(num(cJSON_GetArrayItem(files, 0), "steps"), 2);
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(j, "variables");
    assert_int_equal(cJSON_GetArraySize(vars), 1);
    assert_int_equal(num(cJSON_GetArrayItem(vars, 0), "values"), 2);
    cJSON_Delete(j);

    char args[1024];
    snprintf(args, sizeof args, "flamegraph --folded '%s'", trace);
    char *out = tool(0, args);
    assert_string_equal(out, "main 1\nmain;main 1\n");
    free(out);
}

/* Names from the trace reach a terminal: control bytes are shown as \xNN. */
static void test_table_escapes_names(void **state)
{
    (void)state;
    char trace[512];
    snprintf(trace, sizeof trace, "%s/esc.json", workdir);
    write_str(trace, "[{\"Path\":\"/a\\u001b[2J.lua\"},"
                     "{\"Function\":{\"path_id\":0,\"line\":1,\"name\":\"f\\nx\"}},"
                     "{\"Call\":{\"function_id\":0,\"args\":[]}},"
                     "{\"Step\":{\"path_id\":0,\"line\":1}},"
                     "{\"VariableName\":\"v\\u007f\"},"
                     "{\"Type\":{\"kind\":7,\"lang_type\":\"int\",\"specific_info\":{\"kind\":\"None\"}}},"
                     "{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Int\",\"i\":1,\"type_id\":0}}},"
                     "{\"Return\":{\"return_value\":{\"kind\":\"None\",\"type_id\":0}}}]");
    char args[1024];
    snprintf(args, sizeof args, "stats '%s'", trace);
    char *out = tool(0, args);
    assert_non_null(strstr(out, "  f\\x0Ax (/a\\x1B[2J.lua:1)\n"));
    assert_non_null(strstr(out, "  /a\\x1B[2J.lua\n"));
    assert_non_null(strstr(out, "  v\\x7F\n"));
    for (const char *c = out; *c; c++)
        assert_true((unsigned char)*c >= 0x20 || *c == '\n');
    free(out);
}

static void test_usage_errors(void **state)
{
    (void)state;
    free(tool(2, "stats"));
    free(tool(2, "stats --top x t.json"));
    free(tool(2, "flamegraph t.json"));
    free(tool(2, "flamegraph t.json -o x.svg --weight time"));
    free(tool(1, "stats /nonexistent/trace.json"));
    char *out = tool(0, "stats --help");
    assert_non_null(strstr(out, "--top N"));
    free(out);
    out = tool(0, "flamegraph --help");
    assert_non_null(strstr(out, "--folded"));
    free(out);
    /* A file that is not a trace: an error, no output file left. */
    char bad[512], args[1024];
    snprintf(bad, sizeof bad, "%s/bad.json", workdir);
    write_str(bad, "[{\"Step\":");
    snprintf(args, sizeof args, "flamegraph '%s' -o '%s/cut.svg'", bad, workdir);
    free(tool(0, args)); /* cut: read up to the cut, with a warning */
    char *err = tool_stderr();
    assert_non_null(strstr(err, "warning"));
    free(err);
    write_str(bad, "{}");
    snprintf(args, sizeof args, "flamegraph '%s' -o '%s/bad.svg'", bad, workdir);
    free(tool(1, args));
    assert_int_not_equal(access(tu_join(workdir, "bad.svg"), F_OK), 0);
}

/* ---- a ct-lua recording of fib(15) ---------------------------------------- */

static const char fib_lua[] = "local function fib(n)\n"
                              "  if n < 2 then return n end\n"
                              "  return fib(n - 1) + fib(n - 2)\n"
                              "end\n"
                              "print(fib(15))\n";

static void check_fib(const char *trace, const char *format)
{
    cJSON *j = stats_json(trace);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "format")->valuestring, format);
    const cJSON *fib = function(j, "fib");
    assert_int_equal(num(fib, "calls"), 1973);
    assert_int_equal(num(fib, "line"), 1);
    assert_int_equal(num(function(j, "<toplevel>"), "calls"), 1);
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(j, "total");
    assert_int_equal(num(total, "calls"), 1974);
    uint64_t steps = info_count(trace, "  Step:");
    assert_true(steps > 1973);
    assert_int_equal(num(total, "steps"), steps);
    assert_int_equal(num(total, "events"), info_count(trace, "events:"));
    /* Everything below <toplevel> runs in fib. */
    assert_int_equal(num(function(j, "<toplevel>"), "steps_total"), steps);
    /* The folded stacks hold every Step, and every event and byte of the calls. */
    assert_int_equal(folded_sum(trace, "steps"), steps);
    assert_int_equal(folded_sum(trace, "events"), num(total, "events"));
    assert_int_equal(folded_sum(trace, "bytes"), num(total, "bytes"));
    cJSON_Delete(j);
    char *err = tool_stderr();
    assert_string_equal(err, "");
    free(err);

    char args[2200], svg[1024];
    snprintf(svg, sizeof svg, "%s/fib-%s.svg", workdir, format);
    snprintf(args, sizeof args, "flamegraph '%s' -o '%s'", trace, svg);
    free(tool(0, args));
    char *doc = tu_read_file(svg, NULL);
    assert_non_null(doc);
    /* all, <toplevel> and one box per depth of fib (15 deep). */
    size_t rects = check_xml(doc, "svg", "rect");
    assert_true(rects >= 1 + 2 + 15);
    assert_non_null(strstr(doc, "<title>fib ("));
    free(doc);
}

static bool have_ct_lua(void)
{
    return access(CT_LUA, X_OK) == 0;
}

static void test_fib_recording(void **state)
{
    (void)state;
    if (!have_ct_lua())
        skip();
    char script[512];
    snprintf(script, sizeof script, "%s/fib.lua", workdir);
    write_str(script, fib_lua);
    static const char *const formats[] = {"json", "v0", "v1"};
    for (size_t i = 0; i < 3; i++) {
        char dir[256];
        snprintf(dir, sizeof dir, "%s/fib-%s", workdir, formats[i]);
        assert_int_equal(tu_run("'%s' -o '%s' -f %s '%s' >/dev/null", CT_LUA, dir, formats[i],
                                script),
                         0);
        check_fib(dir, formats[i]);
    }
    /* v1: the events' sizes are the CBOR stream, which info measures. */
    char dir[256];
    snprintf(dir, sizeof dir, "%s/fib-v1", workdir);
    cJSON *j = stats_json(dir);
    char args[1024];
    snprintf(args, sizeof args, "info '%s'", dir);
    char *out = tool(0, args);
    char expect[64];
    snprintf(expect, sizeof expect, "%.0f bytes of CBOR",
             num(cJSON_GetObjectItemCaseSensitive(j, "total"), "bytes"));
    assert_non_null(strstr(out, expect));
    free(out);
    cJSON_Delete(j);
}

/* ---- the reader's position ------------------------------------------------- */

static void test_reader_position(void **state)
{
    (void)state;
    char trace[512];
    snprintf(trace, sizeof trace, "%s/small.json", workdir);
    write_str(trace, small_trace);
    char args[1024];
    const char *formats[] = {"v0", "v1"};
    for (size_t k = 0; k < 3; k++) {
        const char *path = trace;
        char conv[256];
        if (k > 0) {
            snprintf(conv, sizeof conv, "%s/small.%s.bin", workdir, formats[k - 1]);
            snprintf(args, sizeof args, "convert '%s' '%s' --to %s", trace, conv, formats[k - 1]);
            free(tool(0, args));
            path = conv;
        }
        size_t file_len;
        char *file = tu_read_file(path, &file_len);
        assert_non_null(file);
        free(file);
        rt_reader *r;
        assert_int_equal(rt_reader_open(&r, path, NULL), RT_OK);
        assert_int_equal(rt_reader_event_size(r), 0);
        const rt_event *e;
        uint64_t last = rt_reader_bytes_consumed(r), sizes = 0;
        int rc;
        while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
            uint64_t now = rt_reader_bytes_consumed(r);
            assert_true(now >= last && now <= file_len);
            last = now;
            assert_true(rt_reader_event_size(r) > 0);
            sizes += rt_reader_event_size(r);
        }
        assert_int_equal(rc, RT_READ_END);
        assert_int_equal(rt_reader_bytes_consumed(r), file_len);
        if (k == 0) /* the text of the events without the separators */
            assert_true(sizes > strlen(small_trace) - 30 && sizes < strlen(small_trace));
        rt_reader_free(r);
    }
    assert_int_equal(rt_reader_bytes_consumed(NULL), 0);
    assert_int_equal(rt_reader_event_size(NULL), 0);
}

/* ---- the progress line ----------------------------------------------------- */

/* A JSON trace of n Step events in one call. */
static void write_steps(const char *path, unsigned n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("[{\"Path\":\"/p/a.lua\"},{\"Function\":{\"path_id\":0,\"line\":1,\"name\":\"main\"}},"
          "{\"Type\":{\"kind\":30,\"lang_type\":\"None\",\"specific_info\":{\"kind\":\"None\"}}},"
          "{\"Call\":{\"function_id\":0,\"args\":[]}}",
          f);
    for (unsigned i = 0; i < n; i++)
        fprintf(f, ",{\"Step\":{\"path_id\":0,\"line\":%u}}", i % 100 + 1);
    fputs(",{\"Return\":{\"return_value\":{\"kind\":\"None\",\"type_id\":0}}}]", f);
    assert_int_equal(fclose(f), 0);
}

static void test_progress(void **state)
{
    (void)state;
    char trace[512];
    snprintf(trace, sizeof trace, "%s/steps.json", workdir);
    write_steps(trace, 20000);
    /* stderr not a terminal: nothing on it. */
    static const char *const cmds[] = {"convert '%s' '%s/o.bin'", "validate '%s'",
                                       "stats '%s'", "flamegraph '%s' -o '%s/o.svg'",
                                       "cat '%s'", "repair '%s'"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char args[1024];
        snprintf(args, sizeof args, cmds[i], trace, workdir);
        free(tool(0, args));
        char *err = tool_stderr();
        assert_string_equal(err, "");
        free(err);
    }
    /* On a terminal (script(1) gives one): the line, erased at the end;
     * --quiet: none. */
    if (tu_run("script -qc true /dev/null >/dev/null 2>&1") != 0)
        skip();
    char typescript[512];
    snprintf(typescript, sizeof typescript, "%s/typescript", workdir);
    for (int quiet = 0; quiet < 2; quiet++) {
        assert_int_equal(tu_run("script -qc \"'%s' convert%s '%s' '%s/t.bin'\" '%s' "
                                ">/dev/null 2>&1 </dev/null",
                                TOOL, quiet ? " --quiet" : "", trace, workdir, typescript),
                         0);
        char *ts = tu_read_file(typescript, NULL);
        assert_non_null(ts);
        if (quiet) {
            assert_null(strstr(ts, "events"));
        } else {
            if (!strstr(ts, " events, ") || !strstr(ts, "\r\x1b[K"))
                fail_msg("no progress line on a terminal:\n%s", ts);
            assert_non_null(strstr(ts, "%"));
        }
        free(ts);
    }
}

typedef struct heard {
    unsigned calls;
    uint64_t bytes, total, events;
} heard;

static void hear(void *ctx, uint64_t bytes, uint64_t total, uint64_t events)
{
    heard *h = ctx;
    assert_true(bytes <= total);
    h->calls++;
    h->bytes = bytes;
    h->total = total;
    h->events = events;
}

static void test_repair_progress(void **state)
{
    (void)state;
    char trace[512];
    snprintf(trace, sizeof trace, "%s/steps.json", workdir);
    write_steps(trace, 20000);
    size_t len;
    char *text = tu_read_file(trace, &len);
    assert_non_null(text);
    /* Cut in the middle: repaired in three passes. */
    FILE *f = fopen(trace, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len / 2, f), len / 2);
    assert_int_equal(fclose(f), 0);
    free(text);
    heard h = {0, 0, 0, 0};
    rt_repair_result res;
    char why[256];
    assert_int_equal(rt_trace_repair_progress(trace, &res, hear, &h, why, sizeof why), RT_OK);
    assert_true(res.was_truncated);
    assert_true(h.calls >= 2); /* the first pass and the reading back, 4096 events each */
    assert_int_equal(h.total, res.new_size);
    assert_true(h.events >= 4096 && h.events < res.events);
    /* NULL: no calls, the same result. */
    assert_int_equal(rt_trace_repair_progress(trace, &res, NULL, NULL, why, sizeof why), RT_OK);
    assert_false(res.was_truncated);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_small_trace_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_definitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_escapes_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fib_recording, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_position, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repair_progress, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
