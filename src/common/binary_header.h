/* The 8-byte header of trace.bin (FORMAT.md section 5): C0 DE 72 AC E2,
 * then the version byte (00 = v0, 01 = v1), then 00 00. */
#ifndef RT_COMMON_BINARY_HEADER_H
#define RT_COMMON_BINARY_HEADER_H

#define RT_BINARY_MAGIC "\xC0\xDE\x72\xAC\xE2"
#define RT_BINARY_MAGIC_LEN 5
#define RT_BINARY_HEADER_LEN 8
#define RT_BINARY_VERSION_V0 0
#define RT_BINARY_VERSION_V1 1

#endif
