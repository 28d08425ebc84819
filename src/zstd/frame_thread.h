/* The compression thread of rt_zwriter (opt-in): the caller copies the
 * stream into fixed job buffers, a thread of the writer's own compresses
 * them in order, and the caller collects the compressed bytes into the
 * output when it needs the slot again, at flush and at finish. The output
 * and the seek table are the same bytes as without the thread. Internal to
 * src/zstd. */
#ifndef RT_ZSTD_FRAME_THREAD_H
#define RT_ZSTD_FRAME_THREAD_H

#include "zstd/seekable.h"

typedef struct rt_zthread rt_zthread;

/* Starts the thread for w (its context primed, so that libzstd allocates
 * nothing on the thread). RT_ENOMEM, or RT_EIO when no thread can start. */
int rt_zthread_start(rt_zwriter *w);
/* rt_zwriter_write, rt_zwriter_end_frame with the thread. */
int rt_zthread_write(rt_zwriter *w, rt_output *out, const void *src, size_t n);
int rt_zthread_end_frame(rt_zwriter *w, rt_output *out, bool force);
/* Stops and joins the thread, frees its buffers (pending jobs dropped). */
void rt_zthread_stop(rt_zwriter *w);

/* Records a closed frame for the seek table (frame_writer.c). */
int rt_zwriter_record(rt_zwriter *w, uint64_t compressed, uint64_t decompressed);

#endif
