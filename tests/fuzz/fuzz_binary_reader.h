/* The v0 and v1 targets: the input's first 8 bytes are replaced with the
 * format's header, so that every mutation reaches the decoder under test
 * (seeds are the fixtures as they are). */
#ifndef RT_FUZZ_BINARY_READER_H
#define RT_FUZZ_BINARY_READER_H

#include "fuzz_common.h"

/* The reader's allocator: refuses blocks over 16 MiB. The only such block a
 * small input can ask for is a zstd window at the documented limit (2^24
 * plus libzstd's buffers, test_limits); refusing it keeps executions fast
 * and exercises the RT_ENOMEM paths. *capped says whether it happened. */
static void *cap_alloc(void *ctx, size_t n)
{
    if (n > ((size_t)16 << 20)) {
        *(int *)ctx = 1;
        return NULL;
    }
    return malloc(n);
}

static void *cap_realloc(void *ctx, void *p, size_t old_n, size_t n)
{
    (void)old_n;
    if (n > ((size_t)16 << 20)) {
        *(int *)ctx = 1;
        return NULL;
    }
    return realloc(p, n);
}

static void cap_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    (void)n;
    free(p);
}

/* Returns whether the reader asked for a block over the cap. */
static inline int fuzz_binary(const uint8_t *data, size_t size, uint8_t version)
{
    int capped = 0;
    rt_allocator a = {cap_alloc, cap_realloc, cap_free, &capped};
    static const uint8_t header[8] = {0xC0, 0xDE, 0x72, 0xAC, 0xE2, 0, 0, 0};
    size_t n = size < 8 ? 8 : size;
    uint8_t *buf = malloc(n);
    if (!buf)
        abort();
    memcpy(buf, header, 8);
    buf[5] = version;
    if (size > 8)
        memcpy(buf + 8, data + 8, size - 8);
    fuzz_drain_memory(buf, n, &a);
    free(buf);
    return capped;
}

#endif
