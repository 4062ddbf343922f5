/*
 * pool_worker.c — the pool's workers: the mutex of the shared state and the
 * undo records that make a worker killed inside a critical section
 * harmless, the worker loop (claim a chunk, run it, end it), and the
 * parent's side of it (spawn, reap, fail the chunk of a dead worker,
 * replace it). See the design note at the top of pool.c.
 */
#include "pool_private.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------ the shared state's mutex */

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
void mp__pool_lock(struct pool_shared *sh)
{
    for (int i = 0; i < 64; i++) {
        int r = pthread_mutex_trylock(&sh->mu);
        if (r == 0) return;
        if (r == EOWNERDEAD) {
            repair_locked(sh);
            pthread_mutex_consistent(&sh->mu);
            return;
        }
        mp__cpu_relax();
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
    /* Release, not a locked exchange: the repairer reads the record only
     * after the holder died, and stores reach memory in program order
     * (the same assumption as STEP). */
    atomic_store_explicit(&u->valid, 1, memory_order_release);
    STEP();
}

static void undo_close(struct worker_slot *me)
{
    STEP();
    atomic_store_explicit(&me->undo.valid, 0, memory_order_release);
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

void mp__pool_unlock(struct pool_shared *sh)
{
    pthread_mutex_unlock(&sh->mu);
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
    mp__pool_bump(&sh->dtail);
    TEST_POINT(3);
    atomic_store_explicit(&jb->done, 1, memory_order_release);
    mp__pool_bump(&sh->done_seq);
    if (sh->parent_sleepers) mp__futex_wake((uint32_t *)&sh->done_seq, INT_MAX);
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
static uint64_t gate_pool_id; /* a worker's pool, for its gates in a controlled run */

static bool claim_chunk(struct pool_shared *sh, int idx, int64_t ended, uint32_t *job, size_t *chunk)
{
    struct worker_slot *me = &sh->w[idx];
    mp__pool_lock(sh);
    undo_open(sh, me);
    if (ended >= 0) worker_end_locked(sh, me, (uint32_t)ended);
    for (;;) {
        if (atomic_load(&sh->shutdown)) break;
        if (sh->qhead != sh->qtail) {
            uint32_t j = sh->queue[sh->qhead % MAX_JOBS];
            struct job *jb = &sh->jobs[j];
            if (jb->next_chunk >= jb->nchunks) { /* every chunk taken: not queued any more */
                mp__pool_bump(&sh->qhead);
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
            if (jb->next_chunk >= jb->nchunks) mp__pool_bump(&sh->qhead);
            undo_close(me);
            mp__pool_unlock(sh);
            return true;
        }
        if (atomic_load(&sh->closing)) break;
        undo_close(me);
        mp__pool_unlock(sh);
        if (MP__GATE_ON()) { mp__gate(MP_GOP_POOL_CLAIM, gate_pool_id, 0, 0, MP_FOREVER); mp__pool_lock(sh); undo_open(sh, me); continue; } /* park instead of sleeping */
        bool got = mp__spin_until(work_or_stop, sh, WORKER_SPIN_NS, 1);
        mp__pool_lock(sh);
        undo_open(sh, me);
        if (got || sh->qhead != sh->qtail || atomic_load(&sh->shutdown) || atomic_load(&sh->closing))
            continue;
        /* submit queues without the lock: it stores qtail, bumps work_seq,
         * then reads work_sleepers. Here the reverse: the sequence first,
         * then count ourselves (a full barrier), then look at qtail again.
         * Either we see the job, or submit sees us and wakes us, or the
         * sequence moved and the futex wait returns at once. */
        uint32_t seen = atomic_load(&sh->work_seq);
        atomic_fetch_add(&sh->work_sleepers, 1);
        atomic_fetch_add(&sh->sleep_gen, 1);
        if (sh->qhead != atomic_load(&sh->qtail)) {
            atomic_fetch_sub(&sh->work_sleepers, 1);
            continue;
        }
        me->sleeping = true;
        undo_close(me);
        mp__pool_unlock(sh);
        mp__deadline forever = mp__deadline_in(MP_FOREVER);
        mp__futex_wait((uint32_t *)&sh->work_seq, seen, &forever);
        mp__pool_lock(sh);
        undo_open(sh, me);
        if (me->sleeping) {
            me->sleeping = false;
            sh->work_sleepers--;
        }
    }
    undo_close(me);
    mp__pool_unlock(sh);
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
    if (__fpending(stdout)) fflush(stdout); /* (two fflush calls were 5 % of a tiny task) */
    if (__fpending(stderr)) fflush(stderr);
}

static void leave(mp_pool *p, int idx)
{
    struct pool_shared *sh = p->sh;
    if (MP__GATE_ON()) mp__gate_exit(0);
    fflush(NULL);
    atomic_store(&sh->w[idx].exiting, 1);
    atomic_fetch_add(&sh->exits, 1);
    mp__pool_lock(sh);
    atomic_fetch_add(&sh->done_seq, 1);
    if (sh->parent_sleepers) mp__futex_wake((uint32_t *)&sh->done_seq, INT_MAX);
    mp__pool_unlock(sh);
    _exit(0);
}

static void worker_main(mp_pool *p, int idx, const char *name)
{
    struct pool_shared *sh = p->sh;
    /* A worker never outlives the parent that manages it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != p->parent) _exit(0);
    gate_pool_id = p->id;
    mp__trace_child_started(name);
    if (p->opts.initializer) p->opts.initializer(p->opts.initarg);
    int ran = 0;
    int64_t ended = -1; /* job whose chunk this worker has just run */
    uint32_t j;
    size_t chunk;
    while (claim_chunk(sh, idx, ended, &j, &chunk)) {
        struct job *jb = &sh->jobs[j];
        run_chunk(p, jb, chunk);
        MP__GATE(MP_GOP_POOL_CLAIM, p->id, 1, 0); /* the end of the chunk is one step with its event */
        /* Traced before the end: once the job ends its slot may be reused. */
        MP__TRACE(MP_EV_TASK_DONE, p->id, (int64_t)(jb->task_id + chunk), 0, NULL);
        ended = j;
        if (p->opts.maxtasksperchild > 0 && ++ran >= p->opts.maxtasksperchild) {
            mp__pool_lock(sh);
            undo_open(sh, &sh->w[idx]);
            worker_end_locked(sh, &sh->w[idx], j);
            undo_close(&sh->w[idx]);
            mp__pool_unlock(sh);
            break;
        }
    }
    leave(p, idx);
}

/* ------------------------------------------------------------ worker management (parent) */

int mp__pool_spawn_worker(mp_pool *p, int idx)
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
void mp__pool_worker_ended(mp_pool *p, int idx, int status, int fail_with)
{
    struct pool_shared *sh = p->sh;
    struct worker_slot *w = &sh->w[idx];
    int code = status_to_exitcode(status);
    MP__TRACE(MP_EV_PROC_EXIT, 0, w->pid, code, NULL);
    mp__pool_lock(sh);
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
    mp__pool_unlock(sh);
}

static bool work_left(mp_pool *p)
{
    return atomic_load(&p->sh->qtail) != atomic_load(&p->sh->qhead);
}

/* The clock of the worker-check tick, read on every submit and get: the
 * coarse clock (a few ms resolution, no counter read) is enough for a 5 ms
 * tick. Both stamps of the comparison come from it: it may lag the precise
 * clock, so mixing the two could make the difference wrap. */
uint64_t mp__pool_tick_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reap workers that ended and replace them while work may still come. */
void mp__pool_check_workers(mp_pool *p)
{
    struct pool_shared *sh = p->sh;
    p->seen_exits = atomic_load(&sh->exits);
    p->last_check_ns = mp__pool_tick_now_ns();
    for (int i = 0; i < p->nworkers; i++) {
        struct worker_slot *w = &sh->w[i];
        if (w->pid > 0) {
            int status;
            int flags = atomic_load(&w->exiting) ? 0 : WNOHANG;
            pid_t r;
            do r = waitpid(w->pid, &status, flags);
            while (r < 0 && errno == EINTR);
            if (r == w->pid) mp__pool_worker_ended(p, i, status, -ECHILD);
            else if (r < 0 && errno == ECHILD) mp__pool_worker_ended(p, i, 0, -ECHILD); /* reaped elsewhere */
        }
        if (w->pid == 0 && !p->terminated && (!p->closed || work_left(p))) mp__pool_spawn_worker(p, i);
    }
}

/* Cheap enough to call on every operation: a worker check only when one
 * left on its own, or when the last check is older than TICK_NS. */
void mp__pool_maybe_check_workers(mp_pool *p)
{
    if (atomic_load(&p->sh->exits) != p->seen_exits || mp__pool_tick_now_ns() - p->last_check_ns >= TICK_NS)
        mp__pool_check_workers(p);
}

