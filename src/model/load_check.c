/* rt_load_check: what the CodeTracer debugger of 2026 fails on when it
 * loads a trace's events (its post-processor's panics, CTFS.md 2.1.3),
 * event by event, in a few words of state. (A value of an undefined type
 * fails later, when it is shown: validate reports those for every
 * target.) validate --for codetracer-0.19, convert
 * --to ct and a tracer writing for that debugger share it. */
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"
#include "model/model.h"

struct rt_load_check {
    const rt_allocator *alloc;
    rt_allocator alloc_copy;
    unsigned flags;
    rt_err err;
    uint64_t depth; /* Calls open */
    bool called;    /* a Call, or the first Step's synthetic one, was seen */
    /* open-addressing set of the places a CompoundValue gave; 0 marks an
     * empty slot, so place 0 has a flag of its own */
    rt_place *places;
    size_t nplaces, places_cap;
    bool has_zero_place;
};

int rt_load_check_new(rt_load_check **out, unsigned flags, const rt_allocator *alloc)
{
    if (!out)
        return RT_EINVAL;
    const rt_allocator *a = rt_alloc_or_default(alloc);
    rt_load_check *c = rt_malloc(a, sizeof *c);
    if (!(*out = c))
        return RT_ENOMEM;
    memset(c, 0, sizeof *c);
    c->alloc_copy = *a;
    c->alloc = &c->alloc_copy;
    c->flags = flags;
    rt_err_clear(&c->err);
    return RT_OK;
}

void rt_load_check_free(rt_load_check *c)
{
    if (!c)
        return;
    rt_free(c->alloc, c->places, c->places_cap * sizeof *c->places);
    rt_allocator a = c->alloc_copy;
    rt_free(&a, c, sizeof *c);
}

const char *rt_load_check_errmsg(const rt_load_check *c)
{
    return c ? c->err.msg : "NULL load check";
}

static size_t place_slot(const rt_place *set, size_t cap, rt_place p)
{
    size_t i = (size_t)(((uint64_t)p * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
    while (set[i] && set[i] != p)
        i = (i + 1) & (cap - 1);
    return i;
}

static int add_place(rt_load_check *c, rt_place p)
{
    if (p == 0) {
        c->has_zero_place = true;
        return RT_OK;
    }
    if (2 * (c->nplaces + 1) > c->places_cap) {
        size_t cap = c->places_cap ? c->places_cap * 2 : 64;
        rt_place *set = rt_malloc(c->alloc, cap * sizeof *set);
        if (!set)
            return rt_err_set(&c->err, RT_ENOMEM, "out of memory");
        memset(set, 0, cap * sizeof *set);
        for (size_t i = 0; i < c->places_cap; i++)
            if (c->places[i])
                set[place_slot(set, cap, c->places[i])] = c->places[i];
        rt_free(c->alloc, c->places, c->places_cap * sizeof *c->places);
        c->places = set;
        c->places_cap = cap;
    }
    size_t i = place_slot(c->places, c->places_cap, p);
    if (!c->places[i]) {
        c->places[i] = p;
        c->nplaces++;
    }
    return RT_OK;
}

static bool has_place(const rt_load_check *c, rt_place p)
{
    if (p == 0)
        return c->has_zero_place;
    return c->places_cap && c->places[place_slot(c->places, c->places_cap, p)] == p;
}

unsigned rt_load_check_kinds(const rt_load_check *c)
{
    unsigned k = 1u << RT_EVENT_CALL | 1u << RT_EVENT_RETURN | 1u << RT_EVENT_COMPOUND_VALUE |
                 1u << RT_EVENT_ASSIGN_COMPOUND_ITEM | 1u << RT_EVENT_VARIABLE_CELL |
                 1u << RT_EVENT_DROP_LAST_STEP;
    return c->called ? k : k | 1u << RT_EVENT_STEP;
}

int rt_load_check_event(rt_load_check *c, const rt_event *e)
{
    if (!c || !e)
        return RT_EINVAL;
    switch (e->kind) {
    case RT_EVENT_STEP: /* the first Step before any Call opens a <top-level> call */
        if (!c->called)
            c->depth++;
        c->called = true;
        break;
    case RT_EVENT_CALL:
        c->depth++;
        c->called = true;
        break;
    case RT_EVENT_RETURN:
        if (c->depth == 0)
            return rt_err_set(&c->err, RT_EUNSUPPORTED,
                              "Return with no Call open: the debugger asserts that a call is "
                              "open; leave the Return out or record its Call");
        c->depth--;
        break;
    case RT_EVENT_COMPOUND_VALUE:
        if (e->u.place_value.value.kind != RT_VALUE_SEQUENCE)
            return rt_err_set(&c->err, RT_EUNSUPPORTED,
                              "CompoundValue with a %s value: the debugger handles only a "
                              "Sequence there (todo!()); record a Sequence",
                              rt_value_kind_name(e->u.place_value.value.kind));
        return add_place(c, e->u.place_value.place);
    case RT_EVENT_ASSIGN_COMPOUND_ITEM:
        if (!has_place(c, e->u.assign_item.place))
            return rt_err_set(&c->err, RT_EUNSUPPORTED,
                              "AssignCompoundItem into place %lld, which no CompoundValue gave: "
                              "the debugger panics; register the compound value first",
                              (long long)e->u.assign_item.place);
        break;
    case RT_EVENT_VARIABLE_CELL:
        if (c->depth == 0)
            return rt_err_set(&c->err, RT_EUNSUPPORTED,
                              "VariableCell with no Call open: the debugger indexes the cells "
                              "of the current call and panics; record it inside a call");
        break;
    case RT_EVENT_DROP_LAST_STEP:
        if (!(c->flags & RT_LOAD_CHECK_CANCELS_STEPS))
            return rt_err_set(&c->err, RT_EUNSUPPORTED,
                              "DropLastStep: the debugger's load fails on any (its steps and "
                              "instructions disagree); leave out the Step it cancels instead "
                              "(a tracer writing for this debugger, and convert --to ct, do)");
        break;
    default:
        break;
    }
    return RT_OK;
}
