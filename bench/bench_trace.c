/*
 * bench_trace.c — runs a program with libmp tracing on, the way the viewer
 * does: it makes a trace ring (a memfd), hands it to the program through
 * MP_TRACE_FD, and drains the events in a loop while the program runs.
 *
 *     bench_trace [--pin] PROGRAM [ARGS...]
 *
 * The program's output passes through; at the end one comment line says
 * how many events were drained and how many the writers dropped (a full
 * ring drops, it never blocks). The exit status is the program's.
 */
#include "bench_util.h"

#include "mp.h"
#include "mp_trace.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#pragma weak mp_trace_ring_create
#pragma weak mp_trace_ring_fd
#pragma weak mp_trace_ring_read
#pragma weak mp_trace_ring_dropped
#pragma weak mp_trace_ring_free

#define RING_EVENTS (1u << 16) /* 8 MiB of 128-byte events */
#define BATCH 1024

static int exit_status(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Drains until the child has ended; the child's exit status. */
static int drain(struct mp_trace_ring *ring, pid_t child, uint64_t *events)
{
    static struct mp_trace_event buf[BATCH];
    for (;;) {
        size_t n = mp_trace_ring_read(ring, buf, BATCH);
        *events += n;
        if (n == BATCH) continue;
        int st;
        pid_t r = waitpid(child, &st, WNOHANG);
        if (r == child) {
            while ((n = mp_trace_ring_read(ring, buf, BATCH)) > 0) *events += n;
            return exit_status(st);
        }
        B_CHECK(r == 0 || errno == EINTR, "waitpid: %s", strerror(errno));
        /* A reader polling every millisecond, like the viewer's tick. */
        usleep(1000);
    }
}

int main(int argc, char **argv)
{
    int i = 1;
    if (i < argc && !strcmp(argv[i], "--pin")) b_pin_cpu0(), i++;
    if (i >= argc) {
        fprintf(stderr, "usage: %s [--pin] PROGRAM [ARGS...]\n", argv[0]);
        return 2;
    }
    if (!mp_trace_ring_create) {
        fprintf(stderr, "bench_trace: the trace ring is not in libmp yet\n");
        return 3;
    }
    struct mp_trace_ring *ring = mp_trace_ring_create(RING_EVENTS);
    B_CHECK(ring, "mp_trace_ring_create: %s", strerror(errno));
    int fd = mp_trace_ring_fd(ring);
    B_CHECK(fd >= 0, "mp_trace_ring_fd");
    /* The program inherits the ring's fd across exec. */
    int flags = fcntl(fd, F_GETFD);
    B_CHECK(flags >= 0 && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) == 0, "fcntl: %s", strerror(errno));
    char num[16];
    snprintf(num, sizeof num, "%d", fd);
    setenv("MP_TRACE_FD", num, 1);
    unsetenv("MP_TRACE");

    fflush(NULL);
    pid_t child = fork();
    B_CHECK(child >= 0, "fork: %s", strerror(errno));
    if (child == 0) {
        execvp(argv[i], argv + i);
        fprintf(stderr, "bench_trace: exec %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    /* The ring's own fd must not reach other programs we might start. */
    fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    uint64_t events = 0;
    int rc = drain(ring, child, &events);
    printf("# trace events=%llu dropped=%llu\n", (unsigned long long)events,
           (unsigned long long)mp_trace_ring_dropped(ring));
    mp_trace_ring_free(ring);
    return rc;
}
