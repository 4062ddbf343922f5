/* 12-threads-vs-processes.c — in C, threads are truly parallel.
 *
 * The same CPU-bound job (count the primes below a limit, by trial
 * division, cut into chunks) done four ways and timed side by side:
 *   1. one process, one thread (the baseline);
 *   2. a pool of worker processes (libmp: mp_pool_map), as Python's Pool;
 *   3. POSIX threads, one per CPU, sharing the chunk list;
 *   4. OpenMP (gcc -fopenmp), a parallel for with a reduction.
 * In Python only 2 uses several CPUs for such work (the GIL lets one
 * thread run Python code at a time); in C, 3 and 4 do too, with less
 * overhead than processes. All four must find the same count.
 *
 * usage: 12-threads-vs-processes [LIMIT]   (default 1000000)
 */
#include <mp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define NCHUNKS 32
#define MAX_THREADS 64

struct range {
    long lo, hi;               /* [lo, hi) */
};

static bool is_prime(long n)
{
    if (n < 2) return false;
    for (long d = 2; d * d <= n; d++)
        if (n % d == 0) return false;
    return true;
}

static long count_primes(struct range r)
{
    long c = 0;
    for (long n = r.lo; n < r.hi; n++) c += is_prime(n);
    return c;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct range chunks[NCHUNKS];

static void make_chunks(long limit)
{
    for (int i = 0; i < NCHUNKS; i++) {
        chunks[i].lo = limit * i / NCHUNKS;
        chunks[i].hi = limit * (i + 1) / NCHUNKS;
    }
}

static long serial(void)
{
    long total = 0;
    for (int i = 0; i < NCHUNKS; i++) total += count_primes(chunks[i]);
    return total;
}

/* ---- processes: the pool runs the task in its worker processes */

static void prime_task(const void *in, void *out)
{
    *(long *)out = count_primes(*(const struct range *)in);
}

static long with_processes(int workers)
{
    mp_pool *pool = mp_pool_new(workers);
    if (!pool) return -1;
    long counts[NCHUNKS];
    /* chunksize 1: one pool task per chunk, so the pool panel counts the
     * NCHUNKS chunks the output speaks of (the default would group them) */
    int rc = mp_pool_map_chunked(pool, prime_task, chunks, NCHUNKS, sizeof chunks[0], counts, sizeof counts[0], 1);
    mp_pool_close(pool);
    mp_pool_join(pool);
    mp_pool_free(pool);
    if (rc < 0) return -1;
    long total = 0;
    for (int i = 0; i < NCHUNKS; i++) total += counts[i];
    return total;
}

/* ---- threads: thread k takes chunks k, k + n, k + 2n ... */

struct thread_job {
    int first, step;
    long count;
};

static void *prime_thread(void *arg)
{
    struct thread_job *j = arg;
    for (int i = j->first; i < NCHUNKS; i += j->step) j->count += count_primes(chunks[i]);
    return NULL;
}

static long with_threads(int n)
{
    pthread_t t[MAX_THREADS];
    struct thread_job jobs[MAX_THREADS];
    int started = 0;
    for (int k = 0; k < n; k++) {
        jobs[k] = (struct thread_job){k, n, 0};
        if (pthread_create(&t[k], NULL, prime_thread, &jobs[k]) != 0) break;
        started++;
    }
    long total = 0;
    for (int k = 0; k < started; k++) {
        pthread_join(t[k], NULL);
        total += jobs[k].count;
    }
    return started == n ? total : -1;
}

/* ---- OpenMP: the compiler makes the threads */

static long with_openmp(int n)
{
#ifdef _OPENMP
    long total = 0;
    omp_set_num_threads(n);
#pragma omp parallel for reduction(+ : total) schedule(dynamic)
    for (int i = 0; i < NCHUNKS; i++) total += count_primes(chunks[i]);
    return total;
#else
    (void)n;
    return -2;
#endif
}

static void show(const char *how, long count, double secs, double base)
{
    printf("%-26s %ld primes in %.3f s (x%.1f)\n", how, count, secs, secs > 0 ? base / secs : 0.0);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    long limit = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    if (limit < 2 || limit > 100000000) {
        fprintf(stderr, "usage: %s [LIMIT]   (2..100000000)\n", argv[0]);
        return 2;
    }
    int cpus = mp_cpu_count();
    if (cpus > MAX_THREADS) cpus = MAX_THREADS;
    make_chunks(limit);
    printf("counting primes below %ld in %d chunks, %d CPU(s)\n", limit, NCHUNKS, cpus);

    mp_trace_note("baseline: one thread of one process");
    double t0 = now();
    long base_count = serial();
    double base = now() - t0;
    show("serial (1 thread):", base_count, base, base);

    mp_trace_note("the same work in a pool of %d processes", cpus);
    t0 = now();
    long procs = with_processes(cpus);
    show("processes (mp_pool_map):", procs, now() - t0, base);

    mp_trace_note("the same work in %d POSIX threads", cpus);
    t0 = now();
    long threads = with_threads(cpus);
    show("pthreads:", threads, now() - t0, base);

    mp_trace_note("the same work with OpenMP");
    t0 = now();
    long omp = with_openmp(cpus);
    double omp_secs = now() - t0;
    if (omp == -2)
        printf("%-26s OpenMP not available (built without -fopenmp)\n", "openmp:");
    else
        show("openmp:", omp, omp_secs, base);

    bool agree = procs == base_count && threads == base_count && (omp == -2 || omp == base_count);
    printf("all ways agree: %s\n", agree ? "yes" : "no");
    return agree ? 0 : 1;
}
