/*
 * waitfor.c — the wait-for graph (waitfor.h): waits from *_WAIT events,
 * the processes that could end each wait, deadlocks and lock-order
 * inversions. Pure: it reads the model and its own records, nothing else.
 *
 * The graph is not stored: model_deadlock() builds it from the current
 * waits whenever it is asked (a few processes, a few waits), so no edge can
 * go stale when a holder changes or a process exits.
 */
#include "waitfor.h"

#include "model.h"
#include "grow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void waitfor_init(struct waitfor *w)
{
    memset(w, 0, sizeof *w);
}

void waitfor_free(struct waitfor *w)
{
    if (!w) return;
    free(w->waits);
    free(w->objs);
    free(w->closes);
    free(w->orders);
    free(w->invs);
    memset(w, 0, sizeof *w);
}

/* The call site an event names: the source line of the libmp call (events
 * carry the line and a hash of the file's name, not the name, so the model
 * says "line N"; a learner's example is one file). Empty when unknown. */
static void ev_site(const struct mp_trace_event *ev, char *buf, size_t cap)
{
    if (!cap) return;
    buf[0] = '\0';
    if (ev->line) snprintf(buf, cap, "line %u", (unsigned)ev->line);
}

/* ------------------------------------------------------------ recording */

static struct wf_wait *find_wait(const struct waitfor *w, int pid)
{
    for (size_t i = 0; i < w->nwaits; i++)
        if (w->waits[i].pid == pid) return &w->waits[i];
    return NULL;
}

static void clear_wait(struct waitfor *w, int pid)
{
    struct wf_wait *x = find_wait(w, pid);
    if (x) *x = w->waits[--w->nwaits];
}

/* The MPI part of the model (model_mpi.c). Weak like in model.c: programs
 * that link the model without it (the exercise graders) see no MPI edge. */
int model_mpi_releasers(const struct model *m, int pid, int *out, int cap, bool *waiting) __attribute__((weak));

/* Blocking MPI calls: a receive with serial 0 (obj's low half), a wait on
 * a request, a collective. Not a blocking send: small ones complete
 * without the receiver (eagerly), so a send is never taken as stuck. */
static bool mpi_blocks(const struct mp_trace_event *ev)
{
    switch (ev->kind) {
    case MP_EV_MPI_RECV_POST: return (uint32_t)ev->obj == 0;
    case MP_EV_MPI_WAIT: case MP_EV_MPI_COLL_ENTER: return true;
    default: return false;
    }
}

static enum wf_kind wait_kind(unsigned kind)
{
    switch (kind) {
    case MP_EV_LOCK_WAIT: return WF_LOCK;
    case MP_EV_QUEUE_GET_WAIT: return WF_QUEUE_GET;
    case MP_EV_QUEUE_PUT_WAIT: return WF_QUEUE_PUT;
    case MP_EV_PIPE_RECV_WAIT: return WF_PIPE_RECV;
    case MP_EV_JOIN_WAIT: return WF_JOIN;
    case MP_EV_ASYNC_WAIT: return WF_ASYNC;
    case MP_EV_MANAGER_WAIT: return WF_MANAGER;
    default: return WF_NONE;
    }
}

static int add_wait(struct waitfor *w, const struct model *m, const struct mp_trace_event *ev, enum wf_kind k)
{
    if (core_grow(&w->waits, &w->cap_waits, w->nwaits + 1, sizeof *w->waits)) return -ENOMEM;
    struct wf_wait *x = &w->waits[w->nwaits++];
    memset(x, 0, sizeof *x);
    x->pid = ev->pid;
    x->kind = k;
    x->obj = ev->obj;
    x->arg = ev->a;
    x->timed = (ev->flags & MP_EVF_TIMED) != 0;
    x->t_ns = ev->t_ns;
    ev_site(ev, x->site, sizeof x->site);
    const struct model_queue *q = model_queue(m, ev->obj);
    const struct model_pipe *p = model_pipe(m, ev->obj);
    if (k == WF_QUEUE_GET && q) x->mark = q->puts;
    if (k == WF_QUEUE_PUT && q) x->mark = q->gets;
    if (k == WF_PIPE_RECV && p) x->mark = p->sends;
    return 0;
}

/* A message sent toward end `end` and not received yet: a receive there
 * returns at once. A send is stamped after its write, so a receiver that
 * was slow to report its wait can report it after the send it will take:
 * counting only sends since the wait, the model saw both sides of a
 * ping-pong waiting (a deadlock "confirmed" when the receiver was then
 * kept off the CPU for 30 ms, as on a loaded machine). */
static bool inflight_toward(const struct model_pipe *pp, int end)
{
    for (size_t i = 0; i < pp->ninflight; i++)
        if (!pp->duplex || pp->inflight[i].end != end) return true;
    return false;
}

static int note_obj(struct waitfor *w, const struct mp_trace_event *ev)
{
    for (size_t i = 0; i < w->nobjs; i++)
        if (w->objs[i].id == ev->obj) return 0;
    if (core_grow(&w->objs, &w->cap_objs, w->nobjs + 1, sizeof *w->objs)) return -ENOMEM;
    w->objs[w->nobjs++] = (struct wf_obj){.id = ev->obj, .creator = ev->pid, .t_new = ev->t_ns};
    return 0;
}

static int note_close(struct waitfor *w, const struct mp_trace_event *ev)
{
    int end = ev->a ? 1 : 0;
    for (size_t i = 0; i < w->ncloses; i++)
        if (w->closes[i].pipe == ev->obj && w->closes[i].pid == ev->pid && w->closes[i].end == end) return 0;
    if (core_grow(&w->closes, &w->cap_closes, w->ncloses + 1, sizeof *w->closes)) return -ENOMEM;
    w->closes[w->ncloses++] = (struct wf_close){.pipe = ev->obj, .pid = ev->pid, .end = end};
    return 0;
}

static const struct wf_order *find_order(const struct waitfor *w, uint64_t first, uint64_t second, int not_pid)
{
    for (size_t i = 0; i < w->norders; i++) {
        const struct wf_order *o = &w->orders[i];
        if (o->first == first && o->second == second && o->pid != not_pid) return o;
    }
    return NULL;
}

static bool has_inversion(const struct waitfor *w, uint64_t a, uint64_t b)
{
    for (size_t i = 0; i < w->ninvs; i++)
        if ((w->invs[i].a == a && w->invs[i].b == b) || (w->invs[i].a == b && w->invs[i].b == a)) return true;
    return false;
}

/* pid took (or waits for) `second` while holding `first`: remember the
 * order (once per pid), and warn when another process took them the other
 * way round. */
static int note_order(struct waitfor *w, uint64_t first, uint64_t second, int pid, uint64_t t_ns, const char *site)
{
    for (size_t i = 0; i < w->norders; i++) {
        const struct wf_order *o = &w->orders[i];
        if (o->first == first && o->second == second && o->pid == pid) return 0;
    }
    if (w->norders >= WF_MAX_ORDERS) return 0; /* enough to warn; bounded memory */
    if (core_grow(&w->orders, &w->cap_orders, w->norders + 1, sizeof *w->orders)) return -ENOMEM;
    struct wf_order *o = &w->orders[w->norders++];
    memset(o, 0, sizeof *o);
    o->first = first;
    o->second = second;
    o->pid = pid;
    o->t_ns = t_ns;
    snprintf(o->site, sizeof o->site, "%s", site);
    const struct wf_order *other = find_order(w, second, first, pid);
    if (!other || has_inversion(w, first, second)) return 0;
    struct wf_order mine = *o, theirs = *other; /* grow may move orders */
    if (core_grow(&w->invs, &w->cap_invs, w->ninvs + 1, sizeof *w->invs)) return -ENOMEM;
    w->invs[w->ninvs++] = (struct wf_inversion){.a = second, .b = first, .orders = {theirs, mine}};
    return 0;
}

/* pid takes (or waits for) lock: an order with each lock it holds. */
static int on_acquire(struct waitfor *w, const struct model *m, int pid, uint64_t lock, uint64_t t_ns, const char *site)
{
    for (size_t i = 0; i < m->nlocks; i++) {
        const struct model_lock *h = &m->locks[i];
        if (h->holder != pid || h->id == lock) continue;
        int r = note_order(w, h->id, lock, pid, t_ns, site);
        if (r) return r;
    }
    return 0;
}

int waitfor_apply(struct waitfor *w, const struct model *m, const struct mp_trace_event *ev)
{
    /* Whatever a process emits, it is not blocked any more; an exit ends
     * the wait of the process that exited (the event is its reaper's). */
    clear_wait(w, ev->pid);
    if (ev->kind == MP_EV_PROC_EXIT) clear_wait(w, (int)ev->a);
    /* A wait for a lock counts as an order, as in lockdep: a deadlocked
     * run never gets its second lock. */
    if (ev->kind == MP_EV_LOCK_WAIT || ev->kind == MP_EV_LOCK_ACQUIRE) {
        char site[WF_SITE];
        ev_site(ev, site, sizeof site);
        int r = on_acquire(w, m, ev->pid, ev->obj, ev->t_ns, site);
        if (r) return r;
    }
    enum wf_kind k = wait_kind(ev->kind);
    if (k == WF_NONE && mpi_blocks(ev) && model_mpi_releasers) k = WF_MPI;
    if (k != WF_NONE) return add_wait(w, m, ev, k);
    switch (ev->kind) {
    case MP_EV_QUEUE_NEW: case MP_EV_PIPE_NEW: case MP_EV_POOL_NEW: return note_obj(w, ev);
    case MP_EV_PIPE_CLOSE: return note_close(w, ev);
    default: return 0;
    }
}

/* ------------------------------------------------------------ the graph */

static bool alive(const struct model *m, int pid)
{
    const struct model_proc *p = model_proc(m, pid);
    return p && p->state != MPROC_EXITED;
}

static const struct wf_obj *find_obj(const struct waitfor *w, uint64_t id)
{
    for (size_t i = 0; i < w->nobjs; i++)
        if (w->objs[i].id == id) return &w->objs[i];
    return NULL;
}

/* Does pid have the object: its creator, or forked (through processes all
 * started after the object was made) from the creator? Unknown creator:
 * everyone may have it. */
static bool inherits(const struct model *m, const struct wf_obj *o, int pid)
{
    if (!o) return true;
    int at = pid;
    for (int depth = 0; depth < 64; depth++) { /* pid reuse can make loops */
        if (at == o->creator) return true;
        const struct model_proc *p = model_proc(m, at);
        if (!p || p->t_start < o->t_new || p->ppid == at) return false;
        at = p->ppid;
    }
    return false;
}

static bool closed_end(const struct waitfor *w, uint64_t pipe, int pid, int end)
{
    for (size_t i = 0; i < w->ncloses; i++)
        if (w->closes[i].pipe == pipe && w->closes[i].pid == pid && w->closes[i].end == end) return true;
    return false;
}

/* How a wait stands now. */
enum wf_state {
    WS_FREE,    /* it will end by itself (timed, or what it waited for happened) */
    WS_WAITING, /* it ends only when one of its successors acts */
};

/* Successors of wait x (pids, up to cap; returns how many in all) and its
 * state. WS_WAITING with none: nobody alive can end it (a queue nobody else
 * has, a pipe whose other end only the waiter holds). */
static size_t successors(const struct model *m, const struct wf_wait *x, int *out, size_t cap, enum wf_state *st)
{
    const struct waitfor *w = &m->wf;
    size_t n = 0;
    *st = WS_FREE;
    if (x->timed) return 0;
#define ADD(pid)                           \
    do {                                   \
        if (n < cap) out[n] = (pid);       \
        n++;                               \
    } while (0)
    switch (x->kind) {
    case WF_LOCK: {
        const struct model_lock *l = model_lock(m, x->obj);
        if (!l || !l->holder || l->holder == x->pid || !alive(m, l->holder)) return 0;
        ADD(l->holder);
        break;
    }
    case WF_QUEUE_GET: case WF_QUEUE_PUT: {
        const struct model_queue *q = model_queue(m, x->obj);
        if (!q) return 0;
        if (x->kind == WF_QUEUE_GET && (q->nitems || q->puts > x->mark)) return 0;
        if (x->kind == WF_QUEUE_PUT && q->gets > x->mark) return 0;
        const struct wf_obj *o = find_obj(w, x->obj);
        for (size_t i = 0; i < m->nprocs; i++) {
            const struct model_proc *p = &m->procs[i];
            if (p->pid != x->pid && p->state != MPROC_EXITED && inherits(m, o, p->pid)) ADD(p->pid);
        }
        break;
    }
    case WF_PIPE_RECV: {
        const struct model_pipe *pp = model_pipe(m, x->obj);
        if (pp && (pp->sends > x->mark || inflight_toward(pp, (int)x->arg))) return 0;
        const struct wf_obj *o = find_obj(w, x->obj);
        int other = x->arg ? 0 : 1;
        bool self = false;
        for (size_t i = 0; i < m->nprocs; i++) {
            const struct model_proc *p = &m->procs[i];
            if (p->state == MPROC_EXITED || !inherits(m, o, p->pid) || closed_end(w, x->obj, p->pid, other)) continue;
            if (p->pid == x->pid) self = true;
            else ADD(p->pid);
        }
        if (!n && !self) return 0; /* nobody has the other end: end of file */
        break;
    }
    case WF_JOIN:
        if (!alive(m, (int)x->arg)) return 0;
        ADD((int)x->arg);
        break;
    case WF_ASYNC: {
        const struct model_async *a = model_async(m, x->obj);
        if (a && a->ready) return 0;
        for (size_t i = 0; i < m->npools; i++) {
            const struct model_pool *pl = &m->pools[i];
            bool runs_it = false;
            for (size_t t = 0; t < pl->ntasks && !runs_it; t++) runs_it = pl->tasks[t].async_id == x->obj;
            if (!runs_it) continue;
            for (size_t k = 0; k < pl->nworker_pids; k++)
                if (alive(m, pl->workers[k]) && pl->workers[k] != x->pid) ADD(pl->workers[k]);
        }
        if (!n) return 0; /* no live worker known: the pool will fail it */
        break;
    }
    case WF_MANAGER:
        if (!alive(m, (int)x->arg)) return 0;
        ADD((int)x->arg);
        break;
    case WF_POOL_CLAIM: {
        /* Its pool's maker could submit a task (or close the pool). */
        const struct wf_obj *o = find_obj(w, x->obj);
        if (!o || o->creator == x->pid || !alive(m, o->creator)) return 0; /* the pool ends it */
        ADD(o->creator);
        break;
    }
    case WF_POOL_JOIN: {
        const struct model_pool *pl = model_pool(m, x->obj);
        for (size_t k = 0; pl && k < pl->nworker_pids; k++)
            if (alive(m, pl->workers[k]) && pl->workers[k] != x->pid) ADD(pl->workers[k]);
        if (!n) return 0;
        break;
    }
    case WF_MPI: {
        int pids[256];
        bool waiting = false;
        int k = model_mpi_releasers ? model_mpi_releasers(m, x->pid, pids, 256, &waiting) : 0;
        if (!waiting) return 0; /* its message is in flight, or it is not blocked */
        for (int i = 0; i < k && i < 256; i++)
            if (alive(m, pids[i])) ADD(pids[i]);
        break;
    }
    default:
        return 0;
    }
#undef ADD
    *st = WS_WAITING;
    return n;
}

const struct wf_wait *waitfor_wait_of(const struct model *m, int pid)
{
    return m ? find_wait(&m->wf, pid) : NULL;
}

int waitfor_releasers(const struct model *m, int pid, int *out, size_t cap)
{
    const struct wf_wait *x = waitfor_wait_of(m, pid);
    if (!x) return -1;
    enum wf_state st;
    size_t n = successors(m, x, out, cap, &st);
    return st == WS_WAITING ? (int)n : -1;
}

/* ------------------------------------------------------------ controlled runs */

static void drop_gate_waits(struct waitfor *w)
{
    for (size_t i = 0; i < w->nwaits;) {
        if (w->waits[i].gate) w->waits[i] = w->waits[--w->nwaits];
        else i++;
    }
}

int model_gate_waits(struct model *m, const struct wf_wait *waits, size_t n)
{
    struct waitfor *w = &m->wf;
    /* The same wait fed again keeps when it began (t_formed). */
    struct wf_wait *old = NULL;
    size_t nold = 0;
    for (size_t i = 0; i < w->nwaits; i++) nold += w->waits[i].gate;
    if (nold && !(old = malloc(nold * sizeof *old))) return -ENOMEM;
    nold = 0;
    for (size_t i = 0; i < w->nwaits; i++)
        if (w->waits[i].gate) old[nold++] = w->waits[i];
    drop_gate_waits(w);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        struct wf_wait x = waits[i];
        x.gate = true;
        x.t_ns = m->t_last;
        for (size_t k = 0; k < nold; k++)
            if (old[k].pid == x.pid && old[k].kind == x.kind && old[k].obj == x.obj && old[k].arg == x.arg)
                x.t_ns = old[k].t_ns;
        const struct model_queue *q = model_queue(m, x.obj);
        const struct model_pipe *p = model_pipe(m, x.obj);
        if (x.kind == WF_QUEUE_GET && q) x.mark = q->puts;
        if (x.kind == WF_QUEUE_PUT && q) x.mark = q->gets;
        if (x.kind == WF_PIPE_RECV && p) x.mark = p->sends;
        clear_wait(w, x.pid);
        if (x.kind == WF_LOCK) rc = on_acquire(w, m, x.pid, x.obj, x.t_ns, x.site);
        if (!rc && core_grow(&w->waits, &w->cap_waits, w->nwaits + 1, sizeof *w->waits)) rc = -ENOMEM;
        if (!rc) w->waits[w->nwaits++] = x;
    }
    free(old);
    return rc;
}

/* The graph over the processes with a wait: node i is waits[i]. */
struct graph {
    size_t n;
    bool *stuck;      /* waiting, and cannot progress */
    int **succ;       /* successor pids */
    size_t *nsucc;
};

static void graph_free(struct graph *g)
{
    for (size_t i = 0; g->succ && i < g->n; i++) free(g->succ[i]);
    free(g->succ);
    free(g->nsucc);
    free(g->stuck);
}

static long node_of(const struct model *m, int pid)
{
    for (size_t i = 0; i < m->wf.nwaits; i++)
        if (m->wf.waits[i].pid == pid) return (long)i;
    return -1;
}

static int graph_build(const struct model *m, struct graph *g)
{
    const struct waitfor *w = &m->wf;
    memset(g, 0, sizeof *g);
    g->n = w->nwaits;
    g->stuck = calloc(g->n + 1, sizeof *g->stuck);
    g->succ = calloc(g->n + 1, sizeof *g->succ);
    g->nsucc = calloc(g->n + 1, sizeof *g->nsucc);
    if (!g->stuck || !g->succ || !g->nsucc) goto fail;
    for (size_t i = 0; i < g->n; i++) {
        enum wf_state st;
        size_t n = successors(m, &w->waits[i], NULL, 0, &st);
        if (st != WS_WAITING || !alive(m, w->waits[i].pid)) continue;
        g->succ[i] = malloc((n + 1) * sizeof **g->succ);
        if (!g->succ[i]) goto fail;
        g->nsucc[i] = successors(m, &w->waits[i], g->succ[i], n, &st);
        g->stuck[i] = true;
    }
    /* Progress spreads backwards: a waiter with a successor that can
     * progress (running, or waiting for something that will come) can. */
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < g->n; i++) {
            if (!g->stuck[i]) continue;
            for (size_t k = 0; k < g->nsucc[i]; k++) {
                long j = node_of(m, g->succ[i][k]);
                if (j < 0 || !g->stuck[j]) {
                    g->stuck[i] = false;
                    changed = true;
                    break;
                }
            }
        }
    }
    return 0;
fail:
    graph_free(g);
    return -ENOMEM;
}

/* The shortest cycle through node s among stuck nodes (BFS); its length,
 * 0 when none, with the nodes in path[] starting at s. */
static size_t shortest_cycle(const struct model *m, const struct graph *g, size_t s, size_t *path, long *prev,
                             size_t *queue)
{
    for (size_t i = 0; i < g->n; i++) prev[i] = -2;
    size_t head = 0, tail = 0;
    queue[tail++] = s;
    prev[s] = -1;
    while (head < tail) {
        size_t u = queue[head++];
        for (size_t k = 0; k < g->nsucc[u]; k++) {
            long v = node_of(m, g->succ[u][k]);
            if (v < 0 || !g->stuck[v]) continue;
            if ((size_t)v == s) { /* back at the start: unwind u..s */
                size_t len = 0;
                for (long x = (long)u; x >= 0; x = prev[x]) len++;
                if (len > WF_MAX_CYCLE) return 0;
                size_t at = len;
                for (long x = (long)u; x >= 0; x = prev[x]) path[--at] = (size_t)x;
                return len;
            }
            if (prev[v] != -2) continue;
            prev[v] = (long)u;
            queue[tail++] = (size_t)v;
        }
    }
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void fill_cycle(const struct model *m, const struct graph *g, const size_t *path, size_t len,
                       struct wf_deadlock *out)
{
    /* Start at the lowest pid, so the same cycle reads the same. */
    size_t start = 0;
    for (size_t i = 1; i < len; i++)
        if (m->wf.waits[path[i]].pid < m->wf.waits[path[start]].pid) start = i;
    out->ncycle = len;
    for (size_t i = 0; i < len; i++) {
        size_t node = path[(start + i) % len];
        out->cycle[i] = m->wf.waits[node];
        out->releasers[i] = (int)g->nsucc[node];
    }
}

int model_deadlock(const struct model *m, struct wf_deadlock *out)
{
    if (!m || !out) return -EINVAL;
    memset(out, 0, sizeof *out);
    if (!m->wf.nwaits) return 0;
    struct graph g;
    if (graph_build(m, &g)) return -ENOMEM;
    for (size_t i = 0; i < g.n; i++) {
        if (!g.stuck[i]) continue;
        if (out->nstuck < WF_MAX_STUCK) out->stuck[out->nstuck] = m->wf.waits[i].pid;
        out->nstuck++;
        if (m->wf.waits[i].t_ns > out->t_formed) out->t_formed = m->wf.waits[i].t_ns;
    }
    if (!out->nstuck) {
        graph_free(&g);
        return 0;
    }
    qsort(out->stuck, out->nstuck < WF_MAX_STUCK ? out->nstuck : WF_MAX_STUCK, sizeof *out->stuck, cmp_int);
    size_t *path = malloc((g.n + 1) * sizeof *path), *best = malloc((g.n + 1) * sizeof *best);
    size_t *queue = malloc((g.n + 1) * sizeof *queue);
    long *prev = malloc((g.n + 1) * sizeof *prev);
    if (!path || !best || !queue || !prev) {
        free(path), free(best), free(queue), free(prev);
        graph_free(&g);
        return -ENOMEM;
    }
    size_t best_len = 0;
    int best_low = 0;
    for (size_t i = 0; i < g.n; i++) {
        if (!g.stuck[i]) continue;
        size_t len = shortest_cycle(m, &g, i, path, prev, queue);
        if (!len) continue;
        int low = m->wf.waits[path[0]].pid;
        for (size_t k = 1; k < len; k++)
            if (m->wf.waits[path[k]].pid < low) low = m->wf.waits[path[k]].pid;
        if (!best_len || len < best_len || (len == best_len && low < best_low)) {
            best_len = len;
            best_low = low;
            memcpy(best, path, len * sizeof *best);
        }
    }
    if (best_len) {
        fill_cycle(m, &g, best, best_len, out);
    } else {
        /* No cycle: name a stuck process that waits on nobody (the lowest pid). */
        long pick = -1;
        for (size_t i = 0; i < g.n; i++)
            if (g.stuck[i] && !g.nsucc[i] && (pick < 0 || m->wf.waits[i].pid < m->wf.waits[pick].pid))
                pick = (long)i;
        if (pick < 0) /* cannot happen: stuck without a cycle ends somewhere */
            for (size_t i = 0; i < g.n && pick < 0; i++)
                if (g.stuck[i]) pick = (long)i;
        out->cycle[0] = m->wf.waits[pick];
        out->releasers[0] = (int)g.nsucc[pick];
    }
    free(path), free(best), free(queue), free(prev);
    graph_free(&g);
    return 1;
}

void model_confirm_deadlock(struct model *m, const struct wf_deadlock *d)
{
    if (!m || !d || m->wf.confirmed) return;
    m->wf.confirmed = true;
    m->wf.report = *d;
}

int model_deadlock_report(const struct model *m, struct wf_deadlock *out)
{
    if (!m || !out) return 0;
    if (m->wf.confirmed) {
        *out = m->wf.report;
        return 1;
    }
    return model_deadlock(m, out) == 1;
}

static bool same_stuck(const struct wf_deadlock *a, const struct wf_deadlock *b)
{
    if (a->nstuck != b->nstuck) return false;
    size_t n = a->nstuck < WF_MAX_STUCK ? a->nstuck : WF_MAX_STUCK;
    return !memcmp(a->stuck, b->stuck, n * sizeof *a->stuck);
}

int waitfor_watch(struct wf_watch *w, struct model *m, uint64_t now_ns)
{
    if (!w || !m || w->confirmed) return 0;
    struct wf_deadlock d;
    if (model_deadlock(m, &d) != 1) {
        w->pending = false;
        return 0;
    }
    if (!w->pending || !same_stuck(&w->seen, &d)) {
        w->pending = true;
        w->since_ns = now_ns;
        w->seen = d;
        return 0;
    }
    if (now_ns - w->since_ns < WF_CONFIRM_NS) return 0;
    w->confirmed = true;
    model_confirm_deadlock(m, &d);
    return 1;
}
