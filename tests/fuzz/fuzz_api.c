/* Fuzz target: the recording API driven by the input. A sequence of calls
 * (every rt_register_* / rt_ensure_* helper and raw rt_add_event) with
 * strings, ids and value trees taken from the input; then the recorded
 * events are written in every format (to memory), read back with rt_reader
 * and compared with rt_event_equal, and trace_paths.json and
 * trace_metadata.json are written under /tmp and read back.
 *
 * Known limits the comparison accounts for: v0 cannot hold an RValue Literal
 * (RT_EUNSUPPORTED) nor ids >= 2^63 (RT_ERANGE); JSON writes NaN and the
 * infinities as null, read back as NaN. */
#include <fcntl.h>
#include <math.h>

#include "fuzz_common.h"
#include "../cancel_model.h"
#include "common/dialect.h"
#include "filter/filter.h"
#include "model/model.h"
#include "sink/writer_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPS 64
#define MAX_NODES 2048
#define MAX_DEPTH 4
#define MAX_LIST 6

/* Per-input storage for the strings and value trees handed to the API. */
static char spool[1 << 16];
static size_t spool_used;
static rt_value vpool[MAX_NODES];
static size_t vpool_used;
static uint8_t bpool[1 << 12];
static size_t bpool_used;

/* A NUL-terminated copy of up to max input bytes (may be invalid UTF-8). */
static const char *cstr(fuzz_in *in, size_t max)
{
    rt_str s = fuzz_bytes(in, max);
    if (spool_used + s.len + 1 > sizeof spool)
        return "";
    char *p = spool + spool_used;
    if (s.len)
        memcpy(p, s.ptr, s.len);
    p[s.len] = '\0';
    spool_used += s.len + 1;
    return p;
}

/* Mostly small ids, so that they refer to things defined; sometimes any. */
static uint64_t id(fuzz_in *in)
{
    uint8_t b = fuzz_u8(in);
    return b < 240 ? b % 16 : fuzz_u64(in, 8);
}

static int64_t i64(fuzz_in *in)
{
    uint8_t b = fuzz_u8(in);
    return b < 200 ? (int64_t)(b % 100) - 10 : (int64_t)fuzz_u64(in, 8);
}

static rt_value gen_value(fuzz_in *in, int depth);

/* len values in consecutive pool slots (NULL when the pool is full). */
static const rt_value *gen_list(fuzz_in *in, int depth, size_t *len)
{
    size_t n = fuzz_u8(in) % (MAX_LIST + 1);
    if (depth >= MAX_DEPTH || vpool_used + n > MAX_NODES)
        n = 0;
    rt_value *items = vpool + vpool_used;
    vpool_used += n;
    for (size_t i = 0; i < n; i++)
        items[i] = gen_value(in, depth + 1);
    *len = n;
    return n ? items : NULL;
}

static const rt_value *gen_child(fuzz_in *in, int depth)
{
    if (depth >= MAX_DEPTH || vpool_used >= MAX_NODES) {
        static const rt_value none = {RT_VALUE_NONE, false, 0, {0}};
        return &none;
    }
    rt_value *v = vpool + vpool_used++;
    *v = gen_value(in, depth + 1);
    return v;
}

static rt_value gen_value(fuzz_in *in, int depth)
{
    uint8_t k = fuzz_u8(in);
    rt_type_id type = id(in);
    size_t len;
    switch (k % (RT_VALUE_KIND_COUNT + 1)) {
    case RT_VALUE_INT:
        return rt_value_int(i64(in), type);
    case RT_VALUE_FLOAT: {
        uint64_t bits = fuzz_u64(in, 8);
        double d;
        memcpy(&d, &bits, sizeof d);
        return rt_value_float(d, type);
    }
    case RT_VALUE_BOOL:
        return rt_value_bool(fuzz_u8(in) & 1, type);
    case RT_VALUE_STRING: {
        rt_str s = fuzz_bytes(in, 40);
        return rt_value_string_n(s.ptr, s.len, type);
    }
    case RT_VALUE_SEQUENCE: {
        bool slice = fuzz_u8(in) & 1;
        const rt_value *items = gen_list(in, depth, &len);
        return rt_value_sequence(items, len, slice, type);
    }
    case RT_VALUE_TUPLE: {
        const rt_value *items = gen_list(in, depth, &len);
        return rt_value_tuple(items, len, type);
    }
    case RT_VALUE_STRUCT: {
        const rt_value *items = gen_list(in, depth, &len);
        return rt_value_struct(items, len, type);
    }
    case RT_VALUE_VARIANT: {
        const char *d = cstr(in, 16);
        return rt_value_variant(d, gen_child(in, depth), type);
    }
    case RT_VALUE_REFERENCE: {
        uint64_t addr = fuzz_u64(in, 8);
        bool mut = fuzz_u8(in) & 1;
        return rt_value_reference(gen_child(in, depth), addr, mut, type);
    }
    case RT_VALUE_RAW:
        return rt_value_raw(cstr(in, 24), type);
    case RT_VALUE_ERROR:
        return rt_value_error(cstr(in, 24), type);
    case RT_VALUE_NONE:
        return rt_value_none(type);
    case RT_VALUE_CELL:
        return rt_value_cell(i64(in));
    case RT_VALUE_BIGINT: {
        size_t n = fuzz_u8(in) % 20;
        bool neg = fuzz_u8(in) & 1;
        if (bpool_used + n > sizeof bpool)
            n = 0;
        uint8_t *b = bpool + bpool_used;
        for (size_t i = 0; i < n; i++)
            b[i] = fuzz_u8(in);
        bpool_used += n;
        return rt_value_bigint(n ? b : NULL, n, neg, type);
    }
    case RT_VALUE_CHAR: /* any 21 bits: surrogates and > U+10FFFF must be refused */
        return rt_value_char((uint32_t)fuzz_u64(in, 3) & 0x1FFFFF, type);
    default: {
        /* An out-of-range kind: the API must refuse it. */
        rt_value v = rt_value_none(type);
        v.kind = (rt_value_kind)(RT_VALUE_KIND_COUNT + (k & 3));
        return v;
    }
    }
}

/* A raw event of any kind, for rt_add_event (Literal rvalues included). */
static int add_raw_event(rt_tracer *t, fuzz_in *in)
{
    static rt_full_value args[4];
    static rt_str lines[4];
    static rt_variable_id ids[6];
    static rt_field_type fields[4];
    rt_event e;
    memset(&e, 0, sizeof e);
    e.kind = (rt_event_kind)(fuzz_u8(in) % RT_EVENT_KIND_COUNT);
    switch (e.kind) {
    case RT_EVENT_STEP:
        e.u.step.path_id = id(in);
        e.u.step.line = i64(in);
        break;
    case RT_EVENT_PATH:
        e.u.path = fuzz_bytes(in, 24);
        break;
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        e.u.name = fuzz_bytes(in, 24);
        break;
    case RT_EVENT_TYPE:
        e.u.type.kind = (rt_type_kind)(fuzz_u8(in) % (RT_TYPE_KIND_COUNT + 1));
        e.u.type.lang_type = fuzz_bytes(in, 24);
        e.u.type.info_kind = (rt_specific_info_kind)(fuzz_u8(in) % 3);
        if (e.u.type.info_kind == RT_INFO_STRUCT) {
            size_t n = fuzz_u8(in) % 5;
            for (size_t i = 0; i < n; i++) {
                fields[i].name = fuzz_bytes(in, 12);
                fields[i].type_id = id(in);
            }
            e.u.type.info.fields.items = n ? fields : NULL;
            e.u.type.info.fields.len = n;
        } else if (e.u.type.info_kind == RT_INFO_POINTER) {
            e.u.type.info.dereference_type_id = id(in);
        }
        break;
    case RT_EVENT_VALUE:
        e.u.value.variable_id = id(in);
        e.u.value.value = gen_value(in, 0);
        break;
    case RT_EVENT_FUNCTION:
        e.u.function.path_id = id(in);
        e.u.function.line = i64(in);
        e.u.function.name = fuzz_bytes(in, 24);
        break;
    case RT_EVENT_CALL: {
        size_t n = fuzz_u8(in) % 5;
        for (size_t i = 0; i < n; i++) {
            args[i].variable_id = id(in);
            args[i].value = gen_value(in, 0);
        }
        e.u.call.function_id = id(in);
        e.u.call.args = n ? args : NULL;
        e.u.call.len = n;
        break;
    }
    case RT_EVENT_RETURN:
        e.u.return_value = gen_value(in, 0);
        break;
    case RT_EVENT_EVENT:
        e.u.event.kind = (rt_event_log_kind)(fuzz_u8(in) % (RT_EVENT_LOG_KIND_COUNT + 1));
        e.u.event.metadata = fuzz_bytes(in, 24);
        e.u.event.content = fuzz_bytes(in, 60);
        break;
    case RT_EVENT_ASM: {
        size_t n = fuzz_u8(in) % 5;
        for (size_t i = 0; i < n; i++)
            lines[i] = fuzz_bytes(in, 16);
        e.u.asm_lines.items = n ? lines : NULL;
        e.u.asm_lines.len = n;
        break;
    }
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
        e.u.bind.variable_id = id(in);
        e.u.bind.place = i64(in);
        break;
    case RT_EVENT_ASSIGNMENT: {
        e.u.assignment.to = id(in);
        e.u.assignment.pass_by = (rt_pass_by)(fuzz_u8(in) % 3);
        e.u.assignment.from.kind = (rt_rvalue_kind)(fuzz_u8(in) % 7);
        e.u.assignment.from.simple = id(in);
        e.u.assignment.from.index = i64(in);
        e.u.assignment.from.call_key = i64(in);
        if (e.u.assignment.from.kind == RT_RVALUE_FIELD_ACCESS)
            e.u.assignment.from.field = fuzz_bytes(in, 12);
        if (e.u.assignment.from.kind == RT_RVALUE_COMPOUND) {
            size_t n = fuzz_u8(in) % 7;
            for (size_t i = 0; i < n; i++)
                ids[i] = id(in);
            e.u.assignment.from.ids = n ? ids : NULL;
            e.u.assignment.from.len = n;
        }
        break;
    }
    case RT_EVENT_DROP_VARIABLES: {
        size_t n = fuzz_u8(in) % 7;
        for (size_t i = 0; i < n; i++)
            ids[i] = id(in);
        e.u.drop_variables.ids = n ? ids : NULL;
        e.u.drop_variables.len = n;
        break;
    }
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        e.u.place_value.place = i64(in);
        e.u.place_value.value = gen_value(in, 0);
        break;
    case RT_EVENT_ASSIGN_COMPOUND_ITEM:
        e.u.assign_item.place = i64(in);
        e.u.assign_item.index = id(in);
        e.u.assign_item.item_place = i64(in);
        break;
    case RT_EVENT_DROP_VARIABLE:
        e.u.drop_variable = id(in);
        break;
    case RT_EVENT_DROP_LAST_STEP:
        break;
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH:
        e.u.thread_id = fuzz_u64(in, 8);
        break;
    }
    return rt_add_event(t, &e);
}

/* One API call chosen by the input. */
static int one_call(rt_tracer *t, fuzz_in *in)
{
    uint8_t op = fuzz_u8(in);
    switch (op % 25) {
    case 0:
        return rt_start(t, cstr(in, 24), i64(in));
    case 1: {
        rt_path_id p;
        return rt_ensure_path_id(t, cstr(in, 24), &p);
    }
    case 2: {
        rt_function_id f;
        const char *name = cstr(in, 16);
        return rt_ensure_function_id(t, name, cstr(in, 24), i64(in), &f);
    }
    case 3: {
        rt_type_id ty;
        rt_type_kind k = (rt_type_kind)(fuzz_u8(in) % (RT_TYPE_KIND_COUNT + 1));
        return rt_ensure_type_id(t, k, cstr(in, 16), &ty);
    }
    case 4: {
        rt_variable_id v;
        return rt_ensure_variable_id(t, cstr(in, 16), &v);
    }
    case 5: {
        const char *path = cstr(in, 24);
        return rt_register_step(t, path, i64(in));
    }
    case 6: {
        rt_path_id p = id(in);
        return rt_register_step_id(t, p, i64(in));
    }
    case 7: {
        rt_full_value args[3];
        size_t n = fuzz_u8(in) % 4;
        for (size_t i = 0; i < n; i++) {
            const char *name = cstr(in, 12);
            int rc = rt_arg(t, name, gen_value(in, 0), &args[i]);
            if (rc)
                return rc;
        }
        return rt_register_call(t, id(in), args, n);
    }
    case 8:
        return rt_register_return(t, gen_value(in, 0));
    case 9: {
        rt_event_log_kind k = (rt_event_log_kind)(fuzz_u8(in) % (RT_EVENT_LOG_KIND_COUNT + 1));
        rt_str meta = fuzz_bytes(in, 24);
        return rt_register_special_event_n(t, k, meta, fuzz_bytes(in, 60));
    }
    case 10: {
        const char *lines[4];
        size_t n = fuzz_u8(in) % 5;
        for (size_t i = 0; i < n; i++)
            lines[i] = cstr(in, 16);
        return rt_register_asm(t, lines, n);
    }
    case 11: {
        const char *name = cstr(in, 16);
        return rt_register_variable_with_full_value(t, name, gen_value(in, 0));
    }
    case 12: {
        rt_variable_id v = id(in);
        bool global = fuzz_u8(in) & 1;
        return global ? rt_register_global_value(t, v, gen_value(in, 0))
                      : rt_register_full_value(t, v, gen_value(in, 0));
    }
    case 13: {
        const char *name = cstr(in, 16);
        return rt_register_variable(t, name, i64(in));
    }
    case 14:
        return rt_drop_variable(t, cstr(in, 16));
    case 15: {
        const char *name = cstr(in, 16);
        return rt_bind_variable(t, name, i64(in));
    }
    case 16: {
        const char *names[4];
        size_t n = fuzz_u8(in) % 5;
        for (size_t i = 0; i < n; i++)
            names[i] = cstr(in, 12);
        return rt_drop_variables(t, names, n);
    }
    case 17: {
        rt_place p = i64(in);
        return rt_register_compound_value(t, p, gen_value(in, 0));
    }
    case 18: {
        rt_place p = i64(in);
        return rt_register_cell_value(t, p, gen_value(in, 0));
    }
    case 19: {
        rt_place p = i64(in);
        uint64_t index = id(in);
        return rt_assign_compound_item(t, p, index, i64(in));
    }
    case 20: {
        rt_place p = i64(in);
        return rt_assign_cell(t, p, gen_value(in, 0));
    }
    case 21: {
        rt_rvalue rv;
        int rc;
        rt_variable_id ids[4];
        if (fuzz_u8(in) & 1) {
            rc = rt_simple_rvalue(t, cstr(in, 12), &rv);
        } else {
            const char *names[4];
            size_t n = fuzz_u8(in) % 5;
            for (size_t i = 0; i < n; i++)
                names[i] = cstr(in, 12);
            rc = rt_compound_rvalue(t, names, n, ids, &rv);
        }
        if (rc)
            return rc;
        const char *to = cstr(in, 12);
        return rt_assign(t, to, rv, (rt_pass_by)(fuzz_u8(in) % 3));
    }
    case 22:
        return rt_drop_last_step(t);
    case 23: {
        rt_field_type fields[3];
        rt_type_record rec;
        memset(&rec, 0, sizeof rec);
        rec.kind = (rt_type_kind)(fuzz_u8(in) % RT_TYPE_KIND_COUNT);
        rec.lang_type = fuzz_bytes(in, 16);
        rec.info_kind = (rt_specific_info_kind)(fuzz_u8(in) % 3);
        if (rec.info_kind == RT_INFO_STRUCT) {
            size_t n = fuzz_u8(in) % 4;
            for (size_t i = 0; i < n; i++) {
                fields[i].name = fuzz_bytes(in, 12);
                fields[i].type_id = id(in);
            }
            rec.info.fields.items = n ? fields : NULL;
            rec.info.fields.len = n;
        } else if (rec.info_kind == RT_INFO_POINTER) {
            rec.info.dereference_type_id = id(in);
        }
        rt_type_id ty;
        return (fuzz_u8(in) & 1) ? rt_ensure_raw_type_id(t, &rec, &ty)
                                 : rt_register_raw_type(t, &rec, &ty);
    }
    default:
        if (op / 25 % 4 == 3) { /* the value of a variable's last Value again */
            int rc = rt_register_repeat_value(t, id(in));
            return rc == RT_REPEAT_MISS ? RT_OK : rc;
        }
        return add_raw_event(t, in);
    }
}

/* ---- checking the round trip ------------------------------------------ */

static bool value_has_inf(const rt_value *v)
{
    switch (v->kind) {
    case RT_VALUE_FLOAT:
        return isinf(v->u.f);
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        for (size_t i = 0; i < v->u.list.len; i++)
            if (value_has_inf(&v->u.list.items[i]))
                return true;
        return false;
    case RT_VALUE_VARIANT:
        return value_has_inf(v->u.variant.contents);
    case RT_VALUE_REFERENCE:
        return value_has_inf(v->u.reference.dereferenced);
    default:
        return false;
    }
}

/* JSON cannot hold the infinities (written as null, read as NaN). */
static bool event_has_inf(const rt_event *e)
{
    switch (e->kind) {
    case RT_EVENT_VALUE:
        return value_has_inf(&e->u.value.value);
    case RT_EVENT_RETURN:
        return value_has_inf(&e->u.return_value);
    case RT_EVENT_CALL:
        for (size_t i = 0; i < e->u.call.len; i++)
            if (value_has_inf(&e->u.call.args[i].value))
                return true;
        return false;
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        return value_has_inf(&e->u.place_value.value);
    default:
        return false;
    }
}

typedef struct membuf {
    uint8_t *p;
    size_t len, cap;
} membuf;

static long mem_write(void *ctx, const void *data, size_t len)
{
    membuf *m = ctx;
    if (m->len + len > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->len + len)
            cap *= 2;
        uint8_t *p = realloc(m->p, cap);
        if (!p)
            abort();
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->len, data, len);
    m->len += len;
    return (long)len;
}

static int devnull = -1;

/* cancel: the writer applies DropLastStep (cancel_steps), flushing now
 * and then (a flush must not let a held Step out); what it keeps is
 * checked against cancel_model.h. */
static void round_trip(const rt_tracer *t, rt_format f, rt_dialect dialect, size_t frame_size,
                       bool cancel)
{
    const rt_dialect_desc *dd = rt_dialect_get(dialect);
    uint64_t n = rt_tracer_event_count(t);
    static const rt_event *all[MAX_OPS * 64];
    static bool keep[MAX_OPS * 64];
    if (n > sizeof all / sizeof *all)
        return;
    for (uint64_t i = 0; i < n; i++) {
        all[i] = rt_tracer_event_at(t, i);
        keep[i] = true;
    }
    if (cancel)
        cancel_model(all, (size_t)n, keep);
    membuf m = {NULL, 0, 0};
    rt_writer_options wo;
    rt_writer_options_init(&wo, f);
    wo.write_fn = mem_write;
    wo.write_ctx = &m;
    wo.frame_size = frame_size;
    wo.dialect = dialect;
    wo.cancel_steps = cancel;
    rt_writer *w = NULL;
    FUZZ_CHECK(rt_writer_open_fd(&w, devnull, &wo) == RT_OK);
    /* A Value like the last one of its variable is written as a repeat of
     * it when the writer has its bytes (rt_writer_repeat_value). */
    static const rt_event *last_value[64];
    memset(last_value, 0, sizeof last_value);
    for (uint64_t i = 0; i < n; i++) {
        const rt_event *e = all[i];
        FUZZ_CHECK(e != NULL);
        if (cancel && i % 7 == 3)
            FUZZ_CHECK(rt_writer_flush(w) == RT_OK);
        int rc = RT_REPEAT_MISS;
        if (e->kind == RT_EVENT_VALUE && e->u.value.variable_id < 64) {
            const rt_event **last = &last_value[e->u.value.variable_id];
            if (*last && rt_value_equal(&(*last)->u.value.value, &e->u.value.value))
                rc = rt_writer_repeat_value(w, e->u.value.variable_id, false);
            else
                rt_writer_repeat_value(w, e->u.value.variable_id, true); /* keep it */
            *last = e;
        }
        if (rc == RT_REPEAT_MISS)
            rc = rt_writer_write(w, e);
        if (rc != RT_OK) {
            /* Only v0's documented gaps may refuse a recorded event. */
            if (!(f == RT_FORMAT_V0 && (rc == RT_EUNSUPPORTED || rc == RT_ERANGE))) {
                fprintf(stderr, "%s: event %llu (%s) refused: %s\n", rt_format_name(f),
                        (unsigned long long)i, rt_event_kind_name(e->kind), rt_writer_errmsg(w));
                abort();
            }
            rt_writer_free(w);
            free(m.p);
            return;
        }
    }
    FUZZ_CHECK(rt_writer_finish(w) == RT_OK);
    rt_writer_free(w);

    rt_reader *r = NULL;
    char err[256] = "";
    rt_reader_options ro;
    rt_reader_options_init(&ro);
    ro.errbuf = err;
    ro.errbuf_len = sizeof err;
    int rc = rt_reader_open_memory(&r, m.p, m.len, &ro);
    if (rc != RT_OK) {
        fprintf(stderr, "%s: cannot read back: %s\n", rt_format_name(f), err);
        abort();
    }
    FUZZ_CHECK(rt_reader_format(r) == f);
    for (uint64_t i = 0;; i++) {
        while (i < n && !keep[i])
            i++;
        const rt_event *got = NULL;
        rc = rt_reader_next(r, &got);
        if (i == n) {
            FUZZ_CHECK(rc == RT_READ_END);
            break;
        }
        if (rc != RT_READ_EVENT) {
            fprintf(stderr, "%s: event %llu of %llu: %s\n", rt_format_name(f),
                    (unsigned long long)i, (unsigned long long)n, rt_reader_errmsg(r));
            abort();
        }
        const rt_event *want = all[i];
        bool raw_chars = f == RT_FORMAT_V0 || !dd->char_values;
        bool same = (raw_chars ? rt_event_equal_raw_chars(want, got) : rt_event_equal(want, got)) ||
                    (f == RT_FORMAT_JSON && !dd->float_as_text && want->kind == got->kind &&
                     event_has_inf(want));
        if (!same) {
            fprintf(stderr, "%s: event %llu (%s) differs after the round trip\n",
                    rt_format_name(f), (unsigned long long)i, rt_event_kind_name(want->kind));
            abort();
        }
    }
    rt_reader_free(r);
    free(m.p);
}

/* trace_paths.json: every Path event, in order. */
static void check_paths(rt_tracer *t)
{
    char path[256];
    snprintf(path, sizeof path, "/tmp/rt-fuzz-%ld-paths.json", (long)getpid());
    FUZZ_CHECK(rt_begin_writing_trace_paths(t, path) == RT_OK);
    FUZZ_CHECK(rt_finish_writing_trace_paths(t) == RT_OK);
    rt_path_list pl;
    char err[256] = "";
    int rc = rt_paths_read(path, &pl, err, sizeof err);
    size_t k = 0;
    bool has_nul = false;
    for (uint64_t i = 0; i < rt_tracer_event_count(t); i++) {
        const rt_event *e = rt_tracer_event_at(t, i);
        if (e->kind != RT_EVENT_PATH)
            continue;
        if (e->u.path.len && memchr(e->u.path.ptr, 0, e->u.path.len))
            has_nul = true;
        if (rc == RT_OK) {
            FUZZ_CHECK(k < pl.len);
            FUZZ_CHECK(strlen(pl.paths[k]) == e->u.path.len &&
                       memcmp(pl.paths[k], e->u.path.ptr, e->u.path.len) == 0);
        }
        k++;
    }
    if (rc == RT_OK) {
        FUZZ_CHECK(k == pl.len);
        rt_path_list_clear(&pl);
    } else {
        /* The paths reader refuses strings holding NUL (C strings). */
        if (!(has_nul && rc == RT_EFORMAT)) {
            fprintf(stderr, "paths: %s\n", err);
            abort();
        }
    }
    unlink(path);
}

static void check_metadata(rt_tracer *t, const char *const *args, size_t nargs)
{
    char path[256];
    snprintf(path, sizeof path, "/tmp/rt-fuzz-%ld-metadata.json", (long)getpid());
    FUZZ_CHECK(rt_begin_writing_trace_metadata(t, path) == RT_OK);
    FUZZ_CHECK(rt_finish_writing_trace_metadata(t) == RT_OK);
    rt_metadata md;
    char err[256] = "";
    int rc = rt_metadata_read(path, &md, err, sizeof err);
    if (rc != RT_OK) {
        fprintf(stderr, "metadata: %s\n", err);
        abort();
    }
    FUZZ_CHECK(strcmp(md.program, "fuzz") == 0);
    FUZZ_CHECK(strcmp(md.workdir, rt_tracer_workdir(t)) == 0);
    FUZZ_CHECK(md.nargs == nargs);
    for (size_t i = 0; i < nargs; i++)
        FUZZ_CHECK(strcmp(md.args[i], args[i]) == 0);
    rt_metadata_clear(&md);
    unlink(path);
}

static bool is_api_error(int rc)
{
    return rc == RT_EINVAL || rc == RT_EUTF8 || rc == RT_ERANGE || rc == RT_ELIMIT ||
           rc == RT_ESTATE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (devnull < 0 && (devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
        abort();
    spool_used = vpool_used = bpool_used = 0;
    fuzz_in in = {data, size};
    /* Mostly small v1 frames (several frames per input; a small window
     * keeps libzstd's tables small, which makes the target about 4x faster
     * under ASan), now and then the default 2 MiB. */
    uint8_t fb = fuzz_u8(&in);
    size_t frame_size = fb < 224 ? 256 + (size_t)fb * 64 : 0;
    const char *args[2];
    size_t nargs = fuzz_u8(&in) % 3;
    for (size_t i = 0; i < nargs; i++)
        args[i] = cstr(&in, 12);
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    /* One input in two through a trace filter: names that look like
     * secrets redacted, a function named skip* skipped, a field "drop"
     * dropped. */
    static rt_filter *filter;
    if (!filter) {
        static const char text[] =
            "[meta]\nname = \"fuzz\"\nversion = 1\n[scope]\ndefault_exec = \"inherit\"\n"
            "default_value_action = \"inherit\"\n[[scope.rules]]\nselector = 'obj:skip*'\n"
            "exec = \"skip\"\n[[scope.rules]]\nselector = 'pkg:regex:.*'\nvalue_patterns = ["
            "{ selector = 'attr:drop', action = \"drop\" }, { selector = 'arg:x', action = "
            "\"drop\" }, { selector = 'local:y', action = \"drop\" }, { selector = 'ret:regex:.*r.*', "
            "action = \"drop\" }]\n";
        rt_filter_source src[2] = {{"builtin", NULL, NULL, 0}, {"fuzz.toml", "fuzz.toml", text,
                                                                sizeof text - 1}};
        src[0].text = rt_filter_builtin_text(RT_FILTER_BUILTIN_DEFAULT, &src[0].len);
        if (rt_filter_load_sources(&filter, src, 2, NULL) != RT_OK)
            abort();
    }
    if (fuzz_u8(&in) & 1)
        o.filter = filter;
    rt_tracer *t = NULL;
    int rc = rt_tracer_new(&t, "fuzz", args, nargs, &o);
    if (rc != RT_OK) {
        FUZZ_CHECK(t == NULL && (rc == RT_EUTF8 || rc == RT_EINVAL));
        return 0;
    }
    if (fuzz_u8(&in) & 1)
        rc = rt_tracer_set_workdir(t, cstr(&in, 24));
    for (int i = 0; i < MAX_OPS && in.n; i++) {
        uint64_t before = rt_tracer_event_count(t);
        rc = one_call(t, &in);
        if (rc != RT_OK) {
            if (!is_api_error(rc)) {
                fprintf(stderr, "API call failed with %s: %s\n", rt_status_name(rc),
                        rt_tracer_errmsg(t));
                abort();
            }
            FUZZ_CHECK(rt_tracer_errmsg(t)[0] != '\0');
        }
        FUZZ_CHECK(rt_tracer_event_count(t) >= before);
    }
    for (rt_dialect d = RT_DIALECT_0_14; d <= RT_DIALECT_0_19; d++) {
        round_trip(t, RT_FORMAT_JSON, d, frame_size, d == RT_DIALECT_0_19);
        round_trip(t, RT_FORMAT_V0, d, frame_size, d == RT_DIALECT_0_19);
        round_trip(t, RT_FORMAT_V1, d, frame_size, d == RT_DIALECT_0_19);
    }
    check_paths(t);
    check_metadata(t, args, nargs);
    rt_tracer_free(t);
    return 0;
}
