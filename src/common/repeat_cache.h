/* The encoded bytes of the last value each variable was given, for
 * rt_register_repeat_value: a repeat is a copy of them, never a check or an
 * encoding. Each holder keeps its own, in its own encoding (an encoder its
 * format's bytes, the tracer's packed events theirs), and only for the
 * variables a repeat was asked for: the first request misses and starts
 * keeping that variable, so a recorder that never repeats pays a bit test
 * per Value. Keeping is best effort: out of memory, or a value larger than
 * RT_REPEAT_MAX_BYTES, only makes the next repeat miss. */
#ifndef RT_COMMON_REPEAT_CACHE_H
#define RT_COMMON_REPEAT_CACHE_H

#include <stdbool.h>

#include "common/alloc.h"
#include "common/buf.h"

/* Larger values are not kept (their repeats miss and are encoded anew). */
#define RT_REPEAT_MAX_BYTES ((size_t)64 * 1024)
/* Variables above this id are never kept. */
#define RT_REPEAT_MAX_VARIABLES ((uint64_t)1 << 24)

typedef struct rt_repeat_slot {
    unsigned char *bytes;
    uint32_t len, cap;
    bool kept;  /* the variable is kept */
    bool valid; /* bytes are its last value's */
} rt_repeat_slot;

typedef struct rt_repeat_cache {
    rt_repeat_slot *slots; /* by variable id */
    size_t nslots;
    const rt_allocator *alloc;
} rt_repeat_cache;

void rt_repeat_init(rt_repeat_cache *c, const rt_allocator *alloc);
void rt_repeat_free(rt_repeat_cache *c);

/* Whether the bytes of variable_id's values are kept. */
static inline bool rt_repeat_kept(const rt_repeat_cache *c, uint64_t variable_id)
{
    return variable_id < c->nslots && c->slots[variable_id].kept;
}

/* A kept variable was given a value encoded as bytes[0..len). */
void rt_repeat_store(rt_repeat_cache *c, uint64_t variable_id, const void *bytes, size_t len);

/* After encoding a Value of variable_id at b->data[at..b->len) with result
 * rc: when the variable is kept, its bytes are stored, or (rc failed)
 * none are valid any more. */
static inline void rt_repeat_encoded(rt_repeat_cache *c, uint64_t variable_id, int rc,
                                     const rt_buf *b, size_t at)
{
    if (!rt_repeat_kept(c, variable_id))
        return;
    if (rc)
        c->slots[variable_id].valid = false;
    else
        rt_repeat_store(c, variable_id, b->data + at, b->len - at);
}

/* rt_repeat_find when the bytes are not there: keeps the variable. */
const rt_repeat_slot *rt_repeat_miss(rt_repeat_cache *c, uint64_t variable_id);

/* The bytes of variable_id's last value, or NULL (always with keep_only):
 * then the variable is kept from now on (best effort), so that its next
 * value is. */
static inline const rt_repeat_slot *rt_repeat_find(rt_repeat_cache *c, uint64_t variable_id,
                                                   bool keep_only)
{
    if (!keep_only && variable_id < c->nslots && c->slots[variable_id].valid)
        return &c->slots[variable_id];
    return rt_repeat_miss(c, variable_id);
}

/* Every kept value is forgotten (the variables stay kept). */
void rt_repeat_forget(rt_repeat_cache *c);

#endif
