/*
 * explore.h — `forklab explore`: run an example again and again under the
 * gate, choosing other processes at the scheduling points
 * (core/explore_tree.h), and collect the distinct outcomes
 * (core/explore_outcome.h). The graders use explore_program() directly.
 */
#ifndef FORKLAB_EXPLORE_H
#define FORKLAB_EXPLORE_H

#include "explore_outcome.h"
#include "explore_tree.h"

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct explore_opts {
    uint32_t bound;          /* preemptions (EX_BOUND_ALL) */
    bool random;
    size_t nrandom;          /* random: runs */
    uint64_t seed;
    size_t max_runs;         /* 0 = none */
    double time_limit;       /* seconds, <= 0 = none */
    int jobs;                /* runs at once */
    double run_timeout;      /* one run, seconds */
    const regex_t *keep;     /* --outcome: output lines kept; NULL = all */
    const char *stop_unless; /* stop at the first outcome other than this one (graders); NULL: never */
    size_t max_procs;
    bool echo_stderr;        /* pass the runs' stderr lines on to ours (graders: their messages stay in the log) */        /* a run starting more processes ends as "too many processes"; 0 = no limit */
    bool progress;           /* the progress line on stderr */
    /* each new outcome as found (the viewer lists them live); may be NULL */
    void (*on_outcome)(void *ctx, const struct ex_outcome *o);
    void *ctx;
};

struct explore_result {
    struct ex_outcomes outcomes;
    size_t runs;             /* runs with an outcome */
    size_t pruned, diverged; /* runs ended early: redundant / did not replay */
    const char *search;      /* "complete", "bounded" or "random" */
    double elapsed;
};

/* Explore path with argv (argv[0] included, NULL-terminated).
 * 0 | -errno (the program cannot start at all). */
int explore_program(const char *path, char *const argv[], const struct explore_opts *o, struct explore_result *res);
void explore_result_free(struct explore_result *res);

#endif
