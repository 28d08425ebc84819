/**
 * @file runtime_tracing.h
 * @brief runtime_tracing — record program executions as CodeTracer traces.
 *
 * This header is the whole public API and its contract. Conventions:
 *
 *  - Every public name starts with rt_ / RT_.
 *  - Functions that can fail return an int status: RT_OK (0) or a negative
 *    RT_E* code (rt_is_error(), rt_strerror()). The handle that failed keeps a
 *    human-readable message (rt_tracer_errmsg(), rt_reader_errmsg(),
 *    rt_writer_errmsg()); there is no global error state.
 *  - Destructors accept NULL.
 *  - Ownership: the caller owns everything it passes in. The library copies
 *    what it keeps (strings, value trees) before the call returns, so values
 *    may be built on the stack. Everything the library returns by pointer is
 *    owned by the handle that returned it and stays valid as documented.
 *  - Strings are UTF-8. Names and paths are NUL-terminated; value strings may
 *    hold NUL bytes and are given as rt_str (pointer + length).
 *
 * The on-disk formats are described in docs/formats.md.
 */
#ifndef RUNTIME_TRACING_H
#define RUNTIME_TRACING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime_tracing_version.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a public function: exported from the shared library, which hides
 * everything else. Define RT_STATIC_DEFINE to drop the attribute. */
#if defined(RT_STATIC_DEFINE) || !defined(__GNUC__)
#define RT_API
#else
#define RT_API __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/** X(name, code, message): the single list of error codes. */
#define RT_ERROR_MAP(X)                                                        \
    X(OK, 0, "success")                                                        \
    X(EINVAL, -1, "invalid argument")                                          \
    X(ENOMEM, -2, "out of memory")                                             \
    X(EUTF8, -3, "invalid UTF-8")                                              \
    X(EIO, -4, "input/output error")                                           \
    X(EFORMAT, -5, "malformed trace data")                                     \
    X(ETRUNCATED, -6, "truncated trace data")                                  \
    X(EUNSUPPORTED, -7, "not supported")                                       \
    X(ESTATE, -8, "call not valid in the current state")                       \
    X(ERANGE, -9, "value out of range")                                        \
    X(ELIMIT, -10, "input exceeds a documented limit")                         \
    X(ENOENT, -11, "no such file or directory")                                \
    X(ENOSPC, -12, "no space left on device")

/**
 * Status codes, generated from RT_ERROR_MAP: RT_OK (0) "success",
 * RT_EINVAL (-1) "invalid argument", RT_ENOMEM (-2) "out of memory",
 * RT_EUTF8 (-3) "invalid UTF-8", RT_EIO (-4) "input/output error",
 * RT_EFORMAT (-5) "malformed trace data", RT_ETRUNCATED (-6) "truncated
 * trace data", RT_EUNSUPPORTED (-7) "not supported", RT_ESTATE (-8) "call
 * not valid in the current state", RT_ERANGE (-9) "value out of range",
 * RT_ELIMIT (-10) "input exceeds a documented limit", RT_ENOENT (-11) "no
 * such file or directory", RT_ENOSPC (-12) "no space left on device".
 */
typedef enum rt_status {
/** Expands one RT_ERROR_MAP entry into an enumerator (undefined after use). */
#define RT_X_ENUM(name, code, msg) RT_##name = (code),
    RT_ERROR_MAP(RT_X_ENUM)
#undef RT_X_ENUM
    RT_ERROR_MIN = -12
} rt_status;

/** Returns a static description of an RT_* status code (never NULL). */
RT_API const char *rt_strerror(int status);
/** Returns the symbolic name of a status code, e.g. "RT_EUTF8" (never NULL). */
RT_API const char *rt_status_name(int status);
/** Returns true when status is an error (negative). */
static inline bool rt_is_error(int status) { return status < 0; }

/** Run-time version, e.g. "0.1.0"; compare with RT_VERSION_STRING. */
RT_API const char *rt_version_string(void);
/** Run-time version as MAJOR*10000 + MINOR*100 + PATCH. */
RT_API unsigned rt_version_number(void);

/* ------------------------------------------------------------------------ */
/* Allocator hook (per handle, never global)                                */
/* ------------------------------------------------------------------------ */

/** Memory functions a handle uses for all its allocations (per handle,
 * never global). All three get ctx as their first argument. */
typedef struct rt_allocator {
    /** Returns a block of size bytes, or NULL on failure. */
    void *(*alloc)(void *ctx, size_t size);
    /** Resizes a block (ptr may be NULL); NULL on failure, ptr left intact. */
    void *(*realloc)(void *ctx, void *ptr, size_t old_size, size_t new_size);
    /** Frees a block (ptr may be NULL). */
    void (*free)(void *ctx, void *ptr, size_t size);
    void *ctx; /**< Passed to the three functions. */
} rt_allocator;

/* ------------------------------------------------------------------------ */
/* Event model (FORMAT.md section 2)                                        */
/* ------------------------------------------------------------------------ */

/** A UTF-8 string that need not be NUL-terminated and may hold NUL bytes. */
typedef struct rt_str {
    const char *ptr; /**< The bytes (may be NULL when len is 0). */
    size_t len;      /**< Length in bytes. */
} rt_str;

typedef uint64_t rt_path_id;     /**< Index of a Path event (0, 1, ... in order). */
typedef uint64_t rt_function_id; /**< Index of a Function event. */
typedef uint64_t rt_type_id;     /**< Index of a Type event; 0 is None after rt_start. */
typedef uint64_t rt_variable_id; /**< Index of a VariableName event. */
typedef int64_t rt_line;         /**< A source line number. */
typedef int64_t rt_place;        /**< A memory place (cells, compound values). */
typedef uint64_t rt_thread_id;   /**< A thread of the traced program (ThreadStart, ...). */

/** TypeKind, numbered as in every format. */
typedef enum rt_type_kind {
    RT_TYPE_SEQ = 0, RT_TYPE_SET = 1, RT_TYPE_HASH_SET = 2,
    RT_TYPE_ORDERED_SET = 3, RT_TYPE_ARRAY = 4, RT_TYPE_VARARGS = 5,
    RT_TYPE_STRUCT = 6, RT_TYPE_INT = 7, RT_TYPE_FLOAT = 8,
    RT_TYPE_STRING = 9, RT_TYPE_CSTRING = 10, RT_TYPE_CHAR = 11,
    RT_TYPE_BOOL = 12, RT_TYPE_LITERAL = 13, RT_TYPE_REF = 14,
    RT_TYPE_RECURSION = 15, RT_TYPE_RAW = 16, RT_TYPE_ENUM = 17,
    RT_TYPE_ENUM16 = 18, RT_TYPE_ENUM32 = 19, RT_TYPE_C = 20,
    RT_TYPE_TABLE_KIND = 21, RT_TYPE_UNION = 22, RT_TYPE_POINTER = 23,
    RT_TYPE_ERROR = 24, RT_TYPE_FUNCTION_KIND = 25, RT_TYPE_TYPE_VALUE = 26,
    RT_TYPE_TUPLE = 27, RT_TYPE_VARIANT = 28, RT_TYPE_HTML = 29,
    RT_TYPE_NONE = 30, RT_TYPE_NON_EXPANDED = 31, RT_TYPE_ANY = 32,
    RT_TYPE_SLICE = 33
} rt_type_kind;
/** Number of rt_type_kind values. */
#define RT_TYPE_KIND_COUNT 34

/** EventLogKind, numbered as in JSON and CBOR (v0 renumbers on the wire). */
typedef enum rt_event_log_kind {
    RT_LOG_WRITE = 0, RT_LOG_WRITE_FILE = 1, RT_LOG_WRITE_OTHER = 2,
    RT_LOG_READ = 3, RT_LOG_READ_FILE = 4, RT_LOG_READ_OTHER = 5,
    RT_LOG_READ_DIR = 6, RT_LOG_OPEN_DIR = 7, RT_LOG_CLOSE_DIR = 8,
    RT_LOG_SOCKET = 9, RT_LOG_OPEN = 10, RT_LOG_ERROR = 11,
    RT_LOG_TRACE_LOG_EVENT = 12, RT_LOG_EVM_EVENT = 13
} rt_event_log_kind;
/** Number of rt_event_log_kind values. */
#define RT_EVENT_LOG_KIND_COUNT 14

/** PassBy of an Assignment. */
typedef enum rt_pass_by { RT_PASS_BY_VALUE = 0, RT_PASS_BY_REFERENCE = 1 } rt_pass_by;

/** The variant of a ValueRecord (rt_value.kind). */
typedef enum rt_value_kind {
    RT_VALUE_INT, RT_VALUE_FLOAT, RT_VALUE_BOOL, RT_VALUE_STRING,
    RT_VALUE_SEQUENCE, RT_VALUE_TUPLE, RT_VALUE_STRUCT, RT_VALUE_VARIANT,
    RT_VALUE_REFERENCE, RT_VALUE_RAW, RT_VALUE_ERROR, RT_VALUE_NONE,
    RT_VALUE_CELL, RT_VALUE_BIGINT,
    /** One Unicode scalar value (u.ch). JSON and CBOR of the 0.19 dialect
     * write it as Char; v0 and the 0.14 dialect write Raw{r: its UTF-8}. */
    RT_VALUE_CHAR
} rt_value_kind;
/** Number of rt_value_kind values. */
#define RT_VALUE_KIND_COUNT 15

/**
 * A ValueRecord. Build it with the rt_value_* constructors below; they only
 * fill the struct and never allocate. Composite values point at arrays the
 * caller owns; the library copies the whole tree when it records it.
 */
typedef struct rt_value {
    rt_value_kind kind; /**< Which member of u is used. */
    /** Bool: b. Sequence: is_slice. Reference: mutable. BigInt: negative. */
    bool flag;
    rt_type_id type_id; /**< unused by Cell */
    /** The payload, by kind. */
    union {
        int64_t i;     /**< Int */
        double f;      /**< Float */
        rt_str text;   /**< String text, Raw r, Error msg */
        /** Sequence elements, Tuple elements, Struct field_values. */
        struct {
            const struct rt_value *items; /**< The elements or field values. */
            size_t len;                   /**< How many. */
        } list;
        /** Variant. */
        struct {
            rt_str discriminator;            /**< The variant's name. */
            const struct rt_value *contents; /**< Its one value. */
        } variant;
        /** Reference. */
        struct {
            const struct rt_value *dereferenced; /**< The value referred to. */
            uint64_t address;                    /**< Its address. */
        } reference;
        rt_place place; /**< Cell */
        uint32_t ch;    /**< Char: a Unicode scalar value (<= 0x10FFFF, not a surrogate) */
        /** BigInt. */
        struct {
            const uint8_t *bytes; /**< big-endian magnitude */
            size_t len;           /**< bytes in bytes */
        } bigint;
    } u;
} rt_value;

/** A value bound to a variable: Value events and Call arguments. */
typedef struct rt_full_value {
    rt_variable_id variable_id; /**< The variable (a VariableName id). */
    rt_value value;             /**< Its value. */
} rt_full_value;

/** Which member of rt_type_record.info is used (SpecificInfo). */
typedef enum rt_specific_info_kind {
    RT_INFO_NONE, RT_INFO_STRUCT, RT_INFO_POINTER
} rt_specific_info_kind;

/** A struct field of a Type: name and type. */
typedef struct rt_field_type {
    rt_str name;        /**< Field name. */
    rt_type_id type_id; /**< Field type. */
} rt_field_type;

/** A TypeRecord: what a Type event defines. */
typedef struct rt_type_record {
    rt_type_kind kind;               /**< TypeKind. */
    rt_str lang_type;                /**< The language's name for the type (the interning key). */
    rt_specific_info_kind info_kind; /**< Which member of info is used. */
    /** SpecificInfo, by info_kind. */
    union {
        /** Struct fields. */
        struct {
            const rt_field_type *items; /**< The fields, in order. */
            size_t len;                 /**< How many. */
        } fields;                        /**< RT_INFO_STRUCT */
        rt_type_id dereference_type_id;  /**< RT_INFO_POINTER */
    } info;
} rt_type_record;

/** The form of an rt_rvalue (RValue). */
typedef enum rt_rvalue_kind {
    RT_RVALUE_SIMPLE,          /**< one variable */
    RT_RVALUE_COMPOUND,        /**< several variables */
    RT_RVALUE_LITERAL,         /**< a literal (v0 only in the 0.19 dialect) */
    RT_RVALUE_FUNCTION_RETURN, /**< a call's result (v0 only in the 0.19 dialect) */
    RT_RVALUE_FIELD_ACCESS,    /**< a field of a variable (v0 only in the 0.19 dialect) */
    RT_RVALUE_INDEX_ACCESS     /**< an element of a variable (v0 only in the 0.19 dialect) */
} rt_rvalue_kind;

/** The right-hand side of an Assignment. */
typedef struct rt_rvalue {
    rt_rvalue_kind kind;        /**< Which of the members below is used. */
    /** RT_RVALUE_SIMPLE; the receiver of RT_RVALUE_FIELD_ACCESS and RT_RVALUE_INDEX_ACCESS */
    rt_variable_id simple;
    const rt_variable_id *ids;  /**< RT_RVALUE_COMPOUND */
    size_t len;                 /**< Entries in ids. */
    /** One word for either (an rt_event stays 80 bytes: 16-byte stores clear it). */
    union {
        int64_t call_key;       /**< RT_RVALUE_FUNCTION_RETURN */
        int64_t index;          /**< RT_RVALUE_INDEX_ACCESS: the element's index */
    };
    rt_str field;               /**< RT_RVALUE_FIELD_ACCESS: the field's name */
} rt_rvalue;

/** The variant of a trace event (rt_event.kind). */
typedef enum rt_event_kind {
    RT_EVENT_STEP, RT_EVENT_PATH, RT_EVENT_VARIABLE_NAME, RT_EVENT_VARIABLE,
    RT_EVENT_TYPE, RT_EVENT_VALUE, RT_EVENT_FUNCTION, RT_EVENT_CALL,
    RT_EVENT_RETURN, RT_EVENT_EVENT, RT_EVENT_ASM, RT_EVENT_BIND_VARIABLE,
    RT_EVENT_ASSIGNMENT, RT_EVENT_DROP_VARIABLES, RT_EVENT_COMPOUND_VALUE,
    RT_EVENT_CELL_VALUE, RT_EVENT_ASSIGN_COMPOUND_ITEM, RT_EVENT_ASSIGN_CELL,
    RT_EVENT_VARIABLE_CELL, RT_EVENT_DROP_VARIABLE, RT_EVENT_DROP_LAST_STEP,
    /* runtime_tracing 0.15 and later, legal in both dialects (u.thread_id) */
    RT_EVENT_THREAD_START, RT_EVENT_THREAD_EXIT, RT_EVENT_THREAD_SWITCH
} rt_event_kind;
/** Number of rt_event_kind values. */
#define RT_EVENT_KIND_COUNT 24

/** One trace event. Which member of u is used depends on kind. */
typedef struct rt_event {
    rt_event_kind kind; /**< Which member of u is used. */
    /** The payload, by kind. */
    union {
        /** Step. */
        struct { rt_path_id path_id; rt_line line; } step;
        rt_str path;           /**< Path */
        rt_str name;           /**< VariableName, Variable */
        rt_type_record type;   /**< Type */
        rt_full_value value;   /**< Value */
        /** Function. */
        struct { rt_path_id path_id; rt_line line; rt_str name; } function;
        /** Call: the function and its nargs arguments. */
        struct { rt_function_id function_id; const rt_full_value *args; size_t len; } call;
        rt_value return_value; /**< Return */
        /** Event: a special event (output, file access, error, ...). */
        struct { rt_event_log_kind kind; rt_str metadata; rt_str content; } event;
        struct { const rt_str *items; size_t len; } asm_lines; /**< Asm */
        struct { rt_variable_id variable_id; rt_place place; } bind; /**< BindVariable, VariableCell */
        /** Assignment. */
        struct { rt_variable_id to; rt_pass_by pass_by; rt_rvalue from; } assignment;
        /** DropVariables. */
        struct { const rt_variable_id *ids; size_t len; } drop_variables;
        struct { rt_place place; rt_value value; } place_value; /**< CompoundValue, CellValue, AssignCell */
        /** AssignCompoundItem. */
        struct { rt_place place; uint64_t index; rt_place item_place; } assign_item;
        rt_variable_id drop_variable; /**< DropVariable */
        rt_thread_id thread_id;       /**< ThreadStart, ThreadExit, ThreadSwitch */
    } u;
} rt_event;

/** Name of an event kind as in the formats: "Step", "Path", ... (never NULL). */
RT_API const char *rt_event_kind_name(rt_event_kind kind);
/** Name of a value kind as in the formats: "Int", "Sequence", ... (never NULL). */
RT_API const char *rt_value_kind_name(rt_value_kind kind);
/** Name of a type kind as in the formats: "Seq", "Int", ... (never NULL). */
RT_API const char *rt_type_kind_name(rt_type_kind kind);
/** Name of an event log kind as in the formats: "Write", ... (never NULL). */
RT_API const char *rt_event_log_kind_name(rt_event_log_kind kind);

/* Value constructors: fill a struct, never allocate, never fail. */
/** An rt_str over a NUL-terminated string; NULL gives an empty string. */
RT_API rt_str rt_str_c(const char *s);
/** Int value. */
RT_API rt_value rt_value_int(int64_t i, rt_type_id type_id);
/** Float value. */
RT_API rt_value rt_value_float(double f, rt_type_id type_id);
/** Bool value. */
RT_API rt_value rt_value_bool(bool b, rt_type_id type_id);
/** String value of a NUL-terminated text (not copied until recorded). */
RT_API rt_value rt_value_string(const char *text, rt_type_id type_id);
/** String value of len bytes, which may hold NUL. */
RT_API rt_value rt_value_string_n(const char *text, size_t len, rt_type_id type_id);
/** Sequence of len items (caller-owned array); is_slice as in the formats. */
RT_API rt_value rt_value_sequence(const rt_value *items, size_t len, bool is_slice, rt_type_id type_id);
/** Tuple of len items. */
RT_API rt_value rt_value_tuple(const rt_value *items, size_t len, rt_type_id type_id);
/** Struct with len field values, in the order of the type's fields. */
RT_API rt_value rt_value_struct(const rt_value *fields, size_t len, rt_type_id type_id);
/** Variant named discriminator holding one value, contents. */
RT_API rt_value rt_value_variant(const char *discriminator, const rt_value *contents, rt_type_id type_id);
/** Reference to dereferenced at address; mutable_ for a mutable reference. */
RT_API rt_value rt_value_reference(const rt_value *dereferenced, uint64_t address, bool mutable_, rt_type_id type_id);
/** Raw value: a textual representation. */
RT_API rt_value rt_value_raw(const char *r, rt_type_id type_id);
/** Error value with a message. */
RT_API rt_value rt_value_error(const char *msg, rt_type_id type_id);
/** None value (type 0 is None after rt_start). */
RT_API rt_value rt_value_none(rt_type_id type_id);
/** Cell value: the value at place. */
RT_API rt_value rt_value_cell(rt_place place);
/** BigInt from a big-endian magnitude of len bytes and a sign. */
RT_API rt_value rt_value_bigint(const uint8_t *be_magnitude, size_t len, bool negative, rt_type_id type_id);
/** Char value: one Unicode scalar value ch. Recording a surrogate or a value
 * over 0x10FFFF fails with RT_EINVAL. */
RT_API rt_value rt_value_char(uint32_t ch, rt_type_id type_id);

/* ------------------------------------------------------------------------ */
/* Formats and writers                                                      */
/* ------------------------------------------------------------------------ */

/** An events-file format. */
typedef enum rt_format {
    RT_FORMAT_DEFAULT = -1, /**< where a function takes a format: the handle's own */
    RT_FORMAT_JSON = 0,     /**< trace.json */
    RT_FORMAT_V0 = 1,       /**< trace.bin, packed Cap'n Proto */
    RT_FORMAT_V1 = 2,       /**< trace.bin, CBOR in seekable zstd */
    /** trace.ct, the CTFS container CodeTracer opens first (docs/formats.md;
     * events always in the 0.19 dialect). Writing needs a regular file. */
    RT_FORMAT_CT = 3
} rt_format;

/** "json", "v0", "v1", "ct" (never NULL). */
RT_API const char *rt_format_name(rt_format format);
/** Parses "json", "v0", "v1", "ct" (also "binary" = v1, "ctfs" = ct);
 * RT_EINVAL when unknown. */
RT_API int rt_format_parse(const char *name, rt_format *out);
/** "trace.json" for JSON, "trace.bin" for v0 and v1, "trace.ct" for ct. */
RT_API const char *rt_format_events_file(rt_format format);

/** The spelling of the events and metadata files (docs/formats.md). 0.14 is
 * byte-identical with runtime_tracing 0.14.1 and CodeTracer 25.x; 0.19 is
 * what codetracer-trace-format 0.19 and the CodeTracer debugger of 2026 read
 * (floats as text, trace_metadata.json with a recording_id, the 16-byte v0
 * RValue). Readers take both with no option. */
typedef enum rt_dialect {
    RT_DIALECT_DEFAULT = -1, /**< where a function takes a dialect: the handle's own, or the input's */
    RT_DIALECT_0_14 = 0,     /**< runtime_tracing 0.14.1 (the default) */
    RT_DIALECT_0_19 = 1      /**< codetracer-trace-format 0.19 */
} rt_dialect;

/** "0.14", "0.19" ("default" for RT_DIALECT_DEFAULT; never NULL). */
RT_API const char *rt_dialect_name(rt_dialect dialect);
/** Parses "0.14" or "0.19"; RT_EINVAL when unknown (*out untouched). */
RT_API int rt_dialect_parse(const char *name, rt_dialect *out);

/** trace_metadata.json; also what trace.ct's meta.dat says of the
 * recording (rt_writer_options.metadata). */
typedef struct rt_metadata {
    char *workdir;  /**< "workdir" (NULL when absent) */
    char *program;  /**< "program" */
    char **args;    /**< "args", nargs strings */
    size_t nargs;   /**< Entries in args. */
    char *recording_id; /**< "recording_id" of the 0.19 dialect (NULL when absent) */
} rt_metadata;

/** Low-level write function, for callers that want to intercept output
 * (tests inject a full disk with it). Returns bytes written or -1 with errno. */
typedef long (*rt_write_fn)(void *ctx, const void *data, size_t len);

/** Options of rt_writer_open(); fill with rt_writer_options_init(). */
typedef struct rt_writer_options {
    rt_format format;              /**< The format to write. */
    rt_dialect dialect;            /**< default (and RT_DIALECT_DEFAULT) RT_DIALECT_0_14 */
    const rt_allocator *allocator; /**< NULL: malloc */
    /** v1 and ct; 0: the format's own, 3 for v1, 2 for ct. Any level
     * libzstd has; the window stays within the 16 MiB that readers accept
     * (levels 20-22 would ask for more). */
    int zstd_level;
    /** Uncompressed bytes per zstd frame of v1, per events.log chunk of
     * ct; 0: 2 MiB. */
    size_t frame_size;
    rt_write_fn write_fn;          /**< NULL: write(2) on the file */
    void *write_ctx;               /**< Passed to write_fn. */
    /** v1 and ct: compress on a thread of the writer's own, overlapping
     * the caller's encoding (the same bytes are written either way): the
     * caller copies the stream into four 1 MiB pieces the thread compresses
     * in order, and waits when the thread falls behind (about 5 MiB more
     * memory). Only libzstd runs on that thread: output, write_fn and the
     * allocator are called from the caller's thread. Falls back to the
     * caller's thread when none can start. rt_writer_options_init turns it
     * on when the process may run on two CPUs or more (its affinity mask);
     * false compresses in the caller's thread. It shortens the wall clock
     * only where a second core is really free: it costs some CPU time
     * (docs/performance.md). A process that forks must not use, in the
     * child, a writer begun before the fork. */
    bool compress_thread;
    /** When rt_writer_open or rt_writer_open_fd fails, the message saying
     * why is copied here (NUL-terminated, cut to errbuf_len). May be NULL. */
    char *errbuf;
    size_t errbuf_len; /**< size of errbuf */
    /** RT_FORMAT_CT: program, args, workdir and recording id for the
     * container's meta.dat (copied at open; NULL: all empty and a fresh id).
     * The recording id must be a canonical lowercase UUIDv7 (RT_EINVAL
     * otherwise; NULL: a fresh one); program, args and workdir must be
     * UTF-8 (RT_EUTF8 otherwise: the debugger refuses such a meta.dat). Relative Path events are resolved
     * against the workdir for meta.dat's list of sources. */
    const rt_metadata *metadata;
    /** RT_FORMAT_CT: events.log as CBOR items (events.fmt "cbor") instead of
     * the default split-binary. */
    bool ct_cbor;
    /** Apply each DropLastStep instead of writing it: the Step it cancels and
     * the Value events after that Step (the debugger drops a step's values
     * with it) are left out, and so is the DropLastStep. The last Step and
     * what follows it are held back in memory until the next Step shows it
     * stands, across flushes (a killed recording loses at most them); after
     * 4096 events it is let go. A DropLastStep with no Step held (a second
     * one in a row, or one that came too late) is left out too
     * (rt_writer_steps_cancelled counts both). The CodeTracer debugger of
     * 2026 fails on any DropLastStep (CTFS.md 2.1.3). Default: true for
     * RT_FORMAT_CT, false for the others (DropLastStep written as it is). */
    bool cancel_steps;
} rt_writer_options;

/** Fills opts with the defaults for format (cancel_steps for RT_FORMAT_CT;
 * compress_thread when the process may run on two CPUs or more). */
RT_API void rt_writer_options_init(rt_writer_options *opts, rt_format format);

/** An events-file writer: turns events into one format, streaming. */
typedef struct rt_writer rt_writer;

/**
 * Opens path for writing (created or truncated) and writes the format's
 * header. On success *out is a new writer; on failure *out is NULL, the
 * return value says why (RT_EINVAL, RT_EIO, RT_ENOENT, RT_ENOSPC,
 * RT_ENOMEM) and the message goes to opts->errbuf when given.
 */
RT_API int rt_writer_open(rt_writer **out, const char *path, const rt_writer_options *opts);
/** The same on an open file descriptor, which the writer does not close. */
RT_API int rt_writer_open_fd(rt_writer **out, int fd, const rt_writer_options *opts);
/** Encodes one event. RT_EINVAL/RT_EUTF8/RT_ERANGE for an event the format
 * cannot hold; RT_EIO/RT_ENOSPC when output fails (sticky). */
RT_API int rt_writer_write(rt_writer *w, const rt_event *event);
/** Pushes everything written so far to the file in a readable state (v0:
 * to its spools and journal, recoverable by rt_trace_repair); with
 * compress_thread, waits for that thread. */
RT_API int rt_writer_flush(rt_writer *w);
/** Completes the file (JSON "]", v1 seek table, v0 message). The writer stays
 * valid for rt_writer_errmsg() until rt_writer_free(). */
RT_API int rt_writer_finish(rt_writer *w);
/** Events written so far. */
RT_API uint64_t rt_writer_event_count(const rt_writer *w);
/** Bytes handed to the file so far (compressed size for v1, the container
 * size for ct). */
RT_API uint64_t rt_writer_bytes_written(const rt_writer *w);
/** With rt_writer_options.cancel_steps: the Steps cancelled by a
 * DropLastStep and left out; *not_applied (when not NULL) gets the
 * DropLastStep events that found no Step to cancel, also left out. 0 for
 * NULL. */
RT_API uint64_t rt_writer_steps_cancelled(const rt_writer *w, uint64_t *not_applied);
/** Message of the last error (empty when none); owned by w. */
RT_API const char *rt_writer_errmsg(const rt_writer *w);
/** Frees w; a writer not finished is finished first, errors ignored. */
RT_API void rt_writer_free(rt_writer *w);

/* ------------------------------------------------------------------------ */
/* Tracer: the recording API (FORMAT.md section 3)                          */
/* ------------------------------------------------------------------------ */

/** When a tracer writes its events. */
typedef enum rt_mode {
    RT_MODE_BUFFERED = 0, /**< events kept in memory until written */
    RT_MODE_STREAMING = 1 /**< events go to the events file as recorded */
} rt_mode;

/** Options of rt_tracer_new(); fill with rt_tracer_options_init(). */
typedef struct rt_tracer_options {
    rt_format format;              /**< default RT_FORMAT_JSON */
    rt_mode mode;                  /**< default RT_MODE_BUFFERED */
    /** default (and RT_DIALECT_DEFAULT) RT_DIALECT_0_14; RT_EINVAL when unknown */
    rt_dialect dialect;
    const rt_allocator *allocator; /**< NULL: malloc; copied */
    int zstd_level;                /**< v1 and ct; 0: 3 for v1, 2 for ct */
    size_t frame_size;             /**< v1 frame, ct chunk; 0: 2 MiB */
    /** v1 and ct: compress on a second thread (rt_writer_options.compress_thread;
     * rt_tracer_options_init turns it on when the process may run on two
     * CPUs or more). The automatic flushes then hand the last frame to that
     * thread and write it at the next flush; rt_tracer_flush waits for it. */
    bool compress_thread;
    uint64_t flush_every_events;   /**< streaming auto-flush; 0: never by count */
    uint32_t flush_every_ms;       /**< streaming auto-flush; 0: never by time */
    rt_write_fn write_fn;          /**< NULL: write(2) */
    void *write_ctx;               /**< Passed to write_fn. */
    /** Called with a message for each non-fatal problem (a source file that
     * could not be copied, ...). May be NULL. */
    void (*on_warning)(void *ctx, const char *message);
    void *warning_ctx;             /**< Passed to on_warning. */
    /** A trace filter (rt_filter_load, docs/filters.md) applied to what is
     * recorded; NULL: everything is. Not copied: it must outlive the tracer
     * (one filter may serve many tracers). A function's decision is made at
     * its first Call and kept: a skipped function leaves no event while it is
     * the innermost frame (its special events, the program's output, stay),
     * the functions it calls follow their own rules, Calls and Returns stay
     * balanced; values are decided by kind and name: the arguments of a Call
     * ("arg"), rt_register_variable* and rt_register_full_value ("local"),
     * rt_register_global_value ("global"), a Return ("ret", by its
     * function's name), the fields of a Struct by its type's field names
     * ("attr"). A redacted value is recorded as the Error value "<redacted>"
     * (type "<redacted>", kind Error); a dropped one is left out (its Value
     * event, its argument, its field: the Struct then gets a type without
     * it), a dropped return value is the Error "<dropped>". The strings
     * hidden are masked ('*' for each byte, when 4 bytes or longer) in the
     * copies of the sources under files/. trace_metadata.json gets
     * "trace_filter": the filters (name, version, sha256, path) and what
     * they hid. */
    const struct rt_filter *filter;
} rt_tracer_options;

/** Fills opts with the defaults: JSON, buffered, auto-flush every 65536
 * events or 1000 ms in streaming mode, compress_thread when the process
 * may run on two CPUs or more. */
RT_API void rt_tracer_options_init(rt_tracer_options *opts);

/** A recording: ids, interning, the events (buffered) or the events file
 * (streaming). Not thread-safe: use one tracer from one thread at a time. */
typedef struct rt_tracer rt_tracer;

/**
 * Creates a tracer for program with args (nargs strings; args may be NULL
 * when nargs is 0). workdir is the current directory at this call (a byte
 * of it that is not part of valid UTF-8 becomes U+FFFD).
 * opts may be NULL for the defaults. Returns RT_OK and *out, or an error
 * (RT_EINVAL, RT_EUTF8, RT_ENOMEM) with *out NULL.
 */
RT_API int rt_tracer_new(rt_tracer **out, const char *program, const char *const *args,
                         size_t nargs, const rt_tracer_options *opts);
/** Finishes an events file still open (errors ignored: the file is left
 * readable), then frees the tracer. NULL is fine. */
RT_API void rt_tracer_free(rt_tracer *t);
/** Message of the last error on t (empty when none); owned by t, valid until
 * the next call on t. */
RT_API const char *rt_tracer_errmsg(const rt_tracer *t);
/** Status of the last failed call on t, RT_OK when none failed. */
RT_API int rt_tracer_errcode(const rt_tracer *t);
/** Overrides the recorded working directory (copied). */
RT_API int rt_tracer_set_workdir(rt_tracer *t, const char *workdir);
/** The working directory written to trace_metadata.json; owned by t. */
RT_API const char *rt_tracer_workdir(const rt_tracer *t);
/** Sets the recording id (copied): a canonical lowercase hyphenated UUIDv7
 * (RFC 9562), else RT_EINVAL. trace_metadata.json of the 0.19 dialect
 * carries it, and a CTFS container's meta.dat should carry the same. */
RT_API int rt_tracer_set_recording_id(rt_tracer *t, const char *id);
/** The recording id: the one set, else a UUIDv7 minted at the first call
 * (or when 0.19 metadata is written) and kept for the tracer's life. Owned
 * by t (36 characters, NUL-terminated); NULL only for a NULL t. */
RT_API const char *rt_tracer_recording_id(rt_tracer *t);
/** The tracer's format (rt_tracer_options.format). */
RT_API rt_format rt_tracer_format(const rt_tracer *t);

/** start(path, line): `<toplevel>` function, Call to it, type 0 = None. */
RT_API int rt_start(rt_tracer *t, const char *path, rt_line line);

/** Interning: returns the existing id of path, or emits a Path event and
 * returns the new id. Paths compare by components (/a//b/./c/ is /a/b/c).
 * RT_EINVAL for NULL, RT_EUTF8 for invalid UTF-8 (as all ensure_* forms). */
RT_API int rt_ensure_path_id(rt_tracer *t, const char *path, rt_path_id *out);
/** Interning by name: the existing id, or a new Function event (defined at
 * path:line) and its id. */
RT_API int rt_ensure_function_id(rt_tracer *t, const char *name, const char *path,
                                 rt_line line, rt_function_id *out);
/** Interning by lang_type: the existing id, or a new Type event and its id. */
RT_API int rt_ensure_type_id(rt_tracer *t, rt_type_kind kind, const char *lang_type, rt_type_id *out);
/** Like rt_ensure_type_id with a full record (struct fields, pointer). */
RT_API int rt_ensure_raw_type_id(rt_tracer *t, const rt_type_record *type, rt_type_id *out);
/** Interning by name: the existing id, or a new VariableName event and its id. */
RT_API int rt_ensure_variable_id(rt_tracer *t, const char *name, rt_variable_id *out);

/** Step at path (interned) and line. */
RT_API int rt_register_step(rt_tracer *t, const char *path, rt_line line);
/** Step at an already known path id and line. */
RT_API int rt_register_step_id(rt_tracer *t, rt_path_id path_id, rt_line line);

/** Builds a Call argument: interns name (may emit VariableName). The value is
 * not copied here: *out points at it until rt_register_call. */
RT_API int rt_arg(rt_tracer *t, const char *name, rt_value value, rt_full_value *out);
/** Emits one Value per argument, a Step at the function's definition and the
 * Call; for function 0 only the Call. RT_ERANGE for an unknown function id. */
RT_API int rt_register_call(rt_tracer *t, rt_function_id function_id,
                            const rt_full_value *args, size_t nargs);
/** Return with the returned value. */
RT_API int rt_register_return(rt_tracer *t, rt_value value);
/** Event{kind, metadata "", content}. */
RT_API int rt_register_special_event(rt_tracer *t, rt_event_log_kind kind, const char *content);
/** Event with metadata and content of any bytes: the 0.19 tracer's
 * register_special_event(kind, metadata, content) (DIALECT-0.19.md section
 * 5), legal in both dialects. */
RT_API int rt_register_special_event_n(rt_tracer *t, rt_event_log_kind kind, rt_str metadata, rt_str content);
/** Asm event with len lines of disassembly. */
RT_API int rt_register_asm(rt_tracer *t, const char *const *lines, size_t len);

/** Value of the variable name (interned, may emit VariableName). */
RT_API int rt_register_variable_with_full_value(rt_tracer *t, const char *name, rt_value value);
/** Value of an already known variable id. */
RT_API int rt_register_full_value(rt_tracer *t, rt_variable_id variable_id, rt_value value);

/** rt_register_repeat_value's answer when it recorded nothing (a status,
 * not an error: rt_is_error is false, the tracer's message is untouched):
 * register the value itself. */
#define RT_REPEAT_MISS 1

/**
 * A Value of variable_id holding the very value its previous Value event
 * held: the value the recorder gave last for this variable id (through
 * rt_register_full_value, rt_register_variable_with_full_value, an
 * argument of rt_register_call, rt_add_event or a repeat), which it has
 * proved unchanged since (the same object, the same number). The library
 * writes the bytes it kept of that event's value, a copy: the value is not
 * checked or encoded again. A registration that failed recorded nothing:
 * the previous Value is the one before it.
 *
 * Returns RT_OK when the Value was recorded; RT_REPEAT_MISS when the
 * tracer cannot repeat it and recorded nothing, in which case the caller
 * registers the value itself (rt_register_full_value), which makes the
 * next repeat of that variable possible. The library keeps the bytes only
 * of variables a repeat was asked for, so the first request for each
 * variable misses; it also misses when its bytes were not kept (a value
 * over 64 KiB, memory short), for a variable id over 2^24 or not defined
 * yet, for RT_FORMAT_V0 streaming, and whenever what shapes a Value
 * besides the value may have changed since the last one: with a trace
 * filter, a repeat is decided as a local of the current function, and
 * misses unless the last Value was written unchanged under that same
 * decision with no string hidden since; inside a function the filter
 * skips it records nothing and returns RT_OK. Other errors as
 * rt_register_full_value's (RT_EIO, RT_ENOMEM, ...). Nothing to free: the
 * kept bytes belong to the tracer.
 */
RT_API int rt_register_repeat_value(rt_tracer *t, rt_variable_id variable_id);
/** The same for a variable the recorder knows to be global (module-level):
 * recorded the same way, but a trace filter decides it as "global", not
 * "local". */
RT_API int rt_register_global_value(rt_tracer *t, rt_variable_id variable_id, rt_value value);
/** Tells a trace filter the module of function_id (dotted, e.g. Lua's
 * require name "pl.utils"; copied), for "pkg:" selectors; without it the
 * module comes from the function's path (rt_filter_module_from_path).
 * Call it before the function's first Call, when its decision is made.
 * Returns RT_OK (also without a filter: then it does nothing), RT_EINVAL
 * for a NULL module, RT_ERANGE for an unknown function id, RT_ESTATE after
 * its first Call, RT_ENOMEM. */
RT_API int rt_set_function_module(rt_tracer *t, rt_function_id function_id, const char *module);
/** True when the tracer's filter skips function_id (the decision is made now
 * when not yet: give its module first): a recorder may then spare the work
 * of its arguments, steps and values, which would be left out (its Call
 * and Return still keep the tracer's call stack: call rt_register_call
 * with no arguments and rt_register_return with any value). False without
 * a filter, for an unknown id, or when the decision cannot be made (out of
 * memory: the function is traced). */
RT_API bool rt_function_skipped(rt_tracer *t, rt_function_id function_id);
/** VariableName and VariableCell: name lives at place. */
RT_API int rt_register_variable(rt_tracer *t, const char *name, rt_place place);
/** DropVariable of name. */
RT_API int rt_drop_variable(rt_tracer *t, const char *name);
/** BindVariable: name is bound to place. */
RT_API int rt_bind_variable(rt_tracer *t, const char *name, rt_place place);
/** DropVariables of len names. */
RT_API int rt_drop_variables(rt_tracer *t, const char *const *names, size_t len);
/** CompoundValue: the value at place. */
RT_API int rt_register_compound_value(rt_tracer *t, rt_place place, rt_value value);
/** CellValue: the value at place. */
RT_API int rt_register_cell_value(rt_tracer *t, rt_place place, rt_value value);
/** AssignCompoundItem: item index of the compound at place is item_place. */
RT_API int rt_assign_compound_item(rt_tracer *t, rt_place place, uint64_t index, rt_place item_place);
/** AssignCell: the cell at place now holds new_value. */
RT_API int rt_assign_cell(rt_tracer *t, rt_place place, rt_value new_value);
/** Assignment to name from an rvalue built by rt_simple_rvalue /
 * rt_compound_rvalue. */
RT_API int rt_assign(rt_tracer *t, const char *name, rt_rvalue from, rt_pass_by pass_by);
/** A simple rvalue: the variable name (interned). */
RT_API int rt_simple_rvalue(rt_tracer *t, const char *name, rt_rvalue *out);
/** A compound rvalue of len variables (interned). ids must hold len
 * entries; *out points at ids (caller-owned). */
RT_API int rt_compound_rvalue(rt_tracer *t, const char *const *names, size_t len,
                              rt_variable_id *ids, rt_rvalue *out);
/** DropLastStep. */
RT_API int rt_drop_last_step(rt_tracer *t);
/** ThreadStart: thread starts running (both dialects; CodeTracer ignores
 * thread events when it builds the call tree). */
RT_API int rt_register_thread_start(rt_tracer *t, rt_thread_id thread);
/** ThreadExit: thread has finished. */
RT_API int rt_register_thread_exit(rt_tracer *t, rt_thread_id thread);
/** ThreadSwitch: the events that follow belong to thread. */
RT_API int rt_register_thread_switch(rt_tracer *t, rt_thread_id thread);

/** Non-interning: always emits a Path event and returns its id (the next
 * rt_ensure_path_id of the same path returns the first id registered for
 * it; the same holds for the other register_* forms). out may be NULL. */
RT_API int rt_register_path(rt_tracer *t, const char *path, rt_path_id *out);
/** Non-interning: always emits a Function event. out may be NULL. */
RT_API int rt_register_function(rt_tracer *t, const char *name, const char *path,
                                rt_line line, rt_function_id *out);
/** Non-interning: always emits a Type event. out may be NULL. */
RT_API int rt_register_type(rt_tracer *t, rt_type_kind kind, const char *lang_type, rt_type_id *out);
/** Non-interning: always emits a Type event with a full record. out may be NULL. */
RT_API int rt_register_raw_type(rt_tracer *t, const rt_type_record *type, rt_type_id *out);
/** Non-interning: always emits a VariableName event. out may be NULL. */
RT_API int rt_register_variable_name(rt_tracer *t, const char *name, rt_variable_id *out);

/** Records a raw event unchanged (copied). Defining events (Path, Function,
 * Type, VariableName, Variable) advance the id counters. */
RT_API int rt_add_event(rt_tracer *t, const rt_event *event);
/** Records len raw events, as rt_add_event. */
RT_API int rt_append_events(rt_tracer *t, const rt_event *events, size_t len);

/** Events recorded so far (written or not). */
RT_API uint64_t rt_tracer_event_count(const rt_tracer *t);
/** Buffered mode: the i-th event kept in memory (owned by t, valid until t is
 * freed), or NULL when out of range or in streaming mode. */
RT_API const rt_event *rt_tracer_event_at(const rt_tracer *t, uint64_t i);

/** Events file. Buffered mode: begin remembers the path, finish writes every
 * recorded event. Streaming mode: begin opens the file and writes the events
 * recorded so far, later events are written as they come, finish completes
 * the file. format RT_FORMAT_DEFAULT uses the tracer's. */
RT_API int rt_begin_writing_trace_events(rt_tracer *t, const char *path, rt_format format);
/** Completes the events file begun by rt_begin_writing_trace_events. */
RT_API int rt_finish_writing_trace_events(rt_tracer *t);
/** Streaming mode: pushes what was recorded to the file, readable (v0:
 * recoverable by rt_trace_repair, see rt_writer_flush). */
RT_API int rt_tracer_flush(rt_tracer *t);
/** Remembers where trace_metadata.json goes. */
RT_API int rt_begin_writing_trace_metadata(rt_tracer *t, const char *path);
/** Writes trace_metadata.json: workdir, program, args; in the 0.19
 * dialect recording_id first (rt_tracer_recording_id). */
RT_API int rt_finish_writing_trace_metadata(rt_tracer *t);
/** Remembers where trace_paths.json goes. */
RT_API int rt_begin_writing_trace_paths(rt_tracer *t, const char *path);
/** Writes trace_paths.json (every registered path, in id order). */
RT_API int rt_finish_writing_trace_paths(rt_tracer *t);

/**
 * Writes a whole trace directory: DIR/trace.json, DIR/trace.bin or
 * DIR/trace.ct (format; RT_FORMAT_DEFAULT for the tracer's; only that one
 * events file), DIR/trace_metadata.json,
 * DIR/trace_paths.json and DIR/files/ with a copy of each registered source
 * that exists. A source that is missing or unsafe (.. segments) is skipped
 * and reported through on_warning, never fatal; nothing is written outside
 * DIR. In streaming mode the events go to the file begun earlier, or, when
 * none was begun, to DIR's events file now. Returns RT_OK or an error
 * (RT_EIO, RT_ENOENT, ...); recorded events are kept either way.
 */
RT_API int rt_tracer_write_trace_dir(rt_tracer *t, const char *dir, rt_format format);
/** Where rt_tracer_write_trace_dir copies the sources from: the files/
 * directory of another trace (a tool rewriting a trace: its sources may
 * not be where they were recorded), laid out as files/ is; NULL: each
 * source's own path (the default). Copied. Returns RT_OK, RT_ENOMEM. */
RT_API int rt_tracer_set_sources_dir(rt_tracer *t, const char *files_dir);
/** Source files skipped by the last rt_tracer_write_trace_dir. */
RT_API size_t rt_tracer_skipped_sources(const rt_tracer *t);

/* ------------------------------------------------------------------------ */
/* Reader                                                                   */
/* ------------------------------------------------------------------------ */

/* Return values of rt_reader_next besides errors. */
#define RT_READ_END 0     /**< rt_reader_next: no more events */
#define RT_READ_EVENT 1   /**< rt_reader_next: *event is set */
#define RT_READ_PENDING 2 /**< rt_reader_next, follow mode: no complete event yet, try later */

/** Options of rt_reader_open(); zero-initialise, or pass NULL. */
typedef struct rt_reader_options {
    const rt_allocator *allocator; /**< NULL: malloc */
    /** Follow mode: at the end of the data, return RT_READ_PENDING until the
     * writer has finished the file (JSON "]", v1 seek table). */
    bool follow;
    /** When rt_reader_open or rt_reader_open_memory fails, the message saying
     * why is copied here (NUL-terminated, cut to errbuf_len). May be NULL. */
    char *errbuf;
    size_t errbuf_len; /**< size of errbuf */
} rt_reader_options;

/** Fills opts with the defaults: malloc, no follow mode, no errbuf. */
RT_API void rt_reader_options_init(rt_reader_options *opts);

/** A streaming reader of one events file, any format. */
typedef struct rt_reader rt_reader;

/** Opens an events file; the format is detected from its content (an
 * empty or missing v0 file of a killed recording: see rt_reader_warning).
 * RT_ENOENT/RT_EIO when it cannot be opened, RT_EFORMAT when it is not a
 * trace, RT_ETRUNCATED when it is empty. opts may be NULL. */
RT_API int rt_reader_open(rt_reader **out, const char *path, const rt_reader_options *opts);
/** The same over a caller-owned buffer that must outlive the reader. */
RT_API int rt_reader_open_memory(rt_reader **out, const void *data, size_t len,
                                 const rt_reader_options *opts);
/** Reads the next event: RT_READ_EVENT with *event valid until the next call
 * on r, RT_READ_END, RT_READ_PENDING (follow mode), or an error whose
 * message names the file, the event index and the byte offset. Events
 * before a truncation are returned first; then RT_ETRUNCATED. A v1 event
 * larger than 64 MiB of CBOR, or a zstd frame needing a window over 16 MiB,
 * is refused with RT_ELIMIT (memory stays bounded by the largest event,
 * whatever the file size). */
RT_API int rt_reader_next(rt_reader *r, const rt_event **event);
/** The detected format. */
RT_API rt_format rt_reader_format(const rt_reader *r);
/** The dialect the events read so far require: RT_DIALECT_0_19 once one
 * held a float as text, a Char or an Assignment RValue beyond Simple and
 * Compound (which the 0.14 dialect cannot spell in every format; the bits
 * RT_SPELLING_0_19 below), else RT_DIALECT_0_14; always RT_DIALECT_0_19
 * for a trace.ct (its events are in the 0.19 dialect by definition). Costs
 * nothing on the read path: the decoders note it as they go. */
RT_API rt_dialect rt_reader_dialect(const rt_reader *r);

/** How an event was spelled where the dialects or readers differ: bits of
 * rt_reader_event_spelling and rt_reader_spelling_seen. */
typedef enum rt_spelling {
    RT_SPELLING_FLOAT_TEXT = 1u << 0,   /**< a Float as text (JSON string, CBOR text) */
    RT_SPELLING_CHAR = 1u << 1,         /**< a Char value */
    RT_SPELLING_NEW_RVALUE = 1u << 2,   /**< an Assignment RValue beyond Simple and Compound */
    RT_SPELLING_FLOAT_NUMBER = 1u << 3, /**< a Float as a JSON number or null, or a CBOR
                                             number or null (not v0: Float64 in both) */
    RT_SPELLING_NO_METADATA = 1u << 4,  /**< an Event without `metadata` (read as "") */
    RT_SPELLING_NO_IS_SLICE = 1u << 5,  /**< a Sequence without `is_slice` (read as false) */
    RT_SPELLING_RVALUE_0 = 1u << 6      /**< an Assignment RValue under "0", not "data" */
} rt_spelling;
/** The spellings only the 0.19 dialect writes (0.14 readers refuse them). */
#define RT_SPELLING_0_19 (RT_SPELLING_FLOAT_TEXT | RT_SPELLING_CHAR | RT_SPELLING_NEW_RVALUE)
/** The spellings the 0.19 readers refuse: the 0.14 dialect's floats, and
 * what our readers tolerate from older writers (convert --dialect 0.19
 * rewrites all of them). */
#define RT_SPELLING_NOT_0_19                                                              \
    (RT_SPELLING_FLOAT_NUMBER | RT_SPELLING_NO_METADATA | RT_SPELLING_NO_IS_SLICE |        \
     RT_SPELLING_RVALUE_0)
/** The rt_spelling bits of the event rt_reader_next returned last (0
 * before the first event and for NULL). The decoders note them as they
 * go: no cost on the read path. */
RT_API unsigned rt_reader_event_spelling(const rt_reader *r);
/** The rt_spelling bits of every event read so far, or-ed. */
RT_API unsigned rt_reader_spelling_seen(const rt_reader *r);
/** True once an event read so far decides the dialect: a 0.19-only
 * spelling (RT_SPELLING_0_19: rt_reader_dialect is then RT_DIALECT_0_19)
 * or a Float that only 0.14 spells (RT_SPELLING_FLOAT_NUMBER); always for
 * a trace.ct. Events
 * without either are written the same in both dialects, so a first pass
 * that picks the output dialect can stop as soon as this is true. False
 * for NULL. */
RT_API bool rt_reader_dialect_decided(const rt_reader *r);
/** Index of the next event to be returned (= events returned so far). */
RT_API uint64_t rt_reader_event_index(const rt_reader *r);
/** Bytes of the input read so far, to compare with the file size for
 * progress: the file's own bytes, so for v1 the compressed bytes. The
 * readers read ahead in pieces, so this runs ahead of the last event by at
 * most one read buffer (v0 reads its whole message before the first
 * event). 0 for NULL. */
RT_API uint64_t rt_reader_bytes_consumed(const rt_reader *r);
/** Encoded size of the event rt_reader_next returned last, in bytes of the
 * format's own encoding of one event: JSON, the text of the event object
 * (without the separating "," and whitespace); v1, its CBOR item (after
 * decompression); v0, the unpacked message words its struct and the data
 * it points to take (8 bytes each). 0 before the first event, for NULL, or
 * when the format cannot tell. The sizes of all events add up to about the
 * uncompressed size of the events. */
RT_API uint64_t rt_reader_event_size(const rt_reader *r);
/** A note about the input that is not an error, or NULL: a v0 file
 * that is empty or missing beside the journal and spools of a streaming
 * recording that did not finish (killed) is read from those, as far as its
 * last flush, and this says so and names `runtime-tracing repair`, which
 * completes the file. Owned by r, set at open. */
RT_API const char *rt_reader_warning(const rt_reader *r);
/** Message of the last error on r (empty when none); owned by r. */
RT_API const char *rt_reader_errmsg(const rt_reader *r);
/** Frees r (NULL is fine). */
RT_API void rt_reader_free(rt_reader *r);

/** What rt_v1_inspect() finds in a v1 events file. */
typedef struct rt_v1_info {
    uint64_t file_size;          /**< bytes in the file */
    uint64_t frames;             /**< complete zstd data frames */
    uint64_t compressed_bytes;   /**< their compressed size */
    uint64_t decompressed_bytes; /**< their decompressed size (CBOR bytes) */
    bool has_seek_table;         /**< the file ends with a valid seek table */
    bool seek_table_consistent;  /**< ... whose entries match the frames */
    uint64_t complete_end;       /**< file offset just past the last complete data frame */
    bool truncated;              /**< the data ends before the seek table (or inside a frame) */
} rt_v1_info;

/** Walks the frames of the v1 events file at path (decompressing them, in
 * bounded memory, without decoding events) and fills *out. Returns RT_OK
 * when the file could be walked to its end, complete or truncated (a cut
 * file is not an error here: see out->truncated and out->complete_end);
 * RT_ENOENT/RT_EIO when it cannot be read; RT_EFORMAT when it is not v1,
 * a frame is corrupt or data follows the seek table, with *out filled as
 * far as the walk went. The message goes to errbuf when given. */
RT_API int rt_v1_inspect(const char *path, rt_v1_info *out, char *errbuf, size_t errbuf_len);

/** All events of a file in memory. */
typedef struct rt_event_list rt_event_list;
/** Loads every event of path. Returns RT_OK, or the error of rt_reader_open
 * or rt_reader_next (RT_ENOMEM also when the list cannot grow); on error *out
 * is NULL and the message goes to errbuf (and an open error's to
 * opts->errbuf) when given. */
RT_API int rt_event_list_load(rt_event_list **out, const char *path, const rt_reader_options *opts,
                              char *errbuf, size_t errbuf_len);
/** Number of events in list. */
RT_API size_t rt_event_list_len(const rt_event_list *list);
/** The i-th event (owned by list), or NULL when out of range. */
RT_API const rt_event *rt_event_list_at(const rt_event_list *list, size_t i);
/** Frees list (NULL is fine). */
RT_API void rt_event_list_free(rt_event_list *list);


/** Reads a metadata file of either dialect into *out (free with
 * rt_metadata_clear; on error *out is left empty). Returns RT_OK; RT_ENOENT
 * or RT_EIO when the file cannot be read; RT_EFORMAT when it is not an
 * object with the string "program" and the string array "args" ("workdir"
 * and "recording_id" are optional strings, other keys are skipped; a
 * string holding NUL is refused); RT_EUTF8; RT_ETRUNCATED when it
 * ends early; RT_ELIMIT over 1 GiB; RT_ENOMEM. On error the message (the
 * file and the byte offset) goes to errbuf when given. */
RT_API int rt_metadata_read(const char *path, rt_metadata *out, char *errbuf, size_t errbuf_len);
/** Frees what rt_metadata_read put into m and zeroes it. */
RT_API void rt_metadata_clear(rt_metadata *m);

/** trace_paths.json */
typedef struct rt_path_list {
    char **paths; /**< The paths, in id order. */
    size_t len;   /**< Entries in paths. */
} rt_path_list;
/** Reads a paths file, a JSON array of strings, into *out (free with
 * rt_path_list_clear; on error *out is left empty). Returns RT_OK or an
 * error as rt_metadata_read does, with the message in errbuf when given. */
RT_API int rt_paths_read(const char *path, rt_path_list *out, char *errbuf, size_t errbuf_len);
/** Frees what rt_paths_read put into p and zeroes it. */
RT_API void rt_path_list_clear(rt_path_list *p);

/** Result of rt_trace_repair. */
typedef struct rt_repair_result {
    rt_format format;    /**< The file's format. */
    uint64_t events;     /**< events readable after the repair */
    bool was_truncated;  /**< false: the file was complete, nothing changed */
    uint64_t old_size;   /**< bytes before */
    uint64_t new_size;   /**< bytes after */
} rt_repair_result;

/**
 * Makes a truncated events file (a recording killed before it finished)
 * readable by any reader, the reference included: JSON is cut after the last
 * complete event and its array closed; v1 is rewritten from its recoverable
 * events with a valid seek table; a trace.ct is rewritten from its readable
 * events (its meta.dat's program, args, workdir and recording id kept, its
 * sources completed from the Path events) into a container the debugger
 * opens whole; a v0 file written by path is rebuilt from the journal and
 * spools its writer keeps beside it (PATH.v0-journal, docs/streaming.md)
 * with every event up to the last flush, and those files are removed. A
 * complete file is left untouched. A v0 file without a journal cannot be
 * repaired (RT_EUNSUPPORTED). Returns RT_OK with *out filled, or
 * an error (RT_ENOENT, RT_EIO, RT_EFORMAT when the damage is not a
 * truncation) with a message in errbuf when given.
 */
RT_API int rt_trace_repair(const char *path, rt_repair_result *out, char *errbuf, size_t errbuf_len);
/** How far a long operation is: bytes of its input read so far (as
 * rt_reader_bytes_consumed), of bytes_total (0 when unknown), and events
 * read. */
typedef void (*rt_progress_fn)(void *ctx, uint64_t bytes_read, uint64_t bytes_total,
                               uint64_t events);
/** rt_trace_repair, calling progress(ctx, ...) every 4096 events of each
 * pass over the file (one for a complete file; then the repair and the
 * reading back, each counted from 0 again). progress may be NULL. */
RT_API int rt_trace_repair_progress(const char *path, rt_repair_result *out,
                                    rt_progress_fn progress, void *ctx, char *errbuf,
                                    size_t errbuf_len);

/* ------------------------------------------------------------------------ */
/* Trace filters (docs/filters.md)                                          */
/* ------------------------------------------------------------------------ */

/* Trace-filter files say which functions are traced and which values are
 * kept, redacted or dropped: TOML files in the format of CodeTracer's
 * recorders, chained left to right. rt_filter_load compiles a chain into an
 * immutable rt_filter; the functions below inspect it and explain its
 * decisions. */

/** What a filter decides for a function. */
typedef enum rt_filter_exec {
    RT_FILTER_EXEC_INHERIT = -1, /**< a rule's "inherit": leaves the decision as it is */
    RT_FILTER_TRACE = 0,         /**< the function's events are recorded */
    RT_FILTER_SKIP = 1           /**< the function leaves no event of its own */
} rt_filter_exec;

/** What a filter decides for a value. */
typedef enum rt_filter_action {
    RT_FILTER_ACTION_INHERIT = -1, /**< a rule's "inherit": leaves the decision as it is */
    RT_FILTER_ALLOW = 0,           /**< recorded as it is */
    RT_FILTER_REDACT = 1,          /**< recorded as the Error value "<redacted>" ("deny" in a file) */
    RT_FILTER_DROP = 2             /**< left out (a return value: the Error "<dropped>") */
} rt_filter_action;

/** The kind of a value a filter decides on (value selectors' kinds). */
typedef enum rt_filter_value_kind {
    RT_FILTER_LOCAL = 0,  /**< "local": a variable registered at a step */
    RT_FILTER_ARG = 1,    /**< "arg": an argument of a Call */
    RT_FILTER_RET = 2,    /**< "ret": a Return value, named by its function's qualified name */
    RT_FILTER_GLOBAL = 3, /**< "global": a variable the recorder marks as global */
    RT_FILTER_ATTR = 4    /**< "attr": a field inside a recorded value */
} rt_filter_value_kind;
/** Number of rt_filter_value_kind values. */
#define RT_FILTER_VALUE_KIND_COUNT 5

/** The name of the built-in filter compiled into the library: trace
 * everything, allow values, redact the values whose names look like secrets
 * (docs/filters.md lists them). */
#define RT_FILTER_BUILTIN_DEFAULT "builtin-default"

/** "trace", "skip", "inherit" (never NULL; "?" for a bad value). */
RT_API const char *rt_filter_exec_name(rt_filter_exec exec);
/** "allow", "redact", "drop", "inherit" (never NULL; "?" for a bad value). */
RT_API const char *rt_filter_action_name(rt_filter_action action);
/** "local", "arg", "ret", "global", "attr", as in selectors (never NULL; "?"
 * for a bad value). */
RT_API const char *rt_filter_value_kind_name(rt_filter_value_kind kind);

/** Options of rt_filter_load(); zero-initialise, or pass NULL. */
typedef struct rt_filter_options {
    /** Every allocation of the filter, now and later (the explain
     * functions); NULL: malloc. Copied. */
    const rt_allocator *allocator;
    /** When rt_filter_load fails, the message saying why is copied here
     * (NUL-terminated, cut to errbuf_len). May be NULL. */
    char *errbuf;
    size_t errbuf_len; /**< size of errbuf */
} rt_filter_options;

/** A compiled filter chain. Immutable once loaded: one filter may be shared
 * by tracers on any threads. */
typedef struct rt_filter rt_filter;

/**
 * Loads a chain of filter files. Each of the nspecs specs is one or more
 * parts joined by "::" ("base.toml::mine.toml"); the parts of all specs are
 * read left to right. A part that is exactly RT_FILTER_BUILTIN_DEFAULT is the
 * built-in filter, any other a file path. Later files replace the earlier
 * ones' defaults unless they say "inherit", and append their rules.
 * Returns RT_OK and a new filter in *out, to free with rt_filter_free; or
 * an error, *out NULL, and a message naming the file (and for what is in
 * it the line and column, "FILE:LINE:COL: ...") in opts->errbuf: RT_ENOENT
 * or RT_EIO when a file cannot be read; RT_EFORMAT when it is not valid
 * TOML, does not follow the format (an unknown key, a wrong type, a bad
 * selector, "inherit" with nothing before it) or is not UTF-8; RT_ELIMIT
 * for a file over 1 MiB or nesting deeper than 64 levels; RT_EINVAL for
 * NULL arguments, no spec or an empty part; RT_ENOMEM.
 */
RT_API int rt_filter_load(rt_filter **out, const char *const *specs, size_t nspecs,
                          const rt_filter_options *opts);
/** Frees f (NULL is fine). */
RT_API void rt_filter_free(rt_filter *f);

/** One file of a chain, as loaded (strings owned by the filter). */
typedef struct rt_filter_file {
    const char *name;        /**< meta.name */
    int64_t version;         /**< meta.version */
    const char *sha256;      /**< SHA-256 of the file's bytes: 64 lowercase hex digits */
    const char *path;        /**< the path as given; NULL for a built-in filter */
    const char *description; /**< meta.description, NULL when absent */
    const char *const *labels; /**< meta.labels */
    size_t nlabels;          /**< entries in labels */
} rt_filter_file;

/** A value pattern of a rule (strings owned by the filter). */
typedef struct rt_filter_pattern {
    const char *selector;    /**< as written, e.g. "local:regex:(?i).*token.*" */
    rt_filter_action action; /**< never RT_FILTER_ACTION_INHERIT */
    const char *reason;      /**< NULL when absent */
    unsigned line;           /**< where the selector is written in its file */
    unsigned column;         /**< ... (1-based, in characters) */
} rt_filter_pattern;

/** A scope rule (strings owned by the filter). */
typedef struct rt_filter_rule {
    size_t file;                  /**< index of its file (rt_filter_file_at) */
    const char *selector;         /**< as written, e.g. "pkg:pl.*" */
    rt_filter_exec exec;          /**< RT_FILTER_EXEC_INHERIT when it leaves exec as it is */
    rt_filter_action value_default; /**< RT_FILTER_ACTION_INHERIT when it leaves it as it is */
    const char *reason;           /**< NULL when absent */
    const rt_filter_pattern *patterns; /**< its value patterns, in order */
    size_t npatterns;             /**< entries in patterns */
    unsigned line;                /**< where the selector is written in its file */
    unsigned column;              /**< ... (1-based, in characters) */
} rt_filter_rule;

/** Files in the chain, in order (the trace's provenance lists them). */
RT_API size_t rt_filter_file_count(const rt_filter *f);
/** The i-th file (owned by f), or NULL when out of range. */
RT_API const rt_filter_file *rt_filter_file_at(const rt_filter *f, size_t i);
/** Rules of all files, in the order they are applied. */
RT_API size_t rt_filter_rule_count(const rt_filter *f);
/** The i-th rule (owned by f), or NULL when out of range. */
RT_API const rt_filter_rule *rt_filter_rule_at(const rt_filter *f, size_t i);
/** The chain's default_exec: the decision for a function no rule decides
 * (never RT_FILTER_EXEC_INHERIT; RT_FILTER_TRACE for NULL). */
RT_API rt_filter_exec rt_filter_default_exec(const rt_filter *f);
/** The chain's default_value_action (never RT_FILTER_ACTION_INHERIT;
 * RT_FILTER_ALLOW for NULL). */
RT_API rt_filter_action rt_filter_default_value_action(const rt_filter *f);

/** The decision for a function and where it comes from. */
typedef struct rt_filter_scope_decision {
    rt_filter_exec exec;            /**< RT_FILTER_TRACE or RT_FILTER_SKIP */
    rt_filter_action value_default; /**< for values no pattern decides; never inherit */
    /** The rule that set exec (the last matching rule with an exec), or -1
     * when it is the chain's default_exec. */
    long exec_rule;
    /** The rule that set value_default, or -1: the chain's default. */
    long value_default_rule;
    size_t matched_rules; /**< how many rules match the function */
} rt_filter_scope_decision;

/** The decision for a value and where it comes from. */
typedef struct rt_filter_value_decision {
    rt_filter_action action; /**< never RT_FILTER_ACTION_INHERIT */
    /** The rule whose value pattern decided (the last matching pattern of
     * the value's kind among the matching rules'), or -1 when the
     * function's value_default did. */
    long rule;
    /** The index of that pattern in the rule's patterns, or -1. */
    long pattern;
} rt_filter_value_decision;

/**
 * The decision for a function of source path file (its subject: see
 * rt_filter_file_subject), module pkg (dotted; see
 * rt_filter_module_from_path for languages without modules) and qualified
 * name obj; a NULL subject is read as "". Start from the chain's defaults;
 * every matching rule, in order, sets exec and value_default where it does
 * not inherit. Returns RT_OK; RT_EINVAL for a NULL f or out; RT_ENOMEM
 * (regex match data is allocated for the call through f's allocator).
 */
RT_API int rt_filter_explain_scope(const rt_filter *f, const char *file, const char *pkg,
                                   const char *obj, rt_filter_scope_decision *out);
/**
 * The decision for the value named name (NULL: "") of kind in the function
 * (file, pkg, obj) as above: the last pattern of that kind that matches,
 * among the value patterns of the rules that match the function, in order;
 * else the function's value_default. Returns RT_OK; RT_EINVAL for a NULL f
 * or out or a bad kind; RT_ENOMEM.
 */
RT_API int rt_filter_explain_value(const rt_filter *f, const char *file, const char *pkg,
                                   const char *obj, rt_filter_value_kind kind, const char *name,
                                   rt_filter_value_decision *out);

/**
 * The subject of "file:" selectors for a source path: the path relative to
 * workdir when it is below it, else the path as given; "." segments and
 * repeated '/' are dropped either way. workdir may be NULL (no workdir).
 * Writes it to buf (NUL-terminated, cut to len; buf may be NULL when len
 * is 0) and returns its full length, as snprintf does.
 */
RT_API size_t rt_filter_file_subject(const char *path, const char *workdir, char *buf,
                                     size_t len);
/**
 * The module name of a source path, for recorders whose language has no
 * modules (the subject of "pkg:" selectors): the path as
 * rt_filter_file_subject gives it, without the extension of its last
 * segment, '/' replaced by '.' (a leading '/' dropped): "src/pl/utils.lua"
 * is "src.pl.utils". Writes and returns as rt_filter_file_subject.
 */
RT_API size_t rt_filter_module_from_path(const char *path, const char *workdir, char *buf,
                                         size_t len);

/* ------------------------------------------------------------------------ */
/* Experimental: the CTFS container (trace.ct) and the debugger's rules     */
/* ------------------------------------------------------------------------ */

#ifdef RT_EXPERIMENTAL_CTFS
/* CTFS and the debugger's loader follow a moving upstream (CodeTracer's
 * debugger and codetracer-trace-format): what follows may change in any
 * release. Define RT_EXPERIMENTAL_CTFS before including this header to use
 * it, as with ZSTD_STATIC_LINKING_ONLY. Writing and reading a .ct through
 * rt_writer / rt_reader (RT_FORMAT_CT) is stable; this section only looks
 * inside. */

/** What makes the CodeTracer debugger of 2026 fail to load a trace's
 * events (the panics of its post-processor, CTFS.md 2.1.3), checked one
 * event at a time: a Return with no Call open, a CompoundValue that is not
 * a Sequence, an AssignCompoundItem into a place no CompoundValue gave, a
 * VariableCell with no Call open, and any DropLastStep (unless
 * RT_LOAD_CHECK_CANCELS_STEPS). */
typedef struct rt_load_check rt_load_check;
/** rt_load_check_new flag: the events go to a writer that applies
 * DropLastStep (rt_writer_options.cancel_steps), so a DropLastStep is
 * fine. */
#define RT_LOAD_CHECK_CANCELS_STEPS 1u
/** Creates a check with flags (RT_LOAD_CHECK_*); alloc may be NULL.
 * Returns RT_OK and *out, RT_EINVAL or RT_ENOMEM (*out NULL). */
RT_API int rt_load_check_new(rt_load_check **out, unsigned flags, const rt_allocator *alloc);
/** Checks the next event of the stream: RT_OK, or RT_EUNSUPPORTED when the
 * debugger cannot load a trace holding it (rt_load_check_errmsg says why
 * and what to do; the check goes on from the next event), RT_ENOMEM,
 * RT_EINVAL for NULL. */
RT_API int rt_load_check_event(rt_load_check *c, const rt_event *e);
/** Message of the last finding or error on c (empty when none); owned by c. */
RT_API const char *rt_load_check_errmsg(const rt_load_check *c);
/** Frees c (NULL is fine). */
RT_API void rt_load_check_free(rt_load_check *c);

/** One member of a container's root directory. */
typedef struct rt_ct_member {
    char name[13];     /**< base40 name, NUL-terminated */
    unsigned slot;     /**< root directory slot */
    uint64_t size;     /**< bytes */
    uint64_t map_block; /**< its mapping block */
} rt_ct_member;

/** One chunk of events.log: the 16-byte header and where it is. */
typedef struct rt_ct_chunk {
    uint64_t offset;      /**< byte offset of the header inside events.log */
    uint32_t compressed;  /**< bytes of the zstd frame */
    uint32_t events;      /**< the header's event count */
    uint64_t first_event; /**< the header's first event index */
} rt_ct_chunk;

/** What rt_ct_inspect finds in a .ct. Strings and arrays are owned by the
 * struct: free with rt_ct_info_clear. */
typedef struct rt_ct_info {
    uint64_t file_size;       /**< bytes in the file */
    bool whole_blocks;        /**< the size is a multiple of the block size (the debugger needs it) */
    unsigned version;         /**< container version (2-4) */
    uint32_t block_size;      /**< 1024, 2048 or 4096 */
    uint32_t max_root_entries; /**< the header's field */
    rt_ct_member *members;    /**< present members, in slot order */
    size_t nmembers;          /**< entries in members */
    /** meta.dat: parsed as the debugger parses it; when it is not valid,
     * meta_valid is false and meta_error says why (the fields below are
     * then empty). */
    bool meta_valid;
    char meta_error[512];      /**< why meta.dat is refused ("" when valid) */
    unsigned meta_flags;       /**< meta.dat flags */
    char *recording_id;        /**< UUIDv7 */
    char *program;             /**< program */
    char **args;               /**< nargs arguments */
    size_t nargs;              /**< entries in args */
    char *workdir;             /**< workdir */
    char *recorder_id;         /**< recorder_id */
    char **paths;              /**< npaths source paths */
    size_t npaths;             /**< entries in paths */
    /** events.log and events.fmt. */
    bool has_events_log;       /**< the member is present */
    bool split_binary;         /**< events.fmt is "split-binary" (else CBOR) */
    bool has_header;           /**< events.log starts with C0 DE 72 AC E2 01 00 00 */
    bool raw_cbor;             /**< no chunks: the debugger's raw-CBOR fallback */
    rt_ct_chunk *chunks;       /**< the chunks, in order */
    size_t nchunks;            /**< entries in chunks */
    uint64_t chunk_events;     /**< sum of the chunks' event counts */
    bool counts_consistent;    /**< each first_event is the sum of the counts before it */
    uint64_t complete_end;     /**< events.log bytes up to the end of the last whole chunk */
    bool truncated;            /**< the last chunk runs past the end of events.log */
} rt_ct_info;

/**
 * Reads the container at path, its meta.dat, events.fmt and the chunk
 * headers of events.log (without decompressing them) into *out. Returns
 * RT_OK when the container itself opens as the debugger opens it (a bad
 * meta.dat or a cut last chunk is reported in *out, not as an error);
 * RT_ENOENT/RT_EIO when it cannot be read; RT_EFORMAT (magic, version,
 * block size, a mapping block outside the file, ...) or RT_ETRUNCATED with
 * *out filled as far as it went (version and block_size are nonzero exactly
 * when the header is a CTFS one the debugger takes); RT_ENOMEM. The message
 * goes to errbuf.
 * Free *out with rt_ct_info_clear in every case.
 */
RT_API int rt_ct_inspect(const char *path, rt_ct_info *out, char *errbuf, size_t errbuf_len);
/** Frees what rt_ct_inspect put into info and zeroes it (NULL is fine). */
RT_API void rt_ct_info_clear(rt_ct_info *info);
#endif /* RT_EXPERIMENTAL_CTFS */

#ifdef __cplusplus
}
#endif

#endif /* RUNTIME_TRACING_H */
