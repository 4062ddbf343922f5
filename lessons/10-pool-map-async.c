/* 10-pool-map-async.c — map_async and polling for readiness.
 *
 *     def f(x):
 *         time.sleep(0.15 + 0.01 * x)   # slow work
 *         return x * x
 *
 *     with Pool(processes=2) as pool:
 *         result = pool.map_async(f, range(10))
 *         while not result.ready():
 *             print("waiting...", flush=True)
 *             time.sleep(0.2)
 *         print(result.get())
 *
 * map_async returns at once; the main program stays free to do something
 * else (here: say it is waiting) while two workers share the ten tasks. */
#include <mp.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define N 10

static void f(const void *in, void *out)
{
    int x = *(const int *)in;
    struct timespec t = {.tv_sec = 0, .tv_nsec = (150 + 10 * x) * 1000000L};
    nanosleep(&t, NULL);
    *(int *)out = x * x;
}

static void print_list(const int *v, int n)
{
    printf("[");
    for (int i = 0; i < n; i++) printf("%s%d", i ? ", " : "", v[i]);
    printf("]\n");
}

int main(void)
{
    mp_pool *pool = mp_pool_new(2);
    if (!pool) {
        perror("mp_pool_new");
        return 1;
    }
    int in[N], out[N];
    for (int i = 0; i < N; i++) in[i] = i;
    /* chunksize 1, so both workers take turns and the trace shows each task */
    mp_async *result = mp_pool_map_async_chunked(pool, f, in, N, sizeof in[0], sizeof out[0], 1);
    if (!result) {
        perror("map_async");
        mp_pool_free(pool);
        return 1;
    }
    mp_trace_note("map_async returned at once; now polling result.ready()");
    while (!mp_async_ready(result)) {
        printf("waiting...\n");
        fflush(stdout);
        usleep(200000);
    }
    int r = mp_async_get(result, out, MP_FOREVER);
    mp_async_free(result);
    if (r < 0) {
        fprintf(stderr, "get: %s\n", mp_strerror(r));
        mp_pool_free(pool);
        return 1;
    }
    print_list(out, N);
    mp_trace_note("ready() turned true: every task done");
    mp_pool_free(pool);
    return 0;
}
