/*
 * lock.c — Lock(): a robust, process-shared mutex in shared memory.
 *
 * Robust: when the holder dies, the kernel hands the mutex to the next
 * waiter with EOWNERDEAD; we mark it consistent at once and tell the caller
 * (-EOWNERDEAD), so the lock stays usable (Python's Lock deadlocks there).
 * Error-checking: releasing a lock the caller does not hold is -EPERM.
 * Uncontended acquire/release cost one atomic each; a busy lock is retried
 * briefly before sleeping, because waking a process on the other CPU costs
 * tens of microseconds here.
 */
#include "mp_private.h"

#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

/* The spin before sleeping on a busy lock: SPIN_TRIES trylocks, with
 * pauses between two tries doubling from BACKOFF_MIN up to BACKOFF_MAX (a
 * pause is about 26 ns here), so about 25 us in all, and a sched_yield
 * every 16 tries. Each failed trylock takes the lock's cache line from the
 * holder, who needs it back to release: with one pause between tries, two
 * processes on two CPUs incrementing under the lock made 14-21 M ops/s;
 * with the backoff 29-42 M (bench_mp lock_contended_ops_s unpinned, 6 runs
 * each; the raw pthread mutex 38 M), 70-73 M pinned (was 50-72 M), and the
 * same within noise when the lock is held 0.5, 2 or 20 us with as long
 * outside (two processes pinned to the two CPUs). */
#define SPIN_TRIES 32
#define BACKOFF_MIN 4
#define BACKOFF_MAX 32

int mp__mutex_init(pthread_mutex_t *m)
{
    pthread_mutexattr_t a;
    int r = pthread_mutexattr_init(&a);
    if (r) return -r;
    if ((r = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)) ||
        (r = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST)) ||
        (r = pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK)) ||
        (r = pthread_mutex_init(m, &a))) {
        pthread_mutexattr_destroy(&a);
        return -r;
    }
    pthread_mutexattr_destroy(&a);
    return 0;
}

/* A holder died: make the mutex usable again and report it. */
static int owner_died(pthread_mutex_t *m)
{
    pthread_mutex_consistent(m);
    return -EOWNERDEAD;
}

int mp__mutex_lock(pthread_mutex_t *m, const mp__deadline *d)
{
    int r = d->forever ? pthread_mutex_lock(m)
                       : pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &d->at);
    if (r == EOWNERDEAD) return owner_died(m);
    return -r;
}

int mp__lock_init(struct mp_lock *l, const char *what)
{
    int r = mp__mutex_init(&l->mutex);
    if (r) return r;
    l->id = mp__obj_id();
    l->creator = mp__pid();
    l->holder = 0;
    l->acquired_ns = 0;
    l->handoff = 0;
    MP__TRACE(MP_EV_LOCK_NEW, l->id, 0, 0, what);
    return 0;
}

void mp__lock_destroy(struct mp_lock *l)
{
    if (l->creator == mp__pid()) pthread_mutex_destroy(&l->mutex);
}

mp_lock *mp_lock_new(void)
{
    mp_lock *l = mp__shm_alloc(sizeof *l);
    if (!l) return NULL;
    int r = mp__lock_init(l, "lock");
    if (r) {
        mp__shm_free(l, sizeof *l);
        errno = -r;
        return NULL;
    }
    return l;
}

/* When tracing, one clock reading serves as the event's time, the end of
 * "ns waited" (wait_start is 0 when there was no wait) and the start of
 * "ns held": all trace-clock stamps, which the reader turns into ns. */
static int took(mp_lock *l, int r, uint64_t wait_start)
{
    l->holder = mp__pid();
    if (__builtin_expect(mp__trace_on, 0)) {
        mp__trace_follow(&l->handoff);
        l->acquired_ns = mp__trace_emit_since(MP_EV_LOCK_ACQUIRE, l->id, wait_start, r == -EOWNERDEAD);
    }
    return r;
}

/* After a busy trylock: is the caller the holder? trylock cannot tell
 * "busy" from "busy with me", but a timed lock of an error-checking mutex
 * can, through the public API only: POSIX has it fail with EDEADLK when
 * the caller owns the mutex, and glibc checks that before it waits. With a
 * deadline already past it never sleeps: it returns EDEADLK (ours),
 * ETIMEDOUT (someone else's), or takes a mutex freed meanwhile (0, or
 * EOWNERDEAD). It is not free (glibc marks the mutex contended and makes a
 * futex call, so the holder's unlock makes one too), so it runs only when
 * our own holder record says this process holds the lock: took() sets it
 * after every acquire and only the holder clears it, so when it names
 * another pid (or none) the caller cannot be the owner. (This used to read
 * the owner's thread id out of glibc's private __data.__lock; test_lock's
 * self-deadlock and other-thread tests catch either breaking.) */
static int try_or_deadlk(mp_lock *l)
{
    static const struct timespec past = {0, 0};
    if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) != mp__pid()) return ETIMEDOUT;
    return pthread_mutex_clocklock(&l->mutex, CLOCK_MONOTONIC, &past);
}

/* A controlled run granted a wait that cannot complete as its timeout. */
__attribute__((noinline)) static int gate_timed_out(mp_lock *l)
{
    mp__trace_emit(MP_EV_LOCK_TIMEOUT, l->id, 0, 0, NULL);
    return -ETIMEDOUT;
}

int mp_lock_acquire(mp_lock *l, double timeout)
{
    if (!l) return -EINVAL;
    if (MP__GATE_WAIT(MP_GOP_LOCK_ACQUIRE, l->id, 0, 0, timeout) == MP_GRANT_TIMEOUT) return gate_timed_out(l);
    int r = pthread_mutex_trylock(&l->mutex);
    if (r == 0) return took(l, 0, 0);
    if (r == EOWNERDEAD) return took(l, owner_died(&l->mutex), 0);
    if (r != EBUSY) return -r;
    r = try_or_deadlk(l); /* -EDEADLK also for a try */
    if (r == 0) return took(l, 0, 0);
    if (r == EOWNERDEAD) return took(l, owner_died(&l->mutex), 0);
    if (r != ETIMEDOUT) return -r;

    for (int i = 0, backoff = BACKOFF_MIN; i < SPIN_TRIES; i++) {
        for (int k = 0; k < backoff; k++) mp__cpu_relax();
        if (backoff < BACKOFF_MAX) backoff *= 2;
        if (i % 16 == 15) sched_yield();
        r = pthread_mutex_trylock(&l->mutex);
        if (r == 0) return took(l, 0, 0);
        if (r == EOWNERDEAD) return took(l, owner_died(&l->mutex), 0);
        if (r != EBUSY) return -r;
        if (timeout == 0) break;
    }
    if (timeout == 0) return -ETIMEDOUT;

    uint64_t t0 = 0;
    if (__builtin_expect(mp__trace_on, 0)) t0 = mp__trace_emit_wait(0, MP_EV_LOCK_WAIT, l->id, 0, 0, timeout);
    mp__deadline d = mp__deadline_in(timeout);
    r = mp__mutex_lock(&l->mutex, &d);
    if (r == 0 || r == -EOWNERDEAD) return took(l, r, t0);
    if (r == -ETIMEDOUT && __builtin_expect(mp__trace_on, 0)) mp__trace_emit_since(MP_EV_LOCK_TIMEOUT, l->id, t0, 0);
    return r;
}

/* Unlock and keep our holder record right. me: the caller's pid; mine:
 * whether our record says the caller holds it (the record only feeds
 * traces; the mutex itself knows its owner). */
static int unlock(mp_lock *l, pid_t me, bool mine)
{
    if (mine) l->holder = 0; /* before unlocking: after, a new holder may have set it */
    int r = pthread_mutex_unlock(&l->mutex);
    if (r && mine) l->holder = me;
    return -r;
}

__attribute__((noinline)) static int release_traced(mp_lock *l, pid_t me, bool mine)
{
    uint64_t since = l->acquired_ns;
    mp__trace_hand_off(&l->handoff); /* while still held: the next holder's events follow ours */
    int r = unlock(l, me, mine);
    if (r) return r;
    mp__trace_emit_since(MP_EV_LOCK_RELEASE, l->id, since, 0); /* one stamp: the time and the end of "held" */
    return 0;
}

int mp_lock_release(mp_lock *l)
{
    if (!l) return -EINVAL;
    /* The kernel's owner field is the authority; ours only feeds traces. */
    pid_t me = mp__pid();
    bool mine = l->holder == me;
    /* One test of the trace flag: the untraced path reads nothing more. */
    if (__builtin_expect(mp__trace_on, 0)) {
        MP__GATE(MP_GOP_LOCK_RELEASE, l->id, 0, 0);
        return release_traced(l, me, mine);
    }
    return unlock(l, me, mine);
}

void mp_lock_free(mp_lock *l)
{
    if (!l) return;
    mp__lock_destroy(l);
    mp__shm_free(l, sizeof *l);
}
