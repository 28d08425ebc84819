/* The interface every format's encoder implements. An encoder turns events
 * into bytes on an rt_output; it writes its format's header when created. */
#ifndef RT_COMMON_ENCODER_H
#define RT_COMMON_ENCODER_H

#include "common/output.h"

typedef struct rt_encoder rt_encoder;

typedef struct rt_encoder_ops {
    /* Encodes one event, already checked by rt_event_check. */
    int (*write)(rt_encoder *enc, const rt_event *e);
    /* Makes everything written so far readable in the file. */
    int (*flush)(rt_encoder *enc);
    /* Completes the file; no write after it. */
    int (*finish)(rt_encoder *enc);
    void (*destroy)(rt_encoder *enc);
    /* The held tail (rt_writer_options.cancel_steps, src/sink/writer.c). A
     * position is where the next event starts, in units of the encoder's own
     * (bytes of its stream, or events), growing with every event. */
    uint64_t (*position)(const rt_encoder *enc);
    /* Keeps everything from position `from` on in memory: not compressed,
     * written or flushed until held again from a later position or released
     * (RT_HOLD_NONE); finish releases it. */
    void (*hold)(rt_encoder *enc, uint64_t from);
    /* Removes the nevents whole events at [from, to), inside the held part;
     * later positions move down by to - from. */
    void (*cut)(rt_encoder *enc, uint64_t from, uint64_t to, uint64_t nevents);
} rt_encoder_ops;

#define RT_HOLD_NONE UINT64_MAX

struct rt_encoder {
    const rt_encoder_ops *ops;
    /* When the position is a byte offset, *pos_base + pos_buf->len, read
     * inline per event (rt_encoder_position); else NULL. */
    const rt_buf *pos_buf;
    const uint64_t *pos_base;
};

static inline uint64_t rt_encoder_position(const rt_encoder *e)
{
    return e->pos_buf ? *e->pos_base + e->pos_buf->len : e->ops->position(e);
}

/* What an encoder is created with; all pointers outlive the encoder. */
typedef struct rt_encoder_env {
    rt_output *out;
    rt_err *err;
    const rt_allocator *alloc;
    const rt_writer_options *opts;
} rt_encoder_env;

typedef int (*rt_encoder_new_fn)(const rt_encoder_env *env, rt_encoder **out);

#endif
