/*
 * manager.c — Manager(): a server process owns named dicts, lists and
 * values; clients reach it through proxies that send one request frame and
 * wait for one reply (wire format in frame.h). This file is the mp_manager
 * object: starting, listening, connecting, shutting down, and this
 * process's connection to the server (the other files: manager_private.h).
 *
 * Design notes:
 *  - The listening socket is made, bound and listening in the caller before
 *    the fork, so a client can connect the moment start() returns (the
 *    kernel queues it) and no "ready" handshake is needed.
 *  - The server (manager_server.c) is one poll() loop; it serves the store
 *    (manager_store.c) one request at a time, so every call is atomic.
 *  - A connection belongs to one process. A proxy used in a child forked
 *    after it was made sees getpid() differ from the pid that opened the
 *    socket, closes its copy (the parent keeps its own) and connects again:
 *    two processes writing into one socket would interleave frames.
 *  - Local managers listen on a Unix socket in a mkdtemp directory (0700,
 *    socket 0600): only this user can reach it, so there is no handshake.
 *    TCP managers run an HMAC-SHA256 challenge in both directions on every
 *    connection before serving it (Python 3.12's multiprocessing scheme).
 *  - The server stops on shutdown and when its parent dies (details in
 *    manager_server.c). PDEATHSIG follows the thread that forked: start the
 *    manager from a thread that lives as long as the manager is used (main).
 */
#include "manager_private.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int make_blocking(int fd)
{
    struct timeval tv = {.tv_sec = (time_t)CALL_TIMEOUT};
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
        return -errno;
    return 0;
}

/* One connection attempt (handshake included). fd | -errno
 * (The servers listen with the system's largest backlog, SOMAXCONN: under
 * a flood of connections a full backlog drops the next SYN, and a client
 * then waits a second or more for the kernel to send it again.) */
static int open_once(const struct sockaddr *sa, socklen_t salen, const uint8_t *key, size_t keylen)
{
    /* TCP connects without blocking, to bound the wait; a Unix connect is
     * local and, when blocking, simply waits for room in a full backlog
     * (non-blocking it would fail with EAGAIN). */
    bool unix_socket = sa->sa_family == AF_UNIX;
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | (unix_socket ? 0 : SOCK_NONBLOCK), 0);
    if (fd < 0) return -errno;
    int r = 0;
    int c;
    do c = connect(fd, sa, salen);
    while (c < 0 && errno == EINTR && unix_socket);
    if (c < 0 && errno == EISCONN) c = 0; /* an interrupted connect that went through */
    if (c < 0) {
        if (errno == EINPROGRESS || (errno == EINTR && !unix_socket)) {
            mp__deadline dl = mp__deadline_in(HANDSHAKE_TIMEOUT);
            int err = 0;
            socklen_t len = sizeof err;
            r = mp__mgr_wait_fd(fd, POLLOUT, &dl);
            if (r == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
            if (r == 0 && err) r = -err;
        } else {
            r = -errno;
        }
    }
    if (r == 0 && !unix_socket) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (r == 0 && key) r = mp__mgr_client_handshake(fd, key, keylen);
    if (r == 0) r = make_blocking(fd);
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

/* A new connection to the server at sa. A server with too many clients
 * says so (-EBUSY); it makes room by pushing out idle strangers, so trying
 * again soon usually gets in: retry with a growing, jittered pause for up
 * to HANDSHAKE_TIMEOUT in all. fd | -EBUSY | -errno */
static int open_conn(const struct sockaddr *sa, socklen_t salen, const uint8_t *key, size_t keylen)
{
    mp__deadline dl = mp__deadline_in(HANDSHAKE_TIMEOUT);
    unsigned seed = (unsigned)getpid() ^ (unsigned)mp__now_ns();
    long pause_us = 2000;
    for (;;) {
        int fd = open_once(sa, salen, key, keylen);
        if (fd != -EBUSY || mp__deadline_left(&dl) * 1e6 < (double)pause_us) return fd;
        struct timespec ts = {0, (pause_us / 2 + rand_r(&seed) % pause_us) * 1000};
        nanosleep(&ts, NULL);
        if (pause_us < 100000) pause_us *= 2;
    }
}

static void drop_conn(mp_manager *m, int err)
{
    if (m->fd >= 0) close(m->fd);
    m->fd = -1;
    m->broken = err;
    mp__buf_reset(&m->rx);
    m->rx_frame = 0;
}

/* This process's connection, opened on first use and again after a fork. */
static int ensure_conn(mp_manager *m)
{
    if (m->shut) return -ESHUTDOWN;
    pid_t me = getpid();
    if (m->fd_pid != me) {
        /* Forked: the socket is the parent's. Closing our copy leaves the
         * parent's connection open. */
        if (m->fd >= 0) close(m->fd);
        m->fd = -1;
        m->broken = 0;
        m->fd_pid = me;
        mp__buf_reset(&m->rx);
        m->rx_frame = 0;
    }
    if (m->fd >= 0) return 0;
    if (m->broken) return m->broken;
    int fd = open_conn((struct sockaddr *)&m->addr, m->addrlen, m->key, m->keylen);
    if (fd < 0) {
        m->broken = fd == -EBUSY ? 0 : fd; /* busy passes: the next call tries again */
        return fd;
    }
    m->fd = fd;
    return 0;
}

int mp__mgr_roundtrip(mp_manager *m, mp__dec *reply)
{
    MP__GATE(MP_GOP_MANAGER, 0, 0, 0);
    int r = mp__frame_end(&m->tx, (size_t)m->tx_at, MP__FRAME_MAX);
    if (r < 0) return r;
    if ((r = ensure_conn(m)) < 0) return r;
    mp__buf_consume(&m->rx, m->rx_frame);
    m->rx_frame = 0;
    mp__deadline dl = mp__deadline_in(CALL_TIMEOUT);
    uint32_t n;
    r = mp__mgr_write_all(m->fd, m->tx.data, m->tx.len, &dl);
    /* A local server with too many clients answers -EBUSY and closes, maybe
     * before our request is written: its answer still waits to be read. */
    bool cut = r == -EPIPE || r == -ECONNRESET;
    if (cut) {
        mp__deadline now = mp__deadline_in(0);
        if (mp__mgr_read_frame(m->fd, &m->rx, MP__FRAME_MAX, &n, &now) == 0) r = 0;
    } else if (r == 0) {
        /* A server on another CPU answers in a few us: spin for it rather
         * than sleep and pay the ~30 us wake-up (bench/README.md). */
        mp__spin_fd(m->fd, POLLIN, MP__SPIN_FD_NS, &m->spin);
        r = mp__mgr_read_frame(m->fd, &m->rx, MP__FRAME_MAX, &n, NULL);
    }
    if (r < 0) {
        /* A connection cut mid-exchange cannot be resynchronised. */
        if (r == -ECONNRESET || r == -EPIPE || r == -ETIMEDOUT || r == -EPROTO) drop_conn(m, r == -ETIMEDOUT ? -EPIPE : r);
        else drop_conn(m, -EPIPE);
        return r;
    }
    m->rx_frame = MP__FRAME_HDR + n;
    int64_t status;
    mp__dec_init(reply, m->rx.data + MP__FRAME_HDR, n);
    if (mp__dec_int(reply, &status) < 0 || status < INT_MIN || status > INT_MAX) {
        drop_conn(m, -EPROTO);
        return -EPROTO;
    }
    if (status == -EBUSY) drop_conn(m, 0); /* refused, and closed: the next call tries again */
    else if (cut) drop_conn(m, -EPIPE);
    return (int)status;
}

static mp_manager *manager_alloc(void)
{
    mp_manager *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->refs = 1;
    m->fd = -1;
    m->fd_pid = getpid();
    m->id = mp__obj_id();
    return m;
}

void mp__mgr_unref(mp_manager *m)
{
    if (--m->refs > 0) return;
    if (m->fd >= 0 && m->fd_pid == getpid()) close(m->fd);
    if (m->key) explicit_bzero(m->key, m->keylen);
    free(m->key);
    mp__buf_free(&m->tx);
    mp__buf_free(&m->rx);
    free(m);
}

/* Forks the server on a listening socket lfd. 0 | -errno; lfd is closed
 * in this process either way. */
static int fork_server(mp_manager *m, int lfd)
{
    pid_t parent = getpid();
    pid_t pid = mp__fork();
    if (pid == 0) mp__gate_detach(), mp__mgr_serve(lfd, parent, m->key, m->keylen, m->path, m->dir); /* answers within its callers' steps */
    close(lfd);
    if (pid < 0) return (int)pid;
    m->owner = parent;
    m->server = pid;
    return 0;
}

static const char *tmp_dir(void)
{
    const char *t = getenv("TMPDIR");
    /* The socket path must fit sockaddr_un (108 bytes) with our suffix. */
    return t && t[0] == '/' && strlen(t) < 60 ? t : "/tmp";
}

/* True when nobody listens on the socket at path (or it is gone). */
static bool socket_is_dead(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) return errno == ENOENT;
    if (!S_ISSOCK(st.st_mode)) return false; /* not ours to judge */
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    bool dead = connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0 && errno == ECONNREFUSED;
    close(fd);
    return dead;
}

/* A manager whose owner and server were killed together with SIGKILL (a
 * process group killed by the viewer, say) could not remove its directory.
 * Each start sweeps such leftovers: a forklab-mgr-* directory of this user,
 * untouched for 10 s (so never one being set up right now), whose socket
 * nobody listens on. */
static void sweep_stale(const char *tmp)
{
    DIR *dir = opendir(tmp);
    if (!dir) return;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(dir))) {
        char d[96], sock[108];
        struct stat st;
        if (strncmp(e->d_name, "forklab-mgr-", 12) != 0) continue;
        if (snprintf(d, sizeof d, "%s/%s", tmp, e->d_name) >= (int)sizeof d) continue;
        if (lstat(d, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() || now - st.st_mtime < 10) continue;
        snprintf(sock, sizeof sock, "%s/sock", d);
        if (!socket_is_dead(sock)) continue;
        unlink(sock);
        rmdir(d);
    }
    closedir(dir);
}

mp_manager *mp_manager_start(void)
{
    mp_manager *m = manager_alloc();
    if (!m) return NULL;
    sweep_stale(tmp_dir());
    int err = 0, lfd = -1;
    snprintf(m->dir, sizeof m->dir, "%s/forklab-mgr-XXXXXX", tmp_dir());
    if (!mkdtemp(m->dir)) { /* mode 0700 */
        err = errno;
        m->dir[0] = '\0';
        goto fail;
    }
    snprintf(m->path, sizeof m->path, "%s/sock", m->dir);
    struct sockaddr_un *sun = (struct sockaddr_un *)&m->addr;
    sun->sun_family = AF_UNIX;
    snprintf(sun->sun_path, sizeof sun->sun_path, "%s", m->path);
    m->addrlen = sizeof *sun;
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)sun, m->addrlen) < 0 || chmod(m->path, 0600) < 0 ||
        listen(lfd, SOMAXCONN) < 0) {
        err = errno;
        goto fail;
    }
    int r = fork_server(m, lfd);
    lfd = -1;
    if (r < 0) {
        err = -r;
        goto fail;
    }
    return m;
fail:
    if (lfd >= 0) close(lfd);
    mp__mgr_cleanup_path(m->path, m->dir);
    mp__mgr_unref(m);
    errno = err ? err : EIO;
    return NULL;
}

static int copy_key(mp_manager *m, const char *authkey)
{
    if (!authkey || !authkey[0]) return -EINVAL;
    int r = mp__mgr_crypto_load(); /* now, so that a missing libcrypto says so */
    if (r < 0) return r;
    m->keylen = strlen(authkey);
    m->key = malloc(m->keylen);
    if (!m->key) return -ENOMEM;
    memcpy(m->key, authkey, m->keylen);
    return 0;
}

static int resolve(const char *host, int port, bool passive, struct addrinfo **out)
{
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)};
    int r = getaddrinfo(host ? host : "127.0.0.1", ps, &hints, out);
    if (r == 0) return 0;
    return r == EAI_MEMORY ? -ENOMEM : r == EAI_SYSTEM ? -errno : -ENOENT;
}

/* Where clients of a listening manager connect: the bound address, with a
 * wildcard (0.0.0.0 / ::) replaced by loopback. */
static void set_connect_addr(mp_manager *m, int lfd)
{
    m->addrlen = sizeof m->addr;
    getsockname(lfd, (struct sockaddr *)&m->addr, &m->addrlen);
    if (m->addr.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&m->addr;
        m->port = ntohs(in->sin_port);
        if (in->sin_addr.s_addr == htonl(INADDR_ANY)) in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (m->addr.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&m->addr;
        m->port = ntohs(in6->sin6_port);
        if (!memcmp(&in6->sin6_addr, &in6addr_any, sizeof in6addr_any)) in6->sin6_addr = in6addr_loopback;
    }
}

mp_manager *mp_manager_listen(const char *host, int port, const char *authkey)
{
    if (port < 0 || port > 65535) {
        errno = EINVAL;
        return NULL;
    }
    mp_manager *m = manager_alloc();
    if (!m) return NULL;
    struct addrinfo *ai = NULL;
    int r = copy_key(m, authkey), lfd = -1;
    if (r == 0) r = resolve(host, port, true, &ai);
    for (struct addrinfo *a = ai; r == 0 && a; a = a->ai_next) {
        int one = 1;
        lfd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (lfd < 0) continue;
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(lfd, a->ai_addr, a->ai_addrlen) == 0 && listen(lfd, SOMAXCONN) == 0) break;
        r = -errno;
        close(lfd);
        lfd = -1;
        if (a->ai_next) r = 0;
    }
    if (ai) freeaddrinfo(ai);
    if (r == 0 && lfd < 0) r = -EADDRNOTAVAIL;
    if (r == 0) {
        set_connect_addr(m, lfd);
        r = fork_server(m, lfd);
    }
    if (r < 0) {
        mp__mgr_unref(m);
        errno = -r;
        return NULL;
    }
    return m;
}

mp_manager *mp_manager_connect(const char *host, int port, const char *authkey)
{
    if (port <= 0 || port > 65535) {
        errno = EINVAL;
        return NULL;
    }
    mp_manager *m = manager_alloc();
    if (!m) return NULL;
    struct addrinfo *ai = NULL;
    int r = copy_key(m, authkey);
    if (r == 0) r = resolve(host, port, false, &ai);
    int fd = r;
    for (struct addrinfo *a = ai; r == 0 && a; a = a->ai_next) {
        fd = open_conn(a->ai_addr, a->ai_addrlen, m->key, m->keylen);
        if (fd >= 0 || fd == -EACCES || !a->ai_next) {
            if (fd >= 0) {
                memcpy(&m->addr, a->ai_addr, a->ai_addrlen);
                m->addrlen = a->ai_addrlen;
            }
            break;
        }
    }
    if (ai) freeaddrinfo(ai);
    if (fd < 0) {
        mp__mgr_unref(m);
        errno = -fd;
        return NULL;
    }
    m->fd = fd;
    m->port = port;
    return m;
}

int mp_manager_port(const mp_manager *m)
{
    return m ? m->port : -EINVAL;
}

pid_t mp_manager_pid(const mp_manager *m)
{
    return m ? m->server : 0;
}

const char *mp_manager_socket_path(const mp_manager *m)
{
    return m && m->path[0] ? m->path : NULL;
}

static int exit_code(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? -WTERMSIG(status) : MP_EXIT_NONE;
}

/* SIGTERM, up to 2 s to exit cleanly, then SIGKILL; always reaped. Its
 * exit code (n or -signal), MP_EXIT_NONE when someone else reaped it. */
static int stop_server(pid_t pid)
{
    int status;
    pid_t r;
    kill(pid, SIGTERM); /* ESRCH: it died already and waits as a zombie */
    for (int k = 0; k < 2000; k++) {
        r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return exit_code(status);
        if (r < 0 && errno != EINTR) return MP_EXIT_NONE;
        usleep(k < 50 ? 100 : 1000);
    }
    kill(pid, SIGKILL);
    do r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);
    return r == pid ? exit_code(status) : MP_EXIT_NONE;
}

void mp_manager_shutdown(mp_manager *m)
{
    if (!m || m->shut) return;
    m->shut = true;
    if (m->fd >= 0 && m->fd_pid == getpid()) close(m->fd);
    m->fd = -1;
    /* Only the process that started the server stops it; a forked child's
     * shutdown just disconnects. */
    if (m->server > 0 && m->owner == getpid()) {
        int code = stop_server(m->server);
        MP__TRACE(MP_EV_PROC_EXIT, 0, m->server, code, "SyncManager");
        mp__mgr_cleanup_path(m->path, m->dir);
    }
    mp__mgr_unref(m);
}
