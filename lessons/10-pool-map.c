/* 10-pool-map.c — map a function over a range with a pool.
 *
 *     def f(x):
 *         return x * x
 *
 *     with Pool(processes=4) as pool:
 *         print(pool.map(f, range(10)))
 *
 * prints [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]: the results come back in
 * input order, whichever worker computed each one. */
#include <mp.h>
#include <stdio.h>
#include <unistd.h>

#define N 10

static void f(const void *in, void *out)
{
    int x = *(const int *)in;
    *(int *)out = x * x;
}

/* print(list) the way Python does. */
static void print_list(const int *v, int n)
{
    printf("[");
    for (int i = 0; i < n; i++) printf("%s%d", i ? ", " : "", v[i]);
    printf("]\n");
}

int main(void)
{
    mp_pool *pool = mp_pool_new(4);
    if (!pool) {
        perror("mp_pool_new");
        return 1;
    }
    int in[N], out[N];
    for (int i = 0; i < N; i++) in[i] = i; /* range(10) */
    mp_trace_note("pool.map(f, range(10)): chunks of ceil(10 / (4 * 4)) = 1 item");
    int r = mp_pool_map(pool, f, in, N, sizeof in[0], out, sizeof out[0]);
    if (r < 0) {
        fprintf(stderr, "map: %s\n", mp_strerror(r));
        mp_pool_free(pool);
        return 1;
    }
    print_list(out, N);
    mp_trace_note("results in input order, whichever worker ran them");
    mp_pool_free(pool);
    return 0;
}
