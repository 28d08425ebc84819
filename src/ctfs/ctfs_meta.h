/* meta.dat v3 (CTFS.md section 4): what the debugger's strict parser takes. */
#ifndef RT_CTFS_CTFS_META_H
#define RT_CTFS_CTFS_META_H

#include "common/arena.h"
#include "common/buf.h"
#include "common/error.h"

/* What meta.dat holds, flags 0 (the only flags this library writes). */
typedef struct ctfs_meta {
    uint16_t flags;
    rt_str recording_id;
    rt_str program;
    const rt_str *args;
    size_t nargs;
    rt_str workdir;
    rt_str recorder_id;
    const rt_str *paths;
    size_t npaths;
} ctfs_meta;

/* Appends the meta.dat bytes of m (flags 0, no trailing byte). RT_ENOMEM. */
int ctfs_meta_encode(rt_buf *b, const ctfs_meta *m);

/* Parses meta.dat as the debugger does: magic, version 3, known flags,
 * UTF-8 strings, a canonical UUIDv7, no trailing bytes; the optional blocks
 * of flag bits 0-3 are skipped over as far as this parser knows them (bit 0,
 * MCR, is reported: the debugger does not take such a file for a trace).
 * The strings point into data; the arrays go to arena. RT_EFORMAT with a
 * message saying what is wrong, RT_ENOMEM. */
int ctfs_meta_parse(const unsigned char *data, size_t len, rt_arena *arena, ctfs_meta *out,
                    rt_err *err);

#endif
