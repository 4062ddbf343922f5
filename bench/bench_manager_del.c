/* bench_manager_del.c — cost of deleting dict keys on the manager server.
 *
 * For each size N: a dict of N keys, then D keys deleted in random order,
 * timed (a) in the server's store alone (the work the single-threaded
 * server does while every other client waits) and (b) through a local
 * manager (a full call: request, server work, reply). Prints µs per delete.
 *
 *   build/bench/bench_manager_del [N...]      default: 20000 40000
 */
#include "frame.h"
#include "mp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { OP_DICT_SET = 11, OP_DICT_DEL = 13 }; /* manager_private.h */
#define DELETES 2000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void request(mp__store *s, mp__buf *out, int op, const char *key)
{
    mp__buf req = {0};
    mp__enc_int(&req, op);
    mp__enc_str(&req, "d", 1);
    mp__enc_str(&req, key, strlen(key));
    if (op == OP_DICT_SET) mp__enc_int(&req, 1);
    mp__buf_reset(out);
    if (mp__store_handle(s, req.data, req.len, out) < 0) abort();
    mp__buf_free(&req);
}

static void shuffle(int *a, int n)
{
    for (int k = n - 1; k > 0; k--) {
        int j = rand() % (k + 1), t = a[k];
        a[k] = a[j];
        a[j] = t;
    }
}

static double store_us_per_delete(int n, const int *order)
{
    mp__store *s = mp__store_new();
    mp__buf out = {0};
    char key[32];
    for (int k = 0; k < n; k++) {
        snprintf(key, sizeof key, "key-%d", k);
        request(s, &out, OP_DICT_SET, key);
    }
    double t0 = now();
    for (int k = 0; k < DELETES; k++) {
        snprintf(key, sizeof key, "key-%d", order[k]);
        request(s, &out, OP_DICT_DEL, key);
    }
    double us = (now() - t0) / DELETES * 1e6;
    mp__buf_free(&out);
    mp__store_free(s);
    return us;
}

static double manager_us_per_delete(int n, const int *order)
{
    mp_manager *m = mp_manager_start();
    mp_dict *d = m ? mp_manager_dict(m, "d") : NULL;
    if (!d) abort();
    char key[32];
    for (int k = 0; k < n; k++) {
        snprintf(key, sizeof key, "key-%d", k);
        if (mp_dict_set_int(d, key, 1) < 0) abort();
    }
    double t0 = now();
    for (int k = 0; k < DELETES; k++) {
        snprintf(key, sizeof key, "key-%d", order[k]);
        if (mp_dict_del(d, key) < 0) abort();
    }
    double us = (now() - t0) / DELETES * 1e6;
    mp_dict_free(d);
    mp_manager_shutdown(m);
    return us;
}

int main(int argc, char **argv)
{
    int sizes[8] = {20000, 40000}, nsizes = 2;
    if (argc > 1) {
        nsizes = 0;
        for (int k = 1; k < argc && nsizes < 8; k++) sizes[nsizes++] = atoi(argv[k]);
    }
    srand(12345);
    for (int k = 0; k < nsizes; k++) {
        int n = sizes[k] < DELETES ? DELETES : sizes[k];
        int *order = malloc((size_t)n * sizeof *order);
        for (int j = 0; j < n; j++) order[j] = j;
        shuffle(order, n);
        printf("dict_del_store_%d %.3f us\n", n, store_us_per_delete(n, order));
        printf("dict_del_call_%d %.3f us\n", n, manager_us_per_delete(n, order));
        fflush(stdout);
        free(order);
    }
    return 0;
}
