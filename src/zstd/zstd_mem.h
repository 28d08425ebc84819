/* libzstd's allocations routed through a handle's rt_allocator, so that
 * allocation-failure tests reach the compressor and decompressor too. */
#ifndef RT_ZSTD_ZSTD_MEM_H
#define RT_ZSTD_ZSTD_MEM_H

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_customMem, ZSTD_create?Ctx_advanced */
#include <zstd.h>
#include <zstd_errors.h>

#include "common/alloc.h"

/* A ZSTD_customMem over a; a must outlive every context made with it. */
ZSTD_customMem rt_zstd_mem(const rt_allocator *a);

#endif
