#define _POSIX_C_SOURCE 200809L
/* redact: a trace filter applied to a trace already recorded. The events
 * go from a reader into a tracer that has the filter, one at a time
 * (rt_add_event), so the result is what recording with that filter gives;
 * memory stays bounded (the tracer streams). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "progress.h"

#define MAX_SPECS 32

static const char redact_help[] =
    "Usage: " CLI_NAME " redact [--trace-filter SPEC]... [--no-default-filter]\n"
    "                       [--to json|v0|v1|ct] [--dialect 0.14|0.19] IN OUT\n"
    "\n"
    "Applies trace filters (docs/filters.md) to a trace recorded without them, so\n"
    "that it can be shared: functions the filters skip leave no events of their\n"
    "own, values they redact read <redacted> (and their strings are masked in the\n"
    "copies of the sources), values they drop are left out. The events are those a\n"
    "recording with the same filters gives; the trace is read and written in\n"
    "bounded memory. IN is an events file (then OUT is one) or a trace directory\n"
    "(then OUT is a directory: its events file, trace_metadata.json with the\n"
    "filters and what they hid under trace_filter, trace_paths.json and files/\n"
    "from IN's files/). Modules are not in a trace: pkg: selectors see each\n"
    "function's module as the path gives it (rt_filter_module_from_path), and a\n"
    "recorder's globals are locals here; a definition first made inside skipped\n"
    "code is written where it is first used.\n"
    "\n"
    "  --trace-filter SPEC  filter files or built-in names joined by '::'; repeatable\n"
    "  --no-default-filter  leave out the built-in default, which comes first\n"
    "                       otherwise (it redacts values named like secrets)\n"
    "  --to FORMAT          the output format (default: IN's)\n"
    "  --dialect D          the output's spelling (default: IN's)\n"
    "  --quiet              no progress line\n"
    "\n"
    "Exit status: 0 when written, 1 when IN cannot be read, a filter does not load\n"
    "or OUT cannot be written (its events file is removed then), 2 on a usage error.\n";

typedef struct redact_args {
    const char *specs[MAX_SPECS + 1];
    size_t nspecs;
    bool no_default;
    bool quiet;
    const char *to, *dialect, *in, *out;
} redact_args;

/* --trace-filter may be given many times: parsed here. */
static int parse(int argc, char **argv, redact_args *a)
{
    memset(a, 0, sizeof *a);
    const char *pos[2];
    size_t npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **slot = NULL;
        if (cli_is_help(s))
            return -1;
        if (strcmp(s, "--no-default-filter") == 0) {
            a->no_default = true;
            continue;
        }
        if (strcmp(s, "--quiet") == 0) {
            a->quiet = true;
            continue;
        }
        if (strcmp(s, "--trace-filter") == 0 || strcmp(s, "--to") == 0 || strcmp(s, "--dialect") == 0) {
            if (!v)
                return cli_usage("redact", "%s needs a value", s);
            i++;
        } else if (strncmp(s, "--trace-filter=", 15) == 0 || strncmp(s, "--to=", 5) == 0 ||
                   strncmp(s, "--dialect=", 10) == 0) {
            v = strchr(s, '=') + 1;
        } else if (s[0] == '-' && s[1]) {
            return cli_usage("redact", "unknown option '%s'", s);
        } else {
            if (npos == 2)
                return cli_usage("redact", "unexpected argument '%s'", s);
            pos[npos++] = s;
            continue;
        }
        if (strncmp(s, "--trace-filter", 14) == 0) {
            if (a->nspecs == MAX_SPECS)
                return cli_usage("redact", "at most %d --trace-filter options", MAX_SPECS);
            a->specs[a->nspecs++] = v;
            continue;
        }
        slot = strncmp(s, "--to", 4) == 0 ? &a->to : &a->dialect;
        *slot = v;
    }
    if (npos < 2)
        return cli_usage("redact", "expected IN and OUT");
    a->in = pos[0];
    a->out = pos[1];
    return CLI_OK;
}

static rt_filter *load_filters(const redact_args *a)
{
    const char *specs[MAX_SPECS + 1];
    size_t n = 0;
    if (!a->no_default)
        specs[n++] = RT_FILTER_BUILTIN_DEFAULT;
    for (size_t i = 0; i < a->nspecs; i++)
        specs[n++] = a->specs[i];
    if (n == 0) {
        cli_usage("redact", "no filter: --no-default-filter needs a --trace-filter");
        return NULL;
    }
    char err[1024] = "";
    rt_filter_options fo = {NULL, err, sizeof err};
    rt_filter *f = NULL;
    int rc = rt_filter_load(&f, specs, n, &fo);
    if (rc)
        cli_error("trace filter: %s (%s)", err[0] ? err : rt_strerror(rc), rt_status_name(rc));
    return f;
}

/* The tracer the events go through: IN's program, args and workdir. */
static rt_tracer *new_tracer(const rt_metadata *md, bool have_md, rt_format format,
                             rt_dialect dialect, const rt_filter *f)
{
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    o.format = format;
    o.mode = RT_MODE_STREAMING;
    o.dialect = dialect;
    o.filter = f;
    rt_tracer *t = NULL;
    int rc = rt_tracer_new(&t, have_md ? md->program : "", have_md ? (const char *const *)md->args : NULL,
                           have_md ? md->nargs : 0, &o);
    if (!rc && have_md && md->workdir)
        rc = rt_tracer_set_workdir(t, md->workdir);
    if (!rc && have_md && md->recording_id)
        rt_tracer_set_recording_id(t, md->recording_id); /* a bad one: a new id */
    if (rc) {
        cli_error("cannot start: %s", t ? rt_tracer_errmsg(t) : rt_strerror(rc));
        rt_tracer_free(t);
        return NULL;
    }
    return t;
}

/* Every event of r through t; returns an exit status. */
static int copy_events(rt_reader *r, rt_tracer *t, cli_progress *pg)
{
    const rt_event *e;
    int rc;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
        cli_progress_event(pg);
        if ((rc = rt_add_event(t, e))) {
            cli_progress_end(pg);
            cli_error("event %llu: %s (%s)", (unsigned long long)(rt_reader_event_index(r) - 1),
                      rt_tracer_errmsg(t), rt_status_name(rc));
            return CLI_INVALID;
        }
    }
    cli_progress_end(pg);
    if (rc == RT_ETRUNCATED) {
        fprintf(stderr, CLI_NAME ": warning: %s; the %llu complete events before it were kept\n",
                rt_reader_errmsg(r), (unsigned long long)rt_reader_event_index(r));
    } else if (rc != RT_READ_END) {
        cli_read_error(r, rc);
        return CLI_INVALID;
    }
    return CLI_OK;
}

int cmd_redact(int argc, char **argv)
{
    redact_args a;
    int rc = parse(argc, argv, &a);
    if (rc < 0) {
        fputs(redact_help, stdout);
        return CLI_OK;
    }
    if (rc)
        return rc;
    if (!a.in || !a.out) /* (parse sets both; said for the analyzer) */
        return CLI_INVALID;
    bool dir = cli_is_dir(a.in);
    char *in = cli_events_path(a.in);
    if (!in)
        return CLI_INVALID;
    rt_dialect dialect;
    if ((rc = cli_output_dialect("redact", a.dialect, in, &dialect))) {
        free(in);
        return rc;
    }
    rt_reader *r = cli_open_reader(in, false);
    if (!r) {
        free(in);
        return CLI_INVALID;
    }
    rt_format format = rt_reader_format(r);
    if (a.to && rt_format_parse(a.to, &format) != RT_OK) {
        rt_reader_free(r);
        free(in);
        return cli_usage("redact", "unknown format '%s' (json, v0, v1 or ct)", a.to);
    }
    rt_filter *f = load_filters(&a);
    rt_metadata md;
    memset(&md, 0, sizeof md);
    bool have_md = f && cli_sibling_metadata(in, &md);
    rt_tracer *t = f ? new_tracer(&md, have_md, format, dialect, f) : NULL;
    int status = t ? CLI_OK : CLI_INVALID;
    char *events = NULL, *files = NULL;
    if (t && dir) {
        if (mkdir(a.out, 0755) != 0 && errno != EEXIST) {
            cli_error("%s: cannot create: %s", a.out, strerror(errno));
            status = CLI_INVALID;
        }
        events = cli_join(a.out, rt_format_events_file(format));
        char *in_dir = cli_strdup(in);
        *strrchr(in_dir, '/') = '\0'; /* cli_events_path gave DIR/trace.* */
        files = cli_join(in_dir, "files");
        free(in_dir);
        if (!status && cli_is_dir(files) && rt_tracer_set_sources_dir(t, files) != RT_OK)
            status = CLI_INVALID;
    } else if (t) {
        events = cli_strdup(a.out);
    }
    if (!status && rt_begin_writing_trace_events(t, events, format) != RT_OK) {
        cli_error("%s", rt_tracer_errmsg(t));
        status = CLI_INVALID;
    }
    if (!status) {
        cli_progress pg;
        cli_progress_begin(&pg, r, in, a.quiet, false);
        status = copy_events(r, t, &pg);
    }
    if (!status) {
        rc = dir ? rt_tracer_write_trace_dir(t, a.out, format) : rt_finish_writing_trace_events(t);
        if (rc) {
            cli_error("%s", rt_tracer_errmsg(t));
            status = CLI_INVALID;
        }
    }
    rt_tracer_free(t);
    if (status && events)
        remove(events);
    free(events);
    free(files);
    if (have_md)
        rt_metadata_clear(&md);
    rt_filter_free(f);
    rt_reader_free(r);
    free(in);
    return status;
}
