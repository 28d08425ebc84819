/* What a writer with rt_writer_options.cancel_steps keeps of a stream, as
 * a model for the tests and the fuzzer: a DropLastStep removes the last
 * Step, when it is still held (no more than CANCEL_TAIL_MAX events after
 * it), and the Values after that Step; no DropLastStep is written. */
#ifndef RT_TESTS_CANCEL_MODEL_H
#define RT_TESTS_CANCEL_MODEL_H

#include "runtime_tracing.h"

#define CANCEL_TAIL_MAX 4096 /* the writer's bound */

/* keep[i] tells whether in[i] is written; returns how many are. */
static inline size_t cancel_model(const rt_event *const *in, size_t n, bool *keep)
{
    long held = -1; /* index of the held Step */
    size_t tail = 0;
    for (size_t i = 0; i < n; i++) {
        keep[i] = in[i]->kind != RT_EVENT_DROP_LAST_STEP;
        if (in[i]->kind == RT_EVENT_DROP_LAST_STEP) {
            for (long j = held; held >= 0 && j < (long)i; j++)
                if (j == held || in[j]->kind == RT_EVENT_VALUE)
                    keep[j] = false;
            held = -1;
        } else if (in[i]->kind == RT_EVENT_STEP) {
            held = (long)i;
            tail = 0;
        } else if (held >= 0 && ++tail > CANCEL_TAIL_MAX) {
            held = -1;
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        kept += keep[i];
    return kept;
}

#endif
