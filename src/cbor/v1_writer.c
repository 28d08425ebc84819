/* The v1 encoder (FORMAT.md section 7): events as CBOR items written straight
 * into a small pending buffer, handed to the seekable-zstd layer (src/zstd)
 * every RT_V1_CHUNK bytes; it cuts an independent frame every frame_size
 * uncompressed bytes (inside an event too, like the reference) and the seek
 * table goes at the end. v1 = CBOR (this folder) + seekable zstd (src/zstd),
 * the one dependency allowed between format folders.
 *
 * The pending buffer stays small (a chunk and one event, not a whole frame)
 * and the compressor sees the data while it is still in the cache. Measured
 * on the BENCH.md mix, the CPU cost is the same as compressing whole frames;
 * libzstd's own worker threads (ZSTD_c_nbWorkers, which Debian's libzstd
 * supports) made it slower on two cores; the zstd layer's own thread
 * (opts->compress_thread, src/zstd/frame_thread.c) takes zstd's share off
 * the caller's thread. */
#include "cbor/cbor_event.h"
#include "common/binary_header.h"
#include "common/encoder.h"
#include "zstd/seekable.h"

#define RT_V1_CHUNK ((size_t)32 * 1024)

typedef struct v1_encoder {
    rt_encoder base;
    rt_output *out;
    rt_err *err;
    const rt_allocator *alloc;
    const rt_dialect_desc *dialect;
    rt_buf pending; /* CBOR not yet given to the compressor */
    uint64_t consumed; /* CBOR bytes given to the compressor */
    uint64_t keep_from; /* a held tail (encoder.h) stays in pending */
    rt_zwriter zw;
    int status; /* sticky failure of the compressor */
} v1_encoder;

/* Bytes of pending before the held tail. */
static size_t releasable(const v1_encoder *w)
{
    uint64_t held = w->keep_from - w->consumed;
    return held < w->pending.len ? (size_t)held : w->pending.len;
}

/* Hands the pending CBOR before the held tail to the compressor. */
static int compress_pending(v1_encoder *w)
{
    size_t n = releasable(w);
    int rc = rt_zwriter_write(&w->zw, w->out, w->pending.data, n);
    if (rc)
        return w->status = rc;
    memmove(w->pending.data, w->pending.data + n, w->pending.len - n);
    w->pending.len -= n;
    w->consumed += n;
    return rt_output_maybe_drain(w->out);
}

static int v1_write(rt_encoder *enc, const rt_event *e)
{
    v1_encoder *w = (v1_encoder *)enc;
    if (w->status)
        return w->status;
    if (w->out->status)
        return w->out->status;
    size_t mark = w->pending.len;
    if (rt_cbor_encode_event(&w->pending, e, w->dialect)) {
        w->pending.len = mark; /* never leave half an event behind */
        return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory");
    }
    return w->pending.len >= RT_V1_CHUNK && releasable(w) ? compress_pending(w) : RT_OK;
}

static int v1_flush(rt_encoder *enc)
{
    v1_encoder *w = (v1_encoder *)enc;
    if (w->status)
        return w->status;
    int rc = compress_pending(w);
    if (!rc && (rc = rt_zwriter_end_frame(&w->zw, w->out, false)))
        w->status = rc;
    return rc ? rc : rt_output_drain(w->out);
}

static int v1_finish(rt_encoder *enc)
{
    v1_encoder *w = (v1_encoder *)enc;
    if (w->status)
        return w->status;
    int rc = compress_pending(w);
    /* An empty stream still gets one (empty) frame, as the reference writes. */
    if (!rc && (rc = rt_zwriter_end_frame(&w->zw, w->out, w->zw.frames == 0)))
        w->status = rc;
    if (!rc && (rc = rt_zwriter_seek_table(&w->zw, w->out)))
        w->status = rc;
    return rc ? rc : rt_output_drain(w->out);
}

static void v1_destroy(rt_encoder *enc)
{
    v1_encoder *w = (v1_encoder *)enc;
    rt_zwriter_free(&w->zw);
    rt_buf_free(&w->pending);
    rt_free(w->alloc, w, sizeof *w);
}

static uint64_t v1_position(const rt_encoder *enc)
{
    const v1_encoder *w = (const v1_encoder *)enc;
    return w->consumed + w->pending.len;
}

static void v1_hold(rt_encoder *enc, uint64_t from)
{
    ((v1_encoder *)enc)->keep_from = from;
}

static void v1_cut(rt_encoder *enc, uint64_t from, uint64_t to, uint64_t nevents)
{
    (void)nevents;
    v1_encoder *w = (v1_encoder *)enc;
    size_t at = (size_t)(from - w->consumed), n = (size_t)(to - from);
    memmove(w->pending.data + at, w->pending.data + at + n, w->pending.len - at - n);
    w->pending.len -= n;
}

static const rt_encoder_ops v1_ops = {v1_write,    v1_flush, v1_finish, v1_destroy,
                                      v1_position, v1_hold,  v1_cut};

int rt_v1_encoder_new(const rt_encoder_env *env, rt_encoder **out)
{
    size_t frame_size = env->opts->frame_size ? env->opts->frame_size : (size_t)2 << 20;
    int level = env->opts->zstd_level ? env->opts->zstd_level : 3;
    v1_encoder *w = rt_malloc(env->alloc, sizeof *w);
    if (!w)
        return rt_err_set(env->err, RT_ENOMEM, "v1 writer: out of memory");
    memset(w, 0, sizeof *w);
    w->base.ops = &v1_ops;
    w->base.pos_buf = &w->pending;
    w->base.pos_base = &w->consumed;
    w->out = env->out;
    w->err = env->err;
    w->alloc = env->alloc;
    w->dialect = rt_dialect_get(env->opts->dialect);
    w->keep_from = RT_HOLD_NONE;
    rt_buf_init(&w->pending, env->alloc);
    int rc = rt_zwriter_init(&w->zw, level, frame_size, env->opts->compress_thread, env->alloc,
                             env->err);
    if (rc) {
        v1_destroy(&w->base);
        return rc;
    }
    /* A chunk and the event that crosses its end, without regrowing. */
    if (rt_buf_reserve(&w->pending, 2 * RT_V1_CHUNK)) {
        v1_destroy(&w->base);
        return rt_err_set(env->err, RT_ENOMEM, "v1 writer: out of memory");
    }
    static const unsigned char header[RT_BINARY_HEADER_LEN] = {0xC0, 0xDE, 0x72, 0xAC, 0xE2,
                                                              RT_BINARY_VERSION_V1, 0, 0};
    if ((rc = rt_output_put(w->out, header, sizeof header))) {
        v1_destroy(&w->base);
        return rc;
    }
    *out = &w->base;
    return RT_OK;
}
