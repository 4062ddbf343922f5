/*
 * Exercise 04-manager-dict — fill a manager dict from several processes.
 *
 * Lecture: with Manager() as m: d = m.dict(); several processes write
 * d[key] = value; the manager process owns the data and every process
 * talks to it through a proxy.
 *
 * Task: start nprocs processes that together set d[keys[i]] = vals[i] for
 * every i < n (mp_dict_set_double), each process doing its share (for
 * example process w takes i = w, w + nprocs, w + 2*nprocs ...). The parent
 * only starts and joins them. Return 0.
 *
 * The grader reads the dict back and checks, in the trace, that the
 * writes came from your worker processes and not from the parent.
 *
 * Build and grade:  make grade EX=04
 */
#include "exercise.h"

int ex_manager_dict(mp_dict *d, const char *const *keys, const double *vals, size_t n, int nprocs)
{
    /* TODO 1: a target that sets its share of the keys through the proxy d
     *         (a child forked after gets its own connection by itself). */
    /* TODO 2: start nprocs processes, each with its own first index. */
    /* TODO 3: join and free them, return 0. */
    (void)d, (void)keys, (void)vals, (void)n, (void)nprocs;
    return -ENOSYS;
}
