/*
 * Exercise 09-map-async-poll — map_async while doing useful work.
 *
 * Lecture: r = pool.map_async(f, data); while not r.ready(): do_something();
 * print(r.get()).
 *
 * Task: start mp_pool_map_async(pool, ex_task_job, jobs, n, ...) and, until
 * the result is ready, alternate mp_async_ready(r) with one call of the
 * provided ex_idle_work(). Then fetch the n int64_t results into out and
 * set *polls_out to the number of mp_async_ready calls you made. Free the
 * result, return 0.
 *
 * The grader checks the results, that you polled before the result was
 * ready, and that you did idle work while waiting (not a blocking get).
 *
 * Build and grade:  make grade EX=09
 */
#include "exercise.h"

int ex_map_async_poll(mp_pool *pool, const struct ex_job *jobs, size_t n, int64_t *out, long *polls_out)
{
    /* TODO 1: r = mp_pool_map_async(...) with in_size sizeof *jobs and
     *         out_size sizeof(int64_t). */
    /* TODO 2: loop: count a poll; stop when mp_async_ready(r); else
     *         ex_idle_work(). */
    /* TODO 3: mp_async_get(r, out, 0), free r, set *polls_out, return 0. */
    (void)pool, (void)jobs, (void)n, (void)out, (void)polls_out;
    return -ENOSYS;
}
