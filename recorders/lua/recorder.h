/* The recorder: Lua debug hooks that turn an execution into trace events
 * through the public API of runtime_tracing.
 *
 * Per call of a Lua function from a file: Call (name, definition line,
 * parameters as arguments); per executed line: Step, then a Value for each
 * visible local and upvalue; per return: Return (first value, or a Tuple).
 * C functions and chunks not loaded from files are not stepped into.
 * Coroutines: a yield returns from the coroutine's frames, a resume calls
 * them again, so the trace keeps one call stack. */
#ifndef CTL_RECORDER_H
#define CTL_RECORDER_H

#include <lua.h>
#include <stdbool.h>

#include "runtime_tracing.h"

typedef struct ctl_recorder ctl_recorder;

/* A recorder writing to t (not owned) in the given dialect (the tracer's:
 * in 0.14 a non-finite number is recorded as Raw text); cwd resolves
 * relative source paths. NULL when out of memory. */
ctl_recorder *ctl_recorder_new(rt_tracer *t, const char *cwd, rt_dialect dialect);
void ctl_recorder_free(ctl_recorder *r);

/* Starts recording in L: the <toplevel> call at script's line 1, the
 * types, the output wrappers and the hooks. The next Lua function called is
 * taken as the script's main chunk. Returns RT_OK or the tracer's error. */
int ctl_recorder_start(ctl_recorder *r, lua_State *L, const char *script);

/* Records an Error event (an error that ends the script). */
void ctl_recorder_error(ctl_recorder *r, const char *msg);

/* Stops recording: removes the hook from L (NULL when the state may be
 * gone) and returns from every frame still open, with an Error value when
 * error is not NULL. Output written later (finalizers) is still recorded
 * until ctl_recorder_free. Idempotent. */
void ctl_recorder_stop(ctl_recorder *r, lua_State *L, const char *error);

/* RT_OK, or the first error that stopped the recording, with its message. */
int ctl_recorder_status(const ctl_recorder *r, const char **msg);

#endif
