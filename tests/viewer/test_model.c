/*
 * test_model.c — the model from synthetic event sequences: every fact the
 * panels, the dump and the grader read, checked step by step.
 */
#include "model.h"
#include "words.h"
#include "model_events.h"
#include "testutil.h"

#include <signal.h>
#include <string.h>

static void start_procs(struct model *m, int root, const int *pids, int n)
{
    model_event_apply(m, MP_EV_PROC_START, root, 0, 1, 0, "root");
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "P%d", i + 1);
        model_event_apply(m, MP_EV_PROC_START, pids[i], 0, root, 0, name);
    }
}

static void state_is(const struct model *m, int pid, const char *want)
{
    char buf[64];
    model_proc_state_text(m, model_proc(m, pid), buf, sizeof buf);
    cr_assert_str_eq(buf, want, "pid %d: state '%s', want '%s'", pid, buf, want);
}

Test(model, lock_contended_by_three, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    int p[3] = {101, 102, 103};
    start_procs(&m, 100, p, 3);
    const uint64_t L = 0x6400000001ull;
    model_event_apply(&m, MP_EV_LOCK_NEW, 100, L, 0, 0, "lock");
    model_event_apply(&m, MP_EV_LOCK_ACQUIRE, 101, L, 0, 0, NULL);
    const struct model_lock *l = model_lock(&m, L);
    cr_assert_not_null(l);
    cr_assert_eq(l->holder, 101);
    cr_assert_eq(l->nwaiters, 0);

    model_event_apply(&m, MP_EV_LOCK_WAIT, 103, L, 0, 0, NULL);
    model_event_apply(&m, MP_EV_LOCK_WAIT, 102, L, 0, 0, NULL);
    l = model_lock(&m, L);
    cr_assert_eq(l->holder, 101);
    cr_assert_eq(l->nwaiters, 2);
    cr_assert_eq(l->waiters[0], 103, "waiters in arrival order");
    cr_assert_eq(l->waiters[1], 102);
    state_is(&m, 103, "waiting on lock 1");
    state_is(&m, 101, "running");

    model_event_apply(&m, MP_EV_LOCK_RELEASE, 101, L, 500, 0, NULL);
    l = model_lock(&m, L);
    cr_assert_eq(l->holder, 0);
    model_event_apply(&m, MP_EV_LOCK_ACQUIRE, 102, L, 5000, 0, NULL); /* not the first waiter: the kernel decides */
    l = model_lock(&m, L);
    cr_assert_eq(l->holder, 102);
    cr_assert_eq(l->nwaiters, 1);
    cr_assert_eq(l->waiters[0], 103);
    state_is(&m, 102, "running");
    state_is(&m, 103, "waiting on lock 1");

    model_event_apply(&m, MP_EV_LOCK_RELEASE, 102, L, 100, 0, NULL);
    model_event_apply(&m, MP_EV_LOCK_ACQUIRE, 103, L, 9000, 1, NULL);
    l = model_lock(&m, L);
    cr_assert_eq(l->holder, 103);
    cr_assert_eq(l->nwaiters, 0);
    cr_assert_eq(l->acquisitions, 3);
    cr_assert_eq(l->contended, 2);
    cr_assert_eq(l->owner_died, 1);
    cr_assert_eq(l->wait_total_ns, 14000);
    cr_assert_eq(l->wait_max_ns, 9000);
    cr_assert_float_eq(model_lock_contention_pct(l), 200.0 / 3.0, 1e-9);
    cr_assert_str_eq(l->what, "lock");

    /* A timeout takes the waiter off the list. */
    model_event_apply(&m, MP_EV_LOCK_WAIT, 101, L, 0, 0, NULL);
    model_event_apply(&m, MP_EV_LOCK_TIMEOUT, 101, L, 3000, 0, NULL);
    l = model_lock(&m, L);
    cr_assert_eq(l->nwaiters, 0);
    cr_assert_eq(l->timeouts, 1);
    state_is(&m, 101, "running");
    model_free(&m);
}

/* A reference FIFO for the queue test. */
struct fifo {
    char items[256][16];
    int head, tail;
};

Test(model, queue_two_producers_interleaved, .timeout = 5.)
{
    unsigned seed = tu_seed();
    srand(seed);
    struct model m;
    model_init(&m);
    int p[3] = {201, 202, 203};
    start_procs(&m, 200, p, 3);
    const uint64_t Q = 0xC800000002ull;
    model_event_apply(&m, MP_EV_QUEUE_NEW, 200, Q, 4096, 0, NULL);
    struct fifo ref = {0};
    int next[2] = {0, 0}, puts = 0, gets = 0;
    for (int step = 0; step < 200; step++) {
        int r = rand() % 3;
        if (r < 2 && ref.tail < 256) { /* producer r puts its next item */
            char item[16];
            snprintf(item, sizeof item, "%c%d", 'a' + r, next[r]++);
            snprintf(ref.items[ref.tail++], 16, "%s", item);
            model_event_apply(&m, MP_EV_QUEUE_PUT, p[r], Q, (int64_t)strlen(item), ref.tail - ref.head, item);
            puts++;
        } else if (ref.head < ref.tail) { /* the consumer gets the oldest */
            model_event_apply(&m, MP_EV_QUEUE_GET, p[2], Q, 2, ref.tail - ref.head - 1, ref.items[ref.head]);
            ref.head++;
            gets++;
        }
        const struct model_queue *q = model_queue(&m, Q);
        cr_assert_eq(q->nitems, (size_t)(ref.tail - ref.head), "step %d (seed %u)", step, seed);
        for (int i = 0; i < ref.tail - ref.head; i++)
            cr_assert_str_eq(q->items[i].preview, ref.items[ref.head + i], "step %d item %d (seed %u)", step, i, seed);
    }
    const struct model_queue *q = model_queue(&m, Q);
    cr_assert_eq(q->puts, (uint64_t)puts);
    cr_assert_eq(q->gets, (uint64_t)gets);
    cr_assert_eq(q->capacity, 4096);
    for (size_t i = 0; i < q->nitems; i++)
        cr_assert_eq(q->items[i].producer, q->items[i].preview[0] == 'a' ? 201 : 202, "producer of %s", q->items[i].preview);
    model_free(&m);
}

Test(model, queue_blocked_getters_and_putters, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    int p[2] = {301, 302};
    start_procs(&m, 300, p, 2);
    const uint64_t Q = 0x12C00000001ull;
    model_event_apply(&m, MP_EV_QUEUE_GET_WAIT, 301, Q, 0, 0, NULL);
    model_event_apply(&m, MP_EV_QUEUE_GET_WAIT, 302, Q, 0, 0, NULL);
    const struct model_queue *q = model_queue(&m, Q);
    cr_assert_not_null(q, "a queue first seen in a wait is made on the spot");
    cr_assert_eq(q->nblocked_get, 2);
    state_is(&m, 301, "blocked in queue 1 get");
    model_event_apply(&m, MP_EV_QUEUE_PUT, 300, Q, 1, 1, "x");
    model_event_apply(&m, MP_EV_QUEUE_GET, 302, Q, 1, 0, "x");
    q = model_queue(&m, Q);
    cr_assert_eq(q->nblocked_get, 1);
    cr_assert_eq(q->blocked_get[0], 301);
    cr_assert_eq(q->nitems, 0);
    state_is(&m, 302, "running");
    model_event_apply(&m, MP_EV_QUEUE_TIMEOUT, 301, Q, 0, 0, NULL);
    q = model_queue(&m, Q);
    cr_assert_eq(q->nblocked_get, 0);
    cr_assert_eq(q->timeouts, 1);
    model_event_apply(&m, MP_EV_QUEUE_PUT_WAIT, 300, Q, 0, 0, NULL);
    state_is(&m, 300, "blocked in queue 1 put");
    cr_assert_eq(model_queue(&m, Q)->nblocked_put, 1);
    /* A get on an empty model queue (its put was dropped) is counted, not fatal. */
    model_event_apply(&m, MP_EV_QUEUE_GET, 301, Q, 1, 0, "lost");
    cr_assert_eq(model_queue(&m, Q)->gets, 2);
    cr_assert_eq(model_queue(&m, Q)->nitems, 0);
    model_free(&m);
}

Test(model, exits_and_signals, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    int p[3] = {401, 402, 403};
    start_procs(&m, 400, p, 3);
    model_event_apply(&m, MP_EV_PROC_EXIT, 400, 0, 401, -SIGKILL, "P1");
    model_event_apply(&m, MP_EV_PROC_EXIT, 400, 0, 402, 3, "P2");
    model_event_apply(&m, MP_EV_PROC_EXIT, 400, 0, 403, -SIGSEGV, "P3");
    state_is(&m, 401, "killed by SIGKILL");
    state_is(&m, 402, "exited 3");
    state_is(&m, 403, "killed by SIGSEGV");
    state_is(&m, 400, "running");
    const struct model_proc *pr = model_proc(&m, 402);
    cr_assert_eq(pr->state, MPROC_EXITED);
    cr_assert_eq(pr->exit_code, 3);
    cr_assert_gt(pr->t_exit, pr->t_start);
    /* A process killed while waiting leaves the waiters. */
    model_event_apply(&m, MP_EV_PROC_START, 404, 0, 400, 0, "P4");
    model_event_apply(&m, MP_EV_LOCK_WAIT, 404, 55, 0, 0, NULL);
    model_event_apply(&m, MP_EV_QUEUE_GET_WAIT, 400, 56, 0, 0, NULL);
    cr_assert_eq(model_lock(&m, 55)->nwaiters, 1);
    model_event_apply(&m, MP_EV_PROC_EXIT, 400, 0, 404, -SIGTERM, "P4");
    cr_assert_eq(model_lock(&m, 55)->nwaiters, 0);
    cr_assert_eq(model_queue(&m, 56)->nblocked_get, 1, "others keep waiting");
    state_is(&m, 404, "killed by SIGTERM");
    /* An exit reported from outside the run (the runner) adds no process. */
    size_t before = m.nprocs;
    model_event_apply(&m, MP_EV_PROC_EXIT, 999, 0, 400, 0, "root");
    cr_assert_eq(m.nprocs, before);
    state_is(&m, 400, "exited 0");
    model_free(&m);
}

Test(model, process_tree_order, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    /* root 10 -> 11, 12; 11 -> 13; and 14 whose parent is outside. */
    model_event_apply(&m, MP_EV_PROC_START, 10, 0, 1, 0, "root");
    model_event_apply(&m, MP_EV_PROC_START, 11, 0, 10, 0, "a");
    model_event_apply(&m, MP_EV_PROC_START, 12, 0, 10, 0, "b");
    model_event_apply(&m, MP_EV_PROC_START, 13, 0, 11, 0, "a1");
    model_event_apply(&m, MP_EV_PROC_START, 14, 0, 77, 0, "other");
    size_t order[8];
    size_t n = model_proc_tree(&m, order, 8);
    cr_assert_eq(n, 5);
    int want[5] = {10, 11, 13, 12, 14};
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(m.procs[order[i]].pid, want[i], "position %zu: %d, want %d", i, m.procs[order[i]].pid, want[i]);
    cr_assert_eq(model_proc(&m, 13)->depth, 2);
    cr_assert_eq(model_proc(&m, 14)->depth, 0);
    cr_assert_str_eq(model_proc(&m, 13)->name, "a1");
    model_free(&m);
}

Test(model, pool_tasks_to_worker_pids, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    int w[2] = {501, 502};
    start_procs(&m, 500, w, 2);
    const uint64_t P = 0x1F400000003ull, A = 0x1F400000004ull;
    model_event_apply(&m, MP_EV_POOL_NEW, 500, P, 2, 0, NULL);
    model_event_apply(&m, MP_EV_POOL_WORKER, 500, P, 501, 0, "PoolWorker-1");
    model_event_apply(&m, MP_EV_POOL_WORKER, 500, P, 502, 1, "PoolWorker-2");
    model_event_apply(&m, MP_EV_ASYNC_NEW, 500, A, 4, 0, "map_async");
    for (int t = 0; t < 4; t++) model_event_apply(&m, MP_EV_TASK_SUBMIT, 500, P, t, (int64_t)A, NULL);
    const struct model_pool *pool = &m.pools[0];
    cr_assert_eq(pool->ntasks, 4);
    cr_assert_eq(model_pool_distinct_workers(&m, pool), 0, "queued tasks have no worker");
    int by[4] = {501, 502, 501, 501};
    for (int t = 0; t < 4; t++) model_event_apply(&m, MP_EV_TASK_START, by[t], P, t, 0, NULL);
    for (int t = 0; t < 3; t++) model_event_apply(&m, MP_EV_TASK_DONE, by[t], P, t, 0, NULL);
    model_event_apply(&m, MP_EV_TASK_DONE, 500, P, 3, -ECHILD, NULL);
    pool = model_pool(&m, P);
    cr_assert_not_null(pool);
    cr_assert_eq(pool->nworkers, 2);
    cr_assert_eq(pool->nworker_pids, 2);
    cr_assert_eq(pool->workers[1], 502);
    for (int t = 0; t < 4; t++) {
        cr_assert_eq(pool->tasks[t].id, t);
        cr_assert_eq(pool->tasks[t].worker, by[t], "task %d ran on %d", t, pool->tasks[t].worker);
        cr_assert_eq(pool->tasks[t].async_id, A);
    }
    cr_assert_eq(pool->tasks[3].state, MTASK_FAILED);
    cr_assert_eq(pool->tasks[3].status, -ECHILD);
    cr_assert_eq(pool->tasks[0].state, MTASK_DONE);
    cr_assert_eq(pool->done, 3);
    cr_assert_eq(pool->failed, 1);
    cr_assert_eq(model_pool_distinct_workers(&m, pool), 2);
    cr_assert_eq(model_pool_distinct_workers(&m, NULL), 2);
    model_free(&m);
}

Test(model, async_polls_before_ready, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    model_event_apply(&m, MP_EV_PROC_START, 600, 0, 1, 0, "root");
    const uint64_t A = 0x25800000001ull;
    model_event_apply(&m, MP_EV_ASYNC_NEW, 600, A, 10, 0, "apply_async");
    for (int i = 1; i <= 3; i++) model_event_apply(&m, MP_EV_ASYNC_POLL, 600, A, 0, i, NULL);
    const struct model_async *a = model_async(&m, A);
    cr_assert_not(a->ready);
    cr_assert_eq(a->polls, 3);
    model_event_apply(&m, MP_EV_ASYNC_READY, 600, A, 0, 0, NULL);
    model_event_apply(&m, MP_EV_ASYNC_POLL, 600, A, 1, 4, NULL);
    model_event_apply(&m, MP_EV_ASYNC_POLL, 600, A, 1, 5, NULL);
    a = model_async(&m, A);
    cr_assert(a->ready);
    cr_assert_eq(a->status, 0);
    cr_assert_eq(a->polls, 5);
    cr_assert_eq(a->polls_before_ready, 3);
    cr_assert_str_eq(a->what, "apply_async");
    cr_assert_eq(a->ntasks, 10);
    cr_assert_gt(a->t_ready, a->t_new);
    model_free(&m);
}

/* A sender reports its send after write() returns, so the receiver's event
 * can reach the ring first: the message must not stay "in flight". */
Test(model, pipe_receive_before_its_send_event, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    const uint64_t PI = 0x2BC00000009ull;
    model_event_apply(&m, MP_EV_PIPE_NEW, 700, PI, 1, 0, NULL);
    model_event_apply(&m, MP_EV_PIPE_RECV, 700, PI, 5, 0, "fruit");
    cr_assert_eq(model_pipe(&m, PI)->ninflight, 0);
    model_event_apply(&m, MP_EV_PIPE_SEND, 701, PI, 5, 0, "fruit");
    cr_assert_eq(model_pipe(&m, PI)->ninflight, 0, "the early receive took the message");
    cr_assert_eq(model_pipe(&m, PI)->sends, 1);
    cr_assert_eq(model_pipe(&m, PI)->recvs, 1);
    model_event_apply(&m, MP_EV_PIPE_SEND, 701, PI, 3, 0, "two");
    cr_assert_eq(model_pipe(&m, PI)->ninflight, 1, "a later send is in flight again");
    cr_assert_str_eq(model_pipe(&m, PI)->inflight[0].preview, "two");
    model_free(&m);
}

Test(model, arrays_pipes_notes_manager, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    model_event_apply(&m, MP_EV_PROC_START, 700, 0, 1, 0, "root");
    model_event_apply(&m, MP_EV_PROC_START, 701, 0, 700, 0, "child");
    const uint64_t AR = 0x2BC00000001ull, V = 0x2BC00000002ull, PI = 0x2BC00000003ull;
    model_event_apply(&m, MP_EV_ARRAY_NEW, 700, AR, 'i', 3, NULL);
    model_event_apply(&m, MP_EV_MEM_WRITE, 701, AR, 1, 1, "1");
    model_event_apply(&m, MP_EV_MEM_WRITE, 701, AR, 2, 4, "4");
    model_event_apply(&m, MP_EV_MEM_WRITE, 701, AR, 7, 9, "9"); /* out of range: counted, ignored */
    const struct model_array *a = model_array(&m, AR);
    cr_assert_eq(a->len, 3);
    cr_assert_str_eq(a->cells[0], "0");
    cr_assert_str_eq(a->cells[1], "1");
    cr_assert_str_eq(a->cells[2], "4");
    cr_assert_eq(a->writes, 3);
    cr_assert_not(a->is_value);
    model_event_apply(&m, MP_EV_VALUE_NEW, 700, V, 'd', 1, NULL);
    model_event_apply(&m, MP_EV_MEM_WRITE, 701, V, 0, 0, "3.14");
    cr_assert(model_array(&m, V)->is_value);
    cr_assert_str_eq(model_array(&m, V)->cells[0], "3.14");

    model_event_apply(&m, MP_EV_PIPE_NEW, 700, PI, 1, 0, NULL);
    model_event_apply(&m, MP_EV_PIPE_SEND, 700, PI, 5, 0, "hello");
    model_event_apply(&m, MP_EV_PIPE_SEND, 701, PI, 3, 0, "ack");
    model_event_apply(&m, MP_EV_PIPE_SEND, 700, PI, 3, 0, "bye");
    model_event_apply(&m, MP_EV_PIPE_RECV, 700, PI, 3, 0, "ack"); /* 700 gets what 701 sent */
    const struct model_pipe *p = model_pipe(&m, PI);
    cr_assert(p->duplex);
    cr_assert_eq(p->ninflight, 2);
    cr_assert_str_eq(p->inflight[0].preview, "hello");
    cr_assert_str_eq(p->inflight[1].preview, "bye");
    model_event_apply(&m, MP_EV_PIPE_RECV, 701, PI, 5, 0, "hello");
    cr_assert_eq(model_pipe(&m, PI)->ninflight, 1);
    model_event_apply(&m, MP_EV_PIPE_CLOSE, 701, PI, 0, 0, NULL);
    cr_assert_eq(model_pipe(&m, PI)->closed_by[0], 701);

    model_event_apply(&m, MP_EV_NOTE, 701, 0, 0, 0, "hello from the child");
    cr_assert_eq(m.nnotes, 1);
    cr_assert_str_eq(m.notes[0].text, "hello from the child");
    cr_assert_eq(m.notes[0].pid, 701);
    model_event_apply(&m, MP_EV_MANAGER_OP, 701, 0, 2, 0, "set d['Apple']");
    cr_assert_eq(m.nmops, 1);
    cr_assert_str_eq(m.mops[0].text, "set d['Apple']");
    cr_assert_eq(model_obj_number(&m, PI), 1);
    cr_assert_eq(model_obj_number(&m, V), 2, "the value is the second of the arrays");
    cr_assert_eq(model_obj_number(&m, 12345), 0);
    model_free(&m);
}

Test(model, unknown_kinds_and_bad_events, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    model_event_apply(&m, MP_EV_PROC_START, 800, 0, 1, 0, "root");
    model_event_apply(&m, 999, 800, 0, 0, 0, NULL);
    model_event_apply(&m, MP_EV__COUNT, 800, 0, 0, 0, NULL);
    model_event_apply(&m, MP_EV_NONE, 800, 0, 0, 0, NULL);
    cr_assert_eq(m.unknown, 3);
    cr_assert_eq(m.applied, 4);
    cr_assert_eq(model_proc(&m, 800)->nevents, 4);
    /* Text without a NUL, a huge array length: no overrun, bounded memory. */
    struct mp_trace_event ev = model_event(MP_EV_NOTE, 800, 0, 0, 0, NULL);
    memset(ev.text, 'z', sizeof ev.text);
    cr_assert_eq(model_apply(&m, &ev), 0);
    cr_assert_eq(strlen(m.notes[0].text), MP_TRACE_TEXT - 1);
    model_event_apply(&m, MP_EV_ARRAY_NEW, 800, 42, 'i', INT64_MAX, NULL);
    cr_assert_leq(model_array(&m, 42)->len, 65536);
    model_event_apply(&m, MP_EV_MEM_WRITE, 800, 42, -5, 1, "1");
    cr_assert_eq(model_apply(NULL, &ev), -EINVAL);
    cr_assert_eq(model_apply(&m, NULL), -EINVAL);
    model_set_dropped(&m, 17);
    cr_assert_eq(m.dropped, 17);
    cr_assert_eq(m.nevents, m.applied, "every applied event is in the log");
    cr_assert_eq(m.t_first, m.events[0].t_ns);
    cr_assert_eq(m.t_last, m.events[m.nevents - 1].t_ns);
    model_free(&m);
}

Test(model, event_log_is_bounded, .timeout = 20.)
{
    struct model m;
    model_init(&m);
    for (size_t i = 0; i < MODEL_MAX_EVENTS + 10; i++) {
        struct mp_trace_event ev = model_event(MP_EV_LOCK_RELEASE, 900, 5, 0, 0, NULL);
        cr_assert_eq(model_apply(&m, &ev), 0);
    }
    cr_assert_leq(m.nevents, MODEL_MAX_EVENTS);
    cr_assert_eq(m.nevents + m.events_trimmed, MODEL_MAX_EVENTS + 10);
    cr_assert_eq(m.applied, MODEL_MAX_EVENTS + 10);
    model_free(&m);
}
