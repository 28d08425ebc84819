/* The writing half of seekable zstd: the stream cut into frames of
 * frame_size bytes, each compressed whole by the frame worker (zworker.c,
 * which this file owns and which knows nothing of it), then the seek
 * table. Whole-frame compression reads the frame where the encoder wrote
 * it; the streaming API copied it into libzstd's window first. */
#include "zstd/seekable.h"

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* The level's window, but no larger than a frame (a frame never refers to
 * another, so a larger window only makes every reader allocate more) nor
 * than readers accept. (For the default 2 MiB frames at level 3 it is the
 * level's own 2 MiB.) */
static int window_log(int level, size_t frame_size)
{
    unsigned level_log = ZSTD_getCParams(level, 0, 0).windowLog;
    if (level_log > RT_ZSTD_MAX_WINDOW_LOG)
        level_log = RT_ZSTD_MAX_WINDOW_LOG;
    unsigned log = ZSTD_WINDOWLOG_MIN;
    while (log < level_log && ((size_t)1 << log) < frame_size)
        log++;
    return (int)log;
}

/* A frame the worker finished: to the output, and into the seek table. */
static int emit_frame(void *ctx, const unsigned char *frame, size_t len, size_t in_len,
                      uint64_t tag)
{
    (void)tag;
    rt_zwriter *w = ctx;
    if (w->frames >= RT_SEEK_MAX_FRAMES)
        return rt_err_set(w->err, RT_ELIMIT, "v1 writer: more than %u frames", RT_SEEK_MAX_FRAMES);
    if (len > 0xFFFFFFFFu)
        return rt_err_set(w->err, RT_ELIMIT, "v1 writer: a frame compressed to %zu bytes", len);
    if (w->frames == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        uint32_t *e = rt_realloc(w->alloc, w->entries, w->cap * 2 * sizeof *e, cap * 2 * sizeof *e);
        if (!e)
            return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory (seek table)");
        w->entries = e;
        w->cap = cap;
    }
    int rc = rt_output_put(w->out, frame, len);
    if (rc)
        return rc;
    w->entries[2 * w->frames] = (uint32_t)len;
    w->entries[2 * w->frames + 1] = (uint32_t)in_len;
    w->frames++;
    w->compressed += len;
    w->decompressed += in_len;
    return RT_OK;
}

int rt_zwriter_init(rt_zwriter *w, rt_output *out, int level, size_t frame_size, bool threaded,
                    const rt_allocator *alloc, rt_err *err)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->alloc = alloc;
    w->err = err;
    w->frame_size = frame_size;
    if (frame_size == 0 || frame_size > RT_ZSTD_MAX_FRAME_SIZE)
        return rt_err_set(err, RT_EINVAL, "v1 writer: frame_size %zu out of range 1..%zu",
                          frame_size, RT_ZSTD_MAX_FRAME_SIZE);
    rt_zparams p = {level, 0, false};
    if (level >= ZSTD_minCLevel() && level <= ZSTD_maxCLevel())
        p.window_log = window_log(level, frame_size);
    /* A frame and the event that crosses its end, without regrowing. */
    size_t reserve = frame_size < ((size_t)4 << 20) ? frame_size + 64 * 1024 : (size_t)4 << 20;
    return rt_zworker_init(&w->zw, &p, threaded, reserve, emit_frame, w, "v1 writer", alloc, err);
}

static int submit(rt_zwriter *w, size_t nframes, size_t frame_len)
{
    int rc = rt_zworker_submit_run(&w->zw, nframes, frame_len, 0);
    if (!rc) {
        w->stream_at += (uint64_t)nframes * frame_len;
        w->submitted += nframes;
    }
    return rc ? rc : rt_output_maybe_drain(w->out);
}

int rt_zwriter_release(rt_zwriter *w, size_t upto)
{
    size_t n = upto / w->frame_size;
    return n ? submit(w, n, w->frame_size) : w->zw.status;
}

int rt_zwriter_end_frame(rt_zwriter *w, size_t upto, bool force)
{
    int rc = rt_zwriter_release(w, upto);
    upto %= w->frame_size;
    if (rc || (!upto && !force))
        return rc;
    if (upto)
        return submit(w, 1, upto);
    /* The reference's empty frame carries a content size of 0; match it. */
    if (!(rc = rt_zworker_set_content_size(&w->zw, true)) && !(rc = submit(w, 1, 0)))
        rc = rt_zworker_set_content_size(&w->zw, false);
    return rc;
}

int rt_zwriter_collect(rt_zwriter *w, bool wait)
{
    return rt_zworker_collect(&w->zw, wait);
}

int rt_zwriter_seek_table(rt_zwriter *w)
{
    size_t size = 8 * w->frames + RT_SEEK_FOOTER_LEN;
    rt_buf *b = &w->out->buf;
    if (rt_buf_reserve(b, 8 + size))
        return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory (seek table)");
    unsigned char *p = b->data + b->len;
    put_le32(p, RT_SEEK_TABLE_MAGIC);
    put_le32(p + 4, (uint32_t)size);
    p += 8;
    for (size_t i = 0; i < w->frames; i++, p += 8) {
        put_le32(p, w->entries[2 * i]);
        put_le32(p + 4, w->entries[2 * i + 1]);
    }
    put_le32(p, (uint32_t)w->frames);
    p[4] = 0; /* descriptor: no checksums */
    put_le32(p + 5, RT_SEEK_FOOTER_MAGIC);
    b->len += 8 + size;
    return RT_OK;
}

void rt_zwriter_free(rt_zwriter *w)
{
    rt_zworker_free(&w->zw);
    rt_free(w->alloc, w->entries, w->cap * 2 * sizeof *w->entries);
    w->entries = NULL;
    w->frames = w->cap = 0;
}
