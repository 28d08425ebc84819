/* validate: what a trace must satisfy for the consumer (FORMAT.md section
 * 10). Errors make the trace invalid; warnings (events CodeTracer 25.x
 * fails on) do not. Every finding names its event index. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"

static const char validate_help[] =
    "Usage: " CLI_NAME " validate [--for codetracer-0.14|codetracer-0.19] PATH\n"
    "\n"
    "Checks a trace directory (its trace.json, else its trace.bin, and the files\n"
    "beside it) or a single events file of any format. Errors:\n"
    "  - an id used before it is defined: path ids (Step, Function), function ids\n"
    "    (Call), type ids (every value, struct field and pointer type), variable ids\n"
    "    (Value, Call arguments, BindVariable, VariableCell, DropVariable(s),\n"
    "    Assignment);\n"
    "  - a Step before the first Call; more Returns than Calls; a DropLastStep\n"
    "    without a Step to cancel;\n"
    "  - data that cannot be read;\n"
    "  - in a directory: trace_metadata.json missing or unreadable; trace_paths.json\n"
    "    not equal to the Path events in order; a registered source that exists\n"
    "    (absolute, or relative to the metadata workdir) but has no copy in files/.\n"
    "  - a trace.ct the debugger would not open whole: a file that is not a whole\n"
    "    number of blocks, a meta.dat its parser refuses (said why), no events.log,\n"
    "    a last chunk cut short.\n"
    "Warnings (the trace stays valid): BindVariable, Assignment, DropVariables and\n"
    "CompoundValue with a value that is not a Sequence, which CodeTracer 25.x does\n"
    "not handle. The first " "50" " errors and warnings are printed with their event index.\n"
    "--quiet: no progress line on a terminal.\n"
    "\n"
    "  --for TARGET  the reader that must load the trace: codetracer-0.14\n"
    "             (runtime_tracing 0.14.1, CodeTracer 25.x) or codetracer-0.19\n"
    "             (codetracer-trace-format 0.19, the CodeTracer debugger of 2026).\n"
    "             Default: the dialect of the file's events. Errors for 0.14: NaN or\n"
    "             inf in JSON, a float as text, a Char, an RValue beyond Simple and\n"
    "             Compound. For 0.19: a float not written as text (JSON and v1),\n"
    "             an Event without metadata, a Sequence without is_slice, an\n"
    "             Assignment RValue under \"0\" instead of \"data\" (convert --dialect\n"
    "             0.19 rewrites these four; each reported once),\n"
    "             trace_metadata.json without recording_id, and what the debugger's\n"
    "             post-processing fails on: a CompoundValue that is not a Sequence,\n"
    "             any DropLastStep, an AssignCompoundItem into a place that no\n"
    "             CompoundValue gave, a Return or a VariableCell with no Call open.\n"
    "\n"
    "Exit status: 0 when valid (warnings allowed), 1 when not, 2 on a usage error.\n";

#define MAX_SHOWN 50

typedef struct checker {
    const char *file;
    uint64_t index; /* of the event being checked */
    uint64_t npaths, nfuncs, ntypes, nvars;
    uint64_t calls, returns, live_steps;
    bool seen_call, early_step_reported;
    uint64_t errors, warnings, shown_errors, shown_warnings;
    char **paths; /* the Path events, in order */
    size_t npaths_kept, paths_cap;
    bool quiet;      /* no progress line */
    cli_progress pg; /* while the events are read */
    bool for_0_19;        /* the target reader: codetracer-0.19, else 0.14 */
    rt_format format;     /* of the events file */
    unsigned spelling;    /* rt_reader_event_spelling of the event being checked */
    unsigned spelling_reported; /* the rt_spelling bits reported so far (once each) */
    rt_load_check *load;  /* for_0_19: what the debugger fails to load */
} checker;

static void vreport(checker *c, bool error, bool with_event, const char *fmt, va_list ap)
{
    uint64_t *shown = error ? &c->shown_errors : &c->shown_warnings;
    if (error)
        c->errors++;
    else
        c->warnings++;
    if (*shown >= MAX_SHOWN)
        return;
    (*shown)++;
    cli_progress_hide(&c->pg);
    if (with_event)
        printf("%s: event %llu: %s: ", c->file, (unsigned long long)c->index,
               error ? "error" : "warning");
    else
        printf("%s: %s: ", c->file, error ? "error" : "warning");
    vprintf(fmt, ap);
    putchar('\n');
}

static void event_error(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void event_error(checker *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, true, true, fmt, ap);
    va_end(ap);
}

static void event_warning(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void event_warning(checker *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, false, true, fmt, ap);
    va_end(ap);
}

static void file_error(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void file_error(checker *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, true, false, fmt, ap);
    va_end(ap);
}

static void file_warning(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void file_warning(checker *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, false, false, fmt, ap);
    va_end(ap);
}

static void keep_path(checker *c, rt_str p)
{
    if (c->npaths_kept == c->paths_cap) {
        size_t cap = c->paths_cap ? c->paths_cap * 2 : 64;
        char **v = realloc(c->paths, cap * sizeof *v);
        if (!v) {
            cli_error("out of memory");
            exit(CLI_INVALID);
        }
        c->paths = v;
        c->paths_cap = cap;
    }
    char *s = malloc(p.len + 1);
    if (!s) {
        cli_error("out of memory");
        exit(CLI_INVALID);
    }
    memcpy(s, p.ptr, p.len);
    s[p.len] = '\0';
    c->paths[c->npaths_kept++] = s;
}

static void checker_free(checker *c)
{
    for (size_t i = 0; i < c->npaths_kept; i++)
        free(c->paths[i]);
    free(c->paths);
    rt_load_check_free(c->load);
}

#define ULL(x) ((unsigned long long)(x))

static void check_path_id(checker *c, const char *what, rt_path_id id)
{
    if (id >= c->npaths)
        event_error(c, "%s uses path id %llu, but %llu paths are defined", what, ULL(id),
                    ULL(c->npaths));
}

static void check_var_id(checker *c, const char *what, rt_variable_id id)
{
    if (id >= c->nvars)
        event_error(c, "%s uses variable id %llu, but %llu variables are defined", what, ULL(id),
                    ULL(c->nvars));
}

/* limit: the highest type id allowed (a type may name itself). */
static void check_type_id(checker *c, const char *what, rt_type_id id, uint64_t limit)
{
    if (id >= limit)
        event_error(c, "%s uses type id %llu, but %llu types are defined", what, ULL(id),
                    ULL(c->ntypes));
}

/* Floats and Chars, as the target reads them. */
static void check_dialect_value(checker *c, const char *what, const rt_value *v)
{
    if (v->kind == RT_VALUE_CHAR && !c->for_0_19)
        event_error(c, "%s: a Char value, which codetracer-0.14 cannot read: write the 0.14 "
                       "dialect (runtime-tracing convert --dialect 0.14), where it is a Raw",
                    what);
    if (v->kind != RT_VALUE_FLOAT || c->format == RT_FORMAT_V0)
        return;
    if (!c->for_0_19 && c->format == RT_FORMAT_JSON && !isfinite(v->u.f))
        event_error(c, "%s: Float %s, which codetracer-0.14 cannot read from JSON (null): "
                       "record it as a Raw value (\"inf\", \"-inf\", \"nan\") or write v0",
                    what, isnan(v->u.f) ? "NaN" : v->u.f > 0 ? "inf" : "-inf");
    if (c->for_0_19 && (c->spelling & ~c->spelling_reported & RT_SPELLING_FLOAT_NUMBER)) {
        c->spelling_reported |= RT_SPELLING_FLOAT_NUMBER;
        event_error(c, "%s: a Float written as a number (or null), which codetracer-0.19 "
                       "refuses (\"expected a string\"): write the 0.19 dialect "
                       "(runtime-tracing convert --dialect 0.19); reported once",
                    what);
    }
}

/* How the event was spelled, where the target's reader is stricter than
 * ours (DIALECT-0.19.md section 7): once per spelling. Floats written as
 * numbers are reported with their value, above. */
static void check_spelling(checker *c)
{
    static const struct {
        unsigned bit;
        bool for_0_19;
        const char *what;
    } strict[] = {
        {RT_SPELLING_FLOAT_TEXT, false,
         "a Float written as text, the 0.19 dialect's spelling, which codetracer-0.14 cannot "
         "read: write the 0.14 dialect (runtime-tracing convert --dialect 0.14)"},
        {RT_SPELLING_NO_METADATA, true,
         "an Event without `metadata`, which codetracer-0.19 refuses (\"missing field "
         "`metadata`\"): runtime-tracing convert --dialect 0.19 writes it (empty)"},
        {RT_SPELLING_NO_IS_SLICE, true,
         "a Sequence without `is_slice`, which codetracer-0.19 refuses (\"missing field "
         "`is_slice`\"): runtime-tracing convert --dialect 0.19 writes it (false)"},
        {RT_SPELLING_RVALUE_0, true,
         "an Assignment RValue in the older form {\"kind\":..,\"0\":..}, which "
         "codetracer-0.19 refuses (\"missing field `data`\"): runtime-tracing convert "
         "--dialect 0.19 writes {\"kind\":..,\"data\":..}"},
    };
    unsigned fresh = c->spelling & ~c->spelling_reported;
    if (!fresh)
        return;
    for (size_t i = 0; i < sizeof strict / sizeof strict[0]; i++) {
        if ((fresh & strict[i].bit) && strict[i].for_0_19 == c->for_0_19) {
            c->spelling_reported |= strict[i].bit;
            event_error(c, "%s; reported once", strict[i].what);
        }
    }
}

static void check_value(checker *c, const char *what, const rt_value *v)
{
    if (v->kind != RT_VALUE_CELL) {
        char w[96];
        snprintf(w, sizeof w, "%s (%s value)", what, rt_value_kind_name(v->kind));
        check_type_id(c, w, v->type_id, c->ntypes);
    }
    check_dialect_value(c, what, v);
    switch (v->kind) {
    case RT_VALUE_SEQUENCE:
    case RT_VALUE_TUPLE:
    case RT_VALUE_STRUCT:
        for (size_t i = 0; i < v->u.list.len; i++)
            check_value(c, what, &v->u.list.items[i]);
        break;
    case RT_VALUE_VARIANT:
        check_value(c, what, v->u.variant.contents);
        break;
    case RT_VALUE_REFERENCE:
        check_value(c, what, v->u.reference.dereferenced);
        break;
    default:
        break;
    }
}

static void check_event(checker *c, const rt_event *e)
{
    const char *name = rt_event_kind_name(e->kind);
    uint64_t errors = c->errors;
    switch (e->kind) {
    case RT_EVENT_STEP:
        check_path_id(c, name, e->u.step.path_id);
        if (!c->seen_call && !c->early_step_reported) {
            event_error(c, "Step before the first Call");
            c->early_step_reported = true;
        }
        c->live_steps++;
        break;
    case RT_EVENT_PATH:
        keep_path(c, e->u.path);
        c->npaths++;
        break;
    case RT_EVENT_VARIABLE_NAME:
    case RT_EVENT_VARIABLE:
        c->nvars++;
        break;
    case RT_EVENT_TYPE:
        if (e->u.type.info_kind == RT_INFO_STRUCT)
            for (size_t i = 0; i < e->u.type.info.fields.len; i++)
                check_type_id(c, "Type field", e->u.type.info.fields.items[i].type_id,
                              c->ntypes + 1);
        else if (e->u.type.info_kind == RT_INFO_POINTER)
            check_type_id(c, "Pointer type", e->u.type.info.dereference_type_id, c->ntypes + 1);
        c->ntypes++;
        break;
    case RT_EVENT_VALUE:
        check_var_id(c, name, e->u.value.variable_id);
        check_value(c, name, &e->u.value.value);
        break;
    case RT_EVENT_FUNCTION:
        check_path_id(c, name, e->u.function.path_id);
        c->nfuncs++;
        break;
    case RT_EVENT_CALL:
        if (e->u.call.function_id >= c->nfuncs)
            event_error(c, "Call uses function id %llu, but %llu functions are defined",
                        ULL(e->u.call.function_id), ULL(c->nfuncs));
        for (size_t i = 0; i < e->u.call.len; i++) {
            check_var_id(c, "Call argument", e->u.call.args[i].variable_id);
            check_value(c, "Call argument", &e->u.call.args[i].value);
        }
        c->calls++;
        c->seen_call = true;
        break;
    case RT_EVENT_RETURN:
        check_value(c, name, &e->u.return_value);
        if (++c->returns > c->calls)
            event_error(c, "Return without a Call to return from (%llu Returns, %llu Calls)",
                        ULL(c->returns), ULL(c->calls));
        break;
    case RT_EVENT_EVENT:
    case RT_EVENT_ASM:
    case RT_EVENT_ASSIGN_COMPOUND_ITEM: /* rt_load_check, below */
        break;
    case RT_EVENT_BIND_VARIABLE:
        check_var_id(c, name, e->u.bind.variable_id);
        if (!c->for_0_19)
            event_warning(c, "BindVariable: CodeTracer 25.x does not handle this event");
        break;
    case RT_EVENT_VARIABLE_CELL:
        check_var_id(c, name, e->u.bind.variable_id);
        break;
    case RT_EVENT_ASSIGNMENT: {
        const rt_rvalue *r = &e->u.assignment.from;
        check_var_id(c, name, e->u.assignment.to);
        if (r->kind == RT_RVALUE_SIMPLE || r->kind == RT_RVALUE_FIELD_ACCESS ||
            r->kind == RT_RVALUE_INDEX_ACCESS)
            check_var_id(c, "Assignment source", r->simple);
        else if (r->kind == RT_RVALUE_COMPOUND)
            for (size_t i = 0; i < r->len; i++)
                check_var_id(c, "Assignment source", r->ids[i]);
        if (!c->for_0_19 && r->kind > RT_RVALUE_COMPOUND)
            event_error(c, "Assignment with the RValue %s, which codetracer-0.14 cannot read in "
                           "every format (v0 has only Simple and Compound): use Simple or "
                           "Compound, or target codetracer-0.19",
                        r->kind == RT_RVALUE_LITERAL           ? "Literal"
                        : r->kind == RT_RVALUE_FIELD_ACCESS    ? "FieldAccess"
                        : r->kind == RT_RVALUE_INDEX_ACCESS    ? "IndexAccess"
                                                               : "FunctionReturn");
        if (!c->for_0_19)
            event_warning(c, "Assignment: CodeTracer 25.x does not handle this event");
        break;
    }
    case RT_EVENT_DROP_VARIABLES:
        for (size_t i = 0; i < e->u.drop_variables.len; i++)
            check_var_id(c, name, e->u.drop_variables.ids[i]);
        if (!c->for_0_19)
            event_warning(c, "DropVariables: CodeTracer 25.x does not handle this event");
        break;
    case RT_EVENT_COMPOUND_VALUE:
        check_value(c, name, &e->u.place_value.value);
        if (e->u.place_value.value.kind != RT_VALUE_SEQUENCE && !c->for_0_19)
            event_warning(c, "CompoundValue with a %s value: CodeTracer 25.x handles only Sequence",
                          rt_value_kind_name(e->u.place_value.value.kind));
        break;
    case RT_EVENT_CELL_VALUE:
    case RT_EVENT_ASSIGN_CELL:
        check_value(c, name, &e->u.place_value.value);
        break;
    case RT_EVENT_DROP_VARIABLE:
        check_var_id(c, name, e->u.drop_variable);
        break;
    case RT_EVENT_THREAD_START:
    case RT_EVENT_THREAD_EXIT:
    case RT_EVENT_THREAD_SWITCH:
        break;
    case RT_EVENT_DROP_LAST_STEP:
        if (c->live_steps == 0)
            event_error(c, "DropLastStep without a Step before it to cancel");
        else
            c->live_steps--;
        break;
    }
    /* What the 0.19 debugger fails to load (rt_load_check), unless the
     * event was found wrong already. */
    if (c->load && rt_load_check_event(c->load, e) == RT_EUNSUPPORTED && c->errors == errors)
        event_error(c, "%s", rt_load_check_errmsg(c->load));
}

/* Reads and checks every event of file. Returns the event count. */
static uint64_t check_events(checker *c, const char *file)
{
    rt_reader *r = cli_open_reader(file, false);
    if (!r) {
        c->errors++;
        return 0;
    }
    const rt_event *e;
    int rc;
    cli_progress_begin(&c->pg, r, file, c->quiet, false);
    c->format = rt_reader_format(r);
    while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
        c->index = rt_reader_event_index(r) - 1;
        c->spelling = rt_reader_event_spelling(r);
        check_event(c, e);
        check_spelling(c);
        cli_progress_event(&c->pg);
    }
    cli_progress_end(&c->pg);
    uint64_t n = rt_reader_event_index(r);
    if (rc != RT_READ_END) {
        /* The reader's message starts with the file name: not twice. */
        const char *msg = rt_reader_errmsg(r);
        size_t k = strlen(file);
        if (strncmp(msg, file, k) == 0 && msg[k] == ':' && msg[k + 1] == ' ')
            msg += k + 2;
        c->index = n;
        file_error(c, "%s (%s)", msg, rt_status_name(rc));
    }
    rt_reader_free(r);
    return n;
}

/* The container rules of a trace.ct (CTFS.md sections 3, 4, 8). */
static void check_ct(checker *c, const char *file)
{
    rt_ct_info ci;
    char err[512] = "";
    int rc = rt_ct_inspect(file, &ci, err, sizeof err);
    if (rc) {
        file_error(c, "container: %s (%s)", err, rt_status_name(rc));
    } else {
        if (!ci.whole_blocks)
            file_error(c, "%llu bytes, not a whole number of %u-byte blocks: the debugger "
                          "cannot read the last block (repair fixes it)",
                       ULL(ci.file_size), (unsigned)ci.block_size);
        if (!ci.meta_valid)
            file_error(c, "the debugger refuses meta.dat: %s", ci.meta_error);
        else if (ci.meta_flags & 0x0700)
            file_warning(c, "meta.dat flags 0x%04x attach calls/steps/values overlays that take "
                            "precedence over events.log", ci.meta_flags);
        if (!ci.has_events_log)
            file_error(c, "no events.log member: the debugger does not take the file for a trace");
        if (ci.truncated)
            file_error(c, "events.log: the last chunk is cut short after byte %llu (repair fixes it)",
                       ULL(ci.complete_end));
        else if (!ci.raw_cbor && !ci.counts_consistent)
            file_warning(c, "events.log: chunk first-event indexes do not add up");
    }
    rt_ct_info_clear(&ci);
}

/* True when p has a ".." segment (never copied into files/). */
static bool has_dotdot(const char *p)
{
    for (const char *s = p; (s = strstr(s, "..")); s += 2)
        if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
            return true;
    return false;
}

static void check_dir(checker *c, const char *dir)
{
    char *meta_path = cli_join(dir, "trace_metadata.json");
    char *paths_path = cli_join(dir, "trace_paths.json");
    char errbuf[512];
    rt_metadata meta;
    bool have_meta = false;
    int rc = rt_metadata_read(meta_path, &meta, errbuf, sizeof errbuf);
    if (rc == RT_ENOENT)
        file_error(c, "trace_metadata.json is missing");
    else if (rc)
        file_error(c, "trace_metadata.json: %s", errbuf);
    else
        have_meta = true;
    if (have_meta && c->for_0_19 && !meta.recording_id)
        file_error(c, "trace_metadata.json has no recording_id, which codetracer-0.19 requires "
                      "(\"missing field\"): record with the 0.19 dialect, or add a UUIDv7 "
                      "\"recording_id\" as its first key");

    rt_path_list pl;
    rc = rt_paths_read(paths_path, &pl, errbuf, sizeof errbuf);
    if (rc == RT_ENOENT) {
        file_error(c, "trace_paths.json is missing");
    } else if (rc) {
        file_error(c, "trace_paths.json: %s", errbuf);
    } else {
        size_t n = pl.len < c->npaths_kept ? pl.len : c->npaths_kept;
        size_t i = 0;
        while (i < n && strcmp(pl.paths[i], c->paths[i]) == 0)
            i++;
        if (i < n)
            file_error(c, "trace_paths.json entry %zu is \"%s\", but Path %zu of the events is \"%s\"",
                       i, pl.paths[i], i, c->paths[i]);
        else if (pl.len != c->npaths_kept)
            file_error(c, "trace_paths.json lists %zu paths, but the events define %zu", pl.len,
                       c->npaths_kept);
        rt_path_list_clear(&pl);
    }

    for (size_t i = 0; i < c->npaths_kept; i++) {
        const char *p = c->paths[i];
        if (!*p || has_dotdot(p) || (p[0] != '/' && (!have_meta || !meta.workdir)))
            continue;
        char *src = p[0] == '/' ? cli_strdup(p) : cli_join(meta.workdir, p);
        if (cli_is_file(src)) {
            char *files = cli_join(dir, "files");
            char *copy = cli_join(files, p[0] == '/' ? p + 1 : p);
            if (!cli_is_file(copy))
                file_error(c, "files/%s is missing (the source %s exists)", p[0] == '/' ? p + 1 : p,
                           src);
            free(copy);
            free(files);
        }
        free(src);
    }
    if (have_meta)
        rt_metadata_clear(&meta);
    free(meta_path);
    free(paths_path);
}

/* A trace directory whose metadata has a recording_id was written for 0.19. */
static bool dir_has_recording_id(const char *path)
{
    if (!cli_is_dir(path))
        return false;
    char *meta_path = cli_join(path, "trace_metadata.json");
    rt_metadata m;
    bool has = rt_metadata_read(meta_path, &m, NULL, 0) == RT_OK && m.recording_id;
    if (has || m.program)
        rt_metadata_clear(&m);
    free(meta_path);
    return has;
}

int cmd_validate(int argc, char **argv)
{
    bool quiet = cli_take_flag(&argc, argv, "--quiet");
    static const char *const opts[] = {"--for"};
    const char *vals[1], *pos[1];
    size_t npos;
    int rc = cli_parse(argc, argv, opts, vals, 1, pos, 1, &npos);
    if (rc < 0) {
        fputs(validate_help, stdout);
        return CLI_OK;
    }
    if (rc)
        return rc;
    if (npos < 1)
        return cli_usage("validate", "expected PATH");
    const char *path = pos[0];
    const char *target = vals[0];
    if (target && strcmp(target, "codetracer-0.14") != 0 && strcmp(target, "codetracer-0.19") != 0)
        return cli_usage("validate", "unknown target '%s' (codetracer-0.14 or codetracer-0.19)",
                         target);
    checker c;
    memset(&c, 0, sizeof c);
    c.quiet = quiet;
    uint64_t events = 0;
    bool dir = cli_is_dir(path);
    char *events_path = dir ? cli_events_path(path) : cli_strdup(path);
    if (!events_path)
        return CLI_INVALID;
    rt_dialect d = RT_DIALECT_0_14;
    if (target)
        c.for_0_19 = strcmp(target, "codetracer-0.19") == 0;
    else if (cli_output_dialect("validate", NULL, events_path, &d) == CLI_OK)
        c.for_0_19 = d == RT_DIALECT_0_19 || dir_has_recording_id(path) || cli_is_ct(events_path);
    printf("%s: checked for codetracer-%s\n", path, c.for_0_19 ? "0.19" : "0.14");
    if (c.for_0_19 && rt_load_check_new(&c.load, 0, NULL) != RT_OK) {
        cli_error("out of memory");
        exit(CLI_INVALID);
    }
    if (dir) {
        c.file = events_path;
        events = check_events(&c, events_path);
        if (cli_is_ct(events_path))
            check_ct(&c, events_path);
        c.file = path;
        check_dir(&c, path);
        char *bin = cli_join(path, "trace.bin");
        char *json = cli_join(path, "trace.json");
        if (cli_is_ct(events_path) && (cli_is_file(bin) || cli_is_file(json)))
            file_warning(&c, "trace.ct was checked; the trace.json or trace.bin beside it is "
                             "not what the debugger opens");
        else if (strcmp(events_path, bin) != 0 && cli_is_file(bin))
            file_warning(&c, "both trace.json and trace.bin: trace.json was checked, and a "
                             "loader may read either");
        free(json);
        free(bin);
    } else {
        c.file = path;
        events = check_events(&c, path);
        if (cli_is_ct(path))
            check_ct(&c, path);
    }
    free(events_path);
    if (c.shown_errors < c.errors || c.shown_warnings < c.warnings)
        printf("%s: ... %llu more errors and %llu more warnings not shown\n", path,
               ULL(c.errors - c.shown_errors), ULL(c.warnings - c.shown_warnings));
    if (c.errors)
        printf("%s: invalid (%llu errors, %llu warnings, %llu events)\n", path, ULL(c.errors),
               ULL(c.warnings), ULL(events));
    else
        printf("%s: valid (%llu events, %llu warnings)\n", path, ULL(events), ULL(c.warnings));
    checker_free(&c);
    return c.errors ? CLI_INVALID : CLI_OK;
}
