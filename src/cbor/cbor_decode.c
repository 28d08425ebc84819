#include "cbor/cbor_decode.h"

#include <stdarg.h>
#include <stdio.h>

int cbor_failf(cbor_dec *d, int code, const char *fmt, ...)
{
    char what[RT_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return rt_err_set(d->err, code, "%s: event %llu: CBOR byte %llu: %s", d->name,
                      (unsigned long long)d->event,
                      (unsigned long long)(d->base + (uint64_t)(d->p - d->start)), what);
}

int cbor_read_head(cbor_dec *d, cbor_head *h)
{
    if (d->p >= d->end)
        return cbor_need(d, 1);
    unsigned b = *d->p;
    h->major = b >> 5;
    h->ai = b & 31;
    if (h->ai < 24) {
        h->arg = h->ai;
        d->p++;
        return RT_OK;
    }
    if (h->ai < 28) {
        size_t n = (size_t)1 << (h->ai - 24);
        if ((size_t)(d->end - d->p) < 1 + n)
            return cbor_need(d, 1 + n);
        uint64_t v = 0;
        for (size_t i = 1; i <= n; i++)
            v = v << 8 | d->p[i];
        h->arg = v;
        d->p += 1 + n;
        return RT_OK;
    }
    if (h->ai == 31 && h->major >= CBOR_MAJOR_BYTES && h->major <= CBOR_MAJOR_MAP)
        return cbor_fail(d, RT_EUNSUPPORTED, "indefinite-length item (0x%02x) not supported", b);
    if (h->ai == 31 && h->major == CBOR_MAJOR_SIMPLE)
        return cbor_fail(d, RT_EFORMAT, "unexpected break (0xff)");
    return cbor_fail(d, RT_EFORMAT, "malformed item head 0x%02x", b);
}

int cbor_check_count(cbor_dec *d, uint64_t count, const char *what)
{
    if (count > RT_V1_MAX_ITEM)
        return cbor_fail(d, RT_ELIMIT, "%s of %llu exceeds the item limit of %zu bytes", what,
                         (unsigned long long)count, RT_V1_MAX_ITEM);
    if ((uint64_t)(d->end - d->p) < count)
        return cbor_need(d, (size_t)count);
    return RT_OK;
}

int cbor_skip(cbor_dec *d)
{
    uint64_t left = 1; /* items still to skip, nested ones included */
    while (left) {
        const unsigned char *at = d->p;
        cbor_head h;
        int rc = cbor_read_head(d, &h);
        if (rc == CBOR_NEED) {
            size_t head_need = d->need;
            cbor_need(d, left);
            if (head_need > d->need)
                d->need = head_need;
        }
        if (rc)
            return rc;
        left--;
        switch (h.major) {
        case CBOR_MAJOR_BYTES:
        case CBOR_MAJOR_TEXT:
            if ((rc = cbor_check_count(d, h.arg, "string")))
                return rc;
            d->p += h.arg;
            break;
        case CBOR_MAJOR_ARRAY:
        case CBOR_MAJOR_MAP:
            if (h.arg > RT_V1_MAX_ITEM) {
                d->p = at;
                return cbor_fail(d, RT_ELIMIT, "container of %llu entries exceeds the item limit",
                                 (unsigned long long)h.arg);
            }
            left += h.major == CBOR_MAJOR_MAP ? 2 * h.arg : h.arg;
            break;
        case CBOR_MAJOR_TAG:
            d->p = at;
            return cbor_fail(d, RT_EFORMAT, "tags are not used in v1 traces");
        default: /* integers, simple values and floats: the head is all */
            break;
        }
    }
    return RT_OK;
}
