/* CBOR items back into events (FORMAT.md sections 4 and 7), tolerant like
 * the JSON rules (unknown keys skipped, "kind" anywhere in a map, integers
 * and f16/f32 where a float is expected, metadata and is_slice optional,
 * Ruby's RValue forms) and strict otherwise. */
#ifndef RT_CBOR_CBOR_EVENT_DECODE_H
#define RT_CBOR_CBOR_EVENT_DECODE_H

#include "cbor/cbor_decode.h"
#include "common/arena.h"

/* Decodes the item at d->p into *e, its strings and arrays in arena, and
 * advances d->p past it. Returns RT_OK, CBOR_NEED (d->need set; the arena
 * holds partial allocations the caller may reset) or an error. Memory taken
 * from the arena is bounded by a small multiple of the item's size: every
 * count is checked against the bytes present before anything is allocated. */
int rt_cbor_decode_event(cbor_dec *d, rt_arena *arena, rt_event *e);

/* The same for the items of cbor_event.h, one standalone item each, every
 * dialect read alike: a ValueRecord; a TypeRecord; a Vec<FullValueRecord>
 * (*args in arena, NULL when *len is 0); an AssignmentRecord into
 * e->u.assignment (e->kind set to RT_EVENT_ASSIGNMENT). */
int rt_cbor_decode_value(cbor_dec *d, rt_arena *arena, rt_value *v);
int rt_cbor_decode_type(cbor_dec *d, rt_arena *arena, rt_type_record *t);
int rt_cbor_decode_args(cbor_dec *d, rt_arena *arena, const rt_full_value **args, size_t *len);
int rt_cbor_decode_assignment(cbor_dec *d, rt_arena *arena, rt_event *e);

#endif
