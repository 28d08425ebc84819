#define _POSIX_C_SOURCE 200809L
/* The progress line: bytes read of the total, events, rate and time left,
 * redrawn in place on stderr a few times a second. The per-event cost is a
 * countdown; the clock is read every 4096 events (a coarse clock: cheap).
 * The line first appears after 4096 events, so reading a small trace shows
 * nothing. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define CHECK_EVERY 4096u
#define REDRAW_SECONDS 0.25

static double now(void)
{
    struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
#endif
        clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_begin(cli_progress *p, const rt_reader *r, const char *path, bool quiet,
                        bool to_stdout)
{
    memset(p, 0, sizeof *p);
    p->r = r;
    p->on = !quiet && isatty(STDERR_FILENO) && !(to_stdout && isatty(STDOUT_FILENO));
    if (!p->on)
        return;
    int64_t size = path ? cli_file_size(path) : -1;
    p->total = size > 0 ? (uint64_t)size : 0;
    p->countdown = CHECK_EVERY;
    p->start = now();
    p->last = p->start - REDRAW_SECONDS;
}

/* "12.3 MB" into buf. */
static void human_bytes(char *buf, size_t len, double n)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
    size_t u = 0;
    while (n >= 1000 && u + 1 < sizeof units / sizeof units[0]) {
        n /= 1000;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", n, units[u]);
}

void cli_progress_update(cli_progress *p)
{
    p->countdown = CHECK_EVERY;
    double t = now();
    if (t - p->last < REDRAW_SECONDS)
        return;
    p->last = t;
    double elapsed = t - p->start > 1e-3 ? t - p->start : 1e-3;
    uint64_t done = p->r ? rt_reader_bytes_consumed(p->r) : p->bytes;
    uint64_t events = p->r ? rt_reader_event_index(p->r) : p->events;
    char got[32], all[32], rate[32], left[48] = "";
    human_bytes(got, sizeof got, (double)done);
    human_bytes(rate, sizeof rate, (double)done / elapsed);
    if (p->total && done <= p->total) {
        human_bytes(all, sizeof all, (double)p->total);
        double secs = done ? (double)(p->total - done) * elapsed / (double)done : 0;
        unsigned long s = (unsigned long)(secs + 0.5);
        snprintf(left, sizeof left, ", %lu:%02lu left", s / 60, s % 60);
        fprintf(stderr, "\r%5.1f%%  %s of %s, %llu events, %s/s%s\x1b[K",
                100.0 * (double)done / (double)p->total, got, all, (unsigned long long)events,
                rate, left);
    } else {
        fprintf(stderr, "\r%s, %llu events, %s/s\x1b[K", got, (unsigned long long)events, rate);
    }
    fflush(stderr);
    p->shown = true;
}

void cli_progress_fn(void *ctx, uint64_t bytes_read, uint64_t bytes_total, uint64_t events)
{
    cli_progress *p = ctx;
    if (!p->on)
        return;
    if (bytes_read < p->bytes) /* another pass over the input: a new rate */
        p->start = now();
    p->bytes = bytes_read;
    p->total = bytes_total;
    p->events = events;
    cli_progress_update(p);
}

void cli_progress_hide(cli_progress *p)
{
    if (p->shown) {
        fputs("\r\x1b[K", stderr);
        fflush(stderr);
    }
    p->shown = false;
}

void cli_progress_end(cli_progress *p)
{
    cli_progress_hide(p);
    p->on = false;
}

bool cli_take_flag(int *argc, char **argv, const char *flag)
{
    bool found = false;
    int kept = 0;
    for (int i = 0; i < *argc; i++) {
        if (i > 0 && strcmp(argv[i], "--") == 0) {
            while (i < *argc)
                argv[kept++] = argv[i++];
            break;
        }
        if (i > 0 && strcmp(argv[i], flag) == 0)
            found = true;
        else
            argv[kept++] = argv[i];
    }
    *argc = kept;
    return found;
}
