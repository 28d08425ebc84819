#include "filter/selector.h"

#include <stdio.h>
#include <string.h>

#include "runtime_tracing.h"

static const char *const scope_kinds[RT_SCOPE_KIND_COUNT] = {"file", "pkg", "obj"};
static const char *const value_kinds[RT_FILTER_VALUE_KIND_COUNT] = {"local", "arg", "ret",
                                                                     "global", "attr"};

const char *rt_scope_kind_name(rt_scope_kind kind)
{
    return (unsigned)kind < RT_SCOPE_KIND_COUNT ? scope_kinds[kind] : "?";
}

static int find(const char *const *names, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return (int)i;
    return -1;
}

int rt_selector_compile(rt_selector *sel, const char *text, size_t len, bool scope,
                        rt_arena *arena, pcre2_general_context *g, char *why, size_t why_len)
{
    memset(sel, 0, sizeof *sel);
    const char *c1 = memchr(text, ':', len);
    if (!c1) {
        snprintf(why, why_len, "no kind (a selector is KIND:[MATCH:]PATTERN)");
        return RT_EFORMAT;
    }
    size_t klen = (size_t)(c1 - text);
    int sk = find(scope_kinds, RT_SCOPE_KIND_COUNT, text, klen);
    int vk = find(value_kinds, RT_FILTER_VALUE_KIND_COUNT, text, klen);
    if (scope && sk < 0) {
        snprintf(why, why_len, vk >= 0 ? "'%.*s' is a value kind: rules select file, pkg or obj"
                                       : "unknown kind '%.*s' (rules select file, pkg or obj)",
                 (int)(klen > 64 ? 64 : klen), text);
        return RT_EFORMAT;
    }
    if (!scope && vk < 0) {
        snprintf(why, why_len,
                 sk >= 0 ? "'%.*s' is a scope kind: value patterns select local, arg, ret, "
                           "global or attr"
                         : "unknown kind '%.*s' (value patterns select local, arg, ret, global "
                           "or attr)",
                 (int)(klen > 64 ? 64 : klen), text);
        return RT_EFORMAT;
    }
    sel->kind = scope ? sk : vk;
    const char *rest = c1 + 1;
    size_t rlen = len - klen - 1;
    const char *c2 = memchr(rest, ':', rlen);
    sel->match = RT_MATCH_GLOB;
    if (c2) {
        static const char *const matches[] = {"glob", "regex", "literal"};
        size_t mlen = (size_t)(c2 - rest);
        int m = find(matches, 3, rest, mlen);
        if (m < 0) {
            if (mlen == 0)
                snprintf(why, why_len, "empty match type (glob, regex or literal)");
            else
                snprintf(why, why_len, "unknown match type '%.*s' (glob, regex or literal)",
                         (int)(mlen > 64 ? 64 : mlen), rest);
            return RT_EFORMAT;
        }
        sel->match = (rt_match_type)m;
        rlen -= mlen + 1;
        rest = c2 + 1;
    }
    if (rlen == 0) {
        snprintf(why, why_len, "empty pattern");
        return RT_EFORMAT;
    }
    char *pat = rt_arena_alloc(arena, rlen + 1);
    if (!pat)
        return RT_ENOMEM;
    memcpy(pat, rest, rlen);
    pat[rlen] = '\0';
    sel->pattern = pat;
    sel->pattern_len = rlen;
    if (sel->match == RT_MATCH_GLOB) {
        char sep = scope && sel->kind == RT_SCOPE_FILE ? '/' : '.';
        char gwhy[200];
        int rc = rt_glob_compile(&sel->glob, pat, rlen, sep, arena, gwhy, sizeof gwhy);
        if (rc == RT_EFORMAT)
            snprintf(why, why_len, "glob: %s", gwhy);
        return rc;
    }
    if (sel->match == RT_MATCH_REGEX) {
        bool nomem;
        char rwhy[300];
        sel->re = rt_regex_compile(pat, rlen, g, &nomem, rwhy, sizeof rwhy);
        if (sel->re)
            return RT_OK;
        if (nomem)
            return RT_ENOMEM;
        snprintf(why, why_len, "regex: %s", rwhy);
        return RT_EFORMAT;
    }
    return RT_OK;
}

int rt_selector_match(const rt_selector *sel, const char *s, size_t len, pcre2_match_data *md,
                      pcre2_match_context *mc)
{
    if (!s)
        s = "";
    switch (sel->match) {
    case RT_MATCH_GLOB:
        return rt_glob_match(sel->glob, s, len);
    case RT_MATCH_REGEX:
        return rt_regex_match(sel->re, s, len, md, mc);
    case RT_MATCH_LITERAL:
        return len == sel->pattern_len && memcmp(s, sel->pattern, len) == 0;
    }
    return 0;
}

void rt_selector_release(rt_selector *sel)
{
    if (sel->re)
        pcre2_code_free(sel->re);
    sel->re = NULL;
}
