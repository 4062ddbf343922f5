/*
 * term.c — the terminal: start-up, shutdown, colours, signals, and where
 * forklab's own stderr goes while curses owns the screen.
 *
 * stderr is not the screen: a message printed by a library while curses
 * draws would land in the middle of a panel. So from start to stop, fd 2
 * points at an unlinked temp file; stop prints what it collected.
 */
#include "ui.h"

#include "codepane.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static SCREEN *screen;
static int saved_stderr = -1;
static FILE *captured;
static volatile sig_atomic_t stop_requested;
static struct sigaction old_int, old_term, old_hup, old_quit;
static attr_t roles[R__COUNT];

static void on_stop_signal(int sig)
{
    stop_requested = sig; /* the loop ends and restores the terminal */
}

bool ui_term_stop_requested(void)
{
    return stop_requested != 0;
}

int ui_term_stop_signal(void)
{
    return (int)stop_requested;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: poll() must return EINTR so the loop sees the flag. */
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    sigaction(SIGQUIT, &sa, &old_quit);
}

void ui_term_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
}

static void restore_signals(void)
{
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
}

static void capture_stderr(void)
{
    fflush(stderr);
    captured = tmpfile();
    if (!captured) return;
    saved_stderr = fcntl(2, F_DUPFD_CLOEXEC, 3);
    if (saved_stderr < 0 || dup2(fileno(captured), 2) < 0) {
        if (saved_stderr >= 0) close(saved_stderr);
        saved_stderr = -1;
        fclose(captured);
        captured = NULL;
    }
}

static void release_stderr(void)
{
    if (saved_stderr < 0) return;
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    saved_stderr = -1;
    /* Replay what was written while the screen was ours. */
    char buf[4096];
    size_t n;
    rewind(captured);
    while ((n = fread(buf, 1, sizeof buf, captured)) > 0)
        if (write(2, buf, n) < 0) break;
    fclose(captured);
    captured = NULL;
}

/* A colour per process (by creation index, cycling): the code pane's
 * markers and the processes panel's numbers share it. Bold only without
 * colours. */
#define NPROC_COLOURS 6
static attr_t proc_attrs[NPROC_COLOURS] = {A_BOLD, A_BOLD, A_BOLD, A_BOLD, A_BOLD, A_BOLD};

static void setup_roles(bool color)
{
    /* Monochrome first: every role distinguishable by attributes alone. */
    attr_t mono[R__COUNT] = {
        [R_NORMAL] = A_NORMAL,     [R_TITLE] = A_BOLD,          [R_BORDER] = A_NORMAL,
        [R_SELECTED] = A_REVERSE,  [R_DIM] = A_DIM,             [R_KEY] = A_BOLD,
        [R_HL_KEYWORD] = A_BOLD,   [R_HL_TYPE] = A_BOLD,        [R_HL_STRING] = A_UNDERLINE,
        [R_HL_COMMENT] = A_DIM,    [R_HL_NUMBER] = A_NORMAL,    [R_HL_PREPROC] = A_BOLD,
        [R_HL_MPCALL] = A_BOLD | A_UNDERLINE, [R_GOOD] = A_BOLD,  [R_BAD] = A_REVERSE,
        [R_WARN] = A_BOLD,
    };
    memcpy(roles, mono, sizeof roles);
    if (!color) return;
    start_color();
    use_default_colors();
    static const struct {
        enum ui_role role;
        short fg;
        attr_t extra;
    } pairs[] = {
        {R_TITLE, COLOR_CYAN, A_BOLD},      {R_BORDER, COLOR_BLUE, 0},
        {R_KEY, COLOR_YELLOW, A_BOLD},      {R_HL_KEYWORD, COLOR_MAGENTA, A_BOLD},
        {R_HL_TYPE, COLOR_GREEN, 0},        {R_HL_STRING, COLOR_YELLOW, 0},
        {R_HL_COMMENT, COLOR_BLUE, 0},      {R_HL_NUMBER, COLOR_RED, 0},
        {R_HL_PREPROC, COLOR_MAGENTA, 0},   {R_HL_MPCALL, COLOR_CYAN, A_BOLD},
        {R_GOOD, COLOR_GREEN, A_BOLD},        {R_BAD, COLOR_RED, A_BOLD},
        {R_WARN, COLOR_YELLOW, A_BOLD},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        short n = (short)(i + 1);
        if (n >= COLOR_PAIRS) break;
        init_pair(n, pairs[i].fg, -1);
        roles[pairs[i].role] = COLOR_PAIR(n) | pairs[i].extra;
    }
    /* The processes' own colours, after the roles' pairs. */
    static const short proc_fg[NPROC_COLOURS] = {COLOR_GREEN, COLOR_MAGENTA, COLOR_CYAN,
                                                 COLOR_YELLOW, COLOR_RED, COLOR_BLUE};
    short base = (short)(sizeof pairs / sizeof pairs[0] + 1);
    for (int i = 0; i < NPROC_COLOURS; i++) {
        short n = (short)(base + i);
        if (n >= COLOR_PAIRS) break;
        init_pair(n, proc_fg[i], -1);
        proc_attrs[i] = COLOR_PAIR(n) | A_BOLD;
    }
}

attr_t ui_proc_attr(int index)
{
    return index < 0 ? A_BOLD : proc_attrs[index % NPROC_COLOURS];
}

void ui_put_attr(int y, int x, int w, attr_t a, const char *text)
{
    char safe[1024], buf[1024];
    if (w <= 0 || !text) return;
    text_safe(safe, sizeof safe, text);
    fmt_fit(buf, sizeof buf, safe, w);
    attron(a);
    mvaddstr(y, x, buf);
    attroff(a);
}

int ui_term_start(void)
{
    setlocale(LC_ALL, "");
    const char *term = getenv("TERM");
    if (!isatty(0) || !isatty(1)) {
        fprintf(stderr, "forklab: the viewer needs a terminal (try `forklab run X --headless`)\n");
        return -1;
    }
    capture_stderr();
    screen = newterm(NULL, stdout, stdin);
    if (!screen) {
        release_stderr();
        fprintf(stderr, "forklab: cannot use terminal type '%s' (set TERM, e.g. TERM=xterm-256color)\n",
                term && term[0] ? term : "(unset)");
        return -1;
    }
    set_term(screen);
    /* A terminal that cannot move the cursor (TERM=dumb) would get only
     * the last line drawn and junk after: refuse it as clearly as an
     * unknown one, before anything is drawn. */
    const char *cup = tigetstr("cup");
    if (!cup || cup == (const char *)-1) {
        endwin();
        delscreen(screen);
        screen = NULL;
        release_stderr();
        fprintf(stderr,
                "forklab: terminal type '%s' cannot move the cursor, which the viewer needs (set TERM, e.g. "
                "TERM=xterm-256color; `forklab run X --headless` works anywhere)\n",
                term && term[0] ? term : "(unset)");
        return -1;
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    const char *nc = getenv("NO_COLOR");
    setup_roles(has_colors() && !nc);
    stop_requested = 0;
    install_signals();
    return 0;
}

void ui_term_stop(void)
{
    if (!screen) return;
    endwin();
    delscreen(screen);
    screen = NULL;
    restore_signals();
    release_stderr();
}

attr_t ui_attr(enum ui_role r)
{
    return (unsigned)r < R__COUNT ? roles[r] : A_NORMAL;
}

void ui_put(int y, int x, int w, enum ui_role r, const char *text)
{
    char safe[1024], buf[1024];
    if (w <= 0 || !text) return;
    /* Every string the screens show passes here: lesson text, an example's
     * output and names from its trace are shown, never obeyed. */
    text_safe(safe, sizeof safe, text);
    fmt_fit(buf, sizeof buf, safe, w);
    attr_t a = ui_attr(r);
    attron(a);
    mvaddstr(y, x, buf);
    attroff(a);
}

void ui_clear(struct rect r)
{
    for (int y = r.y; y < r.y + r.h; y++) mvhline(y, r.x, ' ', r.w);
}

struct rect ui_box(struct rect r, const char *title, bool focus)
{
    struct rect in = {r.x + 1, r.y + 1, r.w - 2, r.h - 2};
    if (r.w < 2 || r.h < 2) return (struct rect){r.x, r.y, 0, 0};
    attr_t a = ui_attr(R_BORDER);
    attron(a);
    mvhline(r.y, r.x + 1, ACS_HLINE, r.w - 2);
    mvhline(r.y + r.h - 1, r.x + 1, ACS_HLINE, r.w - 2);
    mvvline(r.y + 1, r.x, ACS_VLINE, r.h - 2);
    mvvline(r.y + 1, r.x + r.w - 1, ACS_VLINE, r.h - 2);
    mvaddch(r.y, r.x, ACS_ULCORNER);
    mvaddch(r.y, r.x + r.w - 1, ACS_URCORNER);
    mvaddch(r.y + r.h - 1, r.x, ACS_LLCORNER);
    mvaddch(r.y + r.h - 1, r.x + r.w - 1, ACS_LRCORNER);
    attroff(a);
    if (title && r.w > 6) {
        char t[256];
        snprintf(t, sizeof t, " %s ", title);
        ui_put(r.y, r.x + 2, r.w - 4, focus ? R_SELECTED : R_TITLE, t);
    }
    return in;
}

static enum ui_role role_of(enum hl_class c)
{
    switch (c) {
    case HL_KEYWORD: return R_HL_KEYWORD;
    case HL_TYPE: return R_HL_TYPE;
    case HL_STRING: return R_HL_STRING;
    case HL_COMMENT: return R_HL_COMMENT;
    case HL_NUMBER: return R_HL_NUMBER;
    case HL_PREPROC: return R_HL_PREPROC;
    case HL_MPCALL: return R_HL_MPCALL;
    default: return R_NORMAL;
    }
}

void ui_code_text(int y, int x, int w, const char *line, enum hl_lang lang, int *state, int hoff)
{
    char text[1024];
    if (w <= 0) return;
    fmt_expand_tabs(text, sizeof text, line, 4);
    struct hl_span spans[128];
    size_t n = hl_line(lang, text, state, spans, 128);
    bool left = false, right = false;
    cp_slice(text, hoff, w, NULL, 0, &left, &right);
    /* Each span's columns that fall in [hoff, hoff + w), in its colour. */
    int col = 0;
    for (size_t i = 0; i < n && col < hoff + w; i++) {
        char piece[1024], vis[1024];
        int len = spans[i].len < (int)sizeof piece - 1 ? spans[i].len : (int)sizeof piece - 1;
        memcpy(piece, text + spans[i].start, (size_t)len);
        piece[len] = '\0';
        int pw = fmt_width(piece), a = col > hoff ? col : hoff, b = col + pw < hoff + w ? col + pw : hoff + w;
        if (b > a) {
            cp_slice(piece, a - col, b - a, vis, sizeof vis, NULL, NULL);
            ui_put(y, x + a - hoff, b - a, role_of(spans[i].cls), vis);
        }
        col += pw;
    }
    /* Signs that the line goes on out of sight (< / > scroll to it). */
    if (left) ui_put(y, x, 1, R_WARN, "\xc2\xab");
    if (right) ui_put(y, x + w - 1, 1, R_WARN, "\xc2\xbb");
}

void ui_code_line(int y, int x, int w, int lineno, const char *line, enum hl_lang lang, int *state, int hoff)
{
    char num[16];
    if (w < 6) return;
    snprintf(num, sizeof num, "%4d ", lineno);
    ui_put(y, x, w, R_DIM, num);
    ui_code_text(y, x + 5, w - 5, line, lang, state, hoff);
}

int ui_key(int ch)
{
    switch (ch) {
    case KEY_UP: return KEYS_UP;
    case KEY_DOWN: return KEYS_DOWN;
    case KEY_LEFT: return KEYS_LEFT;
    case KEY_RIGHT: return KEYS_RIGHT;
    case KEY_PPAGE: return KEYS_PGUP;
    case KEY_NPAGE: return KEYS_PGDN;
    case KEY_HOME: return KEYS_HOME;
    case KEY_END: return KEYS_END;
    case KEY_ENTER:
    case '\r':
    case '\n': return KEYS_ENTER;
    case KEY_BACKSPACE:
    case 127:
    case 8: return KEYS_BACKSPACE;
    case KEY_RESIZE: return KEYS_RESIZE;
    default: return ch >= KEY_MIN ? 0 : ch; /* other function keys mean nothing here */
    }
}
