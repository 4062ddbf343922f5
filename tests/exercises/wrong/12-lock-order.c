/* A wrong 12-lock-order: still the opposite orders, but the second lock is
 * taken with a timeout and the move retried after a random pause, so the
 * run ends without a deadlock, by luck and patience. test-grade requires
 * it to FAIL: the trace shows the two locks taken in both orders. */
#include "exercise.h"

#include <stdlib.h>
#include <unistd.h>

struct job {
    mp_lock *const *locks;
    mp_array *accounts;
    int from, to, rounds;
    int64_t amount;
};

static int move(const struct job *j)
{
    mp_lock *first = j->locks[j->from], *second = j->locks[j->to];
    for (;;) {
        int r = mp_lock_acquire(first, MP_FOREVER);
        if (r < 0) return r;
        ex_between_locks();
        if (mp_lock_acquire(second, 0.02) == 0) break;
        mp_lock_release(first); /* back off and try again */
        usleep((useconds_t)(1000 + rand() % 20000));
    }
    int64_t from = 0, to = 0;
    mp_array_get_i64(j->accounts, (size_t)j->from, &from);
    mp_array_get_i64(j->accounts, (size_t)j->to, &to);
    mp_array_set_i64(j->accounts, (size_t)j->from, from - j->amount);
    mp_array_set_i64(j->accounts, (size_t)j->to, to + j->amount);
    mp_lock_release(second);
    mp_lock_release(first);
    return 0;
}

static int worker(void *arg)
{
    const struct job *j = arg;
    srand((unsigned)getpid());
    for (int i = 0; i < j->rounds; i++)
        if (move(j) < 0) return 1;
    return 0;
}

int ex_lock_order(mp_lock *const locks[2], mp_array *accounts, int rounds, int64_t amount)
{
    struct job jobs[2] = {
        {locks, accounts, 0, 1, rounds, amount},
        {locks, accounts, 1, 0, rounds, amount},
    };
    mp_process *p[2] = {mp_process_new(worker, &jobs[0]), mp_process_new(worker, &jobs[1])};
    int rc = 0;
    for (int i = 0; i < 2; i++)
        if (!p[i] || mp_process_start(p[i]) < 0) rc = -ECHILD;
    for (int i = 0; i < 2; i++) {
        if (p[i] && mp_process_pid(p[i]) && mp_process_join(p[i], MP_FOREVER) == 0 && mp_process_exitcode(p[i]) != 0)
            rc = -ECHILD;
        mp_process_free(p[i]);
    }
    return rc;
}
