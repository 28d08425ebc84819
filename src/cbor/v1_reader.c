/* v1 (CBOR + zstd) decoder: not written yet. */
#include "common/decoder.h"

int rt_v1_decoder_new(const rt_decoder_env *env, rt_decoder **out)
{
    (void)out;
    return rt_err_set(env->err, RT_EUNSUPPORTED, "%s: reading v1 (CBOR + zstd) is not supported yet",
                      env->src->name);
}
