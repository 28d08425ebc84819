/* Table-driven decoding of the event tree: every struct (event payload,
 * value, type info, rvalue, argument, field) is a CBOR map read by one
 * routine against a list of known keys. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "cbor/cbor_event_decode.h"
#include "common/base64.h"
#include "common/float_text.h"
#include "common/utf8.h"
#include "model/model.h"

/* Smallest possible encodings, to check a count against the bytes present
 * before allocating for it: {"kind":"Cell","place":0} is 18 bytes, and an
 * argument adds {"variable_id":0,"value":..} around a value. */
#define MIN_VALUE_BYTES 18
#define MIN_FULL_VALUE_BYTES (MIN_VALUE_BYTES + 20)
#define MIN_FIELD_BYTES 16 /* {"name":"","type_id":0} */

enum ftype {
    F_KIND,        /* the "kind" tag, already read */
    F_U64,         /* uint64_t */
    F_I64,         /* int64_t */
    F_F64,         /* double */
    F_BOOL,        /* bool */
    F_TEXT,        /* rt_str */
    F_VALUE,       /* rt_value */
    F_VALUE_PTR,   /* const rt_value * */
    F_VALUES,      /* const rt_value * at off, size_t at off2 */
    F_FULL_VALUES, /* const rt_full_value * at off, size_t at off2 */
    F_IDS,         /* const uint64_t * at off, size_t at off2 */
    F_FIELDS,      /* const rt_field_type * at off, size_t at off2 */
    F_BASE64,      /* const uint8_t * at off, size_t at off2 */
    F_TYPE_KIND,   /* rt_type_kind */
    F_LOG_KIND,    /* rt_event_log_kind */
    F_PASS_BY,     /* rt_pass_by */
    F_INFO,        /* rt_type_record (its specific_info part) */
    F_RVALUE,      /* rt_rvalue */
    F_RV_CALL,     /* {"call_key"} into the rt_rvalue at off */
    F_RV_ACCESS,   /* {"receiver","field"} into the rt_rvalue at off */
    F_RV_INDEX,    /* {"receiver","index"} into the rt_rvalue at off */
    F_CHAR         /* uint32_t from a text of one Unicode scalar value */
};

typedef struct field {
    const char *name;
    unsigned char len;
    unsigned char type;
    bool optional;
    unsigned char absent; /* rt_spelling bit noted when an optional field is absent */
    unsigned short off, off2;
} field;

#define FLD(n, t, o) {n, sizeof(n) - 1, t, false, 0, (unsigned short)(o), 0}
#define OPT(n, t, o) {n, sizeof(n) - 1, t, true, 0, (unsigned short)(o), 0}
/* Optional to our reader, required by 0.19's: its absence is noted. */
#define LAX(n, t, o, sp) {n, sizeof(n) - 1, t, true, sp, (unsigned short)(o), 0}
#define LST(n, t, o, o2) {n, sizeof(n) - 1, t, false, 0, (unsigned short)(o), (unsigned short)(o2)}
#define KIND {"kind", 4, F_KIND, false, 0, 0, 0}
#define NF(a) (sizeof(a) / sizeof((a)[0]))

typedef struct ctx {
    cbor_dec *d;
    rt_arena *arena;
} ctx;

#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

static int rd_value(ctx *c, rt_value *v, int depth);
static int rd_text_raw(ctx *c, const unsigned char **s, size_t *len, const char *what);
static int rd_struct(ctx *c, const field *fields, size_t nf, char *base, const char *what,
                     int depth);

/* ---- tables -------------------------------------------------------------- */

#define VOFF(m) offsetof(rt_value, m)
#define TYPE_ID FLD("type_id", F_U64, VOFF(type_id))

static const field v_int[] = {KIND, FLD("i", F_I64, VOFF(u.i)), TYPE_ID};
static const field v_float[] = {KIND, FLD("f", F_F64, VOFF(u.f)), TYPE_ID};
static const field v_bool[] = {KIND, FLD("b", F_BOOL, VOFF(flag)), TYPE_ID};
static const field v_string[] = {KIND, FLD("text", F_TEXT, VOFF(u.text)), TYPE_ID};
static const field v_sequence[] = {KIND, LST("elements", F_VALUES, VOFF(u.list.items), VOFF(u.list.len)),
                                   LAX("is_slice", F_BOOL, VOFF(flag), RT_SPELLING_NO_IS_SLICE), TYPE_ID};
static const field v_tuple[] = {KIND, LST("elements", F_VALUES, VOFF(u.list.items), VOFF(u.list.len)),
                                TYPE_ID};
static const field v_struct[] = {
    KIND, LST("field_values", F_VALUES, VOFF(u.list.items), VOFF(u.list.len)), TYPE_ID};
static const field v_variant[] = {KIND, FLD("discriminator", F_TEXT, VOFF(u.variant.discriminator)),
                                  FLD("contents", F_VALUE_PTR, VOFF(u.variant.contents)), TYPE_ID};
static const field v_reference[] = {KIND,
                                    FLD("dereferenced", F_VALUE_PTR, VOFF(u.reference.dereferenced)),
                                    FLD("address", F_U64, VOFF(u.reference.address)),
                                    FLD("mutable", F_BOOL, VOFF(flag)), TYPE_ID};
static const field v_raw[] = {KIND, FLD("r", F_TEXT, VOFF(u.text)), TYPE_ID};
static const field v_error[] = {KIND, FLD("msg", F_TEXT, VOFF(u.text)), TYPE_ID};
static const field v_none[] = {KIND, TYPE_ID};
static const field v_cell[] = {KIND, FLD("place", F_I64, VOFF(u.place))};
static const field v_bigint[] = {KIND, LST("b", F_BASE64, VOFF(u.bigint.bytes), VOFF(u.bigint.len)),
                                 FLD("negative", F_BOOL, VOFF(flag)), TYPE_ID};
static const field v_char[] = {KIND, FLD("c", F_CHAR, VOFF(u.ch)), TYPE_ID};

typedef struct shape {
    const field *fields;
    size_t n;
} shape;

/* Indexed by rt_value_kind. */
static const shape value_shapes[RT_VALUE_KIND_COUNT] = {
    {v_int, NF(v_int)},         {v_float, NF(v_float)},   {v_bool, NF(v_bool)},
    {v_string, NF(v_string)},   {v_sequence, NF(v_sequence)}, {v_tuple, NF(v_tuple)},
    {v_struct, NF(v_struct)},   {v_variant, NF(v_variant)}, {v_reference, NF(v_reference)},
    {v_raw, NF(v_raw)},         {v_error, NF(v_error)},   {v_none, NF(v_none)},
    {v_cell, NF(v_cell)},       {v_bigint, NF(v_bigint)}, {v_char, NF(v_char)}};

#define TOFF(m) offsetof(rt_type_record, m)
static const char *const info_names[] = {"None", "Struct", "Pointer"}; /* rt_specific_info_kind */
static const field i_none[] = {KIND};
static const field i_struct[] = {KIND, LST("fields", F_FIELDS, TOFF(info.fields.items), TOFF(info.fields.len))};
static const field i_pointer[] = {KIND, FLD("dereference_type_id", F_U64, TOFF(info.dereference_type_id))};
static const shape info_shapes[] = {{i_none, NF(i_none)}, {i_struct, NF(i_struct)}, {i_pointer, NF(i_pointer)}};

#define ROFF(m) offsetof(rt_rvalue, m)
static const char *const rvalue_names[] = {"Simple", "Compound", "Literal", "FunctionReturn",
                                           "FieldAccess", "IndexAccess"}; /* rt_rvalue_kind */
/* "0" is the form of FORMAT.md section 9; "data" is the Ruby recorder's. */
static const field r_simple[] = {KIND, OPT("0", F_U64, ROFF(simple)), OPT("data", F_U64, ROFF(simple))};
static const field r_compound[] = {KIND, {"0", 1, F_IDS, true, 0, ROFF(ids), ROFF(len)},
                                   {"data", 4, F_IDS, true, 0, ROFF(ids), ROFF(len)}};
static const field r_literal[] = {KIND};
/* Newer Ruby recorders: FunctionReturn{call_key}, FieldAccess{receiver, field}. */
static const field r_function_return[] = {KIND, OPT("0", F_RV_CALL, 0), OPT("data", F_RV_CALL, 0)};
static const field r_field_access[] = {KIND, OPT("0", F_RV_ACCESS, 0), OPT("data", F_RV_ACCESS, 0)};
static const field r_index_access[] = {KIND, OPT("0", F_RV_INDEX, 0), OPT("data", F_RV_INDEX, 0)};
static const field r_call_fields[] = {FLD("call_key", F_I64, ROFF(call_key))};
static const field r_access_fields[] = {FLD("receiver", F_U64, ROFF(simple)),
                                        FLD("field", F_TEXT, ROFF(field))};
static const field r_index_fields[] = {FLD("receiver", F_U64, ROFF(simple)),
                                       FLD("index", F_I64, ROFF(index))};
static const shape rvalue_shapes[] = {{r_simple, NF(r_simple)},
                                      {r_compound, NF(r_compound)},
                                      {r_literal, NF(r_literal)},
                                      {r_function_return, NF(r_function_return)},
                                      {r_field_access, NF(r_field_access)},
                                      {r_index_access, NF(r_index_access)}};

static const field full_value_fields[] = {FLD("variable_id", F_U64, offsetof(rt_full_value, variable_id)),
                                          FLD("value", F_VALUE, offsetof(rt_full_value, value))};
static const field field_type_fields[] = {FLD("name", F_TEXT, offsetof(rt_field_type, name)),
                                          FLD("type_id", F_U64, offsetof(rt_field_type, type_id))};

#define EOFF(m) offsetof(rt_event, m)
static const field e_step[] = {FLD("path_id", F_U64, EOFF(u.step.path_id)), FLD("line", F_I64, EOFF(u.step.line))};
static const field type_fields[] = {FLD("kind", F_TYPE_KIND, TOFF(kind)),
                                    FLD("lang_type", F_TEXT, TOFF(lang_type)),
                                    FLD("specific_info", F_INFO, 0)};
static const field e_value[] = {FLD("variable_id", F_U64, EOFF(u.value.variable_id)),
                                FLD("value", F_VALUE, EOFF(u.value.value))};
static const field e_function[] = {FLD("path_id", F_U64, EOFF(u.function.path_id)),
                                   FLD("line", F_I64, EOFF(u.function.line)),
                                   FLD("name", F_TEXT, EOFF(u.function.name))};
static const field e_call[] = {FLD("function_id", F_U64, EOFF(u.call.function_id)),
                               LST("args", F_FULL_VALUES, EOFF(u.call.args), EOFF(u.call.len))};
static const field e_return[] = {FLD("return_value", F_VALUE, EOFF(u.return_value))};
static const field e_event[] = {FLD("kind", F_LOG_KIND, EOFF(u.event.kind)),
                                LAX("metadata", F_TEXT, EOFF(u.event.metadata), RT_SPELLING_NO_METADATA),
                                FLD("content", F_TEXT, EOFF(u.event.content))};
static const field e_bind[] = {FLD("variable_id", F_U64, EOFF(u.bind.variable_id)),
                               FLD("place", F_I64, EOFF(u.bind.place))};
static const field e_assignment[] = {FLD("to", F_U64, EOFF(u.assignment.to)),
                                     FLD("pass_by", F_PASS_BY, EOFF(u.assignment.pass_by)),
                                     FLD("from", F_RVALUE, EOFF(u.assignment.from))};
static const field e_place_value[] = {FLD("place", F_I64, EOFF(u.place_value.place)),
                                      FLD("value", F_VALUE, EOFF(u.place_value.value))};
static const field e_assign_cell[] = {FLD("place", F_I64, EOFF(u.place_value.place)),
                                      FLD("new_value", F_VALUE, EOFF(u.place_value.value))};
static const field e_assign_item[] = {FLD("place", F_I64, EOFF(u.assign_item.place)),
                                      FLD("index", F_U64, EOFF(u.assign_item.index)),
                                      FLD("item_place", F_I64, EOFF(u.assign_item.item_place))};

/* Indexed by rt_event_kind; events whose payload is not a map have none. */
static const shape event_shapes[RT_EVENT_KIND_COUNT] = {
    [RT_EVENT_STEP] = {e_step, NF(e_step)},
    [RT_EVENT_VALUE] = {e_value, NF(e_value)},
    [RT_EVENT_FUNCTION] = {e_function, NF(e_function)},
    [RT_EVENT_CALL] = {e_call, NF(e_call)},
    [RT_EVENT_RETURN] = {e_return, NF(e_return)},
    [RT_EVENT_EVENT] = {e_event, NF(e_event)},
    [RT_EVENT_BIND_VARIABLE] = {e_bind, NF(e_bind)},
    [RT_EVENT_ASSIGNMENT] = {e_assignment, NF(e_assignment)},
    [RT_EVENT_COMPOUND_VALUE] = {e_place_value, NF(e_place_value)},
    [RT_EVENT_CELL_VALUE] = {e_place_value, NF(e_place_value)},
    [RT_EVENT_ASSIGN_COMPOUND_ITEM] = {e_assign_item, NF(e_assign_item)},
    [RT_EVENT_ASSIGN_CELL] = {e_assign_cell, NF(e_assign_cell)},
    [RT_EVENT_VARIABLE_CELL] = {e_bind, NF(e_bind)},
};

/* ---- primitives ---------------------------------------------------------- */

static const char *major_name(unsigned major)
{
    static const char *const names[8] = {"an unsigned integer", "a negative integer",
                                         "a byte string", "a text string", "an array", "a map",
                                         "a tag", "a simple value or float"};
    return names[major & 7];
}

static int wrong_type(ctx *c, const unsigned char *at, const char *what, const char *expected,
                      unsigned major)
{
    c->d->p = at;
    return cbor_fail(c->d, RT_EFORMAT, "%s: expected %s, found %s", what, expected, major_name(major));
}

static void *alloc(ctx *c, size_t n)
{
    return rt_arena_alloc(c->arena, n);
}

static int no_memory(ctx *c)
{
    return cbor_fail(c->d, RT_ENOMEM, "out of memory");
}

static int rd_u64(ctx *c, uint64_t *out, const char *what)
{
    const unsigned char *at = c->d->p;
    cbor_head h;
    TRY(cbor_read_head(c->d, &h));
    if (h.major != CBOR_MAJOR_UINT)
        return wrong_type(c, at, what, "an unsigned integer", h.major);
    *out = h.arg;
    return RT_OK;
}

static int rd_i64(ctx *c, int64_t *out, const char *what)
{
    const unsigned char *at = c->d->p;
    cbor_head h;
    TRY(cbor_read_head(c->d, &h));
    if (h.major != CBOR_MAJOR_UINT && h.major != CBOR_MAJOR_NEGINT)
        return wrong_type(c, at, what, "an integer", h.major);
    if (h.arg > (uint64_t)INT64_MAX) {
        c->d->p = at;
        return cbor_fail(c->d, RT_EFORMAT, "%s: integer out of the signed 64-bit range", what);
    }
    *out = h.major == CBOR_MAJOR_UINT ? (int64_t)h.arg : -1 - (int64_t)h.arg;
    return RT_OK;
}

static double half_to_double(unsigned h)
{
    int exp = (int)((h >> 10) & 0x1F);
    double mant = (double)(h & 0x3FF), v;
    if (exp == 0)
        v = ldexp(mant, -24);
    else if (exp != 31)
        v = ldexp(mant + 1024, exp - 25);
    else
        v = mant == 0 ? INFINITY : NAN;
    return (h & 0x8000) ? -v : v;
}

/* The 0.19 CBOR writer spells a float text over 255 bytes (|x| >= 1e255,
 * tiny subnormals) as an indefinite-length text (DIALECT-0.19.md section 1),
 * which its own reader refuses and so loses the rest of the file: read it.
 * d->p is at the 0x7f; definite-length text chunks follow, then a break. */
static int rd_f64_chunked(ctx *c, double *out, const char *what)
{
    const unsigned char *at = c->d->p;
    size_t total = 0;
    c->d->p++;
    for (;;) { /* first pass: the chunks are all there, their total length */
        if (c->d->p >= c->d->end)
            return cbor_need(c->d, 1);
        if (*c->d->p == 0xff)
            break;
        const unsigned char *s;
        size_t n;
        TRY(rd_text_raw(c, &s, &n, what));
        total += n;
        if (total > RT_V1_MAX_ITEM)
            return cbor_fail(c->d, RT_ELIMIT, "%s: text over the item limit", what);
    }
    char *text = rt_arena_alloc(c->arena, total + 1);
    if (!text)
        return no_memory(c);
    size_t len = 0;
    c->d->p = at + 1;
    while (*c->d->p != 0xff) {
        const unsigned char *s;
        size_t n;
        TRY(rd_text_raw(c, &s, &n, what));
        memcpy(text + len, s, n);
        len += n;
    }
    c->d->p++;
    int rc = rt_f64_from_text(text, len, c->arena, out);
    if (rc == RT_ENOMEM)
        return no_memory(c);
    if (rc) {
        c->d->p = at;
        return cbor_fail(c->d, RT_EFORMAT, "%s: \"%.*s\" is not a float", what,
                         len > 40 ? 40 : (int)len, text);
    }
    return RT_OK;
}

static int rd_f64(ctx *c, double *out, const char *what)
{
    const unsigned char *at = c->d->p;
    cbor_head h;
    if (at < c->d->end && *at == 0x7f) {
        c->d->spelling |= RT_SPELLING_FLOAT_TEXT;
        return rd_f64_chunked(c, out, what);
    }
    TRY(cbor_read_head(c->d, &h));
    c->d->spelling |= h.major == CBOR_MAJOR_TEXT ? RT_SPELLING_FLOAT_TEXT : RT_SPELLING_FLOAT_NUMBER;
    if (h.major == CBOR_MAJOR_UINT) {
        *out = (double)h.arg;
    } else if (h.major == CBOR_MAJOR_NEGINT) {
        *out = -1.0 - (double)h.arg;
    } else if (h.major == CBOR_MAJOR_SIMPLE && h.ai == 27) {
        memcpy(out, &h.arg, sizeof *out);
    } else if (h.major == CBOR_MAJOR_SIMPLE && h.ai == 26) {
        uint32_t bits = (uint32_t)h.arg;
        float f;
        memcpy(&f, &bits, sizeof f);
        *out = (double)f;
    } else if (h.major == CBOR_MAJOR_SIMPLE && h.ai == 25) {
        *out = half_to_double((unsigned)h.arg);
    } else if (h.major == CBOR_MAJOR_SIMPLE && h.ai == 22) {
        *out = NAN; /* null, as JSON writes NaN and infinities */
    } else if (h.major == CBOR_MAJOR_TEXT) { /* the 0.19 dialect: f64::from_str text */
        c->d->p = at;
        const unsigned char *s;
        size_t n;
        TRY(rd_text_raw(c, &s, &n, what));
        int rc = rt_f64_from_text((const char *)s, n, c->arena, out);
        if (rc == RT_ENOMEM)
            return no_memory(c);
        if (rc) {
            c->d->p = s;
            return cbor_fail(c->d, RT_EFORMAT, "%s: \"%.*s\" is not a float", what,
                             n > 40 ? 40 : (int)n, (const char *)s);
        }
    } else {
        return wrong_type(c, at, what, "a number", h.major);
    }
    return RT_OK;
}

static int rd_bool(ctx *c, bool *out, const char *what)
{
    const unsigned char *at = c->d->p;
    cbor_head h;
    TRY(cbor_read_head(c->d, &h));
    if (h.major != CBOR_MAJOR_SIMPLE || (h.ai != 20 && h.ai != 21))
        return wrong_type(c, at, what, "a boolean", h.major);
    *out = h.ai == 21;
    return RT_OK;
}

/* A text string left in the buffer (keys, tags): *s points into it. */
static int rd_text_raw(ctx *c, const unsigned char **s, size_t *len, const char *what)
{
    const unsigned char *at = c->d->p;
    cbor_head h;
    TRY(cbor_read_head(c->d, &h));
    if (h.major != CBOR_MAJOR_TEXT)
        return wrong_type(c, at, what, "a text string", h.major);
    TRY(cbor_check_count(c->d, h.arg, "text string"));
    *s = c->d->p;
    *len = (size_t)h.arg;
    c->d->p += h.arg;
    return RT_OK;
}

static int bad_utf8(ctx *c, const unsigned char *s, const char *what)
{
    c->d->p = s;
    return cbor_fail(c->d, RT_EUTF8, "%s: invalid UTF-8", what);
}

/* A text string copied into the arena, NUL-terminated. */
static int rd_text(ctx *c, rt_str *out, const char *what)
{
    const unsigned char *s;
    size_t n;
    TRY(rd_text_raw(c, &s, &n, what));
    if (!rt_utf8_valid((const char *)s, n))
        return bad_utf8(c, s, what);
    char *copy = alloc(c, n + 1);
    if (!copy)
        return no_memory(c);
    if (n)
        memcpy(copy, s, n);
    copy[n] = '\0';
    out->ptr = copy;
    out->len = n;
    return RT_OK;
}

static int rd_container(ctx *c, unsigned major, uint64_t *n, const char *what)
{
    const unsigned char *at = c->d->p;
    cbor_head h;
    TRY(cbor_read_head(c->d, &h));
    if (h.major != major)
        return wrong_type(c, at, what, major == CBOR_MAJOR_MAP ? "a map" : "an array", h.major);
    *n = h.arg;
    return RT_OK;
}

/* An array of count items of at least min_bytes each: checks that they can
 * be present, then allocates count * size bytes in the arena. */
static int rd_array_alloc(ctx *c, uint64_t *count, size_t min_bytes, size_t size, void **items,
                          const char *what)
{
    TRY(rd_container(c, CBOR_MAJOR_ARRAY, count, what));
    if (*count > RT_V1_MAX_ITEM / min_bytes)
        return cbor_fail(c->d, RT_ELIMIT, "%s: %llu elements exceed the item limit", what,
                         (unsigned long long)*count);
    TRY(cbor_check_count(c->d, *count * min_bytes, what));
    *items = NULL;
    if (*count && !(*items = alloc(c, (size_t)*count * size)))
        return no_memory(c);
    return RT_OK;
}

/* BigInt.b: padded base64 in a text string as written, or a byte string. */
static int rd_bigint_bytes(ctx *c, const uint8_t **bytes, size_t *len, const char *what)
{
    const unsigned char *at = c->d->p;
    cbor_head h;
    TRY(cbor_read_head(c->d, &h));
    if (h.major != CBOR_MAJOR_TEXT && h.major != CBOR_MAJOR_BYTES)
        return wrong_type(c, at, what, "a base64 text string", h.major);
    TRY(cbor_check_count(c->d, h.arg, "string"));
    const unsigned char *s = c->d->p;
    size_t n = (size_t)h.arg;
    uint8_t *out = alloc(c, n ? n : 1);
    if (!out)
        return no_memory(c);
    if (h.major == CBOR_MAJOR_BYTES) {
        if (n)
            memcpy(out, s, n);
        *len = n;
    } else if (!rt_base64_decode((const char *)s, n, out, len)) {
        c->d->p = s;
        return cbor_fail(c->d, RT_EFORMAT, "%s: bad base64", what);
    }
    *bytes = out;
    c->d->p += n;
    return RT_OK;
}

/* Whether s[0..len) spells name; reads name no further than its NUL. */
static bool is_name(const char *name, const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (name[i] == '\0' || name[i] != (char)s[i])
            return false;
    return name[len] == '\0';
}

/* Reads a text tag and finds it in names[0..n). */
static int rd_tag(ctx *c, const char *const *names, size_t n, int *idx, const char *what)
{
    const unsigned char *s;
    size_t len;
    TRY(rd_text_raw(c, &s, &len, what));
    for (size_t i = 0; i < n; i++) {
        if (is_name(names[i], s, len)) {
            *idx = (int)i;
            return RT_OK;
        }
    }
    if (!rt_utf8_valid((const char *)s, len))
        return bad_utf8(c, s, what);
    c->d->p = s;
    return cbor_fail(c->d, RT_EFORMAT, "%s: unknown name \"%.*s\"", what, len > 40 ? 40 : (int)len,
                     (const char *)s);
}

/* Finds the "kind" tag among the n entries of the map at d->p (anywhere in
 * it) without moving d->p. */
static int find_kind(ctx *c, uint64_t n, const char *const *names, size_t count, int *idx,
                     const char *what)
{
    const unsigned char *save = c->d->p;
    for (uint64_t i = 0; i < n; i++) {
        const unsigned char *k;
        size_t klen;
        TRY(rd_text_raw(c, &k, &klen, "map key"));
        if (klen == 4 && memcmp(k, "kind", 4) == 0) {
            TRY(rd_tag(c, names, count, idx, what));
            c->d->p = save;
            return RT_OK;
        }
        TRY(cbor_skip(c->d));
    }
    c->d->p = save;
    return cbor_fail(c->d, RT_EFORMAT, "%s: no \"kind\"", what);
}

/* ---- the tree ------------------------------------------------------------ */

/* A map read against fields: unknown keys skipped, duplicates and missing
 * required fields refused. n entries follow d->p. *seen gets a bit per
 * field found. */
static int rd_entries(ctx *c, uint64_t n, const field *fields, size_t nf, char *base,
                      const char *what, int depth, unsigned *seen_out);

/* A map with a "kind" tag anywhere: finds the tag among names, then reads
 * the entries against shapes[tag]. */
static int rd_tagged(ctx *c, const char *const *names, const shape *shapes, size_t count,
                     char *base, int *kind, const char *what, int depth, unsigned *seen)
{
    uint64_t n = 0;
    TRY(rd_container(c, CBOR_MAJOR_MAP, &n, what));
    TRY(find_kind(c, n, names, count, kind, what));
    return rd_entries(c, n, shapes[*kind].fields, shapes[*kind].n, base, what, depth, seen);
}

static int rd_struct(ctx *c, const field *fields, size_t nf, char *base, const char *what,
                     int depth)
{
    uint64_t n = 0;
    unsigned seen;
    TRY(rd_container(c, CBOR_MAJOR_MAP, &n, what));
    return rd_entries(c, n, fields, nf, base, what, depth, &seen);
}

static int rd_list(ctx *c, const field *f, char *base, size_t min_bytes, size_t size,
                   void **items, uint64_t *n)
{
    TRY(rd_array_alloc(c, n, min_bytes, size, items, f->name));
    memcpy(base + f->off, items, sizeof *items); /* the field is a typed pointer */
    *(size_t *)(base + f->off2) = (size_t)*n;
    return RT_OK;
}

static int rd_field(ctx *c, const field *f, char *base, const char *what, int depth)
{
    void *dst = base + f->off;
    void *items;
    uint64_t n = 0;
    switch ((enum ftype)f->type) {
    case F_KIND:
        return cbor_skip(c->d); /* read by find_kind */
    case F_U64:
        return rd_u64(c, dst, f->name);
    case F_I64:
        return rd_i64(c, dst, f->name);
    case F_F64:
        return rd_f64(c, dst, f->name);
    case F_BOOL:
        return rd_bool(c, dst, f->name);
    case F_TEXT:
        return rd_text(c, dst, f->name);
    case F_VALUE:
        return rd_value(c, dst, depth);
    case F_VALUE_PTR: {
        rt_value *v = alloc(c, sizeof *v);
        if (!v)
            return no_memory(c);
        *(const rt_value **)dst = v;
        return rd_value(c, v, depth);
    }
    case F_VALUES:
        TRY(rd_list(c, f, base, MIN_VALUE_BYTES, sizeof(rt_value), &items, &n));
        for (uint64_t i = 0; i < n; i++)
            TRY(rd_value(c, (rt_value *)items + i, depth));
        return RT_OK;
    case F_FULL_VALUES:
        TRY(rd_list(c, f, base, MIN_FULL_VALUE_BYTES, sizeof(rt_full_value), &items, &n));
        for (uint64_t i = 0; i < n; i++)
            TRY(rd_struct(c, full_value_fields, NF(full_value_fields),
                          (char *)((rt_full_value *)items + i), "argument", depth));
        return RT_OK;
    case F_IDS:
        TRY(rd_list(c, f, base, 1, sizeof(uint64_t), &items, &n));
        for (uint64_t i = 0; i < n; i++)
            TRY(rd_u64(c, (uint64_t *)items + i, what));
        return RT_OK;
    case F_FIELDS:
        TRY(rd_list(c, f, base, MIN_FIELD_BYTES, sizeof(rt_field_type), &items, &n));
        for (uint64_t i = 0; i < n; i++)
            TRY(rd_struct(c, field_type_fields, NF(field_type_fields),
                          (char *)((rt_field_type *)items + i), "struct field", depth));
        return RT_OK;
    case F_BASE64:
        return rd_bigint_bytes(c, (const uint8_t **)dst, (size_t *)(base + f->off2), f->name);
    case F_TYPE_KIND:
    case F_LOG_KIND: {
        const unsigned char *at = c->d->p;
        uint64_t k = 0;
        bool type = f->type == F_TYPE_KIND;
        TRY(rd_u64(c, &k, f->name));
        if (k >= (type ? RT_TYPE_KIND_COUNT : RT_EVENT_LOG_KIND_COUNT)) {
            c->d->p = at;
            return cbor_fail(c->d, RT_EFORMAT, "%s: unknown %s %llu", what,
                             type ? "TypeKind" : "EventLogKind", (unsigned long long)k);
        }
        if (type)
            *(rt_type_kind *)dst = (rt_type_kind)k;
        else
            *(rt_event_log_kind *)dst = (rt_event_log_kind)k;
        return RT_OK;
    }
    case F_PASS_BY: {
        static const char *const names[] = {"Value", "Reference"}; /* rt_pass_by */
        int k = 0;
        TRY(rd_tag(c, names, NF(names), &k, "pass_by"));
        *(rt_pass_by *)dst = (rt_pass_by)k;
        return RT_OK;
    }
    case F_INFO: {
        rt_type_record *t = dst;
        int k = 0;
        unsigned seen;
        TRY(rd_tagged(c, info_names, info_shapes, NF(info_names), (char *)t, &k, "specific_info",
                      depth, &seen));
        t->info_kind = (rt_specific_info_kind)k;
        return RT_OK;
    }
    case F_RV_CALL:
        return rd_struct(c, r_call_fields, NF(r_call_fields), (char *)dst, "FunctionReturn", depth);
    case F_RV_ACCESS:
        return rd_struct(c, r_access_fields, NF(r_access_fields), (char *)dst, "FieldAccess", depth);
    case F_RV_INDEX:
        return rd_struct(c, r_index_fields, NF(r_index_fields), (char *)dst, "IndexAccess", depth);
    case F_CHAR: {
        c->d->spelling |= RT_SPELLING_CHAR;
        rt_str t;
        TRY(rd_text(c, &t, f->name));
        if (!rt_utf8_decode_one(t.ptr, t.len, (uint32_t *)dst)) {
            c->d->p -= t.len;
            return cbor_fail(c->d, RT_EFORMAT, "%s: a Char is one Unicode scalar value, not %zu bytes",
                             f->name, t.len);
        }
        return RT_OK;
    }
    case F_RVALUE: {
        rt_rvalue *r = dst;
        const unsigned char *at = c->d->p;
        int k = 0;
        unsigned seen;
        TRY(rd_tagged(c, rvalue_names, rvalue_shapes, NF(rvalue_names), (char *)r, &k, "from",
                      depth, &seen));
        r->kind = (rt_rvalue_kind)k;
        /* Every kind but Literal carries its payload under "0" or "data". */
        if (k != RT_RVALUE_LITERAL && (seen & 6) != 2 && (seen & 6) != 4) {
            c->d->p = at;
            return cbor_fail(c->d, RT_EFORMAT, "from: %s needs exactly one of \"0\" and \"data\"",
                             rvalue_names[k]);
        }
        if (seen & 2)
            c->d->spelling |= RT_SPELLING_RVALUE_0;
        return RT_OK;
    }
    }
    return RT_OK;
}

static int rd_entries(ctx *c, uint64_t n, const field *fields, size_t nf, char *base,
                      const char *what, int depth, unsigned *seen_out)
{
    const unsigned char *map_at = c->d->p;
    unsigned seen = 0;
    for (uint64_t i = 0; i < n; i++) {
        const unsigned char *k;
        size_t klen;
        TRY(rd_text_raw(c, &k, &klen, "map key"));
        size_t j = 0;
        while (j < nf && !(fields[j].len == klen && memcmp(fields[j].name, k, klen) == 0))
            j++;
        if (j == nf) { /* unknown key: tolerated, its value skipped */
            if (!rt_utf8_valid((const char *)k, klen))
                return bad_utf8(c, k, "map key");
            TRY(cbor_skip(c->d));
            continue;
        }
        if (seen & (1u << j)) {
            c->d->p = k;
            return cbor_fail(c->d, RT_EFORMAT, "%s: duplicate key \"%s\"", what, fields[j].name);
        }
        seen |= 1u << j;
        TRY(rd_field(c, &fields[j], base, what, depth));
    }
    for (size_t j = 0; j < nf; j++) {
        if (seen & (1u << j))
            continue;
        if (!fields[j].optional) {
            c->d->p = map_at;
            return cbor_fail(c->d, RT_EFORMAT, "%s: missing \"%s\"", what, fields[j].name);
        }
        c->d->spelling |= fields[j].absent;
    }
    *seen_out = seen;
    return RT_OK;
}

static int rd_value(ctx *c, rt_value *v, int depth)
{
    if (depth > RT_MAX_DEPTH)
        return cbor_fail(c->d, RT_ELIMIT, "value nested deeper than %d", RT_MAX_DEPTH);
    static const char *const names[RT_VALUE_KIND_COUNT] = {
        "Int",       "Float", "Bool",  "String", "Sequence", "Tuple", "Struct",
        "Variant",   "Reference", "Raw", "Error", "None", "Cell", "BigInt", "Char"};
    int k = 0;
    unsigned seen;
    memset(v, 0, sizeof *v);
    TRY(rd_tagged(c, names, value_shapes, RT_VALUE_KIND_COUNT, (char *)v, &k, "value", depth + 1,
                  &seen));
    v->kind = (rt_value_kind)k;
    return RT_OK;
}

/* Bare-list payloads: Asm (strings). */
static int rd_strings(ctx *c, rt_event *e)
{
    uint64_t n = 0;
    void *items;
    TRY(rd_array_alloc(c, &n, 1, sizeof(rt_str), &items, "Asm"));
    for (uint64_t i = 0; i < n; i++)
        TRY(rd_text(c, (rt_str *)items + i, "Asm"));
    e->u.asm_lines.items = items;
    e->u.asm_lines.len = (size_t)n;
    return RT_OK;
}

static int event_kind(ctx *c, const unsigned char *s, size_t len, int *kind)
{
    for (int k = 0; k < RT_EVENT_KIND_COUNT; k++) {
        if (is_name(rt_event_kind_name((rt_event_kind)k), s, len)) {
            *kind = k;
            return RT_OK;
        }
    }
    if (!rt_utf8_valid((const char *)s, len))
        return bad_utf8(c, s, "event name");
    c->d->p = s;
    return cbor_fail(c->d, RT_EFORMAT, "unknown event \"%.*s\"", len > 40 ? 40 : (int)len,
                     (const char *)s);
}

int rt_cbor_decode_value(cbor_dec *d, rt_arena *arena, rt_value *v)
{
    ctx c = {d, arena};
    return rd_value(&c, v, 0);
}

int rt_cbor_decode_type(cbor_dec *d, rt_arena *arena, rt_type_record *t)
{
    ctx c = {d, arena};
    memset(t, 0, sizeof *t);
    return rd_struct(&c, type_fields, NF(type_fields), (char *)t, "Type", 0);
}

int rt_cbor_decode_args(cbor_dec *d, rt_arena *arena, const rt_full_value **args, size_t *len)
{
    ctx c = {d, arena};
    rt_event e;
    memset(&e, 0, sizeof e);
    TRY(rd_field(&c, &e_call[1], (char *)&e, "Call", 0));
    *args = e.u.call.args;
    *len = e.u.call.len;
    return RT_OK;
}

int rt_cbor_decode_assignment(cbor_dec *d, rt_arena *arena, rt_event *e)
{
    ctx c = {d, arena};
    memset(e, 0, sizeof *e);
    e->kind = RT_EVENT_ASSIGNMENT;
    return rd_struct(&c, e_assignment, NF(e_assignment), (char *)e, "Assignment", 0);
}

int rt_cbor_decode_event(cbor_dec *d, rt_arena *arena, rt_event *e)
{
    ctx c = {d, arena};
    const unsigned char *at = d->p;
    cbor_head h;
    int k = 0;
    memset(e, 0, sizeof *e);
    TRY(cbor_read_head(d, &h));
    if (h.major == CBOR_MAJOR_TEXT) { /* "DropLastStep", the one bare name */
        d->p = at;
        const unsigned char *s;
        size_t len;
        TRY(rd_text_raw(&c, &s, &len, "event"));
        TRY(event_kind(&c, s, len, &k));
        if (k != RT_EVENT_DROP_LAST_STEP) {
            d->p = s;
            return cbor_fail(d, RT_EFORMAT, "event %s without its payload", rt_event_kind_name((rt_event_kind)k));
        }
        e->kind = RT_EVENT_DROP_LAST_STEP;
        return RT_OK;
    }
    if (h.major != CBOR_MAJOR_MAP)
        return wrong_type(&c, at, "event", "a map or \"DropLastStep\"", h.major);
    if (h.arg != 1) {
        d->p = at;
        return cbor_fail(d, RT_EFORMAT, "an event is a map of one entry, not %llu",
                         (unsigned long long)h.arg);
    }
    const unsigned char *s;
    size_t len;
    TRY(rd_text_raw(&c, &s, &len, "event name"));
    TRY(event_kind(&c, s, len, &k));
    e->kind = (rt_event_kind)k;
    const char *name = rt_event_kind_name(e->kind);
    switch (e->kind) {
    case RT_EVENT_PATH:
        return rd_text(&c, &e->u.path, name);
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        return rd_text(&c, &e->u.name, name);
    case RT_EVENT_ASM:
        return rd_strings(&c, e);
    case RT_EVENT_DROP_VARIABLES: {
        static const field f = LST("DropVariables", F_IDS, EOFF(u.drop_variables.ids),
                                   EOFF(u.drop_variables.len));
        return rd_field(&c, &f, (char *)e, name, 0);
    }
    case RT_EVENT_DROP_VARIABLE:
        return rd_u64(&c, &e->u.drop_variable, name);
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH:
        return rd_u64(&c, &e->u.thread_id, name);
    case RT_EVENT_TYPE:
        return rd_struct(&c, type_fields, NF(type_fields), (char *)&e->u.type, name, 0);
    case RT_EVENT_DROP_LAST_STEP: { /* {"DropLastStep": null} */
        const unsigned char *v = d->p;
        TRY(cbor_read_head(d, &h));
        if (h.major != CBOR_MAJOR_SIMPLE || h.ai != 22)
            return wrong_type(&c, v, name, "null", h.major);
        return RT_OK;
    }
    default:
        if (e->kind == RT_EVENT_EVENT)
            e->u.event.metadata.ptr = ""; /* older writers omit it */
        return rd_struct(&c, event_shapes[k].fields, event_shapes[k].n, (char *)e, name, 0);
    }
}
