/* Encodes events as CBOR straight into a byte buffer: no tree is built and
 * each value makes one capacity check for its fixed part and its string. */
#include "cbor/cbor_encode.h"
#include "common/base64.h"
#include "cbor/cbor_event.h"
#include "common/float_text.h"
#include "common/utf8.h"

/* Room for the fixed part of any one value or event: map heads, keys,
 * numbers; strings are added on top. */
#define FIXED 160

static unsigned char *reserve(rt_buf *b, size_t n)
{
    if (rt_buf_reserve(b, n))
        return NULL;
    return b->data + b->len;
}

static void commit(rt_buf *b, unsigned char *p)
{
    b->len = (size_t)(p - b->data);
}

static unsigned char *put_type_id(unsigned char *p, rt_type_id id)
{
    p = CBOR_LIT(p, "type_id");
    return cbor_uint(p, id);
}

static unsigned char *put_base64(unsigned char *p, const uint8_t *b, size_t n)
{
    p = cbor_head(p, CBOR_TEXT, rt_base64_len(n));
    return (unsigned char *)rt_base64_encode((char *)p, b, n);
}

static int put_value(rt_buf *b, const rt_value *v, const rt_dialect_desc *d);

static int put_list(rt_buf *b, const rt_value *items, size_t n, const rt_dialect_desc *d)
{
    for (size_t i = 0; i < n; i++) {
        int rc = put_value(b, &items[i], d);
        if (rc)
            return rc;
    }
    return RT_OK;
}

/* {"kind": "Int", "i": i, "type_id": t}: the most frequent value, with
 * nothing to size. */
static int put_int(rt_buf *b, const rt_value *v)
{
    unsigned char *p = reserve(b, 1 + 5 + 4 + 2 + CBOR_HEAD_MAX + 8 + CBOR_HEAD_MAX);
    if (!p)
        return RT_ENOMEM;
    *p++ = 0xA3;
    p = CBOR_LIT(p, "kind");
    p = CBOR_LIT(p, "Int");
    p = CBOR_LIT(p, "i");
    p = cbor_int(p, v->u.i);
    p = put_type_id(p, v->type_id);
    commit(b, p);
    return RT_OK;
}

static int put_value(rt_buf *b, const rt_value *v, const rt_dialect_desc *d)
{
    if (v->kind == RT_VALUE_INT)
        return put_int(b, v);
    size_t strn = 0;
    if (v->kind == RT_VALUE_STRING || v->kind == RT_VALUE_RAW || v->kind == RT_VALUE_ERROR)
        strn = v->u.text.len;
    else if (v->kind == RT_VALUE_VARIANT)
        strn = v->u.variant.discriminator.len;
    else if (v->kind == RT_VALUE_BIGINT)
        strn = v->u.bigint.len / 3 * 4 + 4;
    else if (v->kind == RT_VALUE_FLOAT)
        strn = RT_F64_DISPLAY_MAX;
    if (strn > SIZE_MAX - FIXED)
        return RT_ENOMEM;
    unsigned char *p = reserve(b, FIXED + strn);
    if (!p)
        return RT_ENOMEM;
    int rc;
    switch (v->kind) {
    case RT_VALUE_INT:
        *p++ = 0xA3;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "Int");
        p = CBOR_LIT(p, "i");
        p = cbor_int(p, v->u.i);
        p = put_type_id(p, v->type_id);
        break;
    case RT_VALUE_FLOAT:
        *p++ = 0xA3;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "Float");
        p = CBOR_LIT(p, "f");
        if (d->float_as_text) {
            /* Always a definite-length text, however long (DIALECT-0.19.md
             * section 1: the reference's indefinite form is unreadable).
             * Written after a one-byte head, the common case; a longer
             * text moves over for its longer head. */
            size_t n = rt_f64_display((char *)p + 1, v->u.f);
            if (n >= 24) {
                unsigned char head[CBOR_HEAD_MAX];
                size_t h = (size_t)(cbor_head(head, CBOR_TEXT, n) - head);
                memmove(p + h, p + 1, n);
                memcpy(p, head, h);
                p += h + n;
            } else {
                *p = (unsigned char)(0x60 + n);
                p += 1 + n;
            }
        } else {
            p = cbor_f64(p, v->u.f);
        }
        p = put_type_id(p, v->type_id);
        break;
    case RT_VALUE_BOOL:
        *p++ = 0xA3;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "Bool");
        p = CBOR_LIT(p, "b");
        p = cbor_bool(p, v->flag);
        p = put_type_id(p, v->type_id);
        break;
    case RT_VALUE_STRING:
        *p++ = 0xA3;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "String");
        p = CBOR_LIT(p, "text");
        p = cbor_text(p, v->u.text.ptr, v->u.text.len);
        p = put_type_id(p, v->type_id);
        break;
    case RT_VALUE_RAW:
        *p++ = 0xA3;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "Raw");
        p = CBOR_LIT(p, "r");
        p = cbor_text(p, v->u.text.ptr, v->u.text.len);
        p = put_type_id(p, v->type_id);
        break;
    case RT_VALUE_ERROR:
        *p++ = 0xA3;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "Error");
        p = CBOR_LIT(p, "msg");
        p = cbor_text(p, v->u.text.ptr, v->u.text.len);
        p = put_type_id(p, v->type_id);
        break;
    case RT_VALUE_NONE:
        *p++ = 0xA2;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "None");
        p = put_type_id(p, v->type_id);
        break;
    case RT_VALUE_CELL:
        *p++ = 0xA2;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "Cell");
        p = CBOR_LIT(p, "place");
        p = cbor_int(p, v->u.place);
        break;
    case RT_VALUE_BIGINT:
        *p++ = 0xA4;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "BigInt");
        p = CBOR_LIT(p, "b");
        p = put_base64(p, v->u.bigint.bytes, v->u.bigint.len);
        p = CBOR_LIT(p, "negative");
        p = cbor_bool(p, v->flag);
        p = put_type_id(p, v->type_id);
        break;
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        *p++ = v->kind == RT_VALUE_SEQUENCE ? 0xA4 : 0xA3;
        p = CBOR_LIT(p, "kind");
        if (v->kind == RT_VALUE_SEQUENCE) {
            p = CBOR_LIT(p, "Sequence");
            p = CBOR_LIT(p, "elements");
        } else if (v->kind == RT_VALUE_TUPLE) {
            p = CBOR_LIT(p, "Tuple");
            p = CBOR_LIT(p, "elements");
        } else {
            p = CBOR_LIT(p, "Struct");
            p = CBOR_LIT(p, "field_values");
        }
        p = cbor_head(p, CBOR_ARRAY, v->u.list.len);
        commit(b, p);
        if ((rc = put_list(b, v->u.list.items, v->u.list.len, d)))
            return rc;
        if (!(p = reserve(b, FIXED)))
            return RT_ENOMEM;
        if (v->kind == RT_VALUE_SEQUENCE) {
            p = CBOR_LIT(p, "is_slice");
            p = cbor_bool(p, v->flag);
        }
        p = put_type_id(p, v->type_id);
        break;
    case RT_VALUE_VARIANT:
        *p++ = 0xA4;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "Variant");
        p = CBOR_LIT(p, "discriminator");
        p = cbor_text(p, v->u.variant.discriminator.ptr, v->u.variant.discriminator.len);
        p = CBOR_LIT(p, "contents");
        commit(b, p);
        if ((rc = put_value(b, v->u.variant.contents, d)))
            return rc;
        if (!(p = reserve(b, FIXED)))
            return RT_ENOMEM;
        p = put_type_id(p, v->type_id);
        break;
    case RT_VALUE_REFERENCE:
        *p++ = 0xA5;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "Reference");
        p = CBOR_LIT(p, "dereferenced");
        commit(b, p);
        if ((rc = put_value(b, v->u.reference.dereferenced, d)))
            return rc;
        if (!(p = reserve(b, FIXED)))
            return RT_ENOMEM;
        p = CBOR_LIT(p, "address");
        p = cbor_uint(p, v->u.reference.address);
        p = CBOR_LIT(p, "mutable");
        p = cbor_bool(p, v->flag);
        p = put_type_id(p, v->type_id);
        break;
    case RT_VALUE_CHAR: {
        char c[4];
        size_t n = rt_utf8_encode(v->u.ch, c);
        *p++ = 0xA3;
        p = CBOR_LIT(p, "kind");
        if (d->char_values) {
            p = CBOR_LIT(p, "Char");
            p = CBOR_LIT(p, "c");
        } else {
            p = CBOR_LIT(p, "Raw");
            p = CBOR_LIT(p, "r");
        }
        p = cbor_head(p, CBOR_TEXT, n);
        for (size_t i = 0; i < n; i++) /* (at most 4 bytes: no wide copy) */
            *p++ = (unsigned char)c[i];
        p = put_type_id(p, v->type_id);
        break;
    }
    }
    commit(b, p);
    return RT_OK;
}

int rt_cbor_encode_value(rt_buf *b, const rt_value *v, const rt_dialect_desc *d)
{
    /* the most frequent value, without put_value's frame */
    return v->kind == RT_VALUE_INT ? put_int(b, v) : put_value(b, v, d);
}

unsigned char *rt_cbor_value_head(unsigned char *p, uint64_t variable_id)
{
    *p++ = 0xA1;
    p = CBOR_LIT(p, "Value");
    *p++ = 0xA2;
    p = CBOR_LIT(p, "variable_id");
    p = cbor_uint(p, variable_id);
    return CBOR_LIT(p, "value");
}

/* {"<name>": <text>} */
static unsigned char *put_str_payload(unsigned char *p, rt_str s)
{
    return cbor_text(p, s.ptr, s.len);
}

static int put_ids(rt_buf *b, const rt_variable_id *ids, size_t n)
{
    if (n > (SIZE_MAX - FIXED) / CBOR_HEAD_MAX)
        return RT_ENOMEM;
    unsigned char *p = reserve(b, FIXED + n * CBOR_HEAD_MAX);
    if (!p)
        return RT_ENOMEM;
    p = cbor_head(p, CBOR_ARRAY, n);
    for (size_t i = 0; i < n; i++)
        p = cbor_uint(p, ids[i]);
    commit(b, p);
    return RT_OK;
}

int rt_cbor_encode_type(rt_buf *b, const rt_type_record *t, const rt_dialect_desc *d)
{
    (void)d; /* TypeRecord is spelled alike in every dialect */
    if (t->lang_type.len > SIZE_MAX - FIXED)
        return RT_ENOMEM;
    unsigned char *p = reserve(b, FIXED + t->lang_type.len);
    if (!p)
        return RT_ENOMEM;
    *p++ = 0xA3;
    p = CBOR_LIT(p, "kind");
    p = cbor_uint(p, (uint64_t)t->kind);
    p = CBOR_LIT(p, "lang_type");
    p = cbor_text(p, t->lang_type.ptr, t->lang_type.len);
    p = CBOR_LIT(p, "specific_info");
    switch (t->info_kind) {
    case RT_INFO_NONE:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "None");
        break;
    case RT_INFO_POINTER:
        *p++ = 0xA2;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "Pointer");
        p = CBOR_LIT(p, "dereference_type_id");
        p = cbor_uint(p, t->info.dereference_type_id);
        break;
    case RT_INFO_STRUCT:
        *p++ = 0xA2;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "Struct");
        p = CBOR_LIT(p, "fields");
        p = cbor_head(p, CBOR_ARRAY, t->info.fields.len);
        for (size_t i = 0; i < t->info.fields.len; i++) {
            const rt_field_type *f = &t->info.fields.items[i];
            commit(b, p);
            if (!(p = reserve(b, FIXED + f->name.len)))
                return RT_ENOMEM;
            *p++ = 0xA2;
            p = CBOR_LIT(p, "name");
            p = cbor_text(p, f->name.ptr, f->name.len);
            p = put_type_id(p, f->type_id);
        }
        break;
    }
    commit(b, p);
    return RT_OK;
}

int rt_cbor_encode_args(rt_buf *b, const rt_full_value *args, size_t n, const rt_dialect_desc *d)
{
    unsigned char *p = reserve(b, FIXED);
    if (!p)
        return RT_ENOMEM;
    p = cbor_head(p, CBOR_ARRAY, n);
    for (size_t i = 0; i < n; i++) {
        commit(b, p);
        if (!(p = reserve(b, FIXED)))
            return RT_ENOMEM;
        *p++ = 0xA2;
        p = CBOR_LIT(p, "variable_id");
        p = cbor_uint(p, args[i].variable_id);
        p = CBOR_LIT(p, "value");
        commit(b, p);
        int rc = put_value(b, &args[i].value, d);
        if (rc)
            return rc;
        p = b->data + b->len;
    }
    commit(b, p);
    return RT_OK;
}

/* FORMAT.md section 9: the adjacently tagged RValue the 0.19 crates read,
 * in both dialects. */
int rt_cbor_encode_assignment(rt_buf *b, const rt_event *e, const rt_dialect_desc *d)
{
    (void)d; /* Assignment is spelled alike in every dialect */
    const rt_rvalue *r = &e->u.assignment.from;
    size_t strn = r->kind == RT_RVALUE_FIELD_ACCESS ? r->field.len : 0;
    if (strn > SIZE_MAX - FIXED)
        return RT_ENOMEM;
    unsigned char *p = reserve(b, FIXED + strn);
    if (!p)
        return RT_ENOMEM;
    *p++ = 0xA3;
    p = CBOR_LIT(p, "to");
    p = cbor_uint(p, e->u.assignment.to);
    p = CBOR_LIT(p, "pass_by");
    p = e->u.assignment.pass_by == RT_PASS_BY_REFERENCE ? CBOR_LIT(p, "Reference") : CBOR_LIT(p, "Value");
    p = CBOR_LIT(p, "from");
    if (r->kind == RT_RVALUE_LITERAL) {
        *p++ = 0xA1;
        p = CBOR_LIT(p, "kind");
        p = CBOR_LIT(p, "Literal");
        commit(b, p);
        return RT_OK;
    }
    *p++ = 0xA2;
    p = CBOR_LIT(p, "kind");
    switch (r->kind) {
    case RT_RVALUE_SIMPLE:
        p = CBOR_LIT(p, "Simple");
        p = CBOR_LIT(p, "data");
        p = cbor_uint(p, r->simple);
        break;
    case RT_RVALUE_FUNCTION_RETURN:
        p = CBOR_LIT(p, "FunctionReturn");
        p = CBOR_LIT(p, "data");
        *p++ = 0xA1;
        p = CBOR_LIT(p, "call_key");
        p = cbor_int(p, r->call_key);
        break;
    case RT_RVALUE_FIELD_ACCESS:
        p = CBOR_LIT(p, "FieldAccess");
        p = CBOR_LIT(p, "data");
        *p++ = 0xA2;
        p = CBOR_LIT(p, "receiver");
        p = cbor_uint(p, r->simple);
        p = CBOR_LIT(p, "field");
        p = cbor_text(p, r->field.ptr, r->field.len);
        break;
    case RT_RVALUE_INDEX_ACCESS:
        p = CBOR_LIT(p, "IndexAccess");
        p = CBOR_LIT(p, "data");
        *p++ = 0xA2;
        p = CBOR_LIT(p, "receiver");
        p = cbor_uint(p, r->simple);
        p = CBOR_LIT(p, "index");
        p = cbor_int(p, r->index);
        break;
    default: /* RT_RVALUE_COMPOUND */
        p = CBOR_LIT(p, "Compound");
        p = CBOR_LIT(p, "data");
        commit(b, p);
        return put_ids(b, r->ids, r->len);
    }
    commit(b, p);
    return RT_OK;
}

int rt_cbor_encode_event(rt_buf *b, const rt_event *e, const rt_dialect_desc *d)
{
    unsigned char *p;
    size_t strn = 0;
    switch (e->kind) {
    case RT_EVENT_PATH:
        strn = e->u.path.len;
        break;
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        strn = e->u.name.len;
        break;
    case RT_EVENT_FUNCTION:
        strn = e->u.function.name.len;
        break;
    case RT_EVENT_EVENT:
        strn = e->u.event.metadata.len;
        if (e->u.event.content.len > SIZE_MAX / 2 - FIXED || strn > SIZE_MAX / 2 - FIXED)
            return RT_ENOMEM;
        strn += e->u.event.content.len;
        break;
    default:
        break;
    }
    if (strn > SIZE_MAX - FIXED)
        return RT_ENOMEM;
    if (!(p = reserve(b, FIXED + strn)))
        return RT_ENOMEM;
    switch (e->kind) {
    case RT_EVENT_STEP:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "Step");
        *p++ = 0xA2;
        p = CBOR_LIT(p, "path_id");
        p = cbor_uint(p, e->u.step.path_id);
        p = CBOR_LIT(p, "line");
        p = cbor_int(p, e->u.step.line);
        break;
    case RT_EVENT_PATH:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "Path");
        p = put_str_payload(p, e->u.path);
        break;
    case RT_EVENT_VARIABLE_NAME:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "VariableName");
        p = put_str_payload(p, e->u.name);
        break;
    case RT_EVENT_VARIABLE:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "Variable");
        p = put_str_payload(p, e->u.name);
        break;
    case RT_EVENT_TYPE:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "Type");
        commit(b, p);
        return rt_cbor_encode_type(b, &e->u.type, d);
    case RT_EVENT_VALUE:
        commit(b, rt_cbor_value_head(p, e->u.value.variable_id));
        return put_value(b, &e->u.value.value, d);
    case RT_EVENT_FUNCTION:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "Function");
        *p++ = 0xA3;
        p = CBOR_LIT(p, "path_id");
        p = cbor_uint(p, e->u.function.path_id);
        p = CBOR_LIT(p, "line");
        p = cbor_int(p, e->u.function.line);
        p = CBOR_LIT(p, "name");
        p = put_str_payload(p, e->u.function.name);
        break;
    case RT_EVENT_CALL:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "Call");
        *p++ = 0xA2;
        p = CBOR_LIT(p, "function_id");
        p = cbor_uint(p, e->u.call.function_id);
        p = CBOR_LIT(p, "args");
        commit(b, p);
        return rt_cbor_encode_args(b, e->u.call.args, e->u.call.len, d);
    case RT_EVENT_RETURN:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "Return");
        *p++ = 0xA1;
        p = CBOR_LIT(p, "return_value");
        commit(b, p);
        return put_value(b, &e->u.return_value, d);
    case RT_EVENT_EVENT:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "Event");
        *p++ = 0xA3;
        p = CBOR_LIT(p, "kind");
        p = cbor_uint(p, (uint64_t)e->u.event.kind);
        p = CBOR_LIT(p, "metadata");
        p = put_str_payload(p, e->u.event.metadata);
        p = CBOR_LIT(p, "content");
        p = put_str_payload(p, e->u.event.content);
        break;
    case RT_EVENT_ASM:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "Asm");
        p = cbor_head(p, CBOR_ARRAY, e->u.asm_lines.len);
        for (size_t i = 0; i < e->u.asm_lines.len; i++) {
            rt_str s = e->u.asm_lines.items[i];
            commit(b, p);
            if (s.len > SIZE_MAX - FIXED || !(p = reserve(b, FIXED + s.len)))
                return RT_ENOMEM;
            p = put_str_payload(p, s);
        }
        break;
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
        *p++ = 0xA1;
        p = e->kind == RT_EVENT_BIND_VARIABLE ? CBOR_LIT(p, "BindVariable") : CBOR_LIT(p, "VariableCell");
        *p++ = 0xA2;
        p = CBOR_LIT(p, "variable_id");
        p = cbor_uint(p, e->u.bind.variable_id);
        p = CBOR_LIT(p, "place");
        p = cbor_int(p, e->u.bind.place);
        break;
    case RT_EVENT_ASSIGNMENT:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "Assignment");
        commit(b, p);
        return rt_cbor_encode_assignment(b, e, d);
    case RT_EVENT_DROP_VARIABLES:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "DropVariables");
        commit(b, p);
        return put_ids(b, e->u.drop_variables.ids, e->u.drop_variables.len);
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        *p++ = 0xA1;
        if (e->kind == RT_EVENT_COMPOUND_VALUE)
            p = CBOR_LIT(p, "CompoundValue");
        else if (e->kind == RT_EVENT_CELL_VALUE)
            p = CBOR_LIT(p, "CellValue");
        else
            p = CBOR_LIT(p, "AssignCell");
        *p++ = 0xA2;
        p = CBOR_LIT(p, "place");
        p = cbor_int(p, e->u.place_value.place);
        p = e->kind == RT_EVENT_ASSIGN_CELL ? CBOR_LIT(p, "new_value") : CBOR_LIT(p, "value");
        commit(b, p);
        return put_value(b, &e->u.place_value.value, d);
    case RT_EVENT_ASSIGN_COMPOUND_ITEM:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "AssignCompoundItem");
        *p++ = 0xA3;
        p = CBOR_LIT(p, "place");
        p = cbor_int(p, e->u.assign_item.place);
        p = CBOR_LIT(p, "index");
        p = cbor_uint(p, e->u.assign_item.index);
        p = CBOR_LIT(p, "item_place");
        p = cbor_int(p, e->u.assign_item.item_place);
        break;
    case RT_EVENT_DROP_VARIABLE:
        *p++ = 0xA1;
        p = CBOR_LIT(p, "DropVariable");
        p = cbor_uint(p, e->u.drop_variable);
        break;
    case RT_EVENT_DROP_LAST_STEP:
        p = CBOR_LIT(p, "DropLastStep");
        break;
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH:
        *p++ = 0xA1;
        if (e->kind == RT_EVENT_THREAD_START)
            p = CBOR_LIT(p, "ThreadStart");
        else if (e->kind == RT_EVENT_THREAD_EXIT)
            p = CBOR_LIT(p, "ThreadExit");
        else
            p = CBOR_LIT(p, "ThreadSwitch");
        p = cbor_uint(p, e->u.thread_id);
        break;
    }
    commit(b, p);
    return RT_OK;
}
