/* rt_v1_inspect: walks a v1 file's frames (decompressing, to count the
 * bytes) for the CLI's info and for repair. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/binary_header.h"
#include "zstd/seekable.h"
#include "zstd/v1_inspect.h"

#define SCRATCH ((size_t)64 * 1024) /* decompressed bytes are counted, not kept */

static int report(char *errbuf, size_t len, int rc, const char *path, const char *msg)
{
    if (errbuf && len)
        snprintf(errbuf, len, "%s: %s", path, msg);
    return rc;
}

int rt_v1_inspect(const char *path, rt_v1_info *out, char *errbuf, size_t errbuf_len)
{
    return rt_v1_inspect_with(path, out, &rt_default_allocator, errbuf, errbuf_len);
}

int rt_v1_inspect_with(const char *path, rt_v1_info *out, const rt_allocator *alloc, char *errbuf,
                       size_t errbuf_len)
{
    if (!path || !out || !alloc)
        return report(errbuf, errbuf_len, RT_EINVAL, path ? path : "(null)", "NULL argument");
    memset(out, 0, sizeof *out);
    if (errbuf && errbuf_len)
        errbuf[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return report(errbuf, errbuf_len, e == ENOENT ? RT_ENOENT : RT_EIO, path, strerror(e));
    }
    rt_err err;
    rt_err_clear(&err);
    rt_source src;
    rt_source_init_fd(&src, fd, path, false);
    int64_t size = rt_source_size(&src);
    out->file_size = size > 0 ? (uint64_t)size : 0;
    unsigned char header[RT_BINARY_HEADER_LEN];
    long n = rt_source_read_full(&src, header, sizeof header, &err);
    static const unsigned char v1_header[RT_BINARY_HEADER_LEN] = {0xC0, 0xDE, 0x72, 0xAC, 0xE2,
                                                                 RT_BINARY_VERSION_V1, 0, 0};
    int rc;
    if (n < 0) {
        rc = report(errbuf, errbuf_len, (int)n, path, err.msg);
    } else if (memcmp(header, v1_header, (size_t)n) != 0) {
        rc = report(errbuf, errbuf_len, RT_EFORMAT, path, "not a v1 trace");
    } else if ((size_t)n < sizeof header) {
        out->truncated = true; /* a prefix of the header: nothing to recover */
        rc = RT_OK;
    } else {
        rt_zreader z;
        rc = rt_zreader_init(&z, &src, alloc, &err);
        unsigned char *scratch = rc ? NULL : rt_malloc(alloc, SCRATCH);
        if (!rc && !scratch)
            rc = rt_err_set(&err, RT_ENOMEM, "out of memory");
        while (rc == RT_OK) {
            size_t got;
            rc = rt_zreader_read(&z, scratch, SCRATCH, &got);
        }
        if (rc == RT_ZREAD_END || rc == RT_ETRUNCATED) {
            out->truncated = rc == RT_ETRUNCATED;
            rc = RT_OK;
        } else if (rc < 0) {
            report(errbuf, errbuf_len, rc, path, err.msg);
        }
        if (z.dctx || z.in) {
            out->frames = z.frames;
            out->compressed_bytes = z.compressed;
            out->decompressed_bytes = z.decompressed;
            out->has_seek_table = z.has_seek_table;
            out->seek_table_consistent = z.table_consistent;
            out->complete_end = z.complete_end;
        }
        rt_free(alloc, scratch, SCRATCH);
        rt_zreader_free(&z);
    }
    close(fd);
    return rc;
}
