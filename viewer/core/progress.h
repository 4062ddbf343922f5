/*
 * progress.h — what the learner has done, kept between sessions in a small
 * text file: $XDG_STATE_HOME/forklab/progress, or
 * ~/.local/state/forklab/progress when XDG_STATE_HOME is unset or empty.
 *
 * One line per lesson: "ID quiz exercise" with the words present for what
 * was done ("08-queues quiz"). Unknown words and malformed lines are
 * skipped, so an older or hand-edited file still loads. No ncurses.
 */
#ifndef FORKLAB_PROGRESS_H
#define FORKLAB_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

enum { PROGRESS_QUIZ = 1u, PROGRESS_EXERCISE = 2u };

struct progress_entry {
    char id[64];
    unsigned flags; /* PROGRESS_* */
};

struct progress {
    struct progress_entry *entries;
    size_t n, cap;
};

/* The file's path into buf. 0 | -ENAMETOOLONG | -ENOENT (no HOME). */
int progress_path(char *buf, size_t cap);
/* Load the file (a missing file is an empty progress). 0 | -errno. */
int progress_load(struct progress *p);
/* Write it back atomically (temp file + rename), making the directory.
 * 0 | -errno. */
int progress_save(const struct progress *p);
/* Record flags for lesson id (added to what it had). 0 | -EINVAL | -ENOMEM. */
int progress_mark(struct progress *p, const char *id, unsigned flags);
/* The flags recorded for id (0 when none). */
unsigned progress_get(const struct progress *p, const char *id);
/* Done = the quiz answered or the exercise passed. */
bool progress_done(const struct progress *p, const char *id);
void progress_free(struct progress *p);

#endif
