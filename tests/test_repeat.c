/* rt_register_repeat_value: a recording that repeats the values it knows
 * unchanged writes the same events as one that registers every value, in
 * every format, mode and dialect, with small frames and chunks, flushes,
 * DropLastStep (cancelled for ct and 0.19), values past the size kept,
 * call arguments that give a variable its value, and variables not
 * defined; through a trace filter too (values redacted, dropped, struct
 * fields redacted, hidden strings seen again, a skipped function); repeats
 * do hit where the format keeps bytes. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

#define NVARS 12
#define BIG (70 * 1024) /* over the 64 KiB a repeat keeps */

typedef struct rng {
    uint64_t s;
} rng;

static unsigned next(rng *r, unsigned n)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)((r->s >> 33) % n);
}

/* The value a variable holds: kind and seed, rebuilt the same each time. */
typedef struct held {
    int kind; /* 0 int, 1 string, 2 sequence, 3 struct, 4 big string, 5 none */
    unsigned seed;
} held;

typedef struct types {
    rt_type_id i, s, seq, st;
} types;

static char big_text[BIG + 1];
static char texts[64][40];

static rt_value build(const types *ty, const held *h, rt_value items[4])
{
    switch (h->kind) {
    case 0:
        return rt_value_int((int64_t)h->seed * 2654435761u, ty->i);
    case 1:
        return rt_value_string(texts[h->seed % 64], ty->s);
    case 2:
        for (unsigned i = 0; i < 3; i++)
            items[i] = rt_value_int(h->seed + i, ty->i);
        return rt_value_sequence(items, 3, false, ty->seq);
    case 3:
        items[0] = rt_value_int(h->seed, ty->i);
        items[1] = rt_value_string(texts[(h->seed + 1) % 64], ty->s);
        return rt_value_struct(items, 2, ty->st);
    case 4:
        memset(big_text, 'a' + (int)(h->seed % 26), BIG);
        return rt_value_string_n(big_text, BIG, ty->s);
    default:
        return rt_value_none(0);
    }
}

typedef struct recording {
    rt_tracer *t;
    bool repeat;
    uint64_t hits, misses;
} recording;

/* callee redacts v2, drops v3, redacts its argument v1 and the b field of
 * structs; skipped is skipped; code outside any call keeps everything. */
static const char filter_text[] =
    "[meta]\nname = \"repeat\"\nversion = 1\n"
    "[scope]\ndefault_exec = \"trace\"\ndefault_value_action = \"allow\"\n"
    "[[scope.rules]]\nselector = 'obj:skipped'\nexec = \"skip\"\n"
    "[[scope.rules]]\nselector = 'obj:callee'\n"
    "value_patterns = [\n"
    "  { selector = 'local:v2', action = \"redact\" },\n"
    "  { selector = 'local:v3', action = \"drop\" },\n"
    "  { selector = 'arg:v1', action = \"redact\" },\n"
    "  { selector = 'attr:b', action = \"redact\" },\n"
    "]\n";

static const rt_filter *filter; /* NULL: recordings without one */

static rt_tracer *new_tracer(rt_format f, rt_mode mode, rt_dialect d, size_t frame)
{
    rt_tracer_options o;
    rt_tracer_options_init(&o);
    o.filter = filter;
    o.format = f;
    o.mode = mode;
    o.dialect = d;
    o.frame_size = frame;
    rt_tracer *t = NULL;
    assert_int_equal(rt_tracer_new(&t, "repeat", NULL, 0, &o), RT_OK);
    return t;
}

static void ok(rt_tracer *t, int rc)
{
    if (rc != RT_OK)
        fail_msg("%s (%s)", rt_tracer_errmsg(t), rt_status_name(rc));
}

/* The value of variable v, repeated when rec repeats and nothing changed
 * since v was given its last value. */
static void give(recording *rec, const types *ty, rt_variable_id vid, const held *h, bool same)
{
    rt_value items[4];
    if (rec->repeat && same) {
        int rc = rt_register_repeat_value(rec->t, vid);
        if (rc == RT_OK) {
            rec->hits++;
            return;
        }
        assert_int_equal(rc, RT_REPEAT_MISS);
        rec->misses++;
    }
    ok(rec->t, rt_register_full_value(rec->t, vid, build(ty, h, items)));
}

/* The same script into both recordings: steps showing the variables,
 * calls whose arguments give some of them a value, flushes, DropLastStep,
 * an undefined variable. */
static void script(recording *recs, size_t nrecs, unsigned seed, unsigned steps)
{
    rng r = {seed};
    types ty[2];
    rt_variable_id vids[NVARS];
    rt_function_id fid = 0, skipped = 0;
    for (size_t k = 0; k < nrecs; k++) {
        rt_tracer *t = recs[k].t;
        ok(t, rt_start(t, "/repeat/main.c", 1));
        ok(t, rt_ensure_type_id(t, RT_TYPE_INT, "int", &ty[k].i));
        ok(t, rt_ensure_type_id(t, RT_TYPE_STRING, "string", &ty[k].s));
        ok(t, rt_ensure_type_id(t, RT_TYPE_SEQ, "int[]", &ty[k].seq));
        rt_field_type fields[2] = {{rt_str_c("a"), ty[k].i}, {rt_str_c("b"), ty[k].s}};
        rt_type_record rec;
        memset(&rec, 0, sizeof rec);
        rec.kind = RT_TYPE_STRUCT;
        rec.lang_type = rt_str_c("pair");
        rec.info_kind = RT_INFO_STRUCT;
        rec.info.fields.items = fields;
        rec.info.fields.len = 2;
        ok(t, rt_ensure_raw_type_id(t, &rec, &ty[k].st));
        for (unsigned v = 0; v < NVARS; v++) {
            char name[16];
            snprintf(name, sizeof name, "v%u", v);
            ok(t, rt_ensure_variable_id(t, name, &vids[v]));
        }
        ok(t, rt_ensure_function_id(t, "callee", "/repeat/main.c", 5, &fid));
        ok(t, rt_ensure_function_id(t, "skipped", "/repeat/main.c", 7, &skipped));
    }
    held h[NVARS];
    bool given[NVARS] = {false};
    for (unsigned v = 0; v < NVARS; v++)
        h[v] = (held){(int)(v % 6), v};
    for (unsigned s = 0; s < steps; s++) {
        unsigned what = next(&r, 100);
        if (what < 4) {
            /* a call: its arguments give v0 and v1 or v2 values (callee
             * redacts the argument v1 and the local v2: v0's value can be
             * repeated in callee, v2's cannot) */
            rt_function_id callee = what == 3 ? skipped : fid;
            unsigned second = 1 + next(&r, 2);
            for (unsigned a = 0; a < 2; a++) {
                unsigned v = a ? second : 0;
                if (next(&r, 2))
                    h[v] = (held){(int)next(&r, 4), next(&r, 1000)};
                given[v] = true;
            }
            for (size_t k = 0; k < nrecs; k++) {
                rt_value it0[4], it1[4];
                rt_full_value args[2] = {{vids[0], build(&ty[k], &h[0], it0)},
                                         {vids[second], build(&ty[k], &h[second], it1)}};
                ok(recs[k].t, rt_register_call(recs[k].t, callee, args, 2));
            }
            continue;
        }
        if (what < 7) {
            for (size_t k = 0; k < nrecs; k++)
                ok(recs[k].t, rt_register_return(recs[k].t, rt_value_none(0)));
            continue;
        }
        if (what < 9) {
            for (size_t k = 0; k < nrecs; k++)
                ok(recs[k].t, rt_tracer_flush(recs[k].t));
            continue;
        }
        if (what < 12) {
            for (size_t k = 0; k < nrecs; k++)
                ok(recs[k].t, rt_drop_last_step(recs[k].t));
            continue;
        }
        if (what < 13) { /* an id no VariableName defined: always missed */
            for (size_t k = 0; k < nrecs; k++)
                if (recs[k].repeat)
                    assert_int_equal(rt_register_repeat_value(recs[k].t, 1000000), RT_REPEAT_MISS);
            continue;
        }
        for (size_t k = 0; k < nrecs; k++)
            ok(recs[k].t, rt_register_step(recs[k].t, "/repeat/main.c", 10 + s % 7));
        unsigned shown = 3 + next(&r, NVARS - 2);
        for (unsigned v = 0; v < shown; v++) {
            bool same = given[v] && next(&r, 4) != 0;
            if (!same)
                h[v] = (held){(int)(next(&r, 40) == 0 ? 4 : next(&r, 6) == 5 ? 5 : next(&r, 4)),
                              next(&r, 1000)};
            for (size_t k = 0; k < nrecs; k++)
                give(&recs[k], &ty[k], vids[v], &h[v], same);
            given[v] = true;
        }
    }
}

static void load(const char *path, rt_event_list **out)
{
    char err[512];
    int rc = rt_event_list_load(out, path, NULL, err, sizeof err);
    if (rc != RT_OK)
        fail_msg("%s: %s", path, err);
}

static void same_events(const char *a, const char *b)
{
    rt_event_list *la, *lb;
    load(a, &la);
    load(b, &lb);
    assert_int_equal(rt_event_list_len(la), rt_event_list_len(lb));
    for (size_t i = 0; i < rt_event_list_len(la); i++)
        if (!rt_event_equal(rt_event_list_at(la, i), rt_event_list_at(lb, i)))
            fail_msg("%s: event %zu differs from %s's", a, i, b);
    rt_event_list_free(la);
    rt_event_list_free(lb);
}

static void one(rt_format f, rt_mode mode, rt_dialect d, size_t frame, unsigned seed)
{
    const char *dir = tu_tmpdir();
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/a.%s", dir, rt_format_name(f));
    snprintf(pb, sizeof pb, "%s/b.%s", dir, rt_format_name(f));
    recording recs[2] = {{new_tracer(f, mode, d, frame), true, 0, 0},
                         {new_tracer(f, mode, d, frame), false, 0, 0}};
    if (mode == RT_MODE_STREAMING) {
        ok(recs[0].t, rt_begin_writing_trace_events(recs[0].t, pa, f));
        ok(recs[1].t, rt_begin_writing_trace_events(recs[1].t, pb, f));
    }
    script(recs, 2, seed, 3000);
    assert_int_equal(rt_tracer_event_count(recs[0].t), rt_tracer_event_count(recs[1].t));
    if (mode == RT_MODE_STREAMING) {
        ok(recs[0].t, rt_finish_writing_trace_events(recs[0].t));
        ok(recs[1].t, rt_finish_writing_trace_events(recs[1].t));
    } else {
        ok(recs[0].t, rt_begin_writing_trace_events(recs[0].t, pa, f));
        ok(recs[0].t, rt_finish_writing_trace_events(recs[0].t));
        ok(recs[1].t, rt_begin_writing_trace_events(recs[1].t, pb, f));
        ok(recs[1].t, rt_finish_writing_trace_events(recs[1].t));
    }
    same_events(pa, pb);
    /* Where the format keeps bytes (all but v0 streaming), most repeats hit. */
    bool keeps = !(f == RT_FORMAT_V0 && mode == RT_MODE_STREAMING);
    /* (a filter refuses more: values it changed, the strings it hid growing) */
    if (keeps && recs[0].hits <= (filter ? recs[0].misses / 2 : recs[0].misses))
        fail_msg("%s %s: %llu repeats, %llu missed", rt_format_name(f),
                 mode == RT_MODE_STREAMING ? "streaming" : "buffered",
                 (unsigned long long)recs[0].hits, (unsigned long long)recs[0].misses);
    if (!keeps && !filter) /* (in a skipped function a repeat records nothing: RT_OK) */
        assert_int_equal(recs[0].hits, 0);
    print_message("%s %s %s frames %zu: %llu repeats, %llu missed\n", rt_format_name(f),
                  mode == RT_MODE_STREAMING ? "streaming" : "buffered", rt_dialect_name(d), frame,
                  (unsigned long long)recs[0].hits, (unsigned long long)recs[0].misses);
    rt_tracer_free(recs[0].t);
    rt_tracer_free(recs[1].t);
    tu_rmtree(dir);
}

static void init_texts(void)
{
    memset(big_text, 'x', BIG);
    for (int i = 0; i < 64; i++)
        snprintf(texts[i], sizeof texts[i], "text number %d", i * 37);
}

static void test_same_events(void **state)
{
    (void)state;
    init_texts();
    const rt_format formats[] = {RT_FORMAT_JSON, RT_FORMAT_V0, RT_FORMAT_V1, RT_FORMAT_CT};
    for (size_t fi = 0; fi < 4; fi++)
        for (int m = 0; m < 2; m++)
            for (int d = 0; d < 2; d++) {
                one(formats[fi], (rt_mode)m, (rt_dialect)d, 0, 7 + (unsigned)(fi * 4 + m * 2 + d));
                /* frames and chunks cut through the held tails */
                if (formats[fi] >= RT_FORMAT_V1)
                    one(formats[fi], (rt_mode)m, (rt_dialect)d, 200, 99 + (unsigned)m);
            }
}

/* Through a filter: a repeat is refused where the filter would decide the
 * value differently from the last time, and the events are the same. */
static void test_filtered(void **state)
{
    (void)state;
    init_texts();
    const char *dir = tu_tmpdir();
    rt_filter *flt = tu_load_filter_text(dir, filter_text);
    filter = flt;
    const rt_format formats[] = {RT_FORMAT_JSON, RT_FORMAT_V0, RT_FORMAT_V1, RT_FORMAT_CT};
    for (size_t fi = 0; fi < 4; fi++)
        for (int m = 0; m < 2; m++)
            one(formats[fi], (rt_mode)m, RT_DIALECT_0_14, formats[fi] >= RT_FORMAT_V1 ? 200 : 0,
                300 + (unsigned)(fi * 2 + m));
    one(RT_FORMAT_CT, RT_MODE_STREAMING, RT_DIALECT_0_19, 0, 400);
    filter = NULL;
    rt_filter_free(flt);
    tu_rmtree(dir);
}

/* Before the first repeat of a variable nothing is kept: a miss, and its
 * values are kept from then on; NULL is RT_EINVAL. */
static void test_edges(void **state)
{
    (void)state;
    assert_int_equal(rt_register_repeat_value(NULL, 0), RT_EINVAL);
    const char *dir = tu_tmpdir();
    rt_tracer *t = new_tracer(RT_FORMAT_V1, RT_MODE_STREAMING, RT_DIALECT_0_14, 0);
    ok(t, rt_begin_writing_trace_events(t, tu_join(dir, "t.bin"), RT_FORMAT_DEFAULT));
    ok(t, rt_start(t, "/e.c", 1));
    rt_variable_id v;
    ok(t, rt_ensure_variable_id(t, "x", &v));
    assert_int_equal(rt_register_repeat_value(t, v), RT_REPEAT_MISS); /* none given yet */
    ok(t, rt_register_full_value(t, v, rt_value_int(5, 0)));
    assert_int_equal(rt_register_repeat_value(t, v), RT_OK); /* kept since the miss */
    ok(t, rt_register_full_value(t, v, rt_value_int(6, 0)));
    assert_int_equal(rt_register_repeat_value(t, v), RT_OK);
    assert_int_equal(rt_register_repeat_value(t, v), RT_OK);
    uint64_t n = rt_tracer_event_count(t);
    ok(t, rt_finish_writing_trace_events(t));
    rt_event_list *l;
    load(tu_join(dir, "t.bin"), &l);
    assert_int_equal(rt_event_list_len(l), n);
    for (size_t i = n - 3; i < n; i++) {
        const rt_event *e = rt_event_list_at(l, i);
        assert_int_equal(e->kind, RT_EVENT_VALUE);
        assert_int_equal(e->u.value.value.u.i, 6);
    }
    rt_event_list_free(l);
    rt_tracer_free(t);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_events),
        cmocka_unit_test(test_filtered),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
