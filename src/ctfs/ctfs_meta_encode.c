#include "ctfs/ctfs_meta.h"

#include "ctfs/ctfs_layout.h"

static int put_var(rt_buf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (unsigned char)(v & 0x7F);
        v >>= 7;
        if (v)
            tmp[n] |= 0x80;
        n++;
    } while (v);
    return rt_buf_append(b, tmp, n);
}

static int put_str(rt_buf *b, rt_str s)
{
    int rc = put_var(b, s.len);
    return rc ? rc : rt_buf_append(b, s.ptr, s.len);
}

int ctfs_meta_encode(rt_buf *b, const ctfs_meta *m)
{
    unsigned char head[8];
    memcpy(head, CTMD_MAGIC, 4);
    head[4] = CTMD_VERSION;
    head[5] = 0;
    head[6] = (unsigned char)m->flags;
    head[7] = (unsigned char)(m->flags >> 8);
    int rc = rt_buf_append(b, head, sizeof head);
    if (!rc)
        rc = put_str(b, m->recording_id);
    if (!rc)
        rc = put_str(b, m->program);
    if (!rc)
        rc = put_var(b, m->nargs);
    for (size_t i = 0; !rc && i < m->nargs; i++)
        rc = put_str(b, m->args[i]);
    if (!rc)
        rc = put_str(b, m->workdir);
    if (!rc)
        rc = put_str(b, m->recorder_id);
    if (!rc)
        rc = put_var(b, m->npaths);
    for (size_t i = 0; !rc && i < m->npaths; i++)
        rc = put_str(b, m->paths[i]);
    return rc;
}
