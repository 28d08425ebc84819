/* ct-lua: records a Lua 5.4 script as a CodeTracer trace.
 *
 *   ct-lua [-o DIR] [-f ct|json|v0|v1] [--buffered] [--dialect 0.14|0.19] [-v]
 *          script.lua [args...]
 *
 * By default a trace.ct, streamed while the script runs: the CodeTracer
 * debugger of 2026 opens it first, and streaming costs least and keeps
 * memory flat (docs/lua.md).
 * The script runs as under lua5.4 (same output, errors and exit status);
 * the trace directory goes to DIR, by default ./ct-traces/<script name>/.
 * ct-lua's own messages appear only with -v, on stderr, except for a
 * failure to record, which is reported and ends with exit status 125. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interp.h"
#include "recorder.h"
#include "runtime_tracing.h"

#define EXIT_RECORDER 125 /* the recorder failed (as env(1) does) */
#define EXIT_USAGE 2

#define MAX_FILTER_SPECS 32

static struct {
    const char *outdir;
    rt_format format;
    rt_dialect dialect;
    bool streaming;
    bool verbose;
    const char *filter_specs[MAX_FILTER_SPECS]; /* --trace-filter, in order */
    size_t nfilter_specs;
    bool no_default_filter;
    rt_filter *filter;
    rt_tracer *t;
    ctl_recorder *r;
    lua_State *volatile L; /* the running state, kept reachable for exit handlers */
    bool finalized;
    int final_rc;
    int start_rc; /* the recording could not start */
} G;

static void usage(FILE *f)
{
    fprintf(f, "usage: ct-lua [-o DIR] [-f ct|json|v0|v1] [--buffered] [--dialect 0.14|0.19] [-v]\n"
               "              [--trace-filter SPEC]... [--no-default-filter] script.lua [args...]\n"
               "  -o DIR         trace directory (default: ct-traces/<script name>)\n"
               "  -f FORMAT      the events file: ct (default: trace.ct, for the CodeTracer\n"
               "                 debugger of 2026, always the 0.19 dialect); json (trace.json),\n"
               "                 v0 or v1 (trace.bin) for CodeTracer 25.x and other tools\n"
               "  --buffered     keep the events in memory and write them at the end (default:\n"
               "                 written while the script runs, which costs less, keeps memory\n"
               "                 flat and leaves a repairable file if the run is killed)\n"
               "  --dialect D    for json, v0 and v1: 0.14 (default; runtime_tracing 0.14.1,\n"
               "                 CodeTracer 25.x) or 0.19 (codetracer-trace-format 0.19, which\n"
               "                 the CodeTracer debugger of 2026 reads)\n"
               "  --trace-filter SPEC  a trace filter (docs/filters.md): files or built-in\n"
               "                 names joined by '::'; repeatable. The chain: the built-in\n"
               "                 default (redacts values named like secrets), then\n"
               "                 .codetracer/trace-filter.toml from the script's directory\n"
               "                 upward, then CODETRACER_TRACE_FILTER, then these\n"
               "  --no-default-filter  leave the built-in default out of the chain\n"
               "  -v             report what the recorder does on stderr\n");
}

static void say(const char *fmt, const char *a, const char *b)
{
    if (!G.verbose)
        return;
    fprintf(stderr, "ct-lua: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
}

static void on_warning(void *ctx, const char *message)
{
    (void)ctx;
    say("warning: %s%s", message, "");
}

static int mkdirs(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* ct-traces/<file name without .lua>. */
static char *default_outdir(const char *script)
{
    const char *base = strrchr(script, '/') ? strrchr(script, '/') + 1 : script;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".lua") == 0)
        n -= 4;
    char *dir = malloc(n + 12);
    if (dir)
        snprintf(dir, n + 12, "ct-traces/%.*s", (int)n, base);
    return dir;
}

/* The nearest .codetracer/trace-filter.toml from the script's directory
 * upward, or NULL. */
static char *project_filter(const char *script, const char *cwd)
{
    char dir[PATH_MAX];
    int n = script[0] == '/' ? snprintf(dir, sizeof dir, "%s", script)
                             : snprintf(dir, sizeof dir, "%s/%s", cwd, script);
    if (n < 0 || (size_t)n >= sizeof dir)
        return NULL;
    for (;;) {
        char *slash = strrchr(dir, '/');
        if (!slash)
            return NULL;
        *slash = '\0';
        char path[PATH_MAX + 40];
        snprintf(path, sizeof path, "%s/.codetracer/trace-filter.toml", dir);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            return strdup(path);
        if (slash == dir)
            return NULL;
    }
}

/* The filter chain, loaded before anything is written: the built-in
 * default, the project's file, CODETRACER_TRACE_FILTER, --trace-filter. */
static int load_filter(const char *script, const char *cwd)
{
    const char *specs[MAX_FILTER_SPECS + 3];
    size_t n = 0;
    if (!G.no_default_filter)
        specs[n++] = RT_FILTER_BUILTIN_DEFAULT;
    char *project = project_filter(script, cwd);
    if (project)
        specs[n++] = project;
    const char *env = getenv("CODETRACER_TRACE_FILTER");
    if (env && *env)
        specs[n++] = env;
    for (size_t i = 0; i < G.nfilter_specs; i++)
        specs[n++] = G.filter_specs[i];
    int rc = RT_OK;
    if (n) {
        char err[1024] = "";
        rt_filter_options fo = {NULL, err, sizeof err};
        rc = rt_filter_load(&G.filter, specs, n, &fo);
        if (rc)
            fprintf(stderr, "ct-lua: error: trace filter: %s\n", err[0] ? err : rt_strerror(rc));
        else if (G.verbose)
            for (size_t i = 0; i < rt_filter_file_count(G.filter); i++) {
                const rt_filter_file *ff = rt_filter_file_at(G.filter, i);
                fprintf(stderr, "ct-lua: trace filter %s (%s)\n", ff->name,
                        ff->path ? ff->path : "built-in");
            }
    }
    free(project);
    return rc;
}

/* Fails early, before the script runs, when the library cannot write the
 * format (RT_EUNSUPPORTED while a format is not implemented). */
static int probe_format(rt_format format, rt_dialect dialect)
{
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    o.format = format;
    o.dialect = dialect;
    o.mode = RT_MODE_STREAMING;
    rt_tracer *t = NULL;
    int rc = rt_tracer_new(&t, "probe", NULL, 0, &o);
    if (!rc && (rc = rt_begin_writing_trace_events(t, "/dev/null", format)))
        fprintf(stderr, "ct-lua: error: format %s: %s\n", rt_format_name(format),
                rt_tracer_errmsg(t));
    else if (rc)
        fprintf(stderr, "ct-lua: error: %s\n", rt_strerror(rc));
    rt_tracer_free(t);
    return rc;
}

static int cb_start(void *ctx, lua_State *L, const char *script)
{
    (void)ctx;
    int rc = ctl_recorder_start(G.r, L, script);
    if (rc)
        fprintf(stderr, "ct-lua: error: cannot start recording: %s\n", rt_tracer_errmsg(G.t));
    G.start_rc = rc;
    return rc;
}

static void cb_error(void *ctx, const char *msg)
{
    (void)ctx;
    ctl_recorder_error(G.r, msg);
}

static void cb_end(void *ctx, lua_State *L, const char *error)
{
    (void)ctx;
    ctl_recorder_stop(G.r, L, error);
}

/* Writes the trace directory once; called at the end of main or, when the
 * script calls os.exit, from the exit handler. */
static int finalize(void)
{
    if (G.finalized)
        return G.final_rc;
    G.finalized = true;
    ctl_recorder_stop(G.r, NULL, NULL);
    const char *msg;
    int rc = ctl_recorder_status(G.r, &msg);
    if (rc)
        fprintf(stderr, "ct-lua: error: recording failed: %s\n", msg);
    int wrc = rt_tracer_write_trace_dir(G.t, G.outdir, G.format);
    if (wrc)
        fprintf(stderr, "ct-lua: error: cannot write the trace to %s: %s\n", G.outdir,
                rt_tracer_errmsg(G.t));
    else if (G.verbose)
        fprintf(stderr, "ct-lua: wrote %llu events to %s (%s%s)\n",
                (unsigned long long)rt_tracer_event_count(G.t), G.outdir, rt_format_name(G.format),
                G.streaming ? ", streaming" : "");
    ctl_recorder_free(G.r);
    rt_tracer_free(G.t);
    rt_filter_free(G.filter);
    G.filter = NULL;
    G.r = NULL;
    G.t = NULL;
    G.final_rc = G.start_rc ? G.start_rc : rc ? rc : wrc;
    return G.final_rc;
}

static void at_exit(void)
{
    if (G.finalized || !G.t)
        return;
    if (finalize() != RT_OK) {
        fflush(NULL);
        _exit(EXIT_RECORDER);
    }
}

int main(int argc, char **argv)
{
    G.format = RT_FORMAT_CT;
    G.dialect = RT_DIALECT_0_14; /* of json, v0 and v1; a trace.ct is 0.19 */
    G.streaming = true;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
            G.outdir = argv[++i];
        } else if (strcmp(a, "-f") == 0 && i + 1 < argc) {
            if (rt_format_parse(argv[++i], &G.format) != RT_OK) {
                fprintf(stderr, "ct-lua: unknown format '%s' (json, v0, v1 or ct)\n", argv[i]);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--dialect") == 0 && i + 1 < argc) {
            if (rt_dialect_parse(argv[++i], &G.dialect) != RT_OK) {
                fprintf(stderr, "ct-lua: unknown dialect '%s' (0.14 or 0.19)\n", argv[i]);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--streaming") == 0) { /* the default; kept for scripts */
            G.streaming = true;
        } else if (strcmp(a, "--buffered") == 0) {
            G.streaming = false;
        } else if (strcmp(a, "--trace-filter") == 0 && i + 1 < argc) {
            if (G.nfilter_specs == MAX_FILTER_SPECS) {
                fprintf(stderr, "ct-lua: at most %d --trace-filter options\n", MAX_FILTER_SPECS);
                return EXIT_USAGE;
            }
            G.filter_specs[G.nfilter_specs++] = argv[++i];
        } else if (strncmp(a, "--trace-filter=", 15) == 0 && G.nfilter_specs < MAX_FILTER_SPECS) {
            G.filter_specs[G.nfilter_specs++] = a + 15;
        } else if (strcmp(a, "--no-default-filter") == 0) {
            G.no_default_filter = true;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            G.verbose = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("ct-lua (runtime_tracing %s, %s)\n", rt_version_string(), LUA_RELEASE);
            return 0;
        } else {
            fprintf(stderr, "ct-lua: unknown option '%s'\n", a);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *script = argv[i];
    char **args = argv + i + 1;
    int nargs = argc - i - 1;

    if (G.format == RT_FORMAT_CT) /* a trace.ct holds the 0.19 dialect, whatever was asked */
        G.dialect = RT_DIALECT_0_19;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
        fprintf(stderr, "ct-lua: error: cannot get the current directory: %s\n", strerror(errno));
        return EXIT_RECORDER;
    }
    /* A filter that does not load stops everything before the script runs
     * and before the trace directory exists. */
    if (load_filter(script, cwd))
        return EXIT_USAGE;
    if (probe_format(G.format, G.dialect))
        return EXIT_RECORDER;
    char *outdir_buf = NULL;
    if (!G.outdir && !(G.outdir = outdir_buf = default_outdir(script)))
        return EXIT_RECORDER;
    if (mkdirs(G.outdir) != 0) {
        fprintf(stderr, "ct-lua: error: cannot create %s: %s\n", G.outdir, strerror(errno));
        return EXIT_RECORDER;
    }

    rt_tracer_options opts;
    rt_tracer_options_init(&opts);
    opts.format = G.format;
    opts.mode = G.streaming ? RT_MODE_STREAMING : RT_MODE_BUFFERED;
    opts.dialect = G.dialect;
    opts.on_warning = on_warning;
    opts.filter = G.filter;
    int rc = rt_tracer_new(&G.t, script, (const char *const *)args, (size_t)nargs, &opts);
    if (rc) {
        fprintf(stderr, "ct-lua: error: %s\n", rt_strerror(rc));
        return EXIT_RECORDER;
    }
    if (G.streaming) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", G.outdir, rt_format_events_file(G.format));
        if ((rc = rt_begin_writing_trace_events(G.t, path, G.format))) {
            fprintf(stderr, "ct-lua: error: %s\n", rt_tracer_errmsg(G.t));
            rt_tracer_free(G.t);
            return EXIT_RECORDER;
        }
    }
    if (!(G.r = ctl_recorder_new(G.t, cwd, G.dialect))) {
        fprintf(stderr, "ct-lua: error: out of memory\n");
        rt_tracer_free(G.t);
        return EXIT_RECORDER;
    }
    say("recording %s into %s", script, G.outdir);
    atexit(at_exit);

    ctl_interp_callbacks cb = {cb_start, cb_error, cb_end, NULL};
    int status = ctl_interp_run("lua5.4", script, nargs, args, &cb, &G.L);
    rc = finalize();
    free(outdir_buf);
    return rc ? EXIT_RECORDER : status;
}
