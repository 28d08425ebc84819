#include "repeats.h"

#include <lauxlib.h>

#include <stdlib.h>
#include <string.h>

#define FLOAT_TYPE 64 /* an identity's type for floats: integers keep LUA_TNUMBER's */

int ctl_repeats_init(ctl_repeats *r, lua_State *L, bool off, bool keep_values)
{
    memset(r, 0, sizeof *r);
    r->off = off;
    r->anchor_ref = LUA_NOREF;
    if (off)
        return RT_OK;
    if (!lua_checkstack(L, 1))
        return RT_ENOMEM;
    lua_createtable(L, 256, 0);
    r->anchor_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    r->check = keep_values;
    return RT_OK;
}

void ctl_repeats_free(ctl_repeats *r)
{
    for (size_t i = 0; i < r->ngiven; i++)
        free(r->given[i]);
    free(r->given);
    free(r->last);
    memset(r, 0, sizeof *r);
}

bool ctl_identity_of(lua_State *L, int idx, ctl_identity *out)
{
    int type = lua_type(L, idx);
    out->type = type + 1;
    switch (type) {
    case LUA_TNIL:
        out->bits = 0;
        return true;
    case LUA_TBOOLEAN:
        out->bits = (uint64_t)lua_toboolean(L, idx);
        return true;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            out->bits = (uint64_t)lua_tointegerx(L, idx, NULL);
        } else {
            lua_Number f = lua_tonumber(L, idx);
            double d = (double)f;
            memcpy(&out->bits, &d, sizeof d);
            out->type = FLOAT_TYPE;
        }
        return true;
    case LUA_TSTRING:
        out->bits = (uint64_t)(uintptr_t)lua_tostring(L, idx);
        return true;
    case LUA_TFUNCTION:
    case LUA_TTHREAD:
    case LUA_TLIGHTUSERDATA:
        /* "function: 0x...": the text is the address's */
        out->bits = (uint64_t)(uintptr_t)lua_topointer(L, idx);
        return true;
    default:
        return false;
    }
}

/* ---- copies for the check ------------------------------------------------ */

/* Whether ct-lua makes v, and the room its children (*nodes) and texts
 * (*text) take. */
static bool copyable(const rt_value *v, size_t *nodes, size_t *text)
{
    switch (v->kind) {
    case RT_VALUE_STRING:
    case RT_VALUE_RAW:
    case RT_VALUE_ERROR:
        *text += v->u.text.len;
        return true;
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        *nodes += v->u.list.len;
        for (size_t i = 0; i < v->u.list.len; i++)
            if (!copyable(&v->u.list.items[i], nodes, text))
                return false;
        return true;
    case RT_VALUE_INT:
    case RT_VALUE_FLOAT:
    case RT_VALUE_BOOL:
    case RT_VALUE_NONE:
        return true;
    default:
        return false; /* ct-lua makes none of the others */
    }
}

/* Copies v into *dst: its children from *node on, its texts from *text on. */
static void copy_into(const rt_value *v, rt_value *dst, rt_value **node, char **text)
{
    *dst = *v;
    switch (v->kind) {
    case RT_VALUE_STRING:
    case RT_VALUE_RAW:
    case RT_VALUE_ERROR:
        if (v->u.text.len)
            memcpy(*text, v->u.text.ptr, v->u.text.len);
        dst->u.text.ptr = *text;
        *text += v->u.text.len;
        break;
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT: {
        rt_value *items = *node;
        *node += v->u.list.len;
        for (size_t i = 0; i < v->u.list.len; i++)
            copy_into(&v->u.list.items[i], &items[i], node, text);
        dst->u.list.items = items;
        break;
    }
    default:
        break;
    }
}

/* One block holding v and everything it points at, or NULL: the value
 * structs first (so that every one is aligned), then the texts. */
static rt_value *copy_value(const rt_value *v)
{
    size_t nodes = 1, text = 0;
    if (!copyable(v, &nodes, &text))
        return NULL;
    rt_value *copy = malloc(nodes * sizeof *copy + text + 1);
    if (!copy)
        return NULL;
    rt_value *node = copy + 1;
    char *texts = (char *)(copy + nodes);
    copy_into(v, copy, &node, &texts);
    return copy;
}

/* ---- what each variable was given ------------------------------------------ */

static bool grow(void **p, size_t *n, size_t need, size_t elem)
{
    if (need <= *n)
        return true;
    size_t m = *n ? *n : 64;
    while (m < need)
        m *= 2;
    void *q = realloc(*p, m * elem);
    if (!q)
        return false;
    memset((char *)q + *n * elem, 0, (m - *n) * elem);
    *p = q;
    *n = m;
    return true;
}

void ctl_repeats_given(ctl_repeats *r, lua_State *L, int idx, rt_variable_id id,
                       const ctl_identity *now, const rt_value *v)
{
    if (r->off || id >= ((rt_variable_id)1 << 24))
        return;
    if (r->check) {
        if (!grow((void **)&r->given, &r->ngiven, (size_t)id + 1, sizeof *r->given)) {
            now = NULL; /* nothing to check a repeat against */
        } else {
            free(r->given[id]);
            r->given[id] = copy_value(v);
            if (!r->given[id])
                now = NULL;
        }
    }
    if (!grow((void **)&r->last, &r->n, (size_t)id + 1, sizeof *r->last))
        return;
    if (!now || (now->type == LUA_TSTRING + 1 && !lua_checkstack(L, 2))) {
        r->last[id].type = 0;
        return;
    }
    if (now->type == LUA_TSTRING + 1) {
        /* kept alive while it is this id's: its address stays its own */
        idx = lua_absindex(L, idx);
        lua_rawgeti(L, LUA_REGISTRYINDEX, r->anchor_ref);
        lua_pushvalue(L, idx);
        lua_rawseti(L, -2, (lua_Integer)id + 1);
        lua_pop(L, 1);
    }
    r->last[id] = *now;
}

const rt_value *ctl_repeats_last_value(const ctl_repeats *r, rt_variable_id id)
{
    return id < r->ngiven ? r->given[id] : NULL;
}
