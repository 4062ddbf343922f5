/*
 * controller.c — one process at a time (controller.h; the protocol is at
 * the top of lib/gate.c).
 *
 * A decision is taken only when the run is settled: no process is granted
 * and still running, no freshly forked child is on its way to its first
 * gate, and the trace is drained into the model. Then the policy sees the
 * whole state, which is what makes a schedule replay exactly. Processes
 * are watched through pidfds, so one killed while parked or while running
 * is seen as ended at once and never wedges the run.
 */
#include "controller.h"

#include "run/mpi_launch.h"
#include "sched_mpi.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int ctl_init(struct controller *c, struct runner *r, struct model *m, const struct sched_policy *policy)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < MP_GATE_MAX; i++) c->pidfds[i] = -1;
    c->runner = r;
    c->model = m;
    c->policy = *policy;
    c->gate = mp_gate_create();
    if (!c->gate) return -errno;
    if (mp_gate_env(c->gate, c->env, sizeof c->env) < 0) return -ENOSPC;
    r->gate_env = c->env;
    r->ngate_fds = mp_gate_child_fds(c->gate, r->gate_fds);
    /* An MPI run (the ranks are not known yet: mpirun starts them); the
     * live view's `forklab run --mpi N` sets its ranks as a default */
    mpi_launch_apply_default(r);
    if (r->mpi_ranks > 0 && mp_gate_reserve_ranks(c->gate, r->mpi_ranks) == 0) c->mpi_ranks = r->mpi_ranks;
    return 0;
}

void ctl_started(struct controller *c)
{
    if (c->runner->pid) mp_gate_set_program(c->gate, c->runner->pid);
}

int ctl_pollfds(const struct controller *c, struct pollfd *fds, int cap)
{
    int n = 0;
    if (n < cap) fds[n++] = (struct pollfd){.fd = mp_gate_event_fd(c->gate), .events = POLLIN};
    for (size_t i = 0; i < c->nprocs && n < cap; i++)
        if (c->pidfds[i] >= 0) fds[n++] = (struct pollfd){.fd = c->pidfds[i], .events = POLLIN};
    return n;
}

static void proc_ended(struct controller *c, size_t i)
{
    c->procs[i].alive = false;
    c->procs[i].parked = false;
    if (c->pidfds[i] >= 0) close(c->pidfds[i]);
    c->pidfds[i] = -1;
}

/* Learn about new slots and their pids, and about ended processes. */
static void refresh_procs(struct controller *c)
{
    int n = mp_gate_nprocs(c->gate);
    for (; c->nprocs < (size_t)n; c->nprocs++) {
        struct sched_proc *p = &c->procs[c->nprocs];
        memset(p, 0, sizeof *p);
        p->index = (int)c->nprocs;
        p->alive = true;
        if (c->mpi_ranks && p->index >= 1 && p->index <= c->mpi_ranks) p->rank1 = p->index;
    }
    struct pollfd pf[MP_GATE_MAX];
    size_t who[MP_GATE_MAX], k = 0;
    for (size_t i = 0; i < c->nprocs; i++) {
        struct sched_proc *p = &c->procs[i];
        if (!p->alive) continue;
        const struct mp_gate_slot *s = mp_gate_slot(c->gate, (int)i);
        int32_t pid = __atomic_load_n(&s->pid, __ATOMIC_ACQUIRE);
        if (!p->pid && pid > 0) {
            p->pid = pid;
            c->pidfds[i] = (int)syscall(SYS_pidfd_open, pid, 0);
            if (c->pidfds[i] < 0) { /* already reaped: it has ended */
                proc_ended(c, i);
                continue;
            }
        }
        if (c->pidfds[i] >= 0) {
            pf[k] = (struct pollfd){.fd = c->pidfds[i], .events = POLLIN};
            who[k++] = i;
        }
    }
    if (k && poll(pf, (nfds_t)k, 0) > 0)
        for (size_t j = 0; j < k; j++)
            if (pf[j].revents) proc_ended(c, who[j]);
}

static void drain_trace(struct controller *c)
{
    struct runner *r = c->runner;
    for (int rounds = 0; rounds < 64; rounds++) {
        runner_pump(r);
        if (!r->ring || mp_trace_ring_pending(r->ring) == 0) break;
    }
}

static uint64_t now_ns(void);

bool ctl_settled(struct controller *c)
{
    mp_gate_ack(c->gate);
    refresh_procs(c);
    bool busy = false;
    uint64_t now = now_ns();
    for (size_t i = 0; i < c->nprocs; i++) {
        struct sched_proc *p = &c->procs[i];
        if (!p->alive) continue;
        const struct mp_gate_slot *s = mp_gate_slot(c->gate, (int)i);
        uint32_t st = atomic_load(&s->state);
        p->parked = st == MP_GS_PENDING;
        if (p->parked) {
            p->op = s->op;
            p->tried = c->tried[i] && p->op.tried;
        }
        if (st != MP_GS_RUNNING && st != MP_GS_FORKED) {
            c->since_ns[i] = 0;
            continue;
        }
        /* MPI: a rank granted a collective waits inside MPI for the ranks
         * not granted it yet (they move first); a rank mpirun has not
         * started yet will come (the run's own timeout bounds the wait). */
        if (c->coll_waiting[i] || c->peer_waiting[i]) continue;
        if (p->rank1 && st == MP_GS_FORKED && !p->pid) {
            busy = true;
            continue;
        }
        if (!c->since_ns[i]) c->since_ns[i] = now; /* forked: first seen now */
        if (now - c->since_ns[i] < (p->rank1 ? CTL_MPI_FREE_RUN_NS : CTL_FREE_RUN_NS)) busy = true;
        else if (!c->free_running[i]) {
            c->free_running[i] = true;
            c->free_runs++;
        }
    }
    if (busy) return false;
    drain_trace(c);
    /* The model is whole now: who waits for what, for the wait-for graph
     * (a parked process emits nothing, so this stays true until a grant). */
    sched_feed_waits(c->model, c->procs, c->nprocs);
    return true;
}

bool ctl_has_parked(const struct controller *c)
{
    for (size_t i = 0; i < c->nprocs; i++)
        if (c->procs[i].alive && c->procs[i].parked) return true;
    return false;
}

static int push_step(struct controller *c, int index)
{
    if (c->nsteps == c->cap_steps) {
        size_t ncap = c->cap_steps ? c->cap_steps * 2 : 256;
        int *p = realloc(c->steps, ncap * sizeof *p);
        if (!p) return -ENOMEM;
        c->steps = p;
        c->cap_steps = ncap;
    }
    c->steps[c->nsteps++] = index;
    return 0;
}

/* "stuck: nothing can move" with one line per waiting process. */
static void describe_stuck(struct controller *c)
{
    size_t len = (size_t)snprintf(c->error, sizeof c->error, "no process can move");
    for (size_t i = 0; i < c->nprocs && len < sizeof c->error; i++) {
        if (!c->procs[i].alive || !c->procs[i].parked) continue;
        char what[200];
        sched_describe(c->model, c->procs, c->nprocs, i, what, sizeof what);
        len += (size_t)snprintf(c->error + len, sizeof c->error - len, "\n  %d · PID %d · %s", c->procs[i].index,
                                c->procs[i].pid, what);
    }
}

/* A process left running on its own that may still come back. */
static bool free_runner_in_grace(const struct controller *c)
{
    uint64_t now = now_ns();
    for (size_t i = 0; i < c->nprocs; i++)
        if (c->procs[i].alive && !c->procs[i].parked && c->since_ns[i] &&
            now - c->since_ns[i] < (c->procs[i].rank1 ? CTL_MPI_FREE_RUN_NS : CTL_FREE_RUN_NS) + CTL_FREE_GRACE_NS)
            return true;
    return false;
}

/* MPI: procs[at] is about to be granted its operation. A collective
 * holds the rank inside MPI until every rank is granted it: until then it
 * does not count as running; the last grant lets them all go on. */
static void mpi_granted(struct controller *c, size_t at)
{
    struct sched_proc *p = &c->procs[at];
    if (!p->rank1) return;
    /* A send too large for the eager protocol (shared memory: 4 KiB) waits
     * inside MPI until its receiver takes it: it does not count as running
     * until that rank is granted a receive (or any call, which may be the
     * wait on one). */
    uint64_t now = now_ns();
    for (size_t i = 0; i < c->nprocs; i++) {
        if (c->peer_waiting[i] != p->rank1) continue;
        c->peer_waiting[i] = 0;
        c->since_ns[i] = now;
    }
    if (p->op.kind == MP_GOP_MPI_SEND && p->op.obj > 4096 && p->op.a >= 0) c->peer_waiting[at] = (int)p->op.a + 1;
    if (p->op.kind != MP_GOP_MPI_COLL) return;
    int64_t coll = p->op.a;
    p->coll_granted1 = coll + 1;
    size_t ungranted = 0;
    for (size_t i = 0; i < c->nprocs; i++)
        if (c->procs[i].rank1 && c->procs[i].alive && c->procs[i].coll_granted1 <= coll) ungranted++;
    if (ungranted > 0) {
        c->coll_waiting[at] = true;
        return;
    }
    for (size_t i = 0; i < c->nprocs; i++) {
        if (!c->coll_waiting[i]) continue;
        c->coll_waiting[i] = false;
        c->since_ns[i] = now;
    }
}

int ctl_step(struct controller *c, int choice)
{
    if (!ctl_has_parked(c)) return CTL_IDLE;
    size_t n = sched_enabled(c->model, c->procs, c->nprocs, c->verdict);
    if (n == 0 && free_runner_in_grace(c)) return CTL_IDLE; /* it may still free someone */
    char err[CTL_ERR];
    int at = sched_pick(&c->policy, c->model, c->procs, c->nprocs, c->verdict, choice, c->nsteps, err, sizeof err);
    if (at < 0) {
        if (n == 0) {
            describe_stuck(c);
            /* Name it: the fed waits form a cycle, or a wait nobody alive can end. */
            struct wf_deadlock d;
            if (model_deadlock(c->model, &d) == 1) {
                model_confirm_deadlock(c->model, &d);
                c->deadlock = true;
            }
            return CTL_STUCK;
        }
        snprintf(c->error, sizeof c->error, "%s", err);
        return CTL_REFUSED;
    }
    int mode = sched_grant_mode(c->verdict[at]);
    if (mode == MP_GRANT_TRY) c->tried[at] = true;
    else memset(c->tried, 0, sizeof c->tried); /* something moved: tries may succeed now */
    if (push_step(c, c->procs[at].index) < 0) return CTL_STUCK;
    c->procs[at].parked = false;
    /* A try or a timeout lets a waiting process go: it waits no more. */
    if (mode != MP_GRANT_GO) sched_feed_waits(c->model, c->procs, c->nprocs);
    c->since_ns[at] = now_ns();
    c->free_running[at] = false;
    mpi_granted(c, (size_t)at);
    if (mp_gate_grant(c->gate, at, mode) < 0) c->procs[at].alive = false;
    return CTL_GRANTED;
}

int ctl_deadlock_text(const struct controller *c, bool by_index, char *buf, size_t cap)
{
    struct wf_deadlock d;
    if (cap) buf[0] = '\0';
    if (!model_deadlock_report(c->model, &d)) return 0;
    int pids[MP_GATE_MAX];
    for (size_t i = 0; i < c->nprocs; i++) pids[i] = c->procs[i].pid;
    struct wf_names names = {.pids = pids, .n = c->nprocs, .sites = true};
    waitfor_cycle_text_named(c->model, &d, by_index ? &names : NULL, buf, cap);
    return 1;
}

size_t ctl_schedule(const struct controller *c, char *buf, size_t cap)
{
    return sched_format(c->steps, c->nsteps, buf, cap);
}

void ctl_release(struct controller *c)
{
    if (c->gate) mp_gate_release_all(c->gate);
}

static uint64_t now_ns(void)
{
    /* (also used before its definition, by ctl_settled) */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int ctl_run(struct controller *c, double timeout)
{
    struct runner *r = c->runner;
    uint64_t until = timeout < 0 ? UINT64_MAX : now_ns() + (uint64_t)(timeout * 1e9);
    int rc = CTL_IDLE;
    bool ready = false;
    while (!runner_done(r)) {
        if (now_ns() >= until) {
            rc = -ETIMEDOUT;
            break;
        }
        if (!ready) {
            struct pollfd fds[RUNNER_MAX_FDS + MP_GATE_MAX + 1];
            int k = runner_pollfds(r, fds, RUNNER_MAX_FDS);
            k += ctl_pollfds(c, fds + k, MP_GATE_MAX + 1);
            if (poll(fds, (nfds_t)k, RUNNER_TICK_MS) < 0 && errno != EINTR) break;
            runner_pump(r);
        }
        ready = false;
        if (!ctl_settled(c)) continue;
        int s = ctl_step(c, -1);
        if (s == CTL_GRANTED) {
            ready = false;
            continue;
        }
        if (s < 0) {
            rc = s;
            break;
        }
    }
    runner_finish(r);
    return rc;
}

void ctl_free(struct controller *c)
{
    for (size_t i = 0; i < c->nprocs; i++)
        if (c->pidfds[i] >= 0) close(c->pidfds[i]);
    c->nprocs = 0;
    sched_policy_free(&c->policy);
    free(c->steps);
    c->steps = NULL;
    if (c->runner) {
        c->runner->gate_env = NULL;
        c->runner->ngate_fds = 0;
    }
    mp_gate_free(c->gate);
    c->gate = NULL;
}
