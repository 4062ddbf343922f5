/* 09-map-async-poll — solution: ask ready() between units of our own work
 * instead of blocking in get(). */
#include "exercise.h"

int ex_map_async_poll(mp_pool *pool, const struct ex_job *jobs, size_t n, int64_t *out, long *polls_out)
{
    if (!pool || (!jobs && n) || !out || !polls_out) return -EINVAL;
    mp_async *r = mp_pool_map_async(pool, ex_task_job, jobs, n, sizeof *jobs, sizeof *out);
    if (!r) return -errno;
    long polls = 0;
    for (;;) {
        polls++;
        if (mp_async_ready(r)) break;
        ex_idle_work();
    }
    int rc = mp_async_get(r, out, 0);
    mp_async_free(r);
    *polls_out = polls;
    return rc;
}
