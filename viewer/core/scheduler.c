/*
 * scheduler.c — which processes of a controlled run may move, and who moves
 * next (scheduler.h). Pure: reads the model and the pending operations only.
 */
#include "scheduler.h"

#include "sched_mpi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ enabled */

static const struct sched_proc *proc_by_pid(const struct sched_proc *procs, size_t n, int pid)
{
    for (size_t i = 0; i < n; i++)
        if (procs[i].pid == pid) return &procs[i];
    return NULL;
}

/* A process is alive as far as the run knows: ours by our record, others
 * (outside the gate) by the model. */
static bool pid_alive(const struct model *m, const struct sched_proc *procs, size_t n, int pid)
{
    const struct sched_proc *p = proc_by_pid(procs, n, pid);
    if (p) return p->alive;
    const struct model_proc *mp = model_proc(m, pid);
    return mp && mp->state != MPROC_EXITED;
}

static bool lock_free_for(const struct model *m, const struct sched_proc *procs, size_t n,
                          const struct sched_proc *me)
{
    const struct model_lock *l = model_lock(m, me->op.obj);
    if (!l || l->holder == 0 || l->holder == me->pid) return true; /* the holder itself: -EDEADLK at once */
    return !pid_alive(m, procs, n, l->holder); /* a dead holder: -EOWNERDEAD at once */
}

#define QUEUE_REC_HDR 4 /* bytes of header per item (lib/queue.c) */
#define QUEUE_DEFAULT_CAP (1u << 20)
#define QUEUE_MAX_CAP (INT64_C(1) << 40) /* far above any real ring; keeps sums in range */

static bool queue_has_room(const struct model_queue *q, int64_t len)
{
    int64_t cap = q && q->capacity > 0 ? q->capacity : QUEUE_DEFAULT_CAP;
    /* Lengths come from trace events, which a broken or hostile trace can
     * fill with anything: count in the ring's own range so no sum wraps. */
    if (cap > QUEUE_MAX_CAP) cap = QUEUE_MAX_CAP;
    if (len < 0 || len > cap) return false;
    int64_t used = 0;
    for (size_t i = 0; q && i < q->nitems && used <= cap; i++) {
        int64_t l = q->items[i].len;
        used += QUEUE_REC_HDR + (l < 0 || l > cap ? cap : l);
    }
    /* The ring has capacity + one header of room (lib/queue.c). */
    return cap + QUEUE_REC_HDR - used >= QUEUE_REC_HDR + len;
}

/* Messages in flight toward `end` (sent on the other end). */
static size_t pipe_inflight_to(const struct model_pipe *p, int end)
{
    size_t k = 0;
    for (size_t i = 0; p && i < p->ninflight; i++)
        if (p->inflight[i].end != end) k++;
    return k;
}

static bool async_finished(const struct model *m, const struct sched_proc *procs, size_t n, uint64_t id)
{
    const struct model_async *a = model_async(m, id);
    if (!a) return false;
    if (a->ready) return true;
    int64_t done = 0;
    for (size_t k = 0; k < m->npools; k++) {
        const struct model_pool *pool = &m->pools[k];
        for (size_t t = 0; t < pool->ntasks; t++) {
            const struct model_task *task = &pool->tasks[t];
            if (task->async_id != id) continue;
            /* A task whose worker died ends (failed) in the parent's wait. */
            if (task->state == MTASK_DONE || task->state == MTASK_FAILED ||
                (task->state == MTASK_RUNNING && !pid_alive(m, procs, n, task->worker)))
                done++;
        }
    }
    return done >= a->ntasks;
}

static bool pool_has_work(const struct model_pool *pool)
{
    if (!pool) return false;
    if (pool->closed) return true;
    for (size_t t = 0; t < pool->ntasks; t++)
        if (pool->tasks[t].state == MTASK_QUEUED) return true;
    return false;
}

static bool pool_workers_gone(const struct model *m, const struct sched_proc *procs, size_t n,
                              const struct model_pool *pool)
{
    for (size_t w = 0; pool && w < pool->nworker_pids; w++)
        if (pid_alive(m, procs, n, pool->workers[w])) return false;
    return true;
}

/* Level 1: the operation completes now. */
static bool completes_now(const struct model *m, const struct sched_proc *procs, size_t n,
                          const struct sched_proc *me)
{
    const struct mp_gate_op *op = &me->op;
    switch (op->kind) {
    case MP_GOP_LOCK_ACQUIRE:
        return op->timeout == 0 || lock_free_for(m, procs, n, me);
    case MP_GOP_JOIN:
        return op->timeout == 0 || !pid_alive(m, procs, n, (int)op->a);
    case MP_GOP_PIPE_RECV:
    case MP_GOP_PIPE_POLL:
        return op->timeout == 0 || pipe_inflight_to(model_pipe(m, op->obj), (int)op->b) > 0;
    case MP_GOP_QUEUE_GET: {
        const struct model_queue *q = model_queue(m, op->obj);
        return op->timeout == 0 || (q && q->nitems > 0);
    }
    case MP_GOP_QUEUE_PUT:
        return op->timeout == 0 || queue_has_room(model_queue(m, op->obj), op->a);
    case MP_GOP_POOL_CLAIM:
        return op->a == 1 || pool_has_work(model_pool(m, op->obj));
    case MP_GOP_POOL_JOIN:
        return pool_workers_gone(m, procs, n, model_pool(m, op->obj));
    case MP_GOP_ASYNC_WAIT:
        return op->timeout == 0 || async_finished(m, procs, n, op->obj);
    default:
        if (sched_mpi_kind(op->kind)) return sched_mpi_completes(m, procs, n, me);
        return true; /* never waits */
    }
}

static bool is_pipe_wait(const struct mp_gate_op *op)
{
    return op->kind == MP_GOP_PIPE_RECV || op->kind == MP_GOP_PIPE_POLL;
}

size_t sched_enabled(const struct model *m, const struct sched_proc *procs, size_t n, enum sched_verdict *verdict)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        verdict[i] = SCHED_DISABLED;
        if (procs[i].alive && procs[i].parked && completes_now(m, procs, n, &procs[i])) {
            verdict[i] = SCHED_ENABLED;
            k++;
        }
    }
    if (k) return k;
    for (size_t i = 0; i < n; i++) {
        if (procs[i].alive && procs[i].parked && is_pipe_wait(&procs[i].op) && !procs[i].tried) {
            verdict[i] = SCHED_TRY;
            k++;
        }
    }
    if (k) return k;
    for (size_t i = 0; i < n; i++) {
        if (procs[i].alive && procs[i].parked && procs[i].op.timeout > 0) {
            verdict[i] = SCHED_TIMEOUT;
            k++;
        }
    }
    return k;
}

int sched_grant_mode(enum sched_verdict v)
{
    switch (v) {
    case SCHED_ENABLED: return MP_GRANT_GO;
    case SCHED_TRY: return MP_GRANT_TRY;
    case SCHED_TIMEOUT: return MP_GRANT_TIMEOUT;
    default: return 0;
    }
}

/* ------------------------------------------------------------ waits */

/* The wait an operation is when it cannot complete; WF_NONE for those that
 * never wait. */
static enum wf_kind op_wait_kind(const struct mp_gate_op *op)
{
    switch (op->kind) {
    case MP_GOP_LOCK_ACQUIRE: return WF_LOCK;
    case MP_GOP_JOIN: return WF_JOIN;
    case MP_GOP_PIPE_RECV: case MP_GOP_PIPE_POLL: return WF_PIPE_RECV;
    case MP_GOP_QUEUE_GET: return WF_QUEUE_GET;
    case MP_GOP_QUEUE_PUT: return WF_QUEUE_PUT;
    case MP_GOP_ASYNC_WAIT: return WF_ASYNC;
    case MP_GOP_POOL_CLAIM: return WF_POOL_CLAIM;
    case MP_GOP_POOL_JOIN: return WF_POOL_JOIN;
    default: return WF_NONE;
    }
}

size_t sched_waits(const struct model *m, const struct sched_proc *procs, size_t n, struct wf_wait *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sched_proc *p = &procs[i];
        if (!p->alive || !p->parked || p->pid <= 0) continue;
        enum wf_kind kind = op_wait_kind(&p->op);
        if (kind == WF_NONE || completes_now(m, procs, n, p)) continue;
        if (k < cap) {
            struct wf_wait *x = &out[k];
            memset(x, 0, sizeof *x);
            x->pid = p->pid;
            x->kind = kind;
            x->obj = p->op.obj;
            /* join: the child; a pipe: the end it receives on (as the events say) */
            x->arg = kind == WF_JOIN ? p->op.a : kind == WF_PIPE_RECV ? p->op.b : 0;
            x->timed = p->op.timeout > 0;
            char site[MP_GATE_FILE + 16] = "";
            if (p->op.line && p->op.file[0])
                snprintf(site, sizeof site, "%.*s:%u", MP_GATE_FILE, p->op.file, p->op.line);
            else if (p->op.line)
                snprintf(site, sizeof site, "line %u", p->op.line);
            snprintf(x->site, sizeof x->site, "%.*s", WF_SITE - 1, site);
        }
        k++;
    }
    return k;
}

int sched_feed_waits(struct model *m, const struct sched_proc *procs, size_t n)
{
    struct wf_wait waits[MP_GATE_MAX];
    size_t k = sched_waits(m, procs, n, waits, MP_GATE_MAX);
    return model_gate_waits(m, waits, k < MP_GATE_MAX ? k : MP_GATE_MAX);
}

/* ------------------------------------------------------------ describing */

static void objname(const struct model *m, uint64_t id, const char *kind, char *buf, size_t cap)
{
    int num = model_obj_number(m, id);
    if (num > 0) snprintf(buf, cap, "%s %d", kind, num);
    else snprintf(buf, cap, "%s", kind);
}

void sched_describe(const struct model *m, const struct sched_proc *procs, size_t n, size_t i, char *buf, size_t cap)
{
    const struct sched_proc *me = &procs[i];
    const struct mp_gate_op *op = &me->op;
    char obj[48];
    if (!me->alive) {
        snprintf(buf, cap, "ended");
        return;
    }
    if (!me->parked) {
        snprintf(buf, cap, "running");
        return;
    }
    switch (op->kind) {
    case MP_GOP_LOCK_ACQUIRE: {
        objname(m, op->obj, "lock", obj, sizeof obj);
        const struct model_lock *l = model_lock(m, op->obj);
        if (l && l->holder && l->holder != me->pid)
            snprintf(buf, cap, "wants %s (held by PID %d)", obj, l->holder);
        else
            snprintf(buf, cap, "wants %s (free)", obj);
        break;
    }
    case MP_GOP_LOCK_RELEASE: objname(m, op->obj, "lock", obj, sizeof obj); snprintf(buf, cap, "releases %s", obj); break;
    case MP_GOP_JOIN:
        snprintf(buf, cap, "joins PID %d (%s)", (int)op->a,
                 pid_alive(m, procs, n, (int)op->a) ? "running" : "ended");
        break;
    case MP_GOP_MEM_READ:
    case MP_GOP_MEM_WRITE: {
        const struct model_array *a = model_array(m, op->obj);
        objname(m, op->obj, a && a->is_value ? "value" : "array", obj, sizeof obj);
        snprintf(buf, cap, "%s %s[%lld]", op->kind == MP_GOP_MEM_READ ? "reads" : "writes", obj, (long long)op->a);
        break;
    }
    case MP_GOP_PIPE_SEND: objname(m, op->obj, "pipe", obj, sizeof obj); snprintf(buf, cap, "sends on %s", obj); break;
    case MP_GOP_PIPE_RECV:
    case MP_GOP_PIPE_POLL: {
        objname(m, op->obj, "pipe", obj, sizeof obj);
        size_t k = pipe_inflight_to(model_pipe(m, op->obj), (int)op->b);
        snprintf(buf, cap, "%s %s (%zu in flight)", op->kind == MP_GOP_PIPE_RECV ? "receives on" : "polls", obj, k);
        break;
    }
    case MP_GOP_PIPE_CLOSE: objname(m, op->obj, "pipe", obj, sizeof obj); snprintf(buf, cap, "closes %s", obj); break;
    case MP_GOP_QUEUE_PUT:
    case MP_GOP_QUEUE_GET: {
        objname(m, op->obj, "queue", obj, sizeof obj);
        const struct model_queue *q = model_queue(m, op->obj);
        snprintf(buf, cap, "%s %s (%zu items)", op->kind == MP_GOP_QUEUE_PUT ? "puts on" : "gets from", obj,
                 q ? q->nitems : 0);
        break;
    }
    case MP_GOP_POOL_CLAIM:
        objname(m, op->obj, "pool", obj, sizeof obj);
        snprintf(buf, cap, "%s %s", op->a == 1 ? "ends its task in" : "waits for a task in", obj);
        break;
    case MP_GOP_POOL_JOIN: objname(m, op->obj, "pool", obj, sizeof obj); snprintf(buf, cap, "waits for the workers of %s", obj); break;
    case MP_GOP_POOL_SUBMIT: objname(m, op->obj, "pool", obj, sizeof obj); snprintf(buf, cap, "submits to %s", obj); break;
    case MP_GOP_ASYNC_WAIT:
        objname(m, op->obj, "result", obj, sizeof obj);
        snprintf(buf, cap, "waits for %s (%s)", obj, async_finished(m, procs, n, op->obj) ? "ready" : "not ready");
        break;
    case MP_GOP_ASYNC_POLL: objname(m, op->obj, "result", obj, sizeof obj); snprintf(buf, cap, "polls %s", obj); break;
    case MP_GOP_SIGNAL: snprintf(buf, cap, "sends signal %lld to PID %lld", (long long)op->b, (long long)op->a); break;
    case MP_GOP_EXIT: snprintf(buf, cap, "exits"); break;
    case MP_GOP_START: snprintf(buf, cap, "starts"); break;
    case MP_GOP_SPAWN: snprintf(buf, cap, "starts a process"); break;
    case MP_GOP_MANAGER: snprintf(buf, cap, "calls the manager"); break;
    case MP_GOP_NOTE: snprintf(buf, cap, "writes a note"); break;
    default:
        if (sched_mpi_kind(op->kind)) sched_mpi_describe(m, procs, n, me, buf, cap);
        else snprintf(buf, cap, "%s", mp_gate_kind_name(op->kind));
        break;
    }
    if (op->line && op->file[0]) {
        size_t len = strlen(buf);
        if (len < cap) snprintf(buf + len, cap - len, " at %.*s:%u", MP_GATE_FILE, op->file, op->line);
    }
}

/* ------------------------------------------------------------ policies */

void sched_policy_init(struct sched_policy *p, enum sched_policy_kind kind, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->rng = seed;
    p->after = SCHED_FREE;
}

int sched_policy_replay(struct sched_policy *p, const char *text, enum sched_policy_kind after, char *err, size_t errcap)
{
    int *steps;
    size_t n;
    int rc = sched_parse(text, &steps, &n, err, errcap);
    if (rc) return rc;
    free(p->steps);
    p->kind = SCHED_REPLAY;
    p->steps = steps;
    p->nsteps = n;
    p->pos = 0;
    p->after = after == SCHED_SEEDED ? SCHED_SEEDED : SCHED_FREE;
    return 0;
}

void sched_policy_free(struct sched_policy *p)
{
    free(p->steps);
    p->steps = NULL;
    p->nsteps = p->pos = 0;
}

/* splitmix64: small, good enough, the same everywhere. */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void sched_enabled_list(const struct sched_proc *procs, size_t n, const enum sched_verdict *verdict, char *buf,
                        size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++) {
        if (verdict[i] == SCHED_DISABLED) continue;
        int w = snprintf(buf + len, cap - len, "%s%d", len ? ", " : "", procs[i].index);
        if (w < 0) break;
        len += (size_t)w;
    }
    if (!buf[0]) snprintf(buf, cap, "none");
}

static int find_index(const struct sched_proc *procs, size_t n, int index)
{
    for (size_t i = 0; i < n; i++)
        if (procs[i].index == index) return (int)i;
    return -1;
}

static int pick_kind(enum sched_policy_kind kind, uint64_t *rng, const enum sched_verdict *verdict, size_t n,
                     size_t nenabled)
{
    if (kind == SCHED_SEEDED) {
        size_t want = (size_t)(next_rand(rng) % nenabled);
        for (size_t i = 0; i < n; i++)
            if (verdict[i] != SCHED_DISABLED && want-- == 0) return (int)i;
    }
    for (size_t i = 0; i < n; i++)
        if (verdict[i] != SCHED_DISABLED) return (int)i;
    return -1;
}

int sched_pick(struct sched_policy *p, const struct model *m, const struct sched_proc *procs, size_t n,
               const enum sched_verdict *verdict, int choice, size_t step, char *err, size_t errcap)
{
    (void)m;
    size_t nenabled = 0;
    for (size_t i = 0; i < n; i++) nenabled += verdict[i] != SCHED_DISABLED;
    char list[256];
    sched_enabled_list(procs, n, verdict, list, sizeof list);
    int want = -1;
    const char *what = NULL;
    if (p->kind == SCHED_REPLAY && p->pos < p->nsteps) {
        want = p->steps[p->pos];
        what = "the schedule";
    } else if (p->kind == SCHED_LEARNER) {
        want = choice;
        what = "your choice";
    }
    if (what) {
        int at = find_index(procs, n, want);
        if (at < 0 || verdict[at] == SCHED_DISABLED) {
            snprintf(err, errcap, "step %zu: %s names process %d, which is not enabled (enabled: %s)", step + 1,
                     what, want, list);
            return -1;
        }
        if (p->kind == SCHED_REPLAY) p->pos++;
        return at;
    }
    if (nenabled == 0) {
        snprintf(err, errcap, "step %zu: no process is enabled", step + 1);
        return -1;
    }
    enum sched_policy_kind kind = p->kind == SCHED_REPLAY ? p->after : p->kind;
    return pick_kind(kind, &p->rng, verdict, n, nenabled);
}

/* ------------------------------------------------------------ text form */

int sched_parse(const char *text, int **out, size_t *n, char *err, size_t errcap)
{
    *out = NULL;
    *n = 0;
    if (!text) {
        snprintf(err, errcap, "no schedule");
        return -EINVAL;
    }
    size_t cap = 0, count = 0, tok = 0;
    int *v = NULL;
    const char *s = text;
    for (;;) {
        while (*s == ' ' || *s == '.' || *s == ',' || *s == '\t' || *s == '\n') s++;
        if (!*s) break;
        tok++;
        char *end;
        long x = strtol(s, &end, 10);
        if (end == s || x < 0 || x >= MP_GATE_MAX ||
            (*end && *end != ' ' && *end != '.' && *end != ',' && *end != '\t' && *end != '\n')) {
            snprintf(err, errcap, "schedule: step %zu is not a process index 0..%d", tok, MP_GATE_MAX - 1);
            free(v);
            return -EINVAL;
        }
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            int *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                free(v);
                snprintf(err, errcap, "schedule: out of memory");
                return -ENOMEM;
            }
            v = nv;
            cap = ncap;
        }
        v[count++] = (int)x;
        s = end;
    }
    *out = v;
    *n = count;
    return 0;
}

size_t sched_format(const int *steps, size_t n, char *buf, size_t cap)
{
    size_t len = 0;
    if (cap) buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char num[16];
        int w = snprintf(num, sizeof num, "%s%d", i ? " " : "", steps[i]);
        if (len + (size_t)w < cap) memcpy(buf + len, num, (size_t)w + 1);
        len += (size_t)w;
    }
    return len;
}
