#include "common/arena.h"

struct rt_arena_chunk {
    rt_arena_chunk *next;
    size_t size; /* whole allocation, header included */
};

#define CHUNK_HEADER ((sizeof(rt_arena_chunk) + 7u) & ~(size_t)7u)

void rt_arena_init(rt_arena *a, const rt_allocator *alloc, size_t chunk_size)
{
    a->head = NULL;
    a->ptr = a->end = NULL;
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    a->total = 0;
    a->alloc = rt_alloc_or_default(alloc);
}

void rt_arena_free(rt_arena *a)
{
    rt_arena_chunk *c = a->head;
    while (c) {
        rt_arena_chunk *next = c->next;
        rt_free(a->alloc, c, c->size);
        c = next;
    }
    a->head = NULL;
    a->ptr = a->end = NULL;
    a->total = 0;
}

void *rt_arena_alloc_slow(rt_arena *a, size_t n)
{
    size_t size = a->chunk_size;
    if (n > size - CHUNK_HEADER) {
        if (n > SIZE_MAX - CHUNK_HEADER)
            return NULL;
        size = n + CHUNK_HEADER;
    }
    rt_arena_chunk *c = rt_malloc(a->alloc, size);
    if (!c)
        return NULL;
    c->next = a->head;
    c->size = size;
    a->head = c;
    a->total += size;
    /* Grow chunks geometrically up to 4 MiB to keep the chunk count low. */
    if (a->chunk_size < 4u * 1024 * 1024)
        a->chunk_size *= 2;
    a->ptr = (unsigned char *)c + CHUNK_HEADER + n;
    a->end = (unsigned char *)c + size;
    return (unsigned char *)c + CHUNK_HEADER;
}

void rt_arena_rollback(rt_arena *a, rt_arena_mark m)
{
    while (a->head && a->head != m.head) {
        rt_arena_chunk *c = a->head;
        a->head = c->next;
        a->total -= c->size;
        rt_free(a->alloc, c, c->size);
    }
    if (a->head) {
        a->ptr = m.ptr;
        a->end = (unsigned char *)a->head + a->head->size;
    } else {
        a->ptr = a->end = NULL;
    }
}

void rt_arena_reset(rt_arena *a)
{
    if (!a->head)
        return;
    rt_arena_chunk *keep = a->head;
    rt_arena_chunk *c = keep->next;
    while (c) {
        rt_arena_chunk *next = c->next;
        a->total -= c->size;
        rt_free(a->alloc, c, c->size);
        c = next;
    }
    keep->next = NULL;
    a->ptr = (unsigned char *)keep + CHUNK_HEADER;
    a->end = (unsigned char *)keep + keep->size;
}
