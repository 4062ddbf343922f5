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

#include "model.h"

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

/* ------------------------------------------------------------ text */

/* Number of columns src takes. */
int fmt_width(const char *src);
/* Copy src into dst so that it takes at most width columns; when cut, the
 * last column is LAYOUT_ELLIPSIS. Returns the columns used. */
int fmt_fit(char *dst, size_t cap, const char *src, int width);
/* Expand tabs (to multiples of tab) and drop control characters. */
void fmt_expand_tabs(char *dst, size_t cap, const char *src, int tab);
/* Word-wrap text into lines of at most width columns: calls emit once per
 * line (the line is NUL-terminated, without a newline). indent = columns of
 * leading spaces on continuation lines. Returns the number of lines. */
typedef void (*fmt_line_fn)(void *ctx, const char *line);
int fmt_wrap(const char *text, int width, int indent, fmt_line_fn emit, void *ctx);

/* Durations: "850ns", "12.3us", "4.56ms", "1.20s". */
void fmt_duration(char *buf, size_t cap, uint64_t ns);
/* Signal name of an exit code -n ("SIGSEGV"), or "signal n". */
const char *fmt_signal_name(int sig);

/* Panel rows, each fitted into width columns. */
/* "  1234  1200  Process-1    running" (pid, ppid, name indented by tree
 * depth, state; an exited process shows its code, a killed one its signal). */
void fmt_proc_row(char *buf, size_t cap, const struct model_proc *p, int width);
/* The header line matching fmt_proc_row. */
void fmt_proc_header(char *buf, size_t cap, int width);
/* "lock 1: held by 1234; waiting 1235 1236; 40% contended, wait 1.20ms" */
void fmt_lock_row(char *buf, size_t cap, const struct model_lock *l, int index, int width);
/* "waits: 1234 3x 1.2ms, 1235 1x 40us": each process that had to wait for
 * the lock; "" when nobody waited. */
void fmt_lock_waits(char *buf, size_t cap, const struct model_lock *l, int width);
/* "queue 1 [3]: 'item 1' 'item 2' ..." — the items inside, oldest first. */
void fmt_queue_row(char *buf, size_t cap, const struct model_queue *q, int index, int width);
/* "blocked in get: 1234 1235; blocked in put: 1236" (arrival order), "" when
 * nobody waits. */
void fmt_queue_blocked(char *buf, size_t cap, const struct model_queue *q, int width);
/* "pipe 1: 2 in flight 'a' 'b'; 5 sent, 3 received" */
void fmt_pipe_row(char *buf, size_t cap, const struct model_pipe *p, int index, int width);
/* "array 1 (i): [0, 1, 4, 9]" or "value 1 (d): 3.5" */
void fmt_array_row(char *buf, size_t cap, const struct model_array *a, int index, int width);
/* "task 3 -> 1234 done" (the worker pid that ran it); "3 -> 1234 done"
 * when that does not fit. */
void fmt_task_row(char *buf, size_t cap, const struct model_task *t, int width);
/* "pool 1: 2 workers 1234 1235; 8/10 done" (worker pids in start order) */
void fmt_pool_row(char *buf, size_t cap, const struct model_pool *p, int index, int width);
/* "map_async (10 tasks): ready after 12 polls" / "not ready, 5 polls" */
void fmt_async_row(char *buf, size_t cap, const struct model_async *a, int width);

/* The timeline: one character per event kind ('S' start, 'X' exit, 'w' lock
 * wait, 'L' acquire, 'u' release, 'p' put, 'g' get, '>' send, '<' recv, 't'
 * task start, 'd' task done, '?' poll, '!' ready, 'm' memory write, 'n' note,
 * '.' other). */
char fmt_event_mark(unsigned kind);
/* One timeline row for pid: "   1234 |Sp p  X". The columns are the latest
 * events of the run (as many as fit, so scrolled to the latest), one each,
 * in order; the row marks those of pid, so rows of all processes line up
 * and show how their events interleave. */
void fmt_timeline_row(char *buf, size_t cap, int pid, const struct mp_trace_event *events,
                      size_t n, int width);

/* One event in words, for single-stepping: "#57 9704 queue_put q3 a=2 b=1
 * 'item 2'" (seq = its number in the run; the object by its serial). */
void fmt_event_line(char *buf, size_t cap, uint64_t seq, const struct mp_trace_event *ev, int width);

/* The help overlay: every key of every screen, one line each. */
const char *const *layout_help_lines(size_t *n);

/* ------------------------------------------------------------ highlighting */

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
