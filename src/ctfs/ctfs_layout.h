/* The CTFS container and its members as CodeTracer reads them (CTFS.md
 * sections 2.1.1, 3, 4): constants and little-endian helpers shared by the
 * writer and the reader of trace.ct (which never include each other). */
#ifndef RT_CTFS_CTFS_LAYOUT_H
#define RT_CTFS_CTFS_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CTFS_MAGIC "\xC0\xDE\x72\xAC\xE2"
#define CTFS_MAGIC_LEN 5
#define CTFS_HEADER_LEN 16        /* magic, version, 2 bytes, block size, max entries */
#define CTFS_ENTRY_LEN 24         /* size u64, map block u64, base40 name u64 */
#define CTFS_VERSION 4            /* written; 2..4 read */
#define CTFS_BLOCK 4096           /* written; 1024/2048/4096 read */
#define CTFS_ROOT_ENTRIES 31      /* written */
#define CTFS_MAX_LEVELS 5         /* mapping depth the debugger resolves */
#define CTFS_NAME_MAX 12          /* base40 characters in a u64 name */

/* events.log: the v1 header, then chunks of this header and a zstd frame. */
#define CTFS_EVENTS_HEADER "\xC0\xDE\x72\xAC\xE2\x01\x00\x00"
#define CTFS_EVENTS_HEADER_LEN 8
#define CTFS_CHUNK_HEADER_LEN 16  /* csize u32, count u32, first index u64 */

/* meta.dat */
#define CTMD_MAGIC "CTMD"
#define CTMD_VERSION 3
#define CTMD_KNOWN_FLAGS 0x3FFFu  /* bits 14-15 are refused */

/* Split-binary tags (CTFS.md section 2.1.1). */
enum {
    SB_STEP = 0, SB_PATH = 1, SB_VARIABLE_NAME = 2, SB_VARIABLE = 3, SB_TYPE = 4, SB_VALUE = 5,
    SB_FUNCTION = 6, SB_CALL = 7, SB_RETURN = 8, SB_EVENT = 9, SB_ASM = 10,
    SB_BIND_VARIABLE = 11, SB_ASSIGNMENT = 12, SB_DROP_VARIABLES = 13, SB_COMPOUND_VALUE = 14,
    SB_CELL_VALUE = 15, SB_ASSIGN_COMPOUND_ITEM = 16, SB_ASSIGN_CELL = 17,
    SB_VARIABLE_CELL = 18, SB_DROP_VARIABLE = 19, SB_THREAD_START = 20, SB_THREAD_EXIT = 21,
    SB_THREAD_SWITCH = 22, SB_DROP_LAST_STEP = 23
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CTFS_LITTLE_ENDIAN 1 /* one store per field (a hot path: every event) */
#endif

static inline void ctfs_put_u32(unsigned char *p, uint32_t v)
{
#ifdef CTFS_LITTLE_ENDIAN
    memcpy(p, &v, 4);
#else
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
#endif
}

static inline void ctfs_put_u64(unsigned char *p, uint64_t v)
{
#ifdef CTFS_LITTLE_ENDIAN
    memcpy(p, &v, 8);
#else
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
#endif
}

static inline uint32_t ctfs_get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ctfs_get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Base40 member names: alphabet NUL 0-9 a-z . / -, first character least
 * significant. Returns 0 for a name that cannot be spelled. */
uint64_t ctfs_name_encode(const char *name);
/* Decodes into out (CTFS_NAME_MAX + 1 bytes), trailing NULs stripped. */
void ctfs_name_decode(uint64_t v, char out[CTFS_NAME_MAX + 1]);

/* usable^d: the logical blocks one pointer at depth d covers (d < 5, so it
 * fits: 511^4 < 2^36). */
static inline uint64_t ctfs_span(uint64_t usable, unsigned d)
{
    uint64_t span = 1;
    while (d--)
        span *= usable;
    return span ? span : 1;
}

/* Logical block li of a member in the multi-level mapping (CTFS.md 3.1):
 * its level (1..CTFS_MAX_LEVELS) and the index within that level's range;
 * false beyond the deepest level. usable = block_size / 8 - 1. */
bool ctfs_map_level(uint64_t li, uint64_t usable, unsigned *level, uint64_t *rem);

#endif
