/* The journal of a streaming v0 recording, read back (v0_journal.h). a may
 * be NULL (malloc). */
#include "capnp/v0_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/binary_header.h"

bool rt_v0_side_name(char *out, size_t cap, const char *path, const char *suffix)
{
    int n = snprintf(out, cap, "%s%s", path, suffix);
    return n >= 0 && (size_t)n < cap;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static bool read_all(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (unsigned char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

int rt_v0_journal_read(const char *path, rt_v0_journal *j, const rt_allocator *a)
{
    memset(j, 0, sizeof *j);
    a = rt_alloc_or_default(a);
    char name[4096];
    if (!rt_v0_side_name(name, sizeof name, path, RT_V0_JOURNAL_SUFFIX))
        return RT_EINVAL;
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? RT_ENOENT : RT_EIO;
    unsigned char fixed[RT_V0_JOURNAL_FIXED];
    int rc = RT_OK;
    if (!read_all(fd, fixed, sizeof fixed) ||
        memcmp(fixed, RT_V0_JOURNAL_MAGIC, RT_V0_JOURNAL_MAGIC_LEN) != 0) {
        rc = RT_EFORMAT;
    } else {
        j->events = get_u64(fixed + 8);
        j->n0 = get_u64(fixed + 16);
        j->n1 = get_u64(fixed + 24);
        uint64_t hn = get_u64(fixed + 32);
        /* a head too long, or shorter than it says, is not a journal */
        bool head_ok = hn <= RT_V0_JOURNAL_MAX_HEAD;
        if (head_ok && !(j->head = rt_malloc(a, RT_BINARY_HEADER_LEN + (size_t)hn)))
            rc = RT_ENOMEM;
        else if (!head_ok || !read_all(fd, j->head + RT_BINARY_HEADER_LEN, (size_t)hn))
            rc = RT_EFORMAT;
        j->head_len = RT_BINARY_HEADER_LEN + (size_t)hn;
    }
    close(fd);
    if (rc) {
        rt_v0_journal_free(j, a);
        return rc;
    }
    static const unsigned char header[RT_BINARY_HEADER_LEN] = {0xC0, 0xDE, 0x72, 0xAC, 0xE2,
                                                              RT_BINARY_VERSION_V0, 0, 0};
    memcpy(j->head, header, sizeof header);
    return RT_OK;
}

void rt_v0_journal_free(rt_v0_journal *j, const rt_allocator *a)
{
    rt_free(rt_alloc_or_default(a), j->head, j->head_len);
    memset(j, 0, sizeof *j);
}
