/*
 * futex.c — sleeping, waking and spinning, shared by the queue and the pool
 * (and spinning on descriptors, for pipes and the manager).
 *
 * Why raw futexes: glibc's process-shared condition variables keep
 * per-waiter state in the shared object (group counters, a "quiesce"
 * handshake between signallers and waiters). A process SIGKILLed inside
 * pthread_cond_wait or pthread_cond_signal leaves that state half-updated,
 * and every later signal or wait can block for good inside glibc, where no
 * timeout reaches (a queue built on them wedged after a few random kills). A
 * futex word holds only a number that waiters compare against: the kernel
 * removes a killed sleeper from its wait list, so a dead waiter leaves
 * nothing behind, and a waker never waits for anybody.
 *
 * The event (mp__event) is a condition variable made of one such word, for
 * state guarded by a robust mutex. Bit 0 says "someone may be asleep"; every
 * change of the word is made under the mutex, and a change wakes all the
 * sleepers and clears the bit. So a sleeper killed in its sleep costs at
 * most one needless wake-up system call, and the bit cannot stay stuck.
 * Waking all (not one) means no wake-up is ever handed to a process that
 * dies before using it. What a kill can still lose is a wake-up that a
 * waker died before sending (between its unlock and the system call):
 * callers cut their sleeps in slices (mp__deadline_slice) and re-check, so
 * that costs a delay of one slice at most, never a hang.
 */
#include "mp_private.h"

#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

int mp__futex_wait(uint32_t *word, uint32_t seen, const mp__deadline *d)
{
    /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, so a retry
     * never stretches the wait. Not FUTEX_PRIVATE_FLAG: the word is in
     * memory shared between processes. */
    const struct timespec *at = d->forever ? NULL : &d->at;
    long r = syscall(SYS_futex, word, FUTEX_WAIT_BITSET, seen, at, NULL, FUTEX_BITSET_MATCH_ANY);
    if (r == 0 || errno == EAGAIN) return 0;
    return -errno; /* -ETIMEDOUT | -EINTR */
}

void mp__futex_wake(uint32_t *word, int n)
{
    syscall(SYS_futex, word, FUTEX_WAKE, n, NULL, NULL, 0);
}

mp__deadline mp__deadline_slice(const mp__deadline *d, double slice)
{
    if (!d->forever && mp__deadline_left(d) <= slice) return *d;
    return mp__deadline_in(slice);
}

/* ------------------------------------------------------------ the event */

uint32_t mp__event_prepare(mp__event *e)
{
    uint32_t w = __atomic_load_n(&e->word, __ATOMIC_RELAXED) | 1u;
    __atomic_store_n(&e->word, w, __ATOMIC_RELAXED);
    return w;
}

bool mp__event_bump(mp__event *e)
{
    uint32_t w = __atomic_load_n(&e->word, __ATOMIC_RELAXED);
    /* Release: a sleeper that sees the new value (and returns at once) sees
     * the state changed before it. */
    __atomic_store_n(&e->word, (w + 2) & ~1u, __ATOMIC_RELEASE);
    return w & 1u;
}

int mp__event_sleep(mp__event *e, uint32_t seen, const mp__deadline *d)
{
    return mp__futex_wait(&e->word, seen, d);
}

void mp__event_wake_all(mp__event *e)
{
    mp__futex_wake(&e->word, INT_MAX);
}

/* ------------------------------------------------------------ spinning */

bool mp__spinning_helps(void)
{
    static int cpus; /* per process; 0 = not asked yet */
    if (!cpus) cpus = mp_cpu_count();
    return cpus > 1;
}

bool mp__spin_until(mp__pred ok, void *arg, uint64_t ns, unsigned yield_every)
{
    uint64_t end = 0;
    for (unsigned i = 1;; i++) {
        if (ok(arg)) return true;
        mp__cpu_relax();
        if (i % 16) continue;
        /* The clock only every 16 rounds: a read costs more than a round. */
        uint64_t now = mp__now_ns();
        if (!end) end = now + ns;
        else if (now >= end) return false;
        if (yield_every && i % (16 * yield_every) == 0) sched_yield();
    }
}

/* Each round is a poll() with no timeout. Why spin on descriptors at all:
 * a reader asleep in poll()/recv() on an idle vCPU is woken by an
 * interrupt to that vCPU (~30 us here); a reader still running sees the
 * bytes about a microsecond after they are written. No sched_yield()
 * between rounds: on a loaded machine a yield hands the CPU to another
 * program for its slice (measured at load 9: a 40 us yielding spin made the
 * unpinned pipe round trip 22-25 us against 10-20 without spinning), and
 * when the peer shares our CPU the misses back the spinning off. */
int mp__spin_poll(struct pollfd *pf, unsigned n, uint64_t ns, mp__spin_hint *h)
{
    if (!ns || !mp__spinning_helps()) return 0;
    if (h->skip) {
        h->skip--;
        return 0;
    }
    uint64_t end = mp__now_ns() + ns;
    do {
        int r = poll(pf, n, 0);
        if (r != 0) {
            h->misses = 0;
            return r;
        }
        mp__cpu_relax();
    } while (mp__now_ns() < end);
    if (h->misses < MP__SPIN_MISSES) h->misses++;
    h->skip = (uint8_t)((1u << h->misses) - 1);
    return 0;
}

bool mp__spin_fd(int fd, short events, uint64_t ns, mp__spin_hint *h)
{
    struct pollfd p = {.fd = fd, .events = events};
    return mp__spin_poll(&p, 1, ns, h) > 0;
}
