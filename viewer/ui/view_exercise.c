/*
 * view_exercise.c — a lesson's exercise inside the viewer: the task in the
 * file's own words, the file to edit, the checks and their points, the last
 * result with the failed check in full, hints one step at a time; e opens
 * the file in $VISUAL/$EDITOR (vi when neither is set) and comes back; g
 * grades in the background (keys keep working, c cancels).
 *
 * Grading goes through grade_exercise(), the entry point `forklab grade`
 * uses, in a child process of ours: the screen stays live, and the result
 * is the one the grader cached, which every front end reads.
 */
#include "ui.h"

#include "grade.h"
#include "hints.h"
#include "workspace.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHECKS 16

struct ex_view {
    struct ui_view v;
    struct catalogue *cat;
    const struct lesson *l;
    const char *id;
    char path[PATH_MAX];
    char task[4096];               /* the file's top comment, without its stars */
    char checks[MAX_CHECKS][64];   /* Test() names of the grader */
    int nchecks;
    struct grade_result last;
    bool have_last;
    int hint_step;                 /* shown in this view: 0 = none */
    struct hint_steps hints;
    pid_t grader;                  /* the background grading, 0 when none */
    char *saved;                   /* the last result file before it, put back on cancel */
    size_t nsaved;
    bool had_result;
    double t_start;
    long long log_stamp;           /* the grader's log before this grading (grade_log_stamp) */
    struct grade_progress gp;      /* this grading's checks so far; n = 0 before one */
    char status[512];
    enum ui_role status_role;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The first comment block of the file, as plain lines. */
static void load_task(struct ex_view *ev)
{
    FILE *f = fopen(ev->path, "r");
    char line[512];
    size_t len = 0;
    bool in = false;
    ev->task[0] = '\0';
    while (f && fgets(line, sizeof line, f) && len + 1 < sizeof ev->task) {
        char *s = line;
        if (!in) {
            if (strncmp(s, "/*", 2) != 0) continue;
            in = true;
            s += 2;
        }
        char *end = strstr(s, "*/");
        if (end) *end = '\0';
        while (*s == ' ' || *s == '\t') s++;
        if (*s == '*') s++;
        if (*s == ' ') s++;
        s[strcspn(s, "\n")] = '\0';
        /* Lines of one paragraph join (the view wraps them to its width);
         * a blank line or an indented one (code) starts a new line. */
        bool join = len > 0 && ev->task[len - 1] == '\n' && len > 1 && ev->task[len - 2] != '\n' && s[0] &&
                    s[0] != ' ' && strncmp(s, "TODO", 4) != 0 && ev->task[len - 2] != ':';
        if (join) ev->task[len - 1] = ' ';
        len += (size_t)snprintf(ev->task + len, sizeof ev->task - len, "%s\n", s);
        if (end) break;
    }
    if (f) fclose(f);
}

/* An MPI exercise's checks: the `check NAME ...` lines of its function
 * (grade_NN) in tests/exercises/mpi/grade-mpi.sh, which grades it. */
static void load_mpi_checks(struct ex_view *ev)
{
    char path[PATH_MAX + 64], line[512], fn[16];
    snprintf(path, sizeof path, "%s/tests/exercises/mpi/grade-mpi.sh", ws_home());
    snprintf(fn, sizeof fn, "grade_%.2s() {", ev->id);
    FILE *f = fopen(path, "r");
    bool in = false;
    while (f && fgets(line, sizeof line, f) && ev->nchecks < MAX_CHECKS) {
        if (!in) {
            in = !strncmp(line, fn, strlen(fn));
            continue;
        }
        if (line[0] == '}') break;
        if (strncmp(line, "  check ", 8) != 0) continue;
        char *name = line + 8;
        name[strcspn(name, " \n")] = '\0';
        snprintf(ev->checks[ev->nchecks++], sizeof ev->checks[0], "%.63s", name);
    }
    if (f) fclose(f);
}

/* The grader's checks: its Test(suite, NAME, ...) lines. */
static void load_checks(struct ex_view *ev)
{
    char path[PATH_MAX + 64], line[512];
    snprintf(path, sizeof path, "%s/tests/exercises/test_%s.c", ws_home(), ev->id);
    FILE *f = fopen(path, "r");
    if (!f) {
        load_mpi_checks(ev);
        return;
    }
    while (fgets(line, sizeof line, f) && ev->nchecks < MAX_CHECKS) {
        if (strncmp(line, "Test(", 5) != 0) continue;
        char *comma = strchr(line, ',');
        if (!comma) continue;
        char *name = comma + 1;
        while (*name == ' ') name++;
        name[strcspn(name, ",)")] = '\0';
        snprintf(ev->checks[ev->nchecks++], sizeof ev->checks[0], "%s", name);
    }
    if (f) fclose(f);
}

static void refresh_result(struct ex_view *ev)
{
    ev->have_last = grade_last_result(ev->id, &ev->last) == 0;
}

struct wrap_at {
    int y, x, w, row, rows;
    enum ui_role role;
};

static void put_row(void *ctx, const char *text)
{
    struct wrap_at *a = ctx;
    if (a->row < a->rows) ui_put(a->y + a->row, a->x, a->w, a->role, text);
    a->row++;
}

static void ex_draw(struct ui_view *v, int cols, int lines)
{
    struct ex_view *ev = (struct ex_view *)v;
    char buf[1024];
    snprintf(buf, sizeof buf, "forklab: exercise %s (lesson %s)", ev->id, ev->l->id);
    ui_put(0, 0, cols, R_TITLE, buf);
    struct rect in = ui_box((struct rect){0, 1, cols, lines - 3}, "exercise", false);
    struct wrap_at a = {in.y, in.x + 1, in.w - 2, 0, in.h, R_NORMAL};
    snprintf(buf, sizeof buf, "File: %.900s", ev->path);
    a.role = R_KEY;
    fmt_wrap(buf, a.w, 6, put_row, &a);
    /* the result first: it is what changes */
    if (ev->have_last) {
        a.role = ev->last.status == GRADE_PASS ? R_GOOD : R_BAD;
        snprintf(buf, sizeof buf, "Last result: %s %d/%d (%d of %d checks passed)", grade_status_name(ev->last.status),
                 ev->last.points, ev->last.max_points, ev->last.passed, ev->last.tested);
        fmt_wrap(buf, a.w, 2, put_row, &a);
        if (ev->last.status != GRADE_PASS && ev->last.check[0]) {
            snprintf(buf, sizeof buf, "Failed check: %s", ev->last.check);
            fmt_wrap(buf, a.w, 2, put_row, &a); /* in full, wrapped */
        }
    } else {
        a.role = R_DIM;
        put_row(&a, "Last result: not graded yet (g grades it)");
    }
    /* this grading's checks, one by one as they end */
    if (ev->gp.n > 0) {
        a.role = R_DIM;
        put_row(&a, ev->grader ? "Grading now:" : "This grading, check by check:");
    }
    for (int i = 0; i < ev->gp.n; i++) {
        enum grade_check_state st = ev->gp.checks[i].state;
        a.role = st == GCHECK_PASS ? R_GOOD : st == GCHECK_RUNNING ? R_WARN : R_BAD;
        grade_check_line(&ev->gp, i, buf, sizeof buf);
        fmt_wrap(buf, a.w, 4, put_row, &a);
    }
    a.role = R_NORMAL;
    int per = ev->nchecks ? 10 / ev->nchecks : 0;
    size_t len = (size_t)snprintf(buf, sizeof buf, "Checks (10 points together):");
    for (int i = 0; i < ev->nchecks && len < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s %s (%d)", i ? "," : "", ev->checks[i], per);
    fmt_wrap(buf, a.w, 2, put_row, &a);
    if (ev->hint_step > 0) {
        a.role = R_WARN;
        snprintf(buf, sizeof buf, "Hint %d of %d: %s", ev->hint_step, ev->hints.n, ev->hints.text[ev->hint_step - 1]);
        fmt_wrap(buf, a.w, 2, put_row, &a);
    }
    a.role = R_DIM;
    put_row(&a, "");
    a.role = R_NORMAL;
    /* the task in the file's words, as much as fits */
    char *save = NULL, task[sizeof ev->task];
    snprintf(task, sizeof task, "%s", ev->task);
    for (char *ln = strtok_r(task, "\n", &save); ln && a.row < a.rows; ln = strtok_r(NULL, "\n", &save))
        fmt_wrap(ln, a.w, ln[0] == ' ' ? 4 : 0, put_row, &a);
    /* cut: say so on the border; the whole file is one key away */
    if (a.row > a.rows && in.w > 30) ui_put(in.y + in.h, in.x + in.w - 24, 22, R_DIM, " more in the file: e ");
    ui_put(lines - 2, 0, cols, ev->status_role, ev->status);
    ui_put(lines - 1, 0, cols, R_DIM,
           ev->grader ? " c: cancel grading   q: back (cancels)" : " e: edit  g: grade  h: next hint  q: back");
}

/* ------------------------------------------------------------ editing */

static int edit_file(struct ex_view *ev)
{
    const char *ed = getenv("VISUAL");
    if (!ed || !*ed) ed = getenv("EDITOR");
    if (!ed || !*ed) ed = "vi";
    def_prog_mode();
    endwin();
    /* as system() does: Ctrl-C belongs to the editor while it runs */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        /* $EDITOR may hold arguments ("code -w"): the shell splits them */
        execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", ed, ev->path, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    reset_prog_mode();
    clearok(stdscr, TRUE);
    refresh();
    load_task(ev);
    if (pid < 0) return -errno;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

/* ------------------------------------------------------------ grading */

static void on_term(int sig)
{
    (void)sig; /* the driver below gets it too and cleans up; we wait for it */
}

static void result_file(const struct ex_view *ev, char *buf, size_t cap)
{
    char dir[PATH_MAX];
    if (ws_grade_dir(dir, sizeof dir) < 0) snprintf(dir, sizeof dir, "%.*s/grade", PATH_MAX - 16, ws_build());
    snprintf(buf, cap, "%s/%s.result", dir, ev->id);
}

/* The grader removes the last result before it starts (a stale one must not
 * pass for a new one): keep it, so a cancelled grading changes nothing. */
static void save_result(struct ex_view *ev)
{
    char path[PATH_MAX + 64];
    result_file(ev, path, sizeof path);
    free(ev->saved);
    ev->saved = NULL;
    ev->nsaved = 0;
    FILE *f = fopen(path, "r");
    ev->had_result = f != NULL;
    if (!f) return;
    char buf[4096];
    ev->nsaved = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ev->saved = malloc(ev->nsaved + 1);
    if (ev->saved) memcpy(ev->saved, buf, ev->nsaved);
    else ev->had_result = false;
}

static void restore_result(struct ex_view *ev)
{
    char path[PATH_MAX + 64];
    result_file(ev, path, sizeof path);
    if (ev->had_result && ev->saved) ws_write_file(path, ev->saved, ev->nsaved);
    else unlink(path);
}

static void grade_start(struct ex_view *ev)
{
    if (ev->grader) return;
    save_result(ev);
    ev->log_stamp = grade_log_stamp(ev->id, false);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(ev->status, sizeof ev->status, " cannot start the grader: %s", strerror(errno));
        ev->status_role = R_BAD;
        return;
    }
    if (pid == 0) {
        setpgid(0, 0); /* c cancels the whole group: us and the driver */
        struct sigaction sa = {.sa_handler = on_term};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGINT, SIG_IGN);
        struct grade_result r;
        int rc = grade_exercise(ev->id, false, &r);
        _exit(rc < 0 ? 2 : 0);
    }
    setpgid(pid, pid);
    ev->grader = pid;
    memset(&ev->gp, 0, sizeof ev->gp);
    ev->t_start = now_s();
    snprintf(ev->status, sizeof ev->status, " grading %s ... (c cancels)", ev->id);
    ev->status_role = R_WARN;
}

static void grade_cancel(struct ex_view *ev)
{
    if (!ev->grader) return;
    kill(-ev->grader, SIGTERM);
    int st;
    while (waitpid(ev->grader, &st, 0) < 0 && errno == EINTR) {}
    ev->grader = 0;
    memset(&ev->gp, 0, sizeof ev->gp); /* a cancelled grading's checks prove nothing */
    restore_result(ev);
    refresh_result(ev);
    snprintf(ev->status, sizeof ev->status, " grading cancelled: the last result stands");
    ev->status_role = R_WARN;
}

static int ex_tick_ms(struct ui_view *v)
{
    return ((struct ex_view *)v)->grader ? 200 : -1;
}

static int ex_tick(struct ui_view *v)
{
    struct ex_view *ev = (struct ex_view *)v;
    if (!ev->grader) return 0;
    int st;
    pid_t w = waitpid(ev->grader, &st, WNOHANG);
    /* the checks so far, from the grader's log as it grows */
    grade_progress_read(ev->id, false, ev->log_stamp, &ev->gp);
    if (w == 0) {
        char phase[128];
        grade_progress_summary(&ev->gp, phase, sizeof phase);
        snprintf(ev->status, sizeof ev->status, " grading %s: %s, %.0f s (c cancels)", ev->id, phase,
                 now_s() - ev->t_start);
        return UI_REDRAW;
    }
    ev->grader = 0;
    refresh_result(ev);
    if (!ev->have_last) {
        snprintf(ev->status, sizeof ev->status, " the grader gave no result (exit %d)",
                 w > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        ev->status_role = R_BAD;
    } else {
        snprintf(ev->status, sizeof ev->status, " graded in %.1f s: %s %d/%d", now_s() - ev->t_start,
                 grade_status_name(ev->last.status), ev->last.points, ev->last.max_points);
        ev->status_role = ev->last.status == GRADE_PASS ? R_GOOD : R_BAD;
    }
    return UI_REDRAW;
}

/* ------------------------------------------------------------ keys */

static int ex_key(struct ui_view *v, int ch)
{
    struct ex_view *ev = (struct ex_view *)v;
    if (ev->grader) {
        if (ch == 'c' || ch == 27) grade_cancel(ev);
        else if (ch == 'q') {
            grade_cancel(ev);
            return UI_HANDLED | UI_POP;
        }
        return UI_HANDLED | UI_REDRAW; /* other keys wait for the grade */
    }
    switch (ch) {
    case 'e':
    case 'o': {
        int rc = edit_file(ev);
        snprintf(ev->status, sizeof ev->status, rc == 0 ? " back from the editor: g grades it" : " the editor failed (set $VISUAL or $EDITOR)");
        ev->status_role = rc == 0 ? R_NORMAL : R_BAD;
        break;
    }
    case 'g': grade_start(ev); break;
    case 'h': {
        if (ev->hints.n == 0) {
            snprintf(ev->status, sizeof ev->status, " no hints for %s", ev->id);
            break;
        }
        int shown = progress_hints(&ev->cat->progress, ev->id);
        ev->hint_step = ev->hint_step < ev->hints.n ? ev->hint_step + 1 : ev->hints.n;
        if (ev->hint_step > shown) {
            progress_set_hints(&ev->cat->progress, ev->id, ev->hint_step);
            progress_save(&ev->cat->progress);
        }
        snprintf(ev->status, sizeof ev->status, ev->hint_step < ev->hints.n ? " h again: a closer hint" : " that was the last hint");
        ev->status_role = R_DIM;
        break;
    }
    case 'q':
    case 27: return UI_HANDLED | UI_POP;
    default: return 0;
    }
    return UI_HANDLED | UI_REDRAW;
}

static void ex_destroy(struct ui_view *v)
{
    struct ex_view *ev = (struct ex_view *)v;
    grade_cancel(ev); /* nothing keeps running after the view */
    free(ev->saved);
    free(ev);
}

struct ui_view *ui_exercise_view(struct catalogue *c, const struct lesson *l, bool grade_now)
{
    const char *id = c && l && l->exercise ? grade_find_exercise(l->exercise) : NULL;
    if (!id) return NULL;
    struct ex_view *ev = calloc(1, sizeof *ev);
    if (!ev) return NULL;
    ev->v.draw = ex_draw;
    ev->v.key = ex_key;
    ev->v.tick_ms = ex_tick_ms;
    ev->v.tick = ex_tick;
    ev->v.destroy = ex_destroy;
    ev->cat = c;
    ev->l = l;
    ev->id = id;
    if (ws_exercise_path(id, ev->path, sizeof ev->path) < 0)
        snprintf(ev->path, sizeof ev->path, "%s/exercises/%s.c", ws_home(), id);
    load_task(ev);
    load_checks(ev);
    hints_load(NULL, id, &ev->hints);
    refresh_result(ev);
    ev->hint_step = progress_hints(&ev->cat->progress, id);
    if (ev->hint_step > ev->hints.n) ev->hint_step = ev->hints.n;
    if (grade_now) grade_start(ev);
    return &ev->v;
}
