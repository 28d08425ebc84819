#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *rt_strerror(int status)
{
    switch (status) {
#define RT_X_CASE(name, code, msg) case code: return msg;
        RT_ERROR_MAP(RT_X_CASE)
#undef RT_X_CASE
    default:
        return "unknown error";
    }
}

const char *rt_status_name(int status)
{
    switch (status) {
#define RT_X_CASE(name, code, msg) case code: return "RT_" #name;
        RT_ERROR_MAP(RT_X_CASE)
#undef RT_X_CASE
    default:
        return "RT_UNKNOWN";
    }
}

int rt_err_setf(rt_err *err, int code, const char *fmt, ...)
{
    code = rt_err_code(code);
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

int rt_err_prefix(rt_err *err, const char *fmt, ...)
{
    char prefix[RT_ERRMSG_MAX];
    char old[RT_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof err->msg - 3)
        n = sizeof err->msg - 3;
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    size_t rest = sizeof err->msg - n - 3;
    size_t m = strlen(old);
    if (m > rest)
        m = rest;
    memcpy(err->msg + n + 2, old, m);
    err->msg[n + 2 + m] = '\0';
    return err->code;
}

void rt_err_clear(rt_err *err)
{
    err->code = RT_OK;
    err->msg[0] = '\0';
}
