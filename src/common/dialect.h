/* A dialect (DIALECT-0.19.md) as the one small descriptor the encoders take:
 * each flag names one spelling that differs, so an encoder asks the
 * descriptor instead of comparing dialect numbers. */
#ifndef RT_COMMON_DIALECT_H
#define RT_COMMON_DIALECT_H

#include <stdbool.h>

#include "runtime_tracing.h"

typedef struct rt_dialect_desc {
    rt_dialect id;
    /* Float.f as Rust Display text ("2.5", "-0", "NaN", "inf"), a JSON string
     * or CBOR text; otherwise a JSON number (null for NaN/inf) or a CBOR double. */
    bool float_as_text;
    /* v0 RValue as the 16-byte / 2-pointer struct (literal, field and index
     * access, function return); otherwise the 8-byte / 1-pointer struct. */
    bool v0_wide_rvalue;
    /* trace_metadata.json starts with "recording_id" (a UUIDv7). */
    bool metadata_recording_id;
    /* Char values as {"kind":"Char","c":...} in JSON and CBOR; otherwise as
     * Raw{r: the character's UTF-8} (v0 always writes Raw). */
    bool char_values;
} rt_dialect_desc;

/* The descriptor of d; RT_DIALECT_DEFAULT and unknown values give 0.14's.
 * Never NULL; static storage. */
const rt_dialect_desc *rt_dialect_get(rt_dialect d);

#endif
