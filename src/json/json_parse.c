/* JSON text primitives for the readers: exact integers, correctly rounded
 * floats, strings checked for UTF-8, skipping of values nobody asked for. */
#include "json/json_parse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/float_text.h"
#include "common/utf8.h"

/* ---- errors ------------------------------------------------------------- */

int rt_jerrf(rt_jcur *c, int code, const char *at, const char *fmt, ...)
{
    char msg[RT_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!at || at < c->base)
        at = c->base;
    unsigned long long off = (unsigned long long)(c->base_offset + (uint64_t)(at - c->base));
    if (c->has_event)
        return rt_err_set(c->err, code, "%s: event %llu at byte %llu: %s", c->name,
                          (unsigned long long)c->event_index, off, msg);
    return rt_err_set(c->err, code, "%s: byte %llu: %s", c->name, off, msg);
}

/* The span ended where more was needed. Spans handed out by the trace
 * decoder are whole array elements, so there it means bad syntax; for a
 * whole file, a cut. */
static int at_end(rt_jcur *c, const char *what)
{
    return rt_jerr(c, c->end_is_eof ? RT_ETRUNCATED : RT_EFORMAT, c->end, "unexpected end of %s",
                   what);
}

/* Describes the byte at p for messages. */
static const char *describe(const rt_jcur *c, const char *p, char buf[16])
{
    if (p >= c->end)
        return "the end";
    unsigned char ch = (unsigned char)*p;
    if (ch >= 0x20 && ch < 0x7f)
        snprintf(buf, 16, "'%c'", ch);
    else
        snprintf(buf, 16, "byte 0x%02x", ch);
    return buf;
}

int rt_jexpect(rt_jcur *c, char ch, const char *what)
{
    rt_jskip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return RT_OK;
    }
    if (c->p >= c->end)
        return at_end(c, "the data");
    char b[16];
    return rt_jerr(c, RT_EFORMAT, c->p, "expected '%c' %s, found %s", ch, what,
                   describe(c, c->p, b));
}

void *rt_jalloc(rt_jcur *c, size_t n)
{
    void *p = rt_arena_alloc(c->arena, n);
    if (!p)
        rt_jerr(c, RT_ENOMEM, c->p, "out of memory");
    return p;
}

/* ---- the list stack ----------------------------------------------------- */

void rt_jstack_init(rt_jstack *s, const rt_allocator *alloc)
{
    s->data = NULL;
    s->len = s->cap = 0;
    s->alloc = alloc;
}

void rt_jstack_free(rt_jstack *s)
{
    rt_free(s->alloc, s->data, s->cap);
    s->data = NULL;
    s->len = s->cap = 0;
}

int rt_jpush(rt_jcur *c, const void *item, size_t size)
{
    rt_jstack *s = c->stack;
    if (s->cap - s->len < size) {
        size_t cap = s->cap ? s->cap : 1024;
        while (cap - s->len < size) {
            if (cap > SIZE_MAX / 2)
                return rt_jerr(c, RT_ENOMEM, c->p, "out of memory");
            cap *= 2;
        }
        unsigned char *d = rt_realloc(s->alloc, s->data, s->cap, cap);
        if (!d)
            return rt_jerr(c, RT_ENOMEM, c->p, "out of memory");
        s->data = d;
        s->cap = cap;
    }
    memcpy(s->data + s->len, item, size);
    s->len += size;
    return RT_OK;
}

int rt_jlist_finish(rt_jcur *c, size_t mark, size_t size, const void **items, size_t *len)
{
    rt_jstack *s = c->stack;
    size_t bytes = s->len - mark;
    *len = bytes / size;
    *items = NULL;
    if (bytes) {
        void *d = rt_jalloc(c, bytes);
        if (!d)
            return RT_ENOMEM;
        memcpy(d, s->data + mark, bytes);
        *items = d;
    }
    s->len = mark;
    return RT_OK;
}

/* ---- strings ------------------------------------------------------------ */

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = p[i];
        v <<= 4;
        if (ch >= '0' && ch <= '9')
            v |= (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            v |= (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            v |= (unsigned)(ch - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static char *put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        *d++ = (char)cp;
    } else if (cp < 0x800) {
        *d++ = (char)(0xC0 | (cp >> 6));
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *d++ = (char)(0xE0 | (cp >> 12));
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *d++ = (char)(0xF0 | (cp >> 18));
        *d++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    }
    return d;
}

/* Finds the closing quote of the string at c->p (which is '"'), checking
 * that no raw control character occurs. */
static int str_scan(rt_jcur *c, const char **close, bool *escaped)
{
    const char *s = c->p + 1, *e = c->end;
    bool esc = false;
    while (s < e) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"') {
            *close = s;
            *escaped = esc;
            return RT_OK;
        }
        if (ch == '\\') {
            esc = true;
            s += 2;
            continue;
        }
        if (ch < 0x20)
            return rt_jerr(c, RT_EFORMAT, s, "control character 0x%02x in a string (must be escaped)",
                           ch);
        s++;
    }
    return at_end(c, "a string");
}

/* Decodes the escapes of [s, close) into d (NULL: only checks them).
 * Returns the decoded length through *n. */
static int str_decode(rt_jcur *c, const char *s, const char *close, char *d, size_t *n)
{
    char *d0 = d;
    size_t count = 0;
    while (s < close) {
        const char *bs = memchr(s, '\\', (size_t)(close - s));
        size_t run = (size_t)((bs ? bs : close) - s);
        if (d) {
            memcpy(d, s, run);
            d += run;
        }
        count += run;
        if (!bs)
            break;
        s = bs + 1; /* the escape letter; str_scan made sure it is before close */
        char ch = *s++;
        char lit;
        switch (ch) {
        case '"': lit = '"'; break;
        case '\\': lit = '\\'; break;
        case '/': lit = '/'; break;
        case 'b': lit = '\b'; break;
        case 'f': lit = '\f'; break;
        case 'n': lit = '\n'; break;
        case 'r': lit = '\r'; break;
        case 't': lit = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (close - s < 4 || hex4(s, &cp))
                return rt_jerr(c, RT_EFORMAT, bs, "invalid \\u escape");
            s += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return rt_jerr(c, RT_EUTF8, bs, "lone low surrogate \\u%04x", cp);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (close - s < 6 || s[0] != '\\' || s[1] != 'u' || hex4(s + 2, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return rt_jerr(c, RT_EUTF8, bs, "lone high surrogate \\u%04x", cp);
                s += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            char tmp[4];
            char *te = put_utf8(tmp, cp);
            size_t k = (size_t)(te - tmp);
            if (d) {
                memcpy(d, tmp, k);
                d += k;
            }
            count += k;
            continue;
        }
        default: {
            char b[16];
            return rt_jerr(c, RT_EFORMAT, bs, "invalid escape \\%s", describe(c, s - 1, b));
        }
        }
        if (d)
            *d++ = lit;
        count++;
    }
    (void)d0;
    *n = count;
    return RT_OK;
}

/* Reads the string at c->p. copy: always into the arena; else raw bytes
 * are pointed at when there is no escape. */
static int read_str(rt_jcur *c, rt_str *out, bool copy)
{
    rt_jskip_ws(c);
    if (c->p >= c->end)
        return at_end(c, "the data: expected a string");
    if (*c->p != '"') {
        char b[16];
        return rt_jerr(c, RT_EFORMAT, c->p, "expected a string, found %s", describe(c, c->p, b));
    }
    const char *close;
    bool esc;
    int rc = str_scan(c, &close, &esc);
    if (rc)
        return rc;
    const char *s = c->p + 1;
    size_t raw = (size_t)(close - s);
    /* Escapes are ASCII, so the raw bytes are valid UTF-8 exactly when the
     * literal text is. */
    if (!rt_utf8_valid(s, raw))
        return rt_jerr(c, RT_EUTF8, c->p, "invalid UTF-8 in a string");
    if (!esc && !copy) {
        out->ptr = s;
        out->len = raw;
    } else {
        char *d = rt_jalloc(c, raw + 1);
        if (!d)
            return RT_ENOMEM;
        size_t n = raw;
        if (esc) {
            if ((rc = str_decode(c, s, close, d, &n)))
                return rc;
        } else {
            memcpy(d, s, raw);
        }
        d[n] = '\0';
        out->ptr = d;
        out->len = n;
    }
    c->p = close + 1;
    return RT_OK;
}

int rt_jstr(rt_jcur *c, rt_str *out)
{
    return read_str(c, out, true);
}

int rt_jkey(rt_jcur *c, rt_str *out)
{
    return read_str(c, out, false);
}

/* Checks a string without keeping it. */
static int skip_str(rt_jcur *c)
{
    const char *close = NULL; /* set by str_scan; initialised for clang's analyzer */
    bool esc = false;
    int rc = str_scan(c, &close, &esc);
    if (rc)
        return rc;
    const char *s = c->p + 1;
    if (!rt_utf8_valid(s, (size_t)(close - s)))
        return rt_jerr(c, RT_EUTF8, c->p, "invalid UTF-8 in a string");
    size_t n;
    if (esc && (rc = str_decode(c, s, close, NULL, &n)))
        return rc;
    c->p = close + 1;
    return RT_OK;
}

/* ---- numbers ------------------------------------------------------------ */

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Checks the JSON number grammar on [s, e) from s; sets *stop at the first
 * byte after the token and *is_int when it has no fraction or exponent.
 * Returns false when s does not start a valid number. */
static bool num_token(const char *s, const char *e, const char **stop, bool *is_int)
{
    const char *q = s;
    if (q < e && *q == '-')
        q++;
    if (q >= e || !is_digit(*q))
        return false;
    if (*q == '0') {
        q++;
    } else {
        while (q < e && is_digit(*q))
            q++;
    }
    bool integer = true;
    if (q < e && *q == '.') {
        q++;
        if (q >= e || !is_digit(*q))
            return false;
        while (q < e && is_digit(*q))
            q++;
        integer = false;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < e && (*q == '+' || *q == '-'))
            q++;
        if (q >= e || !is_digit(*q))
            return false;
        while (q < e && is_digit(*q))
            q++;
        integer = false;
    }
    *stop = q;
    *is_int = integer;
    return true;
}

/* A digit right after a number token ("01") is not JSON either. */
static bool token_ends(const char *q, const char *e)
{
    return q >= e || !(is_digit(*q) || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' ||
                       *q == '-');
}

/* Reads an integer token: *neg and its magnitude (saturated flag). */
static int int_token(rt_jcur *c, const char *what, bool *neg, uint64_t *mag, bool *overflow)
{
    rt_jskip_ws(c);
    if (c->p >= c->end)
        return at_end(c, "the data: expected a number");
    const char *stop;
    bool is_int;
    if (!num_token(c->p, c->end, &stop, &is_int) || !token_ends(stop, c->end)) {
        char b[16];
        return rt_jerr(c, RT_EFORMAT, c->p, "expected %s, found %s", what, describe(c, c->p, b));
    }
    if (!is_int)
        return rt_jerr(c, RT_EFORMAT, c->p, "expected %s, found %.*s", what,
                       (int)((stop - c->p) > 40 ? 40 : (stop - c->p)), c->p);
    const char *q = c->p;
    *neg = *q == '-';
    if (*neg)
        q++;
    uint64_t v = 0;
    bool of = false;
    for (; q < stop; q++) {
        unsigned d = (unsigned)(*q - '0');
        if (v > (UINT64_MAX - d) / 10)
            of = true;
        else
            v = v * 10 + d;
    }
    *mag = v;
    *overflow = of;
    return RT_OK;
}

int rt_ju64(rt_jcur *c, uint64_t *out)
{
    bool neg, of;
    uint64_t m;
    const char *at = (rt_jskip_ws(c), c->p);
    int rc = int_token(c, "an unsigned integer", &neg, &m, &of);
    if (rc)
        return rc;
    if (of || (neg && m != 0))
        return rt_jerr(c, RT_ERANGE, at, "integer out of range for an unsigned 64-bit number");
    const char *stop;
    bool is_int;
    num_token(c->p, c->end, &stop, &is_int);
    c->p = stop;
    *out = m;
    return RT_OK;
}

int rt_ji64(rt_jcur *c, int64_t *out)
{
    bool neg, of;
    uint64_t m;
    const char *at = (rt_jskip_ws(c), c->p);
    int rc = int_token(c, "an integer", &neg, &m, &of);
    if (rc)
        return rc;
    if (of || m > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
        return rt_jerr(c, RT_ERANGE, at, "integer out of range for a signed 64-bit number");
    const char *stop;
    bool is_int;
    num_token(c->p, c->end, &stop, &is_int);
    c->p = stop;
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return RT_OK;
}

/* A JSON number token: serde_json refuses one beyond the f64 range. */
static int token_to_double(rt_jcur *c, const char *s, const char *e, double *out)
{
    if (rt_f64_from_decimal(s, (size_t)(e - s), c->arena, out))
        return RT_ENOMEM;
    if (isinf(*out))
        return rt_jerr(c, RT_ERANGE, s, "number out of range for a 64-bit float");
    return RT_OK;
}

int rt_jf64(rt_jcur *c, double *out)
{
    rt_jskip_ws(c);
    const char *at = c->p;
    if (rt_jnull(c)) {
        c->spelling |= RT_SPELLING_FLOAT_NUMBER;
        *out = NAN;
        return RT_OK;
    }
    if (c->p < c->end && *c->p == '"') { /* the 0.19 dialect: f64::from_str text */
        c->spelling |= RT_SPELLING_FLOAT_TEXT;
        rt_str s;
        int rc = rt_jkey(c, &s);
        if (rc)
            return rc;
        rc = rt_f64_from_text(s.ptr, s.len, c->arena, out);
        if (rc == RT_EFORMAT)
            return rt_jerr(c, RT_EFORMAT, at, "expected a number, found the string \"%.*s\"",
                           (int)(s.len > 40 ? 40 : s.len), s.ptr);
        return rc;
    }
    const char *stop;
    bool is_int;
    if (!num_token(c->p, c->end, &stop, &is_int) || !token_ends(stop, c->end)) {
        char b[16];
        return rt_jerr(c, RT_EFORMAT, c->p, "expected a number, found %s", describe(c, c->p, b));
    }
    int rc = token_to_double(c, c->p, stop, out);
    if (rc)
        return rc;
    c->spelling |= RT_SPELLING_FLOAT_NUMBER;
    c->p = stop;
    return RT_OK;
}

/* Matches a literal word that must not run on into letters. */
static bool word(rt_jcur *c, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
        return false;
    const char *q = c->p + n;
    if (q < c->end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || is_digit(*q)))
        return false;
    c->p = q;
    return true;
}

int rt_jbool(rt_jcur *c, bool *out)
{
    rt_jskip_ws(c);
    if (word(c, "true")) {
        *out = true;
        return RT_OK;
    }
    if (word(c, "false")) {
        *out = false;
        return RT_OK;
    }
    char b[16];
    return rt_jerr(c, RT_EFORMAT, c->p, "expected true or false, found %s", describe(c, c->p, b));
}

bool rt_jnull(rt_jcur *c)
{
    rt_jskip_ws(c);
    return word(c, "null");
}

/* ---- containers --------------------------------------------------------- */

static int begin(rt_jcur *c, char open, char close, const char *what, bool *empty)
{
    rt_jskip_ws(c);
    if (c->p >= c->end)
        return at_end(c, "the data");
    if (*c->p != open) {
        char b[16];
        return rt_jerr(c, RT_EFORMAT, c->p, "expected %s, found %s", what, describe(c, c->p, b));
    }
    c->p++;
    rt_jskip_ws(c);
    *empty = c->p < c->end && *c->p == close;
    if (*empty)
        c->p++;
    return RT_OK;
}

static int next(rt_jcur *c, char close, bool *done)
{
    rt_jskip_ws(c);
    if (c->p < c->end && *c->p == ',') {
        c->p++;
        *done = false;
        return RT_OK;
    }
    if (c->p < c->end && *c->p == close) {
        c->p++;
        *done = true;
        return RT_OK;
    }
    if (c->p >= c->end)
        return at_end(c, close == '}' ? "an object" : "an array");
    char b[16];
    return rt_jerr(c, RT_EFORMAT, c->p, "expected ',' or '%c', found %s", close, describe(c, c->p, b));
}

int rt_jobj_begin(rt_jcur *c, const char *what, bool *empty)
{
    return begin(c, '{', '}', what, empty);
}
int rt_jobj_next(rt_jcur *c, bool *done)
{
    return next(c, '}', done);
}
int rt_jarr_begin(rt_jcur *c, const char *what, bool *empty)
{
    return begin(c, '[', ']', what, empty);
}
int rt_jarr_next(rt_jcur *c, bool *done)
{
    return next(c, ']', done);
}

int rt_jskip(rt_jcur *c, int max_depth)
{
    rt_jskip_ws(c);
    if (c->p >= c->end)
        return at_end(c, "a value");
    bool empty = true, done = false;
    int rc;
    switch (*c->p) {
    case '{':
        if (max_depth <= 0)
            return rt_jerr(c, RT_ELIMIT, c->p, "JSON nested too deeply");
        if ((rc = rt_jobj_begin(c, "an object", &empty)))
            return rc;
        while (!empty && !done) {
            rt_jskip_ws(c);
            if (c->p >= c->end || *c->p != '"')
                return rt_jerr(c, RT_EFORMAT, c->p, "expected a string key");
            if ((rc = skip_str(c)) || (rc = rt_jexpect(c, ':', "after a key")) ||
                (rc = rt_jskip(c, max_depth - 1)) || (rc = rt_jobj_next(c, &done)))
                return rc;
        }
        return RT_OK;
    case '[':
        if (max_depth <= 0)
            return rt_jerr(c, RT_ELIMIT, c->p, "JSON nested too deeply");
        if ((rc = rt_jarr_begin(c, "an array", &empty)))
            return rc;
        while (!empty && !done)
            if ((rc = rt_jskip(c, max_depth - 1)) || (rc = rt_jarr_next(c, &done)))
                return rc;
        return RT_OK;
    case '"':
        return skip_str(c);
    case 't':
    case 'f': {
        bool b;
        return rt_jbool(c, &b);
    }
    case 'n':
        if (rt_jnull(c))
            return RT_OK;
        break;
    default: {
        const char *stop;
        bool is_int;
        if (num_token(c->p, c->end, &stop, &is_int) && token_ends(stop, c->end)) {
            c->p = stop;
            return RT_OK;
        }
    }
    }
    char b[16];
    return rt_jerr(c, RT_EFORMAT, c->p, "expected a JSON value, found %s", describe(c, c->p, b));
}

/* ---- base64 ------------------------------------------------------------- */

int rt_jbase64_decode(rt_jcur *c, rt_str in, const uint8_t **bytes, size_t *len)
{
    *bytes = NULL;
    *len = 0;
    if (in.len % 4)
        return RT_EFORMAT;
    uint8_t *d = rt_jalloc(c, in.len ? in.len / 4 * 3 : 1);
    if (!d)
        return RT_ENOMEM;
    if (!rt_base64_decode(in.ptr, in.len, d, len))
        return RT_EFORMAT;
    *bytes = d;
    return RT_OK;
}
