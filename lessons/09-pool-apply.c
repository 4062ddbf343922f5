/* 09-pool-apply.c — a pool of workers, one task at a time.
 *
 *     def f(x):
 *         return x * x
 *
 *     with Pool(processes=4) as pool:
 *         print(pool.apply(f, (4,)))            # 16, waits for the answer
 *         result = pool.apply_async(f, (12,))   # returns at once
 *         print(result.get(timeout=1))          # 144
 *         results = [pool.apply_async(f, (i,)) for i in range(8)]
 *         print([r.get(timeout=1) for r in results])   # 8 tasks, 4 workers: PIDs repeat
 *
 * A task reads a fixed-size input record and writes a fixed-size output
 * record. Here the output also carries the pid of the worker that ran it,
 * to show the work really happened in another process. */
#include <mp.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

struct answer {
    long value;
    pid_t worker;
};

static void f(const void *in, void *out)
{
    long x = *(const long *)in;
    struct answer *a = out;
    a->value = x * x;
    a->worker = getpid();
    /* A millisecond of "work", so that tasks submitted together spread
     * over the workers instead of all going to the first free one. */
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
}

#define NTASKS 8

/* Eight tasks at once on four workers: each is run by some worker, so the
 * worker PIDs repeat (the slide's point). */
static int many_tasks(mp_pool *pool)
{
    mp_async *rs[NTASKS] = {0};
    long xs[NTASKS];
    int rc = 0;
    for (int i = 0; i < NTASKS && rc == 0; i++) {
        xs[i] = i;
        rs[i] = mp_pool_apply_async(pool, f, &xs[i], sizeof xs[i], sizeof(struct answer));
        if (!rs[i]) rc = -1;
    }
    mp_trace_note("%d apply_async tasks submitted at once to 4 workers", NTASKS);
    pid_t seen[NTASKS];
    int distinct = 0;
    printf("%d tasks ran in workers:", NTASKS);
    for (int i = 0; i < NTASKS && rc == 0; i++) {
        struct answer a;
        rc = mp_async_get(rs[i], &a, 1.0);
        if (rc < 0) break;
        printf(" %d", (int)a.worker);
        int k = 0;
        while (k < distinct && seen[k] != a.worker) k++;
        if (k == distinct) seen[distinct++] = a.worker;
    }
    printf("\n%d different workers ran %d tasks: PIDs repeat\n", distinct, NTASKS);
    for (int i = 0; i < NTASKS; i++) mp_async_free(rs[i]);
    return rc;
}

int main(void)
{
    mp_pool *pool = mp_pool_new(4);
    if (!pool) {
        perror("mp_pool_new");
        return 1;
    }
    mp_trace_note("Pool(processes=4): 4 workers forked by %d", (int)getpid());
    int rc = 1;

    long x = 4;
    struct answer a;
    int r = mp_pool_apply(pool, f, &x, sizeof x, &a, sizeof a);
    if (r < 0) {
        fprintf(stderr, "apply: %s\n", mp_strerror(r));
        goto out;
    }
    printf("%ld\n", a.value);
    printf("  f(4) ran in worker %d (this is %d)\n", (int)a.worker, (int)getpid());
    mp_trace_note("apply(f, (4,)) blocked until worker %d answered %ld", (int)a.worker, a.value);

    x = 12;
    mp_async *result = mp_pool_apply_async(pool, f, &x, sizeof x, sizeof a);
    if (!result) {
        perror("apply_async");
        goto out;
    }
    mp_trace_note("apply_async(f, (12,)) returned at once; get(timeout=1) waits");
    r = mp_async_get(result, &a, 1.0);
    mp_async_free(result);
    if (r < 0) {
        fprintf(stderr, "get: %s\n", mp_strerror(r));
        goto out;
    }
    printf("%ld\n", a.value);
    printf("  f(12) ran in worker %d\n", (int)a.worker);
    mp_trace_note("result.get(timeout=1) gave %ld from worker %d", a.value, (int)a.worker);
    if (many_tasks(pool) < 0) {
        fprintf(stderr, "apply_async: a task did not come back\n");
        goto out;
    }
    rc = 0;
out:
    /* Leaving `with Pool(...)` terminates the pool, as mp_pool_free does. */
    mp_pool_free(pool);
    return rc;
}
