/*
 * layout.h — what the viewer's screens contain, computed without a terminal.
 *
 * Everything here is pure (no ncurses, no I/O): screen rectangles for a
 * COLS x LINES terminal, panel text formatted into a width, the help text,
 * and a tokenizer for code highlighting. viewer/ui/ draws what these return,
 * so the shape of every screen is unit-tested (tests/viewer/test_layout.c).
 *
 * Widths are terminal columns. Strings are UTF-8; a code point counts as one
 * column (the viewer only prints ASCII plus a few one-column symbols).
 */
#ifndef FORKLAB_LAYOUT_H
#define FORKLAB_LAYOUT_H

#include "highlight.h"
#include "rows.h"
#include "text.h"

#include <stdbool.h>
#include <stddef.h>

#define LAYOUT_MIN_COLS 80
#define LAYOUT_MIN_LINES 24

struct rect {
    int x, y, w, h;
};

/* ------------------------------------------------------------ rectangles */

/* True when the terminal is smaller than 80x24. */
bool layout_too_small(int cols, int lines);
/* "forklab needs at least 80x24; this terminal is WxH" into buf. */
void layout_too_small_msg(char *buf, size_t cap, int cols, int lines);

/* The lesson screen: a header row, the slide, the code (C, and Python beside
 * it when side_by_side), a footer row. python.w == 0 when not side by side.
 * Side by side is chosen when cols >= LAYOUT_SIDE_BY_SIDE_COLS. Below 120
 * columns the slide sits above the code: slide_rows (borders included, 0 =
 * no wish) grows it from 2/5 up to 3/5 of the body so a long slide shows. */
#define LAYOUT_SIDE_BY_SIDE_COLS 160
struct layout_lesson {
    struct rect header, slide, code, python, footer;
    bool side_by_side;
};
int layout_lesson(int cols, int lines, int slide_rows, struct layout_lesson *out);

/* The live run screen. Panels are named as in a lesson's `panels:` list
 * ("processes", "locks", "queues", "pipes", "arrays", "pool", "async",
 * "timeline", "notes", "output"). State panels go in the left column, the
 * output, notes and timeline in the right one; "output" is always shown.
 * Unknown names are ignored; panels that do not fit (each needs 3 rows) are
 * left out and counted in nhidden. watch_rows (0-3): rows kept above the
 * footer for the lesson's watch_for text. wants (NULL, or one per entry of
 * panels): the rows a panel would like with its borders, from its content;
 * spare rows go to those first, then by a fixed weight per kind. */
#define LAYOUT_MAX_PANELS 12
struct layout_panel {
    char name[16];
    struct rect r;
};
struct layout_run {
    struct rect header, footer, watch;
    struct layout_panel panels[LAYOUT_MAX_PANELS];
    size_t npanels;
    size_t nhidden;
};
int layout_run(int cols, int lines, const char *const *panels, size_t npanels, int watch_rows,
               const int *wants, struct layout_run *out);
/* The rectangle of a panel by name, NULL when not shown. */
const struct rect *layout_run_find(const struct layout_run *l, const char *name);
/* A rectangle of w x h centred in cols x lines (clamped to the screen). */
struct rect layout_centered(int cols, int lines, int w, int h);

#endif
