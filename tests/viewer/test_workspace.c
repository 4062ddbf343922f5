/*
 * test_workspace.c — viewer/core/workspace.c, progress.c and hints.c: a
 * workspace made by init is found from inside it, keeps its own progress,
 * and the progress follows the truth (latest quiz answers, the exercise's
 * last grade); every exercise has hints in steps that never paste code.
 */
#include "grade.h"
#include "hints.h"
#include "progress.h"
#include "workspace.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp[PATH_MAX], root[PATH_MAX];

/* A private temp dir; forklab's home pinned to the tree (tests may chdir). */
static void setup(void)
{
    cr_assert(getcwd(root, sizeof root));
    setenv("FORKLAB_HOME", root, 1);
    unsetenv("FORKLAB_STATE");
    snprintf(tmp, sizeof tmp, "/tmp/fl-ws-test-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
    char cmd[PATH_MAX + 16];
    if (chdir(root) != 0) fprintf(stderr, "cannot go back to %s\n", root);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
}

static bool exists(const char *dir, const char *rel)
{
    char p[PATH_MAX * 2];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    return stat(p, &st) == 0;
}

/* ------------------------------------------------------------ progress */

TestSuite(progress, .init = setup, .fini = teardown, .timeout = 10.);

Test(progress, path_is_the_state_dir)
{
    char path[PATH_MAX];
    setenv("FORKLAB_STATE", "/tmp/xyz/st", 1);
    cr_assert_eq(progress_path(path, sizeof path), 0);
    cr_assert_str_eq(path, "/tmp/xyz/st/progress");
    cr_assert_eq(progress_path(path, 8), -ENAMETOOLONG);
}

Test(progress, latest_quiz_answers_count_and_round_trip)
{
    setenv("FORKLAB_STATE", tmp, 1);
    struct progress p;
    cr_assert_eq(progress_load(&p), 0, "a missing file is empty progress");
    cr_assert_eq(p.n, 0);
    cr_assert_eq(progress_quiz_answer(&p, "08-queues", 0, 3, true), 0);
    cr_assert_eq(progress_quiz_answer(&p, "08-queues", 2, 3, false), 0);
    cr_assert_eq(progress_quiz_right(&p, "08-queues", 3), 1);
    cr_assert_eq(progress_quiz_answer(&p, "08-queues", 3, 3, true), -EINVAL, "question out of range");
    cr_assert_eq(progress_quiz_answer(&p, "bad id", 0, 3, true), -EINVAL);
    cr_assert_eq(progress_set_hints(&p, "06-queue-workers", 2), 0);
    cr_assert_eq(progress_save(&p), 0);
    progress_free(&p);

    struct progress q;
    cr_assert_eq(progress_load(&q), 0);
    cr_assert_eq(progress_quiz_right(&q, "08-queues", 3), 1);
    cr_assert_eq(progress_hints(&q, "06-queue-workers"), 2);
    /* a right answer later fixes a wrong one; a wrong one undoes a right one */
    progress_quiz_answer(&q, "08-queues", 2, 3, true);
    progress_quiz_answer(&q, "08-queues", 0, 3, false);
    cr_assert_eq(progress_quiz_right(&q, "08-queues", 3), 1);
    progress_free(&q);

    char path[PATH_MAX], line[256], text[1024] = "";
    progress_path(path, sizeof path);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    while (fgets(line, sizeof line, f)) strncat(text, line, sizeof text - strlen(text) - 1);
    fclose(f);
    cr_assert(strstr(text, "\n08-queues quiz=+.-\n"), "file:\n%s", text);
    cr_assert(strstr(text, "\n06-queue-workers hints=2\n"), "file:\n%s", text);
}

Test(progress, a_lesson_is_done_only_while_every_part_is)
{
    setenv("FORKLAB_STATE", tmp, 1);
    struct progress p = {0};
    cr_assert(!progress_lesson_done(&p, "02-spawn", 2, true, true), "quiz not answered");
    progress_quiz_answer(&p, "02-spawn", 0, 2, false);
    progress_quiz_answer(&p, "02-spawn", 1, 2, true);
    cr_assert(!progress_lesson_done(&p, "02-spawn", 2, true, true), "one wrong answer: not done");
    progress_quiz_answer(&p, "02-spawn", 0, 2, true);
    cr_assert(progress_lesson_done(&p, "02-spawn", 2, true, true), "quiz right, exercise passing");
    cr_assert(!progress_lesson_done(&p, "02-spawn", 2, true, false), "the exercise regressed from PASS");
    progress_quiz_answer(&p, "13-x", 0, 1, true);
    cr_assert(progress_lesson_done(&p, "13-x", 1, false, false), "no exercise: the quiz is all");
    cr_assert(!progress_lesson_done(&p, "99-empty", 0, false, false), "nothing to do is not done");
    progress_free(&p);
}

Test(progress, malformed_and_old_lines_are_skipped)
{
    setenv("FORKLAB_STATE", tmp, 1);
    char path[PATH_MAX];
    progress_path(path, sizeof path);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("# comment\n\n02-spawn quiz exercise\n03-x quiz=+x+\n   \n04-y quiz=++ hints=nope extra\n"
          "05-z hints=3\n",
          f);
    fclose(f);
    struct progress p;
    cr_assert_eq(progress_load(&p), 0);
    cr_assert_eq(p.n, 2, "only 04-y and 05-z carry anything");
    cr_assert_eq(progress_quiz_right(&p, "02-spawn", 2), 0, "the old 'quiz' word proves no right answer");
    cr_assert_eq(progress_quiz_right(&p, "03-x", 3), 0);
    cr_assert_eq(progress_quiz_right(&p, "04-y", 2), 2);
    cr_assert_eq(progress_hints(&p, "04-y"), 0);
    cr_assert_eq(progress_hints(&p, "05-z"), 3);
    progress_free(&p);
}

/* ------------------------------------------------------------ workspaces */

TestSuite(workspace, .init = setup, .fini = teardown, .timeout = 30.);

Test(workspace, init_makes_a_workspace_found_from_inside)
{
    char ws[PATH_MAX + 8], what[PATH_MAX], dir[PATH_MAX], sub[PATH_MAX + 32];
    snprintf(ws, sizeof ws, "%s/me", tmp);
    cr_assert_eq(ws_init(ws, what, sizeof what), 0, "init: %s", what);
    cr_assert(exists(ws, "exercises/01-spawn.c"));
    cr_assert(exists(ws, "exercises/10-capstone.c"));
    cr_assert(exists(ws, "exercises/exercise.h"));
    cr_assert(exists(ws, "README.md"));
    cr_assert(exists(ws, ".forklab/workspace"));
    cr_assert(!exists(ws, "exercises/hints.txt"), "only the stubs and their header");

    snprintf(sub, sizeof sub, "%s/exercises", ws);
    cr_assert_eq(chdir(sub), 0);
    cr_assert_eq(ws_find(dir, sizeof dir), WS_INIT, "found from a folder inside");
    cr_assert_str_eq(dir, ws);
    char path[PATH_MAX];
    cr_assert_eq(ws_exercise_path("06-queue-workers", path, sizeof path), 0);
    char want[PATH_MAX * 2];
    snprintf(want, sizeof want, "%s/exercises/06-queue-workers.c", ws);
    cr_assert_str_eq(path, want);
    cr_assert_eq(ws_grade_dir(path, sizeof path), 0);
    snprintf(want, sizeof want, "%s/.forklab/grade", ws);
    cr_assert_str_eq(path, want);
    cr_assert_eq(progress_path(path, sizeof path), 0);
    snprintf(want, sizeof want, "%s/.forklab/progress", ws);
    cr_assert_str_eq(path, want);
}

Test(workspace, init_never_overwrites)
{
    char ws[PATH_MAX + 8], what[PATH_MAX], p[PATH_MAX * 2];
    snprintf(ws, sizeof ws, "%s/me", tmp);
    cr_assert_eq(ws_init(ws, what, sizeof what), 0);
    cr_assert_eq(ws_init(ws, what, sizeof what), -EEXIST, "a second init");
    cr_assert(strstr(what, ".forklab/workspace"), "names what exists: %s", what);
    /* a folder with an exercise of the learner's but no marker */
    snprintf(ws, sizeof ws, "%s/other", tmp);
    snprintf(p, sizeof p, "%s/exercises", ws);
    cr_assert_eq(ws_mkdirs(p, 0755), 0);
    snprintf(p, sizeof p, "%s/exercises/03-shared-array.c", ws);
    cr_assert_eq(ws_write_file(p, "mine\n", 5), 0);
    cr_assert_eq(ws_init(ws, what, sizeof what), -EEXIST);
    cr_assert(strstr(what, "03-shared-array.c"), "names the file: %s", what);
    FILE *f = fopen(p, "r");
    char buf[16] = "";
    cr_assert(f && fgets(buf, sizeof buf, f));
    fclose(f);
    cr_assert_str_eq(buf, "mine\n", "the learner's file is untouched");
}

Test(workspace, two_workspaces_keep_their_own_progress)
{
    char a[PATH_MAX + 8], b[PATH_MAX + 8], what[PATH_MAX];
    snprintf(a, sizeof a, "%s/a", tmp);
    snprintf(b, sizeof b, "%s/b", tmp);
    cr_assert_eq(ws_init(a, what, sizeof what), 0);
    cr_assert_eq(ws_init(b, what, sizeof what), 0);
    cr_assert_eq(chdir(a), 0);
    struct progress p;
    cr_assert_eq(progress_load(&p), 0);
    progress_quiz_answer(&p, "02-spawn", 0, 2, true);
    cr_assert_eq(progress_save(&p), 0);
    progress_free(&p);
    cr_assert_eq(chdir(b), 0);
    cr_assert_eq(progress_load(&p), 0);
    cr_assert_eq(p.n, 0, "b sees nothing of a's progress");
    progress_free(&p);
    cr_assert_eq(chdir(a), 0);
    cr_assert_eq(progress_load(&p), 0);
    cr_assert_eq(progress_quiz_right(&p, "02-spawn", 2), 1);
    progress_free(&p);
}

Test(workspace, the_stub_is_the_original)
{
    char *text = NULL;
    size_t len = 0;
    cr_assert_eq(ws_stub_text("01-spawn", true, &text, &len), 0);
    cr_assert(len > 0 && strstr(text, "return -ENOSYS;"), "the stub, unsolved");
    free(text);
    cr_assert_eq(ws_stub_text("../etc/passwd", true, &text, &len), -EINVAL);
    cr_assert_eq(ws_stub_text("99-nope", true, &text, &len), -ENOENT);
}

/* ------------------------------------------------------------ hints */

TestSuite(hints, .init = setup, .fini = teardown, .timeout = 10.);

Test(hints, every_exercise_has_steps_and_none_pastes_code)
{
    cr_assert_geq(grade_exercise_count(), 10);
    for (size_t i = 0; i < grade_exercise_count(); i++) {
        const char *id = grade_exercise_id(i);
        struct hint_steps h;
        cr_assert_eq(hints_load(NULL, id, &h), 0);
        cr_assert_geq(h.n, 3, "%s: %d steps", id, h.n);
        for (int s = 0; s < h.n; s++) {
            const char *t = h.text[s];
            /* statements and blocks are the answer pasted in, not a hint */
            cr_assert(!strpbrk(t, "{}") && !strstr(t, ");") && !strstr(t, "++;"), "%s step %d pastes code: %s", id,
                      s + 1, t);
        }
        cr_assert(strstr(h.text[0], "esson") || strstr(h.text[0], "mp.h"), "%s: the first step says where to look: %s",
                  id, h.text[0]);
    }
}

Test(hints, steps_are_read_in_order_and_a_gap_ends_them)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/hints.txt", tmp);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("01-x step2\tsecond\n01-x\tfirst\n01-x c1_check\tfor a check\n01-x step4\tafter a gap\n"
          "01-xy\tanother exercise\nno tab here\n",
          f);
    fclose(f);
    struct hint_steps h;
    cr_assert_eq(hints_load(path, "01-x", &h), 0);
    cr_assert_eq(h.n, 2);
    cr_assert_str_eq(h.text[0], "first");
    cr_assert_str_eq(h.text[1], "second");
    cr_assert_eq(hints_load("/nonexistent/hints.txt", "01-x", &h), -ENOENT);
}
