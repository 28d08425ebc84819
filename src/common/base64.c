#include "common/base64.h"

static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *rt_base64_encode(char *p, const uint8_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t w = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
        *p++ = digits[w >> 18];
        *p++ = digits[(w >> 12) & 63];
        *p++ = digits[(w >> 6) & 63];
        *p++ = digits[w & 63];
    }
    if (n - i == 1) {
        *p++ = digits[b[i] >> 2];
        *p++ = digits[(b[i] & 3) << 4];
        *p++ = '=';
        *p++ = '=';
    } else if (n - i == 2) {
        *p++ = digits[b[i] >> 2];
        *p++ = digits[((b[i] & 3) << 4) | (b[i + 1] >> 4)];
        *p++ = digits[(b[i + 1] & 15) << 2];
        *p++ = '=';
    }
    return p;
}

static bool digit_value(unsigned char ch, unsigned *v)
{
    if (ch >= 'A' && ch <= 'Z')
        *v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z')
        *v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9')
        *v = ch - '0' + 52;
    else if (ch == '+')
        *v = 62;
    else if (ch == '/')
        *v = 63;
    else
        return false;
    return true;
}

bool rt_base64_decode(const char *text, size_t n, uint8_t *out, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)text;
    if (n % 4)
        return false;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        unsigned v[4];
        size_t pad = 0;
        for (size_t k = 0; k < 4; k++) {
            if (s[i + k] == '=' && i + 4 == n && k >= 2) {
                pad++;
                v[k] = 0;
            } else if (pad || !digit_value(s[i + k], &v[k])) {
                return false;
            }
        }
        uint32_t w = v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3];
        if ((pad == 1 && (w & 0xFF)) || (pad == 2 && (w & 0xFFFF)))
            return false; /* bits past the data must be zero */
        out[o++] = (uint8_t)(w >> 16);
        if (pad < 2)
            out[o++] = (uint8_t)(w >> 8);
        if (pad < 1)
            out[o++] = (uint8_t)w;
    }
    *out_len = o;
    return true;
}
