/*
 * app.c — the viewer's entry points: `forklab [LESSON]` (the lesson list,
 * or one lesson) and `forklab run X` without --headless (the live run).
 *
 * It loads the catalogue (lessons and progress), checks what it was asked
 * for while the terminal is still a plain one (so a typo is a plain error
 * message), starts the terminal, pushes the first views and runs the loop
 * (stack.c). The views only know the catalogue they are given.
 */
#include "ui.h"

#include "class.h"
#include "commands.h"
#include "grade.h"
#include "paths.h"
#include "runner.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* `make grade` results count as done too: the grader's cache tells. */
static bool exercise_passed(const char *id)
{
    return grade_last_status(id) == GRADE_PASS;
}

/* The points of the last grade, for the scores the screens show. */
static int exercise_points(const char *id, int *points, int *max)
{
    struct grade_result r;
    int rc = grade_last_result(id, &r);
    if (rc < 0) return rc;
    *points = r.points;
    *max = r.max_points;
    return 0;
}

static int load(struct catalogue *c)
{
    size_t nerr = 0;
    int prc = 0;
    c->exercise_passed = exercise_passed;
    c->exercise_points = exercise_points;
    int rc = catalogue_load(c, &nerr, &prc);
    if (rc < 0) {
        fprintf(stderr, "forklab: cannot read lessons in %s/lessons: %s\n", forklab_home(), strerror(-rc));
        return -1;
    }
    if (nerr)
        fprintf(stderr, "forklab: %zu lesson file(s) in %s/lessons did not load (see `forklab lint`)\n", nerr,
                forklab_home());
    if (prc < 0) fprintf(stderr, "forklab: progress not loaded: %s\n", strerror(-prc));
    return 0;
}

/* What `forklab run X` names, by the rule headless uses (runner_resolve):
 * a built example of that name first, else a lesson's own example. Nothing
 * to run is a plain error, said before the screen is ours. */
static bool runnable(const struct catalogue *cat, const char *run_name, const struct lesson **l,
                     const char **program)
{
    char path[4096], own[4096], **args = NULL;
    size_t nargs = 0;
    if (runner_resolve(run_name, path, sizeof path, &args, &nargs) < 0) {
        runner_explain_missing(stderr, "forklab run", run_name);
        return false;
    }
    runner_free_args(args, nargs);
    snprintf(own, sizeof own, "%s/lessons/%s", forklab_build_dir(), run_name);
    bool example = !strchr(run_name, '/') && !strcmp(path, own);
    *l = example ? runner_example_lesson(cat->lessons, cat->nlessons, run_name) : catalogue_find(cat, run_name);
    *program = example || !*l ? run_name : (*l)->program;
    return true;
}

/* Start the terminal with the given first views, run, clean up. With
 * `follow`, the views follow the presenter of the class this student
 * joined, from the start. */
static int run_ui(const char *lesson_name, const char *run_name, bool follow)
{
    struct catalogue cat = {0};
    if (load(&cat) < 0) return 1;
    const struct lesson *l = NULL;
    int rc = 1;
    if (lesson_name && !(l = catalogue_find(&cat, lesson_name))) {
        fprintf(stderr, "forklab: no lesson '%s' (try `forklab list`)\n", lesson_name);
        goto out;
    }
    const char *program = NULL;
    if (run_name && !runnable(&cat, run_name, &l, &program)) goto out;
    if (follow) {
        int fr = ui_follow_start(&cat);
        if (fr < 0) { /* said before the screen is ours */
            fprintf(stderr, "forklab --follow: %s\n",
                    fr == -ENOENT ? "you have not joined a class: run `forklab class join HOST:PORT --name NAME` first"
                                  : "your class state is damaged: run `forklab class join` again");
            goto out;
        }
    }
    class_agent_start(); /* before the screen is ours: the child owns no terminal */
    if (ui_term_start() < 0) goto out;
    if (run_name) {
        ui_push(ui_run_view(l, program));
    } else {
        ui_push(ui_list_view(&cat));
        if (l) ui_push(ui_lesson_view(&cat, l));
    }
    rc = ui_stack_empty() ? 1 : 0;
    if (rc == 0) ui_loop();
    /* Killed by a signal: say so in the status, as a shell would. */
    if (ui_term_stop_signal()) rc = 128 + ui_term_stop_signal();
    ui_term_stop();
out:
    class_agent_stop();
    ui_follow_stop(); /* `f` may have started following in any viewer */
    catalogue_free(&cat);
    return rc;
}

int cmd_ui(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "usage: forklab [LESSON]\n");
        return 2;
    }
    return run_ui(argc == 1 ? argv[0] : NULL, NULL, false);
}

/* `forklab --follow [LESSON]`: the lesson list (or one lesson), following
 * the presenter of the class this student joined from the start. */
int cmd_follow(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "usage: forklab --follow [LESSON]\n");
        return 2;
    }
    return run_ui(argc == 1 ? argv[0] : NULL, NULL, true);
}

/* `forklab present [LESSON] [--notes] [--state DIR] [--key-file F]`. */
int cmd_present(int argc, char **argv)
{
    const char *name = NULL, *state = NULL, *keyfile = NULL;
    bool notes = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--notes")) notes = true;
        else if (!strcmp(argv[i], "--state") && i + 1 < argc) state = argv[++i];
        else if (!strcmp(argv[i], "--key-file") && i + 1 < argc) keyfile = argv[++i];
        else if (argv[i][0] != '-' && !name) name = argv[i];
        else {
            fprintf(stderr, "usage: forklab present [LESSON] [--state DIR] [--key-file F]   the lesson as slides, for a projector\n"
                            "       forklab present --notes                 the presenter's notes, following the slides\n");
            return 2;
        }
    }
    struct catalogue cat = {0};
    if (load(&cat) < 0) return 1;
    const struct lesson *l = NULL;
    int rc = 1;
    if (name && !(l = catalogue_find(&cat, name))) {
        fprintf(stderr, "forklab: no lesson '%s' (try `forklab list`)\n", name);
        goto out;
    }
    if (!cat.nlessons) {
        fprintf(stderr, "forklab present: no lessons in %s/lessons\n", forklab_home());
        goto out;
    }
    if (ui_term_start() < 0) goto out;
    ui_push(notes ? ui_notes_view(&cat) : ui_present_view(&cat, l ? l : &cat.lessons[0], 0, state, keyfile));
    rc = ui_stack_empty() ? 1 : 0;
    if (rc == 0) ui_loop();
    if (ui_term_stop_signal()) rc = 128 + ui_term_stop_signal();
    ui_term_stop();
out:
    catalogue_free(&cat);
    return rc;
}

int ui_run_live(const char *lesson_or_example)
{
    if (!lesson_or_example || !lesson_or_example[0]) {
        fprintf(stderr, "usage: forklab run LESSON|EXAMPLE\n");
        return 2;
    }
    return run_ui(NULL, lesson_or_example, false);
}
