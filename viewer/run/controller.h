/*
 * controller.h — drive a controlled run: the example parks at every libmp
 * operation (lib/gate.c) and the controller grants one process at a time,
 * as a scheduler policy (core/scheduler.h) decides. It rides on the runner
 * (output, trace, reaping, killing the group), so the viewer's loop, the
 * headless run and exploration use it the same way:
 *
 *     struct controller c;
 *     ctl_init(&c, &runner, &model);        before runner_start
 *     runner_start(&runner, path, argv); ctl_started(&c);
 *     while (!runner_done(&runner)) {
 *         poll(runner fds + ctl_pollfds, ...); runner_pump(&runner);
 *         if (ctl_settled(&c)) ctl_step(&c, -1);   (or at a pace, or on a key)
 *     }
 *
 * ctl_run() does all of that for a headless run.
 */
#ifndef FORKLAB_CONTROLLER_H
#define FORKLAB_CONTROLLER_H

#include "model.h"
#include "runner.h"
#include "scheduler.h"

#include <mp_gate.h>
#include <stdbool.h>

#define CTL_ERR 512
/* A granted process that has not reached its next operation after this
 * long is left to run on its own (it busy-waits on memory outside libmp,
 * or computes): decisions go on without waiting for it, so the run cannot
 * hang on it; such a run may not replay exactly (free_runs counts them). */
#define CTL_FREE_RUN_NS 1000000000ull
/* With nothing enabled, a process left running on its own may still come
 * back to an operation: "stuck" waits this long for it first. */
#define CTL_FREE_GRACE_NS 3000000000ull
/* An MPI rank between two operations is inside MPI (MPI_Init and
 * MPI_Finalize take seconds on a busy machine) or computing: waited for
 * this long before it is left to run on its own. */
#define CTL_MPI_FREE_RUN_NS 30000000000ull

enum ctl_status {
    CTL_GRANTED = 1,   /* one process moved */
    CTL_IDLE = 0,      /* nobody is parked (all ended, or not yet settled) */
    CTL_STUCK = -1,    /* parked processes, none enabled: c->error says who waits for what; when
                        * their waits make a deadlock, c->deadlock and the model names it */
    CTL_REFUSED = -2,  /* the schedule or the learner named a process that is not enabled */
};

struct controller {
    struct runner *runner;
    struct model *model;
    struct mp_gate *gate;
    char env[64];
    struct sched_policy policy;
    struct sched_proc procs[MP_GATE_MAX];
    enum sched_verdict verdict[MP_GATE_MAX];
    int pidfds[MP_GATE_MAX];
    bool tried[MP_GATE_MAX];
    uint64_t since_ns[MP_GATE_MAX]; /* when it was granted (or first seen forked); 0 parked */
    bool free_running[MP_GATE_MAX]; /* left to run on its own since its last grant */
    size_t free_runs;        /* times a process was left running on its own */
    int mpi_ranks;           /* an MPI run: ranks 0..n-1 are indexes 1..n (mpirun, 0, takes no part) */
    bool coll_waiting[MP_GATE_MAX]; /* MPI: granted a collective that waits for ranks not granted it yet */
    int peer_waiting[MP_GATE_MAX];  /* MPI: rank + 1 whose receive a large (rendezvous) send waits for; 0 none */
    size_t nprocs;
    int *steps;              /* the schedule so far */
    size_t nsteps, cap_steps;
    char error[CTL_ERR];
    bool deadlock;           /* stuck in a deadlock, confirmed in the model (model_deadlock_report) */
};

/* Make the channel and hook it into the runner (before runner_start). The
 * policy is taken over (freed by ctl_free). 0 | -errno. */
int ctl_init(struct controller *c, struct runner *r, struct model *m, const struct sched_policy *policy);
/* After runner_start succeeded. */
void ctl_started(struct controller *c);
/* The gate's event fd plus the pidfds of live processes; returns the count. */
int ctl_pollfds(const struct controller *c, struct pollfd *fds, int cap);
/* Never blocks: note new processes, ended ones, parked ones, and drain the
 * trace. True when nobody runs (every process parked, detached or ended),
 * so a decision may be taken on complete information. */
bool ctl_settled(struct controller *c);
/* Decide and grant once (call when settled). choice: the learner's pick
 * for SCHED_LEARNER, else -1. Returns an enum ctl_status. */
int ctl_step(struct controller *c, int choice);
/* The deadlock the run is in (the confirmed one, else the one forming
 * now, from the waits fed at each settle), in words. by_index: processes
 * as "process 1" (creation order, the same in every run) and each wait with
 * its source line; else by PID. 1 | 0 when there is none. */
int ctl_deadlock_text(const struct controller *c, bool by_index, char *buf, size_t cap);
/* Is any process parked (a decision is pending)? */
bool ctl_has_parked(const struct controller *c);
/* The schedule so far as text (into buf; returns needed length). */
size_t ctl_schedule(const struct controller *c, char *buf, size_t cap);
/* Stop controlling: the rest of the run goes on freely. */
void ctl_release(struct controller *c);
/* Headless: run to the end under the policy, timeout seconds (negative =
 * none). Returns CTL_IDLE when the run ended, CTL_STUCK, CTL_REFUSED, or
 * -ETIMEDOUT; the runner is finished in every case. */
int ctl_run(struct controller *c, double timeout);
void ctl_free(struct controller *c);

#endif
