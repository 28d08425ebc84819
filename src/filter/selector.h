/* Selectors (TRACE-FILTER.md section 2): "KIND:[MATCH:]PATTERN", only the
 * first two colons separate and nothing is trimmed. Scope kinds file, pkg
 * and obj go in rules, value kinds local, arg, ret, global and attr in value
 * patterns; MATCH is glob (the default), regex or literal. */
#ifndef RT_FILTER_SELECTOR_H
#define RT_FILTER_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"
#include "filter/glob.h"
#include "filter/regex.h"

/* Scope kinds; value kinds are rt_filter_value_kind. */
typedef enum rt_scope_kind { RT_SCOPE_FILE, RT_SCOPE_PKG, RT_SCOPE_OBJ } rt_scope_kind;
#define RT_SCOPE_KIND_COUNT 3

typedef enum rt_match_type { RT_MATCH_GLOB, RT_MATCH_REGEX, RT_MATCH_LITERAL } rt_match_type;

typedef struct rt_selector {
    int kind; /* rt_scope_kind in a rule, rt_filter_value_kind in a value pattern */
    rt_match_type match;
    const char *pattern; /* in the arena; a literal compares these bytes */
    size_t pattern_len;
    rt_glob *glob;   /* RT_MATCH_GLOB */
    pcre2_code *re;  /* RT_MATCH_REGEX: freed by rt_selector_release */
} rt_selector;

/* Compiles text[0..len) as a scope selector (scope true) or a value
 * selector. Returns RT_OK; RT_EFORMAT with the reason in why; RT_ENOMEM. */
int rt_selector_compile(rt_selector *sel, const char *text, size_t len, bool scope,
                        rt_arena *arena, pcre2_general_context *g, char *why, size_t why_len);
/* 1 when subject s[0..len) matches, 0 when not, -1 when a regex match
 * stopped on a limit. md and mc are a thread's match data and context. */
int rt_selector_match(const rt_selector *sel, const char *s, size_t len, pcre2_match_data *md,
                      pcre2_match_context *mc);
void rt_selector_release(rt_selector *sel);

/* "file", "pkg", "obj". */
const char *rt_scope_kind_name(rt_scope_kind kind);

#endif
