/*
 * The hooks. Each thread (coroutine) keeps a shadow stack with one frame per
 * active call, C ones included, identified by the opaque CallInfo pointer
 * lua_Debug carries (i_ci). Errors unwind frames without return hooks; the
 * next event of a frame further down finds its own CallInfo below the top
 * and returns from the frames above it ("stale" frames). A live frame's
 * CallInfo is never shared by a frame above it, so this never drops a
 * frame still running.
 *
 * Cost: a step finds its path id in the frame's cached prototype and each
 * local's variable id in a table keyed by the name's address (names are
 * interned Lua strings, anchored so that the address stays theirs); no
 * string is hashed after the first sight of a prototype or a name.
 */
#include "recorder.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "capture.h"
#include "map.h"
#include "repeats.h"
#include "text.h"
#include "values.h"

enum frame_kind { FRAME_C, FRAME_LUA, FRAME_UNTRACED };

#define NAME_CACHE 256

/* A chunk name (lua_Debug.source) and, for files, its trace path. */
typedef struct source {
    char *copy;       /* the chunk name, to check an address not anchored */
    bool pinned;      /* the address is anchored: it cannot name another chunk */
    bool traced;      /* "@file": stepped into */
    rt_path_id path_id;
    char *path;       /* absolute */
    const char *base; /* file name part of path */
    char *module;     /* its require name, once its main chunk ran through require */
    struct source *next_all;
} source;

/* A function prototype: keyed by (source address, first line, last line). */
typedef struct proto {
    source *src;
    rt_function_id fid;
    int nparams;
    bool vararg;
    bool upvalues;    /* has upvalues besides _ENV */
    bool main_called; /* the script's main chunk: its Call came from rt_start */
    bool main;        /* a main chunk (the script's or a module's): globals at its steps */
    bool skipped;     /* the trace filter skips it: no arguments, steps or values read */
    struct proto *next_all;
} proto;

typedef struct frame {
    const void *ci;
    proto *p; /* FRAME_LUA only */
    uint8_t kind;
    bool tail; /* replaced the frame below (same ci) by a tail call */
} frame;

typedef struct thread_rec {
    lua_State *L;
    frame *frames;
    size_t n, cap;
    bool in_chain;
} thread_rec;

struct ctl_recorder {
    rt_tracer *t;
    char *cwd;
    ctl_types types;
    rt_type_id error_type;
    rt_variable_id vararg_vid;
    ctl_scratch scratch;
    ctl_encoder enc;
    ctl_repeats repeats; /* values proven unchanged: repeated by the library */
    ctl_map sources, protos, names, threads;
    struct name_slot {
        const char *name;
        rt_variable_id vid;
    } name_cache[NAME_CACHE];
    source *all_sources;
    proto *all_protos;
    /* The threads from the main one to the running one, each resumed by the
     * one before. */
    thread_rec **chain;
    size_t nchain, chain_cap;
    thread_rec *cur;
    lua_State *cur_L;
    int anchor_ref;  /* registry: table of anchored strings */
    int threads_ref; /* registry: threads in the chain, kept alive */
    int std_globals_ref; /* registry: the names in _G when the script started */
    lua_Integer nanchors;
    const char *env_name; /* the interned "_ENV" */
    uint64_t check_every, checked; /* CT_LUA_CHECK_CACHE */
    bool expect_main;
    bool started, stopped;
    /* The last Error event, not repeated when the same unwinding is seen
     * again from another thread. */
    char last_error[1024];
    uint64_t last_error_at;
    int err;
    char errmsg[512];
};

/* Hooks carry no context; there is one recorder per process. */
static ctl_recorder *g_rec;

enum { RET_ERROR, RET_YIELD, RET_EXIT };

static void fail(ctl_recorder *r, int rc)
{
    if (r->err)
        return;
    r->err = rc;
    const char *m = rt_tracer_errmsg(r->t);
    snprintf(r->errmsg, sizeof r->errmsg, "%s", m && *m ? m : rt_strerror(rc));
}

static void fail_nomem(ctl_recorder *r)
{
    if (!r->err) {
        r->err = RT_ENOMEM;
        snprintf(r->errmsg, sizeof r->errmsg, "out of memory");
    }
}

/* ---- anchors and caches ------------------------------------------------ */

/* Anchors the Lua string equal to s when it is s itself (short strings are
 * interned), so that its address keeps naming the same text. */
static bool pin(ctl_recorder *r, lua_State *L, const char *s)
{
    if (!lua_checkstack(L, 3))
        return false;
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->anchor_ref);
    lua_pushstring(L, s);
    if (lua_tostring(L, -1) != s) {
        lua_pop(L, 2);
        return false;
    }
    lua_rawseti(L, -2, ++r->nanchors);
    lua_pop(L, 1);
    return true;
}

static bool var_id(ctl_recorder *r, lua_State *L, const char *name, rt_variable_id *vid)
{
    /* A direct-mapped front for the map: a step looks up every local. */
    struct name_slot *ns = &r->name_cache[((uintptr_t)name >> 4) & (NAME_CACHE - 1)];
    if (ns->name == name) {
        *vid = ns->vid;
        return true;
    }
    void *hit = ctl_map_get(&r->names, ctl_key_ptr(name));
    if (hit) {
        *vid = (rt_variable_id)((uintptr_t)hit - 1);
        ns->name = name; /* only anchored names are in the map */
        ns->vid = *vid;
        return true;
    }
    size_t len;
    const char *clean = ctl_utf8_clean(&r->scratch, name, strlen(name), &len);
    if (!clean) {
        fail_nomem(r);
        return false;
    }
    int rc = rt_ensure_variable_id(r->t, clean, vid);
    if (rc) {
        fail(r, rc);
        return false;
    }
    if (pin(r, L, name) && ctl_map_put(&r->names, ctl_key_ptr(name), (void *)(uintptr_t)(*vid + 1))) {
        fail_nomem(r);
        return false;
    }
    return true;
}

static source *source_for(ctl_recorder *r, lua_State *L, const char *chunk)
{
    source *s = ctl_map_get(&r->sources, ctl_key_ptr(chunk));
    if (s && (s->pinned || strcmp(s->copy, chunk) == 0))
        return s;
    if (!(s = calloc(1, sizeof *s)) || !(s->copy = strdup(chunk))) {
        free(s);
        fail_nomem(r);
        return NULL;
    }
    s->next_all = r->all_sources;
    r->all_sources = s;
    s->pinned = pin(r, L, chunk);
    s->traced = chunk[0] == '@';
    if (s->traced) {
        char *path = ctl_path_absolute(r->cwd, chunk + 1);
        if (!path) {
            fail_nomem(r);
            return NULL;
        }
        size_t len;
        const char *clean = ctl_utf8_clean(&r->scratch, path, strlen(path), &len);
        if (clean != path) {
            free(path);
            path = clean ? strdup(clean) : NULL;
            if (!path) {
                fail_nomem(r);
                return NULL;
            }
        }
        s->path = path;
        s->base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        int rc = rt_ensure_path_id(r->t, path, &s->path_id);
        if (rc) {
            fail(r, rc);
            return NULL;
        }
    }
    if (ctl_map_put(&r->sources, ctl_key_ptr(chunk), s)) {
        fail_nomem(r);
        return NULL;
    }
    return s;
}

/* Finds the function (pushed at fidx) in a loaded module, as tracebacks
 * name functions: "fib" for _G.fib, "pl.utils.split". The smallest name
 * wins, so that a function exported twice is named the same every run. */
static bool module_name(lua_State *L, int fidx, char *buf, size_t cap)
{
    bool found = false;
    if (!lua_checkstack(L, 6))
        return false;
    if (lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE) != LUA_TTABLE) {
        lua_pop(L, 1);
        return false;
    }
    int loaded = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, loaded)) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TTABLE) {
            const char *mod = lua_tostring(L, -2);
            bool global = strcmp(mod, "_G") == 0;
            int mt = lua_gettop(L);
            lua_pushnil(L);
            while (lua_next(L, mt)) {
                if (lua_type(L, -2) == LUA_TSTRING && lua_rawequal(L, -1, fidx)) {
                    char name[256];
                    const char *field = lua_tostring(L, -2);
                    if (global)
                        snprintf(name, sizeof name, "%s", field);
                    else
                        snprintf(name, sizeof name, "%s.%s", mod, field);
                    /* A global name beats a module's; then the shortest. */
                    bool better = !found || (global && strchr(buf, '.')) ||
                                  (!global == !!strchr(buf, '.') &&
                                   (strlen(name) < strlen(buf) ||
                                    (strlen(name) == strlen(buf) && strcmp(name, buf) < 0)));
                    if (better) {
                        snprintf(buf, cap, "%s", name);
                        found = true;
                    }
                }
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return found;
}

/* A function called from C (pcall(f), table.sort(t, cmp)) has no name at
 * its call site: the variable of the nearest Lua caller that holds it. */
static bool caller_variable_name(lua_State *L, int fidx, char *buf, size_t cap)
{
    lua_Debug car;
    for (int level = 1; level <= 4 && lua_getstack(L, level, &car); level++) {
        if (!lua_getinfo(L, "S", &car) || car.what[0] == 'C')
            continue;
        const char *name;
        for (int i = 1; (name = lua_getlocal(L, &car, i)); i++) {
            bool same = name[0] != '(' && lua_rawequal(L, -1, fidx);
            lua_pop(L, 1);
            if (same) {
                snprintf(buf, cap, "%s", name);
                return true;
            }
        }
        lua_getinfo(L, "f", &car);
        for (int i = 1; (name = lua_getupvalue(L, -1, i)); i++) {
            bool same = lua_rawequal(L, -1, fidx);
            lua_pop(L, 1);
            if (same) {
                lua_pop(L, 1);
                snprintf(buf, cap, "%s", name);
                return true;
            }
        }
        lua_pop(L, 1);
        return false;
    }
    return false;
}

/* The name a prototype gets at its first call: the module field holding
 * it, else the name at the call site, else the caller's variable. */
static const char *function_name(ctl_recorder *r, lua_State *L, lua_Debug *ar, const source *s,
                                 char *buf, size_t cap)
{
    if (strcmp(ar->what, "main") == 0) {
        snprintf(buf, cap, "<main chunk %s>", s->base);
    } else {
        lua_getinfo(L, "f", ar);
        int fidx = lua_gettop(L);
        bool found = module_name(L, fidx, buf, cap);
        if (!found) {
            if (ar->name && strcmp(ar->namewhat, "metamethod") == 0)
                snprintf(buf, cap, "__%s", ar->name);
            else if (ar->name && *ar->name && strcmp(ar->name, "?") != 0)
                snprintf(buf, cap, "%s", ar->name);
            else if (!caller_variable_name(L, fidx, buf, cap))
                snprintf(buf, cap, "<anonymous>");
        }
        lua_pop(L, 1);
    }
    size_t len;
    return ctl_utf8_clean(&r->scratch, buf, strlen(buf), &len);
}

/* The module name of a main chunk that require runs (require calls it from
 * C with the name and the file as its two arguments), or NULL. */
static char *required_as(lua_State *L, lua_Debug *ar)
{
    lua_Debug caller;
    if (!lua_getstack(L, 1, &caller) || !lua_getinfo(L, "S", &caller) || caller.what[0] != 'C')
        return NULL;
    char *name = NULL;
    if (lua_getlocal(L, ar, -1)) {
        bool first = lua_type(L, -1) == LUA_TSTRING;
        if (first && lua_getlocal(L, ar, -2)) {
            if (lua_type(L, -1) == LUA_TSTRING)
                name = strdup(lua_tostring(L, -2));
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    return name;
}

static proto *proto_for(ctl_recorder *r, lua_State *L, lua_Debug *ar)
{
    ctl_key key = {(uintptr_t)ar->source, ar->linedefined, ar->lastlinedefined};
    proto *p = ctl_map_get(&r->protos, key);
    if (p && (p->src->pinned || strcmp(p->src->copy, ar->source) == 0))
        return p;
    source *s = source_for(r, L, ar->source);
    if (!s)
        return NULL;
    if (!(p = calloc(1, sizeof *p))) {
        fail_nomem(r);
        return NULL;
    }
    p->next_all = r->all_protos;
    r->all_protos = p;
    p->src = s;
    lua_getinfo(L, "nu", ar);
    p->nparams = ar->nparams;
    p->vararg = ar->isvararg;
    if (ar->nups > 0) {
        lua_getinfo(L, "f", ar);
        for (int i = 1; i <= ar->nups; i++) {
            const char *name = lua_getupvalue(L, -1, i);
            if (!name)
                break;
            lua_pop(L, 1);
            if (strcmp(name, "_ENV") != 0)
                p->upvalues = true;
        }
        lua_pop(L, 1);
    }
    p->main = strcmp(ar->what, "main") == 0;
    if (s->traced) {
        if (r->expect_main && p->main) {
            p->fid = 0; /* <toplevel>, called by rt_start */
            r->expect_main = false;
        } else {
            if (p->main && !s->module)
                s->module = required_as(L, ar);
            char buf[300];
            const char *name = function_name(r, L, ar, s, buf, sizeof buf);
            /* A main chunk starts at line 1, as <toplevel> does. */
            rt_line line = ar->linedefined > 0 ? ar->linedefined : 1;
            int rc = name ? rt_register_function(r->t, name, s->path, line, &p->fid) : RT_ENOMEM;
            /* a trace filter's pkg: the require name of the module's chunk */
            if (!rc && s->module)
                rc = rt_set_function_module(r->t, p->fid, s->module);
            ctl_scratch_reset(&r->scratch);
            if (rc) {
                fail(r, rc);
                return NULL;
            }
        }
    }
    if (s->traced)
        p->skipped = rt_function_skipped(r->t, p->fid);
    if (ctl_map_put(&r->protos, key, p)) {
        fail_nomem(r);
        return NULL;
    }
    return p;
}

/* ---- threads ------------------------------------------------------------ */

static thread_rec *thread_get(ctl_recorder *r, lua_State *L)
{
    thread_rec *th = ctl_map_get(&r->threads, ctl_key_ptr(L));
    if (th)
        return th;
    if (!(th = calloc(1, sizeof *th)))
        return NULL;
    th->L = L;
    if (ctl_map_put(&r->threads, ctl_key_ptr(L), th)) {
        free(th);
        return NULL;
    }
    return th;
}

static void thread_drop(ctl_recorder *r, thread_rec *th)
{
    ctl_map_remove(&r->threads, ctl_key_ptr(th->L));
    free(th->frames);
    free(th);
}

static bool push_frame(ctl_recorder *r, thread_rec *th, frame f)
{
    if (th->n == th->cap) {
        size_t cap = th->cap ? th->cap * 2 : 64;
        frame *fr = realloc(th->frames, cap * sizeof *fr);
        if (!fr) {
            fail_nomem(r);
            return false;
        }
        th->frames = fr;
        th->cap = cap;
    }
    th->frames[th->n++] = f;
    return true;
}

/* ---- events ------------------------------------------------------------- */

static void emit_error_event(ctl_recorder *r, const char *msg)
{
    if (r->err)
        return;
    size_t len;
    const char *clean = ctl_utf8_clean(&r->scratch, msg, strlen(msg), &len);
    rt_str meta = {"", 0}, content = {clean, len};
    int rc = clean ? rt_register_special_event_n(r->t, RT_LOG_ERROR, meta, content) : RT_ENOMEM;
    ctl_scratch_reset(&r->scratch);
    if (rc)
        fail(r, rc);
}

/* The Return of a frame left without a return hook. */
static void emit_forced_return(ctl_recorder *r, int why, const char *msg)
{
    if (r->err)
        return;
    rt_value v;
    int rc = RT_OK;
    if (why == RET_ERROR) {
        size_t len;
        const char *clean = ctl_utf8_clean(&r->scratch, msg, strlen(msg), &len);
        if (!clean)
            rc = RT_ENOMEM;
        v = rt_value_error(clean, r->error_type);
        v.u.text.len = clean ? len : 0;
    } else if (why == RET_YIELD) {
        v = rt_value_raw("<yield>", r->types.thread);
    } else {
        v = rt_value_none(r->types.nil);
    }
    if (!rc)
        rc = rt_register_return(r->t, v);
    ctl_scratch_reset(&r->scratch);
    if (rc)
        fail(r, rc);
}

/* The error message an event that ends an unwinding carries: the second
 * result of a C function returning (false, msg), as pcall and resume do. */
static bool caught_message(lua_State *L, lua_Debug *ar, char *buf, size_t cap)
{
    snprintf(buf, cap, "error");
    if (!ar || ar->event != LUA_HOOKRET || !lua_getinfo(L, "r", ar) || ar->ntransfer < 2)
        return false;
    if (!lua_getlocal(L, ar, ar->ftransfer))
        return false;
    bool failed = lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!failed || !lua_getlocal(L, ar, ar->ftransfer + 1))
        return false;
    bool found = lua_type(L, -1) == LUA_TSTRING;
    if (found)
        snprintf(buf, cap, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return found;
}

/* Returns from th's frames above keep, left by an error. The Error event
 * is recorded when the message is known (else another event reports it:
 * the handler of an uncaught error, or the pcall that catches it). */
static void unwind(ctl_recorder *r, thread_rec *th, size_t keep, lua_State *L, lua_Debug *ar)
{
    if (th->n <= keep)
        return;
    char msg[1024];
    if (caught_message(L, ar, msg, sizeof msg) &&
        !(strcmp(msg, r->last_error) == 0 && rt_tracer_event_count(r->t) == r->last_error_at)) {
        emit_error_event(r, msg);
        snprintf(r->last_error, sizeof r->last_error, "%s", msg);
    }
    while (th->n > keep) {
        frame *f = &th->frames[--th->n];
        if (f->kind == FRAME_LUA)
            emit_forced_return(r, RET_ERROR, msg);
    }
    r->last_error_at = rt_tracer_event_count(r->t);
}

/* Makes the frame with CallInfo ci the top; false when th has none. */
static bool sync_to(ctl_recorder *r, thread_rec *th, const void *ci, lua_State *L, lua_Debug *ar)
{
    if (th->n && th->frames[th->n - 1].ci == ci)
        return true;
    for (size_t k = th->n; k-- > 0;) {
        if (th->frames[k].ci == ci) {
            unwind(r, th, k + 1, L, ar);
            return true;
        }
    }
    return false;
}

static void anchor_thread(ctl_recorder *r, lua_State *L, lua_State *th, bool keep)
{
    if (!lua_checkstack(L, 3) || !lua_checkstack(th, 1))
        return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->threads_ref);
    lua_pushthread(th);
    if (th != L)
        lua_xmove(th, L, 1);
    if (keep)
        lua_pushboolean(L, 1);
    else
        lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* The running thread was x and is now L: x yielded, finished or died. */
static void leave_thread(ctl_recorder *r, thread_rec *x, lua_State *L, lua_Debug *ar)
{
    x->in_chain = false;
    int status = lua_status(x->L);
    if (status == LUA_YIELD) {
        /* Suspended: its frames return now and are called again on resume. */
        for (size_t k = x->n; k-- > 0;)
            if (x->frames[k].kind == FRAME_LUA)
                emit_forced_return(r, RET_YIELD, NULL);
        anchor_thread(r, L, x->L, false);
        return;
    }
    if (status == LUA_OK) {
        for (size_t k = x->n; k-- > 0;)
            if (x->frames[k].kind == FRAME_LUA)
                emit_forced_return(r, RET_EXIT, NULL);
        x->n = 0;
    } else {
        unwind(r, x, 0, L, ar);
    }
    anchor_thread(r, L, x->L, false);
    thread_drop(r, x);
}

static thread_rec *switch_thread(ctl_recorder *r, lua_State *L, lua_Debug *ar)
{
    thread_rec *to = thread_get(r, L);
    if (!to) {
        fail_nomem(r);
        return NULL;
    }
    if (to->in_chain) {
        while (r->nchain > 0 && r->chain[r->nchain - 1] != to)
            leave_thread(r, r->chain[--r->nchain], L, ar);
    } else {
        lua_Debug first;
        /* A new thread at the address of one that was collected. */
        if (to->n && ar->event == LUA_HOOKCALL && !lua_getstack(L, 1, &first))
            to->n = 0;
        if (r->nchain == r->chain_cap) {
            size_t cap = r->chain_cap ? r->chain_cap * 2 : 8;
            thread_rec **c = realloc(r->chain, cap * sizeof *c);
            if (!c) {
                fail_nomem(r);
                return NULL;
            }
            r->chain = c;
            r->chain_cap = cap;
        }
        r->chain[r->nchain++] = to;
        to->in_chain = true;
        anchor_thread(r, L, L, true);
        /* Resumed: call its suspended frames again. */
        for (size_t k = 0; k < to->n && !r->err; k++) {
            if (to->frames[k].kind != FRAME_LUA)
                continue;
            rt_event e;
            memset(&e, 0, sizeof e);
            e.kind = RT_EVENT_CALL;
            e.u.call.function_id = to->frames[k].p->fid;
            int rc = rt_add_event(r->t, &e);
            if (rc)
                fail(r, rc);
        }
    }
    r->cur = to;
    r->cur_L = L;
    return to;
}

/* ---- values ------------------------------------------------------------- */

/* CT_LUA_CHECK_CACHE: the value on top of the stack, encoded anew without
 * caches, must be v (NULL: nothing to compare); what says which v it is
 * ("cached", "repeated"), against what it is checked. */
static int check_naive(ctl_recorder *r, lua_State *L, const char *name, const rt_value *v,
                       const char *what, const char *against)
{
    rt_value naive;
    int rc = ctl_encode_naive(&r->enc, L, -1, &naive);
    if (rc || !v || ctl_value_equal(v, &naive))
        return rc;
    if (!r->err) {
        r->err = RT_EINVAL;
        snprintf(r->errmsg, sizeof r->errmsg,
                 "CT_LUA_CHECK_CACHE: the %s value of '%.100s' (event %llu) differs from %s", what,
                 name, (unsigned long long)rt_tracer_event_count(r->t), against);
    }
    return RT_EINVAL;
}

/* The value v of the top of the stack, encoded through the caches. */
static int check_cached(ctl_recorder *r, lua_State *L, const char *name, const rt_value *v)
{
    return check_naive(r, L, name, v, "cached", "the uncached one");
}

/* A repeat: the value the variable was given last. */
static int check_repeat(ctl_recorder *r, lua_State *L, const char *name, rt_variable_id vid)
{
    return check_naive(r, L, name, ctl_repeats_last_value(&r->repeats, vid), "repeated",
                       "the value encoded anew");
}

/* Registers the value on top of the stack as variable name, and pops it:
 * a repeat of the variable's last Value when the value is proven the same
 * (repeats.h), else encoded. */
static void record_top(ctl_recorder *r, lua_State *L, const char *name)
{
    rt_variable_id vid;
    if (var_id(r, L, name, &vid)) {
        ctl_identity now;
        bool proven = !r->repeats.off && ctl_identity_of(L, -1, &now);
        bool check = r->check_every && ++r->checked % r->check_every == 0;
        int rc = RT_REPEAT_MISS;
        if (proven && ctl_repeats_same(&r->repeats, vid, &now)) {
            rc = rt_register_repeat_value(r->t, vid);
            if (rc == RT_OK && check)
                rc = check_repeat(r, L, name, vid);
        }
        if (rc == RT_REPEAT_MISS) {
            rt_value v;
            rc = ctl_encode(&r->enc, L, -1, &v);
            if (!rc && check)
                rc = check_cached(r, L, name, &v);
            if (!rc)
                rc = rt_register_full_value(r->t, vid, v);
            if (!rc)
                ctl_repeats_given(&r->repeats, L, -1, vid, proven ? &now : NULL, &v);
        }
        if (rc)
            fail(r, rc);
    }
    lua_pop(L, 1);
    ctl_scratch_reset(&r->scratch);
}

static void record_variables(ctl_recorder *r, lua_State *L, lua_Debug *ar, const proto *p)
{
    const char *seen[64];
    int nseen = 0;
    for (int i = 1; !r->err; i++) {
        const char *name = lua_getlocal(L, ar, i);
        if (!name)
            break;
        if (name[0] == '(') {
            lua_pop(L, 1);
            /* Temporaries follow the last active local. */
            if (strcmp(name, "(temporary)") == 0 || strcmp(name, "(C temporary)") == 0)
                break;
            continue;
        }
        if (nseen < 64)
            seen[nseen++] = name;
        record_top(r, L, name);
    }
    if (!p->upvalues || r->err)
        return;
    lua_getinfo(L, "f", ar);
    int fidx = lua_gettop(L);
    for (int i = 1; !r->err; i++) {
        const char *name = lua_getupvalue(L, fidx, i);
        if (!name)
            break;
        bool hidden = name == r->env_name || (name[0] == '_' && strcmp(name, "_ENV") == 0);
        /* Same text, same address for interned (short) names: compare the
         * text only when the first bytes agree. */
        for (int k = 0; k < nseen && !hidden; k++)
            hidden = seen[k] == name || (seen[k][0] == name[0] && strcmp(seen[k], name) == 0);
        if (hidden)
            lua_pop(L, 1);
        else
            record_top(r, L, name);
    }
    lua_pop(L, 1);
}

/* At a step of a main chunk: the globals the program made (the names of
 * _G that were not there when the script started), as globals; read raw,
 * no metamethod called. */
static void record_globals(ctl_recorder *r, lua_State *L)
{
    if (!lua_checkstack(L, 5))
        return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->std_globals_ref);
    int std = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    int g = lua_gettop(L);
    lua_pushnil(L);
    while (!r->err && lua_next(L, g)) {
        lua_pushvalue(L, -2);
        bool standard = lua_type(L, -1) != LUA_TSTRING || lua_rawget(L, std) != LUA_TNIL;
        lua_pop(L, 1);
        const char *name = lua_tostring(L, -2);
        rt_variable_id vid;
        if (!standard && var_id(r, L, name, &vid)) {
            rt_value v;
            int rc = ctl_encode(&r->enc, L, -1, &v);
            if (!rc)
                rc = rt_register_global_value(r->t, vid, v);
            if (!rc) /* its last Value now: a local of that name is not repeated from before */
                ctl_repeats_given(&r->repeats, L, -1, vid, NULL, &v);
            if (rc)
                fail(r, rc);
            ctl_scratch_reset(&r->scratch);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
}

static void record_call(ctl_recorder *r, lua_State *L, lua_Debug *ar, const proto *p)
{
    size_t cap = (size_t)p->nparams + 1;
    rt_full_value *args = ctl_scratch_alloc(&r->scratch, cap * sizeof *args);
    if (!args) {
        fail_nomem(r);
        return;
    }
    /* Names first: interning one may run the GC, encoding never does. */
    size_t nargs = 0;
    for (int i = 1; i <= p->nparams; i++) {
        const char *name = lua_getlocal(L, ar, i);
        if (!name)
            break;
        bool ok = var_id(r, L, name, &args[nargs].variable_id);
        lua_pop(L, 1);
        if (!ok)
            return;
        nargs++;
    }
    int rc = RT_OK;
    for (size_t i = 0; i < nargs && !rc; i++) {
        lua_getlocal(L, ar, (int)i + 1);
        rc = ctl_encode(&r->enc, L, -1, &args[i].value);
        /* the Call's Value events give the parameters these values */
        ctl_identity now;
        if (!rc && p->fid != 0)
            ctl_repeats_given(&r->repeats, L, -1, args[i].variable_id,
                              ctl_identity_of(L, -1, &now) ? &now : NULL, &args[i].value);
        lua_pop(L, 1);
    }
    if (!rc && p->vararg) {
        int nvar = 0;
        while (lua_getlocal(L, ar, -(nvar + 1))) {
            lua_pop(L, 1);
            nvar++;
        }
        size_t shown = nvar > CTL_MAX_ITEMS ? CTL_MAX_ITEMS : (size_t)nvar;
        rt_value *items = ctl_scratch_alloc(&r->scratch, (shown + 1) * sizeof *items);
        if (!items)
            rc = RT_ENOMEM;
        for (size_t j = 0; j < shown && !rc; j++) {
            lua_getlocal(L, ar, -(int)(j + 1));
            rc = ctl_encode(&r->enc, L, -1, &items[j]);
            lua_pop(L, 1);
        }
        if (!rc && (size_t)nvar > shown) {
            char buf[64];
            snprintf(buf, sizeof buf, "... (%d values)", nvar);
            rc = ctl_raw(&r->enc, buf, r->types.table, &items[shown++]);
        }
        if (!rc) {
            args[nargs].variable_id = r->vararg_vid;
            args[nargs].value = rt_value_sequence(items, shown, false, r->types.varargs);
            if (p->fid != 0)
                ctl_repeats_given(&r->repeats, L, -1, r->vararg_vid, NULL, &args[nargs].value);
            nargs++;
        }
    }
    if (!rc)
        rc = rt_register_call(r->t, p->fid, args, nargs);
    ctl_scratch_reset(&r->scratch);
    if (rc)
        fail(r, rc);
}

static void record_return(ctl_recorder *r, lua_State *L, lua_Debug *ar, rt_value *v)
{
    *v = rt_value_none(r->types.nil);
    if (!lua_getinfo(L, "r", ar) || ar->ntransfer == 0)
        return;
    int n = ar->ntransfer;
    int rc = RT_OK;
    if (n == 1) {
        if (lua_getlocal(L, ar, ar->ftransfer)) {
            rc = ctl_encode(&r->enc, L, -1, v);
            lua_pop(L, 1);
        }
    } else {
        size_t shown = n > CTL_MAX_ITEMS ? CTL_MAX_ITEMS : (size_t)n;
        rt_value *items = ctl_scratch_alloc(&r->scratch, shown * sizeof *items);
        if (!items)
            rc = RT_ENOMEM;
        size_t got = 0;
        for (size_t i = 0; i < shown && !rc; i++) {
            if (!lua_getlocal(L, ar, ar->ftransfer + (int)i))
                break;
            rc = ctl_encode(&r->enc, L, -1, &items[got++]);
            lua_pop(L, 1);
        }
        if (!rc)
            *v = rt_value_tuple(items, got, r->types.tuple);
    }
    if (rc) {
        fail(r, rc);
        *v = rt_value_none(r->types.nil);
    }
}

/* ---- the hook ----------------------------------------------------------- */

/* The variable ids of p's parameters, made as record_call makes them. */
static void name_params(ctl_recorder *r, lua_State *L, lua_Debug *ar, const proto *p)
{
    for (int i = 1; i <= p->nparams && !r->err; i++) {
        const char *name = lua_getlocal(L, ar, i);
        if (!name)
            break;
        rt_variable_id vid;
        var_id(r, L, name, &vid);
        lua_pop(L, 1);
    }
}

static void on_call(ctl_recorder *r, thread_rec *th, lua_State *L, lua_Debug *ar)
{
    bool tail = ar->event == LUA_HOOKTAILCALL;
    if (tail) {
        /* The frame it replaces shares its CallInfo. */
        tail = sync_to(r, th, ar->i_ci, L, NULL);
    } else {
        lua_Debug caller;
        if (!lua_getstack(L, 1, &caller))
            unwind(r, th, 0, L, NULL);
        else if (!sync_to(r, th, caller.i_ci, L, NULL))
            unwind(r, th, 0, L, NULL); /* called from below every recorded frame */
    }
    lua_getinfo(L, "S", ar);
    frame f = {ar->i_ci, NULL, FRAME_C, tail};
    proto *p = NULL;
    if (ar->what[0] != 'C') {
        if (!(p = proto_for(r, L, ar)))
            return;
        f.kind = p->src->traced ? FRAME_LUA : FRAME_UNTRACED;
        f.p = p;
    }
    if (!push_frame(r, th, f) || f.kind != FRAME_LUA)
        return;
    if (p->fid == 0 && !p->main_called) {
        p->main_called = true;
        return;
    }
    if (p->skipped) { /* only the tracer's call stack */
        /* A traced caller names the arguments first, as for any call (the
         * VariableName events a recording without the filter has). */
        const frame *caller = th->n >= 2 ? &th->frames[th->n - 2] : NULL;
        if (caller && caller->kind == FRAME_LUA && !caller->p->skipped)
            name_params(r, L, ar, p);
        int rc = rt_register_call(r->t, p->fid, NULL, 0);
        if (rc)
            fail(r, rc);
        return;
    }
    record_call(r, L, ar, p);
}

static void on_return(ctl_recorder *r, thread_rec *th, lua_State *L, lua_Debug *ar)
{
    if (!sync_to(r, th, ar->i_ci, L, ar))
        return;
    frame f = th->frames[--th->n];
    if (f.kind == FRAME_LUA) {
        rt_value v = rt_value_none(r->types.nil);
        if (!f.p->skipped)
            record_return(r, L, ar, &v);
        int rc = r->err ? r->err : rt_register_return(r->t, v);
        /* A tail call's value is also the value of the frames it replaced. */
        while (!rc && f.tail && th->n && th->frames[th->n - 1].ci == f.ci) {
            f = th->frames[--th->n];
            if (f.kind == FRAME_LUA)
                rc = rt_register_return(r->t, v);
        }
        ctl_scratch_reset(&r->scratch);
        if (rc)
            fail(r, rc);
    }
    while (f.tail && th->n && th->frames[th->n - 1].ci == f.ci)
        f = th->frames[--th->n];
}

static void on_line(ctl_recorder *r, thread_rec *th, lua_State *L, lua_Debug *ar)
{
    if (!sync_to(r, th, ar->i_ci, L, NULL))
        return;
    const frame *f = &th->frames[th->n - 1];
    if (f->kind != FRAME_LUA)
        return;
    const proto *p = f->p;
    if (p->skipped)
        return;
    int rc = rt_register_step_id(r->t, p->src->path_id, ar->currentline);
    if (rc) {
        fail(r, rc);
        return;
    }
    record_variables(r, L, ar, p);
    if (p->main)
        record_globals(r, L);
}

static void hook(lua_State *L, lua_Debug *ar)
{
    ctl_recorder *r = g_rec;
    if (!r || r->stopped || r->err)
        return;
    thread_rec *th = r->cur;
    if (L != r->cur_L && !(th = switch_thread(r, L, ar)))
        return;
    switch (ar->event) {
    case LUA_HOOKLINE:
        on_line(r, th, L, ar);
        break;
    case LUA_HOOKCALL:
    case LUA_HOOKTAILCALL:
        on_call(r, th, L, ar);
        break;
    case LUA_HOOKRET:
        on_return(r, th, L, ar);
        break;
    default:
        break;
    }
}

/* ---- output ------------------------------------------------------------- */

static void on_output(void *ctx, rt_event_log_kind kind, const char *metadata, const char *data,
                      size_t len)
{
    ctl_recorder *r = ctx;
    if (r->err || !r->started)
        return;
    size_t clean_len;
    const char *clean = ctl_utf8_clean(&r->scratch, data, len, &clean_len);
    rt_str meta = {metadata, strlen(metadata)}, content = {clean, clean_len};
    int rc = clean ? rt_register_special_event_n(r->t, kind, meta, content) : RT_ENOMEM;
    ctl_scratch_reset(&r->scratch);
    if (rc)
        fail(r, rc);
}

/* ---- life cycle --------------------------------------------------------- */

ctl_recorder *ctl_recorder_new(rt_tracer *t, const char *cwd, rt_dialect dialect)
{
    ctl_recorder *r = calloc(1, sizeof *r);
    if (!r || !(r->cwd = strdup(cwd))) {
        free(r);
        return NULL;
    }
    r->t = t;
    ctl_scratch_init(&r->scratch);
    ctl_map_init(&r->sources);
    ctl_map_init(&r->protos);
    ctl_map_init(&r->names);
    ctl_map_init(&r->threads);
    r->enc.t = t;
    r->enc.types = &r->types;
    r->enc.scratch = &r->scratch;
    r->enc.nonfinite_raw = dialect != RT_DIALECT_0_19;
    r->enc.string_anchor_ref = LUA_NOREF;
    const char *naive = getenv("CT_LUA_NAIVE");
    r->enc.naive = naive && *naive && strcmp(naive, "0") != 0;
    const char *check = getenv("CT_LUA_CHECK_CACHE");
    r->check_every = check ? strtoull(check, NULL, 10) : 0;
    return r;
}

int ctl_recorder_start(ctl_recorder *r, lua_State *L, const char *script)
{
    char *path = ctl_path_absolute(r->cwd, script);
    if (!path)
        return RT_ENOMEM;
    size_t len;
    const char *clean = ctl_utf8_clean(&r->scratch, path, strlen(path), &len);
    int rc = clean ? rt_start(r->t, clean, 1) : RT_ENOMEM;
    free(path);
    ctl_scratch_reset(&r->scratch);
    if (rc || (rc = ctl_types_register(r->t, &r->types)) ||
        (rc = rt_ensure_type_id(r->t, RT_TYPE_ERROR, "error", &r->error_type)) ||
        (rc = rt_ensure_variable_id(r->t, "...", &r->vararg_vid)))
        return rc;

    lua_newtable(L);
    r->anchor_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    r->threads_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    /* the globals there before the script: the standard ones, not recorded */
    lua_newtable(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushboolean(L, 1);
        lua_rawset(L, -5);
    }
    lua_pop(L, 1);
    r->std_globals_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushliteral(L, "__name");
    r->enc.name_key_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, CTL_STRING_SLOTS, 0);
    for (int i = 1; i <= CTL_STRING_SLOTS; i++) {
        lua_pushboolean(L, 0); /* fills the array part */
        lua_rawseti(L, -2, i);
    }
    r->enc.string_anchor_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if ((rc = ctl_repeats_init(&r->repeats, L, r->enc.naive, r->check_every != 0)))
        return rc;
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->anchor_ref);
    lua_pushliteral(L, "_ENV");
    r->env_name = lua_tostring(L, -1);
    lua_rawseti(L, -2, ++r->nanchors);
    lua_pop(L, 1);

    thread_rec *main_thread = thread_get(r, L);
    r->chain = malloc(8 * sizeof *r->chain);
    if (!main_thread || !r->chain)
        return RT_ENOMEM;
    r->chain_cap = 8;
    r->chain[r->nchain++] = main_thread;
    main_thread->in_chain = true;
    r->cur = main_thread;
    r->cur_L = L;
    r->expect_main = true;
    r->started = true;
    g_rec = r;
    ctl_capture_install(L, on_output, r);
    lua_sethook(L, hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE, 0);
    return RT_OK;
}

void ctl_recorder_error(ctl_recorder *r, const char *msg)
{
    if (r->started)
        emit_error_event(r, msg ? msg : "error");
}

void ctl_recorder_stop(ctl_recorder *r, lua_State *L, const char *error)
{
    if (!r->started || r->stopped)
        return;
    r->stopped = true;
    if (L)
        lua_sethook(L, NULL, 0, 0);
    for (size_t j = r->nchain; j-- > 0;) {
        thread_rec *th = r->chain[j];
        while (th->n > 0) {
            frame *f = &th->frames[--th->n];
            if (f->kind == FRAME_LUA)
                emit_forced_return(r, error ? RET_ERROR : RET_EXIT, error);
        }
    }
}

int ctl_recorder_status(const ctl_recorder *r, const char **msg)
{
    if (msg)
        *msg = r->err ? r->errmsg : "";
    return r->err;
}

void ctl_recorder_free(ctl_recorder *r)
{
    if (!r)
        return;
    if (g_rec == r)
        g_rec = NULL;
    ctl_capture_detach();
    for (source *s = r->all_sources; s;) {
        source *next = s->next_all;
        free(s->copy);
        free(s->path);
        free(s->module);
        free(s);
        s = next;
    }
    for (proto *p = r->all_protos; p;) {
        proto *next = p->next_all;
        free(p);
        p = next;
    }
    for (size_t i = 0; i < r->threads.cap; i++) {
        thread_rec *th = r->threads.slots[i].value;
        if (th) {
            free(th->frames);
            free(th);
        }
    }
    ctl_map_free(&r->sources);
    ctl_map_free(&r->protos);
    ctl_map_free(&r->names);
    ctl_map_free(&r->threads);
    free(r->chain);
    ctl_scratch_free(&r->scratch);
    ctl_encoder_free(&r->enc);
    ctl_repeats_free(&r->repeats);
    free(r->cwd);
    free(r);
}
