/*
 * view_run.c — the live run: start a lesson's prebuilt example through the
 * runner, show its output and the panels the lesson names (drawn by
 * run_panels.c; which panels, their place and size: core's panel table).
 *
 * Events are not applied as they are drained. They go into a buffer of
 * pending events and each tick applies `speed` of them, in the order the
 * ring delivered them, to the displayed model: a slowed replay is still
 * faithful, pausing also stops the replay, and `s` applies exactly one. The
 * example's processes are stopped for real while paused (SIGSTOP to the
 * group), so what is on screen does not run away.
 *
 * Controlled modes (m switches; a lesson's run.mode picks the first): the
 * example runs under the gate (run/controller.h) and every libmp operation
 * waits for its turn. Paced grants one operation per beat (0.5 to 200 a
 * second, +/-), "you schedule" lets the learner pick which process moves
 * (its number, or arrows and Enter). Events are applied as they come, since
 * nothing moves between grants; pausing stops granting (no SIGSTOP), and
 * `s` moves the real processes by one operation. Lock waits then count
 * only real waiting, which is none: who waits for what is shown instead in
 * operations, as each process's pending one in the processes panel.
 */
#include "ui.h"

#include "controller.h"

#include "panels.h"
#include "paths.h"
#include "rows.h"
#include "runner.h"
#include "words.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run_view.h"


uint64_t run_view_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The model as the run is now: a free run's `now` (the displayed one may
 * be a slowed replay); in a controlled run the displayed one, which the
 * controller keeps whole and feeds the parked operations as waits. */
static struct model *live_model(struct run_view *rv)
{
    return rv->controlled ? &rv->m : &rv->now;
}

/* ------------------------------------------------------------ buffering */

/* pending is a ring: npend events from head, wrapping at cap. */
static void apply_one(struct run_view *rv)
{
    if (rv->npend == 0) return;
    model_apply(&rv->m, &rv->pending[rv->head]);
    rv->head = (rv->head + 1) % rv->cap;
    rv->npend--;
}

/* Double the ring, keeping the pending events in order. */
static bool pending_grow(struct run_view *rv)
{
    size_t cap = rv->cap ? rv->cap * 2 : 1024;
    if (cap > PENDING_MAX) return false;
    struct mp_trace_event *p = malloc(cap * sizeof *p);
    if (!p) return false;
    for (size_t i = 0; i < rv->npend; i++) p[i] = rv->pending[(rv->head + i) % rv->cap];
    free(rv->pending);
    rv->pending = p;
    rv->cap = cap;
    rv->head = 0;
    return true;
}

static void on_event(void *ctx, const struct mp_trace_event *ev)
{
    struct run_view *rv = ctx;
    rv->received++;
    model_apply(&rv->now, ev);
    if (rv->controlled) return; /* the runner applies it to rv->m itself */
    if (rv->npend == rv->cap && !pending_grow(rv)) {
        if (rv->cap == 0) { /* no memory at all: show it at once */
            model_apply(&rv->m, ev);
            return;
        }
        /* Full: the replay catches up by one, the oldest, so the order
         * stays; its slot takes the new event. */
        apply_one(rv);
    }
    rv->pending[(rv->head + rv->npend) % rv->cap] = *ev;
    rv->npend++;
}

static void on_line(void *ctx, enum runner_stream stream, const char *line)
{
    struct run_view *rv = ctx;
    size_t slot = (rv->out_first + rv->nout) % OUT_LINES;
    if (rv->nout == OUT_LINES)
        rv->out_first = (rv->out_first + 1) % OUT_LINES;
    else
        rv->nout++;
    rv->out[slot].err = stream == RUNNER_STDERR;
    rv->out[slot].after = rv->received;
    fmt_expand_tabs(rv->out[slot].text, sizeof rv->out[slot].text, line, 8);
    rv->out_total++;
}

/* ------------------------------------------------------------ run control */

static void run_stop(struct run_view *rv)
{
    if (!rv->started) return;
    runner_free(&rv->r); /* kills and reaps the whole group */
    rv->started = false;
    if (rv->controlled) ctl_free(&rv->ctl);
    rv->controlled = false;
}

/* A lesson names its program and args itself; anything else is resolved
 * the way `forklab run X` does it. */
static int resolve(const struct run_view *rv, char *path, size_t cap, char ***args, size_t *nargs)
{
    const struct lesson *l = rv->l;
    /* Another example of the lesson (10-pool-map beside 10-pool-map-async)
     * is found by its own name, as headless does. */
    if (!l || !l->program || (rv->target[0] && strcmp(rv->target, l->program)))
        return runner_resolve(rv->target, path, cap, args, nargs);
    int n = strchr(l->program, '/') ? snprintf(path, cap, "%s", l->program)
                                    : snprintf(path, cap, "%s/lessons/%s", forklab_build_dir(), l->program);
    if (n < 0 || (size_t)n >= cap) return -ENAMETOOLONG;
    if (access(path, X_OK) < 0) return -errno;
    *args = NULL;
    *nargs = 0;
    if (l->nargs) {
        *args = calloc(l->nargs, sizeof **args);
        if (!*args) return -ENOMEM;
        for (size_t i = 0; i < l->nargs; i++) {
            if (!((*args)[i] = strdup(l->args[i] ? l->args[i] : ""))) {
                runner_free_args(*args, i);
                *args = NULL;
                return -ENOMEM;
            }
        }
        *nargs = l->nargs;
    }
    return 0;
}

static void run_start(struct run_view *rv)
{
    char path[4096];
    char **args = NULL;
    size_t nargs = 0;
    rv->error[0] = '\0';
    rv->killed = false;
    rv->paused = false;
    int rc = resolve(rv, path, sizeof path, &args, &nargs);
    if (rc < 0) {
        snprintf(rv->error, sizeof rv->error, "cannot find the example '%s' in %s/lessons (run `make`)",
                 rv->l && rv->l->program ? rv->l->program : rv->target, forklab_build_dir());
        return;
    }
    char **argv = calloc(nargs + 2, sizeof *argv);
    if (!argv) {
        runner_free_args(args, nargs);
        snprintf(rv->error, sizeof rv->error, "out of memory");
        return;
    }
    argv[0] = path;
    for (size_t i = 0; i < nargs; i++) argv[i + 1] = args[i];
    rv->controlled = rv->mode != MODE_FREE; /* (MPI ranks too: the tracer parks them) */
    rv->stuck = false;
    rv->ctl_msg[0] = '\0';
    rv->sel = 0;
    runner_init(&rv->r, rv->controlled ? &rv->m : NULL);
    rv->r.on_event = on_event;
    rv->r.on_line = on_line;
    rv->r.ctx = rv;
    if (rv->l && rv->l->mpi) { /* an MPI lesson: its ranks under mpirun */
        rv->r.mpi_ranks = rv->l->mpi;
        rv->r.mpi_args = rv->l->mpi_args;
        rv->r.nmpi_args = rv->l->nmpi_args;
    }
    if (rv->controlled) {
        struct sched_policy pol;
        char err[256];
        if (rv->mode == MODE_PACED && rv->replay) { /* an explored outcome: its schedule, then the lowest enabled */
            sched_policy_init(&pol, SCHED_FREE, 0);
            if (sched_policy_replay(&pol, rv->replay, SCHED_FREE, err, sizeof err) < 0)
                snprintf(rv->ctl_msg, sizeof rv->ctl_msg, "%s", err);
        } else if (rv->mode == MODE_PACED) {
            /* A new interleaving each run, from a seed short enough to read
             * off the header (the seeded policy of `forklab run X --seed N`). */
            rv->seed = 1000 + run_view_now_ns() / 1000 % 9000;
            sched_policy_init(&pol, SCHED_SEEDED, rv->seed);
        }
        else sched_policy_init(&pol, SCHED_LEARNER, 0);
        rc = ctl_init(&rv->ctl, &rv->r, &rv->m, &pol);
        if (rc < 0) {
            ctl_free(&rv->ctl);
            rv->controlled = false;
            free(argv);
            runner_free_args(args, nargs);
            snprintf(rv->error, sizeof rv->error, "cannot make the control channel: %s", strerror(-rc));
            return;
        }
        rv->next_grant_ns = 0;
    }
    rc = runner_start(&rv->r, path, argv);
    model_set_host(&rv->m, (int)getpid());
    if (rv->controlled && rc == 0) ctl_started(&rv->ctl);
    /* The runner puts its own fatal-signal handlers in place; ours end the
     * loop cleanly (endwin, then the group is killed as the view closes). */
    ui_term_signals();
    free(argv);
    runner_free_args(args, nargs);
    if (rc < 0) {
        snprintf(rv->error, sizeof rv->error, "cannot start %s: %s", path, strerror(-rc));
        runner_free(&rv->r);
        if (rv->controlled) ctl_free(&rv->ctl);
        rv->controlled = false;
        return;
    }
    rv->started = true;
}

void run_view_reset(struct run_view *rv)
{
    run_stop(rv);
    model_free(&rv->m);
    model_init(&rv->m);
    model_free(&rv->now);
    model_init(&rv->now);
    rv->watch = (struct wf_watch){0};
    rv->deadlock = false;
    rv->head = rv->npend = 0;
    rv->nout = rv->out_first = 0;
    rv->received = 0;
    rv->out_total = 0;
    run_start(rv);
}

/* The example and its group are gone and every event is on screen. */
static bool run_idle(const struct run_view *rv)
{
    return (!rv->started || rv->r.finished) && rv->npend == 0;
}

/* The runner reads a pump's output before its events, so the events that
 * led to a line may come in the same pump: lines are tied to the count at
 * the end of the pump (shown a little late, never ahead of the panels). */
static void tag_new_lines(struct run_view *rv, uint64_t total_before)
{
    uint64_t added = rv->out_total - total_before;
    size_t n = added < rv->nout ? (size_t)added : rv->nout;
    for (size_t i = rv->nout - n; i < rv->nout; i++) rv->out[(rv->out_first + i) % OUT_LINES].after = rv->received;
}

/* Read output and events; when the example is over, finish the run. */
static void run_pump(struct run_view *rv)
{
    if (!rv->started || rv->r.finished) return;
    uint64_t before = rv->out_total;
    runner_pump(&rv->r);
    if (runner_done(&rv->r)) runner_finish(&rv->r);
    tag_new_lines(rv, before);
}

/* Output lines the replay has reached: a line shows once every event
 * that came before it is on screen, so a slowed or paused replay keeps the
 * output in step with the panels. Lines are in arrival order. */
static size_t out_visible(const struct run_view *rv)
{
    size_t n = rv->nout;
    while (n > 0 && rv->out[(rv->out_first + n - 1) % OUT_LINES].after > rv->m.applied) n--;
    return n;
}

/* Output line i of those visible (0 = the oldest kept). */
static const char *out_text(const void *ctx, size_t i, bool *is_err)
{
    const struct run_view *rv = ctx;
    const struct out_line *o = &rv->out[(rv->out_first + i) % OUT_LINES];
    *is_err = o->err;
    return o->text;
}

/* The process the code pane follows: the one selected (you schedule), the
 * one that moved last (paced), or the one of the last event shown (free). */
static int code_follows(const struct run_view *rv)
{
    if (rv->controlled && rv->mode == MODE_SCHEDULE)
        return (size_t)rv->sel < rv->ctl.nprocs ? rv->ctl.procs[rv->sel].index : -1;
    if (rv->controlled) return rv->ctl.nsteps ? rv->ctl.steps[rv->ctl.nsteps - 1] : -1;
    if (!rv->m.nevents) return -1;
    int pid = rv->m.events[rv->m.nevents - 1].pid;
    for (size_t i = 0; i < rv->m.nprocs; i++)
        if (rv->m.procs[i].pid == pid) return (int)i;
    return -1;
}

/* Columns of code in a code panel of width w (box, pad, gutter: run_panels.c). */
static int code_cols(int w)
{
    int in = w - 3;
    return in - (in >= 40 ? 5 : 3) - 1 - 4;
}

static void draw_code_panel(struct run_view *rv, struct rect r)
{
    struct cp_where where[MP_GATE_MAX > 64 ? MP_GATE_MAX : 64];
    size_t n = cp_where(&rv->m, rv->controlled ? rv->ctl.procs : NULL, rv->controlled ? rv->ctl.nprocs : 0,
                        rv->code_base, where, sizeof where / sizeof where[0]);
    int sel = code_follows(rv);
    rv->code_top = cp_top(rv->code.n, r.h - 2, cp_focus(where, n, sel), rv->code_top);
    int hmax = cp_hmax(rv->code.widest, code_cols(r.w));
    if (rv->code_hoff > hmax) rv->code_hoff = hmax;
    struct ui_code_src c = {&rv->code, where, n, sel, rv->code_top, rv->code_hoff};
    /* The title says what a number means, and how to see cut lines when
     * there is room to say it. */
    char title[128];
    int len = snprintf(title, sizeof title, "code: N = process N's %s", rv->controlled ? "next op" : "last call");
    const char *side = len + 16 <= r.w - 6 ? "  </>: sideways" : len + 5 <= r.w - 6 ? " </>" : "";
    if (hmax) snprintf(title + len, sizeof title - (size_t)len, "%s", side);
    struct ui_panel_source src = {&rv->m, 0, 0, NULL, rv, rv->started, &c};
    ui_draw_panel(PANEL_code, r, title, &src);
}

static void draw_panel(struct run_view *rv, const struct layout_panel *p)
{
    int id = panel_find(p->name);
    if (id < 0) return;
    if (id == PANEL_code) {
        draw_code_panel(rv, p->r);
        return;
    }
    /* controlled: the processes (an MPI run's ranks) with their pending operations */
    if ((id == PANEL_processes || (id == PANEL_ranks && rv->ctl.mpi_ranks)) && rv->controlled) {
        run_view_draw_controlled(rv, p->r);
        return;
    }
    char title[64];
    snprintf(title, sizeof title, "%s", p->name);
    if (id == PANEL_output && rv->out_back && p->r.h > 2 && out_visible(rv) > (size_t)(p->r.h - 2))
        snprintf(title, sizeof title, "output (scrolled back; End: latest)");
    else if (id == PANEL_output && rv->out_total > rv->nout)
        snprintf(title, sizeof title, "output (last %zu lines)", rv->nout);
    /* The top PPID is this viewer itself: label it. */
    else if (id == PANEL_processes && rv->m.host_pid && model_proc_tree_has_parent(&rv->m, rv->m.host_pid) &&
             p->r.w >= 40)
        snprintf(title, sizeof title, "processes (PPID %d = forklab)", rv->m.host_pid);
    struct ui_panel_source src = {&rv->m, out_visible(rv), rv->out_back, out_text, rv, rv->started, NULL};
    ui_draw_panel(id, p->r, title, &src);
}

/* Rows a panel would like, borders included, for its current content. */
static int want_of(const struct run_view *rv, const char *name, int width)
{
    int id = panel_find(name);
    struct panel_input in = {&rv->m, out_visible(rv), width, rv->code.n};
    return id < 0 ? 3 : panel_want(id, &in);
}

/* No lesson to name the panels: show the processes and whatever kind of
 * object the run has made so far. */
static size_t default_panels(const struct model *m, const char **out)
{
    size_t n = 0;
    if (m->mpi) { /* an MPI run: its ranks instead of the process tree */
        out[n++] = PANEL_NAME(ranks);
        out[n++] = PANEL_NAME(messages);
        out[n++] = PANEL_NAME(collectives);
        out[n++] = PANEL_NAME(output);
        return n;
    }
    out[n++] = PANEL_NAME(processes);
    if (m->npools) out[n++] = PANEL_NAME(pool);
    if (m->nasyncs) out[n++] = PANEL_NAME(async);
    if (m->nlocks && !m->npools) out[n++] = PANEL_NAME(locks);
    if (m->nqueues && !m->npools) out[n++] = PANEL_NAME(queues);
    if (m->npipes && !m->npools) out[n++] = PANEL_NAME(pipes);
    if (m->narrays && !m->npools) out[n++] = PANEL_NAME(arrays);
    if (m->nmops && !m->npools) out[n++] = PANEL_NAME(manager);
    out[n++] = PANEL_NAME(output);
    out[n++] = PANEL_NAME(notes);
    if (n < 5) out[n++] = PANEL_NAME(timeline);
    return n;
}

static void status_text(const struct run_view *rv, char *buf, size_t cap)
{
    if (rv->error[0]) {
        snprintf(buf, cap, "not running");
    } else if (rv->killed) {
        snprintf(buf, cap, "killed");
    } else if (rv->started && rv->r.exited) {
        int c = rv->r.exit_code;
        char sig[32];
        words_signal(-c, sig, sizeof sig);
        if (c < 0)
            snprintf(buf, cap, "crashed: %s", sig);
        else
            snprintf(buf, cap, "exited %d", c);
    } else if (rv->stuck) {
        snprintf(buf, cap, "STUCK: no process can move");
    } else if (rv->paused) {
        snprintf(buf, cap, "PAUSED");
    } else {
        snprintf(buf, cap, "running");
    }
    if (rv->paused && rv->started && rv->r.exited) snprintf(buf + strlen(buf), cap - strlen(buf), ", replay paused");
}


static void banner_emit(void *ctx, const char *line)
{
    int *y = ctx;
    char row[1024];
    snprintf(row, sizeof row, "%-*s", COLS < 1000 ? COLS : 1000, line); /* cover what was under it */
    ui_put((*y)++, 0, COLS, R_BAD, row);
}

/* The first lock-order inversion of the run, short: "LOCK ORDER: lock 1
 * then lock 2 by PID 745 at line 40; lock 2 then lock 1 by PID 746 at line
 * 40: can deadlock". 1 when there is one. */
static int inversion_text(struct run_view *rv, char *buf, size_t cap)
{
    const struct model *m = live_model(rv);
    if (!m->wf.ninvs) return 0;
    waitfor_inversion_brief(m, &m->wf.invs[0], buf, cap);
    return 1;
}

struct warn_ctx {
    struct rect r;
    int row;
};

static void warn_emit(void *ctx, const char *line)
{
    struct warn_ctx *w = ctx;
    if (w->row >= w->r.h) return;
    char row[1024];
    snprintf(row, sizeof row, "%-*s", w->r.w < 1000 ? w->r.w : 1000, line);
    ui_put(w->r.y + w->row++, w->r.x, w->r.w, R_WARN, row);
}

/* The deadlock, over the bottom rows: what waits for what, in words.
 * Returns the banner's top row (lines when there is none). */
static int draw_deadlock(struct run_view *rv, int cols, int lines)
{
    struct wf_deadlock d;
    const struct model *m = live_model(rv);
    if (!model_deadlock_report(m, &d)) return lines;
    char cycle[1024], text[1200];
    waitfor_cycle_text(m, &d, cycle, sizeof cycle);
    snprintf(text, sizeof text, " DEADLOCK: %s", cycle);
    int rows = fmt_wrap(text, cols, 11, NULL, NULL);
    if (rows > 4) rows = 4;
    int y = lines - 1 - rows;
    if (y < 1) y = 1;
    fmt_wrap(text, cols, 11, banner_emit, &y);
    int last = lines - 1;
    banner_emit(&last, rv->killed ? " DEADLOCK: the run was ended  R: run again  q: back"
                                  : " DEADLOCK: nothing can move any more  x: end the run  q: back");
    return lines - 1 - rows < 1 ? 1 : lines - 1 - rows;
}

static void run_draw(struct ui_view *v, int cols, int lines)
{
    struct run_view *rv = (struct run_view *)v;
    const char *defaults[LAYOUT_MAX_PANELS];
    const char *const *names = (const char *const *)(rv->l ? rv->l->panels : NULL);
    size_t npanels = rv->l ? rv->l->npanels : 0;
    if (npanels == 0) {
        npanels = default_panels(&rv->m, defaults);
        names = defaults;
    }
    bool watch = rv->l && rv->l->watch_for && rv->l->watch_for[0];
    char watch_text[1024] = "";
    int watch_rows = 0;
    if (watch) {
        snprintf(watch_text, sizeof watch_text, "Watch for: %s", rv->l->watch_for);
        for (char *s = watch_text; *s; s++)
            if (*s == '\n') *s = ' ';
        watch_rows = fmt_wrap(watch_text, cols, 2, NULL, NULL);
        if (watch_rows > 3) watch_rows = 3;
    }
    /* Locks taken in both orders: a warning above the footer, before any
     * deadlock (the run may be lucky), taking rows from the watch text. */
    char warn_text[640] = "";
    int warn_rows = inversion_text(rv, warn_text, sizeof warn_text) ? fmt_wrap(warn_text, cols, 2, NULL, NULL) : 0;
    if (warn_rows > 2) warn_rows = 2;
    if (watch_rows > 3 - warn_rows) watch_rows = 3 - warn_rows;
    /* The code pane: a column of its own on a wide screen, else the top
     * panel of the right-hand stack; c hides or shows it. */
    struct rect code_col;
    int rest = cols;
    bool code_on = rv->code.n > 0 && cp_shown(rv->code_pref, cols, rv->mode != MODE_FREE);
    cp_run_split(cols, lines, watch_rows + warn_rows, code_on, &code_col, &rest);
    const char *with_code[LAYOUT_MAX_PANELS * 2 + 1];
    size_t nwith = 0;
    if (code_on && code_col.w == 0) with_code[nwith++] = PANEL_NAME(code);
    for (size_t i = 0; i < npanels && nwith < LAYOUT_MAX_PANELS * 2; i++)
        if (panel_find(names[i]) != PANEL_code) with_code[nwith++] = names[i];
    names = with_code;
    npanels = nwith;
    /* Content decides the heights, so the busy panels get the rows. */
    int wants[LAYOUT_MAX_PANELS * 2] = {0};
    int half = rest * 11 / 20 - 3;
    for (size_t i = 0; i < npanels && i < LAYOUT_MAX_PANELS * 2; i++)
        wants[i] = want_of(rv, names[i], half > 10 ? half : 10);
    struct layout_run lay;
    layout_run(rest, lines, names, npanels < LAYOUT_MAX_PANELS * 2 ? npanels : LAYOUT_MAX_PANELS * 2,
               watch_rows + warn_rows, wants, &lay);
    lay.watch.w = cols;

    char status[128], speed[32], head[512];
    status_text(rv, status, sizeof status);
    if (speeds[rv->speed])
        snprintf(speed, sizeof speed, "%d/tick", speeds[rv->speed]);
    else
        snprintf(speed, sizeof speed, "all");
    char last[32] = "";
    if (rv->controlled && rv->ctl.nsteps) snprintf(last, sizeof last, " (last moved: %d)", rv->ctl.steps[rv->ctl.nsteps - 1]);
    char how[32] = "";
    if (rv->replay) snprintf(how, sizeof how, " replay");
    else if (rv->controlled && rv->seed) snprintf(how, sizeof how, " seed %" PRIu64, rv->seed);
    if (rv->mode == MODE_PACED)
        snprintf(head, sizeof head, "forklab: run %s [%s] paced %g op/s%s, step %zu%s", rv->l ? rv->l->id : rv->target,
                 status, rates_x10[rv->rate] / 10.0, how, rv->controlled ? rv->ctl.nsteps : 0, last);
    else if (rv->mode == MODE_SCHEDULE)
        snprintf(head, sizeof head, "forklab: run %s [%s] you schedule, step %zu%s", rv->l ? rv->l->id : rv->target,
                 status, rv->controlled ? rv->ctl.nsteps : 0, last);
    else
        snprintf(head, sizeof head, "forklab: run %s [%s] events %" PRIu64 " (+%zu) speed %s%s",
                 rv->l ? rv->l->id : rv->target, status, rv->m.applied, rv->npend, speed,
                 rv->m.dropped ? " (events dropped)" : "");
    ui_put(0, 0, cols, rv->paused || rv->stuck ? R_WARN : R_TITLE, head);

    for (size_t i = 0; i < lay.npanels; i++) draw_panel(rv, &lay.panels[i]);
    if (code_col.w) draw_code_panel(rv, code_col);
    if (rv->error[0]) {
        const struct rect *o = layout_run_find(&lay, PANEL_NAME(output));
        if (o) ui_put(o->y + 1, o->x + 2, o->w - 3, R_BAD, rv->error);
    }
    if (warn_rows) {
        struct rect wr = lay.watch;
        wr.h = warn_rows;
        struct warn_ctx wc = {wr, 0};
        fmt_wrap(warn_text, cols, 2, warn_emit, &wc);
    }
    if (watch && watch_rows > 0) {
        struct rect wr = lay.watch;
        wr.y += warn_rows;
        wr.h -= warn_rows;
        struct ui_rows rs = {wr, 0};
        ui_rows_wrap(&rs, watch_text, 2);
    }
    if (rv->controlled && rv->ctl_msg[0]) {
        char foot[CTL_ERR + 8];
        snprintf(foot, sizeof foot, " %s", rv->ctl_msg);
        for (char *c = foot; *c; c++)
            if (*c == '\n') *c = ' ';
        ui_put(lines - 1, 0, cols, R_WARN, foot);
    } else if (rv->mode == MODE_SCHEDULE) {
        ui_put(lines - 1, 0, cols, R_DIM, " 0-9 or arrows+Enter: move that process  s: next  m: mode  R: restart  q: back");
    } else if (rv->mode == MODE_PACED) {
        ui_put(lines - 1, 0, cols, rv->paused ? R_WARN : R_DIM,
               rv->paused ? " PAUSED  space: resume  s: one operation  +/-: pace  m: mode  q: back"
                          : " space: pause  s: one operation  +/-: pace  m: mode  R: restart  x: kill  q: back");
    } else if (rv->paused && rv->m.nevents) {
        /* Stepping: say which event was applied last. */
        char ev[256], foot[320];
        fmt_event_line(ev, sizeof ev, rv->m.applied, &rv->m.events[rv->m.nevents - 1], cols - 40);
        snprintf(foot, sizeof foot, " last %s | space: resume  s: step  q: back", ev);
        ui_put(lines - 1, 0, cols, R_WARN, foot);
    } else if (rv->paused) {
        ui_put(lines - 1, 0, cols, R_WARN, " PAUSED  space: resume  s: step one event  R: restart  x: kill  q: back");
    } else {
        ui_put(lines - 1, 0, cols, R_DIM, " space: pause  +/-: faster/slower  m: mode  R: restart  x: kill  ?: help  q: back");
    }
    if (rv->deadlock) {
        int top = draw_deadlock(rv, cols, lines);
        if (warn_rows && top - warn_rows > 1) { /* the lock orders that led to it, above the banner */
            struct warn_ctx wc = {{.x = 0, .y = top - warn_rows, .w = cols, .h = warn_rows}, 0};
            fmt_wrap(warn_text, cols, 2, warn_emit, &wc);
        }
    }
}

/* ------------------------------------------------------------ view */

static int run_key(struct ui_view *v, int ch)
{
    struct run_view *rv = (struct run_view *)v;
    bool live = rv->started && !rv->r.finished;
    int k = run_view_controlled_key(rv, ch);
    if (k) return k;
    switch (keys_action(KEYS_RUN, ch)) {
    case KA_PAUSE:
        if (!rv->paused) {
            if (live) runner_pause(&rv->r);
            rv->paused = true;
        } else {
            if (live) runner_resume(&rv->r);
            rv->paused = false;
        }
        break;
    case KA_STEP:
        if (rv->paused) {
            run_pump(rv);
            apply_one(rv);
        }
        break;
    case KA_FASTER:
        if (rv->speed + 1 < NSPEEDS) rv->speed++;
        break;
    case KA_SLOWER:
        if (rv->speed > 0) rv->speed--;
        break;
    case KA_PAGE_UP:
        rv->out_back += 5;
        if (rv->out_back > rv->nout) rv->out_back = rv->nout;
        break;
    case KA_PAGE_DOWN: rv->out_back = rv->out_back > 5 ? rv->out_back - 5 : 0; break;
    case KA_LATEST: rv->out_back = 0; break;
    case KA_RESTART:
        rv->out_back = 0;
        run_view_reset(rv);
        break;
    case KA_KILL:
        if (live) {
            uint64_t before = rv->out_total;
            rv->r.keep_state = rv->deadlock; /* the banner keeps who waited for whom */
            runner_kill(&rv->r);
            tag_new_lines(rv, before);
            rv->killed = true;
        }
        break;
    case KA_CODE: rv->code_pref = cp_shown(rv->code_pref, COLS, rv->mode != MODE_FREE) ? -1 : 1; break;
    case KA_CODE_LEFT: rv->code_hoff = rv->code_hoff > 8 ? rv->code_hoff - 8 : 0; break;
    case KA_CODE_RIGHT: rv->code_hoff += 8; break; /* the drawing keeps it in range */
    case KA_BACK: return UI_HANDLED | UI_POP;
    default: return 0;
    }
    return UI_HANDLED | UI_REDRAW;
}

static int run_fds(struct ui_view *v, struct pollfd *fds, int max)
{
    struct run_view *rv = (struct run_view *)v;
    if (!rv->started || rv->r.finished) return 0;
    int n = runner_pollfds(&rv->r, fds, max);
    if (rv->controlled) n += ctl_pollfds(&rv->ctl, fds + n, max - n);
    return n;
}

static int run_io(struct ui_view *v, const struct pollfd *fds, int n)
{
    struct run_view *rv = (struct run_view *)v;
    (void)fds;
    (void)n;
    uint64_t before = rv->out_total, applied = rv->m.applied;
    bool was_finished = rv->r.finished;
    run_pump(rv);
    bool moved = rv->controlled && run_view_pace(rv);
    /* Output shows at once; events wait for the tick (controlled: they
     * are applied as they come, nothing moves between grants). */
    return moved || rv->out_total != before || rv->r.finished != was_finished || rv->m.applied != applied ? UI_REDRAW : 0;
}

static int run_tick_ms(struct ui_view *v)
{
    struct run_view *rv = (struct run_view *)v;
    /* Nothing left to watch: sleep until a key. */
    if (run_idle(rv) || (rv->paused && (!rv->started || rv->r.finished))) return -1;
    /* A deadlock seen and not confirmed yet: look again soon, so the
     * banner comes within about 100 ms of the deadlock forming. */
    if (rv->watch.pending && !rv->deadlock) return WF_CONFIRM_NS / 1000000 + 5;
    if (rv->controlled && rv->mode == MODE_PACED && !rv->paused) {
        uint64_t now = run_view_now_ns();
        if (rv->next_grant_ns <= now) return 1;
        uint64_t ms = (rv->next_grant_ns - now) / 1000000 + 1;
        return ms < TICK_MS ? (int)ms : TICK_MS;
    }
    return TICK_MS;
}

static int run_tick(struct ui_view *v)
{
    struct run_view *rv = (struct run_view *)v;
    uint64_t applied = rv->m.applied, out = rv->out_total;
    bool finished = rv->started && rv->r.finished;
    size_t steps = rv->controlled ? rv->ctl.nsteps : 0;
    run_pump(rv);
    bool was_deadlock = rv->deadlock;
    if (rv->started && !rv->r.finished && waitfor_watch(&rv->watch, live_model(rv), run_view_now_ns()) == 1) rv->deadlock = true;
    bool moved = false;
    if (rv->controlled) moved = run_view_pace(rv);
    else if (!rv->paused) {
        int n = speeds[rv->speed];
        if (n == 0) {
            while (rv->npend) apply_one(rv);
        } else {
            for (int i = 0; i < n && rv->npend; i++) apply_one(rv);
        }
    }
    bool changed = rv->m.applied != applied || rv->out_total != out || rv->deadlock != was_deadlock ||
                   (rv->started && rv->r.finished) != finished || moved || (rv->controlled && rv->ctl.nsteps != steps);
    return changed ? UI_REDRAW : 0;
}

static void run_resize(struct ui_view *v, int cols, int lines)
{
    struct run_view *rv = (struct run_view *)v;
    rv->cols = cols;
    rv->lines = lines;
}

static void run_destroy(struct ui_view *v)
{
    struct run_view *rv = (struct run_view *)v;
    run_stop(rv); /* nothing of the run survives the view */
    model_free(&rv->now);
    model_free(&rv->m);
    free(rv->pending);
    free(rv->out);
    free(rv->replay);
    cp_source_free(&rv->code);
    free(rv);
}

static struct ui_view *run_view_new(const struct lesson *l, const char *program, const char *replay);

/* The source the code pane shows: the lesson's (the lesson view's code),
 * or for another example of the lesson, lessons/NAME.c beside it. */
static void load_code(struct run_view *rv)
{
    const struct lesson *l = rv->l;
    char path[512] = "";
    if (l && l->c_path && (!rv->target[0] || (l->program && !strcmp(rv->target, l->program)) ||
                           (l->id && !strcmp(rv->target, l->id))))
        snprintf(path, sizeof path, "%s", l->c_path);
    else if (l && rv->target[0] && !strchr(rv->target, '/'))
        snprintf(path, sizeof path, "lessons/%s.c", rv->target);
    if (!path[0]) return;
    char *text = catalogue_read_file(path);
    if (!text || cp_source_init(&rv->code, text) < 0) {
        if (rv->code.text != text) free(text);
        cp_source_free(&rv->code);
        return;
    }
    const char *slash = strrchr(path, '/');
    snprintf(rv->code_base, sizeof rv->code_base, "%s", slash ? slash + 1 : path);
}

struct ui_view *ui_run_view(const struct lesson *l, const char *program)
{
    return run_view_new(l, program, NULL);
}

struct ui_view *ui_run_view_replay(const struct lesson *l, const char *program, const char *schedule)
{
    return run_view_new(l, program, schedule);
}

static struct ui_view *run_view_new(const struct lesson *l, const char *program, const char *replay)
{
    struct run_view *rv = calloc(1, sizeof *rv);
    if (!rv) return NULL;
    rv->out = calloc(OUT_LINES, sizeof *rv->out);
    if (!rv->out) {
        free(rv);
        return NULL;
    }
    rv->v.draw = run_draw;
    rv->v.key = run_key;
    rv->v.resize = run_resize;
    rv->v.fds = run_fds;
    rv->v.io = run_io;
    rv->v.tick_ms = run_tick_ms;
    rv->v.tick = run_tick;
    rv->v.destroy = run_destroy;
    rv->l = l;
    rv->speed = DEFAULT_SPEED;
    rv->rate = DEFAULT_RATE;
    rv->mode = l && l->mode && !strcmp(l->mode, "paced")      ? MODE_PACED
               : l && l->mode && !strcmp(l->mode, "schedule") ? MODE_SCHEDULE
                                                               : MODE_FREE;
    if (replay && !(rv->replay = strdup(replay))) {
        free(rv->out);
        free(rv);
        return NULL;
    }
    if (replay) rv->mode = MODE_PACED;
    /* The lesson id lets the runner pass the lesson's run.args. */
    snprintf(rv->target, sizeof rv->target, "%s", program ? program : l && l->id ? l->id : "");
    model_init(&rv->now);
    model_init(&rv->m);
    load_code(rv);
    run_start(rv);
    return &rv->v;
}
