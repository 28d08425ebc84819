#define _POSIX_C_SOURCE 200809L
/* Helpers shared by the commands: messages, argument parsing, paths. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(CLI_NAME ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(CLI_NAME ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "Try '" CLI_NAME " %s --help'.\n", cmd);
    else
        fprintf(stderr, "Try '" CLI_NAME " --help'.\n");
    return CLI_USAGE;
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int cli_parse(int argc, char **argv, const char *const *opts, const char **vals, size_t nopts,
              const char **pos, size_t max, size_t *npos)
{
    const char *cmd = argv[0];
    bool only_pos = false;
    *npos = 0;
    for (size_t i = 0; i < nopts; i++)
        vals[i] = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && cli_is_help(a))
            return -1;
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] != '\0') {
            size_t k;
            const char *val = NULL;
            for (k = 0; k < nopts; k++) {
                size_t n = strlen(opts[k]);
                if (strncmp(a, opts[k], n) == 0 && (a[n] == '\0' || a[n] == '=')) {
                    val = a[n] == '=' ? a + n + 1 : NULL;
                    break;
                }
            }
            if (k == nopts)
                return cli_usage(cmd, "unknown option '%s'", a);
            if (!val) {
                if (i + 1 >= argc)
                    return cli_usage(cmd, "option '%s' needs a value", opts[k]);
                val = argv[++i];
            }
            if (vals[k])
                return cli_usage(cmd, "option '%s' given twice", opts[k]);
            vals[k] = val;
            continue;
        }
        if (*npos == max)
            return cli_usage(cmd, "unexpected argument '%s'", a);
        pos[(*npos)++] = a;
    }
    return CLI_OK;
}

bool cli_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool cli_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int64_t cli_file_size(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    return (int64_t)st.st_size;
}

char *cli_strdup(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        cli_error("out of memory");
        exit(CLI_INVALID);
    }
    return d;
}

char *cli_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *s = malloc(a + b + 2);
    if (!s) {
        cli_error("out of memory");
        exit(CLI_INVALID);
    }
    memcpy(s, dir, a);
    size_t n = a;
    if (n && s[n - 1] != '/')
        s[n++] = '/';
    memcpy(s + n, name, b + 1);
    return s;
}

char *cli_events_path(const char *path)
{
    if (!cli_is_dir(path)) /* a file: the open reports it when missing */
        return cli_strdup(path);
    /* trace.ct first, as the debugger looks for it first; then a v0
     * trace.bin of a killed recording, which may be gone, by its journal */
    const char *names[] = {"trace.ct", "trace.json", "trace.bin", "trace.bin.v0-journal"};
    for (size_t i = 0; i < 4; i++) {
        char *p = cli_join(path, names[i]);
        if (cli_is_file(p)) {
            if (i == 3)
                p[strlen(p) - strlen(".v0-journal")] = '\0';
            return p;
        }
        free(p);
    }
    cli_error("%s: no trace.ct, trace.json or trace.bin in this directory", path);
    return NULL;
}

/* A trace.ct's own meta.dat, copied into out (freed by rt_metadata_clear). */
static bool ct_metadata(const char *events_path, rt_metadata *out)
{
    rt_ct_info ci;
    if (rt_ct_inspect(events_path, &ci, NULL, 0) != RT_OK || !ci.meta_valid) {
        rt_ct_info_clear(&ci);
        return false;
    }
    memset(out, 0, sizeof *out);
    out->program = cli_strdup(ci.program);
    out->workdir = cli_strdup(ci.workdir);
    out->recording_id = cli_strdup(ci.recording_id);
    if (ci.nargs) {
        out->args = calloc(ci.nargs, sizeof *out->args);
        if (!out->args) {
            cli_error("out of memory");
            exit(CLI_INVALID);
        }
        out->nargs = ci.nargs;
        for (size_t i = 0; i < ci.nargs; i++)
            out->args[i] = cli_strdup(ci.args[i]);
    }
    rt_ct_info_clear(&ci);
    return true;
}

bool cli_sibling_metadata(const char *events_path, rt_metadata *out)
{
    const char *slash = strrchr(events_path, '/');
    char *dir = slash ? cli_strdup(events_path) : cli_strdup(".");
    if (slash)
        dir[slash - events_path + (slash == events_path)] = '\0';
    char *p = cli_join(dir, "trace_metadata.json");
    free(dir);
    bool ok = cli_is_file(p) && rt_metadata_read(p, out, NULL, 0) == RT_OK;
    free(p);
    return ok || ct_metadata(events_path, out);
}

rt_reader *cli_open_reader(const char *path, bool follow)
{
    rt_reader *r;
    char why[512] = "";
    rt_reader_options ro = {NULL, follow, why, sizeof why};
    int rc = rt_reader_open(&r, path, &ro);
    if (rc == RT_OK) {
        if (rt_reader_warning(r))
            fprintf(stderr, CLI_NAME ": warning: %s\n", rt_reader_warning(r));
        return r;
    }
    if (why[0] && rc != RT_ENOENT && rc != RT_EIO)
        cli_error("%s (%s)", why, rt_status_name(rc));
    else if (rc == RT_ENOENT)
        cli_error("%s: no such file", path);
    else if (rc == RT_EUNSUPPORTED)
        cli_error("%s: this trace format cannot be read yet (%s)", path, rt_status_name(rc));
    else if (rc == RT_EIO && cli_is_dir(path))
        cli_error("%s: is a directory", path);
    else
        cli_error("%s: cannot read: %s (%s)", path, rt_strerror(rc), rt_status_name(rc));
    return NULL;
}

void cli_read_error(rt_reader *r, int rc)
{
    const char *msg = rt_reader_errmsg(r);
    if (msg && *msg)
        cli_error("%s (%s)", msg, rt_status_name(rc));
    else
        cli_error("%s (%s)", rt_strerror(rc), rt_status_name(rc));
}

int cli_output_dialect(const char *cmd, const char *value, const char *in, rt_dialect *out)
{
    if (value) {
        if (rt_dialect_parse(value, out) != RT_OK)
            return cli_usage(cmd, "unknown dialect '%s' (0.14 or 0.19)", value);
        return CLI_OK;
    }
    /* A first pass, in the reader's bounded memory, that stops at the first
     * event that decides (a float or another spelling of one dialect only);
     * without one it reads to the end. Errors are left to the real pass. */
    *out = RT_DIALECT_0_14;
    rt_reader *r;
    rt_reader_options ro = {NULL, false, NULL, 0};
    if (rt_reader_open(&r, in, &ro) != RT_OK)
        return CLI_OK;
    const rt_event *e;
    while (!rt_reader_dialect_decided(r) && rt_reader_next(r, &e) == RT_READ_EVENT)
        ;
    *out = rt_reader_dialect(r);
    rt_reader_free(r);
    return CLI_OK;
}
