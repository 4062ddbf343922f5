/*
 * runner.h — start an example program with the trace channel, capture its
 * output, pause/resume/kill it, and drain its events into a model.
 *
 * Made for a poll()-based loop (the ncurses viewer, the headless mode and
 * `forklab trace record` all use it):
 *
 *     struct runner r;
 *     runner_init(&r, &model);
 *     if (runner_start(&r, path, argv) < 0) ...;
 *     while (!runner_done(&r)) {
 *         struct pollfd fds[RUNNER_MAX_FDS];
 *         int n = runner_pollfds(&r, fds, RUNNER_MAX_FDS);
 *         poll(fds, n, RUNNER_TICK_MS);   (plus the keyboard, for the UI)
 *         runner_pump(&r);                 output, events, reaping
 *     }
 *     runner_finish(&r);                   kill what is left, reap, last drain
 *     runner_free(&r);
 *
 * The trace ring is shared memory and has no fd: the poll timeout is the
 * tick at which events are drained. The child runs in its own process
 * group; runner_finish(), runner_kill() and a SIGINT/SIGTERM/SIGHUP of this
 * process kill the whole group, so nothing survives a run.
 */
#ifndef FORKLAB_RUNNER_H
#define FORKLAB_RUNNER_H

#include "model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <poll.h>
#include <sys/types.h>

#define RUNNER_MAX_FDS 3 /* stdout, stderr, pidfd */
#define RUNNER_TICK_MS 20
#define RUNNER_LINE_MAX 1024 /* longer output lines are split */
/* After the example exited, how long a pipe still held open by a process it
 * left behind is drained before the run counts as finished. */
#define RUNNER_ORPHAN_GRACE_MS 2000
#define RUNNER_MAX_REAPED 256

enum runner_stream { RUNNER_STDOUT = 1, RUNNER_STDERR = 2 };

/* One complete line of the example's output (without the newline). */
typedef void (*runner_line_fn)(void *ctx, enum runner_stream stream, const char *line);
/* Each event as it is drained, before it is applied (recorders). */
typedef void (*runner_event_fn)(void *ctx, const struct mp_trace_event *ev);

struct runner {
    struct model *model;      /* not owned; may be NULL (events only counted) */
    struct mp_trace_ring *ring;
    pid_t pid;                /* the example = its process group; 0 before start */
    int out_fd, err_fd, pidfd; /* -1 when closed / none */
    bool exited;              /* the example itself was reaped */
    int exit_code;            /* n, or -signal, once exited */
    bool paused;
    bool finished;            /* runner_finish() ran */
    bool exit_applied;        /* the example's PROC_EXIT was given to the model */
    uint64_t t_start_ns;      /* CLOCK_MONOTONIC at start */
    uint64_t t_exit_ns;       /* when the example was reaped */
    uint64_t events;          /* events drained in all */
    size_t ring_events;       /* ring size to ask for (0 = default) */
    runner_line_fn on_line;
    runner_event_fn on_event;
    void *ctx;
    /* A controlled run (controller.h): MP_GATE_FD's value and the
     * descriptors the example inherits; NULL / none otherwise. */
    const char *gate_env;
    int gate_fds[3];
    int ngate_fds;
    /* MPI (run/mpi_launch.h): start path on mpi_ranks ranks under mpirun
     * with the tracer, or with mpi_wrap, path is mpirun itself (the
     * tracer and forklab's options are added to its line). */
    int mpi_ranks;
    bool mpi_wrap;
    char *const *mpi_args;    /* more mpirun options; not owned */
    size_t nmpi_args;
    char mpi_dir[256];        /* the run's private mpirun directory, "" when none */
    uint64_t mpi_seen_events, mpi_stuck_since; /* the deadlock watch */
    char partial[2][RUNNER_LINE_MAX]; /* an unfinished line per stream */
    size_t npartial[2];
    /* Processes of the run we reaped ourselves (orphans after the example
     * died or was killed): nobody inside the run reports their end, so we
     * do, once their own events are in. */
    struct { pid_t pid; int code; } reaped[RUNNER_MAX_REAPED];
    size_t nreaped, nreaped_applied;
    /* Set before stopping a deadlocked run: its report describes the moment
     * it was stopped, so the killed processes' ends are not reported. */
    bool keep_state;
};

void runner_init(struct runner *r, struct model *model);
/* Resolve what `forklab run X` names: a path with '/', an example built in
 * forklab_build_dir()/lessons/X, or a lesson id (its run.program). Writes
 * the program's path and returns 0; copies the lesson's run.args (if any)
 * into *args and *nargs (free with runner_free_args), else sets them to none.
 * -ENOENT when nothing matches. */
int runner_resolve(const char *target, char *path, size_t cap, char ***args, size_t *nargs);
void runner_free_args(char **args, size_t nargs);

struct lesson;
#define RUNNER_NAME_MAX 64
/* The examples lesson l runs: its run.program first, then every other
 * example built as BUILD/lessons/NN-* with the lesson's number NN (lesson
 * 10 runs 10-pool-map-async and 10-pool-map). Up to cap names; the count. */
size_t runner_lesson_examples(const struct lesson *l, char (*out)[RUNNER_NAME_MAX], size_t cap);
/* The lesson among ls[0..n) that runs example name (see above), or NULL. */
const struct lesson *runner_example_lesson(const struct lesson *ls, size_t n, const char *name);
/* For `forklab run X` when X resolved to nothing: says what was not found
 * and lists the lessons and the examples that exist. */
void runner_explain_missing(FILE *out, const char *cmd, const char *target);
/* Start path with argv (argv[0] included, NULL-terminated) in its own
 * process group, with the trace ring and output pipes. 0 | -errno (the
 * exec failure's errno when the program cannot run). */
int runner_start(struct runner *r, const char *path, char *const argv[]);
/* Is path Open MPI's launcher (mpirun, mpiexec, orterun)? */
bool runner_is_mpirun(const char *path);
/* The fds to poll for POLLIN; returns how many were written. */
int runner_pollfds(const struct runner *r, struct pollfd *fds, int cap);
/* Never blocks: read output, drain events into the model, reap the
 * example if it ended. Returns the number of events applied. */
int runner_pump(struct runner *r);
/* The example exited and its output pipes are closed, or the group is
 * gone, or RUNNER_ORPHAN_GRACE_MS passed since it exited (an orphan that
 * keeps the pipes open would otherwise hold the run forever). */
bool runner_done(const struct runner *r);
/* Run to the end (headless): poll and pump until done, or until timeout
 * seconds (negative = no limit), then runner_finish(). 0 | -ETIMEDOUT. */
int runner_run(struct runner *r, double timeout);
int runner_pause(struct runner *r);   /* SIGSTOP to the group */
int runner_resume(struct runner *r);  /* SIGCONT */
int runner_kill(struct runner *r);    /* SIGKILL to the group, reap */
/* Kill whatever is left of the group, reap it, drain the ring to the end. */
void runner_finish(struct runner *r);
/* Events the ring dropped. */
uint64_t runner_dropped(const struct runner *r);
/* Exit status for a shell: n, or 128 + signal. */
int runner_shell_status(const struct runner *r);
void runner_free(struct runner *r);

#endif
