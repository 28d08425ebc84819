/* The v1 encoder (FORMAT.md section 7): events as CBOR items written straight
 * into the open zstd frame's buffer of the seekable-zstd layer (src/zstd),
 * which cuts an independent frame every frame_size uncompressed bytes
 * (inside an event too, like the reference) and compresses each whole, on
 * its own thread when opts->compress_thread (src/zstd/zworker.c); the seek
 * table goes at the end. v1 = CBOR (this folder) + seekable zstd
 * (src/zstd), the one dependency allowed between format folders.
 *
 * A held tail (encoder.h) is the end of the open frame's buffer: frames are
 * closed only before it. libzstd's own worker threads (ZSTD_c_nbWorkers)
 * made it slower on two cores (docs/performance.md). */
#include "cbor/cbor_event.h"
#include "common/binary_header.h"
#include "common/encoder.h"
#include "common/repeat_cache.h"
#include "zstd/seekable.h"

typedef struct v1_encoder {
    rt_encoder base;
    rt_output *out;
    rt_err *err;
    const rt_allocator *alloc;
    const rt_dialect_desc *dialect;
    uint64_t keep_from; /* a held tail (encoder.h) stays in the open frame */
    rt_zwriter zw;
    rt_repeat_cache repeats; /* the CBOR of kept variables' last values */
    int status; /* sticky failure of the compressor */
} v1_encoder;

/* Bytes of the open frame's buffer before the held tail. */
static size_t releasable(const v1_encoder *w)
{
    uint64_t held = w->keep_from - w->zw.stream_at;
    size_t len = rt_zwriter_input((rt_zwriter *)&w->zw)->len;
    return held < len ? (size_t)held : len;
}

/* A Value event: its head, then the value's item, kept when its variable
 * is (a failed one leaves nothing kept). */
static int encode_value_event(v1_encoder *w, rt_buf *b, const rt_event *e)
{
    uint64_t id = e->u.value.variable_id;
    bool keep = rt_repeat_kept(&w->repeats, id);
    if (rt_buf_reserve(b, RT_CBOR_VALUE_HEAD_MAX)) {
        if (keep)
            w->repeats.slots[id].valid = false;
        return RT_ENOMEM;
    }
    b->len = (size_t)(rt_cbor_value_head(b->data + b->len, id) - b->data);
    size_t at = b->len;
    int rc = rt_cbor_encode_value(b, &e->u.value.value, w->dialect);
    if (keep) {
        if (rc)
            w->repeats.slots[id].valid = false;
        else
            rt_repeat_store(&w->repeats, id, b->data + at, b->len - at);
    }
    return rc;
}

/* After an event: the whole frames before the held tail go. */
static int written(v1_encoder *w, const rt_buf *b)
{
    if (b->len < w->zw.frame_size)
        return RT_OK;
    int rc = rt_zwriter_release(&w->zw, releasable(w));
    return rc ? (w->status = rc) : RT_OK;
}

static int v1_write(rt_encoder *enc, const rt_event *e)
{
    v1_encoder *w = (v1_encoder *)enc;
    if (w->status)
        return w->status;
    if (w->out->status)
        return w->out->status;
    rt_buf *b = rt_zwriter_input(&w->zw);
    size_t mark = b->len;
    int rc = e->kind == RT_EVENT_VALUE ? encode_value_event(w, b, e)
                                       : rt_cbor_encode_event(b, e, w->dialect);
    if (rc) {
        b->len = mark; /* never leave half an event behind */
        return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory");
    }
    return written(w, b);
}

static int v1_repeat_value(rt_encoder *enc, uint64_t variable_id, bool keep_only)
{
    v1_encoder *w = (v1_encoder *)enc;
    if (w->status)
        return w->status;
    if (w->out->status)
        return w->out->status;
    const rt_repeat_slot *s = rt_repeat_find(&w->repeats, variable_id, keep_only);
    if (!s)
        return RT_REPEAT_MISS;
    rt_buf *b = rt_zwriter_input(&w->zw);
    if (rt_buf_reserve(b, RT_CBOR_VALUE_HEAD_MAX + s->len))
        return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory");
    unsigned char *p = rt_cbor_value_head(b->data + b->len, variable_id);
    memcpy(p, s->bytes, s->len);
    b->len = (size_t)(p + s->len - b->data);
    return written(w, b);
}

/* The frames before the held tail closed; wait: and written. */
static int v1_flush(rt_encoder *enc, bool wait)
{
    v1_encoder *w = (v1_encoder *)enc;
    if (w->status)
        return w->status;
    int rc = rt_zwriter_end_frame(&w->zw, releasable(w), false);
    if (!rc)
        rc = rt_zwriter_collect(&w->zw, wait);
    if (rc)
        return w->status = rc;
    return rt_output_drain(w->out);
}

static int v1_finish(rt_encoder *enc)
{
    v1_encoder *w = (v1_encoder *)enc;
    if (w->status)
        return w->status;
    /* An empty stream still gets one (empty) frame, as the reference writes. */
    int rc = rt_zwriter_end_frame(&w->zw, releasable(w), w->zw.submitted == 0);
    if (!rc)
        rc = rt_zwriter_collect(&w->zw, true);
    if (!rc)
        rc = rt_zwriter_seek_table(&w->zw);
    if (rc)
        return w->status = rc;
    return rt_output_drain(w->out);
}

static void v1_destroy(rt_encoder *enc)
{
    v1_encoder *w = (v1_encoder *)enc;
    rt_zwriter_free(&w->zw);
    rt_repeat_free(&w->repeats);
    rt_free(w->alloc, w, sizeof *w);
}

static uint64_t v1_position(const rt_encoder *enc)
{
    v1_encoder *w = (v1_encoder *)enc;
    return w->zw.stream_at + rt_zwriter_input(&w->zw)->len;
}

static void v1_hold(rt_encoder *enc, uint64_t from)
{
    ((v1_encoder *)enc)->keep_from = from;
}

static void v1_cut(rt_encoder *enc, uint64_t from, uint64_t to, uint64_t nevents)
{
    (void)nevents;
    v1_encoder *w = (v1_encoder *)enc;
    rt_buf *b = rt_zwriter_input(&w->zw);
    size_t at = (size_t)(from - w->zw.stream_at), n = (size_t)(to - from);
    memmove(b->data + at, b->data + at + n, b->len - at - n);
    b->len -= n;
}

static const rt_encoder_ops v1_ops = {v1_write,    v1_flush, v1_finish, v1_destroy,
                                      v1_position, v1_hold,  v1_cut,    v1_repeat_value};

int rt_v1_encoder_new(const rt_encoder_env *env, rt_encoder **out)
{
    size_t frame_size = env->opts->frame_size ? env->opts->frame_size : (size_t)2 << 20;
    int level = env->opts->zstd_level ? env->opts->zstd_level : 3;
    v1_encoder *w = rt_malloc(env->alloc, sizeof *w);
    if (!w)
        return rt_err_set(env->err, RT_ENOMEM, "v1 writer: out of memory");
    memset(w, 0, sizeof *w);
    w->base.ops = &v1_ops;
    w->out = env->out;
    w->err = env->err;
    w->alloc = env->alloc;
    w->dialect = rt_dialect_get(env->opts->dialect);
    w->keep_from = RT_HOLD_NONE;
    rt_repeat_init(&w->repeats, env->alloc);
    int rc = rt_zwriter_init(&w->zw, w->out, level, frame_size, env->opts->compress_thread,
                             env->alloc, env->err);
    if (rc) {
        v1_destroy(&w->base);
        return rc;
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
