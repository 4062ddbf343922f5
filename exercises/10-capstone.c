/*
 * Exercise 10-capstone — Monte Carlo pi on a Pool, reproducibly.
 *
 * Throw random points in the unit square; the share that lands inside the
 * quarter circle is pi/4. Split the work into ntasks pool tasks. A fixed
 * seed per task makes the answer the same however the pool schedules them.
 *
 * Task: write your own mp_task. Task i starts a generator state at
 * seed + i and draws samples points, x = ex_rng_unit(&state) first, then
 * y = ex_rng_unit(&state); it counts hits (x*x + y*y <= 1.0) and writes
 * the count as an int64_t. Run the ntasks tasks on the pool (map with one
 * input record per task), add the hits into *hits_out and set *pi_out =
 * 4.0 * hits / (ntasks * samples). Return 0.
 *
 * The grader computes the exact hit count itself and checks that every
 * task ran in a worker.
 *
 * Build and grade:  make grade EX=10
 */
#include "exercise.h"

int ex_capstone_pi(mp_pool *pool, uint64_t seed, int ntasks, int64_t samples, int64_t *hits_out,
                   double *pi_out)
{
    /* TODO 1: struct pi_task { uint64_t seed; int64_t samples; } and a task
     *         function void count_hits(const void *in, void *out). */
    /* TODO 2: fill ntasks records (seed + i) and map them over the pool. */
    /* TODO 3: add the hits, compute pi, free what you allocated. */
    (void)pool, (void)seed, (void)ntasks, (void)samples, (void)hits_out, (void)pi_out;
    return -ENOSYS;
}
