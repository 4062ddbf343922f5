/*
 * run_panels.c — drawing the live run's panels: one draw_NAME per row of
 * the panel table (core/panels.h), each filling its box from the model
 * with rows formatted in core/rows.c. The run view (view_run.c) decides
 * which panels, where and with which title; the output panel's lines come
 * from the view through a callback, since the output is not in the model.
 */
#include "ui.h"

#include "fmt_mpi.h"
#include "model_manager.h"
#include "panels.h"
#include "rows.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool rows_full(const struct ui_rows *rs)
{
    return rs->row >= rs->in.h;
}

void ui_rows_put(struct ui_rows *rs, enum ui_role role, const char *text)
{
    if (rows_full(rs)) return;
    ui_put(rs->in.y + rs->row, rs->in.x, rs->in.w, role, text);
    rs->row++;
}

static void wrap_emit(void *ctx, const char *line)
{
    ui_rows_put(ctx, R_NORMAL, line);
}

void ui_rows_wrap(struct ui_rows *rs, const char *text, int indent)
{
    fmt_wrap(text, rs->in.w, indent, wrap_emit, rs);
}

static void draw_processes(const struct ui_panel_source *src, struct ui_rows *rs)
{
    const struct model *m = src->m;
    char buf[512];
    size_t order[512];
    size_t n = model_proc_tree(m, order, 512);
    /* The column header goes first when a row is to be given up. */
    if ((int)n < rs->in.h) {
        fmt_proc_header(buf, sizeof buf, rs->in.w);
        ui_rows_put(rs, R_TITLE, buf);
    }
    /* Too long: keep the tree's root (the example itself) and the newest
     * rows under it, which is where things happen. */
    size_t room = (size_t)(rs->in.h - rs->row), first = 0;
    if (n > room && room > 1) first = n - (room - 1);
    for (size_t k = 0; k < n && !rows_full(rs); k++) {
        size_t i = k == 0 || first == 0 ? k : first + k - 1;
        if (i >= n) break;
        const struct model_proc *p = &m->procs[order[i]];
        fmt_proc_row(buf, sizeof buf, p, rs->in.w);
        enum ui_role role = p->state == MPROC_EXITED ? (p->exit_code == 0 ? R_DIM : R_BAD)
                            : p->state == MPROC_RUNNING ? R_NORMAL : R_WARN;
        ui_rows_put(rs, role, buf);
    }
    if (n == 0) ui_rows_put(rs, R_DIM, "(no process yet)");
}

static void draw_locks(const struct ui_panel_source *src, struct ui_rows *rs)
{
    const struct model *m = src->m;
    char buf[512];
    for (size_t i = 0; i < m->nlocks && !rows_full(rs); i++) {
        fmt_lock_row(buf, sizeof buf, &m->locks[i], (int)i + 1, 1000);
        fmt_wrap(buf, rs->in.w, 2, wrap_emit, rs);
        fmt_lock_waits(buf, sizeof buf, &m->locks[i], 1000);
        if (buf[0]) fmt_wrap(buf, rs->in.w, 4, wrap_emit, rs);
    }
    if (m->nlocks == 0) ui_rows_put(rs, R_DIM, "(no lock yet)");
}

static void draw_queues(const struct ui_panel_source *src, struct ui_rows *rs)
{
    const struct model *m = src->m;
    char buf[2048];
    for (size_t i = 0; i < m->nqueues && !rows_full(rs); i++) {
        const struct model_queue *q = &m->queues[i];
        snprintf(buf, sizeof buf, "queue %zu: %zu inside; %" PRIu64 " put, %" PRIu64 " got; max %zu", i + 1,
                 q->nitems, q->puts, q->gets, q->max_size);
        ui_rows_put(rs, R_TITLE, buf);
        if (q->nblocked_get || q->nblocked_put) {
            fmt_queue_blocked(buf, sizeof buf, q, 2000);
            fmt_wrap(buf, rs->in.w, 2, wrap_emit, rs);
        }
        fmt_queue_row(buf, sizeof buf, q, (int)i + 1, 2000);
        const char *items = strchr(buf, ':');
        fmt_wrap(items ? items + 2 : buf, rs->in.w, 1, wrap_emit, rs);
    }
    if (m->nqueues == 0) ui_rows_put(rs, R_DIM, "(no queue yet)");
}

static void draw_pipes(const struct ui_panel_source *src, struct ui_rows *rs)
{
    const struct model *m = src->m;
    char buf[1024];
    for (size_t i = 0; i < m->npipes && !rows_full(rs); i++) {
        fmt_pipe_row(buf, sizeof buf, &m->pipes[i], (int)i + 1, 1000);
        fmt_wrap(buf, rs->in.w, 2, wrap_emit, rs);
    }
    if (m->npipes == 0) ui_rows_put(rs, R_DIM, "(no pipe yet)");
}

static void draw_arrays(const struct ui_panel_source *src, struct ui_rows *rs)
{
    const struct model *m = src->m;
    char buf[1024];
    for (size_t i = 0; i < m->narrays && !rows_full(rs); i++) {
        fmt_array_row(buf, sizeof buf, &m->arrays[i], (int)i + 1, 1000);
        fmt_wrap(buf, rs->in.w, 2, wrap_emit, rs);
    }
    if (m->narrays == 0) ui_rows_put(rs, R_DIM, "(no shared value or array yet)");
}

static void draw_pool(const struct ui_panel_source *src, struct ui_rows *rs)
{
    const struct model *m = src->m;
    char buf[1024];
    for (size_t i = 0; i < m->npools && !rows_full(rs); i++) {
        const struct model_pool *p = &m->pools[i];
        fmt_pool_row(buf, sizeof buf, p, (int)i + 1, 1000);
        fmt_wrap(buf, rs->in.w, 2, wrap_emit, rs);
        /* The latest tasks that fit, two to a row when there is room. */
        if (p->ntasks) ui_rows_put(rs, R_DIM, "task -> worker pid, state:");
        int room = rs->in.h - rs->row;
        int per_row = rs->in.w >= 80 ? 3 : rs->in.w >= 40 ? 2 : 1, colw = rs->in.w / per_row;
        size_t fit = room > 0 ? (size_t)room * (size_t)per_row : 0;
        size_t first = p->ntasks > fit ? p->ntasks - fit : 0;
        for (size_t t = first; t < p->ntasks && !rows_full(rs);) {
            char line[512] = "";
            for (int c = 0; c < per_row && t < p->ntasks; c++, t++) {
                char cell[256];
                fmt_task_row(cell, sizeof cell, &p->tasks[t], colw - 1);
                snprintf(line + strlen(line), sizeof line - strlen(line), "%-*s", colw, cell);
            }
            ui_rows_put(rs, R_NORMAL, line);
        }
    }
    if (m->npools == 0) ui_rows_put(rs, R_DIM, "(no pool yet)");
}

static void draw_async(const struct ui_panel_source *src, struct ui_rows *rs)
{
    const struct model *m = src->m;
    char buf[512];
    for (size_t i = 0; i < m->nasyncs && !rows_full(rs); i++) {
        fmt_async_row(buf, sizeof buf, &m->asyncs[i], rs->in.w);
        ui_rows_put(rs, m->asyncs[i].ready ? R_GOOD : R_WARN, buf);
    }
    if (m->nasyncs == 0) ui_rows_put(rs, R_DIM, "(no async result yet)");
}

static void draw_timeline(const struct ui_panel_source *src, struct ui_rows *rs)
{
    const struct model *m = src->m;
    char buf[512];
    size_t order[512];
    size_t n = model_proc_tree(m, order, 512);
    for (size_t i = 0; i < n && !rows_full(rs); i++) {
        fmt_timeline_row(buf, sizeof buf, m->procs[order[i]].pid, m->events, m->nevents, rs->in.w);
        ui_rows_put(rs, R_NORMAL, buf);
    }
    if (n == 0) ui_rows_put(rs, R_DIM, "(no event yet)");
}

/* Notes and output wrap (continuation rows indented) rather than being cut:
 * the newest line ends at the bottom, and the oldest one shown may lose its
 * first rows. */
#define WRAP_INDENT 2

struct wrap_rows {
    struct ui_rows *rs;
    int skip;       /* rows of this line that are above the panel */
    int count;      /* rows counted (when rs is NULL) */
    enum ui_role role;
};

static void wrap_row(void *ctx, const char *line)
{
    struct wrap_rows *w = ctx;
    if (!w->rs) w->count++;
    else if (w->skip > 0) w->skip--;
    else ui_rows_put(w->rs, w->role, line);
}

static int wrapped_rows(const char *text, int width)
{
    struct wrap_rows w = {NULL, 0, 0, R_NORMAL};
    fmt_wrap(text, width, WRAP_INDENT, wrap_row, &w);
    return w.count > 0 ? w.count : 1;
}

typedef const char *(*line_fn)(const void *ctx, size_t i, enum ui_role *role);

/* Draws lines [0, n) of a list so that the last one ends at the bottom. */
static void put_wrapped_tail(struct ui_rows *rs, size_t n, line_fn text, const void *ctx)
{
    int room = rs->in.h - rs->row, used = 0;
    size_t first = n;
    enum ui_role role;
    while (first > 0 && used < room) used += wrapped_rows(text(ctx, first - 1, &role), rs->in.w), first--;
    for (size_t i = first; i < n && !rows_full(rs); i++) {
        const char *t = text(ctx, i, &role);
        struct wrap_rows w = {rs, i == first && used > room ? used - room : 0, 0, role};
        fmt_wrap(t, rs->in.w, WRAP_INDENT, wrap_row, &w);
    }
}

static const char *note_text(const void *ctx, size_t i, enum ui_role *role)
{
    static char buf[300];
    const struct model *m = ctx;
    snprintf(buf, sizeof buf, "%d: %s", m->notes[i].pid, m->notes[i].text);
    *role = R_NORMAL;
    return buf;
}

static void draw_notes(const struct ui_panel_source *src, struct ui_rows *rs)
{
    const struct model *m = src->m;
    put_wrapped_tail(rs, m->nnotes, note_text, m);
    if (m->nnotes == 0) ui_rows_put(rs, R_DIM, "(no note yet)");
}

static const char *output_text(const void *ctx, size_t i, enum ui_role *role)
{
    const struct ui_panel_source *src = ctx;
    bool err = false;
    const char *t = src->line(src->ctx, i, &err);
    *role = err ? R_BAD : R_NORMAL;
    return t;
}

/* The MPI panels: their lines come from fmt_mpi.c. */
static void mpi_row(void *ctx, bool alert, const char *line)
{
    ui_rows_put(ctx, alert ? R_BAD : R_NORMAL, line);
}

static void draw_ranks(const struct ui_panel_source *src, struct ui_rows *rs)
{
    fmt_mpi_lines(src->m, PANEL_ranks, mpi_row, rs);
}

static void draw_messages(const struct ui_panel_source *src, struct ui_rows *rs)
{
    fmt_mpi_lines(src->m, PANEL_messages, mpi_row, rs);
}

static void draw_collectives(const struct ui_panel_source *src, struct ui_rows *rs)
{
    fmt_mpi_lines(src->m, PANEL_collectives, mpi_row, rs);
}

/* A manager's objects as the operations left them (what the lesson is
 * about, so first), then the newest operations that fit, oldest first;
 * with a single row left, the count and the latest operation share it. */
static void draw_manager(const struct ui_panel_source *src, struct ui_rows *rs)
{
    const struct model *m = src->m;
    char buf[2048], op[1024];
    if (m->nmops == 0) {
        ui_rows_put(rs, R_DIM, "(no manager operation yet)");
        return;
    }
    struct ui_rows top = *rs;
    top.in.h = rs->in.h - 1; /* the last row is the operations' */
    for (size_t i = 0; i < m->nmobjs && !rows_full(&top); i++) {
        model_mgr_format(&m->mobjs[i], buf, sizeof buf);
        fmt_wrap(buf, top.in.w, 2, wrap_emit, &top);
    }
    rs->row = top.row;
    const struct model_manager_op *last = &m->mops[m->nmops - 1];
    if (rs->in.h - rs->row == 1) {
        int pre = snprintf(buf, sizeof buf, "%zu ops, last: ", m->nmops);
        fmt_mgr_op_row(op, sizeof op, m, last, rs->in.w - pre);
        snprintf(buf + pre, sizeof buf - (size_t)pre, "%s", op);
        ui_rows_put(rs, last->result < 0 ? R_BAD : R_NORMAL, buf);
        return;
    }
    snprintf(buf, sizeof buf, "%zu operation%s, newest last:", m->nmops, m->nmops == 1 ? "" : "s");
    ui_rows_put(rs, R_TITLE, buf);
    size_t room = (size_t)(rs->in.h - rs->row);
    for (size_t i = m->nmops > room ? m->nmops - room : 0; i < m->nmops && !rows_full(rs); i++) {
        fmt_mgr_op_row(buf, sizeof buf, m, &m->mops[i], rs->in.w);
        ui_rows_put(rs, m->mops[i].result < 0 ? R_BAD : R_NORMAL, buf);
    }
}

static void draw_output(const struct ui_panel_source *src, struct ui_rows *rs)
{
    size_t nout = src->nout;
    /* Scrolling back stops when the oldest line kept is at the top. */
    size_t room = (size_t)rs->in.h, max_back = nout > room ? nout - room : 0;
    size_t back = src->back < max_back ? src->back : max_back;
    size_t end = nout - back;
    put_wrapped_tail(rs, end, output_text, src);
    if (nout == 0) ui_rows_put(rs, R_DIM, src->started ? "(no output yet)" : "");
}

/* A marker ("2,1+"), right-aligned in w columns: each number in its
 * process's colour, the followed process's in reverse video. */
static void draw_marker(int y, int x, int w, const char *mark, int sel)
{
    int len = (int)strlen(mark), col = x + (w > len ? w - len : 0);
    for (const char *s = mark; *s && col < x + w;) {
        if (*s >= '0' && *s <= '9') {
            char num[16];
            size_t n = strspn(s, "0123456789");
            snprintf(num, sizeof num, "%.*s", (int)(n < 15 ? n : 15), s);
            int idx = atoi(num);
            ui_put_attr(y, col, x + w - col, ui_proc_attr(idx) | (idx == sel ? A_REVERSE : 0), num);
            col += (int)strlen(num);
            s += n;
        } else {
            char one[2] = {*s++, '\0'};
            ui_put(y, col++, 1, R_WARN, one);
        }
    }
}

/* The example's source, each live process's number beside its line (a
 * gutter of markers, then the line number, then the code scrolled
 * src->code->hoff columns sideways). The view picked the first line. */
static void draw_code(const struct ui_panel_source *src, struct ui_rows *rs)
{
    const struct ui_code_src *c = src->code;
    if (!c || !c->src || !c->src->n) {
        ui_rows_put(rs, R_DIM, "(no source for this program)");
        return;
    }
    int mw = rs->in.w >= 40 ? 5 : 3, numw = 4, cw = rs->in.w - mw - 1 - numw;
    if (cw < 4) return;
    int state = 0;
    for (int i = 0; i < c->top && i < c->src->n; i++) { /* the comment state above the first line shown */
        struct hl_span sp[128];
        hl_line(HL_C, c->src->lines[i], &state, sp, 128);
    }
    for (int row = 0; !rows_full(rs) && c->top + row < c->src->n; row++) {
        int ln = c->top + row + 1, y = rs->in.y + rs->row;
        char mark[32], num[16];
        int on = cp_marker(c->where, c->nwhere, (unsigned)ln, c->sel, mark, sizeof mark, mw, NULL);
        draw_marker(y, rs->in.x, mw, mark, c->sel);
        snprintf(num, sizeof num, "%*d ", numw - 1, ln);
        ui_put(y, rs->in.x + mw, 1, on ? R_WARN : R_DIM, on ? ">" : " ");
        ui_put(y, rs->in.x + mw + 1, numw, on ? R_WARN : R_DIM, num);
        ui_code_text(y, rs->in.x + mw + 1 + numw, cw, c->src->lines[ln - 1], HL_C, &state, c->hoff);
        rs->row++;
    }
}

/* One drawing function per row of the panel table (panels.h): a panel
 * added there without its draw_NAME here does not compile. */
typedef void (*panel_draw_fn)(const struct ui_panel_source *src, struct ui_rows *rs);
static const panel_draw_fn panel_draw[PANEL__COUNT] = {
#define PANEL_DRAW_(name, side, weight) [PANEL_##name] = draw_##name,
    PANEL_TABLE(PANEL_DRAW_)
#undef PANEL_DRAW_
};

void ui_draw_panel(enum panel_id id, struct rect r, const char *title, const struct ui_panel_source *src)
{
    if ((unsigned)id >= PANEL__COUNT) return;
    struct ui_rows rs = {ui_box(r, title, false), 0};
    rs.in.x += 1;
    rs.in.w -= 1;
    if (rs.in.w <= 0 || rs.in.h <= 0) return;
    panel_draw[id](src, &rs);
}
