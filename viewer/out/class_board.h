/*
 * class_board.h — the class board's data: students, their results, where
 * they are. Pure apart from its log file: every change is one line
 * appended to STATE/board.log (and flushed) before it is acknowledged, and
 * loading replays the log, so a restart of the server loses nothing. The
 * log is rewritten compactly at load (latest result per exercise).
 *
 * Log lines (tab-separated; every text is class_clean()ed, so no tab):
 *     S name token at          a student joined
 *     R name exercise points max status at
 *     W name lesson slide at   the lesson and slide they are on
 *     P name at                when they last moved forward (written by the
 *                              compaction, which drops the lines it came from)
 */
#ifndef FORKLAB_CLASS_BOARD_H
#define FORKLAB_CLASS_BOARD_H

#include "class.h"

#include <stdio.h>

struct cls_result {
    char ex[CLASS_TEXT_MAX + 1];
    char status[CLASS_TEXT_MAX + 1];
    int points, max;
    int64_t at;
};

struct cls_student {
    char name[CLASS_TEXT_MAX + 1];
    char token[CLASS_TOKEN_LEN + 1];
    char lesson[CLASS_TEXT_MAX + 1];
    int slide;
    int64_t joined, last;
    /* When they last moved forward: joined, reached another slide, or
     * got more points for an exercise than before. A student whose newest
     * result fails has been stuck since then (class_rows.h). */
    int64_t progress;
    struct cls_result res[CLASS_MAX_EXERCISES];
    size_t nres;
};

struct cls_board {
    struct cls_student *st;
    size_t n, cap;
    FILE *log;
    FILE *tail; /* a reader's log, for board_follow */
};

/* Loads DIR/board.log; writable (the server): creates DIR, compacts the
 * log and keeps it open for appending. 0 | -errno */
int board_open(struct cls_board *b, const char *dir, bool writable);
void board_close(struct cls_board *b);
/* A reader (board_open(.., false)): applies what the server appended to
 * the log since, complete lines only. 1 something changed | 0 | -errno */
int board_follow(struct cls_board *b);

/* The requests; each returns 0 | -errno and logs what it changed.
 * join: *token in/out ("" = new student: a token is issued). -EEXIST when
 * the name is taken by another identity. */
int board_join(struct cls_board *b, const char *name, char token[CLASS_TOKEN_LEN + 1], int64_t now);
/* true when token is name's identity (the follow requests). */
bool board_member(struct cls_board *b, const char *name, const char *token);
/* -EPERM when token is not name's identity. */
int board_result(struct cls_board *b, const char *name, const char *token, const struct cls_result *r, int64_t now);
int board_where(struct cls_board *b, const char *name, const char *token, const char *lesson, int slide, int64_t now);

/* The table as text: one row per student, one column per exercise. */
void board_print(const struct cls_board *b, FILE *out, int64_t now);
/* One row per student and exercise. csv = CSV, else JSON. 0 | -errno */
int board_export(const struct cls_board *b, FILE *out, bool csv);

#endif
