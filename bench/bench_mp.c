/*
 * bench_mp.c — the libmp column: the operations of bench_mp.py (Python's
 * multiprocessing) and bench_raw.c (plain system calls), done with libmp.
 * Every process is an mp_process; only the start gate of group benchmarks
 * (bench_util.h) is plain pipes, the same in all three columns.
 *
 * Parts of libmp arrive at different times; the calls into the ones that
 * may be missing are weak references (the library is linked whole, see
 * bench.mk), and a metric whose part is absent prints "nan" instead of
 * failing the build.
 */
#include "bench_util.h"

#include "mp.h"

#pragma weak mp_pipe
#pragma weak mp_conn_send
#pragma weak mp_conn_recv
#pragma weak mp_conn_close
#pragma weak mp_queue_new
#pragma weak mp_queue_put
#pragma weak mp_queue_get
#pragma weak mp_queue_free
#pragma weak mp_pool_new
#pragma weak mp_pool_apply
#pragma weak mp_pool_apply_async
#pragma weak mp_pool_map
#pragma weak mp_async_get
#pragma weak mp_async_free
#pragma weak mp_pool_close
#pragma weak mp_pool_join
#pragma weak mp_pool_free
#pragma weak mp_manager_start
#pragma weak mp_manager_dict
#pragma weak mp_manager_shutdown
#pragma weak mp_dict_set_double
#pragma weak mp_dict_get_double
#pragma weak mp_dict_free

#define POOL_WORKERS 2

/* NAN (and a note) when a part of libmp is not in this build. */
#define NEED(fn)                                                        \
    do {                                                                \
        if (!(fn)) {                                                    \
            fprintf(stderr, "# bench_mp: %s is not in libmp yet\n", #fn); \
            return NAN;                                                 \
        }                                                               \
    } while (0)

#define OK(call)                                                                      \
    do {                                                                              \
        int r_ = (int)(call);                                                         \
        if (r_ < 0) b_die("%s: %s (line %d)", #call, mp_strerror(r_), __LINE__);     \
    } while (0)

static mp_process *start(mp_target f, void *arg)
{
    mp_process *p = mp_process_new(f, arg);
    B_CHECK(p, "mp_process_new: %s", strerror(errno));
    OK(mp_process_start(p));
    return p;
}

static void join(mp_process *p)
{
    OK(mp_process_join(p, MP_FOREVER));
    B_CHECK(mp_process_exitcode(p) == 0, "worker exit code %d", mp_process_exitcode(p));
    mp_process_free(p);
}

/* ------------------------------------------------------------ spawn+join */

static int noop(void *arg)
{
    (void)arg;
    return 0;
}

static double m_spawn(long n)
{
    double t0 = b_now();
    for (long i = 0; i < n; i++) join(start(noop, NULL));
    return (b_now() - t0) / (double)n * 1e6;
}

/* ----------------------------------------------------------------- locks */

static double m_lock_uncontended(long n)
{
    mp_lock *l = mp_lock_new();
    B_CHECK(l, "mp_lock_new: %s", strerror(errno));
    double t0 = b_now();
    for (long i = 0; i < n; i++) {
        mp_lock_acquire(l, MP_FOREVER);
        mp_lock_release(l);
    }
    double ns = (b_now() - t0) / (double)n * 1e9;
    mp_lock_free(l);
    return ns;
}

/* Shared by a group's workers: the gate, sizes, end times, results. */
struct group {
    b_gate gate;
    long per_producer, per_consumer, per_worker;
    uint64_t sum[4];
    double end[4];
};

struct worker {
    struct group *g;
    int index;
    mp_lock *lock;
    mp_value *counter;
    mp_queue *queue;
};

static int counter_worker(void *arg)
{
    struct worker *w = arg;
    int64_t *c = mp_value_ptr(w->counter);
    b_gate_wait(&w->g->gate);
    for (long i = 0; i < w->g->per_worker; i++) {
        mp_lock_acquire(w->lock, MP_FOREVER);
        (*c)++;
        mp_lock_release(w->lock);
    }
    w->g->end[w->index] = b_now();
    return 0;
}

/* Runs nw workers (w[i].g and w[i].index are filled in here) from the
 * gate to their ends; seconds from the start to the last end. */
static double run_group(struct group *g, struct worker *w, mp_target *body, int nw)
{
    mp_process *p[4];
    b_gate_init(&g->gate, nw);
    for (int i = 0; i < nw; i++) {
        w[i].g = g, w[i].index = i;
        p[i] = start(body[i], &w[i]);
    }
    double t0 = b_gate_open(&g->gate), t1 = 0;
    for (int i = 0; i < nw; i++) {
        join(p[i]);
        if (g->end[i] > t1) t1 = g->end[i];
    }
    b_gate_close(&g->gate);
    return t1 - t0;
}

static double m_lock_contended(long n)
{
    struct group *g = b_shm(sizeof *g);
    mp_lock *l = mp_lock_new();
    mp_value *c = mp_value_new('q');
    B_CHECK(l && c, "mp_lock_new/mp_value_new: %s", strerror(errno));
    g->per_worker = n;
    struct worker w[2] = {{.lock = l, .counter = c}, {.lock = l, .counter = c}};
    mp_target body[2] = {counter_worker, counter_worker};
    double secs = run_group(g, w, body, 2);
    B_CHECK(mp_value_get_i64(c) == 2 * n, "counter %ld, expected %ld", (long)mp_value_get_i64(c), 2 * n);
    mp_value_free(c);
    mp_lock_free(l);
    b_shm_free(g, sizeof *g);
    return (double)(2 * n) / secs;
}

/* ----------------------------------------------------------------- value */

static double m_value_rw(long n)
{
    mp_value *v = mp_value_new('d');
    B_CHECK(v, "mp_value_new: %s", strerror(errno));
    double sum = 0;
    double t0 = b_now();
    for (long i = 0; i < n; i++) {
        mp_value_set_f64(v, (double)i);
        sum += mp_value_get_f64(v);
    }
    double ns = (b_now() - t0) / (double)n * 1e9;
    B_CHECK(sum == (double)n * (double)(n - 1) / 2, "value sum");
    mp_value_free(v);
    return ns;
}

/* ------------------------------------------------------------------ pipe */

struct conns {
    mp_conn *mine, *theirs; /* the worker uses theirs and closes mine */
    mp_conn *ack;
    long n;
};

static int echo_worker(void *arg)
{
    struct conns *c = arg;
    mp_conn_close(c->mine);
    char buf[256];
    ssize_t len;
    while ((len = mp_conn_recv(c->theirs, buf, sizeof buf, MP_FOREVER)) >= 0)
        if (mp_conn_send(c->theirs, buf, (size_t)len) < 0) return 1;
    return len == -EPIPE ? 0 : 1;
}

static double conn_rtt(long n, size_t msglen)
{
    NEED(mp_pipe);
    struct conns c = {0};
    OK(mp_pipe(&c.mine, &c.theirs, true));
    mp_process *p = start(echo_worker, &c);
    mp_conn_close(c.theirs);
    char out[64] = "0123456789abcdef0123456789abcdef0123456789", in[64];
    for (int warm = 0; warm < 10; warm++) {
        OK(mp_conn_send(c.mine, out, msglen));
        OK(mp_conn_recv(c.mine, in, sizeof in, MP_FOREVER));
    }
    double t0 = b_now();
    for (long i = 0; i < n; i++) {
        memcpy(out, &i, sizeof i);
        OK(mp_conn_send(c.mine, out, msglen));
        ssize_t r = mp_conn_recv(c.mine, in, sizeof in, MP_FOREVER);
        B_CHECK(r == (ssize_t)msglen && !memcmp(in, out, msglen), "echo: %zd", r);
    }
    double us = (b_now() - t0) / (double)n * 1e6;
    mp_conn_close(c.mine);
    join(p);
    return us;
}

static double m_pipe_pingpong(long n)
{
    return conn_rtt(n, 8);
}

#define CHUNK (64 * 1024)

static int sink_worker(void *arg)
{
    struct conns *c = arg;
    mp_conn_close(c->theirs); /* the sending end */
    static char buf[CHUNK];
    for (long i = 0; i < c->n; i++)
        if (mp_conn_recv(c->mine, buf, sizeof buf, MP_FOREVER) != CHUNK) return 1;
    return mp_conn_send(c->ack, "k", 1) < 0;
}

static double m_pipe_throughput(long n)
{
    NEED(mp_pipe);
    struct conns c = {.n = n};
    mp_conn *ack_r;
    OK(mp_pipe(&c.mine, &c.theirs, false)); /* left (mine) receives, right sends */
    OK(mp_pipe(&ack_r, &c.ack, false));
    mp_process *p = start(sink_worker, &c);
    mp_conn_close(c.mine);
    mp_conn_close(c.ack);
    static char buf[CHUNK];
    memset(buf, 'x', sizeof buf);
    double t0 = b_now();
    for (long i = 0; i < n; i++) OK(mp_conn_send(c.theirs, buf, CHUNK));
    char k;
    B_CHECK(mp_conn_recv(ack_r, &k, 1, MP_FOREVER) == 1 && k == 'k', "no ack");
    double secs = b_now() - t0;
    mp_conn_close(c.theirs);
    mp_conn_close(ack_r);
    join(p);
    return (double)n * CHUNK / 1e6 / secs;
}

/* ----------------------------------------------------------------- queue */

static int producer(void *arg)
{
    struct worker *w = arg;
    b_gate_wait(&w->g->gate);
    for (long i = 0; i < w->g->per_producer; i++) {
        uint64_t x = (uint64_t)i;
        if (mp_queue_put(w->queue, &x, sizeof x, MP_FOREVER) < 0) return 1;
    }
    w->g->end[w->index] = b_now();
    return 0;
}

static int consumer(void *arg)
{
    struct worker *w = arg;
    b_gate_wait(&w->g->gate);
    uint64_t sum = 0;
    for (long i = 0; i < w->g->per_consumer; i++) {
        uint64_t x;
        if (mp_queue_get(w->queue, &x, sizeof x, MP_FOREVER) != sizeof x) return 1;
        sum += x;
    }
    w->g->sum[w->index] = sum;
    w->g->end[w->index] = b_now();
    return 0;
}

static double queue_group(long n, int np, int nc)
{
    NEED(mp_queue_new);
    n -= n % (np * nc);
    struct group *g = b_shm(sizeof *g);
    mp_queue *q = mp_queue_new(0);
    B_CHECK(q, "mp_queue_new: %s", strerror(errno));
    g->per_producer = n / np;
    g->per_consumer = n / nc;
    struct worker w[4];
    mp_target body[4];
    for (int i = 0; i < np + nc; i++) {
        w[i] = (struct worker){.queue = q};
        body[i] = i < np ? producer : consumer;
    }
    double secs = run_group(g, w, body, np + nc);
    uint64_t sum = 0, per = (uint64_t)g->per_producer;
    for (int i = 0; i < np + nc; i++) sum += g->sum[i];
    B_CHECK(sum == (uint64_t)np * per * (per - 1) / 2, "queue lost or duplicated items");
    mp_queue_free(q);
    b_shm_free(g, sizeof *g);
    return (double)n / secs;
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

static void twice(const void *in, void *out)
{
    int64_t x;
    memcpy(&x, in, sizeof x);
    x *= 2;
    memcpy(out, &x, sizeof x);
}

static mp_pool *pool_up(void)
{
    mp_pool *p = mp_pool_new(POOL_WORKERS);
    B_CHECK(p, "mp_pool_new: %s", strerror(errno));
    int64_t x = 1, y = 0;
    OK(mp_pool_apply(p, twice, &x, sizeof x, &y, sizeof y)); /* the workers are up */
    B_CHECK(y == 2, "apply gave %ld", (long)y);
    return p;
}

static void pool_down(mp_pool *p)
{
    OK(mp_pool_close(p));
    OK(mp_pool_join(p));
    mp_pool_free(p);
}

static double m_pool_map(long n)
{
    NEED(mp_pool_new);
    int64_t *in = malloc((size_t)n * sizeof *in), *out = calloc((size_t)n, sizeof *out);
    B_CHECK(in && out, "out of memory");
    for (long i = 0; i < n; i++) in[i] = i;
    mp_pool *p = pool_up();
    double t0 = b_now();
    OK(mp_pool_map(p, twice, in, (size_t)n, sizeof *in, out, sizeof *out));
    double secs = b_now() - t0;
    for (long i = 0; i < n; i++) B_CHECK(out[i] == 2 * i, "map out[%ld] = %ld", i, (long)out[i]);
    pool_down(p);
    free(in), free(out);
    return (double)n / secs;
}

static double m_pool_apply_async(long n)
{
    NEED(mp_pool_new);
    mp_async **r = calloc((size_t)n, sizeof *r);
    B_CHECK(r, "out of memory");
    mp_pool *p = pool_up();
    double t0 = b_now();
    for (long i = 0; i < n; i++) {
        int64_t x = i;
        r[i] = mp_pool_apply_async(p, twice, &x, sizeof x, sizeof x);
        B_CHECK(r[i], "apply_async: %s", strerror(errno));
    }
    long bad = 0;
    for (long i = 0; i < n; i++) {
        int64_t y;
        OK(mp_async_get(r[i], &y, MP_FOREVER));
        bad += y != 2 * i;
    }
    double secs = b_now() - t0;
    B_CHECK(!bad, "%ld wrong apply_async results", bad);
    for (long i = 0; i < n; i++) mp_async_free(r[i]);
    pool_down(p);
    free(r);
    return (double)n / secs;
}

static double m_pool_apply_latency(long n)
{
    NEED(mp_pool_new);
    mp_pool *p = pool_up();
    double t0 = b_now();
    for (long i = 0; i < n; i++) {
        int64_t x = i, y = 0;
        OK(mp_pool_apply(p, twice, &x, sizeof x, &y, sizeof y));
        B_CHECK(y == 2 * i, "apply gave %ld", (long)y);
    }
    double us = (b_now() - t0) / (double)n * 1e6;
    pool_down(p);
    return us;
}

/* --------------------------------------------------------------- manager */

struct setter {
    mp_dict *d;
    long n;
    double *us; /* shared: the child's result */
};

static int dict_setter(void *arg)
{
    struct setter *s = arg;
    if (mp_dict_set_double(s->d, "warm", 0.0) < 0) return 1;
    double t0 = b_now();
    for (long i = 0; i < s->n; i++)
        if (mp_dict_set_double(s->d, "key", (double)i + 0.5) < 0) return 1;
    *s->us = (b_now() - t0) / (double)s->n * 1e6;
    return 0;
}

static double m_manager_dict_set(long n)
{
    NEED(mp_manager_start);
    mp_manager *m = mp_manager_start();
    B_CHECK(m, "mp_manager_start: %s", strerror(errno));
    struct setter s = {.d = mp_manager_dict(m, "bench"), .n = n, .us = b_shm(sizeof(double))};
    B_CHECK(s.d, "mp_manager_dict: %s", strerror(errno));
    join(start(dict_setter, &s));
    double v = 0;
    OK(mp_dict_get_double(s.d, "key", &v));
    B_CHECK(v == (double)(n - 1) + 0.5, "dict holds %g", v);
    double us = *s.us;
    b_shm_free(s.us, sizeof(double));
    mp_dict_free(s.d);
    mp_manager_shutdown(m);
    return us;
}

static const b_metric metrics[] = B_METRICS;

int main(int argc, char **argv)
{
    return b_main(argc, argv, mp_trace_enabled() ? "libmp+trace" : "libmp", metrics,
                  sizeof metrics / sizeof metrics[0]);
}
