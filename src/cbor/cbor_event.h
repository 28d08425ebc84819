/* Events as CBOR data items (FORMAT.md section 7): the same tree as the JSON
 * writer's, item by item, so that v1 and JSON convert into each other. */
#ifndef RT_CBOR_CBOR_EVENT_H
#define RT_CBOR_CBOR_EVENT_H

#include "common/buf.h"
#include "common/dialect.h"

/* Each function appends one CBOR item, spelled as dialect d says, to b
 * (everything already checked by rt_event_check). Returns RT_OK or
 * RT_ENOMEM; on failure b->len may have grown: the caller rolls it back. */

/* The item of event e: a one-entry map {"<Kind>": payload}. */
int rt_cbor_encode_event(rt_buf *b, const rt_event *e, const rt_dialect_desc *d);
/* Writes at p the head of a Value event, {"Value": {"variable_id": id,
 * "value": (at most RT_CBOR_VALUE_HEAD_MAX bytes), and returns its end: the
 * value's item follows (rt_cbor_encode_value, or the bytes of one). */
#define RT_CBOR_VALUE_HEAD_MAX 40
unsigned char *rt_cbor_value_head(unsigned char *p, uint64_t variable_id);
/* A ValueRecord map {"kind": ..., ...}. */
int rt_cbor_encode_value(rt_buf *b, const rt_value *v, const rt_dialect_desc *d);
/* A TypeRecord map {"kind", "lang_type", "specific_info"}. */
int rt_cbor_encode_type(rt_buf *b, const rt_type_record *t, const rt_dialect_desc *d);
/* A Vec<FullValueRecord>: an array of n {"variable_id", "value"} maps
 * (the args of a Call). */
int rt_cbor_encode_args(rt_buf *b, const rt_full_value *args, size_t n, const rt_dialect_desc *d);
/* The AssignmentRecord map {"to", "pass_by", "from"} of the Assignment e. */
int rt_cbor_encode_assignment(rt_buf *b, const rt_event *e, const rt_dialect_desc *d);

#endif
