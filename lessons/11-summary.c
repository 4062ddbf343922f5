/* 11-summary.c — the pieces together.
 *
 * A pool of workers squares 0..15 (map), the parent puts each result on a
 * queue, and a collector process takes them off, adds them up and counts
 * them in a shared Value under its lock. Everything is made before the
 * processes that use it start, and everything is joined or freed at the end.
 */
#include <errno.h>
#include <mp.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define N 16

struct shared {
    mp_queue *results;
    mp_value *counted;       /* items the collector took, guarded by its lock */
};

static void square(const void *in, void *out)
{
    int64_t x = *(const int64_t *)in;
    /* A millisecond of "work": long enough that the other worker takes the
     * next task meanwhile, so the pool panel shows the tasks spread over
     * the workers, as a real CPU-bound task would be. */
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
    *(int64_t *)out = x * x;
}

static int count_one(mp_value *counted)
{
    mp_lock *l = mp_value_get_lock(counted);
    int rc = mp_lock_acquire(l, 5.0);
    if (rc < 0 && rc != -EOWNERDEAD) return rc;
    mp_value_set_i64(counted, mp_value_get_i64(counted) + 1);
    return mp_lock_release(l);
}

static int collector(void *arg)
{
    struct shared *s = arg;
    int64_t total = 0;
    for (int i = 0; i < N; i++) {
        int64_t x;
        /* a timeout, so a lost producer cannot hang the collector */
        if (mp_queue_get(s->results, &x, sizeof x, 5.0) != (ssize_t)sizeof x) return 1;
        total += x;
        if (count_one(s->counted) < 0) return 1;
    }
    printf("collector (pid %d): total of squares %lld\n", (int)getpid(), (long long)total);
    mp_trace_note("collector %d took all %d results", (int)getpid(), N);
    return 0;
}

static int squares_to_queue(mp_queue *q)
{
    mp_pool *pool = mp_pool_new(0);
    if (!pool) return -1;
    int64_t in[N], out[N];
    for (int i = 0; i < N; i++) in[i] = i;
    mp_trace_note("the pool squares %d numbers", N);
    /* chunksize 1: one task per number, so the pool panel counts 16 tasks
     * for the 16 numbers (the default would hand them out in pairs) */
    int rc = mp_pool_map_chunked(pool, square, in, N, sizeof in[0], out, sizeof out[0], 1);
    int workers = mp_pool_worker_pids(pool, NULL, 0);
    mp_pool_close(pool);
    mp_pool_join(pool);
    mp_pool_free(pool);
    if (rc < 0) return rc;
    printf("pool: squared %d numbers with %d worker(s)\n", N, workers);
    fflush(stdout);
    for (int i = 0; i < N && rc == 0; i++) rc = mp_queue_put(q, &out[i], sizeof out[i], 5.0);
    return rc;
}

int main(void)
{
    struct shared s = {mp_queue_new(0), mp_value_new('i')};
    mp_process *c = s.results && s.counted ? mp_process_new(collector, &s) : NULL;
    if (!c || mp_process_set_name(c, "collector") < 0 || mp_process_start(c) < 0) {
        fprintf(stderr, "cannot start the collector\n");
        mp_process_free(c);
        mp_queue_free(s.results);
        mp_value_free(s.counted);
        return 1;
    }
    int rc = squares_to_queue(s.results);
    if (rc < 0) {
        fprintf(stderr, "pool: %s\n", mp_strerror(rc));
        mp_process_terminate(c);
    }
    mp_process_join(c, 10.0);
    int code = mp_process_exitcode(c);
    mp_process_free(c);
    printf("items counted under the lock: %lld\n", (long long)mp_value_get_i64(s.counted));
    mp_queue_free(s.results);
    mp_value_free(s.counted);
    return rc == 0 && code == 0 ? 0 : 1;
}
