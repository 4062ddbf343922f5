/* test_pool.c — Pool: apply, map, async results, lifecycle, and a pool
 * that never hangs when a worker dies. */
#include "testutil.h"

#include <mp.h>
#include <mp_trace.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* One timeout for every test: Criterion 2.4.1's watchdog leaks an entry
 * (LeakSanitizer reports it in the runner) when tests that run in parallel
 * have different timeouts. */
#define TEST_TIMEOUT 60

/* ---- memory the test and its workers share (mapped before the pool) */

struct board {
    _Atomic int started;      /* tasks that began */
    _Atomic int finished;     /* tasks that ended normally */
    _Atomic pid_t victim;     /* pid of the worker running the task to kill */
    _Atomic int inits;        /* initializer runs */
    pid_t init_pids[16];
    double killed_at;         /* tu_now() when the killer sent SIGKILL */
};

static struct board *board;

static void board_new(void)
{
    board = mmap(NULL, sizeof *board, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert(board != MAP_FAILED);
    memset(board, 0, sizeof *board);
}

static void board_free(void)
{
    munmap(board, sizeof *board);
}

/* ---- pool lifecycle shared by most tests */

/* mp_pool_new(n) that must succeed. */
static mp_pool *pool_open(int n)
{
    mp_pool *p = mp_pool_new(n);
    cr_assert_not_null(p, "mp_pool_new(%d)", n);
    return p;
}

/* Frees the pool, then checks that no worker process is left. */
static void pool_close(mp_pool *p)
{
    mp_pool_free(p);
    tu_assert_no_children();
}

/* pool_close for a test that also used the board (freed after the pool). */
static void pool_close_board(mp_pool *p)
{
    mp_pool_free(p);
    board_free();
    tu_assert_no_children();
}

/* mp_pool_apply_async that must return a result handle. */
static mp_async *submit(mp_pool *p, mp_task f, const void *in, size_t in_size, size_t out_size)
{
    mp_async *r = mp_pool_apply_async(p, f, in, in_size, out_size);
    cr_assert_not_null(r);
    return r;
}

/* ---- tasks */

static void sqr(const void *in, void *out)
{
    int x = *(const int *)in;
    *(int *)out = x * x;
}

static void times3_plus1(const void *in, void *out)
{
    *(long *)out = *(const long *)in * 3 + 1;
}

struct pair {
    int a, b;
};

static void pair_pow_sum(const void *in, void *out)
{
    const struct pair *p = in;
    *(long *)out = (long)p->a * p->a + p->b; /* starmap(lambda a, b: a*a + b) */
}

static void sleep_2s_then_sqr(const void *in, void *out)
{
    usleep(2000000);
    sqr(in, out);
}

static void slow_sqr(const void *in, void *out)
{
    usleep(30000);
    sqr(in, out);
}

static void record_pid(const void *in, void *out)
{
    (void)in;
    usleep(1000);
    *(pid_t *)out = getpid();
}

static void count_and_sqr(const void *in, void *out)
{
    atomic_fetch_add(&board->started, 1);
    sqr(in, out);
    atomic_fetch_add(&board->finished, 1);
}

/* Announces its worker, then sleeps long enough to be killed. */
static void be_victim(const void *in, void *out)
{
    (void)in;
    *(int *)out = 1;
    atomic_store(&board->victim, getpid());
    for (int i = 0; i < 200; i++) usleep(50000);
}

static void segfault(const void *in, void *out)
{
    (void)in, (void)out;
    raise(SIGSEGV);
}

static void do_abort(const void *in, void *out)
{
    (void)in, (void)out;
    abort();
}

/* Segfaults on item 3 only: a map whose one chunk dies. */
static void segv_on_3(const void *in, void *out)
{
    if (*(const int *)in == 3) raise(SIGSEGV);
    count_and_sqr(in, out);
}

static void spin_forever(const void *in, void *out)
{
    (void)in, (void)out;
    atomic_store(&board->started, 1);
    for (volatile unsigned long i = 0;; i++) {
    }
}

/* ---- helpers */

static int distinct_pids(const pid_t *pids, int n)
{
    int d = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++) seen |= pids[j] == pids[i];
        d += !seen && pids[i] > 0;
    }
    return d;
}

static void wait_for_victim(void)
{
    double t0 = tu_now();
    while (!atomic_load(&board->victim) && tu_now() - t0 < 5) usleep(1000);
    cr_assert_gt(atomic_load(&board->victim), 0, "the victim task never started");
}

/* ---- basics */

Test(pool, apply_squares, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    int x = 5, y = 0;
    cr_assert_eq(mp_pool_apply(p, sqr, &x, sizeof x, &y, sizeof y), 0);
    cr_assert_eq(y, 25);
    x = 12;
    mp_async *r = submit(p, sqr, &x, sizeof x, sizeof y);
    cr_assert_eq(mp_async_get(r, &y, 5.0), 0);
    cr_assert_eq(y, 144);
    cr_assert(mp_async_successful(r));
    cr_assert_eq(mp_async_error(r), 0);
    cr_assert_eq(mp_async_exitcode(r), MP_EXIT_NONE);
    y = 0;
    cr_assert_eq(mp_async_get(r, &y, 0), 0, "a result can be fetched twice");
    cr_assert_eq(y, 144);
    mp_async_free(r);
    pool_close(p);
}

Test(pool, workers_are_visible, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(3);
    pid_t pids[8] = {0};
    cr_assert_eq(mp_pool_worker_pids(p, pids, 8), 3);
    cr_assert_eq(distinct_pids(pids, 3), 3);
    for (int i = 0; i < 3; i++) cr_assert_eq(kill(pids[i], 0), 0, "worker %d is alive", (int)pids[i]);
    cr_assert_eq(mp_pool_worker_pids(p, NULL, 0), 3);
    mp_pool_free(p);
    for (int i = 0; i < 3; i++) cr_assert_eq(kill(pids[i], 0), -1, "worker reaped after free");
    tu_assert_no_children();

    p = pool_open(0);
    cr_assert_eq(mp_pool_worker_pids(p, NULL, 0), mp_cpu_count());
    pool_close(p);
}

Test(pool, map_in_order, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    int in[10], out[10];
    for (int i = 0; i < 10; i++) in[i] = i, out[i] = -1;
    cr_assert_eq(mp_pool_map(p, sqr, in, 10, sizeof(int), out, sizeof(int)), 0);
    for (int i = 0; i < 10; i++) cr_assert_eq(out[i], i * i, "out[%d] = %d", i, out[i]);
    pool_close(p);
}

Test(pool, map_of_nothing, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    cr_assert_eq(mp_pool_map(p, sqr, NULL, 0, sizeof(int), NULL, sizeof(int)), 0);
    mp_async *r = mp_pool_map_async(p, sqr, NULL, 0, sizeof(int), sizeof(int));
    cr_assert_not_null(r);
    cr_assert(mp_async_ready(r));
    cr_assert_eq(mp_async_get(r, NULL, 0), 0);
    mp_async_free(r);
    pool_close(p);
}

static void check_big_map(mp_pool *p, size_t chunksize)
{
    enum { N = 100000 };
    long *in = malloc(N * sizeof *in), *out = malloc(N * sizeof *out);
    cr_assert(in && out);
    unsigned seed = tu_seed();
    for (size_t i = 0; i < N; i++) in[i] = (long)(rand_r(&seed) % 1000000), out[i] = -1;
    int r = chunksize ? mp_pool_map_chunked(p, times3_plus1, in, N, sizeof *in, out, sizeof *out, chunksize)
                      : mp_pool_map(p, times3_plus1, in, N, sizeof *in, out, sizeof *out);
    cr_assert_eq(r, 0, "chunksize %zu: %s", chunksize, mp_strerror(r));
    for (size_t i = 0; i < N; i++)
        cr_assert_eq(out[i], in[i] * 3 + 1, "chunksize %zu: out[%zu] = %ld for %ld", chunksize, i, out[i],
                     in[i]);
    free(in);
    free(out);
}

Test(pool, map_100000_items, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    check_big_map(p, 0);
    check_big_map(p, 1);
    check_big_map(p, 7);
    check_big_map(p, 100000);
    pool_close(p);
}

Test(pool, map_async_in_order, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    int in[50], out[50];
    for (int i = 0; i < 50; i++) in[i] = 50 - i;
    mp_async *r = mp_pool_map_async_chunked(p, sqr, in, 50, sizeof(int), sizeof(int), 3);
    cr_assert_not_null(r);
    cr_assert_eq(mp_async_get(r, out, 5.0), 0);
    for (int i = 0; i < 50; i++) cr_assert_eq(out[i], (50 - i) * (50 - i));
    mp_async_free(r);
    pool_close(p);
}

Test(pool, starmap_over_struct_records, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    struct pair in[20];
    long out[20];
    for (int i = 0; i < 20; i++) in[i] = (struct pair){.a = i, .b = 100 - i};
    cr_assert_eq(mp_pool_map(p, pair_pow_sum, in, 20, sizeof in[0], out, sizeof out[0]), 0);
    for (int i = 0; i < 20; i++) cr_assert_eq(out[i], (long)i * i + 100 - i, "starmap item %d", i);
    pool_close(p);
}

/* ---- async results */

Test(pool, get_timeout_then_success, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    int x = 7, y = 0;
    mp_async *r = submit(p, sleep_2s_then_sqr, &x, sizeof x, sizeof y);
    cr_assert_not(mp_async_successful(r), "not successful before ready");
    cr_assert_eq(mp_async_error(r), -EAGAIN);
    double t0 = tu_now();
    cr_assert_eq(mp_async_get(r, &y, 0.1), -ETIMEDOUT);
    double dt = tu_now() - t0;
    cr_assert(dt >= 0.05 && dt < 2.0, "get(timeout=0.1) took %.3f s", dt);
    cr_assert_eq(mp_async_wait(r, 0.05), -ETIMEDOUT);
    cr_assert_not(mp_async_ready(r));
    cr_assert_eq(mp_async_get(r, &y, MP_FOREVER), 0);
    cr_assert_eq(y, 49);
    cr_assert(mp_async_successful(r));
    mp_async_free(r);
    pool_close(p);
}

Test(pool, ready_polling_ends_true, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    int in[6] = {1, 2, 3, 4, 5, 6}, out[6];
    mp_async *r = mp_pool_map_async_chunked(p, slow_sqr, in, 6, sizeof(int), sizeof(int), 1);
    cr_assert_not_null(r);
    int polls = 0;
    while (!mp_async_ready(r)) {
        polls++;
        usleep(10000);
    }
    cr_assert_gt(polls, 0, "the readiness loop polled");
    cr_assert(mp_async_ready(r), "stays ready");
    cr_assert_eq(mp_async_wait(r, 0), 0);
    cr_assert_eq(mp_async_get(r, out, 0), 0, "a ready result needs no wait");
    for (int i = 0; i < 6; i++) cr_assert_eq(out[i], in[i] * in[i]);
    mp_async_free(r);
    pool_close(p);
}

Test(pool, tasks_spread_over_workers, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    pid_t workers[2];
    cr_assert_eq(mp_pool_worker_pids(p, workers, 2), 2);
    enum { N = 100 };
    pid_t out[N] = {0};
    cr_assert_eq(mp_pool_map_chunked(p, record_pid, NULL, N, 0, out, sizeof out[0], 1), 0);
    cr_assert_geq(distinct_pids(out, N), 2, "tasks ran in at least 2 workers");
    for (int i = 0; i < N; i++)
        cr_assert(out[i] == workers[0] || out[i] == workers[1], "task %d ran in pid %d, not a worker", i,
                  (int)out[i]);
    pool_close(p);
}

Test(pool, free_result_while_task_runs, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(1);
    int x = 3, y = 0;
    mp_async *r = submit(p, slow_sqr, &x, sizeof x, sizeof y);
    mp_async_free(r); /* the task still runs in the worker */
    x = 9;
    cr_assert_eq(mp_pool_apply(p, sqr, &x, sizeof x, &y, sizeof y), 0);
    cr_assert_eq(y, 81);
    /* Many more results than job slots, freed unfetched: slots come back. */
    for (int i = 0; i < 3000; i++) {
        mp_async *a = mp_pool_apply_async(p, sqr, &i, sizeof i, sizeof y);
        cr_assert_not_null(a, "submission %d", i);
        mp_async_free(a);
    }
    x = 11;
    cr_assert_eq(mp_pool_apply(p, sqr, &x, sizeof x, &y, sizeof y), 0);
    cr_assert_eq(y, 121);
    pool_close(p);
}

Test(pool, many_outstanding_results, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    enum { N = 5000 }; /* more than the pool has job slots */
    mp_async **rs = calloc(N, sizeof *rs);
    cr_assert_not_null(rs);
    for (int i = 0; i < N; i++) {
        rs[i] = mp_pool_apply_async(p, sqr, &i, sizeof i, sizeof(int));
        cr_assert_not_null(rs[i], "submission %d", i);
    }
    for (int i = 0; i < N; i++) {
        int y = -1;
        cr_assert_eq(mp_async_get(rs[i], &y, 10.0), 0);
        cr_assert_eq(y, i * i, "result %d", i);
        mp_async_free(rs[i]);
    }
    free(rs);
    pool_close(p);
}

/* ---- workers that die */

static void check_task_death(mp_task f, int expect_code)
{
    board_new();
    mp_pool *p = pool_open(2);
    pid_t before[2];
    cr_assert_eq(mp_pool_worker_pids(p, before, 2), 2);
    int x = 1, y;
    mp_async *dying = mp_pool_apply_async(p, f, &x, sizeof x, sizeof y);
    cr_assert_not_null(dying);
    mp_async *others[10];
    for (int i = 0; i < 10; i++) {
        others[i] = mp_pool_apply_async(p, count_and_sqr, &i, sizeof i, sizeof y);
        cr_assert_not_null(others[i]);
    }
    if (f == be_victim) {
        wait_for_victim();
        cr_assert_eq(kill(atomic_load(&board->victim), SIGKILL), 0);
    }
    cr_assert_eq(mp_async_get(dying, &y, 10.0), -ECHILD);
    cr_assert_eq(mp_async_error(dying), -ECHILD);
    cr_assert_not(mp_async_successful(dying));
    cr_assert_eq(mp_async_exitcode(dying), expect_code, "exit code %d, expected %d",
                 mp_async_exitcode(dying), expect_code);
    for (int i = 0; i < 10; i++) {
        y = -1;
        cr_assert_eq(mp_async_get(others[i], &y, 10.0), 0, "task %d after the death", i);
        cr_assert_eq(y, i * i);
        cr_assert_eq(mp_async_exitcode(others[i]), MP_EXIT_NONE);
        mp_async_free(others[i]);
    }
    mp_async_free(dying);
    /* Still usable, with a replacement worker. */
    x = 6;
    cr_assert_eq(mp_pool_apply(p, sqr, &x, sizeof x, &y, sizeof y), 0);
    cr_assert_eq(y, 36);
    pid_t after[2];
    cr_assert_eq(mp_pool_worker_pids(p, after, 2), 2);
    cr_assert(after[0] > 0 && after[1] > 0, "both worker slots are filled");
    cr_assert(after[0] != before[0] || after[1] != before[1], "the dead worker was replaced");
    pool_close_board(p);
}

Test(pool, worker_killed_mid_task, .timeout = TEST_TIMEOUT)
{
    check_task_death(be_victim, -SIGKILL);
}

Test(pool, task_segfaults, .timeout = TEST_TIMEOUT)
{
    check_task_death(segfault, -SIGSEGV);
}

Test(pool, task_aborts, .timeout = TEST_TIMEOUT)
{
    check_task_death(do_abort, -SIGABRT);
}

/* A helper process kills the victim while the test blocks in get(). */
static int killer(void *arg)
{
    (void)arg;
    double t0 = tu_now();
    while (!atomic_load(&board->victim) && tu_now() - t0 < 5) usleep(1000);
    usleep(200000); /* let the parent block in get() */
    board->killed_at = tu_now();
    kill(atomic_load(&board->victim), SIGKILL);
    return 0;
}

Test(pool, kill_wakes_a_blocked_get, .timeout = TEST_TIMEOUT)
{
    board_new();
    mp_pool *p = pool_open(2);
    int x = 0, y;
    mp_async *r = submit(p, be_victim, &x, sizeof x, sizeof y);
    mp_process *k = mp_process_new(killer, NULL);
    cr_assert_eq(mp_process_start(k), 0);
    cr_assert_eq(mp_async_get(r, &y, MP_FOREVER), -ECHILD);
    double woke = tu_now();
    cr_assert_gt(board->killed_at, 0.0, "the killer ran");
    cr_assert_lt(woke - board->killed_at, 1.0, "get returned %.3f s after the kill", woke - board->killed_at);
    cr_assert_eq(mp_async_exitcode(r), -SIGKILL);
    mp_async_free(r);
    cr_assert_eq(mp_process_join(k, 5.0), 0);
    mp_process_free(k);
    pool_close_board(p);
}

Test(pool, map_with_a_dying_chunk, .timeout = TEST_TIMEOUT)
{
    board_new();
    mp_pool *p = pool_open(2);
    int in[8], out[8];
    for (int i = 0; i < 8; i++) in[i] = i;
    mp_async *r = mp_pool_map_async_chunked(p, segv_on_3, in, 8, sizeof(int), sizeof(int), 1);
    cr_assert_not_null(r);
    cr_assert_eq(mp_async_get(r, out, 10.0), -ECHILD);
    cr_assert_eq(mp_async_exitcode(r), -SIGSEGV);
    cr_assert_eq(atomic_load(&board->finished), 7, "the 7 other chunks completed");
    mp_async_free(r);
    /* Blocking map with the same failure, then a map that works. */
    for (int i = 0; i < 8; i++) out[i] = -1;
    cr_assert_eq(mp_pool_map_chunked(p, segv_on_3, in, 8, sizeof(int), out, sizeof(int), 2), -ECHILD);
    for (int i = 0; i < 8; i++)
        if (i != 2 && i != 3) cr_assert_eq(out[i], i * i, "item %d of a completed chunk was delivered", i);
    cr_assert_eq(mp_pool_map(p, sqr, in, 8, sizeof(int), out, sizeof(int)), 0);
    for (int i = 0; i < 8; i++) cr_assert_eq(out[i], i * i);
    pool_close_board(p);
}

/* ---- lifecycle */

Test(pool, terminate_stops_an_endless_task, .timeout = TEST_TIMEOUT)
{
    board_new();
    mp_pool *p = pool_open(2);
    int x = 0, y;
    mp_async *r = submit(p, spin_forever, &x, sizeof x, sizeof y);
    double t0 = tu_now();
    while (!atomic_load(&board->started) && tu_now() - t0 < 5) usleep(1000);
    cr_assert(atomic_load(&board->started), "the endless task started");
    pid_t pids[2];
    mp_pool_worker_pids(p, pids, 2);
    t0 = tu_now();
    cr_assert_eq(mp_pool_terminate(p), 0);
    double dt = tu_now() - t0;
    cr_assert_lt(dt, 2.0, "terminate took %.3f s", dt);
    tu_assert_no_children();
    cr_assert_eq(mp_async_get(r, &y, 1.0), -ESHUTDOWN, "a task cut by terminate fails");
    cr_assert(mp_async_ready(r));
    cr_assert_eq(mp_pool_apply(p, sqr, &x, sizeof x, &y, sizeof y), -EINVAL, "no work after terminate");
    cr_assert_eq(mp_pool_join(p), 0, "join after terminate");
    mp_async_free(r);
    pool_close_board(p);
}

Test(pool, close_and_join, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    cr_assert_eq(mp_pool_join(p), -EINVAL, "join before close");
    int x = 4, y = 0;
    mp_async *r[5];
    for (int i = 0; i < 5; i++) {
        r[i] = mp_pool_apply_async(p, slow_sqr, &i, sizeof i, sizeof y);
        cr_assert_not_null(r[i]);
    }
    cr_assert_eq(mp_pool_close(p), 0);
    cr_assert_eq(mp_pool_apply(p, sqr, &x, sizeof x, &y, sizeof y), -EINVAL, "apply after close");
    int in[2] = {1, 2}, out[2];
    cr_assert_eq(mp_pool_map(p, sqr, in, 2, sizeof(int), out, sizeof(int)), -EINVAL, "map after close");
    errno = 0;
    cr_assert_null(mp_pool_apply_async(p, sqr, &x, sizeof x, sizeof y));
    cr_assert_eq(errno, EINVAL);
    errno = 0;
    cr_assert_null(mp_pool_map_async(p, sqr, in, 2, sizeof(int), sizeof(int)));
    cr_assert_eq(errno, EINVAL);
    cr_assert_eq(mp_pool_join(p), 0);
    tu_assert_no_children(); /* join reaped every worker */
    for (int i = 0; i < 5; i++) {
        cr_assert(mp_async_ready(r[i]), "queued task %d ran before join returned", i);
        cr_assert_eq(mp_async_get(r[i], &y, 0), 0);
        cr_assert_eq(y, i * i);
        mp_async_free(r[i]);
    }
    pool_close(p);
}

static int init_value; /* set in each worker by the initializer */

static void init_worker(void *arg)
{
    init_value = *(int *)arg;
    int k = atomic_fetch_add(&board->inits, 1);
    if (k < 16) board->init_pids[k] = getpid();
}

static void read_init_value(const void *in, void *out)
{
    (void)in;
    usleep(1000);
    *(int *)out = init_value;
}

Test(pool, initializer_runs_once_per_worker, .timeout = TEST_TIMEOUT)
{
    board_new();
    int magic = 4242;
    mp_pool_opts o = {.nworkers = 3, .initializer = init_worker, .initarg = &magic};
    mp_pool *p = mp_pool_new_ex(&o);
    cr_assert_not_null(p);
    int out[30];
    cr_assert_eq(mp_pool_map_chunked(p, read_init_value, NULL, 30, 0, out, sizeof out[0], 1), 0);
    for (int i = 0; i < 30; i++) cr_assert_eq(out[i], magic, "task %d saw the initializer's state", i);
    cr_assert_eq(init_value, 0, "the initializer ran in the workers, not here");
    cr_assert_eq(mp_pool_close(p), 0);
    cr_assert_eq(mp_pool_join(p), 0);
    cr_assert_eq(atomic_load(&board->inits), 3, "initializer ran %d times", atomic_load(&board->inits));
    cr_assert_eq(distinct_pids(board->init_pids, 3), 3);
    pool_close_board(p);
}

static void own_pid(const void *in, void *out)
{
    (void)in;
    *(pid_t *)out = getpid();
}

Test(pool, maxtasksperchild_replaces_workers, .timeout = TEST_TIMEOUT)
{
    mp_pool_opts o = {.nworkers = 2, .maxtasksperchild = 1};
    mp_pool *p = mp_pool_new_ex(&o);
    cr_assert_not_null(p);
    pid_t first[2];
    cr_assert_eq(mp_pool_worker_pids(p, first, 2), 2);
    enum { N = 6 };
    pid_t ran[N];
    for (int i = 0; i < N; i++) cr_assert_eq(mp_pool_apply(p, own_pid, NULL, 0, &ran[i], sizeof ran[i]), 0);
    cr_assert_eq(distinct_pids(ran, N), N, "each task ran in a fresh worker");
    cr_assert(ran[0] == first[0] || ran[0] == first[1], "the first task ran in a first worker");
    pid_t now[2];
    cr_assert_eq(mp_pool_worker_pids(p, now, 2), 2);
    /* The last one may still be on its way out; the others are gone. */
    for (int i = 0; i < N - 1; i++)
        cr_assert(ran[i] != now[0] && ran[i] != now[1], "worker %d left after its task", (int)ran[i]);
    cr_assert(now[0] > 0 && now[1] > 0, "both slots have a worker");
    pool_close(p);
}

/* ---- bad input */

Test(pool, bad_arguments, .timeout = TEST_TIMEOUT)
{
    errno = 0;
    cr_assert_null(mp_pool_new(-1));
    cr_assert_eq(errno, EINVAL);
    errno = 0;
    cr_assert_null(mp_pool_new_ex(NULL));
    cr_assert_eq(errno, EINVAL);
    mp_pool_opts bad = {.nworkers = 1, .maxtasksperchild = -1};
    cr_assert_null(mp_pool_new_ex(&bad));

    int x = 2, y;
    cr_assert_eq(mp_pool_apply(NULL, sqr, &x, sizeof x, &y, sizeof y), -EINVAL);
    cr_assert_null(mp_pool_apply_async(NULL, sqr, &x, sizeof x, sizeof y));
    cr_assert_eq(mp_pool_map(NULL, sqr, &x, 1, sizeof x, &y, sizeof y), -EINVAL);
    cr_assert_null(mp_pool_map_async(NULL, sqr, &x, 1, sizeof x, sizeof y));
    cr_assert_eq(mp_pool_worker_pids(NULL, NULL, 0), -EINVAL);
    cr_assert_eq(mp_pool_close(NULL), -EINVAL);
    cr_assert_eq(mp_pool_join(NULL), -EINVAL);
    cr_assert_eq(mp_pool_terminate(NULL), -EINVAL);
    mp_pool_free(NULL);
    cr_assert_not(mp_async_ready(NULL));
    cr_assert_eq(mp_async_wait(NULL, 0), -EINVAL);
    cr_assert_eq(mp_async_get(NULL, &y, 0), -EINVAL);
    cr_assert_not(mp_async_successful(NULL));
    cr_assert_eq(mp_async_error(NULL), -EINVAL);
    cr_assert_eq(mp_async_exitcode(NULL), MP_EXIT_NONE);
    mp_async_free(NULL);

    mp_pool *p = pool_open(1);
    cr_assert_eq(mp_pool_apply(p, NULL, &x, sizeof x, &y, sizeof y), -EINVAL, "NULL task");
    cr_assert_eq(mp_pool_apply(p, sqr, NULL, sizeof x, &y, sizeof y), -EINVAL, "NULL input");
    cr_assert_eq(mp_pool_apply(p, sqr, &x, sizeof x, NULL, sizeof y), -EINVAL, "NULL output");
    cr_assert_eq(mp_pool_map_chunked(p, sqr, &x, 1, sizeof x, &y, sizeof y, 0), -EINVAL, "chunksize 0");
    cr_assert_eq(mp_pool_map(p, sqr, &x, (size_t)-1, 1 << 20, &y, sizeof y), -EINVAL, "size overflow");
    cr_assert_eq(mp_pool_worker_pids(p, NULL, 2), -EINVAL);
    cr_assert_eq(mp_pool_worker_pids(p, &y, -1), -EINVAL);
    mp_async *r = submit(p, sqr, &x, sizeof x, sizeof y);
    cr_assert_eq(mp_async_get(r, NULL, 5.0), -EINVAL, "NULL output buffer");
    cr_assert_eq(mp_async_get(r, &y, 5.0), 0);
    cr_assert_eq(y, 4);
    mp_async_free(r);
    cr_assert_eq(mp_pool_apply(p, sqr, &x, sizeof x, &y, sizeof y), 0, "the pool still works");
    pool_close(p);
}

static void exit_3(const void *in, void *out)
{
    (void)in, (void)out;
    _exit(3); /* a worker that leaves in the middle of a task */
}

Test(pool, task_exits_the_worker, .timeout = TEST_TIMEOUT)
{
    check_task_death(exit_3, 3);
}

/* A child forked after the pool (by the user) frees its copy: the parent's
 * workers must not be touched. */
static int free_inherited_pool(void *arg)
{
    mp_pool *p = arg;
    int x = 1, y;
    int bad = mp_pool_apply(p, sqr, &x, sizeof x, &y, sizeof y) != -EINVAL;
    bad |= mp_pool_terminate(p) != -EINVAL;
    mp_pool_free(p);
    return bad;
}

Test(pool, child_cannot_drive_the_parents_pool, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    pid_t before[2];
    cr_assert_eq(mp_pool_worker_pids(p, before, 2), 2);
    mp_process *c = mp_process_new(free_inherited_pool, p);
    cr_assert_eq(mp_process_start(c), 0);
    cr_assert_eq(mp_process_join(c, 10.0), 0);
    cr_assert_eq(mp_process_exitcode(c), 0, "the child was refused and freed only its copy");
    mp_process_free(c);
    pid_t after[2];
    cr_assert_eq(mp_pool_worker_pids(p, after, 2), 2);
    cr_assert(after[0] == before[0] && after[1] == before[1], "the workers were left alone");
    int x = 8, y = 0;
    cr_assert_eq(mp_pool_apply(p, sqr, &x, sizeof x, &y, sizeof y), 0);
    cr_assert_eq(y, 64);
    pool_close(p);
}

/* ---- trace events */

static int count_kind(const struct mp_trace_event *ev, size_t n, unsigned kind)
{
    int c = 0;
    for (size_t i = 0; i < n; i++) c += ev[i].kind == kind;
    return c;
}

Test(pool, trace_events, .timeout = TEST_TIMEOUT)
{
    struct mp_trace_ring *ring = mp_trace_ring_create(8192);
    cr_assert_not_null(ring);
    cr_assert_eq(mp_trace_attach(ring), 0);
    mp_pool *p = pool_open(2);
    pid_t w[2];
    cr_assert_eq(mp_pool_worker_pids(p, w, 2), 2);
    int in[8] = {0, 1, 2, 3, 4, 5, 6, 7}, out[8];
    mp_async *r = mp_pool_map_async_chunked(p, slow_sqr, in, 8, sizeof(int), sizeof(int), 2);
    cr_assert_not_null(r);
    int polls = 0;
    do polls++;
    while (!mp_async_ready(r) && (usleep(5000), 1));
    cr_assert_eq(mp_async_get(r, out, 0), 0);
    mp_async_free(r);
    mp_pool_free(p); /* idle: the workers leave with exit code 0 */
    mp_trace_detach();

    static struct mp_trace_event ev[8192];
    size_t n = mp_trace_ring_read(ring, ev, 8192);
    cr_assert_eq(mp_trace_ring_dropped(ring), 0);
    cr_assert_eq(count_kind(ev, n, MP_EV_POOL_NEW), 1);
    uint64_t pool_id = 0, async_id = 0;
    int workers_named = 0, started = 0, exits = 0, submits = 0, starts = 0, dones = 0, poll_events = 0;
    int64_t last_poll_a = -1, last_poll_b = -1, ready_status = 1;
    for (size_t i = 0; i < n; i++) {
        const struct mp_trace_event *e = &ev[i];
        switch (e->kind) {
        case MP_EV_POOL_NEW:
            pool_id = e->obj;
            cr_assert_eq(e->a, 2);
            break;
        case MP_EV_POOL_WORKER: {
            char want[32];
            snprintf(want, sizeof want, "PoolWorker-%d", (int)e->b + 1);
            cr_assert_str_eq(e->text, want);
            cr_assert_eq(e->a, w[e->b], "worker %d pid", (int)e->b);
            workers_named++;
            break;
        }
        case MP_EV_PROC_START:
            if ((pid_t)e->pid == w[0] || (pid_t)e->pid == w[1]) {
                cr_assert(strncmp(e->text, "PoolWorker-", 11) == 0, "worker started as %s", e->text);
                started++;
            }
            break;
        case MP_EV_PROC_EXIT:
            if (e->a == w[0] || e->a == w[1]) {
                cr_assert_eq(e->b, 0, "worker %d exit code", (int)e->a);
                exits++;
            }
            break;
        case MP_EV_ASYNC_NEW:
            async_id = e->obj;
            cr_assert_eq(e->a, 4, "4 chunks of 2");
            break;
        case MP_EV_TASK_SUBMIT:
            cr_assert_eq(e->obj, pool_id);
            cr_assert_eq((uint64_t)e->b, async_id);
            submits++;
            break;
        case MP_EV_TASK_START:
            cr_assert((pid_t)e->pid == w[0] || (pid_t)e->pid == w[1], "task started in a worker");
            starts++;
            break;
        case MP_EV_TASK_DONE:
            cr_assert_eq(e->b, 0);
            dones++;
            break;
        case MP_EV_ASYNC_POLL:
            cr_assert_eq(e->obj, async_id);
            last_poll_a = e->a, last_poll_b = e->b;
            poll_events++;
            break;
        case MP_EV_ASYNC_READY:
            if (e->obj == async_id) ready_status = e->a;
            break;
        }
    }
    cr_assert_eq(workers_named, 2);
    cr_assert_eq(started, 2);
    cr_assert_eq(exits, 2);
    cr_assert_eq(submits, 4);
    cr_assert_eq(starts, 4);
    cr_assert_eq(dones, 4);
    cr_assert_eq(poll_events, polls, "one poll event per ready() call");
    cr_assert_eq(last_poll_a, 1, "the last poll saw it ready");
    cr_assert_eq(last_poll_b, polls);
    cr_assert_eq(ready_status, 0);
    mp_trace_ring_free(ring);
    tu_assert_no_children();
}

/* ---- stress */

/* The parent polls a result while its worker finishes it: get() must never
 * report success before the output is there. */
Test(pool, many_sequential_async_results, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    for (int i = 0; i < 20000; i++) {
        mp_async *r = submit(p, sqr, &i, sizeof i, sizeof i);
        int y = -1;
        cr_assert_eq(mp_async_get(r, &y, 10.0), 0);
        cr_assert_eq(y, i * i, "task %d gave %d", i, y);
        mp_async_free(r);
    }
    pool_close(p);
}

/* Workers killed at random moments. */

struct kill_board {
    _Atomic pid_t pids[2];
    _Atomic int stop;
    _Atomic int kills;
};
static struct kill_board *kb;

static void busy_double(const void *in, void *out)
{
    for (volatile int i = 0; i < 20000; i++) {
    }
    *(int *)out = *(const int *)in * 2;
}

static int random_killer(void *arg)
{
    unsigned seed = *(unsigned *)arg;
    while (!atomic_load(&kb->stop)) {
        usleep(2000 + rand_r(&seed) % 3000);
        pid_t v = atomic_load(&kb->pids[rand_r(&seed) % 2]);
        if (v > 0 && kill(v, SIGKILL) == 0) atomic_fetch_add(&kb->kills, 1);
    }
    return 0;
}

Test(pool, results_stay_right_under_random_kills, .timeout = TEST_TIMEOUT)
{
    kb = mmap(NULL, sizeof *kb, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert(kb != MAP_FAILED);
    memset(kb, 0, sizeof *kb);
    mp_pool *p = pool_open(2);
    pid_t w[2];
    mp_pool_worker_pids(p, w, 2);
    atomic_store(&kb->pids[0], w[0]);
    atomic_store(&kb->pids[1], w[1]);
    unsigned seed = tu_seed();
    mp_process *k = mp_process_new(random_killer, &seed);
    cr_assert_eq(mp_process_start(k), 0);
    int ok = 0, died = 0;
    double t0 = tu_now();
    for (int round = 0; (round < 100 || atomic_load(&kb->kills) < 5) && tu_now() - t0 < 10; round++) {
        int in[16];
        for (int i = 0; i < 16; i++) in[i] = i + round;
        mp_async *m = mp_pool_map_async_chunked(p, busy_double, in, 16, sizeof(int), sizeof(int), 3);
        mp_async *a = mp_pool_apply_async(p, busy_double, &in[5], sizeof(int), sizeof(int));
        cr_assert(m && a);
        int out[16], one = -1;
        int e = mp_async_get(m, out, 10.0);
        cr_assert(e == 0 || e == -ECHILD, "map round %d: %s", round, mp_strerror(e));
        if (e == 0)
            for (int i = 0; i < 16; i++) cr_assert_eq(out[i], in[i] * 2, "round %d item %d", round, i);
        ok += e == 0, died += e != 0;
        e = mp_async_get(a, &one, 10.0);
        cr_assert(e == 0 || e == -ECHILD, "apply round %d: %s", round, mp_strerror(e));
        if (e == 0) cr_assert_eq(one, in[5] * 2, "apply round %d", round);
        ok += e == 0, died += e != 0;
        mp_async_free(m);
        mp_async_free(a);
        mp_pool_worker_pids(p, w, 2);
        atomic_store(&kb->pids[0], w[0]);
        atomic_store(&kb->pids[1], w[1]);
    }
    atomic_store(&kb->stop, 1);
    cr_assert_eq(mp_process_join(k, 10.0), 0);
    mp_process_free(k);
    cr_assert_gt(atomic_load(&kb->kills), 0, "the killer killed");
    cr_assert_gt(ok, 0);
    int x = 21, y = 0;
    cr_assert_eq(mp_pool_apply(p, busy_double, &x, sizeof x, &y, sizeof y), 0, "usable after %d deaths", died);
    cr_assert_eq(y, 42);
    mp_pool_free(p);
    munmap(kb, sizeof *kb);
    tu_assert_no_children();
}

/* ---- more lifecycle and sizes */

Test(pool, ready_alone_notices_a_dead_worker, .timeout = TEST_TIMEOUT)
{
    board_new();
    mp_pool *p = pool_open(2);
    int x = 0, y;
    mp_async *r = submit(p, be_victim, &x, sizeof x, sizeof y);
    wait_for_victim();
    cr_assert_eq(kill(atomic_load(&board->victim), SIGKILL), 0);
    double t0 = tu_now();
    while (!mp_async_ready(r) && tu_now() - t0 < 5) usleep(2000); /* only polling, never waiting */
    cr_assert(mp_async_ready(r), "ready() alone saw the death");
    cr_assert_lt(tu_now() - t0, 1.0);
    cr_assert_eq(mp_async_error(r), -ECHILD);
    cr_assert_eq(mp_async_exitcode(r), -SIGKILL);
    mp_async_free(r);
    pool_close_board(p);
}

Test(pool, results_outlive_the_pool, .timeout = TEST_TIMEOUT)
{
    board_new();
    mp_pool *p = pool_open(1);
    int x = 9, y = 0;
    mp_async *done = mp_pool_apply_async(p, sqr, &x, sizeof x, sizeof y);
    cr_assert_not_null(done);
    cr_assert_eq(mp_async_wait(done, 5.0), 0);
    mp_async *stuck = mp_pool_apply_async(p, spin_forever, &x, sizeof x, sizeof y);
    mp_async *queued = mp_pool_apply_async(p, sqr, &x, sizeof x, sizeof y);
    cr_assert(stuck && queued);
    double t0 = tu_now();
    while (!atomic_load(&board->started) && tu_now() - t0 < 5) usleep(1000);
    mp_pool_free(p); /* busy: terminates */
    tu_assert_no_children();
    cr_assert_eq(mp_async_get(done, &y, 0), 0, "a finished result keeps its value");
    cr_assert_eq(y, 81);
    cr_assert_eq(mp_async_get(stuck, &y, 0), -ESHUTDOWN);
    cr_assert_eq(mp_async_get(queued, &y, MP_FOREVER), -ESHUTDOWN, "never started: fails, never hangs");
    cr_assert_eq(mp_async_exitcode(queued), MP_EXIT_NONE);
    mp_async_free(done);
    mp_async_free(stuck);
    mp_async_free(queued);
    board_free();
}

Test(pool, map_bigger_than_the_arena, .timeout = TEST_TIMEOUT)
{
    mp_pool *p = pool_open(2);
    /* 1 Mi + 1 Ki records of 128 bytes: with 128-byte outputs an async map
     * needs more than the 256 MiB arena; the blocking map (8-byte outputs,
     * 136 MiB) goes through in pieces of at most half the arena. */
    enum { N = (1 << 20) + 1024 };
    struct rec {
        long v[16];
    };
    struct rec *in = malloc((size_t)N * sizeof *in);
    long *out = malloc((size_t)N * sizeof *out);
    cr_assert(in && out);
    for (long i = 0; i < N; i++) in[i].v[0] = i;
    errno = 0;
    cr_assert_null(mp_pool_map_async(p, times3_plus1, in, N, sizeof *in, sizeof(struct rec)),
                   "an async map that cannot fit the arena");
    cr_assert_eq(errno, ENOMEM);
    cr_assert_eq(mp_pool_map(p, times3_plus1, in, N, sizeof *in, out, sizeof *out), 0);
    for (long i = 0; i < N; i++) cr_assert_eq(out[i], i * 3 + 1, "item %ld", i);
    free(in);
    free(out);
    pool_close(p);
}

Test(pool, replacement_runs_the_initializer, .timeout = TEST_TIMEOUT)
{
    board_new();
    int magic = 77;
    mp_pool_opts o = {.nworkers = 2, .initializer = init_worker, .initarg = &magic};
    mp_pool *p = mp_pool_new_ex(&o);
    cr_assert_not_null(p);
    int x = 0, y;
    cr_assert_eq(mp_pool_apply(p, segfault, &x, sizeof x, &y, sizeof y), -ECHILD);
    int out[10];
    cr_assert_eq(mp_pool_map_chunked(p, read_init_value, NULL, 10, 0, out, sizeof out[0], 1), 0);
    for (int i = 0; i < 10; i++) cr_assert_eq(out[i], magic, "task %d after the replacement", i);
    cr_assert_eq(mp_pool_close(p), 0);
    cr_assert_eq(mp_pool_join(p), 0);
    cr_assert_eq(atomic_load(&board->inits), 3, "2 workers + 1 replacement, got %d", atomic_load(&board->inits));
    pool_close_board(p);
}

/* ---- a worker killed inside the pool's critical sections */

/* pool_worker.c calls this at numbered points while a worker holds the pool mutex
 * (1: chunk taken, queue not popped; 2: last chunk counted, job not yet on
 * the finished FIFO; 3: on the FIFO, done flag not set; 4: chunk ended,
 * claim not cleared; 5: claim recorded, chunk not taken). */
extern void (*mp__pool_test_hook)(int point);

struct cs_board {
    _Atomic int point;
    _Atomic int fired;
    pid_t parent;
};
static struct cs_board *csb;

static void die_at_point(int point)
{
    if (getpid() == csb->parent || point != atomic_load(&csb->point)) return;
    int expected = 0;
    if (atomic_compare_exchange_strong(&csb->fired, &expected, 1)) raise(SIGKILL);
}

static void check_death_in_critical_section(int point, int expect_failed)
{
    csb = mmap(NULL, sizeof *csb, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert(csb != MAP_FAILED);
    csb->point = point;
    csb->fired = 0;
    csb->parent = getpid();
    mp__pool_test_hook = die_at_point; /* inherited by the workers */
    mp_pool *p = pool_open(2);
    enum { A = 10, M = 30 };
    mp_async *ra[A];
    int in[M], out[M];
    for (int i = 0; i < M; i++) in[i] = i + 1;
    for (int i = 0; i < A; i++) {
        ra[i] = mp_pool_apply_async(p, sqr, &in[i], sizeof(int), sizeof(int));
        cr_assert_not_null(ra[i]);
    }
    mp_async *rm = mp_pool_map_async_chunked(p, sqr, in, M, sizeof(int), sizeof(int), 4);
    cr_assert_not_null(rm);
    int failed = 0;
    for (int i = 0; i < A; i++) {
        int y = -1, e = mp_async_get(ra[i], &y, 10.0);
        cr_assert(e == 0 || e == -ECHILD, "point %d: apply %d gave %s", point, i, mp_strerror(e));
        if (e == 0) cr_assert_eq(y, in[i] * in[i], "point %d: apply %d", point, i);
        else cr_assert_eq(mp_async_exitcode(ra[i]), -SIGKILL);
        failed += e != 0;
        mp_async_free(ra[i]);
    }
    int e = mp_async_get(rm, out, 10.0);
    cr_assert(e == 0 || e == -ECHILD, "point %d: map gave %s", point, mp_strerror(e));
    if (e == 0)
        for (int i = 0; i < M; i++) cr_assert_eq(out[i], in[i] * in[i], "point %d: map item %d", point, i);
    failed += e != 0;
    mp_async_free(rm);
    cr_assert_eq(atomic_load(&csb->fired), 1, "point %d: a worker died there", point);
    cr_assert_eq(failed, expect_failed, "point %d: %d results failed", point, failed);
    /* Consistent afterwards: everything works and nothing is counted twice. */
    for (int i = 0; i < M; i++) out[i] = -1;
    cr_assert_eq(mp_pool_map_chunked(p, sqr, in, M, sizeof(int), out, sizeof(int), 1), 0);
    for (int i = 0; i < M; i++) cr_assert_eq(out[i], in[i] * in[i]);
    mp_pool_free(p);
    mp__pool_test_hook = NULL;
    munmap(csb, sizeof *csb);
    tu_assert_no_children();
}

/* Killed while taking a chunk: the claim is undone, the chunk runs elsewhere. */
Test(pool, death_while_claiming_loses_nothing, .timeout = TEST_TIMEOUT)
{
    check_death_in_critical_section(5, 0);
}

Test(pool, death_before_queue_pop_loses_nothing, .timeout = TEST_TIMEOUT)
{
    check_death_in_critical_section(1, 0);
}

/* Killed while ending a chunk: undone, so that one task fails, once. */
Test(pool, death_while_finishing_a_job, .timeout = TEST_TIMEOUT)
{
    check_death_in_critical_section(2, 1);
}

Test(pool, death_after_the_finished_fifo, .timeout = TEST_TIMEOUT)
{
    check_death_in_critical_section(3, 1);
}

Test(pool, death_before_clearing_the_claim, .timeout = TEST_TIMEOUT)
{
    check_death_in_critical_section(4, 1);
}

/* ---- the worker count */

/* pool.c's rule for the number of workers, asked about machines this test
 * does not run on (a pool of 0 on 4096 CPUs once got 4096 workers for
 * 1024 worker slots). */
extern int mp__pool_clamp_workers(int n, int cpus);

Test(pool, worker_count_is_clamped, .timeout = TEST_TIMEOUT)
{
    cr_assert_eq(mp__pool_clamp_workers(0, 4), 4, "0 means one per CPU");
    cr_assert_eq(mp__pool_clamp_workers(3, 64), 3, "an explicit count is kept");
    cr_assert_eq(mp__pool_clamp_workers(0, 4096), 1024, "never more workers than worker slots");
    cr_assert_eq(mp__pool_clamp_workers(0, 0), 1, "an unknown CPU count still gives a worker");
    cr_assert_eq(mp__pool_clamp_workers(0, -1), 1);
    cr_assert_eq(mp__pool_clamp_workers(1024, 1), 1024);
}
