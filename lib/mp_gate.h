/*
 * mp_gate.h — the control channel of a controlled run, shared by lib/
 * (whose processes park at each traced operation) and viewer/ (whose
 * controller decides who moves next). Bump MP_GATE_VERSION on any change of
 * layout or meaning. The protocol is described at the top of lib/gate.c.
 *
 * One shared mapping holds a header and MP_GATE_MAX slots, one per process
 * of the run, indexed by creation order (0 = the program). A slot holds the
 * process's state, its pending operation and a futex word it parks on.
 */
#ifndef MP_GATE_H
#define MP_GATE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MP_GATE_VERSION 2
#define MP_GATE_MAX 256  /* processes in one controlled run */
#define MP_GATE_FILE 40  /* bytes of the source file's name kept in an op */

/* What a process is about to do. obj/a/b as in the comments. */
enum mp_gate_kind {
    MP_GOP_NONE = 0,
    MP_GOP_START,        /* first step of a new process */
    MP_GOP_EXIT,         /* a = exit code it is about to exit with */
    MP_GOP_SPAWN,        /* start (fork) a child process */
    MP_GOP_JOIN,         /* a = the child's pid: waits for it to end */
    MP_GOP_LOCK_ACQUIRE, /* obj = lock */
    MP_GOP_LOCK_RELEASE, /* obj = lock */
    MP_GOP_MEM_READ,     /* obj = value/array; a = index */
    MP_GOP_MEM_WRITE,    /* obj = value/array; a = index */
    MP_GOP_PIPE_SEND,    /* obj = pipe; a = length; b = end (0 left, 1 right) */
    MP_GOP_PIPE_RECV,    /* obj = pipe; b = end */
    MP_GOP_PIPE_POLL,    /* obj = pipe; b = end */
    MP_GOP_PIPE_CLOSE,   /* obj = pipe; b = end */
    MP_GOP_QUEUE_PUT,    /* obj = queue; a = length */
    MP_GOP_QUEUE_GET,    /* obj = queue */
    MP_GOP_POOL_SUBMIT,  /* obj = pool */
    MP_GOP_POOL_CLAIM,   /* obj = pool; a = 1 when it also ends a chunk (a worker) */
    MP_GOP_POOL_JOIN,    /* obj = pool: waits for its workers to leave */
    MP_GOP_ASYNC_WAIT,   /* obj = async result: wait/get */
    MP_GOP_ASYNC_POLL,   /* obj = async result: ready() */
    MP_GOP_MANAGER,      /* obj = manager proxy: one request and its reply */
    MP_GOP_NOTE,         /* a narration note */
    MP_GOP_SIGNAL,       /* a = target pid; b = signal (terminate/kill) */
    /* MPI ranks (lib/mpitrace.c); ranks and tags are world ranks, -1 = any */
    MP_GOP_MPI_SEND,     /* a = destination; b = tag; obj = bytes (eager: never waits) */
    MP_GOP_MPI_RECV,     /* a blocking receive, or a wait on one: a = source; b = tag */
    MP_GOP_MPI_NOWAIT,   /* a call that never waits (Isend, Irecv, Test, a wait on a send) */
    MP_GOP_MPI_COLL,     /* a = the collective's number on this rank; b = MP_MPI_COLL_*, or
                          * MP_GATE_MPI_INIT / MP_GATE_MPI_FINALIZE: every rank takes part */
    MP_GOP__COUNT
};

/* MP_GOP_MPI_COLL's b for MPI_Init and MPI_Finalize (both wait for every rank). */
#define MP_GATE_MPI_INIT (-1)
#define MP_GATE_MPI_FINALIZE (-2)

/* A slot's state, written by the process (and FORKED by its parent). */
enum mp_gate_state {
    MP_GS_FREE = 0,  /* unused */
    MP_GS_FORKED,    /* index given by the parent; the child has not parked yet */
    MP_GS_PENDING,   /* parked on op, waiting for a grant */
    MP_GS_RUNNING,   /* granted: runs until its next operation (or exit) */
    MP_GS_DETACHED,  /* takes no part (e.g. the manager's server answers within its callers' steps) */
};

/* How an operation is granted. */
enum mp_gate_grant {
    MP_GRANT_GO = 1,  /* do it: it can complete without blocking */
    MP_GRANT_TIMEOUT, /* a timed wait that cannot complete: give up now (-ETIMEDOUT) */
    MP_GRANT_TRY,     /* try it without blocking; park again (tried set) if it cannot */
};

struct mp_gate_op {
    uint64_t obj;
    int64_t a, b;
    double timeout;   /* seconds; negative = forever */
    uint32_t kind;    /* enum mp_gate_kind */
    uint32_t line;    /* source line of the call, 0 = unknown */
    uint32_t tried;   /* 1: a TRY found it could not complete */
    uint32_t reserved;
    char file[MP_GATE_FILE]; /* basename of the source file, "" = unknown */
};

struct mp_gate_slot {
    _Atomic uint32_t state; /* enum mp_gate_state */
    _Atomic uint32_t word;  /* futex: the controller bumps it at each grant */
    _Atomic uint32_t grant; /* enum mp_gate_grant of the last grant */
    int32_t pid;
    int32_t parent;         /* creator's index, -1 for the program */
    _Atomic uint32_t seq;   /* operations published so far */
    struct mp_gate_op op;   /* the pending operation (valid while PENDING) */
    char pad[128 - 24 - sizeof(struct mp_gate_op)];
};
_Static_assert(sizeof(struct mp_gate_slot) == 128, "gate slots are 128 bytes");

/* Name of an operation kind ("lock_acquire"), "?" when unknown. */
const char *mp_gate_kind_name(unsigned kind);

/* ------------------------------------------------------------ controller side
 * Used by forklab's controller (and tests). The example inherits three
 * descriptors and finds them through MP_GATE_FD=<shm>:<alive>:<event>.
 * MPI ranks, whose fds mpirun closes, reach the same three in the
 * controller, MP_GATE_FROM=<pid>, through /proc/<pid>/fd/N (lib/gate.c). */
struct mp_gate;

/* A new channel (memfd mapping, an "alive" pipe, an eventfd). NULL + errno. */
struct mp_gate *mp_gate_create(void);
void mp_gate_free(struct mp_gate *g);
/* The value of MP_GATE_FD for the example; 0 | -ENOSPC. */
int mp_gate_env(const struct mp_gate *g, char *buf, size_t cap);
/* The descriptors the example must inherit (not close-on-exec in it). */
int mp_gate_child_fds(const struct mp_gate *g, int fds[3]);
/* Readable after any process published an operation: poll it, then call
 * mp_gate_ack to clear it. */
int mp_gate_event_fd(const struct mp_gate *g);
void mp_gate_ack(struct mp_gate *g);
/* Slots in use (indexes 0..n-1). */
int mp_gate_nprocs(const struct mp_gate *g);
/* Slot i (a live view of shared memory), NULL when out of range. */
const struct mp_gate_slot *mp_gate_slot(const struct mp_gate *g, int i);
/* The program itself is index 0: record its pid before it runs. */
void mp_gate_set_program(struct mp_gate *g, pid_t pid);
/* An MPI run: the program (mpirun) takes no part, and rank r of the world
 * is index 1 + r (a rank claims its slot itself, by the rank mpirun gives
 * it, so indexes never depend on which rank starts first). Call before the
 * run starts. 0 | -EINVAL (more ranks than slots). */
int mp_gate_reserve_ranks(struct mp_gate *g, int nranks);
/* Let process i do its pending operation; mode is enum mp_gate_grant.
 * 0 | -EINVAL (out of range) | -EAGAIN (not parked). */
int mp_gate_grant(struct mp_gate *g, int i, int mode);
/* Stop controlling: every parked process goes on freely, and so does every
 * process that reaches a gate later. */
void mp_gate_release_all(struct mp_gate *g);

#endif
