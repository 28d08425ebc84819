/* Split-binary events (CTFS.md section 2.1.1, codetracer_trace_writer's
 * split_binary.rs): a tag byte, little-endian fixed fields, u32-prefixed
 * strings and u32-prefixed CBOR items in the 0.19 serde shapes. */
#ifndef RT_CTFS_SPLIT_BINARY_H
#define RT_CTFS_SPLIT_BINARY_H

#include "cbor/cbor_decode.h"
#include "common/arena.h"
#include "common/buf.h"
#include "common/dialect.h"
#include "ctfs/ctfs_layout.h"

/* Appends e (already checked) to b. RT_ENOMEM; RT_ELIMIT for a string or
 * item over 4 GiB. On failure b->len may have grown: the caller rolls back. */
int rt_split_binary_encode(rt_buf *b, const rt_event *e, const rt_dialect_desc *d);

/* A Step: its tag and two u64 fields. */
#define RT_SB_STEP_LEN 17
static inline void rt_split_binary_step(unsigned char *p, const rt_event *e)
{
    p[0] = SB_STEP;
    ctfs_put_u64(p + 1, e->u.step.path_id);
    ctfs_put_u64(p + 9, (uint64_t)e->u.step.line);
}

/* Decodes one event at d->p (the cursor moves past it). RT_OK; CBOR_NEED
 * when the bytes end inside the event (d->need set); RT_EFORMAT for an
 * unknown tag or a malformed body; with the strings and arrays in arena. */
int rt_split_binary_decode(cbor_dec *d, rt_arena *arena, rt_event *e);

#endif
