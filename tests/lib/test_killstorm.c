/* test_killstorm.c — random SIGKILLs of the processes using a queue, a
 * lock, a pipe and a pool, then exact accounting: what a kill may cost
 * (documented in mp.h) and nothing more; never a hang.
 *
 * Each storm runs STORM_SECS: the test process kills a random child every
 * few milliseconds and starts a new one in its place. Children write what
 * they are doing into shared memory before and after every call (which
 * item, inside which call, since when), so after the storm the test knows
 * exactly which items or increments could have been lost with a dead
 * process, and checks that nothing else was lost, duplicated, torn or
 * reordered. Every blocking call in a child has a timeout (CALL_TIMEOUT);
 * a call still running OVERDUE_SLACK seconds past it counts as a hang.
 * Children die with the test (PR_SET_PDEATHSIG) and all are reaped.
 */
#include "testutil.h"

#include <mp.h>
#include <mp_private.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define TEST_TIMEOUT 60   /* one for every test (see test_pool.c) */
#define STORM_SECS 2.0
#define CALL_TIMEOUT 0.5  /* every blocking call a child makes */
#define OVERDUE_SLACK 3.0 /* a call this long past its timeout is a hang */
#define MAX_SLOTS 8

/* ------------------------------------------------------------ the crew */

static void *shared_new(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert(p != MAP_FAILED, "mmap %zu bytes", size);
    return p;
}

typedef void (*role_fn)(int slot);

/* What each child is doing, for the test to read when it kills it. */
struct slot_state {
    _Atomic int busy;         /* inside a call of the primitive */
    _Atomic uint64_t call_ns; /* when that call started */
};

struct crew {
    int n;
    pid_t pid[MAX_SLOTS];
    role_fn role[MAX_SLOTS];
    struct slot_state *st; /* shared, n entries */
    unsigned seed;
    int kills;
    int overdue; /* calls seen running far past their timeout */
};

static void enter_call(struct slot_state *s)
{
    atomic_store(&s->call_ns, mp__now_ns());
    atomic_store(&s->busy, 1);
}

static void leave_call(struct slot_state *s)
{
    atomic_store(&s->busy, 0);
}

static void crew_start(struct crew *c, int slot)
{
    pid_t parent = getpid();
    atomic_store(&c->st[slot].busy, 0);
    pid_t pid = mp__fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
        if (getppid() != parent) _exit(0);
        c->role[slot](slot);
        _exit(0);
    }
    cr_assert_gt(pid, 0, "fork: %s", mp_strerror((int)pid));
    c->pid[slot] = pid;
}

/* Kills (if still running) and reaps the child in slot; its exit status. */
static int crew_kill(struct crew *c, int slot)
{
    int status = 0;
    kill(c->pid[slot], SIGKILL);
    while (waitpid(c->pid[slot], &status, 0) < 0 && errno == EINTR) {}
    c->pid[slot] = 0;
    return status;
}

/* A child that ended on its own (its work done) is reaped: true. */
static bool crew_reap_ended(struct crew *c, int slot)
{
    int status;
    if (c->pid[slot] <= 0 || waitpid(c->pid[slot], &status, WNOHANG) != c->pid[slot]) return false;
    c->pid[slot] = 0;
    return true;
}

static void crew_check_overdue(struct crew *c)
{
    uint64_t now = mp__now_ns(), limit = (uint64_t)((CALL_TIMEOUT + OVERDUE_SLACK) * 1e9);
    for (int i = 0; i < c->n; i++) {
        struct slot_state *s = &c->st[i];
        uint64_t t = atomic_load(&s->call_ns); /* may be later than now: a call just started */
        if (c->pid[i] > 0 && atomic_load(&s->busy) && t < now && now - t > limit) {
            c->overdue++;
            atomic_store(&s->call_ns, now); /* count each stuck call about once */
        }
    }
}

/* The storm: every 0-4 ms, kill a random child; before_restart(slot)
 * accounts for what it was doing (and may return false: do not restart).
 * Children that end on their own are restarted too. */
static void crew_storm(struct crew *c, bool (*after_death)(int slot, bool killed))
{
    double end = tu_now() + STORM_SECS;
    while (tu_now() < end) {
        usleep((useconds_t)(rand_r(&c->seed) % 4000));
        crew_check_overdue(c);
        for (int i = 0; i < c->n; i++)
            if (crew_reap_ended(c, i) && after_death(i, false)) crew_start(c, i);
        int victim = rand_r(&c->seed) % c->n;
        if (c->pid[victim] <= 0) continue;
        crew_kill(c, victim);
        c->kills++;
        if (after_death(victim, true)) crew_start(c, victim);
    }
    for (int i = 0; i < c->n; i++) {
        if (c->pid[i] <= 0) continue;
        crew_kill(c, i);
        after_death(i, true);
    }
}

/* ------------------------------------------------------------ queue */

/* Items carry (producer incarnation, sequence number) and a payload that
 * depends on both: a torn or mixed item fails the pattern check. */
#define MAX_INC 2048
#define PER_INC (1u << 16)

struct inc_rec {
    _Atomic uint32_t done;  /* puts that returned 0 */
    _Atomic uint32_t cur;   /* the sequence number being put */
    _Atomic int putting;    /* inside a put of cur (or just out of it) */
};

struct qboard {
    struct slot_state st[MAX_SLOTS];
    uint32_t slot_inc[MAX_SLOTS]; /* producers: their incarnation */
    _Atomic int stop;
    _Atomic int corrupt, reordered, errors;
    _Atomic uint64_t delivered;
    int dead_in_get; /* consumers killed inside a get (test process only) */
    struct inc_rec inc[MAX_INC];
    _Atomic uint8_t seen[]; /* MAX_INC * PER_INC: times each item was delivered */
};

static struct qboard *qb;
static mp_queue *sq;
static size_t item_max; /* largest item: 8 bytes of (inc, seq) + payload */
static uint32_t next_inc;

static size_t item_len(uint32_t inc, uint32_t seq)
{
    return 8 + (size_t)((seq * 7u + inc * 13u) % (uint32_t)(item_max - 7));
}

static size_t make_item(unsigned char *buf, uint32_t inc, uint32_t seq)
{
    size_t len = item_len(inc, seq);
    memcpy(buf, &inc, 4);
    memcpy(buf + 4, &seq, 4);
    for (size_t i = 8; i < len; i++) buf[i] = (unsigned char)(inc * 131u + seq * 31u + i);
    return len;
}

/* Checks an item and counts its delivery; false when it is malformed. */
static bool deliver(const unsigned char *buf, ssize_t n, int32_t *last)
{
    uint32_t inc, seq;
    if (n < 8) return false;
    memcpy(&inc, buf, 4);
    memcpy(&seq, buf + 4, 4);
    if (inc >= MAX_INC || seq >= PER_INC || (size_t)n != item_len(inc, seq)) return false;
    for (ssize_t i = 8; i < n; i++)
        if (buf[i] != (unsigned char)(inc * 131u + seq * 31u + (size_t)i)) return false;
    if (last) {
        if ((int32_t)seq <= last[inc]) atomic_fetch_add(&qb->reordered, 1);
        last[inc] = (int32_t)seq;
    }
    atomic_fetch_add(&qb->seen[(size_t)inc * PER_INC + seq], 1);
    atomic_fetch_add(&qb->delivered, 1);
    return true;
}

static void producer(int slot)
{
    struct slot_state *s = &qb->st[slot];
    uint32_t inc = qb->slot_inc[slot];
    struct inc_rec *r = &qb->inc[inc];
    unsigned char buf[512];
    for (uint32_t seq = 0; seq < PER_INC && !atomic_load(&qb->stop);) {
        size_t len = make_item(buf, inc, seq);
        atomic_store(&r->cur, seq);
        atomic_store(&r->putting, 1);
        enter_call(s);
        int e = mp_queue_put(sq, buf, len, CALL_TIMEOUT);
        leave_call(s);
        if (e == 0) {
            atomic_store(&r->done, ++seq);
            atomic_store(&r->putting, 0);
        } else if (e != -ETIMEDOUT) {
            atomic_fetch_add(&qb->errors, 1);
            _exit(2);
        }
    }
}

static void consumer(int slot)
{
    struct slot_state *s = &qb->st[slot];
    static int32_t last[MAX_INC]; /* per producer: the last sequence number seen */
    for (int i = 0; i < MAX_INC; i++) last[i] = -1;
    unsigned char buf[512];
    while (!atomic_load(&qb->stop)) {
        enter_call(s);
        ssize_t n = mp_queue_get(sq, buf, sizeof buf, CALL_TIMEOUT);
        if (n >= 0 && !deliver(buf, n, last)) atomic_fetch_add(&qb->corrupt, 1);
        if (n < 0 && n != -ETIMEDOUT) atomic_fetch_add(&qb->errors, 1);
        leave_call(s); /* after the delivery is counted: busy covers the item in hand */
    }
}

#define QPROD 2
#define QCONS 2

static bool queue_after_death(int slot, bool killed)
{
    if (slot >= QPROD) { /* a consumer */
        if (killed && atomic_load(&qb->st[slot].busy)) qb->dead_in_get++;
        return true;
    }
    if (next_inc >= MAX_INC) return false; /* out of incarnations: the storm goes on without */
    qb->slot_inc[slot] = next_inc++;
    return true;
}

static void queue_storm(size_t capacity, size_t max_item)
{
    unsigned seed = tu_seed();
    size_t board_size = sizeof *qb + (size_t)MAX_INC * PER_INC;
    qb = shared_new(board_size);
    sq = mp_queue_new(capacity);
    cr_assert_not_null(sq);
    item_max = max_item;
    next_inc = 0;
    struct crew c = {.n = QPROD + QCONS, .st = qb->st, .seed = seed};
    for (int i = 0; i < c.n; i++) {
        c.role[i] = i < QPROD ? producer : consumer;
        if (i < QPROD) qb->slot_inc[i] = next_inc++;
        crew_start(&c, i);
    }
    crew_storm(&c, queue_after_death);
    atomic_store(&qb->stop, 1);

    /* What is left inside comes out whole. */
    unsigned char buf[512];
    ssize_t n;
    while ((n = mp_queue_get(sq, buf, sizeof buf, 0)) >= 0)
        cr_assert(deliver(buf, n, NULL), "a malformed item was left inside (seed %u)", seed);
    cr_assert_eq(n, -ETIMEDOUT, "drain: %s (seed %u)", mp_strerror((int)n), seed);
    cr_assert_eq(mp_queue_qsize(sq), 0, "qsize after the drain (seed %u)", seed);

    cr_assert_eq(atomic_load(&qb->corrupt), 0, "torn or mixed items (seed %u)", seed);
    cr_assert_eq(atomic_load(&qb->reordered), 0, "a consumer saw a producer's items out of order (seed %u)", seed);
    cr_assert_eq(atomic_load(&qb->errors), 0, "calls failed with an error other than -ETIMEDOUT (seed %u)", seed);
    cr_assert_eq(c.overdue, 0, "%d calls ran %.1f s past their timeout (seed %u)", c.overdue, OVERDUE_SLACK, seed);
    cr_assert_gt(atomic_load(&qb->delivered), 0, "nothing went through (seed %u)", seed);

    /* Exactly once, or in the hands of a process that died. */
    uint64_t missing = 0, uncertain = 0, put = 0;
    for (uint32_t inc = 0; inc < next_inc; inc++) {
        struct inc_rec *r = &qb->inc[inc];
        uint32_t done = atomic_load(&r->done), cur = atomic_load(&r->cur);
        bool putting = atomic_load(&r->putting);
        put += done;
        for (uint32_t seq = 0; seq < PER_INC; seq++) {
            unsigned times = atomic_load(&qb->seen[(size_t)inc * PER_INC + seq]);
            cr_assert_leq(times, 1, "item (%u, %u) delivered %u times (seed %u)", inc, seq, times, seed);
            if (seq < done) {
                missing += times == 0;
            } else if (putting && seq == cur) {
                uncertain++; /* its producer died inside the put: in or not, once at most */
            } else {
                cr_assert_eq(times, 0, "item (%u, %u) delivered but never put (seed %u)", inc, seq, seed);
                if (seq > done) break; /* nothing beyond */
            }
        }
    }
    fprintf(stderr, "queue storm (capacity %zu): %d kills, %u producers, %llu items put, %llu delivered, "
            "%llu lost with %d consumers killed in a get, %llu puts cut by a kill\n",
            capacity, c.kills, next_inc, (unsigned long long)put,
            (unsigned long long)atomic_load(&qb->delivered), (unsigned long long)missing, qb->dead_in_get,
            (unsigned long long)uncertain);
    cr_assert_leq(missing, (uint64_t)qb->dead_in_get,
                  "%llu items lost, but only %d consumers died inside a get (seed %u)",
                  (unsigned long long)missing, qb->dead_in_get, seed);

    /* The test's own calls keep their timeouts afterwards. */
    int x = 42, y = 0;
    double t0 = tu_now();
    cr_assert_eq(mp_queue_put(sq, &x, sizeof x, 1.0), 0, "put after the storm");
    cr_assert_eq(mp_queue_get(sq, &y, sizeof y, 1.0), (ssize_t)sizeof y, "get after the storm");
    cr_assert_eq(y, 42);
    cr_assert_lt(tu_now() - t0, 1.5, "a put and a get on a free queue took %.2f s", tu_now() - t0);
    t0 = tu_now();
    cr_assert_eq(mp_queue_get(sq, &y, sizeof y, 1.0), -ETIMEDOUT);
    double dt = tu_now() - t0;
    cr_assert(dt >= 0.9 && dt < 3.0, "a 1 s get on an empty queue returned after %.2f s", dt);
    while (mp_queue_put(sq, &x, sizeof x, 0) == 0) {}
    t0 = tu_now();
    cr_assert_eq(mp_queue_put(sq, &x, sizeof x, 1.0), -ETIMEDOUT);
    dt = tu_now() - t0;
    cr_assert(dt >= 0.9 && dt < 3.0, "a 1 s put on a full queue returned after %.2f s", dt);

    mp_queue_free(sq);
    munmap(qb, board_size);
    tu_assert_no_children();
}

Test(killstorm, queue_tiny, .timeout = TEST_TIMEOUT)
{
    queue_storm(64, 40);
}

Test(killstorm, queue_large, .timeout = TEST_TIMEOUT)
{
    queue_storm(0, 300);
}

/* ------------------------------------------------------------ lock */

/* Holders killed at random: the next acquirer gets -EOWNERDEAD, the lock
 * stays usable, and no two processes are ever inside together. The
 * counter is incremented inside; each child also counts its own
 * increments, so counter - sum(own) is what dead holders did without
 * recording it: at most one each. */
#define LHOLDERS 4

struct lboard {
    struct slot_state st[MAX_SLOTS];
    _Atomic int in_cs[MAX_SLOTS];  /* inside the critical section */
    _Atomic pid_t inside;          /* pid in the critical section, 0: nobody */
    uint64_t counter;              /* changed only under the lock */
    _Atomic uint64_t own_total;    /* increments recorded by their makers */
    _Atomic int owner_dead;        /* -EOWNERDEAD results */
    _Atomic int violations, errors;
};

static struct lboard *lb;
static mp_lock *slk;
static int dead_in_cs;

static void holder(int slot)
{
    struct slot_state *s = &lb->st[slot];
    pid_t me = getpid();
    for (;;) {
        enter_call(s);
        int r = mp_lock_acquire(slk, CALL_TIMEOUT);
        leave_call(s);
        if (r == -ETIMEDOUT) continue;
        if (r != 0 && r != -EOWNERDEAD) {
            atomic_fetch_add(&lb->errors, 1);
            _exit(2);
        }
        if (r == -EOWNERDEAD) atomic_fetch_add(&lb->owner_dead, 1);
        else if (atomic_load(&lb->inside) != 0) atomic_fetch_add(&lb->violations, 1);
        atomic_store(&lb->inside, me);
        atomic_store(&lb->in_cs[slot], 1);
        lb->counter++;
        for (int i = 0; i < 200; i++) mp__cpu_relax(); /* stay inside a while: kills land here */
        atomic_fetch_add(&lb->own_total, 1);
        atomic_store(&lb->in_cs[slot], 0);
        if (atomic_load(&lb->inside) != me) atomic_fetch_add(&lb->violations, 1);
        atomic_store(&lb->inside, 0);
        if (mp_lock_release(slk) != 0) {
            atomic_fetch_add(&lb->errors, 1);
            _exit(2);
        }
    }
}

static bool lock_after_death(int slot, bool killed)
{
    if (killed && atomic_load(&lb->in_cs[slot])) dead_in_cs++;
    atomic_store(&lb->in_cs[slot], 0);
    return true;
}

Test(killstorm, lock, .timeout = TEST_TIMEOUT)
{
    unsigned seed = tu_seed();
    lb = shared_new(sizeof *lb);
    slk = mp_lock_new();
    cr_assert_not_null(slk);
    dead_in_cs = 0;
    struct crew c = {.n = LHOLDERS, .st = lb->st, .seed = seed};
    for (int i = 0; i < c.n; i++) {
        c.role[i] = holder;
        crew_start(&c, i);
    }
    crew_storm(&c, lock_after_death);

    double t0 = tu_now();
    int r = mp_lock_acquire(slk, 1.0);
    cr_assert(r == 0 || r == -EOWNERDEAD, "acquire after the storm: %s (seed %u)", mp_strerror(r), seed);
    cr_assert_lt(tu_now() - t0, 1.5, "acquire after the storm took %.2f s", tu_now() - t0);
    int owner_dead = atomic_load(&lb->owner_dead) + (r == -EOWNERDEAD);
    uint64_t lost = lb->counter - atomic_load(&lb->own_total);
    fprintf(stderr, "lock storm: %d kills, %llu increments, %d EOWNERDEAD, %d holders killed inside, %llu unrecorded\n",
            c.kills, (unsigned long long)lb->counter, owner_dead, dead_in_cs, (unsigned long long)lost);
    cr_assert_eq(mp_lock_release(slk), 0);
    cr_assert_eq(atomic_load(&lb->violations), 0, "two holders inside at once (seed %u)", seed);
    cr_assert_eq(atomic_load(&lb->errors), 0, "acquire or release failed (seed %u)", seed);
    cr_assert_eq(c.overdue, 0, "%d acquires ran %.1f s past their timeout (seed %u)", c.overdue, OVERDUE_SLACK, seed);
    cr_assert_gt(lb->counter, 0, "nobody got the lock (seed %u)", seed);
    cr_assert_leq(lost, (uint64_t)dead_in_cs, "increments lost beyond the holders killed inside (seed %u)", seed);
    cr_assert_geq(owner_dead, dead_in_cs, "a holder died inside and nobody was told (seed %u)", seed);
    cr_assert_leq(owner_dead, c.kills, "more EOWNERDEAD than kills (seed %u)", seed);
    /* Usable as before. */
    cr_assert_eq(mp_lock_acquire(slk, 0), 0);
    cr_assert_eq(mp_lock_release(slk), 0);
    mp_lock_free(slk);
    munmap(lb, sizeof *lb);
    tu_assert_no_children();
}

/* ------------------------------------------------------------ pipe */

/* A sender killed at a random moment: the receiver gets every message it
 * sent whole and in order, then at most one -EBADMSG (killed in the middle
 * of a message), then -EPIPE: never a timeout, never a torn message. And
 * a send to a killed receiver is -EPIPE, not SIGPIPE. */
static mp_conn *pipe_tx;

/* Mostly small messages; every 8th is big, up to 5 times the socket's
 * buffer, so that the sender (nobody reads until it is dead) often blocks,
 * and dies, in the middle of one. */
#define PIPE_BIG (1u << 20)

static size_t pipe_len(uint32_t seq)
{
    return seq % 8 == 7 ? (64u << 10) + (seq * 7919u) % (PIPE_BIG - (64u << 10)) : 4 + (seq * 97u) % 3000;
}

static unsigned char pipe_buf[PIPE_BIG];

static void pipe_sender(int slot)
{
    (void)slot;
    for (uint32_t seq = 0;; seq++) {
        size_t len = pipe_len(seq);
        memcpy(pipe_buf, &seq, 4);
        for (size_t i = 4; i < len; i++) pipe_buf[i] = (unsigned char)(seq + i);
        if (mp_conn_send(pipe_tx, pipe_buf, len) != 0) _exit(2);
    }
}

Test(killstorm, pipe, .timeout = TEST_TIMEOUT)
{
    unsigned seed = tu_seed();
    struct slot_state *st = shared_new(sizeof *st);
    int rounds = 0, broken = 0;
    uint64_t messages = 0;
    double end = tu_now() + STORM_SECS;
    while (tu_now() < end) {
        mp_conn *rx, *tx;
        cr_assert_eq(mp_pipe(&rx, &tx, true), 0);
        pipe_tx = tx;
        struct crew c = {.n = 1, .st = st, .seed = seed + (unsigned)rounds};
        c.role[0] = pipe_sender;
        crew_start(&c, 0);
        mp_conn_close(tx); /* the child holds the only sending end now */
        usleep((useconds_t)(rand_r(&c.seed) % 3000));
        crew_kill(&c, 0);
        unsigned char *buf = pipe_buf;
        ssize_t n;
        for (uint32_t seq = 0;; seq++) {
            double t0 = tu_now();
            n = mp_conn_recv(rx, buf, PIPE_BIG, 5.0);
            cr_assert_lt(tu_now() - t0, 5.0 + OVERDUE_SLACK, "recv overran its timeout");
            if (n < 0) break;
            uint32_t got;
            cr_assert_geq(n, 4);
            memcpy(&got, buf, 4);
            cr_assert_eq(got, seq, "message %u came as %u (seed %u)", seq, got, seed);
            cr_assert_eq((size_t)n, pipe_len(seq), "message %u length (seed %u)", seq, seed);
            bool whole = true;
            for (ssize_t i = 4; i < n; i++) whole &= buf[i] == (unsigned char)(seq + (uint32_t)i);
            cr_assert(whole, "message %u torn (seed %u)", seq, seed);
            messages++;
        }
        if (n == -EBADMSG) {
            broken++;
            n = mp_conn_recv(rx, buf, PIPE_BIG, 5.0);
        }
        cr_assert_eq(n, -EPIPE, "after the sender's death: %s (seed %u)", mp_strerror((int)n), seed);
        cr_assert_eq(mp_conn_send(rx, "x", 1), -EPIPE, "a send to a dead peer (seed %u)", seed);
        mp_conn_close(rx);
        rounds++;
    }
    fprintf(stderr, "pipe storm: %d senders killed, %llu messages, %d cut in the middle\n", rounds,
            (unsigned long long)messages, broken);
    cr_assert_gt(rounds, 0);
    munmap(st, sizeof *st);
    tu_assert_no_children();
}

/* ------------------------------------------------------------ pool */

/* Workers killed at random while tasks run: each result is right or fails
 * with -ECHILD (the worker's -SIGKILL as its exit code), never a timeout;
 * afterwards the pool works with a full set of workers. */
#define PWORKERS 3
#define PTASKS 600

static void slow_square(const void *in, void *out)
{
    int x = *(const int *)in;
    uint64_t until = mp__now_ns() + 300000; /* 0.3 ms: kills land inside tasks */
    while (mp__now_ns() < until) mp__cpu_relax();
    *(int *)out = x * x;
}

Test(killstorm, pool, .timeout = TEST_TIMEOUT)
{
    unsigned seed = tu_seed();
    mp_pool *p = mp_pool_new(PWORKERS);
    cr_assert_not_null(p);
    static mp_async *rs[PTASKS];
    int in[PTASKS];
    for (int i = 0; i < PTASKS; i++) {
        in[i] = i;
        rs[i] = mp_pool_apply_async(p, slow_square, &in[i], sizeof(int), sizeof(int));
        cr_assert_not_null(rs[i]);
    }
    int kills = 0;
    double end = tu_now() + STORM_SECS;
    int pending = PTASKS;
    while (tu_now() < end && pending > 0) {
        usleep((useconds_t)(rand_r(&seed) % 4000));
        pid_t pids[PWORKERS];
        int n = mp_pool_worker_pids(p, pids, PWORKERS);
        cr_assert_eq(n, PWORKERS);
        pid_t victim = pids[rand_r(&seed) % PWORKERS];
        if (victim > 0 && kill(victim, SIGKILL) == 0) kills++;
        pending = 0;
        for (int i = 0; i < PTASKS; i++) pending += !mp_async_ready(rs[i]); /* reaps and replaces */
    }
    int failed = 0;
    for (int i = 0; i < PTASKS; i++) {
        int y = -1;
        double t0 = tu_now();
        int e = mp_async_get(rs[i], &y, 10.0);
        cr_assert_lt(tu_now() - t0, 10.0 + OVERDUE_SLACK);
        cr_assert(e == 0 || e == -ECHILD, "task %d: %s (seed %u)", i, mp_strerror(e), seed);
        if (e == 0) cr_assert_eq(y, i * i, "task %d (seed %u)", i, seed);
        else cr_assert_eq(mp_async_exitcode(rs[i]), -SIGKILL, "task %d (seed %u)", i, seed);
        failed += e != 0;
        mp_async_free(rs[i]);
    }
    fprintf(stderr, "pool storm: %d kills, %d of %d tasks failed with -ECHILD\n", kills, failed, PTASKS);
    cr_assert_leq(failed, kills, "more tasks failed than workers were killed (seed %u)", seed);
    /* Still a working pool. */
    int out[100];
    cr_assert_eq(mp_pool_map(p, slow_square, in, 100, sizeof(int), out, sizeof(int)), 0);
    for (int i = 0; i < 100; i++) cr_assert_eq(out[i], i * i);
    pid_t pids[PWORKERS];
    cr_assert_eq(mp_pool_worker_pids(p, pids, PWORKERS), PWORKERS);
    for (int i = 0; i < PWORKERS; i++) cr_assert_eq(kill(pids[i], 0), 0, "worker %d is alive", i);
    mp_pool_free(p);
    tu_assert_no_children();
}
