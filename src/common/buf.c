#include "common/buf.h"

#include <stdint.h>

void rt_buf_init(rt_buf *b, const rt_allocator *alloc)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->alloc = rt_alloc_or_default(alloc);
}

void rt_buf_free(rt_buf *b)
{
    rt_free(b->alloc, b->data, b->cap);
    b->data = NULL;
    b->len = b->cap = 0;
}

int rt_buf_grow(rt_buf *b, size_t n)
{
    if (n > SIZE_MAX / 2 - b->len)
        return RT_ENOMEM;
    size_t need = b->len + n;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    unsigned char *p = rt_realloc(b->alloc, b->data, b->cap, cap);
    if (!p)
        return RT_ENOMEM;
    b->data = p;
    b->cap = cap;
    return RT_OK;
}
