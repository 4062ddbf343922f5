/*
 * trace_clock.c — the trace's clock (mp_trace.h): which counter stamps
 * events, its calibration against CLOCK_MONOTONIC, and the conversion
 * readers apply.
 *
 * Why the time-stamp counter: a traced lock pair used to spend about half
 * its time in two clock_gettime() calls (about 45 ns each here). The vDSO
 * reads the same counter, but always ordered (lfence or rdtscp, which waits
 * for every earlier instruction) and scaled; trace.c reads it bare where an
 * early reading cannot break causal order and fences only the other
 * events (ring_stamp_fenced), and readers do the scaling. It is used only where it is one clock
 * for the whole machine: x86-64, CPUID says the counter is invariant
 * (constant rate, never stops), and the kernel itself keeps
 * CLOCK_MONOTONIC with it (clocksource "tsc": the kernel checked that the
 * CPUs' counters agree, and keeps checking). Anything else, or
 * MP_TRACE_CLOCK=monotonic in the environment of the process that makes the
 * ring, stamps CLOCK_MONOTONIC ns as before.
 *
 * The calibration is one line, ns = ns0 + (stamp - tsc0) * mult >> 32,
 * stored in the ring (and in a recording's file header), so every process
 * and every later reader converts the same way: events of different
 * processes compare in time as their stamps do. The anchor (tsc0, ns0) is
 * taken when the ring is made; the rate is measured once per process over
 * 10 ms (each end the middle of the tightest of 9 rdtsc pairs around a
 * clock_gettime), within a few parts per million of the kernel's.
 */
#include "mp_private.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

#define CAL_SHIFT 32
#define CAL_SPAN_NS 10000000L /* 10 ms between the two ends of the rate measurement */

#if defined(__x86_64__)
/* A (tsc, ns) pair: ns read between two rdtsc, the tightest of 9. */
static void tsc_pair(uint64_t *tsc, uint64_t *ns)
{
    uint64_t best = UINT64_MAX;
    *tsc = *ns = 0;
    for (int i = 0; i < 9; i++) {
        uint64_t a = __rdtsc();
        uint64_t t = mp__now_ns();
        uint64_t b = __rdtsc();
        if (b - a < best) {
            best = b - a;
            *tsc = a + (b - a) / 2;
            *ns = t;
        }
    }
}

static bool kernel_uses_tsc(void)
{
    char buf[32] = "";
    int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n >= 3 && !strncmp(buf, "tsc", 3) && (buf[3] == '\n' || buf[3] == '\0');
}

static bool tsc_invariant(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u) return false;
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    return (d >> 8) & 1u;
}
#endif

/* The counter's rate as mult (ns per tick << CAL_SHIFT), measured once per
 * process; 0 when the counter is not usable here. */
static uint64_t tsc_mult(void)
{
#if defined(__x86_64__)
    static int state; /* 0 unknown, 1 usable, -1 not */
    static uint64_t mult;
    if (state == 0) {
        state = -1;
        if (tsc_invariant() && kernel_uses_tsc()) {
            uint64_t t0 = 0, n0 = 0, t1 = 0, n1 = 0;
            tsc_pair(&t0, &n0);
            struct timespec span = {0, CAL_SPAN_NS};
            while (nanosleep(&span, &span) < 0) {}
            tsc_pair(&t1, &n1);
            if (t1 > t0 && n1 > n0) {
                mult = (uint64_t)((((unsigned __int128)(n1 - n0)) << CAL_SHIFT) / (t1 - t0));
                state = mult ? 1 : -1;
            }
        }
    }
    return state > 0 ? mult : 0;
#else
    return 0;
#endif
}

void mp__trace_clock_calibrate(struct mp_trace_clock *c)
{
    memset(c, 0, sizeof *c);
    const char *want = getenv("MP_TRACE_CLOCK");
    uint64_t mult = want && !strcmp(want, "monotonic") ? 0 : tsc_mult();
    if (!mult) return; /* MP_TRACE_CLOCK_NS */
#if defined(__x86_64__)
    c->kind = MP_TRACE_CLOCK_TSC;
    c->shift = CAL_SHIFT;
    c->mult = mult;
    tsc_pair(&c->tsc0, &c->ns0);
#endif
}

/* One stamp to ns, the calibration in locals (callers read it once). */
static inline uint64_t stamp_to_ns(uint64_t stamp, uint64_t tsc0, uint64_t ns0, uint64_t mult, unsigned shift)
{
    if (__builtin_expect(stamp >= tsc0, 1)) return ns0 + (uint64_t)(((unsigned __int128)(stamp - tsc0) * mult) >> shift);
    uint64_t back = (uint64_t)(((unsigned __int128)(tsc0 - stamp) * mult) >> shift);
    return back < ns0 ? ns0 - back : 0;
}

uint64_t mp_trace_clock_ns(const struct mp_trace_clock *c, uint64_t stamp)
{
    if (!c || c->kind != MP_TRACE_CLOCK_TSC || c->shift > 63) return stamp;
    return stamp_to_ns(stamp, c->tsc0, c->ns0, c->mult, c->shift);
}

/* ns as a stamp of clock c (for callers that hold a CLOCK_MONOTONIC time). */
uint64_t mp__trace_clock_from_ns(const struct mp_trace_clock *c, uint64_t ns)
{
    if (!c || c->kind != MP_TRACE_CLOCK_TSC || !c->mult || c->shift > 63) return ns;
    if (ns >= c->ns0) return c->tsc0 + (uint64_t)((((unsigned __int128)(ns - c->ns0)) << c->shift) / c->mult);
    uint64_t back = (uint64_t)((((unsigned __int128)(c->ns0 - ns)) << c->shift) / c->mult);
    return back < c->tsc0 ? c->tsc0 - back : 0;
}

/* The reader converts every event it takes: a call per event, reading the
 * calibration from the shared ring each time, cost as much as copying the
 * event out, so the calibration is read once per batch. Stamps of the
 * ns clock are ns already: only their span flag is cleared. */
void mp__trace_events_to_ns(const struct mp_trace_clock *c, struct mp_trace_event *ev, size_t n)
{
    bool tsc = c && c->kind == MP_TRACE_CLOCK_TSC && c->shift <= 63;
    const uint64_t tsc0 = tsc ? c->tsc0 : 0, ns0 = tsc ? c->ns0 : 0, mult = tsc ? c->mult : 0;
    const unsigned shift = tsc ? c->shift : 0;
    for (size_t i = 0; i < n; i++) {
        if (!tsc && !ev[i].reserved) continue; /* ns already */
        uint64_t t = ev[i].t_ns;
        if (tsc) ev[i].t_ns = stamp_to_ns(t, tsc0, ns0, mult, shift);
        /* A span converts as the difference of its two ends, so that spans
         * and event times stay exact against each other (held = release -
         * acquire). */
        if ((ev[i].reserved & MP_EVR_A_SPAN) && ev[i].a > 0) {
            uint64_t start = (uint64_t)ev[i].a <= t ? t - (uint64_t)ev[i].a : 0;
            ev[i].a = (int64_t)(ev[i].t_ns - (tsc ? stamp_to_ns(start, tsc0, ns0, mult, shift) : start));
        }
        ev[i].reserved = 0;
    }
}

void mp_trace_event_to_ns(const struct mp_trace_clock *c, struct mp_trace_event *ev)
{
    if (ev) mp__trace_events_to_ns(c, ev, 1);
}

void mp_trace_clock_block_make(struct mp_trace_clock_block *b, const struct mp_trace_clock *c)
{
    memset(b, 0, sizeof *b);
    memcpy(b->magic, MP_TRACE_CLOCK_MAGIC, 8);
    if (!c || c->kind != MP_TRACE_CLOCK_TSC) return; /* kind 0: ns */
    b->kind = c->kind;
    b->shift = c->shift;
    b->tsc0 = c->tsc0;
    b->ns0 = c->ns0;
    b->mult = c->mult;
}

int mp_trace_clock_block_parse(const struct mp_trace_clock_block *b, struct mp_trace_clock *c)
{
    if (!b || !c || memcmp(b->magic, MP_TRACE_CLOCK_MAGIC, 8) || b->zero) return -EINVAL;
    if (b->kind == MP_TRACE_CLOCK_NS) {
        memset(c, 0, sizeof *c);
        return 0;
    }
    if (b->kind != MP_TRACE_CLOCK_TSC || b->shift > 63 || !b->mult) return -EINVAL;
    *c = (struct mp_trace_clock){.kind = b->kind, .shift = b->shift, .tsc0 = b->tsc0, .ns0 = b->ns0, .mult = b->mult};
    return 0;
}
