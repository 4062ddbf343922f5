/* 08-pool-sum — solution: map the squares over the pool's workers, then
 * add them up in the parent. */
#include "exercise.h"

#include <stdlib.h>

int ex_pool_sum(mp_pool *pool, const int64_t *xs, size_t n, int64_t *sum_out)
{
    if (!pool || (!xs && n) || !sum_out) return -EINVAL;
    int64_t *squares = calloc(n ? n : 1, sizeof *squares);
    if (!squares) return -ENOMEM;
    /* chunksize 1 hands items out one at a time, so every idle worker gets some */
    int rc = mp_pool_map_chunked(pool, ex_task_square, xs, n, sizeof *xs, squares, sizeof *squares, 1);
    if (rc == 0) {
        int64_t sum = 0;
        for (size_t i = 0; i < n; i++) sum += squares[i];
        *sum_out = sum;
    }
    free(squares);
    return rc;
}
