/* The trace.ct encoder (CTFS.md section 8): a CTFS container with three
 * members, meta.dat, events.log and events.fmt. Events are encoded (0.19
 * dialect, split-binary or CBOR) into a pending chunk; a full chunk is
 * compressed as one zstd frame, framed with its 16-byte header, appended to
 * events.log and committed, so that every chunk on disk is readable at once
 * and a killed recording keeps all of them. meta.dat is written at open with
 * the sources known then (none) and once more at the end with every source.
 *
 * Chunk size and level, measured on the BENCH.md workload (10 M calls,
 * docs/performance.md): chunks of at most 2 MiB of uncompressed events
 * (rt_writer_options.frame_size, as v1's frames; the tracer's default
 * flush every 65 536 events cuts them at about 1.3 MiB first) at zstd
 * level 2 give 2.51 bytes per event, v1's 2.61, at v1's speed; a 1 MiB
 * limit gives 2.91, 512 KiB 3.42, and level 3 is both slower and larger
 * here (2.98). The 0.19 writer's 4096 events (about 60 KiB) would cost
 * more still. Events wait in a small pending buffer (the held tail, and
 * less than RT_CT_RELEASE bytes before it) and go on to the chunk's zstd
 * frame (src/zstd/zstream.c, on its own thread with opts->compress_thread);
 * a chunk is committed when its frame is back whole. Memory: the zstd
 * context and its window, the compressed chunk, and with the thread its
 * four 1 MiB pieces: 3-8 MiB. */
#include <fcntl.h>
#include <unistd.h>

#include "common/copy.h"
#include "cbor/cbor_event.h"
#include "common/arena.h"
#include "common/dialect.h"
#include "common/encoder.h"
#include "common/pending.h"
#include "common/repeat_cache.h"
#include "common/utf8.h"
#include "common/uuid.h"
#include "ctfs/ctfs_meta.h"
#include "ctfs/ctfs_wcontainer.h"
#include "ctfs/split_binary.h"
#include "zstd/zstream.h"

#define RT_CT_CHUNK_BYTES ((size_t)2 << 20)
#define RT_CT_MAX_CHUNK_BYTES ((size_t)16 << 20) /* a window readers take at any level */
#define RT_CT_LEVEL 2
#define RT_CT_RELEASE ((size_t)32 * 1024) /* pending bytes handed on at once */
#define RT_CT_RECORDER "runtime_tracing-c " RT_VERSION_STRING

typedef struct ct_encoder {
    rt_encoder base;
    rt_output *out;
    rt_err *err;
    const rt_allocator *alloc;
    const rt_dialect_desc *dialect;
    bool cbor;
    int status; /* sticky failure */
    ctfs_wfile file;
    ctfs_wmember meta, log, fmt;
    rt_pending pending;       /* events not handed to the chunk's frame yet */
    rt_zstream zs;            /* the open chunk's frame */
    size_t chunk_bytes;       /* end a chunk at this many bytes of events */
    uint64_t chunk_in;        /* bytes of events in the open chunk */
    uint32_t chunk_events;    /* ... and events */
    rt_buf frame;             /* the open chunk's compressed bytes */
    uint64_t events;          /* events handed to chunks or pending */
    uint64_t chunk_first;     /* index of the first event of the next chunk written */
    rt_repeat_cache repeats;  /* the CBOR of kept variables' last values */
    /* meta.dat: the strings (arena), the sources in Path order. */
    rt_arena strings;
    rt_str program, workdir;
    rt_str *args;
    size_t nargs;
    rt_str *paths;
    size_t npaths, paths_cap;
    char recording_id[RT_UUID_LEN + 1];
    size_t meta_len;          /* bytes of the meta.dat written at open */
} ct_encoder;

static int fail_mem(ct_encoder *w)
{
    return w->status = rt_err_set(w->err, RT_ENOMEM, "ct writer: out of memory");
}

static int copy_str(ct_encoder *w, const char *s, rt_str *out)
{
    size_t n = s ? strlen(s) : 0;
    char *p = rt_arena_alloc(&w->strings, n + 1);
    if (!p)
        return RT_ENOMEM;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    out->ptr = p;
    out->len = n;
    return RT_OK;
}

/* A Path event's source for meta.dat: absolute, relative ones resolved
 * against workdir (the debugger's importer does the same). */
static int add_path(ct_encoder *w, rt_str path)
{
    if (w->npaths == w->paths_cap) {
        size_t cap = w->paths_cap ? w->paths_cap * 2 : 16;
        rt_str *p = rt_realloc(w->alloc, w->paths, w->paths_cap * sizeof *p, cap * sizeof *p);
        if (!p)
            return fail_mem(w);
        w->paths = p;
        w->paths_cap = cap;
    }
    bool rel = path.len && path.ptr[0] != '/' && w->workdir.len;
    size_t n = path.len + (rel ? w->workdir.len + 1 : 0);
    char *p = rt_arena_alloc(&w->strings, n + 1);
    if (!p)
        return fail_mem(w);
    size_t at = 0;
    if (rel) {
        memcpy(p, w->workdir.ptr, w->workdir.len);
        at = w->workdir.len;
        if (p[at - 1] != '/')
            p[at++] = '/';
    }
    if (path.len)
        memcpy(p + at, path.ptr, path.len);
    at += path.len;
    p[at] = '\0';
    w->paths[w->npaths].ptr = p;
    w->paths[w->npaths].len = at;
    w->npaths++;
    return RT_OK;
}

static int meta_bytes(ct_encoder *w, rt_buf *b)
{
    ctfs_meta m = {0,
                   {w->recording_id, RT_UUID_LEN},
                   w->program,
                   w->args,
                   w->nargs,
                   w->workdir,
                   {RT_CT_RECORDER, sizeof RT_CT_RECORDER - 1},
                   w->paths,
                   w->npaths};
    return ctfs_meta_encode(b, &m) ? fail_mem(w) : RT_OK;
}

/* Compressed bytes of the open chunk, back from zstream; at its frame's
 * end the chunk, framed with its header, is appended to events.log and
 * committed. */
static int write_chunk(void *ctx, const unsigned char *bytes, size_t len, bool frame_end,
                       uint64_t frame_in, uint64_t nevents)
{
    (void)frame_in;
    ct_encoder *w = ctx;
    if (len && rt_buf_append(&w->frame, bytes, len))
        return rt_err_set(w->err, RT_ENOMEM, "ct writer: out of memory");
    if (!frame_end)
        return RT_OK;
    if (w->frame.len > UINT32_MAX)
        return rt_err_set(w->err, RT_ELIMIT, "ct writer: chunk over 4 GiB");
    unsigned char head[CTFS_CHUNK_HEADER_LEN];
    ctfs_put_u32(head, (uint32_t)w->frame.len);
    ctfs_put_u32(head + 4, (uint32_t)nevents);
    ctfs_put_u64(head + 8, w->chunk_first);
    int rc = ctfs_wmember_append(&w->log, head, sizeof head);
    if (!rc)
        rc = ctfs_wmember_append(&w->log, w->frame.data, w->frame.len);
    if (!rc)
        rc = ctfs_wmember_commit(&w->log);
    if (rc)
        return rc;
    w->frame.len = 0;
    w->chunk_first += nevents;
    w->out->bytes = w->file.next_block * CTFS_BLOCK; /* the file size */
    return RT_OK;
}

/* Ends the open chunk: its frame goes to the compressor's end. */
static int end_chunk(ct_encoder *w)
{
    if (!w->chunk_events)
        return RT_OK;
    int rc = rt_zstream_end_frame(&w->zs, w->chunk_events, false);
    w->chunk_in = 0;
    w->chunk_events = 0;
    return rc ? (w->status = rc) : RT_OK;
}

/* Hands the pending events before the held tail to the open chunk, which
 * ends once it holds chunk_bytes. */
static int release(ct_encoder *w)
{
    uint32_t nevents;
    size_t len = rt_pending_releasable(&w->pending, &nevents);
    if (!nevents)
        return RT_OK;
    if (w->chunk_events > UINT32_MAX - nevents && end_chunk(w))
        return w->status;
    int rc = rt_zstream_write(&w->zs, w->pending.buf.data, len);
    if (rc)
        return w->status = rc;
    w->chunk_in += len;
    w->chunk_events += nevents;
    rt_pending_consume(&w->pending, len, nevents);
    return w->chunk_in >= w->chunk_bytes ? end_chunk(w) : RT_OK;
}

/* Split-binary head of a Value: tag, variable id, the u32 length of the
 * value's CBOR item that follows. */
#define SB_VALUE_HEAD 13

static unsigned char *value_head(ct_encoder *w, unsigned char *p, uint64_t id, size_t len)
{
    if (w->cbor)
        return rt_cbor_value_head(p, id);
    p[0] = SB_VALUE;
    ctfs_put_u64(p + 1, id);
    ctfs_put_u32(p + 9, (uint32_t)len);
    return p + SB_VALUE_HEAD;
}

/* A Value event: its head, then the value's CBOR item, kept when its
 * variable is (a failed one leaves nothing kept). */
static int encode_value_event(ct_encoder *w, rt_buf *b, const rt_event *e)
{
    uint64_t id = e->u.value.variable_id;
    int rc = RT_ENOMEM;
    size_t mark = b->len, at = 0;
    if (!rt_buf_reserve(b, RT_CBOR_VALUE_HEAD_MAX)) {
        b->len = (size_t)(value_head(w, b->data + mark, id, 0) - b->data);
        at = b->len;
        rc = rt_cbor_encode_value(b, &e->u.value.value, w->dialect);
    }
    if (!rc && !w->cbor) {
        if (b->len - at > UINT32_MAX)
            rc = RT_ELIMIT;
        else
            ctfs_put_u32(b->data + at - 4, (uint32_t)(b->len - at));
    }
    rt_repeat_encoded(&w->repeats, id, rc, b, at);
    return rc;
}

/* After an event: what pending holds before the held tail goes on, by
 * RT_CT_RELEASE bytes. */
static int written(ct_encoder *w)
{
    rt_pending *p = &w->pending;
    p->events++;
    w->events++;
    if ((p->buf.len >= RT_CT_RELEASE || p->events == UINT32_MAX) && p->events > p->keep_events)
        return release(w);
    return RT_OK;
}

static int ct_write(rt_encoder *enc, const rt_event *e)
{
    ct_encoder *w = (ct_encoder *)enc;
    if (w->status)
        return w->status;
    rt_buf *pending = &w->pending.buf;
    size_t mark = pending->len;
    int rc;
    if (e->kind == RT_EVENT_STEP && !w->cbor && pending->cap - mark >= RT_SB_STEP_LEN) {
        /* the most frequent event, written in place */
        rt_split_binary_step(pending->data + mark, e);
        pending->len = mark + RT_SB_STEP_LEN;
        rc = RT_OK;
    } else if (e->kind == RT_EVENT_VALUE) {
        rc = encode_value_event(w, pending, e);
    } else {
        rc = w->cbor ? rt_cbor_encode_event(pending, e, w->dialect)
                     : rt_split_binary_encode(pending, e, w->dialect);
    }
    if (rc) {
        pending->len = mark; /* never leave half an event behind */
        return rc == RT_ELIMIT ? rt_err_set(w->err, rc, "ct writer: a string over 4 GiB")
                               : rt_err_set(w->err, RT_ENOMEM, "ct writer: out of memory");
    }
    if (e->kind == RT_EVENT_PATH && (rc = add_path(w, e->u.path))) {
        pending->len = mark;
        return rc;
    }
    return written(w);
}

static int ct_repeat_value(rt_encoder *enc, uint64_t variable_id, bool keep_only)
{
    ct_encoder *w = (ct_encoder *)enc;
    if (w->status)
        return w->status;
    const rt_repeat_slot *s = rt_repeat_find(&w->repeats, variable_id, keep_only);
    if (!s)
        return RT_REPEAT_MISS;
    rt_buf *pending = &w->pending.buf;
    if (rt_buf_reserve(pending, RT_CBOR_VALUE_HEAD_MAX + s->len))
        return rt_err_set(w->err, RT_ENOMEM, "ct writer: out of memory");
    unsigned char *p = value_head(w, pending->data + pending->len, variable_id, s->len);
    rt_copy(p, s->bytes, s->len);
    pending->len = (size_t)(p + s->len - pending->data);
    return written(w);
}

/* The events before the held tail as a chunk; wait: committed (else what
 * the thread is still compressing is committed at the next flush). */
static int ct_flush(rt_encoder *enc, bool wait)
{
    ct_encoder *w = (ct_encoder *)enc;
    int rc = w->status;
    if (!rc && !(rc = release(w)) && !(rc = end_chunk(w)) &&
        (rc = rt_zstream_collect(&w->zs, wait)))
        w->status = rc;
    return rc;
}

static int ct_finish(rt_encoder *enc)
{
    ct_encoder *w = (ct_encoder *)enc;
    int rc = w->status;
    if (!rc && !(rc = release(w)) && !(rc = end_chunk(w)) &&
        (rc = rt_zstream_collect(&w->zs, true)))
        w->status = rc;
    if (rc || !w->npaths)
        return rc;
    /* meta.dat with the sources: into fresh blocks, then its entry. */
    rt_buf b;
    rt_buf_init(&b, w->alloc);
    if (!(rc = meta_bytes(w, &b)))
        rc = ctfs_wmember_replace(&w->meta, b.data, b.len);
    rt_buf_free(&b);
    w->out->bytes = w->file.next_block * CTFS_BLOCK; /* the file size */
    return rc ? (w->status = rc) : RT_OK;
}

static void ct_destroy(rt_encoder *enc)
{
    ct_encoder *w = (ct_encoder *)enc;
    rt_zstream_free(&w->zs);
    rt_buf_free(&w->pending.buf);
    rt_buf_free(&w->frame);
    rt_repeat_free(&w->repeats);
    rt_free(w->alloc, w->args, w->nargs * sizeof *w->args);
    rt_free(w->alloc, w->paths, w->paths_cap * sizeof *w->paths);
    rt_arena_free(&w->strings);
    rt_free(w->alloc, w, sizeof *w);
}

static uint64_t ct_position(const rt_encoder *enc)
{
    const ct_encoder *w = (const ct_encoder *)enc;
    return rt_pending_position(&w->pending);
}

/* from is the current position (the writer holds from the event it is
 * about to write). */
static void ct_hold(rt_encoder *enc, uint64_t from)
{
    rt_pending_hold(&((ct_encoder *)enc)->pending, from);
}

static void ct_cut(rt_encoder *enc, uint64_t from, uint64_t to, uint64_t nevents)
{
    ct_encoder *w = (ct_encoder *)enc;
    rt_pending_cut(&w->pending, from, to, (uint32_t)nevents);
    w->events -= nevents;
}

static const rt_encoder_ops ct_ops = {ct_write,    ct_flush, ct_finish, ct_destroy,
                                      ct_position, ct_hold,  ct_cut,    ct_repeat_value};

/* meta.dat's strings must be UTF-8: the debugger refuses the whole file
 * otherwise (CTFS.md 4.2). */
static int check_utf8(ct_encoder *w, rt_str s, const char *what)
{
    if (rt_utf8_valid(s.ptr, s.len))
        return RT_OK;
    return rt_err_set(w->err, RT_EUTF8, "ct writer: the %s is not valid UTF-8", what);
}

static int copy_metadata(ct_encoder *w, const rt_writer_options *o)
{
    const rt_metadata *md = o->metadata;
    if (copy_str(w, md ? md->program : NULL, &w->program) ||
        copy_str(w, md ? md->workdir : NULL, &w->workdir))
        return fail_mem(w);
    int rc;
    if ((rc = check_utf8(w, w->program, "program")) || (rc = check_utf8(w, w->workdir, "workdir")))
        return rc;
    if (md && md->nargs) {
        w->args = rt_malloc(w->alloc, md->nargs * sizeof *w->args);
        if (!w->args)
            return fail_mem(w);
        w->nargs = md->nargs;
        for (size_t i = 0; i < md->nargs; i++) {
            if (copy_str(w, md->args[i], &w->args[i]))
                return fail_mem(w);
            if ((rc = check_utf8(w, w->args[i], "program argument")))
                return rc;
        }
    }
    const char *id = md ? md->recording_id : NULL;
    if (id) {
        if (!rt_uuid7_is_canonical(id, strlen(id)))
            return rt_err_set(w->err, RT_EINVAL,
                              "ct writer: recording id \"%.40s\" is not a lowercase UUIDv7", id);
        memcpy(w->recording_id, id, RT_UUID_LEN + 1);
    } else {
        rt_uuid7_new(w->recording_id);
    }
    return RT_OK;
}

/* Block 0, meta.dat, events.log with its header, events.fmt. */
static int write_skeleton(ct_encoder *w)
{
    int rc = ctfs_wfile_init(&w->file, w->out->fd, w->out->name, w->err);
    rt_buf b;
    rt_buf_init(&b, w->alloc);
    if (!rc && !(rc = meta_bytes(w, &b)) && !(rc = ctfs_wmember_open(&w->meta, &w->file, "meta.dat")) &&
        !(rc = ctfs_wmember_append(&w->meta, b.data, b.len)))
        rc = ctfs_wmember_commit(&w->meta);
    rt_buf_free(&b);
    const char *fmt = w->cbor ? "cbor" : "split-binary";
    if (!rc && !(rc = ctfs_wmember_open(&w->log, &w->file, "events.log")) &&
        !(rc = ctfs_wmember_append(&w->log, CTFS_EVENTS_HEADER, CTFS_EVENTS_HEADER_LEN)) &&
        !(rc = ctfs_wmember_commit(&w->log)) && !(rc = ctfs_wmember_open(&w->fmt, &w->file, "events.fmt")) &&
        !(rc = ctfs_wmember_append(&w->fmt, fmt, strlen(fmt))))
        rc = ctfs_wmember_commit(&w->fmt);
    w->out->bytes = w->file.next_block * CTFS_BLOCK; /* the file size */
    return rc;
}

int rt_ct_encoder_new(const rt_encoder_env *env, rt_encoder **out)
{
    const rt_writer_options *o = env->opts;
    /* positioned writes: a regular file (or /dev/null), not a pipe, an
     * O_APPEND descriptor (pwrite would append) or a write_fn */
    int fl = env->out->fd >= 0 ? fcntl(env->out->fd, F_GETFL) : -1;
    if (env->out->write_fn || fl < 0 || (fl & O_APPEND) || lseek(env->out->fd, 0, SEEK_CUR) < 0)
        return rt_err_set(env->err, RT_EUNSUPPORTED,
                          "%s: trace.ct is written in place: it needs a seekable file",
                          env->out->name);
    ct_encoder *w = rt_malloc(env->alloc, sizeof *w);
    if (!w)
        return rt_err_set(env->err, RT_ENOMEM, "ct writer: out of memory");
    memset(w, 0, sizeof *w);
    w->base.ops = &ct_ops;
    w->out = env->out;
    w->err = env->err;
    w->alloc = env->alloc;
    w->dialect = rt_dialect_get(RT_DIALECT_0_19); /* what a .ct always holds */
    w->cbor = o->ct_cbor;
    w->chunk_bytes = o->frame_size ? o->frame_size : RT_CT_CHUNK_BYTES;
    if (w->chunk_bytes > RT_CT_MAX_CHUNK_BYTES)
        w->chunk_bytes = RT_CT_MAX_CHUNK_BYTES;
    rt_arena_init(&w->strings, env->alloc, 4096);
    rt_repeat_init(&w->repeats, env->alloc);
    int rc = copy_metadata(w, o);
    rt_pending_init(&w->pending, env->alloc);
    rt_buf_init(&w->frame, env->alloc);
    /* the window covers a chunk: a chunk's frame is cut at chunk_bytes and
     * less than RT_CT_RELEASE and an event more */
    int level = o->zstd_level ? o->zstd_level : RT_CT_LEVEL;
    int wlog = 10;
    while (wlog < 24 && ((size_t)1 << wlog) < w->chunk_bytes + RT_CT_RELEASE)
        wlog++;
    if (!rc && level >= ZSTD_minCLevel() && level <= ZSTD_maxCLevel() &&
        (unsigned)wlog > ZSTD_getCParams(level, 0, 0).windowLog)
        wlog = (int)ZSTD_getCParams(level, 0, 0).windowLog;
    if (!rc)
        rc = rt_zstream_init(&w->zs, level, wlog, o->compress_thread, write_chunk, w, "ct writer",
                             env->alloc, env->err);
    if (!rc && rt_buf_reserve(&w->pending.buf, 2 * RT_CT_RELEASE))
        rc = fail_mem(w);
    if (!rc)
        rc = write_skeleton(w);
    if (rc) {
        ct_destroy(&w->base);
        return rc;
    }
    *out = &w->base;
    return RT_OK;
}
