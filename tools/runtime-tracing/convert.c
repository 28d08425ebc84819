/* convert, cat and format-trace: events read with rt_reader, written with
 * rt_writer. Nothing here depends on the input format. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"

#define DIALECT_HELP                                                                        \
    "\n"                                                                                    \
    "  --dialect 0.14|0.19  the spelling to write: 0.14 (runtime_tracing 0.14.1,\n"         \
    "             CodeTracer 25.x) or 0.19 (codetracer-trace-format 0.19, the CodeTracer\n" \
    "             debugger of 2026: floats as text, Char values). Default: the input's,\n"  \
    "             found by a first pass over IN that stops at the first float (0.19\n"     \
    "             when written as text, 0.14 as a number or null), Char or RValue\n"       \
    "             beyond Simple/Compound (0.19). An IN with none of them (or only v0\n"  \
    "             floats) is read to its end first, and written in 0.14: its JSON and\n"  \
    "             v1 events are then the same bytes in both dialects\n"

static const char convert_help[] =
    "Usage: " CLI_NAME " convert IN OUT [--to json|v0|v1|ct] [--dialect 0.14|0.19] [--force]\n"
    "\n"
    "Reads the events file IN (any format: trace.json, trace.bin v0 or v1, trace.ct;\n"
    "or a trace directory, meaning its events file) and writes its events to OUT.\n"
    "The output format is --to, else OUT's extension: .json is JSON, .bin is v1,\n"
    ".ct is ct (always the 0.19 dialect; its meta.dat takes program, args, workdir\n"
    "and recording id from the trace_metadata.json beside IN, when there is one,\n"
    "else from IN's own meta.dat when IN is a trace.ct).\n"
    "Converting to json, v0 or v1 keeps every event as it is. Converting to ct\n"
    "makes a file the CodeTracer debugger of 2026 opens: each DropLastStep is\n"
    "applied (the Step it cancels and the Values after that Step are left out,\n"
    "and so is the DropLastStep), and content that debugger fails on (a Return\n"
    "with no Call open, a CompoundValue that is not a Sequence, an\n"
    "AssignCompoundItem into a place no CompoundValue gave, a VariableCell\n"
    "outside a call) is refused: the first such event is named, with what to\n"
    "do, and nothing is written.\n"
    "  --force    write the events to ct exactly as they are (DropLastStep and all)\n"
    "OUT is written under a temporary name and renamed when complete: on failure\n"
    "an existing OUT is left as it was. A progress line shows on stderr when it\n"
    "is a terminal (--quiet: never).\n"
    DIALECT_HELP;

static const char cat_help[] =
    "Usage: " CLI_NAME " cat [--follow] [--dialect 0.14|0.19] IN\n"
    "\n"
    "Prints the events of IN (an events file of any format, or a trace directory)\n"
    "as compact JSON, exactly the text trace.json would hold, then a newline.\n"
    "A truncated file (a recording that was killed) prints its complete events,\n"
    "with a warning on stderr, and exits 0.\n"
    "\n"
    "  --follow   keep reading as another process appends events (JSON and v1),\n"
    "             until the writer finishes the file\n"
    "  --quiet    no progress line (shown on stderr when it is a terminal and\n"
    "             the output is not)\n"
    DIALECT_HELP;

static const char format_help[] =
    "Usage: " CLI_NAME " format-trace IN OUT [--dialect 0.14|0.19]\n"
    "\n"
    "Writes the events of IN as a JSON array with one compact event per line\n"
    "(\"[\", then the events separated by \",\" and a newline, then \"]\").\n"
    "OUT '-' is standard output. --quiet: no progress line on a terminal.\n"
    DIALECT_HELP;

/* Copies every event of r to w. A truncated input keeps its complete
 * events, with a warning. In follow mode, waits for more events until the
 * writer finishes the file. With check, the first event the debugger
 * cannot load stops the copy. Returns an exit status (messages printed). */
static int copy_events(rt_reader *r, rt_writer *w, const char *out_name, bool follow,
                       rt_load_check *check, cli_progress *pg)
{
    const rt_event *e;
    int rc;
    for (;;) {
        cli_progress_event(pg);
        rc = rt_reader_next(r, &e);
        if (rc == RT_READ_PENDING && follow) {
            /* Show what arrived so far, then wait for more. */
            if (rt_writer_flush(w) != RT_OK)
                break;
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (rc != RT_READ_EVENT)
            break;
        int crc = check ? rt_load_check_event(check, e) : RT_OK;
        if (crc) {
            cli_progress_end(pg);
            cli_error("event %llu (%s): %s: the CodeTracer debugger would not load it, so "
                      "%s is not written (--force writes the events as they are)",
                      (unsigned long long)(rt_reader_event_index(r) - 1),
                      rt_event_kind_name(e->kind), rt_load_check_errmsg(check), out_name);
            return CLI_INVALID;
        }
        int wrc = rt_writer_write(w, e);
        if (wrc)
            cli_progress_end(pg);
        if (wrc) {
            cli_error("%s: event %llu cannot be written: %s (%s)", out_name,
                      (unsigned long long)(rt_reader_event_index(r) - 1), rt_writer_errmsg(w),
                      rt_status_name(wrc));
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
    if ((rc = rt_writer_finish(w))) {
        cli_error("%s: %s (%s)", out_name, rt_writer_errmsg(w), rt_status_name(rc));
        return CLI_INVALID;
    }
    return CLI_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* OUT's temporary name beside it (a new file renamed over OUT when
 * complete), or NULL to write OUT itself (a device, a pipe). */
static char *temporary_name(const char *out)
{
    struct stat st;
    if (stat(out, &st) == 0 && !S_ISREG(st.st_mode))
        return NULL;
    size_t n = strlen(out) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        cli_error("out of memory");
        exit(CLI_INVALID);
    }
    snprintf(tmp, n, "%s.tmp-%ld", out, (long)getpid());
    return tmp;
}

int cmd_convert(int argc, char **argv)
{
    bool quiet = cli_take_flag(&argc, argv, "--quiet");
    bool force = cli_take_flag(&argc, argv, "--force");
    static const char *const opts[] = {"--to", "--dialect"};
    const char *vals[2], *pos[2];
    size_t npos;
    int rc = cli_parse(argc, argv, opts, vals, 2, pos, 2, &npos);
    if (rc < 0) {
        fputs(convert_help, stdout);
        return CLI_OK;
    }
    if (rc)
        return rc;
    if (npos < 2)
        return cli_usage("convert", "expected IN and OUT");
    rt_format fmt;
    if (vals[0]) {
        if (rt_format_parse(vals[0], &fmt) != RT_OK)
            return cli_usage("convert", "unknown format '%s' (json, v0, v1 or ct)", vals[0]);
    } else if (ends_with(pos[1], ".json")) {
        fmt = RT_FORMAT_JSON;
    } else if (ends_with(pos[1], ".bin")) {
        fmt = RT_FORMAT_V1;
    } else if (ends_with(pos[1], ".ct")) {
        fmt = RT_FORMAT_CT;
    } else {
        return cli_usage("convert", "cannot tell the format from '%s': use --to json|v0|v1|ct",
                         pos[1]);
    }
    char *in = cli_events_path(pos[0]);
    if (!in)
        return CLI_INVALID;
    if (same_file(in, pos[1])) {
        free(in);
        return cli_usage("convert", "IN and OUT are the same file");
    }
    rt_dialect dialect;
    if ((rc = cli_output_dialect("convert", vals[1], in, &dialect))) {
        free(in);
        return rc;
    }
    rt_reader *r = cli_open_reader(in, false);
    cli_progress pg;
    cli_progress_begin(&pg, r, in, quiet, false);
    rt_metadata md = {0};
    bool have_md = fmt == RT_FORMAT_CT && cli_sibling_metadata(in, &md);
    free(in);
    if (!r)
        return CLI_INVALID;
    rt_writer_options wo;
    rt_writer_options_init(&wo, fmt);
    if (have_md)
        wo.metadata = &md;
    wo.dialect = dialect;
    if (force)
        wo.cancel_steps = false;
    char err[512] = "";
    wo.errbuf = err;
    wo.errbuf_len = sizeof err;
    rt_load_check *check = NULL;
    if (fmt == RT_FORMAT_CT && !force &&
        rt_load_check_new(&check, RT_LOAD_CHECK_CANCELS_STEPS, NULL) != RT_OK) {
        cli_error("out of memory");
        exit(CLI_INVALID);
    }
    char *tmp = temporary_name(pos[1]);
    const char *target = tmp ? tmp : pos[1];
    rt_writer *w;
    int status = CLI_INVALID;
    if ((rc = rt_writer_open(&w, target, &wo))) {
        cli_error("%s (%s)", err, rt_status_name(rc));
    } else {
        status = copy_events(r, w, pos[1], false, check, &pg);
        rt_writer_free(w);
        if (status == CLI_OK && tmp && rename(tmp, pos[1]) != 0) {
            cli_error("%s: %s", pos[1], strerror(errno));
            status = CLI_INVALID;
        }
        if (status != CLI_OK)
            unlink(target);
    }
    free(tmp);
    rt_load_check_free(check);
    rt_reader_free(r);
    rt_metadata_clear(&md);
    return status;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int cmd_cat(int argc, char **argv)
{
    const char *pos[1];
    size_t npos;
    bool follow = cli_take_flag(&argc, argv, "--follow");
    bool quiet = cli_take_flag(&argc, argv, "--quiet");
    static const char *const opts[] = {"--dialect"};
    const char *vals[1];
    int rc = cli_parse(argc, argv, opts, vals, 1, pos, 1, &npos);
    if (rc < 0) {
        fputs(cat_help, stdout);
        return CLI_OK;
    }
    if (rc)
        return rc;
    if (npos < 1)
        return cli_usage("cat", "expected IN");
    char *in = follow ? cli_strdup(pos[0]) : cli_events_path(pos[0]);
    if (!in)
        return CLI_INVALID;
    /* Following a recording that has not created its file yet: wait. */
    for (int i = 0; follow && !cli_is_file(in) && i < 600; i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    rt_dialect dialect;
    if ((rc = cli_output_dialect("cat", vals[0], in, &dialect))) {
        free(in);
        return rc;
    }
    rt_reader *r = cli_open_reader(in, follow);
    cli_progress pg; /* not while following: there is no end to count to */
    cli_progress_begin(&pg, r, in, quiet || follow, true);
    free(in);
    if (!r)
        return CLI_INVALID;
    fflush(stdout);
    rt_writer_options wo;
    rt_writer_options_init(&wo, RT_FORMAT_JSON);
    wo.dialect = dialect;
    char err[512] = "";
    wo.errbuf = err;
    wo.errbuf_len = sizeof err;
    rt_writer *w;
    if ((rc = rt_writer_open_fd(&w, STDOUT_FILENO, &wo))) {
        cli_error("standard output: %s (%s)", err, rt_status_name(rc));
        rt_reader_free(r);
        return CLI_INVALID;
    }
    int status = copy_events(r, w, "standard output", follow, NULL, &pg);
    rt_writer_free(w);
    rt_reader_free(r);
    if (status == CLI_OK && write_all(STDOUT_FILENO, "\n", 1) != 0) {
        cli_error("standard output: %s", strerror(errno));
        status = CLI_INVALID;
    }
    return status;
}

/* A write function that puts each top-level array element on its own
 * line: it follows the compact JSON of the writer, strings included. */
typedef struct line_filter {
    int fd;
    int depth;
    bool in_str, esc, any;
} line_filter;

static long filter_write(void *ctx, const void *data, size_t len)
{
    line_filter *f = ctx;
    const char *s = data;
    char out[8192];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (n + 3 > sizeof out) {
            if (write_all(f->fd, out, n))
                return -1;
            n = 0;
        }
        if (f->in_str) {
            if (f->esc)
                f->esc = false;
            else if (ch == '\\')
                f->esc = true;
            else if (ch == '"')
                f->in_str = false;
        } else if (ch == '"') {
            f->in_str = true;
        } else if (ch == '[' || ch == '{') {
            if (f->depth++ == 0) {
                out[n++] = ch;
                out[n++] = '\n';
                continue;
            }
        } else if (ch == ']' || ch == '}') {
            if (--f->depth == 0 && f->any)
                out[n++] = '\n';
        } else if (ch == ',' && f->depth == 1) {
            out[n++] = ',';
            out[n++] = '\n';
            continue;
        }
        if (f->depth >= 1)
            f->any = true;
        out[n++] = ch;
    }
    if (n && write_all(f->fd, out, n))
        return -1;
    return (long)len;
}

int cmd_format_trace(int argc, char **argv)
{
    bool quiet = cli_take_flag(&argc, argv, "--quiet");
    static const char *const opts[] = {"--dialect"};
    const char *vals[1], *pos[2];
    size_t npos;
    int rc = cli_parse(argc, argv, opts, vals, 1, pos, 2, &npos);
    if (rc < 0) {
        fputs(format_help, stdout);
        return CLI_OK;
    }
    if (rc)
        return rc;
    if (npos < 2)
        return cli_usage("format-trace", "expected IN and OUT");
    bool to_stdout = strcmp(pos[1], "-") == 0;
    char *in = cli_events_path(pos[0]);
    if (!in)
        return CLI_INVALID;
    if (!to_stdout && same_file(in, pos[1])) {
        free(in);
        return cli_usage("format-trace", "IN and OUT are the same file");
    }
    rt_dialect dialect;
    if ((rc = cli_output_dialect("format-trace", vals[0], in, &dialect))) {
        free(in);
        return rc;
    }
    rt_reader *r = cli_open_reader(in, false);
    cli_progress pg;
    cli_progress_begin(&pg, r, in, quiet, to_stdout);
    free(in);
    if (!r)
        return CLI_INVALID;
    const char *out_name = to_stdout ? "standard output" : pos[1];
    int fd = STDOUT_FILENO;
    if (!to_stdout) {
        fd = open(pos[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            cli_error("%s: cannot write: %s", pos[1], strerror(errno));
            rt_reader_free(r);
            return CLI_INVALID;
        }
    } else {
        fflush(stdout);
    }
    line_filter f = {fd, 0, false, false, false};
    rt_writer_options wo;
    rt_writer_options_init(&wo, RT_FORMAT_JSON);
    wo.dialect = dialect;
    wo.write_fn = filter_write;
    wo.write_ctx = &f;
    char err[512] = "";
    wo.errbuf = err;
    wo.errbuf_len = sizeof err;
    rt_writer *w;
    int status;
    if ((rc = rt_writer_open_fd(&w, fd, &wo))) {
        cli_error("%s: %s (%s)", out_name, err, rt_status_name(rc));
        status = CLI_INVALID;
    } else {
        status = copy_events(r, w, out_name, false, NULL, &pg);
        rt_writer_free(w);
        if (status == CLI_OK && write_all(fd, "\n", 1) != 0) {
            cli_error("%s: %s", out_name, strerror(errno));
            status = CLI_INVALID;
        }
    }
    rt_reader_free(r);
    if (!to_stdout) {
        if (close(fd) != 0 && status == CLI_OK) {
            cli_error("%s: %s", out_name, strerror(errno));
            status = CLI_INVALID;
        }
        if (status != CLI_OK)
            unlink(pos[1]);
    }
    return status;
}
