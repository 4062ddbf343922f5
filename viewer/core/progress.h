/*
 * progress.h — what the learner has done, kept between sessions in
 * STATE/progress, STATE being the workspace's state folder (workspace.h:
 * WORKSPACE/.forklab, or $FORKLAB_STATE). Two clones or two workspaces
 * never share it.
 *
 * Only what cannot be found out again is stored: the latest answer to each
 * quiz question, and how many hints of an exercise were shown. Whether an
 * exercise passes is never stored here: it is the last grade result, so a
 * lesson whose exercise regresses from PASS is no longer done.
 *
 * One line per id, words KEY=VALUE: "08-queues quiz=+-+" (question 1 and 3
 * answered right, 2 wrong; '.' not answered yet), "06-queue-workers hints=2".
 * Unknown words and malformed lines are skipped, so an older or hand-edited
 * file still loads. No ncurses.
 */
#ifndef FORKLAB_PROGRESS_H
#define FORKLAB_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#define PROGRESS_MAX_QUIZ 16

struct progress_entry {
    char id[64];
    char quiz[PROGRESS_MAX_QUIZ + 1]; /* '+' right, '-' wrong, '.' unanswered; "" = never opened */
    int hints;                        /* hint steps shown (exercise ids) */
};

struct progress {
    struct progress_entry *entries;
    size_t n, cap;
};

/* The file's path into buf. 0 | -ENAMETOOLONG | -ENOENT (nowhere to keep it). */
int progress_path(char *buf, size_t cap);
/* Load the file (a missing file is an empty progress). 0 | -errno. */
int progress_load(struct progress *p);
/* Write it back atomically (temp file + rename), making the folder. 0 | -errno. */
int progress_save(const struct progress *p);
void progress_free(struct progress *p);

/* Record the answer to question q (0-based) of a quiz of nquiz questions:
 * the latest answer counts, right or wrong. 0 | -EINVAL | -ENOMEM. */
int progress_quiz_answer(struct progress *p, const char *id, int q, int nquiz, bool right);
/* Questions of lesson id answered right (latest answer), of nquiz. */
int progress_quiz_right(const struct progress *p, const char *id, int nquiz);
/* Hint steps shown for exercise id; set them. */
int progress_hints(const struct progress *p, const char *id);
int progress_set_hints(struct progress *p, const char *id, int shown);

/* A lesson is done when every part it has is done now: each quiz question
 * answered right (nquiz > 0), and its exercise passing at its last grade
 * (has_exercise). A lesson with neither is never "done". */
bool progress_lesson_done(const struct progress *p, const char *id, int nquiz, bool has_exercise,
                          bool exercise_passes);

#endif
