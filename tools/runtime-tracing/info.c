/* info: what a trace holds: its format, how many events of each kind, how
 * many paths, functions, types and variables, and the sizes of its files. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char info_help[] =
    "Usage: " CLI_NAME " info PATH\n"
    "\n"
    "Describes a trace directory or an events file: the format, the event count\n"
    "per kind, the number of paths, functions, types and variables, and the file\n"
    "sizes (in a directory also trace_metadata.json, trace_paths.json and files/).\n"
    "For a trace.ct also the container: its members and sizes, the meta.dat\n"
    "fields and the events.log chunks.\n";

#define ULL(x) ((unsigned long long)(x))

/* Counts the regular files under dir and their bytes. */
static void du(const char *dir, uint64_t *files, uint64_t *bytes, int depth)
{
    DIR *d = opendir(dir);
    if (!d || depth > 64) {
        if (d)
            closedir(d);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *p = cli_join(dir, de->d_name);
        struct stat st;
        if (lstat(p, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                du(p, files, bytes, depth + 1);
            else if (S_ISREG(st.st_mode)) {
                (*files)++;
                *bytes += (uint64_t)st.st_size;
            }
        }
        free(p);
    }
    closedir(d);
}

static void print_size(const char *label, const char *path)
{
    int64_t n = cli_file_size(path);
    if (n < 0)
        printf("%-20s missing\n", label);
    else
        printf("%-20s %lld bytes\n", label, (long long)n);
}

/* The zstd frames and the seek table of a v1 file. */
static void print_v1(const char *path)
{
    rt_v1_info vi;
    char errbuf[512];
    int rc = rt_v1_inspect(path, &vi, errbuf, sizeof errbuf);
    if (rc != RT_OK && rc != RT_EFORMAT) {
        printf("%-20s %s\n", "frames:", errbuf);
        return;
    }
    printf("%-20s %llu (%llu bytes compressed, %llu bytes of CBOR)\n", "frames:", ULL(vi.frames),
           ULL(vi.compressed_bytes), ULL(vi.decompressed_bytes));
    printf("%-20s %s\n", "seek table:",
           !vi.has_seek_table          ? "missing"
           : vi.seek_table_consistent ? "present, consistent"
                                      : "present, inconsistent with the frames");
    if (vi.truncated)
        printf("%-20s yes: complete frames end at byte %llu\n", "truncated:",
               ULL(vi.complete_end));
    if (rc == RT_EFORMAT)
        printf("%-20s %s\n", "damaged:", errbuf);
}

int cmd_info(int argc, char **argv)
{
    const char *pos[1];
    size_t npos;
    int rc = cli_parse(argc, argv, NULL, NULL, 0, pos, 1, &npos);
    if (rc < 0) {
        fputs(info_help, stdout);
        return CLI_OK;
    }
    if (rc)
        return rc;
    if (npos < 1)
        return cli_usage("info", "expected PATH");
    const char *path = pos[0];
    bool is_dir = cli_is_dir(path);
    char *events_path = cli_events_path(path);
    if (!events_path)
        return CLI_INVALID;
    bool ct = cli_is_ct(events_path);
    if (ct && cli_print_ct(events_path, true) != RT_OK) {
        free(events_path);
        return CLI_INVALID;
    }
    rt_reader *r = cli_open_reader(events_path, false);
    if (!r) {
        free(events_path);
        return CLI_INVALID;
    }
    uint64_t per_kind[RT_EVENT_KIND_COUNT] = {0};
    const rt_event *e;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT)
        per_kind[e->kind]++;
    int status = CLI_OK;
    uint64_t total = rt_reader_event_index(r);
    printf("%-20s %s\n", "events file:", events_path);
    printf("%-20s %s\n", "format:", rt_format_name(rt_reader_format(r)));
    print_size("size:", events_path);
    if (rt_reader_format(r) == RT_FORMAT_V1)
        print_v1(events_path);
    printf("%-20s %llu%s\n", "events:", ULL(total), rc == RT_READ_END ? "" : " (read stopped)");
    for (int k = 0; k < RT_EVENT_KIND_COUNT; k++)
        if (per_kind[k]) {
            char label[40];
            snprintf(label, sizeof label, "  %s:", rt_event_kind_name((rt_event_kind)k));
            printf("%-20s %llu\n", label, ULL(per_kind[k]));
        }
    printf("%-20s %llu\n", "paths:", ULL(per_kind[RT_EVENT_PATH]));
    printf("%-20s %llu\n", "functions:", ULL(per_kind[RT_EVENT_FUNCTION]));
    printf("%-20s %llu\n", "types:", ULL(per_kind[RT_EVENT_TYPE]));
    printf("%-20s %llu\n", "variables:",
           ULL(per_kind[RT_EVENT_VARIABLE_NAME] + per_kind[RT_EVENT_VARIABLE]));
    if (rc != RT_READ_END) {
        cli_read_error(r, rc);
        status = CLI_INVALID;
    }
    rt_reader_free(r);
    free(events_path);
    if (is_dir) {
        const char *others[] = {"trace.ct", "trace.json", "trace.bin"};
        for (size_t i = 0; i < 3; i++) {
            char *p = cli_join(path, others[i]);
            char label[40];
            snprintf(label, sizeof label, "%s:", others[i]);
            print_size(label, p);
            free(p);
        }
        char *meta = cli_join(path, "trace_metadata.json");
        char *paths = cli_join(path, "trace_paths.json");
        char *files = cli_join(path, "files");
        print_size("trace_metadata.json:", meta);
        print_size("trace_paths.json:", paths);
        if (cli_is_dir(files)) {
            uint64_t nfiles = 0, bytes = 0;
            du(files, &nfiles, &bytes, 0);
            printf("%-20s %llu files, %llu bytes\n", "files/:", ULL(nfiles), ULL(bytes));
        } else {
            printf("%-20s missing\n", "files/:");
        }
        rt_metadata m;
        char errbuf[256];
        if (rt_metadata_read(meta, &m, errbuf, sizeof errbuf) == RT_OK) {
            printf("%-20s %s\n", "program:", m.program);
            printf("%-20s %s\n", "workdir:", m.workdir ? m.workdir : "(absent)");
            if (m.recording_id)
                printf("%-20s %s\n", "recording_id:", m.recording_id);
            printf("%-20s %zu\n", "args:", m.nargs);
            rt_metadata_clear(&m);
        }
        free(meta);
        free(paths);
        free(files);
    }
    return status;
}
