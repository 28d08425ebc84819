#include "zstd/zstd_mem.h"

#include <string.h>

/* libzstd frees without a size, and rt_allocator wants it: keep the size in
 * a 16-byte header (16 keeps malloc's alignment). */
#define HDR 16

static void *zmem_alloc(void *opaque, size_t size)
{
    const rt_allocator *a = opaque;
    if (size > SIZE_MAX - HDR)
        return NULL;
    unsigned char *p = rt_malloc(a, size + HDR);
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof size);
    return p + HDR;
}

static void zmem_free(void *opaque, void *addr)
{
    const rt_allocator *a = opaque;
    if (!addr)
        return;
    unsigned char *p = (unsigned char *)addr - HDR;
    size_t size;
    memcpy(&size, p, sizeof size);
    rt_free(a, p, size + HDR);
}

ZSTD_customMem rt_zstd_mem(const rt_allocator *a)
{
    ZSTD_customMem m = {zmem_alloc, zmem_free, (void *)a};
    return m;
}
