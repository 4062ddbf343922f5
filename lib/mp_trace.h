/*
 * mp_trace.h — the trace event format, shared by lib/ (which writes events)
 * and viewer/ (which reads them into the model). Bump MP_TRACE_VERSION on
 * any change of layout or meaning.
 *
 * Every event is one fixed-size 128-byte record. Fields a, b and text mean
 * what the kind's comment says; unused ones are 0 / empty. Object ids are
 * unique across the processes of a run: (creator pid << 32) | serial.
 *
 * Transport (trace.c): events go into a shared-memory ring made by whoever
 * starts the run (the viewer, `forklab trace record`, or the first libmp
 * process when MP_TRACE=path is set) and inherited by every process forked
 * after. A full ring counts drops; writers never block.
 */
#ifndef MP_TRACE_H
#define MP_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define MP_TRACE_VERSION 2
#define MP_TRACE_TEXT 80 /* bytes of text, NUL-terminated within */

enum mp_ev_kind {
    MP_EV_NONE = 0,
    /* processes */
    MP_EV_PROC_START,   /* pid = the new process; a = ppid; text = name */
    MP_EV_PROC_EXIT,    /* pid = who reaped it; a = its pid; b = exit code (n, or -signal) */
    /* locks (obj = lock) */
    MP_EV_LOCK_NEW,     /* text = what it guards ("lock", "value", "array", "queue") */
    MP_EV_LOCK_WAIT,    /* the lock was busy: pid starts waiting */
    MP_EV_LOCK_ACQUIRE, /* a = ns waited; b = 1 when the last holder had died */
    MP_EV_LOCK_TIMEOUT, /* gave up waiting; a = ns waited */
    MP_EV_LOCK_RELEASE, /* a = ns held */
    /* shared memory (obj = value or array) */
    MP_EV_VALUE_NEW,    /* a = typecode; b = 1 */
    MP_EV_ARRAY_NEW,    /* a = typecode; b = length */
    MP_EV_MEM_WRITE,    /* a = index; b = new value (int64, or the double's bits for 'f'/'d'); text = printed value */
    /* pipes (obj = pipe) */
    MP_EV_PIPE_NEW,     /* a = 1 when duplex */
    MP_EV_PIPE_SEND,    /* a = length; b = end sent on (0 left, 1 right); text = preview */
    MP_EV_PIPE_RECV,    /* a = length; b = end received on; text = preview */
    MP_EV_PIPE_CLOSE,   /* pid closed its end; a = which (0 left, 1 right) */
    /* queues (obj = queue) */
    MP_EV_QUEUE_NEW,    /* a = capacity in bytes */
    MP_EV_QUEUE_PUT_WAIT, /* full: pid blocks in put */
    MP_EV_QUEUE_PUT,    /* a = length; b = qsize after; text = preview */
    MP_EV_QUEUE_GET_WAIT, /* empty: pid blocks in get */
    MP_EV_QUEUE_GET,    /* a = length; b = qsize after; text = preview */
    MP_EV_QUEUE_TIMEOUT, /* a put or get gave up; a = 1 for put, 0 for get */
    /* pool (obj = pool) and async results (obj = result) */
    MP_EV_POOL_NEW,     /* a = number of workers */
    MP_EV_POOL_WORKER,  /* a = worker pid; b = worker index; text = name (started or replaced) */
    MP_EV_TASK_SUBMIT,  /* a = task id; b = async result id (obj of its ASYNC events) */
    MP_EV_TASK_START,   /* pid = worker; a = task id */
    MP_EV_TASK_DONE,    /* a = task id; b = status (0, or -ECHILD when its worker died) */
    MP_EV_ASYNC_NEW,    /* a = number of tasks; text = "apply_async" or "map_async" */
    MP_EV_ASYNC_POLL,   /* a = 1 when ready; b = polls so far */
    MP_EV_ASYNC_READY,  /* a = status (0 or -errno) */
    /* manager (obj = manager, or the shared object) */
    MP_EV_MANAGER_OP,   /* a = enum mp_mgr_op; b = result; text = "set d['Apple'] = 0.7" (see below) */
    /* narration */
    MP_EV_NOTE,         /* text = the note */
    /* deadlock: waits the wait-for graph needs (viewer/core/waitfor.h).
     * Each ends with the next event of the same pid; flags has
     * MP_EVF_TIMED when the wait has a deadline (it ends by itself). */
    MP_EV_PIPE_RECV_WAIT, /* obj = pipe; a = the end waited on (0 left, 1 right): nothing to read */
    MP_EV_JOIN_WAIT,    /* a = the child's pid: join() of a child not reaped yet */
    MP_EV_ASYNC_WAIT,   /* obj = async result: wait()/get() on a result not ready */
    MP_EV_MANAGER_WAIT, /* obj = proxy; a = the server's pid: a call waits for its reply */
    /* MPI (lib/mpitrace.c, a PMPI library preloaded into any MPI program).
     * obj = MP_MPI_OBJ(rank, n): the world rank that did it and, for
     * point-to-point, a request serial (0 = a blocking call, which blocks
     * until its *_DONE / RECV), for collectives the collective's number on
     * this rank (1, 2, ...: equal numbers on two ranks are the same call).
     * Ranks and tags are packed into a with MP_MPI_PACK(peer, tag); peer
     * and tag are world ranks / tags, -1 = MPI_ANY_SOURCE / MPI_ANY_TAG. */
    MP_EV_MPI_INIT,       /* a = rank; b = size; text = host name */
    MP_EV_MPI_FINALIZE,   /* a = rank */
    MP_EV_MPI_SEND,       /* a message leaves: a = PACK(dst, tag); b = bytes; text = preview */
    MP_EV_MPI_SEND_DONE,  /* that send completed (obj's serial) */
    MP_EV_MPI_RECV_POST,  /* a receive is posted: a = PACK(src, tag); b = capacity in bytes */
    MP_EV_MPI_RECV,       /* a message arrived: a = PACK(src, tag); b = bytes; text = preview */
    MP_EV_MPI_WAIT,       /* blocks in MPI_Wait/Waitall on obj's request */
    MP_EV_MPI_COLL_ENTER, /* a = MP_MPI_COLL_*; b = root (-1 none); text = what this rank gives */
    MP_EV_MPI_COLL_LEAVE, /* a = MP_MPI_COLL_*; b = root; text = what this rank got */
    /* controlled runs (version 2): reads through the API, pool close */
    MP_EV_MEM_READ,     /* a = index; b = value read (as MEM_WRITE); text = printed value */
    MP_EV_POOL_CLOSE,   /* a = 1 for terminate: no new tasks, idle workers leave */
    MP_EV__COUNT
};

struct mp_trace_event {
    uint64_t t_ns;  /* CLOCK_MONOTONIC */
    uint64_t obj;   /* object id, 0 = none */
    int64_t a, b;
    int32_t pid;    /* the process that did it */
    uint16_t kind;  /* enum mp_ev_kind */
    uint8_t flags;  /* MP_EVF_* */
    uint8_t reserved;
    uint32_t line;  /* source line of the libmp call that made it, 0 = unknown */
    uint32_t file;  /* its file: FNV-1a hash of the basename (mp_trace_file_id), 0 = unknown */
    char text[MP_TRACE_TEXT];
};

#define MP_EVF_TRUNCATED 1u /* text was cut */
#define MP_EVF_TIMED 2u     /* a *_WAIT with a timeout: never a deadlock edge */

_Static_assert(sizeof(struct mp_trace_event) == 128, "trace events are 128 bytes");

/* The file id events carry for a source file's basename (FNV-1a, 32 bits;
 * never 0 for a non-empty name): compare it with the id of the file a
 * viewer shows. */
uint32_t mp_trace_file_id(const char *basename);
/* MPI events' fields (see MP_EV_MPI_*). */
enum mp_mpi_coll {
    MP_MPI_COLL_BARRIER = 1,
    MP_MPI_COLL_BCAST,
    MP_MPI_COLL_SCATTER,
    MP_MPI_COLL_GATHER,
    MP_MPI_COLL_REDUCE,
    MP_MPI_COLL_ALLREDUCE,
};
#define MP_MPI_OBJ(rank, n) (((uint64_t)(uint32_t)(rank) << 32) | (uint32_t)(n))
#define MP_MPI_OBJ_RANK(obj) ((int32_t)((uint64_t)(obj) >> 32))
#define MP_MPI_OBJ_N(obj) ((uint32_t)(obj))
#define MP_MPI_PACK(peer, tag) ((int64_t)(((uint64_t)(uint32_t)(tag) << 32) | (uint32_t)(peer)))
#define MP_MPI_PEER(a) ((int32_t)(uint32_t)((uint64_t)(a) & 0xffffffffu))
#define MP_MPI_TAG(a) ((int32_t)(uint32_t)((uint64_t)(a) >> 32))

/* Manager requests: the `a` of MP_EV_MANAGER_OP (and the code on the wire).
 * Its text is "VERB NAME", "VERB NAME[KEY]" (KEY as Python's repr, 'Apple')
 * or "VERB NAME[INDEX]", then, when the call succeeded and carries a value,
 * " = VALUE" for the value it sent (set, append) or " -> VALUE" for the one
 * it got back (get, add: the new sum, pop), VALUE as Python's repr. */
enum mp_mgr_op {
    MP_MGR_PING = 1,
    MP_MGR_DICT_OPEN = 10, MP_MGR_DICT_SET, MP_MGR_DICT_GET, MP_MGR_DICT_DEL, MP_MGR_DICT_CONTAINS,
    MP_MGR_DICT_LEN, MP_MGR_DICT_KEYS, MP_MGR_DICT_CLEAR, MP_MGR_DICT_ADD, MP_MGR_DICT_ITEMS,
    MP_MGR_LIST_OPEN = 30, MP_MGR_LIST_APPEND, MP_MGR_LIST_GET, MP_MGR_LIST_SET, MP_MGR_LIST_POP,
    MP_MGR_LIST_LEN, MP_MGR_LIST_ITEMS,
    MP_MGR_VALUE_OPEN = 50, MP_MGR_VALUE_SET, MP_MGR_VALUE_GET, MP_MGR_VALUE_ADD,
};

/* Name of a kind ("queue_put"), "?" when unknown. */
const char *mp_ev_name(unsigned kind);

/* ------------------------------------------------------------ reader side
 * Used by forklab (viewer, recorder) and by graders/tests that capture the
 * events of code they run. The ring lives in a memfd, so it can be handed
 * to an exec'd program through MP_TRACE_FD=<fd>; nothing is left in
 * /dev/shm. */
struct mp_trace_ring;

/* A ring for nevents events (0 = a default). NULL + errno. */
struct mp_trace_ring *mp_trace_ring_create(size_t nevents);
/* The memfd behind the ring (not close-on-exec only when asked). */
int mp_trace_ring_fd(const struct mp_trace_ring *r);
/* Take up to max events out of the ring, oldest first; returns the count. */
size_t mp_trace_ring_read(struct mp_trace_ring *r, struct mp_trace_event *out, size_t max);
/* Events writers had to drop because the ring was full. */
uint64_t mp_trace_ring_dropped(const struct mp_trace_ring *r);
/* Events reserved but not read yet (published or not). */
uint64_t mp_trace_ring_pending(const struct mp_trace_ring *r);
/* Events the ring holds (nevents rounded up to a power of two). */
size_t mp_trace_ring_capacity(const struct mp_trace_ring *r);
void mp_trace_ring_free(struct mp_trace_ring *r);

/* Trace this process (and the children it forks from now on) into r, as
 * if it had been started with MP_TRACE_FD; emits a PROC_START for itself.
 * 0 | -errno. mp_trace_detach() stops it. */
int mp_trace_attach(struct mp_trace_ring *r);
void mp_trace_detach(void);

#endif
