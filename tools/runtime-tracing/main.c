/* runtime-tracing: placeholder until the CLI lands. */
#include <stdio.h>

#include "runtime_tracing.h"

int main(void)
{
    printf("runtime-tracing %s\n", rt_version_string());
    return 0;
}
