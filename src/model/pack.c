/* The packed event form of pack.h: encoding with one capacity check per
 * event (its worst case is computed first), decoding without checks (the
 * bytes are our own). */
#include <stdint.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "model/pack.h"

struct rt_pack_chunk {
    rt_pack_chunk *next;
    size_t size; /* bytes of data */
    size_t used; /* bytes of data holding events */
    unsigned char data[];
};

#define FIRST_CHUNK ((size_t)64 * 1024)
/* Chunks grow to 16 MiB: 7/8 of such a chunk (its 2 MiB-aligned interior)
 * can be huge pages. */
#define MAX_CHUNK ((size_t)16 * 1024 * 1024)
#define FIXED 48 /* kind byte, three varints, two small enums */
#define TOO_BIG ((size_t)1 << 62)

void rt_pack_init(rt_pack *pk, const rt_allocator *alloc)
{
    memset(pk, 0, sizeof *pk);
    pk->next_size = FIRST_CHUNK;
    pk->alloc = rt_alloc_or_default(alloc);
}

void rt_pack_free(rt_pack *pk)
{
    rt_free(pk->alloc, pk->values, pk->nvalues * sizeof *pk->values);
    rt_pack_chunk *c = pk->first;
    while (c) {
        rt_pack_chunk *next = c->next;
        rt_free(pk->alloc, c, sizeof *c + c->size);
        c = next;
    }
    rt_pack_init(pk, pk->alloc);
}

/* ---- worst-case sizes --------------------------------------------------- */

static inline size_t add_sat(size_t a, size_t b)
{
    return a >= TOO_BIG - b || b >= TOO_BIG ? TOO_BIG : a + b;
}

static inline size_t str_bound(size_t n)
{
    return add_sat(11, n); /* varint length, bytes, NUL */
}

static size_t value_bound_slow(const rt_value *v);

/* Scalars (the common case) inline, the rest out of line. */
static inline size_t value_bound(const rt_value *v)
{
    return v->kind <= RT_VALUE_BOOL || v->kind == RT_VALUE_NONE || v->kind == RT_VALUE_CELL
               ? FIXED
               : value_bound_slow(v);
}

static size_t value_bound_slow(const rt_value *v)
{
    size_t n = FIXED;
    switch (v->kind) {
    case RT_VALUE_STRING:
    case RT_VALUE_RAW:
    case RT_VALUE_ERROR:
        return add_sat(n, str_bound(v->u.text.len));
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        for (size_t i = 0; i < v->u.list.len; i++)
            n = add_sat(n, value_bound(&v->u.list.items[i]));
        return n;
    case RT_VALUE_VARIANT:
        return add_sat(add_sat(n, str_bound(v->u.variant.discriminator.len)),
                       value_bound(v->u.variant.contents));
    case RT_VALUE_REFERENCE:
        return add_sat(n, value_bound(v->u.reference.dereferenced));
    case RT_VALUE_BIGINT:
        return add_sat(n, str_bound(v->u.bigint.len));
    default:
        return n;
    }
}

static size_t ids_bound(size_t n)
{
    return n >= TOO_BIG / 10 ? TOO_BIG : n * 10;
}

static size_t event_bound(const rt_event *e)
{
    size_t n = FIXED;
    switch (e->kind) {
    case RT_EVENT_PATH:
        return add_sat(n, str_bound(e->u.path.len));
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        return add_sat(n, str_bound(e->u.name.len));
    case RT_EVENT_TYPE: {
        const rt_type_record *t = &e->u.type;
        n = add_sat(n, str_bound(t->lang_type.len));
        if (t->info_kind == RT_INFO_STRUCT)
            for (size_t i = 0; i < t->info.fields.len; i++)
                n = add_sat(n, add_sat(10, str_bound(t->info.fields.items[i].name.len)));
        return n;
    }
    case RT_EVENT_VALUE:
        return add_sat(n, value_bound(&e->u.value.value));
    case RT_EVENT_FUNCTION:
        return add_sat(n, str_bound(e->u.function.name.len));
    case RT_EVENT_CALL:
        for (size_t i = 0; i < e->u.call.len; i++)
            n = add_sat(n, add_sat(10, value_bound(&e->u.call.args[i].value)));
        return n;
    case RT_EVENT_RETURN:
        return add_sat(n, value_bound(&e->u.return_value));
    case RT_EVENT_EVENT:
        return add_sat(n, add_sat(str_bound(e->u.event.metadata.len),
                                  str_bound(e->u.event.content.len)));
    case RT_EVENT_ASM:
        for (size_t i = 0; i < e->u.asm_lines.len; i++)
            n = add_sat(n, str_bound(e->u.asm_lines.items[i].len));
        return n;
    case RT_EVENT_ASSIGNMENT:
        if (e->u.assignment.from.kind == RT_RVALUE_COMPOUND)
            n = add_sat(n, ids_bound(e->u.assignment.from.len));
        if (e->u.assignment.from.kind == RT_RVALUE_FIELD_ACCESS)
            n = add_sat(n, str_bound(e->u.assignment.from.field.len));
        return n;
    case RT_EVENT_DROP_VARIABLES:
        return add_sat(n, ids_bound(e->u.drop_variables.len));
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        return add_sat(n, value_bound(&e->u.place_value.value));
    default:
        return n;
    }
}

/* ---- encoding ----------------------------------------------------------- */

static inline unsigned char *put_uv(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

/* Zigzag: small negative numbers stay short. */
static inline unsigned char *put_sv(unsigned char *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    return put_uv(p, (u << 1) ^ (v < 0 ? ~(uint64_t)0 : 0));
}

static inline unsigned char *put_str(unsigned char *p, rt_str s)
{
    p = put_uv(p, s.len);
    if (s.len)
        memcpy(p, s.ptr, s.len);
    p[s.len] = '\0';
    return p + s.len + 1;
}

/* Head bytes carry a small id in their top 3 bits (id + 1, 0: a varint
 * follows): most type ids, path ids of steps and variable ids of values
 * are below 7, and every byte saved is fresh memory not touched. */
static inline unsigned small_id(uint64_t id)
{
    return id < 7 ? (unsigned)id + 1 : 0;
}

/* A value: head = kind (4 bits) | flag << 4 | small type id << 5. */
static unsigned char *put_value(unsigned char *p, const rt_value *v)
{
    unsigned small = v->kind == RT_VALUE_CELL ? 0 : small_id(v->type_id);
    *p++ = (unsigned char)((unsigned)v->kind | (v->flag ? 0x10u : 0) | small << 5);
    switch (v->kind) {
    case RT_VALUE_INT:
        p = put_sv(p, v->u.i);
        break;
    case RT_VALUE_FLOAT:
        memcpy(p, &v->u.f, 8);
        p += 8;
        break;
    case RT_VALUE_BOOL:
    case RT_VALUE_NONE:
        break;
    case RT_VALUE_STRING:
    case RT_VALUE_RAW:
    case RT_VALUE_ERROR:
        p = put_str(p, v->u.text);
        break;
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        p = put_uv(p, v->u.list.len);
        for (size_t i = 0; i < v->u.list.len; i++)
            p = put_value(p, &v->u.list.items[i]);
        break;
    case RT_VALUE_VARIANT:
        p = put_str(p, v->u.variant.discriminator);
        p = put_value(p, v->u.variant.contents);
        break;
    case RT_VALUE_REFERENCE:
        p = put_value(p, v->u.reference.dereferenced);
        p = put_uv(p, v->u.reference.address);
        break;
    case RT_VALUE_CELL:
        return put_sv(p, v->u.place); /* no type id */
    case RT_VALUE_BIGINT: {
        rt_str b = {(const char *)v->u.bigint.bytes, v->u.bigint.len};
        p = put_str(p, b);
        break;
    }
    case RT_VALUE_CHAR:
        p = put_uv(p, v->u.ch);
        break;
    }
    return small ? p : put_uv(p, v->type_id);
}

static unsigned char *put_ids(unsigned char *p, const rt_variable_id *ids, size_t n)
{
    p = put_uv(p, n);
    for (size_t i = 0; i < n; i++)
        p = put_uv(p, ids[i]);
    return p;
}

/* An event: head = kind (5 bits) | small id << 5, the path id of a Step or
 * the variable id of a Value. */
static unsigned char *put_event(unsigned char *p, const rt_event *e)
{
    switch (e->kind) {
    case RT_EVENT_STEP: {
        unsigned small = small_id(e->u.step.path_id);
        *p++ = (unsigned char)((unsigned)e->kind | small << 5);
        if (!small)
            p = put_uv(p, e->u.step.path_id);
        return put_sv(p, e->u.step.line);
    }
    case RT_EVENT_VALUE: {
        unsigned small = small_id(e->u.value.variable_id);
        *p++ = (unsigned char)((unsigned)e->kind | small << 5);
        if (!small)
            p = put_uv(p, e->u.value.variable_id);
        return put_value(p, &e->u.value.value);
    }
    default:
        break;
    }
    *p++ = (unsigned char)e->kind;
    switch (e->kind) {
    case RT_EVENT_STEP:
    case RT_EVENT_VALUE:
        return p; /* above */
    case RT_EVENT_PATH:
        return put_str(p, e->u.path);
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        return put_str(p, e->u.name);
    case RT_EVENT_TYPE: {
        const rt_type_record *t = &e->u.type;
        *p++ = (unsigned char)t->kind;
        p = put_str(p, t->lang_type);
        *p++ = (unsigned char)t->info_kind;
        if (t->info_kind == RT_INFO_POINTER)
            return put_uv(p, t->info.dereference_type_id);
        if (t->info_kind == RT_INFO_STRUCT) {
            p = put_uv(p, t->info.fields.len);
            for (size_t i = 0; i < t->info.fields.len; i++) {
                p = put_str(p, t->info.fields.items[i].name);
                p = put_uv(p, t->info.fields.items[i].type_id);
            }
        }
        return p;
    }
    case RT_EVENT_FUNCTION:
        p = put_uv(p, e->u.function.path_id);
        p = put_sv(p, e->u.function.line);
        return put_str(p, e->u.function.name);
    case RT_EVENT_CALL:
        p = put_uv(p, e->u.call.function_id);
        p = put_uv(p, e->u.call.len);
        for (size_t i = 0; i < e->u.call.len; i++) {
            p = put_uv(p, e->u.call.args[i].variable_id);
            p = put_value(p, &e->u.call.args[i].value);
        }
        return p;
    case RT_EVENT_RETURN:
        return put_value(p, &e->u.return_value);
    case RT_EVENT_EVENT:
        *p++ = (unsigned char)e->u.event.kind;
        p = put_str(p, e->u.event.metadata);
        return put_str(p, e->u.event.content);
    case RT_EVENT_ASM:
        p = put_uv(p, e->u.asm_lines.len);
        for (size_t i = 0; i < e->u.asm_lines.len; i++)
            p = put_str(p, e->u.asm_lines.items[i]);
        return p;
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
        p = put_uv(p, e->u.bind.variable_id);
        return put_sv(p, e->u.bind.place);
    case RT_EVENT_ASSIGNMENT:
        p = put_uv(p, e->u.assignment.to);
        *p++ = (unsigned char)e->u.assignment.pass_by;
        *p++ = (unsigned char)e->u.assignment.from.kind;
        if (e->u.assignment.from.kind == RT_RVALUE_SIMPLE)
            return put_uv(p, e->u.assignment.from.simple);
        if (e->u.assignment.from.kind == RT_RVALUE_COMPOUND)
            return put_ids(p, e->u.assignment.from.ids, e->u.assignment.from.len);
        if (e->u.assignment.from.kind == RT_RVALUE_FUNCTION_RETURN)
            return put_sv(p, e->u.assignment.from.call_key);
        if (e->u.assignment.from.kind == RT_RVALUE_FIELD_ACCESS)
            return put_str(put_uv(p, e->u.assignment.from.simple), e->u.assignment.from.field);
        if (e->u.assignment.from.kind == RT_RVALUE_INDEX_ACCESS)
            return put_sv(put_uv(p, e->u.assignment.from.simple), e->u.assignment.from.index);
        return p;
    case RT_EVENT_DROP_VARIABLES:
        return put_ids(p, e->u.drop_variables.ids, e->u.drop_variables.len);
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        p = put_sv(p, e->u.place_value.place);
        return put_value(p, &e->u.place_value.value);
    case RT_EVENT_ASSIGN_COMPOUND_ITEM:
        p = put_sv(p, e->u.assign_item.place);
        p = put_uv(p, e->u.assign_item.index);
        return put_sv(p, e->u.assign_item.item_place);
    case RT_EVENT_DROP_VARIABLE:
        return put_uv(p, e->u.drop_variable);
    case RT_EVENT_DROP_LAST_STEP:
        return p;
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH:
        return put_uv(p, e->u.thread_id);
    }
    return p;
}

/* Asks for transparent huge pages on the 2 MiB-aligned interior of a large
 * chunk: one fault per 2 MiB instead of per 4 KiB when it is first filled.
 * Only a hint (the memory comes from the caller's allocator: when it is not
 * anonymous memory the kernel refuses and nothing changes). */
static void advise_huge(void *p, size_t size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t end = ((uintptr_t)p + size) & ~(huge - 1);
    if (end > start)
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    (void)p;
    (void)size;
#endif
}

/* Starts a chunk with room for at least need bytes. */
static int new_chunk(rt_pack *pk, size_t need)
{
    size_t size = pk->next_size;
    if (size < need)
        size = need;
    if (size > TOO_BIG)
        return RT_ENOMEM;
    rt_pack_chunk *c = rt_malloc(pk->alloc, sizeof *c + size);
    if (!c)
        return RT_ENOMEM;
    if (size >= MAX_CHUNK)
        advise_huge(c, sizeof *c + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    if (pk->last) {
        pk->last->used = (size_t)(pk->ptr - pk->last->data);
        pk->last->next = c;
    } else {
        pk->first = c;
    }
    pk->last = c;
    pk->ptr = c->data;
    pk->end = c->data + size;
    pk->total += size;
    if (pk->next_size < MAX_CHUNK)
        pk->next_size *= 2;
    return RT_OK;
}

static unsigned char *put_value_head(unsigned char *p, uint64_t variable_id)
{
    unsigned small = small_id(variable_id);
    *p++ = (unsigned char)((unsigned)RT_EVENT_VALUE | small << 5);
    return small ? p : put_uv(p, variable_id);
}

static inline bool kept(const rt_pack *pk, uint64_t variable_id)
{
    return variable_id < pk->nvalues && pk->values[variable_id].kept;
}

static int room(rt_pack *pk, size_t need)
{
    if (!pk->ptr || (size_t)(pk->end - pk->ptr) < need) {
        if (need >= TOO_BIG || new_chunk(pk, need))
            return RT_ENOMEM;
    }
    return RT_OK;
}

static void packed(rt_pack *pk, unsigned char *end)
{
    pk->ptr = end;
    pk->last->used = (size_t)(pk->ptr - pk->last->data);
    pk->count++;
}

int rt_pack_event(rt_pack *pk, const rt_event *e)
{
    /* Steps, the most common event, have a known small bound. */
    size_t need = e->kind == RT_EVENT_STEP ? FIXED
                  : e->kind == RT_EVENT_VALUE ? FIXED + value_bound(&e->u.value.value)
                                              : event_bound(e);
    if (room(pk, need))
        return RT_ENOMEM;
    if (e->kind == RT_EVENT_VALUE && kept(pk, e->u.value.variable_id)) {
        rt_pack_value *v = &pk->values[e->u.value.variable_id];
        unsigned char *p = put_value_head(pk->ptr, e->u.value.variable_id), *start = p;
        p = put_value(p, &e->u.value.value);
        v->bytes = start;
        v->len = (uint32_t)(p - start);
        v->valid = (size_t)(p - start) <= UINT32_MAX;
        packed(pk, p);
        return RT_OK;
    }
    packed(pk, put_event(pk->ptr, e));
    return RT_OK;
}

/* Notes that variable_id's values are to be kept (best effort). */
static void keep(rt_pack *pk, uint64_t variable_id)
{
    if (variable_id >= ((uint64_t)1 << 24))
        return;
    if (variable_id >= pk->nvalues) {
        size_t n = pk->nvalues ? pk->nvalues : 64;
        while (n <= variable_id)
            n *= 2;
        rt_pack_value *v = rt_realloc(pk->alloc, pk->values, pk->nvalues * sizeof *v, n * sizeof *v);
        if (!v)
            return;
        memset(v + pk->nvalues, 0, (n - pk->nvalues) * sizeof *v);
        pk->values = v;
        pk->nvalues = n;
    }
    pk->values[variable_id].kept = true;
}

int rt_pack_repeat_value(rt_pack *pk, uint64_t variable_id, bool keep_only)
{
    if (keep_only || variable_id >= pk->nvalues || !pk->values[variable_id].valid) {
        keep(pk, variable_id);
        return RT_REPEAT_MISS;
    }
    const rt_pack_value *v = &pk->values[variable_id];
    if (room(pk, FIXED + (size_t)v->len))
        return RT_ENOMEM;
    unsigned char *p = put_value_head(pk->ptr, variable_id);
    memcpy(p, v->bytes, v->len);
    packed(pk, p + v->len);
    return RT_OK;
}

/* ---- decoding ----------------------------------------------------------- */

static inline const unsigned char *get_uv(const unsigned char *p, uint64_t *out)
{
    if (*p < 0x80) { /* ids and small numbers: one byte */
        *out = *p;
        return p + 1;
    }
    uint64_t v = 0;
    unsigned shift = 0;
    while (*p & 0x80) {
        v |= (uint64_t)(*p++ & 0x7f) << shift;
        shift += 7;
    }
    *out = v | (uint64_t)*p++ << shift;
    return p;
}

static inline const unsigned char *get_sv(const unsigned char *p, int64_t *out)
{
    uint64_t u;
    p = get_uv(p, &u);
    *out = (int64_t)((u >> 1) ^ (0 - (u & 1)));
    return p;
}

static inline const unsigned char *get_str(const unsigned char *p, rt_str *out)
{
    uint64_t n;
    p = get_uv(p, &n);
    out->ptr = (const char *)p;
    out->len = (size_t)n;
    return p + n + 1;
}

static inline const unsigned char *get_size(const unsigned char *p, size_t *out)
{
    uint64_t n;
    p = get_uv(p, &n);
    *out = (size_t)n;
    return p;
}

/* Decoding needs arrays; NULL from here means out of memory. */
static void *alloc_array(rt_arena *a, size_t n, size_t size)
{
    return n ? rt_arena_alloc(a, n * size) : NULL;
}

static const unsigned char *get_value(const unsigned char *p, rt_arena *a, rt_value *v)
{
    memset(v, 0, sizeof *v);
    unsigned char head = *p++;
    v->kind = (rt_value_kind)(head & 0x0f);
    v->flag = (head & 0x10) != 0;
    unsigned small = head >> 5;
    switch (v->kind) {
    case RT_VALUE_INT:
        p = get_sv(p, &v->u.i);
        break;
    case RT_VALUE_FLOAT:
        memcpy(&v->u.f, p, 8);
        p += 8;
        break;
    case RT_VALUE_BOOL:
    case RT_VALUE_NONE:
        break;
    case RT_VALUE_STRING:
    case RT_VALUE_RAW:
    case RT_VALUE_ERROR:
        p = get_str(p, &v->u.text);
        break;
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT: {
        size_t n;
        p = get_size(p, &n);
        rt_value *items = alloc_array(a, n, sizeof *items);
        if (n && !items)
            return NULL;
        for (size_t i = 0; i < n && p; i++)
            p = get_value(p, a, &items[i]);
        if (!p)
            return NULL;
        v->u.list.items = items;
        v->u.list.len = n;
        break;
    }
    case RT_VALUE_VARIANT: {
        rt_value *box = rt_arena_alloc(a, sizeof *box);
        if (!box)
            return NULL;
        p = get_str(p, &v->u.variant.discriminator);
        if (!(p = get_value(p, a, box)))
            return NULL;
        v->u.variant.contents = box;
        break;
    }
    case RT_VALUE_REFERENCE: {
        rt_value *box = rt_arena_alloc(a, sizeof *box);
        if (!box || !(p = get_value(p, a, box)))
            return NULL;
        v->u.reference.dereferenced = box;
        p = get_uv(p, &v->u.reference.address);
        break;
    }
    case RT_VALUE_CELL:
        return get_sv(p, &v->u.place);
    case RT_VALUE_BIGINT: {
        rt_str b;
        p = get_str(p, &b);
        v->u.bigint.bytes = (const uint8_t *)b.ptr;
        v->u.bigint.len = b.len;
        break;
    }
    case RT_VALUE_CHAR: {
        uint64_t ch;
        p = get_uv(p, &ch);
        v->u.ch = (uint32_t)ch;
        break;
    }
    }
    if (small) {
        v->type_id = small - 1;
        return p;
    }
    return get_uv(p, &v->type_id);
}

static const unsigned char *get_ids(const unsigned char *p, rt_arena *a, const rt_variable_id **ids,
                                    size_t *len)
{
    size_t n;
    p = get_size(p, &n);
    rt_variable_id *out = alloc_array(a, n, sizeof *out);
    if (n && !out)
        return NULL;
    for (size_t i = 0; i < n; i++)
        p = get_uv(p, &out[i]);
    *ids = out;
    *len = n;
    return p;
}

static const unsigned char *get_event(const unsigned char *p, rt_arena *a, rt_event *e)
{
    memset(e, 0, sizeof *e);
    unsigned char head = *p++;
    unsigned small = head >> 5;
    e->kind = (rt_event_kind)(head & 0x1f);
    switch (e->kind) {
    case RT_EVENT_STEP:
        if (small)
            e->u.step.path_id = small - 1;
        else
            p = get_uv(p, &e->u.step.path_id);
        return get_sv(p, &e->u.step.line);
    case RT_EVENT_PATH:
        return get_str(p, &e->u.path);
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        return get_str(p, &e->u.name);
    case RT_EVENT_TYPE: {
        rt_type_record *t = &e->u.type;
        t->kind = (rt_type_kind)*p++;
        p = get_str(p, &t->lang_type);
        t->info_kind = (rt_specific_info_kind)*p++;
        if (t->info_kind == RT_INFO_POINTER)
            return get_uv(p, &t->info.dereference_type_id);
        if (t->info_kind == RT_INFO_STRUCT) {
            size_t n;
            p = get_size(p, &n);
            rt_field_type *f = alloc_array(a, n, sizeof *f);
            if (n && !f)
                return NULL;
            for (size_t i = 0; i < n; i++) {
                p = get_str(p, &f[i].name);
                p = get_uv(p, &f[i].type_id);
            }
            t->info.fields.items = f;
            t->info.fields.len = n;
        }
        return p;
    }
    case RT_EVENT_VALUE:
        if (small)
            e->u.value.variable_id = small - 1;
        else
            p = get_uv(p, &e->u.value.variable_id);
        return get_value(p, a, &e->u.value.value);
    case RT_EVENT_FUNCTION:
        p = get_uv(p, &e->u.function.path_id);
        p = get_sv(p, &e->u.function.line);
        return get_str(p, &e->u.function.name);
    case RT_EVENT_CALL: {
        size_t n;
        p = get_uv(p, &e->u.call.function_id);
        p = get_size(p, &n);
        rt_full_value *args = alloc_array(a, n, sizeof *args);
        if (n && !args)
            return NULL;
        for (size_t i = 0; i < n && p; i++) {
            p = get_uv(p, &args[i].variable_id);
            p = get_value(p, a, &args[i].value);
        }
        e->u.call.args = args;
        e->u.call.len = n;
        return p;
    }
    case RT_EVENT_RETURN:
        return get_value(p, a, &e->u.return_value);
    case RT_EVENT_EVENT:
        e->u.event.kind = (rt_event_log_kind)*p++;
        p = get_str(p, &e->u.event.metadata);
        return get_str(p, &e->u.event.content);
    case RT_EVENT_ASM: {
        size_t n;
        p = get_size(p, &n);
        rt_str *lines = alloc_array(a, n, sizeof *lines);
        if (n && !lines)
            return NULL;
        for (size_t i = 0; i < n; i++)
            p = get_str(p, &lines[i]);
        e->u.asm_lines.items = lines;
        e->u.asm_lines.len = n;
        return p;
    }
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
        p = get_uv(p, &e->u.bind.variable_id);
        return get_sv(p, &e->u.bind.place);
    case RT_EVENT_ASSIGNMENT: {
        rt_rvalue *r = &e->u.assignment.from;
        p = get_uv(p, &e->u.assignment.to);
        e->u.assignment.pass_by = (rt_pass_by)*p++;
        memset(r, 0, sizeof *r);
        r->kind = (rt_rvalue_kind)*p++;
        if (r->kind == RT_RVALUE_SIMPLE)
            return get_uv(p, &r->simple);
        if (r->kind == RT_RVALUE_COMPOUND)
            return get_ids(p, a, &r->ids, &r->len);
        if (r->kind == RT_RVALUE_FUNCTION_RETURN)
            return get_sv(p, &r->call_key);
        if (r->kind == RT_RVALUE_FIELD_ACCESS)
            return get_str(get_uv(p, &r->simple), &r->field);
        if (r->kind == RT_RVALUE_INDEX_ACCESS)
            return get_sv(get_uv(p, &r->simple), &r->index);
        return p;
    }
    case RT_EVENT_DROP_VARIABLES:
        return get_ids(p, a, &e->u.drop_variables.ids, &e->u.drop_variables.len);
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        p = get_sv(p, &e->u.place_value.place);
        return get_value(p, a, &e->u.place_value.value);
    case RT_EVENT_ASSIGN_COMPOUND_ITEM:
        p = get_sv(p, &e->u.assign_item.place);
        p = get_uv(p, &e->u.assign_item.index);
        return get_sv(p, &e->u.assign_item.item_place);
    case RT_EVENT_DROP_VARIABLE:
        return get_uv(p, &e->u.drop_variable);
    case RT_EVENT_DROP_LAST_STEP:
        return p;
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH:
        return get_uv(p, &e->u.thread_id);
    }
    return p;
}

void rt_pack_cursor_init(rt_pack_cursor *c, const rt_pack *pk)
{
    c->pk = pk;
    c->chunk = NULL;
    c->ptr = NULL;
    c->index = 0;
}

int rt_pack_next(rt_pack_cursor *c, rt_arena *arrays, rt_event *out)
{
    if (c->index >= c->pk->count)
        return RT_READ_END;
    if (!c->chunk) {
        c->chunk = c->pk->first;
        c->ptr = c->chunk->data;
    }
    while (c->ptr == c->chunk->data + c->chunk->used) {
        c->chunk = c->chunk->next;
        c->ptr = c->chunk->data;
    }
    rt_arena_mark m = rt_arena_get_mark(arrays);
    const unsigned char *p = get_event(c->ptr, arrays, out);
    if (!p) {
        rt_arena_rollback(arrays, m);
        return RT_ENOMEM;
    }
    c->ptr = p;
    c->index++;
    return RT_READ_EVENT;
}
