/* 06-queue-workers — solution: consumers take items until their own
 * sentinel and send their partial sums back on a second queue. */
#include "exercise.h"

#include <stdlib.h>

struct consumer_arg {
    mp_queue *work, *sums;
};

static int consume(void *p)
{
    struct consumer_arg *a = p;
    int64_t sum = 0;
    for (;;) {
        int32_t item;
        ssize_t n = mp_queue_get(a->work, &item, sizeof item, MP_FOREVER);
        if (n != (ssize_t)sizeof item) return 1;
        if (item == EX_SENTINEL) break; /* one sentinel each: stop, leave the rest to the others */
        sum += item;
    }
    return mp_queue_put(a->sums, &sum, sizeof sum, MP_FOREVER) == 0 ? 0 : 1;
}

int ex_queue_workers(const int32_t *items, size_t n, int nconsumers, int64_t *sum_out)
{
    if ((!items && n) || nconsumers <= 0 || !sum_out) return -EINVAL;
    struct consumer_arg arg = {mp_queue_new(0), mp_queue_new(0)};
    mp_process **procs = calloc((size_t)nconsumers, sizeof *procs);
    int rc = (arg.work && arg.sums && procs) ? 0 : -ENOMEM;
    for (int i = 0; i < nconsumers && rc == 0; i++) {
        procs[i] = mp_process_new(consume, &arg);
        rc = procs[i] ? mp_process_start(procs[i]) : -ENOMEM;
    }
    for (size_t i = 0; i < n && rc == 0; i++) rc = mp_queue_put(arg.work, &items[i], sizeof items[i], MP_FOREVER);
    const int32_t sentinel = EX_SENTINEL;
    for (int i = 0; i < nconsumers && rc == 0; i++) rc = mp_queue_put(arg.work, &sentinel, sizeof sentinel, MP_FOREVER);
    int64_t total = 0;
    for (int i = 0; i < nconsumers && rc == 0; i++) {
        int64_t part;
        ssize_t got = mp_queue_get(arg.sums, &part, sizeof part, 30.0);
        if (got == (ssize_t)sizeof part) total += part;
        else rc = got < 0 ? (int)got : -EBADMSG;
    }
    for (int i = 0; procs && i < nconsumers; i++) {
        if (!procs[i]) continue;
        if (rc == 0 && mp_process_join(procs[i], MP_FOREVER) != 0) rc = -ECHILD;
        mp_process_free(procs[i]); /* kills a consumer still waiting after an error */
    }
    free(procs);
    mp_queue_free(arg.work);
    mp_queue_free(arg.sums);
    if (rc == 0) *sum_out = total;
    return rc;
}
