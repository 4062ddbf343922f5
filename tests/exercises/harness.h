/*
 * harness.h — what every exercise grader shares.
 *
 * gr_run() runs one call of the learner's entry point in a supervised
 * child process:
 *   - the child gets its own process group, a process-count limit (which
 *     only binds when not root) and a private TMPDIR;
 *   - it traces itself (and everything it forks) into a ring the test
 *     process drains into a model while it waits;
 *   - the test process is a child subreaper, so orphans of the learner's
 *     code come back to it;
 *   - past the time limit, or when the group holds too many processes (a
 *     fork loop), the whole group is killed with SIGKILL; every process
 *     that came back is killed and reaped, the TMPDIR is removed.
 * The verdicts TIMEOUT / CRASH are reported as assertion messages that
 * start with "TIMEOUT:" / "CRASH:", which the grading script recognises.
 *
 * Inputs are random per run; gr_seed() prints the seed (FORKLAB_SEED pins it).
 */
#ifndef FORKLAB_GR_HARNESS_H
#define FORKLAB_GR_HARNESS_H

#include "exercise.h"
#include "model.h"
/* testutil.h defines a function (an LSan hook), so only the graders, one
 * translation unit each, include it; harness.c does not. */
#ifndef GR_HARNESS_IMPL
#include "testutil.h"
#else
#include <criterion/criterion.h>
#endif

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>
#include <sys/types.h>

enum gr_how {
    GR_DONE = 0,  /* the body returned; the child exited normally */
    GR_TIMEOUT,   /* killed after the time limit */
    GR_CRASH,     /* ended by a signal, or an unexpected exit code */
    GR_FORKLOOP,  /* killed: too many processes at once */
};

struct gr_run {
    enum gr_how how;
    int code;            /* exit code, or the signal */
    double secs;         /* wall time of the call */
    pid_t caller;        /* pid of the process that called the entry point */
    struct model model;  /* every event the run traced, applied in order */
    struct mp_trace_event *ev; /* the same events, raw (for pid-level facts) */
    size_t nev, cap;
    uint64_t dropped;    /* events the ring had to drop */
    int leftovers;       /* processes still running after the body returned */
};

/* Shared with the tasks the grader provides (ex_task_*, ex_idle_work). */
#define GR_MAX_PIDS 64
struct gr_stats {
    atomic_int square_calls, square_calls_in_caller;
    atomic_int npids;            /* distinct pids that ran ex_task_square */
    atomic_int pids[GR_MAX_PIDS];
    atomic_int rendezvous_gave_up;
    atomic_int job_calls, job_calls_in_caller;
    atomic_long idle_calls, idle_calls_elsewhere;
    _Atomic uint64_t idle_first_ns;
    atomic_int caller;           /* pid of the supervised child */
    atomic_int between_calls;    /* ex_between_locks() calls, all processes */
    atomic_int between[64];      /* arrivals per round of ex_between_locks() */
};
extern struct gr_stats *gr_stats;

/* The body runs in the supervised child; ctx points to memory shared with
 * the test (gr_shared), where the body leaves what it found. */
typedef void (*gr_body)(void *ctx);

/* Zeroed MAP_SHARED memory that outlives nothing: freed at exit. */
void *gr_shared(size_t size);
/* The seed of this run, printed. */
unsigned gr_seed(void);
/* Uniform in [lo, hi]. */
long gr_rand(unsigned *state, long lo, long hi);
/* The time limit for one call, seconds ($FORKLAB_GRADE_TIMEOUT or def). */
double gr_limit(double def);
uint64_t gr_now_ns(void);

void gr_run(gr_body body, void *ctx, double limit, struct gr_run *out);
void gr_run_free(struct gr_run *r);

/* The deadlock the run ended in, in words ("PID 745 holds lock 1 and
 * waits for lock 2 <- ..."), or NULL. gr_run stops a run as soon as one is
 * confirmed (waitfor.h), well before the time limit. */
const char *gr_deadlock(const struct gr_run *r);

/* Stop the test unless the call ended normally. */
#define gr_require_finished(r)                                                                   \
    do {                                                                                         \
        if ((r)->how == GR_TIMEOUT && gr_deadlock(r))                                            \
            cr_assert_fail("TIMEOUT: deadlock: %s", gr_deadlock(r));                             \
        if ((r)->how == GR_TIMEOUT)                                                              \
            cr_assert_fail("TIMEOUT: your code did not finish within %.1f s (a deadlock, a join "      \
                     "that never returns, or an endless loop?)",                                 \
                     (r)->secs);                                                                 \
        if ((r)->how == GR_FORKLOOP)                                                             \
            cr_assert_fail("CRASH: your code started too many processes at once (fork in a loop?)"); \
        if ((r)->how == GR_CRASH && (r)->code > 0)                                               \
            cr_assert_fail("CRASH: your code was killed by signal %d (%s)", (r)->code,                 \
                     strsignal((r)->code));                                                      \
        if ((r)->how == GR_CRASH)                                                                \
            cr_assert_fail("CRASH: your code called exit(%d) instead of returning", -(r)->code);       \
        cr_assert((r)->dropped == 0, "the trace lost %llu events: run again",                    \
                  (unsigned long long)(r)->dropped);                                             \
    } while (0)

/* The entry point's return value must be 0. */
#define gr_require_rc0(name, rc)                                                                 \
    cr_assert((rc) == 0, "%s returned %d (%s), expected 0%s", name, (rc),                        \
              (rc) == -ENOSYS ? "ENOSYS" : mp_err_name(rc),                                      \
              (rc) == -ENOSYS ? ": the exercise is not solved yet" : "")

/* ---- facts from the trace */
/* Processes started (PROC_START) whose parent is ppid; fills pids. */
size_t gr_children_of(const struct gr_run *r, pid_t ppid, pid_t *pids, size_t cap);
/* Events of kind, optionally only from pid (0 = any) and on obj (0 = any). */
size_t gr_count(const struct gr_run *r, unsigned kind, pid_t pid, uint64_t obj);
/* Distinct pids that emitted kind, excluding not_pid (0 = none). */
size_t gr_distinct_pids(const struct gr_run *r, unsigned kind, pid_t not_pid);
/* The object (lock, queue ...) with the most events of kind; 0 if none. */
uint64_t gr_busiest(const struct gr_run *r, unsigned kind);
/* The first event of kind at or after index from; NULL if none. */
const struct mp_trace_event *gr_find(const struct gr_run *r, unsigned kind, size_t from, size_t *index);

/* Sets gr_stats (before gr_run forks). */
void gr_stats_init(void);

#endif
