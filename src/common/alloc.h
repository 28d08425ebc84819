/* The allocator hook: every allocation of a handle goes through its rt_allocator. */
#ifndef RT_COMMON_ALLOC_H
#define RT_COMMON_ALLOC_H

#include "runtime_tracing.h"

/* The malloc-backed allocator used when a handle is given none. */
extern const rt_allocator rt_default_allocator;

static inline const rt_allocator *rt_alloc_or_default(const rt_allocator *a)
{
    return a ? a : &rt_default_allocator;
}
static inline void *rt_malloc(const rt_allocator *a, size_t n)
{
    return a->alloc(a->ctx, n ? n : 1);
}
static inline void *rt_realloc(const rt_allocator *a, void *p, size_t old_n, size_t n)
{
    return a->realloc(a->ctx, p, old_n, n ? n : 1);
}
static inline void rt_free(const rt_allocator *a, void *p, size_t n)
{
    if (p)
        a->free(a->ctx, p, n);
}
/* Returns a NUL-terminated copy of s[0..len), or NULL. */
char *rt_strndup(const rt_allocator *a, const char *s, size_t len);

#endif
