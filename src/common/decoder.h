/* The interface every format's decoder implements: bytes from an rt_source
 * in, one rt_event at a time out. */
#ifndef RT_COMMON_DECODER_H
#define RT_COMMON_DECODER_H

#include "common/arena.h"
#include "common/binary_header.h"
#include "common/source.h"

typedef struct rt_decoder rt_decoder;

typedef struct rt_decoder_ops {
    /* Decodes the next event into *out, with its strings and arrays in the
     * event arena (reset by the reader before each call). Returns
     * RT_READ_EVENT, RT_READ_END, RT_READ_PENDING (follow mode: no complete
     * event yet), or an error with a message naming the source, the event
     * index and the byte offset. Events before a truncation come first,
     * then RT_ETRUNCATED. */
    int (*next)(rt_decoder *d, rt_event *out);
    void (*destroy)(rt_decoder *d);
} rt_decoder_ops;

struct rt_decoder {
    const rt_decoder_ops *ops;
    /* rt_spelling bits of the event next() returned last, stored with every
     * event (rt_reader_event_spelling); 0 for a decoder that has none. */
    unsigned spelling;
    /* Encoded bytes of the event next() returned last, in the format's own
     * event encoding (rt_reader_event_size); 0 when a decoder cannot say. */
    uint64_t event_size;
};

/* What a decoder is created with; everything outlives the decoder. The
 * source is positioned right after the 8-byte header for binary formats
 * and at the first byte for JSON. */
typedef struct rt_decoder_env {
    rt_source *src;
    rt_err *err;
    const rt_allocator *alloc;
    rt_arena *event_arena;
    const uint64_t *event_index; /* index of the event being decoded */
} rt_decoder_env;

int rt_json_decoder_new(const rt_decoder_env *env, rt_decoder **out);
int rt_v0_decoder_new(const rt_decoder_env *env, rt_decoder **out);
int rt_v1_decoder_new(const rt_decoder_env *env, rt_decoder **out);
/* trace.ct: reads the container through the source's fd (pread) or memory,
 * whatever the source has handed out. */
int rt_ct_decoder_new(const rt_decoder_env *env, rt_decoder **out);

#endif
