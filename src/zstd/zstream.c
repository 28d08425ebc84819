/* The compressor of zstream.h. Without the thread, libzstd's streaming API
 * in the caller's thread; with it, a ring of JOBS pieces. The caller fills
 * the current piece (a piece never holds more than one frame end), hands
 * it over, and collects finished pieces, in order, before it reuses their
 * slots. */
#include <pthread.h>

#include "zstd/zstream.h"

#define JOBS 4
#define JOB_IN ((size_t)1024 * 1024)

typedef struct zjob {
    unsigned char *in;
    size_t in_len;
    bool end_frame; /* close the frame after this input */
    uint64_t tag;
    unsigned char *out;
    size_t out_len;
    size_t zerr;   /* libzstd error code, 0 when none */
    bool overflow; /* more output than out_cap (never expected) */
} zjob;

struct rt_zthread {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t work; /* to the thread: a job, or stop */
    pthread_cond_t idle; /* to the caller: a job is done */
    zjob jobs[JOBS];
    size_t out_cap;
    uint64_t submitted, done; /* written under mu (submitted by the caller) */
    bool stop;
    /* the caller's side */
    uint64_t collected;
    uint64_t frame_d; /* uncompressed bytes of the open frame collected */
};

static int zstd_status(size_t code)
{
    return ZSTD_getErrorCode(code) == ZSTD_error_memory_allocation ? RT_ENOMEM : RT_EIO;
}

static int zstd_fail(rt_zstream *z, size_t code)
{
    return z->status = rt_err_set(z->err, zstd_status(code), "%s: zstd compression failed: %s",
                                  z->what, ZSTD_getErrorName(code));
}

/* ---- in the caller's thread ---------------------------------------------- */

/* Runs the compressor over in with op into z->out, and hands that on. */
static int run(rt_zstream *z, ZSTD_inBuffer *in, ZSTD_EndDirective op, uint64_t tag)
{
    size_t room = ZSTD_CStreamOutSize();
    for (;;) {
        if (rt_buf_reserve(&z->out, room))
            return z->status = rt_err_set(z->err, RT_ENOMEM, "%s: out of memory (%zu bytes)",
                                          z->what, room);
        ZSTD_outBuffer ob = {z->out.data + z->out.len, z->out.cap - z->out.len, 0};
        size_t r = ZSTD_compressStream2(z->cctx, &ob, in, op);
        if (ZSTD_isError(r))
            return zstd_fail(z, r);
        z->out.len += ob.pos;
        if (op == ZSTD_e_end ? r == 0 : in->pos == in->size)
            break;
    }
    bool end = op == ZSTD_e_end;
    size_t len = z->out.len;
    if (!len && !end)
        return RT_OK;
    z->out.len = 0;
    return z->status = z->emit(z->emit_ctx, z->out.data, len, end, z->frame_in, tag);
}

/* ---- the thread ------------------------------------------------------------ */

static void compress_job(ZSTD_CCtx *cctx, size_t out_cap, zjob *j)
{
    ZSTD_outBuffer ob = {j->out, out_cap, 0};
    j->zerr = 0;
    j->overflow = false;
    ZSTD_inBuffer in = {j->in, j->in_len, 0};
    while (in.pos < in.size) {
        size_t r = ZSTD_compressStream2(cctx, &ob, &in, ZSTD_e_continue);
        if (ZSTD_isError(r)) {
            j->zerr = r;
            goto done;
        }
        if (ob.pos == ob.size && in.pos < in.size) {
            j->overflow = true;
            goto done;
        }
    }
    while (j->end_frame) {
        ZSTD_inBuffer none = {NULL, 0, 0};
        size_t r = ZSTD_compressStream2(cctx, &ob, &none, ZSTD_e_end);
        if (ZSTD_isError(r))
            j->zerr = r;
        else if (r != 0 && ob.pos == ob.size)
            j->overflow = true;
        if (r == 0 || j->zerr || j->overflow)
            break;
    }
done:
    j->out_len = ob.pos;
}

static void *worker(void *arg)
{
    rt_zstream *z = arg;
    struct rt_zthread *t = z->thread;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        while (!t->stop && t->done == t->submitted)
            pthread_cond_wait(&t->work, &t->mu);
        if (t->done == t->submitted)
            break; /* stopped, nothing left */
        zjob *j = &t->jobs[t->done % JOBS];
        pthread_mutex_unlock(&t->mu);
        compress_job(z->cctx, t->out_cap, j);
        pthread_mutex_lock(&t->mu);
        t->done++;
        pthread_cond_signal(&t->idle);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

/* The caller's job being filled. */
static zjob *current(struct rt_zthread *t)
{
    return &t->jobs[t->submitted % JOBS];
}

/* Hands the output of the jobs done (up to done) on, in order. */
static int collect_jobs(rt_zstream *z, uint64_t done)
{
    struct rt_zthread *t = z->thread;
    for (; t->collected < done; t->collected++) {
        zjob *j = &t->jobs[t->collected % JOBS];
        if (z->status)
            continue;
        t->frame_d += j->in_len;
        if (j->zerr)
            zstd_fail(z, j->zerr);
        else if (j->overflow)
            z->status = rt_err_set(z->err, RT_EIO, "%s: zstd output larger than its bound",
                                   z->what);
        else
            z->status = z->emit(z->emit_ctx, j->out, j->out_len, j->end_frame, t->frame_d, j->tag);
        if (j->end_frame)
            t->frame_d = 0;
    }
    return z->status;
}

static uint64_t wait_done(struct rt_zthread *t, uint64_t until)
{
    pthread_mutex_lock(&t->mu);
    while (t->done < until)
        pthread_cond_wait(&t->idle, &t->mu);
    uint64_t done = t->done;
    pthread_mutex_unlock(&t->mu);
    return done;
}

/* Hands the current job over; waits for the next slot and collects. */
static int submit(rt_zstream *z)
{
    struct rt_zthread *t = z->thread;
    pthread_mutex_lock(&t->mu);
    t->submitted++;
    pthread_cond_signal(&t->work);
    pthread_mutex_unlock(&t->mu);
    /* the next slot's last job must be done: collect it (and any before) */
    uint64_t need = t->submitted >= JOBS ? t->submitted + 1 - JOBS : 0;
    int rc = collect_jobs(z, wait_done(t, need));
    zjob *j = current(t);
    j->in_len = 0;
    j->end_frame = false;
    return rc;
}

/* ---- the interface ------------------------------------------------------------ */

int rt_zstream_write(rt_zstream *z, const void *src, size_t n)
{
    if (z->status)
        return z->status;
    if (!z->thread) {
        ZSTD_inBuffer in = {src, n, 0};
        z->frame_in += n;
        return n ? run(z, &in, ZSTD_e_continue, 0) : RT_OK;
    }
    struct rt_zthread *t = z->thread;
    const unsigned char *p = src;
    while (n && !z->status) {
        zjob *j = current(t);
        size_t take = JOB_IN - j->in_len;
        if (take > n)
            take = n;
        memcpy(j->in + j->in_len, p, take);
        j->in_len += take;
        z->frame_in += take;
        p += take;
        n -= take;
        if (j->in_len == JOB_IN)
            submit(z);
    }
    return z->status;
}

/* Sets the content-size flag (the thread is idle). */
static void content_size(rt_zstream *z, bool on)
{
    ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_contentSizeFlag, on ? 1 : 0);
}

int rt_zstream_end_frame(rt_zstream *z, uint64_t tag, bool force)
{
    if (z->status)
        return z->status;
    bool empty = z->frame_in == 0;
    if (empty && !force)
        return RT_OK;
    if (!z->thread) {
        ZSTD_inBuffer none = {NULL, 0, 0};
        if (empty)
            content_size(z, true);
        int rc = run(z, &none, ZSTD_e_end, tag); /* hands on frame_in */
        if (empty)
            content_size(z, false);
        z->frame_in = 0;
        return rc;
    }
    z->frame_in = 0;
    struct rt_zthread *t = z->thread;
    if (empty && rt_zstream_collect(z, true))
        return z->status;
    if (empty)
        content_size(z, true); /* the thread is idle: the context may change */
    current(t)->end_frame = true;
    current(t)->tag = tag;
    int rc = submit(z);
    if (empty) {
        if (!rc)
            rc = rt_zstream_collect(z, true);
        else
            wait_done(t, t->submitted);
        content_size(z, false);
    }
    return rc;
}

int rt_zstream_collect(rt_zstream *z, bool wait)
{
    if (!z->thread || z->status)
        return z->status;
    struct rt_zthread *t = z->thread;
    uint64_t done;
    if (wait) {
        done = wait_done(t, t->submitted);
    } else {
        pthread_mutex_lock(&t->mu);
        done = t->done;
        pthread_mutex_unlock(&t->mu);
    }
    return collect_jobs(z, done);
}

/* ---- starting and stopping ------------------------------------------------ */

static void free_jobs(rt_zstream *z, struct rt_zthread *t)
{
    for (int i = 0; i < JOBS; i++) {
        rt_free(z->alloc, t->jobs[i].in, JOB_IN);
        rt_free(z->alloc, t->jobs[i].out, t->out_cap);
    }
    rt_free(z->alloc, t, sizeof *t);
}

/* Makes libzstd size its workspace now, in this thread: a frame started
 * with unknown size uses the same parameters as every later one. */
static int prime(rt_zstream *z, zjob *scratch, size_t out_cap)
{
    static const unsigned char byte = 0;
    ZSTD_inBuffer in = {&byte, 1, 0};
    ZSTD_outBuffer ob = {scratch->out, out_cap, 0};
    size_t r = ZSTD_compressStream2(z->cctx, &ob, &in, ZSTD_e_continue);
    ZSTD_CCtx_reset(z->cctx, ZSTD_reset_session_only);
    return ZSTD_isError(r) ? zstd_status(r) : RT_OK;
}

/* RT_OK, RT_ENOMEM, or RT_EIO when no thread can start. */
static int start_thread(rt_zstream *z)
{
    struct rt_zthread *t = rt_malloc(z->alloc, sizeof *t);
    if (!t)
        return RT_ENOMEM;
    memset(t, 0, sizeof *t);
    t->out_cap = ZSTD_compressBound(JOB_IN + ZSTD_BLOCKSIZE_MAX) + ZSTD_CStreamOutSize();
    for (int i = 0; i < JOBS; i++) {
        t->jobs[i].in = rt_malloc(z->alloc, JOB_IN);
        t->jobs[i].out = t->jobs[i].in ? rt_malloc(z->alloc, t->out_cap) : NULL;
        if (!t->jobs[i].out) {
            free_jobs(z, t);
            return RT_ENOMEM;
        }
    }
    int rc = prime(z, &t->jobs[0], t->out_cap);
    if (rc) {
        free_jobs(z, t);
        return rc;
    }
    if (pthread_mutex_init(&t->mu, NULL))
        goto no_mutex;
    if (pthread_cond_init(&t->work, NULL))
        goto no_work;
    if (pthread_cond_init(&t->idle, NULL))
        goto no_idle;
    z->thread = t;
    if (pthread_create(&t->tid, NULL, worker, z) == 0)
        return RT_OK;
    z->thread = NULL;
    pthread_cond_destroy(&t->idle);
no_idle:
    pthread_cond_destroy(&t->work);
no_work:
    pthread_mutex_destroy(&t->mu);
no_mutex:
    free_jobs(z, t);
    return RT_EIO;
}

static void stop_thread(rt_zstream *z)
{
    struct rt_zthread *t = z->thread;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->work);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->tid, NULL);
    pthread_cond_destroy(&t->idle);
    pthread_cond_destroy(&t->work);
    pthread_mutex_destroy(&t->mu);
    free_jobs(z, t);
    z->thread = NULL;
}

int rt_zstream_init(rt_zstream *z, int level, int window_log, bool threaded, rt_zout_fn emit,
                    void *emit_ctx, const char *what, const rt_allocator *alloc, rt_err *err)
{
    memset(z, 0, sizeof *z);
    z->emit = emit;
    z->emit_ctx = emit_ctx;
    z->what = what;
    z->alloc = alloc;
    z->err = err;
    rt_buf_init(&z->out, alloc);
    if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
        return rt_err_set(err, RT_EINVAL, "%s: zstd level %d out of range %d..%d", what, level,
                          ZSTD_minCLevel(), ZSTD_maxCLevel());
    z->cctx = ZSTD_createCCtx_advanced(rt_zstd_mem(alloc));
    if (!z->cctx)
        return rt_err_set(err, RT_ENOMEM, "%s: out of memory (zstd context)", what);
    size_t r;
    if (ZSTD_isError(r = ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level)) ||
        ZSTD_isError(r = ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 0)) ||
        ZSTD_isError(r = ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_contentSizeFlag, 0)) ||
        (window_log &&
         ZSTD_isError(r = ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_windowLog, window_log))))
        return rt_err_set(err, zstd_status(r), "%s: zstd setup failed: %s", what,
                          ZSTD_getErrorName(r));
    if (threaded) {
        int rc = start_thread(z);
        if (rc == RT_ENOMEM)
            return rt_err_set(err, RT_ENOMEM, "%s: out of memory (compression thread)", what);
        /* RT_EIO: no thread could start; compress in the caller's thread. */
    }
    return RT_OK;
}

void rt_zstream_free(rt_zstream *z)
{
    if (z->thread)
        stop_thread(z);
    ZSTD_freeCCtx(z->cctx);
    z->cctx = NULL;
    rt_buf_free(&z->out);
}
