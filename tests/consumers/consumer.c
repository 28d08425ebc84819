/* A C program built against an installed runtime_tracing (see run.sh):
 * records the tutorial trace into DIR, checks the recorded events and the
 * version macros against the library it runs with.
 *
 *   consumer DIR
 */
#include <runtime_tracing.h>

#include <stdio.h>
#include <string.h>

static int fail(const char *what, const char *msg)
{
    fprintf(stderr, "consumer-c: %s: %s\n", what, msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    if (rt_version_number() != RT_VERSION_NUMBER || strcmp(rt_version_string(), RT_VERSION_STRING) != 0)
        return fail("version", "header and library differ");

    rt_tracer *t = NULL;
    int rc = rt_tracer_new(&t, "example_program", NULL, 0, NULL);
    if (rc != RT_OK)
        return fail("rt_tracer_new", rt_strerror(rc));
    rt_type_id i32 = 0;
    if (rt_start(t, "example.rs", 1) || rt_register_step(t, "example.rs", 1) ||
        rt_ensure_type_id(t, RT_TYPE_INT, "i32", &i32) ||
        rt_register_variable_with_full_value(t, "answer", rt_value_int(42, i32)) ||
        rt_register_return(t, rt_value_none(0)) ||
        rt_tracer_write_trace_dir(t, argv[1], RT_FORMAT_DEFAULT)) {
        rc = fail("recording", rt_tracer_errmsg(t));
        rt_tracer_free(t);
        return rc;
    }
    /* Buffered mode keeps the events: check them through the API. */
    uint64_t n = rt_tracer_event_count(t);
    int answers = 0;
    for (uint64_t i = 0; i < n; i++) {
        const rt_event *ev = rt_tracer_event_at(t, i);
        if (ev && ev->kind == RT_EVENT_VALUE && ev->u.value.value.kind == RT_VALUE_INT &&
            ev->u.value.value.u.i == 42)
            answers++;
    }
    rt_tracer_free(t);
    if (n != 9 || answers != 1)
        return fail("events", "expected 9 events with one Value 42");
    printf("consumer-c: runtime_tracing %s, %llu events\n", rt_version_string(), (unsigned long long)n);
    return 0;
}
