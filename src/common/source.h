/* Input for the decoders: a file descriptor or a memory buffer, read
 * forward in pieces so that memory never grows with the file. In follow
 * mode a read of 0 bytes means "nothing more yet", not "end". */
#ifndef RT_COMMON_SOURCE_H
#define RT_COMMON_SOURCE_H

#include "common/error.h"

typedef struct rt_source {
    int fd;                   /* -1 for memory */
    const unsigned char *mem; /* memory source */
    size_t mem_len;
    size_t mem_pos;
    unsigned char prefix[16]; /* bytes peeked by format detection */
    size_t prefix_len, prefix_pos;
    uint64_t offset;          /* bytes handed out so far */
    const char *name;         /* for messages: the path or "<memory>" */
    bool follow;
    /* A memory source may go on into up to two files, each for `left`
     * bytes (a v0 recording read from its journal and spools). */
    struct {
        int fd;
        uint64_t left;
    } parts[2];
    size_t nparts, part;
    uint64_t parts_size; /* their bytes in all */
} rt_source;

void rt_source_init_fd(rt_source *s, int fd, const char *name, bool follow);
void rt_source_init_memory(rt_source *s, const void *data, size_t len);
/* Appends `len` bytes of fd (read from its current offset) to a memory
 * source; at most two. The fd stays the caller's. */
void rt_source_add_part(rt_source *s, int fd, uint64_t len);
/* Reads up to n bytes. Returns the count (0 at the end of the data, or in
 * follow mode when nothing new has arrived) or RT_EIO. */
long rt_source_read(rt_source *s, void *buf, size_t n, rt_err *err);
/* Reads until n bytes or the end; returns the count or RT_EIO. */
long rt_source_read_full(rt_source *s, void *buf, size_t n, rt_err *err);
/* Total size when known (regular file or memory), else -1. */
int64_t rt_source_size(const rt_source *s);

#endif
