/*
 * manager_server.c — the manager's server process: one poll() loop over
 * non-blocking sockets, serving the store (manager_store.c) one request at
 * a time.
 *
 * Design notes:
 *  - Each connection has an input and an output buffer: a bad frame
 *    closes only its connection.
 *  - TCP connections run the server half of the HMAC handshake (the state
 *    machine of manager_wire.c) before any request is served; local (Unix
 *    socket) connections are served at once.
 *
 * What a stranger (no key) can hold, and how a key holder still gets in:
 *  - Unauthenticated connections may take a quarter of the slots, at most
 *    PENDING_PER_PEER from one address, each for PENDING_TIMEOUT. When a
 *    limit is reached the OLDEST unauthenticated connection of that
 *    address (or of the address with the most) is told BUSY and closed to
 *    make room for the new one. Refusing the newest instead would let an
 *    idle flood keep every slot; pushing out the oldest gives each new
 *    connection the time the flood needs to open that many more, which is
 *    plenty for a client that answers its challenge at once (measured: a
 *    flood of 600 reopened connections from the client's own address, and
 *    every one of 3,500 visits got in). The served clients' input is read
 *    before each batch of accepts, so an answer that arrived is never lost
 *    to a burst. A client told BUSY retries (manager.c).
 *  - A connection proves the key with its first answer: from then on it
 *    counts as a key holder's and cannot be pushed out. Three quarters of
 *    the slots are always theirs; when all slots hold key holders a new
 *    connection is told BUSY at once.
 *
 * What a key holder can hold:
 *  - IN_FREE bytes of input; a bigger frame first reserves its whole size
 *    in IN_BUDGET, shared by all, and is not read until it can (the sender
 *    waits in the kernel's buffers). So 16 half-sent 16 MiB frames cost
 *    64 MiB, not 256.
 *  - A frame in progress must get a byte every FRAME_STALL seconds and be
 *    whole within FRAME_TIMEOUT + 1 s per MiB; replies must be taken within
 *    OUT_STALL; else the connection is closed. An idle connection with no
 *    partial frame is fine (a proxy may sit unused for hours).
 *  - Replies: at most OUT_HIGH waiting per client before its requests wait,
 *    OUT_BUDGET for everyone (one reply can pass it by at most a frame).
 *  - The server stops on SIGTERM (shutdown), on SIGINT/SIGHUP, and when its
 *    parent dies (PR_SET_PDEATHSIG, plus a getppid() check each second),
 *    removing its socket file and directory: nothing is left behind.
 */
#include "manager_private.h"

#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* Limits. A room of 200 students is 200 authenticated connections; the
 * limits below leave room for several such rooms and bound what a stranger
 * (no key) or a hostile key holder can make the server hold. */
#define MAX_CONNS 1024          /* open connections, fewer if RLIMIT_NOFILE is low */
#define PENDING_SHARE 4         /* at most 1/4 of them unauthenticated: the rest is kept for key holders */
#define PENDING_PER_PEER 128    /* unauthenticated connections from one address (IPv6: one /64) */
#define PENDING_TIMEOUT 2.0     /* seconds for a whole handshake, server side */
#define ACCEPT_BATCH 64         /* accepts per pass, so served clients are read between batches */
#define IN_HANDSHAKE 1024u      /* input bytes held for a connection still in its handshake */
#define IN_FREE (64u << 10)     /* input bytes any served connection may hold */
#define IN_BUDGET (64u << 20)   /* bytes held beyond IN_FREE by all connections (big frames) */
#define OUT_HIGH (1u << 20)     /* stop serving a client whose replies pile up */
#define OUT_BUDGET (64u << 20)  /* stop serving anyone while this much output waits */
#define FRAME_TIMEOUT 5.0       /* seconds for a frame begun, plus 1 s per MiB announced */
#define FRAME_STALL 2.0         /* a frame in progress must get a byte this often */
#define OUT_STALL 10.0          /* a client must accept some of its replies this often */

#define NS(sec) ((uint64_t)((sec) * 1e9))

enum conn_state { C_AUTH, C_READY };

/* Who a connection comes from, for the per-peer limit: an IPv4 address, or
 * the /64 of an IPv6 one (one host usually owns a whole /64). */
struct peer {
    uint8_t addr[8];
    uint8_t len;
    int pending; /* its unauthenticated connections (in the peer table) */
};

struct conn {
    int fd; /* -1 once closed (removed at the end of the pass) */
    enum conn_state st;
    bool closing;     /* flush what is queued, then close */
    bool pending;     /* has not proved the key yet: counted against its peer */
    bool partial;     /* `in` ends with a frame not yet whole */
    bool wait_budget; /* a big frame waits for room in IN_BUDGET: not read, not timed */
    struct peer peer;
    mp__buf in, out;
    mp__auth auth;              /* the handshake, while st is C_AUTH */
    uint64_t hs_deadline_ns;    /* the handshake must be over by then; 0 = none */
    uint64_t frame_deadline_ns; /* the partial frame must be whole by then */
    uint64_t rx_ns;             /* bytes last arrived (stall of a partial frame) */
    uint64_t tx_ns;             /* output last moved, or began to wait */
    size_t reserved;            /* bytes of IN_BUDGET held for the frame at the head of `in` */
};

struct server {
    int lfd, sigfd;
    pid_t parent;
    mp__store *store;
    struct conn *c;
    size_t n;              /* entries in c (closed ones until the pass ends) */
    size_t live, pending;  /* open connections; of which unauthenticated */
    size_t max_conns, max_pending;
    struct peer *peers;    /* peers with pending connections (at most max_pending) */
    size_t npeers;
    size_t in_reserved;    /* of IN_BUDGET */
    size_t out_total;      /* bytes waiting in output buffers (counted each pass) */
    uint64_t accept_paused_until; /* out of descriptors: let the backlog wait */
    const uint8_t *key; /* NULL: no handshake (local manager) */
    size_t keylen;
    const char *path, *dir; /* Unix socket to remove at exit, or NULL */
    bool busy;              /* the last poll found work: the next may spin */
    mp__spin_hint spin;
};

/* ---------------------------------------------------------------- peers */

static struct peer peer_of(const struct sockaddr_storage *ss)
{
    struct peer p = {0};
    if (ss->ss_family == AF_INET) {
        memcpy(p.addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
        p.len = 4;
    } else if (ss->ss_family == AF_INET6) {
        const uint8_t *a = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
        static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        bool mapped = memcmp(a, v4mapped, 12) == 0;
        memcpy(p.addr, mapped ? a + 12 : a, mapped ? 4 : 8);
        p.len = mapped ? 4 : 8;
    }
    return p;
}

static struct peer *peer_find(struct server *s, const struct peer *p)
{
    for (size_t k = 0; k < s->npeers; k++)
        if (s->peers[k].len == p->len && memcmp(s->peers[k].addr, p->addr, p->len) == 0) return &s->peers[k];
    return NULL;
}

static int peer_pending(struct server *s, const struct peer *p)
{
    struct peer *e = peer_find(s, p);
    return e ? e->pending : 0;
}

/* The peer with the most unauthenticated connections (NULL: none). */
static struct peer *peer_fullest(struct server *s)
{
    struct peer *best = NULL;
    for (size_t k = 0; k < s->npeers; k++)
        if (!best || s->peers[k].pending > best->pending) best = &s->peers[k];
    return best;
}

static void pending_add(struct server *s, struct conn *c)
{
    struct peer *e = peer_find(s, &c->peer);
    if (!e) { /* room: npeers <= pending < max_pending, the table's size */
        e = &s->peers[s->npeers++];
        *e = c->peer;
        e->pending = 0;
    }
    e->pending++;
    s->pending++;
    c->pending = true;
}

static void pending_drop(struct server *s, struct conn *c)
{
    if (!c->pending) return;
    c->pending = false;
    s->pending--;
    struct peer *e = peer_find(s, &c->peer);
    if (e && --e->pending == 0) *e = s->peers[--s->npeers]; /* order does not matter */
}

/* ---------------------------------------------------------- connections */

static void conn_release(struct server *s, struct conn *c)
{
    s->in_reserved -= c->reserved;
    c->reserved = 0;
}

static void conn_close(struct server *s, struct conn *c)
{
    if (c->fd < 0) return;
    pending_drop(s, c);
    conn_release(s, c);
    close(c->fd);
    c->fd = -1;
    s->live--;
    mp__buf_free(&c->in);
    mp__buf_free(&c->out);
}

/* Closes a connection that missed a deadline with a reset: a FIN would
 * wait behind the replies it never took (the kernel keeping them, for
 * minutes, in a socket nobody owns), and the peer learns at once. */
static void conn_abort(struct server *s, struct conn *c)
{
    struct linger now = {.l_onoff = 1, .l_linger = 0};
    if (c->fd >= 0) setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    conn_close(s, c);
}

/* A buffer that once held a big frame gives its memory back. */
static void buf_shrink(mp__buf *b, size_t keep)
{
    if (b->cap <= keep * 2 || b->len > keep) return;
    mp__buf t = {0};
    mp__buf_put(&t, b->data, b->len);
    if (t.oom) return;
    mp__buf_free(b);
    *b = t;
}

static void conn_flush(struct server *s, struct conn *c)
{
    while (c->out.len) {
        ssize_t w = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            mp__buf_consume(&c->out, (size_t)w);
            c->tx_ns = mp__now_ns();
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        conn_close(s, c); /* peer gone */
        return;
    }
    buf_shrink(&c->out, OUT_HIGH);
}

/* Says "too many clients" on fd, then closes it: a handshake message for a
 * TCP client, an -EBUSY reply for a local one (which sent a request first).
 * What the client sent is read first, so close() ends with FIN, not RST. */
static void say_busy_and_close(int fd, bool handshake)
{
    mp__buf b = {0};
    if (handshake) {
        mp__mgr_put_msg(&b, BUSY, sizeof BUSY - 1);
    } else {
        size_t at = mp__frame_begin(&b);
        mp__enc_int(&b, -EBUSY);
        mp__frame_end(&b, at, MP__FRAME_MAX);
    }
    if (!b.oom) (void)!send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
    mp__buf_free(&b);
    shutdown(fd, SHUT_WR);
    uint8_t sink[4096];
    for (int k = 0; k < 16 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; k++) continue;
    close(fd);
}

/* Closes the oldest unauthenticated connection of peer p, telling it why.
 * The array is in accept order, so the first one found is the oldest: a
 * client that answers its challenge at once is never the one pushed out by
 * connections that sit idle. */
static void evict_oldest(struct server *s, const struct peer *p)
{
    for (size_t k = 0; k < s->n; k++) {
        struct conn *c = &s->c[k];
        if (c->fd < 0 || !c->pending || c->peer.len != p->len || memcmp(c->peer.addr, p->addr, p->len) != 0) continue;
        int fd = c->fd;
        c->fd = -1; /* conn_close without closing: say_busy_and_close does */
        pending_drop(s, c);
        conn_release(s, c);
        s->live--;
        mp__buf_free(&c->in);
        mp__buf_free(&c->out);
        say_busy_and_close(fd, true);
        return;
    }
}

/* One handshake message; the bookkeeping is ours, the protocol
 * manager_wire.c's. 0 | -errno: close (after a FAILURE queued) */
static int auth_step(struct server *s, struct conn *c, const uint8_t *p, size_t n)
{
    int r = mp__auth_step(&c->auth, p, n, &c->out);
    if (r == MP__AUTH_PROVED) pending_drop(s, c); /* it knows the key: no longer a stranger */
    if (r == MP__AUTH_OVER) {
        c->st = C_READY;
        c->hs_deadline_ns = 0;
    }
    return r < 0 ? r : 0;
}

/* Runs the complete frames received, while replies do not pile up. */
static void conn_process(struct server *s, struct conn *c, uint64_t now)
{
    size_t off = 0, out_before = c->out.len;
    while (c->fd >= 0 && !c->closing && c->out.len < OUT_HIGH && s->out_total < OUT_BUDGET &&
           c->in.len - off >= MP__FRAME_HDR) {
        bool ready = c->st == C_READY;
        uint32_t n;
        int r = mp__frame_peek(c->in.data + off, c->in.len - off,
                               ready ? MP__FRAME_MAX : MP__HANDSHAKE_MAX, &n);
        if (r == 0) break;
        if (r < 0) { /* oversized: tell a served client why, then hang up */
            if (ready) {
                size_t at = mp__frame_begin(&c->out);
                mp__enc_int(&c->out, -EMSGSIZE);
                mp__frame_end(&c->out, at, MP__FRAME_MAX);
            }
            c->closing = true;
            break;
        }
        size_t before = c->out.len;
        const uint8_t *p = c->in.data + off + MP__FRAME_HDR;
        int rc = ready ? mp__store_handle(s->store, p, n, &c->out) : auth_step(s, c, p, n);
        off += MP__FRAME_HDR + n;
        s->out_total += c->out.len - before;
        if (rc < 0) c->closing = true;
    }
    if (c->fd < 0) return;
    if (!out_before && c->out.len) c->tx_ns = now;
    if (off) { /* the head frame is done: its reservation and memory go */
        mp__buf_consume(&c->in, off);
        conn_release(s, c);
        buf_shrink(&c->in, IN_FREE);
    }
    uint32_t n;
    bool partial = c->in.len && mp__frame_peek(c->in.data, c->in.len, MP__FRAME_MAX, &n) == 0;
    if (partial && (!c->partial || off)) { /* a new frame begins */
        c->frame_deadline_ns = now + NS(FRAME_TIMEOUT);
        c->rx_ns = now;
    }
    c->partial = partial;
}

/* How many input bytes c may hold now. A frame bigger than IN_FREE first
 * reserves its whole size in IN_BUDGET; until it can, it is not read (the
 * kernel's socket buffer holds the rest and the sender waits), and its
 * timers do not run, since the wait is ours. */
static size_t in_cap(struct server *s, struct conn *c, uint64_t now)
{
    c->wait_budget = false;
    if (c->st != C_READY) return IN_HANDSHAKE;
    if (c->reserved) return c->reserved;
    if (c->in.len < MP__FRAME_HDR) return IN_FREE;
    const uint8_t *h = c->in.data;
    size_t frame = MP__FRAME_HDR + ((size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3]);
    if (frame <= IN_FREE || frame > MP__FRAME_HDR + MP__FRAME_MAX) return IN_FREE;
    if (s->in_reserved + frame > IN_BUDGET) {
        c->wait_budget = true;
        return c->in.len; /* nothing more for now */
    }
    if (mp__buf_reserve_total(&c->in, frame) < 0) {
        c->wait_budget = true; /* out of memory: try again later */
        return c->in.len;
    }
    s->in_reserved += frame;
    c->reserved = frame;
    c->frame_deadline_ns = now + NS(FRAME_TIMEOUT) + NS((double)frame / (1 << 20));
    c->rx_ns = now;
    return frame;
}

static void conn_read(struct server *s, struct conn *c, uint64_t now)
{
    size_t cap = in_cap(s, c, now);
    if (c->in.len >= cap) return;
    size_t want = cap - c->in.len < 65536 ? cap - c->in.len : 65536;
    uint8_t *space = mp__buf_space(&c->in, want);
    if (!space) {
        conn_close(s, c);
        return;
    }
    ssize_t r = recv(c->fd, space, want, MSG_DONTWAIT);
    if (r > 0) {
        c->in.len += (size_t)r;
        c->rx_ns = now;
    } else if (r == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
        conn_close(s, c);
    }
}

/* When c must be closed if nothing happens first; 0 = never. */
static uint64_t conn_deadline(const struct conn *c)
{
    uint64_t d = c->hs_deadline_ns;
    /* A partial frame is timed only while we read it: not while it waits
     * for budget, nor while its sender's replies pile up (OUT_STALL). */
    if (c->partial && !c->wait_budget && c->out.len < OUT_HIGH) {
        uint64_t stall = c->rx_ns + NS(FRAME_STALL);
        uint64_t f = c->frame_deadline_ns < stall ? c->frame_deadline_ns : stall;
        if (!d || f < d) d = f;
    }
    if (c->out.len) {
        uint64_t o = c->tx_ns + NS(OUT_STALL);
        if (!d || o < d) d = o;
    }
    return d;
}

/* ------------------------------------------------------------ admission */

/* Takes in a new connection, making room by the rules in the note at the
 * top of the file, or tells it "too many clients". */
static void admit(struct server *s, int fd, const struct sockaddr_storage *ss, uint64_t now)
{
    struct peer p = peer_of(ss);
    if (s->key) {
        if (peer_pending(s, &p) >= PENDING_PER_PEER) evict_oldest(s, &p);
        else if (s->pending >= s->max_pending) evict_oldest(s, peer_fullest(s));
        if (s->live >= s->max_conns && s->pending) evict_oldest(s, peer_fullest(s));
    }
    if (s->live >= s->max_conns) { /* every slot holds a client that proved the key */
        say_busy_and_close(fd, s->key != NULL);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* fails harmlessly on Unix sockets */
    struct conn *c = &s->c[s->n];
    *c = (struct conn){.fd = fd, .st = C_READY, .peer = p};
    if (s->key) {
        if (mp__auth_start(&c->auth, true, s->key, s->keylen, &c->out) < 0) {
            close(fd);
            return;
        }
        c->st = C_AUTH;
        c->hs_deadline_ns = now + NS(PENDING_TIMEOUT);
        c->tx_ns = now;
        pending_add(s, c);
    }
    s->n++;
    s->live++;
    conn_flush(s, c);
}

static void conn_accept(struct server *s, uint64_t now)
{
    for (int k = 0; k < ACCEPT_BATCH; k++) {
        struct sockaddr_storage ss = {0};
        socklen_t len = sizeof ss;
        int fd = accept4(s->lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            admit(s, fd, &ss, now);
            continue;
        }
        /* Out of descriptors: the listening socket stays readable, so
         * without a pause poll() would spin. */
        if (errno == EMFILE || errno == ENFILE) s->accept_paused_until = now + NS(0.1);
        return; /* EAGAIN, or a client that gave up */
    }
}

/* Drops closed connections, keeping the array dense (and in accept order)
 * for the next poll. */
static void compact(struct server *s)
{
    size_t k = 0;
    for (size_t j = 0; j < s->n; j++)
        if (s->c[j].fd >= 0) s->c[k++] = s->c[j];
    s->n = k;
}

/* ----------------------------------------------------------------- loop */

static int poll_timeout_ms(const struct server *s, uint64_t now)
{
    uint64_t soonest = now + NS(1); /* 1 s: check the parent */
    if (s->accept_paused_until > now && s->accept_paused_until < soonest) soonest = s->accept_paused_until;
    for (size_t k = 0; k < s->n; k++) {
        uint64_t d = conn_deadline(&s->c[k]);
        if (d && d < soonest) soonest = d;
    }
    return soonest <= now ? 0 : (int)((soonest - now + 999999) / 1000000);
}

/* Fills the poll set; connections in pf[2..]. */
static void poll_set(struct server *s, struct pollfd *pf, uint64_t now)
{
    bool accepting = s->accept_paused_until <= now;
    pf[0] = (struct pollfd){.fd = accepting ? s->lfd : -1, .events = POLLIN};
    pf[1] = (struct pollfd){.fd = s->sigfd, .events = POLLIN};
    s->out_total = 0;
    for (size_t k = 0; k < s->n; k++) s->out_total += s->c[k].out.len;
    for (size_t k = 0; k < s->n; k++) {
        struct conn *c = &s->c[k];
        short ev = c->out.len ? POLLOUT : 0;
        if (c->out.len < OUT_HIGH && c->in.len < in_cap(s, c, now)) ev |= POLLIN;
        pf[k + 2] = (struct pollfd){.fd = c->fd, .events = ev};
    }
}

static void serve_loop(struct server *s)
{
    struct pollfd *pf = calloc(s->max_conns + ACCEPT_BATCH + 2, sizeof *pf);
    if (!pf) return;
    uint64_t parent_checked = mp__now_ns();
    for (;;) {
        uint64_t now = mp__now_ns();
        poll_set(s, pf, now);
        int timeout = poll_timeout_ms(s, now);
        /* A client that just got its reply often sends the next request
         * at once: spin for it first (a sleeping server on an idle CPU
         * costs the client a ~30 us wake-up; futex.c turns it off when
         * requests stop coming back to back). */
        int r = s->busy && timeout != 0 ? mp__spin_poll(pf, (unsigned)(s->n + 2), MP__SPIN_FD_NS, &s->spin) : 0;
        if (r == 0) r = poll(pf, s->n + 2, timeout);
        s->busy = r > 0;
        if (r < 0 && errno != EINTR) break;
        if (pf[1].revents) break;
        now = mp__now_ns();
        /* PDEATHSIG is the main signal; this covers a parent that died
         * before prctl() and is cheap at once a second. */
        if (now - parent_checked > NS(1)) {
            if (getppid() != s->parent) break;
            parent_checked = now;
        }
        size_t n = s->n; /* connections accepted below are polled next pass */
        for (size_t k = 0; k < n; k++) {
            struct conn *c = &s->c[k];
            short re = r > 0 ? pf[k + 2].revents : 0;
            if (c->fd >= 0 && (re & (POLLIN | POLLHUP | POLLERR))) conn_read(s, c, now);
            if (c->fd >= 0 && (re & POLLOUT)) conn_flush(s, c);
            if (c->fd >= 0) conn_process(s, c, now);
            if (c->fd >= 0) conn_flush(s, c);
            if (c->fd >= 0 && c->closing) conn_close(s, c); /* best effort: its last reply was sent above */
            uint64_t d = c->fd >= 0 ? conn_deadline(c) : 0;
            if (d && now > d) conn_abort(s, c);
        }
        /* After the served clients, so a client's answer to its challenge
         * is read before a burst of new connections can push it out. */
        if (pf[0].revents & POLLIN) conn_accept(s, now);
        compact(s);
    }
    free(pf);
}

/* Connection slots from the descriptor limit: raise the soft limit as far
 * as needed and allowed, keep a few descriptors for the rest. */
static void size_limits(struct server *s)
{
    struct rlimit rl;
    size_t want = MAX_CONNS + 64, have = 256;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
            rlim_t raised = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
            if (raised > rl.rlim_cur) {
                rl.rlim_cur = raised;
                setrlimit(RLIMIT_NOFILE, &rl);
                getrlimit(RLIMIT_NOFILE, &rl);
            }
        }
        have = rl.rlim_cur == RLIM_INFINITY ? want : (size_t)rl.rlim_cur;
    }
    s->max_conns = have > want ? MAX_CONNS : have > 64 ? have - 64 : 8;
    s->max_pending = s->max_conns / PENDING_SHARE ? s->max_conns / PENDING_SHARE : 1;
}

void mp__mgr_cleanup_path(const char *path, const char *dir)
{
    if (path && path[0]) unlink(path);
    if (dir && dir[0]) rmdir(dir);
}

void mp__mgr_serve(int lfd, pid_t parent, const uint8_t *key, size_t keylen, const char *path, const char *dir)
{
    mp__trace_child_started("SyncManager");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* The server never reads or prints: let go of the caller's stdin and
     * stdout, so a pipe reading the program's output ends with the program.
     * stderr stays, for sanitizer reports. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        if (null > STDERR_FILENO) close(null);
    }
    /* The parent may have died between fork and prctl: check after it. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    struct server s = {.lfd = lfd, .parent = parent, .key = key, .keylen = keylen, .path = path, .dir = dir};
    s.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    s.store = mp__store_new();
    size_limits(&s);
    s.c = calloc(s.max_conns + ACCEPT_BATCH, sizeof *s.c);
    s.peers = calloc(s.max_pending, sizeof *s.peers);
    /* Big buffers always from mmap, so a closed connection's memory goes
     * back to the system (glibc would otherwise raise the threshold after
     * the first big free and keep such buffers in the heap). */
    mallopt(M_MMAP_THRESHOLD, 256 << 10);
    if (getppid() == parent && s.sigfd >= 0 && s.store && s.c && s.peers) serve_loop(&s);
    mp__mgr_cleanup_path(path, dir);
    _exit(0);
}
