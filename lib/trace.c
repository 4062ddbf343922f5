/*
 * trace.c — trace events (mp_trace.h): the shared-memory ring, the writer
 * side every primitive calls, the reader API, and recording to a file.
 *
 * Design note. The ring is one shared mapping: a header, an array of
 * per-slot sequence numbers, and the 128-byte events. Writers (any process
 * of the run) never block and make no syscall per event:
 *
 *   1. read the clock;
 *   2. reserve position p with a CAS on head while head - tail < capacity,
 *      else count a drop;
 *   3. write the event (pid, preview) straight into slot p % capacity;
 *   4. publish: CAS the slot's sequence from "free for p" (p + 1 - cap) to
 *      "holds p" (p + 1), with release order.
 *
 * The single reader takes slot tail while its sequence says "holds tail",
 * then advances tail (release), which frees the slot for p + cap. A writer
 * that died between 2 and 4 would stall the reader forever, so a slot that
 * stays unpublished for more than 100 ms while a later one is published (or
 * for more than 1 s at all) is skipped: the reader moves its sequence to
 * "holds p" itself and counts a drop. Should that writer wake up after all
 * (it was only stopped), its publishing CAS fails and the event is dropped,
 * so a late writer never corrupts a newer slot's sequence.
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

#define RING_MAGIC "FLRING01"
#define RING_DEFAULT_EVENTS (1u << 16)
#define RING_MIN_EVENTS 16u
#define RING_MAX_EVENTS (1u << 22)
#define RING_HDR_SIZE 4096u
#define SKIP_IF_LATER_NS 100000000ull /* 100 ms: a later slot is published */
#define SKIP_ALWAYS_NS 1000000000ull  /* 1 s: nothing will come */

struct ring_shm {
    char magic[8];
    uint32_t version, event_size;
    uint64_t cap, mask;
    int32_t out_fd;  /* file being recorded to, -1 when none */
    int32_t creator; /* pid that drains to out_fd at exit */
    uint64_t out_dev, out_ino; /* which file out_fd is, for exec'd joiners */
    alignas(64) _Atomic uint64_t head; /* next position to reserve */
    alignas(64) _Atomic uint64_t tail; /* next position to read */
    _Atomic uint64_t dropped;
    _Atomic int32_t drain_pid; /* drain lock: 0 free, else holder's pid */
    uint64_t stuck_pos, stuck_since; /* reader's note of an unpublished slot */
};
_Static_assert(sizeof(struct ring_shm) <= RING_HDR_SIZE, "ring header fits a page");

struct mp_trace_ring {
    struct ring_shm *shm;
    size_t map_size;
    int fd;
};

static size_t ring_map_size(uint64_t cap)
{
    return RING_HDR_SIZE + cap * sizeof(uint64_t) + cap * sizeof(struct mp_trace_event);
}

static _Atomic uint64_t *ring_seq(struct ring_shm *s)
{
    return (_Atomic uint64_t *)((char *)s + RING_HDR_SIZE);
}

static struct mp_trace_event *ring_events(struct ring_shm *s)
{
    return (struct mp_trace_event *)((char *)s + RING_HDR_SIZE + s->cap * sizeof(uint64_t));
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

static void ring_format(struct ring_shm *s, uint64_t cap)
{
    memcpy(s->magic, RING_MAGIC, 8);
    s->version = MP_TRACE_VERSION;
    s->event_size = sizeof(struct mp_trace_event);
    s->cap = cap;
    s->mask = cap - 1;
    s->out_fd = -1;
    s->creator = 0;
    atomic_init(&s->head, 0);
    atomic_init(&s->tail, 0);
    atomic_init(&s->dropped, 0);
    atomic_init(&s->drain_pid, 0);
    /* Slot i is "free for position i" when its sequence is i + 1 - cap. */
    _Atomic uint64_t *seq = ring_seq(s);
    for (uint64_t i = 0; i < cap; i++) atomic_init(&seq[i], i + 1 - cap);
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
    bool ok = !memcmp(h->magic, RING_MAGIC, 8) && h->version == MP_TRACE_VERSION &&
              h->event_size == sizeof(struct mp_trace_event) && h->cap >= RING_MIN_EVENTS &&
              h->cap <= RING_MAX_EVENTS && (h->cap & (h->cap - 1)) == 0 &&
              ring_map_size(h->cap) <= (size_t)st.st_size;
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

/* Is a slot after position t (and before head) published? Bounded scan:
 * only runs while the reader is stuck. */
static bool later_published(struct ring_shm *s, uint64_t t, uint64_t head)
{
    _Atomic uint64_t *seq = ring_seq(s);
    uint64_t end = head - t > 256 ? t + 256 : head;
    for (uint64_t p = t + 1; p < end; p++)
        if (atomic_load_explicit(&seq[p & s->mask], memory_order_acquire) == p + 1) return true;
    return false;
}

/* Position t is reserved but unpublished: skip it when its writer is
 * surely gone. True when t was skipped (and counted as dropped). */
static bool maybe_skip_stuck(struct ring_shm *s, uint64_t t, uint64_t head)
{
    uint64_t now = mp__now_ns();
    if (s->stuck_pos != t + 1) { /* stored +1 so that 0 means "none" */
        s->stuck_pos = t + 1;
        s->stuck_since = now;
        return false;
    }
    uint64_t age = now - s->stuck_since;
    if (age < SKIP_IF_LATER_NS) return false;
    if (age < SKIP_ALWAYS_NS && !later_published(s, t, head)) return false;
    uint64_t expect = t + 1 - s->cap;
    if (!atomic_compare_exchange_strong_explicit(&ring_seq(s)[t & s->mask], &expect, t + 1,
                                                 memory_order_acq_rel, memory_order_acquire))
        return false; /* published just now: read it normally */
    atomic_fetch_add_explicit(&s->dropped, 1, memory_order_relaxed);
    atomic_store_explicit(&s->tail, t + 1, memory_order_release);
    s->stuck_pos = 0;
    return true;
}

/* The reader's loop; the caller is the only reader (or holds the drain lock). */
static size_t ring_take(struct ring_shm *s, struct mp_trace_event *out, size_t max)
{
    _Atomic uint64_t *seq = ring_seq(s);
    struct mp_trace_event *evs = ring_events(s);
    size_t n = 0;
    while (n < max) {
        uint64_t t = atomic_load_explicit(&s->tail, memory_order_relaxed);
        uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
        if (t == head) break;
        if (atomic_load_explicit(&seq[t & s->mask], memory_order_acquire) != t + 1) {
            if (maybe_skip_stuck(s, t, head)) continue;
            break;
        }
        out[n++] = evs[t & s->mask];
        /* The copy is done before the slot is handed back to writers. */
        atomic_store_explicit(&s->tail, t + 1, memory_order_release);
    }
    return n;
}

/* ------------------------------------------------------------ writer side */

static struct ring_shm *cur;       /* the ring this process writes into */
static bool may_write_file;        /* out_fd here is the recording (see trace_init) */
static struct ring_shm *saved_cur; /* what attach replaced */
static bool saved_on;

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
    uint64_t used = atomic_load_explicit(&s->head, memory_order_relaxed) -
                    atomic_load_explicit(&s->tail, memory_order_relaxed);
    if (used >= s->cap / 2) drain_to_file(s, false);
}

/* Reserve the next position (*pos) and return its slot, which the caller
 * fills in place (no event on the stack, no 128-byte copy) and then
 * publishes; NULL when the ring is full (the event is counted as dropped). */
static struct mp_trace_event *ring_reserve(struct ring_shm *s, uint64_t *pos)
{
    uint64_t h = atomic_load_explicit(&s->head, memory_order_relaxed);
    for (;;) {
        uint64_t t = atomic_load_explicit(&s->tail, memory_order_acquire);
        if (h - t >= s->cap) {
            atomic_fetch_add_explicit(&s->dropped, 1, memory_order_relaxed);
            maybe_drain(s);
            return NULL;
        }
        if (atomic_compare_exchange_weak_explicit(&s->head, &h, h + 1, memory_order_acq_rel,
                                                  memory_order_relaxed)) {
            *pos = h;
            return &ring_events(s)[h & s->mask];
        }
    }
}

static void ring_publish(struct ring_shm *s, uint64_t pos)
{
    uint64_t expect = pos + 1 - s->cap;
    /* Fails only when the reader gave up on this slot meanwhile. */
    atomic_compare_exchange_strong_explicit(&ring_seq(s)[pos & s->mask], &expect, pos + 1, memory_order_release,
                                            memory_order_relaxed);
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
static void event_init(struct mp_trace_event *ev, uint64_t t_ns, unsigned kind, uint64_t obj, int64_t a,
                       int64_t b)
{
    ev->t_ns = t_ns;
    ev->pid = (int32_t)mp__pid();
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

void mp__trace_emit_at(uint64_t t_ns, unsigned kind, uint64_t obj, int64_t a, int64_t b, const char *text)
{
    struct ring_shm *s = cur;
    if (!mp__trace_on || !s) return;
    uint64_t pos;
    struct mp_trace_event *ev = ring_reserve(s, &pos);
    if (!ev) return;
    event_init(ev, t_ns, kind, obj, a, b);
    set_text(ev, text);
    ring_publish(s, pos);
}

/* A *_WAIT event: like emit_at (t_ns 0 = now), flagged MP_EVF_TIMED when
 * the wait has a deadline, so the wait-for graph knows it ends by itself. */
void mp__trace_emit_wait(uint64_t t_ns, unsigned kind, uint64_t obj, int64_t a, int64_t b, double timeout)
{
    struct ring_shm *s = cur;
    if (!mp__trace_on || !s) return;
    uint64_t pos;
    struct mp_trace_event *ev = ring_reserve(s, &pos);
    if (!ev) return;
    event_init(ev, t_ns ? t_ns : mp__now_ns(), kind, obj, a, b);
    if (timeout >= 0) ev->flags |= MP_EVF_TIMED;
    ring_publish(s, pos);
}

void mp__trace_emit(unsigned kind, uint64_t obj, int64_t a, int64_t b, const char *text)
{
    if (!mp__trace_on || !cur) return;
    mp__trace_emit_at(mp__now_ns(), kind, obj, a, b, text);
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
    uint64_t t_ns = mp__now_ns(); /* before reserving: positions follow time */
    uint64_t pos;
    struct mp_trace_event *ev = ring_reserve(s, &pos);
    if (!ev) return;
    event_init(ev, t_ns, kind, obj, a, b);
    preview(ev, data, len);
    ring_publish(s, pos);
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
    uint64_t t_ns = mp__now_ns();
    uint64_t pos;
    struct mp_trace_event *ev = ring_reserve(s, &pos);
    if (!ev) return;
    event_init(ev, t_ns, MP_EV_NOTE, 0, 0, 0);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(ev->text, sizeof ev->text, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof ev->text) ev->flags |= MP_EVF_TRUNCATED;
    ring_publish(s, pos);
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
    while ((n = ring_take(s, buf, MP__ARRAY_LEN(buf))) > 0) write_all(s->out_fd, buf, n * sizeof buf[0]);
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
        if (atomic_load(&s->head) == atomic_load(&s->tail)) break;
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
    } hdr = {"FLTRACE", MP_TRACE_VERSION, sizeof(struct mp_trace_event)};
    memcpy(hdr.magic, "FLTRACE1", 8);
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
    return ring_take(r->shm, out, max);
}

uint64_t mp_trace_ring_dropped(const struct mp_trace_ring *r)
{
    return r ? atomic_load(&r->shm->dropped) : 0;
}

uint64_t mp_trace_ring_pending(const struct mp_trace_ring *r)
{
    if (!r) return 0;
    return atomic_load(&r->shm->head) - atomic_load(&r->shm->tail);
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
    mp__trace_on = true;
    emit_self_started();
    return 0;
}

void mp_trace_detach(void)
{
    mp__trace_on = saved_on && saved_cur;
    cur = saved_cur;
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
    uint64_t h = atomic_load(&s->head);
    while (h - atomic_load(&s->tail) < s->cap)
        if (atomic_compare_exchange_weak(&s->head, &h, h + 1)) return true;
    return false;
}
