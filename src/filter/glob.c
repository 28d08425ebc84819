/* Globs: compiled to segments of tokens; matched with the two-pointer
 * wildcard algorithm at both levels ('*' over characters within a segment,
 * "**" over segments), which needs no recursion and no memory. */
#include "filter/glob.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef enum tok_type { TOK_BYTE, TOK_ANY, TOK_STAR, TOK_CLASS } tok_type;

typedef struct range {
    uint32_t lo, hi;
} range;

typedef struct token {
    tok_type type;
    unsigned char byte;  /* TOK_BYTE */
    bool negated;        /* TOK_CLASS */
    const range *ranges; /* TOK_CLASS */
    size_t nranges;
} token;

typedef struct segment {
    bool globstar; /* "**": zero or more segments */
    const token *tokens;
    size_t ntokens;
} segment;

struct rt_glob {
    char sep;
    const segment *segments;
    size_t nsegments;
};

/* Length of the UTF-8 character at s[i] (1 for a stray byte), within n. */
static size_t char_len(const char *s, size_t i, size_t n)
{
    unsigned char c = (unsigned char)s[i];
    size_t len = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (len > n - i)
        return 1;
    for (size_t k = 1; k < len; k++)
        if (((unsigned char)s[i + k] & 0xC0) != 0x80)
            return 1;
    return len;
}

/* The code point of the character at s[i] (len bytes from char_len). */
static uint32_t code_point(const char *s, size_t i, size_t len)
{
    const unsigned char *p = (const unsigned char *)s + i;
    switch (len) {
    case 2: return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    case 3: return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    case 4:
        return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
               (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
    default: return p[0];
    }
}

/* A class member at pattern[*i] ('\' escapes), advancing *i. */
static uint32_t class_char(const char *pat, size_t len, size_t *i)
{
    if (pat[*i] == '\\' && *i + 1 < len)
        (*i)++;
    size_t n = char_len(pat, *i, len);
    uint32_t cp = code_point(pat, *i, n);
    *i += n;
    return cp;
}

/* [...] at pattern[*i] (the '['): fills t, advancing *i past the ']'. */
static int parse_class(const char *pat, size_t len, size_t *i, token *t, rt_arena *arena,
                       char *why, size_t why_len)
{
    size_t open = *i;
    size_t k = open + 1;
    t->type = TOK_CLASS;
    t->negated = k < len && (pat[k] == '!' || pat[k] == '^');
    if (t->negated)
        k++;
    /* a first pass finds the end and counts the members */
    size_t count = 0, j = k;
    bool closed = false;
    while (j < len) {
        if (pat[j] == ']' && j > k) {
            closed = true;
            break;
        }
        if (pat[j] == '\\' && j + 1 < len)
            j++;
        j += char_len(pat, j, len);
        count++;
    }
    if (!closed) {
        snprintf(why, why_len, "unclosed '[' at offset %zu", open);
        return RT_EFORMAT;
    }
    range *ranges = rt_arena_alloc(arena, count * sizeof *ranges);
    if (!ranges)
        return RT_ENOMEM;
    size_t n = 0;
    while (k < j) {
        uint32_t lo = class_char(pat, j, &k);
        uint32_t hi = lo;
        if (k + 1 < j && pat[k] == '-') {
            size_t at = k;
            k++;
            hi = class_char(pat, j, &k);
            if (hi < lo) {
                snprintf(why, why_len, "reversed range in '[' at offset %zu", at);
                return RT_EFORMAT;
            }
        }
        ranges[n].lo = lo;
        ranges[n].hi = hi;
        n++;
    }
    t->ranges = ranges;
    t->nranges = n;
    *i = j + 1;
    return RT_OK;
}

/* The tokens of pattern[start..end) into a segment. */
static int parse_segment(const char *pat, size_t start, size_t end, segment *seg, rt_arena *arena,
                         char *why, size_t why_len)
{
    seg->globstar = end - start == 2 && pat[start] == '*' && pat[start + 1] == '*';
    seg->tokens = NULL;
    seg->ntokens = 0;
    if (seg->globstar)
        return RT_OK;
    token *tokens = rt_arena_alloc(arena, (end - start) * sizeof *tokens);
    if (!tokens && end > start)
        return RT_ENOMEM;
    size_t n = 0;
    for (size_t i = start; i < end;) {
        token *t = &tokens[n];
        memset(t, 0, sizeof *t);
        char c = pat[i];
        if (c == '*') {
            t->type = TOK_STAR;
            while (i < end && pat[i] == '*') /* "**" inside a segment is '*' */
                i++;
        } else if (c == '?') {
            t->type = TOK_ANY;
            i++;
        } else if (c == '[') {
            int rc = parse_class(pat, end, &i, t, arena, why, why_len);
            if (rc)
                return rc;
        } else {
            if (c == '\\')
                i++; /* the segment splitter made sure a character follows */
            t->type = TOK_BYTE;
            t->byte = (unsigned char)pat[i++];
        }
        n++;
    }
    seg->tokens = tokens;
    seg->ntokens = n;
    return RT_OK;
}

int rt_glob_compile(rt_glob **out, const char *pat, size_t len, char sep, rt_arena *arena,
                    char *why, size_t why_len)
{
    *out = NULL;
    /* Segment boundaries: separators outside classes and escapes. */
    size_t nseg = 1;
    for (size_t i = 0; i < len; i++) {
        if (pat[i] == '\\') {
            if (i + 1 == len) {
                snprintf(why, why_len, "'\\' at the end of the pattern escapes nothing");
                return RT_EFORMAT;
            }
            i++;
        } else if (pat[i] == sep) {
            nseg++;
        }
    }
    segment *segs = rt_arena_alloc(arena, (nseg + 1) * sizeof *segs);
    rt_glob *g = rt_arena_alloc(arena, sizeof *g);
    if (!segs || !g)
        return RT_ENOMEM;
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && pat[i] == '\\') {
            i++;
            continue;
        }
        if (i < len && pat[i] != sep)
            continue;
        int rc = parse_segment(pat, start, i, &segs[n], arena, why, why_len);
        if (rc)
            return rc;
        n++;
        start = i + 1;
    }
    /* a trailing "**" after another segment becomes '*' then "**": one or
     * more segments */
    if (n > 1 && segs[n - 1].globstar) {
        static const token star = {TOK_STAR, 0, false, NULL, 0};
        segs[n - 1].globstar = false;
        segs[n - 1].tokens = &star;
        segs[n - 1].ntokens = 1;
        segs[n].globstar = true;
        segs[n].tokens = NULL;
        segs[n].ntokens = 0;
        n++;
    }
    g->sep = sep;
    g->segments = segs;
    g->nsegments = n;
    *out = g;
    return RT_OK;
}

static bool class_has(const token *t, uint32_t cp)
{
    bool in = false;
    for (size_t k = 0; k < t->nranges && !in; k++)
        in = cp >= t->ranges[k].lo && cp <= t->ranges[k].hi;
    return in != t->negated;
}

/* One segment's tokens against s[a..b) (which holds no separator). */
static bool segment_match(const segment *seg, char sep, const char *s, size_t a, size_t b)
{
    size_t ti = 0, si = a;
    size_t star_ti = SIZE_MAX, star_si = 0;
    while (si < b) {
        if (ti < seg->ntokens) {
            const token *t = &seg->tokens[ti];
            if (t->type == TOK_STAR) {
                star_ti = ti++;
                star_si = si;
                continue;
            }
            size_t n = char_len(s, si, b);
            bool ok;
            if (t->type == TOK_BYTE) {
                ok = (unsigned char)s[si] == t->byte;
                n = 1;
            } else if (t->type == TOK_ANY) {
                ok = true;
            } else {
                uint32_t cp = code_point(s, si, n);
                ok = cp != (unsigned char)sep && class_has(t, cp);
            }
            if (ok) {
                si += n;
                ti++;
                continue;
            }
        }
        if (star_ti == SIZE_MAX)
            return false;
        star_si += char_len(s, star_si, b);
        si = star_si;
        ti = star_ti + 1;
    }
    while (ti < seg->ntokens && seg->tokens[ti].type == TOK_STAR)
        ti++;
    return ti == seg->ntokens;
}

/* The subject's segments, one at a time. */
typedef struct cursor {
    size_t pos; /* start of the current segment */
    bool done;  /* no segment left */
} cursor;

static size_t segment_end(const char *s, size_t len, char sep, size_t pos)
{
    const char *e = pos < len ? memchr(s + pos, sep, len - pos) : NULL;
    return e ? (size_t)(e - s) : len;
}

static cursor next_segment(const char *s, size_t len, char sep, cursor c)
{
    size_t end = segment_end(s, len, sep, c.pos);
    if (end == len)
        c.done = true;
    else
        c.pos = end + 1;
    return c;
}

bool rt_glob_match(const rt_glob *g, const char *s, size_t len)
{
    cursor c = {0, false}, star_c = {0, false};
    size_t pi = 0, star_pi = SIZE_MAX;
    while (!c.done) {
        if (pi < g->nsegments) {
            const segment *seg = &g->segments[pi];
            if (seg->globstar) {
                star_pi = pi++;
                star_c = c;
                continue;
            }
            if (segment_match(seg, g->sep, s, c.pos, segment_end(s, len, g->sep, c.pos))) {
                c = next_segment(s, len, g->sep, c);
                pi++;
                continue;
            }
        }
        if (star_pi == SIZE_MAX)
            return false;
        star_c = next_segment(s, len, g->sep, star_c);
        c = star_c;
        pi = star_pi + 1;
    }
    while (pi < g->nsegments && g->segments[pi].globstar)
        pi++;
    return pi == g->nsegments;
}
