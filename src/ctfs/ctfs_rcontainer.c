#include "ctfs/ctfs_rcontainer.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int raw_read(ctfs_rfile *f, uint64_t off, void *buf, size_t n, const char *what)
{
    if (off > f->len || n > f->len - off)
        return rt_err_set(f->err, RT_ETRUNCATED, "%s: %s at byte %llu is past the end of the file",
                          f->name, what, (unsigned long long)off);
    if (f->fd < 0) {
        memcpy(buf, f->mem + off, n);
        return RT_OK;
    }
    unsigned char *p = buf;
    while (n) {
        ssize_t r = pread(f->fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return rt_err_set(f->err, r == 0 ? RT_ETRUNCATED : RT_EIO, "%s: cannot read %s: %s",
                              f->name, what, r == 0 ? "file shrank" : strerror(errno));
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return RT_OK;
}

int ctfs_rfile_open(ctfs_rfile *f, int fd, const unsigned char *mem, size_t mem_len,
                    const char *name, const rt_allocator *alloc, rt_err *err)
{
    memset(f, 0, sizeof *f);
    f->fd = fd;
    f->mem = mem;
    f->alloc = alloc;
    f->err = err;
    f->name = name;
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
            return rt_err_set(err, RT_EIO, "%s: a CTFS container must be a regular file", name);
        f->len = (uint64_t)st.st_size;
    } else {
        f->len = mem_len;
    }
    unsigned char h[CTFS_HEADER_LEN];
    if (f->len < CTFS_HEADER_LEN)
        return rt_err_set(err, RT_ETRUNCATED, "%s: %llu bytes, shorter than the CTFS header", name,
                          (unsigned long long)f->len);
    int rc = raw_read(f, 0, h, sizeof h, "the header");
    if (rc)
        return rc;
    if (memcmp(h, CTFS_MAGIC, CTFS_MAGIC_LEN) != 0)
        return rt_err_set(err, RT_EFORMAT, "%s: no CTFS magic", name);
    /* version and block_size stay 0 unless valid: callers tell a container by them */
    if (h[5] < 2 || h[5] > 4)
        return rt_err_set(err, RT_EFORMAT, "%s: CTFS version %u (the debugger reads 2 to 4)", name,
                          h[5]);
    f->version = h[5];
    uint32_t bs = ctfs_get_u32(h + 8);
    if (bs != 1024 && bs != 2048 && bs != 4096)
        return rt_err_set(err, RT_EFORMAT, "%s: CTFS block size %u (the debugger reads 1024, 2048, 4096)",
                          name, (unsigned)bs);
    f->block_size = bs;
    if (f->len < f->block_size)
        return rt_err_set(err, RT_ETRUNCATED, "%s: %llu bytes, shorter than its first block", name,
                          (unsigned long long)f->len);
    f->max_entries = ctfs_get_u32(h + 12);
    uint64_t fits = (f->len - CTFS_HEADER_LEN) / CTFS_ENTRY_LEN;
    uint64_t n = f->max_entries < fits ? f->max_entries : fits;
    unsigned char e[CTFS_ENTRY_LEN];
    for (uint64_t i = 0; i < n; i++) {
        if ((rc = raw_read(f, CTFS_HEADER_LEN + i * CTFS_ENTRY_LEN, e, sizeof e, "the root directory")))
            return rc;
        uint64_t nm = ctfs_get_u64(e + 16);
        if (!nm)
            continue;
        if (f->nentries == CTFS_MAX_MEMBERS)
            return rt_err_set(err, RT_ELIMIT, "%s: more than %d members", name, CTFS_MAX_MEMBERS);
        if ((f->nentries & (f->nentries - 1)) == 0) { /* grow at powers of two */
            size_t cap = f->nentries ? f->nentries * 2 : 4;
            ctfs_entry *p = rt_realloc(alloc, f->entries, f->nentries * sizeof *p, cap * sizeof *p);
            if (!p)
                return rt_err_set(err, RT_ENOMEM, "%s: out of memory", name);
            f->entries = p;
        }
        ctfs_entry *x = &f->entries[f->nentries++];
        x->size = ctfs_get_u64(e);
        x->map = ctfs_get_u64(e + 8);
        x->name = nm;
        x->slot = (unsigned)i;
    }
    return RT_OK;
}

static size_t entries_cap(size_t n)
{
    size_t cap = 4;
    while (cap < n)
        cap *= 2;
    return n ? cap : 0;
}

void ctfs_rfile_close(ctfs_rfile *f)
{
    rt_free(f->alloc, f->entries, entries_cap(f->nentries) * sizeof *f->entries);
    rt_free(f->alloc, f->leaf, f->block_size);
    f->entries = NULL;
    f->leaf = NULL;
}

const ctfs_entry *ctfs_rfile_find(const ctfs_rfile *f, const char *name)
{
    uint64_t nm = ctfs_name_encode(name);
    for (size_t i = f->nentries; i-- > 0;) /* the last of duplicates, as the debugger's map */
        if (f->entries[i].name == nm)
            return &f->entries[i];
    return NULL;
}

/* The debugger reads only blocks inside the file's whole blocks. One past
 * them is a cut file (RT_ETRUNCATED: the events before it are kept). */
static int whole(ctfs_rfile *f, uint64_t b, const char *what)
{
    if (b >= f->len / f->block_size)
        return rt_err_set(f->err, RT_ETRUNCATED,
                          "%s: %s block %llu is outside the file's %llu whole blocks (cut short?)",
                          f->name, what, (unsigned long long)b,
                          (unsigned long long)(f->len / f->block_size));
    return RT_OK;
}

static int entry_at(ctfs_rfile *f, uint64_t block, uint64_t idx, uint64_t *out)
{
    unsigned char p[8];
    int rc = raw_read(f, block * f->block_size + idx * 8, p, 8, "a mapping entry");
    if (!rc)
        *out = ctfs_get_u64(p);
    return rc;
}

/* The physical block of logical block li of the member mapped at root. */
static int resolve(ctfs_rfile *f, uint64_t root, uint64_t li, uint64_t *out)
{
    uint64_t usable = f->block_size / 8 - 1;
    unsigned level;
    uint64_t rem;
    if (!ctfs_map_level(li, usable, &level, &rem))
        return rt_err_set(f->err, RT_EFORMAT, "%s: block %llu exceeds the mapping depth", f->name,
                          (unsigned long long)li);
    uint64_t key = ((uint64_t)level << 58 | rem / usable) + 1;
    int rc;
    if (f->leaf_key != key || f->leaf_map != root) {
        uint64_t cur = root;
        if ((rc = whole(f, cur, "mapping root")))
            return rc;
        for (unsigned l = 1; l < level; l++) {
            if ((rc = entry_at(f, cur, usable, &cur)))
                return rc;
            if (!cur)
                return rt_err_set(f->err, RT_EFORMAT, "%s: null indirect mapping pointer", f->name);
            if ((rc = whole(f, cur, "chained mapping")))
                return rc;
        }
        uint64_t r = rem;
        for (unsigned d = level - 1; d >= 1; d--) {
            uint64_t sub = ctfs_span(usable, d), nb;
            if ((rc = entry_at(f, cur, r / sub, &nb)))
                return rc;
            if (!nb)
                return rt_err_set(f->err, RT_EFORMAT, "%s: null pointer in a mapping sub-block", f->name);
            if ((rc = whole(f, nb, "child mapping")))
                return rc;
            cur = nb;
            r %= sub;
        }
        if (!f->leaf && !(f->leaf = rt_malloc(f->alloc, f->block_size)))
            return rt_err_set(f->err, RT_ENOMEM, "%s: out of memory", f->name);
        f->leaf_key = 0;
        if ((rc = raw_read(f, cur * f->block_size, f->leaf, f->block_size, "a mapping block")))
            return rc;
        f->leaf_key = key;
        f->leaf_map = root;
    }
    *out = ctfs_get_u64(f->leaf + rem % usable * 8);
    return RT_OK;
}

int ctfs_rfile_read(ctfs_rfile *f, const ctfs_entry *e, uint64_t off, void *buf, size_t n)
{
    unsigned char *p = buf;
    /* A member's blocks are distinct, so its bytes fit in the file: more is
     * a cut file (or blocks mapped twice); reading stays linear in the file. */
    if (off > f->len || n > f->len - off)
        return rt_err_set(f->err, RT_ETRUNCATED,
                          "%s: a member of %llu bytes does not fit in the file's %llu (cut short?)",
                          f->name, (unsigned long long)e->size, (unsigned long long)f->len);
    if (n && !e->map)
        return rt_err_set(f->err, RT_EFORMAT, "%s: member of %llu bytes has no mapping block",
                          f->name, (unsigned long long)e->size);
    while (n) {
        uint64_t li = off / f->block_size, in = off % f->block_size, db;
        int rc = resolve(f, e->map, li, &db);
        if (rc)
            return rc;
        if (!db)
            return rt_err_set(f->err, RT_EFORMAT, "%s: unallocated data block %llu of a member",
                              f->name, (unsigned long long)li);
        if ((rc = whole(f, db, "data")))
            return rc;
        size_t take = f->block_size - (size_t)in;
        if (take > n)
            take = n;
        if ((rc = raw_read(f, db * f->block_size + in, p, take, "a data block")))
            return rc;
        p += take;
        n -= take;
        off += take;
    }
    return RT_OK;
}

int ctfs_rfile_read_all(ctfs_rfile *f, const ctfs_entry *e, size_t max, unsigned char **out)
{
    *out = NULL;
    if (e->size > max)
        return rt_err_set(f->err, RT_ELIMIT, "%s: member of %llu bytes, over the %zu-byte limit",
                          f->name, (unsigned long long)e->size, max);
    unsigned char *b = rt_malloc(f->alloc, (size_t)e->size);
    if (!b)
        return rt_err_set(f->err, RT_ENOMEM, "%s: out of memory", f->name);
    int rc = ctfs_rfile_read(f, e, 0, b, (size_t)e->size);
    if (rc) {
        rt_free(f->alloc, b, (size_t)e->size);
        return rc;
    }
    *out = b;
    return RT_OK;
}
