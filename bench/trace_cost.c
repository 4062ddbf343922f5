/*
 * trace_cost.c — what tracing adds to one lock acquire+release pair and
 * to one queue put+get of an 8-byte item, with no reader running at the
 * same time (bench_trace measures it with one): loops of 10000 pairs, the
 * ring read empty between loops, on one process.
 * `make bench-trace-cost` (pinned to CPU 0 with --pin).
 *
 *     trace_cost [--pin] [--rounds N]
 *
 * Prints, per configuration, the best and the median loop in ns a pair:
 * untraced, traced with the ring's default clock (the time-stamp counter
 * where usable), traced with MP_TRACE_CLOCK=monotonic (clock_gettime), and
 * the reader's cost per event; for comparison the untraced pair with two
 * bare reads of the time-stamp counter (what the stamps alone cost), and
 * what a pair costs when the reader shares the writer's CPU (traced + two
 * events read: the pinned bench). Figures only; nothing is checked but
 * that no event was dropped.
 */
#include "bench_util.h"

#include "mp.h"
#include "mp_trace.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#define PAIRS 10000
#define RING (1u << 16)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct result {
    double best, median, read_ns;
};

static void lock_pair(mp_lock *l, mp_queue *q)
{
    (void)q;
    mp_lock_acquire(l, MP_FOREVER);
    mp_lock_release(l);
}

static void queue_pair(mp_lock *l, mp_queue *q)
{
    (void)l;
    int64_t v = 42, got;
    mp_queue_put(q, &v, sizeof v, MP_FOREVER);
    mp_queue_get(q, &got, sizeof got, MP_FOREVER);
}

/* The floor of any stamped trace: the untraced pair with one read of the
 * time-stamp counter after each operation, stored and nothing else (what
 * a traced pair pays for its two stamps alone). */
#if defined(__x86_64__)
static volatile uint64_t stamp_sink[16];

static void lock_pair_stamps(mp_lock *l, mp_queue *q)
{
    (void)q;
    mp_lock_acquire(l, MP_FOREVER);
    stamp_sink[0] = __rdtsc();
    mp_lock_release(l);
    stamp_sink[8] = __rdtsc();
}

static void queue_pair_stamps(mp_lock *l, mp_queue *q)
{
    (void)l;
    int64_t v = 42, got;
    mp_queue_put(q, &v, sizeof v, MP_FOREVER);
    stamp_sink[0] = __rdtsc();
    mp_queue_get(q, &got, sizeof got, MP_FOREVER);
    stamp_sink[8] = __rdtsc();
}
#endif

/* rounds loops of PAIRS pairs, traced into a new ring unless clock is NULL. */
static struct result run(void (*pair)(mp_lock *, mp_queue *), const char *clock, int rounds)
{
    static struct mp_trace_event buf[RING];
    if (clock && strcmp(clock, "default")) setenv("MP_TRACE_CLOCK", clock, 1);
    else unsetenv("MP_TRACE_CLOCK");
    mp_lock *l = mp_lock_new();
    mp_queue *q = mp_queue_new(64);
    B_CHECK(l && q, "mp_lock_new / mp_queue_new");
    struct mp_trace_ring *r = clock ? mp_trace_ring_create(RING) : NULL;
    B_CHECK(!clock || r, "mp_trace_ring_create");
    if (r) mp_trace_attach(r);
    double *ns = calloc((size_t)rounds, sizeof *ns), read_best = 1e9;
    B_CHECK(ns, "calloc");
    for (int i = 0; i < rounds; i++) {
        double t0 = b_now();
        for (int k = 0; k < PAIRS; k++) pair(l, q);
        double t1 = b_now();
        ns[i] = (t1 - t0) / PAIRS * 1e9;
        if (!r) continue;
        size_t n = 0, got;
        while ((got = mp_trace_ring_read(r, buf, RING)) > 0) n += got;
        double per = n ? (b_now() - t1) / (double)n * 1e9 : 0;
        if (per < read_best) read_best = per;
    }
    if (r) {
        mp_trace_detach();
        B_CHECK(mp_trace_ring_dropped(r) == 0, "%s clock: %llu events were dropped", clock,
                (unsigned long long)mp_trace_ring_dropped(r));
        mp_trace_ring_free(r);
    }
    mp_lock_free(l);
    mp_queue_free(q);
    qsort(ns, (size_t)rounds, sizeof *ns, cmp_double);
    struct result res = {ns[0], ns[rounds / 2], r ? read_best : 0};
    free(ns);
    unsetenv("MP_TRACE_CLOCK");
    return res;
}

int main(int argc, char **argv)
{
    int rounds = 200;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--pin")) b_pin_cpu0();
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--pin] [--rounds N]\n", argv[0]);
            return 2;
        }
    }
    if (rounds < 1) rounds = 1;
    static const struct {
        const char *what;
        void (*pair)(mp_lock *, mp_queue *), (*stamps)(mp_lock *, mp_queue *);
    } ops[] = {
#if defined(__x86_64__)
        {"lock acquire+release", lock_pair, lock_pair_stamps},
        {"queue put+get (8 bytes)", queue_pair, queue_pair_stamps},
#else
        {"lock acquire+release", lock_pair, NULL},
        {"queue put+get (8 bytes)", queue_pair, NULL},
#endif
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        struct result u = run(ops[i].pair, NULL, rounds), d = run(ops[i].pair, "default", rounds),
                      m = run(ops[i].pair, "monotonic", rounds);
        printf("# %s, %d loops of %d, ns a pair (best / median)\n", ops[i].what, rounds, PAIRS);
        printf("untraced           %6.1f / %6.1f\n", u.best, u.median);
        if (ops[i].stamps) {
            struct result f = run(ops[i].stamps, NULL, rounds);
            printf("two counter reads  %6.1f / %6.1f  (%.2fx / %.2fx)  untraced + rdtsc after each: the floor of a stamped trace\n",
                   f.best, f.median, f.best / u.best, f.median / u.median);
        }
        printf("traced, default    %6.1f / %6.1f  (%.2fx / %.2fx)  reader %.1f ns an event\n", d.best, d.median,
               d.best / u.best, d.median / u.median, d.read_ns);
        printf("traced, monotonic  %6.1f / %6.1f  (%.2fx / %.2fx)  reader %.1f ns an event\n", m.best, m.median,
               m.best / u.best, m.median / u.median, m.read_ns);
        /* Pinned, the reader shares the writer's CPU: each pair also pays
         * for reading its two events. */
        double shared = d.median + 2 * d.read_ns;
        printf("default + reader on the same CPU  %6.1f  (%.2fx)  = traced median + 2 events read\n", shared,
               shared / u.median);
    }
    return 0;
}
