/* 11-fix-race — solution: the Value's lock is held from the read to the
 * write, so every interleaving ends at the same balance. */
#include "exercise.h"

struct job {
    mp_value *balance;
    int deposits;
};

static int depositor(void *arg)
{
    const struct job *j = arg;
    for (int i = 0; i < j->deposits; i++) {
        mp_lock *lock = mp_value_get_lock(j->balance);
        mp_lock_acquire(lock, MP_FOREVER); /* the read and the write as one step */
        int64_t b = mp_value_get_i64(j->balance);
        mp_value_set_i64(j->balance, b + 1);
        mp_lock_release(lock);
    }
    return 0;
}

int ex_fix_race(mp_value *balance, int nprocs, int deposits)
{
    struct job j = {balance, deposits};
    mp_process *ps[16];
    if (nprocs < 1 || nprocs > 16) return -EINVAL;
    int rc = 0, started = 0;
    for (; started < nprocs; started++) {
        ps[started] = mp_process_new(depositor, &j);
        if (!ps[started] || (rc = mp_process_start(ps[started])) < 0) {
            mp_process_free(ps[started]);
            rc = rc < 0 ? rc : -ENOMEM;
            break;
        }
    }
    for (int i = 0; i < started; i++) {
        int r = mp_process_join(ps[i], MP_FOREVER);
        if (r == 0 && mp_process_exitcode(ps[i]) != 0) r = -ECHILD;
        if (r < 0 && rc == 0) rc = r;
        mp_process_free(ps[i]);
    }
    return rc;
}
