/*
 * model.h — what the viewer knows about a run, built only from trace events.
 *
 * The model is pure: model_apply() is the only thing that changes it, it
 * does no I/O and never calls ncurses. The live viewer, the headless dump,
 * the grader's trace checks and the exporter all read the same structures,
 * so each fact is computed (and tested) once.
 *
 * Everything below is plain data: readers may walk the arrays directly.
 * Arrays grow as needed (count = used entries). Strings are NUL-terminated.
 */
#ifndef FORKLAB_MODEL_H
#define FORKLAB_MODEL_H

#include "mp_trace.h"
#include "waitfor.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum model_proc_state {
    MPROC_RUNNING = 0,
    MPROC_WAIT_LOCK,      /* wait_obj = the lock */
    MPROC_WAIT_QUEUE_GET, /* wait_obj = the queue */
    MPROC_WAIT_QUEUE_PUT,
    MPROC_EXITED,         /* exit_code valid */
};

struct model_proc {
    int pid, ppid;
    char name[32];
    enum model_proc_state state;
    uint64_t wait_obj;    /* what it waits on, 0 = nothing */
    int exit_code;        /* n, or -signal, when state == MPROC_EXITED */
    uint64_t t_start, t_exit; /* ns, t_exit 0 while alive */
    uint64_t nevents;     /* events this process emitted */
    int depth;            /* in the process tree (root = 0), for drawing */
    uint32_t last_line, last_file; /* call site of its last event that had one (mp_trace_event) */
};

/* One process's waits on one lock: acquisitions it had to wait for (and
 * timeouts), and the time spent waiting. */
struct model_lock_wait {
    int pid;
    uint64_t waits, wait_ns;
};

struct model_lock {
    uint64_t id;
    char what[24];        /* "lock", "value", "array", "queue" ... */
    int holder;           /* pid, 0 when free */
    int *waiters;         /* pids in arrival order */
    size_t nwaiters, cap_waiters;
    uint64_t acquisitions, contended, timeouts, owner_died;
    uint64_t wait_total_ns, wait_max_ns;
    struct model_lock_wait *per;  /* waits of each process that had to wait, first waiter first */
    size_t nper, cap_per;
};

struct model_item {
    char preview[MP_TRACE_TEXT];
    int64_t len;
    int producer;         /* pid that put it */
    int end;              /* pipes: the end it was sent on (0 left, 1 right) */
};

struct model_queue {
    uint64_t id;
    int64_t capacity;
    struct model_item *items; /* currently inside, oldest first */
    size_t nitems, cap_items;
    uint64_t puts, gets, timeouts;
    int *blocked_get, *blocked_put; /* pids blocked, in arrival order */
    size_t nblocked_get, nblocked_put, cap_bg, cap_bp;
    size_t max_size;
};

struct model_pipe {
    uint64_t id;
    bool duplex;
    struct model_item *inflight; /* sent, not yet received, oldest first */
    size_t ninflight, cap_inflight;
    uint64_t sends, recvs;
    int closed_by[2];     /* pids that closed an end, 0 = open */
    /* Receives whose send event had not arrived yet: a sender reports its
     * send after the write returns, so the peer's receive can reach the ring
     * first. Receiver pids, oldest first; the next send matches one. */
    int *early_recv;
    size_t nearly_recv, cap_early_recv;
};

struct model_array {
    uint64_t id;
    char typecode;
    bool is_value;
    size_t len;
    char (*cells)[24];    /* printed values, "0" until written */
    uint64_t writes;
    uint64_t reads;       /* reads through the API */
    int64_t last_index;   /* -1 before the first write */
};

enum model_task_state { MTASK_QUEUED = 0, MTASK_RUNNING, MTASK_DONE, MTASK_FAILED };

struct model_task {
    int64_t id;
    uint64_t async_id;
    int worker;           /* pid, 0 while queued */
    enum model_task_state state;
    int64_t status;
    uint64_t t_submit, t_start, t_done;
};

struct model_pool {
    uint64_t id;
    int nworkers;
    int *workers;         /* pids ever seen, in start order (replacements too) */
    size_t nworker_pids, cap_workers;
    struct model_task *tasks;
    size_t ntasks, cap_tasks;
    uint64_t done, failed;
    bool closed;          /* close/terminate/free: no new tasks, idle workers leave */
};

struct model_async {
    uint64_t id;
    char what[24];        /* "apply_async", "map_async" */
    int64_t ntasks;
    uint64_t polls;       /* ready() calls so far */
    uint64_t polls_before_ready; /* ready() calls that answered false */
    bool ready;
    int64_t status;
    uint64_t t_new, t_ready;
};

struct model_note {
    uint64_t t_ns;
    int pid;
    char text[MP_TRACE_TEXT];
};

struct model_manager_op {
    uint64_t t_ns;
    int pid;
    int64_t op, result;
    char text[MP_TRACE_TEXT];
};

/* One item a manager holds as the operations show it (model_manager.c):
 * a dict's key and value, a list's element, a value's value — each as
 * Python's repr, "…"-ended when the trace cut it. */
struct model_mgr_item {
    char key[MP_TRACE_TEXT];   /* dicts: the key's repr; "" otherwise */
    char value[MP_TRACE_TEXT];
};

/* A dict, list or value of a manager, rebuilt from its operations. */
struct model_mgr_obj {
    char name[40];
    char kind;                 /* 'd' dict, 'l' list, 'v' value */
    struct model_mgr_item *items; /* in Python's order (a dict's insertion order) */
    size_t nitems, cap_items;
    uint64_t ops;              /* operations on it */
    /* Some change could not be followed (events dropped, a cut text, a
     * count the server gave that differs from ours): shown as such. */
    bool partial;
};

struct model {
    struct model_proc *procs;    size_t nprocs, cap_procs;
    struct model_lock *locks;    size_t nlocks, cap_locks;
    struct model_queue *queues;  size_t nqueues, cap_queues;
    struct model_pipe *pipes;    size_t npipes, cap_pipes;
    struct model_array *arrays;  size_t narrays, cap_arrays;
    struct model_pool *pools;    size_t npools, cap_pools;
    struct model_async *asyncs;  size_t nasyncs, cap_asyncs;
    struct model_note *notes;    size_t nnotes, cap_notes;
    struct model_manager_op *mops; size_t nmops, cap_mops;
    struct model_mgr_obj *mobjs; size_t nmobjs, cap_mobjs; /* manager contents, by first sight */
    struct model_mpi *mpi;       /* MPI ranks/messages/collectives (model_mpi.h); NULL until an MPI event */
    /* Every event applied, in order (the timeline and single-step read it).
     * Kept up to MODEL_MAX_EVENTS; older ones are counted in events_trimmed. */
    struct mp_trace_event *events; size_t nevents, cap_events;
    uint64_t events_trimmed;
    uint64_t t_first, t_last;    /* ns of the first/last event */
    uint64_t applied;            /* events applied in all */
    uint64_t dropped;            /* events the ring dropped (model_set_dropped) */
    uint64_t unknown;            /* events of a kind the model does not know */
    int host_pid;                /* forklab, the run's top parent (model_set_host); 0 unknown */
    struct waitfor wf;           /* the wait-for graph's records (waitfor.h) */
};

#define MODEL_MAX_EVENTS 200000

void model_init(struct model *m);
void model_free(struct model *m);
/* Apply one event. 0, or -ENOMEM (the model stays consistent). */
int model_apply(struct model *m, const struct mp_trace_event *ev);
/* The transport's count of dropped events, shown to the reader. */
void model_set_dropped(struct model *m, uint64_t dropped);
/* The process that started the run (forklab itself), so the top PPID of the
 * tree can be labelled; a recorded trace leaves it 0. */
void model_set_host(struct model *m, int pid);
/* Some process of the run has ppid as its parent. */
bool model_proc_tree_has_parent(const struct model *m, int ppid);

/* Lookups: NULL when absent. */
const struct model_proc *model_proc(const struct model *m, int pid);
const struct model_lock *model_lock(const struct model *m, uint64_t id);
const struct model_queue *model_queue(const struct model *m, uint64_t id);
const struct model_async *model_async(const struct model *m, uint64_t id);
const struct model_pipe *model_pipe(const struct model *m, uint64_t id);
const struct model_array *model_array(const struct model *m, uint64_t id);
const struct model_pool *model_pool(const struct model *m, uint64_t id);
/* The short number people see for an object: its 1-based index among the
 * objects of its kind ("lock 2", "queue 1"); 0 when unknown. */
int model_obj_number(const struct model *m, uint64_t id);

/* Derived facts (pure) used by the dump, the grader and the panels. */
/* Contended acquisitions as a percentage of all (0 when none). */
double model_lock_contention_pct(const struct model_lock *l);
/* Distinct worker pids that started at least one task in pool (NULL = all pools). */
int model_pool_distinct_workers(const struct model *m, const struct model_pool *pool);
/* Processes in tree order (parents before children, siblings by start
 * time): fills out with indexes into m->procs; returns the count. */
size_t model_proc_tree(const struct model *m, size_t *out, size_t cap);

#endif
