/*
 * Exercise 11-fix-race — a race that (almost) never shows: fix it.
 *
 * Lesson 14: `balance = balance + 1` is a read then a write. The code below
 * runs nprocs processes that each deposit 1, `deposits` times. Run freely
 * it usually ends right; `forklab explore` finds the interleavings where
 * two processes read the same old balance and one deposit is lost.
 *
 * Task: keep the structure, but make every interleaving end at the same,
 * exact balance (start + nprocs * deposits). The grader explores a small
 * case (2 processes, 2 deposits each) and requires exactly one outcome;
 * it shows a schedule for each wrong one, which you can replay.
 *
 * Build and grade:  make grade EX=11
 */
#include "exercise.h"

struct job {
    mp_value *balance;
    int deposits;
};

static int depositor(void *arg)
{
    const struct job *j = arg;
    for (int i = 0; i < j->deposits; i++) {
        /* TODO: this read-then-write is not one step. */
        int64_t b = mp_value_get_i64(j->balance);
        mp_value_set_i64(j->balance, b + 1);
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
