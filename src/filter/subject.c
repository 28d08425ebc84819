/* The subjects of file: and pkg: selectors derived from a source path
 * (TRACE-FILTER.md section 2): relative to the workdir when below it. */
#include <string.h>

#include "filter/filter.h"

/* The segments of a path, "" and "." dropped. */
typedef struct segs {
    const char *p;
    size_t i;
} segs;

static bool next_seg(segs *s, const char **seg, size_t *len)
{
    for (;;) {
        while (s->p[s->i] == '/')
            s->i++;
        if (!s->p[s->i])
            return false;
        size_t start = s->i;
        while (s->p[s->i] && s->p[s->i] != '/')
            s->i++;
        *seg = s->p + start;
        *len = s->i - start;
        if (!(*len == 1 && **seg == '.'))
            return true;
    }
}

/* Where the subject's segments start in path: after workdir's when path is
 * strictly below it. *absolute: whether the subject keeps a leading '/'. */
static segs relative_start(const char *path, const char *workdir, bool *absolute)
{
    segs p = {path, 0};
    *absolute = path[0] == '/';
    if (!workdir || !workdir[0] || (workdir[0] == '/') != (path[0] == '/'))
        return p;
    segs w = {workdir, 0};
    segs q = p;
    const char *ws, *ps;
    size_t wl, pl;
    while (next_seg(&w, &ws, &wl)) {
        if (!next_seg(&q, &ps, &pl) || pl != wl || memcmp(ps, ws, wl) != 0)
            return p;
    }
    segs rest = q;
    if (!next_seg(&rest, &ps, &pl)) /* the workdir itself */
        return p;
    *absolute = false;
    return q;
}

/* Writes the segments from s joined by sep (without the last segment's
 * extension when drop_ext), after a leading '/' when absolute. */
static size_t emit(segs s, bool absolute, char sep, bool drop_ext, char *buf, size_t len)
{
    size_t n = 0;
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (n + 1 < len)                                                                           \
            buf[n] = (c);                                                                          \
        n++;                                                                                       \
    } while (0)
    if (absolute)
        PUT('/');
    const char *seg;
    size_t sl;
    bool first = true;
    while (next_seg(&s, &seg, &sl)) {
        size_t keep = sl;
        if (drop_ext) {
            segs peek = s;
            const char *x;
            size_t xl;
            if (!next_seg(&peek, &x, &xl)) { /* the last segment */
                const char *dot = NULL;
                for (size_t k = 1; k < sl; k++)
                    if (seg[k] == '.')
                        dot = seg + k;
                if (dot)
                    keep = (size_t)(dot - seg);
            }
        }
        if (!first)
            PUT(sep);
        for (size_t k = 0; k < keep; k++)
            PUT(seg[k]);
        first = false;
    }
#undef PUT
    if (len)
        buf[n < len ? n : len - 1] = '\0';
    return n;
}

size_t rt_filter_file_subject(const char *path, const char *workdir, char *buf, size_t len)
{
    bool absolute;
    segs s = relative_start(path ? path : "", workdir, &absolute);
    return emit(s, absolute, '/', false, buf, len);
}

size_t rt_filter_module_from_path(const char *path, const char *workdir, char *buf, size_t len)
{
    bool absolute;
    segs s = relative_start(path ? path : "", workdir, &absolute);
    return emit(s, false, '.', true, buf, len);
}
