/* Floats as text, shared by the JSON and CBOR encoders and decoders: the
 * shortest round-trip digits (Schubfach), Rust's Display of f64 (the 0.19
 * dialect's Float.f, DIALECT-0.19.md section 1) and f64::from_str. */
#ifndef RT_COMMON_FLOAT_TEXT_H
#define RT_COMMON_FLOAT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"

/* Longest rt_f64_display text: "-0." + 323 zeros + 17 digits is 343
 * bytes at most; rounded up. */
#define RT_F64_DISPLAY_MAX 352

/* The shortest decimal digits that read back to v (finite, > 0), the
 * closest to v, a tie to the even digit as Ryu (serde_json) does: writes
 * them to digits (17 bytes) and returns their count; v = 0.D x 10^*k. */
int rt_f64_shortest(double v, char *digits, int *k);

/* Writes v as Rust's `Display` of f64 does at p and returns its length:
 * shortest round-trip digits, the closest to v, a tie away from zero (as
 * Rust's flt2dec, unlike Ryu: 10672327145.8828125 is
 * "10672327145.882813"), never an exponent ("1e21" is 22 digits), no
 * ".0" ("1"), "-0", "NaN", "inf", "-inf". p needs RT_F64_DISPLAY_MAX bytes
 * of room: bytes past the text may be written (fixed-size stores). */
size_t rt_f64_display(char *p, double v);

/* Reads s[0..n) as Rust's f64::from_str does: an optional sign, then
 * "inf", "infinity" or "nan" in any case, or digits with an optional
 * decimal point (".5", "5." too) and exponent; nothing else (no spaces,
 * hex, '_' or empty text). Out-of-range decimals give +-inf or +-0, as in
 * Rust. Returns RT_OK, RT_EFORMAT when s does not match, or RT_ENOMEM when
 * a long text needs a copy in scratch and none can be made. */
int rt_f64_from_text(const char *s, size_t n, rt_arena *scratch, double *out);

/* The decimal part of the above for a token already checked (sign,
 * digits, '.', exponent): used by the JSON number reader too. Overflow
 * gives +-inf. Returns RT_OK or RT_ENOMEM. */
int rt_f64_from_decimal(const char *s, size_t n, rt_arena *scratch, double *out);

#endif
