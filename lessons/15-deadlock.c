/* 15-deadlock.c — two processes take two locks in opposite orders.
 *
 *     def worker(name, first, second):
 *         with first:
 *             ready.wait()                 # both hold their first lock
 *             with second:                 # ... and wait for the other's
 *                 print(name, 'got both locks')
 *
 *     a, b = Lock(), Lock()
 *     Process(target=worker, args=('A', a, b)).start()
 *     Process(target=worker, args=('B', b, a)).start()   # the opposite order
 *
 * A holds lock 1 and waits for lock 2; B holds lock 2 and waits for lock 1:
 * neither can go on, ever. Run as `15-deadlock fixed`, both take lock 1
 * first: whoever gets it also gets lock 2, and the other waits its turn.
 *
 * The two first acquisitions meet at a rendezvous (a shared counter), so
 * the deadlock happens every time, not only when the timing is unlucky.
 * Outside forklab nothing would end it: after WATCHDOG_S seconds of no
 * progress the parent says so, kills the children and exits.
 */
#include <mp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WATCHDOG_S 3

static mp_lock *lock1, *lock2;
static mp_value *ready;
static pid_t kids[2];

struct job {
    const char *name;
    mp_lock *first, *second;
    int nfirst, nsecond;
};

static void rendezvous(void)
{
    int *n = mp_value_ptr(ready);
    __atomic_add_fetch(n, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(n, __ATOMIC_SEQ_CST) < 2) usleep(1000);
}

static int worker(void *arg)
{
    const struct job *j = arg;
    mp_lock_acquire(j->first, MP_FOREVER);
    printf("%s (PID %d) has lock %d, now wants lock %d\n", j->name, (int)getpid(), j->nfirst, j->nsecond);
    fflush(stdout);
    rendezvous();
    mp_lock_acquire(j->second, MP_FOREVER);
    printf("%s got both locks\n", j->name);
    mp_lock_release(j->second);
    mp_lock_release(j->first);
    return 0;
}

/* Only outside forklab (which ends the run as soon as it names the cycle). */
static void watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "deadlock: no progress for 3 s; each process waits for a lock the other holds "
                              "(run it in forklab to see the cycle, or run '15-deadlock fixed')\n";
    ssize_t w = write(1, msg, sizeof msg - 1);
    (void)w;
    for (int i = 0; i < 2; i++)
        if (kids[i] > 0) kill(kids[i], SIGKILL);
    for (int i = 0; i < 2; i++) /* reaped: nothing is left behind */
        if (kids[i] > 0) waitpid(kids[i], NULL, 0);
    _exit(0);
}

int main(int argc, char **argv)
{
    int fixed = argc > 1 && !strcmp(argv[1], "fixed");
    lock1 = mp_lock_new();
    lock2 = mp_lock_new();
    ready = mp_value_new('i');
    if (!lock1 || !lock2 || !ready) return 1;
    struct job a = {"A", lock1, lock2, 1, 2};
    struct job b = fixed ? (struct job){"B", lock1, lock2, 1, 2} : (struct job){"B", lock2, lock1, 2, 1};
    if (fixed) *(int *)mp_value_ptr(ready) = 1; /* one order: nobody waits at the rendezvous */
    mp_process *pa = mp_process_new(worker, &a), *pb = mp_process_new(worker, &b);
    if (!pa || !pb || mp_process_start(pa) < 0 || mp_process_start(pb) < 0) return 1;
    kids[0] = mp_process_pid(pa);
    kids[1] = mp_process_pid(pb);
    signal(SIGALRM, watchdog);
    /* Under forklab's scheduler (m in the run view, --seed) nobody ever
     * blocks, and forklab names the deadlock itself: no watchdog there. */
    if (!getenv("MP_GATE_FD")) alarm(WATCHDOG_S);
    mp_process_join(pa, MP_FOREVER);
    mp_process_join(pb, MP_FOREVER);
    alarm(0);
    printf("both done: %s\n", fixed ? "one lock order, no deadlock" : "lucky this time");
    mp_process_free(pa);
    mp_process_free(pb);
    mp_value_free(ready);
    mp_lock_free(lock1);
    mp_lock_free(lock2);
    return 0;
}
