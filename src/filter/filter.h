/* The trace filter engine as the tracer (and a redact command) uses it,
 * beside the public rt_filter_* functions of runtime_tracing.h.
 *
 * rt_filter is immutable and may be shared; what a tracer changes lives in
 * its rt_filter_cache: regex match data and the table of scopes. A scope is
 * what a function's decision comes to: exec, value_default and the value
 * patterns of the rules that match it. Functions whose decisions come to the
 * same scope (the same exec and value_default, and the same rules with
 * value patterns among those that match) share one scope id, dense from 0:
 * a tracer keeps the id beside its function id and caches value decisions
 * per (scope id, variable id), so that table stays small.
 *
 * Costs: rt_filter_cache_scope walks every rule (once per function: cache
 * the result) and allocates only for a scope not seen before;
 * rt_filter_cache_value walks the scope's patterns from the last and never
 * allocates (PCRE2 may grow its match frames on the first matches of a
 * deep pattern, then reuses them). */
#ifndef RT_FILTER_FILTER_H
#define RT_FILTER_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "runtime_tracing.h"

typedef struct rt_filter_cache rt_filter_cache;
typedef uint32_t rt_filter_scope_id;

/* A function's decision, as the tracer keeps it. */
typedef struct rt_filter_scope {
    rt_filter_exec exec;            /* RT_FILTER_TRACE or RT_FILTER_SKIP */
    rt_filter_action value_default; /* never inherit */
    rt_filter_scope_id id;          /* for rt_filter_cache_value */
} rt_filter_scope;

/* A cache for one tracer (one thread at a time) over f, which must outlive
 * it; alloc NULL: malloc. Returns RT_OK, RT_EINVAL or RT_ENOMEM. */
int rt_filter_cache_new(rt_filter_cache **out, const rt_filter *f, const rt_allocator *alloc);
void rt_filter_cache_free(rt_filter_cache *c);

/* The scope of a function of source-path subject file, module pkg and
 * qualified name obj (see the public rt_filter_explain_scope; a NULL ptr is
 * ""). Returns RT_OK, or RT_ENOMEM for a new scope that cannot be kept. */
int rt_filter_cache_scope(rt_filter_cache *c, rt_str file, rt_str pkg, rt_str obj,
                          rt_filter_scope *out);
/* The action for the value of kind named name in scope (an id from
 * rt_filter_cache_scope of c). Never allocates. A regex that cannot finish
 * its match counts as matching for a redact or drop pattern, as not
 * matching for an allow pattern: a doubt hides the value. */
rt_filter_action rt_filter_cache_value(rt_filter_cache *c, rt_filter_scope_id scope,
                                       rt_filter_value_kind kind, rt_str name);
/* The value kinds some pattern of scope is about (bit 1 << kind): a kind
 * without one always gets the scope's value_default. */
unsigned rt_filter_cache_kinds(const rt_filter_cache *c, rt_filter_scope_id scope);
/* Scopes made so far. */
size_t rt_filter_cache_scope_count(const rt_filter_cache *c);

/* A filter's text from memory, for rt_filter_load_sources. */
typedef struct rt_filter_source {
    const char *label; /* in messages: the path, or the built-in's name */
    const char *path;  /* rt_filter_file.path: NULL for a built-in */
    const char *text;
    size_t len;
} rt_filter_source;

/* rt_filter_load over texts already in memory (a recorder's own built-in
 * filters, the fuzz targets), with the same results and messages. */
int rt_filter_load_sources(rt_filter **out, const rt_filter_source *sources, size_t n,
                           const rt_filter_options *opts);

/* The TOML text of the built-in filter called name, or NULL. */
const char *rt_filter_builtin_text(const char *name, size_t *len);

#endif
