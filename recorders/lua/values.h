/* Lua values as trace values: nil -> None, boolean -> Bool, integer -> Int,
 * float -> Float (a non-finite one -> Raw "inf", "-inf" or "nan" of the
 * float type when nonfinite_raw is set: the 0.14 dialect writes NaN and
 * infinities as JSON null, which no reader loads), string -> String, a table that is a proper array ->
 * Sequence, any other table -> Struct (a Type per key shape), functions,
 * userdata and threads -> Raw with their type name. Bounded: tables nest at
 * most CTL_MAX_DEPTH deep, show at most CTL_MAX_ITEMS entries each and
 * CTL_MAX_NODES values in all; strings keep CTL_MAX_STRING bytes. The
 * encoder never calls a metamethod and never allocates Lua objects. */
#ifndef CTL_VALUES_H
#define CTL_VALUES_H

#include <lua.h>
#include <stdint.h>

#include "runtime_tracing.h"
#include "text.h"

#define CTL_MAX_DEPTH 3
#define CTL_MAX_ITEMS 32
#define CTL_MAX_NODES 256
#define CTL_MAX_STRING 1000
#define CTL_SCAN_LIMIT 64 /* table entries looked at to classify a table */
#define CTL_OPAQUE_SLOTS 256
#define CTL_STRING_SLOTS 64     /* long strings cached (and anchored) */
#define CTL_STRING_CACHE_MIN 256 /* bytes: shorter ones are cheap to redo */
#define CTL_SHAPE_SLOTS 64
#define CTL_SHAPE_TEXT 200 /* longer struct type names are looked up each time */

/* One TypeId per Lua type, registered once. */
typedef struct ctl_types {
    rt_type_id nil, boolean, integer, number, string, array, table, function, userdata, thread,
        tuple, varargs, any;
} ctl_types;

/* Registers the types; RT_OK or the tracer's error. */
int ctl_types_register(rt_tracer *t, ctl_types *out);

typedef struct ctl_encoder {
    rt_tracer *t;
    const ctl_types *types;
    ctl_scratch *scratch; /* the values live here until the scratch reset */
    bool nonfinite_raw;   /* NaN and infinities as Raw (the 0.14 dialect) */
    int name_key_ref;     /* registry ref of the string "__name" (pushing it
                           * anew could run the GC mid-traversal) */
    /* "function: 0x..." texts by address: the text depends on nothing
     * else, so a slot never goes stale (saves a snprintf per step). */
    struct ctl_opaque_text {
        const void *p;
        int type;
        size_t len;
        uint64_t used; /* scratch epoch of the last value pointing here */
        char text[48];
    } opaque[CTL_OPAQUE_SLOTS];
    /* Long strings: the text recorded for a string object (see
     * encode_string); the object is anchored at its slot in the registry
     * table string_anchor_ref (LUA_NOREF: no cache). */
    int string_anchor_ref;
    struct ctl_string_text {
        const char *s;    /* the Lua string's bytes */
        size_t len;
        const char *text; /* s itself, or own */
        size_t text_len;
        char *own;
        size_t cap;
        uint64_t used;
    } strings[CTL_STRING_SLOTS];
    /* Struct types: the last lang_type text per slot (by table address) and
     * its id; len 0: empty. */
    struct ctl_shape_text {
        size_t len;
        rt_type_id type_id;
        char text[CTL_SHAPE_TEXT];
    } shapes[CTL_SHAPE_SLOTS];
    bool naive; /* no caches: CT_LUA_NAIVE, and the reference of CT_LUA_CHECK_CACHE */
    /* per value */
    const void *visiting[CTL_MAX_DEPTH + 1];
    int nvisiting;
    int budget;
} ctl_encoder;

/*
 * Encodes the Lua value at idx into *out (pointing into the scratch arena
 * and into Lua strings reachable from idx: register it before popping).
 * May register Struct types. Returns RT_OK, RT_ENOMEM, or the tracer's
 * error from type registration.
 */
int ctl_encode(ctl_encoder *e, lua_State *L, int idx, rt_value *out);

/* ctl_encode without the caches (the reference they are checked against). */
int ctl_encode_naive(ctl_encoder *e, lua_State *L, int idx, rt_value *out);

/* True when a and b are the same value (texts compared byte for byte). */
bool ctl_value_equal(const rt_value *a, const rt_value *b);

/* Frees the caches' memory. */
void ctl_encoder_free(ctl_encoder *e);

/* A Raw value "text" of the given type, copied into the scratch arena. */
int ctl_raw(ctl_encoder *e, const char *text, rt_type_id type, rt_value *out);

#endif
