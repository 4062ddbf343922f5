/* class_server.c — `forklab class serve`: the instructor's board server.
 *
 * One poll() loop. Each connection first passes the manager's HMAC
 * handshake (the server challenges, the client answers and challenges
 * back), then sends requests (class.h). A connection is closed, alone,
 * when it sends a malformed frame, a frame over its limit (the length is
 * checked before anything is read into memory), fails the handshake, or
 * stalls: a handshake must finish in HANDSHAKE_TIMEOUT, a begun frame must
 * arrive in FRAME_TIMEOUT, and an idle connection goes after IDLE_TIMEOUT. */
#include "class.h"
#include "class_board.h"
#include "class_follow.h"

#include "manager_private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 512
#define OUT_MAX (64u << 10) /* reply bytes a client may leave unread */
#define FRAME_TIMEOUT 5.0  /* seconds from a frame's first byte to its last */
#define IDLE_TIMEOUT 120.0 /* seconds a connection may say nothing */
#define PRINT_EVERY 0.2    /* seconds between two headless tables: a busy class
                            * gets the table current, not 200 tables a second */

enum cstate { C_AUTH, C_READY };

struct conn {
    int fd;
    enum cstate st;
    mp__auth auth; /* the handshake (lib/manager_wire.c), while st is C_AUTH */
    mp__buf in, out;
    double deadline; /* monotonic seconds */
};

struct server {
    int lfd;
    const uint8_t *key;
    size_t keylen;
    struct conn c[MAX_CONNS];
    size_t n;
    struct cls_board board;
    struct cls_follow follow; /* what the presenter shows (class_follow.c) */
    bool headless, changed;
    int notify; /* the board's screen (a pipe): a byte on each change; -1 headless */
    double printed; /* when the last table was printed */
};

static volatile sig_atomic_t stopping;
static void on_stop(int sig)
{
    (void)sig;
    stopping = 1;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void conn_close(struct server *s, size_t i)
{
    close(s->c[i].fd);
    mp__buf_free(&s->c[i].in);
    mp__buf_free(&s->c[i].out);
    s->c[i] = s->c[--s->n];
}

static void set_deadline(struct conn *c)
{
    double limit = c->st != C_READY ? HANDSHAKE_TIMEOUT : c->in.len ? FRAME_TIMEOUT : IDLE_TIMEOUT;
    c->deadline = mono() + limit;
}

static void accept_one(struct server *s)
{
    int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (s->n == MAX_CONNS) {
        /* Full: a flood of strangers must not lock students out, so the
         * oldest connection still in its handshake makes room. */
        size_t victim = MAX_CONNS;
        for (size_t i = 0; i < s->n; i++)
            if (s->c[i].st != C_READY && (victim == MAX_CONNS || s->c[i].deadline < s->c[victim].deadline)) victim = i;
        if (victim == MAX_CONNS) {
            close(fd);
            return;
        }
        conn_close(s, victim);
    }
    struct conn *c = &s->c[s->n];
    memset(c, 0, sizeof *c);
    c->fd = fd;
    if (mp__auth_start(&c->auth, true, s->key, s->keylen, &c->out) < 0) {
        close(fd);
        return;
    }
    s->n++;
    set_deadline(c);
}

/* One handshake message (the manager's handshake, lib/manager_wire.c).
 * 0 | -errno: close (after a FAILURE queued) */
static int auth_step(struct conn *c, const uint8_t *p, size_t n)
{
    int r = mp__auth_step(&c->auth, p, n, &c->out);
    if (r == MP__AUTH_OVER) c->st = C_READY;
    return r < 0 ? r : 0;
}

/* A text argument, cleaned. 0 | -EBADMSG */
static int arg_text(mp__dec *d, char out[CLASS_TEXT_MAX + 1])
{
    mp__val v;
    int r = mp__dec_str(d, &v);
    if (r == 0) class_clean(out, CLASS_TEXT_MAX + 1, v.p, v.len);
    return r;
}

static int arg_int(mp__dec *d, int64_t *out, int64_t lo, int64_t hi)
{
    int r = mp__dec_int(d, out);
    if (r == 0 && (*out < lo || *out > hi)) r = -EINVAL;
    return r;
}

/* Runs one request and appends its reply to out. 0 | -EBADMSG (close) */
static int request(struct server *s, const uint8_t *p, size_t n, mp__buf *out)
{
    mp__dec d;
    mp__dec_init(&d, p, n);
    int64_t op, a = 0, b = 0, at = 0;
    char name[CLASS_TEXT_MAX + 1], token[CLASS_TEXT_MAX + 1], t1[CLASS_TEXT_MAX + 1];
    int64_t now = (int64_t)time(NULL);
    if (mp__dec_int(&d, &op) < 0 || arg_text(&d, name) < 0 || arg_text(&d, token) < 0) return -EBADMSG;
    int r;
    size_t fr = mp__frame_begin(out);
    switch (op) {
    case CLS_JOIN:
        if (!mp__dec_at_end(&d)) return -EBADMSG;
        r = board_join(&s->board, name, token, now);
        mp__enc_int(out, r);
        mp__enc_str(out, name, strlen(name));
        mp__enc_str(out, r == 0 ? token : "", r == 0 ? strlen(token) : 0);
        break;
    case CLS_RESULT: {
        struct cls_result res = {0};
        if (arg_text(&d, res.ex) < 0 || mp__dec_int(&d, &a) < 0 || mp__dec_int(&d, &b) < 0 ||
            arg_text(&d, res.status) < 0 || mp__dec_int(&d, &at) < 0 || !mp__dec_at_end(&d))
            return -EBADMSG;
        r = a < 0 || b < 0 || a > 100000 || b > 100000 || !res.ex[0] ? -EINVAL : 0;
        res.points = (int)a;
        res.max = (int)b;
        res.at = at;
        if (r == 0) r = board_result(&s->board, name, token, &res, now);
        mp__enc_int(out, r);
        break;
    }
    case CLS_WHERE:
        if (arg_text(&d, t1) < 0 || arg_int(&d, &a, 0, 100000) < 0 || mp__dec_int(&d, &at) < 0 ||
            !mp__dec_at_end(&d))
            return -EBADMSG;
        r = board_where(&s->board, name, token, t1, (int)a, now);
        mp__enc_int(out, r);
        break;
    case CLS_SHOW:
    case CLS_FOLLOW: /* not the board's rows: the table does not change */
        if (follow_request(&s->follow, &s->board, op, name, token, &d, out) < 0) return -EBADMSG;
        r = 1;
        break;
    default: return -EBADMSG;
    }
    if (mp__frame_end(out, fr, CLASS_FRAME_MAX) < 0) return -EBADMSG;
    if (r == 0) s->changed = true;
    return 0;
}

/* Runs the complete frames received. 0 | -errno: close. */
static int conn_process(struct server *s, struct conn *c)
{
    for (;;) {
        uint32_t n;
        size_t max = c->st == C_READY ? CLASS_FRAME_MAX : MP__HANDSHAKE_MAX;
        int r = mp__frame_peek(c->in.data, c->in.len, max, &n);
        if (r <= 0) return r; /* incomplete, or a length over the limit */
        const uint8_t *p = c->in.data + MP__FRAME_HDR;
        size_t keep = c->out.len;
        r = c->st == C_READY ? request(s, p, n, &c->out) : auth_step(c, p, n);
        if (r < 0 && c->st == C_READY) c->out.len = keep; /* no half-built reply before the close */
        mp__buf_consume(&c->in, MP__FRAME_HDR + n);
        if (r < 0 || c->out.oom) return r < 0 ? r : -ENOMEM;
    }
}

static bool conn_flush(struct conn *c)
{
    while (c->out.len) {
        ssize_t w = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        mp__buf_consume(&c->out, (size_t)w);
    }
    return true;
}

/* Reads what is there (never more than one frame's worth ahead). false: close */
static bool conn_read(struct server *s, struct conn *c)
{
    size_t cap = MP__FRAME_HDR + CLASS_FRAME_MAX;
    if (c->in.len >= cap || c->out.len > OUT_MAX) return false; /* it does not read its replies */
    uint8_t *space = mp__buf_space(&c->in, cap - c->in.len);
    if (!space) return false;
    ssize_t got = recv(c->fd, space, cap - c->in.len, MSG_DONTWAIT);
    if (got == 0) return false;
    if (got < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c->in.len += (size_t)got;
    int r = conn_process(s, c);
    conn_flush(c); /* a FAILURE goes out before the close */
    if (r < 0) return false;
    set_deadline(c);
    return true;
}

static void serve_loop(struct server *s)
{
    struct pollfd pf[MAX_CONNS + 1];
    while (!stopping) {
        pf[0] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
        double now = mono(), next = now + 1.0;
        for (size_t i = 0; i < s->n; i++) {
            pf[i + 1] = (struct pollfd){.fd = s->c[i].fd, .events = POLLIN | (s->c[i].out.len ? POLLOUT : 0)};
            if (s->c[i].deadline < next) next = s->c[i].deadline;
        }
        if (s->changed && s->printed + PRINT_EVERY < next) next = s->printed + PRINT_EVERY;
        int ms = next <= now ? 0 : (int)((next - now) * 1000) + 1;
        size_t polled = s->n;
        if (poll(pf, polled + 1, ms) < 0 && errno != EINTR) break;
        now = mono();
        /* Backwards, so a close (which moves the last connection here) is safe. */
        for (size_t i = polled; i-- > 0;) {
            struct conn *c = &s->c[i];
            bool ok = true;
            if (pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) ok = conn_read(s, c);
            if (ok && (pf[i + 1].revents & POLLOUT)) ok = conn_flush(c);
            if (ok && c->deadline <= now) ok = false; /* stalled */
            if (!ok) conn_close(s, i);
        }
        if (pf[0].revents & POLLIN) accept_one(s);
        if (s->changed && now >= s->printed + PRINT_EVERY) {
            if (s->headless) board_print(&s->board, stdout, (int64_t)time(NULL));
            /* Full pipe: the screen has a byte to wake on already. */
            else if (write(s->notify, "c", 1) < 0 && errno != EAGAIN) stopping = 1;
            s->changed = false;
            s->printed = now;
        }
    }
}

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return false;
}

/* Binds host:port. fd | -errno; *loop = every address is loopback. */
static int listen_on(const char *hostport, bool *loop, char *shown, size_t cap)
{
    char host[256], port[16];
    if (class_split_addr(hostport, host, sizeof host, port, sizeof port) < 0) return -EINVAL;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) return -EADDRNOTAVAIL;
    *loop = is_loopback(res->ai_addr);
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    int r = fd < 0 ? -errno : 0;
    if (r == 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (r == 0 && (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 128) < 0)) r = -errno;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char h[64] = "?";
    if (r == 0 && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        int p = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                              : ((struct sockaddr_in6 *)&ss)->sin6_port);
        const void *a = ss.ss_family == AF_INET ? (void *)&((struct sockaddr_in *)&ss)->sin_addr
                                                : (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
        inet_ntop(ss.ss_family, a, h, sizeof h);
        snprintf(shown, cap, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", h, p);
    }
    freeaddrinfo(res);
    if (r < 0 && fd >= 0) close(fd);
    return r < 0 ? r : fd;
}

void class_server_state(char *buf, size_t cap)
{
    const char *st = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (st && *st) snprintf(buf, cap, "%s/forklab/class-server", st);
    else snprintf(buf, cap, "%s/.local/state/forklab/class-server", home && *home ? home : "/tmp");
}

/* The key: the file's, else the one kept in the state directory, else a
 * new join code (kept there, 0600). *code: the state's key (a join code to
 * print for the students); "" when it came from --key-file. 0 | -errno */
static int load_key(const char *file, const char *state, uint8_t *key, size_t *len, char *code, size_t cap)
{
    code[0] = '\0';
    if (file) return class_read_key(file, key, len);
    char path[4200];
    snprintf(path, sizeof path, "%s/key", state);
    int r = class_read_key(path, key, len);
    if (r == -ENOENT) {
        char fresh[CLASS_CODE_LEN + 1];
        if ((r = class_new_code(fresh, sizeof fresh)) < 0) return r;
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) return -errno;
        bool ok = dprintf(fd, "%s\n", fresh) == (int)strlen(fresh) + 1 && fsync(fd) == 0;
        close(fd);
        if (!ok) return -EIO;
        r = class_key_from_text(fresh, strlen(fresh), key, len);
    }
    if (r == 0) snprintf(code, cap, "%.*s", (int)*len, (const char *)key);
    return r;
}

static int usage(void)
{
    fprintf(stderr, "usage: forklab class serve [--listen HOST:PORT] [--key-file F] [--headless] [--state DIR]\n");
    return 2;
}

/* The server in a child process, the board's screen in this one: the
 * child's poll() loop keeps its hundreds of connections, and the screen
 * reads the board's log as the child appends to it (board_follow), woken
 * by a byte on a pipe. The child ends with its parent (PR_SET_PDEATHSIG,
 * or the pipe's other end gone); the parent stops and reaps it. */
static int with_screen(struct server *s, int (*board_ui)(const struct class_board_ui *),
                       struct class_board_ui *ui)
{
    int p[2], rc = 1;
    if (!board_ui || pipe2(p, O_CLOEXEC) < 0) {
        fprintf(stderr, "forklab class serve: no full-screen board here: use --headless\n");
        goto out;
    }
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("forklab class serve: fork");
        close(p[0]);
        close(p[1]);
        goto out;
    }
    if (pid == 0) {
        close(p[0]);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(0);
        signal(SIGINT, SIG_IGN); /* the screen decides when the class ends */
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) { /* the screen is the parent's alone */
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
            close(null);
        }
        fcntl(p[1], F_SETFL, O_NONBLOCK);
        s->notify = p[1];
        serve_loop(s);
        while (s->n) conn_close(s, s->n - 1);
        close(s->lfd);
        board_close(&s->board);
        _exit(0);
    }
    close(p[1]);
    close(s->lfd);
    board_close(&s->board); /* the child writes it; the screen reads the log */
    ui->notify_fd = p[0];
    rc = board_ui(ui);
    close(p[0]);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    follow_close(&s->follow); /* STATE/address: nobody listens there now */
    printf("class server stopped\n");
    return rc;
out:
    close(s->lfd);
    follow_close(&s->follow);
    board_close(&s->board);
    return rc;
}

int class_serve(int argc, char **argv, int (*board_ui)(const struct class_board_ui *))
{
    const char *listen_at = "127.0.0.1:7717", *keyfile = NULL, *state = NULL;
    bool headless = false;
    for (int i = 0; i < argc; i++) {
        bool more = i + 1 < argc;
        if (!strcmp(argv[i], "--listen") && more) listen_at = argv[++i];
        else if (!strcmp(argv[i], "--key-file") && more) keyfile = argv[++i];
        else if (!strcmp(argv[i], "--state") && more) state = argv[++i];
        else if (!strcmp(argv[i], "--headless")) headless = true;
        else return usage();
    }
    char statebuf[4096];
    if (!state) {
        class_server_state(statebuf, sizeof statebuf);
        state = statebuf;
    }
    static struct server s;
    memset(&s, 0, sizeof s);
    s.headless = headless;
    s.notify = -1;
    bool loop = false;
    char shown[128] = "";
    s.lfd = listen_on(listen_at, &loop, shown, sizeof shown);
    if (s.lfd < 0) {
        fprintf(stderr, "forklab class serve: cannot listen on %s: %s\n", listen_at, strerror(-s.lfd));
        return 1;
    }
    if (!loop && !keyfile) {
        fprintf(stderr, "forklab class serve: %s is not a loopback address: give a key with --key-file\n", listen_at);
        close(s.lfd);
        return 2;
    }
    int r = board_open(&s.board, state, true);
    uint8_t key[CLASS_KEY_MAX];
    size_t keylen = 0;
    char code[CLASS_KEY_MAX + 1];
    if (r == 0) r = load_key(keyfile, state, key, &keylen, code, sizeof code);
    if (r == 0) r = follow_open(&s.follow, state, shown);
    if (r < 0) {
        fprintf(stderr, "forklab class serve: %s: %s\n", keyfile ? keyfile : state, strerror(-r));
        board_close(&s.board);
        close(s.lfd);
        return 1;
    }
    s.key = key;
    s.keylen = keylen;
    struct sigaction sa = {.sa_handler = on_stop};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    printf("class server listening on %s (board data in %s)\n", shown, state);
    if (code[0])
        printf("join code: %s\nstudents join with: forklab class join %s --name NAME   (and type the code)\n", code,
               shown);
    if (!headless) {
        struct class_board_ui ui = {.state = state, .addr = shown, .code = code};
        return with_screen(&s, board_ui, &ui);
    }
    board_print(&s.board, stdout, (int64_t)time(NULL));
    serve_loop(&s);
    if (s.changed && s.headless) board_print(&s.board, stdout, (int64_t)time(NULL));
    while (s.n) conn_close(&s, s.n - 1);
    close(s.lfd);
    follow_close(&s.follow);
    board_close(&s.board);
    printf("class server stopped\n");
    return 0;
}

int class_export(int argc, char **argv)
{
    const char *file = NULL, *state = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--state") && i + 1 < argc) state = argv[++i];
        else if (argv[i][0] != '-' && !file) file = argv[i];
        else file = NULL, i = argc;
    }
    size_t fl = file ? strlen(file) : 0;
    bool csv = fl > 4 && !strcmp(file + fl - 4, ".csv"), json = fl > 5 && !strcmp(file + fl - 5, ".json");
    if (!csv && !json) {
        fprintf(stderr, "usage: forklab class export FILE.csv|FILE.json [--state DIR]\n");
        return 2;
    }
    char statebuf[4096];
    if (!state) {
        class_server_state(statebuf, sizeof statebuf);
        state = statebuf;
    }
    struct cls_board b;
    int r = board_open(&b, state, false);
    FILE *out = r == 0 ? fopen(file, "w") : NULL;
    if (r == 0 && !out) r = -errno;
    if (out) {
        r = board_export(&b, out, csv);
        if (fclose(out) != 0 && r == 0) r = -EIO;
    }
    board_close(&b);
    if (r < 0) {
        fprintf(stderr, "forklab class export: %s: %s\n", r == -ENOENT ? state : file, strerror(-r));
        return 1;
    }
    return 0;
}
