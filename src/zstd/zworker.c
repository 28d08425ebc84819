/* The frame worker (zworker.h). With the thread, RT_ZWORKER_SLOTS slots
 * take turns: the caller fills one while the thread compresses the one
 * submitted before; a slot is handed back (its frame emitted) before it is
 * filled again, so memory stays at two frames' worth whatever the rates.
 * Without it, the one slot is compressed at submit. */
#include <pthread.h>

#include "zstd/zworker.h"

struct rt_zthread {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t work; /* to the thread: a slot queued, or stop */
    pthread_cond_t idle; /* to the caller: a slot done */
    uint64_t queued, done; /* under mu */
    bool stop;
};

static void compress_slot(ZSTD_CCtx *cctx, rt_zslot *s)
{
    size_t r = ZSTD_compress2(cctx, s->out.data, s->out.cap, s->in.data + s->start, s->frame_len);
    s->zerr = ZSTD_isError(r) ? r : 0;
    s->out.len = ZSTD_isError(r) ? 0 : r;
}

static void *worker_main(void *arg)
{
    rt_zworker *z = arg;
    struct rt_zthread *t = z->thread;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        while (!t->stop && t->done == t->queued)
            pthread_cond_wait(&t->work, &t->mu);
        if (t->done == t->queued)
            break; /* stopped, nothing left */
        rt_zslot *s = &z->slots[t->done % z->nslots];
        pthread_mutex_unlock(&t->mu);
        compress_slot(z->cctx, s);
        pthread_mutex_lock(&t->mu);
        t->done++;
        pthread_cond_signal(&t->idle);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

static int zstd_status(size_t code)
{
    return ZSTD_getErrorCode(code) == ZSTD_error_memory_allocation ? RT_ENOMEM : RT_EIO;
}

static int emit_slot(rt_zworker *z, const rt_zslot *s)
{
    if (z->status)
        return z->status;
    if (s->zerr)
        return z->status = rt_err_set(z->err, zstd_status(s->zerr),
                                      "%s: zstd compression failed: %s", z->what,
                                      ZSTD_getErrorName(s->zerr));
    return z->status = z->emit(z->emit_ctx, s->out.data, s->out.len, s->frame_len, s->tag);
}

/* Emits the frames done (up to done), in order. */
static int emit_done(rt_zworker *z, uint64_t done)
{
    for (; z->collected < done; z->collected++)
        emit_slot(z, &z->slots[z->collected % z->nslots]);
    return z->status;
}

/* Waits until the thread has done `until` slots; returns how many it has. */
static uint64_t wait_done(struct rt_zthread *t, uint64_t until)
{
    pthread_mutex_lock(&t->mu);
    while (t->done < until)
        pthread_cond_wait(&t->idle, &t->mu);
    uint64_t done = t->done;
    pthread_mutex_unlock(&t->mu);
    return done;
}

int rt_zworker_collect(rt_zworker *z, bool wait)
{
    if (!z->thread)
        return emit_done(z, z->submitted);
    struct rt_zthread *t = z->thread;
    return emit_done(z, wait_done(t, wait ? z->submitted : 0));
}

int rt_zworker_submit(rt_zworker *z, size_t frame_len, uint64_t tag)
{
    if (z->status)
        return z->status;
    rt_zslot *s = &z->slots[z->submitted % z->nslots];
    size_t bound = ZSTD_compressBound(frame_len);
    s->out.len = 0;
    if (rt_buf_reserve(&s->out, bound))
        return z->status = rt_err_set(z->err, RT_ENOMEM, "%s: out of memory (%zu bytes)", z->what,
                                      bound);
    s->frame_len = frame_len;
    s->tag = tag;
    size_t carry = s->in.len - frame_len;
    if (!z->thread) {
        compress_slot(z->cctx, s);
        z->submitted++;
        memmove(s->in.data, s->in.data + frame_len, carry);
        s->in.len = carry;
        return emit_done(z, z->submitted);
    }
    struct rt_zthread *t = z->thread;
    pthread_mutex_lock(&t->mu);
    t->queued = ++z->submitted;
    pthread_cond_signal(&t->work);
    pthread_mutex_unlock(&t->mu);
    /* The next slot's last frame must be done before it is refilled. */
    uint64_t done = wait_done(t, z->submitted + 1 - z->nslots);
    int rc = emit_done(z, done);
    rt_buf *next = z->input = &z->slots[z->submitted % z->nslots].in;
    next->len = 0;
    /* The thread reads s->in[0..frame_len) only: the rest may be read. */
    if (!rc && rt_buf_append(next, s->in.data + frame_len, carry))
        rc = z->status = rt_err_set(z->err, RT_ENOMEM, "%s: out of memory (%zu bytes)", z->what,
                                    carry);
    return rc;
}

int rt_zworker_submit_run(rt_zworker *z, size_t nframes, size_t frame_len, uint64_t tag)
{
    if (nframes < 2)
        return nframes ? rt_zworker_submit(z, frame_len, tag) : z->status;
    int rc = rt_zworker_collect(z, true); /* the thread is idle from here */
    rt_zslot *s = &z->slots[z->submitted % z->nslots];
    size_t bound = ZSTD_compressBound(frame_len);
    s->out.len = 0;
    if (!rc && rt_buf_reserve(&s->out, bound))
        rc = z->status = rt_err_set(z->err, RT_ENOMEM, "%s: out of memory (%zu bytes)", z->what,
                                    bound);
    size_t at = 0;
    for (size_t i = 0; i < nframes && !rc; i++, at += frame_len) {
        s->start = at;
        s->frame_len = frame_len;
        s->tag = tag;
        compress_slot(z->cctx, s);
        rc = emit_slot(z, s);
    }
    s->start = 0;
    if (rc)
        return rc;
    memmove(s->in.data, s->in.data + at, s->in.len - at);
    s->in.len -= at;
    return RT_OK;
}

int rt_zworker_set_content_size(rt_zworker *z, bool on)
{
    int rc = rt_zworker_collect(z, true);
    size_t r = ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_contentSizeFlag, on ? 1 : 0);
    if (!rc && ZSTD_isError(r))
        rc = z->status = rt_err_set(z->err, RT_EIO, "%s: zstd setup failed: %s", z->what,
                                    ZSTD_getErrorName(r));
    return rc;
}

static int start_thread(rt_zworker *z)
{
    struct rt_zthread *t = rt_malloc(z->alloc, sizeof *t);
    if (!t)
        return RT_ENOMEM;
    memset(t, 0, sizeof *t);
    if (pthread_mutex_init(&t->mu, NULL))
        goto no_mutex;
    if (pthread_cond_init(&t->work, NULL))
        goto no_work;
    if (pthread_cond_init(&t->idle, NULL))
        goto no_idle;
    z->thread = t;
    if (pthread_create(&t->tid, NULL, worker_main, z) == 0)
        return RT_OK;
    z->thread = NULL;
    pthread_cond_destroy(&t->idle);
no_idle:
    pthread_cond_destroy(&t->work);
no_work:
    pthread_mutex_destroy(&t->mu);
no_mutex:
    rt_free(z->alloc, t, sizeof *t);
    return RT_EIO;
}

static void stop_thread(rt_zworker *z)
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
    rt_free(z->alloc, t, sizeof *t);
    z->thread = NULL;
}

/* The context's parameters, and the workspace they need at most (a frame
 * of unknown size gets the largest tables; a smaller frame fits in them). */
static int make_context(rt_zworker *z, const rt_zparams *p)
{
    ZSTD_compressionParameters cp = ZSTD_getCParams(p->level, 0, 0);
    if (p->window_log)
        cp.windowLog = (unsigned)p->window_log;
    size_t need = ZSTD_estimateCCtxSize_usingCParams(cp), r;
    if (ZSTD_isError(need))
        return rt_err_set(z->err, RT_EINVAL, "%s: zstd parameters refused: %s", z->what,
                          ZSTD_getErrorName(need));
    z->workspace_size = need + 4096;
    if (!(z->workspace = rt_malloc(z->alloc, z->workspace_size)))
        return rt_err_set(z->err, RT_ENOMEM, "%s: out of memory (zstd context)", z->what);
    if (!(z->cctx = ZSTD_initStaticCCtx(z->workspace, z->workspace_size)))
        return rt_err_set(z->err, RT_ENOMEM, "%s: zstd context does not fit", z->what);
    if (ZSTD_isError(r = ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, p->level)) ||
        ZSTD_isError(r = ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 0)) ||
        ZSTD_isError(r = ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_contentSizeFlag, p->content_size)) ||
        (p->window_log &&
         ZSTD_isError(r = ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_windowLog, p->window_log))))
        return rt_err_set(z->err, RT_EINVAL, "%s: zstd parameters refused: %s", z->what,
                          ZSTD_getErrorName(r));
    return RT_OK;
}

int rt_zworker_init(rt_zworker *z, const rt_zparams *p, bool threaded, size_t in_reserve,
                    rt_zframe_fn emit, void *emit_ctx, const char *what,
                    const rt_allocator *alloc, rt_err *err)
{
    memset(z, 0, sizeof *z);
    z->emit = emit;
    z->emit_ctx = emit_ctx;
    z->what = what;
    z->alloc = alloc;
    z->err = err;
    z->nslots = 1;
    for (unsigned i = 0; i < RT_ZWORKER_SLOTS; i++) {
        rt_buf_init(&z->slots[i].in, alloc);
        rt_buf_init(&z->slots[i].out, alloc);
    }
    if (p->level < ZSTD_minCLevel() || p->level > ZSTD_maxCLevel())
        return rt_err_set(err, RT_EINVAL, "%s: zstd level %d out of range %d..%d", what, p->level,
                          ZSTD_minCLevel(), ZSTD_maxCLevel());
    z->input = &z->slots[0].in;
    int rc = make_context(z, p);
    if (rc)
        return rc;
    if (threaded)
        z->nslots = RT_ZWORKER_SLOTS;
    for (unsigned i = 0; i < z->nslots; i++)
        if (rt_buf_reserve(&z->slots[i].in, in_reserve))
            return rt_err_set(err, RT_ENOMEM, "%s: out of memory (frame buffers)", what);
    if (threaded && (rc = start_thread(z))) {
        if (rc == RT_ENOMEM)
            return rt_err_set(err, RT_ENOMEM, "%s: out of memory (compression thread)", what);
        z->nslots = 1; /* no thread could start: compress in the caller's */
        rt_buf_free(&z->slots[1].in);
    }
    return RT_OK;
}

void rt_zworker_free(rt_zworker *z)
{
    if (z->thread)
        stop_thread(z);
    for (unsigned i = 0; i < RT_ZWORKER_SLOTS; i++) {
        rt_buf_free(&z->slots[i].in);
        rt_buf_free(&z->slots[i].out);
    }
    rt_free(z->alloc, z->workspace, z->workspace_size);
    z->workspace = NULL;
    z->cctx = NULL;
}
