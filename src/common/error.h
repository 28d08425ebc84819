/* Per-handle error state: a code and a message, never global. */
#ifndef RT_COMMON_ERROR_H
#define RT_COMMON_ERROR_H

#include "runtime_tracing.h"

#define RT_ERRMSG_MAX 512

typedef struct rt_err {
    int code;
    char msg[RT_ERRMSG_MAX];
} rt_err;

#if defined(__GNUC__)
#define RT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define RT_PRINTF(a, b)
#endif

/* Sets code and a formatted message; returns code so callers can
 * `return rt_err_set(...)`. Call it through rt_err_set. */
int rt_err_setf(rt_err *err, int code, const char *fmt, ...) RT_PRINTF(3, 4);

/* An error is never RT_OK. Saying so where the compiler sees it lets gcc
 * and clang's analyzer drop the impossible "succeeded" path after a failed
 * call (whose outputs are unset), instead of warning about it. A code that
 * is not an error (a bug) turns into RT_EINVAL. */
static inline int rt_err_code(int code)
{
    return code < 0 ? code : RT_EINVAL;
}
#define rt_err_set(...) rt_err_code(rt_err_setf(__VA_ARGS__))
/* Prefixes the current message with a formatted context. Returns err->code. */
int rt_err_prefix(rt_err *err, const char *fmt, ...) RT_PRINTF(2, 3);
void rt_err_clear(rt_err *err);

#endif
