/* A wrong 06-queue-workers: the right sum, computed in the parent with no
 * queue and no consumer. test-grade requires it to FAIL. */
#include "exercise.h"

int ex_queue_workers(const int32_t *items, size_t n, int nconsumers, int64_t *sum_out)
{
    (void)nconsumers;
    int64_t s = 0;
    for (size_t i = 0; i < n; i++) s += items[i];
    *sum_out = s;
    return 0;
}
