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

#endif
