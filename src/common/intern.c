#include "common/intern.h"

void rt_intern_init(rt_intern *t, const rt_allocator *alloc)
{
    t->slots = NULL;
    t->mask = 0;
    t->count = 0;
    t->alloc = rt_alloc_or_default(alloc);
    rt_arena_init(&t->keys, t->alloc, 4096);
}

void rt_intern_free(rt_intern *t)
{
    if (t->slots)
        rt_free(t->alloc, t->slots, (t->mask + 1) * sizeof *t->slots);
    t->slots = NULL;
    t->mask = 0;
    t->count = 0;
    rt_arena_free(&t->keys);
}

static int grow(rt_intern *t)
{
    size_t cap = t->slots ? (t->mask + 1) * 2 : 64;
    rt_intern_slot *slots = rt_malloc(t->alloc, cap * sizeof *slots);
    if (!slots)
        return RT_ENOMEM;
    memset(slots, 0, cap * sizeof *slots);
    size_t mask = cap - 1;
    if (t->slots) {
        for (size_t i = 0; i <= t->mask; i++) {
            rt_intern_slot *s = &t->slots[i];
            if (!s->key)
                continue;
            size_t j = (size_t)s->hash & mask;
            while (slots[j].key)
                j = (j + 1) & mask;
            slots[j] = *s;
        }
        rt_free(t->alloc, t->slots, (t->mask + 1) * sizeof *t->slots);
    }
    t->slots = slots;
    t->mask = mask;
    return RT_OK;
}

int rt_intern_prepare(rt_intern *t, const char *key, size_t len, const char **stored)
{
    /* Keep the load factor under 1/2. */
    if (!t->slots || (t->count + 1) * 2 > t->mask + 1) {
        int rc = grow(t);
        if (rc)
            return rc;
    }
    char *copy = rt_arena_alloc(&t->keys, len + 1);
    if (!copy)
        return RT_ENOMEM;
    if (len)
        memcpy(copy, key, len);
    copy[len] = '\0';
    *stored = copy;
    return RT_OK;
}

void rt_intern_commit(rt_intern *t, const char *stored, size_t len, uint64_t hash, uint64_t id)
{
    size_t i = (size_t)hash & t->mask;
    while (t->slots[i].key)
        i = (i + 1) & t->mask;
    t->slots[i].hash = hash;
    t->slots[i].key = stored;
    t->slots[i].len = len;
    t->slots[i].id = id;
    t->count++;
}

int rt_intern_insert(rt_intern *t, const char *key, size_t len, uint64_t hash, uint64_t id,
                     const char **stored)
{
    const char *copy;
    int rc = rt_intern_prepare(t, key, len, &copy);
    if (rc)
        return rc;
    rt_intern_commit(t, copy, len, hash, id);
    if (stored)
        *stored = copy;
    return RT_OK;
}
