/*
 * bench_raw.c — the "raw limit" column: the same operations as bench_mp.c
 * and bench_mp.py, done with plain system calls and nothing else, so the
 * table shows how close libmp gets to what the machine can do:
 *
 *   spawn+join      fork + _exit + waitpid
 *   locks           a process-shared robust pthread mutex (what mp_lock is)
 *   value           a store and a load of a double in shared memory
 *   pipe, manager,  a socketpair round trip (AF_UNIX, SOCK_STREAM) with the
 *   pool apply      message size of the operation
 *   queue, pool     a bare mutex+condvar ring in shared memory; the pool is
 *                   two forked workers taking tasks from one ring and giving
 *                   results back through another
 */
#include "bench_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define POOL_WORKERS 2

static void reap(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        B_CHECK(errno == EINTR, "waitpid: %s", strerror(errno));
    B_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker %d failed (status %#x)", (int)pid, st);
}

static pid_t spawn(void (*body)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    B_CHECK(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        body(arg);
        _exit(0);
    }
    return pid;
}

static void robust_mutex_init(pthread_mutex_t *m, bool robust)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (robust) pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    B_CHECK(pthread_mutex_init(m, &a) == 0, "pthread_mutex_init");
    pthread_mutexattr_destroy(&a);
}

static void shared_cond_init(pthread_cond_t *c)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    B_CHECK(pthread_cond_init(c, &a) == 0, "pthread_cond_init");
    pthread_condattr_destroy(&a);
}

/* ------------------------------------------------------------ spawn+join */

static void noop(void *arg)
{
    (void)arg;
}

static double m_spawn(long n)
{
    double t0 = b_now();
    for (long i = 0; i < n; i++) reap(spawn(noop, NULL));
    return (b_now() - t0) / (double)n * 1e6;
}

/* ----------------------------------------------------------------- locks */

static double m_lock_uncontended(long n)
{
    pthread_mutex_t *m = b_shm(sizeof *m);
    robust_mutex_init(m, true);
    double t0 = b_now();
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(m);
        pthread_mutex_unlock(m);
    }
    double ns = (b_now() - t0) / (double)n * 1e9;
    pthread_mutex_destroy(m);
    b_shm_free(m, sizeof *m);
    return ns;
}

struct counter {
    pthread_mutex_t m;
    long value;
    long per_worker;
    double end[2];
    b_gate gate;
};

static struct counter *g_counter;
static int g_worker_index;

static void counter_worker(void *arg)
{
    (void)arg;
    struct counter *c = g_counter;
    b_gate_wait(&c->gate);
    for (long i = 0; i < c->per_worker; i++) {
        pthread_mutex_lock(&c->m);
        c->value++;
        pthread_mutex_unlock(&c->m);
    }
    c->end[g_worker_index] = b_now();
}

static double m_lock_contended(long n)
{
    struct counter *c = g_counter = b_shm(sizeof *c);
    robust_mutex_init(&c->m, true);
    c->per_worker = n;
    b_gate_init(&c->gate, 2);
    pid_t pid[2];
    for (int w = 0; w < 2; w++) {
        g_worker_index = w;
        pid[w] = spawn(counter_worker, NULL);
    }
    double t0 = b_gate_open(&c->gate);
    for (int w = 0; w < 2; w++) reap(pid[w]);
    B_CHECK(c->value == 2 * n, "counter %ld, expected %ld", c->value, 2 * n);
    double t1 = c->end[0] > c->end[1] ? c->end[0] : c->end[1];
    b_gate_close(&c->gate);
    pthread_mutex_destroy(&c->m);
    b_shm_free(c, sizeof *c);
    return (double)(2 * n) / (t1 - t0);
}

/* ----------------------------------------------------------------- value */

static double m_value_rw(long n)
{
    volatile double *v = b_shm(sizeof(double));
    double sum = 0;
    double t0 = b_now();
    for (long i = 0; i < n; i++) {
        *v = (double)i;
        sum += *v;
    }
    double ns = (b_now() - t0) / (double)n * 1e9;
    B_CHECK(sum == (double)n * (double)(n - 1) / 2, "value sum");
    b_shm_free((void *)v, sizeof(double));
    return ns;
}

/* ---------------------------------------------------- socketpair round trip */

static void write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        B_CHECK(w > 0, "write: %s", strerror(errno));
        p += w, len -= (size_t)w;
    }
}

/* false at end of file before the first byte */
static bool read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t want = len;
    while (len) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR) continue;
        B_CHECK(r >= 0, "read: %s", strerror(errno));
        if (r == 0) {
            B_CHECK(len == want, "short read");
            return false;
        }
        p += r, len -= (size_t)r;
    }
    return true;
}

static int g_sock;       /* the worker's end */
static int g_other = -1; /* the parent's end: the worker closes it, else no EOF */
static size_t g_msglen;

static void echo_worker(void *arg)
{
    (void)arg;
    close(g_other);
    char buf[256];
    while (read_all(g_sock, buf, g_msglen)) write_all(g_sock, buf, g_msglen);
}

/* Mean round trip of a msglen-byte message to an echoing process, in us. */
static double socketpair_rtt(long n, size_t msglen)
{
    int sv[2];
    B_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
    g_sock = sv[1];
    g_other = sv[0];
    g_msglen = msglen;
    pid_t pid = spawn(echo_worker, NULL);
    close(sv[1]);
    char out[256] = "0123456789abcdef0123456789abcdef0123456789", in[256];
    for (int warm = 0; warm < 10; warm++) write_all(sv[0], out, msglen), read_all(sv[0], in, msglen);
    double t0 = b_now();
    for (long i = 0; i < n; i++) {
        memcpy(out, &i, sizeof i);
        write_all(sv[0], out, msglen);
        B_CHECK(read_all(sv[0], in, msglen) && !memcmp(in, out, msglen), "echo");
    }
    double us = (b_now() - t0) / (double)n * 1e6;
    close(sv[0]);
    reap(pid);
    return us;
}

static double m_pipe_pingpong(long n)
{
    return socketpair_rtt(n, 8);
}

/* A pool's apply is a request (task id + argument) and an answer. */
static double m_pool_apply_latency(long n)
{
    return socketpair_rtt(n, 16);
}

/* A manager's d[key] = 1.5 is a small request and a small answer. */
static double m_manager_dict_set(long n)
{
    return socketpair_rtt(n, 40);
}

#define CHUNK (64 * 1024)

static long g_chunks;

static void sink_worker(void *arg)
{
    (void)arg;
    close(g_other);
    static char buf[CHUNK];
    for (long i = 0; i < g_chunks; i++) B_CHECK(read_all(g_sock, buf, CHUNK), "sink: early end");
    write_all(g_sock, "k", 1);
}

static double m_pipe_throughput(long n)
{
    int sv[2];
    B_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
    g_sock = sv[1];
    g_other = sv[0];
    g_chunks = n;
    pid_t pid = spawn(sink_worker, NULL);
    close(sv[1]);
    static char buf[CHUNK];
    memset(buf, 'x', sizeof buf);
    double t0 = b_now();
    for (long i = 0; i < n; i++) write_all(sv[0], buf, CHUNK);
    char ack;
    B_CHECK(read_all(sv[0], &ack, 1) && ack == 'k', "no ack");
    double secs = b_now() - t0;
    close(sv[0]);
    reap(pid);
    return (double)n * CHUNK / 1e6 / secs;
}

/* --------------------------------------------------- mutex+condvar ring */

typedef struct item {
    uint64_t op, a, b;
} item;

enum { OP_STOP, OP_APPLY, OP_MAP };

typedef struct ring {
    pthread_mutex_t m;
    pthread_cond_t not_empty, not_full;
    uint32_t head, tail, count, cap;
    int getters_waiting, putters_waiting; /* signal only when someone sleeps */
    item slot[];
} ring;

static ring *ring_new(uint32_t cap)
{
    ring *r = b_shm(sizeof *r + cap * sizeof(item));
    robust_mutex_init(&r->m, false);
    shared_cond_init(&r->not_empty);
    shared_cond_init(&r->not_full);
    r->cap = cap;
    return r;
}

static void ring_free(ring *r)
{
    pthread_cond_destroy(&r->not_empty);
    pthread_cond_destroy(&r->not_full);
    pthread_mutex_destroy(&r->m);
    b_shm_free(r, sizeof *r + r->cap * sizeof(item));
}

static void ring_put(ring *r, item x)
{
    pthread_mutex_lock(&r->m);
    while (r->count == r->cap) {
        r->putters_waiting++;
        pthread_cond_wait(&r->not_full, &r->m);
        r->putters_waiting--;
    }
    r->slot[r->tail] = x;
    r->tail = (r->tail + 1) % r->cap;
    r->count++;
    if (r->getters_waiting) pthread_cond_signal(&r->not_empty);
    pthread_mutex_unlock(&r->m);
}

static item ring_get(ring *r)
{
    pthread_mutex_lock(&r->m);
    while (r->count == 0) {
        r->getters_waiting++;
        pthread_cond_wait(&r->not_empty, &r->m);
        r->getters_waiting--;
    }
    item x = r->slot[r->head];
    r->head = (r->head + 1) % r->cap;
    r->count--;
    if (r->putters_waiting) pthread_cond_signal(&r->not_full);
    pthread_mutex_unlock(&r->m);
    return x;
}

/* Same order of capacity as mp_queue's default (1 MiB of 8-byte items
 * with their headers). */
#define RING_CAP 65536

struct qgroup {
    b_gate gate;
    long per_producer, per_consumer;
    uint64_t sum[4];
    double end[4];
};

static ring *g_ring;
static struct qgroup *g_q;

static void producer(void *arg)
{
    (void)arg;
    b_gate_wait(&g_q->gate);
    for (long i = 0; i < g_q->per_producer; i++) ring_put(g_ring, (item){OP_APPLY, (uint64_t)i, 0});
    g_q->end[g_worker_index] = b_now();
}

static void consumer(void *arg)
{
    (void)arg;
    b_gate_wait(&g_q->gate);
    uint64_t sum = 0;
    for (long i = 0; i < g_q->per_consumer; i++) sum += ring_get(g_ring).a;
    g_q->sum[g_worker_index] = sum;
    g_q->end[g_worker_index] = b_now();
}

/* np producers and nc consumers move n items in all; items/s. */
static double queue_group(long n, int np, int nc)
{
    n -= n % (np * nc); /* every producer and consumer gets an equal share */
    g_ring = ring_new(RING_CAP);
    g_q = b_shm(sizeof *g_q);
    g_q->per_producer = n / np;
    g_q->per_consumer = n / nc;
    b_gate_init(&g_q->gate, np + nc);
    pid_t pid[4];
    for (int w = 0; w < np + nc; w++) {
        g_worker_index = w;
        pid[w] = spawn(w < np ? producer : consumer, NULL);
    }
    double t0 = b_gate_open(&g_q->gate);
    double t1 = 0;
    uint64_t sum = 0;
    for (int w = 0; w < np + nc; w++) {
        reap(pid[w]);
        sum += g_q->sum[w];
        if (g_q->end[w] > t1) t1 = g_q->end[w];
    }
    uint64_t per = (uint64_t)g_q->per_producer;
    B_CHECK(sum == (uint64_t)np * per * (per - 1) / 2, "queue lost or duplicated items");
    b_gate_close(&g_q->gate);
    b_shm_free(g_q, sizeof *g_q);
    ring_free(g_ring);
    return (double)n / (t1 - t0);
}

static double m_queue_1p1c(long n)
{
    return queue_group(n, 1, 1);
}

static double m_queue_2p2c(long n)
{
    return queue_group(n, 2, 2);
}

/* ------------------------------------------------------------------ pool */

static ring *g_tasks, *g_results;
static int64_t *g_in, *g_out; /* shared buffers of a map */

static int64_t twice(int64_t x)
{
    return 2 * x;
}

static void pool_worker(void *arg)
{
    (void)arg;
    for (;;) {
        item t = ring_get(g_tasks);
        if (t.op == OP_STOP) return;
        if (t.op == OP_APPLY) {
            ring_put(g_results, (item){OP_APPLY, t.a, (uint64_t)twice((int64_t)t.b)});
        } else {
            for (uint64_t i = t.a; i < t.b; i++) g_out[i] = twice(g_in[i]);
            ring_put(g_results, t);
        }
    }
}

static pid_t g_pool[POOL_WORKERS];

static void pool_start(size_t map_items)
{
    g_tasks = ring_new(RING_CAP);
    g_results = ring_new(RING_CAP);
    g_in = map_items ? b_shm(map_items * sizeof *g_in) : NULL;
    g_out = map_items ? b_shm(map_items * sizeof *g_out) : NULL;
    for (int w = 0; w < POOL_WORKERS; w++) g_pool[w] = spawn(pool_worker, NULL);
}

static void pool_stop(size_t map_items)
{
    for (int w = 0; w < POOL_WORKERS; w++) ring_put(g_tasks, (item){OP_STOP, 0, 0});
    for (int w = 0; w < POOL_WORKERS; w++) reap(g_pool[w]);
    ring_free(g_tasks);
    ring_free(g_results);
    if (map_items) b_shm_free(g_in, map_items * sizeof *g_in), b_shm_free(g_out, map_items * sizeof *g_out);
}

/* map over n items in chunks of ceil(n / (4 * workers)), as Python's Pool
 * does; the input is copied into shared memory and the output out of it,
 * as any pool must. */
static double m_pool_map(long n)
{
    int64_t *in = malloc((size_t)n * sizeof *in), *out = malloc((size_t)n * sizeof *out);
    B_CHECK(in && out, "out of memory");
    for (long i = 0; i < n; i++) in[i] = i;
    pool_start((size_t)n);
    long chunk = (n + 4 * POOL_WORKERS - 1) / (4 * POOL_WORKERS);
    double t0 = b_now();
    memcpy(g_in, in, (size_t)n * sizeof *in);
    long chunks = 0;
    for (long s = 0; s < n; s += chunk, chunks++)
        ring_put(g_tasks, (item){OP_MAP, (uint64_t)s, (uint64_t)(s + chunk < n ? s + chunk : n)});
    for (long c = 0; c < chunks; c++) ring_get(g_results);
    memcpy(out, g_out, (size_t)n * sizeof *out);
    double secs = b_now() - t0;
    for (long i = 0; i < n; i++) B_CHECK(out[i] == 2 * i, "map out[%ld] = %ld", i, (long)out[i]);
    pool_stop((size_t)n);
    free(in), free(out);
    return (double)n / secs;
}

/* n tasks submitted at once, then every result collected. */
static double m_pool_apply_async(long n)
{
    int64_t *res = calloc((size_t)n, sizeof *res);
    B_CHECK(res, "out of memory");
    pool_start(0);
    double t0 = b_now();
    for (long i = 0; i < n; i++) ring_put(g_tasks, (item){OP_APPLY, (uint64_t)i, (uint64_t)i});
    for (long i = 0; i < n; i++) {
        item r = ring_get(g_results);
        res[r.a] = (int64_t)r.b;
    }
    double secs = b_now() - t0;
    for (long i = 0; i < n; i++) B_CHECK(res[i] == 2 * i, "apply_async result %ld", i);
    pool_stop(0);
    free(res);
    return (double)n / secs;
}

static const b_metric metrics[] = B_METRICS;

int main(int argc, char **argv)
{
    return b_main(argc, argv, "raw", metrics, sizeof metrics / sizeof metrics[0]);
}
