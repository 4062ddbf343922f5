/*
 * model.c — what the viewer knows about a run, built only from trace events
 * (model.h). Pure: no I/O, no ncurses, no clock; the same events always
 * give the same model.
 *
 * Events can arrive for objects the model has not seen created (the trace
 * started late, or a *_NEW event was dropped): such objects are made on
 * first sight, so a partial trace still gives a useful picture.
 */
#include "model.h"
#include "grow.h"

/* The MPI part of the model lives in core/model_mpi.c (model_mpi.h).
 * Declared weak here so that programs linking model.o alone (the exercise
 * graders) still link: without it MPI events count as unknown. */
int model_mpi_apply(struct model *m, const struct mp_trace_event *ev) __attribute__((weak));
void model_mpi_free(struct model_mpi *mm) __attribute__((weak));
/* Likewise a manager's contents (core/model_manager.c). */
int model_manager_apply(struct model *m, const struct mp_trace_event *ev) __attribute__((weak));
void model_manager_free(struct model *m) __attribute__((weak));

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_MAX_ARRAY_CELLS 65536 /* a bogus length must not eat memory */

/* ------------------------------------------------------------ helpers */


static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Event text is NUL-terminated within MP_TRACE_TEXT by the writer; a
 * corrupt event must still not make us read past it. */
static void ev_text(const struct mp_trace_event *ev, char *dst, size_t cap)
{
    char tmp[MP_TRACE_TEXT];
    memcpy(tmp, ev->text, MP_TRACE_TEXT);
    tmp[MP_TRACE_TEXT - 1] = '\0';
    copy_str(dst, cap, tmp);
}

static int pid_list_add(int **list, size_t *n, size_t *cap, int pid)
{
    for (size_t i = 0; i < *n; i++)
        if ((*list)[i] == pid) return 0;
    if (core_grow(list, cap, *n + 1, sizeof **list)) return -ENOMEM;
    (*list)[(*n)++] = pid;
    return 0;
}

/* Remove pid; true when it was there. Keeps the others in order. */
static bool pid_list_remove(int *list, size_t *n, int pid)
{
    for (size_t i = 0; i < *n; i++) {
        if (list[i] != pid) continue;
        memmove(list + i, list + i + 1, (*n - i - 1) * sizeof *list);
        (*n)--;
        return true;
    }
    return false;
}

/* ------------------------------------------------------------ lifecycle */

void model_init(struct model *m)
{
    memset(m, 0, sizeof *m);
}

void model_free(struct model *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->nlocks; i++) free(m->locks[i].waiters), free(m->locks[i].per);
    for (size_t i = 0; i < m->nqueues; i++) {
        free(m->queues[i].items);
        free(m->queues[i].blocked_get);
        free(m->queues[i].blocked_put);
    }
    for (size_t i = 0; i < m->npipes; i++) {
        free(m->pipes[i].inflight);
        free(m->pipes[i].early_recv);
    }
    for (size_t i = 0; i < m->narrays; i++) free(m->arrays[i].cells);
    for (size_t i = 0; i < m->npools; i++) {
        free(m->pools[i].workers);
        free(m->pools[i].tasks);
    }
    free(m->procs);
    free(m->locks);
    free(m->queues);
    free(m->pipes);
    free(m->arrays);
    free(m->pools);
    free(m->asyncs);
    free(m->notes);
    free(m->mops);
    free(m->events);
    waitfor_free(&m->wf);
    if (model_mpi_free) model_mpi_free(m->mpi);
    if (model_manager_free) model_manager_free(m);
    memset(m, 0, sizeof *m);
}

void model_set_host(struct model *m, int pid)
{
    if (m) m->host_pid = pid;
}

bool model_proc_tree_has_parent(const struct model *m, int ppid)
{
    for (size_t i = 0; m && ppid && i < m->nprocs; i++)
        if (m->procs[i].ppid == ppid) return true;
    return false;
}

void model_set_dropped(struct model *m, uint64_t dropped)
{
    m->dropped = dropped;
}

/* ------------------------------------------------------------ lookups */

#define FIND(arr, n, key)                                          \
    do {                                                           \
        for (size_t i_ = 0; i_ < (n); i_++)                        \
            if ((arr)[i_].id == (key)) return &(arr)[i_];          \
        return NULL;                                               \
    } while (0)

const struct model_proc *model_proc(const struct model *m, int pid)
{
    for (size_t i = 0; i < m->nprocs; i++)
        if (m->procs[i].pid == pid) return &m->procs[i];
    return NULL;
}
const struct model_lock *model_lock(const struct model *m, uint64_t id) { FIND(m->locks, m->nlocks, id); }
const struct model_queue *model_queue(const struct model *m, uint64_t id) { FIND(m->queues, m->nqueues, id); }
const struct model_async *model_async(const struct model *m, uint64_t id) { FIND(m->asyncs, m->nasyncs, id); }
const struct model_pipe *model_pipe(const struct model *m, uint64_t id) { FIND(m->pipes, m->npipes, id); }
const struct model_array *model_array(const struct model *m, uint64_t id) { FIND(m->arrays, m->narrays, id); }
const struct model_pool *model_pool(const struct model *m, uint64_t id) { FIND(m->pools, m->npools, id); }

#define INDEX_OF(arr, n, key)                                      \
    do {                                                           \
        for (size_t i_ = 0; i_ < (n); i_++)                        \
            if ((arr)[i_].id == (key)) return (int)i_ + 1;         \
    } while (0)

int model_obj_number(const struct model *m, uint64_t id)
{
    if (!m || !id) return 0;
    INDEX_OF(m->locks, m->nlocks, id);
    INDEX_OF(m->queues, m->nqueues, id);
    INDEX_OF(m->pipes, m->npipes, id);
    INDEX_OF(m->arrays, m->narrays, id);
    INDEX_OF(m->pools, m->npools, id);
    INDEX_OF(m->asyncs, m->nasyncs, id);
    return 0;
}

/* Find-or-make, for the mutating side. NULL only on ENOMEM. */
static struct model_proc *get_proc(struct model *m, int pid, uint64_t t)
{
    for (size_t i = 0; i < m->nprocs; i++)
        if (m->procs[i].pid == pid) return &m->procs[i];
    if (core_grow(&m->procs, &m->cap_procs, m->nprocs + 1, sizeof *m->procs)) return NULL;
    struct model_proc *p = &m->procs[m->nprocs++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->t_start = t;
    copy_str(p->name, sizeof p->name, "?");
    return p;
}

#define GET_OBJ(type, arr, n, cap, key, init)                       \
    do {                                                            \
        for (size_t i_ = 0; i_ < m->n; i_++)                        \
            if (m->arr[i_].id == (key)) return &m->arr[i_];         \
        if (core_grow(&m->arr, &m->cap, m->n + 1, sizeof *m->arr)) return NULL; \
        type *o_ = &m->arr[m->n++];                                 \
        memset(o_, 0, sizeof *o_);                                  \
        o_->id = (key);                                             \
        init;                                                       \
        return o_;                                                  \
    } while (0)

static struct model_lock *get_lock(struct model *m, uint64_t id)
{
    GET_OBJ(struct model_lock, locks, nlocks, cap_locks, id, copy_str(o_->what, sizeof o_->what, "lock"));
}
static struct model_queue *get_queue(struct model *m, uint64_t id)
{
    GET_OBJ(struct model_queue, queues, nqueues, cap_queues, id, (void)0);
}
static struct model_pipe *get_pipe(struct model *m, uint64_t id)
{
    GET_OBJ(struct model_pipe, pipes, npipes, cap_pipes, id, (void)0);
}
static struct model_pool *get_pool(struct model *m, uint64_t id)
{
    GET_OBJ(struct model_pool, pools, npools, cap_pools, id, (void)0);
}
static struct model_async *get_async(struct model *m, uint64_t id)
{
    GET_OBJ(struct model_async, asyncs, nasyncs, cap_asyncs, id, (void)0);
}
static struct model_array *find_array(struct model *m, uint64_t id)
{
    for (size_t i = 0; i < m->narrays; i++)
        if (m->arrays[i].id == id) return &m->arrays[i];
    return NULL;
}

/* ------------------------------------------------------------ processes */

static int on_proc_start(struct model *m, const struct mp_trace_event *ev)
{
    struct model_proc *p = get_proc(m, ev->pid, ev->t_ns);
    if (!p) return -ENOMEM;
    p->ppid = (int)ev->a;
    char name[MP_TRACE_TEXT];
    ev_text(ev, name, sizeof name);
    if (name[0]) copy_str(p->name, sizeof p->name, name);
    p->t_start = ev->t_ns;
    /* A pid seen again after exiting was reused: it is a new process. */
    if (p->state == MPROC_EXITED) {
        p->state = MPROC_RUNNING;
        p->t_exit = 0;
        p->exit_code = 0;
    }
    const struct model_proc *parent = p->ppid != p->pid ? model_proc(m, p->ppid) : NULL;
    p->depth = parent ? parent->depth + 1 : 0;
    return 0;
}

static int on_proc_exit(struct model *m, const struct mp_trace_event *ev)
{
    struct model_proc *p = get_proc(m, (int)ev->a, ev->t_ns);
    if (!p) return -ENOMEM;
    if (!p->ppid) p->ppid = ev->pid;
    char name[MP_TRACE_TEXT];
    ev_text(ev, name, sizeof name);
    if (name[0] && !strcmp(p->name, "?")) copy_str(p->name, sizeof p->name, name);
    p->state = MPROC_EXITED;
    p->wait_obj = 0;
    /* A process killed while it waited waits no more. */
    int pid = p->pid;
    for (size_t i = 0; i < m->nlocks; i++) pid_list_remove(m->locks[i].waiters, &m->locks[i].nwaiters, pid);
    for (size_t i = 0; i < m->nqueues; i++) {
        pid_list_remove(m->queues[i].blocked_get, &m->queues[i].nblocked_get, pid);
        pid_list_remove(m->queues[i].blocked_put, &m->queues[i].nblocked_put, pid);
    }
    p->exit_code = (int)ev->b;
    p->t_exit = ev->t_ns;
    /* A task still running in a process that ended will never finish. */
    for (size_t i = 0; i < m->npools; i++)
        for (size_t k = 0; k < m->pools[i].ntasks; k++) {
            struct model_task *t = &m->pools[i].tasks[k];
            if (t->state != MTASK_RUNNING || t->worker != pid) continue;
            t->state = MTASK_FAILED;
            t->status = -ECHILD;
            t->t_done = ev->t_ns;
            m->pools[i].failed++;
        }
    return 0;
}

static void set_state(struct model *m, int pid, enum model_proc_state st, uint64_t obj)
{
    for (size_t i = 0; i < m->nprocs; i++) {
        struct model_proc *p = &m->procs[i];
        if (p->pid != pid || p->state == MPROC_EXITED) continue;
        p->state = st;
        p->wait_obj = obj;
    }
}

/* ------------------------------------------------------------ locks */

/* Count a wait of pid on l (an acquisition it waited for, or a timeout). */
static int lock_wait_add(struct model_lock *l, int pid, uint64_t ns)
{
    size_t i = 0;
    while (i < l->nper && l->per[i].pid != pid) i++;
    if (i == l->nper) {
        if (core_grow(&l->per, &l->cap_per, l->nper + 1, sizeof *l->per)) return -ENOMEM;
        l->per[l->nper++] = (struct model_lock_wait){.pid = pid};
    }
    l->per[i].waits++;
    l->per[i].wait_ns += ns;
    return 0;
}

static int on_lock(struct model *m, const struct mp_trace_event *ev)
{
    struct model_lock *l = get_lock(m, ev->obj);
    if (!l) return -ENOMEM;
    switch (ev->kind) {
    case MP_EV_LOCK_NEW: {
        char what[MP_TRACE_TEXT];
        ev_text(ev, what, sizeof what);
        if (what[0]) copy_str(l->what, sizeof l->what, what);
        break;
    }
    case MP_EV_LOCK_WAIT:
        if (pid_list_add(&l->waiters, &l->nwaiters, &l->cap_waiters, ev->pid)) return -ENOMEM;
        set_state(m, ev->pid, MPROC_WAIT_LOCK, l->id);
        break;
    case MP_EV_LOCK_ACQUIRE: {
        bool waited = pid_list_remove(l->waiters, &l->nwaiters, ev->pid);
        uint64_t ns = ev->a > 0 ? (uint64_t)ev->a : 0;
        l->holder = ev->pid;
        l->acquisitions++;
        if (waited) l->contended++;
        if (ev->b) l->owner_died++;
        l->wait_total_ns += ns;
        if (ns > l->wait_max_ns) l->wait_max_ns = ns;
        set_state(m, ev->pid, MPROC_RUNNING, 0);
        if (waited && lock_wait_add(l, ev->pid, ns)) return -ENOMEM;
        break;
    }
    case MP_EV_LOCK_TIMEOUT:
        pid_list_remove(l->waiters, &l->nwaiters, ev->pid);
        l->timeouts++;
        if (ev->a > 0) l->wait_total_ns += (uint64_t)ev->a;
        set_state(m, ev->pid, MPROC_RUNNING, 0);
        if (lock_wait_add(l, ev->pid, ev->a > 0 ? (uint64_t)ev->a : 0)) return -ENOMEM;
        break;
    case MP_EV_LOCK_RELEASE:
        if (l->holder == ev->pid) l->holder = 0;
        break;
    }
    return 0;
}

/* ------------------------------------------------------------ shared memory */

static int on_mem_new(struct model *m, const struct mp_trace_event *ev)
{
    struct model_array *a = find_array(m, ev->obj);
    if (!a) {
        if (core_grow(&m->arrays, &m->cap_arrays, m->narrays + 1, sizeof *m->arrays)) return -ENOMEM;
        a = &m->arrays[m->narrays];
        memset(a, 0, sizeof *a);
        a->id = ev->obj;
        a->last_index = -1;
        m->narrays++;
    }
    size_t len = ev->b > 0 ? (size_t)ev->b : 0;
    if (ev->kind == MP_EV_VALUE_NEW) len = 1;
    if (len > MODEL_MAX_ARRAY_CELLS) len = MODEL_MAX_ARRAY_CELLS;
    char(*cells)[24] = calloc(len ? len : 1, sizeof *cells);
    if (!cells) return -ENOMEM;
    for (size_t i = 0; i < len; i++) copy_str(cells[i], sizeof cells[i], "0");
    free(a->cells);
    a->cells = cells;
    a->len = len;
    a->typecode = (char)ev->a;
    a->is_value = ev->kind == MP_EV_VALUE_NEW;
    return 0;
}

static int on_mem_write(struct model *m, const struct mp_trace_event *ev)
{
    struct model_array *a = find_array(m, ev->obj);
    if (!a) {
        /* Unknown array: make one big enough for this index. */
        struct mp_trace_event fake = *ev;
        fake.kind = MP_EV_ARRAY_NEW;
        fake.a = 0;
        fake.b = ev->a >= 0 && ev->a < MODEL_MAX_ARRAY_CELLS ? ev->a + 1 : 0;
        if (on_mem_new(m, &fake)) return -ENOMEM;
        a = find_array(m, ev->obj);
    }
    a->writes++;
    a->last_index = ev->a;
    if (ev->a >= 0 && (uint64_t)ev->a < a->len) {
        char text[MP_TRACE_TEXT];
        ev_text(ev, text, sizeof text);
        if (!text[0]) snprintf(text, sizeof text, "%lld", (long long)ev->b);
        copy_str(a->cells[ev->a], sizeof a->cells[ev->a], text);
    }
    return 0;
}

/* ------------------------------------------------------------ pipes, queues */

static int items_push(struct model_item **items, size_t *n, size_t *cap, const struct mp_trace_event *ev)
{
    if (core_grow(items, cap, *n + 1, sizeof **items)) return -ENOMEM;
    struct model_item *it = &(*items)[(*n)++];
    ev_text(ev, it->preview, sizeof it->preview);
    it->len = ev->a;
    it->producer = ev->pid;
    it->end = ev->kind == MP_EV_PIPE_SEND ? (int)(ev->b & 1) : 0;
    return 0;
}

static void items_remove(struct model_item *items, size_t *n, size_t i)
{
    memmove(items + i, items + i + 1, (*n - i - 1) * sizeof *items);
    (*n)--;
}

static int on_pipe(struct model *m, const struct mp_trace_event *ev)
{
    struct model_pipe *p = get_pipe(m, ev->obj);
    if (!p) return -ENOMEM;
    switch (ev->kind) {
    case MP_EV_PIPE_NEW:
        p->duplex = ev->a != 0;
        break;
    case MP_EV_PIPE_SEND: {
        p->sends++;
        /* Its receive came first: the message is already out of the pipe.
         * Prefer a receiver in another process (duplex: each side gets
         * what the other sent). */
        size_t pick = 0;
        while (pick < p->nearly_recv && p->early_recv[pick] == ev->pid) pick++;
        if (pick == p->nearly_recv) pick = 0;
        if (p->nearly_recv) {
            memmove(p->early_recv + pick, p->early_recv + pick + 1,
                    (p->nearly_recv - pick - 1) * sizeof *p->early_recv);
            p->nearly_recv--;
            return 0;
        }
        return items_push(&p->inflight, &p->ninflight, &p->cap_inflight, ev);
    }
    case MP_EV_PIPE_RECV: {
        p->recvs++;
        if (!p->ninflight) {
            if (core_grow(&p->early_recv, &p->cap_early_recv, p->nearly_recv + 1, sizeof *p->early_recv))
                return -ENOMEM;
            p->early_recv[p->nearly_recv++] = ev->pid;
            break;
        }
        /* On a duplex pipe the receiver gets what the other side sent:
         * the oldest message sent on the other end (events say which end
         * since version 2), else one another process sent. */
        size_t pick = 0;
        while (pick < p->ninflight && p->inflight[pick].end == (int)(ev->b & 1)) pick++;
        if (pick == p->ninflight) {
            pick = 0;
            while (pick < p->ninflight && p->inflight[pick].producer == ev->pid) pick++;
            if (pick == p->ninflight) pick = 0;
        }
        items_remove(p->inflight, &p->ninflight, pick);
        break;
    }
    case MP_EV_PIPE_CLOSE:
        if (p->closed_by[0] == 0) p->closed_by[0] = ev->pid;
        else if (p->closed_by[0] != ev->pid) p->closed_by[1] = ev->pid;
        break;
    }
    return 0;
}

static int on_queue(struct model *m, const struct mp_trace_event *ev)
{
    struct model_queue *q = get_queue(m, ev->obj);
    if (!q) return -ENOMEM;
    switch (ev->kind) {
    case MP_EV_QUEUE_NEW:
        q->capacity = ev->a;
        break;
    case MP_EV_QUEUE_PUT_WAIT:
        if (pid_list_add(&q->blocked_put, &q->nblocked_put, &q->cap_bp, ev->pid)) return -ENOMEM;
        set_state(m, ev->pid, MPROC_WAIT_QUEUE_PUT, q->id);
        break;
    case MP_EV_QUEUE_PUT:
        if (items_push(&q->items, &q->nitems, &q->cap_items, ev)) return -ENOMEM;
        q->puts++;
        pid_list_remove(q->blocked_put, &q->nblocked_put, ev->pid);
        set_state(m, ev->pid, MPROC_RUNNING, 0);
        if (q->nitems > q->max_size) q->max_size = q->nitems;
        break;
    case MP_EV_QUEUE_GET_WAIT:
        if (pid_list_add(&q->blocked_get, &q->nblocked_get, &q->cap_bg, ev->pid)) return -ENOMEM;
        set_state(m, ev->pid, MPROC_WAIT_QUEUE_GET, q->id);
        break;
    case MP_EV_QUEUE_GET: {
        q->gets++;
        pid_list_remove(q->blocked_get, &q->nblocked_get, ev->pid);
        set_state(m, ev->pid, MPROC_RUNNING, 0);
        /* The oldest item with this preview: two producers' PUT events can
         * reach the ring in the other order than their items the queue. */
        char text[MP_TRACE_TEXT];
        ev_text(ev, text, sizeof text);
        size_t pick = 0;
        while (pick < q->nitems && strcmp(q->items[pick].preview, text)) pick++;
        if (pick == q->nitems) pick = 0;
        if (q->nitems) items_remove(q->items, &q->nitems, pick);
        break;
    }
    case MP_EV_QUEUE_TIMEOUT:
        q->timeouts++;
        if (ev->a) pid_list_remove(q->blocked_put, &q->nblocked_put, ev->pid);
        else pid_list_remove(q->blocked_get, &q->nblocked_get, ev->pid);
        set_state(m, ev->pid, MPROC_RUNNING, 0);
        break;
    }
    return 0;
}

/* ------------------------------------------------------------ pool, async */

static struct model_task *find_task(struct model_pool *p, int64_t id)
{
    for (size_t i = 0; i < p->ntasks; i++)
        if (p->tasks[i].id == id) return &p->tasks[i];
    return NULL;
}

static struct model_task *get_task(struct model_pool *p, int64_t id, uint64_t t)
{
    struct model_task *k = find_task(p, id);
    if (k) return k;
    if (core_grow(&p->tasks, &p->cap_tasks, p->ntasks + 1, sizeof *p->tasks)) return NULL;
    k = &p->tasks[p->ntasks++];
    memset(k, 0, sizeof *k);
    k->id = id;
    k->t_submit = t;
    return k;
}

static int on_pool(struct model *m, const struct mp_trace_event *ev)
{
    struct model_pool *p = get_pool(m, ev->obj);
    if (!p) return -ENOMEM;
    struct model_task *k;
    switch (ev->kind) {
    case MP_EV_POOL_NEW:
        p->nworkers = (int)ev->a;
        break;
    case MP_EV_POOL_CLOSE:
        p->closed = true;
        break;
    case MP_EV_POOL_WORKER:
        if (core_grow(&p->workers, &p->cap_workers, p->nworker_pids + 1, sizeof *p->workers)) return -ENOMEM;
        p->workers[p->nworker_pids++] = (int)ev->a;
        break;
    case MP_EV_TASK_SUBMIT:
        if (!(k = get_task(p, ev->a, ev->t_ns))) return -ENOMEM;
        k->async_id = (uint64_t)ev->b;
        k->t_submit = ev->t_ns;
        break;
    case MP_EV_TASK_START:
        if (!(k = get_task(p, ev->a, ev->t_ns))) return -ENOMEM;
        k->worker = ev->pid;
        k->state = MTASK_RUNNING;
        k->t_start = ev->t_ns;
        break;
    case MP_EV_TASK_DONE:
        if (!(k = get_task(p, ev->a, ev->t_ns))) return -ENOMEM;
        if (k->state == MTASK_DONE) p->done--;
        if (k->state == MTASK_FAILED) p->failed--;
        k->status = ev->b;
        k->state = ev->b ? MTASK_FAILED : MTASK_DONE;
        k->t_done = ev->t_ns;
        if (ev->b) p->failed++;
        else p->done++;
        break;
    }
    return 0;
}

static int on_async(struct model *m, const struct mp_trace_event *ev)
{
    struct model_async *a = get_async(m, ev->obj);
    if (!a) return -ENOMEM;
    switch (ev->kind) {
    case MP_EV_ASYNC_NEW:
        a->ntasks = ev->a;
        a->t_new = ev->t_ns;
        ev_text(ev, a->what, sizeof a->what);
        break;
    case MP_EV_ASYNC_POLL:
        a->polls++;
        if (!ev->a && !a->ready) a->polls_before_ready++;
        break;
    case MP_EV_ASYNC_READY:
        if (!a->ready) a->t_ready = ev->t_ns;
        a->ready = true;
        a->status = ev->a;
        break;
    }
    return 0;
}

/* ------------------------------------------------------------ notes, log */

static int on_note(struct model *m, const struct mp_trace_event *ev)
{
    if (core_grow(&m->notes, &m->cap_notes, m->nnotes + 1, sizeof *m->notes)) return -ENOMEM;
    struct model_note *n = &m->notes[m->nnotes++];
    n->t_ns = ev->t_ns;
    n->pid = ev->pid;
    ev_text(ev, n->text, sizeof n->text);
    return 0;
}

static int on_manager(struct model *m, const struct mp_trace_event *ev)
{
    if (core_grow(&m->mops, &m->cap_mops, m->nmops + 1, sizeof *m->mops)) return -ENOMEM;
    struct model_manager_op *o = &m->mops[m->nmops++];
    o->t_ns = ev->t_ns;
    o->pid = ev->pid;
    o->op = ev->a;
    o->result = ev->b;
    ev_text(ev, o->text, sizeof o->text);
    return model_manager_apply ? model_manager_apply(m, ev) : 0;
}

/* Keep the log bounded: past the limit the oldest half goes. */
static int log_event(struct model *m, const struct mp_trace_event *ev)
{
    if (m->nevents >= MODEL_MAX_EVENTS) {
        size_t cut = m->nevents / 2;
        memmove(m->events, m->events + cut, (m->nevents - cut) * sizeof *m->events);
        m->nevents -= cut;
        m->events_trimmed += cut;
    }
    if (core_grow(&m->events, &m->cap_events, m->nevents + 1, sizeof *m->events)) return -ENOMEM;
    m->events[m->nevents++] = *ev;
    return 0;
}

static int apply_kind(struct model *m, const struct mp_trace_event *ev);

int model_apply(struct model *m, const struct mp_trace_event *ev)
{
    if (!m || !ev) return -EINVAL;
    if (log_event(m, ev)) return -ENOMEM;
    if (!m->applied || ev->t_ns < m->t_first) m->t_first = ev->t_ns;
    if (ev->t_ns > m->t_last) m->t_last = ev->t_ns;
    m->applied++;
    /* Count the event for its process (known or not: the root's parent,
     * or a process whose start was dropped). */
    if (ev->kind == MP_EV_PROC_EXIT) {
        /* The reaper may be outside the run (the runner reports the
         * example's own exit): count it only when it is one of ours. */
        for (size_t i = 0; i < m->nprocs; i++)
            if (m->procs[i].pid == ev->pid) m->procs[i].nevents++;
    } else {
        struct model_proc *who = get_proc(m, ev->pid, ev->t_ns);
        if (!who) return -ENOMEM;
        who->nevents++;
        if (ev->line) who->last_line = ev->line, who->last_file = ev->file; /* the code pane's "where" */
    }
    int r = apply_kind(m, ev);
    return r ? r : waitfor_apply(&m->wf, m, ev);
}

static int apply_kind(struct model *m, const struct mp_trace_event *ev)
{
    switch (ev->kind) {
    case MP_EV_PROC_START: return on_proc_start(m, ev);
    case MP_EV_PROC_EXIT: return on_proc_exit(m, ev);
    case MP_EV_LOCK_NEW: case MP_EV_LOCK_WAIT: case MP_EV_LOCK_ACQUIRE:
    case MP_EV_LOCK_TIMEOUT: case MP_EV_LOCK_RELEASE:
        return on_lock(m, ev);
    case MP_EV_VALUE_NEW: case MP_EV_ARRAY_NEW: return on_mem_new(m, ev);
    case MP_EV_MEM_WRITE: return on_mem_write(m, ev);
    case MP_EV_PIPE_NEW: case MP_EV_PIPE_SEND: case MP_EV_PIPE_RECV: case MP_EV_PIPE_CLOSE:
        return on_pipe(m, ev);
    case MP_EV_QUEUE_NEW: case MP_EV_QUEUE_PUT_WAIT: case MP_EV_QUEUE_PUT:
    case MP_EV_QUEUE_GET_WAIT: case MP_EV_QUEUE_GET: case MP_EV_QUEUE_TIMEOUT:
        return on_queue(m, ev);
    case MP_EV_POOL_NEW: case MP_EV_POOL_WORKER: case MP_EV_TASK_SUBMIT:
    case MP_EV_TASK_START: case MP_EV_TASK_DONE: case MP_EV_POOL_CLOSE:
        return on_pool(m, ev);
    case MP_EV_MEM_READ: {
        struct model_array *a = (struct model_array *)model_array(m, ev->obj);
        if (a) a->reads++;
        return 0;
    }
    case MP_EV_ASYNC_NEW: case MP_EV_ASYNC_POLL: case MP_EV_ASYNC_READY: return on_async(m, ev);
    case MP_EV_MANAGER_OP: return on_manager(m, ev);
    case MP_EV_NOTE: return on_note(m, ev);
    case MP_EV_PIPE_RECV_WAIT: case MP_EV_JOIN_WAIT: case MP_EV_ASYNC_WAIT: case MP_EV_MANAGER_WAIT:
        return 0; /* waits: waitfor.c */
    default:
        if (ev->kind >= MP_EV_MPI_INIT && ev->kind <= MP_EV_MPI_COLL_LEAVE && model_mpi_apply)
            return model_mpi_apply(m, ev);
        m->unknown++;
        return 0;
    }
}

/* ------------------------------------------------------------ derived facts */

double model_lock_contention_pct(const struct model_lock *l)
{
    if (!l || !l->acquisitions) return 0.0;
    return 100.0 * (double)l->contended / (double)l->acquisitions;
}

int model_pool_distinct_workers(const struct model *m, const struct model_pool *pool)
{
    int seen[1024];
    int n = 0;
    for (size_t i = 0; i < m->npools; i++) {
        const struct model_pool *p = &m->pools[i];
        if (pool && p != pool) continue;
        for (size_t k = 0; k < p->ntasks; k++) {
            int w = p->tasks[k].worker;
            if (!w || p->tasks[k].state == MTASK_QUEUED) continue;
            bool dup = false;
            for (int j = 0; j < n && !dup; j++) dup = seen[j] == w;
            if (!dup && n < (int)(sizeof seen / sizeof seen[0])) seen[n++] = w;
        }
    }
    return n;
}

/* Children of parent (by pid) in start order, depth first. */
static void tree_walk(const struct model *m, size_t at, bool *done, size_t *out, size_t cap, size_t *n)
{
    if (done[at]) return;
    done[at] = true;
    if (*n < cap) out[*n] = at;
    (*n)++;
    int pid = m->procs[at].pid;
    for (;;) { /* pick unvisited children by start time */
        size_t best = m->nprocs;
        for (size_t i = 0; i < m->nprocs; i++) {
            if (done[i] || m->procs[i].ppid != pid || m->procs[i].pid == pid) continue;
            if (best == m->nprocs || m->procs[i].t_start < m->procs[best].t_start) best = i;
        }
        if (best == m->nprocs) return;
        tree_walk(m, best, done, out, cap, n);
    }
}

size_t model_proc_tree(const struct model *m, size_t *out, size_t cap)
{
    if (!m->nprocs) return 0;
    bool *done = calloc(m->nprocs, sizeof *done);
    if (!done) return 0;
    size_t n = 0;
    /* Roots first (parent not in the run), by start time; then anything a
     * cycle (pid reuse) left unvisited. */
    for (int pass = 0; pass < 2; pass++) {
        for (;;) {
            size_t best = m->nprocs;
            for (size_t i = 0; i < m->nprocs; i++) {
                if (done[i]) continue;
                const struct model_proc *parent = model_proc(m, m->procs[i].ppid);
                bool root = !parent || parent == &m->procs[i] || pass == 1;
                if (root && (best == m->nprocs || m->procs[i].t_start < m->procs[best].t_start)) best = i;
            }
            if (best == m->nprocs) break;
            tree_walk(m, best, done, out, cap, &n);
        }
    }
    free(done);
    return n < cap ? n : cap;
}
