#include "cbor/cbor_event.h"
#include "ctfs/ctfs_layout.h"
#include "ctfs/split_binary.h"

static int put_u8(rt_buf *b, unsigned v)
{
    return rt_buf_putc(b, (unsigned char)v);
}

static int put_u32(rt_buf *b, uint32_t v)
{
    unsigned char p[4];
    ctfs_put_u32(p, v);
    return rt_buf_append(b, p, 4);
}

static int put_u64(rt_buf *b, uint64_t v)
{
    unsigned char p[8];
    ctfs_put_u64(p, v);
    return rt_buf_append(b, p, 8);
}

static int put_str(rt_buf *b, rt_str s)
{
    if (s.len > UINT32_MAX)
        return RT_ELIMIT;
    int rc = put_u32(b, (uint32_t)s.len);
    return rc ? rc : rt_buf_append(b, s.ptr, s.len);
}

/* A u32 length, then the CBOR item the caller appends; patched afterwards. */
static int begin_item(rt_buf *b, size_t *mark)
{
    int rc = put_u32(b, 0);
    *mark = b->len;
    return rc;
}

static int end_item(rt_buf *b, size_t mark, int rc)
{
    if (rc)
        return rc;
    size_t n = b->len - mark;
    if (n > UINT32_MAX)
        return RT_ELIMIT;
    ctfs_put_u32(b->data + mark - 4, (uint32_t)n);
    return RT_OK;
}

static int put_value_item(rt_buf *b, const rt_value *v, const rt_dialect_desc *d)
{
    size_t mark;
    int rc = begin_item(b, &mark);
    return rc ? rc : end_item(b, mark, rt_cbor_encode_value(b, v, d));
}

/* A tag and up to three u64 fields, with one capacity check: the events
 * of every step (Step, the Value heads) are made of these. */
static int put_fixed(rt_buf *b, unsigned tag, unsigned nfields, uint64_t f0, uint64_t f1,
                     uint64_t f2)
{
    if (rt_buf_reserve(b, 1 + 24))
        return RT_ENOMEM;
    unsigned char *p = b->data + b->len;
    p[0] = (unsigned char)tag;
    ctfs_put_u64(p + 1, f0);
    ctfs_put_u64(p + 9, f1);
    ctfs_put_u64(p + 17, f2);
    b->len += 1 + 8 * (size_t)nfields;
    return RT_OK;
}

static int put_head_u64(rt_buf *b, unsigned tag, uint64_t a)
{
    return put_fixed(b, tag, 1, a, 0, 0);
}

static int put_head_u64_u64(rt_buf *b, unsigned tag, uint64_t a, uint64_t c)
{
    return put_fixed(b, tag, 2, a, c, 0);
}

int rt_split_binary_encode(rt_buf *b, const rt_event *e, const rt_dialect_desc *d)
{
    size_t mark;
    int rc;
    switch (e->kind) {
    case RT_EVENT_STEP:
        return put_head_u64_u64(b, SB_STEP, e->u.step.path_id, (uint64_t)e->u.step.line);
    case RT_EVENT_PATH:
        return (rc = put_u8(b, SB_PATH)) ? rc : put_str(b, e->u.path);
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        rc = put_u8(b, e->kind == RT_EVENT_VARIABLE ? SB_VARIABLE : SB_VARIABLE_NAME);
        return rc ? rc : put_str(b, e->u.name);
    case RT_EVENT_TYPE:
        if ((rc = put_u8(b, SB_TYPE)) || (rc = begin_item(b, &mark)))
            return rc;
        return end_item(b, mark, rt_cbor_encode_type(b, &e->u.type, d));
    case RT_EVENT_VALUE:
        rc = put_head_u64(b, SB_VALUE, e->u.value.variable_id);
        return rc ? rc : put_value_item(b, &e->u.value.value, d);
    case RT_EVENT_FUNCTION:
        rc = put_head_u64_u64(b, SB_FUNCTION, e->u.function.path_id, (uint64_t)e->u.function.line);
        return rc ? rc : put_str(b, e->u.function.name);
    case RT_EVENT_CALL:
        if ((rc = put_head_u64(b, SB_CALL, e->u.call.function_id)) || (rc = begin_item(b, &mark)))
            return rc;
        return end_item(b, mark, rt_cbor_encode_args(b, e->u.call.args, e->u.call.len, d));
    case RT_EVENT_RETURN:
        return (rc = put_u8(b, SB_RETURN)) ? rc : put_value_item(b, &e->u.return_value, d);
    case RT_EVENT_EVENT:
        if ((rc = put_u8(b, SB_EVENT)) || (rc = put_u8(b, (unsigned)e->u.event.kind)) ||
            (rc = put_str(b, e->u.event.metadata)))
            return rc;
        return put_str(b, e->u.event.content);
    case RT_EVENT_ASM:
        if (e->u.asm_lines.len > UINT32_MAX)
            return RT_ELIMIT;
        if ((rc = put_u8(b, SB_ASM)) || (rc = put_u32(b, (uint32_t)e->u.asm_lines.len)))
            return rc;
        for (size_t i = 0; i < e->u.asm_lines.len; i++)
            if ((rc = put_str(b, e->u.asm_lines.items[i])))
                return rc;
        return RT_OK;
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
        return put_head_u64_u64(b, e->kind == RT_EVENT_BIND_VARIABLE ? SB_BIND_VARIABLE : SB_VARIABLE_CELL,
                                e->u.bind.variable_id, (uint64_t)e->u.bind.place);
    case RT_EVENT_ASSIGNMENT:
        if ((rc = put_u8(b, SB_ASSIGNMENT)) || (rc = begin_item(b, &mark)))
            return rc;
        return end_item(b, mark, rt_cbor_encode_assignment(b, e, d));
    case RT_EVENT_DROP_VARIABLES:
        if (e->u.drop_variables.len > UINT32_MAX)
            return RT_ELIMIT;
        if ((rc = put_u8(b, SB_DROP_VARIABLES)) || (rc = put_u32(b, (uint32_t)e->u.drop_variables.len)))
            return rc;
        for (size_t i = 0; i < e->u.drop_variables.len; i++)
            if ((rc = put_u64(b, e->u.drop_variables.ids[i])))
                return rc;
        return RT_OK;
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        rc = put_head_u64(b, e->kind == RT_EVENT_COMPOUND_VALUE ? SB_COMPOUND_VALUE
                             : e->kind == RT_EVENT_CELL_VALUE   ? SB_CELL_VALUE
                                                                : SB_ASSIGN_CELL,
                          (uint64_t)e->u.place_value.place);
        return rc ? rc : put_value_item(b, &e->u.place_value.value, d);
    case RT_EVENT_ASSIGN_COMPOUND_ITEM:
        return put_fixed(b, SB_ASSIGN_COMPOUND_ITEM, 3, (uint64_t)e->u.assign_item.place,
                         e->u.assign_item.index, (uint64_t)e->u.assign_item.item_place);
    case RT_EVENT_DROP_VARIABLE:
        return put_head_u64(b, SB_DROP_VARIABLE, e->u.drop_variable);
    case RT_EVENT_DROP_LAST_STEP:
        return put_u8(b, SB_DROP_LAST_STEP);
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH:
        return put_head_u64(b, SB_THREAD_START + (unsigned)(e->kind - RT_EVENT_THREAD_START),
                            e->u.thread_id);
    default:
        return RT_EINVAL;
    }
}
