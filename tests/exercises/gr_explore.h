/*
 * gr_explore.h — graders that explore: run a small case of the learner's
 * function under `forklab explore`'s search (viewer/out/explore.h) and
 * require one outcome, the right one, in every interleaving.
 *
 * The explored program is the grader binary itself: GR_EXPLORE_MAIN(fn)
 * adds a constructor that, when FORKLAB_GR_EXPLORE is set, runs fn(its
 * value: the case's parameters; fn prints the case's result) and exits
 * before Criterion starts. So it works
 * wherever the grader runs, in the sandbox too, with nothing else to build.
 *
 * A test whose name contains "explore" is a gate: when it fails, the whole
 * exercise scores 0 (tests/exercises/grade.sh): code that is right only by
 * luck of timing earns nothing.
 */
#ifndef FORKLAB_GR_EXPLORE_H
#define FORKLAB_GR_EXPLORE_H

#include "explore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GR_EXPLORE_ENV "FORKLAB_GR_EXPLORE"

#define GR_EXPLORE_MAIN(fn)                                                                                            \
    __attribute__((constructor)) static void gr_explore_child(void)                                                    \
    {                                                                                                                  \
        if (!getenv(GR_EXPLORE_ENV)) return;                                                                           \
        int rc_ = fn(getenv(GR_EXPLORE_ENV));                                                                                                \
        fflush(NULL);                                                                                                  \
        _exit(rc_);                                                                                                    \
    }

/* Explore this binary's case `arg` with at most `bound` preemptions (or
 * EX_BOUND_ALL), max_runs and 60 s at most, stopping at the first outcome
 * other than want (one is enough to fail). 0 | -errno. */
static inline int gr_explore(const char *arg, uint32_t bound, size_t max_runs, const char *want,
                             struct explore_result *res)
{
    static char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return -1;
    self[n] = '\0';
    char *argv[] = {self, NULL};
    /* max_procs: a fork loop ends its run at once instead of taking the
     * sandbox's process limit from the other checks */
    struct explore_opts o = {.bound = bound, .max_runs = max_runs, .jobs = 2, .run_timeout = 10, .max_procs = 32,
                              .time_limit = 60, .stop_unless = want,
                              .echo_stderr = true};
    setenv(GR_EXPLORE_ENV, arg, 1);
    fflush(NULL);
    int rc = explore_program(self, argv, &o, res);
    unsetenv(GR_EXPLORE_ENV);
    return rc;
}

/* Is there exactly one outcome, equal to want? Else a message naming each
 * outcome with the schedule that produced it (replayable by hand). */
static inline bool gr_explore_one(const struct explore_result *res, const char *want, char *msg, size_t cap)
{
    const struct ex_outcomes *t = &res->outcomes;
    if (t->n == 1 && !strcmp(t->v[0].text, want)) return true;
    size_t len = t->n == 1 ? (size_t)snprintf(msg, cap, "every run (%zu) gave another outcome than '%s':", res->runs, want)
                           : (size_t)snprintf(msg, cap, "%zu runs in different orders gave %zu different outcomes "
                                                        "(want only '%s'):", res->runs, t->n, want);
    for (size_t i = 0; i < t->n && len < cap; i++)
        len += (size_t)snprintf(msg + len, cap - len, " '%s' (%zu runs, e.g. schedule %s)%s", t->v[i].text,
                                t->v[i].count, t->v[i].schedule, i + 1 < t->n ? ";" : "");
    return false;
}

/* The common gate: explore `arg` (bound 1: a lost update or a faked
 * result shows with one preemption, and the runs stay few) and require
 * the one outcome `want`. */
#define gr_explore_require(arg, want)                                                                                  \
    do {                                                                                                               \
        struct explore_result res_;                                                                                    \
        int rc_ = gr_explore((arg), 1, 3000, (want), &res_);                                                                   \
        cr_assert(rc_ == 0, "could not explore the program: %s", mp_strerror(rc_));                                    \
        static char msg_[4096];                                                                                        \
        bool one_ = gr_explore_one(&res_, (want), msg_, sizeof msg_);                                                  \
        explore_result_free(&res_);                                                                                    \
        cr_assert(one_, "%s", msg_);                                                                                   \
    } while (0)

#endif
