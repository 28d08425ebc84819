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

static void test_round_trip(void **state)
{
    (void)state;
    rt_event ev[64];
    size_t n = tu_sample_events(ev);
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
    size_t n = tu_sample_events(ev);
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
