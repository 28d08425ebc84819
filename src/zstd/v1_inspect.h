/* rt_v1_inspect with an allocator of the caller's (the public function uses
 * the default one): what the allocation-failure tests drive. */
#ifndef RT_ZSTD_V1_INSPECT_H
#define RT_ZSTD_V1_INSPECT_H

#include "common/alloc.h"

int rt_v1_inspect_with(const char *path, rt_v1_info *out, const rt_allocator *alloc, char *errbuf,
                       size_t errbuf_len);

#endif
