/* The v1 encoder (FORMAT.md section 7): events as CBOR items written straight
 * into a small pending buffer, handed to the seekable-zstd layer (src/zstd)
 * every RT_V1_CHUNK bytes; it cuts an independent frame every frame_size
 * uncompressed bytes (inside an event too, like the reference) and the seek
 * table goes at the end. v1 = CBOR (this folder) + seekable zstd (src/zstd),
 * the one dependency allowed between format folders.
 *
 * The pending buffer stays small (a chunk and one event, not a whole frame):
 * the bytes are copied on while they are still in the cache, by this thread
 * into the compression thread's pieces (opts->compress_thread,
 * src/zstd/zstream.c) or by libzstd into its window. libzstd's own worker
 * threads (ZSTD_c_nbWorkers) made it slower on two cores. */
#include "common/copy.h"
#include "cbor/cbor_event.h"
#include "common/binary_header.h"
#include "common/encoder.h"
#include "common/pending.h"
#include "common/repeat_cache.h"
#include "zstd/seekable.h"

#define RT_V1_CHUNK ((size_t)32 * 1024)

typedef struct v1_encoder {
    rt_encoder base;
    rt_output *out;
    rt_err *err;
    const rt_allocator *alloc;
    const rt_dialect_desc *dialect;
    rt_pending pending; /* CBOR not yet given to the compressor */
    rt_zwriter zw;
    rt_repeat_cache repeats; /* the CBOR of kept variables' last values */
    int status; /* sticky failure of the compressor */
} v1_encoder;

/* Hands the pending CBOR before the held tail to the compressor. */
static int compress_pending(v1_encoder *w)
{
    uint32_t nevents;
    size_t n = rt_pending_releasable(&w->pending, &nevents);
    int rc = rt_zwriter_write(&w->zw, w->pending.buf.data, n);
    if (rc)
        return w->status = rc;
    rt_pending_consume(&w->pending, n, nevents);
    return rt_output_maybe_drain(w->out);
}

/* A Value event: its head, then the value's item, kept when its variable
 * is (a failed one leaves nothing kept). */
static int encode_value_event(v1_encoder *w, rt_buf *b, const rt_event *e)
{
    uint64_t id = e->u.value.variable_id;
    int rc = RT_ENOMEM;
    size_t at = 0;
    if (!rt_buf_reserve(b, RT_CBOR_VALUE_HEAD_MAX)) {
        b->len = (size_t)(rt_cbor_value_head(b->data + b->len, id) - b->data);
        at = b->len;
        rc = rt_cbor_encode_value(b, &e->u.value.value, w->dialect);
    }
    rt_repeat_encoded(&w->repeats, id, rc, b, at);
    return rc;
}

/* After an event: a chunk before the held tail goes on. */
static int written(v1_encoder *w)
{
    uint32_t nevents;
    return w->pending.buf.len >= RT_V1_CHUNK && rt_pending_releasable(&w->pending, &nevents)
               ? compress_pending(w)
               : RT_OK;
}

static int v1_write(rt_encoder *enc, const rt_event *e)
{
    v1_encoder *w = (v1_encoder *)enc;
    if (w->status)
        return w->status;
    if (w->out->status)
        return w->out->status;
    rt_buf *b = &w->pending.buf;
    size_t mark = b->len;
    int rc = e->kind == RT_EVENT_VALUE ? encode_value_event(w, b, e)
                                       : rt_cbor_encode_event(b, e, w->dialect);
    if (rc) {
        b->len = mark; /* never leave half an event behind */
        return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory");
    }
    return written(w);
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
    rt_buf *b = &w->pending.buf;
    if (rt_buf_reserve(b, RT_CBOR_VALUE_HEAD_MAX + s->len))
        return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory");
    unsigned char *p = rt_cbor_value_head(b->data + b->len, variable_id);
    rt_copy(p, s->bytes, s->len);
    b->len = (size_t)(p + s->len - b->data);
    return written(w);
}

/* The frames before the held tail closed; wait: and written (else what the
 * thread is still compressing is written at the next flush). */
static int v1_flush(rt_encoder *enc, bool wait)
{
    v1_encoder *w = (v1_encoder *)enc;
    if (w->status)
        return w->status;
    int rc = compress_pending(w);
    if (!rc && !(rc = rt_zwriter_end_frame(&w->zw, false)))
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
    int rc = compress_pending(w);
    /* An empty stream still gets one (empty) frame, as the reference writes. */
    if (!rc)
        rc = rt_zwriter_end_frame(&w->zw, w->zw.ended == 0);
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
    rt_buf_free(&w->pending.buf);
    rt_free(w->alloc, w, sizeof *w);
}

static uint64_t v1_position(const rt_encoder *enc)
{
    return rt_pending_position(&((const v1_encoder *)enc)->pending);
}

static void v1_hold(rt_encoder *enc, uint64_t from)
{
    rt_pending_hold(&((v1_encoder *)enc)->pending, from);
}

static void v1_cut(rt_encoder *enc, uint64_t from, uint64_t to, uint64_t nevents)
{
    (void)nevents; /* v1 does not count its pending events */
    rt_pending_cut(&((v1_encoder *)enc)->pending, from, to, 0);
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
    rt_repeat_init(&w->repeats, env->alloc);
    rt_pending_init(&w->pending, env->alloc);
    int rc = rt_zwriter_init(&w->zw, w->out, level, frame_size, env->opts->compress_thread,
                             env->alloc, env->err);
    if (rc) {
        v1_destroy(&w->base);
        return rc;
    }
    /* A chunk and the event that crosses its end, without regrowing. */
    if (rt_buf_reserve(&w->pending.buf, 2 * RT_V1_CHUNK)) {
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
