/*
 * pool.c — Pool(n): worker processes, apply/map (sync and async), and
 * results that never hang when a worker dies.
 *
 * Design
 * ------
 * Everything the workers see lives in two anonymous MAP_SHARED mappings made
 * before the workers are forked (so every address is the same in every
 * process, and function pointers stay valid: workers run the same program):
 *
 *   struct pool_shared   the robust mutex, a FIFO of queued jobs, a FIFO of
 *                        finished jobs, MAX_JOBS job slots, one slot per
 *                        worker (its pid and the chunk it is running);
 *   the arena            input and output records of jobs too big for the
 *                        bytes kept inline in a job slot. It is a large,
 *                        lazily backed mapping: only the pages a submission
 *                        touches cost memory. Only the parent allocates in it,
 *                        so the allocator (first fit, coalescing) is private.
 *
 * A job is one submission: apply is a job of one chunk, map a job of
 * ceil(n / chunksize) chunks that workers claim one after another. The
 * parent copies the inputs in, workers write outputs in place, and when the
 * last chunk ends the job goes on the finished FIFO. The parent "harvests"
 * finished jobs whenever it is called (ready, wait, get, submit): it copies
 * the output into the mp_async (or straight into the caller's buffer for
 * the blocking calls) and frees the slot. So a result freed while its task
 * runs only drops its claim: the slot is released when the task ends.
 *
 * Sleeping and waking: the mutex is a robust, process-shared pthread mutex
 * (a worker that dies holding it does not wedge the pool). Sleeping is done
 * on raw futex sequence words rather than pthread condvars, on purpose:
 * glibc's process-shared condvar keeps per-waiter state, and a waiter killed
 * by SIGKILL can leave a later signal/broadcast stuck, which is exactly the
 * case this pool must survive. A dead futex waiter leaves nothing behind.
 * Wakers only make the wake syscall when someone sleeps, and both sides
 * spin (yielding) for a few tens of microseconds before sleeping, because
 * waking a process on the other CPU costs ~30 us here.
 *
 * Worker death: each worker records, under the mutex and in the same step
 * as it claims a chunk, which job and chunk it runs. A worker can be killed
 * even inside a critical section: each one first writes an undo record of
 * what it is about to change (struct undo), and whoever next gets the mutex
 * with EOWNERDEAD puts those fields back, so a half-made claim or end never
 * happened (test_pool kills workers at each step through a test hook).
 * The parent reaps its workers with waitpid(pid, WNOHANG) whenever it
 * waits (its sleeps are cut in slices of WAIT_SLICE_MS) and from ready()
 * at most every TICK_NS; a
 * worker that ended while running a chunk fails that job with -ECHILD and
 * its exit status, and is replaced by a fresh fork. No thread runs in the
 * parent: all of this happens inside the caller's own calls.
 */
#include "mp_private.h"

#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_JOBS 1024u               /* jobs in flight (a map is one job) */
#define MAX_WORKERS 1024
#define INLINE_BYTES 192             /* in + out records kept in the job slot */
#define ARENA_BYTES (256u << 20)     /* virtual size; backed only when touched */
#define ARENA_ALIGN 64
#define RELEASE_BYTES (16u << 20)    /* freed arena blocks this big return their pages */
#define WORKER_SPIN_NS 50000ull      /* an idle worker spins this long before sleeping */
#define PARENT_SPIN_NS 100000ull     /* a waiting parent spins this long before sleeping */
#define WAIT_SLICE_MS 50             /* the parent checks its workers at least this often */
#define TICK_NS 5000000ull           /* ready() checks the workers at most this often */

/* ------------------------------------------------------------ shared state */

struct job {
    _Atomic uint32_t done; /* 1 once every chunk ended (set under the mutex) */
    uint32_t gen;          /* bumped each time the slot takes a new job */
    mp_task fn;
    uint64_t task_id; /* trace id of chunk 0; chunk i is task_id + i */
    size_t n, in_size, out_size, chunksize, nchunks;
    size_t next_chunk;  /* next chunk to hand out */
    size_t chunks_done; /* chunks that ended (or failed) */
    unsigned char *in, *out;
    int error;    /* 0, or -ECHILD when a worker died running a chunk */
    int exitcode; /* that worker's exit code or -signal, else MP_EXIT_NONE */
    unsigned char inline_buf[INLINE_BYTES] __attribute__((aligned(16)));
};

/* What a worker's critical section changed, written before it changes it.
 * Workers can be SIGKILLed at any instant, also while they hold the pool
 * mutex; the next process to take the mutex (EOWNERDEAD) puts those
 * fields back as they were (repair_locked), so the dead worker's half-done
 * claim or end never happened: its chunk is then failed like any other. */
struct undo {
    _Atomic int valid;    /* 1 while the critical section runs */
    uint32_t qhead, dtail;
    int32_t job;          /* the slot's claim before */
    uint32_t gen;
    uint64_t chunk;
    int32_t end_job;      /* job whose chunk ended, -1: none */
    size_t chunks_done;
    uint32_t done;
    int32_t claim_job;    /* job a chunk was taken from, -1: none */
    size_t next_chunk;
};

struct worker_slot {
    pid_t pid;      /* 0 when the slot has no process */
    int32_t job;    /* job running, -1 when idle */
    uint32_t gen;   /* that job's generation (a slot is reused by later jobs) */
    uint64_t chunk; /* chunk running */
    bool sleeping;  /* counted in work_sleepers */
    _Atomic int exiting; /* the worker is leaving on its own: waitpid may block */
    struct undo undo;
};

struct pool_shared {
    pthread_mutex_t mu;
    _Atomic uint32_t work_seq;  /* bumped when work is queued or the pool closes */
    _Atomic uint32_t done_seq;  /* bumped when a job ends or a worker leaves */
    uint32_t work_sleepers;     /* workers asleep on work_seq */
    uint32_t parent_sleepers;   /* the parent asleep on done_seq */
    _Atomic uint32_t exits;     /* workers that left on their own */
    _Atomic int closing, shutdown;
    int nworkers;
    _Atomic uint32_t qhead, qtail; /* queue[qhead..qtail) mod MAX_JOBS; read without the lock to spin */
    uint32_t dhead;
    _Atomic uint32_t dtail;     /* finished[dhead..dtail) */
    uint32_t queue[MAX_JOBS];
    uint32_t finished[MAX_JOBS];
    struct job jobs[MAX_JOBS];
    struct worker_slot w[]; /* nworkers */
};

/* ------------------------------------------------------------ parent state */

struct free_block {
    size_t off, len;
    struct free_block *next;
};

struct mp_pool {
    struct pool_shared *sh;
    size_t sh_size;
    unsigned char *arena;
    struct free_block *free_list; /* sorted by offset */
    int nworkers;
    mp_pool_opts opts;
    pid_t parent;
    uint64_t id;
    uint64_t next_task_id;
    int worker_serial; /* names PoolWorker-N, counting replacements */
    bool closed, terminated;
    uint32_t seen_exits;
    uint64_t last_check_ns;
    mp_async *owner[MAX_JOBS]; /* the result waiting for each job, or NULL */
    uint32_t free_jobs[MAX_JOBS];
    uint32_t nfree_jobs;
    size_t arena_block[MAX_JOBS][2]; /* offset, length of each job's arena block (len 0: inline) */
};

struct mp_async {
    mp_pool *pool; /* NULL once finished or detached */
    int32_t job;   /* job slot, -1 once finished */
    uint64_t id;
    bool done;
    int error;
    int exitcode;
    size_t out_len;
    unsigned char *buf;  /* the output, owned */
    unsigned char *dest; /* when set, the output goes there instead (blocking calls) */
    uint64_t polls;
};

/* ------------------------------------------------------------ small helpers */

static long futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *rel)
{
    return syscall(SYS_futex, (uint32_t *)word, op, val, rel, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word, int n)
{
    futex(word, FUTEX_WAKE, (uint32_t)n, NULL);
}

/* Sleep while *word == seen, at most ms milliseconds (-1: no limit). */
static void futex_sleep(_Atomic uint32_t *word, uint32_t seen, int ms)
{
    struct timespec rel = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    futex(word, FUTEX_WAIT, seen, ms < 0 ? NULL : &rel);
}

/* For test_pool only: called at points inside the workers' critical
 * sections, so a test can kill a worker exactly there. */
void (*mp__pool_test_hook)(int point);
#define TEST_POINT(n)                                                           \
    do {                                                                        \
        if (__builtin_expect(mp__pool_test_hook != NULL, 0)) mp__pool_test_hook(n); \
    } while (0)

#define STEP() atomic_signal_fence(memory_order_seq_cst) /* keep the stores in this order */

/* The holder of the mutex died: undo its unfinished critical section. */
static void repair_locked(struct pool_shared *sh)
{
    for (int i = 0; i < sh->nworkers; i++) {
        struct worker_slot *w = &sh->w[i];
        struct undo *u = &w->undo;
        if (!atomic_load(&u->valid)) continue;
        if (u->end_job >= 0) {
            sh->jobs[u->end_job].chunks_done = u->chunks_done;
            atomic_store(&sh->jobs[u->end_job].done, u->done);
        }
        if (u->claim_job >= 0) sh->jobs[u->claim_job].next_chunk = u->next_chunk;
        atomic_store(&sh->qhead, u->qhead);
        atomic_store(&sh->dtail, u->dtail);
        w->job = u->job;
        w->gen = u->gen;
        w->chunk = u->chunk;
        STEP();
        atomic_store(&u->valid, 0); /* last: a repairer killed here is repaired again */
    }
}

/* The pool mutex: a short try-spin first (critical sections are tiny),
 * then sleep. */
static void lock_sh(struct pool_shared *sh)
{
    for (int i = 0; i < 64; i++) {
        int r = pthread_mutex_trylock(&sh->mu);
        if (r == 0) return;
        if (r == EOWNERDEAD) {
            repair_locked(sh);
            pthread_mutex_consistent(&sh->mu);
            return;
        }
        __builtin_ia32_pause();
    }
    mp__deadline forever = mp__deadline_in(MP_FOREVER);
    if (mp__mutex_lock(&sh->mu, &forever) == -EOWNERDEAD) repair_locked(sh);
}

static void undo_open(struct pool_shared *sh, struct worker_slot *me)
{
    struct undo *u = &me->undo;
    u->qhead = atomic_load(&sh->qhead);
    u->dtail = atomic_load(&sh->dtail);
    u->job = me->job;
    u->gen = me->gen;
    u->chunk = me->chunk;
    u->end_job = -1;
    u->claim_job = -1;
    STEP();
    atomic_store(&u->valid, 1);
    STEP();
}

static void undo_close(struct worker_slot *me)
{
    STEP();
    atomic_store(&me->undo.valid, 0);
}

static void undo_note_end(struct pool_shared *sh, struct worker_slot *me, uint32_t j)
{
    me->undo.chunks_done = sh->jobs[j].chunks_done;
    me->undo.done = atomic_load(&sh->jobs[j].done);
    STEP();
    me->undo.end_job = (int32_t)j;
    STEP();
}

static void undo_note_claim(struct worker_slot *me, uint32_t j, size_t next_chunk)
{
    me->undo.next_chunk = next_chunk;
    STEP();
    me->undo.claim_job = (int32_t)j;
    STEP();
}

static void unlock_sh(struct pool_shared *sh)
{
    pthread_mutex_unlock(&sh->mu);
}

typedef bool (*pred_fn)(void *arg);

/* Spin, yielding the CPU often (a pinned run has one CPU for everybody),
 * until ok(arg) or ns have passed. */
static bool spin_until(pred_fn ok, void *arg, uint64_t ns)
{
    uint64_t end = 0;
    for (unsigned i = 0;; i++) {
        if (ok(arg)) return true;
        if ((i & 15) != 15) {
            __builtin_ia32_pause();
            continue;
        }
        uint64_t now = mp__now_ns();
        if (!end) end = now + ns;
        else if (now >= end) return false;
        sched_yield();
    }
}

static int status_to_exitcode(int status)
{
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return MP_EXIT_NONE;
}

/* ------------------------------------------------------------ worker side */

static bool work_or_stop(void *arg)
{
    struct pool_shared *sh = arg;
    return atomic_load_explicit(&sh->qtail, memory_order_acquire) != atomic_load(&sh->qhead) ||
           atomic_load(&sh->shutdown) ||
           atomic_load(&sh->closing);
}

/* Marks a chunk ended, under the mutex; the last one finishes the job.
 * Order matters: the job is on the finished FIFO before its done flag is
 * set, so whoever sees the flag (without the lock) finds it there. */
static void end_chunk_locked(struct pool_shared *sh, uint32_t j)
{
    struct job *jb = &sh->jobs[j];
    if (atomic_load(&jb->done)) return; /* finished already: never queue it twice */
    if (++jb->chunks_done < jb->nchunks) return;
    TEST_POINT(2);
    sh->finished[atomic_load(&sh->dtail) % MAX_JOBS] = j;
    STEP();
    atomic_fetch_add(&sh->dtail, 1);
    TEST_POINT(3);
    atomic_store_explicit(&jb->done, 1, memory_order_release);
    atomic_fetch_add(&sh->done_seq, 1);
    if (sh->parent_sleepers) futex_wake(&sh->done_seq, INT_MAX);
}

/* A worker's end of a chunk, logged so that its death half-way is undone. */
static void worker_end_locked(struct pool_shared *sh, struct worker_slot *me, uint32_t j)
{
    undo_note_end(sh, me, j);
    end_chunk_locked(sh, j);
    TEST_POINT(4);
    STEP();
    me->job = -1;
}

/* Ends the chunk of job `ended` (when >= 0) and takes the next chunk in the
 * same critical section, sleeping while there is none. False when the
 * worker must leave (terminate, or close with an empty queue). Every
 * stretch that holds the mutex and changes shared state runs between
 * undo_open and undo_close. */
static bool claim_chunk(struct pool_shared *sh, int idx, int64_t ended, uint32_t *job, size_t *chunk)
{
    struct worker_slot *me = &sh->w[idx];
    lock_sh(sh);
    undo_open(sh, me);
    if (ended >= 0) worker_end_locked(sh, me, (uint32_t)ended);
    for (;;) {
        if (atomic_load(&sh->shutdown)) break;
        if (sh->qhead != sh->qtail) {
            uint32_t j = sh->queue[sh->qhead % MAX_JOBS];
            struct job *jb = &sh->jobs[j];
            if (jb->next_chunk >= jb->nchunks) { /* every chunk taken: not queued any more */
                atomic_fetch_add(&sh->qhead, 1);
                continue;
            }
            undo_note_claim(me, j, jb->next_chunk);
            me->chunk = jb->next_chunk;
            me->gen = jb->gen;
            STEP();
            me->job = (int32_t)j;
            TEST_POINT(5);
            *job = j;
            *chunk = jb->next_chunk++;
            TEST_POINT(1);
            if (jb->next_chunk >= jb->nchunks) atomic_fetch_add(&sh->qhead, 1);
            undo_close(me);
            unlock_sh(sh);
            return true;
        }
        if (atomic_load(&sh->closing)) break;
        undo_close(me);
        unlock_sh(sh);
        bool got = spin_until(work_or_stop, sh, WORKER_SPIN_NS);
        lock_sh(sh);
        undo_open(sh, me);
        if (got || sh->qhead != sh->qtail || atomic_load(&sh->shutdown) || atomic_load(&sh->closing))
            continue;
        uint32_t seen = atomic_load(&sh->work_seq);
        sh->work_sleepers++;
        me->sleeping = true;
        undo_close(me);
        unlock_sh(sh);
        futex_sleep(&sh->work_seq, seen, -1);
        lock_sh(sh);
        undo_open(sh, me);
        if (me->sleeping) {
            me->sleeping = false;
            sh->work_sleepers--;
        }
    }
    undo_close(me);
    unlock_sh(sh);
    return false;
}

static void run_chunk(mp_pool *p, struct job *jb, size_t chunk)
{
    MP__TRACE(MP_EV_TASK_START, p->id, (int64_t)(jb->task_id + chunk), 0, NULL);
    size_t first = chunk * jb->chunksize;
    size_t last = first + jb->chunksize;
    if (last > jb->n) last = jb->n;
    for (size_t i = first; i < last; i++) jb->fn(jb->in + i * jb->in_size, jb->out + i * jb->out_size);
    /* Output printed by a task appears now, not at the worker's exit (which
     * may be a SIGKILL from terminate). */
    fflush(stdout);
    fflush(stderr);
}

static void leave(mp_pool *p, int idx)
{
    struct pool_shared *sh = p->sh;
    fflush(NULL);
    atomic_store(&sh->w[idx].exiting, 1);
    atomic_fetch_add(&sh->exits, 1);
    lock_sh(sh);
    atomic_fetch_add(&sh->done_seq, 1);
    if (sh->parent_sleepers) futex_wake(&sh->done_seq, INT_MAX);
    unlock_sh(sh);
    _exit(0);
}

static void worker_main(mp_pool *p, int idx, const char *name)
{
    struct pool_shared *sh = p->sh;
    /* A worker never outlives the parent that manages it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != p->parent) _exit(0);
    mp__trace_child_started(name);
    if (p->opts.initializer) p->opts.initializer(p->opts.initarg);
    int ran = 0;
    int64_t ended = -1; /* job whose chunk this worker has just run */
    uint32_t j;
    size_t chunk;
    while (claim_chunk(sh, idx, ended, &j, &chunk)) {
        struct job *jb = &sh->jobs[j];
        run_chunk(p, jb, chunk);
        /* Traced before the end: once the job ends its slot may be reused. */
        MP__TRACE(MP_EV_TASK_DONE, p->id, (int64_t)(jb->task_id + chunk), 0, NULL);
        ended = j;
        if (p->opts.maxtasksperchild > 0 && ++ran >= p->opts.maxtasksperchild) {
            lock_sh(sh);
            undo_open(sh, &sh->w[idx]);
            worker_end_locked(sh, &sh->w[idx], j);
            undo_close(&sh->w[idx]);
            unlock_sh(sh);
            break;
        }
    }
    leave(p, idx);
}

/* ------------------------------------------------------------ worker management (parent) */

static int spawn_worker(mp_pool *p, int idx)
{
    struct worker_slot *w = &p->sh->w[idx];
    char name[32];
    snprintf(name, sizeof name, "PoolWorker-%d", ++p->worker_serial);
    w->job = -1;
    w->sleeping = false;
    atomic_store(&w->exiting, 0);
    pid_t pid = mp__fork();
    if (pid < 0) return (int)pid;
    if (pid == 0) worker_main(p, idx, name); /* never returns */
    w->pid = pid;
    MP__TRACE(MP_EV_POOL_WORKER, p->id, pid, idx, name);
    return 0;
}

/* Whether a dead worker's recorded claim is real and unfinished. It may
 * have died between the steps of a claim or of an end (claim_chunk,
 * end_chunk_locked): recorded but never made, or ended but not cleared
 * (the job finished, maybe its slot already runs a newer job). */
static bool dead_worker_held_chunk(struct pool_shared *sh, const struct worker_slot *w)
{
    const struct job *jb = &sh->jobs[w->job];
    if (jb->gen != w->gen || atomic_load(&jb->done)) return false;
    return w->chunk < jb->next_chunk;
}

/* A worker ended (status from waitpid): fail the chunk it was running. */
static void worker_ended(mp_pool *p, int idx, int status, int fail_with)
{
    struct pool_shared *sh = p->sh;
    struct worker_slot *w = &sh->w[idx];
    int code = status_to_exitcode(status);
    MP__TRACE(MP_EV_PROC_EXIT, 0, w->pid, code, NULL);
    lock_sh(sh);
    if (w->sleeping) {
        w->sleeping = false;
        sh->work_sleepers--;
    }
    if (w->job >= 0 && dead_worker_held_chunk(sh, w)) {
        struct job *jb = &sh->jobs[w->job];
        if (!jb->error) {
            jb->error = fail_with;
            jb->exitcode = code;
        }
        MP__TRACE(MP_EV_TASK_DONE, p->id, (int64_t)(jb->task_id + w->chunk), fail_with, NULL);
        end_chunk_locked(sh, (uint32_t)w->job);
        w->job = -1;
    }
    w->pid = 0;
    unlock_sh(sh);
}

static bool work_left(mp_pool *p)
{
    return atomic_load(&p->sh->qtail) != atomic_load(&p->sh->qhead);
}

/* The clock of the worker-check tick, read on every submit and get: the
 * coarse clock (a few ms resolution, no counter read) is enough for a 5 ms
 * tick. Both stamps of the comparison come from it: it may lag the precise
 * clock, so mixing the two could make the difference wrap. */
static uint64_t tick_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reap workers that ended and replace them while work may still come. */
static void check_workers(mp_pool *p)
{
    struct pool_shared *sh = p->sh;
    p->seen_exits = atomic_load(&sh->exits);
    p->last_check_ns = tick_now_ns();
    for (int i = 0; i < p->nworkers; i++) {
        struct worker_slot *w = &sh->w[i];
        if (w->pid > 0) {
            int status;
            int flags = atomic_load(&w->exiting) ? 0 : WNOHANG;
            pid_t r;
            do r = waitpid(w->pid, &status, flags);
            while (r < 0 && errno == EINTR);
            if (r == w->pid) worker_ended(p, i, status, -ECHILD);
            else if (r < 0 && errno == ECHILD) worker_ended(p, i, 0, -ECHILD); /* reaped elsewhere */
        }
        if (w->pid == 0 && !p->terminated && (!p->closed || work_left(p))) spawn_worker(p, i);
    }
}

/* Cheap enough to call on every operation: a worker check only when one
 * left on its own, or when the last check is older than TICK_NS. */
static void maybe_check_workers(mp_pool *p)
{
    if (atomic_load(&p->sh->exits) != p->seen_exits || tick_now_ns() - p->last_check_ns >= TICK_NS)
        check_workers(p);
}

/* ------------------------------------------------------------ arena (parent only) */

static size_t align_up(size_t n)
{
    return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

static bool arena_alloc(mp_pool *p, size_t len, size_t *off)
{
    len = align_up(len);
    for (struct free_block **pp = &p->free_list; *pp; pp = &(*pp)->next) {
        struct free_block *b = *pp;
        if (b->len < len) continue;
        *off = b->off;
        b->off += len;
        b->len -= len;
        if (b->len == 0) {
            *pp = b->next;
            free(b);
        }
        return true;
    }
    return false;
}

static void arena_release(mp_pool *p, size_t off, size_t len)
{
    len = align_up(len);
    struct free_block **pp = &p->free_list;
    while (*pp && (*pp)->off < off) pp = &(*pp)->next;
    struct free_block *next = *pp;
    /* Join the block before when it ends here. */
    struct free_block *prev = NULL;
    for (struct free_block *b = p->free_list; b && b->off < off; b = b->next) prev = b;
    if (prev && prev->off + prev->len == off) {
        prev->len += len;
        if (next && prev->off + prev->len == next->off) {
            prev->len += next->len;
            prev->next = next->next;
            free(next);
        }
        return;
    }
    if (next && off + len == next->off) {
        next->off = off;
        next->len += len;
        return;
    }
    struct free_block *b = malloc(sizeof *b);
    if (!b) return; /* the space is lost, nothing breaks */
    b->off = off;
    b->len = len;
    b->next = next;
    *pp = b;
}

static void free_arena_list(mp_pool *p)
{
    while (p->free_list) {
        struct free_block *b = p->free_list;
        p->free_list = b->next;
        free(b);
    }
}

/* ------------------------------------------------------------ harvesting (parent) */

/* Pages of a big block go back to the system when it is freed (shared
 * anonymous pages stay resident until then); small blocks keep theirs,
 * so repeated maps do not pay page faults every time. */
static void arena_give_back(mp_pool *p, size_t off, size_t len)
{
    if (len < RELEASE_BYTES) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t start = (off + page - 1) & ~(page - 1), end = (off + len) & ~(page - 1);
    if (end > start) madvise(p->arena + start, end - start, MADV_REMOVE);
}

static void release_job(mp_pool *p, uint32_t j)
{
    if (p->arena_block[j][1]) {
        arena_give_back(p, p->arena_block[j][0], p->arena_block[j][1]);
        arena_release(p, p->arena_block[j][0], p->arena_block[j][1]);
    }
    p->arena_block[j][1] = 0;
    p->owner[j] = NULL;
    p->free_jobs[p->nfree_jobs++] = j;
}

static void finish_async(mp_async *r, int error, int exitcode)
{
    r->done = true;
    r->error = error;
    r->exitcode = exitcode;
    r->job = -1;
    r->pool = NULL;
    MP__TRACE(MP_EV_ASYNC_READY, r->id, error, 0, NULL);
}

/* Hands a finished job's output to its result and frees the slot. */
static void harvest_job(mp_pool *p, uint32_t j)
{
    struct job *jb = &p->sh->jobs[j];
    mp_async *r = p->owner[j];
    if (r) {
        size_t len = jb->n * jb->out_size;
        /* A blocking map that failed still hands over what the chunks that
         * completed computed; an async result gives all or nothing. */
        if (len && (!jb->error || r->dest)) memcpy(r->dest ? r->dest : r->buf, jb->out, len);
        finish_async(r, jb->error, jb->error ? jb->exitcode : MP_EXIT_NONE);
    }
    release_job(p, j);
}

static bool has_finished(mp_pool *p)
{
    return atomic_load_explicit(&p->sh->dtail, memory_order_acquire) != p->sh->dhead;
}

static void harvest_all(mp_pool *p)
{
    struct pool_shared *sh = p->sh;
    if (!has_finished(p)) return;
    uint32_t got[64];
    for (;;) {
        unsigned n = 0;
        lock_sh(sh);
        while (n < MP__ARRAY_LEN(got) && sh->dhead != atomic_load(&sh->dtail))
            got[n++] = sh->finished[sh->dhead++ % MAX_JOBS];
        unlock_sh(sh);
        if (n == 0) return;
        for (unsigned i = 0; i < n; i++) harvest_job(p, got[i]);
    }
}

/* ------------------------------------------------------------ waiting (parent) */

/* Waits until ok(arg), checking the workers at least every WAIT_SLICE_MS.
 * 0 | -ETIMEDOUT. */
static int parent_wait(mp_pool *p, pred_fn ok, void *arg, const mp__deadline *d)
{
    struct pool_shared *sh = p->sh;
    if (ok(arg)) return 0;
    if (!mp__deadline_passed(d) && spin_until(ok, arg, PARENT_SPIN_NS)) return 0;
    for (;;) {
        check_workers(p);
        if (ok(arg)) return 0;
        if (mp__deadline_passed(d)) return -ETIMEDOUT;
        int ms = mp__deadline_poll_ms(d);
        if (ms < 0 || ms > WAIT_SLICE_MS) ms = WAIT_SLICE_MS;
        lock_sh(sh);
        uint32_t seen = atomic_load(&sh->done_seq);
        if (ok(arg)) {
            unlock_sh(sh);
            return 0;
        }
        sh->parent_sleepers++;
        unlock_sh(sh);
        futex_sleep(&sh->done_seq, seen, ms);
        lock_sh(sh);
        sh->parent_sleepers--;
        unlock_sh(sh);
    }
}

static bool async_job_done(void *arg)
{
    mp_async *r = arg;
    return r->done || atomic_load_explicit(&r->pool->sh->jobs[r->job].done, memory_order_acquire);
}

static bool any_finished(void *arg)
{
    return has_finished(arg);
}

/* ------------------------------------------------------------ pool lifecycle */

/* Only the process that made the pool manages it: a child forked later
 * sees a copy whose waitpid() calls would fail and mislead. */
static bool is_owner(const mp_pool *p)
{
    return mp__pid() == p->parent;
}

static int clamp_workers(int n)
{
    if (n == 0) n = mp_cpu_count();
    return n;
}

mp_pool *mp_pool_new_ex(const mp_pool_opts *opts)
{
    if (!opts || opts->nworkers < 0 || opts->nworkers > MAX_WORKERS || opts->maxtasksperchild < 0) {
        errno = EINVAL;
        return NULL;
    }
    mp_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->opts = *opts;
    p->nworkers = clamp_workers(opts->nworkers);
    p->parent = mp__pid();
    p->id = mp__obj_id();
    p->sh_size = sizeof(struct pool_shared) + (size_t)p->nworkers * sizeof(struct worker_slot);
    p->sh = mp__shm_alloc(p->sh_size);
    if (!p->sh) goto fail;
    p->arena = mp__shm_alloc(ARENA_BYTES);
    if (!p->arena) goto fail;
    p->free_list = malloc(sizeof *p->free_list);
    if (!p->free_list) goto fail;
    *p->free_list = (struct free_block){.off = 0, .len = ARENA_BYTES, .next = NULL};
    p->sh->nworkers = p->nworkers;
    int r = mp__mutex_init(&p->sh->mu);
    if (r) {
        errno = -r;
        goto fail;
    }
    for (uint32_t j = 0; j < MAX_JOBS; j++) p->free_jobs[j] = MAX_JOBS - 1 - j;
    p->nfree_jobs = MAX_JOBS;
    MP__TRACE(MP_EV_POOL_NEW, p->id, p->nworkers, 0, NULL);
    p->last_check_ns = tick_now_ns();
    for (int i = 0; i < p->nworkers; i++) {
        r = spawn_worker(p, i);
        if (r) {
            mp_pool_free(p);
            errno = -r;
            return NULL;
        }
    }
    return p;
fail:;
    int e = errno ? errno : ENOMEM;
    free(p->free_list);
    if (p->arena) mp__shm_free(p->arena, ARENA_BYTES);
    if (p->sh) mp__shm_free(p->sh, p->sh_size);
    free(p);
    errno = e;
    return NULL;
}

mp_pool *mp_pool_new(int nworkers)
{
    mp_pool_opts o = {.nworkers = nworkers};
    return mp_pool_new_ex(&o);
}

int mp_pool_worker_pids(mp_pool *p, pid_t *out, int cap)
{
    if (!p || cap < 0 || (cap > 0 && !out) || !is_owner(p)) return -EINVAL;
    if (!p->terminated) check_workers(p);
    for (int i = 0; i < p->nworkers && i < cap; i++) out[i] = p->sh->w[i].pid;
    return p->nworkers;
}

int mp_pool_close(mp_pool *p)
{
    if (!p || !is_owner(p)) return -EINVAL;
    if (p->closed) return 0;
    p->closed = true;
    struct pool_shared *sh = p->sh;
    lock_sh(sh);
    atomic_store(&sh->closing, 1);
    atomic_fetch_add(&sh->work_seq, 1);
    bool wake = sh->work_sleepers > 0;
    unlock_sh(sh);
    if (wake) futex_wake(&sh->work_seq, INT_MAX);
    return 0;
}

static bool all_workers_gone(void *arg)
{
    mp_pool *p = arg;
    for (int i = 0; i < p->nworkers; i++)
        if (p->sh->w[i].pid > 0) return false;
    return true;
}

int mp_pool_join(mp_pool *p)
{
    if (!p || (!p->closed && !p->terminated) || !is_owner(p)) return -EINVAL;
    mp__deadline forever = mp__deadline_in(MP_FOREVER);
    while (!all_workers_gone(p)) {
        harvest_all(p);
        /* check_workers inside reaps the ones that left and replaces a
         * dead one only while queued work remains. */
        parent_wait(p, all_workers_gone, p, &forever);
    }
    harvest_all(p);
    return 0;
}

/* Results still waiting when the pool stops: they fail with err. */
static void fail_pending(mp_pool *p, int err)
{
    for (uint32_t j = 0; j < MAX_JOBS; j++) {
        mp_async *r = p->owner[j];
        if (!r) continue;
        finish_async(r, err, MP_EXIT_NONE);
        p->owner[j] = NULL;
    }
}

int mp_pool_terminate(mp_pool *p)
{
    if (!p || !is_owner(p)) return -EINVAL;
    if (p->terminated) return 0;
    p->terminated = true;
    p->closed = true;
    struct pool_shared *sh = p->sh;
    atomic_store(&sh->shutdown, 1);
    for (int i = 0; i < p->nworkers; i++)
        if (sh->w[i].pid > 0) kill(sh->w[i].pid, SIGKILL);
    for (int i = 0; i < p->nworkers; i++) {
        if (sh->w[i].pid <= 0) continue;
        int status = 0;
        pid_t r;
        do r = waitpid(sh->w[i].pid, &status, 0);
        while (r < 0 && errno == EINTR);
        worker_ended(p, i, status, -ESHUTDOWN);
    }
    /* What finished before the kill keeps its result; the rest fails. */
    harvest_all(p);
    fail_pending(p, -ESHUTDOWN);
    return 0;
}

/* Nothing in flight: let the workers leave on their own (exit code 0, as
 * a trace shows it) before terminate kills whatever is still there. */
static void stop_idle_workers(mp_pool *p)
{
    struct pool_shared *sh = p->sh;
    p->closed = true; /* no replacements from here on */
    lock_sh(sh);
    atomic_store(&sh->shutdown, 1);
    atomic_fetch_add(&sh->work_seq, 1);
    bool wake = sh->work_sleepers > 0;
    unlock_sh(sh);
    if (wake) futex_wake(&sh->work_seq, INT_MAX);
    mp__deadline d = mp__deadline_in(1.0);
    parent_wait(p, all_workers_gone, p, &d);
}

void mp_pool_free(mp_pool *p)
{
    if (!p) return;
    if (!is_owner(p)) {
        /* A child forked after the pool: drop its copy, never the parent's
         * workers. */
        free_arena_list(p);
        mp__shm_free(p->arena, ARENA_BYTES);
        mp__shm_free(p->sh, p->sh_size);
        free(p);
        return;
    }
    if (!p->terminated && p->nfree_jobs == MAX_JOBS) stop_idle_workers(p);
    mp_pool_terminate(p);
    pthread_mutex_destroy(&p->sh->mu);
    free_arena_list(p);
    mp__shm_free(p->arena, ARENA_BYTES);
    mp__shm_free(p->sh, p->sh_size);
    free(p);
}

/* ------------------------------------------------------------ submitting */

static bool mul_ok(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* A free job slot, harvesting or waiting for one. */
static int get_job_slot(mp_pool *p, uint32_t *j)
{
    mp__deadline forever = mp__deadline_in(MP_FOREVER);
    while (p->nfree_jobs == 0) {
        harvest_all(p);
        if (p->nfree_jobs) break;
        parent_wait(p, any_finished, p, &forever);
    }
    *j = p->free_jobs[--p->nfree_jobs];
    return 0;
}

/* Room for a job's records: inline, or in the arena (waiting for running
 * jobs to free some when it is full). */
static int place_records(mp_pool *p, uint32_t j, size_t in_len, size_t out_len)
{
    struct job *jb = &p->sh->jobs[j];
    size_t in_al = align_up(in_len), total;
    if (__builtin_add_overflow(in_al, out_len, &total)) return -ENOMEM;
    p->arena_block[j][1] = 0;
    if (total <= INLINE_BYTES) {
        jb->in = jb->inline_buf;
        jb->out = jb->inline_buf + in_al;
        return 0;
    }
    if (total > ARENA_BYTES) return -ENOMEM;
    mp__deadline forever = mp__deadline_in(MP_FOREVER);
    size_t off;
    while (!arena_alloc(p, total, &off)) {
        harvest_all(p);
        if (arena_alloc(p, total, &off)) break;
        if (p->nfree_jobs == MAX_JOBS - 1) return -ENOMEM; /* nothing else holds space */
        parent_wait(p, any_finished, p, &forever);
    }
    p->arena_block[j][0] = off;
    p->arena_block[j][1] = total;
    jb->in = p->arena + off;
    jb->out = p->arena + off + in_al;
    return 0;
}

static mp_async *async_new(mp_pool *p, size_t out_len, void *dest, size_t ntasks, const char *what)
{
    mp_async *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    if (!dest && out_len) {
        r->buf = malloc(out_len);
        if (!r->buf) {
            free(r);
            return NULL;
        }
    }
    r->pool = p;
    r->job = -1;
    r->id = mp__obj_id();
    r->exitcode = MP_EXIT_NONE;
    r->out_len = out_len;
    r->dest = dest;
    MP__TRACE(MP_EV_ASYNC_NEW, r->id, (int64_t)ntasks, 0, what);
    return r;
}

/* The one way work gets in. dest: where the output goes (NULL: the
 * result's own buffer). Returns the result or NULL with *err set. */
static mp_async *submit(mp_pool *p, mp_task fn, const void *in, size_t n, size_t in_size,
                        size_t out_size, size_t chunksize, void *dest, const char *what, int *err)
{
    size_t in_len, out_len;
    *err = -EINVAL;
    if (!p || !fn || p->closed || p->terminated || chunksize == 0) return NULL;
    if (!is_owner(p)) return NULL;
    if (!mul_ok(n, in_size, &in_len) || !mul_ok(n, out_size, &out_len)) return NULL;
    if (in_len && !in) return NULL;
    maybe_check_workers(p);
    harvest_all(p);

    size_t nchunks = n ? (n + chunksize - 1) / chunksize : 0;
    *err = -ENOMEM;
    if (in_len > ARENA_BYTES || out_len > ARENA_BYTES - align_up(in_len)) return NULL; /* can never fit */
    mp_async *r = async_new(p, out_len, dest, nchunks, what);
    if (!r) return NULL;
    if (n == 0) { /* map over nothing: ready at once, as in Python */
        finish_async(r, 0, MP_EXIT_NONE);
        return r;
    }
    uint32_t j;
    get_job_slot(p, &j);
    int e = place_records(p, j, in_len, out_len);
    if (e) {
        p->free_jobs[p->nfree_jobs++] = j;
        free(r->buf);
        free(r);
        *err = e;
        return NULL;
    }
    struct job *jb = &p->sh->jobs[j];
    if (in_len) memcpy(jb->in, in, in_len);
    atomic_store(&jb->done, 0);
    jb->gen++;
    jb->fn = fn;
    jb->task_id = p->next_task_id;
    p->next_task_id += nchunks;
    jb->n = n;
    jb->in_size = in_size;
    jb->out_size = out_size;
    jb->chunksize = chunksize;
    jb->nchunks = nchunks;
    jb->next_chunk = 0;
    jb->chunks_done = 0;
    jb->error = 0;
    jb->exitcode = MP_EXIT_NONE;
    p->owner[j] = r;
    r->job = (int32_t)j;
    if (mp__trace_on)
        for (size_t c = 0; c < nchunks; c++)
            MP__TRACE(MP_EV_TASK_SUBMIT, p->id, (int64_t)(jb->task_id + c), (int64_t)r->id, NULL);

    struct pool_shared *sh = p->sh;
    lock_sh(sh);
    sh->queue[atomic_load(&sh->qtail) % MAX_JOBS] = j;
    atomic_fetch_add_explicit(&sh->qtail, 1, memory_order_release);
    atomic_fetch_add(&sh->work_seq, 1);
    uint32_t sleepers = sh->work_sleepers;
    unlock_sh(sh);
    if (sleepers) futex_wake(&sh->work_seq, nchunks < sleepers ? (int)nchunks : (int)sleepers);
    *err = 0;
    return r;
}

static size_t default_chunksize(mp_pool *p, size_t n)
{
    size_t per = 4 * (size_t)p->nworkers;
    size_t c = (n + per - 1) / per;
    return c ? c : 1;
}

mp_async *mp_pool_apply_async(mp_pool *p, mp_task f, const void *in, size_t in_size, size_t out_size)
{
    int err;
    mp_async *r = submit(p, f, in, 1, in_size, out_size, 1, NULL, "apply_async", &err);
    if (!r) errno = -err;
    return r;
}

mp_async *mp_pool_map_async_chunked(mp_pool *p, mp_task f, const void *in, size_t n, size_t in_size,
                                    size_t out_size, size_t chunksize)
{
    int err;
    mp_async *r = submit(p, f, in, n, in_size, out_size, chunksize, NULL, "map_async", &err);
    if (!r) errno = -err;
    return r;
}

mp_async *mp_pool_map_async(mp_pool *p, mp_task f, const void *in, size_t n, size_t in_size, size_t out_size)
{
    if (!p) {
        errno = EINVAL;
        return NULL;
    }
    return mp_pool_map_async_chunked(p, f, in, n, in_size, out_size, default_chunksize(p, n));
}

/* Blocking submission straight into the caller's buffer. */
static int run_blocking(mp_pool *p, mp_task f, const void *in, size_t n, size_t in_size, void *out,
                        size_t out_size, size_t chunksize, const char *what)
{
    int err;
    mp_async *r = submit(p, f, in, n, in_size, out_size, chunksize, out, what, &err);
    if (!r) return err;
    err = mp_async_get(r, NULL, MP_FOREVER);
    mp_async_free(r);
    return err;
}

int mp_pool_apply(mp_pool *p, mp_task f, const void *in, size_t in_size, void *out, size_t out_size)
{
    if (out_size && !out) return -EINVAL;
    return run_blocking(p, f, in, 1, in_size, out, out_size, 1, "apply");
}

int mp_pool_map_chunked(mp_pool *p, mp_task f, const void *in, size_t n, size_t in_size, void *out,
                        size_t out_size, size_t chunksize)
{
    size_t out_len;
    if (!p || (n && out_size && !out) || !mul_ok(n, out_size, &out_len)) return -EINVAL;
    /* A map bigger than half the arena goes through in pieces, one after
     * the other, so any size works; the result is the first error met,
     * and every piece still runs. */
    size_t rec = in_size + out_size + 2 * ARENA_ALIGN;
    size_t piece = rec ? (ARENA_BYTES / 2) / rec : n;
    if (piece == 0) return -ENOMEM;
    int first_err = 0;
    size_t done = 0;
    do {
        size_t m = n - done < piece ? n - done : piece;
        const unsigned char *pin = in ? (const unsigned char *)in + done * in_size : NULL;
        unsigned char *pout = out ? (unsigned char *)out + done * out_size : NULL;
        int e = run_blocking(p, f, pin, m, in_size, pout, out_size, chunksize, "map");
        if (e && !first_err) first_err = e;
        if (e == -EINVAL || e == -ENOMEM) break;
        done += m;
    } while (done < n);
    return first_err;
}

int mp_pool_map(mp_pool *p, mp_task f, const void *in, size_t n, size_t in_size, void *out, size_t out_size)
{
    if (!p) return -EINVAL;
    return mp_pool_map_chunked(p, f, in, n, in_size, out, out_size, default_chunksize(p, n));
}

/* ------------------------------------------------------------ results */

bool mp_async_ready(mp_async *r)
{
    if (!r) return false;
    r->polls++;
    if (!r->done && is_owner(r->pool)) {
        mp_pool *p = r->pool;
        if (atomic_load_explicit(&p->sh->jobs[r->job].done, memory_order_acquire)) {
            harvest_all(p);
        } else {
            maybe_check_workers(p); /* a dead worker's task ends here */
            if (atomic_load(&p->sh->jobs[r->job].done)) harvest_all(p);
        }
    }
    MP__TRACE(MP_EV_ASYNC_POLL, r->id, r->done, (int64_t)r->polls, NULL);
    return r->done;
}

int mp_async_wait(mp_async *r, double timeout)
{
    if (!r) return -EINVAL;
    if (r->done) return 0;
    mp_pool *p = r->pool;
    if (!is_owner(p)) return -EINVAL;
    MP__TRACE_WAIT(MP_EV_ASYNC_WAIT, r->id, 0, 0, timeout);
    mp__deadline d = mp__deadline_in(timeout);
    for (;;) {
        int e = parent_wait(p, async_job_done, r, &d);
        if (e) return e;
        harvest_all(p);
        if (r->done) return 0;
        /* Only "done" counts, never the flag alone: a worker killed inside
         * its critical section may have set one without the other. */
        sched_yield();
        if (mp__deadline_passed(&d)) return -ETIMEDOUT;
    }
}

int mp_async_get(mp_async *r, void *out, double timeout)
{
    if (!r) return -EINVAL;
    if (!out && r->out_len && !r->dest) return -EINVAL;
    int e = mp_async_wait(r, timeout);
    if (e) return e;
    if (r->error) return r->error;
    if (out && r->out_len && !r->dest) memcpy(out, r->buf, r->out_len);
    return 0;
}

bool mp_async_successful(mp_async *r)
{
    return r && r->done && r->error == 0;
}

int mp_async_error(mp_async *r)
{
    if (!r) return -EINVAL;
    return r->done ? r->error : -EAGAIN;
}

int mp_async_exitcode(mp_async *r)
{
    return r ? r->exitcode : MP_EXIT_NONE;
}

void mp_async_free(mp_async *r)
{
    if (!r) return;
    /* Still running: give up the claim; the job slot is released when the
     * task ends (harvest finds no owner). */
    if (!r->done && r->pool && r->job >= 0) r->pool->owner[r->job] = NULL;
    free(r->buf);
    free(r);
}
