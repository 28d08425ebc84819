/* Reader-side pieces of trace.ct shared by the decoder and rt_ct_inspect. */
#ifndef RT_CTFS_CT_READ_H
#define RT_CTFS_CT_READ_H

#include "ctfs/ctfs_rcontainer.h"

#define RT_CT_MAX_CHUNK ((size_t)64 << 20) /* compressed or decompressed bytes of one chunk */
#define RT_CT_MAX_META ((size_t)16 << 20)  /* bytes of meta.dat */

/* RT_OK when meta.dat is there and parses as the debugger's parser wants. */
int rt_ct_check_meta(ctfs_rfile *f, rt_err *err);
/* events.fmt: *split when it is exactly "split-binary" (else CBOR). */
int rt_ct_events_format(ctfs_rfile *f, bool *split);
/* Where events.log's chunks start (after the optional header) and whether
 * the payload is raw CBOR (no chunk header and zstd frame at its start). */
int rt_ct_payload_start(ctfs_rfile *f, const ctfs_entry *log, uint64_t *start, bool *raw);

#endif
