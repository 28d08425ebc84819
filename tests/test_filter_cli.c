/* `runtime-tracing filter check|explain` run as a process: exit statuses
 * (0, 1 for a filter that does not load, 2 for usage), what they print, and
 * errors with their file, line and column. */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/sha256.h"
#include "filter/filter.h"

#define TOOL RT_BIN_DIR "/runtime-tracing"

typedef struct result {
    int status;
    char *out, *err;
} result;

static char workdir[64];

/* Runs the tool with the arguments (NULL-terminated) in workdir, capturing
 * stdout and stderr. A signal fails the test. */
static result run_v(const char *const *args)
{
    char out_path[128], err_path[128];
    snprintf(out_path, sizeof out_path, "%s/stdout", workdir);
    snprintf(err_path, sizeof err_path, "%s/stderr", workdir);
    const char *argv[32];
    size_t n = 0;
    argv[n++] = TOOL;
    for (; args[n - 1] && n < 31; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || chdir(workdir) != 0)
            _exit(127);
        dup2(o, 1);
        dup2(e, 2);
        setenv("ASAN_OPTIONS", "abort_on_error=1", 0);
        setenv("UBSAN_OPTIONS", "halt_on_error=1:abort_on_error=1", 0);
        execv(TOOL, (char *const *)argv);
        _exit(127);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st))
        fail_msg("runtime-tracing %s: killed by signal %d", args[0] ? args[0] : "", WTERMSIG(st));
    result r;
    r.status = WEXITSTATUS(st);
    assert_int_not_equal(r.status, 127);
    r.out = tu_read_file(out_path, NULL);
    r.err = tu_read_file(err_path, NULL);
    assert_non_null(r.out);
    assert_non_null(r.err);
    return r;
}

#define RUN(...) run_v((const char *const[]){__VA_ARGS__, NULL})

/* Checks the exit status and that stdout and stderr contain the texts (NULL:
 * not checked). */
static void expect(result r, int status, const char *in_out, const char *in_err)
{
    if (r.status != status || (in_out && !strstr(r.out, in_out)) ||
        (in_err && !strstr(r.err, in_err)))
        fail_msg("exit %d (expected %d)\nstdout: %.3000s\nstderr: %.2000s\nexpected in stdout: %s\n"
                 "expected in stderr: %s",
                 r.status, status, r.out, r.err, in_out ? in_out : "-", in_err ? in_err : "-");
    free(r.out);
    free(r.err);
}

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

static void put(const char *name, const char *text)
{
    FILE *f = fopen(tu_join(workdir, name), "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char lua_filter[] =
    "[meta]\n"
    "name = \"lua-demo\"\n"
    "version = 1\n"
    "description = \"Skip dkjson and penlight\"\n"
    "\n"
    "[scope]\n"
    "default_exec = \"inherit\"\n"
    "default_value_action = \"inherit\"\n"
    "\n"
    "[[scope.rules]]\n"
    "selector = 'file:**/dkjson.lua'\n"
    "exec = \"skip\"\n"
    "reason = \"a library we trust\"\n"
    "\n"
    "[[scope.rules]]\n"
    "selector = 'pkg:pl.*'\n"
    "exec = \"skip\"\n"
    "\n"
    "[[scope.rules]]\n"
    "selector = 'obj:app.main'\n"
    "value_default = \"drop\"\n"
    "value_patterns = [{selector = 'local:keep_*', action = 'allow', reason = \"needed\"}]\n";

static void test_usage(void **state)
{
    (void)state;
    expect(RUN("filter", "--help"), 0, "Usage: runtime-tracing filter check SPEC...", NULL);
    expect(RUN("help", "filter"), 0, "filter explain SPEC... --file PATH --function NAME", NULL);
    expect(RUN("filter", "check", "--help"), 0, "--value KIND:NAME", NULL);
    expect(RUN("--help"), 0, "filter        check trace-filter files", NULL);
    expect(RUN("filter"), 2, NULL, "expected check or explain");
    expect(RUN("filter", "verify", "x"), 2, NULL, "unknown filter command 'verify'");
    expect(RUN("filter", "check"), 2, NULL, "Try 'runtime-tracing filter check --help'");
    expect(RUN("filter", "check", "--strict", "builtin-default"), 2, NULL, "unknown option '--strict'");
    expect(RUN("filter", "explain", "builtin-default"), 2, NULL, "expected --file PATH");
    expect(RUN("filter", "explain", "builtin-default", "--file", "a.lua"), 2, NULL,
           "expected --function NAME");
    expect(RUN("filter", "explain", "--file", "a.lua", "--function", "f"), 2, NULL, "expected SPEC");
    expect(RUN("filter", "explain", "builtin-default", "--file", "a.lua", "--function", "f",
               "--value", "password"),
           2, NULL, "--value 'password': expected KIND:NAME");
    expect(RUN("filter", "explain", "builtin-default", "--file", "a.lua", "--function", "f",
               "--value", "var:password"),
           2, NULL, "KIND one of local, arg, ret, global, attr");
    expect(RUN("filter", "explain", "builtin-default", "--file"), 2, NULL, "needs a value");
}

static void test_check(void **state)
{
    (void)state;
    size_t len;
    const char *text = rt_filter_builtin_text(RT_FILTER_BUILTIN_DEFAULT, &len);
    char sha[RT_SHA256_HEX_SIZE], line[128];
    rt_sha256_hex(text, len, sha);
    snprintf(line, sizeof line, "  sha256: %s\n", sha);
    result r = RUN("filter", "check", "builtin-default");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "filter 1: builtin-default (version 1, built-in)\n"));
    assert_non_null(strstr(r.out, line));
    assert_non_null(strstr(r.out, "defaults: exec trace, values allow\n"));
    assert_non_null(strstr(r.out, "rule 1: pkg:regex:.*  [builtin-default:"));
    assert_non_null(strstr(r.out, "  value pattern 5: attr:regex:(?i).*(pass(word)?|"));
    assert_non_null(strstr(r.out, "1 filter, 1 rule, 5 value patterns\n"));
    assert_string_equal(r.err, "");
    free(r.out);
    free(r.err);
    put("lua.toml", lua_filter);
    /* a chain with '::' and a second SPEC: in order, rules numbered across it */
    r = RUN("filter", "check", "builtin-default::lua.toml", "lua.toml");
    assert_int_equal(r.status, 0);
    const char *f2 = strstr(r.out, "filter 2: lua-demo (version 1, lua.toml)\n");
    const char *f3 = strstr(r.out, "filter 3: lua-demo (version 1, lua.toml)\n");
    assert_non_null(f2);
    assert_non_null(f3);
    assert_true(f2 < f3);
    assert_non_null(strstr(r.out, "  description: Skip dkjson and penlight\n"));
    assert_non_null(strstr(r.out, "rule 2: file:**/dkjson.lua  [lua.toml:11:12, scope.rules[0]]\n"
                                  "  exec skip, value_default inherit\n"
                                  "  reason: a library we trust\n"));
    assert_non_null(strstr(r.out, "rule 4: obj:app.main  [lua.toml:20:12, scope.rules[2]]\n"
                                  "  exec inherit, value_default drop\n"
                                  "  value pattern 1: local:keep_* -> allow  [line 22:31]\n"
                                  "    reason: needed\n"));
    assert_non_null(strstr(r.out, "rule 7: obj:app.main  [lua.toml:20:12, scope.rules[2]]"));
    assert_non_null(strstr(r.out, "3 filters, 7 rules, 7 value patterns\n"));
    free(r.out);
    free(r.err);
    /* the file alone: its inherit has nothing before it */
    expect(RUN("filter", "check", "lua.toml"), 1, NULL,
           "lua.toml:7:16: scope.default_exec is \"inherit\", but no filter before lua.toml");
    /* errors with file, line and column, status 1 */
    put("bad.toml", "[meta]\nname = \"bad\"\nversion = 1\n[scope]\ndefault_exec = \"trace\"\n"
                    "default_value_action = \"allow\"\n[[scope.rules]]\nselector = 'pkg:regex:('\n");
    expect(RUN("filter", "check", "builtin-default::bad.toml"), 1, NULL,
           "bad.toml:8:12: scope.rules[0].selector 'pkg:regex:(': regex: missing closing "
           "parenthesis at offset 1 (RT_EFORMAT)");
    put("syntax.toml", "[meta]\nname = \"s\"\nversion = 1\n[scope\n");
    expect(RUN("filter", "check", "syntax.toml"), 1, NULL,
           "syntax.toml:4:7: expected ']' to close the header");
    put("typo.toml", "[meta]\nname = \"t\"\nversion = 1\n[scope]\ndefault_exec = \"trace\"\n"
                     "[[scope.rules]]\nselectr = 'pkg:x'\n");
    expect(RUN("filter", "check", "builtin-default::typo.toml"), 1, NULL,
           "typo.toml:7:1: unknown key 'selectr' in scope.rules[0]");
    expect(RUN("filter", "check", "missing.toml"), 1, NULL,
           "missing.toml: cannot open trace filter: No such file or directory (RT_ENOENT)");
    expect(RUN("filter", "check", "builtin-default::"), 1, NULL, "has an empty part (RT_EINVAL)");
    /* control characters from a file are shown escaped */
    put("ctl.toml", "[meta]\nname = \"a\\u001bb\"\nversion = 1\n[scope]\ndefault_exec = \"trace\"\n"
                    "default_value_action = \"allow\"\n");
    expect(RUN("filter", "check", "ctl.toml"), 0, "filter 1: a\\x1Bb (version 1, ctl.toml)", NULL);
    put("ctl2.toml", "[meta]\nname = \"a\"\nversion = 1\n[scope]\ndefault_exec = \"trace\"\n"
                     "[[scope.rules]]\nselector = \"pkg:\\u001b[31m(\"\n");
    expect(RUN("filter", "check", "builtin-default::ctl2.toml"), 1, NULL,
           "ctl2.toml:7:12: scope.rules[0].selector 'pkg:\\x1B[31m(': glob: unclosed '['");
}

static void test_explain(void **state)
{
    (void)state;
    put("lua.toml", lua_filter);
    expect(RUN("filter", "explain", "builtin-default::lua.toml", "--file",
               "/usr/share/lua/5.4/dkjson.lua", "--function", "dkjson.encode", "--value",
               "arg:api_key"),
           0,
           "file:     /usr/share/lua/5.4/dkjson.lua\n"
           "module:   usr.share.lua.5.4.dkjson (derived from the path)\n"
           "function: dkjson.encode\n"
           "exec:     skip, by rule 2: file:**/dkjson.lua  [lua.toml:11:12, scope.rules[0]]\n"
           "values:   allow, by default (scope.default_value_action)\n"
           "matching rules: 2\n"
           "value arg:api_key: redact, by value pattern 2 of rule 1: pkg:regex:.*  [builtin-default:",
           NULL);
    /* relative to --workdir, a module given, a value default and a pattern */
    expect(RUN("filter", "explain", "builtin-default", "lua.toml", "--workdir", "/home/u/app",
               "--file", "/home/u/app/src/app.lua", "--module", "app", "--function", "app.main",
               "--value", "local:keep_me"),
           0,
           "file:     src/app.lua\n"
           "module:   app\n"
           "function: app.main\n"
           "exec:     trace, by default (scope.default_exec)\n"
           "values:   drop, by rule 4: obj:app.main  [lua.toml:20:12, scope.rules[2]]\n"
           "matching rules: 2\n"
           "value local:keep_me: allow, by value pattern 1 of rule 4: obj:app.main  [lua.toml:20:12, "
           "scope.rules[2]]\n"
           "  pattern: local:keep_*  [line 22:31]\n",
           NULL);
    expect(RUN("filter", "explain", "builtin-default::lua.toml", "--workdir", "/w", "--file",
               "/w/pl/utils.lua", "--function", "pl.utils.split", "--value=local:other"),
           0, "module:   pl.utils (derived from the path)\nfunction: pl.utils.split\n"
              "exec:     skip, by rule 3: pkg:pl.*",
           NULL);
    expect(RUN("filter", "explain", "builtin-default::lua.toml", "--file", "a.lua", "--function",
               "app.main", "--value", "local:x"),
           0, "value local:x: drop, by the function's value default\n", NULL);
    /* relative paths stay as given; without --workdir the current directory */
    expect(RUN("filter", "explain", "builtin-default", "--file", "./src/a.lua", "--function", "f"),
           0, "file:     src/a.lua\nmodule:   src.a (derived from the path)\n", NULL);
    expect(RUN("filter", "explain", "nope.toml", "--file", "a.lua", "--function", "f"), 1, NULL,
           "nope.toml: cannot open trace filter");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_explain),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
