/*
 * Exercise 08-pool-sum — parallel sum with Pool.map.
 *
 * Lecture: with Pool(4) as p: print(sum(p.map(square, range(100)))).
 *
 * Task: *sum_out = xs[0]^2 + xs[1]^2 + ... with the squares computed by the
 * pool's workers: mp_pool_map (or mp_pool_map_chunked) with the provided
 * task ex_task_square (int64_t in, int64_t out), then add the results in
 * the parent. Return 0.
 *
 * The grader checks the sum, that every square was computed exactly once
 * in a worker (not in the parent) and that at least 2 workers took part
 * (hint: large chunks can give all the work to one worker).
 *
 * Build and grade:  make grade EX=08
 */
#include "exercise.h"

int ex_pool_sum(mp_pool *pool, const int64_t *xs, size_t n, int64_t *sum_out)
{
    /* TODO 1: an int64_t buffer of n results. */
    /* TODO 2: map ex_task_square over xs (small chunks: 1 is fine). */
    /* TODO 3: add the results into *sum_out, free the buffer, return 0. */
    (void)pool, (void)xs, (void)n, (void)sum_out;
    return -ENOSYS;
}
