/* lua_floor: what Lua's own debug interface costs a recorder that keeps
 * ct-lua's contract, with no library call and no output at all.
 *
 *   lua_floor MODE SCRIPT [ARGS...]
 *
 * MODE 0: no hook (plain Lua, like lua5.4);
 *      1: a hook on calls, returns and lines that returns at once;
 *      2: the hook reads what a recording reads: on a call the caller's
 *         frame (lua_getstack), the function's source (lua_getinfo "S") and
 *         its first parameter; on a line every active local (lua_getlocal)
 *         and every upvalue (lua_getinfo "f", lua_getupvalue), each value's
 *         type and its integer or address; on a return the transferred
 *         value (lua_getinfo "r"). Tables are not walked and strings are not
 *         read, so mode 2 is a lower bound of any recorder of every visible
 *         variable at every step.
 * Prints a checksum of what it read on stderr (so nothing is optimised
 * away). Time it with perf stat or time(1): recorders/lua/bench/measure.sh
 * prints the three modes beside ct-lua. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int mode;
static uint64_t checksum;

/* Reads the value on top of the stack as a recorder would at least, and pops it. */
static void read_top(lua_State *L)
{
    int t = lua_type(L, -1);
    checksum += (uint64_t)t;
    if (t == LUA_TNUMBER)
        checksum += (uint64_t)lua_tointegerx(L, -1, NULL);
    else
        checksum += (uint64_t)(uintptr_t)lua_topointer(L, -1);
    lua_pop(L, 1);
}

static void on_call(lua_State *L, lua_Debug *ar)
{
    lua_Debug caller;
    checksum += (uint64_t)lua_getstack(L, 1, &caller);
    lua_getinfo(L, "S", ar);
    if (ar->what[0] != 'C' && lua_getlocal(L, ar, 1))
        read_top(L);
}

static void on_line(lua_State *L, lua_Debug *ar)
{
    for (int i = 1;; i++) {
        const char *name = lua_getlocal(L, ar, i);
        if (!name)
            break;
        if (name[0] == '(') { /* temporaries follow the last active local */
            lua_pop(L, 1);
            break;
        }
        read_top(L);
    }
    lua_getinfo(L, "f", ar);
    int f = lua_gettop(L);
    for (int i = 1; lua_getupvalue(L, f, i); i++)
        read_top(L);
    lua_pop(L, 1);
}

static void on_return(lua_State *L, lua_Debug *ar)
{
    if (lua_getinfo(L, "r", ar) && ar->ntransfer > 0 && lua_getlocal(L, ar, ar->ftransfer))
        read_top(L);
}

static void hook(lua_State *L, lua_Debug *ar)
{
    if (mode < 2)
        return;
    switch (ar->event) {
    case LUA_HOOKCALL:
    case LUA_HOOKTAILCALL:
        on_call(L, ar);
        break;
    case LUA_HOOKLINE:
        on_line(L, ar);
        break;
    case LUA_HOOKRET:
        on_return(L, ar);
        break;
    default:
        break;
    }
}

int main(int argc, char **argv)
{
    if (argc < 3 || (argv[1][0] < '0' || argv[1][0] > '2') || argv[1][1]) {
        fprintf(stderr, "usage: lua_floor 0|1|2 SCRIPT [ARGS...]\n");
        return 2;
    }
    mode = argv[1][0] - '0';
    lua_State *L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "lua_floor: out of memory\n");
        return 1;
    }
    luaL_openlibs(L);
    lua_createtable(L, argc - 3, 1);
    lua_pushstring(L, argv[2]);
    lua_rawseti(L, -2, 0);
    for (int i = 3; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - 2);
    }
    lua_setglobal(L, "arg");
    if (mode)
        lua_sethook(L, hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE, 0);
    int status = luaL_dofile(L, argv[2]);
    if (status != LUA_OK)
        fprintf(stderr, "lua_floor: %s\n", lua_tostring(L, -1));
    fprintf(stderr, "lua_floor: checksum %llu\n", (unsigned long long)checksum);
    lua_close(L);
    return status == LUA_OK ? 0 : 1;
}
