#include "common/alloc.h"

#include <stdlib.h>
#include <string.h>

static void *default_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return malloc(n);
}
static void *default_realloc(void *ctx, void *p, size_t old_n, size_t n)
{
    (void)ctx;
    (void)old_n;
    return realloc(p, n);
}
static void default_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    (void)n;
    free(p);
}

const rt_allocator rt_default_allocator = {default_alloc, default_realloc, default_free, NULL};

char *rt_strndup(const rt_allocator *a, const char *s, size_t len)
{
    char *p = rt_malloc(a, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
