/*
 * test_grade.c — viewer/grade.c: exercise names, cached results, and one
 * real grading through the driver (the solution of 03 must PASS, the
 * committed stub must FAIL with a hint).
 */
#include "grade.h"
#include "testutil.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Results go to a private build dir; the driver needs libmp.a and
 * model.o, which live in the real one: link them in. */
static char build[PATH_MAX];

static void private_build(void)
{
    const char *real = getenv("BUILD");
    char real_abs[PATH_MAX];
    cr_assert(realpath(real ? real : "build", real_abs), "no build dir");
    snprintf(build, sizeof build, "/tmp/forklab-test-grade-%d", (int)getpid());
    char path[PATH_MAX + 64], target[PATH_MAX + 64];
    mkdir(build, 0755);
    snprintf(path, sizeof path, "%s/viewer", build);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/viewer/core", build);
    mkdir(path, 0755);
    snprintf(target, sizeof target, "%s/libmp.a", real_abs);
    snprintf(path, sizeof path, "%s/libmp.a", build);
    cr_assert(symlink(target, path) == 0);
    snprintf(target, sizeof target, "%s/viewer/core/model.o", real_abs);
    snprintf(path, sizeof path, "%s/viewer/core/model.o", build);
    cr_assert(symlink(target, path) == 0);
    snprintf(target, sizeof target, "%s/viewer/core/waitfor.o", real_abs);
    snprintf(path, sizeof path, "%s/viewer/core/waitfor.o", build);
    cr_assert(symlink(target, path) == 0);
    snprintf(target, sizeof target, "%s/libforklab.a", real_abs); /* the explorer, for the graders that explore */
    snprintf(path, sizeof path, "%s/libforklab.a", build);
    cr_assert(symlink(target, path) == 0);
    /* the MPI exercises run under forklab run --mpi with the tracer */
    snprintf(target, sizeof target, "%s/forklab", real_abs);
    snprintf(path, sizeof path, "%s/forklab", build);
    cr_assert(symlink(target, path) == 0);
    snprintf(target, sizeof target, "%s/libmptrace.so", real_abs);
    snprintf(path, sizeof path, "%s/libmptrace.so", build);
    cr_assert(symlink(target, path) == 0);
    setenv("FORKLAB_BUILD", build, 1);
    setenv("FORKLAB_HOME", ".", 1);
}

static void remove_build(void)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", build);
    cr_assert(system(cmd) == 0);
}

/* True when this process runs in a chroot: its / is not PID 1's, or PID 1's
 * root cannot be looked at from here (in a chroot, even root gets EACCES). */
static bool in_chroot(void)
{
    struct stat a, b;
    if (stat("/", &a) != 0) return false;
    if (stat("/proc/1/root/.", &b) != 0) return errno == EACCES;
    return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

Test(grade, exercise_names, .timeout = 120.)
{
    cr_assert_eq(grade_exercise_count(), 14);
    cr_assert_str_eq(grade_exercise_id(0), "01-spawn");
    cr_assert_str_eq(grade_exercise_id(9), "10-capstone");
    cr_assert_str_eq(grade_exercise_id(10), "11-fix-race");
    cr_assert_str_eq(grade_exercise_id(11), "12-lock-order");
    cr_assert_str_eq(grade_exercise_id(12), "13-mpi-ring");
    cr_assert_str_eq(grade_exercise_id(13), "14-mpi-sum");
    cr_assert_null(grade_exercise_id(14));
    cr_assert_str_eq(grade_find_exercise("13"), "13-mpi-ring");
    cr_assert_str_eq(grade_find_exercise("mpi-sum"), "14-mpi-sum");
    cr_assert_str_eq(grade_find_exercise("06"), "06-queue-workers");
    cr_assert_str_eq(grade_find_exercise("6"), "06-queue-workers");
    cr_assert_str_eq(grade_find_exercise("queue-workers"), "06-queue-workers");
    cr_assert_str_eq(grade_find_exercise("exercises/08-pool-sum.c"), "08-pool-sum");
    cr_assert_str_eq(grade_find_exercise("11"), "11-fix-race");
    cr_assert_null(grade_find_exercise("15"));
    cr_assert_null(grade_find_exercise("queue"));
    cr_assert_null(grade_find_exercise(""));
    cr_assert_null(grade_find_exercise(NULL));
    cr_assert_str_eq(grade_status_name(GRADE_BUILD_ERROR), "BUILD ERROR");
    cr_assert_str_eq(grade_status_name(GRADE_NOT_RUN), "-");
    setenv("FORKLAB_HOME", ".", 1);
    cr_assert(strstr(grade_hint("02-lock-counter"), "lock") != NULL, "hint: '%s'", grade_hint("02-lock-counter"));
    cr_assert_str_eq(grade_hint("nope"), "");
}

Test(grade, cached_result, .timeout = 120.)
{
    private_build();
    cr_assert_eq(grade_last_status("05"), GRADE_NOT_RUN);
    struct grade_result r;
    cr_assert_eq(grade_last_result("05", &r), -ENOENT);
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/grade", build);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/grade/05-pipe-pingpong.result", build);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "id=05-pipe-pingpong\nstatus=TIMEOUT\npoints=3\nmax_points=10\ntested=3\npassed=1\n"
               "check=did not finish\nhint=close your end\n");
    fclose(f);
    cr_assert_eq(grade_last_status("05-pipe-pingpong"), GRADE_TIMEOUT);
    cr_assert_eq(grade_last_result("5", &r), 0);
    cr_assert_eq(r.points, 3);
    cr_assert_eq(r.passed, 1);
    cr_assert_str_eq(r.check, "did not finish");
    cr_assert_str_eq(r.hint, "close your end");
    cr_assert_eq(grade_last_result("nope", &r), -EINVAL);
    remove_build();
}

Test(grade, grade_solution_and_stub, .timeout = 120.)
{
    private_build();
    struct grade_result r;
    int rc = grade_exercise("03", true, &r);
    cr_assert_eq(rc, GRADE_PASS, "solution 03: %s: %s", grade_status_name(r.status), r.check);
    cr_assert_eq(r.points, r.max_points);
    cr_assert(r.tested > 0 && r.passed == r.tested);
    /* the viewer grades in the same sandbox as make grade; in a chroot the
     * kernel refuses user namespaces (CLONE_NEWUSER: EPERM), and the grade
     * must then say so instead of pretending */
    if (in_chroot())
        cr_assert(r.contained || strstr(r.sandbox, "NOT CONTAINED: the sandbox cannot start here"), "%s", r.sandbox);
    else
        cr_assert(r.contained, "graded uncontained: %s", r.sandbox);
    /* the learner's cache is untouched by a solutions run */
    cr_assert_eq(grade_last_status("03"), GRADE_NOT_RUN);

    rc = grade_exercise("03-shared-array", false, &r);
    if (rc == GRADE_FAIL && strstr(r.check, "ENOSYS")) { /* the untouched stub */
        cr_assert_eq(r.points, 0);
        cr_assert(r.hint[0], "a failure comes with a hint");
    }
    cr_assert(rc > GRADE_NOT_RUN, "grading 03 gave %d", rc);
    cr_assert_eq(grade_last_status("03"), (enum grade_status)rc);
    cr_assert_eq(grade_exercise("nope", false, &r), -EINVAL);
    remove_build();
    tu_assert_no_children();
}

/* True when the tree's exercise is still the stub as committed (its TODOs). */
static bool is_stub(const char *id)
{
    char path[PATH_MAX], line[512];
    snprintf(path, sizeof path, "exercises/%s.c", id);
    FILE *f = fopen(path, "r");
    bool todo = false;
    while (f && !todo && fgets(line, sizeof line, f)) todo = strstr(line, "TODO 1:") != NULL;
    if (f) fclose(f);
    return todo;
}

/* The MPI exercises go through the same entry point as the others (the
 * viewer's g): solutions 10/10 on 4 ranks, contained; stubs 0/10. */
Test(grade, mpi_solution_and_stub, .timeout = 180.)
{
    private_build();
    const char *ids[] = {"13", "14-mpi-sum"};
    for (size_t i = 0; i < 2; i++) {
        struct grade_result r;
        int rc = grade_exercise(ids[i], true, &r);
        cr_assert_eq(rc, GRADE_PASS, "solution %s: %s: %s", ids[i], grade_status_name(r.status), r.check);
        cr_assert_eq(r.points, 10);
        cr_assert_eq(r.max_points, 10);
        cr_assert_eq(r.tested, 3);
        cr_assert_eq(r.passed, 3);
        if (in_chroot())
            cr_assert(r.contained || strstr(r.sandbox, "NOT CONTAINED: the sandbox cannot start here"), "%s", r.sandbox);
        else
            cr_assert(r.contained, "graded uncontained: %s", r.sandbox);

        const char *id = grade_find_exercise(ids[i]);
        rc = grade_exercise(id, false, &r);
        cr_assert_eq(grade_last_status(id), (enum grade_status)rc);
        if (is_stub(id)) {
            cr_assert_eq(rc, GRADE_FAIL, "stub %s: %s: %s", id, grade_status_name(r.status), r.check);
            cr_assert_eq(r.points, 0);
            cr_assert_eq(r.passed, 0);
            cr_assert_eq(r.tested, 3);
            cr_assert(strstr(r.hint, "Lesson 1"), "a failure comes with the exercise's hint: '%s'", r.hint);
        }
    }
    remove_build();
    tu_assert_no_children();
}
