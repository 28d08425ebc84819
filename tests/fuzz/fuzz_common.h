/* Shared by the fuzz targets: draining a reader, a byte consumer for
 * structured inputs. Every target is deterministic and writes only below
 * /tmp (and only the targets whose API takes a path). */
#ifndef RT_FUZZ_COMMON_H
#define RT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime_tracing.h"

/* Events read per input at most: enough to reach every decoder state, small
 * enough that a long valid trace does not make one execution slow. */
#define FUZZ_MAX_EVENTS 4096

/* Fails loudly: libFuzzer records the input as a crash. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A status a reader may return for hostile input. Anything else (EINVAL,
 * ESTATE, ...) means the library misjudged its own state. */
static inline int fuzz_read_status_ok(int rc)
{
    return rc == RT_EFORMAT || rc == RT_ETRUNCATED || rc == RT_EUTF8 || rc == RT_ELIMIT ||
           rc == RT_ERANGE || rc == RT_EUNSUPPORTED || rc == RT_ENOMEM;
}

/* Reads every event of data (any format) with alloc (NULL: malloc); each
 * error must come with a message. Returns the number of events read. */
static inline uint64_t fuzz_drain_memory(const uint8_t *data, size_t size,
                                         const rt_allocator *alloc)
{
    rt_reader *r = NULL;
    char errbuf[256] = "";
    rt_reader_options o;
    rt_reader_options_init(&o);
    o.allocator = alloc;
    o.errbuf = errbuf;
    o.errbuf_len = sizeof errbuf;
    int rc = rt_reader_open_memory(&r, size ? data : (const void *)"", size, &o);
    if (rc != RT_OK) {
        FUZZ_CHECK(r == NULL);
        FUZZ_CHECK(fuzz_read_status_ok(rc));
        FUZZ_CHECK(errbuf[0] != '\0');
        return 0;
    }
    uint64_t n = 0;
    for (;;) {
        const rt_event *e = NULL;
        rc = rt_reader_next(r, &e);
        if (rc != RT_READ_EVENT)
            break;
        FUZZ_CHECK(e != NULL);
        FUZZ_CHECK((unsigned)e->kind < RT_EVENT_KIND_COUNT);
        if (++n >= FUZZ_MAX_EVENTS)
            break;
    }
    if (rc < 0) {
        FUZZ_CHECK(fuzz_read_status_ok(rc));
        FUZZ_CHECK(rt_reader_errmsg(r)[0] != '\0');
        /* Errors are sticky: the next call does not resume past the damage. */
        const rt_event *e = NULL;
        FUZZ_CHECK(rt_reader_next(r, &e) < 0);
    } else {
        FUZZ_CHECK(rc == RT_READ_END || rc == RT_READ_EVENT);
    }
    rt_reader_free(r);
    return n;
}

/* Writes data to a file of this process under /tmp; returns its path. */
static inline const char *fuzz_tmpfile(const char *name, const uint8_t *data, size_t size)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/rt-fuzz-%ld-%s", (long)getpid(), name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f) != 0)
        abort();
    return path;
}

/* A consumer of fuzz bytes; reads past the end give zeros. */
typedef struct fuzz_in {
    const uint8_t *p;
    size_t n;
} fuzz_in;

static inline uint8_t fuzz_u8(fuzz_in *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint64_t fuzz_u64(fuzz_in *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v = v << 8 | fuzz_u8(in);
    return v;
}

/* Up to max bytes taken from the input as they are (any bytes, so invalid
 * UTF-8 and NUL are exercised). */
static inline rt_str fuzz_bytes(fuzz_in *in, size_t max)
{
    size_t len = fuzz_u8(in) % (max + 1);
    if (len > in->n)
        len = in->n;
    rt_str s = {(const char *)in->p, len};
    in->p += len;
    in->n -= len;
    return s;
}

#endif
