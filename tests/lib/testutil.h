/* testutil.h — helpers shared by the Criterion suites.
 *
 * Rules for a test that forks: fflush(NULL) before fork (libmp does it in
 * mp_process_start); a child never calls cr_* and always ends with _exit().
 * Criterion 2.4.1 hangs its runner for good on a child that returns from a
 * test body or fails an assertion (Criterion issues #519, #383, #129).
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <criterion/criterion.h>
#include <mp_trace.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Criterion 2.4.1's runner process leaks a 48-byte block (a calloc inside
 * libcriterion) now and then when it runs tests with --jobs 2; its leak
 * report would fail every ASan suite (run-suite.sh fails on "Sanitizer").
 * LeakSanitizer asks this hook at exit: skip the check in the runner only.
 * Test workers are exec'd with BXFI_MAP set and keep their leak checks. */
int __lsan_is_turned_off(void) __attribute__((weak));
int __lsan_is_turned_off(void)
{
    return getenv("BXFI_MAP") == NULL;
}

/* Monotonic seconds, for timing with generous bounds. */
static inline double tu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* No child of this test process is left: neither running nor a zombie. */
#define tu_assert_no_children()                                                       \
    do {                                                                              \
        errno = 0;                                                                    \
        pid_t w_ = waitpid(-1, NULL, WNOHANG);                                        \
        cr_assert(w_ == -1 && errno == ECHILD,                                        \
                  "a child process was left behind (waitpid(-1) gave %d, errno %d)", \
                  (int)w_, errno);                                                    \
    } while (0)


/* Runs cmd with sh, its stdout and stderr captured into out (at most
 * cap - 1 bytes, NUL-terminated). The exit status, 128 + the signal that
 * killed it, or -1 when it could not be run. */
static inline int tu_sh(char *out, size_t cap, const char *cmd)
{
    char log[] = "/tmp/fl-tu-shXXXXXX";
    int fd = mkstemp(log);
    out[0] = '\0';
    if (fd < 0) return -1;
    close(fd);
    size_t len = strlen(cmd) + sizeof log + 16;
    char *full = malloc(len);
    if (!full) return -1;
    snprintf(full, len, "(%s) >'%s' 2>&1", cmd, log);
    fflush(NULL);
    int st = system(full);
    free(full);
    FILE *f = fopen(log, "r");
    size_t n = f ? fread(out, 1, cap - 1, f) : 0;
    out[n] = '\0';
    if (f) fclose(f);
    unlink(log);
    if (st < 0) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The forklab binary the viewer's tests drive: $FORKLAB_BUILD/forklab, else
 * $BUILD/forklab, else build/forklab. */
static inline const char *tu_forklab_bin(void)
{
    static char path[4096];
    const char *b = getenv("FORKLAB_BUILD");
    if (!b || !b[0]) b = getenv("BUILD");
    snprintf(path, sizeof path, "%s/forklab", b && b[0] ? b : "build");
    return path;
}

/* A random seed per run, printed so a failure can be reproduced
 * (FORKLAB_SEED=N pins it). */
static inline unsigned tu_seed(void)
{
    const char *s = getenv("FORKLAB_SEED");
    unsigned seed = s ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)getpid();
    fprintf(stderr, "seed %u (FORKLAB_SEED=%u reproduces)\n", seed, seed);
    return seed;
}

/* A new trace ring of cap events, attached to this process. */
static inline struct mp_trace_ring *tu_trace_begin(size_t cap)
{
    struct mp_trace_ring *ring = mp_trace_ring_create(cap);
    cr_assert_not_null(ring);
    cr_assert_eq(mp_trace_attach(ring), 0);
    return ring;
}

/* Detaches the ring, then reads up to max of its events into ev: how many. */
static inline size_t tu_trace_end(struct mp_trace_ring *ring, struct mp_trace_event *ev, size_t max)
{
    mp_trace_detach();
    return mp_trace_ring_read(ring, ev, max);
}

#endif
