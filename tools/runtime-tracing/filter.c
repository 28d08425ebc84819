#define _POSIX_C_SOURCE 200809L
/* filter: check a chain of trace-filter files and explain its decisions
 * (docs/filters.md), on the public rt_filter_* API. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char filter_help[] =
    "Usage: " CLI_NAME " filter check SPEC...\n"
    "       " CLI_NAME " filter explain SPEC... --file PATH --function NAME [--module M]\n"
    "                  [--workdir DIR] [--value KIND:NAME]\n"
    "\n"
    "Trace filters: TOML files that say which functions a recording traces or skips\n"
    "and which values it keeps, redacts or drops (docs/filters.md). A SPEC is one or\n"
    "more files joined by '::' (base.toml::mine.toml); several SPECs are read one\n"
    "after the other. '" RT_FILTER_BUILTIN_DEFAULT "' is the built-in filter that\n"
    "recorders put first; only the filters given are loaded here.\n"
    "\n"
    "  check     load the chain and print each filter (name, version, SHA-256 of its\n"
    "            bytes, path), the resolved defaults and the rules in the order they\n"
    "            apply, each with its value patterns; an error is printed with its\n"
    "            file, line and column, and the status is 1\n"
    "  explain   the decision for one function: traced or skipped and the rule that\n"
    "            decided (or the default), its default for values, and with --value\n"
    "            the action for one value and the pattern that decided\n"
    "\n"
    "  --file PATH        the function's source file; file: selectors see it relative\n"
    "                     to the workdir when it is below it\n"
    "  --function NAME    its qualified name (the subject of obj: selectors)\n"
    "  --module M         its module (pkg: selectors); default: derived from the path\n"
    "                     (relative to the workdir, extension dropped, '/' -> '.')\n"
    "  --workdir DIR      the recording's working directory (default: the current one)\n"
    "  --value KIND:NAME  a value: KIND is local, arg, ret, global or attr\n";

/* Text from a filter file, with control characters shown as \xNN. */
static void put_text(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7F)
            printf("\\x%02X", c);
        else
            putchar(c);
    }
}

/* The file a rule came from, as messages name it. */
static const char *file_label(const rt_filter_file *file)
{
    return file->path ? file->path : file->name;
}

/* The index of rule r among the rules of its own file (scope.rules[i]). */
static size_t index_in_file(const rt_filter *f, size_t r)
{
    const rt_filter_rule *rule = rt_filter_rule_at(f, r);
    size_t i = 0;
    for (size_t k = 0; k < r; k++)
        if (rt_filter_rule_at(f, k)->file == rule->file)
            i++;
    return i;
}

static void put_rule_ref(const rt_filter *f, size_t r)
{
    const rt_filter_rule *rule = rt_filter_rule_at(f, r);
    printf("rule %zu: ", r + 1);
    put_text(rule->selector);
    printf("  [%s:%u:%u, scope.rules[%zu]]", file_label(rt_filter_file_at(f, rule->file)),
           rule->line, rule->column, index_in_file(f, r));
}

static int load(const char *const *specs, size_t n, rt_filter **out)
{
    char err[1024] = "";
    rt_filter_options o;
    memset(&o, 0, sizeof o);
    o.errbuf = err;
    o.errbuf_len = sizeof err;
    int rc = rt_filter_load(out, specs, n, &o);
    if (rc == RT_OK)
        return CLI_OK;
    /* the message quotes the file: its control characters shown as \xNN */
    char shown[4 * sizeof err];
    size_t k = 0;
    for (const char *s = err; *s && k + 5 < sizeof shown; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7F)
            k += (size_t)snprintf(shown + k, sizeof shown - k, "\\x%02X", c);
        else
            shown[k++] = (char)c;
    }
    shown[k] = '\0';
    cli_error("%s (%s)", err[0] ? shown : rt_strerror(rc), rt_status_name(rc));
    return CLI_INVALID;
}

static int filter_check(int argc, char **argv)
{
    const char *pos[256];
    size_t npos;
    int rc = cli_parse(argc, argv, NULL, NULL, 0, pos, 256, &npos);
    if (rc < 0) {
        fputs(filter_help, stdout);
        return CLI_OK;
    }
    if (rc)
        return rc;
    if (npos == 0)
        return cli_usage("filter check", "expected SPEC");
    rt_filter *f;
    if ((rc = load(pos, npos, &f)))
        return rc;
    size_t npatterns = 0;
    for (size_t i = 0; i < rt_filter_file_count(f); i++) {
        const rt_filter_file *file = rt_filter_file_at(f, i);
        printf("filter %zu: ", i + 1);
        put_text(file->name);
        printf(" (version %lld, %s)\n", (long long)file->version, file->path ? file->path : "built-in");
        printf("  sha256: %s\n", file->sha256);
        if (file->description) {
            printf("  description: ");
            put_text(file->description);
            putchar('\n');
        }
    }
    printf("defaults: exec %s, values %s\n", rt_filter_exec_name(rt_filter_default_exec(f)),
           rt_filter_action_name(rt_filter_default_value_action(f)));
    for (size_t r = 0; r < rt_filter_rule_count(f); r++) {
        const rt_filter_rule *rule = rt_filter_rule_at(f, r);
        put_rule_ref(f, r);
        printf("\n  exec %s, value_default %s\n", rt_filter_exec_name(rule->exec),
               rt_filter_action_name(rule->value_default));
        if (rule->reason) {
            printf("  reason: ");
            put_text(rule->reason);
            putchar('\n');
        }
        for (size_t k = 0; k < rule->npatterns; k++) {
            const rt_filter_pattern *p = &rule->patterns[k];
            printf("  value pattern %zu: ", k + 1);
            put_text(p->selector);
            printf(" -> %s  [line %u:%u]\n", rt_filter_action_name(p->action), p->line, p->column);
            if (p->reason) {
                printf("    reason: ");
                put_text(p->reason);
                putchar('\n');
            }
        }
        npatterns += rule->npatterns;
    }
    printf("%zu filter%s, %zu rule%s, %zu value pattern%s\n", rt_filter_file_count(f),
           rt_filter_file_count(f) == 1 ? "" : "s", rt_filter_rule_count(f),
           rt_filter_rule_count(f) == 1 ? "" : "s", npatterns, npatterns == 1 ? "" : "s");
    rt_filter_free(f);
    return CLI_OK;
}

/* --value KIND:NAME */
static int parse_value(const char *arg, rt_filter_value_kind *kind, const char **name)
{
    const char *colon = strchr(arg, ':');
    if (colon) {
        for (int k = 0; k < RT_FILTER_VALUE_KIND_COUNT; k++) {
            const char *kn = rt_filter_value_kind_name((rt_filter_value_kind)k);
            if (strlen(kn) == (size_t)(colon - arg) && strncmp(arg, kn, strlen(kn)) == 0) {
                *kind = (rt_filter_value_kind)k;
                *name = colon + 1;
                return CLI_OK;
            }
        }
    }
    return cli_usage("filter explain",
                     "--value '%s': expected KIND:NAME, KIND one of local, arg, ret, global, attr",
                     arg);
}

/* A subject derived by one of the rt_filter_*_from path functions, on the
 * heap. */
static char *derive(size_t (*fn)(const char *, const char *, char *, size_t), const char *path,
                    const char *workdir)
{
    size_t n = fn(path, workdir, NULL, 0);
    char *s = malloc(n + 1);
    if (!s) {
        cli_error("out of memory");
        exit(CLI_INVALID);
    }
    fn(path, workdir, s, n + 1);
    return s;
}

static int filter_explain(int argc, char **argv)
{
    static const char *const opts[] = {"--file", "--function", "--module", "--workdir", "--value"};
    const char *vals[5];
    const char *pos[256];
    size_t npos;
    int rc = cli_parse(argc, argv, opts, vals, 5, pos, 256, &npos);
    if (rc < 0) {
        fputs(filter_help, stdout);
        return CLI_OK;
    }
    if (rc)
        return rc;
    if (npos == 0)
        return cli_usage("filter explain", "expected SPEC");
    if (!vals[0])
        return cli_usage("filter explain", "expected --file PATH");
    if (!vals[1])
        return cli_usage("filter explain", "expected --function NAME");
    rt_filter_value_kind kind = RT_FILTER_LOCAL;
    const char *value_name = NULL;
    if (vals[4] && (rc = parse_value(vals[4], &kind, &value_name)))
        return rc;
    char cwd[PATH_MAX];
    const char *workdir = vals[3];
    if (!workdir)
        workdir = getcwd(cwd, sizeof cwd);
    rt_filter *f;
    if ((rc = load(pos, npos, &f)))
        return rc;
    char *file = derive(rt_filter_file_subject, vals[0], workdir);
    char *module = vals[2] ? NULL : derive(rt_filter_module_from_path, vals[0], workdir);
    const char *pkg = vals[2] ? vals[2] : module;
    printf("file:     ");
    put_text(file);
    printf("\nmodule:   ");
    put_text(pkg);
    printf("%s\nfunction: ", vals[2] ? "" : " (derived from the path)");
    put_text(vals[1]);
    putchar('\n');
    rt_filter_scope_decision d;
    rc = rt_filter_explain_scope(f, file, pkg, vals[1], &d);
    if (rc == RT_OK) {
        printf("exec:     %s, by ", rt_filter_exec_name(d.exec));
        if (d.exec_rule < 0)
            printf("default (scope.default_exec)");
        else
            put_rule_ref(f, (size_t)d.exec_rule);
        printf("\nvalues:   %s, by ", rt_filter_action_name(d.value_default));
        if (d.value_default_rule < 0)
            printf("default (scope.default_value_action)");
        else
            put_rule_ref(f, (size_t)d.value_default_rule);
        printf("\nmatching rules: %zu\n", d.matched_rules);
    }
    if (rc == RT_OK && value_name) {
        rt_filter_value_decision v;
        rc = rt_filter_explain_value(f, file, pkg, vals[1], kind, value_name, &v);
        if (rc == RT_OK) {
            printf("value %s:", rt_filter_value_kind_name(kind));
            put_text(value_name);
            printf(": %s, by ", rt_filter_action_name(v.action));
            if (v.rule < 0) {
                printf("the function's value default");
            } else {
                const rt_filter_rule *rule = rt_filter_rule_at(f, (size_t)v.rule);
                const rt_filter_pattern *p = &rule->patterns[v.pattern];
                printf("value pattern %ld of ", v.pattern + 1);
                put_rule_ref(f, (size_t)v.rule);
                printf("\n  pattern: ");
                put_text(p->selector);
                printf("  [line %u:%u]", p->line, p->column);
            }
            putchar('\n');
        }
    }
    free(file);
    free(module);
    rt_filter_free(f);
    if (rc != RT_OK) {
        cli_error("%s (%s)", rt_strerror(rc), rt_status_name(rc));
        return CLI_INVALID;
    }
    return CLI_OK;
}

int cmd_filter(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("filter", "expected check or explain");
    if (cli_is_help(argv[1])) {
        fputs(filter_help, stdout);
        return CLI_OK;
    }
    /* The subcommand's argv, named "filter check" in usage messages. */
    char **sub = malloc((size_t)argc * sizeof *sub);
    if (!sub) {
        cli_error("out of memory");
        return CLI_INVALID;
    }
    int rc;
    char name[32];
    snprintf(name, sizeof name, "filter %s", argv[1]);
    sub[0] = name;
    for (int i = 2; i < argc; i++)
        sub[i - 1] = argv[i];
    if (strcmp(argv[1], "check") == 0)
        rc = filter_check(argc - 1, sub);
    else if (strcmp(argv[1], "explain") == 0)
        rc = filter_explain(argc - 1, sub);
    else
        rc = cli_usage("filter", "unknown filter command '%s' (check or explain)", argv[1]);
    free(sub);
    return rc;
}
