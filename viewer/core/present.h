/*
 * present.h — presenter mode, the pure part: a lesson as a deck of pages
 * (`forklab present`), paging through it, and the presenter's state that
 * flows to the notes screen and to the students who follow.
 *
 * The deck is the lesson's slides, then the C example, then the Python
 * version, one page each, the same at every width (side by side is a way
 * of drawing the C and Python pages when wide, not a different deck), so a
 * page number means the same thing to the presenter, the notes screen and
 * every follower.
 *
 * The state is (lesson id, page 1..pages, pages). It travels as
 *   - a line "LESSON PAGE PAGES PID\n" in the presenter's state file (notes);
 *   - the class server's CLS_SHOW request (presenter -> server) and
 *     CLS_FOLLOW reply (server -> student), in libmp's frame encoding.
 * Everything decoded is checked, not cleaned: a lesson id is 1 to
 * PRESENT_ID_MAX bytes of [A-Za-z0-9._-], a page is within 1..pages and
 * pages within 1..PRESENT_MAX_PAGES; anything else is refused whole.
 */
#ifndef FORKLAB_PRESENT_H
#define FORKLAB_PRESENT_H

#include "frame.h"
#include "lesson.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRESENT_ID_MAX 40    /* bytes of a lesson id on the wire (= CLASS_TEXT_MAX) */
#define PRESENT_MAX_PAGES 64 /* pages of a deck: LESSON_MAX_SLIDES + 2, with room */
#define PRESENT_JUMP_MAX 999 /* the largest page number a jump accumulates */
#define PRESENT_PID_MAX 4194304 /* Linux's largest pid (pid_max's limit) */

enum present_kind { PP_SLIDE, PP_C, PP_PYTHON };

struct present_page {
    enum present_kind kind;
    int slide; /* PP_SLIDE: index into the lesson's slides */
};

struct present_deck {
    struct present_page page[PRESENT_MAX_PAGES];
    int n;
};

/* The pages of l: its slides, then C (when it has a c: file), then Python
 * (when it has a python: text). Cut to PRESENT_MAX_PAGES. */
void present_deck_build(const struct lesson *l, struct present_deck *d);
/* A page's heading: the slide's title, "The C example", "The Python version". */
const char *present_page_title(const struct lesson *l, const struct present_page *p);

/* A text slide laid out for a screen: its bullets word-wrapped to width
 * columns (nested ones indented, continuation lines under their text), as
 * lines of at most PRESENT_LINE_MAX - 1 bytes. Writes at most max lines
 * into out (air: a blank line between top-level bullets); returns how many the slide takes (more than max: cut), and the
 * widest line's columns in *widest, so the block can be centred. */
#define PRESENT_LINE_MAX 512
int present_slide_lines(const struct lesson_slide *s, int width, bool air, char (*out)[PRESENT_LINE_MAX],
                        int max, int *widest);

enum present_move { PM_NEXT, PM_PREV, PM_FIRST, PM_LAST };
/* The page after a move from page (0-based) in a deck of n pages: clamped
 * at both ends (the last page stays the last). */
int present_move(int page, int n, enum present_move m);
/* Typing a page number: appends digit (0-9) to *acc, which stays at most
 * PRESENT_JUMP_MAX (further digits are ignored). */
void present_jump_digit(int *acc, int digit);
/* The 0-based page that typed number acc names in a deck of n pages, or
 * -EINVAL when there is no such page (0, or past the end). */
int present_jump_target(int acc, int n);

/* The presenter's state. */
struct present_state {
    char lesson[PRESENT_ID_MAX + 1];
    int page;  /* 1-based */
    int pages; /* pages of the presenter's deck */
};

/* true when s[0..n) is a lesson id as it may travel. */
bool present_id_ok(const void *s, size_t n);
/* 0 | -EINVAL (an id, page or page count out of bounds) */
int present_state_check(const struct present_state *s);
/* Fills s from a lesson id and a 0-based page of a deck of n pages.
 * 0 | -EINVAL */
int present_state_set(struct present_state *s, const char *lesson, int page0, int n);

/* The state file's line, "LESSON PAGE PAGES PID\n": pid is the presenter's
 * process, so that a reader can tell a file left by a presenter that was
 * killed. Length written (< cap) | -ENOSPC | -EINVAL */
int present_state_format(char *buf, size_t cap, const struct present_state *s, int pid);
/* Parses a state file (one line, its newline optional, nothing after).
 * 0 | -EINVAL */
int present_state_parse(const char *buf, size_t n, struct present_state *s, int *pid);

/* The wire (class.h: CLS_SHOW, CLS_FOLLOW). Arguments of a CLS_SHOW after
 * its op, name and token: str lesson, int page, int pages. */
void present_encode_show_args(mp__buf *b, const struct present_state *s);
/* 0 | -EBADMSG (not the shape above) | -EINVAL (values out of bounds) */
int present_decode_show_args(mp__dec *d, struct present_state *s);
/* A CLS_FOLLOW reply: int status, then when the presenter has shown
 * something (status 0): str lesson, int page, int pages, int seq (which
 * grows with every change the server saw). */
void present_encode_follow_reply(mp__buf *b, int64_t status, const struct present_state *s, int64_t seq);
/* Decodes a reply payload. 0 with *status (and, when it is 0, *s and *seq)
 * | -EBADMSG (shape) | -EINVAL (values out of bounds). */
int present_decode_follow_reply(const void *p, size_t n, int64_t *status, struct present_state *s, int64_t *seq);

/* Where a follower's lesson view goes for a presenter's page (1-based):
 * the page's slide, or the last slide for the code pages. 0-based slide,
 * 0 when the lesson has none. */
int present_follow_slide(const struct lesson *l, int page);

#endif
