/*
 * test_gate_waits.c — a controlled run's parked operations as edges of the
 * wait-for graph (sched_waits + model_gate_waits): each kind of disabled
 * operation becomes the wait the events would have made, enabled ones
 * make none, the same cycle search names the deadlock (by PID, or by
 * creation order with source lines), a parked lock acquisition counts as a
 * lock order, and a feed replaces the one before.
 */
#include "scheduler.h"
#include "model_events.h"
#include "testutil.h"

#include <string.h>

static void apply(struct model *m, unsigned kind, int pid, uint64_t obj, int64_t a, int64_t b)
{
    model_event_apply(m, kind, pid, obj, a, b, NULL);
}

/* Process index i, pid 100 + i, parked on op at t.c:line. */
static struct sched_proc parked(int i, unsigned kind, uint64_t obj, int64_t a, int64_t b, unsigned line)
{
    struct sched_proc p = {.index = i, .pid = 100 + i, .alive = true, .parked = true};
    p.op.kind = kind;
    p.op.obj = obj;
    p.op.a = a;
    p.op.b = b;
    p.op.timeout = -1;
    p.op.line = line;
    snprintf(p.op.file, sizeof p.op.file, "t.c");
    return p;
}

static const uint64_t L1 = 0x6400000001ull, L2 = 0x6400000002ull, Q = 0x6400000003ull, P = 0x6400000004ull,
                      POOL = 0x6400000005ull, R = 0x6400000006ull;

/* The program (100) makes the objects, then starts children 101.. */
static void setup(struct model *m, int nchildren)
{
    model_init(m);
    apply(m, MP_EV_PROC_START, 100, 0, 1, 0);
    apply(m, MP_EV_LOCK_NEW, 100, L1, 0, 0);
    apply(m, MP_EV_LOCK_NEW, 100, L2, 0, 0);
    apply(m, MP_EV_QUEUE_NEW, 100, Q, 8, 0);
    apply(m, MP_EV_PIPE_NEW, 100, P, 1, 0);
    for (int i = 1; i <= nchildren; i++) apply(m, MP_EV_PROC_START, 100 + i, 0, 100, 0);
}

static void feed(struct model *m, const struct sched_proc *ps, size_t n)
{
    cr_assert_eq(sched_feed_waits(m, ps, n), 0);
}

/* The pids that could end pid's wait, as "101,102" ("-" when it does not wait). */
static const char *edges(const struct model *m, int pid)
{
    static char buf[128];
    int out[16];
    int k = waitfor_releasers(m, pid, out, 16);
    if (k < 0) return "-";
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < k && i < 16; i++) len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d", i ? "," : "", out[i]);
    return buf;
}

static const char *cycle_text(const struct model *m, const struct wf_names *names)
{
    static char buf[1024];
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(m, &d), 1, "a deadlock is expected");
    waitfor_cycle_text_named(m, &d, names, buf, sizeof buf);
    return buf;
}

Test(gate_waits, opposite_lock_orders_make_the_cycle_with_lines_and_an_inversion, .timeout = 5.)
{
    struct model m;
    setup(&m, 2);
    apply(&m, MP_EV_LOCK_ACQUIRE, 101, L1, 0, 0);
    apply(&m, MP_EV_LOCK_ACQUIRE, 102, L2, 0, 0);
    struct sched_proc ps[3] = {parked(0, MP_GOP_JOIN, 0, 101, 0, 30), parked(1, MP_GOP_LOCK_ACQUIRE, L2, 0, 0, 40),
                               parked(2, MP_GOP_LOCK_ACQUIRE, L1, 0, 0, 50)};
    struct wf_wait w[4];
    cr_assert_eq(sched_waits(&m, ps, 3, w, 4), 3, "join of a live child and two held locks: three waits");
    cr_assert_eq(w[1].kind, WF_LOCK);
    cr_assert_eq(w[1].obj, L2);
    cr_assert_str_eq(w[1].site, "t.c:40");
    cr_assert_eq(w[0].kind, WF_JOIN);
    cr_assert_eq(w[0].arg, 101);
    cr_assert_eq(model_deadlock(&m, &(struct wf_deadlock){0}), 0, "nothing fed yet: no wait, no deadlock");
    feed(&m, ps, 3);
    cr_assert_str_eq(edges(&m, 101), "102", "the lock 101 wants is held by 102");
    cr_assert_str_eq(edges(&m, 102), "101");
    cr_assert_str_eq(edges(&m, 100), "101", "a join waits for the child");
    cr_assert_str_eq(cycle_text(&m, NULL),
                     "PID 101 holds lock 1 and waits for lock 2 <- held by PID 102, which waits for lock 1 <- held by PID 101");
    int pids[3] = {100, 101, 102};
    struct wf_names by_index = {.pids = pids, .n = 3, .sites = true};
    cr_assert_str_eq(cycle_text(&m, &by_index),
                     "process 1 holds lock 1 and waits for lock 2 at t.c:40 <- held by process 2, which waits for "
                     "lock 1 at t.c:50 <- held by process 1");
    struct wf_deadlock d;
    model_deadlock(&m, &d);
    cr_assert_eq(d.nstuck, 3, "the joining parent is stuck too");
    /* No LOCK_WAIT ever came, yet both orders are known, with their lines. */
    cr_assert_eq(m.wf.ninvs, 1);
    char text[512];
    waitfor_inversion_text(&m, &m.wf.invs[0], text, sizeof text);
    cr_assert_str_eq(text, "lock 1 and lock 2 were taken in both orders: PID 101 took lock 1 then lock 2 (at t.c:40); "
                           "PID 102 took lock 2 then lock 1 (at t.c:50). Run at the same time, they can deadlock");
    model_free(&m);
}

Test(gate_waits, enabled_operations_make_no_wait_and_a_movable_holder_breaks_the_cycle, .timeout = 5.)
{
    struct model m;
    setup(&m, 2);
    apply(&m, MP_EV_LOCK_ACQUIRE, 102, L1, 0, 0);
    /* 101 wants lock 1, held by 102; 102 is parked on an operation that completes (a note) */
    struct sched_proc ps[3] = {parked(0, MP_GOP_NOTE, 0, 0, 0, 1), parked(1, MP_GOP_LOCK_ACQUIRE, L1, 0, 0, 40),
                               parked(2, MP_GOP_LOCK_ACQUIRE, L2, 0, 0, 50)};
    struct wf_wait w[4];
    cr_assert_eq(sched_waits(&m, ps, 3, w, 4), 1, "a note and a free lock never wait");
    cr_assert_eq(w[0].pid, 101);
    feed(&m, ps, 3);
    cr_assert_str_eq(edges(&m, 101), "102");
    cr_assert_str_eq(edges(&m, 102), "-");
    cr_assert_eq(model_deadlock(&m, &(struct wf_deadlock){0}), 0, "102 can move, then release lock 1");
    /* running (granted, not parked) processes make no wait either */
    ps[1].parked = false;
    cr_assert_eq(sched_waits(&m, ps, 3, w, 4), 0);
    model_free(&m);
}

Test(gate_waits, join_before_get_of_a_full_queue, .timeout = 5.)
{
    struct model m;
    setup(&m, 1);
    apply(&m, MP_EV_QUEUE_PUT, 101, Q, 8, 1); /* the 8-byte ring is full */
    struct sched_proc ps[2] = {parked(0, MP_GOP_JOIN, 0, 101, 0, 79), parked(1, MP_GOP_QUEUE_PUT, Q, 8, 0, 41)};
    feed(&m, ps, 2);
    cr_assert_str_eq(edges(&m, 101), "100", "only the parent has the queue: only it could get");
    cr_assert_str_eq(cycle_text(&m, NULL),
                     "PID 100 waits to join PID 101 <- PID 101, which waits to put into queue 1 (full) <- only PID 100 could get");
    int pids[2] = {100, 101};
    struct wf_names by_index = {.pids = pids, .n = 2};
    cr_assert_str_eq(cycle_text(&m, &by_index), "process 0 waits to join process 1 <- process 1, which waits to put "
                                                "into queue 1 (full) <- only process 0 could get");
    /* an empty queue's getter waits for every other live holder */
    struct sched_proc g[2] = {parked(0, MP_GOP_QUEUE_GET, Q, 0, 0, 10), parked(1, MP_GOP_NOTE, 0, 0, 0, 1)};
    apply(&m, MP_EV_QUEUE_GET, 100, Q, 8, 0);
    feed(&m, g, 2);
    cr_assert_str_eq(edges(&m, 100), "101");
    cr_assert_str_eq(edges(&m, 101), "-", "a new feed replaces the one before");
    model_free(&m);
}

Test(gate_waits, both_ends_of_a_duplex_pipe_receive_first, .timeout = 5.)
{
    struct model m;
    setup(&m, 1);
    struct sched_proc ps[2] = {parked(0, MP_GOP_PIPE_RECV, P, 0, 0, 63), parked(1, MP_GOP_PIPE_RECV, P, 0, 1, 34)};
    struct wf_wait w[2];
    cr_assert_eq(sched_waits(&m, ps, 2, w, 2), 2);
    cr_assert_eq(w[1].arg, 1, "the end it receives on, as a PIPE_RECV_WAIT says");
    feed(&m, ps, 2);
    cr_assert_str_eq(cycle_text(&m, NULL), "PID 100 waits to receive on pipe 1 <- only PID 101 holds the other end, "
                                           "which waits to receive on pipe 1 <- only PID 100 holds the other end");
    /* a message toward 100's end: it is enabled, no wait, no deadlock */
    apply(&m, MP_EV_PIPE_SEND, 101, P, 4, 1);
    feed(&m, ps, 2);
    cr_assert_str_eq(edges(&m, 100), "-");
    cr_assert_eq(model_deadlock(&m, &(struct wf_deadlock){0}), 0);
    model_free(&m);
}

Test(gate_waits, pool_result_claim_and_join_edges, .timeout = 5.)
{
    struct model m;
    setup(&m, 0);
    apply(&m, MP_EV_POOL_NEW, 100, POOL, 2, 0);
    apply(&m, MP_EV_PROC_START, 101, 0, 100, 0);
    apply(&m, MP_EV_PROC_START, 102, 0, 100, 0);
    apply(&m, MP_EV_POOL_WORKER, 100, POOL, 101, 0);
    apply(&m, MP_EV_POOL_WORKER, 100, POOL, 102, 1);
    apply(&m, MP_EV_ASYNC_NEW, 100, R, 1, 0);
    apply(&m, MP_EV_TASK_SUBMIT, 100, POOL, 0, (int64_t)R);
    apply(&m, MP_EV_TASK_START, 101, POOL, 0, 0);
    /* the parent waits for the result, 101 runs the task (not parked), 102 has nothing to do */
    struct sched_proc ps[3] = {parked(0, MP_GOP_ASYNC_WAIT, R, 0, 0, 20), parked(1, MP_GOP_NOTE, 0, 0, 0, 1),
                               parked(2, MP_GOP_POOL_CLAIM, POOL, 0, 0, 90)};
    ps[1].parked = false;
    feed(&m, ps, 3);
    cr_assert_str_eq(edges(&m, 100), "101,102", "a result waits for the pool's live workers");
    cr_assert_str_eq(edges(&m, 102), "100", "an idle worker waits for the pool's maker to submit");
    cr_assert_eq(model_deadlock(&m, &(struct wf_deadlock){0}), 0, "101 computes: nobody is stuck");
    /* a pool join before close: the parent waits for workers that wait for it */
    apply(&m, MP_EV_TASK_DONE, 101, POOL, 0, 0);
    apply(&m, MP_EV_ASYNC_READY, 100, R, 0, 0);
    struct sched_proc pj[3] = {parked(0, MP_GOP_POOL_JOIN, POOL, 0, 0, 25), parked(1, MP_GOP_POOL_CLAIM, POOL, 0, 0, 90),
                               parked(2, MP_GOP_POOL_CLAIM, POOL, 0, 0, 90)};
    feed(&m, pj, 3);
    cr_assert_str_eq(edges(&m, 100), "101,102");
    cr_assert_str_eq(cycle_text(&m, NULL), "PID 100 waits for the workers of pool 1 to leave <- worker PID 101 (and "
                                           "others, all stuck), which waits for a task from pool 1 <- only PID 100 "
                                           "could submit one");
    /* closed: the workers' claims complete, nobody waits for the parent */
    apply(&m, MP_EV_POOL_CLOSE, 100, POOL, 0, 0);
    feed(&m, pj, 3);
    cr_assert_str_eq(edges(&m, 101), "-");
    cr_assert_eq(model_deadlock(&m, &(struct wf_deadlock){0}), 0);
    model_free(&m);
}

Test(gate_waits, a_timed_wait_breaks_the_cycle, .timeout = 5.)
{
    struct model m;
    setup(&m, 2);
    apply(&m, MP_EV_LOCK_ACQUIRE, 101, L1, 0, 0);
    apply(&m, MP_EV_LOCK_ACQUIRE, 102, L2, 0, 0);
    struct sched_proc ps[2] = {parked(1, MP_GOP_LOCK_ACQUIRE, L2, 0, 0, 40), parked(2, MP_GOP_LOCK_ACQUIRE, L1, 0, 0, 50)};
    ps[1].op.timeout = 1.5; /* 102 gives up after 1.5 s */
    feed(&m, ps, 2);
    cr_assert(waitfor_wait_of(&m, 102)->timed);
    cr_assert_eq(model_deadlock(&m, &(struct wf_deadlock){0}), 0, "102's wait ends by itself");
    cr_assert_eq(m.wf.ninvs, 1, "still, the locks were wanted in both orders");
    model_free(&m);
}

Test(gate_waits, a_fed_wait_keeps_its_start_and_ends_with_the_process_next_event, .timeout = 5.)
{
    struct model m;
    setup(&m, 1);
    apply(&m, MP_EV_LOCK_ACQUIRE, 100, L1, 0, 0);
    struct sched_proc ps[2] = {parked(0, MP_GOP_NOTE, 0, 0, 0, 1), parked(1, MP_GOP_LOCK_ACQUIRE, L1, 0, 0, 40)};
    feed(&m, ps, 2);
    uint64_t t0 = waitfor_wait_of(&m, 101)->t_ns;
    cr_assert(waitfor_wait_of(&m, 101)->gate);
    apply(&m, MP_EV_NOTE, 100, 0, 0, 0);
    feed(&m, ps, 2);
    cr_assert_eq(waitfor_wait_of(&m, 101)->t_ns, t0, "the same wait fed again began when it began");
    apply(&m, MP_EV_NOTE, 101, 0, 0, 0);
    cr_assert_null(waitfor_wait_of(&m, 101), "whatever it emits, it moved");
    /* dead processes are not fed */
    ps[1].alive = false;
    feed(&m, ps, 2);
    cr_assert_null(waitfor_wait_of(&m, 101));
    model_free(&m);
}
