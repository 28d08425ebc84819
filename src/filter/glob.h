/* Glob patterns of trace filter selectors (TRACE-FILTER.md section 2): a
 * pattern is split into segments at a separator ('/' for file paths, '.'
 * for names); within a segment '*' matches any characters and '?' one,
 * [...] one of a class ("[a-z]", "[!a-z]" or "[^a-z]" negated; a class never
 * matches the separator), '\' makes the next character literal. A segment
 * that is exactly "**" matches zero or more whole segments ("**" then "x"
 * matches "x", "lib/x" and "/usr/x", whose first segment is empty), except
 * at the end after another segment, where it matches one or more ("a" then
 * "**": everything below a, not a itself); "**" inside a segment is '*'. */
#ifndef RT_FILTER_GLOB_H
#define RT_FILTER_GLOB_H

#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"

typedef struct rt_glob rt_glob;

/* Compiles pattern[0..len) for segments split at sep into the arena.
 * Returns RT_OK; RT_EFORMAT with the reason in why (an unclosed '[', a
 * reversed range, a dangling '\'); RT_ENOMEM. */
int rt_glob_compile(rt_glob **out, const char *pattern, size_t len, char sep, rt_arena *arena,
                    char *why, size_t why_len);
/* True when the whole subject s[0..len) matches. No allocation; time
 * O(pattern x subject) at worst. */
bool rt_glob_match(const rt_glob *g, const char *s, size_t len);

#endif
