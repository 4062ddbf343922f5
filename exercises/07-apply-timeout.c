/*
 * Exercise 07-apply-timeout — apply_async with a timeout.
 *
 * Lecture: r = pool.apply_async(f, (x,)); r.get(timeout=1) raises
 * TimeoutError when f takes too long; the program goes on.
 *
 * Task: submit both jobs with mp_pool_apply_async(pool, ex_task_job, ...)
 * (ex_task_job sleeps job->delay_ms, then answers x * x as an int64_t),
 * then get each result waiting at most timeout seconds. *fast_out = the
 * fast job's result. *slow_rc = what mp_async_get gave for the slow one:
 * 0 (then *slow_out = its result) or -ETIMEDOUT (do not wait any longer).
 * Free both results and return 0.
 *
 * The grader sometimes makes the "slow" job fast, and checks that you
 * return long before a too-slow job would finish.
 *
 * Build and grade:  make grade EX=07
 */
#include "exercise.h"

int ex_apply_timeout(mp_pool *pool, const struct ex_job *fast, const struct ex_job *slow, double timeout,
                     int64_t *fast_out, int *slow_rc, int64_t *slow_out)
{
    /* TODO 1: submit both jobs first, so they run at the same time. */
    /* TODO 2: mp_async_get(r, &out, timeout) for each; keep the slow rc. */
    /* TODO 3: mp_async_free both (freeing an unfinished result is fine). */
    (void)pool, (void)fast, (void)slow, (void)timeout, (void)fast_out, (void)slow_rc, (void)slow_out;
    return -ENOSYS;
}
