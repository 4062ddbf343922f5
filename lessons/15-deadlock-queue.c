/* 15-deadlock-queue.c — the pitfall Python's documentation warns about:
 * joining a process before taking the items it put on a queue.
 *
 *     def f(q):
 *         for i in range(N):
 *             q.put('item %d' % i)        # blocks once the queue is full
 *
 *     q = Queue()
 *     p = Process(target=f, args=(q,))
 *     p.start()
 *     p.join()                            # deadlock: p waits for room
 *     items = [q.get() for _ in range(N)]
 *
 * Python's Queue blocks the child at exit while its buffered items have not
 * been flushed to the pipe; libmp's queue is a bounded ring, so the child
 * blocks in put() as soon as the ring is full. Either way the parent waits
 * for the child to exit and the child waits for the parent to make room.
 * Run as `15-deadlock-queue fixed`: get every item first, then join.
 * Outside forklab a watchdog ends the stuck run after WATCHDOG_S seconds.
 */
#include <mp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define N 20
#define CAPACITY 64 /* bytes: room for a few items only */
#define WATCHDOG_S 3

static mp_queue *q;
static pid_t kid;

static int producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < N; i++) {
        char item[16];
        int len = snprintf(item, sizeof item, "item %d", i);
        if (mp_queue_put(q, item, (size_t)len + 1, MP_FOREVER) < 0) return 1;
    }
    return 0;
}

static void watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "deadlock: no progress for 3 s; the parent joins the child, the child waits for room "
                              "in the queue (run '15-deadlock-queue fixed')\n";
    ssize_t w = write(1, msg, sizeof msg - 1);
    (void)w;
    if (kid > 0 && kill(kid, SIGKILL) == 0) waitpid(kid, NULL, 0); /* nothing left behind */
    _exit(0);
}

static int take_all(void)
{
    for (int i = 0; i < N; i++) {
        char item[16];
        if (mp_queue_get(q, item, sizeof item, MP_FOREVER) < 0) return -1;
    }
    printf("parent got %d items\n", N);
    return 0;
}

int main(int argc, char **argv)
{
    int fixed = argc > 1 && !strcmp(argv[1], "fixed");
    q = mp_queue_new(CAPACITY);
    mp_process *p = q ? mp_process_new(producer, NULL) : NULL;
    if (!p || mp_process_start(p) < 0) return 1;
    kid = mp_process_pid(p);
    printf("child PID %d puts %d items into a queue of %d bytes\n", (int)kid, N, CAPACITY);
    fflush(stdout);
    signal(SIGALRM, watchdog);
    /* Under forklab's scheduler (m in the run view, --seed) nobody ever
     * blocks, and forklab names the deadlock itself: no watchdog there. */
    if (!getenv("MP_GATE_FD")) alarm(WATCHDOG_S);
    if (fixed && take_all() < 0) return 1; /* the repair: empty the queue, then join */
    mp_process_join(p, MP_FOREVER);
    printf("child exited with %d\n", mp_process_exitcode(p));
    if (!fixed && take_all() < 0) return 1;
    alarm(0);
    mp_process_free(p);
    mp_queue_free(q);
    return 0;
}
