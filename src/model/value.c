/* Value constructors: they fill a struct and never allocate. */
#include <string.h>

#include "runtime_tracing.h"

rt_str rt_str_c(const char *s)
{
    rt_str r = {s ? s : "", s ? strlen(s) : 0};
    return r;
}

/* Field by field, not memset and return: gcc builds a memset struct on the
 * stack and copies it out with loads that straddle its stores (a
 * store-forwarding stall that cost more than the rest of a Value event).
 * Every field is set, the whole union too (the bytes a kind does not use). */
static inline void init(rt_value *v, rt_value_kind kind, rt_type_id type_id)
{
    v->kind = kind;
    v->flag = false;
    v->type_id = type_id;
    v->u.variant.discriminator.ptr = NULL;
    v->u.variant.discriminator.len = 0;
    v->u.variant.contents = NULL;
}

rt_value rt_value_int(int64_t i, rt_type_id type_id)
{
    rt_value v;
    init(&v, RT_VALUE_INT, type_id);
    v.u.i = i;
    return v;
}
rt_value rt_value_float(double f, rt_type_id type_id)
{
    rt_value v;
    init(&v, RT_VALUE_FLOAT, type_id);
    v.u.f = f;
    return v;
}
rt_value rt_value_bool(bool b, rt_type_id type_id)
{
    rt_value v;
    init(&v, RT_VALUE_BOOL, type_id);
    v.flag = b;
    return v;
}
rt_value rt_value_string(const char *text, rt_type_id type_id)
{
    rt_value v;
    init(&v, RT_VALUE_STRING, type_id);
    v.u.text = rt_str_c(text);
    return v;
}
rt_value rt_value_string_n(const char *text, size_t len, rt_type_id type_id)
{
    rt_value v;
    init(&v, RT_VALUE_STRING, type_id);
    v.u.text.ptr = text ? text : "";
    v.u.text.len = text ? len : 0;
    return v;
}
static rt_value list(rt_value_kind kind, const rt_value *items, size_t len, rt_type_id type_id)
{
    rt_value v;
    init(&v, kind, type_id);
    v.u.list.items = items;
    v.u.list.len = items ? len : 0;
    return v;
}
rt_value rt_value_sequence(const rt_value *items, size_t len, bool is_slice, rt_type_id type_id)
{
    rt_value v = list(RT_VALUE_SEQUENCE, items, len, type_id);
    v.flag = is_slice;
    return v;
}
rt_value rt_value_tuple(const rt_value *items, size_t len, rt_type_id type_id)
{
    return list(RT_VALUE_TUPLE, items, len, type_id);
}
rt_value rt_value_struct(const rt_value *fields, size_t len, rt_type_id type_id)
{
    return list(RT_VALUE_STRUCT, fields, len, type_id);
}
rt_value rt_value_variant(const char *discriminator, const rt_value *contents, rt_type_id type_id)
{
    rt_value v;
    init(&v, RT_VALUE_VARIANT, type_id);
    v.u.variant.discriminator = rt_str_c(discriminator);
    v.u.variant.contents = contents;
    return v;
}
rt_value rt_value_reference(const rt_value *dereferenced, uint64_t address, bool mutable_,
                            rt_type_id type_id)
{
    rt_value v;
    init(&v, RT_VALUE_REFERENCE, type_id);
    v.u.reference.dereferenced = dereferenced;
    v.u.reference.address = address;
    v.flag = mutable_;
    return v;
}
rt_value rt_value_raw(const char *r, rt_type_id type_id)
{
    rt_value v;
    init(&v, RT_VALUE_RAW, type_id);
    v.u.text = rt_str_c(r);
    return v;
}
rt_value rt_value_error(const char *msg, rt_type_id type_id)
{
    rt_value v;
    init(&v, RT_VALUE_ERROR, type_id);
    v.u.text = rt_str_c(msg);
    return v;
}
rt_value rt_value_none(rt_type_id type_id)
{
    rt_value v;
    init(&v, RT_VALUE_NONE, type_id);
    return v;
}
rt_value rt_value_cell(rt_place place)
{
    rt_value v;
    init(&v, RT_VALUE_CELL, 0);
    v.u.place = place;
    return v;
}
rt_value rt_value_bigint(const uint8_t *be_magnitude, size_t len, bool negative, rt_type_id type_id)
{
    rt_value v;
    init(&v, RT_VALUE_BIGINT, type_id);
    v.u.bigint.bytes = be_magnitude;
    v.u.bigint.len = be_magnitude ? len : 0;
    v.flag = negative;
    return v;
}
rt_value rt_value_char(uint32_t ch, rt_type_id type_id)
{
    rt_value v;
    init(&v, RT_VALUE_CHAR, type_id);
    v.u.ch = ch;
    return v;
}
