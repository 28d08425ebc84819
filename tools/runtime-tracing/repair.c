/* repair: makes a truncated events file complete (rt_trace_repair). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "progress.h"

static const char repair_help[] =
    "Usage: " CLI_NAME " repair FILE\n"
    "\n"
    "Makes a truncated events file (a recording killed before it finished) readable\n"
    "by any reader: a JSON array is closed after its last complete event; a v1 file\n"
    "is rewritten from its recoverable events with a valid seek table; a trace.ct\n"
    "is rewritten from its readable events into a container the debugger opens\n"
    "whole (program, args, workdir and recording id kept, every source listed).\n"
    "A v0 file is rebuilt, up to its last flush, from the journal and spools its\n"
    "writer keeps beside it (FILE.v0-journal). A complete file is left as it is.\n"
    "\n"
    "  --quiet   no progress line on a terminal\n";

int cmd_repair(int argc, char **argv)
{
    bool quiet = cli_take_flag(&argc, argv, "--quiet");
    const char *pos[1];
    size_t npos;
    int rc = cli_parse(argc, argv, NULL, NULL, 0, pos, 1, &npos);
    if (rc < 0) {
        fputs(repair_help, stdout);
        return CLI_OK;
    }
    if (rc)
        return rc;
    if (npos < 1)
        return cli_usage("repair", "expected FILE");
    char *file = cli_events_path(pos[0]);
    if (!file)
        return CLI_INVALID;
    rt_repair_result res;
    char why[512];
    cli_progress pg;
    cli_progress_begin(&pg, NULL, file, quiet, false);
    rc = rt_trace_repair_progress(file, &res, cli_progress_fn, &pg, why, sizeof why);
    cli_progress_end(&pg);
    if (rc != RT_OK) {
        cli_error("%s (%s)", why[0] ? why : rt_strerror(rc), rt_status_name(rc));
        free(file);
        return CLI_INVALID;
    }
    if (res.was_truncated)
        printf("%s: repaired (%s): %llu events kept, %llu -> %llu bytes\n", file,
               rt_format_name(res.format), (unsigned long long)res.events,
               (unsigned long long)res.old_size, (unsigned long long)res.new_size);
    else
        printf("%s: complete (%s), %llu events: nothing to repair\n", file,
               rt_format_name(res.format), (unsigned long long)res.events);
    free(file);
    return CLI_OK;
}
