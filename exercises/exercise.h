/*
 * exercise.h — the fixed entry points of the exercises.
 *
 * Each exercises/NN-topic.c defines one function declared here; the grader
 * in tests/exercises/ calls it with random inputs and checks the result and
 * the trace of what your program did (which processes ran, which locks,
 * queues, pipes and pool tasks they used). Keep the signatures as they are.
 *
 * Every function returns 0 on success or a negative errno (libmp style).
 * The untouched stubs return -ENOSYS.
 *
 * A few task functions are provided by the grader (defined in
 * tests/exercises/harness.c): use them where an exercise says so.
 */
#ifndef FORKLAB_EXERCISE_H
#define FORKLAB_EXERCISE_H

#include "mp.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- 01-spawn: start n processes; each reports getpid() and getppid()
 * back to the parent, which stores them in pids[i] / ppids[i]. */
int ex_spawn(int n, pid_t *pids, pid_t *ppids);

/* ---- 02-lock-counter: nprocs processes each add 1 to the shared counter
 * (a Value('q') made by the grader) iters times; the final value must be
 * exact. */
int ex_lock_counter(mp_value *counter, int nprocs, int iters);

/* ---- 11-fix-race: nprocs processes each deposit 1 into the shared
 * balance (a Value('q') made by the grader) `deposits` times; in every
 * possible interleaving the final balance must be the same, exact one. */
int ex_fix_race(mp_value *balance, int nprocs, int deposits);

/* ---- 03-shared-array: one child process squares every item of arr (an
 * Array('q')) in place; the parent waits for it. */
int ex_shared_array(mp_array *arr);

/* ---- 04-manager-dict: nprocs processes fill d with d[keys[i]] = vals[i]
 * for every i < n, sharing the work between them. */
int ex_manager_dict(mp_dict *d, const char *const *keys, const double *vals, size_t n, int nprocs);

/* ---- 05-pipe-pingpong: the message both sides exchange. */
struct ex_msg {
    int32_t seq;   /* round number, 0, 1, 2 ... */
    int32_t pad;
    int64_t value;
    char tag[16];  /* "ping" from the parent, "pong" from the child */
};
/* What the child does to a ping's value to make its pong's value. */
static inline int64_t ex_pong_value(int64_t v)
{
    return (v * 3 + 7) % 1000003;
}
/* rounds ping-pongs over one duplex Pipe between the parent and one child:
 * the parent sends {seq, value} (value = start in round 0, then the last
 * pong's value), the child answers {seq, ex_pong_value(value)}. *final_out
 * = the value of the last pong. */
int ex_pipe_pingpong(int rounds, int64_t start, int64_t *final_out);

/* ---- 06-queue-workers: the parent puts every item (an int32) on one
 * Queue, then one sentinel EX_SENTINEL per consumer; nconsumers processes
 * get items until their sentinel and add them up; *sum_out = the sum of
 * every item, each counted exactly once. Items are never EX_SENTINEL. */
#define EX_SENTINEL INT32_MIN
int ex_queue_workers(const int32_t *items, size_t n, int nconsumers, int64_t *sum_out);

/* ---- 07-apply-timeout: a job for the pool. */
struct ex_job {
    int64_t x;
    int32_t delay_ms; /* how long the task sleeps before answering */
    int32_t pad;
};
/* Provided: out (int64_t) = x * x, after sleeping delay_ms. */
void ex_task_job(const void *in, void *out);
/* Submit fast and slow with apply_async(ex_task_job); wait at most
 * timeout seconds for each result. *fast_out = the fast result; *slow_rc =
 * what getting the slow one gave (0 when it was in time, then *slow_out is
 * its result; -ETIMEDOUT when it was too slow: do not wait for it). */
int ex_apply_timeout(mp_pool *pool, const struct ex_job *fast, const struct ex_job *slow, double timeout,
                     int64_t *fast_out, int *slow_rc, int64_t *slow_out);

/* ---- 08-pool-sum: provided task, int64_t in -> int64_t out = in * in. */
void ex_task_square(const void *in, void *out);
/* *sum_out = sum of xs[i]^2, the squares computed in the pool's workers
 * with mp_pool_map(ex_task_square). */
int ex_pool_sum(mp_pool *pool, const int64_t *xs, size_t n, int64_t *sum_out);

/* ---- 09-map-async-poll: provided one step of "useful work" the parent
 * does while it waits (each call is a small, real computation). */
void ex_idle_work(void);
/* map_async(ex_task_job, jobs) and, until the result is ready, call
 * mp_async_ready() and ex_idle_work() in turn; then fetch out[i] (=
 * jobs[i].x squared). *polls_out = how many times you called
 * mp_async_ready(). */
int ex_map_async_poll(mp_pool *pool, const struct ex_job *jobs, size_t n, int64_t *out, long *polls_out);

/* ---- 10-capstone: Monte Carlo pi on a pool, reproducible. */
/* splitmix64: the random generator every task must use. */
static inline uint64_t ex_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
/* A uniform double in [0, 1) from the generator. */
static inline double ex_rng_unit(uint64_t *state)
{
    return (double)(ex_rng_next(state) >> 11) * 0x1.0p-53;
}
/* Task i starts its generator at seed + i and draws samples points (x, y),
 * x first; a hit is x*x + y*y <= 1.0. *hits_out = total hits of the ntasks
 * tasks, computed in the pool's workers; *pi_out = 4 * hits / (ntasks *
 * samples). */
int ex_capstone_pi(mp_pool *pool, uint64_t seed, int ntasks, int64_t samples, int64_t *hits_out,
                   double *pi_out);

/* ---- 12-lock-order: two accounts (an Array('q', 2)), each guarded by its
 * own lock, locks[i] for accounts[i]. Two processes run at once: one moves
 * amount from account 0 to account 1, rounds times; the other from account
 * 1 to account 0, rounds times. Each move holds both locks; right after
 * taking the first of the two, call ex_between_locks() (provided: there
 * the grader lets the other process catch up). Return 0 once both ended. */
void ex_between_locks(void);
int ex_lock_order(mp_lock *const locks[2], mp_array *accounts, int rounds, int64_t amount);

#endif
