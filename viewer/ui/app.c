/*
 * app.c — the viewer program: a stack of views and one loop.
 *
 * The loop (as tmux's server loop, htop's tick): poll() on the keyboard,
 * on the fds the top view watches (the example's output pipes) and a
 * timeout that is the top view's tick (50 ms while a run is live, none when
 * idle, so an idle viewer sleeps). Each pass handles every pending key,
 * lets the view read its fds and tick, then draws once if anything marked
 * the screen dirty.
 */
#include "ui.h"

#include "commands.h"
#include "grade.h"
#include "runner.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ui_app ui_app;

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
    const char *const *text = layout_help_lines(&n);
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
        if (show_help) draw_help(COLS, LINES);
    }
    refresh();
}

/* One key: the help overlay and the too-small screen come first. */
static int handle_key(int ch)
{
    struct ui_view *top = stack[depth - 1];
    if (ch == KEY_RESIZE) {
        for (int i = 0; i < depth; i++)
            if (stack[i]->resize) stack[i]->resize(stack[i], COLS, LINES);
        return UI_REDRAW;
    }
    if (layout_too_small(COLS, LINES)) return ch == 'q' ? UI_QUIT : 0;
    if (show_help) {
        show_help = false;
        return UI_REDRAW;
    }
    if (ch == '?') {
        show_help = true;
        return UI_REDRAW;
    }
    int f = top->key(top, ch);
    if (!(f & UI_HANDLED) && ch == 'q') f |= UI_POP; /* q always leaves */
    return f;
}

static int loop(void)
{
    bool dirty = true;
    double next_tick = 0;
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
        int rc = poll(fds, (nfds_t)nfds, timeout);
        if (rc < 0 && errno != EINTR) break;
        /* The terminal went away: no key will ever come (and poll would
         * return at once forever). */
        if (rc > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))) break;
        /* Keys (also after EINTR: SIGWINCH turns into KEY_RESIZE). */
        int flags = 0;
        for (int ch; depth > 0 && (ch = getch()) != ERR;) {
            int f = handle_key(ch);
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
    }
    while (depth > 0) pop_view(); /* a run view kills its example here */
    return 0;
}

static int load_lessons(void)
{
    char dir[4096];
    size_t nerr = 0;
    snprintf(dir, sizeof dir, "%s/lessons", forklab_home());
    int rc = lessons_load_dir(dir, &ui_app.lessons, &ui_app.nlessons, &nerr);
    if (rc < 0) {
        fprintf(stderr, "forklab: cannot read lessons in %s: %s\n", dir, strerror(-rc));
        return -1;
    }
    if (nerr) fprintf(stderr, "forklab: %zu lesson file(s) in %s did not load (see `forklab lint`)\n", nerr, dir);
    int prc = progress_load(&ui_app.progress);
    if (prc < 0) fprintf(stderr, "forklab: progress not loaded: %s\n", strerror(-prc));
    return 0;
}

static void unload_lessons(void)
{
    lessons_free(ui_app.lessons, ui_app.nlessons);
    ui_app.lessons = NULL;
    ui_app.nlessons = 0;
    progress_free(&ui_app.progress);
}

/* grade.c may be without the cached results: then only the progress file
 * counts. */
#pragma weak grade_last_status

bool ui_lesson_done(const struct lesson *l)
{
    if (!l) return false;
    /* The exercise counts as it stands at its last grade (from the viewer,
     * `forklab grade` or `make grade`), so a regression undoes it. */
    bool passes = l->exercise && grade_last_status && grade_last_status(l->exercise) == GRADE_PASS;
    return progress_lesson_done(&ui_app.progress, l->id, (int)l->nquiz, l->exercise != NULL, passes);
}

#pragma weak grade_last_result

void ui_lesson_score(const struct lesson *l, bool compact, char *buf, size_t cap)
{
    char quiz[32] = "-", ex[96] = "-";
    if (l->nquiz)
        snprintf(quiz, sizeof quiz, "%d/%zu", progress_quiz_right(&ui_app.progress, l->id, (int)l->nquiz), l->nquiz);
    if (l->exercise) {
        struct grade_result r;
        int pts = 0, max = 10;
        if (grade_last_result && grade_last_result(l->exercise, &r) == 0) pts = r.points, max = r.max_points;
        if (compact) snprintf(ex, sizeof ex, "%d/%d", pts, max);
        else snprintf(ex, sizeof ex, "exercise %s %d/%d", l->exercise, pts, max);
    }
    if (compact) snprintf(buf, cap, "%3s %5s", quiz, ex);
    else if (l->nquiz && l->exercise) snprintf(buf, cap, "quiz %s, %s", quiz, ex);
    else if (l->nquiz) snprintf(buf, cap, "quiz %s", quiz);
    else snprintf(buf, cap, "%s", l->exercise ? ex : "");
}

const struct lesson *ui_find_lesson(const char *name)
{
    if (!name || !name[0]) return NULL;
    char *end;
    long order = strtol(name, &end, 10);
    bool number = *end == '\0';
    for (size_t i = 0; i < ui_app.nlessons; i++) {
        const struct lesson *l = &ui_app.lessons[i];
        if ((l->id && !strcmp(l->id, name)) || (number && l->order == order) ||
            (l->program && !strcmp(l->program, name)))
            return l;
    }
    return NULL;
}

char *ui_read_file(const char *relpath)
{
    char path[4096];
    if (!relpath) {
        errno = EINVAL;
        return NULL;
    }
    if (relpath[0] == '/')
        snprintf(path, sizeof path, "%s", relpath);
    else
        snprintf(path, sizeof path, "%s/%s", forklab_home(), relpath);
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
        if (n + 1 == cap) {
            char *nb = cap > (1u << 22) ? NULL : realloc(buf, cap * 2);
            if (!nb) break; /* very large file: show the start */
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    return buf;
}

/* Start the terminal with the given first views, run, clean up. */
static int run_ui(const char *lesson_name, const char *run_name)
{
    if (load_lessons() < 0) return 1;
    const struct lesson *l = NULL;
    if (lesson_name && !(l = ui_find_lesson(lesson_name))) {
        fprintf(stderr, "forklab: no lesson '%s' (try `forklab list`)\n", lesson_name);
        unload_lessons();
        return 1;
    }
    const char *program = NULL;
    if (run_name) {
        char path[4096], **args = NULL;
        size_t nargs = 0;
        /* Say it before the screen is ours: nothing to run is a plain error. */
        if (runner_resolve(run_name, path, sizeof path, &args, &nargs) < 0) {
            runner_explain_missing(stderr, "forklab run", run_name);
            unload_lessons();
            return 1;
        }
        runner_free_args(args, nargs);
        /* The same rule as headless (runner_resolve): a built example of
         * that name first, else the lesson's own example. */
        char own[PATH_MAX];
        snprintf(own, sizeof own, "%s/lessons/%s", forklab_build_dir(), run_name);
        l = !strchr(run_name, '/') && !strcmp(path, own) ? runner_example_lesson(ui_app.lessons, ui_app.nlessons, run_name)
                                                          : ui_find_lesson(run_name);
        program = !strcmp(path, own) || !l ? run_name : l->program;
    }
    if (ui_term_start() < 0) {
        unload_lessons();
        return 1;
    }
    if (run_name) {
        ui_push(ui_run_view(l, program));
    } else {
        ui_push(ui_list_view());
        if (l) ui_push(ui_lesson_view(l));
    }
    int rc = depth > 0 ? loop() : 1;
    /* Killed by a signal: say so in the status, as a shell would. */
    if (ui_term_stop_signal()) rc = 128 + ui_term_stop_signal();
    ui_term_stop();
    unload_lessons();
    return rc;
}

int cmd_ui(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "usage: forklab [LESSON]\n");
        return 2;
    }
    return run_ui(argc == 1 ? argv[0] : NULL, NULL);
}

int ui_run_live(const char *lesson_or_example)
{
    if (!lesson_or_example || !lesson_or_example[0]) {
        fprintf(stderr, "usage: forklab run LESSON|EXAMPLE\n");
        return 2;
    }
    return run_ui(NULL, lesson_or_example);
}
