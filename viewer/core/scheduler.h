/*
 * scheduler.h — the scheduler policy of controlled runs (pure: no I/O, no
 * clock, no curses). Given the model and the pending operation of each
 * process, it says which processes are enabled and picks the next one.
 * Policies differ only in how they pick, so the viewer's step, the learner
 * as scheduler, --seed, --schedule and exploration share this one core.
 *
 * Enabled, in three levels (the first level that is not empty counts):
 *   1. operations that complete now: a free lock (or one whose holder has
 *      died), a queue with an item / with room, a message in flight toward
 *      the receiving end, an ended child, a finished result, a pool with a
 *      queued task (or closed), and every operation that never waits;
 *   2. when nothing completes: receives/polls on a pipe with nothing in
 *      flight that were not tried since the last step (granted TRY: the
 *      peer may have closed, which the model cannot know);
 *   3. when still nothing: timed waits, granted as their timeout.
 * So time only "passes" when nothing else can happen: runs stay short and
 * every choice replays. Nothing enabled while processes live: stuck.
 *
 * A schedule is the list of process indexes granted, by creation order
 * (0 = the program), written as numbers separated by spaces: "0 0 1 2 1".
 * Dots or commas also separate when read ("0.0.1.2").
 */
#ifndef FORKLAB_SCHED_H
#define FORKLAB_SCHED_H

#include "model.h"
#include "mp_gate.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sched_proc {
    int index;              /* creation order */
    int pid;
    bool alive;             /* has not ended */
    bool parked;            /* waits at a gate with op */
    bool tried;             /* its TRY failed and nobody moved since */
    struct mp_gate_op op;   /* valid when parked */
    int rank1;              /* an MPI rank: its world rank + 1; 0 = not a rank */
    int64_t coll_granted1;  /* MPI: number + 1 of the last collective granted; 0 none */
};

enum sched_verdict {
    SCHED_DISABLED = 0,
    SCHED_ENABLED,          /* grant MP_GRANT_GO */
    SCHED_TRY,              /* grant MP_GRANT_TRY */
    SCHED_TIMEOUT,          /* grant MP_GRANT_TIMEOUT */
};

/* verdict[i] for procs[i]; returns how many are enabled (any verdict but
 * DISABLED). */
size_t sched_enabled(const struct model *m, const struct sched_proc *procs, size_t n, enum sched_verdict *verdict);
/* The grant for a verdict (enum mp_gate_grant), 0 for DISABLED. */
int sched_grant_mode(enum sched_verdict v);
/* What procs[i] wants, for people: "wants lock 1 (held by PID 746)",
 * "receive on pipe 1 (nothing in flight)", "join PID 750 (running)". */
void sched_describe(const struct model *m, const struct sched_proc *procs, size_t n, size_t i, char *buf, size_t cap);

/* The wait-for graph's view of a controlled run (waitfor.h): one wait per
 * live parked process whose operation cannot complete now (a lock held by
 * another, a get from an empty queue, a receive with nothing in flight, a
 * join of a live child, a result not ready, a worker with no task, a pool
 * join with live workers), timed when it has a deadline. Into out (up to
 * cap); returns how many there are. */
size_t sched_waits(const struct model *m, const struct sched_proc *procs, size_t n, struct wf_wait *out, size_t cap);
/* Feed them to the model (model_gate_waits). 0 | -ENOMEM. */
int sched_feed_waits(struct model *m, const struct sched_proc *procs, size_t n);

enum sched_policy_kind {
    SCHED_FREE,     /* the lowest enabled index (fast, deterministic) */
    SCHED_PACED,    /* as free; the controller grants at a pace */
    SCHED_LEARNER,  /* whom the learner chose */
    SCHED_SEEDED,   /* uniform among the enabled, seeded generator */
    SCHED_REPLAY,   /* the schedule, then `after` past its end */
};

struct sched_policy {
    enum sched_policy_kind kind;
    uint64_t rng;           /* SEEDED state */
    int *steps;             /* REPLAY: the schedule (owned) */
    size_t nsteps, pos;
    enum sched_policy_kind after; /* REPLAY past the end: FREE or SEEDED */
};

void sched_policy_init(struct sched_policy *p, enum sched_policy_kind kind, uint64_t seed);
/* REPLAY of text (see above), then `after`. 0 | -EINVAL (bad text; err says where). */
int sched_policy_replay(struct sched_policy *p, const char *text, enum sched_policy_kind after, char *err, size_t errcap);
void sched_policy_free(struct sched_policy *p);

/* Pick the next process: its position in procs, or -1 with err filled:
 * nothing enabled (stuck), or (REPLAY) the schedule's step names a process
 * that is not enabled, or (LEARNER) `choice` (an index) is not enabled.
 * step is the 0-based number of this decision, for messages. */
int sched_pick(struct sched_policy *p, const struct model *m, const struct sched_proc *procs, size_t n,
               const enum sched_verdict *verdict, int choice, size_t step, char *err, size_t errcap);

/* Parse "0 1 1 2" / "0.1.1.2" into *out (malloc'd); count in *n.
 * 0 | -EINVAL (err says which token) | -ENOMEM. */
int sched_parse(const char *text, int **out, size_t *n, char *err, size_t errcap);
/* Format steps as "0 1 1 2"; returns the length it needs (like snprintf). */
size_t sched_format(const int *steps, size_t n, char *buf, size_t cap);
/* The enabled indexes as "1, 3" (for messages). */
void sched_enabled_list(const struct sched_proc *procs, size_t n, const enum sched_verdict *verdict, char *buf,
                        size_t cap);

#endif
