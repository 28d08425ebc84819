#include "capnp/capnp_pack.h"

#include <string.h>

/* Zero bytes in a word. */
static inline unsigned zero_bytes(uint64_t w)
{
    const uint64_t lo7 = 0x7F7F7F7F7F7F7F7Full;
    uint64_t nonzero_hi = ((w & lo7) + lo7) | w; /* high bit set where the byte is nonzero */
    return (unsigned)__builtin_popcountll(~nonzero_hi & ~lo7);
}

size_t rt_capnp_pack(const uint64_t *in, size_t n, unsigned char *out)
{
    unsigned char *o = out;
    size_t i = 0;
    while (i < n) {
        uint64_t w = in[i];
        if (w == 0) {
            size_t j = i + 1, lim = n - i > 256 ? i + 256 : n;
            while (j < lim && in[j] == 0)
                j++;
            *o++ = 0;
            *o++ = (unsigned char)(j - i - 1);
            i = j;
            continue;
        }
        const unsigned char *b = (const unsigned char *)&in[i];
        unsigned char *tagp = o++;
        unsigned tag = 0;
        for (unsigned k = 0; k < 8; k++) {
            unsigned nz = b[k] != 0;
            *o = b[k];
            o += nz;
            tag |= nz << k;
        }
        *tagp = (unsigned char)tag;
        i++;
        if (tag == 0xFF) {
            /* Copy the following words that packing would not shrink. */
            size_t j = i, lim = n - i > 255 ? i + 255 : n;
            while (j < lim && zero_bytes(in[j]) < 2)
                j++;
            *o++ = (unsigned char)(j - i);
            memcpy(o, &in[i], (j - i) * 8);
            o += (j - i) * 8;
            i = j;
        }
    }
    return (size_t)(o - out);
}

size_t rt_capnp_unpack(rt_capnp_unpacker *u, const unsigned char *in, size_t n, uint64_t *out,
                       size_t cap, size_t *produced)
{
    size_t ip = 0, op = 0;
    while (op < cap && !u->zero_left) {
        if (u->raw_left) {
            size_t k = u->raw_left;
            if (k > cap - op)
                k = cap - op;
            if (k > (n - ip) / 8)
                k = (n - ip) / 8;
            if (!k)
                break;
            memcpy(&out[op], in + ip, k * 8);
            op += k;
            ip += k * 8;
            u->raw_left -= k;
            continue;
        }
        if (ip >= n)
            break;
        unsigned tag = in[ip];
        size_t need = 1 + (size_t)__builtin_popcount(tag) + (tag == 0 || tag == 0xFF);
        if (n - ip < need)
            break;
        const unsigned char *p = in + ip + 1;
        unsigned char word[8];
        for (unsigned k = 0; k < 8; k++) {
            unsigned bit = (tag >> k) & 1;
            word[k] = bit ? *p : 0;
            p += bit;
        }
        memcpy(&out[op++], word, 8);
        if (tag == 0)
            u->zero_left = *p++;
        else if (tag == 0xFF)
            u->raw_left = *p++;
        ip = (size_t)(p - in);
    }
    *produced = op;
    return ip;
}
