/* The tracer's filter stage (filtering.h): skipped functions leave no event
 * of their own while they are the innermost frame; values are redacted
 * (the Error value "<redacted>") or dropped by kind and name; struct fields
 * by their names (attr). The recording helpers and rt_add_event both come
 * through here, so `runtime-tracing redact` (a reader feeding a filtering
 * tracer) gives the events a recording with the same filter gives. */
#include <string.h>

#include "model/model.h"
#include "tracer/tracer_internal.h"

#define REDACTED "<redacted>"
#define DROPPED "<dropped>"
/* Redacted strings this long or longer are masked in the source copies. */
#define MASK_MIN_LEN 4
#define MASK_MAX_BYTES ((uint64_t)16 << 20)
#define HELD_MAX 256
/* The rare paths kept out of line, so that the common ones stay small. */
#if defined(__GNUC__)
#define COLD __attribute__((noinline, cold))
#else
#define COLD
#endif /* rt_add_event: Values and a Step held before a Call */

/* A function's decision: 0 until made, else scope id + 1 (RT_FRAME_SKIP
 * for skip); its module when the recorder gave one. */
typedef struct fn_decision {
    uint32_t scope;
    uint8_t ret; /* its return value's action + 1; 0: not decided yet */
    const char *module;
} fn_decision;

/* Per scope: the action per variable id of each kind (0: not decided yet,
 * else action + 1), and per struct type id its attr_info (index + 1). */
typedef struct scope_cache {
    rt_buf vars[3]; /* local, arg, global: uint8 per variable id */
    rt_buf types;   /* uint32 per type id */
    unsigned kinds; /* rt_filter_cache_kinds */
    rt_filter_action value_default;
} scope_cache;

/* A Struct type's field names (from its Type event). */
typedef struct type_fields {
    const rt_str *names; /* NULL: not a struct type with fields */
    size_t n;
    rt_type_kind kind;
    rt_str lang_type;
} type_fields;

/* What attr decides for the fields of one struct type in one scope. */
typedef struct attr_info {
    bool clean;           /* every field allowed: the value goes as it is */
    size_t actions;       /* offset in attr_actions: one byte per field */
    size_t n;
    bool drops;           /* some field is dropped: the value uses derived */
    rt_type_id derived;   /* the type without the dropped fields */
    bool have_derived;
} attr_info;

/* The scratch arena, reset before an event only when the last one used it. */
static void *scratch_alloc(rt_tracer_filter *tf, size_t n)
{
    tf->scratch_used = true;
    return rt_arena_alloc(&tf->scratch, n);
}

static inline void scratch_reset(rt_tracer_filter *tf)
{
    if (tf->scratch_used) {
        rt_arena_reset(&tf->scratch);
        tf->scratch_used = false;
    }
}

static int oom(rt_tracer *t)
{
    return rt_err_set(&t->err, RT_ENOMEM, "out of memory (trace filter)");
}

/* Grows b to hold n items of size each, zero-filled. */
static int grow_zeroed(rt_buf *b, size_t n, size_t size)
{
    size_t want = n * size;
    if (b->len >= want)
        return RT_OK;
    if (rt_buf_reserve(b, want - b->len))
        return RT_ENOMEM;
    memset(b->data + b->len, 0, want - b->len);
    b->len = want;
    return RT_OK;
}

int rt_tracer_filter_init(rt_tracer *t, const rt_filter *f)
{
    rt_tracer_filter *tf = rt_malloc(t->alloc, sizeof *tf);
    if (!tf)
        return RT_ENOMEM;
    memset(tf, 0, sizeof *tf);
    tf->filter = f;
    tf->outside = UINT32_MAX;
    rt_buf_init(&tf->frames, t->alloc);
    rt_buf_init(&tf->functions, t->alloc);
    rt_buf_init(&tf->scopes, t->alloc);
    rt_buf_init(&tf->types, t->alloc);
    rt_buf_init(&tf->attrs, t->alloc);
    rt_buf_init(&tf->attr_actions, t->alloc);
    rt_buf_init(&tf->raw_types, t->alloc);
    rt_arena_init(&tf->names, t->alloc, 4096);
    rt_arena_init(&tf->scratch, t->alloc, 4096);
    rt_arena_init(&tf->held_arena, t->alloc, 4096);
    rt_arena_init(&tf->raw_arena, t->alloc, 4096);
    rt_buf_init(&tf->out_vars, t->alloc);
    rt_buf_init(&tf->out_types, t->alloc);
    rt_buf_init(&tf->pending_kinds, t->alloc);
    rt_buf_init(&tf->pending_types, t->alloc);
    rt_arena_init(&tf->pending_arena, t->alloc, 4096);
    rt_arena_init(&tf->out_arena, t->alloc, 4096);
    rt_intern_init(&tf->masked, t->alloc);
    t->filt = tf;
    if (rt_filter_cache_new(&tf->cache, f, t->alloc)) {
        rt_tracer_filter_free(t);
        return RT_ENOMEM;
    }
    return RT_OK;
}

void rt_tracer_filter_free(rt_tracer *t)
{
    rt_tracer_filter *tf = t->filt;
    if (!tf)
        return;
    scope_cache *sc = (scope_cache *)(void *)tf->scopes.data;
    for (size_t i = 0; i < tf->scopes.len / sizeof *sc; i++) {
        for (int k = 0; k < 3; k++)
            rt_buf_free(&sc[i].vars[k]);
        rt_buf_free(&sc[i].types);
    }
    rt_filter_cache_free(tf->cache);
    rt_buf_free(&tf->frames);
    rt_buf_free(&tf->functions);
    rt_buf_free(&tf->scopes);
    rt_buf_free(&tf->types);
    rt_buf_free(&tf->attrs);
    rt_buf_free(&tf->attr_actions);
    rt_buf_free(&tf->raw_types);
    rt_arena_free(&tf->names);
    rt_arena_free(&tf->scratch);
    rt_arena_free(&tf->held_arena);
    rt_arena_free(&tf->raw_arena);
    rt_buf_free(&tf->out_vars);
    rt_buf_free(&tf->out_types);
    rt_buf_free(&tf->pending_kinds);
    rt_buf_free(&tf->pending_types);
    rt_arena_free(&tf->pending_arena);
    rt_arena_free(&tf->out_arena);
    rt_intern_free(&tf->masked);
    rt_free(t->alloc, tf->held, tf->held_cap * sizeof *tf->held);
    rt_free(t->alloc, tf, sizeof *tf);
    t->filt = NULL;
}

/* ---- what the tracer tells the filter ----------------------------------- */

int rt_tracer_filter_note_type(rt_tracer *t, rt_type_id id, const rt_type_record *type)
{
    rt_tracer_filter *tf = t->filt;
    if (grow_zeroed(&tf->types, (size_t)id + 1, sizeof(type_fields)))
        return oom(t);
    type_fields *tfs = (type_fields *)(void *)tf->types.data + id;
    tfs->kind = type->kind;
    rt_str *names = NULL;
    size_t n = type->info_kind == RT_INFO_STRUCT ? type->info.fields.len : 0;
    if (n && !(names = rt_arena_alloc(&tf->names, n * sizeof *names)))
        return oom(t);
    for (size_t i = 0; i < n; i++)
        if (rt_str_copy(&tf->names, type->info.fields.items[i].name, &names[i]))
            return oom(t);
    if (rt_str_copy(&tf->names, type->lang_type, &tfs->lang_type))
        return oom(t);
    tfs->names = names;
    tfs->n = n;
    return RT_OK;
}

int rt_set_function_module(rt_tracer *t, rt_function_id function_id, const char *module)
{
    if (!t)
        return RT_EINVAL;
    if (!module)
        return rt_err_set(&t->err, RT_EINVAL, "set_function_module: NULL module");
    if (function_id >= t->n_functions)
        return rt_err_set(&t->err, RT_ERANGE, "set_function_module: unknown function id %llu",
                          (unsigned long long)function_id);
    rt_tracer_filter *tf = t->filt;
    if (!tf)
        return RT_OK; /* no filter: nothing decides by module */
    if (grow_zeroed(&tf->functions, (size_t)function_id + 1, sizeof(fn_decision)))
        return oom(t);
    fn_decision *d = (fn_decision *)(void *)tf->functions.data + function_id;
    if (d->scope)
        return rt_err_set(&t->err, RT_ESTATE,
                          "set_function_module: function %llu was decided at its first Call",
                          (unsigned long long)function_id);
    size_t n = strlen(module);
    char *copy = rt_arena_alloc(&tf->names, n + 1);
    if (!copy)
        return oom(t);
    memcpy(copy, module, n + 1);
    d->module = copy;
    return RT_OK;
}

/* ---- decisions ----------------------------------------------------------- */

/* A new scope id seen: its value caches. */
static int scope_ready(rt_tracer *t, uint32_t id, rt_filter_action value_default)
{
    rt_tracer_filter *tf = t->filt;
    size_t have = tf->scopes.len / sizeof(scope_cache);
    if (id < have)
        return RT_OK;
    if (grow_zeroed(&tf->scopes, (size_t)id + 1, sizeof(scope_cache)))
        return oom(t);
    scope_cache *sc = (scope_cache *)(void *)tf->scopes.data;
    for (size_t i = have; i <= id; i++) {
        for (int k = 0; k < 3; k++)
            rt_buf_init(&sc[i].vars[k], t->alloc);
        rt_buf_init(&sc[i].types, t->alloc);
    }
    sc[id].kinds = rt_filter_cache_kinds(tf->cache, id);
    sc[id].value_default = value_default;
    return RT_OK;
}

static int decide(rt_tracer *t, rt_str file, rt_str pkg, rt_str obj, uint32_t *scope)
{
    rt_filter_scope s;
    if (rt_filter_cache_scope(t->filt->cache, file, pkg, obj, &s))
        return oom(t);
    int rc = scope_ready(t, s.id, s.value_default);
    if (rc)
        return rc;
    *scope = s.exec == RT_FILTER_SKIP ? RT_FRAME_SKIP : s.id;
    return RT_OK;
}

/* The decision for function fid, made at its first Call: file, module
 * (the recorder's, else from the path) and qualified name. */
static COLD int decide_function(rt_tracer *t, rt_function_id fid, uint32_t *scope)
{
    rt_tracer_filter *tf = t->filt;
    if (fid >= t->function_info.len / sizeof(rt_function_info)) { /* a raw Call of no function */
        rt_str none = {"", 0};
        return decide(t, none, none, none, scope);
    }
    fn_decision *d;
    if (grow_zeroed(&tf->functions, (size_t)fid + 1, sizeof(fn_decision)))
        return oom(t);
    d = (fn_decision *)(void *)tf->functions.data + fid;
    if (d->scope) {
        *scope = d->scope == RT_FRAME_SKIP ? RT_FRAME_SKIP : d->scope - 1;
        return RT_OK;
    }
    const rt_function_info *fi = (const rt_function_info *)(void *)t->function_info.data + fid;
    const rt_str *paths = (const rt_str *)(void *)t->path_list.data;
    const char *path = fi->path_id < t->path_list.len / sizeof(rt_str) ? paths[fi->path_id].ptr : "";
    char file[4096], module[4096];
    size_t fl = rt_filter_file_subject(path, t->workdir, file, sizeof file);
    size_t ml = d->module ? strlen(d->module)
                          : rt_filter_module_from_path(path, t->workdir, module, sizeof module);
    rt_str fs = {file, fl < sizeof file ? fl : sizeof file - 1};
    rt_str ms = {d->module ? d->module : module, d->module || ml < sizeof module ? ml : sizeof module - 1};
    int rc = decide(t, fs, ms, fi->name, scope);
    if (rc)
        return rc;
    d = (fn_decision *)(void *)tf->functions.data + fid;
    d->scope = *scope == RT_FRAME_SKIP ? RT_FRAME_SKIP : *scope + 1;
    if (*scope == RT_FRAME_SKIP)
        tf->stats.scopes_skipped++;
    return RT_OK;
}

static inline int function_scope(rt_tracer *t, rt_function_id fid, uint32_t *scope)
{
    const rt_tracer_filter *tf = t->filt;
    const fn_decision *d;
    if (fid < tf->functions.len / sizeof *d &&
        (d = (const fn_decision *)(const void *)tf->functions.data + fid)->scope) {
        *scope = d->scope == RT_FRAME_SKIP ? RT_FRAME_SKIP : d->scope - 1;
        return RT_OK;
    }
    return decide_function(t, fid, scope);
}

bool rt_function_skipped(rt_tracer *t, rt_function_id function_id)
{
    uint32_t scope;
    return t && t->filt && function_id < t->n_functions &&
           function_scope(t, function_id, &scope) == RT_OK && scope == RT_FRAME_SKIP;
}

/* The scope values are decided in: the innermost frame's, or outside any
 * call that of ("", "", ""). */
static int outside_scope(rt_tracer *t, uint32_t *scope)
{
    rt_tracer_filter *tf = t->filt;
    if (tf->outside == UINT32_MAX) {
        rt_str none = {"", 0};
        uint32_t s;
        int rc = decide(t, none, none, none, &s);
        if (rc)
            return rc;
        tf->outside = s; /* code outside any call is never skipped */
        if (s == RT_FRAME_SKIP) {
            rt_filter_scope fs;
            if (rt_filter_cache_scope(tf->cache, none, none, none, &fs))
                return oom(t);
            tf->outside = fs.id;
        }
    }
    *scope = tf->outside;
    return RT_OK;
}

static inline int current_scope(rt_tracer *t, uint32_t *scope)
{
    if (t->filt->frames.len) {
        *scope = t->filt->scope;
        return RT_OK;
    }
    return outside_scope(t, scope);
}

static rt_str variable_name(const rt_tracer *t, rt_variable_id id)
{
    const rt_str *names = (const rt_str *)(void *)t->variable_names.data;
    if (id < t->variable_names.len / sizeof(rt_str))
        return names[id];
    rt_str none = {"", 0};
    return none;
}

/* The innermost frame's decisions where rt_filter_value looks first. */
static inline void set_hot(rt_tracer_filter *tf)
{
    tf->hot_local = NULL;
    tf->hot_nlocal = 0;
    tf->hot_simple = false;
    if (!tf->frames.len || tf->skipping)
        return;
    const scope_cache *sc = (const scope_cache *)(const void *)tf->scopes.data + tf->scope;
    if (!(sc->kinds >> RT_FILTER_LOCAL & 1))
        return; /* value_default decides: the slow path is short then */
    tf->hot_local = sc->vars[0].data;
    tf->hot_nlocal = sc->vars[0].len;
    tf->hot_simple = !(sc->kinds >> RT_FILTER_ATTR & 1) && sc->value_default == RT_FILTER_ALLOW;
}

/* The action for variable id of kind, decided now and kept. */
static COLD int decide_variable(rt_tracer *t, uint32_t scope, rt_filter_value_kind kind,
                                rt_buf *b, rt_variable_id id, rt_filter_action *out)
{
    *out = rt_filter_cache_value(t->filt->cache, scope, kind, variable_name(t, id));
    if (id < ((uint64_t)1 << 32)) { /* ids past that are not cached */
        if (grow_zeroed(b, (size_t)id + 1, 1))
            return oom(t);
        b->data[id] = (unsigned char)(*out + 1);
        if (kind == RT_FILTER_LOCAL)
            set_hot(t->filt); /* the table may have moved */
    }
    return RT_OK;
}

/* The table of decisions for variables of kind in sc. */
static inline rt_buf *kind_decisions(scope_cache *sc, rt_filter_value_kind kind)
{
    return &sc->vars[kind == RT_FILTER_LOCAL ? 0 : kind == RT_FILTER_ARG ? 1 : 2];
}

/* True and *out when the action for variable id of kind in scope is known
 * without deciding it now. */
static inline bool known_action(const rt_tracer *t, uint32_t scope, rt_filter_value_kind kind,
                                rt_variable_id id, rt_filter_action *out)
{
    scope_cache *sc = (scope_cache *)(void *)t->filt->scopes.data + scope;
    if (!(sc->kinds >> kind & 1)) {
        *out = sc->value_default;
        return true;
    }
    const rt_buf *b = kind_decisions(sc, kind);
    if (id < b->len && b->data[id]) {
        *out = (rt_filter_action)(b->data[id] - 1);
        return true;
    }
    return false;
}

/* The action for variable id of kind (local, arg, global) in scope. */
static inline int variable_action(rt_tracer *t, uint32_t scope, rt_filter_value_kind kind,
                                  rt_variable_id id, rt_filter_action *out)
{
    if (known_action(t, scope, kind, id, out))
        return RT_OK;
    scope_cache *sc = (scope_cache *)(void *)t->filt->scopes.data + scope;
    return decide_variable(t, scope, kind, kind_decisions(sc, kind), id, out);
}

/* ---- redaction ----------------------------------------------------------- */

/* The marker in place of a hidden value keeps its type (a Cell, which has
 * none, gets type 0): no Type event is added, so ids in a trace read back
 * (rt_add_event) keep their meaning. */
static void marker(const char *text, rt_value *v)
{
    rt_type_id type = v->kind == RT_VALUE_CELL ? 0 : v->type_id;
    *v = rt_value_error(text, type);
}

/* Remembers the strings of a value that is hidden, so that the copies of
 * the sources under files/ can mask them (a secret is often a literal). */
static int remember_masked(rt_tracer *t, const rt_value *v, int depth)
{
    rt_tracer_filter *tf = t->filt;
    if (depth > RT_MAX_DEPTH)
        return RT_OK;
    switch (v->kind) {
    case RT_VALUE_STRING: {
        rt_str s = v->u.text;
        if (s.len < MASK_MIN_LEN || tf->masked_bytes + s.len > MASK_MAX_BYTES)
            return RT_OK;
        uint64_t hash = rt_hash_bytes(s.ptr, s.len), id;
        if (rt_intern_find(&tf->masked, s.ptr, s.len, hash, &id))
            return RT_OK;
        const char *key;
        if (rt_intern_prepare(&tf->masked, s.ptr, s.len, &key))
            return oom(t);
        rt_intern_commit(&tf->masked, key, s.len, hash, tf->masked.count);
        tf->masked_bytes += s.len;
        return RT_OK;
    }
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        for (size_t i = 0; i < v->u.list.len; i++) {
            int rc = remember_masked(t, &v->u.list.items[i], depth + 1);
            if (rc)
                return rc;
        }
        return RT_OK;
    case RT_VALUE_VARIANT:
        return v->u.variant.contents ? remember_masked(t, v->u.variant.contents, depth + 1) : RT_OK;
    case RT_VALUE_REFERENCE:
        return v->u.reference.dereferenced
                   ? remember_masked(t, v->u.reference.dereferenced, depth + 1)
                   : RT_OK;
    default:
        return RT_OK;
    }
}

/* A string value the filter hid before (a secret seen again, under a name
 * no pattern hides: the local a secret's getter returned into). */
static inline bool seen_hidden(const rt_tracer *t, const rt_value *v)
{
    const rt_intern *m = &t->filt->masked;
    uint64_t id;
    return m->count && v->kind == RT_VALUE_STRING && v->u.text.len >= MASK_MIN_LEN &&
           rt_intern_find(m, v->u.text.ptr, v->u.text.len,
                          rt_hash_bytes(v->u.text.ptr, v->u.text.len), &id);
}

/* *v redacted (or, for a return value, dropped): the marker, counted. */
static int hide(rt_tracer *t, rt_filter_value_kind kind, rt_filter_action action, rt_value *v)
{
    int rc = remember_masked(t, v, 0);
    if (rc)
        return rc;
    if (action == RT_FILTER_DROP)
        t->filt->stats.drops[kind]++;
    else
        t->filt->stats.redactions[kind]++;
    marker(action == RT_FILTER_DROP ? DROPPED : REDACTED, v);
    return RT_OK;
}

/* The attr decisions for the fields of struct type id in scope. */
static int type_attrs(rt_tracer *t, uint32_t scope, rt_type_id id, const attr_info **out)
{
    rt_tracer_filter *tf = t->filt;
    scope_cache *sc = (scope_cache *)(void *)tf->scopes.data + scope;
    const type_fields *tfs = id < tf->types.len / sizeof(type_fields)
                                 ? (const type_fields *)(void *)tf->types.data + id
                                 : NULL;
    if (!tfs || !tfs->names || id >= ((uint64_t)1 << 32)) {
        *out = NULL; /* no field names: nothing for attr to select */
        return RT_OK;
    }
    uint32_t *slot;
    if (id < sc->types.len / sizeof *slot &&
        *(slot = (uint32_t *)(void *)sc->types.data + id)) { /* decided before */
        *out = (const attr_info *)(void *)tf->attrs.data + (*slot - 1);
        return RT_OK;
    }
    if (grow_zeroed(&sc->types, (size_t)id + 1, sizeof(uint32_t)))
        return oom(t);
    slot = (uint32_t *)(void *)sc->types.data + id;
    if (!*slot) {
        size_t at = tf->attr_actions.len;
        if (rt_buf_reserve(&tf->attr_actions, tfs->n) || rt_buf_reserve(&tf->attrs, sizeof(attr_info)))
            return oom(t);
        attr_info ai = {true, at, tfs->n, false, 0, false};
        for (size_t i = 0; i < tfs->n; i++) {
            rt_filter_action a = rt_filter_cache_value(tf->cache, scope, RT_FILTER_ATTR, tfs->names[i]);
            tf->attr_actions.data[at + i] = (unsigned char)a;
            ai.clean &= a == RT_FILTER_ALLOW;
            ai.drops |= a == RT_FILTER_DROP;
        }
        tf->attr_actions.len += tfs->n;
        rt_buf_append(&tf->attrs, &ai, sizeof ai);
        slot = (uint32_t *)(void *)sc->types.data + id;
        *slot = (uint32_t)(tf->attrs.len / sizeof(attr_info));
    }
    *out = (const attr_info *)(void *)tf->attrs.data + (*slot - 1);
    return RT_OK;
}

/* The struct type without its dropped fields, registered once. */
static int derived_type(rt_tracer *t, uint32_t scope, rt_type_id id, rt_type_id *out)
{
    const attr_info *ai;
    int rc = type_attrs(t, scope, id, &ai);
    if (rc)
        return rc;
    if (!ai) { /* no field names: nothing dropped */
        *out = id;
        return RT_OK;
    }
    if (ai->have_derived) {
        *out = ai->derived;
        return RT_OK;
    }
    rt_tracer_filter *tf = t->filt;
    const type_fields *tfs = (const type_fields *)(void *)tf->types.data + id;
    rt_field_type *fields = scratch_alloc(tf, (tfs->n ? tfs->n : 1) * sizeof *fields);
    if (!fields)
        return oom(t);
    size_t n = 0;
    for (size_t i = 0; i < tfs->n; i++)
        if (tf->attr_actions.data[ai->actions + i] != RT_FILTER_DROP) {
            fields[n].name = tfs->names[i];
            fields[n++].type_id = 0;
        }
    rt_type_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = tfs->kind;
    rec.lang_type = tfs->lang_type;
    rec.info_kind = RT_INFO_STRUCT;
    rec.info.fields.items = fields;
    rec.info.fields.len = n;
    rt_type_id d;
    if ((rc = rt_register_raw_type(t, &rec, &d)))
        return rc;
    if ((rc = type_attrs(t, scope, id, &ai)))
        return rc;
    attr_info *w = (attr_info *)(void *)tf->attrs.data + (ai - (const attr_info *)(void *)tf->attrs.data);
    w->derived = d;
    w->have_derived = true;
    tf->added_types++;
    *out = d;
    return RT_OK;
}

/* v with its struct fields filtered by attr in scope; *changed says whether
 * *out differs (then it lives in the scratch arena). */
static int filter_attrs(rt_tracer *t, uint32_t scope, const rt_value *v, rt_value *out,
                        bool *changed, int depth)
{
    *out = *v;
    *changed = false;
    if (depth > RT_MAX_DEPTH)
        return RT_OK;
    rt_tracer_filter *tf = t->filt;
    int rc;
    switch (v->kind) {
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT: {
        const attr_info *ai = NULL;
        if (v->kind == RT_VALUE_STRUCT && (rc = type_attrs(t, scope, v->type_id, &ai)))
            return rc;
        rt_value *items = NULL;
        size_t n = 0;
        bool masked = tf->masked.count != 0;
        const unsigned char *acts =
            ai && !ai->clean && ai->n ? tf->attr_actions.data + ai->actions : NULL;
        size_t nacts = acts ? ai->n : 0;
        for (size_t i = 0; i < v->u.list.len; i++) {
            const rt_value *item = &v->u.list.items[i];
            rt_filter_action a = i < nacts ? (rt_filter_action)acts[i] : RT_FILTER_ALLOW;
            bool compound = item->kind >= RT_VALUE_SEQUENCE && item->kind <= RT_VALUE_REFERENCE;
            /* the common case, an allowed scalar: nothing to do, not even a call */
            if (a == RT_FILTER_ALLOW && !compound && !(masked && item->kind == RT_VALUE_STRING)) {
                if (items)
                    items[n++] = *item;
                continue;
            }
            rt_value child;
            bool c = false;
            if (a == RT_FILTER_ALLOW && seen_hidden(t, item))
                a = RT_FILTER_REDACT;
            if (a == RT_FILTER_ALLOW) {
                if ((rc = filter_attrs(t, scope, &v->u.list.items[i], &child, &c, depth + 1)))
                    return rc;
            } else {
                child = v->u.list.items[i];
                c = true;
                if (a == RT_FILTER_DROP) {
                    tf->stats.drops[RT_FILTER_ATTR]++;
                    if ((rc = remember_masked(t, &child, 0)))
                        return rc;
                } else if ((rc = hide(t, RT_FILTER_ATTR, a, &child))) {
                    return rc;
                }
            }
            if (c && !items) { /* the first change: copy what came before */
                items = scratch_alloc(tf, v->u.list.len * sizeof *items);
                if (!items)
                    return oom(t);
                memcpy(items, v->u.list.items, i * sizeof *items);
                n = i;
            }
            if (items && a != RT_FILTER_DROP)
                items[n++] = child;
        }
        if (items) {
            out->u.list.items = items;
            out->u.list.len = n;
            *changed = true;
            if (ai && ai->drops && (rc = derived_type(t, scope, v->type_id, &out->type_id)))
                return rc;
        }
        return RT_OK;
    }
    case RT_VALUE_VARIANT:
    case RT_VALUE_REFERENCE: {
        const rt_value *inner = v->kind == RT_VALUE_VARIANT ? v->u.variant.contents
                                                            : v->u.reference.dereferenced;
        if (!inner)
            return RT_OK;
        rt_value child;
        bool c;
        if ((rc = filter_attrs(t, scope, inner, &child, &c, depth + 1)) || !c)
            return rc;
        rt_value *copy = scratch_alloc(tf, sizeof *copy);
        if (!copy)
            return oom(t);
        *copy = child;
        if (v->kind == RT_VALUE_VARIANT)
            out->u.variant.contents = copy;
        else
            out->u.reference.dereferenced = copy;
        *changed = true;
        return RT_OK;
    }
    default:
        return RT_OK;
    }
}

/* Compound values are walked for struct fields only when the scope has an
 * attr pattern or hides what no pattern allows, or a secret was seen. */
static inline bool attrs_matter(const rt_tracer *t, uint32_t scope, const rt_value *v)
{
    if (v->kind < RT_VALUE_SEQUENCE || v->kind > RT_VALUE_REFERENCE)
        return false;
    const scope_cache *sc = (const scope_cache *)(const void *)t->filt->scopes.data + scope;
    return (sc->kinds >> RT_FILTER_ATTR & 1) || sc->value_default != RT_FILTER_ALLOW ||
           t->filt->masked.count;
}

/* What filter_value did to a value. */
enum { FV_KEPT, FV_CHANGED, FV_DROPPED };

/* The cases that change the value (a is its action). */
static COLD int filter_value_slow(rt_tracer *t, uint32_t scope, rt_filter_value_kind kind,
                                  rt_filter_action a, rt_value *v)
{
    int rc;
    if (a == RT_FILTER_ALLOW && seen_hidden(t, v))
        a = RT_FILTER_REDACT;
    if (a == RT_FILTER_ALLOW) {
        if (!attrs_matter(t, scope, v))
            return FV_KEPT;
        bool changed;
        rt_value out;
        if ((rc = filter_attrs(t, scope, v, &out, &changed, 0)))
            return rc;
        *v = out;
        return changed ? FV_CHANGED : FV_KEPT;
    }
    if (a == RT_FILTER_DROP && kind != RT_FILTER_RET) {
        t->filt->stats.drops[kind]++;
        rc = remember_masked(t, v, 0);
        return rc ? rc : FV_DROPPED;
    }
    rc = hide(t, kind, a, v);
    return rc ? rc : FV_CHANGED;
}

/* A value of kind (local, arg, global) named by variable id in scope: *v
 * replaced when redacted. Returns FV_* or an error. */
static inline int filter_value(rt_tracer *t, uint32_t scope, rt_filter_value_kind kind,
                               rt_variable_id id, rt_value *v)
{
    rt_filter_action a;
    int rc = variable_action(t, scope, kind, id, &a);
    if (rc)
        return rc;
    if (a == RT_FILTER_ALLOW && !t->filt->masked.count && !attrs_matter(t, scope, v))
        return FV_KEPT; /* the common case */
    return filter_value_slow(t, scope, kind, a, v);
}

/* The action for the return value of function fid in scope (ret: by its
 * name), cached beside the function. */
static rt_filter_action return_action(rt_tracer *t, uint32_t scope, rt_function_id fid, bool known)
{
    rt_tracer_filter *tf = t->filt;
    const scope_cache *sc = (const scope_cache *)(const void *)tf->scopes.data + scope;
    if (!(sc->kinds >> RT_FILTER_RET & 1))
        return sc->value_default;
    fn_decision *d = known && fid < tf->functions.len / sizeof(fn_decision)
                         ? (fn_decision *)(void *)tf->functions.data + fid
                         : NULL;
    if (d && d->ret)
        return (rt_filter_action)(d->ret - 1);
    rt_str none = {"", 0};
    const rt_function_info *fi = (const rt_function_info *)(const void *)t->function_info.data;
    rt_str name = known && fid < t->function_info.len / sizeof *fi ? fi[fid].name : none;
    rt_filter_action a = rt_filter_cache_value(tf->cache, scope, RT_FILTER_RET, name);
    if (d)
        d->ret = (uint8_t)(a + 1);
    return a;
}

/* ---- events -------------------------------------------------------------- */

static inline void push_frame(rt_tracer *t, uint32_t scope, rt_function_id fid, int *rc)
{
    rt_tracer_filter *tf = t->filt;
    rt_filter_frame f = {scope, fid};
    if (rt_buf_reserve(&tf->frames, sizeof f)) {
        *rc = oom(t);
        return;
    }
    memcpy(tf->frames.data + tf->frames.len, &f, sizeof f);
    tf->frames.len += sizeof f;
    tf->skipping = scope == RT_FRAME_SKIP;
    tf->scope = scope;
    set_hot(tf);
}

/* The Value events written before a Call give the callee's parameters
 * their values: a repeat there, decided as a local of the callee's scope,
 * may copy one when the filter lets that value through as such a local
 * unchanged (else, or for a name given twice, the last one decides). Only
 * a decision made already counts (the callee's first step makes it), so
 * that nothing is decided, or fails, here. */
static void note_args_as_locals(rt_tracer *t, uint32_t scope, const rt_full_value *args,
                                size_t n)
{
    rt_tracer_filter *tf = t->filt;
    for (size_t i = 0; i < n; i++) {
        rt_filter_action a;
        if (!tf->masked.count &&
            known_action(t, scope, RT_FILTER_LOCAL, args[i].variable_id, &a) &&
            a == RT_FILTER_ALLOW && !attrs_matter(t, scope, &args[i].value)) {
            tf->note_ok = true;
            tf->note_kind = RT_FILTER_LOCAL;
            rt_tracer_note_value(t, args[i].variable_id);
            tf->note_ok = false;
        } else {
            rt_tracer_forget_value(t, args[i].variable_id);
        }
    }
}

int rt_filter_call(rt_tracer *t, rt_function_id fid, const rt_full_value *args, size_t nargs,
                   bool step)
{
    rt_tracer_filter *tf = t->filt;
    /* an argument's Value is no repeat's, but see note_args_as_locals */
    for (size_t i = 0; i < nargs; i++)
        rt_tracer_forget_value(t, args[i].variable_id);
    uint32_t scope;
    int rc = function_scope(t, fid, &scope);
    if (rc)
        return rc;
    scratch_reset(tf);
    if (scope == RT_FRAME_SKIP) {
        push_frame(t, scope, fid, &rc);
        return rc;
    }
    const rt_full_value *kept = args; /* copied when an argument changes */
    rt_full_value *copy = NULL;
    size_t n = 0;
    for (size_t i = 0; i < nargs; i++) {
        rt_full_value a = args[i];
        int fv = filter_value(t, scope, RT_FILTER_ARG, a.variable_id, &a.value);
        if (fv < 0)
            return fv;
        bool keep = fv != FV_DROPPED;
        if (fv != FV_KEPT && !copy) {
            if (!(copy = scratch_alloc(tf, nargs * sizeof *copy)))
                return oom(t);
            memcpy(copy, args, i * sizeof *copy);
            kept = copy;
        }
        if (copy && keep)
            copy[n] = a;
        n += keep;
    }
    rt_event e;
    for (size_t i = 0; step && i < n; i++) {
        e.kind = RT_EVENT_VALUE;
        e.u.value = kept[i];
        if ((rc = rt_tracer_emit(t, &e, false)))
            return rc;
    }
    if (step) {
        const rt_function_info *fi = (const rt_function_info *)(void *)t->function_info.data + fid;
        e.kind = RT_EVENT_STEP;
        e.u.step.path_id = fi->path_id;
        e.u.step.line = fi->line;
        if ((rc = rt_tracer_emit(t, &e, true)))
            return rc;
    }
    e.kind = RT_EVENT_CALL;
    e.u.call.function_id = fid;
    e.u.call.args = kept;
    e.u.call.len = n;
    if ((rc = rt_tracer_emit(t, &e, false)))
        return rc;
    push_frame(t, scope, fid, &rc);
    if (!rc && step && !copy && t->repeats_in_use)
        note_args_as_locals(t, scope, kept, n);
    return rc;
}

int rt_filter_return(rt_tracer *t, const rt_value *value)
{
    rt_tracer_filter *tf = t->filt;
    rt_filter_frame f = {0, 0};
    bool had = tf->frames.len > 0;
    if (had) {
        tf->frames.len -= sizeof f;
        memcpy(&f, tf->frames.data + tf->frames.len, sizeof f);
        const rt_filter_frame *top =
            tf->frames.len ? (const rt_filter_frame *)(void *)(tf->frames.data + tf->frames.len) - 1 : NULL;
        tf->skipping = top && top->scope == RT_FRAME_SKIP;
        tf->scope = top ? top->scope : 0;
        set_hot(tf);
    }
    if (had && f.scope == RT_FRAME_SKIP)
        return RT_OK;
    uint32_t scope = f.scope;
    int rc;
    if (!had && (rc = current_scope(t, &scope)))
        return rc;
    scratch_reset(tf);
    rt_event e;
    e.kind = RT_EVENT_RETURN;
    e.u.return_value = *value;
    rt_filter_action a = return_action(t, scope, f.fid, had);
    if (a != RT_FILTER_ALLOW || tf->masked.count || attrs_matter(t, scope, value)) {
        int fv = filter_value_slow(t, scope, RT_FILTER_RET, a, &e.u.return_value);
        if (fv < 0)
            return fv;
    }
    return rt_tracer_emit(t, &e, false);
}

uint64_t rt_filter_stamp(const rt_tracer *t, rt_filter_value_kind kind)
{
    const rt_tracer_filter *tf = t->filt;
    uint32_t scope = tf->frames.len ? tf->scope : tf->outside;
    if (tf->skipping || tf->deferring || scope >= (1u << 28))
        return RT_STAMP_NONE;
    return (uint64_t)tf->masked.count << 32 | (uint64_t)scope << 3 | (uint64_t)kind;
}

/* A Value let through as given: its stamp (for repeats) says as what. */
static inline int emit_kept(rt_tracer *t, rt_event *e, rt_filter_value_kind kind)
{
    t->filt->note_ok = true;
    t->filt->note_kind = kind;
    int rc = rt_tracer_emit(t, e, false);
    t->filt->note_ok = false;
    return rc;
}

int rt_filter_value(rt_tracer *t, rt_event *e, rt_filter_value_kind kind)
{
    rt_tracer_filter *tf = t->filt;
    rt_variable_id id = e->u.value.variable_id;
    if (tf->skipping) {
        rt_tracer_forget_value(t, id); /* its last Value written is an older one */
        return RT_OK;
    }
    /* The common case: a local allowed before, a scalar or a scope without
     * attr rules, no secret seen yet. */
    rt_value_kind vk = e->u.value.value.kind;
    if (kind == RT_FILTER_LOCAL && id < tf->hot_nlocal && tf->hot_local[id] == RT_FILTER_ALLOW + 1 &&
        !tf->masked.count && (tf->hot_simple || vk < RT_VALUE_SEQUENCE || vk > RT_VALUE_REFERENCE))
        return emit_kept(t, e, kind);
    uint32_t scope;
    int rc = current_scope(t, &scope);
    if (rc)
        return rc;
    scratch_reset(tf);
    int fv = filter_value(t, scope, kind, id, &e->u.value.value);
    if (fv < 0)
        return fv;
    if (fv == FV_DROPPED) {
        rt_tracer_forget_value(t, id);
        return RT_OK;
    }
    return fv == FV_KEPT ? emit_kept(t, e, kind) : rt_tracer_emit(t, e, false);
}

int rt_filter_other(rt_tracer *t, rt_event *e, bool shallow)
{
    rt_tracer_filter *tf = t->filt;
    switch (e->kind) {
    case RT_EVENT_EVENT: /* the program's output stays, skipped or not */
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH:
        return rt_tracer_emit(t, e, shallow);
    default:
        break;
    }
    if (tf->skipping)
        return RT_OK;
    if (e->kind == RT_EVENT_COMPOUND_VALUE || e->kind == RT_EVENT_CELL_VALUE ||
        e->kind == RT_EVENT_ASSIGN_CELL) {
        uint32_t scope;
        int rc = current_scope(t, &scope);
        if (rc)
            return rc;
        if (attrs_matter(t, scope, &e->u.place_value.value)) {
            scratch_reset(tf);
            bool changed;
            rt_value out;
            if ((rc = filter_attrs(t, scope, &e->u.place_value.value, &out, &changed, 0)))
                return rc;
            e->u.place_value.value = out;
            shallow = shallow && !changed;
        }
    }
    return rt_tracer_emit(t, e, shallow);
}

/* ---- raw events (rt_add_event) ------------------------------------------- */

int rt_filter_note_raw_type(rt_tracer *t, rt_type_id id)
{
    return rt_buf_append(&t->filt->raw_types, &id, sizeof id) ? oom(t) : RT_OK;
}

/* The tracer's id of the type a trace read back calls id. */
static rt_type_id map_type(const rt_tracer_filter *tf, rt_type_id id)
{
    const rt_type_id *m = (const rt_type_id *)(const void *)tf->raw_types.data;
    size_t n = tf->raw_types.len / sizeof *m;
    return id < n ? m[id] : id + tf->added_types; /* not defined yet: as far along */
}

static int remap_value(rt_tracer_filter *tf, rt_arena *a, const rt_value *v, rt_value *out,
                       int depth)
{
    *out = *v;
    if (v->kind != RT_VALUE_CELL)
        out->type_id = map_type(tf, v->type_id);
    if (depth > RT_MAX_DEPTH)
        return RT_OK;
    const rt_value *inner = NULL;
    switch (v->kind) {
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT: {
        if (!v->u.list.len)
            return RT_OK;
        rt_value *items = rt_arena_alloc(a, v->u.list.len * sizeof *items);
        if (!items)
            return RT_ENOMEM;
        for (size_t i = 0; i < v->u.list.len; i++)
            if (remap_value(tf, a, &v->u.list.items[i], &items[i], depth + 1))
                return RT_ENOMEM;
        out->u.list.items = items;
        return RT_OK;
    }
    case RT_VALUE_VARIANT:
        inner = v->u.variant.contents;
        break;
    case RT_VALUE_REFERENCE:
        inner = v->u.reference.dereferenced;
        break;
    default:
        return RT_OK;
    }
    if (!inner)
        return RT_OK;
    rt_value *copy = rt_arena_alloc(a, sizeof *copy);
    if (!copy || remap_value(tf, a, inner, copy, depth + 1))
        return RT_ENOMEM;
    if (v->kind == RT_VALUE_VARIANT)
        out->u.variant.contents = copy;
    else
        out->u.reference.dereferenced = copy;
    return RT_OK;
}

int rt_filter_remap(rt_tracer *t, const rt_event *in, rt_event *out, rt_arena *a)
{
    rt_tracer_filter *tf = t->filt;
    *out = *in;
    if (!tf->added_types)
        return RT_OK;
    int rc = RT_OK;
    switch (in->kind) {
    case RT_EVENT_TYPE:
        if (in->u.type.info_kind == RT_INFO_POINTER) {
            out->u.type.info.dereference_type_id = map_type(tf, in->u.type.info.dereference_type_id);
        } else if (in->u.type.info_kind == RT_INFO_STRUCT && in->u.type.info.fields.len) {
            size_t n = in->u.type.info.fields.len;
            rt_field_type *f = rt_arena_alloc(a, n * sizeof *f);
            if (!f)
                return oom(t);
            for (size_t i = 0; i < n; i++) {
                f[i] = in->u.type.info.fields.items[i];
                f[i].type_id = map_type(tf, f[i].type_id);
            }
            out->u.type.info.fields.items = f;
        }
        return RT_OK;
    case RT_EVENT_VALUE:
        rc = remap_value(tf, a, &in->u.value.value, &out->u.value.value, 0);
        break;
    case RT_EVENT_RETURN:
        rc = remap_value(tf, a, &in->u.return_value, &out->u.return_value, 0);
        break;
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        rc = remap_value(tf, a, &in->u.place_value.value, &out->u.place_value.value, 0);
        break;
    case RT_EVENT_CALL: {
        size_t n = in->u.call.len;
        rt_full_value *args = n ? rt_arena_alloc(a, n * sizeof *args) : NULL;
        if (n && !args)
            return oom(t);
        for (size_t i = 0; i < n && !rc; i++) {
            args[i].variable_id = in->u.call.args[i].variable_id;
            rc = remap_value(tf, a, &in->u.call.args[i].value, &args[i].value, 0);
        }
        out->u.call.args = args;
        break;
    }
    default:
        break;
    }
    return rc ? oom(t) : RT_OK;
}

/* Records a raw event that is not part of a Call's group. */
static int record_raw(rt_tracer *t, const rt_event *raw)
{
    rt_event e = *raw;
    switch (e.kind) {
    case RT_EVENT_VALUE:
        return rt_filter_value(t, &e, RT_FILTER_LOCAL);
    case RT_EVENT_STEP:
        return t->filt->skipping ? RT_OK : rt_tracer_emit(t, &e, false);
    case RT_EVENT_CALL:
        return rt_filter_call(t, e.u.call.function_id, e.u.call.args, e.u.call.len, false);
    case RT_EVENT_RETURN:
        return rt_filter_return(t, &e.u.return_value);
    default:
        return rt_filter_other(t, &e, false);
    }
}

static int release_held_from(rt_tracer *t, size_t from, size_t to)
{
    rt_tracer_filter *tf = t->filt;
    int rc = RT_OK;
    for (size_t i = from; i < to && !rc; i++)
        rc = record_raw(t, &tf->held[i]);
    return rc;
}

int rt_filter_release_held(rt_tracer *t)
{
    rt_tracer_filter *tf = t->filt;
    if (!tf || !tf->nheld)
        return RT_OK;
    size_t n = tf->nheld;
    tf->nheld = 0; /* before: recording may come back here */
    int rc = release_held_from(t, 0, n);
    rt_arena_reset(&tf->held_arena);
    return rc;
}

/* Holds a Value or a Step that may be part of the group of a Call to come
 * (one Value per argument, then a Step): what can no longer be is
 * recorded at once, so each event is held, and copied, once. */
static int hold(rt_tracer *t, const rt_event *e)
{
    rt_tracer_filter *tf = t->filt;
    bool step_last = tf->nheld && tf->held[tf->nheld - 1].kind == RT_EVENT_STEP;
    int rc = RT_OK;
    if (step_last) /* a group ends with its Step */
        rc = rt_filter_release_held(t);
    else if (tf->nheld == HELD_MAX) { /* more Values than a call has arguments */
        size_t n = HELD_MAX / 2;
        rc = release_held_from(t, 0, n);
        memmove(tf->held, tf->held + n, (tf->nheld - n) * sizeof *tf->held);
        tf->nheld -= n;
    }
    if (rc)
        return rc;
    if (tf->nheld == tf->held_cap) {
        size_t cap = tf->held_cap ? tf->held_cap * 2 : 16;
        rt_event *h = rt_realloc(t->alloc, tf->held, tf->held_cap * sizeof *h, cap * sizeof *h);
        if (!h)
            return oom(t);
        tf->held = h;
        tf->held_cap = cap;
    }
    if (rt_event_copy(&tf->held_arena, e, &tf->held[tf->nheld]))
        return oom(t);
    tf->nheld++;
    return RT_OK;
}

/* True when held[at..] is rt_register_call's group for call: one Value per
 * argument, the same, then a Step at the function's definition. */
static bool is_group(const rt_tracer *t, const rt_event *held, size_t nheld, const rt_event *call,
                     size_t *at)
{
    rt_function_id fid = call->u.call.function_id;
    size_t n = call->u.call.len;
    if (fid == 0 || fid >= t->function_info.len / sizeof(rt_function_info) || nheld < n + 1)
        return false;
    const rt_function_info *fi = (const rt_function_info *)(const void *)t->function_info.data + fid;
    const rt_event *step = &held[nheld - 1];
    if (step->kind != RT_EVENT_STEP || step->u.step.path_id != fi->path_id ||
        step->u.step.line != fi->line)
        return false;
    size_t first = nheld - 1 - n;
    for (size_t i = 0; i < n; i++) {
        const rt_event *v = &held[first + i];
        if (v->kind != RT_EVENT_VALUE ||
            v->u.value.variable_id != call->u.call.args[i].variable_id ||
            !rt_value_equal(&v->u.value.value, &call->u.call.args[i].value))
            return false;
    }
    *at = first;
    return true;
}

int rt_filter_add_event(rt_tracer *t, const rt_event *e)
{
    rt_tracer_filter *tf = t->filt;
    if (e->kind == RT_EVENT_VALUE || e->kind == RT_EVENT_STEP)
        return hold(t, e);
    int rc;
    if (e->kind == RT_EVENT_CALL) {
        size_t at;
        if (is_group(t, tf->held, tf->nheld, e, &at)) {
            size_t n = tf->nheld;
            tf->nheld = 0;
            if ((rc = release_held_from(t, 0, at)))
                return rc;
            rc = rt_filter_call(t, e->u.call.function_id, e->u.call.args, e->u.call.len, true);
            rt_arena_reset(&tf->held_arena);
            (void)n;
            return rc;
        }
    }
    if ((rc = rt_filter_release_held(t)))
        return rc;
    return record_raw(t, e);
}

/* ---- what the trace says of its filter ----------------------------------- */

const rt_intern *rt_filter_masked(const rt_tracer *t)
{
    return t->filt && t->filt->masked.count ? &t->filt->masked : NULL;
}

/* ---- deferred definitions ------------------------------------------------ */

static int out_type(rt_tracer *t, rt_type_id id, rt_type_id *out, int depth);

/* The file's id of variable id, its definition written first when it was
 * deferred. */
static int out_var(rt_tracer *t, rt_variable_id id, rt_variable_id *out)
{
    rt_tracer_filter *tf = t->filt;
    if (id < tf->var_base || id >= t->n_variables) {
        *out = id < tf->var_base ? id : id - t->n_variables + tf->next_var;
        return RT_OK;
    }
    uint64_t *m = (uint64_t *)(void *)tf->out_vars.data + (id - tf->var_base);
    if (!*m) {
        rt_event e;
        e.kind = (rt_event_kind)tf->pending_kinds.data[id - tf->var_base];
        e.u.name = ((const rt_str *)(const void *)t->variable_names.data)[id];
        int rc = rt_tracer_emit_now(t, &e, true);
        if (rc)
            return rc;
        m = (uint64_t *)(void *)tf->out_vars.data + (id - tf->var_base);
        *m = ++tf->next_var;
    }
    *out = *m - 1;
    return RT_OK;
}

static int out_record(rt_tracer *t, const rt_type_record *in, rt_type_record *out, int depth)
{
    *out = *in;
    int rc = RT_OK;
    if (in->info_kind == RT_INFO_POINTER) {
        rc = out_type(t, in->info.dereference_type_id, &out->info.dereference_type_id, depth + 1);
    } else if (in->info_kind == RT_INFO_STRUCT && in->info.fields.len) {
        size_t n = in->info.fields.len;
        rt_field_type *f = rt_arena_alloc(&t->filt->out_arena, n * sizeof *f);
        if (!f)
            return oom(t);
        for (size_t i = 0; i < n && !rc; i++) {
            f[i] = in->info.fields.items[i];
            rc = out_type(t, f[i].type_id, &f[i].type_id, depth + 1);
        }
        out->info.fields.items = f;
    }
    return rc;
}

static int out_type(rt_tracer *t, rt_type_id id, rt_type_id *out, int depth)
{
    rt_tracer_filter *tf = t->filt;
    if (id < tf->type_base || id >= t->n_types || depth > RT_MAX_DEPTH) {
        *out = id < tf->type_base ? id : id - t->n_types + tf->next_type;
        return RT_OK;
    }
    uint64_t *m = (uint64_t *)(void *)tf->out_types.data + (id - tf->type_base);
    if (!*m) {
        *m = UINT64_MAX; /* being written: a type that names itself */
        rt_event e;
        e.kind = RT_EVENT_TYPE;
        const rt_type_record *rec = (const rt_type_record *)(const void *)tf->pending_types.data +
                                    (id - tf->type_base);
        int rc = out_record(t, rec, &e.u.type, depth);
        if (!rc)
            rc = rt_tracer_emit_now(t, &e, false);
        if (rc)
            return rc;
        m = (uint64_t *)(void *)tf->out_types.data + (id - tf->type_base);
        *m = ++tf->next_type;
    }
    *out = *m == UINT64_MAX ? tf->next_type : *m - 1;
    return RT_OK;
}

static int out_value(rt_tracer *t, const rt_value *v, rt_value *out, int depth)
{
    *out = *v;
    int rc = v->kind == RT_VALUE_CELL ? RT_OK : out_type(t, v->type_id, &out->type_id, 0);
    if (rc || depth > RT_MAX_DEPTH)
        return rc;
    rt_arena *a = &t->filt->out_arena;
    const rt_value *inner = NULL;
    switch (v->kind) {
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT: {
        if (!v->u.list.len)
            return RT_OK;
        rt_value *items = rt_arena_alloc(a, v->u.list.len * sizeof *items);
        if (!items)
            return oom(t);
        for (size_t i = 0; i < v->u.list.len && !rc; i++)
            rc = out_value(t, &v->u.list.items[i], &items[i], depth + 1);
        out->u.list.items = items;
        return rc;
    }
    case RT_VALUE_VARIANT:
        inner = v->u.variant.contents;
        break;
    case RT_VALUE_REFERENCE:
        inner = v->u.reference.dereferenced;
        break;
    default:
        return RT_OK;
    }
    if (!inner)
        return RT_OK;
    rt_value *copy = rt_arena_alloc(a, sizeof *copy);
    if (!copy)
        return oom(t);
    if ((rc = out_value(t, inner, copy, depth + 1)))
        return rc;
    if (v->kind == RT_VALUE_VARIANT)
        out->u.variant.contents = copy;
    else
        out->u.reference.dereferenced = copy;
    return RT_OK;
}

static int out_ids(rt_tracer *t, const rt_variable_id *in, size_t n, const rt_variable_id **out)
{
    rt_variable_id *ids = n ? rt_arena_alloc(&t->filt->out_arena, n * sizeof *ids) : NULL;
    if (n && !ids)
        return oom(t);
    int rc = RT_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = out_var(t, in[i], &ids[i]);
    *out = ids;
    return rc;
}

/* e with the file's ids; the deferred definitions it refers to first. */
static int renumber(rt_tracer *t, const rt_event *in, rt_event *e)
{
    *e = *in;
    int rc = RT_OK;
    switch (in->kind) {
    case RT_EVENT_TYPE:
        return out_record(t, &in->u.type, &e->u.type, 0);
    case RT_EVENT_VALUE:
        rc = out_var(t, in->u.value.variable_id, &e->u.value.variable_id);
        return rc ? rc : out_value(t, &in->u.value.value, &e->u.value.value, 0);
    case RT_EVENT_CALL: {
        size_t n = in->u.call.len;
        rt_full_value *args = n ? rt_arena_alloc(&t->filt->out_arena, n * sizeof *args) : NULL;
        if (n && !args)
            return oom(t);
        for (size_t i = 0; i < n && !rc; i++) {
            rc = out_var(t, in->u.call.args[i].variable_id, &args[i].variable_id);
            rc = rc ? rc : out_value(t, &in->u.call.args[i].value, &args[i].value, 0);
        }
        e->u.call.args = args;
        return rc;
    }
    case RT_EVENT_RETURN:
        return out_value(t, &in->u.return_value, &e->u.return_value, 0);
    case RT_EVENT_COMPOUND_VALUE:
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        return out_value(t, &in->u.place_value.value, &e->u.place_value.value, 0);
    case RT_EVENT_BIND_VARIABLE:
    case RT_EVENT_VARIABLE_CELL:
        return out_var(t, in->u.bind.variable_id, &e->u.bind.variable_id);
    case RT_EVENT_DROP_VARIABLE:
        return out_var(t, in->u.drop_variable, &e->u.drop_variable);
    case RT_EVENT_DROP_VARIABLES:
        return out_ids(t, in->u.drop_variables.ids, in->u.drop_variables.len,
                       &e->u.drop_variables.ids);
    case RT_EVENT_ASSIGNMENT:
        rc = out_var(t, in->u.assignment.to, &e->u.assignment.to);
        if (!rc && in->u.assignment.from.kind != RT_RVALUE_COMPOUND &&
            in->u.assignment.from.kind != RT_RVALUE_LITERAL &&
            in->u.assignment.from.kind != RT_RVALUE_FUNCTION_RETURN)
            rc = out_var(t, in->u.assignment.from.simple, &e->u.assignment.from.simple);
        if (!rc && in->u.assignment.from.kind == RT_RVALUE_COMPOUND)
            rc = out_ids(t, in->u.assignment.from.ids, in->u.assignment.from.len,
                         &e->u.assignment.from.ids);
        return rc;
    default:
        return RT_OK;
    }
}

int rt_filter_emit(rt_tracer *t, const rt_event *e, bool shallow)
{
    rt_tracer_filter *tf = t->filt;
    if (!tf->deferring) { /* the first deferred definition: ids up to here stay */
        tf->deferring = true;
        tf->var_base = tf->next_var = t->n_variables;
        tf->type_base = tf->next_type = t->n_types;
    }
    bool var = e->kind == RT_EVENT_VARIABLE_NAME || e->kind == RT_EVENT_VARIABLE;
    bool type = e->kind == RT_EVENT_TYPE;
    if (var || type) { /* the id it is about to get: t->n_variables or t->n_types */
        uint64_t id = var ? t->n_variables - tf->var_base : t->n_types - tf->type_base;
        rt_buf *out = var ? &tf->out_vars : &tf->out_types;
        if (grow_zeroed(out, (size_t)id + 1, sizeof(uint64_t)))
            return oom(t);
        if (var && grow_zeroed(&tf->pending_kinds, (size_t)id + 1, 1))
            return oom(t);
        if (type && grow_zeroed(&tf->pending_types, (size_t)id + 1, sizeof(rt_type_record)))
            return oom(t);
        if (tf->skipping) { /* kept until something written refers to it */
            if (var) {
                tf->pending_kinds.data[id] = (unsigned char)e->kind;
                return RT_OK;
            }
            rt_event copy;
            if (rt_event_copy(&tf->pending_arena, e, &copy))
                return oom(t);
            ((rt_type_record *)(void *)tf->pending_types.data)[id] = copy.u.type;
            return RT_OK;
        }
    }
    rt_arena_reset(&tf->out_arena);
    rt_event out;
    int rc = renumber(t, e, &out);
    if (!rc)
        rc = rt_tracer_emit_now(t, &out, shallow && !type);
    if (rc || !(var || type))
        return rc;
    uint64_t id = var ? t->n_variables - tf->var_base : t->n_types - tf->type_base;
    uint64_t *m = (uint64_t *)(void *)(var ? tf->out_vars.data : tf->out_types.data) + id;
    *m = var ? ++tf->next_var : ++tf->next_type;
    return RT_OK;
}
