/* meta.dat v3 parsed with the debugger's rules (CT rd/meta_dat.rs). */
#include "common/utf8.h"
#include "common/uuid.h"
#include "ctfs/ctfs_layout.h"
#include "ctfs/ctfs_meta.h"

typedef struct mcur {
    const unsigned char *p, *end, *start;
    rt_err *err;
} mcur;

static int bad(mcur *c, const char *what)
{
    return rt_err_set(c->err, RT_EFORMAT, "meta.dat byte %zu: %s", (size_t)(c->p - c->start), what);
}

static int rd_var(mcur *c, uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (c->p >= c->end)
            return bad(c, "truncated varint");
        unsigned b = *c->p++;
        r |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *v = r;
            return RT_OK;
        }
    }
    return bad(c, "varint longer than 10 bytes");
}

static int rd_str(mcur *c, rt_str *s, const char *what)
{
    uint64_t n;
    int rc = rd_var(c, &n);
    if (rc)
        return rc;
    if (n > (uint64_t)(c->end - c->p))
        return rt_err_set(c->err, RT_EFORMAT, "meta.dat byte %zu: %s: string runs past the end",
                          (size_t)(c->p - c->start), what);
    if (!rt_utf8_valid((const char *)c->p, (size_t)n))
        return rt_err_set(c->err, RT_EFORMAT, "meta.dat byte %zu: %s is not UTF-8",
                          (size_t)(c->p - c->start), what);
    s->ptr = (const char *)c->p;
    s->len = (size_t)n;
    c->p += n;
    return RT_OK;
}

static int rd_list(mcur *c, rt_arena *a, const rt_str **out, size_t *count, const char *what)
{
    uint64_t n;
    int rc = rd_var(c, &n);
    if (rc)
        return rc;
    if (n > (uint64_t)(c->end - c->p)) /* every string takes a byte at least */
        return bad(c, "list count larger than the file");
    rt_str *s = rt_arena_alloc(a, (size_t)(n ? n : 1) * sizeof *s);
    if (!s)
        return rt_err_set(c->err, RT_ENOMEM, "meta.dat: out of memory");
    for (uint64_t i = 0; i < n; i++)
        if ((rc = rd_str(c, &s[i], what)))
            return rc;
    *out = s;
    *count = (size_t)n;
    return RT_OK;
}

static int skip(mcur *c, uint64_t n)
{
    if (n > (uint64_t)(c->end - c->p))
        return bad(c, "optional block runs past the end");
    c->p += n;
    return RT_OK;
}

int ctfs_meta_parse(const unsigned char *data, size_t len, rt_arena *arena, ctfs_meta *out,
                    rt_err *err)
{
    mcur c = {data, data + len, data, err};
    memset(out, 0, sizeof *out);
    if (len < 8 || memcmp(data, CTMD_MAGIC, 4) != 0)
        return rt_err_set(err, RT_EFORMAT, "meta.dat: no CTMD magic");
    unsigned version = data[4] | (unsigned)data[5] << 8;
    if (version != CTMD_VERSION)
        return rt_err_set(err, RT_EFORMAT, "meta.dat: version %u (the debugger reads only 3)", version);
    out->flags = (uint16_t)(data[6] | data[7] << 8);
    if (out->flags & ~CTMD_KNOWN_FLAGS)
        return rt_err_set(err, RT_EFORMAT, "meta.dat: unknown flag bits 0x%04x", out->flags);
    c.p += 8;
    int rc;
    if ((rc = rd_str(&c, &out->recording_id, "recording_id")))
        return rc;
    if (!rt_uuid7_is_canonical(out->recording_id.ptr, out->recording_id.len))
        return rt_err_set(err, RT_EFORMAT, "meta.dat: recording_id \"%.*s\" is not a canonical lowercase UUIDv7",
                          (int)(out->recording_id.len > 40 ? 40 : out->recording_id.len),
                          out->recording_id.ptr);
    if ((rc = rd_str(&c, &out->program, "program")) ||
        (rc = rd_list(&c, arena, &out->args, &out->nargs, "an argument")) ||
        (rc = rd_str(&c, &out->workdir, "workdir")) ||
        (rc = rd_str(&c, &out->recorder_id, "recorder_id")) ||
        (rc = rd_list(&c, arena, &out->paths, &out->npaths, "a path")))
        return rc;
    if (out->flags & 1) /* the MCR block: the debugger routes such files to replay */
        return rt_err_set(err, RT_EFORMAT, "meta.dat: flag bit 0 (MCR) set: the debugger opens this as a replay, not a trace");
    uint64_t n;
    if (out->flags & 2 && (rc = skip(&c, 1))) /* ASLR byte */
        return rc;
    if (out->flags & 4) { /* hash u64, then var-length bytes */
        if ((rc = skip(&c, 8)) || (rc = rd_var(&c, &n)) || (rc = skip(&c, n)))
            return rc;
    }
    if (out->flags & 8) { /* n x (str, 32 bytes) */
        if ((rc = rd_var(&c, &n)))
            return rc;
        for (uint64_t i = 0; i < n; i++) {
            rt_str s;
            if ((rc = rd_str(&c, &s, "a layout name")) || (rc = skip(&c, 32)))
                return rc;
        }
    }
    if (c.p != c.end)
        return rt_err_set(err, RT_EFORMAT, "meta.dat: %zu trailing bytes (the debugger refuses them)",
                          (size_t)(c.end - c.p));
    return RT_OK;
}
