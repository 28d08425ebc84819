/* rt-bench: records the standard workload of BENCH.md (../shared/spec) and
 * reports speed, output size and peak memory. It uses only the public API,
 * the same calls a VM would make, so its figures are what an embedder gets.
 *
 *   rt-bench --calls N --format json|v0|v1|ct [--streaming] (--out PATH | --null)
 *            [--ids] [--phase] [--micro] [--zstd-level L]
 *            [--compress-thread | --no-compress-thread] [--dialect 0.14|0.19]
 *            [--micro-kind K] [--filter SPEC]
 *
 * The last line is machine-readable:
 *   RESULT format=F mode=M calls=N events=E seconds=S calls_per_s=X bytes=B
 *          bytes_per_event=Y peak_rss_kib=R
 * Exit status: 0 ok, 1 error, 2 usage, 77 format not supported by this build.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime_tracing.h"

#define N_PATHS 3
#define N_FUNCTIONS 50
#define N_VARIABLES 20
#define N_STRINGS 1000

/* Every name and string value of the workload, built before timing starts
 * (a VM has its names already; building them is not the tracer's work). */
typedef struct workload {
    const char *paths[N_PATHS];
    char functions[N_FUNCTIONS][32];
    char variables[N_VARIABLES][16];
    char strings[N_STRINGS][32];
    size_t string_len[N_STRINGS];
} workload;

static void workload_init(workload *w)
{
    w->paths[0] = "/home/user/project/src/main.rs";
    w->paths[1] = "/home/user/project/src/lib.rs";
    w->paths[2] = "/home/user/project/src/util.rs";
    for (int i = 0; i < N_FUNCTIONS; i++)
        snprintf(w->functions[i], sizeof w->functions[i], "module::function_%d", i);
    for (int i = 0; i < N_VARIABLES; i++)
        snprintf(w->variables[i], sizeof w->variables[i], "variable_%d", i);
    for (int i = 0; i < N_STRINGS; i++) {
        int n = snprintf(w->strings[i], sizeof w->strings[i], "string value #%d", i);
        w->string_len[i] = (size_t)n;
    }
}

/* Ids cached by the caller, as a VM caches them per code object: the --ids
 * form of the workload. A slot is filled by the same ensure_* call the string
 * form makes at that point, so both forms emit the same events. */
typedef struct id_cache {
    bool have_path[N_PATHS], have_function[N_FUNCTIONS], have_variable[N_VARIABLES];
    rt_path_id path[N_PATHS];
    rt_function_id function[N_FUNCTIONS];
    rt_variable_id variable[N_VARIABLES];
} id_cache;

static int step_at(rt_tracer *t, const workload *w, id_cache *c, unsigned p, rt_line line)
{
    if (!c)
        return rt_register_step(t, w->paths[p], line);
    if (!c->have_path[p]) {
        int rc = rt_ensure_path_id(t, w->paths[p], &c->path[p]);
        if (rc)
            return rc;
        c->have_path[p] = true;
    }
    return rt_register_step_id(t, c->path[p], line);
}

static int variable_id(rt_tracer *t, const workload *w, id_cache *c, unsigned v, rt_variable_id *out)
{
    if (!c->have_variable[v]) {
        int rc = rt_ensure_variable_id(t, w->variables[v], &c->variable[v]);
        if (rc)
            return rc;
        c->have_variable[v] = true;
    }
    *out = c->variable[v];
    return RT_OK;
}

static int arg(rt_tracer *t, const workload *w, id_cache *c, unsigned v, rt_value value,
               rt_full_value *out)
{
    if (!c)
        return rt_arg(t, w->variables[v], value, out);
    out->value = value;
    return variable_id(t, w, c, v, &out->variable_id);
}

static int variable_value(rt_tracer *t, const workload *w, id_cache *c, unsigned v, rt_value value)
{
    if (!c)
        return rt_register_variable_with_full_value(t, w->variables[v], value);
    rt_variable_id id;
    int rc = variable_id(t, w, c, v, &id);
    return rc ? rc : rt_register_full_value(t, id, value);
}

static int function_id(rt_tracer *t, const workload *w, id_cache *c, unsigned f, rt_function_id *out)
{
    if (c && c->have_function[f]) {
        *out = c->function[f];
        return RT_OK;
    }
    int rc = rt_ensure_function_id(t, w->functions[f], w->paths[f % N_PATHS],
                                   (rt_line)(10 * f + 1), out);
    if (!rc && c) {
        c->function[f] = *out;
        c->have_function[f] = true;
    }
    return rc;
}

/* The setup of BENCH.md after "begin writing events". */
static int workload_start(rt_tracer *t, const workload *w, rt_type_id *tint, rt_type_id *tstr)
{
    int rc;
    if ((rc = rt_start(t, w->paths[0], 1)) || (rc = rt_ensure_type_id(t, RT_TYPE_INT, "i64", tint)))
        return rc;
    return rt_ensure_type_id(t, RT_TYPE_STRING, "String", tstr);
}

/* One iteration g: 10 API calls, 13 events once the names are known. */
static int workload_iteration(rt_tracer *t, const workload *w, id_cache *c, uint64_t g,
                              rt_type_id tint, rt_type_id tstr)
{
    unsigned p = (unsigned)(g % N_PATHS);
#define LINE(k) ((rt_line)((7 * g + (k)) % 400 + 1))
    unsigned f = (unsigned)(13 * g % N_FUNCTIONS);
    unsigned fp = f % N_PATHS;
    int64_t gi = (int64_t)g;
    rt_function_id fid;
    rt_full_value args[2];
    int rc;
    if ((rc = step_at(t, w, c, p, LINE(0))) || (rc = step_at(t, w, c, p, LINE(1))) ||
        (rc = function_id(t, w, c, f, &fid)) ||
        (rc = arg(t, w, c, (unsigned)(g % N_VARIABLES), rt_value_int(gi, tint), &args[0])) ||
        (rc = arg(t, w, c, (unsigned)((g + 1) % N_VARIABLES), rt_value_int(-3 * gi, tint),
                  &args[1])) ||
        (rc = rt_register_call(t, fid, args, 2)) || (rc = step_at(t, w, c, fp, LINE(2))) ||
        (rc = step_at(t, w, c, fp, LINE(3))) ||
        (rc = variable_value(t, w, c, (unsigned)((3 * g + 2) % N_VARIABLES),
                             rt_value_int((int64_t)(g * 2654435761u), tint))) ||
        (rc = variable_value(t, w, c, (unsigned)((7 * g + 5) % N_VARIABLES),
                             rt_value_string_n(w->strings[g % N_STRINGS],
                                               w->string_len[g % N_STRINGS], tstr))) ||
        (rc = step_at(t, w, c, fp, LINE(4))) || (rc = step_at(t, w, c, p, LINE(5))))
        return rc;
#undef LINE
    return rt_register_return(t, rt_value_int(2 * gi, tint));
}

/* ---- timing, output accounting ------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the calling thread: the recording thread's own cost, without
 * the compression thread's (and without the time it waits for it). */
static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The bytes the writer hands on: written to fd (or dropped when fd < 0),
 * with the time spent in write(2). */
typedef struct sink {
    int fd;
    uint64_t bytes;
    uint64_t calls;
    double io_s;
} sink;

static long sink_write(void *ctx, const void *data, size_t len)
{
    sink *s = ctx;
    s->calls++;
    if (s->fd < 0) {
        s->bytes += len;
        return (long)len;
    }
    double t0 = now_s();
    ssize_t n = write(s->fd, data, len);
    s->io_s += now_s() - t0;
    if (n > 0)
        s->bytes += (uint64_t)n;
    return (long)n;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* ---- options ------------------------------------------------------------ */

typedef struct options {
    uint64_t calls;
    rt_format format;
    bool streaming;
    const char *out;
    bool null_sink;
    bool ids;
    bool phase;
    bool micro;
    const char *micro_kind; /* NULL: every kind */
    int compress_thread; /* -1: the library's default, 0 off, 1 on */
    int zstd_level;
    rt_dialect dialect;
    rt_filter *filter; /* --filter: recorded through it */
} options;

static void usage(void)
{
    fprintf(stderr,
            "usage: rt-bench --calls N --format json|v0|v1|ct [--streaming] (--out PATH | --null)\n"
            "                [--ids] [--phase] [--micro] [--zstd-level L]\n"
            "                [--compress-thread | --no-compress-thread] [--dialect 0.14|0.19]\n"
            "                [--micro-kind K] [--filter SPEC]\n"
            "  --streaming  events go to the file as they are recorded (default: buffered)\n"
            "  --null       discard the output (no file system in the measurement)\n"
            "  --ids        use the id forms (rt_register_step_id, rt_register_full_value)\n"
            "               with ids cached by the caller; same events\n"
            "  --phase      print the time spent recording, encoding and in write(2)\n"
            "  --micro      print ns per call for each API call kind (the recording\n"
            "               thread's CPU time, median of 5 rounds)\n"
            "  --micro-kind K  the same for kind K only (register_step, value_float, ...)\n"
            "  --compress-thread, --no-compress-thread  v1 and ct: compress on a second\n"
            "               thread, or in the recording thread (default: the library's,\n"
            "               a thread when the process may use two CPUs)\n"
            "  --dialect D  the spelling written (default 0.14; 0.19 writes floats as text)\n"
            "  --filter SPEC  record through a trace filter (docs/filters.md; e.g.\n"
            "               bench/filter-50.toml: 50 rules, none deciding the workload)\n");
}

static int parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->format = RT_FORMAT_JSON;
    o->compress_thread = -1;
    bool have_calls = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--calls") && v) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(v, &end, 10);
            if (errno || *end || !*v)
                return -1;
            o->calls = n;
            have_calls = true;
            i++;
        } else if (!strcmp(a, "--format") && v) {
            if (rt_format_parse(v, &o->format))
                return -1;
            i++;
        } else if (!strcmp(a, "--out") && v) {
            o->out = v;
            i++;
        } else if (!strcmp(a, "--dialect") && v) {
            if (rt_dialect_parse(v, &o->dialect))
                return -1;
            i++;
        } else if (!strcmp(a, "--filter") && v) {
            char err[512] = "";
            rt_filter_options fo = {NULL, err, sizeof err};
            const char *specs[] = {v};
            if (rt_filter_load(&o->filter, specs, 1, &fo)) {
                fprintf(stderr, "rt-bench: %s\n", err);
                return -1;
            }
            i++;
        } else if (!strcmp(a, "--zstd-level") && v) {
            o->zstd_level = atoi(v);
            i++;
        } else if (!strcmp(a, "--streaming")) {
            o->streaming = true;
        } else if (!strcmp(a, "--null")) {
            o->null_sink = true;
        } else if (!strcmp(a, "--ids")) {
            o->ids = true;
        } else if (!strcmp(a, "--phase")) {
            o->phase = true;
        } else if (!strcmp(a, "--micro")) {
            o->micro = true;
        } else if (!strcmp(a, "--micro-kind") && v) {
            o->micro = true;
            o->micro_kind = v;
            i++;
        } else if (!strcmp(a, "--compress-thread")) {
            o->compress_thread = 1;
        } else if (!strcmp(a, "--no-compress-thread")) {
            o->compress_thread = 0;
        } else {
            return -1;
        }
    }
    if (!have_calls || (!o->out && !o->null_sink))
        return -1;
    return 0;
}

static rt_tracer *new_tracer(const options *o, bool streaming, sink *s)
{
    rt_tracer_options to;
    rt_tracer_options_init(&to);
    to.format = o->format;
    to.mode = streaming ? RT_MODE_STREAMING : RT_MODE_BUFFERED;
    if (o->zstd_level)
        to.zstd_level = o->zstd_level;
    if (o->compress_thread >= 0)
        to.compress_thread = o->compress_thread;
    to.dialect = o->dialect;
    to.filter = o->filter;
    if (s) {
        to.write_fn = sink_write;
        to.write_ctx = s;
    }
    const char *args[] = {"--bench"};
    rt_tracer *t = NULL;
    int rc = rt_tracer_new(&t, "bench_program", args, 1, &to);
    if (rc) {
        fprintf(stderr, "rt-bench: rt_tracer_new: %s\n", rt_strerror(rc));
        return NULL;
    }
    return t;
}

static int fail(rt_tracer *t, const char *what, int rc)
{
    fprintf(stderr, "rt-bench: %s: %s (%s)\n", what, rt_tracer_errmsg(t), rt_status_name(rc));
    rt_tracer_free(t);
    return rc == RT_EUNSUPPORTED ? 77 : 1;
}

/* ---- per-call-kind microbenchmark --------------------------------------- */

enum micro_kind {
    M_STEP, M_STEP_ID, M_CALL2, M_VALUE_INT, M_VALUE_STRING, M_FULL_VALUE_ID, M_RETURN,
    M_ENSURE_FUNCTION, M_VALUE_FLOAT, M_REPEAT_VALUE, M_COUNT
};
static const char *const micro_names[M_COUNT] = {
    "register_step",        "register_step_id",   "register_call_2args",  "value_int",
    "value_string",         "full_value_id_int",  "register_return",      "ensure_function_id",
    "value_float",          "repeat_value"};

/* The floats of value_float: short and 17-digit decimals, large and small
 * magnitudes, a NaN and an infinity now and then (the dialects spell each
 * of these differently). */
static double bench_float(uint64_t i)
{
    switch (i % 8) {
    case 0:
        return (double)(i % 1000) / 4;               /* 12.25 */
    case 1:
        return (double)i * 0.1;                      /* 17 digits */
    case 2:
        return 1.0 / (double)(i + 1);                /* 0.0000xyz... */
    case 3:
        return (double)i * 1e15;                     /* 20+ digits, no exponent in 0.19 */
    case 4:
        return -(double)i / 3;
    case 5:
        return (double)(i % 100);                    /* "42" */
    case 6:
        return i % 64 == 6 ? INFINITY : (double)i * 2.5e-5;
    default:
        return i % 64 == 7 ? NAN : 3.14159;
    }
}

/* Times n calls of one kind on a tracer already past the setup (every name
 * known). Output is discarded; buffered mode keeps events in memory. */
static int micro_one(const options *o, const workload *w, enum micro_kind k, uint64_t n,
                     double *ns_per_call, double *wall_ns_per_call, double *events_per_call)
{
    sink s = {-1, 0, 0, 0};
    /* trace.ct is written in place: straight to /dev/null, not a sink */
    rt_tracer *t = new_tracer(o, o->streaming, o->format == RT_FORMAT_CT ? NULL : &s);
    if (!t)
        return 1;
    rt_type_id tint, tstr, tfloat;
    id_cache c;
    memset(&c, 0, sizeof c);
    int rc;
    if ((rc = rt_begin_writing_trace_events(t, "/dev/null", RT_FORMAT_DEFAULT)) ||
        (rc = workload_start(t, w, &tint, &tstr)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_FLOAT, "f64", &tfloat)))
        return fail(t, "setup", rc);
    for (uint64_t g = 0; g < 60 && !rc; g++)
        rc = workload_iteration(t, w, &c, g, tint, tstr);
    if (rc)
        return fail(t, "setup", rc);
    uint64_t before = rt_tracer_event_count(t);
    double t0 = now_s(), c0 = thread_cpu_s();
    /* i % N_PATHS, i % N_VARIABLES and i % 400 + 1 as counters: the loop's
     * own cost stays out of the figure. */
    unsigned p = 0, v = 0;
    rt_line line = 1;
    for (uint64_t i = 0; i < n && !rc; i++, p = p + 1 < N_PATHS ? p + 1 : 0,
                  v = v + 1 < N_VARIABLES ? v + 1 : 0, line = line < 400 ? line + 1 : 1) {
        switch (k) {
        case M_STEP:
            rc = rt_register_step(t, w->paths[p], line);
            break;
        case M_STEP_ID:
            rc = rt_register_step_id(t, c.path[p], line);
            break;
        case M_CALL2: {
            rt_full_value a[2];
            if (!(rc = rt_arg(t, w->variables[v], rt_value_int((int64_t)i, tint), &a[0])) &&
                !(rc = rt_arg(t, w->variables[(v + 1) % N_VARIABLES],
                              rt_value_int(-(int64_t)i, tint), &a[1])))
                rc = rt_register_call(t, c.function[i % N_FUNCTIONS], a, 2);
            break;
        }
        case M_VALUE_INT:
            rc = rt_register_variable_with_full_value(t, w->variables[v],
                                                      rt_value_int((int64_t)(i * 2654435761u), tint));
            break;
        case M_VALUE_STRING:
            rc = rt_register_variable_with_full_value(
                t, w->variables[v],
                rt_value_string_n(w->strings[i % N_STRINGS], w->string_len[i % N_STRINGS], tstr));
            break;
        case M_FULL_VALUE_ID:
            rc = rt_register_full_value(t, c.variable[v], rt_value_int((int64_t)i, tint));
            break;
        case M_RETURN:
            rc = rt_register_return(t, rt_value_int((int64_t)i, tint));
            break;
        case M_ENSURE_FUNCTION: {
            rt_function_id fid;
            unsigned f = (unsigned)(i % N_FUNCTIONS);
            rc = rt_ensure_function_id(t, w->functions[f], w->paths[f % N_PATHS],
                                       (rt_line)(10 * f + 1), &fid);
            break;
        }
        case M_VALUE_FLOAT:
            rc = rt_register_full_value(t, c.variable[v], rt_value_float(bench_float(i), tfloat));
            break;
        case M_REPEAT_VALUE: /* the value_int values, each unchanged since its last Value */
            rc = rt_register_repeat_value(t, c.variable[v]);
            if (rc == RT_REPEAT_MISS)
                rc = rt_register_full_value(t, c.variable[v],
                                            rt_value_int((int64_t)(v * 2654435761u), tint));
            break;
        case M_COUNT:
            break;
        }
    }
    double dc = thread_cpu_s() - c0, dt = now_s() - t0;
    if (rc)
        return fail(t, micro_names[k], rc);
    *events_per_call = (double)(rt_tracer_event_count(t) - before) / (double)n;
    *ns_per_call = dc * 1e9 / (double)n;
    *wall_ns_per_call = dt * 1e9 / (double)n;
    rt_tracer_free(t);
    return 0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define MICRO_ROUNDS 5

/* Each kind: five rounds of n calls; the median and the best round of the
 * recording thread's CPU time per call (ns_per_call, best_ns_per_call: the
 * thread's own cost, a compression thread's not included), and the median
 * wall-clock time per call (which includes waiting for that thread). */
static int run_micro(const options *o, const workload *w)
{
    uint64_t n = o->calls < 100000 ? 100000 : o->calls;
    if (n > 2000000)
        n = 2000000;
    for (int k = 0; k < M_COUNT; k++) {
        if (o->micro_kind && strcmp(o->micro_kind, micro_names[k]) != 0)
            continue;
        double ns[MICRO_ROUNDS], wall[MICRO_ROUNDS], ev = 0;
        for (int round = 0; round < MICRO_ROUNDS; round++) {
            int rc = micro_one(o, w, (enum micro_kind)k, n, &ns[round], &wall[round], &ev);
            if (rc)
                return rc;
        }
        qsort(ns, MICRO_ROUNDS, sizeof *ns, compare_doubles);
        qsort(wall, MICRO_ROUNDS, sizeof *wall, compare_doubles);
        printf("MICRO format=%s mode=%s kind=%s ns_per_call=%.1f best_ns_per_call=%.1f "
               "wall_ns_per_call=%.1f events_per_call=%.2f\n",
               rt_format_name(o->format), o->streaming ? "streaming" : "buffered",
               micro_names[k], ns[MICRO_ROUNDS / 2], ns[0], wall[MICRO_ROUNDS / 2], ev);
    }
    return 0;
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o)) {
        usage();
        return 2;
    }
    static workload w;
    workload_init(&w);
    id_cache cache;
    memset(&cache, 0, sizeof cache);

    /* With --phase or --null the writer's bytes go through sink_write, which
     * times write(2); otherwise the library writes to its own fd. */
    sink s = {-1, 0, 0, 0};
    /* trace.ct is written in place (pwrite), which a sink cannot take: its
     * --null is /dev/null and its --phase has no I/O split (io_s 0). */
    bool use_sink = (o.null_sink || o.phase) && o.format != RT_FORMAT_CT;
    if (o.format == RT_FORMAT_CT && o.null_sink)
        o.out = "/dev/null";
    /* With a sink the library's own file receives nothing: /dev/null, so
     * that closing it costs nothing (ext4 flushes a file truncated by a
     * second open when it is closed). */
    const char *events_path = use_sink ? "/dev/null" : o.out;
    if (use_sink && !o.null_sink) {
        s.fd = open(o.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (s.fd < 0) {
            fprintf(stderr, "rt-bench: %s: %s\n", o.out, strerror(errno));
            return 1;
        }
    }

    double t0 = now_s();
    rt_tracer *t = new_tracer(&o, o.streaming, use_sink ? &s : NULL);
    if (!t)
        return 1;
    rt_type_id tint = 0, tstr = 0;
    int rc;
    if ((rc = rt_begin_writing_trace_events(t, events_path, RT_FORMAT_DEFAULT)))
        return fail(t, "begin_writing_trace_events", rc);
    if ((rc = workload_start(t, &w, &tint, &tstr)))
        return fail(t, "start", rc);
    for (uint64_t g = 0; 10 * g < o.calls; g++)
        if ((rc = workload_iteration(t, &w, o.ids ? &cache : NULL, g, tint, tstr)))
            return fail(t, "recording", rc);
    double t1 = now_s();
    uint64_t events = rt_tracer_event_count(t);
    if ((rc = rt_finish_writing_trace_events(t)))
        return fail(t, "finish_writing_trace_events", rc);
    double t2 = now_s();
    rt_tracer_free(t);
    double t3 = now_s();
    long rss = peak_rss_kib();

    uint64_t bytes = s.bytes;
    if (!use_sink) {
        struct stat st;
        bytes = stat(o.out, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    }
    if (s.fd >= 0)
        close(s.fd);

    const char *mode = o.streaming ? "streaming" : "buffered";
    double seconds = t3 - t0;
    if (o.phase) {
        /* Buffered: recording = the API calls, encoding = finish minus I/O.
         * Streaming: the API calls record and encode; I/O is split out. */
        double io = s.io_s;
        printf("PHASE format=%s mode=%s record_s=%.4f finish_s=%.4f free_s=%.4f io_s=%.4f "
               "cpu_s=%.4f write_calls=%" PRIu64 "\n",
               rt_format_name(o.format), mode, t1 - t0, t2 - t1, t3 - t2, io, seconds - io,
               s.calls);
    }
    if (o.micro && (rc = run_micro(&o, &w)))
        return rc;
    printf("RESULT format=%s mode=%s calls=%" PRIu64 " events=%" PRIu64
           " seconds=%.4f calls_per_s=%.0f bytes=%" PRIu64 " bytes_per_event=%.2f"
           " peak_rss_kib=%ld\n",
           rt_format_name(o.format), mode, o.calls, events, seconds,
           seconds > 0 ? (double)o.calls / seconds : 0.0, bytes,
           events ? (double)bytes / (double)events : 0.0, rss);
    return 0;
}
