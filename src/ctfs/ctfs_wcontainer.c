#include "ctfs/ctfs_wcontainer.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define USABLE ((uint64_t)CTFS_BLOCK / 8 - 1)

static int io_fail(ctfs_wfile *f, const char *what)
{
    int e = errno;
    return rt_err_set(f->err, e == ENOSPC ? RT_ENOSPC : RT_EIO, "%s: cannot write %s: %s",
                      f->name, what, strerror(e));
}

static int pwrite_all(ctfs_wfile *f, const void *p, size_t n, uint64_t off, const char *what)
{
    const unsigned char *b = p;
    while (n) {
        ssize_t w = pwrite(f->fd, b, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return io_fail(f, what);
        }
        b += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return RT_OK;
}

static int write_block(ctfs_wfile *f, uint64_t block, const unsigned char *data, const char *what)
{
    return pwrite_all(f, data, CTFS_BLOCK, block * CTFS_BLOCK, what);
}

/* A new block, written as zeros (a mapping block starts empty). */
static int new_zero_block(ctfs_wfile *f, uint64_t *out)
{
    static const unsigned char zeros[CTFS_BLOCK];
    *out = f->next_block++;
    return write_block(f, *out, zeros, "a mapping block");
}

static int set_pointer(ctfs_wfile *f, uint64_t map, uint64_t idx, uint64_t target)
{
    unsigned char p[8];
    ctfs_put_u64(p, target);
    return pwrite_all(f, p, 8, map * CTFS_BLOCK + idx * 8, "a mapping entry");
}

static int write_entry(ctfs_wmember *m)
{
    unsigned char e[CTFS_ENTRY_LEN];
    ctfs_put_u64(e, m->size);
    ctfs_put_u64(e + 8, m->root);
    ctfs_put_u64(e + 16, m->name);
    return pwrite_all(m->f, e, sizeof e, CTFS_HEADER_LEN + (uint64_t)m->slot * CTFS_ENTRY_LEN,
                      "the root directory");
}

int ctfs_wfile_init(ctfs_wfile *f, int fd, const char *name, rt_err *err)
{
    memset(f, 0, sizeof *f);
    f->fd = fd;
    f->err = err;
    f->name = name;
    f->next_block = 1;
    if (ftruncate(fd, 0) != 0 && errno != EINVAL)
        return io_fail(f, "the header");
    unsigned char b[CTFS_BLOCK] = {0};
    memcpy(b, CTFS_MAGIC, CTFS_MAGIC_LEN);
    b[5] = CTFS_VERSION; /* bytes 6 and 7 stay 0 */
    ctfs_put_u32(b + 8, CTFS_BLOCK);
    ctfs_put_u32(b + 12, CTFS_ROOT_ENTRIES);
    return write_block(f, 0, b, "the header");
}

int ctfs_wmember_open(ctfs_wmember *m, ctfs_wfile *f, const char *name)
{
    memset(m, 0, sizeof *m);
    if (f->entries >= CTFS_ROOT_ENTRIES)
        return rt_err_set(f->err, RT_ELIMIT, "%s: root directory full", f->name);
    m->f = f;
    m->slot = f->entries++;
    m->name = ctfs_name_encode(name);
    int rc = new_zero_block(f, &m->root);
    if (rc)
        return rc;
    m->head[1] = m->root;
    return write_entry(m);
}

/* Records physical block `data` as logical block li. */
static int map_block(ctfs_wmember *m, uint64_t li, uint64_t data)
{
    unsigned level;
    uint64_t rem;
    if (!ctfs_map_level(li, USABLE, &level, &rem))
        return rt_err_set(m->f->err, RT_ELIMIT, "%s: member larger than the mapping allows",
                          m->f->name);
    int rc;
    if (!m->head[level]) { /* the chain grows one level: entry USABLE of the previous head */
        if ((rc = new_zero_block(m->f, &m->head[level])) ||
            (rc = set_pointer(m->f, m->head[level - 1], USABLE, m->head[level])))
            return rc;
    }
    if (m->sub_level != level) {
        memset(m->sub, 0, sizeof m->sub);
        m->sub_level = level;
    }
    uint64_t cur = m->head[level];
    for (unsigned d = level - 1; d >= 1; d--) {
        uint64_t span = ctfs_span(USABLE, d);
        uint64_t idx = rem / span % USABLE;
        if (!m->sub[d] || m->sub_idx[d] != idx) {
            if ((rc = new_zero_block(m->f, &m->sub[d])) || (rc = set_pointer(m->f, cur, idx, m->sub[d])))
                return rc;
            m->sub_idx[d] = idx;
            for (unsigned k = 1; k < d; k++)
                m->sub[k] = 0;
        }
        cur = m->sub[d];
        rem %= span;
    }
    return set_pointer(m->f, cur, rem, data);
}

int ctfs_wmember_append(ctfs_wmember *m, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n) {
        int rc;
        if (m->tail_len == 0) {
            m->tail_block = m->f->next_block++;
            if ((rc = map_block(m, m->blocks, m->tail_block)))
                return rc;
            m->blocks++;
        }
        size_t take = CTFS_BLOCK - m->tail_len;
        if (take > n)
            take = n;
        memcpy(m->tail + m->tail_len, p, take);
        m->tail_len += take;
        m->size += take;
        p += take;
        n -= take;
        if (m->tail_len == CTFS_BLOCK) {
            if ((rc = write_block(m->f, m->tail_block, m->tail, "a data block")))
                return rc;
            m->tail_len = 0;
        }
    }
    return RT_OK;
}

int ctfs_wmember_commit(ctfs_wmember *m)
{
    if (m->tail_len) {
        memset(m->tail + m->tail_len, 0, CTFS_BLOCK - m->tail_len);
        int rc = write_block(m->f, m->tail_block, m->tail, "a data block");
        if (rc)
            return rc;
    }
    return write_entry(m);
}

int ctfs_wmember_replace(ctfs_wmember *m, const void *data, size_t n)
{
    ctfs_wfile *f = m->f;
    unsigned slot = m->slot;
    uint64_t name = m->name;
    memset(m, 0, sizeof *m);
    m->f = f;
    m->slot = slot;
    m->name = name;
    int rc = new_zero_block(f, &m->root);
    if (rc)
        return rc;
    m->head[1] = m->root;
    if ((rc = ctfs_wmember_append(m, data, n)))
        return rc;
    return ctfs_wmember_commit(m);
}
