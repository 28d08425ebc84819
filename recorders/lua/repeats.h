/* Values the recorder can prove unchanged since a variable was last given
 * one, so that the library repeats that Value's bytes
 * (rt_register_repeat_value) instead of the recorder reading, checking and
 * encoding it again: by identity, per variable id. nil, booleans and
 * numbers by value (floats bit for bit); strings by object, each string
 * last given anchored in a registry table so that its address cannot come
 * to name another string; functions and threads by address, the only thing
 * their Raw text shows. Tables and userdata are never proven (Lua 5.4 has
 * no version counter to tell a table unchanged, and a userdata's text
 * depends on its metatable). */
#ifndef CTL_REPEATS_H
#define CTL_REPEATS_H

#include <lua.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime_tracing.h"

/* What a Value was made of: a Lua type (+ 1; 0: unknown) and its bits. */
typedef struct ctl_identity {
    int type;
    uint64_t bits;
} ctl_identity;

typedef struct ctl_repeats {
    ctl_identity *last; /* by variable id: what it was given last */
    size_t n;
    int anchor_ref;     /* registry table: the string each id was given last */
    bool off;           /* CT_LUA_NAIVE: no repeats */
    /* CT_LUA_CHECK_CACHE: the value each id was given last, to compare a
     * repeat with the value encoded anew */
    bool check;
    rt_value **given;
    size_t ngiven;
} ctl_repeats;

/* off: never repeat; keep_values: keep copies for the check. RT_OK or
 * RT_ENOMEM. */
int ctl_repeats_init(ctl_repeats *r, lua_State *L, bool off, bool keep_values);
void ctl_repeats_free(ctl_repeats *r);

/* The identity of the value at idx; false when it cannot be proven
 * unchanged by one (a table, a userdata). */
bool ctl_identity_of(lua_State *L, int idx, ctl_identity *out);

/* True when variable id was last given a value of identity *now. */
static inline bool ctl_repeats_same(const ctl_repeats *r, rt_variable_id id,
                                    const ctl_identity *now)
{
    return id < r->n && r->last[id].type == now->type && now->type &&
           r->last[id].bits == now->bits;
}

/* Variable id was given the value at idx (identity *now, NULL when it has
 * none), recorded as v; with the check on, v is copied. Best effort: out
 * of memory only means no repeat. */
void ctl_repeats_given(ctl_repeats *r, lua_State *L, int idx, rt_variable_id id,
                       const ctl_identity *now, const rt_value *v);

/* With the check on: the value id was last given (NULL when unknown). */
const rt_value *ctl_repeats_last_value(const ctl_repeats *r, rt_variable_id id);

#endif
