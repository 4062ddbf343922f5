/*
 * bench_util.h — what the C benchmark programs share: the clock, options,
 * the metric table and its driver (repetitions, median, one output line
 * per metric), a start gate for groups of processes, shared memory.
 *
 * Every program prints one line per metric, "name value unit", so the
 * orchestrator (bench/run.py) and the smoke test read all three columns
 * (Python, libmp, raw) the same way. Lines starting with '#' are comments.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------- the clock */

/* CLOCK_MONOTONIC is one clock for every process of the machine, so a
 * child's end time and the parent's start time can be subtracted. */
static inline double b_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ----------------------------------------------------------- giving up */

/* A benchmark whose result is wrong must not print a number. */
static inline void b_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static inline void b_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(NULL);
    _exit(1);
}

#define B_CHECK(cond, ...)                  \
    do {                                    \
        if (!(cond)) b_die(__VA_ARGS__);    \
    } while (0)

/* ------------------------------------------------------- shared memory */

/* Anonymous MAP_SHARED memory, zero-filled, inherited by later children. */
static inline void *b_shm(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    B_CHECK(p != MAP_FAILED, "mmap %zu bytes: %s", size, strerror(errno));
    return p;
}

static inline void b_shm_free(void *p, size_t size)
{
    munmap(p, size);
}

/* ---------------------------------------------------------- start gate
 * Group benchmarks time the work only, not the forks: each worker says
 * "ready" on one pipe and blocks reading the other; the parent waits for
 * all of them, notes the time and lets them go. Workers note their own end
 * time in shared memory; the result is the last end minus the start. */
typedef struct b_gate {
    int ready[2];
    int go[2];
    int n;
} b_gate;

static inline void b_gate_init(b_gate *g, int n)
{
    B_CHECK(pipe(g->ready) == 0 && pipe(g->go) == 0, "pipe: %s", strerror(errno));
    g->n = n;
}

/* In a worker. */
static inline void b_gate_wait(b_gate *g)
{
    char c = 'r';
    B_CHECK(write(g->ready[1], &c, 1) == 1, "gate write: %s", strerror(errno));
    B_CHECK(read(g->go[0], &c, 1) == 1, "gate read: %s", strerror(errno));
}

/* In the parent: returns the start time. */
static inline double b_gate_open(b_gate *g)
{
    char buf[64];
    for (int got = 0; got < g->n;) {
        ssize_t r = read(g->ready[0], buf, (size_t)(g->n - got) < sizeof buf ? (size_t)(g->n - got) : sizeof buf);
        B_CHECK(r > 0, "gate ready: %s", r < 0 ? strerror(errno) : "a worker died");
        got += (int)r;
    }
    double t0 = b_now();
    memset(buf, 'g', sizeof buf);
    B_CHECK(write(g->go[1], buf, (size_t)g->n) == g->n, "gate go: %s", strerror(errno));
    return t0;
}

static inline void b_gate_close(b_gate *g)
{
    close(g->ready[0]), close(g->ready[1]), close(g->go[0]), close(g->go[1]);
}

/* ------------------------------------------------------- metric driver */

typedef struct b_opts {
    double scale; /* multiplies every metric's size */
    int reps;     /* repetitions inside one run; the median is printed */
    bool pin;     /* every process on CPU 0 */
    const char *only; /* comma-separated metric names (prefixes), NULL = all */
} b_opts;

/* One metric: run(n) does the work n times and returns the value in unit. */
typedef struct b_metric {
    const char *name;
    const char *unit;
    long base_n;   /* size at scale 1 */
    long min_n;    /* never fewer than this */
    double (*run)(long n);
} b_metric;

/* The metrics both C programs measure, one list so that libmp and raw keep
 * the same names, units and sizes: a program defines each m_* function and
 * writes  static const b_metric metrics[] = B_METRICS;  */
#define B_METRICS                                                            \
    {                                                                        \
        {"proc_spawn_join_us", "us", 300, 5, m_spawn},                       \
        {"lock_uncontended_ns", "ns", 2000000, 1000, m_lock_uncontended},    \
        {"lock_contended_ops_s", "ops/s", 200000, 1000, m_lock_contended},   \
        {"value_rw_ns", "ns", 2000000, 1000, m_value_rw},                    \
        {"pipe_pingpong_us", "us", 5000, 20, m_pipe_pingpong},               \
        {"pipe_throughput_MBps", "MB/s", 4000, 10, m_pipe_throughput},       \
        {"queue_msgs_s", "msgs/s", 500000, 1000, m_queue_1p1c},              \
        {"queue_msgs_s_2p2c", "msgs/s", 500000, 1000, m_queue_2p2c},         \
        {"pool_map_tasks_s", "items/s", 200000, 400, m_pool_map},            \
        {"pool_apply_async_tasks_s", "tasks/s", 20000, 50, m_pool_apply_async}, \
        {"pool_apply_latency_us", "us", 2000, 10, m_pool_apply_latency},     \
        {"manager_dict_set_us", "us", 5000, 10, m_manager_dict_set},         \
    }

static inline void b_usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--quick] [--tiny] [--pin] [--reps N] [--scale X] [--only NAME,...] [--list]\n"
            "  prints one line per metric: name value unit (median of the repetitions)\n",
            prog);
}

/* Pins this process, and every process it forks from now on, to CPU 0:
 * waking a process on the other CPU costs ~30 us here and would dominate
 * every blocking round trip. */
static inline void b_pin_cpu0(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    B_CHECK(sched_setaffinity(0, sizeof set, &set) == 0, "sched_setaffinity: %s", strerror(errno));
}

static inline bool b_selected(const b_opts *o, const char *name)
{
    if (!o->only) return true;
    size_t len = strlen(name);
    for (const char *p = o->only; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        /* a name matches itself, and a prefix ending in '_' or '*' matches a family */
        if (n && ((n == len && !strncmp(p, name, n)) ||
                  (p[n - 1] == '*' && !strncmp(p, name, n - 1))))
            return true;
        if (!end) break;
        p = end + 1;
    }
    return false;
}

static inline int b_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double b_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, b_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static inline int b_parse(int argc, char **argv, b_opts *o, const b_metric *m, size_t nm)
{
    *o = (b_opts){.scale = 1.0, .reps = 3};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--quick")) o->scale = 0.1, o->reps = 1;
        else if (!strcmp(a, "--tiny")) o->scale = 0.002, o->reps = 1;
        else if (!strcmp(a, "--pin")) o->pin = true;
        else if (!strcmp(a, "--reps") && i + 1 < argc) o->reps = atoi(argv[++i]);
        else if (!strcmp(a, "--scale") && i + 1 < argc) o->scale = atof(argv[++i]);
        else if (!strcmp(a, "--only") && i + 1 < argc) o->only = argv[++i];
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            b_usage(argv[0]);
            exit(0);
        } else if (!strcmp(a, "--list")) {
            for (size_t k = 0; k < nm; k++) printf("%s %s\n", m[k].name, m[k].unit);
            exit(0);
        } else {
            b_usage(argv[0]);
            return -1;
        }
    }
    if (o->reps < 1 || o->reps > 100 || !(o->scale > 0)) {
        b_usage(argv[0]);
        return -1;
    }
    return 0;
}

/* Runs every selected metric reps times and prints its median. */
static inline int b_main(int argc, char **argv, const char *column, const b_metric *m, size_t nm)
{
    b_opts o;
    if (b_parse(argc, argv, &o, m, nm)) return 2;
    if (o.pin) b_pin_cpu0();
    printf("# %s scale=%g reps=%d pin=%d\n", column, o.scale, o.reps, o.pin);
    for (size_t k = 0; k < nm; k++) {
        if (!b_selected(&o, m[k].name)) continue;
        long n = (long)((double)m[k].base_n * o.scale);
        if (n < m[k].min_n) n = m[k].min_n;
        double v[100];
        for (int r = 0; r < o.reps; r++) {
            fflush(NULL); /* the workers fork: nothing buffered may be written twice */
            v[r] = m[k].run(n);
        }
        double med = b_median(v, o.reps);
        printf("%s %.6g %s\n", m[k].name, med, m[k].unit);
        fflush(stdout);
    }
    return 0;
}

#endif
