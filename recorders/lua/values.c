#include "values.h"

#include <lauxlib.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ctl_types_register(rt_tracer *t, ctl_types *ty)
{
    int rc;
    if ((rc = rt_ensure_type_id(t, RT_TYPE_NONE, "nil", &ty->nil)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_BOOL, "boolean", &ty->boolean)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_INT, "integer", &ty->integer)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_FLOAT, "float", &ty->number)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_STRING, "string", &ty->string)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_SEQ, "array", &ty->array)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_RAW, "table", &ty->table)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_RAW, "function", &ty->function)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_RAW, "userdata", &ty->userdata)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_RAW, "thread", &ty->thread)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_TUPLE, "tuple", &ty->tuple)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_VARARGS, "...", &ty->varargs)) ||
        (rc = rt_ensure_type_id(t, RT_TYPE_ANY, "any", &ty->any)))
        return rc;
    return RT_OK;
}

/* The library's constructors return a struct by value; these write *out in
 * place (a hot path: tens of millions of values per second). */
static inline void set_scalar(rt_value *out, rt_value_kind kind, rt_type_id type)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->type_id = type;
}

static inline void set_text(rt_value *out, rt_value_kind kind, const char *p, size_t len,
                            rt_type_id type)
{
    set_scalar(out, kind, type);
    out->u.text.ptr = p;
    out->u.text.len = len;
}

int ctl_raw(ctl_encoder *e, const char *text, rt_type_id type, rt_value *out)
{
    size_t n = strlen(text);
    char *copy = ctl_scratch_alloc(e->scratch, n + 1);
    if (!copy)
        return RT_ENOMEM;
    memcpy(copy, text, n + 1);
    size_t len;
    const char *clean = ctl_utf8_clean(e->scratch, copy, n, &len);
    if (!clean)
        return RT_ENOMEM;
    set_text(out, RT_VALUE_RAW, clean, len, type);
    return RT_OK;
}

static int encode_string_text(ctl_encoder *e, const char *s, size_t len, rt_value *out)
{
    size_t clean_len;
    const char *clean;
    if (len > CTL_MAX_STRING) {
        char *cut = ctl_scratch_alloc(e->scratch, CTL_MAX_STRING + 4);
        if (!cut)
            return RT_ENOMEM;
        memcpy(cut, s, CTL_MAX_STRING);
        /* A multi-byte character split by the cut becomes U+FFFD. */
        clean = ctl_utf8_clean(e->scratch, cut, CTL_MAX_STRING, &clean_len);
        if (!clean)
            return RT_ENOMEM;
        char *with_dots = ctl_scratch_alloc(e->scratch, clean_len + 4);
        if (!with_dots)
            return RT_ENOMEM;
        memcpy(with_dots, clean, clean_len);
        memcpy(with_dots + clean_len, "...", 4);
        clean = with_dots;
        clean_len += 3;
    } else if (!(clean = ctl_utf8_clean(e->scratch, s, len, &clean_len))) {
        return RT_ENOMEM;
    }
    set_text(out, RT_VALUE_STRING, clean, clean_len, e->types->string);
    return RT_OK;
}

/*
 * Long strings through a cache: the cut, the UTF-8 pass and the copies are
 * done once per string object. A cached string is anchored (the registry
 * table string_anchor_ref holds it at its slot), so that its address cannot
 * be reused by another string while the slot names it; Lua strings never
 * change, so the same address is the same text.
 */
static int encode_string(ctl_encoder *e, lua_State *L, int idx, rt_value *out)
{
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    if (len < CTL_STRING_CACHE_MIN || e->naive || e->string_anchor_ref == LUA_NOREF)
        return encode_string_text(e, s, len, out);
    size_t slot = ((uintptr_t)s >> 4) & (CTL_STRING_SLOTS - 1);
    struct ctl_string_text *c = &e->strings[slot];
    if (c->s == s && c->len == len) {
        c->used = e->scratch->epoch;
        set_text(out, RT_VALUE_STRING, c->text, c->text_len, e->types->string);
        return RT_OK;
    }
    /* The slot's text is in the value being built, or no room to anchor. */
    if (c->used == e->scratch->epoch || !lua_checkstack(L, 2))
        return encode_string_text(e, s, len, out);
    int rc = encode_string_text(e, s, len, out);
    if (rc)
        return rc;
    size_t n = out->u.text.len;
    if (n > c->cap) {
        char *grown = realloc(c->own, n);
        if (!grown)
            return RT_OK; /* not cached: the value is fine */
        c->own = grown;
        c->cap = n;
    }
    /* Valid and not cut: the Lua string itself, kept alive by the anchor. */
    if (out->u.text.ptr != s) {
        memcpy(c->own, out->u.text.ptr, n);
        c->text = c->own;
    } else {
        c->text = s;
    }
    c->text_len = n;
    c->s = s;
    c->len = len;
    c->used = e->scratch->epoch;
    /* The anchor table's array part is preallocated: this never allocates. */
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->string_anchor_ref);
    lua_pushvalue(L, idx);
    lua_rawseti(L, -2, (lua_Integer)slot + 1);
    lua_pop(L, 1);
    out->u.text.ptr = c->text;
    return RT_OK;
}

void ctl_encoder_free(ctl_encoder *e)
{
    for (size_t i = 0; i < CTL_STRING_SLOTS; i++)
        free(e->strings[i].own);
    memset(e->strings, 0, sizeof e->strings);
}

/* "kind: 0x..." as tostring() prints it without metamethods. */
static int encode_opaque(ctl_encoder *e, lua_State *L, int idx, int type, rt_value *out)
{
    rt_type_id tid = type == LUA_TFUNCTION ? e->types->function
                     : type == LUA_TTHREAD ? e->types->thread
                     : type == LUA_TTABLE  ? e->types->table
                                           : e->types->userdata;
    char buf[160];
    if (type == LUA_TUSERDATA && lua_getmetatable(L, idx)) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, e->name_key_ref);
        if (lua_rawget(L, -2) == LUA_TSTRING) {
            snprintf(buf, sizeof buf, "%.100s: %p", lua_tostring(L, -1), lua_topointer(L, idx));
            lua_pop(L, 2);
            return ctl_raw(e, buf, tid, out);
        }
        lua_pop(L, 2);
    }
    const void *p = lua_topointer(L, idx);
    size_t slot = ((uintptr_t)p >> 4) & (CTL_OPAQUE_SLOTS - 1);
    struct ctl_opaque_text *o = &e->opaque[slot];
    if (o->p != p || o->type != type) {
        if (o->used == e->scratch->epoch) {
            /* The slot's text is in the value being built: leave it. */
            snprintf(buf, sizeof buf, "%s: %p", lua_typename(L, type), p);
            return ctl_raw(e, buf, tid, out);
        }
        o->len = (size_t)snprintf(o->text, sizeof o->text, "%s: %p", lua_typename(L, type), p);
        o->p = p;
        o->type = type;
    }
    /* ASCII (a type name and an address): no cleaning, no copy. The slot
     * keeps its text until the scratch reset, as the scratch arena would. */
    o->used = e->scratch->epoch;
    set_text(out, RT_VALUE_RAW, o->text, o->len, tid);
    return RT_OK;
}

/* A table key seen while classifying a table. */
typedef struct table_key {
    int type;          /* LUA_T* */
    int isint;
    lua_Integer i;
    lua_Number f;
    const char *s;     /* string keys: the Lua string (reachable from the table) */
    size_t len;
    const void *p;     /* other keys */
    size_t ordinal;    /* position in traversal order */
} table_key;

/* What the classifying traversal saw: the keys, and the values that are
 * not tables, encoded on the way (a table's value would register types, so
 * it is encoded in its turn). Saves a second walk or lookup per entry. */
typedef struct table_scan {
    table_key *keys;
    rt_value *early; /* by ordinal */
    bool *have;      /* by ordinal: early[] holds the value */
    size_t by_index[CTL_MAX_ITEMS]; /* ordinal + 1 of key i + 1, 0: not seen */
} table_scan;

static int key_rank(const table_key *k)
{
    switch (k->type) {
    case LUA_TNUMBER: return 0;
    case LUA_TBOOLEAN: return 1;
    case LUA_TSTRING: return 2;
    default: return 3;
    }
}

static int compare_keys(const void *pa, const void *pb)
{
    const table_key *a = pa, *b = pb;
    int ra = key_rank(a), rb = key_rank(b);
    if (ra != rb)
        return ra - rb;
    switch (a->type) {
    case LUA_TNUMBER: {
        lua_Number x = a->isint ? (lua_Number)a->i : a->f;
        lua_Number y = b->isint ? (lua_Number)b->i : b->f;
        if (a->isint && b->isint)
            return a->i < b->i ? -1 : a->i > b->i;
        return x < y ? -1 : x > y;
    }
    case LUA_TBOOLEAN:
        return (int)a->i - (int)b->i;
    case LUA_TSTRING: {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->s, b->s, n);
        return c ? c : (a->len < b->len ? -1 : a->len > b->len);
    }
    default:
        /* Not stable between runs, but keeps the order total. */
        return a->ordinal < b->ordinal ? -1 : a->ordinal > b->ordinal;
    }
}

/* The field name of a key, in the scratch arena. */
static int key_name(ctl_encoder *e, lua_State *L, const table_key *k, rt_str *out)
{
    char buf[64];
    switch (k->type) {
    case LUA_TSTRING: {
        size_t len;
        const char *clean = ctl_utf8_clean(e->scratch, k->s, k->len, &len);
        if (!clean)
            return RT_ENOMEM;
        out->ptr = clean;
        out->len = len;
        return RT_OK;
    }
    case LUA_TNUMBER:
        if (k->isint)
            snprintf(buf, sizeof buf, "[" LUA_INTEGER_FMT "]", (LUAI_UACINT)k->i);
        else
            snprintf(buf, sizeof buf, "[" LUA_NUMBER_FMT "]", (LUAI_UACNUMBER)k->f);
        break;
    case LUA_TBOOLEAN:
        snprintf(buf, sizeof buf, "[%s]", k->i ? "true" : "false");
        break;
    default:
        snprintf(buf, sizeof buf, "[%s]", lua_typename(L, k->type));
        break;
    }
    size_t n = strlen(buf);
    char *copy = ctl_scratch_alloc(e->scratch, n + 1);
    if (!copy)
        return RT_ENOMEM;
    memcpy(copy, buf, n + 1);
    out->ptr = copy;
    out->len = n;
    return RT_OK;
}

static int encode_value(ctl_encoder *e, lua_State *L, int idx, int depth, rt_value *out);
static int encode_scalar(ctl_encoder *e, lua_State *L, int idx, int type, rt_value *out);

static int encode_array(ctl_encoder *e, lua_State *L, int idx, int depth, lua_Unsigned n,
                        const table_scan *sc, rt_value *out)
{
    size_t shown = n > CTL_MAX_ITEMS ? CTL_MAX_ITEMS : (size_t)n;
    size_t len = shown + (n > shown);
    rt_value *items = len ? ctl_scratch_alloc(e->scratch, len * sizeof *items) : NULL;
    if (len && !items)
        return RT_ENOMEM;
    int rc = RT_OK;
    for (size_t i = 0; i < shown && !rc; i++) {
        size_t o = sc->by_index[i];
        if (o && sc->have[o - 1]) {
            e->budget--; /* as encode_value does */
            items[i] = sc->early[o - 1];
            continue;
        }
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        rc = encode_value(e, L, -1, depth + 1, &items[i]);
        lua_pop(L, 1);
    }
    if (!rc && n > shown) {
        char buf[64];
        snprintf(buf, sizeof buf, "... (%llu items)", (unsigned long long)n);
        rc = ctl_raw(e, buf, e->types->table, &items[shown]);
    }
    if (!rc) {
        set_scalar(out, RT_VALUE_SEQUENCE, e->types->array);
        out->u.list.items = items;
        out->u.list.len = len;
    }
    return rc;
}

/* lang_type of a struct shape: "table{a,b,[1]}" or "Class{x,y}". The
 * library interns types by lang_type alone, so a text seen before has the
 * id it had: a slot per table address remembers the last one (the text is
 * compared, the address only picks the slot), which saves hashing it. */
static int shape_type(ctl_encoder *e, const void *self, const char *cls, size_t cls_len,
                      const rt_field_type *fields, size_t n, rt_type_id *out)
{
    size_t cap = cls_len + 3;
    for (size_t i = 0; i < n; i++)
        cap += fields[i].name.len + 1;
    char *lang = ctl_scratch_alloc(e->scratch, cap);
    if (!lang)
        return RT_ENOMEM;
    size_t o = 0;
    memcpy(lang, cls, cls_len);
    o = cls_len;
    lang[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            lang[o++] = ',';
        memcpy(lang + o, fields[i].name.ptr, fields[i].name.len);
        o += fields[i].name.len;
    }
    lang[o++] = '}';
    lang[o] = '\0';
    struct ctl_shape_text *c = &e->shapes[((uintptr_t)self >> 4) & (CTL_SHAPE_SLOTS - 1)];
    if (!e->naive && c->len == o && memcmp(c->text, lang, o) == 0) {
        *out = c->type_id;
        return RT_OK;
    }
    rt_type_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = RT_TYPE_STRUCT;
    rec.lang_type.ptr = lang;
    rec.lang_type.len = o;
    rec.info_kind = RT_INFO_STRUCT;
    rec.info.fields.items = fields;
    rec.info.fields.len = n;
    int rc = rt_ensure_raw_type_id(e->t, &rec, out);
    if (!rc && o <= sizeof c->text) {
        memcpy(c->text, lang, o);
        c->len = o;
        c->type_id = *out;
    }
    return rc;
}

static int encode_struct(ctl_encoder *e, lua_State *L, int idx, int depth, const table_scan *sc,
                         size_t count, bool more, const char *cls, size_t cls_len, rt_value *out)
{
    table_key *keys = sc->keys;
    qsort(keys, count, sizeof *keys, compare_keys);
    size_t shown = count > CTL_MAX_ITEMS ? CTL_MAX_ITEMS : count;
    bool truncated = more || count > shown;
    size_t len = shown + truncated;
    rt_value *values = len ? ctl_scratch_alloc(e->scratch, len * sizeof *values) : NULL;
    rt_field_type *fields = len ? ctl_scratch_alloc(e->scratch, len * sizeof *fields) : NULL;
    /* ordinal -> field index + 1 for the fields shown */
    size_t *slot = count ? ctl_scratch_alloc(e->scratch, count * sizeof *slot) : NULL;
    if (len && (!values || !fields || (count && !slot)))
        return RT_ENOMEM;
    if (count)
        memset(slot, 0, count * sizeof *slot);
    int rc = RT_OK;
    for (size_t i = 0; i < shown && !rc; i++) {
        slot[keys[i].ordinal] = i + 1;
        fields[i].type_id = e->types->any;
        rc = key_name(e, L, &keys[i], &fields[i].name);
    }
    /* Values in traversal order (the order they were encoded in before
     * early values): the early ones as they are, the others (tables) by a
     * second traversal in the same order, which reaches each value without
     * pushing its key (which could allocate). */
    size_t last_table = 0; /* ordinal + 1 of the last shown value to walk to */
    for (size_t o = 0; o < count; o++)
        if (slot[o] && !sc->have[o])
            last_table = o + 1;
    size_t ordinal = 0;
    if (last_table && !rc)
        lua_pushnil(L);
    while (!rc && ordinal < count) {
        size_t o = ordinal++;
        size_t f = slot[o];
        if (o < last_table) {
            if (!lua_next(L, idx))
                break;
            if (f && !sc->have[o])
                rc = encode_value(e, L, -1, depth + 1, &values[f - 1]);
            lua_pop(L, 1);
            if (rc || ordinal == last_table)
                lua_pop(L, 1); /* the key */
        }
        if (f && sc->have[o]) {
            e->budget--; /* as encode_value does */
            values[f - 1] = sc->early[o];
        }
    }
    if (rc)
        return rc;
    if (truncated) {
        char buf[64];
        if (more)
            snprintf(buf, sizeof buf, "more than %d entries", CTL_SCAN_LIMIT);
        else
            snprintf(buf, sizeof buf, "%zu entries", count);
        fields[shown].name.ptr = "...";
        fields[shown].name.len = 3;
        fields[shown].type_id = e->types->any;
        if ((rc = ctl_raw(e, buf, e->types->table, &values[shown])))
            return rc;
    }
    rt_type_id tid;
    if ((rc = shape_type(e, lua_topointer(L, idx), cls, cls_len, fields, len, &tid)))
        return rc;
    set_scalar(out, RT_VALUE_STRUCT, tid);
    out->u.list.items = values;
    out->u.list.len = len;
    return RT_OK;
}

static int encode_table(ctl_encoder *e, lua_State *L, int idx, int depth, rt_value *out)
{
    const void *self = lua_topointer(L, idx);
    if (depth >= CTL_MAX_DEPTH || e->budget <= 0)
        return encode_opaque(e, L, idx, LUA_TTABLE, out);
    for (int i = 0; i < e->nvisiting; i++)
        if (e->visiting[i] == self)
            return ctl_raw(e, "<cycle>", e->types->table, out);
    if (!lua_checkstack(L, 8))
        return encode_opaque(e, L, idx, LUA_TTABLE, out);

    /* The class name: the metatable's __name, as luaL_newmetatable sets. */
    char cls_buf[64];
    const char *cls = "table";
    size_t cls_len = 5;
    if (lua_getmetatable(L, idx)) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, e->name_key_ref);
        if (lua_rawget(L, -2) == LUA_TSTRING) {
            size_t n;
            const char *s = lua_tolstring(L, -1, &n);
            if (n < sizeof cls_buf && ctl_utf8_valid(s, n) && !memchr(s, '{', n)) {
                memcpy(cls_buf, s, n);
                cls_buf[n] = '\0';
                cls = cls_buf;
                cls_len = n;
            }
        }
        lua_pop(L, 2);
    }

    lua_Unsigned n = lua_rawlen(L, idx);
    table_scan sc;
    sc.keys = ctl_scratch_alloc(e->scratch, CTL_SCAN_LIMIT * sizeof *sc.keys);
    sc.early = ctl_scratch_alloc(e->scratch, CTL_SCAN_LIMIT * sizeof *sc.early);
    sc.have = ctl_scratch_alloc(e->scratch, CTL_SCAN_LIMIT * sizeof *sc.have);
    if (!sc.keys || !sc.early || !sc.have)
        return RT_ENOMEM;
    memset(sc.by_index, 0, sizeof sc.by_index);
    size_t count = 0;
    bool all_index = true, more = false;
    int rc = RT_OK;
    int kidx = lua_gettop(L) + 1, vidx = kidx + 1; /* the key and value pushed */
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (count == CTL_SCAN_LIMIT) {
            more = true;
            lua_pop(L, 2);
            break;
        }
        table_key *k = &sc.keys[count];
        k->type = lua_type(L, kidx);
        k->ordinal = count;
        k->isint = 0;
        switch (k->type) {
        case LUA_TNUMBER:
            /* Table keys with an integral value are integers already. */
            k->i = lua_tointegerx(L, kidx, &k->isint);
            if (!k->isint)
                k->f = lua_tonumber(L, kidx);
            if (!k->isint || k->i < 1 || (lua_Unsigned)k->i > n)
                all_index = false;
            else if (k->i <= CTL_MAX_ITEMS)
                sc.by_index[k->i - 1] = count + 1;
            break;
        case LUA_TBOOLEAN:
            k->i = lua_toboolean(L, kidx);
            all_index = false;
            break;
        case LUA_TSTRING:
            k->s = lua_tolstring(L, kidx, &k->len);
            all_index = false;
            break;
        default:
            k->p = lua_topointer(L, kidx);
            all_index = false;
            break;
        }
        /* Not the values of indices past those an array shows (a struct
         * with such keys gets them by the second walk). */
        int vtype = lua_type(L, vidx);
        sc.have[count] = !e->naive && vtype != LUA_TTABLE && !(k->isint && k->i > CTL_MAX_ITEMS);
        if (sc.have[count] && (rc = encode_scalar(e, L, vidx, vtype, &sc.early[count]))) {
            lua_pop(L, 2);
            break;
        }
        count++;
        lua_pop(L, 1);
    }
    if (rc)
        return rc;
    /* A proper array: keys exactly 1..n. Past the scan limit (the cost of
     * a step must not grow with the tables it shows), an array when every
     * key seen was an index: looking for a key after n in traversal order
     * would walk the whole free tail of the array part, at every step. */
    bool array = all_index && (more ? n >= CTL_SCAN_LIMIT : count == n);
    e->visiting[e->nvisiting++] = self;
    rc = array ? encode_array(e, L, idx, depth, n, &sc, out)
               : encode_struct(e, L, idx, depth, &sc, count, more, cls, cls_len, out);
    e->nvisiting--;
    return rc;
}

static int encode_float(ctl_encoder *e, double f, rt_value *out)
{
    if (isfinite(f) || !e->nonfinite_raw) {
        set_scalar(out, RT_VALUE_FLOAT, e->types->number);
        out->u.f = f;
    } else { /* static text: nothing to copy */
        const char *text = isnan(f) ? "nan" : f > 0 ? "inf" : "-inf";
        set_text(out, RT_VALUE_RAW, text, strlen(text), e->types->number);
    }
    return RT_OK;
}

/* A value that is not a table: never registers a type, never walks. */
static int encode_scalar(ctl_encoder *e, lua_State *L, int idx, int type, rt_value *out)
{
    switch (type) {
    case LUA_TNIL:
        set_scalar(out, RT_VALUE_NONE, e->types->nil);
        return RT_OK;
    case LUA_TBOOLEAN:
        set_scalar(out, RT_VALUE_BOOL, e->types->boolean);
        out->flag = lua_toboolean(L, idx);
        return RT_OK;
    case LUA_TNUMBER:
        /* the subtype first: lua_tointegerx also converts an integral float */
        if (lua_isinteger(L, idx)) {
            set_scalar(out, RT_VALUE_INT, e->types->integer);
            out->u.i = (int64_t)lua_tointegerx(L, idx, NULL);
            return RT_OK;
        }
        return encode_float(e, (double)lua_tonumber(L, idx), out);
    case LUA_TSTRING:
        return encode_string(e, L, idx, out);
    default:
        return encode_opaque(e, L, idx, type, out);
    }
}

static int encode_value(ctl_encoder *e, lua_State *L, int idx, int depth, rt_value *out)
{
    e->budget--;
    idx = lua_absindex(L, idx);
    int type = lua_type(L, idx);
    if (type == LUA_TTABLE)
        return encode_table(e, L, idx, depth, out);
    return encode_scalar(e, L, idx, type, out);
}

int ctl_encode_naive(ctl_encoder *e, lua_State *L, int idx, rt_value *out)
{
    bool naive = e->naive;
    e->naive = true;
    int rc = ctl_encode(e, L, idx, out);
    e->naive = naive;
    return rc;
}

bool ctl_value_equal(const rt_value *a, const rt_value *b)
{
    if (a->kind != b->kind || a->type_id != b->type_id || a->flag != b->flag)
        return false;
    switch (a->kind) {
    case RT_VALUE_INT:
        return a->u.i == b->u.i;
    case RT_VALUE_FLOAT:
        return memcmp(&a->u.f, &b->u.f, sizeof a->u.f) == 0;
    case RT_VALUE_STRING:
    case RT_VALUE_RAW:
    case RT_VALUE_ERROR:
        return a->u.text.len == b->u.text.len &&
               memcmp(a->u.text.ptr, b->u.text.ptr, a->u.text.len) == 0;
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        if (a->u.list.len != b->u.list.len)
            return false;
        for (size_t i = 0; i < a->u.list.len; i++)
            if (!ctl_value_equal(&a->u.list.items[i], &b->u.list.items[i]))
                return false;
        return true;
    default:
        return true; /* None, Bool (flag): compared above */
    }
}

int ctl_encode(ctl_encoder *e, lua_State *L, int idx, rt_value *out)
{
    e->nvisiting = 0;
    e->budget = CTL_MAX_NODES;
    return encode_value(e, L, idx, 0, out);
}
