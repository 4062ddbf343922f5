/*
 * layout.c — screen geometry: where the header, the slide, the code and the
 * live panels go on a COLS x LINES terminal, with no terminal. The ui/ code
 * asks here where things go, then only draws; keeping these decisions pure
 * is what lets test_layout check an 80x24 screen without a terminal. Which
 * panels exist, their column and weight come from the panel table
 * (panels.h).
 */
#include "layout.h"

#include "panels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A panel's share of spare rows, from the table. */
static int weight_of(const char *name)
{
    int id = panel_find(name);
    return id < 0 ? 1 : panel_kind(id)->weight;
}

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
        wsum += weight_of(names[i]);
        if (need[i] > need[neediest]) neediest = (int)i;
    }
    if (total_need >= spare && total_need > 0) {
        for (size_t i = 0; i < n; i++) given += extra[i] = (int)((long)spare * need[i] / total_need);
        extra[neediest] += spare - given;
    } else {
        int rest = spare - total_need;
        for (size_t i = 0; i < n; i++) given += extra[i] = need[i] + rest * weight_of(names[i]) / wsum;
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
        int id = panel_find(name);
        if (id < 0) continue;
        bool r = panel_kind(id)->side == PANEL_RIGHT;
        const char **side = r ? right : left;
        int *sw = r ? rw : lw;
        size_t *ns = r ? &nr : &nl;
        if (name_listed(side, *ns, name)) continue;
        if (id == PANEL_output) output_wanted = true, output_want = wants ? wants[i] : 0;
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
        right[0] = PANEL_NAME(output);
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
