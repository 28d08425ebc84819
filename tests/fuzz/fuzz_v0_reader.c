/* Fuzz target: the v0 reader (packed Cap'n Proto after the v0 header). */
#include "fuzz_binary_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)fuzz_binary(data, size, 0);
    return 0;
}
