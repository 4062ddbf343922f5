/*
 * mp_private.h — what the lib/ files share and nobody else sees.
 */
#ifndef MP_PRIVATE_H
#define MP_PRIVATE_H

/* The library's own calls must not overwrite the caller's site (mp.h). */
#define MP__INTERNAL 1
#include "mp.h"
#include "mp_gate.h"
#include "mp_trace.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Everything below is internal: hidden from libmp.so's symbol table, which
 * also lets the library reach mp__trace_on and friends without going
 * through the GOT (a trace point stays one load and one branch). */
#pragma GCC visibility push(hidden)

/* ---- time: a public timeout becomes one absolute CLOCK_MONOTONIC deadline */
typedef struct mp__deadline {
    bool forever;
    struct timespec at; /* CLOCK_MONOTONIC */
} mp__deadline;

uint64_t mp__now_ns(void);
/* a[0..n) == b[0..n) in constant time (every byte looked at): for keys,
 * digests and tokens, where an early exit would tell how much matched. */
bool mp__equal_ct(const void *a, const void *b, size_t n);
mp__deadline mp__deadline_in(double timeout);
/* Seconds left (>= 0), or -1 for forever. */
double mp__deadline_left(const mp__deadline *d);
/* Milliseconds left for poll(): -1 forever, else >= 0 (rounded up). */
int mp__deadline_poll_ms(const mp__deadline *d);
bool mp__deadline_passed(const mp__deadline *d);

/* ---- shared memory: anonymous MAP_SHARED, inherited by children forked
 * after; nothing appears in /dev/shm. NULL + errno on failure. */
void *mp__shm_alloc(size_t size);
void mp__shm_free(void *p, size_t size);

/* ---- a robust, process-shared mutex embedded in shared memory (lock.c;
 * used by mp_lock, value/array, the queue and the pool). Robust: a holder
 * that dies hands it to the next locker with EOWNERDEAD. */
int mp__mutex_init(pthread_mutex_t *m);
/* Lock against a deadline: 0 | -ETIMEDOUT | -EOWNERDEAD (acquired; the last
 * holder died and the mutex is made consistent already) | -EDEADLK. */
int mp__mutex_lock(pthread_mutex_t *m, const mp__deadline *d);

/* ---- sleeping and waking on futex words (futex.c). No process-shared
 * condvars anywhere: a process killed inside one can wedge every later
 * caller inside glibc (see the note at the top of futex.c). */
/* Sleep while *word == seen, until woken or the deadline (absolute,
 * CLOCK_MONOTONIC). 0 (woken, or the word had changed) | -ETIMEDOUT | -EINTR. */
int mp__futex_wait(uint32_t *word, uint32_t seen, const mp__deadline *d);
void mp__futex_wake(uint32_t *word, int n);
/* The earlier of d and `slice` seconds from now: a sleep cut so that a
 * wake-up lost to a killed waker costs one slice, never a hang. */
mp__deadline mp__deadline_slice(const mp__deadline *d, double slice);

/* An event: a condition variable made of one futex word, for a condition
 * guarded by a robust mutex. Protocol (every call marked "mutex" is made
 * with the mutex held):
 *   waiter: (mutex) check the condition; seen = mp__event_prepare(e);
 *           unlock; mp__event_sleep(e, seen, slice); lock; check again.
 *   waker:  (mutex) change the state; wake = mp__event_bump(e);
 *           unlock; if (wake) mp__event_wake_all(e).
 * A sleeper killed in its sleep leaves nothing behind; see futex.c. */
typedef struct mp__event {
    uint32_t word; /* a counter in steps of 2; bit 0: someone may sleep */
} mp__event;
uint32_t mp__event_prepare(mp__event *e);                                 /* mutex */
bool mp__event_bump(mp__event *e);                                        /* mutex */
int mp__event_sleep(mp__event *e, uint32_t seen, const mp__deadline *d); /* no mutex */
void mp__event_wake_all(mp__event *e);

/* Spinning before sleeping: waking a process on another CPU costs ~30 us
 * here, far more than most waits. It pays only when another CPU can run
 * the process we wait for (false when this process may use one CPU). */
bool mp__spinning_helps(void);
typedef bool (*mp__pred)(void *arg);
/* Spin until ok(arg) (true) or about ns nanoseconds passed (false); with
 * yield_every > 0, sched_yield() every 16 * yield_every rounds, so that on
 * a busy or pinned machine the process we wait for gets the CPU. */
bool mp__spin_until(mp__pred ok, void *arg, uint64_t ns, unsigned yield_every);

/* Spinning on a descriptor (pipe ends, the manager's sockets): poll() it
 * without sleeping for up to ns before the caller sleeps in the kernel,
 * when another CPU may run the peer (mp__spinning_helps). Adaptive per
 * descriptor through *h: after k spins in a row that found nothing (a slow
 * peer, or a busy machine where the peer waits for a CPU) the next
 * 2^k - 1 waits sleep at once (k at most MP__SPIN_MISSES); a spin that
 * finds the descriptor ready starts over.
 * true: fd is ready (for events) | false: sleep. */
#define MP__SPIN_FD_NS 20000ull
#define MP__SPIN_MISSES 6
typedef struct mp__spin_hint {
    uint8_t misses; /* spins in a row that ended with nothing */
    uint8_t skip;   /* waits left that sleep without spinning */
} mp__spin_hint;
bool mp__spin_fd(int fd, short events, uint64_t ns, mp__spin_hint *h);
/* The same over a poll set: poll()'s result (> 0 ready, < 0 error, errno
 * set), or 0: nothing came, sleep. */
struct pollfd;
int mp__spin_poll(struct pollfd *pf, unsigned n, uint64_t ns, mp__spin_hint *h);

/* ---- the lock object, embedded by value/array (shared.c) */
struct mp_lock {
    pthread_mutex_t mutex; /* robust, process-shared, error-checking */
    uint64_t id;           /* trace object id */
    pid_t creator;         /* only the creator destroys it */
    pid_t holder;          /* pid holding it, 0 when free (for traces) */
    uint64_t acquired_ns;  /* trace stamp of when the holder got it (for "ns held") */
    uint64_t handoff;      /* trace stamp the last holder left (mp__trace_follow) */
};
/* Initialise a lock in shared memory; what names it in traces. 0 | -errno */
int mp__lock_init(struct mp_lock *l, const char *what);
void mp__lock_destroy(struct mp_lock *l);

/* ---- the queue's mutex, for tests that kill a holder (queue.c) */
pthread_mutex_t *mp__queue_mutex(mp_queue *q);
/* Fault injection for tests: runs the first `steps` steps of a put (1:
 * bytes copied; 2: also published by the tail, not yet counted or
 * announced to sleeping getters) and returns with the queue's mutex held,
 * as a put killed there leaves it. The caller is expected to _exit at
 * once. 0 | -ENOSPC | -EINVAL. */
int mp__queue_put_torn(mp_queue *q, const void *item, size_t len, int steps);

/* ---- object ids unique across a run: (pid << 32) | serial */
uint64_t mp__obj_id(void);

/* ---- tracing (trace.c). mp__trace_on is set once at start-up and
 * inherited across fork; when false a trace point is one branch. */
extern bool mp__trace_on;
void mp__trace_emit(unsigned kind, uint64_t obj, int64_t a, int64_t b, const char *text);
/* Same, stamped with a CLOCK_MONOTONIC time the caller read. */
void mp__trace_emit_at(uint64_t t_ns, unsigned kind, uint64_t obj, int64_t a, int64_t b, const char *text);
/* An event whose a is the time since stamp `since` (0: a = 0), a stamp
 * one of these functions returned, converted to ns by the reader (lock.c:
 * "ns waited", "ns held"). Returns the event's stamp, which the caller
 * keeps as the start of the next span: one clock read per event. */
uint64_t mp__trace_emit_since(unsigned kind, uint64_t obj, uint64_t since, int64_t b);
/* The trace clock (trace_clock.c): calibrate for a new ring; a
 * CLOCK_MONOTONIC time as a stamp. */
void mp__trace_clock_calibrate(struct mp_trace_clock *c);
uint64_t mp__trace_clock_from_ns(const struct mp_trace_clock *c, uint64_t ns);
/* mp_trace_event_to_ns over n events, the calibration read once (the reader). */
void mp__trace_events_to_ns(const struct mp_trace_clock *c, struct mp_trace_event *ev, size_t n);
/* Decimal text of an integer without snprintf (which costs more than the
 * rest of an event): NUL-terminated, at most 21 bytes; returns the length. */
size_t mp__trace_fmt_i64(char *out, int64_t v);
size_t mp__trace_fmt_u64(char *out, uint64_t v);
/* Same, with a preview of a data item in text (ints as numbers, text as
 * text, else hex). */
void mp__trace_emit_data(unsigned kind, uint64_t obj, int64_t a, int64_t b, const void *data, size_t len);
/* Called in a child right after fork (process.c, pool_worker.c, manager_server.c): emits
 * MP_EV_PROC_START with the parent's pid and name; the event's own pid
 * field says who started. (The pid is cached by mp__fork, not here.) */
void mp__trace_child_started(const char *name);

/* Causal order across CPUs without a fence (trace.c, ring_stamp_fenced):
 * a thread's stamps only grow, and an object handed from one process to
 * another (a lock, a queue's mutex) carries the last stamp of the one
 * that let it go: the one that takes it over follows it, so its next
 * stamps come after. Tracing only; the caller holds the object. */
extern __thread uint64_t mp__trace_last __attribute__((tls_model("initial-exec")));
static inline void mp__trace_follow(const uint64_t *handoff)
{
    uint64_t h = __atomic_load_n(handoff, __ATOMIC_RELAXED);
    if (h > mp__trace_last) mp__trace_last = h;
}
static inline void mp__trace_hand_off(uint64_t *handoff)
{
    __atomic_store_n(handoff, mp__trace_last, __ATOMIC_RELAXED);
}

#define MP__TRACE(kind, obj, a, b, text)                                        \
    do {                                                                        \
        if (__builtin_expect(mp__trace_on, 0)) mp__trace_emit(kind, obj, a, b, text); \
    } while (0)
/* A wait the wait-for graph reads: timeout as the caller's (negative =
 * forever, which alone can deadlock). t_ns: a stamp, 0 = now; returns
 * the event's stamp (see mp__trace_emit_since). */
uint64_t mp__trace_emit_wait(uint64_t t_ns, unsigned kind, uint64_t obj, int64_t a, int64_t b, double timeout);
#define MP__TRACE_WAIT(kind, obj, a, b, timeout)                                            \
    do {                                                                                    \
        if (__builtin_expect(mp__trace_on, 0)) mp__trace_emit_wait(0, kind, obj, a, b, timeout); \
    } while (0)
#define MP__TRACE_DATA(kind, obj, a, b, data, len)                                        \
    do {                                                                                  \
        if (__builtin_expect(mp__trace_on, 0)) mp__trace_emit_data(kind, obj, a, b, data, len); \
    } while (0)

/* ---- controlled runs (gate.c). mp__gate_on is set at start-up in a
 * controlled run only (MP_GATE_FD) and implies mp__trace_on, so behind the
 * trace flag's branch a gate costs nothing when tracing is off.
 * mp__gate publishes the pending operation, parks until granted and returns
 * the grant (enum mp_gate_grant); MP_GRANT_GO when not controlled. */
extern bool mp__gate_on;
int mp__gate(unsigned kind, uint64_t obj, int64_t a, int64_t b, double timeout);
/* After a TRY grant that could not complete: park again with op.tried set. */
int mp__gate_retry(void);
/* mp__fork's helpers: reserve the child's index before fork(); then record
 * the outcome in parent (pid > 0), child (0) or on failure (< 0). */
int mp__gate_fork_prepare(void);
void mp__gate_fork_done(int idx, pid_t pid);
/* This process takes no part any more (the manager's server: it only answers
 * requests, within each caller's own step). */
void mp__gate_detach(void);
/* The last step of a process (once): code is what it will exit with. */
void mp__gate_exit(int code);
/* After kill(pid, sig) in a controlled run: wait until a killed pid ended. */
void mp__gate_signal_sent(pid_t pid, int sig);
/* This process's index in the run, -1 outside one. */
int mp__gate_index(void);
void mp__gate_init(void);

#define MP__GATE_ON() (__builtin_expect(mp__trace_on, 0) && mp__gate_on)
/* An operation that always completes: just wait for the turn. */
#define MP__GATE(kind, obj, a, b)                                     \
    do {                                                              \
        if (MP__GATE_ON()) mp__gate(kind, obj, a, b, MP_FOREVER);     \
    } while (0)
/* A wait that may time out: the grant (MP_GRANT_TIMEOUT: give up now). */
#define MP__GATE_WAIT(kind, obj, a, b, timeout) \
    (MP__GATE_ON() ? mp__gate(kind, obj, a, b, timeout) : MP_GRANT_GO)

/* A timed wait's gate in one line: when granted as its timeout, do
 * on_timeout (typically `return mp__gate_timeout(EV, id, a)`). */
#define MP__GATE_OR(kind, obj, a, b, timeout, on_timeout)                                        \
    do {                                                                                         \
        if (MP__GATE_ON() && mp__gate(kind, obj, a, b, timeout) == MP_GRANT_TIMEOUT) { on_timeout; } \
    } while (0)
/* Emits the timeout event (kind, obj, a) and returns -ETIMEDOUT. */
int mp__gate_timeout(unsigned ev_kind, uint64_t obj, int64_t a);

/* ---- fork with care: flush stdio, fork, and in the child reset what must
 * not be inherited (cached pid, signal mask). Returns fork()'s value or
 * -errno. */
pid_t mp__fork(void);
/* The cached pid of this process (refreshed by mp__fork in the child). */
pid_t mp__pid(void);

/* ---- a spin-wait hint to the CPU (pause / yield), nothing elsewhere;
 * every spin loop in lib/ uses it (not an x86-only builtin). */
static inline void mp__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

/* ---- misc */
#define MP__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MP__UNUSED(x) ((void)(x))

#pragma GCC visibility pop

#endif
