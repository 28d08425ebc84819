/* TOML 1.0 (https://toml.io/en/v1.0.0): a hand-written reader. The document
 * is checked to be UTF-8 first; then one pass builds the tree. Keys of every
 * table are found through one hash index over (table, key), so a large
 * table costs no quadratic time. */
#include "filter/toml.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/float_text.h"
#include "common/hash.h"
#include "common/utf8.h"

#define MAX_KEY_PARTS RT_TOML_MAX_DEPTH

/* One part of a (dotted) key, decoded. */
typedef struct key_part {
    const char *ptr; /* in the arena, NUL-terminated */
    size_t len;
    rt_toml_pos pos;
} key_part;

typedef struct key_path {
    key_part parts[MAX_KEY_PARTS];
    size_t n;
} key_path;

/* The (table, key) index: an open-addressing table of kv positions. */
typedef struct index_slot {
    const rt_toml_value *table; /* NULL: empty */
    uint32_t idx;               /* into table->u.table.items */
    uint32_t hash;
} index_slot;

typedef struct parser {
    const char *s;
    size_t n, i;
    const char *name;
    rt_err *err;
    rt_arena *arena;
    const rt_allocator *alloc;
    uint32_t line;      /* of s[i] */
    size_t line_start;  /* offset of the line's first byte */
    size_t col_offset;  /* cache: the column of this offset ... */
    uint32_t col;       /* ... is col (both on the current line) */
    rt_toml_value *root, *section;
    uint32_t section_no; /* 1 for the keys before the first header */
    index_slot *slots;
    size_t nslots, used;
    rt_buf sbuf; /* a string being decoded */
    /* the key being read at each nesting level of inline tables (0: a
     * header or a top-level key), made when first needed */
    key_path *paths[RT_TOML_MAX_DEPTH + 1];
} parser;

/* ---- positions and errors ------------------------------------------------ */

static rt_toml_pos pos_at(parser *p, size_t off)
{
    if (off < p->line_start)
        off = p->line_start;
    if (p->col_offset < p->line_start || p->col_offset > off) {
        p->col_offset = p->line_start;
        p->col = 1;
    }
    for (size_t k = p->col_offset; k < off && k < p->n; k++)
        if (((unsigned char)p->s[k] & 0xC0) != 0x80)
            p->col++;
    p->col_offset = off;
    rt_toml_pos pos = {p->line, p->col};
    return pos;
}

static int fail_at_f(parser *p, int code, rt_toml_pos pos, const char *fmt, ...) RT_PRINTF(4, 5);
static int fail_at_f(parser *p, int code, rt_toml_pos pos, const char *fmt, ...)
{
    char msg[RT_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rt_err_set(p->err, code, "%s:%u:%u: %s", p->name, (unsigned)pos.line,
                      (unsigned)pos.col, msg);
}

/* An error is never RT_OK: said where the analyzer sees it (as rt_err_set). */
#define fail_at(...) rt_err_code(fail_at_f(__VA_ARGS__))
#define FAIL(p, off, ...) fail_at((p), RT_EFORMAT, pos_at((p), (off)), __VA_ARGS__)
#define NOMEM(p) fail_at((p), RT_ENOMEM, pos_at((p), (p)->i), "out of memory")

/* A byte shown in a message: the character, or its code. */
static const char *show(parser *p, size_t off, char buf[16])
{
    if (off >= p->n)
        return "end of file";
    unsigned char c = (unsigned char)p->s[off];
    if (c == '\n')
        return "a newline";
    if (c < 0x20 || c == 0x7F)
        snprintf(buf, 16, "U+%04X", c);
    else if (c < 0x80)
        snprintf(buf, 16, "'%c'", c);
    else
        return "a non-ASCII character";
    return buf;
}

/* ---- characters ---------------------------------------------------------- */

static int peek(const parser *p, size_t ahead)
{
    return p->i + ahead < p->n ? (unsigned char)p->s[p->i + ahead] : -1;
}

static bool at_newline(const parser *p)
{
    int c = peek(p, 0);
    return c == '\n' || (c == '\r' && peek(p, 1) == '\n');
}

/* Consumes LF or CRLF (at_newline was true). */
static void take_newline(parser *p)
{
    p->i += p->s[p->i] == '\r' ? 2 : 1;
    p->line++;
    p->line_start = p->i;
}

static void skip_ws(parser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t'))
        p->i++;
}

/* Characters a comment may hold: tab and everything but control characters
 * (a CR only before LF, where the line ends). */
static int skip_comment(parser *p)
{
    if (peek(p, 0) != '#')
        return RT_OK;
    while (p->i < p->n && !at_newline(p)) {
        unsigned char c = (unsigned char)p->s[p->i];
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return FAIL(p, p->i, "control character U+%04X in a comment", c);
        p->i++;
    }
    return RT_OK;
}

/* Whitespace, comments and newlines (inside arrays). */
static int skip_ws_nl(parser *p)
{
    for (;;) {
        skip_ws(p);
        int rc = skip_comment(p);
        if (rc)
            return rc;
        if (!at_newline(p))
            return RT_OK;
        take_newline(p);
    }
}

/* After a key/value pair or a header: whitespace, a comment, then a newline
 * or the end. */
static int end_of_line(parser *p, const char *what)
{
    skip_ws(p);
    int rc = skip_comment(p);
    if (rc)
        return rc;
    if (p->i >= p->n)
        return RT_OK;
    if (!at_newline(p)) {
        char b[16];
        if (p->s[p->i] == '\r')
            return FAIL(p, p->i, "carriage return not followed by a newline");
        return FAIL(p, p->i, "expected a newline after %s, found %s", what, show(p, p->i, b));
    }
    take_newline(p);
    return RT_OK;
}

static bool is_bare_key_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static key_path *path_for(parser *p, size_t level)
{
    if (!p->paths[level])
        p->paths[level] = rt_arena_alloc(p->arena, sizeof(key_path));
    return p->paths[level];
}

/* ---- the tree ------------------------------------------------------------ */

static rt_toml_value *new_value(parser *p, rt_toml_type type, rt_toml_pos pos, size_t depth)
{
    rt_toml_value *v = rt_arena_alloc(p->arena, sizeof *v);
    if (!v)
        return NULL;
    memset(v, 0, sizeof *v);
    v->type = type;
    v->pos = pos;
    v->depth = (uint16_t)depth;
    return v;
}

static char *arena_copy(parser *p, const void *data, size_t len)
{
    char *s = rt_arena_alloc(p->arena, len + 1);
    if (!s)
        return NULL;
    if (len)
        memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

static uint32_t key_hash(const rt_toml_value *table, const char *key, size_t len)
{
    uint64_t h = rt_hash_bytes(key, len) ^ rt_hash_mix((uint64_t)(uintptr_t)table);
    return (uint32_t)(h ^ (h >> 32));
}

static rt_toml_kv *index_find(const parser *p, const rt_toml_value *t, const char *key, size_t len)
{
    if (!p->nslots)
        return NULL;
    uint32_t h = key_hash(t, key, len);
    size_t mask = p->nslots - 1;
    for (size_t k = h & mask;; k = (k + 1) & mask) {
        const index_slot *s = &p->slots[k];
        if (!s->table)
            return NULL;
        if (s->table == t && s->hash == h) {
            rt_toml_kv *kv = &t->u.table.items[s->idx];
            if (kv->key_len == len && memcmp(kv->key, key, len) == 0)
                return kv;
        }
    }
}

static int index_grow(parser *p)
{
    size_t n = p->nslots ? p->nslots * 2 : 64;
    index_slot *slots = rt_malloc(p->alloc, n * sizeof *slots);
    if (!slots)
        return RT_ENOMEM;
    memset(slots, 0, n * sizeof *slots);
    for (size_t k = 0; k < p->nslots; k++) {
        const index_slot *s = &p->slots[k];
        if (!s->table)
            continue;
        size_t j = s->hash & (n - 1);
        while (slots[j].table)
            j = (j + 1) & (n - 1);
        slots[j] = *s;
    }
    rt_free(p->alloc, p->slots, p->nslots * sizeof *p->slots);
    p->slots = slots;
    p->nslots = n;
    return RT_OK;
}

/* Appends key = v to table t (the key is not there yet). */
static int table_add(parser *p, rt_toml_value *t, const key_part *key, rt_toml_value *v)
{
    if (t->u.table.len == t->u.table.cap) {
        size_t cap = t->u.table.cap ? t->u.table.cap * 2 : 4;
        rt_toml_kv *items = rt_arena_alloc(p->arena, cap * sizeof *items);
        if (!items)
            return NOMEM(p);
        if (t->u.table.len)
            memcpy(items, t->u.table.items, t->u.table.len * sizeof *items);
        t->u.table.items = items;
        t->u.table.cap = cap;
    }
    if ((p->used + 1) * 2 > p->nslots && index_grow(p))
        return NOMEM(p);
    size_t idx = t->u.table.len++;
    rt_toml_kv *kv = &t->u.table.items[idx];
    kv->key = key->ptr;
    kv->key_len = key->len;
    kv->pos = key->pos;
    kv->value = v;
    uint32_t h = key_hash(t, key->ptr, key->len);
    size_t j = h & (p->nslots - 1);
    while (p->slots[j].table)
        j = (j + 1) & (p->nslots - 1);
    p->slots[j].table = t;
    p->slots[j].idx = (uint32_t)idx;
    p->slots[j].hash = h;
    p->used++;
    return RT_OK;
}

static int array_add(parser *p, rt_toml_value *a, rt_toml_value *v)
{
    if (a->u.array.len == a->u.array.cap) {
        size_t cap = a->u.array.cap ? a->u.array.cap * 2 : 4;
        rt_toml_value **items = rt_arena_alloc(p->arena, cap * sizeof(rt_toml_value *));
        if (!items)
            return NOMEM(p);
        if (a->u.array.len)
            memcpy(items, a->u.array.items, a->u.array.len * sizeof(rt_toml_value *));
        a->u.array.items = items;
        a->u.array.cap = cap;
    }
    a->u.array.items[a->u.array.len++] = v;
    return RT_OK;
}

/* "a.b.c" of the first n parts, for messages (cut to fit). */
static const char *key_text(const key_path *k, size_t n, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len + 1 < cap; i++) {
        int w = snprintf(buf + len, cap - len, "%s%s", i ? "." : "", k->parts[i].ptr);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    return buf;
}

static const char *what_is(const rt_toml_value *v)
{
    if (v->type == RT_TOML_TABLE)
        return v->flags & RT_TOML_FROZEN ? "an inline table" : "a table";
    if (v->type == RT_TOML_ARRAY)
        return v->flags & RT_TOML_TABLES ? "an array of tables" : "an array";
    switch (v->type) {
    case RT_TOML_STRING: return "a string";
    case RT_TOML_INTEGER: return "an integer";
    case RT_TOML_FLOAT: return "a float";
    case RT_TOML_BOOL: return "a boolean";
    default: return "a date-time";
    }
}

/* ---- strings ------------------------------------------------------------- */

static int put(parser *p, const void *data, size_t len)
{
    return rt_buf_append(&p->sbuf, data, len) ? NOMEM(p) : RT_OK;
}

/* An escape after the backslash at p->i - 1 (not a line-ending one). */
static int escape(parser *p)
{
    size_t at = p->i - 1;
    int c = peek(p, 0);
    char ch;
    switch (c) {
    case 'b': ch = '\b'; break;
    case 't': ch = '\t'; break;
    case 'n': ch = '\n'; break;
    case 'f': ch = '\f'; break;
    case 'r': ch = '\r'; break;
    case '"': ch = '"'; break;
    case '\\': ch = '\\'; break;
    case 'u':
    case 'U': {
        size_t digits = c == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (size_t k = 1; k <= digits; k++) {
            int h = hex_value(peek(p, k));
            if (h < 0)
                return FAIL(p, at, "\\%c needs %zu hex digits", c, digits);
            cp = cp << 4 | (uint32_t)h;
        }
        if (!rt_utf8_scalar_valid(cp))
            return FAIL(p, at, "\\%c%0*X is not a Unicode scalar value", c, (int)digits, cp);
        char u[4];
        p->i += 1 + digits;
        return put(p, u, rt_utf8_encode(cp, u));
    }
    default: {
        char b[16];
        if (c >= 0x20 && c < 0x7F)
            return FAIL(p, at, "invalid escape \\%c", c);
        return FAIL(p, at, "invalid escape: a backslash before %s", show(p, p->i, b));
    }
    }
    p->i++;
    return put(p, &ch, 1);
}

/* A character that may not appear raw in a string: control characters
 * except tab (newlines are handled by the callers). */
static bool is_raw_forbidden(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7F;
}

/* Copies the decoded string to the arena as a value or key part. */
static int finish_string(parser *p, const char **ptr, size_t *len)
{
    char *s = arena_copy(p, p->sbuf.data, p->sbuf.len);
    if (!s)
        return NOMEM(p);
    *ptr = s;
    *len = p->sbuf.len;
    return RT_OK;
}

/* A closing run of quotes in a multi-line string at p->i: returns 1 and
 * consumes it when it ends the string (3 to 5 quotes: the ones before the
 * last three belong to the content), 0 when it is content (1 or 2 quotes,
 * consumed and kept), or an error (6 or more). */
static int quote_run(parser *p, char q)
{
    size_t run = 0;
    while (peek(p, run) == q)
        run++;
    if (run < 3) {
        int rc = put(p, p->s + p->i, run);
        p->i += run;
        return rc ? rc : 0;
    }
    if (run > 5)
        return FAIL(p, p->i, "too many quotes (%zu) at the end of a multi-line string", run);
    int rc = put(p, p->s + p->i, run - 3);
    p->i += run;
    return rc ? rc : 1;
}

/* A string starting at p->i ('"' or '\''), single- or multi-line. Keys pass
 * allow_multi = false. */
static int parse_string(parser *p, bool allow_multi, const char **ptr, size_t *len)
{
    char q = p->s[p->i];
    size_t start = p->i;
    rt_toml_pos spos = pos_at(p, start); /* an unterminated string may end lines later */
    bool multi = peek(p, 1) == q && peek(p, 2) == q;
    p->sbuf.len = 0;
    if (multi && !allow_multi)
        return FAIL(p, start, "a multi-line string cannot be a key");
    if (!multi) {
        p->i++;
        for (;;) {
            int c = peek(p, 0);
            if (c == -1 || c == '\n' || c == '\r')
                return fail_at(p, RT_EFORMAT, spos, "unterminated string");
            if (c == q) {
                p->i++;
                return finish_string(p, ptr, len);
            }
            if (c == '\\' && q == '"') {
                p->i++;
                int rc = escape(p);
                if (rc)
                    return rc;
                continue;
            }
            if (is_raw_forbidden((unsigned char)c))
                return FAIL(p, p->i, "control character U+%04X in a string", c);
            int rc = put(p, p->s + p->i, 1);
            if (rc)
                return rc;
            p->i++;
        }
    }
    p->i += 3;
    if (at_newline(p)) /* the newline right after the opening quotes is trimmed */
        take_newline(p);
    for (;;) {
        int c = peek(p, 0);
        if (c == -1)
            return fail_at(p, RT_EFORMAT, spos, "unterminated multi-line string");
        if (c == q) {
            int rc = quote_run(p, q);
            if (rc < 0)
                return rc;
            if (rc == 1)
                return finish_string(p, ptr, len);
            continue;
        }
        if (at_newline(p)) {
            take_newline(p);
            int rc = put(p, "\n", 1);
            if (rc)
                return rc;
            continue;
        }
        if (c == '\\' && q == '"') {
            /* a line-ending backslash: whitespace, a newline, then all
             * whitespace and newlines up to the next character go */
            size_t k = 1;
            while (peek(p, k) == ' ' || peek(p, k) == '\t')
                k++;
            int nc = peek(p, k);
            if (nc == '\n' || (nc == '\r' && peek(p, k + 1) == '\n')) {
                p->i += k;
                while (at_newline(p) || peek(p, 0) == ' ' || peek(p, 0) == '\t') {
                    if (at_newline(p))
                        take_newline(p);
                    else
                        p->i++;
                }
                continue;
            }
            p->i++;
            int rc = escape(p);
            if (rc)
                return rc;
            continue;
        }
        if (is_raw_forbidden((unsigned char)c))
            return FAIL(p, p->i, c == '\r' ? "carriage return not followed by a newline"
                                           : "control character U+%04X in a string", c);
        int rc = put(p, p->s + p->i, 1);
        if (rc)
            return rc;
        p->i++;
    }
}

/* ---- keys ---------------------------------------------------------------- */

static int parse_key(parser *p, key_path *k)
{
    k->n = 0;
    for (;;) {
        skip_ws(p);
        if (k->n == MAX_KEY_PARTS)
            return fail_at(p, RT_ELIMIT, pos_at(p, p->i), "key has more than %d parts",
                           MAX_KEY_PARTS);
        key_part *part = &k->parts[k->n];
        part->pos = pos_at(p, p->i);
        int c = peek(p, 0);
        if (c == '"' || c == '\'') {
            int rc = parse_string(p, false, &part->ptr, &part->len);
            if (rc)
                return rc;
        } else if (is_bare_key_char(c)) {
            size_t start = p->i;
            while (is_bare_key_char(peek(p, 0)))
                p->i++;
            part->ptr = arena_copy(p, p->s + start, p->i - start);
            if (!part->ptr)
                return NOMEM(p);
            part->len = p->i - start;
        } else {
            char b[16];
            return FAIL(p, p->i, "expected a key, found %s", show(p, p->i, b));
        }
        k->n++;
        skip_ws(p);
        if (peek(p, 0) != '.')
            return RT_OK;
        p->i++;
    }
}

/* ---- numbers and date-times --------------------------------------------- */

/* Digits of base with '_' only between two digits, from p->i; at least one.
 * Accumulates into *value (unsigned), *overflow set past limit. */
static int digits(parser *p, unsigned base, uint64_t limit, uint64_t *value, bool *overflow,
                  const char *what)
{
    size_t start = p->i;
    bool last_digit = false;
    for (;;) {
        int c = peek(p, 0);
        int d = hex_value(c);
        if (d >= 0 && (unsigned)d < base) {
            if (*value > (limit - (unsigned)d) / base)
                *overflow = true;
            else
                *value = *value * base + (unsigned)d;
            last_digit = true;
            p->i++;
        } else if (c == '_') {
            if (!last_digit || hex_value(peek(p, 1)) < 0 || (unsigned)hex_value(peek(p, 1)) >= base)
                return FAIL(p, p->i, "'_' in %s must be between two digits", what);
            last_digit = false;
            p->i++;
        } else {
            break;
        }
    }
    if (p->i == start)
        return FAIL(p, p->i, "expected a digit in %s", what);
    return RT_OK;
}

/* Whether the character after a scalar may end it. */
static bool is_value_end(const parser *p)
{
    int c = peek(p, 0);
    return c == -1 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#' || c == ',' ||
           c == ']' || c == '}';
}

static int value_end(parser *p, const char *what)
{
    if (is_value_end(p))
        return RT_OK;
    char b[16];
    return FAIL(p, p->i, "unexpected %s after %s", show(p, p->i, b), what);
}

static int parse_special_float(parser *p, rt_toml_value *v, size_t start)
{
    bool neg = p->s[p->i] == '-';
    if (p->s[p->i] == '+' || p->s[p->i] == '-')
        p->i++;
    if (p->n - p->i >= 3 && memcmp(p->s + p->i, "inf", 3) == 0)
        v->u.flt = neg ? -INFINITY : INFINITY;
    else if (p->n - p->i >= 3 && memcmp(p->s + p->i, "nan", 3) == 0)
        v->u.flt = neg ? -NAN : NAN;
    else
        return FAIL(p, start, "expected a value (inf or nan?)");
    p->i += 3;
    v->type = RT_TOML_FLOAT;
    return value_end(p, "a float");
}

/* An integer or a float at p->i (a sign, a digit). */
static int parse_number(parser *p, rt_toml_value *v)
{
    size_t start = p->i;
    int c = peek(p, 0);
    if ((c == '+' || c == '-') && (peek(p, 1) == 'i' || peek(p, 1) == 'n'))
        return parse_special_float(p, v, start);
    if (c == '0' && (peek(p, 1) == 'x' || peek(p, 1) == 'o' || peek(p, 1) == 'b')) {
        unsigned base = peek(p, 1) == 'x' ? 16 : peek(p, 1) == 'o' ? 8 : 2;
        p->i += 2;
        uint64_t value = 0;
        bool overflow = false;
        int rc = digits(p, base, (uint64_t)INT64_MAX, &value, &overflow,
                        base == 16 ? "a hexadecimal integer" : base == 8 ? "an octal integer"
                                                                         : "a binary integer");
        if (rc)
            return rc;
        if (overflow)
            return FAIL(p, start, "integer out of the 64-bit range");
        v->type = RT_TOML_INTEGER;
        v->u.integer = (int64_t)value;
        return value_end(p, "an integer");
    }
    bool neg = c == '-';
    if (c == '+' || c == '-') {
        p->i++;
        if (peek(p, 0) == '0' && (peek(p, 1) == 'x' || peek(p, 1) == 'o' || peek(p, 1) == 'b'))
            return FAIL(p, start, "a signed integer cannot have a base prefix");
    }
    size_t int_start = p->i;
    uint64_t value = 0;
    bool overflow = false;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    int rc = digits(p, 10, limit, &value, &overflow, "a number");
    if (rc)
        return rc;
    if (p->s[int_start] == '0' && p->i - int_start > 1)
        return FAIL(p, int_start, "leading zeros are not allowed");
    bool is_float = false;
    if (peek(p, 0) == '.') {
        p->i++;
        uint64_t ignored = 0;
        bool ovf = false;
        if (!is_digit(peek(p, 0)))
            return FAIL(p, p->i, "expected a digit after the decimal point");
        rc = digits(p, 10, UINT64_MAX, &ignored, &ovf, "a float");
        if (rc)
            return rc;
        is_float = true;
    }
    if (peek(p, 0) == 'e' || peek(p, 0) == 'E') {
        p->i++;
        if (peek(p, 0) == '+' || peek(p, 0) == '-')
            p->i++;
        uint64_t ignored = 0;
        bool ovf = false;
        if (!is_digit(peek(p, 0)))
            return FAIL(p, p->i, "expected a digit in the exponent");
        rc = digits(p, 10, UINT64_MAX, &ignored, &ovf, "an exponent");
        if (rc)
            return rc;
        is_float = true;
    }
    if (!is_float) {
        if (overflow)
            return FAIL(p, start, "integer out of the 64-bit range");
        v->type = RT_TOML_INTEGER;
        if (!neg)
            v->u.integer = (int64_t)value;
        else
            v->u.integer = value > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)value;
        return value_end(p, "an integer");
    }
    /* The text without '_' and a leading '+' to the decimal reader. */
    size_t from = p->s[start] == '+' ? start + 1 : start;
    p->sbuf.len = 0;
    for (size_t k = from; k < p->i; k++)
        if (p->s[k] != '_' && (rc = put(p, p->s + k, 1)))
            return rc;
    rt_arena scratch;
    rt_arena_init(&scratch, p->alloc, 256);
    rc = rt_f64_from_decimal((const char *)p->sbuf.data, p->sbuf.len, &scratch, &v->u.flt);
    rt_arena_free(&scratch);
    if (rc)
        return NOMEM(p);
    v->type = RT_TOML_FLOAT;
    return value_end(p, "a float");
}

/* n decimal digits at p->i into *out. */
static bool fixed_digits(parser *p, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t k = 0; k < n; k++) {
        int c = peek(p, k);
        if (!is_digit(c))
            return false;
        v = v * 10 + (unsigned)(c - '0');
    }
    p->i += n;
    *out = v;
    return true;
}

/* HH:MM:SS[.fraction] at p->i. */
static int parse_time(parser *p)
{
    size_t start = p->i;
    unsigned h, m, s;
    if (!fixed_digits(p, 2, &h) || peek(p, 0) != ':')
        return FAIL(p, start, "malformed time (expected HH:MM:SS)");
    p->i++;
    if (!fixed_digits(p, 2, &m) || peek(p, 0) != ':')
        return FAIL(p, start, "malformed time (expected HH:MM:SS)");
    p->i++;
    if (!fixed_digits(p, 2, &s))
        return FAIL(p, start, "malformed time (expected HH:MM:SS)");
    if (h > 23 || m > 59 || s > 60)
        return FAIL(p, start, "time out of range");
    if (peek(p, 0) == '.') {
        p->i++;
        if (!is_digit(peek(p, 0)))
            return FAIL(p, p->i, "expected a digit after the decimal point of a time");
        while (is_digit(peek(p, 0)))
            p->i++;
    }
    return RT_OK;
}

static bool leap_year(unsigned y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* A date, date-time or time at p->i (its shape was seen by the caller). */
static int parse_datetime(parser *p, rt_toml_value *v)
{
    size_t start = p->i;
    v->type = RT_TOML_DATETIME;
    if (is_digit(peek(p, 0)) && is_digit(peek(p, 1)) && peek(p, 2) == ':') {
        int rc = parse_time(p);
        if (rc)
            return rc;
        v->u.datetime = RT_TOML_LOCAL_TIME;
        return value_end(p, "a time");
    }
    unsigned y, mo, d;
    if (!fixed_digits(p, 4, &y) || peek(p, 0) != '-')
        return FAIL(p, start, "malformed date (expected YYYY-MM-DD)");
    p->i++;
    if (!fixed_digits(p, 2, &mo) || peek(p, 0) != '-')
        return FAIL(p, start, "malformed date (expected YYYY-MM-DD)");
    p->i++;
    if (!fixed_digits(p, 2, &d))
        return FAIL(p, start, "malformed date (expected YYYY-MM-DD)");
    static const unsigned days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] || (mo == 2 && d == 29 && !leap_year(y)))
        return FAIL(p, start, "date out of range");
    int c = peek(p, 0);
    bool has_time = c == 'T' || c == 't' ||
                    (c == ' ' && is_digit(peek(p, 1)) && is_digit(peek(p, 2)) && peek(p, 3) == ':');
    if (!has_time) {
        v->u.datetime = RT_TOML_LOCAL_DATE;
        return value_end(p, "a date");
    }
    p->i++;
    int rc = parse_time(p);
    if (rc)
        return rc;
    c = peek(p, 0);
    if (c == 'Z' || c == 'z') {
        p->i++;
        v->u.datetime = RT_TOML_OFFSET_DATETIME;
    } else if (c == '+' || c == '-') {
        size_t at = p->i++;
        unsigned oh, om;
        if (!fixed_digits(p, 2, &oh) || peek(p, 0) != ':')
            return FAIL(p, at, "malformed time offset (expected +HH:MM)");
        p->i++;
        if (!fixed_digits(p, 2, &om) || oh > 23 || om > 59)
            return FAIL(p, at, "malformed time offset (expected +HH:MM)");
        v->u.datetime = RT_TOML_OFFSET_DATETIME;
    } else {
        v->u.datetime = RT_TOML_LOCAL_DATETIME;
    }
    return value_end(p, "a date-time");
}

/* ---- values -------------------------------------------------------------- */

static int parse_value(parser *p, size_t depth, rt_toml_value **out);
static int insert_kv(parser *p, rt_toml_value *t, const key_path *k, rt_toml_value *v);

static int parse_array(parser *p, rt_toml_value *a, size_t depth)
{
    a->type = RT_TOML_ARRAY;
    a->flags = RT_TOML_FROZEN;
    p->i++;
    for (;;) {
        int rc = skip_ws_nl(p);
        if (rc)
            return rc;
        if (peek(p, 0) == ']') {
            p->i++;
            return RT_OK;
        }
        rt_toml_value *item = NULL;
        rc = parse_value(p, depth + 1, &item);
        if (rc)
            return rc;
        if ((rc = array_add(p, a, item)))
            return rc;
        if ((rc = skip_ws_nl(p)))
            return rc;
        int c = peek(p, 0);
        if (c == ',') {
            p->i++;
            continue;
        }
        if (c == ']') {
            p->i++;
            return RT_OK;
        }
        char b[16];
        return FAIL(p, p->i, "expected ',' or ']' in an array, found %s", show(p, p->i, b));
    }
}

static int parse_inline_table(parser *p, rt_toml_value *t, size_t depth)
{
    t->type = RT_TOML_TABLE;
    p->i++;
    skip_ws(p);
    if (peek(p, 0) == '}') {
        p->i++;
        t->flags = RT_TOML_FROZEN;
        return RT_OK;
    }
    key_path *k = path_for(p, depth);
    if (!k)
        return NOMEM(p);
    for (;;) {
        int rc = parse_key(p, k);
        if (rc)
            return rc;
        if (depth + k->n > RT_TOML_MAX_DEPTH)
            return fail_at(p, RT_ELIMIT, k->parts[0].pos, "nesting deeper than %d levels",
                           RT_TOML_MAX_DEPTH);
        if (peek(p, 0) != '=') {
            char b[16];
            return FAIL(p, p->i, "expected '=' after a key, found %s", show(p, p->i, b));
        }
        p->i++;
        skip_ws(p);
        rt_toml_value *v = NULL;
        if ((rc = parse_value(p, depth + k->n, &v)))
            return rc;
        if ((rc = insert_kv(p, t, k, v)))
            return rc;
        skip_ws(p);
        int c = peek(p, 0);
        if (c == '}') {
            p->i++;
            t->flags = RT_TOML_FROZEN;
            return RT_OK;
        }
        if (c != ',') {
            char b[16];
            return FAIL(p, p->i, "expected ',' or '}' in an inline table, found %s%s",
                        show(p, p->i, b), at_newline(p) ? " (an inline table is one line)" : "");
        }
        p->i++;
        skip_ws(p);
        if (peek(p, 0) == '}')
            return FAIL(p, p->i, "trailing comma in an inline table");
    }
}

static int parse_value(parser *p, size_t depth, rt_toml_value **out)
{
    if (depth > RT_TOML_MAX_DEPTH)
        return fail_at(p, RT_ELIMIT, pos_at(p, p->i), "nesting deeper than %d levels",
                       RT_TOML_MAX_DEPTH);
    rt_toml_value *v = new_value(p, RT_TOML_STRING, pos_at(p, p->i), depth);
    if (!v)
        return NOMEM(p);
    *out = v;
    int c = peek(p, 0);
    char b[16];
    switch (c) {
    case '"':
    case '\'': {
        int rc = parse_string(p, true, &v->u.str.ptr, &v->u.str.len);
        return rc ? rc : value_end(p, "a string");
    }
    case '[':
        return parse_array(p, v, depth);
    case '{':
        return parse_inline_table(p, v, depth);
    case 't':
    case 'f': {
        const char *word = c == 't' ? "true" : "false";
        size_t len = strlen(word);
        if (p->n - p->i < len || memcmp(p->s + p->i, word, len) != 0)
            return FAIL(p, p->i, "expected a value, found %s (strings need quotes)",
                        show(p, p->i, b));
        p->i += len;
        v->type = RT_TOML_BOOL;
        v->u.boolean = c == 't';
        return value_end(p, "a boolean");
    }
    case 'i':
    case 'n':
        return parse_special_float(p, v, p->i);
    default:
        break;
    }
    if (is_digit(c)) {
        bool date = is_digit(peek(p, 1)) && is_digit(peek(p, 2)) && is_digit(peek(p, 3)) &&
                    peek(p, 4) == '-';
        bool time = is_digit(peek(p, 1)) && peek(p, 2) == ':';
        if (date || time)
            return parse_datetime(p, v);
        return parse_number(p, v);
    }
    if (c == '+' || c == '-')
        return parse_number(p, v);
    if (c == -1 || at_newline(p))
        return FAIL(p, p->i, "expected a value, found %s", show(p, p->i, b));
    return FAIL(p, p->i, "expected a value, found %s%s", show(p, p->i, b),
                is_bare_key_char(c) ? " (strings need quotes)" : "");
}

/* ---- key/value pairs and headers ---------------------------------------- */

/* k = v in table t (the section's table, or an inline table being read):
 * the parts before the last walk or make tables, which dotted keys may
 * only extend within the section that made them. */
static int insert_kv(parser *p, rt_toml_value *t, const key_path *k, rt_toml_value *v)
{
    char kt[256];
    for (size_t i = 0; i + 1 < k->n; i++) {
        const key_part *part = &k->parts[i];
        rt_toml_kv *kv = index_find(p, t, part->ptr, part->len);
        if (!kv) {
            rt_toml_value *nt = new_value(p, RT_TOML_TABLE, part->pos, t->depth + 1u);
            if (!nt)
                return NOMEM(p);
            nt->dotted_section = p->section_no;
            int rc = table_add(p, t, part, nt);
            if (rc)
                return rc;
            t = nt;
            continue;
        }
        rt_toml_value *e = kv->value;
        if (e->type != RT_TOML_TABLE || (e->flags & RT_TOML_FROZEN))
            return fail_at(p, RT_EFORMAT, part->pos,
                           "key '%s' is %s (line %u) and cannot be extended by a dotted key",
                           key_text(k, i + 1, kt, sizeof kt), what_is(e), (unsigned)kv->pos.line);
        if (e->flags & RT_TOML_HEADER)
            return fail_at(p, RT_EFORMAT, part->pos,
                           "table '%s' is defined by a [header] (line %u); a dotted key cannot "
                           "extend it",
                           key_text(k, i + 1, kt, sizeof kt), (unsigned)e->pos.line);
        if (e->dotted_section && e->dotted_section != p->section_no)
            return fail_at(p, RT_EFORMAT, part->pos,
                           "table '%s' was defined by dotted keys in another section (line %u)",
                           key_text(k, i + 1, kt, sizeof kt), (unsigned)kv->pos.line);
        e->dotted_section = p->section_no;
        t = e;
    }
    const key_part *last = &k->parts[k->n - 1];
    rt_toml_kv *kv = index_find(p, t, last->ptr, last->len);
    if (kv)
        return fail_at(p, RT_EFORMAT, last->pos, "key '%s' defined twice (first at line %u)",
                       key_text(k, k->n, kt, sizeof kt), (unsigned)kv->pos.line);
    return table_add(p, t, last, v);
}

static int parse_keyval(parser *p)
{
    key_path *k = path_for(p, 0);
    if (!k)
        return NOMEM(p);
    int rc = parse_key(p, k);
    if (rc)
        return rc;
    size_t depth = p->section->depth + k->n;
    if (depth > RT_TOML_MAX_DEPTH)
        return fail_at(p, RT_ELIMIT, k->parts[0].pos, "nesting deeper than %d levels",
                       RT_TOML_MAX_DEPTH);
    if (peek(p, 0) != '=') {
        char b[16];
        return FAIL(p, p->i, "expected '=' after a key, found %s", show(p, p->i, b));
    }
    p->i++;
    skip_ws(p);
    rt_toml_value *v = NULL;
    if ((rc = parse_value(p, depth, &v)))
        return rc;
    if ((rc = insert_kv(p, p->section, k, v)))
        return rc;
    return end_of_line(p, "a value");
}

static int too_deep(parser *p, rt_toml_pos pos)
{
    return fail_at(p, RT_ELIMIT, pos, "nesting deeper than %d levels", RT_TOML_MAX_DEPTH);
}

/* [a.b.c] or [[a.b.c]] at p->i. */
static int parse_header(parser *p)
{
    rt_toml_pos hpos = pos_at(p, p->i);
    bool tables = peek(p, 1) == '[';
    p->i += tables ? 2 : 1;
    key_path *k = path_for(p, 0);
    if (!k)
        return NOMEM(p);
    int rc = parse_key(p, k);
    if (rc)
        return rc;
    if (k->n > RT_TOML_MAX_DEPTH - 1)
        return fail_at(p, RT_ELIMIT, k->parts[0].pos, "nesting deeper than %d levels",
                       RT_TOML_MAX_DEPTH);
    if (peek(p, 0) != ']' || (tables && peek(p, 1) != ']')) {
        char b[16];
        return FAIL(p, p->i, "expected '%s' to close the header, found %s", tables ? "]]" : "]",
                    show(p, p->i, b));
    }
    p->i += tables ? 2 : 1;
    if ((rc = end_of_line(p, "a table header")))
        return rc;
    p->section_no++;
    char kt[256];
    rt_toml_value *t = p->root;
    for (size_t i = 0; i + 1 < k->n; i++) {
        const key_part *part = &k->parts[i];
        rt_toml_kv *kv = index_find(p, t, part->ptr, part->len);
        if (!kv) {
            if (t->depth + 1u > RT_TOML_MAX_DEPTH)
                return too_deep(p, hpos);
            rt_toml_value *nt = new_value(p, RT_TOML_TABLE, part->pos, t->depth + 1u);
            if (!nt)
                return NOMEM(p);
            if ((rc = table_add(p, t, part, nt)))
                return rc;
            t = nt;
            continue;
        }
        rt_toml_value *e = kv->value;
        if (e->type == RT_TOML_TABLE && !(e->flags & RT_TOML_FROZEN)) {
            t = e;
        } else if (e->type == RT_TOML_ARRAY && (e->flags & RT_TOML_TABLES)) {
            t = e->u.array.items[e->u.array.len - 1];
        } else {
            return fail_at(p, RT_EFORMAT, part->pos, "key '%s' is %s (line %u), not a table",
                           key_text(k, i + 1, kt, sizeof kt), what_is(e), (unsigned)kv->pos.line);
        }
    }
    const key_part *last = &k->parts[k->n - 1];
    rt_toml_kv *kv = index_find(p, t, last->ptr, last->len);
    rt_toml_value *e = kv ? kv->value : NULL;
    if (tables) {
        rt_toml_value *array = e;
        if (t->depth + 2u > RT_TOML_MAX_DEPTH)
            return too_deep(p, hpos);
        if (!e) {
            array = new_value(p, RT_TOML_ARRAY, last->pos, t->depth + 1u);
            if (!array)
                return NOMEM(p);
            array->flags = RT_TOML_TABLES;
            if ((rc = table_add(p, t, last, array)))
                return rc;
        } else if (e->type != RT_TOML_ARRAY || !(e->flags & RT_TOML_TABLES)) {
            return fail_at(p, RT_EFORMAT, last->pos,
                           "[[%s]]: the key is already %s (line %u)",
                           key_text(k, k->n, kt, sizeof kt), what_is(e), (unsigned)kv->pos.line);
        }
        rt_toml_value *nt = new_value(p, RT_TOML_TABLE, hpos, array->depth + 1u);
        if (!nt)
            return NOMEM(p);
        nt->flags = RT_TOML_HEADER;
        if ((rc = array_add(p, array, nt)))
            return rc;
        p->section = nt;
        return RT_OK;
    }
    if (!e) {
        if (t->depth + 1u > RT_TOML_MAX_DEPTH)
            return too_deep(p, hpos);
        rt_toml_value *nt = new_value(p, RT_TOML_TABLE, hpos, t->depth + 1u);
        if (!nt)
            return NOMEM(p);
        nt->flags = RT_TOML_HEADER;
        key_part at = *last;
        at.pos = hpos;
        if ((rc = table_add(p, t, &at, nt)))
            return rc;
        p->section = nt;
        return RT_OK;
    }
    if (e->type != RT_TOML_TABLE || (e->flags & RT_TOML_FROZEN))
        return fail_at(p, RT_EFORMAT, last->pos, "[%s]: the key is already %s (line %u)",
                       key_text(k, k->n, kt, sizeof kt), what_is(e), (unsigned)kv->pos.line);
    if (e->flags & RT_TOML_HEADER)
        return fail_at(p, RT_EFORMAT, last->pos, "table [%s] defined twice (first at line %u)",
                       key_text(k, k->n, kt, sizeof kt), (unsigned)e->pos.line);
    if (e->dotted_section)
        return fail_at(p, RT_EFORMAT, last->pos,
                       "table [%s] was already defined by dotted keys (line %u)",
                       key_text(k, k->n, kt, sizeof kt), (unsigned)kv->pos.line);
    e->flags |= RT_TOML_HEADER;
    e->pos = hpos;
    kv->pos = hpos;
    p->section = e;
    return RT_OK;
}

/* ---- the document -------------------------------------------------------- */

/* Offset of the first byte that is not part of valid UTF-8, or n. */
static size_t utf8_invalid_at(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (len > n - i || !rt_utf8_valid_slow((const unsigned char *)s + i, len))
            return i;
        i += len;
    }
    return n;
}

static int parse_document(parser *p)
{
    if (p->n >= 3 && memcmp(p->s, "\xEF\xBB\xBF", 3) == 0) /* a byte order mark */
        p->i = p->line_start = 3;
    for (;;) {
        skip_ws(p);
        int rc = skip_comment(p);
        if (rc)
            return rc;
        if (p->i >= p->n)
            return RT_OK;
        if (at_newline(p)) {
            take_newline(p);
            continue;
        }
        if (p->s[p->i] == '[')
            rc = parse_header(p);
        else if (p->s[p->i] == '\r')
            rc = FAIL(p, p->i, "carriage return not followed by a newline");
        else
            rc = parse_keyval(p);
        if (rc)
            return rc;
    }
}

int rt_toml_parse(rt_toml_doc *doc, const char *src, size_t len, const char *name,
                  const rt_allocator *alloc, rt_err *err)
{
    alloc = rt_alloc_or_default(alloc);
    rt_arena_init(&doc->arena, alloc, 4096);
    doc->root = NULL;
    parser p;
    memset(&p, 0, sizeof p);
    p.s = src;
    p.n = len;
    p.name = name ? name : "<toml>";
    p.err = err;
    p.arena = &doc->arena;
    p.alloc = alloc;
    p.line = 1;
    p.col = 1;
    p.section_no = 1;
    rt_buf_init(&p.sbuf, alloc);
    int rc;
    if (len > RT_TOML_MAX_SIZE) {
        rc = rt_err_set(err, RT_ELIMIT, "%s: %zu bytes, more than the %u a filter file may have",
                        p.name, len, (unsigned)RT_TOML_MAX_SIZE);
    } else if (utf8_invalid_at(src, len) < len) {
        size_t bad = utf8_invalid_at(src, len);
        for (size_t k = 0; k < bad; k++)
            if (src[k] == '\n') {
                p.line++;
                p.line_start = k + 1;
            }
        rc = FAIL(&p, bad, "invalid UTF-8");
    } else {
        p.root = new_value(&p, RT_TOML_TABLE, pos_at(&p, 0), 0);
        p.section = p.root;
        rc = p.root ? parse_document(&p) : NOMEM(&p);
    }
    rt_buf_free(&p.sbuf);
    rt_free(alloc, p.slots, p.nslots * sizeof *p.slots);
    if (rc) {
        rt_arena_free(&doc->arena);
        return rc;
    }
    doc->root = p.root;
    return RT_OK;
}

void rt_toml_doc_free(rt_toml_doc *doc)
{
    if (!doc)
        return;
    rt_arena_free(&doc->arena);
    doc->root = NULL;
}

const rt_toml_kv *rt_toml_get(const rt_toml_value *table, const char *key)
{
    if (!table || table->type != RT_TOML_TABLE)
        return NULL;
    size_t len = strlen(key);
    for (size_t i = 0; i < table->u.table.len; i++) {
        const rt_toml_kv *kv = &table->u.table.items[i];
        if (kv->key_len == len && memcmp(kv->key, key, len) == 0)
            return kv;
    }
    return NULL;
}

const char *rt_toml_type_name(rt_toml_type type)
{
    switch (type) {
    case RT_TOML_STRING: return "string";
    case RT_TOML_INTEGER: return "integer";
    case RT_TOML_FLOAT: return "float";
    case RT_TOML_BOOL: return "boolean";
    case RT_TOML_DATETIME: return "date-time";
    case RT_TOML_ARRAY: return "array";
    case RT_TOML_TABLE: return "table";
    }
    return "value";
}
