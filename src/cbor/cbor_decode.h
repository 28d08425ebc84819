/* A CBOR (RFC 8949) cursor over the bytes of a buffer that may end inside an
 * item: every primitive either succeeds, fails with an RT_E* code and a
 * message naming the source, the event and the byte offset, or returns
 * CBOR_NEED with need set to the bytes (from start) the item needs at least,
 * so that the caller can fetch more and retry. Nothing here allocates. */
#ifndef RT_CBOR_CBOR_DECODE_H
#define RT_CBOR_CBOR_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Largest CBOR item (one event) the v1 reader accepts; larger ones give
 * RT_ELIMIT. The reader's buffer never grows beyond it. */
#define RT_V1_MAX_ITEM ((size_t)64 << 20)

/* Internal status: the item continues past the end of the buffer. */
#define CBOR_NEED 100

#define CBOR_MAJOR_UINT 0
#define CBOR_MAJOR_NEGINT 1
#define CBOR_MAJOR_BYTES 2
#define CBOR_MAJOR_TEXT 3
#define CBOR_MAJOR_ARRAY 4
#define CBOR_MAJOR_MAP 5
#define CBOR_MAJOR_TAG 6
#define CBOR_MAJOR_SIMPLE 7

typedef struct cbor_dec {
    const unsigned char *start; /* the item being decoded begins here */
    const unsigned char *p;
    const unsigned char *end;
    size_t need;     /* with CBOR_NEED: bytes from start needed at least */
    rt_err *err;
    const char *name; /* source name, for messages */
    uint64_t event;   /* event index, for messages */
    uint64_t base;    /* stream offset of start, for messages */
    unsigned spelling; /* rt_spelling bits of what was read */
} cbor_dec;

typedef struct cbor_head {
    unsigned major;
    unsigned ai;  /* additional information (low 5 bits) */
    uint64_t arg; /* value, length or count; float bits for major 7 */
} cbor_head;

/* Sets the error message "<name>: event <n>: CBOR byte <offset of p>: ..."
 * and returns code. */
int cbor_failf(cbor_dec *d, int code, const char *fmt, ...) RT_PRINTF(3, 4);
#define cbor_fail(...) rt_err_code(cbor_failf(__VA_ARGS__))
/* Returns CBOR_NEED asking for more bytes past p. */
static inline int cbor_need(cbor_dec *d, size_t more)
{
    size_t have = (size_t)(d->p - d->start);
    d->need = more > SIZE_MAX - have ? SIZE_MAX : have + more;
    return CBOR_NEED;
}
/* Reads one head. Indefinite lengths are not supported (RT_EUNSUPPORTED; a
 * float text reads the 0.19 writer's indefinite-length one on its own);
 * reserved forms are RT_EFORMAT. */
int cbor_read_head(cbor_dec *d, cbor_head *h);
/* Checks that a string, array or map of count units fits RT_V1_MAX_ITEM and
 * is present: RT_OK, RT_ELIMIT or CBOR_NEED. */
int cbor_check_count(cbor_dec *d, uint64_t count, const char *what);
/* Skips one whole item, iteratively (no recursion, so no depth limit is
 * needed). Tags are RT_EFORMAT. */
int cbor_skip(cbor_dec *d);

#endif
