/* What a streaming v0 recording leaves beside its file so that a killed one
 * can be completed (rt_trace_repair): the two spools as named files,
 * PATH.v0-events and PATH.v0-content (instead of unlinked temporary
 * files), and at every flush the journal PATH.v0-journal, replaced
 * atomically (rename), holding the packed message head (segment table,
 * root, list pointer and tag) of the events flushed so far and how many
 * bytes of each spool they take. The v0 file is then
 *
 *   8-byte header | head | events spool[0..n0) | content spool[0..n1)
 *
 * exactly what finish writes. finish removes the three files. */
#ifndef RT_CAPNP_V0_JOURNAL_H
#define RT_CAPNP_V0_JOURNAL_H

#define RT_V0_JOURNAL_SUFFIX ".v0-journal"
#define RT_V0_EVENTS_SUFFIX ".v0-events"
#define RT_V0_CONTENT_SUFFIX ".v0-content"
#define RT_V0_JOURNAL_MAGIC "RTV0JNL1"
#define RT_V0_JOURNAL_MAGIC_LEN 8
/* journal: magic, u64le events flushed, u64le n0, u64le n1, u64le head
 * bytes, the head bytes */
#define RT_V0_JOURNAL_FIXED (RT_V0_JOURNAL_MAGIC_LEN + 32)
#define RT_V0_JOURNAL_MAX_HEAD ((uint64_t)1 << 20)

#include "common/alloc.h"

/* A journal read back (rt_trace_repair; the reader of a killed recording). */
typedef struct rt_v0_journal {
    uint64_t events;  /* events flushed */
    uint64_t n0, n1;  /* bytes of the events and content spools they take */
    unsigned char *head; /* the 8-byte v0 header, then the packed message head */
    size_t head_len;
} rt_v0_journal;

/* Reads the journal beside the v0 file at path (PATH.v0-journal); a may be
 * NULL (malloc). RT_ENOENT
 * when there is none, RT_EFORMAT when it is not one, RT_EIO, RT_ENOMEM. */
int rt_v0_journal_read(const char *path, rt_v0_journal *j, const rt_allocator *a);
void rt_v0_journal_free(rt_v0_journal *j, const rt_allocator *a);
/* PATH + suffix into out (cap bytes); false when it does not fit. */
bool rt_v0_side_name(char *out, size_t cap, const char *path, const char *suffix);

#endif
