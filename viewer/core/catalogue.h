/*
 * catalogue.h — the lessons of the tree and what the learner has done with
 * them, for every screen and command (catalogue.c). No ncurses.
 *
 * The viewer's screens used to reach into the program's entry point for
 * these; they are not screen matters, so they live here and the views, the
 * entry point, `forklab list` and the runner all read the same catalogue.
 */
#ifndef FORKLAB_CATALOGUE_H
#define FORKLAB_CATALOGUE_H

#include "lesson.h"
#include "progress.h"

#include <stdbool.h>
#include <stddef.h>

/* The paths of dir's lesson files (*.yaml, not hidden), sorted by name.
 * 0 | -errno; free with lessons_free_files. */
int lessons_list_files(const char *dir, char ***paths, size_t *n);
void lessons_free_files(char **paths, size_t n);
/* All lessons of dir (*.yaml), sorted by order. Files that fail to load
 * are skipped and counted in *nerrors (may be NULL). 0 | -errno. */
int lessons_load_dir(const char *dir, struct lesson **out, size_t *n, size_t *nerrors);
void lessons_free(struct lesson *ls, size_t n);

struct catalogue {
    struct lesson *lessons;  /* sorted by order */
    size_t nlessons;
    struct progress progress;
    /* Whether an exercise passed outside the viewer (`make grade`): set by
     * whoever can tell (the grader's cached results); NULL = only the
     * progress file counts. */
    bool (*exercise_passed)(const char *exercise_id);
    /* The points of an exercise's last grade: 0 with *points, *max set, or
     * -ENOENT (never graded); NULL = unknown. */
    int (*exercise_points)(const char *exercise_id, int *points, int *max);
};

/* Loads the lessons under forklab_home()/lessons and the progress file.
 * 0, with *nerrors lesson files that did not load (may be NULL) | -errno
 * when lessons/ cannot be read. A progress file that cannot be read is an
 * empty progress (*progress_rc says why, may be NULL). */
int catalogue_load(struct catalogue *c, size_t *nerrors, int *progress_rc);
void catalogue_free(struct catalogue *c);
/* A lesson by id ("08-queues"), order number ("8") or program name. */
const struct lesson *catalogue_find(const struct catalogue *c, const char *name);
/* Done: every quiz question answered right (the latest answers) and the
 * exercise passing at its last grade, for the parts the lesson has. */
bool catalogue_done(const struct catalogue *c, const struct lesson *l);
/* Where a lesson stands: compact "2/3 10/10" (quiz right/asked, exercise
 * points; "-" for a part it lacks), or long "quiz 2/3, exercise 01-spawn 10/10". */
void catalogue_score(const struct catalogue *c, const struct lesson *l, bool compact, char *buf, size_t cap);
/* The whole text of a file under forklab_home() (an absolute path as is),
 * at most 8 MiB; NULL with errno set when it cannot be read. */
char *catalogue_read_file(const char *relpath);

#endif
