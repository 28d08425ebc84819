/* The JSON encoder: events as compact JSON text, written straight into the
 * output buffer. No tree is ever built. Each event makes one capacity check:
 * its worst-case size is computed first (constant for fixed parts, from the
 * lengths for strings), then it is written with no further checks. */
#include <string.h>

#include "common/base64.h"
#include "common/dialect.h"
#include "common/float_text.h"
#include "common/utf8.h"
#include "json/json_writer.h"
#include "model/model.h"

typedef struct json_encoder {
    rt_encoder base;
    rt_output *out;
    rt_err *err;
    const rt_allocator *alloc;
    const rt_dialect_desc *dialect;
    bool first;
    uint64_t open_end; /* stream position just after "[" */
} json_encoder;

#define LIT(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) + sizeof(s) - 1)
/* Room for any fixed part of one value or event: its keys, punctuation and
 * up to four numbers (the longest is a Reference with its keys, ~90 B). */
#define FIXED 160
/* ... and of a scalar value, whose Float may be Display text. */
#define SCALAR_FIXED (FIXED + RT_F64_DISPLAY_MAX + 2)
/* Sizes this large cannot be allocated anyway; sums saturate at it. */
#define TOO_BIG ((size_t)1 << 62)

static inline size_t add_sat(size_t a, size_t b)
{
    return a >= TOO_BIG - b || b >= TOO_BIG ? TOO_BIG : a + b;
}

static inline size_t str_bound(size_t n)
{
    return n >= TOO_BIG / 6 ? TOO_BIG : RT_JSON_STR_BOUND(n);
}

/* ---- worst-case sizes --------------------------------------------------- */

static size_t value_bound_slow(const rt_value *v);

/* Scalars (the common case) inline, composites and strings out of line. */
static inline size_t value_bound(const rt_value *v)
{
    return v->kind <= RT_VALUE_BOOL || v->kind == RT_VALUE_NONE || v->kind == RT_VALUE_CELL
               ? SCALAR_FIXED
               : value_bound_slow(v);
}

static size_t value_bound_slow(const rt_value *v)
{
    switch (v->kind) {
    case RT_VALUE_STRING:
    case RT_VALUE_RAW:
    case RT_VALUE_ERROR:
        return add_sat(FIXED, str_bound(v->u.text.len));
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT: {
        size_t n = FIXED;
        for (size_t i = 0; i < v->u.list.len; i++)
            n = add_sat(n, add_sat(1, value_bound(&v->u.list.items[i])));
        return n;
    }
    case RT_VALUE_VARIANT:
        return add_sat(add_sat(FIXED, str_bound(v->u.variant.discriminator.len)),
                       value_bound(v->u.variant.contents));
    case RT_VALUE_REFERENCE:
        return add_sat(FIXED, value_bound(v->u.reference.dereferenced));
    case RT_VALUE_BIGINT:
        return add_sat(FIXED, v->u.bigint.len / 3 * 4 + 4);
    default:
        return FIXED;
    }
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
                n = add_sat(n, add_sat(FIXED, str_bound(t->info.fields.items[i].name.len)));
        return n;
    }
    case RT_EVENT_VALUE:
        return add_sat(n, value_bound(&e->u.value.value));
    case RT_EVENT_FUNCTION:
        return add_sat(n, str_bound(e->u.function.name.len));
    case RT_EVENT_CALL:
        for (size_t i = 0; i < e->u.call.len; i++)
            n = add_sat(n, add_sat(FIXED, value_bound(&e->u.call.args[i].value)));
        return n;
    case RT_EVENT_RETURN:
        return add_sat(n, value_bound(&e->u.return_value));
    case RT_EVENT_EVENT:
        return add_sat(n, add_sat(str_bound(e->u.event.metadata.len),
                                  str_bound(e->u.event.content.len)));
    case RT_EVENT_ASM:
        for (size_t i = 0; i < e->u.asm_lines.len; i++)
            n = add_sat(n, add_sat(1, str_bound(e->u.asm_lines.items[i].len)));
        return n;
    case RT_EVENT_ASSIGNMENT:
        if (e->u.assignment.from.kind == RT_RVALUE_COMPOUND)
            n = add_sat(n, e->u.assignment.from.len >= TOO_BIG / 21 ? TOO_BIG
                                                                     : e->u.assignment.from.len * 21);
        if (e->u.assignment.from.kind == RT_RVALUE_FIELD_ACCESS)
            n = add_sat(n, str_bound(e->u.assignment.from.field.len));
        return n;
    case RT_EVENT_DROP_VARIABLES:
        return add_sat(n, e->u.drop_variables.len >= TOO_BIG / 21 ? TOO_BIG
                                                                  : e->u.drop_variables.len * 21);
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        return add_sat(n, value_bound(&e->u.place_value.value));
    default:
        return n;
    }
}

/* ---- writing (room already reserved) ------------------------------------ */

static inline char *put_type_id_end(char *p, rt_type_id id)
{
    p = LIT(p, ",\"type_id\":");
    p = rt_dec_put_u64(p, id);
    *p++ = '}';
    return p;
}

static inline char *put_bool(char *p, bool b)
{
    return b ? LIT(p, "true") : LIT(p, "false");
}

static char *put_value(char *p, const rt_value *v, const rt_dialect_desc *d);

static char *put_list(char *p, const rt_value *items, size_t n, const rt_dialect_desc *d)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        p = put_value(p, &items[i], d);
    }
    return p;
}

static char *put_value(char *p, const rt_value *v, const rt_dialect_desc *d)
{
    switch (v->kind) {
    case RT_VALUE_INT:
        p = LIT(p, "{\"kind\":\"Int\",\"i\":");
        p = rt_dec_put_i64(p, v->u.i);
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_FLOAT:
        p = LIT(p, "{\"kind\":\"Float\",\"f\":");
        if (d->float_as_text) {
            *p++ = '"';
            p += rt_f64_display(p, v->u.f);
            *p++ = '"';
        } else {
            p = rt_json_put_f64(p, v->u.f);
        }
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_BOOL:
        p = LIT(p, "{\"kind\":\"Bool\",\"b\":");
        p = put_bool(p, v->flag);
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_STRING:
        p = LIT(p, "{\"kind\":\"String\",\"text\":");
        p = rt_json_put_str(p, v->u.text.ptr, v->u.text.len);
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_RAW:
        p = LIT(p, "{\"kind\":\"Raw\",\"r\":");
        p = rt_json_put_str(p, v->u.text.ptr, v->u.text.len);
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_ERROR:
        p = LIT(p, "{\"kind\":\"Error\",\"msg\":");
        p = rt_json_put_str(p, v->u.text.ptr, v->u.text.len);
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_NONE:
        p = LIT(p, "{\"kind\":\"None\"");
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_CELL:
        p = LIT(p, "{\"kind\":\"Cell\",\"place\":");
        p = rt_dec_put_i64(p, v->u.place);
        *p++ = '}';
        return p;
    case RT_VALUE_BIGINT:
        p = LIT(p, "{\"kind\":\"BigInt\",\"b\":\"");
        p = rt_base64_encode(p, v->u.bigint.bytes, v->u.bigint.len);
        p = LIT(p, "\",\"negative\":");
        p = put_bool(p, v->flag);
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_SEQUENCE:
        p = LIT(p, "{\"kind\":\"Sequence\",\"elements\":[");
        p = put_list(p, v->u.list.items, v->u.list.len, d);
        p = v->flag ? LIT(p, "],\"is_slice\":true") : LIT(p, "],\"is_slice\":false");
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_TUPLE:
        p = LIT(p, "{\"kind\":\"Tuple\",\"elements\":[");
        p = put_list(p, v->u.list.items, v->u.list.len, d);
        *p++ = ']';
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_STRUCT:
        p = LIT(p, "{\"kind\":\"Struct\",\"field_values\":[");
        p = put_list(p, v->u.list.items, v->u.list.len, d);
        *p++ = ']';
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_VARIANT:
        p = LIT(p, "{\"kind\":\"Variant\",\"discriminator\":");
        p = rt_json_put_str(p, v->u.variant.discriminator.ptr, v->u.variant.discriminator.len);
        p = LIT(p, ",\"contents\":");
        p = put_value(p, v->u.variant.contents, d);
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_REFERENCE:
        p = LIT(p, "{\"kind\":\"Reference\",\"dereferenced\":");
        p = put_value(p, v->u.reference.dereferenced, d);
        p = LIT(p, ",\"address\":");
        p = rt_dec_put_u64(p, v->u.reference.address);
        p = v->flag ? LIT(p, ",\"mutable\":true") : LIT(p, ",\"mutable\":false");
        return put_type_id_end(p, v->type_id);
    case RT_VALUE_CHAR: {
        char c[4];
        size_t n = rt_utf8_encode(v->u.ch, c);
        p = d->char_values ? LIT(p, "{\"kind\":\"Char\",\"c\":") : LIT(p, "{\"kind\":\"Raw\",\"r\":");
        p = rt_json_put_str(p, c, n);
        return put_type_id_end(p, v->type_id);
    }
    }
    return p; /* not reached: events are checked */
}

static char *put_ids(char *p, const rt_variable_id *ids, size_t n)
{
    *p++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        p = rt_dec_put_u64(p, ids[i]);
    }
    *p++ = ']';
    return p;
}

static char *put_type(char *p, const rt_type_record *t)
{
    p = LIT(p, "{\"Type\":{\"kind\":");
    p = rt_dec_put_u64(p, (uint64_t)t->kind);
    p = LIT(p, ",\"lang_type\":");
    p = rt_json_put_str(p, t->lang_type.ptr, t->lang_type.len);
    switch (t->info_kind) {
    case RT_INFO_NONE:
        return LIT(p, ",\"specific_info\":{\"kind\":\"None\"}}}");
    case RT_INFO_POINTER:
        p = LIT(p, ",\"specific_info\":{\"kind\":\"Pointer\",\"dereference_type_id\":");
        p = rt_dec_put_u64(p, t->info.dereference_type_id);
        return LIT(p, "}}}");
    case RT_INFO_STRUCT:
        p = LIT(p, ",\"specific_info\":{\"kind\":\"Struct\",\"fields\":[");
        for (size_t i = 0; i < t->info.fields.len; i++) {
            const rt_field_type *f = &t->info.fields.items[i];
            if (i)
                *p++ = ',';
            p = LIT(p, "{\"name\":");
            p = rt_json_put_str(p, f->name.ptr, f->name.len);
            p = put_type_id_end(p, f->type_id);
        }
        return LIT(p, "]}}}");
    }
    return p;
}

static char *put_event(char *p, const rt_event *e, const rt_dialect_desc *d)
{
    switch (e->kind) {
    case RT_EVENT_STEP:
        p = LIT(p, "{\"Step\":{\"path_id\":");
        p = rt_dec_put_u64(p, e->u.step.path_id);
        p = LIT(p, ",\"line\":");
        p = rt_dec_put_i64(p, e->u.step.line);
        return LIT(p, "}}");
    case RT_EVENT_PATH:
        p = LIT(p, "{\"Path\":");
        p = rt_json_put_str(p, e->u.path.ptr, e->u.path.len);
        *p++ = '}';
        return p;
    case RT_EVENT_VARIABLE_NAME:
        p = LIT(p, "{\"VariableName\":");
        p = rt_json_put_str(p, e->u.name.ptr, e->u.name.len);
        *p++ = '}';
        return p;
    case RT_EVENT_VARIABLE:
        p = LIT(p, "{\"Variable\":");
        p = rt_json_put_str(p, e->u.name.ptr, e->u.name.len);
        *p++ = '}';
        return p;
    case RT_EVENT_TYPE:
        return put_type(p, &e->u.type);
    case RT_EVENT_VALUE:
        p = LIT(p, "{\"Value\":{\"variable_id\":");
        p = rt_dec_put_u64(p, e->u.value.variable_id);
        p = LIT(p, ",\"value\":");
        p = put_value(p, &e->u.value.value, d);
        return LIT(p, "}}");
    case RT_EVENT_FUNCTION:
        p = LIT(p, "{\"Function\":{\"path_id\":");
        p = rt_dec_put_u64(p, e->u.function.path_id);
        p = LIT(p, ",\"line\":");
        p = rt_dec_put_i64(p, e->u.function.line);
        p = LIT(p, ",\"name\":");
        p = rt_json_put_str(p, e->u.function.name.ptr, e->u.function.name.len);
        return LIT(p, "}}");
    case RT_EVENT_CALL:
        p = LIT(p, "{\"Call\":{\"function_id\":");
        p = rt_dec_put_u64(p, e->u.call.function_id);
        p = LIT(p, ",\"args\":[");
        for (size_t i = 0; i < e->u.call.len; i++) {
            if (i)
                *p++ = ',';
            p = LIT(p, "{\"variable_id\":");
            p = rt_dec_put_u64(p, e->u.call.args[i].variable_id);
            p = LIT(p, ",\"value\":");
            p = put_value(p, &e->u.call.args[i].value, d);
            *p++ = '}';
        }
        return LIT(p, "]}}");
    case RT_EVENT_RETURN:
        p = LIT(p, "{\"Return\":{\"return_value\":");
        p = put_value(p, &e->u.return_value, d);
        return LIT(p, "}}");
    case RT_EVENT_EVENT:
        p = LIT(p, "{\"Event\":{\"kind\":");
        p = rt_dec_put_u64(p, (uint64_t)e->u.event.kind);
        p = LIT(p, ",\"metadata\":");
        p = rt_json_put_str(p, e->u.event.metadata.ptr, e->u.event.metadata.len);
        p = LIT(p, ",\"content\":");
        p = rt_json_put_str(p, e->u.event.content.ptr, e->u.event.content.len);
        return LIT(p, "}}");
    case RT_EVENT_ASM:
        p = LIT(p, "{\"Asm\":[");
        for (size_t i = 0; i < e->u.asm_lines.len; i++) {
            if (i)
                *p++ = ',';
            p = rt_json_put_str(p, e->u.asm_lines.items[i].ptr, e->u.asm_lines.items[i].len);
        }
        return LIT(p, "]}");
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
        p = e->kind == RT_EVENT_BIND_VARIABLE ? LIT(p, "{\"BindVariable\":{\"variable_id\":")
                                              : LIT(p, "{\"VariableCell\":{\"variable_id\":");
        p = rt_dec_put_u64(p, e->u.bind.variable_id);
        p = LIT(p, ",\"place\":");
        p = rt_dec_put_i64(p, e->u.bind.place);
        return LIT(p, "}}");
    case RT_EVENT_ASSIGNMENT: {
        const rt_rvalue *r = &e->u.assignment.from;
        p = LIT(p, "{\"Assignment\":{\"to\":");
        p = rt_dec_put_u64(p, e->u.assignment.to);
        p = e->u.assignment.pass_by == RT_PASS_BY_REFERENCE ? LIT(p, ",\"pass_by\":\"Reference\"")
                                                            : LIT(p, ",\"pass_by\":\"Value\"");
        if (r->kind == RT_RVALUE_SIMPLE) {
            p = LIT(p, ",\"from\":{\"kind\":\"Simple\",\"data\":");
            p = rt_dec_put_u64(p, r->simple);
            return LIT(p, "}}}");
        }
        if (r->kind == RT_RVALUE_LITERAL)
            return LIT(p, ",\"from\":{\"kind\":\"Literal\"}}}");
        if (r->kind == RT_RVALUE_FUNCTION_RETURN) {
            p = LIT(p, ",\"from\":{\"kind\":\"FunctionReturn\",\"data\":{\"call_key\":");
            p = rt_dec_put_i64(p, r->call_key);
            return LIT(p, "}}}}");
        }
        if (r->kind == RT_RVALUE_FIELD_ACCESS) {
            p = LIT(p, ",\"from\":{\"kind\":\"FieldAccess\",\"data\":{\"receiver\":");
            p = rt_dec_put_u64(p, r->simple);
            p = LIT(p, ",\"field\":");
            p = rt_json_put_str(p, r->field.ptr, r->field.len);
            return LIT(p, "}}}}");
        }
        if (r->kind == RT_RVALUE_INDEX_ACCESS) {
            p = LIT(p, ",\"from\":{\"kind\":\"IndexAccess\",\"data\":{\"receiver\":");
            p = rt_dec_put_u64(p, r->simple);
            p = LIT(p, ",\"index\":");
            p = rt_dec_put_i64(p, r->index);
            return LIT(p, "}}}}");
        }
        p = LIT(p, ",\"from\":{\"kind\":\"Compound\",\"data\":");
        p = put_ids(p, r->ids, r->len);
        return LIT(p, "}}}");
    }
    case RT_EVENT_DROP_VARIABLES:
        p = LIT(p, "{\"DropVariables\":");
        p = put_ids(p, e->u.drop_variables.ids, e->u.drop_variables.len);
        *p++ = '}';
        return p;
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        if (e->kind == RT_EVENT_COMPOUND_VALUE)
            p = LIT(p, "{\"CompoundValue\":{\"place\":");
        else if (e->kind == RT_EVENT_CELL_VALUE)
            p = LIT(p, "{\"CellValue\":{\"place\":");
        else
            p = LIT(p, "{\"AssignCell\":{\"place\":");
        p = rt_dec_put_i64(p, e->u.place_value.place);
        p = e->kind == RT_EVENT_ASSIGN_CELL ? LIT(p, ",\"new_value\":") : LIT(p, ",\"value\":");
        p = put_value(p, &e->u.place_value.value, d);
        return LIT(p, "}}");
    case RT_EVENT_ASSIGN_COMPOUND_ITEM:
        p = LIT(p, "{\"AssignCompoundItem\":{\"place\":");
        p = rt_dec_put_i64(p, e->u.assign_item.place);
        p = LIT(p, ",\"index\":");
        p = rt_dec_put_u64(p, e->u.assign_item.index);
        p = LIT(p, ",\"item_place\":");
        p = rt_dec_put_i64(p, e->u.assign_item.item_place);
        return LIT(p, "}}");
    case RT_EVENT_DROP_VARIABLE:
        p = LIT(p, "{\"DropVariable\":");
        p = rt_dec_put_u64(p, e->u.drop_variable);
        *p++ = '}';
        return p;
    case RT_EVENT_DROP_LAST_STEP:
        return LIT(p, "\"DropLastStep\"");
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH:
        p = e->kind == RT_EVENT_THREAD_START  ? LIT(p, "{\"ThreadStart\":")
            : e->kind == RT_EVENT_THREAD_EXIT ? LIT(p, "{\"ThreadExit\":")
                                              : LIT(p, "{\"ThreadSwitch\":");
        p = rt_dec_put_u64(p, e->u.thread_id);
        *p++ = '}';
        return p;
    }
    return NULL;
}

/* ---- the encoder -------------------------------------------------------- */

static int json_write(rt_encoder *enc, const rt_event *e)
{
    json_encoder *j = (json_encoder *)enc;
    rt_output *o = j->out;
    if (o->status)
        return o->status;
    if ((unsigned)e->kind >= RT_EVENT_KIND_COUNT)
        return rt_err_set(j->err, RT_EINVAL, "JSON writer: unknown event kind %d", (int)e->kind);
    /* The one capacity check: ',' and the event's worst case. */
    size_t need = e->kind == RT_EVENT_STEP ? FIXED : add_sat(1, event_bound(e));
    if (need >= TOO_BIG || rt_buf_reserve(&o->buf, need))
        return rt_err_set(j->err, RT_ENOMEM, "JSON writer: out of memory");
    char *start = (char *)o->buf.data + o->buf.len;
    char *p = start;
    if (!j->first)
        *p++ = ',';
    j->first = false;
    p = put_event(p, e, j->dialect);
    o->buf.len += (size_t)(p - start);
    return rt_output_maybe_drain(o);
}

static int json_flush(rt_encoder *enc)
{
    json_encoder *j = (json_encoder *)enc;
    return rt_output_drain(j->out);
}

static int json_finish(rt_encoder *enc)
{
    json_encoder *j = (json_encoder *)enc;
    if (j->out->status)
        return j->out->status;
    if (rt_output_put(j->out, "]", 1))
        return j->out->status ? j->out->status : RT_ENOMEM;
    return rt_output_drain(j->out);
}

static void json_destroy(rt_encoder *enc)
{
    json_encoder *j = (json_encoder *)enc;
    rt_free(j->alloc, j, sizeof *j);
}

/* Positions are stream offsets; each event but the first starts with ','. */
static uint64_t json_position(const rt_encoder *enc)
{
    const json_encoder *j = (const json_encoder *)enc;
    return j->out->bytes + j->out->buf.len;
}

static void json_hold(rt_encoder *enc, uint64_t from)
{
    ((json_encoder *)enc)->out->keep_from = from;
}

static void json_cut(rt_encoder *enc, uint64_t from, uint64_t to, uint64_t nevents)
{
    (void)nevents;
    json_encoder *j = (json_encoder *)enc;
    rt_buf *b = &j->out->buf;
    uint64_t end = j->out->bytes + b->len;
    if (from == j->open_end) { /* the first event goes: the next one loses its ',' */
        if (to == end)
            j->first = true;
        else
            to++;
    }
    size_t at = (size_t)(from - j->out->bytes), n = (size_t)(to - from);
    memmove(b->data + at, b->data + at + n, b->len - at - n);
    b->len -= n;
}

static const rt_encoder_ops json_ops = {json_write, json_flush, json_finish, json_destroy,
                                        json_position, json_hold, json_cut};

int rt_json_encoder_new(const rt_encoder_env *env, rt_encoder **out)
{
    json_encoder *j = rt_malloc(env->alloc, sizeof *j);
    if (!j)
        return rt_err_set(env->err, RT_ENOMEM, "JSON writer: out of memory");
    j->base.ops = &json_ops;
    j->base.pos_buf = &env->out->buf;
    j->base.pos_base = &env->out->bytes;
    j->out = env->out;
    j->err = env->err;
    j->alloc = env->alloc;
    j->dialect = rt_dialect_get(env->opts->dialect);
    j->first = true;
    if (rt_output_put(j->out, "[", 1)) {
        rt_free(env->alloc, j, sizeof *j);
        return env->out->status ? env->out->status : RT_ENOMEM;
    }
    j->open_end = json_position(&j->base);
    *out = &j->base;
    return RT_OK;
}
