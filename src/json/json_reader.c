/* The trace.json decoder (see json_reader.h): finds each element of the
 * top-level array in a rolling buffer with a resumable scan, then parses
 * the complete element. The scan keeps its state between calls, which is
 * what follow mode needs: a partial element waits for more bytes. */
#include "json/json_reader.h"

#include <stdio.h>
#include <string.h>

#include "model/model.h"

typedef enum jstate {
    ST_OPEN,    /* before '[' */
    ST_FIRST,   /* after '[': ']' or an element */
    ST_AFTER,   /* after an element: ',' or ']' */
    ST_ELEMENT, /* after ',': an element */
    ST_CLOSED   /* after ']': only whitespace */
} jstate;

/* Byte classes for the element scan. */
enum { C_PLAIN, C_QUOTE, C_OPEN, C_CLOSE };
static const unsigned char byte_class[256] = {
    ['"'] = C_QUOTE, ['{'] = C_OPEN, ['['] = C_OPEN, ['}'] = C_CLOSE, [']'] = C_CLOSE};

typedef struct json_decoder {
    rt_decoder base;
    rt_source *src;
    rt_err *err;
    const rt_allocator *alloc;
    rt_arena *arena;
    const uint64_t *index;
    unsigned char *buf;
    size_t cap, len, pos; /* bytes [pos, len) not consumed yet */
    uint64_t buf_off;     /* file offset of buf[0] */
    size_t max_event;
    jstate st;
    /* The element being scanned: buf[el_start, scan). */
    bool in_el, scalar, in_str, esc;
    size_t el_start, scan, depth;
    bool eof;
    rt_jstack stack;
} json_decoder;

static bool is_ws(unsigned char ch)
{
    return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
}

static bool is_scalar_char(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch == '-' || ch == '+' || ch == '.';
}

static int fail(json_decoder *d, int code, size_t at, const char *msg)
{
    return rt_err_set(d->err, code, "%s: event %llu at byte %llu: %s", d->src->name,
                      (unsigned long long)*d->index, (unsigned long long)(d->buf_off + at), msg);
}

/* Reads more input, first making room: drops consumed bytes and, when one
 * element fills the whole buffer, grows it (up to the element limit).
 * Returns the count read (0: nothing now, or the end) or an error. */
static long fill(json_decoder *d)
{
    size_t keep = d->in_el ? d->el_start : d->pos;
    if (keep > 0 && d->cap - d->len < d->cap / 2) {
        memmove(d->buf, d->buf + keep, d->len - keep);
        d->len -= keep;
        d->pos -= keep;
        if (d->in_el) {
            d->el_start -= keep;
            d->scan -= keep;
        }
        d->buf_off += keep;
    }
    if (d->len == d->cap) {
        if (d->len - (d->in_el ? d->el_start : d->pos) >= d->max_event)
            return fail(d, RT_ELIMIT, d->in_el ? d->el_start : d->pos,
                        "event larger than the reader's limit");
        size_t cap = d->cap * 2;
        unsigned char *b = rt_realloc(d->alloc, d->buf, d->cap, cap);
        if (!b)
            return fail(d, RT_ENOMEM, d->len, "out of memory");
        d->buf = b;
        d->cap = cap;
    }
    long n = rt_source_read(d->src, d->buf + d->len, d->cap - d->len, d->err);
    if (n > 0)
        d->len += (size_t)n;
    else if (n == 0 && !d->src->follow)
        d->eof = true;
    return n;
}

/* No more bytes now: pending in follow mode, else the file was cut. */
static int need_more(json_decoder *d, const char *where)
{
    if (d->src->follow && !d->eof)
        return RT_READ_PENDING;
    char msg[128];
    snprintf(msg, sizeof msg, "truncated: the data ends %s", where);
    return fail(d, RT_ETRUNCATED, d->len, msg);
}

/* Skips whitespace. 1: *ch is the next byte; 0: no more bytes now. */
static int next_byte(json_decoder *d, unsigned char *ch)
{
    for (;;) {
        while (d->pos < d->len && is_ws(d->buf[d->pos]))
            d->pos++;
        if (d->pos < d->len) {
            *ch = d->buf[d->pos];
            return 1;
        }
        long n = fill(d);
        if (n <= 0)
            return (int)n;
    }
}

static int start_element(json_decoder *d, unsigned char ch)
{
    if (ch != '{' && ch != '[' && ch != '"' && !is_scalar_char(ch)) {
        char msg[64];
        snprintf(msg, sizeof msg, ch >= 0x20 && ch < 0x7f ? "expected an event, found '%c'"
                                                          : "expected an event, found byte 0x%02x",
                 ch);
        return fail(d, RT_EFORMAT, d->pos, msg);
    }
    d->in_el = true;
    d->el_start = d->pos;
    d->scan = d->pos + 1;
    d->scalar = is_scalar_char(ch);
    d->in_str = ch == '"';
    d->esc = false;
    d->depth = (ch == '{' || ch == '[') ? 1 : 0;
    return RT_OK;
}

/* Advances the scan. 1: the element is complete; 0: more bytes needed. */
static int scan_element(json_decoder *d)
{
    for (;;) {
        const unsigned char *b = d->buf;
        bool complete;
        size_t i = d->scan, n = d->len;
        if (d->scalar) {
            while (i < n && is_scalar_char(b[i]))
                i++;
            d->scan = i;
            complete = i < n;
        } else {
            bool in_str = d->in_str, esc = d->esc;
            size_t depth = d->depth;
            size_t quote = SIZE_MAX; /* the next '"' from i on (SIZE_MAX: not looked for) */
            for (; i < n; i++) {
                unsigned char ch = b[i];
                if (in_str) {
                    if (esc) {
                        esc = false;
                        continue;
                    }
                    /* The next quote or backslash: a plain loop for short
                     * strings, memchr for long ones. The quote memchr
                     * finds is remembered, so that a long string full of
                     * escapes is still one pass. */
                    size_t j = i, lim = n - i > 32 ? i + 32 : n;
                    while (j < lim && b[j] != '"' && b[j] != '\\')
                        j++;
                    if (j == lim && lim < n) {
                        if (quote == SIZE_MAX || quote < j) {
                            const unsigned char *q = memchr(b + j, '"', n - j);
                            quote = q ? (size_t)(q - b) : n;
                        }
                        const unsigned char *bs = memchr(b + j, '\\', quote - j);
                        j = bs ? (size_t)(bs - b) : quote;
                    }
                    if (j >= n) { /* the string goes on past the data */
                        i = n - 1;
                        continue;
                    }
                    i = j;
                    if (b[j] == '\\') {
                        esc = true;
                        continue;
                    }
                    in_str = false;
                    if (depth == 0) {
                        i++;
                        break;
                    }
                    continue;
                }
                switch (byte_class[ch]) {
                case C_QUOTE:
                    in_str = true;
                    break;
                case C_OPEN:
                    depth++;
                    break;
                case C_CLOSE:
                    depth--;
                    break;
                default:
                    continue;
                }
                if (depth == 0) {
                    i++;
                    break;
                }
            }
            d->scan = i;
            d->in_str = in_str;
            d->esc = esc;
            d->depth = depth;
            complete = depth == 0 && !in_str;
        }
        if (d->scan - d->el_start > d->max_event)
            return fail(d, RT_ELIMIT, d->el_start, "event larger than the reader's limit");
        if (complete)
            return 1;
        long r = fill(d);
        if (r < 0)
            return (int)r;
        if (r == 0)
            return 0;
    }
}

static int parse_element(json_decoder *d, rt_event *out)
{
    rt_jcur c;
    memset(&c, 0, sizeof c);
    c.base = (const char *)d->buf;
    c.base_offset = d->buf_off;
    c.p = (const char *)d->buf + d->el_start;
    c.end = (const char *)d->buf + d->scan;
    c.arena = d->arena;
    c.stack = &d->stack;
    c.err = d->err;
    c.name = d->src->name;
    c.has_event = true;
    c.event_index = *d->index;
    d->in_el = false;
    d->pos = d->scan;
    d->base.event_size = d->scan - d->el_start;
    d->st = ST_AFTER;
    int rc = rt_json_parse_event(&c, out);
    d->base.spelling = c.spelling;
    return rc ? rc : RT_READ_EVENT;
}

static int json_next(rt_decoder *base, rt_event *out)
{
    json_decoder *d = (json_decoder *)base;
    for (;;) {
        if (d->in_el) {
            int rc = scan_element(d);
            if (rc < 0)
                return rc;
            if (rc == 0)
                return need_more(d, "inside an event");
            return parse_element(d, out);
        }
        unsigned char ch = 0;
        int r = next_byte(d, &ch);
        if (r < 0)
            return r;
        if (r == 0) {
            if (d->st == ST_CLOSED)
                return RT_READ_END;
            return need_more(d, d->st == ST_OPEN ? "before the opening '['"
                                                 : "before the closing ']'");
        }
        int rc = RT_OK;
        switch (d->st) {
        case ST_OPEN:
            if (ch != '[')
                return fail(d, RT_EFORMAT, d->pos, "expected '[' (a JSON array of events)");
            d->pos++;
            d->st = ST_FIRST;
            break;
        case ST_FIRST:
            if (ch == ']') {
                d->pos++;
                d->st = ST_CLOSED;
            } else {
                rc = start_element(d, ch);
            }
            break;
        case ST_AFTER:
            if (ch != ',' && ch != ']')
                return fail(d, RT_EFORMAT, d->pos, "expected ',' or ']' after an event");
            d->pos++;
            d->st = ch == ',' ? ST_ELEMENT : ST_CLOSED;
            break;
        case ST_ELEMENT:
            if (ch == ']')
                return fail(d, RT_EFORMAT, d->pos, "expected an event after ',', found ']'");
            rc = start_element(d, ch);
            break;
        case ST_CLOSED:
            return fail(d, RT_EFORMAT, d->pos, "unexpected data after the closing ']'");
        }
        if (rc)
            return rc;
    }
}

static void json_destroy(rt_decoder *base)
{
    json_decoder *d = (json_decoder *)base;
    rt_jstack_free(&d->stack);
    rt_free(d->alloc, d->buf, d->cap);
    rt_free(d->alloc, d, sizeof *d);
}

static const rt_decoder_ops json_ops = {json_next, json_destroy};

int rt_json_decoder_new_limit(const rt_decoder_env *env, size_t max_event, rt_decoder **out)
{
    *out = NULL;
    json_decoder *d = rt_malloc(env->alloc, sizeof *d);
    if (!d)
        return rt_err_set(env->err, RT_ENOMEM, "%s: out of memory", env->src->name);
    memset(d, 0, sizeof *d);
    d->base.ops = &json_ops;
    d->src = env->src;
    d->err = env->err;
    d->alloc = env->alloc;
    d->arena = env->event_arena;
    d->index = env->event_index;
    d->max_event = max_event ? max_event : RT_JSON_MAX_EVENT;
    d->cap = RT_JSON_READ_CHUNK;
    d->buf_off = env->src->offset;
    d->st = ST_OPEN;
    d->buf = rt_malloc(d->alloc, d->cap);
    if (!d->buf) {
        rt_free(d->alloc, d, sizeof *d);
        return rt_err_set(env->err, RT_ENOMEM, "%s: out of memory", env->src->name);
    }
    rt_jstack_init(&d->stack, d->alloc);
    *out = &d->base;
    return RT_OK;
}

int rt_json_decoder_new(const rt_decoder_env *env, rt_decoder **out)
{
    return rt_json_decoder_new_limit(env, 0, out);
}
