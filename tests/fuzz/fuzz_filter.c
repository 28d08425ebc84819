/* Fuzz target: the whole trace-filter loader on arbitrary TOML (the input
 * after the built-in default, as recorders chain it, and alone), then
 * decisions: each rule's own pattern text and a few fixed names as the
 * function's file, module and name and as value names, decided both by the
 * explain functions and by a tracer's cache, which must agree. */
#include "fuzz_common.h"

#include "filter/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int status_ok(int rc)
{
    return rc == RT_OK || rc == RT_EFORMAT || rc == RT_ELIMIT || rc == RT_ENOMEM;
}

/* The text after a selector's kind and match type (a subject it may
 * match). */
static const char *pattern_of(const char *sel)
{
    const char *c = strchr(sel, ':');
    if (!c)
        return sel;
    const char *d = strchr(c + 1, ':');
    if (d && (strncmp(c + 1, "glob:", 5) == 0 || strncmp(c + 1, "regex:", 6) == 0 ||
              strncmp(c + 1, "literal:", 8) == 0))
        return d + 1;
    return c + 1;
}

static void decide(const rt_filter *f)
{
    static const char *const fixed[] = {"", "main", "app.main", "src/app.lua",
                                        "/usr/share/lua/5.4/dkjson.lua", "pl.utils", "password"};
    const char *subjects[24];
    size_t n = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        subjects[n++] = fixed[i];
    for (size_t r = 0; r < rt_filter_rule_count(f) && n < 24; r++) {
        const rt_filter_rule *rule = rt_filter_rule_at(f, r);
        FUZZ_CHECK(rule && rule->selector && rule->file < rt_filter_file_count(f));
        subjects[n++] = pattern_of(rule->selector);
        for (size_t k = 0; k < rule->npatterns && n < 24; k++) {
            FUZZ_CHECK(rule->patterns[k].action >= RT_FILTER_ALLOW &&
                       rule->patterns[k].action <= RT_FILTER_DROP);
            subjects[n++] = pattern_of(rule->patterns[k].selector);
        }
    }
    rt_filter_cache *c;
    int rc = rt_filter_cache_new(&c, f, NULL);
    FUZZ_CHECK(rc == RT_OK);
    for (size_t i = 0; i < n; i++) {
        const char *s = subjects[i];
        const char *file = subjects[(i + 3) % n], *pkg = subjects[(i + 5) % n];
        rt_filter_scope_decision d;
        FUZZ_CHECK(rt_filter_explain_scope(f, file, pkg, s, &d) == RT_OK);
        FUZZ_CHECK(d.exec == RT_FILTER_TRACE || d.exec == RT_FILTER_SKIP);
        FUZZ_CHECK(d.value_default >= RT_FILTER_ALLOW && d.value_default <= RT_FILTER_DROP);
        FUZZ_CHECK(d.exec_rule < (long)rt_filter_rule_count(f));
        FUZZ_CHECK(d.matched_rules <= rt_filter_rule_count(f));
        rt_filter_scope sc;
        FUZZ_CHECK(rt_filter_cache_scope(c, rt_str_c(file), rt_str_c(pkg), rt_str_c(s), &sc) == RT_OK);
        FUZZ_CHECK(sc.exec == d.exec && sc.value_default == d.value_default);
        FUZZ_CHECK(sc.id < rt_filter_cache_scope_count(c));
        for (int kind = 0; kind < RT_FILTER_VALUE_KIND_COUNT; kind++) {
            const char *name = subjects[(i + (size_t)kind) % n];
            rt_filter_value_decision v;
            FUZZ_CHECK(rt_filter_explain_value(f, file, pkg, s, (rt_filter_value_kind)kind, name,
                                               &v) == RT_OK);
            FUZZ_CHECK((v.rule < 0) == (v.pattern < 0));
            rt_filter_action a =
                rt_filter_cache_value(c, sc.id, (rt_filter_value_kind)kind, rt_str_c(name));
            FUZZ_CHECK(a == v.action);
        }
    }
    rt_filter_cache_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t blen;
    const char *builtin = rt_filter_builtin_text(RT_FILTER_BUILTIN_DEFAULT, &blen);
    const char *text = size ? (const char *)data : "";
    rt_filter_source src[2] = {{"builtin-default", NULL, builtin, blen},
                               {"fuzz.toml", "fuzz.toml", text, size}};
    for (int alone = 0; alone < 2; alone++) {
        char err[512] = "";
        rt_filter_options o = {NULL, err, sizeof err};
        rt_filter *f = NULL;
        int rc = rt_filter_load_sources(&f, src + alone, 2 - (size_t)alone, &o);
        FUZZ_CHECK(status_ok(rc));
        if (rc != RT_OK) {
            FUZZ_CHECK(f == NULL);
            FUZZ_CHECK(strncmp(err, "fuzz.toml", 9) == 0);
            continue;
        }
        FUZZ_CHECK(rt_filter_file_count(f) == 2 - (size_t)alone);
        const rt_filter_file *file = rt_filter_file_at(f, 1 - (size_t)alone);
        FUZZ_CHECK(file->name && file->name[0] && file->version >= 1);
        FUZZ_CHECK(strlen(file->sha256) == 64);
        decide(f);
        rt_filter_free(f);
    }
    return 0;
}
