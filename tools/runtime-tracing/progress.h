/* runtime-tracing: the progress line of long commands, on stderr when it is
 * a terminal, and the flags the commands take (--quiet and others). */
#ifndef RT_CLI_PROGRESS_H
#define RT_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "runtime_tracing.h"

typedef struct cli_progress {
    bool on;              /* stderr is a terminal and the line is wanted */
    bool shown;           /* the line is on the screen */
    const rt_reader *r;   /* where bytes and events come from; NULL: cli_progress_fn */
    uint64_t bytes, events;
    uint64_t total;       /* bytes of the input, 0 when unknown */
    uint32_t countdown;   /* events until the clock is looked at again */
    double start, last;   /* seconds: when reading began, when the line was drawn */
} cli_progress;

/* Starts the line for reading r (whose input file is path, for its size).
 * Off with quiet, when stderr is not a terminal, or with to_stdout when
 * standard output is a terminal too (the line would mix with the output). */
void cli_progress_begin(cli_progress *p, const rt_reader *r, const char *path, bool quiet,
                        bool to_stdout);
/* Redraws the line when a few tenths of a second have passed. */
void cli_progress_update(cli_progress *p);
/* Erases the line for good (at the end). */
void cli_progress_end(cli_progress *p);
/* Erases the line before another message; the next update draws it again. */
void cli_progress_hide(cli_progress *p);

/* An rt_progress_fn for library calls (ctx: a cli_progress begun with a
 * NULL reader): redraws the line when it is time. */
void cli_progress_fn(void *ctx, uint64_t bytes_read, uint64_t bytes_total, uint64_t events);

/* Once per event: looks at the clock every 4096 events only. */
static inline void cli_progress_event(cli_progress *p)
{
    if (p->on && --p->countdown == 0)
        cli_progress_update(p);
}

/* Takes every flag (an option without a value, "--quiet") out of argv;
 * true when it was there. */
bool cli_take_flag(int *argc, char **argv, const char *flag);

#endif
