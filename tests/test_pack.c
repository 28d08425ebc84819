/* The packed form of buffered events (model/pack.h): every event kind and
 * value kind, at the integer limits, comes back equal; chunk boundaries and
 * events packed while a cursor reads are handled; the tracer hands the same
 * events back through rt_tracer_event_at. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/pack.h"

/* One event of every kind, with values of every kind nested inside. */
static size_t sample_events(rt_event *ev)
{
    static const uint8_t big[] = {1, 2, 255, 0, 7};
    static rt_value leaves[12];
    static rt_value seq[3], tuple[2], fields[2], inner, deref;
    static rt_full_value args[3];
    static rt_field_type ftypes[2];
    static rt_str lines[3];
    static rt_variable_id ids[4] = {0, 1, UINT64_MAX, 1u << 31};
    leaves[0] = rt_value_int(INT64_MIN, 3);
    leaves[1] = rt_value_int(INT64_MAX, UINT64_MAX);
    leaves[2] = rt_value_float(-0.0, 4);
    leaves[3] = rt_value_float(NAN, 4);
    leaves[4] = rt_value_float(5e-324, 4);
    leaves[5] = rt_value_bool(true, 5);
    leaves[6] = rt_value_string_n("a\0b\xe2\x80\xa8", 6, 6);
    leaves[7] = rt_value_string("", 6);
    leaves[8] = rt_value_raw("raw", 7);
    leaves[9] = rt_value_error("error", 8);
    leaves[10] = rt_value_none(0);
    leaves[11] = rt_value_cell(-42);
    inner = rt_value_bigint(big, sizeof big, true, 9);
    seq[0] = leaves[0];
    seq[1] = rt_value_variant("Some", &inner, 10);
    seq[2] = rt_value_bigint(NULL, 0, false, 9);
    tuple[0] = rt_value_sequence(seq, 3, true, 11);
    tuple[1] = rt_value_sequence(NULL, 0, false, 11);
    deref = rt_value_tuple(tuple, 2, 12);
    fields[0] = rt_value_reference(&deref, UINT64_MAX, true, 13);
    fields[1] = leaves[6];
    for (int i = 0; i < 3; i++)
        args[i].variable_id = (rt_variable_id)i * 1000000007u;
    args[0].value = leaves[1];
    args[1].value = rt_value_struct(fields, 2, 14);
    args[2].value = leaves[3];
    ftypes[0].name = rt_str_c("x");
    ftypes[0].type_id = 1;
    ftypes[1].name = rt_str_c("long field name");
    ftypes[1].type_id = UINT64_MAX;
    lines[0] = rt_str_c("mov rax, 1");
    lines[1] = rt_str_c("");
    lines[2] = rt_str_c("ret");

    size_t n = 0;
    memset(ev, 0, 64 * sizeof *ev);
    ev[n].kind = RT_EVENT_STEP, ev[n].u.step.path_id = UINT64_MAX, ev[n++].u.step.line = INT64_MIN;
    ev[n].kind = RT_EVENT_STEP, ev[n].u.step.path_id = 0, ev[n++].u.step.line = -1;
    ev[n].kind = RT_EVENT_PATH, ev[n++].u.path = rt_str_c("/a/b.rs");
    ev[n].kind = RT_EVENT_VARIABLE_NAME, ev[n++].u.name = rt_str_c("x");
    ev[n].kind = RT_EVENT_VARIABLE, ev[n++].u.name = rt_str_c("");
    ev[n].kind = RT_EVENT_TYPE, ev[n].u.type.kind = RT_TYPE_SLICE;
    ev[n++].u.type.lang_type = rt_str_c("[T]");
    ev[n].kind = RT_EVENT_TYPE, ev[n].u.type.kind = RT_TYPE_STRUCT;
    ev[n].u.type.lang_type = rt_str_c("Point");
    ev[n].u.type.info_kind = RT_INFO_STRUCT;
    ev[n].u.type.info.fields.items = ftypes;
    ev[n++].u.type.info.fields.len = 2;
    ev[n].kind = RT_EVENT_TYPE, ev[n].u.type.kind = RT_TYPE_POINTER;
    ev[n].u.type.lang_type = rt_str_c("*T");
    ev[n].u.type.info_kind = RT_INFO_POINTER;
    ev[n++].u.type.info.dereference_type_id = 77;
    for (int i = 0; i < 12; i++) {
        ev[n].kind = RT_EVENT_VALUE;
        ev[n].u.value.variable_id = (rt_variable_id)i;
        ev[n++].u.value.value = leaves[i];
    }
    ev[n].kind = RT_EVENT_FUNCTION, ev[n].u.function.path_id = 3;
    ev[n].u.function.line = INT64_MAX, ev[n++].u.function.name = rt_str_c("main");
    ev[n].kind = RT_EVENT_CALL, ev[n].u.call.function_id = 9, ev[n].u.call.args = args;
    ev[n++].u.call.len = 3;
    ev[n].kind = RT_EVENT_CALL, ev[n++].u.call.function_id = 0;
    ev[n].kind = RT_EVENT_RETURN, ev[n++].u.return_value = args[1].value;
    ev[n].kind = RT_EVENT_EVENT, ev[n].u.event.kind = RT_LOG_EVM_EVENT;
    ev[n].u.event.metadata = rt_str_c("meta");
    ev[n++].u.event.content = rt_str_c("content\n");
    ev[n].kind = RT_EVENT_ASM, ev[n].u.asm_lines.items = lines, ev[n++].u.asm_lines.len = 3;
    ev[n].kind = RT_EVENT_BIND_VARIABLE, ev[n].u.bind.variable_id = 4, ev[n++].u.bind.place = -5;
    ev[n].kind = RT_EVENT_VARIABLE_CELL, ev[n].u.bind.variable_id = 6, ev[n++].u.bind.place = 7;
    ev[n].kind = RT_EVENT_ASSIGNMENT, ev[n].u.assignment.to = 1;
    ev[n].u.assignment.pass_by = RT_PASS_BY_REFERENCE;
    ev[n].u.assignment.from.kind = RT_RVALUE_SIMPLE, ev[n++].u.assignment.from.simple = 2;
    ev[n].kind = RT_EVENT_ASSIGNMENT, ev[n].u.assignment.to = 3;
    ev[n].u.assignment.from.kind = RT_RVALUE_COMPOUND, ev[n].u.assignment.from.ids = ids;
    ev[n++].u.assignment.from.len = 4;
    ev[n].kind = RT_EVENT_ASSIGNMENT, ev[n].u.assignment.from.kind = RT_RVALUE_LITERAL, n++;
    ev[n].kind = RT_EVENT_DROP_VARIABLES, ev[n].u.drop_variables.ids = ids;
    ev[n++].u.drop_variables.len = 4;
    ev[n].kind = RT_EVENT_DROP_VARIABLES, n++;
    ev[n].kind = RT_EVENT_COMPOUND_VALUE, ev[n].u.place_value.place = 1;
    ev[n++].u.place_value.value = deref;
    ev[n].kind = RT_EVENT_CELL_VALUE, ev[n].u.place_value.place = 2;
    ev[n++].u.place_value.value = leaves[8];
    ev[n].kind = RT_EVENT_ASSIGN_CELL, ev[n].u.place_value.place = INT64_MIN;
    ev[n++].u.place_value.value = leaves[11];
    ev[n].kind = RT_EVENT_ASSIGN_COMPOUND_ITEM, ev[n].u.assign_item.place = -1;
    ev[n].u.assign_item.index = UINT64_MAX, ev[n++].u.assign_item.item_place = INT64_MAX;
    ev[n].kind = RT_EVENT_DROP_VARIABLE, ev[n++].u.drop_variable = UINT64_MAX;
    ev[n].kind = RT_EVENT_DROP_LAST_STEP, n++;
    return n;
}

static void test_round_trip(void **state)
{
    (void)state;
    rt_event ev[64];
    size_t n = sample_events(ev);
    rt_err err;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rt_event_check(&ev[i], &err), RT_OK);
    rt_pack pk;
    rt_pack_init(&pk, NULL);
    /* Enough rounds to fill several chunks, so events meet chunk ends. */
    for (int round = 0; round < 3000; round++)
        for (size_t i = 0; i < n; i++)
            assert_int_equal(rt_pack_event(&pk, &ev[i]), RT_OK);
    assert_int_equal(pk.count, 3000 * n);
    assert_true(pk.total > 64 * 1024);
    rt_arena a;
    rt_arena_init(&a, NULL, 4096);
    rt_pack_cursor c;
    rt_pack_cursor_init(&c, &pk);
    rt_event got;
    for (uint64_t k = 0; k < pk.count; k++) {
        rt_arena_reset(&a);
        assert_int_equal(rt_pack_next(&c, &a, &got), RT_READ_EVENT);
        if (!rt_event_equal(&got, &ev[k % n]))
            fail_msg("event %llu (%s) differs after packing", (unsigned long long)k,
                     rt_event_kind_name(ev[k % n].kind));
    }
    assert_int_equal(rt_pack_next(&c, &a, &got), RT_READ_END);
    /* Events packed after the cursor reached the end are read next. */
    assert_int_equal(rt_pack_event(&pk, &ev[1]), RT_OK);
    assert_int_equal(rt_pack_next(&c, &a, &got), RT_READ_EVENT);
    assert_true(rt_event_equal(&got, &ev[1]));
    rt_arena_free(&a);
    rt_pack_free(&pk);
    assert_int_equal(pk.count, 0);
    assert_int_equal(pk.total, 0);
}

/* An event larger than a chunk gets a chunk of its own. */
static void test_large_event(void **state)
{
    (void)state;
    size_t len = 300 * 1024;
    char *text = malloc(len);
    assert_non_null(text);
    memset(text, 'x', len);
    rt_event e;
    memset(&e, 0, sizeof e);
    e.kind = RT_EVENT_VALUE;
    e.u.value.value = rt_value_string_n(text, len, 1);
    rt_event step;
    memset(&step, 0, sizeof step);
    step.kind = RT_EVENT_STEP;
    rt_pack pk;
    rt_pack_init(&pk, NULL);
    assert_int_equal(rt_pack_event(&pk, &step), RT_OK);
    assert_int_equal(rt_pack_event(&pk, &e), RT_OK);
    assert_int_equal(rt_pack_event(&pk, &step), RT_OK);
    rt_arena a;
    rt_arena_init(&a, NULL, 4096);
    rt_pack_cursor c;
    rt_pack_cursor_init(&c, &pk);
    rt_event got;
    assert_int_equal(rt_pack_next(&c, &a, &got), RT_READ_EVENT);
    assert_true(rt_event_equal(&got, &step));
    assert_int_equal(rt_pack_next(&c, &a, &got), RT_READ_EVENT);
    assert_true(rt_event_equal(&got, &e));
    assert_int_equal(got.u.value.value.u.text.ptr[len], '\0');
    assert_int_equal(rt_pack_next(&c, &a, &got), RT_READ_EVENT);
    assert_true(rt_event_equal(&got, &step));
    assert_int_equal(rt_pack_next(&c, &a, &got), RT_READ_END);
    rt_arena_free(&a);
    rt_pack_free(&pk);
    free(text);
}

/* Through the tracer: raw events come back from rt_tracer_event_at, also
 * when reads and records alternate. */
static void test_tracer_event_at(void **state)
{
    (void)state;
    rt_event ev[64];
    size_t n = sample_events(ev);
    rt_tracer *t = NULL;
    assert_int_equal(rt_tracer_new(&t, "p", NULL, 0, NULL), RT_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rt_add_event(t, &ev[i]), RT_OK);
        const rt_event *back = rt_tracer_event_at(t, i);
        assert_non_null(back);
        assert_true(rt_event_equal(back, &ev[i]));
    }
    for (int round = 0; round < 200; round++)
        for (size_t i = 0; i < n; i++)
            if (ev[i].kind != RT_EVENT_PATH && ev[i].kind != RT_EVENT_FUNCTION &&
                ev[i].kind != RT_EVENT_TYPE && ev[i].kind != RT_EVENT_VARIABLE_NAME &&
                ev[i].kind != RT_EVENT_VARIABLE)
                assert_int_equal(rt_add_event(t, &ev[i]), RT_OK);
    uint64_t count = rt_tracer_event_count(t);
    assert_null(rt_tracer_event_at(t, count));
    const rt_event *last = rt_tracer_event_at(t, count - 1);
    assert_non_null(last);
    assert_int_equal(last->kind, RT_EVENT_DROP_LAST_STEP);
    /* Earlier pointers stay valid. */
    const rt_event *first = rt_tracer_event_at(t, 0);
    assert_true(rt_event_equal(first, &ev[0]));
    rt_tracer_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_large_event),
        cmocka_unit_test(test_tracer_event_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
