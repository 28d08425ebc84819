/* JSON decoder: not written yet. */
#include "common/decoder.h"

int rt_json_decoder_new(const rt_decoder_env *env, rt_decoder **out)
{
    (void)out;
    return rt_err_set(env->err, RT_EUNSUPPORTED, "%s: reading JSON is not supported yet",
                      env->src->name);
}
