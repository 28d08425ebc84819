/* The small-file readers with an allocator of the caller's (the public
 * rt_metadata_read / rt_paths_read use the default one): what the
 * allocation-failure tests drive. Results are freed with the *_clear_with
 * of the same allocator. */
#ifndef RT_READER_TRACEDIR_READ_H
#define RT_READER_TRACEDIR_READ_H

#include "common/alloc.h"

int rt_metadata_read_with(const char *path, rt_metadata *out, const rt_allocator *alloc,
                          char *errbuf, size_t errbuf_len);
void rt_metadata_clear_with(rt_metadata *m, const rt_allocator *alloc);
int rt_paths_read_with(const char *path, rt_path_list *out, const rt_allocator *alloc,
                       char *errbuf, size_t errbuf_len);
void rt_path_list_clear_with(rt_path_list *p, const rt_allocator *alloc);

#endif
