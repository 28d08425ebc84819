/* JSON parsing primitives over one complete span of text in memory: a
 * cursor, strings, numbers, skipping, errors with byte offsets. The trace
 * decoder hands it one array element at a time; the metadata and paths
 * readers hand it a whole small file. Nothing here builds a tree. */
#ifndef RT_JSON_PARSE_H
#define RT_JSON_PARSE_H

#include "common/arena.h"
#include "common/error.h"

/* A growable stack of fixed-size items that lists are collected on before
 * they get their exact-size copy in the arena (lists nest, so one stack
 * serves every level). */
typedef struct rt_jstack {
    unsigned char *data;
    size_t len, cap;
    const rt_allocator *alloc;
} rt_jstack;

void rt_jstack_init(rt_jstack *s, const rt_allocator *alloc);
void rt_jstack_free(rt_jstack *s);

typedef struct rt_jcur {
    const char *p;          /* next byte */
    const char *end;        /* end of the span */
    const char *base;       /* byte whose file offset is base_offset */
    uint64_t base_offset;
    rt_arena *arena;        /* strings and lists go here */
    rt_jstack *stack;
    rt_err *err;
    const char *name;       /* file name for messages */
    bool has_event;         /* messages name event_index */
    uint64_t event_index;
    bool end_is_eof;        /* running out is RT_ETRUNCATED, not RT_EFORMAT */
    unsigned spelling;      /* rt_spelling bits of what was read */
} rt_jcur;

/* Sets *err to "NAME: event N at byte OFF: message" (or "NAME: byte OFF:
 * message" without an event) for the position at, returns code (through
 * rt_err_code, see common/error.h). */
int rt_jerrf(rt_jcur *c, int code, const char *at, const char *fmt, ...) RT_PRINTF(4, 5);
#define rt_jerr(...) rt_err_code(rt_jerrf(__VA_ARGS__))

static inline bool rt_jws(char ch)
{
    return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
}
static inline void rt_jskip_ws(rt_jcur *c)
{
    while (c->p < c->end && rt_jws(*c->p))
        c->p++;
}
/* Skips whitespace, then expects ch. */
int rt_jexpect(rt_jcur *c, char ch, const char *what);

/* Strings. rt_jstr decodes into the arena (NUL-terminated, may hold NUL).
 * rt_jkey gives the raw bytes when there is no escape (pointing into the
 * span) and decodes otherwise. Invalid UTF-8, raw or through \u escapes
 * (lone surrogates), is RT_EUTF8; a raw control character RT_EFORMAT. */
int rt_jstr(rt_jcur *c, rt_str *out);
int rt_jkey(rt_jcur *c, rt_str *out);

/* Numbers. Integers are exact over their type's full range (RT_ERANGE
 * beyond it); a number with a fraction or exponent where an integer is
 * wanted is RT_EFORMAT. rt_jf64 reads the nearest double of a number, an
 * integer included, and also the forms of FORMAT.md section 4: null (NaN),
 * and "2.5", "inf", "-inf", "nan" as strings. */
int rt_ju64(rt_jcur *c, uint64_t *out);
int rt_ji64(rt_jcur *c, int64_t *out);
int rt_jf64(rt_jcur *c, double *out);
int rt_jbool(rt_jcur *c, bool *out);
/* Consumes the literal null when it is next (after whitespace). */
bool rt_jnull(rt_jcur *c);

/* Skips any JSON value, checking it fully; nesting deeper than max_depth
 * is RT_ELIMIT. */
int rt_jskip(rt_jcur *c, int max_depth);

/* Objects and arrays. Usage:
 *   rt_jobj_begin(c, "what", &empty); while (!empty && !done) { rt_jkey(..);
 *   rt_jexpect(c, ':'); value...; rt_jobj_next(c, &done); } */
int rt_jobj_begin(rt_jcur *c, const char *what, bool *empty);
int rt_jobj_next(rt_jcur *c, bool *done);
int rt_jarr_begin(rt_jcur *c, const char *what, bool *empty);
int rt_jarr_next(rt_jcur *c, bool *done);

/* List collection on c->stack: remember rt_jstack mark = c->stack->len,
 * push items, then rt_jlist_finish copies them to the arena. */
int rt_jpush(rt_jcur *c, const void *item, size_t size);
int rt_jlist_finish(rt_jcur *c, size_t mark, size_t size, const void **items, size_t *len);

/* Allocates n bytes in the arena; RT_ENOMEM with a message when it fails. */
void *rt_jalloc(rt_jcur *c, size_t n);

/* Standard base64 with padding (the form of BigInt.b) into the arena.
 * Returns RT_OK or RT_EFORMAT (message left to the caller). */
int rt_jbase64_decode(rt_jcur *c, rt_str in, const uint8_t **bytes, size_t *len);

#endif
