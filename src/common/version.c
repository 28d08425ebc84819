#include "runtime_tracing.h"

const char *rt_version_string(void)
{
    return RT_VERSION_STRING;
}

unsigned rt_version_number(void)
{
    return RT_VERSION_NUMBER;
}
