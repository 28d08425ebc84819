/* The Cap'n Proto wire layout of v0 (FORMAT.md section 6, docs/trace.capnp):
 * pointer encodings, struct sizes, union tags, and the EventLogKind
 * renumbering. Shared by the v0 encoder and decoder. */
#ifndef RT_CAPNP_LAYOUT_H
#define RT_CAPNP_LAYOUT_H

#include <stdint.h>
#include <string.h>

#include "runtime_tracing.h"

/* Pointer kinds (low two bits of a pointer word). */
enum { CP_STRUCT = 0, CP_LIST = 1, CP_FAR = 2, CP_OTHER = 3 };

/* List element sizes (bits 32..34 of a list pointer). */
enum {
    CP_ELEM_VOID = 0, CP_ELEM_BIT = 1, CP_ELEM_BYTE = 2, CP_ELEM_2B = 3,
    CP_ELEM_4B = 4, CP_ELEM_8B = 5, CP_ELEM_PTR = 6, CP_ELEM_COMPOSITE = 7
};

/* Field widths: a struct/list offset is a signed 30-bit word count, a list
 * length 29 bits, a far pointer's landing-pad offset 29 bits. */
#define CP_MAX_OFFSET ((int64_t)(1 << 29) - 1)
#define CP_MAX_LIST ((uint32_t)(1u << 29) - 1u)
#define CP_MAX_FAR_OFFSET ((uint32_t)(1u << 29) - 1u)
#define CP_MAX_SEGMENT_WORDS UINT32_MAX

/* Struct sizes: data words, pointers. */
#define CP_EVENT_DW 1  /* TraceLowLevelEvent: union tag bits[0,16) */
#define CP_EVENT_PC 1
#define CP_VALUE_DW 3  /* ValueRecord: union tag bits[64,80) */
#define CP_VALUE_PC 3
#define CP_VALUE_TAG_WORD 1
/* Every other struct of the schema: data words (0 or 1) and pointers are
 * written inline where the struct is built; see docs/trace.capnp. */

/* Union tags of TraceLowLevelEvent and ValueRecord are the rt_event_kind and
 * rt_value_kind numbers (checked by the static asserts below). */
_Static_assert(RT_EVENT_STEP == 0 && RT_EVENT_ASSIGNMENT == 12 && RT_EVENT_DROP_VARIABLE == 19 &&
                   RT_EVENT_DROP_LAST_STEP == 20 && RT_EVENT_THREAD_START == 21 &&
                   RT_EVENT_THREAD_EXIT == 22 && RT_EVENT_THREAD_SWITCH == 23,
               "TraceLowLevelEvent union tags");
_Static_assert(RT_VALUE_INT == 0 && RT_VALUE_REFERENCE == 8 && RT_VALUE_CELL == 12 &&
                   RT_VALUE_BIGINT == 13,
               "ValueRecord union tags");

/* TypeSpecificInfo and RValue tags. */
enum { CP_INFO_NONE = 0, CP_INFO_STRUCT = 1, CP_INFO_POINTER = 2 };
/* RValue: 0.14 has the first two (8 bytes, 1 pointer); 0.19 all six (16
 * bytes, 2 pointers: DIALECT-0.19.md section 2). */
enum {
    CP_RVALUE_SIMPLE = 0, CP_RVALUE_COMPOUND = 1, CP_RVALUE_LITERAL = 2,
    CP_RVALUE_FIELD_ACCESS = 3, CP_RVALUE_INDEX_ACCESS = 4, CP_RVALUE_FUNCTION_RETURN = 5
};

/* EventLogKind: v0 numbers by name (write, writeFile, read, readFile,
 * readDir, openDir, closeDir, socket, open, error, traceLogEvent,
 * writeOther, readOther, evmEvent). k must be in range. */
static inline unsigned cp_log_kind_to_v0(rt_event_log_kind k)
{
    static const uint8_t map[RT_EVENT_LOG_KIND_COUNT] = {
        0 /* Write */, 1 /* WriteFile */, 11 /* WriteOther */, 2 /* Read */, 3 /* ReadFile */,
        12 /* ReadOther */, 4 /* ReadDir */, 5 /* OpenDir */, 6 /* CloseDir */, 7 /* Socket */,
        8 /* Open */, 9 /* Error */, 10 /* TraceLogEvent */, 13 /* EvmEvent */};
    return map[k];
}
/* v must be below RT_EVENT_LOG_KIND_COUNT. */
static inline rt_event_log_kind cp_log_kind_from_v0(unsigned v)
{
    static const uint8_t map[RT_EVENT_LOG_KIND_COUNT] = {
        RT_LOG_WRITE, RT_LOG_WRITE_FILE, RT_LOG_READ, RT_LOG_READ_FILE, RT_LOG_READ_DIR,
        RT_LOG_OPEN_DIR, RT_LOG_CLOSE_DIR, RT_LOG_SOCKET, RT_LOG_OPEN, RT_LOG_ERROR,
        RT_LOG_TRACE_LOG_EVENT, RT_LOG_WRITE_OTHER, RT_LOG_READ_OTHER, RT_LOG_EVM_EVENT};
    return (rt_event_log_kind)map[v];
}

/* Words are little-endian on the wire. */
static inline uint64_t cp_le64(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap64(v);
#else
    return v;
#endif
}

/* Reads a word from possibly unaligned memory. */
static inline uint64_t cp_load(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return cp_le64(v);
}

/* Pointer words (host order; store them with cp_le64). off is the signed
 * distance in words from the end of the pointer word to the target. */
static inline uint64_t cp_struct_ptr(int64_t off, unsigned dw, unsigned pc)
{
    return (uint64_t)(((uint32_t)off << 2) & 0xFFFFFFFCu) | (uint64_t)dw << 32 | (uint64_t)pc << 48;
}
static inline uint64_t cp_list_ptr(int64_t off, unsigned elem, uint32_t count)
{
    return (uint64_t)((((uint32_t)off << 2) & 0xFFFFFFFCu) | CP_LIST) | (uint64_t)elem << 32 |
           (uint64_t)count << 35;
}
static inline uint64_t cp_far_ptr(uint32_t pad_offset, uint32_t segment)
{
    return (uint64_t)CP_FAR | (uint64_t)pad_offset << 3 | (uint64_t)segment << 32;
}

/* Field extraction from a pointer word. */
static inline unsigned cp_ptr_kind(uint64_t p) { return (unsigned)(p & 3); }
static inline int64_t cp_ptr_offset(uint64_t p) { return (int64_t)((int32_t)(uint32_t)p >> 2); }
static inline unsigned cp_struct_dw(uint64_t p) { return (unsigned)(p >> 32) & 0xFFFFu; }
static inline unsigned cp_struct_pc(uint64_t p) { return (unsigned)(p >> 48); }
static inline unsigned cp_list_elem(uint64_t p) { return (unsigned)(p >> 32) & 7u; }
static inline uint32_t cp_list_count(uint64_t p) { return (uint32_t)(p >> 35); }
static inline bool cp_far_double(uint64_t p) { return (p >> 2) & 1; }
static inline uint32_t cp_far_offset(uint64_t p) { return (uint32_t)(p >> 3) & CP_MAX_FAR_OFFSET; }
static inline uint32_t cp_far_segment(uint64_t p) { return (uint32_t)(p >> 32); }

#endif
