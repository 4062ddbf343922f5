/*
 * trace.c — trace events (mp_trace.h). Minimal transport: tracing is off
 * until the trace work lands; the entry points exist so every primitive can
 * call them.
 */
#include "mp_private.h"

#include <stdarg.h>

bool mp__trace_on = false;

static const char *const ev_names[MP_EV__COUNT] = {
    [MP_EV_NONE] = "none",
    [MP_EV_PROC_START] = "proc_start",
    [MP_EV_PROC_EXIT] = "proc_exit",
    [MP_EV_LOCK_NEW] = "lock_new",
    [MP_EV_LOCK_WAIT] = "lock_wait",
    [MP_EV_LOCK_ACQUIRE] = "lock_acquire",
    [MP_EV_LOCK_TIMEOUT] = "lock_timeout",
    [MP_EV_LOCK_RELEASE] = "lock_release",
    [MP_EV_VALUE_NEW] = "value_new",
    [MP_EV_ARRAY_NEW] = "array_new",
    [MP_EV_MEM_WRITE] = "mem_write",
    [MP_EV_PIPE_NEW] = "pipe_new",
    [MP_EV_PIPE_SEND] = "pipe_send",
    [MP_EV_PIPE_RECV] = "pipe_recv",
    [MP_EV_PIPE_CLOSE] = "pipe_close",
    [MP_EV_QUEUE_NEW] = "queue_new",
    [MP_EV_QUEUE_PUT_WAIT] = "queue_put_wait",
    [MP_EV_QUEUE_PUT] = "queue_put",
    [MP_EV_QUEUE_GET_WAIT] = "queue_get_wait",
    [MP_EV_QUEUE_GET] = "queue_get",
    [MP_EV_QUEUE_TIMEOUT] = "queue_timeout",
    [MP_EV_POOL_NEW] = "pool_new",
    [MP_EV_POOL_WORKER] = "pool_worker",
    [MP_EV_TASK_SUBMIT] = "task_submit",
    [MP_EV_TASK_START] = "task_start",
    [MP_EV_TASK_DONE] = "task_done",
    [MP_EV_ASYNC_NEW] = "async_new",
    [MP_EV_ASYNC_POLL] = "async_poll",
    [MP_EV_ASYNC_READY] = "async_ready",
    [MP_EV_MANAGER_OP] = "manager_op",
    [MP_EV_NOTE] = "note",
};

const char *mp_ev_name(unsigned kind)
{
    return kind < MP_EV__COUNT && ev_names[kind] ? ev_names[kind] : "?";
}

void mp__trace_emit(unsigned kind, uint64_t obj, int64_t a, int64_t b, const char *text)
{
    MP__UNUSED(kind), MP__UNUSED(obj), MP__UNUSED(a), MP__UNUSED(b), MP__UNUSED(text);
}

void mp__trace_emit_data(unsigned kind, uint64_t obj, int64_t a, int64_t b, const void *data, size_t len)
{
    MP__UNUSED(kind), MP__UNUSED(obj), MP__UNUSED(a), MP__UNUSED(b), MP__UNUSED(data), MP__UNUSED(len);
}

void mp__trace_child_started(const char *name)
{
    MP__UNUSED(name);
}

bool mp_trace_enabled(void)
{
    return mp__trace_on;
}

void mp_trace_note(const char *fmt, ...)
{
    MP__UNUSED(fmt);
}
