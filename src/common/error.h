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
 * `return rt_err_set(...)`. */
int rt_err_set(rt_err *err, int code, const char *fmt, ...) RT_PRINTF(3, 4);
/* Prefixes the current message with a formatted context. Returns err->code. */
int rt_err_prefix(rt_err *err, const char *fmt, ...) RT_PRINTF(2, 3);
void rt_err_clear(rt_err *err);

#endif
