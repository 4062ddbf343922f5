/*
 * keys.c — the key table (keys.h).
 *
 * One row is one line of help: the keys as a person reads them, what they
 * do, and the codes bound to each action. `join` puts a row on the line of
 * the row before it, so the overlay keeps to an 80x24 screen. A screen's
 * rows are in the order the help shows them.
 */
#include "keys.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_BIND 10

struct key_bind {
    int key;
    enum keys_action action;
};

struct key_row {
    enum keys_screen screen;
    bool join;               /* on the same help line as the row before */
    const char *keys, *what; /* the help's words */
    struct key_bind bind[MAX_BIND];
};

static const struct key_row rows[] = {
    {KEYS_ALL, false, "?", "this help", {{'?', KA_HELP}}},
    {KEYS_ALL, true, "q, Esc", "back; quit from the lesson list", {{'q', KA_BACK}, {KEYS_ESC, KA_BACK}}},

    {KEYS_LIST, false, "Up/Down, j/k", "move",
     {{KEYS_UP, KA_UP}, {'k', KA_UP}, {KEYS_DOWN, KA_DOWN}, {'j', KA_DOWN}}},
    {KEYS_LIST, true, "Home/End, g/G", "first/last",
     {{KEYS_HOME, KA_FIRST}, {'g', KA_FIRST}, {KEYS_END, KA_LAST}, {'G', KA_LAST}}},
    {KEYS_LIST, true, "Enter", "open", {{KEYS_ENTER, KA_OPEN}, {KEYS_RIGHT, KA_OPEN}, {'l', KA_OPEN}}},
    {KEYS_LIST, false, "/", "search ids and titles", {{'/', KA_SEARCH}}},
    {KEYS_LIST, true, "n", "next match", {{'n', KA_NEXT_MATCH}}},
    {KEYS_LIST, true, "f", "follow teacher", {{'f', KA_FOLLOW}}},

    {KEYS_LESSON, false, "Left/Right, h/l", "previous / next slide",
     {{KEYS_LEFT, KA_PREV_SLIDE}, {'h', KA_PREV_SLIDE}, {KEYS_RIGHT, KA_NEXT_SLIDE}, {'l', KA_NEXT_SLIDE},
      {' ', KA_NEXT_SLIDE}}},
    {KEYS_LESSON, true, "< / >", "code sideways", {{'<', KA_CODE_LEFT}, {'>', KA_CODE_RIGHT}}},
    {KEYS_LESSON, false, "Up/Down, j/k, PgUp/PgDn", "scroll the code (J/K: a slide cut short)",
     {{KEYS_UP, KA_UP}, {'k', KA_UP}, {KEYS_DOWN, KA_DOWN}, {'j', KA_DOWN}, {KEYS_PGUP, KA_PAGE_UP},
      {KEYS_PGDN, KA_PAGE_DOWN}, {'J', KA_SLIDE_DOWN}, {'K', KA_SLIDE_UP}}},
    {KEYS_LESSON, false, "p", "C or Python code (side by side at 160+ columns)", {{'p', KA_LANGUAGE}}},
    {KEYS_LESSON, false, "r / o", "run the example live / explore its every order",
     {{'r', KA_RUN}, {'o', KA_EXPLORE}}},
    {KEYS_LESSON, false, "z", "quiz (also Right after the last slide)", {{'z', KA_QUIZ}}},
    {KEYS_LESSON, true, "f", "follow teacher", {{'f', KA_FOLLOW}}},
    {KEYS_LESSON, false, "e / g", "the exercise: task, edit, grade, hints / grade it now",
     {{'e', KA_EXERCISE}, {'g', KA_GRADE}}},

    {KEYS_RUN, false, "space", "pause / resume", {{' ', KA_PAUSE}}},
    {KEYS_RUN, true, "m", "mode: free, paced, you schedule", {{'m', KA_MODE}}},
    {KEYS_RUN, false, "s", "step: one event while paused (controlled: one operation)", {{'s', KA_STEP}}},
    {KEYS_RUN, false, "+ / -", "faster / slower (events a tick; paced: operations a second)",
     {{'+', KA_FASTER}, {'=', KA_FASTER}, {'-', KA_SLOWER}, {'_', KA_SLOWER}}},
    {KEYS_RUN, false, "0-9, Up/Down+Enter", "you schedule: move that process",
     {{'0', KA_PICK}, {'1', KA_PICK}, {'2', KA_PICK}, {'3', KA_PICK}, {'4', KA_PICK}, {'5', KA_PICK},
      {'6', KA_PICK}, {'7', KA_PICK}, {'8', KA_PICK}, {'9', KA_PICK}}},
    {KEYS_RUN, true, "", "", {{KEYS_UP, KA_UP}, {KEYS_DOWN, KA_DOWN}, {KEYS_ENTER, KA_OPEN}}},
    {KEYS_RUN, false, "c", "show / hide the code", {{'c', KA_CODE}}},
    {KEYS_RUN, true, "< / >", "code sideways", {{'<', KA_CODE_LEFT}, {'>', KA_CODE_RIGHT}}},
    {KEYS_RUN, false, "PgUp/PgDn", "scroll the output back / forward",
     {{KEYS_PGUP, KA_PAGE_UP}, {KEYS_PGDN, KA_PAGE_DOWN}}},
    {KEYS_RUN, true, "End", "latest", {{KEYS_END, KA_LATEST}}},
    {KEYS_RUN, false, "q, Esc", "stop the run, back", {{'q', KA_BACK}, {KEYS_ESC, KA_BACK}}},
    {KEYS_RUN, true, "R", "restart", {{'R', KA_RESTART}}},
    {KEYS_RUN, true, "x", "kill the run", {{'x', KA_KILL}}},

    {KEYS_QUIZ, false, "1-4 or Up/Down + Enter", "answer",
     {{'1', KA_ANSWER_NUMBER}, {'2', KA_ANSWER_NUMBER}, {'3', KA_ANSWER_NUMBER}, {'4', KA_ANSWER_NUMBER},
      {'5', KA_ANSWER_NUMBER}, {'6', KA_ANSWER_NUMBER}, {'7', KA_ANSWER_NUMBER}, {'8', KA_ANSWER_NUMBER},
      {KEYS_UP, KA_UP}, {KEYS_DOWN, KA_DOWN}}},
    {KEYS_QUIZ, true, "", "", {{'k', KA_UP}, {'j', KA_DOWN}, {KEYS_ENTER, KA_ANSWER}}},
    {KEYS_QUIZ, true, "n", "next question", {{'n', KA_NEXT_QUESTION}}},
};
#define NROWS (sizeof rows / sizeof rows[0])

static const char *const titles[KEYS__SCREENS] = {
    [KEYS_ALL] = "Everywhere", [KEYS_LIST] = "Lesson list", [KEYS_LESSON] = "Lesson",
    [KEYS_RUN] = "Live run",   [KEYS_QUIZ] = "Quiz",
};

static enum keys_action lookup(enum keys_screen screen, int key)
{
    for (size_t r = 0; r < NROWS; r++) {
        if (rows[r].screen != screen) continue;
        for (size_t b = 0; b < MAX_BIND && rows[r].bind[b].action; b++)
            if (rows[r].bind[b].key == key) return rows[r].bind[b].action;
    }
    return KA_NONE;
}

enum keys_action keys_action(enum keys_screen screen, int key)
{
    enum keys_action a = lookup(screen, key);
    return a != KA_NONE ? a : lookup(KEYS_ALL, key);
}

/* Built once from the table: a title per screen, then its rows. */
#define LINE_MAX_ 128
static char lines[KEYS__SCREENS + NROWS][LINE_MAX_];
static const char *line_ptrs[KEYS__SCREENS + NROWS + 1];

static void append_row(char *line, const struct key_row *r)
{
    size_t len = strlen(line);
    if (!r->keys[0]) return; /* more bindings of the row before */
    if (len > 0)
        snprintf(line + len, LINE_MAX_ - len, "    %s  %s", r->keys, r->what);
    else if (strlen(r->keys) > 10) /* a long key list: two spaces, no column */
        snprintf(line, LINE_MAX_, "  %s  %s", r->keys, r->what);
    else
        snprintf(line, LINE_MAX_, "  %-10s %s", r->keys, r->what);
}

const char *const *keys_help_lines(size_t *n)
{
    size_t k = 0;
    if (!line_ptrs[0]) {
        for (int s = 0; s < KEYS__SCREENS; s++) {
            snprintf(lines[k++], LINE_MAX_, "%s", titles[s]);
            for (size_t r = 0; r < NROWS; r++) {
                if (rows[r].screen != (enum keys_screen)s) continue;
                if (!rows[r].join) lines[k++][0] = '\0';
                append_row(lines[k - 1], &rows[r]);
            }
        }
        for (size_t i = 0; i < k; i++) line_ptrs[i] = lines[i];
    }
    for (k = 0; line_ptrs[k]; k++) {}
    if (n) *n = k;
    return line_ptrs;
}
