/* Standard base64 with padding (RFC 4648 §4): the text form of BigInt.b in
 * JSON and CBOR. Shared by the writers and readers of both formats. */
#ifndef RT_COMMON_BASE64_H
#define RT_COMMON_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the padded text of n bytes. */
static inline size_t rt_base64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

/* Writes the padded text of b[0..n) at dst (no NUL); returns its end. */
char *rt_base64_encode(char *dst, const uint8_t *b, size_t n);

/* Decodes the n characters at s into out, which holds n / 4 * 3 bytes.
 * Accepts canonical text only (padding in place, unused bits zero); false
 * for anything else, with out partly written. */
bool rt_base64_decode(const char *s, size_t n, uint8_t *out, size_t *out_len);

#endif
