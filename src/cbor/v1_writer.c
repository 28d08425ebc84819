/* v1 encoder: not written yet. */
#include "common/encoder.h"

int rt_v1_encoder_new(const rt_encoder_env *env, rt_encoder **out)
{
    (void)out;
    return rt_err_set(env->err, RT_EUNSUPPORTED, "writing v1 (CBOR + zstd) is not supported yet");
}
