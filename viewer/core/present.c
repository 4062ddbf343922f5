/* present.c — presenter mode, the pure part (present.h). */
#include "present.h"

#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void present_deck_build(const struct lesson *l, struct present_deck *d)
{
    d->n = 0;
    for (size_t i = 0; i < l->nslides && d->n < PRESENT_MAX_PAGES; i++)
        d->page[d->n++] = (struct present_page){PP_SLIDE, (int)i};
    if (l->c_path && d->n < PRESENT_MAX_PAGES) d->page[d->n++] = (struct present_page){PP_C, 0};
    if (l->python && d->n < PRESENT_MAX_PAGES) d->page[d->n++] = (struct present_page){PP_PYTHON, 0};
}

const char *present_page_title(const struct lesson *l, const struct present_page *p)
{
    switch (p->kind) {
    case PP_C: return "The C example";
    case PP_PYTHON: return "The Python version";
    default: break;
    }
    if (p->slide < 0 || (size_t)p->slide >= l->nslides || !l->slides[p->slide].title) return "";
    return l->slides[p->slide].title;
}

struct lines_ctx {
    char (*out)[PRESENT_LINE_MAX];
    int max, n, widest;
};

static void add_line(void *ctx, const char *line)
{
    struct lines_ctx *c = ctx;
    int w = fmt_width(line);
    if (w > c->widest) c->widest = w;
    if (c->n < c->max) snprintf(c->out[c->n], PRESENT_LINE_MAX, "%s", line);
    c->n++;
}

int present_slide_lines(const struct lesson_slide *s, int width, bool air, char (*out)[PRESENT_LINE_MAX],
                        int max, int *widest)
{
    static const char *const marks[] = {"* ", "- ", "+ "};
    struct lines_ctx c = {out, max, 0, 0};
    for (size_t i = 0; width > 8 && i < s->nbullets; i++) {
        char text[2048];
        int level = s->bullets[i].level < 0 ? 0 : s->bullets[i].level > 4 ? 4 : s->bullets[i].level;
        /* a blank line between top-level bullets: a projector needs air */
        if (air && level == 0 && i > 0) add_line(&c, "");
        snprintf(text, sizeof text, "%*s%s%s", level * 3, "", marks[level % 3],
                 s->bullets[i].text ? s->bullets[i].text : "");
        fmt_wrap(text, width, level * 3 + 2, add_line, &c);
    }
    if (widest) *widest = c.widest;
    return c.n;
}

int present_move(int page, int n, enum present_move m)
{
    if (n <= 0) return 0;
    switch (m) {
    case PM_NEXT: page++; break;
    case PM_PREV: page--; break;
    case PM_FIRST: page = 0; break;
    case PM_LAST: page = n - 1; break;
    }
    return page < 0 ? 0 : page >= n ? n - 1 : page;
}

void present_jump_digit(int *acc, int digit)
{
    if (digit < 0 || digit > 9) return;
    int v = *acc * 10 + digit;
    if (v <= PRESENT_JUMP_MAX) *acc = v;
}

int present_jump_target(int acc, int n)
{
    return acc >= 1 && acc <= n ? acc - 1 : -EINVAL;
}

bool present_id_ok(const void *s, size_t n)
{
    const unsigned char *c = s;
    if (n == 0 || n > PRESENT_ID_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        bool ok = (c[i] >= 'a' && c[i] <= 'z') || (c[i] >= 'A' && c[i] <= 'Z') || (c[i] >= '0' && c[i] <= '9') ||
                  c[i] == '-' || c[i] == '_' || c[i] == '.';
        if (!ok) return false;
    }
    return true;
}

int present_state_check(const struct present_state *s)
{
    size_t n = strnlen(s->lesson, sizeof s->lesson);
    if (n == sizeof s->lesson || !present_id_ok(s->lesson, n)) return -EINVAL;
    if (s->pages < 1 || s->pages > PRESENT_MAX_PAGES || s->page < 1 || s->page > s->pages) return -EINVAL;
    return 0;
}

int present_state_set(struct present_state *s, const char *lesson, int page0, int n)
{
    memset(s, 0, sizeof *s);
    if (!lesson || strlen(lesson) > PRESENT_ID_MAX) return -EINVAL;
    memcpy(s->lesson, lesson, strlen(lesson) + 1);
    s->page = page0 + 1;
    s->pages = n;
    return present_state_check(s);
}

int present_state_format(char *buf, size_t cap, const struct present_state *s, int pid)
{
    if (present_state_check(s) < 0 || pid < 1 || pid > PRESENT_PID_MAX) return -EINVAL;
    int n = snprintf(buf, cap, "%s %d %d %d\n", s->lesson, s->page, s->pages, pid);
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

/* A decimal number of 1 to digits digits at *p, no leading zero, then the
 * byte `end` (0: the end of the text). */
static int parse_num(const char **p, const char *e, char end, int digits, int *out)
{
    int v = 0, k = 0;
    const char *q = *p;
    while (q < e && *q >= '0' && *q <= '9' && k <= digits) v = v * 10 + (*q++ - '0'), k++;
    if (k == 0 || k > digits || (k > 1 && **p == '0')) return -EINVAL;
    if (end && (q == e || *q != end)) return -EINVAL;
    if (end) q++;
    *p = q;
    *out = v;
    return 0;
}

int present_state_parse(const char *buf, size_t n, struct present_state *s, int *pid)
{
    memset(s, 0, sizeof *s);
    *pid = 0;
    const char *sp = memchr(buf, ' ', n), *e = buf + n;
    if (n > 0 && e[-1] == '\n') e--;
    if (!sp || sp >= e || !present_id_ok(buf, (size_t)(sp - buf))) return -EINVAL;
    memcpy(s->lesson, buf, (size_t)(sp - buf));
    const char *p = sp + 1;
    int r = parse_num(&p, e, ' ', 3, &s->page);
    if (r == 0) r = parse_num(&p, e, ' ', 3, &s->pages);
    if (r == 0) r = parse_num(&p, e, 0, 7, pid);
    if (r == 0 && (p != e || *pid < 1 || *pid > PRESENT_PID_MAX)) r = -EINVAL;
    if (r == 0) r = present_state_check(s);
    if (r < 0) {
        memset(s, 0, sizeof *s);
        *pid = 0;
    }
    return r;
}

void present_encode_show_args(mp__buf *b, const struct present_state *s)
{
    mp__enc_str(b, s->lesson, strlen(s->lesson));
    mp__enc_int(b, s->page);
    mp__enc_int(b, s->pages);
}

/* str lesson, int page, int pages: shape first (-EBADMSG), then values. */
static int decode_state(mp__dec *d, struct present_state *s)
{
    mp__val v;
    int64_t page, pages;
    memset(s, 0, sizeof *s);
    if (mp__dec_str(d, &v) < 0 || mp__dec_int(d, &page) < 0 || mp__dec_int(d, &pages) < 0) return -EBADMSG;
    if (!present_id_ok(v.p, v.len) || page < 1 || pages < 1 || pages > PRESENT_MAX_PAGES || page > pages)
        return -EINVAL;
    memcpy(s->lesson, v.p, v.len);
    s->page = (int)page;
    s->pages = (int)pages;
    return 0;
}

int present_decode_show_args(mp__dec *d, struct present_state *s)
{
    int r = decode_state(d, s);
    if (r == 0 && !mp__dec_at_end(d)) r = -EBADMSG;
    return r;
}

void present_encode_follow_reply(mp__buf *b, int64_t status, const struct present_state *s, int64_t seq)
{
    mp__enc_int(b, status);
    if (status != 0) return;
    present_encode_show_args(b, s);
    mp__enc_int(b, seq);
}

int present_decode_follow_reply(const void *p, size_t n, int64_t *status, struct present_state *s, int64_t *seq)
{
    mp__dec d;
    mp__dec_init(&d, p, n);
    memset(s, 0, sizeof *s);
    *seq = 0;
    if (mp__dec_int(&d, status) < 0) return -EBADMSG;
    if (*status > 0 || *status < -4095) return -EINVAL; /* 0 or -errno */
    if (*status != 0) return mp__dec_at_end(&d) ? 0 : -EBADMSG;
    int r = decode_state(&d, s);
    if (r == 0 && (mp__dec_int(&d, seq) < 0 || !mp__dec_at_end(&d))) r = -EBADMSG;
    if (r == 0 && *seq < 0) r = -EINVAL;
    if (r < 0) { /* refused whole: nothing of it kept */
        memset(s, 0, sizeof *s);
        *seq = 0;
    }
    return r;
}

int present_follow_slide(const struct lesson *l, int page)
{
    if (l->nslides == 0 || page < 1) return 0;
    return (size_t)page <= l->nslides ? page - 1 : (int)l->nslides - 1;
}
