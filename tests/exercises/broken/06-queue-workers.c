/* A looping 06-queue-workers: the consumers never get a sentinel and the
 * parent joins them forever. test-grade requires TIMEOUT within the time
 * limit, and nothing left running afterwards. */
#include "exercise.h"

static int consume(void *p)
{
    mp_queue *q = p;
    int32_t item;
    for (;;) mp_queue_get(q, &item, sizeof item, MP_FOREVER);
    return 0;
}

int ex_queue_workers(const int32_t *items, size_t n, int nconsumers, int64_t *sum_out)
{
    (void)sum_out;
    mp_queue *q = mp_queue_new(0);
    mp_process *ps[16];
    for (int i = 0; i < nconsumers && i < 16; i++) {
        ps[i] = mp_process_new(consume, q);
        mp_process_start(ps[i]);
    }
    for (size_t i = 0; i < n; i++) mp_queue_put(q, &items[i], sizeof items[i], MP_FOREVER);
    for (int i = 0; i < nconsumers && i < 16; i++) mp_process_join(ps[i], MP_FOREVER);
    return 0;
}
