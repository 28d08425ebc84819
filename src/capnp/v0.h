/* The v0 (packed Cap'n Proto) encoder and decoder, with the knobs tests use
 * to reach the large-file code paths with small inputs. */
#ifndef RT_CAPNP_V0_H
#define RT_CAPNP_V0_H

#include "common/decoder.h"
#include "common/encoder.h"

/* Encoder limits; a zero field takes the default. */
typedef struct rt_v0_encoder_tuning {
    uint64_t max_segment_words; /* content segment size (default and most: 2^32-1) */
    size_t spill_bytes;         /* packed bytes kept in memory per spool before the
                                   temporary file (default 512 KiB) */
    uint64_t max_events;        /* default: what one list can hold, 268435455 */
} rt_v0_encoder_tuning;

int rt_v0_encoder_new(const rt_encoder_env *env, rt_encoder **out);
int rt_v0_encoder_new_tuned(const rt_encoder_env *env, const rt_v0_encoder_tuning *tuning,
                            rt_encoder **out);

/* Decoder limits; a zero field takes the default. */
typedef struct rt_v0_decoder_tuning {
    size_t memory_bytes; /* larger unpacked messages go to a mapped temporary file
                            (default 16 MiB) */
} rt_v0_decoder_tuning;

int rt_v0_decoder_new(const rt_decoder_env *env, rt_decoder **out);
int rt_v0_decoder_new_tuned(const rt_decoder_env *env, const rt_v0_decoder_tuning *tuning,
                            rt_decoder **out);

/* A temporary file that disappears when closed: O_TMPFILE in $TMPDIR (or
 * /tmp), else mkstemp and unlink. Returns the fd, or -1 with errno. */
int rt_v0_tmpfile(void);

#endif
