/*
 * pool_private.h — what the pool's files share: the shared state the
 * workers see, the parent's own state, and the functions one file calls in
 * another. The design is described at the top of pool.c.
 */
#ifndef POOL_PRIVATE_H
#define POOL_PRIVATE_H

#include "mp_private.h"

#include <stdatomic.h>
#include <stdlib.h>

#pragma GCC visibility push(hidden)

#define MAX_JOBS 1024u               /* jobs in flight (a map is one job) */
#define MAX_WORKERS 1024
#define INLINE_BYTES 160             /* in + out records kept in the job slot (a slot is 4 lines) */
#define ARENA_BYTES (256u << 20)     /* virtual size; backed only when touched */
#define ARENA_ALIGN 64
#define RELEASE_BYTES (16u << 20)    /* freed arena blocks this big return their pages */
#define WORKER_SPIN_NS 50000ull      /* an idle worker spins this long before sleeping */
#define PARENT_SPIN_NS 100000ull     /* a waiting parent spins this long before sleeping */
#define WAIT_SLICE 0.05              /* seconds: the parent checks its workers at least this often */
#define TICK_NS 5000000ull           /* ready() checks the workers at most this often */
#define SUBMIT_BATCH 64              /* submit harvests and checks the workers this often */

/* ------------------------------------------------------------ shared state */

#define LINE 64 /* cache line: what different processes write is kept apart */

/* Laid out for the worker that runs it: everything a claim, a run and an
 * end read or write is in the first two lines, with the records of a small
 * task (inline_buf starts at byte 96). Slots are line-aligned so the slot a
 * worker ends and the one the parent fills never share a line. */
struct job {
    _Atomic uint32_t done; /* 1 once every chunk ended (set under the mutex) */
    uint32_t gen;          /* bumped each time the slot takes a new job */
    mp_task fn;
    uint64_t task_id; /* trace id of chunk 0; chunk i is task_id + i */
    size_t n, chunksize, nchunks;
    uint32_t in_size, out_size; /* n * either fits the arena, so 32 bits do */
    size_t next_chunk;  /* next chunk to hand out */
    size_t chunks_done; /* chunks that ended (or failed) */
    unsigned char *in, *out;
    int error;    /* 0, or -ECHILD when a worker died running a chunk */
    int exitcode; /* that worker's exit code or -signal, else MP_EXIT_NONE */
    unsigned char inline_buf[INLINE_BYTES] __attribute__((aligned(16)));
} __attribute__((aligned(LINE)));
_Static_assert(ARENA_BYTES <= UINT32_MAX, "a record size must fit in 32 bits");
_Static_assert(sizeof(struct job) == 4 * LINE && offsetof(struct job, inline_buf) == 96,
               "a job slot is four lines, a small task's records in the second");

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
} __attribute__((aligned(LINE))); /* each worker writes its own: no line shared */

/* Grouped by who writes what how often, one group per cache line: a line
 * written by one process and read by another moves between CPUs on each
 * write, and when unrelated words share it they pay for each other's
 * writes (the mutex, qtail and work_seq in one line made the parent's
 * submission wait on every claim the workers made). */
struct pool_shared {
    /* Written inside the workers' critical sections (and the parent's
     * harvest), so one line moves with the lock. */
    pthread_mutex_t mu;
    _Atomic uint32_t qhead;
    uint32_t dhead;
    uint32_t parent_sleepers;   /* the parent asleep on done_seq */
    /* Written by the worker that ends a job, read by the parent without
     * the lock when it looks for finished work. */
    _Atomic uint32_t dtail __attribute__((aligned(LINE))); /* finished[dhead..dtail) */
    _Atomic uint32_t done_seq;  /* bumped when a job ends or a worker leaves */
    /* Written by the parent on each submission, read by idle workers.
     * qtail moves only in the parent, without the lock (see submit). */
    _Atomic uint32_t qtail __attribute__((aligned(LINE))); /* queue[qhead..qtail) mod MAX_JOBS */
    _Atomic uint32_t work_seq;  /* bumped when work is queued or the pool closes */
    /* Written rarely (a worker goes to sleep or leaves, the pool closes),
     * read often. */
    _Atomic uint32_t work_sleepers __attribute__((aligned(LINE))); /* workers asleep on work_seq (read by submit without the lock) */
    _Atomic uint32_t sleep_gen; /* bumped each time a worker goes to sleep */
    _Atomic uint32_t exits;     /* workers that left on their own */
    _Atomic int closing, shutdown;
    int nworkers;
    uint32_t queue[MAX_JOBS] __attribute__((aligned(LINE)));
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
    uint32_t woken_gen; /* sh->sleep_gen when submit last woke the sleepers */
    int worker_serial; /* names PoolWorker-N, counting replacements */
    bool closed, terminated;
    uint32_t seen_exits;
    uint64_t last_check_ns;
    mp_async *owner[MAX_JOBS]; /* the result waiting for each job, or NULL */
    uint32_t free_jobs[MAX_JOBS];
    uint32_t nfree_jobs;
    uint32_t arena_jobs; /* jobs holding an arena block */
    uint32_t submits;    /* counts submissions, for SUBMIT_BATCH */
    size_t arena_block[MAX_JOBS][2]; /* offset, length of each job's arena block (len 0: inline) */
};

/* 72 bytes (an 80-byte malloc chunk): a stream of apply_async allocates
 * one per task, and the pages they take are a good part of its cost. */
struct mp_async {
    mp_pool *pool; /* NULL once finished or detached */
    uint64_t id;
    size_t out_len;
    unsigned char *dest; /* when set, the output goes there instead (blocking calls) */
    uint64_t polls;
    /* The output, when no dest: outputs this small live here (no
     * malloc/free per apply_async), bigger ones in an owned buffer. */
    union {
        unsigned char small[16];
        unsigned char *heap;
    } out;
    int32_t job; /* job slot, -1 once finished */
    int error;
    int exitcode;
    bool done;
};
_Static_assert(sizeof(struct mp_async) <= 72, "an mp_async fits an 80-byte malloc chunk");
static inline bool mp__async_small(const mp_async *r)
{
    return r->out_len <= sizeof r->out.small;
}
/* Where the output is kept (no dest). */
static inline unsigned char *mp__async_buf(mp_async *r)
{
    return mp__async_small(r) ? r->out.small : r->out.heap;
}
/* Frees what r owns besides itself. */
static inline void mp__async_free_buf(mp_async *r)
{
    if (!r->dest && !mp__async_small(r)) free(r->out.heap);
}

/* ------------------------------------------------------------ across the files */

/* Only the process that made the pool manages it: a child forked later
 * sees a copy whose waitpid() calls would fail and mislead. */
/* counter + 1, for a counter only written with the pool mutex held (by one
 * process at a time): a plain load and a release store, not a locked
 * read-modify-write (lock-free readers still see the new value in order). */
static inline void mp__pool_bump(_Atomic uint32_t *counter)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + 1, memory_order_release);
}

static inline bool mp__pool_is_owner(const mp_pool *p)
{
    return mp__pid() == p->parent;
}

/* pool.c: the worker count of a pool of n (0: one per CPU) on a machine
 * with `cpus` CPUs, within 1..MAX_WORKERS. */
int mp__pool_clamp_workers(int n, int cpus);

/* pool_worker.c: the mutex of struct pool_shared (a dead holder's half-done
 * critical section is undone by whoever takes it next), and the workers. */
void mp__pool_lock(struct pool_shared *sh);
void mp__pool_unlock(struct pool_shared *sh);
int mp__pool_spawn_worker(mp_pool *p, int idx);
/* A worker ended (status from waitpid): fail the chunk it was running
 * with fail_with. */
void mp__pool_worker_ended(mp_pool *p, int idx, int status, int fail_with);
/* Reap workers that ended and replace them while work may still come. */
void mp__pool_check_workers(mp_pool *p);
void mp__pool_maybe_check_workers(mp_pool *p);
uint64_t mp__pool_tick_now_ns(void);

/* pool_result.c */
void mp__pool_finish_async(mp_async *r, int error, int exitcode);
/* Hands every finished job to its result and frees its slot. */
void mp__pool_harvest_all(mp_pool *p);
/* Waits until ok(arg), checking the workers meanwhile. 0 | -ETIMEDOUT. */
int mp__pool_parent_wait(mp_pool *p, mp__pred ok, void *arg, const mp__deadline *d);
bool mp__pool_any_finished(void *arg); /* arg: the mp_pool */

/* pool_arena.c: first fit with coalescing, parent only. */
size_t mp__pool_align_up(size_t n);
bool mp__pool_arena_alloc(mp_pool *p, size_t len, size_t *off);
void mp__pool_arena_release(mp_pool *p, size_t off, size_t len);
/* Returns the pages of a big freed block to the system. */
void mp__pool_arena_give_back(mp_pool *p, size_t off, size_t len);
void mp__pool_arena_free_list(mp_pool *p);

#pragma GCC visibility pop

#endif
