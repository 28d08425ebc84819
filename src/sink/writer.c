/* rt_writer: an events file in one format. Picks the format's encoder and
 * owns the output; the formats never see each other. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cpus.h"
#include "common/encoder.h"
#include "model/model.h"
#include "sink/writer_internal.h"

int rt_json_encoder_new(const rt_encoder_env *env, rt_encoder **out);
int rt_v0_encoder_new(const rt_encoder_env *env, rt_encoder **out);
int rt_v1_encoder_new(const rt_encoder_env *env, rt_encoder **out);
int rt_ct_encoder_new(const rt_encoder_env *env, rt_encoder **out);

/* Cancelling steps (rt_writer_options.cancel_steps): the last Step and
 * every event after it stay in the encoder (its held tail) until the next
 * Step shows that it stands; a DropLastStep cuts the Step and the Values
 * after it out of the tail, as the debugger drops a step's values with it.
 * A tail longer than this many events is let go (its Step stands). */
#define TAIL_MAX_EVENTS 4096u

/* A run of events to cut: the Step and the Values after it. */
typedef struct tail_run {
    uint64_t from, to, events;
} tail_run;

struct rt_writer {
    rt_writer_options opts;
    const rt_allocator *alloc;
    rt_output out;
    rt_err err;
    rt_encoder *enc;
    uint64_t events;
    bool finished;
    int finish_status;
    /* cancel_steps */
    bool tail;            /* a Step is held */
    bool run_open;        /* the last event written is the last run's */
    uint64_t tail_events; /* events after it */
    rt_buf runs;          /* tail_run, in order */
    uint64_t drops_applied, drops_unapplied;
};

const char *rt_format_name(rt_format format)
{
    switch (format) {
    case RT_FORMAT_JSON:
        return "json";
    case RT_FORMAT_V0:
        return "v0";
    case RT_FORMAT_V1:
        return "v1";
    case RT_FORMAT_CT:
        return "ct";
    default:
        return "default";
    }
}

int rt_format_parse(const char *name, rt_format *out)
{
    if (!name || !out)
        return RT_EINVAL;
    if (!strcmp(name, "json"))
        *out = RT_FORMAT_JSON;
    else if (!strcmp(name, "v0") || !strcmp(name, "capnp"))
        *out = RT_FORMAT_V0;
    else if (!strcmp(name, "v1") || !strcmp(name, "binary") || !strcmp(name, "cbor"))
        *out = RT_FORMAT_V1;
    else if (!strcmp(name, "ct") || !strcmp(name, "ctfs"))
        *out = RT_FORMAT_CT;
    else
        return RT_EINVAL;
    return RT_OK;
}

const char *rt_format_events_file(rt_format format)
{
    return format == RT_FORMAT_JSON ? "trace.json" : format == RT_FORMAT_CT ? "trace.ct" : "trace.bin";
}

void rt_writer_options_init(rt_writer_options *opts, rt_format format)
{
    memset(opts, 0, sizeof *opts);
    opts->format = format;
    opts->zstd_level = 0; /* the format's own: 3 for v1, 2 for ct */
    opts->frame_size = 2u << 20;
    opts->cancel_steps = format == RT_FORMAT_CT;
    opts->compress_thread = rt_cpu_count() >= 2;
}

static rt_encoder_new_fn encoder_for(rt_format format)
{
    switch (format) {
    case RT_FORMAT_JSON:
        return rt_json_encoder_new;
    case RT_FORMAT_V0:
        return rt_v0_encoder_new;
    case RT_FORMAT_V1:
        return rt_v1_encoder_new;
    case RT_FORMAT_CT:
        return rt_ct_encoder_new;
    default:
        return NULL;
    }
}

static int writer_new(rt_writer **out, int fd, bool own_fd, const char *name,
                      const rt_writer_options *opts, rt_err *err_out)
{
    rt_writer_options o;
    if (opts)
        o = *opts;
    else
        rt_writer_options_init(&o, RT_FORMAT_JSON);
    if (o.frame_size == 0)
        o.frame_size = 2u << 20;
    if (o.dialect == RT_DIALECT_DEFAULT)
        o.dialect = RT_DIALECT_0_14;
    rt_encoder_new_fn make = encoder_for(o.format);
    if (!make || (unsigned)o.dialect > RT_DIALECT_0_19) {
        if (own_fd)
            close(fd);
        return make ? rt_err_set(err_out, RT_EINVAL, "unknown dialect %d", (int)o.dialect)
                    : rt_err_set(err_out, RT_EINVAL, "unknown format %d", (int)o.format);
    }
    const rt_allocator *alloc = rt_alloc_or_default(o.allocator);
    rt_writer *w = rt_malloc(alloc, sizeof *w);
    if (!w) {
        if (own_fd)
            close(fd);
        return rt_err_set(err_out, RT_ENOMEM, "out of memory");
    }
    memset(w, 0, sizeof *w);
    w->opts = o;
    w->alloc = alloc;
    rt_buf_init(&w->runs, alloc);
    rt_err_clear(&w->err);
    /* Room for the runs of a usual tail, so that recording allocates none. */
    if (o.cancel_steps && rt_buf_reserve(&w->runs, 16 * sizeof(tail_run))) {
        if (own_fd)
            close(fd);
        rt_free(alloc, w, sizeof *w);
        return rt_err_set(err_out, RT_ENOMEM, "out of memory");
    }
    rt_output_init(&w->out, fd, own_fd, o.write_fn, o.write_ctx, &w->err, alloc);
    w->out.name = name;
    rt_encoder_env env = {&w->out, &w->err, alloc, &w->opts};
    int rc = make(&env, &w->enc);
    if (rc) {
        if (err_out) {
            err_out->code = rc;
            memcpy(err_out->msg, w->err.msg, sizeof err_out->msg);
        }
        rt_output_close(&w->out);
        rt_buf_free(&w->runs);
        rt_free(alloc, w, sizeof *w);
        return rc;
    }
    *out = w;
    return RT_OK;
}

int rt_writer_open_internal(rt_writer **out, const char *path, const rt_writer_options *opts,
                            rt_err *err)
{
    if (!out || !path)
        return rt_err_set(err, RT_EINVAL, "rt_writer_open: NULL argument");
    *out = NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        return rt_err_set(err, e == ENOENT ? RT_ENOENT : e == ENOSPC ? RT_ENOSPC : RT_EIO,
                          "cannot create %s: %s", path, strerror(e));
    }
    return writer_new(out, fd, true, path, opts, err);
}

/* rc, with err's message copied to the caller's errbuf when it failed. */
static int report_open(int rc, const rt_err *err, const rt_writer_options *opts)
{
    if (rc && opts && opts->errbuf && opts->errbuf_len)
        snprintf(opts->errbuf, opts->errbuf_len, "%s", err->msg);
    return rc;
}

int rt_writer_open(rt_writer **out, const char *path, const rt_writer_options *opts)
{
    rt_err err;
    rt_err_clear(&err);
    return report_open(rt_writer_open_internal(out, path, opts, &err), &err, opts);
}

int rt_writer_open_fd(rt_writer **out, int fd, const rt_writer_options *opts)
{
    rt_err err;
    rt_err_clear(&err);
    if (!out || fd < 0)
        return report_open(rt_err_set(&err, RT_EINVAL, "rt_writer_open_fd: %s",
                                      out ? "negative file descriptor" : "NULL argument"),
                           &err, opts);
    *out = NULL;
    return report_open(writer_new(out, fd, false, "output", opts, &err), &err, opts);
}

/* Lets the held Step stand: its tail goes on to the file. */
static void release_tail(rt_writer *w)
{
    if (w->tail)
        w->enc->ops->hold(w->enc, RT_HOLD_NONE);
    w->tail = false;
    w->run_open = false;
    w->runs.len = 0;
}

static tail_run *last_run(rt_writer *w)
{
    return (tail_run *)(void *)(w->runs.data + w->runs.len) - 1;
}

/* The open run ends where the encoder is now. */
static void close_run(rt_writer *w)
{
    if (w->run_open)
        last_run(w)->to = w->enc->ops->position(w->enc);
    w->run_open = false;
}

/* DropLastStep: cuts the held Step and its Values, last run first so that
 * the earlier runs' positions stay valid. */
static void cancel_step(rt_writer *w)
{
    if (!w->tail) {
        w->drops_unapplied++;
        return;
    }
    close_run(w);
    const tail_run *r = (const tail_run *)(const void *)w->runs.data;
    for (size_t i = w->runs.len / sizeof *r; i-- > 0;) {
        w->enc->ops->cut(w->enc, r[i].from, r[i].to, r[i].events);
        w->events -= r[i].events;
    }
    release_tail(w);
    w->drops_applied++;
}

/* Opens a run at from: the events written next, up to one that is not a
 * Value, go with the held Step (its end is noted when it closes). */
static inline void open_run(rt_writer *w, uint64_t from, uint64_t events)
{
    if (rt_buf_reserve(&w->runs, sizeof(tail_run))) {
        release_tail(w); /* out of memory: the Step stands */
        return;
    }
    tail_run *r = (tail_run *)(void *)(w->runs.data + w->runs.len);
    r->from = r->to = from;
    r->events = events;
    w->runs.len += sizeof *r;
    w->run_open = true;
}

/* A Step: the tail it held stands, and a new one starts at it. (Holding
 * again from a later position replaces the hold: encoder.h.) */
static int write_step_held(rt_writer *w, const rt_event *e)
{
    const rt_encoder_ops *ops = w->enc->ops;
    uint64_t from = ops->position(w->enc);
    w->tail = false;
    w->run_open = false;
    w->runs.len = 0;
    ops->hold(w->enc, from);
    int rc = ops->write(w->enc, e);
    if (rc) {
        ops->hold(w->enc, RT_HOLD_NONE);
        return rc;
    }
    w->events++;
    w->tail = true;
    w->tail_events = 0;
    open_run(w, from, 1);
    return RT_OK;
}

/* Before an event other than a Step or a DropLastStep: a Value joins the
 * held Step's run, anything else ends it. Positions are asked of the
 * encoder only where a run opens or closes: a step's Values follow it
 * without a call. */
static inline void before_event(rt_writer *w, bool value)
{
    if (w->tail && ++w->tail_events > TAIL_MAX_EVENTS)
        release_tail(w);
    value = value && w->tail;
    if (value && !w->run_open)
        open_run(w, w->enc->ops->position(w->enc), 0);
    else if (!value)
        close_run(w);
}

static inline void after_event(rt_writer *w)
{
    w->events++;
    if (w->run_open)
        last_run(w)->events++;
}

/* A hold per Step; positions only where a run opens or closes (before_event). */
static int write_cancelling(rt_writer *w, const rt_event *e)
{
    if (e->kind == RT_EVENT_STEP)
        return write_step_held(w, e);
    if (e->kind == RT_EVENT_DROP_LAST_STEP) {
        cancel_step(w);
        return RT_OK;
    }
    before_event(w, e->kind == RT_EVENT_VALUE);
    int rc = w->enc->ops->write(w->enc, e);
    if (!rc)
        after_event(w);
    return rc;
}

int rt_writer_repeat_value(rt_writer *w, rt_variable_id variable_id, bool keep_only)
{
    if (w->finished)
        return rt_err_set(&w->err, RT_ESTATE, "write after finish");
    if (!w->enc->ops->repeat_value)
        return RT_REPEAT_MISS;
    if (keep_only)
        return w->enc->ops->repeat_value(w->enc, variable_id, true);
    if (w->opts.cancel_steps)
        before_event(w, true);
    int rc = w->enc->ops->repeat_value(w->enc, variable_id, false);
    if (rc == RT_OK) {
        if (w->opts.cancel_steps)
            after_event(w);
        else
            w->events++;
    } else if (rc == RT_REPEAT_MISS && w->tail) {
        w->tail_events--; /* nothing was written */
    }
    return rc;
}

int rt_writer_write_checked(rt_writer *w, const rt_event *event)
{
    if (w->finished)
        return rt_err_set(&w->err, RT_ESTATE, "write after finish");
    if (w->opts.cancel_steps)
        return write_cancelling(w, event);
    int rc = w->enc->ops->write(w->enc, event);
    if (rc)
        return rc;
    w->events++;
    return RT_OK;
}

int rt_writer_write(rt_writer *w, const rt_event *event)
{
    if (!w)
        return RT_EINVAL;
    int rc = rt_event_check(event, &w->err);
    if (rc)
        return rt_err_prefix(&w->err, "event %llu", (unsigned long long)w->events);
    return rt_writer_write_checked(w, event);
}

int rt_writer_flush_internal(rt_writer *w, bool wait)
{
    if (w->finished)
        return w->finish_status;
    return w->enc->ops->flush(w->enc, wait);
}

int rt_writer_flush(rt_writer *w)
{
    return w ? rt_writer_flush_internal(w, true) : RT_EINVAL;
}

int rt_writer_finish(rt_writer *w)
{
    if (!w)
        return RT_EINVAL;
    if (w->finished)
        return w->finish_status;
    w->finished = true;
    release_tail(w);
    int rc = w->enc->ops->finish(w->enc);
    int rc2 = rt_output_close(&w->out);
    w->finish_status = rc ? rc : rc2;
    return w->finish_status;
}

uint64_t rt_writer_event_count(const rt_writer *w)
{
    return w ? w->events : 0;
}

uint64_t rt_writer_bytes_written(const rt_writer *w)
{
    return w ? w->out.bytes : 0;
}

uint64_t rt_writer_steps_cancelled(const rt_writer *w, uint64_t *not_applied)
{
    if (not_applied)
        *not_applied = w ? w->drops_unapplied : 0;
    return w ? w->drops_applied : 0;
}

const char *rt_writer_errmsg(const rt_writer *w)
{
    return w ? w->err.msg : "";
}

const rt_err *rt_writer_err(const rt_writer *w)
{
    return &w->err;
}

const char *rt_writer_name(const rt_writer *w)
{
    return w->out.name;
}

void rt_writer_free(rt_writer *w)
{
    if (!w)
        return;
    rt_writer_finish(w);
    w->enc->ops->destroy(w->enc);
    rt_buf_free(&w->runs);
    rt_free(w->alloc, w, sizeof *w);
}
