/*
 * panels.h — the panels of the live run, in one table (as htop keeps one
 * table of meters).
 *
 * PANEL_TABLE is the only list of panels: the name a lesson's `panels:`
 * list uses, the column it goes in and its share of spare rows. From it
 * come the lesson schema's check (lesson.c), the screen layout (layout.c),
 * the rows each panel wants for its content (panels.c) and the drawing of
 * each panel (ui/view_run.c, one draw_NAME per row). It is an X-macro so
 * that the drawing can stay in viewer/ui while the rest stays pure: a row
 * added here without its want_NAME or draw_NAME does not compile.
 */
#ifndef FORKLAB_PANELS_H
#define FORKLAB_PANELS_H

#include "model.h"

#include <stddef.h>

/*                 name       column       weight */
#define PANEL_TABLE(X)                   \
    X(processes, PANEL_LEFT, 4)          \
    X(locks, PANEL_LEFT, 2)              \
    X(queues, PANEL_LEFT, 2)             \
    X(pipes, PANEL_LEFT, 2)              \
    X(arrays, PANEL_LEFT, 2)             \
    X(pool, PANEL_LEFT, 3)               \
    X(async, PANEL_LEFT, 1)              \
    X(timeline, PANEL_RIGHT, 2)          \
    X(notes, PANEL_RIGHT, 2)             \
    X(output, PANEL_RIGHT, 3)            \
    X(ranks, PANEL_LEFT, 3)              \
    X(messages, PANEL_LEFT, 3)           \
    X(collectives, PANEL_LEFT, 2)        \
    X(manager, PANEL_LEFT, 3)            \
    X(code, PANEL_RIGHT, 8)

/* State panels (and the MPI ones) go left; the output, notes, timeline and
 * code right. "code" is the example's source with each process's line
 * (codepane.h); the run view adds it on its own, a lesson need not list it. */
enum panel_side { PANEL_LEFT, PANEL_RIGHT };

enum panel_id {
#define PANEL_ENUM_(name, side, weight) PANEL_##name,
    PANEL_TABLE(PANEL_ENUM_)
#undef PANEL_ENUM_
    PANEL__COUNT
};

/* What a panel's size depends on: the model, and for "output" the lines
 * the viewer holds (the output is not in the model). width = columns. */
struct panel_input {
    const struct model *m;
    size_t output_lines;
    int width;
    int code_lines;   /* lines of the source the code panel shows */
};

struct panel_kind {
    const char *name;
    enum panel_side side;
    int weight;                                   /* share of spare rows */
    int (*want)(const struct panel_input *in);    /* content rows, before borders */
};

/* The row of a panel (id < PANEL__COUNT). */
const struct panel_kind *panel_kind(enum panel_id id);
/* The id of a panel name, -1 when no panel has it. */
int panel_find(const char *name);
/* "processes, locks, ..., output" (for error messages). */
void panel_names(char *buf, size_t cap);
/* The rows a panel would like for its content, borders included. */
int panel_want(enum panel_id id, const struct panel_input *in);
/* A panel's name by its C name: PANEL_NAME(output) is "output". */
#define PANEL_NAME(id) (panel_kind(PANEL_##id)->name)

#endif
