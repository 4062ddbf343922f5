/* test_queue.c — Queue: FIFO order, timeouts, sizes, many producers and
 * consumers across processes, and a holder that dies. */
#include "testutil.h"

#include <mp.h>
#include <mp_private.h>
#include <mp_trace.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ------------------------------------------------------ one process */

Test(queue, fifo_and_exact_qsize, .timeout = 10)
{
    mp_queue *q = mp_queue_new(0);
    cr_assert_not_null(q);
    cr_assert(mp_queue_empty(q));
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(mp_queue_put(q, &i, sizeof i, MP_FOREVER), 0);
        cr_assert_eq(mp_queue_qsize(q), (size_t)i + 1);
    }
    cr_assert_not(mp_queue_empty(q));
    for (int i = 0; i < 100; i++) {
        int x = -1;
        cr_assert_eq(mp_queue_get(q, &x, sizeof x, MP_FOREVER), (ssize_t)sizeof x);
        cr_assert_eq(x, i, "item %d came out as %d", i, x);
        cr_assert_eq(mp_queue_qsize(q), (size_t)(99 - i));
    }
    cr_assert(mp_queue_empty(q));
    mp_queue_free(q);
}

Test(queue, empty_items_are_items, .timeout = 10)
{
    mp_queue *q = mp_queue_new(64);
    cr_assert_not_null(q);
    cr_assert_eq(mp_queue_put(q, NULL, 0, 0), 0);
    cr_assert_eq(mp_queue_put(q, "ab", 2, 0), 0);
    cr_assert_eq(mp_queue_qsize(q), 2);
    char buf[8];
    cr_assert_eq(mp_queue_get(q, NULL, 0, 0), 0);
    cr_assert_eq(mp_queue_get(q, buf, sizeof buf, 0), 2);
    cr_assert_eq(memcmp(buf, "ab", 2), 0);
    cr_assert_eq(mp_queue_get(q, buf, sizeof buf, 0), -ETIMEDOUT);
    mp_queue_free(q);
}

Test(queue, get_timeout, .timeout = 10)
{
    mp_queue *q = mp_queue_new(128);
    cr_assert_not_null(q);
    int x;
    double t0 = tu_now();
    cr_assert_eq(mp_queue_get(q, &x, sizeof x, 0), -ETIMEDOUT);
    cr_assert_lt(tu_now() - t0, 0.5, "timeout 0 must not wait");
    t0 = tu_now();
    cr_assert_eq(mp_queue_get(q, &x, sizeof x, 0.1), -ETIMEDOUT);
    double dt = tu_now() - t0;
    cr_assert(dt >= 0.05 && dt < 2.0, "a 0.1 s get waited %.3f s", dt);
    mp_queue_free(q);
}

Test(queue, put_timeout_when_full, .timeout = 10)
{
    mp_queue *q = mp_queue_new(100); /* 100 bytes + one header: 8 items of 8 bytes */
    cr_assert_not_null(q);
    uint64_t v = 0;
    size_t n = 0;
    while (mp_queue_put(q, &v, sizeof v, 0) == 0) {
        n++;
        v++;
        cr_assert_lt(n, 1000, "a 100-byte queue took 1000 items");
    }
    cr_assert_eq(n, 104 / 12);
    cr_assert_eq(mp_queue_qsize(q), n);
    double t0 = tu_now();
    cr_assert_eq(mp_queue_put(q, &v, sizeof v, 0.1), -ETIMEDOUT);
    double dt = tu_now() - t0;
    cr_assert(dt >= 0.05 && dt < 2.0, "a 0.1 s put waited %.3f s", dt);
    cr_assert_eq(mp_queue_qsize(q), n, "a timed-out put must not add");
    /* Room for one more after one get. */
    uint64_t first;
    cr_assert_eq(mp_queue_get(q, &first, sizeof first, 0), 8);
    cr_assert_eq(first, 0);
    cr_assert_eq(mp_queue_put(q, &v, sizeof v, 0), 0);
    mp_queue_free(q);
}

Test(queue, item_larger_than_capacity, .timeout = 10)
{
    mp_queue *q = mp_queue_new(32);
    cr_assert_not_null(q);
    char big[33] = {0};
    cr_assert_eq(mp_queue_put(q, big, 33, MP_FOREVER), -EMSGSIZE);
    cr_assert_eq(mp_queue_put(q, big, 32, 0), 0, "an item of exactly the capacity fits");
    cr_assert_eq(mp_queue_qsize(q), 1);
    mp_queue_free(q);
}

Test(queue, small_buffer_keeps_item, .timeout = 10)
{
    mp_queue *q = mp_queue_new(256);
    cr_assert_not_null(q);
    const char msg[] = "a message of 28 bytes long!";
    cr_assert_eq(mp_queue_put(q, msg, sizeof msg, 0), 0);
    cr_assert_eq(mp_queue_put(q, "next", 4, 0), 0);
    char small[8], buf[64];
    cr_assert_eq(mp_queue_get(q, small, sizeof small, 0), -EMSGSIZE);
    cr_assert_eq(mp_queue_qsize(q), 2, "the item must stay");
    cr_assert_eq(mp_queue_next_len(q), (ssize_t)sizeof msg);
    cr_assert_eq(mp_queue_get(q, buf, sizeof buf, 0), (ssize_t)sizeof msg);
    cr_assert_str_eq(buf, msg);
    cr_assert_eq(mp_queue_get(q, buf, sizeof buf, 0), 4);
    cr_assert_eq(memcmp(buf, "next", 4), 0);
    cr_assert_eq(mp_queue_next_len(q), -EAGAIN);
    mp_queue_free(q);
}

/* Items of random sizes through a small ring, so records wrap around its
 * end, checked against a model of what must come out. */
Test(queue, wraparound_random_sizes, .timeout = 20)
{
    unsigned seed = tu_seed();
    srand(seed);
    mp_queue *q = mp_queue_new(97);
    cr_assert_not_null(q);
    unsigned put_seq = 0, get_seq = 0;
    unsigned char item[97], buf[97];
    for (int round = 0; round < 20000; round++) {
        bool do_put = rand() % 2;
        if (do_put) {
            size_t len = (size_t)rand() % 98;
            for (size_t i = 0; i < len; i++) item[i] = (unsigned char)(put_seq * 31 + i);
            int r = mp_queue_put(q, item, len, 0);
            if (r == 0) {
                /* the length is the model's: remember it in the item's seed */
                put_seq++;
            } else {
                cr_assert_eq(r, -ETIMEDOUT, "put: %s (seed %u)", mp_strerror(r), seed);
            }
        } else {
            ssize_t n = mp_queue_get(q, buf, sizeof buf, 0);
            if (put_seq == get_seq) {
                cr_assert_eq(n, -ETIMEDOUT, "get on empty gave %zd (seed %u)", n, seed);
                continue;
            }
            cr_assert_geq(n, 0, "get: %zd (seed %u)", n, seed);
            for (ssize_t i = 0; i < n; i++)
                cr_assert_eq(buf[i], (unsigned char)(get_seq * 31 + (unsigned)i),
                             "item %u byte %zd wrong (seed %u)", get_seq, i, seed);
            get_seq++;
        }
        cr_assert_eq(mp_queue_qsize(q), put_seq - get_seq, "qsize (seed %u)", seed);
    }
    cr_assert_gt(put_seq, 1000, "the ring should have wrapped many times");
    mp_queue_free(q);
}

Test(queue, bad_input, .timeout = 10)
{
    errno = 0;
    cr_assert_null(mp_queue_new((size_t)1 << 40));
    cr_assert_eq(errno, EINVAL);
    cr_assert_null(mp_queue_new(SIZE_MAX));
    mp_queue *q = mp_queue_new(16);
    cr_assert_not_null(q);
    int x = 1;
    cr_assert_eq(mp_queue_put(NULL, &x, sizeof x, 0), -EINVAL);
    cr_assert_eq(mp_queue_put(q, NULL, 4, 0), -EINVAL);
    cr_assert_eq(mp_queue_put(q, &x, SIZE_MAX, 0), -EMSGSIZE);
    cr_assert_eq(mp_queue_get(NULL, &x, sizeof x, 0), -EINVAL);
    cr_assert_eq(mp_queue_get(q, NULL, 4, 0), -EINVAL);
    cr_assert_eq(mp_queue_next_len(NULL), -EINVAL);
    cr_assert_eq(mp_queue_qsize(NULL), 0);
    cr_assert(mp_queue_empty(NULL));
    cr_assert_not(mp_queue_full(NULL));
    cr_assert_eq(mp_queue_qsize(q), 0, "failed puts must not add");
    cr_assert_eq(mp_queue_put(q, &x, sizeof x, 0), 0);
    cr_assert_eq(mp_queue_put(q, &x, 4, 0), 0); /* 16 + 4 bytes of room: 8 + 8 used */
    cr_assert(mp_queue_full(q) == false);
    mp_queue_free(q);
    mp_queue_free(NULL);
}

/* ------------------------------------------------- across processes */

static mp_queue *xq;

static int put_ten_and_exit(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10; i++)
        if (mp_queue_put(xq, &i, sizeof i, 5) != 0) return 1;
    return 0; /* no feeder thread to wait for: the items are in */
}

Test(queue, items_outlive_their_producer, .timeout = 20)
{
    xq = mp_queue_new(0);
    cr_assert_not_null(xq);
    mp_process *p = mp_process_new(put_ten_and_exit, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_eq(mp_process_join(p, 10), 0);
    cr_assert_eq(mp_process_exitcode(p), 0);
    cr_assert_eq(mp_queue_qsize(xq), 10);
    for (int i = 0; i < 10; i++) {
        int x;
        cr_assert_eq(mp_queue_get(xq, &x, sizeof x, 0), (ssize_t)sizeof x);
        cr_assert_eq(x, i);
    }
    mp_process_free(p);
    mp_queue_free(xq);
    tu_assert_no_children();
}

static int get_one_forever(void *arg)
{
    (void)arg;
    int x = 0;
    ssize_t n = mp_queue_get(xq, &x, sizeof x, MP_FOREVER);
    return n == sizeof x && x == 77 ? 0 : 1;
}

Test(queue, blocked_get_woken_by_put, .timeout = 20)
{
    xq = mp_queue_new(0);
    cr_assert_not_null(xq);
    mp_process *p = mp_process_new(get_one_forever, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    usleep(150 * 1000); /* let it block (a put before that is fine too) */
    cr_assert(mp_process_is_alive(p), "the getter must wait for an item");
    int x = 77;
    cr_assert_eq(mp_queue_put(xq, &x, sizeof x, 0), 0);
    cr_assert_eq(mp_process_join(p, 10), 0);
    cr_assert_eq(mp_process_exitcode(p), 0);
    mp_process_free(p);
    mp_queue_free(xq);
    tu_assert_no_children();
}

static int get_after_delay(void *arg)
{
    (void)arg;
    usleep(300 * 1000);
    uint64_t x;
    return mp_queue_get(xq, &x, sizeof x, 5) == sizeof x ? 0 : 1;
}

Test(queue, blocked_put_woken_by_get, .timeout = 20)
{
    xq = mp_queue_new(24); /* two 8-byte items */
    cr_assert_not_null(xq);
    uint64_t v = 1;
    while (mp_queue_put(xq, &v, sizeof v, 0) == 0) v++;
    mp_process *p = mp_process_new(get_after_delay, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    double t0 = tu_now();
    cr_assert_eq(mp_queue_put(xq, &v, sizeof v, 10), 0);
    double dt = tu_now() - t0;
    cr_assert(dt >= 0.1 && dt < 8, "put returned after %.3f s; the getter waits 0.3 s", dt);
    cr_assert_eq(mp_process_join(p, 10), 0);
    cr_assert_eq(mp_process_exitcode(p), 0);
    mp_process_free(p);
    mp_queue_free(xq);
    tu_assert_no_children();
}

/* 4 producers x 4 consumers x 100000 items: each delivered exactly once,
 * and each consumer sees every producer's items in increasing order. */
#define NPROD 4
#define NCONS 4
#define PER_PROD 100000

struct item {
    int32_t producer; /* -1 = stop */
    uint32_t seq;
};

static unsigned *seen; /* shared: seen[producer * PER_PROD + seq] */

static int producer(void *arg)
{
    int id = (int)(long)arg;
    for (uint32_t s = 0; s < PER_PROD; s++) {
        struct item it = {id, s};
        if (mp_queue_put(xq, &it, sizeof it, 30) != 0) return 2;
    }
    return 0;
}

static int consumer(void *arg)
{
    (void)arg;
    int64_t last[NPROD];
    for (int i = 0; i < NPROD; i++) last[i] = -1;
    for (;;) {
        struct item it;
        if (mp_queue_get(xq, &it, sizeof it, 30) != sizeof it) return 2;
        if (it.producer == -1) return 0;
        if (it.producer < 0 || it.producer >= NPROD || it.seq >= PER_PROD) return 3;
        if ((int64_t)it.seq <= last[it.producer]) return 4; /* FIFO per producer broken */
        last[it.producer] = it.seq;
        __atomic_add_fetch(&seen[it.producer * PER_PROD + it.seq], 1, __ATOMIC_RELAXED);
    }
}

Test(queue, stress_4p_4c_exactly_once, .timeout = 120)
{
    size_t seen_size = sizeof(unsigned) * NPROD * PER_PROD;
    seen = mmap(NULL, seen_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(seen, MAP_FAILED);
    xq = mp_queue_new(4096); /* small, so producers block too */
    cr_assert_not_null(xq);
    mp_process *prods[NPROD], *cons[NCONS];
    for (int i = 0; i < NCONS; i++) {
        cons[i] = mp_process_new(consumer, NULL);
        cr_assert_eq(mp_process_start(cons[i]), 0);
    }
    for (int i = 0; i < NPROD; i++) {
        prods[i] = mp_process_new(producer, (void *)(long)i);
        cr_assert_eq(mp_process_start(prods[i]), 0);
    }
    for (int i = 0; i < NPROD; i++) {
        cr_assert_eq(mp_process_join(prods[i], 100), 0);
        cr_assert_eq(mp_process_exitcode(prods[i]), 0, "producer %d failed", i);
    }
    for (int i = 0; i < NCONS; i++) {
        struct item stop = {-1, 0};
        cr_assert_eq(mp_queue_put(xq, &stop, sizeof stop, 10), 0);
    }
    for (int i = 0; i < NCONS; i++) {
        cr_assert_eq(mp_process_join(cons[i], 100), 0);
        cr_assert_eq(mp_process_exitcode(cons[i]), 0, "consumer %d failed (code %d)", i,
                     mp_process_exitcode(cons[i]));
    }
    for (size_t k = 0; k < (size_t)NPROD * PER_PROD; k++)
        cr_assert_eq(seen[k], 1, "item (producer %zu, seq %zu) delivered %u times", k / PER_PROD,
                     k % PER_PROD, seen[k]);
    cr_assert(mp_queue_empty(xq));
    for (int i = 0; i < NPROD; i++) mp_process_free(prods[i]);
    for (int i = 0; i < NCONS; i++) mp_process_free(cons[i]);
    mp_queue_free(xq);
    munmap(seen, seen_size);
    tu_assert_no_children();
}

/* ------------------------------------------------------- robustness */

static int lock_queue_and_die(void *arg)
{
    (void)arg;
    mp__deadline d = mp__deadline_in(5);
    if (mp__mutex_lock(mp__queue_mutex(xq), &d) != 0) _exit(3);
    _exit(0); /* dies holding the queue's mutex */
}

Test(queue, holder_dies_queue_stays_usable, .timeout = 20)
{
    xq = mp_queue_new(256);
    cr_assert_not_null(xq);
    int a = 1, b = 2, x;
    cr_assert_eq(mp_queue_put(xq, &a, sizeof a, 0), 0);
    mp_process *p = mp_process_new(lock_queue_and_die, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_eq(mp_process_join(p, 10), 0);
    cr_assert_eq(mp_process_exitcode(p), 0);
    /* The mutex is owned by a dead process: the next call repairs it. */
    cr_assert_eq(mp_queue_put(xq, &b, sizeof b, 1), 0);
    cr_assert_eq(mp_queue_qsize(xq), 2);
    cr_assert_eq(mp_queue_get(xq, &x, sizeof x, 1), (ssize_t)sizeof x);
    cr_assert_eq(x, 1);
    cr_assert_eq(mp_queue_get(xq, &x, sizeof x, 1), (ssize_t)sizeof x);
    cr_assert_eq(x, 2);
    mp_process_free(p);
    mp_queue_free(xq);
    tu_assert_no_children();
}

/* A put killed after copying its bytes, before publishing them: the item
 * must not appear and the room must be reused cleanly. */
static int die_in_put_step1(void *arg)
{
    (void)arg;
    int torn = 666;
    if (mp__queue_put_torn(xq, &torn, sizeof torn, 1) != 0) _exit(3);
    _exit(0);
}

/* A put killed after publishing, before counting: the item is in and
 * qsize must say so. */
static int die_in_put_step2(void *arg)
{
    (void)arg;
    int late = 2;
    if (mp__queue_put_torn(xq, &late, sizeof late, 2) != 0) _exit(3);
    _exit(0);
}

static void run_to_death(mp_target f)
{
    mp_process *p = mp_process_new(f, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_eq(mp_process_join(p, 10), 0);
    cr_assert_eq(mp_process_exitcode(p), 0);
    mp_process_free(p);
}

Test(queue, put_killed_before_publishing_leaves_nothing, .timeout = 20)
{
    xq = mp_queue_new(256);
    cr_assert_not_null(xq);
    run_to_death(die_in_put_step1);
    cr_assert_eq(mp_queue_qsize(xq), 0);
    int b = 7, x = 0;
    cr_assert_eq(mp_queue_put(xq, &b, sizeof b, 1), 0);
    cr_assert_eq(mp_queue_qsize(xq), 1);
    cr_assert_eq(mp_queue_get(xq, &x, sizeof x, 1), (ssize_t)sizeof x);
    cr_assert_eq(x, 7, "got %d: the torn put's bytes came out", x);
    cr_assert(mp_queue_empty(xq));
    mp_queue_free(xq);
    tu_assert_no_children();
}

Test(queue, put_killed_before_counting_is_counted, .timeout = 20)
{
    xq = mp_queue_new(256);
    cr_assert_not_null(xq);
    int a = 1, x = 0;
    cr_assert_eq(mp_queue_put(xq, &a, sizeof a, 0), 0);
    run_to_death(die_in_put_step2);
    cr_assert_eq(mp_queue_qsize(xq), 2, "qsize must count the published item");
    cr_assert_eq(mp_queue_get(xq, &x, sizeof x, 1), (ssize_t)sizeof x);
    cr_assert_eq(x, 1);
    cr_assert_eq(mp_queue_get(xq, &x, sizeof x, 1), (ssize_t)sizeof x);
    cr_assert_eq(x, 2);
    cr_assert_eq(mp_queue_qsize(xq), 0);
    cr_assert_eq(mp_queue_get(xq, &x, sizeof x, 0), -ETIMEDOUT);
    mp_queue_free(xq);
    tu_assert_no_children();
}

static int get_two_within_5s(void *arg)
{
    (void)arg;
    int x = 0;
    return mp_queue_get(xq, &x, sizeof x, 5) == sizeof x && x == 2 ? 0 : 1;
}

/* A put killed after publishing its item, still holding the mutex and
 * before waking anyone: a getter asleep meanwhile gets the item anyway
 * (its sleep is cut in slices; it repairs the queue when it takes the
 * mutex), well within its own timeout. */
Test(queue, sleeping_getter_gets_the_item_of_a_put_killed_before_waking, .timeout = 20)
{
    xq = mp_queue_new(256);
    cr_assert_not_null(xq);
    mp_process *g = mp_process_new(get_two_within_5s, NULL);
    cr_assert_eq(mp_process_start(g), 0);
    usleep(200 * 1000); /* asleep in get by now */
    double t0 = tu_now();
    run_to_death(die_in_put_step2);
    cr_assert_eq(mp_process_join(g, 10), 0);
    cr_assert_eq(mp_process_exitcode(g), 0, "the getter did not get the item");
    double dt = tu_now() - t0;
    cr_assert_lt(dt, 3.0, "the getter got it %.2f s after the put died", dt);
    cr_assert_eq(mp_queue_qsize(xq), 0);
    mp_process_free(g);
    mp_queue_free(xq);
    tu_assert_no_children();
}

static int get_one_any(void *arg)
{
    (void)arg;
    int x;
    return mp_queue_get(xq, &x, sizeof x, MP_FOREVER) == sizeof x ? 0 : 1;
}

/* A getter killed while asleep in get must not swallow the
 * wake-up meant for the next one. */
Test(queue, killed_sleeper_does_not_block_others, .timeout = 30)
{
    xq = mp_queue_new(64);
    cr_assert_not_null(xq);
    mp_process *dead = mp_process_new(get_one_any, NULL);
    cr_assert_eq(mp_process_start(dead), 0);
    usleep(100 * 1000); /* asleep in get by now */
    cr_assert_eq(mp_process_kill(dead), 0);
    cr_assert_eq(mp_process_join(dead, 5), 0);
    mp_process *live = mp_process_new(get_one_any, NULL);
    cr_assert_eq(mp_process_start(live), 0);
    usleep(100 * 1000);
    int x = 3;
    cr_assert_eq(mp_queue_put(xq, &x, sizeof x, 1), 0);
    cr_assert_eq(mp_process_join(live, 10), 0, "the live getter never woke up");
    cr_assert_eq(mp_process_exitcode(live), 0);
    cr_assert_eq(mp_queue_put(xq, &x, sizeof x, 1), 0, "the queue still works");
    cr_assert_eq(mp_queue_qsize(xq), 1);
    mp_process_free(dead);
    mp_process_free(live);
    mp_queue_free(xq);
    tu_assert_no_children();
}

/* Records of 1..40 bytes whose bytes all equal their sequence number. */
static int put_forever(void *arg)
{
    (void)arg;
    unsigned char rec[40];
    for (uint32_t s = 0;; s++) {
        size_t len = 1 + s % 40;
        memset(rec, (unsigned char)s, len);
        if (mp_queue_put(xq, rec, len, MP_FOREVER) != 0) _exit(2);
    }
}

static int get_forever(void *arg)
{
    (void)arg;
    unsigned char rec[64];
    for (;;)
        if (mp_queue_get(xq, rec, sizeof rec, MP_FOREVER) < 0) _exit(2);
}

/* Producers and a consumer SIGKILLed at a random moment, mutex held or
 * not: what remains must be whole records in order, and the queue works. */
Test(queue, killed_users_leave_whole_records, .timeout = 40)
{
    unsigned seed = tu_seed();
    srand(seed);
    for (int round = 0; round < 5; round++) {
        xq = mp_queue_new(1000);
        cr_assert_not_null(xq);
        mp_process *prod = mp_process_new(put_forever, NULL);
        mp_process *cons = mp_process_new(get_forever, NULL);
        cr_assert_eq(mp_process_start(prod), 0);
        cr_assert_eq(mp_process_start(cons), 0);
        usleep((useconds_t)(20000 + rand() % 30000));
        mp_process_kill(cons);
        usleep((useconds_t)(rand() % 5000));
        mp_process_kill(prod);
        cr_assert_eq(mp_process_join(prod, 10), 0);
        cr_assert_eq(mp_process_join(cons, 10), 0);
        cr_assert_eq(mp_process_exitcode(prod), -SIGKILL, "producer failed (seed %u)", seed);
        cr_assert_eq(mp_process_exitcode(cons), -SIGKILL, "consumer failed (seed %u)", seed);

        size_t left = mp_queue_qsize(xq);
        unsigned char rec[64];
        int prev = -1;
        for (size_t i = 0; i < left; i++) {
            ssize_t n = mp_queue_get(xq, rec, sizeof rec, 1);
            cr_assert(n >= 1 && n <= 40, "record %zu: length %zd (seed %u)", i, n, seed);
            for (ssize_t k = 1; k < n; k++)
                cr_assert_eq(rec[k], rec[0], "torn record (seed %u)", seed);
            if (prev >= 0)
                cr_assert_eq(rec[0], (unsigned char)(prev + 1), "records out of order (seed %u)", seed);
            prev = rec[0];
        }
        cr_assert(mp_queue_empty(xq), "qsize %zu but more items inside (seed %u)", left, seed);
        int v = 5, w = 0;
        cr_assert_eq(mp_queue_put(xq, &v, sizeof v, 1), 0);
        cr_assert_eq(mp_queue_get(xq, &w, sizeof w, 1), (ssize_t)sizeof w);
        cr_assert_eq(w, 5);
        mp_process_free(prod);
        mp_process_free(cons);
        mp_queue_free(xq);
    }
    tu_assert_no_children();
}

/* ------------------------------------------------------------ trace */

/* The events the viewer's queue panel is built from. */
Test(queue, trace_events, .timeout = 10)
{
    struct mp_trace_ring *ring = tu_trace_begin(256);
    mp_queue *q = mp_queue_new(64);
    int x = 41, y = 0;
    mp_queue_put(q, &x, sizeof x, 0);
    mp_queue_get(q, &y, sizeof y, 0);
    mp_queue_get(q, &y, sizeof y, 0); /* empty: times out at once */
    mp_queue_free(q);
    struct mp_trace_event ev[256];
    size_t n = tu_trace_end(ring, ev, 256);
    int seen_new = 0, seen_put = 0, seen_get = 0, seen_timeout = 0;
    uint64_t id = 0;
    for (size_t i = 0; i < n; i++) {
        switch (ev[i].kind) {
        case MP_EV_QUEUE_NEW:
            seen_new++;
            id = ev[i].obj;
            cr_assert_eq(ev[i].a, 64, "capacity");
            break;
        case MP_EV_QUEUE_PUT:
            seen_put++;
            cr_assert_eq(ev[i].obj, id);
            cr_assert_eq(ev[i].a, (int64_t)sizeof x, "length");
            cr_assert_eq(ev[i].b, 1, "qsize after the put");
            cr_assert(strstr(ev[i].text, "41") != NULL, "preview \"%s\"", ev[i].text);
            break;
        case MP_EV_QUEUE_GET:
            seen_get++;
            cr_assert_eq(ev[i].obj, id);
            cr_assert_eq(ev[i].b, 0, "qsize after the get");
            break;
        case MP_EV_QUEUE_TIMEOUT:
            seen_timeout++;
            cr_assert_eq(ev[i].a, 0, "a get timed out, not a put");
            break;
        }
    }
    cr_assert_eq(seen_new, 1);
    cr_assert_eq(seen_put, 1);
    cr_assert_eq(seen_get, 1);
    cr_assert_eq(seen_timeout, 1);
    mp_trace_ring_free(ring);
}
