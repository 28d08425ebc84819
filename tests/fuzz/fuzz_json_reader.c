/* Fuzz target: the JSON events reader (any input not starting with the
 * binary header byte goes to the JSON decoder). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_drain_memory(data, size, NULL);
    return 0;
}
