/* The writing half of seekable zstd: a zstd stream ended (ZSTD_e_end) every
 * frame_size input bytes, each end making an independent frame, then the
 * seek table. */
#include "zstd/frame_thread.h"

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static int zstd_fail(rt_err *err, size_t code, const char *what)
{
    int rc = ZSTD_getErrorCode(code) == ZSTD_error_memory_allocation ? RT_ENOMEM : RT_EIO;
    return rt_err_set(err, rc, "v1 writer: zstd %s failed: %s", what, ZSTD_getErrorName(code));
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

int rt_zwriter_init(rt_zwriter *w, int level, size_t frame_size, bool threaded,
                    const rt_allocator *alloc, rt_err *err)
{
    memset(w, 0, sizeof *w);
    w->alloc = alloc;
    w->err = err;
    w->frame_size = frame_size;
    if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
        return rt_err_set(err, RT_EINVAL, "v1 writer: zstd level %d out of range %d..%d", level,
                          ZSTD_minCLevel(), ZSTD_maxCLevel());
    if (frame_size == 0 || frame_size > RT_ZSTD_MAX_FRAME_SIZE)
        return rt_err_set(err, RT_EINVAL, "v1 writer: frame_size %zu out of range 1..%zu",
                          frame_size, RT_ZSTD_MAX_FRAME_SIZE);
    w->cctx = ZSTD_createCCtx_advanced(rt_zstd_mem(alloc));
    if (!w->cctx)
        return rt_err_set(err, RT_ENOMEM, "v1 writer: out of memory (zstd context)");
    size_t r;
    if (ZSTD_isError(r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level)) ||
        ZSTD_isError(r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 0)) ||
        ZSTD_isError(r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 0)) ||
        ZSTD_isError(r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_windowLog, window_log(level, frame_size)))) {
        int rc = zstd_fail(err, r, "setup");
        rt_zwriter_free(w);
        return rc;
    }
    if (threaded) {
        int rc = rt_zthread_start(w);
        if (rc == RT_ENOMEM) {
            rt_zwriter_free(w);
            return rc;
        }
        /* RT_EIO: no thread could start; compress in the caller's thread. */
    }
    return RT_OK;
}

int rt_zwriter_record(rt_zwriter *w, uint64_t compressed, uint64_t decompressed)
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

/* Runs the compressor over in with op, output appended to out's buffer.
 * For ZSTD_e_end, until the frame is complete. */
static int run(rt_zwriter *w, rt_output *out, ZSTD_inBuffer *in, ZSTD_EndDirective op)
{
    size_t room = ZSTD_CStreamOutSize();
    for (;;) {
        if (rt_buf_reserve(&out->buf, room))
            return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory (%zu bytes)", room);
        ZSTD_outBuffer ob = {out->buf.data + out->buf.len, out->buf.cap - out->buf.len, 0};
        size_t r = ZSTD_compressStream2(w->cctx, &ob, in, op);
        if (ZSTD_isError(r))
            return zstd_fail(w->err, r, "compression");
        out->buf.len += ob.pos;
        w->frame_out += ob.pos;
        if (op == ZSTD_e_end ? r == 0 : in->pos == in->size)
            return RT_OK;
    }
}

static int close_frame(rt_zwriter *w, rt_output *out)
{
    ZSTD_inBuffer none = {NULL, 0, 0};
    int rc = run(w, out, &none, ZSTD_e_end);
    if (!rc)
        rc = rt_zwriter_record(w, w->frame_out, w->frame_in);
    w->frame_in = 0;
    w->frame_out = 0;
    w->open = false;
    return rc;
}

int rt_zwriter_write(rt_zwriter *w, rt_output *out, const void *src, size_t n)
{
    if (w->thread)
        return rt_zthread_write(w, out, src, n);
    const unsigned char *p = src;
    while (n) {
        size_t take = w->frame_size - w->frame_in;
        if (take > n)
            take = n;
        ZSTD_inBuffer in = {p, take, 0};
        int rc = run(w, out, &in, ZSTD_e_continue);
        if (rc)
            return rc;
        w->open = true;
        w->frame_in += take;
        p += take;
        n -= take;
        if (w->frame_in == w->frame_size && (rc = close_frame(w, out)))
            return rc;
    }
    return RT_OK;
}

int rt_zwriter_end_frame(rt_zwriter *w, rt_output *out, bool force)
{
    if (w->thread)
        return rt_zthread_end_frame(w, out, force);
    if (w->open)
        return close_frame(w, out);
    if (!force)
        return RT_OK;
    /* The reference's empty frame carries a content size of 0; match it. */
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
    int rc = close_frame(w, out);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 0);
    return rc;
}

int rt_zwriter_seek_table(rt_zwriter *w, rt_output *out)
{
    size_t size = 8 * w->frames + RT_SEEK_FOOTER_LEN;
    if (rt_buf_reserve(&out->buf, 8 + size))
        return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory (seek table)");
    unsigned char *p = out->buf.data + out->buf.len;
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
    out->buf.len += 8 + size;
    return RT_OK;
}

void rt_zwriter_free(rt_zwriter *w)
{
    if (w->thread)
        rt_zthread_stop(w);
    ZSTD_freeCCtx(w->cctx);
    w->cctx = NULL;
    rt_free(w->alloc, w->entries, w->cap * 2 * sizeof *w->entries);
    w->entries = NULL;
    w->frames = w->cap = 0;
}
