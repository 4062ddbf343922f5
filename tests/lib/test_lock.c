/* test_lock.c — Lock: exclusion across processes, timeouts, a holder that
 * dies, releases by the wrong process. */
#include "testutil.h"

#include <mp.h>
#include <pthread.h>
#include <mp_trace.h>
#include <string.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

static mp_lock *lk;
static int to_parent[2], to_child[2];

static void make_pipes(void)
{
    cr_assert_eq(pipe(to_parent), 0);
    cr_assert_eq(pipe(to_child), 0);
}

static void close_pipes(void)
{
    close(to_parent[0]);
    close(to_parent[1]);
    close(to_child[0]);
    close(to_child[1]);
}

/* ------------------------------------------------------- exclusion */

#define WORKERS 4
#define INCREMENTS 100000

static volatile int64_t *counter; /* shared, guarded by lk */

static int add_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++) {
        if (mp_lock_acquire(lk, 30) != 0) return 2;
        int64_t v = *counter; /* a read-modify-write that races without the lock */
        *counter = v + 1;
        if (mp_lock_release(lk) != 0) return 3;
    }
    return 0;
}

Test(lock, four_processes_exact_count, .timeout = 120)
{
    lk = mp_lock_new();
    cr_assert_not_null(lk);
    counter = mmap(NULL, sizeof *counter, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq((void *)counter, MAP_FAILED);
    mp_process *ps[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        ps[i] = mp_process_new(add_many, NULL);
        cr_assert_eq(mp_process_start(ps[i]), 0);
    }
    for (int i = 0; i < WORKERS; i++) {
        cr_assert_eq(mp_process_join(ps[i], 100), 0);
        cr_assert_eq(mp_process_exitcode(ps[i]), 0, "worker %d failed", i);
        mp_process_free(ps[i]);
    }
    cr_assert_eq(*counter, WORKERS * INCREMENTS, "counter is %lld", (long long)*counter);
    munmap((void *)counter, sizeof *counter);
    mp_lock_free(lk);
    tu_assert_no_children();
}

/* ------------------------------------------------- a holder that dies */

static int acquire_and_die(void *arg)
{
    (void)arg;
    if (mp_lock_acquire(lk, 5) != 0) _exit(2);
    _exit(0); /* without releasing */
}

Test(lock, dead_holder_gives_eownerdead_then_works, .timeout = 20)
{
    lk = mp_lock_new();
    cr_assert_not_null(lk);
    mp_process *p = mp_process_new(acquire_and_die, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_eq(mp_process_join(p, 10), 0);
    cr_assert_eq(mp_process_exitcode(p), 0);
    cr_assert_eq(mp_lock_acquire(lk, 1), -EOWNERDEAD);
    /* held by us now, and a normal lock again */
    cr_assert_eq(mp_lock_release(lk), 0);
    cr_assert_eq(mp_lock_acquire(lk, 0), 0);
    cr_assert_eq(mp_lock_release(lk), 0);
    cr_assert_eq(mp_lock_acquire(lk, 1), 0);
    cr_assert_eq(mp_lock_release(lk), 0);
    mp_process_free(p);
    mp_lock_free(lk);
    tu_assert_no_children();
}

/* Holds the lock until the parent writes a byte (or its end closes). */
static int hold_until_told(void *arg)
{
    (void)arg;
    if (mp_lock_acquire(lk, 5) != 0) _exit(2);
    char c = 'h';
    if (write(to_parent[1], &c, 1) != 1) _exit(3);
    if (read(to_child[0], &c, 1) != 1) _exit(4);
    if (c == 'k') _exit(0); /* die holding it */
    _exit(mp_lock_release(lk) == 0 ? 0 : 5);
}

static mp_process *start_holder(void)
{
    mp_process *p = mp_process_new(hold_until_told, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    char c;
    cr_assert_eq(read(to_parent[0], &c, 1), 1, "the child did not get the lock");
    return p;
}

static void tell_child(char c)
{
    cr_assert_eq(write(to_child[1], &c, 1), 1);
}

static int tell_after(void *arg)
{
    usleep(200 * 1000);
    char c = *(char *)arg;
    return write(to_child[1], &c, 1) == 1 ? 0 : 1;
}

Test(lock, blocked_waiter_gets_eownerdead_when_holder_dies, .timeout = 20)
{
    lk = mp_lock_new();
    cr_assert_not_null(lk);
    make_pipes();
    mp_process *holder = start_holder();
    /* A helper tells the holder to die while we are blocked in acquire. */
    char die = 'k';
    mp_process *helper = mp_process_new(tell_after, &die);
    cr_assert_eq(mp_process_start(helper), 0);
    cr_assert_eq(mp_lock_acquire(lk, MP_FOREVER), -EOWNERDEAD);
    cr_assert_eq(mp_lock_release(lk), 0);
    cr_assert_eq(mp_process_join(holder, 10), 0);
    cr_assert_eq(mp_process_join(helper, 10), 0);
    cr_assert_eq(mp_process_exitcode(holder), 0);
    cr_assert_eq(mp_process_exitcode(helper), 0);
    mp_process_free(holder);
    mp_process_free(helper);
    close_pipes();
    mp_lock_free(lk);
    tu_assert_no_children();
}

/* ---------------------------------------------------------- timeouts */

Test(lock, acquire_timeout_and_try, .timeout = 20)
{
    lk = mp_lock_new();
    cr_assert_not_null(lk);
    make_pipes();
    mp_process *holder = start_holder();
    double t0 = tu_now();
    cr_assert_eq(mp_lock_acquire(lk, 0), -ETIMEDOUT, "timeout 0 is a try");
    cr_assert_lt(tu_now() - t0, 0.5);
    t0 = tu_now();
    cr_assert_eq(mp_lock_acquire(lk, 0.1), -ETIMEDOUT);
    double dt = tu_now() - t0;
    cr_assert(dt >= 0.05 && dt < 2.0, "a 0.1 s acquire waited %.3f s", dt);
    cr_assert_eq(mp_lock_release(lk), -EPERM, "another process holds it");
    tell_child('r');
    cr_assert_eq(mp_lock_acquire(lk, 10), 0, "free again once the holder released it");
    cr_assert_eq(mp_lock_release(lk), 0);
    cr_assert_eq(mp_process_join(holder, 10), 0);
    cr_assert_eq(mp_process_exitcode(holder), 0, "the holder's release failed");
    mp_process_free(holder);
    close_pipes();
    mp_lock_free(lk);
    tu_assert_no_children();
}

/* ------------------------------------------------------- misuse, input */

/* lock.c tells "busy with me" (-EDEADLK) from "busy" (-ETIMEDOUT) with a
 * timed lock at a deadline already past, relying on POSIX's EDEADLK for an
 * error-checking mutex: if a C library changed that, this test (self) and
 * acquire_timeout_and_try / try_from_other_thread_is_busy (others) fail. */
Test(lock, release_unheld_and_relock, .timeout = 10)
{
    lk = mp_lock_new();
    cr_assert_not_null(lk);
    cr_assert_eq(mp_lock_release(lk), -EPERM);
    cr_assert_eq(mp_lock_acquire(lk, 1), 0);
    cr_assert_eq(mp_lock_acquire(lk, 0.05), -EDEADLK, "the caller already holds it");
    cr_assert_eq(mp_lock_acquire(lk, 0), -EDEADLK, "a try on a lock the caller holds");
    cr_assert_eq(mp_lock_release(lk), 0);
    cr_assert_eq(mp_lock_release(lk), -EPERM, "released twice");
    mp_lock_free(lk);
}

Test(lock, bad_input, .timeout = 10)
{
    cr_assert_eq(mp_lock_acquire(NULL, 0), -EINVAL);
    cr_assert_eq(mp_lock_release(NULL), -EINVAL);
    mp_lock_free(NULL);
}

/* ------------------------------------------------------------ trace */

/* What the viewer's locks panel is built from, including "owner died". */
Test(lock, trace_events, .timeout = 20)
{
    struct mp_trace_ring *ring = mp_trace_ring_create(256);
    cr_assert_not_null(ring);
    cr_assert_eq(mp_trace_attach(ring), 0);
    lk = mp_lock_new();
    cr_assert_eq(mp_lock_acquire(lk, 0), 0);
    cr_assert_eq(mp_lock_release(lk), 0);
    mp_process *p = mp_process_new(acquire_and_die, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_eq(mp_process_join(p, 10), 0);
    cr_assert_eq(mp_lock_acquire(lk, 1), -EOWNERDEAD);
    cr_assert_eq(mp_lock_release(lk), 0);
    mp_trace_detach();
    mp_process_free(p);
    mp_lock_free(lk);

    struct mp_trace_event ev[256];
    size_t n = mp_trace_ring_read(ring, ev, 256);
    int news = 0, acquires = 0, died = 0, releases = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == MP_EV_LOCK_NEW) {
            news++;
            cr_assert_str_eq(ev[i].text, "lock");
        }
        if (ev[i].kind == MP_EV_LOCK_ACQUIRE) {
            acquires++;
            died += ev[i].b == 1;
        }
        releases += ev[i].kind == MP_EV_LOCK_RELEASE;
    }
    cr_assert_eq(news, 1);
    cr_assert_eq(acquires, 3, "ours twice and the child's once");
    cr_assert_eq(died, 1, "one acquire found its holder dead");
    cr_assert_eq(releases, 2);
    mp_trace_ring_free(ring);
    tu_assert_no_children();
}

static const struct mp_trace_event *find_ev(const struct mp_trace_event *ev, size_t n, size_t from, unsigned kind)
{
    for (size_t i = from; i < n; i++)
        if (ev[i].kind == kind && ev[i].pid == getpid()) return &ev[i];
    return NULL;
}

/* "ns held" and "ns waited" are the distance between the events' own
 * stamps (each is one clock reading), and at least the time slept. */
Test(lock, trace_durations_match_event_times, .timeout = 20)
{
    struct mp_trace_ring *ring = mp_trace_ring_create(256);
    cr_assert_not_null(ring);
    cr_assert_eq(mp_trace_attach(ring), 0);
    make_pipes();
    lk = mp_lock_new();
    cr_assert_not_null(lk);
    cr_assert_eq(mp_lock_acquire(lk, 0), 0);
    usleep(20000);
    cr_assert_eq(mp_lock_release(lk), 0);

    mp_process *p = mp_process_new(hold_until_told, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    char c;
    cr_assert_eq(read(to_parent[0], &c, 1), 1);
    cr_assert_eq(mp_lock_acquire(lk, 0.05), -ETIMEDOUT);
    cr_assert_eq(write(to_child[1], "r", 1), 1);
    cr_assert_eq(mp_process_join(p, 10), 0);
    cr_assert_eq(mp_process_exitcode(p), 0);
    mp_trace_detach();
    mp_process_free(p);
    mp_lock_free(lk);
    close_pipes();

    struct mp_trace_event ev[256];
    size_t n = mp_trace_ring_read(ring, ev, 256);
    const struct mp_trace_event *acq = find_ev(ev, n, 0, MP_EV_LOCK_ACQUIRE);
    cr_assert_not_null(acq);
    const struct mp_trace_event *rel = find_ev(ev, n, (size_t)(acq - ev), MP_EV_LOCK_RELEASE);
    cr_assert_not_null(rel);
    cr_assert_eq(acq->a, 0, "no wait");
    cr_assert_eq((uint64_t)rel->a, rel->t_ns - acq->t_ns, "held %lld", (long long)rel->a);
    cr_assert_geq(rel->a, 20000000, "held at least the 20 ms slept");
    cr_assert_lt(rel->a, 2000000000);

    const struct mp_trace_event *wait = find_ev(ev, n, 0, MP_EV_LOCK_WAIT);
    cr_assert_not_null(wait, "the child held the lock: we waited");
    const struct mp_trace_event *gave_up = find_ev(ev, n, (size_t)(wait - ev), MP_EV_LOCK_TIMEOUT);
    cr_assert_not_null(gave_up);
    cr_assert_eq((uint64_t)gave_up->a, gave_up->t_ns - wait->t_ns, "waited %lld", (long long)gave_up->a);
    cr_assert_geq(gave_up->a, 40000000, "waited about the 50 ms timeout");
    cr_assert_lt(gave_up->a, 2000000000);
    mp_trace_ring_free(ring);
    tu_assert_no_children();
}

/* A try by another thread of the holder's process is busy, not a self-deadlock. */
static void *try_from_thread(void *arg)
{
    return (void *)(long)mp_lock_acquire(arg, 0);
}

Test(lock, try_from_other_thread_is_busy, .timeout = 10)
{
    lk = mp_lock_new();
    cr_assert_not_null(lk);
    cr_assert_eq(mp_lock_acquire(lk, 1), 0);
    pthread_t t;
    void *r;
    cr_assert_eq(pthread_create(&t, NULL, try_from_thread, lk), 0);
    pthread_join(t, &r);
    cr_assert_eq((int)(long)r, -ETIMEDOUT, "another thread's try got %d", (int)(long)r);
    cr_assert_eq(mp_lock_release(lk), 0);
    mp_lock_free(lk);
}
