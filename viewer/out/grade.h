/*
 * grade.h — grading the exercises, for the viewer and the CLI.
 *
 * One grading run builds an exercise (the learner's exercises/NN-topic.c,
 * or solutions/NN-topic.c) against its Criterion grader in
 * tests/exercises/, runs it under a time limit and turns the outcome into
 * a status, points, the first failing check in plain words and a hint.
 * The work is done by tests/exercises/grade.sh (the same driver `make
 * grade` uses); these functions call it and read what it wrote, so the
 * viewer, `forklab grade` and `make grade` always agree.
 *
 * The code runs contained (its own pid, mount and network namespaces, an
 * unprivileged uid, limits; tests/exercises/sandbox.sh); where that is not
 * possible the result says so (contained = false, sandbox = the reason).
 *
 * Where things are: the source tree and the build directory as paths.h
 * finds them ($FORKLAB_HOME, $FORKLAB_BUILD). Results are kept in BUILD/grade/ (one
 * results file per exercise plus results.json).
 */
#ifndef FORKLAB_GRADE_H
#define FORKLAB_GRADE_H

#include "grade_progress.h"

#include <stdbool.h>
#include <stddef.h>

enum grade_status {
    GRADE_NOT_RUN = 0,   /* never graded (or no cached result) */
    GRADE_PASS,          /* every check passed: full points */
    GRADE_FAIL,          /* a check failed (check + hint say which) */
    GRADE_TIMEOUT,       /* did not finish in time: deadlock or endless loop */
    GRADE_CRASH,         /* the code crashed (signal) or forked without end */
    GRADE_BUILD_ERROR,   /* did not compile: check holds the first error */
    GRADE_ERROR,         /* the grader itself could not run (missing tools ...) */
};

struct grade_result {
    char id[32];                /* "06-queue-workers" */
    enum grade_status status;
    int points, max_points;     /* points scored out of max_points */
    int tested, passed;         /* Criterion test counts */
    char check[320];            /* the first failing check, or the compiler's first error */
    char hint[320];             /* what to look at; empty on PASS */
    bool contained;             /* the code ran in the sandbox (tests/exercises/sandbox.sh) */
    char sandbox[320];          /* what contained it, or why nothing did ("NOT CONTAINED: ...") */
};

/* The exercises in order ("01-spawn" ... "14-mpi-sum"; 13 and 14 are MPI
 * programs, graded through tests/exercises/mpi/grade-mpi.sh). */
size_t grade_exercise_count(void);
const char *grade_exercise_id(size_t i);
/* Resolves "06", "6", "06-queue-workers" or "queue-workers" to the full id;
 * NULL when it names no exercise. */
const char *grade_find_exercise(const char *name);
/* The exercise's hint (never NULL; "" when none). */
const char *grade_hint(const char *id);
/* "PASS", "FAIL", "TIMEOUT", "CRASH", "BUILD ERROR", "ERROR", "-". */
const char *grade_status_name(enum grade_status s);

/* Builds and grades one exercise now (blocks: a few seconds, at most the
 * grader's time limit). solutions = grade solutions/ instead of exercises/.
 * Fills *out and returns its status (>= 0), or a negative errno when the
 * id is unknown (-EINVAL) or the driver could not be started. Runs the
 * driver as a child process with stdout/stderr sent to a log file under
 * BUILD/grade/, so it is safe to call while curses owns the terminal. */
int grade_exercise(const char *id, bool solutions, struct grade_result *out);

/* The status of the last grading of the learner's exercise (not the
 * solutions), from BUILD/grade/; GRADE_NOT_RUN when none is recorded.
 * Cheap: reads one small file. */
enum grade_status grade_last_status(const char *id);
/* Same, with the whole cached result. 0 | -ENOENT. */
int grade_last_result(const char *id, struct grade_result *out);

/* Progress of a grading under way (grade_progress.h), from the grader's log
 * of the exercise (the learner's, or the solution's). The log keeps the
 * previous grading until the driver reaches this exercise: pass the
 * grade_log_stamp() taken before starting, and a log not written since
 * reads as nothing yet (-EAGAIN). 0 | -EAGAIN | -ENOENT | -EINVAL */
long long grade_log_stamp(const char *id, bool solutions);
int grade_progress_read(const char *id, bool solutions, long long stamp, struct grade_progress *gp);

#endif
