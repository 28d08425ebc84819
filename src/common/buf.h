/* A growable byte buffer. */
#ifndef RT_COMMON_BUF_H
#define RT_COMMON_BUF_H

#include <string.h>

#include "common/alloc.h"

typedef struct rt_buf {
    unsigned char *data;
    size_t len;
    size_t cap;
    const rt_allocator *alloc;
} rt_buf;

void rt_buf_init(rt_buf *b, const rt_allocator *alloc);
void rt_buf_free(rt_buf *b);
/* Makes room for n more bytes; RT_ENOMEM leaves b unchanged. */
int rt_buf_grow(rt_buf *b, size_t n);
static inline int rt_buf_reserve(rt_buf *b, size_t n)
{
    return (b->cap - b->len >= n) ? RT_OK : rt_buf_grow(b, n);
}
static inline int rt_buf_append(rt_buf *b, const void *p, size_t n)
{
    int rc = rt_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return RT_OK;
}
static inline int rt_buf_putc(rt_buf *b, unsigned char c)
{
    int rc = rt_buf_reserve(b, 1);
    if (rc)
        return rc;
    b->data[b->len++] = c;
    return RT_OK;
}

#endif
