/* class_probe.c — a raw client of the class board, for the tests and the
 * load figures (tests/e2e/test_class.sh, bench/class_load.sh).
 *
 *   class_probe bad ADDR KEYFILE
 *       authenticated connections that send a malformed request, then a
 *       4 GiB length: each must be closed by the server. Exit 0 when both were.
 *   class_probe load ADDR KEYFILE STUDENTS SECONDS PROCS
 *       STUDENTS simulated students over PROCS processes, each sending one
 *       result a second for SECONDS; prints the acknowledged count and the
 *       round-trip latency (the board applies a result before it answers). */
#include "class.h"

#include "frame.h"
#include "manager_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The server closed fd: a read sees the end (or a reset) within 10 s. */
static bool closed_by_server(int fd)
{
    mp__buf rx = {0};
    uint32_t n;
    mp__deadline dl = mp__deadline_in(10.0);
    int r = mp__mgr_read_frame(fd, &rx, CLASS_FRAME_MAX, &n, &dl);
    mp__buf_free(&rx);
    return r == -EPIPE || r == -ECONNRESET;
}

static int bad(const char *addr, const uint8_t *key, size_t keylen)
{
    static const uint8_t malformed[] = {0, 0, 0, 3, 'x', 'y', 'z'};
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 'i'};
    const struct { const char *what; const uint8_t *p; size_t n; } cases[] = {
        {"a malformed request", malformed, sizeof malformed},
        {"a 4 GiB length after the handshake", huge, sizeof huge},
    };
    int fails = 0;
    for (size_t i = 0; i < 2; i++) {
        int fd = class_connect(addr, key, keylen);
        mp__deadline dl = mp__deadline_in(5.0);
        bool ok = fd >= 0 && mp__mgr_write_all(fd, cases[i].p, cases[i].n, &dl) == 0 && closed_by_server(fd);
        printf("%s: %s\n", cases[i].what, ok ? "connection closed" : "NOT closed");
        fails += !ok;
        if (fd >= 0) close(fd);
    }
    return fails ? 1 : 0;
}

static int call(int fd, int64_t op, const char *name, const char *token, const char *ex, int64_t pts, char got[2][CLASS_TEXT_MAX + 1])
{
    mp__buf b = {0};
    int64_t st;
    mp__enc_int(&b, op);
    mp__enc_str(&b, name, strlen(name));
    mp__enc_str(&b, token, strlen(token));
    if (op == CLS_RESULT) {
        mp__enc_str(&b, ex, strlen(ex));
        mp__enc_int(&b, pts);
        mp__enc_int(&b, 10);
        mp__enc_str(&b, pts == 10 ? "PASS" : "FAIL", 4);
        mp__enc_int(&b, (int64_t)time(NULL));
    }
    int r = class_call(fd, b.data, b.len, &st, got);
    mp__buf_free(&b);
    return r < 0 ? r : (int)st;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One process: students [first, first + n). */
static int load_part(const char *addr, const uint8_t *key, size_t keylen, int first, int n, int secs, int proc)
{
    int *fd = calloc((size_t)n, sizeof *fd);
    char (*tok)[CLASS_TEXT_MAX + 1] = calloc((size_t)n, sizeof *tok);
    double *lat = calloc((size_t)n * (size_t)secs + 1, sizeof *lat);
    size_t nl = 0, errs = 0;
    char name[32], got[2][CLASS_TEXT_MAX + 1];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "load%04d-%d", first + i, (int)getpid());
        fd[i] = class_connect(addr, key, keylen);
        if (fd[i] < 0 || call(fd[i], CLS_JOIN, name, "", NULL, 0, got) != 0) {
            fprintf(stderr, "class_probe: student %d cannot join\n", first + i);
            return 1;
        }
        snprintf(tok[i], sizeof tok[i], "%s", got[1]);
    }
    double start = now_s();
    for (int s = 0; s < secs; s++) {
        for (int i = 0; i < n; i++) {
            snprintf(name, sizeof name, "load%04d-%d", first + i, (int)getpid());
            char ex[16];
            snprintf(ex, sizeof ex, "%02d-ex", s % 10 + 1);
            double t0 = now_s();
            if (call(fd[i], CLS_RESULT, name, tok[i], ex, (s + i) % 2 ? 10 : 0, NULL) != 0) errs++;
            else lat[nl++] = now_s() - t0;
        }
        double next = start + s + 1, t = now_s();
        if (next > t) usleep((useconds_t)((next - t) * 1e6));
    }
    qsort(lat, nl, sizeof *lat, cmp_d);
    printf("proc %d: %zu acknowledged, %zu refused or lost; latency ms p50 %.2f p99 %.2f max %.2f\n", proc, nl, errs,
           nl ? lat[nl / 2] * 1e3 : 0, nl ? lat[nl * 99 / 100] * 1e3 : 0, nl ? lat[nl - 1] * 1e3 : 0);
    for (int i = 0; i < n; i++) close(fd[i]);
    free(fd);
    free(tok);
    free(lat);
    return errs ? 1 : 0;
}

int main(int argc, char **argv)
{
    uint8_t key[CLASS_KEY_MAX];
    size_t keylen;
    if (argc < 4 || class_read_key(argv[3], key, &keylen) < 0) {
        fprintf(stderr, "usage: class_probe bad|load ADDR KEYFILE [STUDENTS SECONDS PROCS]\n");
        return 2;
    }
    if (!strcmp(argv[1], "bad")) return bad(argv[2], key, keylen);
    if (strcmp(argv[1], "load") || argc != 7) return 2;
    int students = atoi(argv[4]), secs = atoi(argv[5]), procs = atoi(argv[6]);
    if (students < 1 || secs < 1 || procs < 1 || procs > students) return 2;
    fflush(NULL);
    for (int p = 0; p < procs; p++) {
        int first = students * p / procs, last = students * (p + 1) / procs;
        pid_t pid = fork();
        if (pid == 0) {
            int rc = load_part(argv[2], key, keylen, first, last - first, secs, p);
            fflush(NULL); /* _exit does not flush the figures */
            _exit(rc);
        }
        if (pid < 0) return 1;
    }
    int rc = 0, st;
    while (wait(&st) > 0) rc |= !WIFEXITED(st) || WEXITSTATUS(st);
    return rc;
}
