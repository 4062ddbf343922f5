/*
 * test_controller.c — controlled runs of a real example (03-sync: ten
 * processes greet under one lock) through the controller API: a process
 * SIGKILLed while parked or while granted does not wedge the run, a
 * disabled operation is never granted, and nothing is left behind. And a
 * run that can no longer move (15-deadlock-queue) names its deadlock from
 * the parked operations.
 */
#include "controller.h"
#include "testutil.h"

#include <mp.h>

#include <limits.h>
#include <signal.h>
#include <string.h>

static char example[PATH_MAX + 32];

static const char *sync_example(void);

/* BUILD/lessons/NAME */
static const char *lesson_example(const char *name)
{
    sync_example();
    *strrchr(example, '/') = '\0';
    size_t len = strlen(example);
    snprintf(example + len, sizeof example - len, "/%s", name);
    cr_assert_eq(access(example, X_OK), 0, "%s is not built", example);
    return example;
}

static const char *sync_example(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    cr_assert_gt(n, 0);
    exe[n] = '\0';
    for (int up = 0; up < 3; up++) *strrchr(exe, '/') = '\0'; /* BUILD/tests/viewer/x -> BUILD */
    snprintf(example, sizeof example, "%s/lessons/03-sync", exe);
    cr_assert_eq(access(example, X_OK), 0, "%s is not built", example);
    return example;
}

struct run {
    struct model m;
    struct runner r;
    struct controller c;
};

static void run_start(struct run *x, enum sched_policy_kind kind)
{
    model_init(&x->m);
    runner_init(&x->r, &x->m);
    struct sched_policy p;
    sched_policy_init(&p, kind, 1);
    cr_assert_eq(ctl_init(&x->c, &x->r, &x->m, &p), 0);
    char *argv[] = {(char *)sync_example(), NULL};
    cr_assert_eq(runner_start(&x->r, argv[0], argv), 0);
    ctl_started(&x->c);
}

/* Poll until the run is settled (a decision may be taken); false at the
 * end of the run or after 10 s. */
static bool settle(struct run *x)
{
    double until = tu_now() + 10;
    while (!runner_done(&x->r) && tu_now() < until) {
        struct pollfd fds[RUNNER_MAX_FDS + MP_GATE_MAX + 1];
        int k = runner_pollfds(&x->r, fds, RUNNER_MAX_FDS);
        k += ctl_pollfds(&x->c, fds + k, MP_GATE_MAX + 1);
        if (ctl_settled(&x->c) && ctl_has_parked(&x->c)) return true;
        poll(fds, (nfds_t)k, 20);
        runner_pump(&x->r);
    }
    return false;
}

/* Step (lowest enabled first) until some process >= 1 is parked on kind;
 * its position in c.procs, or -1. Checks on the way that no operation the
 * policy calls disabled is ever granted. */
static int step_until_parked(struct run *x, unsigned kind)
{
    for (int steps = 0; steps < 2000 && settle(x); steps++) {
        for (size_t i = 1; i < x->c.nprocs; i++)
            if (x->c.procs[i].alive && x->c.procs[i].parked && x->c.procs[i].op.kind == kind) return (int)i;
        sched_enabled(&x->m, x->c.procs, x->c.nprocs, x->c.verdict);
        size_t before = x->c.nsteps;
        cr_assert_eq(ctl_step(&x->c, -1), CTL_GRANTED);
        int granted = x->c.steps[before];
        cr_assert_neq(x->c.verdict[granted], SCHED_DISABLED, "process %d was granted while disabled", granted);
    }
    return -1;
}

static void run_end(struct run *x)
{
    x->c.policy.kind = SCHED_FREE;
    cr_assert_eq(ctl_run(&x->c, 20), CTL_IDLE, "the run must end, not be stuck: %s", x->c.error);
    cr_assert(x->r.finished);
    ctl_free(&x->c);
    runner_free(&x->r);
    tu_assert_no_children();
}

static int exit_code_of(const struct model *m, int pid)
{
    const struct model_proc *p = model_proc(m, pid);
    return p && p->state == MPROC_EXITED ? p->exit_code : MP_EXIT_NONE;
}

Test(controller, sigkill_while_parked_does_not_wedge_the_run, .timeout = 30.)
{
    struct run x;
    run_start(&x, SCHED_FREE);
    /* someone waits for the lock: kill it there */
    int at = step_until_parked(&x, MP_GOP_LOCK_ACQUIRE);
    cr_assert_geq(at, 1);
    int pid = x.c.procs[at].pid;
    cr_assert_eq(kill(pid, SIGKILL), 0);
    run_end(&x);
    cr_assert_eq(exit_code_of(&x.m, pid), -SIGKILL, "the parked process was killed by SIGKILL");
    const struct model_lock *l = &x.m.locks[0];
    cr_assert_eq(l->acquisitions, 9, "the nine others still greet under the lock");
    model_free(&x.m);
}

Test(controller, sigkill_while_granted_does_not_wedge_the_run, .timeout = 30.)
{
    struct run x;
    run_start(&x, SCHED_FREE);
    /* a holder narrates, then prints and sleeps 20 ms holding the lock:
     * grant its note and kill it while it runs */
    int at = step_until_parked(&x, MP_GOP_NOTE);
    cr_assert_geq(at, 1);
    int pid = x.c.procs[at].pid;
    x.c.policy.kind = SCHED_LEARNER;
    cr_assert_eq(ctl_step(&x.c, x.c.procs[at].index), CTL_GRANTED);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    run_end(&x);
    cr_assert_eq(exit_code_of(&x.m, pid), -SIGKILL);
    /* its lock went to the next one with "owner died" (03-sync's greet
     * then gives up holding it, so each later one is told the same) */
    cr_assert_geq(x.m.locks[0].owner_died, 1);
    cr_assert_eq(x.m.locks[0].acquisitions, 10);
    model_free(&x.m);
}

Test(controller, a_held_lock_is_never_granted_to_another, .timeout = 30.)
{
    struct run x;
    run_start(&x, SCHED_SEEDED);
    /* every grant of the whole run is checked against the policy */
    cr_assert_eq(step_until_parked(&x, MP_GOP__COUNT), -1);
    cr_assert(x.c.nsteps > 50);
    run_end(&x);
    cr_assert_eq(x.m.locks[0].acquisitions, 10);
    cr_assert_eq(x.m.locks[0].contended, 0, "under control nobody ever blocks in the kernel");
    model_free(&x.m);
}

Test(controller, a_stuck_run_names_its_deadlock_from_the_parked_operations, .timeout = 60.)
{
    struct run x;
    model_init(&x.m);
    runner_init(&x.r, &x.m);
    struct sched_policy p;
    sched_policy_init(&p, SCHED_SEEDED, 3);
    cr_assert_eq(ctl_init(&x.c, &x.r, &x.m, &p), 0);
    char *argv[] = {(char *)lesson_example("15-deadlock-queue"), NULL};
    cr_assert_eq(runner_start(&x.r, argv[0], argv), 0);
    ctl_started(&x.c);
    cr_assert_eq(ctl_run(&x.c, 30), CTL_STUCK, "the parent joins a child blocked in put: nothing can move");
    cr_assert(x.c.deadlock, "the stuck run is a named deadlock");
    char text[1024];
    cr_assert_eq(ctl_deadlock_text(&x.c, true, text, sizeof text), 1);
    cr_assert(strstr(text, "process 0 waits to join process 1 at 15-deadlock-queue.c:") == text, "%s", text);
    cr_assert(strstr(text, "<- process 1, which waits to put into queue 1 (full) at 15-deadlock-queue.c:"), "%s", text);
    cr_assert(strstr(text, "<- only process 0 could get"), "%s", text);
    cr_assert_eq(ctl_deadlock_text(&x.c, false, text, sizeof text), 1);
    char want[128];
    snprintf(want, sizeof want, "PID %d waits to join PID %d", x.c.procs[0].pid, x.c.procs[1].pid);
    cr_assert(strstr(text, want), "by PID: %s", text);
    ctl_free(&x.c);
    runner_free(&x.r);
    model_free(&x.m);
    tu_assert_no_children();
}
