/* A wrong 09-map-async-poll: blocks in get and reports a made-up poll
 * count. test-grade requires it to FAIL. */
#include "exercise.h"

int ex_map_async_poll(mp_pool *pool, const struct ex_job *jobs, size_t n, int64_t *out, long *polls_out)
{
    mp_async *r = mp_pool_map_async(pool, ex_task_job, jobs, n, sizeof *jobs, sizeof *out);
    int rc = mp_async_get(r, out, MP_FOREVER);
    ex_idle_work();
    mp_async_free(r);
    *polls_out = 3;
    return rc;
}
