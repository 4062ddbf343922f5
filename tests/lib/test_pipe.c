/* test_pipe.c — Pipe: boundaries, directions, 16 MiB, timeouts, a peer
 * that closes, -EMSGSIZE that keeps the message, no SIGPIPE. */
#include "testutil.h"

#include <fcntl.h>
#include <mp.h>
#include <mp_trace.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static mp_conn *L, *R;

static void make_pipe(bool duplex)
{
    L = R = NULL;
    cr_assert_eq(mp_pipe(&L, &R, duplex), 0);
    cr_assert_not_null(L);
    cr_assert_not_null(R);
}

static void close_pipe(void)
{
    mp_conn_close(L);
    mp_conn_close(R);
}

/* ------------------------------------------------------ one process */

Test(pipe, duplex_keeps_boundaries_both_ways, .timeout = 10)
{
    make_pipe(true);
    cr_assert_eq(mp_conn_send(L, "abc", 3), 0);
    cr_assert_eq(mp_conn_send(L, NULL, 0), 0);
    cr_assert_eq(mp_conn_send(L, "defgh", 5), 0);
    cr_assert_eq(mp_conn_send(R, "back", 4), 0);
    char buf[16];
    cr_assert_eq(mp_conn_recv(R, buf, sizeof buf, 1), 3);
    cr_assert_eq(memcmp(buf, "abc", 3), 0);
    cr_assert_eq(mp_conn_recv(R, buf, sizeof buf, 1), 0, "an empty message is a message");
    cr_assert_eq(mp_conn_recv(R, buf, sizeof buf, 1), 5);
    cr_assert_eq(memcmp(buf, "defgh", 5), 0);
    cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 1), 4);
    cr_assert_eq(memcmp(buf, "back", 4), 0);
    cr_assert_eq(mp_conn_recv(R, buf, sizeof buf, 0), -ETIMEDOUT);
    close_pipe();
}

Test(pipe, one_way_directions, .timeout = 10)
{
    make_pipe(false);
    char buf[8];
    cr_assert_eq(mp_conn_send(L, "x", 1), -EBADF, "left only receives");
    cr_assert_eq(mp_conn_recv(R, buf, sizeof buf, 0), -EBADF, "right only sends");
    cr_assert_eq(mp_conn_poll(R, 0), -EBADF);
    cr_assert_eq(mp_conn_send(R, "hi", 2), 0);
    cr_assert_eq(mp_conn_send(R, "", 0), 0);
    cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 1), 2);
    cr_assert_eq(memcmp(buf, "hi", 2), 0);
    cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 1), 0);
    close_pipe();
}

Test(pipe, recv_timeout, .timeout = 10)
{
    for (int duplex = 0; duplex < 2; duplex++) {
        make_pipe(duplex);
        char buf[8];
        double t0 = tu_now();
        cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 0.1), -ETIMEDOUT);
        double dt = tu_now() - t0;
        cr_assert(dt >= 0.05 && dt < 2.0, "a 0.1 s recv waited %.3f s (duplex %d)", dt, duplex);
        t0 = tu_now();
        cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 0), -ETIMEDOUT);
        cr_assert_lt(tu_now() - t0, 0.5);
        close_pipe();
    }
}

Test(pipe, poll_never_consumes, .timeout = 10)
{
    make_pipe(true);
    cr_assert_eq(mp_conn_poll(R, 0), 0);
    double t0 = tu_now();
    cr_assert_eq(mp_conn_poll(R, 0.1), 0);
    double dt = tu_now() - t0;
    cr_assert(dt >= 0.05 && dt < 2.0, "a 0.1 s poll waited %.3f s", dt);
    cr_assert_eq(mp_conn_send(L, "ping", 4), 0);
    cr_assert_eq(mp_conn_poll(R, 1), 1);
    cr_assert_eq(mp_conn_poll(R, 0), 1, "polling twice still sees it");
    char buf[8];
    cr_assert_eq(mp_conn_recv(R, buf, sizeof buf, 0), 4);
    cr_assert_eq(memcmp(buf, "ping", 4), 0);
    cr_assert_eq(mp_conn_poll(R, 0), 0);
    close_pipe();
}

Test(pipe, small_buffer_keeps_message, .timeout = 10)
{
    for (int duplex = 0; duplex < 2; duplex++) {
        make_pipe(duplex);
        const char msg[] = "hello, world";
        cr_assert_eq(mp_conn_send(R, msg, sizeof msg), 0);
        cr_assert_eq(mp_conn_send(R, "2nd", 3), 0);
        char small[4], buf[64];
        cr_assert_eq(mp_conn_pending(L), -EAGAIN);
        cr_assert_eq(mp_conn_recv(L, small, sizeof small, 1), -EMSGSIZE);
        cr_assert_eq(mp_conn_pending(L), (ssize_t)sizeof msg);
        cr_assert_eq(mp_conn_poll(L, 0), 1, "the kept message is ready");
        cr_assert_eq(mp_conn_recv(L, small, sizeof small, 1), -EMSGSIZE, "still kept");
        cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 1), (ssize_t)sizeof msg);
        cr_assert_str_eq(buf, msg);
        cr_assert_eq(mp_conn_pending(L), -EAGAIN);
        cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 1), 3, "the next message follows intact");
        cr_assert_eq(memcmp(buf, "2nd", 3), 0);
        close_pipe();
    }
}

/* Writes raw frame bytes as a sender stopped in mid-message would. */
static void raw_write(const void *p, size_t n)
{
    cr_assert_eq(write(mp_conn_fileno(R), p, n), (ssize_t)n);
}

Test(pipe, timeout_in_mid_message_keeps_it, .timeout = 10)
{
    for (int duplex = 0; duplex < 2; duplex++) {
        make_pipe(duplex);
        uint64_t len = 10;
        raw_write(&len, sizeof len);
        raw_write("abcd", 4);
        char buf[32] = {0};
        double t0 = tu_now();
        cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 0.1), -ETIMEDOUT, "duplex %d", duplex);
        double dt = tu_now() - t0;
        cr_assert(dt >= 0.05 && dt < 2.0, "waited %.3f s", dt);
        cr_assert_eq(mp_conn_pending(L), 10);
        raw_write("ef", 2);
        cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 0), -ETIMEDOUT, "still 4 bytes short");
        cr_assert_eq(mp_conn_recv(L, buf, 4, 0), -EMSGSIZE, "and still kept");
        raw_write("ghij", 4);
        cr_assert_eq(mp_conn_send(R, "next", 4), 0);
        memset(buf, 0, sizeof buf);
        cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 1), 10);
        cr_assert_str_eq(buf, "abcdefghij");
        cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 1), 4);
        cr_assert_eq(memcmp(buf, "next", 4), 0);
        close_pipe();
    }
}

Test(pipe, sender_gone_in_mid_message, .timeout = 10)
{
    make_pipe(true);
    uint64_t len = 10;
    raw_write(&len, sizeof len);
    raw_write("abcd", 4);
    mp_conn_close(R);
    char buf[32];
    cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 1), -EBADMSG);
    cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 1), -EPIPE);
    mp_conn_close(L);
}

Test(pipe, close_on_exec, .timeout = 10)
{
    for (int duplex = 0; duplex < 2; duplex++) {
        make_pipe(duplex);
        cr_assert(fcntl(mp_conn_fileno(L), F_GETFD) & FD_CLOEXEC);
        cr_assert(fcntl(mp_conn_fileno(R), F_GETFD) & FD_CLOEXEC);
        close_pipe();
    }
}

Test(pipe, send_to_closed_peer_is_epipe_not_sigpipe, .timeout = 10)
{
    /* SIGPIPE at its default would kill this test (a crash, not -EPIPE). */
    signal(SIGPIPE, SIG_DFL);
    make_pipe(true);
    mp_conn_close(R);
    cr_assert_eq(mp_conn_send(L, "x", 1), -EPIPE);
    mp_conn_close(L);

    make_pipe(false);
    mp_conn_close(L);
    cr_assert_eq(mp_conn_send(R, "x", 1), -EPIPE);
    cr_assert_eq(mp_conn_send(R, "y", 1), -EPIPE);
    sigset_t pending, mask;
    sigpending(&pending);
    cr_assert_not(sigismember(&pending, SIGPIPE), "the write's SIGPIPE must be consumed");
    pthread_sigmask(SIG_SETMASK, NULL, &mask);
    cr_assert_not(sigismember(&mask, SIGPIPE), "the signal mask must be restored");
    mp_conn_close(R);
}

Test(pipe, bad_input, .timeout = 10)
{
    mp_conn *a = NULL;
    cr_assert_eq(mp_pipe(NULL, &a, true), -EINVAL);
    cr_assert_eq(mp_pipe(&a, NULL, true), -EINVAL);
    make_pipe(true);
    char buf[4];
    cr_assert_eq(mp_conn_send(NULL, "x", 1), -EINVAL);
    cr_assert_eq(mp_conn_send(L, NULL, 3), -EINVAL);
    cr_assert_eq(mp_conn_send(L, NULL, 0), 0, "NULL with length 0 is an empty message");
    cr_assert_eq(mp_conn_recv(NULL, buf, sizeof buf, 0), -EINVAL);
    cr_assert_eq(mp_conn_recv(R, NULL, 4, 0), -EINVAL);
    cr_assert_eq(mp_conn_recv(R, NULL, 0, 1), 0);
    cr_assert_eq(mp_conn_poll(NULL, 0), -EINVAL);
    cr_assert_eq(mp_conn_pending(NULL), -EINVAL);
    cr_assert_eq(mp_conn_fileno(NULL), -EINVAL);
    mp_conn_close(NULL);
    close_pipe();
}

/* ------------------------------------------------- across processes */

#define BIG (16u << 20)

static unsigned char pattern(size_t i)
{
    return (unsigned char)(i * 7 + (i >> 12));
}

/* The child's end is R (sends); it closes L, its copy of the other end. */
static int send_big_then_close(void *arg)
{
    (void)arg;
    mp_conn_close(L);
    unsigned char *big = malloc(BIG);
    if (!big) return 2;
    for (size_t i = 0; i < BIG; i++) big[i] = pattern(i);
    int r = mp_conn_send(R, "first", 5);
    if (!r) r = mp_conn_send(R, big, BIG);
    if (!r) r = mp_conn_send(R, "last", 4);
    free(big);
    mp_conn_close(R);
    return r ? 3 : 0;
}

Test(pipe, sixteen_mib_whole_then_epipe, .timeout = 60)
{
    for (int duplex = 0; duplex < 2; duplex++) {
        make_pipe(duplex);
        mp_process *p = mp_process_new(send_big_then_close, NULL);
        cr_assert_eq(mp_process_start(p), 0);
        mp_conn_close(R);
        unsigned char *buf = malloc(BIG);
        cr_assert_not_null(buf);
        cr_assert_eq(mp_conn_recv(L, buf, BIG, 20), 5);
        ssize_t n = mp_conn_recv(L, buf, BIG, 20);
        cr_assert_eq(n, (ssize_t)BIG, "16 MiB arrived as %zd bytes (duplex %d)", n, duplex);
        size_t bad = 0;
        for (size_t i = 0; i < BIG; i++) bad += buf[i] != pattern(i);
        cr_assert_eq(bad, 0, "%zu bytes differ (duplex %d)", bad, duplex);
        cr_assert_eq(mp_conn_recv(L, buf, BIG, 20), 4);
        cr_assert_eq(memcmp(buf, "last", 4), 0);
        cr_assert_eq(mp_process_join(p, 20), 0);
        cr_assert_eq(mp_process_exitcode(p), 0);
        cr_assert_eq(mp_conn_recv(L, buf, BIG, 1), -EPIPE, "closed and drained (duplex %d)", duplex);
        cr_assert_eq(mp_conn_poll(L, 0), 1, "a closed peer is ready (recv will not block)");
        free(buf);
        mp_conn_close(L);
        mp_process_free(p);
    }
    tu_assert_no_children();
}

static int send_three_and_exit(void *arg)
{
    (void)arg;
    mp_conn_close(L);
    for (int i = 0; i < 3; i++)
        if (mp_conn_send(R, &i, sizeof i) != 0) return 2;
    return 0; /* exits without closing: the kernel closes R */
}

Test(pipe, pending_messages_survive_peer_exit, .timeout = 20)
{
    for (int duplex = 0; duplex < 2; duplex++) {
        make_pipe(duplex);
        mp_process *p = mp_process_new(send_three_and_exit, NULL);
        cr_assert_eq(mp_process_start(p), 0);
        mp_conn_close(R);
        cr_assert_eq(mp_process_join(p, 10), 0);
        cr_assert_eq(mp_process_exitcode(p), 0);
        for (int i = 0; i < 3; i++) {
            int x = -1;
            cr_assert_eq(mp_conn_recv(L, &x, sizeof x, 1), (ssize_t)sizeof x);
            cr_assert_eq(x, i);
        }
        char c;
        cr_assert_eq(mp_conn_recv(L, &c, 1, 1), -EPIPE);
        cr_assert_eq(mp_conn_recv(L, &c, 1, MP_FOREVER), -EPIPE, "no hang after the end");
        mp_conn_close(L);
        mp_process_free(p);
    }
    tu_assert_no_children();
}

/* Ping-pong over a duplex pipe: the child doubles what it gets. */
static int doubler(void *arg)
{
    (void)arg;
    mp_conn_close(L);
    for (;;) {
        long x;
        ssize_t n = mp_conn_recv(R, &x, sizeof x, 10);
        if (n == -EPIPE) return 0;
        if (n != sizeof x) return 2;
        x *= 2;
        if (mp_conn_send(R, &x, sizeof x) != 0) return 3;
    }
}

Test(pipe, duplex_round_trips_with_a_child, .timeout = 20)
{
    make_pipe(true);
    mp_process *p = mp_process_new(doubler, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    mp_conn_close(R);
    for (long i = 0; i < 200; i++) {
        long y = 0;
        cr_assert_eq(mp_conn_send(L, &i, sizeof i), 0);
        cr_assert_eq(mp_conn_recv(L, &y, sizeof y, 10), (ssize_t)sizeof y);
        cr_assert_eq(y, 2 * i);
    }
    mp_conn_close(L);
    cr_assert_eq(mp_process_join(p, 10), 0);
    cr_assert_eq(mp_process_exitcode(p), 0, "the child saw the close as -EPIPE");
    mp_process_free(p);
    tu_assert_no_children();
}

/* A late sender: a forever receive blocks until each part arrives, a
 * message bigger than the socket buffer comes whole, and the close ends it. */
#define LATE_BIG (1u << 20)
static int send_late(void *arg)
{
    (void)arg;
    mp_conn_close(L);
    usleep(100 * 1000);
    if (mp_conn_send(R, "first", 5) != 0) return 2;
    unsigned char *big = malloc(LATE_BIG);
    if (!big) return 3;
    for (size_t i = 0; i < LATE_BIG; i++) big[i] = (unsigned char)(i * 7 + 1);
    int r = mp_conn_send(R, big, LATE_BIG);
    free(big);
    return r == 0 ? 0 : 4;
}

Test(pipe, forever_recv_waits_for_a_late_sender, .timeout = 20)
{
    for (int duplex = 0; duplex < 2; duplex++) {
        make_pipe(duplex);
        mp_process *p = mp_process_new(send_late, NULL);
        cr_assert_eq(mp_process_start(p), 0);
        mp_conn_close(R);
        char small[8];
        double t0 = tu_now();
        cr_assert_eq(mp_conn_recv(L, small, sizeof small, MP_FOREVER), 5);
        cr_assert(tu_now() - t0 >= 0.05, "the receive waited for the sender");
        cr_assert_eq(memcmp(small, "first", 5), 0);
        unsigned char *big = malloc(LATE_BIG);
        cr_assert_not_null(big);
        cr_assert_eq(mp_conn_recv(L, big, LATE_BIG, MP_FOREVER), (ssize_t)LATE_BIG);
        size_t bad = 0;
        for (size_t i = 0; i < LATE_BIG; i++) bad += big[i] != (unsigned char)(i * 7 + 1);
        free(big);
        cr_assert_eq(bad, 0, "%zu bytes differ", bad);
        cr_assert_eq(mp_conn_recv(L, small, sizeof small, MP_FOREVER), -EPIPE);
        cr_assert_eq(mp_process_join(p, 10), 0);
        cr_assert_eq(mp_process_exitcode(p), 0);
        mp_conn_close(L);
        mp_process_free(p);
    }
    tu_assert_no_children();
}

/* One way: both fds block, and the unused direction of each end is shut,
 * so a stray raw write on the receiving end fails instead of queueing. */
Test(pipe, one_way_unused_directions_are_shut, .timeout = 10)
{
    make_pipe(false);
    cr_assert_eq(fcntl(mp_conn_fileno(L), F_GETFL) & O_NONBLOCK, 0);
    cr_assert_eq(fcntl(mp_conn_fileno(R), F_GETFL) & O_NONBLOCK, 0);
    errno = 0;
    cr_assert_eq(send(mp_conn_fileno(L), "x", 1, MSG_NOSIGNAL), -1);
    cr_assert_eq(errno, EPIPE);
    char buf[4];
    cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 0), -ETIMEDOUT, "nothing was queued");
    cr_assert_eq(mp_conn_send(R, "ok", 2), 0, "the used direction still works");
    cr_assert_eq(mp_conn_recv(L, buf, sizeof buf, 1), 2);
    cr_assert_eq(memcmp(buf, "ok", 2), 0);
    close_pipe();
}

/* ------------------------------------------------------------ trace */

Test(pipe, trace_events, .timeout = 10)
{
    struct mp_trace_ring *ring = tu_trace_begin(256);
    make_pipe(false);
    char buf[16];
    mp_conn_send(R, "hello", 5);
    mp_conn_recv(L, buf, sizeof buf, 1);
    close_pipe();
    struct mp_trace_event ev[256];
    size_t n = tu_trace_end(ring, ev, 256);
    int seen_new = 0, seen_send = 0, seen_recv = 0, seen_close = 0;
    uint64_t id = 0;
    for (size_t i = 0; i < n; i++) {
        switch (ev[i].kind) {
        case MP_EV_PIPE_NEW:
            seen_new++;
            id = ev[i].obj;
            cr_assert_eq(ev[i].a, 0, "one-way");
            break;
        case MP_EV_PIPE_SEND:
        case MP_EV_PIPE_RECV:
            ev[i].kind == MP_EV_PIPE_SEND ? seen_send++ : seen_recv++;
            cr_assert_eq(ev[i].obj, id, "both ends carry the pipe's id");
            cr_assert_eq(ev[i].a, 5);
            cr_assert(strstr(ev[i].text, "hello") != NULL, "preview \"%s\"", ev[i].text);
            break;
        case MP_EV_PIPE_CLOSE:
            seen_close++;
            cr_assert_eq(ev[i].obj, id);
            break;
        }
    }
    cr_assert_eq(seen_new, 1);
    cr_assert_eq(seen_send, 1);
    cr_assert_eq(seen_recv, 1);
    cr_assert_eq(seen_close, 2);
    mp_trace_ring_free(ring);
}
