/* Reading the small JSON files of a trace directory: trace_metadata.json
 * and trace_paths.json. They are read whole (up to RT_SMALL_FILE_MAX) and
 * parsed with the same strict primitives as trace.json. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json/json_parse.h"
#include "reader/tracedir_read.h"

#define RT_SMALL_FILE_MAX (1024u * 1024u * 1024u)

static int set_errbuf(char *errbuf, size_t n, int rc, const char *msg)
{
    if (errbuf && n)
        snprintf(errbuf, n, "%s", msg);
    return rc;
}

/* Reads path whole into a heap block of *cap bytes (NUL-terminated). */
static int slurp(const char *path, const rt_allocator *a, char **data, size_t *len, size_t *cap_out,
                 rt_err *err)
{
    *data = NULL;
    *len = *cap_out = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rt_err_set(err, errno == ENOENT ? RT_ENOENT : RT_EIO, "%s: cannot open: %s", path,
                          strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return rt_err_set(err, RT_EIO, "%s: not a regular file", path);
    }
    size_t cap = (size_t)st.st_size + 1;
    char *buf = NULL;
    size_t got = 0;
    int rc = RT_OK;
    for (;;) {
        if (!buf || got + 1 == cap) { /* first block, or the file grew while being read */
            size_t ncap = buf ? cap * 2 : cap;
            if (ncap - 1 > RT_SMALL_FILE_MAX) {
                rc = rt_err_set(err, RT_ELIMIT, "%s: larger than %u bytes", path, RT_SMALL_FILE_MAX);
                break;
            }
            char *nb = rt_realloc(a, buf, buf ? cap : 0, ncap);
            if (!nb) {
                rc = rt_err_set(err, RT_ENOMEM, "%s: out of memory", path);
                break;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + got, cap - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = rt_err_set(err, RT_EIO, "%s: read failed: %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (rc || !buf) { /* !buf only with rc set; said for the analyzer */
        rt_free(a, buf, cap);
        return rc ? rc : RT_ENOMEM;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    *cap_out = cap;
    return RT_OK;
}

typedef struct small_doc {
    const rt_allocator *alloc; /* for the file's bytes and the results */
    char *data;
    size_t len, cap;
    rt_arena arena;
    rt_jstack stack;
    rt_jcur c;
    rt_err err;
} small_doc;

static int doc_open(small_doc *doc, const char *path, const rt_allocator *alloc)
{
    memset(doc, 0, sizeof *doc);
    doc->alloc = alloc;
    rt_err_clear(&doc->err);
    rt_arena_init(&doc->arena, alloc, 4096);
    rt_jstack_init(&doc->stack, alloc);
    int rc = slurp(path, alloc, &doc->data, &doc->len, &doc->cap, &doc->err);
    if (rc)
        return rc;
    rt_jcur *c = &doc->c;
    c->base = c->p = doc->data;
    c->end = doc->data + doc->len;
    c->base_offset = 0;
    c->arena = &doc->arena;
    c->stack = &doc->stack;
    c->err = &doc->err;
    c->name = path;
    c->end_is_eof = true;
    return RT_OK;
}

static void doc_close(small_doc *doc)
{
    rt_free(doc->alloc, doc->data, doc->cap);
    rt_arena_free(&doc->arena);
    rt_jstack_free(&doc->stack);
}

static int doc_end(small_doc *doc)
{
    rt_jskip_ws(&doc->c);
    if (doc->c.p != doc->c.end)
        return rt_jerr(&doc->c, RT_EFORMAT, doc->c.p, "unexpected data after the JSON value");
    return RT_OK;
}

/* A heap copy of a decoded string, which must not hold NUL. */
static int heap_str(rt_jcur *c, const rt_allocator *a, const char *at, rt_str s, char **out)
{
    if (memchr(s.ptr, '\0', s.len))
        return rt_jerr(c, RT_EFORMAT, at, "string holds a NUL character");
    char *d = rt_malloc(a, s.len + 1);
    if (!d)
        return rt_jerr(c, RT_ENOMEM, at, "out of memory");
    memcpy(d, s.ptr, s.len);
    d[s.len] = '\0';
    *out = d;
    return RT_OK;
}

static void free_str(const rt_allocator *a, char *s)
{
    if (s)
        rt_free(a, s, strlen(s) + 1);
}

static void free_strs(const rt_allocator *a, char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free_str(a, v[i]);
    if (v)
        rt_free(a, v, n * sizeof *v);
}

/* A JSON array of strings into a heap vector. */
static int read_str_array(rt_jcur *c, const rt_allocator *a, const char *what, char ***out,
                          size_t *n)
{
    *out = NULL;
    *n = 0;
    bool empty, done = false;
    int rc = rt_jarr_begin(c, what, &empty);
    size_t mark = c->stack->len;
    while (!rc && !empty && !done) {
        rt_jskip_ws(c);
        const char *at = c->p;
        rt_str s;
        char *copy = NULL;
        if ((rc = rt_jstr(c, &s)) || (rc = heap_str(c, a, at, s, &copy)))
            break;
        if ((rc = rt_jpush(c, &copy, sizeof copy))) {
            free_str(a, copy);
            break;
        }
        rc = rt_jarr_next(c, &done);
    }
    size_t count = (c->stack->len - mark) / sizeof(char *);
    char **v = NULL;
    if (!rc && count) {
        v = rt_malloc(a, count * sizeof *v);
        if (!v)
            rc = rt_jerr(c, RT_ENOMEM, c->p, "out of memory");
    }
    if (rc || (count && !v)) { /* !v only with rc set; said for the analyzer */
        rc = rc ? rc : RT_ENOMEM;
        for (size_t i = 0; i < count; i++) {
            char *item;
            memcpy(&item, c->stack->data + mark + i * sizeof item, sizeof item);
            free_str(a, item);
        }
        c->stack->len = mark;
        return rc;
    }
    if (count)
        memcpy(v, c->stack->data + mark, count * sizeof *v);
    c->stack->len = mark;
    *out = v;
    *n = count;
    return RT_OK;
}

void rt_metadata_clear_with(rt_metadata *m, const rt_allocator *alloc)
{
    if (!m)
        return;
    free_str(alloc, m->workdir);
    free_str(alloc, m->program);
    free_str(alloc, m->recording_id);
    free_strs(alloc, m->args, m->nargs);
    memset(m, 0, sizeof *m);
}

void rt_metadata_clear(rt_metadata *m)
{
    rt_metadata_clear_with(m, &rt_default_allocator);
}

int rt_metadata_read(const char *path, rt_metadata *out, char *errbuf, size_t errbuf_len)
{
    return rt_metadata_read_with(path, out, &rt_default_allocator, errbuf, errbuf_len);
}

int rt_metadata_read_with(const char *path, rt_metadata *out, const rt_allocator *alloc,
                          char *errbuf, size_t errbuf_len)
{
    if (!path || !out || !alloc)
        return set_errbuf(errbuf, errbuf_len, RT_EINVAL, "NULL argument");
    memset(out, 0, sizeof *out);
    small_doc doc;
    int rc = doc_open(&doc, path, alloc);
    rt_jcur *c = &doc.c;
    bool empty = true, done = false;
    bool have_args = false;
    const char *obj = NULL;
    if (!rc) {
        rt_jskip_ws(c);
        obj = c->p;
        rc = rt_jobj_begin(c, "an object", &empty);
    }
    while (!rc && !empty && !done) {
        rt_str key, s;
        rt_jskip_ws(c);
        const char *at = c->p;
        if ((rc = rt_jkey(c, &key)) || (rc = rt_jexpect(c, ':', "after a key")))
            break;
        rt_jskip_ws(c);
        const char *vat = c->p;
        char **dst = NULL;
        if (key.len == 7 && memcmp(key.ptr, "workdir", 7) == 0)
            dst = &out->workdir;
        else if (key.len == 12 && memcmp(key.ptr, "recording_id", 12) == 0)
            dst = &out->recording_id;
        else if (key.len == 7 && memcmp(key.ptr, "program", 7) == 0)
            dst = &out->program;
        if (dst) {
            if (*dst) {
                rc = rt_jerr(c, RT_EFORMAT, at, "duplicate field `%.*s`", (int)key.len, key.ptr);
                break;
            }
            if ((rc = rt_jstr(c, &s)) || (rc = heap_str(c, alloc, vat, s, dst)))
                break;
        } else if (key.len == 4 && memcmp(key.ptr, "args", 4) == 0) {
            if (have_args) {
                rc = rt_jerr(c, RT_EFORMAT, at, "duplicate field `args`");
                break;
            }
            if ((rc = read_str_array(c, alloc, "an array of strings", &out->args, &out->nargs)))
                break;
            have_args = true;
        } else if ((rc = rt_jskip(c, 64))) {
            break;
        }
        rc = rt_jobj_next(c, &done);
    }
    /* workdir may be absent, as the 0.19 type allows */
    if (!rc && (!out->program || !have_args))
        rc = rt_jerr(c, RT_EFORMAT, obj, "missing field `%s`", !out->program ? "program" : "args");
    if (!rc)
        rc = doc_end(&doc);
    if (rc) {
        set_errbuf(errbuf, errbuf_len, rc, doc.err.msg);
        rt_metadata_clear_with(out, alloc);
    }
    doc_close(&doc);
    return rc;
}

void rt_path_list_clear_with(rt_path_list *p, const rt_allocator *alloc)
{
    if (!p)
        return;
    free_strs(alloc, p->paths, p->len);
    memset(p, 0, sizeof *p);
}

void rt_path_list_clear(rt_path_list *p)
{
    rt_path_list_clear_with(p, &rt_default_allocator);
}

int rt_paths_read(const char *path, rt_path_list *out, char *errbuf, size_t errbuf_len)
{
    return rt_paths_read_with(path, out, &rt_default_allocator, errbuf, errbuf_len);
}

int rt_paths_read_with(const char *path, rt_path_list *out, const rt_allocator *alloc,
                       char *errbuf, size_t errbuf_len)
{
    if (!path || !out || !alloc)
        return set_errbuf(errbuf, errbuf_len, RT_EINVAL, "NULL argument");
    memset(out, 0, sizeof *out);
    small_doc doc;
    int rc = doc_open(&doc, path, alloc);
    if (!rc)
        rc = read_str_array(&doc.c, alloc, "an array of paths", &out->paths, &out->len);
    if (!rc)
        rc = doc_end(&doc);
    if (rc) {
        set_errbuf(errbuf, errbuf_len, rc, doc.err.msg);
        rt_path_list_clear_with(out, alloc);
    }
    doc_close(&doc);
    return rc;
}
