/* A hash table from a key of three machine words to a pointer: the
 * recorder's caches (prototypes, sources, variable names, threads) are
 * keyed by addresses and line numbers, so a lookup never hashes a string. */
#ifndef CTL_MAP_H
#define CTL_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct ctl_key {
    uintptr_t a;
    int64_t b;
    int64_t c;
} ctl_key;

typedef struct ctl_map_slot {
    ctl_key key;
    void *value; /* NULL: empty slot */
} ctl_map_slot;

typedef struct ctl_map {
    ctl_map_slot *slots;
    size_t cap; /* power of two, or 0 */
    size_t len;
} ctl_map;

void ctl_map_init(ctl_map *m);
void ctl_map_free(ctl_map *m);
/* The value stored under key, or NULL. */
void *ctl_map_get(const ctl_map *m, ctl_key key);
/* Stores value (not NULL) under key, replacing any; -1 when out of memory. */
int ctl_map_put(ctl_map *m, ctl_key key, void *value);
/* Removes key if present. */
void ctl_map_remove(ctl_map *m, ctl_key key);

static inline ctl_key ctl_key_ptr(const void *p)
{
    ctl_key k = {(uintptr_t)p, 0, 0};
    return k;
}

#endif
