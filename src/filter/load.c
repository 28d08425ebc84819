/* rt_filter_load: specs split at "::", built-in names and files read, then
 * each source added to the chain in order (schema.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filter/filter_internal.h"
#include "filter/toml.h"

static void copy_error(const rt_filter_options *opts, const rt_err *err)
{
    if (opts && opts->errbuf && opts->errbuf_len) {
        size_t n = strlen(err->msg);
        if (n >= opts->errbuf_len)
            n = opts->errbuf_len - 1;
        memcpy(opts->errbuf, err->msg, n);
        opts->errbuf[n] = '\0';
    }
}

static int filter_new(rt_filter **out, const rt_allocator *alloc, rt_err *err)
{
    alloc = rt_alloc_or_default(alloc);
    rt_filter *f = rt_malloc(alloc, sizeof *f);
    if (!f)
        return rt_err_set(err, RT_ENOMEM, "out of memory");
    memset(f, 0, sizeof *f);
    f->alloc = *alloc;
    rt_arena_init(&f->arena, &f->alloc, 4096);
    f->default_exec = RT_FILTER_TRACE;
    f->default_value_action = RT_FILTER_ALLOW;
    f->regex = rt_regex_context(&f->alloc);
    if (!f->regex) {
        rt_free(alloc, f, sizeof *f);
        return rt_err_set(err, RT_ENOMEM, "out of memory");
    }
    *out = f;
    return RT_OK;
}

void rt_filter_free(rt_filter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nrules; i++) {
        rt_frule *r = &f->rules[i].c;
        rt_selector_release(&r->sel);
        for (size_t k = 0; k < r->npatterns; k++)
            rt_selector_release(&r->patterns[k].sel);
    }
    rt_free(&f->alloc, f->rules, f->rules_cap * sizeof *f->rules);
    rt_free(&f->alloc, f->files, f->files_cap * sizeof *f->files);
    rt_arena_free(&f->arena);
    pcre2_general_context_free(f->regex);
    rt_allocator a = f->alloc;
    rt_free(&a, f, sizeof *f);
}

static int add_sources(const rt_filter_source *src, size_t n, const rt_filter_options *opts,
                       rt_filter **out, rt_err *err)
{
    rt_filter *f;
    int rc = filter_new(&f, opts ? opts->allocator : NULL, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && !rc; i++)
        rc = rt_filter_add_source(f, &src[i], err);
    if (rc) {
        rt_filter_free(f);
        return rc;
    }
    *out = f;
    return RT_OK;
}

int rt_filter_load_sources(rt_filter **out, const rt_filter_source *sources, size_t n,
                           const rt_filter_options *opts)
{
    rt_err err;
    rt_err_clear(&err);
    if (out)
        *out = NULL;
    int rc;
    if (!out || (!sources && n))
        rc = rt_err_set(&err, RT_EINVAL, "rt_filter_load_sources: NULL argument");
    else if (n == 0)
        rc = rt_err_set(&err, RT_EINVAL, "no trace filter given");
    else
        rc = add_sources(sources, n, opts, out, &err);
    if (rc)
        copy_error(opts, &err);
    return rc;
}

/* Reads a whole file (at most RT_TOML_MAX_SIZE bytes) into a block of a:
 * *data (cap bytes, to free) holds the *len bytes read. */
static int read_file(const rt_allocator *a, const char *path, char **data, size_t *cap_out,
                     size_t *len, rt_err *err)
{
    *data = NULL;
    *cap_out = *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rt_err_set(err, errno == ENOENT ? RT_ENOENT : RT_EIO,
                          "%s: cannot open trace filter: %s", path, strerror(errno));
    /* a pipe (a shell's <(...)) is read too, up to the limit */
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        close(fd);
        return rt_err_set(err, RT_EIO, "%s: a directory, not a trace filter file", path);
    }
    if (!S_ISREG(st.st_mode))
        st.st_size = 0;
    if ((uint64_t)st.st_size > RT_TOML_MAX_SIZE) {
        close(fd);
        return rt_err_set(err, RT_ELIMIT,
                          "%s: %llu bytes, more than the %u a filter file may have", path,
                          (unsigned long long)st.st_size, (unsigned)RT_TOML_MAX_SIZE);
    }
    /* one byte more than the limit tells a file that grew too much */
    size_t cap = (size_t)st.st_size + 1;
    char *buf = rt_malloc(a, cap);
    if (!buf) {
        close(fd);
        return rt_err_set(err, RT_ENOMEM, "%s: out of memory", path);
    }
    size_t n = 0;
    for (;;) {
        if (n == cap) {
            if (cap > RT_TOML_MAX_SIZE)
                break;
            size_t ncap = cap * 2 > RT_TOML_MAX_SIZE + 1 ? RT_TOML_MAX_SIZE + 1 : cap * 2;
            char *nb = rt_realloc(a, buf, cap, ncap);
            if (!nb) {
                rt_free(a, buf, cap);
                close(fd);
                return rt_err_set(err, RT_ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            rt_free(a, buf, cap);
            close(fd);
            return rt_err_set(err, RT_EIO, "%s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > RT_TOML_MAX_SIZE) {
        rt_free(a, buf, cap);
        return rt_err_set(err, RT_ELIMIT, "%s: more than the %u bytes a filter file may have",
                          path, (unsigned)RT_TOML_MAX_SIZE);
    }
    *data = buf;
    *cap_out = cap;
    *len = n;
    return RT_OK;
}

/* One "::" part of a spec: its text, and the file read for it. */
typedef struct part {
    const char *ptr;
    size_t len;
    char *label; /* NUL-terminated copy */
    char *text;  /* a file's bytes (NULL for a built-in) */
    size_t cap;  /* text's block */
} part;

/* Counts the parts of the specs (parts NULL), or fills them. */
static int split_specs(const char *const *specs, size_t nspecs, part *parts, size_t *nparts,
                       rt_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < nspecs; i++) {
        if (!specs[i])
            return rt_err_set(err, RT_EINVAL, "rt_filter_load: spec %zu is NULL", i);
        const char *s = specs[i];
        for (;;) {
            const char *sep = strstr(s, "::");
            size_t len = sep ? (size_t)(sep - s) : strlen(s);
            if (len == 0)
                return rt_err_set(err, RT_EINVAL,
                                  "trace filter spec '%.200s' has an empty part", specs[i]);
            if (parts) {
                parts[n].ptr = s;
                parts[n].len = len;
            }
            n++;
            if (!sep)
                break;
            s = sep + 2;
        }
    }
    *nparts = n;
    return RT_OK;
}

static int load_parts(part *parts, size_t n, const rt_filter_options *opts, const rt_allocator *a,
                      rt_filter **out, rt_err *err)
{
    rt_filter_source *src = rt_malloc(a, n * sizeof *src);
    if (!src)
        return rt_err_set(err, RT_ENOMEM, "out of memory");
    int rc = RT_OK;
    for (size_t k = 0; k < n && !rc; k++) {
        part *pt = &parts[k];
        pt->label = rt_strndup(a, pt->ptr, pt->len);
        if (!pt->label) {
            rc = rt_err_set(err, RT_ENOMEM, "out of memory");
            break;
        }
        size_t len;
        const char *builtin = rt_filter_builtin_text(pt->label, &len);
        if (builtin) {
            src[k] = (rt_filter_source){pt->label, NULL, builtin, len};
            continue;
        }
        rc = read_file(a, pt->label, &pt->text, &pt->cap, &len, err);
        src[k] = (rt_filter_source){pt->label, pt->label, pt->text, len};
    }
    if (!rc)
        rc = add_sources(src, n, opts, out, err);
    rt_free(a, src, n * sizeof *src);
    return rc;
}

int rt_filter_load(rt_filter **out, const char *const *specs, size_t nspecs,
                   const rt_filter_options *opts)
{
    rt_err err;
    rt_err_clear(&err);
    if (out)
        *out = NULL;
    const rt_allocator *a = rt_alloc_or_default(opts ? opts->allocator : NULL);
    size_t n = 0;
    int rc;
    if (!out || (!specs && nspecs))
        rc = rt_err_set(&err, RT_EINVAL, "rt_filter_load: NULL argument");
    else if (nspecs == 0)
        rc = rt_err_set(&err, RT_EINVAL, "no trace filter given");
    else
        rc = split_specs(specs, nspecs, NULL, &n, &err);
    part *parts = NULL;
    if (!rc) {
        parts = rt_malloc(a, n * sizeof *parts);
        if (!parts) {
            rc = rt_err_set(&err, RT_ENOMEM, "out of memory");
        } else {
            memset(parts, 0, n * sizeof *parts);
            rc = split_specs(specs, nspecs, parts, &n, &err);
        }
    }
    if (!rc)
        rc = load_parts(parts, n, opts, a, out, &err);
    if (parts) {
        for (size_t k = 0; k < n; k++) {
            rt_free(a, parts[k].text, parts[k].cap);
            rt_free(a, parts[k].label, parts[k].label ? parts[k].len + 1 : 0);
        }
        rt_free(a, parts, n * sizeof *parts);
    }
    if (rc)
        copy_error(opts, &err);
    return rc;
}
