#include "cbor/cbor_event_decode.h"
#include "common/utf8.h"
#include "ctfs/ctfs_layout.h"
#include "ctfs/split_binary.h"

static int need(cbor_dec *d, size_t n)
{
    return (size_t)(d->end - d->p) >= n ? RT_OK : cbor_need(d, n);
}

static int rd_u8(cbor_dec *d, unsigned *v)
{
    int rc = need(d, 1);
    if (!rc)
        *v = *d->p++;
    return rc;
}

static int rd_u32(cbor_dec *d, uint32_t *v)
{
    int rc = need(d, 4);
    if (!rc) {
        *v = ctfs_get_u32(d->p);
        d->p += 4;
    }
    return rc;
}

static int rd_u64(cbor_dec *d, uint64_t *v)
{
    int rc = need(d, 8);
    if (!rc) {
        *v = ctfs_get_u64(d->p);
        d->p += 8;
    }
    return rc;
}

static int rd_i64(cbor_dec *d, int64_t *v)
{
    uint64_t u;
    int rc = rd_u64(d, &u);
    if (!rc)
        memcpy(v, &u, sizeof u);
    return rc;
}

static int rd_str(cbor_dec *d, rt_arena *a, rt_str *s)
{
    uint32_t n;
    int rc = rd_u32(d, &n);
    if (rc || (rc = need(d, n)))
        return rc;
    if (!rt_utf8_valid((const char *)d->p, n))
        return cbor_fail(d, RT_EUTF8, "split-binary string is not UTF-8");
    char *p = rt_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return cbor_fail(d, RT_ENOMEM, "out of memory");
    memcpy(p, d->p, n);
    p[n] = '\0';
    s->ptr = p;
    s->len = n;
    d->p += n;
    return RT_OK;
}

/* The u32-prefixed CBOR item: decoded by fn over exactly its bytes. */
typedef int (*item_fn)(cbor_dec *d, rt_arena *a, void *out);

static int rd_item(cbor_dec *d, rt_arena *a, item_fn fn, void *out)
{
    uint32_t n;
    int rc = rd_u32(d, &n);
    if (rc || (rc = need(d, n)))
        return rc;
    cbor_dec sub = *d;
    sub.start = sub.p = d->p;
    sub.end = d->p + n;
    sub.base = d->base + (uint64_t)(d->p - d->start);
    rc = fn(&sub, a, out);
    d->spelling |= sub.spelling;
    if (rc == CBOR_NEED)
        return cbor_fail(d, RT_EFORMAT, "CBOR item longer than its %u-byte length", (unsigned)n);
    if (rc)
        return rc;
    if (sub.p != sub.end)
        return cbor_fail(d, RT_EFORMAT, "%u-byte field holds %zu bytes of CBOR", (unsigned)n,
                         (size_t)(sub.p - sub.start));
    d->p += n;
    return RT_OK;
}

static int item_value(cbor_dec *d, rt_arena *a, void *out)
{
    return rt_cbor_decode_value(d, a, out);
}

static int item_type(cbor_dec *d, rt_arena *a, void *out)
{
    return rt_cbor_decode_type(d, a, out);
}

static int item_args(cbor_dec *d, rt_arena *a, void *out)
{
    rt_event *e = out;
    return rt_cbor_decode_args(d, a, &e->u.call.args, &e->u.call.len);
}

static int item_assignment(cbor_dec *d, rt_arena *a, void *out)
{
    return rt_cbor_decode_assignment(d, a, out);
}

static int rd_count(cbor_dec *d, size_t unit, uint32_t *n)
{
    int rc = rd_u32(d, n);
    if (rc)
        return rc;
    /* each unit takes at least `unit` bytes: a count the data cannot hold is
     * asked for as bytes first, never allocated */
    return need(d, (size_t)*n * unit);
}

static int rd_body(cbor_dec *d, rt_arena *a, unsigned tag, rt_event *e)
{
    int rc;
    switch (tag) {
    case SB_STEP:
        e->kind = RT_EVENT_STEP;
        return (rc = rd_u64(d, &e->u.step.path_id)) ? rc : rd_i64(d, &e->u.step.line);
    case SB_PATH:
        e->kind = RT_EVENT_PATH;
        return rd_str(d, a, &e->u.path);
    case SB_VARIABLE_NAME:
    case SB_VARIABLE:
        e->kind = tag == SB_VARIABLE ? RT_EVENT_VARIABLE : RT_EVENT_VARIABLE_NAME;
        return rd_str(d, a, &e->u.name);
    case SB_TYPE:
        e->kind = RT_EVENT_TYPE;
        return rd_item(d, a, item_type, &e->u.type);
    case SB_VALUE:
        e->kind = RT_EVENT_VALUE;
        rc = rd_u64(d, &e->u.value.variable_id);
        return rc ? rc : rd_item(d, a, item_value, &e->u.value.value);
    case SB_FUNCTION:
        e->kind = RT_EVENT_FUNCTION;
        if ((rc = rd_u64(d, &e->u.function.path_id)) || (rc = rd_i64(d, &e->u.function.line)))
            return rc;
        return rd_str(d, a, &e->u.function.name);
    case SB_CALL:
        e->kind = RT_EVENT_CALL;
        rc = rd_u64(d, &e->u.call.function_id);
        return rc ? rc : rd_item(d, a, item_args, e);
    case SB_RETURN:
        e->kind = RT_EVENT_RETURN;
        return rd_item(d, a, item_value, &e->u.return_value);
    case SB_EVENT: {
        unsigned k;
        e->kind = RT_EVENT_EVENT;
        if ((rc = rd_u8(d, &k)))
            return rc;
        if (k >= RT_EVENT_LOG_KIND_COUNT)
            return cbor_fail(d, RT_EFORMAT, "EventLogKind %u out of range", k);
        e->u.event.kind = (rt_event_log_kind)k;
        return (rc = rd_str(d, a, &e->u.event.metadata)) ? rc : rd_str(d, a, &e->u.event.content);
    }
    case SB_ASM: {
        uint32_t n;
        e->kind = RT_EVENT_ASM;
        if ((rc = rd_count(d, 4, &n)))
            return rc;
        rt_str *items = rt_arena_alloc(a, (n ? n : 1) * sizeof *items);
        if (!items)
            return cbor_fail(d, RT_ENOMEM, "out of memory");
        for (uint32_t i = 0; i < n; i++)
            if ((rc = rd_str(d, a, &items[i])))
                return rc;
        e->u.asm_lines.items = items;
        e->u.asm_lines.len = n;
        return RT_OK;
    }
    case SB_BIND_VARIABLE:
    case SB_VARIABLE_CELL:
        e->kind = tag == SB_BIND_VARIABLE ? RT_EVENT_BIND_VARIABLE : RT_EVENT_VARIABLE_CELL;
        return (rc = rd_u64(d, &e->u.bind.variable_id)) ? rc : rd_i64(d, &e->u.bind.place);
    case SB_ASSIGNMENT:
        e->kind = RT_EVENT_ASSIGNMENT;
        return rd_item(d, a, item_assignment, e);
    case SB_DROP_VARIABLES: {
        uint32_t n;
        e->kind = RT_EVENT_DROP_VARIABLES;
        if ((rc = rd_count(d, 8, &n)))
            return rc;
        rt_variable_id *ids = rt_arena_alloc(a, (n ? n : 1) * sizeof *ids);
        if (!ids)
            return cbor_fail(d, RT_ENOMEM, "out of memory");
        for (uint32_t i = 0; i < n; i++)
            rd_u64(d, &ids[i]); /* present: rd_count asked for them */
        e->u.drop_variables.ids = ids;
        e->u.drop_variables.len = n;
        return RT_OK;
    }
    case SB_COMPOUND_VALUE:
    case SB_CELL_VALUE:
    case SB_ASSIGN_CELL:
        e->kind = tag == SB_COMPOUND_VALUE ? RT_EVENT_COMPOUND_VALUE
                  : tag == SB_CELL_VALUE   ? RT_EVENT_CELL_VALUE
                                           : RT_EVENT_ASSIGN_CELL;
        rc = rd_i64(d, &e->u.place_value.place);
        return rc ? rc : rd_item(d, a, item_value, &e->u.place_value.value);
    case SB_ASSIGN_COMPOUND_ITEM:
        e->kind = RT_EVENT_ASSIGN_COMPOUND_ITEM;
        if ((rc = rd_i64(d, &e->u.assign_item.place)) || (rc = rd_u64(d, &e->u.assign_item.index)))
            return rc;
        return rd_i64(d, &e->u.assign_item.item_place);
    case SB_DROP_VARIABLE:
        e->kind = RT_EVENT_DROP_VARIABLE;
        return rd_u64(d, &e->u.drop_variable);
    case SB_DROP_LAST_STEP:
        e->kind = RT_EVENT_DROP_LAST_STEP;
        return RT_OK;
    case SB_THREAD_START:
    case SB_THREAD_EXIT:
    case SB_THREAD_SWITCH:
        e->kind = (rt_event_kind)(RT_EVENT_THREAD_START + (tag - SB_THREAD_START));
        return rd_u64(d, &e->u.thread_id);
    default:
        d->p--;
        return cbor_fail(d, RT_EFORMAT, "unknown split-binary tag %u", tag);
    }
}

int rt_split_binary_decode(cbor_dec *d, rt_arena *arena, rt_event *e)
{
    unsigned tag;
    memset(e, 0, sizeof *e);
    d->start = d->p;
    int rc = rd_u8(d, &tag);
    return rc ? rc : rd_body(d, arena, tag, e);
}
