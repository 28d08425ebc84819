/* The runtime-tracing tool run as a process: exit statuses and messages of
 * every command, cat against the golden files, validate on good and broken
 * traces, and garbage input that must never end in a signal. */
#include "testutil.h"

#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOOL RT_BIN_DIR "/runtime-tracing"

typedef struct result {
    int status; /* exit status */
    char *out, *err;
    size_t out_len;
} result;

static char workdir[64];

/* Runs the tool with the arguments (NULL-terminated), capturing stdout and
 * stderr. A signal fails the test. */
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
        if (o < 0 || e < 0)
            _exit(127);
        dup2(o, 1);
        dup2(e, 2);
        /* In sanitizer builds a finding must not pass for "exit 1". */
        setenv("ASAN_OPTIONS", "abort_on_error=1", 0);
        setenv("UBSAN_OPTIONS", "halt_on_error=1:abort_on_error=1", 0);
        execv(TOOL, (char *const *)argv);
        _exit(127);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st))
        fail_msg("runtime-tracing %s %s: killed by signal %d", args[0] ? args[0] : "",
                 args[0] && args[1] ? args[1] : "", WTERMSIG(st));
    assert_true(WIFEXITED(st));
    result r;
    r.status = WEXITSTATUS(st);
    assert_int_not_equal(r.status, 127);
    r.out = tu_read_file(out_path, &r.out_len);
    r.err = tu_read_file(err_path, NULL);
    assert_non_null(r.out);
    assert_non_null(r.err);
    return r;
}

#define RUN(...) run_v((const char *const[]){__VA_ARGS__, NULL})

static void done(result *r)
{
    free(r->out);
    free(r->err);
}

/* Runs and checks the exit status and that stdout/stderr contain the given
 * texts (NULL: not checked). */
static void expect(result r, int status, const char *in_out, const char *in_err)
{
    if (r.status != status || (in_out && !strstr(r.out, in_out)) ||
        (in_err && !strstr(r.err, in_err)))
        fail_msg("exit %d (expected %d)\nstdout: %.2000s\nstderr: %.2000s\nexpected in stdout: %s\n"
                 "expected in stderr: %s",
                 r.status, status, r.out, r.err, in_out ? in_out : "-", in_err ? in_err : "-");
    done(&r);
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

/* workdir/name, in a buffer of the caller. */
static const char *wpath(char *buf, const char *name)
{
    snprintf(buf, 1024, "%s/%s", workdir, name);
    return buf;
}

static void write_file(const char *path, const char *content, size_t len)
{
    assert_int_equal(strncmp(path, "/tmp/", 5), 0);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    fclose(f);
}

static void write_str(const char *path, const char *content)
{
    write_file(path, content, strlen(content));
}

/* ---- usage -------------------------------------------------------------- */

static void test_help_and_usage(void **state)
{
    (void)state;
    expect(RUN("--help"), 0, "format-trace", NULL);
    expect(RUN("-h"), 0, "validate", NULL);
    expect(RUN("help", "convert"), 0, "--to json|v0|v1", NULL);
    expect(RUN("--version"), 0, "runtime-tracing " RT_VERSION_STRING, NULL);
    static const char *const cmds[] = {"convert", "cat", "format-trace", "validate", "info"};
    for (size_t i = 0; i < 5; i++) {
        char usage[64];
        snprintf(usage, sizeof usage, "Usage: runtime-tracing %s", cmds[i]);
        expect(RUN(cmds[i], "--help"), 0, usage, NULL);
        expect(RUN(cmds[i]), 2, NULL, "Try 'runtime-tracing");
    }
    expect(RUN(NULL), 2, NULL, "missing command");
    expect(RUN("frobnicate"), 2, NULL, "unknown command 'frobnicate'");
    expect(RUN("--frob"), 2, NULL, "unknown option '--frob'");
    expect(RUN("help", "frobnicate"), 2, NULL, "unknown command");
    char in[1024];
    snprintf(in, sizeof in, "%s", tu_fixture("tutorial/trace.json"));
    char out[1024];
    wpath(out, "out.txt");
    expect(RUN("convert", in), 2, NULL, "expected IN and OUT");
    expect(RUN("convert", in, out), 2, NULL, "use --to");
    expect(RUN("convert", in, out, "--to", "xml"), 2, NULL, "unknown format 'xml'");
    expect(RUN("convert", in, out, "--to"), 2, NULL, "needs a value");
    expect(RUN("convert", in, out, "--to", "json", "--to=v1"), 2, NULL, "given twice");
    expect(RUN("convert", in, out, "extra", "--to", "json"), 2, NULL, "unexpected argument 'extra'");
    expect(RUN("cat", in, "--bogus"), 2, NULL, "unknown option '--bogus'");
    expect(RUN("cat", in, in), 2, NULL, "unexpected argument");
    expect(RUN("validate", in, in), 2, NULL, "unexpected argument");
    expect(RUN("info", "-x", in), 2, NULL, "unknown option");
    expect(RUN("convert", in, in, "--to", "json"), 2, NULL, "same file");
}

/* ---- cat ---------------------------------------------------------------- */

/* The golden files are 0.14: those with Ruby's RValues would print as 0.19
 * (floats as text) when the dialect follows the input. */
static void expect_cat(const char *in, const char *expected_file)
{
    result r = RUN("cat", "--dialect", "0.14", in);
    if (r.status != 0)
        fail_msg("cat %s: exit %d: %s", in, r.status, r.err);
    size_t len;
    char *want = tu_read_expected(expected_file, &len);
    assert_non_null(want);
    if (r.out_len != len + 1 || memcmp(r.out, want, len) != 0 || r.out[len] != '\n')
        fail_msg("cat %s differs from %s plus a newline", in, expected_file);
    assert_string_equal(r.err, "");
    free(want);
    done(&r);
}

static void test_cat(void **state)
{
    (void)state;
    static const char *const same[] = {
        "values/values.json", "values/values-bigint.json", "values/values-specialfloat.json",
        "simple/trace.json",  "simple/noassign/trace.json", "tutorial/trace.json",
        "empty/empty.json"};
    char in[1024], want[1024];
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        snprintf(in, sizeof in, "%s", tu_fixture(same[i]));
        expect_cat(in, in);
    }
    snprintf(in, sizeof in, "%s", tu_fixture("testdata/trace.orig.json"));
    snprintf(want, sizeof want, "%s", tu_fixture("testdata/trace.json"));
    expect_cat(in, want);
    /* a directory means its events file */
    snprintf(in, sizeof in, "%s", tu_fixture("tutorial"));
    snprintf(want, sizeof want, "%s", tu_fixture("tutorial/trace.json"));
    expect_cat(in, want);

    glob_t g;
    char pattern[1024];
    snprintf(pattern, sizeof pattern, "%s", tu_fixture("real/*.expected.json"));
    assert_int_equal(glob(pattern, 0, NULL, &g), 0);
    assert_int_equal(g.gl_pathc, 25);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *exp = g.gl_pathv[i];
        snprintf(in, sizeof in, "%.*s.json", (int)(strlen(exp) - 14), exp);
        expect_cat(in, exp);
    }
    globfree(&g);

    char missing[1024];
    expect(RUN("cat", wpath(missing, "nope.json")), 1, NULL, "nope.json: no such file");
    char dir[1024];
    wpath(dir, "emptydir");
    assert_int_equal(mkdir(dir, 0755), 0);
    expect(RUN("cat", dir), 1, NULL, "trace.json or trace.bin in this directory");
    char bad[1024];
    write_str(wpath(bad, "bad.json"), "[{\"Path\":\"a\"},{\"Step\":{\"path_id\":0}}]");
    expect(RUN("cat", bad), 1, "[{\"Path\":\"a\"}", "event 1 at byte 22: Step: missing field `line`");
}

/* ---- convert ------------------------------------------------------------ */

static void test_convert(void **state)
{
    (void)state;
    char in[1024], want[1024], out[1024], out2[1024];
    snprintf(in, sizeof in, "%s", tu_fixture("testdata/trace.orig.json"));
    snprintf(want, sizeof want, "%s", tu_fixture("testdata/trace.json"));
    expect(RUN("convert", in, wpath(out, "t.json")), 0, NULL, NULL);
    tu_assert_same_file(out, want);
    expect(RUN("convert", in, wpath(out, "t.out"), "--to=json"), 0, NULL, NULL);
    tu_assert_same_file(out, want);

    /* Ruby's FunctionReturn and FieldAccess RValues survive v1; v0 refuses them */
    snprintf(in, sizeof in, "%s", tu_fixture("real/ruby-collections_extras_trace.json"));
    snprintf(want, sizeof want, "%s", tu_fixture("real/ruby-collections_extras_trace.expected.json"));
    expect(RUN("convert", in, wpath(out, "ruby.bin")), 0, NULL, NULL);
    expect_cat(out, want);
    expect(RUN("convert", in, wpath(out, "ruby.v0"), "--to", "v0", "--dialect", "0.14"), 1, NULL,
           "RT_EUNSUPPORTED");
    /* ... unless in the 0.19 dialect, which the input's RValues choose */
    expect(RUN("convert", in, wpath(out, "ruby.v0"), "--to", "v0"), 0, NULL, NULL);
    expect_cat(out, want);
    expect(RUN("convert", in, wpath(out, "ruby.v0"), "--to", "v0", "--dialect", "0.2"), 2, NULL,
           "unknown dialect '0.2'");
    /* a 0.14 input gives 0.14 output without the option */
    result c = RUN("cat", tu_fixture("values/values-specialfloat.json"));
    assert_int_equal(c.status, 0);
    assert_non_null(strstr(c.out, "\"f\":null"));
    done(&c);
    c = RUN("cat", "--dialect=0.19", tu_fixture("values/values-specialfloat.json"));
    assert_int_equal(c.status, 0);
    assert_non_null(strstr(c.out, "\"f\":\"NaN\""));
    done(&c);

    /* to v1 by the extension, to v0 by --to, and back */
    snprintf(in, sizeof in, "%s", tu_fixture("tutorial"));
    snprintf(want, sizeof want, "%s", tu_fixture("tutorial/trace.json"));
    result r = RUN("convert", in, wpath(out, "t.bin"));
    if (r.status == 1 && strstr(r.err, "RT_EUNSUPPORTED")) {
        done(&r); /* binary writers not built in yet */
    } else {
        expect(r, 0, NULL, NULL);
        r = RUN("info", out);
        expect(r, 0, "format:              v1", NULL);
        expect(RUN("convert", out, wpath(out2, "back.json")), 0, NULL, NULL);
        tu_assert_same_file(out2, want);
        expect(RUN("convert", want, wpath(out, "t0.bin"), "--to", "v0"), 0, NULL, NULL);
        expect(RUN("info", out), 0, "format:              v0", NULL);
        expect_cat(out, want);
    }

    /* a truncated input converts its complete events, with a warning */
    char bad[1024];
    write_str(wpath(bad, "cut.json"), "[{\"Path\":\"a\"},{\"Path\":");
    expect(RUN("convert", bad, wpath(out, "cut-out.json")), 0, NULL, "warning");
    expect(RUN("cat", out), 0, "[{\"Path\":\"a\"}]\n", NULL);
    expect(RUN("cat", bad), 0, "[{\"Path\":\"a\"}]\n", "1 complete events");
    expect(RUN("repair", bad), 0, "repaired (json): 1 events kept", NULL);
    expect(RUN("cat", bad), 0, "[{\"Path\":\"a\"}]\n", NULL);
    expect(RUN("repair", bad), 0, "nothing to repair", NULL);
    /* a failed conversion leaves no output file */
    write_str(wpath(bad, "garbage.json"), "[{\"Path\":\"a\"},{\"Nope\":1}]");
    expect(RUN("convert", bad, wpath(out, "never.json")), 1, NULL, "RT_EFORMAT");
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0);
    expect(RUN("convert", wpath(bad, "missing.json"), out), 1, NULL, "no such file");
    assert_int_not_equal(stat(out, &st), 0);
    /* Literal cannot go to v0: the writer's error names the event */
    write_str(wpath(bad, "lit.json"),
              "[{\"VariableName\":\"a\"},{\"Assignment\":{\"to\":0,\"pass_by\":\"Value\",\"from\":{\"kind\":"
              "\"Literal\"}}}]");
    r = RUN("convert", bad, wpath(out, "lit.bin"), "--to", "v0", "--dialect", "0.14");
    if (!(r.status == 1 && strstr(r.err, "RT_EUNSUPPORTED")))
        expect(r, 1, NULL, "event 1 cannot be written");
    else
        done(&r);
    assert_int_not_equal(stat(out, &st), 0);
    char nodir[1024];
    expect(RUN("convert", want, wpath(nodir, "no/such/dir.json")), 1, NULL, "cannot create");
}

/* ---- format-trace ------------------------------------------------------- */

static void test_format_trace(void **state)
{
    (void)state;
    char in[1024], out[1024];
    snprintf(in, sizeof in, "%s", tu_fixture("tutorial/trace.json"));
    static const char want[] =
        "[\n"
        "{\"Path\":\"example.rs\"},\n"
        "{\"Function\":{\"path_id\":0,\"line\":1,\"name\":\"<toplevel>\"}},\n"
        "{\"Call\":{\"function_id\":0,\"args\":[]}},\n"
        "{\"Type\":{\"kind\":30,\"lang_type\":\"None\",\"specific_info\":{\"kind\":\"None\"}}},\n"
        "{\"Step\":{\"path_id\":0,\"line\":1}},\n"
        "{\"Type\":{\"kind\":7,\"lang_type\":\"i32\",\"specific_info\":{\"kind\":\"None\"}}},\n"
        "{\"VariableName\":\"answer\"},\n"
        "{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Int\",\"i\":42,\"type_id\":1}}},\n"
        "{\"Return\":{\"return_value\":{\"kind\":\"None\",\"type_id\":0}}}\n"
        "]\n";
    expect(RUN("format-trace", in, wpath(out, "f.json")), 0, NULL, NULL);
    tu_assert_file_equals(out, want, strlen(want));
    result r = RUN("format-trace", in, "-");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, want);
    done(&r);
    /* The formatted file reads back to the same events. */
    expect_cat(out, in);
    snprintf(in, sizeof in, "%s", tu_fixture("empty/empty.json"));
    r = RUN("format-trace", in, "-");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "[\n]\n");
    done(&r);
    /* Strings with brackets, commas and quotes stay on their line. */
    char tricky[1024];
    write_str(wpath(tricky, "tricky.json"), "[{\"Path\":\"a],[{\\\",\\\\\"},\"DropLastStep\"]");
    r = RUN("format-trace", tricky, "-");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "[\n{\"Path\":\"a],[{\\\",\\\\\"},\n\"DropLastStep\"\n]\n");
    done(&r);
    char bad[1024];
    write_str(wpath(bad, "bad.json"), "[{\"Path\":\"a\"},{\"Nope\":1}]");
    expect(RUN("format-trace", bad, wpath(out, "g.json")), 1, NULL, "RT_EFORMAT");
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0);
}

/* ---- validate ----------------------------------------------------------- */

static void test_validate_fixtures(void **state)
{
    (void)state;
    char in[1024];
    snprintf(in, sizeof in, "%s", tu_fixture("tutorial"));
    expect(RUN("validate", in), 0, "tutorial: valid (9 events, 0 warnings)", NULL);
    snprintf(in, sizeof in, "%s", tu_fixture("simple"));
    expect(RUN("validate", in), 0, "simple: valid (47 events, 6 warnings)",
           "");
    snprintf(in, sizeof in, "%s", tu_fixture("simple"));
    expect(RUN("validate", in), 0, "trace.json: event 43: warning: Assignment", NULL);
    snprintf(in, sizeof in, "%s", tu_fixture("simple/noassign"));
    expect(RUN("validate", in), 0, "noassign: valid (45 events, 4 warnings)", NULL);
    snprintf(in, sizeof in, "%s", tu_fixture("values/values.json"));
    /* values.json holds edge-case ids on purpose: two are never defined */
    expect(RUN("validate", in), 1, "values.json: event 140: error: Value uses variable id 70000", NULL);
    expect(RUN("validate", in), 1, "values.json: invalid (2 errors, 4 warnings, 177 events)", NULL);
    snprintf(in, sizeof in, "%s", tu_fixture("real/noir-3_two_files.json"));
    expect(RUN("validate", in), 0, ": valid (63 events, 0 warnings)", NULL);
    snprintf(in, sizeof in, "%s", tu_fixture("real/ruby-control_flow_trace.json"));
    /* Ruby's FunctionReturn RValues: the file's dialect is 0.19 */
    expect(RUN("validate", in), 0, "checked for codetracer-0.19", NULL);
    expect(RUN("validate", in), 0, "valid (387 events, 0 warnings)", NULL);
    expect(RUN("validate", "--for", "codetracer-0.14", in), 1,
           "invalid (3 errors, 50 warnings, 387 events)", NULL);
    expect(RUN("validate", "--for", "codetracer-0.14", in), 1,
           "event 105: error: Assignment with the RValue Literal", NULL);
    expect(RUN("validate", "--for", "0.19", in), 2, NULL, "unknown target '0.19'");

    /* What each target cannot load, with the event index and the remedy */
    snprintf(in, sizeof in, "%s", tu_fixture("values/values-specialfloat.json"));
    expect(RUN("validate", in), 1, "event 19: error: Value: Float NaN, which codetracer-0.14 "
                                   "cannot read from JSON (null): record it as a Raw value",
           NULL);
    expect(RUN("validate", "--for", "codetracer-0.19", in), 1,
           "error: Value: a Float written as a number (or null), which codetracer-0.19 refuses",
           NULL);
    snprintf(in, sizeof in, "%s", tu_fixture("v0.19/values-specialfloat/values-specialfloat.json"));
    expect(RUN("validate", in), 0, "checked for codetracer-0.19", NULL);
    expect(RUN("validate", "--for", "codetracer-0.14", in), 1,
           "a Float written as text, the 0.19 dialect's spelling", NULL);
    snprintf(in, sizeof in, "%s", tu_fixture("v0.19/threads/json"));
    expect(RUN("validate", in), 0, "json: valid (58 events, 0 warnings)", NULL);
    expect(RUN("validate", "--for", "codetracer-0.14", in), 1,
           "event 14: error: Value: a Char value, which codetracer-0.14 cannot read", NULL);
    expect(RUN("validate", "--for", "codetracer-0.14", in), 1,
           "event 30: error: Assignment with the RValue IndexAccess", NULL);
    snprintf(in, sizeof in, "%s", tu_fixture("simple"));
    expect(RUN("validate", "--for=codetracer-0.19", in), 1,
           "event 12: error: DropLastStep: the debugger's load fails on any", NULL);
    expect(RUN("validate", "--for=codetracer-0.19", in), 1,
           "event 31: error: AssignCompoundItem into place 0, which no CompoundValue gave", NULL);
    expect(RUN("validate", "--for=codetracer-0.19", in), 1,
           "error: trace_metadata.json has no recording_id", NULL);
    snprintf(in, sizeof in, "%s", tu_fixture("v0.19/simple/json"));
    expect(RUN("validate", in), 1, "checked for codetracer-0.19", NULL);

    /* What our readers tolerate and 0.19's refuse (DIALECT-0.19.md section 7) */
    snprintf(in, sizeof in, "%s", tu_fixture("real/noir-4_signed_ints.json"));
    expect(RUN("validate", in), 0, "valid (142 events, 0 warnings)", NULL);
    expect(RUN("validate", "--for", "codetracer-0.19", in), 1,
           "event 43: error: an Event without `metadata`, which codetracer-0.19 refuses "
           "(\"missing field `metadata`\"): runtime-tracing convert --dialect 0.19 writes it",
           NULL);
    expect(RUN("validate", "--for", "codetracer-0.19", in), 1,
           "invalid (1 errors, 0 warnings, 142 events)", NULL);
    snprintf(in, sizeof in, "%s", tu_fixture("real/noir-types_test.json"));
    expect(RUN("validate", "--for", "codetracer-0.19", in), 1,
           "event 17: error: a Sequence without `is_slice`, which codetracer-0.19 refuses", NULL);
    char fixed[1024];
    wpath(fixed, "noir-types_test.json");
    expect(RUN("convert", in, fixed, "--dialect", "0.19"), 0, NULL, NULL);
    expect(RUN("validate", "--for", "codetracer-0.19", fixed), 0, "valid (147 events", NULL);
    char old_form[1024];
    wpath(old_form, "old_rvalue.json");
    write_str(old_form, "[{\"Path\":\"/a\"},{\"Function\":{\"path_id\":0,\"line\":1,\"name\":\"f\"}},"
                        "{\"Call\":{\"function_id\":0,\"args\":[]}},{\"VariableName\":\"x\"},"
                        "{\"Assignment\":{\"to\":0,\"pass_by\":\"Value\",\"from\":{\"kind\":"
                        "\"Simple\",\"0\":0}}}]");
    expect(RUN("validate", "--for", "codetracer-0.14", old_form), 0, "valid (5 events", NULL);
    expect(RUN("validate", "--for", "codetracer-0.19", old_form), 1,
           "event 4: error: an Assignment RValue in the older form {\"kind\":..,\"0\":..}, which "
           "codetracer-0.19 refuses (\"missing field `data`\")",
           NULL);
    expect(RUN("convert", old_form, fixed, "--dialect", "0.19"), 0, NULL, NULL);
    expect(RUN("validate", "--for", "codetracer-0.19", fixed), 0, "valid (5 events", NULL);
    snprintf(in, sizeof in, "%s", tu_fixture("tutorial/trace.v1.bin"));
    result r = RUN("validate", in);
    if (r.status == 1 && strstr(r.err, "RT_EUNSUPPORTED"))
        done(&r);
    else
        expect(r, 0, "valid (9 events, 0 warnings)", NULL);
}

static const char meta_json[] = "{\"workdir\":\"/nonexistent/wd\",\"program\":\"p\",\"args\":[]}";

/* A trace directory dir/name with these events, metadata and paths. */
static void make_trace(char *dir, const char *name, const char *events, const char *paths)
{
    char p[4096];
    wpath(dir, name);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(p, sizeof p, "%s/trace.json", dir);
    write_str(p, events);
    snprintf(p, sizeof p, "%s/trace_metadata.json", dir);
    write_str(p, meta_json);
    if (paths) {
        snprintf(p, sizeof p, "%s/trace_paths.json", dir);
        write_str(p, paths);
    }
}

#define START "{\"Path\":\"a.rs\"},{\"Function\":{\"path_id\":0,\"line\":1,\"name\":\"main\"}}," \
              "{\"Call\":{\"function_id\":0,\"args\":[]}},{\"Type\":{\"kind\":30,\"lang_type\":\"None\"," \
              "\"specific_info\":{\"kind\":\"None\"}}}"

static void test_validate_broken(void **state)
{
    (void)state;
    char dir[1024];
    static const struct {
        const char *events; /* after START */
        const char *message;
    } cases[] = {
        {",{\"Step\":{\"path_id\":1,\"line\":1}}]", "event 4: error: Step uses path id 1, but 1 paths"},
        {",{\"Function\":{\"path_id\":3,\"line\":1,\"name\":\"f\"}}]", "event 4: error: Function uses path id 3"},
        {",{\"Call\":{\"function_id\":1,\"args\":[]}}]", "event 4: error: Call uses function id 1"},
        {",{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"None\",\"type_id\":0}}}]",
         "event 4: error: Value uses variable id 0, but 0 variables"},
        {",{\"VariableName\":\"x\"},{\"Value\":{\"variable_id\":0,\"value\":{\"kind\":\"Sequence\","
         "\"elements\":[{\"kind\":\"Int\",\"i\":1,\"type_id\":7}],\"type_id\":0}}}]",
         "event 5: error: Value (Int value) uses type id 7, but 1 types"},
        {",{\"Return\":{\"return_value\":{\"kind\":\"None\",\"type_id\":0}}},{\"Return\":{\"return_value\":"
         "{\"kind\":\"None\",\"type_id\":0}}}]",
         "event 5: error: Return without a Call"},
        {",\"DropLastStep\"]", "event 4: error: DropLastStep without a Step"},
        {",{\"Step\":{\"path_id\":0,\"line\":1}},\"DropLastStep\",\"DropLastStep\"]",
         "event 6: error: DropLastStep without a Step"},
        {",{\"Type\":{\"kind\":23,\"lang_type\":\"*T\",\"specific_info\":{\"kind\":\"Pointer\","
         "\"dereference_type_id\":5}}}]",
         "event 4: error: Pointer type uses type id 5"},
        {",{\"Type\":{\"kind\":6,\"lang_type\":\"S\",\"specific_info\":{\"kind\":\"Struct\",\"fields\":"
         "[{\"name\":\"a\",\"type_id\":2}]}}}]",
         "event 4: error: Type field uses type id 2"},
        {",{\"DropVariable\":0}]", "event 4: error: DropVariable uses variable id 0"},
        {",{\"DropVariables\":[0]}]", "event 4: error: DropVariables uses variable id 0"},
        {",{\"VariableCell\":{\"variable_id\":2,\"place\":1}}]", "event 4: error: VariableCell uses variable id 2"},
        {",{\"BindVariable\":{\"variable_id\":2,\"place\":1}}]", "event 4: error: BindVariable uses variable id 2"},
        {",{\"VariableName\":\"x\"},{\"Assignment\":{\"to\":0,\"pass_by\":\"Value\",\"from\":"
         "{\"kind\":\"Compound\",\"0\":[0,1]}}}]",
         "event 5: error: Assignment source uses variable id 1"},
        {",{\"VariableName\":\"x\"},{\"Call\":{\"function_id\":0,\"args\":[{\"variable_id\":1,\"value\":"
         "{\"kind\":\"None\",\"type_id\":0}}]}}]",
         "event 5: error: Call argument uses variable id 1"},
        {",{\"CellValue\":{\"place\":1,\"value\":{\"kind\":\"Int\",\"i\":1,\"type_id\":1}}}]",
         "event 4: error: CellValue (Int value) uses type id 1"},
        {",{\"Path\":\"b.rs\"},{\"Step\":{\"path\":1}}]", "event 5 at byte"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32], events[2048];
        snprintf(name, sizeof name, "broken%zu", i);
        snprintf(events, sizeof events, "[%s%s", START, cases[i].events);
        make_trace(dir, name, events, strstr(cases[i].events, "b.rs") ? "[\"a.rs\",\"b.rs\"]" : "[\"a.rs\"]");
        expect(RUN("validate", dir), 1, cases[i].message, NULL);
        expect(RUN("validate", dir), 1, ": invalid (", NULL);
    }

    /* a Step before any Call (real recorders need not start with start's
     * sequence, but a Step needs a Call before it) */
    make_trace(dir, "early", "[{\"Path\":\"a.rs\"},{\"Step\":{\"path_id\":0,\"line\":1}},{\"Step\":"
               "{\"path_id\":0,\"line\":2}}]", "[\"a.rs\"]");
    expect(RUN("validate", dir), 1, "event 1: error: Step before the first Call", NULL);
    /* not start's sequence, still valid */
    make_trace(dir, "real", "[{\"Type\":{\"kind\":7,\"lang_type\":\"i\",\"specific_info\":{\"kind\":\"None\"}}},"
               "{\"Path\":\"\"},{\"Function\":{\"path_id\":0,\"line\":1,\"name\":\"<top>\"}},"
               "{\"Call\":{\"function_id\":0,\"args\":[]}},{\"Step\":{\"path_id\":0,\"line\":1}}]", "[\"\"]");
    expect(RUN("validate", dir), 0, "real: valid (5 events, 0 warnings)", NULL);

    /* warnings only: exit 0 */
    make_trace(dir, "warn", "[" START ",{\"VariableName\":\"v\"},{\"BindVariable\":{\"variable_id\":0,\"place\":1}},"
               "{\"CompoundValue\":{\"place\":1,\"value\":{\"kind\":\"Tuple\",\"elements\":[],\"type_id\":0}}},"
               "{\"CompoundValue\":{\"place\":1,\"value\":{\"kind\":\"Sequence\",\"elements\":[],\"type_id\":0}}}]",
               "[\"a.rs\"]");
    result r = RUN("validate", dir);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "event 5: warning: BindVariable"));
    assert_non_null(strstr(r.out, "event 6: warning: CompoundValue with a Tuple value"));
    assert_null(strstr(r.out, "event 7:"));
    assert_non_null(strstr(r.out, "valid (8 events, 2 warnings)"));
    done(&r);

    /* only the first 50 findings of each kind are printed */
    char many[8192];
    char *q = many + sprintf(many, "[" START ",{\"VariableName\":\"v\"}");
    for (int i = 0; i < 60; i++)
        q += sprintf(q, ",{\"BindVariable\":{\"variable_id\":0,\"place\":%d}}", i);
    strcpy(q, "]");
    make_trace(dir, "many", many, "[\"a.rs\"]");
    r = RUN("validate", dir);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "event 54: warning"));
    assert_null(strstr(r.out, "event 55: warning"));
    assert_non_null(strstr(r.out, "... 0 more errors and 10 more warnings not shown"));
    assert_non_null(strstr(r.out, "many: valid (65 events, 60 warnings)"));
    done(&r);

    /* the files beside the events */
    make_trace(dir, "nopaths", "[" START "]", NULL);
    expect(RUN("validate", dir), 1, "trace_paths.json is missing", NULL);
    make_trace(dir, "wrongpaths", "[" START "]", "[\"b.rs\"]");
    expect(RUN("validate", dir), 1, "trace_paths.json entry 0 is \"b.rs\", but Path 0 of the events is \"a.rs\"",
           NULL);
    make_trace(dir, "morepaths", "[" START "]", "[\"a.rs\",\"c.rs\"]");
    expect(RUN("validate", dir), 1, "trace_paths.json lists 2 paths, but the events define 1", NULL);
    make_trace(dir, "badpaths", "[" START "]", "[\"a.rs\"");
    expect(RUN("validate", dir), 1, "trace_paths.json: ", NULL);
    make_trace(dir, "nometa", "[" START "]", "[\"a.rs\"]");
    char p[8192];
    snprintf(p, sizeof p, "%s/trace_metadata.json", dir);
    assert_int_equal(unlink(p), 0);
    expect(RUN("validate", dir), 1, "trace_metadata.json is missing", NULL);
    write_str(p, "{\"workdir\":1}");
    expect(RUN("validate", dir), 1, "trace_metadata.json: ", NULL);

    /* a source that exists must have its copy under files/ */
    char src_dir[1024], events[2048], meta[2048];
    wpath(src_dir, "project");
    assert_int_equal(mkdir(src_dir, 0755), 0);
    snprintf(p, sizeof p, "%s/main.py", src_dir);
    write_str(p, "print(1)\n");
    snprintf(events, sizeof events,
             "[{\"Path\":\"main.py\"},{\"Path\":\"%s/main.py\"},{\"Path\":\"gone.py\"},"
             "{\"Function\":{\"path_id\":0,\"line\":1,\"name\":\"m\"}},{\"Call\":{\"function_id\":0,\"args\":[]}}]",
             src_dir);
    char paths[2048];
    snprintf(paths, sizeof paths, "[\"main.py\",\"%s/main.py\",\"gone.py\"]", src_dir);
    make_trace(dir, "withfiles", events, paths);
    snprintf(meta, sizeof meta, "{\"workdir\":\"%s\",\"program\":\"main.py\",\"args\":[\"x\"]}", src_dir);
    snprintf(p, sizeof p, "%s/trace_metadata.json", dir);
    write_str(p, meta);
    r = RUN("validate", dir);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "error: files/main.py is missing"));
    assert_non_null(strstr(r.out, "project/main.py is missing"));
    assert_null(strstr(r.out, "gone.py"));
    done(&r);
    snprintf(p, sizeof p, "%s/files", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/files/main.py", dir);
    write_str(p, "print(1)\n");
    snprintf(p, sizeof p, "mkdir -p '%s/files%s' && cp '%s/main.py' '%s/files%s/'", dir, src_dir, src_dir, dir,
             src_dir);
    assert_int_equal(tu_run("%s", p), 0);
    expect(RUN("validate", dir), 0, "withfiles: valid (5 events, 0 warnings)", NULL);
    /* With a trace.bin next to trace.json, which one a loader reads is open. */
    snprintf(p, sizeof p, "%s/trace.bin", dir);
    write_str(p, "not checked");
    expect(RUN("validate", dir), 0, "warning: both trace.json and trace.bin", NULL);
    expect(RUN("validate", dir), 0, "withfiles: valid (5 events, 1 warnings)", NULL);
    assert_int_equal(unlink(p), 0);
    expect(RUN("info", dir), 0, "files/:              2 files, 18 bytes", NULL);

    /* unreadable events */
    make_trace(dir, "cut", "[" START ",{\"Step\":{\"pa", "[\"a.rs\"]");
    expect(RUN("validate", dir), 1, "event 4 at byte", NULL);
    make_trace(dir, "cut2", "[" START ",{\"Step\":{\"pa", "[\"a.rs\"]");
    expect(RUN("validate", dir), 1, "RT_ETRUNCATED", NULL);
    char empty[1024];
    wpath(empty, "noevents");
    assert_int_equal(mkdir(empty, 0755), 0);
    expect(RUN("validate", empty), 1, NULL, "trace.json or trace.bin in this directory");
    expect(RUN("validate", wpath(empty, "missing.json")), 1, NULL, "no such file");
}

/* ---- info --------------------------------------------------------------- */

static void test_info(void **state)
{
    (void)state;
    char in[1024];
    snprintf(in, sizeof in, "%s", tu_fixture("tutorial"));
    result r = RUN("info", in);
    assert_int_equal(r.status, 0);
    static const char *const lines[] = {
        "format:              json\n", "size:                442 bytes\n", "events:              9\n",
        "  Type:              2\n",     "paths:               1\n",         "functions:           1\n",
        "types:               2\n",     "variables:           1\n",         "trace_metadata.json: 70 bytes\n",
        "trace_paths.json:    14 bytes\n", "files/:              missing\n", "program:             example_program\n"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (!strstr(r.out, lines[i]))
            fail_msg("info: no line \"%s\" in\n%s", lines[i], r.out);
    done(&r);
    snprintf(in, sizeof in, "%s", tu_fixture("values/values.json"));
    expect(RUN("info", in), 0, "events:              177\n", NULL);
    char bad[1024];
    write_str(wpath(bad, "cut.json"), "[{\"Path\":\"a\"},{\"Path\":\"b\"},{");
    expect(RUN("info", bad), 1, "events:              2 (read stopped)", "event 2 at byte");
}

/* ---- a killed v0 recording ---------------------------------------------- */

/* rt-bench recording v0 in streaming mode, killed after half a second: its
 * trace.bin is empty beside its spools and journal. Every command reads the
 * prefix it flushed and names repair; repair then completes the file. */
static void test_killed_v0(void **state)
{
    (void)state;
    char dir[1024], bin[1024];
    wpath(dir, "killed");
    assert_int_equal(mkdir(dir, 0755), 0);
    wpath(bin, "killed/trace.bin");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(RT_BIN_DIR "/rt-bench", "rt-bench", "--calls", "1000000000", "--format", "v0",
              "--streaming", "--out", bin, (char *)NULL);
        _exit(127);
    }
    struct timespec ts = {0, 500 * 1000 * 1000};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFSIGNALED(st));
    struct stat sb;
    assert_int_equal(stat(bin, &sb), 0);
    assert_int_equal(sb.st_size, 0);
    result r = RUN("cat", bin);
    assert_int_equal(r.status, 0);
    size_t events = 0; /* (no strstr: under ASan it measures the rest at every call) */
    for (const char *p = r.out; *p; p++)
        events += p[0] == '}' && p[1] == ',' && p[2] == '{' && p[3] == '"';
    if (events < 1000 || !strstr(r.err, "runtime-tracing repair"))
        fail_msg("cat of a killed v0 recording: %zu events, stderr: %s", events, r.err);
    done(&r);
    static const char *const cmds[] = {"info", "stats", "validate", "flamegraph"};
    char svg[1024];
    wpath(svg, "killed.svg");
    for (size_t i = 0; i < 4; i++) {
        /* a directory (rt-bench writes no metadata: validate the file) */
        r = i == 3 ? RUN(cmds[i], dir, "-o", svg) : RUN(cmds[i], i == 2 ? bin : dir);
        if (r.status != 0 || !strstr(r.err, "runtime-tracing repair"))
            fail_msg("%s of a killed v0 recording: exit %d, stderr: %s", cmds[i], r.status, r.err);
        done(&r);
    }
    expect(RUN("repair", bin), 0, "repaired", NULL);
    r = RUN("cat", bin);
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.err, "repair"));
    done(&r);
    /* a plain empty file says what it is */
    char empty[1024];
    write_str(wpath(empty, "empty.bin"), "");
    expect(RUN("cat", empty), 1, NULL, "empty file, not a trace");
}

/* ---- garbage ------------------------------------------------------------ */

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void run_all_commands(const char *path)
{
    char out[1024], svg[1024];
    result r;
    const char *const *cmds[] = {
        (const char *const[]){"cat", path, NULL},
        (const char *const[]){"validate", path, NULL},
        (const char *const[]){"info", path, NULL},
        (const char *const[]){"convert", path, wpath(out, "g.json"), NULL},
        (const char *const[]){"format-trace", path, "-", NULL},
        (const char *const[]){"stats", path, "--json", NULL},
        (const char *const[]){"flamegraph", path, "-o", wpath(svg, "g.svg"), NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        r = run_v(cmds[i]);
        if (r.status != 0 && r.status != 1)
            fail_msg("%s %s: exit %d", cmds[i][0], path, r.status);
        if (r.status == 1 && strlen(r.err) == 0 && strcmp(cmds[i][0], "validate") != 0)
            fail_msg("%s %s: exit 1 without a message", cmds[i][0], path);
        done(&r);
    }
}

static void test_garbage_never_signals(void **state)
{
    (void)state;
    char path[1024];
    wpath(path, "garbage");
    /* random bytes, random JSON-ish tokens, binary headers with junk */
    static const char *const tokens[] = {"[", "]", "{", "}", ",", ":", "\"Step\"", "\"kind\"",
                                         "\"Int\"", "1", "-9", "1e999", "null", "true", "\"\\u",
                                         "\"\\ud800\"", "\"DropLastStep\"", "\"Path\"", "\xff", " "};
    char buf[4096];
    for (int round = 0; round < 24; round++) {
        size_t n = 0;
        if (round % 3 == 0) {
            n = 1 + rng() % 512;
            for (size_t i = 0; i < n; i++)
                buf[i] = (char)rng();
        } else if (round % 3 == 1) {
            while (n < 1000) {
                const char *t = tokens[rng() % (sizeof tokens / sizeof tokens[0])];
                memcpy(buf + n, t, strlen(t));
                n += strlen(t);
            }
        } else {
            static const unsigned char hdr[8] = {0xC0, 0xDE, 0x72, 0xAC, 0xE2, 0, 0, 0};
            memcpy(buf, hdr, 8);
            buf[5] = (char)(rng() % 3);
            n = 8 + rng() % 300;
            for (size_t i = 8; i < n; i++)
                buf[i] = (char)rng();
        }
        write_file(path, buf, n);
        run_all_commands(path);
    }
    /* every golden file cut short, and with a flipped byte */
    static const char *const fixtures[] = {"tutorial/trace.json", "tutorial/trace.v1.bin",
                                           "tutorial/trace.v0.bin", "values/values-bigint.json"};
    for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
        size_t len;
        char *data = tu_read_file(tu_fixture(fixtures[f]), &len);
        assert_non_null(data);
        for (int k = 0; k < 3; k++) {
            size_t cut = 1 + rng() % (len - 1);
            write_file(path, data, cut);
            run_all_commands(path);
            char *copy = malloc(len);
            memcpy(copy, data, len);
            copy[rng() % len] ^= (char)(1 + rng() % 255);
            write_file(path, copy, len);
            run_all_commands(path);
            free(copy);
        }
        free(data);
    }
    write_file(path, "", 0);
    run_all_commands(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_help_and_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_convert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_trace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_fixtures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_broken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_v0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_never_signals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
