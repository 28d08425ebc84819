/* Whole zstd frames compressed in order, on a thread of the writer's own or
 * in the caller's thread: the frame layer of v1 (frame_writer.c) and of
 * trace.ct's chunks (src/ctfs/ct_writer.c). The caller encodes into the
 * current slot's input, submits a prefix of it as one frame (the rest moves
 * on to the next slot) and gets the finished frames back, in order, through
 * a callback called on its own thread: output, bookkeeping and every
 * allocation stay with the caller. The thread touches only submitted slots
 * and a zstd context whose workspace the caller allocated (a static
 * context: libzstd never allocates on the thread). Knows nothing of the
 * formats that use it. */
#ifndef RT_ZSTD_ZWORKER_H
#define RT_ZSTD_ZWORKER_H

#include "common/buf.h"
#include "common/error.h"
#include "zstd/zstd_mem.h"

/* Slots with the thread: one being filled, one being compressed. */
#define RT_ZWORKER_SLOTS 2

/* A finished frame: its compressed bytes, the uncompressed length and the
 * tag it was submitted with. Returns RT_OK or an error, which sticks. */
typedef int (*rt_zframe_fn)(void *ctx, const unsigned char *frame, size_t len, size_t in_len,
                            uint64_t tag);

typedef struct rt_zslot {
    rt_buf in;        /* the frame's bytes, then (while filled) what follows */
    size_t start;     /* the frame is in[start .. start + frame_len) */
    size_t frame_len;
    rt_buf out;       /* the compressed frame */
    size_t zerr;      /* libzstd's error, 0 when none */
    uint64_t tag;
} rt_zslot;

/* The compression parameters, applied to the context at init. */
typedef struct rt_zparams {
    int level;
    int window_log;     /* 0: the level's own */
    bool content_size;  /* write the frame's size in its header */
} rt_zparams;

typedef struct rt_zworker {
    ZSTD_CCtx *cctx;  /* static, in workspace */
    void *workspace;
    size_t workspace_size;
    rt_zslot slots[RT_ZWORKER_SLOTS];
    unsigned nslots;  /* RT_ZWORKER_SLOTS with the thread, else 1 */
    rt_buf *input;    /* slots[submitted % nslots].in */
    uint64_t submitted, collected;
    struct rt_zthread *thread; /* NULL: compressed at submit, in the caller's thread */
    rt_zframe_fn emit;
    void *emit_ctx;
    const char *what; /* "v1 writer", "ct writer": for messages */
    const rt_allocator *alloc;
    rt_err *err;
    int status; /* sticky */
} rt_zworker;

/* threaded: compress on a thread of the worker's own, or in the caller's
 * thread when none can start. in_reserve: bytes reserved in each slot's
 * input. RT_EINVAL (a level libzstd has not), RT_ENOMEM. */
int rt_zworker_init(rt_zworker *z, const rt_zparams *p, bool threaded, size_t in_reserve,
                    rt_zframe_fn emit, void *emit_ctx, const char *what,
                    const rt_allocator *alloc, rt_err *err);
/* The input being filled (owned by the caller until submitted). */
static inline rt_buf *rt_zworker_input(rt_zworker *z)
{
    return z->input;
}
/* Compresses in[0..frame_len) of the current input as one frame (0 bytes
 * make an empty frame); in[frame_len..] becomes the start of the next input
 * (waiting for its slot when the thread still has it). Frames finished by
 * then are handed to emit. */
int rt_zworker_submit(rt_zworker *z, size_t frame_len, uint64_t tag);
/* nframes frames of frame_len bytes each from the start of the current
 * input, then the rest as rt_zworker_submit leaves it: for an input of
 * many frames (one large event), compressed in place in the caller's
 * thread instead of being moved on frame by frame. */
int rt_zworker_submit_run(rt_zworker *z, size_t nframes, size_t frame_len, uint64_t tag);
/* Hands the frames finished so far to emit; wait: every submitted one. */
int rt_zworker_collect(rt_zworker *z, bool wait);
/* Sets the content-size flag for the frames submitted next (the thread is
 * waited for first). */
int rt_zworker_set_content_size(rt_zworker *z, bool on);
/* Stops the thread (a submitted frame not collected is dropped) and frees
 * everything. */
void rt_zworker_free(rt_zworker *z);

#endif
