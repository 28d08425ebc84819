/* Events as CBOR data items (FORMAT.md section 7): the same tree as the JSON
 * writer's, item by item, so that v1 and JSON convert into each other. */
#ifndef RT_CBOR_CBOR_EVENT_H
#define RT_CBOR_CBOR_EVENT_H

#include "common/buf.h"

/* Appends the CBOR item of e (already checked by rt_event_check) to b.
 * Returns RT_OK or RT_ENOMEM; on failure b->len may have grown: the caller
 * rolls it back. */
int rt_cbor_encode_event(rt_buf *b, const rt_event *e);

#endif
