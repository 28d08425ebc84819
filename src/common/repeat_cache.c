#include "common/copy.h"
#include "common/repeat_cache.h"

#include <string.h>

void rt_repeat_init(rt_repeat_cache *c, const rt_allocator *alloc)
{
    c->slots = NULL;
    c->nslots = 0;
    c->alloc = alloc;
}

void rt_repeat_free(rt_repeat_cache *c)
{
    for (size_t i = 0; i < c->nslots; i++)
        rt_free(c->alloc, c->slots[i].bytes, c->slots[i].cap);
    rt_free(c->alloc, c->slots, c->nslots * sizeof *c->slots);
    c->slots = NULL;
    c->nslots = 0;
}

void rt_repeat_store(rt_repeat_cache *c, uint64_t variable_id, const void *bytes, size_t len)
{
    rt_repeat_slot *s = &c->slots[variable_id];
    s->valid = false;
    if (len > RT_REPEAT_MAX_BYTES)
        return;
    if (len > s->cap) {
        /* grows to the largest value seen: no allocation once it has */
        size_t cap = len < 64 ? 64 : len;
        unsigned char *b = rt_realloc(c->alloc, s->bytes, s->cap, cap);
        if (!b)
            return;
        s->bytes = b;
        s->cap = (uint32_t)cap;
    }
    rt_copy(s->bytes, bytes, len);
    s->len = (uint32_t)len;
    s->valid = true;
}

/* Slots up to variable_id, new ones not kept. */
static bool grow(rt_repeat_cache *c, uint64_t variable_id)
{
    size_t n = c->nslots ? c->nslots : 64;
    while (n <= variable_id)
        n *= 2;
    rt_repeat_slot *s = rt_realloc(c->alloc, c->slots, c->nslots * sizeof *s, n * sizeof *s);
    if (!s)
        return false;
    memset(s + c->nslots, 0, (n - c->nslots) * sizeof *s);
    c->slots = s;
    c->nslots = n;
    return true;
}

const rt_repeat_slot *rt_repeat_miss(rt_repeat_cache *c, uint64_t variable_id)
{
    if (variable_id >= RT_REPEAT_MAX_VARIABLES)
        return NULL;
    if (variable_id < c->nslots || grow(c, variable_id))
        c->slots[variable_id].kept = true;
    return NULL;
}

void rt_repeat_forget(rt_repeat_cache *c)
{
    for (size_t i = 0; i < c->nslots; i++)
        c->slots[i].valid = false;
}
