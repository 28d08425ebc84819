/* The recording helpers of FORMAT.md section 3: interning and the events
 * each call emits. Ids count the defining events actually emitted, so the
 * interning (ensure_*) and non-interning (register_*) forms always agree. */
#include <string.h>

#include "common/repeat_cache.h"
#include "common/utf8.h"
#include "model/model.h"
#include "tracer/tracer_internal.h"

#define CHECK_T(t)                                                                                 \
    do {                                                                                           \
        if (!(t))                                                                                  \
            return RT_EINVAL;                                                                      \
    } while (0)

static int null_arg(rt_tracer *t, const char *fn, const char *what)
{
    return rt_err_set(&t->err, RT_EINVAL, "%s: NULL %s", fn, what);
}

static int check_name(rt_tracer *t, const char *fn, const char *what, const char *s, size_t len)
{
    if (!rt_utf8_valid(s, len))
        return rt_err_set(&t->err, RT_EUTF8, "%s: %s is not valid UTF-8", fn, what);
    return RT_OK;
}

static int check_value_slow(rt_tracer *t, const char *fn, const rt_value *v)
{
    int rc = rt_value_check(v, &t->err);
    return rc ? rt_err_prefix(&t->err, "%s", fn) : RT_OK;
}

#define SCALAR_KINDS                                                                               \
    (1u << RT_VALUE_INT | 1u << RT_VALUE_FLOAT | 1u << RT_VALUE_BOOL | 1u << RT_VALUE_NONE |       \
     1u << RT_VALUE_CELL)

/* rt_value_check, with the common cases inline: scalars need no check and
 * strings only UTF-8; anything else (and every error) takes the full path. */
static inline int check_value(rt_tracer *t, const char *fn, const rt_value *v)
{
    if ((unsigned)v->kind < RT_VALUE_KIND_COUNT && (SCALAR_KINDS >> v->kind & 1))
        return RT_OK;
    if (v->kind == RT_VALUE_STRING && v->u.text.ptr && rt_utf8_valid(v->u.text.ptr, v->u.text.len))
        return RT_OK;
    return check_value_slow(t, fn, v);
}

/* Records an event that is not a definition: through the filter stage
 * when the tracer has a filter. */
static inline int record(rt_tracer *t, rt_event *e, bool shallow)
{
    return t->filt ? rt_filter_other(t, e, shallow) : rt_tracer_emit(t, e, shallow);
}

/* ---- paths -------------------------------------------------------------- */

/* Emits a Path event. intern: the spelling is known to be new (ensure);
 * otherwise (register_path, raw events) the event is emitted whatever the
 * tables hold, and the tables keep the first id of each key. */
static int new_path(rt_tracer *t, const char *path, size_t len, uint64_t hash, bool intern,
                    rt_path_id *out)
{
    int rc = check_name(t, "path", "path", path, len);
    if (rc)
        return rc;
    if ((rc = rt_path_normalize(path, len, &t->scratch)))
        return rt_err_set(&t->err, rc, "out of memory");
    const char *norm = (const char *)t->scratch.data;
    size_t norm_len = t->scratch.len;
    uint64_t norm_hash = rt_hash_bytes(norm, norm_len);
    uint64_t existing;
    bool known_components = rt_intern_find(&t->path_components, norm, norm_len, norm_hash, &existing);
    const char *spelling, *components = NULL;
    if (rt_intern_prepare(&t->path_spellings, path, len, &spelling))
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    if (intern && known_components) {
        /* A new spelling of a known path: remember the spelling only. */
        rt_intern_commit(&t->path_spellings, spelling, len, hash, existing);
        *out = existing;
        return RT_OK;
    }
    bool known_spelling = !intern && rt_intern_find(&t->path_spellings, path, len, hash, &existing);
    if ((!known_components &&
         rt_intern_prepare(&t->path_components, norm, norm_len, &components)) ||
        rt_buf_reserve(&t->path_list, sizeof(rt_str)))
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    rt_event e;
    e.kind = RT_EVENT_PATH;
    e.u.path.ptr = spelling; /* a stable copy, also for trace_paths.json */
    e.u.path.len = len;
    if ((rc = rt_tracer_emit(t, &e, true)))
        return rc;
    uint64_t id = t->n_paths++;
    if (!known_spelling)
        rt_intern_commit(&t->path_spellings, spelling, len, hash, id);
    if (components)
        rt_intern_commit(&t->path_components, components, norm_len, norm_hash, id);
    rt_buf_append(&t->path_list, &e.u.path, sizeof(rt_str));
    *out = id;
    return RT_OK;
}

/* ensure_path for a C string: the pointer hint first, the table after. */
static inline int ensure_path_c(rt_tracer *t, const char *path, rt_path_id *out)
{
    if (rt_intern_hint_find(&t->path_hints, path, out))
        return RT_OK;
    size_t len = strlen(path);
    uint64_t hash = rt_hash_bytes(path, len);
    const rt_intern_slot *s = rt_intern_lookup(&t->path_spellings, path, len, hash);
    if (s) {
        *out = s->id;
    } else {
        int rc = new_path(t, path, len, hash, true, out);
        if (rc || !(s = rt_intern_lookup(&t->path_spellings, path, len, hash)))
            return rc;
    }
    rt_intern_hint_set(&t->path_hints, path, s->key, s->id);
    return RT_OK;
}

int rt_ensure_path_id(rt_tracer *t, const char *path, rt_path_id *out)
{
    CHECK_T(t);
    if (!path || !out)
        return null_arg(t, "ensure_path_id", path ? "out" : "path");
    return ensure_path_c(t, path, out);
}

int rt_register_path(rt_tracer *t, const char *path, rt_path_id *out)
{
    CHECK_T(t);
    if (!path)
        return null_arg(t, "register_path", "path");
    rt_path_id id;
    size_t len = strlen(path);
    int rc = new_path(t, path, len, rt_hash_bytes(path, len), false, &id);
    if (!rc && out)
        *out = id;
    return rc;
}

/* ---- functions, types, variables --------------------------------------- */

static int new_function(rt_tracer *t, const char *name, size_t len, uint64_t hash,
                        rt_path_id path_id, rt_line line, rt_function_id *out)
{
    uint64_t existing;
    bool known = rt_intern_find(&t->functions, name, len, hash, &existing);
    const char *stored = NULL;
    if (rt_buf_reserve(&t->function_info, sizeof(rt_function_info)))
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    if (!known && rt_intern_prepare(&t->functions, name, len, &stored))
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    rt_event e;
    e.kind = RT_EVENT_FUNCTION;
    e.u.function.path_id = path_id;
    e.u.function.line = line;
    e.u.function.name.ptr = stored ? stored : name;
    e.u.function.name.len = len;
    int rc = rt_tracer_emit(t, &e, stored != NULL);
    if (rc)
        return rc;
    uint64_t id = t->n_functions++;
    if (stored)
        rt_intern_commit(&t->functions, stored, len, hash, id);
    rt_function_info info = {path_id, line, {stored, len}};
    if (!stored) /* a name met before: its first copy */
        info.name.ptr = rt_intern_lookup(&t->functions, name, len, hash)->key;
    rt_buf_append(&t->function_info, &info, sizeof info);
    *out = id;
    return RT_OK;
}

static int function_common(rt_tracer *t, const char *fn, const char *name, const char *path,
                           rt_line line, bool intern, rt_function_id *out)
{
    if (!name || !path)
        return null_arg(t, fn, name ? "path" : "name");
    if (intern && rt_intern_hint_find(&t->function_hints, name, out))
        return RT_OK;
    size_t len = strlen(name);
    uint64_t hash = rt_hash_bytes(name, len);
    const rt_intern_slot *s;
    if (intern && (s = rt_intern_lookup(&t->functions, name, len, hash))) {
        *out = s->id;
        rt_intern_hint_set(&t->function_hints, name, s->key, s->id);
        return RT_OK;
    }
    int rc = check_name(t, fn, "function name", name, len);
    if (rc)
        return rc;
    rt_path_id pid;
    if ((rc = ensure_path_c(t, path, &pid)))
        return rc;
    return new_function(t, name, len, hash, pid, line, out);
}

int rt_ensure_function_id(rt_tracer *t, const char *name, const char *path, rt_line line,
                          rt_function_id *out)
{
    CHECK_T(t);
    if (!out)
        return null_arg(t, "ensure_function_id", "out");
    return function_common(t, "ensure_function_id", name, path, line, true, out);
}

int rt_register_function(rt_tracer *t, const char *name, const char *path, rt_line line,
                         rt_function_id *out)
{
    CHECK_T(t);
    rt_function_id id;
    int rc = function_common(t, "register_function", name, path, line, false, &id);
    if (!rc && out)
        *out = id;
    return rc;
}

static int new_type(rt_tracer *t, const rt_type_record *type, uint64_t hash, rt_type_id *out)
{
    uint64_t existing;
    const char *key = type->lang_type.ptr;
    size_t len = type->lang_type.len;
    bool known = rt_intern_find(&t->types, key, len, hash, &existing);
    const char *stored = NULL;
    if (!known && rt_intern_prepare(&t->types, key, len, &stored))
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    rt_event e;
    e.kind = RT_EVENT_TYPE;
    e.u.type = *type;
    int rc = rt_tracer_emit(t, &e, false);
    if (rc)
        return rc;
    uint64_t id = t->n_types++;
    if (stored)
        rt_intern_commit(&t->types, stored, len, hash, id);
    *out = id;
    return t->filt ? rt_tracer_filter_note_type(t, id, type) : RT_OK;
}

static int type_common(rt_tracer *t, const char *fn, const rt_type_record *type, bool intern,
                       rt_type_id *out)
{
    if (!type->lang_type.ptr)
        return null_arg(t, fn, "lang_type");
    uint64_t hash = rt_hash_bytes(type->lang_type.ptr, type->lang_type.len);
    if (intern && rt_intern_find(&t->types, type->lang_type.ptr, type->lang_type.len, hash, out))
        return RT_OK;
    rt_event e;
    e.kind = RT_EVENT_TYPE;
    e.u.type = *type;
    int rc = rt_event_check(&e, &t->err);
    if (rc)
        return rt_err_prefix(&t->err, "%s", fn);
    return new_type(t, type, hash, out);
}

static rt_type_record simple_type(rt_type_kind kind, const char *lang_type)
{
    rt_type_record r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    r.lang_type.ptr = lang_type;
    r.lang_type.len = lang_type ? strlen(lang_type) : 0;
    r.info_kind = RT_INFO_NONE;
    return r;
}

int rt_ensure_type_id(rt_tracer *t, rt_type_kind kind, const char *lang_type, rt_type_id *out)
{
    CHECK_T(t);
    if (!out)
        return null_arg(t, "ensure_type_id", "out");
    rt_type_record r = simple_type(kind, lang_type);
    return type_common(t, "ensure_type_id", &r, true, out);
}

int rt_ensure_raw_type_id(rt_tracer *t, const rt_type_record *type, rt_type_id *out)
{
    CHECK_T(t);
    if (!type || !out)
        return null_arg(t, "ensure_raw_type_id", type ? "out" : "type");
    return type_common(t, "ensure_raw_type_id", type, true, out);
}

int rt_register_type(rt_tracer *t, rt_type_kind kind, const char *lang_type, rt_type_id *out)
{
    CHECK_T(t);
    rt_type_record r = simple_type(kind, lang_type);
    rt_type_id id = 0;
    int rc = type_common(t, "register_type", &r, false, &id);
    if (!rc && out)
        *out = id;
    return rc;
}

int rt_register_raw_type(rt_tracer *t, const rt_type_record *type, rt_type_id *out)
{
    CHECK_T(t);
    if (!type)
        return null_arg(t, "register_raw_type", "type");
    rt_type_id id = 0;
    int rc = type_common(t, "register_raw_type", type, false, &id);
    if (!rc && out)
        *out = id;
    return rc;
}

static int new_variable(rt_tracer *t, rt_event_kind kind, const char *name, size_t len,
                        uint64_t hash, rt_variable_id *out)
{
    int rc = check_name(t, "variable", "variable name", name, len);
    if (rc)
        return rc;
    uint64_t existing;
    bool known = rt_intern_find(&t->variables, name, len, hash, &existing);
    const char *stored = NULL;
    if (!known && rt_intern_prepare(&t->variables, name, len, &stored))
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    if (rt_buf_reserve(&t->variable_names, sizeof(rt_str)))
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    rt_event e;
    e.kind = kind;
    e.u.name.ptr = stored ? stored : name;
    e.u.name.len = len;
    if ((rc = rt_tracer_emit(t, &e, stored != NULL)))
        return rc;
    uint64_t id = t->n_variables++;
    if (stored)
        rt_intern_commit(&t->variables, stored, len, hash, id);
    rt_str key = {stored ? stored : rt_intern_lookup(&t->variables, name, len, hash)->key, len};
    rt_buf_append(&t->variable_names, &key, sizeof key);
    *out = id;
    return RT_OK;
}

static inline int ensure_variable(rt_tracer *t, const char *name, rt_variable_id *out)
{
    if (rt_intern_hint_find(&t->variable_hints, name, out))
        return RT_OK;
    size_t len = strlen(name);
    uint64_t hash = rt_hash_bytes(name, len);
    const rt_intern_slot *s = rt_intern_lookup(&t->variables, name, len, hash);
    if (s) {
        *out = s->id;
    } else {
        int rc = new_variable(t, RT_EVENT_VARIABLE_NAME, name, len, hash, out);
        if (rc || !(s = rt_intern_lookup(&t->variables, name, len, hash)))
            return rc;
    }
    rt_intern_hint_set(&t->variable_hints, name, s->key, s->id);
    return RT_OK;
}

int rt_ensure_variable_id(rt_tracer *t, const char *name, rt_variable_id *out)
{
    CHECK_T(t);
    if (!name || !out)
        return null_arg(t, "ensure_variable_id", name ? "out" : "name");
    return ensure_variable(t, name, out);
}

int rt_register_variable_name(rt_tracer *t, const char *name, rt_variable_id *out)
{
    CHECK_T(t);
    if (!name)
        return null_arg(t, "register_variable_name", "name");
    size_t len = strlen(name);
    rt_variable_id id;
    int rc = new_variable(t, RT_EVENT_VARIABLE_NAME, name, len, rt_hash_bytes(name, len), &id);
    if (!rc && out)
        *out = id;
    return rc;
}

/* ---- the helpers ------------------------------------------------------- */

int rt_start(rt_tracer *t, const char *path, rt_line line)
{
    CHECK_T(t);
    rt_function_id fid;
    int rc = rt_ensure_function_id(t, "<toplevel>", path, line, &fid);
    if (rc)
        return rc;
    rt_event e;
    e.kind = RT_EVENT_CALL;
    e.u.call.function_id = fid;
    e.u.call.args = NULL;
    e.u.call.len = 0;
    if ((rc = t->filt ? rt_filter_call(t, fid, NULL, 0, false) : rt_tracer_emit(t, &e, true)))
        return rc;
    rt_type_id none;
    return rt_ensure_type_id(t, RT_TYPE_NONE, "None", &none);
}

static inline int emit_step(rt_tracer *t, rt_path_id path_id, rt_line line)
{
    if (rt_tracer_skipping(t))
        return RT_OK;
    rt_event e;
    e.kind = RT_EVENT_STEP;
    e.u.step.path_id = path_id;
    e.u.step.line = line;
    return rt_tracer_emit(t, &e, true);
}

int rt_register_step_id(rt_tracer *t, rt_path_id path_id, rt_line line)
{
    CHECK_T(t);
    return emit_step(t, path_id, line);
}

int rt_register_step(rt_tracer *t, const char *path, rt_line line)
{
    CHECK_T(t);
    if (!path)
        return null_arg(t, "register_step", "path");
    rt_path_id pid;
    int rc = ensure_path_c(t, path, &pid);
    if (rc)
        return rc;
    return emit_step(t, pid, line);
}

int rt_arg(rt_tracer *t, const char *name, rt_value value, rt_full_value *out)
{
    CHECK_T(t);
    if (!name || !out)
        return null_arg(t, "arg", name ? "out" : "name");
    rt_variable_id id;
    int rc = ensure_variable(t, name, &id);
    if (rc)
        return rc;
    out->variable_id = id;
    out->value = value;
    return RT_OK;
}

int rt_register_call(rt_tracer *t, rt_function_id function_id, const rt_full_value *args,
                     size_t nargs)
{
    CHECK_T(t);
    if (nargs && !args)
        return null_arg(t, "register_call", "args");
    if (function_id >= t->n_functions)
        return rt_err_set(&t->err, RT_ERANGE, "register_call: unknown function id %llu",
                          (unsigned long long)function_id);
    int rc;
    for (size_t i = 0; i < nargs; i++)
        if ((rc = check_value(t, "register_call", &args[i].value)))
            return rc;
    if (t->filt)
        return rt_filter_call(t, function_id, args, nargs, function_id != 0);
    rt_event e;
    if (function_id != 0) {
        for (size_t i = 0; i < nargs; i++) {
            e.kind = RT_EVENT_VALUE;
            e.u.value = args[i];
            if ((rc = rt_tracer_emit(t, &e, false)))
                return rc;
        }
        const rt_function_info *fi = (const rt_function_info *)t->function_info.data + function_id;
        if ((rc = emit_step(t, fi->path_id, fi->line)))
            return rc;
    }
    e.kind = RT_EVENT_CALL;
    e.u.call.function_id = function_id;
    e.u.call.args = args;
    e.u.call.len = nargs;
    return rt_tracer_emit(t, &e, false);
}

static int emit_value_event(rt_tracer *t, const char *fn, rt_event *e, const rt_value *v)
{
    int rc = check_value(t, fn, v);
    if (rc)
        return rc;
    return record(t, e, false);
}

int rt_register_return(rt_tracer *t, rt_value value)
{
    CHECK_T(t);
    if (t->filt) {
        int rc = check_value(t, "register_return", &value);
        return rc ? rc : rt_filter_return(t, &value);
    }
    rt_event e;
    e.kind = RT_EVENT_RETURN;
    e.u.return_value = value;
    return emit_value_event(t, "register_return", &e, &value);
}

int rt_register_special_event_n(rt_tracer *t, rt_event_log_kind kind, rt_str metadata,
                                rt_str content)
{
    CHECK_T(t);
    rt_event e;
    e.kind = RT_EVENT_EVENT;
    e.u.event.kind = kind;
    e.u.event.metadata = metadata;
    e.u.event.content = content;
    int rc = rt_event_check(&e, &t->err);
    if (rc)
        return rt_err_prefix(&t->err, "register_special_event");
    return record(t, &e, false);
}

int rt_register_special_event(rt_tracer *t, rt_event_log_kind kind, const char *content)
{
    CHECK_T(t);
    if (!content)
        return null_arg(t, "register_special_event", "content");
    rt_str empty = {"", 0};
    return rt_register_special_event_n(t, kind, empty, rt_str_c(content));
}

int rt_register_asm(rt_tracer *t, const char *const *lines, size_t len)
{
    CHECK_T(t);
    if (len && !lines)
        return null_arg(t, "register_asm", "lines");
    rt_str small[16];
    rt_str *strs = small;
    if (len > 16 && !(strs = rt_malloc(t->alloc, len * sizeof *strs)))
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    int rc = RT_OK;
    for (size_t i = 0; i < len && !rc; i++) {
        if (!lines[i])
            rc = null_arg(t, "register_asm", "line");
        else
            strs[i] = rt_str_c(lines[i]);
    }
    rt_event e;
    e.kind = RT_EVENT_ASM;
    e.u.asm_lines.items = strs;
    e.u.asm_lines.len = len;
    if (!rc && (rc = rt_event_check(&e, &t->err)))
        rt_err_prefix(&t->err, "register_asm");
    if (!rc)
        rc = record(t, &e, false);
    if (strs != small)
        rt_free(t->alloc, strs, len * sizeof *strs);
    return rc;
}

static int full_value(rt_tracer *t, const char *fn, rt_variable_id variable_id, rt_value value,
                      rt_filter_value_kind kind)
{
    rt_event e;
    e.kind = RT_EVENT_VALUE;
    e.u.value.variable_id = variable_id;
    e.u.value.value = value;
    int rc = check_value(t, fn, &value);
    if (rc)
        return rc;
    return t->filt ? rt_filter_value(t, &e, kind) : rt_tracer_emit(t, &e, false);
}

int rt_register_full_value(rt_tracer *t, rt_variable_id variable_id, rt_value value)
{
    CHECK_T(t);
    return full_value(t, "register_full_value", variable_id, value, RT_FILTER_LOCAL);
}

int rt_register_global_value(rt_tracer *t, rt_variable_id variable_id, rt_value value)
{
    CHECK_T(t);
    return full_value(t, "register_global_value", variable_id, value, RT_FILTER_GLOBAL);
}

int rt_register_variable_with_full_value(rt_tracer *t, const char *name, rt_value value)
{
    CHECK_T(t);
    if (!name)
        return null_arg(t, "register_variable_with_full_value", "name");
    int rc = check_value(t, "register_variable_with_full_value", &value);
    if (rc)
        return rc;
    rt_variable_id id;
    if ((rc = ensure_variable(t, name, &id)))
        return rc;
    rt_event e;
    e.kind = RT_EVENT_VALUE;
    e.u.value.variable_id = id;
    e.u.value.value = value;
    return t->filt ? rt_filter_value(t, &e, RT_FILTER_LOCAL) : rt_tracer_emit(t, &e, false);
}

/* ---- repeats ------------------------------------------------------------ */

/* A repeat writes the bytes the writer (or the packed events) kept of the
 * variable's last Value event, so it is right only when that event was
 * made under the rules this one would be made under. This is the one place
 * that decides. Without a filter nothing but the value shapes a Value's
 * bytes: the stamp is 0. A trace filter (TRACE-FILTER.md) decides per
 * scope, kind and variable, and redacts strings it hid before: the stamp
 * of a Value it let through unchanged says under what (rt_filter_stamp;
 * one it changed or left out stamps RT_STAMP_NONE), and a repeat, decided
 * as a local in the current scope, is refused (RT_REPEAT_MISS) when that
 * differs: the recorder then registers the value, which the filter sees. */
static inline uint64_t note_stamp(const rt_tracer *t)
{
    if (!t->filt)
        return 0;
    return t->filt->note_ok ? rt_filter_stamp(t, t->filt->note_kind) : RT_STAMP_NONE;
}

void rt_tracer_note_value(rt_tracer *t, rt_variable_id variable_id)
{
    if (variable_id >= t->nvalue_stamps) {
        if (variable_id >= t->n_variables || variable_id >= RT_REPEAT_MAX_VARIABLES)
            return; /* never repeated: see repeat_decision */
        size_t n = t->nvalue_stamps ? t->nvalue_stamps : 64;
        while (n <= variable_id)
            n *= 2;
        uint64_t *s = rt_realloc(t->alloc, t->value_stamps, t->nvalue_stamps * sizeof *s,
                                 n * sizeof *s);
        if (!s)
            return; /* best effort: the repeats of this variable miss */
        for (size_t i = t->nvalue_stamps; i < n; i++)
            s[i] = RT_STAMP_NONE; /* no Value noted */
        t->value_stamps = s;
        t->nvalue_stamps = n;
    }
    t->value_stamps[variable_id] = note_stamp(t);
}

/* RT_OK: the bytes kept of variable_id's last Value are this repeat's;
 * RT_REPEAT_MISS: the recorder must give the value; SKIPPED: a skipped
 * function's, left out as its registered values are. */
enum { REPEAT_SKIPPED = 2 };
static int repeat_decision(rt_tracer *t, rt_variable_id variable_id)
{
    if (rt_tracer_skipping(t)) /* (an id not defined misses, as it would traced) */
        return variable_id < t->n_variables ? REPEAT_SKIPPED : RT_REPEAT_MISS;
    if (!t->repeats_in_use) {
        t->repeats_in_use = true; /* Values are noted from now on */
        return RT_REPEAT_MISS;
    }
    uint64_t stamp = t->filt ? rt_filter_stamp(t, RT_FILTER_LOCAL) : 0;
    if (variable_id >= t->nvalue_stamps || t->value_stamps[variable_id] != stamp ||
        stamp == RT_STAMP_NONE)
        return RT_REPEAT_MISS;
    return RT_OK;
}

int rt_register_repeat_value(rt_tracer *t, rt_variable_id variable_id)
{
    CHECK_T(t);
    int d = repeat_decision(t, variable_id);
    if (d == REPEAT_SKIPPED)
        return RT_OK;
    /* refused or not, the writer keeps the variable's bytes from now on */
    return rt_tracer_emit_repeat(t, variable_id, d != RT_OK);
}

static int variable_place_event(rt_tracer *t, const char *fn, rt_event_kind kind, const char *name,
                                rt_place place)
{
    CHECK_T(t);
    if (!name)
        return null_arg(t, fn, "name");
    rt_variable_id id;
    int rc = ensure_variable(t, name, &id);
    if (rc)
        return rc;
    rt_event e;
    e.kind = kind;
    e.u.bind.variable_id = id;
    e.u.bind.place = place;
    return record(t, &e, true);
}

int rt_register_variable(rt_tracer *t, const char *name, rt_place place)
{
    return variable_place_event(t, "register_variable", RT_EVENT_VARIABLE_CELL, name, place);
}

int rt_bind_variable(rt_tracer *t, const char *name, rt_place place)
{
    return variable_place_event(t, "bind_variable", RT_EVENT_BIND_VARIABLE, name, place);
}

int rt_drop_variable(rt_tracer *t, const char *name)
{
    CHECK_T(t);
    if (!name)
        return null_arg(t, "drop_variable", "name");
    rt_variable_id id;
    int rc = ensure_variable(t, name, &id);
    if (rc)
        return rc;
    rt_event e;
    e.kind = RT_EVENT_DROP_VARIABLE;
    e.u.drop_variable = id;
    return record(t, &e, true);
}

/* Interns every name into ids (caller-sized). */
static int ensure_variables(rt_tracer *t, const char *fn, const char *const *names, size_t len,
                            rt_variable_id *ids)
{
    if (len && !names)
        return null_arg(t, fn, "names");
    for (size_t i = 0; i < len; i++) {
        if (!names[i])
            return null_arg(t, fn, "name");
        int rc = ensure_variable(t, names[i], &ids[i]);
        if (rc)
            return rc;
    }
    return RT_OK;
}

int rt_drop_variables(rt_tracer *t, const char *const *names, size_t len)
{
    CHECK_T(t);
    rt_variable_id small[16];
    rt_variable_id *ids = small;
    if (len > 16 && !(ids = rt_malloc(t->alloc, len * sizeof *ids)))
        return rt_err_set(&t->err, RT_ENOMEM, "out of memory");
    int rc = ensure_variables(t, "drop_variables", names, len, ids);
    if (!rc) {
        rt_event e;
        e.kind = RT_EVENT_DROP_VARIABLES;
        e.u.drop_variables.ids = ids;
        e.u.drop_variables.len = len;
        rc = record(t, &e, false);
    }
    if (ids != small)
        rt_free(t->alloc, ids, len * sizeof *ids);
    return rc;
}

static int place_value_event(rt_tracer *t, const char *fn, rt_event_kind kind, rt_place place,
                             rt_value value)
{
    CHECK_T(t);
    rt_event e;
    e.kind = kind;
    e.u.place_value.place = place;
    e.u.place_value.value = value;
    return emit_value_event(t, fn, &e, &value);
}

int rt_register_compound_value(rt_tracer *t, rt_place place, rt_value value)
{
    return place_value_event(t, "register_compound_value", RT_EVENT_COMPOUND_VALUE, place, value);
}

int rt_register_cell_value(rt_tracer *t, rt_place place, rt_value value)
{
    return place_value_event(t, "register_cell_value", RT_EVENT_CELL_VALUE, place, value);
}

int rt_assign_cell(rt_tracer *t, rt_place place, rt_value new_value)
{
    return place_value_event(t, "assign_cell", RT_EVENT_ASSIGN_CELL, place, new_value);
}

int rt_assign_compound_item(rt_tracer *t, rt_place place, uint64_t index, rt_place item_place)
{
    CHECK_T(t);
    rt_event e;
    e.kind = RT_EVENT_ASSIGN_COMPOUND_ITEM;
    e.u.assign_item.place = place;
    e.u.assign_item.index = index;
    e.u.assign_item.item_place = item_place;
    return record(t, &e, true);
}

int rt_simple_rvalue(rt_tracer *t, const char *name, rt_rvalue *out)
{
    CHECK_T(t);
    if (!name || !out)
        return null_arg(t, "simple_rvalue", name ? "out" : "name");
    memset(out, 0, sizeof *out);
    out->kind = RT_RVALUE_SIMPLE;
    return ensure_variable(t, name, &out->simple);
}

int rt_compound_rvalue(rt_tracer *t, const char *const *names, size_t len, rt_variable_id *ids,
                       rt_rvalue *out)
{
    CHECK_T(t);
    if (!out || (len && !ids))
        return null_arg(t, "compound_rvalue", out ? "ids" : "out");
    int rc = ensure_variables(t, "compound_rvalue", names, len, ids);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    out->kind = RT_RVALUE_COMPOUND;
    out->ids = ids;
    out->len = len;
    return RT_OK;
}

int rt_assign(rt_tracer *t, const char *name, rt_rvalue from, rt_pass_by pass_by)
{
    CHECK_T(t);
    if (!name)
        return null_arg(t, "assign", "name");
    rt_event e;
    e.kind = RT_EVENT_ASSIGNMENT;
    e.u.assignment.pass_by = pass_by;
    e.u.assignment.from = from;
    e.u.assignment.to = 0;
    int rc = rt_event_check(&e, &t->err);
    if (rc)
        return rt_err_prefix(&t->err, "assign");
    if ((rc = ensure_variable(t, name, &e.u.assignment.to)))
        return rc;
    return record(t, &e, false);
}

int rt_drop_last_step(rt_tracer *t)
{
    CHECK_T(t);
    rt_event e;
    e.kind = RT_EVENT_DROP_LAST_STEP;
    return record(t, &e, true);
}

static int thread_event(rt_tracer *t, rt_event_kind kind, rt_thread_id thread)
{
    CHECK_T(t);
    rt_event e;
    e.kind = kind;
    e.u.thread_id = thread;
    return rt_tracer_emit(t, &e, true);
}

int rt_register_thread_start(rt_tracer *t, rt_thread_id thread)
{
    return thread_event(t, RT_EVENT_THREAD_START, thread);
}

int rt_register_thread_exit(rt_tracer *t, rt_thread_id thread)
{
    return thread_event(t, RT_EVENT_THREAD_EXIT, thread);
}

int rt_register_thread_switch(rt_tracer *t, rt_thread_id thread)
{
    return thread_event(t, RT_EVENT_THREAD_SWITCH, thread);
}

/* ---- raw events -------------------------------------------------------- */

/* Raw defining events go through the same code as register_*, so that ids
 * and tables stay in step. */
static int add_definition(rt_tracer *t, const rt_event *e)
{
    uint64_t id;
    switch (e->kind) {
    case RT_EVENT_PATH:
        return new_path(t, e->u.path.ptr, e->u.path.len, rt_hash_bytes(e->u.path.ptr, e->u.path.len),
                        false, &id);
    case RT_EVENT_FUNCTION: {
        rt_str n = e->u.function.name;
        return new_function(t, n.ptr, n.len, rt_hash_bytes(n.ptr, n.len), e->u.function.path_id,
                            e->u.function.line, &id);
    }
    case RT_EVENT_TYPE:
        return new_type(t, &e->u.type,
                        rt_hash_bytes(e->u.type.lang_type.ptr, e->u.type.lang_type.len), &id);
    default: /* VariableName, Variable */
        return new_variable(t, e->kind, e->u.name.ptr, e->u.name.len,
                            rt_hash_bytes(e->u.name.ptr, e->u.name.len), &id);
    }
}

int rt_add_event(rt_tracer *t, const rt_event *event)
{
    CHECK_T(t);
    int rc = rt_event_check(event, &t->err);
    if (rc)
        return rt_err_prefix(&t->err, "add_event");
    rt_event mapped;
    if (t->filt) { /* the ids of the trace it comes from, as the tracer's */
        rt_arena_reset(&t->filt->raw_arena);
        if ((rc = rt_filter_remap(t, event, &mapped, &t->filt->raw_arena)))
            return rc;
        event = &mapped;
    }
    switch (event->kind) {
    case RT_EVENT_PATH:
    case RT_EVENT_FUNCTION:
    case RT_EVENT_TYPE:
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        /* in order with what the filter holds back (never inside a Call's group) */
        if ((rc = rt_filter_release_held(t)))
            return rc;
        if ((rc = add_definition(t, event)))
            return rc;
        return t->filt && event->kind == RT_EVENT_TYPE ? rt_filter_note_raw_type(t, t->n_types - 1)
                                                       : RT_OK;
    default:
        return t->filt ? rt_filter_add_event(t, event) : rt_tracer_emit(t, event, false);
    }
}

int rt_append_events(rt_tracer *t, const rt_event *events, size_t len)
{
    CHECK_T(t);
    if (len && !events)
        return null_arg(t, "append_events", "events");
    for (size_t i = 0; i < len; i++) {
        int rc = rt_add_event(t, &events[i]);
        if (rc)
            return rt_err_prefix(&t->err, "append_events: event %zu", i);
    }
    return RT_OK;
}
