/* One filter file into the chain: its TOML checked against the format of
 * TRACE-FILTER.md section 1 (an unknown key anywhere is an error: a typo
 * must not silently trace secrets), its selectors compiled, its defaults
 * and rules added after those of the files before it (section 3). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/sha256.h"
#include "filter/filter_internal.h"
#include "filter/toml.h"

typedef struct ctx {
    rt_filter *f;
    const rt_filter_source *src;
    rt_err *err;
    size_t file; /* this file's index */
} ctx;

static int bad_f(ctx *c, rt_toml_pos pos, const char *fmt, ...) RT_PRINTF(3, 4);
static int bad_f(ctx *c, rt_toml_pos pos, const char *fmt, ...)
{
    char msg[RT_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rt_err_set(c->err, RT_EFORMAT, "%s:%u:%u: %s", c->src->label, (unsigned)pos.line,
                      (unsigned)pos.col, msg);
}

/* An error is never RT_OK: said where the analyzer sees it (as rt_err_set). */
#define bad(...) rt_err_code(bad_f(__VA_ARGS__))

static int nomem(ctx *c)
{
    return rt_err_set(c->err, RT_ENOMEM, "%s: out of memory", c->src->label);
}

static const char *copy(ctx *c, const char *s, size_t len)
{
    char *d = rt_arena_alloc(&c->f->arena, len + 1);
    if (!d)
        return NULL;
    if (len)
        memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* Every key of table t is one of allowed[0..n); where names t. */
static int known_keys(ctx *c, const rt_toml_value *t, const char *where,
                      const char *const *allowed, size_t n)
{
    for (size_t i = 0; i < t->u.table.len; i++) {
        const rt_toml_kv *kv = &t->u.table.items[i];
        bool known = false;
        for (size_t k = 0; k < n && !known; k++)
            known = strlen(allowed[k]) == kv->key_len && memcmp(allowed[k], kv->key, kv->key_len) == 0;
        if (known)
            continue;
        char list[256];
        size_t len = 0;
        list[0] = '\0';
        for (size_t k = 0; k < n && len < sizeof list; k++) {
            int w = snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "", allowed[k]);
            if (w < 0)
                break;
            len += (size_t)w;
        }
        return bad(c, kv->pos, "unknown key '%.100s' in %s (expected %s)", kv->key, where, list);
    }
    return RT_OK;
}

static int want(ctx *c, const rt_toml_kv *kv, const char *name, rt_toml_type type)
{
    if (kv->value->type == type)
        return RT_OK;
    const char *a = type == RT_TOML_INTEGER || type == RT_TOML_ARRAY ? "an" : "a";
    return bad(c, kv->value->pos, "%s must be %s %s, not %s %s", name, a, rt_toml_type_name(type),
               kv->value->type == RT_TOML_INTEGER || kv->value->type == RT_TOML_ARRAY ? "an" : "a",
               rt_toml_type_name(kv->value->type));
}

/* A string value, copied; NUL inside is refused (names and selectors are C
 * strings). */
static int get_string(ctx *c, const rt_toml_kv *kv, const char *name, const char **out)
{
    int rc = want(c, kv, name, RT_TOML_STRING);
    if (rc)
        return rc;
    const rt_toml_value *v = kv->value;
    if (memchr(v->u.str.ptr, '\0', v->u.str.len))
        return bad(c, v->pos, "%s holds a NUL character", name);
    *out = copy(c, v->u.str.ptr, v->u.str.len);
    if (!*out)
        return nomem(c);
    return RT_OK;
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

static int get_exec(ctx *c, const rt_toml_kv *kv, const char *name, rt_filter_exec *out)
{
    const rt_toml_value *v = kv->value;
    int rc = want(c, kv, name, RT_TOML_STRING);
    if (rc)
        return rc;
    if (strcmp(v->u.str.ptr, "trace") == 0)
        *out = RT_FILTER_TRACE;
    else if (strcmp(v->u.str.ptr, "skip") == 0)
        *out = RT_FILTER_SKIP;
    else if (strcmp(v->u.str.ptr, "inherit") == 0)
        *out = RT_FILTER_EXEC_INHERIT;
    else
        return bad(c, v->pos, "%s is '%.100s': it must be trace, skip or inherit", name,
                   v->u.str.ptr);
    return RT_OK;
}

static int get_action(ctx *c, const rt_toml_kv *kv, const char *name, bool inherit,
                      rt_filter_action *out)
{
    const rt_toml_value *v = kv->value;
    int rc = want(c, kv, name, RT_TOML_STRING);
    if (rc)
        return rc;
    const char *s = v->u.str.ptr;
    if (strcmp(s, "allow") == 0)
        *out = RT_FILTER_ALLOW;
    else if (strcmp(s, "redact") == 0 || strcmp(s, "deny") == 0) /* deny: the design note's word */
        *out = RT_FILTER_REDACT;
    else if (strcmp(s, "drop") == 0)
        *out = RT_FILTER_DROP;
    else if (inherit && strcmp(s, "inherit") == 0)
        *out = RT_FILTER_ACTION_INHERIT;
    else
        return bad(c, v->pos, "%s is '%.100s': it must be allow, redact%s or drop%s", name, s,
                   inherit ? "" : " (or deny)", inherit ? " or inherit" : "");
    return RT_OK;
}

static int check_meta(ctx *c, const rt_toml_value *root, rt_filter_file *file)
{
    const rt_toml_kv *kv = rt_toml_get(root, "meta");
    if (!kv)
        return rt_err_set(c->err, RT_EFORMAT,
                          "%s: no [meta] table (meta.name and meta.version are required)",
                          c->src->label);
    int rc = want(c, kv, "meta", RT_TOML_TABLE);
    if (rc)
        return rc;
    const rt_toml_value *meta = kv->value;
    static const char *const keys[] = {"name", "version", "description", "labels"};
    if ((rc = known_keys(c, meta, "[meta]", keys, 4)))
        return rc;
    const rt_toml_kv *name = rt_toml_get(meta, "name");
    if (!name)
        return bad(c, meta->pos, "meta.name is missing");
    if ((rc = get_string(c, name, "meta.name", &file->name)))
        return rc;
    if (blank(file->name))
        return bad(c, name->value->pos, "meta.name is empty");
    const rt_toml_kv *version = rt_toml_get(meta, "version");
    if (!version)
        return bad(c, meta->pos, "meta.version is missing (this reader understands version 1)");
    if (version->value->type != RT_TOML_INTEGER)
        return bad(c, version->value->pos,
                   "meta.version must be an integer >= 1, not a %s (this reader understands "
                   "version 1)",
                   rt_toml_type_name(version->value->type));
    file->version = version->value->u.integer;
    if (file->version < 1)
        return bad(c, version->value->pos,
                   "meta.version is %lld: it must be an integer >= 1 (this reader understands "
                   "version 1)",
                   (long long)file->version);
    const rt_toml_kv *desc = rt_toml_get(meta, "description");
    if (desc && (rc = get_string(c, desc, "meta.description", &file->description)))
        return rc;
    const rt_toml_kv *labels = rt_toml_get(meta, "labels");
    if (labels) {
        if ((rc = want(c, labels, "meta.labels", RT_TOML_ARRAY)))
            return rc;
        size_t n = labels->value->u.array.len;
        const char **out = rt_arena_alloc(&c->f->arena, (n ? n : 1) * sizeof *out);
        if (!out)
            return nomem(c);
        for (size_t i = 0; i < n; i++) {
            const rt_toml_value *v = labels->value->u.array.items[i];
            rt_toml_kv item = {"labels", 6, v->pos, (rt_toml_value *)v};
            char what[48];
            snprintf(what, sizeof what, "meta.labels[%zu]", i);
            if ((rc = get_string(c, &item, what, &out[i])))
                return rc;
        }
        file->labels = out;
        file->nlabels = n;
    }
    return RT_OK;
}

/* [io]: checked as the format says, then ignored (no I/O capture here). */
static int check_io(ctx *c, const rt_toml_value *root)
{
    const rt_toml_kv *kv = rt_toml_get(root, "io");
    if (!kv)
        return RT_OK;
    int rc = want(c, kv, "io", RT_TOML_TABLE);
    if (rc)
        return rc;
    const rt_toml_value *io = kv->value;
    static const char *const keys[] = {"capture", "streams", "modes"};
    if ((rc = known_keys(c, io, "[io]", keys, 3)))
        return rc;
    bool capture = false;
    const rt_toml_kv *cap = rt_toml_get(io, "capture");
    if (cap) {
        if ((rc = want(c, cap, "io.capture", RT_TOML_BOOL)))
            return rc;
        capture = cap->value->u.boolean;
    }
    size_t nstreams = 0;
    const rt_toml_kv *streams = rt_toml_get(io, "streams");
    if (streams) {
        if ((rc = want(c, streams, "io.streams", RT_TOML_ARRAY)))
            return rc;
        nstreams = streams->value->u.array.len;
        for (size_t i = 0; i < nstreams; i++) {
            const rt_toml_value *v = streams->value->u.array.items[i];
            if (v->type != RT_TOML_STRING ||
                (strcmp(v->u.str.ptr, "stdout") != 0 && strcmp(v->u.str.ptr, "stderr") != 0 &&
                 strcmp(v->u.str.ptr, "stdin") != 0 && strcmp(v->u.str.ptr, "files") != 0))
                return bad(c, v->pos, "io.streams[%zu] must be \"stdout\", \"stderr\", \"stdin\" "
                                      "or \"files\"",
                           i);
        }
    }
    if (capture && nstreams == 0)
        return bad(c, cap->value->pos, "io.capture is true but io.streams names no stream");
    const rt_toml_kv *modes = rt_toml_get(io, "modes");
    if (modes) {
        if ((rc = want(c, modes, "io.modes", RT_TOML_ARRAY)))
            return rc;
        if (modes->value->u.array.len)
            return bad(c, modes->value->pos, "io.modes is reserved and must be empty");
    }
    return RT_OK;
}

static void release_rule(rt_frule *r, size_t npatterns)
{
    rt_selector_release(&r->sel);
    for (size_t k = 0; k < npatterns; k++)
        rt_selector_release(&r->patterns[k].sel);
}

static int compile_selector(ctx *c, const rt_toml_kv *kv, const char *what, bool scope,
                            const char **text, rt_selector *sel)
{
    int rc = get_string(c, kv, what, text);
    if (rc)
        return rc;
    char why[400];
    rc = rt_selector_compile(sel, *text, strlen(*text), scope, &c->f->arena, c->f->regex, why,
                             sizeof why);
    if (rc == RT_ENOMEM)
        return nomem(c);
    if (rc)
        return bad(c, kv->value->pos, "%s '%.200s': %s", what, *text, why);
    return RT_OK;
}

static int check_pattern(ctx *c, const rt_toml_value *t, const char *where, rt_filter_pattern *pub,
                         rt_fpattern *cp)
{
    if (t->type != RT_TOML_TABLE)
        return bad(c, t->pos, "%s must be a table, not %s %s", where,
                   t->type == RT_TOML_INTEGER || t->type == RT_TOML_ARRAY ? "an" : "a",
                   rt_toml_type_name(t->type));
    static const char *const keys[] = {"selector", "action", "reason"};
    int rc = known_keys(c, t, where, keys, 3);
    if (rc)
        return rc;
    char what[160];
    const rt_toml_kv *action = rt_toml_get(t, "action");
    snprintf(what, sizeof what, "%s.action", where);
    if (!action)
        return bad(c, t->pos, "%s is missing (allow, redact or drop)", what);
    if ((rc = get_action(c, action, what, false, &pub->action)))
        return rc;
    cp->action = pub->action;
    const rt_toml_kv *reason = rt_toml_get(t, "reason");
    snprintf(what, sizeof what, "%s.reason", where);
    if (reason && (rc = get_string(c, reason, what, &pub->reason)))
        return rc;
    const rt_toml_kv *sel = rt_toml_get(t, "selector");
    snprintf(what, sizeof what, "%s.selector", where);
    if (!sel)
        return bad(c, t->pos, "%s is missing", what);
    if ((rc = compile_selector(c, sel, what, false, &pub->selector, &cp->sel)))
        return rc;
    pub->line = sel->value->pos.line;
    pub->column = sel->value->pos.col;
    return RT_OK;
}

static int grow_rules(ctx *c)
{
    rt_filter *f = c->f;
    if (f->nrules < f->rules_cap)
        return RT_OK;
    size_t cap = f->rules_cap ? f->rules_cap * 2 : 16;
    rt_rule_entry *rules = rt_realloc(&f->alloc, f->rules, f->rules_cap * sizeof *rules,
                                      cap * sizeof *rules);
    if (!rules)
        return nomem(c);
    f->rules = rules;
    f->rules_cap = cap;
    return RT_OK;
}

static int check_rule(ctx *c, const rt_toml_value *t, size_t index)
{
    char where[48];
    snprintf(where, sizeof where, "scope.rules[%zu]", index);
    if (t->type != RT_TOML_TABLE)
        return bad(c, t->pos, "%s must be a table, not %s %s", where,
                   t->type == RT_TOML_INTEGER || t->type == RT_TOML_ARRAY ? "an" : "a",
                   rt_toml_type_name(t->type));
    static const char *const keys[] = {"selector", "exec", "value_default", "reason",
                                       "value_patterns"};
    int rc = known_keys(c, t, where, keys, 5);
    if (rc)
        return rc;
    rt_filter_rule pub;
    rt_frule cr;
    memset(&pub, 0, sizeof pub);
    memset(&cr, 0, sizeof cr);
    pub.file = c->file;
    pub.exec = RT_FILTER_EXEC_INHERIT;
    pub.value_default = RT_FILTER_ACTION_INHERIT;
    cr.bit = SIZE_MAX;
    char what[96];
    const rt_toml_kv *kv = rt_toml_get(t, "exec");
    snprintf(what, sizeof what, "%s.exec", where);
    if (kv && (rc = get_exec(c, kv, what, &pub.exec)))
        return rc;
    kv = rt_toml_get(t, "value_default");
    snprintf(what, sizeof what, "%s.value_default", where);
    if (kv && (rc = get_action(c, kv, what, true, &pub.value_default)))
        return rc;
    kv = rt_toml_get(t, "reason");
    snprintf(what, sizeof what, "%s.reason", where);
    if (kv && (rc = get_string(c, kv, what, &pub.reason)))
        return rc;
    const rt_toml_kv *vp = rt_toml_get(t, "value_patterns");
    size_t np = 0;
    if (vp) {
        snprintf(what, sizeof what, "%s.value_patterns", where);
        if ((rc = want(c, vp, what, RT_TOML_ARRAY)))
            return rc;
        np = vp->value->u.array.len;
    }
    const rt_toml_kv *sel = rt_toml_get(t, "selector");
    snprintf(what, sizeof what, "%s.selector", where);
    if (!sel)
        return bad(c, t->pos, "%s is missing", what);
    if ((rc = compile_selector(c, sel, what, true, &pub.selector, &cr.sel)))
        return rc;
    pub.line = sel->value->pos.line;
    pub.column = sel->value->pos.col;
    rt_filter_pattern *pats = rt_arena_alloc(&c->f->arena, (np ? np : 1) * sizeof *pats);
    cr.patterns = rt_arena_alloc(&c->f->arena, (np ? np : 1) * sizeof *cr.patterns);
    if (!pats || !cr.patterns) {
        release_rule(&cr, 0);
        return nomem(c);
    }
    for (size_t k = 0; k < np; k++) {
        char pwhere[112];
        snprintf(pwhere, sizeof pwhere, "%s.value_patterns[%zu]", where, k);
        memset(&pats[k], 0, sizeof pats[k]);
        memset(&cr.patterns[k], 0, sizeof cr.patterns[k]);
        cr.patterns[k].rule = c->f->nrules;
        cr.patterns[k].index = k;
        rc = check_pattern(c, vp->value->u.array.items[k], pwhere, &pats[k], &cr.patterns[k]);
        if (rc) {
            release_rule(&cr, k + 1);
            return rc;
        }
    }
    pub.patterns = pats;
    pub.npatterns = np;
    cr.npatterns = np;
    if ((rc = grow_rules(c))) {
        release_rule(&cr, np);
        return rc;
    }
    if (np)
        cr.bit = c->f->npattern_rules++;
    c->f->rules[c->f->nrules].pub = pub;
    c->f->rules[c->f->nrules].c = cr;
    c->f->nrules++;
    return RT_OK;
}

static int check_scope(ctx *c, const rt_toml_value *root)
{
    const rt_toml_kv *kv = rt_toml_get(root, "scope");
    if (!kv)
        return rt_err_set(c->err, RT_EFORMAT, "%s: no [scope] table", c->src->label);
    int rc = want(c, kv, "scope", RT_TOML_TABLE);
    if (rc)
        return rc;
    const rt_toml_value *scope = kv->value;
    static const char *const keys[] = {"default_exec", "default_value_action", "rules"};
    if ((rc = known_keys(c, scope, "[scope]", keys, 3)))
        return rc;
    rt_filter *f = c->f;
    rt_filter_exec exec = RT_FILTER_EXEC_INHERIT;
    const rt_toml_kv *de = rt_toml_get(scope, "default_exec");
    if (de && (rc = get_exec(c, de, "scope.default_exec", &exec)))
        return rc;
    if (exec == RT_FILTER_EXEC_INHERIT && !f->exec_set)
        return bad(c, de ? de->value->pos : scope->pos,
                   "scope.default_exec %s, but no filter before %s in the chain sets it",
                   de ? "is \"inherit\"" : "is missing (so inherited)", c->src->label);
    rt_filter_action action = RT_FILTER_ACTION_INHERIT;
    const rt_toml_kv *dv = rt_toml_get(scope, "default_value_action");
    if (dv && (rc = get_action(c, dv, "scope.default_value_action", true, &action)))
        return rc;
    if (action == RT_FILTER_ACTION_INHERIT && !f->value_set)
        return bad(c, dv ? dv->value->pos : scope->pos,
                   "scope.default_value_action %s, but no filter before %s in the chain sets it",
                   dv ? "is \"inherit\"" : "is missing (so inherited)", c->src->label);
    const rt_toml_kv *rules = rt_toml_get(scope, "rules");
    if (rules) {
        if ((rc = want(c, rules, "scope.rules", RT_TOML_ARRAY)))
            return rc;
        for (size_t i = 0; i < rules->value->u.array.len; i++)
            if ((rc = check_rule(c, rules->value->u.array.items[i], i)))
                return rc;
    }
    if (exec != RT_FILTER_EXEC_INHERIT) {
        f->default_exec = exec;
        f->exec_set = true;
    }
    if (action != RT_FILTER_ACTION_INHERIT) {
        f->default_value_action = action;
        f->value_set = true;
    }
    return RT_OK;
}

int rt_filter_add_source(rt_filter *f, const rt_filter_source *src, rt_err *err)
{
    ctx c = {f, src, err, f->nfiles};
    if (f->nfiles == f->files_cap) {
        size_t cap = f->files_cap ? f->files_cap * 2 : 4;
        rt_filter_file *files = rt_realloc(&f->alloc, f->files, f->files_cap * sizeof *files,
                                           cap * sizeof *files);
        if (!files)
            return nomem(&c);
        f->files = files;
        f->files_cap = cap;
    }
    rt_filter_file *file = &f->files[f->nfiles];
    memset(file, 0, sizeof *file);
    char hex[RT_SHA256_HEX_SIZE];
    rt_sha256_hex(src->text, src->len, hex);
    file->sha256 = copy(&c, hex, 64);
    file->path = src->path ? copy(&c, src->path, strlen(src->path)) : NULL;
    if (!file->sha256 || (src->path && !file->path))
        return nomem(&c);
    rt_toml_doc doc;
    int rc = rt_toml_parse(&doc, src->text, src->len, src->label, &f->alloc, err);
    if (rc)
        return rc;
    f->nfiles++; /* the rules below name it */
    static const char *const keys[] = {"meta", "io", "scope"};
    rc = known_keys(&c, doc.root, "the top level", keys, 3);
    if (!rc)
        rc = check_meta(&c, doc.root, file);
    if (!rc)
        rc = check_io(&c, doc.root);
    if (!rc)
        rc = check_scope(&c, doc.root);
    rt_toml_doc_free(&doc);
    return rc;
}
