/* The v0 and v1 targets: the input's first 8 bytes are replaced with the
 * format's header, so that every mutation reaches the decoder under test
 * (seeds are the fixtures as they are). */
#ifndef RT_FUZZ_BINARY_READER_H
#define RT_FUZZ_BINARY_READER_H

#include "fuzz_common.h"

static inline void fuzz_binary(const uint8_t *data, size_t size, uint8_t version)
{
    static const uint8_t header[8] = {0xC0, 0xDE, 0x72, 0xAC, 0xE2, 0, 0, 0};
    size_t n = size < 8 ? 8 : size;
    uint8_t *buf = malloc(n);
    if (!buf)
        abort();
    memcpy(buf, header, 8);
    buf[5] = version;
    if (size > 8)
        memcpy(buf + 8, data + 8, size - 8);
    fuzz_drain_memory(buf, n);
    free(buf);
}

#endif
