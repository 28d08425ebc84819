/* Writing a CTFS container in place, member by member, so that a reader
 * (and a crash) always finds a consistent file: a member's bytes reach
 * their blocks before its entry's size grows to cover them, every block is
 * written whole (the file is always a whole number of blocks), and a
 * member's entry is a single 24-byte write. Blocks are 4096 bytes, the root
 * holds 31 entries, and each member has its own mapping block, chained into
 * the multi-level scheme of CTFS.md section 3.1 as it grows. */
#ifndef RT_CTFS_CTFS_WCONTAINER_H
#define RT_CTFS_CTFS_WCONTAINER_H

#include "common/error.h"
#include "ctfs/ctfs_layout.h"

typedef struct ctfs_wfile {
    int fd;
    uint64_t next_block; /* first block not yet allocated */
    unsigned entries;    /* root entries in use */
    rt_err *err;
    const char *name;
} ctfs_wfile;

typedef struct ctfs_wmember {
    ctfs_wfile *f;
    unsigned slot;
    uint64_t name;
    uint64_t size;    /* bytes appended */
    uint64_t blocks;  /* logical data blocks allocated */
    uint64_t root;    /* the mapping block of the entry */
    uint64_t head[CTFS_MAX_LEVELS + 1];   /* head[L]: the level-L mapping block, 0 until used */
    uint64_t sub[CTFS_MAX_LEVELS];        /* sub[d]: current sub-block at depth d */
    uint64_t sub_idx[CTFS_MAX_LEVELS];    /* its index in its parent */
    unsigned sub_level;                   /* the level sub[] belongs to */
    uint64_t tail_block;                  /* physical block of the last, partial block */
    size_t tail_len;
    unsigned char tail[CTFS_BLOCK];
} ctfs_wmember;

/* Writes block 0 (header, 31 empty entries) to fd, which must be a regular
 * file opened for writing, and truncates it to that block. */
int ctfs_wfile_init(ctfs_wfile *f, int fd, const char *name, rt_err *err);
/* Adds a member in the next root slot, with its mapping block. */
int ctfs_wmember_open(ctfs_wmember *m, ctfs_wfile *f, const char *name);
/* Appends bytes; full blocks are written at once, the tail at commit. */
int ctfs_wmember_append(ctfs_wmember *m, const void *data, size_t n);
/* Writes the tail block and then the entry: every appended byte becomes
 * visible to a reader. */
int ctfs_wmember_commit(ctfs_wmember *m);
/* Points slot `m` at a member written afresh into new blocks (the old
 * blocks are left unused): what meta.dat needs when it changes at the end. */
int ctfs_wmember_replace(ctfs_wmember *m, const void *data, size_t n);

#endif
