/*
 * workspace.h — where forklab's files are, and the learner's workspace.
 *
 * Three places, found the same way by every command:
 *
 *   home    the read-only material: lessons/ (YAML + example sources),
 *           exercises/ (the stubs), tests/exercises/ (the graders).
 *           The source tree when forklab runs from ROOT/BUILD/forklab;
 *           PREFIX/share/forklab when it runs from PREFIX/bin/forklab
 *           (found from /proc/self/exe, so an installed copy works from
 *           any folder). $FORKLAB_HOME overrides.
 *   build   the built programs: lessons/NAME (the examples), libmp.a and
 *           the model object the graders link. ROOT/BUILD, or
 *           PREFIX/libexec/forklab. $FORKLAB_BUILD overrides.
 *   workspace  where the learner edits exercises/NN-topic.c and where
 *           their progress and grade results are kept: the nearest folder
 *           at or above the current directory holding .forklab/workspace
 *           (made by `forklab init DIR`); else the source tree itself when
 *           forklab runs from one; else none (an installed forklab outside
 *           any workspace: lessons and runs work, grading asks for init).
 *
 * Progress belongs to one workspace: WORKSPACE/.forklab/progress, so two
 * clones or two workspaces never share it. $FORKLAB_STATE names another
 * state folder (tests use it). No ncurses, no output.
 */
#ifndef FORKLAB_WORKSPACE_H
#define FORKLAB_WORKSPACE_H

#include <stdbool.h>
#include <stddef.h>

enum ws_kind {
    WS_NONE = 0,  /* installed, outside any workspace */
    WS_TREE,      /* the source tree: exercises/ of the tree, results in BUILD/grade */
    WS_INIT,      /* a folder made by `forklab init` */
};

/* Static strings, computed once. */
const char *ws_home(void);
const char *ws_build(void);
/* True when running as an installed copy (PREFIX/bin + PREFIX/share/forklab). */
bool ws_installed(void);

/* The workspace in effect; its folder into dir (may be NULL) when not WS_NONE. */
enum ws_kind ws_find(char *dir, size_t cap);

/* WORKSPACE/exercises/ID.c (the file the learner edits). 0 | -ENOENT (no
 * workspace) | -ENAMETOOLONG. */
int ws_exercise_path(const char *id, char *buf, size_t cap);
/* Where grade results go: BUILD/grade for the tree, WORKSPACE/.forklab/grade
 * for a workspace. 0 | -ENOENT | -ENAMETOOLONG. */
int ws_grade_dir(char *buf, size_t cap);
/* The state folder (progress, hint steps): $FORKLAB_STATE, else
 * WORKSPACE/.forklab, else (no workspace) $XDG_STATE_HOME/forklab or
 * ~/.local/state/forklab. 0 | -ENOENT | -ENAMETOOLONG. */
int ws_state_dir(char *buf, size_t cap);

/* The untouched stub of exercise id, malloc'd (NUL-terminated) into *text:
 * HOME/exercises/ID.c when installed; in a source tree the committed
 * version (git show HEAD:exercises/ID.c), else, when tree_copy, the tree's
 * file as it is (which the learner may have edited). 0 | -EINVAL | -ENOENT
 * (no original to be had) | -ENOMEM. */
int ws_stub_text(const char *id, bool tree_copy, char **text, size_t *len);

/* Writes len bytes to path atomically (temp file + rename), mode 0644.
 * 0 | -errno. */
int ws_write_file(const char *path, const char *data, size_t len);
/* mkdir -p. 0 | -errno. */
int ws_mkdirs(const char *dir, unsigned mode);

/* forklab init DIR: makes DIR (if needed) a workspace: exercises/ with every
 * stub and exercise.h, a README.md, .forklab/workspace. Refuses (-EEXIST)
 * a folder that is already a workspace or holds an exercise file; *what
 * names the path concerned. 0 | -errno. */
int ws_init(const char *dir, char *what, size_t cap);

#endif
