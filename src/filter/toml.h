/* A TOML 1.0 reader for trace filter files (TRACE-FILTER.md section 1): the
 * whole language, read into a small tree in an arena, every key and value
 * with its line and column. Knows nothing of filters.
 *
 * Limits (RT_ELIMIT): a document of at most RT_TOML_MAX_SIZE bytes, tables
 * and arrays nested at most RT_TOML_MAX_DEPTH deep (a dotted key's parts
 * count as levels). The parser recurses only into arrays and inline tables,
 * and checks the depth before it does. */
#ifndef RT_FILTER_TOML_H
#define RT_FILTER_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"

#define RT_TOML_MAX_SIZE (1u << 20)
#define RT_TOML_MAX_DEPTH 64

typedef enum rt_toml_type {
    RT_TOML_STRING,
    RT_TOML_INTEGER,
    RT_TOML_FLOAT,
    RT_TOML_BOOL,
    RT_TOML_DATETIME, /* parsed and checked; only its kind is kept */
    RT_TOML_ARRAY,
    RT_TOML_TABLE
} rt_toml_type;

typedef enum rt_toml_datetime_kind {
    RT_TOML_OFFSET_DATETIME,
    RT_TOML_LOCAL_DATETIME,
    RT_TOML_LOCAL_DATE,
    RT_TOML_LOCAL_TIME
} rt_toml_datetime_kind;

/* 1-based line and column (columns count characters, a tab is one). */
typedef struct rt_toml_pos {
    uint32_t line, col;
} rt_toml_pos;

typedef struct rt_toml_value rt_toml_value;

/* One key of a table and its value. key is NUL-terminated; key_len counts
 * its bytes (a quoted key may hold NUL). pos is where the key is written (its
 * last part for a dotted key; the header of a table defined by one). */
typedef struct rt_toml_kv {
    const char *key;
    size_t key_len;
    rt_toml_pos pos;
    rt_toml_value *value;
} rt_toml_kv;

/* Flags the parser keeps on tables and arrays (the redefinition rules). */
enum {
    RT_TOML_HEADER = 1,    /* table defined by [header], or an element of [[...]] */
    RT_TOML_FROZEN = 2,    /* inline table or static array: never extended */
    RT_TOML_TABLES = 4     /* array made by [[header]]s */
};

struct rt_toml_value {
    rt_toml_type type;
    rt_toml_pos pos; /* where the value starts (a table: its header, or the key creating it) */
    uint8_t flags;
    uint16_t depth;          /* 0 for the root table */
    uint32_t dotted_section; /* the section whose dotted keys made or extended this table; 0: none */
    union {
        /* NUL-terminated, len bytes (may hold NUL from \u0000) */
        struct {
            const char *ptr;
            size_t len;
        } str;
        int64_t integer;
        double flt;
        bool boolean;
        rt_toml_datetime_kind datetime;
        struct {
            rt_toml_value **items;
            size_t len, cap;
        } array;
        /* keys in the order written */
        struct {
            rt_toml_kv *items;
            size_t len, cap;
        } table;
    } u;
};

/* A parsed document: the tree lives in the arena. */
typedef struct rt_toml_doc {
    rt_arena arena;
    rt_toml_value *root; /* a table */
} rt_toml_doc;

/* Parses src[0..len) (name is used in messages) into doc, allocating with
 * alloc. Returns RT_OK; RT_EFORMAT (bad UTF-8 included), RT_ELIMIT or
 * RT_ENOMEM with "NAME:LINE:COL: message" in err. On error doc holds
 * nothing (rt_toml_doc_free is still fine). */
int rt_toml_parse(rt_toml_doc *doc, const char *src, size_t len, const char *name,
                  const rt_allocator *alloc, rt_err *err);
void rt_toml_doc_free(rt_toml_doc *doc);

/* The entry of key in table (a table value), or NULL. Linear: tables read by
 * the schema are small, and it is called a bounded number of times each. */
const rt_toml_kv *rt_toml_get(const rt_toml_value *table, const char *key);
/* "string", "integer", "float", "boolean", "date-time", "array", "table". */
const char *rt_toml_type_name(rt_toml_type type);

#endif
