/* ct-lua with trace filters (docs/filters.md): the built-in default keeps
 * secrets out of every file of the trace directory in every format; a
 * filter that does not load stops ct-lua before anything is written;
 * .codetracer/trace-filter.toml and CODETRACER_TRACE_FILTER are found;
 * pkg is a module's require name; skipping dkjson leaves no Step in it and
 * a .ct the debugger's loader opens; redact of an unfiltered recording
 * gives the events of the filtered one. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR RT_SOURCE_DIR "/tests/lua/filter"
#define CT_LUA RT_BIN_DIR "/ct-lua"
#define TOOL RT_BIN_DIR "/runtime-tracing"
#define CHECKER RT_SOURCE_DIR "/../shared/tools/ctfs_check.py"

static const char *const secrets[] = {"sec-global-api", "sec-local-pw", "sec-field-pw",
                                      "sec-nested-tok", "sec-token-777777", "sec-arg-pw"};

static bool have_lua(void)
{
    return access(CT_LUA, X_OK) == 0 && tu_run("lua5.4 -v >/dev/null 2>&1") == 0;
}

/* How many of the secrets some file under dir holds. */
static int secrets_in(const char *dir)
{
    int n = 0;
    for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++)
        n += tu_run("grep -r -a -q -- '%s' '%s'", secrets[i], dir) == 0;
    return n;
}

static void test_default_keeps_secrets_out(void **state)
{
    (void)state;
    if (!have_lua())
        skip();
    const char *tmp0 = tu_tmpdir();
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", tmp0);
    static const char *const formats[] = {"json", "v0", "v1", "ct"};
    for (size_t f = 0; f < 4; f++) {
        char out[600];
        snprintf(out, sizeof out, "%s/%s", tmp, formats[f]);
        assert_int_equal(tu_run("cd '%s' && '%s' -f %s -o '%s' secrets.lua >/dev/null", DIR,
                                CT_LUA, formats[f], out),
                         0);
        if (secrets_in(out) != 0)
            fail_msg("%s: a secret is in the trace directory", formats[f]);
        /* the names are there, their values read <redacted>, the rest is kept */
        char json[700];
        snprintf(json, sizeof json, "%s/cat.json", tmp);
        assert_int_equal(tu_run("'%s' cat '%s' > '%s'", TOOL, out, json), 0);
        size_t n;
        char *text = tu_read_file(json, &n);
        assert_non_null(text);
        static const char *const names[] = {"\"db_password\"", "\"API_KEY\"", "\"password\"",
                                            "\"<redacted>\"", "example.org",
                                            "secretmod.get_token"};
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (!strstr(text, names[i]))
                fail_msg("%s: %s missing from the events", formats[f], names[i]);
        free(text);
        assert_int_equal(tu_run("grep -F -q '\"trace_filter\":{\"filters\":[{\"name\":\"builtin-default\"' "
                                "'%s/trace_metadata.json'",
                                out),
                         0);
        assert_int_equal(tu_run("'%s' validate '%s' >/dev/null", TOOL, out), 0);
    }
    /* without the default, the values are recorded */
    char out[600];
    snprintf(out, sizeof out, "%s/none", tmp);
    assert_int_equal(tu_run("cd '%s' && '%s' --no-default-filter -f json -o '%s' secrets.lua "
                            ">/dev/null",
                            DIR, CT_LUA, out),
                     0);
    assert_int_equal(secrets_in(out), (int)(sizeof secrets / sizeof *secrets));
    assert_int_equal(tu_run("grep -q trace_filter '%s/trace_metadata.json'", out), 1);
    /* redact of that gives the events of the filtered recording (the
     * global, a local to redact, decided by the same pattern) */
    char red[600], filt[600];
    snprintf(red, sizeof red, "%s/redacted", tmp);
    snprintf(filt, sizeof filt, "%s/json", tmp);
    assert_int_equal(tu_run("'%s' redact --quiet '%s' '%s'", TOOL, out, red), 0);
    assert_int_equal(secrets_in(red), 0);
    /* function addresses differ from run to run: left out */
    assert_int_equal(tu_run("'%s' cat '%s' | sed 's/0x[0-9a-f]*//g' > '%s/a' && "
                            "'%s' cat '%s' | sed 's/0x[0-9a-f]*//g' > '%s/b' && cmp -s '%s/a' '%s/b'",
                            TOOL, red, tmp, TOOL, filt, tmp, tmp, tmp),
                     0);
    tu_rmtree(tmp);
}

static void test_broken_filter(void **state)
{
    (void)state;
    if (!have_lua())
        skip();
    const char *tmp0 = tu_tmpdir();
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", tmp0);
    char out[600], err[600];
    snprintf(out, sizeof out, "%s/t", tmp);
    snprintf(err, sizeof err, "%s/err", tmp);
    assert_int_equal(tu_run("cd '%s' && '%s' --trace-filter broken.toml -o '%s' secrets.lua "
                            ">/dev/null 2>'%s'",
                            DIR, CT_LUA, out, err),
                     2);
    size_t n;
    char *msg = tu_read_file(err, &n);
    assert_non_null(msg);
    if (!strstr(msg, "broken.toml:6:"))
        fail_msg("no file and line in: %s", msg);
    free(msg);
    struct stat st;
    assert_int_equal(stat(out, &st), -1); /* nothing written */
    assert_int_equal(tu_run("cd '%s' && '%s' --trace-filter missing.toml -o '%s' secrets.lua "
                            ">/dev/null 2>&1",
                            DIR, CT_LUA, out),
                     2);
    assert_int_equal(stat(out, &st), -1);
    tu_rmtree(tmp);
}

/* Steps in the lines of a file in a ct-lua trace. */
static int steps_in(const char *trace, const char *file)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "'%s' cat '%s' | python3 -c 'import json,sys; e=json.load(sys.stdin); "
             "p=[x[\"Path\"] for x in e if \"Path\" in x]; "
             "print(sum(1 for x in e if \"Step\" in x and p[x[\"Step\"][\"path_id\"]].endswith(\"%s\")))'"
             " > '%s.steps'",
             TOOL, trace, file, trace);
    assert_int_equal(tu_run("%s", cmd), 0);
    char path[1100];
    snprintf(path, sizeof path, "%s.steps", trace);
    size_t n;
    char *text = tu_read_file(path, &n);
    assert_non_null(text);
    int steps = atoi(text);
    free(text);
    return steps;
}

static void test_where_filters_come_from(void **state)
{
    (void)state;
    if (!have_lua() || tu_run("python3 -c 1 2>/dev/null") != 0)
        skip();
    const char *tmp0 = tu_tmpdir();
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", tmp0);
    /* a project directory: the filter in .codetracer/ above the script's own */
    assert_int_equal(tu_run("mkdir -p '%s/proj/.codetracer' '%s/proj/src' && cp '%s/skip.toml' "
                            "'%s/proj/.codetracer/trace-filter.toml' && cp '%s/secrets.lua' "
                            "'%s/secretmod.lua' '%s/proj/src/'",
                            tmp, tmp, DIR, tmp, DIR, DIR, tmp),
                     0);
    char out[600];
    snprintf(out, sizeof out, "%s/found", tmp);
    assert_int_equal(tu_run("cd '%s/proj/src' && '%s' -f json -o '%s' secrets.lua >/dev/null", tmp,
                            CT_LUA, out),
                     0);
    assert_int_equal(steps_in(out, "secretmod.lua"), 0); /* pkg:secretmod, its require name */
    assert_true(steps_in(out, "secrets.lua") > 0);
    assert_int_equal(tu_run("grep -q skip-module '%s/trace_metadata.json'", out), 0);
    /* CODETRACER_TRACE_FILTER, from anywhere */
    snprintf(out, sizeof out, "%s/env", tmp);
    assert_int_equal(tu_run("cd '%s' && CODETRACER_TRACE_FILTER='%s/skip.toml' '%s' -f json -o '%s' "
                            "secrets.lua >/dev/null",
                            DIR, DIR, CT_LUA, out),
                     0);
    assert_int_equal(steps_in(out, "secretmod.lua"), 0);
    /* without: the module is stepped into */
    snprintf(out, sizeof out, "%s/plain", tmp);
    assert_int_equal(tu_run("cd '%s' && '%s' -f json -o '%s' secrets.lua >/dev/null", DIR, CT_LUA,
                            out),
                     0);
    assert_true(steps_in(out, "secretmod.lua") > 0);
    tu_rmtree(tmp);
}

/* A library skipped by its file: no Step in it, a .ct the debugger opens. */
static void test_skip_dkjson(void **state)
{
    (void)state;
    if (!have_lua() || access("/usr/share/lua/5.4/dkjson.lua", R_OK) != 0 ||
        tu_run("python3 -c 1 2>/dev/null") != 0)
        skip();
    const char *tmp0 = tu_tmpdir();
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", tmp0);
    FILE *f = fopen(tu_join(tmp, "skip.toml"), "w");
    assert_non_null(f);
    fputs("[meta]\nname = \"no-dkjson\"\nversion = 1\n[scope]\ndefault_exec = \"inherit\"\n"
          "default_value_action = \"inherit\"\n[[scope.rules]]\nselector = 'file:**/dkjson.lua'\n"
          "exec = \"skip\"\n",
          f);
    fclose(f);
    f = fopen(tu_join(tmp, "use.lua"), "w");
    assert_non_null(f);
    fputs("local json = require 'dkjson'\nlocal s = json.encode({a = {1, 2, 3}, b = 'x'})\n"
          "local v = json.decode(s)\nprint(#s, v.b)\n",
          f);
    fclose(f);
    assert_int_equal(tu_run("cd '%s' && '%s' --trace-filter skip.toml -o t use.lua >/dev/null", tmp,
                            CT_LUA),
                     0);
    char trace[600];
    snprintf(trace, sizeof trace, "%s/t", tmp);
    assert_int_equal(steps_in(trace, "dkjson.lua"), 0);
    assert_true(steps_in(trace, "use.lua") > 0);
    if (access(CHECKER, R_OK) == 0)
        assert_int_equal(tu_run("python3 '%s' check '%s/trace.ct' >/dev/null", CHECKER, trace), 0);
    assert_int_equal(tu_run("'%s' validate '%s' >/dev/null", TOOL, trace), 0);
    tu_rmtree(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_keeps_secrets_out),
        cmocka_unit_test(test_broken_filter),
        cmocka_unit_test(test_where_filters_come_from),
        cmocka_unit_test(test_skip_dkjson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
