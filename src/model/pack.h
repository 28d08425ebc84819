/* Events packed into a compact byte form, for the tracer's buffered mode:
 * a kind byte, integers as varints, strings inline (NUL-terminated), value
 * trees in prefix order, small ids folded into head bytes. A Step takes 2-4
 * bytes instead of an rt_event (56 B) plus deep copies: the BENCH.md mix
 * packs into ~6 B per event, so recording touches ~10x less fresh memory.
 * The bytes live in chunks that never move; an event never spans two. */
#ifndef RT_MODEL_PACK_H
#define RT_MODEL_PACK_H

#include "common/arena.h"

typedef struct rt_pack_chunk rt_pack_chunk;

/* Where the packed bytes of a variable's last value are, for repeats (kept
 * only for variables a repeat was asked for: common/repeat_cache.h). */
typedef struct rt_pack_value {
    const unsigned char *bytes; /* in a chunk: they never move */
    uint32_t len;
    bool kept, valid;
} rt_pack_value;

typedef struct rt_pack {
    rt_pack_chunk *first, *last;
    unsigned char *ptr, *end; /* free space in last */
    size_t next_size;         /* size of the next chunk */
    size_t total;             /* bytes of chunks held */
    uint64_t count;           /* events packed */
    rt_pack_value *values;    /* by variable id */
    size_t nvalues;
    const rt_allocator *alloc;
} rt_pack;

void rt_pack_init(rt_pack *pk, const rt_allocator *alloc);
void rt_pack_free(rt_pack *pk);
/* Appends e (already checked by rt_event_check). RT_ENOMEM leaves pk as it
 * was. */
int rt_pack_event(rt_pack *pk, const rt_event *e);

/* Appends a Value of variable_id holding the value of the last Value
 * packed for it (rt_register_repeat_value): RT_OK, RT_ENOMEM, or
 * RT_REPEAT_MISS when none is known or keep_only (the variable's values are
 * noted from its next Value on). */
int rt_pack_repeat_value(rt_pack *pk, uint64_t variable_id, bool keep_only);

/* Reads the packed events back in order; events packed after the cursor
 * was set up are read too. */
typedef struct rt_pack_cursor {
    const rt_pack *pk;
    const rt_pack_chunk *chunk;
    const unsigned char *ptr;
    uint64_t index; /* events read so far */
} rt_pack_cursor;

void rt_pack_cursor_init(rt_pack_cursor *c, const rt_pack *pk);
/* Decodes the next event into *out: strings point into the pack (valid
 * until it is freed), arrays (call args, list items, ids) are allocated in
 * arrays. Returns RT_READ_EVENT, RT_READ_END, or RT_ENOMEM (the cursor then
 * stays on that event). */
int rt_pack_next(rt_pack_cursor *c, rt_arena *arrays, rt_event *out);

#endif
