/*
 * grade_progress.h — the checks of a grading in progress, read from the
 * grader's log as it grows (grade_progress.c).
 *
 * The exercise graders run under Criterion with --verbose
 * (tests/exercises/grade.sh): the log gets "[====] Running N tests from
 * SUITE:", then "[RUN ] SUITE::NAME" when a check starts and "[PASS]" or
 * "[FAIL] SUITE::NAME: ..." when it ends. Parsing the whole log again at
 * each look gives the state of every check so far; the exercise view and
 * `forklab grade` show them one by one with the same words. The verdict
 * itself still comes from the grader's result file. Pure: the caller reads
 * the log.
 */
#ifndef FORKLAB_GRADE_PROGRESS_H
#define FORKLAB_GRADE_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#define GRADE_PROGRESS_MAX 32

enum grade_check_state { GCHECK_RUNNING = 0, GCHECK_PASS, GCHECK_FAIL, GCHECK_TIMEOUT, GCHECK_CRASH, GCHECK_SKIP };

struct grade_check {
    char name[64];              /* the Test()'s name: "c1_exact_sum" */
    enum grade_check_state state;
};

struct grade_progress {
    int total;                  /* checks the suite announced; 0 before it starts */
    struct grade_check checks[GRADE_PROGRESS_MAX]; /* in the order they started */
    int n;
    int ended;                  /* checks that have a result */
};

/* Reads a grader's log (len bytes, not NUL-terminated; a last line without
 * its newline is not read yet) into *gp, from scratch. */
void grade_progress_parse(struct grade_progress *gp, const char *log, size_t len);
/* "ok", "running", "FAILED", "timed out", "crashed", "skipped". */
const char *grade_check_word(enum grade_check_state s);
/* Check i (0-based) in words: "check 2/3: every item once ... ok" (the name
 * without its "c2_" and with spaces; the total as announced, or as many as
 * started when not announced). */
void grade_check_line(const struct grade_progress *gp, int i, char *buf, size_t cap);
/* One line for a status bar: "2 of 3 checks done, 1 ok"; "building"
 * before the suite starts, "starting the checks" once it has. */
void grade_progress_summary(const struct grade_progress *gp, char *buf, size_t cap);

#endif
