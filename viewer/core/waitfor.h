/*
 * waitfor.h — the wait-for graph: who is blocked, on what, and who could
 * release them; deadlocks (a cycle, or blocked processes nobody alive can
 * release) and lock-order inversions. Part of the model: pure, no I/O.
 *
 * Blocked. A process is blocked from a *_WAIT event (LOCK_WAIT,
 * QUEUE_PUT_WAIT, QUEUE_GET_WAIT, PIPE_RECV_WAIT, JOIN_WAIT, ASYNC_WAIT,
 * MANAGER_WAIT) until its next event of any kind: a blocked process emits
 * nothing, so whatever it emits next means the wait is over. A wait whose
 * event carries MP_EVF_TIMED ends by itself and is never part of a
 * deadlock.
 *
 * Edges, from a blocked process P to the processes that could release it:
 *   lock           -> its holder (none, or a dead one: P is about to get it)
 *   queue get      -> every live process that has the queue, except P: the
 *                     creator and its descendants started after the queue
 *                     was made (inherited at fork). Not blocked any more when
 *                     the queue holds an item or anyone put since P began.
 *   queue put      -> the same set (they could get); not blocked once
 *                     anyone got since P began.
 *   pipe receive   -> the live processes holding the OTHER end, except P.
 *                     Ends are inherited at fork like queues and given up by
 *                     PIPE_CLOSE (a = the end) or exit. When nobody holds it
 *                     the receive ends with EOF (not blocked); when only P
 *                     does, nobody can ever send.
 *   join           -> the child (already gone: not blocked)
 *   async result   -> the live workers of the pool that runs its tasks
 *   manager call   -> the server
 *   pool claim     -> (a worker waiting for a task, controlled runs) the
 *                     process that made the pool, which could submit one
 *   pool join      -> (controlled runs) the pool's live workers
 *   MPI call       -> the ranks it waits for (model_mpi_releasers): the
 *                     sender of a receive, the receiver of a blocking send,
 *                     the ranks a collective still awaits; finalized ranks
 *                     release nobody. Begins at RECV_POST/SEND of a blocking
 *                     call, MPI_WAIT or COLL_ENTER, ends with the rank's
 *                     next event like the others.
 * A lock or join waits on one process; the others wait on ANY of theirs.
 * A blocked process can progress when one of its successors can; running
 * processes can. Deadlocked = alive, blocked, and cannot progress. The
 * report names the smallest cycle among the deadlocked (or, when there is
 * none, a process whose wait nobody alive can end).
 *
 * Controlled runs. Under the gate (lib/gate.c) nobody blocks in the
 * kernel, so no *_WAIT event comes: the controller feeds each parked
 * process's disabled operation instead (model_gate_waits, translated by
 * sched_waits in scheduler.h), and the same graph, cycle search and words
 * name the deadlock. A gate wait holds until the next feed or the
 * process's next event; a lock wanted while holding others is a lock
 * order, as a LOCK_WAIT is.
 *
 * Inheritance is judged from the event order alone: a child is taken to
 * have every end its parent ever held, even one the parent closed just
 * before forking it. That errs towards "someone could still send", so a
 * deadlock may go unreported but is never invented.
 */
#ifndef FORKLAB_WAITFOR_H
#define FORKLAB_WAITFOR_H

#include "mp_trace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct model;

enum wf_kind {
    WF_NONE = 0,
    WF_LOCK,
    WF_QUEUE_GET,
    WF_QUEUE_PUT,
    WF_PIPE_RECV,
    WF_JOIN,
    WF_ASYNC,
    WF_MANAGER,
    WF_MPI,      /* an MPI rank blocked in a receive, send, wait or collective (model_mpi.h) */
    WF_POOL_CLAIM, /* a worker waits for a task (controlled runs) */
    WF_POOL_JOIN,  /* waits for a pool's workers to leave (controlled runs) */
};

#define WF_SITE 48 /* "15-deadlock.c:42" */

/* What one process waits in, from its *_WAIT event. */
struct wf_wait {
    int pid;
    enum wf_kind kind;
    uint64_t obj;      /* lock, queue, pipe, async result or proxy; 0 for join */
    int64_t arg;       /* join: the child; pipe: the end; manager: the server pid */
    bool timed;        /* it has a deadline: never a deadlock */
    uint64_t t_ns;
    uint64_t mark;     /* queue: puts (get) or gets (put) when it began; pipe: sends */
    char site[WF_SITE]; /* the blocked call's file:line, "" when events do not say */
    bool gate;         /* fed from a controlled run's pending operation (model_gate_waits) */
};

/* A queue or pipe: who made it and when, for inheritance. */
struct wf_obj {
    uint64_t id;
    int creator;
    uint64_t t_new;
};

/* pid closed its copy of a pipe end. */
struct wf_close {
    uint64_t pipe;
    int pid, end;
};

/* Lock `first` was held by pid while it took `second`. */
struct wf_order {
    uint64_t first, second;
    int pid;
    uint64_t t_ns;
    char site[WF_SITE];
};

/* Two locks taken in both orders by different processes: each order's
 * first sighting (orders[0]: a then b, orders[1]: b then a). */
struct wf_inversion {
    uint64_t a, b;
    struct wf_order orders[2];
};

#define WF_MAX_CYCLE 16
#define WF_MAX_STUCK 64
#define WF_MAX_ORDERS 4096

struct wf_deadlock {
    /* The smallest cycle, started at its lowest pid: cycle[i] waits for
     * something only cycle[i + 1] (cyclically) ... could release, and
     * releasers[i] counts the processes that could (all stuck). ncycle 0:
     * there is no cycle, and cycle[0] is a process nobody alive can
     * release (releasers[0] == 0). */
    struct wf_wait cycle[WF_MAX_CYCLE];
    int releasers[WF_MAX_CYCLE];
    size_t ncycle;
    /* Every deadlocked process, by pid (up to WF_MAX_STUCK; nstuck is the true count). */
    int stuck[WF_MAX_STUCK];
    size_t nstuck;
    uint64_t t_formed; /* ns of the latest wait among the stuck */
};

struct waitfor {
    struct wf_wait *waits;     size_t nwaits, cap_waits;
    struct wf_obj *objs;       size_t nobjs, cap_objs;
    struct wf_close *closes;   size_t ncloses, cap_closes;
    struct wf_order *orders;   size_t norders, cap_orders;
    struct wf_inversion *invs; size_t ninvs, cap_invs;
    /* A deadlock the runner confirmed and then ended by killing the run
     * (waitfor_confirm): kept, since the kill changes the live state. */
    bool confirmed;
    struct wf_deadlock report;
};

void waitfor_init(struct waitfor *w);
void waitfor_free(struct waitfor *w);
/* Called by model_apply after the model took ev. 0 | -ENOMEM. */
int waitfor_apply(struct waitfor *w, const struct model *m, const struct mp_trace_event *ev);

/* The wait pid is in, or NULL when it runs. */
const struct wf_wait *waitfor_wait_of(const struct model *m, int pid);
/* Is there a deadlock now? 1 (and *out filled), 0 none, -ENOMEM. */
int model_deadlock(const struct model *m, struct wf_deadlock *out);
/* Keep d as the run's deadlock (the runner ends the run after this). */
void model_confirm_deadlock(struct model *m, const struct wf_deadlock *d);
/* The deadlock to show: the confirmed one, else the current one. 1 | 0. */
int model_deadlock_report(const struct model *m, struct wf_deadlock *out);

/* A controlled run's waits: each parked process whose operation cannot
 * complete now, as a wait (pid, kind, obj, arg, timed, site; mark and t_ns
 * are filled here). Replaces the previous feed; a process's event wait
 * gives way to its gate wait. Lock waits also record lock orders (and so
 * inversions). 0 | -ENOMEM. */
int model_gate_waits(struct model *m, const struct wf_wait *waits, size_t n);
/* The edges out of pid: the processes that could end its wait (into out,
 * up to cap), how many in all; -1 when pid does not wait or its wait ends
 * by itself. */
int waitfor_releasers(const struct model *m, int pid, int *out, size_t cap);

/* Watching a live run. A deadlock is confirmed once the same processes
 * have stayed stuck for WF_CONFIRM_NS: the events of a process that was
 * only slow to report cannot fake one for that long (and a real deadlock
 * never changes). now_ns is the caller's clock; the watch itself is pure. */
#define WF_CONFIRM_NS 30000000ull
struct wf_watch {
    bool pending;      /* a deadlock seen, not confirmed yet */
    bool confirmed;
    uint64_t since_ns;
    struct wf_deadlock seen;
};
/* Call after each drain (and on idle ticks). 1 when a deadlock is confirmed
 * now (also stored with model_confirm_deadlock), else 0. */
int waitfor_watch(struct wf_watch *w, struct model *m, uint64_t now_ns);

/* The deadlock in a learner's words, one line: "PID 745 holds lock 1 and
 * waits for lock 2 <- held by PID 746, which waits for lock 1 <- held by
 * PID 745". Returns the length snprintf would. */
int waitfor_cycle_text(const struct model *m, const struct wf_deadlock *d, char *buf, size_t cap);
/* Names for processes in the words: by default "PID 745"; with pids, the
 * process whose pid is pids[i] is "process i" (creation order, as in a
 * schedule), so the same deadlock reads the same in every run; with sites,
 * each wait says where it was called ("... at 15-deadlock.c:55"). */
struct wf_names {
    const int *pids;
    size_t n;
    bool sites;
};
int waitfor_cycle_text_named(const struct model *m, const struct wf_deadlock *d, const struct wf_names *names,
                             char *buf, size_t cap);
/* What the wait does: "waits to join PID 746", "waits for lock 2". */
int waitfor_doing_text(const struct model *m, const struct wf_wait *w, char *buf, size_t cap);
/* One line per cycle member: "PID 745 waits for lock 2 at 15-deadlock.c:40". */
int waitfor_member_text(const struct model *m, const struct wf_wait *w, char *buf, size_t cap);
/* A lock-order warning in words. */
int waitfor_inversion_text(const struct model *m, const struct wf_inversion *v, char *buf, size_t cap);
/* The same, short, for a status line (two rows at 80 columns): "LOCK
 * ORDER: lock 1 then lock 2 by PID 745 at line 40; lock 2 then lock 1 by
 * PID 746 at line 48: can deadlock". */
int waitfor_inversion_brief(const struct model *m, const struct wf_inversion *v, char *buf, size_t cap);

#endif
