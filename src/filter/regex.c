#include "filter/regex.h"

#include <stdio.h>

/* PCRE2's free gets no size and rt_allocator's free wants one: each block
 * starts with its size, in a header that keeps the block's alignment. */
typedef union block_header {
    size_t size;
    max_align_t align;
} block_header;

static void *regex_malloc(PCRE2_SIZE size, void *data)
{
    const rt_allocator *a = data;
    if (size > SIZE_MAX - sizeof(block_header))
        return NULL;
    block_header *h = rt_malloc(a, size + sizeof *h);
    if (!h)
        return NULL;
    h->size = size + sizeof *h;
    return h + 1;
}

static void regex_free(void *p, void *data)
{
    if (!p)
        return;
    block_header *h = (block_header *)p - 1;
    rt_free(data, h, h->size);
}

pcre2_general_context *rt_regex_context(const rt_allocator *a)
{
    return pcre2_general_context_create(regex_malloc, regex_free, (void *)a);
}

pcre2_code *rt_regex_compile(const char *pattern, size_t len, pcre2_general_context *g,
                             bool *nomem, char *why, size_t why_len)
{
    *nomem = false;
    pcre2_compile_context *cc = pcre2_compile_context_create(g);
    if (!cc) {
        *nomem = true;
        return NULL;
    }
    int code;
    PCRE2_SIZE offset;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, len,
                                   PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF | PCRE2_UCP |
                                       PCRE2_MATCH_INVALID_UTF,
                                   &code, &offset, cc);
    pcre2_compile_context_free(cc);
    if (re)
        return re;
    if (code == PCRE2_ERROR_HEAP_FAILED) {
        *nomem = true;
        return NULL;
    }
    PCRE2_UCHAR msg[256];
    if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
        snprintf((char *)msg, sizeof msg, "error %d", code);
    snprintf(why, why_len, "%s at offset %zu", (const char *)msg, (size_t)offset);
    return NULL;
}

pcre2_match_data *rt_regex_match_data(pcre2_general_context *g)
{
    return pcre2_match_data_create(1, g);
}

pcre2_match_context *rt_regex_match_context(pcre2_general_context *g)
{
    pcre2_match_context *mc = pcre2_match_context_create(g);
    if (mc) {
        pcre2_set_match_limit(mc, RT_REGEX_MATCH_LIMIT);
        pcre2_set_heap_limit(mc, RT_REGEX_HEAP_LIMIT_KIB);
    }
    return mc;
}

int rt_regex_match(const pcre2_code *re, const char *s, size_t len, pcre2_match_data *md,
                   pcre2_match_context *mc)
{
    /* a match whose ovector is too small returns 0: still a match */
    int rc = pcre2_match(re, (PCRE2_SPTR)(len ? s : ""), len, 0, 0, md, mc);
    if (rc >= 0)
        return 1;
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}
