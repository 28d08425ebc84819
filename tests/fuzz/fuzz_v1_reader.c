/* Fuzz target: the v1 reader (seekable zstd frames, CBOR events) and the
 * frame walker rt_v1_inspect on the same bytes. */
#include "fuzz_binary_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int capped = fuzz_binary(data, size, 1);
    /* The inspector reads a path: a file of this process under /tmp. It
     * allocates with malloc, so inputs that claim a window over the cap are
     * left out (they cost a 17 MiB block each). */
    if (size >= 8 && !capped) {
        uint8_t *buf = malloc(size);
        if (!buf)
            abort();
        memcpy(buf, data, size);
        memcpy(buf, "\xC0\xDE\x72\xAC\xE2\x01\x00\x00", 8);
        const char *path = fuzz_tmpfile("v1.bin", buf, size);
        free(buf);
        rt_v1_info info;
        char err[256] = "";
        int rc = rt_v1_inspect(path, &info, err, sizeof err);
        FUZZ_CHECK(rc == RT_OK || rc == RT_EFORMAT || rc == RT_ELIMIT || rc == RT_ENOMEM);
        if (rc == RT_OK) {
            FUZZ_CHECK(info.file_size == size);
            FUZZ_CHECK(info.complete_end <= info.file_size);
            FUZZ_CHECK(info.compressed_bytes <= info.file_size);
        } else {
            FUZZ_CHECK(err[0] != '\0');
        }
        unlink(path);
    }
    return 0;
}
