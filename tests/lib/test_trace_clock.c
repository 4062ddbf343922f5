/*
 * test_trace_clock.c — the trace's clock and the merge of writers' slices:
 * events of processes on different CPUs come out in causal order, the
 * calibration travels with a recording so a later reader converts it, and
 * the conversion arithmetic itself. Both clocks are tried: the default
 * (the time-stamp counter where usable) and MP_TRACE_CLOCK=monotonic.
 * Nothing here depends on speed.
 */
#include "mp_private.h"
#include "testutil.h"

#include <inttypes.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLOCK_EMIT_ENV "FORKLAB_TEST_CLOCK_EMIT"

/* Re-exec'd with MP_TRACE=path (see record_and_read): emit n notes "r i"
 * from this process and a child, then exit so the final drain runs. */
static int emit_r_notes(void *arg)
{
    long n = *(long *)arg;
    for (long i = 0; i < n; i++) mp_trace_note("r %ld", i);
    return 0;
}

__attribute__((constructor)) static void clock_helper_mode(void)
{
    const char *s = getenv(CLOCK_EMIT_ENV);
    if (!s) return;
    long n = strtol(s, NULL, 10);
    mp_process *p = mp_process_new(emit_r_notes, &n);
    if (!p || mp_process_start(p) < 0) exit(3);
    if (mp_process_join(p, 30) < 0 || mp_process_exitcode(p) != 0) exit(4);
    emit_r_notes(&n);
    mp_process_free(p);
    exit(0);
}

static void use_clock(bool monotonic)
{
    if (monotonic) setenv("MP_TRACE_CLOCK", "monotonic", 1);
    else unsetenv("MP_TRACE_CLOCK");
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ ordering */

#define ORDER_WRITERS 4
#define ORDER_ROUNDS 2000

struct order_shared {
    _Atomic long counter;
    int cpu[ORDER_WRITERS]; /* where each writer ran its last round */
};

struct order_arg {
    struct order_shared *sh;
    mp_lock *lock;
    mp_value *val;
    int idx, ncpu;
};

/* Pinned to CPU idx % ncpu: under the lock, take the counter's next value
 * and write it to a shared value (a MEM_WRITE event, stamped without a
 * fence: the lock's hand-off orders it) and in a note (stamped after a
 * fence). Both are stamped inside the critical section, so stamp order
 * must be counter order whatever CPU each writer is on. */
static int order_writer(void *p)
{
    struct order_arg *a = p;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(a->idx % a->ncpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0) return 2;
    for (int i = 0; i < ORDER_ROUNDS; i++) {
        if (mp_lock_acquire(a->lock, -1) < 0) return 3;
        long v = atomic_fetch_add(&a->sh->counter, 1);
        if (mp_value_set_i64(a->val, v) < 0) return 5;
        mp_trace_note("c %ld", v);
        if (mp_lock_release(a->lock) < 0) return 4;
    }
    a->sh->cpu[a->idx] = sched_getcpu();
    return 0;
}

static void order_across_cpus(bool monotonic)
{
    use_clock(monotonic);
    int ncpu = mp_cpu_count();
    cr_assert_gt(ncpu, 0);
    if (ncpu > 2) ncpu = 2;
    struct order_shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(sh, MAP_FAILED);
    memset(sh, 0xff, sizeof *sh);
    atomic_store(&sh->counter, 0);
    mp_lock *lock = mp_lock_new();
    cr_assert_not_null(lock);
    mp_value *val = mp_value_new('q');
    cr_assert_not_null(val);
    struct mp_trace_ring *r = mp_trace_ring_create(1u << 17);
    cr_assert_not_null(r);
    struct mp_trace_clock clock = mp_trace_ring_clock(r);
    if (monotonic) cr_assert_eq(clock.kind, MP_TRACE_CLOCK_NS);
    cr_assert_eq(mp_trace_attach(r), 0);
    struct order_arg args[ORDER_WRITERS];
    mp_process *p[ORDER_WRITERS];
    for (int i = 0; i < ORDER_WRITERS; i++) {
        args[i] = (struct order_arg){.sh = sh, .lock = lock, .val = val, .idx = i, .ncpu = ncpu};
        p[i] = mp_process_new(order_writer, &args[i]);
        cr_assert_eq(mp_process_start(p[i]), 0);
    }
    for (int i = 0; i < ORDER_WRITERS; i++) {
        cr_assert_eq(mp_process_join(p[i], 60), 0);
        cr_assert_eq(mp_process_exitcode(p[i]), 0, "writer %d", i);
    }
    mp_trace_detach();
    for (int i = 0; i < ORDER_WRITERS; i++)
        cr_assert_eq(sh->cpu[i], i % ncpu, "writer %d ran on CPU %d, pinned to %d", i, sh->cpu[i], i % ncpu);

    size_t cap = 1u << 17, n = 0, got;
    struct mp_trace_event *ev = malloc(cap * sizeof *ev);
    cr_assert_not_null(ev);
    while (n < cap && (got = mp_trace_ring_read(r, ev + n, cap - n)) > 0) n += got;
    cr_assert_eq(mp_trace_ring_dropped(r), 0);
    long next = 0, next_write = 0;
    for (size_t k = 0; k < n; k++) {
        if (k) cr_assert_geq(ev[k].t_ns, ev[k - 1].t_ns, "the reader merges by time (event %zu)", k);
        if (ev[k].kind == MP_EV_MEM_WRITE) {
            cr_assert_eq(ev[k].b, next_write, "%s clock: value %lld written where %ld was due (pid %d)",
                         monotonic ? "monotonic" : "default", (long long)ev[k].b, next_write, ev[k].pid);
            next_write++;
        }
        long v;
        if (ev[k].kind != MP_EV_NOTE || sscanf(ev[k].text, "c %ld", &v) != 1) continue;
        cr_assert_eq(v, next, "%s clock: counter value %ld read back where %ld was due (pid %d)",
                     monotonic ? "monotonic" : "default", v, next, ev[k].pid);
        next++;
    }
    cr_assert_eq(next, ORDER_WRITERS * ORDER_ROUNDS, "every note came back");
    cr_assert_eq(next_write, ORDER_WRITERS * ORDER_ROUNDS, "every write came back");
    free(ev);
    for (int i = 0; i < ORDER_WRITERS; i++) mp_process_free(p[i]);
    mp_lock_free(lock);
    mp_value_free(val);
    mp_trace_ring_free(r);
    munmap(sh, sizeof *sh);
    unsetenv("MP_TRACE_CLOCK");
    tu_assert_no_children();
}

Test(trace_clock, four_writers_on_both_cpus_read_back_in_counter_order, .timeout = 120.)
{
    order_across_cpus(false);
}

Test(trace_clock, four_writers_in_counter_order_with_the_monotonic_clock, .timeout = 120.)
{
    order_across_cpus(true);
}

/* Two processes on two CPUs pass a turn back and forth through a plain
 * shared word, each noting the turn it saw as soon as it sees it. This is
 * where an unordered time-stamp counter read goes wrong (the read runs
 * ahead of the load that saw the turn, measured up to ~150 ns here): the
 * notes must still come back in turn order. */
#define TURNS 20000

struct turn_arg {
    _Atomic long *turn;
    int me, ncpu;
};

static int turn_taker(void *p)
{
    struct turn_arg *a = p;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(a->me % a->ncpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0) return 2;
    double give_up = tu_now() + 60; /* never spin on after the test is gone */
    for (;;) {
        long t;
        for (unsigned spins = 1; (t = atomic_load(a->turn)) % 2 != a->me; spins++) {
            if (a->ncpu == 1) sched_yield();
            if (!(spins & 0xffff) && tu_now() > give_up) return 6;
        }
        if (t < TURNS) mp_trace_note("t %ld", t); /* before the turn is passed on */
        atomic_store(a->turn, t + 1); /* past the end, this lets the other one see the end too */
        if (t >= TURNS) return 0;
    }
}

static void turns_in_order(bool monotonic)
{
    use_clock(monotonic);
    int ncpu = mp_cpu_count();
    if (ncpu > 2) ncpu = 2;
    _Atomic long *turn = mmap(NULL, sizeof *turn, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(turn, MAP_FAILED);
    atomic_store(turn, 0);
    struct mp_trace_ring *r = mp_trace_ring_create(1u << 17);
    cr_assert_not_null(r);
    cr_assert_eq(mp_trace_attach(r), 0);
    struct turn_arg args[2];
    mp_process *p[2];
    for (int i = 0; i < 2; i++) {
        args[i] = (struct turn_arg){.turn = turn, .me = i, .ncpu = ncpu};
        p[i] = mp_process_new(turn_taker, &args[i]);
        cr_assert_eq(mp_process_start(p[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(mp_process_join(p[i], 60), 0);
        cr_assert_eq(mp_process_exitcode(p[i]), 0);
    }
    mp_trace_detach();
    size_t cap = 1u << 17, n = 0, got;
    struct mp_trace_event *ev = malloc(cap * sizeof *ev);
    cr_assert_not_null(ev);
    while (n < cap && (got = mp_trace_ring_read(r, ev + n, cap - n)) > 0) n += got;
    cr_assert_eq(mp_trace_ring_dropped(r), 0);
    long next = 0;
    for (size_t k = 0; k < n; k++) {
        long t;
        if (ev[k].kind != MP_EV_NOTE || sscanf(ev[k].text, "t %ld", &t) != 1) continue;
        cr_assert_eq(t, next, "%s clock: turn %ld read back where %ld was due",
                     monotonic ? "monotonic" : "default", t, next);
        next++;
    }
    cr_assert_eq(next, TURNS);
    free(ev);
    for (int i = 0; i < 2; i++) mp_process_free(p[i]);
    mp_trace_ring_free(r);
    munmap(turn, sizeof *turn);
    unsetenv("MP_TRACE_CLOCK");
    tu_assert_no_children();
}

Test(trace_clock, a_turn_passed_between_cpus_reads_back_in_turn_order, .timeout = 120.)
{
    turns_in_order(false);
}

Test(trace_clock, a_turn_passed_between_cpus_in_order_with_the_monotonic_clock, .timeout = 120.)
{
    turns_in_order(true);
}

/* ------------------------------------------------------------ recordings */

static char rec_path[64];

static void remove_recording(void)
{
    if (rec_path[0]) unlink(rec_path);
}

/* A helper process records n notes from itself and a child to a file with
 * MP_TRACE; after it has exited, this process reads the file with nothing
 * but what the file holds. */
static void record_and_read(bool monotonic)
{
    snprintf(rec_path, sizeof rec_path, "/tmp/forklab-test-clock-XXXXXX");
    int tmp = mkstemp(rec_path);
    cr_assert_geq(tmp, 0);
    close(tmp);
    const long n = 3000;
    uint64_t before = mono_ns();
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        char num[32];
        snprintf(num, sizeof num, "%ld", n);
        setenv(CLOCK_EMIT_ENV, num, 1);
        setenv("MP_TRACE", rec_path, 1);
        unsetenv("MP_TRACE_FD");
        use_clock(monotonic);
        execl("/proc/self/exe", "trace-clock-helper", (char *)NULL);
        _exit(127);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "helper status %d", status);
    uint64_t after = mono_ns();

    FILE *f = fopen(rec_path, "rb");
    cr_assert_not_null(f);
    char magic[8];
    uint32_t ver_size[2];
    struct mp_trace_clock_block block;
    cr_assert_eq(fread(magic, 8, 1, f), 1);
    cr_assert_eq(fread(ver_size, sizeof ver_size, 1, f), 1);
    cr_assert_eq(ver_size[0], MP_TRACE_VERSION);
    cr_assert_eq(fread(&block, sizeof block, 1, f), 1);
    struct mp_trace_clock clock;
    cr_assert_eq(mp_trace_clock_block_parse(&block, &clock), 0, "the file carries its clock");
    if (monotonic) cr_assert_eq(clock.kind, MP_TRACE_CLOCK_NS);
    struct mp_trace_event ev;
    long notes = 0, per[2] = {0, 0};
    int pids[2] = {0, 0};
    uint64_t last = 0;
    while (fread(&ev, sizeof ev, 1, f) == 1) {
        mp_trace_event_to_ns(&clock, &ev);
        cr_assert_geq(ev.t_ns, before, "%s: event stamped %" PRIu64 " ns before the writer started",
                      mp_ev_name(ev.kind), before - ev.t_ns);
        cr_assert_leq(ev.t_ns, after, "%s: event stamped %" PRIu64 " ns after the writer ended", mp_ev_name(ev.kind),
                      ev.t_ns - after);
        cr_assert_geq(ev.t_ns, last, "the file is in time order");
        last = ev.t_ns;
        long seq;
        if (ev.kind != MP_EV_NOTE || sscanf(ev.text, "r %ld", &seq) != 1) continue;
        int k = pids[0] == 0 || pids[0] == ev.pid ? 0 : 1;
        if (!pids[k]) pids[k] = ev.pid;
        cr_assert_eq(pids[k], ev.pid, "notes from two processes only");
        cr_assert_eq(seq, per[k], "pid %d: note %ld came as #%ld", ev.pid, seq, per[k]);
        per[k]++;
        notes++;
    }
    fclose(f);
    unlink(rec_path);
    cr_assert_eq(notes, 2 * n);
    tu_assert_no_children();
}

Test(trace_clock, a_recording_converts_when_read_later, .timeout = 60., .fini = remove_recording)
{
    record_and_read(false);
}

Test(trace_clock, a_monotonic_recording_reads_as_it_is, .timeout = 60., .fini = remove_recording)
{
    record_and_read(true);
}

/* ------------------------------------------------------------ arithmetic */

Test(trace_clock, conversion_and_spans, .timeout = 10.)
{
    /* 0.5 ns a tick: mult = 0.5 << 32 */
    struct mp_trace_clock c = {.kind = MP_TRACE_CLOCK_TSC, .shift = 32, .tsc0 = 1000, .ns0 = 5000000000ull,
                               .mult = 1ull << 31};
    cr_assert_eq(mp_trace_clock_ns(&c, 1000), 5000000000ull);
    cr_assert_eq(mp_trace_clock_ns(&c, 3000), 5000001000ull);
    cr_assert_eq(mp_trace_clock_ns(&c, 500), 4999999750ull, "before the anchor counts back");
    cr_assert_eq(mp_trace_clock_ns(&c, 1ull << 62), 5000000000ull + ((1ull << 62) - 1000) / 2, "no overflow");
    struct mp_trace_clock ns = {.kind = MP_TRACE_CLOCK_NS};
    cr_assert_eq(mp_trace_clock_ns(&ns, 12345), 12345);
    cr_assert_eq(mp_trace_clock_ns(NULL, 12345), 12345);

    /* A span converts as the difference of its ends; other a stay. */
    struct mp_trace_event acq = {.t_ns = 3000, .a = 0, .kind = MP_EV_LOCK_ACQUIRE, .reserved = MP_EVR_A_SPAN};
    struct mp_trace_event rel = {.t_ns = 3007, .a = 7, .kind = MP_EV_LOCK_RELEASE, .reserved = MP_EVR_A_SPAN};
    struct mp_trace_event plain = {.t_ns = 3007, .a = 7, .kind = MP_EV_LOCK_RELEASE};
    mp_trace_event_to_ns(&c, &acq);
    mp_trace_event_to_ns(&c, &rel);
    mp_trace_event_to_ns(&c, &plain);
    cr_assert_eq((uint64_t)rel.a, rel.t_ns - acq.t_ns, "held %lld", (long long)rel.a);
    cr_assert_eq(rel.reserved, 0);
    cr_assert_eq(plain.a, 7);
    cr_assert_eq(acq.a, 0);
}

Test(trace_clock, clock_blocks_round_trip_and_bad_ones_are_refused, .timeout = 10.)
{
    struct mp_trace_clock c = {.kind = MP_TRACE_CLOCK_TSC, .shift = 32, .tsc0 = 77, .ns0 = 99, .mult = 123456789};
    struct mp_trace_clock_block b;
    struct mp_trace_clock out;
    mp_trace_clock_block_make(&b, &c);
    cr_assert_eq(mp_trace_clock_block_parse(&b, &out), 0);
    cr_assert_eq(memcmp(&out, &c, sizeof c), 0);
    /* Read as an event, a block is of kind NONE: readers that step over
     * records see nothing of it. */
    struct mp_trace_event as_event;
    memcpy(&as_event, &b, sizeof b);
    cr_assert_eq(as_event.kind, MP_EV_NONE);
    mp_trace_clock_block_make(&b, NULL);
    cr_assert_eq(mp_trace_clock_block_parse(&b, &out), 0);
    cr_assert_eq(out.kind, MP_TRACE_CLOCK_NS);

    mp_trace_clock_block_make(&b, &c);
    b.magic[0] = 'X';
    cr_assert_eq(mp_trace_clock_block_parse(&b, &out), -EINVAL);
    mp_trace_clock_block_make(&b, &c);
    b.kind = 7;
    cr_assert_eq(mp_trace_clock_block_parse(&b, &out), -EINVAL);
    mp_trace_clock_block_make(&b, &c);
    b.mult = 0;
    cr_assert_eq(mp_trace_clock_block_parse(&b, &out), -EINVAL);
    mp_trace_clock_block_make(&b, &c);
    b.shift = 64;
    cr_assert_eq(mp_trace_clock_block_parse(&b, &out), -EINVAL);
    mp_trace_clock_block_make(&b, &c);
    b.zero = 1;
    cr_assert_eq(mp_trace_clock_block_parse(&b, &out), -EINVAL);
    cr_assert_eq(mp_trace_clock_block_parse(NULL, &out), -EINVAL);
}
