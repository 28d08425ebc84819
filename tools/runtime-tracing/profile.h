/* runtime-tracing: one pass over a trace that follows its call stack
 * (Call/Return) and adds up, per function, per source file, per variable
 * and per distinct call stack, what the events cost. stats and flamegraph
 * print it. Memory grows with the functions, paths, variables and distinct
 * stacks of the trace, never with its events. */
#ifndef RT_CLI_PROFILE_H
#define RT_CLI_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "runtime_tracing.h"

/* What some events cost: the unit every table adds up. */
typedef struct prof_cost {
    uint64_t steps;  /* Step events */
    uint64_t events; /* events of any kind */
    uint64_t bytes;  /* their encoded bytes (rt_reader_event_size) */
} prof_cost;

/* Pseudo functions before those of the trace. */
#define PROF_NO_CALL 0 /* events before the first Call or after the last Return */
#define PROF_UNKNOWN 1 /* a Call of a function id no Function event defined */
#define PROF_FIRST_FUNC 2

typedef struct prof_func {
    char *name;      /* NUL-terminated copy */
    uint64_t path_id; /* the trace's path id (profile_func_path) */
    int64_t line;
    uint64_t calls;
    prof_cost self;       /* events while it is the innermost call */
    uint64_t steps_total; /* steps while it is anywhere on the stack */
    uint64_t values;      /* Value events in it and the arguments of its Calls */
    uint64_t active;      /* its frames on the stack now */
    uint64_t total_from;  /* step count when its outermost frame began */
} prof_func;

typedef struct prof_path {
    char *name;
    uint64_t steps;
} prof_path;

typedef struct prof_var {
    char *name;
    uint64_t values; /* Value events and Call arguments */
    uint64_t bytes;  /* bytes of its Value events */
} prof_var;

/* A distinct call stack: the trie node of (parent, function). Node 0 is
 * the root (no call). */
typedef struct prof_node {
    uint32_t parent, func;
    prof_cost self;
} prof_node;

typedef struct prof_frame {
    uint32_t node, func;
} prof_frame;

/* Open addressing: table rows by the hash of their key (name; for a
 * function name, path and line), so that a name defined twice is one row. */
typedef struct prof_slot {
    uint64_t hash;
    uint32_t item; /* row + 1; 0: empty */
} prof_slot;

typedef struct prof_index {
    prof_slot *slots;
    size_t cap, n;
} prof_index;

/* A trace's ids (of Function, Path, VariableName events) to table rows. */
typedef struct prof_ids {
    uint32_t *row;
    size_t n, cap;
} prof_ids;

typedef struct profile {
    bool want_stacks;             /* build the trie (flamegraph) */
    prof_func *funcs;
    size_t nfuncs, funcs_cap;
    prof_path *paths;
    size_t npaths, paths_cap;
    prof_var *vars;
    size_t nvars, vars_cap;
    prof_index funcs_ix, paths_ix, vars_ix; /* rows by key */
    prof_ids func_ids, path_ids, var_ids;   /* the trace's ids to rows */
    prof_node *nodes;
    size_t nnodes, nodes_cap;
    uint32_t *node_index;         /* open addressing: node ids by (parent, func) */
    size_t index_cap;
    prof_frame *stack;
    size_t depth, stack_cap, depth_max;
    uint64_t lost_frames;         /* Calls past the depth limit (their Returns pop nothing) */
    prof_cost total;
    uint64_t calls, returns, unmatched_returns, unknown_calls;
    bool stacks_full;             /* too many distinct stacks: deeper ones fold into their parent */
    rt_format format;
    bool complete;                /* the reader reached the end of the file */
} profile;

/* Reads every event of the trace at path (a file or a trace directory)
 * into p (zeroed by the call; want_stacks as given), with a progress line
 * unless quiet. Prints why it could not read (a truncated file is read up
 * to the cut, with a warning) and warnings about an unbalanced stack.
 * Returns CLI_OK or CLI_INVALID; free p with profile_free either way. */
int profile_run(profile *p, const char *path, const char *cmd, bool want_stacks, bool quiet);
void profile_free(profile *p);

/* Display name of function f: its name, or "<...>" for the pseudo ones. */
const char *profile_func_name(const profile *p, uint32_t f);
/* The path of function f, or "" when unknown. */
const char *profile_func_path(const profile *p, uint32_t f);

/* Costs of the nodes with their descendants (an array of nnodes, caller
 * frees), or NULL when out of memory. Children come after their parents. */
prof_cost *profile_node_totals(const profile *p);

/* Appends s to out as a JSON string (quoted, escaped). */
void profile_json_string(FILE *out, const char *s);

#endif
