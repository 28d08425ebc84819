#include "common/output.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void rt_output_init(rt_output *o, int fd, bool own_fd, rt_write_fn fn, void *ctx, rt_err *err,
                    const rt_allocator *alloc)
{
    o->fd = fd;
    o->own_fd = own_fd;
    o->write_fn = fn;
    o->write_ctx = ctx;
    rt_buf_init(&o->buf, alloc);
    o->bytes = 0;
    o->keep_from = UINT64_MAX;
    o->status = RT_OK;
    o->err = err;
    o->name = "output";
}

static long raw_write(rt_output *o, const void *p, size_t n)
{
    if (o->write_fn)
        return o->write_fn(o->write_ctx, p, n);
    return (long)write(o->fd, p, n);
}

int rt_output_drain(rt_output *o)
{
    if (o->status)
        return o->status;
    size_t end = o->buf.len;
    if (o->keep_from - o->bytes < end)
        end = (size_t)(o->keep_from - o->bytes);
    size_t off = 0;
    while (off < end) {
        long w = raw_write(o, o->buf.data + off, end - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            o->status = e == ENOSPC ? RT_ENOSPC : RT_EIO;
            /* Keep what was not written out of the buffer: it is lost. */
            memmove(o->buf.data, o->buf.data + off, o->buf.len - off);
            o->buf.len -= off;
            return rt_err_set(o->err, o->status, "%s: write failed after %llu bytes: %s", o->name,
                              (unsigned long long)(o->bytes), strerror(e));
        }
        off += (size_t)w;
        o->bytes += (uint64_t)w;
    }
    if (off < o->buf.len)
        memmove(o->buf.data, o->buf.data + off, o->buf.len - off);
    o->buf.len -= off;
    return RT_OK;
}

int rt_output_put(rt_output *o, const void *p, size_t n)
{
    if (o->status)
        return o->status;
    if (rt_buf_append(&o->buf, p, n))
        return rt_err_set(o->err, RT_ENOMEM, "%s: out of memory", o->name);
    return rt_output_maybe_drain(o);
}

int rt_output_close(rt_output *o)
{
    o->keep_from = UINT64_MAX;
    int rc = rt_output_drain(o);
    if (o->own_fd && o->fd >= 0) {
        if (close(o->fd) != 0 && rc == RT_OK) {
            o->status = rc = RT_EIO;
            rt_err_set(o->err, rc, "%s: close failed: %s", o->name, strerror(errno));
        }
        o->fd = -1;
    }
    rt_buf_free(&o->buf);
    return rc;
}
