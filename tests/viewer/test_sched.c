/*
 * test_sched.c — the scheduler policy of controlled runs (core/scheduler.c),
 * pure: a model from synthetic events, pending operations as the gate
 * publishes them, and what is enabled and picked.
 */
#include "scheduler.h"
#include "model_events.h"
#include "testutil.h"

#include <string.h>

static void apply(struct model *m, unsigned kind, int pid, uint64_t obj, int64_t a, int64_t b)
{
    model_event_apply(m, kind, pid, obj, a, b, NULL);
}

/* Process index i with pid 100 + i, alive, parked on op. */
static struct sched_proc parked(int i, unsigned kind, uint64_t obj, int64_t a, int64_t b, double timeout)
{
    struct sched_proc p = {.index = i, .pid = 100 + i, .alive = true, .parked = true};
    p.op.kind = kind;
    p.op.obj = obj;
    p.op.a = a;
    p.op.b = b;
    p.op.timeout = timeout;
    return p;
}

static const uint64_t L = 0x6400000001ull, Q = 0x6400000002ull, P = 0x6400000003ull;

Test(sched, lock_held_by_another_is_never_enabled, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    apply(&m, MP_EV_LOCK_NEW, 100, L, 0, 0);
    apply(&m, MP_EV_LOCK_ACQUIRE, 101, L, 0, 0);
    struct sched_proc ps[2] = {parked(0, MP_GOP_NOTE, 0, 0, 0, -1),
                               parked(2, MP_GOP_LOCK_ACQUIRE, L, 0, 0, -1)};
    ps[0].pid = 101; /* the holder is busy with something else */
    enum sched_verdict v[2];
    cr_assert_eq(sched_enabled(&m, ps, 2, v), 1);
    cr_assert_eq(v[1], SCHED_DISABLED, "lock held by 101: acquire must wait");
    char why[128];
    sched_describe(&m, ps, 2, 1, why, sizeof why);
    cr_assert_str_eq(why, "wants lock 1 (held by PID 101)");
    /* released: enabled */
    apply(&m, MP_EV_LOCK_RELEASE, 101, L, 0, 0);
    sched_enabled(&m, ps, 2, v);
    cr_assert_eq(v[1], SCHED_ENABLED);
    /* held again, then the holder dies: enabled (-EOWNERDEAD at once) */
    apply(&m, MP_EV_LOCK_ACQUIRE, 101, L, 0, 0);
    ps[0].alive = false;
    sched_enabled(&m, ps, 2, v);
    cr_assert_eq(v[1], SCHED_ENABLED);
    model_free(&m);
}

Test(sched, empty_queue_get_and_full_queue_put_wait, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    apply(&m, MP_EV_QUEUE_NEW, 100, Q, 8, 0); /* room for one 8-byte item */
    struct sched_proc ps[3] = {parked(0, MP_GOP_QUEUE_GET, Q, 0, 0, -1), parked(1, MP_GOP_QUEUE_PUT, Q, 8, 0, -1),
                               parked(2, MP_GOP_NOTE, 0, 0, 0, -1)};
    enum sched_verdict v[3];
    sched_enabled(&m, ps, 3, v);
    cr_assert_eq(v[0], SCHED_DISABLED, "empty queue: get waits");
    cr_assert_eq(v[1], SCHED_ENABLED, "room for 8 bytes: put goes");
    apply(&m, MP_EV_QUEUE_PUT, 101, Q, 8, 1);
    sched_enabled(&m, ps, 3, v);
    cr_assert_eq(v[0], SCHED_ENABLED, "an item: get goes");
    cr_assert_eq(v[1], SCHED_DISABLED, "full: put waits");
    model_free(&m);
}

/* Sizes in a trace can be anything (a broken or hostile trace): the room
 * check must answer, not overflow (found by fuzz_sched: 4 + INT64_MAX). */
Test(sched, absurd_sizes_in_a_trace_give_an_answer_not_an_overflow, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    apply(&m, MP_EV_QUEUE_NEW, 100, Q, INT64_MAX, 0);
    struct sched_proc ps[3] = {parked(0, MP_GOP_QUEUE_PUT, Q, INT64_MAX, 0, -1),
                               parked(1, MP_GOP_QUEUE_PUT, Q, -5, 0, -1), parked(2, MP_GOP_QUEUE_PUT, Q, 8, 0, -1)};
    enum sched_verdict v[3];
    sched_enabled(&m, ps, 3, v);
    cr_assert_eq(v[0], SCHED_DISABLED, "no ring holds INT64_MAX bytes");
    cr_assert_eq(v[1], SCHED_DISABLED, "a negative size never fits");
    cr_assert_eq(v[2], SCHED_ENABLED, "an 8-byte item fits an empty huge ring");
    apply(&m, MP_EV_QUEUE_PUT, 101, Q, INT64_MAX, 1);
    sched_enabled(&m, ps, 3, v);
    cr_assert_eq(v[2], SCHED_DISABLED, "after an item that fills the ring, nothing fits");
    model_free(&m);
}

Test(sched, pipe_receive_needs_a_message_from_the_other_end, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    apply(&m, MP_EV_PIPE_NEW, 100, P, 1, 0);
    /* 0 receives on the left end (0); 1 is busy elsewhere */
    struct sched_proc ps[2] = {parked(0, MP_GOP_PIPE_RECV, P, 0, 0, -1), parked(1, MP_GOP_NOTE, 0, 0, 0, -1)};
    enum sched_verdict v[2];
    sched_enabled(&m, ps, 2, v);
    cr_assert_eq(v[0], SCHED_DISABLED, "nothing in flight");
    apply(&m, MP_EV_PIPE_SEND, 100, P, 4, 0); /* sent on the left end: toward the right */
    sched_enabled(&m, ps, 2, v);
    cr_assert_eq(v[0], SCHED_DISABLED, "a message toward the other end does not count");
    apply(&m, MP_EV_PIPE_SEND, 101, P, 4, 1); /* sent on the right end: for us */
    sched_enabled(&m, ps, 2, v);
    cr_assert_eq(v[0], SCHED_ENABLED);
    model_free(&m);
}

Test(sched, levels_try_then_timeout_then_stuck, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    apply(&m, MP_EV_PIPE_NEW, 100, P, 0, 0);
    apply(&m, MP_EV_LOCK_ACQUIRE, 103, L, 0, 0);
    struct sched_proc ps[3] = {parked(0, MP_GOP_PIPE_RECV, P, 0, 0, -1), parked(1, MP_GOP_LOCK_ACQUIRE, L, 0, 0, 2.0),
                               parked(3, MP_GOP_LOCK_ACQUIRE, L, 0, 0, -1)};
    ps[2].pid = 999; /* waits too, on a lock held by 103 (alive, not ours) */
    apply(&m, MP_EV_PROC_START, 103, 0, 1, 0);
    enum sched_verdict v[3];
    /* nothing completes: the receive may meet end-of-file, so it is tried */
    cr_assert_eq(sched_enabled(&m, ps, 3, v), 1);
    cr_assert_eq(v[0], SCHED_TRY);
    /* tried, nobody moved since: the timed wait may now time out */
    ps[0].tried = true;
    cr_assert_eq(sched_enabled(&m, ps, 3, v), 1);
    cr_assert_eq(v[1], SCHED_TIMEOUT);
    cr_assert_eq(sched_grant_mode(v[1]), MP_GRANT_TIMEOUT);
    /* no timed wait left: stuck */
    ps[1].op.timeout = -1;
    cr_assert_eq(sched_enabled(&m, ps, 3, v), 0);
    struct sched_policy pol;
    sched_policy_init(&pol, SCHED_FREE, 0);
    char err[256];
    cr_assert_eq(sched_pick(&pol, &m, ps, 3, v, -1, 6, err, sizeof err), -1);
    cr_assert_str_eq(err, "step 7: no process is enabled");
    model_free(&m);
}

Test(sched, join_waits_for_the_child, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    struct sched_proc ps[2] = {parked(0, MP_GOP_JOIN, 0, 101, 0, -1), parked(1, MP_GOP_NOTE, 0, 0, 0, -1)};
    enum sched_verdict v[2];
    sched_enabled(&m, ps, 2, v);
    cr_assert_eq(v[0], SCHED_DISABLED);
    ps[1].alive = false;
    sched_enabled(&m, ps, 2, v);
    cr_assert_eq(v[0], SCHED_ENABLED);
    model_free(&m);
}

Test(sched, async_wait_until_its_tasks_are_done, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    const uint64_t POOL = 0x6400000009ull, R = 0x640000000aull;
    apply(&m, MP_EV_POOL_NEW, 100, POOL, 1, 0);
    apply(&m, MP_EV_ASYNC_NEW, 100, R, 1, 0);
    apply(&m, MP_EV_TASK_SUBMIT, 100, POOL, 0, (int64_t)R);
    struct sched_proc ps[2] = {parked(0, MP_GOP_ASYNC_WAIT, R, 0, 0, -1), parked(1, MP_GOP_POOL_CLAIM, POOL, 0, 0, -1)};
    enum sched_verdict v[2];
    sched_enabled(&m, ps, 2, v);
    cr_assert_eq(v[0], SCHED_DISABLED, "not done: wait waits");
    cr_assert_eq(v[1], SCHED_ENABLED, "a queued task: the worker claims it");
    apply(&m, MP_EV_TASK_START, 101, POOL, 0, 0);
    sched_enabled(&m, ps, 2, v);
    cr_assert_eq(v[1], SCHED_DISABLED, "nothing queued: an idle worker waits");
    apply(&m, MP_EV_TASK_DONE, 101, POOL, 0, 0);
    sched_enabled(&m, ps, 2, v);
    cr_assert_eq(v[0], SCHED_ENABLED);
    apply(&m, MP_EV_POOL_CLOSE, 100, POOL, 0, 0);
    sched_enabled(&m, ps, 2, v);
    cr_assert_eq(v[1], SCHED_ENABLED, "closed: idle workers leave");
    model_free(&m);
}

static void all_enabled(struct sched_proc *ps, enum sched_verdict *v, int n)
{
    for (int i = 0; i < n; i++) {
        ps[i] = parked(i, MP_GOP_NOTE, 0, 0, 0, -1);
        v[i] = SCHED_ENABLED;
    }
}

Test(sched, seeded_picks_repeat_for_a_seed_and_spread, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    struct sched_proc ps[4];
    enum sched_verdict v[4];
    all_enabled(ps, v, 4);
    struct sched_policy a, b;
    sched_policy_init(&a, SCHED_SEEDED, 99);
    sched_policy_init(&b, SCHED_SEEDED, 99);
    int seen[4] = {0};
    char err[64];
    for (int i = 0; i < 400; i++) {
        int x = sched_pick(&a, &m, ps, 4, v, -1, (size_t)i, err, sizeof err);
        cr_assert_eq(x, sched_pick(&b, &m, ps, 4, v, -1, (size_t)i, err, sizeof err), "step %d", i);
        seen[x]++;
    }
    for (int i = 0; i < 4; i++) cr_assert_gt(seen[i], 0, "index %d never picked", i);
    v[2] = SCHED_DISABLED;
    for (int i = 0; i < 100; i++) cr_assert_neq(sched_pick(&a, &m, ps, 4, v, -1, 0, err, sizeof err), 2);
    model_free(&m);
}

Test(sched, replay_refuses_a_disabled_step_then_goes_on_free, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    struct sched_proc ps[3];
    enum sched_verdict v[3];
    all_enabled(ps, v, 3);
    struct sched_policy p;
    sched_policy_init(&p, SCHED_FREE, 0);
    char err[256];
    cr_assert_eq(sched_policy_replay(&p, "2.1", SCHED_FREE, err, sizeof err), 0);
    cr_assert_eq(sched_pick(&p, &m, ps, 3, v, -1, 0, err, sizeof err), 2);
    v[1] = SCHED_DISABLED;
    cr_assert_eq(sched_pick(&p, &m, ps, 3, v, -1, 1, err, sizeof err), -1);
    cr_assert_str_eq(err, "step 2: the schedule names process 1, which is not enabled (enabled: 0, 2)");
    v[1] = SCHED_ENABLED;
    cr_assert_eq(sched_pick(&p, &m, ps, 3, v, -1, 1, err, sizeof err), 1);
    v[0] = SCHED_DISABLED;
    cr_assert_eq(sched_pick(&p, &m, ps, 3, v, -1, 2, err, sizeof err), 1, "past the end: lowest enabled");
    sched_policy_free(&p);
    /* the learner's choice must be enabled too */
    struct sched_policy l;
    sched_policy_init(&l, SCHED_LEARNER, 0);
    cr_assert_eq(sched_pick(&l, &m, ps, 3, v, 0, 4, err, sizeof err), -1);
    cr_assert_str_eq(err, "step 5: your choice names process 0, which is not enabled (enabled: 1, 2)");
    cr_assert_eq(sched_pick(&l, &m, ps, 3, v, 2, 4, err, sizeof err), 2);
    model_free(&m);
}

Test(sched, schedule_text_round_trip_and_errors, .timeout = 5.)
{
    int *steps;
    size_t n;
    char err[128], buf[64];
    cr_assert_eq(sched_parse("0.0.1.2", &steps, &n, err, sizeof err), 0);
    cr_assert_eq(n, 4);
    cr_assert_eq(sched_format(steps, n, buf, sizeof buf), 7);
    cr_assert_str_eq(buf, "0 0 1 2");
    free(steps);
    cr_assert_eq(sched_parse("  3, 10 \n", &steps, &n, err, sizeof err), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(steps[1], 10);
    free(steps);
    cr_assert_eq(sched_parse("0 1 x", &steps, &n, err, sizeof err), -EINVAL);
    cr_assert_str_eq(err, "schedule: step 3 is not a process index 0..255");
    cr_assert_eq(sched_parse("0 -1", &steps, &n, err, sizeof err), -EINVAL);
    cr_assert_eq(sched_parse("0 256", &steps, &n, err, sizeof err), -EINVAL);
    cr_assert_eq(sched_parse("", &steps, &n, err, sizeof err), 0);
    cr_assert_eq(n, 0);
    free(steps);
    /* format reports the length it needs when cut */
    int big[3] = {100, 200, 255};
    cr_assert_eq(sched_format(big, 3, buf, 4), 11);
}
