/* 01-spawn — solution: n processes, each reports its pid and parent pid
 * through a shared Array made before they start. */
#include "exercise.h"

#include <stdlib.h>
#include <unistd.h>

struct report_arg {
    mp_array *ids; /* 2 slots per worker: pid, ppid */
    size_t slot;
};

static int report(void *p)
{
    struct report_arg *a = p;
    mp_array_set_i64(a->ids, 2 * a->slot, getpid());
    mp_array_set_i64(a->ids, 2 * a->slot + 1, getppid());
    return 0;
}

int ex_spawn(int n, pid_t *pids, pid_t *ppids)
{
    if (n <= 0 || !pids || !ppids) return -EINVAL;
    int rc = 0;
    mp_array *ids = mp_array_new('q', 2 * (size_t)n);
    mp_process **procs = calloc((size_t)n, sizeof *procs);
    struct report_arg *args = calloc((size_t)n, sizeof *args);
    if (!ids || !procs || !args) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        args[i] = (struct report_arg){ids, (size_t)i};
        procs[i] = mp_process_new(report, &args[i]);
        rc = procs[i] ? mp_process_start(procs[i]) : -ENOMEM;
    }
    for (int i = 0; i < n; i++)
        if (procs[i] && mp_process_join(procs[i], MP_FOREVER) != 0 && rc == 0) rc = -ECHILD;
    for (int i = 0; i < n && rc == 0; i++) {
        int64_t v;
        mp_array_get_i64(ids, 2 * (size_t)i, &v);
        pids[i] = (pid_t)v;
        mp_array_get_i64(ids, 2 * (size_t)i + 1, &v);
        ppids[i] = (pid_t)v;
    }
out:
    for (int i = 0; procs && i < n; i++) mp_process_free(procs[i]);
    free(procs);
    free(args);
    mp_array_free(ids);
    return rc;
}
