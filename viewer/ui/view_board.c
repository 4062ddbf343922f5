/*
 * view_board.c — `forklab class serve`'s full-screen board: one row per
 * student (where they are, how long stuck, idle, points, newest result,
 * then one column per exercise as the width allows), sorted and filtered
 * with the keys of class_rows.c, which also makes every line of text.
 *
 * The server runs in a child process (class_server.c); this screen reads
 * the board's log as the child appends to it, woken by a byte on a pipe
 * when something changed and once a second for the clocks.
 */
#include "ui.h"

#include "class_rows.h"
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct board_view {
    struct ui_view v;
    const struct class_board_ui *info;
    struct cls_board b;
    int fd;                /* the server's pipe; -1 once it stopped */
    struct crow_query q;
    bool typing;           /* the filter, after '/' */
    bool show_code;
    bool quit_armed;       /* q once: asks for a second q */
    int sel, top, rows;    /* selection and scroll, in shown rows */
    struct crow *shown;    /* CLASS_MAX_STUDENTS rows */
};

static int64_t wall(void)
{
    return (int64_t)time(NULL);
}

static void board_resize(struct ui_view *v, int cols, int lines)
{
    struct board_view *bv = (struct board_view *)v;
    (void)cols;
    bv->rows = lines - 5; /* title, stuck line, header; footer; one spare */
    if (bv->rows < 1) bv->rows = 1;
}

/* The selection and the scroll kept inside n rows. */
static void clamp(struct board_view *bv, int n)
{
    if (bv->sel >= n) bv->sel = n - 1;
    if (bv->sel < 0) bv->sel = 0;
    if (bv->top > bv->sel) bv->top = bv->sel;
    if (bv->sel >= bv->top + bv->rows) bv->top = bv->sel - bv->rows + 1;
    if (bv->top < 0) bv->top = 0;
}

static void draw_title(struct board_view *bv, int cols, size_t nshown)
{
    char line[512];
    int n = snprintf(line, sizeof line, "forklab class board  %s  %zu student%s", bv->info->addr, bv->b.n,
                     bv->b.n == 1 ? "" : "s");
    if (bv->q.filter[0] || bv->typing)
        n += snprintf(line + n, sizeof line - (size_t)n, " (%zu shown)", nshown);
    snprintf(line + n, sizeof line - (size_t)n, "  sort: %s%s%s", crow_sort_name(bv->q.sort),
             bv->q.reverse ? " (reversed)" : "", bv->fd < 0 ? "  SERVER STOPPED" : "");
    ui_put(0, 0, cols, bv->fd < 0 ? R_BAD : R_TITLE, line);
}

/* Line 1: who has been stuck longest, or the join instructions (c). */
static void draw_stuck(struct board_view *bv, int cols, int64_t now)
{
    char line[512];
    if (bv->show_code) {
        /* The code first: on a narrow screen the command is what gets cut. */
        if (bv->info->code[0])
            snprintf(line, sizeof line, "code %s  forklab class join %s --name NAME", bv->info->code, bv->info->addr);
        else
            snprintf(line, sizeof line, "join: forklab class join %s --name NAME --key-file (your key file)",
                     bv->info->addr);
        ui_put(1, 0, cols, R_KEY, line);
    } else if (crow_stuck_text(&bv->b, now, line, sizeof line - 32)) {
        strcat(line, "   !: all, longest first");
        ui_put(1, 0, cols, R_WARN, line);
    } else {
        ui_put(1, 0, cols, R_GOOD, bv->b.n ? "nobody is stuck" : "no student yet: c shows how to join");
    }
}

static enum ui_role row_role(const struct crow *r)
{
    if (r->stuck >= 0) return R_BAD;
    if (r->newest) return R_GOOD;
    return R_NORMAL;
}

static void board_draw(struct ui_view *v, int cols, int lines)
{
    struct board_view *bv = (struct board_view *)v;
    int64_t now = wall();
    size_t n = crow_select(&bv->b, &bv->q, now, bv->shown, CLASS_MAX_STUDENTS);
    const char *ex[CLASS_MAX_EXERCISES * 2];
    size_t nex = crow_columns(&bv->b, bv->q.filter, ex, sizeof ex / sizeof ex[0]);
    char line[1024];
    clamp(bv, (int)n);
    draw_title(bv, cols, n);
    draw_stuck(bv, cols, now);
    const struct crow_table tb = {.ex = ex, .nex = nex, .width = cols};
    crow_header(&tb, line, sizeof line);
    ui_put(2, 0, cols, R_DIM, line);
    for (int r = 0; r < bv->rows && bv->top + r < (int)n; r++) {
        const struct crow *c = &bv->shown[bv->top + r];
        crow_line(&tb, c, line, sizeof line);
        ui_put(3 + r, 0, cols, bv->top + r == bv->sel ? R_SELECTED : row_role(c), line);
    }
    if (n == 0 && bv->b.n) ui_put(3, 0, cols, R_DIM, "no student matches the filter (Esc: all)");
    if (bv->typing) {
        snprintf(line, sizeof line, "filter (name, lesson or exercise): %s_", bv->q.filter);
        ui_put(lines - 1, 0, cols, n ? R_KEY : R_BAD, line);
    } else if (bv->quit_armed) {
        ui_put(lines - 1, 0, cols, R_WARN, " q again stops the class server (the board is saved); any other key: stay");
    } else {
        ui_put(lines - 1, 0, cols, R_DIM, crow_key_help(cols));
    }
}

static int filter_key(struct board_view *bv, int ch)
{
    size_t len = strlen(bv->q.filter);
    if (ch == KEYS_ENTER) bv->typing = false;
    else if (ch == KEYS_ESC) bv->typing = false, bv->q.filter[0] = '\0';
    else if (ch == KEYS_BACKSPACE && len) bv->q.filter[len - 1] = '\0';
    else if (ch >= 32 && ch < 127 && len + 1 < sizeof bv->q.filter) bv->q.filter[len] = (char)ch, bv->q.filter[len + 1] = '\0';
    bv->sel = bv->top = 0;
    return UI_HANDLED | UI_REDRAW;
}

static int board_key(struct ui_view *v, int ch)
{
    struct board_view *bv = (struct board_view *)v;
    if (bv->typing) return filter_key(bv, ch);
    enum crow_action a = crow_key(ch);
    if (bv->quit_armed) {
        bv->quit_armed = false;
        return a == CROW_QUIT ? UI_HANDLED | UI_QUIT : UI_HANDLED | UI_REDRAW;
    }
    switch (a) {
    case CROW_UP: bv->sel--; break;
    case CROW_DOWN: bv->sel++; break;
    case CROW_PAGE_UP: bv->sel -= bv->rows; break;
    case CROW_PAGE_DOWN: bv->sel += bv->rows; break;
    case CROW_FIRST: bv->sel = 0; break;
    case CROW_LAST: bv->sel = CLASS_MAX_STUDENTS; break;
    case CROW_SORT_NEXT:
        bv->q.sort = (bv->q.sort + 1) % CROW__SORTS;
        bv->q.reverse = false;
        break;
    case CROW_REVERSE: bv->q.reverse = !bv->q.reverse; break;
    case CROW_STUCK_FIRST:
        bv->q.sort = CROW_BY_STUCK;
        bv->q.reverse = false;
        bv->sel = 0;
        break;
    case CROW_FILTER:
        bv->typing = true;
        bv->q.filter[0] = '\0';
        break;
    case CROW_CLEAR: bv->q.filter[0] = '\0'; break;
    case CROW_CODE: bv->show_code = !bv->show_code; break;
    case CROW_QUIT: bv->quit_armed = true; break;
    default: return 0;
    }
    return UI_HANDLED | UI_REDRAW;
}

static int board_fds(struct ui_view *v, struct pollfd *fds, int max)
{
    struct board_view *bv = (struct board_view *)v;
    if (bv->fd < 0 || max < 1) return 0;
    fds[0] = (struct pollfd){.fd = bv->fd, .events = POLLIN};
    return 1;
}

static int board_io(struct ui_view *v, const struct pollfd *fds, int n)
{
    struct board_view *bv = (struct board_view *)v;
    if (n < 1 || !(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) return 0;
    char buf[256];
    ssize_t got = read(bv->fd, buf, sizeof buf);
    if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
        close(bv->fd); /* the server stopped: the board stays, marked */
        bv->fd = -1;
    }
    board_follow(&bv->b);
    return UI_REDRAW;
}

/* Once a second: the clocks (idle, stuck) move; the log is read again in
 * case a wake-up byte was merged with an earlier one. */
static int board_tick_ms(struct ui_view *v)
{
    (void)v;
    return 1000;
}

static int board_tick(struct ui_view *v)
{
    struct board_view *bv = (struct board_view *)v;
    board_follow(&bv->b);
    return UI_REDRAW;
}

static void board_destroy(struct ui_view *v)
{
    struct board_view *bv = (struct board_view *)v;
    if (bv->fd >= 0) close(bv->fd);
    board_close(&bv->b);
    free(bv->shown);
    free(bv);
}

int ui_class_board(const struct class_board_ui *info)
{
    struct board_view *bv = calloc(1, sizeof *bv);
    struct crow *shown = calloc(CLASS_MAX_STUDENTS, sizeof *shown);
    int r = bv && shown ? board_open(&bv->b, info->state, false) : -ENOMEM;
    if (r < 0) {
        fprintf(stderr, "forklab class serve: the board in %s: %s\n", info->state, strerror(-r));
        free(bv);
        free(shown);
        return 1;
    }
    bv->info = info;
    bv->fd = dup(info->notify_fd); /* the view closes its own */
    bv->shown = shown;
    bv->rows = 1;
    bv->v.draw = board_draw;
    bv->v.key = board_key;
    bv->v.resize = board_resize;
    bv->v.fds = board_fds;
    bv->v.io = board_io;
    bv->v.tick_ms = board_tick_ms;
    bv->v.tick = board_tick;
    bv->v.destroy = board_destroy;
    bv->v.help = crow_help_lines;
    if (ui_term_start() < 0) {
        board_destroy(&bv->v);
        return 1;
    }
    ui_push(&bv->v);
    ui_loop();
    int rc = ui_term_stop_signal() ? 128 + ui_term_stop_signal() : 0;
    ui_term_stop();
    return rc;
}
