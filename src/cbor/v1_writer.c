/* The v1 encoder (FORMAT.md section 7): events as CBOR items written straight
 * into the pending frame buffer, cut into independent zstd frames every
 * frame_size uncompressed bytes (inside an event too, like the reference),
 * and a seek table at the end. v1 = CBOR (this folder) + seekable zstd
 * (src/zstd), the one dependency allowed between format folders.
 *
 * Compressing a whole frame at once (rather than streaming event by event)
 * keeps the per-event cost to the CBOR encoding, and a frame is a unit that
 * could be handed to a second thread unchanged. */
#include "cbor/cbor_event.h"
#include "common/binary_header.h"
#include "common/encoder.h"
#include "zstd/seekable.h"

typedef struct v1_encoder {
    rt_encoder base;
    rt_output *out;
    rt_err *err;
    const rt_allocator *alloc;
    rt_buf pending; /* CBOR not yet in a frame */
    size_t frame_size;
    rt_zwriter zw;
    int status; /* sticky failure of the frame machinery */
} v1_encoder;

/* Compresses every full frame held in pending, keeps the rest. */
static int cut_frames(v1_encoder *w)
{
    size_t off = 0;
    int rc = RT_OK;
    while (w->pending.len - off >= w->frame_size) {
        rc = rt_zwriter_frame(&w->zw, w->out, w->pending.data + off, w->frame_size);
        if (rc)
            break;
        off += w->frame_size;
        if ((rc = rt_output_maybe_drain(w->out)))
            break;
    }
    if (off) {
        memmove(w->pending.data, w->pending.data + off, w->pending.len - off);
        w->pending.len -= off;
    }
    if (rc)
        w->status = rc;
    return rc;
}

/* Closes the current frame (when it holds anything, or when force). */
static int close_frame(v1_encoder *w, bool force)
{
    if (w->pending.len == 0 && !force)
        return RT_OK;
    int rc = rt_zwriter_frame(&w->zw, w->out, w->pending.data, w->pending.len);
    if (rc)
        return w->status = rc;
    w->pending.len = 0;
    return RT_OK;
}

static int v1_write(rt_encoder *enc, const rt_event *e)
{
    v1_encoder *w = (v1_encoder *)enc;
    if (w->status)
        return w->status;
    if (w->out->status)
        return w->out->status;
    size_t mark = w->pending.len;
    if (rt_cbor_encode_event(&w->pending, e)) {
        w->pending.len = mark; /* never leave half an event behind */
        return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory");
    }
    if (w->pending.len >= w->frame_size)
        return cut_frames(w);
    return RT_OK;
}

static int v1_flush(rt_encoder *enc)
{
    v1_encoder *w = (v1_encoder *)enc;
    if (w->status)
        return w->status;
    int rc = close_frame(w, false);
    return rc ? rc : rt_output_drain(w->out);
}

static int v1_finish(rt_encoder *enc)
{
    v1_encoder *w = (v1_encoder *)enc;
    if (w->status)
        return w->status;
    if (w->out->status)
        return w->out->status;
    /* An empty stream still gets one (empty) frame, as the reference writes. */
    int rc = close_frame(w, w->zw.frames == 0);
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

static const rt_encoder_ops v1_ops = {v1_write, v1_flush, v1_finish, v1_destroy};

int rt_v1_encoder_new(const rt_encoder_env *env, rt_encoder **out)
{
    size_t frame_size = env->opts->frame_size ? env->opts->frame_size : (size_t)2 << 20;
    int level = env->opts->zstd_level ? env->opts->zstd_level : 3;
    if (frame_size > RT_ZSTD_MAX_FRAME_SIZE)
        return rt_err_set(env->err, RT_EINVAL, "v1 writer: frame_size %zu is above the maximum %zu",
                          frame_size, RT_ZSTD_MAX_FRAME_SIZE);
    v1_encoder *w = rt_malloc(env->alloc, sizeof *w);
    if (!w)
        return rt_err_set(env->err, RT_ENOMEM, "v1 writer: out of memory");
    memset(w, 0, sizeof *w);
    w->base.ops = &v1_ops;
    w->out = env->out;
    w->err = env->err;
    w->alloc = env->alloc;
    w->frame_size = frame_size;
    rt_buf_init(&w->pending, env->alloc);
    int rc = rt_zwriter_init(&w->zw, level, env->alloc, env->err);
    if (rc) {
        rt_free(env->alloc, w, sizeof *w);
        return rc;
    }
    /* One frame and the event that crosses its end, without regrowing. */
    size_t first = frame_size <= ((size_t)8 << 20) ? frame_size + 64 * 1024 : (size_t)8 << 20;
    if (rt_buf_reserve(&w->pending, first)) {
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
