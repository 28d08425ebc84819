#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ctl_scratch_block {
    ctl_scratch_block *next;
    size_t cap, used;
    max_align_t data[];
};

#define CTL_SCRATCH_BLOCK (256 * 1024) /* a value with ~40 tables: each walk takes 6 KB */

void ctl_scratch_init(ctl_scratch *s)
{
    s->head = NULL;
    s->epoch = 1;
}

void *ctl_scratch_alloc(ctl_scratch *s, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    ctl_scratch_block *b = s->head;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > CTL_SCRATCH_BLOCK ? size : CTL_SCRATCH_BLOCK;
        ctl_scratch_block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->cap = cap;
        nb->used = 0;
        nb->next = b;
        s->head = b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    return p;
}

void ctl_scratch_reset(ctl_scratch *s)
{
    s->epoch++;
    ctl_scratch_block *b = s->head;
    if (!b)
        return;
    /* Keep the oldest block (the usual size), free the rest. */
    while (b->next) {
        ctl_scratch_block *next = b->next;
        free(b);
        b = next;
    }
    b->used = 0;
    s->head = b;
}

void ctl_scratch_free(ctl_scratch *s)
{
    ctl_scratch_block *b = s->head;
    while (b) {
        ctl_scratch_block *next = b->next;
        free(b);
        b = next;
    }
    s->head = NULL;
}

/* Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid. */
static size_t utf8_seq(const unsigned char *s, size_t i, size_t len)
{
    unsigned c = s[i];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
        return 0;
    for (size_t k = 2; k <= n; k++)
        if ((s[i + k] & 0xC0) != 0x80)
            return 0;
    return n + 1;
}

bool ctl_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        /* ASCII runs are the common case: 8 bytes at a time. */
        while (len - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        while (i < len && s[i] < 0x80)
            i++;
        if (i == len)
            break;
        size_t n = utf8_seq(s, i, len);
        if (!n)
            return false;
        i += n;
    }
    return true;
}

const char *ctl_utf8_clean(ctl_scratch *sc, const char *str, size_t len, size_t *out_len)
{
    if (ctl_utf8_valid(str, len)) {
        *out_len = len;
        return str;
    }
    const unsigned char *s = (const unsigned char *)str;
    char *out = ctl_scratch_alloc(sc, len * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(s, i, len);
        if (n) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

char *ctl_path_absolute(const char *cwd, const char *path)
{
    size_t cl = path[0] == '/' ? 0 : strlen(cwd);
    size_t pl = strlen(path);
    char *joined = malloc(cl + pl + 2);
    if (!joined)
        return NULL;
    memcpy(joined, cwd, cl);
    joined[cl] = '/';
    memcpy(joined + cl + 1, path, pl + 1);
    /* Rewrite in place: out never passes the segment being read. */
    char *out = joined;
    size_t o = 0;
    const char *p = joined;
    while (*p) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e && *e != '/')
            e++;
        size_t n = (size_t)(e - p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* skip */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--; /* drop the '/' too */
        } else {
            out[o++] = '/';
            memmove(out + o, p, n);
            o += n;
        }
        p = e;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    return joined;
}
