/* The JSON encoder: events as compact JSON text, streamed straight into the
 * output buffer. No tree is ever built; each value makes one capacity check
 * for its fixed part and its strings. */
#include <string.h>

#include "json/json_writer.h"
#include "model/model.h"

typedef struct json_encoder {
    rt_encoder base;
    rt_output *out;
    rt_err *err;
    const rt_allocator *alloc;
    bool first;
} json_encoder;

#define LIT(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) + sizeof(s) - 1)
#define FIXED 128 /* room for any fixed part: keys, numbers, punctuation */

static char *reserve(json_encoder *j, size_t n)
{
    rt_buf *b = &j->out->buf;
    if (rt_buf_reserve(b, n)) {
        rt_err_set(j->err, RT_ENOMEM, "JSON writer: out of memory");
        return NULL;
    }
    return (char *)b->data + b->len;
}

static void commit(json_encoder *j, char *p)
{
    j->out->buf.len = (size_t)(p - (char *)j->out->buf.data);
}

static int put_value(json_encoder *j, const rt_value *v);

static int put_list(json_encoder *j, const rt_value *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i) {
            char *p = reserve(j, 1);
            if (!p)
                return RT_ENOMEM;
            *p++ = ',';
            commit(j, p);
        }
        int rc = put_value(j, &items[i]);
        if (rc)
            return rc;
    }
    return RT_OK;
}

static char *put_type_id_end(char *p, rt_type_id id)
{
    p = LIT(p, ",\"type_id\":");
    p = rt_json_put_u64(p, id);
    *p++ = '}';
    return p;
}

static int put_value(json_encoder *j, const rt_value *v)
{
    size_t strn = 0;
    if (v->kind == RT_VALUE_STRING || v->kind == RT_VALUE_RAW || v->kind == RT_VALUE_ERROR)
        strn = RT_JSON_STR_BOUND(v->u.text.len);
    else if (v->kind == RT_VALUE_VARIANT)
        strn = RT_JSON_STR_BOUND(v->u.variant.discriminator.len);
    else if (v->kind == RT_VALUE_BIGINT)
        strn = (v->u.bigint.len + 2) / 3 * 4 + 2;
    char *p = reserve(j, FIXED + strn);
    if (!p)
        return RT_ENOMEM;
    int rc;
    switch (v->kind) {
    case RT_VALUE_INT:
        p = LIT(p, "{\"kind\":\"Int\",\"i\":");
        p = rt_json_put_i64(p, v->u.i);
        p = put_type_id_end(p, v->type_id);
        break;
    case RT_VALUE_FLOAT:
        p = LIT(p, "{\"kind\":\"Float\",\"f\":");
        p = rt_json_put_f64(p, v->u.f);
        p = put_type_id_end(p, v->type_id);
        break;
    case RT_VALUE_BOOL:
        p = LIT(p, "{\"kind\":\"Bool\",\"b\":");
        p = v->flag ? LIT(p, "true") : LIT(p, "false");
        p = put_type_id_end(p, v->type_id);
        break;
    case RT_VALUE_STRING:
        p = LIT(p, "{\"kind\":\"String\",\"text\":");
        p = rt_json_put_str(p, v->u.text.ptr, v->u.text.len);
        p = put_type_id_end(p, v->type_id);
        break;
    case RT_VALUE_RAW:
        p = LIT(p, "{\"kind\":\"Raw\",\"r\":");
        p = rt_json_put_str(p, v->u.text.ptr, v->u.text.len);
        p = put_type_id_end(p, v->type_id);
        break;
    case RT_VALUE_ERROR:
        p = LIT(p, "{\"kind\":\"Error\",\"msg\":");
        p = rt_json_put_str(p, v->u.text.ptr, v->u.text.len);
        p = put_type_id_end(p, v->type_id);
        break;
    case RT_VALUE_NONE:
        p = LIT(p, "{\"kind\":\"None\"");
        p = put_type_id_end(p, v->type_id);
        break;
    case RT_VALUE_CELL:
        p = LIT(p, "{\"kind\":\"Cell\",\"place\":");
        p = rt_json_put_i64(p, v->u.place);
        *p++ = '}';
        break;
    case RT_VALUE_BIGINT: {
        static const char b64[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const uint8_t *b = v->u.bigint.bytes;
        size_t n = v->u.bigint.len, i = 0;
        p = LIT(p, "{\"kind\":\"BigInt\",\"b\":\"");
        for (; i + 3 <= n; i += 3) {
            uint32_t w = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
            *p++ = b64[w >> 18];
            *p++ = b64[(w >> 12) & 63];
            *p++ = b64[(w >> 6) & 63];
            *p++ = b64[w & 63];
        }
        if (n - i == 1) {
            *p++ = b64[b[i] >> 2];
            *p++ = b64[(b[i] & 3) << 4];
            *p++ = '=';
            *p++ = '=';
        } else if (n - i == 2) {
            *p++ = b64[b[i] >> 2];
            *p++ = b64[((b[i] & 3) << 4) | (b[i + 1] >> 4)];
            *p++ = b64[(b[i + 1] & 15) << 2];
            *p++ = '=';
        }
        p = LIT(p, "\",\"negative\":");
        p = v->flag ? LIT(p, "true") : LIT(p, "false");
        p = put_type_id_end(p, v->type_id);
        break;
    }
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        if (v->kind == RT_VALUE_SEQUENCE)
            p = LIT(p, "{\"kind\":\"Sequence\",\"elements\":[");
        else if (v->kind == RT_VALUE_TUPLE)
            p = LIT(p, "{\"kind\":\"Tuple\",\"elements\":[");
        else
            p = LIT(p, "{\"kind\":\"Struct\",\"field_values\":[");
        commit(j, p);
        if ((rc = put_list(j, v->u.list.items, v->u.list.len)))
            return rc;
        if (!(p = reserve(j, FIXED)))
            return RT_ENOMEM;
        *p++ = ']';
        if (v->kind == RT_VALUE_SEQUENCE)
            p = v->flag ? LIT(p, ",\"is_slice\":true") : LIT(p, ",\"is_slice\":false");
        p = put_type_id_end(p, v->type_id);
        break;
    case RT_VALUE_VARIANT:
        p = LIT(p, "{\"kind\":\"Variant\",\"discriminator\":");
        p = rt_json_put_str(p, v->u.variant.discriminator.ptr, v->u.variant.discriminator.len);
        p = LIT(p, ",\"contents\":");
        commit(j, p);
        if ((rc = put_value(j, v->u.variant.contents)))
            return rc;
        if (!(p = reserve(j, FIXED)))
            return RT_ENOMEM;
        p = put_type_id_end(p, v->type_id);
        break;
    case RT_VALUE_REFERENCE:
        p = LIT(p, "{\"kind\":\"Reference\",\"dereferenced\":");
        commit(j, p);
        if ((rc = put_value(j, v->u.reference.dereferenced)))
            return rc;
        if (!(p = reserve(j, FIXED)))
            return RT_ENOMEM;
        p = LIT(p, ",\"address\":");
        p = rt_json_put_u64(p, v->u.reference.address);
        p = v->flag ? LIT(p, ",\"mutable\":true") : LIT(p, ",\"mutable\":false");
        p = put_type_id_end(p, v->type_id);
        break;
    }
    commit(j, p);
    return RT_OK;
}

/* Writes a string event payload: {"<Key>":"..."} */
static int put_str_event(json_encoder *j, const char *head, size_t head_len, rt_str s)
{
    char *p = reserve(j, head_len + RT_JSON_STR_BOUND(s.len) + 2);
    if (!p)
        return RT_ENOMEM;
    memcpy(p, head, head_len);
    p = rt_json_put_str(p + head_len, s.ptr, s.len);
    *p++ = '}';
    commit(j, p);
    return RT_OK;
}

static int put_ids(json_encoder *j, const rt_variable_id *ids, size_t n)
{
    char *p = reserve(j, n * 21 + 2);
    if (!p)
        return RT_ENOMEM;
    *p++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        p = rt_json_put_u64(p, ids[i]);
    }
    *p++ = ']';
    commit(j, p);
    return RT_OK;
}

/* Appends a fixed suffix. */
static int put_lit(json_encoder *j, const char *s, size_t n)
{
    char *p = reserve(j, n);
    if (!p)
        return RT_ENOMEM;
    memcpy(p, s, n);
    commit(j, p + n);
    return RT_OK;
}
#define PUT_LIT(j, s) put_lit((j), (s), sizeof(s) - 1)

static int put_type(json_encoder *j, const rt_type_record *t)
{
    char *p = reserve(j, FIXED + RT_JSON_STR_BOUND(t->lang_type.len));
    if (!p)
        return RT_ENOMEM;
    p = LIT(p, "{\"Type\":{\"kind\":");
    p = rt_json_put_u64(p, (uint64_t)t->kind);
    p = LIT(p, ",\"lang_type\":");
    p = rt_json_put_str(p, t->lang_type.ptr, t->lang_type.len);
    switch (t->info_kind) {
    case RT_INFO_NONE:
        p = LIT(p, ",\"specific_info\":{\"kind\":\"None\"}}}");
        break;
    case RT_INFO_POINTER:
        p = LIT(p, ",\"specific_info\":{\"kind\":\"Pointer\",\"dereference_type_id\":");
        p = rt_json_put_u64(p, t->info.dereference_type_id);
        p = LIT(p, "}}}");
        break;
    case RT_INFO_STRUCT:
        p = LIT(p, ",\"specific_info\":{\"kind\":\"Struct\",\"fields\":[");
        for (size_t i = 0; i < t->info.fields.len; i++) {
            const rt_field_type *f = &t->info.fields.items[i];
            commit(j, p);
            if (!(p = reserve(j, FIXED + RT_JSON_STR_BOUND(f->name.len))))
                return RT_ENOMEM;
            if (i)
                *p++ = ',';
            p = LIT(p, "{\"name\":");
            p = rt_json_put_str(p, f->name.ptr, f->name.len);
            p = LIT(p, ",\"type_id\":");
            p = rt_json_put_u64(p, f->type_id);
            *p++ = '}';
        }
        p = LIT(p, "]}}}");
        break;
    }
    commit(j, p);
    return RT_OK;
}

static int put_event(json_encoder *j, const rt_event *e)
{
    char *p;
    int rc;
    switch (e->kind) {
    case RT_EVENT_STEP:
        if (!(p = reserve(j, FIXED)))
            return RT_ENOMEM;
        p = LIT(p, "{\"Step\":{\"path_id\":");
        p = rt_json_put_u64(p, e->u.step.path_id);
        p = LIT(p, ",\"line\":");
        p = rt_json_put_i64(p, e->u.step.line);
        p = LIT(p, "}}");
        commit(j, p);
        return RT_OK;
    case RT_EVENT_PATH:
        return put_str_event(j, "{\"Path\":", 8, e->u.path);
    case RT_EVENT_VARIABLE_NAME:
        return put_str_event(j, "{\"VariableName\":", 16, e->u.name);
    case RT_EVENT_VARIABLE:
        return put_str_event(j, "{\"Variable\":", 12, e->u.name);
    case RT_EVENT_TYPE:
        return put_type(j, &e->u.type);
    case RT_EVENT_VALUE:
        if (!(p = reserve(j, FIXED)))
            return RT_ENOMEM;
        p = LIT(p, "{\"Value\":{\"variable_id\":");
        p = rt_json_put_u64(p, e->u.value.variable_id);
        p = LIT(p, ",\"value\":");
        commit(j, p);
        if ((rc = put_value(j, &e->u.value.value)))
            return rc;
        return PUT_LIT(j, "}}");
    case RT_EVENT_FUNCTION:
        if (!(p = reserve(j, FIXED + RT_JSON_STR_BOUND(e->u.function.name.len))))
            return RT_ENOMEM;
        p = LIT(p, "{\"Function\":{\"path_id\":");
        p = rt_json_put_u64(p, e->u.function.path_id);
        p = LIT(p, ",\"line\":");
        p = rt_json_put_i64(p, e->u.function.line);
        p = LIT(p, ",\"name\":");
        p = rt_json_put_str(p, e->u.function.name.ptr, e->u.function.name.len);
        p = LIT(p, "}}");
        commit(j, p);
        return RT_OK;
    case RT_EVENT_CALL:
        if (!(p = reserve(j, FIXED)))
            return RT_ENOMEM;
        p = LIT(p, "{\"Call\":{\"function_id\":");
        p = rt_json_put_u64(p, e->u.call.function_id);
        p = LIT(p, ",\"args\":[");
        for (size_t i = 0; i < e->u.call.len; i++) {
            commit(j, p);
            if (!(p = reserve(j, FIXED)))
                return RT_ENOMEM;
            if (i)
                *p++ = ',';
            p = LIT(p, "{\"variable_id\":");
            p = rt_json_put_u64(p, e->u.call.args[i].variable_id);
            p = LIT(p, ",\"value\":");
            commit(j, p);
            if ((rc = put_value(j, &e->u.call.args[i].value)))
                return rc;
            if (!(p = reserve(j, FIXED)))
                return RT_ENOMEM;
            *p++ = '}';
        }
        p = LIT(p, "]}}");
        commit(j, p);
        return RT_OK;
    case RT_EVENT_RETURN:
        if ((rc = PUT_LIT(j, "{\"Return\":{\"return_value\":")))
            return rc;
        if ((rc = put_value(j, &e->u.return_value)))
            return rc;
        return PUT_LIT(j, "}}");
    case RT_EVENT_EVENT:
        if (!(p = reserve(j, FIXED + RT_JSON_STR_BOUND(e->u.event.metadata.len) +
                                 RT_JSON_STR_BOUND(e->u.event.content.len))))
            return RT_ENOMEM;
        p = LIT(p, "{\"Event\":{\"kind\":");
        p = rt_json_put_u64(p, (uint64_t)e->u.event.kind);
        p = LIT(p, ",\"metadata\":");
        p = rt_json_put_str(p, e->u.event.metadata.ptr, e->u.event.metadata.len);
        p = LIT(p, ",\"content\":");
        p = rt_json_put_str(p, e->u.event.content.ptr, e->u.event.content.len);
        p = LIT(p, "}}");
        commit(j, p);
        return RT_OK;
    case RT_EVENT_ASM:
        if ((rc = PUT_LIT(j, "{\"Asm\":[")))
            return rc;
        for (size_t i = 0; i < e->u.asm_lines.len; i++) {
            rt_str s = e->u.asm_lines.items[i];
            if (!(p = reserve(j, RT_JSON_STR_BOUND(s.len) + 1)))
                return RT_ENOMEM;
            if (i)
                *p++ = ',';
            p = rt_json_put_str(p, s.ptr, s.len);
            commit(j, p);
        }
        return PUT_LIT(j, "]}");
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
        if (!(p = reserve(j, FIXED)))
            return RT_ENOMEM;
        p = e->kind == RT_EVENT_BIND_VARIABLE ? LIT(p, "{\"BindVariable\":{\"variable_id\":")
                                              : LIT(p, "{\"VariableCell\":{\"variable_id\":");
        p = rt_json_put_u64(p, e->u.bind.variable_id);
        p = LIT(p, ",\"place\":");
        p = rt_json_put_i64(p, e->u.bind.place);
        p = LIT(p, "}}");
        commit(j, p);
        return RT_OK;
    case RT_EVENT_ASSIGNMENT: {
        const rt_rvalue *r = &e->u.assignment.from;
        if (!(p = reserve(j, FIXED)))
            return RT_ENOMEM;
        p = LIT(p, "{\"Assignment\":{\"to\":");
        p = rt_json_put_u64(p, e->u.assignment.to);
        p = e->u.assignment.pass_by == RT_PASS_BY_REFERENCE ? LIT(p, ",\"pass_by\":\"Reference\"")
                                                            : LIT(p, ",\"pass_by\":\"Value\"");
        if (r->kind == RT_RVALUE_SIMPLE) {
            p = LIT(p, ",\"from\":{\"kind\":\"Simple\",\"0\":");
            p = rt_json_put_u64(p, r->simple);
            p = LIT(p, "}}}");
            commit(j, p);
            return RT_OK;
        }
        if (r->kind == RT_RVALUE_LITERAL) {
            p = LIT(p, ",\"from\":{\"kind\":\"Literal\"}}}");
            commit(j, p);
            return RT_OK;
        }
        p = LIT(p, ",\"from\":{\"kind\":\"Compound\",\"0\":");
        commit(j, p);
        if ((rc = put_ids(j, r->ids, r->len)))
            return rc;
        return PUT_LIT(j, "}}}");
    }
    case RT_EVENT_DROP_VARIABLES:
        if ((rc = PUT_LIT(j, "{\"DropVariables\":")))
            return rc;
        if ((rc = put_ids(j, e->u.drop_variables.ids, e->u.drop_variables.len)))
            return rc;
        return PUT_LIT(j, "}");
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        if (!(p = reserve(j, FIXED)))
            return RT_ENOMEM;
        if (e->kind == RT_EVENT_COMPOUND_VALUE)
            p = LIT(p, "{\"CompoundValue\":{\"place\":");
        else if (e->kind == RT_EVENT_CELL_VALUE)
            p = LIT(p, "{\"CellValue\":{\"place\":");
        else
            p = LIT(p, "{\"AssignCell\":{\"place\":");
        p = rt_json_put_i64(p, e->u.place_value.place);
        p = e->kind == RT_EVENT_ASSIGN_CELL ? LIT(p, ",\"new_value\":") : LIT(p, ",\"value\":");
        commit(j, p);
        if ((rc = put_value(j, &e->u.place_value.value)))
            return rc;
        return PUT_LIT(j, "}}");
    case RT_EVENT_ASSIGN_COMPOUND_ITEM:
        if (!(p = reserve(j, FIXED)))
            return RT_ENOMEM;
        p = LIT(p, "{\"AssignCompoundItem\":{\"place\":");
        p = rt_json_put_i64(p, e->u.assign_item.place);
        p = LIT(p, ",\"index\":");
        p = rt_json_put_u64(p, e->u.assign_item.index);
        p = LIT(p, ",\"item_place\":");
        p = rt_json_put_i64(p, e->u.assign_item.item_place);
        p = LIT(p, "}}");
        commit(j, p);
        return RT_OK;
    case RT_EVENT_DROP_VARIABLE:
        if (!(p = reserve(j, FIXED)))
            return RT_ENOMEM;
        p = LIT(p, "{\"DropVariable\":");
        p = rt_json_put_u64(p, e->u.drop_variable);
        *p++ = '}';
        commit(j, p);
        return RT_OK;
    case RT_EVENT_DROP_LAST_STEP:
        return PUT_LIT(j, "\"DropLastStep\"");
    }
    return rt_err_set(j->err, RT_EINVAL, "JSON writer: unknown event kind %d", (int)e->kind);
}

static int json_write(rt_encoder *enc, const rt_event *e)
{
    json_encoder *j = (json_encoder *)enc;
    if (j->out->status)
        return j->out->status;
    size_t mark = j->out->buf.len;
    if (!j->first && PUT_LIT(j, ","))
        return RT_ENOMEM;
    int rc = put_event(j, e);
    if (rc) {
        j->out->buf.len = mark; /* never leave half an event behind */
        return rc;
    }
    j->first = false;
    return rt_output_maybe_drain(j->out);
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
    if (PUT_LIT(j, "]"))
        return RT_ENOMEM;
    return rt_output_drain(j->out);
}

static void json_destroy(rt_encoder *enc)
{
    json_encoder *j = (json_encoder *)enc;
    rt_free(j->alloc, j, sizeof *j);
}

static const rt_encoder_ops json_ops = {json_write, json_flush, json_finish, json_destroy};

int rt_json_encoder_new(const rt_encoder_env *env, rt_encoder **out)
{
    json_encoder *j = rt_malloc(env->alloc, sizeof *j);
    if (!j)
        return rt_err_set(env->err, RT_ENOMEM, "JSON writer: out of memory");
    j->base.ops = &json_ops;
    j->out = env->out;
    j->err = env->err;
    j->alloc = env->alloc;
    j->first = true;
    if (rt_output_put(j->out, "[", 1)) {
        rt_free(env->alloc, j, sizeof *j);
        return env->out->status ? env->out->status : RT_ENOMEM;
    }
    *out = &j->base;
    return RT_OK;
}
