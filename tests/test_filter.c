/* The trace-filter engine (src/filter/, TRACE-FILTER.md): files in the
 * style of the Python recorder's, schema errors (each naming its file and
 * line), chains, selectors (glob, regex, literal), the built-in default's
 * redactions, scope and value decisions, the per-tracer cache, subjects
 * from paths, SHA-256 provenance, and allocation failure. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"
#include "filter/filter.h"
#include "filter/glob.h"
#include "filter/selector.h"

static char dir[256];
static char errbuf[1024];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmtree(dir);
    return 0;
}

/* Writes dir/name; returns its path (a static buffer per call site is not
 * needed: tu_join rotates). */
static const char *put(const char *name, const char *text)
{
    const char *path = tu_join(dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
    return path;
}

static int load_v(rt_filter **f, const char *const *specs, size_t n)
{
    rt_filter_options o;
    memset(&o, 0, sizeof o);
    o.errbuf = errbuf;
    o.errbuf_len = sizeof errbuf;
    errbuf[0] = '\0';
    return rt_filter_load(f, specs, n, &o);
}

static rt_filter *load_ok(const char *spec)
{
    rt_filter *f;
    int rc = load_v(&f, &spec, 1);
    if (rc != RT_OK)
        fail_msg("%s: %s (%s)", spec, errbuf, rt_status_name(rc));
    assert_non_null(f);
    return f;
}

/* Loading spec fails with code and a message containing want. */
static void load_fails(const char *spec, int code, const char *want)
{
    rt_filter *f = (rt_filter *)1;
    int rc = load_v(&f, &spec, 1);
    if (rc != code || !strstr(errbuf, want))
        fail_msg("%s:\n  got %s '%s'\n  expected %s '...%s...'", spec, rt_status_name(rc), errbuf,
                 rt_status_name(code), want);
    assert_null(f);
}

/* A file's text with the header every test file needs. */
#define HEAD "[meta]\nname = \"t\"\nversion = 1\n[scope]\ndefault_exec = \"trace\"\ndefault_value_action = \"allow\"\n"

static rt_filter_exec exec_of(const rt_filter *f, const char *file, const char *pkg, const char *obj)
{
    rt_filter_scope_decision d;
    assert_int_equal(rt_filter_explain_scope(f, file, pkg, obj, &d), RT_OK);
    return d.exec;
}

static rt_filter_action value_of(const rt_filter *f, const char *file, const char *pkg,
                                 const char *obj, rt_filter_value_kind kind, const char *name)
{
    rt_filter_value_decision d;
    assert_int_equal(rt_filter_explain_value(f, file, pkg, obj, kind, name, &d), RT_OK);
    return d.action;
}

/* ---- files in the Python recorder's style ------------------------------- */

static const char python_style[] =
    "[meta]\n"
    "name = \"python-style\"\n"
    "version = 1\n"
    "description = \"Skip the standard library, keep site-packages, redact secrets.\"\n"
    "labels = [\"builtin\", \"example\"]\n"
    "\n"
    "[scope]\n"
    "default_exec = \"trace\"\n"
    "default_value_action = \"allow\"\n"
    "\n"
    "# the standard library\n"
    "[[scope.rules]]\n"
    "selector = 'file:regex:.*[\\\\/](lib|Lib)[\\\\/]python\\d+\\.\\d+[\\/].*'\n"
    "exec = \"skip\"\n"
    "reason = \"Skip Python standard library files\"\n"
    "\n"
    "[[scope.rules]]\n"
    "selector = 'file:regex:.*[\\\\/](lib|Lib)[\\\\/]python\\d+\\.\\d+[\\/]site-packages[\\/].*'\n"
    "exec = 'trace'\n"
    "\n"
    "[[scope.rules]]\n"
    "selector = 'pkg:regex:^(asyncio|selectors|importlib)(\\.|$)'\n"
    "exec = \"skip\"\n"
    "\n"
    "[[scope.rules]]\n"
    "selector = 'pkg:literal:builtins'\n"
    "exec = \"skip\"\n"
    "\n"
    "[[scope.rules]]\n"
    "selector = 'pkg:glob:*_distutils_hack*'\n"
    "exec = \"skip\"\n"
    "\n"
    "[[scope.rules]]\n"
    "selector = 'pkg:glob:*'\n"
    "\n"
    "[[scope.rules.value_patterns]]\n"
    "selector = 'local:regex:(?i).*(password|token).*'\n"
    "action = \"redact\"\n"
    "reason = \"Redact sensitive locals\"\n"
    "\n"
    "[[scope.rules.value_patterns]]\n"
    "selector = \"global:glob:*\"\n"
    "action = \"drop\"\n";

/* Composed after the built-in one: inherits its value default. */
static const char after_builtin[] =
    "[meta]\n"
    "name = \"web-demo\"\n"
    "version = 1\n"
    "labels = [\"web\"]\n"
    "# only the app module\n"
    "[scope]\n"
    "default_exec = \"skip\"\n"
    "default_value_action = \"inherit\"\n"
    "\n"
    "[[scope.rules]]\n"
    "selector = 'file:regex:.*'\n"
    "exec = \"skip\"\n"
    "reason = \"Skip everything \xe2\x80\x94 but the app\"\n"
    "\n"
    "[[scope.rules]]\n"
    "selector = 'file:regex:^(flask|django)/app\\.py$'\n"
    "exec = \"trace\"";

static void test_python_style_files(void **state)
{
    (void)state;
    rt_filter *f = load_ok(put("py.toml", python_style));
    assert_int_equal(rt_filter_file_count(f), 1);
    const rt_filter_file *file = rt_filter_file_at(f, 0);
    assert_string_equal(file->name, "python-style");
    assert_int_equal(file->version, 1);
    assert_string_equal(file->description,
                        "Skip the standard library, keep site-packages, redact secrets.");
    assert_int_equal(file->nlabels, 2);
    assert_string_equal(file->labels[1], "example");
    assert_non_null(file->path);
    assert_int_equal(strlen(file->sha256), 64);
    assert_int_equal(rt_filter_rule_count(f), 6);
    const rt_filter_rule *r0 = rt_filter_rule_at(f, 0);
    assert_string_equal(r0->selector, "file:regex:.*[\\\\/](lib|Lib)[\\\\/]python\\d+\\.\\d+[\\/].*");
    assert_int_equal(r0->exec, RT_FILTER_SKIP);
    assert_int_equal(r0->value_default, RT_FILTER_ACTION_INHERIT);
    assert_string_equal(r0->reason, "Skip Python standard library files");
    assert_int_equal(r0->line, 13);
    assert_int_equal(r0->column, 12);
    const rt_filter_rule *r5 = rt_filter_rule_at(f, 5);
    assert_int_equal(r5->exec, RT_FILTER_EXEC_INHERIT);
    assert_null(r5->reason);
    assert_int_equal(r5->npatterns, 2);
    assert_int_equal(r5->patterns[1].action, RT_FILTER_DROP);
    assert_null(rt_filter_rule_at(f, 6));
    assert_null(rt_filter_file_at(f, 1));
    /* the decisions these rules make */
    assert_int_equal(exec_of(f, "/usr/lib/python3.11/json/__init__.py", "json", "json.dumps"),
                     RT_FILTER_SKIP);
    assert_int_equal(exec_of(f, "/usr/lib/python3.11/site-packages/x/y.py", "x.y", "f"),
                     RT_FILTER_TRACE);
    assert_int_equal(exec_of(f, "C:\\Python\\Lib\\python3.12/os.py", "os", "f"), RT_FILTER_SKIP);
    assert_int_equal(exec_of(f, "app.py", "asyncio", "f"), RT_FILTER_SKIP);
    /* the regex must match the whole module name: "asyncio" or "asyncio." */
    assert_int_equal(exec_of(f, "app.py", "asyncio.events", "f"), RT_FILTER_TRACE);
    assert_int_equal(exec_of(f, "app.py", "asyncios", "f"), RT_FILTER_TRACE);
    assert_int_equal(exec_of(f, "app.py", "builtins", "f"), RT_FILTER_SKIP);
    assert_int_equal(exec_of(f, "app.py", "_distutils_hack", "f"), RT_FILTER_SKIP);
    assert_int_equal(value_of(f, "app.py", "app", "main", RT_FILTER_LOCAL, "user_password"),
                     RT_FILTER_REDACT);
    assert_int_equal(value_of(f, "app.py", "app", "main", RT_FILTER_LOCAL, "count"),
                     RT_FILTER_ALLOW);
    assert_int_equal(value_of(f, "app.py", "app", "main", RT_FILTER_GLOBAL, "CONFIG"),
                     RT_FILTER_DROP);
    /* pkg:glob:* is one segment: a dotted module does not match it */
    assert_int_equal(value_of(f, "app.py", "app.sub", "main", RT_FILTER_GLOBAL, "CONFIG"),
                     RT_FILTER_ALLOW);
    rt_filter_free(f);

    /* after the built-in default, as recorders load it */
    char spec[1200];
    snprintf(spec, sizeof spec, "builtin-default::%s", put("web.toml", after_builtin));
    f = load_ok(spec);
    assert_int_equal(rt_filter_file_count(f), 2);
    assert_null(rt_filter_file_at(f, 0)->path);
    assert_string_equal(rt_filter_file_at(f, 0)->name, "builtin-default");
    assert_string_equal(rt_filter_file_at(f, 1)->name, "web-demo");
    assert_int_equal(rt_filter_default_exec(f), RT_FILTER_SKIP);
    assert_int_equal(rt_filter_default_value_action(f), RT_FILTER_ALLOW);
    assert_int_equal(rt_filter_rule_count(f), 3);
    assert_string_equal(rt_filter_rule_at(f, 1)->reason, "Skip everything \xe2\x80\x94 but the app");
    assert_int_equal(exec_of(f, "flask/app.py", "flask.app", "index"), RT_FILTER_TRACE);
    assert_int_equal(exec_of(f, "/srv/site-packages/flask/app.py", "flask.app", "index"),
                     RT_FILTER_SKIP);
    assert_int_equal(value_of(f, "flask/app.py", "flask.app", "index", RT_FILTER_ARG, "api_key"),
                     RT_FILTER_REDACT);
    rt_filter_free(f);
    /* alone, its "inherit" has nothing to inherit from */
    load_fails(tu_join(dir, "web.toml"), RT_EFORMAT,
               "web.toml:8:24: scope.default_value_action is \"inherit\", but no filter before");
}

/* ---- schema errors -------------------------------------------------------- */

static void test_schema_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int code;
        const char *want; /* after "bad.toml" */
    } cases[] = {
        {HEAD "[[scope.rules]]\nselectr = 'pkg:x'\n", RT_EFORMAT,
         ":8:1: unknown key 'selectr' in scope.rules[0] (expected selector, exec, value_default, "
         "reason, value_patterns)"},
        {HEAD "extra = 1\n", RT_EFORMAT, ":7:1: unknown key 'extra' in [scope]"},
        {"[meta]\nname = \"t\"\nversion = 1\nowner = \"me\"\n[scope]\ndefault_exec = \"trace\"\n"
         "default_value_action = \"allow\"\n",
         RT_EFORMAT, ":4:1: unknown key 'owner' in [meta] (expected name, version, description, labels)"},
        {HEAD "[other]\n", RT_EFORMAT, ":7:1: unknown key 'other' in the top level (expected meta, io, scope)"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:x'\n[[scope.rules.value_patterns]]\nselector = "
              "'local:x'\naction = 'redact'\nwhy = 'x'\n",
         RT_EFORMAT, ":12:1: unknown key 'why' in scope.rules[0].value_patterns[0]"},
        {HEAD "[[scope.rules]]\nselector = 'module:x'\n", RT_EFORMAT,
         ":8:12: scope.rules[0].selector 'module:x': unknown kind 'module' (rules select file, pkg or obj)"},
        {HEAD "[[scope.rules]]\nselector = 'pkgx'\n", RT_EFORMAT,
         ":8:12: scope.rules[0].selector 'pkgx': no kind"},
        {HEAD "[[scope.rules]]\nselector = 'local:x'\n", RT_EFORMAT,
         ":8:12: scope.rules[0].selector 'local:x': 'local' is a value kind: rules select file, pkg or obj"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:x'\nvalue_patterns = [{selector = 'file:x', action = "
              "'drop'}]\n",
         RT_EFORMAT, ":9:31: scope.rules[0].value_patterns[0].selector 'file:x': 'file' is a scope kind"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:rgex:x'\n", RT_EFORMAT,
         ":8:12: scope.rules[0].selector 'pkg:rgex:x': unknown match type 'rgex' (glob, regex or literal)"},
        {HEAD "[[scope.rules]]\nselector = 'pkg::x'\n", RT_EFORMAT, "'pkg::x': empty match type"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:'\n", RT_EFORMAT,
         ":8:12: scope.rules[0].selector 'pkg:': empty pattern"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:regex:'\n", RT_EFORMAT, "'pkg:regex:': empty pattern"},
        {HEAD "[[scope.rules]]\nselector = ''\n", RT_EFORMAT, ":8:12: scope.rules[0].selector '': no kind"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:x'\n[[scope.rules]]\nselector = 'pkg:x'\n"
              "[[scope.rules]]\nselector = 'pkg:x'\n[[scope.rules]]\nselector = 'pkg:regex:('\n",
         RT_EFORMAT,
         ":14:12: scope.rules[3].selector 'pkg:regex:(': regex: missing closing parenthesis at offset 1"},
        {HEAD "[[scope.rules]]\nselector = 'obj:regex:a{2,1}'\n", RT_EFORMAT, "regex: numbers out of order"},
        {HEAD "[[scope.rules]]\nselector = 'file:src/[a-z.lua'\n", RT_EFORMAT,
         ":8:12: scope.rules[0].selector 'file:src/[a-z.lua': glob: unclosed '[' at offset 4"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:[z-a]'\n", RT_EFORMAT, "glob: reversed range"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:a\\'\n", RT_EFORMAT, "glob: '\\' at the end"},
        {HEAD "[[scope.rules]]\nexec = 'skip'\n", RT_EFORMAT, ":7:1: scope.rules[0].selector is missing"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:x'\nexec = 'maybe'\n", RT_EFORMAT,
         ":9:8: scope.rules[0].exec is 'maybe': it must be trace, skip or inherit"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:x'\nexec = 1\n", RT_EFORMAT,
         ":9:8: scope.rules[0].exec must be a string, not an integer"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:x'\nvalue_default = 'hide'\n", RT_EFORMAT,
         "scope.rules[0].value_default is 'hide': it must be allow, redact or drop or inherit"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:x'\n[[scope.rules.value_patterns]]\nselector = "
              "'local:x'\n",
         RT_EFORMAT, ":9:1: scope.rules[0].value_patterns[0].action is missing"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:x'\n[[scope.rules.value_patterns]]\nselector = "
              "'local:x'\naction = 'inherit'\n",
         RT_EFORMAT, ":11:10: scope.rules[0].value_patterns[0].action is 'inherit'"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:x'\n[[scope.rules.value_patterns]]\naction = 'drop'\n",
         RT_EFORMAT, ":9:1: scope.rules[0].value_patterns[0].selector is missing"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:x'\n[[scope.rules.value_patterns]]\nselector = "
              "'local:'\naction = 'drop'\n",
         RT_EFORMAT, ":10:12: scope.rules[0].value_patterns[0].selector 'local:': empty pattern"},
        {HEAD "[[scope.rules]]\nselector = 'pkg:x'\nvalue_patterns = 3\n", RT_EFORMAT,
         ":9:18: scope.rules[0].value_patterns must be an array, not an integer"},
        {HEAD "rules = [1]\n", RT_EFORMAT, ":7:10: scope.rules[0] must be a table, not an integer"},
        {HEAD "rules = {}\n", RT_EFORMAT, ":7:9: scope.rules must be an array, not a table"},
        {HEAD "[[scope.rules]]\nselector = 7\n", RT_EFORMAT,
         ":8:12: scope.rules[0].selector must be a string, not an integer"},
        {HEAD "[[scope.rules]]\nselector = \"pkg:a\\u0000b\"\n", RT_EFORMAT,
         ":8:12: scope.rules[0].selector holds a NUL character"},
        {"[scope]\ndefault_exec = \"trace\"\ndefault_value_action = \"allow\"\n", RT_EFORMAT,
         "bad.toml: no [meta] table"},
        {"[meta]\nname = \"t\"\nversion = 1\n", RT_EFORMAT, "bad.toml: no [scope] table"},
        {"meta = 1\n", RT_EFORMAT, ":1:8: meta must be a table, not an integer"},
        {"[meta]\nversion = 1\n[scope]\ndefault_exec = \"trace\"\n", RT_EFORMAT,
         ":1:1: meta.name is missing"},
        {"[meta]\nname = \"\"\nversion = 1\n", RT_EFORMAT, ":2:8: meta.name is empty"},
        {"[meta]\nname = \"  \"\nversion = 1\n", RT_EFORMAT, ":2:8: meta.name is empty"},
        {"[meta]\nname = 5\nversion = 1\n", RT_EFORMAT, ":2:8: meta.name must be a string, not an integer"},
        {"[meta]\nname = \"t\"\n", RT_EFORMAT,
         ":1:1: meta.version is missing (this reader understands version 1)"},
        {"[meta]\nname = \"t\"\nversion = 0\n", RT_EFORMAT,
         ":3:11: meta.version is 0: it must be an integer >= 1 (this reader understands version 1)"},
        {"[meta]\nname = \"t\"\nversion = -1\n", RT_EFORMAT, ":3:11: meta.version is -1"},
        {"[meta]\nname = \"t\"\nversion = \"1\"\n", RT_EFORMAT,
         ":3:11: meta.version must be an integer >= 1, not a string (this reader understands version 1)"},
        {"[meta]\nname = \"t\"\nversion = 1.0\n", RT_EFORMAT, ":3:11: meta.version must be an integer"},
        {"[meta]\nname = \"t\"\nversion = 1\nlabels = \"x\"\n", RT_EFORMAT,
         ":4:10: meta.labels must be an array, not a string"},
        {"[meta]\nname = \"t\"\nversion = 1\nlabels = [\"x\", 2]\n", RT_EFORMAT,
         ":4:16: meta.labels[1] must be a string, not an integer"},
        {"[meta]\nname = \"t\"\nversion = 1\ndescription = []\n", RT_EFORMAT,
         ":4:15: meta.description must be a string, not an array"},
        {"[meta]\nname = \"t\"\nversion = 1\n[scope]\ndefault_exec = \"run\"\n", RT_EFORMAT,
         ":5:16: scope.default_exec is 'run': it must be trace, skip or inherit"},
        {"[meta]\nname = \"t\"\nversion = 1\n[scope]\ndefault_exec = \"trace\"\n"
         "default_value_action = \"hide\"\n",
         RT_EFORMAT, ":6:24: scope.default_value_action is 'hide'"},
        {"[meta]\nname = \"t\"\nversion = 1\n[scope]\ndefault_exec = \"inherit\"\n"
         "default_value_action = \"allow\"\n",
         RT_EFORMAT, ":5:16: scope.default_exec is \"inherit\", but no filter before "},
        {"[meta]\nname = \"t\"\nversion = 1\n[scope]\ndefault_value_action = \"allow\"\n", RT_EFORMAT,
         ":4:1: scope.default_exec is missing (so inherited), but no filter before "},
        {HEAD "[io]\ncapture = \"yes\"\n", RT_EFORMAT, ":8:11: io.capture must be a boolean, not a string"},
        {HEAD "[io]\ncapture = true\n", RT_EFORMAT, ":8:11: io.capture is true but io.streams names no stream"},
        {HEAD "[io]\ncapture = true\nstreams = [\"stdout\", \"network\"]\n", RT_EFORMAT,
         ":9:22: io.streams[1] must be"},
        {HEAD "[io]\nmodes = [\"line\"]\n", RT_EFORMAT, ":8:9: io.modes is reserved and must be empty"},
        {HEAD "[io]\nbuffer = 1\n", RT_EFORMAT, ":8:1: unknown key 'buffer' in [io]"},
        /* TOML syntax errors come with their line and column too */
        {HEAD "[[scope.rules]]\nselector = 'pkg:x\n", RT_EFORMAT, ":8:12: unterminated string"},
        {HEAD "[scope]\n", RT_EFORMAT, ":7:2: table [scope] defined twice (first at line 4)"},
        {"[meta]\nname = \"\xff\"\n", RT_EFORMAT, ":2:9: invalid UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = put("bad.toml", cases[i].text);
        char want[512];
        snprintf(want, sizeof want, "%s%s", cases[i].want[0] == ':' ? "bad.toml" : "",
                 cases[i].want);
        load_fails(path, cases[i].code, want);
        /* the message names the file by its path */
        assert_non_null(strstr(errbuf, path));
    }
    /* deny is read as redact, wherever an action is */
    rt_filter *f = load_ok(put("deny.toml", "[meta]\nname = \"t\"\nversion = 1\n[scope]\n"
                                            "default_exec = \"trace\"\ndefault_value_action = \"deny\"\n"
                                            "[[scope.rules]]\nselector = 'pkg:x'\nvalue_default = 'deny'\n"
                                            "value_patterns = [{selector = 'local:y', action = 'deny'}]\n"));
    assert_int_equal(rt_filter_default_value_action(f), RT_FILTER_REDACT);
    assert_int_equal(rt_filter_rule_at(f, 0)->value_default, RT_FILTER_REDACT);
    assert_int_equal(rt_filter_rule_at(f, 0)->patterns[0].action, RT_FILTER_REDACT);
    rt_filter_free(f);
    /* io is read and ignored; a later version is taken */
    f = load_ok(put("io.toml", "[meta]\nname = \"t\"\nversion = 2\n[io]\ncapture = true\n"
                               "streams = [\"stdout\", \"stderr\", \"stdin\", \"files\"]\nmodes = []\n"
                               "[scope]\ndefault_exec = \"skip\"\ndefault_value_action = \"drop\"\n"));
    assert_int_equal(rt_filter_file_at(f, 0)->version, 2);
    assert_int_equal(rt_filter_default_exec(f), RT_FILTER_SKIP);
    assert_int_equal(rt_filter_default_value_action(f), RT_FILTER_DROP);
    assert_int_equal(rt_filter_rule_count(f), 0);
    rt_filter_free(f);
}

static void test_load_errors(void **state)
{
    (void)state;
    char missing[512];
    snprintf(missing, sizeof missing, "%s/nope.toml", dir);
    load_fails(missing, RT_ENOENT, "nope.toml: cannot open trace filter");
    char spec[1200];
    snprintf(spec, sizeof spec, "builtin-default::%s", missing);
    load_fails(spec, RT_ENOENT, "nope.toml");
    load_fails(dir, RT_EIO, "a directory, not a trace filter file");
    /* a pipe is read like a file */
    put("py.toml", python_style);
    char fifo[600];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(tu_run("mkfifo '%s' && (cat '%s/py.toml' > '%s' &)", fifo, dir, fifo), 0);
    rt_filter *pf = load_ok(fifo);
    assert_string_equal(rt_filter_file_at(pf, 0)->name, "python-style");
    rt_filter_free(pf);
    load_fails("builtin-default::", RT_EINVAL, "has an empty part");
    load_fails("::builtin-default", RT_EINVAL, "has an empty part");
    load_fails("a::::b", RT_EINVAL, "has an empty part");
    load_fails("", RT_EINVAL, "has an empty part");
    rt_filter *f = (rt_filter *)1;
    assert_int_equal(load_v(&f, NULL, 0), RT_EINVAL);
    assert_null(f);
    assert_non_null(strstr(errbuf, "no trace filter given"));
    const char *specs[] = {"builtin-default", NULL};
    assert_int_equal(load_v(&f, specs, 2), RT_EINVAL);
    assert_int_equal(rt_filter_load(NULL, specs, 1, NULL), RT_EINVAL);
    /* over the size limit */
    char *big = malloc((1u << 20) + 2);
    assert_non_null(big);
    memset(big, '#', (1u << 20) + 1);
    big[(1u << 20) + 1] = '\0';
    load_fails(put("big.toml", big), RT_ELIMIT, "big.toml: 1048577 bytes");
    free(big);
    /* errbuf is cut to its size, NUL-terminated */
    char small[8];
    rt_filter_options o;
    memset(&o, 0, sizeof o);
    o.errbuf = small;
    o.errbuf_len = sizeof small;
    const char *spec1 = missing;
    assert_int_equal(rt_filter_load(&f, &spec1, 1, &o), RT_ENOENT);
    assert_int_equal(strlen(small), 7);
    /* NULL and out-of-range inspection */
    assert_int_equal(rt_filter_file_count(NULL), 0);
    assert_int_equal(rt_filter_rule_count(NULL), 0);
    assert_null(rt_filter_rule_at(NULL, 0));
    assert_int_equal(rt_filter_default_exec(NULL), RT_FILTER_TRACE);
    rt_filter_free(NULL);
    rt_filter_scope_decision d;
    assert_int_equal(rt_filter_explain_scope(NULL, "a", "b", "c", &d), RT_EINVAL);
    f = load_ok("builtin-default");
    rt_filter_value_decision v;
    assert_int_equal(rt_filter_explain_value(f, "a", "b", "c", (rt_filter_value_kind)5, "x", &v),
                     RT_EINVAL);
    assert_int_equal(rt_filter_explain_value(f, "a", "b", "c", RT_FILTER_LOCAL, "x", NULL), RT_EINVAL);
    rt_filter_free(f);
    /* names */
    assert_string_equal(rt_filter_exec_name(RT_FILTER_SKIP), "skip");
    assert_string_equal(rt_filter_exec_name(RT_FILTER_EXEC_INHERIT), "inherit");
    assert_string_equal(rt_filter_action_name(RT_FILTER_DROP), "drop");
    assert_string_equal(rt_filter_action_name((rt_filter_action)9), "?");
    assert_string_equal(rt_filter_value_kind_name(RT_FILTER_RET), "ret");
    assert_string_equal(rt_filter_value_kind_name(RT_FILTER_ATTR), "attr");
}

/* ---- chains ----------------------------------------------------------------- */

static void test_chains(void **state)
{
    (void)state;
    const char *a = put("a.toml", "[meta]\nname = \"a\"\nversion = 1\n[scope]\n"
                                  "default_exec = \"skip\"\ndefault_value_action = \"redact\"\n"
                                  "[[scope.rules]]\nselector = 'pkg:app'\nexec = 'trace'\n"
                                  "value_patterns = [{selector = 'local:x', action = 'drop'}]\n");
    const char *b = put("b.toml", "[meta]\nname = \"b\"\nversion = 1\n[scope]\n"
                                  "default_exec = \"inherit\"\ndefault_value_action = \"allow\"\n"
                                  "[[scope.rules]]\nselector = 'pkg:app'\n"
                                  "value_patterns = [{selector = 'local:x', action = 'allow'}]\n");
    const char *c = put("c.toml", "[meta]\nname = \"c\"\nversion = 1\n[scope]\n"
                                  "default_exec = \"trace\"\n"
                                  "[[scope.rules]]\nselector = 'obj:main'\nexec = 'skip'\n");
    /* a then b: b keeps a's exec, replaces its value default; rules appended */
    char spec[3000];
    snprintf(spec, sizeof spec, "%s::%s", a, b);
    rt_filter *f = load_ok(spec);
    assert_int_equal(rt_filter_default_exec(f), RT_FILTER_SKIP);
    assert_int_equal(rt_filter_default_value_action(f), RT_FILTER_ALLOW);
    assert_int_equal(rt_filter_rule_count(f), 2);
    assert_int_equal(rt_filter_rule_at(f, 0)->file, 0);
    assert_int_equal(rt_filter_rule_at(f, 1)->file, 1);
    /* b's pattern comes after a's: the last match wins */
    assert_int_equal(value_of(f, "app.lua", "app", "f", RT_FILTER_LOCAL, "x"), RT_FILTER_ALLOW);
    assert_int_equal(exec_of(f, "app.lua", "app", "f"), RT_FILTER_TRACE);
    assert_int_equal(exec_of(f, "lib.lua", "lib", "f"), RT_FILTER_SKIP);
    rt_filter_free(f);
    /* the same chain as repeated specs */
    const char *specs[] = {a, b, c};
    assert_int_equal(load_v(&f, specs, 3), RT_OK);
    assert_int_equal(rt_filter_file_count(f), 3);
    assert_int_equal(rt_filter_default_exec(f), RT_FILTER_TRACE);  /* c replaced it */
    assert_int_equal(rt_filter_default_value_action(f), RT_FILTER_ALLOW); /* c inherited */
    assert_int_equal(exec_of(f, "app.lua", "app", "main"), RT_FILTER_SKIP); /* c's rule last */
    assert_int_equal(exec_of(f, "app.lua", "app", "other"), RT_FILTER_TRACE);
    rt_filter_free(f);
    /* b or c first: nothing to inherit from, the error names the file */
    load_fails(b, RT_EFORMAT, "b.toml:5:16: scope.default_exec is \"inherit\", but no filter before");
    assert_non_null(strstr(errbuf, "b.toml in the chain sets it"));
    load_fails(c, RT_EFORMAT, "c.toml:4:1: scope.default_value_action is missing (so inherited)");
    /* an error in a later file names that file */
    const char *bad = put("broken.toml", "[meta]\nname = \"x\"\nversion = 1\n[scope]\n"
                                         "[[scope.rules]]\nselector = 'pkg:regex:[x'\n");
    snprintf(spec, sizeof spec, "builtin-default::%s::%s", a, bad);
    load_fails(spec, RT_EFORMAT, "broken.toml:6:12: scope.rules[0].selector 'pkg:regex:[x': regex: ");
    /* builtin-default may come anywhere, and twice */
    snprintf(spec, sizeof spec, "%s::builtin-default::builtin-default", a);
    f = load_ok(spec);
    assert_int_equal(rt_filter_file_count(f), 3);
    assert_int_equal(rt_filter_default_exec(f), RT_FILTER_TRACE);
    assert_int_equal(rt_filter_rule_count(f), 3);
    rt_filter_free(f);
}

/* ---- selectors -------------------------------------------------------------- */

static bool glob_matches(const char *pattern, char sep, const char *subject)
{
    rt_arena arena;
    rt_arena_init(&arena, NULL, 0);
    rt_glob *g;
    char why[128];
    int rc = rt_glob_compile(&g, pattern, strlen(pattern), sep, &arena, why, sizeof why);
    if (rc != RT_OK)
        fail_msg("glob '%s': %s", pattern, why);
    bool m = rt_glob_match(g, subject, strlen(subject));
    rt_arena_free(&arena);
    return m;
}

static void test_globs(void **state)
{
    (void)state;
    static const struct {
        const char *pattern;
        char sep;
        const char *subject;
        bool match;
    } cases[] = {
        /* ** as a whole segment: zero or more segments */
        {"**/dkjson.lua", '/', "dkjson.lua", true},
        {"**/dkjson.lua", '/', "lib/dkjson.lua", true},
        {"**/dkjson.lua", '/', "/usr/share/lua/5.4/dkjson.lua", true},
        {"**/dkjson.lua", '/', "lib/xdkjson.lua", false},
        {"**/dkjson.lua", '/', "dkjson.lua/x", false},
        {"a/**", '/', "a/b", true},
        {"a/**", '/', "a/b/c", true},
        {"a/**", '/', "a", false},
        {"a/**", '/', "ab/c", false},
        {"a/**/b", '/', "a/b", true},
        {"a/**/b", '/', "a/x/y/b", true},
        {"a/**/b", '/', "a/x/y/c", false},
        {"**", '/', "", true},
        {"**", '/', "/any/thing", true},
        {"**/tests/**/*.py", '/', "pkg/tests/unit/test_a.py", true},
        {"**/tests/**/*.py", '/', "tests/a.py", true},
        {"**/tests/**/*.py", '/', "pkg/test/a.py", false},
        {"/usr/**", '/', "/usr/lib/x", true},
        {"/usr/**", '/', "usr/lib/x", false},
        /* * and ? within one segment */
        {"src/*.lua", '/', "src/a.lua", true},
        {"src/*.lua", '/', "src/a/b.lua", false},
        {"src/*.lua", '/', "src/.lua", true},
        {"*", '/', "", true},
        {"*", '/', "a/b", false},
        {"a?c", '/', "abc", true},
        {"a?c", '/', "a/c", false},
        {"a?c", '/', "aδc", true}, /* ? is one character, not one byte */
        {"a?c", '/', "ac", false},
        {"**.lua", '/', "x.lua", true}, /* ** inside a segment is * */
        {"**.lua", '/', "a/x.lua", false},
        {"*a*b*c*", '/', "xaxxbxxcx", true},
        {"*a*b*c*", '/', "xaxxcxxbx", false},
        {"*.tar.gz", '/', "x.tar.gz", true},
        /* names split at '.' */
        {"pl.*", '.', "pl.utils", true},
        {"pl.*", '.', "pl.utils.x", false},
        {"pl.*", '.', "pl", false},
        {"pl.**", '.', "pl.utils.x", true},
        {"pl.**", '.', "pl", false},
        {"**.test_*", '.', "pkg.sub.test_x", true},
        {"**.test_*", '.', "test_x", true},
        {"pytest*", '.', "pytest", true},
        {"pytest*", '.', "pytest_cov", true},
        {"pytest*", '.', "pytest.main", false},
        {"*", '.', "", true},
        {"*", '.', "main", true},
        {"*", '.', "M.encode", false},
        {"*_test", '.', "foo_test", true},
        {"a/b", '.', "a/b", true}, /* '/' is an ordinary character in names */
        /* classes */
        {"[abc]x", '/', "bx", true},
        {"[abc]x", '/', "dx", false},
        {"[a-c]x", '/', "bx", true},
        {"[!a-c]x", '/', "dx", true},
        {"[!a-c]x", '/', "bx", false},
        {"[^a-c]x", '/', "dx", true},
        {"[]a]", '/', "]", true},
        {"[!]a]", '/', "b", true},
        {"[a-]", '/', "-", true},
        {"[α-ω]", '/', "δ", true},
        {"[α-ω]", '/', "d", false},
        {"[!a]", '.', ".", false}, /* a class never matches the separator */
        {"v[0-9][0-9]", '.', "v42", true},
        /* escapes */
        {"a\\*b", '/', "a*b", true},
        {"a\\*b", '/', "axb", false},
        {"\\[x]", '/', "[x]", true},
        {"[\\]]", '/', "]", true},
        /* literal text */
        {"main", '.', "main", true},
        {"main", '.', "Main", false},
        {"src//a", '/', "src//a", true},
        {"src//a", '/', "src/a", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (glob_matches(cases[i].pattern, cases[i].sep, cases[i].subject) != cases[i].match)
            fail_msg("glob '%s' (sep '%c') on '%s': expected %s", cases[i].pattern, cases[i].sep,
                     cases[i].subject, cases[i].match ? "a match" : "no match");
    /* malformed globs */
    static const char *const bad[] = {"[abc", "a[", "[!", "[]", "x\\", "[z-a]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rt_arena arena;
        rt_arena_init(&arena, NULL, 0);
        rt_glob *g;
        char why[128] = "";
        assert_int_equal(rt_glob_compile(&g, bad[i], strlen(bad[i]), '/', &arena, why, sizeof why),
                         RT_EFORMAT);
        assert_true(why[0] != '\0');
        rt_arena_free(&arena);
    }
}

/* A selector compiled and matched on its own. */
static int sel_match(const char *text, bool scope, const char *subject)
{
    rt_arena arena;
    rt_arena_init(&arena, NULL, 0);
    pcre2_general_context *g = rt_regex_context(&rt_default_allocator);
    pcre2_match_data *md = rt_regex_match_data(g);
    pcre2_match_context *mc = rt_regex_match_context(g);
    rt_selector sel;
    char why[400];
    int rc = rt_selector_compile(&sel, text, strlen(text), scope, &arena, g, why, sizeof why);
    if (rc != RT_OK)
        fail_msg("selector '%s': %s", text, why);
    int m = rt_selector_match(&sel, subject, strlen(subject), md, mc);
    rt_selector_release(&sel);
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
    pcre2_general_context_free(g);
    rt_arena_free(&arena);
    return m;
}

static void test_selectors(void **state)
{
    (void)state;
    static const struct {
        const char *sel;
        bool scope;
        const char *subject;
        int match;
    } cases[] = {
        /* only the first two colons separate, nothing is trimmed */
        {"obj:regex:^my_app::service::[A-Z]\\w+$", true, "my_app::service::Handler", 1},
        {"obj:regex:^my_app::service::[A-Z]\\w+$", true, "my_app.service.Handler", 0},
        {"obj:literal:a::b", true, "a::b", 1},
        {"obj:glob:a:b", true, "a:b", 1},
        {"file:literal:C:\\src\\a.lua", true, "C:\\src\\a.lua", 1},
        {"obj:literal: x", true, " x", 1},
        {"obj:literal: x", true, "x", 0},
        {"pkg:my_app.core.*", true, "my_app.core.services", 1},
        {"pkg:my_app.core.*", true, "other.module", 0},
        {"local:user_*", false, "user_id", 1},
        {"local:user_*", false, "order_id", 0},
        /* literal: exact, case-sensitive bytes */
        {"file:literal:src/services/api.py", true, "src/services/api.py", 1},
        {"file:literal:src/services/api.py", true, "src/services/API.py", 0},
        {"pkg:literal:builtins", true, "builtins.x", 0},
        /* regex: the whole subject, as fullmatch */
        {"pkg:regex:foo", true, "foo", 1},
        {"pkg:regex:foo", true, "foobar", 0},
        {"pkg:regex:foo", true, "xfoo", 0},
        {"pkg:regex:a|ab", true, "ab", 1},
        {"pkg:regex:.*", true, "", 1},
        {"pkg:regex:^(asyncio|importlib)(\\.|$)", true, "asyncio", 1},
        {"pkg:regex:^(asyncio|importlib)(\\.|$)", true, "importlib.util", 0},
        {"pkg:regex:^(asyncio|importlib)(\\.|$).*", true, "importlib.util", 1},
        {"local:regex:(?i).*token.*", false, "AuthTOKEN", 1},
        {"local:regex:\\d+", false, "123", 1},
        {"local:regex:\\d+", false, "12a", 0},
        {"local:regex:\\w+", false, "naïve_x", 1}, /* Unicode \w */
        {"local:regex:(?i)ÉTÉ", false, "été", 1},
        {"local:regex:[a-c]+", false, "abcabc", 1},
        {"local:regex:.", false, "δ", 1}, /* one character, UTF mode */
        {"file:regex:.*\\.py$", true, "a/b.py", 1},
        {"file:regex:.*[\\\\/]lib[\\\\/].*", true, "C:\\x\\lib\\y", 1},
        {"ret:regex:.*secret.*", false, "get_secret", 1},
        {"attr:literal:password", false, "password", 1},
        {"global:glob:*", false, "CONFIG", 1},
        {"arg:glob:[!_]*", false, "_private", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int m = sel_match(cases[i].sel, cases[i].scope, cases[i].subject);
        if (m != cases[i].match)
            fail_msg("'%s' on '%s': %d, expected %d", cases[i].sel, cases[i].subject, m,
                     cases[i].match);
    }
    /* a subject that is not UTF-8 is matched, never an error */
    assert_int_equal(sel_match("local:regex:a.*", false, "a\xff"), 1);
    assert_int_equal(sel_match("local:regex:a.", false, "a\xff"), 0);
    /* a runaway pattern stops at the match limit: -1, not a hang */
    char subject[64];
    memset(subject, 'a', 40);
    subject[40] = '!';
    subject[41] = '\0';
    assert_int_equal(sel_match("local:regex:(a+)+$", false, subject), -1);
}

/* ---- the built-in default --------------------------------------------------- */

static void test_builtin_default(void **state)
{
    (void)state;
    rt_filter *f = load_ok(RT_FILTER_BUILTIN_DEFAULT);
    assert_int_equal(rt_filter_file_count(f), 1);
    const rt_filter_file *file = rt_filter_file_at(f, 0);
    assert_string_equal(file->name, "builtin-default");
    assert_null(file->path);
    size_t len;
    const char *text = rt_filter_builtin_text("builtin-default", &len);
    assert_non_null(text);
    assert_null(rt_filter_builtin_text("builtin-other", &len));
    char hex[RT_SHA256_HEX_SIZE];
    rt_sha256_hex(text, len, hex);
    assert_string_equal(file->sha256, hex);
    assert_int_equal(rt_filter_default_exec(f), RT_FILTER_TRACE);
    assert_int_equal(rt_filter_default_value_action(f), RT_FILTER_ALLOW);
    assert_int_equal(rt_filter_rule_count(f), 1);
    const rt_filter_rule *r = rt_filter_rule_at(f, 0);
    assert_int_equal(r->npatterns, 5);
    static const char *const secrets[] = {
        "pass", "password", "db_password", "PASSWORD", "passwd", "pwd", "secret", "client_secret",
        "token", "authToken", "session", "sessionid", "cookie", "auth", "AUTH_HEADER",
        "credential", "credentials", "creds", "bearer", "ssn", "credit", "credit_card_no",
        "card", "iban", "cvv", "cvc", "pan", "api_key", "api-key", "apikey", "API_KEY",
        "ApiKey", "private_key", "privatekey", "secret_key", "ssh_key", "jwt", "refresh_token",
        "access_token", "my_Access_Token_2"};
    static const char *const plain[] = {"x", "i", "count", "name", "user", "value", "data",
                                        "result", "path", "key", "k", "p", "", "id"};
    static const rt_filter_value_kind kinds[] = {RT_FILTER_LOCAL, RT_FILTER_ARG, RT_FILTER_RET,
                                                 RT_FILTER_GLOBAL, RT_FILTER_ATTR};
    /* every function, also one with an empty or absent module */
    static const char *const pkgs[] = {"app", "", NULL, "a.b.c"};
    for (size_t p = 0; p < 4; p++)
        for (size_t k = 0; k < 5; k++) {
            for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
                if (value_of(f, "x.lua", pkgs[p], "f", kinds[k], secrets[i]) != RT_FILTER_REDACT)
                    fail_msg("%s %s in module '%s' not redacted",
                             rt_filter_value_kind_name(kinds[k]), secrets[i],
                             pkgs[p] ? pkgs[p] : "(null)");
            for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
                if (value_of(f, "x.lua", pkgs[p], "f", kinds[k], plain[i]) != RT_FILTER_ALLOW)
                    fail_msg("%s %s redacted", rt_filter_value_kind_name(kinds[k]), plain[i]);
        }
    assert_int_equal(exec_of(f, "/usr/share/lua/5.4/dkjson.lua", "dkjson", "encode"),
                     RT_FILTER_TRACE);
    /* which pattern decided */
    rt_filter_value_decision v;
    assert_int_equal(rt_filter_explain_value(f, "a", "b", "c", RT_FILTER_GLOBAL, "token", &v), RT_OK);
    assert_int_equal(v.rule, 0);
    assert_int_equal(v.pattern, 2);
    assert_true(strncmp(r->patterns[v.pattern].selector, "global:regex:", 13) == 0);
    assert_int_equal(rt_filter_explain_value(f, "a", "b", "c", RT_FILTER_GLOBAL, "x", &v), RT_OK);
    assert_int_equal(v.rule, -1);
    assert_int_equal(v.pattern, -1);
    rt_filter_free(f);
}

/* ---- decisions ---------------------------------------------------------------- */

static const char decisions[] =
    HEAD
    "[[scope.rules]]\n" /* 0 */
    "selector = 'file:**/vendor/**'\n"
    "exec = 'skip'\n"
    "[[scope.rules]]\n" /* 1 */
    "selector = 'file:**/vendor/mine/**'\n"
    "exec = 'trace'\n"
    "value_default = 'redact'\n"
    "[[scope.rules]]\n" /* 2: matches everything, sets nothing but patterns */
    "selector = 'obj:regex:.*'\n"
    "value_patterns = [{selector = 'local:tmp*', action = 'drop'},\n"
    "                  {selector = 'local:tmp_keep', action = 'allow'}]\n"
    "[[scope.rules]]\n" /* 3 */
    "selector = 'pkg:pl.*'\n"
    "exec = 'skip'\n"
    "value_default = 'drop'\n"
    "[[scope.rules]]\n" /* 4 */
    "selector = 'obj:pl.utils.keep'\n"
    "exec = 'trace'\n"
    "value_patterns = [{selector = 'local:tmp_keep', action = 'redact'},\n"
    "                  {selector = 'arg:*', action = 'allow'}]\n";

static void test_decisions(void **state)
{
    (void)state;
    rt_filter *f = load_ok(put("d.toml", decisions));
    rt_filter_scope_decision d;
    /* no rule sets anything: the defaults */
    assert_int_equal(rt_filter_explain_scope(f, "app.lua", "app", "main", &d), RT_OK);
    assert_int_equal(d.exec, RT_FILTER_TRACE);
    assert_int_equal(d.exec_rule, -1);
    assert_int_equal(d.value_default, RT_FILTER_ALLOW);
    assert_int_equal(d.value_default_rule, -1);
    assert_int_equal(d.matched_rules, 1);
    /* last match wins for exec; value_default kept from the rule that set it */
    assert_int_equal(rt_filter_explain_scope(f, "lib/vendor/x.lua", "x", "f", &d), RT_OK);
    assert_int_equal(d.exec, RT_FILTER_SKIP);
    assert_int_equal(d.exec_rule, 0);
    assert_int_equal(rt_filter_explain_scope(f, "lib/vendor/mine/x.lua", "x", "f", &d), RT_OK);
    assert_int_equal(d.exec, RT_FILTER_TRACE);
    assert_int_equal(d.exec_rule, 1);
    assert_int_equal(d.value_default, RT_FILTER_REDACT);
    assert_int_equal(d.value_default_rule, 1);
    assert_int_equal(d.matched_rules, 3);
    assert_int_equal(rt_filter_explain_scope(f, "x.lua", "pl.utils", "pl.utils.keep", &d), RT_OK);
    assert_int_equal(d.exec, RT_FILTER_TRACE);
    assert_int_equal(d.exec_rule, 4);
    assert_int_equal(d.value_default, RT_FILTER_DROP); /* rule 4 inherits it from rule 3 */
    assert_int_equal(d.value_default_rule, 3);
    /* values: the last matching pattern of the kind, else the value default */
    rt_filter_value_decision v;
    assert_int_equal(rt_filter_explain_value(f, "app.lua", "app", "main", RT_FILTER_LOCAL, "tmp1", &v),
                     RT_OK);
    assert_int_equal(v.action, RT_FILTER_DROP);
    assert_int_equal(v.rule, 2);
    assert_int_equal(v.pattern, 0);
    assert_int_equal(rt_filter_explain_value(f, "app.lua", "app", "main", RT_FILTER_LOCAL,
                                             "tmp_keep", &v),
                     RT_OK);
    assert_int_equal(v.action, RT_FILTER_ALLOW);
    assert_int_equal(v.pattern, 1);
    assert_int_equal(value_of(f, "x.lua", "pl.utils", "pl.utils.keep", RT_FILTER_LOCAL, "tmp_keep"),
                     RT_FILTER_REDACT); /* rule 4's pattern is the last */
    assert_int_equal(value_of(f, "x.lua", "pl.utils", "pl.utils.keep", RT_FILTER_LOCAL, "tmp9"),
                     RT_FILTER_DROP);
    assert_int_equal(value_of(f, "x.lua", "pl.utils", "pl.utils.keep", RT_FILTER_LOCAL, "other"),
                     RT_FILTER_DROP); /* the value default */
    assert_int_equal(value_of(f, "x.lua", "pl.utils", "pl.utils.keep", RT_FILTER_ARG, "other"),
                     RT_FILTER_ALLOW);
    /* the kind must agree */
    assert_int_equal(value_of(f, "app.lua", "app", "main", RT_FILTER_GLOBAL, "tmp1"), RT_FILTER_ALLOW);
    assert_int_equal(value_of(f, "lib/vendor/mine/a.lua", "a", "f", RT_FILTER_ARG, "tmp1"),
                     RT_FILTER_REDACT);
    rt_filter_free(f);
}

/* The tracer's cache: the same decisions, scopes shared by functions whose
 * decisions come to the same thing. */
static void test_cache(void **state)
{
    (void)state;
    rt_filter *f = load_ok(put("d.toml", decisions));
    rt_filter_cache *c;
    assert_int_equal(rt_filter_cache_new(&c, f, NULL), RT_OK);
    rt_filter_scope s1, s2, s3, s4, s5;
    assert_int_equal(rt_filter_cache_scope(c, rt_str_c("app.lua"), rt_str_c("app"), rt_str_c("main"), &s1), RT_OK);
    assert_int_equal(rt_filter_cache_scope(c, rt_str_c("b.lua"), rt_str_c("b"), rt_str_c("other"), &s2), RT_OK);
    assert_int_equal(s1.id, s2.id); /* both: defaults + rule 2's patterns */
    assert_int_equal(s1.exec, RT_FILTER_TRACE);
    assert_int_equal(rt_filter_cache_scope(c, rt_str_c("lib/vendor/x.lua"), rt_str_c("x"), rt_str_c("f"), &s3), RT_OK);
    assert_int_not_equal(s3.id, s1.id);
    assert_int_equal(s3.exec, RT_FILTER_SKIP);
    assert_int_equal(rt_filter_cache_scope(c, rt_str_c("x.lua"), rt_str_c("pl.utils"), rt_str_c("pl.utils.keep"), &s4), RT_OK);
    assert_int_equal(s4.exec, RT_FILTER_TRACE);
    assert_int_equal(s4.value_default, RT_FILTER_DROP);
    assert_int_equal(rt_filter_cache_scope(c, rt_str_c("lib/vendor/y.lua"), rt_str_c("y"), rt_str_c("g"), &s5), RT_OK);
    assert_int_equal(s5.id, s3.id);
    assert_int_equal(rt_filter_cache_scope_count(c), 3);
    assert_true(s1.id < 3 && s3.id < 3 && s4.id < 3);
    assert_int_equal(rt_filter_cache_value(c, s1.id, RT_FILTER_LOCAL, rt_str_c("tmp1")), RT_FILTER_DROP);
    assert_int_equal(rt_filter_cache_value(c, s1.id, RT_FILTER_LOCAL, rt_str_c("tmp_keep")), RT_FILTER_ALLOW);
    assert_int_equal(rt_filter_cache_value(c, s1.id, RT_FILTER_LOCAL, rt_str_c("x")), RT_FILTER_ALLOW);
    assert_int_equal(rt_filter_cache_value(c, s4.id, RT_FILTER_LOCAL, rt_str_c("tmp_keep")), RT_FILTER_REDACT);
    assert_int_equal(rt_filter_cache_value(c, s4.id, RT_FILTER_ARG, rt_str_c("a")), RT_FILTER_ALLOW);
    assert_int_equal(rt_filter_cache_value(c, s4.id, RT_FILTER_GLOBAL, rt_str_c("a")), RT_FILTER_DROP);
    /* a name given by length, not NUL-terminated */
    rt_str part = {"tmp1xyz", 4};
    assert_int_equal(rt_filter_cache_value(c, s1.id, RT_FILTER_LOCAL, part), RT_FILTER_DROP);
    /* an id that is not one of this cache's: hidden */
    assert_int_equal(rt_filter_cache_value(c, 77, RT_FILTER_LOCAL, rt_str_c("x")), RT_FILTER_REDACT);
    /* many functions, few scopes */
    for (int i = 0; i < 2000; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%d", i);
        rt_filter_scope s;
        assert_int_equal(rt_filter_cache_scope(c, rt_str_c(i % 2 ? "a.lua" : "lib/vendor/z.lua"),
                                               rt_str_c("m"), rt_str_c(name), &s),
                         RT_OK);
        assert_int_equal(s.id, i % 2 ? s1.id : s3.id);
    }
    assert_int_equal(rt_filter_cache_scope_count(c), 3);
    rt_filter_cache_free(c);
    rt_filter_cache_free(NULL);
    assert_int_equal(rt_filter_cache_new(&c, NULL, NULL), RT_EINVAL);
    rt_filter_free(f);
    /* with more than 64 rules that have patterns (several words of bits) */
    char *text = malloc(200000);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, 200000, "%s", HEAD);
    for (int i = 0; i < 150; i++)
        len += (size_t)snprintf(text + len, 200000 - len,
                                "[[scope.rules]]\nselector = 'obj:f%d*'\n"
                                "value_patterns = [{selector = 'local:v%d', action = 'redact'}]\n",
                                i % 75, i);
    f = load_ok(put("many.toml", text));
    free(text);
    assert_int_equal(rt_filter_cache_new(&c, f, NULL), RT_OK);
    rt_filter_scope a, b;
    assert_int_equal(rt_filter_cache_scope(c, rt_str_c("x"), rt_str_c("x"), rt_str_c("f70"), &a), RT_OK);
    assert_int_equal(rt_filter_cache_scope(c, rt_str_c("x"), rt_str_c("x"), rt_str_c("f7"), &b), RT_OK);
    assert_int_not_equal(a.id, b.id);
    assert_int_equal(rt_filter_cache_value(c, a.id, RT_FILTER_LOCAL, rt_str_c("v145")), RT_FILTER_REDACT);
    assert_int_equal(rt_filter_cache_value(c, a.id, RT_FILTER_LOCAL, rt_str_c("v7")), RT_FILTER_REDACT);
    assert_int_equal(rt_filter_cache_value(c, b.id, RT_FILTER_LOCAL, rt_str_c("v145")), RT_FILTER_ALLOW);
    rt_filter_cache_free(c);
    rt_filter_free(f);
}

/* The sources loader the fuzz targets and recorders with built-ins use. */
static void test_load_sources(void **state)
{
    (void)state;
    size_t len;
    const char *builtin = rt_filter_builtin_text(RT_FILTER_BUILTIN_DEFAULT, &len);
    static const char mine[] = "[meta]\nname = \"lua-runtime\"\nversion = 1\n[scope]\n"
                               "[[scope.rules]]\nselector = 'pkg:pl.*'\nexec = 'skip'\n";
    rt_filter_source src[2] = {{"builtin-default", NULL, builtin, len},
                               {"<lua built-in>", NULL, mine, sizeof mine - 1}};
    rt_filter *f;
    char err[256];
    rt_filter_options o = {NULL, err, sizeof err};
    assert_int_equal(rt_filter_load_sources(&f, src, 2, &o), RT_OK);
    assert_int_equal(rt_filter_file_count(f), 2);
    assert_string_equal(rt_filter_file_at(f, 1)->name, "lua-runtime");
    assert_null(rt_filter_file_at(f, 1)->path);
    assert_int_equal(exec_of(f, "x", "pl.utils", "f"), RT_FILTER_SKIP);
    rt_filter_free(f);
    assert_int_equal(rt_filter_load_sources(&f, &src[1], 1, &o), RT_EFORMAT);
    assert_non_null(strstr(err, "<lua built-in>:4:1: scope.default_exec is missing"));
    assert_int_equal(rt_filter_load_sources(&f, src, 0, &o), RT_EINVAL);
}

/* ---- subjects ------------------------------------------------------------------- */

static void test_subjects(void **state)
{
    (void)state;
    static const struct {
        const char *path, *workdir, *file, *module;
    } cases[] = {
        {"/home/u/proj/src/app.lua", "/home/u/proj", "src/app.lua", "src.app"},
        {"/home/u/proj/src/app.lua", "/home/u/proj/", "src/app.lua", "src.app"},
        {"/home/u/proj//src/./app.lua", "/home/u/./proj", "src/app.lua", "src.app"},
        {"/home/u/projx/app.lua", "/home/u/proj", "/home/u/projx/app.lua", "home.u.projx.app"},
        {"/usr/share/lua/5.4/dkjson.lua", "/home/u", "/usr/share/lua/5.4/dkjson.lua",
         "usr.share.lua.5.4.dkjson"},
        {"src/pl/utils.lua", "/home/u", "src/pl/utils.lua", "src.pl.utils"},
        {"./src/a.lua", "/home/u", "src/a.lua", "src.a"},
        {"app.lua", NULL, "app.lua", "app"},
        {"/proj/app.lua", "", "/proj/app.lua", "proj.app"},
        {"/proj", "/proj", "/proj", "proj"},            /* the workdir itself is not below it */
        {"/proj/a.b.lua", "/proj", "a.b.lua", "a.b"},   /* only the last extension */
        {"/proj/.hidden", "/proj", ".hidden", ".hidden"}, /* a leading dot is no extension */
        {"/proj/dir.d/file", "/proj", "dir.d/file", "dir.d.file"},
        {"", "/proj", "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[256];
        size_t n = rt_filter_file_subject(cases[i].path, cases[i].workdir, buf, sizeof buf);
        if (strcmp(buf, cases[i].file) != 0 || n != strlen(cases[i].file))
            fail_msg("file subject of '%s' in '%s': '%s', expected '%s'", cases[i].path,
                     cases[i].workdir ? cases[i].workdir : "(null)", buf, cases[i].file);
        n = rt_filter_module_from_path(cases[i].path, cases[i].workdir, buf, sizeof buf);
        if (strcmp(buf, cases[i].module) != 0 || n != strlen(cases[i].module))
            fail_msg("module of '%s' in '%s': '%s', expected '%s'", cases[i].path,
                     cases[i].workdir ? cases[i].workdir : "(null)", buf, cases[i].module);
    }
    /* cut to the buffer, full length returned, as snprintf */
    char small[5];
    assert_int_equal(rt_filter_file_subject("/w/src/app.lua", "/w", small, sizeof small), 11);
    assert_string_equal(small, "src/");
    assert_int_equal(rt_filter_module_from_path("/w/src/app.lua", "/w", NULL, 0), 7);
    assert_int_equal(rt_filter_file_subject(NULL, "/w", small, sizeof small), 0);
    assert_string_equal(small, "");
}

/* ---- provenance: SHA-256 of each file's bytes ----------------------------------- */

static void test_sha256_of_files(void **state)
{
    (void)state;
    const char *path = put("sum.toml", python_style);
    rt_filter *f = load_ok(path);
    char sum_path[1200];
    snprintf(sum_path, sizeof sum_path, "%s.sum", path);
    assert_int_equal(tu_run("sha256sum '%s' > '%s'", path, sum_path), 0);
    size_t len;
    char *sum = tu_read_file(sum_path, &len);
    assert_non_null(sum);
    assert_true(len > 64);
    sum[64] = '\0';
    assert_string_equal(rt_filter_file_at(f, 0)->sha256, sum);
    assert_string_equal(rt_filter_file_at(f, 0)->path, path);
    free(sum);
    rt_filter_free(f);
}

/* ---- allocation failure ------------------------------------------------------- */

typedef struct counting {
    long calls, fail_at, live;
} counting;

static void *c_alloc(void *ctx, size_t n)
{
    counting *c = ctx;
    if (++c->calls == c->fail_at)
        return NULL;
    void *p = malloc(n);
    if (p)
        c->live++;
    return p;
}

static void *c_realloc(void *ctx, void *p, size_t old, size_t n)
{
    counting *c = ctx;
    (void)old;
    if (++c->calls == c->fail_at)
        return NULL;
    void *q = realloc(p, n);
    if (q && !p)
        c->live++;
    return q;
}

static void c_free(void *ctx, void *p, size_t n)
{
    counting *c = ctx;
    (void)n;
    if (p) {
        c->live--;
        free(p);
    }
}

/* Every k-th allocation of rt_filter_load (PCRE2's included), of the
 * explain functions and of the cache fails in turn: each run ends with
 * RT_ENOMEM and a message, or succeeds, and leaks nothing. */
static void test_alloc_failure(void **state)
{
    (void)state;
    char spec[1200];
    snprintf(spec, sizeof spec, "builtin-default::%s::%s", put("py.toml", python_style),
             put("d.toml", decisions));
    const char *specs[] = {spec};
    counting c = {0, 0, 0};
    rt_allocator a = {c_alloc, c_realloc, c_free, &c};
    long k, failed = 0;
    for (k = 1;; k++) {
        c.calls = 0;
        c.fail_at = k;
        rt_filter *f = NULL;
        char err[512] = "";
        rt_filter_options o = {&a, err, sizeof err};
        int rc = rt_filter_load(&f, specs, 1, &o);
        if (rc != RT_OK) {
            if (rc != RT_ENOMEM)
                fail_msg("allocation %ld failed: %s (%s)", k, err, rt_status_name(rc));
            assert_null(f);
            assert_non_null(strstr(err, "out of memory"));
            assert_int_equal(c.live, 0);
            failed++;
            continue;
        }
        /* loaded: the rest of this run's allocations are the explain and
         * cache ones */
        rt_filter_value_decision v;
        rc = rt_filter_explain_value(f, "a.py", "app", "main", RT_FILTER_LOCAL, "my_token", &v);
        assert_true(rc == RT_OK || rc == RT_ENOMEM);
        if (rc == RT_OK)
            assert_int_equal(v.action, RT_FILTER_REDACT);
        rt_filter_cache *cache = NULL;
        rc = rt_filter_cache_new(&cache, f, &a);
        if (rc == RT_OK) {
            rt_filter_scope s;
            for (int i = 0; i < 3 && rc == RT_OK; i++)
                rc = rt_filter_cache_scope(cache, rt_str_c(i ? "lib/vendor/x.lua" : "a.py"),
                                           rt_str_c("app"), rt_str_c("main"), &s);
            if (rc == RT_OK)
                assert_int_equal(rt_filter_cache_value(cache, s.id, RT_FILTER_ARG, rt_str_c("pwd")),
                                 RT_FILTER_REDACT);
        }
        assert_true(rc == RT_OK || rc == RT_ENOMEM);
        rt_filter_cache_free(cache);
        rt_filter_free(f);
        assert_int_equal(c.live, 0);
        if (c.calls < k) /* nothing left to fail */
            break;
    }
    assert_true(failed > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python_style_files), cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_load_errors),        cmocka_unit_test(test_chains),
        cmocka_unit_test(test_globs),              cmocka_unit_test(test_selectors),
        cmocka_unit_test(test_builtin_default),    cmocka_unit_test(test_decisions),
        cmocka_unit_test(test_cache),              cmocka_unit_test(test_load_sources),
        cmocka_unit_test(test_subjects),           cmocka_unit_test(test_sha256_of_files),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
