/* 08-queues.c — ten processes share the work through queues.
 *
 *     def worker(tasks, results):
 *         x = tasks.get()
 *         results.put((os.getpid(), x, x * x))
 *
 *     tasks, results = Queue(), Queue()
 *     for x in range(10):
 *         tasks.put(x)
 *     procs = [Process(target=worker, args=(tasks, results)) for _ in range(10)]
 *     for p in procs: p.start()
 *     out = [results.get() for _ in range(10)]   # in the order they finished
 *     for p in procs: p.join()
 *     for pid, x, sq in out:
 *         print(pid, 'squared', x, '=', sq)
 *     print(sorted(sq for _, _, sq in out))
 *
 * Each worker takes ONE item, whichever is at the head when it gets there,
 * so which pid squares which number changes from run to run; the sorted
 * results never do.
 */
#include <mp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NPROC 10

struct result {
    int pid;
    int x;
    int square;
};

static mp_queue *tasks, *results;

static int worker(void *arg)
{
    (void)arg;
    int x;
    if (mp_queue_get(tasks, &x, sizeof x, 10.0) != (ssize_t)sizeof x) return 1;
    /* The result as the text of Python's tuple, so the viewer's queue
     * panel shows "(pid, x, square)" rather than raw bytes. */
    char tuple[64];
    int len = snprintf(tuple, sizeof tuple, "(%d, %d, %d)", (int)getpid(), x, x * x);
    mp_trace_note("worker %d took %d", (int)getpid(), x);
    return mp_queue_put(results, tuple, (size_t)len, 10.0) == 0 ? 0 : 1;
}

static int by_value(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

int main(void)
{
    tasks = mp_queue_new(0);
    results = mp_queue_new(0);
    if (!tasks || !results) {
        perror("mp_queue_new");
        return 1;
    }
    for (int x = 0; x < NPROC; x++) mp_queue_put(tasks, &x, sizeof x, MP_FOREVER);
    mp_trace_note("parent put 0..9 on the task queue");

    mp_process *ps[NPROC] = {0};
    for (int i = 0; i < NPROC; i++) {
        ps[i] = mp_process_new(worker, NULL);
        if (ps[i] && mp_process_start(ps[i]) < 0) fprintf(stderr, "start failed\n");
    }

    /* out = [results.get() for _ in range(10)]: in the order they finished */
    struct result out[NPROC];
    int got = 0;
    for (; got < NPROC; got++) {
        char tuple[64];
        ssize_t n = mp_queue_get(results, tuple, sizeof tuple - 1, 10.0);
        if (n >= 0) tuple[n] = '\0';
        struct result *r = &out[got];
        if (n < 0 || sscanf(tuple, "(%d, %d, %d)", &r->pid, &r->x, &r->square) != 3) {
            fprintf(stderr, "results.get: %s\n", n < 0 ? mp_strerror((int)n) : "malformed item");
            break;
        }
    }
    int rc = got == NPROC ? 0 : 1;
    for (int i = 0; i < NPROC; i++) {
        if (!ps[i]) continue;
        mp_process_join(ps[i], MP_FOREVER);
        if (mp_process_exitcode(ps[i]) != 0) rc = 1;
        mp_process_free(ps[i]);
    }

    int squares[NPROC];
    for (int i = 0; i < got; i++) {
        printf("%d squared %d = %d\n", out[i].pid, out[i].x, out[i].square);
        squares[i] = out[i].square;
    }
    qsort(squares, (size_t)got, sizeof squares[0], by_value);
    printf("[");
    for (int i = 0; i < got; i++) printf("%s%d", i ? ", " : "", squares[i]);
    printf("]\n");
    mp_trace_note("every worker exited; results sorted");
    mp_queue_free(tasks);
    mp_queue_free(results);
    return rc;
}
