/*
 * view_present.c — `forklab present [LESSON]`: the lesson as full-screen
 * slides for a projector; `forklab present --notes`: the speaker's screen.
 *
 * The presenter shows one page of the deck (present.h: the slides, then
 * the C example, then the Python version) filling the screen: the title
 * centred, the bullets wrapped to the width and centred as a block, "slide
 * n/N" in the corner. Every page change is published (present_link.h): to
 * the state file the notes screen reads, and to the class server when one
 * runs here, from which following students' viewers take it. A
 * background agent (present_agent.h) does the talking to the server, so a
 * server that is stopped or slow never holds up the slides; it tells the
 * server again every PUBLISH_MS so that one restarted catches up.
 *
 * The notes screen reads the state file every NOTES_POLL_MS and shows the
 * current slide's notes and what comes next. It never writes anything.
 */
#include "ui.h"

#include "present.h"
#include "present_agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 256         /* wrapped lines of one slide kept for drawing */
#define PUBLISH_MS 2000      /* the class server is told again this often */
#define ANSWER_MS 250        /* how often the publishing agent's answers are taken */
#define NOTES_POLL_MS 200    /* the notes screen looks at the state file this often */
#define TEXT_MAX_COLS 110    /* a wider line is hard to read from the back of a room */

struct code_lines {
    char *text; /* owned; lines point into it */
    char **line;
    int n;
};

struct present_view {
    struct ui_view v;
    struct catalogue *cat;
    const struct lesson *l;
    struct lesson paced; /* *l with run.mode paced: what `r` runs */
    struct present_deck deck;
    int page;            /* 0-based */
    int jump;            /* the page number being typed; 0: none */
    int scroll;          /* first code line shown */
    struct code_lines c, py;
    bool notes;          /* the notes screen, not the presenter */
    /* presenter: the class server, when one runs here */
    struct present_link link;   /* its address, token and key (the agent connects) */
    struct present_agent agent; /* publishes in the background: the slides never wait on it */
    bool linked;       /* a class server runs here (its address is known) */
    int setup_rc;      /* reading its address, token and key, starting the agent: 0 | -errno */
    int link_rc;       /* the agent's last exchange with it; -EINPROGRESS before the first */
    bool show_pending; /* the newest page is not handed to the agent yet (it was busy) */
    /* notes: what the state file said last */
    struct present_state seen;
    int seen_rc;
    char (*rows)[PRESENT_LINE_MAX];
};

static void code_load(struct code_lines *c, char *text)
{
    memset(c, 0, sizeof *c);
    if (!text) return;
    int cap = 1;
    for (char *s = text; *s; s++) cap += *s == '\n';
    c->text = text;
    c->line = calloc((size_t)cap, sizeof *c->line);
    if (!c->line) return;
    for (char *s = text; s && *s && c->n < cap;) {
        c->line[c->n++] = s;
        char *nl = strchr(s, '\n');
        if (nl) *nl = '\0';
        s = nl ? nl + 1 : NULL;
    }
}

static void code_drop(struct code_lines *c)
{
    free(c->line);
    free(c->text);
    memset(c, 0, sizeof *c);
}

/* Switches the view to lesson l at page (clamped). */
static void set_lesson(struct present_view *pv, const struct lesson *l, int page)
{
    if (pv->l != l) {
        code_drop(&pv->c);
        code_drop(&pv->py);
        pv->l = l;
        pv->paced = *l;
        pv->paced.mode = "paced"; /* a shallow copy: the narrator's pace, nothing owned */
        present_deck_build(l, &pv->deck);
        code_load(&pv->c, l->c_path ? catalogue_read_file(l->c_path) : NULL);
        code_load(&pv->py, l->python ? strdup(l->python) : NULL);
    }
    pv->page = page < 0 ? 0 : page >= pv->deck.n ? (pv->deck.n > 0 ? pv->deck.n - 1 : 0) : page;
    pv->scroll = 0;
}

/* The presenter's page goes to the notes screen and the followers. */
static void publish(struct present_view *pv)
{
    struct present_state s;
    if (pv->notes || present_state_set(&s, pv->l->id, pv->page, pv->deck.n) < 0) return;
    present_file_write(&s);
    if (pv->linked && pv->setup_rc == 0) pv->show_pending = present_agent_show(&pv->agent, &s) == -EAGAIN;
}

/* The agent for the presenter's link; its failure to start is said like
 * the link's. */
static void agent_start(struct present_view *pv)
{
    int r = present_agent_start(&pv->agent, &pv->link, true, PUBLISH_MS);
    if (r < 0) pv->setup_rc = r;
    pv->link_rc = -EINPROGRESS;
}

/* ------------------------------------------------------------ drawing */

static void put_centred(int y, int cols, enum ui_role r, const char *text)
{
    int w = fmt_width(text);
    if (w > cols) w = cols;
    ui_put(y, (cols - w) / 2, w, r, text);
}

struct centred_ctx {
    int y, cols, max;
    enum ui_role role;
};

static void centred_row(void *ctx, const char *line)
{
    struct centred_ctx *c = ctx;
    if (c->max-- > 0) put_centred(c->y++, c->cols, c->role, line);
}

/* The title, wrapped and centred from row y, underlined. Next free row. */
static int draw_title(int y, int cols, const char *title)
{
    struct centred_ctx c = {y, cols, 3, R_TITLE};
    int width = cols - 8 > TEXT_MAX_COLS ? TEXT_MAX_COLS : cols - 8;
    int n = fmt_wrap(title, width, 0, centred_row, &c);
    int tw = fmt_width(title) < width ? fmt_width(title) : width;
    char rule[3 * 160 + 1] = "";
    for (int i = 0; i < tw && i < 160; i++) strcat(rule, "\xe2\x94\x80"); /* U+2500 */
    put_centred(c.y, cols, R_BORDER, rule);
    return y + (n < 3 ? n : 3) + 1;
}

static void draw_bar(const struct present_view *pv, int cols, int lines)
{
    char right[64], left[300], class_state[120] = "";
    if (pv->linked) { /* where the followers are: on, or why not (first: it matters more than the keys) */
        bool on = pv->setup_rc == 0 && pv->link_rc == 0;
        if (pv->setup_rc == 0 && pv->link_rc == -EINPROGRESS)
            snprintf(class_state, sizeof class_state, " class: connecting  ");
        else
            snprintf(class_state, sizeof class_state, " class: %s%s%s  ", on ? "on" : "off (",
                     on ? "" : present_link_error(pv->setup_rc ? pv->setup_rc : pv->link_rc), on ? "" : ")");
    }
    snprintf(right, sizeof right, "slide %d/%d ", pv->page + 1, pv->deck.n);
    if (pv->jump)
        snprintf(left, sizeof left, " go to slide: %d_   (Enter: go, Esc: cancel)", pv->jump);
    else
        snprintf(left, sizeof left, "%s%s", class_state,
                 cols >= 100 ? " Left/Right: slide  1-9 Enter: jump  r: run paced  [ ]: lesson  q: quit"
                             : " </>: slide  N Enter: jump  r: run  q");
    int rw = fmt_width(right);
    ui_put(lines - 1, 0, cols - rw - 1, pv->jump ? R_KEY : R_DIM, left);
    ui_put(lines - 1, cols - rw, rw, R_TITLE, right);
}

static void draw_text_page(struct present_view *pv, const struct lesson_slide *s, int cols, int lines)
{
    int y = draw_title(2, cols, s->title ? s->title : "");
    int room = lines - 2 - y, width = cols - 8 > TEXT_MAX_COLS ? TEXT_MAX_COLS : cols - 8, widest = 0;
    int n = present_slide_lines(s, width, true, pv->rows, MAX_ROWS, &widest);
    if (n > room) n = present_slide_lines(s, width, false, pv->rows, MAX_ROWS, &widest);
    bool cut = n > room;
    if (cut) n = room - 1;
    if (n > MAX_ROWS) n = MAX_ROWS;
    /* centred as a block (bullets stay aligned), a third of the way down */
    int x = (cols - widest) / 2, top = y + (room - n) / 3;
    for (int i = 0; i < n; i++) ui_put(top + i, x, cols - x, R_NORMAL, pv->rows[i]);
    if (cut) put_centred(top + n, cols, R_WARN, "(the slide goes on: a taller terminal shows it all)");
}

static void draw_code(const struct code_lines *c, struct rect r, const char *title, bool focus, enum hl_lang lang,
                      int scroll)
{
    struct rect in = ui_box(r, title, focus);
    if (!c->line || c->n == 0) {
        ui_put(in.y, in.x + 1, in.w - 1, R_DIM, lang == HL_C ? "(no C source)" : "(no Python version)");
        return;
    }
    if (scroll > c->n - 1) scroll = c->n - 1;
    if (scroll < 0) scroll = 0;
    int state = 0;
    for (int i = 0; i < scroll; i++) { /* the comment state of the lines above */
        struct hl_span sp[128];
        hl_line(lang, c->line[i], &state, sp, 128);
    }
    for (int row = 0; row < in.h && scroll + row < c->n; row++)
        ui_code_line(in.y + row, in.x, in.w, scroll + row + 1, c->line[scroll + row], lang, &state, 0);
}

static void draw_code_page(struct present_view *pv, bool python, int cols, int lines)
{
    const struct lesson *l = pv->l;
    char title[300];
    int y = draw_title(1, cols, python ? "The Python version" : "The C example");
    struct rect all = {1, y, cols - 2, lines - 1 - y};
    snprintf(title, sizeof title, "C: %s", l->c_path ? l->c_path : "-");
    if (cols >= LAYOUT_SIDE_BY_SIDE_COLS && pv->c.n && pv->py.n) { /* side by side, this page's lit */
        struct rect a = all, b = all;
        a.w = all.w / 2;
        b.x = a.x + a.w;
        b.w = all.w - a.w;
        draw_code(&pv->c, a, title, !python, HL_C, pv->scroll);
        draw_code(&pv->py, b, "Python (the lecture)", python, HL_PYTHON, pv->scroll);
    } else if (python) {
        draw_code(&pv->py, all, "Python (the lecture)", false, HL_PYTHON, pv->scroll);
    } else {
        draw_code(&pv->c, all, title, false, HL_C, pv->scroll);
    }
}

static void present_draw(struct ui_view *v, int cols, int lines)
{
    struct present_view *pv = (struct present_view *)v;
    const struct lesson *l = pv->l;
    char head[300];
    snprintf(head, sizeof head, " %d. %s", l->order, l->title ? l->title : l->id);
    ui_put(0, 0, cols, R_DIM, head);
    if (pv->deck.n == 0) {
        put_centred(lines / 2, cols, R_WARN, "this lesson has no slides");
    } else {
        const struct present_page *p = &pv->deck.page[pv->page];
        if (p->kind == PP_SLIDE) draw_text_page(pv, &l->slides[p->slide], cols, lines);
        else draw_code_page(pv, p->kind == PP_PYTHON, cols, lines);
    }
    draw_bar(pv, cols, lines);
}

/* ------------------------------------------------------------ keys */

/* The lesson n places away in the catalogue's order, or NULL. */
static const struct lesson *lesson_step(const struct present_view *pv, int n)
{
    const struct catalogue *c = pv->cat;
    for (size_t i = 0; i < c->nlessons; i++)
        if (&c->lessons[i] == pv->l) {
            long k = (long)i + n;
            return k >= 0 && (size_t)k < c->nlessons ? &c->lessons[k] : NULL;
        }
    return NULL;
}

static int jump_key(struct present_view *pv, int ch)
{
    if (ch >= '0' && ch <= '9') {
        present_jump_digit(&pv->jump, ch - '0');
        return UI_HANDLED | UI_REDRAW;
    }
    if (!pv->jump) return 0;
    if (ch == KEYS_BACKSPACE) pv->jump /= 10;
    else if (ch == KEYS_ENTER || ch == '\n' || ch == '\r') {
        int to = present_jump_target(pv->jump, pv->deck.n);
        if (to >= 0) set_lesson(pv, pv->l, to), publish(pv);
        pv->jump = 0;
    } else {
        pv->jump = 0; /* Esc, or any other key, cancels the number */
        if (ch != KEYS_ESC) return 0;
    }
    return UI_HANDLED | UI_REDRAW;
}

static int present_key(struct ui_view *v, int ch)
{
    struct present_view *pv = (struct present_view *)v;
    int f = jump_key(pv, ch);
    if (f) return f;
    int page = pv->page;
    const struct lesson *other = NULL;
    switch (ch) {
    case KEYS_PGDN: page = present_move(page, pv->deck.n, PM_NEXT); break; /* a presenter's remote */
    case KEYS_PGUP: page = present_move(page, pv->deck.n, PM_PREV); break;
    case KEYS_HOME: case 'g': page = 0; break;
    case KEYS_END: case 'G': page = present_move(page, pv->deck.n, PM_LAST); break;
    case ']': other = lesson_step(pv, 1); break;
    case '[': other = lesson_step(pv, -1); break;
    default:
        switch (keys_action(KEYS_LESSON, ch)) {
        case KA_NEXT_SLIDE: page = present_move(page, pv->deck.n, PM_NEXT); break;
        case KA_PREV_SLIDE: page = present_move(page, pv->deck.n, PM_PREV); break;
        case KA_DOWN: pv->scroll++; return UI_HANDLED | UI_REDRAW;
        case KA_UP: pv->scroll -= pv->scroll > 0; return UI_HANDLED | UI_REDRAW;
        case KA_RUN:
            if (pv->l->program) ui_push(ui_run_view(&pv->paced, pv->l->program));
            return UI_HANDLED | UI_REDRAW;
        case KA_BACK: return UI_HANDLED | UI_POP;
        default: return 0;
        }
    }
    if (other) set_lesson(pv, other, 0);
    else if (page != pv->page) set_lesson(pv, pv->l, page);
    else return UI_HANDLED;
    publish(pv);
    return UI_HANDLED | UI_REDRAW;
}

static int present_tick_ms(struct ui_view *v)
{
    struct present_view *pv = (struct present_view *)v;
    return pv->linked && pv->setup_rc == 0 ? ANSWER_MS : -1;
}

/* The agent's answers, a page it was too busy to take, and a new agent if
 * the old one is gone. */
static int present_tick(struct ui_view *v)
{
    struct present_view *pv = (struct present_view *)v;
    int before = pv->link_rc;
    struct present_answer a;
    int got = present_agent_take(&pv->agent, &a);
    if (got == 1) pv->link_rc = a.r;
    if (got < 0) agent_start(pv);
    if (got < 0 || pv->show_pending) publish(pv);
    return before != pv->link_rc ? UI_REDRAW : 0;
}

static void present_destroy(struct ui_view *v)
{
    struct present_view *pv = (struct present_view *)v;
    if (!pv->notes) present_file_remove(); /* nobody presents any more */
    present_agent_stop(&pv->agent);
    explicit_bzero(&pv->link, sizeof pv->link);
    code_drop(&pv->c);
    code_drop(&pv->py);
    free(pv->rows);
    free(pv);
}

static struct present_view *view_new(struct catalogue *c, const struct lesson *l)
{
    struct present_view *pv = calloc(1, sizeof *pv);
    if (!pv || !(pv->rows = calloc(MAX_ROWS, sizeof *pv->rows))) {
        free(pv);
        return NULL;
    }
    pv->cat = c;
    pv->link.fd = -1;
    pv->v.destroy = present_destroy;
    set_lesson(pv, l, 0);
    return pv;
}

struct ui_view *ui_present_view(struct catalogue *c, const struct lesson *l, int page, const char *server_state,
                                const char *keyfile)
{
    struct present_view *pv = view_new(c, l);
    if (!pv) return NULL;
    pv->v.draw = present_draw;
    pv->v.key = present_key;
    pv->v.tick_ms = present_tick_ms;
    pv->v.tick = present_tick;
    set_lesson(pv, l, page);
    pv->setup_rc = present_link_presenter(&pv->link, server_state, keyfile);
    pv->linked = pv->setup_rc != -ENOENT;
    if (pv->setup_rc == 0) agent_start(pv);
    publish(pv);
    return &pv->v;
}

/* ------------------------------------------------------------ notes */

struct wrap_rows {
    int y, x, w, end;
    enum ui_role role;
};

static void wrap_row(void *ctx, const char *line)
{
    struct wrap_rows *r = ctx;
    if (r->y < r->end) ui_put(r->y, r->x, r->w, r->role, line);
    r->y++;
}

/* What the presenter shows now, and the page after it. */
static void notes_body(struct present_view *pv, int cols, int lines)
{
    const struct lesson *l = pv->l;
    const struct present_page *p = &pv->deck.page[pv->page];
    char buf[400];
    int w = cols - 4 > TEXT_MAX_COLS ? TEXT_MAX_COLS : cols - 4;
    snprintf(buf, sizeof buf, "Now: %s", present_page_title(l, p));
    ui_put(2, 2, w, R_TITLE, buf);
    struct wrap_rows r = {4, 2, w, lines - 8, R_NORMAL};
    const char *notes = p->kind == PP_SLIDE ? l->slides[p->slide].notes : NULL;
    if (notes) fmt_wrap(notes, w, 0, wrap_row, &r);
    else ui_put(r.y++, 2, w, R_DIM, "(no notes for this slide)");
    r.y++;
    r.end = lines - 1;
    if (pv->page + 1 >= pv->deck.n) {
        ui_put(r.y, 2, w, R_DIM, "Next: (the last slide of this lesson)");
        return;
    }
    const struct present_page *next = &pv->deck.page[pv->page + 1];
    snprintf(buf, sizeof buf, "Next: %s", present_page_title(l, next));
    ui_put(r.y++, 2, w, R_TITLE, buf);
    if (next->kind != PP_SLIDE) return;
    int widest, n = present_slide_lines(&l->slides[next->slide], w - 2, false, pv->rows, MAX_ROWS, &widest);
    for (int i = 0; i < n && i < MAX_ROWS && r.y < r.end; i++) ui_put(r.y++, 4, w - 2, R_DIM, pv->rows[i]);
}

static void notes_draw(struct ui_view *v, int cols, int lines)
{
    struct present_view *pv = (struct present_view *)v;
    char head[300];
    if (pv->seen_rc == 0) {
        snprintf(head, sizeof head, " notes: %d. %s   slide %d/%d", pv->l->order, pv->l->title ? pv->l->title : pv->l->id,
                 pv->page + 1, pv->deck.n);
        ui_put(0, 0, cols, R_TITLE, head);
        notes_body(pv, cols, lines);
    } else {
        ui_put(0, 0, cols, R_TITLE, " notes");
        snprintf(head, sizeof head, pv->seen_rc == -ENOENT ? "waiting for the presenter (`forklab present` in another terminal)"
                                    : pv->seen_rc == -ESRCH ? "the presenter shows lesson '%s', which is not in this tree"
                                                            : "the presenter's state file is damaged; waiting for the next slide",
                 pv->seen.lesson);
        put_centred(lines / 2, cols, pv->seen_rc == -ENOENT ? R_DIM : R_WARN, head);
    }
    ui_put(lines - 1, 0, cols, R_DIM, " following the presenter   q: quit");
}

static int notes_key(struct ui_view *v, int ch)
{
    (void)v;
    return keys_action(KEYS_LESSON, ch) == KA_BACK ? UI_HANDLED | UI_POP : 0;
}

static int notes_tick_ms(struct ui_view *v)
{
    (void)v;
    return NOTES_POLL_MS;
}

static int notes_tick(struct ui_view *v)
{
    struct present_view *pv = (struct present_view *)v;
    struct present_state s;
    int rc = present_file_read(&s);
    const struct lesson *l = rc == 0 ? catalogue_find(pv->cat, s.lesson) : NULL;
    if (rc == 0 && !l) rc = -ESRCH;
    bool same = rc == pv->seen_rc && (rc != 0 || (!strcmp(s.lesson, pv->seen.lesson) && s.page == pv->seen.page));
    if (same) return 0;
    pv->seen_rc = rc;
    if (rc == 0 || rc == -ESRCH) pv->seen = s;
    if (l) set_lesson(pv, l, s.page - 1);
    return UI_REDRAW;
}

struct ui_view *ui_notes_view(struct catalogue *c)
{
    if (!c->nlessons) return NULL;
    struct present_view *pv = view_new(c, &c->lessons[0]);
    if (!pv) return NULL;
    pv->notes = true;
    pv->seen_rc = -ENOENT;
    pv->v.draw = notes_draw;
    pv->v.key = notes_key;
    pv->v.tick_ms = notes_tick_ms;
    pv->v.tick = notes_tick;
    notes_tick(&pv->v);
    return &pv->v;
}
