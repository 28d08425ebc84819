/* Reading a CTFS container as the debugger does (CTFS.md section 3.1):
 * magic, version 2-4, block size 1024/2048/4096, min(max_root_entries,
 * what fits) entries, base40 names, the multi-level mapping, every block
 * inside the file's whole blocks. Members are read by offset, a block at a
 * time, with the current leaf mapping block cached: memory stays one block
 * and the entry table, whatever the file size. */
#ifndef RT_CTFS_CTFS_RCONTAINER_H
#define RT_CTFS_CTFS_RCONTAINER_H

#include "common/alloc.h"
#include "common/error.h"
#include "ctfs/ctfs_layout.h"

/* Members kept from the root directory at most (a larger directory is
 * RT_ELIMIT): the debugger's files have 3 to 31. */
#define CTFS_MAX_MEMBERS 4096

typedef struct ctfs_entry {
    uint64_t size, map, name;
    unsigned slot;
} ctfs_entry;

typedef struct ctfs_rfile {
    int fd;                   /* -1: mem */
    const unsigned char *mem;
    uint64_t len;             /* file bytes */
    uint32_t block_size;
    unsigned version;
    uint32_t max_entries;
    ctfs_entry *entries;      /* present members (name != 0), in slot order */
    size_t nentries;
    const rt_allocator *alloc;
    rt_err *err;
    const char *name;
    /* the cached leaf mapping block */
    unsigned char *leaf;
    uint64_t leaf_key;        /* (level, leaf index) + 1 of the cache; 0: empty */
    uint64_t leaf_map;        /* whose member's root */
} ctfs_rfile;

/* Parses the header and the root directory of the file at fd (or of mem
 * when fd < 0). RT_EFORMAT with a message saying which rule failed,
 * RT_ETRUNCATED for a file shorter than its header, RT_EIO, RT_ENOMEM. */
int ctfs_rfile_open(ctfs_rfile *f, int fd, const unsigned char *mem, size_t mem_len,
                    const char *name, const rt_allocator *alloc, rt_err *err);
void ctfs_rfile_close(ctfs_rfile *f);
/* The member named name, or NULL. */
const ctfs_entry *ctfs_rfile_find(const ctfs_rfile *f, const char *name);
/* Reads n bytes of member e from offset off (off + n <= e->size). */
int ctfs_rfile_read(ctfs_rfile *f, const ctfs_entry *e, uint64_t off, void *buf, size_t n);
/* Reads a whole member of at most max bytes into a new buffer (*out, freed
 * with rt_free(alloc, *out, e->size)). RT_ELIMIT beyond max. */
int ctfs_rfile_read_all(ctfs_rfile *f, const ctfs_entry *e, size_t max, unsigned char **out);

#endif
