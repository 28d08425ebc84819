/* One trace.json array element into an rt_event: the serde layout of
 * FORMAT.md section 4, with its tolerances (unknown keys, "kind" anywhere,
 * the older and the Ruby recorder's forms) and strict about the rest. */
#include <stddef.h>
#include <string.h>

#include "common/utf8.h"
#include "json/json_reader.h"
#include "model/model.h"

/* What a field holds, and so how it is read. */
enum ftype {
    FT_U64, FT_I64, FT_F64, FT_BOOL, FT_STR,
    FT_VALUE,     /* rt_value in place */
    FT_VALUE_PTR, /* const rt_value * to one value in the arena */
    FT_VALUES,    /* const rt_value *items at off, size_t len at off2 */
    FT_ARGS,      /* const rt_full_value * + len */
    FT_FIELDS,    /* const rt_field_type * + len */
    FT_IDS,       /* const uint64_t * + len */
    FT_INFO,      /* TypeSpecificInfo into the rt_type_record at off */
    FT_RVALUE,    /* rt_rvalue at off */
    FT_RV_CALL,   /* {"call_key":..} into the rt_rvalue at off */
    FT_RV_ACCESS, /* {"receiver":..,"field":..} into the rt_rvalue at off */
    FT_RV_INDEX,  /* {"receiver":..,"index":..} into the rt_rvalue at off */
    FT_CHAR,      /* uint32_t from a string of one Unicode scalar value */
    FT_PASS_BY, FT_TYPE_KIND, FT_LOG_KIND,
    FT_BASE64     /* const uint8_t * + len */
};

typedef struct jfield {
    const char *name;
    unsigned char len;      /* strlen(name) */
    unsigned char type;
    unsigned char bit;      /* fields sharing a bit are two spellings of one */
    unsigned char absent;   /* 0: required; else optional, its absence noted as this rt_spelling */
    unsigned char present;  /* rt_spelling noted when the field is read */
    unsigned short off, off2;
} jfield;

#define F(name, type, bit, st, m)                                                             \
    {name, sizeof(name) - 1, type, bit, 0, 0, (unsigned short)offsetof(st, m), 0}
/* Optional to our reader, required by 0.19's. */
#define FO(name, type, bit, st, m, sp)                                                        \
    {name, sizeof(name) - 1, type, bit, sp, 0, (unsigned short)offsetof(st, m), 0}
/* An older spelling of the field of the same bit. */
#define FOLD(name, type, bit, st, m, sp)                                                      \
    {name, sizeof(name) - 1, type, bit, 0, sp, (unsigned short)offsetof(st, m), 0}
#define FL(name, type, bit, st, m, n)                                                         \
    {name, sizeof(name) - 1, type, bit, 0, 0, (unsigned short)offsetof(st, m),                \
     (unsigned short)offsetof(st, n)}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* How "kind" is treated by parse_fields. */
enum kind_policy {
    KIND_FIELD,    /* an ordinary key (looked up in the table or skipped) */
    KIND_SEEN,     /* the tag, already read: one more is a duplicate */
    KIND_SKIP      /* the tag, already read and checked by a full scan */
};

static int parse_value(rt_jcur *c, rt_value *v, int depth);

static bool key_is(rt_str k, const char *name)
{
    size_t n = strlen(name);
    return k.len == n && memcmp(k.ptr, name, n) == 0;
}

/* A name with its length, for lookups that run on every event. */
typedef struct jname {
    const char *s;
    size_t n;
} jname;
#define N(s) {s, sizeof(s) - 1}

static bool key_is_n(rt_str k, const char *name, size_t n)
{
    return k.len == n && memcmp(k.ptr, name, n) == 0;
}

/* In rt_event_kind order. */
static const jname event_names[RT_EVENT_KIND_COUNT] = {
    N("Step"), N("Path"), N("VariableName"), N("Variable"), N("Type"), N("Value"),
    N("Function"), N("Call"), N("Return"), N("Event"), N("Asm"), N("BindVariable"),
    N("Assignment"), N("DropVariables"), N("CompoundValue"), N("CellValue"),
    N("AssignCompoundItem"), N("AssignCell"), N("VariableCell"), N("DropVariable"),
    N("DropLastStep"), N("ThreadStart"), N("ThreadExit"), N("ThreadSwitch")};

/* In rt_value_kind order; "what" names the value in messages. */
static const struct {
    jname kind;
    const char *what;
} value_names[RT_VALUE_KIND_COUNT] = {
    {N("Int"), "Int value"},         {N("Float"), "Float value"},
    {N("Bool"), "Bool value"},       {N("String"), "String value"},
    {N("Sequence"), "Sequence value"}, {N("Tuple"), "Tuple value"},
    {N("Struct"), "Struct value"},   {N("Variant"), "Variant value"},
    {N("Reference"), "Reference value"}, {N("Raw"), "Raw value"},
    {N("Error"), "Error value"},     {N("None"), "None value"},
    {N("Cell"), "Cell value"},       {N("BigInt"), "BigInt value"},
    {N("Char"), "Char value"}};

/* ---- lists -------------------------------------------------------------- */

static int parse_values(rt_jcur *c, const rt_value **items, size_t *len, int depth)
{
    bool empty, done = false;
    int rc = rt_jarr_begin(c, "an array of values", &empty);
    size_t mark = c->stack->len;
    while (!rc && !empty && !done) {
        rt_value v;
        if ((rc = parse_value(c, &v, depth)) || (rc = rt_jpush(c, &v, sizeof v)))
            break;
        rc = rt_jarr_next(c, &done);
    }
    if (rc) {
        c->stack->len = mark;
        return rc;
    }
    return rt_jlist_finish(c, mark, sizeof(rt_value), (const void **)items, len);
}

static int parse_ids(rt_jcur *c, const uint64_t **items, size_t *len)
{
    bool empty, done = false;
    int rc = rt_jarr_begin(c, "an array of ids", &empty);
    size_t mark = c->stack->len;
    while (!rc && !empty && !done) {
        uint64_t id;
        if ((rc = rt_ju64(c, &id)) || (rc = rt_jpush(c, &id, sizeof id)))
            break;
        rc = rt_jarr_next(c, &done);
    }
    if (rc) {
        c->stack->len = mark;
        return rc;
    }
    return rt_jlist_finish(c, mark, sizeof(uint64_t), (const void **)items, len);
}

static int parse_strs(rt_jcur *c, const rt_str **items, size_t *len)
{
    bool empty, done = false;
    int rc = rt_jarr_begin(c, "an array of strings", &empty);
    size_t mark = c->stack->len;
    while (!rc && !empty && !done) {
        rt_str s;
        if ((rc = rt_jstr(c, &s)) || (rc = rt_jpush(c, &s, sizeof s)))
            break;
        rc = rt_jarr_next(c, &done);
    }
    if (rc) {
        c->stack->len = mark;
        return rc;
    }
    return rt_jlist_finish(c, mark, sizeof(rt_str), (const void **)items, len);
}

/* ---- structs ------------------------------------------------------------ */

static int parse_field(rt_jcur *c, const jfield *f, unsigned char *base, int depth);

/* Reads the members of an object into base by the table. mid: the start
 * of the object, already open with one member read (the tag); NULL: the
 * object starts here. */
static int parse_fields(rt_jcur *c, const jfield *fs, size_t nf, void *base, int depth,
                        const char *what, enum kind_policy kp, const char *mid)
{
    unsigned seen = 0, required = 0, lax = 0;
    bool done = false, empty = false;
    int rc;
    for (size_t i = 0; i < nf; i++)
        if (!fs[i].absent)
            required |= 1u << fs[i].bit;
        else
            lax |= 1u << fs[i].bit;
    rt_jskip_ws(c);
    const char *start = mid ? mid : c->p;
    if (mid)
        rc = rt_jobj_next(c, &done);
    else
        rc = rt_jobj_begin(c, what, &empty);
    if (rc)
        return rc;
    while (!empty && !done) {
        rt_str key;
        rt_jskip_ws(c);
        const char *at = c->p;
        if ((rc = rt_jkey(c, &key)) || (rc = rt_jexpect(c, ':', "after a key")))
            return rc;
        const jfield *f = NULL;
        if (kp != KIND_FIELD && key_is(key, "kind")) {
            if (kp == KIND_SEEN)
                return rt_jerr(c, RT_EFORMAT, at, "%s: duplicate field `kind`", what);
        } else {
            for (size_t i = 0; i < nf && !f; i++)
                if (key_is_n(key, fs[i].name, fs[i].len))
                    f = &fs[i];
        }
        if (!f) {
            if ((rc = rt_jskip(c, RT_MAX_DEPTH)))
                return rc;
        } else {
            if (seen & (1u << f->bit))
                return rt_jerr(c, RT_EFORMAT, at, "%s: duplicate field `%s`", what, f->name);
            seen |= 1u << f->bit;
            c->spelling |= f->present;
            if ((rc = parse_field(c, f, base, depth)))
                return rc;
        }
        if ((rc = rt_jobj_next(c, &done)))
            return rc;
    }
    if ((seen & required) != required) {
        for (size_t i = 0; i < nf; i++)
            if (!fs[i].absent && !(seen & (1u << fs[i].bit)))
                return rt_jerr(c, RT_EFORMAT, start, "%s: missing field `%s`", what, fs[i].name);
    }
    if (lax & ~seen) {
        for (size_t i = 0; i < nf; i++)
            if (!(seen & (1u << fs[i].bit)))
                c->spelling |= fs[i].absent;
    }
    return RT_OK;
}

/* Reads the "kind" tag of the object at c->p. When it is the first member
 * the cursor stays after it and *mid is the object's start; otherwise the
 * whole object is scanned for it, the cursor goes back to the object's
 * start and *mid is NULL. */
static int find_kind(rt_jcur *c, const char *what, rt_str *kind, const char **mid)
{
    rt_jskip_ws(c);
    const char *start = c->p;
    bool empty, done = false, found = false;
    int rc = rt_jobj_begin(c, what, &empty);
    if (rc)
        return rc;
    bool first = true;
    while (!empty && !done) {
        rt_str key;
        rt_jskip_ws(c);
        const char *at = c->p;
        if ((rc = rt_jkey(c, &key)) || (rc = rt_jexpect(c, ':', "after a key")))
            return rc;
        if (key_is(key, "kind")) {
            if (found)
                return rt_jerr(c, RT_EFORMAT, at, "%s: duplicate field `kind`", what);
            rt_jskip_ws(c);
            at = c->p;
            if (c->p >= c->end || *c->p != '"')
                return rt_jerr(c, RT_EFORMAT, at, "%s: `kind` must be a string", what);
            if ((rc = rt_jkey(c, kind)))
                return rc;
            found = true;
            if (first) {
                *mid = start;
                return RT_OK;
            }
        } else if ((rc = rt_jskip(c, RT_MAX_DEPTH))) {
            return rc;
        }
        first = false;
        if ((rc = rt_jobj_next(c, &done)))
            return rc;
    }
    if (!found)
        return rt_jerr(c, RT_EFORMAT, start, "%s: missing field `kind`", what);
    c->p = start;
    *mid = NULL;
    return RT_OK;
}

static int unknown_variant(rt_jcur *c, const char *at, const char *what, rt_str name)
{
    return rt_jerr(c, RT_EFORMAT, at, "unknown %s \"%.*s\"", what, (int)(name.len > 60 ? 60 : name.len),
                   name.ptr);
}

/* ---- ValueRecord -------------------------------------------------------- */

#define V(name, type, bit, m) F(name, type, bit, rt_value, m)
#define TYPE_ID V("type_id", FT_U64, 7, type_id)

static const jfield f_int[] = {V("i", FT_I64, 0, u.i), TYPE_ID};
static const jfield f_float[] = {V("f", FT_F64, 0, u.f), TYPE_ID};
static const jfield f_bool[] = {V("b", FT_BOOL, 0, flag), TYPE_ID};
static const jfield f_string[] = {V("text", FT_STR, 0, u.text), TYPE_ID};
static const jfield f_sequence[] = {
    FL("elements", FT_VALUES, 0, rt_value, u.list.items, u.list.len),
    FO("is_slice", FT_BOOL, 1, rt_value, flag, RT_SPELLING_NO_IS_SLICE), TYPE_ID};
static const jfield f_tuple[] = {FL("elements", FT_VALUES, 0, rt_value, u.list.items, u.list.len),
                                 TYPE_ID};
static const jfield f_struct[] = {
    FL("field_values", FT_VALUES, 0, rt_value, u.list.items, u.list.len), TYPE_ID};
static const jfield f_variant[] = {V("discriminator", FT_STR, 0, u.variant.discriminator),
                                   V("contents", FT_VALUE_PTR, 1, u.variant.contents), TYPE_ID};
static const jfield f_reference[] = {V("dereferenced", FT_VALUE_PTR, 0, u.reference.dereferenced),
                                     V("address", FT_U64, 1, u.reference.address),
                                     V("mutable", FT_BOOL, 2, flag), TYPE_ID};
static const jfield f_raw[] = {V("r", FT_STR, 0, u.text), TYPE_ID};
static const jfield f_error[] = {V("msg", FT_STR, 0, u.text), TYPE_ID};
static const jfield f_none[] = {TYPE_ID};
static const jfield f_cell[] = {V("place", FT_I64, 0, u.place)};
static const jfield f_bigint[] = {FL("b", FT_BASE64, 0, rt_value, u.bigint.bytes, u.bigint.len),
                                  V("negative", FT_BOOL, 1, flag), TYPE_ID};
static const jfield f_char[] = {V("c", FT_CHAR, 0, u.ch), TYPE_ID};

static const struct {
    const jfield *fields;
    size_t n;
} value_tables[RT_VALUE_KIND_COUNT] = {
    [RT_VALUE_INT] = {f_int, COUNT(f_int)},
    [RT_VALUE_FLOAT] = {f_float, COUNT(f_float)},
    [RT_VALUE_BOOL] = {f_bool, COUNT(f_bool)},
    [RT_VALUE_STRING] = {f_string, COUNT(f_string)},
    [RT_VALUE_SEQUENCE] = {f_sequence, COUNT(f_sequence)},
    [RT_VALUE_TUPLE] = {f_tuple, COUNT(f_tuple)},
    [RT_VALUE_STRUCT] = {f_struct, COUNT(f_struct)},
    [RT_VALUE_VARIANT] = {f_variant, COUNT(f_variant)},
    [RT_VALUE_REFERENCE] = {f_reference, COUNT(f_reference)},
    [RT_VALUE_RAW] = {f_raw, COUNT(f_raw)},
    [RT_VALUE_ERROR] = {f_error, COUNT(f_error)},
    [RT_VALUE_NONE] = {f_none, COUNT(f_none)},
    [RT_VALUE_CELL] = {f_cell, COUNT(f_cell)},
    [RT_VALUE_BIGINT] = {f_bigint, COUNT(f_bigint)},
    [RT_VALUE_CHAR] = {f_char, COUNT(f_char)},
};

static int parse_value(rt_jcur *c, rt_value *v, int depth)
{
    memset(v, 0, sizeof *v);
    rt_jskip_ws(c);
    const char *at = c->p;
    if (depth > RT_MAX_DEPTH)
        return rt_jerr(c, RT_ELIMIT, at, "value nested deeper than %d", RT_MAX_DEPTH);
    rt_str kind;
    const char *mid;
    int rc = find_kind(c, "value", &kind, &mid);
    if (rc)
        return rc;
    int k;
    for (k = 0; k < RT_VALUE_KIND_COUNT; k++)
        if (key_is_n(kind, value_names[k].kind.s, value_names[k].kind.n))
            break;
    if (k == RT_VALUE_KIND_COUNT)
        return unknown_variant(c, at, "value kind", kind);
    v->kind = (rt_value_kind)k;
    return parse_fields(c, value_tables[k].fields, value_tables[k].n, v, depth + 1,
                        value_names[k].what, mid ? KIND_SEEN : KIND_SKIP, mid);
}

/* ---- TypeSpecificInfo, RValue ------------------------------------------- */

static const jfield f_field_type[] = {F("name", FT_STR, 0, rt_field_type, name),
                                      F("type_id", FT_U64, 1, rt_field_type, type_id)};
static const jfield f_info_struct[] = {
    FL("fields", FT_FIELDS, 0, rt_type_record, info.fields.items, info.fields.len)};
static const jfield f_info_pointer[] = {
    F("dereference_type_id", FT_U64, 0, rt_type_record, info.dereference_type_id)};

static int parse_info(rt_jcur *c, rt_type_record *t)
{
    rt_jskip_ws(c);
    const char *at = c->p;
    rt_str kind;
    const char *mid;
    int rc = find_kind(c, "specific_info", &kind, &mid);
    if (rc)
        return rc;
    enum kind_policy kp = mid ? KIND_SEEN : KIND_SKIP;
    if (key_is(kind, "None")) {
        t->info_kind = RT_INFO_NONE;
        return parse_fields(c, NULL, 0, t, 0, "specific_info None", kp, mid);
    }
    if (key_is(kind, "Struct")) {
        t->info_kind = RT_INFO_STRUCT;
        return parse_fields(c, f_info_struct, COUNT(f_info_struct), t, 0, "specific_info Struct",
                            kp, mid);
    }
    if (key_is(kind, "Pointer")) {
        t->info_kind = RT_INFO_POINTER;
        return parse_fields(c, f_info_pointer, COUNT(f_info_pointer), t, 0,
                            "specific_info Pointer", kp, mid);
    }
    return unknown_variant(c, at, "specific_info kind", kind);
}

/* "0" is the form of the reference's spec, "data" the Ruby recorder's. */
#define RV0(type, m) FOLD("0", type, 0, rt_rvalue, m, RT_SPELLING_RVALUE_0)
static const jfield f_rv_simple[] = {RV0(FT_U64, simple),
                                     F("data", FT_U64, 0, rt_rvalue, simple)};
static const jfield f_rv_compound[] = {{"0", 1, FT_IDS, 0, 0, RT_SPELLING_RVALUE_0,
                                        (unsigned short)offsetof(rt_rvalue, ids),
                                        (unsigned short)offsetof(rt_rvalue, len)},
                                       FL("data", FT_IDS, 0, rt_rvalue, ids, len)};

/* Newer Ruby recorders: FunctionReturn{call_key} and FieldAccess{receiver, field}. */
static const jfield f_rv_call_fields[] = {F("call_key", FT_I64, 0, rt_rvalue, call_key)};
static const jfield f_rv_access_fields[] = {F("receiver", FT_U64, 0, rt_rvalue, simple),
                                            F("field", FT_STR, 1, rt_rvalue, field)};
static const jfield f_rv_call[] = {RV0(FT_RV_CALL, kind),
                                   F("data", FT_RV_CALL, 0, rt_rvalue, kind)};
static const jfield f_rv_access[] = {RV0(FT_RV_ACCESS, kind),
                                     F("data", FT_RV_ACCESS, 0, rt_rvalue, kind)};
/* 0.19: IndexAccess{receiver, index}. */
static const jfield f_rv_index_fields[] = {F("receiver", FT_U64, 0, rt_rvalue, simple),
                                           F("index", FT_I64, 1, rt_rvalue, index)};
static const jfield f_rv_index[] = {RV0(FT_RV_INDEX, kind),
                                    F("data", FT_RV_INDEX, 0, rt_rvalue, kind)};

static int parse_rvalue(rt_jcur *c, rt_rvalue *r)
{
    rt_jskip_ws(c);
    const char *at = c->p;
    rt_str kind;
    const char *mid;
    int rc = find_kind(c, "rvalue", &kind, &mid);
    if (rc)
        return rc;
    enum kind_policy kp = mid ? KIND_SEEN : KIND_SKIP;
    memset(r, 0, sizeof *r);
    if (key_is(kind, "Simple")) {
        r->kind = RT_RVALUE_SIMPLE;
        return parse_fields(c, f_rv_simple, COUNT(f_rv_simple), r, 0, "Simple rvalue", kp, mid);
    }
    if (key_is(kind, "Compound")) {
        r->kind = RT_RVALUE_COMPOUND;
        return parse_fields(c, f_rv_compound, COUNT(f_rv_compound), r, 0, "Compound rvalue", kp,
                            mid);
    }
    if (key_is(kind, "Literal")) {
        r->kind = RT_RVALUE_LITERAL;
        return parse_fields(c, NULL, 0, r, 0, "Literal rvalue", kp, mid);
    }
    if (key_is(kind, "FunctionReturn")) {
        r->kind = RT_RVALUE_FUNCTION_RETURN;
        return parse_fields(c, f_rv_call, COUNT(f_rv_call), r, 0, "FunctionReturn rvalue", kp, mid);
    }
    if (key_is(kind, "FieldAccess")) {
        r->kind = RT_RVALUE_FIELD_ACCESS;
        return parse_fields(c, f_rv_access, COUNT(f_rv_access), r, 0, "FieldAccess rvalue", kp,
                            mid);
    }
    if (key_is(kind, "IndexAccess")) {
        r->kind = RT_RVALUE_INDEX_ACCESS;
        return parse_fields(c, f_rv_index, COUNT(f_rv_index), r, 0, "IndexAccess rvalue", kp,
                            mid);
    }
    return unknown_variant(c, at, "rvalue kind", kind);
}

/* ---- fields ------------------------------------------------------------- */

static const jfield f_full_value[] = {F("variable_id", FT_U64, 0, rt_full_value, variable_id),
                                      F("value", FT_VALUE, 1, rt_full_value, value)};

static int parse_args(rt_jcur *c, const rt_full_value **items, size_t *len)
{
    bool empty, done = false;
    int rc = rt_jarr_begin(c, "an array of arguments", &empty);
    size_t mark = c->stack->len;
    while (!rc && !empty && !done) {
        rt_full_value fv;
        memset(&fv, 0, sizeof fv);
        if ((rc = parse_fields(c, f_full_value, COUNT(f_full_value), &fv, 0, "argument",
                               KIND_FIELD, NULL)) ||
            (rc = rt_jpush(c, &fv, sizeof fv)))
            break;
        rc = rt_jarr_next(c, &done);
    }
    if (rc) {
        c->stack->len = mark;
        return rc;
    }
    return rt_jlist_finish(c, mark, sizeof(rt_full_value), (const void **)items, len);
}

static int parse_field_types(rt_jcur *c, const rt_field_type **items, size_t *len)
{
    bool empty, done = false;
    int rc = rt_jarr_begin(c, "an array of fields", &empty);
    size_t mark = c->stack->len;
    while (!rc && !empty && !done) {
        rt_field_type ft;
        memset(&ft, 0, sizeof ft);
        if ((rc = parse_fields(c, f_field_type, COUNT(f_field_type), &ft, 0, "struct field",
                               KIND_FIELD, NULL)) ||
            (rc = rt_jpush(c, &ft, sizeof ft)))
            break;
        rc = rt_jarr_next(c, &done);
    }
    if (rc) {
        c->stack->len = mark;
        return rc;
    }
    return rt_jlist_finish(c, mark, sizeof(rt_field_type), (const void **)items, len);
}

static int parse_field(rt_jcur *c, const jfield *f, unsigned char *base, int depth)
{
    void *dst = base + f->off;
    void *dst2 = base + f->off2;
    rt_jskip_ws(c);
    const char *at = c->p;
    int rc;
    switch ((enum ftype)f->type) {
    case FT_U64:
        return rt_ju64(c, (uint64_t *)dst);
    case FT_I64:
        return rt_ji64(c, (int64_t *)dst);
    case FT_F64:
        return rt_jf64(c, (double *)dst);
    case FT_BOOL:
        return rt_jbool(c, (bool *)dst);
    case FT_STR:
        return rt_jstr(c, (rt_str *)dst);
    case FT_VALUE:
        return parse_value(c, (rt_value *)dst, depth);
    case FT_VALUE_PTR: {
        rt_value *v = rt_jalloc(c, sizeof *v);
        if (!v)
            return RT_ENOMEM;
        if ((rc = parse_value(c, v, depth)))
            return rc;
        *(const rt_value **)dst = v;
        return RT_OK;
    }
    case FT_VALUES:
        return parse_values(c, (const rt_value **)dst, (size_t *)dst2, depth);
    case FT_ARGS:
        return parse_args(c, (const rt_full_value **)dst, (size_t *)dst2);
    case FT_FIELDS:
        return parse_field_types(c, (const rt_field_type **)dst, (size_t *)dst2);
    case FT_IDS:
        return parse_ids(c, (const uint64_t **)dst, (size_t *)dst2);
    case FT_INFO:
        return parse_info(c, (rt_type_record *)dst);
    case FT_RVALUE:
        return parse_rvalue(c, (rt_rvalue *)dst);
    case FT_RV_CALL:
        return parse_fields(c, f_rv_call_fields, COUNT(f_rv_call_fields), dst, depth,
                            "FunctionReturn data", KIND_FIELD, NULL);
    case FT_RV_ACCESS:
        return parse_fields(c, f_rv_access_fields, COUNT(f_rv_access_fields), dst, depth,
                            "FieldAccess data", KIND_FIELD, NULL);
    case FT_RV_INDEX:
        return parse_fields(c, f_rv_index_fields, COUNT(f_rv_index_fields), dst, depth,
                            "IndexAccess data", KIND_FIELD, NULL);
    case FT_CHAR: {
        c->spelling |= RT_SPELLING_CHAR;
        rt_str s;
        if ((rc = rt_jstr(c, &s)))
            return rc;
        if (!rt_utf8_decode_one(s.ptr, s.len, (uint32_t *)dst))
            return rt_jerr(c, RT_EFORMAT, at, "Char: `c` must be one Unicode scalar value");
        return RT_OK;
    }
    case FT_PASS_BY: {
        rt_str s;
        if ((rc = rt_jkey(c, &s)))
            return rc;
        if (key_is(s, "Value"))
            *(rt_pass_by *)dst = RT_PASS_BY_VALUE;
        else if (key_is(s, "Reference"))
            *(rt_pass_by *)dst = RT_PASS_BY_REFERENCE;
        else
            return unknown_variant(c, at, "pass_by", s);
        return RT_OK;
    }
    case FT_TYPE_KIND:
    case FT_LOG_KIND: {
        uint64_t k;
        if ((rc = rt_ju64(c, &k)))
            return rc;
        bool type = f->type == FT_TYPE_KIND;
        if (k >= (type ? RT_TYPE_KIND_COUNT : RT_EVENT_LOG_KIND_COUNT))
            return rt_jerr(c, RT_ERANGE, at, "unknown %s %llu", type ? "TypeKind" : "EventLogKind",
                           (unsigned long long)k);
        if (type)
            *(rt_type_kind *)dst = (rt_type_kind)k;
        else
            *(rt_event_log_kind *)dst = (rt_event_log_kind)k;
        return RT_OK;
    }
    case FT_BASE64: {
        rt_str s;
        if ((rc = rt_jkey(c, &s)))
            return rc;
        rc = rt_jbase64_decode(c, s, (const uint8_t **)dst, (size_t *)dst2);
        if (rc == RT_EFORMAT)
            return rt_jerr(c, RT_EFORMAT, at, "BigInt: invalid base64 in `b`");
        return rc;
    }
    }
    return rt_jerr(c, RT_EINVAL, at, "internal: bad field table");
}

/* ---- events ------------------------------------------------------------- */

#define E(name, type, bit, m) F(name, type, bit, rt_event, m)

static const jfield e_step[] = {E("path_id", FT_U64, 0, u.step.path_id),
                                E("line", FT_I64, 1, u.step.line)};
static const jfield e_type[] = {E("kind", FT_TYPE_KIND, 0, u.type.kind),
                                E("lang_type", FT_STR, 1, u.type.lang_type),
                                E("specific_info", FT_INFO, 2, u.type)};
static const jfield e_value[] = {E("variable_id", FT_U64, 0, u.value.variable_id),
                                 E("value", FT_VALUE, 1, u.value.value)};
static const jfield e_function[] = {E("path_id", FT_U64, 0, u.function.path_id),
                                    E("line", FT_I64, 1, u.function.line),
                                    E("name", FT_STR, 2, u.function.name)};
static const jfield e_call[] = {E("function_id", FT_U64, 0, u.call.function_id),
                                FL("args", FT_ARGS, 1, rt_event, u.call.args, u.call.len)};
static const jfield e_return[] = {E("return_value", FT_VALUE, 0, u.return_value)};
/* Older writers leave metadata out; it reads as "". */
static const jfield e_event[] = {E("kind", FT_LOG_KIND, 0, u.event.kind),
                                 FO("metadata", FT_STR, 1, rt_event, u.event.metadata,
                                    RT_SPELLING_NO_METADATA),
                                 E("content", FT_STR, 2, u.event.content)};
static const jfield e_bind[] = {E("variable_id", FT_U64, 0, u.bind.variable_id),
                                E("place", FT_I64, 1, u.bind.place)};
static const jfield e_assignment[] = {E("to", FT_U64, 0, u.assignment.to),
                                      E("pass_by", FT_PASS_BY, 1, u.assignment.pass_by),
                                      E("from", FT_RVALUE, 2, u.assignment.from)};
static const jfield e_place_value[] = {E("place", FT_I64, 0, u.place_value.place),
                                       E("value", FT_VALUE, 1, u.place_value.value)};
static const jfield e_assign_cell[] = {E("place", FT_I64, 0, u.place_value.place),
                                       E("new_value", FT_VALUE, 1, u.place_value.value)};
static const jfield e_assign_item[] = {E("place", FT_I64, 0, u.assign_item.place),
                                       E("index", FT_U64, 1, u.assign_item.index),
                                       E("item_place", FT_I64, 2, u.assign_item.item_place)};

static int parse_payload(rt_jcur *c, rt_event *e)
{
    const char *what = rt_event_kind_name(e->kind);
    switch (e->kind) {
    case RT_EVENT_STEP:
        return parse_fields(c, e_step, COUNT(e_step), e, 0, what, KIND_FIELD, NULL);
    case RT_EVENT_PATH:
        return rt_jstr(c, &e->u.path);
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        return rt_jstr(c, &e->u.name);
    case RT_EVENT_TYPE:
        return parse_fields(c, e_type, COUNT(e_type), e, 0, what, KIND_FIELD, NULL);
    case RT_EVENT_VALUE:
        return parse_fields(c, e_value, COUNT(e_value), e, 0, what, KIND_FIELD, NULL);
    case RT_EVENT_FUNCTION:
        return parse_fields(c, e_function, COUNT(e_function), e, 0, what, KIND_FIELD, NULL);
    case RT_EVENT_CALL:
        return parse_fields(c, e_call, COUNT(e_call), e, 0, what, KIND_FIELD, NULL);
    case RT_EVENT_RETURN:
        return parse_fields(c, e_return, COUNT(e_return), e, 0, what, KIND_FIELD, NULL);
    case RT_EVENT_EVENT:
        e->u.event.metadata.ptr = "";
        return parse_fields(c, e_event, COUNT(e_event), e, 0, what, KIND_FIELD, NULL);
    case RT_EVENT_ASM:
        return parse_strs(c, &e->u.asm_lines.items, &e->u.asm_lines.len);
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
        return parse_fields(c, e_bind, COUNT(e_bind), e, 0, what, KIND_FIELD, NULL);
    case RT_EVENT_ASSIGNMENT:
        return parse_fields(c, e_assignment, COUNT(e_assignment), e, 0, what, KIND_FIELD, NULL);
    case RT_EVENT_DROP_VARIABLES:
        return parse_ids(c, &e->u.drop_variables.ids, &e->u.drop_variables.len);
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
        return parse_fields(c, e_place_value, COUNT(e_place_value), e, 0, what, KIND_FIELD, NULL);
    case RT_EVENT_ASSIGN_CELL:
        return parse_fields(c, e_assign_cell, COUNT(e_assign_cell), e, 0, what, KIND_FIELD, NULL);
    case RT_EVENT_ASSIGN_COMPOUND_ITEM:
        return parse_fields(c, e_assign_item, COUNT(e_assign_item), e, 0, what, KIND_FIELD, NULL);
    case RT_EVENT_DROP_VARIABLE:
        return rt_ju64(c, &e->u.drop_variable);
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH:
        return rt_ju64(c, &e->u.thread_id);
    case RT_EVENT_DROP_LAST_STEP:
        if (rt_jnull(c))
            return RT_OK;
        return rt_jerr(c, RT_EFORMAT, c->p, "DropLastStep: expected null");
    }
    return rt_jerr(c, RT_EINVAL, c->p, "internal: unknown event kind");
}

int rt_json_parse_event(rt_jcur *c, rt_event *e)
{
    memset(e, 0, sizeof *e);
    rt_jskip_ws(c);
    const char *at = c->p;
    int rc;
    int k;
    rt_str name;
    if (c->p < c->end && *c->p == '"') {
        if ((rc = rt_jkey(c, &name)))
            return rc;
        if (!key_is(name, "DropLastStep"))
            return unknown_variant(c, at, "event", name);
        e->kind = RT_EVENT_DROP_LAST_STEP;
    } else {
        bool empty, done;
        if ((rc = rt_jobj_begin(c, "an event (an object or \"DropLastStep\")", &empty)))
            return rc;
        if (empty)
            return rt_jerr(c, RT_EFORMAT, at, "an empty object is not an event");
        rt_jskip_ws(c);
        const char *key_at = c->p;
        if ((rc = rt_jkey(c, &name)) || (rc = rt_jexpect(c, ':', "after the event name")))
            return rc;
        for (k = 0; k < RT_EVENT_KIND_COUNT; k++)
            if (key_is_n(name, event_names[k].s, event_names[k].n))
                break;
        if (k == RT_EVENT_KIND_COUNT)
            return unknown_variant(c, key_at, "event", name);
        e->kind = (rt_event_kind)k;
        if ((rc = parse_payload(c, e)))
            return rc;
        rt_jskip_ws(c);
        const char *after = c->p;
        if ((rc = rt_jobj_next(c, &done)))
            return rc;
        if (!done)
            return rt_jerr(c, RT_EFORMAT, after, "an event object must have exactly one key");
    }
    rt_jskip_ws(c);
    if (c->p != c->end)
        return rt_jerr(c, RT_EFORMAT, c->p, "unexpected data after the event");
    return RT_OK;
}
