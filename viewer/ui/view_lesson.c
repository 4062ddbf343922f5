/*
 * view_lesson.c — one lesson: the slide (bullets, nested), the C example
 * with line numbers and highlighting, the Python version (toggle, or beside
 * the C at 160+ columns), the quiz, and grading of the lesson's exercise.
 */
#include "ui.h"

#include "class.h"

#include "grade.h"
#include "present.h"
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lesson_view {
    struct ui_view v;
    struct catalogue *cat;
    const struct lesson *l;
    int slide;
    int scroll;        /* first code line shown */
    bool python;       /* show Python instead of C (narrow screens) */
    struct cp_source c, py;  /* the C example, the Python version */
    int hoff;          /* code columns scrolled sideways (< / >) */
    char status[1024];
    enum ui_role status_role;
    int slide_scroll;  /* first row of the slide shown (J/K) */
    /* r on a lesson with several examples: which one to run */
    char examples[8][RUNNER_NAME_MAX];
    int nexamples;
    bool choosing;
};

/* Keep the learner's progress; a failure is reported on stderr, which
 * the terminal code holds until the screen is given back. */
static void save_progress(struct catalogue *c)
{
    int rc = progress_save(&c->progress);
    if (rc < 0) {
        char path[4096] = "";
        progress_path(path, sizeof path);
        fprintf(stderr, "forklab: progress not saved to %s: %s\n", path, strerror(-rc));
    }
}

struct wrap_ctx {
    struct rect r;
    int row;
    enum ui_role role;
    int skip; /* rows scrolled off the top */
};

static void emit_row(void *ctx, const char *line)
{
    struct wrap_ctx *w = ctx;
    if (w->skip > 0) {
        w->skip--;
        return;
    }
    if (w->row < w->r.h) ui_put(w->r.y + w->row, w->r.x, w->r.w, w->role, line);
    w->row++;
}

/* How many rows the current slide takes wrapped into width columns. */
static int slide_rows(const struct lesson_view *lv, int width)
{
    const struct lesson *l = lv->l;
    if (l->nslides == 0 || width <= 0) return 0;
    const struct lesson_slide *s = &l->slides[lv->slide];
    int rows = 0;
    for (size_t i = 0; i < s->nbullets; i++) {
        char text[2048];
        int level = s->bullets[i].level < 0 ? 0 : s->bullets[i].level > 4 ? 4 : s->bullets[i].level;
        snprintf(text, sizeof text, "%*s* %s", level * 2, "", s->bullets[i].text);
        rows += fmt_wrap(text, width, level * 2 + 2, NULL, NULL);
    }
    if (s->notes) rows += 1 + fmt_wrap(s->notes, width, 0, NULL, NULL);
    return rows;
}

static void draw_slide(const struct lesson_view *lv, struct rect r)
{
    const struct lesson *l = lv->l;
    char title[256];
    if (l->nslides == 0) {
        ui_box(r, "slide", false);
        return;
    }
    const struct lesson_slide *s = &l->slides[lv->slide];
    snprintf(title, sizeof title, "%s (%d/%zu)", s->title ? s->title : "", lv->slide + 1, l->nslides);
    struct rect in = ui_box(r, title, false);
    in.x += 1;
    in.w -= 2;
    /* J/K scroll a slide taller than its pane; a sign on the border says
     * there is more, above or below. */
    int total = slide_rows(lv, in.w), scroll = lv->slide_scroll;
    if (scroll > total - in.h) scroll = total - in.h;
    if (scroll < 0) scroll = 0;
    struct wrap_ctx w = {in, 0, R_NORMAL, scroll};
    static const char *const marks[] = {"* ", "- ", "+ "};
    for (size_t i = 0; i < s->nbullets && w.row < in.h; i++) {
        char text[2048];
        int level = s->bullets[i].level < 0 ? 0 : s->bullets[i].level > 4 ? 4 : s->bullets[i].level;
        snprintf(text, sizeof text, "%*s%s%s", level * 2, "", marks[level % 3], s->bullets[i].text);
        w.role = level == 0 ? R_NORMAL : R_NORMAL;
        fmt_wrap(text, in.w, level * 2 + 2, emit_row, &w);
    }
    if (s->notes && w.row + 1 < in.h) {
        if (w.skip > 0) w.skip--;
        else w.row++;
        w.role = R_DIM;
        fmt_wrap(s->notes, in.w, 0, emit_row, &w);
    }
    if (total > in.h && in.w > 24) {
        const char *sign = scroll + in.h < total ? (scroll > 0 ? " more above and below: J/K " : " more below: J ")
                                                 : " more above: K ";
        ui_put(in.y + in.h, in.x + in.w - (int)strlen(sign), (int)strlen(sign), R_WARN, sign);
    }
}

/* The code, scrolled down by scroll lines and sideways by *hoff columns
 * (kept in range here: how far depends on the pane's width); a line that
 * goes on out of sight has a sign at that end, and the title says how to
 * see it. */
static void draw_code(const struct cp_source *c, struct rect r, const char *title, enum hl_lang lang, int scroll,
                      int *hoff)
{
    char t[512];
    int hmax = cp_hmax(c->widest, r.w - 2 - 5);
    if (*hoff > hmax) *hoff = hmax;
    snprintf(t, sizeof t, "%s%s", title, hmax ? "  </>: sideways" : "");
    struct rect in = ui_box(r, t, false);
    if (!c->lines || c->n == 0) {
        ui_put(in.y, in.x + 1, in.w - 1, R_DIM, lang == HL_C ? "(no C source)" : "(no Python version)");
        return;
    }
    if (scroll > c->n - 1) scroll = c->n - 1;
    if (scroll < 0) scroll = 0;
    int state = 0;
    /* Replay the comment state of the lines above the first shown. */
    for (int i = 0; i < scroll; i++) {
        struct hl_span sp[128];
        hl_line(lang, c->lines[i], &state, sp, 128);
    }
    for (int row = 0; row < in.h && scroll + row < c->n; row++)
        ui_code_line(in.y + row, in.x, in.w, scroll + row + 1, c->lines[scroll + row], lang, &state, *hoff);
}

/* The examples of the lesson, numbered: its own first. */
static void draw_chooser(const struct lesson_view *lv, int cols, int lines)
{
    struct rect r = layout_centered(cols, lines, cols - 8 < 60 ? cols - 8 : 60, lv->nexamples + 4);
    ui_clear(r);
    struct rect in = ui_box(r, "run which example?", false);
    char line[160];
    for (int i = 0; i < lv->nexamples && i < in.h; i++) {
        snprintf(line, sizeof line, " %d) %s%s", i + 1, lv->examples[i], i == 0 ? "  (the lesson's own)" : "");
        ui_put(in.y + i, in.x, in.w, i == 0 ? R_SELECTED : R_NORMAL, line);
    }
    if (lv->nexamples + 1 < in.h)
        ui_put(in.y + lv->nexamples + 1, in.x, in.w, R_DIM, " 1-9: run it   Enter: the first   other keys: back");
}

static void lesson_draw(struct ui_view *v, int cols, int lines)
{
    struct lesson_view *lv = (struct lesson_view *)v;
    const struct lesson *l = lv->l;
    struct layout_lesson lay;
    char buf[512];
    layout_lesson(cols, lines, slide_rows(lv, cols - 3) + 2, &lay);
    /* What is drawn is where the student is, however the slide changed:
     * the class board hears of it (repeats and a class-less viewer cost nothing). */
    class_agent_where(l->id, lv->slide + 1);
    char score[160];
    catalogue_score(lv->cat, l, false, score, sizeof score);
    snprintf(buf, sizeof buf, "forklab: %d. %s%s  %s", l->order, l->title ? l->title : l->id,
             catalogue_done(lv->cat, l) ? "  [done]" : "", score);
    /* Too wide: the points matter more than the exercise's name. */
    char *ex = strstr(buf, "exercise ");
    if (fmt_width(buf) > cols && ex) {
        char *sp = strchr(ex + 9, ' ');
        if (sp) memmove(ex + 3, sp + 1, strlen(sp + 1) + 1), memcpy(ex, "ex ", 3);
    }
    ui_put(0, 0, cols, R_TITLE, buf);
    draw_slide(lv, lay.slide);
    snprintf(buf, sizeof buf, "C: %s", l->c_path ? l->c_path : "-");
    if (lay.side_by_side) {
        draw_code(&lv->c, lay.code, buf, HL_C, lv->scroll, &lv->hoff);
        draw_code(&lv->py, lay.python, "Python (the lecture)", HL_PYTHON, lv->scroll, &lv->hoff);
    } else if (lv->python) {
        draw_code(&lv->py, lay.code, "Python (the lecture)  [p: C]", HL_PYTHON, lv->scroll, &lv->hoff);
    } else {
        snprintf(buf, sizeof buf, "C: %s  [p: Python]", l->c_path ? l->c_path : "-");
        draw_code(&lv->c, lay.code, buf, HL_C, lv->scroll, &lv->hoff);
    }
    if (lv->status[0])
        ui_put(lines - 1, 0, cols, lv->status_role, lv->status);
    else
        ui_put(lines - 1, 0, cols, R_DIM,
               cols >= 80 ? " h/l: slide  j/k: scroll  p: Python  r: run  z: quiz  e: exercise  ?  q: back"
                          : " h/l: slide  j/k  p  r: run  z: quiz  e: exercise  ?  q");
    if (lv->choosing) draw_chooser(lv, cols, lines);
}

static void set_status(struct lesson_view *lv, enum ui_role role, const char *fmt, const char *a, const char *b)
{
    snprintf(lv->status, sizeof lv->status, fmt, a ? a : "", b ? b : "");
    lv->status_role = role;
}

static int lesson_key(struct ui_view *v, int ch)
{
    struct lesson_view *lv = (struct lesson_view *)v;
    const struct lesson *l = lv->l;
    int max_scroll = (lv->python ? lv->py.n : lv->c.n) - 1;
    if (lv->c.n - 1 > max_scroll && COLS >= LAYOUT_SIDE_BY_SIDE_COLS) max_scroll = lv->c.n - 1;
    if (lv->choosing) {
        lv->choosing = false;
        int pick = ch == '\n' || ch == '\r' || ch == KEY_ENTER ? 0 : ch >= '1' && ch <= '9' ? ch - '1' : -1;
        if (pick >= 0 && pick < lv->nexamples) ui_push(ui_run_view(l, lv->examples[pick]));
        return UI_HANDLED | UI_REDRAW;
    }
    lv->status[0] = '\0';
    switch (keys_action(KEYS_LESSON, ch)) {
    case KA_NEXT_SLIDE:
        if (lv->slide + 1 < (int)l->nslides)
            lv->slide++, lv->slide_scroll = 0;
        else if (l->nquiz)
            ui_push(ui_quiz_view(lv->cat, l)); /* past the last slide: the quiz */
        break;
    case KA_PREV_SLIDE:
        if (lv->slide > 0) lv->slide--, lv->slide_scroll = 0;
        break;
    case KA_DOWN: lv->scroll++; break;
    case KA_UP: lv->scroll--; break;
    case KA_PAGE_DOWN: lv->scroll += 10; break;
    case KA_PAGE_UP: lv->scroll -= 10; break;
    case KA_LANGUAGE: lv->python = !lv->python; lv->scroll = 0; lv->hoff = 0; break;
    case KA_CODE_LEFT: lv->hoff = lv->hoff > 8 ? lv->hoff - 8 : 0; break;
    case KA_CODE_RIGHT: lv->hoff += 8; break; /* draw_code keeps it in range */
    case KA_RUN:
        /* several examples (10-pool-map: the async one and the blocking
         * map): let the learner pick, headless runs either by its name */
        lv->nexamples = (int)runner_lesson_examples(l, lv->examples, 8);
        if (lv->nexamples > 1)
            lv->choosing = true;
        else if (l->program)
            ui_push(ui_run_view(l, l->program));
        else
            set_status(lv, R_WARN, " this lesson has no example to run%s%s", NULL, NULL);
        break;
    case KA_EXPLORE:
        if (l->program && !l->mpi)
            ui_push(ui_explore_view(l));
        else
            set_status(lv, R_WARN, " this lesson has no example to explore%s%s", NULL, NULL);
        break;
    case KA_QUIZ:
        if (l->nquiz)
            ui_push(ui_quiz_view(lv->cat, l));
        else
            set_status(lv, R_WARN, " this lesson has no quiz%s%s", NULL, NULL);
        break;
    case KA_GRADE: /* grading happens in the exercise view, in the background */
    case KA_EXERCISE:
        if (l->exercise)
            ui_push(ui_exercise_view(lv->cat, l, keys_action(KEYS_LESSON, ch) == KA_GRADE));
        else
            set_status(lv, R_WARN, " this lesson has no exercise%s%s", NULL, NULL);
        break;
    case KA_SLIDE_DOWN: lv->slide_scroll++; break;
    case KA_SLIDE_UP:
        if (lv->slide_scroll > 0) lv->slide_scroll--;
        break;
    case KA_FOLLOW: return ui_follow_toggle(lv->cat);
    case KA_BACK: return UI_HANDLED | UI_POP;
    default: return 0;
    }
    if (lv->scroll > max_scroll) lv->scroll = max_scroll;
    if (lv->scroll < 0) lv->scroll = 0;
    return UI_HANDLED | UI_REDRAW;
}

/* Following the presenter (follow.c): their slide, or back to the list
 * when they show another lesson. */
static int lesson_follow(struct ui_view *v, const char *lesson, int page)
{
    struct lesson_view *lv = (struct lesson_view *)v;
    if (strcmp(lv->l->id, lesson)) return UI_POP;
    lv->slide = present_follow_slide(lv->l, page);
    lv->slide_scroll = 0;
    lv->choosing = false;
    struct present_deck d; /* the presenter on the Python page: so is the code pane */
    present_deck_build(lv->l, &d);
    if (page >= 1 && page <= d.n && d.page[page - 1].kind != PP_SLIDE) {
        lv->python = d.page[page - 1].kind == PP_PYTHON;
        lv->scroll = 0;
    }
    return UI_HANDLED | UI_REDRAW;
}

static void lesson_destroy(struct ui_view *v)
{
    struct lesson_view *lv = (struct lesson_view *)v;
    cp_source_free(&lv->c);
    cp_source_free(&lv->py);
    free(lv);
}

struct ui_view *ui_lesson_view(struct catalogue *c, const struct lesson *l)
{
    struct lesson_view *lv = calloc(1, sizeof *lv);
    if (!lv || !l || !c) {
        free(lv);
        return NULL;
    }
    lv->v.draw = lesson_draw;
    lv->v.key = lesson_key;
    lv->v.destroy = lesson_destroy;
    lv->v.follow = lesson_follow;
    lv->cat = c;
    lv->l = l;
    cp_source_init(&lv->c, l->c_path ? catalogue_read_file(l->c_path) : NULL);
    cp_source_init(&lv->py, l->python ? strdup(l->python) : NULL);
    return &lv->v;
}

/* ------------------------------------------------------------ quiz */

struct quiz_view {
    struct ui_view v;
    struct catalogue *cat;
    const struct lesson *l;
    int q;        /* current question */
    int sel;      /* highlighted choice */
    int answered; /* the choice given, -1 before */
    int right;    /* questions answered right so far */
};

static void quiz_draw(struct ui_view *v, int cols, int lines)
{
    struct quiz_view *qv = (struct quiz_view *)v;
    const struct lesson_quiz *q = &qv->l->quiz[qv->q];
    char buf[512];
    snprintf(buf, sizeof buf, "forklab: quiz, %s (question %d/%zu)", qv->l->id, qv->q + 1, qv->l->nquiz);
    ui_put(0, 0, cols, R_TITLE, buf);
    struct rect in = ui_box((struct rect){0, 1, cols, lines - 2}, "quiz", false);
    in.x += 1;
    in.w -= 2;
    struct wrap_ctx w = {in, 0, R_TITLE, 0};
    fmt_wrap(q->question, in.w, 0, emit_row, &w);
    w.row++;
    for (size_t i = 0; i < q->nchoices; i++) {
        char text[1024];
        enum ui_role role = (int)i == qv->sel ? R_SELECTED : R_NORMAL;
        if (qv->answered >= 0 && (int)i == q->answer) role = R_GOOD;
        else if (qv->answered >= 0 && (int)i == qv->answered) role = R_BAD;
        const char *mark = qv->answered < 0 ? "  " : (int)i == q->answer ? "ok" : (int)i == qv->answered ? "no" : "  ";
        snprintf(text, sizeof text, "%s %zu) %s", mark, i + 1, q->choices[i]);
        w.role = role;
        fmt_wrap(text, in.w, 6, emit_row, &w);
    }
    if (qv->answered >= 0) {
        w.row++;
        w.role = qv->answered == q->answer ? R_GOOD : R_BAD;
        emit_row(&w, qv->answered == q->answer ? "Right." : "Not quite.");
        w.role = R_NORMAL;
        if (q->explanation) fmt_wrap(q->explanation, in.w, 0, emit_row, &w);
    }
    ui_put(lines - 1, 0, cols, R_DIM,
           qv->answered < 0 ? " 1-4 or Up/Down + Enter: answer   q: back to the lesson"
                            : " n/Enter: next question   q: back to the lesson");
}

static void quiz_answer(struct quiz_view *qv, int choice)
{
    const struct lesson_quiz *q = &qv->l->quiz[qv->q];
    if (qv->answered >= 0 || choice < 0 || choice >= (int)q->nchoices) return;
    qv->answered = choice;
    if (choice == q->answer) qv->right++;
    /* The latest answer to each question counts: the quiz is done only
     * when every question is answered right. */
    progress_quiz_answer(&qv->cat->progress, qv->l->id, qv->q, (int)qv->l->nquiz, choice == q->answer);
    save_progress(qv->cat);
}

static int quiz_key(struct ui_view *v, int ch)
{
    struct quiz_view *qv = (struct quiz_view *)v;
    const struct lesson_quiz *q = &qv->l->quiz[qv->q];
    int n = (int)q->nchoices;
    enum keys_action a = keys_action(KEYS_QUIZ, ch);
    if (a == KA_ANSWER_NUMBER) {
        quiz_answer(qv, ch - '1');
        return UI_HANDLED | UI_REDRAW;
    }
    switch (a) {
    case KA_UP:
        if (qv->sel > 0) qv->sel--;
        break;
    case KA_DOWN:
        if (qv->sel + 1 < n) qv->sel++;
        break;
    case KA_ANSWER:
    case KA_NEXT_QUESTION:
        if (qv->answered < 0 && a == KA_ANSWER) {
            quiz_answer(qv, qv->sel);
        } else if (qv->answered >= 0) {
            if (qv->q + 1 >= (int)qv->l->nquiz) return UI_HANDLED | UI_POP;
            qv->q++;
            qv->sel = 0;
            qv->answered = -1;
        }
        break;
    case KA_BACK: return UI_HANDLED | UI_POP;
    default: return 0;
    }
    return UI_HANDLED | UI_REDRAW;
}

static void quiz_destroy(struct ui_view *v)
{
    free(v);
}

struct ui_view *ui_quiz_view(struct catalogue *c, const struct lesson *l)
{
    if (!l || !c || l->nquiz == 0) return NULL;
    struct quiz_view *qv = calloc(1, sizeof *qv);
    if (!qv) return NULL;
    qv->cat = c;
    qv->v.draw = quiz_draw;
    qv->v.key = quiz_key;
    qv->v.destroy = quiz_destroy;
    qv->l = l;
    qv->answered = -1;
    return &qv->v;
}
