/* A bump allocator in chunks: many small blocks, freed all at once. Blocks
 * never move, so pointers into the arena stay valid until it is freed. */
#ifndef RT_COMMON_ARENA_H
#define RT_COMMON_ARENA_H

#include <stdint.h>

#include "common/alloc.h"

typedef struct rt_arena_chunk rt_arena_chunk;

typedef struct rt_arena {
    rt_arena_chunk *head;
    unsigned char *ptr; /* next free byte in head */
    unsigned char *end;
    size_t chunk_size;
    size_t total; /* bytes of chunks held */
    const rt_allocator *alloc;
} rt_arena;

void rt_arena_init(rt_arena *a, const rt_allocator *alloc, size_t chunk_size);
void rt_arena_free(rt_arena *a);
void *rt_arena_alloc_slow(rt_arena *a, size_t n);

/* Returns n bytes aligned to 8, or NULL when out of memory. */
static inline void *rt_arena_alloc(rt_arena *a, size_t n)
{
    n = (n + 7u) & ~(size_t)7u;
    if ((size_t)(a->end - a->ptr) >= n && a->ptr) {
        void *p = a->ptr;
        a->ptr += n;
        return p;
    }
    return rt_arena_alloc_slow(a, n);
}

/* A position to roll back to when a multi-part copy fails half way. */
typedef struct rt_arena_mark {
    rt_arena_chunk *head;
    unsigned char *ptr;
} rt_arena_mark;

static inline rt_arena_mark rt_arena_get_mark(const rt_arena *a)
{
    rt_arena_mark m = {a->head, a->ptr};
    return m;
}
/* Frees everything allocated after m. */
void rt_arena_rollback(rt_arena *a, rt_arena_mark m);
/* Frees every block but keeps the newest chunk for reuse (readers reset
 * their arena before each event). */
void rt_arena_reset(rt_arena *a);

#endif
