/*
 * explore_tree.h — the search of `forklab explore` (pure: no I/O, no clock).
 *
 * A run is a sequence of decisions; at each one the driver hands over the
 * enabled processes with their pending operations and grants whom
 * ex_decide() names. The search is stateless (each run starts the program
 * afresh) and keeps a stack of work items: a schedule prefix whose last
 * step is a choice not taken yet. Popping the newest item first makes it
 * depth-first. Three things keep the tree small:
 *
 *  - the preemption bound: taking a process away from one that could go
 *    on (it is enabled) is a preemption; a path has at most `bound` of
 *    them (EX_BOUND_ALL: no limit). Switching after a process blocked or
 *    ended is free. A choice cut by the bound makes the search "bounded".
 *  - sleep sets: after the subtree of choice t at a node is explored, a
 *    sibling's subtree need not take t again until something that does not
 *    commute with t has happened. Two steps commute when they act on
 *    different objects with kinds whose effect stays on that object
 *    (locks, memory, queues, pipes; two reads of one object commute too)
 *    and at most one of them printed (output order is part of the
 *    outcome). A process's first step and a note change nothing others
 *    see. Everything else (spawn, join, exit, pools...) is taken as
 *    conflicting with everything.
 *  - a node whose every enabled process sleeps ends the run early: what it
 *    would reach was reached already (ex_decide returns EX_PRUNE).
 *
 * Random mode (PCT): each process gets a random priority when it appears;
 * the highest-priority enabled process goes; at `depth - 1` random steps
 * the running process drops below all others. Each run draws from
 * (seed, run number), so a seed gives the same runs in any order.
 */
#ifndef FORKLAB_EXPLORE_TREE_H
#define FORKLAB_EXPLORE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EX_BOUND_ALL UINT32_MAX
#define EX_PRUNE (-1)     /* ex_decide: end this run, it is redundant */
#define EX_DIVERGED (-2)  /* ex_decide: a replayed step is not enabled */

/* One enabled process at a decision. */
struct ex_op {
    int index;        /* creation order */
    uint32_t kind;    /* enum mp_gate_kind */
    uint64_t obj;
    bool printed;     /* (sleep entries) its step wrote output */
};

/* Do two steps commute (see above)? */
bool ex_independent(const struct ex_op *a, const struct ex_op *b);

struct ex_item {
    int *prefix;            /* the choices; the last is the new one */
    size_t len;
    struct ex_op *sleep;    /* sleep set at the node of the last choice */
    size_t nsleep;
    uint32_t preempt;       /* preemptions including the last choice */
};

struct ex_search {
    bool random;
    uint32_t bound;
    uint64_t seed;
    unsigned pct_depth;     /* PCT: change points + 1 */
    size_t est_len;         /* PCT: longest run seen (change points fall in it) */
    struct ex_item *stack;
    size_t nstack, cap_stack;
    bool started;           /* the first (empty-prefix) run was handed out */
    bool bound_cut;         /* a choice was skipped for the bound */
    size_t pruned, diverged;
    uint64_t runs_begun;
};

/* One run in progress. */
struct ex_run {
    struct ex_item item;    /* what it replays (owned) */
    size_t depth;           /* decisions taken */
    int prev;               /* who went last, -1 at first */
    uint32_t preempt;
    struct ex_op *sleep;
    size_t nsleep;
    /* the node just decided, until ex_stepped */
    bool fresh;             /* beyond the prefix: its alternatives are queued */
    bool pending;
    struct ex_op chosen;
    struct ex_op *alts;
    size_t nalts;
    uint32_t *alt_preempt;
    /* PCT */
    uint64_t rng;
    uint64_t prio[256];     /* by index; 0 = not seen yet */
    size_t change[8];
    unsigned nchange;
};

void ex_search_init(struct ex_search *s, bool random, uint32_t bound, uint64_t seed);
void ex_search_free(struct ex_search *s);
/* Start the next run into *r: false when the search is exhausted (DFS).
 * In random mode always true. */
bool ex_run_begin(struct ex_search *s, struct ex_run *r);
/* Choose among the n enabled (n > 0): an index from ops, EX_PRUNE or
 * EX_DIVERGED. -ENOMEM on allocation failure. */
int ex_decide(struct ex_search *s, struct ex_run *r, const struct ex_op *ops, size_t n);
/* The chosen step has run; printed: it wrote output. Queues the node's
 * other choices and carries the sleep set on. 0 | -ENOMEM. */
int ex_stepped(struct ex_search *s, struct ex_run *r, bool printed);
/* Done with a run (also after a prune or divergence). */
void ex_run_end(struct ex_search *s, struct ex_run *r);
/* Runs still queued (DFS). */
size_t ex_pending(const struct ex_search *s);

#endif
