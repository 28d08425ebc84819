/*
 * The v0 encoder: one packed Cap'n Proto message (FORMAT.md section 6),
 * written in bounded memory however many events there are.
 *
 * The event list's length is known only at the end, and the segment table
 * that opens the message needs every segment's size, so nothing of the
 * message can reach the file before finish. Layout:
 *
 *   segment 0:  root pointer, Trace, then the inline-composite event list,
 *               2 words per event (the union tag, and a far pointer);
 *   segment 1+: what the events point to. Each event's content starts with
 *               its landing pad (the struct or list pointer the far pointer
 *               lands on), followed by the event's structs, lists and text,
 *               children after parents. A new segment starts when the next
 *               event would not fit (2^32-1 words per segment, landing pads
 *               below 2^29 words).
 *
 * Both are packed as they are produced (packing is word by word, so pieces
 * concatenate into one valid packed stream) into a spool each: in memory up
 * to 512 KiB, then an unlinked temporary file. finish() writes the segment
 * table and segment 0's first three words, then copies the two spools to
 * the output. Memory: the spool buffers, 64 KiB of event entries, and the
 * content of the largest single event.
 *
 * An event's content never refers outside itself (all its pointers are
 * relative), so it can move to a new segment after it was built; only its
 * far pointer, written last, holds an absolute position.
 *
 * A v0 file is only readable once finished. Written by path, its spools
 * are named files beside it and flush() records a journal of what they
 * hold (v0_journal.h), so that rt_trace_repair can complete a recording
 * killed after a flush.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capnp/capnp_layout.h"
#include "capnp/capnp_pack.h"
#include "capnp/v0.h"
#include "capnp/v0_journal.h"
#include "common/binary_header.h"
#include "common/dialect.h"
#include "common/output.h"
#include "common/utf8.h"

#define EVENT_LIST_WORDS 8192u      /* segment-0 words packed per batch */
#define CONTENT_FLUSH_WORDS 16384u  /* pack the content buffer past this */
#define CONTENT_INITIAL_WORDS 8192u
#define DEFAULT_SPILL_BYTES (512u << 10)
#define COPY_CHUNK (1u << 20)
#define MAX_EVENTS ((uint64_t)CP_MAX_LIST / 2) /* 2 words each, one list */
#define MAX_SEGMENTS 65536u
#define ID_MAX ((uint64_t)INT64_MAX)

typedef struct spool {
    int fd;          /* -1 until the first spill */
    rt_buf packed;   /* packed bytes not in the file yet */
    uint64_t file_bytes;
} spool;

typedef struct v0_encoder {
    rt_encoder base;
    rt_output *out;
    rt_err *err;
    const rt_allocator *alloc;
    const rt_dialect_desc *dialect;
    int status; /* sticky I/O error */

    /* Content words not packed yet; cw[i] is word cbase + i of segment cseg
     * (cbase is negative after an event moved to a new segment while words
     * of the previous one were still buffered). */
    uint64_t *cw;
    size_t clen, ccap;
    int64_t cbase;
    uint32_t cseg;
    uint64_t *seg_sizes; /* sizes of content segments 1..cseg-1 */
    size_t seg_sizes_cap;

    /* Segment 0 event entries not packed yet (2 words each). */
    uint64_t *ew;
    size_t elen, ecap;
    uint64_t nevents;
    uint64_t keep_from; /* entries of events from this index on stay in ew (encoder.h) */

    spool s0, s1;
    uint64_t max_seg, max_far, max_events;
    size_t spill;
    char *path; /* the output's path (spools and journal beside it), or NULL */
} v0_encoder;

/* ---- spools ------------------------------------------------------------ */

static int io_fail(v0_encoder *e, int err_no, const char *what)
{
    e->status = err_no == ENOSPC ? RT_ENOSPC : RT_EIO;
    return rt_err_set(e->err, e->status, "v0 writer: %s: %s", what, strerror(err_no));
}

/* name = path + suffix; false when it does not fit. */

static int spool_spill(v0_encoder *e, spool *s)
{
    if (s->fd < 0) {
        char name[4096];
        if (e->path) {
            if (!rt_v0_side_name(name, sizeof name, e->path,
                           s == &e->s0 ? RT_V0_EVENTS_SUFFIX : RT_V0_CONTENT_SUFFIX))
                return rt_err_set(e->err, RT_EINVAL, "v0 writer: path too long");
            s->fd = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (s->fd < 0)
                return io_fail(e, errno, "cannot create the spool beside the file");
        } else if ((s->fd = rt_v0_tmpfile()) < 0) {
            return io_fail(e, errno, "cannot create a temporary file (TMPDIR or /tmp)");
        }
    }
    size_t off = 0;
    while (off < s->packed.len) {
        ssize_t w = write(s->fd, s->packed.data + off, s->packed.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return io_fail(e, w < 0 ? errno : EIO, "writing the temporary file");
        off += (size_t)w;
    }
    s->file_bytes += off;
    s->packed.len = 0;
    return RT_OK;
}

/* Packs n words onto the spool. */
static int spool_put(v0_encoder *e, spool *s, const uint64_t *w, size_t n)
{
    if (n == 0)
        return RT_OK;
    if (rt_buf_reserve(&s->packed, RT_CAPNP_PACK_BOUND(n)))
        return rt_err_set(e->err, RT_ENOMEM, "v0 writer: out of memory");
    s->packed.len += rt_capnp_pack(w, n, s->packed.data + s->packed.len);
    return s->packed.len >= e->spill ? spool_spill(e, s) : RT_OK;
}

/* Appends the spool's packed bytes to the output. */
static int spool_copy_out(v0_encoder *e, spool *s)
{
    rt_output *o = e->out;
    for (uint64_t off = 0; off < s->file_bytes;) {
        size_t n = s->file_bytes - off < COPY_CHUNK ? (size_t)(s->file_bytes - off) : COPY_CHUNK;
        if (rt_buf_reserve(&o->buf, n))
            return rt_err_set(e->err, RT_ENOMEM, "v0 writer: out of memory");
        ssize_t r = pread(s->fd, o->buf.data + o->buf.len, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return io_fail(e, r < 0 ? errno : EIO, "reading the temporary file back");
        o->buf.len += (size_t)r;
        off += (uint64_t)r;
        int rc = rt_output_maybe_drain(o);
        if (rc)
            return rc;
    }
    return rt_output_put(o, s->packed.data, s->packed.len);
}

static void spool_free(v0_encoder *e, spool *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    rt_buf_free(&s->packed);
    (void)e;
}

/* ---- building an event's content ---------------------------------------- */

static int grow(v0_encoder *e, size_t n)
{
    size_t cap = e->ccap;
    if (n > SIZE_MAX / 16 - e->clen)
        return rt_err_set(e->err, RT_ENOMEM, "v0 writer: event too large");
    while (cap - e->clen < n)
        cap *= 2;
    uint64_t *p = rt_realloc(e->alloc, e->cw, e->ccap * 8, cap * 8);
    if (!p)
        return rt_err_set(e->err, RT_ENOMEM, "v0 writer: out of memory");
    e->cw = p;
    e->ccap = cap;
    return RT_OK;
}

/* Takes n zeroed words at the end of the content; *at is their index. */
static inline int take(v0_encoder *e, size_t n, size_t *at)
{
    if (e->ccap - e->clen < n) {
        int rc = grow(e, n);
        if (rc)
            return rc;
    }
    *at = e->clen;
    memset(&e->cw[e->clen], 0, n * 8);
    e->clen += n;
    return RT_OK;
}

static inline void set_struct(v0_encoder *e, size_t ptr_at, size_t target, unsigned dw, unsigned pc)
{
    e->cw[ptr_at] = cp_le64(cp_struct_ptr((int64_t)(target - ptr_at - 1), dw, pc));
}

static inline void set_list(v0_encoder *e, size_t ptr_at, size_t target, unsigned elem,
                            uint32_t count)
{
    e->cw[ptr_at] = cp_le64(cp_list_ptr((int64_t)(target - ptr_at - 1), elem, count));
}

/* Allocates a struct of dw data words and pc pointers behind ptr_at. */
static inline int put_struct(v0_encoder *e, size_t ptr_at, unsigned dw, unsigned pc, size_t *at)
{
    int rc = take(e, dw + pc, at);
    if (rc == RT_OK)
        set_struct(e, ptr_at, *at, dw, pc);
    return rc;
}

static int range_error(v0_encoder *e, const char *what, uint64_t v)
{
    return rt_err_set(e->err, RT_ERANGE,
                      "v0 writer: event %llu: %s %llu is above 2^63-1 (v0 stores it as Int64)",
                      (unsigned long long)e->nevents, what, (unsigned long long)v);
}

/* A one-word struct {Int64} behind ptr_at: an id, a line, a place. */
static inline int put_word_struct(v0_encoder *e, size_t ptr_at, uint64_t v)
{
    if (e->ccap == e->clen) {
        int rc = grow(e, 1);
        if (rc)
            return rc;
    }
    size_t at = e->clen++;
    e->cw[at] = cp_le64(v);
    set_struct(e, ptr_at, at, 1, 0);
    return RT_OK;
}

/* An unsigned id or index (v0 stores it as Int64). */
static inline int put_id(v0_encoder *e, size_t ptr_at, uint64_t id, const char *what)
{
    if (id > ID_MAX)
        return range_error(e, what, id);
    return put_word_struct(e, ptr_at, id);
}

static inline int put_i64(v0_encoder *e, size_t ptr_at, int64_t v)
{
    return put_word_struct(e, ptr_at, (uint64_t)v);
}

static int list_limit(v0_encoder *e, const char *what, size_t n)
{
    return rt_err_set(e->err, RT_ELIMIT,
                      "v0 writer: event %llu: %s of %zu is longer than a Cap'n Proto list "
                      "can be (%u words or elements)",
                      (unsigned long long)e->nevents, what, n, (unsigned)CP_MAX_LIST);
}

/* Bytes behind ptr_at as List(UInt8); with_nul adds the Text terminator. */
static int put_bytes(v0_encoder *e, size_t ptr_at, const void *p, size_t len, bool with_nul)
{
    size_t count = len + (with_nul ? 1 : 0);
    if (len >= CP_MAX_LIST)
        return list_limit(e, with_nul ? "a string" : "a BigInt", len);
    size_t words = (count + 7) / 8, at;
    int rc = take(e, words, &at);
    if (rc)
        return rc;
    if (len)
        memcpy(&e->cw[at], p, len);
    set_list(e, ptr_at, at, CP_ELEM_BYTE, (uint32_t)count);
    return RT_OK;
}

static inline int put_text(v0_encoder *e, size_t ptr_at, rt_str s)
{
    return put_bytes(e, ptr_at, s.ptr, s.len, true);
}

/* An inline-composite list of n structs (dw, pc) behind ptr_at; *first is
 * the index of the first element. */
static int put_struct_list(v0_encoder *e, size_t ptr_at, size_t n, unsigned dw, unsigned pc,
                           const char *what, size_t *first)
{
    size_t per = dw + pc;
    if (n > CP_MAX_LIST / per)
        return list_limit(e, what, n);
    size_t tag;
    int rc = take(e, 1 + n * per, &tag);
    if (rc)
        return rc;
    e->cw[tag] = cp_le64(cp_struct_ptr((int64_t)n, dw, pc));
    set_list(e, ptr_at, tag, CP_ELEM_COMPOSITE, (uint32_t)(n * per));
    *first = tag + 1;
    return RT_OK;
}

/* List(VariableId) behind ptr_at. */
static int put_id_list(v0_encoder *e, size_t ptr_at, const rt_variable_id *ids, size_t n)
{
    size_t first;
    int rc = put_struct_list(e, ptr_at, n, 1, 0, "a variable id list", &first);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] > ID_MAX)
            return range_error(e, "variable id", ids[i]);
        e->cw[first + i] = cp_le64(ids[i]);
    }
    return RT_OK;
}

static int put_value_at(v0_encoder *e, size_t at, const rt_value *v);

static int put_value_ptr(v0_encoder *e, size_t ptr_at, const rt_value *v)
{
    size_t at;
    int rc;
    if (v->kind == RT_VALUE_INT || v->kind == RT_VALUE_FLOAT || v->kind == RT_VALUE_BOOL ||
        v->kind == RT_VALUE_NONE) {
        /* Scalars, the common case, in one go: ValueRecord, then TypeId. */
        uint64_t d0 = 0;
        if (v->type_id > ID_MAX)
            return range_error(e, "type id", v->type_id);
        if (e->ccap - e->clen < 7 && (rc = grow(e, 7)))
            return rc;
        if (v->kind == RT_VALUE_INT)
            d0 = (uint64_t)v->u.i;
        else if (v->kind == RT_VALUE_FLOAT)
            memcpy(&d0, &v->u.f, 8);
        else if (v->kind == RT_VALUE_BOOL)
            d0 = v->flag ? 1 : 0;
        at = e->clen;
        uint64_t *w = &e->cw[at];
        w[0] = cp_le64(d0);
        w[1] = cp_le64((uint64_t)v->kind);
        w[2] = 0;
        w[3] = cp_le64(cp_struct_ptr(2, 1, 0));
        w[4] = w[5] = 0;
        w[6] = cp_le64(v->type_id);
        e->clen += 7;
        set_struct(e, ptr_at, at, CP_VALUE_DW, CP_VALUE_PC);
        return RT_OK;
    }
    rc = put_struct(e, ptr_at, CP_VALUE_DW, CP_VALUE_PC, &at);
    return rc ? rc : put_value_at(e, at, v);
}

static int put_value_list(v0_encoder *e, size_t ptr_at, const rt_value *items, size_t n)
{
    size_t first;
    int rc = put_struct_list(e, ptr_at, n, CP_VALUE_DW, CP_VALUE_PC, "a value list", &first);
    for (size_t i = 0; rc == RT_OK && i < n; i++)
        rc = put_value_at(e, first + i * (CP_VALUE_DW + CP_VALUE_PC), &items[i]);
    return rc;
}

/* Fills the zeroed ValueRecord at cw[at]. */
static int put_value_at(v0_encoder *e, size_t at, const rt_value *v)
{
    const size_t p0 = at + CP_VALUE_DW, p1 = p0 + 1, p2 = p0 + 2;
    int rc;
    e->cw[at + CP_VALUE_TAG_WORD] = cp_le64((uint64_t)v->kind);
    switch (v->kind) {
    case RT_VALUE_INT:
        e->cw[at] = cp_le64((uint64_t)v->u.i);
        return put_id(e, p0, v->type_id, "type id");
    case RT_VALUE_FLOAT: {
        uint64_t bits;
        memcpy(&bits, &v->u.f, 8);
        e->cw[at] = cp_le64(bits);
        return put_id(e, p0, v->type_id, "type id");
    }
    case RT_VALUE_BOOL:
        e->cw[at] = cp_le64(v->flag ? 1 : 0);
        return put_id(e, p0, v->type_id, "type id");
    case RT_VALUE_STRING:
    case RT_VALUE_RAW:
    case RT_VALUE_ERROR:
        if ((rc = put_text(e, p0, v->u.text)))
            return rc;
        return put_id(e, p1, v->type_id, "type id");
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        if (v->kind == RT_VALUE_SEQUENCE)
            e->cw[at] = cp_le64(v->flag ? 1 : 0);
        if ((rc = put_value_list(e, p0, v->u.list.items, v->u.list.len)))
            return rc;
        return put_id(e, p1, v->type_id, "type id");
    case RT_VALUE_VARIANT:
        if ((rc = put_text(e, p0, v->u.variant.discriminator)))
            return rc;
        if ((rc = put_value_ptr(e, p1, v->u.variant.contents)))
            return rc;
        return put_id(e, p2, v->type_id, "type id");
    case RT_VALUE_REFERENCE:
        e->cw[at] = cp_le64(v->flag ? 1 : 0);
        e->cw[at + 2] = cp_le64(v->u.reference.address);
        if ((rc = put_value_ptr(e, p0, v->u.reference.dereferenced)))
            return rc;
        return put_id(e, p1, v->type_id, "type id");
    case RT_VALUE_NONE:
        return put_id(e, p0, v->type_id, "type id");
    case RT_VALUE_CELL:
        return put_i64(e, p0, v->u.place);
    case RT_VALUE_BIGINT:
        e->cw[at] = cp_le64(v->flag ? 1 : 0);
        if ((rc = put_bytes(e, p0, v->u.bigint.bytes, v->u.bigint.len, false)))
            return rc;
        return put_id(e, p1, v->type_id, "type id");
    case RT_VALUE_CHAR: { /* v0 has no Char: Raw{r}, as 0.19 writes it */
        char c[4];
        rt_str r = {c, rt_utf8_encode(v->u.ch, c)};
        e->cw[at + CP_VALUE_TAG_WORD] = cp_le64((uint64_t)RT_VALUE_RAW);
        if ((rc = put_text(e, p0, r)))
            return rc;
        return put_id(e, p1, v->type_id, "type id");
    }
    }
    return rt_err_set(e->err, RT_EINVAL, "v0 writer: unknown value kind %d", (int)v->kind);
}

/* FullValueRecord (0 data, 2 pointers) at cw[at]. */
static int put_full_value_at(v0_encoder *e, size_t at, const rt_full_value *fv)
{
    int rc = put_id(e, at, fv->variable_id, "variable id");
    return rc ? rc : put_value_ptr(e, at + 1, &fv->value);
}

static int put_type(v0_encoder *e, size_t pad, const rt_type_record *t)
{
    size_t r, info;
    int rc = put_struct(e, pad, 1, 2, &r); /* TypeRecord */
    if (rc)
        return rc;
    e->cw[r] = cp_le64((uint64_t)t->kind);
    if ((rc = put_text(e, r + 1, t->lang_type)) || (rc = put_struct(e, r + 2, 1, 1, &info)))
        return rc;
    switch (t->info_kind) {
    case RT_INFO_NONE:
        e->cw[info] = cp_le64(CP_INFO_NONE);
        return RT_OK;
    case RT_INFO_POINTER:
        e->cw[info] = cp_le64(CP_INFO_POINTER);
        return put_id(e, info + 1, t->info.dereference_type_id, "type id");
    case RT_INFO_STRUCT: {
        e->cw[info] = cp_le64(CP_INFO_STRUCT);
        size_t first, n = t->info.fields.len;
        if ((rc = put_struct_list(e, info + 1, n, 0, 2, "a field list", &first)))
            return rc;
        for (size_t i = 0; i < n; i++) {
            const rt_field_type *f = &t->info.fields.items[i];
            if ((rc = put_text(e, first + 2 * i, f->name)) ||
                (rc = put_id(e, first + 2 * i + 1, f->type_id, "type id")))
                return rc;
        }
        return RT_OK;
    }
    }
    return rt_err_set(e->err, RT_EINVAL, "v0 writer: unknown type info kind %d", (int)t->info_kind);
}

/* AssignmentRecord: pass_by, to, from. The RValue is the 16-byte struct of
 * DIALECT-0.19.md section 2 when the dialect has it, else the 8-byte one,
 * which holds only Simple and Compound. */
static int put_assignment(v0_encoder *e, size_t pad, const rt_event *ev)
{
    const rt_rvalue *from = &ev->u.assignment.from;
    bool wide = e->dialect->v0_wide_rvalue;
    size_t r, rv;
    int rc;
    if (!wide && from->kind != RT_RVALUE_SIMPLE && from->kind != RT_RVALUE_COMPOUND)
        return rt_err_set(e->err, RT_EUNSUPPORTED,
                          "v0 writer: event %llu: an Assignment from a %s RValue cannot be "
                          "stored in v0 of the 0.14 dialect (its RValue is Simple or Compound); "
                          "write the 0.19 dialect, or use JSON or v1",
                          (unsigned long long)e->nevents,
                          from->kind == RT_RVALUE_LITERAL           ? "Literal"
                          : from->kind == RT_RVALUE_FUNCTION_RETURN ? "FunctionReturn"
                          : from->kind == RT_RVALUE_INDEX_ACCESS    ? "IndexAccess"
                                                                    : "FieldAccess");
    if ((rc = put_struct(e, pad, 1, 2, &r)) ||
        (rc = put_id(e, r + 1, ev->u.assignment.to, "variable id")))
        return rc;
    e->cw[r] = cp_le64((uint64_t)ev->u.assignment.pass_by);
    if ((rc = put_struct(e, r + 2, wide ? 2 : 1, wide ? 2 : 1, &rv)))
        return rc;
    const size_t p0 = rv + (wide ? 2 : 1);
    switch (from->kind) {
    case RT_RVALUE_SIMPLE:
        e->cw[rv] = cp_le64(CP_RVALUE_SIMPLE);
        return put_id(e, p0, from->simple, "variable id");
    case RT_RVALUE_COMPOUND:
        e->cw[rv] = cp_le64(CP_RVALUE_COMPOUND);
        return put_id_list(e, p0, from->ids, from->len);
    case RT_RVALUE_LITERAL:
        e->cw[rv] = cp_le64(CP_RVALUE_LITERAL);
        return RT_OK;
    case RT_RVALUE_FIELD_ACCESS:
        e->cw[rv] = cp_le64(CP_RVALUE_FIELD_ACCESS);
        if ((rc = put_id(e, p0, from->simple, "variable id")))
            return rc;
        return put_text(e, p0 + 1, from->field);
    case RT_RVALUE_INDEX_ACCESS:
        e->cw[rv] = cp_le64(CP_RVALUE_INDEX_ACCESS);
        e->cw[rv + 1] = cp_le64((uint64_t)from->index);
        return put_id(e, p0, from->simple, "variable id");
    case RT_RVALUE_FUNCTION_RETURN:
        e->cw[rv] = cp_le64(CP_RVALUE_FUNCTION_RETURN);
        e->cw[rv + 1] = cp_le64((uint64_t)from->call_key);
        return RT_OK;
    }
    return rt_err_set(e->err, RT_EINVAL, "v0 writer: unknown rvalue kind %d", (int)from->kind);
}

/* Builds the content of every event but Step and DropLastStep behind the
 * landing pad cw[pad]. */
static int put_event(v0_encoder *e, size_t pad, const rt_event *ev)
{
    size_t r;
    int rc;
    switch (ev->kind) {
    case RT_EVENT_PATH: /* PathBuf */
        if ((rc = put_struct(e, pad, 0, 1, &r)))
            return rc;
        return put_text(e, r, ev->u.path);
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        return put_text(e, pad, ev->u.name);
    case RT_EVENT_TYPE:
        return put_type(e, pad, &ev->u.type);
    case RT_EVENT_VALUE:
        if ((rc = put_struct(e, pad, 0, 2, &r)))
            return rc;
        return put_full_value_at(e, r, &ev->u.value);
    case RT_EVENT_FUNCTION:
        if ((rc = put_struct(e, pad, 0, 3, &r)) ||
            (rc = put_id(e, r, ev->u.function.path_id, "path id")) ||
            (rc = put_i64(e, r + 1, ev->u.function.line)))
            return rc;
        return put_text(e, r + 2, ev->u.function.name);
    case RT_EVENT_CALL: {
        size_t first, n = ev->u.call.len;
        if ((rc = put_struct(e, pad, 0, 2, &r)) ||
            (rc = put_id(e, r, ev->u.call.function_id, "function id")) ||
            (rc = put_struct_list(e, r + 1, n, 0, 2, "an argument list", &first)))
            return rc;
        for (size_t i = 0; i < n; i++)
            if ((rc = put_full_value_at(e, first + 2 * i, &ev->u.call.args[i])))
                return rc;
        return RT_OK;
    }
    case RT_EVENT_RETURN:
        if ((rc = put_struct(e, pad, 0, 1, &r)))
            return rc;
        return put_value_ptr(e, r, &ev->u.return_value);
    case RT_EVENT_EVENT:
        if ((rc = put_struct(e, pad, 1, 2, &r)))
            return rc;
        e->cw[r] = cp_le64(cp_log_kind_to_v0(ev->u.event.kind));
        if ((rc = put_text(e, r + 1, ev->u.event.content)))
            return rc;
        return put_text(e, r + 2, ev->u.event.metadata);
    case RT_EVENT_ASM: {
        size_t n = ev->u.asm_lines.len;
        if (n > CP_MAX_LIST)
            return list_limit(e, "an Asm list", n);
        if ((rc = take(e, n, &r)))
            return rc;
        set_list(e, pad, r, CP_ELEM_PTR, (uint32_t)n);
        for (size_t i = 0; i < n; i++)
            if ((rc = put_text(e, r + i, ev->u.asm_lines.items[i])))
                return rc;
        return RT_OK;
    }
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
        if ((rc = put_struct(e, pad, 0, 2, &r)) ||
            (rc = put_id(e, r, ev->u.bind.variable_id, "variable id")))
            return rc;
        return put_i64(e, r + 1, ev->u.bind.place);
    case RT_EVENT_ASSIGNMENT:
        return put_assignment(e, pad, ev);
    case RT_EVENT_DROP_VARIABLES:
        return put_id_list(e, pad, ev->u.drop_variables.ids, ev->u.drop_variables.len);
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        if ((rc = put_struct(e, pad, 0, 2, &r)) || (rc = put_i64(e, r, ev->u.place_value.place)))
            return rc;
        return put_value_ptr(e, r + 1, &ev->u.place_value.value);
    case RT_EVENT_ASSIGN_COMPOUND_ITEM:
        if (ev->u.assign_item.index > ID_MAX)
            return range_error(e, "AssignCompoundItem index", ev->u.assign_item.index);
        if ((rc = put_struct(e, pad, 1, 2, &r)))
            return rc;
        e->cw[r] = cp_le64(ev->u.assign_item.index);
        if ((rc = put_i64(e, r + 1, ev->u.assign_item.place)))
            return rc;
        return put_i64(e, r + 2, ev->u.assign_item.item_place);
    case RT_EVENT_DROP_VARIABLE:
        return put_id(e, pad, ev->u.drop_variable, "variable id");
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH: /* struct ThreadId { i @0 :UInt64 } */
        if ((rc = put_struct(e, pad, 1, 0, &r)))
            return rc;
        e->cw[r] = cp_le64(ev->u.thread_id);
        return RT_OK;
    case RT_EVENT_STEP:
    case RT_EVENT_DROP_LAST_STEP:
        break;
    }
    return rt_err_set(e->err, RT_EINVAL, "v0 writer: unknown event kind %d", (int)ev->kind);
}

/* Chooses the segment of the event built at cw[ev0..clen) and returns the
 * far pointer to its landing pad. */
static int place_event(v0_encoder *e, size_t ev0, uint64_t *far)
{
    uint64_t words = e->clen - ev0;
    if (words > (uint64_t)CP_MAX_OFFSET || words > e->max_seg)
        return rt_err_set(e->err, RT_ELIMIT,
                          "v0 writer: event %llu needs %llu words, more than one v0 segment "
                          "can address",
                          (unsigned long long)e->nevents, (unsigned long long)words);
    uint64_t pad = (uint64_t)(e->cbase + (int64_t)ev0);
    if (pad > e->max_far || pad + words > e->max_seg) {
        if (e->cseg + 1 >= MAX_SEGMENTS)
            return rt_err_set(e->err, RT_ELIMIT, "v0 writer: more than %u segments",
                              MAX_SEGMENTS);
        if (e->cseg > e->seg_sizes_cap) {
            size_t cap = e->seg_sizes_cap ? e->seg_sizes_cap * 2 : 16;
            uint64_t *p = rt_realloc(e->alloc, e->seg_sizes, e->seg_sizes_cap * 8, cap * 8);
            if (!p)
                return rt_err_set(e->err, RT_ENOMEM, "v0 writer: out of memory");
            e->seg_sizes = p;
            e->seg_sizes_cap = cap;
        }
        e->seg_sizes[e->cseg - 1] = pad; /* the segment ends where this event starts */
        e->cseg++;
        e->cbase = -(int64_t)ev0;
        pad = 0;
    }
    *far = cp_le64(cp_far_ptr((uint32_t)pad, e->cseg));
    return RT_OK;
}

/* Packs the entries before the held tail; grows ew when all are held. */
static int pack_entries(v0_encoder *e)
{
    size_t keep = e->keep_from < e->nevents ? (size_t)(e->nevents - e->keep_from) * 2 : 0;
    size_t n = e->elen - keep;
    int rc = spool_put(e, &e->s0, e->ew, n);
    if (rc)
        return rc;
    memmove(e->ew, e->ew + n, keep * 8);
    e->elen = keep;
    if (e->elen == e->ecap) {
        uint64_t *p = rt_realloc(e->alloc, e->ew, e->ecap * 8, e->ecap * 16);
        if (!p)
            return rt_err_set(e->err, RT_ENOMEM, "v0 writer: out of memory");
        e->ew = p;
        e->ecap *= 2;
    }
    return RT_OK;
}

/* Packs what is pending; only between events. */
static int flush_content(v0_encoder *e)
{
    int rc = spool_put(e, &e->s1, e->cw, e->clen);
    if (rc == RT_OK) {
        e->cbase += (int64_t)e->clen;
        e->clen = 0;
    }
    return rc;
}

static int v0_write(rt_encoder *enc, const rt_event *ev)
{
    v0_encoder *e = (v0_encoder *)enc;
    int rc;
    if (e->status)
        return e->status;
    if (e->nevents >= e->max_events)
        return rt_err_set(e->err, RT_ELIMIT,
                          "v0 writer: a v0 trace holds at most %llu events (one Cap'n Proto "
                          "list); use v1 for longer recordings",
                          (unsigned long long)e->max_events);
    /* Pack full buffers first, so that a failure leaves nothing half done. */
    if (e->elen == e->ecap && (rc = pack_entries(e)))
        return rc;
    if (e->clen >= CONTENT_FLUSH_WORDS && (rc = flush_content(e)))
        return rc;

    size_t ev0 = e->clen;
    uint64_t far = 0;
    if (ev->kind == RT_EVENT_STEP) {
        /* The common case, written in one go: pad, StepRecord, PathId, Line. */
        if (ev->u.step.path_id > ID_MAX)
            return range_error(e, "path id", ev->u.step.path_id);
        if (e->ccap - e->clen < 5 && (rc = grow(e, 5)))
            return rc;
        uint64_t *w = &e->cw[e->clen];
        w[0] = cp_le64(cp_struct_ptr(0, 0, 2));
        w[1] = cp_le64(cp_struct_ptr(1, 1, 0));
        w[2] = cp_le64(cp_struct_ptr(1, 1, 0));
        w[3] = cp_le64(ev->u.step.path_id);
        w[4] = cp_le64((uint64_t)ev->u.step.line);
        e->clen += 5;
        rc = place_event(e, ev0, &far);
    } else if (ev->kind != RT_EVENT_DROP_LAST_STEP) {
        size_t pad;
        rc = take(e, 1, &pad);
        if (rc == RT_OK)
            rc = put_event(e, pad, ev);
        if (rc == RT_OK)
            rc = place_event(e, ev0, &far);
    } else {
        rc = RT_OK;
    }
    if (rc) {
        e->clen = ev0; /* never leave half an event behind */
        return rc;
    }
    e->ew[e->elen++] = cp_le64((uint64_t)ev->kind);
    e->ew[e->elen++] = far;
    e->nevents++;
    return RT_OK;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void put_u64(unsigned char *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

/* Packs what is pending of both spools, so that they hold every event but
 * a held tail's. */
static int pack_pending(v0_encoder *e)
{
    int rc = flush_content(e);
    return rc ? rc : pack_entries(e);
}

/* Appends the packed message head of the first nevents events to head. */
static int build_head(v0_encoder *e, uint64_t nevents, rt_buf *head)
{
    /* Segment table: count-1, then each size, as u32, padded to a word. */
    uint64_t last = (uint64_t)e->cbase;
    uint32_t content_segs = (e->cseg == 1 && last == 0) ? 0 : e->cseg;
    uint32_t nseg = 1 + content_segs;
    size_t table_words = (nseg + 2) / 2;
    size_t head_words = table_words + 3;
    size_t at = head->len;
    if (rt_buf_reserve(head, head_words * 8 + RT_CAPNP_PACK_BOUND(head_words)))
        return rt_err_set(e->err, RT_ENOMEM, "v0 writer: out of memory");
    unsigned char *t = head->data + at;
    memset(t, 0, head_words * 8);
    put_u32(t, nseg - 1);
    put_u32(t + 4, (uint32_t)(3 + 2 * nevents));
    for (uint32_t i = 1; i <= content_segs; i++)
        put_u32(t + 4 + 4 * i, (uint32_t)(i < e->cseg ? e->seg_sizes[i - 1] : last));
    /* Segment 0: root pointer to Trace, Trace's list pointer, list tag. */
    uint64_t w[3] = {
        cp_le64(cp_struct_ptr(0, 0, 1)),
        cp_le64(cp_list_ptr(0, CP_ELEM_COMPOSITE, (uint32_t)(2 * nevents))),
        cp_le64(cp_struct_ptr((int64_t)nevents, CP_EVENT_DW, CP_EVENT_PC)),
    };
    memcpy(t + table_words * 8, w, sizeof w);
    /* Pack from the words just built into the space behind them, then
     * move the packed bytes to where the words were. */
    uint64_t *words = (uint64_t *)(void *)t;
    size_t n = rt_capnp_pack(words, head_words, t + head_words * 8);
    memmove(t, t + head_words * 8, n);
    head->len = at + n;
    return RT_OK;
}

/* Removes the spools and the journal beside the file (finish: not needed). */
static void remove_side_files(v0_encoder *e)
{
    static const char *const suffixes[] = {RT_V0_JOURNAL_SUFFIX, RT_V0_EVENTS_SUFFIX,
                                           RT_V0_CONTENT_SUFFIX};
    char name[4096];
    for (size_t i = 0; e->path && i < 3; i++)
        if (rt_v0_side_name(name, sizeof name, e->path, suffixes[i]))
            unlink(name);
}

/* Spools on disk, then a new journal in place of the old one (rename). */
static int v0_flush(rt_encoder *enc)
{
    v0_encoder *e = (v0_encoder *)enc;
    int rc;
    if (e->status || !e->path)
        return e->status;
    if ((rc = pack_pending(e)) || (rc = spool_spill(e, &e->s0)) || (rc = spool_spill(e, &e->s1)))
        return rc;
    rt_buf j;
    rt_buf_init(&j, e->alloc);
    if (rt_buf_reserve(&j, RT_V0_JOURNAL_FIXED)) {
        rt_buf_free(&j);
        return rt_err_set(e->err, RT_ENOMEM, "v0 writer: out of memory");
    }
    j.len = RT_V0_JOURNAL_FIXED;
    uint64_t packed = e->nevents - e->elen / 2; /* all but a held tail */
    if ((rc = build_head(e, packed, &j))) {
        rt_buf_free(&j);
        return rc;
    }
    memcpy(j.data, RT_V0_JOURNAL_MAGIC, RT_V0_JOURNAL_MAGIC_LEN);
    put_u64(j.data + 8, packed);
    put_u64(j.data + 16, e->s0.file_bytes);
    put_u64(j.data + 24, e->s1.file_bytes);
    put_u64(j.data + 32, j.len - RT_V0_JOURNAL_FIXED);
    char name[4096], tmp[4100];
    int fd = -1;
    if (!rt_v0_side_name(name, sizeof name, e->path, RT_V0_JOURNAL_SUFFIX) ||
        !rt_v0_side_name(tmp, sizeof tmp, name, ".tmp")) {
        rc = rt_err_set(e->err, RT_EINVAL, "v0 writer: path too long");
    } else if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        rc = io_fail(e, errno, "cannot create the journal beside the file");
    } else {
        size_t off = 0;
        while (off < j.len && rc == RT_OK) {
            ssize_t w = write(fd, j.data + off, j.len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                rc = io_fail(e, w < 0 ? errno : EIO, "writing the journal");
            else
                off += (size_t)w;
        }
        if (close(fd) != 0 && rc == RT_OK)
            rc = io_fail(e, errno, "writing the journal");
        if (rc == RT_OK && rename(tmp, name) != 0)
            rc = io_fail(e, errno, "replacing the journal");
    }
    rt_buf_free(&j);
    return rc;
}

static int v0_finish(rt_encoder *enc)
{
    v0_encoder *e = (v0_encoder *)enc;
    int rc;
    if (e->status)
        return e->status;
    if ((rc = pack_pending(e)))
        return rc;
    rt_buf head;
    rt_buf_init(&head, e->alloc);
    rc = build_head(e, e->nevents, &head);
    if (rc == RT_OK)
        rc = rt_output_put(e->out, head.data, head.len);
    rt_buf_free(&head);
    if (rc == RT_OK)
        rc = spool_copy_out(e, &e->s0);
    if (rc == RT_OK)
        rc = spool_copy_out(e, &e->s1);
    if (rc == RT_OK)
        rc = rt_output_drain(e->out);
    spool_free(e, &e->s0);
    spool_free(e, &e->s1);
    if (rc == RT_OK)
        remove_side_files(e);
    return rc;
}

static void v0_destroy(rt_encoder *enc)
{
    v0_encoder *e = (v0_encoder *)enc;
    spool_free(e, &e->s0);
    spool_free(e, &e->s1);
    rt_free(e->alloc, e->cw, e->ccap * 8);
    rt_free(e->alloc, e->ew, e->ecap * 8);
    rt_free(e->alloc, e->seg_sizes, e->seg_sizes_cap * 8);
    if (e->path)
        rt_free(e->alloc, e->path, strlen(e->path) + 1);
    rt_free(e->alloc, e, sizeof *e);
}

/* Positions are event indexes. A cut event's content stays in its segment,
 * unreachable, which a Cap'n Proto message may hold. */
static uint64_t v0_position(const rt_encoder *enc)
{
    return ((const v0_encoder *)enc)->nevents;
}

static void v0_hold(rt_encoder *enc, uint64_t from)
{
    ((v0_encoder *)enc)->keep_from = from;
}

static void v0_cut(rt_encoder *enc, uint64_t from, uint64_t to, uint64_t nevents)
{
    (void)nevents;
    v0_encoder *e = (v0_encoder *)enc;
    uint64_t first = e->nevents - e->elen / 2; /* event index of ew[0] */
    size_t at = (size_t)(from - first) * 2, n = (size_t)(to - from) * 2;
    memmove(e->ew + at, e->ew + at + n, (e->elen - at - n) * 8);
    e->elen -= n;
    e->nevents -= to - from;
}

static const rt_encoder_ops v0_ops = {v0_write,    v0_flush, v0_finish, v0_destroy,
                                      v0_position, v0_hold,  v0_cut};

int rt_v0_encoder_new_tuned(const rt_encoder_env *env, const rt_v0_encoder_tuning *tuning,
                            rt_encoder **out)
{
    v0_encoder *e = rt_malloc(env->alloc, sizeof *e);
    if (!e)
        return rt_err_set(env->err, RT_ENOMEM, "v0 writer: out of memory");
    memset(e, 0, sizeof *e);
    e->base.ops = &v0_ops;
    e->base.pos_buf = NULL; /* positions are event indexes */
    e->out = env->out;
    e->err = env->err;
    e->alloc = env->alloc;
    e->dialect = rt_dialect_get(env->opts->dialect);
    /* opened by path (not an fd, not a write function): spools beside it */
    if (env->out->own_fd && !env->out->write_fn &&
        !(e->path = rt_strndup(env->alloc, env->out->name, strlen(env->out->name)))) {
        rt_free(env->alloc, e, sizeof *e);
        return rt_err_set(env->err, RT_ENOMEM, "v0 writer: out of memory");
    }
    e->cseg = 1;
    e->s0.fd = e->s1.fd = -1;
    rt_buf_init(&e->s0.packed, env->alloc);
    rt_buf_init(&e->s1.packed, env->alloc);
    e->max_seg = CP_MAX_SEGMENT_WORDS;
    e->max_events = MAX_EVENTS;
    e->spill = DEFAULT_SPILL_BYTES;
    if (tuning) {
        if (tuning->max_segment_words && tuning->max_segment_words < e->max_seg)
            e->max_seg = tuning->max_segment_words;
        if (tuning->max_events && tuning->max_events < e->max_events)
            e->max_events = tuning->max_events;
        if (tuning->spill_bytes)
            e->spill = tuning->spill_bytes;
    }
    e->max_far = e->max_seg - 1 < CP_MAX_FAR_OFFSET ? e->max_seg - 1 : CP_MAX_FAR_OFFSET;
    e->ccap = CONTENT_INITIAL_WORDS;
    e->cw = rt_malloc(env->alloc, e->ccap * 8);
    e->ew = rt_malloc(env->alloc, EVENT_LIST_WORDS * 8);
    e->ecap = EVENT_LIST_WORDS;
    e->keep_from = RT_HOLD_NONE;
    static const unsigned char header[RT_BINARY_HEADER_LEN] = {0xC0, 0xDE, 0x72, 0xAC, 0xE2,
                                                               RT_BINARY_VERSION_V0, 0, 0};
    int rc = (!e->cw || !e->ew) ? rt_err_set(env->err, RT_ENOMEM, "v0 writer: out of memory")
                                : rt_output_put(e->out, header, sizeof header);
    if (rc) {
        if (!e->cw)
            e->ccap = 0;
        v0_destroy(&e->base);
        return rc;
    }
    *out = &e->base;
    return RT_OK;
}

int rt_v0_encoder_new(const rt_encoder_env *env, rt_encoder **out)
{
    return rt_v0_encoder_new_tuned(env, NULL, out);
}
