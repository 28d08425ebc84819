/* What the script writes to stdout and stderr, recorded as Event records:
 * print, io.write and file:write are replaced by wrappers that behave
 * exactly as the originals (same output, results and error messages) and
 * report the bytes written. */
#ifndef CTL_CAPTURE_H
#define CTL_CAPTURE_H

#include <lua.h>
#include <stddef.h>

#include "runtime_tracing.h"

/* Receives each successful write: Write for stdout, WriteOther (metadata
 * "stderr") for stderr. Writes to other files are not reported. */
typedef void (*ctl_output_fn)(void *ctx, rt_event_log_kind kind, const char *metadata,
                              const char *data, size_t len);

/* Installs the wrappers in L's standard library (print, io.write, the
 * FILE* write method). One sink per process. */
void ctl_capture_install(lua_State *L, ctl_output_fn fn, void *ctx);

/* Stops reporting (the wrappers keep writing). */
void ctl_capture_detach(void);

#endif
