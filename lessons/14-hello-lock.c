/* 14-hello-lock.c — the lecture's lock example, with three processes.
 *
 *     def f(l, i):
 *         l.acquire()
 *         try:
 *             print('Hello world! My ID is', i)
 *         finally:
 *             l.release()
 *
 *     lock = Lock()
 *     for num in range(3):
 *         Process(target=f, args=(lock, num)).start()
 *
 * The lock keeps the lines whole (one process prints at a time); it does
 * not order them. `forklab explore 14-hello-lock` finds all 3! = 6 orders.
 */
#include <mp.h>
#include <stdio.h>

#define NPROCS 3

static mp_lock *lock;

static int f(void *arg)
{
    int i = (int)(long)arg;
    mp_lock_acquire(lock, MP_FOREVER);
    printf("Hello world! My ID is %d\n", i);
    fflush(stdout); /* inside the lock: the line leaves before the next holder's */
    mp_lock_release(lock);
    return 0;
}

int main(void)
{
    lock = mp_lock_new();
    if (!lock) {
        perror("Lock");
        return 1;
    }
    mp_process *ps[NPROCS];
    int rc = 0;
    for (long i = 0; i < NPROCS; i++)
        if (!(ps[i] = mp_process_new(f, (void *)i)) || mp_process_start(ps[i]) < 0) return 1;
    for (int i = 0; i < NPROCS; i++) {
        if (mp_process_join(ps[i], MP_FOREVER) < 0 || mp_process_exitcode(ps[i]) != 0) rc = 1;
        mp_process_free(ps[i]);
    }
    mp_lock_free(lock);
    return rc;
}
