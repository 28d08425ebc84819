/* The v1 decoder (FORMAT.md section 7): the frames of src/zstd decompressed
 * into a rolling buffer, CBOR items decoded from it one event per call.
 *
 * Memory stays bounded whatever the file size: the buffer holds at most one
 * item and what was decompressed past it, and grows (doubling, as data
 * actually arrives) only to hold an item, up to RT_V1_MAX_ITEM. An item that
 * runs past the buffer is decoded again once more data is in; the retry
 * waits for at least twice the bytes of the failed attempt, so the total
 * work stays linear in the item size. */
#include "cbor/cbor_event_decode.h"
#include "common/decoder.h"
#include "zstd/seekable.h"

#define BUF_INITIAL ((size_t)128 * 1024)

typedef struct v1_decoder {
    rt_decoder base;
    rt_decoder_env env;
    rt_zreader z;
    unsigned char *buf;
    size_t cap, pos, len;
    uint64_t buf_off; /* CBOR stream offset of buf[0] */
    size_t want;      /* bytes after pos to have before the next attempt */
    size_t tried;     /* bytes after pos at the last failed attempt */
    bool zend;        /* the zstd layer is at its end */
} v1_decoder;

static int fail(v1_decoder *v, int code, const char *fmt, const char *what)
{
    return rt_err_set(v->env.err, code, fmt, v->env.src->name,
                      (unsigned long long)*v->env.event_index,
                      (unsigned long long)(v->buf_off + v->pos), what);
}

/* Makes room after len: moves the unread bytes to the front, or grows. */
static int make_room(v1_decoder *v)
{
    if (v->len < v->cap)
        return RT_OK;
    if (v->pos > 0) {
        memmove(v->buf, v->buf + v->pos, v->len - v->pos);
        v->len -= v->pos;
        v->buf_off += v->pos;
        v->pos = 0;
        return RT_OK;
    }
    if (v->cap >= RT_V1_MAX_ITEM)
        return fail(v, RT_ELIMIT, "%s: event %llu: CBOR byte %llu: %s", "item larger than the limit");
    size_t cap = v->cap * 2 > RT_V1_MAX_ITEM ? RT_V1_MAX_ITEM : v->cap * 2;
    unsigned char *b = rt_realloc(v->env.alloc, v->buf, v->cap, cap);
    if (!b)
        return fail(v, RT_ENOMEM, "%s: event %llu: CBOR byte %llu: %s", "out of memory");
    v->buf = b;
    v->cap = cap;
    return RT_OK;
}

/* Decompresses more into the buffer: RT_OK, RT_READ_PENDING or an error. */
static int fill(v1_decoder *v)
{
    int rc = make_room(v);
    if (rc)
        return rc;
    size_t got;
    rc = rt_zreader_read(&v->z, v->buf + v->len, v->cap - v->len, &got);
    if (rc == RT_OK) {
        v->len += got;
        return RT_OK;
    }
    if (rc == RT_ZREAD_END) {
        v->zend = true;
        return RT_OK;
    }
    if (rc == RT_ZREAD_PENDING)
        return RT_READ_PENDING;
    if (rc != RT_EIO) /* read errors already name the source */
        rt_err_prefix(v->env.err, "%s: event %llu", v->env.src->name,
                      (unsigned long long)*v->env.event_index);
    return rc;
}

static int v1_next(rt_decoder *dec, rt_event *out)
{
    v1_decoder *v = (v1_decoder *)dec;
    bool retry = false;
    for (;;) {
        size_t avail = v->len - v->pos;
        if (avail && (avail >= v->want || v->zend || retry)) {
            cbor_dec d = {v->buf + v->pos, v->buf + v->pos, v->buf + v->len, 0,
                          v->env.err,      v->env.src->name, *v->env.event_index,
                          v->buf_off + v->pos, 0};
            int rc = rt_cbor_decode_event(&d, v->env.event_arena, out);
            if (rc == RT_OK) {
                v->base.spelling = d.spelling;
                v->pos += (size_t)(d.p - d.start);
                v->base.event_size = (uint64_t)(d.p - d.start);
                v->want = 1;
                v->tried = 0;
                return RT_READ_EVENT;
            }
            if (rc != CBOR_NEED)
                return rc;
            if (v->zend)
                return fail(v, RT_EFORMAT, "%s: event %llu: CBOR byte %llu: %s",
                            "the data ends inside an event");
            if (d.need > RT_V1_MAX_ITEM)
                return fail(v, RT_ELIMIT, "%s: event %llu: CBOR byte %llu: %s",
                            "event larger than the item limit");
            rt_arena_reset(v->env.event_arena);
            size_t twice = avail > RT_V1_MAX_ITEM / 2 ? RT_V1_MAX_ITEM : avail * 2;
            v->want = d.need > twice ? d.need : twice;
            v->tried = avail;
            retry = false;
        } else if (!avail && v->zend) {
            if (!v->z.table_consistent)
                return fail(v, RT_EFORMAT, "%s: event %llu: CBOR byte %llu: %s",
                            "the seek table does not match the frames");
            return RT_READ_END;
        }
        int rc = fill(v);
        if (rc == RT_READ_PENDING && v->len - v->pos > v->tried) {
            /* Nothing more for now: the bytes that did arrive may complete
             * the event, so try them before waiting. */
            retry = true;
            continue;
        }
        if (rc)
            return rc;
    }
}

static void v1_destroy(rt_decoder *dec)
{
    v1_decoder *v = (v1_decoder *)dec;
    rt_zreader_free(&v->z);
    rt_free(v->env.alloc, v->buf, v->cap);
    rt_free(v->env.alloc, v, sizeof *v);
}

static const rt_decoder_ops v1_ops = {v1_next, v1_destroy};

int rt_v1_decoder_new(const rt_decoder_env *env, rt_decoder **out)
{
    v1_decoder *v = rt_malloc(env->alloc, sizeof *v);
    if (!v)
        return rt_err_set(env->err, RT_ENOMEM, "%s: out of memory", env->src->name);
    memset(v, 0, sizeof *v);
    v->base.ops = &v1_ops;
    v->env = *env;
    v->want = 1;
    int rc = rt_zreader_init(&v->z, env->src, env->alloc, env->err);
    if (rc) {
        rt_err_prefix(env->err, "%s", env->src->name);
        rt_free(env->alloc, v, sizeof *v);
        return rc;
    }
    v->cap = BUF_INITIAL;
    v->buf = rt_malloc(env->alloc, v->cap);
    if (!v->buf) {
        v->cap = 0;
        v1_destroy(&v->base);
        return rt_err_set(env->err, RT_ENOMEM, "%s: out of memory", env->src->name);
    }
    *out = &v->base;
    return RT_OK;
}
