/* What the files of src/filter/ share: the compiled chain. */
#ifndef RT_FILTER_INTERNAL_H
#define RT_FILTER_INTERNAL_H

#include "common/alloc.h"
#include "common/arena.h"
#include "common/error.h"
#include "filter/filter.h"
#include "filter/selector.h"

/* A value pattern, compiled. */
typedef struct rt_fpattern {
    rt_selector sel;
    rt_filter_action action;
    size_t rule, index; /* which rule, which of its patterns */
} rt_fpattern;

/* A rule, compiled (beside its public rt_filter_rule). */
typedef struct rt_frule {
    rt_selector sel;
    rt_fpattern *patterns;
    size_t npatterns;
    size_t bit; /* index among the rules that have patterns; SIZE_MAX: none */
} rt_frule;

/* A rule: its public view and what was compiled from it. */
typedef struct rt_rule_entry {
    rt_filter_rule pub;
    rt_frule c;
} rt_rule_entry;

struct rt_filter {
    rt_allocator alloc; /* a copy: regex contexts point at it */
    rt_arena arena;     /* strings, patterns, globs */
    pcre2_general_context *regex;
    rt_filter_file *files;
    size_t nfiles, files_cap;
    rt_rule_entry *rules;
    size_t nrules, rules_cap;
    size_t npattern_rules;
    rt_filter_exec default_exec;
    rt_filter_action default_value_action;
    bool exec_set, value_set; /* by a file so far (else "inherit" is an error) */
};

/* Reads one source into f: parses it, checks it against the format and
 * appends its rules (schema.c). The message goes to err. */
int rt_filter_add_source(rt_filter *f, const rt_filter_source *src, rt_err *err);

/* Matches rule r against a function's subjects (file, pkg, obj). 1, 0 or -1
 * (a regex stopped: the caller counts it as no match). */
int rt_filter_rule_matches(const rt_filter *f, size_t r, const rt_str subjects[3],
                           pcre2_match_data *md, pcre2_match_context *mc);

#endif
