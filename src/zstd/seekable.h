/* Seekable zstd (FORMAT.md section 7): independent zstd frames, then one
 * skippable frame holding the seek table. This is the container half of v1;
 * the CBOR half lives in src/cbor, which includes this header (v1 = cbor +
 * zstd, the one dependency between format folders). rt_v1_inspect and the
 * repair tool use it as well. */
#ifndef RT_ZSTD_SEEKABLE_H
#define RT_ZSTD_SEEKABLE_H

#include "common/output.h"
#include "common/source.h"
#include "zstd/zstd_mem.h"
#include "zstd/zstream.h"

#define RT_ZSTD_FRAME_MAGIC 0xFD2FB528u
#define RT_SKIPPABLE_MAGIC_MIN 0x184D2A50u
#define RT_SKIPPABLE_MAGIC_MAX 0x184D2A5Fu
#define RT_SEEK_TABLE_MAGIC 0x184D2A5Eu
#define RT_SEEK_FOOTER_MAGIC 0x8F92EAB1u
#define RT_SEEK_FOOTER_LEN 9 /* u32 frame count, descriptor byte, u32 magic */
/* The frame count must keep the table's u32 size field (8n + 9) in range. */
#define RT_SEEK_MAX_FRAMES ((0xFFFFFFFFu - RT_SEEK_FOOTER_LEN) / 8u)
/* Largest uncompressed frame the writer makes: its compressed bound must
 * fit the table's u32 entries. */
#define RT_ZSTD_MAX_FRAME_SIZE ((size_t)1 << 30)
/* Largest window the reader accepts, and the writer uses: bounds the
 * decompressor's memory (16 MiB) whatever a frame header claims. Covers
 * levels 1-19 with any frame size (the reference's level-3, 2 MiB frames
 * use 2^21); only libzstd's --ultra levels would ask for more. */
#define RT_ZSTD_MAX_WINDOW_LOG 24

/* ---- writing ------------------------------------------------------------ */

/* Compresses a byte stream into independent zstd frames of frame_size
 * uncompressed bytes each (cut anywhere, like the reference; no checksum, no
 * content size), appended in order to an rt_output, and remembers their
 * sizes for the seek table. The compressing is zstream.c's (on a thread of
 * its own or in the caller's); this file owns it and does the framing. */
typedef struct rt_zwriter {
    rt_zstream zs;
    rt_output *out;
    size_t frame_size;
    size_t frame_in;       /* uncompressed bytes in the open frame */
    uint64_t frame_out;    /* compressed bytes of the open frame so far */
    uint64_t ended;        /* frames ended (handed on or not) */
    uint32_t *entries;     /* (compressed, decompressed) size per frame */
    size_t frames, cap;
    uint64_t compressed, decompressed; /* totals of the frames written */
    const rt_allocator *alloc;
    rt_err *err;
} rt_zwriter;

/* level: a zstd level (RT_EINVAL when out of libzstd's range); frame_size:
 * 1 .. RT_ZSTD_MAX_FRAME_SIZE; threaded: compress on a thread of the
 * writer's own, falling back to the caller's thread when none can start. */
int rt_zwriter_init(rt_zwriter *w, rt_output *out, int level, size_t frame_size, bool threaded,
                    const rt_allocator *alloc, rt_err *err);
/* Compresses src[0..n) into the open frame(s), closing each frame that
 * reaches frame_size. */
int rt_zwriter_write(rt_zwriter *w, const void *src, size_t n);
/* Closes the open frame, if any; with force, writes an empty frame when none
 * is open (the reference's empty stream is one empty frame). */
int rt_zwriter_end_frame(rt_zwriter *w, bool force);
/* Appends to the output what the thread has compressed; wait: all. */
int rt_zwriter_collect(rt_zwriter *w, bool wait);
/* Appends the seek-table skippable frame for the frames written so far
 * (rt_zwriter_collect with wait first). */
int rt_zwriter_seek_table(rt_zwriter *w);
void rt_zwriter_free(rt_zwriter *w);

/* ---- reading ------------------------------------------------------------ */

/* Return values of rt_zreader_read besides errors and RT_OK. */
#define RT_ZREAD_END 1     /* the seek table and then the end of the data */
#define RT_ZREAD_PENDING 2 /* follow mode: nothing more yet */

/* Walks a seekable-zstd stream from an rt_source, in bounded memory: every
 * zstd frame is decompressed as a stream, skippable frames are skipped, and
 * the one holding a valid seek table (RT_SEEK_TABLE_MAGIC) must be the last
 * thing in the file. The seek table is checked against the frames actually
 * read (count, and a hash of every (compressed, decompressed) size pair), so
 * no per-frame memory is kept. */
typedef struct rt_zreader {
    rt_source *src;
    rt_err *err;
    const rt_allocator *alloc;
    ZSTD_DCtx *dctx;
    unsigned char *in;
    size_t in_cap, in_pos, in_len;
    uint64_t in_off; /* file offset of in[0] */
    int state;
    int deferred; /* an error to report once the data before it is handed over */
    /* the frame being read */
    uint64_t frame_off, frame_c, frame_d;
    /* a skippable frame being skipped */
    uint32_t skip_magic, skip_size;
    uint64_t skip_done;
    unsigned char word[4];
    size_t word_len;
    uint64_t table_words;
    uint64_t hash8, hash12; /* entry hashes for 8- and 12-byte entries */
    unsigned char footer[RT_SEEK_FOOTER_LEN];
    /* what has been seen */
    uint64_t frames, compressed, decompressed;
    uint64_t frames_hash;   /* hash of the (c, d) pairs of the frames read */
    uint64_t complete_end;  /* file offset just past the last complete data frame */
    bool has_seek_table;    /* a valid seek table was found */
    bool table_consistent;  /* ... and it matches the frames */
} rt_zreader;

/* src is positioned where the first frame starts (after the v1 header). */
int rt_zreader_init(rt_zreader *z, rt_source *src, const rt_allocator *alloc, rt_err *err);
/* Decompresses up to cap bytes into out. Returns RT_OK with *produced > 0,
 * RT_ZREAD_END, RT_ZREAD_PENDING (follow mode, before the seek table), or
 * an error whose message gives the file offset (and not the source name):
 * RT_ETRUNCATED when the data ends before the seek table, RT_EFORMAT for a
 * corrupt frame, an unknown magic, an inconsistent seek table or bytes after
 * it, RT_EIO, RT_ENOMEM. After an error, do not call again. */
int rt_zreader_read(rt_zreader *z, unsigned char *out, size_t cap, size_t *produced);
/* File offset of the next byte the reader will look at. */
uint64_t rt_zreader_offset(const rt_zreader *z);
void rt_zreader_free(rt_zreader *z);

#endif
