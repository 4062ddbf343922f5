/*
 * ui.h — the viewer's screens, inside viewer/ui/ (the only code that calls
 * ncurses).
 *
 * A screen is a view: a small vtable in the style of htop's panels and
 * tmux's window modes. The app keeps a stack of views, runs one poll() loop
 * and asks the top view to draw when something marked the screen dirty. Key
 * handlers never draw: they return UI_* flags and the loop redraws once per
 * pass. What a screen shows is computed in viewer/core (pure, tested): the
 * geometry (layout.c), the rows (rows.c), the keys (keys.c); the lessons and
 * the learner's progress come from the catalogue (catalogue.c), which the
 * entry point (app.c) loads and hands to the views.
 *
 * Files: app.c (entry: `forklab [LESSON]`, `forklab run X`), stack.c (the
 * view stack and the loop), term.c (the terminal), view_list.c,
 * view_lesson.c (lesson and quiz), view_run.c (the live run) with
 * run_panels.c (its panels). Dependencies go one way: app -> views -> stack, term, core.
 */
#ifndef FORKLAB_UI_H
#define FORKLAB_UI_H

#include "catalogue.h"
#include "codepane.h"
#include "highlight.h"
#include "keys.h"
#include "layout.h"
#include "panels.h"
#include "rows.h"
#include "text.h"

#include <curses.h>
#include <poll.h>
#include <stdbool.h>

/* What a handler asks of the loop. */
enum {
    UI_HANDLED = 1, /* the key meant something here */
    UI_REDRAW = 2,  /* the screen must be drawn again */
    UI_QUIT = 4,    /* leave the program */
    UI_POP = 8,     /* close this view, back to the one below */
};

struct ui_view {
    void (*draw)(struct ui_view *v, int cols, int lines);
    /* key: a character or a KEYS_* code (keys.h), never an ncurses code. */
    int (*key)(struct ui_view *v, int key);
    void (*resize)(struct ui_view *v, int cols, int lines);
    /* Optional, for views that watch a running example: fill fds to poll
     * (returns how many), handle what poll() reported, and the tick in ms
     * (-1: none; the loop then sleeps until a key or an fd). */
    int (*fds)(struct ui_view *v, struct pollfd *fds, int max);
    int (*io)(struct ui_view *v, const struct pollfd *fds, int n);
    int (*tick_ms)(struct ui_view *v);
    int (*tick)(struct ui_view *v);
    void (*destroy)(struct ui_view *v);
    /* Optional: go to lesson's page (follow.c, a presenter's 1-based page).
     * UI_HANDLED when shown; UI_POP: not this view's lesson, ask the one
     * below; 0: not now. */
    int (*follow)(struct ui_view *v, const char *lesson, int page);
    /* Optional: the help overlay's lines for a screen whose keys are not
     * in keys.c's table (the class board); NULL: keys_help_lines(). */
    const char *const *(*help)(size_t *n);
};

/* ------------------------------------------------------------ stack.c */
/* Put a new view on top (it is destroyed when popped). */
void ui_push(struct ui_view *v);
/* Run the loop until the last view is closed, a view quits or a stop
 * signal arrives; then destroy every view. */
void ui_loop(void);
/* True when no view is open. */
bool ui_stack_empty(void);
/* Hands a presenter's page to the views from the top (their follow
 * callbacks; follow.c). true when one showed it. */
bool ui_stack_follow(const char *lesson, int page);

/* ------------------------------------------------------------ term.c */
/* Colours, or attributes only under NO_COLOR / a monochrome terminal. */
enum ui_role {
    R_NORMAL = 0, R_TITLE, R_BORDER, R_SELECTED, R_DIM, R_KEY,
    R_HL_KEYWORD, R_HL_TYPE, R_HL_STRING, R_HL_COMMENT, R_HL_NUMBER, R_HL_PREPROC, R_HL_MPCALL,
    R_GOOD, R_BAD, R_WARN, R__COUNT
};
int ui_term_start(void);   /* 0 | -1 with a message printed on stderr */
void ui_term_stop(void);   /* endwin, restore stderr and print what it got */
bool ui_term_stop_requested(void); /* SIGINT/SIGTERM/SIGHUP/SIGQUIT arrived */
int ui_term_stop_signal(void);     /* which one (0 = none) */
/* Put our stop handlers back (after the runner installed its own). */
void ui_term_signals(void);
attr_t ui_attr(enum ui_role r);
/* An ncurses key code as keys.h spells it (KEY_UP -> KEYS_UP ...). */
int ui_key(int ch);

/* Drawing helpers: text fitted into w columns at (y, x). */
void ui_put(int y, int x, int w, enum ui_role r, const char *text);
/* The same with attributes of one's own (ui_proc_attr). */
void ui_put_attr(int y, int x, int w, attr_t a, const char *text);
/* A process's own colour, by its creation index (bold without colours). */
attr_t ui_proc_attr(int index);
/* A box with a title; returns the inside rectangle. */
struct rect ui_box(struct rect r, const char *title, bool focus);
/* One line of code with its number and highlighting, scrolled hoff
 * columns sideways; a sign at either end when text is hidden there. */
void ui_code_line(int y, int x, int w, int lineno, const char *line, enum hl_lang lang, int *state, int hoff);
/* The same without the number: the code's columns [hoff, hoff + w). */
void ui_code_text(int y, int x, int w, const char *line, enum hl_lang lang, int *state, int hoff);
/* Blank a rectangle. */
void ui_clear(struct rect r);

/* ------------------------------------------------------------ run_panels.c */
/* Rows of text filling a rectangle from the top; what does not fit is
 * dropped. */
struct ui_rows {
    struct rect in;
    int row;
};
void ui_rows_put(struct ui_rows *rs, enum ui_role role, const char *text);
/* Word-wrapped into the rows, continuation lines indented. */
void ui_rows_wrap(struct ui_rows *rs, const char *text, int indent);

/* The code panel of a live run: the source, where each live process is,
 * the process it follows (sel, an index; -1 none), the first line shown
 * (0-based) and the columns scrolled sideways. */
struct ui_code_src {
    const struct cp_source *src;
    const struct cp_where *where;
    size_t nwhere;
    int sel;
    int top, hoff;
};

/* What the panels show: the model, and the example's output (nout lines
 * the replay has reached, line(ctx, i) the i-th, oldest first; back =
 * lines scrolled back from the latest). */
struct ui_panel_source {
    const struct model *m;
    size_t nout;
    size_t back;
    const char *(*line)(const void *ctx, size_t i, bool *is_err);
    const void *ctx;
    bool started;   /* false: the run never started (no "no output yet") */
    const struct ui_code_src *code; /* the code panel's (NULL: no source) */
};
/* One panel of the live run in r, boxed with title. */
void ui_draw_panel(enum panel_id id, struct rect r, const char *title, const struct ui_panel_source *src);

/* ------------------------------------------------------------ views */
/* The views read and update the catalogue c (progress), which outlives them. */
struct ui_view *ui_list_view(struct catalogue *c);
struct ui_view *ui_lesson_view(struct catalogue *c, const struct lesson *l);
struct ui_view *ui_quiz_view(struct catalogue *c, const struct lesson *l);
/* The lesson's exercise: task, file, checks, last result, edit, grade, hints
 * (view_exercise.c); grading started at once when grade_now. NULL when the
 * lesson has none. */
struct ui_view *ui_exercise_view(struct catalogue *c, const struct lesson *l, bool grade_now);
/* A live run of a lesson's example (l may be NULL: program + args only). */
struct ui_view *ui_run_view(const struct lesson *l, const char *program);
/* The same, controlled and paced, replaying schedule (an explored outcome's). */
struct ui_view *ui_run_view_replay(const struct lesson *l, const char *program, const char *schedule);
/* `forklab present`: lesson l from page (0-based) as full-screen slides,
 * published to the class server whose state directory is server_state
 * (NULL: the default) when one runs there, with the key in keyfile (NULL:
 * the one the server keeps) (view_present.c). */
struct ui_view *ui_present_view(struct catalogue *c, const struct lesson *l, int page, const char *server_state,
                                const char *keyfile);
/* `forklab present --notes`: the presenter's current notes and next slide. */
struct ui_view *ui_notes_view(struct catalogue *c);

/* ------------------------------------------------------------ follow.c */
/* Follow the presenter through the class this student joined: start
 * (0 | -errno, with a message for the status kept), stop, and whether on. */
int ui_follow_start(struct catalogue *c);
void ui_follow_stop(void);
bool ui_follow_on(void);
/* For the loop (stack.c): ms until the next look at the class server
 * (-1: not following); the look itself, which applies a new page through
 * the views' follow callbacks (UI_REDRAW when the screen changed); the
 * indicator on the top row. */
int ui_follow_tick_ms(void);
int ui_follow_tick(void);
void ui_follow_draw(int cols);
/* The views' key: on <-> off. */
int ui_follow_toggle(struct catalogue *c);

/* Explore the lesson's example (forklab explore) and list its outcomes as
 * they are found; Enter replays the selected one paced (view_explore.c). */
struct ui_view *ui_explore_view(const struct lesson *l);

#endif
