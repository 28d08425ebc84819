/* Streaming recording: bounded memory, recovery after SIGKILL, a full disk,
 * and reading while recording. Each format that supports it is covered. */
#include "testutil.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/model.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

static const rt_format streaming_formats[] = {RT_FORMAT_JSON, RT_FORMAT_V1};
static const rt_format all_formats[] = {RT_FORMAT_JSON, RT_FORMAT_V0, RT_FORMAT_V1, RT_FORMAT_CT};
/* What a SIGKILL must leave readable and repairable (v0: repairable, then
 * readable: its file is written at finish, its journal at every flush). */
static const rt_format crash_formats[] = {RT_FORMAT_JSON, RT_FORMAT_V1, RT_FORMAT_CT, RT_FORMAT_V0};

/* A deterministic workload of `calls` API calls (10 per iteration), close to
 * BENCH.md, with a string value that varies. after_flush, when given, is
 * called with the number of events recorded each time `flush_every`
 * iterations have been flushed. */
static void record_workload(rt_tracer *t, uint64_t calls, uint64_t flush_every,
                            void (*after_flush)(uint64_t events))
{
    static const char *paths[] = {"/w/src/main.rs", "/w/src/lib.rs", "/w/src/util.rs"};
    rt_type_id int_t, str_t;
    assert_int_equal(rt_start(t, paths[0], 1), RT_OK);
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_INT, "i64", &int_t), RT_OK);
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_STRING, "String", &str_t), RT_OK);
    char name[64], var_a[32], var_b[32], text[64];
    for (uint64_t g = 0; 10 * g < calls; g++) {
        const char *p = paths[g % 3];
        int64_t line = (int64_t)((7 * g) % 400 + 1);
        assert_int_equal(rt_register_step(t, p, line), RT_OK);
        unsigned f = (unsigned)((13 * g) % 50);
        snprintf(name, sizeof name, "module::function_%u", f);
        rt_function_id fid;
        assert_int_equal(rt_ensure_function_id(t, name, paths[f % 3], 10 * f + 1, &fid), RT_OK);
        snprintf(var_a, sizeof var_a, "variable_%u", (unsigned)(g % 20));
        snprintf(var_b, sizeof var_b, "variable_%u", (unsigned)((g + 1) % 20));
        rt_full_value args[2];
        assert_int_equal(rt_arg(t, var_a, rt_value_int((int64_t)g, int_t), &args[0]), RT_OK);
        assert_int_equal(rt_arg(t, var_b, rt_value_int(-3 * (int64_t)g, int_t), &args[1]), RT_OK);
        assert_int_equal(rt_register_call(t, fid, args, 2), RT_OK);
        assert_int_equal(rt_register_step(t, paths[f % 3], line + 1), RT_OK);
        snprintf(text, sizeof text, "string \"value\" #%llu\n", (unsigned long long)(g % 1000));
        assert_int_equal(rt_register_variable_with_full_value(t, var_a, rt_value_string(text, str_t)), RT_OK);
        assert_int_equal(rt_register_return(t, rt_value_int(2 * (int64_t)g, int_t)), RT_OK);
        if (flush_every && (g + 1) % flush_every == 0) {
            assert_int_equal(rt_tracer_flush(t), RT_OK);
            if (after_flush)
                after_flush(rt_tracer_event_count(t));
        }
    }
}

static rt_tracer *workload_tracer(rt_format format, rt_mode mode)
{
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    o.format = format;
    o.mode = mode;
    o.flush_every_events = 0; /* the tests flush by hand */
    o.flush_every_ms = 0;
    rt_tracer *t;
    assert_int_equal(rt_tracer_new(&t, "workload", NULL, 0, &o), RT_OK);
    return t;
}

/* ---- bounded memory ----------------------------------------------------- */

/* The child side: records `calls` and exits (run as a fresh process, so
 * that its peak RSS is its own and not inherited from this test). */
static int record_child(rt_format format, rt_mode mode, uint64_t calls, const char *file)
{
    rt_tracer *t = workload_tracer(format, mode);
    if (mode == RT_MODE_STREAMING && rt_begin_writing_trace_events(t, file, format) != RT_OK)
        return 3;
    record_workload(t, calls, 0, NULL);
    if (mode == RT_MODE_BUFFERED && rt_begin_writing_trace_events(t, file, format) != RT_OK)
        return 3;
    if (rt_finish_writing_trace_events(t) != RT_OK)
        return 4;
    rt_tracer_free(t);
    return 0;
}

static const char *self_path;

/* Records `calls` in a new process and returns its peak RSS in KiB. */
static long child_peak_rss(rt_format format, rt_mode mode, uint64_t calls, const char *file)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char f[8], m[8], c[32];
        snprintf(f, sizeof f, "%d", (int)format);
        snprintf(m, sizeof m, "%d", (int)mode);
        snprintf(c, sizeof c, "%llu", (unsigned long long)calls);
        execl(self_path, self_path, "--record", f, m, c, file, (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return ru.ru_maxrss;
}

static void test_bounded_memory(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    for (size_t i = 0; i < sizeof all_formats / sizeof *all_formats; i++) {
        const char *file = tu_join(dir, "trace.out");
        long streaming = child_peak_rss(all_formats[i], RT_MODE_STREAMING, 2000000, file);
        long buffered = child_peak_rss(all_formats[i], RT_MODE_BUFFERED, 2000000, file);
        fprintf(stderr, "%s: 2M API calls, peak RSS streaming %ld KiB, buffered %ld KiB\n",
                rt_format_name(all_formats[i]), streaming, buffered);
        /* Sanitizer runtimes (shadow memory, quarantine) swamp these numbers. */
        if (!UNDER_SANITIZER) {
            assert_true(streaming < 32 * 1024);
            assert_true(buffered > streaming);
        }
        unlink(file);
    }
    tu_rmtree(dir);
}

/* ---- SIGKILL at random moments ----------------------------------------- */

static int progress_fd = -1;

static void report_flush(uint64_t events)
{
    /* The parent reads the last complete 8-byte record. */
    if (write(progress_fd, &events, sizeof events) != (ssize_t)sizeof events)
        _exit(5);
}

static uint64_t v0_recovered_rounds; /* rounds in which repair recovered events */

/* A killed v0 recording: repair completes it from its journal with every
 * flushed event, which then reads back in order. */
static void v0_after_kill(const char *file, rt_tracer *ref, uint64_t flushed, int round)
{
    char journal[512];
    snprintf(journal, sizeof journal, "%s.v0-journal", file);
    /* Read as it is, the empty file gives the journal's events, with a
     * warning naming repair. */
    rt_reader *kr;
    if (access(journal, F_OK) == 0 && rt_reader_open(&kr, file, NULL) == RT_OK) {
        assert_non_null(rt_reader_warning(kr));
        assert_non_null(strstr(rt_reader_warning(kr), "runtime-tracing repair"));
        const rt_event *e;
        uint64_t m = 0;
        int krc;
        while ((krc = rt_reader_next(kr, &e)) == RT_READ_EVENT) {
            if (!rt_event_equal(e, rt_tracer_event_at(ref, m)))
                fail_msg("v0 round %d: killed file: event %llu differs", round,
                         (unsigned long long)m);
            m++;
        }
        assert_int_equal(krc, RT_READ_END);
        assert_true(m >= flushed);
        rt_reader_free(kr);
    }
    rt_repair_result res;
    char err[512];
    int rc = rt_trace_repair(file, &res, err, sizeof err);
    if (flushed == 0 && access(journal, F_OK) != 0 && rc != RT_OK) {
        /* killed before the first flush: nothing was promised */
    } else {
        if (rc != RT_OK)
            fail_msg("v0 round %d: repair: %s", round, err);
        assert_true(res.events >= flushed);
        rt_reader *r;
        assert_int_equal(rt_reader_open(&r, file, NULL), RT_OK);
        const rt_event *e;
        uint64_t m = 0;
        while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
            if (!rt_event_equal(e, rt_tracer_event_at(ref, m)))
                fail_msg("v0 round %d: event %llu differs", round, (unsigned long long)m);
            m++;
        }
        assert_int_equal(rc, RT_READ_END);
        assert_int_equal(m, res.events);
        rt_reader_free(r);
        assert_int_equal(access(journal, F_OK), -1); /* repair removed what it used */
        if (m > 0)
            v0_recovered_rounds++;
    }
    static const char *const side[] = {".v0-journal", ".v0-events", ".v0-content"};
    for (int i = 0; i < 3; i++) {
        snprintf(journal, sizeof journal, "%s%s", file, side[i]);
        unlink(journal);
    }
    unlink(file);
}

static void test_sigkill_recovery(void **state)
{
    (void)state;
    /* The expected events: the same workload, kept in memory. */
    rt_tracer *ref = workload_tracer(RT_FORMAT_JSON, RT_MODE_BUFFERED);
    record_workload(ref, 2000000, 0, NULL);
    srand(12345);
    const char *dir = tu_tmpdir();
    for (size_t fi = 0; fi < sizeof crash_formats / sizeof *crash_formats; fi++) {
        rt_format format = crash_formats[fi];
        for (int round = 0; round < 20; round++) {
            const char *file = tu_join(dir, rt_format_events_file(format));
            int fds[2];
            assert_int_equal(pipe(fds), 0);
            pid_t pid = fork();
            assert_true(pid >= 0);
            if (pid == 0) {
                close(fds[0]);
                progress_fd = fds[1];
                rt_tracer *t = workload_tracer(format, RT_MODE_STREAMING);
                if (rt_begin_writing_trace_events(t, file, format) != RT_OK)
                    _exit(3);
                record_workload(t, 2000000, 100, report_flush);
                rt_finish_writing_trace_events(t);
                for (;;)
                    pause(); /* wait for the kill */
            }
            close(fds[1]);
            struct timespec ts = {0, (long)(1000000L * (2 + rand() % 60))};
            nanosleep(&ts, NULL);
            kill(pid, SIGKILL);
            int status;
            waitpid(pid, &status, 0);
            uint64_t flushed = 0, v;
            while (read(fds[0], &v, sizeof v) == (ssize_t)sizeof v)
                flushed = v;
            close(fds[0]);

            if (format == RT_FORMAT_V0) {
                v0_after_kill(file, ref, flushed, round);
                continue;
            }
            /* Every event up to the last flush reads back, in order. */
            rt_reader *r;
            int orc = rt_reader_open(&r, file, NULL);
            if (orc == RT_ENOENT || orc == RT_ETRUNCATED) {
                /* Killed before the file (or its header) was written. */
                assert_int_equal(flushed, 0);
                unlink(file);
                continue;
            }
            assert_int_equal(orc, RT_OK);
            const rt_event *e;
            uint64_t n = 0;
            int rc;
            while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
                const rt_event *want = rt_tracer_event_at(ref, n);
                assert_non_null(want);
                if (!rt_event_equal(e, want))
                    fail_msg("%s round %d: event %llu differs", rt_format_name(format), round,
                             (unsigned long long)n);
                n++;
            }
            assert_true(rc == RT_ETRUNCATED || rc == RT_READ_END);
            /* A ct writer holds the last Step and what follows it back (a
             * DropLastStep may still cancel it): a flush leaves that out. */
            if (format == RT_FORMAT_CT)
                while (flushed > 0 && rt_tracer_event_at(ref, flushed - 1)->kind != RT_EVENT_STEP)
                    flushed--;
            if (format == RT_FORMAT_CT && flushed > 0)
                flushed--;
            if (n < flushed)
                fail_msg("%s round %d: %llu events read, %llu were flushed", rt_format_name(format),
                         round, (unsigned long long)n, (unsigned long long)flushed);
            rt_reader_free(r);

            /* repair makes it a complete file with the same events. */
            rt_repair_result res;
            char err[512];
            assert_int_equal(rt_trace_repair(file, &res, err, sizeof err), RT_OK);
            assert_int_equal(res.events, n);
            assert_int_equal(rt_reader_open(&r, file, NULL), RT_OK);
            uint64_t m = 0;
            while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
                m++;
            assert_int_equal(rc, RT_READ_END);
            assert_int_equal(m, n);
            rt_reader_free(r);
            /* a repaired trace.ct is one the debugger opens whole */
            if (format == RT_FORMAT_CT && round % 5 == 0 &&
                access(RT_SOURCE_DIR "/../shared/tools/ctfs_check.py", R_OK) == 0 &&
                tu_run("python3 -c 1 2>/dev/null") == 0) {
                char want[64];
                snprintf(want, sizeof want, "decoded %llu events", (unsigned long long)n);
                assert_int_equal(tu_run("python3 '%s' check '%s' 2>&1 | grep -q '%s'",
                                        RT_SOURCE_DIR "/../shared/tools/ctfs_check.py", file, want),
                                 0);
            }
            unlink(file);
        }
    }
    fprintf(stderr, "v0: events recovered by repair in %llu of 20 rounds\n",
            (unsigned long long)v0_recovered_rounds);
    assert_true(v0_recovered_rounds > 0);
    rt_tracer_free(ref);
    tu_rmtree(dir);
}

/* ---- a full disk --------------------------------------------------------- */

typedef struct small_disk {
    FILE *f;
    size_t room;
} small_disk;

static long small_disk_write(void *ctx, const void *data, size_t len)
{
    small_disk *d = ctx;
    if (d->room == 0) {
        errno = ENOSPC;
        return -1;
    }
    size_t n = len < d->room ? len : d->room;
    if (fwrite(data, 1, n, d->f) != n)
        return -1;
    fflush(d->f);
    d->room -= n;
    return (long)n;
}

static void test_disk_full(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    for (size_t fi = 0; fi < sizeof streaming_formats / sizeof *streaming_formats; fi++) {
        rt_format format = streaming_formats[fi];
        const char *file = tu_join(dir, "trace.out");
        small_disk disk = {fopen(file, "wb"), 256 * 1024};
        assert_non_null(disk.f);
        rt_tracer_options o;
        rt_tracer_options_init(&o);
        o.format = format;
        o.mode = RT_MODE_STREAMING;
        o.flush_every_events = 1000;
        o.flush_every_ms = 0;
        o.write_fn = small_disk_write;
        o.write_ctx = &disk;
        rt_tracer *t;
        assert_int_equal(rt_tracer_new(&t, "disk", NULL, 0, &o), RT_OK);
        /* The path is not used: write_fn receives the bytes. */
        assert_int_equal(rt_begin_writing_trace_events(t, tu_join(dir, "unused"), format), RT_OK);
        int rc = RT_OK;
        uint64_t i;
        rt_path_id pid;
        assert_int_equal(rt_ensure_path_id(t, "/disk/main.c", &pid), RT_OK);
        for (i = 0; i < 10000000 && rc == RT_OK; i++) {
            char text[64];
            snprintf(text, sizeof text, "value %llu", (unsigned long long)(i * 2654435761u));
            rc = rt_register_step_id(t, pid, (rt_line)i);
            if (rc == RT_OK)
                rc = rt_register_full_value(t, 0, rt_value_string(text, 0));
        }
        assert_int_equal(rc, RT_ENOSPC);
        assert_non_null(strstr(rt_tracer_errmsg(t), "No space"));
        /* The error is sticky, and finish reports it too. */
        assert_int_equal(rt_register_step_id(t, pid, 1), RT_ENOSPC);
        assert_int_equal(rt_finish_writing_trace_events(t), RT_ENOSPC);
        rt_tracer_free(t);
        fclose(disk.f);
        /* What reached the disk reads back as a prefix of the events. */
        rt_reader *r;
        assert_int_equal(rt_reader_open(&r, file, NULL), RT_OK);
        const rt_event *e;
        uint64_t n = 0;
        while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
            n++;
        assert_int_equal(rc, RT_ETRUNCATED);
        assert_true(n > 1000);
        rt_reader_free(r);
        unlink(file);
    }
    tu_rmtree(dir);
}

/* ---- reading while recording ---------------------------------------------- */

static void test_follow(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    for (size_t fi = 0; fi < sizeof streaming_formats / sizeof *streaming_formats; fi++) {
        rt_format format = streaming_formats[fi];
        const char *file = tu_join(dir, format == RT_FORMAT_JSON ? "f.json" : "f.bin");
        unlink(file);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            rt_tracer *t = workload_tracer(format, RT_MODE_STREAMING);
            if (rt_begin_writing_trace_events(t, file, format) != RT_OK)
                _exit(3);
            for (int k = 0; k < 20; k++) {
                record_workload(t, 1000, 10, NULL);
                struct timespec ts = {0, 5000000};
                nanosleep(&ts, NULL);
            }
            _exit(rt_finish_writing_trace_events(t) == RT_OK ? 0 : 4);
        }
        /* Wait for the file to exist, then follow it. */
        struct stat st;
        for (int k = 0; k < 2000 && stat(file, &st) != 0; k++) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        rt_reader_options ro = {NULL, true, NULL, 0};
        rt_reader *r;
        assert_int_equal(rt_reader_open(&r, file, &ro), RT_OK);
        const rt_event *e;
        uint64_t n = 0, pending = 0;
        int rc;
        for (;;) {
            rc = rt_reader_next(r, &e);
            if (rc == RT_READ_EVENT) {
                n++;
            } else if (rc == RT_READ_PENDING) {
                pending++;
                struct timespec ts = {0, 1000000};
                nanosleep(&ts, NULL);
                assert_true(pending < 100000);
            } else {
                break;
            }
        }
        assert_int_equal(rc, RT_READ_END);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        rt_reader_free(r);
        /* The follower saw every event of the finished file. */
        rt_event_list *all;
        assert_int_equal(rt_event_list_load(&all, file, NULL, NULL, 0), RT_OK);
        assert_int_equal(rt_event_list_len(all), n);
        assert_true(pending > 0);
        rt_event_list_free(all);
    }
    tu_rmtree(dir);
}

/* The time policy flushes without an explicit flush call. */
static void test_time_flush(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    char file[256];
    snprintf(file, sizeof file, "%s/t.json", dir);
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    o.mode = RT_MODE_STREAMING;
    o.flush_every_events = 0;
    o.flush_every_ms = 30;
    rt_tracer *t;
    assert_int_equal(rt_tracer_new(&t, "timed", NULL, 0, &o), RT_OK);
    assert_int_equal(rt_begin_writing_trace_events(t, file, RT_FORMAT_JSON), RT_OK);
    rt_path_id pid;
    assert_int_equal(rt_ensure_path_id(t, "/t.c", &pid), RT_OK);
    /* the clock is read every 64 events (tracer.c RT_CLOCK_EVENTS) */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 64; i++)
            assert_int_equal(rt_register_step_id(t, pid, i), RT_OK);
        struct timespec ts = {0, 40000000};
        nanosleep(&ts, NULL);
    }
    /* Not finished, never flushed by hand: what is in the file reads back. */
    rt_reader *r;
    assert_int_equal(rt_reader_open(&r, file, NULL), RT_OK);
    const rt_event *e;
    uint64_t n = 0;
    int rc;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
        n++;
    assert_int_equal(rc, RT_ETRUNCATED);
    assert_true(n >= 128);
    rt_reader_free(r);
    rt_tracer_free(t);
    tu_rmtree(dir);
}

/* `runtime-tracing cat --follow` beside a writer prints what a plain `cat` of
 * the finished file prints. */
static void test_cat_follow(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    for (size_t fi = 0; fi < sizeof streaming_formats / sizeof *streaming_formats; fi++) {
        rt_format format = streaming_formats[fi];
        char file[256], followed[256], plain[256];
        snprintf(file, sizeof file, "%s/%s", dir, format == RT_FORMAT_JSON ? "c.json" : "c.bin");
        snprintf(followed, sizeof followed, "%s/followed.txt", dir);
        snprintf(plain, sizeof plain, "%s/plain.txt", dir);
        unlink(file);
        /* The follower starts first and waits for the file to appear. */
        pid_t cat = fork();
        assert_true(cat >= 0);
        if (cat == 0) {
            if (!freopen(followed, "w", stdout))
                _exit(126);
            execl(RT_BIN_DIR "/runtime-tracing", "runtime-tracing", "cat", "--follow", file,
                  (char *)NULL);
            _exit(127);
        }
        rt_tracer *t = workload_tracer(format, RT_MODE_STREAMING);
        assert_int_equal(rt_begin_writing_trace_events(t, file, format), RT_OK);
        for (int k = 0; k < 10; k++) {
            record_workload(t, 2000, 20, NULL);
            struct timespec ts = {0, 20000000};
            nanosleep(&ts, NULL);
        }
        assert_int_equal(rt_finish_writing_trace_events(t), RT_OK);
        rt_tracer_free(t);
        int status;
        assert_int_equal(waitpid(cat, &status, 0), cat);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(tu_run("'%s/runtime-tracing' cat '%s' > '%s'", RT_BIN_DIR, file, plain), 0);
        tu_assert_same_file(followed, plain);
    }
    tu_rmtree(dir);
}

int main(int argc, char **argv)
{
    self_path = argv[0];
    if (argc == 6 && strcmp(argv[1], "--record") == 0)
        return record_child((rt_format)atoi(argv[2]), (rt_mode)atoi(argv[3]),
                            strtoull(argv[4], NULL, 10), argv[5]);
    const struct CMUnitTest tests[] = {
        /* first: a forked child's peak RSS starts at this process's size,
         * which the SIGKILL test's reference recording and repairs grow */
        cmocka_unit_test(test_bounded_memory),
        cmocka_unit_test(test_disk_full),
        cmocka_unit_test(test_follow),
        cmocka_unit_test(test_cat_follow),
        cmocka_unit_test(test_time_flush),
        cmocka_unit_test(test_sigkill_recovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
