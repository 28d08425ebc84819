/* What the tracer needs of rt_writer beyond the public API. */
#ifndef RT_SINK_WRITER_INTERNAL_H
#define RT_SINK_WRITER_INTERNAL_H

#include "common/error.h"

/* rt_writer_open with the failure message copied into err. */
int rt_writer_open_internal(rt_writer **out, const char *path, const rt_writer_options *opts,
                            rt_err *err);
/* rt_writer_write for events the tracer has already checked. */
int rt_writer_write_checked(rt_writer *w, const rt_event *event);
/* rt_writer_flush; !wait: what a compression thread is still busy with is
 * written at the next flush (the tracer's automatic flushes). */
int rt_writer_flush_internal(rt_writer *w, bool wait);
/* A Value of variable_id repeating the value of its last Value event, from
 * the bytes the encoder kept (rt_register_repeat_value): RT_OK,
 * RT_REPEAT_MISS (nothing written; always with keep_only, which only has
 * the encoder keep the variable's bytes from now on), or a write error. */
int rt_writer_repeat_value(rt_writer *w, rt_variable_id variable_id, bool keep_only);
const rt_err *rt_writer_err(const rt_writer *w);
/* The file's name, for messages ("output" for a descriptor). */
const char *rt_writer_name(const rt_writer *w);

#endif
