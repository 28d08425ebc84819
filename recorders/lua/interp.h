/* Runs a script as the standalone interpreter lua5.4 runs `lua5.4 script
 * args...`: same libraries, arg table, LUA_INIT, generational GC, error
 * report on stderr and exit status, so that recording is transparent. */
#ifndef CTL_INTERP_H
#define CTL_INTERP_H

#include <lua.h>

typedef struct ctl_interp_callbacks {
    /* After the libraries, arg and LUA_INIT, before the script is loaded.
     * Non-zero stops the run (the exit status is then EXIT_FAILURE). */
    int (*start)(void *ctx, lua_State *L, const char *script);
    /* An error that ends the script, without the traceback (load errors
     * included). */
    void (*error)(void *ctx, const char *msg);
    /* The script returned or failed (error is its message, or NULL), before
     * the state is closed. */
    void (*end)(void *ctx, lua_State *L, const char *error);
    void *ctx;
} ctl_interp_callbacks;

/*
 * Runs script with nargs arguments; progname prefixes error reports as
 * argv[0] does for lua5.4. *state points at the live state while it runs
 * (NULL after it is closed), for exit handlers. Returns the exit status.
 */
int ctl_interp_run(const char *progname, const char *script, int nargs, char **args,
                   const ctl_interp_callbacks *cb, lua_State *volatile *state);

#endif
