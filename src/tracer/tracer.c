/* The tracer's life cycle, event storage and events file. The recording
 * helpers themselves are in record.c. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cpus.h"
#include "common/dialect.h"
#include "common/utf8.h"
#include "common/uuid.h"
#include "model/model.h"
#include "sink/writer_internal.h"
#include "tracer/tracer_internal.h"

/* The coarse clock costs a few ns (vDSO, no fence), so the time policy can
 * be checked every 16 events; its few-ms resolution is plenty here. */
static void flush_clock(struct timespec *ts)
{
#ifdef CLOCK_MONOTONIC_COARSE
    clock_gettime(CLOCK_MONOTONIC_COARSE, ts);
#else
    clock_gettime(CLOCK_MONOTONIC, ts);
#endif
}

void rt_tracer_options_init(rt_tracer_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof *opts);
    opts->format = RT_FORMAT_JSON;
    opts->mode = RT_MODE_BUFFERED;
    opts->zstd_level = 0; /* the format's own */
    opts->frame_size = 2u << 20;
    opts->flush_every_events = 65536;
    opts->flush_every_ms = 1000;
    opts->compress_thread = rt_cpu_count() >= 2;
}

static char *dup_checked(rt_tracer *t, const char *s, const char *what, int *rc)
{
    size_t n = strlen(s);
    if (!rt_utf8_valid(s, n)) {
        *rc = rt_err_set(&t->err, RT_EUTF8, "%s: invalid UTF-8", what);
        return NULL;
    }
    char *p = rt_strndup(t->alloc, s, n);
    if (!p)
        *rc = rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    return p;
}

/* The current directory, as UTF-8: each byte of it that is not part of a
 * valid sequence becomes U+FFFD (as ct-lua spells such paths). The workdir
 * goes to trace_metadata.json and to trace.ct's meta.dat, and the debugger
 * refuses a meta.dat with a string that is not UTF-8 (CTFS.md 4.2). */
static char *current_dir(const rt_allocator *a)
{
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof buf))
        return rt_strndup(a, "", 0);
    size_t n = strlen(buf);
    if (rt_utf8_valid(buf, n))
        return rt_strndup(a, buf, n);
    char *clean = rt_malloc(a, n * 3); /* off the stack: a VM thread's may be small */
    if (!clean)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)buf[i];
        size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        uint32_t ch;
        if (i + k <= n && rt_utf8_decode_one(buf + i, k, &ch)) {
            memcpy(clean + o, buf + i, k);
            o += k;
            i += k;
        } else {
            memcpy(clean + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    char *dir = rt_strndup(a, clean, o);
    rt_free(a, clean, n * 3);
    return dir;
}

int rt_tracer_new(rt_tracer **out, const char *program, const char *const *args, size_t nargs,
                  const rt_tracer_options *opts)
{
    if (!out)
        return RT_EINVAL;
    *out = NULL;
    if (!program || (nargs && !args))
        return RT_EINVAL;
    for (size_t i = 0; i < nargs; i++)
        if (!args[i])
            return RT_EINVAL;
    rt_tracer_options o;
    if (opts)
        o = *opts;
    else
        rt_tracer_options_init(&o);
    if ((unsigned)o.format > RT_FORMAT_CT || (unsigned)o.mode > RT_MODE_STREAMING)
        return RT_EINVAL;
    if (o.dialect == RT_DIALECT_DEFAULT)
        o.dialect = RT_DIALECT_0_14;
    if ((unsigned)o.dialect > RT_DIALECT_0_19)
        return RT_EINVAL;
    const rt_allocator *a = rt_alloc_or_default(o.allocator);
    rt_tracer *t = rt_malloc(a, sizeof *t);
    if (!t)
        return RT_ENOMEM;
    memset(t, 0, sizeof *t);
    t->opts = o;
    t->alloc_copy = *a;
    t->alloc = &t->alloc_copy;
    t->opts.allocator = t->alloc;
    rt_err_clear(&t->err);
    rt_intern_init(&t->path_spellings, t->alloc);
    rt_intern_init(&t->path_components, t->alloc);
    rt_intern_init(&t->functions, t->alloc);
    rt_intern_init(&t->types, t->alloc);
    rt_intern_init(&t->variables, t->alloc);
    rt_buf_init(&t->path_list, t->alloc);
    rt_buf_init(&t->function_info, t->alloc);
    rt_buf_init(&t->variable_names, t->alloc);
    rt_buf_init(&t->scratch, t->alloc);
    rt_pack_init(&t->stored, t->alloc);
    rt_arena_init(&t->scratch_arrays, t->alloc, 4096);
    rt_arena_init(&t->unpacked_arrays, t->alloc, 64 * 1024);
    rt_pack_cursor_init(&t->unpack_at, &t->stored);
    t->events_format = o.format;

    int rc = RT_OK;
    t->program = dup_checked(t, program, "program name", &rc);
    if (!rc && nargs) {
        t->args = rt_malloc(t->alloc, nargs * sizeof *t->args);
        if (!t->args)
            rc = RT_ENOMEM;
        else
            memset(t->args, 0, nargs * sizeof *t->args);
    }
    for (size_t i = 0; !rc && i < nargs; i++) {
        t->args[i] = dup_checked(t, args[i], "program argument", &rc);
        t->nargs = i + 1;
    }
    if (!rc && !(t->workdir = current_dir(t->alloc)))
        rc = RT_ENOMEM;
    if (!rc && o.filter)
        rc = rt_tracer_filter_init(t, o.filter);
    if (rc) {
        rt_tracer_free(t);
        return rc;
    }
    flush_clock(&t->last_flush);
    *out = t;
    return RT_OK;
}

static void free_str(rt_tracer *t, char **s)
{
    if (*s)
        rt_free(t->alloc, *s, strlen(*s) + 1);
    *s = NULL;
}

static void drop_stored_events(rt_tracer *t)
{
    for (size_t i = 0; i < t->nchunks; i++)
        rt_free(t->alloc, t->chunks[i], RT_EVENT_CHUNK * sizeof(rt_event));
    rt_free(t->alloc, t->chunks, t->chunks_cap * sizeof(rt_event *));
    t->chunks = NULL;
    t->nchunks = t->chunks_cap = 0;
    t->unpacked = 0;
    rt_arena_free(&t->unpacked_arrays);
    rt_arena_free(&t->scratch_arrays);
    rt_pack_free(&t->stored);
    rt_pack_cursor_init(&t->unpack_at, &t->stored);
}

void rt_tracer_free(rt_tracer *t)
{
    if (!t)
        return;
    if (t->writer)
        rt_finish_writing_trace_events(t);
    drop_stored_events(t);
    rt_intern_free(&t->path_spellings);
    rt_intern_free(&t->path_components);
    rt_intern_free(&t->functions);
    rt_intern_free(&t->types);
    rt_intern_free(&t->variables);
    rt_buf_free(&t->path_list);
    rt_buf_free(&t->function_info);
    rt_buf_free(&t->variable_names);
    rt_buf_free(&t->scratch);
    rt_free(t->alloc, t->value_stamps, t->nvalue_stamps * sizeof *t->value_stamps);
    rt_tracer_filter_free(t);
    free_str(t, &t->program);
    for (size_t i = 0; i < t->nargs; i++)
        free_str(t, &t->args[i]);
    if (t->args)
        rt_free(t->alloc, t->args, t->nargs * sizeof *t->args);
    free_str(t, &t->workdir);
    free_str(t, &t->events_path);
    free_str(t, &t->metadata_path);
    free_str(t, &t->paths_path);
    free_str(t, &t->sources_dir);
    rt_allocator a = t->alloc_copy;
    rt_free(&a, t, sizeof *t);
}

const char *rt_tracer_errmsg(const rt_tracer *t)
{
    return t ? t->err.msg : "NULL tracer";
}

int rt_tracer_errcode(const rt_tracer *t)
{
    return t ? t->err.code : RT_EINVAL;
}

int rt_tracer_set_workdir(rt_tracer *t, const char *workdir)
{
    if (!t)
        return RT_EINVAL;
    if (!workdir)
        return rt_err_set(&t->err, RT_EINVAL, "set_workdir: NULL workdir");
    int rc = RT_OK;
    char *w = dup_checked(t, workdir, "workdir", &rc);
    if (!w)
        return rc;
    free_str(t, &t->workdir);
    t->workdir = w;
    return RT_OK;
}

int rt_tracer_set_recording_id(rt_tracer *t, const char *id)
{
    if (!t)
        return RT_EINVAL;
    if (!id || !rt_uuid7_is_canonical(id, strlen(id)))
        return rt_err_set(&t->err, RT_EINVAL,
                          "set_recording_id: not a lowercase hyphenated UUIDv7: \"%.40s\"",
                          id ? id : "(null)");
    memcpy(t->recording_id, id, RT_UUID_LEN + 1);
    return RT_OK;
}

const char *rt_tracer_recording_id(rt_tracer *t)
{
    if (!t)
        return NULL;
    if (!t->recording_id[0])
        rt_uuid7_new(t->recording_id);
    return t->recording_id;
}

/* trace_metadata.json in the tracer's dialect; beside a trace.ct (always
 * 0.19) with the recording id its meta.dat holds; with a filter, what it
 * was and hid (trace_filter). */
static int write_metadata(rt_tracer *t, const char *path, rt_format format)
{
    const char *id = rt_dialect_get(t->opts.dialect)->metadata_recording_id ||
                             format == RT_FORMAT_CT
                         ? rt_tracer_recording_id(t)
                         : NULL;
    return rt_tracedir_write_metadata(path, id, t->workdir, t->program, t->args, t->nargs,
                                      t->filt ? t->filt->filter : NULL,
                                      t->filt ? &t->filt->stats : NULL, t->alloc, &t->err);
}

const char *rt_tracer_workdir(const rt_tracer *t)
{
    return t ? t->workdir : NULL;
}

rt_format rt_tracer_format(const rt_tracer *t)
{
    return t ? t->opts.format : RT_FORMAT_JSON;
}

uint64_t rt_tracer_event_count(const rt_tracer *t)
{
    return t ? t->recorded : 0;
}

/* A slot for the next unpacked event. */
static rt_event *unpack_slot(rt_tracer *t)
{
    size_t chunk = (size_t)(t->unpacked >> RT_EVENT_CHUNK_BITS);
    if (chunk == t->nchunks) {
        if (t->nchunks == t->chunks_cap) {
            size_t cap = t->chunks_cap ? t->chunks_cap * 2 : 16;
            rt_event **c = rt_realloc(t->alloc, t->chunks, t->chunks_cap * sizeof(rt_event *),
                                      cap * sizeof(rt_event *));
            if (!c)
                return NULL;
            t->chunks = c;
            t->chunks_cap = cap;
        }
        rt_event *block = rt_malloc(t->alloc, RT_EVENT_CHUNK * sizeof *block);
        if (!block)
            return NULL;
        t->chunks[t->nchunks++] = block;
    }
    return &t->chunks[chunk][t->unpacked & (RT_EVENT_CHUNK - 1)];
}

const rt_event *rt_tracer_event_at(const rt_tracer *ct, uint64_t i)
{
    if (!ct || ct->opts.mode != RT_MODE_BUFFERED || i >= ct->stored.count)
        return NULL;
    /* Events are kept packed; unpacking them for this call (once each, in
     * order) is invisible to the caller, hence the cast. */
    rt_tracer *t = (rt_tracer *)ct;
    while (t->unpacked <= i) {
        rt_event *slot = unpack_slot(t);
        if (!slot || rt_pack_next(&t->unpack_at, &t->unpacked_arrays, slot) != RT_READ_EVENT)
            return NULL;
        t->unpacked++;
    }
    return &t->chunks[i >> RT_EVENT_CHUNK_BITS][i & (RT_EVENT_CHUNK - 1)];
}

int rt_tracer_set_sources_dir(rt_tracer *t, const char *files_dir)
{
    if (!t)
        return RT_EINVAL;
    char *copy = NULL;
    if (files_dir && !(copy = rt_strndup(t->alloc, files_dir, strlen(files_dir))))
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    free_str(t, &t->sources_dir);
    t->sources_dir = copy;
    return RT_OK;
}

size_t rt_tracer_skipped_sources(const rt_tracer *t)
{
    return t ? t->skipped_sources : 0;
}

/* ---- storing and writing events ---------------------------------------- */

static int copy_writer_error(rt_tracer *t, int rc)
{
    const rt_err *we = rt_writer_err(t->writer);
    t->err.code = rc;
    memcpy(t->err.msg, we->msg, sizeof t->err.msg);
    return rc;
}

static void warn(rt_tracer *t, const char *fmt, ...) RT_PRINTF(2, 3);
static void warn(rt_tracer *t, const char *fmt, ...)
{
    if (!t->opts.on_warning)
        return;
    char msg[RT_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    t->opts.on_warning(t->opts.warning_ctx, msg);
}

/* A .ct, or the 0.19 dialect, is for the CodeTracer debugger of 2026: its
 * writer applies DropLastStep (which that debugger fails on), and what
 * else it cannot load is reported (CTFS.md 2.1.3). */
static bool for_2026_debugger(const rt_tracer *t, rt_format format)
{
    return format == RT_FORMAT_CT || t->opts.dialect == RT_DIALECT_0_19;
}

#define MAX_FINDINGS_SHOWN 16

/* What check finds in e, through on_warning (a recording is never refused
 * for it). */
static void check_event(rt_tracer *t, rt_writer *w, rt_load_report *r, const rt_event *e)
{
    if (e->kind == RT_EVENT_STEP || e->kind == RT_EVENT_CALL)
        r->kinds &= ~(1u << RT_EVENT_STEP); /* later Steps change nothing */
    if (rt_load_check_event(r->check, e) == RT_EUNSUPPORTED && ++r->findings <= MAX_FINDINGS_SHOWN)
        warn(t, "%s: event %llu: %s%s", rt_writer_name(w),
             (unsigned long long)rt_writer_event_count(w), rt_load_check_errmsg(r->check),
             r->findings == MAX_FINDINGS_SHOWN ? " (further findings not reported)" : "");
}

/* A DropLastStep, with a warning when it found no Step to cancel. */
static int write_drop(rt_tracer *t, rt_writer *w, const rt_event *e)
{
    uint64_t index = rt_writer_event_count(w), lost = 0, lost_now = 0;
    rt_writer_steps_cancelled(w, &lost);
    int rc = rt_writer_write_checked(w, e);
    if (rt_writer_steps_cancelled(w, &lost_now), lost_now > lost)
        warn(t, "%s: after event %llu: DropLastStep with no Step held to cancel (a second one "
                "in a row, or more than 4096 events after its Step): left out",
             rt_writer_name(w), (unsigned long long)index);
    return rc;
}

/* Writes one event to w, checked first when r has a check. */
static inline int write_event(rt_tracer *t, rt_writer *w, rt_load_report *r, const rt_event *e)
{
    if (r->check && (r->kinds >> e->kind & 1))
        check_event(t, w, r, e);
    if (e->kind == RT_EVENT_DROP_LAST_STEP)
        return write_drop(t, w, e);
    return rt_writer_write_checked(w, e);
}

/* The automatic flush is looked at again after this many events: exactly
 * when the event count falls due, and at least every RT_CLOCK_EVENTS
 * events when there is a time limit (the clock is read that often: every
 * 16 cost 1 % of a Lua recording). A countdown keeps the look off the path
 * of every event. */
#define RT_CLOCK_EVENTS 64
static void arm_autoflush(rt_tracer *t)
{
    uint64_t n = t->opts.flush_every_ms ? RT_CLOCK_EVENTS : UINT32_MAX;
    if (t->opts.flush_every_events && t->opts.flush_every_events - t->since_flush < n)
        n = t->opts.flush_every_events - t->since_flush;
    t->flush_armed = t->flush_countdown = (uint32_t)(n ? n : 1);
}

/* wait: also for what a compression thread is busy with (rt_tracer_flush);
 * the automatic flushes leave that to the next one. */
static int tracer_flush(rt_tracer *t, bool wait)
{
    t->since_flush = 0;
    flush_clock(&t->last_flush);
    arm_autoflush(t);
    if (!t->writer)
        return RT_OK;
    int rc = rt_writer_flush_internal(t->writer, wait);
    return rc ? copy_writer_error(t, rc) : RT_OK;
}

static int autoflush_check(rt_tracer *t)
{
    t->since_flush += t->flush_armed;
    bool due = t->opts.flush_every_events && t->since_flush >= t->opts.flush_every_events;
    if (!due && t->opts.flush_every_ms) {
        struct timespec now;
        flush_clock(&now);
        int64_t ms = (int64_t)(now.tv_sec - t->last_flush.tv_sec) * 1000 +
                     (now.tv_nsec - t->last_flush.tv_nsec) / 1000000;
        due = ms >= (int64_t)t->opts.flush_every_ms;
    }
    if (due)
        return tracer_flush(t, false);
    arm_autoflush(t);
    return RT_OK;
}

static inline int maybe_autoflush(rt_tracer *t)
{
    return --t->flush_countdown ? RT_OK : autoflush_check(t);
}

int rt_tracer_emit(rt_tracer *t, const rt_event *e, bool shallow)
{
    if (t->filt && rt_filter_defers(t, e))
        return rt_filter_emit(t, e, shallow);
    return rt_tracer_emit_now(t, e, shallow);
}

int rt_tracer_emit_now(rt_tracer *t, const rt_event *e, bool shallow)
{
    (void)shallow; /* packing copies everything anyway */
    if (t->repeats_in_use && e->kind == RT_EVENT_VALUE)
        rt_tracer_note_value(t, e->u.value.variable_id);
    if (t->writer) {
        int rc = write_event(t, t->writer, &t->report, e);
        if (rc)
            return copy_writer_error(t, rc);
        t->recorded++;
        return maybe_autoflush(t);
    }
    if (rt_pack_event(&t->stored, e))
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory storing event %llu",
                          (unsigned long long)t->recorded);
    t->recorded++;
    return RT_OK;
}

int rt_tracer_emit_repeat(rt_tracer *t, rt_variable_id variable_id, bool keep_only)
{
    int rc;
    if (t->writer) {
        rc = rt_writer_repeat_value(t->writer, variable_id, keep_only);
        if (rc == RT_REPEAT_MISS)
            return rc;
        if (rc)
            return copy_writer_error(t, rc);
        t->recorded++;
        return maybe_autoflush(t);
    }
    rc = rt_pack_repeat_value(&t->stored, variable_id, keep_only);
    if (rc == RT_REPEAT_MISS)
        return rc;
    if (rc)
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory storing event %llu",
                          (unsigned long long)t->recorded);
    t->recorded++;
    return RT_OK;
}

static int set_path(rt_tracer *t, char **slot, const char *path)
{
    char *p = rt_strndup(t->alloc, path, strlen(path));
    if (!p)
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    free_str(t, slot);
    *slot = p;
    return RT_OK;
}

/* md: storage for the view of the recording that trace.ct's meta.dat
 * takes (the writer copies it at open). */
static void writer_options(rt_tracer *t, rt_format format, rt_writer_options *wo,
                           rt_metadata *md)
{
    rt_writer_options_init(wo, format);
    md->workdir = t->workdir;
    md->program = t->program;
    md->args = t->args;
    md->nargs = t->nargs;
    md->recording_id = format == RT_FORMAT_CT ? (char *)rt_tracer_recording_id(t) : NULL;
    wo->metadata = md;
    wo->allocator = t->alloc;
    wo->dialect = t->opts.dialect;
    wo->zstd_level = t->opts.zstd_level;
    wo->frame_size = t->opts.frame_size;
    wo->compress_thread = t->opts.compress_thread;
    wo->write_fn = t->opts.write_fn;
    wo->write_ctx = t->opts.write_ctx;
    wo->cancel_steps = for_2026_debugger(t, format);
}

/* Writes every stored event to a new file at path; stored events stay.
 * keep_open: the writer stays open (streaming), with its check in
 * *keep_report. */
static int write_stored(rt_tracer *t, const char *path, rt_format format, rt_writer **keep_open,
                        rt_load_report *keep_report)
{
    rt_writer_options wo;
    rt_metadata md;
    writer_options(t, format, &wo, &md);
    rt_writer *w = NULL;
    rt_load_report report = {NULL, 0, RT_LOAD_CHECK_KINDS};
    if (for_2026_debugger(t, format) &&
        rt_load_check_new(&report.check, RT_LOAD_CHECK_CANCELS_STEPS, t->alloc))
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    int rc = rt_writer_open_internal(&w, path, &wo, &t->err);
    if (rc) {
        rt_load_check_free(report.check);
        return rc;
    }
    rt_pack_cursor c;
    rt_pack_cursor_init(&c, &t->stored);
    rt_event e;
    int got;
    /* Most events need no arrays: reset the scratch only after one did. */
    rt_arena_reset(&t->scratch_arrays);
    rt_arena_mark clean = rt_arena_get_mark(&t->scratch_arrays);
    while ((got = rt_pack_next(&c, &t->scratch_arrays, &e)) == RT_READ_EVENT) {
        if ((rc = write_event(t, w, &report, &e)))
            break;
        if (t->scratch_arrays.ptr != clean.ptr || t->scratch_arrays.head != clean.head) {
            rt_arena_reset(&t->scratch_arrays);
            clean = rt_arena_get_mark(&t->scratch_arrays);
        }
    }
    if (got < 0) {
        rt_writer_free(w);
        rt_load_check_free(report.check);
        return rt_err_set(&t->err, got, "out of memory writing event %llu",
                          (unsigned long long)c.index);
    }
    if (!rc && keep_open) {
        rc = rt_writer_flush(w);
        if (!rc) {
            *keep_open = w;
            *keep_report = report;
            return RT_OK;
        }
    }
    rt_load_check_free(report.check);
    if (!rc)
        rc = rt_writer_finish(w);
    if (rc) {
        t->err.code = rc;
        memcpy(t->err.msg, rt_writer_err(w)->msg, sizeof t->err.msg);
    }
    rt_writer_free(w);
    return rc;
}

int rt_begin_writing_trace_events(rt_tracer *t, const char *path, rt_format format)
{
    if (!t)
        return RT_EINVAL;
    int rc = rt_filter_release_held(t);
    if (rc)
        return rc;
    if (!path)
        return rt_err_set(&t->err, RT_EINVAL, "begin_writing_trace_events: NULL path");
    if (format == RT_FORMAT_DEFAULT)
        format = t->opts.format;
    if ((unsigned)format > RT_FORMAT_CT)
        return rt_err_set(&t->err, RT_EINVAL, "unknown format %d", (int)format);
    if (t->writer)
        return rt_err_set(&t->err, RT_ESTATE, "an events file is already being written");
    rc = set_path(t, &t->events_path, path);
    if (rc)
        return rc;
    t->events_format = format;
    if (t->opts.mode != RT_MODE_STREAMING)
        return RT_OK;
    /* Streaming: the events recorded so far go first, then memory is freed. */
    /* The owned copy: the writer keeps the name for its messages. */
    rc = write_stored(t, t->events_path, format, &t->writer, &t->report);
    if (rc)
        return rc;
    drop_stored_events(t);
    t->since_flush = 0;
    flush_clock(&t->last_flush);
    arm_autoflush(t);
    return RT_OK;
}

int rt_finish_writing_trace_events(rt_tracer *t)
{
    if (!t)
        return RT_EINVAL;
    int held = rt_filter_release_held(t);
    if (held)
        return held;
    if (t->writer) {
        int rc = rt_writer_finish(t->writer);
        if (rc)
            copy_writer_error(t, rc);
        rt_writer_free(t->writer);
        t->writer = NULL;
        rt_load_check_free(t->report.check);
        t->report.check = NULL;
        return rc;
    }
    if (!t->events_path)
        return rt_err_set(&t->err, RT_ESTATE, "finish_writing_trace_events: no events file begun");
    return write_stored(t, t->events_path, t->events_format, NULL, NULL);
}

int rt_tracer_flush(rt_tracer *t)
{
    if (!t)
        return RT_EINVAL;
    int held = rt_filter_release_held(t);
    if (held)
        return held;
    return tracer_flush(t, true);
}

int rt_begin_writing_trace_metadata(rt_tracer *t, const char *path)
{
    if (!t)
        return RT_EINVAL;
    if (!path)
        return rt_err_set(&t->err, RT_EINVAL, "begin_writing_trace_metadata: NULL path");
    return set_path(t, &t->metadata_path, path);
}

int rt_finish_writing_trace_metadata(rt_tracer *t)
{
    if (!t)
        return RT_EINVAL;
    if (!t->metadata_path)
        return rt_err_set(&t->err, RT_ESTATE, "finish_writing_trace_metadata: not begun");
    return write_metadata(t, t->metadata_path, t->events_format);
}

int rt_begin_writing_trace_paths(rt_tracer *t, const char *path)
{
    if (!t)
        return RT_EINVAL;
    if (!path)
        return rt_err_set(&t->err, RT_EINVAL, "begin_writing_trace_paths: NULL path");
    return set_path(t, &t->paths_path, path);
}

int rt_finish_writing_trace_paths(rt_tracer *t)
{
    if (!t)
        return RT_EINVAL;
    if (!t->paths_path)
        return rt_err_set(&t->err, RT_ESTATE, "finish_writing_trace_paths: not begun");
    return rt_tracedir_write_paths(t->paths_path, (const rt_str *)t->path_list.data,
                                   t->path_list.len / sizeof(rt_str), t->alloc, &t->err);
}

static int join(rt_tracer *t, char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return rt_err_set(&t->err, RT_EINVAL, "path too long: %s/%s", dir, name);
    return RT_OK;
}

int rt_tracer_write_trace_dir(rt_tracer *t, const char *dir, rt_format format)
{
    if (!t)
        return RT_EINVAL;
    if (!dir)
        return rt_err_set(&t->err, RT_EINVAL, "write_trace_dir: NULL directory");
    if (format == RT_FORMAT_DEFAULT)
        format = t->opts.format;
    if ((unsigned)format > RT_FORMAT_CT)
        return rt_err_set(&t->err, RT_EINVAL, "unknown format %d", (int)format);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        int e = errno;
        return rt_err_set(&t->err, e == ENOENT ? RT_ENOENT : RT_EIO, "cannot create directory %s: %s",
                          dir, strerror(e));
    }
    char path[PATH_MAX];
    int rc = rt_filter_release_held(t);
    if (rc)
        return rc;
    if (t->opts.mode == RT_MODE_STREAMING && (t->writer || t->events_path)) {
        /* The events already went (or go) to the file begun earlier. */
        if (t->writer && (rc = rt_finish_writing_trace_events(t)))
            return rc;
    } else {
        if ((rc = join(t, path, sizeof path, dir, rt_format_events_file(format))))
            return rc;
        if ((rc = write_stored(t, path, format, NULL, NULL)))
            return rc;
    }
    if ((rc = join(t, path, sizeof path, dir, "trace_metadata.json")) ||
        (rc = write_metadata(t, path, t->opts.mode == RT_MODE_STREAMING && t->events_path ? t->events_format : format)))
        return rc;
    if ((rc = join(t, path, sizeof path, dir, "trace_paths.json")) ||
        (rc = rt_tracedir_write_paths(path, (const rt_str *)t->path_list.data,
                                      t->path_list.len / sizeof(rt_str), t->alloc, &t->err)))
        return rc;
    return rt_tracedir_copy_sources(dir, t->workdir, t->sources_dir, (const rt_str *)t->path_list.data,
                                    t->path_list.len / sizeof(rt_str), rt_filter_masked(t),
                                    t->opts.on_warning, t->opts.warning_ctx, &t->skipped_sources,
                                    t->alloc, &t->err);
}
