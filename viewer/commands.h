/* commands.h — the forklab subcommands; main.c dispatches to them.
 * Each returns the process exit status (0 ok, 1 failure, 2 usage). */
#ifndef FORKLAB_COMMANDS_H
#define FORKLAB_COMMANDS_H

int cmd_ui(int argc, char **argv);    /* ui/app.c: lesson list, or one lesson (argv[0]) */
int cmd_present(int argc, char **argv); /* ui/app.c: forklab present [LESSON] [--notes] [--state DIR] */
int cmd_follow(int argc, char **argv);  /* ui/app.c: forklab --follow [LESSON] */
/* out/runcmd.c: forklab run LESSON_OR_EXAMPLE [--headless|--frames]; live
 * opens the live view (ui_run_live), given by main.c so that the outputs
 * stage does not call the UI. */
int cmd_run(int argc, char **argv, int (*live)(const char *target));
int cmd_list(int argc, char **argv);  /* out/lint.c: forklab list */
int cmd_lint(int argc, char **argv);  /* out/lint.c: forklab lint [FILES...] */
int cmd_trace(int argc, char **argv); /* out/tracecmd.c: forklab trace record|show|export|merge */
int cmd_trace_merge(int argc, char **argv); /* out/trace_merge.c: forklab trace merge -o OUT FILE... */
int cmd_watch(int argc, char **argv); /* out/grade.c: forklab watch [EXERCISE] */
int cmd_grade(int argc, char **argv); /* out/grade.c: forklab grade [EXERCISE] */
int cmd_explore(int argc, char **argv); /* out/explore.c: forklab explore [OPTIONS] EXAMPLE [-- ARGS] */
int cmd_init(int argc, char **argv);     /* out/learncmd.c: forklab init DIR */
int cmd_progress(int argc, char **argv); /* out/learncmd.c: forklab progress */
int cmd_hint(int argc, char **argv);     /* out/learncmd.c: forklab hint EXERCISE [N] */
int cmd_reset(int argc, char **argv);    /* out/learncmd.c: forklab reset EXERCISE */
/* out/class_client.c: forklab class serve|join|leave|sync|export; board_ui
 * is the full-screen board of `class serve` (ui_class_board), given by main.c. */
struct class_board_ui;
int cmd_class(int argc, char **argv, int (*board_ui)(const struct class_board_ui *));


/* ui/app.c: the live run view for one lesson or example, for `forklab run X`
 * without --headless. */
int ui_run_live(const char *lesson_or_example);
/* ui/view_board.c: the instructor's class board, full screen. */
int ui_class_board(const struct class_board_ui *b);

#endif
