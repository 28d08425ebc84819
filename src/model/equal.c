/* Structural equality, for tests and the tools' checks. */
#include <string.h>

#include "common/utf8.h"
#include "model/model.h"

static bool str_eq(rt_str a, rt_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* b is a as a format without Char values holds it: Raw{r: its UTF-8}. */
static bool char_as_raw(const rt_value *a, const rt_value *b)
{
    char c[4];
    size_t n = rt_utf8_encode(a->u.ch, c);
    return b->kind == RT_VALUE_RAW && a->type_id == b->type_id && b->u.text.len == n &&
           memcmp(b->u.text.ptr, c, n) == 0;
}

static bool value_eq(const rt_value *a, const rt_value *b, bool raw_chars)
{
    if (raw_chars && a->kind == RT_VALUE_CHAR)
        return char_as_raw(a, b);
    if (a->kind != b->kind)
        return false;
    if (a->kind != RT_VALUE_CELL && a->type_id != b->type_id)
        return false;
    switch (a->kind) {
    case RT_VALUE_INT:
        return a->u.i == b->u.i;
    case RT_VALUE_FLOAT:
        /* Bitwise, so that NaN equals NaN and -0.0 differs from 0.0. */
        /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison,cert-exp42-c,cert-flp37-c) */
        return memcmp(&a->u.f, &b->u.f, sizeof a->u.f) == 0 ||
               (a->u.f != a->u.f && b->u.f != b->u.f);
    case RT_VALUE_BOOL:
        return a->flag == b->flag;
    case RT_VALUE_STRING:
    case RT_VALUE_RAW:
    case RT_VALUE_ERROR:
        return str_eq(a->u.text, b->u.text);
    case RT_VALUE_SEQUENCE:
        if (a->flag != b->flag)
            return false;
        /* fall through */
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        if (a->u.list.len != b->u.list.len)
            return false;
        for (size_t i = 0; i < a->u.list.len; i++)
            if (!value_eq(&a->u.list.items[i], &b->u.list.items[i], raw_chars))
                return false;
        return true;
    case RT_VALUE_VARIANT:
        return str_eq(a->u.variant.discriminator, b->u.variant.discriminator) &&
               value_eq(a->u.variant.contents, b->u.variant.contents, raw_chars);
    case RT_VALUE_REFERENCE:
        return a->flag == b->flag && a->u.reference.address == b->u.reference.address &&
               value_eq(a->u.reference.dereferenced, b->u.reference.dereferenced, raw_chars);
    case RT_VALUE_NONE:
        return true;
    case RT_VALUE_CELL:
        return a->u.place == b->u.place;
    case RT_VALUE_BIGINT:
        return a->flag == b->flag && a->u.bigint.len == b->u.bigint.len &&
               (a->u.bigint.len == 0 ||
                memcmp(a->u.bigint.bytes, b->u.bigint.bytes, a->u.bigint.len) == 0);
    case RT_VALUE_CHAR:
        return a->u.ch == b->u.ch;
    }
    return false;
}

bool rt_value_equal(const rt_value *a, const rt_value *b)
{
    return value_eq(a, b, false);
}

static bool ids_eq(const rt_variable_id *a, size_t na, const rt_variable_id *b, size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}

static bool event_eq(const rt_event *a, const rt_event *b, bool raw_chars)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case RT_EVENT_STEP:
        return a->u.step.path_id == b->u.step.path_id && a->u.step.line == b->u.step.line;
    case RT_EVENT_PATH:
        return str_eq(a->u.path, b->u.path);
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        return str_eq(a->u.name, b->u.name);
    case RT_EVENT_TYPE: {
        const rt_type_record *x = &a->u.type, *y = &b->u.type;
        if (x->kind != y->kind || !str_eq(x->lang_type, y->lang_type) || x->info_kind != y->info_kind)
            return false;
        if (x->info_kind == RT_INFO_POINTER)
            return x->info.dereference_type_id == y->info.dereference_type_id;
        if (x->info_kind == RT_INFO_STRUCT) {
            if (x->info.fields.len != y->info.fields.len)
                return false;
            for (size_t i = 0; i < x->info.fields.len; i++)
                if (!str_eq(x->info.fields.items[i].name, y->info.fields.items[i].name) ||
                    x->info.fields.items[i].type_id != y->info.fields.items[i].type_id)
                    return false;
        }
        return true;
    }
    case RT_EVENT_VALUE:
        return a->u.value.variable_id == b->u.value.variable_id &&
               value_eq(&a->u.value.value, &b->u.value.value, raw_chars);
    case RT_EVENT_FUNCTION:
        return a->u.function.path_id == b->u.function.path_id &&
               a->u.function.line == b->u.function.line &&
               str_eq(a->u.function.name, b->u.function.name);
    case RT_EVENT_CALL:
        if (a->u.call.function_id != b->u.call.function_id || a->u.call.len != b->u.call.len)
            return false;
        for (size_t i = 0; i < a->u.call.len; i++)
            if (a->u.call.args[i].variable_id != b->u.call.args[i].variable_id ||
                !value_eq(&a->u.call.args[i].value, &b->u.call.args[i].value, raw_chars))
                return false;
        return true;
    case RT_EVENT_RETURN:
        return value_eq(&a->u.return_value, &b->u.return_value, raw_chars);
    case RT_EVENT_EVENT:
        return a->u.event.kind == b->u.event.kind &&
               str_eq(a->u.event.metadata, b->u.event.metadata) &&
               str_eq(a->u.event.content, b->u.event.content);
    case RT_EVENT_ASM:
        if (a->u.asm_lines.len != b->u.asm_lines.len)
            return false;
        for (size_t i = 0; i < a->u.asm_lines.len; i++)
            if (!str_eq(a->u.asm_lines.items[i], b->u.asm_lines.items[i]))
                return false;
        return true;
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
        return a->u.bind.variable_id == b->u.bind.variable_id && a->u.bind.place == b->u.bind.place;
    case RT_EVENT_ASSIGNMENT: {
        const rt_rvalue *x = &a->u.assignment.from, *y = &b->u.assignment.from;
        if (a->u.assignment.to != b->u.assignment.to ||
            a->u.assignment.pass_by != b->u.assignment.pass_by || x->kind != y->kind)
            return false;
        if (x->kind == RT_RVALUE_SIMPLE)
            return x->simple == y->simple;
        if (x->kind == RT_RVALUE_COMPOUND)
            return ids_eq(x->ids, x->len, y->ids, y->len);
        if (x->kind == RT_RVALUE_FUNCTION_RETURN)
            return x->call_key == y->call_key;
        if (x->kind == RT_RVALUE_FIELD_ACCESS)
            return x->simple == y->simple && str_eq(x->field, y->field);
        if (x->kind == RT_RVALUE_INDEX_ACCESS)
            return x->simple == y->simple && x->index == y->index;
        return true;
    }
    case RT_EVENT_DROP_VARIABLES:
        return ids_eq(a->u.drop_variables.ids, a->u.drop_variables.len, b->u.drop_variables.ids,
                      b->u.drop_variables.len);
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        return a->u.place_value.place == b->u.place_value.place &&
               value_eq(&a->u.place_value.value, &b->u.place_value.value, raw_chars);
    case RT_EVENT_ASSIGN_COMPOUND_ITEM:
        return a->u.assign_item.place == b->u.assign_item.place &&
               a->u.assign_item.index == b->u.assign_item.index &&
               a->u.assign_item.item_place == b->u.assign_item.item_place;
    case RT_EVENT_DROP_VARIABLE:
        return a->u.drop_variable == b->u.drop_variable;
    case RT_EVENT_DROP_LAST_STEP:
        return true;
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH:
        return a->u.thread_id == b->u.thread_id;
    }
    return false;
}

bool rt_event_equal(const rt_event *a, const rt_event *b)
{
    return event_eq(a, b, false);
}

bool rt_event_equal_raw_chars(const rt_event *a, const rt_event *b)
{
    return event_eq(a, b, true);
}
