/* What info and validate print about a trace.ct container. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define ULL(x) ((unsigned long long)(x))

bool cli_is_ct(const char *path)
{
    rt_ct_info ci;
    rt_ct_inspect(path, &ci, NULL, 0);
    bool ct = ci.version != 0;
    rt_ct_info_clear(&ci);
    return ct;
}

static void print_list(const char *label, char **items, size_t n)
{
    printf("%-20s %zu\n", label, n);
    for (size_t i = 0; i < n; i++)
        printf("  %s\n", items[i]);
}

int cli_print_ct(const char *path, bool chunks)
{
    rt_ct_info ci;
    char err[512] = "";
    int rc = rt_ct_inspect(path, &ci, err, sizeof err);
    if (rc && !ci.block_size) {
        cli_error("%s (%s)", err, rt_status_name(rc));
        rt_ct_info_clear(&ci);
        return rc;
    }
    printf("%-20s version %u, %u-byte blocks, %u root entries, %llu bytes (%s)\n", "container:",
           ci.version, (unsigned)ci.block_size, (unsigned)ci.max_root_entries, ULL(ci.file_size),
           ci.whole_blocks ? "whole blocks" : "NOT whole blocks: the debugger refuses its last block");
    printf("%-20s %zu\n", "members:", ci.nmembers);
    for (size_t i = 0; i < ci.nmembers; i++)
        printf("  %-18s %llu bytes (slot %u)\n", ci.members[i].name, ULL(ci.members[i].size),
               ci.members[i].slot);
    if (ci.meta_valid) {
        printf("%-20s v3, flags 0x%04x\n", "meta.dat:", ci.meta_flags);
        printf("%-20s %s\n", "recording id:", ci.recording_id);
        printf("%-20s %s\n", "program:", ci.program);
        print_list("args:", ci.args, ci.nargs);
        printf("%-20s %s\n", "workdir:", ci.workdir);
        printf("%-20s %s\n", "recorder id:", ci.recorder_id);
        print_list("source paths:", ci.paths, ci.npaths);
    } else {
        printf("%-20s refused: %s\n", "meta.dat:", ci.meta_error);
    }
    if (ci.has_events_log) {
        printf("%-20s %s%s\n", "events.log:", ci.split_binary ? "split-binary" : "CBOR",
               ci.raw_cbor ? ", raw (no chunks)" : ci.has_header ? ", v1 header" : ", no header");
        if (!ci.raw_cbor) {
            printf("%-20s %zu (%llu events by their headers%s)\n", "chunks:", ci.nchunks,
                   ULL(ci.chunk_events), ci.counts_consistent ? "" : ", first indexes inconsistent");
            for (size_t i = 0; chunks && i < ci.nchunks; i++)
                printf("  chunk %-12zu byte %llu, %u bytes, %u events from %llu\n", i,
                       ULL(ci.chunks[i].offset), (unsigned)ci.chunks[i].compressed,
                       (unsigned)ci.chunks[i].events, ULL(ci.chunks[i].first_event));
            if (ci.truncated)
                printf("%-20s yes: whole chunks end at byte %llu of events.log\n", "truncated:",
                       ULL(ci.complete_end));
        }
    } else {
        printf("%-20s missing: the debugger does not take the file for a trace\n", "events.log:");
    }
    if (rc)
        printf("%-20s %s\n", "damaged:", err);
    rt_ct_info_clear(&ci);
    return rc;
}
