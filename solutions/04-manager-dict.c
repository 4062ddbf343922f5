/* 04-manager-dict — solution: process w sets the keys w, w + nprocs,
 * w + 2*nprocs ... through the dict proxy; the manager serialises them. */
#include "exercise.h"

#include <stdlib.h>

struct fill_arg {
    mp_dict *d;
    const char *const *keys;
    const double *vals;
    size_t n, first, step;
};

static int fill(void *p)
{
    struct fill_arg *a = p;
    for (size_t i = a->first; i < a->n; i += a->step)
        if (mp_dict_set_double(a->d, a->keys[i], a->vals[i]) != 0) return 1;
    return 0;
}

int ex_manager_dict(mp_dict *d, const char *const *keys, const double *vals, size_t n, int nprocs)
{
    if (!d || !keys || !vals || nprocs <= 0) return -EINVAL;
    mp_process **procs = calloc((size_t)nprocs, sizeof *procs);
    struct fill_arg *args = calloc((size_t)nprocs, sizeof *args);
    int rc = (procs && args) ? 0 : -ENOMEM;
    for (int w = 0; w < nprocs && rc == 0; w++) {
        args[w] = (struct fill_arg){d, keys, vals, n, (size_t)w, (size_t)nprocs};
        procs[w] = mp_process_new(fill, &args[w]);
        rc = procs[w] ? mp_process_start(procs[w]) : -ENOMEM;
    }
    for (int w = 0; procs && w < nprocs; w++) {
        if (!procs[w]) continue;
        if (mp_process_join(procs[w], MP_FOREVER) != 0 || mp_process_exitcode(procs[w]) != 0)
            rc = rc ? rc : -ECHILD;
        mp_process_free(procs[w]);
    }
    free(procs);
    free(args);
    return rc;
}
