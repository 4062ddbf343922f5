/*
 * hints.h — an exercise's hints, in steps, from HOME/exercises/hints.txt.
 *
 * The file has one hint per line, "KEY<TAB>text". KEY is the exercise id
 * for step 1 (where to look; the grader also shows it for an untouched
 * stub), "ID stepN" for the later steps, each closer to the answer but
 * never the code itself, and "ID CHECK" for the hint of one failed check
 * (the grader's). No ncurses, no output.
 */
#ifndef FORKLAB_HINTS_H
#define FORKLAB_HINTS_H

#include <stddef.h>

#define HINT_MAX_STEPS 8
#define HINT_MAX_TEXT 600

struct hint_steps {
    int n;                                  /* steps found: 0 when none */
    char text[HINT_MAX_STEPS][HINT_MAX_TEXT];
};

/* The steps of exercise id from the file at path (NULL: the one under
 * forklab's home). 0 | -ENOENT (no file) | -EINVAL. Steps keep their
 * order by number; a missing step ends the list. */
int hints_load(const char *path, const char *id, struct hint_steps *out);

#endif
