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
    rt_load_check *check; /* beside writer when it writes for the 2026 debugger */
    unsigned check_kinds; /* rt_load_check_kinds(check), 0 without */
    uint64_t findings;   /* what check found, reported through on_warning */
    char *events_path;
    rt_format events_format;
    char *metadata_path;
    char *paths_path;

    /* Streaming auto-flush. */
    uint64_t since_flush;
    struct timespec last_flush;

    size_t skipped_sources;
};

/* Records one event: stores it (buffered, or before the events file is
 * open) or writes it (streaming). shallow: the event's strings already live
 * as long as the tracer (interned keys) and are not copied again. */
int rt_tracer_emit(rt_tracer *t, const rt_event *e, bool shallow);

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
