/* The JSON encoder (trace.json) and the JSON text primitives it is built of,
 * shared with the metadata and paths files. */
#ifndef RT_JSON_WRITER_H
#define RT_JSON_WRITER_H

#include <string.h>

#include "common/decimal.h"
#include "common/encoder.h"

int rt_json_encoder_new(const rt_encoder_env *env, rt_encoder **out);

/* Worst-case bytes of a JSON string literal of n bytes. */
#define RT_JSON_STR_BOUND(n) ((n) * 6 + 2)
/* Writes s as a JSON string literal at p (room for RT_JSON_STR_BOUND);
 * returns the end. */
char *rt_json_put_str(char *p, const char *s, size_t n);
/* A double as serde writes it (shortest round trip, null for NaN/inf); at
 * most 32 bytes. */
char *rt_json_put_f64(char *p, double v);

#endif
