/* Every recording loads in the CodeTracer debugger of 2026: DropLastStep
 * applied by the writer (rt_writer_options.cancel_steps) in every format,
 * against a model, with flushes and chunk cuts inside the held tail; the
 * tracer applying it for ct and the 0.19 dialect (buffered and streaming)
 * and keeping it for 0.14; what the debugger cannot load reported through
 * on_warning; convert --to ct refusing it (and --force); rt_load_check. */
#define RT_EXPERIMENTAL_CTFS /* rt_load_check */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cancel_model.h"
#include "model/model.h"

#define CHECKER RT_SOURCE_DIR "/../shared/tools/ctfs_check.py"
#define TAIL_MAX CANCEL_TAIL_MAX

static bool have_checker(void)
{
    static int have = -1;
    if (have < 0)
        have = access(CHECKER, R_OK) == 0 && tu_run("python3 -c 1 >/dev/null 2>&1") == 0 &&
               tu_run("zstd --version >/dev/null 2>&1") == 0;
    return have;
}

/* ctfs_check.py must load the .ct whole, with `steps` steps. */
static void assert_debugger_loads(const char *ct_path, size_t steps)
{
    if (!have_checker())
        return;
    char ct[1024];
    snprintf(ct, sizeof ct, "%s", ct_path); /* tu_join's buffers rotate */
    const char *dir = tu_tmpdir();
    const char *log = tu_join(dir, "check.txt");
    int rc = tu_run("python3 '%s' check '%s' > '%s' 2>&1", CHECKER, ct, log);
    size_t len;
    char *out = tu_read_file(log, &len);
    assert_non_null(out);
    size_t n = 0;
    for (const char *p = out; (p = strstr(p, "\nstep ")); p++)
        n++;
    if (rc != 0 || n != steps)
        fail_msg("%s: the debugger's loader (exit %d, %zu steps, want %zu):\n%s", ct, rc, n,
                 steps, out);
    free(out);
    tu_rmtree(dir);
}

/* ---- the model ------------------------------------------------------------ */

static size_t model(const rt_event *in, size_t n, bool *keep)
{
    const rt_event **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    assert_non_null(ptrs);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &in[i];
    size_t kept = cancel_model(ptrs, n, keep);
    free(ptrs);
    return kept;
}

/* The file at path holds exactly the kept events of in, in order. */
static void assert_kept(const char *path, const rt_event *in, size_t n, const bool *keep,
                        const char *what)
{
    rt_event_list *l;
    char err[600];
    if (rt_event_list_load(&l, path, NULL, err, sizeof err) != RT_OK)
        fail_msg("%s: %s", what, err);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        const rt_event *got = rt_event_list_at(l, j);
        if (!got || !rt_event_equal(got, &in[i]))
            fail_msg("%s: event %zu of the file is not input event %zu (%s)", what, j, i,
                     rt_event_kind_name(in[i].kind));
        j++;
    }
    if (j != rt_event_list_len(l))
        fail_msg("%s: %zu events in the file, %zu kept", what, rt_event_list_len(l), j);
    rt_event_list_free(l);
}

/* ---- the writer ---------------------------------------------------------- */

static rt_event ev_step(int64_t line)
{
    rt_event e = {.kind = RT_EVENT_STEP};
    e.u.step.path_id = 0;
    e.u.step.line = line;
    return e;
}

static rt_event ev_value(int64_t i)
{
    rt_event e = {.kind = RT_EVENT_VALUE};
    e.u.value.variable_id = (uint64_t)(i % 3);
    e.u.value.value = rt_value_int(i, 1);
    return e;
}

static rt_event ev_kind(rt_event_kind k)
{
    rt_event e;
    memset(&e, 0, sizeof e);
    e.kind = k;
    if (k == RT_EVENT_VARIABLE_NAME)
        e.u.name = rt_str_c("v");
    else if (k == RT_EVENT_EVENT)
        e.u.event.content = rt_str_c("out"), e.u.event.metadata = rt_str_c("");
    else if (k == RT_EVENT_RETURN)
        e.u.return_value = rt_value_none(0);
    return e;
}

typedef struct writer_format {
    rt_format format;
    bool ct_cbor;
    const char *name;
} writer_format;

static const writer_format formats[] = {{RT_FORMAT_JSON, false, "json"},
                                        {RT_FORMAT_V0, false, "v0"},
                                        {RT_FORMAT_V1, false, "v1"},
                                        {RT_FORMAT_CT, false, "ct"},
                                        {RT_FORMAT_CT, true, "ct-cbor"}};

/* Writes in[0..n) with cancel_steps, flushing before the events whose
 * flush[i] is set (when flush is given); small frames when small. Checks
 * the file against the model and the writer's counters. */
static void write_and_check(const writer_format *f, const rt_event *in, size_t n,
                            const bool *flush, bool small, const char *what)
{
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "trace.out");
    rt_writer_options o;
    rt_writer_options_init(&o, f->format);
    assert_int_equal(o.cancel_steps, f->format == RT_FORMAT_CT); /* the defaults */
    o.cancel_steps = true;
    o.dialect = RT_DIALECT_0_19;
    o.ct_cbor = f->ct_cbor;
    if (small)
        o.frame_size = 64;
    rt_writer *w;
    assert_int_equal(rt_writer_open(&w, path, &o), RT_OK);
    for (size_t i = 0; i < n; i++) {
        if (flush && flush[i])
            assert_int_equal(rt_writer_flush(w), RT_OK);
        assert_int_equal(rt_writer_write(w, &in[i]), RT_OK);
    }
    assert_int_equal(rt_writer_finish(w), RT_OK);
    bool *keep = calloc(n ? n : 1, sizeof *keep);
    assert_non_null(keep);
    size_t kept = model(in, n, keep);
    assert_int_equal(rt_writer_event_count(w), kept);
    uint64_t drops = 0, not_applied = 0;
    for (size_t i = 0; i < n; i++)
        drops += in[i].kind == RT_EVENT_DROP_LAST_STEP;
    uint64_t applied = rt_writer_steps_cancelled(w, &not_applied);
    assert_int_equal(applied + not_applied, drops);
    rt_writer_free(w);
    char label[128];
    snprintf(label, sizeof label, "%s, %s", f->name, what);
    assert_kept(path, in, n, keep, label);
    free(keep);
    tu_rmtree(dir);
}

static void test_writer_cases(void **state)
{
    (void)state;
    rt_event a[] = {ev_kind(RT_EVENT_VARIABLE_NAME), ev_kind(RT_EVENT_CALL), ev_step(1),
                    ev_kind(RT_EVENT_DROP_LAST_STEP), ev_step(2), ev_value(1), ev_value(2),
                    ev_kind(RT_EVENT_RETURN)};
    /* the first event cancelled (JSON: the next one loses its ','), then nothing */
    rt_event b[] = {ev_step(1), ev_value(1), ev_kind(RT_EVENT_DROP_LAST_STEP),
                    ev_kind(RT_EVENT_VARIABLE_NAME), ev_value(2)};
    rt_event c[] = {ev_step(1), ev_kind(RT_EVENT_DROP_LAST_STEP)};
    /* runs apart: a VariableName between the Values stays */
    rt_event d[] = {ev_step(1), ev_step(2), ev_value(1), ev_kind(RT_EVENT_VARIABLE_NAME),
                    ev_value(2), ev_kind(RT_EVENT_EVENT), ev_value(3),
                    ev_kind(RT_EVENT_DROP_LAST_STEP), ev_value(4)};
    /* a second DropLastStep in a row finds nothing held */
    rt_event e[] = {ev_step(1), ev_step(2), ev_kind(RT_EVENT_DROP_LAST_STEP),
                    ev_kind(RT_EVENT_DROP_LAST_STEP), ev_value(5)};
    const struct {
        const rt_event *ev;
        size_t n;
        const char *what;
    } cases[] = {{a, sizeof a / sizeof *a, "a Step cancelled"},
                 {b, sizeof b / sizeof *b, "the first event cancelled"},
                 {c, sizeof c / sizeof *c, "every event cancelled"},
                 {d, sizeof d / sizeof *d, "Values apart"},
                 {e, sizeof e / sizeof *e, "two in a row"}};
    for (size_t fi = 0; fi < sizeof formats / sizeof *formats; fi++)
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            write_and_check(&formats[fi], cases[i].ev, cases[i].n, NULL, false, cases[i].what);
            write_and_check(&formats[fi], cases[i].ev, cases[i].n, NULL, true, cases[i].what);
        }
}

/* A tail longer than the bound is let go: the DropLastStep after it is not
 * applied (and not written), the events are all there. */
static void test_writer_tail_bound(void **state)
{
    (void)state;
    size_t n = TAIL_MAX + 4;
    rt_event *ev = calloc(n, sizeof *ev);
    assert_non_null(ev);
    ev[0] = ev_step(1);
    for (size_t i = 1; i < n - 1; i++)
        ev[i] = ev_value((int64_t)i);
    ev[n - 1] = ev_kind(RT_EVENT_DROP_LAST_STEP);
    for (size_t fi = 0; fi < sizeof formats / sizeof *formats; fi++)
        write_and_check(&formats[fi], ev, n, NULL, false, "past the bound");
    /* just within it: applied */
    ev[TAIL_MAX + 1] = ev_kind(RT_EVENT_DROP_LAST_STEP);
    for (size_t fi = 0; fi < sizeof formats / sizeof *formats; fi++)
        write_and_check(&formats[fi], ev, TAIL_MAX + 2, NULL, false, "at the bound");
    free(ev);
}

/* Random streams with flushes anywhere and frames/chunks of 64 bytes, so
 * that both cut through held tails. */
static void test_writer_random(void **state)
{
    (void)state;
    srand(4242);
    enum { N = 400 };
    rt_event ev[N];
    bool flush[N];
    for (int round = 0; round < 30; round++) {
        for (size_t i = 0; i < N; i++) {
            int r = rand() % 16;
            ev[i] = r < 4    ? ev_step((int64_t)i)
                    : r < 9  ? ev_value((int64_t)i)
                    : r < 11 ? ev_kind(RT_EVENT_DROP_LAST_STEP)
                    : r < 12 ? ev_kind(RT_EVENT_VARIABLE_NAME)
                    : r < 13 ? ev_kind(RT_EVENT_EVENT)
                    : r < 14 ? ev_kind(RT_EVENT_CALL)
                             : ev_kind(RT_EVENT_RETURN);
            flush[i] = rand() % 10 == 0;
        }
        for (size_t fi = 0; fi < sizeof formats / sizeof *formats; fi++)
            write_and_check(&formats[fi], ev, N, flush, round % 2 == 0, "random");
    }
}

/* ---- the tracer ---------------------------------------------------------- */

typedef struct warnings {
    int count;
    char last[512];
} warnings;

/* Counts the warnings about events (not the sources that cannot be copied). */
static void on_warning(void *ctx, const char *msg)
{
    warnings *w = ctx;
    if (!strstr(msg, "event"))
        return;
    w->count++;
    snprintf(w->last, sizeof w->last, "%s", msg);
}

/* A recorder that cancels steps: 6 Steps registered, 2 cancelled (one
 * right away, one with a local after it), one cancelled across a flush. */
static void record_with_drops(rt_tracer *t, bool streaming_file)
{
    const char *p = "/src/app.c";
    rt_type_id int_t;
    assert_int_equal(rt_start(t, p, 1), RT_OK);
    assert_int_equal(rt_ensure_type_id(t, RT_TYPE_INT, "int", &int_t), RT_OK);
    assert_int_equal(rt_register_step(t, p, 2), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "x", rt_value_int(1, int_t)), RT_OK);
    assert_int_equal(rt_register_step(t, p, 3), RT_OK); /* cancelled at once */
    assert_int_equal(rt_drop_last_step(t), RT_OK);
    assert_int_equal(rt_register_step(t, p, 4), RT_OK);
    assert_int_equal(rt_register_variable_with_full_value(t, "x", rt_value_int(2, int_t)), RT_OK);
    assert_int_equal(rt_register_step(t, p, 5), RT_OK); /* cancelled with its local */
    assert_int_equal(rt_register_variable_with_full_value(t, "y", rt_value_int(3, int_t)), RT_OK);
    assert_int_equal(rt_tracer_flush(t), RT_OK);
    (void)streaming_file;
    assert_int_equal(rt_drop_last_step(t), RT_OK);
    assert_int_equal(rt_register_step(t, p, 6), RT_OK);
    assert_int_equal(rt_register_return(t, rt_value_none(0)), RT_OK);
}

static const char *events_file_name(rt_format f)
{
    return rt_format_events_file(f);
}

/* ct and the 0.19 dialect: the cancelled Steps never reach the file; 0.14
 * keeps DropLastStep as runtime_tracing 0.14.1 writes it. */
static void test_tracer(void **state)
{
    (void)state;
    static const struct {
        rt_format format;
        rt_dialect dialect;
        bool cancels;
    } cases[] = {{RT_FORMAT_CT, RT_DIALECT_0_14, true},  {RT_FORMAT_CT, RT_DIALECT_0_19, true},
                 {RT_FORMAT_JSON, RT_DIALECT_0_19, true}, {RT_FORMAT_V1, RT_DIALECT_0_19, true},
                 {RT_FORMAT_V0, RT_DIALECT_0_19, true},   {RT_FORMAT_JSON, RT_DIALECT_0_14, false},
                 {RT_FORMAT_V1, RT_DIALECT_0_14, false}};
    for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++)
        for (int mode = 0; mode < 2; mode++) {
            rt_tracer_options o;
            rt_tracer_options_init(&o);
            o.format = cases[ci].format;
            o.dialect = cases[ci].dialect;
            o.mode = (rt_mode)mode;
            warnings w = {0, ""};
            o.on_warning = on_warning;
            o.warning_ctx = &w;
            rt_tracer *t;
            assert_int_equal(rt_tracer_new(&t, "prog", NULL, 0, &o), RT_OK);
            const char *dir = tu_tmpdir();
            const char *file = tu_join(dir, events_file_name(cases[ci].format));
            if (mode == RT_MODE_STREAMING)
                assert_int_equal(rt_begin_writing_trace_events(t, file, RT_FORMAT_DEFAULT), RT_OK);
            record_with_drops(t, mode == RT_MODE_STREAMING);
            assert_int_equal(rt_tracer_write_trace_dir(t, dir, RT_FORMAT_DEFAULT), RT_OK);
            rt_event_list *l;
            assert_int_equal(rt_event_list_load(&l, file, NULL, NULL, 0), RT_OK);
            size_t steps = 0, drops = 0, values = 0;
            for (size_t i = 0; i < rt_event_list_len(l); i++) {
                rt_event_kind k = rt_event_list_at(l, i)->kind;
                steps += k == RT_EVENT_STEP;
                drops += k == RT_EVENT_DROP_LAST_STEP;
                values += k == RT_EVENT_VALUE;
            }
            rt_event_list_free(l);
            if (cases[ci].cancels) {
                assert_int_equal(steps, 3);
                assert_int_equal(drops, 0);
                assert_int_equal(values, 2); /* y went with its Step */
            } else {
                assert_int_equal(steps, 5);
                assert_int_equal(drops, 2);
                assert_int_equal(values, 3);
            }
            assert_int_equal(w.count, 0); /* nothing the debugger cannot load */
            if (cases[ci].format == RT_FORMAT_CT)
                assert_debugger_loads(file, 3);
            rt_tracer_free(t);
            tu_rmtree(dir);
        }
}

/* Streaming: the last Step stays back until the next event shows it
 * stands, across a flush; at finish it is written. */
static void test_tracer_held_step(void **state)
{
    (void)state;
    rt_format fs[] = {RT_FORMAT_CT, RT_FORMAT_V1, RT_FORMAT_JSON};
    for (size_t i = 0; i < sizeof fs / sizeof *fs; i++) {
        rt_tracer_options o;
        rt_tracer_options_init(&o);
        o.format = fs[i];
        o.dialect = RT_DIALECT_0_19;
        o.mode = RT_MODE_STREAMING;
        rt_tracer *t;
        assert_int_equal(rt_tracer_new(&t, "prog", NULL, 0, &o), RT_OK);
        const char *dir = tu_tmpdir();
        const char *file = tu_join(dir, events_file_name(fs[i]));
        assert_int_equal(rt_begin_writing_trace_events(t, file, RT_FORMAT_DEFAULT), RT_OK);
        assert_int_equal(rt_start(t, "/a.c", 1), RT_OK);
        assert_int_equal(rt_register_step(t, "/a.c", 2), RT_OK);
        assert_int_equal(rt_tracer_flush(t), RT_OK);
        /* a reader of the flushed file sees everything but the held Step */
        rt_reader_options ro;
        rt_reader_options_init(&ro);
        ro.follow = true;
        rt_reader *r;
        assert_int_equal(rt_reader_open(&r, file, &ro), RT_OK);
        const rt_event *e;
        int rc, steps = 0, events = 0;
        while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT) {
            events++;
            steps += e->kind == RT_EVENT_STEP;
        }
        assert_true(rc == RT_READ_PENDING || (fs[i] == RT_FORMAT_CT && rc == RT_READ_END));
        assert_int_equal(steps, 0);
        assert_true(events >= 3); /* Path, Function, Call */
        rt_reader_free(r);
        assert_int_equal(rt_finish_writing_trace_events(t), RT_OK);
        rt_event_list *l;
        assert_int_equal(rt_event_list_load(&l, file, NULL, NULL, 0), RT_OK);
        assert_int_equal(rt_event_list_at(l, rt_event_list_len(l) - 1)->kind, RT_EVENT_STEP);
        rt_event_list_free(l);
        rt_tracer_free(t);
        tu_rmtree(dir);
    }
}

/* A tracer writing ct reports what the debugger cannot load (it cannot
 * refuse it mid-recording), and keeps the events. */
static void test_tracer_warnings(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        rt_tracer_options o;
        rt_tracer_options_init(&o);
        o.format = RT_FORMAT_CT;
        o.mode = (rt_mode)mode;
        warnings w = {0, ""};
        o.on_warning = on_warning;
        o.warning_ctx = &w;
        rt_tracer *t;
        assert_int_equal(rt_tracer_new(&t, "prog", NULL, 0, &o), RT_OK);
        const char *dir = tu_tmpdir();
        assert_int_equal(rt_start(t, "/a.c", 1), RT_OK);
        assert_int_equal(rt_register_step(t, "/a.c", 2), RT_OK);
        assert_int_equal(rt_assign_compound_item(t, 7, 0, 8), RT_OK);
        if (mode == RT_MODE_BUFFERED)
            assert_int_equal(w.count, 0); /* checked when written */
        assert_int_equal(rt_tracer_write_trace_dir(t, dir, RT_FORMAT_DEFAULT), RT_OK);
        assert_int_equal(w.count, 1);
        assert_non_null(strstr(w.last, "event 5"));
        assert_non_null(strstr(w.last, "AssignCompoundItem into place 7"));
        rt_event_list *l;
        assert_int_equal(rt_event_list_load(&l, tu_join(dir, "trace.ct"), NULL, NULL, 0), RT_OK);
        assert_int_equal(rt_event_list_len(l), rt_tracer_event_count(t));
        rt_event_list_free(l);
        rt_tracer_free(t);
        tu_rmtree(dir);
    }
}

/* ---- rt_load_check ------------------------------------------------------- */

static void test_load_check(void **state)
{
    (void)state;
    rt_load_check *c;
    assert_int_equal(rt_load_check_new(&c, 0, NULL), RT_OK);
    rt_event e = ev_kind(RT_EVENT_RETURN);
    assert_int_equal(rt_load_check_event(c, &e), RT_EUNSUPPORTED);
    assert_non_null(strstr(rt_load_check_errmsg(c), "Return with no Call open"));
    e = ev_step(1); /* the first Step opens a <top-level> call */
    assert_int_equal(rt_load_check_event(c, &e), RT_OK);
    e = ev_kind(RT_EVENT_VARIABLE_CELL);
    assert_int_equal(rt_load_check_event(c, &e), RT_OK);
    e = ev_kind(RT_EVENT_RETURN);
    assert_int_equal(rt_load_check_event(c, &e), RT_OK);
    e = ev_kind(RT_EVENT_VARIABLE_CELL);
    assert_int_equal(rt_load_check_event(c, &e), RT_EUNSUPPORTED);
    e = ev_kind(RT_EVENT_COMPOUND_VALUE);
    e.u.place_value.place = 3;
    e.u.place_value.value = rt_value_int(1, 0);
    assert_int_equal(rt_load_check_event(c, &e), RT_EUNSUPPORTED);
    assert_non_null(strstr(rt_load_check_errmsg(c), "CompoundValue with a Int value"));
    e = ev_kind(RT_EVENT_ASSIGN_COMPOUND_ITEM);
    e.u.assign_item.place = 3;
    assert_int_equal(rt_load_check_event(c, &e), RT_EUNSUPPORTED);
    for (rt_place p = 0; p < 200; p++) { /* places grow the set; 0 has its own flag */
        e = ev_kind(RT_EVENT_COMPOUND_VALUE);
        e.u.place_value.place = p * 7;
        e.u.place_value.value = rt_value_sequence(NULL, 0, false, 0);
        assert_int_equal(rt_load_check_event(c, &e), RT_OK);
    }
    for (rt_place p = 0; p < 1400; p++) {
        e = ev_kind(RT_EVENT_ASSIGN_COMPOUND_ITEM);
        e.u.assign_item.place = p;
        assert_int_equal(rt_load_check_event(c, &e), p % 7 == 0 ? RT_OK : RT_EUNSUPPORTED);
    }
    e = ev_kind(RT_EVENT_DROP_LAST_STEP);
    assert_int_equal(rt_load_check_event(c, &e), RT_EUNSUPPORTED);
    rt_load_check_free(c);
    assert_int_equal(rt_load_check_new(&c, RT_LOAD_CHECK_CANCELS_STEPS, NULL), RT_OK);
    assert_int_equal(rt_load_check_event(c, &e), RT_OK);
    assert_int_equal(rt_load_check_event(NULL, &e), RT_EINVAL);
    rt_load_check_free(c);
    rt_load_check_free(NULL);
}

/* ---- convert --to ct ----------------------------------------------------- */

static void test_convert(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    const char *out = tu_join(dir, "out.ct");
    const char *log = tu_join(dir, "log.txt");
    /* the simple fixture: AssignCompoundItem into place 0 (a cell) */
    int rc = tu_run("'%s/runtime-tracing' convert '%s' '%s' --to ct 2>'%s'", RT_BIN_DIR,
                    tu_fixture("simple/trace.json"), out, log);
    assert_int_equal(rc, 1);
    size_t len;
    char *msg = tu_read_file(log, &len);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "event 31 (AssignCompoundItem)"));
    assert_non_null(strstr(msg, "--force"));
    free(msg);
    struct stat st;
    assert_int_equal(stat(out, &st), -1); /* nothing written */
    /* an OUT that was there stays as it was */
    FILE *f = fopen(out, "w");
    assert_non_null(f);
    fputs("before", f);
    fclose(f);
    assert_int_equal(tu_run("'%s/runtime-tracing' convert '%s' '%s' 2>/dev/null", RT_BIN_DIR,
                            tu_fixture("simple/trace.json"), out), 1);
    tu_assert_file_equals(out, "before", 6);
    /* --force: the events exactly as they are, DropLastStep included */
    assert_int_equal(tu_run("'%s/runtime-tracing' convert '%s' '%s' --force", RT_BIN_DIR,
                            tu_fixture("simple/trace.json"), out), 0);
    rt_event_list *want, *got;
    assert_int_equal(rt_event_list_load(&want, tu_fixture("simple/trace.json"), NULL, NULL, 0), RT_OK);
    assert_int_equal(rt_event_list_load(&got, out, NULL, NULL, 0), RT_OK);
    assert_int_equal(rt_event_list_len(got), rt_event_list_len(want));
    rt_event_list_free(got);
    rt_event_list_free(want);
    /* values: a DropLastStep, applied; the rest as it was; the debugger loads it */
    assert_int_equal(tu_run("'%s/runtime-tracing' convert '%s' '%s'", RT_BIN_DIR,
                            tu_fixture("values/values.json"), out), 0);
    assert_int_equal(rt_event_list_load(&want, tu_fixture("values/values.json"), NULL, NULL, 0), RT_OK);
    size_t n = rt_event_list_len(want), steps = 0;
    rt_event *in = calloc(n, sizeof *in);
    bool *keep = calloc(n, sizeof *keep);
    assert_non_null(in);
    assert_non_null(keep);
    for (size_t i = 0; i < n; i++) {
        in[i] = *rt_event_list_at(want, i);
        steps += in[i].kind == RT_EVENT_STEP;
    }
    model(in, n, keep);
    assert_kept(out, in, n, keep, "values.json to ct");
    assert_debugger_loads(out, steps - 1);
    /* to json, v0, v1 every event stays */
    const char *json = tu_join(dir, "out.json");
    assert_int_equal(tu_run("'%s/runtime-tracing' convert '%s' '%s' --dialect 0.19", RT_BIN_DIR,
                            tu_fixture("values/values.json"), json), 0);
    assert_int_equal(rt_event_list_load(&got, json, NULL, NULL, 0), RT_OK);
    assert_int_equal(rt_event_list_len(got), n);
    rt_event_list_free(got);
    free(in);
    free(keep);
    rt_event_list_free(want);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_cases),     cmocka_unit_test(test_writer_tail_bound),
        cmocka_unit_test(test_writer_random),    cmocka_unit_test(test_tracer),
        cmocka_unit_test(test_tracer_held_step), cmocka_unit_test(test_tracer_warnings),
        cmocka_unit_test(test_load_check),       cmocka_unit_test(test_convert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
