/*
 * keys.h — every key binding of every screen, in one table (keys.c), from
 * which both the key handling (the views ask keys_action()) and the help
 * overlay (keys_help_lines()) come, so the two cannot drift.
 *
 * Keys are plain characters, or the KEYS_* codes below for the keys a
 * terminal sends as sequences; viewer/ui turns ncurses' key codes into
 * these once (ui_key), so this table stays free of ncurses.
 */
#ifndef FORKLAB_KEYS_H
#define FORKLAB_KEYS_H

#include <stddef.h>

enum {
    KEYS_ESC = 27,
    KEYS_SPECIAL = 0x10000, /* above every character */
    KEYS_UP,
    KEYS_DOWN,
    KEYS_LEFT,
    KEYS_RIGHT,
    KEYS_PGUP,
    KEYS_PGDN,
    KEYS_HOME,
    KEYS_END,
    KEYS_ENTER,
    KEYS_BACKSPACE,
    KEYS_RESIZE,
};

/* The screens; KEYS_ALL rows apply on every one. */
enum keys_screen { KEYS_ALL, KEYS_LIST, KEYS_LESSON, KEYS_RUN, KEYS_QUIZ, KEYS__SCREENS };

enum keys_action {
    KA_NONE = 0,
    KA_HELP, KA_BACK,
    /* lists and scrolling */
    KA_UP, KA_DOWN, KA_FIRST, KA_LAST, KA_OPEN, KA_SEARCH, KA_NEXT_MATCH,
    KA_PAGE_UP, KA_PAGE_DOWN, KA_LATEST,
    /* a lesson */
    KA_PREV_SLIDE, KA_NEXT_SLIDE, KA_LANGUAGE, KA_RUN, KA_QUIZ, KA_GRADE,
    KA_EXERCISE, KA_SLIDE_DOWN, KA_SLIDE_UP, KA_EXPLORE,
    /* a live run */
    KA_PAUSE, KA_STEP, KA_FASTER, KA_SLOWER, KA_RESTART, KA_KILL,
    KA_MODE, KA_PICK, KA_CODE,
    /* the code panes (lesson and live run) */
    KA_CODE_LEFT, KA_CODE_RIGHT,
    /* the quiz */
    KA_ANSWER_NUMBER, KA_ANSWER, KA_NEXT_QUESTION,
    /* follow the presenter (the lesson list and a lesson) */
    KA_FOLLOW,
};

/* What key means on screen (its own rows first, then KEYS_ALL);
 * KA_NONE when nothing. */
enum keys_action keys_action(enum keys_screen screen, int key);
/* The help overlay: a title line per screen, then one line per row. */
const char *const *keys_help_lines(size_t *n);

#endif
