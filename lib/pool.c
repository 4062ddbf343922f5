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
 * finished jobs when it is called (ready, wait, get; submit every
 * SUBMIT_BATCH-th time, or when it needs a slot or arena space): it copies
 * the output into the mp_async (or straight into the caller's buffer for
 * the blocking calls) and frees the slot. So a result freed while its task
 * runs only drops its claim: the slot is released when the task ends.
 *
 * Cache lines: in a stream of small tasks the parent and the workers run
 * on different CPUs, and every line one writes and another reads moves
 * between them. struct pool_shared keeps apart what the workers write under
 * the mutex, what ends a job, what the parent writes per submission and
 * the rarely written flags; job and worker slots are line-aligned. With the
 * batched harvest and a smaller mp_async, this took bench_mp's unpinned
 * pool_apply_async_tasks_s from about 2.5 to 7-8 M tasks/s on this 2-CPU
 * machine.
 *
 * Sleeping and waking: the mutex is a robust, process-shared pthread mutex
 * (a worker that dies holding it does not wedge the pool). Sleeping is done
 * on raw futex sequence words (futex.c) rather than pthread condvars, on
 * purpose: glibc's process-shared condvar keeps per-waiter state, and a
 * waiter killed by SIGKILL can leave a later signal/broadcast stuck, which
 * is exactly the case this pool must survive. A dead futex waiter leaves
 * nothing behind.
 * Wakers only make the wake syscall when someone sleeps, and both sides
 * spin (yielding) for a few tens of microseconds before sleeping, because
 * waking a process on the other CPU costs ~30 us here. The yield matters
 * too: with two workers and the parent on two CPUs, a worker spinning on
 * the parent's CPU hands it back at each yield (spinning without yielding
 * halved the unpinned apply_async throughput).
 *
 * Worker death: each worker records, under the mutex and in the same step
 * as it claims a chunk, which job and chunk it runs. A worker can be killed
 * even inside a critical section: each one first writes an undo record of
 * what it is about to change (struct undo), and whoever next gets the mutex
 * with EOWNERDEAD puts those fields back, so a half-made claim or end never
 * happened (test_pool kills workers at each step through a test hook).
 * The parent reaps its workers with waitpid(pid, WNOHANG) whenever it
 * waits (its sleeps are cut in slices of WAIT_SLICE) and from ready()
 * at most every TICK_NS; a
 * worker that ended while running a chunk fails that job with -ECHILD and
 * its exit status, and is replaced by a fresh fork. No thread runs in the
 * parent: all of this happens inside the caller's own calls.
 *
 * Files: pool.c (this one: the pool's life and submitting work),
 * pool_worker.c (the shared state's mutex and undo records, the worker
 * processes and their management), pool_result.c (harvesting finished
 * jobs, the parent's waits, async results), pool_arena.c (the parent's
 * allocator for the arena); pool_private.h holds what they share.
 */
#include "pool_private.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* ------------------------------------------------------------ pool lifecycle */

/* How many workers a pool of n gets: n, or the CPU count for 0, within
 * 1..MAX_WORKERS (a machine may have more CPUs than a pool has slots, and
 * the count may be unknown). cpus is mp_cpu_count(), passed in so that a
 * test can ask about a machine it does not run on. */
int mp__pool_clamp_workers(int n, int cpus)
{
    if (n == 0) n = cpus;
    if (n < 1) n = 1;
    if (n > MAX_WORKERS) n = MAX_WORKERS;
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
    p->nworkers = mp__pool_clamp_workers(opts->nworkers, mp_cpu_count());
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
    p->last_check_ns = mp__pool_tick_now_ns();
    for (int i = 0; i < p->nworkers; i++) {
        r = mp__pool_spawn_worker(p, i);
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
    if (!p || cap < 0 || (cap > 0 && !out) || !mp__pool_is_owner(p)) return -EINVAL;
    if (!p->terminated) mp__pool_check_workers(p);
    for (int i = 0; i < p->nworkers && i < cap; i++) out[i] = p->sh->w[i].pid;
    return p->nworkers;
}

int mp_pool_close(mp_pool *p)
{
    if (!p || !mp__pool_is_owner(p)) return -EINVAL;
    if (p->closed) return 0;
    p->closed = true;
    MP__TRACE(MP_EV_POOL_CLOSE, p->id, 0, 0, NULL);
    struct pool_shared *sh = p->sh;
    mp__pool_lock(sh);
    atomic_store(&sh->closing, 1);
    atomic_fetch_add(&sh->work_seq, 1);
    bool wake = sh->work_sleepers > 0;
    mp__pool_unlock(sh);
    if (wake) mp__futex_wake((uint32_t *)&sh->work_seq, INT_MAX);
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
    if (!p || (!p->closed && !p->terminated) || !mp__pool_is_owner(p)) return -EINVAL;
    MP__GATE(MP_GOP_POOL_JOIN, p->id, 0, 0);
    mp__deadline forever = mp__deadline_in(MP_FOREVER);
    while (!all_workers_gone(p)) {
        mp__pool_harvest_all(p);
        /* mp__pool_check_workers inside reaps the ones that left and replaces a
         * dead one only while queued work remains. */
        mp__pool_parent_wait(p, all_workers_gone, p, &forever);
    }
    mp__pool_harvest_all(p);
    return 0;
}

/* Results still waiting when the pool stops: they fail with err. */
static void fail_pending(mp_pool *p, int err)
{
    for (uint32_t j = 0; j < MAX_JOBS; j++) {
        mp_async *r = p->owner[j];
        if (!r) continue;
        mp__pool_finish_async(r, err, MP_EXIT_NONE);
        p->owner[j] = NULL;
    }
}

int mp_pool_terminate(mp_pool *p)
{
    if (!p || !mp__pool_is_owner(p)) return -EINVAL;
    if (p->terminated) return 0;
    p->terminated = true;
    p->closed = true;
    MP__TRACE(MP_EV_POOL_CLOSE, p->id, 1, 0, NULL);
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
        mp__pool_worker_ended(p, i, status, -ESHUTDOWN);
    }
    /* What finished before the kill keeps its result; the rest fails. */
    mp__pool_harvest_all(p);
    fail_pending(p, -ESHUTDOWN);
    return 0;
}

/* Nothing in flight: let the workers leave on their own (exit code 0, as
 * a trace shows it) before terminate kills whatever is still there. */
static void stop_idle_workers(mp_pool *p)
{
    struct pool_shared *sh = p->sh;
    p->closed = true; /* no replacements from here on */
    mp__pool_lock(sh);
    atomic_store(&sh->shutdown, 1);
    atomic_fetch_add(&sh->work_seq, 1);
    bool wake = sh->work_sleepers > 0;
    mp__pool_unlock(sh);
    if (wake) mp__futex_wake((uint32_t *)&sh->work_seq, INT_MAX);
    MP__TRACE(MP_EV_POOL_CLOSE, p->id, 0, 0, NULL);
    MP__GATE(MP_GOP_POOL_JOIN, p->id, 0, 0); /* a controlled run lets the workers leave first */
    mp__deadline d = mp__deadline_in(1.0);
    mp__pool_parent_wait(p, all_workers_gone, p, &d);
}

void mp_pool_free(mp_pool *p)
{
    if (!p) return;
    if (!mp__pool_is_owner(p)) {
        /* A child forked after the pool: drop its copy, never the parent's
         * workers. */
        mp__pool_arena_free_list(p);
        mp__shm_free(p->arena, ARENA_BYTES);
        mp__shm_free(p->sh, p->sh_size);
        free(p);
        return;
    }
    if (!p->terminated) mp__pool_harvest_all(p); /* finished jobs are not in flight */
    if (!p->terminated && p->nfree_jobs == MAX_JOBS) stop_idle_workers(p);
    mp_pool_terminate(p);
    pthread_mutex_destroy(&p->sh->mu);
    mp__pool_arena_free_list(p);
    mp__shm_free(p->arena, ARENA_BYTES);
    mp__shm_free(p->sh, p->sh_size);
    free(p);
}

/* ------------------------------------------------------------ submitting */

static bool mul_ok(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* A free job slot, harvesting or waiting for one (the jobs in flight end,
 * or fail when their worker dies). 0 | the wait's error. */
static int get_job_slot(mp_pool *p, uint32_t *j)
{
    while (p->nfree_jobs == 0) {
        mp__pool_harvest_all(p);
        if (p->nfree_jobs) break;
        mp__deadline forever = mp__deadline_in(MP_FOREVER);
        int e = mp__pool_parent_wait(p, mp__pool_any_finished, p, &forever);
        if (e) return e;
    }
    *j = p->free_jobs[--p->nfree_jobs];
    return 0;
}

/* Room for a job's records: inline, or in the arena (waiting for running
 * jobs to free some when it is full). */
static int place_records(mp_pool *p, uint32_t j, size_t in_len, size_t out_len)
{
    struct job *jb = &p->sh->jobs[j];
    size_t in_al = mp__pool_align_up(in_len), total;
    if (__builtin_add_overflow(in_al, out_len, &total)) return -ENOMEM;
    p->arena_block[j][1] = 0;
    /* Inline, records are 16-byte aligned (not a line apart as in the
     * arena): a small task's input and output then share the job's second
     * line with its header. */
    size_t in_al16 = (in_len + 15) & ~(size_t)15;
    if (in_al16 + out_len <= INLINE_BYTES) {
        jb->in = jb->inline_buf;
        jb->out = jb->inline_buf + in_al16;
        return 0;
    }
    if (total > ARENA_BYTES) return -ENOMEM;
    size_t off;
    while (!mp__pool_arena_alloc(p, total, &off)) {
        mp__pool_harvest_all(p);
        if (mp__pool_arena_alloc(p, total, &off)) break;
        if (p->nfree_jobs == MAX_JOBS - 1) return -ENOMEM; /* nothing else holds space */
        mp__deadline forever = mp__deadline_in(MP_FOREVER);
        mp__pool_parent_wait(p, mp__pool_any_finished, p, &forever);
    }
    p->arena_block[j][0] = off;
    p->arena_block[j][1] = total;
    p->arena_jobs++;
    jb->in = p->arena + off;
    jb->out = p->arena + off + in_al;
    return 0;
}

static mp_async *async_new(mp_pool *p, size_t out_len, void *dest, size_t ntasks, const char *what)
{
    mp_async *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    if (!dest && out_len > sizeof r->out.small) {
        r->out.heap = malloc(out_len);
        if (!r->out.heap) {
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
    if (!mp__pool_is_owner(p)) return NULL;
    MP__GATE(MP_GOP_POOL_SUBMIT, p->id, (int64_t)n, 0);
    if (!mul_ok(n, in_size, &in_len) || !mul_ok(n, out_size, &out_len)) return NULL;
    if (in_len && !in) return NULL;
    /* The worker check reads a clock: in a stream of submissions, every
     * SUBMIT_BATCH-th one looks, and any one after a worker left on its own
     * (ready, wait and the parent's waits still look every time). */
    bool batch = ++p->submits % SUBMIT_BATCH == 0;
    if (batch || atomic_load_explicit(&p->sh->exits, memory_order_relaxed) != p->seen_exits)
        mp__pool_maybe_check_workers(p);
    /* Harvesting takes the mutex the workers claim under and reads back
     * the lines they have just written: done on every submission it was a
     * third of the parent's time in a stream of apply_async, for a batch
     * of one or two jobs. So every SUBMIT_BATCH-th submission harvests
     * all that finished at once (the free slots are a stack, so the same
     * few dozen slots keep being reused), and every one while a job holds
     * arena space (which goes back as soon as possible, as before).
     * Results do not wait for it: ready, wait and get harvest themselves. */
    if (batch || p->arena_jobs) mp__pool_harvest_all(p);

    size_t nchunks = n ? (n + chunksize - 1) / chunksize : 0;
    *err = -ENOMEM;
    if (in_len > ARENA_BYTES || out_len > ARENA_BYTES - mp__pool_align_up(in_len)) return NULL; /* can never fit */
    mp_async *r = async_new(p, out_len, dest, nchunks, what);
    if (!r) return NULL;
    if (n == 0) { /* map over nothing: ready at once, as in Python */
        mp__pool_finish_async(r, 0, MP_EXIT_NONE);
        return r;
    }
    uint32_t j;
    int e = get_job_slot(p, &j);
    if (!e) {
        e = place_records(p, j, in_len, out_len);
        if (e) p->free_jobs[p->nfree_jobs++] = j;
    }
    if (e) {
        mp__async_free_buf(r);
        free(r);
        *err = e;
        return NULL;
    }
    struct job *jb = &p->sh->jobs[j];
    if (in_len) memcpy(jb->in, in, in_len);
    /* No worker sees the slot before it is queued (under the mutex). */
    atomic_store_explicit(&jb->done, 0, memory_order_relaxed);
    jb->gen++;
    jb->fn = fn;
    jb->task_id = p->next_task_id;
    p->next_task_id += nchunks;
    jb->n = n;
    jb->in_size = (uint32_t)in_size; /* n >= 1 and n * size fits the arena */
    jb->out_size = (uint32_t)out_size;
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

    /* Queued without the mutex: only the parent moves qtail, and the queue
     * cannot overflow (a job holds one of MAX_JOBS slots until it leaves
     * the queue and ends). The release store publishes the entry and the
     * job slot written above; the seq_cst bump orders it before the read
     * of work_sleepers (the sleeper's side is in claim_chunk). Taking the
     * mutex here cost the parent a lock and a robust unlock per task and
     * made it queue behind the workers' claims. */
    struct pool_shared *sh = p->sh;
    uint32_t t = atomic_load_explicit(&sh->qtail, memory_order_relaxed);
    sh->queue[t % MAX_JOBS] = j;
    atomic_store_explicit(&sh->qtail, t + 1, memory_order_release);
    atomic_fetch_add(&sh->work_seq, 1);
    /* Wake the sleepers once per new sleep: a woken worker counts as a
     * sleeper until it runs, and on a busy (or pinned) CPU that can take a
     * while, during which every submission made a futex wake system call
     * for nobody (20 % of a pinned apply_async). All of them are woken,
     * so none sleeps through work queued meanwhile; one that goes back to
     * sleep bumps sleep_gen, and the next submission wakes it again. */
    uint32_t sleepers = atomic_load(&sh->work_sleepers), gen = atomic_load(&sh->sleep_gen);
    if (sleepers && gen != p->woken_gen) {
        p->woken_gen = gen;
        mp__futex_wake((uint32_t *)&sh->work_seq, INT_MAX);
    }
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

