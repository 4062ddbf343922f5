/* A wrong 08-pool-sum: the expected number, computed serially in the
 * parent; the pool is never used. test-grade requires it to FAIL. */
#include "exercise.h"

int ex_pool_sum(mp_pool *pool, const int64_t *xs, size_t n, int64_t *sum_out)
{
    (void)pool;
    int64_t s = 0;
    for (size_t i = 0; i < n; i++) s += xs[i] * xs[i];
    *sum_out = s;
    return 0;
}
