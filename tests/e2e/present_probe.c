/* present_probe.c — raw follow-the-instructor messages, for
 * tests/e2e/test_present.sh.
 *
 *   present_probe show ADDR KEYFILE TOKEN LESSON PAGE PAGES
 *       one CLS_SHOW with that presenter token; prints the server's
 *       answer ("accepted", or "refused: ..."). Exit 0 accepted, 1 refused,
 *       3 no answer.
 *   present_probe badshow ADDR KEYFILE
 *       CLS_SHOW and CLS_FOLLOW requests of the wrong shape, each on its own
 *       authenticated connection: each must be closed by the server. Exit 0
 *       when every one was.
 *   present_probe followers ADDR KEYFILE PRESENTER_TOKEN STUDENTS SECONDS PROCS
 *       load: STUDENTS simulated followers (over PROCS processes, one
 *       connection each) ask what the presenter shows every 0.5 s, as the
 *       viewer does, while the presenter turns a page every second for
 *       SECONDS; prints how long after each change a follower saw it.
 *   present_probe evil ADDRFILE KEYFILE
 *       a hostile class server on 127.0.0.1 (its address written to
 *       ADDRFILE): it passes the handshake, then answers every request with
 *       a CLS_FOLLOW reply whose lesson id is an escape sequence. Runs until
 *       killed. */
#include "class.h"

#include "frame.h"
#include "manager_private.h"
#include "present.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One frame of payload p[0..n) and the server's reply status.
 * 0 | -errno (no reply: closed or timed out) */
static int roundtrip(int fd, const mp__buf *p, int64_t *status)
{
    mp__buf tx = {0}, rx = {0};
    mp__deadline dl = mp__deadline_in(10.0);
    size_t at = mp__frame_begin(&tx);
    mp__buf_put(&tx, p->data, p->len);
    uint32_t n;
    int r = mp__frame_end(&tx, at, CLASS_FRAME_MAX);
    if (r == 0) r = mp__mgr_write_all(fd, tx.data, tx.len, &dl);
    if (r == 0) r = mp__mgr_read_frame(fd, &rx, CLASS_FRAME_MAX, &n, &dl);
    if (r == 0) {
        mp__dec d;
        mp__dec_init(&d, rx.data + MP__FRAME_HDR, n);
        r = mp__dec_int(&d, status);
    }
    mp__buf_free(&tx);
    mp__buf_free(&rx);
    return r;
}

static void head(mp__buf *b, int64_t op, const char *name, const char *token)
{
    mp__enc_int(b, op);
    mp__enc_str(b, name, strlen(name));
    mp__enc_str(b, token, strlen(token));
}

static int show(const char *addr, const uint8_t *key, size_t keylen, char **argv)
{
    int fd = class_connect(addr, key, keylen);
    if (fd < 0) {
        printf("cannot connect: %s\n", strerror(-fd));
        return 3;
    }
    mp__buf b = {0};
    head(&b, CLS_SHOW, "", argv[0]);
    mp__enc_str(&b, argv[1], strlen(argv[1]));
    mp__enc_int(&b, atoll(argv[2]));
    mp__enc_int(&b, atoll(argv[3]));
    int64_t st = 0;
    int r = roundtrip(fd, &b, &st);
    mp__buf_free(&b);
    close(fd);
    if (r < 0) {
        printf("no answer: %s\n", strerror(-r));
        return 3;
    }
    if (st == 0) printf("accepted\n");
    else printf("refused: %s\n", strerror((int)-st));
    return st == 0 ? 0 : 1;
}

static int badshow(const char *addr, const uint8_t *key, size_t keylen)
{
    int fails = 0;
    for (int i = 0; i < 4; i++) {
        static const char *const what[] = {"an int where the lesson goes", "no page", "a value too many",
                                           "a follow with arguments"};
        mp__buf b = {0};
        head(&b, i == 3 ? CLS_FOLLOW : CLS_SHOW, "", "0123456789abcdef0123456789abcdef");
        if (i == 0) mp__enc_int(&b, 3);
        else if (i < 3) mp__enc_str(&b, "03-sync", 7);
        if (i == 0 || i == 2) mp__enc_int(&b, 1), mp__enc_int(&b, 3);
        if (i == 2) mp__enc_int(&b, 99);
        if (i == 3) mp__enc_str(&b, "x", 1);
        int fd = class_connect(addr, key, keylen);
        int64_t st;
        int r = fd < 0 ? fd : roundtrip(fd, &b, &st);
        bool closed = fd >= 0 && (r == -EPIPE || r == -ECONNRESET);
        printf("%s: %s (%d)\n", what[i], closed ? "connection closed" : "NOT closed", r);
        fails += !closed;
        if (fd >= 0) close(fd);
        mp__buf_free(&b);
    }
    return fails ? 1 : 0;
}

/* A hostile class server: the real handshake (lib's, one connection at a
 * time), then a malformed reply to every request. */
static int evil(const char *addrfile, const uint8_t *key, size_t keylen)
{
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 8) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
        return 1;
    FILE *f = fopen(addrfile, "w");
    if (!f) return 1;
    fprintf(f, "127.0.0.1:%d\n", ntohs(sa.sin_port));
    fclose(f);
    static const char hostile[] = "x\x1b]0;owned\a\x1b[2J";
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) continue;
        if (mp__mgr_handshake(fd, true, key, keylen) == 0) {
            mp__buf rx = {0}, tx = {0};
            uint32_t n;
            mp__deadline dl = mp__deadline_in(30.0);
            while (mp__mgr_read_frame(fd, &rx, CLASS_FRAME_MAX, &n, &dl) == 0) {
                mp__buf_consume(&rx, 4 + n);
                mp__buf_reset(&tx);
                size_t at = mp__frame_begin(&tx);
                mp__enc_int(&tx, 0);
                mp__enc_str(&tx, hostile, sizeof hostile - 1);
                mp__enc_int(&tx, 1);
                mp__enc_int(&tx, 2);
                mp__enc_int(&tx, 1);
                mp__frame_end(&tx, at, CLASS_FRAME_MAX);
                if (mp__mgr_write_all(fd, tx.data, tx.len, &dl) < 0) break;
            }
            mp__buf_free(&rx);
            mp__buf_free(&tx);
        }
        close(fd);
    }
}

/* ------------------------------------------------------------ load */

#define POLL_S 0.5 /* the viewer's FOLLOW_POLL_MS */
#define MAX_CHANGES 4096

struct shared_clock {
    int64_t seq0;               /* the change number of the first page shown */
    double at[MAX_CHANGES];     /* when change k was acknowledged (monotonic s) */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One request with its reply payload in rx. 0 | -errno */
static int call_raw(int fd, const mp__buf *p, mp__buf *rx, uint32_t *n)
{
    mp__buf tx = {0};
    mp__deadline dl = mp__deadline_in(10.0);
    size_t at = mp__frame_begin(&tx);
    mp__buf_put(&tx, p->data, p->len);
    int r = mp__frame_end(&tx, at, CLASS_FRAME_MAX);
    mp__buf_reset(rx);
    if (r == 0) r = mp__mgr_write_all(fd, tx.data, tx.len, &dl);
    if (r == 0) r = mp__mgr_read_frame(fd, rx, CLASS_FRAME_MAX, n, &dl);
    mp__buf_free(&tx);
    return r;
}

/* Students [first, first + n): join, then follow for secs + 1 s. */
static int followers_part(const char *addr, const uint8_t *key, size_t keylen, int first, int n, int secs, int proc,
                          const struct shared_clock *clk)
{
    int *fd = calloc((size_t)n, sizeof *fd);
    char (*name)[32] = calloc((size_t)n, sizeof *name), (*tok)[CLASS_TEXT_MAX + 1] = calloc((size_t)n, sizeof *tok);
    int64_t *seen = calloc((size_t)n, sizeof *seen);
    size_t cap = (size_t)n * (size_t)(secs + 2) + 16, nl = 0, errs = 0, asked = 0;
    double *lag = calloc(cap, sizeof *lag);
    mp__buf b = {0}, rx = {0};
    uint32_t len;
    for (int i = 0; i < n; i++) {
        snprintf(name[i], sizeof name[i], "f%04d-%d", first + i, (int)getpid());
        fd[i] = class_connect(addr, key, keylen);
        mp__buf_reset(&b);
        head(&b, CLS_JOIN, name[i], "");
        mp__dec d;
        mp__val v;
        int64_t st;
        if (fd[i] < 0 || call_raw(fd[i], &b, &rx, &len) < 0) return 1;
        mp__dec_init(&d, rx.data + MP__FRAME_HDR, len);
        if (mp__dec_int(&d, &st) < 0 || st != 0 || mp__dec_str(&d, &v) < 0 || mp__dec_str(&d, &v) < 0) return 1;
        snprintf(tok[i], sizeof tok[i], "%.*s", (int)v.len, (const char *)v.p);
    }
    for (int i = 0; i < n; i++) seen[i] = clk->seq0; /* the first page is no change */
    /* Viewers poll in no common phase: each process starts at its own point
     * of the period, so the figures cover the whole of it. */
    usleep((useconds_t)(POLL_S * 1e6 * proc / (proc + 1.0 + (proc % 3))));
    double end = now_s() + secs + 1;
    while (now_s() < end) {
        double round = now_s();
        for (int i = 0; i < n; i++) {
            mp__buf_reset(&b);
            head(&b, CLS_FOLLOW, name[i], tok[i]);
            struct present_state s;
            int64_t st, seq;
            asked++;
            if (call_raw(fd[i], &b, &rx, &len) < 0 ||
                present_decode_follow_reply(rx.data + MP__FRAME_HDR, len, &st, &s, &seq) < 0 || (st && st != -ENOENT)) {
                errs++;
                continue;
            }
            int64_t k = st == 0 ? seq - clk->seq0 : -1;
            if (k >= 0 && k < MAX_CHANGES && seq != seen[i] && clk->at[k] > 0 && nl < cap) lag[nl++] = now_s() - clk->at[k];
            if (st == 0) seen[i] = seq;
        }
        double next = round + POLL_S, t = now_s();
        if (next > t) usleep((useconds_t)((next - t) * 1e6));
    }
    qsort(lag, nl, sizeof *lag, cmp_d);
    printf("proc %d: %d followers, %zu follow requests, %zu failed; a change seen after ms p50 %.0f p99 %.0f max %.0f (%zu seen)\n",
           proc, n, asked, errs, nl ? lag[nl / 2] * 1e3 : 0, nl ? lag[nl * 99 / 100] * 1e3 : 0,
           nl ? lag[nl - 1] * 1e3 : 0, nl);
    return errs ? 1 : 0;
}

/* The presenter: one page turn a second; records when each was acknowledged. */
static int turn_pages(const char *addr, const uint8_t *key, size_t keylen, const char *token, int secs,
                      struct shared_clock *clk)
{
    int fd = class_connect(addr, key, keylen);
    if (fd < 0) return 1;
    mp__buf b = {0}, rx = {0};
    uint32_t len;
    for (int k = 0; k <= secs && k < MAX_CHANGES; k++) {
        struct present_state s;
        present_state_set(&s, "03-sync", k % 5, 5);
        mp__buf_reset(&b);
        head(&b, CLS_SHOW, "", token);
        present_encode_show_args(&b, &s);
        if (call_raw(fd, &b, &rx, &len) < 0) return 1;
        clk->at[k] = now_s();
        usleep(1000000);
    }
    close(fd);
    return 0;
}

static int followers(const char *addr, const uint8_t *key, size_t keylen, char **argv)
{
    const char *token = argv[0];
    int students = atoi(argv[1]), secs = atoi(argv[2]), procs = atoi(argv[3]);
    if (students < 1 || secs < 1 || procs < 1 || procs > students || secs >= MAX_CHANGES) return 2;
    struct shared_clock *clk = mmap(NULL, sizeof *clk, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (clk == MAP_FAILED) return 1;
    /* The first change number: a student of our own asks after the first page. */
    int fd = class_connect(addr, key, keylen);
    mp__buf b = {0}, rx = {0};
    uint32_t len;
    struct present_state s;
    present_state_set(&s, "03-sync", 0, 5);
    head(&b, CLS_SHOW, "", token);
    present_encode_show_args(&b, &s);
    if (fd < 0 || call_raw(fd, &b, &rx, &len) < 0) return 1;
    mp__buf_reset(&b);
    char me[32];
    snprintf(me, sizeof me, "clock-%d", (int)getpid());
    head(&b, CLS_JOIN, me, "");
    mp__dec d;
    mp__val v;
    int64_t st;
    if (call_raw(fd, &b, &rx, &len) < 0) return 1;
    mp__dec_init(&d, rx.data + MP__FRAME_HDR, len);
    if (mp__dec_int(&d, &st) < 0 || mp__dec_str(&d, &v) < 0 || mp__dec_str(&d, &v) < 0) return 1;
    char tok[CLASS_TEXT_MAX + 1];
    snprintf(tok, sizeof tok, "%.*s", (int)v.len, (const char *)v.p);
    mp__buf_reset(&b);
    head(&b, CLS_FOLLOW, me, tok);
    int64_t seq;
    if (call_raw(fd, &b, &rx, &len) < 0 ||
        present_decode_follow_reply(rx.data + MP__FRAME_HDR, len, &st, &s, &seq) < 0 || st != 0)
        return 1;
    clk->seq0 = seq;
    close(fd);
    fflush(NULL);
    for (int p = 0; p < procs; p++) {
        int first = students * p / procs, last = students * (p + 1) / procs;
        pid_t pid = fork();
        if (pid == 0) {
            int rc = followers_part(addr, key, keylen, first, last - first, secs, p, clk);
            fflush(NULL);
            _exit(rc);
        }
        if (pid < 0) return 1;
    }
    usleep(300000); /* the followers have joined (and seen the first page) */
    int rc = turn_pages(addr, key, keylen, token, secs, clk) ? 1 : 0, wst;
    while (wait(&wst) > 0) rc |= !WIFEXITED(wst) || WEXITSTATUS(wst);
    return rc;
}

int main(int argc, char **argv)
{
    uint8_t key[CLASS_KEY_MAX];
    size_t keylen = 0;
    if (argc < 4 || class_read_key(argv[3], key, &keylen) < 0) {
        fprintf(stderr, "usage: present_probe show|badshow|evil ADDR KEYFILE ...\n");
        return 2;
    }
    if (!strcmp(argv[1], "show") && argc == 8) return show(argv[2], key, keylen, argv + 4);
    if (!strcmp(argv[1], "badshow")) return badshow(argv[2], key, keylen);
    if (!strcmp(argv[1], "followers") && argc == 8) return followers(argv[2], key, keylen, argv + 4);
    if (!strcmp(argv[1], "evil")) return evil(argv[2], key, keylen);
    return 2;
}
