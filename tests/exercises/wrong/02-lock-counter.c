/* A wrong 02-lock-counter: the racy version, no lock (it may even get the
 * right total by luck). test-grade requires it to FAIL. */
#include "exercise.h"

#include <stdlib.h>

struct arg {
    mp_value *v;
    int iters;
};

static int racy(void *p)
{
    struct arg *a = p;
    for (int i = 0; i < a->iters; i++) mp_value_set_i64(a->v, mp_value_get_i64(a->v) + 1);
    return 0;
}

int ex_lock_counter(mp_value *counter, int nprocs, int iters)
{
    struct arg a = {counter, iters};
    mp_process *ps[16];
    for (int i = 0; i < nprocs && i < 16; i++) {
        ps[i] = mp_process_new(racy, &a);
        mp_process_start(ps[i]);
    }
    for (int i = 0; i < nprocs && i < 16; i++) {
        mp_process_join(ps[i], MP_FOREVER);
        mp_process_free(ps[i]);
    }
    return 0;
}
