/*
 * test_run_facts.c — what a run shows beyond the events themselves: a task
 * still running in a process that ended has failed, each process's lock
 * waits are kept apart, the run's top parent (forklab) is known, and the
 * pipe row says who closed an end rather than "closed".
 */
#include "layout.h"
#include "model.h"
#include "rows.h"
#include "words.h"
#include "model_events.h"
#include "testutil.h"

#include <string.h>

Test(run_facts, a_killed_worker_fails_its_running_task, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    const uint64_t P = 0x7000000001ull;
    model_event_apply(&m, MP_EV_PROC_START, 100, 0, 1, 0, "main");
    model_event_apply(&m, MP_EV_PROC_START, 101, 0, 100, 0, "PoolWorker-1");
    model_event_apply(&m, MP_EV_POOL_NEW, 100, P, 1, 0, NULL);
    model_event_apply(&m, MP_EV_TASK_SUBMIT, 100, P, 0, 0, NULL);
    model_event_apply(&m, MP_EV_TASK_SUBMIT, 100, P, 1, 0, NULL);
    model_event_apply(&m, MP_EV_TASK_START, 101, P, 0, 0, NULL);
    /* the runner reports the worker it reaped after a kill */
    model_event_apply(&m, MP_EV_PROC_EXIT, 99, 0, 101, -9, NULL);
    const struct model_pool *pool = &m.pools[0];
    cr_assert_eq(pool->tasks[0].state, MTASK_FAILED, "the task that was running failed");
    cr_assert_eq(pool->tasks[0].status, -ECHILD);
    cr_assert_eq(pool->tasks[1].state, MTASK_QUEUED, "a queued task stays queued");
    cr_assert_eq(pool->failed, 1);
    char buf[64];
    model_proc_state_text(&m, model_proc(&m, 101), buf, sizeof buf);
    cr_assert(strstr(buf, "SIGKILL"), "the worker shows how it ended: %s", buf);
    /* a later report from the pool itself does not count it twice */
    model_event_apply(&m, MP_EV_TASK_DONE, 100, P, 0, -ECHILD, NULL);
    cr_assert_eq(pool->failed, 1);
    model_free(&m);
}

Test(run_facts, lock_waits_are_kept_per_process, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    const uint64_t L = 0x6400000001ull;
    model_event_apply(&m, MP_EV_LOCK_NEW, 100, L, 0, 0, "lock");
    model_event_apply(&m, MP_EV_LOCK_ACQUIRE, 101, L, 0, 0, NULL);
    model_event_apply(&m, MP_EV_LOCK_WAIT, 102, L, 0, 0, NULL);
    model_event_apply(&m, MP_EV_LOCK_WAIT, 103, L, 0, 0, NULL);
    model_event_apply(&m, MP_EV_LOCK_RELEASE, 101, L, 0, 0, NULL);
    model_event_apply(&m, MP_EV_LOCK_ACQUIRE, 102, L, 2000000, 0, NULL);
    model_event_apply(&m, MP_EV_LOCK_RELEASE, 102, L, 0, 0, NULL);
    model_event_apply(&m, MP_EV_LOCK_ACQUIRE, 103, L, 3000000, 0, NULL);
    model_event_apply(&m, MP_EV_LOCK_RELEASE, 103, L, 0, 0, NULL);
    model_event_apply(&m, MP_EV_LOCK_WAIT, 102, L, 0, 0, NULL);
    model_event_apply(&m, MP_EV_LOCK_TIMEOUT, 102, L, 1000000, 0, NULL);
    const struct model_lock *l = model_lock(&m, L);
    cr_assert_eq(l->nper, 2, "101 never waited");
    cr_assert_eq(l->per[0].pid, 102);
    cr_assert_eq(l->per[0].waits, 2, "one wait then one timeout");
    cr_assert_eq(l->per[0].wait_ns, 3000000);
    cr_assert_eq(l->per[1].pid, 103);
    cr_assert_eq(l->per[1].waits, 1);
    cr_assert_eq(l->per[1].wait_ns, 3000000);
    char buf[256];
    fmt_lock_waits(buf, sizeof buf, l, 200);
    cr_assert_str_eq(buf, "waits: 102 2x 3.00ms, 103 1x 3.00ms");
    model_free(&m);
}

Test(run_facts, the_host_is_the_top_parent, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    model_event_apply(&m, MP_EV_PROC_START, 100, 0, 42, 0, "main");
    cr_assert_eq(m.host_pid, 0, "unknown until the runner says");
    model_set_host(&m, 42);
    cr_assert_eq(m.host_pid, 42);
    cr_assert(model_proc_tree_has_parent(&m, 42));
    cr_assert(!model_proc_tree_has_parent(&m, 7));
    model_free(&m);
}

Test(run_facts, an_address_in_an_array_reads_as_hex, .timeout = 5.)
{
    char cells[2][24] = {"94486797881848", "99"};
    struct model_array a = {.id = 1, .typecode = 'q', .len = 2, .cells = cells};
    char buf[128];
    fmt_array_row(buf, sizeof buf, &a, 1, 100);
    cr_assert_str_eq(buf, "array 1 (q): 0x55ef6c0611f8 99");
    snprintf(cells[0], sizeof cells[0], "1099511627775"); /* 2^40 - 1: a count, not an address */
    fmt_array_row(buf, sizeof buf, &a, 1, 100);
    cr_assert_str_eq(buf, "array 1 (q): 1099511627775 99");
}
