/* A zstd stream cut into frames where its caller says, compressed on a
 * thread of the writer's own or in the caller's thread: the compressor of
 * v1's frames (frame_writer.c) and of trace.ct's chunks
 * (src/ctfs/ct_writer.c). Knows nothing of the formats that use it.
 *
 * With the thread, the caller copies the stream into a ring of JOBS fixed
 * pieces of 1 MiB and hands each over when full or at a frame's end; the
 * thread streams them into libzstd, in order. The compressed bytes come
 * back through a callback called on the caller's thread only (when it
 * needs a piece again, and at collect), so output, bookkeeping and every
 * allocation stay with the caller; the thread touches only the pieces and
 * a zstd context primed in the caller's thread (libzstd then allocates
 * nothing there). Pieces, not whole frames, because the stream crosses
 * between two cores: each byte written by the caller is read once, in
 * order, by the thread, which then works in its own window (measured,
 * docs/performance.md: a whole frame read in place costs the caller more
 * than the compression it saves). */
#ifndef RT_ZSTD_ZSTREAM_H
#define RT_ZSTD_ZSTREAM_H

#include "common/buf.h"
#include "common/error.h"
#include "zstd/zstd_mem.h"

/* Compressed bytes of the stream, in order: frame_end marks the last ones
 * of a frame, which then had frame_in uncompressed bytes and was ended
 * with tag. Returns RT_OK or an error, which sticks. */
typedef int (*rt_zout_fn)(void *ctx, const unsigned char *bytes, size_t len, bool frame_end,
                          uint64_t frame_in, uint64_t tag);

typedef struct rt_zstream {
    ZSTD_CCtx *cctx;
    struct rt_zthread *thread; /* NULL: compressed in the caller's thread */
    rt_buf out;                /* without the thread: output being made */
    uint64_t frame_in;         /* bytes of the open frame written */
    rt_zout_fn emit;
    void *emit_ctx;
    const char *what; /* "v1 writer", "ct writer": for messages */
    const rt_allocator *alloc;
    rt_err *err;
    int status; /* sticky */
} rt_zstream;

/* level: any zstd level (RT_EINVAL otherwise); window_log 0: the level's;
 * threaded: on a thread of its own, or in the caller's thread when none
 * can start. RT_ENOMEM. */
int rt_zstream_init(rt_zstream *z, int level, int window_log, bool threaded, rt_zout_fn emit,
                    void *emit_ctx, const char *what, const rt_allocator *alloc, rt_err *err);
/* Appends src[0..n) to the open frame. */
int rt_zstream_write(rt_zstream *z, const void *src, size_t n);
/* Ends the open frame with tag; when nothing was written to it, an empty
 * frame is made only with force (with a content size of 0, as the
 * reference writes its empty stream). */
int rt_zstream_end_frame(rt_zstream *z, uint64_t tag, bool force);
/* Hands what the thread has finished to emit; wait: everything written. */
int rt_zstream_collect(rt_zstream *z, bool wait);
/* Stops the thread (what it did not finish is dropped) and frees all. */
void rt_zstream_free(rt_zstream *z);

#endif
