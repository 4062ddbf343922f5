/*
 * explore_outcome.h — the distinct outcomes an exploration found (pure).
 *
 * An outcome is a line of text: the program's standard output (lines
 * joined by " | ", only those --outcome kept) and each process's exit
 * status by creation order, e.g. "counter = 3 · exits 0 0 0"; or
 * "deadlock: " and its cycle, processes named by creation order ("process
 * 1 holds lock 1 and waits for lock 2 at lockorder.c:16 <- held by process
 * 2, ..."; "deadlock" alone when no cycle could be named), or "timeout". For each the table counts the runs and keeps
 * the shortest schedule that produced it (among equals the smallest as
 * text, so the table does not depend on the order runs finish in).
 */
#ifndef FORKLAB_EXPLORE_OUTCOME_H
#define FORKLAB_EXPLORE_OUTCOME_H

#include <stddef.h>

struct ex_outcome {
    char *text;
    char *schedule;
    size_t steps;       /* length of schedule, in decisions */
    size_t count;
    size_t first_run;   /* the run that found it, from 1 */
};

struct ex_outcomes {
    struct ex_outcome *v;
    size_t n, cap;
};

/* Count one run. 1 when the outcome is new, 0 when known, -ENOMEM. */
int exo_add(struct ex_outcomes *t, const char *text, const char *schedule, size_t steps, size_t run);
/* Most frequent first; equal counts by text. */
void exo_sort(struct ex_outcomes *t);
const struct ex_outcome *exo_find(const struct ex_outcomes *t, const char *text);
void exo_free(struct ex_outcomes *t);

/* "exited 0" statuses as the outcome writes them: "0", "SIGSEGV", "?" */
void exo_status(int code, int known, char *buf, size_t cap);

#endif
