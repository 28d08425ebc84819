/* The parts of lua.c (Lua 5.4) that running one script involves, written
 * the same way so that output and exit status match. */
#include "interp.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

/* As lua.c names them. */
#define LUA_INIT_VAR "LUA_INIT"
#define LUA_INITVARVERSION LUA_INIT_VAR LUA_VERSUFFIX

typedef struct run {
    const char *progname;
    const char *script;
    int nargs;
    char **args;
    const ctl_interp_callbacks *cb;
    char *error; /* message of the error that ended the script */
} run;

static void l_message(const char *pname, const char *msg)
{
    if (pname)
        lua_writestringerror("%s: ", pname);
    lua_writestringerror("%s\n", msg);
}

static int report(lua_State *L, run *rn, int status)
{
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        l_message(rn->progname, msg);
        lua_pop(L, 1);
    }
    return status;
}

static void note_error(run *rn, const char *msg)
{
    if (!rn->error && msg && (rn->error = strdup(msg)) && rn->cb->error)
        rn->cb->error(rn->cb->ctx, msg);
}

static int msghandler(lua_State *L)
{
    run *rn = lua_touserdata(L, lua_upvalueindex(1));
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
            note_error(rn, lua_tostring(L, -1));
            return 1;
        }
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    note_error(rn, msg);
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Ctrl-C as lua.c handles it: the next hook event of the main thread raises
 * "interrupted!" (replacing the recorder's hook, so the recording ends
 * there, and the trace is written as for any error). */
static lua_State *globalL;

static void setsignal(int sig, void (*handler)(int))
{
    struct sigaction sa;
    sa.sa_handler = handler;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void lstop(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

static void laction(int i)
{
    int flag = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
    setsignal(i, SIG_DFL); /* a second Ctrl-C ends the process */
    lua_sethook(globalL, lstop, flag, 1);
}

static int docall(lua_State *L, run *rn, int narg, int nres)
{
    int base = lua_gettop(L) - narg;
    lua_pushlightuserdata(L, rn);
    lua_pushcclosure(L, msghandler, 1);
    lua_insert(L, base);
    globalL = L;
    setsignal(SIGINT, laction);
    int status = lua_pcall(L, narg, nres, base);
    setsignal(SIGINT, SIG_DFL);
    lua_remove(L, base);
    return status;
}

static void createargtable(lua_State *L, run *rn)
{
    lua_createtable(L, rn->nargs, 2);
    lua_pushstring(L, rn->progname);
    lua_rawseti(L, -2, -1);
    lua_pushstring(L, rn->script);
    lua_rawseti(L, -2, 0);
    for (int i = 0; i < rn->nargs; i++) {
        lua_pushstring(L, rn->args[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setglobal(L, "arg");
}

static int pushargs(lua_State *L)
{
    int i, n;
    if (lua_getglobal(L, "arg") != LUA_TTABLE)
        luaL_error(L, "'arg' is not a table");
    n = (int)luaL_len(L, -1);
    luaL_checkstack(L, n + 3, "too many arguments to script");
    for (i = 1; i <= n; i++)
        lua_rawgeti(L, -i, i);
    lua_remove(L, -i);
    return n;
}

static int dochunk(lua_State *L, run *rn, int status)
{
    if (status == LUA_OK)
        status = docall(L, rn, 0, 0);
    return report(L, rn, status);
}

static int handle_luainit(lua_State *L, run *rn)
{
    const char *name = "=" LUA_INITVARVERSION;
    const char *init = getenv(name + 1);
    if (init == NULL) {
        name = "=" LUA_INIT_VAR;
        init = getenv(name + 1);
    }
    if (init == NULL)
        return LUA_OK;
    if (init[0] == '@')
        return dochunk(L, rn, luaL_loadfile(L, init + 1));
    return dochunk(L, rn, luaL_loadbuffer(L, init, strlen(init), name));
}

static int handle_script(lua_State *L, run *rn)
{
    int status = luaL_loadfile(L, rn->script);
    if (status == LUA_OK) {
        int n = pushargs(L);
        status = docall(L, rn, n, LUA_MULTRET);
    } else {
        note_error(rn, lua_tostring(L, -1));
    }
    return status;
}

static int pmain(lua_State *L)
{
    run *rn = lua_touserdata(L, 1);
    luaL_checkversion(L);
    luaL_openlibs(L);
    createargtable(L, rn);
    lua_gc(L, LUA_GCRESTART);
    lua_gc(L, LUA_GCGEN, 0, 0);
    if (handle_luainit(L, rn) != LUA_OK)
        return 0;
    /* LUA_INIT ran and failed before this error message was noted. */
    free(rn->error);
    rn->error = NULL;
    if (rn->cb->start && rn->cb->start(rn->cb->ctx, L, rn->script))
        return 0;
    int status = handle_script(L, rn);
    if (rn->cb->end)
        rn->cb->end(rn->cb->ctx, L, status == LUA_OK ? NULL : rn->error ? rn->error : "error");
    if (report(L, rn, status) != LUA_OK)
        return 0;
    lua_pushboolean(L, 1);
    return 1;
}

int ctl_interp_run(const char *progname, const char *script, int nargs, char **args,
                   const ctl_interp_callbacks *cb, lua_State *volatile *state)
{
    run rn = {progname, script, nargs, args, cb, NULL};
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        l_message(progname, "cannot create state: not enough memory");
        return EXIT_FAILURE;
    }
    *state = L;
    lua_gc(L, LUA_GCSTOP);
    lua_pushcfunction(L, pmain);
    lua_pushlightuserdata(L, &rn);
    int status = lua_pcall(L, 1, 1, 0);
    int result = lua_toboolean(L, -1);
    report(L, &rn, status);
    lua_close(L);
    *state = NULL;
    free(rn.error);
    return (result && status == LUA_OK) ? EXIT_SUCCESS : EXIT_FAILURE;
}
