#include "capture.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

static ctl_output_fn out_fn;
static void *out_ctx;
static lua_CFunction orig_io_write, orig_file_write;

static void report(FILE *f, const char *data, size_t len)
{
    if (!out_fn || !len)
        return;
    if (f == stdout)
        out_fn(out_ctx, RT_LOG_WRITE, "", data, len);
    else if (f == stderr)
        out_fn(out_ctx, RT_LOG_WRITE_OTHER, "stderr", data, len);
}

/* luaB_print of Lua 5.4, also collecting what it writes. */
static int capture_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        size_t l;
        const char *s = luaL_tolstring(L, i, &l);
        if (i > 1)
            lua_writestring("\t", 1);
        lua_writestring(s, l);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    lua_writeline();
    luaL_pushresult(&b);
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    report(stdout, text, len);
    lua_pop(L, 1);
    return 0;
}

/* Appends arguments first..last as g_write of liolib.c writes them. */
static void collect_written(lua_State *L, int first, int last, luaL_Buffer *b)
{
    for (int i = first; i <= last; i++) {
        if (lua_type(L, i) == LUA_TNUMBER) {
            char num[64];
            int len = lua_isinteger(L, i)
                          ? snprintf(num, sizeof num, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, i))
                          : snprintf(num, sizeof num, LUA_NUMBER_FMT, (LUAI_UACNUMBER)lua_tonumber(L, i));
            luaL_addlstring(b, num, (size_t)len);
        } else {
            size_t l;
            const char *s = lua_tolstring(L, i, &l);
            luaL_addlstring(b, s, l);
        }
    }
}

/* Runs the original write (in this frame, so error messages name this
 * function as they named the original) and reports what it wrote. */
static int wrapped_write(lua_State *L, lua_CFunction orig, int first)
{
    int nargs = lua_gettop(L);
    int nres = orig(L);
    /* On success the first result is the file written to. */
    luaL_Stream *p = nres >= 1 ? luaL_testudata(L, -nres, LUA_FILEHANDLE) : NULL;
    if (p && p->closef && (p->f == stdout || p->f == stderr)) {
        FILE *f = p->f;
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        collect_written(L, first, nargs, &b);
        luaL_pushresult(&b);
        size_t len;
        const char *text = lua_tolstring(L, -1, &len);
        report(f, text, len);
        lua_pop(L, 1);
    }
    return nres;
}

static int capture_io_write(lua_State *L)
{
    return wrapped_write(L, orig_io_write, 1);
}

static int capture_file_write(lua_State *L)
{
    return wrapped_write(L, orig_file_write, 2);
}

void ctl_capture_install(lua_State *L, ctl_output_fn fn, void *ctx)
{
    out_fn = fn;
    out_ctx = ctx;
    int top = lua_gettop(L);
    lua_pushcfunction(L, capture_print);
    lua_setglobal(L, "print");
    if (lua_getglobal(L, "io") == LUA_TTABLE) {
        lua_getfield(L, -1, "write");
        orig_io_write = lua_tocfunction(L, -1);
        lua_pop(L, 1);
        if (orig_io_write) {
            lua_pushcfunction(L, capture_io_write);
            lua_setfield(L, -2, "write");
        }
    }
    lua_pop(L, 1);
    if (luaL_getmetatable(L, LUA_FILEHANDLE) == LUA_TTABLE &&
        lua_getfield(L, -1, "__index") == LUA_TTABLE) {
        lua_getfield(L, -1, "write");
        orig_file_write = lua_tocfunction(L, -1);
        lua_pop(L, 1);
        if (orig_file_write) {
            lua_pushcfunction(L, capture_file_write);
            lua_setfield(L, -2, "write");
        }
    }
    lua_settop(L, top);
}

void ctl_capture_detach(void)
{
    out_fn = NULL;
    out_ctx = NULL;
}
