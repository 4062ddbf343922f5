/* test_manager_storm.c — the manager under attack and under kills: a flood
 * of idle strangers (no key) from the client's own address and from another
 * one, half frames from key holders (the server's memory stays bounded and
 * each stalled connection is closed), and clients SIGKILLed mid-call at
 * random (the server keeps serving, loses nothing it acknowledged, and
 * holds no connection of a dead client).
 *
 * Children made with fork() here never call cr_* and end with _exit(); the
 * figures each test measures go to stderr (in the suite's log). */
#include "testutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mp.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <dirent.h>
#include <unistd.h>

#define KEY "storm-key-81d3"

/* ------------------------------------------------------------- helpers */

static mp_manager *listen_tcp(void)
{
    mp_manager *m = mp_manager_listen("127.0.0.1", 0, KEY);
    cr_assert_not_null(m, "listen: %s", strerror(errno));
    return m;
}

/* A field of /proc/PID/status in kB (VmRSS, VmHWM), or -1. */
static long proc_status_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kb = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') kb = strtol(line + n + 1, NULL, 10);
    fclose(f);
    return kb;
}

/* Open descriptors of a process. */
static int proc_fd_count(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* A non-blocking TCP connection to 127.0.0.1:port from source address src
 * (NULL: any), started but maybe not finished. fd | -1 */
static int connect_from(const char *src, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    if (src) {
        struct sockaddr_in b = {.sin_family = AF_INET};
        inet_pton(AF_INET, src, &b.sin_addr);
        if (bind(fd, (struct sockaddr *)&b, sizeof b) < 0) {
            close(fd);
            return -1;
        }
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Child-safe frame I/O (no cr_*). Reads exactly n bytes by the deadline. */
static int recv_exact(int fd, uint8_t *buf, size_t n, double until)
{
    size_t have = 0;
    while (have < n) {
        if (tu_now() > until) return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        ssize_t r = recv(fd, buf + have, n - have, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return -1;
        if (r > 0) have += (size_t)r;
    }
    return 0;
}

/* One frame's payload into buf: its length, or -1. */
static ssize_t get_frame(int fd, uint8_t *buf, size_t cap, double secs)
{
    double until = tu_now() + secs;
    uint8_t h[4];
    if (recv_exact(fd, h, 4, until) < 0) return -1;
    size_t n = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    if (n > cap || recv_exact(fd, buf, n, until) < 0) return -1;
    return (ssize_t)n;
}

static int put_frame(int fd, const void *p, uint32_t n)
{
    uint8_t hdr[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    if (send(fd, hdr, 4, MSG_NOSIGNAL) != 4) return -1;
    return n && send(fd, p, n, MSG_NOSIGNAL) != (ssize_t)n ? -1 : 0;
}

static void hmac_of(const uint8_t *msg, size_t n, uint8_t out[32])
{
    unsigned len = 32;
    HMAC(EVP_sha256(), KEY, (int)strlen(KEY), msg, n, out, &len);
}

/* The client's half of the handshake on a connected blocking fd, waiting
 * `think` seconds before answering the challenge. 0 | -1 (and *busy when
 * the server said "too many clients"). */
static int handshake_raw(int fd, double think, bool *busy)
{
    uint8_t buf[256], dig[32];
    *busy = false;
    ssize_t n = get_frame(fd, buf, sizeof buf, 5);
    if (n == 6 && memcmp(buf, "#BUSY#", 6) == 0) *busy = true;
    if (n <= 11 || memcmp(buf, "#CHALLENGE#", 11) != 0) return -1;
    if (think > 0) usleep((useconds_t)(think * 1e6));
    hmac_of(buf, (size_t)n, dig);
    if (put_frame(fd, dig, 32) < 0) return -1;
    n = get_frame(fd, buf, sizeof buf, 5);
    if (n == 6 && memcmp(buf, "#BUSY#", 6) == 0) *busy = true;
    if (n != 9 || memcmp(buf, "#WELCOME#", 9) != 0) return -1;
    uint8_t mine[11 + 32] = "#CHALLENGE#";
    for (int k = 0; k < 32; k++) mine[11 + k] = (uint8_t)rand();
    if (put_frame(fd, mine, sizeof mine) < 0) return -1;
    n = get_frame(fd, buf, sizeof buf, 5);
    hmac_of(mine, sizeof mine, dig);
    if (n != 32 || memcmp(buf, dig, 32) != 0) return -1;
    return put_frame(fd, "#WELCOME#", 9);
}

/* A blocking connection from src that went through the handshake. fd | -1 */
static int auth_conn(const char *src, int port, double think, bool *busy)
{
    int fd = connect_from(src, port);
    if (fd < 0) return -1;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&p, 1, 5000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err ||
        fcntl(fd, F_SETFL, 0) < 0 || handshake_raw(fd, think, busy) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* True when the server closed fd within secs (what it sends is dropped). */
static bool closed_within(int fd, double secs)
{
    double until = tu_now() + secs;
    char tmp[4096];
    while (tu_now() < until) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        ssize_t r = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return true;
    }
    return false;
}

/* One correct client's visit: connect with the key, set and read back a
 * value, leave. 0 | -errno (of the step that failed). */
static int good_visit(int port, int64_t v)
{
    mp_manager *c = mp_manager_connect("127.0.0.1", port, KEY);
    if (!c) return -errno;
    mp_dict *d = mp_manager_dict(c, "visits");
    int rc = d ? 0 : -errno;
    int64_t got = -1;
    if (rc == 0) rc = mp_dict_set_int(d, "last", v);
    if (rc == 0) rc = mp_dict_get_int(d, "last", &got);
    if (rc == 0 && got != v) rc = -EPROTO;
    mp_dict_free(d);
    mp_manager_shutdown(c);
    return rc;
}

/* ----------------------------------------------------- strangers' flood */

enum { FLOOD_CONNS = 600 };
#define FLOOD_SECS 6.0

/* The attacker (a forked child): FLOOD_CONNS connections from src that
 * never send a byte, each reopened as soon as the server closes it, for
 * FLOOD_SECS. Writes one byte to `ready` once all are open, then at the
 * end the number of connections the server closed. */
static void flood(const char *src, int port, int ready)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < FLOOD_CONNS + 64) {
        rl.rlim_cur = rl.rlim_max < 2048 ? rl.rlim_max : 2048;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    static struct pollfd p[FLOOD_CONNS];
    long closed = 0;
    for (int k = 0; k < FLOOD_CONNS; k++) p[k] = (struct pollfd){.fd = connect_from(src, port), .events = POLLIN};
    (void)!write(ready, "r", 1);
    double end = tu_now() + FLOOD_SECS;
    char tmp[512];
    while (tu_now() < end) {
        if (poll(p, FLOOD_CONNS, 20) <= 0) continue;
        for (int k = 0; k < FLOOD_CONNS; k++) {
            if (p[k].fd >= 0 && !p[k].revents) continue;
            ssize_t r = p[k].fd >= 0 ? recv(p[k].fd, tmp, sizeof tmp, MSG_DONTWAIT) : 0;
            if (r > 0 || (r < 0 && (errno == EAGAIN || errno == EINTR))) continue; /* its challenge: ignored */
            if (p[k].fd >= 0) {
                close(p[k].fd);
                closed++;
            }
            p[k].fd = connect_from(src, port);
        }
    }
    (void)!write(ready, &closed, sizeof closed);
    _exit(0);
}

static pid_t start_flood(const char *src, int port, int *report)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max < FLOOD_CONNS + 64) cr_skip_test("RLIMIT_NOFILE hard limit %ld is too low for %d connections", (long)rl.rlim_max, FLOOD_CONNS);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        flood(src, port, fds[1]);
    }
    close(fds[1]);
    char r;
    cr_assert_eq(read(fds[0], &r, 1), 1, "the flood did not start");
    usleep(300000); /* let the server take in the first wave */
    *report = fds[0];
    return pid;
}

/* The number of connections the server closed on the attacker. */
static long end_flood(pid_t pid, int report)
{
    long closed = -1;
    cr_assert_eq(read(report, &closed, sizeof closed), (ssize_t)sizeof closed, "no report from the flood");
    close(report);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return closed;
}

/* The issue's attack: 600 idle connections without the key from the
 * client's own address (127.0.0.1), reopened as soon as they are closed.
 * A correct client connecting again and again meanwhile gets in every
 * time: the server pushes the oldest idle strangers out to make room, and
 * the client answers its challenge at once. */
Test(manager_storm, strangers_from_the_same_address, .timeout = 60)
{
    mp_manager *srv = listen_tcp();
    int port = mp_manager_port(srv), report;
    pid_t server = mp_manager_pid(srv);
    cr_assert_eq(good_visit(port, 0), 0); /* the server is up: its own descriptors are open */
    int fds0 = proc_fd_count(server), fds_max = fds0;
    pid_t attacker = start_flood(NULL, port, &report);
    int visits = 0, failed = 0, first_error = 0;
    double t0 = tu_now();
    while (tu_now() - t0 < FLOOD_SECS - 2) {
        int rc = good_visit(port, visits);
        visits++;
        if (rc < 0 && !failed++) first_error = rc;
        int fds = proc_fd_count(server);
        if (fds > fds_max) fds_max = fds;
    }
    long closed = end_flood(attacker, report);
    fprintf(stderr, "same address: %d visits, %d failed; the server closed %ld idle strangers and held at most %d connections\n",
            visits, failed, closed, fds_max - fds0);
    cr_assert_eq(failed, 0, "%d of %d visits failed, first with %s", failed, visits, mp_strerror(first_error));
    cr_assert_gt(visits, 0);
    cr_assert_gt(closed, 0, "the flood never filled the server's room for strangers");
    /* One address's strangers (128), the visiting client, and a stranger
     * just accepted whose elder is being closed. */
    cr_assert_leq(fds_max - fds0, 128 + 2, "the server held %d connections", fds_max - fds0);
    cr_assert_eq(good_visit(port, 1), 0, "after the flood");
    mp_manager_shutdown(srv);
    tu_assert_no_children();
}

/* The same flood from another address (127.0.0.2): it only pushes out its
 * own connections. A client of 127.0.0.1 that takes a whole second to
 * answer its challenge is still welcomed, and correct clients get in. */
Test(manager_storm, strangers_from_another_address, .timeout = 60)
{
    int probe = connect_from("127.0.0.2", 9);
    if (probe < 0) cr_skip_test("cannot use 127.0.0.2 as a source address here");
    close(probe);
    mp_manager *srv = listen_tcp();
    int port = mp_manager_port(srv), report;
    pid_t attacker = start_flood("127.0.0.2", port, &report);
    bool busy;
    int slow = auth_conn("127.0.0.1", port, 1.0, &busy);
    int visits = 0, failed = 0, first_error = 0;
    double t0 = tu_now();
    while (tu_now() - t0 < FLOOD_SECS - 3) {
        int rc = good_visit(port, visits);
        visits++;
        if (rc < 0 && !failed++) first_error = rc;
    }
    long closed = end_flood(attacker, report);
    fprintf(stderr, "other address: %d visits, %d failed; the server closed %ld idle strangers\n", visits, failed, closed);
    cr_assert_geq(slow, 0, "a slow client was refused (busy: %d)", busy);
    close(slow);
    cr_assert_eq(failed, 0, "%d of %d visits failed, first with %s", failed, visits, mp_strerror(first_error));
    cr_assert_gt(closed, 0, "the flood never filled its address's room");
    mp_manager_shutdown(srv);
    tu_assert_no_children();
}

/* A room of 200 key holders joins during the same-address flood, stays
 * connected, and every one of them is served in each of three rounds. */
Test(manager_storm, a_room_of_200_during_a_flood, .timeout = 60)
{
    enum { ROOM = 200 };
    mp_manager *srv = listen_tcp();
    int port = mp_manager_port(srv), report;
    pid_t attacker = start_flood(NULL, port, &report);
    static mp_manager *student[ROOM];
    static mp_dict *d[ROOM];
    int joined = 0, first_error = 0, served = 0;
    for (int k = 0; k < ROOM; k++) {
        student[k] = mp_manager_connect("127.0.0.1", port, KEY);
        d[k] = student[k] ? mp_manager_dict(student[k], "room") : NULL;
        if (d[k]) joined++;
        else if (!first_error) first_error = errno;
    }
    char key[16];
    for (int round = 0; round < 3; round++) {
        for (int k = 0; k < ROOM; k++) {
            snprintf(key, sizeof key, "s%d", k);
            int64_t v = -1;
            if (d[k] && mp_dict_set_int(d[k], key, round) == 0 && mp_dict_get_int(d[k], key, &v) == 0 && v == round)
                served++;
        }
    }
    long closed = end_flood(attacker, report);
    fprintf(stderr, "room: %d of %d joined during the flood, %d of %d calls served; %ld strangers pushed out\n",
            joined, ROOM, served, 3 * ROOM, closed);
    cr_assert_eq(joined, ROOM, "%d of %d students could not join (first: %s)", ROOM - joined, ROOM, strerror(first_error));
    cr_assert_eq(served, 3 * ROOM);
    cr_assert_eq(mp_dict_len(d[0]), ROOM);
    for (int k = 0; k < ROOM; k++) {
        mp_dict_free(d[k]);
        mp_manager_shutdown(student[k]);
    }
    mp_manager_shutdown(srv);
    tu_assert_no_children();
}

/* Strangers that connect and say nothing are closed by the handshake
 * deadline (2 s), with nobody else connecting. */
Test(manager_storm, idle_strangers_time_out, .timeout = 30)
{
    mp_manager *srv = listen_tcp();
    int port = mp_manager_port(srv);
    int fd[8];
    for (int k = 0; k < 8; k++) cr_assert_geq(fd[k] = connect_from(NULL, port), 0);
    for (int k = 0; k < 8; k++) {
        cr_assert(closed_within(fd[k], 10), "idle stranger %d never closed", k);
        close(fd[k]);
    }
    cr_assert_eq(good_visit(port, 7), 0);
    mp_manager_shutdown(srv);
    tu_assert_no_children();
}

/* ------------------------------------------------- key holders' half frames */

enum { HALF_CONNS = 16 };
#define HALF_FRAME (16u << 20) /* the largest frame the server accepts */
#define HALF_SENT (15u << 20)  /* sent of it before stalling */

/* A key holder that sends HALF_SENT bytes of a HALF_FRAME request, then
 * stalls. Exit 0: the server closed the connection; 1: it did not within
 * 60 s; 2: no connection. */
static void half_sender(int port)
{
    bool busy;
    int fd = auth_conn(NULL, port, 0, &busy);
    if (fd < 0) _exit(2);
    struct timeval tv = {.tv_sec = 60};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    uint8_t hdr[4] = {(uint8_t)(HALF_FRAME >> 24), (uint8_t)(HALF_FRAME >> 16), 0, 0};
    static uint8_t chunk[1 << 16];
    memset(chunk, 'x', sizeof chunk);
    size_t sent = send(fd, hdr, 4, MSG_NOSIGNAL) == 4 ? 0 : HALF_SENT;
    while (sent < HALF_SENT) { /* blocks while the server does not read; fails once it closes */
        ssize_t w = send(fd, chunk, sizeof chunk, MSG_NOSIGNAL);
        if (w <= 0) break;
        sent += (size_t)w;
    }
    _exit(closed_within(fd, 60) ? 0 : 1);
}

/* Sixteen key holders each send 15 MiB of a 16 MiB request and stall (the
 * old server held all of it: 16 x 16 MiB). The server holds at most 64 MiB
 * of big frames at once and closes each stalled one (no byte for 2 s), so
 * its memory stays bounded, every stalled connection ends, and a correct
 * client is served throughout. */
Test(manager_storm, half_frames_stay_bounded, .timeout = 120)
{
    mp_manager *srv = listen_tcp();
    int port = mp_manager_port(srv);
    pid_t server = mp_manager_pid(srv);
    cr_assert_eq(good_visit(port, 0), 0);
    long rss0 = proc_status_kb(server, "VmRSS"), peak = rss0;
    pid_t kid[HALF_CONNS];
    fflush(NULL);
    for (int k = 0; k < HALF_CONNS; k++) {
        kid[k] = fork();
        cr_assert_geq(kid[k], 0);
        if (kid[k] == 0) half_sender(port);
    }
    int left = HALF_CONNS, visits = 0, failed = 0, code[HALF_CONNS];
    double t0 = tu_now();
    while (left > 0 && tu_now() - t0 < 90) {
        long rss = proc_status_kb(server, "VmRSS");
        if (rss > peak) peak = rss;
        if (good_visit(port, visits++) < 0) failed++;
        for (int k = 0; k < HALF_CONNS; k++) {
            int st;
            if (kid[k] > 0 && waitpid(kid[k], &st, WNOHANG) == kid[k]) {
                code[k] = WIFEXITED(st) ? WEXITSTATUS(st) : 100;
                kid[k] = 0;
                left--;
            }
        }
        usleep(20000);
    }
    double secs = tu_now() - t0;
    for (int k = 0; k < HALF_CONNS; k++) { /* only after a failure: the loop reaped them all */
        if (kid[k] > 0) {
            kill(kid[k], SIGKILL);
            waitpid(kid[k], NULL, 0);
            code[k] = 101;
        }
    }
    long hwm = proc_status_kb(server, "VmHWM");
    fprintf(stderr, "half frames: server RSS %ld kB before, peak %ld kB sampled (VmHWM %ld kB), all %d closed in %.1f s; %d visits, %d failed\n",
            rss0, peak, hwm, HALF_CONNS, secs, visits, failed);
    for (int k = 0; k < HALF_CONNS; k++)
        cr_assert_eq(code[k], 0, "half sender %d: %s", k, code[k] == 1 ? "never closed" : code[k] == 2 ? "no connection" : "killed");
    cr_assert_eq(failed, 0, "%d of %d visits failed during the half frames", failed, visits);
    /* 64 MiB of frames in flight plus slack; 16 held half frames would be
     * 240 MiB. Not under AddressSanitizer, whose allocator keeps freed
     * memory in quarantine (256 MiB) instead of giving it back. */
#ifndef __SANITIZE_ADDRESS__
    cr_assert_lt(hwm - rss0, 100 * 1024, "server grew by %ld kB", hwm - rss0);
#endif
    mp_manager_shutdown(srv);
    tu_assert_no_children();
}

/* A key holder's small half frame (no byte for 2 s) is closed; so is one
 * that is garbage or claims 4 GiB; the other clients go on. */
Test(manager_storm, stalled_small_frame_closed, .timeout = 30)
{
    mp_manager *srv = listen_tcp();
    int port = mp_manager_port(srv);
    bool busy;
    int fd = auth_conn(NULL, port, 0, &busy);
    cr_assert_geq(fd, 0);
    static const uint8_t half[] = {0, 0, 0, 100, 'i', 0, 0};
    cr_assert_eq(send(fd, half, sizeof half, MSG_NOSIGNAL), (ssize_t)sizeof half);
    double t0 = tu_now();
    cr_assert(closed_within(fd, 10), "a stalled half frame was never closed");
    fprintf(stderr, "small half frame closed after %.2f s\n", tu_now() - t0);
    close(fd);
    cr_assert_eq(good_visit(port, 3), 0);
    mp_manager_shutdown(srv);
    tu_assert_no_children();
}

/* A key holder that asks for big replies and never reads them: the server
 * stops serving it once 1 MiB waits (its requests stay unread in the
 * kernel), closes it when it has taken nothing for 10 s, and serves the
 * others throughout. */
Test(manager_storm, unread_replies_bounded, .timeout = 60)
{
    mp_manager *srv = listen_tcp();
    int port = mp_manager_port(srv);
    pid_t server = mp_manager_pid(srv);
    mp_dict *d = mp_manager_dict(srv, "big");
    cr_assert_not_null(d);
    static uint8_t blob[4 << 20];
    memset(blob, 'b', sizeof blob);
    cr_assert_eq(mp_dict_set_bytes(d, "blob", blob, sizeof blob), 0);
    long rss0 = proc_status_kb(server, "VmRSS");
    bool busy;
    int fd = auth_conn(NULL, port, 0, &busy);
    cr_assert_geq(fd, 0);
    /* get big['blob'], 64 times (256 MiB of replies) */
    uint8_t req[64];
    size_t n = 0;
    req[n++] = 'i';
    for (int k = 0; k < 8; k++) req[n++] = k == 7 ? 12 : 0; /* OP_DICT_GET */
    const char *parts[] = {"big", "blob"};
    for (int p = 0; p < 2; p++) {
        uint32_t len = (uint32_t)strlen(parts[p]);
        req[n++] = 's';
        req[n++] = 0; req[n++] = 0; req[n++] = 0; req[n++] = (uint8_t)len;
        memcpy(req + n, parts[p], len);
        n += len;
    }
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int sent = 0;
    for (int k = 0; k < 64 && put_frame(fd, req, (uint32_t)n) == 0; k++) sent++;
    double t0 = tu_now();
    long peak = rss0;
    int visits = 0, failed = 0;
    bool closed = false;
    while (!closed && tu_now() - t0 < 40) {
        long rss = proc_status_kb(server, "VmRSS");
        if (rss > peak) peak = rss;
        if (good_visit(port, visits++) < 0) failed++;
        /* Peek without reading: a close shows as POLLHUP/ POLLRDHUP or an error. */
        struct pollfd p = {.fd = fd, .events = POLLRDHUP};
        closed = poll(&p, 1, 100) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
    }
    fprintf(stderr, "unread replies: %d requests of 4 MiB sent, server RSS %ld kB -> peak %ld kB, closed after %.1f s; %d visits, %d failed\n",
            sent, rss0, peak, tu_now() - t0, visits, failed);
    close(fd);
    cr_assert(closed, "a client that never reads was never closed");
    cr_assert_eq(failed, 0);
#ifndef __SANITIZE_ADDRESS__
    /* One reply past the 1 MiB mark (4 MiB) plus the store's copy: not 256 MiB. */
    cr_assert_lt(peak - rss0, 48 * 1024, "server grew by %ld kB", peak - rss0);
#endif
    mp_dict_free(d);
    mp_manager_shutdown(srv);
    tu_assert_no_children();
}

/* ------------------------------------------------------------ kill storm */

enum { STORM_CLIENTS = 4, STORM_SLOTS = 4096 };
#define STORM_SECS 4.0

struct storm {
    mp_dict *d;          /* made before the clients fork: each reconnects */
    mp_list *l;
    mp_array *acked;     /* int64 per client: adds the server acknowledged */
    size_t slot;
};

/* A client: atomic adds (counted once acknowledged), sets and gets of its
 * own key, list appends, forever (it is killed). */
static int storm_client(void *arg)
{
    struct storm *s = arg;
    int64_t *acked = (int64_t *)mp_array_data(s->acked) + s->slot;
    char key[32];
    snprintf(key, sizeof key, "client-%zu", s->slot);
    for (int64_t k = 0;; k++) {
        if (mp_dict_add_int(s->d, "n", 1, NULL) == 0) __atomic_store_n(acked, *acked + 1, __ATOMIC_RELEASE);
        else return 3;
        int64_t v = -1;
        if (mp_dict_set_int(s->d, key, k) < 0 || mp_dict_get_int(s->d, key, &v) < 0 || v != k) return 4;
        if (k % 8 == 0 && mp_list_append_int(s->l, k) < 0) return 5;
        if (k % 64 == 63) mp_dict_del(s->d, key);
    }
}

/* Clients SIGKILLed at random moments (mid-call, mid-handshake on TCP)
 * and replaced, for STORM_SECS. Then: the server still serves; the count
 * lies between what was acknowledged and that plus one per kill (a killed
 * client's last add may or may not have reached the server: nothing else
 * can be lost); no client exited on its own (every call it made worked);
 * the server holds no connection of a dead client (its descriptors are
 * back to what they were) and nothing is left after shutdown. */
static void kill_storm(mp_manager *m, const char *what)
{
    unsigned seed = tu_seed();
    srand(seed);
    pid_t server = mp_manager_pid(m);
    struct storm s = {.d = mp_manager_dict(m, "storm"), .l = mp_manager_list(m, "storm")};
    s.acked = mp_array_new('q', STORM_SLOTS);
    cr_assert(s.d && s.l && s.acked);
    cr_assert_eq(mp_dict_set_int(s.d, "n", 0), 0);
    int fds0 = proc_fd_count(server);
    mp_process *p[STORM_CLIENTS];
    size_t next = 0;
    for (int k = 0; k < STORM_CLIENTS; k++) {
        s.slot = next++;
        cr_assert_not_null(p[k] = mp_process_new(storm_client, &s));
        cr_assert_eq(mp_process_start(p[k]), 0);
    }
    int kills = 0, early = 0, early_code = 0;
    double t0 = tu_now();
    while (tu_now() - t0 < STORM_SECS && next < STORM_SLOTS) {
        usleep((useconds_t)(2000 + rand() % 20000));
        int k = rand() % STORM_CLIENTS;
        if (mp_process_is_alive(p[k])) {
            mp_process_kill(p[k]);
            kills++;
        }
        cr_assert_eq(mp_process_join(p[k], 10.0), 0, "a killed client was not reaped");
        int code = mp_process_exitcode(p[k]);
        if (code != -SIGKILL && !early++) early_code = code;
        mp_process_free(p[k]);
        s.slot = next++;
        cr_assert_not_null(p[k] = mp_process_new(storm_client, &s));
        cr_assert_eq(mp_process_start(p[k]), 0);
    }
    for (int k = 0; k < STORM_CLIENTS; k++) {
        if (mp_process_is_alive(p[k])) {
            mp_process_kill(p[k]);
            kills++;
        }
        cr_assert_eq(mp_process_join(p[k], 10.0), 0);
        int code = mp_process_exitcode(p[k]);
        if (code != -SIGKILL && !early++) early_code = code;
        mp_process_free(p[k]);
    }
    int64_t n = -1, acked = 0;
    for (size_t k = 0; k < next; k++) acked += ((int64_t *)mp_array_data(s.acked))[k];
    cr_assert_eq(mp_dict_get_int(s.d, "n", &n), 0, "the server stopped serving");
    /* The server notices each dead client's connection closing. */
    int fds = -1;
    for (double t = tu_now(); tu_now() - t < 10; usleep(20000))
        if ((fds = proc_fd_count(server)) <= fds0) break;
    fprintf(stderr, "%s kill storm: %d kills, %zu clients, %lld adds acknowledged, count %lld; server fds %d -> %d\n",
            what, kills, next, (long long)acked, (long long)n, fds0, fds);
    cr_assert_eq(early, 0, "%d clients stopped on their own (first: exit %d)", early, early_code);
    cr_assert_gt(kills, 10, "too few kills to call it a storm");
    cr_assert_geq(n, acked, "acknowledged adds were lost (seed %u)", seed);
    cr_assert_leq(n, acked + kills, "more adds than were made (seed %u)", seed);
    cr_assert_leq(fds, fds0, "the server still holds %d connections of dead clients", fds - fds0);
    cr_assert_gt(mp_list_len(s.l), 0);
    cr_assert_geq(mp_dict_len(s.d), 1);
    mp_array_free(s.acked);
    mp_list_free(s.l);
    mp_dict_free(s.d);
}

Test(manager_storm, kill_storm_unix, .timeout = 60)
{
    mp_manager *m = mp_manager_start();
    cr_assert_not_null(m);
    char path[128];
    snprintf(path, sizeof path, "%s", mp_manager_socket_path(m));
    kill_storm(m, "unix");
    mp_manager_shutdown(m);
    struct stat st;
    cr_assert_neq(lstat(path, &st), 0, "socket left behind");
    tu_assert_no_children();
}

Test(manager_storm, kill_storm_tcp, .timeout = 60)
{
    mp_manager *m = listen_tcp();
    kill_storm(m, "tcp");
    mp_manager_shutdown(m);
    tu_assert_no_children();
}

/* ------------------------------------------------------------ full server */

static int run_child_code(mp_target f, void *arg)
{
    mp_process *p = mp_process_new(f, arg);
    cr_assert_not_null(p);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_eq(mp_process_join(p, 30.0), 0);
    int code = mp_process_exitcode(p);
    mp_process_free(p);
    return code;
}

/* Exit 0 when the call is refused with -EBUSY and a second one too (the
 * refusal is not sticky: each call tries again). */
static int busy_then_ok(void *arg)
{
    int a = mp_dict_set_int(arg, "x", 1), b = mp_dict_set_int(arg, "x", 1);
    return a == -EBUSY && b == -EBUSY ? 0 : 1;
}

/* Exit 0 when a call succeeds within 10 s. */
static int ok_after_busy(void *arg)
{
    for (double t = tu_now(); tu_now() - t < 10; usleep(20000))
        if (mp_dict_set_int(arg, "x", 2) == 0) return 0;
    return 1;
}

/* A local server whose every slot is taken answers a new client "too many
 * clients" (-EBUSY, nothing else breaks), and serves it once a slot frees:
 * the refusal is not remembered as a broken connection. */
Test(manager_storm, full_server_says_busy, .timeout = 60)
{
    enum { EXTRA = 60, SLOTS = 1024 };
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < SLOTS + EXTRA + 64) {
        rl.rlim_cur = rl.rlim_max < SLOTS + EXTRA + 64 ? rl.rlim_max : SLOTS + EXTRA + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < SLOTS + EXTRA + 64) cr_skip_test("RLIMIT_NOFILE too low for %d connections", SLOTS + EXTRA);
    mp_manager *m = mp_manager_start();
    cr_assert_not_null(m);
    pid_t server = mp_manager_pid(m);
    mp_dict *d = mp_manager_dict(m, "d"); /* this process's connection: one slot */
    cr_assert_not_null(d);
    int fds0 = proc_fd_count(server) - 1;
    static int fd[SLOTS + EXTRA];
    for (int k = 0; k < SLOTS + EXTRA; k++) {
        fd[k] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        snprintf(a.sun_path, sizeof a.sun_path, "%s", mp_manager_socket_path(m));
        cr_assert_eq(connect(fd[k], (struct sockaddr *)&a, sizeof a), 0, "connection %d", k);
    }
    /* The server takes SLOTS of them and refuses the rest. */
    int fds = 0;
    for (double t = tu_now(); tu_now() - t < 20; usleep(20000))
        if ((fds = proc_fd_count(server)) >= fds0 + SLOTS) break;
    usleep(200000);
    fds = proc_fd_count(server);
    cr_assert_eq(fds - fds0, SLOTS, "the server holds %d connections", fds - fds0);
    /* A child's first call opens its own connection: refused. */
    cr_assert_eq(run_child_code(busy_then_ok, d), 0, "a client got in past a full server, or not with -EBUSY");
    fprintf(stderr, "full server: %d connections held; the next client: %s\n", fds - fds0, mp_strerror(-EBUSY));
    /* This process's connection is still served. */
    cr_assert_eq(mp_dict_set_int(d, "ok", 1), 0);
    for (int k = 0; k < SLOTS + EXTRA; k++) close(fd[k]);
    cr_assert_eq(run_child_code(ok_after_busy, d), 0, "no slot after the others left");
    mp_dict_free(d);
    mp_manager_shutdown(m);
    tu_assert_no_children();
}
