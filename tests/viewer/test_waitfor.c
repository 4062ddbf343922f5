/*
 * test_waitfor.c — the wait-for graph from synthetic event sequences: each
 * kind of edge, cycles of 2 and 3, blocked processes nobody alive can
 * release, timed waits, the smallest cycle, lock-order inversions, and the
 * words the learner reads.
 */
#include "model.h"
#include "words.h"
#include "model_events.h"
#include "testutil.h"

#include <string.h>

/* model_event_apply with flags (a timed wait: MP_EVF_TIMED). */
static void ev(struct model *m, unsigned kind, int pid, uint64_t obj, int64_t a, int64_t b, uint8_t flags)
{
    struct mp_trace_event e = model_event(kind, pid, obj, a, b, NULL);
    e.flags = flags;
    cr_assert_eq(model_apply(m, &e), 0);
}

#define ROOT 100
#define L1 0x6400000001ull
#define L2 0x6400000002ull
#define L3 0x6400000003ull
#define Q1 0x6400000010ull
#define P1 0x6400000020ull
#define POOL 0x6400000030ull
#define RES 0x6400000031ull

/* root 100 and children 101.. started after the objects were made. */
static void setup(struct model *m, int nchildren)
{
    model_init(m);
    ev(m, MP_EV_PROC_START, ROOT, 0, 1, 0, 0);
    ev(m, MP_EV_LOCK_NEW, ROOT, L1, 0, 0, 0);
    ev(m, MP_EV_LOCK_NEW, ROOT, L2, 0, 0, 0);
    ev(m, MP_EV_LOCK_NEW, ROOT, L3, 0, 0, 0);
    ev(m, MP_EV_QUEUE_NEW, ROOT, Q1, 64, 0, 0);
    ev(m, MP_EV_PIPE_NEW, ROOT, P1, 1, 0, 0);
    for (int i = 1; i <= nchildren; i++) ev(m, MP_EV_PROC_START, ROOT + i, 0, ROOT, 0, 0);
}

static void take(struct model *m, int pid, uint64_t lock)
{
    ev(m, MP_EV_LOCK_ACQUIRE, pid, lock, 0, 0, 0);
}

static void wait_lock(struct model *m, int pid, uint64_t lock)
{
    ev(m, MP_EV_LOCK_WAIT, pid, lock, 0, 0, 0);
}

static void exit_proc(struct model *m, int pid)
{
    ev(m, MP_EV_PROC_EXIT, ROOT, 0, pid, 0, 0);
}

static bool stuck_has(const struct wf_deadlock *d, int pid)
{
    for (size_t i = 0; i < d->nstuck && i < WF_MAX_STUCK; i++)
        if (d->stuck[i] == pid) return true;
    return false;
}

static void text_of(struct model *m, const struct wf_deadlock *d, char *buf, size_t cap)
{
    int n = waitfor_cycle_text(m, d, buf, cap);
    cr_assert_gt(n, 0);
    cr_assert_lt((size_t)n, cap);
}

Test(waitfor, nothing_blocked_no_deadlock)
{
    struct model m;
    setup(&m, 2);
    take(&m, 101, L1);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0);
    cr_assert_eq(d.nstuck, 0);
    model_free(&m);
}

Test(waitfor, lock_edge_to_a_running_holder_is_no_deadlock)
{
    struct model m;
    setup(&m, 2);
    take(&m, 101, L1);
    wait_lock(&m, 102, L1);
    const struct wf_wait *w = waitfor_wait_of(&m, 102);
    cr_assert_not_null(w);
    cr_assert_eq(w->kind, WF_LOCK);
    cr_assert_eq(w->obj, L1);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0);
    /* The wait ends with the waiter's next event. */
    ev(&m, MP_EV_LOCK_RELEASE, 101, L1, 0, 0, 0);
    take(&m, 102, L1);
    cr_assert_null(waitfor_wait_of(&m, 102));
    model_free(&m);
}

Test(waitfor, two_locks_opposite_orders_is_a_cycle_of_two)
{
    struct model m;
    setup(&m, 2);
    take(&m, 101, L1);
    take(&m, 102, L2);
    wait_lock(&m, 101, L2);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0, "one waiter, a running holder: not yet");
    wait_lock(&m, 102, L1);
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.ncycle, 2);
    cr_assert_eq(d.cycle[0].pid, 101, "starts at the lowest pid");
    cr_assert_eq(d.cycle[0].obj, L2);
    cr_assert_eq(d.cycle[1].pid, 102);
    cr_assert_eq(d.cycle[1].obj, L1);
    cr_assert_eq(d.nstuck, 2);
    char text[512];
    text_of(&m, &d, text, sizeof text);
    cr_assert_str_eq(text, "PID 101 holds lock 1 and waits for lock 2 <- held by PID 102, which waits for lock 1 <- held by PID 101");
    model_free(&m);
}

Test(waitfor, three_processes_in_a_ring)
{
    struct model m;
    setup(&m, 3);
    take(&m, 101, L1);
    take(&m, 102, L2);
    take(&m, 103, L3);
    wait_lock(&m, 101, L2);
    wait_lock(&m, 102, L3);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0);
    wait_lock(&m, 103, L1);
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.ncycle, 3);
    cr_assert_eq(d.cycle[0].pid, 101);
    cr_assert_eq(d.cycle[1].pid, 102);
    cr_assert_eq(d.cycle[2].pid, 103);
    char text[512];
    text_of(&m, &d, text, sizeof text);
    cr_assert(strstr(text, "PID 102, which waits for lock 3 <- held by PID 103, which waits for lock 1 <- held by PID 101"), "%s", text);
    model_free(&m);
}

Test(waitfor, the_smallest_cycle_among_several)
{
    struct model m;
    setup(&m, 5);
    /* A ring of three (101 -> 102 -> 103 -> 101) and a pair (104 <-> 105). */
    take(&m, 101, L1);
    take(&m, 102, L2);
    take(&m, 103, L3);
    wait_lock(&m, 101, L2);
    wait_lock(&m, 102, L3);
    wait_lock(&m, 103, L1);
    uint64_t l4 = 0x6400000004ull, l5 = 0x6400000005ull;
    take(&m, 104, l4);
    take(&m, 105, l5);
    wait_lock(&m, 104, l5);
    wait_lock(&m, 105, l4);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.ncycle, 2);
    cr_assert_eq(d.cycle[0].pid, 104);
    cr_assert_eq(d.cycle[1].pid, 105);
    cr_assert_eq(d.nstuck, 5, "every process of both cycles is stuck");
    model_free(&m);
}

Test(waitfor, a_timed_wait_breaks_the_cycle)
{
    struct model m;
    setup(&m, 2);
    take(&m, 101, L1);
    take(&m, 102, L2);
    ev(&m, MP_EV_LOCK_WAIT, 101, L2, 0, 0, MP_EVF_TIMED);
    wait_lock(&m, 102, L1);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0, "101 gives up by itself");
    model_free(&m);
}

Test(waitfor, a_timeout_ends_a_cycle)
{
    struct model m;
    setup(&m, 2);
    take(&m, 101, L1);
    take(&m, 102, L2);
    wait_lock(&m, 101, L2);
    wait_lock(&m, 102, L1);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 1);
    ev(&m, MP_EV_LOCK_TIMEOUT, 101, L2, 5, 0, 0);
    cr_assert_eq(model_deadlock(&m, &d), 0);
    model_free(&m);
}

Test(waitfor, a_waiter_killed_is_no_longer_stuck)
{
    struct model m;
    setup(&m, 2);
    take(&m, 101, L1);
    take(&m, 102, L2);
    wait_lock(&m, 101, L2);
    wait_lock(&m, 102, L1);
    exit_proc(&m, 102);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0, "L2's holder died: 101 gets it (EOWNERDEAD)");
    model_free(&m);
}

Test(waitfor, join_and_full_queue_is_a_cycle)
{
    struct model m;
    setup(&m, 1);
    ev(&m, MP_EV_QUEUE_PUT, 101, Q1, 8, 1, 0);
    ev(&m, MP_EV_QUEUE_PUT_WAIT, 101, Q1, 8, 1, 0);
    ev(&m, MP_EV_JOIN_WAIT, ROOT, 0, 101, 0, 0);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.ncycle, 2);
    cr_assert_eq(d.cycle[0].pid, ROOT);
    cr_assert_eq(d.cycle[0].kind, WF_JOIN);
    cr_assert_eq(d.cycle[1].kind, WF_QUEUE_PUT);
    char text[512];
    text_of(&m, &d, text, sizeof text);
    cr_assert_str_eq(text, "PID 100 waits to join PID 101 <- PID 101, which waits to put into queue 1 (full) <- only PID 100 could get");
    model_free(&m);
}

Test(waitfor, a_get_since_the_put_wait_frees_the_putter)
{
    struct model m;
    setup(&m, 1);
    ev(&m, MP_EV_QUEUE_PUT, 101, Q1, 8, 1, 0);
    ev(&m, MP_EV_QUEUE_PUT_WAIT, 101, Q1, 8, 1, 0);
    ev(&m, MP_EV_QUEUE_GET, ROOT, Q1, 8, 0, 0);
    ev(&m, MP_EV_JOIN_WAIT, ROOT, 0, 101, 0, 0);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0, "the put can finish now");
    model_free(&m);
}

Test(waitfor, queue_get_with_no_live_producer)
{
    struct model m;
    setup(&m, 1);
    exit_proc(&m, 101);
    ev(&m, MP_EV_QUEUE_GET_WAIT, ROOT, Q1, 0, 0, 0);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.ncycle, 0);
    cr_assert_eq(d.cycle[0].pid, ROOT);
    cr_assert_eq(d.releasers[0], 0);
    char text[512];
    text_of(&m, &d, text, sizeof text);
    cr_assert_str_eq(text, "PID 100 waits to get from queue 1 (empty) <- no other live process could put");
    model_free(&m);
}

Test(waitfor, queue_get_with_a_live_producer_is_fine)
{
    struct model m;
    setup(&m, 1);
    ev(&m, MP_EV_QUEUE_GET_WAIT, ROOT, Q1, 0, 0, 0);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0);
    /* A process started before the queue existed cannot have it. */
    model_free(&m);
    model_init(&m);
    ev(&m, MP_EV_PROC_START, ROOT, 0, 1, 0, 0);
    ev(&m, MP_EV_PROC_START, 101, 0, ROOT, 0, 0);
    ev(&m, MP_EV_QUEUE_NEW, ROOT, Q1, 64, 0, 0);
    ev(&m, MP_EV_QUEUE_GET_WAIT, ROOT, Q1, 0, 0, 0);
    cr_assert_eq(model_deadlock(&m, &d), 1, "101 was forked before the queue was made");
    model_free(&m);
}

Test(waitfor, get_and_join_is_a_cycle)
{
    struct model m;
    setup(&m, 1);
    ev(&m, MP_EV_QUEUE_GET_WAIT, 101, Q1, 0, 0, 0);
    ev(&m, MP_EV_JOIN_WAIT, ROOT, 0, 101, 0, 0);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.ncycle, 2);
    cr_assert_eq(d.cycle[1].kind, WF_QUEUE_GET);
    model_free(&m);
}

Test(waitfor, both_receive_first_on_a_duplex_pipe)
{
    struct model m;
    setup(&m, 1);
    /* Each closes the end the other uses (left 0 for the root, right 1 for the child). */
    ev(&m, MP_EV_PIPE_CLOSE, ROOT, P1, 1, 0, 0);
    ev(&m, MP_EV_PIPE_CLOSE, 101, P1, 0, 0, 0);
    ev(&m, MP_EV_PIPE_RECV_WAIT, ROOT, P1, 0, 0, 0);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0);
    ev(&m, MP_EV_PIPE_RECV_WAIT, 101, P1, 1, 0, 0);
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.ncycle, 2);
    cr_assert_eq(d.cycle[0].kind, WF_PIPE_RECV);
    char text[512];
    text_of(&m, &d, text, sizeof text);
    cr_assert_str_eq(text, "PID 100 waits to receive on pipe 1 <- only PID 101 holds the other end, which waits to receive on pipe 1 <- only PID 100 holds the other end");
    model_free(&m);
}

Test(waitfor, pipe_send_since_the_wait_frees_the_receiver)
{
    struct model m;
    setup(&m, 1);
    ev(&m, MP_EV_PIPE_RECV_WAIT, ROOT, P1, 0, 0, 0);
    ev(&m, MP_EV_PIPE_SEND, 101, P1, 4, 0, 0);
    ev(&m, MP_EV_PIPE_RECV_WAIT, 101, P1, 1, 0, 0);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0);
    model_free(&m);
}

Test(waitfor, a_message_in_flight_frees_a_receiver_that_reported_late)
{
    struct model m;
    setup(&m, 1);
    /* The root sends a ping on its end (0); the child, slow to report, says
     * it waits on its end (1) only after the send's stamp; then the root
     * waits for the answer. The ping is in the child's socket: no deadlock. */
    ev(&m, MP_EV_PIPE_SEND, ROOT, P1, 16, 0, 0);
    ev(&m, MP_EV_PIPE_RECV_WAIT, 101, P1, 1, 0, 0);
    ev(&m, MP_EV_PIPE_RECV_WAIT, ROOT, P1, 0, 0, 0);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0);
    /* Once the child took it, both waiting is a deadlock again. */
    ev(&m, MP_EV_PIPE_RECV, 101, P1, 16, 1, 0);
    ev(&m, MP_EV_PIPE_RECV_WAIT, 101, P1, 1, 0, 0);
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.ncycle, 2);
    model_free(&m);
}

Test(waitfor, pipe_other_end_held_only_by_the_waiter)
{
    struct model m;
    setup(&m, 1);
    /* The child used the right end and exited; the root never closed its copy. */
    exit_proc(&m, 101);
    ev(&m, MP_EV_PIPE_RECV_WAIT, ROOT, P1, 0, 0, 0);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.ncycle, 0);
    char text[512];
    text_of(&m, &d, text, sizeof text);
    cr_assert(strstr(text, "nobody else holds the other end"), "%s", text);
    /* Had it closed its copy, the receive would end with EOF. */
    model_free(&m);
    setup(&m, 1);
    ev(&m, MP_EV_PIPE_CLOSE, ROOT, P1, 1, 0, 0);
    exit_proc(&m, 101);
    ev(&m, MP_EV_PIPE_RECV_WAIT, ROOT, P1, 0, 0, 0);
    cr_assert_eq(model_deadlock(&m, &d), 0);
    model_free(&m);
}

Test(waitfor, join_of_a_running_child_is_no_deadlock)
{
    struct model m;
    setup(&m, 1);
    ev(&m, MP_EV_JOIN_WAIT, ROOT, 0, 101, 0, 0);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0);
    exit_proc(&m, 101);
    cr_assert_null(waitfor_wait_of(&m, ROOT), "the reap ended the join");
    model_free(&m);
}

Test(waitfor, async_result_waits_on_the_pool_workers)
{
    struct model m;
    setup(&m, 2);
    ev(&m, MP_EV_POOL_NEW, ROOT, POOL, 2, 0, 0);
    ev(&m, MP_EV_POOL_WORKER, ROOT, POOL, 101, 0, 0);
    ev(&m, MP_EV_POOL_WORKER, ROOT, POOL, 102, 1, 0);
    ev(&m, MP_EV_ASYNC_NEW, ROOT, RES, 1, 0, 0);
    ev(&m, MP_EV_TASK_SUBMIT, ROOT, POOL, 1, (int64_t)RES, 0);
    take(&m, ROOT, L1);
    ev(&m, MP_EV_TASK_START, 101, POOL, 1, 0, 0);
    wait_lock(&m, 101, L1);
    ev(&m, MP_EV_ASYNC_WAIT, ROOT, RES, 0, 0, 0);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 0, "worker 102 is free");
    ev(&m, MP_EV_LOCK_WAIT, 102, L1, 0, 0, 0);
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.ncycle, 2);
    cr_assert_eq(d.cycle[0].kind, WF_ASYNC);
    cr_assert_eq(d.releasers[0], 2);
    cr_assert_eq(d.nstuck, 3);
    char text[512];
    text_of(&m, &d, text, sizeof text);
    cr_assert_str_eq(text, "PID 100 holds lock 1 and waits for async result 1 <- computed by worker PID 101 (and others, all stuck), which waits for lock 1 <- held by PID 100");
    model_free(&m);
}

Test(waitfor, manager_call_waits_on_the_server)
{
    struct model m;
    setup(&m, 2);
    /* A server that is itself stuck on a lock the caller holds. */
    take(&m, 101, L1);
    wait_lock(&m, 102, L1);
    ev(&m, MP_EV_MANAGER_WAIT, 101, 0x77, 102, 0, 0);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.ncycle, 2);
    cr_assert_eq(d.cycle[0].kind, WF_MANAGER);
    cr_assert_eq(d.cycle[0].arg, 102);
    model_free(&m);
}

Test(waitfor, a_chain_into_a_cycle_is_stuck_too)
{
    struct model m;
    setup(&m, 3);
    take(&m, 101, L1);
    take(&m, 102, L2);
    wait_lock(&m, 101, L2);
    wait_lock(&m, 102, L1);
    wait_lock(&m, 103, L1);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.ncycle, 2);
    cr_assert_eq(d.nstuck, 3);
    cr_assert(stuck_has(&d, 103));
    model_free(&m);
}

Test(waitfor, confirmed_deadlock_outlives_the_kill)
{
    struct model m;
    setup(&m, 2);
    take(&m, 101, L1);
    take(&m, 102, L2);
    wait_lock(&m, 101, L2);
    wait_lock(&m, 102, L1);
    struct wf_deadlock d, r;
    cr_assert_eq(model_deadlock(&m, &d), 1);
    model_confirm_deadlock(&m, &d);
    exit_proc(&m, 101);
    exit_proc(&m, 102);
    cr_assert_eq(model_deadlock(&m, &r), 0);
    cr_assert_eq(model_deadlock_report(&m, &r), 1);
    cr_assert_eq(r.ncycle, 2);
    cr_assert_eq(r.cycle[0].pid, 101);
    model_free(&m);
}

Test(waitfor, lock_order_inversion_is_warned)
{
    struct model m;
    setup(&m, 2);
    take(&m, 101, L1);
    take(&m, 101, L2);
    ev(&m, MP_EV_LOCK_RELEASE, 101, L2, 0, 0, 0);
    ev(&m, MP_EV_LOCK_RELEASE, 101, L1, 0, 0, 0);
    cr_assert_eq(m.wf.ninvs, 0);
    take(&m, 102, L2);
    take(&m, 102, L1);
    cr_assert_eq(m.wf.ninvs, 1, "no hang, but both orders were seen");
    const struct wf_inversion *v = &m.wf.invs[0];
    cr_assert_eq(v->orders[0].pid, 101);
    cr_assert_eq(v->orders[0].first, L1);
    cr_assert_eq(v->orders[1].pid, 102);
    cr_assert_eq(v->orders[1].first, L2);
    char text[512];
    waitfor_inversion_text(&m, v, text, sizeof text);
    cr_assert(strstr(text, "PID 101 took lock 1 then lock 2; PID 102 took lock 2 then lock 1"), "%s", text);
    /* Seen again: still one warning. */
    ev(&m, MP_EV_LOCK_RELEASE, 102, L1, 0, 0, 0);
    ev(&m, MP_EV_LOCK_RELEASE, 102, L2, 0, 0, 0);
    take(&m, 101, L1);
    take(&m, 101, L2);
    cr_assert_eq(m.wf.ninvs, 1);
    model_free(&m);
}

Test(waitfor, consistent_lock_order_is_not_warned)
{
    struct model m;
    setup(&m, 3);
    for (int round = 0; round < 3; round++) {
        for (int pid = 101; pid <= 103; pid++) {
            take(&m, pid, L1);
            take(&m, pid, L2);
            take(&m, pid, L3);
            ev(&m, MP_EV_LOCK_RELEASE, pid, L3, 0, 0, 0);
            ev(&m, MP_EV_LOCK_RELEASE, pid, L2, 0, 0, 0);
            ev(&m, MP_EV_LOCK_RELEASE, pid, L1, 0, 0, 0);
        }
    }
    cr_assert_eq(m.wf.ninvs, 0);
    /* 101 now takes 3 then 1, where 102 and 103 took 1 then 3. */
    take(&m, 101, L3);
    take(&m, 101, L1);
    cr_assert_eq(m.wf.ninvs, 1, "101 took 3 then 1; others took 1 then 3");
    model_free(&m);
}

Test(waitfor, watch_confirms_after_the_deadlock_holds)
{
    struct model m;
    setup(&m, 3);
    take(&m, 101, L1);
    take(&m, 102, L2);
    wait_lock(&m, 101, L2);
    wait_lock(&m, 102, L1);
    struct wf_watch w = {0};
    uint64_t t = 5000000000ull;
    cr_assert_eq(waitfor_watch(&w, &m, t), 0, "first sight: not yet");
    cr_assert_eq(waitfor_watch(&w, &m, t + WF_CONFIRM_NS - 1), 0);
    /* A third process joins the stuck set: the clock starts again. */
    wait_lock(&m, 103, L1);
    cr_assert_eq(waitfor_watch(&w, &m, t + WF_CONFIRM_NS + 1), 0);
    cr_assert_eq(waitfor_watch(&w, &m, t + 2 * WF_CONFIRM_NS + 2), 1);
    cr_assert(m.wf.confirmed);
    cr_assert_eq(m.wf.report.nstuck, 3);
    cr_assert_eq(waitfor_watch(&w, &m, t + 3 * WF_CONFIRM_NS), 0, "reported once");
    model_free(&m);
}

Test(waitfor, watch_forgets_a_deadlock_that_dissolved)
{
    struct model m;
    setup(&m, 2);
    take(&m, 101, L1);
    take(&m, 102, L2);
    wait_lock(&m, 101, L2);
    wait_lock(&m, 102, L1);
    struct wf_watch w = {0};
    cr_assert_eq(waitfor_watch(&w, &m, 1000), 0);
    ev(&m, MP_EV_LOCK_TIMEOUT, 102, L1, 5, 0, 0);
    cr_assert_eq(waitfor_watch(&w, &m, 1000 + 2 * WF_CONFIRM_NS), 0);
    cr_assert_not(w.pending);
    cr_assert_not(m.wf.confirmed);
    model_free(&m);
}

Test(waitfor, process_state_names_the_wait)
{
    struct model m;
    setup(&m, 1);
    ev(&m, MP_EV_JOIN_WAIT, ROOT, 0, 101, 0, 0);
    ev(&m, MP_EV_PIPE_RECV_WAIT, 101, P1, 1, 0, 0);
    char buf[64];
    model_proc_state_text(&m, model_proc(&m, ROOT), buf, sizeof buf);
    cr_assert_str_eq(buf, "waits to join PID 101");
    model_proc_state_text(&m, model_proc(&m, 101), buf, sizeof buf);
    cr_assert_str_eq(buf, "waits to receive on pipe 1");
    model_free(&m);
}

/* Events carry the source line of the libmp call (controlled-runs format);
 * the graph names it for the blocked call and for each lock order. */
static void ev_at(struct model *m, unsigned kind, int pid, uint64_t obj, uint32_t line)
{
    struct mp_trace_event e = model_event(kind, pid, obj, 0, 0, NULL);
    e.line = line;
    e.file = mp_trace_file_id("example.c");
    cr_assert_eq(model_apply(m, &e), 0);
}

Test(waitfor, blocked_calls_and_lock_orders_name_their_source_line)
{
    struct model m;
    setup(&m, 2);
    ev_at(&m, MP_EV_LOCK_ACQUIRE, 101, L1, 21);
    ev_at(&m, MP_EV_LOCK_ACQUIRE, 102, L2, 31);
    ev_at(&m, MP_EV_LOCK_WAIT, 101, L2, 22);
    ev_at(&m, MP_EV_LOCK_WAIT, 102, L1, 32);
    const struct wf_wait *w = waitfor_wait_of(&m, 101);
    cr_assert_not_null(w);
    char text[256];
    waitfor_member_text(&m, w, text, sizeof text);
    cr_assert(strstr(text, "at line 22") != NULL, "member text: %s", text);
    w = waitfor_wait_of(&m, 102);
    cr_assert_not_null(w);
    waitfor_member_text(&m, w, text, sizeof text);
    cr_assert(strstr(text, "at line 32") != NULL, "member text: %s", text);
    cr_assert_eq(m.wf.ninvs, 1, "opposite orders are one inversion");
    waitfor_inversion_text(&m, &m.wf.invs[0], text, sizeof text);
    cr_assert(strstr(text, "line 22") && strstr(text, "line 32"), "inversion: %s", text);
    model_free(&m);
}
