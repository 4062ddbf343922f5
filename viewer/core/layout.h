/*
 * layout.h — where things go on the viewer's screens, computed without a
 * terminal: rectangles for a COLS x LINES terminal (layout.c). Pure: no
 * ncurses, no I/O. viewer/ui/ draws into what these return, so the shape of
 * every screen is unit-tested (tests/viewer/test_layout.c). What goes in
 * them is elsewhere in core/: rows.h (panel text), text.h (fitting),
 * highlight.h (code), keys.h (the help), panels.h (which panels exist).
 */
#ifndef FORKLAB_LAYOUT_H
#define FORKLAB_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#define LAYOUT_MIN_COLS 60
#define LAYOUT_MIN_LINES 20
/* Shown (UTF-8) where text was cut to fit. */
#define LAYOUT_ELLIPSIS "\xe2\x80\xa6"

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

/* The live run screen. Panels are named as in a lesson's `panels:` list;
 * which exist, their column and weight come from the panel table
 * (panels.h); "output" is always shown. Unknown names are ignored; panels
 * that do not fit (each needs 3 rows) are left out and counted in nhidden.
 * watch_rows (0-3): rows kept above the footer for the lesson's watch_for
 * text. wants (NULL, or one per entry of panels): the rows a panel would
 * like with its borders, from its content (panel_want); spare rows go to
 * those first, then by weight. */
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
