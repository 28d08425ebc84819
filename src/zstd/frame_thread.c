/* The compression thread of rt_zwriter: a ring of JOBS fixed buffers. The
 * caller fills the current job (a job never holds more than one frame end),
 * hands it over, and collects finished jobs, in order, before it reuses
 * their slots: compressed bytes go to the output and closed frames to the
 * seek table from the caller's thread only. The thread touches nothing but
 * the jobs and the zstd context, which is primed in the caller's thread so
 * that libzstd never allocates (and so never calls the allocator) on the
 * thread. */
#include <pthread.h>

#include "zstd/frame_thread.h"

#define JOBS 4
#define JOB_IN ((size_t)256 * 1024)

typedef struct zjob {
    unsigned char *in;
    size_t in_len;
    bool end_frame; /* close the frame after this input */
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
    uint64_t frame_c, frame_d; /* collected sizes of the open frame */
    int status;                /* sticky */
};

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
    rt_zwriter *w = arg;
    rt_zthread *t = w->thread;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        while (!t->stop && t->done == t->submitted)
            pthread_cond_wait(&t->work, &t->mu);
        if (t->done == t->submitted)
            break; /* stopped, nothing left */
        zjob *j = &t->jobs[t->done % JOBS];
        pthread_mutex_unlock(&t->mu);
        compress_job(w->cctx, t->out_cap, j);
        pthread_mutex_lock(&t->mu);
        t->done++;
        pthread_cond_signal(&t->idle);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

/* The caller's job being filled. */
static zjob *current(rt_zthread *t)
{
    return &t->jobs[t->submitted % JOBS];
}

/* Moves the output of the jobs done (up to done) to out, in order. */
static int collect(rt_zwriter *w, rt_output *out, uint64_t done)
{
    rt_zthread *t = w->thread;
    int rc = RT_OK;
    for (; t->collected < done; t->collected++) {
        zjob *j = &t->jobs[t->collected % JOBS];
        if (rc)
            continue;
        if (j->zerr) {
            int code = ZSTD_getErrorCode(j->zerr) == ZSTD_error_memory_allocation ? RT_ENOMEM : RT_EIO;
            rc = rt_err_set(w->err, code, "v1 writer: zstd compression failed: %s",
                            ZSTD_getErrorName(j->zerr));
        } else if (j->overflow) {
            rc = rt_err_set(w->err, RT_EIO, "v1 writer: zstd output larger than its bound");
        } else if (rt_buf_append(&out->buf, j->out, j->out_len)) {
            rc = rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory (%zu bytes)", j->out_len);
        } else {
            t->frame_c += j->out_len;
            t->frame_d += j->in_len;
            if (j->end_frame) {
                rc = rt_zwriter_record(w, t->frame_c, t->frame_d);
                t->frame_c = t->frame_d = 0;
            }
        }
    }
    return rc;
}

/* Hands the current job over; waits for a free slot and collects. */
static int submit(rt_zwriter *w, rt_output *out)
{
    rt_zthread *t = w->thread;
    pthread_mutex_lock(&t->mu);
    t->submitted++;
    pthread_cond_signal(&t->work);
    while (t->submitted - t->done >= JOBS) /* the next slot's last job */
        pthread_cond_wait(&t->idle, &t->mu);
    uint64_t done = t->done;
    pthread_mutex_unlock(&t->mu);
    int rc = collect(w, out, done); /* the next slot's last job among them */
    zjob *j = current(t);
    j->in_len = 0;
    j->end_frame = false;
    return rc;
}

static int wait_all(rt_zwriter *w, rt_output *out)
{
    rt_zthread *t = w->thread;
    pthread_mutex_lock(&t->mu);
    while (t->done < t->submitted)
        pthread_cond_wait(&t->idle, &t->mu);
    uint64_t done = t->done;
    pthread_mutex_unlock(&t->mu);
    return collect(w, out, done);
}

int rt_zthread_write(rt_zwriter *w, rt_output *out, const void *src, size_t n)
{
    rt_zthread *t = w->thread;
    const unsigned char *p = src;
    while (n && !t->status) {
        zjob *j = current(t);
        size_t take = JOB_IN - j->in_len;
        if (take > w->frame_size - w->frame_in)
            take = w->frame_size - w->frame_in;
        if (take > n)
            take = n;
        memcpy(j->in + j->in_len, p, take);
        j->in_len += take;
        w->frame_in += take;
        w->open = true;
        p += take;
        n -= take;
        int rc = RT_OK;
        if (w->frame_in == w->frame_size) {
            j->end_frame = true;
            w->frame_in = 0;
            w->open = false;
            rc = submit(w, out);
        } else if (j->in_len == JOB_IN) {
            rc = submit(w, out);
        }
        t->status = rc;
    }
    return t->status;
}

int rt_zthread_end_frame(rt_zwriter *w, rt_output *out, bool force)
{
    rt_zthread *t = w->thread;
    if (t->status)
        return t->status;
    int rc;
    if (w->open) {
        current(t)->end_frame = true;
        w->frame_in = 0;
        w->open = false;
        rc = submit(w, out);
        if (!rc)
            rc = wait_all(w, out);
        return t->status = rc;
    }
    rc = wait_all(w, out);
    if (rc || !force)
        return t->status = rc;
    /* The thread is idle: the context may be changed from here. The empty
     * frame carries a content size of 0, as the reference writes it. */
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
    current(t)->end_frame = true;
    rc = submit(w, out);
    if (!rc)
        rc = wait_all(w, out);
    else
        wait_all(w, out);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 0);
    return t->status = rc;
}

static void free_jobs(rt_zwriter *w, rt_zthread *t)
{
    for (int i = 0; i < JOBS; i++) {
        rt_free(w->alloc, t->jobs[i].in, JOB_IN);
        rt_free(w->alloc, t->jobs[i].out, t->out_cap);
    }
    rt_free(w->alloc, t, sizeof *t);
}

/* Makes libzstd size its workspace now, in this thread: a frame started
 * with unknown size uses the same parameters as every later one. */
static int prime(rt_zwriter *w, zjob *scratch, size_t out_cap)
{
    static const unsigned char byte = 0;
    ZSTD_inBuffer in = {&byte, 1, 0};
    ZSTD_outBuffer ob = {scratch->out, out_cap, 0};
    size_t r = ZSTD_compressStream2(w->cctx, &ob, &in, ZSTD_e_continue);
    ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);
    if (ZSTD_isError(r))
        return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? RT_ENOMEM : RT_EIO;
    return RT_OK;
}

int rt_zthread_start(rt_zwriter *w)
{
    rt_zthread *t = rt_malloc(w->alloc, sizeof *t);
    if (!t)
        return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory (compression thread)");
    memset(t, 0, sizeof *t);
    t->out_cap = ZSTD_compressBound(JOB_IN + ZSTD_BLOCKSIZE_MAX) + ZSTD_CStreamOutSize();
    for (int i = 0; i < JOBS; i++) {
        t->jobs[i].in = rt_malloc(w->alloc, JOB_IN);
        t->jobs[i].out = t->jobs[i].in ? rt_malloc(w->alloc, t->out_cap) : NULL;
        if (!t->jobs[i].out) {
            free_jobs(w, t);
            return rt_err_set(w->err, RT_ENOMEM, "v1 writer: out of memory (compression thread)");
        }
    }
    int rc = prime(w, &t->jobs[0], t->out_cap);
    if (rc) {
        free_jobs(w, t);
        return rt_err_set(w->err, rc, "v1 writer: zstd setup failed");
    }
    if (pthread_mutex_init(&t->mu, NULL)) {
        free_jobs(w, t);
        return RT_EIO;
    }
    if (pthread_cond_init(&t->work, NULL)) {
        pthread_mutex_destroy(&t->mu);
        free_jobs(w, t);
        return RT_EIO;
    }
    if (pthread_cond_init(&t->idle, NULL)) {
        pthread_cond_destroy(&t->work);
        pthread_mutex_destroy(&t->mu);
        free_jobs(w, t);
        return RT_EIO;
    }
    w->thread = t;
    if (pthread_create(&t->tid, NULL, worker, w)) {
        w->thread = NULL;
        pthread_cond_destroy(&t->idle);
        pthread_cond_destroy(&t->work);
        pthread_mutex_destroy(&t->mu);
        free_jobs(w, t);
        return RT_EIO;
    }
    return RT_OK;
}

void rt_zthread_stop(rt_zwriter *w)
{
    rt_zthread *t = w->thread;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->work);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->tid, NULL);
    pthread_cond_destroy(&t->idle);
    pthread_cond_destroy(&t->work);
    pthread_mutex_destroy(&t->mu);
    free_jobs(w, t);
    w->thread = NULL;
}
