/* The tracer's state, shared by the files of src/tracer/. */
#ifndef RT_TRACER_INTERNAL_H
#define RT_TRACER_INTERNAL_H

#include <time.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/intern.h"
#include "common/uuid.h"
#include "model/pack.h"
#include "tracer/filtering.h"

#define RT_EVENT_CHUNK_BITS 10
#define RT_EVENT_CHUNK (1u << RT_EVENT_CHUNK_BITS)

typedef struct rt_function_info {
    rt_path_id path_id;
    rt_line line;
    rt_str name; /* the interned key: stable */
} rt_function_info;

/* What the CodeTracer debugger of 2026 cannot load, checked beside a writer
 * for it (rt_load_check) and reported through on_warning. */
typedef struct rt_load_report {
    rt_load_check *check; /* NULL: not checked */
    uint64_t findings;
    uint32_t kinds;       /* the event kinds still to check (RT_LOAD_CHECK_KINDS) */
} rt_load_report;

struct rt_tracer {
    rt_tracer_options opts;
    rt_allocator alloc_copy;
    const rt_allocator *alloc;
    rt_err err;

    char *program;
    char **args;
    size_t nargs;
    char *workdir;
    char recording_id[RT_UUID_LEN + 1]; /* "" until minted or set */

    /* Interning: paths by spelling and by components, the others by key. */
    rt_intern path_spellings;
    rt_intern path_components;
    rt_intern functions;
    rt_intern types;
    rt_intern variables;
    uint64_t n_paths, n_functions, n_types, n_variables;
    /* Pointer hints for names given as C strings (see intern.h). */
    rt_intern_hints path_hints, function_hints, variable_hints;
    rt_buf path_list;     /* rt_str per Path event, in order */
    rt_buf function_info; /* rt_function_info per function id */
    rt_buf variable_names; /* rt_str per variable id (interned keys) */
    rt_tracer_filter *filt; /* the filter stage (filtering.c); NULL without a filter */
    rt_buf scratch;       /* path normalisation */

    /* Events kept in memory, packed (model/pack.h). */
    rt_pack stored;
    uint64_t recorded;   /* events recorded in all */
    rt_arena scratch_arrays; /* unpacking for the writer, reset per event */

    /* rt_tracer_event_at: the stored events unpacked on demand into fixed
     * chunks of rt_event (pointers stay valid until the tracer is freed). */
    rt_event **chunks;
    size_t nchunks, chunks_cap;
    uint64_t unpacked;
    rt_pack_cursor unpack_at;
    rt_arena unpacked_arrays;

    /* The events file. */
    rt_writer *writer;   /* streaming: open between begin and finish */
    rt_load_report report; /* beside writer when it writes for the 2026 debugger */
    char *events_path;
    rt_format events_format;
    char *metadata_path;
    char *paths_path;

    /* Streaming auto-flush. */
    uint64_t since_flush;      /* events up to the last look at the policy */
    uint32_t flush_countdown;  /* events until the next look */
    uint32_t flush_armed;      /* ... counted from this */
    struct timespec last_flush;

    size_t skipped_sources;

    /* rt_register_repeat_value (record.c, "repeats"): once one was asked
     * for, each Value event notes, by variable id, the stamp of what made
     * its bytes besides the value (repeat_stamp), so that a repeat can be
     * refused when that differs now. */
    bool repeats_in_use;
    uint64_t *value_stamps;
    size_t nvalue_stamps;
    char *sources_dir; /* rt_tracer_set_sources_dir, or NULL */
};

/* Records one event: stores it (buffered, or before the events file is
 * open) or writes it (streaming). shallow: the event's strings already live
 * as long as the tracer (interned keys) and are not copied again. */
int rt_tracer_emit(rt_tracer *t, const rt_event *e, bool shallow);
/* The same past the filter's deferred definitions (below). */
int rt_tracer_emit_now(rt_tracer *t, const rt_event *e, bool shallow);

/* The filter stage (filtering.c), used when t->filt is set. */
int rt_tracer_filter_init(rt_tracer *t, const rt_filter *f);
void rt_tracer_filter_free(rt_tracer *t);
/* A Type was defined: its struct fields, for attr. */
int rt_tracer_filter_note_type(rt_tracer *t, rt_type_id id, const rt_type_record *type);
/* A Call of fid: decided, its frame pushed; with step, recorded as
 * rt_register_call records it (argument Values, a Step at the function's
 * definition, the Call), else the Call alone. */
int rt_filter_call(rt_tracer *t, rt_function_id fid, const rt_full_value *args, size_t nargs,
                   bool step);
int rt_filter_return(rt_tracer *t, const rt_value *value);
/* A Value event of kind (local or global). e may be changed. */
int rt_filter_value(rt_tracer *t, rt_event *e, rt_filter_value_kind kind);
/* Any other event but definitions. e may be changed. */
int rt_filter_other(rt_tracer *t, rt_event *e, bool shallow);
/* rt_add_event's events, and the ones it holds back. */
int rt_filter_add_event(rt_tracer *t, const rt_event *e);
/* A Type read back got the tracer's id id (rt_add_event). */
int rt_filter_note_raw_type(rt_tracer *t, rt_type_id id);
/* A raw event with the type ids of the trace it was read from, as the
 * tracer's (they differ once the filter added a Type): *out, in a. */
int rt_filter_remap(rt_tracer *t, const rt_event *in, rt_event *out, rt_arena *a);
int rt_filter_release_held(rt_tracer *t);
/* The strings hidden so far, masked in the source copies; NULL when none. */
const rt_intern *rt_filter_masked(const rt_tracer *t);
/* A VariableName, Variable or Type made while a skipped function is the
 * innermost frame is written only when an event written refers to it, so
 * that a trace read back and filtered (redact) gets the definitions a
 * recording with the filter gets; ids are then renumbered on the way out. */
static inline bool rt_filter_defers(const rt_tracer *t, const rt_event *e)
{
    return t->filt->deferring ||
           (t->filt->skipping && (e->kind == RT_EVENT_VARIABLE_NAME || e->kind == RT_EVENT_VARIABLE ||
                                  e->kind == RT_EVENT_TYPE));
}
int rt_filter_emit(rt_tracer *t, const rt_event *e, bool shallow);

/* True when events now belong to a skipped function. */
static inline bool rt_tracer_skipping(const rt_tracer *t)
{
    return t->filt && t->filt->skipping;
}

/* A repeat stamp that matches none (repeats, record.c). */
#define RT_STAMP_NONE UINT64_MAX

/* A Value of variable_id that repeats its last Value event's value (the
 * bytes the writer or the packed events kept): RT_OK, RT_REPEAT_MISS
 * (nothing recorded; always with keep_only, which has the bytes of the
 * variable's next values kept), or an error. The decision is record.c's. */
int rt_tracer_emit_repeat(rt_tracer *t, rt_variable_id variable_id, bool keep_only);
/* Notes the stamp of a Value event of variable_id (repeats_in_use). */
void rt_tracer_note_value(rt_tracer *t, rt_variable_id variable_id);
/* A Value of variable_id was registered but not written as given (a filter
 * left it out or changed it): its next repeat misses. */
static inline void rt_tracer_forget_value(rt_tracer *t, rt_variable_id variable_id)
{
    if (variable_id < t->nvalue_stamps)
        t->value_stamps[variable_id] = RT_STAMP_NONE;
}
/* The filter's part of a repeat stamp: what decides a Value of kind now
 * (scope, kind, the strings hidden so far); RT_STAMP_NONE when a repeat
 * cannot be right (skipping, ids renumbered, no scope decided yet). */
uint64_t rt_filter_stamp(const rt_tracer *t, rt_filter_value_kind kind);

/* Normalises a path to its components (see FORMAT.md section 3) into out. */
int rt_path_normalize(const char *path, size_t len, rt_buf *out);

/* The trace directory pieces (src/tracedir/). */
/* trace_metadata.json; recording_id NULL for the 0.14 dialect's form, else
 * written first (DIALECT-0.19.md section 6); with a filter, "trace_filter"
 * last: its files and what it hid (TRACE-FILTER.md section 3). */
int rt_tracedir_write_metadata(const char *path, const char *recording_id, const char *workdir,
                               const char *program, char *const *args, size_t nargs,
                               const rt_filter *filter, const rt_filter_stats *stats,
                               const rt_allocator *alloc, rt_err *err);
int rt_tracedir_write_paths(const char *path, const rt_str *paths, size_t n,
                            const rt_allocator *alloc, rt_err *err);
/* Copies each source that exists into dir/files/; returns the number
 * skipped in *skipped and reports each through warn. from_files: copy from
 * that files/ tree instead of the sources' paths (NULL). masked (may be NULL):
 * strings replaced by '*'s in the copies. */
int rt_tracedir_copy_sources(const char *dir, const char *workdir, const char *from_files,
                             const rt_str *paths, size_t n,
                             const rt_intern *masked, void (*warn)(void *ctx, const char *msg),
                             void *warn_ctx, size_t *skipped, const rt_allocator *alloc,
                             rt_err *err);

#endif
