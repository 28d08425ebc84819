/* Deep copies of events and values into an arena (buffered mode, readers). */
#include <string.h>

#include "model/model.h"

int rt_str_copy(rt_arena *arena, rt_str src, rt_str *dst)
{
    char *p = rt_arena_alloc(arena, src.len + 1);
    if (!p)
        return RT_ENOMEM;
    if (src.len)
        memcpy(p, src.ptr, src.len);
    p[src.len] = '\0';
    dst->ptr = p;
    dst->len = src.len;
    return RT_OK;
}

static int copy_value(rt_arena *a, const rt_value *src, rt_value *dst);

static int copy_boxed(rt_arena *a, const rt_value *src, const rt_value **dst)
{
    rt_value *box = rt_arena_alloc(a, sizeof *box);
    if (!box)
        return RT_ENOMEM;
    *dst = box;
    return copy_value(a, src, box);
}

static int copy_value(rt_arena *a, const rt_value *src, rt_value *dst)
{
    *dst = *src;
    switch (src->kind) {
    case RT_VALUE_STRING:
    case RT_VALUE_RAW:
    case RT_VALUE_ERROR:
        return rt_str_copy(a, src->u.text, &dst->u.text);
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT: {
        size_t n = src->u.list.len;
        if (!n) {
            dst->u.list.items = NULL;
            return RT_OK;
        }
        rt_value *items = rt_arena_alloc(a, n * sizeof *items);
        if (!items)
            return RT_ENOMEM;
        dst->u.list.items = items;
        for (size_t i = 0; i < n; i++) {
            int rc = copy_value(a, &src->u.list.items[i], &items[i]);
            if (rc)
                return rc;
        }
        return RT_OK;
    }
    case RT_VALUE_VARIANT: {
        int rc = rt_str_copy(a, src->u.variant.discriminator, &dst->u.variant.discriminator);
        if (rc)
            return rc;
        return copy_boxed(a, src->u.variant.contents, &dst->u.variant.contents);
    }
    case RT_VALUE_REFERENCE:
        return copy_boxed(a, src->u.reference.dereferenced, &dst->u.reference.dereferenced);
    case RT_VALUE_BIGINT: {
        size_t n = src->u.bigint.len;
        uint8_t *p = rt_arena_alloc(a, n ? n : 1);
        if (!p)
            return RT_ENOMEM;
        if (n)
            memcpy(p, src->u.bigint.bytes, n);
        dst->u.bigint.bytes = p;
        return RT_OK;
    }
    default:
        return RT_OK;
    }
}

int rt_value_copy(rt_arena *arena, const rt_value *src, rt_value *dst)
{
    rt_arena_mark m = rt_arena_get_mark(arena);
    int rc = copy_value(arena, src, dst);
    if (rc)
        rt_arena_rollback(arena, m);
    return rc;
}

static void *copy_array(rt_arena *a, const void *src, size_t n, size_t size)
{
    if (!n)
        return NULL;
    void *p = rt_arena_alloc(a, n * size);
    if (p)
        memcpy(p, src, n * size);
    return p;
}

static int copy_event(rt_arena *a, const rt_event *src, rt_event *dst)
{
    *dst = *src;
    int rc;
    switch (src->kind) {
    case RT_EVENT_PATH:
        return rt_str_copy(a, src->u.path, &dst->u.path);
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        return rt_str_copy(a, src->u.name, &dst->u.name);
    case RT_EVENT_TYPE: {
        const rt_type_record *t = &src->u.type;
        if ((rc = rt_str_copy(a, t->lang_type, &dst->u.type.lang_type)))
            return rc;
        if (t->info_kind == RT_INFO_STRUCT && t->info.fields.len) {
            size_t n = t->info.fields.len;
            rt_field_type *f = copy_array(a, t->info.fields.items, n, sizeof *f);
            if (!f)
                return RT_ENOMEM;
            for (size_t i = 0; i < n; i++)
                if ((rc = rt_str_copy(a, t->info.fields.items[i].name, &f[i].name)))
                    return rc;
            dst->u.type.info.fields.items = f;
        }
        return RT_OK;
    }
    case RT_EVENT_VALUE:
        return copy_value(a, &src->u.value.value, &dst->u.value.value);
    case RT_EVENT_FUNCTION:
        return rt_str_copy(a, src->u.function.name, &dst->u.function.name);
    case RT_EVENT_CALL: {
        size_t n = src->u.call.len;
        if (!n) {
            dst->u.call.args = NULL;
            return RT_OK;
        }
        rt_full_value *args = rt_arena_alloc(a, n * sizeof *args);
        if (!args)
            return RT_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            args[i].variable_id = src->u.call.args[i].variable_id;
            if ((rc = copy_value(a, &src->u.call.args[i].value, &args[i].value)))
                return rc;
        }
        dst->u.call.args = args;
        return RT_OK;
    }
    case RT_EVENT_RETURN:
        return copy_value(a, &src->u.return_value, &dst->u.return_value);
    case RT_EVENT_EVENT:
        if ((rc = rt_str_copy(a, src->u.event.metadata, &dst->u.event.metadata)))
            return rc;
        return rt_str_copy(a, src->u.event.content, &dst->u.event.content);
    case RT_EVENT_ASM: {
        size_t n = src->u.asm_lines.len;
        if (!n) {
            dst->u.asm_lines.items = NULL;
            return RT_OK;
        }
        rt_str *lines = rt_arena_alloc(a, n * sizeof *lines);
        if (!lines)
            return RT_ENOMEM;
        for (size_t i = 0; i < n; i++)
            if ((rc = rt_str_copy(a, src->u.asm_lines.items[i], &lines[i])))
                return rc;
        dst->u.asm_lines.items = lines;
        return RT_OK;
    }
    case RT_EVENT_ASSIGNMENT:
        if (src->u.assignment.from.kind == RT_RVALUE_COMPOUND && src->u.assignment.from.len) {
            void *ids = copy_array(a, src->u.assignment.from.ids, src->u.assignment.from.len,
                                   sizeof(rt_variable_id));
            if (!ids)
                return RT_ENOMEM;
            dst->u.assignment.from.ids = ids;
        }
        if (src->u.assignment.from.kind == RT_RVALUE_FIELD_ACCESS)
            return rt_str_copy(a, src->u.assignment.from.field, &dst->u.assignment.from.field);
        return RT_OK;
    case RT_EVENT_DROP_VARIABLES:
        if (src->u.drop_variables.len) {
            void *ids = copy_array(a, src->u.drop_variables.ids, src->u.drop_variables.len,
                                   sizeof(rt_variable_id));
            if (!ids)
                return RT_ENOMEM;
            dst->u.drop_variables.ids = ids;
        }
        return RT_OK;
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        return copy_value(a, &src->u.place_value.value, &dst->u.place_value.value);
    default:
        return RT_OK;
    }
}

int rt_event_copy(rt_arena *arena, const rt_event *src, rt_event *dst)
{
    rt_arena_mark m = rt_arena_get_mark(arena);
    int rc = copy_event(arena, src, dst);
    if (rc)
        rt_arena_rollback(arena, m);
    return rc;
}
