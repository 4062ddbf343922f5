/* 07-apply-timeout — solution: both tasks run at once; each get waits at
 * most timeout, and a slow task is left to the pool instead of waited for. */
#include "exercise.h"

int ex_apply_timeout(mp_pool *pool, const struct ex_job *fast, const struct ex_job *slow, double timeout,
                     int64_t *fast_out, int *slow_rc, int64_t *slow_out)
{
    if (!pool || !fast || !slow || !fast_out || !slow_rc || !slow_out) return -EINVAL;
    mp_async *rf = mp_pool_apply_async(pool, ex_task_job, fast, sizeof *fast, sizeof(int64_t));
    mp_async *rs = mp_pool_apply_async(pool, ex_task_job, slow, sizeof *slow, sizeof(int64_t));
    int rc = (rf && rs) ? 0 : -errno;
    if (rc == 0) rc = mp_async_get(rf, fast_out, timeout);
    if (rc == 0) *slow_rc = mp_async_get(rs, slow_out, timeout);
    mp_async_free(rf);
    mp_async_free(rs);
    return rc;
}
