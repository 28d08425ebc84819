#include "common/dialect.h"

#include <string.h>

static const rt_dialect_desc dialects[] = {
    {RT_DIALECT_0_14, false, false, false, false},
    {RT_DIALECT_0_19, true, true, true, true},
};

const rt_dialect_desc *rt_dialect_get(rt_dialect d)
{
    return d == RT_DIALECT_0_19 ? &dialects[1] : &dialects[0];
}

const char *rt_dialect_name(rt_dialect dialect)
{
    switch (dialect) {
    case RT_DIALECT_0_14:
        return "0.14";
    case RT_DIALECT_0_19:
        return "0.19";
    default:
        return "default";
    }
}

int rt_dialect_parse(const char *name, rt_dialect *out)
{
    if (!name || !out)
        return RT_EINVAL;
    if (!strcmp(name, "0.14"))
        *out = RT_DIALECT_0_14;
    else if (!strcmp(name, "0.19"))
        *out = RT_DIALECT_0_19;
    else
        return RT_EINVAL;
    return RT_OK;
}
