/* The parts of a trace directory besides the events file:
 * trace_metadata.json, trace_paths.json and files/. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json/json_writer.h"
#include "tracer/tracer_internal.h"

static int io_code(int e)
{
    return e == ENOENT ? RT_ENOENT : e == ENOSPC ? RT_ENOSPC : RT_EIO;
}

/* Writes a whole small file at once. */
static int write_file(const char *path, const void *data, size_t len, rt_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return rt_err_set(err, io_code(errno), "cannot create %s: %s", path, strerror(errno));
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            return rt_err_set(err, io_code(e), "cannot write %s: %s", path, strerror(e));
        }
        p += w;
        len -= (size_t)w;
    }
    if (close(fd) != 0)
        return rt_err_set(err, io_code(errno), "cannot write %s: %s", path, strerror(errno));
    return RT_OK;
}

static int put_json_str(rt_buf *b, const char *s, size_t n)
{
    if (rt_buf_reserve(b, RT_JSON_STR_BOUND(n)))
        return RT_ENOMEM;
    char *p = rt_json_put_str((char *)b->data + b->len, s, n);
    b->len = (size_t)(p - (char *)b->data);
    return RT_OK;
}

#define LIT(b, s) rt_buf_append((b), (s), sizeof(s) - 1)

static int put_uint(rt_buf *b, uint64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    return rt_buf_append(b, num, (size_t)n);
}

/* {"argument":N,"local":N,"global":N,"return":N,"attribute":N} */
static int put_counts(rt_buf *b, const uint64_t *counts)
{
    static const struct {
        const char *key;
        rt_filter_value_kind kind;
    } order[] = {{"{\"argument\":", RT_FILTER_ARG},
                 {",\"local\":", RT_FILTER_LOCAL},
                 {",\"global\":", RT_FILTER_GLOBAL},
                 {",\"return\":", RT_FILTER_RET},
                 {",\"attribute\":", RT_FILTER_ATTR}};
    int rc = RT_OK;
    for (size_t i = 0; !rc && i < sizeof order / sizeof *order; i++) {
        rc = rt_buf_append(b, order[i].key, strlen(order[i].key));
        rc = rc ? rc : put_uint(b, counts[order[i].kind]);
    }
    return rc ? rc : rt_buf_putc(b, '}');
}

/* "trace_filter":{"filters":[{"name","version","sha256","path"}...],
 * "stats":{"scopes_skipped","value_redactions","value_drops"}} */
static int put_trace_filter(rt_buf *b, const rt_filter *f, const rt_filter_stats *stats)
{
    int rc = LIT(b, ",\"trace_filter\":{\"filters\":[");
    for (size_t i = 0; !rc && i < rt_filter_file_count(f); i++) {
        const rt_filter_file *ff = rt_filter_file_at(f, i);
        rc = (i ? LIT(b, ",{\"name\":") : LIT(b, "{\"name\":"));
        rc = rc ? rc : put_json_str(b, ff->name, strlen(ff->name));
        rc = rc ? rc : LIT(b, ",\"version\":");
        rc = rc ? rc : put_uint(b, (uint64_t)ff->version);
        rc = rc ? rc : LIT(b, ",\"sha256\":");
        rc = rc ? rc : put_json_str(b, ff->sha256, strlen(ff->sha256));
        if (!rc && ff->path) {
            rc = LIT(b, ",\"path\":");
            rc = rc ? rc : put_json_str(b, ff->path, strlen(ff->path));
        }
        rc = rc ? rc : rt_buf_putc(b, '}');
    }
    rc = rc ? rc : LIT(b, "],\"stats\":{\"scopes_skipped\":");
    rc = rc ? rc : put_uint(b, stats->scopes_skipped);
    rc = rc ? rc : LIT(b, ",\"value_redactions\":");
    rc = rc ? rc : put_counts(b, stats->redactions);
    rc = rc ? rc : LIT(b, ",\"value_drops\":");
    rc = rc ? rc : put_counts(b, stats->drops);
    return rc ? rc : LIT(b, "}}");
}

int rt_tracedir_write_metadata(const char *path, const char *recording_id, const char *workdir,
                               const char *program, char *const *args, size_t nargs,
                               const rt_filter *filter, const rt_filter_stats *stats,
                               const rt_allocator *alloc, rt_err *err)
{
    rt_buf b;
    rt_buf_init(&b, alloc);
    int rc = RT_OK;
    if (recording_id) {
        rc = rt_buf_append(&b, "{\"recording_id\":", 16);
        rc = rc ? rc : put_json_str(&b, recording_id, strlen(recording_id));
        rc = rc ? rc : rt_buf_append(&b, ",\"workdir\":", 11);
    } else {
        rc = rt_buf_append(&b, "{\"workdir\":", 11);
    }
    rc = rc ? rc : put_json_str(&b, workdir, strlen(workdir));
    rc = rc ? rc : rt_buf_append(&b, ",\"program\":", 11);
    rc = rc ? rc : put_json_str(&b, program, strlen(program));
    rc = rc ? rc : rt_buf_append(&b, ",\"args\":[", 9);
    for (size_t i = 0; i < nargs && !rc; i++) {
        if (i)
            rc = rt_buf_putc(&b, ',');
        rc = rc ? rc : put_json_str(&b, args[i], strlen(args[i]));
    }
    rc = rc ? rc : rt_buf_putc(&b, ']');
    if (!rc && filter)
        rc = put_trace_filter(&b, filter, stats);
    rc = rc ? rc : rt_buf_putc(&b, '}');
    if (rc)
        rc = rt_err_set(err, RT_ENOMEM, "out of memory writing %s", path);
    else
        rc = write_file(path, b.data, b.len, err);
    rt_buf_free(&b);
    return rc;
}

int rt_tracedir_write_paths(const char *path, const rt_str *paths, size_t n,
                            const rt_allocator *alloc, rt_err *err)
{
    rt_buf b;
    rt_buf_init(&b, alloc);
    int rc = rt_buf_putc(&b, '[');
    for (size_t i = 0; i < n && !rc; i++) {
        if (i)
            rc = rt_buf_putc(&b, ',');
        rc = rc ? rc : put_json_str(&b, paths[i].ptr, paths[i].len);
    }
    rc = rc ? rc : rt_buf_putc(&b, ']');
    if (rc)
        rc = rt_err_set(err, RT_ENOMEM, "out of memory writing %s", path);
    else
        rc = write_file(path, b.data, b.len, err);
    rt_buf_free(&b);
    return rc;
}

/* Opens (creating) directory name under dirfd without following links. */
static int open_subdir(int dirfd, const char *name)
{
    if (mkdirat(dirfd, name, 0755) != 0 && errno != EEXIST)
        return -1;
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void warn(void (*fn)(void *, const char *), void *ctx, size_t *skipped, const char *fmt,
                 const char *a, const char *b)
{
    char msg[PATH_MAX + 256];
    snprintf(msg, sizeof msg, fmt, a, b);
    (*skipped)++;
    if (fn)
        fn(ctx, msg);
}

#define MASKED_SOURCE_MAX ((size_t)64 << 20)

/* Every occurrence in data of a string of masked becomes that many '*'. */
static void mask(unsigned char *data, size_t len, const rt_intern *masked)
{
    for (size_t i = 0; i <= masked->mask; i++) {
        const rt_intern_slot *s = &masked->slots[i];
        if (!s->key || s->len == 0)
            continue;
        unsigned char *p = data, *end = data + len;
        while ((size_t)(end - p) >= s->len && (p = memmem(p, (size_t)(end - p), s->key, s->len))) {
            memset(p, '*', s->len);
            p += s->len;
        }
    }
}

/* The whole of in, masked, written to out (a source is small; a larger
 * one is not copied rather than copied unmasked). */
static int copy_masked(int in, int out, size_t size, const rt_intern *masked, char *errbuf,
                       size_t errlen)
{
    if (size > MASKED_SOURCE_MAX) {
        snprintf(errbuf, errlen, "over 64 MiB: too large to mask the values the filter hid");
        return -1;
    }
    unsigned char *data = malloc(size ? size : 1);
    if (!data) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(in, data + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    mask(data, got, masked);
    int result = 0;
    for (size_t off = 0; off < got;) {
        ssize_t w = write(out, data + off, got - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            result = -1;
            break;
        }
        off += (size_t)w;
    }
    free(data);
    if (result != 0)
        snprintf(errbuf, errlen, "%s", strerror(errno ? errno : EIO));
    return result;
}

static int copy_plain(int in, int out)
{
    char buf[65536];
    ssize_t r;
    while ((r = read(in, buf, sizeof buf)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || write(out, buf, (size_t)r) != r)
            return -1;
    }
    return 0;
}

/* Copies src to rel (relative, checked) under files_fd, masked when masked
 * is given. */
static int copy_one(int files_fd, const char *src, const char *rel, const rt_intern *masked,
                    char *errbuf, size_t errlen)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(errbuf, errlen, "%s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(errbuf, errlen, "not a regular file");
        close(in);
        return -1;
    }
    /* Walk the directories of rel one by one, never through a link. */
    char part[PATH_MAX];
    int dirfd = dup(files_fd);
    const char *p = rel;
    int out = -1;
    while (dirfd >= 0) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        memcpy(part, p, n);
        part[n] = '\0';
        if (!slash) {
            out = openat(dirfd, part, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
            break;
        }
        p = slash + 1;
        if (n == 0 || (n == 1 && part[0] == '.'))
            continue;
        int next = open_subdir(dirfd, part);
        close(dirfd);
        dirfd = next;
    }
    int result;
    if (out < 0) {
        snprintf(errbuf, errlen, "%s", strerror(errno ? errno : EIO));
        result = -1;
    } else if (masked) {
        result = copy_masked(in, out, (size_t)st.st_size, masked, errbuf, errlen);
        if (close(out) != 0 && result == 0) {
            snprintf(errbuf, errlen, "%s", strerror(errno));
            result = -1;
        }
    } else {
        result = copy_plain(in, out);
        if (close(out) != 0)
            result = -1;
        if (result != 0)
            snprintf(errbuf, errlen, "%s", strerror(errno ? errno : EIO));
    }
    if (dirfd >= 0)
        close(dirfd);
    close(in);
    return result;
}

static bool has_dotdot(const char *p)
{
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return true;
        if (!e)
            break;
        s = e + 1;
    }
    return false;
}

int rt_tracedir_copy_sources(const char *dir, const char *workdir, const char *from_files,
                             const rt_str *paths, size_t n,
                             const rt_intern *masked, void (*warn_fn)(void *ctx, const char *msg),
                             void *warn_ctx, size_t *skipped, const rt_allocator *alloc,
                             rt_err *err)
{
    (void)alloc;
    *skipped = 0;
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return rt_err_set(err, io_code(errno), "cannot open %s: %s", dir, strerror(errno));
    int files_fd = open_subdir(dirfd, "files");
    close(dirfd);
    if (files_fd < 0)
        return rt_err_set(err, io_code(errno), "cannot create %s/files: %s", dir, strerror(errno));
    for (size_t i = 0; i < n; i++) {
        const char *p = paths[i].ptr;
        if (paths[i].len == 0 || strlen(p) != paths[i].len) {
            warn(warn_fn, warn_ctx, skipped, "source %s%s skipped: empty or holds a NUL byte", p, "");
            continue;
        }
        const char *rel = p;
        while (*rel == '/')
            rel++;
        if (!*rel || has_dotdot(rel) || rel[strlen(rel) - 1] == '/') {
            warn(warn_fn, warn_ctx, skipped, "source %s%s skipped: not a file path inside files/", p,
                 "");
            continue;
        }
        char src[PATH_MAX];
        int len = from_files    ? snprintf(src, sizeof src, "%s/%s", from_files, rel)
                  : p[0] == '/' ? snprintf(src, sizeof src, "%s", p)
                                : snprintf(src, sizeof src, "%s/%s", workdir, p);
        if (len < 0 || (size_t)len >= sizeof src) {
            warn(warn_fn, warn_ctx, skipped, "source %s%s skipped: path too long", p, "");
            continue;
        }
        char why[256];
        errno = 0;
        if (copy_one(files_fd, src, rel, masked, why, sizeof why) != 0)
            warn(warn_fn, warn_ctx, skipped, "source %s skipped: %s", p, why);
    }
    close(files_fd);
    return RT_OK;
}
