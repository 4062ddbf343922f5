/* class_rows.c — the board's rows, sorted and filtered (class_rows.h). */
#include "class_rows.h"

#include "keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fixed columns: student, lesson/slide, stuck, idle, points, newest. */
#define W_NAME 14
#define W_WHERE 16
#define W_TIME 6
#define W_POINTS 7
#define W_NEWEST 24
#define W_CELL 10

const char *crow_sort_name(enum crow_sort s)
{
    static const char *const names[CROW__SORTS] = {
        [CROW_BY_NAME] = "name", [CROW_BY_STUCK] = "stuck longest", [CROW_BY_POINTS] = "points",
        [CROW_BY_IDLE] = "idle longest", [CROW_BY_LESSON] = "lesson/slide",
    };
    return (unsigned)s < CROW__SORTS ? names[s] : "?";
}

void crow_of(const struct cls_student *s, int64_t now, struct crow *out)
{
    memset(out, 0, sizeof *out);
    out->s = s;
    for (size_t i = 0; i < s->nres; i++) {
        const struct cls_result *r = &s->res[i];
        out->points += r->points;
        out->max += r->max;
        if (!strcmp(r->status, "PASS")) out->passed++;
        if (!out->newest || r->at > out->newest->at) out->newest = r;
    }
    out->idle = now > s->last ? now - s->last : 0;
    out->stuck = -1;
    if (out->newest && strcmp(out->newest->status, "PASS") != 0)
        out->stuck = now > s->progress ? now - s->progress : 0;
}

bool crow_match(const struct cls_student *s, const char *filter)
{
    if (!filter || !filter[0]) return true;
    if (strcasestr(s->name, filter) || strcasestr(s->lesson, filter)) return true;
    for (size_t i = 0; i < s->nres; i++)
        if (strcasestr(s->res[i].ex, filter)) return true;
    return false;
}

/* Larger first for the times and points; the name breaks every tie, so
 * the order never depends on arrival. */
static int cmp_i64_desc(int64_t a, int64_t b)
{
    return a > b ? -1 : a < b ? 1 : 0;
}

static int compare(const void *pa, const void *pb, void *ctx)
{
    const struct crow *a = pa, *b = pb;
    const struct crow_query *q = ctx;
    int c = 0;
    switch (q->sort) {
    case CROW_BY_STUCK:
        c = cmp_i64_desc(a->stuck, b->stuck);
        if (!c) c = cmp_i64_desc(a->idle, b->idle);
        break;
    case CROW_BY_POINTS: c = cmp_i64_desc(a->points, b->points); break;
    case CROW_BY_IDLE: c = cmp_i64_desc(a->idle, b->idle); break;
    case CROW_BY_LESSON: /* furthest behind first */
        c = strcmp(a->s->lesson, b->s->lesson);
        if (!c) c = (a->s->slide > b->s->slide) - (a->s->slide < b->s->slide);
        break;
    default: break;
    }
    if (!c) c = strcmp(a->s->name, b->s->name);
    return q->reverse ? -c : c;
}

size_t crow_select(const struct cls_board *b, const struct crow_query *q, int64_t now, struct crow *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n && n < cap; i++)
        if (crow_match(&b->st[i], q->filter)) crow_of(&b->st[i], now, &out[n++]);
    qsort_r(out, n, sizeof *out, compare, (void *)q);
    return n;
}

bool crow_stuck_longest(const struct cls_board *b, int64_t now, struct crow *out)
{
    bool found = false;
    struct crow r;
    const struct crow_query q = {.sort = CROW_BY_STUCK};
    for (size_t i = 0; i < b->n; i++) {
        crow_of(&b->st[i], now, &r);
        if (r.stuck >= 0 && (!found || compare(&r, out, (void *)&q) < 0)) {
            *out = r;
            found = true;
        }
    }
    return found;
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t crow_columns(const struct cls_board *b, const char *filter, const char **cols, size_t cap)
{
    size_t n = 0;
    bool named = false; /* the filter names an exercise: only those */
    for (int pass = 0; pass < 2 && n == 0; pass++) {
        for (size_t i = 0; i < b->n; i++)
            for (size_t k = 0; k < b->st[i].nres; k++) {
                const char *ex = b->st[i].res[k].ex;
                if (pass == 0 && (!filter || !filter[0] || !strcasestr(ex, filter))) continue;
                if (pass == 0) named = true;
                bool seen = false;
                for (size_t j = 0; j < n && !seen; j++) seen = !strcmp(cols[j], ex);
                if (!seen && n < cap) cols[n++] = ex;
            }
        if (named) break;
    }
    qsort(cols, n, sizeof *cols, cmp_text);
    return n;
}

void crow_duration(int64_t secs, char *buf, size_t cap)
{
    if (secs < 0) snprintf(buf, cap, "-");
    else if (secs < 60) snprintf(buf, cap, "%llds", (long long)secs);
    else if (secs < 3600) snprintf(buf, cap, "%lldm", (long long)(secs / 60));
    else if (secs < 86400) snprintf(buf, cap, "%lldh%02lld", (long long)(secs / 3600), (long long)(secs % 3600 / 60));
    else snprintf(buf, cap, "%lldd", (long long)(secs / 86400));
}

void crow_cell(const struct cls_result *r, char *buf, size_t cap)
{
    if (!r) snprintf(buf, cap, "-");
    else snprintf(buf, cap, "%d/%d %s", r->points, r->max, r->status);
}

static const struct cls_result *result_of(const struct cls_student *s, const char *ex)
{
    for (size_t k = 0; k < s->nres; k++)
        if (!strcmp(s->res[k].ex, ex)) return &s->res[k];
    return NULL;
}

/* Appends " text" cut or padded to w columns, when it fits in width. */
static void put_col(char *buf, size_t cap, int width, const char *text, int w, bool right)
{
    size_t len = strlen(buf);
    if ((int)len + (len ? 1 : 0) + w > width || len + 1 >= cap) return;
    snprintf(buf + len, cap - len, right ? "%s%*.*s" : "%s%-*.*s", len ? " " : "", w, w, text);
}

/* The fixed columns as far as they go, then the exercise columns that fit
 * whole; a narrow screen keeps the first columns, cut to the width. */
static void fixed(const struct crow_table *tb, char *buf, size_t cap, const char *t[6])
{
    const int w[6] = {tb->name_w > W_NAME ? tb->name_w : W_NAME, W_WHERE, W_TIME, W_TIME, W_POINTS, W_NEWEST};
    static const bool right[6] = {false, false, true, true, true, false};
    buf[0] = '\0';
    for (int i = 0; i < 6; i++) {
        size_t len = strlen(buf);
        if ((int)len + 1 + w[i] > tb->width && i > 0) { /* the last one cut to what is left */
            int left = tb->width - (int)len - 1;
            if (left > 0) snprintf(buf + len, cap - len, " %-*.*s", left, left, t[i]);
            return;
        }
        put_col(buf, cap, tb->width, t[i], w[i], right[i]);
    }
}

static int cell_w(const struct crow_table *tb)
{
    return tb->cell_w > W_CELL ? tb->cell_w : W_CELL;
}

void crow_table_full(const struct cls_board *b, const char *const *ex, size_t nex, struct crow_table *tb)
{
    *tb = (struct crow_table){.ex = ex, .nex = nex};
    for (size_t i = 0; i < b->n; i++)
        if ((int)strlen(b->st[i].name) > tb->name_w) tb->name_w = (int)strlen(b->st[i].name);
    for (size_t j = 0; j < nex; j++)
        if ((int)strlen(ex[j]) > tb->cell_w) tb->cell_w = (int)strlen(ex[j]);
    int name = tb->name_w > W_NAME ? tb->name_w : W_NAME;
    tb->width = name + 1 + W_WHERE + 1 + W_TIME + 1 + W_TIME + 1 + W_POINTS + 1 + W_NEWEST +
                (int)nex * (cell_w(tb) + 1);
}

void crow_header(const struct crow_table *tb, char *buf, size_t cap)
{
    const char *t[6] = {"student", "lesson/slide", "stuck", "idle", "points", "newest result"};
    fixed(tb, buf, cap, t);
    for (size_t j = 0; j < tb->nex; j++) put_col(buf, cap, tb->width, tb->ex[j], cell_w(tb), false);
}

void crow_line(const struct crow_table *tb, const struct crow *r, char *buf, size_t cap)
{
    char where[W_WHERE + 1] = "-", stuck[16], idle[16], points[32], newest[160] = "-";
    if (r->s->lesson[0]) {
        char slide[16];
        int sl = snprintf(slide, sizeof slide, "/%d", r->s->slide);
        snprintf(where, sizeof where, "%.*s%s", W_WHERE - sl, r->s->lesson, slide);
    }
    crow_duration(r->stuck, stuck, sizeof stuck);
    crow_duration(r->idle, idle, sizeof idle);
    snprintf(points, sizeof points, "%d/%d", r->points, r->max);
    if (r->newest) {
        char cell[64];
        crow_cell(r->newest, cell, sizeof cell);
        int room = W_NEWEST - (int)strlen(cell) - 1;
        snprintf(newest, sizeof newest, "%.*s %s", room > 0 ? room : 0, r->newest->ex, cell);
    }
    const char *t[6] = {r->s->name, where, stuck, idle, points, newest};
    fixed(tb, buf, cap, t);
    for (size_t j = 0; j < tb->nex; j++) {
        char cell[64];
        crow_cell(result_of(r->s, tb->ex[j]), cell, sizeof cell);
        put_col(buf, cap, tb->width, cell, cell_w(tb), false);
    }
}

bool crow_stuck_text(const struct cls_board *b, int64_t now, char *buf, size_t cap)
{
    struct crow r;
    char t[16], cell[64];
    if (!crow_stuck_longest(b, now, &r)) return false;
    crow_duration(r.stuck, t, sizeof t);
    crow_cell(r.newest, cell, sizeof cell);
    snprintf(buf, cap, "stuck longest: %s, %s on %s (%s)", r.s->name, t, r.newest->ex, cell);
    return true;
}

static const struct {
    int key;
    enum crow_action a;
} key_table[] = {
    {KEYS_UP, CROW_UP},       {'k', CROW_UP},           {KEYS_DOWN, CROW_DOWN},       {'j', CROW_DOWN},
    {KEYS_PGUP, CROW_PAGE_UP}, {KEYS_PGDN, CROW_PAGE_DOWN}, {KEYS_HOME, CROW_FIRST},   {'g', CROW_FIRST},
    {KEYS_END, CROW_LAST},    {'G', CROW_LAST},         {'s', CROW_SORT_NEXT},        {'r', CROW_REVERSE},
    {'!', CROW_STUCK_FIRST},  {'/', CROW_FILTER},       {KEYS_ESC, CROW_CLEAR},       {'c', CROW_CODE},
    {'q', CROW_QUIT},
};

enum crow_action crow_key(int key)
{
    for (size_t i = 0; i < sizeof key_table / sizeof key_table[0]; i++)
        if (key_table[i].key == key) return key_table[i].a;
    return CROW_NONE;
}

const char *crow_key_help(int width)
{
    return width >= 120 ? " j/k: move  s: sort by...  r: reverse  !: stuck longest first  /: filter  Esc: all  "
                          "c: join code  q q: stop the class"
           : width >= 80 ? " s: sort  r: reverse  !: stuck first  /: filter  Esc: all  c: code  q q: stop"
                         : " s r ! / Esc c  q q: stop";
}

const char *const *crow_help_lines(size_t *n)
{
    static const char *const lines[] = {
        "Class board",
        "  Up/Down, j/k  move    PgUp/PgDn  page    Home/End, g/G  first/last",
        "  s          sort by: name, stuck longest, points, idle longest, lesson",
        "  r          reverse the order",
        "  !          stuck longest first (the second line names who)",
        "  /          filter: name, lesson or exercise (Enter keeps it, Esc: all)",
        "  c          the join code and the command the students type",
        "  q q        stop the class server (the board is saved)",
        "",
        "Stuck: the newest result fails and nothing moved forward since",
        "(more points, another exercise or another slide).",
    };
    *n = sizeof lines / sizeof lines[0];
    return lines;
}
