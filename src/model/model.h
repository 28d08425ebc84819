/* Internal helpers on the event model: checking and deep copies. */
#ifndef RT_MODEL_MODEL_H
#define RT_MODEL_MODEL_H

#include "common/arena.h"
#include "common/error.h"

/* Deepest value nesting accepted anywhere (writers and readers). */
#define RT_MAX_DEPTH 200

/* Checks that an event coming from a caller can be written by every format:
 * enums in range, strings valid UTF-8, no NULL array with a length, nesting
 * at most RT_MAX_DEPTH. Returns RT_OK or RT_EINVAL/RT_EUTF8/RT_ELIMIT with a
 * message in err. */
int rt_event_check(const rt_event *e, rt_err *err);
int rt_value_check(const rt_value *v, rt_err *err);

/* Deep-copies src into dst, every array and string into arena. On
 * RT_ENOMEM the arena is rolled back to where it was. */
int rt_event_copy(rt_arena *arena, const rt_event *src, rt_event *dst);
/* Deep-copies a value tree (the root struct is *dst, children in arena). */
int rt_value_copy(rt_arena *arena, const rt_value *src, rt_value *dst);
/* Copies a string into arena (NUL-terminated); *dst points at the copy. */
int rt_str_copy(rt_arena *arena, rt_str src, rt_str *dst);

/* The event kinds rt_load_check_event would look at now (bit 1 << kind):
 * a caller checking every event of a stream may skip the others. */
struct rt_load_check;
unsigned rt_load_check_kinds(const struct rt_load_check *c);

/* Structural equality of two events (used by tests and tools). */
bool rt_event_equal(const rt_event *a, const rt_event *b);
bool rt_value_equal(const rt_value *a, const rt_value *b);
/* The same, where b was read back from a format or dialect that writes
 * Char values as Raw: a Char of a matches a Raw of b holding its UTF-8. */
bool rt_event_equal_raw_chars(const rt_event *a, const rt_event *b);

#endif
