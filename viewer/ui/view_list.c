/* view_list.c — the lesson list: order, title, done or not. */
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct list_view {
    struct ui_view v;
    struct catalogue *cat;
    int sel, top, rows;
    bool searching;   /* typing after '/' */
    char query[64];
};

/* The first lesson from `from` on (wrapping) whose id or title contains
 * the query, ignoring case; -1 when none. */
static int find_match(const struct list_view *lv, int from)
{
    int n = (int)lv->cat->nlessons;
    if (!lv->query[0] || n == 0) return -1;
    for (int k = 0; k < n; k++) {
        const struct lesson *l = &lv->cat->lessons[(from + k) % n];
        if ((l->id && strcasestr(l->id, lv->query)) || (l->title && strcasestr(l->title, lv->query)))
            return (from + k) % n;
    }
    return -1;
}

static int search_key(struct list_view *lv, int ch)
{
    size_t len = strlen(lv->query);
    if (ch == KEYS_ESC || ch == KEYS_ENTER) {
        lv->searching = false;
    } else if (ch == KEYS_BACKSPACE) {
        if (len) lv->query[len - 1] = '\0';
    } else if (ch >= 32 && ch < 127 && len + 1 < sizeof lv->query) {
        lv->query[len] = (char)ch;
        lv->query[len + 1] = '\0';
    } else {
        return UI_HANDLED;
    }
    int m = find_match(lv, 0);
    if (m >= 0) lv->sel = m;
    return UI_HANDLED | UI_REDRAW;
}

static void list_resize(struct ui_view *v, int cols, int lines)
{
    struct list_view *lv = (struct list_view *)v;
    (void)cols;
    lv->rows = lines - 4;
    if (lv->rows < 1) lv->rows = 1;
    if (lv->sel >= lv->top + lv->rows) lv->top = lv->sel - lv->rows + 1;
}

static void list_draw(struct ui_view *v, int cols, int lines)
{
    struct list_view *lv = (struct list_view *)v;
    char line[512];
    const struct catalogue *cat = lv->cat;
    size_t done = 0;
    for (size_t i = 0; i < cat->nlessons; i++)
        if (catalogue_done(cat, &cat->lessons[i])) done++;
    snprintf(line, sizeof line, "forklab: lessons (%zu of %zu done)%s", done, cat->nlessons,
             cols >= 80 ? "   quiz right, exercise points" : "");
    ui_put(0, 0, cols, R_TITLE, line);
    struct rect in = ui_box((struct rect){0, 1, cols, lines - 2}, "Multiprocessing: process based threading", false);
    if (cat->nlessons == 0) ui_put(in.y, in.x + 1, in.w - 2, R_WARN, "no lessons found (FORKLAB_HOME?)");
    int idw = 8;
    for (size_t i = 0; i < cat->nlessons; i++) {
        int w = cat->lessons[i].id ? fmt_width(cat->lessons[i].id) : 0;
        if (w > idw) idw = w > 28 ? 28 : w;
    }
    /* Compact (under 80 columns): the title says more than the id. */
    bool show_id = in.w >= 76;
    if (!show_id) idw = 0;
    int titlew = in.w - idw - (show_id ? 26 : 24);
    if (titlew < 10) titlew = 10;
    for (int r = 0; r < in.h; r++) {
        int i = lv->top + r;
        if (i >= (int)cat->nlessons) break;
        const struct lesson *l = &cat->lessons[i];
        bool is_done = catalogue_done(cat, l);
        char title[256], score[64];
        fmt_fit(title, sizeof title, l->title ? l->title : "", titlew);
        catalogue_score(cat, l, true, score, sizeof score);
        if (show_id)
            snprintf(line, sizeof line, " %2d  %-*s  %s%*s %s %s", l->order, idw, l->id, title,
                     titlew - fmt_width(title), "", score, is_done ? "[done]" : "[    ]");
        else
            snprintf(line, sizeof line, " %2d  %s%*s %s %s", l->order, title, titlew - fmt_width(title), "", score,
                     is_done ? "[done]" : "[    ]");
        ui_put(in.y + r, in.x, in.w, i == lv->sel ? R_SELECTED : (is_done ? R_GOOD : R_NORMAL), line);
    }
    if (lv->searching) {
        snprintf(line, sizeof line, "/%s", lv->query);
        ui_put(lines - 1, 0, cols, find_match(lv, 0) >= 0 || !lv->query[0] ? R_KEY : R_BAD, line);
    } else {
        ui_put(lines - 1, 0, cols, R_DIM,
               cols >= 80 ? " Up/Down j/k: move   Enter: open   /: search  n: next   ?: help   q: quit"
                          : " j/k: move  Enter: open  /: search  ?: help  q: quit");
    }
}

static int list_key(struct ui_view *v, int ch)
{
    struct list_view *lv = (struct list_view *)v;
    int n = (int)lv->cat->nlessons;
    if (lv->searching) {
        int f = search_key(lv, ch);
        if (lv->sel < lv->top) lv->top = lv->sel;
        if (lv->sel >= lv->top + lv->rows) lv->top = lv->sel - lv->rows + 1;
        return f;
    }
    switch (keys_action(KEYS_LIST, ch)) {
    case KA_SEARCH:
        lv->searching = true;
        lv->query[0] = '\0';
        break;
    case KA_NEXT_MATCH: {
        int m = find_match(lv, lv->sel + 1);
        if (m >= 0) lv->sel = m;
        break;
    }
    case KA_UP:
        if (lv->sel > 0) lv->sel--;
        break;
    case KA_DOWN:
        if (lv->sel + 1 < n) lv->sel++;
        break;
    case KA_FIRST: lv->sel = 0; break;
    case KA_LAST: lv->sel = n > 0 ? n - 1 : 0; break;
    case KA_OPEN:
        if (n > 0) ui_push(ui_lesson_view(lv->cat, &lv->cat->lessons[lv->sel]));
        return UI_HANDLED | UI_REDRAW;
    case KA_FOLLOW: return ui_follow_toggle(lv->cat);
    case KA_BACK: return UI_HANDLED | UI_QUIT;
    default: return 0;
    }
    if (lv->sel < lv->top) lv->top = lv->sel;
    if (lv->sel >= lv->top + lv->rows) lv->top = lv->sel - lv->rows + 1;
    return UI_HANDLED | UI_REDRAW;
}

/* Following the presenter: open their lesson (follow.c). */
static int list_follow(struct ui_view *v, const char *lesson, int page)
{
    struct list_view *lv = (struct list_view *)v;
    (void)page; /* the lesson view turns to it */
    for (size_t i = 0; i < lv->cat->nlessons; i++) {
        if (strcmp(lv->cat->lessons[i].id, lesson)) continue;
        lv->sel = (int)i;
        if (lv->sel < lv->top) lv->top = lv->sel;
        if (lv->sel >= lv->top + lv->rows) lv->top = lv->sel - lv->rows + 1;
        ui_push(ui_lesson_view(lv->cat, &lv->cat->lessons[i]));
        return UI_HANDLED | UI_REDRAW;
    }
    return 0;
}

static void list_destroy(struct ui_view *v)
{
    free(v);
}

struct ui_view *ui_list_view(struct catalogue *c)
{
    struct list_view *lv = c ? calloc(1, sizeof *lv) : NULL;
    if (!lv) return NULL;
    lv->cat = c;
    lv->v.draw = list_draw;
    lv->v.key = list_key;
    lv->v.resize = list_resize;
    lv->v.destroy = list_destroy;
    lv->v.follow = list_follow;
    lv->rows = 1;
    return &lv->v;
}
