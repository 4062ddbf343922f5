/*
 * codepane.h — the code pane's logic, without a terminal (codepane.c):
 * the example's source split into lines, the line each live process is on,
 * the marker a line gets, which lines a pane of h rows shows, and which
 * columns of a long line show when it is scrolled sideways. Pure: no
 * ncurses, no I/O. viewer/ui draws from these (the live run's code pane,
 * the explorer's replay, which is a run view, and the lesson's code).
 *
 * A process's current line: in a controlled run, the line of the operation
 * it waits at the gate to do (its pending operation); otherwise, and for a
 * process not parked, the line of its last event. Lines are those of the
 * file shown: an operation or event from another file marks nothing.
 */
#ifndef FORKLAB_CODEPANE_H
#define FORKLAB_CODEPANE_H

#include "layout.h"
#include "model.h"
#include "scheduler.h"

#include <stdbool.h>
#include <stddef.h>

/* ------------------------------------------------------------ source */

/* A source text split into lines (text is owned; lines point into it). */
struct cp_source {
    char *text;
    char **lines;
    int n;
    int widest;     /* columns of the widest line, tabs expanded to 4 */
};
/* Takes text (malloc'd, may be NULL: no lines). 0 | -ENOMEM. */
int cp_source_init(struct cp_source *s, char *text);
void cp_source_free(struct cp_source *s);

/* ------------------------------------------------------------ where each process is */

struct cp_where {
    int index;        /* the marker: creation order in a controlled run, else order first seen */
    int pid;
    unsigned line;    /* 1-based line in the file shown; 0: not in it, or not known */
    bool pending;     /* the line of the operation it waits to do (controlled) */
};

/* Each live process of the run, in marker order, with its line in the file
 * named base (a basename, "03-sync.c"; NULL or "" matches any file). procs:
 * a controlled run's processes (NULL, 0 when the run is free). Returns how
 * many were written (at most cap). */
size_t cp_where(const struct model *m, const struct sched_proc *procs, size_t nprocs, const char *base,
                struct cp_where *out, size_t cap);

/* The marker of line (1-based): the indexes of the processes on it,
 * "1", "1,2", or "1,2+" when they do not all fit in width columns (the
 * selected one, sel, is always named, first when it does not fit). "" when
 * none. Returns how many processes are on the line; *has_sel (may be NULL):
 * sel is one of them. */
int cp_marker(const struct cp_where *w, size_t n, unsigned line, int sel, char *buf, size_t cap, int width,
              bool *has_sel);

/* The line the pane follows: the selected process's (sel, an index), else
 * the first process with a line; 0 when none. */
unsigned cp_focus(const struct cp_where *w, size_t n, int sel);

/* ------------------------------------------------------------ scrolling */

/* The first line (0-based) a pane of height rows over nlines lines shows,
 * moving from top as little as possible so that focus (1-based, 0: none)
 * shows with a line of context above and below when there is room. */
int cp_top(int nlines, int height, unsigned focus, int top);

/* Sideways: the largest offset worth scrolling to, so that the widest line's
 * end shows in width columns (0 when everything fits). */
int cp_hmax(int widest, int width);

/* Columns [off, off + width) of text (UTF-8, a code point one column, tabs
 * already expanded) into dst (NULL: only count), whole code points, as many
 * as cap holds; *left / *right: text is hidden on that side. Returns the
 * columns copied. */
int cp_slice(const char *text, int off, int width, char *dst, size_t cap, bool *left, bool *right);

/* ------------------------------------------------------------ place on the run screen */

/* Where the run view's code pane goes: from 140 columns (where the panels
 * keep more than the 80 columns they are laid out for) it is a column of
 * its own on the right (*code, and *rest the width left for the panels);
 * below, it is a panel of the right-hand stack ("code" in the panel table),
 * *code.w == 0 and *rest == cols. Shown at all only when shown is true. */
#define CP_OWN_COLUMN_COLS 140
void cp_run_split(int cols, int lines, int watch_rows, bool shown, struct rect *code, int *rest);

/* Shown by default in a column of its own (from CP_OWN_COLUMN_COLS), and
 * from 80 columns in a controlled run, where each process's line holds
 * still between operations; a free run ends before a line can be read, so
 * below 140 columns its panels keep the room until c asks for the code, as
 * the compact layout (below 80) does. pref: 0 = default, 1 = shown, -1 = hidden. */
bool cp_shown(int pref, int cols, bool controlled);

#endif
