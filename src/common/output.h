/* Buffered output to a file descriptor or a caller's write function: the
 * encoders write straight into buf and the output hands it on in large
 * write() calls. Errors are sticky: after one, every call returns it. */
#ifndef RT_COMMON_OUTPUT_H
#define RT_COMMON_OUTPUT_H

#include "common/buf.h"
#include "common/error.h"

#define RT_OUTPUT_CHUNK (1u << 20) /* drain once this much is pending */

typedef struct rt_output {
    int fd;
    bool own_fd;
    rt_write_fn write_fn;
    void *write_ctx;
    rt_buf buf;
    uint64_t bytes; /* bytes handed to the file */
    /* Stream offset from which pending bytes stay in buf when draining
     * (a held tail, encoder.h); UINT64_MAX: none. */
    uint64_t keep_from;
    int status;     /* sticky error, RT_OK when none */
    rt_err *err;
    const char *name; /* for messages; not owned */
} rt_output;

void rt_output_init(rt_output *o, int fd, bool own_fd, rt_write_fn fn, void *ctx, rt_err *err,
                    const rt_allocator *alloc);
/* Writes everything pending, but for a held tail (keep_from). */
int rt_output_drain(rt_output *o);
/* Drains when more than RT_OUTPUT_CHUNK is pending. */
static inline int rt_output_maybe_drain(rt_output *o)
{
    return o->buf.len >= RT_OUTPUT_CHUNK ? rt_output_drain(o) : o->status;
}
/* Appends bytes to the pending buffer. */
int rt_output_put(rt_output *o, const void *p, size_t n);
/* Drains, fsyncs nothing, closes the fd when owned; frees the buffer. */
int rt_output_close(rt_output *o);

#endif
