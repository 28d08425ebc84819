/* The tracer's filter stage (TRACE-FILTER.md section 3): what a trace
 * filter decides, applied to events on their way to being recorded.
 * Decisions are made once per function (at its first Call) and once per
 * (scope, variable) and (scope, struct type), then looked up. */
#ifndef RT_TRACER_FILTERING_H
#define RT_TRACER_FILTERING_H

#include "common/arena.h"
#include "common/buf.h"
#include "common/intern.h"
#include "filter/filter.h"

/* A frame of the tracer's call stack, pushed by each Call. */
typedef struct rt_filter_frame {
    uint32_t scope;     /* scope id, or RT_FRAME_SKIP */
    rt_function_id fid; /* its function, for the ret kind's name */
} rt_filter_frame;
#define RT_FRAME_SKIP UINT32_MAX

/* What a filter hid, for trace_metadata.json's trace_filter.stats. */
typedef struct rt_filter_stats {
    uint64_t scopes_skipped; /* functions decided "skip" that were called */
    uint64_t redactions[RT_FILTER_VALUE_KIND_COUNT];
    uint64_t drops[RT_FILTER_VALUE_KIND_COUNT];
} rt_filter_stats;

typedef struct rt_tracer_filter {
    const rt_filter *filter;
    rt_filter_cache *cache;
    rt_buf frames;          /* rt_filter_frame per open Call */
    bool skipping;          /* the innermost frame is skipped */
    uint32_t scope;         /* the innermost frame's scope (outside any call: outside) */
    uint32_t outside;       /* the scope of code outside any call; UINT32_MAX until needed */
    /* The innermost frame's local decisions, for rt_filter_value's fast path
     * (see set_hot in filtering.c): action + 1 per variable id, 0 unknown. */
    const unsigned char *hot_local;
    size_t hot_nlocal;
    bool hot_simple;        /* no value of this scope needs a walk (attr) */
    rt_buf functions;       /* per function id: fn_decision */
    rt_buf scopes;          /* per scope id: scope_cache */
    rt_buf types;           /* per type id: type_fields */
    rt_buf attrs;           /* attr_info, indexed from scope_cache.types */
    rt_buf attr_actions;    /* uint8 per field of each attr_info */
    rt_arena names;         /* module names, struct field names */
    rt_arena scratch;       /* filtered copies of values, reset per event */
    bool scratch_used;      /* ... when an event used it */
    /* rt_add_event, once the filter has added a Type (a struct without its
     * dropped fields): the tracer's id of each Type read back, in order. */
    rt_buf raw_types; /* rt_type_id per type read back */
    uint64_t added_types;
    rt_arena raw_arena; /* an event read back, its ids as the tracer's */
    /* Deferred definitions (rt_filter_defers): from the first one on, every
     * variable and type id from its base gets an id in the file when its
     * definition is written (out + 1 in out_vars/out_types; 0: deferred,
     * its event in pending_vars/pending_types). */
    bool deferring;
    uint64_t var_base, type_base, next_var, next_type;
    rt_buf out_vars, out_types;   /* uint64 per id from the base */
    rt_buf pending_kinds;         /* uint8 per variable id from the base: VariableName or Variable */
    rt_buf pending_types;         /* rt_type_record per type id from the base */
    rt_arena pending_arena;       /* the deferred types' records */
    rt_arena out_arena;           /* an event with its ids renumbered */
    rt_intern masked;       /* redacted strings, masked in the copies under files/ */
    /* Set while rt_filter_value emits a Value it let through unchanged:
     * the kind it was decided as, for the repeat stamp (rt_filter_stamp). */
    bool note_ok;
    rt_filter_value_kind note_kind;
    uint64_t masked_bytes;
    rt_filter_stats stats;
    /* rt_add_event: Values and Steps held until the next event shows
     * whether they are a Call's arguments and its Step (rt_register_call's
     * group), copied into held_arena. */
    rt_event *held;
    size_t nheld, held_cap;
    rt_arena held_arena;
} rt_tracer_filter;

#endif
