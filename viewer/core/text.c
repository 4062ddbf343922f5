/*
 * text.c — text fitted to terminal columns, and made safe to show.
 *
 * Widths are terminal columns; a UTF-8 code point counts as one (the viewer
 * prints ASCII plus a few one-column symbols). Text that came from outside
 * (a lesson file, an example's output or trace) may hold control
 * characters; text_safe() is the one place that turns them into something
 * visible, and every output path (the ncurses screens, `forklab list`, the
 * headless dump, lint's messages) passes such text through it, so forklab
 * never writes a control sequence it did not make.
 */
#include "text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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


/* ------------------------------------------------------------ safe text */

bool text_is_control(const char *s, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0;
    if (u[0] == 0xC2 && u[1] >= 0x80 && u[1] <= 0x9F)
        n = 2; /* a C1 control (U+0080..U+009F): U+009B is a CSI too */
    else if (u[0] && (u[0] < 0x20 || u[0] == 0x7f))
        n = 1;
    if (len) *len = n;
    return n > 0;
}

const char *text_find_control(const char *s, const char *keep)
{
    for (; s && *s; s++)
        if (text_is_control(s, NULL) && !(keep && strchr(keep, *s))) return s;
    return NULL;
}

size_t text_safe(char *dst, size_t cap, const char *src)
{
    if (!dst || cap == 0) return 0;
    size_t o = 0;
    for (const char *s = src ? src : ""; *s;) {
        size_t n;
        if (text_is_control(s, &n)) {
            if (o + 2 > cap) break;
            dst[o++] = '?';
            s += n;
            continue;
        }
        n = 1;
        while (s[n] && utf8_cont((unsigned char)s[n])) n++; /* whole code points only */
        if (o + n + 1 > cap) break;
        memcpy(dst + o, s, n);
        o += n;
        s += n;
    }
    dst[o] = '\0';
    return o;
}
