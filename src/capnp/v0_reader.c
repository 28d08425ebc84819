/*
 * The v0 decoder: one packed Cap'n Proto message (FORMAT.md section 6).
 *
 * Pointers may lead anywhere in the message, so the message is unpacked
 * whole before the first event: into memory when it is small (16 MiB
 * unpacked by default), else into an unlinked temporary file that is then
 * mapped read-only. The mapping is backed by the file, not by the heap, so
 * the process's memory does not grow with the trace (pages already read
 * are released from time to time); runs of zero words become holes in the
 * file. Memory is only ever taken for data that has
 * actually been unpacked: the segment table's claims are checked against
 * the input as it arrives, never trusted ahead of it.
 *
 * Reading follows Cap'n Proto's rules: any segment layout, far and
 * double-far pointers, structs of other sizes than ours (missing fields read
 * as zero), null pointers as defaults. Every pointer and list is checked
 * against its segment; the words visited are counted against a traversal
 * limit (8x the message) and nesting against RT_MAX_DEPTH, so shared or
 * cyclic pointers cannot make reading explode or loop. Strings and BigInt
 * bytes point into the message (Text is NUL-terminated there).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capnp/capnp_layout.h"
#include "capnp/capnp_pack.h"
#include "capnp/v0.h"
#include "common/utf8.h"
#include "model/model.h"

#define IN_CHUNK (64u << 10)
#define OUT_WORDS 8192u
#define DEFAULT_MEMORY_BYTES ((size_t)16 << 20)
#define MAX_SEGMENTS 65536u
#define TRAVERSAL_FACTOR 8u
#define TRAVERSAL_SLACK 1024u
#define RELEASE_WORDS ((uint64_t)2 << 20) /* mapped words read between releases */

typedef struct segment {
    const unsigned char *p; /* first byte */
    uint64_t size;          /* words */
    uint64_t start;         /* word index in the message */
} segment;

/* A struct: data words at pos, pointers right after. */
typedef struct sref {
    uint32_t seg;
    uint64_t pos;
    uint32_t dw, pc;
} sref;

/* A list: elements from pos; struct lists step dw + pc words per element. */
typedef struct lref {
    uint32_t seg;
    uint64_t pos;
    uint32_t count;
    unsigned elem;
    uint32_t dw, pc;
} lref;

typedef struct v0_decoder {
    rt_decoder base;
    rt_decoder_env env;
    size_t memory_bytes;
    bool loaded;
    int status; /* sticky error */

    /* The unpacked message: in mem, or mapped from fd's file. */
    unsigned char *mem;
    size_t mem_cap;
    int fd;
    void *map;
    size_t map_len;
    uint64_t stored; /* words unpacked so far */

    segment *segs;
    uint32_t nseg;
    uint64_t budget; /* traversal words left */
    uint64_t released_at; /* budget when the mapping's pages were last released */
    lref events;
    uint64_t next;
} v0_decoder;

/* ---- errors --------------------------------------------------------------- */

static uint64_t event_index(const v0_decoder *d)
{
    return d->env.event_index ? *d->env.event_index : d->next;
}

/* An error inside the message, at word pos of segment s (through
 * rt_err_code, see common/error.h). */
static int fail_atf(v0_decoder *d, int code, uint32_t s, uint64_t pos, const char *fmt, ...)
    RT_PRINTF(5, 6);
#define fail_at(...) rt_err_code(fail_atf(__VA_ARGS__))
static int fail_atf(v0_decoder *d, int code, uint32_t s, uint64_t pos, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    uint64_t abs = (s < d->nseg ? d->segs[s].start : 0) + pos;
    return rt_err_set(d->env.err, code,
                      "%s: event %llu: v0: %s (segment %u word %llu, message byte %llu unpacked)",
                      d->env.src->name, (unsigned long long)event_index(d), what, s,
                      (unsigned long long)pos, (unsigned long long)(abs * 8));
}

/* An error while unpacking, at a byte offset of the file. */
static int fail_loadf(v0_decoder *d, int code, uint64_t offset, const char *fmt, ...)
    RT_PRINTF(4, 5);
#define fail_load(...) rt_err_code(fail_loadf(__VA_ARGS__))
static int fail_loadf(v0_decoder *d, int code, uint64_t offset, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return rt_err_set(d->env.err, code, "%s: event %llu: v0: %s (byte %llu)", d->env.src->name,
                      (unsigned long long)event_index(d), what, (unsigned long long)offset);
}

static int no_memory(v0_decoder *d)
{
    return rt_err_set(d->env.err, RT_ENOMEM, "%s: event %llu: v0: out of memory", d->env.src->name,
                      (unsigned long long)event_index(d));
}

/* ---- unpacking into the message store ------------------------------------ */

static int store_io_fail(v0_decoder *d, int err_no, const char *what)
{
    return rt_err_set(d->env.err, err_no == ENOSPC ? RT_ENOSPC : RT_EIO, "%s: v0: %s: %s",
                      d->env.src->name, what, strerror(err_no));
}

static int pwrite_all(v0_decoder *d, const void *p, size_t n, uint64_t off)
{
    const unsigned char *b = p;
    while (n) {
        ssize_t w = pwrite(d->fd, b, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return store_io_fail(d, w < 0 ? errno : EIO, "writing the temporary file");
        b += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return RT_OK;
}

/* Makes room in memory for `need` words; limit is the most ever needed. */
static int mem_reserve(v0_decoder *d, uint64_t need, uint64_t limit)
{
    if (need * 8 <= d->mem_cap)
        return RT_OK;
    uint64_t cap = d->mem_cap ? (uint64_t)d->mem_cap * 2 : 64 * 1024;
    if (cap > limit * 8)
        cap = limit * 8;
    if (cap < need * 8)
        cap = need * 8;
    if (cap > SIZE_MAX)
        return no_memory(d);
    unsigned char *p = rt_realloc(d->env.alloc, d->mem, d->mem_cap, (size_t)cap);
    if (!p)
        return no_memory(d);
    d->mem = p;
    d->mem_cap = (size_t)cap;
    return RT_OK;
}

/* Appends n words (or n zero words when w is NULL). */
static int store_put(v0_decoder *d, const uint64_t *w, uint64_t n, uint64_t limit)
{
    if (d->fd >= 0) {
        int rc = w ? pwrite_all(d, w, (size_t)n * 8, d->stored * 8) : RT_OK; /* zeros: a hole */
        if (rc)
            return rc;
    } else {
        int rc = mem_reserve(d, d->stored + n, limit);
        if (rc)
            return rc;
        if (w)
            memcpy(d->mem + d->stored * 8, w, (size_t)n * 8);
        else
            memset(d->mem + d->stored * 8, 0, (size_t)n * 8);
    }
    d->stored += n;
    return RT_OK;
}

/* Moves what was unpacked so far from memory to a temporary file. */
static int store_to_file(v0_decoder *d)
{
    d->fd = rt_v0_tmpfile();
    if (d->fd < 0)
        return store_io_fail(d, errno, "cannot create a temporary file (TMPDIR or /tmp)");
    int rc = pwrite_all(d, d->mem, (size_t)d->stored * 8, 0);
    rt_free(d->env.alloc, d->mem, d->mem_cap);
    d->mem = NULL;
    d->mem_cap = 0;
    return rc;
}

static uint32_t load_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads the segment sizes from the table (still in memory: the message
 * moves to a file only once the table is known); *total is the message's
 * size in words. */
static int parse_table(v0_decoder *d, uint64_t table_words, uint64_t *total)
{
    uint64_t sum = table_words;
    d->segs = rt_malloc(d->env.alloc, (size_t)d->nseg * sizeof *d->segs);
    if (!d->segs)
        return no_memory(d);
    for (uint32_t i = 0; i < d->nseg; i++) {
        uint64_t size = load_u32(d->mem + 4 + 4 * (size_t)i);
        d->segs[i].p = NULL;
        d->segs[i].size = size;
        d->segs[i].start = sum;
        sum += size;
    }
    *total = sum;
    return RT_OK;
}

static int unpack_message(v0_decoder *d, unsigned char *in, uint64_t *out)
{
    rt_source *src = d->env.src;
    rt_capnp_unpacker u = {0, 0};
    size_t in_pos = 0, in_len = 0, olen = 0; /* out[0..olen) not stored yet */
    bool eof = false, have_table = false;
    uint64_t limit = 1, table_words = 0; /* the first word gives the segment count */
    int rc;
    for (;;) {
        if (!eof && in_len - in_pos < IN_CHUNK / 2) {
            memmove(in, in + in_pos, in_len - in_pos);
            in_len -= in_pos;
            in_pos = 0;
            long n = rt_source_read(src, in + in_len, IN_CHUNK - in_len, d->env.err);
            if (n < 0)
                return (int)n;
            if (n == 0)
                eof = true;
            in_len += (size_t)n;
        }
        /* Unpack into out, up to the next point where the table must be
         * read (limit); short runs of zeros are written out, long ones
         * become holes of the temporary file. */
        uint64_t have = d->stored + olen;
        bool progress = false;
        if (u.zero_left && have < limit) {
            uint64_t k = u.zero_left < limit - have ? u.zero_left : limit - have;
            if (k <= OUT_WORDS - olen) {
                memset(out + olen, 0, (size_t)k * 8);
                olen += (size_t)k;
            } else {
                if ((rc = store_put(d, out, olen, limit)) || (rc = store_put(d, NULL, k, limit)))
                    return rc;
                olen = 0;
            }
            u.zero_left -= (size_t)k;
            progress = true;
        } else if (!u.zero_left && have < limit) {
            size_t room = OUT_WORDS - olen;
            if (room > limit - have)
                room = (size_t)(limit - have);
            size_t produced;
            size_t used = rt_capnp_unpack(&u, in + in_pos, in_len - in_pos, out + olen, room, &produced);
            in_pos += used;
            olen += produced;
            progress = used || produced;
        }
        if (olen && (olen == OUT_WORDS || d->stored + olen == limit || (!progress && eof))) {
            if ((rc = store_put(d, out, olen, limit)))
                return rc;
            olen = 0;
        }
        uint64_t here = src->offset - (in_len - in_pos);
        if (!have_table && limit == 1 && d->stored == 1) {
            uint64_t nseg = (uint64_t)load_u32(d->mem) + 1;
            if (nseg > MAX_SEGMENTS)
                return fail_load(d, RT_ELIMIT, here, "segment table claims %llu segments (at most %u)",
                                 (unsigned long long)nseg, MAX_SEGMENTS);
            d->nseg = (uint32_t)nseg;
            table_words = (nseg + 2) / 2;
            limit = table_words;
        }
        if (!have_table && table_words && d->stored == table_words) {
            uint64_t total = 0;
            if ((rc = parse_table(d, table_words, &total)))
                return rc;
            have_table = true;
            limit = total;
            if (total > SIZE_MAX / 8)
                return fail_load(d, RT_ELIMIT, here,
                                 "message of %llu words does not fit in the address space",
                                 (unsigned long long)total);
            if (total * 8 > d->memory_bytes && (rc = store_to_file(d)))
                return rc;
            continue;
        }
        if (have_table && d->stored == limit) {
            /* Complete: nothing may follow. */
            if (!eof && in_pos == in_len) {
                long n = rt_source_read(src, in, IN_CHUNK, d->env.err);
                if (n < 0)
                    return (int)n;
                in_pos = 0;
                in_len = (size_t)n;
            }
            if (u.zero_left || u.raw_left || in_pos < in_len)
                return fail_load(d, RT_EFORMAT, src->offset - (in_len - in_pos),
                                 "data after the end of the message (%llu words, as its segment "
                                 "table says)",
                                 (unsigned long long)limit);
            return RT_OK;
        }
        if (!progress && eof) {
            if (in_pos < in_len || u.raw_left)
                return fail_load(d, RT_ETRUNCATED, here,
                                 "packed data cut inside a word (%zu bytes left over)",
                                 in_len - in_pos);
            if (!have_table && d->stored == 0)
                return fail_load(d, RT_ETRUNCATED, here, "no message after the header");
            return fail_load(d, RT_ETRUNCATED, here,
                             "message cut after %llu of %llu words",
                             (unsigned long long)d->stored,
                             (unsigned long long)(have_table ? limit : table_words));
        }
    }
}

/* ---- pointers -------------------------------------------------------------- */

static inline uint64_t word_at(const v0_decoder *d, uint32_t s, uint64_t pos)
{
    return cp_load(d->segs[s].p + pos * 8);
}

static int charge(v0_decoder *d, uint64_t words, uint32_t s, uint64_t pos)
{
    if (words > d->budget)
        return fail_at(d, RT_ELIMIT, s, pos,
                       "traversal limit reached: pointers lead to the same data again and again");
    d->budget -= words;
    return RT_OK;
}

/* Follows the pointer at (s, at). Returns the pointer word that describes
 * the target (the landing pad's for far pointers; 0 for null) and where the
 * target starts. */
static int resolve(v0_decoder *d, uint32_t s, uint64_t at, uint64_t *ptr, uint32_t *ts,
                   uint64_t *target)
{
    uint64_t p = word_at(d, s, at);
    *ptr = p;
    *ts = s;
    if (p == 0)
        return RT_OK;
    if (cp_ptr_kind(p) == CP_FAR) {
        uint32_t fs = cp_far_segment(p), off = cp_far_offset(p);
        if (fs >= d->nseg)
            return fail_at(d, RT_EFORMAT, s, at, "far pointer to segment %u of %u", fs, d->nseg);
        if (!cp_far_double(p)) {
            if (off >= d->segs[fs].size)
                return fail_at(d, RT_EFORMAT, s, at, "far pointer's landing pad out of bounds");
            uint64_t pad = word_at(d, fs, off);
            if (cp_ptr_kind(pad) != CP_STRUCT && cp_ptr_kind(pad) != CP_LIST)
                return fail_at(d, RT_EFORMAT, fs, off,
                               "landing pad is not a struct or list pointer");
            *ptr = pad;
            *ts = fs;
            int64_t t = (int64_t)off + 1 + cp_ptr_offset(pad);
            if (t < 0)
                return fail_at(d, RT_EFORMAT, fs, off, "pointer before its segment's start");
            *target = (uint64_t)t;
            return RT_OK;
        }
        if ((uint64_t)off + 2 > d->segs[fs].size)
            return fail_at(d, RT_EFORMAT, s, at, "double-far landing pad out of bounds");
        uint64_t far = word_at(d, fs, off), tag = word_at(d, fs, off + 1);
        if (cp_ptr_kind(far) != CP_FAR || cp_far_double(far))
            return fail_at(d, RT_EFORMAT, fs, off,
                           "double-far landing pad does not start with a single far pointer");
        if (cp_far_segment(far) >= d->nseg)
            return fail_at(d, RT_EFORMAT, fs, off, "far pointer to segment %u of %u",
                           cp_far_segment(far), d->nseg);
        if (cp_ptr_kind(tag) != CP_STRUCT && cp_ptr_kind(tag) != CP_LIST)
            return fail_at(d, RT_EFORMAT, fs, off + 1,
                           "double-far landing pad tag is not a struct or list pointer");
        *ptr = tag;
        *ts = cp_far_segment(far);
        *target = cp_far_offset(far);
        return RT_OK;
    }
    if (cp_ptr_kind(p) == CP_OTHER)
        return fail_at(d, RT_EFORMAT, s, at, "capability pointer where data was expected");
    int64_t t = (int64_t)at + 1 + cp_ptr_offset(p);
    if (t < 0)
        return fail_at(d, RT_EFORMAT, s, at, "pointer before its segment's start");
    *target = (uint64_t)t;
    return RT_OK;
}

/* The struct behind the pointer at (s, at); a null pointer gives an empty
 * struct, whose fields all read as defaults. */
static int read_struct(v0_decoder *d, uint32_t s, uint64_t at, sref *out, const char *what)
{
    *out = (sref){s, 0, 0, 0}; /* also on error: clang's analyzer cannot tell rc != 0 */
    uint64_t p = 0, pos = 0; /* set by resolve; zeroed for clang's analyzer */
    uint32_t ts = 0;
    int rc = resolve(d, s, at, &p, &ts, &pos);
    if (rc)
        return rc;
    if (p == 0) {
        *out = (sref){s, 0, 0, 0};
        return RT_OK;
    }
    if (cp_ptr_kind(p) != CP_STRUCT)
        return fail_at(d, RT_EFORMAT, s, at, "%s: expected a struct pointer, found a list pointer",
                       what);
    uint32_t dw = cp_struct_dw(p), pc = cp_struct_pc(p);
    if (pos > d->segs[ts].size || dw + pc > d->segs[ts].size - pos)
        return fail_at(d, RT_EFORMAT, s, at, "%s: struct out of bounds of segment %u", what, ts);
    *out = (sref){ts, pos, dw, pc};
    return charge(d, dw + pc ? dw + pc : 1, s, at);
}

/* The list behind the pointer at (s, at); null is an empty list. */
static int read_list(v0_decoder *d, uint32_t s, uint64_t at, lref *out, const char *what)
{
    static const unsigned bits[8] = {0, 1, 8, 16, 32, 64, 64, 0};
    uint64_t p = 0, pos = 0; /* set by resolve; zeroed for clang's analyzer */
    uint32_t ts = 0;
    int rc = resolve(d, s, at, &p, &ts, &pos);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    out->seg = s;
    if (p == 0)
        return RT_OK;
    if (cp_ptr_kind(p) != CP_LIST)
        return fail_at(d, RT_EFORMAT, s, at, "%s: expected a list pointer, found a struct pointer",
                       what);
    uint64_t size = d->segs[ts].size;
    unsigned elem = cp_list_elem(p);
    uint32_t count = cp_list_count(p);
    if (pos > size)
        return fail_at(d, RT_EFORMAT, s, at, "%s: list out of bounds of segment %u", what, ts);
    if (elem == CP_ELEM_COMPOSITE) {
        uint64_t words = count;
        if (words + 1 > size - pos)
            return fail_at(d, RT_EFORMAT, s, at, "%s: list of %llu words out of bounds of segment %u",
                           what, (unsigned long long)words, ts);
        uint64_t tag = word_at(d, ts, pos);
        int64_t n = cp_ptr_offset(tag);
        if (cp_ptr_kind(tag) != CP_STRUCT || n < 0)
            return fail_at(d, RT_EFORMAT, ts, pos, "%s: bad inline-composite list tag", what);
        uint64_t per = (uint64_t)cp_struct_dw(tag) + cp_struct_pc(tag);
        if ((uint64_t)n * per > words)
            return fail_at(d, RT_EFORMAT, ts, pos,
                           "%s: %lld elements of %llu words overflow the list's %llu words", what,
                           (long long)n, (unsigned long long)per, (unsigned long long)words);
        *out = (lref){ts, pos + 1, (uint32_t)n, elem, cp_struct_dw(tag), cp_struct_pc(tag)};
        return charge(d, 1 + ((uint64_t)n > words ? (uint64_t)n : words), s, at);
    }
    uint64_t words = ((uint64_t)count * bits[elem] + 63) / 64;
    if (words > size - pos)
        return fail_at(d, RT_EFORMAT, s, at, "%s: list of %u elements out of bounds of segment %u",
                       what, count, ts);
    *out = (lref){ts, pos, count, elem, 0, 0};
    if (elem == CP_ELEM_8B)
        out->dw = 1; /* usable as a list of one-word structs */
    else if (elem == CP_ELEM_PTR)
        out->pc = 1;
    return charge(d, elem == CP_ELEM_VOID ? count : words ? words : 1, s, at);
}

/* ---- typed fields ------------------------------------------------------------ */

static inline uint64_t data_word(const v0_decoder *d, const sref *r, uint32_t i)
{
    return i < r->dw ? word_at(d, r->seg, r->pos + i) : 0;
}

static int field_struct(v0_decoder *d, const sref *r, uint32_t i, sref *out, const char *what)
{
    if (i >= r->pc) {
        *out = (sref){r->seg, 0, 0, 0};
        return RT_OK;
    }
    return read_struct(d, r->seg, r->pos + r->dw + i, out, what);
}

/* A list of structs (inline composite; also a list of words or pointers,
 * read as one-field structs, and Void). */
static int field_struct_list(v0_decoder *d, const sref *r, uint32_t i, lref *out, const char *what)
{
    if (i >= r->pc) {
        memset(out, 0, sizeof *out);
        return RT_OK;
    }
    uint64_t at = r->pos + r->dw + i;
    int rc = read_list(d, r->seg, at, out, what);
    if (rc == RT_OK && out->count &&
        !(out->elem == CP_ELEM_COMPOSITE || out->elem == CP_ELEM_8B ||
          out->elem == CP_ELEM_PTR || out->elem == CP_ELEM_VOID))
        return fail_at(d, RT_EFORMAT, r->seg, at, "%s: expected a list of structs", what);
    return rc;
}

static inline sref element(const lref *l, uint32_t i)
{
    return (sref){l->seg, l->pos + (uint64_t)i * (l->dw + l->pc), l->dw, l->pc};
}

/* Text (NUL-terminated byte list, valid UTF-8) or, with text false, Data. */
static int read_bytes(v0_decoder *d, uint32_t s, uint64_t at, bool text, rt_str *out,
                      const char *what)
{
    lref l;
    int rc = read_list(d, s, at, &l, what);
    if (rc)
        return rc;
    out->ptr = "";
    out->len = 0;
    if (l.count == 0 && l.elem != CP_ELEM_BYTE)
        return RT_OK; /* null */
    if (l.elem != CP_ELEM_BYTE)
        return fail_at(d, RT_EFORMAT, s, at, "%s: expected a byte list", what);
    const char *p = (const char *)d->segs[l.seg].p + l.pos * 8;
    size_t n = l.count;
    if (text) {
        if (n == 0 || p[n - 1] != '\0')
            return fail_at(d, RT_EFORMAT, s, at, "%s: Text without its NUL terminator", what);
        n--;
        if (!rt_utf8_valid(p, n))
            return fail_at(d, RT_EFORMAT, s, at, "%s: invalid UTF-8", what);
    }
    out->ptr = p;
    out->len = n;
    return RT_OK;
}

static int field_text(v0_decoder *d, const sref *r, uint32_t i, rt_str *out, const char *what)
{
    if (i >= r->pc) {
        *out = (rt_str){"", 0};
        return RT_OK;
    }
    return read_bytes(d, r->seg, r->pos + r->dw + i, true, out, what);
}

static int check_id(v0_decoder *d, const sref *r, int64_t v, const char *what)
{
    if (v < 0)
        return fail_at(d, RT_EFORMAT, r->seg, r->pos, "%s is negative (%lld)", what, (long long)v);
    return RT_OK;
}

/* An Int64 in a one-word struct ({i}, {l}, {p}) behind pointer i. */
static int field_i64(v0_decoder *d, const sref *r, uint32_t i, int64_t *out, const char *what)
{
    sref s;
    int rc = field_struct(d, r, i, &s, what);
    if (rc == RT_OK)
        *out = (int64_t)data_word(d, &s, 0);
    return rc;
}

/* An id: the same, never negative. */
static int field_id(v0_decoder *d, const sref *r, uint32_t i, uint64_t *out, const char *what)
{
    sref s;
    int rc = field_struct(d, r, i, &s, what);
    if (rc)
        return rc;
    int64_t v = (int64_t)data_word(d, &s, 0);
    if ((rc = check_id(d, &s, v, what)))
        return rc;
    *out = (uint64_t)v;
    return RT_OK;
}

/* count elements of size bytes in the event arena (count was charged to
 * the traversal limit already). */
static void *arena_array(v0_decoder *d, size_t count, size_t size)
{
    if (count > SIZE_MAX / size)
        return NULL;
    return rt_arena_alloc(d->env.event_arena, count * size);
}

static int id_list(v0_decoder *d, const sref *r, uint32_t i, const rt_variable_id **ids,
                   size_t *len)
{
    lref l;
    int rc = field_struct_list(d, r, i, &l, "variable id list");
    if (rc)
        return rc;
    *ids = NULL;
    *len = l.count;
    if (!l.count)
        return RT_OK;
    rt_variable_id *a = arena_array(d, l.count, sizeof *a);
    if (!a)
        return no_memory(d);
    for (uint32_t k = 0; k < l.count; k++) {
        sref e = element(&l, k);
        int64_t v = (int64_t)data_word(d, &e, 0);
        if ((rc = check_id(d, &e, v, "variable id")))
            return rc;
        a[k] = (uint64_t)v;
    }
    *ids = a;
    return RT_OK;
}

/* ---- values and events ------------------------------------------------------ */

static int read_value(v0_decoder *d, const sref *r, rt_value *v, int depth);

static int boxed_value(v0_decoder *d, const sref *r, uint32_t i, const rt_value **out, int depth)
{
    sref s;
    int rc = field_struct(d, r, i, &s, "value");
    if (rc)
        return rc;
    rt_value *box = rt_arena_alloc(d->env.event_arena, sizeof *box);
    if (!box)
        return no_memory(d);
    *out = box;
    return read_value(d, &s, box, depth);
}

static int value_list(v0_decoder *d, const sref *r, rt_value *v, int depth)
{
    lref l;
    int rc = field_struct_list(d, r, 0, &l, "value list");
    if (rc)
        return rc;
    v->u.list.items = NULL;
    v->u.list.len = l.count;
    if (!l.count)
        return RT_OK;
    rt_value *items = arena_array(d, l.count, sizeof *items);
    if (!items)
        return no_memory(d);
    for (uint32_t k = 0; k < l.count; k++) {
        sref e = element(&l, k);
        if ((rc = read_value(d, &e, &items[k], depth + 1)))
            return rc;
    }
    v->u.list.items = items;
    return RT_OK;
}

static int read_value(v0_decoder *d, const sref *r, rt_value *v, int depth)
{
    if (depth > RT_MAX_DEPTH)
        return fail_at(d, RT_ELIMIT, r->seg, r->pos, "value nested deeper than %d", RT_MAX_DEPTH);
    memset(v, 0, sizeof *v);
    unsigned tag = (unsigned)(data_word(d, r, CP_VALUE_TAG_WORD) & 0xFFFF);
    uint64_t w0 = data_word(d, r, 0);
    int rc;
    if (tag > RT_VALUE_BIGINT) /* v0 has no Char: it is written as Raw */
        return fail_at(d, RT_EFORMAT, r->seg, r->pos, "unknown ValueRecord tag %u", tag);
    v->kind = (rt_value_kind)tag;
    switch (v->kind) {
    case RT_VALUE_INT:
        v->u.i = (int64_t)w0;
        return field_id(d, r, 0, &v->type_id, "type id");
    case RT_VALUE_FLOAT:
        memcpy(&v->u.f, &w0, 8);
        return field_id(d, r, 0, &v->type_id, "type id");
    case RT_VALUE_BOOL:
        v->flag = w0 & 1;
        return field_id(d, r, 0, &v->type_id, "type id");
    case RT_VALUE_STRING:
    case RT_VALUE_RAW:
    case RT_VALUE_ERROR:
        if ((rc = field_text(d, r, 0, &v->u.text, rt_value_kind_name(v->kind))))
            return rc;
        return field_id(d, r, 1, &v->type_id, "type id");
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        v->flag = v->kind == RT_VALUE_SEQUENCE && (w0 & 1);
        if ((rc = value_list(d, r, v, depth)))
            return rc;
        return field_id(d, r, 1, &v->type_id, "type id");
    case RT_VALUE_VARIANT:
        if ((rc = field_text(d, r, 0, &v->u.variant.discriminator, "discriminator")) ||
            (rc = boxed_value(d, r, 1, &v->u.variant.contents, depth + 1)))
            return rc;
        return field_id(d, r, 2, &v->type_id, "type id");
    case RT_VALUE_REFERENCE:
        v->flag = w0 & 1;
        v->u.reference.address = data_word(d, r, 2);
        if ((rc = boxed_value(d, r, 0, &v->u.reference.dereferenced, depth + 1)))
            return rc;
        return field_id(d, r, 1, &v->type_id, "type id");
    case RT_VALUE_NONE:
        return field_id(d, r, 0, &v->type_id, "type id");
    case RT_VALUE_CELL:
        return field_i64(d, r, 0, &v->u.place, "place");
    case RT_VALUE_BIGINT: {
        rt_str b = {"", 0};
        v->flag = w0 & 1;
        if (r->pc > 0 && (rc = read_bytes(d, r->seg, r->pos + r->dw, false, &b, "BigInt")))
            return rc;
        v->u.bigint.bytes = (const uint8_t *)b.ptr;
        v->u.bigint.len = b.len;
        return field_id(d, r, 1, &v->type_id, "type id");
    }
    case RT_VALUE_CHAR:
        break; /* refused above */
    }
    return RT_OK;
}

/* FullValueRecord: variableId, value. */
static int full_value(v0_decoder *d, const sref *r, rt_full_value *fv)
{
    sref vs;
    int rc = field_id(d, r, 0, &fv->variable_id, "variable id");
    if (rc == RT_OK)
        rc = field_struct(d, r, 1, &vs, "value");
    return rc ? rc : read_value(d, &vs, &fv->value, 0);
}

static int read_type(v0_decoder *d, const sref *r, rt_type_record *t)
{
    unsigned kind = (unsigned)(data_word(d, r, 0) & 0xFFFF);
    if (kind >= RT_TYPE_KIND_COUNT)
        return fail_at(d, RT_EFORMAT, r->seg, r->pos, "unknown TypeKind %u", kind);
    t->kind = (rt_type_kind)kind;
    sref info;
    int rc = field_text(d, r, 0, &t->lang_type, "langType");
    if (rc == RT_OK)
        rc = field_struct(d, r, 1, &info, "specificInfo");
    if (rc)
        return rc;
    unsigned tag = (unsigned)(data_word(d, &info, 0) & 0xFFFF);
    switch (tag) {
    case CP_INFO_NONE:
        t->info_kind = RT_INFO_NONE;
        return RT_OK;
    case CP_INFO_POINTER:
        t->info_kind = RT_INFO_POINTER;
        return field_id(d, &info, 0, &t->info.dereference_type_id, "dereferenceTypeId");
    case CP_INFO_STRUCT: {
        lref l;
        t->info_kind = RT_INFO_STRUCT;
        if ((rc = field_struct_list(d, &info, 0, &l, "fields")))
            return rc;
        t->info.fields.items = NULL;
        t->info.fields.len = l.count;
        if (!l.count)
            return RT_OK;
        rt_field_type *f = arena_array(d, l.count, sizeof *f);
        if (!f)
            return no_memory(d);
        for (uint32_t k = 0; k < l.count; k++) {
            sref e = element(&l, k);
            if ((rc = field_text(d, &e, 0, &f[k].name, "field name")) ||
                (rc = field_id(d, &e, 1, &f[k].type_id, "type id")))
                return rc;
        }
        t->info.fields.items = f;
        return RT_OK;
    }
    }
    return fail_at(d, RT_EFORMAT, info.seg, info.pos, "unknown TypeSpecificInfo tag %u", tag);
}

static int read_event(v0_decoder *d, const sref *el, rt_event *ev)
{
    memset(ev, 0, sizeof *ev);
    unsigned tag = (unsigned)(data_word(d, el, 0) & 0xFFFF);
    if (tag >= RT_EVENT_KIND_COUNT)
        return fail_at(d, RT_EFORMAT, el->seg, el->pos, "unknown TraceLowLevelEvent tag %u", tag);
    ev->kind = (rt_event_kind)tag;
    sref r;
    int rc = RT_OK;
    /* Events whose payload is a list or Text, or nothing. */
    switch (ev->kind) {
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        return field_text(d, el, 0, &ev->u.name, "name");
    case RT_EVENT_ASM: {
        lref l;
        if (el->pc == 0)
            return RT_OK;
        uint64_t at = el->pos + el->dw;
        if ((rc = read_list(d, el->seg, at, &l, "asm")))
            return rc;
        if (l.count && l.elem != CP_ELEM_PTR)
            return fail_at(d, RT_EFORMAT, el->seg, at, "asm: expected a list of Text");
        ev->u.asm_lines.len = l.count;
        if (!l.count)
            return RT_OK;
        rt_str *lines = arena_array(d, l.count, sizeof *lines);
        if (!lines)
            return no_memory(d);
        for (uint32_t k = 0; k < l.count; k++)
            if ((rc = read_bytes(d, l.seg, l.pos + k, true, &lines[k], "asm line")))
                return rc;
        ev->u.asm_lines.items = lines;
        return RT_OK;
    }
    case RT_EVENT_DROP_VARIABLES:
        return id_list(d, el, 0, &ev->u.drop_variables.ids, &ev->u.drop_variables.len);
    case RT_EVENT_DROP_VARIABLE:
        return field_id(d, el, 0, &ev->u.drop_variable, "variable id");
    case RT_EVENT_DROP_LAST_STEP:
        return RT_OK;
    default:
        break;
    }
    /* The others: a struct. */
    if ((rc = field_struct(d, el, 0, &r, rt_event_kind_name(ev->kind))))
        return rc;
    switch (ev->kind) {
    case RT_EVENT_STEP:
        if ((rc = field_id(d, &r, 0, &ev->u.step.path_id, "path id")))
            return rc;
        return field_i64(d, &r, 1, &ev->u.step.line, "line");
    case RT_EVENT_PATH:
        return field_text(d, &r, 0, &ev->u.path, "path");
    case RT_EVENT_TYPE:
        return read_type(d, &r, &ev->u.type);
    case RT_EVENT_VALUE:
        return full_value(d, &r, &ev->u.value);
    case RT_EVENT_FUNCTION:
        if ((rc = field_id(d, &r, 0, &ev->u.function.path_id, "path id")) ||
            (rc = field_i64(d, &r, 1, &ev->u.function.line, "line")))
            return rc;
        return field_text(d, &r, 2, &ev->u.function.name, "function name");
    case RT_EVENT_CALL: {
        lref l;
        if ((rc = field_id(d, &r, 0, &ev->u.call.function_id, "function id")) ||
            (rc = field_struct_list(d, &r, 1, &l, "args")))
            return rc;
        ev->u.call.len = l.count;
        if (!l.count)
            return RT_OK;
        rt_full_value *args = arena_array(d, l.count, sizeof *args);
        if (!args)
            return no_memory(d);
        for (uint32_t k = 0; k < l.count; k++) {
            sref e = element(&l, k);
            if ((rc = full_value(d, &e, &args[k])))
                return rc;
        }
        ev->u.call.args = args;
        return RT_OK;
    }
    case RT_EVENT_RETURN: {
        sref vs;
        if ((rc = field_struct(d, &r, 0, &vs, "returnValue")))
            return rc;
        return read_value(d, &vs, &ev->u.return_value, 0);
    }
    case RT_EVENT_EVENT: {
        unsigned k = (unsigned)(data_word(d, &r, 0) & 0xFFFF);
        if (k >= RT_EVENT_LOG_KIND_COUNT)
            return fail_at(d, RT_EFORMAT, r.seg, r.pos, "unknown EventLogKind %u", k);
        ev->u.event.kind = cp_log_kind_from_v0(k);
        if ((rc = field_text(d, &r, 0, &ev->u.event.content, "content")))
            return rc;
        return field_text(d, &r, 1, &ev->u.event.metadata, "metadata");
    }
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
        if ((rc = field_id(d, &r, 0, &ev->u.bind.variable_id, "variable id")))
            return rc;
        return field_i64(d, &r, 1, &ev->u.bind.place, "place");
    case RT_EVENT_ASSIGNMENT: {
        unsigned pass_by = (unsigned)(data_word(d, &r, 0) & 0xFFFF);
        sref rv;
        if (pass_by > RT_PASS_BY_REFERENCE)
            return fail_at(d, RT_EFORMAT, r.seg, r.pos, "unknown PassBy %u", pass_by);
        ev->u.assignment.pass_by = (rt_pass_by)pass_by;
        if ((rc = field_id(d, &r, 0, &ev->u.assignment.to, "variable id")) ||
            (rc = field_struct(d, &r, 1, &rv, "from")))
            return rc;
        /* The 8-byte struct of 0.14 (tags 0, 1) or the 16-byte one of 0.19
         * (DIALECT-0.19.md section 2); missing words read as zero. */
        unsigned k = (unsigned)(data_word(d, &rv, 0) & 0xFFFF);
        rt_rvalue *from = &ev->u.assignment.from;
        switch (k) {
        case CP_RVALUE_SIMPLE:
            from->kind = RT_RVALUE_SIMPLE;
            return field_id(d, &rv, 0, &from->simple, "variable id");
        case CP_RVALUE_COMPOUND:
            from->kind = RT_RVALUE_COMPOUND;
            return id_list(d, &rv, 0, &from->ids, &from->len);
        case CP_RVALUE_LITERAL:
            from->kind = RT_RVALUE_LITERAL;
            return RT_OK;
        case CP_RVALUE_FIELD_ACCESS:
            from->kind = RT_RVALUE_FIELD_ACCESS;
            if ((rc = field_id(d, &rv, 0, &from->simple, "receiver")))
                return rc;
            return field_text(d, &rv, 1, &from->field, "field");
        case CP_RVALUE_INDEX_ACCESS:
            from->kind = RT_RVALUE_INDEX_ACCESS;
            from->index = (int64_t)data_word(d, &rv, 1);
            return field_id(d, &rv, 0, &from->simple, "receiver");
        case CP_RVALUE_FUNCTION_RETURN:
            from->kind = RT_RVALUE_FUNCTION_RETURN;
            from->call_key = (int64_t)data_word(d, &rv, 1);
            return RT_OK;
        default:
            return fail_at(d, RT_EFORMAT, rv.seg, rv.pos, "unknown RValue tag %u", k);
        }
    }
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL: {
        sref vs;
        if ((rc = field_i64(d, &r, 0, &ev->u.place_value.place, "place")) ||
            (rc = field_struct(d, &r, 1, &vs, "value")))
            return rc;
        return read_value(d, &vs, &ev->u.place_value.value, 0);
    }
    case RT_EVENT_ASSIGN_COMPOUND_ITEM: {
        int64_t index = (int64_t)data_word(d, &r, 0);
        if ((rc = check_id(d, &r, index, "index")))
            return rc;
        ev->u.assign_item.index = (uint64_t)index;
        if ((rc = field_i64(d, &r, 0, &ev->u.assign_item.place, "place")))
            return rc;
        return field_i64(d, &r, 1, &ev->u.assign_item.item_place, "itemPlace");
    }
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH: /* struct ThreadId { i @0 :UInt64 } */
        ev->u.thread_id = data_word(d, &r, 0);
        return RT_OK;
    default:
        break;
    }
    return RT_OK;
}

/* ---- the decoder ---------------------------------------------------------------- */

static int load(v0_decoder *d)
{
    unsigned char *in = rt_malloc(d->env.alloc, IN_CHUNK);
    uint64_t *out = rt_malloc(d->env.alloc, OUT_WORDS * 8);
    int rc = (in && out) ? unpack_message(d, in, out) : no_memory(d);
    rt_free(d->env.alloc, in, IN_CHUNK);
    rt_free(d->env.alloc, out, OUT_WORDS * 8);
    if (rc)
        return rc;
    const unsigned char *msg = d->mem;
    if (d->fd >= 0) {
        /* Trailing zero words are holes still to be made part of the file. */
        d->map_len = (size_t)d->stored * 8;
        if (ftruncate(d->fd, (off_t)d->map_len) != 0)
            return store_io_fail(d, errno, "sizing the temporary file");
        void *m = mmap(NULL, d->map_len, PROT_READ, MAP_PRIVATE, d->fd, 0);
        if (m == MAP_FAILED)
            return store_io_fail(d, errno, "mapping the temporary file");
        d->map = m;
        close(d->fd);
        d->fd = -1;
        msg = m;
    }
    for (uint32_t i = 0; i < d->nseg; i++)
        d->segs[i].p = msg + d->segs[i].start * 8;
    d->budget = d->stored * TRAVERSAL_FACTOR + TRAVERSAL_SLACK;
    d->released_at = d->budget;
    if (d->segs[0].size == 0)
        return fail_at(d, RT_EFORMAT, 0, 0, "segment 0 is empty: no root pointer");
    sref root;
    if ((rc = read_struct(d, 0, 0, &root, "Trace")))
        return rc;
    return field_struct_list(d, &root, 0, &d->events, "events");
}

static int v0_next(rt_decoder *dec, rt_event *out)
{
    v0_decoder *d = (v0_decoder *)dec;
    if (d->status)
        return d->status;
    if (!d->loaded) {
        int rc = load(d);
        if (rc)
            return d->status = rc;
        d->loaded = true;
    }
    if (d->next >= d->events.count)
        return RT_READ_END;
    sref el = element(&d->events, (uint32_t)d->next);
    int rc = read_event(d, &el, out);
    if (rc)
        return d->status = rc;
    d->next++;
    if (d->map && d->released_at - d->budget > RELEASE_WORDS) {
        /* Pages read so far leave the process (they stay in the page cache
         * and come back from the file if needed): resident memory stays
         * bounded however large the message. The event just returned
         * points into the mapping, which stays valid. */
        madvise(d->map, d->map_len, MADV_DONTNEED);
        d->released_at = d->budget;
    }
    return RT_READ_EVENT;
}

static void v0_destroy(rt_decoder *dec)
{
    v0_decoder *d = (v0_decoder *)dec;
    if (d->map)
        munmap(d->map, d->map_len);
    if (d->fd >= 0)
        close(d->fd);
    rt_free(d->env.alloc, d->mem, d->mem_cap);
    rt_free(d->env.alloc, d->segs, (size_t)d->nseg * sizeof *d->segs);
    rt_free(d->env.alloc, d, sizeof *d);
}

static const rt_decoder_ops v0_ops = {v0_next, v0_destroy};

int rt_v0_decoder_new_tuned(const rt_decoder_env *env, const rt_v0_decoder_tuning *tuning,
                            rt_decoder **out)
{
    v0_decoder *d = rt_malloc(env->alloc, sizeof *d);
    if (!d)
        return rt_err_set(env->err, RT_ENOMEM, "%s: v0: out of memory", env->src->name);
    memset(d, 0, sizeof *d);
    d->base.ops = &v0_ops;
    d->env = *env;
    d->fd = -1;
    d->memory_bytes = tuning && tuning->memory_bytes ? tuning->memory_bytes : DEFAULT_MEMORY_BYTES;
    *out = &d->base;
    return RT_OK;
}

int rt_v0_decoder_new(const rt_decoder_env *env, rt_decoder **out)
{
    return rt_v0_decoder_new_tuned(env, NULL, out);
}
