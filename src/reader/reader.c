/* rt_reader: detects the format from the content and hands out events one
 * at a time. It never includes a writer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capnp/v0_journal.h"
#include "common/decoder.h"
#include "model/model.h"

struct rt_reader {
    const rt_allocator *alloc;
    rt_allocator alloc_copy;
    rt_err err;
    rt_source src;
    char *name;
    int fd;
    rt_decoder *dec;
    rt_format format;
    bool detected;
    unsigned char peek[RT_BINARY_HEADER_LEN];
    size_t peek_len;
    bool follow;
    int final_status; /* sticky end or error once reached */
    bool done;
    uint64_t index;
    rt_arena arena;
    rt_event event;
    unsigned spelling;      /* rt_spelling bits of the last event */
    unsigned spelling_seen; /* ... of every event so far */
    /* A killed v0 recording read from its journal: the head, the spools. */
    rt_v0_journal journal;
    int spool_fds[2];
    char warning[RT_ERRMSG_MAX]; /* rt_reader_warning ("" when none) */
};

void rt_reader_options_init(rt_reader_options *opts)
{
    if (opts)
        memset(opts, 0, sizeof *opts);
}

static int reader_new(rt_reader **out, const rt_reader_options *opts, const char *name, int fd)
{
    const rt_allocator *a = rt_alloc_or_default(opts ? opts->allocator : NULL);
    rt_reader *r = rt_malloc(a, sizeof *r);
    if (!r)
        return RT_ENOMEM;
    memset(r, 0, sizeof *r);
    r->alloc_copy = *a;
    r->alloc = &r->alloc_copy;
    r->fd = fd;
    r->spool_fds[0] = r->spool_fds[1] = -1;
    r->follow = opts && opts->follow;
    r->format = RT_FORMAT_JSON;
    rt_err_clear(&r->err);
    rt_arena_init(&r->arena, r->alloc, 16 * 1024);
    r->name = rt_strndup(r->alloc, name, strlen(name));
    if (!r->name) {
        rt_free(r->alloc, r, sizeof *r);
        return RT_ENOMEM;
    }
    *out = r;
    return RT_OK;
}

/* Looks at the first bytes and creates the decoder. RT_READ_PENDING when
 * follow mode has too few bytes to tell yet. */
static int detect(rt_reader *r)
{
    unsigned char *p = r->peek;
    size_t want = 1;
    while (r->peek_len < want) {
        long n = rt_source_read(&r->src, p + r->peek_len, want - r->peek_len, &r->err);
        if (n < 0)
            return (int)n;
        if (n == 0)
            break;
        r->peek_len += (size_t)n;
        if (p[0] == 0xC0)
            want = RT_BINARY_HEADER_LEN;
    }
    if (r->peek_len < want) {
        if (r->follow)
            return RT_READ_PENDING;
        if (r->peek_len == 0)
            return rt_err_set(&r->err, RT_ETRUNCATED, "%s: empty file, not a trace", r->name);
        if (memcmp(p, RT_BINARY_MAGIC, r->peek_len < 5 ? r->peek_len : 5) == 0)
            return rt_err_set(&r->err, RT_ETRUNCATED, "%s: truncated binary header (%zu bytes)",
                              r->name, r->peek_len);
        return rt_err_set(&r->err, RT_EFORMAT, "%s: not a trace", r->name);
    }
    rt_decoder_env env = {&r->src, &r->err, r->alloc, &r->arena, &r->index};
    int rc;
    if (p[0] == 0xC0 && memcmp(p, RT_BINARY_MAGIC, RT_BINARY_MAGIC_LEN) == 0 && p[5] >= 2 &&
        p[5] <= 4) {
        /* trace.ct: the CTFS container shares trace.bin's magic; its version
         * byte is 2-4 (bytes 6-7 are free), its block size is checked next. */
        r->format = RT_FORMAT_CT;
        rc = rt_ct_decoder_new(&env, &r->dec);
    } else if (p[0] == 0xC0) {
        if (memcmp(p, RT_BINARY_MAGIC, RT_BINARY_MAGIC_LEN) != 0 || p[6] != 0 || p[7] != 0)
            return rt_err_set(&r->err, RT_EFORMAT, "%s: bad binary header", r->name);
        if (p[5] == RT_BINARY_VERSION_V0)
            r->format = RT_FORMAT_V0;
        else if (p[5] == RT_BINARY_VERSION_V1)
            r->format = RT_FORMAT_V1;
        else
            return rt_err_set(&r->err, RT_EFORMAT, "%s: unknown binary trace version %u", r->name,
                              p[5]);
        /* The decoder starts right after the header. */
        rc = r->format == RT_FORMAT_V0 ? rt_v0_decoder_new(&env, &r->dec)
                                       : rt_v1_decoder_new(&env, &r->dec);
    } else {
        /* JSON: hand the peeked byte out again. */
        memcpy(r->src.prefix, p, r->peek_len);
        r->src.prefix_len = r->peek_len;
        r->src.prefix_pos = 0;
        r->src.offset -= r->peek_len;
        r->format = RT_FORMAT_JSON;
        rc = rt_json_decoder_new(&env, &r->dec);
    }
    if (rc)
        return rc;
    r->detected = true;
    return RT_OK;
}

static void report_open_error(const rt_reader_options *opts, int rc, const char *msg)
{
    if (opts && opts->errbuf && opts->errbuf_len)
        snprintf(opts->errbuf, opts->errbuf_len, "%s", msg && *msg ? msg : rt_strerror(rc));
}

static int finish_open(rt_reader *r, rt_reader **out, const rt_reader_options *opts)
{
    int rc = detect(r);
    if (rc < 0 || (rc == RT_READ_PENDING && !r->follow)) {
        report_open_error(opts, rc, r->err.msg);
        *out = NULL;
        rt_reader_free(r);
        return rc;
    }
    *out = r;
    return RT_OK;
}

/* A streaming v0 recording that did not finish leaves its file empty (and
 * the file may have been removed since) with the journal and spools of its
 * last flush beside it (capnp/v0_journal.h): the reader reads the message
 * those make, with a warning. RT_ENOENT when there is no journal. */
static int open_killed_v0(rt_reader **out, const char *path, const rt_reader_options *opts)
{
    rt_reader *r;
    int rc = reader_new(&r, opts, path, -1);
    if (rc)
        return rc;
    if ((rc = rt_v0_journal_read(path, &r->journal, r->alloc))) {
        if (rc != RT_ENOENT)
            report_open_error(opts, rc, rc == RT_ENOMEM ? "out of memory"
                                        : "a v0 recording that did not finish, with a journal "
                                          "beside it that cannot be read");
        rt_reader_free(r);
        return rc;
    }
    static const char *const suffixes[2] = {RT_V0_EVENTS_SUFFIX, RT_V0_CONTENT_SUFFIX};
    uint64_t lens[2] = {r->journal.n0, r->journal.n1};
    rt_source_init_memory(&r->src, r->journal.head, r->journal.head_len);
    r->src.name = r->name;
    for (int i = 0; i < 2; i++) {
        char name[4096];
        if (!rt_v0_side_name(name, sizeof name, path, suffixes[i]) ||
            (r->spool_fds[i] = open(name, O_RDONLY | O_CLOEXEC)) < 0) {
            rc = rt_err_set(&r->err, RT_EFORMAT, "%s: a v0 recording that did not finish, but "
                            "its spool %s cannot be read", path, name);
            report_open_error(opts, rc, r->err.msg);
            rt_reader_free(r);
            return rc;
        }
        rt_source_add_part(&r->src, r->spool_fds[i], lens[i]);
    }
    snprintf(r->warning, sizeof r->warning,
             "%s: a v0 recording that did not finish (killed?): read from the journal and "
             "spools beside it, %llu events up to its last flush; `runtime-tracing repair %s` "
             "completes the file",
             path, (unsigned long long)r->journal.events, path);
    return finish_open(r, out, opts);
}

/* An empty file beside the spools of a v0 recording that never flushed. */
static bool unflushed_v0(const char *path)
{
    char name[4096];
    return rt_v0_side_name(name, sizeof name, path, RT_V0_EVENTS_SUFFIX) &&
           access(name, F_OK) == 0;
}

int rt_reader_open(rt_reader **out, const char *path, const rt_reader_options *opts)
{
    if (!out || !path)
        return RT_EINVAL;
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if ((fd < 0 && errno == ENOENT) || (fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0 &&
                                        S_ISREG(st.st_mode) && !(opts && opts->follow))) {
        int rc = open_killed_v0(out, path, opts);
        if (rc != RT_ENOENT) {
            if (fd >= 0)
                close(fd);
            return rc;
        }
        if (fd >= 0 && unflushed_v0(path)) {
            close(fd);
            char msg[RT_ERRMSG_MAX];
            snprintf(msg, sizeof msg, "%s: empty file: a v0 recording killed before its first "
                     "flush (its spools are beside it, but no journal: nothing to recover)",
                     path);
            report_open_error(opts, RT_ETRUNCATED, msg);
            return RT_ETRUNCATED;
        }
        errno = ENOENT;
    }
    if (fd < 0) {
        int rc = errno == ENOENT ? RT_ENOENT : RT_EIO;
        char msg[RT_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "%s: %s", path, strerror(errno));
        report_open_error(opts, rc, msg);
        return rc;
    }
    rt_reader *r;
    int rc = reader_new(&r, opts, path, fd);
    if (rc) {
        close(fd);
        report_open_error(opts, rc, "out of memory");
        return rc;
    }
    rt_source_init_fd(&r->src, fd, r->name, r->follow);
    return finish_open(r, out, opts);
}

int rt_reader_open_memory(rt_reader **out, const void *data, size_t len,
                          const rt_reader_options *opts)
{
    if (!out || (!data && len))
        return RT_EINVAL;
    *out = NULL;
    rt_reader *r;
    int rc = reader_new(&r, opts, "<memory>", -1);
    if (rc)
        return rc;
    r->follow = false;
    rt_source_init_memory(&r->src, data, len);
    return finish_open(r, out, opts);
}

int rt_reader_next(rt_reader *r, const rt_event **event)
{
    if (!r || !event)
        return RT_EINVAL;
    *event = NULL;
    if (r->done)
        return r->final_status;
    if (!r->detected) {
        int rc = detect(r);
        if (rc) {
            if (rc < 0) {
                r->done = true;
                r->final_status = rc;
            }
            return rc;
        }
    }
    rt_arena_reset(&r->arena);
    int rc = r->dec->ops->next(r->dec, &r->event);
    if (rc == RT_READ_EVENT) {
        r->index++;
        r->spelling = r->dec->spelling;
        if (r->event.kind == RT_EVENT_ASSIGNMENT && r->event.u.assignment.from.kind > RT_RVALUE_COMPOUND)
            r->spelling |= RT_SPELLING_NEW_RVALUE;
        r->spelling_seen |= r->spelling;
        *event = &r->event;
        return rc;
    }
    if (rc != RT_READ_PENDING) {
        r->done = true;
        r->final_status = rc;
    }
    return rc;
}

rt_format rt_reader_format(const rt_reader *r)
{
    return r ? r->format : RT_FORMAT_JSON;
}

/* A trace.ct holds the 0.19 dialect whatever its events hold. */
static bool spelled_0_19(const rt_reader *r)
{
    return r->format == RT_FORMAT_CT || (r->spelling_seen & RT_SPELLING_0_19);
}

rt_dialect rt_reader_dialect(const rt_reader *r)
{
    return r && spelled_0_19(r) ? RT_DIALECT_0_19 : RT_DIALECT_0_14;
}

unsigned rt_reader_event_spelling(const rt_reader *r)
{
    return r && r->index ? r->spelling : 0;
}

unsigned rt_reader_spelling_seen(const rt_reader *r)
{
    return r ? r->spelling_seen : 0;
}

bool rt_reader_dialect_decided(const rt_reader *r)
{
    return r && (spelled_0_19(r) || (r->spelling_seen & RT_SPELLING_FLOAT_NUMBER));
}

uint64_t rt_reader_event_index(const rt_reader *r)
{
    return r ? r->index : 0;
}

uint64_t rt_reader_bytes_consumed(const rt_reader *r)
{
    return r ? r->src.offset : 0;
}

uint64_t rt_reader_event_size(const rt_reader *r)
{
    return r && r->dec && r->index ? r->dec->event_size : 0;
}

const char *rt_reader_warning(const rt_reader *r)
{
    return r && r->warning[0] ? r->warning : NULL;
}

const char *rt_reader_errmsg(const rt_reader *r)
{
    return r ? r->err.msg : "NULL reader";
}

void rt_reader_free(rt_reader *r)
{
    if (!r)
        return;
    if (r->dec)
        r->dec->ops->destroy(r->dec);
    if (r->fd >= 0)
        close(r->fd);
    for (int i = 0; i < 2; i++)
        if (r->spool_fds[i] >= 0)
            close(r->spool_fds[i]);
    rt_v0_journal_free(&r->journal, r->alloc);
    rt_arena_free(&r->arena);
    rt_free(r->alloc, r->name, strlen(r->name) + 1);
    rt_allocator a = r->alloc_copy;
    rt_free(&a, r, sizeof *r);
}

/* ---- all events in memory ---------------------------------------------- */

struct rt_event_list {
    rt_allocator alloc_copy;
    rt_event *events;
    size_t len, cap;
    rt_arena arena;
};

/* rc, with msg in the caller's errbuf when given. */
static int list_fail(char *errbuf, size_t errbuf_len, int rc, const char *msg)
{
    if (errbuf && errbuf_len)
        snprintf(errbuf, errbuf_len, "%s", msg);
    return rc;
}

int rt_event_list_load(rt_event_list **out, const char *path, const rt_reader_options *opts,
                       char *errbuf, size_t errbuf_len)
{
    if (!out || !path)
        return list_fail(errbuf, errbuf_len, RT_EINVAL, "rt_event_list_load: NULL argument");
    *out = NULL;
    /* The open's own message, for errbuf as well as opts->errbuf. */
    char why[RT_ERRMSG_MAX] = "";
    rt_reader_options ro;
    if (opts)
        ro = *opts;
    else
        rt_reader_options_init(&ro);
    ro.errbuf = why;
    ro.errbuf_len = sizeof why;
    rt_reader *r;
    int rc = rt_reader_open(&r, path, &ro);
    if (rc) {
        if (opts && opts->errbuf && opts->errbuf_len)
            snprintf(opts->errbuf, opts->errbuf_len, "%s", why);
        return list_fail(errbuf, errbuf_len, rc, why[0] ? why : rt_strerror(rc));
    }
    const rt_allocator *a = r->alloc;
    rt_event_list *l = rt_malloc(a, sizeof *l);
    if (!l) {
        rt_reader_free(r);
        return list_fail(errbuf, errbuf_len, RT_ENOMEM, "out of memory (event list)");
    }
    memset(l, 0, sizeof *l);
    l->alloc_copy = *a;
    rt_arena_init(&l->arena, &l->alloc_copy, 64 * 1024);
    const rt_event *e;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
        if (l->len == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 256;
            rt_event *ev = rt_realloc(&l->alloc_copy, l->events, l->cap * sizeof *ev, cap * sizeof *ev);
            if (!ev) {
                rc = RT_ENOMEM;
                break;
            }
            l->events = ev;
            l->cap = cap;
        }
        if (rt_event_copy(&l->arena, e, &l->events[l->len])) {
            rc = RT_ENOMEM;
            break;
        }
        l->len++;
    }
    if (rc == RT_READ_PENDING)
        rc = RT_OK;
    if (rc != RT_READ_END && rc != RT_OK) {
        const char *msg = rt_reader_errmsg(r);
        list_fail(errbuf, errbuf_len, rc, msg[0] ? msg : "out of memory (event list)");
        rt_reader_free(r);
        rt_event_list_free(l);
        return rc;
    }
    rt_reader_free(r);
    *out = l;
    return RT_OK;
}

size_t rt_event_list_len(const rt_event_list *l)
{
    return l ? l->len : 0;
}

const rt_event *rt_event_list_at(const rt_event_list *l, size_t i)
{
    return l && i < l->len ? &l->events[i] : NULL;
}

void rt_event_list_free(rt_event_list *l)
{
    if (!l)
        return;
    rt_allocator a = l->alloc_copy;
    rt_arena_free(&l->arena);
    rt_free(&a, l->events, l->cap * sizeof *l->events);
    rt_free(&a, l, sizeof *l);
}
