/*
 * pipe.c — left, right = Pipe(duplex): message connections between
 * processes, as multiprocessing.Pipe.
 *
 * Transport: both kinds are an AF_UNIX SOCK_STREAM socketpair. A one-way
 * pipe (left receives, right sends, as Python's Pipe(False)) is the same
 * pair used one way: shutdown() closes the unused direction of each end.
 * A socket, unlike pipe2(), can be written with MSG_NOSIGNAL and read with
 * MSG_DONTWAIT, which saves the signal-mask and O_NONBLOCK system calls
 * (measured: about half the calls per message). SEQPACKET would keep boundaries by itself
 * but caps a message at the socket buffer size; a stream with a frame
 *
 *     [uint64 length, native order][length bytes]
 *
 * carries a 16 MiB message whole. Both ends are close-on-exec.
 *
 * Receiving in two steps keeps a message that does not fit: the 8-byte
 * header is read into the connection first; when the caller's buffer is too
 * small we return -EMSGSIZE and keep the header, so the next call (with a
 * bigger buffer, see mp_conn_pending) reads the payload. The timeout holds
 * for the whole message: when it passes in the middle of a payload (a slow
 * or stopped sender), the bytes read so far move into the connection and
 * the next call goes on from there, so nothing is lost and nothing hangs.
 *
 * SIGPIPE: every send uses MSG_NOSIGNAL, so a closed peer is -EPIPE, never
 * the signal.
 *
 * Blocking: the descriptors stay blocking. A receive tries recv() with
 * MSG_DONTWAIT and polls only when nothing is there; without a timeout, a
 * one-way receiving end just blocks in recv() (see read_some).
 */
#include "mp_private.h"

#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define FRAME_HDR sizeof(uint64_t)

struct mp_conn {
    int fd;
    bool can_recv;
    bool can_send;
    uint64_t id;          /* the pipe's trace id, shared by both ends */
    int end;              /* 0 left, 1 right (traces tell the directions apart) */
    unsigned char hdr[FRAME_HDR];
    size_t hdr_got;       /* header bytes of the next message read so far */
    unsigned char *part;  /* its payload bytes read before a timeout, or NULL */
    size_t part_got;
    bool eof;             /* the peer closed: nothing more will come */
    mp__spin_hint spin;   /* whether spinning before a sleep pays on this end */
};

/* ------------------------------------------------------------ creation */

static mp_conn *conn_make(int fd, bool can_recv, bool can_send, uint64_t id, int end)
{
    mp_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->end = end;
    c->fd = fd;
    c->can_recv = can_recv;
    c->can_send = can_send;
    c->id = id;
    return c;
}

int mp_pipe(mp_conn **left, mp_conn **right, bool duplex)
{
    if (!left || !right) return -EINVAL;
    *left = *right = NULL;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return -errno;
    /* One way: the left end only receives, the right end only sends. The
     * shutdowns make a stray write() on the left fd fail instead of filling
     * a buffer nobody reads; the connection still checks the direction. */
    if (!duplex && (shutdown(fds[0], SHUT_WR) < 0 || shutdown(fds[1], SHUT_RD) < 0)) {
        int r = -errno;
        close(fds[0]);
        close(fds[1]);
        return r;
    }
    uint64_t id = mp__obj_id();
    mp_conn *l = conn_make(fds[0], true, duplex, id, 0);
    mp_conn *rt = conn_make(fds[1], duplex, true, id, 1);
    if (!l || !rt) goto fail;
    *left = l;
    *right = rt;
    MP__TRACE(MP_EV_PIPE_NEW, id, duplex, 0, duplex ? "duplex" : "one-way");
    return 0;
fail:
    free(rt);
    free(l);
    close(fds[1]);
    close(fds[0]);
    return -ENOMEM;
}

/* ------------------------------------------------------------- sending */

/* Writes all of iov, retrying short writes and EINTR. 0 | -errno. */
static int write_all(mp_conn *c, struct iovec *iov, int iovcnt)
{
    while (iovcnt > 0) {
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)iovcnt};
        ssize_t n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == ECONNRESET ? -EPIPE : -errno;
        }
        size_t done = (size_t)n;
        while (iovcnt > 0 && done >= iov->iov_len) {
            done -= iov->iov_len;
            iov++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            iov->iov_base = (char *)iov->iov_base + done;
            iov->iov_len -= done;
        }
    }
    return 0;
}

int mp_conn_send(mp_conn *c, const void *buf, size_t len)
{
    if (!c || (!buf && len)) return -EINVAL;
    if (!c->can_send) return -EBADF;
    if (len > (size_t)SSIZE_MAX) return -EMSGSIZE;
    MP__GATE(MP_GOP_PIPE_SEND, c->id, (int64_t)len, c->end);
    uint64_t hdr = len;
    struct iovec iov[2] = {
        {.iov_base = &hdr, .iov_len = sizeof hdr},
        {.iov_base = (void *)buf, .iov_len = len},
    };
    int r = write_all(c, iov, len ? 2 : 1);
    if (r == 0) MP__TRACE_DATA(MP_EV_PIPE_SEND, c->id, (int64_t)len, c->end, buf, len);
    return r;
}

/* ----------------------------------------------------------- receiving */

/* Waits until fd is readable (or hung up). 1 ready | 0 deadline passed | -errno */
static int wait_readable(int fd, const mp__deadline *d)
{
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int n = poll(&pfd, 1, mp__deadline_poll_ms(d));
        if (n > 0) return 1;
        if (n == 0) {
            if (mp__deadline_passed(d)) return 0;
            continue; /* poll's ms rounding woke us a little early */
        }
        if (errno != EINTR) return -errno;
    }
}

/* How long a receive spins before it sleeps: MP__SPIN_FD_NS, less when
 * the deadline comes sooner, none for a try (timeout 0). */
static uint64_t spin_ns(const mp__deadline *d)
{
    if (d->forever) return MP__SPIN_FD_NS;
    double left = mp__deadline_left(d) * 1e9;
    return left < (double)MP__SPIN_FD_NS ? (uint64_t)left : MP__SPIN_FD_NS;
}

/* One read of at most len bytes, waiting for data until the deadline.
 * The read is tried first (MSG_DONTWAIT) and poll() only runs when nothing
 * is there, so a busy stream costs one system call per read, and a frame
 * that started arriving is still bounded by the same deadline. Before
 * poll() sleeps, the end spins a little (mp__spin_fd): a peer on another
 * CPU that answers at once is then seen without the ~30 us wake-up of a
 * sleeping reader (an 8-byte round trip unpinned, see bench/README.md).
 * Without a deadline, the receiving end of a one-way pipe instead sleeps in
 * one blocking recv(), which returns what has arrived as soon as anything
 * has. A duplex end does not: a reader blocked in recv() shares the
 * socket's wait queue with its own writes, and each time the peer drains
 * them the write-space wake-up wakes the reader for nothing (poll filters
 * those out). Measured (bench_mp --pin): a blocking recv made the duplex
 * round trip 9.5 us instead of 8.4 (3.4 context switches per round trip
 * instead of 2), while it lifts one-way throughput by a few per cent.
 * >0 bytes | 0 end of stream | -ETIMEDOUT | -errno */
static ssize_t read_some(mp_conn *c, void *buf, size_t len, const mp__deadline *d)
{
    int flags = d->forever && !c->can_send ? 0 : MSG_DONTWAIT;
    for (;;) {
        ssize_t n = recv(c->fd, buf, len, flags);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        /* A peer that closed with our data unread resets the socket. */
        if (errno == ECONNRESET) return 0;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
        if (mp__spin_fd(c->fd, POLLIN, spin_ns(d), &c->spin)) continue;
        int w = wait_readable(c->fd, d);
        if (w < 0) return w;
        if (w == 0) return -ETIMEDOUT;
    }
}

/* Reads the rest of the header, waiting until the deadline for it.
 * 0 when complete | -ETIMEDOUT | -EPIPE | -errno */
static int read_header(mp_conn *c, const mp__deadline *d)
{
    while (c->hdr_got < FRAME_HDR) {
        if (c->eof) return c->hdr_got ? -EBADMSG : -EPIPE;
        ssize_t n = read_some(c, c->hdr + c->hdr_got, FRAME_HDR - c->hdr_got, d);
        if (n < 0) return (int)n;
        if (n == 0) c->eof = true;
        c->hdr_got += (size_t)n;
    }
    return 0;
}

static uint64_t header_len(const mp_conn *c)
{
    uint64_t len;
    memcpy(&len, c->hdr, sizeof len);
    return len;
}

/* Reads payload bytes into buf[*got..len) until complete or the deadline.
 * 0 complete | -ETIMEDOUT | -EBADMSG (the sender died in mid-message) | -errno */
static int read_payload(mp_conn *c, unsigned char *buf, size_t len, size_t *got, const mp__deadline *d)
{
    while (*got < len) {
        ssize_t n = read_some(c, buf + *got, len - *got, d);
        if (n < 0) return (int)n;
        if (n == 0) {
            c->eof = true;
            return -EBADMSG;
        }
        *got += (size_t)n;
    }
    return 0;
}

/* The next message is over (received or broken): forget its state. */
static void message_done(mp_conn *c)
{
    c->hdr_got = 0;
    free(c->part);
    c->part = NULL;
    c->part_got = 0;
}

/* A timeout in mid-payload: keep the bytes so far for the next call. */
static int keep_partial(mp_conn *c, const unsigned char *buf, size_t got)
{
    if (got > c->part_got) {
        unsigned char *p = realloc(c->part, got);
        if (!p) return -ENOMEM; /* the message is lost: say so */
        memcpy(p + c->part_got, buf + c->part_got, got - c->part_got);
        c->part = p;
        c->part_got = got;
    }
    return -ETIMEDOUT;
}

static int poll_ready(mp_conn *c, double timeout);

static ssize_t recv_msg(mp_conn *c, void *buf, size_t cap, double timeout)
{
    mp__deadline d = mp__deadline_in(timeout);
    /* (poll_ready, not mp_conn_poll: that one is a step of a controlled run) */
    if (mp__trace_on && poll_ready(c, 0) == 0) MP__TRACE_WAIT(MP_EV_PIPE_RECV_WAIT, c->id, c->end, 0, timeout);
    int r = read_header(c, &d);
    if (r < 0) return r;
    uint64_t len = header_len(c);
    if (len > (uint64_t)SSIZE_MAX) return -EBADMSG; /* not a frame we sent */
    if (len > cap) return -EMSGSIZE; /* header kept: the message stays next */
    size_t got = c->part_got;
    if (got) memcpy(buf, c->part, got);
    r = read_payload(c, buf, (size_t)len, &got, &d);
    if (r == -ETIMEDOUT) {
        r = keep_partial(c, buf, got);
        if (r == -ETIMEDOUT) return r;
    }
    message_done(c);
    if (r < 0) return r;
    MP__TRACE_DATA(MP_EV_PIPE_RECV, c->id, (int64_t)len, c->end, buf, (size_t)len);
    return (ssize_t)len;
}

/* A controlled run's grant for a receive or poll on c: TRY (the controller
 * cannot tell whether the peer's close is there) tries without waiting
 * and parks again while nothing is there; returns the final grant, or
 * MP_GRANT_GO with *done set and *res the result of a try that completed. */
static int gate_recv(mp_conn *c, unsigned gop, double timeout, bool (*try_once)(mp_conn *, void *, size_t, ssize_t *),
                     void *buf, size_t cap, ssize_t *res, bool *done)
{
    *done = false;
    int g = mp__gate(gop, c->id, 0, c->end, timeout);
    while (g == MP_GRANT_TRY) {
        if (try_once(c, buf, cap, res)) {
            *done = true;
            return MP_GRANT_GO;
        }
        g = mp__gate_retry();
    }
    return g;
}

static bool try_recv(mp_conn *c, void *buf, size_t cap, ssize_t *res)
{
    *res = recv_msg(c, buf, cap, 0.0);
    return *res != -ETIMEDOUT;
}

ssize_t mp_conn_recv(mp_conn *c, void *buf, size_t cap, double timeout)
{
    if (!c || (!buf && cap)) return -EINVAL;
    if (!c->can_recv) return -EBADF;
    if (MP__GATE_ON()) {
        ssize_t res;
        bool done;
        int g = gate_recv(c, MP_GOP_PIPE_RECV, timeout, try_recv, buf, cap, &res, &done);
        if (done) return res;
        if (g == MP_GRANT_TIMEOUT) return -ETIMEDOUT;
    }
    return recv_msg(c, buf, cap, timeout);
}

static int poll_ready(mp_conn *c, double timeout)
{
    if (c->hdr_got > 0 || c->eof) return 1;
    mp__deadline d = mp__deadline_in(timeout);
    return wait_readable(c->fd, &d);
}

static bool try_poll(mp_conn *c, void *buf, size_t cap, ssize_t *res)
{
    MP__UNUSED(buf), MP__UNUSED(cap);
    *res = poll_ready(c, 0.0);
    return *res != 0;
}

int mp_conn_poll(mp_conn *c, double timeout)
{
    if (!c) return -EINVAL;
    if (!c->can_recv) return -EBADF;
    if (MP__GATE_ON()) {
        ssize_t res;
        bool done;
        int g = gate_recv(c, MP_GOP_PIPE_POLL, timeout, try_poll, NULL, 0, &res, &done);
        if (done) return (int)res;
        if (g == MP_GRANT_TIMEOUT) return 0;
    }
    return poll_ready(c, timeout);
}

ssize_t mp_conn_pending(mp_conn *c)
{
    if (!c) return -EINVAL;
    if (c->hdr_got < FRAME_HDR) return -EAGAIN;
    uint64_t len = header_len(c);
    return len > (uint64_t)SSIZE_MAX ? -EMSGSIZE : (ssize_t)len;
}

int mp_conn_fileno(const mp_conn *c)
{
    return c ? c->fd : -EINVAL;
}

void mp_conn_close(mp_conn *c)
{
    if (!c) return;
    MP__GATE(MP_GOP_PIPE_CLOSE, c->id, 0, c->end);
    close(c->fd);
    MP__TRACE(MP_EV_PIPE_CLOSE, c->id, c->end, 0, NULL);
    free(c->part);
    free(c);
}
