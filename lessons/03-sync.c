/* 03-sync.c — the lecture's Lock example: ten processes greet in turn.
 *
 *     def f(l, i):
 *         l.acquire()
 *         print('hello world', i)
 *         l.release()
 *
 *     lock = Lock()
 *     for num in range(10):
 *         Process(target=f, args=(lock, num)).start()
 *
 * The lock is made before the processes start, so all of them share it.
 * Each child prints (and flushes) while it holds the lock, so the lines
 * never mix; their order depends on the scheduler, as in Python.
 */
#include <errno.h>
#include <mp.h>
#include <stdio.h>
#include <unistd.h>

#define NPROC 10

static mp_lock *lock;

static int greet(void *arg)
{
    int i = (int)(long)arg;
    int rc = mp_lock_acquire(lock, MP_FOREVER);
    /* -EOWNERDEAD still means "acquired" (the last holder died holding it):
     * go on, and release it below like any other time. */
    if (rc < 0 && rc != -EOWNERDEAD) return 1;
    mp_trace_note("process %d holds the lock", (int)getpid());
    printf("hello world %d\n", i);
    fflush(stdout); /* inside the lock: the whole line goes out before the next holder */
    /* Hold it a little longer than a print takes, so that the others are
     * seen waiting in the viewer's locks panel (10 x 20 ms in all). */
    usleep(20 * 1000);
    mp_lock_release(lock);
    return 0;
}

int main(void)
{
    lock = mp_lock_new();
    if (!lock) {
        perror("mp_lock_new");
        return 1;
    }
    mp_trace_note("one lock, made before the processes start");
    mp_process *ps[NPROC] = {0};
    int rc = 0;
    for (int num = 0; num < NPROC; num++) {
        ps[num] = mp_process_new(greet, (void *)(long)num);
        int r = ps[num] ? mp_process_start(ps[num]) : -ENOMEM;
        if (r < 0) {
            fprintf(stderr, "start: %s\n", mp_strerror(r));
            rc = 1;
        }
    }
    for (int num = 0; num < NPROC; num++) {
        if (!ps[num]) continue;
        mp_process_join(ps[num], MP_FOREVER);
        if (mp_process_exitcode(ps[num]) != 0) rc = 1;
        mp_process_free(ps[num]);
    }
    mp_trace_note("all ten greeted, one at a time");
    mp_lock_free(lock);
    return rc;
}
