/*
 * manager_server.c — the manager's server process: one poll() loop over
 * non-blocking sockets, serving the store (manager_store.c) one request at
 * a time.
 *
 * Design notes:
 *  - Each connection has an input and an output buffer: a client that
 *    stalls mid-frame only holds its own buffer, and a bad frame closes
 *    only its connection.
 *  - TCP connections run the server half of the HMAC handshake (a small
 *    state machine, see manager_wire.c for the scheme) before any request
 *    is served; local (Unix socket) connections are served at once.
 *  - The server stops on SIGTERM (shutdown), on SIGINT/SIGHUP, and when its
 *    parent dies (PR_SET_PDEATHSIG, plus a getppid() check each second),
 *    removing its socket file and directory: nothing is left behind.
 */
#include "manager_private.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 512
#define OUT_HIGH (1u << 20)    /* stop reading a client whose replies pile up */

enum conn_state { C_AUTH_DIGEST, C_AUTH_CHALLENGE, C_AUTH_WELCOME, C_READY };

struct conn {
    int fd; /* -1 once closed (removed at the end of the pass) */
    enum conn_state st;
    bool closing;     /* flush what is queued, then close */
    mp__buf in, out;
    uint8_t challenge[CHALLENGE_LEN];
    uint64_t deadline_ns; /* the handshake must be over by then; 0 = none */
};

struct server {
    int lfd, sigfd;
    pid_t parent;
    mp__store *store;
    struct conn *c;
    size_t n;
    const uint8_t *key; /* NULL: no handshake (local manager) */
    size_t keylen;
    const char *path, *dir; /* Unix socket to remove at exit, or NULL */
};

static void conn_close(struct conn *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    mp__buf_free(&c->in);
    mp__buf_free(&c->out);
}

static void conn_flush(struct conn *c)
{
    while (c->out.len) {
        ssize_t w = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            mp__buf_consume(&c->out, (size_t)w);
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        conn_close(c); /* peer gone */
        return;
    }
}

static int auth_step(struct server *s, struct conn *c, const uint8_t *p, size_t n)
{
    uint8_t digest[DIGEST_LEN];
    switch (c->st) {
    case C_AUTH_DIGEST: {
        mp__mgr_hmac(s->key, s->keylen, c->challenge, CHALLENGE_LEN, digest);
        bool ok = n == DIGEST_LEN && CRYPTO_memcmp(digest, p, DIGEST_LEN) == 0;
        mp__mgr_put_msg(&c->out, ok ? WELCOME : FAILURE, sizeof WELCOME - 1);
        if (!ok) return -EACCES;
        c->st = C_AUTH_CHALLENGE;
        return 0;
    }
    case C_AUTH_CHALLENGE:
        if (n <= sizeof CHALLENGE - 1 || memcmp(p, CHALLENGE, sizeof CHALLENGE - 1) != 0) return -EPROTO;
        mp__mgr_hmac(s->key, s->keylen, p, n, digest);
        mp__mgr_put_msg(&c->out, digest, DIGEST_LEN);
        c->st = C_AUTH_WELCOME;
        return 0;
    case C_AUTH_WELCOME:
        if (n != sizeof WELCOME - 1 || memcmp(p, WELCOME, n) != 0) return -EACCES;
        c->st = C_READY;
        c->deadline_ns = 0;
        return 0;
    default: return -EPROTO;
    }
}

/* Runs the complete frames received, while replies do not pile up. */
static void conn_process(struct server *s, struct conn *c)
{
    size_t off = 0;
    while (c->fd >= 0 && !c->closing && c->out.len < OUT_HIGH && c->in.len - off >= MP__FRAME_HDR) {
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
        const uint8_t *p = c->in.data + off + MP__FRAME_HDR;
        int rc = ready ? mp__store_handle(s->store, p, n, &c->out) : auth_step(s, c, p, n);
        off += MP__FRAME_HDR + n;
        if (rc < 0) c->closing = true;
    }
    if (c->fd >= 0) mp__buf_consume(&c->in, off);
}

static void conn_read(struct conn *c)
{
    uint8_t *space = mp__buf_space(&c->in, 65536);
    if (!space) {
        conn_close(c);
        return;
    }
    ssize_t r = recv(c->fd, space, 65536, MSG_DONTWAIT);
    if (r > 0) c->in.len += (size_t)r;
    else if (r == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) conn_close(c);
}

static void conn_accept(struct server *s)
{
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return; /* EAGAIN, or a client that gave up: nothing to do */
        if (s->n == MAX_CONNS) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* fails harmlessly on Unix sockets */
        struct conn *c = &s->c[s->n];
        *c = (struct conn){.fd = fd, .st = C_READY};
        if (s->key) {
            if (mp__mgr_make_challenge(c->challenge) < 0) {
                close(fd);
                continue;
            }
            c->st = C_AUTH_DIGEST;
            c->deadline_ns = mp__now_ns() + (uint64_t)(HANDSHAKE_TIMEOUT * 1e9);
            mp__mgr_put_msg(&c->out, c->challenge, CHALLENGE_LEN);
        }
        s->n++;
        conn_flush(c);
    }
}

/* Drops closed connections, keeping the array dense for the next poll. */
static void compact(struct server *s)
{
    size_t k = 0;
    for (size_t j = 0; j < s->n; j++)
        if (s->c[j].fd >= 0) s->c[k++] = s->c[j];
    s->n = k;
}

static int poll_timeout_ms(const struct server *s)
{
    uint64_t now = mp__now_ns(), soonest = now + 1000000000ull; /* 1 s: check the parent */
    for (size_t k = 0; k < s->n; k++)
        if (s->c[k].deadline_ns && s->c[k].deadline_ns < soonest) soonest = s->c[k].deadline_ns;
    return soonest <= now ? 0 : (int)((soonest - now + 999999) / 1000000);
}

static void serve_loop(struct server *s)
{
    struct pollfd *pf = calloc(MAX_CONNS + 2, sizeof *pf);
    if (!pf) return;
    uint64_t parent_checked = mp__now_ns();
    for (;;) {
        pf[0] = (struct pollfd){.fd = s->n < MAX_CONNS ? s->lfd : -1, .events = POLLIN};
        pf[1] = (struct pollfd){.fd = s->sigfd, .events = POLLIN};
        for (size_t k = 0; k < s->n; k++) {
            struct conn *c = &s->c[k];
            short ev = c->out.len ? POLLOUT : 0;
            if (c->out.len < OUT_HIGH) ev |= POLLIN;
            pf[k + 2] = (struct pollfd){.fd = c->fd, .events = ev};
        }
        int r = poll(pf, s->n + 2, poll_timeout_ms(s));
        if (r < 0 && errno != EINTR) break;
        if (pf[1].revents) break;
        uint64_t now = mp__now_ns();
        /* PDEATHSIG is the main signal; this covers a parent that died
         * before prctl() and is cheap at once a second. */
        if (now - parent_checked > 1000000000ull) {
            if (getppid() != s->parent) break;
            parent_checked = now;
        }
        size_t n = s->n; /* connections accepted below are polled next pass */
        if (pf[0].revents & POLLIN) conn_accept(s);
        for (size_t k = 0; k < n; k++) {
            struct conn *c = &s->c[k];
            short re = r > 0 ? pf[k + 2].revents : 0;
            if (re & (POLLIN | POLLHUP | POLLERR)) conn_read(c);
            if (c->fd >= 0 && (re & POLLOUT)) conn_flush(c);
            if (c->fd >= 0) conn_process(s, c);
            if (c->fd >= 0) conn_flush(c);
            if (c->fd >= 0 && c->closing) conn_close(c); /* best effort: its last reply was sent above */
            if (c->fd >= 0 && c->deadline_ns && now > c->deadline_ns) conn_close(c);
        }
        compact(s);
    }
    free(pf);
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
    s.c = calloc(MAX_CONNS, sizeof *s.c);
    if (getppid() == parent && s.sigfd >= 0 && s.store && s.c) serve_loop(&s);
    mp__mgr_cleanup_path(path, dir);
    _exit(0);
}
