/* zstd-floor: what compressing a v1 trace's content costs, and nothing else.
 *
 *   zstd-floor TRACE.bin [LEVEL...]
 *
 * Decompresses the frames of a v1 trace.bin (the 8-byte header skipped) and
 * recompresses the CBOR stream with libzstd at each LEVEL (default 3, the v1
 * writer's) on one thread, timing only the compression (and, for scale, a
 * memcpy of the same bytes) by this thread's CPU clock. This is the floor of
 * any v1 writer of that content: the bytes a recorder must hand to zstd.
 * docs/lua.md uses it on ct-lua's recording of dkjson's test script. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#define CHUNK ((size_t)1 << 20)

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int run(const char *path, int level)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    unsigned char head[8];
    if (fread(head, 1, sizeof head, f) != sizeof head) {
        fprintf(stderr, "%s: shorter than a v1 header\n", path);
        fclose(f);
        return 1;
    }
    ZSTD_DCtx *d = ZSTD_createDCtx();
    ZSTD_CCtx *c = ZSTD_createCCtx();
    size_t in_cap = ZSTD_DStreamInSize(), out_cap = ZSTD_compressBound(CHUNK);
    unsigned char *in = malloc(in_cap), *plain = malloc(CHUNK), *copy = malloc(CHUNK),
                  *out = malloc(out_cap);
    int rc = 0;
    if (!d || !c || !in || !plain || !copy || !out ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level))) {
        fprintf(stderr, "zstd-floor: out of memory or bad level %d\n", level);
        rc = 1;
    }
    double t_zstd = 0, t_copy = 0;
    unsigned long long plain_bytes = 0, packed_bytes = 0;
    size_t got;
    while (!rc && (got = fread(in, 1, in_cap, f)) > 0) {
        ZSTD_inBuffer ib = {in, got, 0};
        while (!rc && ib.pos < ib.size) {
            ZSTD_outBuffer ob = {plain, CHUNK, 0};
            size_t r = ZSTD_decompressStream(d, &ob, &ib);
            if (ZSTD_isError(r)) {
                fprintf(stderr, "%s: %s\n", path, ZSTD_getErrorName(r));
                rc = 1;
                break;
            }
            if (!ob.pos)
                continue;
            plain_bytes += ob.pos;
            double t0 = cpu_seconds();
            memcpy(copy, plain, ob.pos);
            t_copy += cpu_seconds() - t0;
            t0 = cpu_seconds();
            ZSTD_inBuffer ci = {copy, ob.pos, 0};
            while (ci.pos < ci.size) {
                ZSTD_outBuffer co = {out, out_cap, 0};
                r = ZSTD_compressStream2(c, &co, &ci, ZSTD_e_continue);
                if (ZSTD_isError(r)) {
                    fprintf(stderr, "zstd-floor: %s\n", ZSTD_getErrorName(r));
                    rc = 1;
                    break;
                }
                packed_bytes += co.pos;
            }
            t_zstd += cpu_seconds() - t0;
        }
    }
    if (!rc) { /* the end of the frame */
        double t0 = cpu_seconds();
        size_t left;
        do {
            ZSTD_outBuffer co = {out, out_cap, 0};
            ZSTD_inBuffer none = {NULL, 0, 0};
            left = ZSTD_compressStream2(c, &co, &none, ZSTD_e_end);
            packed_bytes += co.pos;
        } while (left && !ZSTD_isError(left));
        t_zstd += cpu_seconds() - t0;
    }
    if (!rc)
        printf("level %d: %.2f GB of CBOR -> %.1f MB; compress %.2f s CPU (%.2f GB/s), "
               "memcpy %.2f s\n",
               level, (double)plain_bytes / 1e9, (double)packed_bytes / 1e6, t_zstd,
               t_zstd > 0 ? (double)plain_bytes / 1e9 / t_zstd : 0.0, t_copy);
    ZSTD_freeDCtx(d);
    ZSTD_freeCCtx(c);
    free(in);
    free(plain);
    free(copy);
    free(out);
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: zstd-floor TRACE.bin [LEVEL...]\n");
        return 2;
    }
    if (argc == 2)
        return run(argv[1], 3);
    int rc = 0;
    for (int i = 2; i < argc && !rc; i++)
        rc = run(argv[1], atoi(argv[i]));
    return rc;
}
