/* Grading progress: the checks of a grading read from Criterion's verbose
 * log as it grows, and the words the exercise view and `forklab grade`
 * show for them. Logs as tests/exercises/grade.sh writes them. */
#include "grade_progress.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static void parse(struct grade_progress *gp, const char *log)
{
    grade_progress_parse(gp, log, strlen(log));
}

static void line_is(const struct grade_progress *gp, int i, const char *want)
{
    char buf[160];
    grade_check_line(gp, i, buf, sizeof buf);
    cr_assert_str_eq(buf, want);
}

static void summary_is(const struct grade_progress *gp, const char *want)
{
    char buf[160];
    grade_progress_summary(gp, buf, sizeof buf);
    cr_assert_str_eq(buf, want);
}

#define START "[----] Criterion v2.4.1\n[====] Running 3 tests from ex06_queue_workers:\n"

Test(grade_progress, before_the_suite_starts)
{
    struct grade_progress gp;
    parse(&gp, "");
    cr_assert_eq(gp.total, 0);
    cr_assert_eq(gp.n, 0);
    summary_is(&gp, "building");
    parse(&gp, "exercises/06-queue-workers.c:3:1: warning: unused\n");
    summary_is(&gp, "building");
    parse(&gp, START);
    cr_assert_eq(gp.total, 3);
    summary_is(&gp, "starting the checks");
}

/* The checks one by one: each line as the log grows. */
Test(grade_progress, checks_one_by_one)
{
    struct grade_progress gp;
    const char *log = START "[RUN ] ex06_queue_workers::c1_exact_sum\n"
                            "seed 17 (FORKLAB_SEED=17 reproduces)\n"
                            "[RUN ] ex06_queue_workers::c2_every_item_once\n";
    parse(&gp, log);
    cr_assert_eq(gp.n, 2);
    cr_assert_eq(gp.ended, 0);
    line_is(&gp, 0, "check 1/3: exact sum ... running");
    line_is(&gp, 1, "check 2/3: every item once ... running");
    summary_is(&gp, "0 of 3 checks done, 0 ok");

    log = START "[RUN ] ex06_queue_workers::c1_exact_sum\n"
                "[RUN ] ex06_queue_workers::c2_every_item_once\n"
                "[PASS] ex06_queue_workers::c2_every_item_once: (0.06s)\n"
                "[----] tests/exercises/test_06-queue-workers.c:43: Assertion Failed\n"
                "[FAIL] ex06_queue_workers::c1_exact_sum: (0.10s)\n"
                "[RUN ] ex06_queue_workers::c3_one_sentinel_each\n";
    parse(&gp, log);
    cr_assert_eq(gp.n, 3);
    cr_assert_eq(gp.ended, 2);
    line_is(&gp, 0, "check 1/3: exact sum ... FAILED");
    line_is(&gp, 1, "check 2/3: every item once ... ok");
    line_is(&gp, 2, "check 3/3: one sentinel each ... running");
    summary_is(&gp, "2 of 3 checks done, 1 ok");
}

Test(grade_progress, timeouts_crashes_and_skips)
{
    struct grade_progress gp;
    parse(&gp, "[====] Running 4 tests from s:\n"
               "[RUN ] s::c1_a\n[RUN ] s::c2_b\n[RUN ] s::c3_c\n[RUN ] s::c4_d\n"
               "[FAIL] s::c1_a: Timed out. (60.00s)\n"
               "[----] t.c:1: Unexpected signal caught below this line!\n"
               "[FAIL] s::c2_b: CRASH!\n"
               "[SKIP] s::c3_c: (0.00s)\n"
               "[PASS] s::c4_d: (0.01s)\n");
    cr_assert_eq(gp.ended, 4);
    line_is(&gp, 0, "check 1/4: a ... timed out");
    line_is(&gp, 1, "check 2/4: b ... crashed");
    line_is(&gp, 2, "check 3/4: c ... skipped");
    line_is(&gp, 3, "check 4/4: d ... ok");
}

/* The learner's output shares the log: a line without its newline runs
 * into the grader's next one, and a line still being written is not read. */
Test(grade_progress, learner_output_and_partial_lines)
{
    struct grade_progress gp;
    parse(&gp, START "[RUN ] ex06_queue_workers::c1_exact_sum\n"
                     "worker 3 got 17[PASS] ex06_queue_workers::c1_exact_sum: (0.02s)\n"
                     "[PASS] ex06_queue_workers::c1_exact_sum: (0.02s)\n" /* said twice: counted once */
                     "[RUN ] ex06_queue_workers::c2_every_item_once\n"
                     "[PASS] ex06_queue_workers::c2_every_i");
    cr_assert_eq(gp.n, 2);
    cr_assert_eq(gp.ended, 1);
    line_is(&gp, 0, "check 1/3: exact sum ... ok");
    line_is(&gp, 1, "check 2/3: every item once ... running");
}

/* An end without its start (the start line was lost) still counts; names
 * without a cN_ prefix stay as they are; no total: as many as started. */
Test(grade_progress, lost_lines_and_plain_names)
{
    struct grade_progress gp;
    parse(&gp, "[PASS] s::plain_name: (0.01s)\n[RUN ] s::c12_x\n");
    cr_assert_eq(gp.total, 0);
    line_is(&gp, 0, "check 1/2: plain name ... ok");
    line_is(&gp, 1, "check 2/2: x ... running");
    char buf[8] = "unset";
    grade_check_line(&gp, 5, buf, sizeof buf);
    cr_assert_str_eq(buf, "", "no such check");
}

/* Garbage and overflow: never more checks than the table holds, no crash. */
Test(grade_progress, garbage_is_harmless)
{
    struct grade_progress gp;
    static char log[1 << 16];
    size_t len = 0;
    for (int i = 0; i < 100; i++)
        len += (size_t)snprintf(log + len, sizeof log - len, "[RUN ] s::check_number_%d\n[PASS] ::\n[FAIL] \n", i);
    grade_progress_parse(&gp, log, len);
    cr_assert_eq(gp.n, GRADE_PROGRESS_MAX);
    parse(&gp, "[====] Running x tests\n[RUN ] no-colons-here\n\n\n");
    cr_assert_eq(gp.n, 0);
    grade_progress_parse(&gp, NULL, 0);
    cr_assert_eq(gp.n, 0);
}
