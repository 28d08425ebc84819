/* A loaded chain: names, inspection, and the decisions explained (what
 * `runtime-tracing filter explain` prints). The tracer's cached decisions
 * are in cache.c; both follow TRACE-FILTER.md section 3. */
#include <string.h>

#include "filter/filter_internal.h"

const char *rt_filter_exec_name(rt_filter_exec exec)
{
    switch (exec) {
    case RT_FILTER_EXEC_INHERIT: return "inherit";
    case RT_FILTER_TRACE: return "trace";
    case RT_FILTER_SKIP: return "skip";
    }
    return "?";
}

const char *rt_filter_action_name(rt_filter_action action)
{
    switch (action) {
    case RT_FILTER_ACTION_INHERIT: return "inherit";
    case RT_FILTER_ALLOW: return "allow";
    case RT_FILTER_REDACT: return "redact";
    case RT_FILTER_DROP: return "drop";
    }
    return "?";
}

const char *rt_filter_value_kind_name(rt_filter_value_kind kind)
{
    static const char *const names[RT_FILTER_VALUE_KIND_COUNT] = {"local", "arg", "ret",
                                                                   "global", "attr"};
    return (unsigned)kind < RT_FILTER_VALUE_KIND_COUNT ? names[kind] : "?";
}

size_t rt_filter_file_count(const rt_filter *f)
{
    return f ? f->nfiles : 0;
}

const rt_filter_file *rt_filter_file_at(const rt_filter *f, size_t i)
{
    return f && i < f->nfiles ? &f->files[i] : NULL;
}

size_t rt_filter_rule_count(const rt_filter *f)
{
    return f ? f->nrules : 0;
}

const rt_filter_rule *rt_filter_rule_at(const rt_filter *f, size_t i)
{
    return f && i < f->nrules ? &f->rules[i].pub : NULL;
}

rt_filter_exec rt_filter_default_exec(const rt_filter *f)
{
    return f ? f->default_exec : RT_FILTER_TRACE;
}

rt_filter_action rt_filter_default_value_action(const rt_filter *f)
{
    return f ? f->default_value_action : RT_FILTER_ALLOW;
}

int rt_filter_rule_matches(const rt_filter *f, size_t r, const rt_str subjects[3],
                           pcre2_match_data *md, pcre2_match_context *mc)
{
    const rt_selector *sel = &f->rules[r].c.sel;
    const rt_str *s = &subjects[sel->kind];
    return rt_selector_match(sel, s->ptr, s->len, md, mc);
}

/* Match data and context for one explain call. */
typedef struct matcher {
    pcre2_match_data *md;
    pcre2_match_context *mc;
} matcher;

static int matcher_new(const rt_filter *f, matcher *m)
{
    m->md = rt_regex_match_data(f->regex);
    m->mc = m->md ? rt_regex_match_context(f->regex) : NULL;
    if (m->mc)
        return RT_OK;
    pcre2_match_data_free(m->md);
    return RT_ENOMEM;
}

static void matcher_free(matcher *m)
{
    pcre2_match_context_free(m->mc);
    pcre2_match_data_free(m->md);
}

static void subjects_of(rt_str out[3], const char *file, const char *pkg, const char *obj)
{
    out[RT_SCOPE_FILE] = rt_str_c(file);
    out[RT_SCOPE_PKG] = rt_str_c(pkg);
    out[RT_SCOPE_OBJ] = rt_str_c(obj);
}

static void walk(const rt_filter *f, const rt_str subjects[3], const matcher *m,
                 rt_filter_scope_decision *out)
{
    out->exec = f->default_exec;
    out->value_default = f->default_value_action;
    out->exec_rule = -1;
    out->value_default_rule = -1;
    out->matched_rules = 0;
    for (size_t r = 0; r < f->nrules; r++) {
        if (rt_filter_rule_matches(f, r, subjects, m->md, m->mc) != 1)
            continue;
        const rt_filter_rule *rule = &f->rules[r].pub;
        out->matched_rules++;
        if (rule->exec != RT_FILTER_EXEC_INHERIT) {
            out->exec = rule->exec;
            out->exec_rule = (long)r;
        }
        if (rule->value_default != RT_FILTER_ACTION_INHERIT) {
            out->value_default = rule->value_default;
            out->value_default_rule = (long)r;
        }
    }
}

int rt_filter_explain_scope(const rt_filter *f, const char *file, const char *pkg,
                            const char *obj, rt_filter_scope_decision *out)
{
    if (!f || !out)
        return RT_EINVAL;
    matcher m;
    if (matcher_new(f, &m))
        return RT_ENOMEM;
    rt_str subjects[3];
    subjects_of(subjects, file, pkg, obj);
    walk(f, subjects, &m, out);
    matcher_free(&m);
    return RT_OK;
}

int rt_filter_explain_value(const rt_filter *f, const char *file, const char *pkg,
                            const char *obj, rt_filter_value_kind kind, const char *name,
                            rt_filter_value_decision *out)
{
    if (!f || !out || (unsigned)kind >= RT_FILTER_VALUE_KIND_COUNT)
        return RT_EINVAL;
    matcher m;
    if (matcher_new(f, &m))
        return RT_ENOMEM;
    rt_str subjects[3];
    subjects_of(subjects, file, pkg, obj);
    rt_str n = rt_str_c(name);
    out->rule = out->pattern = -1;
    /* the last matching pattern wins: search from the end */
    for (size_t r = f->nrules; r-- > 0 && out->rule < 0;) {
        const rt_frule *cr = &f->rules[r].c;
        if (!cr->npatterns || rt_filter_rule_matches(f, r, subjects, m.md, m.mc) != 1)
            continue;
        for (size_t k = cr->npatterns; k-- > 0;) {
            const rt_fpattern *p = &cr->patterns[k];
            if (p->sel.kind != (int)kind)
                continue;
            int hit = rt_selector_match(&p->sel, n.ptr, n.len, m.md, m.mc);
            if (hit == 1 || (hit < 0 && p->action != RT_FILTER_ALLOW)) {
                out->action = p->action;
                out->rule = (long)r;
                out->pattern = (long)k;
                break;
            }
        }
    }
    if (out->rule < 0) {
        rt_filter_scope_decision d;
        walk(f, subjects, &m, &d);
        out->action = d.value_default;
    }
    matcher_free(&m);
    return RT_OK;
}
