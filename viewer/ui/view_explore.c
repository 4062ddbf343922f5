/*
 * view_explore.c — `o` on a lesson: explore its example and list the
 * outcomes as they are found; Enter replays the selected outcome's
 * schedule in the run view, paced, where the code pane marks each
 * process's line.
 *
 * The search runs in a child `forklab explore --live` (this same binary):
 * it drives many runs of its own and must not share this process's
 * signals or terminal. Its lines come through a pipe: "found\tOUTCOME\tS"
 * as each outcome appears, then the final table (counts) and the
 * "explored ..." line. Closing the view kills it (and so every run it
 * drives: forklab kills its runs' groups on SIGTERM).
 */
#include "keys.h"
#include "ui.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXV_MAX 64

struct exv_outcome {
    char text[256];
    char schedule[1024];
    long count;             /* -1 until the final table */
};

struct explore_view {
    struct ui_view v;
    const struct lesson *l;
    pid_t pid;
    int fd;
    char buf[8192];
    size_t len;
    struct exv_outcome out[EXV_MAX];
    size_t n;
    int sel;
    char summary[160];      /* the "explored ..." line, "" while it works */
    char error[200];
};

static void exv_stop(struct explore_view *ev)
{
    if (ev->pid > 0) {
        kill(ev->pid, SIGTERM);
        waitpid(ev->pid, NULL, 0);
        ev->pid = 0;
    }
    if (ev->fd >= 0) close(ev->fd);
    ev->fd = -1;
}

static int exv_start(struct explore_view *ev)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return -errno;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -errno;
    }
    if (pid == 0) {
        dup2(p[1], 1);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 2); /* the progress line would scribble on the screen */
        }
        char *argv[] = {"forklab", "explore", "--live", "-j", "2", (char *)ev->l->id, NULL};
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    close(p[1]);
    ev->pid = pid;
    ev->fd = p[0];
    return 0;
}

static struct exv_outcome *exv_find(struct explore_view *ev, const char *text)
{
    for (size_t i = 0; i < ev->n; i++)
        if (!strcmp(ev->out[i].text, text)) return &ev->out[i];
    return NULL;
}

/* One line of `forklab explore --live`. */
static void exv_line(struct explore_view *ev, char *line)
{
    if (!strncmp(line, "found\t", 6)) {
        char *text = line + 6, *tab = strchr(text, '\t');
        if (!tab || ev->n == EXV_MAX) return;
        *tab = '\0';
        struct exv_outcome *o = &ev->out[ev->n++];
        snprintf(o->text, sizeof o->text, "%s", text);
        snprintf(o->schedule, sizeof o->schedule, "%s", tab + 1);
        o->count = -1;
        return;
    }
    if (!strncmp(line, "explored ", 9)) {
        snprintf(ev->summary, sizeof ev->summary, "%s", line);
        return;
    }
    /* the final table: "  COUNT  OUTCOME  schedule S" */
    char *end;
    long count = strtol(line, &end, 10);
    char *sched = strstr(end, "  schedule ");
    if (end == line || !sched || strncmp(end, "  ", 2)) return;
    *sched = '\0';
    struct exv_outcome *o = exv_find(ev, end + 2);
    if (o) o->count = count;
}

static int exv_fds(struct ui_view *v, struct pollfd *fds, int max)
{
    struct explore_view *ev = (struct explore_view *)v;
    if (ev->fd < 0 || max < 1) return 0;
    fds[0] = (struct pollfd){.fd = ev->fd, .events = POLLIN};
    return 1;
}

static int exv_io(struct ui_view *v, const struct pollfd *fds, int n)
{
    struct explore_view *ev = (struct explore_view *)v;
    if (n < 1 || !fds[0].revents || ev->fd < 0) return 0;
    ssize_t got = read(ev->fd, ev->buf + ev->len, sizeof ev->buf - 1 - ev->len);
    if (got <= 0) {
        exv_stop(ev);
        if (!ev->summary[0]) snprintf(ev->error, sizeof ev->error, "the exploration ended without a result");
        return UI_REDRAW;
    }
    ev->len += (size_t)got;
    ev->buf[ev->len] = '\0';
    char *start = ev->buf, *nl;
    while ((nl = strchr(start, '\n'))) {
        *nl = '\0';
        exv_line(ev, start);
        start = nl + 1;
    }
    ev->len = strlen(start);
    memmove(ev->buf, start, ev->len + 1);
    if (ev->len == sizeof ev->buf - 1) ev->len = 0; /* a line too long: dropped */
    return UI_REDRAW;
}

static void exv_draw(struct ui_view *v, int cols, int lines)
{
    struct explore_view *ev = (struct explore_view *)v;
    erase();
    char title[200];
    snprintf(title, sizeof title, "forklab: explore %s", ev->l->id);
    ui_put(0, 0, cols, R_TITLE, title);
    const char *state = ev->error[0] ? ev->error
                        : ev->summary[0] ? ev->summary
                                         : "exploring: every interleaving within 2 preemptions...";
    ui_put(1, 1, cols - 2, ev->error[0] ? R_BAD : R_DIM, state);
    int y = 3;
    for (size_t i = 0; i < ev->n && y < lines - 2; i++, y++) {
        char row[512];
        if (ev->out[i].count >= 0) snprintf(row, sizeof row, "%6ld  %s", ev->out[i].count, ev->out[i].text);
        else snprintf(row, sizeof row, "     .  %s", ev->out[i].text);
        ui_put(y, 1, cols - 2, (int)i == ev->sel ? R_SELECTED : R_NORMAL, row);
    }
    if (ev->n && ev->sel < (int)ev->n && y + 1 < lines - 1) {
        char row[1100];
        snprintf(row, sizeof row, "schedule %s", ev->out[ev->sel].schedule);
        ui_put(y + 1, 1, cols - 2, R_DIM, row);
    }
    ui_put(lines - 1, 0, cols, R_KEY, " j/k: choose  Enter: replay it paced  q: back");
}

static int exv_key(struct ui_view *v, int ch)
{
    struct explore_view *ev = (struct explore_view *)v;
    switch (ch) {
    case KEYS_DOWN:
    case 'j':
        if (ev->sel + 1 < (int)ev->n) ev->sel++;
        break;
    case KEYS_UP:
    case 'k':
        if (ev->sel > 0) ev->sel--;
        break;
    case KEYS_ENTER:
        if (ev->sel < (int)ev->n) ui_push(ui_run_view_replay(ev->l, ev->l->program, ev->out[ev->sel].schedule));
        break;
    case 'q':
    case KEYS_ESC: return UI_HANDLED | UI_POP;
    default: return 0;
    }
    return UI_HANDLED | UI_REDRAW;
}

static void exv_destroy(struct ui_view *v)
{
    struct explore_view *ev = (struct explore_view *)v;
    exv_stop(ev);
    free(ev);
}

struct ui_view *ui_explore_view(const struct lesson *l)
{
    struct explore_view *ev = calloc(1, sizeof *ev);
    if (!ev || !l) {
        free(ev);
        return NULL;
    }
    ev->v.draw = exv_draw;
    ev->v.key = exv_key;
    ev->v.fds = exv_fds;
    ev->v.io = exv_io;
    ev->v.destroy = exv_destroy;
    ev->l = l;
    ev->fd = -1;
    int rc = exv_start(ev);
    if (rc < 0) snprintf(ev->error, sizeof ev->error, "cannot start the exploration: %s", strerror(-rc));
    return &ev->v;
}
