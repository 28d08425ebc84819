/* Paths compare by components, as Rust's Path does: repeated and trailing
 * separators and interior "." segments do not count. */
#include "tracer/tracer_internal.h"

int rt_path_normalize(const char *path, size_t len, rt_buf *out)
{
    out->len = 0;
    if (rt_buf_reserve(out, len + 1))
        return RT_ENOMEM;
    char *o = (char *)out->data;
    size_t n = 0, i = 0;
    bool absolute = len > 0 && path[0] == '/';
    if (absolute)
        o[n++] = '/';
    bool first = true;
    while (i < len) {
        while (i < len && path[i] == '/')
            i++;
        size_t start = i;
        while (i < len && path[i] != '/')
            i++;
        size_t seg = i - start;
        if (seg == 0)
            break;
        /* "." only counts at the very beginning of a relative path. */
        if (seg == 1 && path[start] == '.' && !(first && !absolute)) {
            first = false;
            continue;
        }
        if (n > 0 && o[n - 1] != '/')
            o[n++] = '/';
        memcpy(o + n, path + start, seg);
        n += seg;
        first = false;
    }
    out->len = n;
    return RT_OK;
}
