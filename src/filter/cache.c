/* rt_filter_cache: a tracer's scopes, interned by what decides them (exec,
 * value_default and the set of matching rules that have value patterns),
 * with the patterns of those rules collected in order. */
#include <string.h>

#include "common/hash.h"
#include "filter/filter_internal.h"

typedef struct scope {
    rt_filter_exec exec;
    rt_filter_action value_default;
    uint64_t hash;
    uint64_t *bits; /* nwords: the rules with patterns that match */
    const rt_fpattern **patterns;
    size_t npatterns;
} scope;

struct rt_filter_cache {
    const rt_filter *f;
    rt_allocator alloc;
    pcre2_general_context *regex;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    size_t nwords;
    uint64_t *bits; /* the scope being computed */
    scope *scopes;
    size_t nscopes, cap;
    uint32_t *slots; /* scope index + 1; 0: empty */
    size_t nslots;
};

int rt_filter_cache_new(rt_filter_cache **out, const rt_filter *f, const rt_allocator *alloc)
{
    if (!out || !f)
        return RT_EINVAL;
    *out = NULL;
    alloc = rt_alloc_or_default(alloc);
    rt_filter_cache *c = rt_malloc(alloc, sizeof *c);
    if (!c)
        return RT_ENOMEM;
    memset(c, 0, sizeof *c);
    c->f = f;
    c->alloc = *alloc;
    c->nwords = (f->npattern_rules + 63) / 64;
    c->regex = rt_regex_context(&c->alloc);
    if (c->regex)
        c->md = rt_regex_match_data(c->regex);
    if (c->md)
        c->mc = rt_regex_match_context(c->regex);
    if (c->mc)
        c->bits = rt_malloc(&c->alloc, (c->nwords ? c->nwords : 1) * sizeof *c->bits);
    if (!c->bits) {
        rt_filter_cache_free(c);
        return RT_ENOMEM;
    }
    *out = c;
    return RT_OK;
}

void rt_filter_cache_free(rt_filter_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nscopes; i++) {
        rt_free(&c->alloc, c->scopes[i].bits, (c->nwords ? c->nwords : 1) * sizeof(uint64_t));
        rt_free(&c->alloc, (void *)c->scopes[i].patterns,
                (c->scopes[i].npatterns ? c->scopes[i].npatterns : 1) * sizeof(void *));
    }
    rt_free(&c->alloc, c->scopes, c->cap * sizeof *c->scopes);
    rt_free(&c->alloc, c->slots, c->nslots * sizeof *c->slots);
    rt_free(&c->alloc, c->bits, (c->nwords ? c->nwords : 1) * sizeof *c->bits);
    pcre2_match_context_free(c->mc);
    pcre2_match_data_free(c->md);
    pcre2_general_context_free(c->regex);
    rt_allocator a = c->alloc;
    rt_free(&a, c, sizeof *c);
}

size_t rt_filter_cache_scope_count(const rt_filter_cache *c)
{
    return c ? c->nscopes : 0;
}

static uint64_t scope_hash(rt_filter_exec exec, rt_filter_action vd, const uint64_t *bits,
                           size_t nwords)
{
    uint64_t h = rt_hash_mix((uint64_t)(exec + 2) << 8 | (uint64_t)(vd + 2));
    for (size_t i = 0; i < nwords; i++)
        h = rt_hash_mix(h ^ bits[i]) + i;
    return h;
}

static bool same(const scope *s, rt_filter_exec exec, rt_filter_action vd, uint64_t hash,
                 const uint64_t *bits, size_t nwords)
{
    return s->hash == hash && s->exec == exec && s->value_default == vd &&
           (nwords == 0 || memcmp(s->bits, bits, nwords * sizeof *bits) == 0);
}

static int grow_slots(rt_filter_cache *c)
{
    size_t n = c->nslots ? c->nslots * 2 : 16;
    uint32_t *slots = rt_malloc(&c->alloc, n * sizeof *slots);
    if (!slots)
        return RT_ENOMEM;
    memset(slots, 0, n * sizeof *slots);
    for (size_t i = 0; i < c->nscopes; i++) {
        size_t j = c->scopes[i].hash & (n - 1);
        while (slots[j])
            j = (j + 1) & (n - 1);
        slots[j] = (uint32_t)i + 1;
    }
    rt_free(&c->alloc, c->slots, c->nslots * sizeof *c->slots);
    c->slots = slots;
    c->nslots = n;
    return RT_OK;
}

/* A new scope for the current bits; its index in *id. */
static int add_scope(rt_filter_cache *c, rt_filter_exec exec, rt_filter_action vd, uint64_t hash,
                     uint32_t *id)
{
    const rt_filter *f = c->f;
    if (c->nscopes >= UINT32_MAX - 1)
        return RT_ENOMEM;
    if ((c->nscopes + 1) * 2 > c->nslots && grow_slots(c))
        return RT_ENOMEM;
    if (c->nscopes == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        scope *s = rt_realloc(&c->alloc, c->scopes, c->cap * sizeof *s, cap * sizeof *s);
        if (!s)
            return RT_ENOMEM;
        c->scopes = s;
        c->cap = cap;
    }
    size_t np = 0;
    for (size_t r = 0; r < f->nrules; r++) {
        const rt_frule *cr = &f->rules[r].c;
        if (cr->bit != SIZE_MAX && (c->bits[cr->bit / 64] >> (cr->bit % 64) & 1))
            np += cr->npatterns;
    }
    size_t wbytes = (c->nwords ? c->nwords : 1) * sizeof(uint64_t);
    uint64_t *bits = rt_malloc(&c->alloc, wbytes);
    size_t pbytes = (np ? np : 1) * sizeof(const rt_fpattern *);
    const rt_fpattern **pats = bits ? rt_malloc(&c->alloc, pbytes) : NULL;
    if (!pats) {
        rt_free(&c->alloc, bits, wbytes);
        return RT_ENOMEM;
    }
    memcpy(bits, c->bits, c->nwords * sizeof *bits);
    size_t k = 0;
    for (size_t r = 0; r < f->nrules; r++) {
        const rt_frule *cr = &f->rules[r].c;
        if (cr->bit != SIZE_MAX && (c->bits[cr->bit / 64] >> (cr->bit % 64) & 1))
            for (size_t i = 0; i < cr->npatterns; i++)
                pats[k++] = &cr->patterns[i];
    }
    scope *s = &c->scopes[c->nscopes];
    s->exec = exec;
    s->value_default = vd;
    s->hash = hash;
    s->bits = bits;
    s->patterns = pats;
    s->npatterns = np;
    size_t j = hash & (c->nslots - 1);
    while (c->slots[j])
        j = (j + 1) & (c->nslots - 1);
    c->slots[j] = (uint32_t)c->nscopes + 1;
    *id = (uint32_t)c->nscopes++;
    return RT_OK;
}

int rt_filter_cache_scope(rt_filter_cache *c, rt_str file, rt_str pkg, rt_str obj,
                          rt_filter_scope *out)
{
    const rt_filter *f = c->f;
    rt_str subjects[3];
    subjects[RT_SCOPE_FILE] = file;
    subjects[RT_SCOPE_PKG] = pkg;
    subjects[RT_SCOPE_OBJ] = obj;
    rt_filter_exec exec = f->default_exec;
    rt_filter_action vd = f->default_value_action;
    if (c->nwords)
        memset(c->bits, 0, c->nwords * sizeof *c->bits);
    for (size_t r = 0; r < f->nrules; r++) {
        if (rt_filter_rule_matches(f, r, subjects, c->md, c->mc) != 1)
            continue;
        const rt_rule_entry *e = &f->rules[r];
        if (e->pub.exec != RT_FILTER_EXEC_INHERIT)
            exec = e->pub.exec;
        if (e->pub.value_default != RT_FILTER_ACTION_INHERIT)
            vd = e->pub.value_default;
        if (e->c.bit != SIZE_MAX)
            c->bits[e->c.bit / 64] |= (uint64_t)1 << (e->c.bit % 64);
    }
    uint64_t hash = scope_hash(exec, vd, c->bits, c->nwords);
    uint32_t id = UINT32_MAX;
    if (c->nslots) {
        for (size_t j = hash & (c->nslots - 1); c->slots[j]; j = (j + 1) & (c->nslots - 1)) {
            const scope *s = &c->scopes[c->slots[j] - 1];
            if (same(s, exec, vd, hash, c->bits, c->nwords)) {
                id = c->slots[j] - 1;
                break;
            }
        }
    }
    if (id == UINT32_MAX && add_scope(c, exec, vd, hash, &id))
        return RT_ENOMEM;
    out->exec = exec;
    out->value_default = vd;
    out->id = id;
    return RT_OK;
}

unsigned rt_filter_cache_kinds(const rt_filter_cache *c, rt_filter_scope_id id)
{
    if (id >= c->nscopes)
        return (1u << RT_FILTER_VALUE_KIND_COUNT) - 1;
    const scope *s = &c->scopes[id];
    unsigned kinds = 0;
    for (size_t k = 0; k < s->npatterns; k++)
        kinds |= 1u << s->patterns[k]->sel.kind;
    return kinds;
}

rt_filter_action rt_filter_cache_value(rt_filter_cache *c, rt_filter_scope_id id,
                                       rt_filter_value_kind kind, rt_str name)
{
    if (id >= c->nscopes)
        return RT_FILTER_REDACT; /* a bad id: hide rather than leak */
    const scope *s = &c->scopes[id];
    for (size_t k = s->npatterns; k-- > 0;) {
        const rt_fpattern *p = s->patterns[k];
        if (p->sel.kind != (int)kind)
            continue;
        int hit = rt_selector_match(&p->sel, name.ptr, name.len, c->md, c->mc);
        if (hit == 1 || (hit < 0 && p->action != RT_FILTER_ALLOW))
            return p->action;
    }
    return s->value_default;
}
