/* A wrong 07-apply-timeout: only the fast job goes to the pool; the slow
 * one is reported as timed out without being tried. test-grade requires
 * it to FAIL. */
#include "exercise.h"

int ex_apply_timeout(mp_pool *pool, const struct ex_job *fast, const struct ex_job *slow, double timeout,
                     int64_t *fast_out, int *slow_rc, int64_t *slow_out)
{
    (void)slow, (void)slow_out;
    int rc = mp_pool_apply(pool, ex_task_job, fast, sizeof *fast, fast_out, sizeof *fast_out);
    (void)timeout;
    *slow_rc = -ETIMEDOUT;
    return rc;
}
