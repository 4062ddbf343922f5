/*
 * pipe.c — left, right = Pipe(duplex): message connections between
 * processes, as multiprocessing.Pipe.
 *
 * Transport: a duplex pipe is an AF_UNIX SOCK_STREAM socketpair, a one-way
 * pipe is pipe2() (left = read end, right = write end, as Python's
 * os.pipe()-based Pipe(False)). SEQPACKET would keep boundaries by itself
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
 * SIGPIPE: sockets are written with MSG_NOSIGNAL. A pipe has no such flag,
 * so a one-way send blocks SIGPIPE in the calling thread around the write and
 * consumes the SIGPIPE its own failed write raised (unless one was already
 * pending), then restores the mask: the caller sees -EPIPE, never the signal.
 */
#include "mp_private.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define FRAME_HDR sizeof(uint64_t)
#define PIPE_BUF_WANT (1 << 20) /* bytes; the default pipe-max-size */

struct mp_conn {
    int fd;
    bool can_recv;
    bool can_send;
    bool is_socket;       /* send with MSG_NOSIGNAL; else mask SIGPIPE */
    uint64_t id;          /* the pipe's trace id, shared by both ends */
    unsigned char hdr[FRAME_HDR];
    size_t hdr_got;       /* header bytes of the next message read so far */
    unsigned char *part;  /* its payload bytes read before a timeout, or NULL */
    size_t part_got;
    bool eof;             /* the peer closed: nothing more will come */
};

/* ------------------------------------------------------------ creation */

static mp_conn *conn_make(int fd, bool can_recv, bool can_send, bool is_socket, uint64_t id)
{
    mp_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fd = fd;
    c->can_recv = can_recv;
    c->can_send = can_send;
    c->is_socket = is_socket;
    c->id = id;
    return c;
}

int mp_pipe(mp_conn **left, mp_conn **right, bool duplex)
{
    if (!left || !right) return -EINVAL;
    *left = *right = NULL;
    int fds[2];
    int r = duplex ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds)
                   : pipe2(fds, O_CLOEXEC);
    if (r < 0) return -errno;
    /* A 64 KiB pipe never holds a 64 KiB message with its header, so big
     * messages cost several context switches each: ask for PIPE_BUF_WANT
     * (the kernel allocates pages only as they fill; a refusal, e.g. over
     * the per-user pipe quota, just keeps the default). */
    if (!duplex) (void)fcntl(fds[1], F_SETPIPE_SZ, PIPE_BUF_WANT);
    /* The read end of a one-way pipe is read without blocking (see
     * read_some); its write end, a separate open file, still blocks. */
    if (!duplex && fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
        r = -errno;
        close(fds[0]);
        close(fds[1]);
        return r;
    }
    uint64_t id = mp__obj_id();
    /* pipe2: fds[0] reads, fds[1] writes; Python's left end receives. */
    mp_conn *l = conn_make(fds[0], true, duplex, duplex, id);
    mp_conn *rt = conn_make(fds[1], duplex, true, duplex, id);
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
        ssize_t n;
        if (c->is_socket) {
            struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)iovcnt};
            n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
        } else {
            n = writev(c->fd, iov, iovcnt);
        }
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

static bool sigpipe_pending(void)
{
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGPIPE) == 1;
}

/* A pipe write with SIGPIPE held back (see the note at the top). When the
 * caller did not block SIGPIPE itself, none can be pending for this thread
 * (it would have been delivered), so only a caller that blocks it pays for
 * the sigpending check. */
static int write_all_nosigpipe(mp_conn *c, struct iovec *iov, int iovcnt)
{
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    bool was_blocked = sigismember(&old, SIGPIPE) == 1;
    bool was_pending = was_blocked && sigpipe_pending();
    int r = write_all(c, iov, iovcnt);
    if (r == -EPIPE && !was_pending) {
        static const struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    if (!was_blocked) pthread_sigmask(SIG_SETMASK, &old, NULL);
    return r;
}

int mp_conn_send(mp_conn *c, const void *buf, size_t len)
{
    if (!c || (!buf && len)) return -EINVAL;
    if (!c->can_send) return -EBADF;
    if (len > (size_t)SSIZE_MAX) return -EMSGSIZE;
    uint64_t hdr = len;
    struct iovec iov[2] = {
        {.iov_base = &hdr, .iov_len = sizeof hdr},
        {.iov_base = (void *)buf, .iov_len = len},
    };
    int r = c->is_socket ? write_all(c, iov, len ? 2 : 1) : write_all_nosigpipe(c, iov, len ? 2 : 1);
    if (r == 0) MP__TRACE_DATA(MP_EV_PIPE_SEND, c->id, (int64_t)len, 0, buf, len);
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

/* One read of at most len bytes, waiting for data until the deadline.
 * The read is tried first (non-blocking: MSG_DONTWAIT, or O_NONBLOCK on a
 * pipe's read end) and poll() only runs when nothing is there, so a busy
 * stream costs one system call per read.
 * >0 bytes | 0 end of stream | -ETIMEDOUT | -errno */
static ssize_t read_some(mp_conn *c, void *buf, size_t len, const mp__deadline *d)
{
    for (;;) {
        ssize_t n = c->is_socket ? recv(c->fd, buf, len, MSG_DONTWAIT) : read(c->fd, buf, len);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        /* A peer that closed with our data unread resets the socket. */
        if (errno == ECONNRESET) return 0;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
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

ssize_t mp_conn_recv(mp_conn *c, void *buf, size_t cap, double timeout)
{
    if (!c || (!buf && cap)) return -EINVAL;
    if (!c->can_recv) return -EBADF;
    mp__deadline d = mp__deadline_in(timeout);
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
    MP__TRACE_DATA(MP_EV_PIPE_RECV, c->id, (int64_t)len, 0, buf, (size_t)len);
    return (ssize_t)len;
}

int mp_conn_poll(mp_conn *c, double timeout)
{
    if (!c) return -EINVAL;
    if (!c->can_recv) return -EBADF;
    if (c->hdr_got > 0 || c->eof) return 1;
    mp__deadline d = mp__deadline_in(timeout);
    return wait_readable(c->fd, &d);
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
    close(c->fd);
    MP__TRACE(MP_EV_PIPE_CLOSE, c->id, 0, 0, NULL);
    free(c->part);
    free(c);
}
