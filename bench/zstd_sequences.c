/* zstd-sequences: would handing zstd the repeats the writer knows, as
 * sequences (ZSTD_compressSequences, libzstd 1.5.4's static API), beat
 * letting zstd find them? Measured on the content of a v1 trace.
 *
 *   zstd-sequences TRACE.bin [LEVEL [GB]]
 *
 * Decompresses the trace's CBOR, cuts it into frames of whole events of at
 * most 2 MiB (as the v1 writer's frames), and compresses each frame three
 * ways, timing only the compression (this thread's CPU clock):
 *   whole:   ZSTD_compress2 on the frame (what the writer does);
 *   known:   every Value event equal to the previous Value of its variable
 *            in the frame (what rt_register_repeat_value tells the writer)
 *            given as one match of that event, everything else as
 *            literals, through ZSTD_compressSequences;
 *   residue: the same matches, and zstd's own sequences for the rest
 *            (ZSTD_generateSequences over the bytes that are not repeats,
 *            mapped back into the frame).
 * GB stops after that many gigabytes of CBOR (default: all). libzstd 1.5.4's
 * block-level sequence producer sees one block at a time without history,
 * so it cannot point at the previous step: only the frame-level API is
 * tried. docs/performance.md has the figures. */
#define _POSIX_C_SOURCE 200809L
#define ZSTD_STATIC_LINKING_ONLY
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#define FRAME ((size_t)2 << 20)
#define KEYS 65536

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "zstd-sequences: out of memory\n");
        exit(1);
    }
    return q;
}

/* ---- CBOR items: only their extent is needed ------------------------------ */

static const unsigned char *head(const unsigned char *p, const unsigned char *e, int *major,
                                 uint64_t *arg, int *indefinite)
{
    if (p >= e)
        return NULL;
    int ib = *p++, ai = ib & 31;
    *major = ib >> 5;
    *indefinite = ai == 31;
    static const int extra[4] = {1, 2, 4, 8};
    if (ai < 24 || ai == 31) {
        *arg = ai == 31 ? 0 : (uint64_t)ai;
        return p;
    }
    if (ai > 27 || e - p < extra[ai - 24])
        return NULL;
    uint64_t v = 0;
    for (int i = 0; i < extra[ai - 24]; i++)
        v = v << 8 | *p++;
    *arg = v;
    return p;
}

static const unsigned char *skip(const unsigned char *p, const unsigned char *e, int depth)
{
    int major, indefinite;
    uint64_t arg;
    if (depth > 64 || !(p = head(p, e, &major, &arg, &indefinite)))
        return NULL;
    if (major <= 1 || major == 7)
        return p;
    if (major == 6)
        return skip(p, e, depth + 1);
    if (indefinite) {
        while (p && p < e && *p != 0xFF)
            p = skip(p, e, depth + 1);
        return p && p < e ? p + 1 : NULL;
    }
    if (major <= 3)
        return (uint64_t)(e - p) >= arg ? p + arg : NULL;
    for (uint64_t i = 0, n = major == 5 ? 2 * arg : arg; i < n && p; i++)
        p = skip(p, e, depth + 1);
    return p;
}

/* ---- one frame --------------------------------------------------------------- */

typedef struct frame {
    unsigned char *data;
    size_t len;
    uint32_t *start, *size; /* the events */
    int64_t *var;           /* a Value's variable id, else -1 */
    size_t n, cap;
} frame;

typedef struct seqs {
    ZSTD_Sequence *s;
    size_t n, cap;
    uint32_t lits; /* literals before the next match */
} seqs;

static void push(seqs *q, uint32_t lits, uint32_t off, uint32_t ml)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? 2 * q->cap : 4096;
        q->s = xrealloc(q->s, q->cap * sizeof *q->s);
    }
    ZSTD_Sequence s = {off, lits, ml, 0};
    q->s[q->n++] = s;
}

static void match(seqs *q, uint32_t off, uint32_t ml)
{
    ZSTD_Sequence *last = q->n ? &q->s[q->n - 1] : NULL;
    if (!q->lits && last && last->offset == off && last->matchLength)
        last->matchLength += ml; /* the run goes on at the same distance */
    else
        push(q, q->lits, off, ml);
    q->lits = 0;
}

typedef struct totals {
    double cpu;
    unsigned long long out;
} totals;

static ZSTD_CCtx *whole_c, *seq_c, *gen_c;
static unsigned char *dst;
static size_t dst_cap;
static seqs q;
static ZSTD_Sequence *gen;
static size_t gen_cap;
static unsigned char *resid;
static uint32_t *seg_f, *seg_r, *seg_n; /* residue segments: frame pos, residue pos, length */
static uint32_t last_at[KEYS], last_len[KEYS];
static unsigned char have[KEYS];

static void compress_sequences(const frame *f, totals *t)
{
    size_t z = ZSTD_compressSequences(seq_c, dst, dst_cap, q.s, q.n, f->data, f->len);
    if (ZSTD_isError(z)) {
        fprintf(stderr, "zstd-sequences: %s\n", ZSTD_getErrorName(z));
        exit(1);
    }
    t->out += z;
}

/* Whether event i repeats its variable's previous Value in the frame
 * (updates the table). */
static bool repeat_of(const frame *f, size_t i, uint32_t *at)
{
    if (f->var[i] < 0)
        return false;
    size_t k = (size_t)f->var[i] % KEYS;
    bool same = have[k] && last_len[k] == f->size[i] &&
                memcmp(f->data + last_at[k], f->data + f->start[i], f->size[i]) == 0;
    *at = last_at[k];
    have[k] = 1;
    last_at[k] = f->start[i];
    last_len[k] = f->size[i];
    return same && f->size[i] >= ZSTD_MINMATCH_MIN;
}

static void run_known(const frame *f, totals *t)
{
    double t0 = cpu_seconds();
    memset(have, 0, sizeof have);
    q.n = 0;
    q.lits = 0;
    for (size_t i = 0; i < f->n; i++) {
        uint32_t at;
        if (repeat_of(f, i, &at))
            match(&q, f->start[i] - at, f->size[i]);
        else
            q.lits += f->size[i];
    }
    if (q.lits)
        push(&q, q.lits, 0, 0);
    compress_sequences(f, t);
    t->cpu += cpu_seconds() - t0;
}

static void run_residue(const frame *f, totals *t)
{
    double t0 = cpu_seconds();
    memset(have, 0, sizeof have);
    size_t nseg = 0, rl = 0;
    /* the repeats, and the residue in segments */
    static uint32_t *rep_at, *rep_src, *rep_len;
    static size_t rep_cap;
    size_t nrep = 0;
    if (rep_cap < f->n + 1) {
        rep_cap = f->n + 1;
        rep_at = xrealloc(rep_at, rep_cap * sizeof *rep_at);
        rep_src = xrealloc(rep_src, rep_cap * sizeof *rep_src);
        rep_len = xrealloc(rep_len, rep_cap * sizeof *rep_len);
        seg_f = xrealloc(seg_f, rep_cap * sizeof *seg_f);
        seg_r = xrealloc(seg_r, rep_cap * sizeof *seg_r);
        seg_n = xrealloc(seg_n, rep_cap * sizeof *seg_n);
    }
    for (size_t i = 0; i < f->n; i++) {
        uint32_t at;
        if (repeat_of(f, i, &at)) {
            rep_at[nrep] = f->start[i];
            rep_src[nrep] = at;
            rep_len[nrep++] = f->size[i];
            continue;
        }
        memcpy(resid + rl, f->data + f->start[i], f->size[i]);
        if (nseg && seg_f[nseg - 1] + seg_n[nseg - 1] == f->start[i]) {
            seg_n[nseg - 1] += f->size[i];
        } else {
            seg_f[nseg] = f->start[i];
            seg_r[nseg] = (uint32_t)rl;
            seg_n[nseg++] = f->size[i];
        }
        rl += f->size[i];
    }
    size_t ng = 0;
    if (rl) {
        size_t bound = ZSTD_sequenceBound(rl);
        if (gen_cap < bound) {
            gen_cap = bound;
            gen = xrealloc(gen, gen_cap * sizeof *gen);
        }
        ng = ZSTD_generateSequences(gen_c, gen, gen_cap, resid, rl);
        if (ZSTD_isError(ng)) {
            fprintf(stderr, "zstd-sequences: %s\n", ZSTD_getErrorName(ng));
            exit(1);
        }
    }
    /* zstd's residue sequences, mapped back, between the repeats */
    q.n = 0;
    q.lits = 0;
    size_t si = 0, ri = 0;
    uint32_t rpos = 0;
    for (size_t g = 0; g <= ng; g++) {
        uint32_t lits = g < ng ? gen[g].litLength : 0, ml = g < ng ? gen[g].matchLength : 0;
        uint32_t off = g < ng ? gen[g].offset : 0;
        for (int part = 0; part < 2; part++) {
            uint32_t left = part ? (off ? ml : 0) : lits;
            while (left) {
                while (si < nseg && rpos >= seg_r[si] + seg_n[si])
                    si++;
                while (ri < nrep && rep_at[ri] < seg_f[si]) {
                    match(&q, rep_at[ri] - rep_src[ri], rep_len[ri]);
                    ri++;
                }
                uint32_t take = seg_r[si] + seg_n[si] - rpos;
                if (take > left)
                    take = left;
                if (!part) {
                    q.lits += take;
                } else {
                    uint32_t src = rpos - off;
                    size_t lo = 0, hi = si;
                    while (lo < hi) {
                        size_t mid = (lo + hi + 1) / 2;
                        if (seg_r[mid] <= src)
                            lo = mid;
                        else
                            hi = mid - 1;
                    }
                    uint32_t in_src = seg_r[lo] + seg_n[lo] - src;
                    if (take > in_src)
                        take = in_src;
                    uint32_t cur = seg_f[si] + (rpos - seg_r[si]);
                    uint32_t from = seg_f[lo] + (src - seg_r[lo]);
                    if (take >= ZSTD_MINMATCH_MIN)
                        match(&q, cur - from, take);
                    else
                        q.lits += take;
                }
                left -= take;
                rpos += take;
            }
        }
    }
    for (; ri < nrep; ri++)
        match(&q, rep_at[ri] - rep_src[ri], rep_len[ri]);
    if (q.lits)
        push(&q, q.lits, 0, 0);
    compress_sequences(f, t);
    t->cpu += cpu_seconds() - t0;
}

static void run_whole(const frame *f, totals *t)
{
    double t0 = cpu_seconds();
    size_t z = ZSTD_compress2(whole_c, dst, dst_cap, f->data, f->len);
    t->cpu += cpu_seconds() - t0;
    if (ZSTD_isError(z)) {
        fprintf(stderr, "zstd-sequences: %s\n", ZSTD_getErrorName(z));
        exit(1);
    }
    t->out += z;
}

/* The variable id of a Value event {"Value": {"variable_id": N, ...}}. */
static int64_t value_var(const unsigned char *p, size_t n)
{
    static const unsigned char key[] = "\xA1\x65Value\xA2\x6Bvariable_id";
    if (n < sizeof key || memcmp(p, key, sizeof key - 1) != 0)
        return -1;
    int major, indefinite;
    uint64_t v;
    return head(p + sizeof key - 1, p + n, &major, &v, &indefinite) && major == 0 ? (int64_t)v : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: zstd-sequences TRACE.bin [LEVEL [GB]]\n");
        return 2;
    }
    int level = argc > 2 ? atoi(argv[2]) : 3;
    double max_gb = argc > 3 ? atof(argv[3]) : 1e9;
    FILE *in = fopen(argv[1], "rb");
    unsigned char hd[8];
    if (!in || fread(hd, 1, 8, in) != 8) {
        perror(argv[1]);
        return 1;
    }
    whole_c = ZSTD_createCCtx();
    seq_c = ZSTD_createCCtx();
    gen_c = ZSTD_createCCtx();
    ZSTD_CCtx *all[3] = {whole_c, seq_c, gen_c};
    for (int i = 0; i < 3; i++) {
        ZSTD_CCtx_setParameter(all[i], ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setParameter(all[i], ZSTD_c_windowLog, 21);
    }
    /* libzstd cuts the blocks (and splits a match at a block's end) */
    ZSTD_CCtx_setParameter(seq_c, ZSTD_c_blockDelimiters, ZSTD_sf_noBlockDelimiters);
    dst_cap = ZSTD_compressBound(FRAME + (64u << 20));
    dst = xrealloc(NULL, dst_cap);
    resid = xrealloc(NULL, FRAME + (64u << 20));
    frame f = {xrealloc(NULL, FRAME + (64u << 20)), 0, NULL, NULL, NULL, 0, 0};
    ZSTD_DCtx *d = ZSTD_createDCtx();
    size_t in_cap = ZSTD_DStreamInSize(), carry_cap = 64u << 20, carry_len = 0;
    unsigned char *inb = xrealloc(NULL, in_cap), *carry = xrealloc(NULL, carry_cap);
    totals tw = {0, 0}, tk = {0, 0}, tr = {0, 0};
    unsigned long long total = 0;
    size_t got;
    bool done = false;
    while (!done && (got = fread(inb, 1, in_cap, in)) > 0) {
        ZSTD_inBuffer ib = {inb, got, 0};
        while (!done && ib.pos < ib.size) {
            ZSTD_outBuffer ob = {carry + carry_len, carry_cap - carry_len, 0};
            size_t r = ZSTD_decompressStream(d, &ob, &ib);
            if (ZSTD_isError(r)) {
                fprintf(stderr, "%s: %s\n", argv[1], ZSTD_getErrorName(r));
                return 1;
            }
            carry_len += ob.pos;
            size_t at = 0;
            const unsigned char *end;
            while ((end = skip(carry + at, carry + carry_len, 0))) {
                size_t n = (size_t)(end - (carry + at));
                if (f.len + n > FRAME && f.len) {
                    run_whole(&f, &tw);
                    run_known(&f, &tk);
                    run_residue(&f, &tr);
                    total += f.len;
                    f.len = f.n = 0;
                    if (total > max_gb * 1e9) {
                        done = true;
                        break;
                    }
                }
                if (f.n == f.cap) {
                    f.cap = f.cap ? 2 * f.cap : 65536;
                    f.start = xrealloc(f.start, f.cap * sizeof *f.start);
                    f.size = xrealloc(f.size, f.cap * sizeof *f.size);
                    f.var = xrealloc(f.var, f.cap * sizeof *f.var);
                }
                f.start[f.n] = (uint32_t)f.len;
                f.size[f.n] = (uint32_t)n;
                f.var[f.n++] = value_var(carry + at, n);
                memcpy(f.data + f.len, carry + at, n);
                f.len += n;
                at += n;
            }
            memmove(carry, carry + at, carry_len - at);
            carry_len -= at;
        }
    }
    if (!done && f.len) {
        run_whole(&f, &tw);
        run_known(&f, &tk);
        run_residue(&f, &tr);
        total += f.len;
    }
    printf("%s: %.3f GB of CBOR, level %d\n", argv[1], (double)total / 1e9, level);
    printf("whole   %8.2f MB %7.3f s\n", (double)tw.out / 1e6, tw.cpu);
    printf("known   %8.2f MB %7.3f s\n", (double)tk.out / 1e6, tk.cpu);
    printf("residue %8.2f MB %7.3f s\n", (double)tr.out / 1e6, tr.cpu);
    return 0;
}
