/* The trace.json decoder: a streaming pull parser over the top-level array.
 *
 * Memory: a rolling read buffer (RT_JSON_READ_CHUNK) that grows only to
 * hold one array element; an element larger than RT_JSON_MAX_EVENT bytes is
 * RT_ELIMIT. Each element is parsed from the buffer into the event arena.
 *
 * Errors (message "FILE: event N at byte OFFSET: ..."):
 *   RT_EFORMAT     bad JSON, wrong type, unknown variant, missing field,
 *                  invalid base64, trailing data after the array
 *   RT_ERANGE      an integer beyond its type, an unknown TypeKind or
 *                  EventLogKind number, a float beyond the double range
 *   RT_EUTF8       invalid UTF-8, raw or through \u escapes
 *   RT_ELIMIT      nesting deeper than RT_MAX_DEPTH, an oversized element
 *   RT_ETRUNCATED  the data ends before the closing ']' (follow mode:
 *                  RT_READ_PENDING instead, until more arrives)
 */
#ifndef RT_JSON_READER_H
#define RT_JSON_READER_H

#include "common/decoder.h"
#include "json/json_parse.h"

#define RT_JSON_READ_CHUNK (64u * 1024u)
#define RT_JSON_MAX_EVENT (256u * 1024u * 1024u)

/* rt_json_decoder_new with another element size limit (tests). */
int rt_json_decoder_new_limit(const rt_decoder_env *env, size_t max_event, rt_decoder **out);

/* Parses the whole span of c as one event (json_event.c). */
int rt_json_parse_event(rt_jcur *c, rt_event *e);

#endif
