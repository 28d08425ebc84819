#include "ctfs/ctfs_layout.h"

#include <string.h>

static const char base40[] = "0123456789abcdefghijklmnopqrstuvwxyz./-";

uint64_t ctfs_name_encode(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > CTFS_NAME_MAX)
        return 0;
    uint64_t v = 0, m = 1;
    for (size_t i = 0; i < n; i++) {
        const char *c = strchr(base40, name[i]);
        if (!c || !name[i])
            return 0;
        v += (uint64_t)(c - base40 + 1) * m;
        m *= 40;
    }
    return v;
}

void ctfs_name_decode(uint64_t v, char out[CTFS_NAME_MAX + 1])
{
    size_t n = 0;
    for (int i = 0; i < CTFS_NAME_MAX; i++) {
        unsigned d = (unsigned)(v % 40);
        v /= 40;
        out[i] = d ? base40[d - 1] : '\0';
        if (d)
            n = (size_t)i + 1;
    }
    out[n] = '\0';
}

bool ctfs_map_level(uint64_t li, uint64_t usable, unsigned *level, uint64_t *rem)
{
    uint64_t cap = usable;
    unsigned l = 1;
    while (li >= cap && l < CTFS_MAX_LEVELS) {
        li -= cap;
        l++;
        cap *= usable;
    }
    if (li >= cap)
        return false;
    *level = l;
    *rem = li;
    return true;
}
