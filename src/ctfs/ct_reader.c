/* The trace.ct decoder: the events.log member of a CTFS container, read as
 * the debugger reads it (CTFS.md section 2.1.1): the optional v1 header,
 * then 16-byte-header zstd chunks (or, when the first bytes are not a
 * chunk, the debugger's fallback: raw concatenated CBOR), decoded as
 * split-binary when events.fmt says so, else as CBOR items. The container
 * must be one the debugger opens: meta.dat v3 valid, no MCR flag.
 *
 * Memory: one compressed chunk and its decompressed events (each at most
 * RT_CT_MAX_CHUNK, RT_ELIMIT beyond), one mapping block, the entries. */
#include "cbor/cbor_event_decode.h"
#include "common/decoder.h"
#include "ctfs/ct_read.h"
#include "ctfs/ctfs_meta.h"
#include "ctfs/split_binary.h"
#include "zstd/zstd_mem.h"

#define RAW_PIECE ((size_t)64 * 1024)
#define ZSTD_WINDOW_LOG_MAX 24 /* as v1: frames needing more than 16 MiB are refused */

typedef struct ct_decoder {
    rt_decoder base;
    rt_decoder_env env;
    ctfs_rfile file;
    ctfs_entry log;
    bool split, raw;
    uint64_t off;  /* next byte of events.log to read */
    uint64_t chunk; /* chunks read */
    ZSTD_DCtx *dctx;
    unsigned char *cbuf;
    size_t ccap;
    unsigned char *buf;
    size_t cap, pos, len;
    uint64_t buf_off; /* decoded-stream offset of buf[0] */
    bool at_end;      /* nothing more to add to buf */
} ct_decoder;

static int grow(ct_decoder *v, unsigned char **p, size_t *cap, size_t want)
{
    if (*cap >= want)
        return RT_OK;
    if (want > RT_CT_MAX_CHUNK)
        return rt_err_set(v->env.err, RT_ELIMIT, "%s: events.log chunk %llu: over the %zu-byte limit",
                          v->env.src->name, (unsigned long long)v->chunk, RT_CT_MAX_CHUNK);
    size_t c = *cap ? *cap : 64 * 1024;
    while (c < want)
        c = c > RT_CT_MAX_CHUNK / 2 ? RT_CT_MAX_CHUNK : c * 2;
    unsigned char *n = rt_realloc(v->env.alloc, *p, *cap, c);
    if (!n)
        return rt_err_set(v->env.err, RT_ENOMEM, "%s: out of memory", v->env.src->name);
    *p = n;
    *cap = c;
    return RT_OK;
}

/* Decompresses the zstd frame(s) of cbuf[0..n) after buf's unread bytes. */
static int decompress(ct_decoder *v, size_t n)
{
    ZSTD_inBuffer in = {v->cbuf, n, 0};
    ZSTD_DCtx_reset(v->dctx, ZSTD_reset_session_only);
    for (;;) {
        if (v->len == v->cap) {
            int rc = grow(v, &v->buf, &v->cap, v->cap + 1);
            if (rc)
                return rc;
        }
        ZSTD_outBuffer out = {v->buf, v->cap, v->len};
        size_t r = ZSTD_decompressStream(v->dctx, &out, &in);
        v->len = out.pos;
        if (ZSTD_isError(r))
            return rt_err_set(v->env.err, ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? RT_ENOMEM
                                          : ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge
                                              ? RT_ELIMIT : RT_EFORMAT,
                              "%s: events.log chunk %llu: zstd: %s", v->env.src->name,
                              (unsigned long long)v->chunk, ZSTD_getErrorName(r));
        if (r == 0 && in.pos == in.size)
            return RT_OK;
        if (in.pos == in.size && out.pos < out.size)
            return rt_err_set(v->env.err, RT_ETRUNCATED, "%s: events.log chunk %llu: the zstd frame is cut short",
                              v->env.src->name, (unsigned long long)v->chunk);
    }
}

/* Adds the next chunk (or raw piece) to buf; sets at_end when none is left. */
static int fill(ct_decoder *v)
{
    if (v->pos) {
        memmove(v->buf, v->buf + v->pos, v->len - v->pos);
        v->len -= v->pos;
        v->buf_off += v->pos;
        v->pos = 0;
    }
    uint64_t left = v->log.size - v->off;
    int rc;
    if (v->raw) {
        size_t n = left < RAW_PIECE ? (size_t)left : RAW_PIECE;
        if (!n) {
            v->at_end = true;
            return RT_OK;
        }
        if ((rc = grow(v, &v->buf, &v->cap, v->len + n)) ||
            (rc = ctfs_rfile_read(&v->file, &v->log, v->off, v->buf + v->len, n)))
            return rc;
        v->len += n;
        v->off += n;
        return RT_OK;
    }
    if (left < CTFS_CHUNK_HEADER_LEN) { /* the debugger ignores a shorter tail */
        v->at_end = true;
        return RT_OK;
    }
    unsigned char h[CTFS_CHUNK_HEADER_LEN];
    if ((rc = ctfs_rfile_read(&v->file, &v->log, v->off, h, sizeof h)))
        return rc;
    uint32_t csize = ctfs_get_u32(h);
    if (csize > left - CTFS_CHUNK_HEADER_LEN)
        return rt_err_set(v->env.err, RT_ETRUNCATED,
                          "%s: events.log chunk %llu at byte %llu: %u bytes claimed, %llu left (cut short)",
                          v->env.src->name, (unsigned long long)v->chunk, (unsigned long long)v->off,
                          (unsigned)csize, (unsigned long long)(left - CTFS_CHUNK_HEADER_LEN));
    if ((rc = grow(v, &v->cbuf, &v->ccap, csize)) ||
        (rc = ctfs_rfile_read(&v->file, &v->log, v->off + CTFS_CHUNK_HEADER_LEN, v->cbuf, csize)))
        return rc;
    if ((rc = decompress(v, csize)))
        return rc;
    v->off += CTFS_CHUNK_HEADER_LEN + (uint64_t)csize;
    v->chunk++;
    /* The source is not read through: report events.log's progress as the
     * reader's position (rt_reader_bytes_consumed), close to the file's. */
    v->env.src->offset = v->off;
    return RT_OK;
}

static int ct_next(rt_decoder *dec, rt_event *out)
{
    ct_decoder *v = (ct_decoder *)dec;
    for (;;) {
        if (v->pos < v->len) {
            cbor_dec d = {v->buf + v->pos, v->buf + v->pos, v->buf + v->len, 0,
                          v->env.err,      v->env.src->name, *v->env.event_index,
                          v->buf_off + v->pos, 0};
            int rc = v->split ? rt_split_binary_decode(&d, v->env.event_arena, out)
                              : rt_cbor_decode_event(&d, v->env.event_arena, out);
            if (rc == RT_OK) {
                v->pos += (size_t)(d.p - d.start);
                v->base.event_size = (uint64_t)(d.p - d.start);
                v->base.spelling = d.spelling;
                return RT_READ_EVENT;
            }
            if (rc != CBOR_NEED)
                return rc;
            rt_arena_reset(v->env.event_arena);
            if (v->at_end)
                return rt_err_set(v->env.err, RT_ETRUNCATED, "%s: event %llu: events.log ends inside an event",
                                  v->env.src->name, (unsigned long long)*v->env.event_index);
        } else if (v->at_end) {
            return RT_READ_END;
        }
        int rc = fill(v);
        if (rc)
            return rc;
    }
}

static void ct_destroy(rt_decoder *dec)
{
    ct_decoder *v = (ct_decoder *)dec;
    ZSTD_freeDCtx(v->dctx);
    rt_free(v->env.alloc, v->cbuf, v->ccap);
    rt_free(v->env.alloc, v->buf, v->cap);
    ctfs_rfile_close(&v->file);
    rt_free(v->env.alloc, v, sizeof *v);
}

static const rt_decoder_ops ct_ops = {ct_next, ct_destroy};

int rt_ct_check_meta(ctfs_rfile *f, rt_err *err)
{
    const ctfs_entry *m = ctfs_rfile_find(f, "meta.dat");
    if (!m)
        return rt_err_set(err, RT_EFORMAT, "%s: no meta.dat member (the debugger refuses the file)", f->name);
    unsigned char *data;
    int rc = ctfs_rfile_read_all(f, m, RT_CT_MAX_META, &data);
    if (rc)
        return rc;
    rt_arena a;
    rt_arena_init(&a, f->alloc, 1024);
    ctfs_meta meta;
    rc = ctfs_meta_parse(data, (size_t)m->size, &a, &meta, err);
    if (rc)
        rt_err_prefix(err, "%s", f->name);
    rt_arena_free(&a);
    rt_free(f->alloc, data, (size_t)m->size);
    return rc;
}

int rt_ct_events_format(ctfs_rfile *f, bool *split)
{
    const ctfs_entry *e = ctfs_rfile_find(f, "events.fmt");
    unsigned char b[12];
    /* exactly "split-binary"; anything else, or a read error, is CBOR */
    *split = e && e->size == sizeof b && ctfs_rfile_read(f, e, 0, b, sizeof b) == RT_OK &&
             memcmp(b, "split-binary", sizeof b) == 0;
    return RT_OK;
}

int rt_ct_payload_start(ctfs_rfile *f, const ctfs_entry *log, uint64_t *start, bool *raw)
{
    unsigned char h[CTFS_EVENTS_HEADER_LEN + CTFS_CHUNK_HEADER_LEN + 4];
    *start = 0;
    *raw = false;
    size_t n = log->size < sizeof h ? (size_t)log->size : sizeof h;
    int rc = ctfs_rfile_read(f, log, 0, h, n);
    if (rc)
        return rc;
    const unsigned char *p = h;
    if (n >= CTFS_EVENTS_HEADER_LEN && memcmp(h, CTFS_EVENTS_HEADER, CTFS_EVENTS_HEADER_LEN) == 0) {
        *start = CTFS_EVENTS_HEADER_LEN;
        p += CTFS_EVENTS_HEADER_LEN;
        n -= CTFS_EVENTS_HEADER_LEN;
    }
    /* A chunk begins with its header and a zstd frame's magic. */
    if (n >= CTFS_CHUNK_HEADER_LEN + 4)
        *raw = ctfs_get_u32(p + CTFS_CHUNK_HEADER_LEN) != ZSTD_MAGICNUMBER;
    else
        *raw = false; /* under a chunk: 0 events for the debugger */
    return RT_OK;
}

int rt_ct_decoder_new(const rt_decoder_env *env, rt_decoder **out)
{
    ct_decoder *v = rt_malloc(env->alloc, sizeof *v);
    if (!v)
        return rt_err_set(env->err, RT_ENOMEM, "%s: out of memory", env->src->name);
    memset(v, 0, sizeof *v);
    v->base.ops = &ct_ops;
    v->env = *env;
    const rt_source *s = env->src;
    int rc = ctfs_rfile_open(&v->file, s->fd, s->mem, s->mem_len, s->name, env->alloc, env->err);
    const ctfs_entry *log = NULL;
    if (!rc && !(log = ctfs_rfile_find(&v->file, "events.log"))) {
        if (ctfs_rfile_find(&v->file, "steps.dat"))
            rc = rt_err_set(env->err, RT_EFORMAT,
                            "%s: no events.log member (the split-stream layout: not supported, and "
                            "not loadable in the debugger's browser build)", s->name);
        else if (v->file.nentries == 0 || (v->file.nentries == 1 && ctfs_rfile_find(&v->file, "meta.dat")))
            /* what a writer killed before its events.log leaves */
            rc = rt_err_set(env->err, RT_ETRUNCATED, "%s: the container ends before its events.log",
                            s->name);
        else
            rc = rt_err_set(env->err, RT_EFORMAT, "%s: no events.log member: not a trace the debugger opens",
                            s->name);
    }
    if (!rc)
        rc = rt_ct_check_meta(&v->file, env->err);
    if (!rc) {
        v->log = *log;
        rc = rt_ct_events_format(&v->file, &v->split);
    }
    if (!rc)
        rc = rt_ct_payload_start(&v->file, &v->log, &v->off, &v->raw);
    if (!rc && v->raw)
        v->split = false; /* the debugger's fallback decodes CBOR */
    if (!rc && !(v->dctx = ZSTD_createDCtx_advanced(rt_zstd_mem(env->alloc))))
        rc = rt_err_set(env->err, RT_ENOMEM, "%s: out of memory", s->name);
    if (!rc && ZSTD_isError(ZSTD_DCtx_setParameter(v->dctx, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX)))
        rc = rt_err_set(env->err, RT_EIO, "%s: zstd refuses its window limit", s->name);
    if (rc) {
        ct_destroy(&v->base);
        return rc;
    }
    *out = &v->base;
    return RT_OK;
}
