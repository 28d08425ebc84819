/* Fuzz target: the trace.ct reader (CTFS container, meta.dat, events.log
 * chunks, split-binary and CBOR events) and rt_ct_inspect on the same
 * bytes. Byte 5 is made a version the debugger reads (2-4), so that every
 * mutation reaches the container parser. */
#define RT_EXPERIMENTAL_CTFS /* rt_ct_inspect */
#include "fuzz_binary_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = size < 16 ? 16 : size;
    uint8_t *buf = calloc(n, 1);
    if (!buf)
        abort();
    if (size)
        memcpy(buf, data, size);
    memcpy(buf, "\xC0\xDE\x72\xAC\xE2", 5);
    buf[5] = (uint8_t)(2 + buf[5] % 3);
    int capped = 0;
    rt_allocator a = {cap_alloc, cap_realloc, cap_free, &capped};
    fuzz_drain_memory(buf, n, &a);
    const char *path = fuzz_tmpfile("fuzz.ct", buf, n);
    rt_ct_info info;
    char err[256] = "";
    int rc = rt_ct_inspect(path, &info, err, sizeof err);
    FUZZ_CHECK(rc == RT_OK || rc == RT_EFORMAT || rc == RT_ETRUNCATED || rc == RT_ELIMIT ||
               rc == RT_ENOMEM);
    if (rc == RT_OK) {
        FUZZ_CHECK(info.file_size == n);
        FUZZ_CHECK(info.block_size == 1024 || info.block_size == 2048 || info.block_size == 4096);
        FUZZ_CHECK(info.meta_valid || info.meta_error[0] != '\0');
        for (size_t i = 0; i < info.nchunks; i++)
            FUZZ_CHECK(info.chunks[i].offset < info.complete_end);
    } else {
        FUZZ_CHECK(err[0] != '\0');
    }
    rt_ct_info_clear(&info);
    unlink(path);
    free(buf);
    return 0;
}
