/*
 * highlight.h — spans of a line of C or Python code by class, for
 * colouring (highlight.c). Pure: no ncurses, no I/O.
 */
#ifndef FORKLAB_HIGHLIGHT_H
#define FORKLAB_HIGHLIGHT_H

#include <stddef.h>

enum hl_class { HL_TEXT = 0, HL_KEYWORD, HL_TYPE, HL_STRING, HL_COMMENT, HL_NUMBER, HL_PREPROC, HL_MPCALL };
enum hl_lang { HL_C = 0, HL_PYTHON };
struct hl_span {
    int start, len;
    enum hl_class cls;
};
/* Split one line of code into spans covering it all, in order. *state
 * carries an open C block comment or Python triple-quoted string from
 * line to line (start with 0).
 * Returns the number of spans (at most max; the rest of a longer line is
 * one HL_TEXT span). */
size_t hl_line(enum hl_lang lang, const char *line, int *state, struct hl_span *out, size_t max);
/* Name of a class ("keyword"), for tests and debugging. */
const char *hl_class_name(enum hl_class c);

#endif
