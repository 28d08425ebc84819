/* The bytes an encoder has made and not handed on yet (v1 to its
 * compressor, ct to its chunk), with the held tail of encoder.h: what
 * starts at position keep_from stays here until it is held from later or
 * released. A position counts bytes of the encoder's stream: consumed (the
 * bytes handed on) plus an offset into buf. events counts the events in
 * buf, for the formats that need to know (ct's chunk headers). */
#ifndef RT_COMMON_PENDING_H
#define RT_COMMON_PENDING_H

#include <string.h>

#include "common/buf.h"
#include "common/encoder.h"

typedef struct rt_pending {
    rt_buf buf;
    uint64_t consumed;    /* stream bytes handed on before buf's first */
    uint64_t keep_from;   /* RT_HOLD_NONE: nothing held */
    uint32_t events;      /* events in buf */
    uint32_t keep_events; /* of those, before keep_from */
} rt_pending;

static inline void rt_pending_init(rt_pending *p, const rt_allocator *alloc)
{
    rt_buf_init(&p->buf, alloc);
    p->consumed = 0;
    p->keep_from = RT_HOLD_NONE;
    p->events = p->keep_events = 0;
}

/* Where the next event starts (encoder.h's position). */
static inline uint64_t rt_pending_position(const rt_pending *p)
{
    return p->consumed + p->buf.len;
}

/* The bytes before the held tail, and in *events the events they hold. */
static inline size_t rt_pending_releasable(const rt_pending *p, uint32_t *events)
{
    uint64_t held = p->keep_from - p->consumed;
    if (held < p->buf.len) {
        *events = p->keep_events;
        return (size_t)held;
    }
    *events = p->events;
    return p->buf.len;
}

/* The first len bytes, nevents events (rt_pending_releasable's), were
 * handed on. */
static inline void rt_pending_consume(rt_pending *p, size_t len, uint32_t nevents)
{
    memmove(p->buf.data, p->buf.data + len, p->buf.len - len);
    p->buf.len -= len;
    p->consumed += len;
    p->events -= nevents;
    p->keep_events = 0;
}

/* encoder.h's hold: from is the current position or a later-held one. */
static inline void rt_pending_hold(rt_pending *p, uint64_t from)
{
    p->keep_from = from;
    p->keep_events = p->events;
}

/* encoder.h's cut: nevents whole events at [from, to), in the held tail. */
static inline void rt_pending_cut(rt_pending *p, uint64_t from, uint64_t to, uint32_t nevents)
{
    size_t at = (size_t)(from - p->consumed), n = (size_t)(to - from);
    memmove(p->buf.data + at, p->buf.data + at + n, p->buf.len - at - n);
    p->buf.len -= n;
    p->events -= nevents;
}

#endif
