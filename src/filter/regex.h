/* PCRE2 for regex selectors, its memory taken from an rt_allocator (so the
 * allocation-failure tests reach it). Patterns are compiled to match the
 * whole subject (PCRE2_ANCHORED | PCRE2_ENDANCHORED, like Python's and
 * Rust's fullmatch), in UTF mode with Unicode properties for \d, \w and
 * case folding (PCRE2_UTF | PCRE2_UCP); a subject that is not UTF-8 is
 * matched, never an error (PCRE2_MATCH_INVALID_UTF). */
#ifndef RT_FILTER_REGEX_H
#define RT_FILTER_REGEX_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "common/alloc.h"

/* Steps and heap one match may take: a selector is matched once per
 * function or variable name, never per event, so these only stop a
 * runaway pattern. */
#define RT_REGEX_MATCH_LIMIT 1000000u
#define RT_REGEX_HEAP_LIMIT_KIB 4096u

/* A general context allocating through a, which must outlive it (and
 * everything made with it). NULL when out of memory. */
pcre2_general_context *rt_regex_context(const rt_allocator *a);

/* Compiles pattern[0..len) with the options above. Returns the code, or
 * NULL with *nomem set when memory ran out, or with the PCRE2 message and
 * the offset in why otherwise. */
pcre2_code *rt_regex_compile(const char *pattern, size_t len, pcre2_general_context *g,
                             bool *nomem, char *why, size_t why_len);

/* Match data and context for matching (one per thread); NULL when out of
 * memory. */
pcre2_match_data *rt_regex_match_data(pcre2_general_context *g);
pcre2_match_context *rt_regex_match_context(pcre2_general_context *g);

/* 1 when the whole subject matches, 0 when not, -1 when the match stopped
 * (a limit, no memory). */
int rt_regex_match(const pcre2_code *re, const char *s, size_t len, pcre2_match_data *md,
                   pcre2_match_context *mc);

#endif
