/*
 * hostile.h — what the hostile solutions share (test-grade step 5).
 *
 * Each hostile solution is a reference solution (included, its entry point
 * renamed) plus an attack from issue 12's probe of the grader. The attack
 * writes what it managed to stderr, which ends in the grading log, as
 * "hostile: ..." lines test-grade reads. FORKLAB_HOSTILE_TREE (set by
 * test-grade, passed into the sandbox like every FORKLAB_ variable) names
 * the source tree the attack tries to write into; the processes it leaves
 * inherit that variable, so test-grade can look for survivors by it.
 */
#ifndef FORKLAB_HOSTILE_H
#define FORKLAB_HOSTILE_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Forks n children that sleep for good (each in a session of its own when
 * own_session); never stops at a refused fork. Prints the first refusal
 * and how many started. */
static inline void hostile_fork_sleepers(int n, int own_session)
{
    int started = 0, refused = 0, err = 0;
    for (int i = 0; i < n; i++) {
        fflush(NULL);
        pid_t p = fork();
        if (p == 0) {
            if (own_session) setsid();
            for (;;) pause();
        }
        if (p > 0) {
            started++;
        } else {
            err = errno;
            /* said at once: the grader may kill us before the summary */
            if (refused++ == 0) fprintf(stderr, "hostile: fork refused after %d started (%s)\n", started, strerror(err));
        }
    }
    fprintf(stderr, "hostile: %d forks%s: %d started, %d refused (%s)\n", n, own_session ? " with setsid" : "",
            started, refused, refused ? strerror(err) : "none");
}

/* Creates (or truncates) path and writes a line; prints the outcome. */
static inline void hostile_write(const char *path)
{
    FILE *f = fopen(path, "w");
    int err = errno;
    if (f) {
        fputs("pwned\n", f);
        err = fclose(f) == 0 ? 0 : errno;
    }
    fprintf(stderr, "hostile: write %s: %s\n", path, f && !err ? "written" : strerror(err));
}

#endif
