/* The writing half of seekable zstd: the stream cut into frames of
 * frame_size bytes, compressed by zstream.c (which this file owns and which
 * knows nothing of it), then the seek table. */
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

static int record(rt_zwriter *w, uint64_t compressed, uint64_t decompressed)
{
    if (w->frames >= RT_SEEK_MAX_FRAMES)
        return rt_err_set(w->err, RT_ELIMIT, "v1 writer: more than %u frames", RT_SEEK_MAX_FRAMES);
    if (compressed > 0xFFFFFFFFu)
        return rt_err_set(w->err, RT_ELIMIT, "v1 writer: a frame compressed to %llu bytes",
                          (unsigned long long)compressed);
    if (w->frames == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        uint32_t *e = rt_realloc(w->alloc, w->entries, w->cap * 2 * sizeof *e, cap * 2 * sizeof *e);
        if (!e)
            return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory (seek table)");
        w->entries = e;
        w->cap = cap;
    }
    w->entries[2 * w->frames] = (uint32_t)compressed;
    w->entries[2 * w->frames + 1] = (uint32_t)decompressed;
    w->frames++;
    w->compressed += compressed;
    w->decompressed += decompressed;
    return RT_OK;
}

/* Compressed bytes back from zstream: to the output; a frame's end into
 * the seek table. */
static int emit(void *ctx, const unsigned char *bytes, size_t len, bool frame_end,
                uint64_t frame_in, uint64_t tag)
{
    (void)tag;
    rt_zwriter *w = ctx;
    int rc = len ? rt_output_put(w->out, bytes, len) : RT_OK;
    w->frame_out += len;
    if (!rc && frame_end) {
        rc = record(w, w->frame_out, frame_in);
        w->frame_out = 0;
    }
    return rc;
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
    int wlog = level >= ZSTD_minCLevel() && level <= ZSTD_maxCLevel() ? window_log(level, frame_size)
                                                                       : 0;
    return rt_zstream_init(&w->zs, level, wlog, threaded, emit, w, "v1 writer", alloc, err);
}

int rt_zwriter_write(rt_zwriter *w, const void *src, size_t n)
{
    const unsigned char *p = src;
    while (n) {
        size_t take = w->frame_size - w->frame_in;
        if (take > n)
            take = n;
        int rc = rt_zstream_write(&w->zs, p, take);
        if (rc)
            return rc;
        w->frame_in += take;
        p += take;
        n -= take;
        if (w->frame_in == w->frame_size && (rc = rt_zwriter_end_frame(w, false)))
            return rc;
    }
    return RT_OK;
}

int rt_zwriter_end_frame(rt_zwriter *w, bool force)
{
    if (!w->frame_in && !force)
        return w->zs.status;
    w->frame_in = 0;
    w->ended++;
    return rt_zstream_end_frame(&w->zs, 0, force);
}

int rt_zwriter_collect(rt_zwriter *w, bool wait)
{
    return rt_zstream_collect(&w->zs, wait);
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
    rt_zstream_free(&w->zs);
    rt_free(w->alloc, w->entries, w->cap * 2 * sizeof *w->entries);
    w->entries = NULL;
    w->frames = w->cap = 0;
}
