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

#define RT_EVENT_CHUNK_BITS 10
#define RT_EVENT_CHUNK (1u << RT_EVENT_CHUNK_BITS)

typedef struct rt_function_info {
    rt_path_id path_id;
    rt_line line;
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
    uint32_t *value_stamps;
    size_t nvalue_stamps;
};

/* Records one event: stores it (buffered, or before the events file is
 * open) or writes it (streaming). shallow: the event's strings already live
 * as long as the tracer (interned keys) and are not copied again. */
int rt_tracer_emit(rt_tracer *t, const rt_event *e, bool shallow);

/* A Value of variable_id that repeats its last Value event's value (the
 * bytes the writer or the packed events kept): RT_OK, RT_REPEAT_MISS
 * (nothing recorded; always with keep_only, which has the bytes of the
 * variable's next values kept), or an error. The decision is record.c's. */
int rt_tracer_emit_repeat(rt_tracer *t, rt_variable_id variable_id, bool keep_only);
/* Notes the stamp of a Value event of variable_id (repeats_in_use). */
void rt_tracer_note_value(rt_tracer *t, rt_variable_id variable_id);

/* Normalises a path to its components (see FORMAT.md section 3) into out. */
int rt_path_normalize(const char *path, size_t len, rt_buf *out);

/* The trace directory pieces (src/tracedir/). */
/* trace_metadata.json; recording_id NULL for the 0.14 dialect's form, else
 * written first (DIALECT-0.19.md section 6). */
int rt_tracedir_write_metadata(const char *path, const char *recording_id, const char *workdir,
                               const char *program, char *const *args, size_t nargs,
                               const rt_allocator *alloc, rt_err *err);
int rt_tracedir_write_paths(const char *path, const rt_str *paths, size_t n,
                            const rt_allocator *alloc, rt_err *err);
/* Copies each source that exists into dir/files/; returns the number
 * skipped in *skipped and reports each through warn. */
int rt_tracedir_copy_sources(const char *dir, const char *workdir, const rt_str *paths, size_t n,
                             void (*warn)(void *ctx, const char *msg), void *warn_ctx,
                             size_t *skipped, const rt_allocator *alloc, rt_err *err);

#endif
