/* v0 encoder: not written yet. */
#include "common/encoder.h"

int rt_v0_encoder_new(const rt_encoder_env *env, rt_encoder **out)
{
    (void)out;
    return rt_err_set(env->err, RT_EUNSUPPORTED, "writing v0 (Cap'n Proto) is not supported yet");
}
