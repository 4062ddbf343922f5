/*
 * gate.c — controlled runs: every traced operation of every process asks
 * the controller (forklab) for permission first (mp_gate.h).
 *
 * Protocol. The controller makes one shared mapping (a memfd), an "alive"
 * pipe whose write end only it holds, and an eventfd, and hands the three
 * to the example as MP_GATE_FD=<shm>:<alive>:<event> (beside MP_TRACE_FD:
 * a controlled run is always traced). The mapping holds MP_GATE_MAX slots,
 * one per process, indexed by creation order: 0 is the program (the
 * controller fills its pid), and a process that forks through libmp
 * reserves the next index *before* fork() (mp__gate_fork_prepare), so
 * indexes follow the order of the forks, which the schedule fixes; they
 * never depend on which child happens to run first.
 *
 *   process                                   controller
 *   -------                                   ----------
 *   fill slot.op (kind, obj, a, b, timeout,
 *     file:line); seen = slot.word;
 *   slot.state = PENDING; write(eventfd)  ──► wakes; waits until no slot is
 *                                             RUNNING or FORKED (or its
 *                                             process is dead: pidfd), drains
 *                                             the trace into the model, asks
 *                                             the policy, then:
 *                                             slot.grant = GO|TIMEOUT|TRY;
 *                                             slot.state = RUNNING;
 *   futex_wait(slot.word, seen) ◄──────────── slot.word++; futex_wake
 *   returns the grant; does the operation,
 *   emits its trace event, runs on to its
 *   next gate (or exits).
 *
 * So exactly one process moves at a time, from one operation to the next,
 * and the trace is complete whenever the controller decides. A grant of
 * TIMEOUT makes a timed wait give up at once (the controller only grants
 * it when the wait cannot complete); TRY lets an operation whose outcome the
 * model cannot know (a receive that may meet end-of-file) try without
 * blocking, and park again with op.tried set when it cannot complete.
 *
 * Never hanging: a parked process sleeps on its futex word in slices of
 * PARK_SLICE_MS and checks the alive pipe between them; when the
 * controller is gone (the pipe hung up) it kills itself, so a dead forklab
 * leaves nothing parked behind. mp_gate_release_all() (the controller
 * stopping control, e.g. to let a run finish freely) sets `released`, and
 * every gate from then on returns GO at once.
 *
 * Outside a controlled run mp__gate_on is false and MP__GATE in the
 * callers is skipped behind the trace flag's branch: no extra cost.
 */
#include "mp_private.h"
#include "mp_gate.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define GATE_MAGIC "FLGATE01"
#define PARK_SLICE_MS 200

struct gate_shm {
    char magic[8];
    uint32_t version, max;
    _Atomic uint32_t nprocs;   /* slots handed out */
    _Atomic uint32_t released; /* 1: nobody controls any more, gates are open */
    char pad[128 - 24];
    struct mp_gate_slot slots[MP_GATE_MAX];
};

/* The call site of the public call being made (mp.h's macros set it). */
const char *mp__site_file;
unsigned mp__site_line;

bool mp__gate_on = false;
static struct gate_shm *G;
static int self = -1;          /* this process's index */
static int alive_fd = -1, event_fd = -1;
static pid_t self_pid;         /* the pid that owns `self` (a plain fork() copies it) */
static bool exit_gated;

static const char *const kind_names[MP_GOP__COUNT] = {
    [MP_GOP_NONE] = "none",
    [MP_GOP_START] = "start",
    [MP_GOP_EXIT] = "exit",
    [MP_GOP_SPAWN] = "spawn",
    [MP_GOP_JOIN] = "join",
    [MP_GOP_LOCK_ACQUIRE] = "lock_acquire",
    [MP_GOP_LOCK_RELEASE] = "lock_release",
    [MP_GOP_MEM_READ] = "mem_read",
    [MP_GOP_MEM_WRITE] = "mem_write",
    [MP_GOP_PIPE_SEND] = "pipe_send",
    [MP_GOP_PIPE_RECV] = "pipe_recv",
    [MP_GOP_PIPE_POLL] = "pipe_poll",
    [MP_GOP_PIPE_CLOSE] = "pipe_close",
    [MP_GOP_QUEUE_PUT] = "queue_put",
    [MP_GOP_QUEUE_GET] = "queue_get",
    [MP_GOP_POOL_SUBMIT] = "pool_submit",
    [MP_GOP_POOL_CLAIM] = "pool_claim",
    [MP_GOP_POOL_JOIN] = "pool_join",
    [MP_GOP_ASYNC_WAIT] = "async_wait",
    [MP_GOP_ASYNC_POLL] = "async_poll",
    [MP_GOP_MANAGER] = "manager",
    [MP_GOP_NOTE] = "note",
    [MP_GOP_SIGNAL] = "signal",
    [MP_GOP_MPI_SEND] = "mpi_send",
    [MP_GOP_MPI_RECV] = "mpi_recv",
    [MP_GOP_MPI_NOWAIT] = "mpi_nowait",
    [MP_GOP_MPI_COLL] = "mpi_coll",
};

const char *mp_gate_kind_name(unsigned kind)
{
    return kind < MP_GOP__COUNT && kind_names[kind] ? kind_names[kind] : "?";
}

static long futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *rel)
{
    /* Not FUTEX_PRIVATE: the word is shared between processes. */
    return syscall(SYS_futex, word, op, val, rel, NULL, 0);
}

/* ------------------------------------------------------------ process side */

static bool controller_gone(void)
{
    struct pollfd p = {.fd = alive_fd, .events = POLLIN};
    /* Nobody ever writes the pipe: readable or hung up means its only
     * writer, the controller, has exited. */
    return poll(&p, 1, 0) > 0;
}

static void notify(void)
{
    uint64_t one = 1;
    if (write(event_fd, &one, sizeof one) < 0) { /* the controller polls slots too */ }
}

static struct mp_gate_slot *take_slot(int parent)
{
    uint32_t i = atomic_fetch_add(&G->nprocs, 1);
    if (i >= MP_GATE_MAX) {
        atomic_fetch_sub(&G->nprocs, 1);
        return NULL;
    }
    struct mp_gate_slot *s = &G->slots[i];
    s->parent = parent;
    s->pid = 0;
    atomic_store(&s->state, MP_GS_FORKED);
    return s;
}

/* A process forked with plain fork() (not through libmp) inherited our
 * index: give it one of its own, or let it run uncontrolled when full. */
static bool own_slot(void)
{
    pid_t me = getpid();
    if (self_pid == me) return true;
    struct mp_gate_slot *s = take_slot(self);
    if (!s) return false;
    s->pid = me;
    self = (int)(s - G->slots);
    self_pid = me;
    return true;
}

static const char *basename_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Sleep until the controller bumps word past seen; returns the grant. */
static int park(struct mp_gate_slot *s, uint32_t seen)
{
    for (;;) {
        if (atomic_load_explicit(&s->word, memory_order_acquire) != seen)
            return (int)atomic_load(&s->grant);
        if (atomic_load(&G->released)) return MP_GRANT_GO;
        struct timespec slice = {0, PARK_SLICE_MS * 1000000L};
        long r = futex(&s->word, FUTEX_WAIT, seen, &slice);
        if (r < 0 && errno == ETIMEDOUT && controller_gone()) {
            /* Nobody will ever grant: do not linger. */
            kill(getpid(), SIGKILL);
            _exit(137);
        }
    }
}

static int publish_and_park(struct mp_gate_slot *s)
{
    uint32_t seen = atomic_load(&s->word);
    atomic_fetch_add(&s->seq, 1);
    atomic_store_explicit(&s->state, MP_GS_PENDING, memory_order_release);
    notify();
    return park(s, seen);
}

int mp__gate(unsigned kind, uint64_t obj, int64_t a, int64_t b, double timeout)
{
    if (!G || self < 0 || atomic_load(&G->released)) return MP_GRANT_GO;
    /* Threads other than a process's first one run uncontrolled: a slot is
     * one process moving from one operation to the next. */
    if (gettid() != getpid()) return MP_GRANT_GO;
    int saved_errno = errno;
    if (!own_slot()) return MP_GRANT_GO;
    struct mp_gate_slot *s = &G->slots[self];
    if (atomic_load(&s->state) == MP_GS_DETACHED) return MP_GRANT_GO;
    struct mp_gate_op *op = &s->op;
    op->kind = kind;
    op->obj = obj;
    op->a = a;
    op->b = b;
    op->timeout = timeout;
    op->tried = 0;
    op->line = mp__site_file ? mp__site_line : 0;
    snprintf(op->file, sizeof op->file, "%s", mp__site_file ? basename_of(mp__site_file) : "");
    int g = publish_and_park(s);
    errno = saved_errno;
    return g;
}

int mp__gate_timeout(unsigned ev_kind, uint64_t obj, int64_t a)
{
    mp__trace_emit(ev_kind, obj, a, 0, NULL);
    return -ETIMEDOUT;
}

int mp__gate_retry(void)
{
    if (!G || self < 0 || atomic_load(&G->released)) return MP_GRANT_GO;
    struct mp_gate_slot *s = &G->slots[self];
    s->op.tried = 1;
    return publish_and_park(s);
}

int mp__gate_fork_prepare(void)
{
    if (!G || atomic_load(&G->released)) return -1;
    struct mp_gate_slot *s = take_slot(self);
    return s ? (int)(s - G->slots) : -1;
}

void mp__gate_fork_done(int idx, pid_t pid)
{
    if (idx < 0 || !G) return;
    struct mp_gate_slot *s = &G->slots[idx];
    if (pid == 0) { /* the child: from now on this index is ours */
        self = idx;
        self_pid = getpid();
        s->pid = self_pid;
        exit_gated = false;
    } else if (pid > 0) {
        s->pid = pid;
    } else {
        atomic_store(&s->state, MP_GS_DETACHED); /* fork failed: nobody is there */
    }
}

void mp__gate_detach(void)
{
    if (!G || self < 0 || !own_slot()) return;
    atomic_store(&G->slots[self].state, MP_GS_DETACHED);
    notify();
}

int mp__gate_index(void)
{
    return G ? self : -1;
}

void mp__gate_exit(int code)
{
    if (!mp__gate_on || exit_gated) return;
    exit_gated = true;
    mp__gate(MP_GOP_EXIT, 0, code, 0, MP_FOREVER);
}

/* After a signal that ends a process, wait (briefly, without reaping) until
 * it has ended, so the next decision sees it gone whatever the timing. */
void mp__gate_signal_sent(pid_t pid, int sig)
{
    if (!mp__gate_on || (sig != SIGKILL && sig != SIGTERM)) return;
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (poll(&p, 1, 1000) < 0 && errno == EINTR) {}
    close(fd);
}

static void gate_atexit(void)
{
    mp__gate_exit(MP_EXIT_NONE);
}

static bool parse_fds(const char *s, int fds[3])
{
    char *end;
    for (int i = 0; i < 3; i++) {
        long v = strtol(s, &end, 10);
        if (end == s || v < 0 || v > 1 << 20) return false;
        fds[i] = (int)v;
        if (i < 2 && *end != ':') return false;
        s = end + 1;
    }
    return *end == '\0';
}

/* This process's world rank when mpirun started it, else -1. */
static int mpi_rank_of_env(void)
{
    const char *names[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK"};
    for (size_t i = 0; i < MP__ARRAY_LEN(names); i++) {
        const char *v = getenv(names[i]);
        char *end;
        long r = v && *v ? strtol(v, &end, 10) : -1;
        if (v && *v && !*end && r >= 0 && r < MP_GATE_MAX - 1) return (int)r;
    }
    return -1;
}

/* An MPI rank: mpirun closed the descriptors (and may reuse their
 * numbers), so reopen the mapping and the alive pipe by their paths in the
 * controller, and take a copy of its eventfd (which no path opens); without
 * that copy the controller still sees us at its next tick. */
static bool reopen_from(const char *from, int fds[3])
{
    char *end;
    long pid = strtol(from, &end, 10);
    if (*end || pid <= 0) return false;
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/fd/%d", pid, fds[0]);
    int shm = open(path, O_RDWR | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%ld/fd/%d", pid, fds[1]);
    int alive = open(path, O_RDONLY | O_CLOEXEC);
    if (shm < 0 || alive < 0) {
        if (shm >= 0) close(shm);
        if (alive >= 0) close(alive);
        return false;
    }
    int ev = -1, pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (pidfd >= 0) {
        ev = (int)syscall(SYS_pidfd_getfd, pidfd, fds[2], 0);
        close(pidfd);
    }
    fds[0] = shm;
    fds[1] = alive;
    fds[2] = ev;
    /* Write straight into the pipes mpirun writes our output to (its 1 and
     * 2, forklab's): one rank moves at a time, so the lines come in the
     * schedule's order, which mpirun's forwarding would not keep. */
    for (int out = 1; out <= 2; out++) {
        snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)getppid(), out);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) continue;
        fflush(out == 1 ? stdout : stderr);
        dup2(fd, out);
        close(fd);
    }
    return true;
}

/* Joins a controlled run when MP_GATE_FD is set (called by trace_init, after
 * the trace ring is attached: a controlled run is always traced). Finds this
 * process's slot by pid (an exec'd child keeps the index its parent
 * reserved), or an MPI rank by its rank (mp_gate_reserve_ranks), else
 * takes a new one. */
void mp__gate_init(void)
{
    const char *env = getenv("MP_GATE_FD");
    int fds[3];
    if (!env || !*env || !mp__trace_on || !parse_fds(env, fds)) return;
    const char *from = getenv("MP_GATE_FROM");
    int rank = from && *from ? mpi_rank_of_env() : -1;
    if (rank >= 0 && !reopen_from(from, fds)) return;
    struct stat st;
    if (fstat(fds[0], &st) < 0 || (size_t)st.st_size < sizeof(struct gate_shm)) return;
    void *p = mmap(NULL, sizeof(struct gate_shm), PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
    if (p == MAP_FAILED) return;
    struct gate_shm *g = p;
    if (memcmp(g->magic, GATE_MAGIC, 8) || g->version != MP_GATE_VERSION) {
        munmap(p, sizeof *g);
        return;
    }
    G = g;
    alive_fd = fds[1];
    event_fd = fds[2];
    pid_t me = getpid();
    uint32_t n = atomic_load(&G->nprocs);
    for (uint32_t i = 0; i < n && i < MP_GATE_MAX; i++)
        if (__atomic_load_n(&G->slots[i].pid, __ATOMIC_ACQUIRE) == me) self = (int)i;
    if (self < 0 && rank >= 0 && (uint32_t)rank + 1 < n) {
        self = rank + 1;
        __atomic_store_n(&G->slots[self].pid, me, __ATOMIC_RELEASE);
    }
    /* The program claims index 0 itself: the controller may not have
     * written its pid yet (it races with our exec). */
    int32_t zero = 0;
    if (self < 0 && (__atomic_compare_exchange_n(&G->slots[0].pid, &zero, me, false, __ATOMIC_ACQ_REL,
                                                 __ATOMIC_ACQUIRE) || zero == me))
        self = 0;
    if (self < 0) {
        struct mp_gate_slot *s = take_slot(-1);
        if (!s) return;
        s->pid = me;
        self = (int)(s - G->slots);
    }
    self_pid = me;
    mp__gate_on = true;
    atexit(gate_atexit);
    mp__gate(MP_GOP_START, 0, 0, 0, MP_FOREVER);
}

/* ------------------------------------------------------------ controller side */

struct mp_gate {
    struct gate_shm *shm;
    int shm_fd, alive_rd, alive_wr, event_fd;
};

struct mp_gate *mp_gate_create(void)
{
    struct mp_gate *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->shm_fd = g->alive_rd = g->alive_wr = g->event_fd = -1;
    int fds[2];
    g->shm_fd = memfd_create("forklab-gate", MFD_CLOEXEC);
    if (g->shm_fd < 0 || ftruncate(g->shm_fd, sizeof(struct gate_shm)) < 0) goto fail;
    void *p = mmap(NULL, sizeof(struct gate_shm), PROT_READ | PROT_WRITE, MAP_SHARED, g->shm_fd, 0);
    if (p == MAP_FAILED) goto fail;
    g->shm = p;
    memcpy(g->shm->magic, GATE_MAGIC, 8);
    g->shm->version = MP_GATE_VERSION;
    g->shm->max = MP_GATE_MAX;
    g->shm->slots[0].parent = -1;
    atomic_store(&g->shm->slots[0].state, MP_GS_FORKED);
    atomic_store(&g->shm->nprocs, 1);
    if (pipe2(fds, O_CLOEXEC) < 0) goto fail;
    g->alive_rd = fds[0];
    g->alive_wr = fds[1];
    g->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (g->event_fd < 0) goto fail;
    return g;
fail:;
    int e = errno;
    mp_gate_free(g);
    errno = e;
    return NULL;
}

void mp_gate_free(struct mp_gate *g)
{
    if (!g) return;
    if (g->shm) munmap(g->shm, sizeof *g->shm);
    int *fds[] = {&g->shm_fd, &g->alive_rd, &g->alive_wr, &g->event_fd};
    for (size_t i = 0; i < MP__ARRAY_LEN(fds); i++)
        if (*fds[i] >= 0) close(*fds[i]);
    free(g);
}

int mp_gate_env(const struct mp_gate *g, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%d:%d:%d", g->shm_fd, g->alive_rd, g->event_fd);
    return n < 0 || (size_t)n >= cap ? -ENOSPC : 0;
}

int mp_gate_child_fds(const struct mp_gate *g, int fds[3])
{
    fds[0] = g->shm_fd;
    fds[1] = g->alive_rd;
    fds[2] = g->event_fd;
    return 3;
}

int mp_gate_event_fd(const struct mp_gate *g)
{
    return g->event_fd;
}

void mp_gate_ack(struct mp_gate *g)
{
    uint64_t v;
    while (read(g->event_fd, &v, sizeof v) < 0 && errno == EINTR) {}
}

int mp_gate_nprocs(const struct mp_gate *g)
{
    uint32_t n = atomic_load(&g->shm->nprocs);
    return n > MP_GATE_MAX ? MP_GATE_MAX : (int)n;
}

const struct mp_gate_slot *mp_gate_slot(const struct mp_gate *g, int i)
{
    if (i < 0 || i >= mp_gate_nprocs(g)) return NULL;
    return &g->shm->slots[i];
}

void mp_gate_set_program(struct mp_gate *g, pid_t pid)
{
    int32_t zero = 0;
    __atomic_compare_exchange_n(&g->shm->slots[0].pid, &zero, pid, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

int mp_gate_reserve_ranks(struct mp_gate *g, int nranks)
{
    if (nranks < 1 || nranks >= MP_GATE_MAX) return -EINVAL;
    atomic_store(&g->shm->slots[0].state, MP_GS_DETACHED); /* mpirun */
    for (int i = 1; i <= nranks; i++) {
        g->shm->slots[i].parent = 0;
        atomic_store(&g->shm->slots[i].state, MP_GS_FORKED);
    }
    atomic_store(&g->shm->nprocs, (uint32_t)nranks + 1);
    return 0;
}

int mp_gate_grant(struct mp_gate *g, int i, int mode)
{
    if (i < 0 || i >= mp_gate_nprocs(g) || mode < MP_GRANT_GO || mode > MP_GRANT_TRY) return -EINVAL;
    struct mp_gate_slot *s = &g->shm->slots[i];
    if (atomic_load(&s->state) != MP_GS_PENDING) return -EAGAIN;
    atomic_store(&s->grant, (uint32_t)mode);
    atomic_store(&s->state, MP_GS_RUNNING);
    atomic_fetch_add_explicit(&s->word, 1, memory_order_release);
    futex(&s->word, FUTEX_WAKE, 1, NULL);
    return 0;
}

void mp_gate_release_all(struct mp_gate *g)
{
    atomic_store(&g->shm->released, 1);
    int n = mp_gate_nprocs(g);
    for (int i = 0; i < n; i++) {
        struct mp_gate_slot *s = &g->shm->slots[i];
        atomic_store(&s->grant, MP_GRANT_GO);
        atomic_fetch_add(&s->word, 1);
        futex(&s->word, FUTEX_WAKE, 1, NULL);
    }
}
