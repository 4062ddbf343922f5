/*
 * util.c — the plumbing every primitive shares: deadlines on
 * CLOCK_MONOTONIC, anonymous shared memory, careful fork, object ids.
 */
#include "mp_private.h"

#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

bool mp__equal_ct(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b; /* volatile: no early exit */
    uint8_t diff = 0;
    for (size_t i = 0; i < n; i++) diff |= (uint8_t)(x[i] ^ y[i]);
    return diff == 0;
}

uint64_t mp__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

mp__deadline mp__deadline_in(double timeout)
{
    mp__deadline d = {.forever = timeout < 0 || isnan(timeout)};
    /* Forever needs no clock read (d.at stays zero and is never used): it
     * is the common case of every blocking call. */
    if (d.forever) return d;
    clock_gettime(CLOCK_MONOTONIC, &d.at);
    if (timeout > 1e9) timeout = 1e9; /* ~31 years: keeps tv_sec in range */
    double whole = floor(timeout);
    d.at.tv_sec += (time_t)whole;
    d.at.tv_nsec += (long)((timeout - whole) * 1e9);
    if (d.at.tv_nsec >= 1000000000L) {
        d.at.tv_sec++;
        d.at.tv_nsec -= 1000000000L;
    }
    return d;
}

double mp__deadline_left(const mp__deadline *d)
{
    if (d->forever) return -1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double left = (double)(d->at.tv_sec - now.tv_sec) + (double)(d->at.tv_nsec - now.tv_nsec) / 1e9;
    return left > 0 ? left : 0;
}

int mp__deadline_poll_ms(const mp__deadline *d)
{
    double left = mp__deadline_left(d);
    if (left < 0) return -1;
    double ms = ceil(left * 1000.0);
    return ms > 2147483647.0 ? 2147483647 : (int)ms;
}

bool mp__deadline_passed(const mp__deadline *d)
{
    return !d->forever && mp__deadline_left(d) <= 0;
}

void *mp__shm_alloc(size_t size)
{
    if (size == 0) size = 1;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void mp__shm_free(void *p, size_t size)
{
    if (p) munmap(p, size ? size : 1);
}

static pid_t cached_pid;

pid_t mp__pid(void)
{
    if (!cached_pid) cached_pid = getpid();
    return cached_pid;
}

pid_t mp__fork(void)
{
    /* Buffered output would otherwise be written twice: once by the parent
     * and once by the child when it flushes its copy. */
    fflush(NULL);
    /* Signals wait until the child has its own pid cached: a handler that
     * ran first would act (and trace) as the parent. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    /* In a controlled run the child's index is taken before the fork. */
    int idx = mp__gate_on ? mp__gate_fork_prepare() : -1;
    pid_t pid = fork();
    int err = errno;
    if (pid == 0) cached_pid = getpid();
    if (idx >= 0) mp__gate_fork_done(idx, pid);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) return -err;
    return pid;
}

uint64_t mp__obj_id(void)
{
    static atomic_uint serial;
    unsigned n = atomic_fetch_add(&serial, 1) + 1;
    return ((uint64_t)(uint32_t)mp__pid() << 32) | n;
}
