/* Text helpers of the Lua recorder: a scratch arena for values built per
 * event, UTF-8 cleaning (the trace format holds UTF-8 only, Lua strings are
 * bytes) and lexical path normalisation. */
#ifndef CTL_TEXT_H
#define CTL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A bump allocator reset after each event; blocks never move, so pointers
 * stay valid until the reset. */
typedef struct ctl_scratch_block ctl_scratch_block;
typedef struct ctl_scratch {
    ctl_scratch_block *head; /* current block; older ones follow */
    uint64_t epoch;          /* counts resets: what points into the arena
                              * (or into caches tied to it) lives one epoch */
} ctl_scratch;

void ctl_scratch_init(ctl_scratch *s);
/* size bytes aligned for any value; NULL when out of memory. */
void *ctl_scratch_alloc(ctl_scratch *s, size_t size);
/* Frees every block but the first, which is emptied. */
void ctl_scratch_reset(ctl_scratch *s);
void ctl_scratch_free(ctl_scratch *s);

/* True when s[0..len) is valid UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF), the rule the library checks. */
bool ctl_utf8_valid(const char *s, size_t len);

/* s[0..len) as valid UTF-8: s itself when valid, else a copy in the
 * scratch arena with each invalid byte replaced by U+FFFD. *out_len gets
 * the length. NULL when out of memory. */
const char *ctl_utf8_clean(ctl_scratch *sc, const char *s, size_t len, size_t *out_len);

/* The absolute, lexically normalised form of path (relative paths are taken
 * from cwd): no "." or ".." segments, no repeated or trailing '/'. Returns a
 * malloc'd string or NULL when out of memory. */
char *ctl_path_absolute(const char *cwd, const char *path);

#endif
