/* The writing half of seekable zstd: one independent frame per call, then
 * the seek table. */
#include "zstd/seekable.h"

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

int rt_zwriter_init(rt_zwriter *w, int level, const rt_allocator *alloc, rt_err *err)
{
    memset(w, 0, sizeof *w);
    w->alloc = alloc;
    w->err = err;
    if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
        return rt_err_set(err, RT_EINVAL, "v1 writer: zstd level %d out of range %d..%d", level,
                          ZSTD_minCLevel(), ZSTD_maxCLevel());
    w->cctx = ZSTD_createCCtx_advanced(rt_zstd_mem(alloc));
    if (!w->cctx)
        return rt_err_set(err, RT_ENOMEM, "v1 writer: out of memory (zstd context)");
    size_t r;
    if (ZSTD_isError(r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level)) ||
        ZSTD_isError(r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 0)) ||
        ZSTD_isError(r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 0))) {
        int rc = zstd_fail(err, r, "setup");
        rt_zwriter_free(w);
        return rc;
    }
    return RT_OK;
}

int rt_zwriter_frame(rt_zwriter *w, rt_output *out, const void *src, size_t n)
{
    if (out->status)
        return out->status;
    if (n > RT_ZSTD_MAX_FRAME_SIZE)
        return rt_err_set(w->err, RT_EINVAL, "v1 writer: frame of %zu bytes is too large", n);
    if (w->frames >= RT_SEEK_MAX_FRAMES)
        return rt_err_set(w->err, RT_ELIMIT, "v1 writer: more than %u frames", RT_SEEK_MAX_FRAMES);
    if (w->frames == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        uint32_t *e = rt_realloc(w->alloc, w->entries, w->cap * 2 * sizeof *e, cap * 2 * sizeof *e);
        if (!e)
            return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory (seek table)");
        w->entries = e;
        w->cap = cap;
    }
    size_t bound = ZSTD_compressBound(n);
    if (rt_buf_reserve(&out->buf, bound))
        return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory (%zu bytes)", bound);
    /* The reference's empty frame carries a content size of 0; match it. */
    if (n == 0)
        ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
    size_t c = ZSTD_compress2(w->cctx, out->buf.data + out->buf.len, bound, src, n);
    if (n == 0)
        ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 0);
    if (ZSTD_isError(c))
        return zstd_fail(w->err, c, "compression");
    out->buf.len += c;
    w->entries[2 * w->frames] = (uint32_t)c;
    w->entries[2 * w->frames + 1] = (uint32_t)n;
    w->frames++;
    w->compressed += c;
    w->decompressed += n;
    return RT_OK;
}

int rt_zwriter_seek_table(rt_zwriter *w, rt_output *out)
{
    if (out->status)
        return out->status;
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
    ZSTD_freeCCtx(w->cctx);
    w->cctx = NULL;
    rt_free(w->alloc, w->entries, w->cap * 2 * sizeof *w->entries);
    w->entries = NULL;
    w->frames = w->cap = 0;
}
