/*
 * pool_result.c — the parent's side of finished work: harvesting finished
 * jobs into their results, the parent's waits (which also reap and replace
 * dead workers), and the async result API.
 */
#include "pool_private.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ harvesting (parent) */

static void release_job(mp_pool *p, uint32_t j)
{
    if (p->arena_block[j][1]) {
        mp__pool_arena_give_back(p, p->arena_block[j][0], p->arena_block[j][1]);
        mp__pool_arena_release(p, p->arena_block[j][0], p->arena_block[j][1]);
        p->arena_jobs--;
    }
    p->arena_block[j][1] = 0;
    p->owner[j] = NULL;
    p->free_jobs[p->nfree_jobs++] = j;
}

void mp__pool_finish_async(mp_async *r, int error, int exitcode)
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
        if (len && (!jb->error || r->dest)) memcpy(r->dest ? r->dest : mp__async_buf(r), jb->out, len);
        mp__pool_finish_async(r, jb->error, jb->error ? jb->exitcode : MP_EXIT_NONE);
    }
    release_job(p, j);
}

static bool has_finished(mp_pool *p)
{
    return atomic_load_explicit(&p->sh->dtail, memory_order_acquire) != p->sh->dhead;
}

void mp__pool_harvest_all(mp_pool *p)
{
    struct pool_shared *sh = p->sh;
    if (!has_finished(p)) return;
    uint32_t got[64];
    for (;;) {
        unsigned n = 0;
        mp__pool_lock(sh);
        while (n < MP__ARRAY_LEN(got) && sh->dhead != atomic_load(&sh->dtail))
            got[n++] = sh->finished[sh->dhead++ % MAX_JOBS];
        mp__pool_unlock(sh);
        if (n == 0) return;
        for (unsigned i = 0; i < n; i++) harvest_job(p, got[i]);
    }
}

/* ------------------------------------------------------------ waiting (parent) */

/* Waits until ok(arg), checking the workers at least every WAIT_SLICE seconds.
 * 0 | -ETIMEDOUT. */
int mp__pool_parent_wait(mp_pool *p, mp__pred ok, void *arg, const mp__deadline *d)
{
    struct pool_shared *sh = p->sh;
    if (ok(arg)) return 0;
    if (!mp__deadline_passed(d) && mp__spin_until(ok, arg, PARENT_SPIN_NS, 1)) return 0;
    for (;;) {
        mp__pool_check_workers(p);
        if (ok(arg)) return 0;
        if (mp__deadline_passed(d)) return -ETIMEDOUT;
        mp__deadline slice = mp__deadline_slice(d, WAIT_SLICE);
        mp__pool_lock(sh);
        uint32_t seen = atomic_load(&sh->done_seq);
        if (ok(arg)) {
            mp__pool_unlock(sh);
            return 0;
        }
        sh->parent_sleepers++;
        mp__pool_unlock(sh);
        mp__futex_wait((uint32_t *)&sh->done_seq, seen, &slice);
        mp__pool_lock(sh);
        sh->parent_sleepers--;
        mp__pool_unlock(sh);
    }
}

static bool async_job_done(void *arg)
{
    mp_async *r = arg;
    return r->done || atomic_load_explicit(&r->pool->sh->jobs[r->job].done, memory_order_acquire);
}

bool mp__pool_any_finished(void *arg)
{
    return has_finished(arg);
}

/* ------------------------------------------------------------ results */

bool mp_async_ready(mp_async *r)
{
    if (!r) return false;
    MP__GATE(MP_GOP_ASYNC_POLL, r->id, 0, 0);
    r->polls++;
    if (!r->done && mp__pool_is_owner(r->pool)) {
        mp_pool *p = r->pool;
        if (atomic_load_explicit(&p->sh->jobs[r->job].done, memory_order_acquire)) {
            mp__pool_harvest_all(p);
        } else {
            mp__pool_maybe_check_workers(p); /* a dead worker's task ends here */
            if (atomic_load(&p->sh->jobs[r->job].done)) mp__pool_harvest_all(p);
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
    if (!mp__pool_is_owner(p)) return -EINVAL;
    MP__GATE_OR(MP_GOP_ASYNC_WAIT, r->id, 0, 0, timeout, return -ETIMEDOUT);
    MP__TRACE_WAIT(MP_EV_ASYNC_WAIT, r->id, 0, 0, timeout);
    mp__deadline d = mp__deadline_in(timeout);
    for (;;) {
        int e = mp__pool_parent_wait(p, async_job_done, r, &d);
        if (e) return e;
        mp__pool_harvest_all(p);
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
    if (out && r->out_len && !r->dest) memcpy(out, mp__async_buf(r), r->out_len);
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
    mp__async_free_buf(r);
    free(r);
}

