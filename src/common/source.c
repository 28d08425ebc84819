#include "common/source.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void rt_source_init_fd(rt_source *s, int fd, const char *name, bool follow)
{
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->name = name;
    s->follow = follow;
}

void rt_source_init_memory(rt_source *s, const void *data, size_t len)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->mem = data;
    s->mem_len = data ? len : 0;
    s->name = "<memory>";
}

void rt_source_add_part(rt_source *s, int fd, uint64_t len)
{
    if (s->nparts < 2) {
        s->parts[s->nparts].fd = fd;
        s->parts[s->nparts].left = len;
        s->nparts++;
        s->parts_size += len;
    }
}

static long read_fd(rt_source *s, int fd, void *buf, size_t n, rt_err *err)
{
    if (n > (size_t)1 << 30)
        n = (size_t)1 << 30;
    for (;;) {
        ssize_t r = read(fd, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return rt_err_set(err, RT_EIO, "%s: read failed at byte %llu: %s", s->name,
                              (unsigned long long)s->offset, strerror(errno));
        s->offset += (uint64_t)r;
        return (long)r;
    }
}

long rt_source_read(rt_source *s, void *buf, size_t n, rt_err *err)
{
    if (n == 0)
        return 0;
    if (s->prefix_pos < s->prefix_len) {
        size_t k = s->prefix_len - s->prefix_pos;
        if (k > n)
            k = n;
        memcpy(buf, s->prefix + s->prefix_pos, k);
        s->prefix_pos += k;
        s->offset += k;
        return (long)k;
    }
    if (s->fd >= 0)
        return read_fd(s, s->fd, buf, n, err);
    size_t k = s->mem_len - s->mem_pos;
    if (k == 0) {
        while (s->part < s->nparts && s->parts[s->part].left == 0)
            s->part++;
        if (s->part == s->nparts)
            return 0;
        uint64_t left = s->parts[s->part].left;
        long r = read_fd(s, s->parts[s->part].fd, buf, left < n ? (size_t)left : n, err);
        if (r > 0)
            s->parts[s->part].left -= (uint64_t)r;
        else if (r == 0)
            s->part = s->nparts; /* a file shorter than it should be: the data ends */
        return r;
    }
    if (k > n)
        k = n;
    memcpy(buf, s->mem + s->mem_pos, k);
    s->mem_pos += k;
    s->offset += k;
    return (long)k;
}

long rt_source_read_full(rt_source *s, void *buf, size_t n, rt_err *err)
{
    size_t got = 0;
    while (got < n) {
        long r = rt_source_read(s, (unsigned char *)buf + got, n - got, err);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (long)got;
}

int64_t rt_source_size(const rt_source *s)
{
    if (s->fd < 0)
        return (int64_t)(s->mem_len + s->parts_size);
    struct stat st;
    if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    return (int64_t)st.st_size;
}
