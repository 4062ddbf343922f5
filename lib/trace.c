/*
 * trace.c — trace events (mp_trace.h): the shared-memory ring, the writer
 * side every primitive calls, the reader API, and recording to a file.
 *
 * Design note. The ring is one shared mapping: a header, a table of
 * slices, and the 128-byte events in blocks. Each writer (a process, or a
 * thread of one) claims a slice the first time it traces and from then on
 * writes only there, so writers share no cache line and an event costs no
 * atomic operation:
 *
 *   1. reserve: position p = the slice's head; at a block's start take a
 *      free block (one atomic on the free-block bitmap per block, when
 *      there is none the event is counted as dropped); head = p + 1;
 *   2. stamp (trace_clock.c: the time-stamp counter where it is usable);
 *   3. write the event (pid, preview) straight into its slot;
 *   4. publish: store pub = p + 1 with release order.
 *
 * The single reader merges the slices by stamp (ring_take): an event goes
 * out once no slice can still add an earlier one. A block goes back to the
 * free bitmap when all its events were read, the slice of a writer that
 * has exited when it was read to the end. A writer that died between 1 and
 * 4 would stall the merge forever, so a position that stays reserved but
 * unpublished for more than 100 ms while other events wait (or for more
 * than 1 s at all) is skipped and counted as dropped. Should that writer
 * wake up after all (it was only stopped), it writes into a slot nobody
 * reads again: its slice keeps its blocks until it has moved on to a
 * later position (or exited), so the late write can never land in another
 * writer's block.
 *
 * Recording (MP_TRACE=path): the first process creates the ring in a memfd
 * (so exec'd libmp programs join it through MP_TRACE_FD, which it exports),
 * opens the file and stores its fd in the header. Whoever finds the ring
 * half full drains it to the file under a trylock-only drain lock; the
 * creator drains what is left at exit.
 */
#include "mp_private.h"

#include <fcntl.h>
#include <signal.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

bool mp__trace_on = false;

static const char *const ev_names[MP_EV__COUNT] = {
    [MP_EV_NONE] = "none",
    [MP_EV_PROC_START] = "proc_start",
    [MP_EV_PROC_EXIT] = "proc_exit",
    [MP_EV_LOCK_NEW] = "lock_new",
    [MP_EV_LOCK_WAIT] = "lock_wait",
    [MP_EV_LOCK_ACQUIRE] = "lock_acquire",
    [MP_EV_LOCK_TIMEOUT] = "lock_timeout",
    [MP_EV_LOCK_RELEASE] = "lock_release",
    [MP_EV_VALUE_NEW] = "value_new",
    [MP_EV_ARRAY_NEW] = "array_new",
    [MP_EV_MEM_WRITE] = "mem_write",
    [MP_EV_PIPE_NEW] = "pipe_new",
    [MP_EV_PIPE_SEND] = "pipe_send",
    [MP_EV_PIPE_RECV] = "pipe_recv",
    [MP_EV_PIPE_CLOSE] = "pipe_close",
    [MP_EV_QUEUE_NEW] = "queue_new",
    [MP_EV_QUEUE_PUT_WAIT] = "queue_put_wait",
    [MP_EV_QUEUE_PUT] = "queue_put",
    [MP_EV_QUEUE_GET_WAIT] = "queue_get_wait",
    [MP_EV_QUEUE_GET] = "queue_get",
    [MP_EV_QUEUE_TIMEOUT] = "queue_timeout",
    [MP_EV_POOL_NEW] = "pool_new",
    [MP_EV_POOL_WORKER] = "pool_worker",
    [MP_EV_TASK_SUBMIT] = "task_submit",
    [MP_EV_TASK_START] = "task_start",
    [MP_EV_TASK_DONE] = "task_done",
    [MP_EV_ASYNC_NEW] = "async_new",
    [MP_EV_ASYNC_POLL] = "async_poll",
    [MP_EV_ASYNC_READY] = "async_ready",
    [MP_EV_MANAGER_OP] = "manager_op",
    [MP_EV_NOTE] = "note",
    [MP_EV_PIPE_RECV_WAIT] = "pipe_recv_wait",
    [MP_EV_JOIN_WAIT] = "join_wait",
    [MP_EV_ASYNC_WAIT] = "async_wait",
    [MP_EV_MANAGER_WAIT] = "manager_wait",
    [MP_EV_MPI_INIT] = "mpi_init",
    [MP_EV_MPI_FINALIZE] = "mpi_finalize",
    [MP_EV_MPI_SEND] = "mpi_send",
    [MP_EV_MPI_SEND_DONE] = "mpi_send_done",
    [MP_EV_MPI_RECV_POST] = "mpi_recv_post",
    [MP_EV_MPI_RECV] = "mpi_recv",
    [MP_EV_MPI_WAIT] = "mpi_wait",
    [MP_EV_MPI_COLL_ENTER] = "mpi_coll_enter",
    [MP_EV_MPI_COLL_LEAVE] = "mpi_coll_leave",
    [MP_EV_MEM_READ] = "mem_read",
    [MP_EV_POOL_CLOSE] = "pool_close",
};

const char *mp_ev_name(unsigned kind)
{
    return kind < MP_EV__COUNT && ev_names[kind] ? ev_names[kind] : "?";
}

/* ------------------------------------------------------------ the ring */

#define RING_MAGIC "FLRING03"
#define RING_DEFAULT_EVENTS (1u << 16)
#define RING_MIN_EVENTS 16u
#define RING_MAX_EVENTS (1u << 22)
#define RING_HDR_SIZE 4096u
#define RING_SLICES 128u     /* writers at once (a dead one's slice is reused) */
#define RING_MAX_BLOCKS 64u  /* blocks of the ring: one bit each in free_blocks */
#define RING_BLOCK_MIN 16u   /* events a block holds at least */
#define SKIP_IF_LATER_NS 100000000ull /* 100 ms: a later event is published */
#define SKIP_ALWAYS_NS 1000000000ull  /* 1 s: nothing will come */
#define REAP_EVERY_NS 50000000ull     /* look for slices of dead writers at most every 50 ms */

struct ring_shm {
    char magic[8];
    uint32_t version, event_size;
    uint64_t cap;                  /* events in all: nblocks * block_events */
    uint32_t nblocks, block_shift; /* a block holds 1 << block_shift events */
    struct mp_trace_clock clock;   /* how stamps convert (trace_clock.c) */
    uint64_t ring_id;              /* tells this ring from one mapped at the same address before */
    int32_t out_fd;  /* file being recorded to, -1 when none */
    int32_t creator; /* pid that drains to out_fd at exit */
    uint64_t out_dev, out_ino; /* which file out_fd is, for exec'd joiners */
    alignas(64) _Atomic uint64_t free_blocks; /* bit b set: block b is free */
    _Atomic uint32_t nslices;                 /* slices ever claimed: the reader looks at these */
    alignas(64) _Atomic uint64_t dropped;
    _Atomic int32_t drain_pid; /* drain lock: 0 free, else holder's pid */
    uint64_t next_reap;        /* reader: when to look for dead writers again (ns) */
};
_Static_assert(sizeof(struct ring_shm) <= RING_HDR_SIZE, "ring header fits a page");

/* One writer's slice: its events, in the order it wrote them, in the
 * blocks listed in fifo (position p is event p % block of fifo[p / block
 * % RING_MAX_BLOCKS]). The writer's fields and the reader's sit on
 * separate cache lines; writers of different slices share none. */
struct slice {
    alignas(64) _Atomic int32_t owner; /* pid, 0 = free */
    int32_t tid;                       /* the thread (one writer per slice) */
    _Atomic uint64_t head;             /* positions reserved */
    _Atomic uint64_t pub;              /* positions published (all below are complete) */
    uint8_t fifo[RING_MAX_BLOCKS];     /* blocks by position / block */
    alignas(64) uint64_t rd;           /* reader: next position to read */
    uint64_t last_stamp;               /* reader: stamp of the last event read */
    uint64_t stuck_since;              /* reader: when rd was first seen reserved but unpublished, 0 = not */
    uint64_t freed;                    /* reader: blocks of fifo handed back */
    uint64_t skipped;                  /* reader: the last position skipped */
    bool tainted;                      /* reader: its writer may still write there: keep blocks */
};
_Static_assert(sizeof(struct slice) == 192, "slices are three cache lines");

struct mp_trace_ring {
    struct ring_shm *shm;
    size_t map_size;
    int fd;
};

#define RING_SLICES_SIZE (RING_SLICES * sizeof(struct slice))

static size_t ring_map_size(uint64_t cap)
{
    return RING_HDR_SIZE + RING_SLICES_SIZE + cap * sizeof(struct mp_trace_event);
}

static struct slice *ring_slices(struct ring_shm *s)
{
    return (struct slice *)((char *)s + RING_HDR_SIZE);
}

static struct mp_trace_event *ring_events(struct ring_shm *s)
{
    return (struct mp_trace_event *)((char *)s + RING_HDR_SIZE + RING_SLICES_SIZE);
}

/* The slot of position p of slice sl. */
static struct mp_trace_event *slot_of(struct ring_shm *s, const struct slice *sl, uint64_t p)
{
    uint64_t block = sl->fifo[(p >> s->block_shift) % RING_MAX_BLOCKS];
    return &ring_events(s)[(block << s->block_shift) | (p & ((1ull << s->block_shift) - 1))];
}

static uint64_t round_capacity(size_t n)
{
    if (n == 0) n = RING_DEFAULT_EVENTS;
    if (n < RING_MIN_EVENTS) n = RING_MIN_EVENTS;
    if (n > RING_MAX_EVENTS) n = RING_MAX_EVENTS;
    uint64_t cap = 1;
    while (cap < n) cap <<= 1;
    return cap;
}

static uint32_t log2_u64(uint64_t v)
{
    uint32_t l = 0;
    while (v > 1) v >>= 1, l++;
    return l;
}

/* Blocks: as many as fit RING_MAX_BLOCKS with RING_BLOCK_MIN events each
 * (a ring of 16 is one block), so one writer can fill the whole ring and
 * a block changes hands (one atomic on free_blocks) every 16+ events. */
static void ring_format(struct ring_shm *s, uint64_t cap)
{
    memcpy(s->magic, RING_MAGIC, 8);
    s->version = MP_TRACE_VERSION;
    s->event_size = sizeof(struct mp_trace_event);
    s->cap = cap;
    uint64_t nblocks = cap / RING_BLOCK_MIN;
    if (nblocks > RING_MAX_BLOCKS) nblocks = RING_MAX_BLOCKS;
    s->nblocks = (uint32_t)nblocks;
    s->block_shift = log2_u64(cap / nblocks);
    mp__trace_clock_calibrate(&s->clock);
    static uint64_t made;
    s->ring_id = ((uint64_t)getpid() << 32) ^ (++made << 20) ^ mp__now_ns();
    s->out_fd = -1;
    s->creator = 0;
    atomic_init(&s->free_blocks, nblocks == 64 ? UINT64_MAX : (1ull << nblocks) - 1);
    atomic_init(&s->nslices, 0);
    atomic_init(&s->dropped, 0);
    atomic_init(&s->drain_pid, 0);
    s->next_reap = 0;
    /* The slices are zero: the memfd is new. */
}

/* A ring in a fresh memfd (close-on-exec), formatted. NULL + errno. */
static struct mp_trace_ring *ring_new_memfd(size_t nevents)
{
    uint64_t cap = round_capacity(nevents);
    size_t size = ring_map_size(cap);
    struct mp_trace_ring *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->fd = memfd_create("forklab-trace", MFD_CLOEXEC);
    if (r->fd < 0) goto fail;
    if (ftruncate(r->fd, (off_t)size) < 0) goto fail;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
    if (p == MAP_FAILED) goto fail;
    r->shm = p;
    r->map_size = size;
    ring_format(r->shm, cap);
    return r;
fail:;
    int e = errno;
    if (r->fd >= 0) close(r->fd);
    free(r);
    errno = e;
    return NULL;
}

static bool header_ok(const struct ring_shm *h, size_t file_size)
{
    if (memcmp(h->magic, RING_MAGIC, 8) || h->version != MP_TRACE_VERSION ||
        h->event_size != sizeof(struct mp_trace_event) || h->cap < RING_MIN_EVENTS || h->cap > RING_MAX_EVENTS ||
        (h->cap & (h->cap - 1)) || ring_map_size(h->cap) > file_size)
        return false;
    return h->nblocks >= 1 && h->nblocks <= RING_MAX_BLOCKS && h->block_shift < 32 &&
           ((uint64_t)h->nblocks << h->block_shift) == h->cap;
}

/* Map a ring someone else made, checking it is one. NULL + errno. */
static struct ring_shm *ring_map_fd(int fd, size_t *map_size)
{
    struct stat st;
    if (fstat(fd, &st) < 0) return NULL;
    if ((size_t)st.st_size < RING_HDR_SIZE) {
        errno = EINVAL;
        return NULL;
    }
    struct ring_shm *h = mmap(NULL, RING_HDR_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    if (h == MAP_FAILED) return NULL;
    bool ok = header_ok(h, (size_t)st.st_size);
    size_t size = ok ? ring_map_size(h->cap) : 0;
    munmap(h, RING_HDR_SIZE);
    if (!ok) {
        errno = EINVAL;
        return NULL;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return NULL;
    *map_size = size;
    return p;
}

/* A stamp of the ring's clock, now, inline. A bare rdtsc may execute
 * before earlier instructions complete: measured here, a process that
 * takes over a cache line from another CPU and stamps can read the counter
 * up to ~150 ns before the handover (the other side's stamp, taken before
 * it let go, is then later). So events that follow something another
 * process did (a lock taken, an item got, a value read...) are stamped
 * after an lfence, which waits for every earlier instruction, as the
 * kernel's own clock reads do; every later stamp of the process then
 * follows that event too. Events that only announce what this process
 * does next (a release, a put, a send, a write) may be stamped early
 * without putting anything out of causal order, and skip the fence (it
 * costs about as much as the rest of the event). */
static inline uint64_t ring_stamp_fenced(const struct ring_shm *s, bool fence)
{
#if defined(__x86_64__)
    if (__builtin_expect(s->clock.kind == MP_TRACE_CLOCK_TSC, 1)) {
        if (fence) _mm_lfence();
        return __rdtsc();
    }
#endif
    (void)fence;
    return mp__now_ns();
}

/* Kinds stamped without the fence: those that only announce, and those
 * that follow a hand-off (a lock taken, an item got: the object carries
 * the stamp of the last traced event before it was let go, see
 * mp__trace_follow), which orders them after it by itself. */
static inline bool kind_needs_no_fence(unsigned kind)
{
    return kind == MP_EV_LOCK_RELEASE || kind == MP_EV_QUEUE_PUT || kind == MP_EV_PIPE_SEND ||
           kind == MP_EV_MEM_WRITE || kind == MP_EV_MPI_SEND || kind == MP_EV_LOCK_ACQUIRE ||
           kind == MP_EV_QUEUE_GET;
}

__thread uint64_t mp__trace_last __attribute__((tls_model("initial-exec")));

/* How far ahead of the clock a followed stamp may be and still count: a
 * real one is ahead by a fence's worth at most; one from another ring (an
 * object used under two rings) is not a time here. */
#define FOLLOW_GUARD (1ull << 22)

/* The stamp of an event of this kind: also later than every earlier stamp
 * of this thread and every stamp it followed. */
static inline uint64_t event_stamp(const struct ring_shm *s, unsigned kind)
{
    uint64_t t = ring_stamp_fenced(s, !kind_needs_no_fence(kind));
    if (__builtin_expect(t <= mp__trace_last, 0) && mp__trace_last - t < FOLLOW_GUARD) t = mp__trace_last + 1;
    mp__trace_last = t;
    return t;
}

/* The reader's "now": fenced, so that it follows the loads before it. */
static inline uint64_t ring_stamp(const struct ring_shm *s)
{
    return ring_stamp_fenced(s, true);
}

static void block_free(struct ring_shm *s, uint64_t block)
{
    atomic_fetch_or_explicit(&s->free_blocks, 1ull << block, memory_order_release);
}

/* Take a free block: its index, or -1 when the ring is full. */
static int block_take(struct ring_shm *s)
{
    uint64_t f = atomic_load_explicit(&s->free_blocks, memory_order_acquire);
    while (f) {
        int b = __builtin_ctzll(f);
        if (atomic_compare_exchange_weak_explicit(&s->free_blocks, &f, f & ~(1ull << b), memory_order_acquire,
                                                  memory_order_acquire))
            return b;
    }
    return -1;
}

/* ---- reader side: the caller is the only reader (or holds the drain lock) */

/* Every position of sl up to rd is consumed: hand back the blocks that
 * are wholly behind it, unless a skipped writer might still write into
 * one: once it has reserved a later position it has finished with the
 * skipped one (it writes one event at a time, in order). */
static void slice_free_behind(struct ring_shm *s, struct slice *sl)
{
    if (sl->tainted && atomic_load_explicit(&sl->head, memory_order_acquire) > sl->skipped + 1) sl->tainted = false;
    uint64_t done = sl->rd >> s->block_shift;
    while (!sl->tainted && sl->freed < done) block_free(s, sl->fifo[sl->freed++ % RING_MAX_BLOCKS]);
}

/* sl's owner is gone and everything it published was read: give back its
 * blocks, then the slice itself. */
static void slice_release(struct ring_shm *s, struct slice *sl)
{
    uint64_t blocks = (atomic_load(&sl->head) + (1ull << s->block_shift) - 1) >> s->block_shift;
    while (sl->freed < blocks) block_free(s, sl->fifo[sl->freed++ % RING_MAX_BLOCKS]);
    atomic_store(&sl->head, 0);
    atomic_store(&sl->pub, 0);
    sl->rd = sl->last_stamp = sl->stuck_since = sl->freed = sl->skipped = 0;
    sl->tainted = false;
    sl->tid = 0;
    atomic_store_explicit(&sl->owner, 0, memory_order_release);
}

static bool pid_gone(int32_t pid)
{
    return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

/* Now and then: the slices of writers that are gone, read to the end, go
 * back to the ring (their unfilled blocks too). */
static void reap_dead_slices(struct ring_shm *s, uint32_t nslices)
{
    uint64_t now = mp__now_ns();
    if (now < s->next_reap) return;
    s->next_reap = now + REAP_EVERY_NS;
    int saved_errno = errno;
    struct slice *sls = ring_slices(s);
    for (uint32_t i = 0; i < nslices; i++) {
        struct slice *sl = &sls[i];
        int32_t owner = atomic_load_explicit(&sl->owner, memory_order_acquire);
        if (owner && atomic_load(&sl->head) == sl->rd && pid_gone(owner)) slice_release(s, sl);
    }
    errno = saved_errno;
}

/* Position rd of sl is reserved but not published: skip it when its
 * writer is surely gone (or stopped): unpublished for 100 ms while another
 * event waits, or for 1 s at all. True when skipped (counted as dropped).
 * A stopped writer that wakes up writes into a slot nobody reads again,
 * and its slice keeps its blocks until it exits (tainted). */
static bool maybe_skip_stuck(struct ring_shm *s, struct slice *sl, bool others_wait)
{
    uint64_t now = mp__now_ns();
    if (!sl->stuck_since) {
        sl->stuck_since = now;
        return false;
    }
    uint64_t age = now - sl->stuck_since;
    if (age < SKIP_IF_LATER_NS || (age < SKIP_ALWAYS_NS && !others_wait)) return false;
    if (atomic_load_explicit(&sl->pub, memory_order_acquire) > sl->rd) return false; /* published just now */
    sl->tainted = true;
    sl->skipped = sl->rd;
    sl->rd++;
    sl->stuck_since = 0;
    atomic_fetch_add_explicit(&s->dropped, 1, memory_order_relaxed);
    return true;
}

/* What the reader knows of a slice during one take. */
struct slice_view {
    struct slice *sl;
    uint64_t end;   /* published positions seen: [sl->rd, end) may be read */
    uint64_t bound; /* once those are read: nothing later than this may go out */
};

/* Look at sl again: what is published, and, when nothing is, how far the
 * merge may go (see ring_take). */
static void view_refresh(struct ring_shm *s, struct slice_view *v, uint64_t now_stamp, bool others_wait)
{
    struct slice *sl = v->sl;
    for (;;) {
        uint64_t head = atomic_load_explicit(&sl->head, memory_order_acquire);
        v->end = atomic_load_explicit(&sl->pub, memory_order_acquire);
        if (v->end > sl->rd) {
            sl->stuck_since = 0;
            return;
        }
        if (head == sl->rd) { /* empty: its next event is stamped after now */
            v->bound = now_stamp;
            return;
        }
        if (!maybe_skip_stuck(s, sl, others_wait)) {
            v->bound = sl->last_stamp; /* the pending event is stamped after the last one */
            return;
        }
        slice_free_behind(s, sl);
    }
}

/* Copy n events out of the ring, converting their stamps to ns when conv
 * is given: a few at a time, so that each is converted while its copy is
 * still in the nearest cache (a pass over the whole batch after the copy
 * read it all back from farther away). */
static void copy_out(struct mp_trace_event *out, const struct mp_trace_event *ev, uint64_t n,
                     const struct mp_trace_clock *conv)
{
    enum { CHUNK = 16 }; /* 2 KiB */
    for (uint64_t done = 0; done < n; done += CHUNK) {
        uint64_t k = n - done < CHUNK ? n - done : CHUNK;
        memcpy(out + done, ev + done, k * sizeof *ev);
        if (conv) mp__trace_events_to_ns(conv, out + done, k);
    }
}

/* Take up to max events, oldest first, merging the slices by stamp. Each
 * slice is in its writer's order; an event goes out only when no slice can
 * still add an earlier one: an empty slice's next event will be stamped
 * after now (writers reserve, then stamp), a slice whose next position is
 * reserved but unpublished holds the merge at its last stamp until that
 * event is published or skipped. Raw stamps unless conv is given (the
 * ring's clock: then ns). */
static size_t ring_take(struct ring_shm *s, struct mp_trace_event *out, size_t max, const struct mp_trace_clock *conv)
{
    struct slice_view views[RING_SLICES];
    size_t nv = 0, n = 0;
    uint32_t nslices = atomic_load_explicit(&s->nslices, memory_order_acquire);
    if (nslices > RING_SLICES) nslices = RING_SLICES;
    reap_dead_slices(s, nslices);
    uint64_t now_stamp = ring_stamp(s); /* before any slice is looked at */
    struct slice *sls = ring_slices(s);
    for (uint32_t i = 0; i < nslices; i++) {
        if (!atomic_load_explicit(&sls[i].owner, memory_order_acquire)) continue;
        views[nv++] = (struct slice_view){.sl = &sls[i]};
    }
    bool any_ready = false;
    for (size_t i = 0; i < nv; i++) {
        view_refresh(s, &views[i], now_stamp, false);
        any_ready |= views[i].end > views[i].sl->rd;
    }
    if (any_ready) /* a stuck slice may be skipped sooner when others wait */
        for (size_t i = 0; i < nv; i++)
            if (views[i].end <= views[i].sl->rd) view_refresh(s, &views[i], now_stamp, true);
    while (n < max) {
        /* The slice with the earliest next event, and how far it may run
         * before another slice's next event (or a bound) comes first. */
        struct slice_view *best = NULL;
        /* A slice claimed since the scan starts later than now_stamp too. */
        uint64_t best_t = UINT64_MAX, limit = now_stamp;
        for (size_t i = 0; i < nv; i++) {
            struct slice_view *v = &views[i];
            uint64_t t = v->end > v->sl->rd ? slot_of(s, v->sl, v->sl->rd)->t_ns : v->bound;
            if (v->end > v->sl->rd && (!best || t < best_t)) {
                if (best && best_t < limit) limit = best_t;
                best = v, best_t = t;
            } else if (t < limit) {
                limit = t;
            }
        }
        if (!best || best_t > limit) break;
        /* Copy the run, a block's worth at a time: a slice's stamps only
         * grow, so a stretch whose last stamp is within the limit goes
         * out whole. */
        struct slice *sl = best->sl;
        uint64_t block_mask = (1ull << s->block_shift) - 1;
        do {
            const struct mp_trace_event *ev = slot_of(s, sl, sl->rd);
            uint64_t len = best->end - sl->rd, room = block_mask + 1 - (sl->rd & block_mask);
            if (len > room) len = room;
            if (len > max - n) len = max - n;
            while (len > 1 && ev[len - 1].t_ns > limit) len /= 2;
            if (ev[len - 1].t_ns > limit) break;
            copy_out(out + n, ev, len, conv);
            n += len;
            sl->last_stamp = ev[len - 1].t_ns;
            /* The copy is done before the slots' block can be handed back. */
            atomic_thread_fence(memory_order_acquire);
            sl->rd += len;
            if (!(sl->rd & block_mask)) slice_free_behind(s, sl);
        } while (n < max && sl->rd < best->end);
        if (sl->rd == best->end) view_refresh(s, best, now_stamp, false);
    }
    return n;
}

static uint64_t ring_pending(struct ring_shm *s)
{
    uint64_t n = 0;
    uint32_t nslices = atomic_load(&s->nslices);
    struct slice *sls = ring_slices(s);
    for (uint32_t i = 0; i < nslices && i < RING_SLICES; i++)
        if (atomic_load(&sls[i].owner)) n += atomic_load(&sls[i].head) - sls[i].rd;
    return n;
}

/* ------------------------------------------------------------ writer side */

static struct ring_shm *cur;       /* the ring this process writes into */
static bool may_write_file;        /* out_fd here is the recording (see trace_init) */
static struct ring_shm *saved_cur; /* what attach replaced */
static bool saved_on;
/* This thread's slice of cur; valid while my_gen == ring_gen (bumped when
 * cur changes, and reset in a forked child, which needs its own). */
static unsigned ring_gen = 1;
static __thread struct slice *my_slice __attribute__((tls_model("initial-exec")));
static __thread unsigned my_gen __attribute__((tls_model("initial-exec")));
static __thread int32_t my_pid __attribute__((tls_model("initial-exec"))); /* events' pid, set with my_slice */
static __thread uint64_t my_ring_id __attribute__((tls_model("initial-exec"))); /* my_slice's, mp__trace_last's */

static void drain_to_file(struct ring_shm *s, bool final);

static void drain_if_half_full(struct ring_shm *s);

/* Recording: whoever finds the ring half full drains it to the file. Only
 * the test is inline: without a recording an event pays one branch here. */
static inline void maybe_drain(struct ring_shm *s)
{
    if (__builtin_expect(s->out_fd >= 0 && may_write_file, 0)) drain_if_half_full(s);
}

static void drain_if_half_full(struct ring_shm *s)
{
    uint64_t free_ = (uint64_t)__builtin_popcountll(atomic_load_explicit(&s->free_blocks, memory_order_relaxed));
    if (free_ * 2 < s->nblocks) drain_to_file(s, false);
}

static void forget_slice_in_child(void)
{
    my_slice = NULL;
    my_gen = 0;
}

/* A free slice for this thread, or NULL when all are taken (the event is
 * dropped). */
static __attribute__((noinline)) struct slice *claim_slice(struct ring_shm *s)
{
    static bool atfork_set;
    if (!atfork_set) {
        pthread_atfork(NULL, NULL, forget_slice_in_child);
        atfork_set = true;
    }
    struct slice *sls = ring_slices(s);
    int32_t me = (int32_t)getpid();
    /* Back to a ring this thread wrote into before (attach, detach,
     * attach): its slice is still its own. */
    if (my_slice && my_ring_id == s->ring_id && my_slice >= sls && my_slice < sls + RING_SLICES &&
        atomic_load(&my_slice->owner) == me && my_slice->tid == (int32_t)gettid()) {
        my_gen = ring_gen;
        return my_slice;
    }
    for (uint32_t i = 0; i < RING_SLICES; i++) {
        int32_t free_ = 0;
        if (atomic_load_explicit(&sls[i].owner, memory_order_relaxed) ||
            !atomic_compare_exchange_strong(&sls[i].owner, &free_, me))
            continue;
        sls[i].tid = (int32_t)gettid();
        uint32_t n = atomic_load(&s->nslices);
        while (n < i + 1 && !atomic_compare_exchange_weak(&s->nslices, &n, i + 1)) {}
        my_slice = &sls[i];
        my_gen = ring_gen;
        if (my_ring_id != s->ring_id) mp__trace_last = 0; /* another ring's stamps mean nothing here */
        my_ring_id = s->ring_id;
        my_pid = me;
        return my_slice;
    }
    return NULL;
}

static void count_drop(struct ring_shm *s)
{
    atomic_fetch_add_explicit(&s->dropped, 1, memory_order_relaxed);
    maybe_drain(s);
}

/* Reserve this thread's next position (*pos) in slice *slp and return its
 * slot, which the caller fills in place (no event on the stack, no
 * 128-byte copy) and then publishes; NULL when the ring is full (the event
 * is counted as dropped). One writer per slice: no atomic operation here
 * but the free-block one at each block's start. */
static inline struct mp_trace_event *ring_reserve(struct ring_shm *s, struct slice **slp, uint64_t *pos)
{
    struct slice *sl = my_slice;
    if (__builtin_expect(my_gen != ring_gen || !sl, 0) && !(sl = claim_slice(s))) {
        count_drop(s);
        return NULL;
    }
    uint64_t h = atomic_load_explicit(&sl->head, memory_order_relaxed);
    uint64_t in_block = h & ((1ull << s->block_shift) - 1);
    if (__builtin_expect(!in_block, 0)) {
        int b = block_take(s);
        if (b < 0) {
            count_drop(s);
            return NULL;
        }
        sl->fifo[(h >> s->block_shift) % RING_MAX_BLOCKS] = (uint8_t)b;
    }
    atomic_store_explicit(&sl->head, h + 1, memory_order_relaxed);
    *slp = sl;
    *pos = h;
    return slot_of(s, sl, h);
}

static inline void ring_publish(struct ring_shm *s, struct slice *sl, uint64_t pos)
{
    atomic_store_explicit(&sl->pub, pos + 1, memory_order_release);
    maybe_drain(s);
}

/* Copy text into the event, marking a cut. */
static void set_text(struct mp_trace_event *ev, const char *text)
{
    if (!text) return;
    size_t n = strnlen(text, MP_TRACE_TEXT);
    if (n >= MP_TRACE_TEXT) {
        n = MP_TRACE_TEXT - 1;
        ev->flags |= MP_EVF_TRUNCATED;
    }
    memcpy(ev->text, text, n);
    ev->text[n] = '\0';
}

uint32_t mp_trace_file_id(const char *name)
{
    if (!name || !*name) return 0;
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = (h ^ *p) * 16777619u;
    return h ? h : 1;
}

/* The file id of the current call site, computed once per distinct file
 * name pointer (a program's calls come from a handful of files). */
static uint32_t site_file_id(void)
{
    static const char *last;
    static uint32_t last_id;
    const char *f = mp__site_file;
    if (f != last) {
        const char *slash = f ? strrchr(f, '/') : NULL;
        last_id = mp_trace_file_id(slash ? slash + 1 : f);
        last = f;
    }
    return last_id;
}

/* Every field is written, but of text only what the event needs: readers
 * take text up to its NUL (and cut it at MP_TRACE_TEXT - 1 themselves), so
 * the bytes after it may be an older event's; clearing all 128 bytes each
 * time cost more than the rest of the event. */
static inline __attribute__((always_inline)) void event_init(struct mp_trace_event *ev, uint64_t t_ns,
                                                            unsigned kind, uint64_t obj, int64_t a, int64_t b)
{
    ev->t_ns = t_ns;
    ev->pid = my_pid; /* getpid(), cached when the slice was claimed */
    ev->kind = (uint16_t)kind;
    ev->obj = obj;
    ev->a = a;
    ev->b = b;
    ev->flags = 0;
    ev->reserved = 0;
    ev->line = mp__site_line;
    ev->file = mp__site_line ? site_file_id() : 0;
    ev->text[0] = '\0';
}

/* The event of kind ... stamped now (after reserving, so that an empty
 * slice's next event is later than anything the reader has seen). */
void mp__trace_emit(unsigned kind, uint64_t obj, int64_t a, int64_t b, const char *text)
{
    struct ring_shm *s = cur;
    if (!mp__trace_on || !s) return;
    struct slice *sl;
    uint64_t pos;
    struct mp_trace_event *ev = ring_reserve(s, &sl, &pos);
    if (!ev) return;
    event_init(ev, event_stamp(s, kind), kind, obj, a, b);
    set_text(ev, text);
    ring_publish(s, sl, pos);
}

/* Stamped with a CLOCK_MONOTONIC time the caller read (MPI rank files
 * share it); converted to the ring's clock. */
void mp__trace_emit_at(uint64_t t_ns, unsigned kind, uint64_t obj, int64_t a, int64_t b, const char *text)
{
    struct ring_shm *s = cur;
    if (!mp__trace_on || !s) return;
    struct slice *sl;
    uint64_t pos;
    struct mp_trace_event *ev = ring_reserve(s, &sl, &pos);
    if (!ev) return;
    event_init(ev, mp__trace_clock_from_ns(&s->clock, t_ns), kind, obj, a, b);
    set_text(ev, text);
    ring_publish(s, sl, pos);
}

uint64_t mp__trace_emit_since(unsigned kind, uint64_t obj, uint64_t since, int64_t b)
{
    struct ring_shm *s = cur;
    if (!mp__trace_on || !s) return 0;
    struct slice *sl;
    uint64_t pos;
    struct mp_trace_event *ev = ring_reserve(s, &sl, &pos);
    uint64_t now = event_stamp(s, kind);
    if (!ev) return now;
    event_init(ev, now, kind, obj, since && since <= now ? (int64_t)(now - since) : 0, b);
    ev->reserved = MP_EVR_A_SPAN;
    ring_publish(s, sl, pos);
    return now;
}

/* A *_WAIT event, flagged MP_EVF_TIMED when the wait has a deadline, so
 * the wait-for graph knows it ends by itself. t_ns: a stamp one of these
 * functions returned, 0 = now. Returns the event's stamp. */
uint64_t mp__trace_emit_wait(uint64_t t_ns, unsigned kind, uint64_t obj, int64_t a, int64_t b, double timeout)
{
    struct ring_shm *s = cur;
    if (!mp__trace_on || !s) return 0;
    struct slice *sl;
    uint64_t pos;
    struct mp_trace_event *ev = ring_reserve(s, &sl, &pos);
    uint64_t now = t_ns ? t_ns : event_stamp(s, kind);
    if (!ev) return now;
    event_init(ev, now, kind, obj, a, b);
    if (timeout >= 0) ev->flags |= MP_EVF_TIMED;
    ring_publish(s, sl, pos);
    return now;
}

static bool is_text(const unsigned char *p, size_t len)
{
    if (len > 0 && p[len - 1] == '\0') len--; /* one trailing NUL is fine */
    if (len == 0) return false;
    for (size_t i = 0; i < len; i++)
        if (!((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t' || p[i] == '\n')) return false;
    return true;
}

/* Decimal integers for previews (and MEM_WRITE values, shared.c): at
 * most 21 bytes with the NUL; the length without it is returned.
 * snprintf("%lld") cost more than the rest of a queue event put together
 * (vfprintf's set-up dominates for short output). */
size_t mp__trace_fmt_u64(char *out, uint64_t u)
{
    char rev[20]; /* digits, least significant first */
    size_t n = 0, o = 0;
    do {
        rev[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n) out[o++] = rev[--n];
    out[o] = '\0';
    return o;
}

size_t mp__trace_fmt_i64(char *out, int64_t v)
{
    if (v >= 0) return mp__trace_fmt_u64(out, (uint64_t)v);
    out[0] = '-';
    return 1 + mp__trace_fmt_u64(out + 1, 0 - (uint64_t)v); /* INT64_MIN too */
}

/* "de ad be ef ...": 3 chars a byte, room for the ellipsis. */
static void fmt_hex(struct mp_trace_event *ev, const unsigned char *p, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    size_t max = (MP_TRACE_TEXT - 5) / 3, n = len < max ? len : max, o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) ev->text[o++] = ' ';
        ev->text[o++] = digits[p[i] >> 4];
        ev->text[o++] = digits[p[i] & 15];
    }
    if (n < len) {
        memcpy(ev->text + o, " ...", 4);
        o += 4;
        ev->flags |= MP_EVF_TRUNCATED;
    }
    ev->text[o] = '\0';
}

/* The preview of a data item: text, an int, two ints, or hex. */
static void preview(struct mp_trace_event *ev, const void *data, size_t len)
{
    const unsigned char *p = data;
    char *out = ev->text;
    if (!data || len == 0) return;
    if (is_text(p, len)) {
        size_t n = len && p[len - 1] == '\0' ? len - 1 : len;
        if (n >= MP_TRACE_TEXT) {
            n = MP_TRACE_TEXT - 1;
            ev->flags |= MP_EVF_TRUNCATED;
        }
        memcpy(out, p, n);
        out[n] = '\0';
    } else if (len == 4) {
        int32_t v;
        memcpy(&v, p, 4);
        mp__trace_fmt_i64(out, v);
    } else if (len == 8) {
        int64_t v;
        memcpy(&v, p, 8);
        mp__trace_fmt_i64(out, v);
    } else if (len == 16) {
        int64_t v[2];
        memcpy(v, p, 16);
        size_t o = mp__trace_fmt_i64(out, v[0]);
        memcpy(out + o, ", ", 2);
        mp__trace_fmt_i64(out + o + 2, v[1]);
    } else {
        fmt_hex(ev, p, len);
    }
}

void mp__trace_emit_data(unsigned kind, uint64_t obj, int64_t a, int64_t b, const void *data, size_t len)
{
    struct ring_shm *s = cur;
    if (!mp__trace_on || !s) return;
    struct slice *sl;
    uint64_t pos;
    struct mp_trace_event *ev = ring_reserve(s, &sl, &pos);
    if (!ev) return;
    event_init(ev, event_stamp(s, kind), kind, obj, a, b);
    preview(ev, data, len);
    ring_publish(s, sl, pos);
}

void mp__trace_child_started(const char *name)
{
    if (!mp__trace_on) return;
    mp__trace_emit(MP_EV_PROC_START, 0, (int64_t)getppid(), 0, name);
    MP__GATE(MP_GOP_START, 0, 0, 0); /* a new process waits for its first step */
}

bool mp_trace_enabled(void)
{
    return mp__trace_on;
}

void mp_trace_note(const char *fmt, ...)
{
    struct ring_shm *s = cur;
    if (!mp__trace_on || !s || !fmt) return;
    MP__GATE(MP_GOP_NOTE, 0, 0, 0);
    struct slice *sl;
    uint64_t pos;
    struct mp_trace_event *ev = ring_reserve(s, &sl, &pos);
    if (!ev) return;
    event_init(ev, event_stamp(s, MP_EV_NOTE), MP_EV_NOTE, 0, 0, 0);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(ev->text, sizeof ev->text, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof ev->text) ev->flags |= MP_EVF_TRUNCATED;
    ring_publish(s, sl, pos);
}

static void emit_self_started(void)
{
    mp__trace_emit(MP_EV_PROC_START, 0, (int64_t)getppid(), 0, program_invocation_short_name);
}

/* ------------------------------------------------------------ recording */

/* Take the drain lock without ever waiting. At the final drain a lock left
 * by a dead process is taken over. */
static bool drain_trylock(struct ring_shm *s, bool final)
{
    int32_t me = (int32_t)mp__pid(), free_ = 0;
    if (atomic_compare_exchange_strong(&s->drain_pid, &free_, me)) return true;
    if (!final) return false;
    int32_t holder = free_;
    if (holder == me || (kill(holder, 0) < 0 && errno == ESRCH))
        return atomic_compare_exchange_strong(&s->drain_pid, &holder, me);
    return false;
}

static void write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* a full disk loses the trace, never the program */
        p += w;
        len -= (size_t)w;
    }
}

static void drain_to_file(struct ring_shm *s, bool final)
{
    if (!may_write_file || !drain_trylock(s, final)) return;
    struct mp_trace_event buf[64];
    size_t n;
    int saved_errno = errno;
    while ((n = ring_take(s, buf, MP__ARRAY_LEN(buf), NULL)) > 0) write_all(s->out_fd, buf, n * sizeof buf[0]);
    errno = saved_errno;
    atomic_store(&s->drain_pid, 0);
}

static void final_drain(void)
{
    struct ring_shm *s = cur;
    if (!s || s->out_fd < 0 || s->creator != (int32_t)getpid()) return;
    /* Give writers stopped mid-event the ring's own grace period. */
    uint64_t until = mp__now_ns() + SKIP_ALWAYS_NS + SKIP_IF_LATER_NS;
    do {
        drain_to_file(s, true);
        if (ring_pending(s) == 0) break;
        usleep(10000);
    } while (mp__now_ns() < until);
}

/* MP_TRACE=path: make the ring, open the file, export MP_TRACE_FD. */
static void start_recording(const char *path)
{
    struct mp_trace_ring *r = ring_new_memfd(0);
    if (!r) return;
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (out < 0) {
        fprintf(stderr, "libmp: MP_TRACE=%s: %s (tracing stays off)\n", path, strerror(errno));
        mp_trace_ring_free(r);
        return;
    }
    struct {
        char magic[8];
        uint32_t version, event_size;
        struct mp_trace_clock_block clock;
    } hdr;
    memset(&hdr, 0, sizeof hdr);
    memcpy(hdr.magic, "FLTRACE1", 8);
    hdr.version = MP_TRACE_VERSION;
    hdr.event_size = sizeof(struct mp_trace_event);
    /* The events go to the file as the ring holds them, raw stamps: the
     * clock block tells a reader how to convert them. */
    mp_trace_clock_block_make(&hdr.clock, &r->shm->clock);
    write_all(out, &hdr, sizeof hdr);
    /* Exec'd libmp programs join this ring (and its file) by fd. */
    int flags = fcntl(r->fd, F_GETFD);
    if (flags >= 0) fcntl(r->fd, F_SETFD, flags & ~FD_CLOEXEC);
    char num[16];
    snprintf(num, sizeof num, "%d", r->fd);
    setenv("MP_TRACE_FD", num, 1);
    struct stat st;
    if (fstat(out, &st) == 0) {
        r->shm->out_dev = (uint64_t)st.st_dev;
        r->shm->out_ino = (uint64_t)st.st_ino;
    }
    r->shm->out_fd = out;
    r->shm->creator = (int32_t)getpid();
    may_write_file = true;
    cur = r->shm;
    ring_gen++;
    free(r); /* the mapping and fd live as long as the process */
    atexit(final_drain);
}

/* Runs at exec of every program linked with libmp (never after a fork),
 * before constructors of default priority, so those can trace already. */
__attribute__((constructor(101))) static void trace_init(void)
{
    const char *fd_s = getenv("MP_TRACE_FD");
    const char *path = getenv("MP_TRACE");
    const char *ring_path = getenv("MP_TRACE_RING");
    if (fd_s && *fd_s) {
        char *end;
        long fd = strtol(fd_s, &end, 10);
        size_t size;
        if (*end || fd < 0 || fd > 1 << 20) return;
        struct ring_shm *s = ring_map_fd((int)fd, &size);
        /* mpirun closes inherited fds in the ranks it starts (and reuses
         * the numbers): they reopen the ring by the path of the memfd in
         * its creator, /proc/PID/fd/N (lib/mpitrace.c, run/mpi_launch.c). */
        int rfd = !s && ring_path && *ring_path ? open(ring_path, O_RDWR | O_CLOEXEC) : -1;
        if (rfd >= 0) {
            s = ring_map_fd(rfd, &size);
            close(rfd); /* the mapping stays */
        }
        if (!s) return;
        cur = s;
        ring_gen++;
        /* A recording's file fd is only ours if it is still that file
         * (an exec in between may have closed or reused the number). */
        struct stat st;
        may_write_file = s->out_fd >= 0 && fstat(s->out_fd, &st) == 0 && (uint64_t)st.st_dev == s->out_dev &&
                         (uint64_t)st.st_ino == s->out_ino;
    } else if (path && *path) {
        start_recording(path);
    }
    if (!cur) return;
    mp__trace_on = true;
    emit_self_started();
    mp__gate_init(); /* a controlled run: park until the controller lets us start */
}

/* ------------------------------------------------------------ reader API */

struct mp_trace_ring *mp_trace_ring_create(size_t nevents)
{
    return ring_new_memfd(nevents);
}

int mp_trace_ring_fd(const struct mp_trace_ring *r)
{
    return r ? r->fd : -EINVAL;
}

size_t mp_trace_ring_read(struct mp_trace_ring *r, struct mp_trace_event *out, size_t max)
{
    if (!r || !out) return 0;
    struct mp_trace_clock clock = r->shm->clock;
    size_t n = ring_take(r->shm, out, max, &clock);
    return n;
}

uint64_t mp_trace_ring_dropped(const struct mp_trace_ring *r)
{
    return r ? atomic_load(&r->shm->dropped) : 0;
}

uint64_t mp_trace_ring_pending(const struct mp_trace_ring *r)
{
    return r ? ring_pending(r->shm) : 0;
}

struct mp_trace_clock mp_trace_ring_clock(const struct mp_trace_ring *r)
{
    struct mp_trace_clock c = {0};
    return r ? r->shm->clock : c;
}

size_t mp_trace_ring_capacity(const struct mp_trace_ring *r)
{
    return r ? (size_t)r->shm->cap : 0;
}

void mp_trace_ring_free(struct mp_trace_ring *r)
{
    if (!r) return;
    if (cur == r->shm) mp_trace_detach();
    if (saved_cur == r->shm) saved_cur = NULL, saved_on = false;
    munmap(r->shm, r->map_size);
    if (r->fd >= 0) close(r->fd);
    free(r);
}

int mp_trace_attach(struct mp_trace_ring *r)
{
    if (!r) return -EINVAL;
    if (cur != r->shm) {
        saved_cur = cur;
        saved_on = mp__trace_on;
    }
    cur = r->shm;
    ring_gen++;
    mp__trace_on = true;
    emit_self_started();
    return 0;
}

void mp_trace_detach(void)
{
    mp__trace_on = saved_on && saved_cur;
    cur = saved_cur;
    ring_gen++;
    saved_cur = NULL;
    saved_on = false;
}

/* For the ring's tests only (declared there): behave like a writer that
 * dies between reserving a slot and publishing it. True when a slot was
 * reserved. */
bool mp__trace_test_reserve_only(void);
bool mp__trace_test_reserve_only(void)
{
    struct ring_shm *s = cur;
    if (!mp__trace_on || !s) return false;
    struct slice *sl;
    uint64_t pos;
    return ring_reserve(s, &sl, &pos) != NULL;
}
