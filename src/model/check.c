/* Validation of caller-built events before they reach an encoder. */
#include "common/utf8.h"
#include "model/model.h"

static int check_str(rt_str s, rt_err *err, const char *what)
{
    if (!s.ptr && s.len)
        return rt_err_set(err, RT_EINVAL, "%s: NULL string with length %zu", what, s.len);
    if (s.len && !rt_utf8_valid(s.ptr, s.len))
        return rt_err_set(err, RT_EUTF8, "%s: invalid UTF-8", what);
    return RT_OK;
}

static int check_value(const rt_value *v, rt_err *err, int depth)
{
    if (depth > RT_MAX_DEPTH)
        return rt_err_set(err, RT_ELIMIT, "value nested deeper than %d", RT_MAX_DEPTH);
    int rc;
    switch (v->kind) {
    case RT_VALUE_INT:
    case RT_VALUE_FLOAT:
    case RT_VALUE_BOOL:
    case RT_VALUE_NONE:
    case RT_VALUE_CELL:
        return RT_OK;
    case RT_VALUE_STRING:
    case RT_VALUE_RAW:
    case RT_VALUE_ERROR:
        return check_str(v->u.text, err, rt_value_kind_name(v->kind));
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        if (!v->u.list.items && v->u.list.len)
            return rt_err_set(err, RT_EINVAL, "%s value: NULL items with length %zu",
                              rt_value_kind_name(v->kind), v->u.list.len);
        for (size_t i = 0; i < v->u.list.len; i++)
            if ((rc = check_value(&v->u.list.items[i], err, depth + 1)))
                return rc;
        return RT_OK;
    case RT_VALUE_VARIANT:
        if ((rc = check_str(v->u.variant.discriminator, err, "Variant discriminator")))
            return rc;
        if (!v->u.variant.contents)
            return rt_err_set(err, RT_EINVAL, "Variant value: NULL contents");
        return check_value(v->u.variant.contents, err, depth + 1);
    case RT_VALUE_REFERENCE:
        if (!v->u.reference.dereferenced)
            return rt_err_set(err, RT_EINVAL, "Reference value: NULL dereferenced value");
        return check_value(v->u.reference.dereferenced, err, depth + 1);
    case RT_VALUE_BIGINT:
        if (!v->u.bigint.bytes && v->u.bigint.len)
            return rt_err_set(err, RT_EINVAL, "BigInt value: NULL bytes with length %zu",
                              v->u.bigint.len);
        return RT_OK;
    case RT_VALUE_CHAR:
        if (!rt_utf8_scalar_valid(v->u.ch))
            return rt_err_set(err, RT_EINVAL, "Char value: U+%04X is not a Unicode scalar value",
                              (unsigned)v->u.ch);
        return RT_OK;
    }
    return rt_err_set(err, RT_EINVAL, "unknown value kind %d", (int)v->kind);
}

int rt_value_check(const rt_value *v, rt_err *err)
{
    if (!v)
        return rt_err_set(err, RT_EINVAL, "NULL value");
    return check_value(v, err, 0);
}

static int check_ids(const void *ids, size_t len, rt_err *err, const char *what)
{
    if (!ids && len)
        return rt_err_set(err, RT_EINVAL, "%s: NULL list with length %zu", what, len);
    return RT_OK;
}

int rt_event_check(const rt_event *e, rt_err *err)
{
    int rc;
    if (!e)
        return rt_err_set(err, RT_EINVAL, "NULL event");
    switch (e->kind) {
    case RT_EVENT_STEP:
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
    case RT_EVENT_ASSIGN_COMPOUND_ITEM:
    case RT_EVENT_DROP_VARIABLE:
    case RT_EVENT_DROP_LAST_STEP:
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH:
        return RT_OK;
    case RT_EVENT_PATH:
        return check_str(e->u.path, err, "Path");
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        return check_str(e->u.name, err, rt_event_kind_name(e->kind));
    case RT_EVENT_TYPE: {
        const rt_type_record *t = &e->u.type;
        if ((unsigned)t->kind >= RT_TYPE_KIND_COUNT)
            return rt_err_set(err, RT_EINVAL, "Type: unknown TypeKind %d", (int)t->kind);
        if ((rc = check_str(t->lang_type, err, "Type lang_type")))
            return rc;
        switch (t->info_kind) {
        case RT_INFO_NONE:
        case RT_INFO_POINTER:
            return RT_OK;
        case RT_INFO_STRUCT:
            if ((rc = check_ids(t->info.fields.items, t->info.fields.len, err, "Type fields")))
                return rc;
            for (size_t i = 0; i < t->info.fields.len; i++)
                if ((rc = check_str(t->info.fields.items[i].name, err, "Type field name")))
                    return rc;
            return RT_OK;
        }
        return rt_err_set(err, RT_EINVAL, "Type: unknown specific_info kind %d", (int)t->info_kind);
    }
    case RT_EVENT_VALUE:
        return rt_value_check(&e->u.value.value, err);
    case RT_EVENT_FUNCTION:
        return check_str(e->u.function.name, err, "Function name");
    case RT_EVENT_CALL:
        if ((rc = check_ids(e->u.call.args, e->u.call.len, err, "Call args")))
            return rc;
        for (size_t i = 0; i < e->u.call.len; i++)
            if ((rc = rt_value_check(&e->u.call.args[i].value, err)))
                return rc;
        return RT_OK;
    case RT_EVENT_RETURN:
        return rt_value_check(&e->u.return_value, err);
    case RT_EVENT_EVENT:
        if ((unsigned)e->u.event.kind >= RT_EVENT_LOG_KIND_COUNT)
            return rt_err_set(err, RT_EINVAL, "Event: unknown EventLogKind %d", (int)e->u.event.kind);
        if ((rc = check_str(e->u.event.metadata, err, "Event metadata")))
            return rc;
        return check_str(e->u.event.content, err, "Event content");
    case RT_EVENT_ASM:
        if ((rc = check_ids(e->u.asm_lines.items, e->u.asm_lines.len, err, "Asm")))
            return rc;
        for (size_t i = 0; i < e->u.asm_lines.len; i++)
            if ((rc = check_str(e->u.asm_lines.items[i], err, "Asm line")))
                return rc;
        return RT_OK;
    case RT_EVENT_ASSIGNMENT:
        if ((unsigned)e->u.assignment.pass_by > RT_PASS_BY_REFERENCE)
            return rt_err_set(err, RT_EINVAL, "Assignment: unknown pass_by %d",
                              (int)e->u.assignment.pass_by);
        switch (e->u.assignment.from.kind) {
        case RT_RVALUE_SIMPLE:
        case RT_RVALUE_LITERAL:
        case RT_RVALUE_FUNCTION_RETURN:
        case RT_RVALUE_INDEX_ACCESS:
            return RT_OK;
        case RT_RVALUE_FIELD_ACCESS:
            return check_str(e->u.assignment.from.field, err, "Assignment field access");
        case RT_RVALUE_COMPOUND:
            return check_ids(e->u.assignment.from.ids, e->u.assignment.from.len, err,
                             "Assignment compound rvalue");
        }
        return rt_err_set(err, RT_EINVAL, "Assignment: unknown rvalue kind %d",
                          (int)e->u.assignment.from.kind);
    case RT_EVENT_DROP_VARIABLES:
        return check_ids(e->u.drop_variables.ids, e->u.drop_variables.len, err, "DropVariables");
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        return rt_value_check(&e->u.place_value.value, err);
    }
    return rt_err_set(err, RT_EINVAL, "unknown event kind %d", (int)e->kind);
}
