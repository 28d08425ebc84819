/* An interning table: byte strings to 64-bit ids, open addressing. Keys are
 * copied once into the table's arena (NUL-terminated) and never move. */
#ifndef RT_COMMON_INTERN_H
#define RT_COMMON_INTERN_H

#include <stdbool.h>

#include "common/arena.h"
#include "common/hash.h"

typedef struct rt_intern_slot {
    uint64_t hash;
    const char *key; /* NULL: empty slot */
    size_t len;
    uint64_t id;
} rt_intern_slot;

typedef struct rt_intern {
    rt_intern_slot *slots;
    size_t mask;  /* capacity - 1; capacity is a power of two */
    size_t count;
    rt_arena keys;
    const rt_allocator *alloc;
} rt_intern;

void rt_intern_init(rt_intern *t, const rt_allocator *alloc);
void rt_intern_free(rt_intern *t);

/* Looks key up; returns true and *id when present. */
static inline bool rt_intern_find(const rt_intern *t, const char *key, size_t len, uint64_t hash,
                                  uint64_t *id)
{
    if (!t->slots)
        return false;
    size_t i = (size_t)hash & t->mask;
    for (;;) {
        const rt_intern_slot *s = &t->slots[i];
        if (!s->key)
            return false;
        if (s->hash == hash && s->len == len && memcmp(s->key, key, len) == 0) {
            *id = s->id;
            return true;
        }
        i = (i + 1) & t->mask;
    }
}

/* The slot holding key, or NULL when absent. */
static inline const rt_intern_slot *rt_intern_lookup(const rt_intern *t, const char *key, size_t len,
                                                     uint64_t hash)
{
    if (!t->slots)
        return NULL;
    size_t i = (size_t)hash & t->mask;
    for (;;) {
        const rt_intern_slot *s = &t->slots[i];
        if (!s->key)
            return NULL;
        if (s->hash == hash && s->len == len && memcmp(s->key, key, len) == 0)
            return s;
        i = (i + 1) & t->mask;
    }
}

/* Hints: a small direct-mapped cache in front of a table for keys given as
 * C strings, indexed by the caller's pointer. Callers pass the same name
 * pointers again and again (a VM's interned names, string literals), and a
 * hit costs one strcmp instead of strlen + hash + probe. A hit is always
 * confirmed by content, so a reused buffer never yields a wrong id. */
#define RT_INTERN_HINTS 64

typedef struct rt_intern_hint {
    const char *ptr; /* the caller's pointer; NULL: empty */
    const char *key; /* the table's copy: NUL-terminated, no NUL inside */
    uint64_t id;
} rt_intern_hint;

typedef struct rt_intern_hints {
    rt_intern_hint slot[RT_INTERN_HINTS];
} rt_intern_hints;

static inline rt_intern_hint *rt_intern_hint_slot(rt_intern_hints *h, const char *s)
{
    uintptr_t u = (uintptr_t)s;
    return &h->slot[(u ^ (u >> 6) ^ (u >> 12)) & (RT_INTERN_HINTS - 1)];
}

/* True and *id when s was seen at this address and still reads the same. */
static inline bool rt_intern_hint_find(rt_intern_hints *h, const char *s, uint64_t *id)
{
    const rt_intern_hint *e = rt_intern_hint_slot(h, s);
    if (e->ptr == s && strcmp(e->key, s) == 0) {
        *id = e->id;
        return true;
    }
    return false;
}

/* Remembers that s (a C string equal to the stored key) has id. */
static inline void rt_intern_hint_set(rt_intern_hints *h, const char *s, const char *key, uint64_t id)
{
    rt_intern_hint *e = rt_intern_hint_slot(h, s);
    e->ptr = s;
    e->key = key;
    e->id = id;
}

/* Inserting in two steps, so that a caller can do work that may fail in
 * between and leave the table unchanged: prepare makes room for one more key
 * and copies it (RT_ENOMEM leaves the table as it was; the copy is then
 * simply unused); commit inserts the prepared copy and cannot fail. */
int rt_intern_prepare(rt_intern *t, const char *key, size_t len, const char **stored);
void rt_intern_commit(rt_intern *t, const char *stored, size_t len, uint64_t hash, uint64_t id);

/* prepare + commit of a key known to be absent. */
int rt_intern_insert(rt_intern *t, const char *key, size_t len, uint64_t hash, uint64_t id,
                     const char **stored);

#endif
