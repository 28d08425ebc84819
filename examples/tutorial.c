/* The tutorial program of docs/tutorial.md: records a tiny trace and writes
 * it as a trace directory.
 *
 *   build/bin/tutorial DIR [json|v0|v1]
 */
#include <stdio.h>

#include "runtime_tracing.h"

static void print_warning(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "tutorial: warning: %s\n", message);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s DIR [json|v0|v1]\n", argv[0]);
        return 2;
    }
    rt_tracer_options opts;
    rt_tracer_options_init(&opts);
    if (argc == 3 && rt_format_parse(argv[2], &opts.format) != RT_OK) {
        fprintf(stderr, "tutorial: unknown format %s\n", argv[2]);
        return 2;
    }
    opts.on_warning = print_warning;

    rt_tracer *t = NULL;
    int rc = rt_tracer_new(&t, "example_program", NULL, 0, &opts);
    if (rc != RT_OK) {
        fprintf(stderr, "tutorial: %s\n", rt_strerror(rc));
        return 1;
    }

    /* The program starts at example.rs line 1 and steps onto that line. */
    rt_type_id i32 = 0;
    if ((rc = rt_start(t, "example.rs", 1)) ||
        (rc = rt_register_step(t, "example.rs", 1)) ||
        /* A variable `answer` holds the i32 42 ... */
        (rc = rt_ensure_type_id(t, RT_TYPE_INT, "i32", &i32)) ||
        (rc = rt_register_variable_with_full_value(t, "answer", rt_value_int(42, i32))) ||
        /* ... and the program returns nothing (type 0 is None). */
        (rc = rt_register_return(t, rt_value_none(0))) ||
        (rc = rt_tracer_write_trace_dir(t, argv[1], RT_FORMAT_DEFAULT))) {
        fprintf(stderr, "tutorial: %s\n", rt_tracer_errmsg(t));
        rt_tracer_free(t);
        return 1;
    }
    rt_tracer_free(t);
    return 0;
}
