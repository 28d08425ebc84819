/* rt_ct_inspect: a container's members, meta.dat and chunk headers, for
 * `info`, `validate` and `repair`. Reads headers only, no event. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "ctfs/ct_read.h"
#include "ctfs/ctfs_meta.h"

static char *dup_str(const rt_allocator *a, rt_str s)
{
    return rt_strndup(a, s.ptr ? s.ptr : "", s.len);
}

static char **dup_list(const rt_allocator *a, const rt_str *s, size_t n)
{
    char **l = rt_malloc(a, (n ? n : 1) * sizeof *l);
    if (!l)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!(l[i] = dup_str(a, s[i]))) {
            while (i--)
                rt_free(a, l[i], strlen(l[i]) + 1);
            rt_free(a, l, (n ? n : 1) * sizeof *l);
            return NULL;
        }
    return l;
}

static void free_list(char **l, size_t n)
{
    if (!l)
        return;
    for (size_t i = 0; i < n; i++)
        rt_free(&rt_default_allocator, l[i], strlen(l[i]) + 1);
    rt_free(&rt_default_allocator, l, (n ? n : 1) * sizeof *l);
}

static void free_str(char **s)
{
    if (*s)
        rt_free(&rt_default_allocator, *s, strlen(*s) + 1);
    *s = NULL;
}

void rt_ct_info_clear(rt_ct_info *info)
{
    if (!info)
        return;
    const rt_allocator *a = &rt_default_allocator;
    rt_free(a, info->members, info->nmembers * sizeof *info->members);
    rt_free(a, info->chunks, info->nchunks * sizeof *info->chunks); /* malloc: any size */
    free_str(&info->recording_id);
    free_str(&info->program);
    free_str(&info->workdir);
    free_str(&info->recorder_id);
    free_list(info->args, info->nargs);
    free_list(info->paths, info->npaths);
    memset(info, 0, sizeof *info);
}

static int read_meta(ctfs_rfile *f, rt_ct_info *out, rt_err *err)
{
    const rt_allocator *a = f->alloc;
    const ctfs_entry *m = ctfs_rfile_find(f, "meta.dat");
    if (!m) {
        snprintf(out->meta_error, sizeof out->meta_error, "no meta.dat member");
        return RT_OK;
    }
    unsigned char *data;
    rt_err merr;
    rt_err_clear(&merr);
    int rc = ctfs_rfile_read_all(f, m, RT_CT_MAX_META, &data);
    if (rc == RT_ENOMEM)
        return rt_err_set(err, rc, "%s: out of memory", f->name);
    if (rc) {
        snprintf(out->meta_error, sizeof out->meta_error, "%s", err->msg);
        rt_err_clear(err);
        return RT_OK;
    }
    rt_arena ar;
    rt_arena_init(&ar, a, 1024);
    ctfs_meta meta;
    rc = ctfs_meta_parse(data, (size_t)m->size, &ar, &meta, &merr);
    if (rc == RT_ENOMEM) {
        rt_err_set(err, rc, "%s: out of memory", f->name);
    } else if (rc) {
        snprintf(out->meta_error, sizeof out->meta_error, "%s", merr.msg);
        rc = RT_OK;
    } else {
        out->meta_flags = meta.flags;
        if (!(out->recording_id = dup_str(a, meta.recording_id)) ||
            !(out->program = dup_str(a, meta.program)) || !(out->workdir = dup_str(a, meta.workdir)) ||
            !(out->recorder_id = dup_str(a, meta.recorder_id)) ||
            !(out->args = dup_list(a, meta.args, meta.nargs)) ||
            !((out->nargs = meta.nargs), out->paths = dup_list(a, meta.paths, meta.npaths)))
            rc = rt_err_set(err, RT_ENOMEM, "%s: out of memory", f->name);
        else
            out->npaths = meta.npaths;
        out->meta_valid = rc == RT_OK;
    }
    rt_arena_free(&ar);
    rt_free(a, data, (size_t)m->size);
    return rc;
}

static int add_chunk(rt_ct_info *out, size_t *cap, const rt_ct_chunk *c)
{
    if (out->nchunks == *cap) {
        size_t n = *cap ? *cap * 2 : 64;
        rt_ct_chunk *p = rt_realloc(&rt_default_allocator, out->chunks, *cap * sizeof *p, n * sizeof *p);
        if (!p)
            return RT_ENOMEM;
        out->chunks = p;
        *cap = n;
    }
    out->chunks[out->nchunks++] = *c;
    return RT_OK;
}

static int read_chunks(ctfs_rfile *f, rt_ct_info *out, rt_err *err)
{
    const ctfs_entry *log = ctfs_rfile_find(f, "events.log");
    out->has_events_log = log != NULL;
    if (!log)
        return RT_OK;
    uint64_t off;
    int rc = rt_ct_payload_start(f, log, &off, &out->raw_cbor);
    if (rc)
        return rc;
    out->has_header = off != 0;
    out->complete_end = off;
    out->counts_consistent = true;
    if (out->raw_cbor)
        return RT_OK;
    size_t cap = 0;
    uint64_t total = 0;
    while (log->size - off >= CTFS_CHUNK_HEADER_LEN) {
        unsigned char h[CTFS_CHUNK_HEADER_LEN];
        if ((rc = ctfs_rfile_read(f, log, off, h, sizeof h)))
            return rc;
        rt_ct_chunk c = {off, ctfs_get_u32(h), ctfs_get_u32(h + 4), ctfs_get_u64(h + 8)};
        if (c.compressed > log->size - off - CTFS_CHUNK_HEADER_LEN) {
            out->truncated = true;
            break;
        }
        if (add_chunk(out, &cap, &c))
            return rt_err_set(err, RT_ENOMEM, "%s: out of memory", f->name);
        if (c.first_event != total)
            out->counts_consistent = false;
        total += c.events;
        off += CTFS_CHUNK_HEADER_LEN + (uint64_t)c.compressed;
        out->complete_end = off;
    }
    out->chunk_events = total;
    if (!out->truncated && off != log->size)
        out->truncated = true; /* a cut header: the debugger ignores it, but the writer never leaves one */
    return RT_OK;
}

static int inspect(ctfs_rfile *f, rt_ct_info *out, rt_err *err)
{
    out->file_size = f->len;
    out->version = f->version;
    out->block_size = f->block_size;
    out->max_root_entries = f->max_entries;
    out->whole_blocks = f->len % f->block_size == 0;
    if (f->nentries) {
        out->members = rt_malloc(f->alloc, f->nentries * sizeof *out->members);
        if (!out->members)
            return rt_err_set(err, RT_ENOMEM, "%s: out of memory", f->name);
        out->nmembers = f->nentries;
        for (size_t i = 0; i < f->nentries; i++) {
            rt_ct_member *m = &out->members[i];
            ctfs_name_decode(f->entries[i].name, m->name);
            m->slot = f->entries[i].slot;
            m->size = f->entries[i].size;
            m->map_block = f->entries[i].map;
        }
    }
    int rc = read_meta(f, out, err);
    if (!rc)
        rc = rt_ct_events_format(f, &out->split_binary);
    return rc ? rc : read_chunks(f, out, err);
}

int rt_ct_inspect(const char *path, rt_ct_info *out, char *errbuf, size_t errbuf_len)
{
    rt_err err;
    rt_err_clear(&err);
    int rc;
    if (!out || !path) {
        rc = rt_err_set(&err, RT_EINVAL, "rt_ct_inspect: NULL argument");
    } else {
        memset(out, 0, sizeof *out);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            rc = rt_err_set(&err, e == ENOENT ? RT_ENOENT : RT_EIO, "%s: %s", path, strerror(e));
        } else {
            ctfs_rfile f;
            rc = ctfs_rfile_open(&f, fd, NULL, 0, path, &rt_default_allocator, &err);
            if (!rc) {
                rc = inspect(&f, out, &err);
            } else { /* as far as the header went: a cut container still says so */
                out->file_size = f.len;
                out->version = f.version;
                out->block_size = f.block_size;
            }
            ctfs_rfile_close(&f);
            close(fd);
        }
    }
    if (rc && errbuf && errbuf_len)
        snprintf(errbuf, errbuf_len, "%s", err.msg);
    return rc;
}
