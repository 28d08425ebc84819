/* Open addressing with linear probing and backward-shift deletion. */
#include "map.h"

#include <stdlib.h>
#include <string.h>

static inline size_t hash_key(ctl_key k)
{
    uint64_t h = (uint64_t)k.a * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)k.b * 0xC2B2AE3D27D4EB4Full;
    h ^= (uint64_t)k.c * 0x165667B19E3779F9ull;
    h ^= h >> 29;
    return (size_t)h;
}

static inline int same(ctl_key x, ctl_key y)
{
    return x.a == y.a && x.b == y.b && x.c == y.c;
}

void ctl_map_init(ctl_map *m)
{
    memset(m, 0, sizeof *m);
}

void ctl_map_free(ctl_map *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

void *ctl_map_get(const ctl_map *m, ctl_key key)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = hash_key(key) & mask;; i = (i + 1) & mask) {
        const ctl_map_slot *s = &m->slots[i];
        if (!s->value)
            return NULL;
        if (same(s->key, key))
            return s->value;
    }
}

static int grow(ctl_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    ctl_map_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].value)
            continue;
        size_t j = hash_key(m->slots[i].key) & (cap - 1);
        while (slots[j].value)
            j = (j + 1) & (cap - 1);
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

int ctl_map_put(ctl_map *m, ctl_key key, void *value)
{
    if ((m->len + 1) * 4 > m->cap * 3 && grow(m))
        return -1;
    size_t mask = m->cap - 1;
    size_t i = hash_key(key) & mask;
    while (m->slots[i].value && !same(m->slots[i].key, key))
        i = (i + 1) & mask;
    if (!m->slots[i].value)
        m->len++;
    m->slots[i].key = key;
    m->slots[i].value = value;
    return 0;
}

void ctl_map_remove(ctl_map *m, ctl_key key)
{
    if (!m->cap)
        return;
    size_t mask = m->cap - 1;
    size_t i = hash_key(key) & mask;
    while (m->slots[i].value && !same(m->slots[i].key, key))
        i = (i + 1) & mask;
    if (!m->slots[i].value)
        return;
    /* Shift later members of the probe run back so lookups still find them. */
    size_t j = i;
    for (;;) {
        m->slots[i].value = NULL;
        for (;;) {
            j = (j + 1) & mask;
            if (!m->slots[j].value) {
                m->len--;
                return;
            }
            size_t home = hash_key(m->slots[j].key) & mask;
            /* Move j to i unless its home lies cyclically in (i, j]. */
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
                break;
        }
        m->slots[i] = m->slots[j];
        i = j;
    }
}
