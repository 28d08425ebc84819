/* runtime-tracing: what the command files share. The tool uses only the
 * public header. */
#ifndef RT_CLI_H
#define RT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* info, validate and repair look inside trace.ct (rt_ct_inspect). */
#define RT_EXPERIMENTAL_CTFS
#include "runtime_tracing.h"

/* Exit statuses. */
#define CLI_OK 0
#define CLI_INVALID 1 /* invalid input, a failed check, an I/O error */
#define CLI_USAGE 2   /* bad command line */

#define CLI_NAME "runtime-tracing"

/* Each command: argv[0] is the command name. Returns an exit status. */
int cmd_convert(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_format_trace(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_repair(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_flamegraph(int argc, char **argv);
int cmd_redact(int argc, char **argv);
int cmd_filter(int argc, char **argv);

/* "runtime-tracing: message" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error for cmd: the message and a hint; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool cli_is_help(const char *arg);

/* Splits argv[1..] into positional arguments (pos, at most max) and
 * returns CLI_OK, CLI_USAGE (after a message) or -1 when --help was asked.
 * Options named in opts ("--to") take a value, as "--to X" or "--to=X";
 * their values go to vals in the same order (NULL when absent). */
int cli_parse(int argc, char **argv, const char *const *opts, const char **vals, size_t nopts,
              const char **pos, size_t max, size_t *npos);

/* Regular file, directory, or neither (errno set). */
bool cli_is_dir(const char *path);
bool cli_is_file(const char *path);
/* File size, or -1. */
int64_t cli_file_size(const char *path);
/* A heap copy (never NULL: exits on OOM). */
char *cli_strdup(const char *s);
/* dir + "/" + name into a new heap string (never NULL: exits on OOM). */
char *cli_join(const char *dir, const char *name);

/* The events file of a trace directory: DIR/trace.ct, else DIR/trace.json,
 * else DIR/trace.bin; a file path is returned as is. NULL when a directory has
 * neither (message printed). Free the result. */
char *cli_events_path(const char *path);

/* Reads the trace_metadata.json in the directory of events_path into *out
 * (free with rt_metadata_clear), else, when events_path is a trace.ct, its
 * own meta.dat; false when there is neither or it is bad. */
bool cli_sibling_metadata(const char *events_path, rt_metadata *out);

/* Opens an events file for reading (follow: see rt_reader_options); prints
 * why not and returns NULL. */
rt_reader *cli_open_reader(const char *path, bool follow);

/* True when the file at path starts as a CTFS container (trace.ct). */
bool cli_is_ct(const char *path);
/* Prints what rt_ct_inspect finds (members, meta.dat, chunks); with
 * chunks, every chunk. Returns the rt_ct_inspect status. */
int cli_print_ct(const char *path, bool chunks);
/* The dialect to write: --dialect's value (NULL when absent; a bad one is
 * a usage error of cmd), else the one the events of in need
 * (rt_reader_dialect after a first pass over the file that stops at the
 * first event that decides: rt_reader_dialect_decided). Returns CLI_OK or
 * CLI_USAGE. */
int cli_output_dialect(const char *cmd, const char *value, const char *in, rt_dialect *out);

/* Prints the reader's error for a failed rt_reader_next. */
void cli_read_error(rt_reader *r, int rc);

#endif
