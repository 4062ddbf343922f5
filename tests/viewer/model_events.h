/*
 * model_events.h — synthetic trace events for the viewer's tests: each
 * stamped 1 µs after the one before, and applied to a model that must take
 * it. Header-only: each test program has its own clock.
 */
#ifndef FORKLAB_TEST_MODEL_EVENTS_H
#define FORKLAB_TEST_MODEL_EVENTS_H

#include "model.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static uint64_t model_events_clock = 1000;

/* An event of kind with these fields (text may be NULL), stamped next. */
static inline struct mp_trace_event model_event(unsigned kind, int pid, uint64_t obj, int64_t a, int64_t b,
                                                const char *text)
{
    struct mp_trace_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t_ns = (model_events_clock += 1000);
    ev.kind = (uint16_t)kind;
    ev.pid = pid;
    ev.obj = obj;
    ev.a = a;
    ev.b = b;
    if (text) snprintf(ev.text, sizeof ev.text, "%s", text);
    return ev;
}

/* model_event() applied to m. */
static inline void model_event_apply(struct model *m, unsigned kind, int pid, uint64_t obj, int64_t a, int64_t b,
                                     const char *text)
{
    struct mp_trace_event ev = model_event(kind, pid, obj, a, b, text);
    cr_assert_eq(model_apply(m, &ev), 0);
}

#endif
