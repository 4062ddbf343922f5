/*
 * class_rows.h — what the instructor's board shows (viewer/ui/view_board.c
 * draws it): one row per student with their points, newest result, how
 * long since they did anything and how long they have been stuck; sorted,
 * filtered, fitted to the width. Pure: no I/O, no curses, the time given.
 *
 * Stuck: the student's newest result fails (anything but PASS) and they
 * have not moved forward since (class_board.h, progress): stuck for
 * now - progress. Trying the same failing exercise again is not progress;
 * more points, another exercise or another slide is.
 */
#ifndef FORKLAB_CLASS_ROWS_H
#define FORKLAB_CLASS_ROWS_H

#include "class_board.h"

enum crow_sort { CROW_BY_NAME, CROW_BY_STUCK, CROW_BY_POINTS, CROW_BY_IDLE, CROW_BY_LESSON, CROW__SORTS };

struct crow_query {
    enum crow_sort sort;
    bool reverse;
    /* Shown: the students whose name, lesson or an exercise they have a
     * result for contains it (any case); and when it names exercises,
     * only their columns. "" shows all. */
    char filter[CLASS_TEXT_MAX + 1];
};

struct crow {
    const struct cls_student *s;
    int points, max, passed;
    const struct cls_result *newest; /* NULL: no result yet */
    int64_t idle;                    /* seconds since they last did anything */
    int64_t stuck;                   /* seconds stuck; -1 when not stuck */
};

/* "name", "stuck longest", ... for the header. */
const char *crow_sort_name(enum crow_sort s);
void crow_of(const struct cls_student *s, int64_t now, struct crow *out);
bool crow_match(const struct cls_student *s, const char *filter);
/* The rows shown, in order. Returns how many (<= cap). */
size_t crow_select(const struct cls_board *b, const struct crow_query *q, int64_t now, struct crow *out, size_t cap);
/* The one stuck longest among all students (the filter aside). false: nobody is stuck. */
bool crow_stuck_longest(const struct cls_board *b, int64_t now, struct crow *out);
/* The exercise columns: every exercise with a result, sorted; only those
 * containing the filter when some do. Returns how many (<= cap). */
size_t crow_columns(const struct cls_board *b, const char *filter, const char **cols, size_t cap);

/* 42s, 12m, 3h05, 2d: a duration in at most 6 columns. */
void crow_duration(int64_t secs, char *buf, size_t cap);
/* A result in a cell: "10/10 PASS", "4/10 TIMEOUT"; "-" for none. */
void crow_cell(const struct cls_result *r, char *buf, size_t cap);

/* The table: the exercise columns ex[0..nex) shown after the fixed ones
 * (student, lesson/slide, stuck, idle, points, newest result) as far as
 * width allows; a narrow width keeps the first columns, cut. name_w and
 * cell_w widen the student's and the exercises' columns (0: 14 and 10). */
struct crow_table {
    const char *const *ex;
    size_t nex;
    int width, name_w, cell_w;
};
/* The table for text (`class serve --headless`): nothing cut, names and
 * exercise ids whole, every exercise column. */
void crow_table_full(const struct cls_board *b, const char *const *ex, size_t nex, struct crow_table *t);
void crow_header(const struct crow_table *t, char *buf, size_t cap);
void crow_line(const struct crow_table *t, const struct crow *r, char *buf, size_t cap);
/* "stuck longest: bob, 12m on 03-sync (4/10 FAIL)"; false: nobody is stuck. */
bool crow_stuck_text(const struct cls_board *b, int64_t now, char *buf, size_t cap);

/* The board's keys (one table, for the keys and the help line). */
enum crow_action {
    CROW_NONE, CROW_UP, CROW_DOWN, CROW_PAGE_UP, CROW_PAGE_DOWN, CROW_FIRST, CROW_LAST,
    CROW_SORT_NEXT, CROW_REVERSE, CROW_STUCK_FIRST, CROW_FILTER, CROW_CLEAR, CROW_CODE, CROW_QUIT,
};
/* key: a character or a KEYS_* code (keys.h). */
enum crow_action crow_key(int key);
/* The keys as the footer shows them, fitted to width. */
const char *crow_key_help(int width);
/* The help overlay's lines (at most 76 columns each). */
const char *const *crow_help_lines(size_t *n);

#endif
