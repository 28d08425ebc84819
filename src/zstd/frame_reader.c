/* The reading half of seekable zstd: a state machine over the frames, fed
 * from an rt_source in fixed-size pieces, so that it can stop anywhere
 * (follow mode) and resume when more bytes arrive. */
#include "zstd/seekable.h"

enum { ST_MAGIC, ST_DATA, ST_SKIP, ST_AFTER_TABLE, ST_END };

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t fnv_word(uint64_t h, uint32_t w)
{
    return (h ^ w) * FNV_PRIME;
}

int rt_zreader_init(rt_zreader *z, rt_source *src, const rt_allocator *alloc, rt_err *err)
{
    memset(z, 0, sizeof *z);
    z->src = src;
    z->err = err;
    z->alloc = alloc;
    z->in_off = src->offset;
    z->complete_end = src->offset;
    z->frames_hash = FNV_OFFSET;
    z->state = ST_MAGIC;
    z->dctx = ZSTD_createDCtx_advanced(rt_zstd_mem(alloc));
    if (!z->dctx)
        return rt_err_set(err, RT_ENOMEM, "out of memory (zstd context)");
    size_t r = ZSTD_DCtx_setParameter(z->dctx, ZSTD_d_windowLogMax, RT_ZSTD_MAX_WINDOW_LOG);
    if (ZSTD_isError(r)) {
        rt_zreader_free(z);
        return rt_err_set(err, RT_EIO, "zstd setup failed: %s", ZSTD_getErrorName(r));
    }
    z->in_cap = ZSTD_DStreamInSize();
    z->in = rt_malloc(alloc, z->in_cap);
    if (!z->in) {
        rt_zreader_free(z);
        return rt_err_set(err, RT_ENOMEM, "out of memory (input buffer)");
    }
    return RT_OK;
}

void rt_zreader_free(rt_zreader *z)
{
    ZSTD_freeDCtx(z->dctx);
    z->dctx = NULL;
    rt_free(z->alloc, z->in, z->in_cap);
    z->in = NULL;
}

uint64_t rt_zreader_offset(const rt_zreader *z)
{
    return z->in_off + z->in_pos;
}

/* Reads more input after what is buffered. Returns the count (0: nothing
 * more now) or an error. */
static long fill(rt_zreader *z)
{
    if (z->in_pos > 0) {
        memmove(z->in, z->in + z->in_pos, z->in_len - z->in_pos);
        z->in_len -= z->in_pos;
        z->in_off += z->in_pos;
        z->in_pos = 0;
    }
    if (z->in_len == z->in_cap)
        return 0; /* callers never need a full buffer at once */
    long n = rt_source_read(z->src, z->in + z->in_len, z->in_cap - z->in_len, z->err);
    if (n < 0)
        return n;
    z->in_len += (size_t)n;
    return n;
}

/* Makes at least n bytes available; RT_OK, RT_ZREAD_PENDING or an error. */
static int need(rt_zreader *z, size_t n, const char *what)
{
    while (z->in_len - z->in_pos < n) {
        long r = fill(z);
        if (r < 0)
            return (int)r;
        if (r == 0) {
            if (z->src->follow)
                return RT_ZREAD_PENDING;
            if (z->in_len == z->in_pos && z->state == ST_MAGIC)
                return rt_err_set(z->err, RT_ETRUNCATED,
                                  "file byte %llu: the data ends without a seek table (the writer "
                                  "did not finish)",
                                  (unsigned long long)rt_zreader_offset(z));
            return rt_err_set(z->err, RT_ETRUNCATED, "file byte %llu: the data ends inside %s",
                              (unsigned long long)rt_zreader_offset(z), what);
        }
    }
    return RT_OK;
}

static int start_frame(rt_zreader *z)
{
    int rc = need(z, 4, "a frame header");
    if (rc)
        return rc;
    uint32_t magic = get_le32(z->in + z->in_pos);
    z->frame_off = rt_zreader_offset(z);
    if (magic == RT_ZSTD_FRAME_MAGIC) {
        ZSTD_DCtx_reset(z->dctx, ZSTD_reset_session_only);
        z->frame_c = z->frame_d = 0;
        z->state = ST_DATA;
        return RT_OK;
    }
    if (magic < RT_SKIPPABLE_MAGIC_MIN || magic > RT_SKIPPABLE_MAGIC_MAX)
        return rt_err_set(z->err, RT_EFORMAT, "file byte %llu: not a zstd frame (magic 0x%08x)",
                          (unsigned long long)z->frame_off, (unsigned)magic);
    if ((rc = need(z, 8, "a skippable frame header")))
        return rc;
    z->skip_magic = magic;
    z->skip_size = get_le32(z->in + z->in_pos + 4);
    z->skip_done = 0;
    z->word_len = 0;
    z->table_words = 0;
    z->hash8 = z->hash12 = FNV_OFFSET;
    z->in_pos += 8;
    z->state = ST_SKIP;
    return RT_OK;
}

/* Feeds the bytes of a seek-table candidate: entry words, then the footer. */
static void table_bytes(rt_zreader *z, const unsigned char *p, size_t n)
{
    uint64_t entries_len = z->skip_size >= RT_SEEK_FOOTER_LEN ? z->skip_size - RT_SEEK_FOOTER_LEN : 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t at = z->skip_done + i;
        if (at >= entries_len) {
            if (at - entries_len < RT_SEEK_FOOTER_LEN)
                z->footer[at - entries_len] = p[i];
            continue;
        }
        z->word[z->word_len++] = p[i];
        if (z->word_len == 4) {
            uint32_t w = get_le32(z->word);
            z->hash8 = fnv_word(z->hash8, w);
            if (z->table_words % 3 != 2) /* the third word is a checksum */
                z->hash12 = fnv_word(z->hash12, w);
            z->table_words++;
            z->word_len = 0;
        }
    }
}

static void end_skippable(rt_zreader *z)
{
    z->state = ST_MAGIC;
    if (z->skip_magic != RT_SEEK_TABLE_MAGIC || z->skip_size < RT_SEEK_FOOTER_LEN)
        return;
    uint32_t n = get_le32(z->footer);
    unsigned desc = z->footer[4];
    if (get_le32(z->footer + 5) != RT_SEEK_FOOTER_MAGIC || (desc & 0x7C) != 0)
        return;
    uint64_t entry = (desc & 0x80) ? 12 : 8;
    if ((uint64_t)z->skip_size - RT_SEEK_FOOTER_LEN != entry * n)
        return;
    z->has_seek_table = true;
    z->table_consistent = n == z->frames && (entry == 8 ? z->hash8 : z->hash12) == z->frames_hash;
    z->state = ST_AFTER_TABLE;
}

static void end_data_frame(rt_zreader *z)
{
    z->frames++;
    z->compressed += z->frame_c;
    z->decompressed += z->frame_d;
    z->complete_end = z->frame_off + z->frame_c;
    /* A frame too large for a u32 entry can never match a table. */
    if (z->frame_c > 0xFFFFFFFFu || z->frame_d > 0xFFFFFFFFu)
        z->frames_hash ^= 1;
    z->frames_hash = fnv_word(z->frames_hash, (uint32_t)z->frame_c);
    z->frames_hash = fnv_word(z->frames_hash, (uint32_t)z->frame_d);
    z->state = ST_MAGIC;
}

static int read_frames(rt_zreader *z, unsigned char *out, size_t cap, size_t *produced);

int rt_zreader_read(rt_zreader *z, unsigned char *out, size_t cap, size_t *produced)
{
    *produced = 0;
    if (z->deferred)
        return z->deferred;
    int rc = read_frames(z, out, cap, produced);
    if (rc < 0 && *produced) {
        /* Hand over what was decompressed before the failure first. */
        z->deferred = rc;
        return RT_OK;
    }
    if (rc == RT_ZREAD_PENDING && *produced)
        return RT_OK;
    return rc;
}

static int read_frames(rt_zreader *z, unsigned char *out, size_t cap, size_t *produced)
{
    int rc;
    for (;;) {
        switch (z->state) {
        case ST_MAGIC:
            if ((rc = start_frame(z)))
                return rc;
            break;
        case ST_DATA: {
            if (z->in_pos == z->in_len) {
                if ((rc = need(z, 1, "a zstd frame")))
                    return rc;
            }
            ZSTD_inBuffer ib = {z->in, z->in_len, z->in_pos};
            ZSTD_outBuffer ob = {out, cap, *produced};
            size_t r = ZSTD_decompressStream(z->dctx, &ob, &ib);
            if (ZSTD_isError(r)) {
                ZSTD_ErrorCode zc = ZSTD_getErrorCode(r);
                if (zc == ZSTD_error_frameParameter_windowTooLarge)
                    return rt_err_set(z->err, RT_ELIMIT,
                                      "file byte %llu: the zstd frame starting at byte %llu "
                                      "needs a window over the %u MiB limit",
                                      (unsigned long long)rt_zreader_offset(z),
                                      (unsigned long long)z->frame_off,
                                      1u << (RT_ZSTD_MAX_WINDOW_LOG - 20));
                int code = zc == ZSTD_error_memory_allocation ? RT_ENOMEM : RT_EFORMAT;
                return rt_err_set(z->err, code,
                                  "file byte %llu: bad zstd frame (starting at byte %llu): %s",
                                  (unsigned long long)rt_zreader_offset(z),
                                  (unsigned long long)z->frame_off, ZSTD_getErrorName(r));
            }
            bool progress = ib.pos != z->in_pos || ob.pos != *produced;
            z->frame_c += ib.pos - z->in_pos;
            z->in_pos = ib.pos;
            z->frame_d += ob.pos - *produced;
            *produced = ob.pos;
            if (r == 0) {
                end_data_frame(z);
            } else if (!progress) {
                /* libzstd keeps what it is given, so this should not happen;
                 * guard against looping anyway. */
                size_t avail = z->in_len - z->in_pos;
                if (avail == z->in_cap)
                    return rt_err_set(z->err, RT_EFORMAT, "file byte %llu: zstd makes no progress",
                                      (unsigned long long)rt_zreader_offset(z));
                if ((rc = need(z, avail + 1, "a zstd frame")))
                    return rc;
            }
            if (*produced == cap)
                return RT_OK;
            break;
        }
        case ST_SKIP: {
            if (z->skip_done == z->skip_size) {
                end_skippable(z);
                break;
            }
            if (z->in_pos == z->in_len && (rc = need(z, 1, "a skippable frame")))
                return rc;
            size_t k = z->in_len - z->in_pos;
            if (k > z->skip_size - z->skip_done)
                k = (size_t)(z->skip_size - z->skip_done);
            if (z->skip_magic == RT_SEEK_TABLE_MAGIC)
                table_bytes(z, z->in + z->in_pos, k);
            z->in_pos += k;
            z->skip_done += k;
            break;
        }
        case ST_AFTER_TABLE:
            if (*produced)
                return RT_OK;
            if (z->in_pos == z->in_len) {
                long r = fill(z);
                if (r < 0)
                    return (int)r;
                if (r == 0) {
                    z->state = ST_END;
                    return RT_ZREAD_END;
                }
            }
            return rt_err_set(z->err, RT_EFORMAT, "file byte %llu: data after the seek table",
                              (unsigned long long)rt_zreader_offset(z));
        case ST_END:
            return RT_ZREAD_END;
        }
        /* A frame boundary with output in hand: hand it over before reading
         * further, so that follow mode never waits with data undelivered. */
        if (*produced && z->state == ST_MAGIC)
            return RT_OK;
    }
}
