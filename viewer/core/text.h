/*
 * text.h — text fitted to terminal columns, and made safe to show (text.c).
 *
 * Widths are terminal columns. Strings are UTF-8; a code point counts as one
 * column (the viewer only prints ASCII plus a few one-column symbols).
 */
#ifndef FORKLAB_TEXT_H
#define FORKLAB_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Shown (UTF-8) where text was cut to fit. */
#define LAYOUT_ELLIPSIS "\xe2\x80\xa6"

/* Number of columns src takes. */
int fmt_width(const char *src);
/* Copy src into dst so that it takes at most width columns; when cut, the
 * last column is LAYOUT_ELLIPSIS. Returns the columns used. */
int fmt_fit(char *dst, size_t cap, const char *src, int width);
/* Expand tabs (to multiples of tab) and drop control characters. */
void fmt_expand_tabs(char *dst, size_t cap, const char *src, int tab);
/* Word-wrap text into lines of at most width columns: calls emit once per
 * line (the line is NUL-terminated, without a newline). indent = columns of
 * leading spaces on continuation lines. Returns the number of lines. */
typedef void (*fmt_line_fn)(void *ctx, const char *line);
int fmt_wrap(const char *text, int width, int indent, fmt_line_fn emit, void *ctx);

/* Durations: "850ns", "12.3us", "4.56ms", "1.20s". */
void fmt_duration(char *buf, size_t cap, uint64_t ns);

/* Control characters: C0 (below 0x20), DEL and C1 (U+0080..U+009F, as
 * UTF-8). A terminal acts on them (ESC starts a sequence that can retitle
 * the window, clear the screen or worse), so text from outside never
 * reaches it raw. */
/* True when s starts with a control character; *len = its bytes. */
bool text_is_control(const char *s, size_t *len);
/* The first control character in s that is not one of keep ("\n\t", or
 * NULL for none), or NULL when there is none. */
const char *text_find_control(const char *s, const char *keep);
/* Copy src into dst (at most cap-1 bytes, whole code points), each control
 * character replaced by '?'. Returns the bytes written. The one helper
 * every output path uses for text that came from outside. */
size_t text_safe(char *dst, size_t cap, const char *src);

#endif
