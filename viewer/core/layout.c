/*
 * layout.c — screen geometry and panel text for the viewer, with no
 * terminal. The ui/ code asks here where things go and what they say, then
 * only draws; keeping these decisions pure is what lets test_layout check
 * an 80x24 screen without a terminal.
 */
#include "layout.h"

#include <ctype.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ rectangles */

bool layout_too_small(int cols, int lines)
{
    return cols < LAYOUT_MIN_COLS || lines < LAYOUT_MIN_LINES;
}

void layout_too_small_msg(char *buf, size_t cap, int cols, int lines)
{
    snprintf(buf, cap, "forklab needs at least %dx%d; this terminal is %dx%d", LAYOUT_MIN_COLS,
             LAYOUT_MIN_LINES, cols, lines);
}

static struct rect rect_make(int x, int y, int w, int h)
{
    struct rect r = {x, y, w < 0 ? 0 : w, h < 0 ? 0 : h};
    return r;
}

int layout_lesson(int cols, int lines, int slide_rows, struct layout_lesson *out)
{
    if (!out || cols <= 0 || lines <= 0) return -22; /* -EINVAL */
    memset(out, 0, sizeof *out);
    out->header = rect_make(0, 0, cols, 1);
    out->footer = rect_make(0, lines - 1, cols, 1);
    int body_y = 1, body_h = lines - 2;
    if (cols >= LAYOUT_SIDE_BY_SIDE_COLS) {
        /* Slide, C and Python in three columns: the code gets the room. */
        int slide_w = cols * 3 / 10;
        int code_w = (cols - slide_w) / 2;
        out->side_by_side = true;
        out->slide = rect_make(0, body_y, slide_w, body_h);
        out->code = rect_make(slide_w, body_y, code_w, body_h);
        out->python = rect_make(slide_w + code_w, body_y, cols - slide_w - code_w, body_h);
    } else if (cols >= 120) {
        int slide_w = cols * 2 / 5;
        out->slide = rect_make(0, body_y, slide_w, body_h);
        out->code = rect_make(slide_w, body_y, cols - slide_w, body_h);
    } else {
        /* Narrow: the slide above, the code below at full width so that
         * 70-column C lines are not cut. */
        int slide_h = body_h * 2 / 5, most = body_h * 3 / 5;
        if (slide_rows > slide_h) slide_h = slide_rows < most ? slide_rows : most;
        out->slide = rect_make(0, body_y, cols, slide_h);
        out->code = rect_make(0, body_y + slide_h, cols, body_h - slide_h);
    }
    return 0;
}

static const char *const known_panels[] = {"processes", "locks", "queues", "pipes", "arrays", "pool",
                                           "async", "timeline", "notes", "output",
                                           "ranks", "messages", "collectives"};

static bool panel_known(const char *name)
{
    for (size_t i = 0; i < sizeof known_panels / sizeof known_panels[0]; i++)
        if (!strcmp(name, known_panels[i])) return true;
    return false;
}

static bool panel_goes_right(const char *name)
{
    return !strcmp(name, "output") || !strcmp(name, "notes") || !strcmp(name, "timeline");
}

/* How much of a column a panel wants: lists that grow get more. */
static int panel_weight(const char *name)
{
    static const struct {
        const char *name;
        int weight;
    } w[] = {{"processes", 4}, {"pool", 3}, {"queues", 2}, {"output", 3}, {"locks", 2},
             {"pipes", 2},     {"arrays", 2}, {"notes", 2}, {"timeline", 2}, {"async", 1},
             {"ranks", 3},     {"messages", 3}, {"collectives", 2}};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (!strcmp(name, w[i].name)) return w[i].weight;
    return 1;
}

/* Stack the named panels in one column. Every panel gets 3 rows (a border
 * and one line); spare rows go first to what panels want (their content),
 * in proportion when they want more than there is, and what is left goes
 * by weight. Panels beyond what fits at 3 rows each are hidden. */
static void stack_column(struct layout_run *out, const char *const *names, const int *wants, size_t n,
                         struct rect col)
{
    size_t fit = (size_t)(col.h / 3);
    if (n > fit) {
        out->nhidden += n - fit;
        n = fit;
    }
    if (n == 0) return;
    int spare = col.h - 3 * (int)n, need[LAYOUT_MAX_PANELS], extra[LAYOUT_MAX_PANELS];
    int total_need = 0, given = 0, wsum = 0, neediest = 0, y = col.y;
    for (size_t i = 0; i < n; i++) {
        need[i] = wants && wants[i] > 3 ? wants[i] - 3 : 0;
        total_need += need[i];
        wsum += panel_weight(names[i]);
        if (need[i] > need[neediest]) neediest = (int)i;
    }
    if (total_need >= spare && total_need > 0) {
        for (size_t i = 0; i < n; i++) given += extra[i] = (int)((long)spare * need[i] / total_need);
        extra[neediest] += spare - given;
    } else {
        int rest = spare - total_need;
        for (size_t i = 0; i < n; i++) given += extra[i] = need[i] + rest * panel_weight(names[i]) / wsum;
        extra[0] += spare - given;
    }
    for (size_t i = 0; i < n && out->npanels < LAYOUT_MAX_PANELS; i++) {
        int h = 3 + extra[i];
        struct layout_panel *p = &out->panels[out->npanels++];
        snprintf(p->name, sizeof p->name, "%s", names[i]);
        p->r = rect_make(col.x, y, col.w, h);
        y += h;
    }
}

static bool name_listed(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name)) return true;
    return false;
}

static int sum_wants(const int *w, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) sum += w[i] > 3 ? w[i] : 3;
    return sum;
}

/* When the state panels want more rows than the left column has and the
 * right one has room, the last state panels move to the top of the right
 * column (only by what panels want: with no wants nothing moves). */
static void balance_columns(const char **left, int *lw, size_t *nl, const char **right, int *rw, size_t *nr,
                            int body_h)
{
    while (*nl > 1 && *nr < LAYOUT_MAX_PANELS / 2 && sum_wants(lw, *nl) > body_h) {
        int moving = lw[*nl - 1] > 3 ? lw[*nl - 1] : 3;
        if (lw[*nl - 1] == 0 || sum_wants(rw, *nr) + moving > body_h) break;
        memmove(right + 1, right, *nr * sizeof right[0]);
        memmove(rw + 1, rw, *nr * sizeof rw[0]);
        right[0] = left[*nl - 1];
        rw[0] = lw[*nl - 1];
        (*nr)++;
        (*nl)--;
    }
}

int layout_run(int cols, int lines, const char *const *panels, size_t npanels, int watch_rows,
               const int *wants, struct layout_run *out)
{
    if (!out || cols <= 0 || lines <= 0 || (npanels && !panels)) return -22;
    memset(out, 0, sizeof *out);
    out->header = rect_make(0, 0, cols, 1);
    out->footer = rect_make(0, lines - 1, cols, 1);
    int watch_h = watch_rows < 0 ? 0 : watch_rows > 3 ? 3 : watch_rows;
    out->watch = rect_make(0, lines - 1 - watch_h, cols, watch_h);
    int body_y = 1, body_h = lines - 2 - watch_h;

    const char *left[LAYOUT_MAX_PANELS], *right[LAYOUT_MAX_PANELS];
    int lw[LAYOUT_MAX_PANELS], rw[LAYOUT_MAX_PANELS];
    size_t nl = 0, nr = 0;
    bool output_wanted = false;
    int output_want = 0;
    for (size_t i = 0; i < npanels; i++) {
        const char *name = panels[i];
        if (!name || !panel_known(name)) continue;
        bool r = panel_goes_right(name);
        const char **side = r ? right : left;
        int *sw = r ? rw : lw;
        size_t *ns = r ? &nr : &nl;
        if (name_listed(side, *ns, name)) continue;
        if (!strcmp(name, "output")) output_wanted = true, output_want = wants ? wants[i] : 0;
        if (*ns >= LAYOUT_MAX_PANELS / 2) {
            out->nhidden++;
            continue;
        }
        sw[*ns] = wants ? wants[i] : 0;
        side[(*ns)++] = name;
    }
    /* The example's output is always worth seeing. */
    if (!output_wanted && nr < LAYOUT_MAX_PANELS / 2) {
        memmove(right + 1, right, nr * sizeof right[0]);
        memmove(rw + 1, rw, nr * sizeof rw[0]);
        right[0] = "output";
        rw[0] = output_want;
        nr++;
    }
    if (nl == 0) {
        stack_column(out, right, rw, nr, rect_make(0, body_y, cols, body_h));
        return 0;
    }
    balance_columns(left, lw, &nl, right, rw, &nr, body_h);
    int left_w = cols * 11 / 20; /* state panels hold the wider rows */
    stack_column(out, left, lw, nl, rect_make(0, body_y, left_w, body_h));
    stack_column(out, right, rw, nr, rect_make(left_w, body_y, cols - left_w, body_h));
    return 0;
}

const struct rect *layout_run_find(const struct layout_run *l, const char *name)
{
    if (!l || !name) return NULL;
    for (size_t i = 0; i < l->npanels; i++)
        if (!strcmp(l->panels[i].name, name)) return &l->panels[i].r;
    return NULL;
}

struct rect layout_centered(int cols, int lines, int w, int h)
{
    if (w > cols) w = cols;
    if (h > lines) h = lines;
    return rect_make((cols - w) / 2, (lines - h) / 2, w, h);
}

/* ------------------------------------------------------------ text */

static bool utf8_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

int fmt_width(const char *src)
{
    int w = 0;
    for (const unsigned char *s = (const unsigned char *)src; s && *s; s++)
        if (!utf8_cont(*s)) w++;
    return w;
}

int fmt_fit(char *dst, size_t cap, const char *src, int width)
{
    if (!dst || cap == 0) return 0;
    dst[0] = '\0';
    if (!src || width <= 0) return 0;
    if (fmt_width(src) <= width) {
        /* Fits in columns; still respect the buffer (cut on a code point). */
        size_t n = strlen(src);
        if (n >= cap) {
            n = cap - 1;
            while (n > 0 && utf8_cont((unsigned char)src[n])) n--;
        }
        memcpy(dst, src, n);
        dst[n] = '\0';
        return fmt_width(dst);
    }
    size_t ell = strlen(LAYOUT_ELLIPSIS), i = 0;
    if (cap < ell + 2) { /* no room for an ellipsis: a plain cut, in bytes and columns */
        size_t n = 0;
        int w = 0;
        while (src[n] && n + 1 < cap) {
            size_t len = 1;
            while (src[n + len] && utf8_cont((unsigned char)src[n + len])) len++;
            if (n + len + 1 > cap || w == width) break;
            n += len;
            w++;
        }
        memcpy(dst, src, n);
        dst[n] = '\0';
        return fmt_width(dst);
    }
    /* Keep width-1 columns, then the ellipsis. */
    int cols = 0;
    while (src[i]) {
        if (!utf8_cont((unsigned char)src[i])) {
            if (cols == width - 1) break;
            cols++;
        }
        i++;
    }
    /* A buffer smaller than the text: back off to a code point start. */
    while (i > 0 && i + ell + 1 > cap) {
        do i--;
        while (i > 0 && utf8_cont((unsigned char)src[i]));
    }
    memcpy(dst, src, i);
    memcpy(dst + i, LAYOUT_ELLIPSIS, ell + 1);
    /* Counted again: stray continuation bytes take no column. */
    return fmt_width(dst);
}

void fmt_expand_tabs(char *dst, size_t cap, const char *src, int tab)
{
    if (!dst || cap == 0) return;
    size_t o = 0;
    int col = 0;
    if (tab <= 0) tab = 4;
    for (const char *s = src ? src : ""; *s && o + 1 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\t') {
            do dst[o++] = ' ', col++;
            while (col % tab && o + 1 < cap);
        } else if (c < 0x20 || c == 0x7f) {
            continue; /* \r and other controls would move the cursor */
        } else {
            dst[o++] = (char)c;
            if (!utf8_cont(c)) col++;
        }
    }
    /* Never end in the middle of a code point. */
    while (o > 0 && o + 1 >= cap && utf8_cont((unsigned char)dst[o - 1])) o--;
    dst[o] = '\0';
}

int fmt_wrap(const char *text, int width, int indent, fmt_line_fn emit, void *ctx)
{
    char line[1024];
    int nlines = 0;
    if (!text || width <= 0) return 0;
    if (indent >= width) indent = 0;
    const char *s = text;
    bool first = true;
    while (*s) {
        if (*s == '\n') { /* an explicit line break */
            s++;
            if (!first) continue;
        }
        int lead = first ? 0 : indent, room = width - lead;
        if (room <= 0 || room >= (int)sizeof line) room = (int)sizeof line - 1 - lead;
        /* Take whole words up to room columns (a longer word is cut). */
        const char *end = s, *last_space = NULL;
        int cols = 0;
        while (*end && *end != '\n' && cols < room) {
            if (*end == ' ') last_space = end;
            if (!utf8_cont((unsigned char)*end)) cols++;
            end++;
        }
        while (*end && utf8_cont((unsigned char)*end)) end++;
        if (*end && *end != '\n' && *end != ' ' && last_space) end = last_space;
        size_t n = (size_t)(end - s);
        if (n + (size_t)lead >= sizeof line) n = sizeof line - 1 - (size_t)lead;
        memset(line, ' ', (size_t)lead);
        memcpy(line + lead, s, n);
        line[lead + (int)n] = '\0';
        if (emit) emit(ctx, line);
        nlines++;
        s = end;
        while (*s == ' ') s++;
        if (*s == '\n') {
            s++;
            first = true;
            continue;
        }
        first = false;
    }
    return nlines;
}

void fmt_duration(char *buf, size_t cap, uint64_t ns)
{
    if (ns < 1000)
        snprintf(buf, cap, "%" PRIu64 "ns", ns);
    else if (ns < 1000000)
        snprintf(buf, cap, "%.1fus", (double)ns / 1e3);
    else if (ns < 1000000000)
        snprintf(buf, cap, "%.2fms", (double)ns / 1e6);
    else
        snprintf(buf, cap, "%.2fs", (double)ns / 1e9);
}

const char *fmt_signal_name(int sig)
{
    static const struct {
        int sig;
        const char *name;
    } names[] = {
        {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
        {SIGABRT, "SIGABRT"}, {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"}, {SIGSEGV, "SIGSEGV"},
        {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGBUS, "SIGBUS"},
        {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"}, {SIGTRAP, "SIGTRAP"}, {SIGSYS, "SIGSYS"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].sig == sig) return names[i].name;
    return "signal";
}

/* snprintf into a scratch line, then fit it into width. */
#define FIT_PRINTF(buf, cap, width, ...)                  \
    do {                                                  \
        char line_[512];                                  \
        snprintf(line_, sizeof line_, __VA_ARGS__);       \
        fmt_fit((buf), (cap), line_, (width));            \
    } while (0)

static void proc_state(char *buf, size_t cap, const struct model_proc *p)
{
    switch (p->state) {
    case MPROC_RUNNING: snprintf(buf, cap, "running"); break;
    case MPROC_WAIT_LOCK: snprintf(buf, cap, "waiting lock"); break;
    case MPROC_WAIT_QUEUE_GET: snprintf(buf, cap, "blocked get"); break;
    case MPROC_WAIT_QUEUE_PUT: snprintf(buf, cap, "blocked put"); break;
    case MPROC_EXITED:
        if (p->exit_code < 0)
            if (strcmp(fmt_signal_name(-p->exit_code), "signal"))
                snprintf(buf, cap, "killed %s", fmt_signal_name(-p->exit_code));
            else
                snprintf(buf, cap, "killed signal %d", -p->exit_code);
        else
            snprintf(buf, cap, "exited %d", p->exit_code);
        break;
    default: snprintf(buf, cap, "?"); break;
    }
}

/* The name column shrinks first so that the state stays readable. */
static int proc_name_width(int width)
{
    /* Two 5-digit pid columns (a longer pid only pushes its row), then a
     * space and the state ("killed SIGSEGV"). */
    int w = width - 12 - 15;
    return w < 8 ? 8 : w > 20 ? 20 : w;
}

void fmt_proc_header(char *buf, size_t cap, int width)
{
    FIT_PRINTF(buf, cap, width, "%5s %5s %-*s %s", "PID", "PPID", proc_name_width(width), "NAME", "STATE");
}

void fmt_proc_row(char *buf, size_t cap, const struct model_proc *p, int width)
{
    char state[64], name[64];
    int depth = p->depth < 0 ? 0 : p->depth > 6 ? 6 : p->depth;
    char full[80];
    /* One column per tree level: "└" marks a child, nested ones are indented. */
    snprintf(full, sizeof full, "%*s%s%s", depth > 1 ? (depth - 1) * 2 : 0, "", depth ? "\xe2\x94\x94" : "", p->name);
    fmt_fit(name, sizeof name, full, proc_name_width(width));
    proc_state(state, sizeof state, p);
    /* Pad by columns, not bytes: the name may end in a multi-byte ellipsis. */
    FIT_PRINTF(buf, cap, width, "%5d %5d %s%*s %s", p->pid, p->ppid, name,
               proc_name_width(width) - fmt_width(name), "", state);
}

/* Append " 1 2 3" (pids) to s, within its size. */
static void append_pids(char *s, size_t cap, const int *pids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(s);
        if (len + 2 >= cap) return;
        snprintf(s + len, cap - len, " %d", pids[i]);
    }
}

void fmt_lock_row(char *buf, size_t cap, const struct model_lock *l, int index, int width)
{
    char holder[32], waiters[256] = "", wait[32];
    if (l->holder)
        snprintf(holder, sizeof holder, "held by %d", l->holder);
    else
        snprintf(holder, sizeof holder, "free");
    if (l->nwaiters) {
        snprintf(waiters, sizeof waiters, "; waiting");
        append_pids(waiters, sizeof waiters, l->waiters, l->nwaiters);
    }
    fmt_duration(wait, sizeof wait, l->wait_total_ns);
    double pct = l->acquisitions ? 100.0 * (double)l->contended / (double)l->acquisitions : 0.0;
    FIT_PRINTF(buf, cap, width, "%s %d: %s%s; %" PRIu64 " acq, %.0f%% contended, wait %s",
               l->what[0] ? l->what : "lock", index, holder, waiters, l->acquisitions, pct, wait);
}

/* Append the previews of items as 'a' 'b' ... to s. */
static void append_items(char *s, size_t cap, const struct model_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(s);
        if (len + 4 >= cap) return;
        snprintf(s + len, cap - len, " '%s'", items[i].preview);
    }
}

void fmt_queue_row(char *buf, size_t cap, const struct model_queue *q, int index, int width)
{
    char line[512];
    snprintf(line, sizeof line, "queue %d [%zu]:", index, q->nitems);
    if (q->nitems == 0) snprintf(line + strlen(line), sizeof line - strlen(line), " (empty)");
    append_items(line, sizeof line, q->items, q->nitems);
    fmt_fit(buf, cap, line, width);
}

void fmt_queue_blocked(char *buf, size_t cap, const struct model_queue *q, int width)
{
    char line[512] = "";
    if (q->nblocked_get) {
        snprintf(line, sizeof line, "blocked in get:");
        append_pids(line, sizeof line, q->blocked_get, q->nblocked_get);
    }
    if (q->nblocked_put) {
        size_t len = strlen(line);
        snprintf(line + len, sizeof line - len, "%sblocked in put:", len ? "; " : "");
        append_pids(line, sizeof line, q->blocked_put, q->nblocked_put);
    }
    fmt_fit(buf, cap, line, width);
}

void fmt_pipe_row(char *buf, size_t cap, const struct model_pipe *p, int index, int width)
{
    char line[512];
    snprintf(line, sizeof line, "pipe %d%s: %" PRIu64 " sent, %" PRIu64 " recv, %zu in flight", index,
             p->duplex ? " (duplex)" : "", p->sends, p->recvs, p->ninflight);
    append_items(line, sizeof line, p->inflight, p->ninflight);
    if (p->closed_by[0] || p->closed_by[1])
        snprintf(line + strlen(line), sizeof line - strlen(line), "; closed");
    fmt_fit(buf, cap, line, width);
}

void fmt_array_row(char *buf, size_t cap, const struct model_array *a, int index, int width)
{
    char line[512];
    if (a->is_value) {
        snprintf(line, sizeof line, "value %d (%c): %s", index, a->typecode ? a->typecode : '?',
                 a->len && a->cells ? a->cells[0] : "?");
    } else {
        snprintf(line, sizeof line, "array %d (%c):", index, a->typecode ? a->typecode : '?');
        for (size_t i = 0; i < a->len && a->cells; i++) {
            size_t len = strlen(line);
            if (len + 4 >= sizeof line) break;
            snprintf(line + len, sizeof line - len, " %s", a->cells[i]);
        }
    }
    fmt_fit(buf, cap, line, width);
}

static const char *task_state_name(enum model_task_state s)
{
    switch (s) {
    case MTASK_QUEUED: return "queued";
    case MTASK_RUNNING: return "running";
    case MTASK_DONE: return "done";
    case MTASK_FAILED: return "FAILED";
    }
    return "?";
}

void fmt_task_row(char *buf, size_t cap, const struct model_task *t, int width)
{
    char line[128];
    snprintf(line, sizeof line, "task %" PRId64 " -> %d %s", t->id, t->worker, task_state_name(t->state));
    if (t->worker && fmt_width(line) > width) /* narrow: drop the word, keep the facts */
        FIT_PRINTF(buf, cap, width, "%" PRId64 " -> %d %s", t->id, t->worker, task_state_name(t->state));
    else if (t->worker)
        FIT_PRINTF(buf, cap, width, "task %" PRId64 " -> %d %s", t->id, t->worker,
                   task_state_name(t->state));
    else
        FIT_PRINTF(buf, cap, width, "task %" PRId64 " %s", t->id, task_state_name(t->state));
}

void fmt_pool_row(char *buf, size_t cap, const struct model_pool *p, int index, int width)
{
    char line[512];
    snprintf(line, sizeof line, "pool %d: %d workers", index, p->nworkers);
    append_pids(line, sizeof line, p->workers, p->nworker_pids);
    snprintf(line + strlen(line), sizeof line - strlen(line), "; %" PRIu64 "/%zu done%s", p->done, p->ntasks,
             p->failed ? ", some FAILED" : "");
    fmt_fit(buf, cap, line, width);
}

void fmt_async_row(char *buf, size_t cap, const struct model_async *a, int width)
{
    const char *what = a->what[0] ? a->what : "async";
    if (a->ready)
        FIT_PRINTF(buf, cap, width, "%s (%" PRId64 " tasks): ready after %" PRIu64 " polls%s", what,
                   a->ntasks, a->polls_before_ready, a->status ? " (failed)" : "");
    else
        FIT_PRINTF(buf, cap, width, "%s (%" PRId64 " tasks): not ready, %" PRIu64 " polls", what,
                   a->ntasks, a->polls);
}

char fmt_event_mark(unsigned kind)
{
    switch (kind) {
    case MP_EV_PROC_START: return 'S';
    case MP_EV_PROC_EXIT: return 'X';
    case MP_EV_LOCK_WAIT: return 'w';
    case MP_EV_LOCK_ACQUIRE: return 'L';
    case MP_EV_LOCK_RELEASE: return 'u';
    case MP_EV_LOCK_TIMEOUT: return 'T';
    case MP_EV_QUEUE_PUT: return 'p';
    case MP_EV_QUEUE_GET: return 'g';
    case MP_EV_QUEUE_PUT_WAIT:
    case MP_EV_QUEUE_GET_WAIT: return 'b';
    case MP_EV_PIPE_SEND: return '>';
    case MP_EV_PIPE_RECV: return '<';
    case MP_EV_TASK_START: return 't';
    case MP_EV_TASK_DONE: return 'd';
    case MP_EV_ASYNC_POLL: return '?';
    case MP_EV_ASYNC_READY: return '!';
    case MP_EV_MEM_WRITE: return 'm';
    case MP_EV_NOTE: return 'n';
    default: return '.';
    }
}

void fmt_timeline_row(char *buf, size_t cap, int pid, const struct mp_trace_event *events, size_t n,
                      int width)
{
    char head[16];
    int hl = snprintf(head, sizeof head, "%7d |", pid);
    int room = width - hl;
    if (!buf || cap == 0) return;
    if (room <= 0 || !events) {
        fmt_fit(buf, cap, head, width);
        return;
    }
    if ((size_t)room + (size_t)hl + 1 > cap) room = (int)cap - hl - 1;
    if (room < 0) room = 0;
    /* The window is the latest `room` events of the whole run, one column
     * each, so that the rows of all processes line up in time. */
    char marks[512];
    if (room > (int)sizeof marks) room = (int)sizeof marks;
    size_t first = n > (size_t)room ? n - (size_t)room : 0;
    int used = 0;
    for (size_t i = first; i < n; i++) {
        marks[i - first] = events[i].pid == pid ? fmt_event_mark(events[i].kind) : ' ';
        if (events[i].pid == pid) used = (int)(i - first) + 1; /* trailing blanks are cut */
    }
    snprintf(buf, cap, "%s%.*s", head, used, marks);
}

void fmt_event_line(char *buf, size_t cap, uint64_t seq, const struct mp_trace_event *ev, int width)
{
    char line[512], obj[32] = "", text[MP_TRACE_TEXT + 4] = "";
    /* Ids are (creator pid << 32) | serial: the serial is what panels show. */
    if (ev->obj) snprintf(obj, sizeof obj, " #%u", (unsigned)(ev->obj & 0xffffffffu));
    if (ev->text[0]) snprintf(text, sizeof text, " '%.*s'", MP_TRACE_TEXT - 1, ev->text);
    snprintf(line, sizeof line, "#%" PRIu64 " %d %s%s a=%" PRId64 " b=%" PRId64 "%s", seq, ev->pid,
             mp_ev_name(ev->kind), obj, ev->a, ev->b, text);
    fmt_fit(buf, cap, line, width);
}

const char *const *layout_help_lines(size_t *n)
{
    static const char *const lines[] = {
        "Everywhere",
        "  ?          this help (any key closes it)",
        "  q, Esc     back; quit from the lesson list",
        "Lesson list",
        "  Up/Down, j/k  move    Home/End, g/G  first/last    Enter  open",
        "  /          search in ids and titles    n  next match",
        "Lesson",
        "  Left/Right, h/l  previous / next slide",
        "  Up/Down, j/k, PgUp/PgDn  scroll the code",
        "  p          C or Python code (side by side at 160+ columns)",
        "  r          run the example live",
        "  z          quiz (also Right after the last slide)",
        "  g          grade the lesson's exercise",
        "Live run",
        "  space      pause / resume the example's processes",
        "  s          step one event while paused",
        "  + / -      replay faster / slower (events per tick)",
        "  R          restart    x  kill the run",
        "  PgUp/PgDn  scroll the output back / forward    End  latest",
        "  q, Esc     stop the run, back to the lesson",
        "Quiz",
        "  1-4 or Up/Down + Enter  answer   n  next question",
    };
    if (n) *n = sizeof lines / sizeof lines[0];
    return lines;
}

/* ------------------------------------------------------------ highlighting */

static const char *const c_keywords[] = {
    "if", "else", "for", "while", "do", "return", "switch", "case", "default", "break",
    "continue", "goto", "sizeof", "static", "const", "struct", "enum", "union", "typedef",
    "extern", "volatile", "inline", "NULL", "true", "false", NULL};
static const char *const c_types[] = {"int", "char", "void", "double", "float", "long", "short",
                                      "unsigned", "signed", "bool", "size_t", "ssize_t", "pid_t",
                                      "uint64_t", "int64_t", "uint32_t", "int32_t", NULL};
static const char *const py_keywords[] = {
    "def", "class", "return", "if", "elif", "else", "for", "while", "in", "not", "and", "or",
    "import", "from", "as", "with", "try", "except", "finally", "raise", "pass", "break",
    "continue", "lambda", "yield", "None", "True", "False", "is", "global", "del", NULL};

/* The names of Python's multiprocessing a lesson maps to mp_* calls. */
static const char *const py_mp_names[] = {
    "multiprocessing", "Process", "Pool", "Queue", "Lock", "Pipe", "Value", "Array", "Manager",
    "apply_async", "map_async", "current_process", NULL};

static bool word_in(const char *s, int len, const char *const *words)
{
    for (size_t i = 0; words[i]; i++)
        if ((int)strlen(words[i]) == len && !strncmp(s, words[i], (size_t)len)) return true;
    return false;
}

static bool ident_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Length of the token starting at s[i] and its class. */
static int hl_token(enum hl_lang lang, const char *s, int i, int *state, enum hl_class *cls)
{
    int n = (int)strlen(s), j = i;
    if (*state == 1 || (lang == HL_C && s[i] == '/' && s[i + 1] == '*')) {
        if (*state != 1) j += 2;
        *state = 1;
        while (j < n && !(s[j] == '*' && s[j + 1] == '/')) j++;
        if (j < n) {
            j += 2;
            *state = 0;
        }
        *cls = HL_COMMENT;
        return j - i;
    }
    if ((lang == HL_C && s[i] == '/' && s[i + 1] == '/') || (lang == HL_PYTHON && s[i] == '#')) {
        *cls = HL_COMMENT;
        return n - i;
    }
    if (lang == HL_C && s[i] == '#') {
        int k = i - 1;
        while (k >= 0 && isspace((unsigned char)s[k])) k--;
        if (k < 0) {
            *cls = HL_PREPROC;
            return n - i;
        }
    }
    /* Python's triple-quoted strings may span lines: state 2 for """,
     * 3 for '''. */
    if (lang == HL_PYTHON &&
        (*state >= 2 || ((s[i] == '"' || s[i] == '\'') && s[i + 1] == s[i] && s[i + 2] == s[i]))) {
        char q = *state == 2 ? '"' : *state == 3 ? '\'' : s[i];
        if (*state < 2) j += 3;
        *state = q == '"' ? 2 : 3;
        while (j < n && !(s[j] == q && s[j + 1] == q && s[j + 2] == q)) j++;
        if (j < n) {
            j += 3;
            *state = 0;
        }
        *cls = HL_STRING;
        return j - i;
    }
    if (s[i] == '"' || s[i] == '\'') {
        char q = s[i];
        j++;
        while (j < n && s[j] != q) j += (s[j] == '\\' && j + 1 < n) ? 2 : 1;
        if (j < n) j++;
        *cls = HL_STRING;
        return j - i;
    }
    if (isdigit((unsigned char)s[i])) {
        while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '.')) j++;
        *cls = HL_NUMBER;
        return j - i;
    }
    if (ident_start(s[i])) {
        while (j < n && ident_char(s[j])) j++;
        int len = j - i;
        if (lang == HL_C && len > 3 && !strncmp(s + i, "mp_", 3))
            *cls = HL_MPCALL; /* the library calls the lesson is about */
        else if (lang == HL_PYTHON && word_in(s + i, len, py_mp_names))
            *cls = HL_MPCALL;
        else if (word_in(s + i, len, lang == HL_C ? c_keywords : py_keywords))
            *cls = HL_KEYWORD;
        else if (lang == HL_C && word_in(s + i, len, c_types))
            *cls = HL_TYPE;
        else
            *cls = HL_TEXT;
        return len;
    }
    /* Plain text up to the next thing that may start a token. */
    j++;
    while (j < n && !ident_start(s[j]) && !isdigit((unsigned char)s[j]) && s[j] != '"' &&
           s[j] != '\'' && s[j] != '/' && s[j] != '#')
        j++;
    *cls = HL_TEXT;
    return j - i;
}

size_t hl_line(enum hl_lang lang, const char *line, int *state, struct hl_span *out, size_t max)
{
    int dummy = 0;
    if (!state) state = &dummy;
    if (!line || !out || max == 0) return 0;
    int n = (int)strlen(line), i = 0;
    size_t k = 0;
    while (i < n) {
        enum hl_class cls;
        int len;
        if (k + 1 == max) { /* the last span takes the rest */
            cls = HL_TEXT;
            len = n - i;
        } else {
            len = hl_token(lang, line, i, state, &cls);
        }
        if (k > 0 && out[k - 1].cls == cls && cls == HL_TEXT) {
            out[k - 1].len += len; /* merge runs of plain text */
        } else {
            out[k].start = i;
            out[k].len = len;
            out[k].cls = cls;
            k++;
        }
        i += len;
    }
    return k;
}

const char *hl_class_name(enum hl_class c)
{
    static const char *const names[] = {"text", "keyword", "type", "string", "comment", "number", "preproc", "mpcall"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "?";
}
