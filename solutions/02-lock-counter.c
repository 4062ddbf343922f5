/* 02-lock-counter — solution: every increment is a read-modify-write done
 * while holding the value's lock, so no update is lost. */
#include "exercise.h"

#include <stdlib.h>

struct count_arg {
    mp_value *counter;
    int iters;
};

static int count(void *p)
{
    struct count_arg *a = p;
    mp_lock *lock = mp_value_get_lock(a->counter);
    for (int i = 0; i < a->iters; i++) {
        int rc = mp_lock_acquire(lock, MP_FOREVER);
        if (rc != 0 && rc != -EOWNERDEAD) return 1;
        mp_value_set_i64(a->counter, mp_value_get_i64(a->counter) + 1);
        mp_lock_release(lock);
    }
    return 0;
}

int ex_lock_counter(mp_value *counter, int nprocs, int iters)
{
    if (!counter || nprocs <= 0 || iters < 0) return -EINVAL;
    struct count_arg arg = {counter, iters};
    mp_process **procs = calloc((size_t)nprocs, sizeof *procs);
    if (!procs) return -ENOMEM;
    int rc = 0;
    for (int i = 0; i < nprocs && rc == 0; i++) {
        procs[i] = mp_process_new(count, &arg);
        rc = procs[i] ? mp_process_start(procs[i]) : -ENOMEM;
    }
    for (int i = 0; i < nprocs; i++) {
        if (!procs[i]) continue;
        if (mp_process_join(procs[i], MP_FOREVER) != 0 || mp_process_exitcode(procs[i]) != 0)
            rc = rc ? rc : -ECHILD;
        mp_process_free(procs[i]);
    }
    free(procs);
    return rc;
}
