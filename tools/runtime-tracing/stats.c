/* stats: where the events and bytes of a trace go, per function, per
 * source file and per variable, as tables or as one JSON object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "profile.h"
#include "progress.h"

static const char stats_help[] =
    "Usage: " CLI_NAME " stats PATH [--top N] [--json] [--quiet]\n"
    "\n"
    "Reads the trace PATH (an events file of any format, or a trace directory) once,\n"
    "following its call stack (Call/Return), and shows per function: calls, steps run\n"
    "in it (self, and with its callees), events and encoded bytes charged to it and\n"
    "values recorded in it; per source file: steps; per variable: values and bytes.\n"
    "An event is charged to the innermost call open when it is read (a Call to the\n"
    "function called, a Return to the function returning). Encoded bytes are each\n"
    "event's own encoding: JSON text (json), CBOR after decompression (v1), unpacked\n"
    "Cap'n Proto words (v0). A trace cut short or unbalanced is still reported, with\n"
    "a warning.\n"
    "\n"
    "  --top N    rows per table (default 20; 0: all); functions by events, files by\n"
    "             steps, variables by values\n"
    "  --json     everything (every row, unless --top is given) as one JSON object:\n"
    "             \"functions\" (name, path, line, calls, steps, steps_total, events,\n"
    "             bytes, values), \"files\" (path, steps), \"variables\" (name, values,\n"
    "             bytes) and \"total\"\n"
    "  --quiet    no progress line on a terminal\n";

#define ULL(x) ((unsigned long long)(x))

typedef struct ranked {
    uint64_t key;
    uint32_t idx;
} ranked;

static int by_key_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? 1 : -1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Rows of a table, largest key first, without the empty ones. */
static ranked *rank(size_t n, uint64_t (*key)(const profile *, size_t), const profile *p,
                    size_t *out_n)
{
    ranked *r = malloc((n ? n : 1) * sizeof *r);
    if (!r) {
        cli_error("out of memory");
        exit(CLI_INVALID);
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = key(p, i);
        if (v)
            r[k++] = (ranked){v, (uint32_t)i};
    }
    qsort(r, k, sizeof *r, by_key_desc);
    *out_n = k;
    return r;
}

static uint64_t func_key(const profile *p, size_t i)
{
    return p->funcs[i].self.events;
}

static uint64_t path_key(const profile *p, size_t i)
{
    return p->paths[i].steps;
}

static uint64_t var_key(const profile *p, size_t i)
{
    return p->vars[i].values;
}

/* Steps with callees; the pseudo functions are never on the stack. */
static uint64_t steps_total(const profile *p, uint32_t f)
{
    return f < PROF_FIRST_FUNC ? p->funcs[f].self.steps : p->funcs[f].steps_total;
}

static const char *bytes_meaning(rt_format f)
{
    switch (f) {
    case RT_FORMAT_JSON:
        return "JSON text of each event";
    case RT_FORMAT_V0:
        return "unpacked Cap'n Proto words of each event";
    case RT_FORMAT_V1:
        return "CBOR of each event, decompressed";
    default:
        return "encoded bytes of each event";
    }
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The three tables, ranked; shown: the rows printed (the top ones). */
typedef struct tables {
    ranked *funcs, *paths, *vars;
    size_t nfuncs, npaths, nvars;
    size_t shown_funcs, shown_paths, shown_vars;
} tables;

static size_t at_most(size_t n, size_t top)
{
    return top && top < n ? top : n;
}

static void make_tables(const profile *p, size_t top, tables *t)
{
    t->funcs = rank(p->nfuncs, func_key, p, &t->nfuncs);
    t->paths = rank(p->npaths, path_key, p, &t->npaths);
    t->vars = rank(p->nvars, var_key, p, &t->nvars);
    t->shown_funcs = at_most(t->nfuncs, top);
    t->shown_paths = at_most(t->npaths, top);
    t->shown_vars = at_most(t->nvars, top);
}

static void free_tables(tables *t)
{
    free(t->funcs);
    free(t->paths);
    free(t->vars);
}

/* A name from the trace, for a terminal: control bytes (a newline, an escape
 * sequence) as \xNN, so a trace cannot redraw the user's screen. */
static void put_name(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7F)
            printf("\\x%02X", c);
        else
            putchar(c);
    }
}

static void print_tables(const profile *p, const char *path, size_t top)
{
    tables t;
    make_tables(p, top, &t);
    const ranked *fr = t.funcs, *pr = t.paths, *vr = t.vars;
    printf("%s: %s, %llu events, %llu steps, %llu calls, %llu bytes (%s)%s\n", path,
           rt_format_name(p->format), ULL(p->total.events), ULL(p->total.steps), ULL(p->calls),
           ULL(p->total.bytes), bytes_meaning(p->format), p->complete ? "" : ", read up to a cut");
    size_t n = t.shown_funcs;
    printf("\nFunctions by events (%zu of %zu):\n", n, t.nfuncs);
    printf("%12s %6s %12s %6s %10s %10s %10s %10s  %s\n", "events", "%", "bytes", "%", "steps",
           "+callees", "calls", "values", "function");
    for (size_t i = 0; i < n; i++) {
        const prof_func *f = &p->funcs[fr[i].idx];
        const char *fpath = profile_func_path(p, fr[i].idx);
        printf("%12llu %6.2f %12llu %6.2f %10llu %10llu %10llu %10llu  ", ULL(f->self.events),
               pct(f->self.events, p->total.events), ULL(f->self.bytes),
               pct(f->self.bytes, p->total.bytes), ULL(f->self.steps),
               ULL(steps_total(p, fr[i].idx)), ULL(f->calls), ULL(f->values));
        put_name(f->name);
        if (*fpath) {
            fputs(" (", stdout);
            put_name(fpath);
            printf(":%lld)", (long long)f->line);
        }
        putchar('\n');
    }
    n = t.shown_paths;
    printf("\nSource files by steps (%zu of %zu):\n", n, t.npaths);
    printf("%12s %6s  %s\n", "steps", "%", "path");
    for (size_t i = 0; i < n; i++) {
        printf("%12llu %6.2f  ", ULL(p->paths[pr[i].idx].steps),
               pct(p->paths[pr[i].idx].steps, p->total.steps));
        put_name(p->paths[pr[i].idx].name);
        putchar('\n');
    }
    n = t.shown_vars;
    printf("\nVariables by values (%zu of %zu):\n", n, t.nvars);
    printf("%12s %12s %6s  %s\n", "values", "bytes", "%", "variable");
    for (size_t i = 0; i < n; i++) {
        const prof_var *v = &p->vars[vr[i].idx];
        printf("%12llu %12llu %6.2f  ", ULL(v->values), ULL(v->bytes),
               pct(v->bytes, p->total.bytes));
        put_name(v->name);
        putchar('\n');
    }
    free_tables(&t);
}

static void print_json(const profile *p, const char *path, size_t top)
{
    tables t;
    make_tables(p, top, &t);
    const ranked *fr = t.funcs, *pr = t.paths, *vr = t.vars;
    printf("{\"trace\":");
    profile_json_string(stdout, path);
    printf(",\"format\":\"%s\",\"complete\":%s,\"bytes_are\":\"%s\"", rt_format_name(p->format),
           p->complete ? "true" : "false", bytes_meaning(p->format));
    printf(",\"total\":{\"events\":%llu,\"steps\":%llu,\"bytes\":%llu,\"calls\":%llu,"
           "\"returns\":%llu}",
           ULL(p->total.events), ULL(p->total.steps), ULL(p->total.bytes), ULL(p->calls),
           ULL(p->returns));
    printf(",\"functions\":[");
    for (size_t i = 0; i < t.shown_funcs; i++) {
        const prof_func *f = &p->funcs[fr[i].idx];
        printf("%s\n{\"name\":", i ? "," : "");
        profile_json_string(stdout, f->name);
        printf(",\"path\":");
        profile_json_string(stdout, profile_func_path(p, fr[i].idx));
        printf(",\"line\":%lld,\"calls\":%llu,\"steps\":%llu,\"steps_total\":%llu,"
               "\"events\":%llu,\"bytes\":%llu,\"values\":%llu}",
               (long long)f->line, ULL(f->calls), ULL(f->self.steps),
               ULL(steps_total(p, fr[i].idx)), ULL(f->self.events), ULL(f->self.bytes),
               ULL(f->values));
    }
    printf("],\"files\":[");
    for (size_t i = 0; i < t.shown_paths; i++) {
        printf("%s\n{\"path\":", i ? "," : "");
        profile_json_string(stdout, p->paths[pr[i].idx].name);
        printf(",\"steps\":%llu}", ULL(p->paths[pr[i].idx].steps));
    }
    printf("],\"variables\":[");
    for (size_t i = 0; i < t.shown_vars; i++) {
        printf("%s\n{\"name\":", i ? "," : "");
        profile_json_string(stdout, p->vars[vr[i].idx].name);
        printf(",\"values\":%llu,\"bytes\":%llu}", ULL(p->vars[vr[i].idx].values),
               ULL(p->vars[vr[i].idx].bytes));
    }
    printf("]}\n");
    free_tables(&t);
}

/* A row count: digits only. */
static bool parse_count(const char *s, size_t *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end)
        return false;
    *out = (size_t)v;
    return true;
}

int cmd_stats(int argc, char **argv)
{
    bool json = cli_take_flag(&argc, argv, "--json");
    bool quiet = cli_take_flag(&argc, argv, "--quiet");
    static const char *const opts[] = {"--top"};
    const char *vals[1], *pos[1];
    size_t npos;
    int rc = cli_parse(argc, argv, opts, vals, 1, pos, 1, &npos);
    if (rc < 0) {
        fputs(stats_help, stdout);
        return CLI_OK;
    }
    if (rc)
        return rc;
    if (npos < 1)
        return cli_usage("stats", "expected PATH");
    size_t top = json ? 0 : 20;
    if (vals[0] && !parse_count(vals[0], &top))
        return cli_usage("stats", "--top needs a number, not '%s'", vals[0]);
    profile p;
    int status = profile_run(&p, pos[0], "stats", false, quiet);
    if (status == CLI_OK) {
        if (json)
            print_json(&p, pos[0], top);
        else
            print_tables(&p, pos[0], top);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_error("standard output: write failed");
            status = CLI_INVALID;
        }
    }
    profile_free(&p);
    return status;
}
