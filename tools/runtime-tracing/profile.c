/* The pass of stats and flamegraph (profile.h). Every event is charged to
 * the innermost call open when it is read: a Call to the function it
 * calls, a Return to the function returning. */
#include "profile.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"

#define MAX_DEPTH ((size_t)1 << 20) /* frames kept; deeper Calls are counted, not stacked */
#define MAX_NODES ((size_t)1 << 20) /* distinct stacks; deeper ones fold into their parent */

static void *grow(void *items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return items;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *p = realloc(items, n * size);
    if (!p) {
        cli_error("out of memory");
        exit(CLI_INVALID);
    }
    memset((char *)p + *cap * size, 0, (n - *cap) * size);
    *cap = n;
    return p;
}

static char *copy_str(rt_str s)
{
    char *d = malloc(s.len + 1);
    if (!d) {
        cli_error("out of memory");
        exit(CLI_INVALID);
    }
    if (s.len)
        memcpy(d, s.ptr, s.len);
    d[s.len] = '\0';
    /* Names end at a NUL byte in the tables. */
    return d;
}

static uint32_t add_func(profile *p, char *name, uint64_t path_id, int64_t line)
{
    p->funcs = grow(p->funcs, &p->funcs_cap, p->nfuncs + 1, sizeof *p->funcs);
    prof_func *f = &p->funcs[p->nfuncs];
    f->name = name;
    f->path_id = path_id;
    f->line = line;
    return (uint32_t)p->nfuncs++;
}

/* ---- rows by key: a name defined twice (the non-interning register_*
 * forms of the API may do that) is one row of its table ---------------- */

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
    return (h ^ 0xFF) * 0x100000001B3ull; /* the end of the string */
}

#define HASH_SEED 0xCBF29CE484222325ull

/* Whether row of the table ctx describes has key. */
typedef bool (*same_fn)(const void *ctx, uint32_t row, const void *key);

/* The row of hash h for which same() holds, or UINT32_MAX. */
static uint32_t index_find(const prof_index *ix, uint64_t h, same_fn same, const void *ctx,
                           const void *key)
{
    if (!ix->cap)
        return UINT32_MAX;
    for (size_t i = (size_t)h & (ix->cap - 1); ix->slots[i].item; i = (i + 1) & (ix->cap - 1))
        if (ix->slots[i].hash == h && same(ctx, ix->slots[i].item - 1, key))
            return ix->slots[i].item - 1;
    return UINT32_MAX;
}

static void index_put(prof_slot *slots, size_t cap, uint64_t h, uint32_t item)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].item)
        i = (i + 1) & (cap - 1);
    slots[i] = (prof_slot){h, item};
}

static void index_add(prof_index *ix, uint64_t h, uint32_t row)
{
    if ((ix->n + 1) * 2 > ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 256;
        prof_slot *slots = calloc(cap, sizeof *slots);
        if (!slots) {
            cli_error("out of memory");
            exit(CLI_INVALID);
        }
        for (size_t i = 0; i < ix->cap; i++)
            if (ix->slots[i].item)
                index_put(slots, cap, ix->slots[i].hash, ix->slots[i].item);
        free(ix->slots);
        ix->slots = slots;
        ix->cap = cap;
    }
    index_put(ix->slots, ix->cap, h, row + 1);
    ix->n++;
}

static void add_id(prof_ids *ids, uint32_t row)
{
    ids->row = grow(ids->row, &ids->cap, ids->n + 1, sizeof *ids->row);
    ids->row[ids->n++] = row;
}

/* The row of a trace's id, or UINT32_MAX for an id no event defined. */
static uint32_t row_of(const prof_ids *ids, uint64_t id)
{
    return id < ids->n ? ids->row[id] : UINT32_MAX;
}

/* A table whose rows begin with their name: paths and variables. */
_Static_assert(offsetof(prof_path, name) == 0 && offsetof(prof_var, name) == 0,
               "a named row begins with its name");
typedef struct name_table {
    const void *rows;
    size_t size; /* bytes of a row */
} name_table;

static bool same_name(const void *ctx, uint32_t row, const void *key)
{
    const name_table *t = ctx;
    const char *const *name = (const void *)((const char *)t->rows + (size_t)row * t->size);
    return strcmp(*name, key) == 0;
}

typedef struct func_key {
    const char *name, *path;
    int64_t line;
} func_key;

static bool same_func(const void *ctx, uint32_t row, const void *key)
{
    const profile *p = ctx;
    const func_key *k = key;
    return p->funcs[row].line == k->line && strcmp(p->funcs[row].name, k->name) == 0 &&
           strcmp(profile_func_path(p, row), k->path) == 0;
}

/* Defines name (owned, kept or freed) in a table of named rows (rows of
 * size bytes, *n of them, indexed by ix): the row of that name, else a new
 * one; the trace's next id maps to it. Returns the table (it may move). */
static void *define_name(void *rows, size_t size, size_t *n, size_t *cap, prof_index *ix,
                         prof_ids *ids, char *name)
{
    uint64_t h = hash_str(HASH_SEED, name);
    name_table t = {rows, size};
    uint32_t row = index_find(ix, h, same_name, &t, name);
    if (row == UINT32_MAX) {
        rows = grow(rows, cap, *n + 1, size);
        row = (uint32_t)(*n)++;
        memcpy((char *)rows + (size_t)row * size, &name, sizeof name);
        index_add(ix, h, row);
    } else {
        free(name);
    }
    add_id(ids, row);
    return rows;
}

static void define_func(profile *p, char *name, uint64_t path_id, int64_t line)
{
    uint32_t path_row = row_of(&p->path_ids, path_id);
    func_key k = {name, path_row == UINT32_MAX ? "" : p->paths[path_row].name, line};
    uint64_t h = hash_str(hash_str(HASH_SEED, name), k.path) ^ (uint64_t)line;
    h *= 0x100000001B3ull;
    uint32_t row = index_find(&p->funcs_ix, h, same_func, p, &k);
    if (row == UINT32_MAX) {
        row = add_func(p, name, path_id, line);
        index_add(&p->funcs_ix, h, row);
    } else {
        free(name);
    }
    add_id(&p->func_ids, row);
}

static size_t slot_of(uint32_t parent, uint32_t func, size_t cap)
{
    uint64_t k = ((uint64_t)parent << 32 | func) * 0x9E3779B97F4A7C15ull;
    return (size_t)(k >> 20) & (cap - 1);
}

static void index_node(profile *p, uint32_t id)
{
    size_t i = slot_of(p->nodes[id].parent, p->nodes[id].func, p->index_cap);
    while (p->node_index[i])
        i = (i + 1) & (p->index_cap - 1);
    p->node_index[i] = id + 1;
}

/* The node of (parent, func), created when new. */
static uint32_t child_node(profile *p, uint32_t parent, uint32_t func)
{
    if (p->index_cap) {
        size_t i = slot_of(parent, func, p->index_cap);
        uint32_t id;
        while ((id = p->node_index[i]) != 0) {
            const prof_node *n = &p->nodes[id - 1];
            if (n->parent == parent && n->func == func)
                return id - 1;
            i = (i + 1) & (p->index_cap - 1);
        }
    }
    if (p->nnodes >= MAX_NODES) {
        p->stacks_full = true;
        return parent;
    }
    if ((p->nnodes + 1) * 2 > p->index_cap) {
        size_t cap = p->index_cap ? p->index_cap * 2 : 1024;
        free(p->node_index);
        p->node_index = calloc(cap, sizeof *p->node_index);
        if (!p->node_index) {
            cli_error("out of memory");
            exit(CLI_INVALID);
        }
        p->index_cap = cap;
        for (size_t k = 0; k < p->nnodes; k++)
            index_node(p, (uint32_t)k);
    }
    p->nodes = grow(p->nodes, &p->nodes_cap, p->nnodes + 1, sizeof *p->nodes);
    uint32_t id = (uint32_t)p->nnodes++;
    p->nodes[id].parent = parent;
    p->nodes[id].func = func;
    index_node(p, id);
    return id;
}

static void push(profile *p, uint32_t func)
{
    p->calls++;
    p->funcs[func].calls++;
    if (p->depth >= MAX_DEPTH) {
        p->lost_frames++;
        return;
    }
    uint32_t parent = p->depth ? p->stack[p->depth - 1].node : 0;
    uint32_t node = p->want_stacks ? child_node(p, parent, func) : 0;
    p->stack = grow(p->stack, &p->stack_cap, p->depth + 1, sizeof *p->stack);
    p->stack[p->depth++] = (prof_frame){node, func};
    if (p->depth > p->depth_max)
        p->depth_max = p->depth;
    prof_func *f = &p->funcs[func];
    if (f->active++ == 0)
        f->total_from = p->total.steps;
}

static void pop(profile *p)
{
    if (p->lost_frames) {
        p->lost_frames--;
        return;
    }
    if (!p->depth) {
        p->unmatched_returns++;
        return;
    }
    prof_func *f = &p->funcs[p->stack[--p->depth].func];
    if (--f->active == 0)
        f->steps_total += p->total.steps - f->total_from;
}

static void count_var(profile *p, rt_variable_id id, uint64_t bytes)
{
    uint32_t row = row_of(&p->var_ids, id);
    if (row != UINT32_MAX) {
        p->vars[row].values++;
        p->vars[row].bytes += bytes;
    }
}

static void add_event(profile *p, const rt_event *e, uint64_t bytes)
{
    switch (e->kind) {
    case RT_EVENT_PATH:
        p->paths = define_name(p->paths, sizeof *p->paths, &p->npaths, &p->paths_cap,
                               &p->paths_ix, &p->path_ids, copy_str(e->u.path));
        break;
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        p->vars = define_name(p->vars, sizeof *p->vars, &p->nvars, &p->vars_cap, &p->vars_ix,
                              &p->var_ids, copy_str(e->u.name));
        break;
    case RT_EVENT_FUNCTION:
        define_func(p, copy_str(e->u.function.name), e->u.function.path_id, e->u.function.line);
        break;
    case RT_EVENT_CALL: {
        uint32_t f = row_of(&p->func_ids, e->u.call.function_id);
        if (f == UINT32_MAX) {
            f = PROF_UNKNOWN;
            p->unknown_calls++;
        }
        push(p, f);
        p->funcs[f].values += e->u.call.len;
        for (size_t i = 0; i < e->u.call.len; i++)
            count_var(p, e->u.call.args[i].variable_id, 0);
        break;
    }
    default:
        break;
    }
    /* The innermost call now (the callee of a Call, the function returning
     * for a Return). */
    prof_frame top = p->depth ? p->stack[p->depth - 1] : (prof_frame){0, PROF_NO_CALL};
    prof_func *f = &p->funcs[top.func];
    prof_cost *node = p->want_stacks ? &p->nodes[top.node].self : NULL;
    f->self.events++;
    f->self.bytes += bytes;
    p->total.events++;
    p->total.bytes += bytes;
    if (node) {
        node->events++;
        node->bytes += bytes;
    }
    switch (e->kind) {
    case RT_EVENT_STEP: {
        f->self.steps++;
        p->total.steps++;
        if (node)
            node->steps++;
        uint32_t path = row_of(&p->path_ids, e->u.step.path_id);
        if (path != UINT32_MAX)
            p->paths[path].steps++;
        break;
    }
    case RT_EVENT_VALUE:
        f->values++;
        count_var(p, e->u.value.variable_id, bytes);
        break;
    case RT_EVENT_RETURN:
        p->returns++;
        pop(p);
        break;
    default:
        break;
    }
}

/* Closes the frames a cut trace leaves open, so that their totals count. */
static void close_frames(profile *p)
{
    p->lost_frames = 0;
    while (p->depth)
        pop(p);
}

static void warn_unbalanced(const profile *p, const char *cmd, uint64_t open_frames)
{
    if (open_frames)
        fprintf(stderr,
                CLI_NAME " %s: warning: %llu calls never return (a trace cut short?); they "
                         "are counted up to the end\n",
                cmd, (unsigned long long)open_frames);
    if (p->unmatched_returns)
        fprintf(stderr, CLI_NAME " %s: warning: %llu Returns without a Call to return from\n",
                cmd, (unsigned long long)p->unmatched_returns);
    if (p->unknown_calls)
        fprintf(stderr, CLI_NAME " %s: warning: %llu Calls of undefined functions\n", cmd,
                (unsigned long long)p->unknown_calls);
    if (p->stacks_full)
        fprintf(stderr,
                CLI_NAME " %s: warning: more than %zu distinct call stacks: deeper calls are "
                         "counted in their caller's stack\n",
                cmd, MAX_NODES);
}

int profile_run(profile *p, const char *path, const char *cmd, bool want_stacks, bool quiet)
{
    memset(p, 0, sizeof *p);
    p->want_stacks = want_stacks;
    add_func(p, cli_strdup("<no call>"), UINT64_MAX, 0);
    add_func(p, cli_strdup("<undefined function>"), UINT64_MAX, 0);
    if (want_stacks) {
        p->nodes = grow(p->nodes, &p->nodes_cap, 1, sizeof *p->nodes);
        p->nnodes = 1; /* the root: no call */
    }
    char *file = cli_events_path(path);
    if (!file)
        return CLI_INVALID;
    rt_reader *r = cli_open_reader(file, false);
    if (!r) {
        free(file);
        return CLI_INVALID;
    }
    p->format = rt_reader_format(r);
    cli_progress pg;
    cli_progress_begin(&pg, r, file, quiet, false);
    free(file);
    const rt_event *e;
    int rc;
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
        add_event(p, e, rt_reader_event_size(r));
        cli_progress_event(&pg);
    }
    cli_progress_end(&pg);
    int status = CLI_OK;
    p->complete = rc == RT_READ_END;
    if (rc == RT_ETRUNCATED) {
        fprintf(stderr, CLI_NAME " %s: warning: %s; the %llu complete events before it count\n",
                cmd, rt_reader_errmsg(r), (unsigned long long)rt_reader_event_index(r));
    } else if (rc != RT_READ_END) {
        cli_read_error(r, rc);
        status = CLI_INVALID;
    }
    rt_reader_free(r);
    uint64_t open_frames = p->depth + p->lost_frames;
    close_frames(p);
    if (status == CLI_OK)
        warn_unbalanced(p, cmd, open_frames);
    return status;
}

void profile_free(profile *p)
{
    for (size_t i = 0; i < p->nfuncs; i++)
        free(p->funcs[i].name);
    for (size_t i = 0; i < p->npaths; i++)
        free(p->paths[i].name);
    for (size_t i = 0; i < p->nvars; i++)
        free(p->vars[i].name);
    free(p->funcs);
    free(p->paths);
    free(p->vars);
    free(p->funcs_ix.slots);
    free(p->paths_ix.slots);
    free(p->vars_ix.slots);
    free(p->func_ids.row);
    free(p->path_ids.row);
    free(p->var_ids.row);
    free(p->nodes);
    free(p->node_index);
    free(p->stack);
    memset(p, 0, sizeof *p);
}

const char *profile_func_name(const profile *p, uint32_t f)
{
    return p->funcs[f].name;
}

const char *profile_func_path(const profile *p, uint32_t f)
{
    uint32_t row = row_of(&p->path_ids, p->funcs[f].path_id);
    return row != UINT32_MAX ? p->paths[row].name : "";
}

prof_cost *profile_node_totals(const profile *p)
{
    prof_cost *t = malloc((p->nnodes ? p->nnodes : 1) * sizeof *t);
    if (!t)
        return NULL;
    for (size_t i = 0; i < p->nnodes; i++)
        t[i] = p->nodes[i].self;
    /* Children have larger ids than their parents: one pass backwards. */
    for (size_t i = p->nnodes; i-- > 1;) {
        prof_cost *up = &t[p->nodes[i].parent];
        up->steps += t[i].steps;
        up->events += t[i].events;
        up->bytes += t[i].bytes;
    }
    return t;
}

void profile_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(out, "\\u%04x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}
