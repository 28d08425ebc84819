/* rt_trace_repair: makes a truncated events file readable again. Built on
 * the public reader and writer only, so it sits above both. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RT_EXPERIMENTAL_CTFS
#define RT_EXPERIMENTAL_CTFS /* rt_ct_inspect */
#endif
#include "runtime_tracing.h"

#include "capnp/v0_journal.h"

static int fail(char *errbuf, size_t len, int rc, const char *fmt, const char *a, const char *b)
{
    if (errbuf && len)
        snprintf(errbuf, len, fmt, a, b);
    return rc;
}

/* Who hears how far a pass over the file is. */
typedef struct progress {
    rt_progress_fn fn;
    void *ctx;
    uint64_t total; /* the file's size */
} progress;

/* True when path starts as a CTFS container (trace.ct). */
static bool is_ct(const char *path)
{
    rt_ct_info ci;
    rt_ct_inspect(path, &ci, NULL, 0);
    bool ct = ci.version != 0;
    rt_ct_info_clear(&ci);
    return ct;
}

/* Reads events until the end or an error; *events counts them. With w, each
 * event is also written there. Returns the reader's final status. */
static int count_events(const char *path, rt_writer *w, uint64_t *events, rt_format *format,
                        const progress *pg, char *msg, size_t msg_len, uint64_t *paths)
{
    rt_reader *r;
    char why[512] = "";
    rt_reader_options ro;
    rt_reader_options_init(&ro);
    ro.errbuf = why;
    ro.errbuf_len = sizeof why;
    int rc = rt_reader_open(&r, path, &ro);
    if (rc) {
        snprintf(msg, msg_len, "%s", why[0] ? why : rt_strerror(rc));
        if (is_ct(path)) /* a container cut before its first event */
            *format = RT_FORMAT_CT;
        return rc;
    }
    *format = rt_reader_format(r);
    const rt_event *e;
    *events = 0;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
        if (w && (rc = rt_writer_write(w, e)) != RT_OK) {
            snprintf(msg, msg_len, "%s", rt_writer_errmsg(w));
            break;
        }
        if ((++*events & 4095) == 0 && pg && pg->fn)
            pg->fn(pg->ctx, rt_reader_bytes_consumed(r), pg->total, *events);
        if (paths && e->kind == RT_EVENT_PATH)
            (*paths)++;
    }
    if (rc < 0 && !msg[0])
        snprintf(msg, msg_len, "%s", rt_reader_errmsg(r));
    rt_reader_free(r);
    return rc;
}

/* Offset just past the n-th top-level element of a JSON array, or -1. */
static long long json_element_end(int fd, uint64_t n)
{
    char buf[65536];
    long long off = 0;
    int depth = 0;
    bool in_string = false, escape = false, started = false;
    uint64_t done = 0;
    long long after_open = -1;
    ssize_t r;
    if (lseek(fd, 0, SEEK_SET) != 0)
        return -1;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < r; i++, off++) {
            char c = buf[i];
            if (in_string) {
                if (escape)
                    escape = false;
                else if (c == '\\')
                    escape = true;
                else if (c == '"') {
                    in_string = false;
                    if (depth == 1 && ++done == n)
                        return off + 1;
                }
                continue;
            }
            if (c == '"') {
                in_string = true;
            } else if (c == '[' || c == '{') {
                depth++;
                if (!started && depth == 1) {
                    started = true;
                    after_open = off + 1;
                    if (n == 0)
                        return after_open;
                }
            } else if (c == ']' || c == '}') {
                depth--;
                if (depth == 1 && ++done == n)
                    return off + 1;
                if (depth <= 0)
                    return -1;
            }
        }
    }
    return -1;
}

static int repair_json(const char *path, uint64_t events, rt_repair_result *out, char *errbuf,
                       size_t len)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return fail(errbuf, len, RT_EIO, "%s: %s", path, strerror(errno));
    long long end = json_element_end(fd, events);
    int rc = RT_OK;
    if (end < 0)
        rc = fail(errbuf, len, RT_EFORMAT, "%s: %s", path, "cannot find the last complete event");
    else if (ftruncate(fd, end) != 0 || pwrite(fd, "]", 1, end) != 1)
        rc = fail(errbuf, len, RT_EIO, "%s: %s", path, strerror(errno));
    else
        out->new_size = (uint64_t)end + 1;
    if (close(fd) != 0 && rc == RT_OK)
        rc = fail(errbuf, len, RT_EIO, "%s: %s", path, strerror(errno));
    return rc;
}

/* Rewrites path from its readable events in format (v1 or ct, whose
 * meta.dat keeps the recording's program, args, workdir and id, and gets
 * every source of the Path events). */
static int rewrite(const char *path, rt_format format, const rt_ct_info *ci,
                   rt_repair_result *out, const progress *pg, char *errbuf, size_t len)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.repair-tmp", path) >= (int)sizeof tmp)
        return fail(errbuf, len, RT_EINVAL, "%s: %s", path, "path too long");
    rt_writer_options wo;
    rt_writer_options_init(&wo, format);
    rt_metadata md = {NULL, NULL, NULL, 0, NULL};
    if (ci && ci->meta_valid) {
        md.workdir = ci->workdir;
        md.program = ci->program;
        md.args = ci->args;
        md.nargs = ci->nargs;
        md.recording_id = ci->recording_id;
        wo.metadata = &md;
    }
    if (ci)
        wo.ct_cbor = ci->has_events_log && !ci->split_binary;
    rt_writer *w;
    int rc = rt_writer_open(&w, tmp, &wo);
    if (rc)
        return fail(errbuf, len, rc, "%s: %s", tmp, rt_strerror(rc));
    char msg[512] = "";
    uint64_t n;
    rt_format f;
    rc = count_events(path, w, &n, &f, pg, msg, sizeof msg, NULL);
    if (rc == RT_ETRUNCATED || rc == RT_READ_END)
        rc = rt_writer_finish(w);
    else if (rc >= 0)
        rc = RT_EFORMAT;
    if (rc) {
        if (!msg[0])
            snprintf(msg, sizeof msg, "%s", rt_writer_errmsg(w));
        rt_writer_free(w);
        unlink(tmp);
        return fail(errbuf, len, rc < 0 ? rc : RT_EFORMAT, "%s%s", msg, "");
    }
    out->new_size = rt_writer_bytes_written(w);
    rt_writer_free(w);
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return fail(errbuf, len, RT_EIO, "%s: %s", path, strerror(errno));
    }
    return RT_OK;
}

/* Copies n bytes of the file `from` to fd. */
static int copy_bytes(int fd, const char *from, uint64_t n)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return RT_EIO;
    static unsigned char buf[1 << 16];
    int rc = RT_OK;
    while (n && rc == RT_OK) {
        ssize_t r = read(in, buf, n < sizeof buf ? (size_t)n : sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = RT_ETRUNCATED;
            break;
        }
        for (ssize_t off = 0; off < r && rc == RT_OK;) {
            ssize_t w = write(fd, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                rc = RT_EIO;
            else
                off += w;
        }
        n -= (uint64_t)r;
    }
    close(in);
    return rc;
}

static void remove_v0_side_files(const char *path)
{
    static const char *const suffixes[] = {RT_V0_JOURNAL_SUFFIX, RT_V0_EVENTS_SUFFIX,
                                           RT_V0_CONTENT_SUFFIX};
    char name[PATH_MAX];
    for (size_t i = 0; i < 3; i++)
        if (snprintf(name, sizeof name, "%s%s", path, suffixes[i]) < (int)sizeof name)
            unlink(name);
}

/* A v0 recording killed after a flush: its file from the journal and the
 * spools beside it (capnp/v0_journal.h). *events: the events it holds. */
static int recover_v0(const char *path, uint64_t *events, char *errbuf, size_t len)
{
    rt_v0_journal j;
    int rc = rt_v0_journal_read(path, &j, NULL);
    if (rc)
        return fail(errbuf, len, rc == RT_ENOMEM ? rc : RT_EFORMAT, "%s%s: not a v0 journal",
                    path, RT_V0_JOURNAL_SUFFIX);
    *events = j.events;
    char tmp[PATH_MAX], s0[PATH_MAX], s1[PATH_MAX];
    if (!rt_v0_side_name(tmp, sizeof tmp, path, ".repair-tmp") ||
        !rt_v0_side_name(s0, sizeof s0, path, RT_V0_EVENTS_SUFFIX) ||
        !rt_v0_side_name(s1, sizeof s1, path, RT_V0_CONTENT_SUFFIX)) {
        rt_v0_journal_free(&j, NULL);
        return fail(errbuf, len, RT_EINVAL, "%s: %s", path, "path too long");
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rt_v0_journal_free(&j, NULL);
        return fail(errbuf, len, RT_EIO, "%s: %s", tmp, strerror(errno));
    }
    if (write(fd, j.head, j.head_len) != (ssize_t)j.head_len)
        rc = RT_EIO;
    if (rc == RT_OK)
        rc = copy_bytes(fd, s0, j.n0);
    if (rc == RT_OK)
        rc = copy_bytes(fd, s1, j.n1);
    rt_v0_journal_free(&j, NULL);
    if (close(fd) != 0 && rc == RT_OK)
        rc = RT_EIO;
    if (rc == RT_OK && rename(tmp, path) != 0)
        rc = RT_EIO;
    if (rc) {
        unlink(tmp);
        return fail(errbuf, len, rc, "%s: %s", path,
                    rc == RT_ETRUNCATED ? "a spool is shorter than its journal says"
                                        : "cannot write the recovered file");
    }
    remove_v0_side_files(path);
    return RT_OK;
}

/* The repaired file must now read to its end. */
static int check_again(const char *path, uint64_t events, progress *pg, char *errbuf,
                       size_t len)
{
    char msg[512] = "";
    uint64_t again;
    rt_format f;
    struct stat st;
    if (pg && stat(path, &st) == 0)
        pg->total = (uint64_t)st.st_size;
    int rc = count_events(path, NULL, &again, &f, pg, msg, sizeof msg, NULL);
    if (rc != RT_READ_END || again != events)
        return fail(errbuf, len, RT_EFORMAT, "%s: repaired file does not read back: %s", path, msg);
    return RT_OK;
}

int rt_trace_repair(const char *path, rt_repair_result *out, char *errbuf, size_t errbuf_len)
{
    return rt_trace_repair_progress(path, out, NULL, NULL, errbuf, errbuf_len);
}

int rt_trace_repair_progress(const char *path, rt_repair_result *out, rt_progress_fn fn,
                             void *ctx, char *errbuf, size_t errbuf_len)
{
    if (!path || !out)
        return RT_EINVAL;
    memset(out, 0, sizeof *out);
    if (errbuf && errbuf_len)
        errbuf[0] = '\0';
    char journal[PATH_MAX];
    bool has_journal = rt_v0_side_name(journal, sizeof journal, path, RT_V0_JOURNAL_SUFFIX) &&
                       access(journal, F_OK) == 0;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT || !has_journal) /* a v0 file killed before its creation stays */
            return fail(errbuf, errbuf_len, errno == ENOENT ? RT_ENOENT : RT_EIO, "%s: %s", path,
                        strerror(errno));
        st.st_size = 0;
    }
    out->old_size = out->new_size = (uint64_t)st.st_size;
    progress pg = {fn, ctx, (uint64_t)st.st_size};
    char msg[512] = "";
    uint64_t events = 0, paths = 0;
    int rc = count_events(path, NULL, &events, &out->format, &pg, msg, sizeof msg, &paths);
    out->events = events;
    if (has_journal) {
        /* The reader reads an empty or missing v0 file from its journal;
         * a file of its own that reads whole is complete. */
        if (rc == RT_READ_END && st.st_size > 0) { /* killed while removing what finish left */
            remove_v0_side_files(path);
            return RT_OK;
        }
        /* a v0 recording killed after a flush */
        out->format = RT_FORMAT_V0;
        out->was_truncated = true;
        if ((rc = recover_v0(path, &events, errbuf, errbuf_len)))
            return rc;
        out->events = events;
        if (stat(path, &st) == 0)
            out->new_size = (uint64_t)st.st_size;
        return check_again(path, events, &pg, errbuf, errbuf_len);
    }
    rt_ct_info ci;
    bool ct = out->format == RT_FORMAT_CT && (rc == RT_READ_END || rc == RT_ETRUNCATED);
    if (ct) {
        rt_ct_inspect(path, &ci, NULL, 0);
        /* Complete: whole blocks, whole chunks, meta.dat with every source. */
        bool whole = rc == RT_READ_END && ci.whole_blocks && !ci.truncated && ci.meta_valid &&
                     ci.npaths == paths;
        if (!whole) {
            out->was_truncated = true;
            rc = rewrite(path, RT_FORMAT_CT, &ci, out, &pg, errbuf, errbuf_len);
        }
        rt_ct_info_clear(&ci);
        if (rc || !whole)
            return rc ? rc : check_again(path, events, &pg, errbuf, errbuf_len);
        return RT_OK;
    }
    if (rc == RT_READ_END)
        return RT_OK;
    if (rc != RT_ETRUNCATED)
        return fail(errbuf, errbuf_len, rc < 0 ? rc : RT_EFORMAT, "%s%s", msg,
                    rc == RT_EFORMAT ? " (not a truncation: not repaired)" : "");
    out->was_truncated = true;
    switch (out->format) {
    case RT_FORMAT_JSON:
        rc = repair_json(path, events, out, errbuf, errbuf_len);
        break;
    case RT_FORMAT_V1:
        rc = rewrite(path, RT_FORMAT_V1, NULL, out, &pg, errbuf, errbuf_len);
        break;
    default:
        return fail(errbuf, errbuf_len, RT_EUNSUPPORTED, "%s: %s", path,
                    "a truncated v0 file cannot be repaired");
    }
    return rc ? rc : check_again(path, events, &pg, errbuf, errbuf_len);
}
