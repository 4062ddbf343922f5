/*
 * stack.c — the viewer's views, stacked, and the one loop that runs them.
 *
 * The loop (as tmux's server loop, htop's tick): poll() on the keyboard,
 * on the fds the top view watches (the example's output pipes) and a
 * timeout that is the top view's tick (50 ms while a run is live, none when
 * idle, so an idle viewer sleeps). Each pass handles every pending key,
 * lets the view read its fds and tick, then draws once if anything marked
 * the screen dirty.
 */
#include "ui.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_VIEWS 16
static struct ui_view *stack[MAX_VIEWS];
static int depth;
static bool show_help;

void ui_push(struct ui_view *v)
{
    if (!v) return;
    if (depth == MAX_VIEWS) {
        v->destroy(v);
        return;
    }
    stack[depth++] = v;
    if (v->resize) v->resize(v, COLS, LINES);
}

static void pop_view(void)
{
    if (depth == 0) return;
    struct ui_view *v = stack[--depth];
    v->destroy(v);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void draw_help(int cols, int lines)
{
    size_t n;
    struct ui_view *top = stack[depth - 1];
    const char *const *text = top->help ? top->help(&n) : keys_help_lines(&n);
    struct rect r = layout_centered(cols, lines, 78, (int)n + 2);
    ui_clear(r);
    struct rect in = ui_box(r, "keys (any key closes)", false);
    for (size_t i = 0; i < n && (int)i < in.h; i++) {
        bool section = text[i][0] != ' ';
        ui_put(in.y + (int)i, in.x + 1, in.w - 2, section ? R_TITLE : R_NORMAL, text[i]);
    }
}

struct too_small_rows {
    int y, n;
    bool draw; /* first pass counts the rows, the second draws them */
};

static void too_small_row(void *ctx, const char *line)
{
    struct too_small_rows *r = ctx;
    if (r->draw && r->y + r->n < LINES) ui_put(r->y + r->n, 0, COLS, R_WARN, line);
    r->n++;
}

static void draw(void)
{
    erase();
    if (layout_too_small(COLS, LINES)) {
        /* Wrapped to the width, whatever it is: the whole message shows
         * down to a dozen columns. */
        char msg[256];
        layout_too_small_msg(msg, sizeof msg, COLS, LINES);
        size_t len = strlen(msg);
        snprintf(msg + len, sizeof msg - len, ". Resize it, or press q to quit.");
        struct too_small_rows r = {0, 0, false};
        fmt_wrap(msg, COLS, 0, too_small_row, &r);
        int y = (LINES - r.n) / 2;
        r = (struct too_small_rows){y < 0 ? 0 : y, 0, true};
        fmt_wrap(msg, COLS, 0, too_small_row, &r);
    } else {
        struct ui_view *top = stack[depth - 1];
        top->draw(top, COLS, LINES);
        ui_follow_draw(COLS);
        if (show_help) draw_help(COLS, LINES);
    }
    refresh();
}

/* One key: the help overlay and the too-small screen come first. */
static int handle_key(int ch)
{
    struct ui_view *top = stack[depth - 1];
    if (ch == KEYS_RESIZE) {
        for (int i = 0; i < depth; i++)
            if (stack[i]->resize) stack[i]->resize(stack[i], COLS, LINES);
        return UI_REDRAW;
    }
    if (layout_too_small(COLS, LINES)) return ch == 'q' ? UI_QUIT : 0;
    if (show_help) {
        show_help = false;
        return UI_REDRAW;
    }
    if (keys_action(KEYS_ALL, ch) == KA_HELP) {
        show_help = true;
        return UI_REDRAW;
    }
    int f = top->key(top, ch);
    if (!(f & UI_HANDLED) && ch == 'q') f |= UI_POP; /* q always leaves */
    return f;
}

bool ui_stack_empty(void)
{
    return depth == 0;
}

bool ui_stack_follow(const char *lesson, int page)
{
    for (int guard = 0; guard < 2 * MAX_VIEWS && depth > 0; guard++) {
        struct ui_view *top = stack[depth - 1];
        if (!top->follow) return false; /* a run, a quiz: the page waits */
        int before = depth, f = top->follow(top, lesson, page);
        if (f & UI_POP) {
            if (depth == 1) return false; /* never close the last view */
            pop_view();
            if (stack[depth - 1]->resize) stack[depth - 1]->resize(stack[depth - 1], COLS, LINES);
            continue;
        }
        if (depth != before) continue; /* it opened the lesson: that view turns to the page */
        return f & UI_HANDLED;
    }
    return false;
}

void ui_loop(void)
{
    bool dirty = true;
    double next_tick = 0, next_follow = 0;
    while (depth > 0 && !ui_term_stop_requested()) {
        struct ui_view *top = stack[depth - 1];
        if (dirty) {
            draw();
            dirty = false;
        }
        struct pollfd fds[8] = {{.fd = 0, .events = POLLIN}};
        int nfds = 1 + (top->fds ? top->fds(top, fds + 1, 7) : 0);
        int tick = top->tick_ms ? top->tick_ms(top) : -1;
        int timeout = -1;
        if (tick >= 0) {
            double left = next_tick - now_ms();
            timeout = left <= 0 ? 0 : (int)left + 1;
        }
        int follow_ms = ui_follow_tick_ms();
        if (follow_ms >= 0) {
            double left = next_follow - now_ms();
            int t = left <= 0 ? 0 : (int)left + 1;
            if (timeout < 0 || t < timeout) timeout = t;
        }
        int rc = poll(fds, (nfds_t)nfds, timeout);
        if (rc < 0 && errno != EINTR) break;
        /* The terminal went away: no key will ever come (and poll would
         * return at once forever). */
        if (rc > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))) break;
        /* Keys (also after EINTR: SIGWINCH turns into KEY_RESIZE). */
        int flags = 0;
        for (int ch; depth > 0 && (ch = getch()) != ERR;) {
            int f = handle_key(ui_key(ch));
            flags |= f;
            if (f & (UI_QUIT | UI_POP)) break;
        }
        if (flags & UI_QUIT) break;
        if (flags & UI_POP) {
            pop_view();
            if (depth > 0 && stack[depth - 1]->resize) stack[depth - 1]->resize(stack[depth - 1], COLS, LINES);
            dirty = true;
            continue;
        }
        if (flags & UI_REDRAW) dirty = true;
        if (depth == 0) break;
        top = stack[depth - 1];
        if (rc > 0 && top->io && nfds > 1) {
            int f = top->io(top, fds + 1, nfds - 1);
            if (f & UI_REDRAW) dirty = true;
        }
        if (tick >= 0 && top->tick && now_ms() >= next_tick) {
            next_tick = now_ms() + tick;
            int f = top->tick(top);
            if (f & UI_REDRAW) dirty = true;
        }
        if (follow_ms >= 0 && now_ms() >= next_follow) {
            next_follow = now_ms() + follow_ms;
            if (ui_follow_tick() & UI_REDRAW) dirty = true;
        }
    }
    while (depth > 0) pop_view(); /* a run view kills its example here */
}

