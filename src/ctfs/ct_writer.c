/* The trace.ct encoder (CTFS.md section 8): a CTFS container with three
 * members, meta.dat, events.log and events.fmt. Events are encoded (0.19
 * dialect, split-binary or CBOR) into a pending chunk; a full chunk is
 * compressed as one zstd frame, framed with its 16-byte header, appended to
 * events.log and committed, so that every chunk on disk is readable at once
 * and a killed recording keeps all of them. meta.dat is written at open with
 * the sources known then (none) and once more at the end with every source.
 *
 * Chunk size and level, measured on the BENCH.md workload (10 M calls,
 * docs/performance.md): chunks of at most 2 MiB of uncompressed events
 * (rt_writer_options.frame_size, as v1's frames; the tracer's default
 * flush every 65 536 events cuts them at about 1.3 MiB first) at zstd
 * level 2 give 2.51 bytes per event, v1's 2.61, at v1's speed; a 1 MiB
 * limit gives 2.91, 512 KiB 3.42, and level 3 is both slower and larger
 * here (2.98). The 0.19 writer's 4096 events (about 60 KiB) would cost
 * more still. Memory: the pending chunk, its compressed copy, the zstd
 * context: about 5 MiB. */
#include <fcntl.h>
#include <unistd.h>

#include "cbor/cbor_event.h"
#include "common/arena.h"
#include "common/dialect.h"
#include "common/encoder.h"
#include "common/utf8.h"
#include "common/uuid.h"
#include "ctfs/ctfs_meta.h"
#include "ctfs/ctfs_wcontainer.h"
#include "ctfs/split_binary.h"
#include "zstd/zstd_mem.h"

#define RT_CT_CHUNK_BYTES ((size_t)2 << 20)
#define RT_CT_MAX_CHUNK_BYTES ((size_t)16 << 20) /* a window readers take at any level */
#define RT_CT_LEVEL 2
#define RT_CT_RECORDER "runtime_tracing-c " RT_VERSION_STRING

typedef struct ct_encoder {
    rt_encoder base;
    rt_output *out;
    rt_err *err;
    const rt_allocator *alloc;
    const rt_dialect_desc *dialect;
    bool cbor;
    int status; /* sticky failure */
    ctfs_wfile file;
    ctfs_wmember meta, log, fmt;
    rt_buf pending;           /* events of the open chunk */
    size_t chunk_bytes;       /* cut a chunk at this many bytes of events */
    uint32_t pending_events;
    uint64_t consumed;        /* event bytes given to chunks */
    uint64_t keep_from;       /* a held tail (encoder.h) stays in pending... */
    uint32_t keep_events;     /* ... after this many pending events */
    uint64_t events;          /* events handed to chunks or pending */
    uint64_t chunk_first;     /* index of the first pending event */
    rt_buf frame;             /* chunk header + compressed frame */
    ZSTD_CCtx *cctx;
    /* meta.dat: the strings (arena), the sources in Path order. */
    rt_arena strings;
    rt_str program, workdir;
    rt_str *args;
    size_t nargs;
    rt_str *paths;
    size_t npaths, paths_cap;
    char recording_id[RT_UUID_LEN + 1];
    size_t meta_len;          /* bytes of the meta.dat written at open */
} ct_encoder;

static int fail_mem(ct_encoder *w)
{
    return w->status = rt_err_set(w->err, RT_ENOMEM, "ct writer: out of memory");
}

static int copy_str(ct_encoder *w, const char *s, rt_str *out)
{
    size_t n = s ? strlen(s) : 0;
    char *p = rt_arena_alloc(&w->strings, n + 1);
    if (!p)
        return RT_ENOMEM;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    out->ptr = p;
    out->len = n;
    return RT_OK;
}

/* A Path event's source for meta.dat: absolute, relative ones resolved
 * against workdir (the debugger's importer does the same). */
static int add_path(ct_encoder *w, rt_str path)
{
    if (w->npaths == w->paths_cap) {
        size_t cap = w->paths_cap ? w->paths_cap * 2 : 16;
        rt_str *p = rt_realloc(w->alloc, w->paths, w->paths_cap * sizeof *p, cap * sizeof *p);
        if (!p)
            return fail_mem(w);
        w->paths = p;
        w->paths_cap = cap;
    }
    bool rel = path.len && path.ptr[0] != '/' && w->workdir.len;
    size_t n = path.len + (rel ? w->workdir.len + 1 : 0);
    char *p = rt_arena_alloc(&w->strings, n + 1);
    if (!p)
        return fail_mem(w);
    size_t at = 0;
    if (rel) {
        memcpy(p, w->workdir.ptr, w->workdir.len);
        at = w->workdir.len;
        if (p[at - 1] != '/')
            p[at++] = '/';
    }
    if (path.len)
        memcpy(p + at, path.ptr, path.len);
    at += path.len;
    p[at] = '\0';
    w->paths[w->npaths].ptr = p;
    w->paths[w->npaths].len = at;
    w->npaths++;
    return RT_OK;
}

static int meta_bytes(ct_encoder *w, rt_buf *b)
{
    ctfs_meta m = {0,
                   {w->recording_id, RT_UUID_LEN},
                   w->program,
                   w->args,
                   w->nargs,
                   w->workdir,
                   {RT_CT_RECORDER, sizeof RT_CT_RECORDER - 1},
                   w->paths,
                   w->npaths};
    return ctfs_meta_encode(b, &m) ? fail_mem(w) : RT_OK;
}

/* Bytes and events of pending before the held tail. */
static size_t releasable(const ct_encoder *w, uint32_t *events)
{
    uint64_t held = w->keep_from - w->consumed;
    if (held < w->pending.len) {
        *events = w->keep_events;
        return (size_t)held;
    }
    *events = w->pending_events;
    return w->pending.len;
}

/* Compresses the pending events before the held tail into one chunk and
 * commits it. */
static int emit_chunk(ct_encoder *w)
{
    uint32_t nevents;
    size_t len = releasable(w, &nevents);
    if (!nevents)
        return RT_OK;
    size_t bound = ZSTD_compressBound(len);
    w->frame.len = 0;
    if (rt_buf_reserve(&w->frame, CTFS_CHUNK_HEADER_LEN + bound))
        return fail_mem(w);
    size_t z = ZSTD_compress2(w->cctx, w->frame.data + CTFS_CHUNK_HEADER_LEN, bound,
                              w->pending.data, len);
    if (ZSTD_isError(z))
        return w->status = rt_err_set(w->err, ZSTD_getErrorCode(z) == ZSTD_error_memory_allocation
                                                  ? RT_ENOMEM : RT_EIO,
                                      "ct writer: zstd: %s", ZSTD_getErrorName(z));
    if (z > UINT32_MAX)
        return w->status = rt_err_set(w->err, RT_ELIMIT, "ct writer: chunk over 4 GiB");
    ctfs_put_u32(w->frame.data, (uint32_t)z);
    ctfs_put_u32(w->frame.data + 4, nevents);
    ctfs_put_u64(w->frame.data + 8, w->chunk_first);
    int rc = ctfs_wmember_append(&w->log, w->frame.data, CTFS_CHUNK_HEADER_LEN + z);
    if (!rc)
        rc = ctfs_wmember_commit(&w->log);
    if (rc)
        return w->status = rc;
    w->chunk_first += nevents;
    w->pending_events -= nevents;
    w->keep_events = 0;
    memmove(w->pending.data, w->pending.data + len, w->pending.len - len);
    w->pending.len -= len;
    w->consumed += len;
    w->out->bytes = w->file.next_block * CTFS_BLOCK; /* the file size */
    return RT_OK;
}

static int ct_write(rt_encoder *enc, const rt_event *e)
{
    ct_encoder *w = (ct_encoder *)enc;
    if (w->status)
        return w->status;
    size_t mark = w->pending.len;
    int rc = w->cbor ? rt_cbor_encode_event(&w->pending, e, w->dialect)
                     : rt_split_binary_encode(&w->pending, e, w->dialect);
    if (rc) {
        w->pending.len = mark; /* never leave half an event behind */
        return rc == RT_ELIMIT ? rt_err_set(w->err, rc, "ct writer: a string over 4 GiB")
                               : rt_err_set(w->err, RT_ENOMEM, "ct writer: out of memory");
    }
    if (e->kind == RT_EVENT_PATH && (rc = add_path(w, e->u.path))) {
        w->pending.len = mark;
        return rc;
    }
    w->pending_events++;
    w->events++;
    if ((w->pending.len >= w->chunk_bytes || w->pending_events == UINT32_MAX) &&
        w->pending_events > w->keep_events)
        return emit_chunk(w);
    return RT_OK;
}

static int ct_flush(rt_encoder *enc)
{
    ct_encoder *w = (ct_encoder *)enc;
    return w->status ? w->status : emit_chunk(w);
}

static int ct_finish(rt_encoder *enc)
{
    ct_encoder *w = (ct_encoder *)enc;
    int rc = w->status ? w->status : emit_chunk(w);
    if (rc || !w->npaths)
        return rc;
    /* meta.dat with the sources: into fresh blocks, then its entry. */
    rt_buf b;
    rt_buf_init(&b, w->alloc);
    if (!(rc = meta_bytes(w, &b)))
        rc = ctfs_wmember_replace(&w->meta, b.data, b.len);
    rt_buf_free(&b);
    w->out->bytes = w->file.next_block * CTFS_BLOCK; /* the file size */
    return rc ? (w->status = rc) : RT_OK;
}

static void ct_destroy(rt_encoder *enc)
{
    ct_encoder *w = (ct_encoder *)enc;
    ZSTD_freeCCtx(w->cctx);
    rt_buf_free(&w->pending);
    rt_buf_free(&w->frame);
    rt_free(w->alloc, w->args, w->nargs * sizeof *w->args);
    rt_free(w->alloc, w->paths, w->paths_cap * sizeof *w->paths);
    rt_arena_free(&w->strings);
    rt_free(w->alloc, w, sizeof *w);
}

static uint64_t ct_position(const rt_encoder *enc)
{
    const ct_encoder *w = (const ct_encoder *)enc;
    return w->consumed + w->pending.len;
}

/* from is the current position (the writer holds from the event it is
 * about to write). */
static void ct_hold(rt_encoder *enc, uint64_t from)
{
    ct_encoder *w = (ct_encoder *)enc;
    w->keep_from = from;
    w->keep_events = w->pending_events;
}

static void ct_cut(rt_encoder *enc, uint64_t from, uint64_t to, uint64_t nevents)
{
    ct_encoder *w = (ct_encoder *)enc;
    size_t at = (size_t)(from - w->consumed), n = (size_t)(to - from);
    memmove(w->pending.data + at, w->pending.data + at + n, w->pending.len - at - n);
    w->pending.len -= n;
    w->pending_events -= (uint32_t)nevents;
    w->events -= nevents;
}

static const rt_encoder_ops ct_ops = {ct_write,    ct_flush, ct_finish, ct_destroy,
                                      ct_position, ct_hold,  ct_cut};

/* meta.dat's strings must be UTF-8: the debugger refuses the whole file
 * otherwise (CTFS.md 4.2). */
static int check_utf8(ct_encoder *w, rt_str s, const char *what)
{
    if (rt_utf8_valid(s.ptr, s.len))
        return RT_OK;
    return rt_err_set(w->err, RT_EUTF8, "ct writer: the %s is not valid UTF-8", what);
}

static int copy_metadata(ct_encoder *w, const rt_writer_options *o)
{
    const rt_metadata *md = o->metadata;
    if (copy_str(w, md ? md->program : NULL, &w->program) ||
        copy_str(w, md ? md->workdir : NULL, &w->workdir))
        return fail_mem(w);
    int rc;
    if ((rc = check_utf8(w, w->program, "program")) || (rc = check_utf8(w, w->workdir, "workdir")))
        return rc;
    if (md && md->nargs) {
        w->args = rt_malloc(w->alloc, md->nargs * sizeof *w->args);
        if (!w->args)
            return fail_mem(w);
        w->nargs = md->nargs;
        for (size_t i = 0; i < md->nargs; i++) {
            if (copy_str(w, md->args[i], &w->args[i]))
                return fail_mem(w);
            if ((rc = check_utf8(w, w->args[i], "program argument")))
                return rc;
        }
    }
    const char *id = md ? md->recording_id : NULL;
    if (id) {
        if (!rt_uuid7_is_canonical(id, strlen(id)))
            return rt_err_set(w->err, RT_EINVAL,
                              "ct writer: recording id \"%.40s\" is not a lowercase UUIDv7", id);
        memcpy(w->recording_id, id, RT_UUID_LEN + 1);
    } else {
        rt_uuid7_new(w->recording_id);
    }
    return RT_OK;
}

/* Block 0, meta.dat, events.log with its header, events.fmt. */
static int write_skeleton(ct_encoder *w)
{
    int rc = ctfs_wfile_init(&w->file, w->out->fd, w->out->name, w->err);
    rt_buf b;
    rt_buf_init(&b, w->alloc);
    if (!rc && !(rc = meta_bytes(w, &b)) && !(rc = ctfs_wmember_open(&w->meta, &w->file, "meta.dat")) &&
        !(rc = ctfs_wmember_append(&w->meta, b.data, b.len)))
        rc = ctfs_wmember_commit(&w->meta);
    rt_buf_free(&b);
    const char *fmt = w->cbor ? "cbor" : "split-binary";
    if (!rc && !(rc = ctfs_wmember_open(&w->log, &w->file, "events.log")) &&
        !(rc = ctfs_wmember_append(&w->log, CTFS_EVENTS_HEADER, CTFS_EVENTS_HEADER_LEN)) &&
        !(rc = ctfs_wmember_commit(&w->log)) && !(rc = ctfs_wmember_open(&w->fmt, &w->file, "events.fmt")) &&
        !(rc = ctfs_wmember_append(&w->fmt, fmt, strlen(fmt))))
        rc = ctfs_wmember_commit(&w->fmt);
    w->out->bytes = w->file.next_block * CTFS_BLOCK; /* the file size */
    return rc;
}

int rt_ct_encoder_new(const rt_encoder_env *env, rt_encoder **out)
{
    const rt_writer_options *o = env->opts;
    /* positioned writes: a regular file (or /dev/null), not a pipe, an
     * O_APPEND descriptor (pwrite would append) or a write_fn */
    int fl = env->out->fd >= 0 ? fcntl(env->out->fd, F_GETFL) : -1;
    if (env->out->write_fn || fl < 0 || (fl & O_APPEND) || lseek(env->out->fd, 0, SEEK_CUR) < 0)
        return rt_err_set(env->err, RT_EUNSUPPORTED,
                          "%s: trace.ct is written in place: it needs a seekable file",
                          env->out->name);
    ct_encoder *w = rt_malloc(env->alloc, sizeof *w);
    if (!w)
        return rt_err_set(env->err, RT_ENOMEM, "ct writer: out of memory");
    memset(w, 0, sizeof *w);
    w->base.ops = &ct_ops;
    w->base.pos_buf = &w->pending;
    w->base.pos_base = &w->consumed;
    w->out = env->out;
    w->err = env->err;
    w->alloc = env->alloc;
    w->dialect = rt_dialect_get(RT_DIALECT_0_19); /* what a .ct always holds */
    w->cbor = o->ct_cbor;
    w->keep_from = RT_HOLD_NONE;
    w->chunk_bytes = o->frame_size ? o->frame_size : RT_CT_CHUNK_BYTES;
    if (w->chunk_bytes > RT_CT_MAX_CHUNK_BYTES)
        w->chunk_bytes = RT_CT_MAX_CHUNK_BYTES;
    rt_buf_init(&w->pending, env->alloc);
    rt_buf_init(&w->frame, env->alloc);
    rt_arena_init(&w->strings, env->alloc, 4096);
    int rc = copy_metadata(w, o);
    if (!rc && !(w->cctx = ZSTD_createCCtx_advanced(rt_zstd_mem(env->alloc))))
        rc = fail_mem(w);
    if (!rc && ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel,
                                                   o->zstd_level ? o->zstd_level : RT_CT_LEVEL)))
        rc = rt_err_set(w->err, RT_EINVAL, "ct writer: zstd level %d refused", o->zstd_level);
    if (!rc && rt_buf_reserve(&w->pending, w->chunk_bytes + 4096))
        rc = fail_mem(w);
    if (!rc)
        rc = write_skeleton(w);
    if (rc) {
        ct_destroy(&w->base);
        return rc;
    }
    *out = &w->base;
    return RT_OK;
}
