/* v0 (Cap'n Proto) decoder: not written yet. */
#include "common/decoder.h"

int rt_v0_decoder_new(const rt_decoder_env *env, rt_decoder **out)
{
    (void)out;
    return rt_err_set(env->err, RT_EUNSUPPORTED, "%s: reading v0 (Cap'n Proto) is not supported yet",
                      env->src->name);
}
