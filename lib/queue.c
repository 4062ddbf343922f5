/*
 * queue.c — Queue(): a FIFO in shared memory for many producers and
 * consumers across processes, without Python's feeder thread.
 *
 * Layout: one anonymous MAP_SHARED mapping holds this header and a byte
 * ring of records [uint32 length][length bytes]. head and tail are byte
 * offsets that only grow (64 bits never wrap in practice); the position in
 * the ring is offset % size, and used bytes are tail - head. The ring has
 * room for one record of `capacity` bytes, so any item up to the capacity
 * fits in an empty queue.
 *
 * Locking: one robust, process-shared mutex guards everything. Sleeping
 * is on two events (futex words, futex.c), never on pthread condvars:
 * glibc's process-shared condvars do not survive a participant killed
 * inside them, a futex word does. A put bumps `items` (getters
 * sleep on it), a get bumps `room` (putters sleep on it); a bump wakes
 * every sleeper, and only when the event says one may sleep, so an
 * uncontended put or get makes no system call. Before sleeping, a caller
 * drops the mutex and spins briefly on the offsets: waking a process on
 * the other CPU costs ~30 us here, a lot more than the ~0.1 us an item
 * takes (no spinning with a single CPU: the other side cannot run while
 * we spin).
 *
 * Crashes (the contract is in mp.h): each operation publishes its work
 * with one store (tail for put, head for get) after the bytes are in
 * place, so a process killed while holding the mutex leaves either the old
 * or the new state. The next locker gets EOWNERDEAD, the mutex is made
 * consistent, and queue_repair() recounts the records, recomputes the
 * cached ring positions (count and the positions are separate stores that
 * may lag) and wakes every sleeper (the dead holder may have owed them a
 * wake-up). A process killed between its unlock and its wake-up call also
 * owes one, and nobody sees that death: so every sleep is cut into slices
 * of at most WAIT_SLICE seconds after which the state is re-checked. A
 * killed sleeper or spinner holds nothing. So a kill costs others a delay
 * of one slice at most, never a hang, and never a wait past a deadline:
 * the mutex too is taken against the caller's deadline.
 */
#include "mp_private.h"

#include <string.h>

#define REC_HDR sizeof(uint32_t)
#define DEFAULT_CAPACITY (1u << 20)
#define MAX_CAPACITY ((size_t)1 << 30)
#define SPIN_NS 20000       /* how long to spin before sleeping */
#define LOCK_SPINS 64       /* trylock rounds before blocking on the mutex */
#define WAIT_SLICE 0.1      /* seconds: longest sleep without re-checking */

struct mp_queue {
    pthread_mutex_t mutex;     /* robust, process-shared */
    mp__event items;           /* bumped by each put: getters sleep here */
    mp__event room;            /* bumped by each get: putters sleep here */
    uint64_t id;               /* trace object id */
    size_t map_size;           /* bytes mapped, header included */
    uint64_t capacity;         /* largest item, bytes */
    uint64_t size;             /* ring bytes: capacity + one record header */
    uint64_t head;             /* offset of the oldest record */
    uint64_t tail;             /* offset just past the newest record */
    uint64_t head_pos;         /* head % size, kept to spare a division */
    uint64_t tail_pos;         /* tail % size */
    uint64_t count;            /* records between head and tail */
    pid_t creator;
    uint64_t handoff;          /* trace stamp the last traced put/get left (mp__trace_follow) */
    _Alignas(64) unsigned char ring[];
};

/* ------------------------------------------------------------ the ring */

static uint64_t load_u64(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Stores that readers outside the mutex (spinners, qsize) may see. */
static void store_u64(uint64_t *p, uint64_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Outside the mutex: head first, so the tail read after it is never
 * behind it (head <= tail at every moment). */
static uint64_t used_bytes(const mp_queue *q)
{
    uint64_t head = load_u64(&q->head);
    return load_u64(&q->tail) - head;
}

static void ring_write(mp_queue *q, uint64_t pos, const void *src, size_t n)
{
    if (n == 0) return;
    size_t first = q->size - pos < n ? (size_t)(q->size - pos) : n;
    memcpy(q->ring + pos, src, first);
    if (n > first) memcpy(q->ring, (const unsigned char *)src + first, n - first);
}

static void ring_read(const mp_queue *q, uint64_t pos, void *dst, size_t n)
{
    if (n == 0) return;
    size_t first = q->size - pos < n ? (size_t)(q->size - pos) : n;
    memcpy(dst, q->ring + pos, first);
    if (n > first) memcpy((unsigned char *)dst + first, q->ring, n - first);
}

static uint64_t ring_pos(const mp_queue *q, uint64_t offset)
{
    return offset % q->size;
}

/* Position just after a record header that starts at pos. */
static uint64_t after_header(const mp_queue *q, uint64_t pos)
{
    pos += REC_HDR;
    return pos >= q->size ? pos - q->size : pos;
}

static uint32_t record_len(const mp_queue *q, uint64_t offset)
{
    uint32_t len;
    ring_read(q, ring_pos(q, offset), &len, sizeof len);
    return len;
}

/* Length of the record at the head (the queue is not empty). */
static uint32_t head_len(const mp_queue *q)
{
    uint32_t len;
    if (q->head_pos + REC_HDR <= q->size) memcpy(&len, q->ring + q->head_pos, sizeof len);
    else ring_read(q, q->head_pos, &len, sizeof len);
    return len;
}

/* A holder died with the mutex held: keep every complete record, drop a
 * torn one at the end (none can exist with the publish-last order, but the
 * check is cheap), recount, and pay the wake-ups the holder may have owed
 * (rare: the system calls under the mutex do not matter). */
static void queue_repair(mp_queue *q)
{
    uint64_t off = q->head, n = 0;
    while (q->tail - off >= REC_HDR) {
        uint32_t len = record_len(q, off);
        if (len > q->capacity || REC_HDR + (uint64_t)len > q->tail - off) break;
        off += REC_HDR + len;
        n++;
    }
    store_u64(&q->tail, off);
    store_u64(&q->count, n);
    q->head_pos = ring_pos(q, q->head);
    q->tail_pos = ring_pos(q, q->tail);
    mp__event_bump(&q->items);
    mp__event_bump(&q->room);
    mp__event_wake_all(&q->items);
    mp__event_wake_all(&q->room);
}

/* ------------------------------------------------------------- waiting */

/* A timeout turned into a deadline only when the slow path needs it, so a
 * put or get that does not wait reads no clock. */
struct lazy_deadline {
    double timeout;
    bool made;
    mp__deadline d;
};

static const mp__deadline *deadline_of(struct lazy_deadline *ld)
{
    if (!ld->made) {
        ld->d = mp__deadline_in(ld->timeout);
        ld->made = true;
    }
    return &ld->d;
}

/* 0 | -ETIMEDOUT | -errno; a dead holder's mess is repaired. */
static int queue_lock(mp_queue *q, struct lazy_deadline *ld)
{
    for (int i = 0;; i++) {
        int r = pthread_mutex_trylock(&q->mutex);
        if (r == 0) return 0;
        if (r == EOWNERDEAD) {
            pthread_mutex_consistent(&q->mutex);
            queue_repair(q);
            return 0;
        }
        if (r != EBUSY) return -r;
        if (i == LOCK_SPINS || !mp__spinning_helps()) break;
        mp__cpu_relax();
    }
    /* The mutex is held only for a copy: with timeout 0 ("do not wait for
     * space or items") still wait for the mutex itself. A holder killed
     * meanwhile hands it over (robust), so this cannot hang. */
    mp__deadline forever = mp__deadline_in(MP_FOREVER);
    const mp__deadline *d = ld->timeout == 0 ? &forever : deadline_of(ld);
    int r = mp__mutex_lock(&q->mutex, d);
    if (r == -EOWNERDEAD) {
        queue_repair(q);
        r = 0;
    }
    return r;
}

static void queue_unlock(mp_queue *q)
{
    pthread_mutex_unlock(&q->mutex);
}

struct spin_arg {
    const mp_queue *q;
    uint64_t need; /* bytes of room wanted; 0: an item wanted */
};

static bool spin_done(void *arg)
{
    const struct spin_arg *a = arg;
    uint64_t used = used_bytes(a->q);
    return a->need ? a->q->size - used >= a->need : used > 0;
}

/* Spin (mutex released) until `need` bytes are free (need > 0) or an item
 * is in (need == 0), or SPIN_NS passed. */
static void spin_for(const mp_queue *q, uint64_t need)
{
    struct spin_arg a = {q, need};
    mp__spin_until(spin_done, &a, SPIN_NS, 0);
}

/* Sleep on e (mutex held on entry) for one slice at most, then take the
 * mutex again: 0 (re-check the state) | -ETIMEDOUT (the deadline passed
 * while waiting for the mutex; not held) | -errno (not held). */
static int sleep_on(mp_queue *q, mp__event *e, struct lazy_deadline *ld)
{
    uint32_t seen = mp__event_prepare(e);
    queue_unlock(q);
    mp__deadline slice = mp__deadline_slice(deadline_of(ld), WAIT_SLICE);
    mp__event_sleep(e, seen, &slice); /* woken, slice over or EINTR: re-check */
    return queue_lock(q, ld);
}

/* ---------------------------------------------------------- public API */

mp_queue *mp_queue_new(size_t capacity_bytes)
{
    if (capacity_bytes == 0) capacity_bytes = DEFAULT_CAPACITY;
    if (capacity_bytes > MAX_CAPACITY) {
        errno = EINVAL;
        return NULL;
    }
    size_t ring = capacity_bytes + REC_HDR;
    size_t map_size = sizeof(mp_queue) + ring;
    mp_queue *q = mp__shm_alloc(map_size); /* zero-filled: events too */
    if (!q) return NULL;
    int r = mp__mutex_init(&q->mutex);
    if (r) {
        mp__shm_free(q, map_size);
        errno = -r;
        return NULL;
    }
    q->id = mp__obj_id();
    q->map_size = map_size;
    q->capacity = capacity_bytes;
    q->size = ring;
    q->creator = mp__pid();
    MP__TRACE(MP_EV_QUEUE_NEW, q->id, (int64_t)capacity_bytes, 0, NULL);
    return q;
}

/* The steps of a put, in the order a crash must see them (the caller
 * holds the mutex and checked the room): copy the bytes and move the
 * cached position, publish with the tail, then count and bump the event. */
static void write_record(mp_queue *q, const void *item, uint32_t len)
{
    uint64_t pos = q->tail_pos, end = pos + REC_HDR + len;
    if (end <= q->size) { /* the common case: no wrap */
        memcpy(q->ring + pos, &len, sizeof len);
        if (len) memcpy(q->ring + pos + REC_HDR, item, len);
    } else {
        ring_write(q, pos, &len, sizeof len);
        ring_write(q, after_header(q, pos), item, len);
        end -= q->size;
    }
    q->tail_pos = end == q->size ? 0 : end;
}

static void publish_record(mp_queue *q, uint32_t len)
{
    store_u64(&q->tail, q->tail + REC_HDR + len);
}

/* True when getters must be woken (after the unlock). */
static bool count_record(mp_queue *q)
{
    store_u64(&q->count, q->count + 1);
    return mp__event_bump(&q->items);
}

static bool put_record(mp_queue *q, const void *item, uint32_t len)
{
    write_record(q, item, len);
    publish_record(q, len);
    return count_record(q);
}

/* A wait that ended without its item or room; the mutex is held when
 * `locked` (the deadline passed while waiting for it otherwise). */
static int timed_out(mp_queue *q, int is_put, bool locked)
{
    MP__TRACE(MP_EV_QUEUE_TIMEOUT, q->id, is_put, 0, NULL);
    if (locked) queue_unlock(q);
    return -ETIMEDOUT;
}

/* A put or get, traced under the queue's mutex: it follows the stamp the
 * last traced put/get left, and leaves its own (mp_private.h). */
static void trace_item(mp_queue *q, unsigned kind, const void *item, size_t len)
{
    mp__trace_follow(&q->handoff);
    mp__trace_emit_data(kind, q->id, (int64_t)len, (int64_t)q->count, item, len);
    mp__trace_hand_off(&q->handoff);
}

int mp_queue_put(mp_queue *q, const void *item, size_t len, double timeout)
{
    if (!q || (!item && len)) return -EINVAL;
    if (len > q->capacity) return -EMSGSIZE;
    MP__GATE_OR(MP_GOP_QUEUE_PUT, q->id, (int64_t)len, 0, timeout, return mp__gate_timeout(MP_EV_QUEUE_TIMEOUT, q->id, 1));
    uint64_t need = REC_HDR + len;
    struct lazy_deadline ld = {.timeout = timeout};
    int r = queue_lock(q, &ld);
    if (r) return r == -ETIMEDOUT ? timed_out(q, 1, false) : r;
    bool spun = false, told_wait = false;
    for (;;) {
        if (q->size - (q->tail - q->head) >= need) {
            bool wake = put_record(q, item, (uint32_t)len);
            if (__builtin_expect(mp__trace_on, 0)) trace_item(q, MP_EV_QUEUE_PUT, item, len);
            queue_unlock(q);
            if (wake) mp__event_wake_all(&q->items);
            return 0;
        }
        if (timeout != 0 && !spun && mp__spinning_helps()) {
            queue_unlock(q);
            spin_for(q, need);
            spun = true;
        } else {
            const mp__deadline *d = deadline_of(&ld);
            if (timeout == 0 || mp__deadline_passed(d)) return timed_out(q, 1, true);
            if (!told_wait) MP__TRACE_WAIT(MP_EV_QUEUE_PUT_WAIT, q->id, (int64_t)len, (int64_t)q->count, timeout);
            told_wait = true;
            r = sleep_on(q, &q->room, &ld);
            if (r) return r == -ETIMEDOUT ? timed_out(q, 1, false) : r;
            continue;
        }
        if ((r = queue_lock(q, &ld))) return r == -ETIMEDOUT ? timed_out(q, 1, false) : r;
    }
}

/* Takes the head record into buf (cap checked by the caller); true when
 * putters must be woken (after the unlock). */
static bool get_record(mp_queue *q, void *buf, uint32_t len)
{
    uint64_t pos = q->head_pos, end = pos + REC_HDR + len;
    if (end <= q->size) {
        if (len) memcpy(buf, q->ring + pos + REC_HDR, len);
    } else {
        ring_read(q, after_header(q, pos), buf, len);
        end -= q->size;
    }
    q->head_pos = end == q->size ? 0 : end;
    store_u64(&q->head, q->head + REC_HDR + len); /* frees the room: the item is taken */
    store_u64(&q->count, q->count - 1);
    return mp__event_bump(&q->room);
}

ssize_t mp_queue_get(mp_queue *q, void *buf, size_t cap, double timeout)
{
    if (!q || (!buf && cap)) return -EINVAL;
    MP__GATE_OR(MP_GOP_QUEUE_GET, q->id, 0, 0, timeout, return mp__gate_timeout(MP_EV_QUEUE_TIMEOUT, q->id, 0));
    struct lazy_deadline ld = {.timeout = timeout};
    int r = queue_lock(q, &ld);
    if (r) return r == -ETIMEDOUT ? timed_out(q, 0, false) : r;
    bool spun = false, told_wait = false;
    for (;;) {
        if (q->tail != q->head) {
            uint32_t len = head_len(q);
            if (len > cap) { /* the item stays */
                queue_unlock(q);
                return -EMSGSIZE;
            }
            bool wake = get_record(q, buf, len);
            if (__builtin_expect(mp__trace_on, 0)) trace_item(q, MP_EV_QUEUE_GET, buf, len);
            queue_unlock(q);
            if (wake) mp__event_wake_all(&q->room);
            return (ssize_t)len;
        }
        if (timeout != 0 && !spun && mp__spinning_helps()) {
            queue_unlock(q);
            spin_for(q, 0);
            spun = true;
        } else {
            const mp__deadline *d = deadline_of(&ld);
            if (timeout == 0 || mp__deadline_passed(d)) return timed_out(q, 0, true);
            if (!told_wait) MP__TRACE_WAIT(MP_EV_QUEUE_GET_WAIT, q->id, 0, (int64_t)q->count, timeout);
            told_wait = true;
            r = sleep_on(q, &q->items, &ld);
            if (r) return r == -ETIMEDOUT ? timed_out(q, 0, false) : r;
            continue;
        }
        if ((r = queue_lock(q, &ld))) return r == -ETIMEDOUT ? timed_out(q, 0, false) : r;
    }
}

/* Under the mutex, so a count left behind by a process killed mid-put is
 * repaired before it is reported. */
size_t mp_queue_qsize(mp_queue *q)
{
    if (!q) return 0;
    struct lazy_deadline ld = {.timeout = MP_FOREVER};
    if (queue_lock(q, &ld)) return (size_t)load_u64(&q->count);
    size_t n = (size_t)q->count;
    queue_unlock(q);
    return n;
}

bool mp_queue_empty(mp_queue *q)
{
    return !q || used_bytes(q) == 0;
}

bool mp_queue_full(mp_queue *q)
{
    return q && q->size - used_bytes(q) < REC_HDR;
}

ssize_t mp_queue_next_len(mp_queue *q)
{
    if (!q) return -EINVAL;
    struct lazy_deadline ld = {.timeout = MP_FOREVER};
    int r = queue_lock(q, &ld);
    if (r) return r;
    ssize_t len = q->tail != q->head ? (ssize_t)head_len(q) : -EAGAIN;
    queue_unlock(q);
    return len;
}

int mp__queue_put_torn(mp_queue *q, const void *item, size_t len, int steps)
{
    if (!q || (!item && len) || len > q->capacity) return -EINVAL;
    struct lazy_deadline ld = {.timeout = MP_FOREVER};
    int r = queue_lock(q, &ld);
    if (r) return r;
    if (q->size - (q->tail - q->head) < REC_HDR + len) {
        queue_unlock(q);
        return -ENOSPC;
    }
    write_record(q, item, (uint32_t)len);
    if (steps >= 2) publish_record(q, (uint32_t)len);
    return 0; /* mutex still held: the caller dies now */
}

pthread_mutex_t *mp__queue_mutex(mp_queue *q)
{
    return q ? &q->mutex : NULL;
}

void mp_queue_free(mp_queue *q)
{
    if (!q) return;
    /* Nothing to destroy: the robust mutex needs no pthread_mutex_destroy
     * (which may wait on a dead owner's state) and a futex word is a
     * number. Unmapping drops this process's view; the memory goes when
     * the last sharer lets go. */
    mp__shm_free(q, q->map_size);
}
